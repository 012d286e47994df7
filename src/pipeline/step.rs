//! Pipeline steps: the seam through which later stages (index, score, compile, build) join a
//! pipeline. A step reads and writes through [`StepCtx`]; the runner records its counts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Pipeline, SourceDef};
use crate::collect::{Cancel, CollectCtx, InboxSource, Progress, Source};
use crate::project::Project;
use crate::store::{Counts, Store, StoreError};

/// The steps a pipeline can list in `steps = [...]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// Collect from every source of the pipeline into the store.
    Collect,
}

impl StepKind {
    pub fn step(self) -> &'static dyn Step {
        match self {
            StepKind::Collect => &Collect,
        }
    }
}

pub struct StepCtx<'a> {
    pub project: &'a Project,
    pub store: &'a mut Store,
    pub pipeline: &'a Pipeline,
    pub run_id: i64,
    pub cancel: &'a Cancel,
    pub progress: &'a dyn Progress,
    pub counts: Counts,
    pub errors: Vec<String>,
    /// (label, path) pairs worth showing the user after the run.
    pub places: Vec<(String, String)>,
    /// Sources that could not run at all.
    pub source_failures: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub trait Step: Sync {
    fn name(&self) -> &'static str;
    /// Runs the step. Problems with single items are counted in `ctx`; `Err` stops the run.
    fn run(&self, ctx: &mut StepCtx<'_>) -> Result<(), StepError>;
}

/// The `collect` step: every source in turn. A failing source is recorded and the others
/// still run.
pub struct Collect;

impl Step for Collect {
    fn name(&self) -> &'static str {
        "collect"
    }

    fn run(&self, ctx: &mut StepCtx<'_>) -> Result<(), StepError> {
        let data_dir = ctx.project.data_dir();
        for def in &ctx.pipeline.def.sources {
            if ctx.cancel.is_cancelled() {
                break;
            }
            let source: Box<dyn Source> = match def {
                SourceDef::Inbox(d) => {
                    let s = InboxSource::new(d, &ctx.project.root, &data_dir);
                    ctx.places
                        .push(("已处理文件".into(), rel(ctx.project, s.processed_dir())));
                    ctx.places.push((
                        "隔离文件（附原因）".into(),
                        rel(ctx.project, s.quarantine_dir()),
                    ));
                    Box::new(s)
                }
            };
            let mut cctx = CollectCtx {
                store: ctx.store,
                config: &ctx.project.config,
                registry: &ctx.project.registry,
                project_root: &ctx.project.root,
                data_dir: &data_dir,
                run_id: Some(ctx.run_id),
                cancel: ctx.cancel,
                progress: ctx.progress,
            };
            match source.collect(&mut cctx) {
                Ok(report) => {
                    ctx.counts.add(&report.counts);
                    ctx.errors.extend(report.errors);
                }
                Err(crate::collect::SourceError::Store(e)) => return Err(e.into()),
                Err(e) => {
                    tracing::error!("来源「{}」失败：{e}", source.name());
                    ctx.errors
                        .push(format!("来源「{}」失败：{e}", source.name()));
                    ctx.source_failures += 1;
                }
            }
        }
        Ok(())
    }
}

fn rel(project: &Project, p: &std::path::Path) -> String {
    p.strip_prefix(&project.root)
        .map(|r| r.display().to_string())
        .unwrap_or_else(|_| p.display().to_string())
}
