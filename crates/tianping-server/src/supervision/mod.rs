//! Supervision in the UI and the API: 四类案件 flags and 院庭长 acts on the case page, interference
//! records (三个规定) and their quarterly report with zero reports, supervision items (the 整改台账,
//! one page per item with its actions, evidence upload, Excel export), referrals between 人大 and
//! 政法委, and joint supervision projects.
//!
//! Each operation is one function used by both the page handler and the API handler; it checks
//! the role and scope, and turns a domain refusal into an `ApiError` with the refusal's code.

pub mod case;
pub mod catalogue;
pub mod interference;
pub mod items;
pub mod ledger;
pub mod projects;
pub mod referrals;

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::extract::{check_csrf, csrf_refused, json_body, parse_id};
use crate::http::page::{error_page, redirect};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use serde_json::json;
use tianping_domain::AgencyKind;
use tianping_domain::org::CaseLocation;
use tianping_store::user::Session;

pub use case::{CaseSupervision, case_supervision};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/flags", post(case::flag_submit))
        .route("/flags/{id}/clear", post(case::flag_clear_submit))
        .route("/cases/{id}/acts", post(case::act_submit))
        .route("/acts/{id}/answer", post(case::answer_submit))
        .route(
            "/interference",
            get(interference::interference_page).post(interference::interference_submit),
        )
        .route("/interference/zero", post(interference::zero_submit))
        .route(
            "/interference/export.xlsx",
            get(interference::interference_export),
        )
        .route(
            "/supervision",
            get(items::ledger_page).post(items::item_submit),
        )
        .route("/supervision/export.xlsx", get(ledger::ledger_export))
        .route("/supervision/ledger.docx", get(ledger::ledger_docx))
        .route("/supervision/{id}", get(items::item_page))
        .route("/supervision/{id}/actions", post(items::action_submit))
        .route("/supervision/{id}/evidence", post(items::evidence_submit))
        .route(
            "/supervision/{id}/evidence/{eid}",
            get(items::evidence_download),
        )
        .route(
            "/referrals",
            get(referrals::referrals_page).post(referrals::referral_submit),
        )
        .route("/referrals/{id}", get(referrals::referral_page))
        .route(
            "/referrals/{id}/actions",
            post(referrals::referral_action_submit),
        )
        .route(
            "/projects",
            get(projects::projects_page).post(projects::project_submit),
        )
        .route("/projects/{id}", get(projects::project_page))
        .route(
            "/projects/{id}/actions",
            post(projects::project_action_submit),
        )
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/flags",
            get(case::api_case_flags).post(case::api_add_flag),
        )
        .route("/flags/{id}/clear", post(case::api_clear_flag))
        .route("/cases/{id}/acts", post(case::api_add_act))
        .route("/acts/{id}/answer", post(case::api_answer_act))
        .route(
            "/interference",
            get(interference::api_interference).post(interference::api_record_interference),
        )
        .route(
            "/interference/zero-report",
            post(interference::api_zero_report),
        )
        .route(
            "/supervision/items",
            get(items::api_items).post(items::api_open_item),
        )
        .route("/supervision/items/{id}", get(items::api_item))
        .route("/supervision/catalogue", get(catalogue::api_catalogue))
        .route(
            "/supervision/items/{id}/actions",
            post(items::api_item_action),
        )
        .route(
            "/supervision/items/{id}/evidence",
            post(items::api_evidence),
        )
        .route(
            "/referrals",
            get(referrals::api_referrals).post(referrals::api_send_referral),
        )
        .route(
            "/referrals/{id}/actions",
            post(referrals::api_referral_action),
        )
        .route(
            "/projects",
            get(projects::api_projects).post(projects::api_create_project),
        )
        .route("/projects/{id}", get(projects::api_project))
        .route("/projects/{id}/actions", post(projects::api_project_action))
}

// --- errors and small parsers ---------------------------------------------------------------------

/// A JSON post about one record: the CSRF header, the path id (`what` names the record in the
/// error), and the parsed body.
fn json_post<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    s: &Session,
    id: &str,
    what: &str,
    body: &Bytes,
) -> Result<(i64, T), ApiError> {
    check_csrf(headers, s)?;
    Ok((parse_id(id, what)?, json_body(body)?))
}

fn bj() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(FixedOffset::east_opt(0).expect("UTC offset"))
}

/// A Beijing date "YYYY-MM-DD" → the end of that day (a deadline).
fn due_date(s: &str, field: &'static str) -> Result<Option<DateTime<Utc>>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ApiError::new(Code::InvalidDate, format!("日期“{s}”格式应为 YYYY-MM-DD"))
            .with_details(json!({ "field": field }))
    })?;
    let t = d
        .and_hms_opt(23, 59, 59)
        .and_then(|x| bj().from_local_datetime(&x).single())
        .ok_or_else(|| ApiError::new(Code::InvalidDate, format!("日期“{s}”无效")))?;
    Ok(Some(t.with_timezone(&Utc)))
}

fn current_quarter(now: DateTime<Utc>) -> String {
    let t = now.with_timezone(&bj());
    format!("{}-Q{}", t.year(), (t.month() - 1) / 3 + 1)
}

/// Whether the session may write on the case (same agency kind, inside the subtree).
fn can_write_case(s: &Session, row: &tianping_store::case::CaseRow) -> bool {
    AgencyKind::parse(&row.agency_kind).is_some_and(|k| {
        s.org.scope().can_write(
            s.user.role,
            &CaseLocation {
                agency_kind: k,
                region_path: &row.region_path,
            },
        )
    })
}

fn sees_interference(s: &Session) -> bool {
    tianping_domain::access::sees_interference(s.user.role)
}

/// A form post about one record: checks the CSRF token and the path id (`what` names the record
/// in the 404 page), runs `op`, and redirects to the page it names — or shows its refusal.
async fn form_post<Fut>(
    s: &Session,
    csrf: &str,
    id: &str,
    what: &str,
    op: impl FnOnce(i64) -> Fut,
) -> Response
where
    Fut: std::future::Future<Output = Result<String, ApiError>>,
{
    if let Some(r) = csrf_refused(csrf, s) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, &format!("{what}不存在"));
    };
    match op(id).await {
        Ok(to) => redirect(&to),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_are_the_end_of_the_beijing_day() {
        let t = due_date("2026-12-01", "due").expect("ok").expect("some");
        assert_eq!(tianping_store::ts(t), "2026-12-01T15:59:59Z");
        assert_eq!(due_date(" ", "due").expect("empty"), None);
        let e = due_date("2026/12/01", "due").expect_err("bad");
        assert_eq!(e.code, Code::InvalidDate);
    }
}
