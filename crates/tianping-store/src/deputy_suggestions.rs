//! Deputies' suggestions and procuratorial recommendations (migration 0033, ledgered): one row
//! per suggestion carrying each step's fields; a step is a conditional update from the stage the
//! domain (`tianping_domain::deputy_suggestions::check_step`) checked, so of two racing steps one
//! is written, each with its leaf.

use crate::db::{FromRow, Val, bind_all, row_struct};
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::deputy_suggestions::{Stage, Step};
use tianping_domain::supervision::Refusal;
use tianping_ledger::Command;

fn refusal(code: &'static str, zh: impl Into<String>) -> StoreError {
    StoreError::Refused(Refusal {
        code,
        zh: zh.into(),
    })
}

row_struct! {
/// A suggestion with its deputy and procuratorate.
#[derive(Debug, Clone, Serialize)]
pub struct SuggestionRow {
    pub id: i64,
    pub deputy_id: i64,
    pub deputy_name: String,
    pub deputy_user_id: Option<i64>,
    pub procuratorate_id: String,
    pub procuratorate_name: String,
    pub region_path: String,
    pub field: String,
    pub title: String,
    pub content: String,
    pub submitted_on: String,
    pub stage: String,
    pub last_on: String,
    pub accepted_on: Option<String>,
    pub decline_reason: String,
    pub agency: String,
    pub recommendation: String,
    pub recommended_on: Option<String>,
    pub urgent: i64,
    pub reply_due: Option<String>,
    pub reply: String,
    pub adopted: Option<i64>,
    pub replied_on: Option<String>,
    pub report: String,
    pub reported_on: Option<String>,
    pub handed_at: Option<String>,
    pub congress_note: String,
    pub congress_at: Option<String>,
}
}

impl SuggestionRow {
    pub fn stage(&self) -> Stage {
        Stage::parse(&self.stage).unwrap_or(Stage::Submitted)
    }
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.last_on.parse().ok()
    }
    pub fn due(&self) -> Option<NaiveDate> {
        self.reply_due.as_deref().and_then(|d| d.parse().ok())
    }
    pub fn adopted(&self) -> Option<bool> {
        self.adopted.map(|a| a != 0)
    }
}

const SELECT: &str = "SELECT s.id, s.deputy_id, d.name AS deputy_name, d.user_id AS deputy_user_id, s.procuratorate_id, \
     o.name AS procuratorate_name, s.region_path, s.field, s.title, s.content, s.submitted_on, s.stage, s.last_on, \
     s.accepted_on, s.decline_reason, s.agency, s.recommendation, s.recommended_on, s.urgent, s.reply_due, s.reply, s.adopted, \
     s.replied_on, s.report, s.reported_on, s.handed_at, s.congress_note, s.congress_at \
     FROM deputy_suggestions s JOIN deputies d ON d.id = s.deputy_id JOIN orgs o ON o.id = s.procuratorate_id";

/// A suggestion as the deputy submits it (checked by the domain first).
#[derive(Debug, Clone)]
pub struct NewSuggestion<'a> {
    pub deputy_id: i64,
    pub procuratorate: &'a crate::org::Org,
    pub field: &'a str,
    pub title: &'a str,
    pub content: &'a str,
    pub on: NaiveDate,
}

/// A step as the procuratorate records it (checked by the domain first).
#[derive(Debug, Clone)]
pub struct StepRecord<'a> {
    pub from: Stage,
    pub step: Step,
    pub on: NaiveDate,
    pub text: &'a str,
    pub agency: &'a str,
    pub urgent: bool,
    /// The reply's due day (a recommendation).
    pub due: Option<NaiveDate>,
    /// Whether the organ adopted the recommendation (a reply).
    pub adopted: Option<bool>,
}

impl Store {
    pub async fn submit_suggestion(
        &self,
        n: &NewSuggestion<'_>,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO deputy_suggestions (deputy_id, procuratorate_id, region_path, field, title, content, submitted_on, submitted_by, submitted_at, stage, last_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'submitted', $7) RETURNING id",
        )
        .bind(n.deputy_id)
        .bind(&n.procuratorate.id)
        .bind(&n.procuratorate.region_path)
        .bind(n.field)
        .bind(n.title.trim())
        .bind(n.content.trim())
        .bind(n.on.to_string())
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.record(Command::SuggestionSubmitted, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn suggestion(&self, id: i64) -> Result<Option<SuggestionRow>> {
        let r = sqlx::query(crate::audited(format!("{SELECT} WHERE s.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(SuggestionRow::from_row).transpose()
    }

    /// The suggestions addressed to procuratorates under a region prefix, or (`deputy`) of one
    /// deputy; newest first.
    pub async fn suggestions(
        &self,
        region_prefix: &str,
        deputy: Option<i64>,
        limit: i64,
    ) -> Result<Vec<SuggestionRow>> {
        let limit = limit.clamp(1, 2000);
        let q = match deputy {
            Some(d) => sqlx::query(crate::audited(format!(
                "{SELECT} WHERE s.deputy_id = $1 ORDER BY s.submitted_on DESC, s.id DESC LIMIT {limit}"
            )))
            .bind(d),
            None => sqlx::query(crate::audited(format!(
                "{SELECT} WHERE s.region_path >= $1 AND s.region_path < $2 ORDER BY s.submitted_on DESC, s.id DESC LIMIT {limit}"
            )))
            .bind(region_prefix.to_string())
            .bind(crate::case::prefix_end(region_prefix)),
        };
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(SuggestionRow::from_row).collect()
    }

    /// Records a step of the procuratorate: the stage moves from `r.from` only.
    pub async fn record_suggestion_step(
        &self,
        id: i64,
        r: &StepRecord<'_>,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        let on = r.on.to_string();
        let text = r.text.trim().to_string();
        let (sets, vals): (&str, Vec<Val>) = match r.step {
            Step::Accept => ("accepted_on = $7", vec![Val::S(on.clone())]),
            Step::Decline => ("decline_reason = $7", vec![Val::S(text)]),
            Step::Recommend => (
                "agency = $7, recommendation = $8, recommended_on = $9, urgent = $10, reply_due = $11",
                vec![
                    Val::S(r.agency.trim().into()),
                    Val::S(text),
                    Val::S(on.clone()),
                    Val::I(i64::from(r.urgent)),
                    Val::OS(r.due.map(|d| d.to_string())),
                ],
            ),
            Step::Reply => (
                "reply = $7, adopted = $8, replied_on = $9",
                vec![
                    Val::S(text),
                    Val::OI(r.adopted.map(i64::from)),
                    Val::S(on.clone()),
                ],
            ),
            Step::ReportBack => (
                "report = $7, reported_on = $8",
                vec![Val::S(text), Val::S(on.clone())],
            ),
        };
        let sql = format!(
            "UPDATE deputy_suggestions SET stage = $1, last_on = $2, updated_by = $3, updated_at = $4, {sets} WHERE id = $5 AND stage = $6"
        );
        let mut all = vec![
            Val::S(r.step.to().as_str().into()),
            Val::S(on),
            Val::I(by.id),
            Val::S(ts(now)),
            Val::I(id),
            Val::S(r.from.as_str().into()),
        ];
        all.extend(vals);
        let q = bind_all(sqlx::query(crate::audited(sql)), all);
        let n = q.execute(&mut *tx).await?.rows_affected();
        if n != 1 {
            return Err(refusal("conflict", "该建议刚刚已有办理记录，请刷新后查看"));
        }
        tx.record(Command::SuggestionStepRecorded, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Hands a recommendation to the people's congress (once).
    pub async fn hand_suggestion_to_congress(
        &self,
        id: i64,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE deputy_suggestions SET handed_at = $1, updated_by = $2, updated_at = $1 WHERE id = $3 AND handed_at IS NULL",
        )
        .bind(ts(now))
        .bind(by.id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(refusal("conflict", "该检察建议已移送人大常委会"));
        }
        tx.record(Command::SuggestionHandedToCongress, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The people's congress records how it follows a handed recommendation up (each note
    /// replaces the last; every one is in the ledger).
    pub async fn follow_up_suggestion(
        &self,
        id: i64,
        note: &str,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE deputy_suggestions SET congress_note = $1, congress_at = $2, updated_by = $3, updated_at = $2 WHERE id = $4 AND handed_at IS NOT NULL",
        )
        .bind(note.trim())
        .bind(ts(now))
        .bind(by.id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(refusal("wrong_state", "该检察建议尚未移送人大常委会"));
        }
        tx.record(Command::SuggestionFollowedUp, id).await?;
        tx.commit().await?;
        Ok(())
    }
}
