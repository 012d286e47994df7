//! Adoption (采用) and instruction (批示) records: who used an item, at which level, how,
//! when — the facts that assessment points are derived from (never typed-in points).
//! Recording one appends to the audit log; an adoption also marks the item 已采用.

use std::fmt;
use std::str::FromStr;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Status, Store, StoreError, WriteTx, now};

/// Administrative level of an outlet or a leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Level {
    #[serde(rename = "县")]
    County,
    #[serde(rename = "市")]
    City,
    #[serde(rename = "省")]
    Province,
    #[serde(rename = "国家")]
    National,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::County => "县",
            Level::City => "市",
            Level::Province => "省",
            Level::National => "国家",
        }
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s.trim() {
            "县" | "县级" | "区" | "县区" | "county" => Level::County,
            "市" | "市级" | "city" => Level::City,
            "省" | "省级" | "province" => Level::Province,
            "国家" | "全国" | "中央" | "national" => Level::National,
            other => {
                return Err(format!("未知的级别「{other}」（可选：县、市、省、国家）"));
            }
        })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of outlet adopted the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Medium {
    Bulletin,
    Magazine,
    Newspaper,
    Website,
    Tv,
    Radio,
}

impl Medium {
    pub fn as_str(self) -> &'static str {
        match self {
            Medium::Bulletin => "bulletin",
            Medium::Magazine => "magazine",
            Medium::Newspaper => "newspaper",
            Medium::Website => "website",
            Medium::Tv => "tv",
            Medium::Radio => "radio",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Medium::Bulletin => "简报",
            Medium::Magazine => "刊物",
            Medium::Newspaper => "报纸",
            Medium::Website => "网站",
            Medium::Tv => "电视",
            Medium::Radio => "广播",
        }
    }
}

impl FromStr for Medium {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s.trim() {
            "bulletin" | "简报" | "信息" | "内刊" | "专报" | "快讯" => Medium::Bulletin,
            "magazine" | "刊物" | "杂志" | "期刊" => Medium::Magazine,
            "newspaper" | "报纸" | "报刊" => Medium::Newspaper,
            "website" | "网站" | "新媒体" | "公众号" => Medium::Website,
            "tv" | "电视" | "电视台" => Medium::Tv,
            "radio" | "广播" | "电台" => Medium::Radio,
            other => {
                return Err(format!(
                    "未知的媒体类型「{other}」（可选：简报、刊物、报纸、网站、电视、广播）"
                ));
            }
        })
    }
}

/// How much of the item was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum How {
    #[serde(rename = "全文")]
    Full,
    #[serde(rename = "综合")]
    Combined,
    #[serde(rename = "摘要")]
    Excerpt,
}

impl How {
    pub fn as_str(self) -> &'static str {
        match self {
            How::Full => "全文",
            How::Combined => "综合",
            How::Excerpt => "摘要",
        }
    }
}

impl FromStr for How {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s.trim() {
            "全文" | "全文采用" | "full" => How::Full,
            "综合" | "综合采用" | "combined" => How::Combined,
            "摘要" | "摘编" | "摘要采用" | "excerpt" => How::Excerpt,
            other => {
                return Err(format!(
                    "未知的采用方式「{other}」（可选：全文、综合、摘要）"
                ));
            }
        })
    }
}

/// An adoption to record.
#[derive(Debug, Clone)]
pub struct NewAdoption {
    pub item_id: String,
    pub outlet: String,
    pub level: Level,
    pub medium: Medium,
    pub how: How,
    /// YYYY-MM-DD.
    pub adopted_on: String,
    pub issue: Option<String>,
    pub front_page: bool,
    pub evidence: Option<String>,
    /// Canonical unit names credited (综合); empty: the item's unit.
    pub credits: Vec<String>,
    /// Record it even when the item has no unit to credit (news reprinted in an issue):
    /// the record then earns no unit points. Otherwise that is refused.
    pub uncredited_ok: bool,
}

/// A recorded adoption.
#[derive(Debug, Clone, Serialize)]
pub struct Adoption {
    pub id: i64,
    pub item_id: String,
    pub title: String,
    pub outlet: String,
    pub level: String,
    pub medium: String,
    pub how: String,
    pub adopted_on: String,
    pub issue: Option<String>,
    pub front_page: bool,
    pub evidence: Option<String>,
    /// The units credited.
    pub credits: Vec<String>,
    pub recorded_at: String,
    pub actor: String,
}

/// A recorded 批示.
#[derive(Debug, Clone, Serialize)]
pub struct Instruction {
    pub id: i64,
    pub item_id: String,
    pub title: String,
    pub level: String,
    pub leader: Option<String>,
    pub given_on: String,
    pub note: Option<String>,
    pub recorded_at: String,
    pub actor: String,
}

impl Store {
    /// Records an adoption, credits its units, marks the item 已采用 and logs it, in one
    /// transaction. Recording the same adoption twice is refused.
    pub fn record_adoption(&mut self, a: &NewAdoption, actor: &str) -> Result<i64> {
        let w = self.write()?;
        let id = insert_adoption(&w, a, actor)?;
        w.commit()?;
        Ok(id)
    }

    /// Records a 批示 on an item and logs it.
    pub fn record_instruction(
        &mut self,
        item_id: &str,
        level: Level,
        leader: Option<&str>,
        given_on: &str,
        note: Option<&str>,
        actor: &str,
    ) -> Result<i64> {
        let w = self.write()?;
        let sq = |e| w.err(e);
        let tx = &w.tx;
        let status = w.status(item_id)?;
        let at = now();
        tx.execute(
            "INSERT INTO instructions(item_id, level, leader, given_on, note, recorded_at, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![item_id, level.as_str(), leader, given_on, note, at, actor],
        )
        .map_err(sq)?;
        let id = tx.last_insert_rowid();
        let log = format!(
            "{}级领导{}批示，{given_on}{}",
            level.as_str(),
            leader.map(|l| format!("（{l}）")).unwrap_or_default(),
            note.map(|n| format!("：{n}")).unwrap_or_default()
        );
        w.log(
            &at,
            item_id,
            actor,
            "instructed",
            &status,
            &status,
            Some(&log),
        )?;
        w.commit()?;
        Ok(id)
    }

    /// Adoptions, newest first; of one item when `item` is given.
    pub fn adoptions(&self, item: Option<&str>) -> Result<Vec<Adoption>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT a.id, a.item_id, i.title, a.outlet, a.level, a.medium, a.how,
                        a.adopted_on, a.issue, a.front_page, a.evidence, a.recorded_at, a.actor
                 FROM adoptions a JOIN items i ON i.id = a.item_id
                 WHERE ?1 IS NULL OR a.item_id = ?1
                 ORDER BY a.adopted_on DESC, a.id DESC",
            )
            .map_err(|e| self.err(e))?;
        let mut rows: Vec<Adoption> = st
            .query_map([item], |r| {
                Ok(Adoption {
                    id: r.get(0)?,
                    item_id: r.get(1)?,
                    title: r.get(2)?,
                    outlet: r.get(3)?,
                    level: r.get(4)?,
                    medium: r.get(5)?,
                    how: r.get(6)?,
                    adopted_on: r.get(7)?,
                    issue: r.get(8)?,
                    front_page: r.get(9)?,
                    evidence: r.get(10)?,
                    credits: Vec::new(),
                    recorded_at: r.get(11)?,
                    actor: r.get(12)?,
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))?;
        let mut credits = self
            .conn
            .prepare(
                "SELECT u.name FROM adoption_credits c JOIN units u ON u.id = c.unit_id
                 WHERE c.adoption_id = ?1 ORDER BY u.name",
            )
            .map_err(|e| self.err(e))?;
        for a in &mut rows {
            a.credits = credits
                .query_map([a.id], |r| r.get(0))
                .map_err(|e| self.err(e))?
                .collect::<rusqlite::Result<_>>()
                .map_err(|e| self.err(e))?;
        }
        Ok(rows)
    }

    /// 批示 records, newest first; of one item when `item` is given.
    pub fn instructions(&self, item: Option<&str>) -> Result<Vec<Instruction>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT n.id, n.item_id, i.title, n.level, n.leader, n.given_on, n.note,
                        n.recorded_at, n.actor
                 FROM instructions n JOIN items i ON i.id = n.item_id
                 WHERE ?1 IS NULL OR n.item_id = ?1
                 ORDER BY n.given_on DESC, n.id DESC",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([item], |r| {
            Ok(Instruction {
                id: r.get(0)?,
                item_id: r.get(1)?,
                title: r.get(2)?,
                level: r.get(3)?,
                leader: r.get(4)?,
                given_on: r.get(5)?,
                note: r.get(6)?,
                recorded_at: r.get(7)?,
                actor: r.get(8)?,
            })
        })
        .map_err(|e| self.err(e))?
        .collect::<rusqlite::Result<_>>()
        .map_err(|e| self.err(e))
    }
}

/// Records an adoption inside a caller's transaction (see [`Store::record_adoption`]); the
/// issue composer records the adoptions of an issue's items this way.
pub(crate) fn insert_adoption(w: &WriteTx<'_>, a: &NewAdoption, actor: &str) -> Result<i64> {
    let sq = |e| w.err(e);
    let tx = &w.tx;
    let item: Option<(String, Option<i64>)> = tx
        .query_row(
            "SELECT status, unit_id FROM items WHERE id = ?1",
            [&a.item_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(sq)?;
    let Some((from, item_unit)) = item else {
        return Err(StoreError::NoSuchItem(a.item_id.clone()));
    };
    let dup: bool = tx
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM adoptions
                               WHERE item_id = ?1 AND outlet = ?2 AND adopted_on = ?3 AND how = ?4)",
                params![a.item_id, a.outlet, a.adopted_on, a.how.as_str()],
                |r| r.get(0),
            )
            .map_err(sq)?;
    if dup {
        return Err(StoreError::Invalid(format!(
            "这条采用记录已经有了：{} 于 {} {}采用稿件 {}",
            a.outlet,
            a.adopted_on,
            a.how.as_str(),
            a.item_id
        )));
    }
    let mut unit_ids = Vec::new();
    for name in &a.credits {
        let id: Option<i64> = tx
            .query_row("SELECT id FROM units WHERE name = ?1", [name], |r| r.get(0))
            .optional()
            .map_err(sq)?;
        match id {
            Some(id) => unit_ids.push(id),
            None => {
                return Err(StoreError::Invalid(format!(
                    "未登记的单位「{name}」（见 caibian.toml 的 [[units]]）"
                )));
            }
        }
    }
    if unit_ids.is_empty() {
        match item_unit {
            Some(u) => unit_ids.push(u),
            None if a.uncredited_ok => {}
            None => {
                return Err(StoreError::Invalid(format!(
                    "稿件 {} 没有报送单位：请用 --credit 指明计分的单位",
                    a.item_id
                )));
            }
        }
    }
    let at = now();
    tx.execute(
        "INSERT INTO adoptions(item_id, outlet, level, medium, how, adopted_on, issue,
                                   front_page, evidence, recorded_at, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            a.item_id,
            a.outlet,
            a.level.as_str(),
            a.medium.as_str(),
            a.how.as_str(),
            a.adopted_on,
            a.issue,
            a.front_page,
            a.evidence,
            at,
            actor
        ],
    )
    .map_err(sq)?;
    let id = tx.last_insert_rowid();
    for u in &unit_ids {
        tx.execute(
            "INSERT OR IGNORE INTO adoption_credits(adoption_id, unit_id) VALUES (?1, ?2)",
            params![id, u],
        )
        .map_err(sq)?;
    }
    let note = format!(
        "{}（{}级{}）{}采用，{}{}",
        a.outlet,
        a.level.as_str(),
        a.medium.label(),
        a.how.as_str(),
        a.adopted_on,
        a.issue
            .as_deref()
            .map(|i| format!("，{i}"))
            .unwrap_or_default()
    );
    if from != Status::Adopted.as_str() {
        tx.execute(
            "UPDATE items SET status = 'adopted', updated_at = ?2 WHERE id = ?1",
            params![a.item_id, at],
        )
        .map_err(sq)?;
    }
    w.log(
        &at,
        &a.item_id,
        actor,
        "adopted",
        &from,
        "adopted",
        Some(&note),
    )?;
    Ok(id)
}
