//! 四类案件 flags and 院庭长 acts on a case: recorded and cleared on the case page and through the
//! API, and the supervision panel of the case page.

use crate::AppState;
use crate::error::ApiError;
use crate::http::access::readable;
use crate::http::extract::parse_id;
use crate::http::{CurrentUser, PageUser};
use crate::view::local;
use axum::Form;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::Role;
use tianping_domain::access;
use tianping_domain::supervision::{InterferenceChannel, InterferenceOutcome, InterferenceSource};
use tianping_store::supervision::{FlagRow, InterferenceRow, supervises};
use tianping_store::user::Session;

use super::items::{ItemLine, item_line};
use super::{bj, can_write_case, form_post, json_post, sees_interference};

// --- flags and acts on a case -----------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
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
    Ok(st
        .store
        .flag_case(case_id, f.situation.trim(), &f.reason, &s.user, st.now())
        .await?)
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
    st.store
        .clear_flag(flag_id, reason, &s.user, st.now())
        .await?;
    Ok(case_id)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActInput {
    #[serde(default)]
    pub act: String,
    #[serde(default)]
    pub content: String,
}

async fn add_act(st: &AppState, s: &Session, case_id: i64, a: &ActInput) -> Result<i64, ApiError> {
    let row = readable(st, s, case_id).await?;
    if !(access::may_record_act(s.user.role, s.org.kind) && can_write_case(s, &row)) {
        return Err(ApiError::forbidden("记录院庭长监督措施"));
    }
    Ok(st
        .store
        .record_act(case_id, a.act.trim(), &a.content, &s.user, &s.org, st.now())
        .await?)
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
    if !(access::may_answer_act(s.user.role) && can_write_case(s, &row)) {
        return Err(ApiError::forbidden("答复监督措施"));
    }
    st.store
        .answer_act(act_id, answer, &s.user, st.now())
        .await?;
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

pub(super) fn interference_view(r: &InterferenceRow) -> InterferenceView {
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
                    format!(
                        "{}（{}）",
                        tianping_domain::citation::zh(&x.citation),
                        x.marker.zh()
                    )
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
        can_clear: writer && access::may_clear_flag(s.user.role),
        can_act: writer && access::may_record_act(s.user.role, s.org.kind),
        can_answer: writer && access::may_answer_act(s.user.role),
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
    Ok((StatusCode::CREATED, Json(crate::view::Created { id: flag })).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
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
    Ok((StatusCode::CREATED, Json(crate::view::Created { id: act })).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
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
