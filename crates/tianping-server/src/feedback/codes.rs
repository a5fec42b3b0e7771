//! Issuing rating codes: one per party of a case, printed on the 受理通知书 or 送达回证 the party
//! receives, and window codes for a court's posters. The token is re-signed for display (Ed25519
//! signatures are deterministic, so the same row always gives the same token); only its id is
//! stored.

use super::qr_inline;
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::{CurrentUser, check_csrf, csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, redirect, render};
use askama::Template;
use axum::Form;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::access::issues_feedback_codes;
use tianping_domain::{AgencyKind, CaseKind};
use tianping_ledger::{Scope, Token};

use tianping_store::case::CaseRow;
use tianping_store::feedback::{NewToken, TokenRow};
use tianping_store::user::Session;

/// The positions a party's code is usually issued for (the form offers them; any short text is
/// accepted).
const PARTIES: &[&str] = &[
    "原告",
    "被告",
    "第三人",
    "上诉人",
    "被上诉人",
    "申请人",
    "被申请人",
    "申请执行人",
    "被执行人",
    "被告人",
    "自诉人",
    "被害人",
    "辩护人",
    "诉讼代理人",
];

fn new_id() -> Result<[u8; 16], ApiError> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(ApiError::internal)?;
    Ok(id)
}

fn hex(id: &[u8; 16]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// A case the user may issue codes for: a court case of their own court.
async fn own_case(st: &AppState, s: &Session, id: &str) -> Result<CaseRow, ApiError> {
    if !issues_feedback_codes(s.user.role, s.org.kind) {
        return Err(ApiError::forbidden("签发司法公正码"));
    }
    let id = parse_id(id, "案件")?;
    let Some((row, _)) = st.store.case_by_id(id).await? else {
        return Err(ApiError::not_found("案件"));
    };
    if !crate::http::access::can_read(s, &row) {
        return Err(ApiError::not_found("案件"));
    }
    if row.org_id != s.org.id || row.agency_kind != AgencyKind::Court.as_str() {
        return Err(ApiError::new(
            Code::OutOfScope,
            "只能为本院的案件签发司法公正码",
        ));
    }
    Ok(row)
}

/// Issues a code; returns (token, url, expiry).
async fn issue(
    st: &AppState,
    s: &Session,
    scope: Scope,
    case_id: Option<i64>,
    label: &str,
) -> Result<(String, String, DateTime<Utc>), ApiError> {
    let rules = tianping_domain::feedback::rules();
    let now = st.now();
    let days = match scope {
        Scope::CaseParty => rules.tokens.case_party_days,
        Scope::Window => rules.tokens.window_days,
        // Survey links are signed by `Codes::survey_link`, never issued as rating codes.
        Scope::SurveyAnswer => {
            return Err(ApiError::internal(
                "a rating code is for a case party or a window",
            ));
        }
    };
    let expires = now + Duration::days(days);
    let id = new_id()?;
    let label = label.trim();
    if label.is_empty() {
        return Err(ApiError::invalid_field(
            Code::FieldEmpty,
            "party",
            match scope {
                Scope::CaseParty => "请填写当事人的诉讼地位（如原告、被告人）",
                Scope::Window | Scope::SurveyAnswer => "请填写窗口名称（如诉讼服务中心）",
            },
        ));
    }
    if label.chars().count() > 40 {
        return Err(ApiError::invalid_field(
            Code::FieldTooLong,
            "party",
            "评价对象不能超过 40 字",
        ));
    }
    st.store
        .issue_feedback_token(
            &NewToken {
                token_id: &hex(&id),
                scope: scope.as_str(),
                court_id: &s.org.id,
                case_id,
                label,
                expires_at: expires,
            },
            &s.user,
            now,
        )
        .await?;
    let token = st.feedback.key.sign_token(&Token {
        id,
        scope,
        expires: expires.timestamp(),
    });
    let url = st.feedback.url(&token);
    Ok((token, url, expires))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct IssueInput {
    /// The party's procedural position (原告, 被告人 …); default 当事人.
    #[serde(default)]
    pub party: Option<String>,
}

/// `POST /api/v1/cases/{id}/feedback-tokens`: a code for one party of a case of the user's own
/// court; `201` with `{"token", "url", "expires_at"}`.
pub async fn api_issue(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    let input: IssueInput = if body.iter().all(u8::is_ascii_whitespace) {
        IssueInput::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(Code::InvalidJson, format!("请求体不是有效的 JSON：{e}")))?
    };
    let case = own_case(&st, &s, &id).await?;
    let party = input.party.unwrap_or_else(|| "当事人".into());
    let (token, url, expires) = issue(&st, &s, Scope::CaseParty, Some(case.id), &party).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token": token,
            "url": url,
            "expires_at": tianping_domain::utc_seconds(expires),
        })),
    )
        .into_response())
}

pub(crate) struct CodeCard {
    pub label: String,
    pub url: String,
    pub svg: String,
    pub issued: String,
    pub issued_by: String,
    pub expires: String,
    pub rated: bool,
    pub court: String,
}

fn card(st: &AppState, t: &TokenRow) -> CodeCard {
    let token = super::token_text(&st.feedback.key, t).unwrap_or_default();
    let url = st.feedback.url(&token);
    CodeCard {
        label: t.label.clone(),
        svg: qr_inline(&url),
        url,
        issued: crate::view::local(&t.issued_at)[..10].to_string(),
        issued_by: t.issued_by_name.clone(),
        expires: crate::view::local(&t.expires_at)[..10].to_string(),
        rated: t.rated > 0,
        court: t.court_name.clone(),
    }
}

#[derive(Template)]
#[template(path = "feedback_codes.html")]
struct CasePage {
    layout: Layout,
    case_id: i64,
    case_number: String,
    court: String,
    kind: &'static str,
    cards: Vec<CodeCard>,
    parties: &'static [&'static str],
    error: Option<String>,
}

async fn case_page(st: &AppState, s: &Session, id: &str, error: Option<String>) -> Response {
    let case = match own_case(st, s, id).await {
        Ok(c) => c,
        Err(e) => return api_error_page(e),
    };
    let tokens = match st.store.case_feedback_tokens(case.id).await {
        Ok(t) => t,
        Err(e) => return api_error_page(e.into()),
    };
    render(&CasePage {
        layout: Layout::new(s, "/cases"),
        case_id: case.id,
        case_number: case.case_number.clone(),
        court: case.org_name.clone(),
        kind: CaseKind::parse(&case.kind).map_or("案件", |k| k.zh()),
        cards: tokens.iter().map(|t| card(st, t)).collect(),
        parties: PARTIES,
        error,
    })
}

pub(crate) async fn case_codes_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    case_page(&st, &s, &id, None).await
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    csrf: String,
    #[serde(default)]
    party: String,
}

pub(crate) async fn case_code_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<CodeForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let case = match own_case(&st, &s, &id).await {
        Ok(c) => c,
        Err(e) => return api_error_page(e),
    };
    match issue(&st, &s, Scope::CaseParty, Some(case.id), &f.party).await {
        Ok(_) => redirect(&format!("/cases/{}/feedback-codes#codes", case.id)),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            case_page(&st, &s, &id, Some(e.message)).await
        }
        Err(e) => api_error_page(e),
    }
}

#[derive(Template)]
#[template(path = "feedback_windows.html")]
struct WindowsPage {
    layout: Layout,
    court: String,
    cards: Vec<CodeCard>,
    may_issue: bool,
    error: Option<String>,
}

async fn windows(st: &AppState, s: &Session, error: Option<String>) -> Response {
    if !(issues_feedback_codes(s.user.role, s.org.kind)
        || tianping_domain::access::reads_ratings(s.user.role, s.org.kind))
    {
        return api_error_page(ApiError::forbidden("查看窗口评价码"));
    }
    let tokens = match st.store.window_feedback_tokens(&s.org.region_path).await {
        Ok(t) => t,
        Err(e) => return api_error_page(e.into()),
    };
    render(&WindowsPage {
        layout: Layout::new(s, "/feedback"),
        court: s.org.name.clone(),
        cards: tokens.iter().map(|t| card(st, t)).collect(),
        may_issue: issues_feedback_codes(s.user.role, s.org.kind),
        error,
    })
}

pub(crate) async fn windows_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    windows(&st, &s, None).await
}

pub(crate) async fn window_code_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<CodeForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    if !issues_feedback_codes(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("签发司法公正码"));
    }
    match issue(&st, &s, Scope::Window, None, &f.party).await {
        Ok(_) => redirect("/feedback/windows#codes"),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            windows(&st, &s, Some(e.message)).await
        }
        Err(e) => api_error_page(e),
    }
}
