//! The JSON API (documented in the README): the same session and the same rules as the pages.
//! A reporter's listings and searches are confined to its own unit.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};

use super::auth::{Member, own_unit};
use super::inbox::ListQuery;
use super::search::SearchQuery;
use super::{App, WebError, WebResult, render};
use crate::store::Role;

/// Errors as `{"error": "…"}` with the status, not as an HTML page.
fn json_err(e: WebError) -> Response {
    render::json_error(e.status(), &e.to_string())
}

pub async fn items(
    State(app): State<Arc<App>>,
    Member(auth): Member,
    Query(q): Query<ListQuery>,
) -> Response {
    let res: WebResult<Response> = async {
        let unit = own_unit(&auth);
        let f = q.filter(&app, unit.as_deref())?;
        let (per, page) = (f.limit, q.page.unwrap_or(1).max(1));
        let (total, rows) = app.run(move |_, s| Ok(s.list_items(&f)?)).await?;
        Ok(Json(serde_json::json!({
            "total": total, "page": page, "per_page": per, "items": rows,
        }))
        .into_response())
    }
    .await;
    res.unwrap_or_else(json_err)
}

pub async fn item(
    State(app): State<Arc<App>>,
    Member(auth): Member,
    Path(id): Path<String>,
) -> Response {
    let reporter = auth.user.role == Role::Unit;
    app.run(move |_, s| super::item::visible(s, &auth, &id))
        .await
        .map(|mut i| {
            if reporter {
                // Where the office keeps the original is the office's business.
                i.raw_path = None;
            }
            Json(i).into_response()
        })
        .unwrap_or_else(json_err)
}

pub async fn search(
    State(app): State<Arc<App>>,
    Member(auth): Member,
    Query(q): Query<SearchQuery>,
) -> Response {
    super::search::run(&app, &q, own_unit(&auth))
        .await
        .map(|r| Json(r).into_response())
        .unwrap_or_else(json_err)
}
