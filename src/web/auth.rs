//! Accounts and request security: argon2id password hashes, server-side sessions, CSRF
//! tokens, login throttling, and the role extractors handlers use.
//!
//! One middleware ([`guard`]) stands in front of every route: it finds the session and, for
//! any method other than GET/HEAD, refuses the request unless it carries a live session and
//! that session's CSRF token (form field `_csrf`, header `X-CSRF-Token`, or — for multipart
//! uploads, whose body it does not buffer — the query parameter `_csrf`). Login itself is the
//! one exception: it needs no session, only a same-origin request. So a new route cannot
//! forget either check.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{App, WebError, render};
use crate::store::{Role, User};

pub const COOKIE: &str = "caibian_session";
/// A session lives this long after its last use.
const SESSION_HOURS: i64 = 12;
/// Failed logins allowed per client address and per user name within [`WINDOW`].
const MAX_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Form bodies the guard reads to find `_csrf` (uploads go by query parameter).
const FORM_LIMIT: usize = 4 * 1024 * 1024;

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: User,
    pub csrf: String,
    pub token_hash: String,
    /// The message of the change just made (see `render::done`), shown once.
    pub flash: Option<String>,
}

/// The one-shot message cookie set by `render::done`.
pub const FLASH: &str = "caibian_flash";

/// Hashes a password as an argon2id PHC string (random salt, the crate's default cost).
pub fn hash_password(password: &str) -> Result<String, String> {
    if password.chars().count() < 8 {
        return Err("密码至少 8 个字符".into());
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("无法计算密码散列：{e}"))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).ok().is_some_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// 32 random bytes from the operating system, as hex.
fn random_token() -> Result<String, WebError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| WebError::Other(format!("无法生成随机数：{e}")))?;
    Ok(hex(&b))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The session's CSRF token as a page carries it: a fresh random mask, then the token XOR the
/// mask (both hex). Every response shows different bytes, so a compressed page that also
/// echoes what a user typed leaks nothing about the token by its length (BREACH).
pub fn masked(csrf: &str) -> String {
    let Some(token) = unhex(csrf) else {
        return csrf.to_string();
    };
    let mut mask = vec![0u8; token.len()];
    if getrandom::fill(&mut mask).is_err() {
        return csrf.to_string();
    }
    let x: Vec<u8> = token.iter().zip(&mask).map(|(a, b)| a ^ b).collect();
    format!("{}{}", hex(&mask), hex(&x))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

/// Whether `given` (masked as pages carry it, or plain) is the session's token `want`.
fn token_ok(given: &str, want: &str) -> bool {
    if given.len() == want.len() * 2
        && let Some(b) = unhex(given)
    {
        let (mask, x) = b.split_at(b.len() / 2);
        let plain: Vec<u8> = mask.iter().zip(x).map(|(m, v)| m ^ v).collect();
        return same(&hex(&plain), want);
    }
    same(given, want)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn expiry() -> String {
    crate::store::ts(chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS))
}

/// The middleware in front of every route (see the module comment).
pub async fn guard(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    // The stylesheet and the script are public and change nothing: no session lookup.
    if req.method() == Method::GET && req.uri().path().starts_with("/assets/") {
        return next.run(req).await;
    }
    let token = cookie(req.headers(), COOKIE).map(str::to_string);
    let auth = match token {
        Some(t) if t.len() == 64 => {
            let h = token_hash(&t);
            let found = app
                .run(move |_, store| {
                    let s = store.session(&h)?;
                    if let Some((_, _, expires)) = &s {
                        // Slide the expiry when less than half of it is left.
                        let half = crate::store::ts(
                            chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS / 2),
                        );
                        if *expires < half {
                            store.extend_session(&h, &expiry())?;
                        }
                    }
                    Ok(s.map(|(user, csrf, _)| Auth {
                        user,
                        csrf,
                        token_hash: h,
                        flash: None,
                    }))
                })
                .await;
            match found {
                Ok(a) => a,
                Err(e) => return e.into_response(),
            }
        }
        _ => None,
    };
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        if req.uri().path() == "/login" {
            if !same_origin(req.headers()) {
                return refuse("请求来源与本站不符，已拒绝");
            }
        } else {
            let Some(a) = &auth else {
                return refuse("未登录或登录已过期：请重新登录后再操作");
            };
            let (ok, rebuilt) = csrf_ok(req, &a.csrf).await;
            req = match rebuilt {
                Some(r) if ok => r,
                _ => return refuse("安全校验失败（CSRF 令牌缺失或不符）：请刷新页面后重试"),
            };
        }
    }
    let flash = cookie(req.headers(), FLASH)
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .filter(|v| !v.is_empty());
    let had_flash = flash.is_some();
    if let Some(mut a) = auth {
        a.flash = flash;
        req.extensions_mut().insert(a);
    }
    let mut res = next.run(req).await;
    // Shown once: a page that is not itself a redirect has displayed it.
    if had_flash && !res.status().is_redirection() {
        res.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("caibian_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        );
    }
    res
}

fn refuse(msg: &str) -> Response {
    render::error_page(StatusCode::FORBIDDEN, msg)
}

/// An Origin (or, failing that, Referer) header, when present, must name this host.
fn same_origin(h: &HeaderMap) -> bool {
    // Behind a reverse proxy the browser's host is in X-Forwarded-Host.
    let Some(host) = h
        .get("x-forwarded-host")
        .or_else(|| h.get(header::HOST))
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let from = h
        .get(header::ORIGIN)
        .or_else(|| h.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match from {
        None => true,
        Some(o) => {
            let rest = o
                .strip_prefix("http://")
                .or_else(|| o.strip_prefix("https://"))
                .unwrap_or("");
            rest.split('/').next() == Some(host)
        }
    }
}

/// Whether the request carries `want`; the request comes back rebuilt when its body was read.
async fn csrf_ok(req: Request, want: &str) -> (bool, Option<Request>) {
    if let Some(v) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        let ok = token_ok(v, want);
        return (ok, Some(req));
    }
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ctype.starts_with("multipart/form-data") {
        let ok = req.uri().query().is_some_and(|q| {
            form_pairs(q)
                .iter()
                .any(|(k, v)| k == "_csrf" && token_ok(v, want))
        });
        return (ok, Some(req));
    }
    if !ctype.starts_with("application/x-www-form-urlencoded") {
        return (false, None);
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return (false, None);
    };
    let ok = std::str::from_utf8(&bytes).is_ok_and(|s| {
        form_pairs(s)
            .iter()
            .any(|(k, v)| k == "_csrf" && token_ok(v, want))
    });
    (ok, Some(Request::from_parts(parts, Body::from(bytes))))
}

/// `a=1&b=%E4%B8%AD&b=2` → pairs in order, repeated keys kept (`+` is a space).
pub(crate) fn form_pairs(s: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(s).unwrap_or_default()
}

/// A reporter's unit, `None` for office staff. A reporter without one (the schema forbids
/// it) gets a name no unit has: it sees nothing, never everything.
pub fn own_unit(auth: &Auth) -> Option<String> {
    (auth.user.role == Role::Unit).then(|| {
        auth.user
            .unit
            .clone()
            .unwrap_or_else(|| "\u{0}没有单位".into())
    })
}

// ---- extractors ----

/// Any signed-in user.
pub struct Member(pub Auth);
/// An editor or administrator.
pub struct Editor(pub Auth);
/// An administrator.
pub struct Admin(pub Auth);

// The rejection is a whole response because axum's extractors reject with one.
#[allow(clippy::result_large_err)]
fn signed_in(parts: &Parts) -> Result<Auth, Response> {
    parts.extensions.get::<Auth>().cloned().ok_or_else(|| {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        if path.starts_with("/api/") {
            return render::json_error(StatusCode::UNAUTHORIZED, "未登录或登录已过期");
        }
        let next: String =
            percent_encoding::utf8_percent_encode(path, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        Redirect::to(&format!("/login?next={next}")).into_response()
    })
}

impl<S: Send + Sync> FromRequestParts<S> for Member {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        signed_in(parts).map(Member)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Editor {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let a = signed_in(parts)?;
        if a.user.role.is_editor() {
            Ok(Editor(a))
        } else {
            Err(WebError::Forbidden("这个页面只对编辑开放".into()).into_response())
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let a = signed_in(parts)?;
        if a.user.role == Role::Admin {
            Ok(Admin(a))
        } else {
            Err(WebError::Forbidden("只有管理员可以管理账号".into()).into_response())
        }
    }
}

// ---- login and logout ----

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_page(
    auth: Option<axum::Extension<Auth>>,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    if auth.is_some() {
        return Redirect::to("/").into_response();
    }
    render::login(StatusCode::OK, q.next.as_deref(), None, "")
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    next: Option<String>,
}

/// Where to go after logging in: only a path on this site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        // Browsers drop tabs and newlines from a Location and read `\` as `/`: `/\t/evil`
        // would leave the site.
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.bytes().any(|b| b == b'\\' || b <= 0x20 || b == 0x7f) =>
        {
            n
        }
        _ => "/",
    }
}

pub async fn login(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Form(f): axum::Form<LoginForm>,
) -> Response {
    let keys = [
        format!("ip:{}", peer.ip()),
        format!("user:{}", f.name.trim()),
    ];
    if let Some(wait) = app.throttled(&keys) {
        return render::login(
            StatusCode::TOO_MANY_REQUESTS,
            f.next.as_deref(),
            Some(&format!(
                "登录失败次数过多，请 {} 分钟后再试",
                wait.as_secs().div_ceil(60).max(1)
            )),
            &f.name,
        );
    }
    // Counted before checking, cleared on success: parallel guesses cannot all slip in
    // before the first failure is recorded.
    app.failed(&keys);
    let name = f.name.trim().to_string();
    let password = f.password.clone();
    let res = app
        .run(move |_, store| {
            let Some((user, hash)) = store.user(&name)? else {
                // Spend the same time as a real check: the answer must not tell which
                // names exist.
                let _ = verify_password(&password, DUMMY_HASH);
                return Ok(None);
            };
            // The hash is checked first: a disabled account answers no faster than others.
            if !verify_password(&password, &hash) || user.disabled {
                return Ok(None);
            }
            let token = random_token()?;
            let csrf = random_token()?;
            store.create_session(&token_hash(&token), &user.name, &csrf, &expiry())?;
            Ok(Some(token))
        })
        .await;
    match res {
        Ok(Some(token)) => {
            app.succeeded(&keys);
            let secure = app.secure_cookie
                || headers
                    .get("x-forwarded-proto")
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
            // A browser-session cookie: the server's sliding expiry decides how long it lives.
            let cookie = format!(
                "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}",
                if secure { "; Secure" } else { "" }
            );
            let mut res = Redirect::to(safe_next(f.next.as_deref())).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Ok(None) => render::login(
            StatusCode::UNAUTHORIZED,
            f.next.as_deref(),
            Some("用户名或密码不正确，或账号已停用"),
            &f.name,
        ),
        Err(e) => e.into_response(),
    }
}

/// A valid argon2id hash of a random password, for timing-equal refusals.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2oCVoJ6yoDkiqWqWZfMkk06q2+s9B6tLt+dbDJxUXnA";

pub async fn logout(State(app): State<Arc<App>>, Member(a): Member) -> Response {
    let (h, who) = (a.token_hash.clone(), a.user.name.clone());
    if let Err(e) = app.run(move |_, s| Ok(s.end_session(&h, &who)?)).await {
        return e.into_response();
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("caibian_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}

impl App {
    /// How long the caller must wait when any of `keys` has too many recent failures.
    fn throttled(&self, keys: &[String]) -> Option<Duration> {
        let map = self.limiter.lock().ok()?;
        keys.iter()
            .filter_map(|k| map.get(k))
            .filter(|(n, since)| *n >= MAX_FAILURES && since.elapsed() < WINDOW)
            .map(|(_, since)| WINDOW.saturating_sub(since.elapsed()))
            .max()
    }

    fn failed(&self, keys: &[String]) {
        if let Ok(mut map) = self.limiter.lock() {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
            for k in keys {
                let e = map.entry(k.clone()).or_insert((0, Instant::now()));
                e.0 += 1;
            }
        }
    }

    /// A login that worked: its own attempt no longer counts for the address, and the name's
    /// failures are forgotten. The address's other failures stay: one good account must not
    /// wipe out guesses at other names.
    fn succeeded(&self, keys: &[String]) {
        if let Ok(mut map) = self.limiter.lock() {
            if let Some(e) = map.get_mut(&keys[0]) {
                e.0 = e.0.saturating_sub(1);
            }
            for k in &keys[1..] {
                map.remove(k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("正确的密码1234").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("正确的密码1234", &h));
        assert!(!verify_password("错误的密码1234", &h));
        assert!(hash_password("短").is_err());
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn next_stays_on_the_site() {
        assert_eq!(safe_next(Some("/items/abc")), "/items/abc");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
    }

    #[test]
    fn masked_tokens_check_out_and_differ_each_time() {
        let t = random_token().unwrap();
        let (a, b) = (masked(&t), masked(&t));
        assert_ne!(a, b);
        assert!(token_ok(&a, &t) && token_ok(&b, &t) && token_ok(&t, &t));
        let other = random_token().unwrap();
        assert!(!token_ok(&masked(&other), &t));
        assert!(!token_ok("zz", &t));
    }

    #[test]
    fn origin_must_be_this_host() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8800"));
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8800"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!same_origin(&h));
    }
}
