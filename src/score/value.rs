//! Editorial value (0–100) of an item for the next bulletin, as a breakdown of named parts
//! with weights from `[value]` in caibian.toml: timeliness, fit to the editors' focus
//! topics, the source's weight, substance, and novelty. A near-duplicate of an earlier item
//! is capped low and names that item.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::OptionalExtension;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::store::{Store, StoreError, neardup};

/// `[value]` in caibian.toml.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ValueSettings {
    /// Weights of the parts (scaled so they sum to 100).
    pub weights: Weights,
    /// Days after which timeliness halves (default 7).
    pub half_life_days: f64,
    /// The editors' focus topics: phrase = weight, e.g. 执法检查 = 3. Matched as search
    /// matches: anywhere in the title or body, full-width and case folded.
    pub focus: BTreeMap<String, f64>,
    /// Matched focus weight at which topic fit is full (default 3).
    pub focus_saturation: f64,
    /// Useful body length, in characters: [shortest, longest] (default [300, 2000]).
    pub length: [usize; 2],
    /// Source weight (0–1) by unit type (县区人大, 专门委员会, 工作机构, 代表联络站, 媒体) and
    /// "新闻" for collected news.
    pub source: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub timeliness: f64,
    pub topics: f64,
    pub source: f64,
    pub substance: f64,
    pub novelty: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            timeliness: 25.0,
            topics: 25.0,
            source: 10.0,
            substance: 25.0,
            novelty: 15.0,
        }
    }
}

impl Default for ValueSettings {
    fn default() -> Self {
        ValueSettings {
            weights: Weights::default(),
            half_life_days: 7.0,
            focus: BTreeMap::new(),
            focus_saturation: 3.0,
            length: [300, 2000],
            source: [
                ("县区人大", 1.0),
                ("专门委员会", 1.0),
                ("工作机构", 0.9),
                ("代表联络站", 0.8),
                ("媒体", 0.7),
                ("新闻", 0.6),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        }
    }
}

/// One named part of the score.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub name: &'static str,
    /// 0–1.
    pub fraction: f64,
    /// fraction × weight.
    pub points: f64,
    pub weight: f64,
    /// Why, in Chinese.
    pub why: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Value {
    pub item_id: String,
    pub title: String,
    pub total: f64,
    pub parts: Vec<Part>,
    /// (earlier item, similarity) when this is a near-duplicate of it.
    pub duplicate_of: Option<(String, f64)>,
}

/// Scores below this cap a near-duplicate of an earlier item.
const DUPLICATE_CAP: f64 = 20.0;

/// Scores one item as of `today`.
pub fn score(
    store: &Store,
    s: &ValueSettings,
    item_id: &str,
    today: NaiveDate,
) -> Result<Option<Value>, StoreError> {
    let conn = store.conn();
    let err = |e: rusqlite::Error| StoreError::Sqlite {
        path: store.path().to_path_buf(),
        source: e,
    };
    type Row = (String, String, String, Option<String>, [Option<String>; 4]);
    let row: Option<Row> = conn
        .query_row(
            "SELECT i.kind, i.title, i.body, u.kind, i.written_at, i.submitted_at, i.published_at,
                    i.collected_at
             FROM items i LEFT JOIN units u ON u.id = i.unit_id WHERE i.id = ?1",
            [item_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    [r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?],
                ))
            },
        )
        .optional()
        .map_err(err)?;
    let Some((kind, title, body, unit_kind, dates)) = row else {
        return Ok(None);
    };
    let w = &s.weights;
    let sum = (w.timeliness + w.topics + w.source + w.substance + w.novelty).max(1e-9);
    let scale = 100.0 / sum;
    let mut parts = Vec::new();
    let mut part = |name, weight: f64, fraction: f64, why: String| {
        let fraction = fraction.clamp(0.0, 1.0);
        parts.push(Part {
            name,
            fraction,
            points: (fraction * weight * scale * 10.0).round() / 10.0,
            weight: weight * scale,
            why,
        });
    };

    // Timeliness: halves every half_life_days from the event (or submission) date.
    let date = dates.iter().flatten().find_map(|d| {
        d.get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    });
    match date {
        Some(d) => {
            let age = (today - d).num_days().max(0) as f64;
            let f = 0.5f64.powf(age / s.half_life_days.max(0.1));
            part("时效", w.timeliness, f, format!("{d}，距今 {age:.0} 天"));
        }
        None => part("时效", w.timeliness, 0.5, "没有日期".to_string()),
    }

    // Topic fit.
    let text: String = format!("{title}\n{body}")
        .chars()
        .map(crate::text::fold_width)
        .flat_map(char::to_lowercase)
        .collect();
    let mut matched = Vec::new();
    let mut total_w = 0.0;
    for (phrase, weight) in &s.focus {
        let p: String = phrase
            .chars()
            .map(crate::text::fold_width)
            .flat_map(char::to_lowercase)
            .collect();
        if !p.is_empty() && text.contains(&p) {
            total_w += weight;
            matched.push(format!("{phrase}（{}）", super::ledger::fmt(*weight)));
        }
    }
    // Any focus topic is worth half; more (or weightier) ones fill the rest.
    let fit = if matched.is_empty() {
        0.0
    } else {
        0.5 + 0.5 * (total_w / s.focus_saturation.max(1e-9)).min(1.0)
    };
    part(
        "重点",
        w.topics,
        fit,
        if matched.is_empty() {
            if s.focus.is_empty() {
                "未设置重点主题（caibian.toml 的 [value.focus]）".to_string()
            } else {
                "不涉及重点主题".to_string()
            }
        } else {
            format!("涉及 {}", matched.join("、"))
        },
    );

    // Source weight.
    let key = if kind == "news" {
        "新闻".to_string()
    } else {
        unit_kind.clone().unwrap_or_default()
    };
    let f = s.source.get(&key).copied().unwrap_or(0.8);
    part(
        "来源",
        w.source,
        f,
        format!(
            "{}（{}）",
            if key.is_empty() { "未知" } else { &key },
            super::ledger::fmt(f)
        ),
    );

    // Substance: useful length and concrete facts.
    let n = body.chars().filter(|c| !c.is_whitespace()).count();
    let [lo, hi] = s.length;
    // Short texts lose fast (a two-sentence note is not a bulletin item); long ones slowly.
    let len_f = if n < lo {
        (n as f64 / lo.max(1) as f64).powi(2)
    } else if n > hi {
        (hi as f64 / n as f64).max(0.5)
    } else {
        1.0
    };
    let numbers = count_numbers(&body);
    let days = crate::collect::extract::dates::find_all(&body).len();
    let bodies = BODIES
        .iter()
        .map(|b| body.matches(b).count())
        .sum::<usize>();
    let facts = numbers + days + bodies;
    part(
        "内容",
        w.substance,
        0.5 * len_f + 0.5 * (facts as f64 / 8.0).min(1.0),
        format!("{n} 字；数字 {numbers} 处、日期 {days} 处、机构地名 {bodies} 处"),
    );

    // Novelty: the most similar earlier item of the same kind.
    let best = store
        .most_similar_earlier(item_id)?
        .map(|s| (s.id, s.containment, s.status));
    let (novelty, why, dup) = match &best {
        Some((id, c, status)) if *c >= 0.3 => {
            let adopted = if status == "adopted" {
                "（已采用）"
            } else {
                ""
            };
            (
                1.0 - c,
                format!("与稿件 {id}{adopted} 相似 {:.0}%", c * 100.0),
                (*c >= neardup::DEFAULT_THRESHOLD || (status == "adopted" && *c >= 0.6))
                    .then(|| (id.clone(), *c)),
            )
        }
        _ => (1.0, "没有相似的稿件".to_string(), None),
    };
    part("新颖", w.novelty, novelty, why);

    let mut total = parts.iter().map(|p| p.points).sum::<f64>();
    if let Some((id, _)) = &dup {
        total = total.min(DUPLICATE_CAP);
        parts.push(Part {
            name: "重复",
            fraction: 0.0,
            points: 0.0,
            weight: 0.0,
            why: format!("与稿件 {id} 基本相同，总分封顶 {DUPLICATE_CAP:.0}"),
        });
    }
    Ok(Some(Value {
        item_id: item_id.to_string(),
        title,
        total: (total * 10.0).round() / 10.0,
        parts,
        duplicate_of: dup,
    }))
}

/// Named bodies and places, counted as concrete facts.
const BODIES: &[&str] = &[
    "人大常委会",
    "委员会",
    "人民政府",
    "局",
    "街道",
    "镇",
    "村",
    "社区",
    "中心",
    "学校",
    "医院",
    "公司",
    "联络站",
    "联系点",
];

/// Runs of digits (ASCII or full-width), each a concrete figure.
fn count_numbers(s: &str) -> usize {
    let mut n = 0;
    let mut in_num = false;
    for c in s.chars() {
        let d = c.is_ascii_digit() || ('０'..='９').contains(&c);
        if d && !in_num {
            n += 1;
        }
        in_num = d;
    }
    n
}
