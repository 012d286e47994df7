//! `caibian rules`: the assessment rule tables — write one from a preset, or check them.

use std::process::ExitCode;

use anyhow::bail;

use super::Global;
use crate::score::rules::{PRESETS, RuleTable, path_for};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 从预设生成 rules/年份.toml：R1、R2、R3、R4（不写则列出预设和已有的规则）
    #[arg(long, value_name = "预设")]
    init: Option<String>,
    /// 规则适用的年份（默认今年）
    #[arg(long, value_name = "年份")]
    year: Option<i32>,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let year = a.year.unwrap_or_else(|| {
        chrono::Datelike::year(&chrono::Utc::now().with_timezone(&project.tz()))
    });
    if let Some(name) = a.init {
        let Some((_, _, text)) = PRESETS
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(&name))
        else {
            bail!("没有名为「{name}」的预设（可选：R1、R2、R3、R4）");
        };
        let path = path_for(&project.root, year);
        if path.exists() {
            bail!("{} 已存在，不会覆盖", path.display());
        }
        let text = text.replacen("year = 2026", &format!("year = {year}"), 1);
        // The preset must parse as shipped (tests check every preset too).
        RuleTable::parse(&path, &text)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, text)?;
        println!(
            "已写入 {}（按本单位的考核办法修改其中的分值）",
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("预设：");
    for (n, what, _) in PRESETS {
        println!("  {n}  {what}");
    }
    let dir = project.root.join("rules");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "toml"));
    files.sort();
    if files.is_empty() {
        println!("\n还没有规则文件。用 caibian rules --init R1 --year {year} 生成。");
        return Ok(ExitCode::SUCCESS);
    }
    println!("\n规则文件：");
    let mut bad = false;
    for f in files {
        let text = std::fs::read_to_string(&f)?;
        match RuleTable::parse(&f, &text) {
            Ok(t) => println!(
                "  {}  {} 年，{}（{} 条采用规则）",
                f.display(),
                t.year,
                t.name,
                t.adoption.len()
            ),
            Err(e) => {
                bad = true;
                println!("  {e}");
            }
        }
    }
    Ok(if bad {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
