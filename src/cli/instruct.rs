//! `caibian instruct ITEM …`: records a leader's instruction (批示) on an item.

use std::process::ExitCode;

use super::Global;
use super::adopt::{actor, day};
use crate::store::Level;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 稿件编号（见 caibian items）
    #[arg(value_name = "编号")]
    id: String,
    /// 批示领导的级别：县、市、省、国家
    #[arg(long, value_name = "级别")]
    level: String,
    /// 批示领导（姓名或职务）
    #[arg(long, value_name = "领导")]
    leader: Option<String>,
    /// 批示日期（默认今天）
    #[arg(long, value_name = "日期")]
    date: Option<String>,
    /// 批示内容或说明
    #[arg(long, value_name = "内容")]
    note: Option<String>,
    /// 操作人（记入审计日志；默认取系统用户名）
    #[arg(long = "actor", value_name = "姓名")]
    actor: Option<String>,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let level: Level = a.level.parse().map_err(anyhow::Error::msg)?;
    let project = g.project()?;
    let given_on = day(a.date.as_deref(), project.tz())?;
    let mut store = project.open_store()?;
    let id = store.record_instruction(
        &a.id,
        level,
        a.leader.as_deref(),
        &given_on,
        a.note.as_deref(),
        &actor(a.actor),
    )?;
    println!("已记录批示 #{id}：稿件 {}，{level}级领导，{given_on}", a.id);
    Ok(ExitCode::SUCCESS)
}
