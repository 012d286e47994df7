//! `caibian build [--force]`: builds the public site from the released items and publishes
//! it atomically (see `site::publish`).

use std::process::ExitCode;

use super::Global;
use crate::site;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 忽略构建缓存，全部重新生成
    #[arg(long)]
    force: bool,
    /// 以 JSON 输出构建结果
    #[arg(long)]
    json: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let store = project.open_store()?;
    let input = site::content::from_store(&store, &project)?;
    drop(store);
    let theme = site::Theme::load(&project.root.join("site"))?;
    let layout = project.site_layout();
    let r = site::build(&input, &theme, &layout, a.force)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "网站已构建并发布：{} 篇文章，{} 个文件（新生成 {}，沿用 {}），用时 {:.2} 秒",
        r.articles, r.outputs, r.written, r.reused, r.seconds
    );
    println!(
        "  发布目录 {} → {}",
        layout.output.display(),
        r.dir.display()
    );
    println!(
        "  网站大小 {:.1} MB，其中搜索索引 {:.1} MB；用 caibian preview 在本机预览",
        r.output_bytes as f64 / 1e6,
        r.search_bytes as f64 / 1e6
    );
    if r.articles == 0 {
        println!("  还没有公开的稿件：用 caibian release 编号（或 --adopted）把稿件发布到网站。");
    }
    Ok(ExitCode::SUCCESS)
}
