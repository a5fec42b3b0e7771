//! Account security: the TOTP second factor. A user enrols an authenticator app (the secret as
//! text and as an `otpauth://` link), confirms with its first code and receives ten recovery
//! codes, shown once. Roles in `Policy::totp_required` (the 三员 by default) reach only this page
//! until they have enrolled. The security administrator resets another user's second factor (never
//! their own: nobody acts on their own account's rights).

use crate::AppState;
use crate::auth;
use crate::error::{ApiError, Code};
use crate::http::extract::check_csrf;
use crate::http::extract::csrf_refused;
use crate::http::page::{Layout, api_error_page, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::Role;
use tianping_domain::access;
use tianping_domain::access::may_reset_second_factor;
use tianping_domain::password::PasswordError;
use tianping_domain::totp;
use tianping_store::user::Session;

/// How many recovery codes a user gets.
const RECOVERY_CODES: usize = 10;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/home", get(home))
        .route("/account/security", get(page))
        .route("/account/security/totp", post(confirm_submit))
        .route("/account/security/password", post(password_submit))
        .route("/admin/users/{username}/totp-reset", post(reset_submit))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/me/totp/enrol", post(api_enrol))
        .route("/me/totp/confirm", post(api_confirm))
        .route("/me/password", post(api_password))
        .route("/admin/users/{username}/totp-reset", post(api_reset))
}

const ISSUER: &str = "天平";

/// The secret waiting for its first code, made now if none waits.
async fn pending_secret(st: &AppState, s: &Session) -> Result<String, ApiError> {
    if let Some(p) = st.store.totp_pending(s.user.id).await? {
        return Ok(p);
    }
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    let secret = totp::base32(&bytes);
    st.store.set_totp_pending(s.user.id, &secret).await?;
    Ok(secret)
}

/// Confirms enrolment with the app's first code; returns the recovery codes (shown once).
async fn confirm(st: &AppState, s: &Session, code: &str) -> Result<Vec<String>, ApiError> {
    if s.user.totp_secret.is_some() {
        return Err(ApiError::new(
            Code::SecondFactorEnrolled,
            "已设置双因素认证；如需更换，请由安全管理员重置",
        ));
    }
    let Some(secret) = st.store.totp_pending(s.user.id).await? else {
        return Err(ApiError::new(
            Code::NoPendingSecret,
            "请先打开“账户安全”页面获取密钥",
        ));
    };
    let key = totp::from_base32(&secret).unwrap_or_default();
    let Some(step) = totp::verify(&key, code, st.now().timestamp(), None) else {
        return Err(
            ApiError::new(Code::CodeInvalid, "动态验证码不正确，请核对手机时间后重试")
                .with_details(json!({ "field": "code" })),
        );
    };
    let mut codes = vec![];
    for _ in 0..RECOVERY_CODES {
        let mut b = [0u8; 5];
        getrandom::fill(&mut b).map_err(ApiError::internal)?;
        let c = totp::base32(&b).to_ascii_lowercase();
        codes.push(format!("{}-{}", &c[..4], &c[4..]));
    }
    let hashes: Vec<String> = codes.iter().map(|c| auth::recovery_hash(c)).collect();
    if !st
        .store
        .enable_totp(s.user.id, &secret, step, &hashes)
        .await?
    {
        return Err(ApiError::new(
            Code::SecondFactorEnrolled,
            "设置已完成或密钥已更换，请刷新页面",
        ));
    }
    tracing::info!(user = %s.user.username, "second factor enrolled");
    Ok(codes)
}

#[derive(Template)]
#[template(path = "account_security.html")]
struct SecurityPage {
    layout: Layout,
    enrolled: bool,
    required: bool,
    secret: String,
    uri: String,
    recovery: Vec<String>,
    codes_left: i64,
    error: Option<String>,
    /// The change-password form: its error at a field, or the notice that it was changed.
    pw_error: Option<(String, String)>,
    pw_notice: Option<String>,
    /// The system administrator set a temporary password: the person chooses their own first.
    must_change: bool,
}

impl SecurityPage {
    fn pw_error(&self, field: &str) -> String {
        crate::http::page::error_at(&self.pw_error, field)
    }
}

async fn load(st: &AppState, s: &Session) -> Result<SecurityPage, ApiError> {
    let enrolled = s.user.totp_secret.is_some();
    let (secret, uri) = if enrolled {
        (String::new(), String::new())
    } else {
        let secret = pending_secret(st, s).await?;
        let uri = totp::otpauth_uri(ISSUER, &s.user.username, &secret);
        (secret, uri)
    };
    Ok(SecurityPage {
        layout: Layout::new(s, "/account/security"),
        enrolled,
        required: st.policy.totp_required.contains(&s.user.role),
        secret,
        uri,
        recovery: vec![],
        codes_left: st.store.recovery_codes_left(s.user.id).await?,
        error: None,
        pw_error: None,
        pw_notice: None,
        must_change: s.user.must_change_password,
    })
}

pub async fn page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    match load(&st, &s).await {
        Ok(p) => render(&p),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub async fn confirm_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<CodeForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let result = confirm(&st, &s, &f.code).await;
    match load(&st, &s).await {
        Ok(mut p) => {
            match result {
                Ok(codes) => {
                    p.enrolled = true;
                    p.secret.clear();
                    p.uri.clear();
                    p.codes_left = codes.len() as i64;
                    p.recovery = codes;
                }
                Err(e) => p.error = Some(e.message),
            }
            render(&p)
        }
        Err(e) => error_page(e.status, &e.message),
    }
}

/// Resets `username`'s second factor: the security administrator, for someone else.
async fn reset(st: &AppState, s: &Session, username: &str) -> Result<(), ApiError> {
    let Some(target) = st.store.user_by_username(username.trim()).await? else {
        return Err(ApiError::not_found("用户"));
    };
    if !may_reset_second_factor(s.user.role, s.user.id == target.id) {
        return Err(ApiError::forbidden(
            "重置双因素认证（仅安全管理员，且不能重置本人的）",
        ));
    }
    st.store
        .reset_totp(target.id, &s.user.username, st.now())
        .await?;
    tracing::warn!(by = %s.user.username, user = %target.username, "second factor reset");
    Ok(())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn reset_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(username): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    match reset(&st, &s, &username).await {
        Ok(()) => redirect("/admin/users"),
        Err(e) => error_page(e.status, &e.message),
    }
}

pub async fn api_enrol(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_csrf(&headers, &s)?;
    if s.user.totp_secret.is_some() {
        return Err(ApiError::new(
            Code::SecondFactorEnrolled,
            "已设置双因素认证；如需更换，请由安全管理员重置",
        ));
    }
    let secret = pending_secret(&st, &s).await?;
    Ok(Json(json!({
        "secret": secret,
        "otpauth_uri": totp::otpauth_uri(ISSUER, &s.user.username, &secret),
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CodeInput {
    code: String,
}

pub async fn api_confirm(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_csrf(&headers, &s)?;
    let i: CodeInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(Code::InvalidJson, format!("JSON 无效：{e}")))?;
    let codes = confirm(&st, &s, &i.code).await?;
    Ok(Json(json!({ "enrolled": true, "recovery_codes": codes })))
}

pub async fn api_reset(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(username): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_csrf(&headers, &s)?;
    reset(&st, &s, &username).await?;
    Ok(Json(json!({ "reset": true })))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    username: String,
    org_kind_zh: &'static str,
    scope_zh: String,
    clearance_zh: String,
    capabilities: Vec<&'static str>,
    /// Open work (text, where to do it).
    todo: Vec<(String, &'static str)>,
}

pub async fn home(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let scope_zh = if !s.user.role.reads_cases() {
        "本角色不直接查阅案件".to_string()
    } else if s.org.kind.supervises_all_kinds() {
        format!("{}辖区内所有法院、检察院、公安机关的案件", s.org.name)
    } else {
        format!("{}及其下级{}的案件", s.org.name, s.org.kind.zh())
    };
    let clearance_zh = if s.user.clearance.0.is_empty() {
        "无（涉密、涉未成年人等案件将脱敏显示）".to_string()
    } else {
        s.user
            .clearance
            .0
            .iter()
            .map(|c| c.zh())
            .collect::<Vec<_>>()
            .join("、")
    };
    let mut capabilities = vec![];
    if s.user.role.reads_cases() {
        capabilities.push("查阅权限范围内的案件及其程序事件时间线");
        capabilities.push("查看每件案件的法定期限（审限、羁押期限、办案期限）及其计算依据");
        capabilities.push("查看期限预警看板，确认预警，导出 Excel");
    }
    if access::may_issue_letters(s.user.role, s.org.kind) {
        capabilities.push("对预警案件制发提示函、督办函、警示函；签收量刑偏离预警");
    }
    if access::may_acknowledge_changes(s.user.role, s.org.kind) {
        capabilities.push("确认规则变更引起的期限变动");
    }
    capabilities.push("设置提醒邮箱和提醒频率，查看系统发送的提醒邮件");
    if s.user.role.records_events() {
        capabilities.push("通过接口或批量导入记录程序事件");
    }
    if access::may_administer(s.user.role, access::AccountAct::Open, false).is_none() {
        capabilities.push(
            "开设、停用和启用本单位及下级单位的账号；新增机构（授予角色和密级由安全管理员办理）",
        );
    }
    if access::may_administer(s.user.role, access::AccountAct::Grant, false).is_none() {
        capabilities.push("为新开设的账号授予角色和密级，变更已有账号的授权（不能为本人办理）");
    }
    // The administrators' open work: accounts waiting for a grant, disabled accounts.
    let mut todo: Vec<(String, &'static str)> = vec![];
    if access::administers_accounts(s.user.role) {
        match st.store.users_in(&s.org.region_path).await {
            Ok(users) => {
                let pending = users
                    .iter()
                    .filter(|(u, _)| !u.granted && !u.disabled)
                    .count();
                let disabled = users.iter().filter(|(u, _)| u.disabled).count();
                if pending > 0 {
                    todo.push((
                        if s.user.role == Role::Secadmin {
                            format!("{pending} 个新开设的账号等待您授予角色和密级")
                        } else {
                            format!("{pending} 个您开设的账号等待安全管理员授权")
                        },
                        "/admin/users",
                    ));
                }
                if disabled > 0 {
                    todo.push((format!("{disabled} 个账号已停用"), "/admin/users"));
                }
            }
            Err(e) => return api_error_page(e.into()),
        }
    }
    if tianping_domain::access::may_manage_system_clients(s.user.role) {
        capabilities
            .push("为法院、检察院、公安机关的办案系统签发、吊销接入凭据；重置他人的双因素认证");
    }
    if tianping_domain::access::may_audit(s.user.role) {
        capabilities.push("核验防篡改账本；查阅涉密案件查阅记录和管理操作记录");
    }
    if capabilities.is_empty() {
        capabilities
            .push("本角色的专属功能（人民监督员抽选、代表履职、台账核验等）将在后续版本提供");
    }
    render(&HomePage {
        layout: Layout::new(&s, "/home"),
        username: s.user.username.clone(),
        org_kind_zh: s.org.kind.zh(),
        scope_zh,
        clearance_zh,
        capabilities,
        todo,
    })
}

// ---- one's own password ----------------------------------------------------------------------

/// Attempts at changing one's password per minute (each checks the current password: a session
/// left open must not become a way to guess it).
const PASSWORD_TRIES_PER_MIN: u32 = 5;

/// Changes the session's own password: the current one checked, the new one by
/// `tianping_domain::password`, every other session of the person ended. Returns how many were.
async fn change_password(
    st: &AppState,
    s: &Session,
    current: &str,
    new: &str,
    repeat: &str,
) -> Result<u64, ApiError> {
    if let Err(after) = st.policy.limiter.take(
        &format!("password:{}", s.user.id),
        PASSWORD_TRIES_PER_MIN,
        st.now(),
    ) {
        return Err(ApiError::rate_limited(after));
    }
    let current_ok =
        auth::verify_password_off_thread(current, Some(s.user.password_hash.as_str())).await;
    tianping_domain::password::check_new_password(
        &s.user.username,
        current,
        current_ok,
        new,
        repeat,
    )
    .map_err(|e| {
        let code = match e {
            PasswordError::WrongCurrent => Code::WrongPassword,
            PasswordError::TooShort(_) => Code::PasswordTooShort,
            PasswordError::Mismatch => Code::PasswordMismatch,
            _ => Code::PasswordRejected,
        };
        ApiError::invalid_field(code, e.field(), e.to_string())
    })?;
    let hash = auth::hash_password(new).map_err(ApiError::internal)?;
    Ok(st
        .store
        .change_own_password(s.user.id, &hash, &s.csrf_token, st.now())
        .await?)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

pub async fn password_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<PasswordForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let result = change_password(
        &st,
        &s,
        &f.current_password,
        &f.new_password,
        &f.repeat_password,
    )
    .await;
    let mut p = match load(&st, &s).await {
        Ok(p) => p,
        Err(e) => return error_page(e.status, &e.message),
    };
    // Nothing typed is shown again: these are passwords.
    match result {
        Ok(ended) => {
            p.must_change = false;
            p.pw_notice = Some(if ended > 0 {
                format!("密码已修改。您在其他地方的 {ended} 个登录已退出。")
            } else {
                "密码已修改。".to_string()
            });
            render(&p)
        }
        Err(e) => {
            let status = e.status;
            let field = match e.field() {
                "" => "form".to_string(),
                f => f.to_string(),
            };
            p.pw_error = Some((field, e.message));
            let mut r = render(&p);
            *r.status_mut() = status;
            r
        }
    }
}

/// `POST /api/v1/me/password`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordInput {
    /// 当前密码
    current_password: String,
    /// 新密码（至少 10 个字符，不含用户名，不同于当前密码）
    new_password: String,
}

/// The answer to a password change.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PasswordChanged {
    /// 因修改密码而退出的其他登录数
    pub sessions_ended: u64,
}

pub async fn api_password(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: axum::body::Bytes,
) -> Result<Json<PasswordChanged>, ApiError> {
    check_csrf(&headers, &s)?;
    let i: PasswordInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(Code::InvalidJson, format!("JSON 无效：{e}")))?;
    let ended = change_password(
        &st,
        &s,
        &i.current_password,
        &i.new_password,
        &i.new_password,
    )
    .await?;
    Ok(Json(PasswordChanged {
        sessions_ended: ended,
    }))
}
