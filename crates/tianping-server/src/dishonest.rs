//! 失信被执行人名单 (issue 24; RULES.md §11.3): the court's execution staff list a debtor of one
//! of their execution cases (the domain checks grounds, terms, minors and art. 3), record the
//! cause of deletion when it arises and delete within three working days — the day each is due by
//! shown, overdue ones in 待办 — and the public reads the current list without logging in.
//!
//! Pages: `/dishonest` (the court's list and the form), `/dishonest/{id}` (an entry, its cause
//! and deletion), `/public/dishonest` (no login). The API: `GET /api/v1/dishonest`.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::{CurrentUser, csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, redirect, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use tianping_domain::access::keeps_dishonest_list;
use tianping_domain::dishonest::{ListingInput, Status, check_listing, rules};
use tianping_domain::todo::{Task, TaskKind};
use tianping_store::dishonest::EntryRow;
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dishonest", get(list_page).post(list_submit))
        .route("/dishonest/{id}", get(entry_page))
        .route("/dishonest/{id}/cause", post(cause_submit))
        .route("/dishonest/{id}/delete", post(delete_submit))
        .route("/public/dishonest", get(public_page))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/dishonest", get(api_list))
}

fn may(s: &Session) -> Result<(), ApiError> {
    if keeps_dishonest_list(s.user.role, s.org.kind) {
        Ok(())
    } else {
        Err(ApiError::forbidden("管理失信被执行人名单"))
    }
}

fn ground_zh(key: &str) -> String {
    rules()
        .ground(key)
        .map_or(key.to_string(), |g| format!("{}（{}）", g.zh, g.article))
}

/// An entry as the court reads it.
pub(crate) struct EntryView {
    id: i64,
    case_id: i64,
    case_number: String,
    court: String,
    name: String,
    id_masked: String,
    ground: String,
    decided_on: String,
    term: String,
    state: String,
    due: String,
    overdue: bool,
    deletable: bool,
    has_cause: bool,
    cause: String,
}

fn view(st: &AppState, e: &EntryRow) -> EntryView {
    let today = tianping_domain::clock::local_date(st.now());
    let cal = &st.store.clockwork().calendar;
    let status = e.status(cal, today);
    let (state, due, overdue, deletable) = match &status {
        Status::Listed => ("在列".to_string(), String::new(), false, false),
        Status::ToDelete {
            reason,
            by,
            overdue,
        } => (
            format!(
                "应删除：{}",
                rules()
                    .removal(reason)
                    .map_or(reason.as_str(), |r| r.zh.as_str())
            ),
            by.to_string(),
            *overdue,
            true,
        ),
        Status::Deleted => (
            format!("已于 {} 删除", e.deleted_on.clone().unwrap_or_default()),
            String::new(),
            false,
            false,
        ),
    };
    EntryView {
        id: e.id,
        case_id: e.case_id,
        case_number: e.case_number.clone(),
        court: e.court_name.clone(),
        name: e.name.clone(),
        id_masked: e.id_masked.clone(),
        ground: ground_zh(&e.ground),
        decided_on: e.decided_on.clone(),
        term: match &e.term_end {
            Some(t) => format!("至 {t}"),
            None => "不设固定期限（履行或出现删除事由时删除）".into(),
        },
        state,
        due,
        overdue,
        deletable,
        has_cause: e.cause.is_some(),
        cause: match (&e.cause, &e.cause_on) {
            (Some(c), Some(on)) => format!(
                "{on} {}{}",
                rules().removal(c).map_or(c.as_str(), |r| r.zh.as_str()),
                e.cause_note
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .map(|n| format!("（{n}）"))
                    .unwrap_or_default()
            ),
            _ => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "dishonest.html")]
struct ListPage {
    layout: Layout,
    entries: Vec<EntryView>,
    grounds: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    form: ListForm,
}

impl ListPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct ListForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    ground: String,
    #[serde(default)]
    extra_years: String,
    #[serde(default)]
    decided_on: String,
    #[serde(default)]
    guarantee: Option<String>,
    #[serde(default)]
    seized_enough: Option<String>,
    #[serde(default)]
    later_in_order: Option<String>,
}

async fn list(
    st: &AppState,
    s: &Session,
    form: ListForm,
    errors: Vec<(String, String)>,
) -> Response {
    if let Err(e) = may(s) {
        return api_error_page(e);
    }
    let entries = match st
        .store
        .dishonest_entries(&s.org.region_path, false, 500)
        .await
    {
        Ok(e) => e,
        Err(e) => return api_error_page(e.into()),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&ListPage {
        layout: Layout::new(s, "/dishonest"),
        entries: entries.iter().map(|e| view(st, e)).collect(),
        grounds: rules()
            .grounds
            .iter()
            .map(|g| (g.key.clone(), format!("{}（{}）", g.zh, g.article)))
            .collect(),
        errors,
        form,
    });
    *res.status_mut() = status;
    res
}

pub(crate) async fn list_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    list(&st, &s, ListForm::default(), vec![]).await
}

pub(crate) async fn list_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<ListForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    if let Err(e) = may(&s) {
        return api_error_page(e);
    }
    let mut errors: Vec<(String, String)> = vec![];
    // The case: an execution case of the user's own court.
    let case = match st.store.case_id_by_number(f.case_number.trim()).await {
        Ok(Some(id)) => match st.store.case_by_id(id).await {
            Ok(Some((row, _))) if row.org_id == s.org.id && row.kind == "execution" => Some(row),
            Ok(Some((row, _))) if row.org_id == s.org.id => {
                errors.push((
                    "case_number".into(),
                    format!(
                        "{} 不是执行案件：失信名单只针对执行案件的被执行人",
                        row.case_number
                    ),
                ));
                None
            }
            Ok(_) => {
                errors.push((
                    "case_number".into(),
                    "只能为本院的执行案件纳入失信名单".into(),
                ));
                None
            }
            Err(e) => return api_error_page(e.into()),
        },
        Ok(None) => {
            errors.push((
                "case_number".into(),
                format!("案号“{}”不存在", f.case_number.trim()),
            ));
            None
        }
        Err(e) => return api_error_page(e.into()),
    };
    let extra = match f.extra_years.trim() {
        "" => Some(0),
        x => x.parse::<u32>().ok(),
    };
    if extra.is_none() {
        errors.push(("extra_years".into(), "延长年数应为 0 至 3 的整数".into()));
    }
    let decided_on = f.decided_on.trim().parse::<NaiveDate>().ok();
    let input = ListingInput {
        ground: &f.ground,
        kind: &f.kind,
        name: &f.name,
        id_number: &f.id_number,
        extra_years: extra.unwrap_or(0),
        decided_on,
        guarantee: f.guarantee.is_some(),
        seized_enough: f.seized_enough.is_some(),
        later_in_order: f.later_in_order.is_some(),
        today: tianping_domain::clock::local_date(st.now()),
    };
    let listing = match check_listing(rules(), &input) {
        Ok(l) => Some(l),
        Err(problems) => {
            for p in problems {
                errors.push((p.field.to_string(), p.message));
            }
            None
        }
    };
    let (Some(case), Some(listing), true) = (case, listing, errors.is_empty()) else {
        return list(&st, &s, f, errors).await;
    };
    match st
        .store
        .list_dishonest(case.id, &listing, extra.unwrap_or(0), &s.user, st.now())
        .await
    {
        Ok(id) => redirect(&format!("/dishonest/{id}")),
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == Code::Internal {
                return api_error_page(e);
            }
            list(&st, &s, f, vec![("name".into(), e.message)]).await
        }
    }
}

#[derive(Template)]
#[template(path = "dishonest_entry.html")]
struct EntryPage {
    layout: Layout,
    e: EntryView,
    removals: Vec<(String, String)>,
    error: Option<String>,
}

async fn entry_for(st: &AppState, s: &Session, id: &str) -> Result<EntryRow, ApiError> {
    may(s)?;
    let id = parse_id(id, "失信名单信息")?;
    match st.store.dishonest_entry(id).await? {
        Some(e) if e.region_path.starts_with(&s.org.region_path) => Ok(e),
        _ => Err(ApiError::not_found("失信名单信息")),
    }
}

async fn entry(st: &AppState, s: &Session, id: &str, error: Option<String>) -> Response {
    let e = match entry_for(st, s, id).await {
        Ok(e) => e,
        Err(e) => return api_error_page(e),
    };
    render(&EntryPage {
        layout: Layout::new(s, "/dishonest"),
        e: view(st, &e),
        removals: rules()
            .removals
            .iter()
            .filter(|r| r.key != "expired")
            .map(|r| (r.key.clone(), r.zh.clone()))
            .collect(),
        error,
    })
}

pub(crate) async fn entry_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    entry(&st, &s, &id, None).await
}

#[derive(Deserialize)]
pub(crate) struct CauseForm {
    csrf: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn cause_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<CauseForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let e = match entry_for(&st, &s, &id).await {
        Ok(e) => e,
        Err(e) => return api_error_page(e),
    };
    let Ok(on) = f.on.trim().parse::<NaiveDate>() else {
        return entry(&st, &s, &id, Some(format!("日期“{}”应为 YYYY-MM-DD", f.on))).await;
    };
    if f.note.chars().count() > 200 {
        return entry(&st, &s, &id, Some("说明不能超过 200 字".into())).await;
    }
    match st
        .store
        .record_dishonest_cause(e.id, &f.cause, on, &f.note, &s.user, st.now())
        .await
    {
        Ok(()) => redirect(&format!("/dishonest/{}", e.id)),
        Err(x) => {
            let x = ApiError::from(x);
            if x.code == Code::Internal {
                return api_error_page(x);
            }
            entry(&st, &s, &id, Some(x.message)).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct DeleteForm {
    csrf: String,
}

pub(crate) async fn delete_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<DeleteForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let e = match entry_for(&st, &s, &id).await {
        Ok(e) => e,
        Err(e) => return api_error_page(e),
    };
    match st.store.delete_dishonest(e.id, &s.user, st.now()).await {
        Ok(()) => redirect(&format!("/dishonest/{}", e.id)),
        Err(x) => {
            let x = ApiError::from(x);
            if x.code == Code::Internal {
                return api_error_page(x);
            }
            entry(&st, &s, &id, Some(x.message)).await
        }
    }
}

#[derive(Template)]
#[template(path = "dishonest_public.html")]
struct PublicPage {
    entries: Vec<(String, String, String, String, String, String)>,
}

/// `GET /public/dishonest`: the current list, published as art. 6 of the 2013 provisions
/// requires (name, masked number, court, case, ground, the day of the decision); an entry whose
/// cause of deletion arose is no longer shown even before the court deletes it.
pub(crate) async fn public_page(State(st): State<AppState>) -> Response {
    let today = tianping_domain::clock::local_date(st.now());
    let cal = st.store.clockwork().calendar.clone();
    match st.store.dishonest_entries("/", true, 2000).await {
        Ok(rows) => render(&PublicPage {
            entries: rows
                .iter()
                .filter(|e| matches!(e.status(&cal, today), Status::Listed))
                .map(|e| {
                    (
                        e.name.clone(),
                        e.id_masked.clone(),
                        e.court_name.clone(),
                        e.case_number.clone(),
                        rules()
                            .ground(&e.ground)
                            .map_or(e.ground.clone(), |g| g.zh.clone()),
                        e.decided_on.clone(),
                    )
                })
                .collect(),
        }),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /api/v1/dishonest`: the entries of the user's region with their status.
pub async fn api_list(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    may(&s)?;
    let rows = st
        .store
        .dishonest_entries(&s.org.region_path, false, 2000)
        .await?;
    let today = tianping_domain::clock::local_date(st.now());
    let cal = st.store.clockwork().calendar.clone();
    let list: Vec<_> = rows
        .iter()
        .map(|e| {
            let (state, due) = match e.status(&cal, today) {
                Status::Listed => ("listed", None),
                Status::ToDelete { by, .. } => ("to_delete", Some(by.to_string())),
                Status::Deleted => ("deleted", None),
            };
            json!({
                "id": e.id,
                "case_id": e.case_id,
                "case_number": e.case_number,
                "court_id": e.court_id,
                "name": e.name,
                "id_masked": e.id_masked,
                "ground": e.ground,
                "decided_on": e.decided_on,
                "term_end": e.term_end,
                "state": state,
                "delete_by": due,
                "cause": e.cause,
                "cause_on": e.cause_on,
                "deleted_on": e.deleted_on,
            })
        })
        .collect();
    Ok(Json(json!({ "entries": list })))
}

/// 待办: entries of the user's courts whose cause of deletion arose (recorded, or the term's end)
/// and which are not deleted yet.
pub(crate) async fn tasks(st: &AppState, s: &Session) -> Result<Vec<Task>, ApiError> {
    if !keeps_dishonest_list(s.user.role, s.org.kind) {
        return Ok(vec![]);
    }
    let today = tianping_domain::clock::local_date(st.now());
    let cal = st.store.clockwork().calendar.clone();
    let rows = st
        .store
        .dishonest_entries(&s.org.region_path, true, 2000)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|e| match e.status(&cal, today) {
            Status::ToDelete { by, .. } => Some(Task {
                kind: TaskKind::DeleteDishonest,
                title: format!("{}（{}）", e.name, e.case_number),
                href: format!("/dishonest/{}", e.id),
                due: Some(tianping_domain::clock::local_midnight(
                    by + chrono::Duration::days(1),
                )),
                quick_act: None,
            }),
            _ => None,
        })
        .collect())
}
