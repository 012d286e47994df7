//! The points ledger: every line derived from an adoption, a 批示 or a quarterly base by a
//! rule of the year's table, and naming both. Computed fresh from the records each time, so
//! changing a rule table recomputes history deterministically.

use std::collections::BTreeMap;

use rusqlite::params;
use serde::Serialize;

use super::rules::{AdoptionFacts, Cap, Coauthors, Quota, Repeat, RuleTable, Scope};
use crate::store::{Store, StoreError};

/// One line of the ledger.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// YYYY-MM-DD the points count on.
    pub date: String,
    /// The unit credited.
    pub unit: String,
    /// The writer credited (writer lines only).
    pub writer: Option<String>,
    pub item_id: Option<String>,
    pub title: Option<String>,
    pub points: f64,
    /// What earned them: "采用 #3：《江北人大》（市级刊物）全文".
    pub what: String,
    /// The rule that priced it: "adoption[2] 市级·刊物 → 5".
    pub rule: String,
    /// The adoption's level and method, for counts in rankings.
    pub level: Option<String>,
    pub how: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Ledger {
    /// Lines crediting units.
    pub units: Vec<Line>,
    /// Lines crediting writers (adoptions and 批示 bonuses split by writers' shares).
    pub writers: Vec<Line>,
}

struct AdoptionRow {
    id: i64,
    item_id: String,
    title: String,
    genre: Option<String>,
    chars: usize,
    item_unit: Option<String>,
    outlet: String,
    level: String,
    medium: String,
    how: String,
    adopted_on: String,
    front_page: bool,
    credits: Vec<String>,
}

struct InstructionRow {
    id: i64,
    item_id: String,
    level: String,
    given_on: String,
}

/// (writer, unit, share) of an item; the unit falls back to the item's.
type Writers = Vec<(String, Option<String>, f64)>;

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Computes the ledger of `table.year` from the store's records. `units` are the
/// registered units that get quarterly base points; `today` (YYYY-MM-DD) bounds them.
pub fn compute(
    store: &Store,
    table: &RuleTable,
    units: &[String],
    today: &str,
) -> Result<Ledger, StoreError> {
    let conn = store.conn();
    let err = |e| StoreError::Sqlite {
        path: store.path().to_path_buf(),
        source: e,
    };
    let year = format!("{}-", table.year);
    let mut adoptions: Vec<AdoptionRow> = {
        let mut st = conn
            .prepare(
                "SELECT a.id, a.item_id, i.title, i.genre, length(i.body), u.name, a.outlet,
                        a.level, a.medium, a.how, a.adopted_on, a.front_page
                 FROM adoptions a JOIN items i ON i.id = a.item_id
                 LEFT JOIN units u ON u.id = i.unit_id
                 WHERE substr(a.adopted_on, 1, 5) = ?1
                 ORDER BY a.adopted_on, a.id",
            )
            .map_err(err)?;
        st.query_map([&year], |r| {
            Ok(AdoptionRow {
                id: r.get(0)?,
                item_id: r.get(1)?,
                title: r.get(2)?,
                genre: r.get(3)?,
                chars: r.get::<_, i64>(4)?.max(0) as usize,
                item_unit: r.get(5)?,
                outlet: r.get(6)?,
                level: r.get(7)?,
                medium: r.get(8)?,
                how: r.get(9)?,
                adopted_on: r.get(10)?,
                front_page: r.get(11)?,
                credits: Vec::new(),
            })
        })
        .map_err(err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(err)?
    };
    {
        let mut st = conn
            .prepare(
                "SELECT u.name FROM adoption_credits c JOIN units u ON u.id = c.unit_id
                 WHERE c.adoption_id = ?1 ORDER BY u.name",
            )
            .map_err(err)?;
        for a in &mut adoptions {
            a.credits = st
                .query_map([a.id], |r| r.get(0))
                .map_err(err)?
                .collect::<rusqlite::Result<_>>()
                .map_err(err)?;
        }
    }
    let instructions: Vec<InstructionRow> = {
        let mut st = conn
            .prepare("SELECT id, item_id, level, given_on FROM instructions ORDER BY given_on, id")
            .map_err(err)?;
        st.query_map([], |r| {
            Ok(InstructionRow {
                id: r.get(0)?,
                item_id: r.get(1)?,
                level: r.get(2)?,
                given_on: r.get(3)?,
            })
        })
        .map_err(err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(err)?
    };
    let writers_of = |item: &str| -> Result<Writers, StoreError> {
        let mut st = conn
            .prepare_cached(
                "SELECT a.name, u.name, a.share FROM item_authors a
                 LEFT JOIN units u ON u.id = a.unit_id WHERE a.item_id = ?1 ORDER BY a.position",
            )
            .map_err(err)?;
        st.query_map(params![item], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)
    };

    let mut ledger = Ledger::default();
    // Items in order of their first adoption this year.
    let mut items: Vec<&str> = Vec::new();
    for a in &adoptions {
        if !items.contains(&a.item_id.as_str()) {
            items.push(&a.item_id);
        }
    }
    for item in items {
        let rows: Vec<&AdoptionRow> = adoptions.iter().filter(|a| a.item_id == item).collect();
        let writers = writers_of(item)?;
        // Price each adoption.
        let mut priced: Vec<(f64, String)> = rows
            .iter()
            .map(|a| {
                let facts = AdoptionFacts {
                    level: &a.level,
                    medium: &a.medium,
                    outlet: &a.outlet,
                    genre: a.genre.as_deref(),
                    how: &a.how,
                    chars: a.chars,
                };
                match table.rule_for(&facts) {
                    Some((i, r)) => {
                        let mut p = r.points;
                        let mut why = format!("adoption[{i}] {} → {}", r.describe(), fmt(r.points));
                        if a.front_page && table.front_page != 1.0 {
                            p *= table.front_page;
                            why.push_str(&format!("，头条 ×{}", fmt(table.front_page)));
                        }
                        (p, why)
                    }
                    None => (0.0, "没有匹配的规则行，不计分".to_string()),
                }
            })
            .collect();
        if table.repeat == Repeat::Highest && priced.len() > 1 {
            let best = priced
                .iter()
                .enumerate()
                .max_by(|x, y| x.1.0.total_cmp(&y.1.0).then(y.0.cmp(&x.0)))
                .map(|(i, _)| i)
                .unwrap_or(0);
            for (i, p) in priced.iter_mut().enumerate() {
                if i != best {
                    p.0 = 0.0;
                    p.1.push_str("；同一稿件只计最高一次，此次不计分");
                }
            }
        }
        // 批示 on this item: the highest multiplier, and the highest bonus dated this year.
        let item_instr: Vec<&InstructionRow> =
            instructions.iter().filter(|n| n.item_id == item).collect();
        let multiplier = item_instr
            .iter()
            .filter_map(|n| {
                table
                    .instruction
                    .iter()
                    .find(|r| r.level == n.level)
                    .and_then(|r| r.multiply)
                    .map(|m| (m, n))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((m, n)) = multiplier {
            for p in &mut priced {
                if p.0 != 0.0 {
                    p.0 *= m;
                    p.1.push_str(&format!("，{}级批示 #{} ×{}", n.level, n.id, fmt(m)));
                }
            }
        }
        for (a, (p, why)) in rows.iter().zip(&priced) {
            let what = format!(
                "采用 #{}：{}（{}级{}）{}",
                a.id,
                a.outlet,
                a.level,
                a.medium
                    .parse::<crate::store::Medium>()
                    .map(|m| m.label())
                    .unwrap_or(""),
                a.how
            );
            let template = Line {
                date: a.adopted_on.clone(),
                unit: String::new(),
                writer: None,
                item_id: Some(a.item_id.clone()),
                title: Some(a.title.clone()),
                points: 0.0,
                what,
                rule: String::new(),
                level: Some(a.level.clone()),
                how: Some(a.how.clone()),
            };
            if a.how == "综合" {
                // Every credited unit earns the row's points; writers are not credited.
                for u in &a.credits {
                    ledger.units.push(Line {
                        unit: u.clone(),
                        points: round2(*p),
                        rule: format!("{why}（综合采用，每个单位）"),
                        ..template.clone()
                    });
                }
                continue;
            }
            let who = Credited {
                writers: &writers,
                item_unit: a.item_unit.as_deref(),
                credits: &a.credits,
                policy: table.coauthors,
            };
            who.credit(&mut ledger, &template, *p, why);
        }
        // Bonus 批示: one per item (the highest), in the year it was given.
        let bonus = item_instr
            .iter()
            .filter(|n| n.given_on.starts_with(&year))
            .filter_map(|n| {
                table
                    .instruction
                    .iter()
                    .enumerate()
                    .find(|(_, r)| r.level == n.level)
                    .and_then(|(i, r)| r.add.map(|b| (b, i, n)))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((b, i, n)) = bonus {
            let a = rows[0];
            let template = Line {
                date: n.given_on.clone(),
                unit: String::new(),
                writer: None,
                item_id: Some(a.item_id.clone()),
                title: Some(a.title.clone()),
                points: 0.0,
                what: format!("批示 #{}：{}级领导", n.id, n.level),
                rule: String::new(),
                level: None,
                how: None,
            };
            let who = Credited {
                writers: &writers,
                item_unit: a.item_unit.as_deref(),
                credits: &a.credits,
                policy: table.coauthors,
            };
            let why = format!("instruction[{i}] {}级批示 → +{}", n.level, fmt(b));
            who.credit(&mut ledger, &template, b, &why);
        }
    }
    for (i, cap) in table.cap.iter().enumerate() {
        let lines = match cap.scope {
            Scope::Unit => &mut ledger.units,
            Scope::Writer => &mut ledger.writers,
        };
        apply_cap(lines, i, cap, table.year);
    }
    assignment_lines(store, table, today, &mut ledger)?;
    if let Some(q) = &table.quota {
        quota_lines(store, table.year, q, units, today, &mut ledger)?;
    }
    if table.quarter_base != 0.0 {
        for (q, start) in ["01-01", "04-01", "07-01", "10-01"].iter().enumerate() {
            let date = format!("{}-{start}", table.year);
            if date.as_str() > today {
                break;
            }
            for u in units {
                ledger.units.push(Line {
                    date: date.clone(),
                    unit: u.clone(),
                    writer: None,
                    item_id: None,
                    title: None,
                    points: table.quarter_base,
                    what: format!("{}年第{}季度基础分", table.year, q + 1),
                    rule: format!("quarter_base → {}", fmt(table.quarter_base)),
                    level: None,
                    how: None,
                });
            }
        }
    }
    Ok(ledger)
}

/// Takes off what a unit (or writer) earned above `cap` in each period, by one line dated
/// on the period's last earning line. Runs before base points and penalties are added, so
/// only adoption and 批示 lines (and earlier caps) count.
fn apply_cap(lines: &mut Vec<Line>, index: usize, cap: &Cap, year: i32) {
    let mut extra = Vec::new();
    for (from, to, label) in cap.per.periods(year) {
        let mut sums: BTreeMap<(String, Option<String>), (f64, String)> = BTreeMap::new();
        for l in lines
            .iter()
            .filter(|l| l.date.as_str() >= from.as_str() && l.date.as_str() <= to.as_str())
        {
            let e = sums
                .entry((l.unit.clone(), l.writer.clone()))
                .or_insert((0.0, String::new()));
            e.0 += l.points;
            if l.date > e.1 {
                e.1 = l.date.clone();
            }
        }
        for ((unit, writer), (sum, date)) in sums {
            let sum = round2(sum);
            if sum > cap.points {
                extra.push(Line {
                    date,
                    unit,
                    writer,
                    item_id: None,
                    title: None,
                    points: round2(cap.points - sum),
                    what: format!(
                        "封顶：{label}采用与批示得分 {}，超过上限 {}",
                        fmt(sum),
                        fmt(cap.points)
                    ),
                    rule: format!(
                        "cap[{index}] {}上限 {} → {}",
                        cap.per.label(),
                        fmt(cap.points),
                        fmt(round2(cap.points - sum))
                    ),
                    level: None,
                    how: None,
                });
            }
        }
    }
    lines.extend(extra);
}

/// Lines for assignments (约稿) delivered on time or late in the year, or missed (due in
/// the year, before `today`, and not delivered). Unit lines only.
fn assignment_lines(
    store: &Store,
    table: &RuleTable,
    today: &str,
    ledger: &mut Ledger,
) -> Result<(), StoreError> {
    if table.assignment.is_empty() {
        return Ok(());
    }
    let year = format!("{}-", table.year);
    for a in store.assignments(None)? {
        let state = a.state(today);
        let (date, pick): (&str, fn(&super::rules::AssignmentRule) -> f64) = match state {
            "按时交稿" => (a.delivered_on.as_deref().unwrap_or(&a.due_on), |r| {
                r.on_time
            }),
            "逾期交稿" => (a.delivered_on.as_deref().unwrap_or(&a.due_on), |r| r.late),
            "逾期未交" => (&a.due_on, |r| r.missed),
            _ => continue,
        };
        if !date.starts_with(&year) {
            continue;
        }
        let Some((i, rule)) = table.assignment_rule(a.important) else {
            continue;
        };
        let points = pick(rule);
        if points == 0.0 {
            continue;
        }
        ledger.units.push(Line {
            date: date.to_string(),
            unit: a.unit.clone(),
            writer: None,
            item_id: a.item_id.clone(),
            title: Some(a.title.clone()),
            points,
            what: format!(
                "约稿 #{}{}：{state}（截止 {}{}）",
                a.id,
                if a.important { "（重要）" } else { "" },
                a.due_on,
                a.delivered_on
                    .as_deref()
                    .map(|d| format!("，{d} 交稿"))
                    .unwrap_or_default()
            ),
            rule: format!("assignment[{i}] {state} → {}", signed(points)),
            level: None,
            how: None,
        });
    }
    Ok(())
}

/// Lines for submissions short of the quota, per unit and ended period of the year. A
/// submission counts on its submission date, else the day it was collected.
fn quota_lines(
    store: &Store,
    year: i32,
    q: &Quota,
    units: &[String],
    today: &str,
    ledger: &mut Ledger,
) -> Result<(), StoreError> {
    for (from, to, label) in q.per.periods(year) {
        if to.as_str() >= today {
            break;
        }
        for u in units {
            let owed = q.units.get(u).copied().unwrap_or(q.items);
            let got = store.submissions_between(u, &from, &to)?;
            let short = i64::from(owed) - got;
            if short <= 0 || q.per_missing == 0.0 {
                continue;
            }
            let points = round2(short as f64 * q.per_missing);
            ledger.units.push(Line {
                date: to.clone(),
                unit: u.clone(),
                writer: None,
                item_id: None,
                title: None,
                points,
                what: format!("{label}报送 {got} 篇，任务 {owed} 篇，少 {short} 篇"),
                rule: format!(
                    "quota {} {owed} 篇，每少一篇 {} → {}",
                    q.per.label(),
                    signed(q.per_missing),
                    signed(points)
                ),
                level: None,
                how: None,
            });
        }
    }
    Ok(())
}

/// "+2", "-1.5".
fn signed(x: f64) -> String {
    if x >= 0.0 {
        format!("+{}", fmt(x))
    } else {
        fmt(x)
    }
}

/// Who an item's points go to.
struct Credited<'a> {
    writers: &'a Writers,
    item_unit: Option<&'a str>,
    credits: &'a [String],
    policy: Coauthors,
}

impl Credited<'_> {
    /// Adds the lines for `points` earned by the item: one per unit (by the co-author
    /// policy) and one per writer (by share).
    fn credit(&self, ledger: &mut Ledger, template: &Line, points: f64, why: &str) {
        for (unit, share, note) in
            unit_shares(self.writers, self.item_unit, self.credits, self.policy)
        {
            ledger.units.push(Line {
                unit,
                points: round2(points * share),
                rule: format!("{why}{note}"),
                ..template.clone()
            });
        }
        for (w, u, s) in self.writers {
            ledger.writers.push(Line {
                unit: u
                    .clone()
                    .or_else(|| self.item_unit.map(str::to_string))
                    .unwrap_or_default(),
                writer: Some(w.clone()),
                points: round2(points * s),
                rule: format!("{why}，作者分成 {:.0}%", s * 100.0),
                ..template.clone()
            });
        }
    }
}

/// How an item's points divide among units: (unit, share of the points, note).
fn unit_shares(
    writers: &Writers,
    item_unit: Option<&str>,
    credits: &[String],
    policy: Coauthors,
) -> Vec<(String, f64, String)> {
    let mut by_unit: BTreeMap<String, f64> = BTreeMap::new();
    for (_, u, s) in writers {
        if let Some(u) = u.as_deref().or(item_unit) {
            *by_unit.entry(u.to_string()).or_default() += s;
        }
    }
    if by_unit.is_empty() {
        match item_unit {
            Some(u) => {
                by_unit.insert(u.to_string(), 1.0);
            }
            None => {
                for c in credits {
                    by_unit.insert(c.clone(), 1.0 / credits.len() as f64);
                }
            }
        }
    }
    if by_unit.len() <= 1 {
        return by_unit
            .into_keys()
            .map(|u| (u, 1.0, String::new()))
            .collect();
    }
    by_unit
        .into_iter()
        .map(|(u, s)| match policy {
            Coauthors::Share => (u, s, format!("，合写按分成 {:.0}%", s * 100.0)),
            Coauthors::Half => (u, 0.5, "，合写各计一半".to_string()),
            Coauthors::Full => (u, 1.0, "，合写各计全分".to_string()),
        })
        .collect()
}

/// 5 → "5", 1.5 → "1.5".
pub fn fmt(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{}", round2(x))
    }
}
