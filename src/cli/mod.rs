//! The command line. One file per subcommand; this file holds the argument types, the
//! project lookup and the exit-code policy (0 ok, 1 failure, 2 usage).

pub(crate) mod adopt;
mod adoptions;
mod assign;
mod bench;
mod bench_web;
mod build;
mod check;
mod extract;
mod inbox;
mod init;
mod instruct;
pub(crate) mod issue;
mod items;
pub(crate) mod points;
mod pool;
pub(crate) mod preview;
mod publish;
pub(crate) mod rank;
mod reextract;
mod reindex;
mod release;
mod rules;
mod run;
mod runs;
mod schedule;
mod schema;
mod score;
mod search;
mod serve;
mod sources;
mod status;
mod user;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::project::Project;

pub(crate) const HELP_TEMPLATE: &str =
    "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

#[derive(Parser, Debug)]
#[command(
    name = "caibian",
    version,
    help_template = HELP_TEMPLATE,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    subcommand_help_heading = "命令",
    subcommand_value_name = "命令",
    next_help_heading = "通用选项",
    about = "采编：人大常委会办公室的信息报送与宣传工作平台",
    long_about = "采编（caibian）收集各单位报送的稿件和媒体新闻，入库、去重、评分、编刊，并生成宣传网站。\n\
                  在项目目录（含 caibian.toml）中运行，或用 -C 指定项目目录。"
)]
pub struct Cli {
    /// 显示帮助
    #[arg(short = 'h', long = "help", global = true, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// 显示版本
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
    /// 项目目录（默认：当前目录或其上级中含 caibian.toml 的目录）
    #[arg(short = 'C', long = "project", global = true, value_name = "目录")]
    project: Option<PathBuf>,
    /// 输出更多日志（-vv 更详细）
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// 只输出警告和错误
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// 新建一个项目（配置、流水线、空收件箱、网站主题）
    Init(init::Args),
    /// 立即运行流水线（默认全部已启用的流水线），并打印运行结果
    Run(run::Args),
    /// 常驻运行：按各流水线的定时计划自动运行，并提供编辑工作台（网页）
    Serve(serve::Args),
    /// 列出流水线的运行记录
    Runs(runs::Args),
    /// 计算定时表达式接下来的运行时间，用于在启用前核对计划
    Schedule(schedule::Args),
    /// 列出已入库的稿件
    Items(items::Args),
    /// 列出被隔离的文件及原因
    Quarantine(items::QuarantineArgs),
    /// 全文搜索稿件和新闻（支持短语、排除、OR 和字段筛选）
    Search(search::Args),
    /// 从数据库重建搜索索引
    Reindex(reindex::Args),
    /// 查看一个网页或订阅源能抽取出什么（标题、时间、来源、作者、正文），用于调试抽取规则
    Extract(extract::Args),
    /// 列出各来源的健康状况（上次成功、新增数量、连续失败或空结果），标出异常来源
    Sources(sources::Args),
    /// 用来源当前的抽取规则重新处理已采集的网页（网站改版、规则修正后使用）
    Reextract(reextract::Args),
    /// 修改稿件状态（记入审计日志）
    Status(status::Args),
    /// 记录稿件被采用（刊物/媒体、级别、全文/综合/摘要、日期、期号），并标为已采用
    Adopt(adopt::Args),
    /// 记录领导对稿件的批示（级别、领导、日期、内容）
    Instruct(instruct::Args),
    /// 列出采用和批示记录
    Adoptions(adoptions::Args),
    /// 约稿（报送任务）：登记、交稿、列表；按时、逾期、未交按考核规则计分
    Assign(assign::Args),
    /// 考核计分规则：列出预设和规则文件，或从预设生成 rules/年份.toml
    Rules(rules::Args),
    /// 各单位（或作者）的考核积分，--explain 逐条列出来源和规则
    Points(points::Args),
    /// 积分排名（年、季度、月或任意时间段），可另存 CSV
    Rank(rank::Args),
    /// 收件箱：新收和审核中的稿件按编辑价值排序（--explain 显示理由）
    Inbox(inbox::Args),
    /// 一篇稿件的编辑价值（0–100）及其构成
    Score(score::Args),
    /// 编刊：新建一期、编入/综合/撤下/调整稿件、看目录和页码、出版、修订、印刷版 PDF 和 Word
    Issue(issue::Args),
    /// 稿库：已采用、尚未编入某刊物任何一期的稿件，按编辑价值排序
    Pool(pool::Args),
    /// 决定哪些稿件出现在网站上：发布（网址永不改变）、首页推荐、标为内部或撤下
    Release(release::Args),
    /// 生成网站并原子发布（只重新生成有变化的页面；--force 全部重建）
    Build(build::Args),
    /// 网站版本：列出保留的构建，--rollback 回退到上一版
    Publish(publish::Args),
    /// 在本机预览已发布的网站
    Preview(preview::Args),
    /// 性能基准：caibian bench site --items N 或 --from 目录；caibian bench web --items N
    Bench(bench::Args),
    /// 编辑工作台的账号：新建（含第一个管理员）、列出、重设密码、停用、启用
    User(user::Args),
    /// 检查配置和流水线文件，列出各流水线的下次运行时间
    Check(check::Args),
    /// 生成 schemas/ 中的 JSON Schema（--check 只检查是否过期）
    Schema(schema::Args),
}

/// Parses arguments, runs the command, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // Help and version: stdout, exit 0.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            use clap::error::ErrorKind as K;
            let what = match e.kind() {
                K::InvalidSubcommand => "未知的命令",
                K::UnknownArgument => "未知的选项",
                K::MissingRequiredArgument => "缺少必需的参数",
                K::InvalidValue | K::ValueValidation => "取值无效",
                K::MissingSubcommand | K::DisplayHelpOnMissingArgumentOrSubcommand => "缺少命令",
                K::TooManyValues | K::TooFewValues | K::WrongNumberOfValues => "参数个数不对",
                K::ArgumentConflict => "选项互相冲突",
                K::NoEquals => "选项需要用 = 给出取值",
                _ => "用法错误",
            };
            // clap's own text follows: it names the exact argument.
            eprintln!("用法错误：{what}（用 caibian --help 或 caibian 命令 --help 查看用法）\n");
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    init_logging(cli.verbose, cli.quiet);
    let g = Global {
        project: cli.project,
    };
    let res = match cli.command {
        Command::Init(a) => init::exec(a),
        Command::Run(a) => run::exec(&g, a),
        Command::Serve(a) => serve::exec(&g, a),
        Command::Runs(a) => runs::exec(&g, a),
        Command::Schedule(a) => schedule::exec(&g, a),
        Command::Items(a) => items::exec(&g, a),
        Command::Quarantine(a) => items::exec_quarantine(&g, a),
        Command::Search(a) => search::exec(&g, a),
        Command::Reindex(a) => reindex::exec(&g, a),
        Command::Extract(a) => extract::exec(&g, a),
        Command::Sources(a) => sources::exec(&g, a),
        Command::Reextract(a) => reextract::exec(&g, a),
        Command::Status(a) => status::exec(&g, a),
        Command::Adopt(a) => adopt::exec(&g, a),
        Command::Instruct(a) => instruct::exec(&g, a),
        Command::Adoptions(a) => adoptions::exec(&g, a),
        Command::Assign(a) => assign::exec(&g, a),
        Command::Rules(a) => rules::exec(&g, a),
        Command::Points(a) => points::exec(&g, a),
        Command::Rank(a) => rank::exec(&g, a),
        Command::Inbox(a) => inbox::exec(&g, a),
        Command::User(a) => user::exec(&g, a),
        Command::Score(a) => score::exec(&g, a),
        Command::Issue(a) => issue::exec(&g, a),
        Command::Pool(a) => pool::exec(&g, a),
        Command::Release(a) => release::exec(&g, a),
        Command::Build(a) => build::exec(&g, a),
        Command::Publish(a) => publish::exec(&g, a),
        Command::Preview(a) => preview::exec(&g, a),
        Command::Bench(a) => bench::exec(&g, a),
        Command::Check(a) => check::exec(&g, a),
        Command::Schema(a) => schema::exec(&g, a),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => tracing::Level::WARN,
        (false, 0) => tracing::Level::WARN,
        (false, 1) => tracing::Level::INFO,
        _ => tracing::Level::DEBUG,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

/// Options shared by all subcommands.
pub(crate) struct Global {
    project: Option<PathBuf>,
}

impl Global {
    pub(crate) fn project(&self) -> anyhow::Result<Project> {
        let start = match &self.project {
            Some(p) => p.clone(),
            None => std::env::current_dir()?,
        };
        Ok(Project::discover(&start)?)
    }
}

/// Formats a stored UTC timestamp in the project's zone.
pub(crate) fn local_time(ts: &str, tz: chrono_tz::Tz) -> String {
    chrono::DateTime::parse_from_rfc3339(ts)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| ts.to_string())
}

/// Pads `s` to `width` terminal columns (CJK characters count as two).
pub(crate) fn pad(s: &str, width: usize) -> String {
    let w = display_width(s);
    if w >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - w))
    }
}

pub(crate) fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let u = c as u32;
            // East Asian wide and full-width ranges; good enough for Chinese text.
            if (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u)
            {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Cuts `s` to at most `width` columns, marking the cut with "…".
pub(crate) fn truncate(s: &str, width: usize) -> String {
    if display_width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = display_width(c.encode_utf8(&mut [0; 4]));
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

pub fn status_label(s: &str) -> &str {
    match s {
        "ok" => "成功",
        "partial" => "部分失败",
        "failed" => "失败",
        "interrupted" => "中断",
        "running" => "运行中",
        other => other,
    }
}

pub(crate) fn trigger_label(s: &str) -> &str {
    match s {
        "manual" => "手动",
        "schedule" => "定时",
        "catch-up" => "补跑",
        other => other,
    }
}

/// Stops `cancel` on SIGINT/SIGTERM, from a small background thread, so long CLI commands
/// finish the current item and record an interrupted run instead of dying mid-way.
pub(crate) fn cancel_on_signal(cancel: crate::collect::Cancel) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            wait_for_signal().await;
            eprintln!("收到停止信号：处理完当前文件后停止……（再按一次 Ctrl+C 立即退出）");
            cancel.cancel();
            wait_for_signal().await;
            eprintln!("立即退出。");
            std::process::exit(130);
        });
    });
}

pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
