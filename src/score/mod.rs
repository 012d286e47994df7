//! Score: editorial value for the inbox (`value.rs`), and assessment points (考核积分) from
//! versioned rule tables (`rules.rs`), the ledger derived from adoption and 批示 records
//! (`ledger.rs`), rankings over any period, and the Excel ranking report (`report.rs`).
//!
//! Invariant: points are never stored or typed in. Every total is the sum of ledger lines,
//! and every line names the record and the rule that produced it; editing a rule table and
//! asking again recomputes the year.

pub mod ledger;
pub mod report;
pub mod rules;
pub mod value;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub use ledger::{Ledger, Line};
pub use rules::RuleTable;

/// A date range, inclusive, as YYYY-MM-DD strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: String,
    pub to: String,
    /// "2026年第4季度" and the like.
    pub label: String,
}

impl Period {
    /// "2026", "2026-Q4" (or 2026Q4), "2026-11", or "FROM..TO" (dates).
    pub fn parse(s: &str) -> Result<Period, String> {
        let s = s.trim();
        let bad = || {
            format!("时间段「{s}」无法识别（例如 2026、2026-Q4、2026-11、2026-03-01..2026-06-30）")
        };
        if let Some((a, b)) = s.split_once("..") {
            let d = |x: &str| {
                chrono::NaiveDate::parse_from_str(x.trim(), "%Y-%m-%d")
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .map_err(|_| bad())
            };
            let (from, to) = (d(a)?, d(b)?);
            if from > to {
                return Err(format!("时间段「{s}」的开始晚于结束"));
            }
            return Ok(Period {
                label: format!("{from} 至 {to}"),
                from,
                to,
            });
        }
        let year: i32 = s.get(..4).and_then(|y| y.parse().ok()).ok_or_else(bad)?;
        let rest = s[4..].trim_start_matches('-');
        if rest.is_empty() {
            return Ok(Period {
                from: format!("{year}-01-01"),
                to: format!("{year}-12-31"),
                label: format!("{year}年"),
            });
        }
        if let Some(q) = rest.strip_prefix(['Q', 'q']) {
            let q: u32 = q
                .parse()
                .ok()
                .filter(|q| (1..=4).contains(q))
                .ok_or_else(bad)?;
            let (a, b) = [
                ("01-01", "03-31"),
                ("04-01", "06-30"),
                ("07-01", "09-30"),
                ("10-01", "12-31"),
            ][q as usize - 1];
            return Ok(Period {
                from: format!("{year}-{a}"),
                to: format!("{year}-{b}"),
                label: format!("{year}年第{q}季度"),
            });
        }
        let m: u32 = rest
            .parse()
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(bad)?;
        let first = chrono::NaiveDate::from_ymd_opt(year, m, 1).ok_or_else(bad)?;
        let last = first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .ok_or_else(bad)?;
        Ok(Period {
            from: first.format("%Y-%m-%d").to_string(),
            to: last.format("%Y-%m-%d").to_string(),
            label: format!("{year}年{m}月"),
        })
    }

    /// The years the period touches.
    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        let y = |s: &str| s.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
        y(&self.from)..=y(&self.to)
    }

    pub fn contains(&self, date: &str) -> bool {
        let d = date.get(..10).unwrap_or(date);
        d >= self.from.as_str() && d <= self.to.as_str()
    }
}

/// One row of a ranking.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    /// 1-based; equal points share a rank (1, 2, 2, 4).
    pub rank: usize,
    pub name: String,
    /// For writers: their unit.
    pub unit: Option<String>,
    pub points: f64,
    /// Adoptions counted, by level (县/市/省/国家) and by method (全文/综合/摘要).
    pub adoptions: usize,
    pub by_level: BTreeMap<String, usize>,
    pub by_how: BTreeMap<String, usize>,
    pub instructions: usize,
}

/// Ranks the lines dated in `period`, by unit or by writer. Ties: same rank, then by
/// number of adoptions, then by name, so the order never depends on the database's.
pub fn rank(lines: &[Line], period: &Period, by_writer: bool) -> Vec<RankRow> {
    let mut rows: BTreeMap<(String, Option<String>), RankRow> = BTreeMap::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for l in lines.iter().filter(|l| period.contains(&l.date)) {
        let name = if by_writer {
            l.writer.clone().unwrap_or_default()
        } else {
            l.unit.clone()
        };
        if name.is_empty() {
            continue;
        }
        let unit = by_writer.then(|| l.unit.clone());
        let row = rows
            .entry((name.clone(), unit.clone()))
            .or_insert_with(|| RankRow {
                rank: 0,
                name: name.clone(),
                unit,
                points: 0.0,
                adoptions: 0,
                by_level: BTreeMap::new(),
                by_how: BTreeMap::new(),
                instructions: 0,
            });
        row.points += l.points;
        // Count each record once per row (a row may get several lines from one record).
        if seen.insert((name.clone(), l.what.clone())) {
            if let (Some(level), Some(how)) = (&l.level, &l.how) {
                row.adoptions += 1;
                *row.by_level.entry(level.clone()).or_default() += 1;
                *row.by_how.entry(how.clone()).or_default() += 1;
            } else if l.what.starts_with("批示") {
                row.instructions += 1;
            }
        }
    }
    let mut out: Vec<RankRow> = rows
        .into_values()
        .map(|mut r| {
            r.points = (r.points * 100.0).round() / 100.0;
            r
        })
        .collect();
    out.sort_by(|a, b| {
        b.points
            .total_cmp(&a.points)
            .then(b.adoptions.cmp(&a.adoptions))
            .then(a.name.cmp(&b.name))
    });
    for i in 0..out.len() {
        out[i].rank = if i > 0 && out[i].points == out[i - 1].points {
            out[i - 1].rank
        } else {
            i + 1
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let p = Period::parse("2026-Q4").unwrap();
        assert_eq!(
            (p.from.as_str(), p.to.as_str()),
            ("2026-10-01", "2026-12-31")
        );
        let p = Period::parse("2026-02").unwrap();
        assert_eq!(p.to, "2026-02-28");
        let p = Period::parse("2026").unwrap();
        assert!(p.contains("2026-06-30") && !p.contains("2027-01-01"));
        assert!(Period::parse("2026-Q5").is_err());
        assert!(Period::parse("去年").is_err());
        assert!(Period::parse("2026-06-30..2026-01-01").is_err());
        assert_eq!(
            Period::parse("2026-03-01..2026-06-30").unwrap().from,
            "2026-03-01"
        );
    }

    fn line(unit: &str, points: f64, what: &str) -> Line {
        Line {
            date: "2026-05-01".into(),
            unit: unit.into(),
            writer: None,
            item_id: None,
            title: None,
            points,
            what: what.into(),
            rule: String::new(),
            level: Some("市".into()),
            how: Some("全文".into()),
        }
    }

    #[test]
    fn ties_share_a_rank_and_order_is_stable() {
        let lines = vec![
            line("乙", 5.0, "采用 #1"),
            line("甲", 5.0, "采用 #2"),
            line("丙", 10.0, "采用 #3"),
            line("丁", 1.0, "采用 #4"),
        ];
        let r = rank(&lines, &Period::parse("2026").unwrap(), false);
        let got: Vec<(usize, &str)> = r.iter().map(|r| (r.rank, r.name.as_str())).collect();
        assert_eq!(got, [(1, "丙"), (2, "乙"), (2, "甲"), (4, "丁")]);
    }
}
