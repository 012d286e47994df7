//! `caibian user add|list|passwd|disable|enable`: the web application's accounts. The first
//! administrator is created here; after that, administrators can manage accounts in the
//! browser as well.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use super::Global;
use super::adopt::actor;
use crate::store::Role;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand, Debug)]
enum Cmd {
    /// 新建账号；密码从标准输入读取一行（或环境变量 CAIBIAN_PASSWORD）
    Add {
        /// 登录用户名
        #[arg(value_name = "用户名")]
        name: String,
        /// 角色：admin（管理员）、editor（编辑）、unit（报送单位）
        #[arg(long, value_name = "角色", default_value = "editor")]
        role: String,
        /// 报送单位账号所属的单位
        #[arg(long, value_name = "单位")]
        unit: Option<String>,
        /// 姓名（默认同用户名）
        #[arg(long, value_name = "姓名")]
        display: Option<String>,
    },
    /// 列出账号
    List {
        #[arg(long)]
        json: bool,
    },
    /// 重设密码（该账号已登录的会话随即失效）
    Passwd {
        #[arg(value_name = "用户名")]
        name: String,
    },
    /// 停用账号
    Disable {
        #[arg(value_name = "用户名")]
        name: String,
    },
    /// 重新启用账号
    Enable {
        #[arg(value_name = "用户名")]
        name: String,
    },
}

/// The password: `CAIBIAN_PASSWORD`, else one line of standard input.
fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("CAIBIAN_PASSWORD") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        eprint!("请输入密码（至少 8 个字符，输入时会显示）：");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    if p.is_empty() {
        anyhow::bail!("没有读到密码：请从标准输入给出一行密码，或设置环境变量 CAIBIAN_PASSWORD");
    }
    Ok(p)
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let mut store = project.open_store()?;
    let who = actor(None);
    match a.cmd {
        Cmd::Add {
            name,
            role,
            unit,
            display,
        } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let unit = match unit {
                Some(u) => Some(
                    project
                        .registry
                        .resolve(&u)
                        .map(|d| d.name.clone())
                        .ok_or_else(|| {
                            anyhow::anyhow!("未登记的单位「{u}」（见 caibian.toml 的 [[units]]）")
                        })?,
                ),
                None => None,
            };
            let hash = crate::web::hash_password(&read_password()?).map_err(anyhow::Error::msg)?;
            let u = store.add_user(
                &name,
                display.as_deref().unwrap_or(""),
                role,
                unit.as_deref(),
                &hash,
                &who,
            )?;
            println!(
                "已添加{}账号「{}」{}",
                u.role.label(),
                u.name,
                u.unit.map(|x| format!("（{x}）")).unwrap_or_default()
            );
        }
        Cmd::List { json } => {
            let users = store.users()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else if users.is_empty() {
                println!("还没有账号：用 caibian user add 用户名 --role admin 创建第一个管理员");
            } else {
                for u in users {
                    println!(
                        "{}  {}  {}{}{}",
                        u.name,
                        u.display,
                        u.role.label(),
                        u.unit.map(|x| format!("（{x}）")).unwrap_or_default(),
                        if u.disabled { "  已停用" } else { "" }
                    );
                }
            }
        }
        Cmd::Passwd { name } => {
            let hash = crate::web::hash_password(&read_password()?).map_err(anyhow::Error::msg)?;
            store.set_password(&name, &hash, &who)?;
            println!("已重设「{name}」的密码");
        }
        Cmd::Disable { name } => {
            store.set_user_disabled(&name, true, &who)?;
            println!("已停用「{name}」");
        }
        Cmd::Enable { name } => {
            store.set_user_disabled(&name, false, &who)?;
            println!("已启用「{name}」");
        }
    }
    Ok(ExitCode::SUCCESS)
}
