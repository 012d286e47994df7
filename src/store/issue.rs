//! Issues (期) of the office's publications: numbering, what is in each issue and in which
//! column and order, combined pieces (综合), publishing, revisions, and the pool of adopted
//! items not yet used. Putting an item in an issue records its adoption (the fact its unit's
//! points derive from); taking it out of a draft removes that record again, so the ledger
//! always matches what was printed.

use std::collections::{HashMap, HashSet};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::adoption::insert_adoption;
use super::{How, Level, Medium, NewAdoption, NewItem, Result, Store, StoreError, WriteTx, now};

/// Which issue: a publication's name, the year and the number within the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueKey {
    pub publication: String,
    pub year: i32,
    pub number: i64,
}

impl IssueKey {
    /// 2026年第6期
    pub fn label(&self) -> String {
        format!("{}年第{}期", self.year, self.number)
    }

    /// 《人大建设》2026年第6期
    pub fn title(&self) -> String {
        format!("《{}》{}", self.publication, self.label())
    }

    /// How the CLI names it: 人大建设/2026-6
    pub fn slug(&self) -> String {
        format!("{}/{}-{}", self.publication, self.year, self.number)
    }
}

/// An issue as stored (the latest revision unless asked otherwise).
#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    pub id: i64,
    #[serde(flatten)]
    pub key: IssueKey,
    pub total: i64,
    pub revision: i64,
    /// draft | published | superseded
    pub status: String,
    pub date: String,
    pub columns: Vec<String>,
    pub lead_item: Option<String>,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub created_at: String,
    pub published_at: Option<String>,
}

impl Issue {
    pub fn is_draft(&self) -> bool {
        self.status == "draft"
    }

    /// 2026年第6期（总第187期）, with the revision when there is one.
    pub fn full_label(&self) -> String {
        let rev = if self.revision > 0 {
            format!("（修订{}）", self.revision)
        } else {
            String::new()
        };
        format!("{}（总第{}期）{rev}", self.key.label(), self.total)
    }
}

/// One piece in an issue, with what the table of contents and the print edition need.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub item_id: String,
    pub column: String,
    pub position: i64,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub unit: Option<String>,
    pub authors: Vec<String>,
    pub chars: usize,
    /// For a combined piece: the items it was written from, with their units.
    pub sources: Vec<(String, Option<String>)>,
    /// The item's site URL when it is released.
    pub url: Option<String>,
}

/// An item in the pool: adopted (or, with `all`, still under review) and not yet in an
/// issue of the publication.
#[derive(Debug, Clone, Serialize)]
pub struct PoolItem {
    pub id: String,
    pub title: String,
    pub unit: Option<String>,
    pub section: Option<String>,
    pub status: String,
    pub date: String,
    pub chars: usize,
    pub value: Option<f64>,
}

/// What adding to an issue records as the adoption.
#[derive(Debug, Clone)]
pub struct Outlet {
    /// 《人大建设》
    pub name: String,
    pub level: Level,
    pub medium: Medium,
}

/// Where to move an entry.
#[derive(Debug, Clone, Default)]
pub struct Move {
    pub column: Option<String>,
    /// 1-based position within the column; past the end: last.
    pub position: Option<i64>,
}

/// Changes to an issue's own fields.
#[derive(Debug, Clone, Default)]
pub struct IssueEdit {
    pub columns: Option<Vec<String>>,
    pub lead_item: Option<Option<String>>,
    pub note: Option<Option<String>>,
    pub date: Option<String>,
}

const ISSUE_COLS: &str = "id, publication, year, number, total, revision, status, date, columns,
     lead_item, note, reason, created_at, published_at";

fn issue_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Issue> {
    let columns: String = r.get(8)?;
    Ok(Issue {
        id: r.get(0)?,
        key: IssueKey {
            publication: r.get(1)?,
            year: r.get(2)?,
            number: r.get(3)?,
        },
        total: r.get(4)?,
        revision: r.get(5)?,
        status: r.get(6)?,
        date: r.get(7)?,
        columns: serde_json::from_str(&columns).unwrap_or_default(),
        lead_item: r.get(9)?,
        note: r.get(10)?,
        reason: r.get(11)?,
        created_at: r.get(12)?,
        published_at: r.get(13)?,
    })
}

fn frozen(issue: &Issue) -> StoreError {
    StoreError::Invalid(format!(
        "{}{}已出版，不能再修改；更正请用 caibian issue revise {} 建立修订版",
        issue.key.title(),
        if issue.status == "superseded" {
            "（已被修订版取代）"
        } else {
            ""
        },
        issue.key.slug()
    ))
}

impl Store {
    /// Creates the next issue of a publication: number = the year's last + 1, total = the
    /// publication's last total (or `issues_before`) + 1.
    #[allow(clippy::too_many_arguments)]
    pub fn create_issue(
        &mut self,
        publication: &str,
        year: i32,
        date: &str,
        issues_before: i64,
        number: Option<i64>,
        columns: &[String],
        note: Option<&str>,
        actor: &str,
    ) -> Result<Issue> {
        let w = self.write()?;
        let sq = |e| w.err(e);
        let next: i64 = w
            .tx
            .query_row(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM issues WHERE publication = ?1 AND year = ?2",
                params![publication, year],
                |r| r.get(0),
            )
            .map_err(sq)?;
        // An office that starts mid-year names its first number; numbers never go back.
        let number = match number {
            Some(n) if n < 1 => {
                return Err(StoreError::Invalid(format!("期号应从 1 起（现为 {n}）")));
            }
            Some(n) if n < next => {
                return Err(StoreError::Invalid(format!(
                    "《{publication}》{year}年已编到第{}期，新的一期至少是第{next}期",
                    next - 1
                )));
            }
            Some(n) => n,
            None => next,
        };
        let last_total: Option<i64> =
            w.tx.query_row(
                "SELECT MAX(total) FROM issues WHERE publication = ?1",
                [publication],
                |r| r.get(0),
            )
            .map_err(sq)?;
        let later: Option<String> =
            w.tx.query_row(
                "SELECT date FROM issues WHERE publication = ?1 AND year > ?2 LIMIT 1",
                params![publication, year],
                |r| r.get(0),
            )
            .optional()
            .map_err(sq)?;
        if let Some(d) = later {
            return Err(StoreError::Invalid(format!(
                "《{publication}》已有 {d} 出版的后一年的期次，不能再建 {year} 年的新期（总期数会倒序）"
            )));
        }
        let total = last_total.unwrap_or(issues_before).max(issues_before) + 1;
        let cols = serde_json::to_string(columns).unwrap_or_else(|_| "[]".into());
        let at = now();
        w.tx.execute(
            "INSERT INTO issues(publication, year, number, total, revision, status, date, columns,
                                note, created_at, actor)
             VALUES (?1, ?2, ?3, ?4, 0, 'draft', ?5, ?6, ?7, ?8, ?9)",
            params![
                publication,
                year,
                number,
                total,
                date,
                cols,
                note,
                at,
                actor
            ],
        )
        .map_err(sq)?;
        let id = w.tx.last_insert_rowid();
        let issue = load_issue(&w, id)?;
        w.commit()?;
        Ok(issue)
    }

    /// The latest revision of an issue.
    pub fn issue(&self, key: &IssueKey) -> Result<Option<Issue>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {ISSUE_COLS} FROM issues WHERE publication = ?1 AND year = ?2
                     AND number = ?3 ORDER BY revision DESC LIMIT 1"
                ),
                params![key.publication, key.year, key.number],
                issue_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// A publication's issues (latest revision of each), newest first.
    pub fn issues(&self, publication: Option<&str>) -> Result<Vec<Issue>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {ISSUE_COLS} FROM issues i
                 WHERE (?1 IS NULL OR publication = ?1)
                   AND revision = (SELECT MAX(revision) FROM issues j WHERE j.publication = i.publication
                                   AND j.year = i.year AND j.number = i.number)
                 ORDER BY publication, year DESC, number DESC"
            ))
            .map_err(|e| self.err(e))?;
        st.query_map([publication], issue_row)
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Published issues as readers see them: the live (published) revision of each.
    pub fn published_issues(&self, publication: &str) -> Result<Vec<Issue>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {ISSUE_COLS} FROM issues WHERE publication = ?1 AND status = 'published'
                 ORDER BY year DESC, number DESC"
            ))
            .map_err(|e| self.err(e))?;
        st.query_map([publication], issue_row)
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// An issue's pieces in print order: columns in the issue's order (columns not in it
    /// after, by name), then position.
    pub fn issue_entries(&self, issue: &Issue) -> Result<Vec<Entry>> {
        let e = |e| self.err(e);
        let mut st = self
            .conn
            .prepare(
                "SELECT n.item_id, n.column_name, n.position, i.title, i.body, u.name, s.url
                 FROM issue_entries n JOIN items i ON i.id = n.item_id
                 LEFT JOIN units u ON u.id = i.unit_id
                 LEFT JOIN site_items s ON s.item_id = i.id AND s.visibility = 'public'
                 WHERE n.issue_id = ?1",
            )
            .map_err(e)?;
        let mut out: Vec<Entry> = st
            .query_map([issue.id], |r| {
                let body: String = r.get(4)?;
                Ok(Entry {
                    item_id: r.get(0)?,
                    column: r.get(1)?,
                    position: r.get(2)?,
                    title: r.get(3)?,
                    chars: body.chars().filter(|c| !c.is_whitespace()).count(),
                    body,
                    unit: r.get(5)?,
                    authors: Vec::new(),
                    sources: Vec::new(),
                    url: r.get(6)?,
                })
            })
            .map_err(e)?
            .collect::<rusqlite::Result<_>>()
            .map_err(e)?;
        let mut srcs = self
            .conn
            .prepare(
                "SELECT c.source_id, u.name FROM combined_sources c JOIN items i ON i.id = c.source_id
                 LEFT JOIN units u ON u.id = i.unit_id WHERE c.item_id = ?1 ORDER BY c.position",
            )
            .map_err(e)?;
        for en in &mut out {
            en.authors = self
                .authors(&en.item_id)?
                .into_iter()
                .map(|a| a.name)
                .collect();
            en.sources = srcs
                .query_map([&en.item_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(e)?
                .collect::<rusqlite::Result<_>>()
                .map_err(e)?;
        }
        let order: HashMap<&str, usize> = issue
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        out.sort_by(|a, b| {
            let ka = order.get(a.column.as_str()).copied().unwrap_or(usize::MAX);
            let kb = order.get(b.column.as_str()).copied().unwrap_or(usize::MAX);
            (ka, &a.column, a.position).cmp(&(kb, &b.column, b.position))
        });
        Ok(out)
    }

    /// Adds items to a draft issue at the end of `column` (default: the item's own section
    /// when the issue has that column, else the issue's first column) and records their
    /// adoption. Returns the column each went to.
    pub fn add_to_issue(
        &mut self,
        issue: &Issue,
        items: &[String],
        column: Option<&str>,
        outlet: &Outlet,
        actor: &str,
    ) -> Result<Vec<(String, String)>> {
        let w = self.write()?;
        let cur = load_issue(&w, issue.id)?;
        if !cur.is_draft() {
            return Err(frozen(&cur));
        }
        let mut placed = Vec::new();
        for id in items {
            let status = w.status(id)?;
            if status == "returned" {
                return Err(StoreError::Invalid(format!(
                    "稿件 {id} 已退稿，不能编入刊物（先改回审核中）"
                )));
            }
            check_free(&w, &cur, id)?;
            let section: Option<String> =
                w.tx.query_row("SELECT section FROM items WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .map_err(|e| w.err(e))?;
            let col = column
                .map(str::to_string)
                .or_else(|| section.filter(|s| cur.columns.contains(s)))
                .or_else(|| cur.columns.first().cloned())
                .ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "{} 还没有栏目：请用 --column 指明，或在 caibian.toml 里设 [[sections]]",
                        cur.key.title()
                    ))
                })?;
            insert_entry(&w, &cur, id, &col)?;
            let at = now();
            let note = format!("编入{}「{col}」栏目", cur.key.title());
            w.log(&at, id, actor, "issue", &status, &status, Some(&note))?;
            placed.push((id.clone(), col));
        }
        if cur.revision == 0 {
            sync_adoptions(&w, &cur, outlet, actor)?;
        }
        w.commit()?;
        Ok(placed)
    }

    /// Writes a combined piece (综合) from several items, puts it in the issue and records a
    /// 综合 adoption for each source, crediting its unit. Returns the new item's id.
    #[allow(clippy::too_many_arguments)]
    pub fn combine_into_issue(
        &mut self,
        issue: &Issue,
        title: &str,
        body: &str,
        sources: &[String],
        column: Option<&str>,
        outlet: &Outlet,
        actor: &str,
    ) -> Result<String> {
        if sources.len() < 2 {
            return Err(StoreError::Invalid(
                "综合稿至少要由两篇稿件写成（--from 甲,乙）".into(),
            ));
        }
        if title.trim().is_empty() || body.trim().is_empty() {
            return Err(StoreError::Invalid("综合稿的标题和正文都不能为空".into()));
        }
        let w = self.write()?;
        let cur = load_issue(&w, issue.id)?;
        if !cur.is_draft() {
            return Err(frozen(&cur));
        }
        let mut first_section = None;
        for id in sources {
            w.status(id)?;
            check_free(&w, &cur, id)?;
            if first_section.is_none() {
                first_section =
                    w.tx.query_row("SELECT section FROM items WHERE id = ?1", [id], |r| {
                        r.get::<_, Option<String>>(0)
                    })
                    .map_err(|e| w.err(e))?;
            }
        }
        let col = column
            .map(str::to_string)
            .or_else(|| first_section.filter(|s| cur.columns.contains(s)))
            .or_else(|| cur.columns.first().cloned())
            .ok_or_else(|| StoreError::Invalid("请用 --column 指明综合稿的栏目".into()))?;
        let item = NewItem {
            kind: Some(super::ItemKind::Submission),
            title: title.trim().to_string(),
            body: body.trim().to_string(),
            genre: Some("信息".into()),
            section: Some(col.clone()),
            written_at: Some(cur.date.clone()),
            ..NewItem::default()
        };
        let stored = super::store_or_link(&w.tx, &item, "combined", None, None, None)
            .map_err(|e| w.err(e))?;
        let id = match stored {
            super::Stored::New(id) => id,
            other => {
                return Err(StoreError::Invalid(format!(
                    "综合稿与已有稿件 {} 内容相同",
                    other.item_id()
                )));
            }
        };
        let at = now();
        w.tx.execute(
            "UPDATE items SET status = 'adopted', updated_at = ?2 WHERE id = ?1",
            params![id, at],
        )
        .map_err(|e| w.err(e))?;
        for (i, s) in sources.iter().enumerate() {
            w.tx.execute(
                "INSERT INTO combined_sources(item_id, source_id, position) VALUES (?1, ?2, ?3)",
                params![id, s, i as i64],
            )
            .map_err(|e| w.err(e))?;
            let st = w.status(s)?;
            let note = format!("综合进{}的「{}」（{id}）", cur.key.title(), item.title);
            w.log(&at, s, actor, "issue", &st, &st, Some(&note))?;
        }
        insert_entry(&w, &cur, &id, &col)?;
        let note = format!(
            "综合稿，由 {} 写成，编入{}「{col}」栏目",
            sources.join("、"),
            cur.key.title()
        );
        w.log(&at, &id, actor, "issue", "new", "adopted", Some(&note))?;
        if cur.revision == 0 {
            sync_adoptions(&w, &cur, outlet, actor)?;
        }
        w.commit()?;
        Ok(id)
    }

    /// Takes items out of a draft issue; their adoption by this issue is removed again.
    pub fn remove_from_issue(
        &mut self,
        issue: &Issue,
        items: &[String],
        outlet: &Outlet,
        actor: &str,
    ) -> Result<()> {
        let w = self.write()?;
        let cur = load_issue(&w, issue.id)?;
        if !cur.is_draft() {
            return Err(frozen(&cur));
        }
        for id in items {
            let n =
                w.tx.execute(
                    "DELETE FROM issue_entries WHERE issue_id = ?1 AND item_id = ?2",
                    params![cur.id, id],
                )
                .map_err(|e| w.err(e))?;
            if n == 0 {
                return Err(StoreError::Invalid(format!(
                    "稿件 {id} 不在{}中",
                    cur.key.title()
                )));
            }
            let st = w.status(id)?;
            let note = format!("从{}撤下", cur.key.title());
            w.log(&now(), id, actor, "issue", &st, &st, Some(&note))?;
            if cur.lead_item.as_deref() == Some(id) {
                w.tx.execute("UPDATE issues SET lead_item = NULL WHERE id = ?1", [cur.id])
                    .map_err(|e| w.err(e))?;
            }
        }
        renumber(&w, cur.id)?;
        if cur.revision == 0 {
            sync_adoptions(&w, &cur, outlet, actor)?;
        }
        w.commit()
    }

    /// Moves an entry to another column and/or position.
    pub fn move_entry(&mut self, issue: &Issue, item: &str, to: &Move) -> Result<()> {
        let w = self.write()?;
        let cur = load_issue(&w, issue.id)?;
        if !cur.is_draft() {
            return Err(frozen(&cur));
        }
        let col: Option<String> =
            w.tx.query_row(
                "SELECT column_name FROM issue_entries WHERE issue_id = ?1 AND item_id = ?2",
                params![cur.id, item],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| w.err(e))?;
        let Some(col) = col else {
            return Err(StoreError::Invalid(format!(
                "稿件 {item} 不在{}中",
                cur.key.title()
            )));
        };
        let target = to.column.clone().unwrap_or(col);
        let mut order: Vec<String> = {
            let mut st =
                w.tx.prepare(
                    "SELECT item_id FROM issue_entries WHERE issue_id = ?1 AND column_name = ?2
                     AND item_id <> ?3 ORDER BY position",
                )
                .map_err(|e| w.err(e))?;
            st.query_map(params![cur.id, target, item], |r| r.get(0))
                .map_err(|e| w.err(e))?
                .collect::<rusqlite::Result<_>>()
                .map_err(|e| w.err(e))?
        };
        let at = to
            .position
            .map(|p| (p.max(1) as usize - 1).min(order.len()))
            .unwrap_or(order.len());
        order.insert(at, item.to_string());
        w.tx.execute(
            "UPDATE issue_entries SET column_name = ?3 WHERE issue_id = ?1 AND item_id = ?2",
            params![cur.id, item, target],
        )
        .map_err(|e| w.err(e))?;
        for (i, id) in order.iter().enumerate() {
            w.tx.execute(
                "UPDATE issue_entries SET position = ?3 WHERE issue_id = ?1 AND item_id = ?2",
                params![cur.id, id, i as i64 + 1],
            )
            .map_err(|e| w.err(e))?;
        }
        renumber(&w, cur.id)?;
        w.commit()
    }

    /// Changes a draft issue's column order, lead article, editor's note or date.
    pub fn edit_issue(
        &mut self,
        issue: &Issue,
        edit: &IssueEdit,
        outlet: &Outlet,
        actor: &str,
    ) -> Result<Issue> {
        let w = self.write()?;
        let cur = load_issue(&w, issue.id)?;
        if !cur.is_draft() {
            return Err(frozen(&cur));
        }
        let e = |e| w.err(e);
        if let Some(cols) = &edit.columns {
            let json = serde_json::to_string(cols).unwrap_or_else(|_| "[]".into());
            w.tx.execute(
                "UPDATE issues SET columns = ?2 WHERE id = ?1",
                params![cur.id, json],
            )
            .map_err(e)?;
        }
        if let Some(lead) = &edit.lead_item {
            if let Some(id) = lead {
                let inside: bool = w
                    .tx
                    .query_row(
                        "SELECT EXISTS(SELECT 1 FROM issue_entries WHERE issue_id = ?1 AND item_id = ?2)",
                        params![cur.id, id],
                        |r| r.get(0),
                    )
                    .map_err(e)?;
                if !inside {
                    return Err(StoreError::Invalid(format!(
                        "稿件 {id} 不在{}中，不能设为头条",
                        cur.key.title()
                    )));
                }
            }
            w.tx.execute(
                "UPDATE issues SET lead_item = ?2 WHERE id = ?1",
                params![cur.id, lead],
            )
            .map_err(e)?;
        }
        if let Some(note) = &edit.note {
            w.tx.execute(
                "UPDATE issues SET note = ?2 WHERE id = ?1",
                params![cur.id, note],
            )
            .map_err(e)?;
        }
        if let Some(date) = &edit.date {
            w.tx.execute(
                "UPDATE issues SET date = ?2 WHERE id = ?1",
                params![cur.id, date],
            )
            .map_err(e)?;
        }
        let updated = load_issue(&w, cur.id)?;
        if updated.revision == 0 && (edit.date.is_some() || edit.lead_item.is_some()) {
            sync_adoptions(&w, &updated, outlet, actor)?;
        }
        w.commit()?;
        Ok(updated)
    }

    /// Publishes a draft: it is frozen from now on, its adoptions match its contents, and a
    /// revision replaces the issue it revises.
    pub fn publish_issue(&mut self, issue: &Issue, outlet: &Outlet, actor: &str) -> Result<Issue> {
        let w = self.write()?;
        let cur = load_issue(&w, issue.id)?;
        if !cur.is_draft() {
            return Err(frozen(&cur));
        }
        let n: i64 =
            w.tx.query_row(
                "SELECT COUNT(*) FROM issue_entries WHERE issue_id = ?1",
                [cur.id],
                |r| r.get(0),
            )
            .map_err(|e| w.err(e))?;
        if n == 0 {
            return Err(StoreError::Invalid(format!(
                "{} 还没有稿件，不能出版",
                cur.key.title()
            )));
        }
        let at = now();
        w.tx.execute(
            "UPDATE issues SET status = 'superseded'
             WHERE publication = ?1 AND year = ?2 AND number = ?3 AND status = 'published'",
            params![cur.key.publication, cur.key.year, cur.key.number],
        )
        .map_err(|e| w.err(e))?;
        w.tx.execute(
            "UPDATE issues SET status = 'published', published_at = ?2 WHERE id = ?1",
            params![cur.id, at],
        )
        .map_err(|e| w.err(e))?;
        sync_adoptions(&w, &cur, outlet, actor)?;
        let published = load_issue(&w, cur.id)?;
        w.commit()?;
        Ok(published)
    }

    /// Starts a revision of a published issue: a draft with the same numbers and contents.
    pub fn revise_issue(&mut self, issue: &Issue, reason: &str, actor: &str) -> Result<Issue> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid("修订必须写明理由（--reason）".into()));
        }
        let w = self.write()?;
        let cur = load_issue(&w, issue.id)?;
        let latest: (i64, String) =
            w.tx.query_row(
                "SELECT revision, status FROM issues WHERE publication = ?1 AND year = ?2
                 AND number = ?3 ORDER BY revision DESC LIMIT 1",
                params![cur.key.publication, cur.key.year, cur.key.number],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| w.err(e))?;
        if latest.1 == "draft" {
            return Err(StoreError::Invalid(format!(
                "{} 已有未出版的{}，直接修改它即可",
                cur.key.title(),
                if latest.0 == 0 { "草稿" } else { "修订版" }
            )));
        }
        let at = now();
        w.tx.execute(
            "INSERT INTO issues(publication, year, number, total, revision, status, date, columns,
                                lead_item, note, reason, created_at, actor)
             SELECT publication, year, number, total, ?2, 'draft', date, columns, lead_item, note,
                    ?3, ?4, ?5 FROM issues WHERE id = ?1",
            params![cur.id, latest.0 + 1, reason.trim(), at, actor],
        )
        .map_err(|e| w.err(e))?;
        let id = w.tx.last_insert_rowid();
        w.tx.execute(
            "INSERT INTO issue_entries(issue_id, item_id, column_name, position)
             SELECT ?2, item_id, column_name, position FROM issue_entries WHERE issue_id = ?1",
            params![cur.id, id],
        )
        .map_err(|e| w.err(e))?;
        let rev = load_issue(&w, id)?;
        w.commit()?;
        Ok(rev)
    }

    /// The pool: adopted items (with `all`, also new and under review) in no issue of the
    /// publication, best editorial value first.
    pub fn pool(&self, publication: &str, all: bool) -> Result<Vec<PoolItem>> {
        let e = |e| self.err(e);
        let mut st = self
            .conn
            .prepare(
                "SELECT i.id, i.title, u.name, i.section, i.status,
                        substr(COALESCE(i.published_at, i.written_at, i.submitted_at, i.collected_at), 1, 10),
                        i.body, v.total
                 FROM items i LEFT JOIN units u ON u.id = i.unit_id
                 LEFT JOIN item_values v ON v.item_id = i.id
                 WHERE (i.status = 'adopted' OR (?2 AND i.status IN ('new', 'reviewing')))
                   AND i.source <> 'combined'
                   AND NOT EXISTS (SELECT 1 FROM issue_entries n JOIN issues s ON s.id = n.issue_id
                                   WHERE n.item_id = i.id AND s.publication = ?1
                                     AND s.status <> 'superseded')
                   AND NOT EXISTS (SELECT 1 FROM combined_sources c
                                   JOIN issue_entries n ON n.item_id = c.item_id
                                   JOIN issues s ON s.id = n.issue_id
                                   WHERE c.source_id = i.id AND s.publication = ?1
                                     AND s.status <> 'superseded')",
            )
            .map_err(e)?;
        let mut out: Vec<PoolItem> = st
            .query_map(params![publication, all], |r| {
                let body: String = r.get(6)?;
                Ok(PoolItem {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    unit: r.get(2)?,
                    section: r.get(3)?,
                    status: r.get(4)?,
                    date: r.get(5)?,
                    chars: body.chars().filter(|c| !c.is_whitespace()).count(),
                    value: r.get(7)?,
                })
            })
            .map_err(e)?
            .collect::<rusqlite::Result<_>>()
            .map_err(e)?;
        out.sort_by(|a, b| {
            b.value
                .unwrap_or(-1.0)
                .total_cmp(&a.value.unwrap_or(-1.0))
                .then_with(|| b.date.cmp(&a.date))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }
}

fn load_issue(w: &WriteTx<'_>, id: i64) -> Result<Issue> {
    w.tx.query_row(
        &format!("SELECT {ISSUE_COLS} FROM issues WHERE id = ?1"),
        [id],
        issue_row,
    )
    .map_err(|e| w.err(e))
}

/// The other issue of the publication holding `item` (as an entry or a combined source).
fn issue_holding(
    conn: &rusqlite::Connection,
    publication: &str,
    item: &str,
    except: Option<&IssueKey>,
) -> rusqlite::Result<Option<IssueKey>> {
    let (ey, en) = except.map(|k| (k.year, k.number)).unwrap_or((0, 0));
    conn.query_row(
        "SELECT s.year, s.number FROM issues s JOIN issue_entries n ON n.issue_id = s.id
         WHERE s.publication = ?1 AND s.status <> 'superseded' AND NOT (s.year = ?3 AND s.number = ?4)
           AND (n.item_id = ?2 OR n.item_id IN (SELECT item_id FROM combined_sources WHERE source_id = ?2))
         ORDER BY s.year, s.number LIMIT 1",
        params![publication, item, ey, en],
        |r| {
            Ok(IssueKey {
                publication: publication.to_string(),
                year: r.get(0)?,
                number: r.get(1)?,
            })
        },
    )
    .optional()
}

/// Refuses an item that is already in this issue or in another issue of the publication.
fn check_free(w: &WriteTx<'_>, issue: &Issue, id: &str) -> Result<()> {
    if let Some(other) =
        issue_holding(&w.tx, &issue.key.publication, id, Some(&issue.key)).map_err(|e| w.err(e))?
    {
        return Err(StoreError::Invalid(format!(
            "稿件 {id} 已编入{}，同一刊物的稿件只能编入一期",
            other.title()
        )));
    }
    let here: bool =
        w.tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM issue_entries WHERE issue_id = ?1 AND (item_id = ?2
                 OR item_id IN (SELECT item_id FROM combined_sources WHERE source_id = ?2)))",
            params![issue.id, id],
            |r| r.get(0),
        )
        .map_err(|e| w.err(e))?;
    if here {
        return Err(StoreError::Invalid(format!(
            "稿件 {id} 已在{}中",
            issue.key.title()
        )));
    }
    Ok(())
}

fn insert_entry(w: &WriteTx<'_>, issue: &Issue, id: &str, col: &str) -> Result<()> {
    w.tx.execute(
        "INSERT INTO issue_entries(issue_id, item_id, column_name, position)
         VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(position), 0) + 1 FROM issue_entries
                              WHERE issue_id = ?1 AND column_name = ?3))",
        params![issue.id, id, col],
    )
    .map(|_| ())
    .map_err(|e| w.err(e))
}

/// Positions 1..n within each column, keeping their order.
fn renumber(w: &WriteTx<'_>, issue_id: i64) -> Result<()> {
    let rows: Vec<(String, String)> = {
        let mut st =
            w.tx.prepare(
                "SELECT item_id, column_name FROM issue_entries WHERE issue_id = ?1
                 ORDER BY column_name, position, item_id",
            )
            .map_err(|e| w.err(e))?;
        st.query_map([issue_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| w.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| w.err(e))?
    };
    let mut n: HashMap<String, i64> = HashMap::new();
    for (id, col) in rows {
        let p = n.entry(col).or_insert(0);
        *p += 1;
        w.tx.execute(
            "UPDATE issue_entries SET position = ?3 WHERE issue_id = ?1 AND item_id = ?2",
            params![issue_id, id, *p],
        )
        .map_err(|e| w.err(e))?;
    }
    Ok(())
}

/// Makes the adoption records of an issue (outlet + issue label) match its contents: a 全文
/// adoption per piece, a 综合 adoption per source of a combined piece, dated the issue's
/// date. Records no longer backed by the issue are deleted (and the removal logged).
fn sync_adoptions(w: &WriteTx<'_>, issue: &Issue, outlet: &Outlet, actor: &str) -> Result<()> {
    let e = |e| w.err(e);
    let label = issue.key.label();
    let mut want: Vec<(String, How)> = Vec::new();
    {
        let mut st =
            w.tx.prepare(
                "SELECT n.item_id, c.source_id FROM issue_entries n
                 LEFT JOIN combined_sources c ON c.item_id = n.item_id
                 WHERE n.issue_id = ?1 ORDER BY n.column_name, n.position, c.position",
            )
            .map_err(e)?;
        let rows = st
            .query_map([issue.id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(e)?;
        for row in rows {
            match row.map_err(e)? {
                (_, Some(src)) => want.push((src, How::Combined)),
                (id, None) => want.push((id, How::Full)),
            }
        }
    }
    let have: Vec<(i64, String, String, String, bool)> = {
        let mut st =
            w.tx.prepare(
                "SELECT id, item_id, how, adopted_on, front_page FROM adoptions
                 WHERE outlet = ?1 AND issue = ?2",
            )
            .map_err(e)?;
        st.query_map(params![outlet.name, label], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .map_err(e)?
        .collect::<rusqlite::Result<_>>()
        .map_err(e)?
    };
    let wanted: HashSet<(&str, &str)> = want
        .iter()
        .map(|(id, how)| (id.as_str(), how.as_str()))
        .collect();
    let mut kept: HashSet<(String, String)> = HashSet::new();
    for (aid, item, how, on, front) in &have {
        if wanted.contains(&(item.as_str(), how.as_str()))
            && !kept.contains(&(item.clone(), how.clone()))
        {
            // The lead article counts as 头条 (front page) in the rules.
            let lead = issue.lead_item.as_deref() == Some(item.as_str());
            if on != &issue.date || *front != lead {
                w.tx.execute(
                    "UPDATE adoptions SET adopted_on = ?2, front_page = ?3 WHERE id = ?1",
                    params![aid, issue.date, lead],
                )
                .map_err(e)?;
            }
            kept.insert((item.clone(), how.clone()));
        } else {
            w.tx.execute("DELETE FROM adoption_credits WHERE adoption_id = ?1", [aid])
                .map_err(e)?;
            w.tx.execute("DELETE FROM adoptions WHERE id = ?1", [aid])
                .map_err(e)?;
            let st = w.status(item)?;
            let note = format!("撤销{}{label}的{how}采用记录", outlet.name);
            w.log(
                &now(),
                item,
                actor,
                "adoption-removed",
                &st,
                &st,
                Some(&note),
            )?;
        }
    }
    for (item, how) in &want {
        if kept.contains(&(item.clone(), how.as_str().to_string())) {
            continue;
        }
        kept.insert((item.clone(), how.as_str().to_string()));
        insert_adoption(
            w,
            &NewAdoption {
                item_id: item.clone(),
                outlet: outlet.name.clone(),
                level: outlet.level,
                medium: outlet.medium,
                how: *how,
                adopted_on: issue.date.clone(),
                issue: Some(label.clone()),
                front_page: issue.lead_item.as_deref() == Some(item.as_str()),
                evidence: None,
                credits: Vec::new(),
                uncredited_ok: true,
            },
            actor,
        )?;
    }
    Ok(())
}
