//! Telling people of a new task: when a supervision item's step or a referral becomes a unit's
//! move, or a 院庭长 act waits for the judge's answer, the people whose 待办 it now is
//! (`tianping_domain::todo`) are told at their mail cadence — at once for "immediately", else in
//! their next daily or weekly digest (`task_notices`, listed above the clock warnings). Each task
//! is told once per step and person (a dedupe key), inside the write that made the step.

use super::items::{ITEM_SELECT, ItemRow};
use crate::Result;
use crate::clocks::tell::{Task, inform, tell, unit_people};
use crate::db::FromRow;
use crate::write::Write;
use chrono::{DateTime, Utc};
use sqlx::Row;
use tianping_domain::Role;
use tianping_domain::supervision::{ItemActor, ItemFacts};
use tianping_domain::todo::{TaskKind, item_sides, item_task, waits_for_opener};

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

/// Tells the sending body's supervisors what became of a referral they sent: accepted (and made
/// a supervision item) or declined, with the receiver's reasons on the page; and, when the
/// result is shared, that it waits for them to accept it (a task).
pub(crate) async fn mail_referral_step(
    tx: &mut Write,
    referral_id: i64,
    state: tianping_domain::supervision::ReferralState,
    now: DateTime<Utc>,
) -> Result<()> {
    use tianping_domain::supervision::ReferralState;
    let Some(r) = sqlx::query(
        "SELECT r.number, r.subject, r.from_org_id, t.name AS to_name FROM referrals r \
         JOIN orgs t ON t.id = r.to_org_id WHERE r.id = $1",
    )
    .bind(referral_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(());
    };
    let number: String = r.try_get("number")?;
    let subject: String = r.try_get("subject")?;
    let from: String = r.try_get("from_org_id")?;
    let to: String = r.try_get("to_name")?;
    let what = format!("{number} {subject}");
    let link = format!("/referrals/{referral_id}");
    for p in unit_people(tx, &from).await? {
        if !matches!(p.role, Role::PlcSupervisor | Role::PcSupervisor) {
            continue;
        }
        let key = format!("task:referral:{referral_id}:{}:{}", state.as_str(), p.id);
        match state {
            ReferralState::Accepted | ReferralState::Declined => {
                let done = if state == ReferralState::Accepted {
                    "已受理，并立为督办事项"
                } else {
                    "决定不予受理，理由见移送页面"
                };
                let sentence = format!("您单位移送的“{subject}”（{number}），{to}{done}。");
                inform(tx, &p, &key, &what, &sentence, &link, now).await?;
            }
            ReferralState::ResultShared => {
                let task = Task {
                    key,
                    kind: TaskKind::AcceptReferralResult,
                    what: &what,
                    sentence: format!(
                        "{to}反馈了您单位移送的“{subject}”（{number}）的办理结果，等待您单位采信。"
                    ),
                    due: None,
                    link: link.clone(),
                };
                tell(tx, &p, &task, now).await?;
            }
            _ => {}
        }
    }
    Ok(())
}
