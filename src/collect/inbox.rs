//! The inbox source: a folder tree where units' files land, optionally one subfolder per unit.
//!
//! Each file is taken exactly once. Taking a file is two steps: (1) one transaction records
//! it in the ledger (`files`) together with the item it yields, or with its quarantine reason;
//! (2) the original is moved (or copied) to `processed/` or `quarantine/`. A crash between the
//! steps leaves a committed ledger row whose archive is missing: the next run sees the file
//! still in the inbox with the same path and hash, and finishes step 2 without storing
//! anything again. Nothing is ever deleted: a move is a rename, or copy + fsync + rename +
//! unlink across file systems.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::draft::{Origin, Reject, resolve};
use super::formats;
use super::{CollectCtx, Source, SourceError, SourceReport};
use crate::store::{NewFile, Stored};

/// `[[sources]] type = "inbox"` in a pipeline file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxSourceDef {
    /// Name of this source, recorded on its items (default: "inbox").
    #[serde(default)]
    pub name: Option<String>,
    /// The folder units' files land in, relative to the project root.
    pub path: PathBuf,
    /// `move` (default) takes files out of the inbox; `copy` leaves them where they are
    /// (for read-only drop folders) and remembers them by content hash.
    #[serde(default)]
    pub mode: ArchiveMode,
    /// Where taken files go (default: `<data_dir>/processed/<source name>`).
    #[serde(default)]
    pub processed: Option<PathBuf>,
    /// Where rejected files go, each with a `.reason.txt` (default:
    /// `<data_dir>/quarantine/<source name>`).
    #[serde(default)]
    pub quarantine: Option<PathBuf>,
    /// Leave files alone until they have not changed for this many seconds (for drop folders
    /// that units copy into over the network). Default 0.
    #[serde(default)]
    pub settle_seconds: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArchiveMode {
    #[default]
    Move,
    Copy,
}

pub struct InboxSource {
    name: String,
    settle_seconds: u64,
    root: PathBuf,
    mode: ArchiveMode,
    processed: PathBuf,
    quarantine: PathBuf,
}

impl InboxSource {
    pub fn new(def: &InboxSourceDef, project_root: &Path, data_dir: &Path) -> InboxSource {
        let name = def.name.clone().unwrap_or_else(|| "inbox".to_string());
        let abs = |p: &Path| -> PathBuf {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                project_root.join(p)
            }
        };
        InboxSource {
            root: abs(&def.path),
            mode: def.mode,
            processed: def
                .processed
                .as_deref()
                .map(abs)
                .unwrap_or_else(|| data_dir.join("processed").join(&name)),
            quarantine: def
                .quarantine
                .as_deref()
                .map(abs)
                .unwrap_or_else(|| data_dir.join("quarantine").join(&name)),
            name,
            settle_seconds: def.settle_seconds,
        }
    }

    pub fn processed_dir(&self) -> &Path {
        &self.processed
    }

    pub fn quarantine_dir(&self) -> &Path {
        &self.quarantine
    }
}

/// What happened to one file.
enum Taken {
    New,
    Duplicate,
    Quarantined,
    Skipped,
}

/// Files larger than this are quarantined unread: no submission is that big, and reading a
/// stray video into memory on every run would stall the pipeline.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

impl Source for InboxSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn collect(&self, ctx: &mut CollectCtx<'_>) -> Result<SourceReport, SourceError> {
        if let Err(source) = fs::read_dir(&self.root) {
            return Err(SourceError::Folder {
                path: self.root.clone(),
                source,
            });
        }
        let mut report = SourceReport::default();
        let mut files = Vec::new();
        // Archives configured inside the inbox must not be read back in.
        let skip = [self.processed.as_path(), self.quarantine.as_path()];
        walk(&self.root, &skip, &mut files, &mut report.errors);
        report.counts.failed += report.errors.len() as u64;
        files.sort();
        ctx.progress.start(&self.name, files.len() as u64);
        for (i, path) in files.iter().enumerate() {
            if ctx.cancel.is_cancelled() {
                break;
            }
            match self.take(ctx, path) {
                Ok(Taken::New) => report.counts.new += 1,
                Ok(Taken::Duplicate) => report.counts.duplicate += 1,
                Ok(Taken::Quarantined) => report.counts.quarantined += 1,
                Ok(Taken::Skipped) => report.counts.skipped += 1,
                Err(TakeError::Store(e)) => return Err(e.into()),
                Err(TakeError::Io(msg)) => {
                    tracing::warn!("{msg}");
                    report.counts.failed += 1;
                    report.errors.push(msg);
                }
            }
            ctx.progress.advance(i as u64 + 1);
        }
        ctx.progress.finish();
        Ok(report)
    }
}

enum TakeError {
    Store(crate::store::StoreError),
    /// A file could not be read or archived; it stays in the inbox for the next run.
    Io(String),
}

impl From<crate::store::StoreError> for TakeError {
    fn from(e: crate::store::StoreError) -> Self {
        TakeError::Store(e)
    }
}

impl InboxSource {
    fn take(&self, ctx: &mut CollectCtx<'_>, path: &Path) -> Result<Taken, TakeError> {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        let rel_str = slash_path(rel);
        let io = |e: std::io::Error| TakeError::Io(format!("无法读取 {}：{e}", path.display()));
        let meta = fs::metadata(path).map_err(io)?;
        if self.settle_seconds > 0
            && meta
                .modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age.as_secs() < self.settle_seconds)
        {
            // Probably still being copied in; take it next run.
            return Ok(Taken::Skipped);
        }
        let (bytes, raw_hash) = if meta.len() > MAX_FILE_BYTES {
            (None, crate::text::sha256_file(path).map_err(io)?)
        } else {
            let b = fs::read(path).map_err(io)?;
            let h = crate::text::sha256_hex(&b);
            (Some(b), h)
        };

        // Already taken from this very place?
        let earlier = ctx.store.files_with_hash(&raw_hash)?;
        if let Some(rec) = earlier
            .iter()
            .rev()
            .find(|r| r.source == self.name && r.original_path == rel_str)
        {
            let archived = ctx.project_root.join(&rec.archived_path);
            if !archived.exists() {
                // A previous run stopped between commit and archive: finish the archive.
                // The file was counted by that run (see Store::close_dead_runs).
                if rec.outcome == "quarantined" {
                    let reason = rec.reason.clone().unwrap_or_default();
                    write_reason(&archived, &rel_str, &reason, ctx.config.project.timezone.0)
                        .map_err(|e| TakeError::Io(archive_error(&archived, &e)))?;
                }
                self.place(path, bytes.as_deref(), &archived)
                    .map_err(|e| TakeError::Io(archive_error(&archived, &e)))?;
                tracing::info!("完成上次中断的归档：{rel_str} → {}", rec.archived_path);
                return Ok(Taken::Skipped);
            }
            if crate::text::sha256_file(&archived).is_ok_and(|h| h == raw_hash) {
                // Fully archived already. In move mode the original is still here because a
                // run stopped after archiving, or the very same bytes were dropped in again
                // under the same name: either way they are safely archived; let it go.
                if self.mode == ArchiveMode::Move {
                    fs::remove_file(path).map_err(|e| {
                        TakeError::Io(format!(
                            "{} 已归档，但无法从收件箱移除：{e}",
                            path.display()
                        ))
                    })?;
                }
                return Ok(Taken::Skipped);
            }
            // The archive holds something else: treat the file as new.
        }

        let reject = match &bytes {
            None => Some(Reject::TooLarge(meta.len())),
            Some(_) => None,
        };
        let parsed = match (reject, &bytes) {
            (Some(r), _) => Err(r),
            (None, Some(b)) => {
                let folder = unit_folder(rel);
                let origin = Origin {
                    folder: folder.as_deref(),
                };
                formats::read(rel, b).and_then(|d| resolve(d, &origin, ctx.config, ctx.registry))
            }
            (None, None) => Err(Reject::Empty),
        };
        let file = |target: &Path| NewFile {
            source: self.name.clone(),
            raw_hash: raw_hash.clone(),
            original_path: rel_str.clone(),
            archived_path: project_rel(ctx.project_root, target),
        };
        let reject = match parsed {
            Ok(item) => {
                let target = self.unique_target(ctx, &self.processed.join(rel))?;
                match ctx
                    .store
                    .store_item(&item, Some(&file(&target)), &self.name, ctx.run_id)
                {
                    Ok(stored) => {
                        crate::failpoint::hit("after-commit");
                        self.place(path, bytes.as_deref(), &target)
                            .map_err(|e| TakeError::Io(archive_error(&target, &e)))?;
                        return Ok(match stored {
                            Stored::New(id) => {
                                tracing::debug!("新稿件 {id}：{rel_str}");
                                Taken::New
                            }
                            Stored::Duplicate(id) => {
                                tracing::info!("重复稿件：{rel_str} 与已有稿件 {id} 内容相同");
                                Taken::Duplicate
                            }
                            Stored::NearDuplicate { of, similarity } => {
                                tracing::info!(
                                    "近似重复：{rel_str} 与已有稿件 {of} 高度相似（{:.0}%）",
                                    similarity * 100.0
                                );
                                Taken::Duplicate
                            }
                        });
                    }
                    // The database refused the item (a value outside what the schema allows):
                    // that is a problem with this file, not with the store.
                    Err(e) if e.is_constraint() => Reject::Refused(e.to_string()),
                    Err(e) => return Err(e.into()),
                }
            }
            Err(r) => r,
        };
        let reason = reject.to_string();
        let target = self.unique_target(ctx, &self.quarantine.join(rel))?;
        ctx.store
            .record_quarantine(&file(&target), &reason, ctx.run_id)?;
        crate::failpoint::hit("after-commit");
        write_reason(&target, &rel_str, &reason, ctx.config.project.timezone.0)
            .map_err(|e| TakeError::Io(archive_error(&target, &e)))?;
        self.place(path, bytes.as_deref(), &target)
            .map_err(|e| TakeError::Io(archive_error(&target, &e)))?;
        tracing::info!("已隔离 {rel_str}：{reason}");
        Ok(Taken::Quarantined)
    }

    /// `target`, or `name-2.ext`, `name-3.ext`… if it exists on disk or in the ledger.
    fn unique_target(&self, ctx: &CollectCtx<'_>, target: &Path) -> Result<PathBuf, TakeError> {
        let taken = |p: &Path| -> Result<bool, TakeError> {
            Ok(p.exists()
                || reason_path(p).exists()
                || ctx
                    .store
                    .archived_path_taken(&project_rel(ctx.project_root, p))?)
        };
        if !taken(target)? {
            return Ok(target.to_path_buf());
        }
        let stem = target
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ext = target
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        let mut n = 2u64;
        loop {
            let cand = target.with_file_name(format!("{stem}-{n}{ext}"));
            if !taken(&cand)? {
                return Ok(cand);
            }
            n += 1;
        }
    }

    /// Puts the original at `to` — moved (move mode) or copied (copy mode) — without ever
    /// overwriting anything there, and durably before the original goes away.
    fn place(&self, from: &Path, bytes: Option<&[u8]>, to: &Path) -> std::io::Result<()> {
        if let Some(dir) = to.parent() {
            fs::create_dir_all(dir)?;
        }
        if to.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "目标文件已存在",
            ));
        }
        if self.mode == ArchiveMode::Move {
            // A hard link never replaces an existing file; then the inbox entry goes.
            match fs::hard_link(from, to) {
                Ok(()) => return fs::remove_file(from),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(e),
                Err(_) => {} // another file system, or no hard links there: copy instead
            }
        }
        let tmp = to.with_extension(format!(
            "{}.caibian-tmp",
            to.extension().and_then(|e| e.to_str()).unwrap_or("")
        ));
        match bytes {
            // Copy exactly the bytes that were hashed and parsed, even if the file changed since.
            Some(b) => fs::write(&tmp, b)?,
            None => {
                fs::copy(from, &tmp)?;
            }
        }
        fs::File::open(&tmp)?.sync_all()?;
        if to.exists() {
            let _ = fs::remove_file(&tmp);
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "目标文件已存在",
            ));
        }
        fs::rename(&tmp, to)?;
        if self.mode == ArchiveMode::Move {
            fs::remove_file(from)?;
        }
        Ok(())
    }
}

fn archive_error(target: &Path, e: &std::io::Error) -> String {
    format!(
        "无法归档到 {}：{e}（文件留在收件箱，下次运行会重试）",
        target.display()
    )
}

/// Writes `<file>.reason.txt` next to the quarantined file.
fn write_reason(
    target: &Path,
    original: &str,
    reason: &str,
    tz: chrono_tz::Tz,
) -> std::io::Result<()> {
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir)?;
    }
    let text = format!(
        "文件：{original}\n原因：{reason}\n时间：{}\n处理：请改正后重新报送（放回收件箱即可）。\n",
        chrono::Utc::now()
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S %:z")
    );
    let mut f = fs::File::create(reason_path(target))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// The first folder under the inbox root, if the file is in one.
fn unit_folder(rel: &Path) -> Option<String> {
    let mut comps = rel.components();
    let first = comps.next()?;
    comps.next()?; // must have a file name after it
    match first {
        Component::Normal(s) => s.to_str().map(str::to_string),
        _ => None,
    }
}

fn reason_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".reason.txt");
    PathBuf::from(name)
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// A path relative to the project root when it is inside it, else absolute.
fn project_rel(root: &Path, p: &Path) -> String {
    match p.strip_prefix(root) {
        Ok(rel) => slash_path(rel),
        Err(_) => p.display().to_string(),
    }
}

/// All regular files under `dir`, skipping hidden files, Office lock files (`~$…`), OS
/// litter (Thumbs.db, desktop.ini), reason files that came back with a resubmission, our own
/// temporary files and the `skip` folders. Unreadable entries are reported, not fatal.
fn walk(dir: &Path, skip: &[&Path], out: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push(format!("无法读取文件夹 {}：{e}", dir.display()));
            return;
        }
    };
    for entry in rd {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(format!("无法读取文件夹 {} 中的条目：{e}", dir.display()));
                continue;
            }
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let lower = name.to_lowercase();
        if name.starts_with('.')
            || name.starts_with("~$")
            || lower.ends_with(".caibian-tmp")
            || lower.ends_with(".reason.txt")
            || lower == "thumbs.db"
            || lower == "desktop.ini"
        {
            continue;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(ft) if ft.is_dir() => {
                if !skip.iter().any(|s| *s == path) {
                    walk(&path, skip, out, errors);
                }
            }
            Ok(ft) if ft.is_file() => out.push(path),
            Ok(_) => {}
            Err(e) => errors.push(format!("无法读取 {}：{e}", path.display())),
        }
    }
}
