//! `caibian points [UNIT] [--year Y] [--explain]`: each unit's (or writer's) points for a
//! year, every total the sum of ledger lines naming the record and rule behind them.

use std::process::ExitCode;

use super::{Global, pad, truncate};
use crate::score::{self, Line, Period};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 单位（或用 --writer 时的作者）；不写则列出全部
    #[arg(value_name = "单位")]
    who: Option<String>,
    /// 年份（默认今年）
    #[arg(long, value_name = "年份")]
    year: Option<i32>,
    /// 按作者而不是单位
    #[arg(long)]
    writer: bool,
    /// 逐条列出得分来源（采用、批示、基础分）和所用规则
    #[arg(long)]
    explain: bool,
    /// 按此日期结算逾期约稿、任务数和季度基础分（默认今天），用于重出某一天的结果
    #[arg(long, value_name = "日期")]
    as_of: Option<String>,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let year = a.year.unwrap_or_else(|| {
        chrono::Datelike::year(&chrono::Utc::now().with_timezone(&project.tz()))
    });
    let period = Period::parse(&year.to_string()).map_err(anyhow::Error::msg)?;
    let lines = ledger_lines(&project, &period, a.writer, a.as_of.as_deref())?;
    let who = a.who.as_deref().map(|w| {
        if a.writer {
            w.to_string()
        } else {
            project
                .registry
                .resolve(w)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| w.to_string())
        }
    });
    let name_of = |l: &Line| {
        if a.writer {
            l.writer.clone().unwrap_or_default()
        } else {
            l.unit.clone()
        }
    };
    let lines: Vec<Line> = lines
        .into_iter()
        .filter(|l| who.as_deref().is_none_or(|w| name_of(l) == w))
        .collect();
    let ranking = score::rank(&lines, &period, a.writer);
    if a.json {
        let v = serde_json::json!({ "year": year, "totals": ranking, "lines": lines });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    if ranking.is_empty() {
        println!(
            "{year} 年没有得分记录{}。",
            who.map(|w| format!("（{w}）")).unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for r in &ranking {
        println!(
            "{}  {} 分（采用 {} 次，批示 {} 次）",
            r.name,
            score::ledger::fmt(r.points),
            r.adoptions,
            r.instructions
        );
        if a.explain {
            for l in lines.iter().filter(|l| name_of(l) == r.name) {
                println!(
                    "  {} {}  {}{}\n      {}",
                    l.date,
                    pad(
                        &format!(
                            "{}{}",
                            if l.points >= 0.0 { "+" } else { "" },
                            score::ledger::fmt(l.points)
                        ),
                        8
                    ),
                    l.what,
                    l.title
                        .as_deref()
                        .map(|t| format!("《{}》", truncate(t, 30)))
                        .unwrap_or_default(),
                    l.rule
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Ledger lines of every year the period touches (each year by its own rule table), settled
/// as of `as_of` (default today): missed assignments, quotas and base points up to that day.
pub(crate) fn ledger_lines(
    project: &crate::project::Project,
    period: &Period,
    writers: bool,
    as_of: Option<&str>,
) -> anyhow::Result<Vec<Line>> {
    let store = project.open_store()?;
    let units: Vec<String> = project
        .config
        .reporting_units()
        .map(|u| u.name.clone())
        .collect();
    let today = super::adopt::day(as_of, project.tz())?;
    let mut out = Vec::new();
    for year in period.years() {
        let mut table = crate::score::rules::load(&project.root, year)?;
        if let Some(q) = &mut table.quota {
            // Quota overrides may name a unit by alias; the ledger speaks canonical names.
            let mut named = std::collections::BTreeMap::new();
            for (name, n) in std::mem::take(&mut q.units) {
                let Some(u) = project.registry.resolve(&name) else {
                    return Err(crate::diag::FileError::new(
                        &crate::score::rules::path_for(&project.root, year),
                        format!("未登记的单位「{name}」（见 caibian.toml 的 [[units]]）"),
                    )
                    .with_key(format!("quota.units.{name}"))
                    .into());
                };
                named.insert(u.name.clone(), n);
            }
            q.units = named;
        }
        let ledger = crate::score::ledger::compute(&store, &table, &units, &today)?;
        out.extend(if writers {
            ledger.writers
        } else {
            ledger.units
        });
    }
    // By date, so --explain and the report's detail read as a chronicle; stable, so lines of
    // one record keep their order.
    out.sort_by(|a, b| a.date.cmp(&b.date));
    Ok(out)
}
