//! The reporting units' pages: their own items with status and adoptions, their points, and
//! the submission form (typed in, or a .docx uploaded).
//!
//! A submission from the web is not a second way into the store: it is written as a file into
//! the unit's folder of the project's inbox and the inbox pipeline is run, so it gets exactly
//! the checks, de-duplication, archiving and quarantine of a file put there by hand.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::auth::{Member, own_unit};
use super::inbox::ListQuery;
use super::render::ser;
use super::{App, WebError, WebResult, render};
use crate::collect::FrontMatter;
use crate::collect::Silent;
use crate::pipeline::{self, SourceDef, Trigger};

/// Largest upload accepted (the inbox itself takes files up to 64 MB).
const MAX_UPLOAD: usize = 30 * 1024 * 1024;

pub async fn my_items(
    State(app): State<Arc<App>>,
    Member(auth): Member,
    Query(mut q): Query<ListQuery>,
) -> WebResult<Response> {
    let Some(unit) = own_unit(&auth) else {
        return Ok(Redirect::to("/inbox").into_response());
    };
    if q.status.is_none() {
        q.status = Some("all".into());
    }
    if q.sort.is_none() {
        q.sort = Some("newest".into());
    }
    let f = q.filter(&app, Some(&unit))?;
    let per = f.limit;
    let year = app.today()[..4].to_string();
    let u = unit.clone();
    let (total, rows, points) = app
        .run(move |app, s| {
            let (total, rows) = s.list_items(&f)?;
            let period = crate::score::Period::parse(&year).map_err(WebError::Other)?;
            // No rule table for the year yet: the items still show, the points say so.
            let row = crate::cli::points::ledger_lines(&app.project, &period, false, None)
                .ok()
                .and_then(|lines| {
                    crate::score::rank(&lines, &period, false)
                        .into_iter()
                        .find(|r| r.name == u)
                });
            Ok((total, rows, row))
        })
        .await?;
    let page = q.page.unwrap_or(1).max(1);
    render::page(
        &auth,
        "my.html",
        "my",
        context! {
            unit => unit, rows => ser(rows), total => total, points => ser(points),
            year => &app.today()[..4], page => page,
            pages => (total as usize).div_ceil(per).max(1), qs => q.without_page(),
        },
    )
}

pub async fn form(State(app): State<Arc<App>>, Member(auth): Member) -> WebResult<Response> {
    let Some(unit) = own_unit(&auth) else {
        return Err(WebError::Forbidden(
            "报送表单供报送单位账号使用；编辑可把文件放进收件箱文件夹".into(),
        ));
    };
    let sections: Vec<String> = app
        .project
        .config
        .sections
        .iter()
        .map(|s| s.name.clone())
        .collect();
    render::page(
        &auth,
        "submit.html",
        "submit",
        context! { unit => unit, sections => sections, today => app.today() },
    )
}

#[derive(Deserialize, Default)]
struct SubmitForm {
    title: String,
    #[serde(default)]
    authors: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    section: String,
    #[serde(default)]
    genre: String,
    #[serde(default)]
    body: String,
}

pub async fn submit(
    State(app): State<Arc<App>>,
    Member(auth): Member,
    req: Request,
) -> WebResult<Response> {
    let Some(unit) = own_unit(&auth) else {
        return Err(WebError::Forbidden("报送表单供报送单位账号使用".into()));
    };
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (ext, bytes) = if multipart {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| WebError::BadRequest(format!("上传内容无法读取：{e}")))?;
        let mut file = None;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| WebError::BadRequest(format!("上传内容无法读取：{e}")))?
        {
            if field.name() != Some("file") {
                continue;
            }
            let fname = field.file_name().unwrap_or("").to_lowercase();
            let data = field
                .bytes()
                .await
                .map_err(|e| WebError::BadRequest(format!("上传的文件无法读取：{e}")))?;
            file = Some((fname, data));
        }
        let (fname, data) = file
            .filter(|(_, d)| !d.is_empty())
            .ok_or_else(|| WebError::BadRequest("没有选择要上传的文件".into()))?;
        if data.len() > MAX_UPLOAD {
            return Err(WebError::BadRequest("文件超过 30 MB".into()));
        }
        let ext = fname
            .rsplit_once('.')
            .map(|(_, e)| e.to_string())
            .unwrap_or_default();
        if !["docx", "md", "txt"].contains(&ext.as_str()) {
            return Err(WebError::BadRequest(format!(
                "不支持的文件类型「{fname}」：请上传 .docx、.md 或 .txt"
            )));
        }
        // A file that names another unit is refused here: a reporter submits for its own.
        // (Reading a .docx is CPU work: off the async workers.)
        let named = {
            let (fname, data) = (fname.clone(), data.clone());
            tokio::task::spawn_blocking(move || {
                crate::collect::formats::read(std::path::Path::new(&fname), &data)
                    .ok()
                    .and_then(|d| d.unit)
            })
            .await
            .map_err(|e| WebError::Other(format!("内部错误：{e}")))?
        };
        if let Some(named) = named
            && app
                .project
                .registry
                .resolve(&named)
                .map(|u| u.name.as_str())
                != Some(unit.as_str())
        {
            return Err(WebError::BadRequest(format!(
                "文件中写明的报送单位是「{named}」，不是本账号所属的「{unit}」：请修改后再上传"
            )));
        }
        (ext, data.to_vec())
    } else {
        let axum::Form(f) = axum::Form::<SubmitForm>::from_request(req, &())
            .await
            .map_err(|e| WebError::BadRequest(format!("表单内容无法读取：{e}")))?;
        ("md".to_string(), markdown(&f, &unit)?)
    };
    let who = auth.user.name.clone();
    let me = unit.clone();
    let outcome = tokio::task::spawn_blocking({
        let app = app.clone();
        move || -> WebResult<_> {
            let (written, rel, source, idx) = write_to_inbox(&app, &unit, &who, &ext, &bytes)?;
            // Its own connection: a pipeline run takes seconds, and the pooled ones serve
            // every page.
            let mut s = app.project.open_store()?;
            s.log_activity(&who, "submit", Some(&rel), None)?;
            // Run the inbox pipeline now; if it is already running, that run or the next
            // one takes the file.
            let ran = pipeline::run(
                &app.project,
                &mut s,
                &app.project.pipelines[idx],
                Trigger::Manual,
                None,
                &app.cancel,
                &Silent,
            )
            .map(|_| ())
            .map_err(|e| e.to_string());
            let hash = crate::text::sha256_hex(&bytes);
            let record = s
                .files_with_hash(&hash)?
                .into_iter()
                .find(|f| f.original_path == rel && f.source == source);
            // A duplicate of another unit's item is named without its number: that item is
            // not the reporter's to open.
            let own = |id: &str| -> WebResult<bool> {
                Ok(s.item_full(id)?.and_then(|i| i.unit).as_deref() == Some(me.as_str()))
            };
            let record = match record {
                Some(mut r) => {
                    if let Some(id) = r.item_id.clone()
                        && !own(&id)?
                    {
                        r.item_id = None;
                    }
                    Some(r)
                }
                None => None,
            };
            Ok((written, record, ran))
        }
    })
    .await
    .map_err(|e| WebError::Other(format!("内部错误：{e}")))??;
    let (written, record, ran) = outcome;
    let ctx = match record {
        Some(r) => context! {
            outcome => r.outcome, item => r.item_id, reason => r.reason,
            file => written.display().to_string(),
        },
        None => context! {
            outcome => "waiting",
            note => ran.err(),
            file => written.display().to_string(),
        },
    };
    render::page(&auth, "submitted.html", "submit", ctx)
}

/// The typed-in submission as Markdown with TOML front matter (serialized, never pasted).
fn markdown(f: &SubmitForm, unit: &str) -> WebResult<Vec<u8>> {
    let nonempty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    if f.title.trim().is_empty() {
        return Err(WebError::BadRequest("请填写标题".into()));
    }
    if f.body.trim().is_empty() {
        return Err(WebError::BadRequest("请填写正文".into()));
    }
    let date = match nonempty(&f.date) {
        Some(d) => Some(
            serde_json::from_value(serde_json::Value::String(d))
                .map_err(|e| WebError::BadRequest(format!("日期无效：{e}")))?,
        ),
        None => None,
    };
    let genre = match nonempty(&f.genre) {
        Some(g) => Some(
            serde_json::from_value(serde_json::Value::String(g.clone()))
                .map_err(|_| WebError::BadRequest(format!("未知的稿件类型「{g}」")))?,
        ),
        None => None,
    };
    let fm = FrontMatter {
        title: Some(f.title.trim().to_string()),
        unit: Some(unit.to_string()),
        authors: nonempty(&f.authors).map(crate::collect::AuthorsField::Names),
        date,
        section: nonempty(&f.section),
        genre,
        ..FrontMatter::default()
    };
    let toml = toml::to_string(&fm).map_err(|e| WebError::Other(e.to_string()))?;
    Ok(format!(
        "+++\n{toml}+++\n\n{}\n",
        f.body.replace("\r\n", "\n").trim()
    )
    .into_bytes())
}

/// Where web submissions go: the first inbox source of an enabled pipeline — (the pipeline's
/// index, the source's name, its folder). Chosen together, so the file lands where that
/// pipeline's runs read.
fn inbox(app: &App) -> WebResult<(usize, String, PathBuf)> {
    for (idx, p) in app.project.pipelines.iter().enumerate() {
        if !p.def.enabled {
            continue;
        }
        for s in &p.def.sources {
            if let SourceDef::Inbox(d) = s {
                let name = d.name.clone().unwrap_or_else(|| "inbox".into());
                let path = if d.path.is_absolute() {
                    d.path.clone()
                } else {
                    app.project.root.join(&d.path)
                };
                return Ok((idx, name, path));
            }
        }
    }
    Err(WebError::Other(
        "项目没有启用的收件箱（pipelines/ 中没有启用的、含 type = \"inbox\" 来源的流水线），无法接收报送"
            .into(),
    ))
}

/// Writes the submission into `inbox/<unit>/` under a fresh name, completely or not at all
/// (a hidden temporary file, synced, then renamed: the inbox skips hidden files).
fn write_to_inbox(
    app: &App,
    unit: &str,
    who: &str,
    ext: &str,
    bytes: &[u8],
) -> WebResult<(PathBuf, String, String, usize)> {
    let (idx, source, root) = inbox(app)?;
    let dir = root.join(unit);
    std::fs::create_dir_all(&dir)
        .map_err(|e| WebError::Other(format!("无法创建 {}：{e}", dir.display())))?;
    let stamp = chrono::Utc::now()
        .with_timezone(&app.project.tz())
        .format("%Y%m%d-%H%M%S");
    let mut rnd = [0u8; 3];
    getrandom::fill(&mut rnd).map_err(|e| WebError::Other(e.to_string()))?;
    let safe_who: String = who
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let name = format!(
        "网页报送-{stamp}-{safe_who}-{:02x}{:02x}{:02x}.{ext}",
        rnd[0], rnd[1], rnd[2]
    );
    let path = dir.join(&name);
    crate::fsio::write_replace(&path, bytes)
        .map_err(|e| WebError::Other(format!("无法写入 {}：{e}", path.display())))?;
    Ok((path, format!("{unit}/{name}"), source, idx))
}
