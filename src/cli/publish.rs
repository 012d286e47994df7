//! `caibian publish --rollback | --list`: the published site's versions. `caibian build`
//! publishes each new build; this command goes back to the previous one or lists them.

use std::process::ExitCode;

use super::Global;
use crate::site::publish;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 回退到上一次构建的版本
    #[arg(long, conflicts_with = "list")]
    rollback: bool,
    /// 列出保留的构建版本（默认）
    #[arg(long)]
    list: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let layout = project.site_layout();
    if a.rollback {
        let to = publish::rollback(&layout.builds, &layout.output)?;
        println!(
            "已回退：{} → {}",
            layout.output.display(),
            to.file_name().unwrap_or_default().to_string_lossy()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let current = publish::current(&layout.output);
    let all = publish::list(&layout.builds);
    if all.is_empty() {
        println!("还没有构建过网站：运行 caibian build。");
        return Ok(ExitCode::SUCCESS);
    }
    println!("保留的构建版本（最新在后）：");
    for b in all {
        let mark = if b.canonicalize().ok() == current {
            "  ← 当前发布"
        } else {
            ""
        };
        println!(
            "  {}{mark}",
            b.file_name().unwrap_or_default().to_string_lossy()
        );
    }
    Ok(ExitCode::SUCCESS)
}
