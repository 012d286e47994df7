//! Collect: sources bring items in. One seam, the [`Source`] trait; one source kind per
//! submodule: `inbox` (units' files), `web` (list pages with per-site rules, and feeds).
//! Shared machinery: `fetch` (the only way out to the network), `decode` (bytes → text),
//! `extract` (page → article), `feed` (RSS/Atom/JSON Feed).
//!
//! Invariant: a source writes to the store only through [`crate::store::Store::store_item`]
//! and [`crate::store::Store::record_quarantine`], and touches an original file (move/copy)
//! only after the row describing it is committed. Re-running a source is always safe.

pub mod decode;
mod docx;
mod draft;
pub mod extract;
pub mod feed;
pub mod fetch;
pub(crate) mod formats;
mod inbox;
pub mod web;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use draft::{AuthorSpec, AuthorsField, DateText, Genre, Reject, normalize_date};
pub use formats::FrontMatter;
pub use inbox::{ArchiveMode, InboxSource, InboxSourceDef};
pub use web::{FeedSource, FeedSourceDef, WebSource, WebSourceDef};

use crate::config::{Config, Registry};
use crate::store::{Counts, Store};

/// Cooperative cancellation: set by SIGINT/SIGTERM, checked between items.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Progress reporting, so the CLI can draw a bar without sources knowing about terminals.
pub trait Progress {
    fn start(&self, _source: &str, _total: u64) {}
    fn advance(&self, _done: u64) {}
    fn finish(&self) {}
}

/// No progress output.
pub struct Silent;
impl Progress for Silent {}

/// What a source needs while collecting.
pub struct CollectCtx<'a> {
    pub store: &'a mut Store,
    pub config: &'a Config,
    pub registry: &'a Registry,
    pub project_root: &'a std::path::Path,
    pub data_dir: &'a std::path::Path,
    pub run_id: Option<i64>,
    pub cancel: &'a Cancel,
    pub progress: &'a dyn Progress,
}

/// A source of items.
pub trait Source {
    /// The source's name (unique within its pipeline), recorded on every item it collects.
    fn name(&self) -> &str;
    /// Collects everything new. Per-file problems are counted (quarantined/failed) and
    /// reported in `errors`; `Err` means the source as a whole could not run.
    fn collect(&self, ctx: &mut CollectCtx<'_>) -> Result<SourceReport, SourceError>;
}

#[derive(Debug, Default, Clone)]
pub struct SourceReport {
    pub counts: Counts,
    /// Chinese messages for files that failed (not quarantined: e.g. unreadable).
    pub errors: Vec<String>,
    /// What a web or feed source recorded about this run (already stored).
    pub run: Option<crate::store::SourceRun>,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("收件箱文件夹 {path} 不存在或无法读取：{source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The source's declaration cannot work (bad selector, bad URL).
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
