//! Templates (embedded, compiled once) and the few response shapes every page shares.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value, context};

use super::{Auth, WebError, WebResult};

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "base.html",
    "login.html",
    "error.html",
    "inbox.html",
    "item.html",
    "search.html",
    "issues.html",
    "issue.html",
    "rank.html",
    "jobs.html",
    "run.html",
    "site.html",
    "users.html",
    "my.html",
    "submit.html",
    "submitted.html",
);

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, src) in TEMPLATES {
        // A broken template is a bug caught by every test that renders a page.
        if let Err(e) = env.add_template(name, src) {
            tracing::error!("模板 {name} 有误：{e}");
        }
    }
    env.add_filter("day", |s: Option<String>| day(s.as_deref()));
    env.add_filter("time", |s: Option<String>| time(s.as_deref()));
    env.add_filter("status", |s: String| {
        s.parse::<crate::store::Status>()
            .map(|st| st.label().to_string())
            .unwrap_or(s)
    });
    env.add_filter("kind", |s: String| match s.as_str() {
        "submission" => "报送".to_string(),
        "news" => "新闻".to_string(),
        _ => s,
    });
    env.add_filter("urlencode", |s: String| {
        percent_encoding::utf8_percent_encode(&s, percent_encoding::NON_ALPHANUMERIC).to_string()
    });
    env.add_filter("num", |v: f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    });
    env
});

/// The local (Asia/Shanghai) date of an RFC 3339 time, or the string's date part.
fn day(s: Option<&str>) -> String {
    let Some(s) = s else { return String::new() };
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => t
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d")
            .to_string(),
        Err(_) => s.chars().take(10).collect(),
    }
}

fn time(s: Option<&str>) -> String {
    let Some(s) = s else { return String::new() };
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => t
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => s.to_string(),
    }
}

/// Any serializable value for a template context.
pub fn ser<T: serde::Serialize>(x: T) -> Value {
    Value::from(minijinja::value::Serde(x))
}

fn render(name: &str, ctx: Value) -> Result<String, WebError> {
    ENV.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| WebError::Other(format!("页面模板 {name} 出错：{e:#}")))
}

/// A page for a signed-in user: `ctx` plus the user, the CSRF token and the active menu.
pub fn page(auth: &Auth, name: &str, nav: &str, ctx: Value) -> WebResult<Response> {
    let full = context! {
        me => ser(&auth.user),
        is_editor => auth.user.role.is_editor(),
        is_admin => auth.user.role == crate::store::Role::Admin,
        csrf => super::auth::masked(&auth.csrf),
        nav => nav,
        msg => &auth.flash,
        ..ctx
    };
    Ok(Html(render(name, full)?).into_response())
}

pub fn login(status: StatusCode, next: Option<&str>, error: Option<&str>, name: &str) -> Response {
    match render(
        "login.html",
        context! { next => next, error => error, name => name },
    ) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

pub fn error_page(status: StatusCode, msg: &str) -> Response {
    let html = render(
        "error.html",
        context! { status => status.as_u16(), message => msg },
    )
    .unwrap_or_else(|_| msg.to_string());
    (status, Html(html)).into_response()
}

pub fn json_error(status: StatusCode, msg: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": msg }))).into_response()
}

/// A redirect after a change, with the message the next page shows once. The message goes
/// in a short-lived cookie, not the URL: a link cannot make the app say something it did
/// not, and reloading the page does not repeat it.
pub fn done(to: &str, msg: &str) -> Response {
    let v: String =
        percent_encoding::utf8_percent_encode(msg, percent_encoding::NON_ALPHANUMERIC).to_string();
    let mut res = axum::response::Redirect::to(to).into_response();
    if let Ok(c) = HeaderValue::from_str(&format!(
        "{}={v}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60",
        super::auth::FLASH
    )) {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    res
}

const CSS: &str = include_str!("assets/app.css");
const JS: &str = include_str!("assets/app.js");

pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, ctype) = match file.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return WebError::NotFound.into_response(),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_compiles() {
        let mut env = minijinja::Environment::new();
        for (name, src) in super::TEMPLATES {
            env.add_template(name, src)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }
}
