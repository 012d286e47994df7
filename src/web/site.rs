//! The publicity site: build and publish (incremental, atomic), preview what is published,
//! roll back to the previous build.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::auth::Editor;
use super::{App, WebError, WebResult, render};
use crate::site::{self, publish};

pub async fn page(State(app): State<Arc<App>>, Editor(auth): Editor) -> WebResult<Response> {
    let (released, waiting) = app
        .run(|_, s| {
            let items = s.site_items()?;
            Ok((items.len(), s.adopted_unreleased()?.len()))
        })
        .await?;
    let layout = app.project.site_layout();
    let current = publish::current(&layout.output);
    let builds: Vec<_> = publish::list(&layout.builds)
        .iter()
        .rev()
        .map(|b| {
            let name = b
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let live = b.canonicalize().ok() == current;
            context! { name => name, live => live }
        })
        .collect();
    render::page(
        &auth,
        "site.html",
        "site",
        context! {
            released => released, waiting => waiting, builds => builds,
            published => current.is_some(), output => layout.output.display().to_string(),
        },
    )
}

#[derive(Deserialize)]
pub struct BuildForm {
    #[serde(default)]
    force: Option<String>,
}

pub async fn build(
    State(app): State<Arc<App>>,
    Editor(auth): Editor,
    Form(f): Form<BuildForm>,
) -> WebResult<Response> {
    let who = auth.user.name.clone();
    // Read the store with a pooled connection; build without one (a build takes seconds).
    let input = app
        .run(|app, s| Ok(site::content::from_store(s, &app.project)?))
        .await?;
    let a = app.clone();
    let r = tokio::task::spawn_blocking(move || {
        // One build or rollback at a time: two in the same second would share a folder.
        let _one = a.site_lock.lock().unwrap_or_else(|p| p.into_inner());
        let theme = site::Theme::load(&a.project.root.join("site"))
            .map_err(|e| WebError::Other(e.to_string()))?;
        site::build(&input, &theme, &a.project.site_layout(), f.force.is_some())
            .map_err(|e| WebError::Other(e.to_string()))
    })
    .await
    .map_err(|e| WebError::Other(format!("内部错误：{e}")))??;
    let note = format!("{} 篇，新生成 {} 个文件", r.articles, r.written);
    app.run(move |_, s| Ok(s.log_activity(&who, "site-build", None, Some(&note))?))
        .await?;
    Ok(render::done(
        "/site",
        &format!(
            "网站已生成并发布：{} 篇文章，{} 个文件（新生成 {}，沿用 {}），用时 {:.2} 秒",
            r.articles, r.outputs, r.written, r.reused, r.seconds
        ),
    ))
}

pub async fn rollback(State(app): State<Arc<App>>, Editor(auth): Editor) -> WebResult<Response> {
    let a = app.clone();
    let to = tokio::task::spawn_blocking(move || {
        let _one = a.site_lock.lock().unwrap_or_else(|p| p.into_inner());
        let layout = a.project.site_layout();
        publish::rollback(&layout.builds, &layout.output)
            .map_err(|e| WebError::BadRequest(e.to_string()))
    })
    .await
    .map_err(|e| WebError::Other(format!("内部错误：{e}")))??;
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let who = auth.user.name.clone();
    let n = name.clone();
    app.run(move |_, s| Ok(s.log_activity(&who, "site-rollback", Some(&n), None)?))
        .await?;
    Ok(render::done("/site", &format!("已回退到构建 {name}")))
}

pub async fn preview_root(state: State<Arc<App>>, e: Editor) -> WebResult<Response> {
    preview(state, e, Path(String::new())).await
}

/// The published site as a web server would serve it, under /site/preview/. Its pages run the
/// theme's scripts, so they are sandboxed into an origin of their own: nothing published can
/// act with the editor's session (the site's search, which fetches from its own origin, does
/// not work in this preview; `caibian preview` serves the site as it is).
pub async fn preview(
    State(app): State<Arc<App>>,
    Editor(_): Editor,
    Path(path): Path<String>,
) -> WebResult<Response> {
    let root = app.project.site_layout().output;
    if !root.join("index.html").is_file() {
        return Err(WebError::BadRequest(
            "还没有网站：先在本页点「生成并发布」".into(),
        ));
    }
    let res = crate::cli::preview::serve_file(&root, &format!("/{path}")).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let mut res = if html {
        // The theme links from the site's root; here the root is /site/preview/.
        let (mut parts, body) = res.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
            .await
            .map_err(|e| WebError::Other(e.to_string()))?;
        let text = String::from_utf8_lossy(&bytes)
            .replace("href=\"/", "href=\"/site/preview/")
            .replace("src=\"/", "src=\"/site/preview/")
            .replace("action=\"/", "action=\"/site/preview/");
        Response::from_parts(parts, axum::body::Body::from(text))
    } else {
        res
    };
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox allow-scripts allow-popups; frame-ancestors 'self'"),
    );
    Ok(res)
}
