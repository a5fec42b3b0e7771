//! Activities (监督活动): a procuratorate asks for supervisors (kind, time, place, how many, an
//! optional expertise, whether the rule makes the invitation mandatory); the list shows where
//! each stands, and a mandatory activity held without supervisors is flagged. The activity's
//! page carries the draw, the invitations and the opinions.

use super::draws::{DrawView, draw_view};
use super::{Side, activity_for, own_file, path_id, text};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::extract::{check_csrf, csrf_refused};
use crate::http::page::{Layout, api_error_page, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Form, Json};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use tianping_domain::Role;
use tianping_domain::access::{
    invites_people_supervisors, keeps_people_supervisors, reads_supervisor_activities,
};
use tianping_domain::people_supervisors::{Answer, Invitation, rules};
use tianping_store::people_supervisors::DrawRow;
use tianping_store::people_supervisors::{ActivityRow, InvitationRow, NewActivity};
use tianping_store::user::Session;

/// Where an activity stands, in a word for its list.
fn standing(
    a: &ActivityRow,
    draws: &[DrawRow],
    invitations: &[InvitationRow],
    now: DateTime<Utc>,
) -> String {
    let coming = invitations
        .iter()
        .filter(|i| {
            matches!(
                Invitation::parse(&i.state),
                Some(Invitation::Accepted | Invitation::Attended)
            )
        })
        .count() as i64;
    if a.kind == tianping_domain::people_supervisors::OWN_INITIATIVE {
        return "人民监督员主动提出".into();
    }
    let held = held(a, now);
    if let Some(d) = draws.iter().rev().find(|d| d.state != "aborted") {
        if d.state == "awaiting" {
            return "已固定抽选条件，待随机源公布".into();
        }
        if held {
            let came = invitations.iter().filter(|i| i.state == "attended").count();
            return format!("已举行，{came} 名人民监督员到场");
        }
        return format!("已抽选，{coming}/{} 名确认参加", a.required);
    }
    if held {
        return "已举行，未抽选人民监督员".into();
    }
    "待司法局抽选".into()
}

fn held(a: &ActivityRow, now: DateTime<Utc>) -> bool {
    crate::view::parse_utc(&a.starts_at).is_some_and(|t| t <= now)
}

/// A mandatory activity (应当邀请) whose time came with no supervisor attending or coming.
fn flagged(a: &ActivityRow, invitations: &[InvitationRow], now: DateTime<Utc>) -> bool {
    a.mandatory != 0
        && held(a, now)
        && !invitations
            .iter()
            .any(|i| matches!(i.state.as_str(), "attended" | "accepted"))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Line {
    pub id: i64,
    pub title: String,
    /// 活动类别
    pub kind: String,
    /// 应当邀请人民监督员参加
    pub mandatory: bool,
    /// 活动时间（北京时间）
    pub when: String,
    pub place: String,
    pub required: i64,
    /// 进展
    pub standing: String,
    /// 应当邀请而无人民监督员参加
    pub flagged: bool,
    /// For a supervisor: where their own invitation stands.
    pub mine: String,
}

/// `GET /api/v1/supervisor-activities`: the activities the reader may see.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ActivityList {
    pub items: Vec<Line>,
}

/// `POST /api/v1/supervisor-activities`: a procuratorate asks for supervisors.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActivityInput {
    /// 活动类别（配置中的键，如 hearing_non_prosecution）
    pub kind: String,
    pub title: String,
    /// 活动时间（北京时间，YYYY-MM-DDTHH:MM）
    pub starts_at: String,
    pub place: String,
    /// 所需人数（1–9）
    pub required: u32,
    #[serde(default)]
    pub expertise: String,
    #[serde(default)]
    pub case_number: String,
    /// 向人民监督员提供的情况说明
    pub summary: String,
}

pub(crate) async fn api_list(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<ActivityList>, ApiError> {
    Ok(Json(ActivityList {
        items: lines(&st, &s).await?,
    }))
}

pub(crate) async fn api_request(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<crate::view::Created>), ApiError> {
    check_csrf(&headers, &s)?;
    let input: ActivityInput = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(Code::BodyMalformed, format!("请求 JSON 无效：{e}"))
            .with_details(serde_json::json!({ "line": e.line(), "column": e.column() }))
    })?;
    let f = RequestForm {
        csrf: String::new(),
        kind: input.kind,
        title: input.title,
        starts_at: input.starts_at,
        place: input.place,
        required: input.required.to_string(),
        expertise: input.expertise,
        case_number: input.case_number,
        summary: input.summary,
    };
    let id = request(&st, &s, &f).await?;
    Ok((StatusCode::CREATED, Json(crate::view::Created { id })))
}

#[derive(Template)]
#[template(path = "supervisor_activities.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<Line>,
    inviter: bool,
    supervisor: bool,
    kinds: Vec<(String, String, bool)>,
    /// For a supervisor: the procuratorates they may raise an opinion with.
    procuratorates: Vec<(String, String)>,
    f: RequestForm,
    error: String,
    error_field: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    required: String,
    #[serde(default)]
    expertise: String,
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    summary: String,
}

fn kind_zh(kind: &str) -> String {
    rules()
        .activity(kind)
        .map_or_else(|| kind.to_string(), |k| k.zh.clone())
}

async fn lines(st: &AppState, s: &Session) -> Result<Vec<Line>, ApiError> {
    if !reads_supervisor_activities(s.user.role, s.org.kind) && s.user.role != Role::Auditor {
        return Err(ApiError::forbidden("查看人民监督员监督活动"));
    }
    let now = st.now();
    let (rows, me) = if s.user.role == Role::PeopleSupervisor {
        let me = own_file(st, s).await?;
        (st.store.activities_of_supervisor(me.id).await?, Some(me))
    } else if s.user.role == Role::Auditor {
        (st.store.supervisor_activities("", 200).await?, None)
    } else {
        (
            st.store
                .supervisor_activities(&s.org.region_path, 200)
                .await?,
            None,
        )
    };
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let all_draws = st.store.supervisor_draws_of(&ids).await?;
    let all_inv = st.store.supervisor_invitations_of(&ids).await?;
    let mut out = vec![];
    for a in rows {
        let draws: Vec<_> = all_draws
            .iter()
            .filter(|d| d.activity_id == a.id)
            .cloned()
            .collect();
        let inv: Vec<_> = all_inv
            .iter()
            .filter(|i| i.activity_id == a.id)
            .cloned()
            .collect();
        let mine = me
            .as_ref()
            .and_then(|m| inv.iter().rev().find(|i| i.supervisor_id == m.id))
            .and_then(|i| Invitation::parse(&i.state))
            .map_or("", |i| i.zh())
            .to_string();
        out.push(Line {
            id: a.id,
            kind: kind_zh(&a.kind),
            mandatory: a.mandatory != 0,
            when: crate::view::local(&a.starts_at),
            standing: standing(&a, &draws, &inv, now),
            flagged: flagged(&a, &inv, now),
            place: a.place.clone(),
            required: a.required,
            title: a.title,
            mine,
        });
    }
    Ok(out)
}

pub(crate) async fn show(
    st: &AppState,
    s: &Session,
    f: RequestForm,
    error: Option<ApiError>,
) -> Response {
    match lines(st, s).await {
        Ok(lines) => render(&ListPage {
            layout: Layout::new(s, "/supervisor-activities"),
            lines,
            inviter: invites_people_supervisors(s.user.role, s.org.kind),
            supervisor: s.user.role == Role::PeopleSupervisor,
            kinds: rules()
                .activities
                .iter()
                .filter(|a| a.requested)
                .map(|a| (a.key.clone(), a.zh.clone(), a.mandatory))
                .collect(),
            procuratorates: if s.user.role == Role::PeopleSupervisor {
                st.store
                    .orgs_in(&s.org.region_path)
                    .await
                    .map(|o| {
                        o.into_iter()
                            .filter(|o| o.kind == tianping_domain::AgencyKind::Procuratorate)
                            .map(|o| (o.id, o.name))
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                vec![]
            },
            error_field: error
                .as_ref()
                .map(|e| e.field().to_string())
                .unwrap_or_default(),
            error: error.map(|e| e.message).unwrap_or_default(),
            f,
        }),
        Err(e) => api_error_page(e),
    }
}

pub(crate) async fn list_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let f = RequestForm {
        required: "3".into(),
        ..RequestForm::default()
    };
    show(&st, &s, f, None).await
}

async fn request(st: &AppState, s: &Session, f: &RequestForm) -> Result<i64, ApiError> {
    if !invites_people_supervisors(s.user.role, s.org.kind) {
        return Err(ApiError::forbidden("申请人民监督员参加监督活动"));
    }
    let Some(kind) = rules().activity(f.kind.trim()).filter(|k| k.requested) else {
        return Err(ApiError::invalid_field(
            Code::InvalidKind,
            "kind",
            "请选择监督活动类别",
        ));
    };
    let title = text(&f.title, "title", "活动名称", 80)?;
    let starts =
        NaiveDateTime::parse_from_str(f.starts_at.trim(), "%Y-%m-%dT%H:%M").map_err(|_| {
            ApiError::invalid_field(
                Code::InvalidTime,
                "starts_at",
                format!("活动时间“{}”应为 YYYY-MM-DD HH:MM", f.starts_at),
            )
        })?;
    let starts_at = starts
        .and_local_timezone(crate::view::beijing())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| ApiError::invalid_field(Code::InvalidTime, "starts_at", "活动时间无效"))?;
    if starts_at <= st.now() {
        return Err(ApiError::invalid_field(
            Code::DueInPast,
            "starts_at",
            "活动时间应晚于现在，抽选和通知需要时间",
        ));
    }
    let place = text(&f.place, "place", "活动地点", 80)?;
    let required: u32 = match f.required.trim().parse() {
        Ok(n @ 1..=9) => n,
        _ => {
            return Err(ApiError::invalid_field(
                Code::Invalid,
                "required",
                format!("所需人数应为 1 至 9，实为“{}”", f.required),
            ));
        }
    };
    let case_id = match f.case_number.trim() {
        "" => None,
        n => {
            let id = st.store.case_id_by_number(n).await?;
            let readable = match id {
                Some(id) => crate::http::access::readable(st, s, id).await.ok(),
                None => None,
            };
            match readable {
                Some(row) => Some(row.id),
                None => {
                    return Err(ApiError::invalid_field(
                        Code::CaseNotFound,
                        "case_number",
                        format!("案号“{n}”不存在或不在本院权限范围内"),
                    ));
                }
            }
        }
    };
    let summary = text(&f.summary, "summary", "向人民监督员提供的情况说明", 2000)?;
    Ok(st
        .store
        .request_activity(
            &NewActivity {
                org_id: &s.org.id,
                region_path: &s.org.region_path,
                kind: &kind.key,
                mandatory: kind.mandatory,
                title,
                place,
                starts_at,
                case_id,
                summary,
                required,
                expertise: f.expertise.trim(),
                requested_by: &s.user.display_name,
            },
            st.now(),
        )
        .await?)
}

pub(crate) async fn request_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<RequestForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    match request(&st, &s, &f).await {
        Ok(id) => redirect(&format!("/supervisor-activities/{id}")),
        Err(e) if e.status == StatusCode::FORBIDDEN => error_page(e.status, &e.message),
        Err(e) => show(&st, &s, f, Some(e)).await,
    }
}

/// An invitation as its page shows it, with the acts the reader may take on it.
pub(crate) struct InvitationView {
    pub id: i64,
    pub place: i64,
    pub name: String,
    pub state: &'static str,
    pub reason: String,
    pub acted: String,
    pub mine: bool,
    /// How the text message telling them stands (for the bureau, which phones when it did not go).
    pub text: String,
    /// Acts offered to the reader: (act, label, needs a reason).
    pub acts: Vec<(&'static str, &'static str, bool)>,
}

pub(crate) struct OpinionView {
    pub id: i64,
    pub name: String,
    pub content: String,
    pub filed: String,
    pub due: String,
    pub overdue: bool,
    pub warns: bool,
    pub answer: String,
    pub answer_reason: String,
    pub answered: String,
    /// The supervision item raised on it (id, number), when the procuratorate above raised one.
    pub item: Option<(i64, String)>,
    /// The reader may raise it as a supervision item (overdue, procuratorate above).
    pub may_supervise: bool,
}

#[derive(Template)]
#[template(path = "supervisor_activity.html")]
pub(crate) struct ActivityPage {
    pub layout: Layout,
    pub a: ActivityRow,
    pub kind: String,
    pub when: String,
    pub requested: String,
    pub case_number: String,
    pub standing: String,
    pub flagged: bool,
    pub keeper: bool,
    pub inviter: bool,
    pub supervisor: bool,
    pub draws: Vec<DrawView>,
    /// The setup form (keeper, no open draw): the pool with who is out and why.
    pub setup: Option<super::draws::SetupView>,
    pub invitations: Vec<InvitationView>,
    pub opinions: Vec<OpinionView>,
    /// The supervisor may file an opinion now.
    pub may_file: bool,
    pub error: String,
    pub error_field: String,
}

pub(crate) async fn activity_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    match page(&st, &s, &id, None).await {
        Ok(p) => render(&p),
        Err(e) => api_error_page(e),
    }
}

/// The activity's page, with an error from a form posted on it.
pub(crate) async fn page(
    st: &AppState,
    s: &Session,
    id: &str,
    error: Option<ApiError>,
) -> Result<ActivityPage, ApiError> {
    let id = path_id(id, "监督活动")?;
    let (a, side) = activity_for(st, s, id).await?;
    let now = st.now();
    let rows = st.store.supervisor_draws(a.id).await?;
    let mut draws = vec![];
    for d in &rows {
        draws.push(draw_view(st, d).await?);
    }
    let invitations = st.store.supervisor_invitations(a.id).await?;
    let is_held = held(&a, now);
    let me = side.supervisor().map(|m| m.id);
    // Supervisors without a login, whose answers the justice bureau records for them.
    let mut offline = std::collections::BTreeSet::new();
    if side.keeper() {
        for i in &invitations {
            if st
                .store
                .supervisor(i.supervisor_id)
                .await?
                .is_some_and(|r| r.user_id.is_none())
            {
                offline.insert(i.supervisor_id);
            }
        }
    }
    let texts = if side.keeper() {
        st.store
            .invitation_texts(&invitations.iter().map(|i| i.id).collect::<Vec<_>>())
            .await?
    } else {
        Default::default()
    };
    let views = invitations
        .iter()
        .map(|i| {
            let state = Invitation::parse(&i.state);
            let mine = Some(i.supervisor_id) == me;
            let answers = mine || offline.contains(&i.supervisor_id);
            let mut acts = vec![];
            match state {
                Some(Invitation::Invited) if answers => {
                    acts.push(("accept", "确认参加", false));
                    acts.push(("refuse", "不能参加", true));
                }
                Some(Invitation::Accepted) if answers && !is_held => {
                    acts.push(("refuse", "不能参加", true));
                }
                _ => {}
            }
            if side.keeper()
                && matches!(
                    state,
                    Some(Invitation::Invited | Invitation::Accepted | Invitation::Alternate)
                )
                && !is_held
            {
                acts.push(("recuse", "决定回避", true));
            }
            if side.inviter()
                && is_held
                && matches!(state, Some(Invitation::Invited | Invitation::Accepted))
            {
                acts.push(("attend", "到场", false));
                acts.push(("absent", "未到场", false));
            }
            InvitationView {
                id: i.id,
                place: i.place,
                name: i.name.clone(),
                state: state.map_or("—", |x| x.zh()),
                reason: i.reason.clone(),
                acted: match (&i.acted_by, &i.acted_at) {
                    (Some(b), Some(t)) => format!("{b}，{}", crate::view::local(t)),
                    _ => String::new(),
                },
                mine,
                text: match texts.get(&i.id) {
                    None => "—".into(),
                    Some(t) => match (&t.sent_at, &t.last_error) {
                        (Some(at), _) => format!("已发送（{}）", crate::view::local(at)),
                        (None, Some(_)) => {
                            format!("发送失败 {} 次，将自动重试；请电话通知", t.attempts)
                        }
                        (None, None) => "待发送；未送达前请电话通知".into(),
                    },
                },
                acts,
            }
        })
        .collect();
    let opinions_rows = st.store.opinions_of_activity(a.id).await?;
    let items = st
        .store
        .opinion_items(&opinions_rows.iter().map(|o| o.id).collect::<Vec<_>>())
        .await?;
    let raises = matches!(side, Side::Reader)
        && tianping_domain::access::supervises_opinion_answers(s.user.role, s.org.kind);
    let r = rules();
    let opinions = opinions_rows
        .iter()
        .filter(|o| side.supervisor().is_none() || Some(o.supervisor_id) == me)
        .map(|o| {
            let due = crate::view::parse_utc(&o.due_at);
            let open = o.answer.is_none();
            let item = items.get(&o.id).cloned();
            OpinionView {
                may_supervise: raises
                    && due.is_some_and(|d| {
                        tianping_domain::people_supervisors::may_supervise_opinion(
                            !open,
                            d,
                            item.is_some(),
                            now,
                        )
                        .is_ok()
                    }),
                item,
                id: o.id,
                name: o.name.clone(),
                content: o.content.clone(),
                filed: crate::view::local(&o.filed_at),
                due: crate::view::local_date_before(&o.due_at),
                overdue: open && due.is_some_and(|d| d <= now),
                warns: open && due.is_some_and(|d| r.answer_warns(d, now)),
                answer: o
                    .answer
                    .as_deref()
                    .and_then(Answer::parse)
                    .map_or("", |a| a.zh())
                    .to_string(),
                answer_reason: o.answer_reason.clone().unwrap_or_default(),
                answered: match (&o.answered_by, &o.answered_at) {
                    (Some(b), Some(t)) => format!("{b}，{}", crate::view::local(t)),
                    _ => String::new(),
                },
            }
        })
        .collect();
    let may_file = is_held
        && me.is_some_and(|m| {
            invitations.iter().any(|i| {
                i.supervisor_id == m && matches!(i.state.as_str(), "accepted" | "attended")
            })
        });
    let case_number = match (a.case_id, side.inviter()) {
        (Some(cid), true) => crate::http::access::readable(st, s, cid)
            .await
            .map(|r| r.case_number)
            .unwrap_or_default(),
        _ => String::new(),
    };
    let setup = if side.keeper()
        && !rows.iter().any(|d| d.state != "aborted")
        && !is_held
        && keeps_people_supervisors(s.user.role, s.org.kind)
    {
        Some(super::draws::setup_view(st, s, &a).await?)
    } else {
        None
    };
    Ok(ActivityPage {
        layout: Layout::new(s, "/supervisor-activities"),
        kind: kind_zh(&a.kind),
        when: crate::view::local(&a.starts_at),
        requested: crate::view::local(&a.requested_at),
        standing: standing(&a, &rows, &invitations, now),
        flagged: flagged(&a, &invitations, now),
        keeper: side.keeper(),
        inviter: side.inviter(),
        supervisor: matches!(side, Side::Supervisor(_)),
        case_number,
        a,
        draws,
        setup,
        invitations: views,
        opinions,
        may_file,
        error_field: error
            .as_ref()
            .map(|e| e.field().to_string())
            .unwrap_or_default(),
        error: error.map(|e| e.message).unwrap_or_default(),
    })
}

/// Answers a form posted on an activity's page: back to the page on success, the page with the
/// error next to its field otherwise (a refusal of access as its own page).
pub(crate) async fn after(
    st: &AppState,
    s: &Session,
    activity: &str,
    anchor: &str,
    done: Result<(), ApiError>,
) -> Response {
    match done {
        Ok(()) => redirect(&format!("/supervisor-activities/{activity}{anchor}")),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            api_error_page(e)
        }
        Err(e) => match page(st, s, activity, Some(e)).await {
            Ok(p) => render(&p),
            Err(e) => api_error_page(e),
        },
    }
}
