//! Accounts and organisations under 三员分立: the system administrator opens accounts (with the
//! role the unit asked for), disables and re-enables them, and adds organisations; the security
//! administrator grants roles and clearances — an opened account cannot log in until then — and
//! resets second factors (`account`); the auditor reads every one of these acts (`audit`) and
//! changes nothing. Nobody acts on their own account. Who may do what is decided by
//! [`tianping_domain::access::may_administer`]. Lifting login locks and setting a temporary
//! password are in `credentials`.

mod credentials;
pub use credentials::ResetInput;

use crate::AppState;
use crate::auth;
use crate::error::{ApiError, Code};
use crate::http::extract::check_csrf;
use crate::http::extract::csrf_refused;
use crate::http::page::{Layout, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::access::{AccountAct, may_administer, may_reset_second_factor};
use tianping_domain::{AgencyKind, Clearance, Confidentiality, Level, Role};
use tianping_store::org::Org;
use tianping_store::user::{NewUser, Session, User};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users_page).post(open_submit))
        .route("/admin/users/{username}/grant", post(grant_submit))
        .route("/admin/users/{username}/disable", post(disable_submit))
        .route("/admin/users/{username}/enable", post(enable_submit))
        .route(
            "/admin/users/{username}/unlock",
            post(credentials::unlock_submit),
        )
        .route(
            "/admin/users/{username}/password",
            post(credentials::password_submit),
        )
        .route("/admin/orgs", get(orgs_page).post(org_submit))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(api_users).post(api_open))
        .route("/admin/users/{username}/grant", post(api_grant))
        .route("/admin/users/{username}/disable", post(api_disable))
        .route("/admin/users/{username}/enable", post(api_enable))
        .route(
            "/admin/users/{username}/unlock",
            post(credentials::api_unlock),
        )
        .route(
            "/admin/users/{username}/password",
            post(credentials::api_password),
        )
        .route("/admin/orgs", get(api_orgs).post(api_add_org))
}

// The shortest initial password the system administrator may set (as `tianping user add`).
use tianping_domain::password::MIN_PASSWORD_CHARS;

/// Clearance levels a grant may give, in the order the form shows them.
const LEVELS: [Confidentiality; 4] = [
    Confidentiality::Minors,
    Confidentiality::StateSecret,
    Confidentiality::TradeSecret,
    Confidentiality::Privacy,
];

fn refuse(role: Role, act: AccountAct, own: bool) -> Result<(), ApiError> {
    match may_administer(role, act, own) {
        None => Ok(()),
        Some(what) => Err(ApiError::forbidden(what)),
    }
}

fn invalid(code: Code, field: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid_field(code, field, message)
}

/// What the system administrator fills in to open an account.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct OpenInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub org_id: String,
    /// The role the unit asked for: it takes effect only when the security administrator grants it.
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// An organisation in the administrator's subtree.
async fn org_in_scope(st: &AppState, s: &Session, id: &str) -> Result<Option<Org>, ApiError> {
    Ok(st
        .store
        .org(id.trim())
        .await?
        .filter(|o| o.region_path.starts_with(&s.org.region_path)))
}

/// A user whose organisation is in the administrator's subtree.
async fn user_in_scope(st: &AppState, s: &Session, username: &str) -> Result<User, ApiError> {
    let Some(u) = st.store.user_by_username(username.trim()).await? else {
        return Err(ApiError::not_found("用户"));
    };
    if org_in_scope(st, s, &u.org_id).await?.is_none() {
        return Err(ApiError::not_found("用户"));
    }
    Ok(u)
}

fn role_fits(role: Role, org: &Org) -> Result<(), ApiError> {
    if role.fits_agency(org.kind) {
        Ok(())
    } else {
        Err(invalid(
            Code::RoleDoesNotFit,
            "role",
            format!("“{}”不是{}的角色", role.zh(), org.name),
        ))
    }
}

async fn open(st: &AppState, s: &Session, i: &OpenInput) -> Result<String, ApiError> {
    refuse(s.user.role, AccountAct::Open, false)?;
    let username = i.username.trim();
    let ok_name = (3..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
    if !ok_name {
        return Err(invalid(
            Code::InvalidUsername,
            "username",
            "用户名须为 3–32 个小写字母、数字或 _ . -",
        ));
    }
    let name = i.display_name.trim();
    if name.is_empty() || name.chars().count() > 32 {
        return Err(invalid(
            Code::InvalidDisplayName,
            "display_name",
            "姓名须为 1–32 个字",
        ));
    }
    let Some(org) = org_in_scope(st, s, &i.org_id).await? else {
        return Err(invalid(
            Code::InvalidOrg,
            "org_id",
            "所选单位不存在或不在本管理范围内",
        ));
    };
    let Some(role) = Role::parse(i.role.trim()) else {
        return Err(invalid(Code::InvalidRole, "role", "请选择申请的角色"));
    };
    role_fits(role, &org)?;
    let email = i.email.trim();
    if !email.is_empty() && (email.len() > 254 || !email.contains('@') || email.contains(' ')) {
        return Err(invalid(Code::InvalidEmail, "email", "电子邮箱格式不正确"));
    }
    if i.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(invalid(
            Code::PasswordTooShort,
            "password",
            format!("初始密码至少 {MIN_PASSWORD_CHARS} 个字符"),
        ));
    }
    if st.store.user_by_username(username).await?.is_some() {
        return Err(
            ApiError::new(Code::UsernameTaken, format!("用户名“{username}”已被使用"))
                .with_details(json!({ "field": "username" })),
        );
    }
    let password_hash = auth::hash_password(&i.password).map_err(ApiError::internal)?;
    st.store
        .open_account(
            &NewUser {
                username: username.to_string(),
                display_name: name.to_string(),
                org_id: org.id.clone(),
                role,
                clearance: Clearance::default(),
                email: (!email.is_empty()).then(|| email.to_string()),
                password_hash,
            },
            &s.user.username,
            st.now(),
        )
        .await?;
    tracing::info!(by = %s.user.username, user = %username, org = %org.id, "account opened");
    Ok(username.to_string())
}

async fn grant(
    st: &AppState,
    s: &Session,
    username: &str,
    role: &str,
    clearance: Clearance,
) -> Result<(), ApiError> {
    let target = user_in_scope(st, s, username).await?;
    refuse(s.user.role, AccountAct::Grant, target.id == s.user.id)?;
    let Some(role) = Role::parse(role.trim()) else {
        return Err(invalid(Code::InvalidRole, "role", "请选择要授予的角色"));
    };
    let org = st
        .store
        .org(&target.org_id)
        .await?
        .ok_or_else(|| ApiError::internal("user without organisation"))?;
    role_fits(role, &org)?;
    st.store
        .grant_role(target.id, role, &clearance, &s.user.username, st.now())
        .await?;
    tracing::warn!(by = %s.user.username, user = %target.username, role = role.as_str(), clearance = %clearance.to_list(), "role granted");
    Ok(())
}

async fn set_disabled(
    st: &AppState,
    s: &Session,
    username: &str,
    disabled: bool,
) -> Result<bool, ApiError> {
    let target = user_in_scope(st, s, username).await?;
    refuse(s.user.role, AccountAct::Disable, target.id == s.user.id)?;
    let changed = st
        .store
        .set_disabled(target.id, disabled, &s.user.username, st.now())
        .await?;
    tracing::warn!(by = %s.user.username, user = %target.username, disabled, changed, "account status");
    Ok(changed)
}

/// What the system administrator fills in to add an organisation.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct OrgInput {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub parent_id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub level: String,
    /// 行政区划代码 of the organisation's region (the parent's, or one of its subdivisions).
    #[serde(default)]
    pub region_code: String,
    /// 法院代字 (courts only), e.g. 浙0110.
    #[serde(default)]
    pub court_code: String,
}

fn level_rank(l: Level) -> u8 {
    match l {
        Level::Province => 0,
        Level::City => 1,
        Level::County => 2,
    }
}

async fn add_org(st: &AppState, s: &Session, i: &OrgInput) -> Result<Org, ApiError> {
    refuse(s.user.role, AccountAct::AddOrg, false)?;
    let id = i.id.trim();
    let ok_id = (2..=40).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok_id {
        return Err(invalid(
            Code::InvalidOrgId,
            "id",
            "机构编号须为 2–40 个小写字母、数字或 -",
        ));
    }
    if st.store.org(id).await?.is_some() {
        return Err(
            ApiError::new(Code::OrgIdTaken, format!("机构编号“{id}”已被使用"))
                .with_details(json!({ "field": "id" })),
        );
    }
    let name = i.name.trim();
    if name.chars().count() < 2 || name.chars().count() > 64 {
        return Err(invalid(Code::InvalidName, "name", "机构名称须为 2–64 个字"));
    }
    let Some(parent) = org_in_scope(st, s, &i.parent_id).await? else {
        return Err(invalid(
            Code::InvalidParent,
            "parent_id",
            "上级机构不存在或不在本管理范围内",
        ));
    };
    let Some(kind) = AgencyKind::parse(i.kind.trim()) else {
        return Err(invalid(Code::InvalidKind, "kind", "请选择机构类别"));
    };
    let Some(level) = Level::parse(i.level.trim()) else {
        return Err(invalid(Code::InvalidLevel, "level", "请选择机构层级"));
    };
    if level_rank(level) < level_rank(parent.level) {
        return Err(invalid(
            Code::LevelAboveParent,
            "level",
            format!("层级不能高于上级机构“{}”", parent.name),
        ));
    }
    let code = i.region_code.trim();
    let region_path = if code == parent.region_code {
        parent.region_path.clone()
    } else if code.len() > parent.region_code.len()
        && code.starts_with(&parent.region_code)
        && code.chars().all(|c| c.is_ascii_digit())
    {
        format!("{}{code}/", parent.region_path)
    } else {
        return Err(invalid(
            Code::InvalidRegionCode,
            "region_code",
            format!(
                "行政区划代码须为上级机构的代码“{}”或其下级代码",
                parent.region_code
            ),
        ));
    };
    let court_code = i.court_code.trim();
    let court_code = if kind == AgencyKind::Court && !court_code.is_empty() {
        if court_code.chars().count() > 16 {
            return Err(invalid(
                Code::InvalidCourtCode,
                "court_code",
                "法院代字不能超过 16 个字符",
            ));
        }
        let dir = st.store.org_directory().await?;
        if dir.court(court_code).is_some() {
            return Err(ApiError::new(
                Code::CourtCodeTaken,
                format!("法院代字“{court_code}”已被使用"),
            )
            .with_details(json!({ "field": "court_code" })));
        }
        Some(court_code.to_string())
    } else if !court_code.is_empty() {
        return Err(invalid(
            Code::InvalidCourtCode,
            "court_code",
            "只有法院有法院代字",
        ));
    } else {
        None
    };
    let org = Org {
        id: id.to_string(),
        parent_id: Some(parent.id.clone()),
        name: name.to_string(),
        kind,
        level,
        region_code: code.to_string(),
        region_path,
        court_code,
    };
    st.store.add_org(&org, &s.user.username, st.now()).await?;
    tracing::info!(by = %s.user.username, org = %org.id, "organisation added");
    Ok(org)
}

// ---- pages ----------------------------------------------------------------------------------

pub struct UserLine {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub role_zh: &'static str,
    pub clearance_zh: String,
    pub clearance: Vec<&'static str>,
    pub org_name: String,
    /// 待授权, 已停用, 已锁定, 待改密 or 正常.
    pub status: &'static str,
    pub totp: bool,
    pub can_reset: bool,
    pub can_grant: bool,
    pub can_disable: bool,
    pub can_enable: bool,
    /// A login lock is in force and the reader may lift it.
    pub can_unlock: bool,
    /// The reader may set a temporary password.
    pub can_reset_password: bool,
    /// Roles that fit the user's organisation (value, Chinese).
    pub roles: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    /// The filter (username, name or unit contains it).
    q: String,
    users: Vec<UserLine>,
    pending: usize,
    can_open: bool,
    orgs: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
    form: OpenInput,
    error: Option<(String, String)>,
    notice: Option<String>,
}

impl UsersPage {
    fn has(&self, u: &UserLine, level: &str) -> bool {
        u.clearance.contains(&level)
    }
    fn field_error(&self, field: &str) -> String {
        crate::http::page::error_at(&self.error, field)
    }
    /// The error of a row's 重置密码 form, next to its `field`.
    fn reset_error(&self, username: &str, field: &str) -> String {
        crate::http::page::error_at(&self.error, &credentials::reset_field(username, field))
    }
    /// Whether a row's 重置密码 form was refused (it is shown open).
    fn reset_refused(&self, username: &str) -> bool {
        self.error
            .as_ref()
            .is_some_and(|(f, _)| f.starts_with(&credentials::reset_field(username, "")))
    }
}

async fn users_view(st: &AppState, s: &Session, q: &str) -> Result<UsersPage, ApiError> {
    let q = q.trim();
    if !tianping_domain::access::administers_accounts(s.user.role) {
        return Err(ApiError::forbidden("管理用户（仅系统管理员、安全管理员）"));
    }
    let now = st.now();
    let locked = st.store.locked_usernames(now).await?;
    let orgs = st.store.orgs_in(&s.org.region_path).await?;
    let kind_of = |id: &str| orgs.iter().find(|o| o.id == id).map(|o| o.kind);
    let users: Vec<UserLine> = st
        .store
        .users_in(&s.org.region_path)
        .await?
        .into_iter()
        .map(|(u, org_name)| {
            let own = u.id == s.user.id;
            let kind = kind_of(&u.org_id);
            UserLine {
                status: if u.disabled {
                    "已停用"
                } else if !u.granted {
                    "待授权"
                } else if locked.contains(&u.username) {
                    "已锁定"
                } else if u.must_change_password {
                    "待改密"
                } else {
                    "正常"
                },
                can_unlock: locked.contains(&u.username)
                    && may_administer(s.user.role, AccountAct::Unlock, own).is_none(),
                can_reset_password: !u.disabled
                    && may_administer(s.user.role, AccountAct::ResetPassword, own).is_none(),
                totp: u.totp_secret.is_some(),
                can_reset: u.totp_secret.is_some() && may_reset_second_factor(s.user.role, own),
                can_grant: may_administer(s.user.role, AccountAct::Grant, own).is_none(),
                can_disable: !u.disabled
                    && may_administer(s.user.role, AccountAct::Disable, own).is_none(),
                can_enable: u.disabled
                    && may_administer(s.user.role, AccountAct::Disable, own).is_none(),
                roles: Role::ALL
                    .into_iter()
                    .filter(|r| kind.is_some_and(|k| r.fits_agency(k)))
                    .map(|r| (r.as_str(), r.zh()))
                    .collect(),
                role: u.role.as_str(),
                role_zh: u.role.zh(),
                clearance_zh: if u.clearance.is_empty() {
                    "无".into()
                } else {
                    u.clearance.zh()
                },
                clearance: u.clearance.0.iter().map(|c| c.as_str()).collect(),
                username: u.username,
                display_name: u.display_name,
                org_name,
            }
        })
        .filter(|u: &UserLine| {
            q.is_empty()
                || u.username.contains(q)
                || u.display_name.contains(q)
                || u.org_name.contains(q)
        })
        .collect();
    // What needs the reader first: accounts awaiting a grant, then disabled ones.
    let rank = |u: &UserLine| match u.status {
        "待授权" => 0,
        "已停用" => 1,
        _ => 2,
    };
    let mut users = users;
    users.sort_by_key(rank);
    Ok(UsersPage {
        q: q.to_string(),
        layout: Layout::new(s, "/admin/users"),
        pending: users.iter().filter(|u| u.status == "待授权").count(),
        users,
        can_open: may_administer(s.user.role, AccountAct::Open, false).is_none(),
        orgs: crate::http::page::org_tree(orgs),
        roles: Role::ALL
            .into_iter()
            .map(|r| (r.as_str(), r.zh()))
            .collect(),
        levels: LEVELS.into_iter().map(|c| (c.as_str(), c.zh())).collect(),
        form: OpenInput::default(),
        error: None,
        notice: None,
    })
}

/// Renders the users page after an act: its notice, or its error next to the field.
async fn after(
    st: &AppState,
    s: &Session,
    outcome: Result<String, ApiError>,
    form: OpenInput,
) -> Response {
    let view = users_view(st, s, "").await;
    match (outcome, view) {
        (Ok(notice), Ok(mut p)) => {
            p.notice = Some(notice);
            render(&p)
        }
        (Err(e), Ok(mut p))
            if !matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) =>
        {
            p.error = Some((e.field().to_string(), e.message));
            p.form = OpenInput {
                password: String::new(),
                ..form
            };
            render(&p)
        }
        (Err(e), _) | (_, Err(e)) => error_page(e.status, &e.message),
    }
}

#[derive(Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
}

pub async fn users_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<UsersQuery>,
) -> Response {
    match users_view(&st, &s, &q.q).await {
        Ok(p) => render(&p),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: OpenInput,
}

pub async fn open_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<OpenForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let outcome = open(&st, &s, &f.input)
        .await
        .map(|u| format!("已开设账号“{u}”。该账号须经安全管理员授予角色和密级后方可登录。"));
    after(&st, &s, outcome, f.input).await
}

#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    minors: String,
    #[serde(default)]
    state_secret: String,
    #[serde(default)]
    trade_secret: String,
    #[serde(default)]
    privacy: String,
}

impl GrantForm {
    fn clearance(&self) -> Clearance {
        let on = |v: &str| !v.is_empty();
        Clearance(
            [
                (on(&self.minors), Confidentiality::Minors),
                (on(&self.state_secret), Confidentiality::StateSecret),
                (on(&self.trade_secret), Confidentiality::TradeSecret),
                (on(&self.privacy), Confidentiality::Privacy),
            ]
            .into_iter()
            .filter_map(|(set, c)| set.then_some(c))
            .collect(),
        )
    }
}

pub async fn grant_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(username): Path<String>,
    Form(f): Form<GrantForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let outcome = grant(&st, &s, &username, &f.role, f.clearance())
        .await
        .map(|()| {
            format!(
                "已为“{}”授予角色和密级，其原有登录已失效。",
                username.trim()
            )
        });
    after(&st, &s, outcome, OpenInput::default()).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn disable_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(username): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    match set_disabled(&st, &s, &username, true).await {
        Ok(_) => redirect("/admin/users"),
        Err(e) => error_page(e.status, &e.message),
    }
}

pub async fn enable_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(username): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    match set_disabled(&st, &s, &username, false).await {
        Ok(_) => redirect("/admin/users"),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsPage {
    layout: Layout,
    orgs: Vec<Org>,
    kinds: Vec<(&'static str, &'static str)>,
    form: OrgInput,
    error: Option<(String, String)>,
    notice: Option<String>,
}

impl OrgsPage {
    fn level_zh(&self, l: &Level) -> &'static str {
        match l {
            Level::Province => "省级",
            Level::City => "市级",
            Level::County => "县级",
        }
    }
    fn field_error(&self, field: &str) -> String {
        crate::http::page::error_at(&self.error, field)
    }
}

async fn orgs_view(st: &AppState, s: &Session) -> Result<OrgsPage, ApiError> {
    refuse(s.user.role, AccountAct::AddOrg, false)?;
    Ok(OrgsPage {
        layout: Layout::new(s, "/admin/orgs"),
        orgs: st.store.orgs_in(&s.org.region_path).await?,
        kinds: AgencyKind::ALL
            .into_iter()
            .map(|k| (k.as_str(), k.zh()))
            .collect(),
        form: OrgInput::default(),
        error: None,
        notice: None,
    })
}

pub async fn orgs_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    match orgs_view(&st, &s).await {
        Ok(p) => render(&p),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: OrgInput,
}

pub async fn org_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<OrgForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let outcome = add_org(&st, &s, &f.input).await;
    match (outcome, orgs_view(&st, &s).await) {
        (Ok(o), Ok(mut p)) => {
            p.notice = Some(format!("已新增机构“{}”。", o.name));
            render(&p)
        }
        (Err(e), Ok(mut p))
            if !matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) =>
        {
            p.error = Some((e.field().to_string(), e.message));
            p.form = f.input;
            render(&p)
        }
        (Err(e), _) | (_, Err(e)) => error_page(e.status, &e.message),
    }
}

// ---- the JSON API -----------------------------------------------------------------------------

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(Code::InvalidJson, format!("JSON 无效：{e}")))
}

pub async fn api_users(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = users_view(&st, &s, "").await?;
    let items: Vec<_> = p
        .users
        .iter()
        .map(|u| {
            json!({
                "username": u.username,
                "display_name": u.display_name,
                "org": u.org_name,
                "role": u.role,
                "clearance": u.clearance,
                "status": u.status,
                "second_factor": u.totp,
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn api_open(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    check_csrf(&headers, &s)?;
    let i: OpenInput = parse(&body)?;
    let username = open(&st, &s, &i).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "username": username, "granted": false })),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct GrantInput {
    role: String,
    #[serde(default)]
    clearance: Vec<String>,
}

pub async fn api_grant(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(username): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_csrf(&headers, &s)?;
    let i: GrantInput = parse(&body)?;
    let clearance = Clearance::parse_list(&i.clearance.join(",")).map_err(|_| {
        invalid(
            Code::InvalidClearance,
            "clearance",
            "密级只能是 minors、state_secret、trade_secret、privacy",
        )
    })?;
    if clearance.0.contains(&Confidentiality::Public) {
        return Err(invalid(
            Code::InvalidClearance,
            "clearance",
            "公开案件无需授予密级",
        ));
    }
    grant(&st, &s, &username, &i.role, clearance).await?;
    Ok(Json(json!({ "granted": true })))
}

pub async fn api_disable(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(username): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_csrf(&headers, &s)?;
    let changed = set_disabled(&st, &s, &username, true).await?;
    Ok(Json(json!({ "disabled": true, "changed": changed })))
}

pub async fn api_enable(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(username): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_csrf(&headers, &s)?;
    let changed = set_disabled(&st, &s, &username, false).await?;
    Ok(Json(json!({ "disabled": false, "changed": changed })))
}

pub async fn api_orgs(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = orgs_view(&st, &s).await?;
    Ok(Json(json!({ "items": p.orgs })))
}

pub async fn api_add_org(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    check_csrf(&headers, &s)?;
    let i: OrgInput = parse(&body)?;
    let org = add_org(&st, &s, &i).await?;
    Ok((StatusCode::CREATED, Json(json!(org))))
}
