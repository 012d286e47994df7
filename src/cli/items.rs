use std::process::ExitCode;

use super::{Global, local_time, pad, truncate};
use crate::store::Status;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 只列出此状态的稿件：new/新收、reviewing/审核中、adopted/已采用、returned/已退稿、archived/已归档
    #[arg(long, short = 's', value_name = "状态")]
    status: Option<String>,
    /// 最多列出多少条（最新的在前）
    #[arg(short = 'n', long, default_value_t = 50)]
    limit: usize,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let status = a
        .status
        .as_deref()
        .map(str::parse::<Status>)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let project = g.project()?;
    let store = project.open_store()?;
    let items = store.items(status, a.limit)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(ExitCode::SUCCESS);
    }
    if items.is_empty() {
        println!("没有稿件。");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}{}{}{}标题",
        pad("编号", 14),
        pad("状态", 8),
        pad("单位/来源", 26),
        pad("作者", 16),
    );
    for it in &items {
        let status = it
            .status
            .parse::<Status>()
            .map(|s| s.label())
            .unwrap_or(&it.status);
        let authors: Vec<String> = it
            .authors
            .iter()
            .map(|a| {
                if it.authors.len() > 1 && (a.share - 1.0 / it.authors.len() as f64).abs() > 1e-6 {
                    format!("{}{:.0}%", a.name, a.share * 100.0)
                } else {
                    a.name.clone()
                }
            })
            .collect();
        println!(
            "{}{}{}{}{}",
            pad(&it.id, 14),
            pad(status, 8),
            // News has no reporting unit: show where it was published instead.
            pad(
                &truncate(
                    it.unit.as_deref().or(it.outlet.as_deref()).unwrap_or("—"),
                    24
                ),
                26
            ),
            pad(&truncate(&authors.join("、"), 14), 16),
            truncate(&it.title, 60)
        );
    }
    println!(
        "\n共 {} 篇（显示最新 {} 篇以内）",
        store.item_count()?,
        a.limit
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct QuarantineArgs {
    /// 最多列出多少条（最新的在前）
    #[arg(short = 'n', long, default_value_t = 50)]
    limit: usize,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

pub fn exec_quarantine(g: &Global, a: QuarantineArgs) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let store = project.open_store()?;
    let files = store.quarantined(a.limit)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&files)?);
        return Ok(ExitCode::SUCCESS);
    }
    if files.is_empty() {
        println!("没有被隔离的文件。");
        return Ok(ExitCode::SUCCESS);
    }
    let tz = project.tz();
    for f in &files {
        println!(
            "{}  {}\n    原因：{}\n    现存：{}（同名 .reason.txt 中有说明）",
            local_time(&f.taken_at, tz),
            f.original_path,
            f.reason.as_deref().unwrap_or(""),
            f.archived_path
        );
    }
    Ok(ExitCode::SUCCESS)
}
