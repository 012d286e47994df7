use std::path::PathBuf;
use std::process::ExitCode;

use super::Global;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 输出目录（默认：项目的 schemas/）
    #[arg(long, value_name = "目录")]
    out: Option<PathBuf>,
    /// 只检查现有文件是否与程序一致，不写入；不一致时退出码为 1
    #[arg(long)]
    check: bool,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let dir = match a.out {
        Some(d) => d,
        None => match g.project() {
            Ok(p) => p.root.join("schemas"),
            Err(_) => std::env::current_dir()?.join("schemas"),
        },
    };
    let mut stale = Vec::new();
    for (name, text) in crate::schema::all() {
        let path = dir.join(name);
        let same = std::fs::read_to_string(&path).is_ok_and(|old| old == text);
        if a.check {
            if !same {
                stale.push(path.display().to_string());
            }
            continue;
        }
        std::fs::create_dir_all(&dir)?;
        std::fs::write(&path, text)?;
        println!(
            "{}{}",
            path.display(),
            if same {
                "（未变）"
            } else {
                "（已更新）"
            }
        );
    }
    if !stale.is_empty() {
        eprintln!("以下 JSON Schema 已过期，请运行 caibian schema 重新生成：");
        for s in stale {
            eprintln!("  {s}");
        }
        return Ok(ExitCode::FAILURE);
    }
    if a.check {
        println!("JSON Schema 与程序一致。");
    }
    Ok(ExitCode::SUCCESS)
}
