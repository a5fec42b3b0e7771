//! 案件自查: a prosecutor's closed cases to look back at — each with its last day and a short form
//! (nothing found, or what was found and done) — and, for the 案管办 and the supervisors above,
//! the region's self-checks by standing: overdue, waiting, done late, done on time. The page,
//! the 待办 and the API read the same rows; the domain decides who files and what is valid.

use super::cases::day_of;
use super::today;
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::extract::{check_csrf, csrf_refused, json_body, parse_id};
use crate::http::page::{Layout, api_error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};
use tianping_domain::access::{files_self_checks, reads_self_checks};
use tianping_domain::evaluation::rules;
use tianping_domain::evaluation::self_check::{self, Finding, Standing};
use tianping_domain::todo::{Task, TaskKind};
use tianping_store::evaluation::{SelfCheckQuery, SelfCheckRow};
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/evaluations/self-checks", get(page))
        .route("/evaluations/self-checks/{id}", post(submit))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/self-checks", get(api_list))
        .route("/self-checks/{id}", post(api_submit))
}

/// The list's filter: a standing (empty for all) and one organisation of the region.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct Params {
    /// overdue（逾期未自查）、waiting（待自查）、late（逾期完成）、on_time（按期完成）；空为全部
    #[serde(default)]
    pub standing: String,
    /// 检察院机构代码（本辖区内）
    #[serde(default)]
    pub org: String,
}

/// A case with its self-check as a reader sees it.
pub(crate) struct Line {
    pub case_id: i64,
    pub case_number: String,
    pub org_name: String,
    pub judge: String,
    pub closed: NaiveDate,
    pub due: NaiveDate,
    pub standing: Standing,
    pub finding: &'static str,
    pub note: String,
    pub checked_by: String,
    pub checked_on: String,
}

fn line(st: &AppState, s: &Session, r: &SelfCheckRow, today: NaiveDate) -> Option<Line> {
    let closed = day_of(Some(&r.closed_at))?;
    let cw = st.store.clockwork();
    let due = self_check::due(closed, rules(), &cw.calendar);
    let done = day_of(r.checked_at.as_deref());
    let level = tianping_domain::Confidentiality::parse(&r.confidentiality)
        .unwrap_or(tianping_domain::Confidentiality::StateSecret);
    let words = level == tianping_domain::Confidentiality::Public
        || crate::view::clearance_for(s, &r.org_id, r.judge.as_deref(), &[], None).allows(level);
    Some(Line {
        case_id: r.case_id,
        case_number: r.case_number.clone(),
        org_name: r.org_name.clone(),
        judge: r.judge.clone().unwrap_or_default(),
        closed,
        due,
        standing: self_check::standing(due, done, today),
        finding: r
            .finding
            .as_deref()
            .and_then(Finding::parse)
            .map_or("", Finding::zh),
        note: match &r.note {
            Some(n) if !words && !n.is_empty() => format!("（本案{}，内容不予显示）", level.zh()),
            Some(n) => n.clone(),
            None => String::new(),
        },
        checked_by: r.checked_by.clone().unwrap_or_default(),
        checked_on: done.map(|d| d.to_string()).unwrap_or_default(),
    })
}

/// The prosecutor's own closed cases since the rule took effect.
fn own_query(s: &Session, pending_only: bool) -> SelfCheckQuery {
    SelfCheckQuery {
        region_prefix: s.org.region_path.clone(),
        org_id: Some(s.org.id.clone()),
        judge: Some(s.user.display_name.trim().to_string()),
        closed_from: Some(rules().days.self_check_from),
        pending_only,
        limit: 500,
        ..Default::default()
    }
}

/// The prosecutor's own closed cases since the rule took effect (not yet self-checked first).
async fn own(st: &AppState, s: &Session, pending_only: bool) -> Result<Vec<Line>, ApiError> {
    let today = today(st);
    let rows = st
        .store
        .self_check_cases(&own_query(s, pending_only))
        .await?;
    Ok(rows.iter().filter_map(|r| line(st, s, r, today)).collect())
}

/// A standing asked for (empty: all), or `invalid` naming the value.
fn parse_standing(s: &str) -> Result<Option<Standing>, ApiError> {
    if s.is_empty() {
        return Ok(None);
    }
    Standing::parse(s).map(Some).ok_or_else(|| {
        ApiError::invalid_field(
            Code::Invalid,
            "standing",
            format!("自查状态“{s}”无效（应为 overdue、waiting、late 或 on_time）"),
        )
        .with_status(StatusCode::BAD_REQUEST)
    })
}

/// The most files a regional list reads (the latest closed first).
const REGION_LIMIT: i64 = 5000;

/// The region's (or one procuratorate's) self-checks, the latest closed first, and whether the
/// list stopped at [`REGION_LIMIT`].
async fn region(st: &AppState, s: &Session, org: &str) -> Result<(Vec<Line>, bool), ApiError> {
    let today = today(st);
    let rows = st
        .store
        .self_check_cases(&SelfCheckQuery {
            region_prefix: s.org.region_path.clone(),
            org_id: (!org.is_empty()).then(|| org.to_string()),
            closed_from: Some(rules().days.self_check_from),
            limit: REGION_LIMIT,
            ..Default::default()
        })
        .await?;
    let truncated = rows.len() as i64 >= REGION_LIMIT;
    Ok((
        rows.iter().filter_map(|r| line(st, s, r, today)).collect(),
        truncated,
    ))
}

#[derive(Template)]
#[template(path = "evaluation_self_checks.html")]
struct SelfChecksPage {
    layout: Layout,
    /// The prosecutor's view (a form per case) or the office's (a list by standing).
    files: bool,
    days: u32,
    from: String,
    pending: Vec<Line>,
    done: Vec<Line>,
    /// The office's view: counts by standing, then the lines of the chosen one.
    counts: Vec<(&'static str, &'static str, usize)>,
    standing: String,
    lines: Vec<Line>,
    /// The list stopped at its limit (the latest closed files only).
    truncated: bool,
    /// The region's procuratorates (a filter) and the one chosen.
    orgs: Vec<(String, String)>,
    org: String,
    limit: i64,
    errors: Vec<(String, String)>,
    /// The case the errors are about, and what was typed.
    error_case: i64,
    typed_finding: String,
    typed_note: String,
}

impl SelfChecksPage {
    fn error_of(&self, case_id: &i64, field: &str) -> String {
        if *case_id == self.error_case {
            crate::http::page::errors_of(&self.errors, field)
        } else {
            String::new()
        }
    }
}

struct Typed {
    case_id: i64,
    finding: String,
    note: String,
}

async fn show(
    st: &AppState,
    s: &Session,
    p: &Params,
    errors: Vec<(String, String)>,
    typed: Option<Typed>,
) -> Result<axum::response::Response, ApiError> {
    let files = files_self_checks(s.user.role, s.org.kind);
    if !files && !reads_self_checks(s.user.role, s.org.kind) {
        return Err(ApiError::forbidden("查看案件自查"));
    }
    let r = rules();
    let mut page = SelfChecksPage {
        layout: Layout::new(s, "/evaluations/self-checks"),
        files,
        days: r.days.self_check_days,
        from: r.days.self_check_from.format("%Y年%-m月%-d日").to_string(),
        pending: vec![],
        done: vec![],
        counts: vec![],
        standing: p.standing.clone(),
        lines: vec![],
        truncated: false,
        orgs: vec![],
        org: p.org.clone(),
        limit: REGION_LIMIT,
        errors: errors.clone(),
        error_case: typed.as_ref().map_or(0, |t| t.case_id),
        typed_finding: typed
            .as_ref()
            .map(|t| t.finding.clone())
            .unwrap_or_default(),
        typed_note: typed.map(|t| t.note).unwrap_or_default(),
    };
    if files {
        let all = own(st, s, false).await?;
        let (pending, done): (Vec<Line>, Vec<Line>) = all
            .into_iter()
            .partition(|l| matches!(l.standing, Standing::Overdue | Standing::Waiting));
        page.pending = pending;
        page.done = done;
    } else {
        let standing = parse_standing(&p.standing)?;
        let (all, truncated) = region(st, s, &p.org).await?;
        page.truncated = truncated;
        page.orgs = st
            .store
            .orgs_in(&s.org.region_path)
            .await?
            .into_iter()
            .filter(|o| o.kind == tianping_domain::AgencyKind::Procuratorate)
            .map(|o| (o.id, o.name))
            .collect();
        page.counts = Standing::ALL
            .iter()
            .map(|x| {
                (
                    x.as_str(),
                    x.zh(),
                    all.iter().filter(|l| l.standing == *x).count(),
                )
            })
            .collect();
        page.lines = all
            .into_iter()
            .filter(|l| standing.is_none_or(|x| l.standing == x))
            .collect();
    }
    let mut res = render(&page);
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(p): Query<Params>,
) -> axum::response::Response {
    show(&st, &s, &p, vec![], None)
        .await
        .unwrap_or_else(api_error_page)
}

#[derive(Debug, Default, Deserialize)]
struct SelfCheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    finding: String,
    #[serde(default)]
    note: String,
}

/// A self-check: the domain's refusals by field, or the row written.
enum Filed {
    Done,
    Invalid(Vec<(String, String)>),
}

async fn file(
    st: &AppState,
    s: &Session,
    case_id: i64,
    finding: &str,
    note: &str,
) -> Result<Filed, ApiError> {
    let row = st
        .store
        .self_check_of(case_id)
        .await?
        .filter(|r| r.region_path.starts_with(&s.org.region_path))
        .ok_or_else(|| ApiError::not_found("已结案件"))?;
    let handler = files_self_checks(s.user.role, s.org.kind)
        && row.org_id == s.org.id
        && row
            .judge
            .as_deref()
            .is_some_and(|j| j.trim() == s.user.display_name.trim());
    let closed = day_of(Some(&row.closed_at)).ok_or_else(|| ApiError::not_found("已结案件"))?;
    let r = rules();
    let errors = self_check::check(
        handler,
        row.finding.is_some(),
        self_check::applies(closed, r),
        finding,
        note,
        r,
    );
    if let Some(e) = errors.iter().find(|e| e.field == "case") {
        return Err(
            ApiError::new(Code::ActForbidden, e.message.clone()).with_status(StatusCode::FORBIDDEN)
        );
    }
    if !errors.is_empty() {
        return Ok(Filed::Invalid(
            errors
                .into_iter()
                .map(|e| (e.field.to_string(), e.message))
                .collect(),
        ));
    }
    st.store
        .record_self_check(case_id, &row.org_id, finding, note, &s.user, st.now())
        .await?;
    Ok(Filed::Done)
}

async fn submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<SelfCheckForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let run = async {
        let id = parse_id(&id, "已结案件")?;
        match file(&st, &s, id, f.finding.trim(), &f.note).await? {
            Filed::Done => Ok(redirect("/evaluations/self-checks#done")),
            Filed::Invalid(errors) => {
                show(
                    &st,
                    &s,
                    &Params::default(),
                    errors,
                    Some(Typed {
                        case_id: id,
                        finding: f.finding.clone(),
                        note: f.note.clone(),
                    }),
                )
                .await
            }
        }
    };
    run.await.unwrap_or_else(api_error_page)
}

fn line_json(l: &Line) -> Value {
    json!({
        "case_id": l.case_id,
        "case_number": l.case_number,
        "procuratorate": l.org_name,
        "prosecutor": l.judge,
        "closed_on": l.closed.to_string(),
        "due": l.due.to_string(),
        "standing": l.standing.as_str(),
        "standing_zh": l.standing.zh(),
        "finding": l.finding,
        "note": l.note,
        "checked_by": l.checked_by,
        "checked_on": l.checked_on,
    })
}

async fn api_list(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let standing = parse_standing(&p.standing)?;
    let (lines, truncated) = if files_self_checks(s.user.role, s.org.kind) {
        (own(&st, &s, false).await?, false)
    } else if reads_self_checks(s.user.role, s.org.kind) {
        region(&st, &s, &p.org).await?
    } else {
        return Err(ApiError::forbidden("查看案件自查"));
    };
    let lines: Vec<Line> = lines
        .into_iter()
        .filter(|l| standing.is_none_or(|x| l.standing == x))
        .collect();
    Ok(Json(json!({
        "truncated": truncated,
        "self_check_days": rules().days.self_check_days,
        "self_check_from": rules().days.self_check_from.to_string(),
        "cases": lines.iter().map(line_json).collect::<Vec<_>>(),
    })))
}

/// A self-check through the API.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SelfCheckBody {
    /// clean（未发现问题）或 problems（发现问题）
    #[serde(default)]
    pub finding: String,
    /// 发现的问题及整改情况（发现问题时必填）
    #[serde(default)]
    pub note: String,
}

async fn api_submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_csrf(&headers, &s)?;
    let id = parse_id(&id, "已结案件")?;
    let b: SelfCheckBody = json_body(&body)?;
    match file(&st, &s, id, b.finding.trim(), &b.note).await? {
        Filed::Done => {
            let row = st
                .store
                .self_check_of(id)
                .await?
                .ok_or_else(|| ApiError::not_found("已结案件"))?;
            let l =
                line(&st, &s, &row, today(&st)).ok_or_else(|| ApiError::not_found("已结案件"))?;
            Ok((StatusCode::CREATED, Json(line_json(&l))))
        }
        Filed::Invalid(errors) => {
            let (field, message) = errors.first().cloned().unwrap_or_default();
            Err(ApiError::invalid_field(Code::Invalid, &field, message))
        }
    }
}

/// 待办: the prosecutor's closed cases not yet self-checked, each due on its last day: the
/// `first` most pressing (the earliest closed), and how many there are.
pub(crate) async fn tasks(
    st: &AppState,
    s: &Session,
    first: usize,
) -> Result<(Vec<Task>, usize), ApiError> {
    if !files_self_checks(s.user.role, s.org.kind) {
        return Ok((vec![], 0));
    }
    let q = SelfCheckQuery {
        oldest_first: true,
        limit: i64::try_from(first).unwrap_or(i64::MAX),
        ..own_query(s, true)
    };
    let n = st.store.count_self_check_cases(&q).await?;
    let today = today(st);
    let rows = st.store.self_check_cases(&q).await?;
    let tasks = rows
        .iter()
        .filter_map(|r| line(st, s, r, today))
        .map(|l| Task {
            kind: TaskKind::SelfCheck,
            title: format!("{}（{}结案）", l.case_number, l.closed),
            href: format!("/evaluations/self-checks#c{}", l.case_id),
            due: Some(tianping_domain::clock::local_midnight(
                l.due + chrono::Duration::days(1),
            )),
            quick_act: None,
        })
        .collect();
    Ok((tasks, usize::try_from(n).unwrap_or(0)))
}

/// One case's self-check in a sentence, for its evaluation page (empty: not to be self-checked).
pub(crate) async fn summary(st: &AppState, s: &Session, case_id: i64) -> Result<String, ApiError> {
    let Some(row) = st.store.self_check_of(case_id).await? else {
        return Ok(String::new());
    };
    let Some(l) = line(st, s, &row, today(st)) else {
        return Ok(String::new());
    };
    if !self_check::applies(l.closed, rules()) {
        return Ok(String::new());
    }
    let date = tianping_domain::document::date_zh;
    Ok(match l.standing {
        Standing::Overdue | Standing::Waiting => {
            format!("{}（自查期限至{}）", l.standing.zh(), date(l.due))
        }
        Standing::Late | Standing::OnTime => {
            let on = day_of(row.checked_at.as_deref()).map_or(String::new(), date);
            let late = if l.standing == Standing::Late {
                "，逾期"
            } else {
                ""
            };
            if l.note.is_empty() {
                format!("{}（{}于{on}填报{late}）", l.finding, l.checked_by)
            } else {
                format!(
                    "{}（{}于{on}填报{late}）：{}",
                    l.finding, l.checked_by, l.note
                )
            }
        }
    })
}
