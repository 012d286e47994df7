use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use super::Global;
use crate::config::TimeZone as Zone;
use crate::schedule::CronExpr;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 5 段定时表达式（分 时 日 月 周），如 "*/10 8-18 * * MON-FRI"
    #[arg(value_name = "表达式")]
    expr: String,
    /// 从这个时间之后开始计算（"2026-11-28 09:00" 或 RFC 3339；默认现在）
    #[arg(long, value_name = "时间")]
    from: Option<String>,
    /// 列出多少次
    #[arg(short = 'n', long, default_value_t = 5)]
    count: usize,
    /// 时区（默认取项目配置，没有项目则为 Asia/Shanghai）
    #[arg(long, value_name = "时区")]
    tz: Option<String>,
    /// 以 JSON 输出（带时区偏移的 RFC 3339 时间数组）
    #[arg(long)]
    json: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let cron: CronExpr = a.expr.parse()?;
    let zone = match &a.tz {
        Some(z) => z.parse::<Zone>().map_err(anyhow::Error::msg)?.0,
        // Outside a project the default zone applies; a broken project config is an error.
        None => match g.project() {
            Ok(p) => p.tz(),
            Err(e)
                if e.downcast_ref::<crate::project::ProjectError>()
                    .is_some_and(|e| matches!(e, crate::project::ProjectError::NotFound(_))) =>
            {
                Zone::default().0
            }
            Err(e) => return Err(e),
        },
    };
    let from: DateTime<chrono_tz::Tz> = match &a.from {
        None => Utc::now().with_timezone(&zone),
        Some(s) => parse_from(s, zone).with_context(|| {
            format!("无法识别 --from 的时间「{s}」（应如 \"2026-11-28 09:00\"）")
        })?,
    };
    let times: Vec<_> = cron.upcoming(&from).take(a.count).collect();
    if a.json {
        let v: Vec<String> = times
            .iter()
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    if times.is_empty() && a.count > 0 {
        bail!("定时表达式「{cron}」在今后十年内都不会触发");
    }
    println!(
        "「{cron}」在 {} 时区，从 {} 起接下来的运行时间：",
        zone.name(),
        from.format("%Y-%m-%d %H:%M")
    );
    for t in &times {
        println!(
            "  {}  {}",
            t.format("%Y-%m-%d %H:%M"),
            weekday(t.format("%u").to_string().as_str())
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_from(s: &str, zone: chrono_tz::Tz) -> anyhow::Result<DateTime<chrono_tz::Tz>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&zone));
    }
    let s = s.trim().replace('T', " ");
    let naive = NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S"))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map(|d| d.and_time(chrono::NaiveTime::MIN))
        })?;
    zone.from_local_datetime(&naive)
        .earliest()
        .context("该时间在此时区不存在（夏令时跳过的时刻）")
}

fn weekday(n: &str) -> &'static str {
    match n {
        "1" => "周一",
        "2" => "周二",
        "3" => "周三",
        "4" => "周四",
        "5" => "周五",
        "6" => "周六",
        _ => "周日",
    }
}
