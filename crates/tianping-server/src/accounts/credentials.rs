//! The system administrator's help with credentials: lifting a login lock before it runs out, and
//! setting a temporary password for someone who lost theirs — after which the holder reaches only
//! 账户安全 until they choose their own (`http::extract`). Resetting the second factor stays the
//! security administrator's (`account`), so neither administrator alone can take over an account
//! that has one. Nobody does either to their own account.

use super::{after, refuse, user_in_scope, users_view};
use crate::AppState;
use crate::auth;
use crate::error::{ApiError, Code};
use crate::http::extract::{check_csrf, csrf_refused};
use crate::http::page::{error_page, render};
use crate::http::{CurrentUser, PageUser};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::access::AccountAct;
use tianping_domain::password::{PasswordError, check_temporary_password};
use tianping_store::user::Session;

/// The page's field name for a row's 重置密码 form (several rows carry the same form).
pub(super) fn reset_field(username: &str, field: &str) -> String {
    format!("reset:{username}:{field}")
}

async fn unlock(st: &AppState, s: &Session, username: &str) -> Result<bool, ApiError> {
    let target = user_in_scope(st, s, username).await?;
    refuse(s.user.role, AccountAct::Unlock, target.id == s.user.id)?;
    let lifted = st
        .store
        .unlock_account(target.id, &s.user.username, st.now())
        .await?;
    tracing::warn!(by = %s.user.username, user = %target.username, lifted, "login lock lifted");
    Ok(lifted)
}

/// A refused temporary password as the API's error, naming its field.
fn refused(e: &PasswordError) -> ApiError {
    let code = match e {
        PasswordError::TooShort(_) => Code::PasswordTooShort,
        PasswordError::Mismatch => Code::PasswordMismatch,
        _ => Code::PasswordRejected,
    };
    ApiError::invalid_field(code, e.field(), e.to_string())
}

async fn reset(
    st: &AppState,
    s: &Session,
    username: &str,
    new: &str,
    repeat: &str,
) -> Result<String, ApiError> {
    let target = user_in_scope(st, s, username).await?;
    refuse(
        s.user.role,
        AccountAct::ResetPassword,
        target.id == s.user.id,
    )?;
    if target.disabled {
        return Err(ApiError::new(
            Code::AccountDisabled,
            format!("账号“{}”已停用，请先启用再重置密码", target.username),
        ));
    }
    check_temporary_password(&target.username, new, repeat).map_err(|e| refused(&e))?;
    let hash = auth::hash_password(new).map_err(ApiError::internal)?;
    st.store
        .reset_password(target.id, &hash, &s.user.username, st.now())
        .await?;
    tracing::warn!(by = %s.user.username, user = %target.username, "password reset");
    Ok(target.username)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn unlock_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(username): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let outcome = unlock(&st, &s, &username).await.map(|lifted| {
        if lifted {
            format!("已解除“{}”的登录锁定，可立即重新登录。", username.trim())
        } else {
            format!("“{}”当前没有登录锁定。", username.trim())
        }
    });
    after(&st, &s, outcome, Default::default()).await
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

pub async fn password_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(username): Path<String>,
    Form(f): Form<ResetForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    match reset(&st, &s, &username, &f.new_password, &f.repeat_password).await {
        Ok(u) => {
            after(
                &st,
                &s,
                Ok(format!(
                    "已为“{u}”设置临时密码，其所有登录已退出。请当面或电话告知本人；本人登录后须先修改密码。"
                )),
                Default::default(),
            )
            .await
        }
        // A refused password: the row's form opens again with the reason next to its field
        // (nothing typed is shown again: these are passwords).
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            match users_view(&st, &s, "").await {
                Ok(mut p) => {
                    p.error = Some((reset_field(username.trim(), e.field()), e.message));
                    let mut r = render(&p);
                    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                    r
                }
                Err(e) => error_page(e.status, &e.message),
            }
        }
        Err(e) => after(&st, &s, Err(e), Default::default()).await,
    }
}

pub async fn api_unlock(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(username): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_csrf(&headers, &s)?;
    let lifted = unlock(&st, &s, &username).await?;
    Ok(Json(json!({ "unlocked": lifted })))
}

/// The temporary password the system administrator sets (the API has no second entry).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ResetInput {
    #[serde(default)]
    pub password: String,
}

pub async fn api_password(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(username): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_csrf(&headers, &s)?;
    let i: ResetInput = super::parse(&body)?;
    reset(&st, &s, &username, &i.password, &i.password).await?;
    Ok(Json(json!({ "reset": true, "must_change_password": true })))
}
