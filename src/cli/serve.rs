use std::process::ExitCode;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::watch;

use super::Global;
use crate::collect::Cancel;
use crate::schedule;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {}

pub fn exec(g: &Global, _a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let _lock = schedule::serve_lock(&project.data_dir())?;
    // Create/upgrade the database once before any job starts.
    drop(project.open_store()?);
    let tz = project.tz();
    let now = Utc::now().with_timezone(&tz);
    eprintln!(
        "caibian serve：项目 {}，时区 {}",
        project.root.display(),
        tz.name()
    );
    for p in &project.pipelines {
        match (&p.def.schedule, p.def.enabled) {
            (Some(cron), true) => {
                let next = cron
                    .next_after(&now)
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "不会再触发".into());
                eprintln!(
                    "  流水线 {}（{}）：「{cron}」，下次 {next}",
                    p.name,
                    p.title()
                );
            }
            _ => eprintln!(
                "  流水线 {}：不定时（可用 caibian run {} 手动运行）",
                p.name, p.name
            ),
        }
    }
    eprintln!("按 Ctrl+C 停止。");

    let project = Arc::new(project);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let cancel = Cancel::new();
        let (tx, rx) = watch::channel(false);
        let sched = tokio::spawn(schedule::run_scheduler(project, cancel.clone(), rx));
        super::wait_for_signal().await;
        eprintln!("收到停止信号：等待正在运行的任务处理完当前文件……");
        cancel.cancel();
        let _ = tx.send(true);
        tokio::select! {
            _ = sched => {}
            _ = super::wait_for_signal() => {
                eprintln!("再次收到停止信号，立即退出。");
                std::process::exit(130);
            }
        }
    });
    eprintln!("caibian serve 已停止。");
    Ok(ExitCode::SUCCESS)
}
