//! `caibian release ID… [--featured] | --adopted | --internal | --withdraw`: decides which
//! items the public site shows. A released item keeps its URL forever; an internal (内部)
//! item never appears on any page, feed, sitemap or search shard.

use std::process::ExitCode;

use super::Global;
use super::adopt::actor;
use crate::store::Visibility;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 稿件编号（可写多个）
    #[arg(value_name = "编号")]
    ids: Vec<String>,
    /// 发布所有已采用、尚未决定是否公开的稿件
    #[arg(long, conflicts_with_all = ["internal", "withdraw"])]
    adopted: bool,
    /// 设为首页推荐
    #[arg(long)]
    featured: bool,
    /// 标为内部稿件：永不出现在网站上
    #[arg(long, conflicts_with = "withdraw")]
    internal: bool,
    /// 从网站撤下（网址保留，重新发布时不变）
    #[arg(long)]
    withdraw: bool,
    /// 发布标为内部的稿件
    #[arg(long)]
    force: bool,
    /// 操作人（默认取系统用户名）
    #[arg(long = "actor", value_name = "姓名")]
    actor: Option<String>,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let mut store = project.open_store()?;
    let who = actor(a.actor);
    let mut ids = a.ids.clone();
    if a.adopted {
        ids.extend(store.adopted_unreleased()?);
    }
    if ids.is_empty() {
        anyhow::bail!("请给出稿件编号，或用 --adopted 发布所有已采用的稿件");
    }
    for id in &ids {
        if a.internal || a.withdraw {
            let how = if a.internal {
                Visibility::Internal
            } else {
                Visibility::Withdrawn
            };
            store.hide_item(id, how, &who)?;
            println!("稿件 {id}：{}", how.label());
        } else {
            let url = store.release_item(
                id,
                |date| {
                    let day = crate::site::content::dates(date, project.tz())
                        .map(|d| d.0)
                        .unwrap_or_default();
                    crate::site::content::url_for(&day, id)
                },
                a.featured,
                a.force,
                &who,
            )?;
            println!(
                "稿件 {id} 已发布到网站：{url}{}",
                if a.featured { "（首页推荐）" } else { "" }
            );
        }
    }
    println!("运行 caibian build 生成并发布网站。");
    Ok(ExitCode::SUCCESS)
}
