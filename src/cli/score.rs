//! `caibian score ID [--explain]`: an item's editorial value (0–100) and why.

use std::process::ExitCode;

use super::Global;
use crate::score::value::{self, Value};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 稿件编号
    #[arg(value_name = "编号")]
    id: String,
    /// 列出各部分得分和理由
    #[arg(long)]
    explain: bool,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let store = project.open_store()?;
    let today = chrono::Utc::now().with_timezone(&project.tz()).date_naive();
    let Some(v) = value::score(&store, &project.config.value, &a.id, today)? else {
        anyhow::bail!("没有编号为「{}」的稿件（见 caibian items）", a.id);
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}  {} 分  {}", v.item_id, v.total, v.title);
    if a.explain {
        print_parts(&v);
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn print_parts(v: &Value) {
    for p in &v.parts {
        if p.weight > 0.0 {
            println!(
                "  {}  {:>5.1} / {:<4.0} {}",
                p.name, p.points, p.weight, p.why
            );
        } else {
            println!("  {}  {}", p.name, p.why);
        }
    }
}
