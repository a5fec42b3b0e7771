//! Telling people of a new task: when a supervision item's step or a referral becomes a unit's
//! move, or a 院庭长 act waits for the judge's answer, the people whose 待办 it now is
//! (`tianping_domain::todo`) are told at their mail cadence — at once for "immediately", else in
//! their next daily or weekly digest (`task_notices`, listed above the clock warnings). Each task
//! is told once per step and person (a dedupe key), inside the write that made the step.

use super::items::{ITEM_SELECT, ItemRow};
use crate::db::FromRow;
use crate::write::Write;
use crate::{Result, parse_ts};
use chrono::{DateTime, Utc};
use sqlx::Row;
use tianping_domain::Role;
use tianping_domain::clock::local_date;
use tianping_domain::supervision::{ItemActor, ItemFacts};
use tianping_domain::todo::{TaskKind, item_sides, item_task, waits_for_opener};

/// Someone to tell of a task.
struct Person {
    id: i64,
    name: String,
    role: Role,
    email: String,
    /// `immediately`, `daily` or `weekly`.
    cadence: String,
}

/// The people of `unit` with a mail address who may log in.
async fn unit_people(tx: &mut Write, unit: &str) -> Result<Vec<Person>> {
    let rows = sqlx::query(
        "SELECT id, display_name, role, email, digest_cadence FROM users WHERE org_id = $1 AND email IS NOT NULL AND disabled_at IS NULL",
    )
    .bind(unit)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = vec![];
    for r in rows {
        let role: String = r.try_get("role")?;
        let Some(role) = Role::parse(&role) else {
            continue;
        };
        out.push(Person {
            id: r.try_get("id")?,
            name: r.try_get("display_name")?,
            role,
            email: r.try_get("email")?,
            cadence: r.try_get("digest_cadence")?,
        });
    }
    Ok(out)
}

/// A task to tell someone of.
struct Task<'a> {
    /// Unique per task step and person.
    key: String,
    kind: TaskKind,
    /// The record's number and title, for the subject and the digest line.
    what: &'a str,
    /// The sentence of the mail saying what waits.
    sentence: String,
    due: Option<&'a str>,
    link: String,
}

/// Tells `p` of `task` at their cadence: a mail now, or a line of their next digest.
async fn tell(tx: &mut Write, p: &Person, task: &Task<'_>, now: DateTime<Utc>) -> Result<()> {
    if p.cadence == "immediately" {
        return crate::clocks::enqueue(
            tx,
            &task.key,
            Some(p.id),
            &p.email,
            &format!("【待办】{}：{}", task.kind.zh(), task.what),
            &mail_body(&p.name, &task.sentence, task.due, &task.link),
            now,
        )
        .await;
    }
    let due = task
        .due
        .and_then(|d| parse_ts(d).ok())
        .map(|d| format!("｜办理期限 {}", local_date(d)))
        .unwrap_or_default();
    sqlx::query(
        "INSERT INTO task_notices (user_id, dedupe_key, line, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(p.id)
    .bind(&task.key)
    .bind(format!(
        "{}：{}{due}｜{}",
        task.kind.zh(),
        task.what,
        task.link
    ))
    .bind(crate::ts(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn mail_body(name: &str, what: &str, due: Option<&str>, link: &str) -> String {
    let due = due
        .and_then(|d| parse_ts(d).ok())
        .map(|d| format!("办理期限：{}。\n", local_date(d)))
        .unwrap_or_default();
    format!(
        "{name}：\n\n{what}\n{due}\n请登录天平系统，在“待办”中办理（{link}）。\n\n—— 天平 执法司法制约监督平台\n"
    )
}

/// Mails the people whose move the item's current step is.
pub(crate) async fn mail_item_task(tx: &mut Write, item_id: i64, now: DateTime<Utc>) -> Result<()> {
    let Some(item) = sqlx::query(crate::audited(format!("{ITEM_SELECT} WHERE i.id = $1")))
        .bind(item_id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(ItemRow::from_row)
        .transpose()?
    else {
        return Ok(());
    };
    let state = item.state();
    let unit = if waits_for_opener(state) {
        item.org_id.clone()
    } else {
        match &item.responsible_org_id {
            Some(u) => u.clone(),
            None => return Ok(()),
        }
    };
    let handler: Option<String> = match item.case_id {
        Some(id) => sqlx::query("SELECT judge FROM cases WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get::<Option<String>, _>("judge"))
            .transpose()?
            .flatten(),
        None => None,
    };
    let facts = ItemFacts {
        state,
        rectifier: item.rectifier_id,
        evidence: u32::try_from(item.evidence_count).unwrap_or(0),
        revisited: item.revisited_at.is_some(),
    };
    for p in unit_people(tx, &unit).await? {
        let (opener_side, responsible_side) = item_sides(
            p.role,
            &p.name,
            unit == item.org_id,
            item.responsible_org_id.as_deref() == Some(unit.as_str()),
            handler.as_deref(),
        );
        let actor = ItemActor {
            user_id: p.id,
            opener_side,
            responsible_side,
        };
        // A 回访 comes due weeks after 销号: the escalation of overdue stages reminds of it.
        let Some(kind) = item_task(&facts, &actor, false) else {
            continue;
        };
        let sentence = format!(
            "{}交来的督办事项 {}（{}）{}，等待您所在单位“{}”。",
            item.org_name,
            item.number,
            item.title,
            if kind == TaskKind::AssignItem {
                "已立项".to_string()
            } else {
                format!("现为“{}”", state.zh())
            },
            kind.act_zh()
        );
        let what = format!("{} {}", item.number, item.title);
        let task = Task {
            key: format!(
                "task:item:{}:{}:{}:{}",
                item.id,
                state.as_str(),
                item.stage_started_at,
                p.id
            ),
            kind,
            what: &what,
            sentence,
            due: item.stage_due_at.as_deref(),
            link: format!("/supervision/{}", item.id),
        };
        tell(tx, &p, &task, now).await?;
    }
    Ok(())
}

/// Mails the receiving body's supervisors of a referral just sent to them.
pub(crate) async fn mail_referral_sent(
    tx: &mut Write,
    referral_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(r) = sqlx::query(
        "SELECT r.number, r.subject, r.to_org_id, r.ack_due_at, f.name AS from_name FROM referrals r \
         JOIN orgs f ON f.id = r.from_org_id WHERE r.id = $1",
    )
    .bind(referral_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(());
    };
    let number: String = r.try_get("number")?;
    let subject: String = r.try_get("subject")?;
    let to: String = r.try_get("to_org_id")?;
    let due: String = r.try_get("ack_due_at")?;
    let from: String = r.try_get("from_name")?;
    let what = format!("{number} {subject}");
    for p in unit_people(tx, &to).await? {
        if !matches!(p.role, Role::PlcSupervisor | Role::PcSupervisor) {
            continue;
        }
        let task = Task {
            key: format!("task:referral:{referral_id}:sent:{}", p.id),
            kind: TaskKind::AcknowledgeReferral,
            what: &what,
            sentence: format!("{from}移送“{subject}”（{number}），等待您所在单位签收。"),
            due: Some(&due),
            link: format!("/referrals/{referral_id}"),
        };
        tell(tx, &p, &task, now).await?;
    }
    Ok(())
}

/// Tells the case's judge that a 院庭长 supervision act (`act_zh`) waits for their answer. The
/// judge is found by name in the case's court, as the 待办 finds them; the act's content is not
/// repeated in the mail.
pub(crate) async fn mail_act_task(
    tx: &mut Write,
    act_id: i64,
    act_zh: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(r) = sqlx::query(
        "SELECT a.case_id, k.case_number, k.judge, k.org_id, u.display_name AS actor FROM supervision_acts a \
         JOIN cases k ON k.id = a.case_id JOIN users u ON u.id = a.actor_id WHERE a.id = $1",
    )
    .bind(act_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(());
    };
    let Some(judge) = r.try_get::<Option<String>, _>("judge")? else {
        return Ok(());
    };
    let case_id: i64 = r.try_get("case_id")?;
    let number: String = r.try_get("case_number")?;
    let org: String = r.try_get("org_id")?;
    let actor: String = r.try_get("actor")?;
    let what = format!("{number} {act_zh}");
    for p in unit_people(tx, &org).await? {
        if p.role != Role::Judge || p.name.trim() != judge.trim() {
            continue;
        }
        let task = Task {
            key: format!("task:act:{act_id}:{}", p.id),
            kind: TaskKind::AnswerAct,
            what: &what,
            sentence: format!("{actor}对您承办的案件 {number} 作出“{act_zh}”，等待您答复。"),
            due: None,
            link: format!("/cases/{case_id}#acts"),
        };
        tell(tx, &p, &task, now).await?;
    }
    Ok(())
}
