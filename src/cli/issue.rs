//! `caibian issue …`: compiles the bulletin and the magazine — create the next issue, add,
//! combine, move and remove pieces, look at the table of contents with page numbers, print
//! it (PDF, .docx) and publish it. A published issue is frozen; `revise` corrects it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::Global;
use super::adopt::{actor, day};
use crate::compile::{self, Doc, Fonts};
use crate::config::{PublicationDef, PublicationKind};
use crate::project::Project;
use crate::store::{Issue, IssueEdit, IssueKey, Level, Medium, Move, Outlet, Store};

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, subcommand_help_heading = "子命令",
          subcommand_value_name = "子命令", disable_help_flag = true)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

/// Names an issue: 人大建设/2026-6, 《人大建设》2026年第6期, or 人大建设 alone for its latest.
const ISSUE_HELP: &str = "期：刊物/年-期（如 人大建设/2026-6），或只写刊物名表示最近一期";

#[derive(clap::Subcommand, Debug)]
enum Cmd {
    /// 新建下一期（期号、总期号自动顺延）
    New {
        /// 刊物名称，如 人大建设
        #[arg(value_name = "刊物")]
        publication: String,
        /// 出刊日期（默认今天；年份决定“某年第N期”）
        #[arg(long, value_name = "日期")]
        date: Option<String>,
        /// 编者按
        #[arg(long, value_name = "文字")]
        note: Option<String>,
        /// 本年期号（年中开始使用时指定首期，如 6；之后自动顺延）
        #[arg(long, value_name = "期号")]
        number: Option<i64>,
        #[arg(long = "actor", value_name = "姓名")]
        actor: Option<String>,
    },
    /// 把稿件编入一期（记录采用，计入积分）
    Add {
        #[arg(value_name = "期", help = ISSUE_HELP)]
        issue: String,
        /// 稿件编号（可写多个）
        #[arg(value_name = "编号", required = true)]
        ids: Vec<String>,
        /// 栏目（默认：稿件自己的栏目，否则本期第一个栏目）
        #[arg(long, value_name = "栏目")]
        column: Option<String>,
        /// 设为本期头条（封面导读）
        #[arg(long)]
        lead: bool,
        #[arg(long = "actor", value_name = "姓名")]
        actor: Option<String>,
    },
    /// 用几篇稿件写成一篇综合稿编入本期（每个来源单位都计综合采用）
    Combine {
        #[arg(value_name = "期", help = ISSUE_HELP)]
        issue: String,
        /// 综合稿标题
        #[arg(long, value_name = "标题")]
        title: String,
        /// 来源稿件编号，逗号分隔或写多次
        #[arg(
            long = "from",
            value_name = "编号",
            value_delimiter = ',',
            required = true
        )]
        from: Vec<String>,
        /// 正文（Markdown 文件；默认把各来源稿件正文依次拼接，供再编辑）
        #[arg(long, value_name = "文件")]
        body: Option<PathBuf>,
        #[arg(long, value_name = "栏目")]
        column: Option<String>,
        #[arg(long = "actor", value_name = "姓名")]
        actor: Option<String>,
    },
    /// 从本期撤下稿件（其采用记录一并撤销，稿件回到稿库）
    Remove {
        #[arg(value_name = "期", help = ISSUE_HELP)]
        issue: String,
        #[arg(value_name = "编号", required = true)]
        ids: Vec<String>,
        #[arg(long = "actor", value_name = "姓名")]
        actor: Option<String>,
    },
    /// 调整稿件的栏目或栏目内顺序
    Move {
        #[arg(value_name = "期", help = ISSUE_HELP)]
        issue: String,
        #[arg(value_name = "编号")]
        id: String,
        /// 移到该栏目
        #[arg(long, value_name = "栏目")]
        column: Option<String>,
        /// 栏目内第几篇（从 1 起；默认排最后）
        #[arg(long = "to", value_name = "位置")]
        to: Option<i64>,
    },
    /// 修改本期的栏目顺序、头条、编者按或出刊日期
    Set {
        #[arg(value_name = "期", help = ISSUE_HELP)]
        issue: String,
        /// 栏目顺序，逗号分隔
        #[arg(long, value_name = "栏目", value_delimiter = ',')]
        columns: Option<Vec<String>>,
        /// 头条稿件编号
        #[arg(long, value_name = "编号", conflicts_with = "no_lead")]
        lead: Option<String>,
        /// 取消头条
        #[arg(long)]
        no_lead: bool,
        /// 编者按（空字符串表示删除）
        #[arg(long, value_name = "文字")]
        note: Option<String>,
        #[arg(long, value_name = "日期")]
        date: Option<String>,
        #[arg(long = "actor", value_name = "姓名")]
        actor: Option<String>,
    },
    /// 显示一期的目录、字数和页码（按实际排版计算）
    Show {
        #[arg(value_name = "期", help = ISSUE_HELP)]
        issue: String,
        #[arg(long)]
        json: bool,
    },
    /// 列出各期
    List {
        #[arg(value_name = "刊物")]
        publication: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// 出版：定稿（此后只能修订）、采用记录定案，公开刊物的稿件发布到网站，并生成印刷版 PDF
    Publish {
        #[arg(value_name = "期", help = ISSUE_HELP)]
        issue: String,
        #[arg(long = "actor", value_name = "姓名")]
        actor: Option<String>,
    },
    /// 修订已出版的一期：生成同期号的修订稿，改好后再 publish 取代原版
    Revise {
        #[arg(value_name = "期", help = ISSUE_HELP)]
        issue: String,
        /// 修订理由
        #[arg(long, value_name = "理由")]
        reason: String,
        #[arg(long = "actor", value_name = "姓名")]
        actor: Option<String>,
    },
    /// 生成印刷版 PDF（草稿也可，页脚标“草稿”）
    Pdf {
        #[arg(value_name = "期", help = ISSUE_HELP)]
        issue: String,
        /// 输出文件（默认 data/issues/刊物/年-期.pdf）
        #[arg(short, long, value_name = "文件")]
        output: Option<PathBuf>,
    },
    /// 导出 Word 文档（.docx），便于在 Word 中修改
    Docx {
        #[arg(value_name = "期", help = ISSUE_HELP)]
        issue: String,
        #[arg(short, long, value_name = "文件")]
        output: Option<PathBuf>,
    },
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let mut store = project.open_store()?;
    match a.cmd {
        Cmd::New {
            publication,
            date,
            note,
            number,
            actor: who,
        } => {
            let p = publication_def(&project, &publication)?;
            let date = day(date.as_deref(), project.tz())?;
            let year: i32 = date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
            let issue = store.create_issue(
                &p.name,
                year,
                &date,
                i64::from(p.issues_before),
                number,
                &project.config.issue_columns(p),
                note.as_deref().filter(|n| !n.trim().is_empty()),
                &actor(who),
            )?;
            println!(
                "已新建{}（总第{}期），出刊日期 {}，编号 {}",
                issue.key.title(),
                issue.total,
                issue.date,
                issue.key.slug()
            );
            if issue.key.number > i64::from(p.issues_per_year) {
                println!(
                    "注意：《{}》每年 {} 期，这是 {} 年的第 {} 期（增刊？）",
                    p.name, p.issues_per_year, year, issue.key.number
                );
            }
            println!(
                "用 caibian pool {} 查看待用稿件，caibian issue add {} 编号… 编入。",
                p.name,
                issue.key.slug()
            );
        }
        Cmd::Add {
            issue,
            ids,
            column,
            lead,
            actor: who,
        } => {
            let (p, issue) = resolve(&project, &store, &issue)?;
            let column = check_column(&issue, column)?;
            let placed = store.add_to_issue(
                &issue,
                &ids,
                column.as_deref(),
                &outlet(p)?,
                &actor(who.clone()),
            )?;
            for (id, col) in &placed {
                println!("稿件 {id} 已编入{}「{col}」栏目", issue.key.title());
            }
            if lead && let Some((id, _)) = placed.first() {
                let edit = IssueEdit {
                    lead_item: Some(Some(id.clone())),
                    ..IssueEdit::default()
                };
                store.edit_issue(&issue, &edit, &outlet(p)?, &actor(who))?;
                println!("稿件 {id} 设为本期头条");
            }
        }
        Cmd::Combine {
            issue,
            title,
            from,
            body,
            column,
            actor: who,
        } => {
            let (p, issue) = resolve(&project, &store, &issue)?;
            let column = check_column(&issue, column)?;
            let text = match body {
                Some(path) => std::fs::read_to_string(&path)
                    .with_context(|| format!("无法读取正文文件 {}", path.display()))?,
                None => {
                    // A starting point for the editor: the sources' texts one after another,
                    // each followed by its unit.
                    let mut t = String::new();
                    for id in &from {
                        let Some(doc) = store.index_doc(id, project.tz())? else {
                            anyhow::bail!("没有编号为 {id} 的稿件");
                        };
                        t.push_str(doc.body.trim());
                        if let Some(u) = &doc.unit {
                            t.push_str(&format!("（{u}）"));
                        }
                        t.push_str("\n\n");
                    }
                    t
                }
            };
            let id = store.combine_into_issue(
                &issue,
                &title,
                &text,
                &from,
                column.as_deref(),
                &outlet(p)?,
                &actor(who),
            )?;
            println!(
                "综合稿 {id}「{}」已编入{}，来源 {} 篇，各计综合采用",
                title.trim(),
                issue.key.title(),
                from.len()
            );
        }
        Cmd::Remove {
            issue,
            ids,
            actor: who,
        } => {
            let (p, issue) = resolve(&project, &store, &issue)?;
            store.remove_from_issue(&issue, &ids, &outlet(p)?, &actor(who))?;
            println!(
                "已从{}撤下 {} 篇，采用记录已撤销",
                issue.key.title(),
                ids.len()
            );
        }
        Cmd::Move {
            issue,
            id,
            column,
            to,
        } => {
            let (_, issue) = resolve(&project, &store, &issue)?;
            let column = check_column(&issue, column)?;
            store.move_entry(
                &issue,
                &id,
                &Move {
                    column,
                    position: to,
                },
            )?;
            println!("已调整稿件 {id} 的位置");
            print_toc(&project, &store, &issue, false)?;
        }
        Cmd::Set {
            issue,
            columns,
            lead,
            no_lead,
            note,
            date,
            actor: who,
        } => {
            let (p, issue) = resolve(&project, &store, &issue)?;
            let edit = IssueEdit {
                columns,
                lead_item: if no_lead { Some(None) } else { lead.map(Some) },
                note: note.map(|n| Some(n).filter(|n| !n.trim().is_empty())),
                date: match date {
                    Some(d) => {
                        let d = day(Some(&d), project.tz())?;
                        if d.get(..4) != Some(issue.key.year.to_string().as_str()) {
                            anyhow::bail!(
                                "出刊日期 {d} 不在 {} 年：期号按年编排，请新建下一年的期",
                                issue.key.year
                            );
                        }
                        Some(d)
                    }
                    None => None,
                },
            };
            let issue = store.edit_issue(&issue, &edit, &outlet(p)?, &actor(who))?;
            println!("已更新{}", issue.key.title());
        }
        Cmd::Show { issue, json } => {
            let (_, issue) = resolve(&project, &store, &issue)?;
            print_toc(&project, &store, &issue, json)?;
        }
        Cmd::List { publication, json } => {
            let name = match &publication {
                Some(n) => Some(publication_def(&project, n)?.name.clone()),
                None => None,
            };
            let issues = store.issues(name.as_deref())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&issues)?);
            } else if issues.is_empty() {
                println!("还没有期次：用 caibian issue new 刊物名 新建");
            } else {
                for i in &issues {
                    let n = store.issue_entries(i)?.len();
                    println!(
                        "{}  {}{}  {}  {} 篇  {}",
                        i.key.slug(),
                        i.key.title(),
                        if i.revision > 0 {
                            format!("（修订{}）", i.revision)
                        } else {
                            String::new()
                        },
                        i.date,
                        n,
                        status_label(&i.status)
                    );
                }
            }
        }
        Cmd::Publish { issue, actor: who } => {
            let (p, issue) = resolve(&project, &store, &issue)?;
            let fonts = fonts(&project)?;
            let done = publish(&project, &mut store, p, &issue, &fonts, &actor(who))?;
            println!(
                "{}（总第{}期）已出版，共 {} 篇；采用记录已定案",
                done.issue.key.title(),
                done.issue.total,
                done.entries
            );
            if p.is_public() {
                for (id, err) in &done.not_released {
                    println!("  稿件 {id} 未发布到网站：{err}");
                }
                println!(
                    "{} 篇已发布到网站；运行 caibian build 更新网站（刊物页和目录）",
                    done.released
                );
            }
            println!("印刷版：{}", done.pdf.display());
        }
        Cmd::Revise {
            issue,
            reason,
            actor: who,
        } => {
            let (_, issue) = resolve(&project, &store, &issue)?;
            let rev = store.revise_issue(&issue, &reason, &actor(who))?;
            println!(
                "已建立{}的修订稿（修订{}）：修改后 caibian issue publish {} 取代原版",
                rev.key.title(),
                rev.revision,
                rev.key.slug()
            );
        }
        Cmd::Pdf { issue, output } => {
            let (p, issue) = resolve(&project, &store, &issue)?;
            let fonts = fonts(&project)?;
            let entries = store.issue_entries(&issue)?;
            let path = write_pdf(&project, p, &issue, &entries, &fonts, output)?;
            println!("已生成 {}", path.display());
        }
        Cmd::Docx { issue, output } => {
            let (p, issue) = resolve(&project, &store, &issue)?;
            let entries = store.issue_entries(&issue)?;
            let doc = Doc::new(&project.config, p, &issue, &entries);
            let path = output.unwrap_or_else(|| out_path(&project, &issue, "docx"));
            write_file(&path, &compile::docx(&doc))?;
            println!("已生成 {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What publishing an issue did.
pub(crate) struct Published {
    pub issue: Issue,
    pub entries: usize,
    /// Items released to the site (public publications only), and those that were not.
    pub released: usize,
    pub not_released: Vec<(String, String)>,
    pub pdf: PathBuf,
}

/// Publishes an issue: freezes it and its adoptions, releases a public publication's items
/// to the site, and writes the print edition. The fonts are asked for first, so an issue is
/// never frozen without its print edition being possible.
pub(crate) fn publish(
    project: &Project,
    store: &mut Store,
    p: &PublicationDef,
    issue: &Issue,
    fonts: &Fonts,
    who: &str,
) -> anyhow::Result<Published> {
    let published = store.publish_issue(issue, &outlet(p)?, who)?;
    let entries = store.issue_entries(&published)?;
    let mut released = 0;
    let mut not_released = Vec::new();
    if p.is_public() {
        for e in &entries {
            let url = store.release_item(
                &e.item_id,
                |date| {
                    let d = crate::site::content::dates(date, project.tz())
                        .map(|d| d.0)
                        .unwrap_or_default();
                    crate::site::content::url_for(&d, &e.item_id)
                },
                false,
                false,
                who,
            );
            match url {
                Ok(_) => released += 1,
                Err(err) => not_released.push((e.item_id.clone(), err.to_string())),
            }
        }
    }
    let pdf = write_pdf(project, p, &published, &entries, fonts, None)?;
    Ok(Published {
        entries: entries.len(),
        issue: published,
        released,
        not_released,
        pdf,
    })
}

/// Total pages and the page each entry starts on: exact with fonts, else an estimate of the
/// total only.
pub(crate) fn pages(
    project: &Project,
    fonts: Option<&Fonts>,
    issue: &Issue,
    entries: &[crate::store::Entry],
) -> anyhow::Result<(usize, Option<Vec<u32>>)> {
    let p = publication_def(project, &issue.key.publication)?;
    let doc = Doc::new(&project.config, p, issue, entries);
    Ok(match fonts {
        Some(f) => {
            let (n, starts) = compile::paginate(f, &doc);
            (n, Some(starts))
        }
        None => (doc.estimate_pages(), None),
    })
}

pub(crate) fn status_label(s: &str) -> &'static str {
    match s {
        "draft" => "草稿",
        "published" => "已出版",
        _ => "已被修订版取代",
    }
}

pub(crate) fn publication_def<'a>(
    project: &'a Project,
    name: &str,
) -> anyhow::Result<&'a PublicationDef> {
    project.config.publication(name).ok_or_else(|| {
        let names: Vec<&str> = project
            .config
            .publications
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        anyhow::anyhow!(
            "没有名为「{name}」的刊物（caibian.toml 的 [[publications]] 中有：{}）",
            if names.is_empty() {
                "无".to_string()
            } else {
                names.join("、")
            }
        )
    })
}

/// What putting an item in an issue of `p` records as its adoption.
pub(crate) fn outlet(p: &PublicationDef) -> anyhow::Result<Outlet> {
    Ok(Outlet {
        name: p.title(),
        level: p.level.parse::<Level>().map_err(anyhow::Error::msg)?,
        medium: match p.kind {
            PublicationKind::Bulletin => Medium::Bulletin,
            PublicationKind::Magazine => Medium::Magazine,
        },
    })
}

/// Parses 人大建设/2026-6, 《人大建设》2026年第6期 or 人大建设 (its latest issue).
fn resolve<'a>(
    project: &'a Project,
    store: &Store,
    s: &str,
) -> anyhow::Result<(&'a PublicationDef, Issue)> {
    let s = s.trim();
    let (name, rest) = if let Some((n, r)) = s.split_once('/') {
        (
            n.trim_matches(|c| c == '《' || c == '》'),
            Some(r.to_string()),
        )
    } else if let Some(i) = s.find('》') {
        (
            s[..i].trim_start_matches('《'),
            Some(s[i + '》'.len_utf8()..].to_string()),
        )
    } else {
        (s, None)
    };
    let p = publication_def(project, name)?;
    let issue = match rest.filter(|r| !r.is_empty()) {
        Some(r) => {
            let digits: Vec<i64> = r
                .split(|c: char| !c.is_ascii_digit())
                .filter(|x| !x.is_empty())
                .filter_map(|x| x.parse().ok())
                .collect();
            let [year, number] = digits[..] else {
                anyhow::bail!(
                    "期号「{r}」无法识别（例如 {}/2026-6 或 《{}》2026年第6期）",
                    p.name,
                    p.name
                );
            };
            let key = IssueKey {
                publication: p.name.clone(),
                year: year as i32,
                number,
            };
            store.issue(&key)?.ok_or_else(|| {
                anyhow::anyhow!(
                    "{} 不存在（caibian issue list {} 列出各期）",
                    key.title(),
                    p.name
                )
            })?
        }
        None => store
            .issues(Some(&p.name))?
            .into_iter()
            .next()
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "《{}》还没有期次：先运行 caibian issue new {}",
                    p.name,
                    p.name
                )
            })?,
    };
    Ok((p, issue))
}

fn check_column(issue: &Issue, column: Option<String>) -> anyhow::Result<Option<String>> {
    if let Some(c) = &column
        && !issue.columns.is_empty()
        && !issue.columns.contains(c)
    {
        anyhow::bail!(
            "{}没有栏目「{c}」（本期栏目：{}；用 caibian issue set --columns 调整）",
            issue.key.title(),
            issue.columns.join("、")
        );
    }
    Ok(column)
}

pub(crate) fn fonts(project: &Project) -> anyhow::Result<Fonts> {
    let pr = &project.config.print;
    let abs = |p: &PathBuf| project.root.join(p);
    Ok(Fonts::find(
        pr.font.as_ref().map(abs).as_deref(),
        pr.bold_font.as_ref().map(abs).as_deref(),
    )?)
}

pub(crate) fn out_path(project: &Project, issue: &Issue, ext: &str) -> PathBuf {
    let dir = match &project.config.print.output {
        Some(d) => project.root.join(d),
        None => project.data_dir().join("issues"),
    };
    let rev = if issue.revision > 0 {
        format!("-修订{}", issue.revision)
    } else {
        String::new()
    };
    let draft = if issue.is_draft() { "-草稿" } else { "" };
    dir.join(&issue.key.publication).join(format!(
        "{}-{}{rev}{draft}.{ext}",
        issue.key.year, issue.key.number
    ))
}

fn write_file(path: &std::path::Path, data: &[u8]) -> anyhow::Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("无法创建目录 {}", d.display()))?;
    }
    crate::fsio::write_replace(path, data).with_context(|| format!("无法写入 {}", path.display()))
}

fn write_pdf(
    project: &Project,
    p: &PublicationDef,
    issue: &Issue,
    entries: &[crate::store::Entry],
    fonts: &Fonts,
    output: Option<PathBuf>,
) -> anyhow::Result<PathBuf> {
    if entries.is_empty() {
        anyhow::bail!("{} 还没有稿件", issue.key.title());
    }
    let doc = Doc::new(&project.config, p, issue, entries);
    let pdf = compile::print(fonts, &doc)?;
    let path = output.unwrap_or_else(|| out_path(project, issue, "pdf"));
    write_file(&path, &pdf)?;
    Ok(path)
}

#[derive(serde::Serialize)]
struct TocLine<'a> {
    column: &'a str,
    item_id: &'a str,
    title: &'a str,
    unit: Option<&'a str>,
    chars: usize,
    combined_from: Vec<&'a str>,
    page: Option<u32>,
}

fn print_toc(project: &Project, store: &Store, issue: &Issue, json: bool) -> anyhow::Result<()> {
    let p = publication_def(project, &issue.key.publication)?;
    let entries = store.issue_entries(issue)?;
    let doc = Doc::new(&project.config, p, issue, &entries);
    // Exact pages when a font is at hand, else an estimate from the character count.
    let laid = fonts(project).ok().map(|f| compile::paginate(&f, &doc));
    let pages = laid
        .as_ref()
        .map(|l| l.0)
        .unwrap_or_else(|| doc.estimate_pages());
    let starts = laid.as_ref().map(|l| l.1.clone());
    let lines: Vec<TocLine> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| TocLine {
            column: &e.column,
            item_id: &e.item_id,
            title: &e.title,
            unit: e.unit.as_deref(),
            chars: e.chars,
            combined_from: e.sources.iter().map(|s| s.0.as_str()).collect(),
            page: starts.as_ref().and_then(|s| s.get(i).copied()),
        })
        .collect();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "issue": issue,
                "entries": lines,
                "chars": doc.chars(),
                "pages": pages,
                "pages_exact": laid.is_some(),
                "paper": p.paper().label(),
            }))?
        );
        return Ok(());
    }
    println!(
        "{}（总第{}期）{}  {}  出刊日期 {}",
        issue.key.title(),
        issue.total,
        if issue.revision > 0 {
            format!("修订{}", issue.revision)
        } else {
            String::new()
        },
        status_label(&issue.status),
        issue.date
    );
    if !issue.columns.is_empty() {
        println!("栏目顺序：{}", issue.columns.join(" → "));
    }
    if let Some(n) = &issue.note {
        println!("编者按：{n}");
    }
    if let Some(l) = &issue.lead_item {
        println!("头条：{l}");
    }
    println!();
    let mut col = "";
    for (i, l) in lines.iter().enumerate() {
        if l.column != col {
            println!("【{}】", l.column);
            col = l.column;
        }
        let unit = if l.combined_from.is_empty() {
            l.unit.unwrap_or("").to_string()
        } else {
            format!("综合 {} 篇", l.combined_from.len())
        };
        println!(
            "  {:>2}. {}  {}  {}  {:>5}字  {}",
            i + 1,
            super::pad(&super::truncate(l.title, 44), 44),
            l.item_id,
            super::pad(&super::truncate(&unit, 24), 24),
            l.chars,
            l.page.map(|p| format!("第{p}页")).unwrap_or_default()
        );
    }
    println!();
    println!(
        "共 {} 篇，{} 字；{} {} 页（{}）",
        lines.len(),
        doc.chars(),
        if laid.is_some() {
            "排版共"
        } else {
            "按字数估计约"
        },
        pages,
        p.paper().label()
    );
    Ok(())
}
