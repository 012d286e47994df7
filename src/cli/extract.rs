//! `caibian extract FILE_OR_URL [--rules SOURCE] [--json]`: what the extractor gets from one
//! page (or feed), so a user can write and tune a site's rules before a pipeline runs them.

use std::process::ExitCode;

use anyhow::{Context, bail};

use super::Global;
use crate::collect::extract::CompiledRules;
use crate::collect::fetch::{FetchSettings, Fetched, Fetcher, resolve_location};
use crate::collect::web::{Document, read_document};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 网页或订阅源：网址（http/https/file）或本地文件路径
    #[arg(value_name = "文件或网址")]
    target: String,
    /// 使用某个网页来源（流水线中 [[sources]] 的 name）的抽取规则
    #[arg(long, value_name = "来源")]
    rules: Option<String>,
    /// 以 JSON 输出（键：title、published、source、author、body、charset）
    #[arg(long)]
    json: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    // A project is optional: extract also works on a page anywhere, with default settings.
    let project = g.project().ok();
    let (settings, rules, offset) = match (&a.rules, &project) {
        (Some(name), Some(p)) => {
            let src =
                crate::pipeline::fetch_source(&p.pipelines, name).map_err(anyhow::Error::msg)?;
            let (pl, rules) = (src.pipeline, src.rules);
            let compiled = rules
                .compile()
                .map_err(|e| anyhow::anyhow!("{}：{e}", pl.path.display()))?;
            (
                pl.def.fetch.clone(),
                Some(compiled),
                p.config.project.timezone.offset_now(),
            )
        }
        (Some(_), None) => bail!("--rules 需要在项目目录中使用（找不到 caibian.toml）"),
        (None, p) => (
            FetchSettings::default(),
            None,
            p.as_ref()
                .map(|p| p.config.project.timezone.offset_now())
                .unwrap_or_else(|| crate::config::TimeZone::default().offset_now()),
        ),
    };
    let cwd = std::env::current_dir()?;
    let url = resolve_location(&a.target, &cwd)?;
    if url.scheme() == "file" && url.to_file_path().is_ok_and(|p| !p.exists()) {
        bail!("文件不存在：{}", a.target);
    }
    let fetcher = Fetcher::new(settings)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("无法启动网络运行时")?;
    let page = match rt.block_on(fetcher.get(&url, None))? {
        Fetched::Page(p) => p,
        Fetched::NotModified(_) => bail!("{url}：服务器返回“未修改”，没有内容"),
    };
    let doc =
        read_document(&page, rules.as_ref(), offset).map_err(|e| anyhow::anyhow!("{url}：{e}"))?;
    print_document(&doc, rules.as_ref(), a.json)?;
    Ok(ExitCode::SUCCESS)
}

fn print_document(doc: &Document, rules: Option<&CompiledRules>, json: bool) -> anyhow::Result<()> {
    match doc {
        Document::Article { article, charset } => {
            if json {
                let v = serde_json::json!({
                    "title": article.title,
                    "published": article.published.map(|t| t.to_rfc3339()),
                    "source": article.source,
                    "author": article.author,
                    "body": article.body,
                    "charset": charset,
                    "images": article.images,
                    "rule_misses": article.misses,
                });
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(());
            }
            println!("标题：{}", article.title);
            println!(
                "发布时间：{}",
                article
                    .published
                    .map(|t| if article.published_has_time {
                        t.format("%Y-%m-%d %H:%M").to_string()
                    } else {
                        t.format("%Y-%m-%d").to_string()
                    })
                    .unwrap_or_else(|| "（未找到）".into())
            );
            println!(
                "来源：{}",
                article.source.as_deref().unwrap_or("（未找到）")
            );
            println!(
                "作者：{}",
                article.author.as_deref().unwrap_or("（未找到）")
            );
            println!("字符集：{charset}");
            if rules.is_some() {
                if article.misses.is_empty() {
                    println!("规则：全部匹配");
                } else {
                    println!(
                        "规则未匹配（已改用通用抽取）：{}",
                        article.misses.join("，")
                    );
                }
            }
            let n = article.body.chars().filter(|c| !c.is_whitespace()).count();
            println!("正文（{n} 字，{} 张图片）：\n", article.images.len());
            println!("{}", article.body);
        }
        Document::Feed(f) => {
            let mut body = String::new();
            for e in &f.entries {
                body.push_str(&format!(
                    "- {}{}\n",
                    e.title,
                    e.published
                        .map(|t| format!("（{}）", t.format("%Y-%m-%d %H:%M")))
                        .unwrap_or_default()
                ));
                if let Some(l) = &e.link {
                    body.push_str(&format!("  {l}\n"));
                }
                if let Some(s) = e.summary.as_deref().filter(|s| !s.is_empty()) {
                    body.push_str(&format!("  {s}\n"));
                }
            }
            if json {
                let v = serde_json::json!({
                    "title": f.title,
                    "published": null,
                    "source": null,
                    "author": null,
                    "body": body.trim_end(),
                    "charset": f.charset,
                    "feed": true,
                    "entries": f.entries.iter().map(|e| serde_json::json!({
                        "title": e.title,
                        "url": e.link.as_ref().map(|l| l.to_string()),
                        "published": e.published.map(|t| t.to_rfc3339()),
                        "summary": e.summary,
                    })).collect::<Vec<_>>(),
                });
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(());
            }
            println!(
                "订阅源：{}（{} 条，字符集 {}）\n",
                f.title,
                f.entries.len(),
                f.charset
            );
            print!("{body}");
        }
    }
    Ok(())
}
