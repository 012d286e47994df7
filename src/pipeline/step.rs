//! Pipeline steps: the seam through which later stages (index, score, compile, build) join a
//! pipeline. A step reads and writes through [`StepCtx`]; the runner records its counts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Pipeline, SourceDef};
use crate::collect::{Cancel, CollectCtx, FeedSource, InboxSource, Progress, Source, WebSource};
use crate::project::Project;
use crate::store::{Counts, Store, StoreError};

/// The steps a pipeline can list in `steps = [...]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// Collect from every source of the pipeline into the store.
    Collect,
    /// Bring the search index up to date with the store (one commit).
    Index,
    /// Compute the editorial value of every new or in-review item.
    Score,
    /// Build the public site from the released items and publish it (only what changed is
    /// rendered again).
    Site,
}

impl StepKind {
    pub fn step(self) -> &'static dyn Step {
        match self {
            StepKind::Collect => &Collect,
            StepKind::Index => &IndexStep,
            StepKind::Score => &ScoreStep,
            StepKind::Site => &SiteStep,
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
    /// Steps that failed without stopping the run.
    pub step_failures: usize,
    /// One-line reports of steps for the run summary (Chinese).
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Site(#[from] crate::site::SiteError),
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
            let fetch = &ctx.pipeline.def.fetch;
            let built: Result<Box<dyn Source>, String> = match def {
                SourceDef::Web(d) => {
                    WebSource::new(d, fetch).map(|s| Box::new(s) as Box<dyn Source>)
                }
                SourceDef::Feed(d) => {
                    FeedSource::new(d, fetch).map(|s| Box::new(s) as Box<dyn Source>)
                }
                SourceDef::Inbox(d) => {
                    let s = InboxSource::new(d, &ctx.project.root, &data_dir);
                    ctx.places
                        .push(("已处理文件".into(), rel(ctx.project, s.processed_dir())));
                    ctx.places.push((
                        "隔离文件（附原因）".into(),
                        rel(ctx.project, s.quarantine_dir()),
                    ));
                    Ok(Box::new(s))
                }
            };
            let source = match built {
                Ok(s) => s,
                Err(e) => {
                    let msg = format!("来源「{}」配置有误：{e}", def.name());
                    ctx.errors.push(msg.clone());
                    ctx.source_failures += 1;
                    record(ctx, def, false, None, vec![msg]);
                    continue;
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
                    match report.run {
                        // Web and feed sources record their own run (with request counts).
                        Some(run) => {
                            if !run.ok {
                                ctx.source_failures += 1;
                            }
                            ctx.notes.push(format!(
                                "来源「{}」：请求 {} 次（其中未变化 {}），文章链接 {}，新增 {}，重复 {}，按关键词或无正文跳过 {}，失败 {}",
                                run.source,
                                run.requests,
                                run.not_modified,
                                run.links,
                                run.new,
                                run.duplicate,
                                run.filtered,
                                run.failed
                            ));
                        }
                        None => record(ctx, def, true, Some(&report.counts), Vec::new()),
                    }
                }
                Err(crate::collect::SourceError::Store(e)) => return Err(e.into()),
                Err(e) => {
                    tracing::error!("来源「{}」失败：{e}", source.name());
                    let msg = format!("来源「{}」失败：{e}", source.name());
                    ctx.errors.push(msg.clone());
                    ctx.source_failures += 1;
                    record(ctx, def, false, None, vec![msg]);
                }
            }
        }
        Ok(())
    }
}

/// Records a source's part in the run, for `caibian sources`.
fn record(
    ctx: &StepCtx<'_>,
    def: &SourceDef,
    ok: bool,
    counts: Option<&crate::store::Counts>,
    problems: Vec<String>,
) {
    let c = counts.copied().unwrap_or_default();
    let run = crate::store::SourceRun {
        source: def.name(),
        kind: def.kind().to_string(),
        ok,
        // An inbox has no links; count what it saw so an idle inbox is not "empty/broken".
        links: c.new + c.duplicate + c.quarantined + c.failed + c.skipped,
        new: c.new,
        duplicate: c.duplicate,
        failed: c.failed,
        problems,
        ..Default::default()
    };
    if let Err(e) = ctx.store.record_source_run(ctx.run_id, &run) {
        tracing::warn!("无法记录来源运行情况：{e}");
    }
}

/// The `score` step: editorial value of every new or in-review item, saved for listings.
pub struct ScoreStep;

impl Step for ScoreStep {
    fn name(&self) -> &'static str {
        "score"
    }

    fn run(&self, ctx: &mut StepCtx<'_>) -> Result<(), StepError> {
        let today = chrono::Utc::now()
            .with_timezone(&ctx.project.tz())
            .date_naive();
        let settings = &ctx.project.config.value;
        let mut n = 0;
        let mut best: Option<(f64, String)> = None;
        for id in ctx.store.pending_item_ids()? {
            let Some(v) = crate::score::value::score(ctx.store, settings, &id, today)? else {
                continue;
            };
            let parts = serde_json::to_string(&v.parts).unwrap_or_else(|_| "[]".into());
            ctx.store.save_value(&v.item_id, v.total, &parts)?;
            n += 1;
            if best.as_ref().is_none_or(|(b, _)| v.total > *b) {
                best = Some((v.total, v.title.clone()));
            }
        }
        ctx.notes.push(match best {
            Some((t, title)) => format!(
                "已评估 {n} 篇待编稿件的编辑价值，最高 {t:.0} 分：{title}（caibian inbox 查看）"
            ),
            None => "没有待编稿件需要评估".to_string(),
        });
        Ok(())
    }
}

/// The `site` step: builds and publishes the public site, as `caibian build` does.
pub struct SiteStep;

impl Step for SiteStep {
    fn name(&self) -> &'static str {
        "site"
    }

    fn run(&self, ctx: &mut StepCtx<'_>) -> Result<(), StepError> {
        let input = crate::site::content::from_store(ctx.store, ctx.project)?;
        let theme = crate::site::Theme::load(&ctx.project.root.join("site"))?;
        let layout = ctx.project.site_layout();
        let r = crate::site::build(&input, &theme, &layout, false)?;
        ctx.notes.push(format!(
            "网站已发布：{} 篇文章，新生成 {} 个文件，用时 {:.2} 秒",
            r.articles, r.written, r.seconds
        ));
        ctx.places
            .push(("网站".to_string(), layout.output.display().to_string()));
        Ok(())
    }
}

/// The `index` step: applies the store's changes to the search index.
pub struct IndexStep;

impl Step for IndexStep {
    fn name(&self) -> &'static str {
        "index"
    }

    fn run(&self, ctx: &mut StepCtx<'_>) -> Result<(), StepError> {
        // The index is derived from the store: failing to update it is worth reporting, not
        // worth failing the items the run collected (the next search or run catches up).
        let report = match crate::index::SearchIndex::for_project(ctx.project, ctx.store) {
            Ok((_, report)) => report,
            Err(crate::index::IndexError::Store(e)) => return Err(e.into()),
            Err(e) => {
                ctx.errors.push(format!("搜索索引未能更新：{e}"));
                ctx.step_failures += 1;
                return Ok(());
            }
        };
        tracing::info!(
            "搜索索引：更新 {} 篇，删除 {} 篇{}",
            report.indexed,
            report.deleted,
            if report.rebuilt { "（重建）" } else { "" }
        );
        ctx.notes.push(format!(
            "搜索索引已更新：{} 篇{}（试试 caibian search 执法检查）",
            report.indexed,
            if report.rebuilt {
                "，全量重建"
            } else {
                ""
            }
        ));
        ctx.places.push((
            "搜索索引".into(),
            rel(ctx.project, &ctx.project.data_dir().join("index")),
        ));
        Ok(())
    }
}

fn rel(project: &Project, p: &std::path::Path) -> String {
    p.strip_prefix(&project.root)
        .map(|r| r.display().to_string())
        .unwrap_or_else(|_| p.display().to_string())
}
