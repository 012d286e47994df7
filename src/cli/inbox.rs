//! `caibian inbox`: new and in-review items, most valuable for the next bulletin first, each
//! with the reasons for its score.

use std::process::ExitCode;

use super::{Global, pad, truncate};
use crate::score::value;
use crate::store::Status;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 最多列出多少篇
    #[arg(short = 'n', long, default_value_t = 30)]
    limit: usize,
    /// 列出每篇的得分构成
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
    let mut values = Vec::new();
    for status in [Status::New, Status::Reviewing] {
        for it in store.items(Some(status), 100_000)? {
            if let Some(v) = value::score(&store, &project.config.value, &it.id, today)? {
                values.push((v, it));
            }
        }
    }
    values.sort_by(|x, y| {
        y.0.total
            .total_cmp(&x.0.total)
            .then(x.0.item_id.cmp(&y.0.item_id))
    });
    values.truncate(a.limit);
    if a.json {
        let v: Vec<_> = values.iter().map(|(v, _)| v).collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    if values.is_empty() {
        println!("收件箱是空的：没有新收或审核中的稿件。");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}{}{}标题",
        pad("价值", 7),
        pad("编号", 14),
        pad("单位/来源", 22)
    );
    for (v, it) in &values {
        let who = it.unit.as_deref().or(it.outlet.as_deref()).unwrap_or("—");
        println!(
            "{}{}{}{}",
            pad(&format!("{:.0}", v.total), 7),
            pad(&v.item_id, 14),
            pad(&truncate(who, 20), 22),
            truncate(&v.title, 50)
        );
        if a.explain {
            super::score::print_parts(v);
        }
    }
    Ok(ExitCode::SUCCESS)
}
