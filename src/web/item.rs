//! One item: its fields, text (editable, with preview), value breakdown, near-duplicates,
//! adoptions, 批示 and audit history; and the editor's actions on it.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use super::auth::{Editor, Member};
use super::render::ser;
use super::{App, Auth, WebError, WebResult, render};
use crate::store::{How, ItemFull, Level, Medium, NewAdoption, Role, Status, Store};

/// The item, if this user may see it. A reporter sees only its own unit's items; any other
/// id is "not found", exactly as for an id that does not exist.
pub fn visible(store: &Store, auth: &Auth, id: &str) -> WebResult<ItemFull> {
    let item = store.item_full(id)?.ok_or(WebError::NotFound)?;
    if auth.user.role == Role::Unit
        && item
            .unit
            .as_deref()
            .is_none_or(|u| Some(u) != auth.user.unit.as_deref())
    {
        return Err(WebError::NotFound);
    }
    Ok(item)
}

pub async fn page(
    State(app): State<Arc<App>>,
    Member(auth): Member,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let a = auth.clone();
    let ctx = app
        .run(move |app, s| {
            let item = visible(s, &a, &id)?;
            let html = crate::site::markdown::render(&item.body, &Default::default()).0;
            let adoptions = s.adoptions(Some(&id))?;
            let instructions = s.instructions(Some(&id))?;
            if !a.user.role.is_editor() {
                // A reporter sees what became of the piece (received, status changes with the
                // reasons, e.g. why it was returned), not the office's internal notes.
                let audit: Vec<_> = s
                    .audit(&id)?
                    .into_iter()
                    .filter(|e| e.action == "collected" || e.action == "status")
                    .collect();
                return Ok(
                    context! { item => ser(item), body_html => html, audit => ser(audit),
                    adoptions => ser(adoptions), instructions => ser(instructions) },
                );
            }
            let value = crate::score::value::score(s, &app.project.config.value, &id, today(app))?;
            let similar = match s.most_similar_earlier(&id)? {
                Some(sim) => {
                    let title = s.item_full(&sim.id)?.map(|i| i.title);
                    Some(
                        context! { id => sim.id, status => sim.status, title => title,
                        pct => (sim.containment * 100.0).round() },
                    )
                }
                None => None,
            };
            Ok(context! {
                item => ser(item),
                body_html => html,
                value => ser(value),
                similar => similar,
                copies => ser(s.copies_of(&id)?),
                audit => ser(s.audit(&id)?),
                adoptions => ser(adoptions),
                instructions => ser(instructions),
            })
        })
        .await?;
    let cfg = &app.project.config;
    let sections: Vec<String> = cfg.sections.iter().map(|s| s.name.clone()).collect();
    let outlets: Vec<String> = cfg.publications.iter().map(|p| p.title()).collect();
    render::page(
        &auth,
        "item.html",
        "inbox",
        context! {
            sections => sections,
            outlets => outlets,
            units => app.project.config.reporting_units().map(|u| u.name.clone()).collect::<Vec<_>>(),
            levels => ["县", "市", "省", "国家"],
            media => ["简报", "刊物", "报纸", "网站", "电视", "广播"],
            hows => ["全文", "综合", "摘要"],
            today => app.today(),
            ..ctx
        },
    )
}

fn today(app: &App) -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&app.project.tz())
        .date_naive()
}

fn back(id: &str) -> String {
    format!("/items/{id}")
}

#[derive(Deserialize)]
pub struct EditForm {
    title: String,
    body: String,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    current_section: Option<String>,
    /// The item's `updated_at` when the form was opened: a save over someone else's newer
    /// change is refused instead of silently overwriting it.
    #[serde(default)]
    version: Option<String>,
}

pub async fn edit(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path(id): Path<String>,
    Form(f): Form<EditForm>,
) -> WebResult<Response> {
    // A column no longer in the config may stay as it is (it is offered as the current
    // value); any other must be a configured one.
    let current = f.current_section.as_deref().unwrap_or("");
    if let Some(sec) = f
        .section
        .as_deref()
        .filter(|s| !s.is_empty() && *s != current)
        && !app.project.config.sections.iter().any(|d| d.name == sec)
    {
        return Err(WebError::BadRequest(format!("未知的栏目「{sec}」")));
    }
    // Browsers send CRLF from a textarea; the store keeps LF like every other source.
    let body = f.body.replace("\r\n", "\n");
    let who = auth.user.name.clone();
    let i = id.clone();
    let changed = app
        .run(move |_, s| {
            if let Some(v) = f.version.as_deref().filter(|v| !v.is_empty())
                && let Some(now) = s.item_full(&i)?
                && now.updated_at != v
            {
                return Err(WebError::BadRequest(format!(
                    "这篇稿件在你打开编辑后已被修改（{}）：请刷新页面，在最新内容上重新修改",
                    now.updated_at
                )));
            }
            Ok(s.edit_item(&i, &f.title, &body, f.section.as_deref(), &who)?)
        })
        .await?;
    Ok(render::done(
        &back(&id),
        if changed {
            "已保存修改"
        } else {
            "没有改动"
        },
    ))
}

#[derive(Deserialize)]
pub struct StatusForm {
    to: String,
}

pub async fn status(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> WebResult<Response> {
    let to: Status = f.to.parse().map_err(WebError::BadRequest)?;
    if to == Status::Returned {
        return Err(WebError::BadRequest(
            "退稿请用「退稿」表单并写明理由".into(),
        ));
    }
    let who = auth.user.name.clone();
    let i = id.clone();
    app.run(move |_, s| Ok(s.set_status(&i, to, &who, None)?))
        .await?;
    Ok(render::done(
        &back(&id),
        &format!("已设为「{}」", to.label()),
    ))
}

#[derive(Deserialize)]
pub struct ReturnForm {
    reason: String,
}

pub async fn return_item(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path(id): Path<String>,
    Form(f): Form<ReturnForm>,
) -> WebResult<Response> {
    if f.reason.trim().is_empty() {
        return Err(WebError::BadRequest("退稿必须写明理由".into()));
    }
    let who = auth.user.name.clone();
    let i = id.clone();
    app.run(move |_, s| Ok(s.set_status(&i, Status::Returned, &who, Some(f.reason.trim()))?))
        .await?;
    Ok(render::done(&back(&id), "已退稿，理由已记录"))
}

#[derive(Deserialize)]
pub struct AdoptForm {
    outlet: String,
    level: String,
    medium: String,
    #[serde(default)]
    how: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    issue: Option<String>,
    #[serde(default)]
    front_page: Option<String>,
    #[serde(default)]
    evidence: Option<String>,
    /// The unit credited, for an item without one (a news item a unit's work is behind).
    #[serde(default)]
    credit: Option<String>,
}

fn opt(s: Option<String>) -> Option<String> {
    s.map(|x| x.trim().to_string()).filter(|x| !x.is_empty())
}

pub async fn adopt(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path(id): Path<String>,
    Form(f): Form<AdoptForm>,
) -> WebResult<Response> {
    let level: Level = f.level.parse().map_err(WebError::BadRequest)?;
    let medium: Medium = f.medium.parse().map_err(WebError::BadRequest)?;
    let how: How = opt(f.how)
        .as_deref()
        .unwrap_or("全文")
        .parse()
        .map_err(WebError::BadRequest)?;
    let outlet = f.outlet.trim().to_string();
    if outlet.is_empty() {
        return Err(WebError::BadRequest("请写明采用的刊物或媒体".into()));
    }
    let date = crate::cli::adopt::day(opt(f.date).as_deref(), app.project.tz())
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let credits = match opt(f.credit) {
        Some(c) => vec![
            app.project
                .registry
                .resolve(&c)
                .map(|u| u.name.clone())
                .ok_or_else(|| WebError::BadRequest(format!("未登记的单位「{c}」")))?,
        ],
        None => Vec::new(),
    };
    let rec = NewAdoption {
        item_id: id.clone(),
        outlet,
        level,
        medium,
        how,
        adopted_on: date,
        issue: opt(f.issue),
        front_page: f.front_page.is_some(),
        evidence: opt(f.evidence),
        // With no unit named, an item without one (a news reprint) is recorded as adopted
        // and earns no unit points, as when it is put in an issue.
        uncredited_ok: credits.is_empty(),
        credits,
    };
    let who = auth.user.name.clone();
    let n = app
        .run(move |_, s| Ok(s.record_adoption(&rec, &who)?))
        .await?;
    Ok(render::done(&back(&id), &format!("已记录采用 #{n}")))
}

#[derive(Deserialize)]
pub struct InstructForm {
    level: String,
    #[serde(default)]
    leader: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

pub async fn instruct(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Path(id): Path<String>,
    Form(f): Form<InstructForm>,
) -> WebResult<Response> {
    let level: Level = f.level.parse().map_err(WebError::BadRequest)?;
    let date = crate::cli::adopt::day(opt(f.date).as_deref(), app.project.tz())
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let who = auth.user.name.clone();
    let i = id.clone();
    app.run(move |_, s| {
        Ok(s.record_instruction(
            &i,
            level,
            opt(f.leader).as_deref(),
            &date,
            opt(f.note).as_deref(),
            &who,
        )?)
    })
    .await?;
    Ok(render::done(&back(&id), "已记录批示"))
}

#[derive(Deserialize)]
pub struct PreviewForm {
    body: String,
}

/// The Markdown editor's preview: the body as the site would show it (raw HTML made safe).
pub async fn preview(Member(_): Member, Form(f): Form<PreviewForm>) -> Response {
    Html(crate::site::markdown::render(&f.body, &Default::default()).0).into_response()
}
