//! Accounts of the web application, their server-side sessions, and the activity log (actions
//! that are not about one item: logins, user changes, issues, site builds, job runs).
//!
//! Passwords are stored as argon2id PHC strings; session tokens only as their SHA-256, so a
//! copy of the database opens no session. Hashing itself lives in `web::auth` — the store
//! keeps strings and never sees a password.

use std::fmt;
use std::str::FromStr;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store, StoreError, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including accounts.
    Admin,
    /// The editorial work: review, adopt, compose, rank, jobs, site.
    Editor,
    /// A reporting unit's reporter: submits, sees its own unit's items and points.
    Unit,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Unit => "unit",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Editor => "编辑",
            Role::Unit => "报送单位",
        }
    }
    pub fn is_editor(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Role, String> {
        [Role::Admin, Role::Editor, Role::Unit]
            .into_iter()
            .find(|r| r.as_str() == s || r.label() == s)
            .ok_or_else(|| {
                format!("未知的角色「{s}」（可选：admin/管理员、editor/编辑、unit/报送单位）")
            })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub name: String,
    pub display: String,
    pub role: Role,
    /// The unit a reporter reports for (canonical name); `None` for office staff.
    pub unit: Option<String>,
    pub disabled: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub note: Option<String>,
}

const USER_COLS: &str =
    "u.name, u.display, u.role, un.name, u.disabled, u.created_at, u.password_hash";

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(User, String)> {
    let role: String = r.get(2)?;
    Ok((
        User {
            name: r.get(0)?,
            display: r.get(1)?,
            role: role.parse().unwrap_or(Role::Unit),
            unit: r.get(3)?,
            disabled: r.get::<_, i64>(4)? != 0,
            created_at: r.get(5)?,
        },
        r.get(6)?,
    ))
}

impl Store {
    /// Adds an account. `unit` is the canonical unit name (required for, and only for, a
    /// reporter); `password_hash` is the argon2 PHC string.
    pub fn add_user(
        &mut self,
        name: &str,
        display: &str,
        role: Role,
        unit: Option<&str>,
        password_hash: &str,
        actor: &str,
    ) -> Result<User> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_whitespace) {
            return Err(StoreError::Invalid(format!(
                "用户名「{name}」无效：不能为空，也不能含空格"
            )));
        }
        if (role == Role::Unit) != unit.is_some() {
            return Err(StoreError::Invalid(if role == Role::Unit {
                "报送单位账号必须指定所属单位".into()
            } else {
                "只有报送单位账号才指定所属单位".into()
            }));
        }
        let tx = self.write()?;
        let unit_id: Option<i64> = match unit {
            Some(u) => Some(
                tx.tx
                    .query_row("SELECT id FROM units WHERE name = ?1", [u], |r| r.get(0))
                    .optional()
                    .map_err(|e| tx.err(e))?
                    .ok_or_else(|| StoreError::Invalid(format!("未登记的单位「{u}」")))?,
            ),
            None => None,
        };
        let exists: bool = tx
            .tx
            .query_row("SELECT 1 FROM users WHERE name = ?1", [name], |_| Ok(true))
            .optional()
            .map_err(|e| tx.err(e))?
            .unwrap_or(false);
        if exists {
            return Err(StoreError::Invalid(format!("用户「{name}」已存在")));
        }
        let at = now();
        tx.tx
            .execute(
                "INSERT INTO users(name, display, role, unit_id, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    name,
                    if display.trim().is_empty() {
                        name
                    } else {
                        display.trim()
                    },
                    role.as_str(),
                    unit_id,
                    password_hash,
                    at
                ],
            )
            .map_err(|e| tx.err(e))?;
        log_activity(&tx, &at, actor, "user-add", Some(name), Some(role.label()))?;
        tx.commit()?;
        self.user(name)?
            .map(|(u, _)| u)
            .ok_or_else(|| StoreError::Invalid(format!("用户「{name}」未能保存")))
    }

    /// The account and its password hash.
    pub fn user(&self, name: &str) -> Result<Option<(User, String)>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {USER_COLS} FROM users u LEFT JOIN units un ON un.id = u.unit_id
                     WHERE u.name = ?1"
                ),
                [name],
                user_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn users(&self) -> Result<Vec<User>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {USER_COLS} FROM users u LEFT JOIN units un ON un.id = u.unit_id
                 ORDER BY u.role, u.name"
            ))
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], user_row)
            .map_err(|e| self.err(e))?
            .map(|r| r.map(|(u, _)| u))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    pub fn user_count(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Changes a password and ends the account's sessions.
    pub fn set_password(&mut self, name: &str, password_hash: &str, actor: &str) -> Result<()> {
        let tx = self.write()?;
        let n = tx
            .tx
            .execute(
                "UPDATE users SET password_hash = ?2 WHERE name = ?1",
                params![name, password_hash],
            )
            .map_err(|e| tx.err(e))?;
        if n == 0 {
            return Err(StoreError::Invalid(format!("没有用户「{name}」")));
        }
        tx.tx
            .execute("DELETE FROM sessions WHERE user_name = ?1", [name])
            .map_err(|e| tx.err(e))?;
        log_activity(&tx, &now(), actor, "user-password", Some(name), None)?;
        tx.commit()
    }

    /// Disables (or enables) an account; disabling ends its sessions. The last enabled
    /// administrator cannot be disabled.
    pub fn set_user_disabled(&mut self, name: &str, disabled: bool, actor: &str) -> Result<()> {
        let tx = self.write()?;
        let role: Option<String> = tx
            .tx
            .query_row("SELECT role FROM users WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| tx.err(e))?;
        let Some(role) = role else {
            return Err(StoreError::Invalid(format!("没有用户「{name}」")));
        };
        if disabled && role == "admin" {
            let admins: i64 = tx
                .tx
                .query_row(
                    "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND name <> ?1",
                    [name],
                    |r| r.get(0),
                )
                .map_err(|e| tx.err(e))?;
            if admins == 0 {
                return Err(StoreError::Invalid("不能停用最后一个管理员账号".into()));
            }
        }
        tx.tx
            .execute(
                "UPDATE users SET disabled = ?2 WHERE name = ?1",
                params![name, disabled as i64],
            )
            .map_err(|e| tx.err(e))?;
        if disabled {
            tx.tx
                .execute("DELETE FROM sessions WHERE user_name = ?1", [name])
                .map_err(|e| tx.err(e))?;
        }
        let action = if disabled {
            "user-disable"
        } else {
            "user-enable"
        };
        log_activity(&tx, &now(), actor, action, Some(name), None)?;
        tx.commit()
    }

    /// Records a new session. `token_hash` is the SHA-256 (hex) of the cookie's token.
    pub fn create_session(
        &mut self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<()> {
        let tx = self.write()?;
        let at = now();
        // Expired sessions of anyone go at every login: the table stays small.
        tx.tx
            .execute("DELETE FROM sessions WHERE expires_at < ?1", [&at])
            .map_err(|e| tx.err(e))?;
        tx.tx
            .execute(
                "INSERT INTO sessions(token_hash, user_name, csrf, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, user, csrf, at, expires_at],
            )
            .map_err(|e| tx.err(e))?;
        log_activity(&tx, &at, user, "login", None, None)?;
        tx.commit()
    }

    /// The live session with this token hash: its user (enabled) and CSRF token.
    pub fn session(&self, token_hash: &str) -> Result<Option<(User, String, String)>> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {USER_COLS}, s.csrf, s.expires_at FROM sessions s
                 JOIN users u ON u.name = s.user_name
                 LEFT JOIN units un ON un.id = u.unit_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0"
            ))
            .map_err(|e| self.err(e))?
            .query_row(params![token_hash, now()], |r| {
                let (u, _) = user_row(r)?;
                Ok((u, r.get::<_, String>(7)?, r.get::<_, String>(8)?))
            })
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row)
    }

    /// Moves a session's expiry (sliding expiry for an active user).
    pub fn extend_session(&self, token_hash: &str, expires_at: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE sessions SET expires_at = ?2 WHERE token_hash = ?1",
                params![token_hash, expires_at],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    pub fn end_session(&mut self, token_hash: &str, user: &str) -> Result<()> {
        let tx = self.write()?;
        tx.tx
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
            .map_err(|e| tx.err(e))?;
        log_activity(&tx, &now(), user, "logout", None, None)?;
        tx.commit()
    }

    /// Appends to the activity log (actions not about one item).
    pub fn log_activity(
        &mut self,
        actor: &str,
        action: &str,
        target: Option<&str>,
        note: Option<&str>,
    ) -> Result<()> {
        let tx = self.write()?;
        log_activity(&tx, &now(), actor, action, target, note)?;
        tx.commit()
    }

    pub fn activities(&self, limit: usize) -> Result<Vec<Activity>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT at, actor, action, target, note FROM activity_log
                 ORDER BY id DESC LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([limit as i64], |r| {
                Ok(Activity {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    target: r.get(3)?,
                    note: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }
}

fn log_activity(
    tx: &super::WriteTx<'_>,
    at: &str,
    actor: &str,
    action: &str,
    target: Option<&str>,
    note: Option<&str>,
) -> Result<()> {
    tx.tx
        .execute(
            "INSERT INTO activity_log(at, actor, action, target, note) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![at, actor, action, target, note],
        )
        .map(|_| ())
        .map_err(|e| tx.err(e))
}
