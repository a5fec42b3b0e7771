//! Deputies at work (issue 25). The 人大 keeps the registry of its deputies (level, constituency,
//! township, liaison station, their login); a court gives a 终本 case to a deputy of the debtor's
//! township as its 执行监督员; the deputy logs each visit, mediation, witnessed enforcement or
//! found asset; the court records the result, which — when the case leaves the 终本 database —
//! is an event on the case (`deputies::result_event`), counted by the 终本库出清 campaign board
//! (`campaign`) and the quality metrics alike.
//!
//! Pages: `/deputies` (the registry), `/deputies/cases` (the cases given to deputies; the court's
//! form; a deputy's own cases), `/deputies/cases/{id}` (one case: the deputy's log and form, the
//! court's result form). The API: `GET /api/v1/deputies`, `GET /api/v1/deputy-assignments`.

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
use tianping_domain::access::{assigns_deputies, keeps_deputies, reads_deputy_assistance};
use tianping_domain::case::Visibility;
use tianping_domain::deputies::{
    Action, ActionInput, AssignmentInput, DeputyInput, Level, Outcome, ResultInput, check_action,
    check_assignment, check_deputy, check_result, result_event,
};
use tianping_domain::todo::{Task, TaskKind};
use tianping_domain::{AgencyKind, CaseState, Confidentiality, Role};
use tianping_store::deputies::{AssignmentRow, DeputyRow, NewAssignment, NewDeputy};
use tianping_store::user::Session;

pub mod campaign;
pub mod invitations;
pub mod suggestions;
pub mod surveys;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deputies", get(registry_page).post(register_submit))
        .route("/deputies/cases", get(cases_page).post(assign_submit))
        .route("/deputies/cases/{id}", get(case_page))
        .route("/deputies/cases/{id}/actions", post(action_submit))
        .route("/deputies/cases/{id}/result", post(result_submit))
        .merge(campaign::router())
        .merge(invitations::router())
        .merge(suggestions::router())
        .merge(surveys::router())
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/deputies", get(api_deputies))
        .route("/deputy-assignments", get(api_assignments))
        .merge(campaign::api_router())
        .merge(invitations::api_router())
        .merge(suggestions::api_router())
        .merge(surveys::api_router())
}

fn today(st: &AppState) -> NaiveDate {
    tianping_domain::clock::local_date(st.now())
}

fn status_of(errors: &[(String, String)]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// The registry's readers: its keepers and the courts that give cases (deputies read their own
/// cases, not the registry).
fn may_read_registry(s: &Session) -> Result<(), ApiError> {
    if reads_deputy_assistance(s.user.role, s.org.kind) && s.user.role != Role::Deputy {
        Ok(())
    } else {
        Err(ApiError::forbidden("查看人大代表名册"))
    }
}

/// The deputy the user is, for a deputy's login; `None` for the others. A deputy login the
/// registry does not know reads nothing.
async fn me(st: &AppState, s: &Session) -> Result<Option<DeputyRow>, ApiError> {
    if s.user.role != Role::Deputy {
        return Ok(None);
    }
    Ok(st.store.deputy_of_user(s.user.id).await?)
}

/// Whether the user sees an assignment: the deputy it was given to; the courts and 人大 whose
/// region covers the case.
fn sees(s: &Session, me: Option<&DeputyRow>, a: &AssignmentRow) -> bool {
    if s.user.role == Role::Deputy {
        return me.is_some_and(|d| d.id == a.deputy_id);
    }
    reads_deputy_assistance(s.user.role, s.org.kind)
        && a.region_path.starts_with(&s.org.region_path)
}

/// How much of an assignment's case the reader may read, by its confidentiality and their
/// clearance (or need to know).
fn visibility_of(s: &Session, a: &AssignmentRow) -> (Visibility, Confidentiality) {
    let level = Confidentiality::parse(&a.confidentiality).unwrap_or(Confidentiality::StateSecret);
    let clearance = crate::view::clearance_for(s, &a.court_id, a.case_judge.as_deref(), &[], None);
    (tianping_domain::case::visibility(level, &clearance), level)
}

/// The debtor as the reader may read them: by surname when the case's parties are masked
/// (`deputies::debtor_as_seen`), not at all when it is withheld.
fn debtor_shown(s: &Session, a: &AssignmentRow) -> String {
    match visibility_of(s, a) {
        (Visibility::Full, _) => a.debtor.clone(),
        (Visibility::MaskParties, level) => {
            tianping_domain::deputies::debtor_as_seen(&a.debtor, level)
        }
        (Visibility::Withhold, _) => "（不予显示）".into(),
    }
}

/// Free text about the case (the court's note, the deputy's log, the result's note) as the
/// reader may read it: in full only when they read the case in full — it may name the parties.
fn text_shown(s: &Session, a: &AssignmentRow, text: &str) -> String {
    match visibility_of(s, a) {
        _ if text.is_empty() => String::new(),
        (Visibility::Full, _) => text.to_string(),
        (_, level) => format!("（本案{}，内容不予显示）", level.zh()),
    }
}

/// An assignment as its readers see it.
pub(crate) struct AssignmentView {
    id: i64,
    case_id: i64,
    case_number: String,
    cause: String,
    court: String,
    deputy: String,
    debtor: String,
    township: String,
    note: String,
    assigned_on: String,
    assigned_by: String,
    actions: i64,
    last_action_on: String,
    result: String,
    result_code: String,
    result_on: String,
    result_note: String,
    result_by: String,
}

fn view(s: &Session, a: &AssignmentRow) -> AssignmentView {
    AssignmentView {
        id: a.id,
        case_id: a.case_id,
        case_number: a.case_number.clone(),
        cause: text_shown(s, a, &a.cause),
        court: a.court_name.clone(),
        deputy: a.deputy_name.clone(),
        debtor: debtor_shown(s, a),
        township: a.township.clone(),
        note: text_shown(s, a, &a.note),
        assigned_on: a.assigned_on.clone(),
        assigned_by: a.assigned_by_name.clone(),
        actions: a.actions,
        last_action_on: a.last_action_on.clone().unwrap_or_default(),
        result: a.outcome().map_or(String::new(), |o| o.zh().to_string()),
        result_code: a.outcome.clone().unwrap_or_default(),
        result_on: a.result_on.clone().unwrap_or_default(),
        result_note: text_shown(s, a, a.result_note.as_deref().unwrap_or_default()),
        result_by: a.result_by_name.clone().unwrap_or_default(),
    }
}

// --- the registry ---------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub(crate) struct DeputyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    constituency: String,
    #[serde(default)]
    township: String,
    #[serde(default)]
    liaison_station: String,
    #[serde(default)]
    username: String,
}

#[derive(Template)]
#[template(path = "deputies.html")]
struct RegistryPage {
    layout: Layout,
    deputies: Vec<DeputyRow>,
    may_keep: bool,
    levels: Vec<(&'static str, &'static str)>,
    errors: Vec<(String, String)>,
    form: DeputyForm,
    /// (township, deputies) in the registry's order.
    townships: usize,
}

impl RegistryPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

async fn registry(
    st: &AppState,
    s: &Session,
    form: DeputyForm,
    errors: Vec<(String, String)>,
) -> axum::response::Response {
    if let Err(e) = may_read_registry(s) {
        return api_error_page(e);
    }
    let deputies = match st.store.deputies(&s.org.region_path).await {
        Ok(d) => d,
        Err(e) => return api_error_page(e.into()),
    };
    let mut towns: Vec<&str> = deputies.iter().map(|d| d.township.as_str()).collect();
    towns.dedup();
    let townships = towns.len();
    let mut res = render(&RegistryPage {
        layout: Layout::new(s, "/deputies"),
        may_keep: keeps_deputies(s.user.role, s.org.kind),
        levels: Level::ALL.iter().map(|l| (l.as_str(), l.zh())).collect(),
        townships,
        deputies,
        form,
        errors: errors.clone(),
    });
    *res.status_mut() = status_of(&errors);
    res
}

pub(crate) async fn registry_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
) -> axum::response::Response {
    let form = DeputyForm {
        level: Level::County.as_str().into(),
        ..DeputyForm::default()
    };
    registry(&st, &s, form, vec![]).await
}

pub(crate) async fn register_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<DeputyForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    if !keeps_deputies(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("登记人大代表"));
    }
    let level = Level::parse(f.level.trim());
    let mut errors: Vec<(String, String)> = vec![];
    if let Err(problems) = check_deputy(&DeputyInput {
        name: &f.name,
        level,
        constituency: &f.constituency,
        township: &f.township,
        liaison_station: &f.liaison_station,
    }) {
        errors.extend(
            problems
                .into_iter()
                .map(|p| (p.field.to_string(), p.message)),
        );
    }
    // The login, if given: a deputy's account of a people's congress in the keeper's region.
    let username = f.username.trim();
    let mut user_id = None;
    if !username.is_empty() {
        match st.store.user_by_username(username).await {
            Ok(Some(u)) => {
                let org = st
                    .store
                    .org_directory()
                    .await
                    .ok()
                    .and_then(|d| d.get(&u.org_id).cloned());
                let fits = u.role == Role::Deputy
                    && org.is_some_and(|o| {
                        o.kind == AgencyKind::PeoplesCongress
                            && o.region_path.starts_with(&s.org.region_path)
                    });
                if fits {
                    user_id = Some(u.id);
                } else {
                    errors.push((
                        "username".into(),
                        format!("账号“{username}”不是本辖区人大的代表账号"),
                    ));
                }
            }
            Ok(None) => errors.push(("username".into(), format!("账号“{username}”不存在"))),
            Err(e) => return api_error_page(e.into()),
        }
    }
    let (Some(level), true) = (level, errors.is_empty()) else {
        return registry(&st, &s, f, errors).await;
    };
    match st
        .store
        .register_deputy(
            &NewDeputy {
                name: &f.name,
                level,
                constituency: &f.constituency,
                township: &f.township,
                liaison_station: &f.liaison_station,
                user_id,
            },
            &s.org,
            &s.user,
            st.now(),
        )
        .await
    {
        Ok(_) => redirect("/deputies"),
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == Code::Internal {
                return api_error_page(e);
            }
            registry(&st, &s, f, vec![("username".into(), e.message)]).await
        }
    }
}

// --- the cases given to deputies ------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub(crate) struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    deputy: String,
    #[serde(default)]
    debtor: String,
    #[serde(default)]
    township: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    assigned_on: String,
}

#[derive(Template)]
#[template(path = "deputy_cases.html")]
struct CasesPage {
    layout: Layout,
    /// The deputy's own page ("我的协助案件").
    mine: bool,
    me_name: String,
    open: Vec<AssignmentView>,
    done: Vec<AssignmentView>,
    may_assign: bool,
    deputies: Vec<(i64, String)>,
    errors: Vec<(String, String)>,
    form: AssignForm,
}

impl CasesPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

async fn cases(
    st: &AppState,
    s: &Session,
    form: AssignForm,
    errors: Vec<(String, String)>,
) -> axum::response::Response {
    if !reads_deputy_assistance(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("查看人大代表协助执行"));
    }
    let me = match me(st, s).await {
        Ok(m) => m,
        Err(e) => return api_error_page(e),
    };
    let rows = if s.user.role == Role::Deputy {
        match &me {
            Some(d) => st.store.deputy_assignments("", Some(d.id), 500).await,
            None => Ok(vec![]),
        }
    } else {
        st.store
            .deputy_assignments(&s.org.region_path, None, 500)
            .await
    };
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return api_error_page(e.into()),
    };
    let may_assign = assigns_deputies(s.user.role, s.org.kind);
    let deputies = if may_assign {
        match choices(st, s, true).await {
            Ok(d) => d,
            Err(e) => return api_error_page(e),
        }
    } else {
        vec![]
    };
    let (open, done): (Vec<_>, Vec<_>) = rows
        .iter()
        .filter(|a| sees(s, me.as_ref(), a))
        .partition(|a| a.is_open());
    let mut res = render(&CasesPage {
        layout: Layout::new(s, "/deputies/cases"),
        mine: s.user.role == Role::Deputy,
        me_name: me.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
        open: open.into_iter().map(|a| view(s, a)).collect(),
        done: done.into_iter().map(|a| view(s, a)).collect(),
        may_assign,
        deputies,
        form,
        errors: errors.clone(),
    });
    *res.status_mut() = status_of(&errors);
    res
}

pub(crate) async fn cases_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
) -> axum::response::Response {
    let form = AssignForm {
        assigned_on: today(&st).to_string(),
        ..AssignForm::default()
    };
    cases(&st, &s, form, vec![]).await
}

pub(crate) async fn assign_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<AssignForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    if !assigns_deputies(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("交由人大代表协助执行"));
    }
    let mut errors: Vec<(String, String)> = vec![];
    let number = f.case_number.trim();
    // The case: one of the court's own execution cases, with whether it is in the 终本 database.
    let mut case = None;
    match st.store.case_id_by_number(number).await {
        Ok(Some(id)) => match st.store.case_by_id(id).await {
            Ok(Some((row, state))) if row.org_id == s.org.id && row.kind == "execution" => {
                let in_zhongben = serde_json::from_str::<CaseState>(&state)
                    .map(|x| x.zhongben)
                    .unwrap_or(false);
                case = Some((row, in_zhongben));
            }
            Ok(Some(_)) => errors.push(("case_number".into(), "只能交办本院的执行案件".into())),
            Ok(None) => errors.push(("case_number".into(), format!("案号“{number}”不存在"))),
            Err(e) => return api_error_page(e.into()),
        },
        Ok(None) => errors.push((
            "case_number".into(),
            if number.is_empty() {
                "请填写执行案号".into()
            } else {
                format!("案号“{number}”不存在")
            },
        )),
        Err(e) => return api_error_page(e.into()),
    }
    let open_now = match &case {
        Some((row, _)) => match st.store.deputy_assignments_of_case(row.id).await {
            Ok(v) => v.iter().any(AssignmentRow::is_open),
            Err(e) => return api_error_page(e.into()),
        },
        None => false,
    };
    // The deputy: one of the registry the court reads.
    let deputy = match f.deputy.trim().parse::<i64>() {
        Ok(id) => match st.store.deputies(&s.org.region_path).await {
            Ok(v) => v.into_iter().find(|d| d.id == id),
            Err(e) => return api_error_page(e.into()),
        },
        Err(_) => None,
    };
    if deputy.is_none() {
        errors.push(("deputy".into(), "请选择人大代表".into()));
    }
    // The case's own conditions when it was found; the other fields whatever the case number.
    let (in_zhongben, confidentiality) = case
        .as_ref()
        .map_or((true, Confidentiality::Public), |(row, z)| {
            (*z, row.confidentiality)
        });
    if let Err(problems) = check_assignment(&AssignmentInput {
        in_zhongben,
        confidentiality,
        previous_open: open_now,
        debtor: &f.debtor,
        township: &f.township,
        note: &f.note,
    }) {
        errors.extend(
            problems
                .into_iter()
                .map(|p| (p.field.to_string(), p.message)),
        );
    }
    let assigned_on = f.assigned_on.trim().parse::<NaiveDate>().ok();
    match assigned_on {
        None => errors.push(("assigned_on".into(), "交办日期应为 YYYY-MM-DD".into())),
        Some(d) if d > today(&st) => {
            errors.push(("assigned_on".into(), "交办日期不能晚于今天".into()))
        }
        Some(_) => {}
    }
    let (Some((row, _)), Some(deputy), Some(on), true) =
        (case, deputy, assigned_on, errors.is_empty())
    else {
        return cases(&st, &s, f, errors).await;
    };
    match st
        .store
        .assign_deputy(
            &NewAssignment {
                case_id: row.id,
                deputy_id: deputy.id,
                debtor: &f.debtor,
                township: &f.township,
                note: &f.note,
                assigned_on: on,
            },
            &s.user,
            st.now(),
        )
        .await
    {
        Ok(id) => redirect(&format!("/deputies/cases/{id}")),
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == Code::Internal {
                return api_error_page(e);
            }
            cases(&st, &s, f, vec![("case_number".into(), e.message)]).await
        }
    }
}

/// The deputies a court or procuratorate may choose, as (id, "name（town，level）" or, without
/// the level, "name（town）"): those of
/// its own district first (their constituency names it), then by town and name.
pub(crate) async fn choices(
    st: &AppState,
    s: &Session,
    with_level: bool,
) -> Result<Vec<(i64, String)>, ApiError> {
    let mut d = st.store.deputies(&s.org.region_path).await?;
    d.sort_by_key(|x| {
        let district = x.constituency.split('第').next().unwrap_or_default();
        (
            district.is_empty() || !s.org.name.contains(district),
            x.township.clone(),
            x.name.clone(),
        )
    });
    Ok(d.into_iter()
        .map(|d| {
            let label = if with_level {
                format!("{}（{}，{}）", d.name, d.township, d.level_zh())
            } else {
                format!("{}（{}）", d.name, d.township)
            };
            (d.id, label)
        })
        .collect())
}

// --- one case -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "deputy_case.html")]
struct CasePage {
    layout: Layout,
    /// A deputy's view (their own cases; no link to the case file, which deputies do not read).
    mine: bool,
    a: AssignmentView,
    open: bool,
    /// (day, what, outcome, by).
    actions: Vec<(String, &'static str, String, String)>,
    /// The deputy it was given to is the user: the action form.
    may_log: bool,
    /// The user records the court's result.
    may_result: bool,
    action_kinds: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    error: Option<(String, String)>,
    today: String,
}

async fn assignment_for(
    st: &AppState,
    s: &Session,
    id: &str,
) -> Result<(AssignmentRow, Option<DeputyRow>), ApiError> {
    if !reads_deputy_assistance(s.user.role, s.org.kind) {
        return Err(ApiError::forbidden("查看人大代表协助执行"));
    }
    let id = parse_id(id, "协助执行案件")?;
    let me = me(st, s).await?;
    match st.store.deputy_assignment(id).await? {
        Some(a) if sees(s, me.as_ref(), &a) => Ok((a, me)),
        _ => Err(ApiError::not_found("协助执行案件")),
    }
}

fn may_log(s: &Session, me: Option<&DeputyRow>, a: &AssignmentRow) -> bool {
    s.user.role == Role::Deputy && me.is_some_and(|d| d.id == a.deputy_id)
}

fn may_result(s: &Session, a: &AssignmentRow) -> bool {
    assigns_deputies(s.user.role, s.org.kind) && a.court_id == s.org.id
}

async fn case(
    st: &AppState,
    s: &Session,
    id: &str,
    error: Option<(String, String)>,
) -> axum::response::Response {
    let (a, me) = match assignment_for(st, s, id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let actions = match st.store.deputy_actions(a.id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e.into()),
    };
    let open = a.is_open();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = render(&CasePage {
        layout: Layout::new(s, "/deputies/cases"),
        mine: s.user.role == Role::Deputy,
        a: view(s, &a),
        open,
        actions: actions
            .iter()
            .map(|x| {
                (
                    x.on_day.clone(),
                    x.action_zh(),
                    text_shown(s, &a, &x.outcome),
                    x.by_name.clone(),
                )
            })
            .collect(),
        may_log: open && may_log(s, me.as_ref(), &a),
        may_result: open && may_result(s, &a),
        action_kinds: Action::ALL.iter().map(|k| (k.as_str(), k.zh())).collect(),
        outcomes: Outcome::ALL.iter().map(|o| (o.as_str(), o.zh())).collect(),
        error,
        today: today(st).to_string(),
    });
    *res.status_mut() = status;
    res
}

pub(crate) async fn case_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> axum::response::Response {
    case(&st, &s, &id, None).await
}

#[derive(Deserialize)]
pub(crate) struct ActionForm {
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    outcome: String,
}

pub(crate) async fn action_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let (a, me) = match assignment_for(&st, &s, &id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    // A deputy acts only as themselves, on a case given to them.
    if !may_log(&s, me.as_ref(), &a) {
        return api_error_page(ApiError::forbidden("记录协助情况（仅限受托代表本人）"));
    }
    let action = Action::parse(f.action.trim());
    let on = f.on.trim().parse::<NaiveDate>().ok();
    let today = today(&st);
    if let Err(problems) = check_action(&ActionInput {
        action,
        on,
        assigned_on: a.assigned_day().unwrap_or(today),
        today,
        outcome: &f.outcome,
        closed: !a.is_open(),
    }) {
        let first = problems
            .into_iter()
            .next()
            .map(|p| (p.field.to_string(), p.message));
        return case(&st, &s, &id, first).await;
    }
    let (Some(action), Some(on)) = (action, on) else {
        return case(
            &st,
            &s,
            &id,
            Some(("action".into(), "请选择协助方式".into())),
        )
        .await;
    };
    match st
        .store
        .log_deputy_action(a.id, action, on, &f.outcome, &s.user, st.now())
        .await
    {
        Ok(_) => redirect(&format!("/deputies/cases/{}", a.id)),
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == Code::Internal {
                return api_error_page(e);
            }
            case(&st, &s, &id, Some(("action".into(), e.message))).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ResultForm {
    csrf: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn result_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ResultForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let (a, _) = match assignment_for(&st, &s, &id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    // The court decides; the deputy never records a result.
    if !may_result(&s, &a) {
        return api_error_page(ApiError::forbidden("登记协助执行结果（由交办法院登记）"));
    }
    let outcome = Outcome::parse(f.outcome.trim());
    let on = f.on.trim().parse::<NaiveDate>().ok();
    let today = today(&st);
    if let Err(problems) = check_result(&ResultInput {
        outcome,
        on,
        last_on: a.last_day().unwrap_or(today),
        today,
        note: &f.note,
        closed: !a.is_open(),
    }) {
        let first = problems
            .into_iter()
            .next()
            .map(|p| (p.field.to_string(), p.message));
        return case(&st, &s, &id, first).await;
    }
    let (Some(outcome), Some(on)) = (outcome, on) else {
        return case(&st, &s, &id, Some(("outcome".into(), "请选择结果".into()))).await;
    };
    let actor = match crate::cases::writer(&s) {
        Ok(a) => a,
        Err(e) => return api_error_page(e),
    };
    // The deputy helped when they logged what they did.
    let event = result_event(outcome, a.actions > 0);
    match st
        .store
        .record_deputy_result(
            &a,
            outcome,
            on,
            &f.note,
            event,
            &actor,
            &s.user,
            &s.org.id,
            st.now(),
        )
        .await
    {
        Ok(_) => redirect(&format!("/deputies/cases/{}", a.id)),
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == Code::Internal {
                return api_error_page(e);
            }
            case(&st, &s, &id, Some(("outcome".into(), e.message))).await
        }
    }
}

// --- API ------------------------------------------------------------------------------------

/// `GET /api/v1/deputies`: the registry the user reads.
pub async fn api_deputies(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    may_read_registry(&s)?;
    let rows = st.store.deputies(&s.org.region_path).await?;
    let list: Vec<_> = rows
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "name": d.name,
                "level": d.level,
                "congress_org_id": d.congress_org_id,
                "constituency": d.constituency,
                "township": d.township,
                "liaison_station": d.liaison_station,
                "has_login": d.user_id.is_some(),
                "open_cases": d.open_cases,
                "cleared_cases": d.cleared_cases,
            })
        })
        .collect();
    Ok(Json(json!({ "deputies": list })))
}

/// `GET /api/v1/deputy-assignments`: the cases given to deputies the user sees (a deputy: their
/// own), with the actions logged and the court's result.
pub async fn api_assignments(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !reads_deputy_assistance(s.user.role, s.org.kind) {
        return Err(ApiError::forbidden("查看人大代表协助执行"));
    }
    let me = me(&st, &s).await?;
    let rows = match (&me, s.user.role) {
        (Some(d), Role::Deputy) => st.store.deputy_assignments("", Some(d.id), 2000).await?,
        (None, Role::Deputy) => vec![],
        _ => {
            st.store
                .deputy_assignments(&s.org.region_path, None, 2000)
                .await?
        }
    };
    let list: Vec<_> = rows
        .iter()
        .filter(|a| sees(&s, me.as_ref(), a))
        .map(|a| {
            json!({
                "id": a.id,
                "case_id": a.case_id,
                "case_number": a.case_number,
                "court_id": a.court_id,
                "deputy_id": a.deputy_id,
                "debtor": debtor_shown(&s, a),
                "township": a.township,
                "assigned_on": a.assigned_on,
                "actions": a.actions,
                "outcome": a.outcome,
                "result_on": a.result_on,
            })
        })
        .collect();
    Ok(Json(json!({ "assignments": list })))
}

// --- 待办 -------------------------------------------------------------------------------------

/// 待办: a deputy's open cases and invitations; a court's open cases its deputies have logged
/// help on.
pub(crate) async fn tasks(st: &AppState, s: &Session) -> Result<Vec<Task>, ApiError> {
    if s.user.role == Role::Deputy {
        let Some(d) = me(st, s).await? else {
            return Ok(vec![]);
        };
        let rows = st.store.deputy_assignments("", Some(d.id), 500).await?;
        let mut tasks = invitations::tasks(st, &d).await?;
        tasks.extend(surveys::tasks(st, &d).await?);
        tasks.extend(rows.iter().filter(|a| a.is_open()).map(|a| Task {
            kind: TaskKind::AssistExecution,
            title: format!(
                "{}（{}，{}，{}交办）",
                debtor_shown(s, a),
                a.case_number,
                a.township,
                a.court_name
            ),
            href: format!("/deputies/cases/{}", a.id),
            due: None,
            quick_act: None,
        }));
        return Ok(tasks);
    }
    let mut tasks = suggestions::tasks(st, s).await?;
    if !assigns_deputies(s.user.role, s.org.kind) {
        return Ok(tasks);
    }
    let rows = st
        .store
        .deputy_assignments(&s.org.region_path, None, 500)
        .await?;
    tasks.extend(
        rows.iter()
            .filter(|a| a.is_open() && a.actions > 0 && a.court_id == s.org.id)
            .map(|a| Task {
                kind: TaskKind::RecordAssistance,
                title: format!(
                    "{}（{}，{}代表已记录 {} 次协助）",
                    debtor_shown(s, a),
                    a.case_number,
                    a.deputy_name,
                    a.actions
                ),
                href: format!("/deputies/cases/{}", a.id),
                due: None,
                quick_act: None,
            }),
    );
    Ok(tasks)
}
