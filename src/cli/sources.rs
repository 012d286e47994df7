//! `caibian sources`: every source's health — last success, items per run, consecutive
//! failures and empty runs — with broken ones flagged and the reason shown.

use std::process::ExitCode;

use super::{Global, local_time, pad};
use crate::store::SourceHealth;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 连续多少次运行没有任何结果就判为异常（默认 3）
    #[arg(long, default_value_t = 3, value_name = "次数")]
    empty_runs: u64,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

/// Why a source needs attention, if it does.
pub fn verdict(h: &SourceHealth, empty_runs: u64) -> Option<String> {
    if h.consecutive_failures > 0 {
        return Some(format!("连续 {} 次运行失败", h.consecutive_failures));
    }
    // An inbox with nothing new is a quiet week, not a broken source.
    if h.kind != "inbox" && h.consecutive_empty >= empty_runs {
        return Some(format!(
            "连续 {} 次运行没有找到任何文章（网站可能改版或选择器失效）",
            h.consecutive_empty
        ));
    }
    if h.problems.iter().any(|p| p.contains("选择器")) {
        return Some("选择器未匹配（见下方说明）".to_string());
    }
    None
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let store = project.open_store()?;
    let health = store.source_health()?;
    // Declared sources that never ran are listed too.
    let mut declared: Vec<(String, &'static str, String)> = Vec::new();
    for p in &project.pipelines {
        for s in &p.def.sources {
            declared.push((s.name(), s.kind(), p.name.clone()));
        }
    }
    let broken: Vec<(String, String)> = health
        .iter()
        .filter_map(|h| verdict(h, a.empty_runs).map(|v| (h.source.clone(), v)))
        .collect();
    if a.json {
        let rows: Vec<serde_json::Value> = declared
            .iter()
            .map(|(name, kind, pipeline)| {
                let h = health.iter().find(|h| &h.source == name);
                serde_json::json!({
                    "source": name,
                    "kind": kind,
                    "pipeline": pipeline,
                    "health": h,
                    "broken": broken.iter().find(|(n, _)| n == name).map(|(_, v)| v),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(if broken.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    if declared.is_empty() {
        println!("还没有声明任何来源（见 pipelines/*.toml 中的 [[sources]]）。");
        return Ok(ExitCode::SUCCESS);
    }
    let tz = project.tz();
    println!(
        "{}{}{}{}{}{}{}状态",
        pad("来源", 16),
        pad("类型", 8),
        pad("流水线", 10),
        pad("上次成功", 21),
        pad("上次新增", 10),
        pad("每次平均", 10),
        pad("累计", 8),
    );
    for (name, kind, pipeline) in &declared {
        let h = health.iter().find(|h| &h.source == name);
        let kind_label = match *kind {
            "inbox" => "收件箱",
            "web" => "网页",
            _ => "订阅源",
        };
        let (last, new, avg, total, state) = match h {
            None => (
                "—".to_string(),
                "—".to_string(),
                "—".to_string(),
                "—".to_string(),
                "尚未运行".to_string(),
            ),
            Some(h) => (
                h.last_success
                    .as_deref()
                    .map(|t| local_time(t, tz))
                    .unwrap_or_else(|| "从未成功".into()),
                h.last_new.to_string(),
                format!("{:.1}", h.total_new as f64 / h.runs.max(1) as f64),
                h.total_new.to_string(),
                match broken.iter().find(|(n, _)| n == name) {
                    Some((_, v)) => format!("异常：{v}"),
                    None => "正常".to_string(),
                },
            ),
        };
        println!(
            "{}{}{}{}{}{}{}{}",
            pad(name, 16),
            pad(kind_label, 8),
            pad(pipeline, 10),
            pad(&last, 21),
            pad(&new, 10),
            pad(&avg, 10),
            pad(&total, 8),
            state
        );
        if let Some(h) = h {
            for p in h.problems.iter().take(5) {
                println!("    ! {p}");
            }
            if h.problems.len() > 5 {
                println!("    ……另有 {} 条，见 caibian runs", h.problems.len() - 5);
            }
        }
    }
    if !broken.is_empty() {
        println!("\n{} 个来源需要检查。", broken.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
