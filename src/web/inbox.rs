//! The inbox: items to review, most valuable first, with filters, paging and bulk actions.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::auth::{Editor, form_pairs};
use super::render::ser;
use super::{App, WebError, WebResult, render};
use crate::store::{ItemFilter, ListSort, Status};

pub const PER_PAGE: usize = 50;

/// The filters of the inbox and of `/api/items`, as they appear in the query string.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ListQuery {
    /// `""` (new and in review), `all`, or one status.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub section: Option<String>,
    /// YYYY-MM-DD, collected on or after.
    #[serde(default)]
    pub from: Option<String>,
    /// YYYY-MM-DD, collected on or before.
    #[serde(default)]
    pub to: Option<String>,
    /// value (default), newest, oldest.
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub page: Option<usize>,
    #[serde(default)]
    pub per_page: Option<usize>,
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// UTC start of a local day (RFC 3339), `days` later.
fn day_start(app: &App, s: &str, field: &str, days: i64) -> WebResult<String> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::BadRequest(format!(
            "{field}「{s}」不是日期（应为 2026-11-20 这样的格式）"
        ))
    })?;
    let d = d
        .checked_add_days(chrono::Days::new(days as u64))
        .ok_or_else(|| WebError::BadRequest(format!("{field}「{s}」超出范围")))?;
    let local = d
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(app.project.tz()).earliest())
        .ok_or_else(|| WebError::BadRequest(format!("{field}「{s}」无效")))?;
    Ok(crate::store::ts(local.with_timezone(&chrono::Utc)))
}

impl ListQuery {
    /// The store filter; `unit_only` pins the unit (a reporter's own).
    pub fn filter(&self, app: &App, unit_only: Option<&str>) -> WebResult<ItemFilter> {
        let statuses = match nonempty(&self.status).as_deref() {
            None => vec![Status::New, Status::Reviewing],
            Some("all") => Vec::new(),
            Some(s) => vec![s.parse::<Status>().map_err(WebError::BadRequest)?],
        };
        let kind = match nonempty(&self.kind) {
            None => None,
            Some(k) => Some(
                crate::index::query::kind_value(&k)
                    .ok_or_else(|| {
                        WebError::BadRequest(format!("未知的类型「{k}」（可选：报送、新闻）"))
                    })?
                    .to_string(),
            ),
        };
        let unit = match (unit_only, nonempty(&self.unit)) {
            (Some(u), _) => Some(u.to_string()),
            (None, Some(u)) => Some(
                app.project
                    .registry
                    .resolve(&u)
                    .map(|d| d.name.clone())
                    .ok_or_else(|| WebError::BadRequest(format!("未登记的单位「{u}」")))?,
            ),
            (None, None) => None,
        };
        let per_page = self.per_page.unwrap_or(PER_PAGE).clamp(1, 200);
        Ok(ItemFilter {
            statuses,
            kind,
            unit,
            section: nonempty(&self.section),
            from: match nonempty(&self.from) {
                Some(d) => Some(day_start(app, &d, "开始日期", 0)?),
                None => None,
            },
            to: match nonempty(&self.to) {
                Some(d) => Some(day_start(app, &d, "结束日期", 1)?),
                None => None,
            },
            sort: match nonempty(&self.sort).as_deref() {
                None | Some("value") => ListSort::Value,
                Some("newest") => ListSort::Newest,
                Some("oldest") => ListSort::Oldest,
                Some(s) => {
                    return Err(WebError::BadRequest(format!(
                        "未知的排序「{s}」（可选：value、newest、oldest）"
                    )));
                }
            },
            offset: (self.page.unwrap_or(1).clamp(1, 100_000) - 1) * per_page,
            limit: per_page,
        })
    }

    /// The query string without `page`, for paging links.
    pub fn without_page(&self) -> String {
        let mut q = self.clone();
        q.page = None;
        q.per_page = None;
        let pairs: Vec<(String, String)> = [
            ("status", &q.status),
            ("kind", &q.kind),
            ("unit", &q.unit),
            ("section", &q.section),
            ("from", &q.from),
            ("to", &q.to),
            ("sort", &q.sort),
        ]
        .into_iter()
        .filter_map(|(k, v)| nonempty(v).map(|v| (k.to_string(), v)))
        .collect();
        pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

pub async fn page(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let filter = q.filter(&app, None)?;
    let per = filter.limit;
    let (total, rows) = app.run(move |_, s| Ok(s.list_items(&filter)?)).await?;
    let cfg = &app.project.config;
    let units: Vec<String> = cfg.units.iter().map(|u| u.name.clone()).collect();
    let sections: Vec<String> = cfg.sections.iter().map(|s| s.name.clone()).collect();
    let statuses: Vec<(&str, &str)> = Status::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    let page = q.page.unwrap_or(1).max(1);
    render::page(
        &auth,
        "inbox.html",
        "inbox",
        context! {
            rows => ser(rows),
            total => total,
            page => page,
            pages => (total as usize).div_ceil(per).max(1),
            q => ser(&q),
            qs => q.without_page(),
            units => units,
            sections => sections,
            statuses => statuses,
        },
    )
}

/// Sets the status of the ticked items: 审核中, 归档, or 退稿 (with the reason).
pub async fn bulk(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    body: Bytes,
) -> WebResult<Response> {
    let form = form_pairs(std::str::from_utf8(&body).unwrap_or(""));
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let ids: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.clone())
        .collect();
    let back = get("back")
        .filter(|b| b.starts_with("/inbox"))
        .unwrap_or_else(|| "/inbox".into());
    if ids.is_empty() {
        return Ok(render::done(&back, "没有勾选稿件"));
    }
    let to = match get("action").as_deref() {
        Some("reviewing") => Status::Reviewing,
        Some("archived") => Status::Archived,
        Some("returned") => Status::Returned,
        Some("new") => Status::New,
        other => {
            return Err(WebError::BadRequest(format!(
                "未知的批量操作「{}」",
                other.unwrap_or("")
            )));
        }
    };
    let reason = get("reason").filter(|r| !r.trim().is_empty());
    if to == Status::Returned && reason.is_none() {
        return Err(WebError::BadRequest("批量退稿必须写明理由".into()));
    }
    let who = auth.user.name.clone();
    let n = ids.len();
    app.run(move |_, s| {
        for id in &ids {
            s.set_status(id, to, &who, reason.as_deref())?;
        }
        Ok(())
    })
    .await?;
    Ok(render::done(
        &back,
        &format!("已将 {n} 篇稿件设为「{}」", to.label()),
    ))
}
