//! Scheduling: 5-field cron expressions ([`CronExpr`], in `cron.rs`) and the `serve` loop that
//! starts each scheduled pipeline on time.
//!
//! Invariants: one task per scheduled pipeline runs its jobs strictly one after another, so a
//! job never overlaps itself (and the pipeline lock keeps other processes out); a slot that
//! passes while the previous run is still busy is skipped, not queued; a stop signal lets the
//! current item finish and records the run as interrupted.

mod cron;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use tokio::sync::watch;

pub use cron::{CronError, CronExpr};

use crate::collect::{Cancel, Silent};
use crate::pipeline::{self, CatchUp, Trigger};
use crate::project::Project;

impl<'de> Deserialize<'de> for CronExpr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e: CronError| serde::de::Error::custom(e.to_string()))
    }
}

impl Serialize for CronExpr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl schemars::JsonSchema for CronExpr {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CronExpr".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "5-field crontab: minute hour day-of-month month day-of-week, e.g. \"*/10 8-18 * * MON-FRI\"; or @hourly, @daily, @weekly, @monthly, @yearly",
            "examples": ["0 9 * * MON-FRI", "*/10 * * * *", "@daily"]
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "另一个 caibian serve 已在使用数据目录 {0}（锁文件 {1}）；同一数据目录只能运行一个 serve"
    )]
    AlreadyServing(PathBuf, PathBuf),
    #[error("无法创建锁文件 {0}：{1}")]
    Lock(PathBuf, std::io::Error),
}

/// Takes the data directory's serve lock; held for the life of the returned file.
pub fn serve_lock(data_dir: &Path) -> Result<File, ServeError> {
    let path = data_dir.join("serve.lock");
    match pipeline::try_lock_file(&path) {
        Ok(Some(f)) => {
            // Record who holds it, for a human looking at the file.
            let _ = f.set_len(0);
            let _ =
                std::io::Write::write_all(&mut &f, format!("{}\n", std::process::id()).as_bytes());
            Ok(f)
        }
        Ok(None) => Err(ServeError::AlreadyServing(data_dir.to_path_buf(), path)),
        Err(e) => Err(ServeError::Lock(path, e)),
    }
}

/// The most recent slot missed since `last`, if any slot between `last` and `now` passed.
pub fn missed_slot<Tz: chrono::TimeZone>(
    cron: &CronExpr,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    tz: &Tz,
) -> Option<DateTime<Utc>> {
    let last = last?; // never ran: nothing was missed
    let mut slot = cron
        .next_after(&last.with_timezone(tz))?
        .with_timezone(&Utc);
    if slot > now {
        return None;
    }
    // Walk forward to the latest slot not after now (bounded: a year of minutes).
    for _ in 0..600_000 {
        match cron.next_after(&slot.with_timezone(tz)) {
            Some(n) if n.with_timezone(&Utc) <= now => slot = n.with_timezone(&Utc),
            _ => break,
        }
    }
    Some(slot)
}

/// Runs the scheduler until `shutdown` turns true. `cancel` is set together with it so a
/// running job stops after its current item.
pub async fn run_scheduler(project: Arc<Project>, cancel: Cancel, shutdown: watch::Receiver<bool>) {
    let mut tasks = Vec::new();
    for (idx, p) in project.pipelines.iter().enumerate() {
        if !p.def.enabled || p.def.schedule.is_none() {
            continue;
        }
        tasks.push(tokio::spawn(job_loop(
            project.clone(),
            idx,
            cancel.clone(),
            shutdown.clone(),
        )));
    }
    if tasks.is_empty() {
        tracing::warn!("没有启用定时计划的流水线；serve 将空闲等待");
    }
    for t in tasks {
        let _ = t.await;
    }
}

async fn job_loop(
    project: Arc<Project>,
    idx: usize,
    cancel: Cancel,
    mut shutdown: watch::Receiver<bool>,
) {
    let p = &project.pipelines[idx];
    let Some(cron) = p.def.schedule.clone() else {
        return;
    };
    let tz = project.tz();
    if p.def.catch_up == CatchUp::Once {
        let (proj, name) = (project.clone(), p.name.clone());
        let last = tokio::task::spawn_blocking(move || {
            proj.open_store()
                .ok()
                .and_then(|s| s.last_run_time(&name).ok().flatten())
        })
        .await
        .ok()
        .flatten();
        if let Some(slot) = missed_slot(&cron, last, Utc::now(), &tz) {
            tracing::info!(
                "流水线「{}」在 {} 的计划运行被错过，现在补跑一次",
                p.name,
                slot.with_timezone(&tz).format("%Y-%m-%d %H:%M")
            );
            run_job(&project, idx, Trigger::CatchUp, Some(slot), &cancel).await;
        }
    }
    // The last slot served: never serve it again, even if the wall clock steps back.
    let mut served: Option<DateTime<Utc>> = None;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let from = match served {
            Some(s) if s > Utc::now() => s,
            _ => Utc::now(),
        };
        let Some(next) = cron.next_after(&from.with_timezone(&tz)) else {
            tracing::warn!("流水线「{}」的定时表达式「{cron}」不会再触发", p.name);
            return;
        };
        let next = next.with_timezone(&Utc);
        // Sleep in short pieces and re-read the wall clock, so clock changes and suspends
        // do not make us late.
        loop {
            let now = Utc::now();
            if now >= next {
                break;
            }
            let wait = (next - now)
                .to_std()
                .unwrap_or_default()
                .min(Duration::from_secs(15));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
        }
        if *shutdown.borrow() {
            return;
        }
        served = Some(next);
        run_job(&project, idx, Trigger::Schedule, Some(next), &cancel).await;
    }
}

async fn run_job(
    project: &Arc<Project>,
    idx: usize,
    trigger: Trigger,
    slot: Option<DateTime<Utc>>,
    cancel: &Cancel,
) {
    let (proj, cancel) = (project.clone(), cancel.clone());
    let name = project.pipelines[idx].name.clone();
    let res = tokio::task::spawn_blocking(move || {
        let mut store = proj.open_store().map_err(|e| e.to_string())?;
        pipeline::run(
            &proj,
            &mut store,
            &proj.pipelines[idx],
            trigger,
            slot,
            &cancel,
            &Silent,
        )
        .map_err(|e| e.to_string())
    })
    .await;
    match res {
        // Printed, not logged: this is what an operator watching `serve` wants to see.
        Ok(Ok(s)) => eprintln!(
            "{} 流水线「{name}」运行 #{} {}：新增 {}，重复 {}，隔离 {}，失败 {}，跳过 {}",
            Utc::now()
                .with_timezone(&project.tz())
                .format("%Y-%m-%d %H:%M:%S"),
            s.run_id,
            crate::cli::status_label(&s.status),
            s.counts.new,
            s.counts.duplicate,
            s.counts.quarantined,
            s.counts.failed,
            s.counts.skipped
        ),
        Ok(Err(e)) => eprintln!("流水线「{name}」没有运行：{e}"),
        Err(e) => eprintln!("流水线「{name}」运行异常结束：{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn missed_slot_finds_the_latest_missed_run() {
        let tz = chrono_tz::Asia::Shanghai;
        let cron: CronExpr = "0 9 * * *".parse().unwrap();
        let at = |d: u32, h: u32, m: u32| {
            tz.with_ymd_and_hms(2026, 11, d, h, m, 0)
                .unwrap()
                .with_timezone(&Utc)
        };
        // Last run the 25th 09:00, down until the 28th 10:00: the 28th 09:00 is due once.
        assert_eq!(
            missed_slot(&cron, Some(at(25, 9, 0)), at(28, 10, 0), &tz),
            Some(at(28, 9, 0))
        );
        // Nothing missed yet.
        assert_eq!(
            missed_slot(&cron, Some(at(28, 9, 0)), at(28, 10, 0), &tz),
            None
        );
        // Never ran: nothing to catch up.
        assert_eq!(missed_slot(&cron, None, at(28, 10, 0), &tz), None);
    }
}
