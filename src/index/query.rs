//! The search query language.
//!
//! ```text
//! 执法检查 大气污染防治法        both words (each matched as a substring)
//! "人大代表 联络站"              an exact phrase (quotes " or “ ”)
//! -座谈会                        exclude
//! 营商环境 OR 优化营商            either (also |)
//! 单位:西湖县人大 栏目:监督视窗 类型:报送 状态:已采用 日期:2024-01..2024-06
//! ```
//! Field names also in English: unit, section, kind, status, date. Parsing never fails:
//! what cannot be understood is dropped with a warning (in Chinese) and the rest is searched.

use chrono::{Datelike, NaiveDate};

/// Longest query we look at; the rest is ignored with a warning.
pub const MAX_QUERY_CHARS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QTerm {
    pub text: String,
    /// Quoted: matched as written, without synonym expansion.
    pub exact: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub units: Vec<String>,
    pub sections: Vec<String>,
    pub kinds: Vec<String>,
    pub statuses: Vec<String>,
    /// Inclusive start.
    pub date_from: Option<NaiveDate>,
    /// Exclusive end.
    pub date_to: Option<NaiveDate>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// All groups must match; a group matches when any of its terms does.
    pub groups: Vec<Vec<QTerm>>,
    pub exclude: Vec<QTerm>,
    pub filters: Filters,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lex {
    Term {
        text: String,
        exact: bool,
        neg: bool,
    },
    Field {
        name: String,
        value: String,
    },
    Or,
}

pub fn parse(input: &str) -> ParsedQuery {
    let mut q = ParsedQuery::default();
    let input: String = if input.chars().count() > MAX_QUERY_CHARS {
        q.warnings
            .push(format!("查询过长，只使用前 {MAX_QUERY_CHARS} 个字"));
        input.chars().take(MAX_QUERY_CHARS).collect()
    } else {
        input.to_string()
    };
    let lexed = lex(&input, &mut q.warnings);
    let mut pending_or = false;
    for (i, l) in lexed.iter().enumerate() {
        match l {
            Lex::Or => {
                let has_left = !q.groups.is_empty()
                    && i > 0
                    && matches!(lexed[i - 1], Lex::Term { neg: false, .. });
                let has_right = matches!(lexed.get(i + 1), Some(Lex::Term { neg: false, .. }));
                if has_left && has_right {
                    pending_or = true;
                } else {
                    q.warnings
                        .push("OR 两边都需要搜索词，已忽略多余的 OR".into());
                }
            }
            Lex::Term { text, exact, neg } => {
                let t = QTerm {
                    text: text.clone(),
                    exact: *exact,
                };
                if *neg {
                    q.exclude.push(t);
                } else if pending_or {
                    if let Some(g) = q.groups.last_mut() {
                        g.push(t);
                    }
                    pending_or = false;
                } else {
                    q.groups.push(vec![t]);
                }
            }
            Lex::Field { name, value } => apply_field(&mut q, name, value),
        }
    }
    q
}

fn lex(input: &str, warnings: &mut Vec<String>) -> Vec<Lex> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let is_space = |c: char| c.is_whitespace() || c == '\u{3000}';
    let is_open = |c: char| c == '"' || c == '“' || c == '”';
    while i < chars.len() {
        let c = chars[i];
        if is_space(c) {
            i += 1;
            continue;
        }
        let neg = (c == '-' || c == '－') && chars.get(i + 1).is_some_and(|n| !is_space(*n));
        if neg {
            i += 1;
        } else if c == '-' || c == '－' {
            warnings.push("「-」后面应紧跟要排除的词，已忽略".into());
            i += 1;
            continue;
        }
        if is_open(chars[i]) {
            let start = i + 1;
            let mut j = start;
            while j < chars.len() && !is_open(chars[j]) {
                j += 1;
            }
            if j >= chars.len() {
                warnings.push("引号没有配对，已把引号后的内容当作短语".into());
            }
            let text: String = chars[start..j.min(chars.len())].iter().collect();
            i = j + 1;
            if text.trim().is_empty() {
                continue;
            }
            out.push(Lex::Term {
                text: text.trim().to_string(),
                exact: true,
                neg,
            });
            continue;
        }
        let start = i;
        while i < chars.len() && !is_space(chars[i]) {
            // A quote inside a word starts a quoted value (单位:"西湖县 人大").
            if is_open(chars[i]) {
                let mut j = i + 1;
                while j < chars.len() && !is_open(chars[j]) {
                    j += 1;
                }
                if j >= chars.len() {
                    warnings.push("引号没有配对，已把引号后的内容当作短语".into());
                }
                i = (j + 1).min(chars.len());
                continue;
            }
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if !neg && (word == "OR" || word == "|") {
            out.push(Lex::Or);
            continue;
        }
        if let Some((name, value)) = word.split_once([':', '：'])
            && let Some(field) = field_name(name)
        {
            let value = value.trim_matches(is_open).trim().to_string();
            if value.is_empty() {
                warnings.push(format!("「{name}:」后面缺少取值，已忽略"));
            } else if neg {
                warnings.push(format!("不支持排除字段条件「-{word}」，已忽略"));
            } else {
                out.push(Lex::Field {
                    name: field.to_string(),
                    value,
                });
            }
            continue;
        }
        let text = word.trim_matches(is_open).to_string();
        if !text.is_empty() {
            out.push(Lex::Term {
                text,
                exact: false,
                neg,
            });
        }
    }
    out
}

fn field_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "单位" | "unit" => "unit",
        "栏目" | "section" => "section",
        "类型" | "kind" => "kind",
        "状态" | "status" => "status",
        "日期" | "date" => "date",
        _ => return None,
    })
}

/// `报送`/`submission`/`稿件` → "submission", `新闻`/`news` → "news" (case-insensitive).
pub fn kind_value(v: &str) -> Option<&'static str> {
    match v.trim().to_lowercase().as_str() {
        "报送" | "submission" | "稿件" => Some("submission"),
        "新闻" | "news" => Some("news"),
        _ => None,
    }
}

fn apply_field(q: &mut ParsedQuery, name: &str, value: &str) {
    let values = || {
        value
            .split([',', '，', '、'])
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    match name {
        "unit" => q.filters.units.extend(values()),
        "section" => q.filters.sections.extend(values()),
        "kind" => {
            for v in values() {
                match kind_value(&v) {
                    Some(k) => q.filters.kinds.push(k.into()),
                    None => q
                        .warnings
                        .push(format!("未知的类型「{v}」（可选：报送、新闻），已忽略")),
                }
            }
        }
        "status" => {
            for v in values() {
                match v.parse::<crate::store::Status>() {
                    Ok(s) => q.filters.statuses.push(s.as_str().into()),
                    Err(e) => q.warnings.push(format!("{e}，已忽略")),
                }
            }
        }
        _ => match date_range(value) {
            Some((from, to)) => {
                q.filters.date_from = from;
                q.filters.date_to = to;
            }
            None => q.warnings.push(format!(
                "无法识别的日期条件「{value}」（例如 日期:2024、日期:2024-01..2024-06），已忽略"
            )),
        },
    }
}

/// `2024`, `2024-03`, `2024-03-05`, and ranges `A..B`, `A..`, `..B` (B's whole period included).
pub fn date_range(v: &str) -> Option<(Option<NaiveDate>, Option<NaiveDate>)> {
    let v = v.trim();
    if let Some((a, b)) = v
        .split_once("..")
        .or_else(|| v.split_once('~'))
        .or_else(|| v.split_once('至'))
    {
        let from = if a.trim().is_empty() {
            None
        } else {
            Some(period(a)?.0)
        };
        let to = if b.trim().is_empty() {
            None
        } else {
            Some(period(b)?.1)
        };
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return None;
        }
        return Some((from, to));
    }
    let (f, t) = period(v)?;
    Some((Some(f), Some(t)))
}

/// A year, month or day as [start, end).
fn period(s: &str) -> Option<(NaiveDate, NaiveDate)> {
    let norm: String = s
        .trim()
        .chars()
        .map(|c| match crate::text::fold_width(c) {
            '年' | '月' | '/' | '.' => '-',
            '日' => ' ',
            c => c,
        })
        .collect();
    let parts: Vec<&str> = norm.trim().trim_end_matches('-').split('-').collect();
    let num = |i: usize| parts.get(i).and_then(|p| p.trim().parse::<u32>().ok());
    match parts.len() {
        1 => {
            let y = num(0)? as i32;
            Some((
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y + 1, 1, 1)?,
            ))
        }
        2 => {
            let (y, m) = (num(0)? as i32, num(1)?);
            let start = NaiveDate::from_ymd_opt(y, m, 1)?;
            let end = if m == 12 {
                NaiveDate::from_ymd_opt(y + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(y, m + 1, 1)?
            };
            Some((start, end))
        }
        3 => {
            let d = NaiveDate::from_ymd_opt(num(0)? as i32, num(1)?, num(2)?)?;
            Some((d, d.succ_opt()?))
        }
        _ => None,
    }
    .filter(|(s, _)| (1900..=2200).contains(&s.year()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(q: &ParsedQuery) -> Vec<Vec<&str>> {
        q.groups
            .iter()
            .map(|g| g.iter().map(|t| t.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn words_phrases_or_and_exclusion() {
        let q = parse("执法检查 “大气污染 防治” -座谈会 营商环境 OR 优化营商 单位:西湖县人大");
        assert_eq!(
            terms(&q),
            [
                vec!["执法检查"],
                vec!["大气污染 防治"],
                vec!["营商环境", "优化营商"]
            ]
        );
        assert!(q.groups[1][0].exact);
        assert_eq!(q.exclude[0].text, "座谈会");
        assert_eq!(q.filters.units, ["西湖县人大"]);
        assert!(q.warnings.is_empty(), "{:?}", q.warnings);
    }

    #[test]
    fn filters() {
        let q = parse("栏目：监督视窗 类型:报送 状态:已采用 日期:2024-01..2024-06");
        assert_eq!(q.filters.sections, ["监督视窗"]);
        assert_eq!(q.filters.kinds, ["submission"]);
        assert_eq!(q.filters.statuses, ["adopted"]);
        assert_eq!(q.filters.date_from, NaiveDate::from_ymd_opt(2024, 1, 1));
        assert_eq!(q.filters.date_to, NaiveDate::from_ymd_opt(2024, 7, 1));
        assert_eq!(
            date_range("2024年"),
            Some((
                NaiveDate::from_ymd_opt(2024, 1, 1),
                NaiveDate::from_ymd_opt(2025, 1, 1)
            ))
        );
        assert_eq!(
            date_range("..2024-02-28").unwrap().1,
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(date_range("2024-13"), None);
        assert_eq!(date_range("2025..2024"), None);
    }

    #[test]
    fn malformed_input_is_best_effort() {
        let q = parse("\"未闭合的引号 人大");
        assert_eq!(terms(&q), [vec!["未闭合的引号 人大"]]);
        assert_eq!(q.warnings.len(), 1);
        let q = parse("OR - 人大 OR");
        assert_eq!(terms(&q), [vec!["人大"]]);
        assert_eq!(q.warnings.len(), 3, "{:?}", q.warnings);
        let q = parse(&"人".repeat(10_000));
        assert_eq!(q.groups[0][0].text.chars().count(), MAX_QUERY_CHARS);
        let q = parse("日期:明年 状态:不存在 http://x.cn/a");
        assert_eq!(q.warnings.len(), 2, "{:?}", q.warnings);
        assert_eq!(terms(&q), [vec!["http://x.cn/a"]]);
        assert_eq!(parse(""), ParsedQuery::default());
    }
}
