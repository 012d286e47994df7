//! Index: Chinese full-text search over the store, with tantivy.
//!
//! The index is derived: `data/index/` can be deleted at any time and is rebuilt from the
//! store. It follows the store through the `item_changes` log (filled by triggers on `items`):
//! each commit records in its payload the last change it contains, so an update applies
//! exactly the changes since then — new, edited, re-statused and deleted items — in one commit.
//!
//! Invariants: a search first brings the index up to date with the store; an index that is
//! missing, unreadable or of another schema version is rebuilt, never fatal; the same analysis
//! (`analysis.rs`) is used to index and to query.

mod analysis;
mod dict;
mod facets;
pub mod query;
mod search;
mod snippet;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use jieba_rs::Jieba;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use analysis::{bigrams, is_cjk};
pub use dict::{DICT_FILE, OfficeDict};
pub use search::{Facets, MAX_PAGE, SearchHit, SearchRequest, SearchResults, Sort};
pub use snippet::Snippet;

use crate::store::{Store, StoreError};

/// Bump when the schema, the analysis or what a document holds changes: older indexes are
/// rebuilt. (4: news carry their outlet in the unit field.)
const SCHEMA_VERSION: u32 = 4;
/// Writer memory budget; tantivy splits it between its threads.
const WRITER_BYTES: usize = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("搜索索引 {0} 正被另一个进程更新，请稍后再试")]
    Busy(PathBuf),
    #[error("搜索索引 {0} 出错：{1}")]
    Tantivy(PathBuf, tantivy::TantivyError),
    #[error("无法创建索引目录 {0}：{1}")]
    Io(PathBuf, std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Dict(#[from] crate::diag::FileError),
}

/// An item as the index sees it.
#[derive(Debug, Clone)]
pub struct IndexDoc {
    pub id: String,
    pub kind: String,
    pub unit: Option<String>,
    pub section: Option<String>,
    pub status: String,
    pub title: String,
    pub body: String,
    pub date: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    id: Field,
    title: Field,
    body: Field,
    title_bg: Field,
    body_bg: Field,
    title_zh: Field,
    body_zh: Field,
    unit: Field,
    section: Field,
    kind: Field,
    status: Field,
    date: Field,
}

fn schema() -> (Schema, Fields) {
    let mut sb = Schema::builder();
    let text = |tokenizer: &str, rec: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(rec),
        )
    };
    let pos = IndexRecordOption::WithFreqsAndPositions;
    let freqs = IndexRecordOption::WithFreqs;
    let f = Fields {
        id: sb.add_text_field("id", STRING | STORED),
        title: sb.add_text_field("title", STORED),
        body: sb.add_text_field("body", STORED),
        title_bg: sb.add_text_field("title_bg", text(analysis::BIGRAM, pos)),
        body_bg: sb.add_text_field("body_bg", text(analysis::BIGRAM, pos)),
        title_zh: sb.add_text_field("title_zh", text(analysis::JIEBA, freqs)),
        body_zh: sb.add_text_field("body_zh", text(analysis::JIEBA, freqs)),
        unit: sb.add_text_field("unit", STRING | STORED | FAST),
        section: sb.add_text_field("section", STRING | STORED | FAST),
        kind: sb.add_text_field("kind", STRING | STORED | FAST),
        status: sb.add_text_field("status", STRING | STORED | FAST),
        date: sb.add_date_field("date", INDEXED | STORED | FAST),
    };
    (sb.build(), f)
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    version: u32,
    seq: i64,
}

/// What an update did.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct UpdateReport {
    pub indexed: u64,
    pub deleted: u64,
    /// The index was (re)built from scratch.
    pub rebuilt: bool,
}

pub struct SearchIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    jieba: Arc<Jieba>,
    dict: OfficeDict,
    seq: i64,
    /// Zone in which date filters (日期:2024-03) are read.
    tz: chrono_tz::Tz,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (empty, needing a rebuild) when it is missing,
    /// unreadable or of another schema version.
    pub fn open(dir: &Path, dict: OfficeDict) -> Result<SearchIndex, IndexError> {
        let jieba = Arc::new(dict.jieba());
        let (schema, fields) = schema();
        // Opening reads every segment's footer; tantivy panics (rather than erring) on some
        // damaged files, so a panic here also just means "rebuild".
        let existing = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let idx = Index::open_in_dir(dir).ok()?;
            let payload: Payload =
                serde_json::from_str(idx.load_metas().ok()?.payload.as_deref()?).ok()?;
            if payload.version != SCHEMA_VERSION || idx.schema() != schema {
                return None;
            }
            Self::with_index(dir, idx, dict.clone(), jieba.clone(), fields, payload.seq).ok()
        }))
        .ok()
        .flatten();
        if let Some(idx) = existing {
            return Ok(idx);
        }
        if dir.exists() {
            tracing::warn!(
                "搜索索引 {} 缺失、损坏或版本不符，将从数据库重建",
                dir.display()
            );
            std::fs::remove_dir_all(dir).map_err(|e| IndexError::Io(dir.to_path_buf(), e))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| IndexError::Io(dir.to_path_buf(), e))?;
        let idx = Index::create_in_dir(dir, schema)
            .map_err(|e| IndexError::Tantivy(dir.to_path_buf(), e))?;
        Self::with_index(dir, idx, dict, jieba, fields, -1)
    }

    fn with_index(
        dir: &Path,
        index: Index,
        dict: OfficeDict,
        jieba: Arc<Jieba>,
        fields: Fields,
        seq: i64,
    ) -> Result<SearchIndex, IndexError> {
        let t = |e| IndexError::Tantivy(dir.to_path_buf(), e);
        index
            .tokenizers()
            .register(analysis::BIGRAM, analysis::BigramTokenizer);
        index
            .tokenizers()
            .register(analysis::JIEBA, analysis::JiebaTokenizer(jieba.clone()));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(t)?;
        Ok(SearchIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            jieba,
            dict,
            seq,
            tz: chrono_tz::Asia::Shanghai,
        })
    }

    /// Opens the project's index and brings it up to date with the store.
    pub fn for_project(
        project: &crate::project::Project,
        store: &Store,
    ) -> Result<(SearchIndex, UpdateReport), IndexError> {
        let dir = project.data_dir().join("index");
        let dict = OfficeDict::load(&project.root.join(DICT_FILE))?;
        let mut idx = SearchIndex::open(&dir, dict.clone())?;
        idx.set_tz(project.tz());
        match idx.update(store, project.tz()) {
            Ok(report) => Ok((idx, report)),
            // Someone else is updating it right now: search what is there.
            Err(IndexError::Busy(_)) => {
                tracing::warn!("搜索索引正被另一个进程更新，本次结果可能不含最新稿件");
                Ok((idx, UpdateReport::default()))
            }
            // Damaged segment files open fine and fail on use: start over from the store.
            Err(IndexError::Tantivy(_, e)) => {
                tracing::warn!("搜索索引 {} 无法更新（{e}），将从数据库重建", dir.display());
                drop(idx);
                std::fs::remove_dir_all(&dir).map_err(|e| IndexError::Io(dir.clone(), e))?;
                let mut idx = SearchIndex::open(&dir, dict)?;
                idx.set_tz(project.tz());
                let report = idx.update(store, project.tz())?;
                Ok((idx, report))
            }
            Err(e) => Err(e),
        }
    }

    fn terr(&self, e: tantivy::TantivyError) -> IndexError {
        IndexError::Tantivy(self.dir.clone(), e)
    }

    pub fn writer(&self) -> Result<IndexWriter, IndexError> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4);
        // Another process (a pipeline's index step, a search catching up) may hold the
        // writer for a moment: wait up to 15 s before giving up.
        for _ in 0..150 {
            match self.index.writer_with_num_threads(threads, WRITER_BYTES) {
                Err(tantivy::TantivyError::LockFailure(..)) => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => return other.map_err(|e| self.terr(e)),
            }
        }
        Err(IndexError::Busy(self.dir.clone()))
    }

    /// Adds one document (replacing any with the same id when `replace`).
    pub fn add(&self, w: &IndexWriter, d: &IndexDoc, replace: bool) -> Result<(), IndexError> {
        let f = &self.fields;
        if replace {
            w.delete_term(Term::from_field_text(f.id, &d.id));
        }
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &d.id);
        doc.add_text(f.title, &d.title);
        doc.add_text(f.body, &d.body);
        doc.add_text(f.title_bg, &d.title);
        doc.add_text(f.body_bg, &d.body);
        doc.add_text(f.title_zh, &d.title);
        doc.add_text(f.body_zh, &d.body);
        doc.add_text(f.kind, &d.kind);
        doc.add_text(f.status, &d.status);
        if let Some(u) = &d.unit {
            doc.add_text(f.unit, u);
        }
        if let Some(s) = &d.section {
            doc.add_text(f.section, s);
        }
        doc.add_date(
            f.date,
            tantivy::DateTime::from_timestamp_secs(d.date.timestamp()),
        );
        w.add_document(doc).map_err(|e| self.terr(e))?;
        Ok(())
    }

    /// Commits with the store change sequence the index now reflects.
    pub fn commit(&mut self, mut w: IndexWriter, seq: i64) -> Result<(), IndexError> {
        let payload = serde_json::to_string(&Payload {
            version: SCHEMA_VERSION,
            seq,
        })
        .unwrap_or_default();
        let mut prepared = w.prepare_commit().map_err(|e| self.terr(e))?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(|e| self.terr(e))?;
        w.wait_merging_threads().map_err(|e| self.terr(e))?;
        self.reader.reload().map_err(|e| self.terr(e))?;
        self.seq = seq;
        Ok(())
    }

    /// Applies the store's changes since the last commit; rebuilds when the index is new.
    pub fn update(&mut self, store: &Store, tz: chrono_tz::Tz) -> Result<UpdateReport, IndexError> {
        // Another process may have committed since we opened: look at the index as it is now.
        if self.seq >= 0 {
            self.reader.reload().map_err(|e| self.terr(e))?;
            if let Some(seq) = self
                .index
                .load_metas()
                .ok()
                .and_then(|m| serde_json::from_str::<Payload>(m.payload.as_deref()?).ok())
                .map(|p| p.seq)
            {
                self.seq = seq;
            }
        }
        let head = store.max_change_seq()?;
        // Never built, or built from another database (restored from a backup: the change
        // log is behind the index, or the counts disagree): rebuild from this one.
        if self.seq < 0 || head < self.seq {
            return self.rebuild(store, tz);
        }
        if head == self.seq {
            if self.num_docs() as i64 != store.item_count()? {
                return self.rebuild(store, tz);
            }
            return Ok(UpdateReport::default());
        }
        let changed = store.changed_items(self.seq)?;
        let w = self.writer()?;
        let mut report = UpdateReport::default();
        for id in &changed {
            match store.index_doc(id, tz)? {
                Some(doc) => {
                    self.add(&w, &doc, true)?;
                    report.indexed += 1;
                }
                None => {
                    w.delete_term(Term::from_field_text(self.fields.id, id));
                    report.deleted += 1;
                }
            }
        }
        self.commit(w, head)?;
        Ok(report)
    }

    /// Rebuilds the whole index from the store, in one commit.
    pub fn rebuild(
        &mut self,
        store: &Store,
        tz: chrono_tz::Tz,
    ) -> Result<UpdateReport, IndexError> {
        let head = store.max_change_seq()?;
        let w = self.writer()?;
        w.delete_all_documents().map_err(|e| self.terr(e))?;
        let mut report = UpdateReport {
            rebuilt: true,
            ..Default::default()
        };
        let mut err = None;
        store.for_each_index_doc(tz, |doc| {
            if err.is_none() {
                match self.add(&w, &doc, false) {
                    Ok(()) => report.indexed += 1,
                    Err(e) => err = Some(e),
                }
            }
        })?;
        if let Some(e) = err {
            return Err(e);
        }
        self.commit(w, head)?;
        Ok(report)
    }

    /// The zone in which date filters and year facets are read (default Asia/Shanghai).
    pub fn set_tz(&mut self, tz: chrono_tz::Tz) {
        self.tz = tz;
    }

    /// The last store change this index contains.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Bytes the index occupies on disk (0 in memory).
    pub fn size_on_disk(&self) -> u64 {
        fn walk(p: &Path) -> u64 {
            std::fs::read_dir(p)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .map(|e| match e.metadata() {
                            Ok(m) if m.is_dir() => walk(&e.path()),
                            Ok(m) => m.len(),
                            Err(_) => 0,
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        walk(&self.dir)
    }
}

/// The date an item is filed under: published, else written, else submitted, else collected.
pub fn item_date(candidates: &[Option<&str>], tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    for c in candidates.iter().flatten() {
        let c = c.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(c) {
            return Some(t.with_timezone(&Utc));
        }
        let naive = chrono::NaiveDateTime::parse_from_str(c, "%Y-%m-%d %H:%M")
            .ok()
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(c, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.and_time(chrono::NaiveTime::MIN))
            });
        if let Some(n) = naive
            && let Some(t) = tz.from_local_datetime(&n).earliest()
        {
            return Some(t.with_timezone(&Utc));
        }
    }
    None
}
