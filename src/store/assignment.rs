//! Assignments (约稿 / 报送任务): the office asks a unit for a piece by a due date; the unit
//! delivers an item. On time, late or missed is decided from these facts by the year's rule
//! table, never typed in. Delivering appends to the item's audit log.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store, StoreError, now};

/// A recorded assignment.
#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub id: i64,
    pub unit: String,
    pub title: String,
    /// YYYY-MM-DD.
    pub due_on: String,
    pub important: bool,
    pub note: Option<String>,
    pub item_id: Option<String>,
    pub delivered_on: Option<String>,
    pub recorded_at: String,
    pub actor: String,
}

impl Assignment {
    /// 待交 / 按时交稿 / 逾期交稿 / 逾期未交, as of `today` (YYYY-MM-DD).
    pub fn state(&self, today: &str) -> &'static str {
        match &self.delivered_on {
            Some(d) if d.as_str() <= self.due_on.as_str() => "按时交稿",
            Some(_) => "逾期交稿",
            None if today > self.due_on.as_str() => "逾期未交",
            None => "待交",
        }
    }
}

/// The day an item counts as submitted: its `submitted` date, else the day it was collected.
const SUBMITTED_DAY: &str = "substr(coalesce(i.submitted_at, i.collected_at), 1, 10)";

impl Store {
    /// Records an assignment for the unit named `unit` (canonical name).
    pub fn record_assignment(
        &mut self,
        unit: &str,
        title: &str,
        due_on: &str,
        important: bool,
        note: Option<&str>,
        actor: &str,
    ) -> Result<i64> {
        if title.trim().is_empty() {
            return Err(StoreError::Invalid("约稿题目不能为空".into()));
        }
        let unit_id: Option<i64> = self
            .conn
            .query_row("SELECT id FROM units WHERE name = ?1", [unit], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(unit_id) = unit_id else {
            return Err(StoreError::Invalid(format!(
                "未登记的单位「{unit}」（见 caibian.toml 的 [[units]]）"
            )));
        };
        self.conn
            .execute(
                "INSERT INTO assignments(unit_id, title, due_on, important, note, recorded_at, actor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![unit_id, title.trim(), due_on, important, note, now(), actor],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Marks assignment `id` delivered by `item_id` on `on`, and logs it on the item. The
    /// item must come from the assigned unit; an assignment is delivered once.
    pub fn deliver_assignment(
        &mut self,
        id: i64,
        item_id: &str,
        on: &str,
        actor: &str,
    ) -> Result<Assignment> {
        let w = self.write()?;
        let sq = |e| w.err(e);
        let tx = &w.tx;
        let row: Option<(i64, String, Option<String>)> = tx
            .query_row(
                "SELECT unit_id, title, item_id FROM assignments WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(sq)?;
        let Some((unit_id, title, done)) = row else {
            return Err(StoreError::Invalid(format!("没有编号为 {id} 的约稿")));
        };
        if let Some(done) = done {
            return Err(StoreError::Invalid(format!(
                "约稿 #{id}「{title}」已由稿件 {done} 交稿"
            )));
        }
        let item: Option<(String, Option<i64>)> = tx
            .query_row(
                "SELECT status, unit_id FROM items WHERE id = ?1",
                [item_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sq)?;
        let Some((status, item_unit)) = item else {
            return Err(StoreError::NoSuchItem(item_id.to_string()));
        };
        if item_unit != Some(unit_id) {
            let name = |u: Option<i64>| -> rusqlite::Result<String> {
                match u {
                    Some(u) => {
                        tx.query_row("SELECT name FROM units WHERE id = ?1", [u], |r| r.get(0))
                    }
                    None => Ok("（无单位）".to_string()),
                }
            };
            return Err(StoreError::Invalid(format!(
                "稿件 {item_id} 来自「{}」，不是约稿 #{id} 的单位「{}」",
                name(item_unit).map_err(sq)?,
                name(Some(unit_id)).map_err(sq)?
            )));
        }
        tx.execute(
            "UPDATE assignments SET item_id = ?2, delivered_on = ?3 WHERE id = ?1",
            params![id, item_id, on],
        )
        .map_err(sq)?;
        let note = format!("交约稿 #{id}「{title}」，{on}");
        w.log(
            &now(),
            item_id,
            actor,
            "delivered",
            &status,
            &status,
            Some(&note),
        )?;
        w.commit()?;
        self.select_assignments("a.id = ?1", &id)?
            .pop()
            .ok_or_else(|| StoreError::Invalid(format!("没有编号为 {id} 的约稿")))
    }

    /// The day an item was submitted (its `submitted` date, else the day it was collected).
    pub fn submitted_on(&self, item_id: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                &format!("SELECT {SUBMITTED_DAY} FROM items i WHERE i.id = ?1"),
                [item_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// How many submissions the unit named `unit` made from `from` to `to` (inclusive), each
    /// counted on the day [`Store::submitted_on`] gives.
    pub fn submissions_between(&self, unit: &str, from: &str, to: &str) -> Result<i64> {
        self.conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM items i JOIN units u ON u.id = i.unit_id
                 WHERE i.kind = 'submission' AND u.name = ?1 AND {SUBMITTED_DAY} BETWEEN ?2 AND ?3"
            ))
            .and_then(|mut st| st.query_row(params![unit, from, to], |r| r.get(0)))
            .map_err(|e| self.err(e))
    }

    /// Assignments by due date; of one unit when `unit` is given.
    pub fn assignments(&self, unit: Option<&str>) -> Result<Vec<Assignment>> {
        self.select_assignments("?1 IS NULL OR u.name = ?1", &unit)
    }

    fn select_assignments(
        &self,
        filter: &str,
        arg: &dyn rusqlite::ToSql,
    ) -> Result<Vec<Assignment>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT a.id, u.name, a.title, a.due_on, a.important, a.note, a.item_id,
                        a.delivered_on, a.recorded_at, a.actor
                 FROM assignments a JOIN units u ON u.id = a.unit_id
                 WHERE {filter}
                 ORDER BY a.due_on, a.id"
            ))
            .map_err(|e| self.err(e))?;
        st.query_map([arg], |r| {
            Ok(Assignment {
                id: r.get(0)?,
                unit: r.get(1)?,
                title: r.get(2)?,
                due_on: r.get(3)?,
                important: r.get(4)?,
                note: r.get(5)?,
                item_id: r.get(6)?,
                delivered_on: r.get(7)?,
                recorded_at: r.get(8)?,
                actor: r.get(9)?,
            })
        })
        .map_err(|e| self.err(e))?
        .collect::<rusqlite::Result<_>>()
        .map_err(|e| self.err(e))
    }
}
