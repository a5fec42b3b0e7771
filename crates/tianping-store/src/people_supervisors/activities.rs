//! Activities a procuratorate asks people's supervisors to, the draws that choose them, and each
//! drawn person's invitation (accepted, refused, recused, attended; the next alternate sent in
//! the place of one who drops out, 补派). Each drawn person is told by mail.

use crate::case::prefix_end;
use crate::db::FromRow;
use crate::write::Write;
use crate::{Result, Store, StoreError, audited, ts};
use chrono::{DateTime, Utc};
use sqlx::Row;
use tianping_domain::todo::TaskKind;
use tianping_ledger::Command;

crate::db::row_struct! {
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActivityRow {
    pub id: i64,
    pub org_id: String,
    pub region_path: String,
    pub kind: String,
    pub mandatory: i64,
    pub title: String,
    pub place: String,
    pub starts_at: String,
    pub case_id: Option<i64>,
    pub summary: String,
    pub required: i64,
    pub expertise: String,
    pub requested_by: String,
    pub requested_at: String,
}
}

crate::db::row_struct! {
/// A draw: its setup (fixed before the seed), the sources' values so far, and the outcome.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DrawRow {
    pub id: i64,
    pub activity_id: i64,
    pub org_id: String,
    pub setup: String,
    pub set_by: String,
    pub set_at: String,
    pub state: String,
    pub source_values: String,
    pub outcome: Option<String>,
    pub drawn_at: Option<String>,
    pub aborted_reason: Option<String>,
    pub aborted_at: Option<String>,
}
}

crate::db::row_struct! {
/// An invitation with the supervisor's name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InvitationRow {
    pub id: i64,
    pub activity_id: i64,
    pub draw_id: i64,
    pub supervisor_id: i64,
    pub place: i64,
    pub state: String,
    pub reason: String,
    pub acted_by: Option<String>,
    pub acted_at: Option<String>,
    pub name: String,
}
}

const ACTIVITY: &str = "id, org_id, region_path, kind, mandatory, title, place, starts_at, case_id, summary, required, expertise, requested_by, requested_at";
const DRAW: &str = "id, activity_id, org_id, setup, set_by, set_at, state, source_values, outcome, drawn_at, aborted_reason, aborted_at";
const INVITATION: &str = "i.id, i.activity_id, i.draw_id, i.supervisor_id, i.place, i.state, i.reason, i.acted_by, i.acted_at, s.name";

pub struct NewActivity<'a> {
    pub org_id: &'a str,
    pub region_path: &'a str,
    pub kind: &'a str,
    pub mandatory: bool,
    pub title: &'a str,
    pub place: &'a str,
    pub starts_at: DateTime<Utc>,
    pub case_id: Option<i64>,
    pub summary: &'a str,
    pub required: u32,
    pub expertise: &'a str,
    pub requested_by: &'a str,
}

/// A drawn person and whether they are told now (a pick) or wait as an alternate.
pub struct Drawn {
    pub supervisor_id: i64,
    pub place: usize,
    pub alternate: bool,
}

impl Store {
    pub async fn request_activity(&self, n: &NewActivity<'_>, now: DateTime<Utc>) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let id = insert_activity(&mut tx, n, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn supervisor_activity(&self, id: i64) -> Result<Option<ActivityRow>> {
        let r = sqlx::query(audited(format!(
            "SELECT {ACTIVITY} FROM supervisor_activities WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(ActivityRow::from_row).transpose()
    }

    /// The activities asked for within a region, latest first.
    pub async fn supervisor_activities(
        &self,
        region_prefix: &str,
        limit: i64,
    ) -> Result<Vec<ActivityRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {ACTIVITY} FROM supervisor_activities WHERE region_path >= $1 AND region_path < $2 \
             ORDER BY starts_at DESC, id DESC LIMIT $3"
        )))
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ActivityRow::from_row).collect()
    }

    /// The activities of a region held in `[from, to)`, in time order (the yearly report).
    pub async fn supervisor_activities_between(
        &self,
        region_prefix: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ActivityRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {ACTIVITY} FROM supervisor_activities WHERE region_path >= $1 AND region_path < $2 \
             AND starts_at >= $3 AND starts_at < $4 ORDER BY starts_at, id"
        )))
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ActivityRow::from_row).collect()
    }

    /// The draws made for a region's activities held in `[from, to)`.
    pub async fn supervisor_draws_between(
        &self,
        region_prefix: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DrawRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {DRAW} FROM supervisor_draws WHERE state = 'drawn' AND activity_id IN \
             (SELECT id FROM supervisor_activities WHERE region_path >= $1 AND region_path < $2 \
              AND starts_at >= $3 AND starts_at < $4) ORDER BY id"
        )))
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(DrawRow::from_row).collect()
    }

    /// Each supervisor's invitations by state for a region's activities held in `[from, to)`:
    /// (supervisor, state, how many).
    pub async fn invitation_counts_between(
        &self,
        region_prefix: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(i64, String, i64)>> {
        let rows = sqlx::query(
            "SELECT i.supervisor_id AS id, i.state AS state, COUNT(*) AS n FROM supervisor_invitations i \
             JOIN supervisor_activities a ON a.id = i.activity_id \
             WHERE a.region_path >= $1 AND a.region_path < $2 AND a.starts_at >= $3 AND a.starts_at < $4 \
             GROUP BY i.supervisor_id, i.state",
        )
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("state")?, r.try_get("n")?)))
            .collect()
    }

    /// A region's activities still ahead at `now` with the state of their latest draw not
    /// stopped (`None`: not drawn yet), soonest first: what the justice bureau has to draw.
    pub async fn activities_ahead(
        &self,
        region_prefix: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<(ActivityRow, Option<String>)>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {ACTIVITY}, (SELECT d.state FROM supervisor_draws d WHERE d.activity_id = supervisor_activities.id \
             AND d.state <> 'aborted' ORDER BY d.id DESC LIMIT 1) AS draw_state \
             FROM supervisor_activities WHERE region_path >= $1 AND region_path < $2 AND starts_at > $3 \
             ORDER BY starts_at, id"
        )))
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(ts(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((ActivityRow::from_row(r)?, r.try_get("draw_state")?)))
            .collect()
    }

    /// The activities a supervisor was drawn for (as a pick or an alternate), latest first.
    pub async fn activities_of_supervisor(&self, supervisor_id: i64) -> Result<Vec<ActivityRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {ACTIVITY} FROM supervisor_activities WHERE id IN \
             (SELECT activity_id FROM supervisor_invitations WHERE supervisor_id = $1) \
             OR id IN (SELECT activity_id FROM supervisor_opinions WHERE supervisor_id = $1) \
             ORDER BY starts_at DESC, id DESC"
        )))
        .bind(supervisor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ActivityRow::from_row).collect()
    }

    /// How often each supervisor of a region was sent to an activity in `[from, to)` (alternates
    /// never sent do not count): the over-use cap and the fairness report read this.
    pub async fn supervisor_selections(
        &self,
        region_prefix: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT i.supervisor_id AS id, COUNT(*) AS n FROM supervisor_invitations i \
             JOIN supervisor_activities a ON a.id = i.activity_id \
             WHERE a.region_path >= $1 AND a.region_path < $2 AND a.starts_at >= $3 AND a.starts_at < $4 \
             AND i.state <> 'alternate' GROUP BY i.supervisor_id",
        )
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("n")?)))
            .collect()
    }

    /// Fixes a draw's setup (JSON of `tianping_domain::draw::Setup`) before any seed exists.
    /// Refused while another draw of the activity waits or has drawn.
    pub async fn set_supervisor_draw(
        &self,
        activity_id: i64,
        org_id: &str,
        setup: &str,
        values: &str,
        set_by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let open: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM supervisor_draws WHERE activity_id = $1 AND state <> 'aborted'",
        )
        .bind(activity_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if open > 0 {
            return Err(StoreError::Invalid(
                "该活动已有抽选，须先中止原抽选才能重新抽选".into(),
            ));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO supervisor_draws (activity_id, org_id, setup, set_by, set_at, state, source_values) \
             VALUES ($1, $2, $3, $4, $5, 'awaiting', $6) RETURNING id",
        )
        .bind(activity_id)
        .bind(org_id)
        .bind(setup)
        .bind(set_by)
        .bind(ts(now))
        .bind(values)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.record(Command::SupervisorDrawSet, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn supervisor_draw(&self, id: i64) -> Result<Option<DrawRow>> {
        let r = sqlx::query(audited(format!(
            "SELECT {DRAW} FROM supervisor_draws WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(DrawRow::from_row).transpose()
    }

    /// An activity's draws, first first.
    pub async fn supervisor_draws(&self, activity_id: i64) -> Result<Vec<DrawRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {DRAW} FROM supervisor_draws WHERE activity_id = $1 ORDER BY id"
        )))
        .bind(activity_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(DrawRow::from_row).collect()
    }

    /// The draws of many activities at once (a list page), in id order.
    pub async fn supervisor_draws_of(&self, activity_ids: &[i64]) -> Result<Vec<DrawRow>> {
        if activity_ids.is_empty() {
            return Ok(vec![]);
        }
        let marks = crate::bulk_placeholders(self.backend, 1, activity_ids.len());
        let mut q = sqlx::query(audited(format!(
            "SELECT {DRAW} FROM supervisor_draws WHERE activity_id IN ({marks}) ORDER BY id"
        )));
        for id in activity_ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(DrawRow::from_row).collect()
    }

    /// Draws waiting for their sources' values within a region.
    pub async fn awaiting_supervisor_draws(&self, region_prefix: &str) -> Result<Vec<DrawRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {DRAW} FROM supervisor_draws WHERE state = 'awaiting' AND activity_id IN \
             (SELECT id FROM supervisor_activities WHERE region_path >= $1 AND region_path < $2) ORDER BY id"
        )))
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(DrawRow::from_row).collect()
    }

    /// Records a source's value (a public number announced, a party's reveal) on a waiting draw.
    pub async fn give_draw_values(&self, id: i64, values: &str, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE supervisor_draws SET source_values = $1 WHERE id = $2 AND state = 'awaiting'",
        )
        .bind(values)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Invalid("该抽选已完成或已中止".into()));
        }
        tx.record(Command::SupervisorDrawValueGiven, id).await?;
        tx.commit().await
    }

    /// Completes a waiting draw with its last values and outcome: one invitation per drawn
    /// person, the picks told at once, the alternates kept in order.
    pub async fn complete_supervisor_draw(
        &self,
        id: i64,
        values: &str,
        outcome: &str,
        drawn: &[Drawn],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE supervisor_draws SET source_values = $1, outcome = $2, state = 'drawn', drawn_at = $3 \
             WHERE id = $4 AND state = 'awaiting'",
        )
        .bind(values)
        .bind(outcome)
        .bind(ts(now))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Invalid("该抽选已完成或已中止".into()));
        }
        tx.record(Command::SupervisorDrawn, id).await?;
        let activity_id: i64 =
            sqlx::query("SELECT activity_id FROM supervisor_draws WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("activity_id")?;
        for d in drawn {
            let state = if d.alternate { "alternate" } else { "invited" };
            let inv: i64 = sqlx::query(
                "INSERT INTO supervisor_invitations (activity_id, draw_id, supervisor_id, place, state, reason) \
                 VALUES ($1, $2, $3, $4, $5, '') RETURNING id",
            )
            .bind(activity_id)
            .bind(id)
            .bind(d.supervisor_id)
            .bind(d.place as i64)
            .bind(state)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            tx.record(Command::SupervisorInvited, inv).await?;
            if !d.alternate {
                invite(&mut tx, activity_id, d.supervisor_id, inv, now).await?;
            }
        }
        tx.commit().await
    }

    /// Stops a waiting draw (a reveal that never came, a source that failed), with the reason.
    pub async fn abort_supervisor_draw(
        &self,
        id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE supervisor_draws SET state = 'aborted', aborted_reason = $1, aborted_at = $2 \
             WHERE id = $3 AND state = 'awaiting'",
        )
        .bind(reason)
        .bind(ts(now))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Invalid("该抽选已完成或已中止".into()));
        }
        tx.record(Command::SupervisorDrawAborted, id).await?;
        tx.commit().await
    }

    /// An activity's invitations in the draw's order.
    pub async fn supervisor_invitations(&self, activity_id: i64) -> Result<Vec<InvitationRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {INVITATION} FROM supervisor_invitations i JOIN people_supervisors s ON s.id = i.supervisor_id \
             WHERE i.activity_id = $1 ORDER BY i.draw_id, i.place"
        )))
        .bind(activity_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(InvitationRow::from_row).collect()
    }

    /// The invitations of many activities at once (a list page).
    pub async fn supervisor_invitations_of(
        &self,
        activity_ids: &[i64],
    ) -> Result<Vec<InvitationRow>> {
        if activity_ids.is_empty() {
            return Ok(vec![]);
        }
        let marks = crate::bulk_placeholders(self.backend, 1, activity_ids.len());
        let mut q = sqlx::query(audited(format!(
            "SELECT {INVITATION} FROM supervisor_invitations i JOIN people_supervisors s ON s.id = i.supervisor_id \
             WHERE i.activity_id IN ({marks}) ORDER BY i.draw_id, i.place"
        )));
        for id in activity_ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(InvitationRow::from_row).collect()
    }

    /// A supervisor's invitations, latest first.
    pub async fn invitations_of_supervisor(
        &self,
        supervisor_id: i64,
    ) -> Result<Vec<InvitationRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {INVITATION} FROM supervisor_invitations i JOIN people_supervisors s ON s.id = i.supervisor_id \
             WHERE i.supervisor_id = $1 ORDER BY i.id DESC"
        )))
        .bind(supervisor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(InvitationRow::from_row).collect()
    }

    pub async fn supervisor_invitation(&self, id: i64) -> Result<Option<InvitationRow>> {
        let r = sqlx::query(audited(format!(
            "SELECT {INVITATION} FROM supervisor_invitations i JOIN people_supervisors s ON s.id = i.supervisor_id \
             WHERE i.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(InvitationRow::from_row).transpose()
    }

    /// Moves an invitation from `from` to `to` (as the domain decided); when `send_next`, the
    /// first alternate of the same draw still waiting is invited in its place (补派) and told.
    /// Returns the alternate's invitation, if one was sent. Refused when the invitation moved
    /// meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub async fn act_on_invitation(
        &self,
        id: i64,
        from: &str,
        to: &str,
        reason: &str,
        by: &str,
        send_next: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE supervisor_invitations SET state = $1, \
             reason = CASE WHEN $2 = '' THEN reason ELSE $2 END, acted_by = $3, acted_at = $4 \
             WHERE id = $5 AND state = $6",
        )
        .bind(to)
        .bind(reason.trim())
        .bind(by)
        .bind(ts(now))
        .bind(id)
        .bind(from)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Invalid(
                "该邀请的状态已被他人更新，请刷新页面".into(),
            ));
        }
        tx.record(Command::SupervisorInvitationAnswered, id).await?;
        let mut sent = None;
        if send_next {
            let next = sqlx::query(
                "SELECT n.id, n.activity_id, n.supervisor_id FROM supervisor_invitations n \
                 JOIN supervisor_invitations me ON me.draw_id = n.draw_id \
                 WHERE me.id = $1 AND n.state = 'alternate' ORDER BY n.place LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(r) = next {
                let next_id: i64 = r.try_get("id")?;
                sqlx::query(
                    "UPDATE supervisor_invitations SET state = 'invited', reason = $1 WHERE id = $2",
                )
                .bind("补派")
                .bind(next_id)
                .execute(&mut *tx)
                .await?;
                tx.record(Command::SupervisorInvitationAnswered, next_id)
                    .await?;
                invite(
                    &mut tx,
                    r.try_get("activity_id")?,
                    r.try_get("supervisor_id")?,
                    next_id,
                    now,
                )
                .await?;
                sent = Some(next_id);
            }
        }
        tx.commit().await?;
        Ok(sent)
    }
}

/// Stores an activity within a write.
pub(crate) async fn insert_activity(
    tx: &mut Write,
    n: &NewActivity<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let id: i64 = sqlx::query(
            "INSERT INTO supervisor_activities (org_id, region_path, kind, mandatory, title, place, starts_at, case_id, summary, required, expertise, requested_by, requested_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(n.org_id)
        .bind(n.region_path)
        .bind(n.kind)
        .bind(n.mandatory as i64)
        .bind(n.title)
        .bind(n.place)
        .bind(ts(n.starts_at))
        .bind(n.case_id)
        .bind(n.summary)
        .bind(n.required as i64)
        .bind(n.expertise)
        .bind(n.requested_by)
        .bind(ts(now))
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    tx.record(Command::SupervisorActivityRequested, id).await?;
    Ok(id)
}

impl Store {
    /// How the text message of each invitation stands (absent: none was queued, e.g. no phone
    /// number on file).
    pub async fn invitation_texts(
        &self,
        invitation_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, crate::clocks::TextStatus>> {
        let keys: Vec<String> = invitation_ids
            .iter()
            .map(|id| super::text_key(&invitation_key(*id)))
            .collect();
        let by_key = self.texts_by_key(&keys).await?;
        Ok(invitation_ids
            .iter()
            .zip(&keys)
            .filter_map(|(id, k)| by_key.get(k).map(|t| (*id, t.clone())))
            .collect())
    }
}

fn invitation_key(invitation_id: i64) -> String {
    format!("supervisor-invitation-{invitation_id}")
}

/// Tells a drawn supervisor of the activity: through their account at its mail cadence, or by
/// mail to the address in their file when they have no account.
async fn invite(
    tx: &mut Write,
    activity_id: i64,
    supervisor_id: i64,
    invitation_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let a = sqlx::query(
        "SELECT a.title, a.place, a.starts_at, s.user_id, s.email, s.phone, s.name FROM supervisor_activities a, people_supervisors s \
         WHERE a.id = $1 AND s.id = $2",
    )
    .bind(activity_id)
    .bind(supervisor_id)
    .fetch_one(&mut **tx)
    .await?;
    let title: String = a.try_get("title")?;
    let place: String = a.try_get("place")?;
    let starts: String = a.try_get("starts_at")?;
    let when = crate::parse_ts(&starts)?
        .with_timezone(&tianping_domain::clock::beijing())
        .format("%Y年%m月%d日 %H:%M")
        .to_string();
    let link = format!("/supervisor-activities/{activity_id}");
    let sentence = format!(
        "您经随机抽选，受邀于 {when} 在{place}参加“{title}”监督活动。请确认能否参加；不能参加的，请说明理由，系统将依次补派候补人民监督员。"
    );
    super::notify(
        tx,
        &super::Recipient {
            user_id: a.try_get("user_id")?,
            email: a.try_get("email")?,
            phone: a.try_get("phone")?,
            name: a.try_get("name")?,
        },
        &super::Notice {
            key: invitation_key(invitation_id),
            task: Some(TaskKind::AnswerInvitation),
            what: &title,
            subject: format!("【监督活动邀请】{title}"),
            sentence,
            reply: "请回复本邮件或致电区司法局答复。",
            link,
        },
        now,
    )
    .await
}
