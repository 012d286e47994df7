//! Assessment rule tables: `rules/YEAR.toml`, one per year, versioned with the project.
//! A table says what an adoption earns (first matching row), how 批示 raise it, how a
//! co-written item is split among units, and what each unit gets per quarter regardless.
//! Points are never typed in: the ledger derives them from adoption and 批示 records.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diag::{self, FileError};

/// `rules/YEAR.toml`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleTable {
    /// The rules' name, shown on reports (e.g. "江北市人大常委会信息工作考核办法（2026）").
    pub name: String,
    /// The year the table applies to: adoptions and 批示 dated in this year.
    pub year: i32,
    /// The same item adopted by several outlets: "sum" (default) adds every adoption,
    /// "highest" counts only the best-paid one.
    #[serde(default)]
    pub repeat: Repeat,
    /// A co-written item's points among its writers' units: "share" (default, by the
    /// writers' shares), "half" (each unit half), "full" (each unit all).
    #[serde(default)]
    pub coauthors: Coauthors,
    /// Multiplier for a front-page / lead adoption (default 1).
    #[serde(default = "one")]
    pub front_page: f64,
    /// Base points every unit gets per quarter (0 = none).
    #[serde(default)]
    pub quarter_base: f64,
    /// What one adoption earns; the first matching row wins.
    pub adoption: Vec<AdoptionRule>,
    /// What a 批示 adds or multiplies, by the leader's level; an item's highest applies.
    #[serde(default)]
    pub instruction: Vec<InstructionRule>,
    /// What an assignment (约稿 / 报送任务) earns or costs when delivered on time, late, or
    /// not at all; the first matching row wins.
    #[serde(default)]
    pub assignment: Vec<AssignmentRule>,
    /// The least number of submissions each unit owes per period, and the cost of each one
    /// short. Only periods that have ended count.
    #[serde(default)]
    pub quota: Option<Quota>,
    /// Upper limits on what a unit (or a writer) earns from adoptions and 批示 in one period;
    /// the excess is taken off by a traced line.
    #[serde(default)]
    pub cap: Vec<Cap>,
}

/// One row of the assignment table. Points may be negative (penalties).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRule {
    /// Only important (true) or only ordinary (false) assignments; absent: both.
    #[serde(default)]
    pub important: Option<bool>,
    /// Delivered by the due date.
    #[serde(default)]
    pub on_time: f64,
    /// Delivered after the due date.
    #[serde(default)]
    pub late: f64,
    /// Not delivered and the due date has passed.
    #[serde(default)]
    pub missed: f64,
}

/// A period length for quotas and caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Month,
    Quarter,
    Year,
}

impl Per {
    /// The periods of `year`: (first day, last day, label), in order.
    pub fn periods(self, year: i32) -> Vec<(String, String, String)> {
        match self {
            Per::Year => vec![(
                format!("{year}-01-01"),
                format!("{year}-12-31"),
                format!("{year}年"),
            )],
            Per::Quarter => ["01-01", "04-01", "07-01", "10-01"]
                .iter()
                .zip(["03-31", "06-30", "09-30", "12-31"])
                .enumerate()
                .map(|(q, (a, b))| {
                    (
                        format!("{year}-{a}"),
                        format!("{year}-{b}"),
                        format!("{year}年第{}季度", q + 1),
                    )
                })
                .collect(),
            Per::Month => (1..=12)
                .filter_map(|m| {
                    let first = chrono::NaiveDate::from_ymd_opt(year, m, 1)?;
                    let last = first
                        .checked_add_months(chrono::Months::new(1))?
                        .pred_opt()?;
                    Some((
                        first.format("%Y-%m-%d").to_string(),
                        last.format("%Y-%m-%d").to_string(),
                        format!("{year}年{m}月"),
                    ))
                })
                .collect(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Per::Month => "每月",
            Per::Quarter => "每季度",
            Per::Year => "每年",
        }
    }
}

/// `[quota]`: each unit owes `items` submissions per period.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub per: Per,
    /// Submissions owed per period by every unit without its own number below.
    pub items: u32,
    /// Points for each submission short (negative, e.g. -1).
    pub per_missing: f64,
    /// Units with their own number (0 exempts a unit), by name or alias.
    #[serde(default)]
    pub units: std::collections::BTreeMap<String, u32>,
}

/// `[[cap]]`: at most `points` from adoptions and 批示 per period.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    pub per: Per,
    pub points: f64,
    /// "unit" (default) or "writer".
    #[serde(default)]
    pub scope: Scope,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    #[default]
    Unit,
    Writer,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Repeat {
    #[default]
    Sum,
    Highest,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Coauthors {
    #[default]
    Share,
    Half,
    Full,
}

/// One row of the adoption table. Absent fields match anything.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionRule {
    /// 县 / 市 / 省 / 国家.
    #[serde(default)]
    pub level: Option<String>,
    /// bulletin / magazine / newspaper / website / tv / radio.
    #[serde(default)]
    pub medium: Option<String>,
    /// An exact outlet name, e.g. "《中国人大》".
    #[serde(default)]
    pub outlet: Option<String>,
    /// 信息 / 调研 / 宣传稿.
    #[serde(default)]
    pub genre: Option<String>,
    /// 全文 / 综合 / 摘要.
    #[serde(default)]
    pub how: Option<String>,
    /// Body length band, in characters (inclusive lower, exclusive upper bound).
    #[serde(default)]
    pub min_chars: Option<usize>,
    #[serde(default)]
    pub max_chars: Option<usize>,
    /// Points the adoption earns.
    pub points: f64,
}

/// A 批示 by a leader of `level`: multiply the item's adoption points, or add a bonus.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructionRule {
    pub level: String,
    #[serde(default)]
    pub multiply: Option<f64>,
    #[serde(default)]
    pub add: Option<f64>,
}

/// The facts of one adoption that rules look at.
pub struct AdoptionFacts<'a> {
    pub level: &'a str,
    pub medium: &'a str,
    pub outlet: &'a str,
    pub genre: Option<&'a str>,
    pub how: &'a str,
    pub chars: usize,
}

impl AdoptionRule {
    pub fn matches(&self, f: &AdoptionFacts<'_>) -> bool {
        let eq = |want: &Option<String>, got: &str| want.as_deref().is_none_or(|w| w == got);
        eq(&self.level, f.level)
            && eq(&self.medium, f.medium)
            && eq(&self.outlet, f.outlet)
            && self
                .genre
                .as_deref()
                .is_none_or(|g| f.genre.unwrap_or("信息") == g)
            && eq(&self.how, f.how)
            && self.min_chars.is_none_or(|m| f.chars >= m)
            && self.max_chars.is_none_or(|m| f.chars < m)
    }

    /// "市·简报·调研·全文·≥500字", for ledger lines.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(o) = &self.outlet {
            parts.push(o.clone());
        }
        if let Some(l) = &self.level {
            parts.push(format!("{l}级"));
        }
        if let Some(m) = &self.medium {
            parts.push(
                m.parse::<crate::store::Medium>()
                    .map(|m| m.label().to_string())
                    .unwrap_or_else(|_| m.clone()),
            );
        }
        if let Some(g) = &self.genre {
            parts.push(g.clone());
        }
        if let Some(h) = &self.how {
            parts.push(h.clone());
        }
        match (self.min_chars, self.max_chars) {
            (Some(a), Some(b)) => parts.push(format!("{a}–{b}字")),
            (Some(a), None) => parts.push(format!("≥{a}字")),
            (None, Some(b)) => parts.push(format!("<{b}字")),
            _ => {}
        }
        if parts.is_empty() {
            "任何采用".to_string()
        } else {
            parts.join("·")
        }
    }
}

impl RuleTable {
    pub fn parse(path: &Path, text: &str) -> Result<RuleTable, FileError> {
        let t: RuleTable = diag::from_toml(path, text, 1)?;
        let levels = ["县", "市", "省", "国家"];
        for (i, r) in t.adoption.iter().enumerate() {
            if let Some(l) = &r.level
                && !levels.contains(&l.as_str())
            {
                return Err(FileError::new(
                    path,
                    format!("未知的级别「{l}」（可选：县、市、省、国家）"),
                )
                .with_key(format!("adoption[{i}].level")));
            }
            if let Some(m) = &r.medium
                && m.parse::<crate::store::Medium>().is_err()
            {
                return Err(FileError::new(
                    path,
                    format!("未知的媒体类型「{m}」（可选：bulletin、magazine、newspaper、website、tv、radio）"),
                )
                .with_key(format!("adoption[{i}].medium")));
            }
            if let Some(h) = &r.how
                && !["全文", "综合", "摘要"].contains(&h.as_str())
            {
                return Err(FileError::new(
                    path,
                    format!("未知的采用方式「{h}」（可选：全文、综合、摘要）"),
                )
                .with_key(format!("adoption[{i}].how")));
            }
        }
        for (i, r) in t.instruction.iter().enumerate() {
            if !levels.contains(&r.level.as_str()) {
                return Err(FileError::new(path, format!("未知的级别「{}」", r.level))
                    .with_key(format!("instruction[{i}].level")));
            }
            if r.multiply.is_some() == r.add.is_some() {
                return Err(FileError::new(
                    path,
                    "批示规则需要 multiply 或 add 之一（不能都写或都不写）",
                )
                .with_key(format!("instruction[{i}]")));
            }
        }
        if let Some(q) = &t.quota
            && q.per_missing > 0.0
        {
            return Err(FileError::new(
                path,
                format!(
                    "少报一篇应当扣分：per_missing 要写负数（例如 -{}）",
                    q.per_missing
                ),
            )
            .with_key("quota.per_missing"));
        }
        for (i, c) in t.cap.iter().enumerate() {
            if c.points <= 0.0 {
                return Err(
                    FileError::new(path, "得分上限必须大于 0").with_key(format!("cap[{i}].points"))
                );
            }
        }
        Ok(t)
    }

    /// The first row matching an assignment.
    pub fn assignment_rule(&self, important: bool) -> Option<(usize, &AssignmentRule)> {
        self.assignment
            .iter()
            .enumerate()
            .find(|(_, r)| r.important.is_none_or(|i| i == important))
    }

    /// The first row matching an adoption, with its index.
    pub fn rule_for(&self, f: &AdoptionFacts<'_>) -> Option<(usize, &AdoptionRule)> {
        self.adoption.iter().enumerate().find(|(_, r)| r.matches(f))
    }
}

/// `rules/YEAR.toml` of a project.
pub fn path_for(root: &Path, year: i32) -> PathBuf {
    root.join("rules").join(format!("{year}.toml"))
}

/// Loads the table for `year`.
pub fn load(root: &Path, year: i32) -> Result<RuleTable, FileError> {
    let path = path_for(root, year);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        FileError::new(
            &path,
            format!(
                "没有 {year} 年的考核规则（{e}）：用 caibian rules --init R1 --year {year} 从预设生成"
            ),
        )
    })?;
    let t = RuleTable::parse(&path, &text)?;
    if t.year != year {
        return Err(FileError::new(
            &path,
            format!("文件是 {year} 年的规则，但 year = {}", t.year),
        )
        .with_key("year"));
    }
    Ok(t)
}

/// The shipped presets, modelled on rules offices publish (see PRODUCT.md §4).
pub const PRESETS: &[(&str, &str, &str)] = &[
    (
        "R1",
        "市政府办公室式：采用计分，调研加倍，批示乘倍",
        include_str!("presets/R1.toml"),
    ),
    (
        "R2",
        "区级部门式：季度基础分，按级计分，批示加分",
        include_str!("presets/R2.toml"),
    ),
    (
        "R3",
        "地级市式：报送与采用分开计分，领导批示加分",
        include_str!("presets/R3.toml"),
    ),
    (
        "R4",
        "县人大式：按刊物和字数计稿酬分",
        include_str!("presets/R4.toml"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_cover_the_year_without_gaps() {
        let months = Per::Month.periods(2028);
        assert_eq!(months.len(), 12);
        assert_eq!(months[1].1, "2028-02-29");
        assert_eq!(months[11].2, "2028年12月");
        let quarters = Per::Quarter.periods(2026);
        assert_eq!(
            quarters.iter().map(|q| q.1.as_str()).collect::<Vec<_>>(),
            ["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]
        );
        assert_eq!(Per::Year.periods(2026)[0].0, "2026-01-01");
    }

    #[test]
    fn a_positive_quota_penalty_and_a_zero_cap_are_refused() {
        let base = "name = \"x\"\nyear = 2026\n[[adoption]]\npoints = 1\n";
        let p = Path::new("rules/2026.toml");
        let e = RuleTable::parse(
            p,
            &format!("{base}[quota]\nper = \"quarter\"\nitems = 3\nper_missing = 1\n"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("quota.per_missing"), "{e}");
        let e = RuleTable::parse(p, &format!("{base}[[cap]]\nper = \"month\"\npoints = 0\n"))
            .unwrap_err();
        assert!(e.to_string().contains("cap[0].points"), "{e}");
    }
}
