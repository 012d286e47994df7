//! `caibian rank [--period P] [--writer] [--json] [--csv FILE]`: the ranking (通报) of units or
//! writers for a year, quarter, month or date range, with counts by level and method.

use std::process::ExitCode;

use super::{Global, pad};
use crate::score::{self, Period, RankRow};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 时间段：2026、2026-Q4、2026-11，或 2026-03-01..2026-06-30（默认今年）
    #[arg(long, value_name = "时间段")]
    period: Option<String>,
    /// 按作者排名（默认按单位）
    #[arg(long)]
    writer: bool,
    /// 按此日期结算逾期约稿、任务数和季度基础分（默认今天）
    #[arg(long, value_name = "日期")]
    as_of: Option<String>,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
    /// 另存为 CSV 文件（UTF-8，Excel 可直接打开）
    #[arg(long, value_name = "文件")]
    csv: Option<std::path::PathBuf>,
    /// 另存为 Excel 通报（.xlsx：标题、时间段、各级采用篇数、批示、积分、名次，另附积分明细表，可直接打印）
    #[arg(long, value_name = "文件")]
    xlsx: Option<std::path::PathBuf>,
}

use crate::score::report::{HOWS, LEVELS};

/// The ranking as the office's Excel report (rules named, per-line detail on a second sheet).
pub(crate) fn xlsx(
    project: &crate::project::Project,
    period: &Period,
    by_writer: bool,
    rows: &[RankRow],
    lines: &[crate::score::Line],
) -> anyhow::Result<Vec<u8>> {
    let mut names: Vec<String> = Vec::new();
    for y in period.years() {
        let n = score::rules::load(&project.root, y)?.name;
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let today = super::adopt::day(None, project.tz())?;
    let info = score::report::ReportInfo {
        office: &project.config.project.name,
        rules: &names.join("、"),
        period,
        by_writer,
        today: &today,
    };
    Ok(score::report::xlsx(rows, lines, &info)?)
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let period = match &a.period {
        Some(p) => Period::parse(p).map_err(anyhow::Error::msg)?,
        None => Period::parse(
            &chrono::Utc::now()
                .with_timezone(&project.tz())
                .format("%Y")
                .to_string(),
        )
        .map_err(anyhow::Error::msg)?,
    };
    let lines = super::points::ledger_lines(&project, &period, a.writer, a.as_of.as_deref())?;
    let rows = score::rank(&lines, &period, a.writer);
    if let Some(path) = &a.csv {
        write_csv(path, &rows, &period, a.writer)?;
        eprintln!("已写入 {}", path.display());
    }
    if let Some(path) = &a.xlsx {
        let bytes = xlsx(&project, &period, a.writer, &rows, &lines)?;
        crate::fsio::write_replace(path, &bytes)
            .map_err(|e| anyhow::anyhow!("无法写入 {}：{e}", path.display()))?;
        eprintln!("已写入 {}", path.display());
    }
    if a.json {
        let v = serde_json::json!({ "period": period, "by": if a.writer { "writer" } else { "unit" }, "rows": rows });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}信息工作积分排名（{}）",
        if a.writer { "作者" } else { "单位" },
        period.label
    );
    if rows.is_empty() {
        println!("这段时间没有得分记录。");
        return Ok(ExitCode::SUCCESS);
    }
    let name_of = |r: &RankRow| match &r.unit {
        Some(u) => format!("{}（{u}）", r.name),
        None => r.name.clone(),
    };
    let width = rows
        .iter()
        .map(|r| super::display_width(&name_of(r)))
        .max()
        .unwrap_or(0)
        .max(8)
        + 2;
    let mut head = format!(
        "{}{}",
        pad("名次", 6),
        pad(if a.writer { "作者" } else { "单位" }, width)
    );
    for l in LEVELS {
        head.push_str(&pad(&format!("{l}级"), 7));
    }
    head.push_str(&pad("批示", 6));
    head.push_str("积分");
    println!("{head}");
    for r in &rows {
        let mut line = format!("{}{}", pad(&r.rank.to_string(), 6), pad(&name_of(r), width));
        for l in LEVELS {
            line.push_str(&pad(
                &r.by_level.get(l).copied().unwrap_or(0).to_string(),
                7,
            ));
        }
        line.push_str(&pad(&r.instructions.to_string(), 6));
        line.push_str(&score::ledger::fmt(r.points));
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

fn write_csv(
    path: &std::path::Path,
    rows: &[RankRow],
    period: &Period,
    writer: bool,
) -> anyhow::Result<()> {
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from("\u{feff}");
    let mut head = vec!["名次", if writer { "作者" } else { "单位" }];
    if writer {
        head.push("所在单位");
    }
    let level_heads: Vec<String> = LEVELS.iter().map(|l| format!("{l}级采用")).collect();
    let how_heads: Vec<String> = HOWS.iter().map(|h| format!("{h}采用")).collect();
    head.extend(level_heads.iter().map(String::as_str));
    head.extend(how_heads.iter().map(String::as_str));
    head.extend(["批示", "积分", "时间段"]);
    out.push_str(&head.join(","));
    out.push_str("\r\n");
    for r in rows {
        let mut cols = vec![r.rank.to_string(), field(&r.name)];
        if writer {
            cols.push(field(r.unit.as_deref().unwrap_or("")));
        }
        for l in LEVELS {
            cols.push(r.by_level.get(l).copied().unwrap_or(0).to_string());
        }
        for h in HOWS {
            cols.push(r.by_how.get(h).copied().unwrap_or(0).to_string());
        }
        cols.push(r.instructions.to_string());
        cols.push(score::ledger::fmt(r.points));
        cols.push(field(&period.label));
        out.push_str(&cols.join(","));
        out.push_str("\r\n");
    }
    crate::fsio::write_replace(path, out.as_bytes())
        .map_err(|e| anyhow::anyhow!("无法写入 {}：{e}", path.display()))
}
