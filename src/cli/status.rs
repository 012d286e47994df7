use std::process::ExitCode;

use super::Global;
use crate::store::Status;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 稿件编号（见 caibian items）
    #[arg(value_name = "编号")]
    id: String,
    /// 新状态：new/新收、reviewing/审核中、adopted/已采用、returned/已退稿、archived/已归档
    #[arg(value_name = "状态")]
    status: String,
    /// 说明；退稿时必须写明理由
    #[arg(long, value_name = "说明")]
    note: Option<String>,
    /// 操作人（记入审计日志；默认取系统用户名）
    #[arg(long, value_name = "姓名")]
    by: Option<String>,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let to: Status = a.status.parse().map_err(anyhow::Error::msg)?;
    let project = g.project()?;
    let mut store = project.open_store()?;
    let actor =
        a.by.or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "cli".into());
    store.set_status(&a.id, to, &actor, a.note.as_deref())?;
    println!("稿件 {} 状态已改为「{}」", a.id, to.label());
    Ok(ExitCode::SUCCESS)
}
