//! Rankings (通报): a period picker, the table by unit or by writer, and the Excel report.
//! A reporter sees the same figures for its own unit on its own page (`unit`).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use super::auth::Editor;
use super::render::ser;
use super::{App, WebError, WebResult, render};
use crate::score::{self, Period};

#[derive(Deserialize, Default)]
pub struct RankQuery {
    /// 2026, 2026-Q4, 2026-11, or FROM..TO.
    #[serde(default)]
    period: Option<String>,
    /// unit (default) or writer.
    #[serde(default)]
    by: Option<String>,
}

impl RankQuery {
    fn period(&self, app: &App) -> WebResult<Period> {
        let p = self
            .period
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| app.today()[..4].to_string());
        Period::parse(&p).map_err(WebError::BadRequest)
    }
    fn by_writer(&self) -> bool {
        self.by.as_deref() == Some("writer")
    }
}

pub async fn page(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Query(q): Query<RankQuery>,
) -> WebResult<Response> {
    let period = q.period(&app)?;
    let by_writer = q.by_writer();
    let p = period.clone();
    let rows = app
        .run(move |app, _| {
            let lines = crate::cli::points::ledger_lines(&app.project, &p, by_writer, None)
                .map_err(|e| WebError::BadRequest(format!("{e:#}")))?;
            Ok(score::rank(&lines, &p, by_writer))
        })
        .await?;
    let year = &app.today()[..4];
    let choices: Vec<(String, String)> = [
        (year.to_string(), format!("{year}年")),
        (format!("{year}-Q1"), format!("{year}年第1季度")),
        (format!("{year}-Q2"), format!("{year}年第2季度")),
        (format!("{year}-Q3"), format!("{year}年第3季度")),
        (format!("{year}-Q4"), format!("{year}年第4季度")),
    ]
    .into_iter()
    .collect();
    let raw = q.period.clone().unwrap_or_else(|| year.to_string());
    let xlsx = format!(
        "/rank.xlsx?period={}&by={}",
        percent_encoding::utf8_percent_encode(&raw, percent_encoding::NON_ALPHANUMERIC),
        if by_writer { "writer" } else { "unit" }
    );
    render::page(
        &auth,
        "rank.html",
        "rank",
        context! {
            rows => ser(rows), period => ser(period), raw => raw, by_writer => by_writer,
            choices => choices, xlsx => xlsx,
        },
    )
}

pub async fn xlsx(
    State(app): State<Arc<App>>,
    Editor(_): Editor,
    Query(q): Query<RankQuery>,
) -> WebResult<Response> {
    let period = q.period(&app)?;
    let by_writer = q.by_writer();
    let p = period.clone();
    let bytes = app
        .run(move |app, _| {
            let lines = crate::cli::points::ledger_lines(&app.project, &p, by_writer, None)
                .map_err(|e| WebError::BadRequest(format!("{e:#}")))?;
            let rows = score::rank(&lines, &p, by_writer);
            Ok(crate::cli::rank::xlsx(
                &app.project,
                &p,
                by_writer,
                &rows,
                &lines,
            )?)
        })
        .await?;
    let name = format!(
        "{}积分排名-{}.xlsx",
        if by_writer { "作者" } else { "单位" },
        period.label
    );
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"ranking.xlsx\"; filename*=UTF-8''{}",
        percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
