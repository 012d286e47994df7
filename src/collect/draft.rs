//! What every inbox format is read into (a [`Draft`]), the Chinese header lines units put at
//! the top of their documents (报送单位：…, 撰稿人：…), and the checks that turn a draft into a
//! storable item — or into a [`Reject`] whose message goes into the quarantine reason file.

use std::path::Path;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::config::{Config, Registry};
use crate::diag::FileError;
use crate::store::{Author, ItemKind, NewItem};

/// Why a file was quarantined. The Display text is what the unit reads in `.reason.txt`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Reject {
    #[error("空文件")]
    Empty,
    #[error("{0}")]
    Binary(#[from] super::decode::DecodeError),
    #[error(
        "不支持的文件格式「{0}」（支持 .md、.txt、.docx、.html；旧版 .doc/.wps 请另存为 .docx）"
    )]
    Unsupported(String),
    #[error("{0}")]
    Corrupt(String),
    #[error("缺少标题")]
    MissingTitle,
    #[error("标题过长（{0} 字），可能缺少标题行：第一行应是标题")]
    TitleTooLong(usize),
    #[error("缺少正文")]
    MissingBody,
    #[error("缺少报送单位（请在文件中写明「报送单位：」，或放入以单位命名的文件夹）")]
    MissingUnit,
    #[error("无法识别的报送单位「{0}」")]
    UnknownUnit(String),
    #[error("作者「{name}」的单位「{unit}」无法识别")]
    UnknownAuthorUnit { name: String, unit: String },
    #[error("文件过大（{} MB，上限 64 MB），不像是稿件", .0 / 1_000_000)]
    TooLarge(u64),
    #[error("无法入库：{0}")]
    Refused(String),
    #[error("未知的栏目「{name}」（可选：{options}）")]
    UnknownSection { name: String, options: String },
    #[error("{}", .0.location().trim_start())]
    Field(FileError),
    #[error("作者分成比例合计应为 100%，实际是 {0}%")]
    Shares(String),
    #[error("作者「{0}」的分成比例无效（应大于 0、不超过 100%）")]
    BadShare(String),
}

/// Article genre, as the assessment rules distinguish them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Genre {
    #[serde(rename = "信息")]
    Info,
    #[serde(rename = "调研")]
    Research,
    #[serde(rename = "宣传稿")]
    Publicity,
}

impl Genre {
    pub fn as_str(self) -> &'static str {
        match self {
            Genre::Info => "信息",
            Genre::Research => "调研",
            Genre::Publicity => "宣传稿",
        }
    }
    fn parse(s: &str) -> Option<Genre> {
        match s.trim() {
            "信息" => Some(Genre::Info),
            "调研" | "调研报告" => Some(Genre::Research),
            "宣传稿" | "宣传" => Some(Genre::Publicity),
            _ => None,
        }
    }
}

/// A writer as written in the file, before unit names are resolved.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorSpec {
    /// The writer's name.
    pub name: String,
    /// The writer's unit when it differs from the item's (co-written across units).
    #[serde(default)]
    pub unit: Option<String>,
    /// Share of the credit, 0–1; shares of one item sum to 1. Omitted: split equally.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub share: Option<f64>,
}

/// Front matter `authors`: `"张三、李四"` or a list of names / tables.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "应为姓名字符串（如 \"张三、李四\"）或作者列表（如 [{ name = \"张三\", share = 0.6 }]）"
)]
pub enum AuthorsField {
    Names(String),
    List(Vec<AuthorEntry>),
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "作者应为姓名字符串，或含 name、unit、share 的表（不允许其他键）"
)]
pub enum AuthorEntry {
    Name(String),
    Full(AuthorSpec),
}

impl AuthorsField {
    pub fn into_specs(self) -> Vec<AuthorSpec> {
        match self {
            AuthorsField::Names(s) => parse_authors(&s),
            AuthorsField::List(l) => l
                .into_iter()
                .map(|e| match e {
                    AuthorEntry::Name(n) => AuthorSpec {
                        name: n.trim().to_string(),
                        unit: None,
                        share: None,
                    },
                    AuthorEntry::Full(a) => a,
                })
                .collect(),
        }
    }
}

/// A date as users write it: `2026-11-20`, `2026年11月20日`, `2026/11/20 09:30`, RFC 3339, or
/// an unquoted TOML date. Normalised to `YYYY-MM-DD` or `YYYY-MM-DD HH:MM` (or RFC 3339 when
/// an offset is given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateText(pub String);

impl JsonSchema for DateText {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DateText".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A date or date-time: 2026-11-20, 2026年11月20日, 2026-11-20 09:30 or RFC 3339 (TOML dates may be unquoted)"
        })
    }
}

impl<'de> Deserialize<'de> for DateText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DateText;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("日期（如 2026-11-20 或 2026年11月20日）")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<DateText, E> {
                normalize_date(s).map(DateText).ok_or_else(|| {
                    E::custom(format!(
                        "无法识别的日期「{s}」（应如 2026-11-20 或 2026年11月20日）"
                    ))
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<DateText, A::Error> {
                // toml hands its native datetimes over as a one-entry map.
                let mut out = None;
                while let Some((_k, v)) = m.next_entry::<String, String>()? {
                    out = Some(v);
                }
                let s = out.ok_or_else(|| serde::de::Error::custom("日期为空"))?;
                self.visit_str(&s)
            }
        }
        d.deserialize_any(V)
    }
}

/// Normalises a written date. Returns None when it is not a real calendar date.
pub fn normalize_date(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.to_rfc3339());
    }
    // Unify separators: 2026年11月20日 / 2026/11/20 / 2026.11.20 → 2026-11-20.
    let mut norm = String::with_capacity(s.len());
    for c in s.chars().map(crate::text::fold_width) {
        match c {
            '年' | '月' | '/' | '.' => norm.push('-'),
            '日' | '号' => {}
            'T' => norm.push(' '),
            _ => norm.push(c),
        }
    }
    let norm = norm.trim().to_string();
    let (date_part, time_part) = match norm.split_once(' ') {
        Some((d, t)) => (d.trim(), Some(t.trim())),
        None => (norm.as_str(), None),
    };
    let mut it = date_part.split('-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if it.next().is_some_and(|r| !r.is_empty()) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    match time_part.filter(|t| !t.is_empty()) {
        None => Some(date.format("%Y-%m-%d").to_string()),
        Some(t) => {
            let t = t.replace('：', ":");
            let time = chrono::NaiveTime::parse_from_str(&t, "%H:%M")
                .or_else(|_| chrono::NaiveTime::parse_from_str(&t, "%H:%M:%S"))
                .ok()?;
            Some(format!(
                "{} {}",
                date.format("%Y-%m-%d"),
                time.format("%H:%M")
            ))
        }
    }
}

/// A document as read from any inbox format.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub title: Option<String>,
    pub unit: Option<String>,
    pub authors: Vec<AuthorSpec>,
    pub date: Option<String>,
    pub submitted: Option<String>,
    pub section: Option<String>,
    pub tags: Vec<String>,
    pub summary: Option<String>,
    pub genre: Option<Genre>,
    /// Markdown.
    pub body: String,
}

/// The header keys units write at the top of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKey {
    Unit,
    Authors,
    Date,
    Section,
    Tags,
    Summary,
    Genre,
}

impl HeaderKey {
    fn from_label(label: &str) -> Option<HeaderKey> {
        Some(match label {
            "报送单位" | "单位" | "供稿单位" | "来稿单位" => HeaderKey::Unit,
            "作者" | "撰稿人" | "撰稿" | "执笔" | "执笔人" => HeaderKey::Authors,
            "日期" | "报送日期" | "时间" | "成文日期" => HeaderKey::Date,
            "栏目" => HeaderKey::Section,
            "标签" | "关键词" | "主题词" => HeaderKey::Tags,
            "摘要" | "内容摘要" => HeaderKey::Summary,
            "类型" | "体裁" | "稿件类型" => HeaderKey::Genre,
            _ => return None,
        })
    }
}

/// Recognises a header line such as `报送单位：西湖县人大常委会` (also `**报送单位**: …`).
pub fn header_line(line: &str) -> Option<(HeaderKey, String)> {
    let plain: String = line.trim().replace("**", "");
    let (label, value) = plain.split_once('：').or_else(|| plain.split_once(':'))?;
    let label: String = label.chars().filter(|c| !c.is_whitespace()).collect();
    let key = HeaderKey::from_label(&label)?;
    let value = value.trim();
    (!value.is_empty()).then(|| (key, value.to_string()))
}

impl Draft {
    /// Applies one header line. `line` (1-based) is used in error messages.
    pub fn apply_header(
        &mut self,
        path: &Path,
        line: Option<usize>,
        key: HeaderKey,
        value: &str,
    ) -> Result<(), Reject> {
        match key {
            HeaderKey::Unit => self.unit = Some(value.to_string()),
            HeaderKey::Authors => self.authors = parse_authors(value),
            HeaderKey::Date => {
                let d = normalize_date(value).ok_or_else(|| {
                    Reject::Field(
                        FileError::new(
                            path,
                            format!(
                                "无法识别的日期「{value}」（应如 2026-11-20 或 2026年11月20日）"
                            ),
                        )
                        .at_line(line)
                        .with_key("日期"),
                    )
                })?;
                self.date = Some(d);
            }
            HeaderKey::Section => self.section = Some(value.to_string()),
            HeaderKey::Tags => self.tags = split_list(value),
            HeaderKey::Summary => self.summary = Some(value.to_string()),
            HeaderKey::Genre => {
                let g = Genre::parse(value).ok_or_else(|| {
                    Reject::Field(
                        FileError::new(
                            path,
                            format!("取值「{value}」无效（可选：信息、调研、宣传稿）"),
                        )
                        .at_line(line)
                        .with_key("类型"),
                    )
                })?;
                self.genre = Some(g);
            }
        }
        Ok(())
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ';', '；', '/'])
        .flat_map(|p| {
            // Without any list punctuation, names are often separated by spaces.
            p.split_whitespace()
        })
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Parses `张三（60%）、李四（西湖县人大，40%）` and plainer forms.
pub fn parse_authors(s: &str) -> Vec<AuthorSpec> {
    let s = s.replace('(', "（").replace(')', "）");
    let mut out = Vec::new();
    // Split on separators outside parentheses.
    let mut depth = 0;
    let mut cur = String::new();
    let mut parts = Vec::new();
    for c in s.chars() {
        match c {
            '（' => {
                depth += 1;
                cur.push(c)
            }
            '）' => {
                depth -= 1;
                cur.push(c)
            }
            '、' | ',' | '，' | ';' | '；' | '/' if depth == 0 => {
                parts.push(std::mem::take(&mut cur))
            }
            c if c.is_whitespace() && depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        let (name, extra) = match p.split_once('（') {
            Some((n, rest)) => (n.trim(), rest.trim_end_matches('）')),
            None => (p, ""),
        };
        let mut spec = AuthorSpec {
            name: name.to_string(),
            unit: None,
            share: None,
        };
        for bit in extra.split(['，', ',', '；', ';']).map(str::trim) {
            if bit.is_empty() {
                continue;
            }
            if let Some(pct) = bit.strip_suffix('%').or_else(|| bit.strip_suffix('％')) {
                spec.share = pct.trim().parse::<f64>().ok().map(|v| v / 100.0);
            } else if let Ok(v) = bit.parse::<f64>() {
                spec.share = Some(v);
            } else {
                spec.unit = Some(bit.to_string());
            }
        }
        if !spec.name.is_empty() {
            out.push(spec);
        }
    }
    out
}

/// Where an inbox file sits, for unit inference.
pub struct Origin<'a> {
    /// The first folder under the inbox, if the file is in a subfolder.
    pub folder: Option<&'a str>,
}

/// Longer than any real headline of a 信息 (they run 15–50 characters).
const MAX_TITLE_CHARS: usize = 80;

/// Checks a draft and resolves its names against the config.
pub fn resolve(
    mut d: Draft,
    origin: &Origin<'_>,
    config: &Config,
    registry: &Registry,
) -> Result<NewItem, Reject> {
    let title = d
        .title
        .take()
        .map(|t| t.trim().trim_start_matches('#').trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or(Reject::MissingTitle)?;
    // A "title" this long is the first paragraph of a file that has no title line.
    let title_len = title.chars().count();
    if title_len > MAX_TITLE_CHARS {
        return Err(Reject::TitleTooLong(title_len));
    }
    let body = d.body.trim().to_string();
    if body.is_empty() {
        return Err(Reject::MissingBody);
    }
    // The file's own statement wins over its folder; a folder that names no unit is only
    // an error when the file names none either.
    let unit = match (&d.unit, origin.folder) {
        (Some(u), _) => registry
            .resolve(u)
            .ok_or_else(|| Reject::UnknownUnit(u.clone()))?,
        (None, Some(f)) => registry
            .resolve(f)
            .ok_or_else(|| Reject::UnknownUnit(f.to_string()))?,
        (None, None) => return Err(Reject::MissingUnit),
    };
    let section = match d.section.take() {
        None => None,
        Some(s) => Some(
            config
                .section(&s)
                .map(|sec| sec.name.clone())
                .ok_or_else(|| Reject::UnknownSection {
                    options: config
                        .sections
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                    name: s,
                })?,
        ),
    };
    let authors = resolve_authors(&d.authors, registry)?;
    Ok(NewItem {
        kind: Some(ItemKind::Submission),
        unit: Some(unit.name.clone()),
        title,
        body,
        summary: d.summary.filter(|s| !s.trim().is_empty()),
        genre: Some(d.genre.unwrap_or(Genre::Info).as_str().to_string()),
        written_at: d.date,
        submitted_at: d.submitted,
        published_at: None,
        url: None,
        section,
        tags: d.tags,
        authors,
        outlet: None,
    })
}

fn resolve_authors(specs: &[AuthorSpec], registry: &Registry) -> Result<Vec<Author>, Reject> {
    if let Some(bad) = specs.iter().find(|a| {
        a.share
            .is_some_and(|s| !s.is_finite() || s <= 0.0 || s > 1.0)
    }) {
        return Err(Reject::BadShare(bad.name.clone()));
    }
    let given: f64 = specs.iter().filter_map(|a| a.share).sum();
    let missing = specs.iter().filter(|a| a.share.is_none()).count();
    if given > 1.0 + 1e-6 || (missing == 0 && !specs.is_empty() && (given - 1.0).abs() > 0.011) {
        return Err(Reject::Shares(format!("{:.0}", given * 100.0)));
    }
    let rest = if missing > 0 {
        (1.0 - given) / missing as f64
    } else {
        0.0
    };
    if missing > 0 && rest <= 0.0 {
        return Err(Reject::Shares(format!("{:.0}", given * 100.0)));
    }
    let mut out = Vec::with_capacity(specs.len());
    for a in specs {
        let unit = match &a.unit {
            None => None,
            Some(u) => Some(
                registry
                    .resolve(u)
                    .ok_or_else(|| Reject::UnknownAuthorUnit {
                        name: a.name.clone(),
                        unit: u.clone(),
                    })?
                    .name
                    .clone(),
            ),
        };
        out.push(Author {
            name: a.name.clone(),
            unit,
            share: a.share.unwrap_or(rest),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            normalize_date("2026年11月2日").as_deref(),
            Some("2026-11-02")
        );
        assert_eq!(
            normalize_date("2026/11/20 9:30").as_deref(),
            Some("2026-11-20 09:30")
        );
        assert_eq!(
            normalize_date("２０２６-11-20").as_deref(),
            Some("2026-11-20")
        );
        assert_eq!(normalize_date("2026-02-29"), None);
        assert_eq!(normalize_date("明天"), None);
    }

    #[test]
    fn authors_with_shares_and_units() {
        let a = parse_authors("张三（60%）、李四（西湖县人大，40%）");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].share, Some(0.6));
        assert_eq!(a[1].unit.as_deref(), Some("西湖县人大"));
        assert_eq!(a[1].share, Some(0.4));
        let b = parse_authors("王五 赵六");
        assert_eq!(
            b.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(),
            ["王五", "赵六"]
        );
    }

    #[test]
    fn header_lines() {
        assert_eq!(
            header_line("**报送单位**：西湖县人大常委会"),
            Some((HeaderKey::Unit, "西湖县人大常委会".into()))
        );
        assert_eq!(
            header_line("撰 稿 人: 张三"),
            Some((HeaderKey::Authors, "张三".into()))
        );
        assert_eq!(header_line("会议指出：要加强监督"), None);
    }

    #[test]
    fn resolve_checks_title_unit_and_section() {
        let cfg = Config::parse(
            Path::new("caibian.toml"),
            "[[units]]\nname = \"甲县人大常委会\"\ntype = \"县区人大\"\n[[sections]]\nname = \"立法之窗\"\n",
        )
        .unwrap();
        let reg = cfg.registry();
        let origin = Origin {
            folder: Some("甲县人大常委会"),
        };
        let draft = |title: &str| Draft {
            title: Some(title.into()),
            body: "正文。".into(),
            ..Default::default()
        };
        let item = resolve(draft("标题"), &origin, &cfg, &reg).unwrap();
        assert_eq!(item.unit.as_deref(), Some("甲县人大常委会"));
        let long = "会".repeat(81);
        assert_eq!(
            resolve(draft(&long), &origin, &cfg, &reg).unwrap_err(),
            Reject::TitleTooLong(81)
        );
        let mut d = draft("标题");
        d.section = Some("监督视窗".into());
        let e = resolve(d, &origin, &cfg, &reg).unwrap_err();
        assert_eq!(e.to_string(), "未知的栏目「监督视窗」（可选：立法之窗）");
        let mut d = draft("标题");
        d.unit = Some("乙县人大".into());
        assert_eq!(
            resolve(d, &origin, &cfg, &reg).unwrap_err(),
            Reject::UnknownUnit("乙县人大".into())
        );
        let none = Origin { folder: None };
        assert_eq!(
            resolve(draft("标题"), &none, &cfg, &reg).unwrap_err(),
            Reject::MissingUnit
        );
    }

    #[test]
    fn shares_must_add_up() {
        let reg = Registry::default();
        let specs = parse_authors("张三（70%）、李四（40%）");
        assert!(matches!(
            resolve_authors(&specs, &reg),
            Err(Reject::Shares(_))
        ));
        for bad in [
            "张三（0%）、李四（100%）",
            "张三（NaN）、李四",
            "张三（150%）",
        ] {
            let specs = parse_authors(bad);
            assert!(
                matches!(resolve_authors(&specs, &reg), Err(Reject::BadShare(_))),
                "{bad}"
            );
        }
        let specs = parse_authors("张三（70%）、李四、王五");
        let a = resolve_authors(&specs, &reg).unwrap();
        assert!((a[1].share - 0.15).abs() < 1e-9);
    }
}
