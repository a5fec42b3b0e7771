//! Supervision in the UI and the API: 四类案件 flags and 院庭长 acts on the case page, interference
//! records (三个规定) and their quarterly report with zero reports, supervision items (the 整改台账,
//! one page per item with its actions, evidence upload, Excel export), referrals between 人大 and
//! 政法委, and joint supervision projects.
//!
//! Each operation is one function used by both the page handler and the API handler; it checks
//! the role and scope, and turns a domain refusal into an `ApiError` with the refusal's code.

use crate::api::check_csrf;
use crate::clocks::{csrf_refused, parse_id, readable};
use crate::error::ApiError;
use crate::export::{Sheet, xlsx_download};
use crate::pages::{Layout, enc, error_page, redirect, render};
use crate::view::local;
use crate::{AppState, CurrentUser, PageUser};
use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, extract::FromRequest};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::org::CaseLocation;
use tianping_domain::supervision::{
    InterferenceChannel, InterferenceOutcome, InterferenceSource, ItemAction, ItemSource,
    ItemState, ProjectAction, ProjectState, ReferralAction, ReferralState, Refusal,
};
use tianping_domain::{AgencyKind, Role};
use tianping_store::org::Org;
use tianping_store::supervision::{
    EvidenceRow, Finding, FlagRow, InterferenceReport, InterferenceRow, ItemRow, NewInterference,
    NewItem, NewReferral, ProjectDetail, ProjectRow, ReferralRow, StepRow, can_read_item,
    item_actor, rectifies, supervises,
};
use tianping_store::user::Session;

// --- errors and small parsers ---------------------------------------------------------------------

fn refused(r: Refusal) -> ApiError {
    let status = if r.code.starts_with("not_") || r.code == "act_forbidden" {
        StatusCode::FORBIDDEN
    } else if matches!(
        r.code,
        "wrong_state"
            | "item_closed"
            | "project_closed"
            | "conflict"
            | "item_not_closed"
            | "flag_not_active"
            | "already_flagged"
            | "already_answered"
            | "already_reported"
            | "already_revisited"
            | "already_member"
            | "already_done"
            | "not_zero"
    ) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    ApiError::new(status, r.code, r.zh)
}

fn decided<T>(r: Result<T, Refusal>) -> Result<T, ApiError> {
    r.map_err(refused)
}

fn bad_json(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "body_malformed",
        format!("请求 JSON 无效：{e}"),
    )
    .with_details(json!({ "line": e.line(), "column": e.column() }))
}

fn json_body<T: serde::de::DeserializeOwned>(b: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(b).map_err(|e| bad_json(&e))
}

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
        ApiError::bad_request("invalid_date", format!("日期“{s}”格式应为 YYYY-MM-DD"))
            .with_details(json!({ "field": field }))
    })?;
    let t = d
        .and_hms_opt(23, 59, 59)
        .and_then(|x| bj().from_local_datetime(&x).single())
        .ok_or_else(|| ApiError::bad_request("invalid_date", format!("日期“{s}”无效")))?;
    Ok(Some(t.with_timezone(&Utc)))
}

/// "2026-Q4" → [start, end) in Beijing time.
pub fn quarter_range(q: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let bad = || {
        ApiError::bad_request("invalid_quarter", format!("季度“{q}”格式应为 2026-Q4"))
            .with_details(json!({ "field": "quarter" }))
    };
    let (y, n) = q.trim().split_once("-Q").ok_or_else(bad)?;
    let y: i32 = y.parse().map_err(|_| bad())?;
    let n: u32 = n.parse().map_err(|_| bad())?;
    if !(1..=4).contains(&n) || !(2000..=2100).contains(&y) {
        return Err(bad());
    }
    let start = |y: i32, m: u32| {
        bj().with_ymd_and_hms(y, m, 1, 0, 0, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    let from = start(y, (n - 1) * 3 + 1).ok_or_else(bad)?;
    let to = if n == 4 {
        start(y + 1, 1)
    } else {
        start(y, n * 3 + 1)
    }
    .ok_or_else(bad)?;
    Ok((from, to))
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
    matches!(
        s.user.role,
        Role::President | Role::CaseOffice | Role::PlcSupervisor
    )
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

// --- flags and acts on a case -----------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct FlagInput {
    #[serde(default)]
    pub situation: String,
    #[serde(default)]
    pub reason: String,
}

async fn add_flag(
    st: &AppState,
    s: &Session,
    case_id: i64,
    f: &FlagInput,
) -> Result<i64, ApiError> {
    let row = readable(st, s, case_id).await?;
    if !can_write_case(s, &row) {
        return Err(ApiError::forbidden("标注四类案件"));
    }
    decided(
        st.store
            .flag_case(case_id, f.situation.trim(), &f.reason, &s.user, st.now())
            .await?,
    )
}

async fn clear_flag(
    st: &AppState,
    s: &Session,
    flag_id: i64,
    reason: &str,
) -> Result<i64, ApiError> {
    let case_id = st
        .store
        .flag_case_id(flag_id)
        .await?
        .ok_or_else(|| ApiError::not_found("标注"))?;
    let row = readable(st, s, case_id).await?;
    if !(can_write_case(s, &row)
        && matches!(
            s.user.role,
            Role::President | Role::DivisionChief | Role::CaseOffice
        ))
    {
        return Err(ApiError::forbidden("取消四类案件标注"));
    }
    decided(
        st.store
            .clear_flag(flag_id, reason, &s.user, st.now())
            .await?,
    )?;
    Ok(case_id)
}

#[derive(Debug, Deserialize)]
pub struct ActInput {
    #[serde(default)]
    pub act: String,
    #[serde(default)]
    pub content: String,
}

async fn add_act(st: &AppState, s: &Session, case_id: i64, a: &ActInput) -> Result<i64, ApiError> {
    let row = readable(st, s, case_id).await?;
    if !(matches!(s.user.role, Role::President | Role::DivisionChief)
        && s.org.kind == AgencyKind::Court
        && can_write_case(s, &row))
    {
        return Err(ApiError::forbidden("记录院庭长监督措施"));
    }
    decided(
        st.store
            .record_act(case_id, a.act.trim(), &a.content, &s.user, &s.org, st.now())
            .await?,
    )
}

async fn answer_act(
    st: &AppState,
    s: &Session,
    act_id: i64,
    answer: &str,
) -> Result<i64, ApiError> {
    let case_id = st
        .store
        .act_case_id(act_id)
        .await?
        .ok_or_else(|| ApiError::not_found("监督措施"))?;
    let row = readable(st, s, case_id).await?;
    if !(matches!(s.user.role, Role::Judge | Role::DivisionChief) && can_write_case(s, &row)) {
        return Err(ApiError::forbidden("答复监督措施"));
    }
    decided(
        st.store
            .answer_act(act_id, answer, &s.user, st.now())
            .await?,
    )?;
    Ok(case_id)
}

/// The supervision part of the case page.
pub struct CaseSupervision {
    pub flags: Vec<FlagView>,
    pub acts: Vec<ActView>,
    pub interference_count: usize,
    pub interference: Vec<InterferenceView>,
    pub items: Vec<ItemLine>,
    pub situations: Vec<(String, String)>,
    pub act_choices: Vec<(String, String, bool)>,
    pub channels: Vec<(&'static str, &'static str)>,
    pub sources: Vec<(&'static str, &'static str)>,
    pub outcomes: Vec<(&'static str, &'static str)>,
    pub can_flag: bool,
    pub can_clear: bool,
    pub can_act: bool,
    pub can_answer: bool,
    pub can_record: bool,
    pub can_open_item: bool,
    pub now_local: String,
}

pub struct FlagView {
    pub id: i64,
    pub situation_zh: String,
    pub category: i64,
    pub category_zh: String,
    pub source_zh: &'static str,
    pub reason: String,
    pub citation: String,
    pub flagged_by: String,
    pub flagged_at: String,
    pub cleared: Option<String>,
}

pub struct ActView {
    pub id: i64,
    pub act_zh: String,
    pub permitted: bool,
    pub content: String,
    pub actor: String,
    pub at: String,
    pub answer: Option<String>,
    pub answered_at: String,
}

pub struct InterferenceView {
    pub occurred_at: String,
    pub source_zh: &'static str,
    pub person: String,
    pub channel_zh: &'static str,
    pub content: String,
    pub outcome_zh: &'static str,
    pub response: String,
    pub recorded_by: String,
    pub by_system: bool,
    pub unit: String,
    pub case_number: String,
}

fn interference_view(r: &InterferenceRow) -> InterferenceView {
    InterferenceView {
        occurred_at: local(&r.occurred_at),
        source_zh: InterferenceSource::parse(&r.source).map_or("—", |x| x.zh()),
        person: format!(
            "{}（{} {}）",
            r.person_name, r.person_unit, r.person_position
        ),
        channel_zh: InterferenceChannel::parse(&r.channel).map_or("—", |x| x.zh()),
        content: r.content.clone(),
        outcome_zh: InterferenceOutcome::parse(&r.outcome).map_or("—", |x| x.zh()),
        response: r.response.clone(),
        recorded_by: r.recorded_by.clone(),
        by_system: r.by_system,
        unit: r.org_name.clone(),
        case_number: r.case_number.clone().unwrap_or_default(),
    }
}

pub async fn case_supervision(
    st: &AppState,
    s: &Session,
    row: &tianping_store::case::CaseRow,
) -> Result<CaseSupervision, ApiError> {
    let cfg = st.store.supervision();
    let flags = st
        .store
        .case_flags(row.id)
        .await?
        .into_iter()
        .map(|f: FlagRow| {
            let sit = cfg.flags.situation(&f.situation);
            let cat = cfg.flags.category(f.category as u8);
            FlagView {
                id: f.id,
                situation_zh: sit.map_or(f.situation.clone(), |x| x.zh.clone()),
                category: f.category,
                category_zh: cat.map_or(String::new(), |c| c.zh.clone()),
                source_zh: if f.source == "rule" {
                    "规则自动识别"
                } else {
                    "人工标注"
                },
                reason: f.reason,
                citation: sit.map_or(String::new(), |x| {
                    format!("{} {}", x.citation, x.marker.label())
                }),
                flagged_by: f.flagged_by,
                flagged_at: local(&f.flagged_at),
                cleared: f.cleared_at.map(|t| {
                    format!(
                        "{} 由{}取消：{}",
                        local(&t),
                        f.cleared_by.unwrap_or_default(),
                        f.clear_reason.unwrap_or_default()
                    )
                }),
            }
        })
        .collect();
    let acts = st
        .store
        .case_acts(row.id)
        .await?
        .into_iter()
        .map(|a| ActView {
            id: a.id,
            act_zh: cfg
                .rules
                .act(&a.act)
                .map_or(a.act.clone(), |x| x.zh.clone()),
            permitted: a.permitted,
            content: a.content,
            actor: format!(
                "{}（{}）",
                a.actor_name,
                Role::parse(&a.actor_role).map_or("", |r| r.zh())
            ),
            at: local(&a.at),
            answer: a.answer,
            answered_at: a.answered_at.map(|t| local(&t)).unwrap_or_default(),
        })
        .collect();
    let records = st.store.case_interference(row.id).await?;
    let writer = can_write_case(s, row);
    let items = st
        .store
        .case_items(row.id)
        .await?
        .iter()
        .map(|i| item_line(i, st.now()))
        .collect();
    Ok(CaseSupervision {
        flags,
        acts,
        interference_count: records.len(),
        interference: if sees_interference(s) {
            records.iter().map(interference_view).collect()
        } else {
            vec![]
        },
        items,
        situations: cfg
            .flags
            .situations
            .iter()
            .map(|x| {
                (
                    x.code.clone(),
                    format!("（{}）{}", category_number_zh(x.category), x.zh),
                )
            })
            .collect(),
        act_choices: cfg
            .rules
            .acts
            .iter()
            .map(|a| (a.code.clone(), a.zh.clone(), a.permitted))
            .collect(),
        channels: InterferenceChannel::ALL
            .iter()
            .map(|c| (c.as_str(), c.zh()))
            .collect(),
        sources: InterferenceSource::ALL
            .iter()
            .map(|c| (c.as_str(), c.zh()))
            .collect(),
        outcomes: InterferenceOutcome::ALL
            .iter()
            .map(|c| (c.as_str(), c.zh()))
            .collect(),
        can_flag: writer,
        can_clear: writer
            && matches!(
                s.user.role,
                Role::President | Role::DivisionChief | Role::CaseOffice
            ),
        can_act: writer
            && matches!(s.user.role, Role::President | Role::DivisionChief)
            && s.org.kind == AgencyKind::Court,
        can_answer: writer && matches!(s.user.role, Role::Judge | Role::DivisionChief),
        can_record: writer,
        can_open_item: supervises(s.user.role),
        now_local: st
            .now()
            .with_timezone(&bj())
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
    })
}

fn category_number_zh(n: u8) -> &'static str {
    match n {
        1 => "一",
        2 => "二",
        3 => "三",
        4 => "四",
        _ => "—",
    }
}

#[derive(Deserialize)]
pub struct FlagForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    situation: String,
    #[serde(default)]
    reason: String,
}

pub async fn flag_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<FlagForm>,
) -> Response {
    let (st, s, f) = (&st, &s, &f);
    let input = FlagInput {
        situation: f.situation.clone(),
        reason: f.reason.clone(),
    };
    form_post(s, &f.csrf, &id, "案件", |id| async move {
        add_flag(st, s, id, &input).await?;
        Ok(format!("/cases/{id}#supervision"))
    })
    .await
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

pub async fn flag_clear_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Response {
    let (st, s, f) = (&st, &s, &f);
    form_post(s, &f.csrf, &id, "标注", |id| async move {
        let case = clear_flag(st, s, id, &f.note).await?;
        Ok(format!("/cases/{case}#supervision"))
    })
    .await
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    act: String,
    #[serde(default)]
    content: String,
}

pub async fn act_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Response {
    let (st, s, f) = (&st, &s, &f);
    let input = ActInput {
        act: f.act.clone(),
        content: f.content.clone(),
    };
    form_post(s, &f.csrf, &id, "案件", |id| async move {
        add_act(st, s, id, &input).await?;
        Ok(format!("/cases/{id}#supervision"))
    })
    .await
}

pub async fn answer_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Response {
    let (st, s, f) = (&st, &s, &f);
    form_post(s, &f.csrf, &id, "监督措施", |id| async move {
        let case = answer_act(st, s, id, &f.note).await?;
        Ok(format!("/cases/{case}#supervision"))
    })
    .await
}

pub async fn api_case_flags(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id, "案件")?;
    readable(&st, &s, id).await?;
    let acts = st.store.case_acts(id).await?;
    Ok(Json(json!({
        "flags": st.store.case_flags(id).await?,
        "acts": acts,
        "interference_records": st.store.case_interference(id).await?.len(),
    })))
}

pub async fn api_add_flag(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (id, f): (i64, FlagInput) = json_post(&headers, &s, &id, "案件", &body)?;
    let flag = add_flag(&st, &s, id, &f).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": flag }))).into_response())
}

#[derive(Deserialize)]
pub struct ReasonInput {
    #[serde(default)]
    reason: String,
}

pub async fn api_clear_flag(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (id, r): (i64, ReasonInput) = json_post(&headers, &s, &id, "标注", &body)?;
    clear_flag(&st, &s, id, &r.reason).await?;
    Ok(Json(json!({ "cleared": true })))
}

pub async fn api_add_act(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (id, a): (i64, ActInput) = json_post(&headers, &s, &id, "案件", &body)?;
    let act = add_act(&st, &s, id, &a).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": act }))).into_response())
}

#[derive(Deserialize)]
pub struct AnswerInput {
    #[serde(default)]
    answer: String,
}

pub async fn api_answer_act(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (id, a): (i64, AnswerInput) = json_post(&headers, &s, &id, "监督措施", &body)?;
    answer_act(&st, &s, id, &a.answer).await?;
    Ok(Json(json!({ "answered": true })))
}

// --- interference records ----------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct InterferenceInput {
    #[serde(default)]
    pub case_id: Option<i64>,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub person_name: String,
    #[serde(default)]
    pub person_unit: String,
    #[serde(default)]
    pub person_position: String,
    #[serde(default)]
    pub channel: String,
    /// RFC 3339, or a Beijing local "YYYY-MM-DDTHH:MM" from a form.
    #[serde(default)]
    pub occurred_at: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub materials: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub response: String,
}

fn instant(s: &str, field: &'static str) -> Result<DateTime<Utc>, ApiError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|x| bj().from_local_datetime(&x).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_time",
                format!("时间“{s}”无效，应为 YYYY-MM-DDTHH:MM"),
            )
            .with_details(json!({ "field": field }))
        })
}

async fn record_interference(
    st: &AppState,
    s: &Session,
    i: &InterferenceInput,
) -> Result<i64, ApiError> {
    if !s.user.role.records_events() {
        return Err(ApiError::forbidden("记录过问干预"));
    }
    if let Some(c) = i.case_id {
        let row = readable(st, s, c).await?;
        if !can_write_case(s, &row) {
            return Err(ApiError::forbidden("为该案记录过问干预"));
        }
    }
    let field = |code: &'static str, v: &str, what: &str| {
        ApiError::bad_request(code, format!("{what}“{v}”无效"))
    };
    let n = NewInterference {
        case_id: i.case_id,
        source: InterferenceSource::parse(&i.source).ok_or_else(|| {
            field("invalid_source", &i.source, "过问人类别")
                .with_details(json!({ "field": "source" }))
        })?,
        person_name: i.person_name.clone(),
        person_unit: i.person_unit.clone(),
        person_position: i.person_position.clone(),
        channel: InterferenceChannel::parse(&i.channel).ok_or_else(|| {
            field("invalid_channel", &i.channel, "过问方式")
                .with_details(json!({ "field": "channel" }))
        })?,
        occurred_at: instant(&i.occurred_at, "occurred_at")?,
        content: i.content.clone(),
        materials: i.materials.clone(),
        outcome: InterferenceOutcome::parse(&i.outcome).ok_or_else(|| {
            field("invalid_outcome", &i.outcome, "处理结果")
                .with_details(json!({ "field": "outcome" }))
        })?,
        response: i.response.clone(),
    };
    decided(
        st.store
            .record_interference(&n, &s.user, &s.org, st.now())
            .await?,
    )
}

#[derive(Deserialize)]
pub struct InterferenceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    case_id: String,
    #[serde(flatten)]
    input: InterferenceFields,
}

#[derive(Deserialize)]
pub struct InterferenceFields {
    #[serde(default)]
    source: String,
    #[serde(default)]
    person_name: String,
    #[serde(default)]
    person_unit: String,
    #[serde(default)]
    person_position: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    materials: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    response: String,
}

pub async fn interference_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<InterferenceForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let case_id = f.case_id.trim().parse::<i64>().ok();
    let i = f.input;
    let input = InterferenceInput {
        case_id,
        source: i.source,
        person_name: i.person_name,
        person_unit: i.person_unit,
        person_position: i.person_position,
        channel: i.channel,
        occurred_at: i.occurred_at,
        content: i.content,
        materials: i.materials,
        outcome: i.outcome,
        response: i.response,
    };
    match record_interference(&st, &s, &input).await {
        Ok(_) => match case_id {
            Some(c) => redirect(&format!("/cases/{c}#supervision")),
            None => redirect("/interference"),
        },
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Template)]
#[template(path = "interference.html")]
struct InterferencePage {
    layout: Layout,
    quarter: String,
    report: InterferenceReport,
    by_source: Vec<(String, i64)>,
    by_outcome: Vec<(String, i64)>,
    records: Vec<InterferenceView>,
    can_see: bool,
    can_record: bool,
    channels: Vec<(&'static str, &'static str)>,
    sources: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    now_local: String,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct QuarterQuery {
    #[serde(default)]
    quarter: String,
    #[serde(default)]
    done: String,
}

async fn interference_data(
    st: &AppState,
    s: &Session,
    quarter: &str,
) -> Result<(InterferenceReport, Vec<InterferenceRow>), ApiError> {
    let (from, to) = quarter_range(quarter)?;
    // Region and agency kind: a procuratorate does not read a court's records (finding M1).
    let kind = (!s.org.kind.supervises_all_kinds()).then_some(s.org.kind);
    let report = st
        .store
        .interference_report(&s.org.region_path, kind, from, to, quarter)
        .await?;
    let records = if sees_interference(s) {
        st.store
            .interference_records(&s.org.region_path, kind, from, to)
            .await?
    } else {
        vec![]
    };
    Ok((report, records))
}

pub async fn interference_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<QuarterQuery>,
) -> Response {
    if !(sees_interference(&s) || s.user.role.records_events()) {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权查看过问干预记录");
    }
    let quarter = if q.quarter.trim().is_empty() {
        current_quarter(st.now())
    } else {
        q.quarter.trim().to_string()
    };
    let (report, records) = match interference_data(&st, &s, &quarter).await {
        Ok(x) => x,
        Err(e) => return error_page(e.status, &e.message),
    };
    let label = |v: &[(String, i64)], f: fn(&str) -> Option<&'static str>| {
        v.iter()
            .map(|(k, n)| (f(k).unwrap_or("—").to_string(), *n))
            .collect::<Vec<_>>()
    };
    render(&InterferencePage {
        layout: Layout::new(&s, "/interference"),
        by_source: label(&report.by_source, |k| {
            InterferenceSource::parse(k).map(|x| x.zh())
        }),
        by_outcome: label(&report.by_outcome, |k| {
            InterferenceOutcome::parse(k).map(|x| x.zh())
        }),
        report: if sees_interference(&s) {
            report
        } else {
            InterferenceReport::default()
        },
        records: records.iter().map(interference_view).collect(),
        can_see: sees_interference(&s),
        can_record: s.user.role.records_events(),
        channels: InterferenceChannel::ALL
            .iter()
            .map(|c| (c.as_str(), c.zh()))
            .collect(),
        sources: InterferenceSource::ALL
            .iter()
            .map(|c| (c.as_str(), c.zh()))
            .collect(),
        outcomes: InterferenceOutcome::ALL
            .iter()
            .map(|c| (c.as_str(), c.zh()))
            .collect(),
        now_local: st
            .now()
            .with_timezone(&bj())
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        message: (!q.done.is_empty()).then(|| "零报告已提交".to_string()),
        quarter,
    })
}

#[derive(Deserialize)]
pub struct ZeroForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    quarter: String,
}

async fn zero_report(st: &AppState, s: &Session, quarter: &str) -> Result<i64, ApiError> {
    if !s.user.role.records_events() {
        return Err(ApiError::forbidden("提交零报告"));
    }
    let range = quarter_range(quarter)?;
    decided(
        st.store
            .submit_zero_report(&s.user, &s.org, quarter.trim(), range, st.now())
            .await?,
    )
}

pub async fn zero_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<ZeroForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    match zero_report(&st, &s, &f.quarter).await {
        Ok(_) => redirect(&format!(
            "/interference?quarter={}&done=1",
            enc(f.quarter.trim())
        )),
        Err(e) => error_page(e.status, &e.message),
    }
}

pub async fn api_interference(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(q): Query<QuarterQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !sees_interference(&s) {
        return Err(ApiError::forbidden("查看过问干预记录"));
    }
    let quarter = if q.quarter.trim().is_empty() {
        current_quarter(st.now())
    } else {
        q.quarter.trim().to_string()
    };
    let (report, records) = interference_data(&st, &s, &quarter).await?;
    Ok(Json(
        json!({ "quarter": quarter, "report": report, "records": records }),
    ))
}

pub async fn api_record_interference(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    let i: InterferenceInput = json_body(&body)?;
    let id = record_interference(&st, &s, &i).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Deserialize)]
pub struct ZeroInput {
    #[serde(default)]
    quarter: String,
}

pub async fn api_zero_report(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    let z: ZeroInput = json_body(&body)?;
    let id = zero_report(&st, &s, &z.quarter).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

// --- supervision items ----------------------------------------------------------------------------

pub struct ItemLine {
    pub id: i64,
    pub number: String,
    pub source_zh: &'static str,
    pub title: String,
    pub case_number: String,
    pub case_id: Option<i64>,
    pub org_name: String,
    pub responsible: String,
    pub state: String,
    pub state_zh: &'static str,
    pub stage_due: String,
    pub overdue: bool,
    pub rectify_due: String,
    pub opened_at: String,
    pub closed_at: String,
    pub revisit: String,
    pub evidence: i64,
}

fn day_of(t: &Option<String>) -> String {
    t.as_deref()
        .map(|x| local(x)[..10].to_string())
        .unwrap_or_default()
}

pub fn item_line(i: &ItemRow, now: DateTime<Utc>) -> ItemLine {
    ItemLine {
        id: i.id,
        number: i.number.clone(),
        source_zh: ItemSource::parse(&i.source).map_or("—", |x| x.zh()),
        title: i.title.clone(),
        case_number: i.case_number.clone().unwrap_or_default(),
        case_id: i.case_id,
        org_name: i.org_name.clone(),
        responsible: i.responsible_org_name.clone().unwrap_or_default(),
        state: i.state.clone(),
        state_zh: i.state().zh(),
        stage_due: day_of(&i.stage_due_at),
        overdue: i.overdue(now),
        rectify_due: day_of(&i.rectify_due_at),
        opened_at: day_of(&Some(i.opened_at.clone())),
        closed_at: day_of(&i.closed_at),
        revisit: match (&i.revisited_at, &i.revisit_due_at) {
            (Some(t), _) => format!("已回访 {}", day_of(&Some(t.clone()))),
            (None, Some(d)) => format!("应于 {} 前回访", day_of(&Some(d.clone()))),
            _ => String::new(),
        },
        evidence: i.evidence_count,
    }
}

/// Items the session may see, newest first.
async fn visible_items(st: &AppState, s: &Session) -> Result<Vec<ItemRow>, ApiError> {
    if !(supervises(s.user.role) || rectifies(s.user.role)) {
        return Err(ApiError::forbidden("查看督办事项"));
    }
    let dir = st.store.org_directory().await?;
    // Supervising bodies see the items of the agencies below them; others their own subtree.
    let all = st.store.items_in(&s.org.region_path).await?;
    Ok(all
        .into_iter()
        .filter(|i| can_read_item(i, &s.user, &s.org, &dir))
        .collect())
}

async fn item_for(st: &AppState, s: &Session, id: i64) -> Result<ItemRow, ApiError> {
    let dir = st.store.org_directory().await?;
    match st.store.item(id).await? {
        Some(i) if can_read_item(&i, &s.user, &s.org, &dir) => Ok(i),
        _ => Err(ApiError::not_found("督办事项")),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ItemInput {
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub source_ref: Option<String>,
    #[serde(default)]
    pub case_number: Option<String>,
    #[serde(default)]
    pub case_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub responsible_org_id: Option<String>,
    /// YYYY-MM-DD (Beijing).
    #[serde(default)]
    pub rectify_due: Option<String>,
}

async fn open_item(st: &AppState, s: &Session, i: &ItemInput) -> Result<i64, ApiError> {
    if !supervises(s.user.role) {
        return Err(ApiError::forbidden("立督办事项"));
    }
    let source = ItemSource::parse(i.source.trim())
        .filter(|s| !matches!(s, ItemSource::Referral | ItemSource::JointSupervision))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_source",
                format!(
                    "来源“{}”无效（移送和联合监督的事项由受理移送、提交总结报告时自动生成）",
                    i.source
                ),
            )
            .with_details(json!({ "field": "source" }))
        })?;
    let mut case_id = i.case_id;
    if let Some(n) = i.case_number.as_deref().filter(|n| !n.trim().is_empty()) {
        let norm = tianping_domain::case_number::normalize(n);
        case_id = Some(st.store.case_id_by_number(&norm).await?.ok_or_else(|| {
            ApiError::bad_request("case_not_found", format!("案件“{}”不存在", n.trim()))
                .with_details(json!({ "field": "case_number" }))
        })?);
    }
    if let Some(c) = case_id {
        readable(st, s, c).await?;
    }
    let responsible = i
        .responsible_org_id
        .as_deref()
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from);
    if let Some(r) = &responsible {
        check_below(st, s, r).await?;
    }
    let n = NewItem {
        source,
        source_ref: i.source_ref.clone().filter(|x| !x.trim().is_empty()),
        case_id,
        title: i.title.clone(),
        description: i.description.clone(),
        responsible_org_id: responsible,
        rectify_due_at: due_date(i.rectify_due.as_deref().unwrap_or(""), "rectify_due")?,
        referral_id: None,
        project_id: None,
    };
    decided(st.store.open_item(&n, &s.user, &s.org, st.now()).await?)
}

/// A unit may be made responsible only by a body above it (or a supervising body whose region
/// covers it).
async fn check_below(st: &AppState, s: &Session, org_id: &str) -> Result<Org, ApiError> {
    let dir = st.store.org_directory().await?;
    let o = dir.get(org_id).cloned().ok_or_else(|| {
        ApiError::bad_request("unknown_org", format!("单位“{org_id}”不存在"))
            .with_details(json!({ "field": "responsible_org_id" }))
    })?;
    let same_kind_below = o.kind == s.org.kind && o.region_path.starts_with(&s.org.region_path);
    let supervised =
        s.org.kind.supervises_all_kinds() && o.region_path.starts_with(&s.org.region_path);
    if same_kind_below || supervised {
        Ok(o)
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "out_of_scope",
            format!("“{}”不在本单位的督办范围内", o.name),
        ))
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ActionInput {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub responsible_org_id: Option<String>,
    #[serde(default)]
    pub due: Option<String>,
}

async fn advance(
    st: &AppState,
    s: &Session,
    id: i64,
    a: &ActionInput,
) -> Result<ItemState, ApiError> {
    let item = item_for(st, s, id).await?;
    let action = ItemAction::parse(a.action.trim()).ok_or_else(|| {
        ApiError::bad_request("invalid_action", format!("操作“{}”无效", a.action))
            .with_details(json!({ "field": "action" }))
    })?;
    let assign_to = a
        .responsible_org_id
        .as_deref()
        .map(str::trim)
        .filter(|x| !x.is_empty());
    if action == ItemAction::Assign
        && let Some(r) = assign_to
    {
        // Only the opening body decides whom to assign; it must be inside its reach.
        let dir = st.store.org_directory().await?;
        if item_actor(&item, &s.user, &s.org, &dir).opener_side {
            check_below(st, s, r).await?;
        }
    }
    decided(
        st.store
            .advance_item(
                id,
                action,
                &a.note,
                assign_to,
                due_date(a.due.as_deref().unwrap_or(""), "due")?,
                &s.user,
                &s.org,
                st.now(),
            )
            .await?,
    )
}

async fn upload(
    st: &AppState,
    s: &Session,
    id: i64,
    filename: &str,
    content_type: &str,
    data: &[u8],
) -> Result<i64, ApiError> {
    item_for(st, s, id).await?;
    decided(
        st.store
            .add_evidence(id, filename, content_type, data, &s.user, &s.org, st.now())
            .await?,
    )
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct LedgerPage {
    layout: Layout,
    lines: Vec<ItemLine>,
    counts: Vec<(&'static str, &'static str, usize)>,
    state: String,
    can_open: bool,
    sources: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    case_number: String,
    title: String,
    source: String,
    overdue: usize,
}

#[derive(Deserialize, Default)]
pub struct LedgerQuery {
    #[serde(default)]
    state: String,
    /// Prefills the new-item form (from a warning or a case page).
    #[serde(default)]
    source: String,
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    title: String,
}

/// Organisations the session may make responsible (its reach), by name.
async fn reachable_units(st: &AppState, s: &Session) -> Result<Vec<(String, String)>, ApiError> {
    let mut v: Vec<(String, String)> = st
        .store
        .orgs_in(&s.org.region_path)
        .await?
        .into_iter()
        .filter(|o| o.kind == s.org.kind || s.org.kind.supervises_all_kinds())
        .filter(|o| {
            !matches!(
                o.kind,
                AgencyKind::PeoplesCongress | AgencyKind::PoliticalLegalCommittee
            ) || o.id == s.org.id
        })
        .map(|o| (o.id, o.name))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(v)
}

pub async fn ledger_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<LedgerQuery>,
) -> Response {
    let items = match visible_items(&st, &s).await {
        Ok(i) => i,
        Err(e) => return error_page(e.status, &e.message),
    };
    let now = st.now();
    let counts = ItemState::ALL
        .iter()
        .map(|x| {
            (
                x.as_str(),
                x.zh(),
                items.iter().filter(|i| i.state == x.as_str()).count(),
            )
        })
        .collect();
    let overdue = items.iter().filter(|i| i.overdue(now)).count();
    let lines = items
        .iter()
        .filter(|i| {
            q.state.is_empty() || i.state == q.state || (q.state == "overdue" && i.overdue(now))
        })
        .map(|i| item_line(i, now))
        .collect();
    let units = reachable_units(&st, &s).await.unwrap_or_default();
    render(&LedgerPage {
        layout: Layout::new(&s, "/supervision"),
        lines,
        counts,
        state: q.state,
        can_open: supervises(s.user.role),
        sources: ItemSource::ALL
            .iter()
            .filter(|x| !matches!(x, ItemSource::Referral | ItemSource::JointSupervision))
            .map(|x| (x.as_str(), x.zh()))
            .collect(),
        units,
        case_number: q.case_number,
        title: q.title,
        source: q.source,
        overdue,
    })
}

#[derive(Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    responsible_org_id: String,
    #[serde(default)]
    rectify_due: String,
}

pub async fn item_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<ItemForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let input = ItemInput {
        source: f.source,
        source_ref: None,
        case_number: Some(f.case_number),
        case_id: None,
        title: f.title,
        description: f.description,
        responsible_org_id: Some(f.responsible_org_id),
        rectify_due: Some(f.rectify_due),
    };
    match open_item(&st, &s, &input).await {
        Ok(id) => redirect(&format!("/supervision/{id}")),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Template)]
#[template(path = "supervision_item.html")]
struct ItemPage {
    layout: Layout,
    i: ItemLine,
    description: String,
    source_ref: String,
    opened_by: String,
    steps: Vec<StepView>,
    evidence: Vec<EvidenceView>,
    actions: Vec<(&'static str, &'static str)>,
    can_upload: bool,
    can_assign: bool,
    units: Vec<(String, String)>,
    referral: Option<(i64, String)>,
    project: Option<i64>,
}

pub struct StepView {
    pub at: String,
    pub action_zh: &'static str,
    pub to_zh: &'static str,
    pub actor: String,
    pub note: String,
}

pub struct EvidenceView {
    pub id: i64,
    pub filename: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

fn step_view(x: &StepRow) -> StepView {
    StepView {
        at: local(&x.at),
        action_zh: match x.action.as_str() {
            "open" => "立项",
            "escalate" => "超期督促",
            a => ItemAction::parse(a).map_or("—", |a| a.zh()),
        },
        to_zh: ItemState::parse(&x.to_state).map_or("—", |s| s.zh()),
        actor: x.actor.clone().unwrap_or_else(|| "系统".into()),
        note: x.note.clone(),
    }
}

fn evidence_view(e: &EvidenceRow) -> EvidenceView {
    EvidenceView {
        id: e.id,
        filename: e.filename.clone(),
        size: e.size,
        sha256: e.sha256.clone(),
        uploaded_by: e.uploaded_by.clone(),
        uploaded_at: local(&e.uploaded_at),
    }
}

pub async fn item_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "督办事项不存在");
    };
    let item = match item_for(&st, &s, id).await {
        Ok(i) => i,
        Err(e) => return error_page(e.status, &e.message),
    };
    let (steps, evidence, dir) = match (
        st.store.item_steps(id).await,
        st.store.item_evidence(id).await,
        st.store.org_directory().await,
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        _ => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "读取督办事项失败"),
    };
    let actor = item_actor(&item, &s.user, &s.org, &dir);
    let facts = tianping_domain::supervision::ItemFacts {
        state: item.state(),
        rectifier: item.rectifier_id,
        evidence: item.evidence_count as u32,
        revisited: item.revisited_at.is_some(),
    };
    // The actions this user could take now (a note-less check; the server checks again).
    let actions = ItemAction::ALL
        .iter()
        .filter(|a| !matches!(a, ItemAction::Reopen | ItemAction::Assign))
        .filter(|a| {
            tianping_domain::supervision::item_transition(&facts, **a, &actor, "x").is_ok()
                || (**a == ItemAction::Submit
                    && actor.responsible_side
                    && facts.state == ItemState::Rectifying)
                || (**a == ItemAction::Close
                    && actor.opener_side
                    && facts.state == ItemState::Verified)
        })
        .map(|a| (a.as_str(), a.zh()))
        .collect();
    let can_assign =
        actor.opener_side && matches!(item.state(), ItemState::Found | ItemState::Assigned);
    let referral = match item.referral_id {
        Some(r) => st
            .store
            .referral(r)
            .await
            .ok()
            .flatten()
            .map(|x| (x.id, x.number)),
        None => None,
    };
    render(&ItemPage {
        layout: Layout::new(&s, "/supervision"),
        description: item.description.clone(),
        source_ref: item.source_ref.clone().unwrap_or_default(),
        opened_by: item.opened_by_name.clone(),
        steps: steps.iter().map(step_view).collect(),
        evidence: evidence.iter().map(evidence_view).collect(),
        actions,
        can_upload: actor.responsible_side
            && matches!(item.state(), ItemState::Assigned | ItemState::Rectifying),
        can_assign,
        units: if can_assign {
            reachable_units(&st, &s).await.unwrap_or_default()
        } else {
            vec![]
        },
        referral,
        project: item.project_id,
        i: item_line(&item, st.now()),
    })
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    responsible_org_id: String,
    #[serde(default)]
    due: String,
}

pub async fn action_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> Response {
    let (st, s, f) = (&st, &s, &f);
    let input = ActionInput {
        action: f.action.clone(),
        note: f.note.clone(),
        responsible_org_id: Some(f.responsible_org_id.clone()),
        due: Some(f.due.clone()),
    };
    form_post(s, &f.csrf, &id, "督办事项", |id| async move {
        advance(st, s, id, &input).await?;
        Ok(format!("/supervision/{id}"))
    })
    .await
}

/// Evidence upload from the item page (multipart: csrf, file).
pub async fn evidence_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "督办事项不存在");
    };
    let mut mp = match Multipart::from_request(req, &st).await {
        Ok(m) => m,
        Err(_) => return error_page(StatusCode::BAD_REQUEST, "上传格式无效"),
    };
    let mut csrf = String::new();
    let mut file: Option<(String, String, Vec<u8>)> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                if name == "csrf" {
                    csrf = field.text().await.unwrap_or_default();
                } else if name == "file" {
                    let fname = field.file_name().unwrap_or("").to_string();
                    let ctype = field.content_type().unwrap_or("").to_string();
                    match field.bytes().await {
                        Ok(b) => file = Some((fname, ctype, b.to_vec())),
                        Err(_) => {
                            return error_page(StatusCode::BAD_REQUEST, "文件读取失败或超过上限");
                        }
                    }
                }
            }
            Ok(None) => break,
            Err(_) => return error_page(StatusCode::BAD_REQUEST, "上传格式无效"),
        }
    }
    if let Some(r) = csrf_refused(&csrf, &s) {
        return r;
    }
    let Some((fname, ctype, data)) = file else {
        return error_page(StatusCode::BAD_REQUEST, "请选择要上传的文件");
    };
    match upload(&st, &s, id, &fname, &ctype, &data).await {
        Ok(_) => redirect(&format!("/supervision/{id}")),
        Err(e) => error_page(e.status, &e.message),
    }
}

pub async fn evidence_download(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path((id, eid)): Path<(String, String)>,
) -> Response {
    let (Ok(id), Ok(eid)) = (id.parse::<i64>(), eid.parse::<i64>()) else {
        return error_page(StatusCode::NOT_FOUND, "材料不存在");
    };
    if let Err(e) = item_for(&st, &s, id).await {
        return error_page(e.status, &e.message);
    }
    match st.store.evidence_file(id, eid).await {
        Ok(Some((meta, data))) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"evidence-{eid}\"; filename*=UTF-8''{}",
                        enc(&meta.filename)
                    ),
                ),
            ],
            data,
        )
            .into_response(),
        Ok(None) => error_page(StatusCode::NOT_FOUND, "材料不存在"),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ApiError::from(e).message,
        ),
    }
}

/// The 整改台账 as an Excel workbook: every item the user may see.
pub async fn ledger_export(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let items = match visible_items(&st, &s).await {
        Ok(i) => i,
        Err(e) => return error_page(e.status, &e.message),
    };
    let now = st.now();
    let today = now.with_timezone(&bj()).date_naive();
    let rows = items
        .iter()
        .map(|i| {
            let l = item_line(i, now);
            vec![
                l.number,
                l.source_zh.to_string(),
                l.title,
                l.case_number,
                l.org_name,
                l.responsible,
                l.state_zh.to_string(),
                l.stage_due,
                if l.overdue {
                    "超期".into()
                } else {
                    String::new()
                },
                l.rectify_due,
                l.opened_at,
                l.closed_at,
                l.revisit,
                l.evidence.to_string(),
            ]
        })
        .collect::<Vec<_>>();
    xlsx_download(
        Sheet {
            name: "整改台账",
            title: format!("{} 整改台账（{today} 导出）", s.org.name),
            headers: &[
                ("编号", 16),
                ("来源", 10),
                ("问题", 36),
                ("案号", 24),
                ("督办单位", 24),
                ("责任单位", 24),
                ("状态", 10),
                ("本阶段期限", 12),
                ("是否超期", 8),
                ("整改期限", 12),
                ("立项日期", 12),
                ("销号日期", 12),
                ("回访", 22),
                ("整改材料（件）", 10),
            ],
            rows,
        },
        &format!("rectification-{today}.xlsx"),
        &format!("整改台账-{today}.xlsx"),
    )
}

/// The quarter's interference records as an Excel workbook (for the 政法委 and the higher court).
pub async fn interference_export(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<QuarterQuery>,
) -> Response {
    if !sees_interference(&s) {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权导出过问干预记录");
    }
    let quarter = if q.quarter.trim().is_empty() {
        current_quarter(st.now())
    } else {
        q.quarter.trim().to_string()
    };
    let (report, records) = match interference_data(&st, &s, &quarter).await {
        Ok(x) => x,
        Err(e) => return error_page(e.status, &e.message),
    };
    let rows = records
        .iter()
        .map(|r| {
            let v = interference_view(r);
            vec![
                v.occurred_at,
                v.unit,
                v.source_zh.to_string(),
                v.person,
                v.channel_zh.to_string(),
                v.case_number,
                v.content,
                r.materials.clone(),
                v.outcome_zh.to_string(),
                v.response,
                if v.by_system {
                    format!("{}（系统）", v.recorded_by)
                } else {
                    v.recorded_by
                },
            ]
        })
        .collect();
    xlsx_download(
        Sheet {
            name: "过问干预记录",
            title: format!(
                "{} {quarter} 过问干预记录（共 {} 条，零报告 {} 份）",
                s.org.name,
                report.total,
                report.zero_reports.len()
            ),
            headers: &[
                ("时间", 16),
                ("记录单位", 24),
                ("类别", 28),
                ("过问人", 30),
                ("方式", 10),
                ("案号", 24),
                ("过问内容", 36),
                ("转递材料", 16),
                ("处理结果", 14),
                ("处理情况", 30),
                ("记录人", 12),
            ],
            rows,
        },
        &format!("interference-{quarter}.xlsx"),
        &format!("过问干预记录-{quarter}.xlsx"),
    )
}

pub async fn api_items(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let items = visible_items(&st, &s).await?;
    Ok(Json(json!({ "items": items })))
}

pub async fn api_item(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id, "督办事项")?;
    let item = item_for(&st, &s, id).await?;
    Ok(Json(json!({
        "item": item,
        "steps": st.store.item_steps(id).await?,
        "evidence": st.store.item_evidence(id).await?,
    })))
}

pub async fn api_open_item(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    let i: ItemInput = json_body(&body)?;
    let id = open_item(&st, &s, &i).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

pub async fn api_item_action(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (id, a): (i64, ActionInput) = json_post(&headers, &s, &id, "督办事项", &body)?;
    let state = advance(&st, &s, id, &a).await?;
    Ok(Json(json!({ "state": state.as_str() })))
}

#[derive(Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    filename: String,
}

pub async fn api_evidence(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    let id = parse_id(&id, "督办事项")?;
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let eid = upload(&st, &s, id, &q.filename, ctype, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": eid }))).into_response())
}

// --- referrals --------------------------------------------------------------------------------------

fn is_referral_officer(s: &Session) -> bool {
    matches!(s.user.role, Role::PlcSupervisor | Role::PcSupervisor)
        && matches!(
            s.org.kind,
            AgencyKind::PeoplesCongress | AgencyKind::PoliticalLegalCommittee
        )
}

#[derive(Debug, Deserialize, Default)]
pub struct ReferralInput {
    #[serde(default)]
    pub to_org_id: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub case_number: Option<String>,
    #[serde(default)]
    pub responsible_org_id: Option<String>,
}

async fn send_referral(st: &AppState, s: &Session, r: &ReferralInput) -> Result<i64, ApiError> {
    if !is_referral_officer(s) {
        return Err(ApiError::forbidden("双向移送"));
    }
    let mut case_id = None;
    if let Some(n) = r.case_number.as_deref().filter(|n| !n.trim().is_empty()) {
        let norm = tianping_domain::case_number::normalize(n);
        let id = st.store.case_id_by_number(&norm).await?.ok_or_else(|| {
            ApiError::bad_request("case_not_found", format!("案件“{}”不存在", n.trim()))
                .with_details(json!({ "field": "case_number" }))
        })?;
        readable(st, s, id).await?;
        case_id = Some(id);
    }
    let n = NewReferral {
        to_org_id: r.to_org_id.trim().to_string(),
        subject: r.subject.clone(),
        content: r.content.clone(),
        case_id,
        responsible_org_id: r
            .responsible_org_id
            .as_deref()
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from),
    };
    decided(
        st.store
            .send_referral(&n, &s.user, &s.org, st.now())
            .await?,
    )
}

async fn referral_for(st: &AppState, s: &Session, id: i64) -> Result<ReferralRow, ApiError> {
    match st.store.referral(id).await? {
        Some(r)
            if is_referral_officer(s) && (r.from_org_id == s.org.id || r.to_org_id == s.org.id) =>
        {
            Ok(r)
        }
        _ => Err(ApiError::not_found("移送事项")),
    }
}

async fn act_on_referral(
    st: &AppState,
    s: &Session,
    id: i64,
    action: &str,
    note: &str,
) -> Result<ReferralState, ApiError> {
    referral_for(st, s, id).await?;
    let a = ReferralAction::parse(action.trim()).ok_or_else(|| {
        ApiError::bad_request("invalid_action", format!("操作“{action}”无效"))
            .with_details(json!({ "field": "action" }))
    })?;
    decided(
        st.store
            .act_on_referral(id, a, note, &s.user, &s.org, st.now())
            .await?,
    )
}

pub struct ReferralLine {
    pub id: i64,
    pub number: String,
    pub direction: &'static str,
    pub other: String,
    pub subject: String,
    pub state_zh: &'static str,
    pub sent_at: String,
    pub ack_due: String,
    pub overdue: bool,
}

fn referral_line(r: &ReferralRow, me: &str, now: DateTime<Utc>) -> ReferralLine {
    let outgoing = r.from_org_id == me;
    ReferralLine {
        id: r.id,
        number: r.number.clone(),
        direction: if outgoing { "移出" } else { "移入" },
        other: if outgoing {
            r.to_org_name.clone()
        } else {
            r.from_org_name.clone()
        },
        subject: r.subject.clone(),
        state_zh: r.state().zh(),
        sent_at: local(&r.sent_at),
        ack_due: day_of(&Some(r.ack_due_at.clone())),
        overdue: r.state() == ReferralState::Sent
            && tianping_store::parse_ts(&r.ack_due_at).is_ok_and(|d| d < now),
    }
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReferralsPage {
    layout: Layout,
    lines: Vec<ReferralLine>,
    targets: Vec<(String, String)>,
    units: Vec<(String, String)>,
}

pub async fn referrals_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    if !is_referral_officer(&s) {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权办理双向移送");
    }
    let (rows, orgs) = match (
        st.store.referrals_of(&s.org.id).await,
        st.store.orgs_in("/").await,
    ) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "读取移送事项失败"),
    };
    let other = match s.org.kind {
        AgencyKind::PeoplesCongress => AgencyKind::PoliticalLegalCommittee,
        _ => AgencyKind::PeoplesCongress,
    };
    let targets = orgs
        .iter()
        .filter(|o| o.kind == other)
        .map(|o| (o.id.clone(), o.name.clone()))
        .collect();
    let units = reachable_units(&st, &s).await.unwrap_or_default();
    render(&ReferralsPage {
        layout: Layout::new(&s, "/referrals"),
        lines: rows
            .iter()
            .map(|r| referral_line(r, &s.org.id, st.now()))
            .collect(),
        targets,
        units,
    })
}

#[derive(Deserialize)]
pub struct ReferralForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to_org_id: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    responsible_org_id: String,
}

pub async fn referral_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<ReferralForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let input = ReferralInput {
        to_org_id: f.to_org_id,
        subject: f.subject,
        content: f.content,
        case_number: Some(f.case_number),
        responsible_org_id: Some(f.responsible_org_id),
    };
    match send_referral(&st, &s, &input).await {
        Ok(id) => redirect(&format!("/referrals/{id}")),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Template)]
#[template(path = "referral.html")]
struct ReferralPage {
    layout: Layout,
    r: ReferralRow,
    l: ReferralLine,
    actions: Vec<(&'static str, &'static str)>,
    item: Option<ItemLine>,
    sent_at: String,
    acknowledged_at: String,
    decided_at: String,
    result_shared_at: String,
    result_accepted_at: String,
}

pub async fn referral_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "移送事项不存在");
    };
    let r = match referral_for(&st, &s, id).await {
        Ok(r) => r,
        Err(e) => return error_page(e.status, &e.message),
    };
    let item = match r.item_id {
        Some(i) => st.store.item(i).await.ok().flatten(),
        None => None,
    };
    let item_closed = item
        .as_ref()
        .is_some_and(|i| i.state() == ItemState::Closed);
    let sender = r.from_org_id == s.org.id;
    let receiver = r.to_org_id == s.org.id;
    let actions = ReferralAction::ALL
        .iter()
        .filter(|a| {
            tianping_domain::supervision::referral_transition(
                r.state(),
                **a,
                sender,
                receiver,
                item_closed,
                "x",
            )
            .is_ok()
        })
        .map(|a| (a.as_str(), a.zh()))
        .collect();
    let t = |x: &Option<String>| x.as_deref().map(local).unwrap_or_default();
    render(&ReferralPage {
        layout: Layout::new(&s, "/referrals"),
        l: referral_line(&r, &s.org.id, st.now()),
        actions,
        item: item.as_ref().map(|i| item_line(i, st.now())),
        sent_at: local(&r.sent_at),
        acknowledged_at: t(&r.acknowledged_at),
        decided_at: t(&r.decided_at),
        result_shared_at: t(&r.result_shared_at),
        result_accepted_at: t(&r.result_accepted_at),
        r,
    })
}

pub async fn referral_action_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> Response {
    let (st, s, f) = (&st, &s, &f);
    form_post(s, &f.csrf, &id, "移送事项", |id| async move {
        act_on_referral(st, s, id, &f.action, &f.note).await?;
        Ok(format!("/referrals/{id}"))
    })
    .await
}

pub async fn api_referrals(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !is_referral_officer(&s) {
        return Err(ApiError::forbidden("双向移送"));
    }
    Ok(Json(
        json!({ "items": st.store.referrals_of(&s.org.id).await? }),
    ))
}

pub async fn api_send_referral(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    let r: ReferralInput = json_body(&body)?;
    let id = send_referral(&st, &s, &r).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

pub async fn api_referral_action(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (id, a): (i64, ActionInput) = json_post(&headers, &s, &id, "移送事项", &body)?;
    let state = act_on_referral(&st, &s, id, &a.action, &a.note).await?;
    Ok(Json(json!({ "state": state.as_str() })))
}

// --- joint supervision projects ----------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
pub struct ProjectActionInput {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub due: Option<String>,
    #[serde(default)]
    pub task_id: Option<i64>,
    #[serde(default)]
    pub findings: Vec<FindingInput>,
}

#[derive(Debug, Deserialize, Default)]
pub struct FindingInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub responsible_org_id: String,
}

fn project_action(s: &str) -> Option<ProjectAction> {
    Some(match s {
        "add_member" => ProjectAction::AddMember,
        "add_task" => ProjectAction::AddTask,
        "start" => ProjectAction::Start,
        "complete_task" => ProjectAction::CompleteTask,
        "progress_report" => ProjectAction::ProgressReport,
        "final_report" => ProjectAction::FinalReport,
        _ => return None,
    })
}

/// Joint projects are read by the members' supervising and rectifying staff only (the 三员 of a
/// member organisation read none: the low finding).
fn reads_projects(s: &Session) -> Result<(), ApiError> {
    if supervises(s.user.role) || rectifies(s.user.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden("查看联合监督项目"))
    }
}

async fn project_for(st: &AppState, s: &Session, id: i64) -> Result<ProjectDetail, ApiError> {
    reads_projects(s)?;
    match st.store.project(id).await? {
        Some(p) if p.members.iter().any(|m| m.org_id == s.org.id) => Ok(p),
        _ => Err(ApiError::not_found("联合监督项目")),
    }
}

async fn act_on_project(
    st: &AppState,
    s: &Session,
    id: i64,
    a: &ProjectActionInput,
) -> Result<ProjectState, ApiError> {
    project_for(st, s, id).await?;
    let action = project_action(a.action.trim()).ok_or_else(|| {
        ApiError::bad_request("invalid_action", format!("操作“{}”无效", a.action))
            .with_details(json!({ "field": "action" }))
    })?;
    let mut findings = vec![];
    for (k, f) in a.findings.iter().enumerate() {
        if f.title.trim().is_empty() {
            continue;
        }
        check_below(st, s, f.responsible_org_id.trim())
            .await
            .map_err(|e| {
                e.with_details(json!({ "field": format!("findings[{k}].responsible_org_id") }))
            })?;
        findings.push(Finding {
            title: f.title.trim().to_string(),
            responsible_org_id: f.responsible_org_id.trim().to_string(),
        });
    }
    decided(
        st.store
            .act_on_project(
                id,
                action,
                &a.text,
                a.org_id.as_deref().map(str::trim).filter(|x| !x.is_empty()),
                due_date(a.due.as_deref().unwrap_or(""), "due")?,
                a.task_id,
                &findings,
                &s.user,
                &s.org,
                st.now(),
            )
            .await?,
    )
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    layout: Layout,
    projects: Vec<ProjectRow>,
    can_create: bool,
}

fn project_state_zh(s: &str) -> &'static str {
    ProjectState::parse(s).map_or("—", |x| x.zh())
}

pub async fn projects_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    if !(supervises(s.user.role) || rectifies(s.user.role)) {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权查看联合监督项目");
    }
    match st.store.projects_of(&s.org.id).await {
        Ok(projects) => render(&ProjectsPage {
            layout: Layout::new(&s, "/projects"),
            projects,
            can_create: supervises(s.user.role)
                && matches!(
                    s.org.kind,
                    AgencyKind::PeoplesCongress | AgencyKind::PoliticalLegalCommittee
                ),
        }),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ApiError::from(e).message,
        ),
    }
}

#[derive(Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    plan: String,
}

async fn create_project(
    st: &AppState,
    s: &Session,
    title: &str,
    plan: &str,
) -> Result<i64, ApiError> {
    decided(
        st.store
            .create_project(title, plan, &s.user, &s.org, st.now())
            .await?,
    )
}

pub async fn project_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<ProjectForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    match create_project(&st, &s, &f.title, &f.plan).await {
        Ok(id) => redirect(&format!("/projects/{id}")),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    layout: Layout,
    d: ProjectDetail,
    state_zh: &'static str,
    lead: bool,
    items: Vec<ItemLine>,
    all_orgs: Vec<(String, String)>,
    units: Vec<(String, String)>,
}

pub async fn project_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "联合监督项目不存在");
    };
    let d = match project_for(&st, &s, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e.status, &e.message),
    };
    let all_orgs = st
        .store
        .orgs_in(&s.org.region_path)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let now = st.now();
    render(&ProjectPage {
        layout: Layout::new(&s, "/projects"),
        state_zh: project_state_zh(&d.project.state),
        lead: d.project.lead_org_id == s.org.id && supervises(s.user.role),
        items: d.items.iter().map(|i| item_line(i, now)).collect(),
        units: reachable_units(&st, &s).await.unwrap_or_default(),
        all_orgs,
        d,
    })
}

#[derive(Deserialize)]
pub struct ProjectActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    task_id: String,
    #[serde(default)]
    finding1: String,
    #[serde(default)]
    finding1_org: String,
    #[serde(default)]
    finding2: String,
    #[serde(default)]
    finding2_org: String,
    #[serde(default)]
    finding3: String,
    #[serde(default)]
    finding3_org: String,
}

pub async fn project_action_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ProjectActionForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "联合监督项目不存在");
    };
    let input = ProjectActionInput {
        action: f.action,
        text: f.text,
        org_id: Some(f.org_id),
        due: Some(f.due),
        task_id: f.task_id.trim().parse().ok(),
        findings: [
            (f.finding1, f.finding1_org),
            (f.finding2, f.finding2_org),
            (f.finding3, f.finding3_org),
        ]
        .into_iter()
        .map(|(title, responsible_org_id)| FindingInput {
            title,
            responsible_org_id,
        })
        .collect(),
    };
    match act_on_project(&st, &s, id, &input).await {
        Ok(_) => redirect(&format!("/projects/{id}")),
        Err(e) => error_page(e.status, &e.message),
    }
}

pub async fn api_projects(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    reads_projects(&s)?;
    Ok(Json(
        json!({ "items": st.store.projects_of(&s.org.id).await? }),
    ))
}

pub async fn api_project(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id, "联合监督项目")?;
    Ok(Json(json!(project_for(&st, &s, id).await?)))
}

#[derive(Deserialize)]
pub struct ProjectInput {
    #[serde(default)]
    title: String,
    #[serde(default)]
    plan: String,
}

pub async fn api_create_project(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    let p: ProjectInput = json_body(&body)?;
    let id = create_project(&st, &s, &p.title, &p.plan).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

pub async fn api_project_action(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (id, a): (i64, ProjectActionInput) = json_post(&headers, &s, &id, "联合监督项目", &body)?;
    let state = act_on_project(&st, &s, id, &a).await?;
    Ok(Json(json!({ "state": state.as_str() })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_are_beijing_time() {
        let (a, b) = quarter_range("2026-Q4").expect("q4");
        assert_eq!(tianping_store::ts(a), "2026-09-30T16:00:00Z");
        assert_eq!(tianping_store::ts(b), "2026-12-31T16:00:00Z");
        assert!(quarter_range("2026-Q5").is_err());
        assert!(quarter_range("x").is_err());
    }

    #[test]
    fn due_dates_are_the_end_of_the_beijing_day() {
        let t = due_date("2026-12-01", "due").expect("ok").expect("some");
        assert_eq!(tianping_store::ts(t), "2026-12-01T15:59:59Z");
        assert_eq!(due_date(" ", "due").expect("empty"), None);
        let e = due_date("2026/12/01", "due").expect_err("bad");
        assert_eq!(e.code, "invalid_date");
    }
}
