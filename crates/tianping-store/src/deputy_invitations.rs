//! Invitations of deputies (migration 0032, ledgered): an invitation of a court or procuratorate
//! and a line per invited deputy, whose state changes by a conditional update from the state the
//! domain checked (`tianping_domain::deputy_invitations::check_act`), so of two racing answers one
//! is written. The year's person-times are counted from the lines.

use crate::db::{FromRow, row_struct};
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::deputy_invitations::{Kind, State};
use tianping_domain::supervision::Refusal;
use tianping_ledger::Command;

fn refusal(code: &'static str, zh: impl Into<String>) -> StoreError {
    StoreError::Refused(Refusal {
        code,
        zh: zh.into(),
    })
}

row_struct! {
/// An invitation with its organisation and its lines' counts.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationRow {
    pub id: i64,
    pub org_id: String,
    pub org_name: String,
    pub region_path: String,
    pub kind: String,
    pub title: String,
    pub place: String,
    pub starts_at: String,
    pub note: String,
    pub created_by_name: String,
    pub invited: i64,
    pub accepted: i64,
    pub attended: i64,
}
}

impl InvitationRow {
    pub fn kind_zh(&self) -> &'static str {
        Kind::parse(&self.kind).map_or("活动", Kind::zh)
    }
    pub fn starts(&self) -> Option<DateTime<Utc>> {
        crate::parse_ts(&self.starts_at).ok()
    }
}

const SELECT: &str = "SELECT v.id, v.org_id, o.name AS org_name, v.region_path, v.kind, v.title, v.place, v.starts_at, v.note, \
     u.display_name AS created_by_name, \
     (SELECT COUNT(*) FROM deputy_invitees i WHERE i.invitation_id = v.id) AS invited, \
     (SELECT COUNT(*) FROM deputy_invitees i WHERE i.invitation_id = v.id AND i.state IN ('accepted', 'attended')) AS accepted, \
     (SELECT COUNT(*) FROM deputy_invitees i WHERE i.invitation_id = v.id AND i.state = 'attended') AS attended \
     FROM deputy_invitations v JOIN orgs o ON o.id = v.org_id JOIN users u ON u.id = v.created_by";

row_struct! {
/// One invited deputy's line.
#[derive(Debug, Clone, Serialize)]
pub struct InviteeRow {
    pub id: i64,
    pub invitation_id: i64,
    pub deputy_id: i64,
    pub deputy_name: String,
    pub township: String,
    pub deputy_user_id: Option<i64>,
    pub state: String,
    pub opinion: String,
    pub answered_at: Option<String>,
}
}

impl InviteeRow {
    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::Invited)
    }
}

row_struct! {
/// A deputy's person-times in a year: attended, by kind.
#[derive(Debug, Clone, Serialize)]
pub struct DeputyTally {
    pub deputy_id: i64,
    pub deputy_name: String,
    pub township: String,
    pub invited: i64,
    pub attended: i64,
    pub inspection: i64,
    pub hearing: i64,
    pub enforcement: i64,
    pub forum: i64,
}
}

/// An invitation as the organisation enters it (checked by the domain first).
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    pub kind: Kind,
    pub title: &'a str,
    pub place: &'a str,
    pub starts_at: DateTime<Utc>,
    pub note: &'a str,
    pub deputies: &'a [i64],
}

impl Store {
    /// Invites deputies: the invitation and a line per deputy, each with its leaf.
    pub async fn invite_deputies(
        &self,
        v: &NewInvitation<'_>,
        org: &crate::org::Org,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO deputy_invitations (org_id, region_path, kind, title, place, starts_at, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&org.id)
        .bind(&org.region_path)
        .bind(v.kind.as_str())
        .bind(v.title.trim())
        .bind(v.place.trim())
        .bind(ts(v.starts_at))
        .bind(v.note.trim())
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.record(Command::DeputiesInvited, id).await?;
        let mut lines = vec![];
        for d in v.deputies {
            let line: i64 = sqlx::query(
                "INSERT INTO deputy_invitees (invitation_id, deputy_id, state, opinion) VALUES ($1, $2, 'invited', '') RETURNING id",
            )
            .bind(id)
            .bind(*d)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if crate::feedback::is_unique_violation(&e) {
                    refusal("conflict", "同一代表只邀请一次")
                } else {
                    e.into()
                }
            })?
            .try_get("id")?;
            lines.push(crate::ledger::Key::from(line));
        }
        tx.record_all(Command::DeputyInvitationSent, &lines).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn deputy_invitation(&self, id: i64) -> Result<Option<InvitationRow>> {
        let r = sqlx::query(crate::audited(format!("{SELECT} WHERE v.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(InvitationRow::from_row).transpose()
    }

    /// The invitations of organisations under a region prefix, or (`deputy`) to one deputy;
    /// newest first.
    pub async fn deputy_invitations(
        &self,
        region_prefix: &str,
        deputy: Option<i64>,
        limit: i64,
    ) -> Result<Vec<InvitationRow>> {
        let limit = limit.clamp(1, 2000);
        let q = match deputy {
            Some(d) => sqlx::query(crate::audited(format!(
                "{SELECT} WHERE v.id IN (SELECT i.invitation_id FROM deputy_invitees i WHERE i.deputy_id = $1) \
                 ORDER BY v.starts_at DESC, v.id DESC LIMIT {limit}"
            )))
            .bind(d),
            None => sqlx::query(crate::audited(format!(
                "{SELECT} WHERE v.region_path >= $1 AND v.region_path < $2 ORDER BY v.starts_at DESC, v.id DESC LIMIT {limit}"
            )))
            .bind(region_prefix.to_string())
            .bind(crate::case::prefix_end(region_prefix)),
        };
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(InvitationRow::from_row).collect()
    }

    /// The lines of an invitation, by deputy name.
    pub async fn deputy_invitees(&self, invitation_id: i64) -> Result<Vec<InviteeRow>> {
        let rows = sqlx::query(
            "SELECT i.id, i.invitation_id, i.deputy_id, d.name AS deputy_name, d.township, d.user_id AS deputy_user_id, \
             i.state, i.opinion, i.answered_at FROM deputy_invitees i JOIN deputies d ON d.id = i.deputy_id \
             WHERE i.invitation_id = $1 ORDER BY d.township, d.name, i.id",
        )
        .bind(invitation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(InviteeRow::from_row).collect()
    }

    /// Moves a line from `from` to `to` (the domain checked the act against `from`): refused if
    /// another write moved it first.
    pub async fn answer_deputy_invitation(
        &self,
        line: i64,
        from: State,
        to: State,
        opinion: &str,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE deputy_invitees SET state = $1, opinion = $2, answered_at = $3, answered_by = $4 WHERE id = $5 AND state = $6",
        )
        .bind(to.as_str())
        .bind(opinion.trim())
        .bind(ts(now))
        .bind(by.id)
        .bind(line)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(refusal("conflict", "这项邀请刚刚已有答复，请刷新后查看"));
        }
        tx.record(Command::DeputyInvitationAnswered, line).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Each deputy's invitations and attendances in a year (activities starting in it) from the
    /// organisations under a region prefix, most attended first.
    pub async fn deputy_tallies(&self, region_prefix: &str, year: i32) -> Result<Vec<DeputyTally>> {
        let (from, to) = (format!("{year}-01-01"), format!("{}-01-01", year + 1));
        let count = |kind: &str| {
            format!(
                "CAST(COALESCE(SUM(CASE WHEN i.state = 'attended' AND v.kind = '{kind}' THEN 1 ELSE 0 END), 0) AS BIGINT) AS {kind}"
            )
        };
        let sql = format!(
            "SELECT d.id AS deputy_id, d.name AS deputy_name, d.township, COUNT(*) AS invited, \
             CAST(COALESCE(SUM(CASE WHEN i.state = 'attended' THEN 1 ELSE 0 END), 0) AS BIGINT) AS attended, {}, {}, {}, {} \
             FROM deputy_invitees i JOIN deputy_invitations v ON v.id = i.invitation_id JOIN deputies d ON d.id = i.deputy_id \
             WHERE v.region_path >= $1 AND v.region_path < $2 AND v.starts_at >= $3 AND v.starts_at < $4 \
             GROUP BY d.id, d.name, d.township ORDER BY attended DESC, invited DESC, d.name",
            count("inspection"),
            count("hearing"),
            count("enforcement"),
            count("forum")
        );
        let rows = sqlx::query(crate::audited(sql))
            .bind(region_prefix)
            .bind(crate::case::prefix_end(region_prefix))
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(DeputyTally::from_row).collect()
    }
}
