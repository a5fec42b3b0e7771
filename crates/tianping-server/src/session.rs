//! Logging in and out: the login page (password, then the authenticator code where the role needs
//! one), the JSON session API, and the login rate limit per client address. A login from another
//! site is refused (login CSRF).

use crate::error::{ApiError, Code};
use crate::http::extract::{check_csrf, same_origin};
use crate::http::page::{api_error_page, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use crate::{AppState, auth};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/session", post(create_session).delete(delete_session))
        .route("/session/totp", post(complete_session))
        .route("/me", get(me))
}

/// Everyone starts at their 待办.
pub async fn root(PageUser(_s): PageUser) -> Response {
    redirect("/todo")
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    error: Option<String>,
    username: String,
    /// The second step: the challenge of a login whose password was right.
    challenge: Option<String>,
    hint: String,
}

fn login_page(error: Option<String>, username: String) -> Response {
    login_step(error, username, None)
}

fn login_step(error: Option<String>, username: String, challenge: Option<String>) -> Response {
    let csrf = match auth::random_token() {
        Ok(t) => t,
        Err(e) => return api_error_page(ApiError::internal(e)),
    };
    let cookie = format!(
        "{}={csrf}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600",
        auth::LOGIN_CSRF_COOKIE
    );
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let policy = auth::Policy::default();
    let mut r = render(&LoginPage {
        csrf,
        error,
        username,
        challenge,
        hint: format!(
            "同一终端连续 {} 次登录失败，须等待 {} 分钟才能再次登录该账户。",
            policy.lockout_after, policy.lockout_minutes
        ),
    });
    *r.status_mut() = status;
    if let Ok(v) = cookie.parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

pub async fn login_form() -> Response {
    login_page(None, String::new())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    /// The second step: the challenge and the code of the authenticator app.
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    code: String,
}

pub async fn login_submit(
    State(st): State<AppState>,
    crate::http::ClientAddr(client): crate::http::ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let expected = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| auth::cookie(c, auth::LOGIN_CSRF_COOKIE))
        .unwrap_or("");
    if expected.is_empty() || !auth::same_token(expected, &f.csrf) || !same_origin(&headers) {
        return login_page(Some("页面已过期，请重新登录".into()), f.username);
    }
    let second = !f.challenge.trim().is_empty();
    if !second && (f.username.trim().is_empty() || f.password.is_empty()) {
        return login_page(Some("请输入用户名和密码".into()), f.username);
    }
    if let Err(e) = login_rate(&st, &client) {
        let mut r = login_page(Some(e.message), f.username);
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return r;
    }
    let outcome = if second {
        auth::second_factor(
            &st.store,
            &st.policy,
            &f.challenge,
            &f.code,
            &client,
            st.now(),
        )
        .await
    } else {
        auth::login(
            &st.store,
            &st.policy,
            &f.username,
            &f.password,
            &client,
            st.now(),
        )
        .await
    };
    match outcome {
        Ok(auth::LoginOutcome::SecondFactor { challenge }) => {
            login_step(None, f.username, Some(challenge))
        }
        Ok(auth::LoginOutcome::Ok { token, .. }) => {
            let mut r = redirect("/");
            if let Ok(v) =
                auth::session_cookie(&token, &st.policy, st.policy.session_hours * 3600).parse()
            {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Ok(auth::LoginOutcome::Refused) => {
            login_page(Some(auth::refused_zh(&st.policy)), f.username)
        }
        Ok(auth::LoginOutcome::Inactive(why)) => login_page(Some(why.to_string()), f.username),
        Err(e) => api_error_page(e),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    PageUser(s): PageUser,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !auth::same_token(&f.csrf, &s.csrf_token) {
        return error_page(
            StatusCode::FORBIDDEN,
            "请求缺少有效的 CSRF 令牌，请刷新页面后重试",
        );
    }
    if let Some(t) = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| auth::cookie(c, auth::SESSION_COOKIE))
        && let Err(e) = st.store.delete_session(&auth::token_hash(t)).await
    {
        return api_error_page(e.into());
    }
    let mut r = redirect("/login");
    if let Ok(v) = auth::session_cookie("", &st.policy, 0).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// The logged-in user as the API shows them (`GET /api/v1/me`, and with a new session).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct UserInfo {
    pub username: String,
    pub display_name: String,
    /// 角色代码，如 judge、president、case_office
    #[schema(value_type = String)]
    pub role: tianping_domain::Role,
    pub role_zh: &'static str,
    pub org: OrgInfo,
    /// 可查阅的密级：minors、state_secret、trade_secret、privacy
    #[schema(value_type = Vec<String>)]
    pub clearance: Vec<tianping_domain::Confidentiality>,
}

/// The user's organisation.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct OrgInfo {
    pub id: String,
    pub name: String,
    /// 机构类别：court、procuratorate、police、npc、plc …
    #[schema(value_type = String)]
    pub kind: tianping_domain::AgencyKind,
}

fn user_json(s: &Session) -> UserInfo {
    UserInfo {
        username: s.user.username.clone(),
        display_name: s.user.display_name.clone(),
        role: s.user.role,
        role_zh: s.user.role.title_in(Some(s.org.kind)),
        org: OrgInfo {
            id: s.org.id.clone(),
            name: s.org.name.clone(),
            kind: s.org.kind,
        },
        clearance: s.user.clearance.0.clone(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct LoginBody {
    username: String,
    password: String,
}

/// A login step from another site is refused (login CSRF).
fn login_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    if same_origin(headers) {
        Ok(())
    } else {
        Err(ApiError::new(
            Code::CrossOriginLogin,
            "不接受来自其他网站的登录请求",
        ))
    }
}

async fn create_session(
    State(st): State<AppState>,
    crate::http::ClientAddr(client): crate::http::ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    // A JSON login needs a JSON content type (which a foreign page cannot send without a CORS
    // preflight this server never grants) and, when the browser names one, this origin.
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json_type {
        return Err(ApiError::new(
            Code::ContentTypeJsonRequired,
            "登录请求须为 application/json",
        ));
    }
    login_origin(&headers)?;
    login_rate(&st, &client)?;
    let b: LoginBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(Code::InvalidJson, format!("请求体不是有效的登录 JSON：{e}")))?;
    let outcome = auth::login(
        &st.store,
        &st.policy,
        &b.username,
        &b.password,
        &client,
        st.now(),
    )
    .await?;
    session_response(&st, outcome).await
}

/// The answer to a login step: the session (cookie and CSRF token), the second factor awaited,
/// or the one refusal.
async fn session_response(
    st: &AppState,
    outcome: auth::LoginOutcome,
) -> Result<Response, ApiError> {
    match outcome {
        auth::LoginOutcome::Ok { token, csrf } => {
            let s = st
                .store
                .session(&auth::token_hash(&token), st.now())
                .await?
                .ok_or_else(|| ApiError::internal("session vanished"))?;
            let cookie = auth::session_cookie(&token, &st.policy, st.policy.session_hours * 3600);
            Ok((
                [(header::SET_COOKIE, cookie)],
                Json(json!({ "csrf_token": csrf, "user": user_json(&s) })),
            )
                .into_response())
        }
        auth::LoginOutcome::SecondFactor { challenge } => Ok(Json(json!({
            "second_factor_required": true,
            "challenge": challenge,
            "expires_in_seconds": auth::CHALLENGE_MINUTES * 60,
        }))
        .into_response()),
        auth::LoginOutcome::Inactive(why) => Err(ApiError::new(Code::AccountInactive, why)),
        auth::LoginOutcome::Refused => Err(ApiError::new(
            Code::InvalidCredentials,
            auth::refused_zh(&st.policy),
        )),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct SecondFactorBody {
    challenge: String,
    code: String,
}

/// `POST /api/v1/session/totp`: the second step of a login, with the challenge and the code of
/// the user's authenticator app (or a recovery code).
async fn complete_session(
    State(st): State<AppState>,
    crate::http::ClientAddr(client): crate::http::ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    login_origin(&headers)?;
    login_rate(&st, &client)?;
    let b: SecondFactorBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            Code::InvalidJson,
            format!("请求体应为 {{challenge, code}}：{e}"),
        )
    })?;
    let outcome = auth::second_factor(
        &st.store,
        &st.policy,
        &b.challenge,
        &b.code,
        &client,
        st.now(),
    )
    .await?;
    session_response(&st, outcome).await
}

async fn delete_session(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    if let Some(t) = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| auth::cookie(c, auth::SESSION_COOKIE))
    {
        st.store.delete_session(&auth::token_hash(t)).await?;
    }
    Ok((
        [(header::SET_COOKIE, auth::session_cookie("", &st.policy, 0))],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

async fn me(CurrentUser(s): CurrentUser) -> Json<UserInfo> {
    Json(user_json(&s))
}

/// Login attempts per client address (pages and API).
pub(crate) fn login_rate(st: &AppState, addr: &str) -> Result<(), ApiError> {
    let limiter = &st.policy.limiter;
    limiter
        .take(
            &format!("login:{addr}"),
            limiter.limits.login_per_addr,
            st.now(),
        )
        .map_err(|secs| {
            tracing::warn!(client = %addr, "login rate limit");
            ApiError::rate_limited(secs)
        })
}
