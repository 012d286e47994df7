use std::process::ExitCode;

use super::{Global, local_time, pad, status_label, trigger_label};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 只列出这条流水线的运行
    #[arg(long, short = 'p', value_name = "流水线")]
    pipeline: Option<String>,
    /// 最多列出多少条（最新的在前）
    #[arg(short = 'n', long, default_value_t = 20)]
    limit: usize,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let store = project.open_store()?;
    let runs = store.runs(a.pipeline.as_deref(), a.limit)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(ExitCode::SUCCESS);
    }
    if runs.is_empty() {
        println!("还没有运行记录。用 caibian run 运行流水线。");
        return Ok(ExitCode::SUCCESS);
    }
    let tz = project.tz();
    println!(
        "{}{}{}{}{}新增 重复 隔离 失败   跳过",
        pad("编号", 6),
        pad("流水线", 14),
        pad("方式", 6),
        pad("开始时间", 21),
        pad("状态", 10)
    );
    for r in &runs {
        let c = &r.counts;
        println!(
            "{}{}{}{}{}{:>4} {:>4} {:>4} {:>4} {:>6}",
            pad(&format!("#{}", r.id), 6),
            pad(&r.pipeline, 14),
            pad(trigger_label(&r.trigger), 6),
            pad(&local_time(&r.started_at, tz), 21),
            pad(status_label(&r.status), 10),
            c.new,
            c.duplicate,
            c.quarantined,
            c.failed,
            c.skipped
        );
        for e in &r.errors {
            println!("      ! {e}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
