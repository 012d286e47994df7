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

use super::draft::{Origin, resolve};
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

impl Source for InboxSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn collect(&self, ctx: &mut CollectCtx<'_>) -> Result<SourceReport, SourceError> {
        let mut files = Vec::new();
        walk(&self.root, &mut files).map_err(|source| SourceError::Folder {
            path: self.root.clone(),
            source,
        })?;
        files.sort();
        let mut report = SourceReport::default();
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
        let bytes = fs::read(path)
            .map_err(|e| TakeError::Io(format!("无法读取 {}：{e}", path.display())))?;
        let raw_hash = crate::text::sha256_hex(&bytes);

        // Already taken from this very place? Then either it is done (copy mode: skip),
        // or a previous run stopped between commit and archive: finish the archive.
        let earlier = ctx.store.files_with_hash(&raw_hash)?;
        if let Some(rec) = earlier
            .iter()
            .rev()
            .find(|r| r.source == self.name && r.original_path == rel_str)
        {
            let archived = ctx.project_root.join(&rec.archived_path);
            if !archived.exists() {
                if rec.outcome == "quarantined" {
                    let reason = rec.reason.clone().unwrap_or_default();
                    write_reason(&archived, &rel_str, &reason)
                        .map_err(|e| TakeError::Io(archive_error(&archived, &e)))?;
                }
                self.archive(path, &archived)
                    .map_err(|e| TakeError::Io(archive_error(&archived, &e)))?;
                tracing::info!("完成上次中断的归档：{rel_str} → {}", rec.archived_path);
                return Ok(match rec.outcome.as_str() {
                    "stored" => Taken::New,
                    "duplicate" => Taken::Duplicate,
                    _ => Taken::Quarantined,
                });
            }
            if self.mode == ArchiveMode::Copy {
                return Ok(Taken::Skipped);
            }
            // Move mode and the archive exists: the same file was dropped in again.
        }

        let folder = unit_folder(rel);
        let origin = Origin {
            folder: folder.as_deref(),
            source: &self.name,
        };
        let parsed =
            formats::read(rel, &bytes).and_then(|d| resolve(d, &origin, ctx.config, ctx.registry));
        match parsed {
            Ok(item) => {
                let target = unique_target(&self.processed.join(rel));
                let file = NewFile {
                    source: origin.source.to_string(),
                    raw_hash,
                    original_path: rel_str.clone(),
                    archived_path: project_rel(ctx.project_root, &target),
                };
                let stored = ctx
                    .store
                    .store_item(&item, Some(&file), &self.name, ctx.run_id)?;
                self.archive(path, &target)
                    .map_err(|e| TakeError::Io(archive_error(&target, &e)))?;
                Ok(match stored {
                    Stored::New(id) => {
                        tracing::debug!("新稿件 {id}：{rel_str}");
                        Taken::New
                    }
                    Stored::Duplicate(id) => {
                        tracing::info!("重复稿件：{rel_str} 与已有稿件 {id} 内容相同");
                        Taken::Duplicate
                    }
                })
            }
            Err(reject) => {
                let reason = reject.to_string();
                let target = unique_target(&self.quarantine.join(rel));
                let file = NewFile {
                    source: self.name.clone(),
                    raw_hash,
                    original_path: rel_str.clone(),
                    archived_path: project_rel(ctx.project_root, &target),
                };
                ctx.store.record_quarantine(&file, &reason, ctx.run_id)?;
                write_reason(&target, &rel_str, &reason)
                    .map_err(|e| TakeError::Io(archive_error(&target, &e)))?;
                self.archive(path, &target)
                    .map_err(|e| TakeError::Io(archive_error(&target, &e)))?;
                tracing::info!("已隔离 {rel_str}：{reason}");
                Ok(Taken::Quarantined)
            }
        }
    }

    /// Moves or copies `from` to `to`, atomically at the destination.
    fn archive(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        if let Some(dir) = to.parent() {
            fs::create_dir_all(dir)?;
        }
        if self.mode == ArchiveMode::Move && fs::rename(from, to).is_ok() {
            return Ok(());
        }
        // Copy mode, or a move across file systems: copy to a temporary name, sync, rename.
        let tmp = to.with_extension(format!(
            "{}.caibian-tmp",
            to.extension().and_then(|e| e.to_str()).unwrap_or("")
        ));
        fs::copy(from, &tmp)?;
        fs::File::open(&tmp)?.sync_all()?;
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
fn write_reason(target: &Path, original: &str, reason: &str) -> std::io::Result<()> {
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut name = target.as_os_str().to_owned();
    name.push(".reason.txt");
    let text = format!(
        "文件：{original}\n原因：{reason}\n时间：{}\n处理：请改正后重新报送（放回收件箱即可）。\n",
        chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
    );
    let mut f = fs::File::create(PathBuf::from(name))?;
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

/// `target`, or `name-2.ext`, `name-3.ext`… if it exists.
fn unique_target(target: &Path) -> PathBuf {
    if !target.exists() && !reason_path(target).exists() {
        return target.to_path_buf();
    }
    let stem = target
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = target
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    for n in 2.. {
        let cand = target.with_file_name(format!("{stem}-{n}{ext}"));
        if !cand.exists() && !reason_path(&cand).exists() {
            return cand;
        }
    }
    unreachable!("an unbounded counter always finds a free name")
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
/// litter (Thumbs.db, desktop.ini) and our own temporary files.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Windows and macOS leave these beside people's files; they are nobody's submission.
        let os_litter =
            name.eq_ignore_ascii_case("thumbs.db") || name.eq_ignore_ascii_case("desktop.ini");
        if name.starts_with('.')
            || name.starts_with("~$")
            || name.ends_with(".caibian-tmp")
            || os_litter
        {
            continue;
        }
        let ft = entry.file_type()?;
        if ft.is_dir() {
            walk(&entry.path(), out)?;
        } else if ft.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}
