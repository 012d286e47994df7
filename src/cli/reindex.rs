use std::process::ExitCode;
use std::time::Instant;

use super::Global;
use crate::index::{DICT_FILE, OfficeDict, SearchIndex};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {}

pub fn exec(g: &Global, _a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let store = project.open_store()?;
    let t = Instant::now();
    let dict = OfficeDict::load(&project.root.join(DICT_FILE))?;
    let mut index = SearchIndex::open(&project.data_dir().join("index"), dict)?;
    index.set_tz(project.tz());
    let report = index.rebuild(&store, project.tz())?;
    println!(
        "搜索索引已重建：{} 篇，{:.1} MB，用时 {:.2} 秒",
        report.indexed,
        index.size_on_disk() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
