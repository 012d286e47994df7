//! Pipelines: `pipelines/*.toml`, each a named job of sources and steps with an optional
//! cron schedule. [`run`] executes one pipeline once and records the run.
//!
//! Invariants: a pipeline never runs twice at once, across processes too (an exclusive lock
//! file per pipeline under `<data>/locks/`); every run has a `pipeline_runs` row, and a row
//! left "running" by a crashed process is closed as interrupted by the next run.

mod step;

use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use step::{Step, StepCtx, StepKind};

use crate::collect::fetch::FetchSettings;
use crate::collect::{Cancel, FeedSourceDef, InboxSourceDef, Progress, WebSourceDef};
use crate::diag::{self, FileError};
use crate::project::Project;
use crate::schedule::CronExpr;
use crate::store::{Counts, Store};

/// A pipeline file, `pipelines/NAME.toml`; NAME is the pipeline's name.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineDef {
    /// Human-readable name, shown in listings.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Standard 5-field crontab expression (minute hour day month weekday) in the project's
    /// time zone, e.g. "*/10 8-18 * * MON-FRI". Absent: the pipeline only runs by hand.
    #[serde(default)]
    pub schedule: Option<CronExpr>,
    /// What `serve` does at start-up about a scheduled run missed while it was down.
    #[serde(default)]
    pub catch_up: CatchUp,
    /// A disabled pipeline is not scheduled (it can still be run by name).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Where items come from.
    #[serde(default)]
    pub sources: Vec<SourceDef>,
    /// What the pipeline does, in order.
    #[serde(default = "default_steps")]
    pub steps: Vec<StepKind>,
    /// Politeness and limits for the pipeline's web and feed sources.
    #[serde(default)]
    pub fetch: FetchSettings,
}

fn yes() -> bool {
    true
}

fn default_steps() -> Vec<StepKind> {
    vec![StepKind::Collect]
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CatchUp {
    /// Run once at start-up if one or more runs were missed.
    #[default]
    Once,
    /// Ignore missed runs.
    Skip,
}

/// A source declaration, `[[sources]]` with a `type`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum SourceDef {
    /// A folder of submitted files.
    #[serde(rename = "inbox")]
    Inbox(InboxSourceDef),
    /// List pages of a website and the articles they link to.
    #[serde(rename = "web")]
    Web(WebSourceDef),
    /// An RSS, Atom or JSON feed.
    #[serde(rename = "feed")]
    Feed(FeedSourceDef),
}

impl SourceDef {
    /// The name the source's items and ledger rows carry.
    pub fn name(&self) -> String {
        match self {
            SourceDef::Inbox(d) => d.name.clone().unwrap_or_else(|| "inbox".into()),
            SourceDef::Web(d) => d.name.clone(),
            SourceDef::Feed(d) => d.name.clone(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            SourceDef::Inbox(_) => "inbox",
            SourceDef::Web(_) => "web",
            SourceDef::Feed(_) => "feed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pipeline {
    pub name: String,
    pub path: PathBuf,
    pub def: PipelineDef,
}

impl Pipeline {
    pub fn parse(path: &Path, text: &str) -> Result<Pipeline, FileError> {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let def: PipelineDef = diag::from_toml(path, text, 1)?;
        let mut seen = std::collections::HashSet::new();
        for (i, s) in def.sources.iter().enumerate() {
            let n = s.name();
            if n.trim().is_empty() {
                return Err(FileError::new(path, "来源名称不能为空".to_string())
                    .with_key(format!("sources[{i}].name")));
            }
            // Bad selectors are configuration errors: report them when the file is read.
            let rules = match s {
                SourceDef::Web(d) => Some(d.rules.compile().and_then(|_| {
                    for (k, v) in [("links", &d.links), ("next", &d.next)] {
                        if let Some(v) = v {
                            scraper::Selector::parse(v)
                                .map_err(|e| format!("{k} 的 CSS 选择器「{v}」无效：{e}"))?;
                        }
                    }
                    Ok(())
                })),
                SourceDef::Feed(d) => Some(d.rules.compile().map(|_| ())),
                SourceDef::Inbox(_) => None,
            };
            if let Some(Err(e)) = rules {
                return Err(FileError::new(path, e).with_key(format!("sources[{i}]")));
            }
            if !seen.insert(n.clone()) {
                return Err(FileError::new(
                    path,
                    format!("来源名称「{n}」重复（同一流水线中每个来源需要不同的 name）"),
                )
                .with_key(format!("sources[{i}].name")));
            }
        }
        Ok(Pipeline {
            name,
            path: path.to_path_buf(),
            def,
        })
    }

    pub fn title(&self) -> &str {
        self.def.title.as_deref().unwrap_or(&self.name)
    }
}

/// A web or feed source found by name across pipelines: its pipeline, extraction rules and
/// default outlet.
pub struct FetchSource<'a> {
    pub pipeline: &'a Pipeline,
    pub rules: &'a crate::collect::extract::Rules,
    pub outlet: Option<&'a str>,
}

/// The web or feed source called `name`; the error is the Chinese message for the user.
pub fn fetch_source<'a>(pipelines: &'a [Pipeline], name: &str) -> Result<FetchSource<'a>, String> {
    pipelines
        .iter()
        .find_map(|pl| {
            pl.def.sources.iter().find_map(|s| {
                let (rules, common) = match s {
                    SourceDef::Web(d) if d.name == name => (&d.rules, &d.common),
                    SourceDef::Feed(d) if d.name == name => (&d.rules, &d.common),
                    _ => return None,
                };
                Some(FetchSource {
                    pipeline: pl,
                    rules,
                    outlet: common.outlet.as_deref(),
                })
            })
        })
        .ok_or_else(|| {
            format!(
                "没有名为「{name}」的网页或订阅源（见 pipelines/*.toml 中 [[sources]] 的 name）"
            )
        })
}

/// Loads `pipelines/*.toml`, sorted by name.
pub fn load_all(root: &Path) -> Result<Vec<Pipeline>, FileError> {
    let dir = root.join("pipelines");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let pipelines = paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .map_err(|e| FileError::new(p, format!("无法读取流水线文件：{e}")))?;
            Pipeline::parse(p, &text)
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Source names key the ingest ledger and the archive folders: they must be unique in
    // the whole project, or two pipelines would share (and race on) the same records.
    let mut owners: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for p in &pipelines {
        for s in &p.def.sources {
            let n = s.name();
            if let Some(other) = owners.insert(n.clone(), &p.name)
                && other != p.name
            {
                return Err(FileError::new(
                    &p.path,
                    format!("来源名称「{n}」已被流水线「{other}」使用；请给来源起不同的 name"),
                )
                .with_key("sources.name"));
            }
        }
    }
    Ok(pipelines)
}

/// Why a pipeline run was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Manual,
    Schedule,
    CatchUp,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch-up",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("流水线「{0}」正在运行（另一个进程持有锁 {1}），本次不重复启动")]
    Busy(String, PathBuf),
    #[error("无法创建锁文件 {0}：{1}")]
    Lock(PathBuf, std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The outcome of one run.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub run_id: i64,
    pub pipeline: String,
    pub status: String,
    pub counts: Counts,
    pub errors: Vec<String>,
    /// Where to look afterwards (archives, quarantine), for the CLI summary.
    pub places: Vec<(String, String)>,
    /// What the steps report (e.g. the index update), for the CLI summary.
    pub notes: Vec<String>,
}

/// Runs `pipeline` once: takes its lock, records the run, executes its steps.
pub fn run(
    project: &Project,
    store: &mut Store,
    pipeline: &Pipeline,
    trigger: Trigger,
    scheduled_for: Option<DateTime<Utc>>,
    cancel: &Cancel,
    progress: &dyn Progress,
) -> Result<RunSummary, RunError> {
    let _lock = lock(&project.data_dir(), &pipeline.name)?;
    let closed = store.close_dead_runs(&pipeline.name)?;
    if closed > 0 {
        tracing::warn!(
            "流水线「{}」有 {closed} 次运行未正常结束，已标记为中断",
            pipeline.name
        );
    }
    let run_id = store.start_run(&pipeline.name, trigger.as_str(), scheduled_for)?;
    let mut ctx = StepCtx {
        project,
        store,
        pipeline,
        run_id,
        cancel,
        progress,
        counts: Counts::default(),
        errors: Vec::new(),
        places: Vec::new(),
        source_failures: 0,
        step_failures: 0,
        notes: Vec::new(),
    };
    let mut fatal = None;
    for kind in &pipeline.def.steps {
        if cancel.is_cancelled() {
            break;
        }
        if let Err(e) = kind.step().run(&mut ctx) {
            fatal = Some(e);
            break;
        }
    }
    let StepCtx {
        counts,
        mut errors,
        places,
        source_failures,
        step_failures,
        notes,
        ..
    } = ctx;
    let status = if let Some(e) = &fatal {
        errors.push(e.to_string());
        "failed"
    } else if cancel.is_cancelled() {
        errors.push("收到停止信号，已在当前文件处理完后停止".to_string());
        "interrupted"
    } else if source_failures > 0 && source_failures == pipeline.def.sources.len() {
        "failed"
    } else if source_failures > 0 || step_failures > 0 || counts.failed > 0 {
        "partial"
    } else {
        "ok"
    };
    store.finish_run(run_id, status, &counts, &errors)?;
    if let Some(step::StepError::Store(e)) = fatal {
        return Err(RunError::Store(e));
    }
    Ok(RunSummary {
        run_id,
        pipeline: pipeline.name.clone(),
        status: status.to_string(),
        counts,
        errors,
        places,
        notes,
    })
}

/// Exclusive, non-blocking lock on `<data>/locks/<name>.lock`, released when dropped (also
/// when the process dies: the OS drops flock locks with the process).
pub fn lock(data_dir: &Path, name: &str) -> Result<File, RunError> {
    let path = data_dir.join("locks").join(format!("{name}.lock"));
    match try_lock_file(&path) {
        Ok(Some(f)) => Ok(f),
        Ok(None) => Err(RunError::Busy(name.to_string(), path)),
        Err(e) => Err(RunError::Lock(path, e)),
    }
}

/// Opens (creating it and its folder) and exclusively locks `path` without waiting.
/// `Ok(None)`: another process holds it.
pub fn try_lock_file(path: &Path) -> std::io::Result<Option<File>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    match f.try_lock() {
        Ok(()) => Ok(Some(f)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}
