//! Telling people of a new task: when a supervision item's step or a referral becomes a unit's
//! move, the people whose 待办 it now is (`tianping_domain::todo`) are mailed at once — a new task
//! is news, not a backlog for the digest. Each mail is enqueued once per step and person (the
//! outbox's dedupe key), inside the write that made the step.

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

/// The people of `unit` with a mail address who may log in: (id, name, role, email).
async fn unit_people(tx: &mut Write, unit: &str) -> Result<Vec<(i64, String, Role, String)>> {
    let rows = sqlx::query(
        "SELECT id, display_name, role, email FROM users WHERE org_id = $1 AND email IS NOT NULL AND disabled_at IS NULL",
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
        out.push((
            r.try_get("id")?,
            r.try_get("display_name")?,
            role,
            r.try_get("email")?,
        ));
    }
    Ok(out)
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
    for (uid, name, role, email) in unit_people(tx, &unit).await? {
        let (opener_side, responsible_side) = item_sides(
            role,
            &name,
            unit == item.org_id,
            item.responsible_org_id.as_deref() == Some(unit.as_str()),
            handler.as_deref(),
        );
        let actor = ItemActor {
            user_id: uid,
            opener_side,
            responsible_side,
        };
        // A 回访 comes due weeks after 销号: the escalation of overdue stages reminds of it.
        let Some(kind) = item_task(&facts, &actor, false) else {
            continue;
        };
        let what = format!(
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
        crate::clocks::enqueue(
            tx,
            &format!(
                "task:item:{}:{}:{}:{uid}",
                item.id,
                state.as_str(),
                item.stage_started_at
            ),
            Some(uid),
            &email,
            &format!("【待办】{}：{} {}", kind.zh(), item.number, item.title),
            &mail_body(
                &name,
                &what,
                item.stage_due_at.as_deref(),
                &format!("/supervision/{}", item.id),
            ),
            now,
        )
        .await?;
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
    for (uid, name, role, email) in unit_people(tx, &to).await? {
        if !matches!(role, Role::PlcSupervisor | Role::PcSupervisor) {
            continue;
        }
        crate::clocks::enqueue(
            tx,
            &format!("task:referral:{referral_id}:sent:{uid}"),
            Some(uid),
            &email,
            &format!(
                "【待办】{}：{number} {subject}",
                TaskKind::AcknowledgeReferral.zh()
            ),
            &mail_body(
                &name,
                &format!("{from}移送“{subject}”（{number}），等待您所在单位签收。"),
                Some(&due),
                &format!("/referrals/{referral_id}"),
            ),
            now,
        )
        .await?;
    }
    Ok(())
}
