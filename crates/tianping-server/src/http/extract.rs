//! Request extractors and checks every capability shares: who is asking (a session for the API,
//! a session or a redirect to the login page for pages, the client address) and the CSRF and
//! origin checks of state-changing requests.

use crate::error::{ApiError, Code};
use crate::http::page::error_page;
use crate::{AppState, auth};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tianping_store::user::Session;

/// What a user who must enrol may still reach.
pub const ENROLMENT_PATHS: &[&str] = &[
    "/account/security",
    "/logout",
    "/api/v1/session",
    "/api/v1/me/totp",
];

/// What a user whose password the system administrator reset may still reach: choosing their own.
pub const PASSWORD_CHANGE_PATHS: &[&str] = &[
    "/account/security",
    "/logout",
    "/api/v1/session",
    "/api/v1/me/password",
];

/// The logged-in user of a request, from the session cookie.
pub struct CurrentUser(pub Session);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| auth::cookie(c, auth::SESSION_COOKIE))
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthenticated)?;
        let session = state
            .store
            .session(&auth::token_hash(token), state.now())
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        let limiter = &state.policy.limiter;
        limiter
            .take(
                &format!("user:{}", session.user.id),
                limiter.limits.per_user,
                state.now(),
            )
            .map_err(ApiError::rate_limited)?;
        // A role that must have a second factor reaches only enrolment until it has one.
        // (Inside `/api/v1` the router sees the path without its prefix: read the original.)
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path().to_string(), |u| u.path().to_string());
        if state.policy.totp_required.contains(&session.user.role)
            && session.user.totp_secret.is_none()
            && !ENROLMENT_PATHS.iter().any(|p| path.starts_with(p))
        {
            return Err(ApiError::new(
                Code::SecondFactorRequired,
                "本角色须先设置双因素认证（动态验证码），请在“账户安全”中完成设置",
            ));
        }
        // A temporary password set by the system administrator is changed before anything else.
        if session.user.must_change_password
            && !PASSWORD_CHANGE_PATHS.iter().any(|p| path.starts_with(p))
        {
            return Err(ApiError::new(
                Code::PasswordChangeRequired,
                "管理员已为您重置密码，请先在“账户安全”中设置自己的新密码",
            ));
        }
        tracing::Span::current().record("user", session.user.id);
        Ok(CurrentUser(session))
    }
}

/// The address a request came from (for login throttling and rate limits): the peer of the TCP
/// connection, or `unknown` when the server runs without connection info (tests).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts)))
    }
}

pub(crate) fn client_addr(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

/// For pages: the logged-in user, or a redirect to the login page.
pub struct PageUser(pub Session);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(CurrentUser(s)) => Ok(PageUser(s)),
            Err(e) if e.code == Code::Unauthenticated => {
                Err((StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response())
            }
            Err(e)
                if e.code == Code::SecondFactorRequired
                    || e.code == Code::PasswordChangeRequired =>
            {
                Err((
                    StatusCode::SEE_OTHER,
                    [(header::LOCATION, "/account/security")],
                )
                    .into_response())
            }
            Err(e) => Err(error_page(e.status, &e.message)),
        }
    }
}

/// A JSON body, or `body_malformed` naming the line and column where it stops making sense.
pub fn json_body<T: serde::de::DeserializeOwned>(b: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(b).map_err(|e| {
        ApiError::new(
            crate::error::Code::BodyMalformed,
            format!("请求 JSON 无效：{e}"),
        )
        .with_details(serde_json::json!({ "line": e.line(), "column": e.column() }))
    })
}

pub fn check_csrf(headers: &HeaderMap, s: &Session) -> Result<(), ApiError> {
    let given = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth::same_token(given, &s.csrf_token) {
        Ok(())
    } else {
        Err(ApiError::csrf())
    }
}

/// Whether a request's `Origin`, if it sends one, is this server (login CSRF: a page elsewhere
/// must not log a browser in under the attacker's account).
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

pub(crate) fn parse_id(id: &str, what: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::new(Code::InvalidId, format!("{what}编号“{id}”不是整数")))
}

/// The page a form post gets when its CSRF token is missing or wrong.
pub(crate) fn csrf_refused(given: &str, s: &Session) -> Option<Response> {
    (!auth::same_token(given, &s.csrf_token)).then(|| {
        error_page(
            StatusCode::FORBIDDEN,
            "请求缺少有效的 CSRF 令牌，请刷新页面后重试",
        )
    })
}

/// A file sent in a multipart form.
pub(crate) struct UploadedFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A multipart form as the upload pages send it: its text fields by name and its one `file`
/// field. A form that cannot be read is the page that says so.
pub(crate) struct UploadForm {
    pub fields: std::collections::HashMap<String, String>,
    pub file: Option<UploadedFile>,
}

impl UploadForm {
    pub async fn read(req: axum::extract::Request, st: &AppState) -> Result<UploadForm, Response> {
        use axum::extract::{FromRequest, Multipart};
        let bad = || error_page(StatusCode::BAD_REQUEST, "上传格式无效");
        let mut mp = Multipart::from_request(req, st).await.map_err(|_| bad())?;
        let mut form = UploadForm {
            fields: Default::default(),
            file: None,
        };
        loop {
            match mp.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or("").to_string();
                    if name == "file" {
                        let file_name = field.file_name().unwrap_or("").to_string();
                        let content_type = field.content_type().unwrap_or("").to_string();
                        let bytes = field.bytes().await.map_err(|_| {
                            error_page(StatusCode::BAD_REQUEST, "文件读取失败或超过上限")
                        })?;
                        form.file = Some(UploadedFile {
                            name: file_name,
                            content_type,
                            bytes: bytes.to_vec(),
                        });
                    } else {
                        let text = field.text().await.unwrap_or_default();
                        form.fields.insert(name, text);
                    }
                }
                Ok(None) => return Ok(form),
                Err(_) => return Err(bad()),
            }
        }
    }

    /// A text field, empty when the form did not send it.
    pub fn field(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}
