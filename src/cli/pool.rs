//! `caibian pool 刊物`: the items waiting for the next issue — adopted, in no issue of that
//! publication yet — best editorial value first.

use std::process::ExitCode;

use super::Global;
use super::issue::publication_def;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 刊物名称，如 人大建设
    #[arg(value_name = "刊物")]
    publication: String,
    /// 也列出新收和审核中的稿件
    #[arg(long)]
    all: bool,
    /// 最多列出多少篇
    #[arg(short = 'n', long, value_name = "篇数", default_value_t = 100)]
    limit: usize,
    #[arg(long)]
    json: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let p = publication_def(&project, &a.publication)?;
    let store = project.open_store()?;
    let mut pool = store.pool(&p.name, a.all)?;
    let total = pool.len();
    pool.truncate(a.limit);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&pool)?);
        return Ok(ExitCode::SUCCESS);
    }
    if pool.is_empty() {
        println!(
            "{}的稿库是空的：已采用的稿件都已编入各期{}",
            p.title(),
            if a.all {
                ""
            } else {
                "（--all 连同新收、审核中的稿件一起列出）"
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}待用稿件 {} 篇（按编辑价值排序）", p.title(), total);
    for it in &pool {
        println!(
            "{:>5}  {}  {}  {}  {}  {:>5}字  {}{}",
            it.value
                .map(|v| format!("{v:.0}"))
                .unwrap_or_else(|| "—".into()),
            it.id,
            super::pad(&super::truncate(&it.title, 40), 40),
            super::pad(&super::truncate(it.unit.as_deref().unwrap_or(""), 20), 20),
            super::pad(it.section.as_deref().unwrap_or("—"), 10),
            it.chars,
            it.date,
            if it.status == "adopted" {
                ""
            } else {
                "（未采用）"
            }
        );
    }
    if total > pool.len() {
        println!("……另有 {} 篇（-n 调整篇数）", total - pool.len());
    }
    Ok(ExitCode::SUCCESS)
}
