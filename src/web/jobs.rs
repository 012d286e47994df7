//! Jobs: the pipelines with their schedules, recent runs with their logs, source health, and
//! "run now" (in the background, under the same per-pipeline lock as scheduled runs).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;
use minijinja::context;

use super::auth::Editor;
use super::render::ser;
use super::{App, WebError, WebResult, render};
use crate::collect::Silent;
use crate::pipeline::{self, Trigger};

pub async fn page(State(app): State<Arc<App>>, Editor(auth): Editor) -> WebResult<Response> {
    let (runs, health) = app
        .run(|_, s| Ok((s.runs(None, 40)?, s.source_health()?)))
        .await?;
    let tz = app.project.tz();
    let now = Utc::now().with_timezone(&tz);
    let running = app.running.lock().map(|r| r.clone()).unwrap_or_default();
    let pipelines: Vec<_> = app
        .project
        .pipelines
        .iter()
        .map(|p| {
            let next = match (&p.def.schedule, p.def.enabled) {
                (Some(c), true) => c
                    .next_after(&now)
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
                _ => None,
            };
            context! {
                name => &p.name, title => p.title(), enabled => p.def.enabled,
                schedule => p.def.schedule.as_ref().map(|c| c.to_string()),
                next => next, running => running.contains(&p.name),
                sources => p.def.sources.len(),
            }
        })
        .collect();
    let health: Vec<_> = health
        .iter()
        .map(|h| {
            context! {
                h => ser(h),
                bad => h.consecutive_failures > 0 || h.consecutive_empty >= 3,
            }
        })
        .collect();
    render::page(
        &auth,
        "jobs.html",
        "jobs",
        context! { pipelines => pipelines, runs => ser(runs), health => health },
    )
}

pub async fn run_now(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path(name): Path<String>,
) -> WebResult<Response> {
    let idx = app
        .project
        .pipelines
        .iter()
        .position(|p| p.name == name)
        .ok_or_else(|| WebError::BadRequest(format!("没有名为「{name}」的流水线")))?;
    {
        let mut r = app
            .running
            .lock()
            .map_err(|_| WebError::Other("内部错误".into()))?;
        if r.contains(&name) {
            return Ok(render::done("/jobs", &format!("流水线「{name}」正在运行")));
        }
        r.push(name.clone());
    }
    /// Takes the name off the running list however the job ends (an error, a panic).
    struct Running(Arc<App>, String);
    impl Drop for Running {
        fn drop(&mut self) {
            if let Ok(mut r) = self.0.running.lock() {
                r.retain(|x| *x != self.1);
            }
        }
    }
    let running = Running(app.clone(), name.clone());
    let who = auth.user.name.clone();
    let n = name.clone();
    app.run(move |_, s| Ok(s.log_activity(&who, "job-run", Some(&n), None)?))
        .await?;
    let job = app.clone();
    let n = name.clone();
    tokio::task::spawn_blocking(move || {
        let _running = running;
        let res = job
            .project
            .open_store()
            .map_err(|e| e.to_string())
            .and_then(|mut s| {
                pipeline::run(
                    &job.project,
                    &mut s,
                    &job.project.pipelines[idx],
                    Trigger::Manual,
                    None,
                    &job.cancel,
                    &Silent,
                )
                .map_err(|e| e.to_string())
            });
        if let Err(e) = res {
            tracing::warn!("流水线「{n}」没有运行：{e}");
        }
    });
    Ok(render::done(
        "/jobs",
        &format!("流水线「{name}」已开始运行：刷新本页查看结果"),
    ))
}

pub async fn run_page(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let (run, quarantined) = app
        .run(move |_, s| {
            let run = s.run_record(id)?.ok_or(WebError::NotFound)?;
            Ok((run, s.quarantined_in_run(id)?))
        })
        .await?;
    render::page(
        &auth,
        "run.html",
        "jobs",
        context! { run => ser(run), quarantined => ser(quarantined) },
    )
}
