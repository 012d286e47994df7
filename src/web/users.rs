//! Accounts (administrators only): list, add, disable/enable, set a password; and the
//! activity log of actions that are not about one item.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::auth::{Admin, hash_password};
use super::render::ser;
use super::{App, WebError, WebResult, render};
use crate::store::Role;

pub async fn page(State(app): State<Arc<App>>, Admin(auth): Admin) -> WebResult<Response> {
    let (users, log) = app.run(|_, s| Ok((s.users()?, s.activities(100)?))).await?;
    let units: Vec<String> = app
        .project
        .config
        .reporting_units()
        .map(|u| u.name.clone())
        .collect();
    render::page(
        &auth,
        "users.html",
        "users",
        context! { users => ser(users), units => units, log => ser(log) },
    )
}

#[derive(Deserialize)]
pub struct NewUser {
    name: String,
    #[serde(default)]
    display: String,
    role: String,
    #[serde(default)]
    unit: Option<String>,
    password: String,
}

pub async fn create(
    State(app): State<Arc<App>>,
    Admin(auth): Admin,
    Form(f): Form<NewUser>,
) -> WebResult<Response> {
    let role: Role = f.role.parse().map_err(WebError::BadRequest)?;
    let unit = match f.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) if role == Role::Unit => Some(
            app.project
                .registry
                .resolve(u)
                .map(|d| d.name.clone())
                .ok_or_else(|| WebError::BadRequest(format!("未登记的单位「{u}」")))?,
        ),
        _ => None,
    };
    let who = auth.user.name.clone();
    let name = f.name.trim().to_string();
    let n = name.clone();
    app.run(move |_, s| {
        let hash = hash_password(&f.password).map_err(WebError::BadRequest)?;
        s.add_user(&n, &f.display, role, unit.as_deref(), &hash, &who)?;
        Ok(())
    })
    .await?;
    Ok(render::done("/users", &format!("已添加用户「{name}」")))
}

async fn set_disabled(app: Arc<App>, who: String, name: String, off: bool) -> WebResult<Response> {
    let n = name.clone();
    app.run(move |_, s| Ok(s.set_user_disabled(&n, off, &who)?))
        .await?;
    Ok(render::done(
        "/users",
        &format!("已{}用户「{name}」", if off { "停用" } else { "启用" }),
    ))
}

pub async fn disable(
    State(app): State<Arc<App>>,
    Admin(auth): Admin,
    Path(name): Path<String>,
) -> WebResult<Response> {
    set_disabled(app, auth.user.name.clone(), name, true).await
}

pub async fn enable(
    State(app): State<Arc<App>>,
    Admin(auth): Admin,
    Path(name): Path<String>,
) -> WebResult<Response> {
    set_disabled(app, auth.user.name.clone(), name, false).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn password(
    State(app): State<Arc<App>>,
    Admin(auth): Admin,
    Path(name): Path<String>,
    Form(f): Form<PasswordForm>,
) -> WebResult<Response> {
    let who = auth.user.name.clone();
    let n = name.clone();
    app.run(move |_, s| {
        let hash = hash_password(&f.password).map_err(WebError::BadRequest)?;
        Ok(s.set_password(&n, &hash, &who)?)
    })
    .await?;
    Ok(render::done(
        "/users",
        &format!("已为「{name}」设置新密码，其登录会话已失效"),
    ))
}
