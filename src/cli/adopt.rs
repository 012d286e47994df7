//! `caibian adopt ITEM …`: records that an item was adopted (采用) — by which outlet, at which
//! level, how, when — the fact from which assessment points are later derived.

use std::process::ExitCode;

use super::Global;
use crate::store::{How, Level, Medium, NewAdoption};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 稿件编号（见 caibian items）
    #[arg(value_name = "编号")]
    id: String,
    /// 采用的刊物或媒体，例如 《人大信息》、江北日报、中国人大网
    #[arg(long, value_name = "名称")]
    by: String,
    /// 级别：县、市、省、国家
    #[arg(long, value_name = "级别")]
    level: String,
    /// 媒体类型：简报、刊物、报纸、网站、电视、广播
    #[arg(long, value_name = "类型")]
    medium: String,
    /// 采用方式：全文、综合、摘要（默认全文）
    #[arg(long, value_name = "方式", default_value = "全文")]
    how: String,
    /// 采用日期（默认今天），例如 2026-11-20 或 2026年11月20日
    #[arg(long, value_name = "日期")]
    date: Option<String>,
    /// 期号，例如 2026年第6期
    #[arg(long, value_name = "期号")]
    issue: Option<String>,
    /// 头版头条 / 首条
    #[arg(long)]
    front_page: bool,
    /// 计分单位（综合采用时可写多个；默认为稿件的报送单位）
    #[arg(long = "credit", value_name = "单位")]
    credits: Vec<String>,
    /// 依据：网址或说明
    #[arg(long, value_name = "网址或说明")]
    evidence: Option<String>,
    /// 操作人（记入审计日志；默认取系统用户名）
    #[arg(long = "actor", value_name = "姓名")]
    actor: Option<String>,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let level: Level = a.level.parse().map_err(anyhow::Error::msg)?;
    let medium: Medium = a.medium.parse().map_err(anyhow::Error::msg)?;
    let how: How = a.how.parse().map_err(anyhow::Error::msg)?;
    if a.by.trim().is_empty() {
        anyhow::bail!("--by 不能为空：请写明采用的刊物或媒体");
    }
    let project = g.project()?;
    let adopted_on = day(a.date.as_deref(), project.tz())?;
    let mut credits = Vec::new();
    for c in &a.credits {
        match project.registry.resolve(c) {
            Some(u) => credits.push(u.name.clone()),
            None => anyhow::bail!("未登记的单位「{c}」（见 caibian.toml 的 [[units]]）"),
        }
    }
    let mut store = project.open_store()?;
    let rec = NewAdoption {
        item_id: a.id.clone(),
        outlet: a.by.trim().to_string(),
        level,
        medium,
        how,
        adopted_on: adopted_on.clone(),
        issue: a.issue,
        front_page: a.front_page,
        evidence: a.evidence,
        credits,
        uncredited_ok: false,
    };
    let id = store.record_adoption(&rec, &actor(a.actor))?;
    println!(
        "已记录采用 #{id}：稿件 {} 被{}（{}级{}）{}采用，{adopted_on}",
        a.id,
        rec.outlet,
        level,
        medium.label(),
        how.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

/// A YYYY-MM-DD day from what a user typed (today when absent).
pub(crate) fn day(s: Option<&str>, tz: chrono_tz::Tz) -> anyhow::Result<String> {
    let Some(s) = s else {
        return Ok(chrono::Utc::now()
            .with_timezone(&tz)
            .format("%Y-%m-%d")
            .to_string());
    };
    crate::collect::normalize_date(s)
        .and_then(|d| {
            let d = d.get(..10)?.to_string();
            chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .ok()
                .map(|_| d)
        })
        .ok_or_else(|| anyhow::anyhow!("日期「{s}」无法识别（例如 2026-11-20 或 2026年11月20日）"))
}

pub(crate) fn actor(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "cli".into())
}
