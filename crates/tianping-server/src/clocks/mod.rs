//! Statutory clocks in the UI and the API: each case's clocks with their "why", the warnings board
//! (filter, sort, Excel export) and acknowledgements, reminder letters, moved due dates, the
//! rules and holiday calendars in force. Every handler checks the role and the case's scope.

pub mod board;
pub mod calendar;
pub mod changes;
pub mod drafts;
pub mod letters;

use crate::AppState;
use crate::error::ApiError;
use crate::http::CurrentUser;
use crate::http::access::readable;
use crate::http::extract::parse_id;
use crate::view::local;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use tianping_domain::clock::{Clock, local_date as bj_date};
use tianping_domain::rules::ClockKey;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/calendar",
            get(calendar::calendar_page).post(calendar::calendar_submit),
        )
        .route("/warnings", get(board::board_page))
        .route("/warnings/export.xlsx", get(board::board_export))
        .route("/warnings/ack", post(board::bulk_ack_submit))
        .route("/warnings/letters", post(letters::bulk_letters_submit))
        .route("/warnings/{id}/ack", post(board::ack_submit))
        .route("/cases/{id}/letters", post(letters::letter_submit))
        .route("/cases/{id}/letters/new", get(letters::letter_new))
        .route("/letters/{id}", get(letters::letter_page))
        .route("/letters/drafts/{id}", get(drafts::draft_view))
        .route("/letters/drafts/{id}/sign", post(drafts::draft_sign))
        .route("/letters/drafts/{id}/return", post(drafts::draft_return))
        .route(
            "/letters/drafts/{id}/withdraw",
            post(drafts::draft_withdraw),
        )
        .route("/clock-changes", get(changes::changes_page))
        .route("/clock-changes/ack", post(changes::changes_ack))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/clocks", get(api_case_clocks))
        .route("/cases/{id}/letters", post(letters::api_issue_letter))
        .route("/warnings", get(board::api_board))
        .route("/warnings/ack", post(board::api_bulk_ack))
        .route("/warnings/{id}/ack", post(board::api_ack))
        .route("/clock-changes", get(changes::api_changes))
        .route("/clocks/self-check", get(api_self_check))
        .route("/rules", get(api_rules))
}

/// One clock as a viewer sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    pub key: String,
    pub key_zh: &'static str,
    pub name: String,
    pub rule: String,
    pub marker: String,
    pub citation: String,
    pub status: &'static str,
    pub status_zh: &'static str,
    pub started: String,
    pub due: String,
    pub nominal_due: String,
    pub deadline: String,
    pub days_left: Option<i64>,
    pub left_zh: String,
    pub gross_days: i64,
    pub net_days: i64,
    pub excluded_days: i64,
    pub custody: bool,
    pub provisional: bool,
    pub apply_by: String,
    pub findings: Vec<String>,
    pub why: Vec<WhyView>,
    pub severity: &'static str,
}

/// One step of how a due date was worked out, with its legal source.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WhyView {
    pub step: String,
    pub text: String,
    pub source: String,
}

fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl ClockView {
    pub fn new(c: &Clock, today: NaiveDate) -> ClockView {
        let days_left = c.days_left(today).filter(|_| c.status.is_open());
        let left_zh = match (c.status.is_open(), days_left) {
            (true, Some(n)) if n > 0 => format!("剩余 {n} 日"),
            (true, Some(0)) => "今日届满".into(),
            (true, Some(n)) => format!("超期 {} 日", -n),
            _ => c.status.zh().into(),
        };
        let severity = if c.key == ClockKey::LongPending {
            match c.tier_months {
                Some(m) if m >= 36 => "danger",
                Some(_) => "warn",
                None => "ok",
            }
        } else {
            match (c.status, days_left) {
                (tianping_domain::clock::ClockStatus::Overdue, _)
                | (tianping_domain::clock::ClockStatus::Late, _)
                | (tianping_domain::clock::ClockStatus::NoRule, _) => "danger",
                (_, Some(n)) if n <= 5 => "danger",
                (_, Some(n)) if n <= 30 => "warn",
                _ => "ok",
            }
        };
        ClockView {
            key: c.key.as_str().into(),
            key_zh: c.key.zh(),
            name: c.name_zh.clone(),
            rule: c.rule.clone().unwrap_or_else(|| "—".into()),
            marker: c
                .marker
                .map(|m| format!("（{}）", m.zh()))
                .unwrap_or_default(),
            citation: c.citation.clone(),
            status: c.status.as_str(),
            status_zh: c.status.zh(),
            started: local(&tianping_store::ts(c.started_at)),
            due: day(c.due),
            nominal_due: day(c.nominal_due),
            deadline: c
                .deadline
                .map(|t| local(&tianping_store::ts(t)))
                .unwrap_or_default(),
            days_left,
            left_zh,
            gross_days: c.gross_days,
            net_days: c.net_days,
            excluded_days: c.excluded_days,
            custody: c.custody,
            provisional: c.provisional,
            apply_by: if c.status.is_open() {
                day(c.apply_by)
            } else {
                String::new()
            },
            findings: c.findings.clone(),
            why: c
                .why
                .iter()
                .map(|w| WhyView {
                    step: w.step.clone(),
                    text: w.text.clone(),
                    source: w.source.clone().unwrap_or_default(),
                })
                .collect(),
            severity,
        }
    }
}

/// The clocks of a case (the caller has checked the session may read it), computed now from the
/// case's state with their full explanation.
/// The clocks of one case (`GET /api/v1/cases/{id}/clocks`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseClocks {
    pub items: Vec<ClockView>,
}

pub async fn case_clocks(st: &AppState, id: i64) -> Result<Vec<ClockView>, ApiError> {
    let now = st.now();
    let today = bj_date(now);
    let Some((_, state)) = st.store.case_by_id(id).await? else {
        return Err(ApiError::not_found("案件"));
    };
    let state: tianping_domain::CaseState = serde_json::from_str(&state)
        .map_err(|e| ApiError::internal(format!("case {id} state: {e}")))?;
    Ok(st
        .store
        .clockwork()
        .explain(&state, now)
        .iter()
        .map(|c| ClockView::new(c, today))
        .collect())
}

pub async fn api_case_clocks(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<CaseClocks>, ApiError> {
    let id = parse_id(&id, "案件")?;
    readable(&st, &s, id).await?;
    Ok(Json(CaseClocks {
        items: case_clocks(&st, id).await?,
    }))
}

// ---- the warnings board --------------------------------------------------------------------

// ---- acknowledgements ---------------------------------------------------------------------------

// ---- reminder letters ------------------------------------------------------------------------

// ---- moved due dates ---------------------------------------------------------------------------

/// Clocks that should have fired and did not (case office, presidents, system administrators).
pub async fn api_self_check(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !tianping_domain::access::may_check_clocks(s.user.role) {
        return Err(ApiError::forbidden("查看期限自检"));
    }
    let missed = st
        .store
        .self_check(st.now(), chrono::Duration::minutes(10))
        .await?;
    let scope = s.org.region_path.clone();
    if tianping_domain::access::operates_the_system(s.user.role) {
        // 三员分立: the system administrator sees that the poller missed something and what
        // failed, never which case (finding M4).
        let missed: Vec<serde_json::Value> = missed
            .iter()
            .map(|m| json!({ "clock_key": m.clock_key, "next_fire_at": m.next_fire_at, "error": m.error }))
            .collect();
        return Ok(Json(json!({ "scope": scope, "missed": missed })));
    }
    let mut visible = vec![];
    for m in missed {
        if readable(&st, &s, m.case_id).await.is_ok() {
            visible.push(m);
        }
    }
    Ok(Json(json!({ "scope": scope, "missed": visible })))
}

/// The rule set in use, with citations and markers (anyone logged in).
pub async fn api_rules(
    State(st): State<AppState>,
    CurrentUser(_s): CurrentUser,
) -> Json<serde_json::Value> {
    let cw = st.store.clockwork();
    Json(json!({
        "fingerprint": cw.rules.fingerprint,
        "calendar": {
            "first_year": cw.calendar.first_year(),
            "last_year": cw.calendar.last_year(),
            "fingerprint": cw.calendar.fingerprint(),
        },
        "rules": cw.rules.rules,
        "long_pending": cw.rules.long_pending,
    }))
}

// ---- the holiday calendar (system administrators) -------------------------------------------------
