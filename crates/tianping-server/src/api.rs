//! JSON API under `/api/v1`. Errors are `{"error": {"code", "message", "details"}}` with stable
//! snake_case codes. State-changing calls need the session's CSRF token in `X-CSRF-Token`.

use crate::error::ApiError;
use crate::view::{CaseDetail, CaseView, beijing};
use crate::{AppState, CurrentUser, auth};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::org::CaseLocation;
use tianping_domain::{AgencyKind, CaseNumber, CaseStatus, EventRecord};
use tianping_store::case::{CaseFilter, CaseRow, ScopeFilter};
use tianping_store::user::Session;
use tianping_store::{Actor, Numbered};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", post(create_session).delete(delete_session))
        .route("/session/totp", post(complete_session))
        .route("/me", get(me))
        .route("/cases", get(list_cases))
        .route("/cases/{id}", get(get_case))
        .route("/events", post(post_event))
        .route("/events/batch", post(post_batch))
        .route("/case-numbers/parse", get(parse_case_number))
        .route("/cases/{id}/clocks", get(crate::clocks::api_case_clocks))
        .route("/cases/{id}/similar", get(crate::similar::api_search))
        .route("/deviation-warnings", get(crate::similar::api_deviations))
        .route(
            "/deviation-warnings/{id}/ack",
            post(crate::similar::api_acknowledge),
        )
        .route("/cases/{id}/letters", post(crate::clocks::api_issue_letter))
        .route("/warnings", get(crate::clocks::api_board))
        .route("/warnings/{id}/ack", post(crate::clocks::api_ack))
        .route("/clock-changes", get(crate::clocks::api_changes))
        .route("/clocks/self-check", get(crate::clocks::api_self_check))
        .route("/rules", get(crate::clocks::api_rules))
        .route("/ledger", get(crate::ledger::api_summary))
        .route(
            "/ledger/leaves/{index}/proof",
            get(crate::ledger::api_inclusion),
        )
        .route(
            "/ledger/records/{table}/{key}",
            get(crate::ledger::api_record),
        )
        .route("/ledger/consistency", get(crate::ledger::api_consistency))
        .route("/ledger/witness", post(crate::ledger::api_witness))
        .route("/metrics", get(crate::metrics::api_metrics))
        .route("/metrics/cases", get(crate::metrics::api_metric_cases))
        .route(
            "/cases/{id}/flags",
            get(crate::supervision::api_case_flags).post(crate::supervision::api_add_flag),
        )
        .route(
            "/flags/{id}/clear",
            post(crate::supervision::api_clear_flag),
        )
        .route("/cases/{id}/acts", post(crate::supervision::api_add_act))
        .route(
            "/acts/{id}/answer",
            post(crate::supervision::api_answer_act),
        )
        .route(
            "/interference",
            get(crate::supervision::api_interference)
                .post(crate::supervision::api_record_interference),
        )
        .route(
            "/interference/zero-report",
            post(crate::supervision::api_zero_report),
        )
        .route(
            "/supervision/items",
            get(crate::supervision::api_items).post(crate::supervision::api_open_item),
        )
        .route("/supervision/items/{id}", get(crate::supervision::api_item))
        .route(
            "/supervision/items/{id}/actions",
            post(crate::supervision::api_item_action),
        )
        .route(
            "/supervision/items/{id}/evidence",
            post(crate::supervision::api_evidence),
        )
        .route(
            "/referrals",
            get(crate::supervision::api_referrals).post(crate::supervision::api_send_referral),
        )
        .route(
            "/referrals/{id}/actions",
            post(crate::supervision::api_referral_action),
        )
        .route(
            "/projects",
            get(crate::supervision::api_projects).post(crate::supervision::api_create_project),
        )
        .route("/projects/{id}", get(crate::supervision::api_project))
        .route(
            "/projects/{id}/actions",
            post(crate::supervision::api_project_action),
        )
}

/// Where the session's user may read cases, or `None` if their role reads no cases.
pub fn read_scope(s: &Session) -> Option<ScopeFilter> {
    if !s.user.role.reads_cases() {
        return None;
    }
    let scope = s.org.scope();
    let (prefix, kind) = scope.case_filter();
    Some(ScopeFilter {
        region_prefix: prefix.to_string(),
        agency_kind: kind,
    })
}

pub fn can_read(s: &Session, row: &CaseRow) -> bool {
    let kind = AgencyKind::parse(&row.agency_kind);
    kind.is_some_and(|k| {
        s.org.scope().can_read(
            s.user.role,
            &CaseLocation {
                agency_kind: k,
                region_path: &row.region_path,
            },
        )
    })
}

/// Case-list filters as they arrive from a query string or form.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct CaseQuery {
    pub type_code: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub judge: Option<String>,
    pub filed_from: Option<String>,
    pub filed_to: Option<String>,
    pub case_number: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Parses a local (Beijing) date into the stored UTC instant of its midnight.
fn local_midnight(d: NaiveDate) -> Option<String> {
    let dt = d.and_hms_opt(0, 0, 0)?;
    beijing()
        .from_local_datetime(&dt)
        .single()
        .map(|t| tianping_store::ts(t.to_utc()))
}

/// Builds the store filter; returns each invalid field with a Chinese message.
pub fn build_filter(
    scope: ScopeFilter,
    q: &CaseQuery,
) -> (CaseFilter, Vec<(&'static str, String)>) {
    let mut errs = vec![];
    let mut f = CaseFilter {
        scope: Some(scope),
        page: 1,
        per_page: 20,
        ..Default::default()
    };
    if let Some(t) = nonempty(&q.type_code) {
        if tianping_domain::case_type::lookup(&t).is_some() {
            f.type_code = Some(t);
        } else {
            errs.push(("type_code", format!("未知的类型代字“{t}”")));
        }
    }
    if let Some(k) = nonempty(&q.kind) {
        if tianping_domain::CaseKind::parse(&k).is_some() {
            f.kind = Some(k);
        } else {
            errs.push(("kind", format!("未知的案件类别“{k}”")));
        }
    }
    if let Some(s) = nonempty(&q.status) {
        match CaseStatus::parse(&s) {
            Some(st) => f.status = Some(st),
            None => errs.push((
                "status",
                format!("未知的状态“{s}”（应为 open、suspended 或 closed）"),
            )),
        }
    }
    f.judge = nonempty(&q.judge);
    let date = |field: &'static str,
                v: &Option<String>,
                errs: &mut Vec<(&'static str, String)>|
     -> Option<NaiveDate> {
        let s = nonempty(v)?;
        match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push((field, format!("日期“{s}”格式应为 YYYY-MM-DD")));
                None
            }
        }
    };
    let from = date("filed_from", &q.filed_from, &mut errs);
    let to = date("filed_to", &q.filed_to, &mut errs);
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        errs.push(("filed_to", "结束日期早于开始日期".into()));
    }
    f.filed_from = from.and_then(local_midnight);
    f.filed_before = to.and_then(|d| d.succ_opt()).and_then(local_midnight);
    if let Some(n) = nonempty(&q.case_number) {
        f.case_number = Some(tianping_domain::case_number::normalize(&n));
    }
    for (field, v, target) in [
        ("page", &q.page, &mut f.page),
        ("per_page", &q.per_page, &mut f.per_page),
    ] {
        if let Some(s) = nonempty(v) {
            match s.parse::<u32>() {
                Ok(n) if n >= 1 && (field == "page" || n <= 200) => *target = n,
                _ => errs.push((
                    field,
                    format!(
                        "“{s}”不是有效的{}",
                        if field == "page" {
                            "页码"
                        } else {
                            "每页条数（1–200）"
                        }
                    ),
                )),
            }
        }
    }
    (f, errs)
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

fn user_json(s: &Session) -> serde_json::Value {
    json!({
        "username": s.user.username,
        "display_name": s.user.display_name,
        "role": s.user.role,
        "role_zh": s.user.role.zh(),
        "org": { "id": s.org.id, "name": s.org.name, "kind": s.org.kind },
        "clearance": s.user.clearance.0,
    })
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
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

/// A login step from another site is refused (login CSRF).
fn login_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    if same_origin(headers) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin_login",
            "不接受来自其他网站的登录请求",
        ))
    }
}

async fn create_session(
    State(st): State<AppState>,
    crate::ClientAddr(client): crate::ClientAddr,
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
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type_json_required",
            "登录请求须为 application/json",
        ));
    }
    login_origin(&headers)?;
    crate::login_rate(&st, &client)?;
    let b: LoginBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request("invalid_json", format!("请求体不是有效的登录 JSON：{e}"))
    })?;
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
        auth::LoginOutcome::Inactive(why) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account_inactive",
            why,
        )),
        auth::LoginOutcome::Refused => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            auth::refused_zh(&st.policy),
        )),
    }
}

#[derive(Deserialize)]
struct SecondFactorBody {
    challenge: String,
    code: String,
}

/// `POST /api/v1/session/totp`: the second step of a login, with the challenge and the code of
/// the user's authenticator app (or a recovery code).
async fn complete_session(
    State(st): State<AppState>,
    crate::ClientAddr(client): crate::ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    login_origin(&headers)?;
    crate::login_rate(&st, &client)?;
    let b: SecondFactorBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "invalid_json",
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

async fn me(CurrentUser(s): CurrentUser) -> Json<serde_json::Value> {
    Json(user_json(&s))
}

async fn list_cases(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(q): Query<CaseQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let scope = read_scope(&s).ok_or_else(|| ApiError::forbidden("查看案件"))?;
    let (f, errs) = build_filter(scope, &q);
    if let Some((field, msg)) = errs.first() {
        return Err(ApiError::bad_request("invalid_query", msg.clone())
            .with_details(json!({ "field": field })));
    }
    let (rows, total) = st.store.list_cases(&f).await?;
    let items: Vec<CaseView> = rows
        .iter()
        .map(|r| CaseView::new(r, &crate::view::clearance_for_row(&s, r)))
        .collect();
    Ok(Json(
        json!({ "total": total, "page": f.page, "per_page": f.per_page, "items": items }),
    ))
}

/// Loads a case the session may read, or 404 (never revealing cases outside the scope), redacted
/// for the reader — whole for the people assigned to it and its president (need-to-know). A
/// confidential case read whole is logged for the auditor with `via` (the page or API).
pub async fn readable_case(
    st: &AppState,
    s: &Session,
    id: i64,
    via: &str,
) -> Result<CaseDetail, ApiError> {
    if !s.user.role.reads_cases() {
        return Err(ApiError::forbidden("查看案件"));
    }
    let Some((row, state)) = st.store.case_by_id(id).await? else {
        return Err(ApiError::not_found("案件"));
    };
    if !can_read(s, &row) {
        tracing::warn!(user = %s.user.username, case_id = id, "case outside scope requested");
        return Err(ApiError::not_found("案件"));
    }
    let events = st.store.events_of_case(id).await?;
    let (panel, clerk) = serde_json::from_str::<tianping_domain::CaseState>(&state)
        .map(|c| (c.panel, c.clerk))
        .unwrap_or_default();
    let clearance = crate::view::clearance_for(
        s,
        &row.org_id,
        row.judge.as_deref(),
        &panel,
        clerk.as_deref(),
    );
    let level = row.confidentiality;
    if level != tianping_domain::Confidentiality::Public && clearance.allows(level) {
        let basis = if s.user.clearance.allows(level) {
            "clearance"
        } else {
            "assignment"
        };
        st.store
            .log_confidential_read(s.user.id, id, level.as_str(), basis, via, st.now())
            .await?;
    }
    Ok(CaseDetail::new(&row, &state, &events, &clearance))
}

async fn get_case(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<CaseDetail>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_id", format!("案件编号“{id}”不是整数")))?;
    Ok(Json(readable_case(&st, &s, id, "api").await?))
}

/// The session's user as the domain's acting person.
pub fn person(s: &Session) -> tianping_domain::access::Person {
    tianping_domain::access::Person {
        username: s.user.username.clone(),
        display_name: s.user.display_name.clone(),
        role: s.user.role,
    }
}

fn writer(s: &Session) -> Result<Actor, ApiError> {
    if !s.user.role.records_events() {
        return Err(ApiError::forbidden("记录程序事件"));
    }
    Ok(Actor::person(person(s), &s.org))
}

pub(crate) fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "event_malformed",
        format!("事件 JSON 无效：{e}"),
    )
    .with_details(json!({ "line": e.line(), "column": e.column() }))
}

/// Who posts events: a person (session cookie and CSRF token), or an agency's system client
/// (`Authorization: Bearer tps_…`: machine credentials the security administrator issued, in its
/// organisation's scope, recorded as `system:<name>`). Only a system client may carry approvals
/// its agency's people recorded in their own system.
pub struct EventWriter(pub Actor);

/// The bearer token of a request, if it sends one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

impl axum::extract::FromRequestParts<AppState> for EventWriter {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        st: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = bearer(&parts.headers) {
            let found = st
                .store
                .system_client_by_token(&auth::token_hash(token), st.now())
                .await?;
            let Some((client, org)) = found else {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "system_token_invalid",
                    "业务系统接入凭据无效或已被吊销",
                ));
            };
            tracing::info!(system = %client.name, org = %org.id, "system client call");
            return Ok(EventWriter(Actor::agency_system(&client.name, org.scope())));
        }
        let CurrentUser(s) = CurrentUser::from_request_parts(parts, st).await?;
        check_csrf(&parts.headers, &s)?;
        Ok(EventWriter(writer(&s)?))
    }
}

async fn post_event(
    State(st): State<AppState>,
    EventWriter(actor): EventWriter,
    body: Bytes,
) -> Result<Response, ApiError> {
    let rec: EventRecord = serde_json::from_slice(&body).map_err(|e| malformed(&e))?;
    let report = st
        .store
        .ingest(
            &[Numbered {
                line: 1,
                record: rec,
            }],
            &actor,
            st.now(),
        )
        .await?;
    if let Some(r) = report.rejected.first() {
        // Recording someone else's approval is a matter of rights (403), a conflicting id a
        // conflict (409); everything else is an invalid record (422).
        let status = match r.code {
            "approval_not_own" => StatusCode::FORBIDDEN,
            "source_event_id_conflict" => StatusCode::CONFLICT,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        return Err(ApiError::new(status, "event_rejected", format!("事件“{}”被拒绝：{}", r.source_event_id, r.reason))
            .with_details(json!({ "source_event_id": r.source_event_id, "reason_code": r.code, "field": r.field, "reason": r.reason })));
    }
    if report.duplicates > 0 {
        return Ok((StatusCode::OK, Json(json!({ "status": "duplicate" }))).into_response());
    }
    Ok((StatusCode::CREATED, Json(json!({ "status": "accepted" }))).into_response())
}

async fn post_batch(
    State(st): State<AppState>,
    EventWriter(actor): EventWriter,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let values: Vec<serde_json::Value> = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("请求体应为事件数组：{e}")))?;
    let mut rejected = vec![];
    let mut good = vec![];
    for (i, v) in values.into_iter().enumerate() {
        match serde_json::from_value::<EventRecord>(v) {
            Ok(r) => good.push(Numbered { line: i as u64 + 1, record: r }),
            Err(e) => rejected.push(json!({ "index": i, "code": "event_malformed", "field": null, "reason": e.to_string() })),
        }
    }
    let report = st.store.ingest(&good, &actor, st.now()).await?;
    for r in &report.rejected {
        rejected.push(json!({ "index": r.line - 1, "source_event_id": r.source_event_id, "code": r.code, "field": r.field, "reason": r.reason }));
    }
    rejected.sort_by_key(|v| v["index"].as_u64());
    Ok(Json(
        json!({ "accepted": report.accepted, "duplicates": report.duplicates, "rejected": rejected }),
    ))
}

#[derive(Deserialize)]
struct ParseQuery {
    q: String,
}

async fn parse_case_number(
    Query(p): Query<ParseQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    match CaseNumber::parse(&p.q) {
        Ok(n) => {
            let t = n.case_type();
            Ok(Json(json!({
                "canonical": n.to_string(),
                "parsed": n,
                "type": t.map(|t| json!({ "code": t.code, "name": t.name, "kind": t.kind, "procedure": t.procedure, "stage": t.procedure.stage() })),
                "warnings": if t.is_none() { vec!["type_code_unknown"] } else { vec![] },
            })))
        }
        Err(e) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "case_number_invalid",
            e.to_string(),
        )
        .with_details(json!({ "part": e.part, "position": e.position, "reason": e.reason }))),
    }
}
