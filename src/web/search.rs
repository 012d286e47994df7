//! The archive search: the search issue's query language, filters, facets, highlights, paging.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::auth::Editor;
use super::render::ser;
use super::{App, WebError, WebResult, render};
use crate::index::query::{Filters, date_range, kind_value};
use crate::index::{SearchRequest, SearchResults, Sort};

pub const PER_PAGE: usize = 20;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub section: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// 2024, 2024-03, 2024-01..2024-06.
    #[serde(default)]
    pub date: Option<String>,
    /// relevance (default) or date.
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub page: Option<usize>,
    #[serde(default)]
    pub per_page: Option<usize>,
}

fn val(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl SearchQuery {
    pub fn request(&self, only_unit: Option<String>) -> Result<SearchRequest, WebError> {
        let mut f = Filters::default();
        if let Some(u) = val(&self.unit) {
            f.units.push(u.to_string());
        }
        if let Some(s) = val(&self.section) {
            f.sections.push(s.to_string());
        }
        if let Some(k) = val(&self.kind) {
            f.kinds.push(
                kind_value(k)
                    .ok_or_else(|| {
                        WebError::BadRequest(format!("未知的类型「{k}」（可选：报送、新闻）"))
                    })?
                    .to_string(),
            );
        }
        if let Some(s) = val(&self.status) {
            let st: crate::store::Status = s.parse().map_err(WebError::BadRequest)?;
            f.statuses.push(st.as_str().to_string());
        }
        if let Some(d) = val(&self.date) {
            let (from, to) = date_range(d).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "无法识别的日期范围「{d}」（例如 2024、2024-03、2024-01..2024-06）"
                ))
            })?;
            f.date_from = from;
            f.date_to = to;
        }
        let per = self
            .per_page
            .unwrap_or(PER_PAGE)
            .clamp(1, crate::index::MAX_PAGE);
        Ok(SearchRequest {
            query: val(&self.q).unwrap_or("").to_string(),
            filters: f,
            sort: match val(&self.sort) {
                Some("date") => Sort::Date,
                _ => Sort::Relevance,
            },
            offset: (self.page.unwrap_or(1).clamp(1, 100_000) - 1) * per,
            limit: per,
            only_unit,
        })
    }

    /// This query with one parameter changed (facet and paging links).
    pub fn with(&self, key: &str, value: &str) -> String {
        let mut q = self.clone();
        let v = Some(value.to_string()).filter(|v| !v.is_empty());
        match key {
            "unit" => q.unit = v,
            "section" => q.section = v,
            "kind" => q.kind = v,
            "date" => q.date = v,
            "page" => q.page = value.parse().ok(),
            _ => {}
        }
        if key != "page" {
            q.page = None;
        }
        let pairs = [
            ("q", val(&q.q).map(str::to_string)),
            ("unit", val(&q.unit).map(str::to_string)),
            ("section", val(&q.section).map(str::to_string)),
            ("kind", val(&q.kind).map(str::to_string)),
            ("status", val(&q.status).map(str::to_string)),
            ("date", val(&q.date).map(str::to_string)),
            ("sort", val(&q.sort).map(str::to_string)),
            ("page", q.page.map(|p| p.to_string())),
        ];
        let s: Vec<String> = pairs
            .into_iter()
            .filter_map(|(k, v)| {
                v.map(|v| {
                    format!(
                        "{k}={}",
                        percent_encoding::utf8_percent_encode(
                            &v,
                            percent_encoding::NON_ALPHANUMERIC
                        )
                    )
                })
            })
            .collect();
        format!("/search?{}", s.join("&"))
    }
}

/// Runs a search from the web (page or API); a reporter's is confined to its unit.
pub async fn run(
    app: &Arc<App>,
    q: &SearchQuery,
    only_unit: Option<String>,
) -> WebResult<SearchResults> {
    let req = q.request(only_unit)?;
    app.run(move |app, s| app.search(s, &req)).await
}

pub async fn page(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Query(q): Query<SearchQuery>,
) -> WebResult<Response> {
    let asked = [&q.q, &q.unit, &q.section, &q.kind, &q.status, &q.date]
        .iter()
        .any(|v| val(v).is_some());
    let res = if asked {
        Some(run(&app, &q, None).await?)
    } else {
        None
    };
    let per = q
        .per_page
        .unwrap_or(PER_PAGE)
        .clamp(1, crate::index::MAX_PAGE);
    let hits: Vec<_> = res
        .as_ref()
        .map(|r| {
            r.hits
                .iter()
                .map(|h| {
                    context! {
                        id => &h.id, title => h.title.html(), snippet => h.snippet.html(),
                        unit => &h.unit, section => &h.section, kind => &h.kind,
                        status => &h.status, date => &h.date,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let facet = |key: &str, list: &[(String, u64)]| -> Vec<minijinja::Value> {
        list.iter()
            .take(12)
            .map(|(name, n)| {
                let v = if key == "kind" {
                    match name.as_str() {
                        "submission" => "报送",
                        "news" => "新闻",
                        other => other,
                    }
                } else {
                    name.as_str()
                };
                context! { name => v, n => n, href => q.with(key, v) }
            })
            .collect()
    };
    let facets = res.as_ref().map(|r| {
        context! {
            unit => facet("unit", &r.facets.unit),
            section => facet("section", &r.facets.section),
            kind => facet("kind", &r.facets.kind),
            year => facet("date", &r.facets.year),
        }
    });
    let total = res.as_ref().map(|r| r.total).unwrap_or(0);
    let page = q.page.unwrap_or(1).max(1);
    let pages = total.div_ceil(per).max(1);
    render::page(
        &auth,
        "search.html",
        "search",
        context! {
            q => ser(&q),
            asked => asked,
            hits => hits,
            total => total,
            took => res.as_ref().map(|r| format!("{:.1}", r.took_ms)),
            warnings => res.as_ref().map(|r| r.warnings.clone()),
            notes => res.as_ref().map(|r| r.notes.clone()),
            facets => facets,
            page => page,
            pages => pages,
            first => (page - 1) * per + 1,
            prev => (page > 1).then(|| q.with("page", &(page - 1).to_string())),
            next => (page < pages).then(|| q.with("page", &(page + 1).to_string())),
            clear_unit => q.with("unit", ""),
            clear_section => q.with("section", ""),
            clear_kind => q.with("kind", ""),
            clear_date => q.with("date", ""),
        },
    )
}
