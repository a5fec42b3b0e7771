//! Invitations of deputies: a court's or procuratorate's heads and case-management office invite
//! deputies of the registry to inspect, sit in on a hearing, witness an enforcement or a forum;
//! each deputy answers as themselves before it begins and leaves their opinion after (which
//! records that they attended); the organisation may record an absence. The year's person-times
//! per deputy and kind are on the list (丽水's "293 人次").
//!
//! Pages: `/deputies/invitations` (the organisation's invitations, its form and the year's
//! tallies; a deputy's own invitations), `/deputies/invitations/{id}` (one: the lines, the
//! deputy's answer and opinion, the organisation's absences). The API:
//! `GET /api/v1/deputy-invitations`.

use super::{me, status_of};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::{CurrentUser, csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, redirect, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::Role;
use tianping_domain::access::invites_deputies;
use tianping_domain::deputy_invitations::{
    Act, InvitationInput, Kind, check_act, check_invitation,
};
use tianping_store::deputies::DeputyRow;
use tianping_store::deputy_invitations::{DeputyTally, InvitationRow, InviteeRow, NewInvitation};
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deputies/invitations", get(list_page).post(invite_submit))
        .route("/deputies/invitations/{id}", get(invitation_page))
        .route("/deputies/invitations/{id}/act", post(act_submit))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/deputy-invitations", get(api_list))
}

/// Who reads invitations: the organisations that invite (their region's), the 人大's staff, and
/// deputies (their own).
fn may_read(s: &Session) -> Result<(), ApiError> {
    if invites_deputies(s.user.role, s.org.kind)
        || tianping_domain::access::keeps_deputies(s.user.role, s.org.kind)
        || s.user.role == Role::Deputy
    {
        Ok(())
    } else {
        Err(ApiError::forbidden("查看邀请人大代表活动"))
    }
}

fn local(ts: &str) -> String {
    crate::view::local(ts)
}

/// Beijing "YYYY-MM-DDTHH:MM" (an `<input type=datetime-local>`) as an instant.
fn parse_local(s: &str) -> Option<DateTime<Utc>> {
    let t = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").ok()?;
    let d = tianping_domain::clock::local_midnight(t.date());
    Some(d + (t - t.date().and_hms_opt(0, 0, 0)?))
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    note: String,
    /// The deputies' ids, comma-separated (the form's checkboxes post one field each).
    #[serde(default)]
    deputies: String,
}

impl InviteForm {
    /// Whether a deputy was ticked (the form shown again after an error keeps the choice).
    fn chosen(&self, id: &i64) -> bool {
        self.deputies.split(',').any(|d| d == id.to_string())
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct YearQuery {
    #[serde(default)]
    year: String,
}

#[derive(Template)]
#[template(path = "deputy_invitations.html")]
struct ListPage {
    layout: Layout,
    mine: bool,
    invitations: Vec<(InvitationRow, String, String)>,
    may_invite: bool,
    kinds: Vec<(&'static str, &'static str)>,
    deputies: Vec<(i64, String)>,
    year: i32,
    tallies: Vec<DeputyTally>,
    total_attended: i64,
    errors: Vec<(String, String)>,
    form: InviteForm,
}

impl ListPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

async fn list(
    st: &AppState,
    s: &Session,
    year: Option<i32>,
    form: InviteForm,
    errors: Vec<(String, String)>,
) -> axum::response::Response {
    if let Err(e) = may_read(s) {
        return api_error_page(e);
    }
    let now = st.now();
    let year = year.unwrap_or_else(|| tianping_domain::clock::local_date(now).year());
    let me = match me(st, s).await {
        Ok(m) => m,
        Err(e) => return api_error_page(e),
    };
    let rows = match (&me, s.user.role) {
        (Some(d), Role::Deputy) => st.store.deputy_invitations("", Some(d.id), 500).await,
        (None, Role::Deputy) => Ok(vec![]),
        _ => {
            st.store
                .deputy_invitations(&s.org.region_path, None, 500)
                .await
        }
    };
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return api_error_page(e.into()),
    };
    let may_invite = invites_deputies(s.user.role, s.org.kind);
    let deputies = if may_invite {
        match super::choices(st, s, false).await {
            Ok(d) => d,
            Err(e) => return api_error_page(e),
        }
    } else {
        vec![]
    };
    let tallies = if s.user.role == Role::Deputy {
        vec![]
    } else {
        match st.store.deputy_tallies(&s.org.region_path, year).await {
            Ok(t) => t,
            Err(e) => return api_error_page(e.into()),
        }
    };
    let total_attended = tallies.iter().map(|t| t.attended).sum();
    let mut res = render(&ListPage {
        layout: Layout::new(s, "/deputies/invitations"),
        mine: s.user.role == Role::Deputy,
        invitations: rows
            .into_iter()
            .map(|r| {
                let when = local(&r.starts_at);
                let started = r.starts().is_some_and(|t| t <= now);
                (
                    r,
                    when,
                    if started {
                        "已开始".into()
                    } else {
                        "未开始".into()
                    },
                )
            })
            .collect(),
        may_invite,
        kinds: Kind::ALL.iter().map(|k| (k.as_str(), k.zh())).collect(),
        deputies,
        year,
        tallies,
        total_attended,
        form,
        errors: errors.clone(),
    });
    *res.status_mut() = status_of(&errors);
    res
}

pub(crate) async fn list_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<YearQuery>,
) -> axum::response::Response {
    let year = q
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y));
    list(&st, &s, year, InviteForm::default(), vec![]).await
}

pub(crate) async fn invite_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    // Checkboxes post `deputy` once per deputy: the pairs, then the form's other fields.
    Form(pairs): Form<Vec<(String, String)>>,
) -> axum::response::Response {
    let field = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let chosen: Vec<i64> = pairs
        .iter()
        .filter(|(n, _)| n == "deputy")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let f = InviteForm {
        csrf: field("csrf"),
        kind: field("kind"),
        title: field("title"),
        place: field("place"),
        starts_at: field("starts_at"),
        note: field("note"),
        deputies: chosen
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(","),
    };
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    if !invites_deputies(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("邀请人大代表"));
    }
    let mut errors: Vec<(String, String)> = vec![];
    // Only deputies of the registry the organisation reads.
    let known: Vec<i64> = match st.store.deputies(&s.org.region_path).await {
        Ok(d) => d.into_iter().map(|d| d.id).collect(),
        Err(e) => return api_error_page(e.into()),
    };
    let mut chosen: Vec<i64> = chosen.into_iter().filter(|d| known.contains(d)).collect();
    chosen.sort_unstable();
    chosen.dedup();
    let kind = Kind::parse(f.kind.trim());
    let starts_at = parse_local(&f.starts_at);
    if let Err(problems) = check_invitation(&InvitationInput {
        kind,
        title: &f.title,
        place: &f.place,
        starts_at,
        now: st.now(),
        invitees: chosen.len(),
    }) {
        errors.extend(
            problems
                .into_iter()
                .map(|p| (p.field.to_string(), p.message)),
        );
    }
    if f.note.trim().chars().count() > 500 {
        errors.push(("note".into(), "说明不能超过 500 字".into()));
    }
    let (Some(kind), Some(starts_at), true) = (kind, starts_at, errors.is_empty()) else {
        return list(&st, &s, None, f, errors).await;
    };
    match st
        .store
        .invite_deputies(
            &NewInvitation {
                kind,
                title: &f.title,
                place: &f.place,
                starts_at,
                note: &f.note,
                deputies: &chosen,
            },
            &s.org,
            &s.user,
            st.now(),
        )
        .await
    {
        Ok(id) => redirect(&format!("/deputies/invitations/{id}")),
        Err(e) => api_error_page(e.into()),
    }
}

#[derive(Template)]
#[template(path = "deputy_invitation.html")]
struct InvitationPage {
    layout: Layout,
    v: InvitationRow,
    when: String,
    /// (line, state zh, state code, opinion, may mark absent).
    lines: Vec<(InviteeRow, &'static str, &'static str, bool)>,
    /// The user's own line, when they are an invited deputy: (line id, state zh, may answer,
    /// may give an opinion).
    own: Option<(i64, &'static str, bool, bool)>,
    error: Option<(String, String)>,
}

async fn invitation_for(
    st: &AppState,
    s: &Session,
    id: &str,
) -> Result<(InvitationRow, Vec<InviteeRow>, Option<DeputyRow>), ApiError> {
    may_read(s)?;
    let id = parse_id(id, "邀请")?;
    let me = me(st, s).await?;
    let Some(v) = st.store.deputy_invitation(id).await? else {
        return Err(ApiError::not_found("邀请"));
    };
    let lines = st.store.deputy_invitees(v.id).await?;
    let sees = if s.user.role == Role::Deputy {
        me.as_ref()
            .is_some_and(|d| lines.iter().any(|l| l.deputy_id == d.id))
    } else {
        v.region_path.starts_with(&s.org.region_path)
    };
    if !sees {
        return Err(ApiError::not_found("邀请"));
    }
    Ok((v, lines, me))
}

/// Whether the user acts for the inviting organisation (absences).
fn for_org(s: &Session, v: &InvitationRow) -> bool {
    invites_deputies(s.user.role, s.org.kind) && v.org_id == s.org.id
}

async fn invitation(
    st: &AppState,
    s: &Session,
    id: &str,
    error: Option<(String, String)>,
) -> axum::response::Response {
    let (v, lines, me) = match invitation_for(st, s, id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let now = st.now();
    let started = v.starts().is_some_and(|t| t <= now);
    let org = for_org(s, &v);
    let own = me.as_ref().and_then(|d| {
        lines.iter().find(|l| l.deputy_id == d.id).map(|l| {
            let state = l.state();
            let open = matches!(
                state,
                tianping_domain::deputy_invitations::State::Invited
                    | tianping_domain::deputy_invitations::State::Accepted
                    | tianping_domain::deputy_invitations::State::Declined
            );
            (
                l.id,
                state.zh(),
                !started && open,
                started
                    && matches!(
                        state,
                        tianping_domain::deputy_invitations::State::Invited
                            | tianping_domain::deputy_invitations::State::Accepted
                    ),
            )
        })
    });
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let when = local(&v.starts_at);
    let lines = lines
        .into_iter()
        .map(|l| {
            let state = l.state();
            let absent = org
                && started
                && matches!(
                    state,
                    tianping_domain::deputy_invitations::State::Invited
                        | tianping_domain::deputy_invitations::State::Accepted
                );
            (l, state.zh(), state.as_str(), absent)
        })
        .collect();
    let mut res = render(&InvitationPage {
        layout: Layout::new(s, "/deputies/invitations"),
        v,
        when,
        lines,
        own,
        error,
    });
    *res.status_mut() = status;
    res
}

pub(crate) async fn invitation_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> axum::response::Response {
    invitation(&st, &s, &id, None).await
}

#[derive(Deserialize)]
pub(crate) struct ActForm {
    csrf: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    act: String,
    #[serde(default)]
    opinion: String,
}

pub(crate) async fn act_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let (v, lines, me) = match invitation_for(&st, &s, &id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let Some(act) = Act::parse(f.act.trim()) else {
        return invitation(&st, &s, &id, Some(("act".into(), "请选择答复".into()))).await;
    };
    let line = f.line.trim().parse::<i64>().ok();
    let Some(l) = lines.iter().find(|l| Some(l.id) == line) else {
        return api_error_page(ApiError::not_found("受邀代表"));
    };
    // A deputy answers only for themselves; only the inviting organisation records an absence.
    let allowed = if act.by_deputy() {
        s.user.role == Role::Deputy && me.as_ref().is_some_and(|d| d.id == l.deputy_id)
    } else {
        for_org(&s, &v)
    };
    if !allowed {
        return api_error_page(ApiError::forbidden(if act.by_deputy() {
            "答复邀请（仅限受邀代表本人）"
        } else {
            "登记代表未参加（由邀请单位登记）"
        }));
    }
    let starts = v.starts().unwrap_or_else(|| st.now());
    let to = match check_act(l.state(), act, starts, st.now(), &f.opinion) {
        Ok(to) => to,
        Err(r) => {
            let field = if act == Act::Opinion {
                "opinion"
            } else {
                "act"
            };
            return invitation(&st, &s, &id, Some((field.into(), r.zh))).await;
        }
    };
    let opinion = if act == Act::Opinion {
        f.opinion.as_str()
    } else {
        ""
    };
    match st
        .store
        .answer_deputy_invitation(l.id, l.state(), to, opinion, &s.user, st.now())
        .await
    {
        Ok(()) => redirect(&format!("/deputies/invitations/{}", v.id)),
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == Code::Internal {
                return api_error_page(e);
            }
            invitation(&st, &s, &id, Some(("act".into(), e.message))).await
        }
    }
}

/// `GET /api/v1/deputy-invitations`: the invitations the user reads (a deputy: their own), with
/// the counts of their lines.
pub async fn api_list(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    may_read(&s)?;
    let me = me(&st, &s).await?;
    let rows = match (&me, s.user.role) {
        (Some(d), Role::Deputy) => st.store.deputy_invitations("", Some(d.id), 2000).await?,
        (None, Role::Deputy) => vec![],
        _ => {
            st.store
                .deputy_invitations(&s.org.region_path, None, 2000)
                .await?
        }
    };
    let list: Vec<_> = rows
        .iter()
        .map(|v| {
            json!({
                "id": v.id, "org_id": v.org_id, "kind": v.kind, "title": v.title, "place": v.place,
                "starts_at": v.starts_at, "invited": v.invited, "accepted": v.accepted, "attended": v.attended,
            })
        })
        .collect();
    Ok(Json(json!({ "invitations": list })))
}

/// 待办: the deputy's invitations to answer (not begun) and to give an opinion on (begun, accepted).
pub(crate) async fn tasks(
    st: &AppState,
    d: &DeputyRow,
) -> Result<Vec<tianping_domain::todo::Task>, ApiError> {
    use tianping_domain::deputy_invitations::State as S;
    use tianping_domain::todo::{Task, TaskKind};
    let now = st.now();
    let mut out = vec![];
    for v in st.store.deputy_invitations("", Some(d.id), 200).await? {
        let Some(starts) = v.starts() else { continue };
        let lines = st.store.deputy_invitees(v.id).await?;
        let Some(l) = lines.iter().find(|l| l.deputy_id == d.id) else {
            continue;
        };
        let kind = match (l.state(), starts <= now) {
            (S::Invited, false) => TaskKind::AnswerDeputyInvitation,
            (S::Accepted | S::Invited, true) if starts > now - chrono::Duration::days(30) => {
                TaskKind::GiveDeputyOpinion
            }
            _ => continue,
        };
        out.push(Task {
            kind,
            title: format!(
                "{}：{}（{}，{}）",
                v.kind_zh(),
                v.title,
                v.org_name,
                local(&v.starts_at)
            ),
            href: format!("/deputies/invitations/{}", v.id),
            due: (kind == TaskKind::AnswerDeputyInvitation).then_some(starts),
            quick_act: None,
        });
    }
    Ok(out)
}
