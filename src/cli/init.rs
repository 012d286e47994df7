use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 新项目的目录（不存在则创建）
    #[arg(value_name = "目录")]
    dir: PathBuf,
}

pub fn exec(a: Args) -> anyhow::Result<ExitCode> {
    let written = crate::scaffold::init(&a.dir)?;
    println!("已在 {} 新建项目：", a.dir.display());
    for f in &written {
        println!("  {f}");
    }
    println!(
        "\n下一步：\n  1. 编辑 caibian.toml，登记报送单位和栏目\n  2. 把稿件放进 inbox/（可按单位建子文件夹）\n  3. cd {} && caibian run",
        a.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
