//! Surveys of deputies (migration 0034, ledgered): the questionnaire, the deputies it was sent to
//! and their answers. The domain (`tianping_domain::deputy_surveys`) reads the questions and
//! checks the answers; an answer is written once, by a conditional update from no answer.

use crate::db::{FromRow, row_struct};
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::deputy_surveys::{Answer, Question};
use tianping_domain::supervision::Refusal;
use tianping_ledger::Command;

fn refusal(code: &'static str, zh: impl Into<String>) -> StoreError {
    StoreError::Refused(Refusal {
        code,
        zh: zh.into(),
    })
}

row_struct! {
/// A survey with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyRow {
    pub id: i64,
    pub congress_org_id: String,
    pub congress_name: String,
    pub region_path: String,
    pub title: String,
    pub intro: String,
    pub questions: String,
    pub level: String,
    pub area: String,
    pub closes_on: String,
    pub created_by_name: String,
    pub sent: i64,
    pub answered: i64,
}
}

impl SurveyRow {
    pub fn questions(&self) -> Result<Vec<Question>> {
        serde_json::from_str(&self.questions)
            .map_err(|e| StoreError::Corrupt(format!("survey questions: {e}")))
    }
    pub fn closes(&self) -> Option<NaiveDate> {
        self.closes_on.parse().ok()
    }
}

const SELECT: &str = "SELECT v.id, v.congress_org_id, o.name AS congress_name, v.region_path, v.title, v.intro, v.questions, \
     v.level, v.area, v.closes_on, u.display_name AS created_by_name, \
     (SELECT COUNT(*) FROM deputy_survey_recipients r WHERE r.survey_id = v.id) AS sent, \
     (SELECT COUNT(*) FROM deputy_survey_recipients r WHERE r.survey_id = v.id AND r.answered_at IS NOT NULL) AS answered \
     FROM deputy_surveys v JOIN orgs o ON o.id = v.congress_org_id JOIN users u ON u.id = v.created_by";

row_struct! {
/// A deputy the survey was sent to, with their answers if given.
#[derive(Debug, Clone, Serialize)]
pub struct RecipientRow {
    pub id: i64,
    pub survey_id: i64,
    pub deputy_id: i64,
    pub deputy_name: String,
    pub township: String,
    pub constituency: String,
    pub answers: Option<String>,
    pub answered_at: Option<String>,
    pub via: Option<String>,
}
}

impl RecipientRow {
    pub fn answers(&self) -> Result<Option<Vec<Answer>>> {
        self.answers
            .as_deref()
            .map(|a| {
                serde_json::from_str(a)
                    .map_err(|e| StoreError::Corrupt(format!("survey answers: {e}")))
            })
            .transpose()
    }
    /// The district a deputy's constituency names ("上城区第3选区" → "上城区").
    pub fn district(&self) -> &str {
        self.constituency.split('第').next().unwrap_or_default()
    }
}

/// A survey as the 人大 sends it (its questions read by the domain first).
#[derive(Debug, Clone)]
pub struct NewSurvey<'a> {
    pub title: &'a str,
    pub intro: &'a str,
    pub questions: &'a [Question],
    /// `""` for every level.
    pub level: &'a str,
    /// A district or town the deputies' constituency or town names; `""` for all.
    pub area: &'a str,
    pub closes_on: NaiveDate,
    pub deputies: &'a [i64],
}

impl Store {
    /// Sends a survey: its row and a line per deputy, each with its leaf.
    pub async fn send_survey(
        &self,
        v: &NewSurvey<'_>,
        congress: &crate::org::Org,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let questions = serde_json::to_string(v.questions)
            .map_err(|e| StoreError::Invalid(format!("survey questions: {e}")))?;
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO deputy_surveys (congress_org_id, region_path, title, intro, questions, level, area, closes_on, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&congress.id)
        .bind(&congress.region_path)
        .bind(v.title.trim())
        .bind(v.intro.trim())
        .bind(questions)
        .bind(v.level)
        .bind(v.area.trim())
        .bind(v.closes_on.to_string())
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.record(Command::SurveySent, id).await?;
        let mut lines = vec![];
        for d in v.deputies {
            let line: i64 = sqlx::query(
                "INSERT INTO deputy_survey_recipients (survey_id, deputy_id) VALUES ($1, $2) RETURNING id",
            )
            .bind(id)
            .bind(*d)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            lines.push(crate::ledger::Key::from(line));
        }
        tx.record_all(Command::SurveyRecipientAdded, &lines).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn survey(&self, id: i64) -> Result<Option<SurveyRow>> {
        let r = sqlx::query(crate::audited(format!("{SELECT} WHERE v.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(SurveyRow::from_row).transpose()
    }

    /// The surveys of people's congresses under a region prefix, or (`deputy`) sent to one
    /// deputy; newest first.
    pub async fn surveys(
        &self,
        region_prefix: &str,
        deputy: Option<i64>,
        limit: i64,
    ) -> Result<Vec<SurveyRow>> {
        let limit = limit.clamp(1, 500);
        let q = match deputy {
            Some(d) => sqlx::query(crate::audited(format!(
                "{SELECT} WHERE v.id IN (SELECT r.survey_id FROM deputy_survey_recipients r WHERE r.deputy_id = $1) \
                 ORDER BY v.created_at DESC, v.id DESC LIMIT {limit}"
            )))
            .bind(d),
            None => sqlx::query(crate::audited(format!(
                "{SELECT} WHERE v.region_path >= $1 AND v.region_path < $2 ORDER BY v.created_at DESC, v.id DESC LIMIT {limit}"
            )))
            .bind(region_prefix.to_string())
            .bind(crate::case::prefix_end(region_prefix)),
        };
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(SurveyRow::from_row).collect()
    }

    /// The deputies a survey was sent to, by constituency, town and name.
    pub async fn survey_recipients(&self, survey_id: i64) -> Result<Vec<RecipientRow>> {
        let rows = sqlx::query(
            "SELECT r.id, r.survey_id, r.deputy_id, d.name AS deputy_name, d.township, d.constituency, r.answers, \
             r.answered_at, r.via FROM deputy_survey_recipients r JOIN deputies d ON d.id = r.deputy_id \
             WHERE r.survey_id = $1 ORDER BY d.constituency, d.township, d.name, r.id",
        )
        .bind(survey_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(RecipientRow::from_row).collect()
    }

    /// One deputy's line of a survey.
    pub async fn survey_recipient(
        &self,
        survey_id: i64,
        deputy_id: i64,
    ) -> Result<Option<RecipientRow>> {
        let r = sqlx::query(
            "SELECT r.id, r.survey_id, r.deputy_id, d.name AS deputy_name, d.township, d.constituency, r.answers, \
             r.answered_at, r.via FROM deputy_survey_recipients r JOIN deputies d ON d.id = r.deputy_id \
             WHERE r.survey_id = $1 AND r.deputy_id = $2",
        )
        .bind(survey_id)
        .bind(deputy_id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(RecipientRow::from_row).transpose()
    }

    /// Writes a deputy's answers, once (`via`: "login" or "link").
    pub async fn answer_survey(
        &self,
        line: i64,
        answers: &[Answer],
        via: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let json = serde_json::to_string(answers)
            .map_err(|e| StoreError::Invalid(format!("survey answers: {e}")))?;
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE deputy_survey_recipients SET answers = $1, answered_at = $2, via = $3 WHERE id = $4 AND answered_at IS NULL",
        )
        .bind(json)
        .bind(ts(now))
        .bind(via)
        .bind(line)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(refusal("already_answered", "您已填写过这份问卷"));
        }
        tx.record(Command::SurveyAnswered, line).await?;
        tx.commit().await?;
        Ok(())
    }
}
