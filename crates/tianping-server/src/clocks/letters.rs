//! Reminder letters (提示函、督办函、警示函) a court's case office or president issues on a case
//! whose clock warns, and the letter as the recipient reads it.

use super::ClockView;
use super::board::may_issue_letters;
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::access::readable;
use crate::http::extract::{csrf_refused, parse_id};
use crate::http::page::{error_page, render};
use crate::http::{CurrentUser, PageUser};
use crate::view::local_date;
use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::case::{Visibility, visibility};
use tianping_domain::clock::local_date as bj_date;
use tianping_domain::rules::ClockKey;
use tianping_store::clocks::{LETTER_KINDS, Letter};
use tianping_store::user::Session;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LetterInput {
    pub kind: String,
    #[serde(default)]
    pub warning_id: Option<i64>,
    #[serde(default)]
    pub body: String,
}

async fn issue(
    st: &AppState,
    s: &Session,
    case_id: i64,
    input: &LetterInput,
) -> Result<Letter, ApiError> {
    if !may_issue_letters(s) {
        return Err(ApiError::forbidden("制发提示函、督办函、警示函"));
    }
    let row = readable(st, s, case_id).await?;
    if !LETTER_KINDS.iter().any(|k| k.0 == input.kind) {
        return Err(ApiError::new(
            Code::InvalidLetterKind,
            format!(
                "文书种类“{}”无效，应为 reminder、supervision 或 warning",
                input.kind
            ),
        )
        .with_details(json!({ "field": "kind" })));
    }
    if let Some(w) = input.warning_id
        && st.store.warning_case(w).await? != Some(case_id)
    {
        return Err(ApiError::new(Code::InvalidWarning, "所附预警不属于本案")
            .with_details(json!({ "field": "warning_id" })));
    }
    let body = input.body.trim();
    if body.chars().count() > 4000 {
        return Err(ApiError::new(Code::LetterTooLong, "正文不能超过 4000 字")
            .with_details(json!({ "field": "body" })));
    }
    let clocks = st.store.clocks_of_case(case_id, st.now()).await?;
    let today = bj_date(st.now());
    let mut text = String::new();
    if !body.is_empty() {
        text.push_str(body);
        text.push_str("\n\n");
    }
    let cw = st.store.clockwork();
    for c in clocks
        .iter()
        .filter(|c| c.status.is_open() && c.key != ClockKey::LongPending)
    {
        let v = ClockView::new(c, today);
        let citation = c
            .rule
            .as_deref()
            .and_then(|t| cw.rules.rule(t))
            .map_or("", |r| r.citation_zh.as_str());
        text.push_str(&format!(
            "{}：届满日 {}（{}）；依据：{}\n",
            v.name, v.due, v.left_zh, citation
        ));
    }
    let code = s
        .org
        .court_code
        .clone()
        .unwrap_or_else(|| s.org.name.clone());
    Ok(st
        .store
        .issue_letter(
            &input.kind,
            row.id,
            input.warning_id,
            &s.org.id,
            &code,
            s.user.id,
            text.trim_end(),
            st.now(),
        )
        .await?)
}

pub async fn api_issue_letter(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    crate::http::extract::check_csrf(&headers, &s)?;
    let id = parse_id(&id, "案件")?;
    let input: LetterInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(Code::LetterMalformed, format!("JSON 无效：{e}")))?;
    let l = issue(&st, &s, id, &input).await?;
    Ok((StatusCode::CREATED, Json(l)).into_response())
}

#[derive(Deserialize)]
pub struct LetterForm {
    #[serde(default)]
    csrf: String,
    kind: String,
    #[serde(default)]
    warning_id: String,
    #[serde(default)]
    body: String,
}

pub async fn letter_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<LetterForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "案件不存在");
    };
    let input = LetterInput {
        kind: f.kind,
        warning_id: f.warning_id.trim().parse().ok(),
        body: f.body,
    };
    match issue(&st, &s, id, &input).await {
        Ok(l) => crate::http::page::redirect(&format!("/letters/{}", l.id)),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Template)]
#[template(path = "letter.html")]
struct LetterPage {
    l: Letter,
    kind_zh: &'static str,
    issued_date: String,
    issuer_org: String,
    paragraphs: Vec<String>,
}

pub async fn letter_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "文书不存在");
    };
    let l = match st.store.letter(id).await {
        Ok(Some(l)) => l,
        Ok(None) => return error_page(StatusCode::NOT_FOUND, "文书不存在或不在您的权限范围内"),
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            );
        }
    };
    let row = match readable(&st, &s, l.case_id).await {
        Ok(r) => r,
        Err(_) => return error_page(StatusCode::NOT_FOUND, "文书不存在或不在您的权限范围内"),
    };
    // The issuer's own words may name a party: a reader without the case's clearance sees the
    // clock lines the system wrote, not those words.
    let full = visibility(
        row.confidentiality,
        &crate::view::clearance_for_row(&s, &row),
    ) == Visibility::Full;
    let issuer_org = st
        .store
        .org_directory()
        .await
        .ok()
        .and_then(|d| d.get(&l.org_id).map(|o| o.name.clone()))
        .unwrap_or_else(|| l.org_id.clone());
    render(&LetterPage {
        kind_zh: LETTER_KINDS
            .iter()
            .find(|k| k.0 == l.kind)
            .map_or("函", |k| k.1),
        issued_date: local_date(&l.issued_at),
        paragraphs: {
            let mut withheld = false;
            let mut v = vec![];
            for x in l.body.lines().filter(|x| !x.trim().is_empty()) {
                if full || x.contains("：届满日 ") {
                    v.push(x.to_string());
                } else if !withheld {
                    withheld = true;
                    v.push(format!(
                        "（本案为“{}”案件，函件中的说明文字仅对有相应权限的人员显示。）",
                        row.confidentiality.zh()
                    ));
                }
            }
            v
        },
        issuer_org,
        l,
    })
}
