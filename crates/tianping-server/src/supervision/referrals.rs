//! Referrals between the 人大 and the 政法委 (双向移送): sending, accepting, answering.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::access::readable;
use crate::http::extract::{check_csrf, csrf_refused};
use crate::http::page::{Layout, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use crate::view::local;
use askama::Template;
use axum::Form;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::AgencyKind;
use tianping_domain::supervision::{ItemState, ReferralAction, ReferralState};
use tianping_store::supervision::{NewReferral, ReferralRow};
use tianping_store::user::Session;

use super::items::{ActionForm, ActionInput, ItemLine, day_of, item_line, reachable_units};
use super::{form_post, json_body, json_post};

// --- referrals --------------------------------------------------------------------------------------

fn is_referral_officer(s: &Session) -> bool {
    tianping_domain::access::may_refer(s.user.role, s.org.kind)
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
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
            ApiError::new(Code::CaseNotFound, format!("案件“{}”不存在", n.trim()))
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
    Ok(st
        .store
        .send_referral(&n, &s.user, &s.org, st.now())
        .await?)
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
        ApiError::new(Code::InvalidAction, format!("操作“{action}”无效"))
            .with_details(json!({ "field": "action" }))
    })?;
    Ok(st
        .store
        .act_on_referral(id, a, note, &s.user, &s.org, st.now())
        .await?)
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
    Ok((StatusCode::CREATED, Json(crate::view::Created { id })).into_response())
}

pub async fn api_referral_action(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<crate::view::Moved>, ApiError> {
    let (id, a): (i64, ActionInput) = json_post(&headers, &s, &id, "移送事项", &body)?;
    let state = act_on_referral(&st, &s, id, &a.action, &a.note).await?;
    Ok(Json(crate::view::Moved {
        state: state.as_str(),
    }))
}
