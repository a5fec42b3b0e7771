//! Server-rendered pages in Simplified Chinese. Forms carry the session's CSRF token (the login
//! form a double-submit token); no page needs JavaScript.

use crate::api::{CaseQuery, build_filter, read_scope, readable_case};
use crate::error::ApiError;
use crate::view::{CaseDetail, CaseView};
use crate::{AppState, PageUser, auth};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use tianping_domain::Role;
use tianping_store::user::Session;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// What every logged-in page shows in its header.
pub struct Layout {
    pub user_name: String,
    pub role_zh: &'static str,
    pub org_name: String,
    pub csrf: String,
    pub nav: Vec<NavItem>,
}

impl Layout {
    pub fn new(s: &Session, active: &str) -> Layout {
        let mut nav = vec![];
        if s.user.role.reads_cases() {
            nav.push(NavItem {
                href: "/cases",
                label: "案件",
                active: active == "/cases",
            });
            nav.push(NavItem {
                href: "/warnings",
                label: "期限预警",
                active: active == "/warnings",
            });
            nav.push(NavItem {
                href: "/clock-changes",
                label: "期限变动",
                active: active == "/clock-changes",
            });
            nav.push(NavItem {
                href: "/quality",
                label: "质效指标",
                active: active == "/quality",
            });
            nav.push(NavItem {
                href: "/judgments",
                label: "裁判文书库",
                active: active == "/judgments",
            });
        }
        if tianping_store::supervision::supervises(s.user.role)
            || tianping_store::supervision::rectifies(s.user.role)
        {
            nav.push(NavItem {
                href: "/supervision",
                label: "督办事项",
                active: active == "/supervision",
            });
        }
        if matches!(s.user.role, Role::PlcSupervisor | Role::PcSupervisor) {
            nav.push(NavItem {
                href: "/referrals",
                label: "双向移送",
                active: active == "/referrals",
            });
        }
        if tianping_store::supervision::supervises(s.user.role)
            || tianping_store::supervision::rectifies(s.user.role)
        {
            nav.push(NavItem {
                href: "/projects",
                label: "联合监督",
                active: active == "/projects",
            });
        }
        if s.user.role.records_events() || matches!(s.user.role, Role::PlcSupervisor) {
            nav.push(NavItem {
                href: "/interference",
                label: "过问记录",
                active: active == "/interference",
            });
        }
        if matches!(s.user.role, Role::Sysadmin | Role::Secadmin) {
            nav.push(NavItem {
                href: "/admin/users",
                label: "用户",
                active: active == "/admin/users",
            });
        }
        if s.user.role == Role::Sysadmin {
            nav.push(NavItem {
                href: "/admin/orgs",
                label: "机构",
                active: active == "/admin/orgs",
            });
        }
        if tianping_domain::access::may_manage_system_clients(s.user.role) {
            nav.push(NavItem {
                href: "/admin/systems",
                label: "系统接入",
                active: active == "/admin/systems",
            });
        }
        if s.user.role == Role::Sysadmin {
            nav.push(NavItem {
                href: "/admin/calendar",
                label: "节假日",
                active: active == "/admin/calendar",
            });
        }
        if s.user.role == Role::Auditor {
            nav.push(NavItem {
                href: "/ledger",
                label: "防篡改账本",
                active: active == "/ledger",
            });
        }
        if tianping_domain::access::may_audit(s.user.role) {
            nav.push(NavItem {
                href: "/audit/reads",
                label: "审计记录",
                active: active == "/audit/reads",
            });
        }
        nav.push(NavItem {
            href: "/mailbox",
            label: "提醒邮件",
            active: active == "/mailbox",
        });
        nav.push(NavItem {
            href: "/account/security",
            label: "账户安全",
            active: active == "/account/security",
        });
        nav.push(NavItem {
            href: "/home",
            label: "我的账户",
            active: active == "/home",
        });
        Layout {
            user_name: s.user.display_name.clone(),
            role_zh: s.user.role.zh(),
            org_name: s.org.name.clone(),
            csrf: s.csrf_token.clone(),
            nav,
        }
    }
}

pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面渲染失败").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

pub fn error_page(status: StatusCode, message: &str) -> Response {
    let mut r = render(&ErrorPage {
        status: status.as_u16(),
        message,
    });
    *r.status_mut() = status;
    r
}

fn api_error_page(e: ApiError) -> Response {
    error_page(e.status, &e.message)
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/app.css"),
    )
        .into_response()
}

pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

pub async fn root(PageUser(s): PageUser) -> Response {
    redirect(if s.user.role.reads_cases() {
        "/cases"
    } else {
        "/home"
    })
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
    crate::ClientAddr(client): crate::ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let expected = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| auth::cookie(c, auth::LOGIN_CSRF_COOKIE))
        .unwrap_or("");
    if expected.is_empty()
        || !auth::same_token(expected, &f.csrf)
        || !crate::api::same_origin(&headers)
    {
        return login_page(Some("页面已过期，请重新登录".into()), f.username);
    }
    let second = !f.challenge.trim().is_empty();
    if !second && (f.username.trim().is_empty() || f.password.is_empty()) {
        return login_page(Some("请输入用户名和密码".into()), f.username);
    }
    if let Err(e) = crate::login_rate(&st, &client) {
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
    if matches!(s.user.role, Role::CaseOffice | Role::President) {
        capabilities.push("对预警案件制发提示函、督办函、警示函；确认规则变更引起的期限变动");
    }
    capabilities.push("设置提醒邮箱和提醒频率，查看系统发送的提醒邮件");
    if s.user.role.records_events() {
        capabilities.push("通过接口或批量导入记录程序事件");
    }
    if s.user.role == Role::Sysadmin {
        capabilities.push(
            "开设、停用和启用本单位及下级单位的账号；新增机构（授予角色和密级由安全管理员办理）",
        );
    }
    if s.user.role == Role::Secadmin {
        capabilities.push("为新开设的账号授予角色和密级，变更已有账号的授权（不能为本人办理）");
    }
    // The administrators' open work: accounts waiting for a grant, disabled accounts.
    let mut todo: Vec<(String, &'static str)> = vec![];
    if matches!(s.user.role, Role::Sysadmin | Role::Secadmin) {
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

pub struct TypeGroup {
    pub class: String,
    pub types: Vec<(String, String)>,
}

fn type_groups() -> Vec<TypeGroup> {
    let mut groups: Vec<TypeGroup> = vec![];
    for t in tianping_domain::case_type::all() {
        match groups.last_mut() {
            Some(g) if g.class == t.class => g.types.push((t.code.clone(), t.name.clone())),
            _ => groups.push(TypeGroup {
                class: t.class.clone(),
                types: vec![(t.code.clone(), t.name.clone())],
            }),
        }
    }
    groups
}

/// Percent-encodes a query-string value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    layout: Layout,
    q: CaseQuery,
    type_groups: Vec<TypeGroup>,
    judges: Vec<String>,
    errors: Vec<String>,
    cases: Vec<CaseView>,
    total: i64,
    page: u32,
    pages: u32,
    prev_href: Option<String>,
    next_href: Option<String>,
}

impl CasesPage {
    fn val<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
    fn sel(&self, v: &Option<String>, option: &str) -> bool {
        v.as_deref() == Some(option)
    }
}

pub async fn case_list(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<CaseQuery>,
) -> Response {
    let Some(scope) = read_scope(&s) else {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权查看案件");
    };
    let (f, errs) = build_filter(scope.clone(), &q);
    let (rows, total) = match st.store.list_cases(&f).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e.into()),
    };
    let judges = st.store.judges_in(&scope, 500).await.unwrap_or_default();
    let pages = u32::try_from((total + i64::from(f.per_page) - 1) / i64::from(f.per_page))
        .unwrap_or(u32::MAX)
        .max(1);
    let base: Vec<String> = [
        ("case_number", &q.case_number),
        ("type_code", &q.type_code),
        ("status", &q.status),
        ("judge", &q.judge),
        ("filed_from", &q.filed_from),
        ("filed_to", &q.filed_to),
    ]
    .iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .filter(|x| !x.is_empty())
            .map(|x| format!("{k}={}", enc(x)))
    })
    .collect();
    let href = |p: u32| {
        let mut parts = base.clone();
        parts.push(format!("page={p}"));
        format!("/cases?{}", parts.join("&"))
    };
    let cases = rows
        .iter()
        .map(|r| CaseView::new(r, &crate::view::clearance_for_row(&s, r)))
        .collect();
    render(&CasesPage {
        layout: Layout::new(&s, "/cases"),
        type_groups: type_groups(),
        judges,
        errors: errs
            .into_iter()
            .map(|(_, m)| format!("{m}，已忽略该条件"))
            .collect(),
        cases,
        total,
        page: f.page,
        pages,
        prev_href: (f.page > 1).then(|| href(f.page - 1)),
        next_href: (f.page < pages).then(|| href(f.page + 1)),
        q,
    })
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    layout: Layout,
    d: CaseDetail,
    clocks: Vec<crate::clocks::ClockView>,
    letters: Vec<tianping_store::clocks::Letter>,
    can_letter: bool,
    sup: crate::supervision::CaseSupervision,
    similar: crate::similar::CaseRetrieval,
}

pub async fn case_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "案件不存在");
    };
    let d = match readable_case(&st, &s, id, "case_page").await {
        Ok(d) => d,
        Err(e) => return api_error_page(e),
    };
    let clocks = match crate::clocks::case_clocks(&st, id).await {
        Ok(c) => c,
        Err(e) => return api_error_page(e),
    };
    let letters = match st.store.letters_of_case(id).await {
        Ok(l) => l,
        Err(e) => return api_error_page(e.into()),
    };
    let row = match crate::clocks::readable(&st, &s, id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    let sup = match crate::supervision::case_supervision(&st, &s, &row).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let similar = match crate::similar::case_retrieval(&st, &s, &d, &row).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    render(&CasePage {
        layout: Layout::new(&s, "/cases"),
        sup,
        similar,
        d,
        clocks,
        letters,
        can_letter: matches!(s.user.role, Role::CaseOffice | Role::President)
            && s.org.kind == tianping_domain::AgencyKind::Court,
    })
}
