//! The store: one embedded SQLite database, the single source of truth.
//!
//! Invariants (relied on by collect, schedule and everything downstream):
//! - every multi-row change is one transaction (`store_item`, `set_status`, `record_quarantine`);
//! - an item's `id` never changes and is derived from its first content hash, so re-collecting
//!   the same content into a fresh database yields the same id;
//! - `content_hash` is unique: the same content is stored once, later copies are duplicates;
//! - `audit_log` is append-only (enforced by triggers);
//! - the database is written with `synchronous = FULL`, so a committed row survives a crash
//!   before the file it describes is moved (collect moves files only after commit).

mod adoption;
mod assignment;
mod issue;
mod listing;
pub mod neardup;
mod schema;
mod site;
mod user;
mod web;

pub use adoption::{Adoption, How, Instruction, Level, Medium, NewAdoption};
pub use assignment::Assignment;
pub use issue::{Entry, Issue, IssueEdit, IssueKey, Move, Outlet, PoolItem};
pub use listing::{Copy, ItemFilter, ItemFull, ListRow, ListSort};
pub use site::{SiteItem, Visibility};
pub use user::{Activity, Role, User};
pub use web::{MAX_ATTEMPTS, NewPage, PageOutcome, SourceHealth, SourceRun};

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::config::UnitDef;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库 {path} 出错：{source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("数据库 {path} 升级失败：{source}")]
    Migration {
        path: PathBuf,
        #[source]
        source: rusqlite_migration::Error,
    },
    #[error("无法创建数据目录 {path}：{source}")]
    Dir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("无法锁定 {path}：{source}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("找不到稿件「{0}」")]
    NoSuchItem(String),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl StoreError {
    /// The database refused a value (a CHECK, NOT NULL or UNIQUE constraint).
    pub fn is_constraint(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite {
                source: rusqlite::Error::SqliteFailure(e, _),
                ..
            } if e.code == rusqlite::ErrorCode::ConstraintViolation
        )
    }
}

/// A write transaction with the store's error mapping and the two steps every change to an
/// item shares: reading its status (or saying it does not exist) and appending to its audit
/// log. Dropped without [`WriteTx::commit`], it rolls back.
pub(crate) struct WriteTx<'a> {
    pub tx: rusqlite::Transaction<'a>,
    path: &'a Path,
}

impl WriteTx<'_> {
    pub fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.to_path_buf(),
            source,
        }
    }

    /// The item's status; `NoSuchItem` when there is no such item.
    pub fn status(&self, id: &str) -> Result<String> {
        self.tx
            .query_row("SELECT status FROM items WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::NoSuchItem(id.to_string()))
    }

    /// Appends one entry to the item's audit log.
    #[allow(clippy::too_many_arguments)]
    pub fn log(
        &self,
        at: &str,
        id: &str,
        actor: &str,
        action: &str,
        from: &str,
        to: &str,
        note: Option<&str>,
    ) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO audit_log(at, item_id, actor, action, from_status, to_status, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![at, id, actor, action, from, to, note],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    pub fn commit(self) -> Result<()> {
        let path = self.path.to_path_buf();
        self.tx
            .commit()
            .map_err(|source| StoreError::Sqlite { path, source })
    }
}

/// Current time as stored: RFC 3339 in UTC, second precision.
pub fn now() -> String {
    ts(Utc::now())
}

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Submission,
    News,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Submission => "submission",
            ItemKind::News => "news",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ItemKind::Submission => "报送",
            ItemKind::News => "新闻",
        }
    }
}

/// Editorial status of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    New,
    Reviewing,
    Adopted,
    Returned,
    Archived,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Reviewing,
        Status::Adopted,
        Status::Returned,
        Status::Archived,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Reviewing => "reviewing",
            Status::Adopted => "adopted",
            Status::Returned => "returned",
            Status::Archived => "archived",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::New => "新收",
            Status::Reviewing => "审核中",
            Status::Adopted => "已采用",
            Status::Returned => "已退稿",
            Status::Archived => "已归档",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s || st.label() == s)
            .ok_or_else(|| {
                format!("未知的状态「{s}」（可选：new/新收、reviewing/审核中、adopted/已采用、returned/已退稿、archived/已归档）")
            })
    }
}

/// A writer's part in an item. Shares of one item sum to 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Author {
    pub name: String,
    /// Canonical unit name when the writer belongs to another unit than the item's.
    pub unit: Option<String>,
    pub share: f64,
}

/// An item ready to be stored, produced by a source.
#[derive(Debug, Clone, Default)]
pub struct NewItem {
    pub kind: Option<ItemKind>,
    pub unit: Option<String>,
    pub title: String,
    pub body: String,
    pub summary: Option<String>,
    pub genre: Option<String>,
    pub written_at: Option<String>,
    pub submitted_at: Option<String>,
    pub published_at: Option<String>,
    pub url: Option<String>,
    pub section: Option<String>,
    pub tags: Vec<String>,
    pub authors: Vec<Author>,
    /// 来源 as a news page names it.
    pub outlet: Option<String>,
}

/// The file an item (or a quarantine record) came from.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub source: String,
    pub raw_hash: String,
    pub original_path: String,
    pub archived_path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// A new item with this id.
    New(String),
    /// Same content as this existing item; nothing new was stored.
    Duplicate(String),
    /// The same story as this existing item of the same kind (edited title, light rewording,
    /// another outlet's reprint); nothing new was stored.
    NearDuplicate { of: String, similarity: f64 },
}

impl Stored {
    /// The item the content now lives in.
    pub fn item_id(&self) -> &str {
        match self {
            Stored::New(id) | Stored::Duplicate(id) | Stored::NearDuplicate { of: id, .. } => id,
        }
    }
}

/// A row of the ingest ledger.
#[derive(Debug, Clone, Serialize)]
pub struct FileRecord {
    pub id: i64,
    pub source: String,
    pub raw_hash: String,
    pub original_path: String,
    pub archived_path: String,
    pub outcome: String,
    pub item_id: Option<String>,
    pub reason: Option<String>,
    pub run_id: Option<i64>,
    pub taken_at: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub new: u64,
    pub duplicate: u64,
    pub quarantined: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.new += o.new;
        self.duplicate += o.duplicate;
        self.quarantined += o.quarantined;
        self.failed += o.failed;
        self.skipped += o.skipped;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    pub id: i64,
    pub pipeline: String,
    pub trigger: String,
    pub scheduled_for: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub counts: Counts,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemSummary {
    pub id: String,
    pub kind: String,
    pub unit: Option<String>,
    pub title: String,
    pub status: String,
    pub section: Option<String>,
    pub written_at: Option<String>,
    pub collected_at: String,
    pub authors: Vec<Author>,
    pub chars: i64,
    /// News: the outlet (来源), the page's URL and its publish time.
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub published_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Containment at or above which a new item is a near-duplicate; None: off.
    near_threshold: Option<f64>,
}

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let sq = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        // Two processes opening a new database at once would both switch it to WAL and both
        // migrate (each reads the schema version before the other commits). An exclusive lock
        // on a file beside the database makes them take turns; the second finds nothing to do.
        let lock_path = path.with_extension("migrate.lock");
        let lock = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .and_then(|f| f.lock().map(|()| f))
            .map_err(|source| StoreError::Lock {
                path: lock_path.clone(),
                source,
            })?;
        let mut conn = Connection::open(path).map_err(sq)?;
        // First, so that every statement below waits for other processes (serve, a CLI
        // command, the web UI) instead of failing with "database is locked".
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sq)?;
        // WAL lets readers (runs, the web UI) work while a pipeline writes. FULL sync: a commit
        // is on disk before collect moves the file it describes (see module docs).
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sq)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sq)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(sq)?;
        // The schema version before migrating: a database from before near-duplicate
        // detection (V3) needs its items' band keys computed once, here and never again.
        let before: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sq)?;
        // SQLITE_BUSY while upgrading a read to a write is not covered by the busy timeout.
        let mut attempt = 0;
        loop {
            match schema::migrations().to_latest(&mut conn) {
                Ok(()) => break,
                Err(rusqlite_migration::Error::RusqliteError { err, .. })
                    if attempt < 50
                        && err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) =>
                {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(source) => {
                    return Err(StoreError::Migration {
                        path: path.to_path_buf(),
                        source,
                    });
                }
            }
        }
        drop(lock);
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            near_threshold: Some(neardup::DEFAULT_THRESHOLD),
        };
        if (1..3).contains(&before) {
            store.backfill_bands()?;
        }
        Ok(store)
    }

    /// `synchronous = FULL` (the default) or `NORMAL`. NORMAL in WAL mode still never
    /// corrupts the database and survives a process crash; only a power cut may lose the
    /// last commits. Web collection uses it: a lost page commit takes its ledger row with it,
    /// so the page is simply fetched again next run, and nothing outside the database (unlike
    /// an inbox file's move) depends on the commit having reached the disk.
    pub fn set_durable(&mut self, full: bool) -> Result<()> {
        self.conn
            .pragma_update(None, "synchronous", if full { "FULL" } else { "NORMAL" })
            .map_err(|e| self.err(e))
    }

    /// The item stored before `item_id` (same kind) whose text is most like it, if any shares
    /// a MinHash band with it.
    pub fn most_similar_earlier(&self, item_id: &str) -> Result<Option<Similar>> {
        let row: Option<(String, String, i64)> = self
            .conn
            .query_row(
                "SELECT kind, body, rowid FROM items WHERE id = ?1",
                [item_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((kind, body, rowid)) = row else {
            return Ok(None);
        };
        let sh = neardup::shingles(&body);
        if sh.is_empty() {
            return Ok(None);
        }
        Ok(
            similar(&self.conn, &sh, &neardup::bands(&sh), &kind, Some(rowid))
                .map_err(|e| self.err(e))?
                .into_iter()
                .max_by(|a, b| a.containment.total_cmp(&b.containment)),
        )
    }

    /// Ids of the items waiting for an editor (新收 and 审核中), oldest first.
    pub fn pending_item_ids(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id FROM items WHERE status IN ('new', 'reviewing')
                 ORDER BY collected_at, rowid",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([], |r| r.get(0))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Saves an item's editorial value (total and its parts as JSON).
    pub fn save_value(&self, item_id: &str, total: f64, parts_json: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO item_values(item_id, total, parts, computed_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(item_id) DO UPDATE SET total = excluded.total,
                     parts = excluded.parts, computed_at = excluded.computed_at",
                params![item_id, total, parts_json, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Sets the near-duplicate threshold (containment, 0..1); None turns detection off.
    pub fn set_near_threshold(&mut self, t: Option<f64>) {
        self.near_threshold = t;
    }

    /// Gives items stored before near-duplicate detection existed their band keys (once, when
    /// a pre-V3 database is migrated).
    fn backfill_bands(&mut self) -> Result<()> {
        let path = self.path.clone();
        let sq = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let todo: Vec<(String, String)> = {
            let mut st = self
                .conn
                .prepare(
                    "SELECT id, body FROM items i
                     WHERE NOT EXISTS (SELECT 1 FROM item_bands b WHERE b.item_id = i.id)",
                )
                .map_err(sq)?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(sq)?
                .collect::<rusqlite::Result<_>>()
                .map_err(sq)?
        };
        if todo.is_empty() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sq)?;
        for (id, body) in &todo {
            insert_bands(&tx, id, &neardup::bands(&neardup::shingles(body))).map_err(sq)?;
        }
        tx.commit().map_err(sq)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Begins a write transaction for a change to items (see [`WriteTx`]).
    pub(crate) fn write(&mut self) -> Result<WriteTx<'_>> {
        // IMMEDIATE: take the write lock up front. A deferred transaction that reads first
        // fails with SQLITE_BUSY_SNAPSHOT (not retried) if another process wrote meanwhile.
        let path = &self.path;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|source| StoreError::Sqlite {
                path: path.clone(),
                source,
            })?;
        Ok(WriteTx { tx, path })
    }

    /// Raw connection, for read-only queries of later stages.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// `PRAGMA integrity_check`: `Ok(())` when the database is sound.
    pub fn integrity_check(&self) -> Result<()> {
        let res: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if res == "ok" {
            Ok(())
        } else {
            Err(StoreError::Invalid(format!(
                "数据库完整性检查未通过：{res}"
            )))
        }
    }

    /// Mirrors the config's unit registry into the `units` table (one transaction). Units
    /// removed from the config stay in the table: old items still point at them.
    pub fn sync_units(&mut self, units: &[UnitDef]) -> Result<()> {
        // Most opens find the table already in step: check before taking the write lock.
        let mut current = std::collections::HashMap::new();
        {
            let mut st = self
                .conn
                .prepare("SELECT name, kind, aliases FROM units")
                .map_err(|e| self.err(e))?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        (r.get::<_, String>(1)?, r.get::<_, String>(2)?),
                    ))
                })
                .map_err(|e| self.err(e))?;
            for row in rows {
                let (name, v) = row.map_err(|e| self.err(e))?;
                current.insert(name, v);
            }
        }
        let in_step = units.iter().all(|u| {
            let aliases = serde_json::to_string(&u.aliases).unwrap_or_default();
            current.get(&u.name) == Some(&(u.kind.as_str().to_string(), aliases))
        });
        if in_step {
            return Ok(());
        }
        let path = self.path.clone();
        let sq = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        // IMMEDIATE: take the write lock up front. A deferred transaction that reads first
        // fails with SQLITE_BUSY_SNAPSHOT (not retried) if another process wrote meanwhile.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sq)?;
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO units(name, kind, aliases) VALUES (?1, ?2, ?3)
                     ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, aliases = excluded.aliases",
                )
                .map_err(sq)?;
            for u in units {
                let aliases = serde_json::to_string(&u.aliases).unwrap_or_else(|_| "[]".into());
                st.execute(params![u.name, u.kind.as_str(), aliases])
                    .map_err(sq)?;
            }
        }
        tx.commit().map_err(sq)
    }

    /// Ledger rows for a raw file hash, oldest first.
    pub fn files_with_hash(&self, raw_hash: &str) -> Result<Vec<FileRecord>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, source, raw_hash, original_path, archived_path, outcome, item_id,
                        reason, run_id, taken_at
                 FROM files WHERE raw_hash = ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([raw_hash], file_row)
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// Quarantined files, newest first.
    pub fn quarantined(&self, limit: usize) -> Result<Vec<FileRecord>> {
        self.file_rows(
            "WHERE outcome = 'quarantined' ORDER BY id DESC LIMIT ?1",
            limit as i64,
        )
    }

    /// Files quarantined by one run, oldest first.
    pub fn quarantined_in_run(&self, run_id: i64) -> Result<Vec<FileRecord>> {
        self.file_rows(
            "WHERE outcome = 'quarantined' AND run_id = ?1 ORDER BY id",
            run_id,
        )
    }

    fn file_rows(&self, filter: &str, arg: i64) -> Result<Vec<FileRecord>> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT id, source, raw_hash, original_path, archived_path, outcome, item_id,
                        reason, run_id, taken_at
                 FROM files {filter}"
            ))
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([arg], file_row)
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// Whether some ledger row already claims `archived_path`.
    pub fn archived_path_taken(&self, archived_path: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM files WHERE archived_path = ?1)",
                [archived_path],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Stores an item and the ledger row of its file in one transaction. If the same content
    /// is already stored, records the file as a duplicate of that item instead.
    pub fn store_item(
        &mut self,
        item: &NewItem,
        file: Option<&NewFile>,
        source: &str,
        run_id: Option<i64>,
    ) -> Result<Stored> {
        let path = self.path.clone();
        let sq = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let near = self.near_threshold;
        // IMMEDIATE: take the write lock up front. A deferred transaction that reads first
        // fails with SQLITE_BUSY_SNAPSHOT (not retried) if another process wrote meanwhile.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sq)?;
        let raw = file.map(|f| f.archived_path.as_str());
        let outcome = store_or_link(&tx, item, source, raw, run_id, near).map_err(sq)?;
        if let Some(f) = file {
            let (kind, reason) = match &outcome {
                Stored::New(_) => ("stored", None),
                Stored::Duplicate(_) => ("duplicate", None),
                Stored::NearDuplicate { of, similarity } => (
                    "duplicate",
                    Some(format!(
                        "与已收稿件 {of} 高度相似（相似度 {:.0}%），视为同一篇",
                        similarity * 100.0
                    )),
                ),
            };
            tx.execute(
                "INSERT INTO files(source, raw_hash, original_path, archived_path, outcome,
                                   item_id, reason, run_id, taken_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    f.source,
                    f.raw_hash,
                    f.original_path,
                    f.archived_path,
                    kind,
                    outcome.item_id(),
                    reason,
                    run_id,
                    now()
                ],
            )
            .map_err(sq)?;
        }
        tx.commit().map_err(sq)?;
        Ok(outcome)
    }

    /// Records a file that could not be taken in, with its reason.
    pub fn record_quarantine(
        &mut self,
        file: &NewFile,
        reason: &str,
        run_id: Option<i64>,
    ) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO files(source, raw_hash, original_path, archived_path, outcome,
                                   reason, run_id, taken_at)
                 VALUES (?1, ?2, ?3, ?4, 'quarantined', ?5, ?6, ?7)",
                params![
                    file.source,
                    file.raw_hash,
                    file.original_path,
                    file.archived_path,
                    reason,
                    run_id,
                    now()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Changes an item's status and appends the change to the audit log, in one transaction.
    /// Returning an item (退稿) needs a reason.
    pub fn set_status(
        &mut self,
        id: &str,
        to: Status,
        actor: &str,
        note: Option<&str>,
    ) -> Result<()> {
        if to == Status::Returned && note.is_none_or(|n| n.trim().is_empty()) {
            return Err(StoreError::Invalid("退稿必须写明理由".into()));
        }
        let tx = self.write()?;
        let from = tx.status(id)?;
        let at = now();
        tx.tx
            .execute(
                "UPDATE items SET status = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, to.as_str(), at],
            )
            .map_err(|e| tx.err(e))?;
        tx.log(&at, id, actor, "status", &from, to.as_str(), note)?;
        tx.commit()
    }

    pub fn audit(&self, id: &str) -> Result<Vec<AuditEntry>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT at, actor, action, from_status, to_status, note FROM audit_log
                 WHERE item_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([id], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    from_status: r.get(3)?,
                    to_status: r.get(4)?,
                    note: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// Items, newest first, optionally only those with `status`.
    pub fn items(&self, status: Option<Status>, limit: usize) -> Result<Vec<ItemSummary>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT i.id, i.kind, u.name, i.title, i.status, i.section, i.written_at,
                        i.collected_at, length(i.body), i.outlet, i.url, i.published_at
                 FROM items i LEFT JOIN units u ON u.id = i.unit_id
                 WHERE ?1 IS NULL OR i.status = ?1
                 ORDER BY i.collected_at DESC, i.rowid DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = st
            .query_map(params![status.map(Status::as_str), limit as i64], |r| {
                Ok(ItemSummary {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    unit: r.get(2)?,
                    title: r.get(3)?,
                    status: r.get(4)?,
                    section: r.get(5)?,
                    written_at: r.get(6)?,
                    collected_at: r.get(7)?,
                    authors: Vec::new(),
                    chars: r.get(8)?,
                    outlet: r.get(9)?,
                    url: r.get(10)?,
                    published_at: r.get(11)?,
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        for row in &mut rows {
            row.authors = self.authors(&row.id)?;
        }
        Ok(rows)
    }

    pub fn authors(&self, item_id: &str) -> Result<Vec<Author>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT a.name, u.name, a.share FROM item_authors a
                 LEFT JOIN units u ON u.id = a.unit_id
                 WHERE a.item_id = ?1 ORDER BY a.position",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([item_id], |r| {
                Ok(Author {
                    name: r.get(0)?,
                    unit: r.get(1)?,
                    share: r.get(2)?,
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    pub fn item_count(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    // ---- the search index's view ----

    /// The newest entry of the item change log (0 when empty).
    pub fn max_change_seq(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT coalesce(max(seq), 0) FROM item_changes", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))
    }

    /// Ids of items changed (inserted, updated, deleted) after `seq`, each once.
    pub fn changed_items(&self, seq: i64) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT item_id FROM item_changes WHERE seq > ?1")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([seq], |r| r.get(0))
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<String>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// One item as the index sees it; None if it no longer exists.
    pub fn index_doc(&self, id: &str, tz: chrono_tz::Tz) -> Result<Option<crate::index::IndexDoc>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("{INDEX_DOC_SQL} WHERE i.id = ?1"))
            .map_err(|e| self.err(e))?;
        st.query_row([id], |r| index_doc_row(r, tz))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every item, in storage order, as the index sees it.
    pub fn for_each_index_doc(
        &self,
        tz: chrono_tz::Tz,
        mut f: impl FnMut(crate::index::IndexDoc),
    ) -> Result<()> {
        let mut st = self.conn.prepare(INDEX_DOC_SQL).map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| index_doc_row(r, tz))
            .map_err(|e| self.err(e))?;
        for row in rows {
            f(row.map_err(|e| self.err(e))?);
        }
        Ok(())
    }

    // ---- pipeline runs ----

    pub fn start_run(
        &self,
        pipeline: &str,
        trigger: &str,
        scheduled_for: Option<DateTime<Utc>>,
    ) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO pipeline_runs(pipeline, trigger, scheduled_for, started_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![pipeline, trigger, scheduled_for.map(ts), now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn finish_run(
        &self,
        id: i64,
        status: &str,
        counts: &Counts,
        errors: &[String],
    ) -> Result<()> {
        let errors = serde_json::to_string(errors).unwrap_or_else(|_| "[]".into());
        self.conn
            .execute(
                "UPDATE pipeline_runs SET finished_at = ?2, status = ?3, new = ?4, duplicate = ?5,
                        quarantined = ?6, failed = ?7, skipped = ?8, errors = ?9
                 WHERE id = ?1",
                params![
                    id,
                    now(),
                    status,
                    counts.new as i64,
                    counts.duplicate as i64,
                    counts.quarantined as i64,
                    counts.failed as i64,
                    counts.skipped as i64,
                    errors
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Marks runs of `pipeline` still "running" as interrupted. Call only while holding the
    /// pipeline's run lock: then no such run can be alive, it died with its process.
    pub fn close_dead_runs(&self, pipeline: &str) -> Result<usize> {
        self.conn
            .execute(
                "UPDATE pipeline_runs SET status = 'interrupted', finished_at = ?2,
                        errors = '[\"进程在运行中途退出（崩溃或被强制结束）\"]',
                        new = (SELECT count(*) FROM files f
                               WHERE f.run_id = pipeline_runs.id AND f.outcome = 'stored'),
                        duplicate = (SELECT count(*) FROM files f
                               WHERE f.run_id = pipeline_runs.id AND f.outcome = 'duplicate'),
                        quarantined = (SELECT count(*) FROM files f
                               WHERE f.run_id = pipeline_runs.id AND f.outcome = 'quarantined')
                 WHERE pipeline = ?1 AND status = 'running'",
                params![pipeline, now()],
            )
            .map_err(|e| self.err(e))
    }

    pub fn runs(&self, pipeline: Option<&str>, limit: usize) -> Result<Vec<RunRecord>> {
        self.runs_where(pipeline, None, limit)
    }

    /// One run by its number.
    pub fn run_record(&self, id: i64) -> Result<Option<RunRecord>> {
        Ok(self.runs_where(None, Some(id), 1)?.pop())
    }

    fn runs_where(
        &self,
        pipeline: Option<&str>,
        id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<RunRecord>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, pipeline, trigger, scheduled_for, started_at, finished_at, status,
                        new, duplicate, quarantined, failed, skipped, errors
                 FROM pipeline_runs WHERE (?1 IS NULL OR pipeline = ?1) AND (?3 IS NULL OR id = ?3)
                 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![pipeline, limit as i64, id], |r| {
                let errors: String = r.get(12)?;
                Ok(RunRecord {
                    id: r.get(0)?,
                    pipeline: r.get(1)?,
                    trigger: r.get(2)?,
                    scheduled_for: r.get(3)?,
                    started_at: r.get(4)?,
                    finished_at: r.get(5)?,
                    status: r.get(6)?,
                    counts: Counts {
                        new: r.get::<_, i64>(7)? as u64,
                        duplicate: r.get::<_, i64>(8)? as u64,
                        quarantined: r.get::<_, i64>(9)? as u64,
                        failed: r.get::<_, i64>(10)? as u64,
                        skipped: r.get::<_, i64>(11)? as u64,
                    },
                    errors: serde_json::from_str(&errors).unwrap_or_default(),
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// When the pipeline last started, and which cron slot it served (for catch-up).
    pub fn last_run_time(&self, pipeline: &str) -> Result<Option<DateTime<Utc>>> {
        let t: Option<String> = self
            .conn
            .query_row(
                "SELECT max(coalesce(scheduled_for, started_at)) FROM pipeline_runs
                 WHERE pipeline = ?1",
                [pipeline],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok(t.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|t| t.with_timezone(&Utc)))
    }
}

// News has no reporting unit; its outlet (来源) takes the unit's place in the index, so
// results name where a story appeared and `单位:江北日报` finds an outlet's stories.
const INDEX_DOC_SQL: &str =
    "SELECT i.id, i.kind, COALESCE(u.name, i.outlet), i.section, i.status, i.title, i.body,
        i.published_at, i.written_at, i.submitted_at, i.collected_at
    FROM items i LEFT JOIN units u ON u.id = i.unit_id";

fn index_doc_row(
    r: &rusqlite::Row<'_>,
    tz: chrono_tz::Tz,
) -> rusqlite::Result<crate::index::IndexDoc> {
    let dates: [Option<String>; 4] = [r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?];
    let refs: Vec<Option<&str>> = dates.iter().map(|d| d.as_deref()).collect();
    Ok(crate::index::IndexDoc {
        id: r.get(0)?,
        kind: r.get(1)?,
        unit: r.get(2)?,
        section: r.get(3)?,
        status: r.get(4)?,
        title: r.get(5)?,
        body: r.get(6)?,
        date: crate::index::item_date(&refs, tz).unwrap_or_else(Utc::now),
    })
}

fn file_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FileRecord> {
    Ok(FileRecord {
        id: r.get(0)?,
        source: r.get(1)?,
        raw_hash: r.get(2)?,
        original_path: r.get(3)?,
        archived_path: r.get(4)?,
        outcome: r.get(5)?,
        item_id: r.get(6)?,
        reason: r.get(7)?,
        run_id: r.get(8)?,
        taken_at: r.get(9)?,
    })
}

fn unit_id(tx: &Transaction<'_>, name: Option<&str>) -> rusqlite::Result<Option<i64>> {
    match name {
        None => Ok(None),
        Some(n) => tx
            .query_row("SELECT id FROM units WHERE name = ?1", [n], |r| r.get(0))
            .optional(),
    }
}

/// The de-duplication rule shared by every source, inside the caller's transaction: the
/// same content (hash of title and body) is a duplicate; else the same story (near-duplicate
/// body, same kind) is linked to the first; else the item is stored with its band keys.
pub(crate) fn store_or_link(
    tx: &Transaction<'_>,
    item: &NewItem,
    source: &str,
    raw_path: Option<&str>,
    run_id: Option<i64>,
    near: Option<f64>,
) -> rusqlite::Result<Stored> {
    let hash = crate::text::content_hash(&item.title, &item.body);
    let existing: Option<String> = tx
        .query_row(
            "SELECT id FROM items WHERE content_hash = ?1",
            [&hash],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(Stored::Duplicate(id));
    }
    let sh = neardup::shingles(&item.body);
    let bands = neardup::bands(&sh);
    if let Some(threshold) = near
        && !bands.is_empty()
        && let Some((of, similarity)) = nearest(tx, item, &sh, &bands, threshold)?
    {
        return Ok(Stored::NearDuplicate { of, similarity });
    }
    let id = insert_item(tx, item, &hash, source, raw_path, run_id)?;
    insert_bands(tx, &id, &bands)?;
    Ok(Stored::New(id))
}

/// The most similar stored item of the same kind at or above `threshold`.
fn nearest(
    tx: &Transaction<'_>,
    item: &NewItem,
    sh: &[u64],
    bands: &[i64],
    threshold: f64,
) -> rusqlite::Result<Option<(String, f64)>> {
    let kind = item.kind.unwrap_or(ItemKind::Submission).as_str();
    // A full report that contains a short brief is not the brief's duplicate: the texts must
    // also be of comparable length.
    Ok(similar(tx, sh, bands, kind, None)?
        .into_iter()
        .filter(|s| s.containment >= threshold && s.length_ratio >= neardup::MIN_LENGTH_RATIO)
        .max_by(|a, b| a.containment.total_cmp(&b.containment))
        .map(|s| (s.id, s.containment)))
}

/// A stored item that shares a MinHash band with a text.
#[derive(Debug, Clone)]
pub struct Similar {
    pub id: String,
    pub status: String,
    /// Shared shingles ÷ the smaller set.
    pub containment: f64,
    /// Smaller shingle set ÷ larger.
    pub length_ratio: f64,
}

/// Items of `kind` sharing a band with the shingles `sh` (stored before row `before`, when
/// given), each body loaded and compared once.
fn similar(
    conn: &Connection,
    sh: &[u64],
    bands: &[i64],
    kind: &str,
    before: Option<i64>,
) -> rusqlite::Result<Vec<Similar>> {
    let mut candidates: Vec<String> = Vec::new();
    {
        let mut st = conn.prepare_cached(
            "SELECT b.item_id FROM item_bands b JOIN items i ON i.id = b.item_id
             WHERE b.band = ?1 AND b.value = ?2 AND i.kind = ?3
               AND (?4 IS NULL OR i.rowid < ?4) LIMIT 50",
        )?;
        for (band, value) in bands.iter().enumerate() {
            for id in st.query_map(params![band as i64, value, kind, before], |r| {
                r.get::<_, String>(0)
            })? {
                let id = id?;
                if !candidates.contains(&id) {
                    candidates.push(id);
                }
            }
        }
    }
    let mut st = conn.prepare_cached("SELECT body, status FROM items WHERE id = ?1")?;
    let mut out = Vec::new();
    for id in candidates.into_iter().take(100) {
        let (body, status): (String, String) =
            st.query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let other = neardup::shingles(&body);
        out.push(Similar {
            containment: neardup::containment(sh, &other),
            length_ratio: sh.len().min(other.len()) as f64
                / sh.len().max(other.len()).max(1) as f64,
            id,
            status,
        });
    }
    Ok(out)
}

fn insert_bands(tx: &Transaction<'_>, id: &str, bands: &[i64]) -> rusqlite::Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT OR IGNORE INTO item_bands(band, value, item_id) VALUES (?1, ?2, ?3)",
    )?;
    if bands.is_empty() {
        st.execute(params![-1i64, 0i64, id])?;
    }
    for (band, value) in bands.iter().enumerate() {
        st.execute(params![band as i64, value, id])?;
    }
    Ok(())
}

fn insert_item(
    tx: &Transaction<'_>,
    item: &NewItem,
    hash: &str,
    source: &str,
    raw_path: Option<&str>,
    run_id: Option<i64>,
) -> rusqlite::Result<String> {
    // 12 hex digits of the content hash: stable across re-collection, short enough to type.
    // Should two contents ever share them, the later one takes more digits.
    let mut len = 12;
    let id = loop {
        let cand = &hash[..len.min(hash.len())];
        let used: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM items WHERE id = ?1)",
            [cand],
            |r| r.get(0),
        )?;
        if !used || len >= hash.len() {
            break cand.to_string();
        }
        len += 4;
    };
    let at = now();
    let kind = item.kind.unwrap_or(ItemKind::Submission);
    tx.execute(
        "INSERT INTO items(id, kind, unit_id, title, body, summary, genre, written_at,
                           submitted_at, published_at, collected_at, source, url, section,
                           content_hash, raw_path, run_id, updated_at, outlet)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?11,
                 ?18)",
        params![
            id,
            kind.as_str(),
            unit_id(tx, item.unit.as_deref())?,
            item.title,
            item.body,
            item.summary,
            item.genre,
            item.written_at,
            item.submitted_at,
            item.published_at,
            at,
            source,
            item.url,
            item.section,
            hash,
            raw_path,
            run_id,
            item.outlet
        ],
    )?;
    for (pos, a) in item.authors.iter().enumerate() {
        let unit = unit_id(tx, a.unit.as_deref().or(item.unit.as_deref()))?;
        tx.execute(
            "INSERT INTO item_authors(item_id, position, name, unit_id, share)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, pos as i64, a.name, unit, a.share],
        )?;
    }
    for tag in &item.tags {
        tx.execute(
            "INSERT OR IGNORE INTO item_tags(item_id, tag) VALUES (?1, ?2)",
            params![id, tag],
        )?;
    }
    tx.execute(
        "INSERT INTO audit_log(at, item_id, actor, action, to_status, note)
         VALUES (?1, ?2, ?3, 'collected', 'new', NULL)",
        params![at, id, format!("pipeline:{source}")],
    )?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UnitKind;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("db.sqlite")).unwrap();
        s.sync_units(&[UnitDef {
            name: "西湖县人大常委会".into(),
            kind: UnitKind::CountyCongress,
            aliases: vec![],
        }])
        .unwrap();
        (dir, s)
    }

    #[test]
    fn a_pre_v3_database_gets_band_keys_once_on_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let mut conn = Connection::open(&path).unwrap();
            schema::migrations().to_version(&mut conn, 2).unwrap();
            conn.execute(
                "INSERT INTO items(id, kind, title, body, collected_at, source, content_hash,
                                   updated_at)
                 VALUES ('a', 'submission', '旧稿', ?1, 'x', 'inbox', 'h', 'x')",
                ["旧数据库里的稿件正文，".repeat(20)],
            )
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        let bands: i64 = s
            .conn
            .query_row(
                "SELECT COUNT(*) FROM item_bands WHERE item_id = 'a'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(bands as usize, neardup::BANDS);
        // A current database is not scanned again on open.
        s.conn.execute("DELETE FROM item_bands", []).unwrap();
        drop(s);
        let s = Store::open(&path).unwrap();
        let bands: i64 = s
            .conn
            .query_row("SELECT COUNT(*) FROM item_bands", [], |r| r.get(0))
            .unwrap();
        assert_eq!(bands, 0);
    }

    fn item(title: &str) -> NewItem {
        NewItem {
            unit: Some("西湖县人大常委会".into()),
            title: title.into(),
            body: "正文。".into(),
            authors: vec![Author {
                name: "张三".into(),
                unit: None,
                share: 1.0,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn many_processes_opening_a_new_database_at_once_all_succeed() {
        // Each thread opens its own connection and lock file handle, as separate processes do.
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("db.sqlite");
            let handles: Vec<_> = (0..6)
                .map(|_| {
                    let p = path.clone();
                    std::thread::spawn(move || {
                        Store::open(&p).map(|_| ()).map_err(|e| e.to_string())
                    })
                })
                .collect();
            for h in handles {
                assert_eq!(h.join().unwrap(), Ok(()));
            }
        }
    }

    #[test]
    fn same_content_is_stored_once_with_a_stable_id() {
        let (_d, mut s) = store();
        let a = s.store_item(&item("标题"), None, "inbox", None).unwrap();
        let b = s.store_item(&item("标题 "), None, "inbox", None).unwrap();
        let Stored::New(id) = a else { panic!() };
        assert_eq!(b, Stored::Duplicate(id.clone()));
        assert_eq!(s.item_count().unwrap(), 1);

        // A fresh database gives the same content the same id.
        let (_d2, mut s2) = store();
        assert_eq!(
            s2.store_item(&item("标题"), None, "inbox", None).unwrap(),
            Stored::New(id)
        );
    }

    #[test]
    fn status_changes_are_audited_and_audit_is_append_only() {
        let (_d, mut s) = store();
        let Stored::New(id) = s.store_item(&item("标题"), None, "inbox", None).unwrap() else {
            panic!()
        };
        assert!(s.set_status(&id, Status::Returned, "编辑甲", None).is_err());
        s.set_status(&id, Status::Returned, "编辑甲", Some("内容与上期重复"))
            .unwrap();
        let log = s.audit(&id).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[1].to_status.as_deref(), Some("returned"));
        assert_eq!(log[1].note.as_deref(), Some("内容与上期重复"));
        assert!(s.conn().execute("DELETE FROM audit_log", []).is_err());
        assert!(
            s.conn()
                .execute("UPDATE audit_log SET actor = 'x'", [])
                .is_err()
        );
        assert!(matches!(
            s.set_status("nope", Status::Adopted, "x", None),
            Err(StoreError::NoSuchItem(_))
        ));
    }
}
