//! The mailbox and notification settings: each user reads the mail addressed to *them* (by user
//! id, finding H3); a new address takes effect only once confirmed from the link mailed to it;
//! the system administrator sees the outbox's deliveries without subjects or bodies (finding M4).

use crate::AppState;
use crate::auth;
use crate::error::{ApiError, Code};
use crate::http::extract::check_csrf;
use crate::http::extract::csrf_refused;
use crate::http::page::{Layout, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use crate::view::local;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;
use tianping_store::clocks::Mail;
use tianping_store::mailbox::Delivery;
use tianping_store::user::Session;

/// How long a confirmation link stays valid.
const CONFIRM_HOURS: i64 = 24;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mailbox", get(mailbox_page))
        .route("/mailbox/preferences", post(prefs_submit))
        .route("/mailbox/confirm", get(confirm_page).post(confirm_submit))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/me/notifications", post(api_prefs))
}

#[derive(Template)]
#[template(path = "mailbox.html")]
struct MailboxPage {
    layout: Layout,
    email: String,
    cadence: String,
    pending: Option<String>,
    mails: Vec<Mail>,
    /// The system administrator's view: deliveries, no content.
    deliveries: Option<Vec<Delivery>>,
    saved: Option<String>,
    error: Option<String>,
}

impl MailboxPage {
    fn when(&self, t: &str) -> String {
        local(t)
    }
}

#[derive(Deserialize, Default)]
pub struct MailboxParams {
    #[serde(default)]
    saved: Option<String>,
}

async fn load(st: &AppState, s: &Session) -> Result<MailboxPage, ApiError> {
    let prefs = st.store.preferences(s.user.id).await?;
    let (mails, deliveries) = if tianping_domain::access::operates_the_system(s.user.role) {
        (vec![], Some(st.store.deliveries(200).await?))
    } else {
        (st.store.mails_to_user(s.user.id, 200).await?, None)
    };
    Ok(MailboxPage {
        layout: Layout::new(s, "/mailbox"),
        email: prefs.email.unwrap_or_default(),
        cadence: prefs.cadence,
        pending: prefs.pending,
        mails,
        deliveries,
        saved: None,
        error: None,
    })
}

pub async fn mailbox_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(p): Query<MailboxParams>,
) -> Response {
    match load(&st, &s).await {
        Ok(mut page) => {
            page.saved = p.saved.map(|v| {
                match v.as_str() {
                    "pending" => "已保存。新邮箱需确认：确认链接已发送至该邮箱，打开链接后生效。",
                    "confirmed" => "新邮箱已确认，今后的提醒发送至该邮箱。",
                    _ => "已保存。",
                }
                .to_string()
            });
            render(&page)
        }
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Deserialize)]
pub struct PrefsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    cadence: String,
}

fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>')
        && e.len() <= 254
}

/// What saving did to the address.
#[derive(Debug, PartialEq, Eq)]
enum Saved {
    /// Unchanged, or removed (which needs no confirmation).
    Done,
    /// A new address waits for confirmation.
    Pending,
}

async fn save_prefs(
    st: &AppState,
    s: &Session,
    email: &str,
    cadence: &str,
) -> Result<Saved, ApiError> {
    let email = email.trim();
    if !email.is_empty() && !valid_email(email) {
        return Err(
            ApiError::new(Code::InvalidEmail, format!("邮箱地址“{email}”格式不正确"))
                .with_details(json!({ "field": "email" })),
        );
    }
    if !["immediately", "daily", "weekly"].contains(&cadence) {
        return Err(ApiError::new(
            Code::InvalidCadence,
            format!("提醒频率“{cadence}”无效，应为 immediately、daily 或 weekly"),
        )
        .with_details(json!({ "field": "cadence" })));
    }
    let now = st.now();
    let current = st.store.preferences(s.user.id).await?;
    st.store
        .set_cadence(s.user.id, cadence, email.is_empty(), now)
        .await?;
    if email.is_empty() || current.email.as_deref() == Some(email) {
        return Ok(Saved::Done);
    }
    let token = auth::random_token().map_err(ApiError::internal)?;
    let subject = "【天平】请确认提醒邮箱";
    let body = format!(
        "{}（{}）在天平中将提醒邮箱设为本邮箱。\n\
         如确系本人操作，请在 {CONFIRM_HOURS} 小时内登录天平后打开：/mailbox/confirm?token={token}\n\
         确认前，提醒仍发送至原邮箱；如非本人操作，请忽略本邮件。本邮件由系统自动发送。\n",
        s.user.display_name, s.org.name
    );
    st.store
        .request_email_change(
            s.user.id,
            email,
            &auth::token_hash(&token),
            now + chrono::Duration::hours(CONFIRM_HOURS),
            subject,
            &body,
            now,
        )
        .await?;
    Ok(Saved::Pending)
}

pub async fn prefs_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<PrefsForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    match save_prefs(&st, &s, &f.email, &f.cadence).await {
        Ok(Saved::Done) => redirect("/mailbox?saved=1"),
        Ok(Saved::Pending) => redirect("/mailbox?saved=pending"),
        Err(e) => match load(&st, &s).await {
            Ok(mut page) => {
                page.email = f.email;
                page.cadence = f.cadence;
                page.error = Some(e.message);
                render(&page)
            }
            Err(e) => error_page(e.status, &e.message),
        },
    }
}

#[derive(Deserialize)]
pub struct ConfirmParams {
    #[serde(default)]
    token: String,
}

#[derive(Template)]
#[template(path = "mailbox_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    token: String,
    pending: Option<String>,
}

/// The link from the confirmation mail: a page asking the logged-in user to confirm (a GET
/// changes nothing).
pub async fn confirm_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(p): Query<ConfirmParams>,
) -> Response {
    match st.store.preferences(s.user.id).await {
        Ok(prefs) => render(&ConfirmPage {
            layout: Layout::new(&s, "/mailbox"),
            token: p.token,
            pending: prefs.pending,
        }),
        Err(e) => error_page(ApiError::from(e).status, "无法读取提醒设置"),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

pub async fn confirm_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<ConfirmForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    match st
        .store
        .confirm_email(s.user.id, &auth::token_hash(f.token.trim()), st.now())
        .await
    {
        Ok(Some(_)) => redirect("/mailbox?saved=confirmed"),
        Ok(None) => error_page(
            StatusCode::BAD_REQUEST,
            "确认链接无效或已过期（有效期 24 小时），请在提醒设置中重新填写邮箱。",
        ),
        Err(e) => error_page(ApiError::from(e).status, "确认失败，请稍后重试"),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PrefsInput {
    #[serde(default)]
    email: String,
    cadence: String,
}

pub async fn api_prefs(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_csrf(&headers, &s)?;
    let p: PrefsInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(Code::PreferencesMalformed, format!("JSON 无效：{e}")))?;
    let saved = save_prefs(&st, &s, &p.email, &p.cadence).await?;
    let prefs = st.store.preferences(s.user.id).await?;
    Ok(Json(json!({
        "email": prefs.email,
        "email_pending": prefs.pending,
        "confirmation_sent": saved == Saved::Pending,
        "cadence": prefs.cadence,
    })))
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses() {
        for (e, ok) in [
            ("a@court.cn", true),
            ("a@court", false),
            ("a b@court.cn", false),
            ("a@court.cn,b@x.cn", false),
            ("@court.cn", false),
        ] {
            assert_eq!(super::valid_email(e), ok, "{e}");
        }
    }
}
