//! `caibian reextract SOURCE`: re-runs a web or feed source's current rules over the pages
//! it already collected (kept under data/raw/), after a site redesign or a rules fix. Only
//! what extraction produces changes (title, body, publish time, 来源, authors); ids, status
//! and history stay.

use std::process::ExitCode;

use super::Global;
use crate::collect::web::{article_item, reread};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 网页或订阅源的名称（流水线中 [[sources]] 的 name）
    #[arg(value_name = "来源")]
    source: String,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let src =
        crate::pipeline::fetch_source(&project.pipelines, &a.source).map_err(anyhow::Error::msg)?;
    let (rules, outlet) = (src.rules, src.outlet.map(str::to_string));
    let rules = rules.compile().map_err(|e| anyhow::anyhow!(e))?;
    let mut store = project.open_store()?;
    let offset = project.config.project.timezone.offset_now();
    let pages = store.source_pages(&a.source)?;
    let (mut changed, mut missing, mut failed) = (0, 0, 0);
    for (id, url, raw) in &pages {
        let path = project.root.join(raw);
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("  ! {id}：网页原件 {} 不见了，跳过", path.display());
            missing += 1;
            continue;
        };
        let Some(page_url) = url.as_deref().and_then(|u| reqwest::Url::parse(u).ok()) else {
            failed += 1;
            continue;
        };
        let Some(article) = reread(&bytes, &page_url, Some(&rules), offset) else {
            eprintln!("  ! {id}：网页原件无法解码，跳过");
            failed += 1;
            continue;
        };
        if article.title.trim().is_empty() || article.body.trim().is_empty() {
            eprintln!("  ! {id}：新规则抽取不到标题或正文，保留原内容");
            failed += 1;
            continue;
        }
        let item = article_item(
            &article,
            url.as_deref().unwrap_or_default(),
            outlet.as_deref(),
        );
        if store.update_extracted(id, &item)? {
            changed += 1;
            println!("  已更新 {id}：{}", article.title);
        }
    }
    // Keep the search index in step with what changed.
    if changed > 0 {
        crate::index::SearchIndex::for_project(&project, &store)?;
    }
    println!(
        "来源「{}」：重新抽取 {} 篇，{changed} 篇有变化{}{}",
        a.source,
        pages.len(),
        if missing > 0 {
            format!("，{missing} 篇原件缺失")
        } else {
            String::new()
        },
        if failed > 0 {
            format!("，{failed} 篇未能抽取")
        } else {
            String::new()
        },
    );
    Ok(if failed + missing > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
