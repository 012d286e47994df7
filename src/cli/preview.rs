//! `caibian preview [--port N]`: serves the published site on 127.0.0.1 for review, exactly
//! as a web server would (index.html for folders, 404.html for what is missing). Each request
//! follows the published link, so a new `caibian build` shows on the next reload.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};

use super::Global;

#[derive(clap::Args, Debug)]
#[command(help_template = super::HELP_TEMPLATE, next_help_heading = "选项", disable_help_flag = true)]
pub struct Args {
    /// 端口（默认 8700）
    #[arg(long, default_value_t = 8700, value_name = "端口")]
    port: u16,
    /// 监听地址（默认只对本机开放）
    #[arg(long, default_value = "127.0.0.1", value_name = "地址")]
    bind: std::net::IpAddr,
}

pub fn exec(g: &Global, a: Args) -> anyhow::Result<ExitCode> {
    let project = g.project()?;
    let root = project.site_layout().output;
    if !root.join("index.html").is_file() {
        anyhow::bail!("{} 还没有网站：先运行 caibian build", root.display());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let addr = SocketAddr::new(a.bind, a.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("无法监听 {addr}：{e}（端口被占用？用 --port 换一个）"))?;
        let local = listener.local_addr()?;
        println!("预览：http://{local}/  （Ctrl+C 结束）");
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let root = root.clone();
            async move { serve_file(&root, req.uri().path()).await }
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn serve_file(root: &Path, path: &str) -> Response<Body> {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let rel = PathBuf::from(decoded.trim_start_matches('/'));
    // Never leave the site folder.
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return respond(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            b"bad path".to_vec(),
        );
    }
    let mut file = root.join(&rel);
    if decoded.ends_with('/') || file.is_dir() {
        file = file.join("index.html");
    }
    match std::fs::read(&file) {
        Ok(bytes) => respond(StatusCode::OK, content_type(&file), bytes),
        Err(_) => {
            let body = std::fs::read(root.join("404.html")).unwrap_or_default();
            respond(StatusCode::NOT_FOUND, "text/html; charset=utf-8", body)
        }
    }
}

fn respond(status: StatusCode, ctype: &'static str, body: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

fn content_type(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}
