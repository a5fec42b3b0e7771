//! 典型案例 (issue 24): a court or procuratorate proposes one of its region's closed court cases
//! as typical (the domain checks it and names the parties as published judgments do), the heads of
//! the court and of the procuratorate each approve or return it, and once both approved it is
//! released: on the public page without a login and in the similar-case library a tier above
//! ordinary judgments (`similar::views`).
//!
//! Pages: `/typical` (the region's proposals and the form), `/typical/{id}` (one, with its
//! approvals), `/public/typical` and `/public/typical/{id}` (released ones, no login). The API:
//! `GET /api/v1/typical-cases`.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::{CurrentUser, csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, redirect, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::access::{approves_typical_cases, proposes_typical_cases};
use tianping_domain::case::CaseStatus;
use tianping_domain::event::CaseState;
use tianping_domain::todo::{Task, TaskKind};
use tianping_domain::typical::{
    Anonymiser, ProposalInput, Side, Stage, check_proposal, check_reason, rules,
};
use tianping_store::typical::TypicalRow;
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/typical", get(list_page).post(propose_submit))
        .route("/typical/{id}", get(case_page))
        .route("/typical/{id}/approve", post(approve_submit))
        .route("/typical/{id}/return", post(return_submit))
        .route("/public/typical", get(public_list))
        .route("/public/typical/{id}", get(public_case))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/typical-cases", get(api_list))
}

fn may(s: &Session) -> Result<Side, ApiError> {
    match Side::of(s.org.kind) {
        Some(side) if proposes_typical_cases(s.user.role, s.org.kind) => Ok(side),
        _ => Err(ApiError::forbidden("推荐或审核典型案例")),
    }
}

fn category_zh(key: &str) -> String {
    rules()
        .category(key)
        .map_or(key.to_string(), |c| c.zh.clone())
}

fn day(ts: &str) -> String {
    crate::view::local_date(ts)
}

/// A proposal as a court or procuratorate reads it.
pub(crate) struct TypicalView {
    id: i64,
    case_id: i64,
    case_number: String,
    court: String,
    category: String,
    title: String,
    summary: String,
    significance: String,
    text: String,
    proposed: String,
    stage: &'static str,
    stage_code: &'static str,
    court_side: String,
    procuratorate_side: String,
    returned: String,
    /// The user may approve or return it on their side.
    actionable: bool,
}

fn side_line(name: &Option<String>, at: &Option<String>) -> String {
    match (name, at) {
        (Some(n), Some(a)) => format!("{n} 于 {} 同意发布", day(a)),
        _ => "待审核".into(),
    }
}

fn may_act(s: &Session, t: &TypicalRow) -> bool {
    let Some(side) = Side::of(s.org.kind) else {
        return false;
    };
    approves_typical_cases(s.user.role, s.org.kind)
        && t.region_path.starts_with(&s.org.region_path)
        && t.stage() == Stage::Proposed
        && !t.approved_by(side)
        && t.proposed_by != s.user.id
}

fn view(s: &Session, t: &TypicalRow) -> TypicalView {
    let stage = t.stage();
    TypicalView {
        id: t.id,
        case_id: t.case_id,
        case_number: t.case_number.clone(),
        court: t.court_name.clone(),
        category: category_zh(&t.category),
        title: t.title.clone(),
        summary: t.summary.clone(),
        significance: t.significance.clone(),
        text: t.text.clone(),
        proposed: format!(
            "{}（{}）于 {} 推荐",
            t.proposed_by_name,
            t.proposer_org,
            day(&t.proposed_at)
        ),
        stage: stage.zh(),
        stage_code: stage.as_str(),
        court_side: side_line(&t.court_by_name, &t.court_at),
        procuratorate_side: side_line(&t.procuratorate_by_name, &t.procuratorate_at),
        returned: match (&t.returned_by_name, &t.returned_side, &t.returned_at) {
            (Some(n), Some(side), Some(at)) => format!(
                "{}{n} 于 {} 退回：{}",
                Side::parse(side).map_or("", Side::zh),
                day(at),
                t.return_reason.clone().unwrap_or_default()
            ),
            _ => String::new(),
        },
        actionable: may_act(s, t),
    }
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct ProposeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    significance: String,
    #[serde(default)]
    text: String,
}

#[derive(Template)]
#[template(path = "typical.html")]
struct ListPage {
    layout: Layout,
    cases: Vec<TypicalView>,
    categories: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    form: ProposeForm,
    limits: tianping_domain::typical::Limits,
}

impl ListPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

async fn list(
    st: &AppState,
    s: &Session,
    form: ProposeForm,
    errors: Vec<(String, String)>,
) -> Response {
    if let Err(e) = may(s) {
        return api_error_page(e);
    }
    let rows = match st.store.typical_cases(&s.org.region_path, 500).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e.into()),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&ListPage {
        layout: Layout::new(s, "/typical"),
        cases: rows.iter().map(|t| view(s, t)).collect(),
        categories: rules()
            .categories
            .iter()
            .map(|c| (c.key.clone(), c.zh.clone()))
            .collect(),
        errors,
        form,
        limits: rules().limits.clone(),
    });
    *res.status_mut() = status;
    res
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    #[serde(default)]
    case_number: String,
}

pub(crate) async fn list_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<ListQuery>,
) -> Response {
    let form = ProposeForm {
        case_number: q.case_number,
        ..ProposeForm::default()
    };
    list(&st, &s, form, vec![]).await
}

pub(crate) async fn propose_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<ProposeForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let side = match may(&s) {
        Ok(side) => side,
        Err(e) => return api_error_page(e),
    };
    let mut errors: Vec<(String, String)> = vec![];
    let number = f.case_number.trim();
    // A court case of the user's region.
    let case = match st.store.case_id_by_number(number).await {
        Ok(Some(id)) => match st.store.case_by_id(id).await {
            Ok(Some((row, state)))
                if row.region_path.starts_with(&s.org.region_path)
                    && row.agency_kind == "court" =>
            {
                Some((row, state))
            }
            Ok(_) => {
                errors.push(("case_number".into(), "只能推荐本辖区法院的案件".into()));
                None
            }
            Err(e) => return api_error_page(e.into()),
        },
        Ok(None) => {
            errors.push((
                "case_number".into(),
                if number.is_empty() {
                    "请填写案号".into()
                } else {
                    format!("案号“{number}”不存在")
                },
            ));
            None
        }
        Err(e) => return api_error_page(e.into()),
    };
    // The parties are what the text is rid of: a file that cannot be read is not anonymised
    // with nobody — it is a fault.
    let state = match case
        .as_ref()
        .map(|(_, s)| serde_json::from_str::<CaseState>(s))
    {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => return api_error_page(ApiError::internal(e)),
        None => None,
    };
    let anon = Anonymiser::new(state.as_ref().map_or(&[][..], |c| &c.parties[..]));
    let charges = state
        .as_ref()
        .map(|c| c.charges.clone())
        .unwrap_or_default();
    let input = ProposalInput {
        category: f.category.trim(),
        title: &f.title,
        summary: &f.summary,
        significance: &f.significance,
        text: &f.text,
        charges: &charges,
        case_closed: case
            .as_ref()
            .is_none_or(|(r, _)| r.status == CaseStatus::Closed),
        confidentiality: case
            .as_ref()
            .map(|(r, _)| r.confidentiality)
            .unwrap_or_default(),
    };
    let proposal = match check_proposal(rules(), &input, &anon) {
        Ok(p) => Some(p),
        Err(problems) => {
            for p in problems {
                errors.push((p.field.to_string(), p.message));
            }
            None
        }
    };
    let (Some((row, _)), Some(p), true) = (case, proposal, errors.is_empty()) else {
        return list(&st, &s, f, errors).await;
    };
    match st
        .store
        .propose_typical(row.id, &p, side, &s.user, st.now())
        .await
    {
        Ok(id) => redirect(&format!("/typical/{id}")),
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == Code::Internal {
                return api_error_page(e);
            }
            list(&st, &s, f, vec![("case_number".into(), e.message)]).await
        }
    }
}

#[derive(Template)]
#[template(path = "typical_case.html")]
struct CasePage {
    layout: Layout,
    t: TypicalView,
    side: &'static str,
    error: Option<String>,
}

async fn typical_for(st: &AppState, s: &Session, id: &str) -> Result<TypicalRow, ApiError> {
    may(s)?;
    let id = parse_id(id, "典型案例")?;
    match st.store.typical_case(id).await? {
        Some(t) if t.region_path.starts_with(&s.org.region_path) => Ok(t),
        _ => Err(ApiError::not_found("典型案例")),
    }
}

async fn case(st: &AppState, s: &Session, id: &str, error: Option<String>) -> Response {
    let t = match typical_for(st, s, id).await {
        Ok(t) => t,
        Err(e) => return api_error_page(e),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = render(&CasePage {
        layout: Layout::new(s, "/typical"),
        t: view(s, &t),
        side: Side::of(s.org.kind).map_or("", Side::zh),
        error,
    });
    *res.status_mut() = status;
    res
}

pub(crate) async fn case_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    case(&st, &s, &id, None).await
}

#[derive(Deserialize)]
pub(crate) struct ActForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// The side the user acts for, if they may act on proposals at all.
fn acting_side(s: &Session) -> Result<Side, ApiError> {
    match Side::of(s.org.kind) {
        Some(side) if approves_typical_cases(s.user.role, s.org.kind) => Ok(side),
        _ => Err(ApiError::forbidden("审核典型案例")),
    }
}

pub(crate) async fn approve_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let t = match typical_for(&st, &s, &id).await {
        Ok(t) => t,
        Err(e) => return api_error_page(e),
    };
    let side = match acting_side(&s) {
        Ok(side) => side,
        Err(e) => return api_error_page(e),
    };
    match st
        .store
        .approve_typical(t.id, side, &s.user, st.now())
        .await
    {
        Ok(_) => redirect(&format!("/typical/{}", t.id)),
        Err(x) => {
            let x = ApiError::from(x);
            if x.code == Code::Internal {
                return api_error_page(x);
            }
            case(&st, &s, &id, Some(x.message)).await
        }
    }
}

pub(crate) async fn return_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let t = match typical_for(&st, &s, &id).await {
        Ok(t) => t,
        Err(e) => return api_error_page(e),
    };
    let side = match acting_side(&s) {
        Ok(side) => side,
        Err(e) => return api_error_page(e),
    };
    let reason = match check_reason(rules(), &f.reason) {
        Ok(r) => r,
        Err(r) => return case(&st, &s, &id, Some(r.zh)).await,
    };
    match st
        .store
        .return_typical(t.id, side, &reason, &s.user, st.now())
        .await
    {
        Ok(()) => redirect(&format!("/typical/{}", t.id)),
        Err(x) => {
            let x = ApiError::from(x);
            if x.code == Code::Internal {
                return api_error_page(x);
            }
            case(&st, &s, &id, Some(x.message)).await
        }
    }
}

// --- the public pages ---------------------------------------------------------------------------

/// A released case as the public reads it: the 案号 only of a public case.
pub(crate) struct PublicView {
    id: i64,
    title: String,
    category: String,
    released_by: String,
    released_on: String,
    case_number: String,
    summary: String,
    significance: String,
    text: String,
}

fn public_view(t: &TypicalRow) -> PublicView {
    PublicView {
        id: t.id,
        title: t.title.clone(),
        category: category_zh(&t.category),
        released_by: match &t.procuratorate_org {
            Some(p) => format!("{}、{}", t.court_name, p),
            None => t.court_name.clone(),
        },
        released_on: t.published_at.as_deref().map(day).unwrap_or_default(),
        case_number: if t.confidentiality == "public" {
            t.case_number.clone()
        } else {
            String::new()
        },
        summary: t.summary.clone(),
        significance: t.significance.clone(),
        text: t.text.clone(),
    }
}

#[derive(Template)]
#[template(path = "typical_public.html")]
struct PublicList {
    cases: Vec<PublicView>,
}

#[derive(Template)]
#[template(path = "typical_public_case.html")]
struct PublicCase {
    t: PublicView,
}

/// `GET /public/typical`: the released cases, newest first.
pub(crate) async fn public_list(State(st): State<AppState>) -> Response {
    match st.store.published_typical(500).await {
        Ok(rows) => render(&PublicList {
            cases: rows.iter().map(public_view).collect(),
        }),
        Err(e) => api_error_page(e.into()),
    }
}

/// `GET /public/typical/{id}`: one released case; a case not (yet) released is not found.
pub(crate) async fn public_case(State(st): State<AppState>, Path(id): Path<String>) -> Response {
    let id = match parse_id(&id, "典型案例") {
        Ok(id) => id,
        Err(e) => return api_error_page(e),
    };
    match st.store.typical_case(id).await {
        Ok(Some(t)) if t.published_at.is_some() => render(&PublicCase { t: public_view(&t) }),
        Ok(_) => api_error_page(ApiError::not_found("典型案例")),
        Err(e) => api_error_page(e.into()),
    }
}

/// `GET /api/v1/typical-cases`: the proposals of the user's region with their stage.
pub async fn api_list(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    may(&s)?;
    let rows = st.store.typical_cases(&s.org.region_path, 2000).await?;
    let list: Vec<_> = rows
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "case_id": t.case_id,
                "case_number": t.case_number,
                "court_id": t.court_id,
                "category": t.category,
                "title": t.title,
                "stage": t.stage().as_str(),
                "proposer_side": t.proposer_side,
                "proposed_at": t.proposed_at,
                "court_approved_at": t.court_at,
                "procuratorate_approved_at": t.procuratorate_at,
                "returned_at": t.returned_at,
                "return_reason": t.return_reason,
                "published_at": t.published_at,
                "judgment_id": t.judgment_id,
            })
        })
        .collect();
    Ok(Json(json!({ "typical_cases": list })))
}

/// 待办: proposals of the user's region waiting for their side's approval (never their own).
pub(crate) async fn tasks(st: &AppState, s: &Session) -> Result<Vec<Task>, ApiError> {
    if Side::of(s.org.kind).is_none() || !approves_typical_cases(s.user.role, s.org.kind) {
        return Ok(vec![]);
    }
    let rows = st.store.typical_cases(&s.org.region_path, 500).await?;
    Ok(rows
        .iter()
        .filter(|t| may_act(s, t))
        .map(|t| Task {
            kind: TaskKind::ApproveTypical,
            title: format!("{}（{}）", t.title, t.court_name),
            href: format!("/typical/{}", t.id),
            due: None,
            quick_act: None,
        })
        .collect())
}
