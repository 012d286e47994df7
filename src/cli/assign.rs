//! `caibian assign new|deliver|list`: assignments (约稿 / 报送任务) — the office asks a unit
//! for a piece by a date; delivering it on time, late or not at all earns or costs points
//! by the year's rule table (`[[assignment]]`).

use std::process::ExitCode;

use super::adopt::{actor, day};
use super::{Global, pad, truncate};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// 向一个单位约稿：题目、截止日期，可标为重要
    New(NewArgs),
    /// 记录约稿已交：约稿编号和所交稿件
    Deliver(DeliverArgs),
    /// 列出约稿及其状态（待交、按时交稿、逾期交稿、逾期未交）
    List(ListArgs),
}

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
struct NewArgs {
    /// 约稿单位（名称或简称）
    #[arg(long, value_name = "单位")]
    unit: String,
    /// 约稿题目或要求
    #[arg(long, value_name = "题目")]
    title: String,
    /// 截止日期
    #[arg(long, value_name = "日期")]
    due: String,
    /// 重要信息 / 紧急报送（考核规则可单独计分）
    #[arg(long)]
    important: bool,
    /// 说明
    #[arg(long, value_name = "说明")]
    note: Option<String>,
    /// 操作人（默认取系统用户名）
    #[arg(long = "actor", value_name = "姓名")]
    actor: Option<String>,
}

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
struct DeliverArgs {
    /// 约稿编号（见 caibian assign list）
    #[arg(value_name = "约稿编号")]
    id: i64,
    /// 所交稿件的编号
    #[arg(value_name = "稿件编号")]
    item: String,
    /// 交稿日期（默认取稿件的报送日期，没有则取收稿日期）
    #[arg(long, value_name = "日期")]
    date: Option<String>,
    /// 操作人（默认取系统用户名）
    #[arg(long = "actor", value_name = "姓名")]
    actor: Option<String>,
}

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
struct ListArgs {
    /// 只看这个单位
    #[arg(long, value_name = "单位")]
    unit: Option<String>,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let unit_name = |u: &str| -> anyhow::Result<String> {
        project
            .registry
            .resolve(u)
            .map(|u| u.name.clone())
            .ok_or_else(|| anyhow::anyhow!("未登记的单位「{u}」（见 caibian.toml 的 [[units]]）"))
    };
    match a.action {
        Action::New(n) => {
            let unit = unit_name(&n.unit)?;
            let due = day(Some(&n.due), project.tz())?;
            let mut store = project.open_store()?;
            let id = store.record_assignment(
                &unit,
                &n.title,
                &due,
                n.important,
                n.note.as_deref(),
                &actor(n.actor),
            )?;
            println!(
                "已登记约稿 #{id}：{unit}「{}」，{due} 前交稿{}",
                n.title.trim(),
                if n.important { "（重要）" } else { "" }
            );
        }
        Action::Deliver(d) => {
            let mut store = project.open_store()?;
            let on = match &d.date {
                Some(s) => day(Some(s), project.tz())?,
                None => match store.submitted_on(&d.item)? {
                    Some(s) => s,
                    None => return Err(crate::store::StoreError::NoSuchItem(d.item).into()),
                },
            };
            let done = store.deliver_assignment(d.id, &d.item, &on, &actor(d.actor))?;
            println!(
                "约稿 #{}「{}」已由稿件 {} 于 {on} 交稿：{}",
                done.id,
                done.title,
                d.item,
                done.state(&on)
            );
        }
        Action::List(l) => {
            let unit = l.unit.as_deref().map(unit_name).transpose()?;
            let store = project.open_store()?;
            let rows = store.assignments(unit.as_deref())?;
            let today = day(None, project.tz())?;
            if l.json {
                let v: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        let mut v = serde_json::to_value(r).unwrap_or_default();
                        v["state"] = r.state(&today).into();
                        v
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(ExitCode::SUCCESS);
            }
            if rows.is_empty() {
                println!(
                    "还没有约稿。用 caibian assign new --unit 单位 --title 题目 --due 日期 登记。"
                );
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{}{}{}{}{}题目",
                pad("编号", 6),
                pad("截止", 12),
                pad("状态", 10),
                pad("单位", 24),
                pad("稿件", 14)
            );
            for r in &rows {
                println!(
                    "{}{}{}{}{}{}{}",
                    pad(&format!("#{}", r.id), 6),
                    pad(&r.due_on, 12),
                    pad(r.state(&today), 10),
                    pad(&truncate(&r.unit, 22), 24),
                    pad(r.item_id.as_deref().unwrap_or("—"), 14),
                    if r.important { "【重要】" } else { "" },
                    r.title
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
