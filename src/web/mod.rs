//! The editors' web application, served by `caibian serve` next to the scheduler.
//!
//! Server-rendered pages (minijinja templates and one small script, both embedded in the
//! binary) over the same store, index and stages the CLI uses; every page handler is a thin
//! shell around them. The seams:
//! - [`auth`]: accounts, sessions, CSRF and login throttling — one middleware in front of
//!   every route, so no route can forget them;
//! - [`App::run`]: all store and index work happens on the blocking pool, with a store from
//!   a small pool of connections (SQLite in WAL mode: readers never wait for the writer);
//! - one file per area: inbox, item, search, issues, rank, jobs, site, users, unit (the
//!   reporters' pages), api.

mod api;
pub mod auth;
mod inbox;
mod issues;
mod item;
mod jobs;
mod rank;
mod render;
mod search;
mod site;
mod unit;
mod users;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::collect::Cancel;
use crate::compile::Fonts;
use crate::index::SearchIndex;
use crate::project::Project;
use crate::store::{Store, StoreError};

pub use auth::{Auth, hash_password};

/// Uploads (a .docx with pictures) may be this large; everything else is far smaller.
const BODY_LIMIT: usize = 32 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("页面不存在")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Other(String),
}

impl From<anyhow::Error> for WebError {
    fn from(e: anyhow::Error) -> WebError {
        WebError::Other(format!("{e:#}"))
    }
}

impl From<crate::project::ProjectError> for WebError {
    fn from(e: crate::project::ProjectError) -> WebError {
        WebError::Other(e.to_string())
    }
}

impl From<crate::site::SiteError> for WebError {
    fn from(e: crate::site::SiteError) -> WebError {
        WebError::Other(e.to_string())
    }
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            // A refused change (a rule of the store) is the user's to fix, not a crash.
            WebError::Store(StoreError::Invalid(_) | StoreError::NoSuchItem(_)) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            WebError::Store(_) | WebError::Other(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!("{self}");
        }
        render::error_page(status, &self.to_string())
    }
}

pub type WebResult<T> = Result<T, WebError>;

/// Connections to the store, reused (opening one runs the migration check), at most
/// [`POOL_SIZE`] at once: on two cores more readers only queue inside SQLite, and each
/// connection maps the database file.
struct Pool {
    project: Arc<Project>,
    state: Mutex<(Vec<Store>, usize)>,
    freed: std::sync::Condvar,
}

const POOL_SIZE: usize = 4;

impl Pool {
    fn take(&self) -> WebResult<Store> {
        let poisoned = |_| WebError::Other("内部错误：连接池不可用".into());
        let mut g = self.state.lock().map_err(poisoned)?;
        loop {
            if let Some(s) = g.0.pop() {
                return Ok(s);
            }
            if g.1 < POOL_SIZE {
                g.1 += 1;
                break;
            }
            g = self.freed.wait(g).map_err(poisoned)?;
        }
        drop(g);
        let opened = self
            .project
            .open_store()
            .map_err(WebError::from)
            .and_then(|s| {
                // Pages read many index entries per request: map the file instead of copying
                // each page in (the mapping is the OS's file cache, shared, not process memory).
                s.conn()
                    .execute_batch("PRAGMA mmap_size = 268435456; PRAGMA cache_size = -16000;")
                    .map_err(|e| WebError::Other(format!("数据库设置失败：{e}")))?;
                Ok(s)
            });
        if opened.is_err() {
            self.forget();
        }
        opened
    }

    fn give(&self, s: Store) {
        if let Ok(mut g) = self.state.lock() {
            g.0.push(s);
        }
        self.freed.notify_one();
    }

    /// A connection that will not come back (failed to open).
    fn forget(&self) {
        if let Ok(mut g) = self.state.lock() {
            g.1 -= 1;
        }
        self.freed.notify_one();
    }
}

/// A pooled connection, given back however the work ends (a panicking handler included).
struct Lease<'a> {
    pool: &'a Pool,
    store: Option<Store>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.store.take() {
            self.pool.give(s);
        }
    }
}

/// Everything a request handler may use.
pub struct App {
    pub project: Arc<Project>,
    pool: Pool,
    index: RwLock<Option<SearchIndex>>,
    /// Failed logins per client address and per user name (see `auth`).
    limiter: Mutex<HashMap<String, (u32, Instant)>>,
    /// Stops running jobs when the server stops.
    pub cancel: Cancel,
    /// Set the cookie's Secure flag (the server is behind TLS).
    secure_cookie: bool,
    /// Loaded on first use; `Fonts` keeps a glyph cache, hence the lock.
    fonts: Mutex<Option<Option<Fonts>>>,
    /// Pipelines started from the web and still running.
    running: Mutex<Vec<String>>,
    /// Site builds and rollbacks, one at a time.
    site_lock: Mutex<()>,
}

impl App {
    pub fn new(project: Arc<Project>, cancel: Cancel, secure_cookie: bool) -> Arc<App> {
        Arc::new(App {
            pool: Pool {
                project: project.clone(),
                state: Mutex::new((Vec::new(), 0)),
                freed: std::sync::Condvar::new(),
            },
            project,
            index: RwLock::new(None),
            limiter: Mutex::new(HashMap::new()),
            cancel,
            secure_cookie,
            fonts: Mutex::new(None),
            running: Mutex::new(Vec::new()),
            site_lock: Mutex::new(()),
        })
    }

    /// Runs `f` with a store on the blocking pool.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> WebResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&App, &mut Store) -> WebResult<T> + Send + 'static,
    {
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut lease = Lease {
                pool: &app.pool,
                store: Some(app.pool.take()?),
            };
            match lease.store.as_mut() {
                Some(store) => f(&app, store),
                None => Err(WebError::Other("内部错误：没有数据库连接".into())),
            }
        })
        .await
        .map_err(|e| WebError::Other(format!("内部错误：{e}")))?
    }

    /// Searches the index after bringing it up to date with the store (opened on first use).
    pub fn search(
        &self,
        store: &Store,
        req: &crate::index::SearchRequest,
    ) -> WebResult<crate::index::SearchResults> {
        let head = store.max_change_seq()?;
        let fresh = self
            .index
            .read()
            .ok()
            .and_then(|g| g.as_ref().map(|i| i.seq() == head))
            .unwrap_or(false);
        if !fresh {
            let mut g = self
                .index
                .write()
                .map_err(|_| WebError::Other("搜索索引不可用".into()))?;
            match g.as_mut() {
                Some(idx) => match idx.update(store, self.project.tz()) {
                    Ok(_) | Err(crate::index::IndexError::Busy(_)) => {}
                    Err(e) => return Err(WebError::Other(e.to_string())),
                },
                None => {
                    let (idx, _) = SearchIndex::for_project(&self.project, store)
                        .map_err(|e| WebError::Other(e.to_string()))?;
                    *g = Some(idx);
                }
            }
        }
        let g = self
            .index
            .read()
            .map_err(|_| WebError::Other("搜索索引不可用".into()))?;
        let idx = g
            .as_ref()
            .ok_or_else(|| WebError::Other("搜索索引不可用".into()))?;
        idx.search(req, &self.project.registry)
            .map_err(|e| WebError::Other(e.to_string()))
    }

    /// Runs `f` with the print fonts (loaded once), or `None` when the machine has none.
    pub fn with_fonts<T>(&self, f: impl FnOnce(Option<&Fonts>) -> T) -> T {
        let mut g = match self.fonts.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let fonts = g.get_or_insert_with(|| crate::cli::issue::fonts(&self.project).ok());
        f(fonts.as_ref())
    }

    pub fn today(&self) -> String {
        chrono::Utc::now()
            .with_timezone(&self.project.tz())
            .format("%Y-%m-%d")
            .to_string()
    }
}

/// Every route. Mutating routes are POSTs; `auth::guard` stands in front of all of them.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/assets/{file}", get(render::asset))
        .route("/inbox", get(inbox::page))
        .route("/inbox/bulk", post(inbox::bulk))
        .route("/items/{id}", get(item::page))
        .route("/items/{id}/edit", post(item::edit))
        .route("/items/{id}/status", post(item::status))
        .route("/items/{id}/return", post(item::return_item))
        .route("/items/{id}/adopt", post(item::adopt))
        .route("/items/{id}/instruct", post(item::instruct))
        .route("/preview", post(item::preview))
        .route("/search", get(search::page))
        .route("/issues", get(issues::list))
        .route("/issues/new", post(issues::create))
        .route("/issues/{publication}/{year}/{number}", get(issues::page))
        .route(
            "/issues/{publication}/{year}/{number}/add",
            post(issues::add),
        )
        .route(
            "/issues/{publication}/{year}/{number}/remove",
            post(issues::remove),
        )
        .route(
            "/issues/{publication}/{year}/{number}/move",
            post(issues::move_entry),
        )
        .route(
            "/issues/{publication}/{year}/{number}/lead",
            post(issues::lead),
        )
        .route(
            "/issues/{publication}/{year}/{number}/publish",
            post(issues::publish),
        )
        .route(
            "/issues/{publication}/{year}/{number}/revise",
            post(issues::revise),
        )
        .route(
            "/issues/{publication}/{year}/{number}/pdf",
            get(issues::pdf),
        )
        .route("/rank", get(rank::page))
        .route("/rank.xlsx", get(rank::xlsx))
        .route("/jobs", get(jobs::page))
        .route("/jobs/{name}/run", post(jobs::run_now))
        .route("/runs/{id}", get(jobs::run_page))
        .route("/site", get(site::page))
        .route("/site/build", post(site::build))
        .route("/site/rollback", post(site::rollback))
        .route("/site/preview/", get(site::preview_root))
        .route("/site/preview/{*path}", get(site::preview))
        .route("/users", get(users::page))
        .route("/users/new", post(users::create))
        .route("/users/{name}/disable", post(users::disable))
        .route("/users/{name}/enable", post(users::enable))
        .route("/users/{name}/password", post(users::password))
        .route("/my", get(unit::my_items))
        .route("/submit", get(unit::form).post(unit::submit))
        .route("/api/items", get(api::items))
        .route("/api/items/{id}", get(api::item))
        .route("/api/search", get(api::search))
        .fallback(|| async { WebError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            auth::guard,
        ))
        .layer(axum::middleware::from_fn(chinese_refusals))
        .layer(axum::middleware::map_response(headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .with_state(app)
}

/// axum's own refusals of a request it cannot read (a malformed query, form or path value; a
/// body over the limit) are English plain text: they become the Chinese error page, or the
/// API's JSON error, with axum's detail kept for whoever reports it.
async fn chinese_refusals(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if !plain || !res.status().is_client_error() {
        return res;
    }
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&body);
    let msg = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("提交的内容过大（上限 {} MB）", BODY_LIMIT / 1024 / 1024)
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "提交的格式不对：应为网页表单".to_string(),
        _ => format!("请求中的参数无法识别（{}）", detail.trim()),
    };
    if api {
        render::json_error(status, &msg)
    } else {
        render::error_page(status, &msg)
    }
}

/// Headers every answer carries: no framing, no sniffing, scripts only from us.
async fn headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        );
    }
    res
}

async fn home(auth: Option<axum::Extension<Auth>>) -> Response {
    match auth {
        Some(a) if a.user.role.is_editor() => Redirect::to("/inbox").into_response(),
        Some(_) => Redirect::to("/my").into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

/// Serves the application on `listener` until `shutdown` resolves; prints the address (so a
/// port 0 listener's free port is known).
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let local = listener.local_addr()?;
    println!("编辑工作台：http://{local}/");
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}
