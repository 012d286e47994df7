//! What web and feed sources keep in the store: the page ledger (an article URL is dealt with
//! once), HTTP validators for conditional GET, robots.txt bodies, and one record per source
//! per run from which source health is computed.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{NewItem, Result, Store, StoreError, Stored, now, store_or_link};
use crate::collect::fetch::Validators;

/// Tries a page that keeps failing (4xx, no article found) gets before it is given up.
pub const MAX_ATTEMPTS: i64 = 3;

/// The article a page yielded, with where it came from.
#[derive(Debug, Clone)]
pub struct NewPage {
    pub source: String,
    /// Canonical URL (after redirects).
    pub url: String,
    /// The canonical URL the list page or feed linked to, when a redirect changed it: it is
    /// recorded too, so the link is not fetched again.
    pub linked_as: Option<String>,
    /// The page as fetched, relative to the project root.
    pub raw_path: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PageOutcome {
    Stored(String),
    /// Same URL, same content, or the same story as this item.
    Duplicate {
        of: String,
        r#match: &'static str,
        similarity: Option<f64>,
    },
}

/// One source's part in one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceRun {
    pub source: String,
    pub kind: String,
    pub ok: bool,
    pub requests: u64,
    pub not_modified: u64,
    pub links: u64,
    pub new: u64,
    pub duplicate: u64,
    pub filtered: u64,
    pub failed: u64,
    pub problems: Vec<String>,
}

/// A source's health, computed from its recent runs.
#[derive(Debug, Clone, Serialize)]
pub struct SourceHealth {
    pub source: String,
    pub kind: String,
    pub runs: u64,
    /// RFC 3339 UTC of the last run in which the source worked.
    pub last_success: Option<String>,
    pub last_run: Option<String>,
    /// New items in the most recent run.
    pub last_new: u64,
    pub consecutive_failures: u64,
    /// Runs in a row (most recent first) in which the source worked but yielded nothing:
    /// no links on its list pages, or every page failing.
    pub consecutive_empty: u64,
    pub total_new: u64,
    /// Problems reported by the most recent run.
    pub problems: Vec<String>,
}

impl Store {
    /// Has this source dealt with this URL (a page that failed for good counts), or does
    /// any item already live at it?
    pub fn page_known(&self, source: &str, url: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM pages WHERE source = ?1 AND url = ?2
                               AND (outcome <> 'failed' OR attempts >= ?3))
                     OR EXISTS(SELECT 1 FROM items WHERE url = ?2)",
                params![source, url, MAX_ATTEMPTS],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Records a page that failed in a way worth only a few more tries (HTTP 4xx, not a
    /// page, no article found). Returns true once it has had its last try.
    pub fn record_failed_page(
        &self,
        source: &str,
        url: &str,
        reason: &str,
        raw_path: Option<&str>,
        run_id: Option<i64>,
    ) -> Result<bool> {
        let attempts: i64 = self
            .conn
            .query_row(
                "INSERT INTO pages(source, url, outcome, reason, raw_path, run_id, fetched_at)
                 VALUES (?1, ?2, 'failed', ?3, ?4, ?5, ?6)
                 ON CONFLICT(source, url) DO UPDATE SET attempts = attempts + 1,
                     reason = excluded.reason, raw_path = excluded.raw_path,
                     run_id = excluded.run_id, fetched_at = excluded.fetched_at
                     WHERE outcome = 'failed'
                 RETURNING attempts",
                params![source, url, reason, raw_path, run_id, now()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .unwrap_or(MAX_ATTEMPTS);
        Ok(attempts >= MAX_ATTEMPTS)
    }

    /// Stores the article of a page (or links it to the item it duplicates) and records the
    /// page in the ledger, in one transaction.
    pub fn store_page(
        &mut self,
        item: &NewItem,
        page: &NewPage,
        run_id: Option<i64>,
    ) -> Result<PageOutcome> {
        let path = self.path.clone();
        let sq = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let near = self.near_threshold;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sq)?;
        let by_url: Option<String> = tx
            .query_row("SELECT id FROM items WHERE url = ?1", [&page.url], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sq)?;
        let outcome = match by_url {
            Some(of) => PageOutcome::Duplicate {
                of,
                r#match: "url",
                similarity: None,
            },
            None => {
                match store_or_link(
                    &tx,
                    item,
                    &page.source,
                    page.raw_path.as_deref(),
                    run_id,
                    near,
                )
                .map_err(sq)?
                {
                    Stored::New(id) => PageOutcome::Stored(id),
                    Stored::Duplicate(of) => PageOutcome::Duplicate {
                        of,
                        r#match: "exact",
                        similarity: None,
                    },
                    Stored::NearDuplicate { of, similarity } => PageOutcome::Duplicate {
                        of,
                        r#match: "near",
                        similarity: Some(similarity),
                    },
                }
            }
        };
        let (kind, id, m, sim, reason) = match &outcome {
            PageOutcome::Stored(id) => ("stored", id, None, None, None),
            PageOutcome::Duplicate {
                of,
                r#match,
                similarity,
            } => (
                "duplicate",
                of,
                Some(*r#match),
                *similarity,
                Some(match *r#match {
                    "url" => format!("网址与已收稿件 {of} 相同"),
                    "exact" => format!("内容与已收稿件 {of} 相同"),
                    _ => format!(
                        "与已收稿件 {of} 高度相似（相似度 {:.0}%），视为转载",
                        similarity.unwrap_or(0.0) * 100.0
                    ),
                }),
            ),
        };
        let urls =
            std::iter::once(&page.url).chain(page.linked_as.iter().filter(|u| **u != page.url));
        for url in urls {
            // A page that failed before and now worked replaces its 'failed' row.
            tx.execute(
                "INSERT INTO pages(source, url, outcome, match, item_id, similarity, title, reason,
                                   raw_path, run_id, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(source, url) DO UPDATE SET outcome = excluded.outcome,
                     match = excluded.match, item_id = excluded.item_id,
                     similarity = excluded.similarity, title = excluded.title,
                     reason = excluded.reason, raw_path = excluded.raw_path,
                     run_id = excluded.run_id, fetched_at = excluded.fetched_at
                     WHERE outcome = 'failed'",
                params![
                    page.source,
                    url,
                    kind,
                    m,
                    id,
                    sim,
                    item.title,
                    reason,
                    page.raw_path,
                    run_id,
                    now()
                ],
            )
            .map_err(sq)?;
        }
        tx.commit().map_err(sq)?;
        Ok(outcome)
    }

    /// Records a page a source looked at and set aside (keyword filters), so it is not
    /// fetched again.
    pub fn record_filtered_page(
        &self,
        source: &str,
        url: &str,
        title: &str,
        reason: &str,
        run_id: Option<i64>,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO pages(source, url, outcome, title, reason, run_id, fetched_at)
                 VALUES (?1, ?2, 'filtered', ?3, ?4, ?5, ?6)
                 ON CONFLICT(source, url) DO UPDATE SET outcome = 'filtered',
                     title = excluded.title, reason = excluded.reason
                     WHERE outcome = 'failed'",
                params![source, url, title, reason, run_id, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The near-duplicate and URL links found for an item: (source, url, similarity).
    pub fn duplicates_of(&self, item_id: &str) -> Result<Vec<(String, String, Option<f64>)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT source, url, similarity FROM pages
                 WHERE item_id = ?1 AND outcome = 'duplicate' ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([item_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    pub fn validators(&self, url: &str) -> Result<Option<Validators>> {
        self.conn
            .query_row(
                "SELECT etag, last_modified, body_hash FROM http_cache WHERE url = ?1",
                [url],
                |r| {
                    Ok(Validators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                        body_hash: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn save_validators(&self, url: &str, v: &Validators) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO http_cache(url, etag, last_modified, body_hash, checked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(url) DO UPDATE SET etag = excluded.etag,
                     last_modified = excluded.last_modified, body_hash = excluded.body_hash,
                     checked_at = excluded.checked_at",
                params![url, v.etag, v.last_modified, v.body_hash, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// robots.txt bodies fetched less than `max_age_hours` ago: (origin, body).
    pub fn fresh_robots(&self, max_age_hours: i64) -> Result<Vec<(String, String)>> {
        let since = super::ts(chrono::Utc::now() - chrono::Duration::hours(max_age_hours));
        let mut st = self
            .conn
            .prepare("SELECT origin, body FROM robots WHERE fetched_at >= ?1")
            .map_err(|e| self.err(e))?;
        st.query_map([since], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    pub fn save_robots(&self, origin: &str, body: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO robots(origin, body, fetched_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(origin) DO UPDATE SET body = excluded.body,
                     fetched_at = excluded.fetched_at",
                params![origin, body, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn record_source_run(&self, run_id: i64, r: &SourceRun) -> Result<()> {
        let problems = serde_json::to_string(&r.problems).unwrap_or_else(|_| "[]".into());
        self.conn
            .execute(
                "INSERT OR REPLACE INTO source_runs(run_id, source, kind, ok, requests,
                     not_modified, links, new, duplicate, filtered, failed, problems, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    run_id,
                    r.source,
                    r.kind,
                    r.ok,
                    r.requests as i64,
                    r.not_modified as i64,
                    r.links as i64,
                    r.new as i64,
                    r.duplicate as i64,
                    r.filtered as i64,
                    r.failed as i64,
                    problems,
                    now()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Health of every source that has run, from its last 50 runs.
    pub fn source_health(&self) -> Result<Vec<SourceHealth>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT source, kind, ok, requests, not_modified, links, new, failed, problems, at
                 FROM source_runs ORDER BY source, run_id DESC",
            )
            .map_err(|e| self.err(e))?;
        type Row = (
            String,
            String,
            bool,
            i64,
            i64,
            i64,
            i64,
            i64,
            String,
            String,
        );
        let rows: Vec<Row> = st
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))?;
        let mut out: Vec<SourceHealth> = Vec::new();
        let mut streak_fail = true;
        let mut streak_empty = true;
        for (source, kind, ok, requests, not_modified, links, new, failed, problems, at) in rows {
            let first = out.last().is_none_or(|h| h.source != source);
            if first {
                out.push(SourceHealth {
                    source: source.clone(),
                    kind,
                    runs: 0,
                    last_success: None,
                    last_run: Some(at.clone()),
                    last_new: new as u64,
                    consecutive_failures: 0,
                    consecutive_empty: 0,
                    total_new: 0,
                    problems: serde_json::from_str(&problems).unwrap_or_default(),
                });
                streak_fail = true;
                streak_empty = true;
            }
            let Some(h) = out.last_mut() else { continue };
            if h.runs >= 50 {
                continue;
            }
            h.runs += 1;
            h.total_new += new as u64;
            if ok && h.last_success.is_none() {
                h.last_success = Some(at);
            }
            if streak_fail {
                if ok {
                    streak_fail = false;
                } else {
                    h.consecutive_failures += 1;
                }
            }
            // Empty: it ran, but its pages showed no links at all (a redesign), or every
            // request it made failed. An unchanged site (304s, nothing new) is not empty.
            let empty =
                ok && ((links == 0 && not_modified == 0) || (requests > 0 && failed >= requests));
            if streak_empty {
                if empty {
                    h.consecutive_empty += 1;
                } else if ok {
                    streak_empty = false;
                }
            }
        }
        Ok(out)
    }

    /// Items collected by `source` with their raw page: (id, url, raw_path).
    pub fn source_pages(&self, source: &str) -> Result<Vec<(String, Option<String>, String)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, url, raw_path FROM items
                 WHERE source = ?1 AND raw_path IS NOT NULL ORDER BY collected_at, id",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([source], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Replaces what extraction produced for an item (after a rules change). Returns whether
    /// anything changed. The content hash stays: it identifies the content first collected.
    pub fn update_extracted(&mut self, id: &str, item: &NewItem) -> Result<bool> {
        let path = self.path.clone();
        let sq = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sq)?;
        let n = tx
            .execute(
                "UPDATE items SET title = ?2, body = ?3, published_at = ?4, outlet = ?5,
                                  updated_at = ?6
                 WHERE id = ?1 AND (title IS NOT ?2 OR body IS NOT ?3 OR published_at IS NOT ?4
                                    OR outlet IS NOT ?5)",
                params![
                    id,
                    item.title,
                    item.body,
                    item.published_at,
                    item.outlet,
                    now()
                ],
            )
            .map_err(sq)?;
        let old_authors: Vec<String> = {
            let mut st = tx
                .prepare("SELECT name FROM item_authors WHERE item_id = ?1 ORDER BY position")
                .map_err(sq)?;
            st.query_map([id], |r| r.get(0))
                .map_err(sq)?
                .collect::<rusqlite::Result<_>>()
                .map_err(sq)?
        };
        let new_authors: Vec<String> = item.authors.iter().map(|a| a.name.clone()).collect();
        let authors_changed = old_authors != new_authors;
        if authors_changed {
            tx.execute("DELETE FROM item_authors WHERE item_id = ?1", [id])
                .map_err(sq)?;
            for (pos, a) in item.authors.iter().enumerate() {
                tx.execute(
                    "INSERT INTO item_authors(item_id, position, name, share)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![id, pos as i64, a.name, a.share],
                )
                .map_err(sq)?;
            }
            if n == 0 {
                // The index shows authors: tell it.
                tx.execute("INSERT INTO item_changes(item_id) VALUES (?1)", [id])
                    .map_err(sq)?;
            }
        }
        if n > 0 {
            tx.execute("DELETE FROM item_bands WHERE item_id = ?1", [id])
                .map_err(sq)?;
            let body: String = tx
                .query_row("SELECT body FROM items WHERE id = ?1", [id], |r| r.get(0))
                .map_err(sq)?;
            super::insert_bands(
                &tx,
                id,
                &super::neardup::bands(&super::neardup::shingles(&body)),
            )
            .map_err(sq)?;
        }
        tx.commit().map_err(sq)?;
        Ok(n > 0 || authors_changed)
    }
}
