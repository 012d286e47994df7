use std::process::ExitCode;

use chrono::Utc;

use super::Global;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn exec(g: &Global, _a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let tz = project.tz();
    let c = &project.config;
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
