//! The issue composer: the publications' issues, a new issue, and one issue's contents by
//! column with the pool beside it — add, remove, reorder, lead, table of contents with page
//! numbers, publish, revise, print edition.

use std::sync::Arc;

use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use super::auth::{Editor, form_pairs};
use super::render::ser;
use super::{App, WebError, WebResult, render};
use crate::cli::issue as ops;
use crate::config::PublicationDef;
use crate::store::{Issue, IssueEdit, IssueKey, Move, Store};

pub async fn list(State(app): State<Arc<App>>, Editor(auth): Editor) -> WebResult<Response> {
    let pubs = app
        .run(|app, s| {
            let mut out = Vec::new();
            for p in &app.project.config.publications {
                let mut issues = Vec::new();
                for i in s.issues(Some(&p.name))? {
                    let n = s.issue_entries(&i)?.len();
                    issues.push(context! {
                        issue => ser(&i), title => i.key.title(), n => n,
                        status => ops::status_label(&i.status), href => href(&i),
                    });
                }
                out.push(context! { name => &p.name, title => p.title(), issues => issues });
            }
            Ok(out)
        })
        .await?;
    render::page(
        &auth,
        "issues.html",
        "issues",
        context! { publications => pubs, today => app.today() },
    )
}

fn href(i: &Issue) -> String {
    format!(
        "/issues/{}/{}/{}",
        percent_encoding::utf8_percent_encode(
            &i.key.publication,
            percent_encoding::NON_ALPHANUMERIC
        ),
        i.key.year,
        i.key.number
    )
}

#[derive(Deserialize)]
pub struct NewForm {
    publication: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    number: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

pub async fn create(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Form(f): Form<NewForm>,
) -> WebResult<Response> {
    let who = auth.user.name.clone();
    let issue = app
        .run(move |app, s| {
            let p = publication(app, &f.publication)?;
            let date = crate::cli::adopt::day(
                f.date.as_deref().filter(|d| !d.trim().is_empty()),
                app.project.tz(),
            )
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
            let year: i32 = date
                .get(..4)
                .and_then(|y| y.parse().ok())
                .ok_or_else(|| WebError::BadRequest(format!("日期「{date}」无效")))?;
            let number = match f.number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                Some(n) => Some(
                    n.parse::<i64>()
                        .map_err(|_| WebError::BadRequest(format!("期号「{n}」应为数字")))?,
                ),
                None => None,
            };
            Ok(s.create_issue(
                &p.name,
                year,
                &date,
                i64::from(p.issues_before),
                number,
                &app.project.config.issue_columns(p),
                f.note.as_deref().filter(|n| !n.trim().is_empty()),
                &who,
            )?)
        })
        .await?;
    Ok(render::done(
        &href(&issue),
        &format!("已新建{}（总第{}期）", issue.key.title(), issue.total),
    ))
}

fn publication<'a>(app: &'a App, name: &str) -> WebResult<&'a PublicationDef> {
    app.project
        .config
        .publication(name)
        .ok_or_else(|| WebError::BadRequest(format!("没有名为「{name}」的刊物")))
}

fn find(s: &Store, publication: &str, year: i32, number: i64) -> WebResult<Issue> {
    s.issue(&IssueKey {
        publication: publication.to_string(),
        year,
        number,
    })?
    .ok_or(WebError::NotFound)
}

type IssuePath = Path<(String, i32, i64)>;

pub async fn page(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path((pub_name, year, number)): IssuePath,
) -> WebResult<Response> {
    let ctx = app
        .run(move |app, s| {
            let issue = find(s, &pub_name, year, number)?;
            let entries = s.issue_entries(&issue)?;
            let (pages, starts) =
                app.with_fonts(|f| ops::pages(&app.project, f, &issue, &entries))?;
            let mut columns = Vec::new();
            let mut names: Vec<String> = issue.columns.clone();
            for e in &entries {
                if !names.contains(&e.column) {
                    names.push(e.column.clone());
                }
            }
            for c in &names {
                let list: Vec<_> = entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| &e.column == c)
                    .map(|(i, e)| {
                        context! {
                            id => &e.item_id, title => &e.title, unit => &e.unit,
                            chars => e.chars, position => e.position,
                            page => starts.as_ref().and_then(|s| s.get(i).copied()),
                            combined => !e.sources.is_empty(),
                            lead => issue.lead_item.as_deref() == Some(e.item_id.as_str()),
                        }
                    })
                    .collect();
                columns.push(context! { name => c, entries => list });
            }
            let pool = if issue.is_draft() {
                s.pool(&issue.key.publication, false)?
                    .into_iter()
                    .take(200)
                    .collect()
            } else {
                Vec::new()
            };
            let chars: usize = entries.iter().map(|e| e.chars).sum();
            Ok(context! {
                issue => ser(&issue),
                title => issue.key.title(),
                status => ops::status_label(&issue.status),
                draft => issue.is_draft(),
                base => href(&issue),
                columns => columns,
                column_names => names,
                n => entries.len(),
                chars => chars,
                pages => pages,
                exact => starts.is_some(),
                pool => ser(pool),
            })
        })
        .await?;
    render::page(&auth, "issue.html", "issues", ctx)
}

/// Runs a change to a draft issue and sends the editor back to it.
async fn change<F>(
    app: Arc<App>,
    (pub_name, year, number): (String, i32, i64),
    msg: String,
    f: F,
) -> WebResult<Response>
where
    F: FnOnce(&App, &mut Store, &PublicationDef, &Issue) -> WebResult<()> + Send + 'static,
{
    let to = app
        .run(move |app, s| {
            let issue = find(s, &pub_name, year, number)?;
            let p = publication(app, &issue.key.publication)?;
            f(app, s, p, &issue)?;
            Ok(href(&issue))
        })
        .await?;
    Ok(render::done(&to, &msg))
}

fn outlet(p: &PublicationDef) -> WebResult<crate::store::Outlet> {
    ops::outlet(p).map_err(|e| WebError::Other(e.to_string()))
}

fn column(issue: &Issue, c: Option<String>) -> WebResult<Option<String>> {
    let c = c.filter(|c| !c.trim().is_empty());
    if let Some(name) = &c
        && !issue.columns.is_empty()
        && !issue.columns.contains(name)
    {
        return Err(WebError::BadRequest(format!(
            "{}没有栏目「{name}」",
            issue.key.title()
        )));
    }
    Ok(c)
}

pub async fn add(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path(key): IssuePath,
    body: Bytes,
) -> WebResult<Response> {
    let form = form_pairs(std::str::from_utf8(&body).unwrap_or(""));
    let ids: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.clone())
        .collect();
    if ids.is_empty() {
        return Err(WebError::BadRequest("没有选择稿件".into()));
    }
    let col = form
        .iter()
        .find(|(k, _)| k == "column")
        .map(|(_, v)| v.clone());
    let who = auth.user.name.clone();
    let msg = format!("已编入 {} 篇", ids.len());
    change(app, key, msg, move |_, s, p, issue| {
        let col = column(issue, col)?;
        s.add_to_issue(issue, &ids, col.as_deref(), &outlet(p)?, &who)?;
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
pub struct IdForm {
    id: String,
}

pub async fn remove(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path(key): IssuePath,
    Form(f): Form<IdForm>,
) -> WebResult<Response> {
    let who = auth.user.name.clone();
    change(
        app,
        key,
        "已撤下，采用记录已撤销".into(),
        move |_, s, p, issue| {
            s.remove_from_issue(issue, std::slice::from_ref(&f.id), &outlet(p)?, &who)?;
            Ok(())
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct MoveForm {
    id: String,
    #[serde(default)]
    column: Option<String>,
    /// up / down, or a 1-based position.
    #[serde(default)]
    to: Option<String>,
}

pub async fn move_entry(
    State(app): State<Arc<App>>,
    Editor(_): Editor,
    Path(key): IssuePath,
    Form(f): Form<MoveForm>,
) -> WebResult<Response> {
    change(app, key, "已调整顺序".into(), move |_, s, _, issue| {
        let entries = s.issue_entries(issue)?;
        let me = entries
            .iter()
            .find(|e| e.item_id == f.id)
            .ok_or_else(|| WebError::BadRequest(format!("稿件 {} 不在本期", f.id)))?;
        let col = column(issue, f.column.clone())?;
        // Position within the (target) column, 1-based.
        let mine: Vec<&str> = entries
            .iter()
            .filter(|e| e.column == me.column)
            .map(|e| e.item_id.as_str())
            .collect();
        let at = mine.iter().position(|x| *x == f.id).unwrap_or(0) as i64 + 1;
        let position = match f.to.as_deref().map(str::trim) {
            Some("up") => Some((at - 1).max(1)),
            Some("down") => Some(at + 1),
            Some("") | None => None,
            Some(n) => Some(
                n.parse::<i64>()
                    .map_err(|_| WebError::BadRequest(format!("位置「{n}」应为数字")))?,
            ),
        };
        s.move_entry(
            issue,
            &f.id,
            &Move {
                column: col,
                position,
            },
        )?;
        Ok(())
    })
    .await
}

pub async fn lead(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path(key): IssuePath,
    Form(f): Form<IdForm>,
) -> WebResult<Response> {
    let who = auth.user.name.clone();
    change(
        app,
        key,
        "已设为本期头条".into(),
        move |_, s, p, issue| {
            let edit = IssueEdit {
                lead_item: Some(Some(f.id.clone())),
                ..IssueEdit::default()
            };
            s.edit_issue(issue, &edit, &outlet(p)?, &who)?;
            Ok(())
        },
    )
    .await
}

pub async fn publish(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path((pub_name, year, number)): IssuePath,
) -> WebResult<Response> {
    let who = auth.user.name.clone();
    let (to, msg) = app
        .run(move |app, s| {
            let issue = find(s, &pub_name, year, number)?;
            let p = publication(app, &issue.key.publication)?;
            let done = app.with_fonts(|fonts| {
                let fonts = fonts.ok_or_else(|| {
                    WebError::Other(
                        "找不到印刷用的中文字体（安装 fonts-noto-cjk，或在 caibian.toml 的 [print] 中指定 font）"
                            .into(),
                    )
                })?;
                Ok::<_, WebError>(ops::publish(&app.project, s, p, &issue, fonts, &who)?)
            })?;
            s.log_activity(&who, "issue-publish", Some(&done.issue.key.label()), None)?;
            let mut msg = format!(
                "{}（总第{}期）已出版，共 {} 篇，印刷版已生成",
                done.issue.key.title(),
                done.issue.total,
                done.entries
            );
            if p.is_public() {
                msg.push_str(&format!(
                    "；{} 篇已发布到网站（到「网站」页重新生成）",
                    done.released
                ));
            }
            Ok((href(&done.issue), msg))
        })
        .await?;
    Ok(render::done(&to, &msg))
}

#[derive(Deserialize)]
pub struct ReviseForm {
    reason: String,
}

pub async fn revise(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path(key): IssuePath,
    Form(f): Form<ReviseForm>,
) -> WebResult<Response> {
    if f.reason.trim().is_empty() {
        return Err(WebError::BadRequest("修订必须写明理由".into()));
    }
    let who = auth.user.name.clone();
    change(
        app,
        key,
        "已建立修订稿".into(),
        move |_, s, _, issue| {
            s.revise_issue(issue, f.reason.trim(), &who)?;
            Ok(())
        },
    )
    .await
}

/// The print edition, made now from the issue as it stands (a draft is marked 草稿).
pub async fn pdf(
    State(app): State<Arc<App>>,
    Editor(_): Editor,
    Path((pub_name, year, number)): IssuePath,
) -> WebResult<Response> {
    let (name, bytes) = app
        .run(move |app, s| {
            let issue = find(s, &pub_name, year, number)?;
            let p = publication(app, &issue.key.publication)?;
            let entries = s.issue_entries(&issue)?;
            if entries.is_empty() {
                return Err(WebError::BadRequest(format!(
                    "{} 还没有稿件",
                    issue.key.title()
                )));
            }
            let doc = crate::compile::Doc::new(&app.project.config, p, &issue, &entries);
            let pdf = app.with_fonts(|fonts| {
                let fonts =
                    fonts.ok_or_else(|| WebError::Other("找不到印刷用的中文字体".into()))?;
                crate::compile::print(fonts, &doc).map_err(|e| WebError::Other(e.to_string()))
            })?;
            let path = ops::out_path(&app.project, &issue, "pdf");
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "issue.pdf".into());
            Ok((name, pdf))
        })
        .await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "inline; filename*=UTF-8''{}",
        percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
