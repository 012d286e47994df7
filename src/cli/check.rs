use std::process::ExitCode;

use chrono::Utc;

use super::Global;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 以 JSON 输出各流水线及其下次运行时间
    #[arg(long)]
    json: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let tz = project.tz();
    let c = &project.config;
    if a.json {
        let now = Utc::now().with_timezone(&tz);
        let pipelines: Vec<serde_json::Value> = project
            .pipelines
            .iter()
            .map(|p| {
                serde_json::json!({
                    "name": p.name,
                    "title": p.title(),
                    "enabled": p.def.enabled,
                    "schedule": p.def.schedule.as_ref().map(|c| c.as_str()),
                    "next_run": p.def.schedule.as_ref().filter(|_| p.def.enabled)
                        .and_then(|c| c.next_after(&now))
                        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)),
                })
            })
            .collect();
        let v = serde_json::json!({
            "config": project.root.join(crate::project::CONFIG_FILE),
            "units": c.units.len(),
            "sections": c.sections.len(),
            "publications": c.publications.len(),
            "timezone": c.project.timezone.to_string(),
            "pipelines": pipelines,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "配置正确：{}",
        project.root.join(crate::project::CONFIG_FILE).display()
    );
    println!(
        "  报送单位 {} 个，栏目 {} 个，刊物 {} 种，时区 {}",
        c.units.len(),
        c.sections.len(),
        c.publications.len(),
        c.project.timezone
    );
    println!("流水线 {} 条：", project.pipelines.len());
    let now = Utc::now().with_timezone(&tz);
    for p in &project.pipelines {
        let when = match (&p.def.schedule, p.def.enabled) {
            (_, false) => "已停用".to_string(),
            (None, true) => "仅手动运行".to_string(),
            (Some(cron), true) => match cron.next_after(&now) {
                Some(t) => format!("「{cron}」，下次 {}", t.format("%Y-%m-%d %H:%M")),
                None => format!("「{cron}」，不会再触发"),
            },
        };
        println!("  {}（{}）：{when}", p.name, p.title());
    }
    Ok(ExitCode::SUCCESS)
}
