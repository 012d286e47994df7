use std::process::ExitCode;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::watch;

use super::Global;
use crate::collect::Cancel;
use crate::schedule;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 编辑工作台的监听地址（默认只对本机开放；内网使用时写本机的内网地址或 0.0.0.0）
    #[arg(long, default_value = "127.0.0.1", value_name = "地址")]
    bind: std::net::IpAddr,
    /// 编辑工作台的端口（0 表示任选一个空闲端口）
    #[arg(long, default_value_t = 8800, value_name = "端口")]
    port: u16,
    /// 登录 Cookie 加 Secure 标记（经 HTTPS 反向代理访问时使用；代理送来
    /// X-Forwarded-Proto: https 时也会自动加上）
    #[arg(long)]
    secure_cookie: bool,
    /// 不提供编辑工作台，只运行定时任务
    #[arg(long, conflicts_with = "no_schedule")]
    no_web: bool,
    /// 不运行定时任务，只提供编辑工作台（另有进程负责定时任务时使用）
    #[arg(long)]
    no_schedule: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    // Only one scheduler per project; a web-only instance may run beside it.
    let _lock = if a.no_schedule {
        None
    } else {
        Some(schedule::serve_lock(&project.data_dir())?)
    };
    // Create/upgrade the database once before any job starts.
    let users = project.open_store()?.user_count()?;
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
    if !a.no_web && users == 0 {
        eprintln!(
            "  提示：还没有编辑工作台账号，先用 caibian user add 用户名 --role admin 创建管理员"
        );
    }
    eprintln!("按 Ctrl+C 停止。");

    let project = Arc::new(project);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        {
            let cancel = Cancel::new();
            let (tx, rx) = watch::channel(false);
            let sched = if a.no_schedule {
                None
            } else {
                Some(tokio::spawn(schedule::run_scheduler(
                    project.clone(),
                    cancel.clone(),
                    rx.clone(),
                )))
            };
            let web = if a.no_web {
                None
            } else {
                let app = crate::web::App::new(project, cancel.clone(), a.secure_cookie);
                let addr = std::net::SocketAddr::new(a.bind, a.port);
                let mut stop = rx;
                // Started before waiting: a port already in use fails `serve` at once.
                let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                    anyhow::anyhow!("无法监听 {addr}：{e}（端口被占用？用 --port 换一个）")
                })?;
                Some(tokio::spawn(crate::web::serve(app, listener, async move {
                    let _ = stop.wait_for(|s| *s).await;
                })))
            };
            super::wait_for_signal().await;
            eprintln!("收到停止信号：等待正在运行的任务处理完当前文件……");
            cancel.cancel();
            let _ = tx.send(true);
            let all = async {
                if let Some(s) = sched {
                    let _ = s.await;
                }
                if let Some(w) = web {
                    match w.await {
                        Ok(Err(e)) => eprintln!("编辑工作台出错：{e:#}"),
                        Err(e) => eprintln!("编辑工作台异常结束：{e}"),
                        Ok(Ok(())) => {}
                    }
                }
            };
            tokio::select! {
                _ = all => {}
                _ = super::wait_for_signal() => {
                    eprintln!("再次收到停止信号，立即退出。");
                    std::process::exit(130);
                }
            }
        }
        anyhow::Ok(())
    })?;
    eprintln!("caibian serve 已停止。");
    Ok(ExitCode::SUCCESS)
}
