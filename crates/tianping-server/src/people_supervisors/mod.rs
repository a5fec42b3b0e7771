//! People's supervisors (人民监督员, issue 23): the justice bureau's registry (`registry`), the
//! activities a procuratorate asks them to with their draws, invitations and opinions
//! (`activities`, `draws`, `acts`). Who may do what is decided in
//! [`tianping_domain::access`]; the rules are [`tianping_domain::people_supervisors`].
//!
//! Pages: `/supervisors`, `/supervisors/{id}`, `/supervisors/report` (and `.xlsx`), `/supervisor-activities`,
//! `/supervisor-activities/{id}`, `/supervisor-draws/{id}/verify` and the forms they post to;
//! the API: `GET`/`POST /api/v1/supervisor-activities` (the list; a procuratorate's request) and
//! `GET /api/v1/supervisor-draws/{id}` (a draw's record, for `tianping draw verify`).

pub mod activities;
mod acts;
mod draws;
mod records;
mod registry;
mod report;
mod tasks;

pub(crate) use tasks::tasks;

use crate::AppState;
use crate::error::{ApiError, Code};
use axum::Router;
use axum::routing::{get, post};
use tianping_domain::Role;
use tianping_domain::access::{invites_people_supervisors, keeps_people_supervisors};
use tianping_store::people_supervisors::{ActivityRow, SupervisorRow};
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/supervisors",
            get(registry::list_page).post(registry::appoint_submit),
        )
        .route("/supervisors/report", get(report::report_page))
        .route("/supervisors/report.xlsx", get(report::report_xlsx))
        .route("/supervisors/{id}", get(registry::file_page))
        .route("/supervisors/{id}/remove", post(registry::remove_submit))
        .route("/supervisors/{id}/records", post(records::entry_submit))
        .route("/supervisors/{id}/allowances", post(records::pay_submit))
        .route("/supervisors/assessments", post(records::assess_submit))
        .route(
            "/supervisor-activities",
            get(activities::list_page).post(activities::request_submit),
        )
        .route(
            "/supervisor-activities/{id}",
            get(activities::activity_page),
        )
        .route(
            "/supervisor-activities/{id}/draw",
            post(draws::setup_submit),
        )
        .route("/supervisor-activities/own", post(acts::own_submit))
        .route(
            "/supervisor-activities/{id}/opinions",
            post(acts::opinion_submit),
        )
        .route("/supervisor-draws/{id}/values", post(draws::values_submit))
        .route("/supervisor-draws/{id}/abort", post(draws::abort_submit))
        .route("/supervisor-draws/{id}/verify", get(draws::verify_page))
        .route(
            "/supervisor-invitations/{id}/act",
            post(acts::invitation_submit),
        )
        .route(
            "/supervisor-opinions/{id}/answer",
            post(acts::answer_submit),
        )
        .route(
            "/supervisor-opinions/{id}/supervise",
            post(acts::supervise_submit),
        )
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route(
            "/supervisor-activities",
            get(activities::api_list).post(activities::api_request),
        )
        .route("/supervisor-draws/{id}", get(draws::api_record))
}

/// How the reader stands to an activity.
#[derive(Debug, Clone)]
pub(crate) enum Side {
    /// The justice bureau that draws for it.
    Keeper,
    /// The procuratorate that asked.
    Inviter,
    /// A procuratorate above it, reading.
    Reader,
    /// A supervisor drawn for it (as a pick or an alternate).
    Supervisor(Box<SupervisorRow>),
    /// An auditor re-checking draws.
    Auditor,
}

impl Side {
    pub(crate) fn keeper(&self) -> bool {
        matches!(self, Side::Keeper)
    }
    pub(crate) fn inviter(&self) -> bool {
        matches!(self, Side::Inviter)
    }
    pub(crate) fn supervisor(&self) -> Option<&SupervisorRow> {
        match self {
            Side::Supervisor(s) => Some(s),
            _ => None,
        }
    }
}

fn within(s: &Session, region_path: &str) -> bool {
    region_path.starts_with(&s.org.region_path)
}

/// The supervisor's own file, for a reader of role `people_supervisor`.
pub(crate) async fn own_file(st: &AppState, s: &Session) -> Result<SupervisorRow, ApiError> {
    if s.user.role != Role::PeopleSupervisor {
        return Err(ApiError::forbidden("以人民监督员身份办理"));
    }
    st.store
        .supervisor_of_user(s.user.id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                Code::NotInvited,
                "您的账号尚未关联人民监督员档案，请联系司法局",
            )
        })
}

/// An activity the reader may see, and how they stand to it; 404 otherwise.
pub(crate) async fn activity_for(
    st: &AppState,
    s: &Session,
    id: i64,
) -> Result<(ActivityRow, Side), ApiError> {
    let not_found = || ApiError::not_found("监督活动");
    let Some(a) = st.store.supervisor_activity(id).await? else {
        return Err(not_found());
    };
    let (role, kind) = (s.user.role, s.org.kind);
    let side = if keeps_people_supervisors(role, kind) && within(s, &a.region_path) {
        Side::Keeper
    } else if invites_people_supervisors(role, kind) && within(s, &a.region_path) {
        // A procuratorate above the one that asked reads its activities; only the one that
        // asked records attendance and answers opinions.
        if a.org_id == s.org.id {
            Side::Inviter
        } else {
            Side::Reader
        }
    } else if role == Role::Auditor {
        Side::Auditor
    } else if role == Role::PeopleSupervisor {
        let me = own_file(st, s).await.map_err(|_| not_found())?;
        let drawn = st
            .store
            .supervisor_invitations(a.id)
            .await?
            .iter()
            .any(|i| i.supervisor_id == me.id);
        // …or raised an opinion there on their own initiative.
        let raised = || async {
            st.store
                .opinions_of_activity(a.id)
                .await
                .map(|o| o.iter().any(|o| o.supervisor_id == me.id))
        };
        if !drawn && !raised().await? {
            return Err(not_found());
        }
        Side::Supervisor(Box::new(me))
    } else {
        return Err(not_found());
    };
    Ok((a, side))
}

/// Parses a path id, or a 404 naming the thing.
pub(crate) fn path_id(id: &str, what: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().map_err(|_| ApiError::not_found(what))
}

/// A required text field of a form, trimmed; an error naming the field when it is empty or
/// longer than `max` characters.
pub(crate) fn text<'a>(
    v: &'a str,
    field: &str,
    label: &str,
    max: usize,
) -> Result<&'a str, ApiError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(ApiError::invalid_field(
            Code::FieldEmpty,
            field,
            format!("请填写{label}"),
        ));
    }
    if v.chars().count() > max {
        return Err(ApiError::invalid_field(
            Code::Invalid,
            field,
            format!("{label}不能超过 {max} 字"),
        ));
    }
    Ok(v)
}
