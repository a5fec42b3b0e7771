//! Joint supervision projects (联合监督): a project across agencies, its members, findings and
//! closing.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::extract::{check_csrf, csrf_refused, parse_id};
use crate::http::page::{Layout, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::Form;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::AgencyKind;
use tianping_domain::supervision::{ProjectAction, ProjectState};
use tianping_store::supervision::{Finding, ProjectDetail, ProjectRow, rectifies, supervises};
use tianping_store::user::Session;

use super::items::{ItemLine, check_below, item_line, reachable_units};
use super::{due_date, json_body, json_post};

// --- joint supervision projects ----------------------------------------------------------------------

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
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

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
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
        ApiError::new(Code::InvalidAction, format!("操作“{}”无效", a.action))
            .with_details(json!({ "field": "action" }))
    })?;
    let mut findings = vec![];
    for (k, f) in a.findings.iter().enumerate() {
        if f.title.trim().is_empty() {
            continue;
        }
        check_below(st, s, f.responsible_org_id.trim(), None)
            .await
            .map_err(|e| {
                e.with_details(json!({ "field": format!("findings[{k}].responsible_org_id") }))
            })?;
        findings.push(Finding {
            title: f.title.trim().to_string(),
            responsible_org_id: f.responsible_org_id.trim().to_string(),
        });
    }
    Ok(st
        .store
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
        .await?)
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
    Ok(st
        .store
        .create_project(title, plan, &s.user, &s.org, st.now())
        .await?)
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

#[derive(Deserialize, utoipa::ToSchema)]
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
    Ok((StatusCode::CREATED, Json(crate::view::Created { id })).into_response())
}

pub async fn api_project_action(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<crate::view::Moved>, ApiError> {
    let (id, a): (i64, ProjectActionInput) = json_post(&headers, &s, &id, "联合监督项目", &body)?;
    let state = act_on_project(&st, &s, id, &a).await?;
    Ok(Json(crate::view::Moved {
        state: state.as_str(),
    }))
}
