//! 待办: every person's home page and `GET /api/v1/me/todo`. What waits for a person is gathered
//! from each capability's records — warnings they were told of, 院庭长 acts on their cases, 四类
//! cases without a 类案检索 report, 量刑偏离预警, moved due dates, supervision items and referrals at
//! a step that is theirs, accounts to grant — and decided by the domain (`tianping_domain::todo`)
//! with the same access rules that allow each act: a task is never offered to someone the act
//! would refuse.

use crate::AppState;
use crate::error::ApiError;
use crate::http::page::{Layout, api_error_page, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tianping_domain::access::{
    self, AccountAct, may_acknowledge_changes, may_acknowledge_warning, may_answer_act,
    may_issue_letters, may_refer, may_sign_letters, rectifies, supervises,
};
use tianping_domain::clock::Category;
use tianping_domain::rules::ClockKey;
use tianping_domain::supervision::{ItemActor, ItemFacts, ItemState};
use tianping_domain::todo::{Task, TaskKind, TodoList, item_sides, item_task, referral_task};
use tianping_domain::{AgencyKind, Role};
use tianping_store::parse_ts;
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new().route("/todo", get(todo_page))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/me/todo", get(api_todo))
}

/// Tasks listed per kind; the rest are counted (a backlog of warnings is worked on the board).
const PER_KIND: usize = 50;

fn at(ts: &Option<String>) -> Option<DateTime<Utc>> {
    ts.as_deref().and_then(|t| parse_ts(t).ok())
}

/// Everything waiting for the session's person.
pub async fn todo_list(st: &AppState, s: &Session) -> Result<TodoList, ApiError> {
    let role = s.user.role;
    let me = s.user.display_name.trim();
    let court = s.org.kind == AgencyKind::Court;
    let mut tasks: Vec<Task> = vec![];
    let mut counts: Vec<(TaskKind, usize)> = vec![];

    // Clock warnings the ladder told this person of: the case's own agency signs them, a
    // supervising body follows them up.
    let (told, n) = st.store.told_warnings(s.user.id, PER_KIND as i64).await?;
    let signs = may_acknowledge_warning(role, s.org.kind, s.org.kind);
    let warn_kind = if signs {
        TaskKind::AcknowledgeWarning
    } else {
        TaskKind::FollowEscalation
    };
    counts.push((warn_kind, n));
    for w in told {
        let clock = ClockKey::parse(&w.clock_key).map_or("法定期限", |k| k.zh());
        // "审限已超期", "羁押期限临近届满"; a 长期未结 clock says it once.
        let category = Category::parse(&w.category)
            .map(|c| c.zh())
            .filter(|c| !clock.contains(c))
            .unwrap_or("");
        let own = AgencyKind::parse(&w.agency_kind)
            .is_some_and(|k| may_acknowledge_warning(role, s.org.kind, k));
        tasks.push(Task {
            kind: warn_kind,
            title: format!("{} {clock}{category}", w.case_number),
            href: format!("/cases/{}#clocks", w.case_id),
            due: at(&w.deadline),
            quick_act: (signs && own).then(|| format!("/warnings/{}/ack", w.warning_id)),
        });
    }

    // 院庭长 acts awaiting the panel's answer: the judge's own cases; a division chief answers
    // those they did not record themselves.
    if court && may_answer_act(role) {
        let rules = st.store.supervision();
        for a in st.store.open_acts(&s.org.id).await? {
            let mine = match role {
                Role::Judge => a.judge.as_deref().map(str::trim) == Some(me),
                _ => a.actor_id != s.user.id,
            };
            if !mine {
                continue;
            }
            let act = rules
                .rules
                .act(&a.act)
                .map_or("监督措施", |r| r.zh.as_str());
            tasks.push(Task {
                kind: TaskKind::AnswerAct,
                title: format!("{} {act}（{}）", a.case_number, crate::view::local(&a.at)),
                href: format!("/cases/{}#acts", a.case_id),
                due: None,
                quick_act: None,
            });
        }
    }

    // 四类案件 of the judge's that need a 类案检索 report and have none.
    if court && role == Role::Judge {
        for f in st.store.flagged_without_report(&s.org.id, me).await? {
            let situations: Vec<&str> = f.situations.iter().map(String::as_str).collect();
            let due = st.library.rules().due(&situations);
            let Some(first) = due.first() else {
                continue;
            };
            tasks.push(Task {
                kind: TaskKind::WriteRetrieval,
                title: format!("{} {}", f.case_number, first.zh),
                href: format!("/cases/{}/similar", f.case_id),
                due: None,
                quick_act: None,
            });
        }
    }

    // 量刑偏离预警 of the court, signed by its case office or president.
    if may_issue_letters(role, s.org.kind) {
        for d in st.store.open_deviations_of_org(&s.org.id).await? {
            tasks.push(Task {
                kind: TaskKind::SignDeviation,
                title: format!("{} {}", d.number, d.body.text()),
                href: format!("/cases/{}#deviation-warnings", d.body.case_id),
                due: None,
                quick_act: None,
            });
        }
    }

    // 督办函 and 警示函 the case office drafted, for a president to sign (签发) or return.
    if may_sign_letters(role, s.org.kind) {
        for d in st.store.drafts_to_sign(&s.org.id).await? {
            tasks.push(Task {
                kind: TaskKind::SignLetter,
                title: format!(
                    "{} {}（{}拟稿，{}）",
                    d.case_number,
                    d.kind_zh(),
                    d.drafted_by,
                    crate::view::local(&d.drafted_at)
                ),
                href: format!("/letters/drafts/{}", d.id),
                due: None,
                quick_act: None,
            });
        }
    }
    // The person's drafts a president returned, to draft again.
    if may_issue_letters(role, s.org.kind) {
        for d in st.store.returned_drafts_of(s.user.id, st.now()).await? {
            tasks.push(Task {
                kind: TaskKind::RedraftLetter,
                title: format!(
                    "{} {}（{}退回）",
                    d.case_number,
                    d.kind_zh(),
                    d.decided_by.as_deref().unwrap_or("院领导")
                ),
                href: format!("/letters/drafts/{}", d.id),
                due: None,
                quick_act: None,
            });
        }
    }

    // Due dates moved by a rule or calendar change, confirmed by the agency's case office.
    if may_acknowledge_changes(role, s.org.kind) {
        let n = st
            .store
            .unconfirmed_clock_changes(&s.org.region_path, s.org.kind)
            .await?;
        if n > 0 {
            counts.push((TaskKind::ConfirmMovedDates, n));
            tasks.push(Task {
                kind: TaskKind::ConfirmMovedDates,
                title: format!("{n} 项期限因规则或节假日调整而变动，请核对后确认"),
                href: "/clock-changes".into(),
                due: None,
                quick_act: None,
            });
        }
    }

    // Supervision items at a step of this person's own unit (`item_sides`): the opening unit
    // assigns, verifies, closes and revisits; the responsible unit signs for, rectifies and
    // submits.
    if supervises(role) || rectifies(role) {
        for (i, judge) in st.store.org_items(&s.org.id).await? {
            let (opener_side, responsible_side) = item_sides(
                role,
                me,
                i.org_id == s.org.id,
                i.responsible_org_id.as_deref() == Some(s.org.id.as_str()),
                judge.as_deref(),
            );
            let facts = ItemFacts {
                state: i.state(),
                rectifier: i.rectifier_id,
                evidence: u32::try_from(i.evidence_count).unwrap_or(0),
                revisited: i.revisited_at.is_some(),
            };
            let actor = ItemActor {
                user_id: s.user.id,
                opener_side,
                responsible_side,
            };
            let revisit_open = i.revisit_due_at.is_some() && i.revisited_at.is_none();
            let Some(kind) = item_task(&facts, &actor, revisit_open) else {
                continue;
            };
            let due = if facts.state == ItemState::Closed {
                at(&i.revisit_due_at)
            } else {
                at(&i.stage_due_at)
            };
            let case = i
                .case_number
                .as_deref()
                .map(|c| format!("（{c}）"))
                .unwrap_or_default();
            tasks.push(Task {
                kind,
                title: format!("{} {}{case}", i.number, i.title),
                href: format!("/supervision/{}", i.id),
                due,
                quick_act: None,
            });
        }
    }

    // Referrals between 人大 and 政法委.
    if may_refer(role, s.org.kind) {
        for r in st.store.referrals_of(&s.org.id).await? {
            let item_closed = match r.item_id {
                Some(id) => st
                    .store
                    .item(id)
                    .await?
                    .is_some_and(|i| i.state() == ItemState::Closed),
                None => false,
            };
            let Some(kind) = referral_task(
                r.state(),
                r.from_org_id == s.org.id,
                r.to_org_id == s.org.id,
                item_closed,
            ) else {
                continue;
            };
            let due = match kind {
                TaskKind::AcknowledgeReferral => at(&Some(r.ack_due_at.clone())),
                TaskKind::DecideReferral => at(&r.decide_due_at),
                _ => None,
            };
            tasks.push(Task {
                kind,
                title: format!("{} {}（{}）", r.number, r.subject, r.from_org_name),
                href: format!("/referrals/{}", r.id),
                due,
                quick_act: None,
            });
        }
    }

    // Accounts opened and waiting for the security administrator's grant (三员分立).
    if access::may_administer(role, AccountAct::Grant, false).is_none() {
        for (u, org) in st.store.users_in(&s.org.region_path).await? {
            if u.granted || u.disabled || u.id == s.user.id {
                continue;
            }
            tasks.push(Task {
                kind: TaskKind::GrantAccount,
                title: format!("{}（{}，{org}）", u.display_name, u.username),
                href: "/admin/users".into(),
                due: None,
                quick_act: None,
            });
        }
    }

    // People's supervisors: draws, invitations, opinions.
    tasks.extend(crate::people_supervisors::tasks(st, s).await?);
    tasks.extend(crate::feedback::tasks(st, s).await?);
    tasks.extend(crate::dishonest::tasks(st, s).await?);
    tasks.extend(crate::typical::tasks(st, s).await?);
    tasks.extend(crate::refusal::tasks(st, s).await?);
    tasks.extend(crate::deputies::tasks(st, s).await?);
    tasks.extend(crate::evaluation::cases::tasks(st, s).await?);
    let (checks, n) = crate::evaluation::self_checks::tasks(st, s, PER_KIND).await?;
    tasks.extend(checks);
    counts.push((TaskKind::SelfCheck, n));
    tasks.extend(crate::proofreading::tasks(st, s).await?);
    let (late, count) = crate::nodes::tasks(st, s).await?;
    tasks.extend(late);
    counts.extend(count);

    Ok(TodoList::build(tasks, &counts, PER_KIND))
}

/// Where the rest of a kind is worked when the list shows only the first ones.
fn more_href(kind: TaskKind) -> Option<&'static str> {
    match kind {
        TaskKind::AcknowledgeWarning | TaskKind::FollowEscalation => Some("/warnings"),
        TaskKind::ConfirmMovedDates => Some("/clock-changes"),
        TaskKind::LateNode => Some("/nodes"),
        TaskKind::SelfCheck => Some("/evaluations/self-checks"),
        TaskKind::AssignItem
        | TaskKind::AcceptItem
        | TaskKind::SubmitItem
        | TaskKind::VerifyItem
        | TaskKind::CloseItem
        | TaskKind::RevisitItem => Some("/supervision"),
        _ => None,
    }
}

struct TaskLine {
    title: String,
    href: String,
    due: String,
    overdue: bool,
    quick_act: Option<String>,
    act_zh: &'static str,
}

struct GroupView {
    kind: &'static str,
    heading: &'static str,
    /// How many (see [`tally`]).
    count: String,
    lines: Vec<TaskLine>,
    /// Tasks of the kind not listed here (none: empty), and where they are.
    more: String,
    more_href: &'static str,
}

/// Whether a kind's count says "more than": one over [`tianping_store::COUNT_CAP`] is how a
/// long list that stopped counting there reports itself.
fn beyond_cap(count: usize) -> bool {
    i64::try_from(count).is_ok_and(|n| n > tianping_store::COUNT_CAP)
}

/// A count as the to-do shows it: `over` counts carry one extra for "more than" ("10000余").
fn tally(n: usize, over: bool) -> String {
    if over {
        format!("{}余", n.saturating_sub(1))
    } else {
        n.to_string()
    }
}

#[derive(Template)]
#[template(path = "todo.html")]
struct TodoPage {
    layout: Layout,
    total: String,
    overdue: usize,
    groups: Vec<GroupView>,
    /// What this role will find here once it has work (for an empty list).
    empty_hint: &'static str,
}

fn empty_hint(role: Role) -> &'static str {
    match role {
        Role::Deputy => "法院交由您协助执行的终本案件会显示在这里；终本库出清进度见“终本库出清”。",
        Role::PeopleSupervisor => "被抽选参加监督活动的邀请、待提出的监督意见会显示在这里。",
        Role::JusticeAdmin => {
            "待抽选的监督活动、待录入随机源的抽选和逾期未答复的监督意见会显示在这里。"
        }
        Role::Sysadmin | Role::Auditor => {
            "账号、节假日和账本核验方面需要您办理的事项会显示在这里。"
        }
        _ => "期限预警、督办事项、院庭长监督和移送等需要您办理的事项会显示在这里。",
    }
}

/// A limit in Beijing time as its reader counts it: a limit ending at midnight is the day before
/// ("2025-07-02", the last day), any other with its hour.
fn due_text(due: Option<DateTime<Utc>>) -> String {
    let Some(d) = due else {
        return "—".into();
    };
    let local = d.with_timezone(&crate::view::beijing());
    if local.format("%H:%M:%S").to_string() == "00:00:00" {
        due_date(d)
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// The last day of a limit (Beijing): the day its last second falls on.
fn due_date(d: DateTime<Utc>) -> String {
    (d - chrono::Duration::seconds(1))
        .with_timezone(&crate::view::beijing())
        .format("%Y-%m-%d")
        .to_string()
}

async fn todo_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let list = match todo_list(&st, &s).await {
        Ok(l) => l,
        Err(e) => return api_error_page(e),
    };
    let now = st.now();
    let groups = list
        .groups
        .iter()
        .map(|g| GroupView {
            kind: g.kind.as_str(),
            heading: g.kind.zh(),
            count: tally(g.count, beyond_cap(g.count)),
            more: match g.count.saturating_sub(g.tasks.len()) {
                0 => String::new(),
                n => tally(n, beyond_cap(g.count)),
            },
            more_href: more_href(g.kind).unwrap_or("/todo"),
            lines: g
                .tasks
                .iter()
                .map(|t| TaskLine {
                    title: t.title.clone(),
                    href: t.href.clone(),
                    due: due_text(t.due),
                    overdue: t.due.is_some_and(|d| d < now),
                    quick_act: t.quick_act.clone(),
                    act_zh: g.kind.act_zh(),
                })
                .collect(),
        })
        .collect();
    render(&TodoPage {
        layout: Layout::new(&s, "/todo"),
        total: {
            let over = list.groups.iter().filter(|g| beyond_cap(g.count)).count();
            tally(
                list.total().saturating_sub(over.saturating_sub(1)),
                over > 0,
            )
        },
        overdue: list.overdue(now),
        groups,
        empty_hint: empty_hint(s.user.role),
    })
}

/// The number of tasks of one kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KindCount {
    /// `acknowledge_warning`, `answer_act`, `accept_item` …
    pub kind: String,
    /// The kind's heading (Chinese).
    pub label: String,
    /// How many; a count of 10001 means more than 10000 (long lists stop counting there).
    pub count: usize,
}

/// One task.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskOut {
    pub kind: String,
    pub label: String,
    pub title: String,
    /// The page where the act is done.
    pub link: String,
    /// When it is due (UTC), if it has a limit.
    pub due_at: Option<String>,
    /// The last day of the limit (Beijing).
    pub due_date: Option<String>,
    pub overdue: bool,
}

/// What waits for the caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TodoOut {
    pub total: usize,
    pub overdue: usize,
    pub counts: Vec<KindCount>,
    /// The listed tasks (at most 50 per kind; `counts` has them all).
    pub items: Vec<TaskOut>,
}

async fn api_todo(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<TodoOut>, ApiError> {
    let list = todo_list(&st, &s).await?;
    let now = st.now();
    Ok(Json(TodoOut {
        total: list.total(),
        overdue: list.overdue(now),
        counts: list
            .groups
            .iter()
            .map(|g| KindCount {
                kind: g.kind.as_str().into(),
                label: g.kind.zh().into(),
                count: g.count,
            })
            .collect(),
        items: list
            .groups
            .iter()
            .flat_map(|g| &g.tasks)
            .map(|t| TaskOut {
                kind: t.kind.as_str().into(),
                label: t.kind.zh().into(),
                title: t.title.clone(),
                link: t.href.clone(),
                due_at: t.due.map(tianping_domain::utc_seconds),
                due_date: t.due.map(due_date),
                overdue: t.due.is_some_and(|d| d < now),
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::{beyond_cap, tally};

    #[test]
    fn a_count_one_over_the_cap_reads_as_more_than_the_cap() {
        let cap = usize::try_from(tianping_store::COUNT_CAP).unwrap_or(0);
        assert!(!beyond_cap(cap));
        assert!(beyond_cap(cap + 1));
        assert_eq!(tally(cap, beyond_cap(cap)), cap.to_string());
        assert_eq!(tally(cap + 1, true), format!("{cap}余"));
        // 50 listed of more than the cap: the rest is more than cap − 50.
        assert_eq!(tally(cap + 1 - 50, true), format!("{}余", cap - 50));
    }
}
