//! Telling people of a new task in their 待办, at their mail cadence — at once for
//! "immediately", else in their next daily or weekly digest (`task_notices`, listed above the
//! clock warnings). Each task is told once per step and person (a dedupe key), inside the write
//! that made the step. The supervision loop's tasks use this (`supervision::tasks`), and so do
//! letters waiting for a president's signature.

use crate::write::Write;
use crate::{Result, parse_ts};
use chrono::{DateTime, Utc};
use sqlx::Row;
use tianping_domain::Role;
use tianping_domain::clock::local_date;
use tianping_domain::todo::TaskKind;

/// Someone to tell of a task.
pub(crate) struct Person {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) role: Role,
    email: String,
    /// `immediately`, `daily` or `weekly`.
    cadence: String,
}

/// The people of `unit` with a mail address who may log in.
pub(crate) async fn unit_people(tx: &mut Write, unit: &str) -> Result<Vec<Person>> {
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

/// One person by their account, when they have a mail address and may log in.
pub(crate) async fn user_person(tx: &mut Write, user_id: i64) -> Result<Option<Person>> {
    let r = sqlx::query(
        "SELECT id, display_name, role, email, digest_cadence FROM users WHERE id = $1 AND email IS NOT NULL AND disabled_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let role: String = r.try_get("role")?;
    let Some(role) = Role::parse(&role) else {
        return Ok(None);
    };
    Ok(Some(Person {
        id: r.try_get("id")?,
        name: r.try_get("display_name")?,
        role,
        email: r.try_get("email")?,
        cadence: r.try_get("digest_cadence")?,
    }))
}

/// A task to tell someone of.
pub(crate) struct Task<'a> {
    /// Unique per task step and person.
    pub(crate) key: String,
    pub(crate) kind: TaskKind,
    /// The record's number and title, for the subject and the digest line.
    pub(crate) what: &'a str,
    /// The sentence of the mail saying what waits.
    pub(crate) sentence: String,
    pub(crate) due: Option<&'a str>,
    pub(crate) link: String,
}

/// Tells `p` of `task` at their cadence: a mail now, or a line of their next digest.
pub(crate) async fn tell(
    tx: &mut Write,
    p: &Person,
    task: &Task<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
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

/// Tells `p` of something done that is not a task of theirs (a decision on what they sent), at
/// their cadence: a mail now, or a line of their next digest. `key` is unique per event and
/// person.
pub(crate) async fn inform(
    tx: &mut Write,
    p: &Person,
    key: &str,
    what: &str,
    sentence: &str,
    link: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    if p.cadence == "immediately" {
        return crate::clocks::enqueue(
            tx,
            key,
            Some(p.id),
            &p.email,
            &format!("【通知】{what}"),
            &format!(
                "{}：\n\n{sentence}\n\n详情请登录天平系统查看（{link}）。\n\n—— 天平 执法司法制约监督平台\n",
                p.name
            ),
            now,
        )
        .await;
    }
    sqlx::query(
        "INSERT INTO task_notices (user_id, dedupe_key, line, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(p.id)
    .bind(key)
    .bind(format!("通知：{sentence}｜{link}"))
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

/// A draft's case, kind and people, for the mails about it.
struct DraftFacts {
    kind_zh: &'static str,
    org: String,
    drafter_id: i64,
    drafter: String,
    decider: Option<String>,
    case_number: String,
}

async fn draft_facts(tx: &mut Write, draft_id: i64) -> Result<Option<DraftFacts>> {
    let Some(r) = sqlx::query(
        "SELECT d.kind, d.org_id, d.drafted_by, k.case_number, u.display_name AS drafter, v.display_name AS decider \
         FROM letter_drafts d JOIN cases k ON k.id = d.case_id JOIN users u ON u.id = d.drafted_by \
         LEFT JOIN users v ON v.id = d.decided_by WHERE d.id = $1",
    )
    .bind(draft_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let kind: String = r.try_get("kind")?;
    Ok(Some(DraftFacts {
        kind_zh: super::LETTER_KINDS
            .iter()
            .find(|k| k.0 == kind)
            .map_or("函件", |k| k.1),
        org: r.try_get("org_id")?,
        drafter_id: r.try_get("drafted_by")?,
        drafter: r.try_get("drafter")?,
        decider: r.try_get("decider")?,
        case_number: r.try_get("case_number")?,
    }))
}

/// Tells the court's presidents that a letter waits for their signature (签发).
pub(crate) async fn mail_letter_to_sign(
    tx: &mut Write,
    draft_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(DraftFacts {
        kind_zh,
        org,
        drafter,
        case_number: number,
        ..
    }) = draft_facts(tx, draft_id).await?
    else {
        return Ok(());
    };
    let what = format!("{number} {kind_zh}");
    for p in unit_people(tx, &org).await? {
        if p.role != Role::President {
            continue;
        }
        let task = Task {
            key: format!("task:letter:{draft_id}:sign:{}", p.id),
            kind: TaskKind::SignLetter,
            what: &what,
            sentence: format!("{drafter}拟制的关于 {number} 的{kind_zh}送您签发。"),
            due: None,
            link: format!("/letters/drafts/{draft_id}"),
        };
        tell(tx, &p, &task, now).await?;
    }
    Ok(())
}

/// Tells the drafter that their draft was returned, and why.
pub(crate) async fn mail_letter_returned(
    tx: &mut Write,
    draft_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(DraftFacts {
        kind_zh,
        org,
        drafter_id,
        decider,
        case_number: number,
        ..
    }) = draft_facts(tx, draft_id).await?
    else {
        return Ok(());
    };
    let what = format!("{number} {kind_zh}");
    for p in unit_people(tx, &org).await? {
        if p.id != drafter_id {
            continue;
        }
        let task = Task {
            key: format!("task:letter:{draft_id}:returned:{}", p.id),
            kind: TaskKind::RedraftLetter,
            what: &what,
            // The note may name a party: it is read in the system, not in the mail.
            sentence: format!(
                "您拟制的关于 {number} 的{kind_zh}被{}退回，退回意见请登录查看。",
                decider.as_deref().unwrap_or("院领导"),
            ),
            due: None,
            link: format!("/letters/drafts/{draft_id}"),
        };
        tell(tx, &p, &task, now).await?;
    }
    Ok(())
}
