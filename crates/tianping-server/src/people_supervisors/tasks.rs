//! What people's supervisors' work puts in each person's 待办: for the justice bureau, activities
//! waiting for a draw and draws waiting for their sources' values, and opinions left unanswered
//! past their day (to follow up); for a supervisor, invitations to answer and activities they
//! took part in without an opinion yet; for the procuratorate, opinions to answer by their day,
//! and for the one above, opinions its districts left unanswered past their day.

use crate::AppState;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use tianping_domain::Role;
use tianping_domain::access::{
    invites_people_supervisors, keeps_people_supervisors, supervises_opinion_answers,
};
use tianping_domain::todo::{Task, TaskKind};
use tianping_store::user::Session;

fn at(ts: &str) -> Option<DateTime<Utc>> {
    crate::view::parse_utc(ts)
}

pub(crate) async fn tasks(st: &AppState, s: &Session) -> Result<Vec<Task>, ApiError> {
    let (role, kind) = (s.user.role, s.org.kind);
    let now = st.now();
    let mut out = vec![];
    if keeps_people_supervisors(role, kind) {
        for (a, draw) in st.store.activities_ahead(&s.org.region_path, now).await? {
            let title = match draw.as_deref() {
                Some("awaiting") => format!("{}：待录入随机源", a.title),
                None => format!("{}（需 {} 人）", a.title, a.required),
                _ => continue,
            };
            out.push(Task {
                kind: TaskKind::DrawSupervisors,
                title,
                href: format!("/supervisor-activities/{}#draws", a.id),
                due: at(&a.starts_at),
                quick_act: None,
            });
        }
        let r = tianping_domain::people_supervisors::rules();
        for (id, name, n) in st
            .store
            .admonished(&s.org.region_path, r.selection.admonitions_to_removal)
            .await?
        {
            out.push(Task {
                kind: TaskKind::DecideRemoval,
                title: format!("{name}：本届任期内已诫勉 {n} 次"),
                href: format!("/supervisors/{id}#records"),
                due: None,
                quick_act: None,
            });
        }
        for o in st.store.unanswered_opinions_in(&s.org.region_path).await? {
            let due = at(&o.due_at);
            if due.is_some_and(|d| d <= now) {
                out.push(Task {
                    kind: TaskKind::FollowEscalation,
                    title: format!("人民监督员{}对“{}”的意见逾期未答复", o.name, o.title),
                    href: format!("/supervisor-activities/{}#opinions", o.activity_id),
                    due,
                    quick_act: None,
                });
            }
        }
    }
    if role == Role::PeopleSupervisor
        && let Some(me) = st.store.supervisor_of_user(s.user.id).await?
    {
        let opinions = st.store.opinions_of_supervisor(me.id).await?;
        let activities = st.store.activities_of_supervisor(me.id).await?;
        for i in st.store.invitations_of_supervisor(me.id).await? {
            let Some(a) = activities.iter().find(|a| a.id == i.activity_id) else {
                continue;
            };
            let starts = at(&a.starts_at);
            match i.state.as_str() {
                "invited" => out.push(Task {
                    kind: TaskKind::AnswerInvitation,
                    title: format!(
                        "{}（{}，{}）",
                        a.title,
                        crate::view::local(&a.starts_at),
                        a.place
                    ),
                    href: format!("/supervisor-activities/{}#invitations", a.id),
                    due: starts,
                    quick_act: None,
                }),
                // An opinion is asked for while the activity is fresh (a month).
                "attended" | "accepted"
                    if starts.is_some_and(|t| t <= now && t > now - chrono::Duration::days(30))
                        && !opinions.iter().any(|o| o.activity_id == a.id) =>
                {
                    out.push(Task {
                        kind: TaskKind::FileOpinion,
                        title: a.title.clone(),
                        href: format!("/supervisor-activities/{}#opinions", a.id),
                        due: None,
                        quick_act: None,
                    })
                }
                _ => {}
            }
        }
    }
    // The procuratorate above: opinions its districts left unanswered past their day, not yet
    // raised as a supervision item.
    if supervises_opinion_answers(role, kind) {
        let overdue: Vec<_> = st
            .store
            .unanswered_opinions_in(&s.org.region_path)
            .await?
            .into_iter()
            .filter(|o| o.org_id != s.org.id && at(&o.due_at).is_some_and(|d| d <= now))
            .collect();
        let raised = st
            .store
            .opinion_items(&overdue.iter().map(|o| o.id).collect::<Vec<_>>())
            .await?;
        for o in overdue.iter().filter(|o| !raised.contains_key(&o.id)) {
            out.push(Task {
                kind: TaskKind::FollowEscalation,
                title: format!("下级院未按期答复人民监督员{}对“{}”的意见", o.name, o.title),
                href: format!("/supervisor-activities/{}#opinion-{}", o.activity_id, o.id),
                due: at(&o.due_at),
                quick_act: None,
            });
        }
    }
    if invites_people_supervisors(role, kind) {
        for o in st.store.unanswered_opinions(&s.org.id).await? {
            out.push(Task {
                kind: TaskKind::AnswerOpinion,
                title: format!("{}：人民监督员{}的意见", o.title, o.name),
                href: format!("/supervisor-activities/{}#opinion-{}", o.activity_id, o.id),
                due: at(&o.due_at),
                quick_act: None,
            });
        }
    }
    Ok(out)
}
