//! `caibian adoptions [ITEM]`: the adoption and 批示 records, newest first.

use std::process::ExitCode;

use super::{Global, pad, truncate};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 只看这篇稿件
    #[arg(value_name = "编号")]
    id: Option<String>,
    /// 以 JSON 输出（adoptions 与 instructions 两个列表）
    #[arg(long)]
    json: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let store = project.open_store()?;
    let adoptions = store.adoptions(a.id.as_deref())?;
    let instructions = store.instructions(a.id.as_deref())?;
    if a.json {
        let v = serde_json::json!({ "adoptions": adoptions, "instructions": instructions });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    if adoptions.is_empty() && instructions.is_empty() {
        println!("还没有采用或批示记录。用 caibian adopt / caibian instruct 记录。");
        return Ok(ExitCode::SUCCESS);
    }
    if !adoptions.is_empty() {
        println!(
            "采用记录\n{}{}{}{}{}标题",
            pad("日期", 12),
            pad("稿件", 14),
            pad("刊物/媒体", 22),
            pad("级别·方式", 14),
            pad("计分单位", 24)
        );
        for r in &adoptions {
            let medium = r
                .medium
                .parse::<crate::store::Medium>()
                .map(|m| m.label())
                .unwrap_or(&r.medium);
            println!(
                "{}{}{}{}{}{}",
                pad(&r.adopted_on, 12),
                pad(&r.item_id, 14),
                pad(&truncate(&format!("{}（{medium}）", r.outlet), 20), 22),
                pad(
                    &format!(
                        "{}级·{}{}",
                        r.level,
                        r.how,
                        if r.front_page { "·头条" } else { "" }
                    ),
                    14
                ),
                pad(&truncate(&r.credits.join("、"), 22), 24),
                truncate(&r.title, 40)
            );
        }
    }
    if !instructions.is_empty() {
        println!(
            "\n批示记录\n{}{}{}{}标题",
            pad("日期", 12),
            pad("稿件", 14),
            pad("级别", 8),
            pad("领导", 16)
        );
        for r in &instructions {
            println!(
                "{}{}{}{}{}",
                pad(&r.given_on, 12),
                pad(&r.item_id, 14),
                pad(&r.level, 8),
                pad(r.leader.as_deref().unwrap_or("—"), 16),
                truncate(&r.title, 40)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
