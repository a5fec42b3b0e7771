//! What people do on an activity's page: a drawn supervisor accepts or declines (the next
//! alternate is sent in their place, 补派), the justice bureau decides a recusal, the
//! procuratorate records who came; a supervisor who took part files an opinion, which the
//! procuratorate answers (采纳 / 部分采纳 / 不予采纳 with reasons) by the configured day.

use super::activities::after;
use super::{Side, activity_for, path_id, text};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::csrf_refused;
use crate::http::page::api_error_page;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use tianping_domain::access::supervises_opinion_answers;
use tianping_domain::people_supervisors::{
    Actor, Answer, Invitation, InvitationAct, act_on, rules, sends_alternate,
};
use tianping_store::people_supervisors::OpinionRow;
use tianping_store::user::Session;

#[derive(Deserialize)]
pub(crate) struct ActForm {
    csrf: String,
    #[serde(default)]
    act: String,
    #[serde(default)]
    reason: String,
}

async fn act(st: &AppState, s: &Session, id: i64, f: &ActForm) -> Result<i64, ApiError> {
    let Some(i) = st.store.supervisor_invitation(id).await? else {
        return Err(ApiError::not_found("邀请"));
    };
    let (a, side) = activity_for(st, s, i.activity_id).await?;
    let Some(act) = InvitationAct::parse(f.act.trim()) else {
        return Err(ApiError::new(Code::InvalidAction, "未知的操作"));
    };
    // A supervisor answers for themselves; one without a login answers the justice bureau by
    // phone, and the bureau records it for them.
    let without_login = || async {
        st.store
            .supervisor(i.supervisor_id)
            .await
            .map(|r| r.is_some_and(|r| r.user_id.is_none()))
    };
    let allowed = match act.by() {
        Actor::Supervisor => {
            side.supervisor().is_some_and(|me| me.id == i.supervisor_id)
                || (side.keeper() && without_login().await?)
        }
        Actor::JusticeBureau => side.keeper(),
        Actor::Procuratorate => side.inviter(),
    };
    if !allowed {
        return Err(match act.by() {
            Actor::Supervisor => {
                ApiError::new(Code::NotInvited, "只有被抽中的人民监督员本人可以答复邀请")
            }
            Actor::JusticeBureau => ApiError::forbidden("决定人民监督员回避"),
            Actor::Procuratorate => ApiError::forbidden("登记人民监督员到场情况"),
        });
    }
    let from = Invitation::parse(&i.state)
        .ok_or_else(|| ApiError::internal(format!("invitation state {}", i.state)))?;
    let held = crate::view::parse_utc(&a.starts_at).is_some_and(|t| t <= st.now());
    let to = act_on(from, act, &f.reason, held).map_err(|e| {
        let code = match e {
            tianping_domain::people_supervisors::InvitationError::ReasonMissing(_) => {
                Code::NoteRequired
            }
            _ => Code::WrongState,
        };
        ApiError::invalid_field(code, "reason", e.to_string())
    })?;
    if f.reason.chars().count() > 200 {
        return Err(ApiError::invalid_field(
            Code::Invalid,
            "reason",
            "理由不能超过 200 字",
        ));
    }
    st.store
        .act_on_invitation(
            i.id,
            from.as_str(),
            to.as_str(),
            &f.reason,
            &s.user.display_name,
            sends_alternate(from, to),
            st.now(),
        )
        .await?;
    Ok(a.id)
}

pub(crate) async fn invitation_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let id = match path_id(&id, "邀请") {
        Ok(id) => id,
        Err(e) => return api_error_page(e),
    };
    let Ok(Some(i)) = st.store.supervisor_invitation(id).await else {
        return api_error_page(ApiError::not_found("邀请"));
    };
    let done = act(&st, &s, id, &f).await.map(|_| ());
    after(&st, &s, &i.activity_id.to_string(), "#invitations", done).await
}

#[derive(Deserialize)]
pub(crate) struct OpinionForm {
    csrf: String,
    #[serde(default)]
    content: String,
}

async fn file(st: &AppState, s: &Session, activity: &str, f: &OpinionForm) -> Result<(), ApiError> {
    let id = path_id(activity, "监督活动")?;
    let (a, side) = activity_for(st, s, id).await?;
    let Side::Supervisor(me) = side else {
        return Err(ApiError::forbidden("提出人民监督员监督意见"));
    };
    let took_part = st
        .store
        .supervisor_invitations(a.id)
        .await?
        .iter()
        .any(|i| i.supervisor_id == me.id && matches!(i.state.as_str(), "accepted" | "attended"));
    if !took_part {
        return Err(ApiError::new(
            Code::NotInvited,
            "确认参加或已参加活动的人民监督员才能提出监督意见",
        ));
    }
    if crate::view::parse_utc(&a.starts_at).is_none_or(|t| t > st.now()) {
        return Err(ApiError::invalid_field(
            Code::WrongState,
            "content",
            "活动开始后才能提出监督意见",
        ));
    }
    let content = text(&f.content, "content", "监督意见", 4000)?;
    let now = st.now();
    st.store
        .file_supervisor_opinion(a.id, me.id, content, rules().answer_due(now), now)
        .await?;
    Ok(())
}

pub(crate) async fn opinion_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<OpinionForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let done = file(&st, &s, &id, &f).await;
    after(&st, &s, &id, "#opinions", done).await
}

#[derive(Deserialize)]
pub(crate) struct AnswerForm {
    csrf: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    reason: String,
}

async fn answer(st: &AppState, s: &Session, id: i64, f: &AnswerForm) -> Result<(), ApiError> {
    let Some(o) = st.store.supervisor_opinion(id).await? else {
        return Err(ApiError::not_found("监督意见"));
    };
    let (_, side) = activity_for(st, s, o.activity_id).await?;
    if !side.inviter() {
        return Err(ApiError::forbidden("答复人民监督员监督意见"));
    }
    if o.answer.is_some() {
        return Err(ApiError::new(Code::AlreadyAnswered, "该意见已经答复"));
    }
    let Some(ans) = Answer::parse(f.answer.trim()) else {
        return Err(ApiError::invalid_field(
            Code::InvalidOutcome,
            "answer",
            "请选择采纳、部分采纳或不予采纳",
        ));
    };
    let reason = f.reason.trim();
    if ans.needs_reason() && reason.is_empty() {
        return Err(ApiError::invalid_field(
            Code::NoteRequired,
            "reason",
            format!("{}的，应当说明理由", ans.zh()),
        ));
    }
    if reason.chars().count() > 2000 {
        return Err(ApiError::invalid_field(
            Code::Invalid,
            "reason",
            "说明不能超过 2000 字",
        ));
    }
    st.store
        .answer_supervisor_opinion(o.id, ans.as_str(), reason, &s.user.display_name, st.now())
        .await?;
    Ok(())
}

/// The opinion a form was posted for, or the page saying there is none.
async fn posted_opinion(st: &AppState, id: &str) -> Result<OpinionRow, Response> {
    let id = path_id(id, "监督意见").map_err(api_error_page)?;
    match st.store.supervisor_opinion(id).await {
        Ok(Some(o)) => Ok(o),
        _ => Err(api_error_page(ApiError::not_found("监督意见"))),
    }
}

pub(crate) async fn answer_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let o = match posted_opinion(&st, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let done = answer(&st, &s, o.id, &f).await;
    after(&st, &s, &o.activity_id.to_string(), "#opinions", done).await
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

/// The procuratorate above raises an opinion left unanswered past its due day as a
/// supervision item, with the procuratorate that asked responsible for answering it.
async fn supervise(st: &AppState, s: &Session, id: i64) -> Result<i64, ApiError> {
    let Some(o) = st.store.supervisor_opinion(id).await? else {
        return Err(ApiError::not_found("监督意见"));
    };
    let (_, side) = activity_for(st, s, o.activity_id).await?;
    if !matches!(side, Side::Reader) || !supervises_opinion_answers(s.user.role, s.org.kind) {
        return Err(ApiError::forbidden("就人民监督员意见立督办事项"));
    }
    Ok(st
        .store
        .supervise_opinion(o.id, &s.user, &s.org, st.now())
        .await?)
}

pub(crate) async fn supervise_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let o = match posted_opinion(&st, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    match supervise(&st, &s, o.id).await {
        Ok(item) => crate::http::page::redirect(&format!("/supervision/{item}")),
        Err(e) => after(&st, &s, &o.activity_id.to_string(), "#opinions", Err(e)).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct OwnForm {
    csrf: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    content: String,
}

/// A supervisor raises an opinion on their own initiative (2019 规定 art. 17) with a
/// procuratorate of their region; it is answered like any other.
async fn raise(st: &AppState, s: &Session, f: &OwnForm) -> Result<i64, ApiError> {
    let me = super::own_file(st, s).await?;
    if !me.serving() {
        return Err(ApiError::new(
            Code::WrongState,
            "已被免职的人民监督员不能提出监督意见",
        ));
    }
    let org = match st.store.org(f.org_id.trim()).await? {
        Some(o)
            if o.kind == tianping_domain::AgencyKind::Procuratorate
                && o.region_path.starts_with(&s.org.region_path) =>
        {
            o
        }
        _ => {
            return Err(ApiError::invalid_field(
                Code::InvalidOrg,
                "org_id",
                "请选择本辖区的人民检察院",
            ));
        }
    };
    let title = text(&f.title, "title", "监督事项", 80)?;
    let content = text(&f.content, "content", "监督意见", 4000)?;
    let now = st.now();
    Ok(st
        .store
        .raise_supervisor_opinion(
            &tianping_store::people_supervisors::NewActivity {
                org_id: &org.id,
                region_path: &org.region_path,
                kind: tianping_domain::people_supervisors::OWN_INITIATIVE,
                mandatory: false,
                title,
                place: "—",
                starts_at: now,
                case_id: None,
                summary: "人民监督员主动提出的监督意见。",
                required: 0,
                expertise: "",
                requested_by: &me.name,
            },
            me.id,
            content,
            rules().answer_due(now),
            now,
        )
        .await?)
}

pub(crate) async fn own_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<OwnForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    match raise(&st, &s, &f).await {
        Ok(id) => crate::http::page::redirect(&format!("/supervisor-activities/{id}#opinions")),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => api_error_page(e),
        Err(e) => super::activities::show(&st, &s, Default::default(), Some(e)).await,
    }
}
