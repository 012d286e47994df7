//! Paged, filtered item listings (the web inbox and the JSON API), one item in full, and the
//! editor's change of an item's text.
//!
//! A listing runs in two steps: the filtered, sorted page of ids (answered from the
//! `items_list` index and `item_values`, never reading bodies), then the few rows of that
//! page in full. With 100,000 items a one-step query would read every body to sort.

use rusqlite::{OptionalExtension, params, params_from_iter};
use serde::Serialize;

use super::{Author, Result, Status, Store, StoreError, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ListSort {
    /// Highest editorial value first (then newest).
    #[default]
    Value,
    /// Newest collected first.
    Newest,
    Oldest,
}

/// What to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub statuses: Vec<Status>,
    pub kind: Option<String>,
    /// Canonical unit name.
    pub unit: Option<String>,
    pub section: Option<String>,
    /// Collected at or after (RFC 3339 UTC).
    pub from: Option<String>,
    /// Collected before (RFC 3339 UTC).
    pub to: Option<String>,
    pub sort: ListSort,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListRow {
    pub id: String,
    pub kind: String,
    pub unit: Option<String>,
    pub outlet: Option<String>,
    pub title: String,
    pub status: String,
    pub section: Option<String>,
    pub collected_at: String,
    pub chars: i64,
    /// Editorial value as last saved by a pipeline's score step.
    pub value: Option<f64>,
}

/// One item with everything the item page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ItemFull {
    pub id: String,
    pub kind: String,
    pub unit: Option<String>,
    pub title: String,
    pub body: String,
    pub summary: Option<String>,
    pub genre: Option<String>,
    pub written_at: Option<String>,
    pub submitted_at: Option<String>,
    pub published_at: Option<String>,
    pub collected_at: String,
    pub source: String,
    pub url: Option<String>,
    pub outlet: Option<String>,
    pub section: Option<String>,
    pub status: String,
    pub raw_path: Option<String>,
    pub updated_at: String,
    pub authors: Vec<Author>,
    pub tags: Vec<String>,
}

/// A later copy of an item that was not stored again (a file or a web page).
#[derive(Debug, Clone, Serialize)]
pub struct Copy {
    /// The file's path in the inbox, or the page's URL.
    pub what: String,
    pub source: String,
    pub at: String,
    /// exact / near / url (pages); files are exact copies.
    pub how: String,
    pub similarity: Option<f64>,
}

impl Store {
    /// Files and pages recorded as duplicates of `id`, oldest first.
    pub fn copies_of(&self, id: &str) -> Result<Vec<Copy>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT original_path, source, taken_at, 'exact', NULL FROM files
                 WHERE item_id = ?1 AND outcome = 'duplicate'
                 UNION ALL
                 SELECT url, source, fetched_at, coalesce(match, 'exact'), similarity FROM pages
                 WHERE item_id = ?1 AND outcome = 'duplicate'
                 ORDER BY 3",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([id], |r| {
                Ok(Copy {
                    what: r.get(0)?,
                    source: r.get(1)?,
                    at: r.get(2)?,
                    how: r.get(3)?,
                    similarity: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// A page of items matching `f` and the number of all matching items.
    pub fn list_items(&self, f: &ItemFilter) -> Result<(i64, Vec<ListRow>)> {
        let mut wh = Vec::new();
        let mut args: Vec<String> = Vec::new();
        if !f.statuses.is_empty() {
            let marks: Vec<String> = f
                .statuses
                .iter()
                .map(|s| {
                    args.push(s.as_str().to_string());
                    format!("?{}", args.len())
                })
                .collect();
            wh.push(format!("i.status IN ({})", marks.join(",")));
        }
        let mut eq = |col: &str, v: &Option<String>, wh: &mut Vec<String>| {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                args.push(v.clone());
                wh.push(format!("{col} ?{}", args.len()));
            }
        };
        eq("i.kind =", &f.kind, &mut wh);
        eq(
            "i.unit_id = (SELECT id FROM units WHERE name = ",
            &f.unit,
            &mut wh,
        );
        if let Some(last) = wh.last_mut()
            && last.starts_with("i.unit_id")
        {
            last.push(')');
        }
        eq("i.section =", &f.section, &mut wh);
        eq("i.collected_at >=", &f.from, &mut wh);
        eq("i.collected_at <", &f.to, &mut wh);
        let cond = if wh.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", wh.join(" AND "))
        };
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM items i {cond}"))
            .map_err(|e| self.err(e))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let limit = f.limit.clamp(1, 500);
        let all = if f.sort == ListSort::Value {
            self.item_count()?
        } else {
            0
        };
        let sql = match f.sort {
            // Two plans give the same order (value, then id, both descending). Walking the
            // value index and checking each item's filters reads (offset + limit) × N / total
            // entries; sorting the matches reads total. Walk when that is fewer — and only
            // when every item has a value, since the walk skips those without.
            ListSort::Value
                if ((f.offset + limit) as u128) * (all as u128)
                    < (total as u128) * (total as u128)
                    && self.valued_count()? == all =>
            {
                format!(
                    "SELECT i.id FROM item_values v INDEXED BY item_values_total
                     JOIN items i ON i.id = v.item_id {cond}
                     ORDER BY v.total DESC, v.item_id DESC LIMIT {limit} OFFSET {}",
                    f.offset
                )
            }
            ListSort::Value => format!(
                "SELECT i.id FROM items i LEFT JOIN item_values v ON v.item_id = i.id {cond}
                 ORDER BY coalesce(v.total, -1) DESC, i.id DESC LIMIT {limit} OFFSET {}",
                f.offset
            ),
            ListSort::Newest | ListSort::Oldest => format!(
                "SELECT i.id FROM items i {cond} ORDER BY i.collected_at {0}, i.id {0}
                 LIMIT {limit} OFFSET {1}",
                if f.sort == ListSort::Newest {
                    "DESC"
                } else {
                    "ASC"
                },
                f.offset
            ),
        };
        let ids: Vec<String> = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| self.err(e))?
            .query_map(params_from_iter(args.iter()), |r| r.get(0))
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.err(e))?;
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT i.id, i.kind, u.name, i.outlet, i.title, i.status, i.section,
                        i.collected_at, length(i.body), v.total
                 FROM items i LEFT JOIN units u ON u.id = i.unit_id
                 LEFT JOIN item_values v ON v.item_id = i.id
                 WHERE i.id = ?1",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = Vec::with_capacity(ids.len());
        for id in &ids {
            let row = st
                .query_row([id], |r| {
                    Ok(ListRow {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        unit: r.get(2)?,
                        outlet: r.get(3)?,
                        title: r.get(4)?,
                        status: r.get(5)?,
                        section: r.get(6)?,
                        collected_at: r.get(7)?,
                        chars: r.get(8)?,
                        value: r.get(9)?,
                    })
                })
                .map_err(|e| self.err(e))?;
            rows.push(row);
        }
        Ok((total, rows))
    }

    /// Items with a saved editorial value (item_values rows go with their item, so this
    /// equals the item count exactly when every item has one).
    fn valued_count(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM item_values", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    pub fn item_full(&self, id: &str) -> Result<Option<ItemFull>> {
        let row = self
            .conn
            .query_row(
                "SELECT i.id, i.kind, u.name, i.title, i.body, i.summary, i.genre, i.written_at,
                        i.submitted_at, i.published_at, i.collected_at, i.source, i.url,
                        i.outlet, i.section, i.status, i.raw_path, i.updated_at
                 FROM items i LEFT JOIN units u ON u.id = i.unit_id WHERE i.id = ?1",
                [id],
                |r| {
                    Ok(ItemFull {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        unit: r.get(2)?,
                        title: r.get(3)?,
                        body: r.get(4)?,
                        summary: r.get(5)?,
                        genre: r.get(6)?,
                        written_at: r.get(7)?,
                        submitted_at: r.get(8)?,
                        published_at: r.get(9)?,
                        collected_at: r.get(10)?,
                        source: r.get(11)?,
                        url: r.get(12)?,
                        outlet: r.get(13)?,
                        section: r.get(14)?,
                        status: r.get(15)?,
                        raw_path: r.get(16)?,
                        updated_at: r.get(17)?,
                        authors: Vec::new(),
                        tags: Vec::new(),
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(mut item) = row else {
            return Ok(None);
        };
        item.authors = self.authors(id)?;
        let mut st = self
            .conn
            .prepare_cached("SELECT tag FROM item_tags WHERE item_id = ?1 ORDER BY tag")
            .map_err(|e| self.err(e))?;
        item.tags = st
            .query_map([id], |r| r.get(0))
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.err(e))?;
        Ok(Some(item))
    }

    /// An editor's change of title, body or section, logged with what changed. The content
    /// hash stays that of the content as first collected, so a re-submission of the original
    /// is still recognised as a duplicate.
    pub fn edit_item(
        &mut self,
        id: &str,
        title: &str,
        body: &str,
        section: Option<&str>,
        actor: &str,
    ) -> Result<bool> {
        let title = title.trim();
        if title.is_empty() {
            return Err(StoreError::Invalid("标题不能为空".into()));
        }
        let tx = self.write()?;
        let status = tx.status(id)?;
        let (old_title, old_body, old_section): (String, String, Option<String>) = tx
            .tx
            .query_row(
                "SELECT title, body, section FROM items WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(|e| tx.err(e))?;
        let section = section.map(str::trim).filter(|s| !s.is_empty());
        let mut changed = Vec::new();
        if old_title != title {
            changed.push("标题");
        }
        if old_body != body {
            changed.push("正文");
        }
        if old_section.as_deref() != section {
            changed.push("栏目");
        }
        if changed.is_empty() {
            return Ok(false);
        }
        let at = now();
        tx.tx
            .execute(
                "UPDATE items SET title = ?2, body = ?3, section = ?4, updated_at = ?5 WHERE id = ?1",
                params![id, title, body, section, at],
            )
            .map_err(|e| tx.err(e))?;
        let note = format!("修改了{}", changed.join("、"));
        tx.log(&at, id, actor, "edit", &status, &status, Some(&note))?;
        tx.commit()?;
        Ok(true)
    }
}
