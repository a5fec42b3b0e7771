//! People's supervisors (人民监督员, issue 23): the justice bureau's registry (this file), the
//! activities a procuratorate asks them to and the draws that choose them (`activities`), and
//! their opinions with the answers (`opinions`). The domain decides
//! ([`tianping_domain::people_supervisors`], [`tianping_domain::draw`]); this persists, each
//! change through the one write path into the ledger.

mod activities;
mod notices;
mod opinions;
mod records;

pub use activities::*;
pub use opinions::*;
pub use records::*;

use crate::case::prefix_end;
use crate::db::FromRow;
use crate::{Result, Store, audited, ts};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use tianping_ledger::Command;

crate::db::row_struct! {
/// One supervisor's file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SupervisorRow {
    pub id: i64,
    pub org_id: String,
    pub region_path: String,
    pub user_id: Option<i64>,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub id_number: String,
    pub phone: String,
    pub email: Option<String>,
    pub education: String,
    pub profession: String,
    pub expertise: String,
    pub appointed_by: String,
    pub term_no: i64,
    pub term_start: String,
    pub term_end: String,
    pub status: String,
    pub removed_reason: Option<String>,
    pub removed_at: Option<String>,
    pub barred: i64,
    pub created_by: String,
    pub created_at: String,
}
}

impl SupervisorRow {
    pub fn serving(&self) -> bool {
        self.status == "serving"
    }
    /// The expertise tags.
    pub fn tags(&self) -> Vec<&str> {
        self.expertise
            .split(['、', ',', '，', ' '])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect()
    }
}

const COLUMNS: &str = "id, org_id, region_path, user_id, name, gender, birth_date, id_number, phone, email, education, profession, expertise, appointed_by, term_no, term_start, term_end, status, removed_reason, removed_at, barred, created_by, created_at";

/// A supervisor to appoint (checked by the domain first).
pub struct NewSupervisor<'a> {
    pub org_id: &'a str,
    pub region_path: &'a str,
    pub user_id: Option<i64>,
    pub name: &'a str,
    pub gender: &'a str,
    pub birth_date: NaiveDate,
    pub id_number: &'a str,
    pub phone: &'a str,
    pub email: Option<&'a str>,
    pub education: &'a str,
    pub profession: &'a str,
    pub expertise: &'a str,
    pub appointed_by: &'a str,
    pub term_no: u32,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    pub created_by: &'a str,
}

impl Store {
    pub async fn appoint_supervisor(
        &self,
        n: &NewSupervisor<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO people_supervisors (org_id, region_path, user_id, name, gender, birth_date, id_number, phone, email, education, profession, expertise, appointed_by, term_no, term_start, term_end, status, barred, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'serving', 0, $17, $18) RETURNING id",
        )
        .bind(n.org_id)
        .bind(n.region_path)
        .bind(n.user_id)
        .bind(n.name)
        .bind(n.gender)
        .bind(n.birth_date.to_string())
        .bind(n.id_number)
        .bind(n.phone)
        .bind(n.email)
        .bind(n.education)
        .bind(n.profession)
        .bind(n.expertise)
        .bind(n.appointed_by)
        .bind(n.term_no as i64)
        .bind(n.term_start.to_string())
        .bind(n.term_end.to_string())
        .bind(n.created_by)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.record(Command::PeopleSupervisorAppointed, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes a supervisor from office with the reason; `barred` when they may never serve
    /// again (a violation, or 不称职 at the annual assessment).
    pub async fn remove_supervisor(
        &self,
        id: i64,
        reason: &str,
        barred: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE people_supervisors SET status = 'removed', removed_reason = $1, removed_at = $2, barred = $3 \
             WHERE id = $4 AND status = 'serving'",
        )
        .bind(reason)
        .bind(ts(now))
        .bind(barred as i64)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        tx.record(Command::PeopleSupervisorRemoved, id).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn supervisor(&self, id: i64) -> Result<Option<SupervisorRow>> {
        let r = sqlx::query(audited(format!(
            "SELECT {COLUMNS} FROM people_supervisors WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(SupervisorRow::from_row).transpose()
    }

    /// The file of the supervisor who logs in as `user_id`.
    pub async fn supervisor_of_user(&self, user_id: i64) -> Result<Option<SupervisorRow>> {
        let r = sqlx::query(audited(format!(
            "SELECT {COLUMNS} FROM people_supervisors WHERE user_id = $1"
        )))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(SupervisorRow::from_row).transpose()
    }

    /// The files kept within a region (serving first, then by name).
    pub async fn supervisors(&self, region_prefix: &str) -> Result<Vec<SupervisorRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {COLUMNS} FROM people_supervisors WHERE region_path >= $1 AND region_path < $2 \
             ORDER BY status DESC, term_start, id"
        )))
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(SupervisorRow::from_row).collect()
    }

    /// Whether someone with this identity number was removed with a bar, or holds a serving file
    /// already.
    pub async fn supervisor_identity_taken(
        &self,
        id_number: &str,
    ) -> Result<Option<SupervisorRow>> {
        let r = sqlx::query(audited(format!(
            "SELECT {COLUMNS} FROM people_supervisors WHERE id_number = $1 AND (status = 'serving' OR barred = 1) \
             ORDER BY id DESC LIMIT 1"
        )))
        .bind(id_number)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(SupervisorRow::from_row).transpose()
    }
}

/// A supervisor to tell something, as their file reads.
pub(crate) struct Recipient {
    pub(crate) user_id: Option<i64>,
    pub(crate) email: Option<String>,
    pub(crate) phone: String,
    pub(crate) name: String,
}

/// The outbox key of the text message sent with a notice.
pub(crate) fn text_key(notice_key: &str) -> String {
    format!("{notice_key}-sms")
}

/// What to tell them: a task of their 待办 (`task`, named by `what`) or a notice (headed
/// `what`), and the mail's subject for one without a login.
pub(crate) struct Notice<'a> {
    pub(crate) key: String,
    pub(crate) task: Option<tianping_domain::todo::TaskKind>,
    pub(crate) what: &'a str,
    pub(crate) subject: String,
    pub(crate) sentence: String,
    /// The closing line of the mail to one without a login (how to answer).
    pub(crate) reply: &'a str,
    pub(crate) link: String,
}

/// Tells a supervisor through their account at its mail cadence, or by mail to the address in
/// their file when they have no login; and, either way, by a text message to the phone in their
/// file (sent when a gateway is configured; the activity's page shows whether it went, so the
/// bureau knows whom to phone).
pub(crate) async fn notify(
    tx: &mut crate::write::Write,
    to: &Recipient,
    n: &Notice<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    use crate::clocks::tell::{Task, inform, tell, user_person};
    if !to.phone.trim().is_empty() {
        crate::clocks::enqueue_text(
            tx,
            &text_key(&n.key),
            to.phone.trim(),
            &format!("【天平】{}您好：{}", to.name, n.sentence),
            now,
        )
        .await?;
    }
    let person = match to.user_id {
        Some(u) => user_person(tx, u).await?,
        None => None,
    };
    if let Some(p) = person {
        return match n.task {
            Some(kind) => {
                tell(
                    tx,
                    &p,
                    &Task {
                        key: n.key.clone(),
                        kind,
                        what: n.what,
                        sentence: n.sentence.clone(),
                        due: None,
                        link: n.link.clone(),
                    },
                    now,
                )
                .await
            }
            None => inform(tx, &p, &n.key, n.what, &n.sentence, &n.link, now).await,
        };
    }
    if let Some(email) = to.email.as_deref().filter(|e| !e.trim().is_empty()) {
        crate::clocks::enqueue(
            tx,
            &n.key,
            None,
            email,
            &n.subject,
            &format!(
                "{}：\n\n{}\n\n{}—— 天平 执法司法制约监督平台\n",
                to.name,
                n.sentence,
                if n.reply.is_empty() {
                    String::new()
                } else {
                    format!("{}\n\n", n.reply)
                }
            ),
            now,
        )
        .await?;
    }
    Ok(())
}
