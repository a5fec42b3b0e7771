//! Deputies' suggestions and procuratorial recommendations, both ways: a deputy suggests, as
//! themselves, to a procuratorate of their region; its prosecutors take it as a public-interest
//! lead or say why not, issue a recommendation to the responsible organ (the reply clock: two
//! months, fifteen days when urgent), record the reply and report the result back; a
//! recommendation overdue or not adopted can be handed to the 人大, whose staff record how they
//! follow it up. The deputy, the procuratorate and the 人大 each see every step.
//!
//! Pages: `/deputies/suggestions` (the list; the deputy's form), `/deputies/suggestions/{id}`
//! (one: its steps, the procuratorate's form, the hand-over and the 人大's follow-up). The API:
//! `GET /api/v1/deputy-suggestions`.

use super::{me, status_of, today};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::{CurrentUser, csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, redirect, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use tianping_domain::access::{handles_suggestions, keeps_deputies, reads_suggestions};
use tianping_domain::deputy_suggestions::{
    FIELDS, Stage, Step, StepInput, check_step, check_suggestion, field_zh, may_hand_to_congress,
    reply_due, rules,
};
use tianping_domain::todo::{Task, TaskKind};
use tianping_domain::{AgencyKind, Role};
use tianping_store::deputies::DeputyRow;
use tianping_store::deputy_suggestions::{NewSuggestion, StepRecord, SuggestionRow};
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deputies/suggestions", get(list_page).post(submit))
        .route("/deputies/suggestions/{id}", get(suggestion_page))
        .route("/deputies/suggestions/{id}/step", post(step_submit))
        .route("/deputies/suggestions/{id}/hand", post(hand_submit))
        .route("/deputies/suggestions/{id}/follow", post(follow_submit))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/deputy-suggestions", get(api_list))
}

fn may_read(s: &Session) -> Result<(), ApiError> {
    if reads_suggestions(s.user.role, s.org.kind) {
        Ok(())
    } else {
        Err(ApiError::forbidden("查看代表建议"))
    }
}

/// The suggestions the user reads: a deputy's own; the procuratorates' and 人大's region's.
async fn readable(
    st: &AppState,
    s: &Session,
    me: Option<&DeputyRow>,
    limit: i64,
) -> Result<Vec<SuggestionRow>, ApiError> {
    Ok(match (me, s.user.role) {
        (Some(d), Role::Deputy) => st.store.suggestions("", Some(d.id), limit).await?,
        (None, Role::Deputy) => vec![],
        _ => {
            st.store
                .suggestions(&s.org.region_path, None, limit)
                .await?
        }
    })
}

fn sees(s: &Session, me: Option<&DeputyRow>, r: &SuggestionRow) -> bool {
    if s.user.role == Role::Deputy {
        return me.is_some_and(|d| d.id == r.deputy_id);
    }
    reads_suggestions(s.user.role, s.org.kind) && r.region_path.starts_with(&s.org.region_path)
}

/// The reply clock as a reader sees it: "2027-01-31 前回复", overdue in red.
fn due_text(r: &SuggestionRow, today: NaiveDate) -> (String, bool) {
    match (r.stage(), r.due()) {
        (Stage::Recommended, Some(d)) if today > d => {
            (format!("{d}（已逾期 {} 日）", (today - d).num_days()), true)
        }
        (Stage::Recommended, Some(d)) => (format!("{d} 前书面回复"), false),
        _ => (String::new(), false),
    }
}

/// The procuratorates a deputy may address: those of their congress's region.
async fn procuratorates(
    st: &AppState,
    d: &DeputyRow,
) -> Result<Vec<tianping_store::org::Org>, ApiError> {
    let mut v: Vec<_> = st
        .store
        .orgs_in(&d.region_path)
        .await?
        .into_iter()
        .filter(|o| o.kind == AgencyKind::Procuratorate)
        .collect();
    v.sort_by(|a, b| a.region_path.cmp(&b.region_path));
    Ok(v)
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct SuggestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    procuratorate: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    content: String,
}

#[derive(Template)]
#[template(path = "deputy_suggestions.html")]
struct ListPage {
    layout: Layout,
    mine: bool,
    /// (row, field zh, stage zh, due text, overdue).
    rows: Vec<(SuggestionRow, &'static str, &'static str, String, bool)>,
    may_submit: bool,
    procuratorates: Vec<(String, String)>,
    fields: &'static [(&'static str, &'static str)],
    errors: Vec<(String, String)>,
    form: SuggestForm,
}

impl ListPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

async fn list(
    st: &AppState,
    s: &Session,
    form: SuggestForm,
    errors: Vec<(String, String)>,
) -> axum::response::Response {
    if let Err(e) = may_read(s) {
        return api_error_page(e);
    }
    let me = match me(st, s).await {
        Ok(m) => m,
        Err(e) => return api_error_page(e),
    };
    let rows = match readable(st, s, me.as_ref(), 500).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    let procuratorates = match &me {
        Some(d) => match procuratorates(st, d).await {
            Ok(v) => v.into_iter().map(|o| (o.id, o.name)).collect(),
            Err(e) => return api_error_page(e),
        },
        None => vec![],
    };
    let today = today(st);
    let mut res = render(&ListPage {
        layout: Layout::new(s, "/deputies/suggestions"),
        mine: s.user.role == Role::Deputy,
        rows: rows
            .into_iter()
            .filter(|r| sees(s, me.as_ref(), r))
            .map(|r| {
                let (due, overdue) = due_text(&r, today);
                let field = field_zh(&r.field).unwrap_or("其他公共利益");
                let stage = r.stage().zh();
                (r, field, stage, due, overdue)
            })
            .collect(),
        may_submit: me.is_some(),
        procuratorates,
        fields: FIELDS,
        form,
        errors: errors.clone(),
    });
    *res.status_mut() = status_of(&errors);
    res
}

pub(crate) async fn list_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
) -> axum::response::Response {
    list(&st, &s, SuggestForm::default(), vec![]).await
}

pub(crate) async fn submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<SuggestForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    // A deputy suggests as themselves.
    let me = match me(&st, &s).await {
        Ok(Some(d)) => d,
        Ok(None) => return api_error_page(ApiError::forbidden("提出代表建议（仅限代表本人）")),
        Err(e) => return api_error_page(e),
    };
    let mut errors: Vec<(String, String)> = vec![];
    let procs = match procuratorates(&st, &me).await {
        Ok(v) => v,
        Err(e) => return api_error_page(e),
    };
    let proc = procs.into_iter().find(|o| o.id == f.procuratorate.trim());
    if proc.is_none() {
        errors.push(("procuratorate".into(), "请选择本辖区的检察机关".into()));
    }
    if let Err(problems) = check_suggestion(rules(), f.field.trim(), &f.title, &f.content) {
        errors.extend(
            problems
                .into_iter()
                .map(|p| (p.field.to_string(), p.message)),
        );
    }
    let (Some(proc), true) = (proc, errors.is_empty()) else {
        return list(&st, &s, f, errors).await;
    };
    match st
        .store
        .submit_suggestion(
            &NewSuggestion {
                deputy_id: me.id,
                procuratorate: &proc,
                field: f.field.trim(),
                title: &f.title,
                content: &f.content,
                on: today(&st),
            },
            &s.user,
            st.now(),
        )
        .await
    {
        Ok(id) => redirect(&format!("/deputies/suggestions/{id}")),
        Err(e) => api_error_page(e.into()),
    }
}

#[derive(Template)]
#[template(path = "deputy_suggestion.html")]
struct SuggestionPage {
    layout: Layout,
    r: SuggestionRow,
    field: &'static str,
    stage: &'static str,
    due: String,
    overdue: bool,
    /// The steps the user's procuratorate may record now.
    next: Vec<(&'static str, &'static str)>,
    may_hand: bool,
    may_follow: bool,
    error: Option<(String, String)>,
    today: String,
}

async fn suggestion_for(st: &AppState, s: &Session, id: &str) -> Result<SuggestionRow, ApiError> {
    may_read(s)?;
    let id = parse_id(id, "代表建议")?;
    let me = me(st, s).await?;
    match st.store.suggestion(id).await? {
        Some(r) if sees(s, me.as_ref(), &r) => Ok(r),
        _ => Err(ApiError::not_found("代表建议")),
    }
}

/// Whether the user acts for the procuratorate the suggestion was addressed to.
fn for_procuratorate(s: &Session, r: &SuggestionRow) -> bool {
    handles_suggestions(s.user.role, s.org.kind) && r.procuratorate_id == s.org.id
}

async fn page(
    st: &AppState,
    s: &Session,
    id: &str,
    error: Option<(String, String)>,
) -> axum::response::Response {
    let r = match suggestion_for(st, s, id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    let today = today(st);
    let (due, overdue) = due_text(&r, today);
    let next = if for_procuratorate(s, &r) {
        r.stage()
            .next()
            .iter()
            .map(|x| (x.as_str(), x.zh()))
            .collect()
    } else {
        vec![]
    };
    let may_hand = for_procuratorate(s, &r)
        && r.handed_at.is_none()
        && may_hand_to_congress(r.stage(), r.due(), r.adopted(), today);
    let may_follow = keeps_deputies(s.user.role, s.org.kind) && r.handed_at.is_some();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = render(&SuggestionPage {
        layout: Layout::new(s, "/deputies/suggestions"),
        field: field_zh(&r.field).unwrap_or("其他公共利益"),
        stage: r.stage().zh(),
        r,
        due,
        overdue,
        next,
        may_hand,
        may_follow,
        error,
        today: today.to_string(),
    });
    *res.status_mut() = status;
    res
}

pub(crate) async fn suggestion_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> axum::response::Response {
    page(&st, &s, &id, None).await
}

#[derive(Deserialize)]
pub(crate) struct StepForm {
    csrf: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    urgent: String,
    #[serde(default)]
    adopted: String,
}

pub(crate) async fn step_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let r = match suggestion_for(&st, &s, &id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    if !for_procuratorate(&s, &r) {
        return api_error_page(ApiError::forbidden(
            "办理代表建议（由收到建议的检察机关办理）",
        ));
    }
    let Some(step) = Step::parse(f.step.trim()) else {
        return page(&st, &s, &id, Some(("step".into(), "请选择办理环节".into()))).await;
    };
    let today = today(&st);
    let on = f.on.trim().parse::<NaiveDate>().ok();
    if let Err(e) = check_step(
        rules(),
        &StepInput {
            stage: r.stage(),
            step,
            on,
            last_on: r.last_day().unwrap_or(today),
            today,
            text: &f.text,
            agency: &f.agency,
        },
    ) {
        return page(&st, &s, &id, Some((e.field.to_string(), e.message))).await;
    }
    let adopted = match (step, f.adopted.trim()) {
        (Step::Reply, "yes") => Some(true),
        (Step::Reply, "no") => Some(false),
        (Step::Reply, _) => {
            return page(
                &st,
                &s,
                &id,
                Some(("adopted".into(), "请选择是否采纳".into())),
            )
            .await;
        }
        _ => None,
    };
    let Some(on) = on else {
        return page(
            &st,
            &s,
            &id,
            Some(("on".into(), "日期应为 YYYY-MM-DD".into())),
        )
        .await;
    };
    let urgent = f.urgent.trim() == "1";
    let due = (step == Step::Recommend).then(|| reply_due(rules(), on, urgent));
    match st
        .store
        .record_suggestion_step(
            r.id,
            &StepRecord {
                from: r.stage(),
                step,
                on,
                text: &f.text,
                agency: &f.agency,
                urgent,
                due,
                adopted,
            },
            &s.user,
            st.now(),
        )
        .await
    {
        Ok(()) => redirect(&format!("/deputies/suggestions/{}", r.id)),
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == Code::Internal {
                return api_error_page(e);
            }
            page(&st, &s, &id, Some(("step".into(), e.message))).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn hand_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let r = match suggestion_for(&st, &s, &id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    if !for_procuratorate(&s, &r) {
        return api_error_page(ApiError::forbidden(
            "移送人大常委会（由发出检察建议的检察机关移送）",
        ));
    }
    if !may_hand_to_congress(r.stage(), r.due(), r.adopted(), today(&st)) {
        return page(
            &st,
            &s,
            &id,
            Some((
                "hand".into(),
                "检察建议逾期未回复或未被采纳的，方可移送人大常委会".into(),
            )),
        )
        .await;
    }
    match st
        .store
        .hand_suggestion_to_congress(r.id, &s.user, st.now())
        .await
    {
        Ok(()) => redirect(&format!("/deputies/suggestions/{}", r.id)),
        Err(e) => {
            page(
                &st,
                &s,
                &id,
                Some(("hand".into(), ApiError::from(e).message)),
            )
            .await
        }
    }
}

pub(crate) async fn follow_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let r = match suggestion_for(&st, &s, &id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    if !keeps_deputies(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("登记人大常委会跟踪监督情况"));
    }
    let n = f.note.trim().chars().count();
    if n == 0 || n > rules().limits.note_max {
        return page(
            &st,
            &s,
            &id,
            Some((
                "note".into(),
                format!(
                    "请填写跟踪监督情况（不超过 {} 字）",
                    rules().limits.note_max
                ),
            )),
        )
        .await;
    }
    match st
        .store
        .follow_up_suggestion(r.id, &f.note, &s.user, st.now())
        .await
    {
        Ok(()) => redirect(&format!("/deputies/suggestions/{}", r.id)),
        Err(e) => {
            page(
                &st,
                &s,
                &id,
                Some(("note".into(), ApiError::from(e).message)),
            )
            .await
        }
    }
}

/// `GET /api/v1/deputy-suggestions`: the suggestions the user reads (a deputy: their own), with
/// their stage and the reply clock.
pub async fn api_list(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    may_read(&s)?;
    let me = me(&st, &s).await?;
    let today = today(&st);
    let rows = readable(&st, &s, me.as_ref(), 2000).await?;
    let list: Vec<_> = rows
        .iter()
        .filter(|r| sees(&s, me.as_ref(), r))
        .map(|r| {
            json!({
                "id": r.id, "deputy_id": r.deputy_id, "procuratorate_id": r.procuratorate_id,
                "field": r.field, "title": r.title, "submitted_on": r.submitted_on,
                "stage": r.stage().as_str(), "agency": r.agency, "recommended_on": r.recommended_on,
                "reply_due": r.reply_due, "reply_overdue": due_text(r, today).1,
                "adopted": r.adopted(), "reported_on": r.reported_on,
                "handed_to_congress": r.handed_at.is_some(),
            })
        })
        .collect();
    Ok(Json(json!({ "suggestions": list })))
}

/// 待办: the procuratorate's suggestions to decide and recommendations whose reply is overdue;
/// the 人大's handed recommendations not yet followed up.
pub(crate) async fn tasks(st: &AppState, s: &Session) -> Result<Vec<Task>, ApiError> {
    let handler = handles_suggestions(s.user.role, s.org.kind);
    let keeper = keeps_deputies(s.user.role, s.org.kind);
    if !handler && !keeper {
        return Ok(vec![]);
    }
    let today = today(st);
    let rows = st.store.suggestions(&s.org.region_path, None, 500).await?;
    let mut out = vec![];
    for r in &rows {
        let href = format!("/deputies/suggestions/{}", r.id);
        let kind = if handler && r.procuratorate_id == s.org.id {
            match r.stage() {
                Stage::Submitted => Some(TaskKind::ReviewSuggestion),
                Stage::Recommended if due_text(r, today).1 => Some(TaskKind::ChaseRecommendation),
                _ => None,
            }
        } else if keeper && r.handed_at.is_some() && r.congress_at.is_none() {
            Some(TaskKind::FollowUpRecommendation)
        } else {
            None
        };
        if let Some(kind) = kind {
            out.push(Task {
                kind,
                title: format!("{}（{}代表，{}）", r.title, r.deputy_name, r.submitted_on),
                href,
                due: None,
                quick_act: None,
            });
        }
    }
    Ok(out)
}
