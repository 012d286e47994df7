use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Global, local_time, status_label};
use crate::collect::{Cancel, Progress, Silent};
use crate::pipeline::{self, RunError, Trigger};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 要运行的流水线名称（pipelines/ 下的文件名，不含 .toml）；省略则运行全部已启用的流水线
    #[arg(value_name = "流水线")]
    names: Vec<String>,
    /// 以 JSON 输出运行结果
    #[arg(long)]
    json: bool,
}

/// A terminal progress bar, shown only for sources with enough files to be worth it.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, source: &str, total: u64) {
        if total >= 20 {
            self.0.set_length(total);
            self.0.set_position(0);
            self.0.set_message(source.to_string());
            self.0.reset_eta();
        }
    }
    fn advance(&self, done: u64) {
        if self.0.length().unwrap_or(0) > 0 {
            self.0.set_position(done);
        }
    }
    fn finish(&self) {
        self.0.set_length(0);
        self.0.finish_and_clear();
    }
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let selected: Vec<&pipeline::Pipeline> = if a.names.is_empty() {
        project.pipelines.iter().filter(|p| p.def.enabled).collect()
    } else {
        let mut v = Vec::new();
        for n in &a.names {
            match project.pipeline(n) {
                Some(p) => v.push(p),
                None => bail!(
                    "没有名为「{n}」的流水线（现有：{}）",
                    project
                        .pipelines
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            }
        }
        v
    };
    if selected.is_empty() {
        bail!(
            "{} 中没有可运行的流水线",
            project.root.join("pipelines").display()
        );
    }
    let mut store = project.open_store()?;
    let cancel = Cancel::new();
    super::cancel_on_signal(cancel.clone());
    let bar = (!a.json && std::io::stderr().is_terminal()).then(|| {
        let pb = ProgressBar::new(0);
        pb.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bar(pb)
    });
    let progress: &dyn Progress = match &bar {
        Some(b) => b,
        None => &Silent,
    };

    let mut summaries = Vec::new();
    let mut failed = false;
    for p in selected {
        if cancel.is_cancelled() {
            break;
        }
        match pipeline::run(
            &project,
            &mut store,
            p,
            Trigger::Manual,
            None,
            &cancel,
            progress,
        ) {
            Ok(s) => {
                failed |= s.status != "ok";
                summaries.push(s);
            }
            Err(e @ RunError::Busy(..)) => {
                eprintln!("{e}");
                failed = true;
            }
            Err(e) => return Err(e.into()),
        }
    }

    if a.json {
        println!("{}", serde_json::to_string_pretty(&summaries)?);
        return Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    let tz = project.tz();
    let runs = store.runs(None, summaries.len().max(1))?;
    for s in &summaries {
        let title = project
            .pipeline(&s.pipeline)
            .map(|p| p.title())
            .unwrap_or(&s.pipeline);
        let started = runs
            .iter()
            .find(|r| r.id == s.run_id)
            .map(|r| local_time(&r.started_at, tz))
            .unwrap_or_default();
        println!(
            "流水线「{title}」（{}）运行 #{}，{started}：{}",
            s.pipeline,
            s.run_id,
            status_label(&s.status)
        );
        let c = &s.counts;
        println!(
            "  新增 {}　重复 {}　隔离 {}　失败 {}　跳过 {}（已收过或被筛掉）",
            c.new, c.duplicate, c.quarantined, c.failed, c.skipped
        );
        let quarantined = store.quarantined_in_run(s.run_id)?;
        if !quarantined.is_empty() {
            println!("  隔离的文件：");
            for f in &quarantined {
                println!(
                    "    {} — {}",
                    f.original_path,
                    f.reason.as_deref().unwrap_or("")
                );
            }
        }
        for n in &s.notes {
            println!("  {n}");
        }
        for e in &s.errors {
            println!("  ! {e}");
        }
        for (label, path) in &s.places {
            println!("  {label}：{path}");
        }
    }
    let total = store.item_count()?;
    let db = project
        .db_path()
        .strip_prefix(&project.root)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| project.db_path().display().to_string());
    println!(
        "\n完成。库中共有稿件 {total} 篇；数据库：{db}\n查看：caibian items（稿件）、caibian quarantine（隔离原因）、caibian runs（运行记录）"
    );
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
