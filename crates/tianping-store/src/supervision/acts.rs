//! 院庭长 supervision acts.

use super::interference::NewInterference;
use super::interference::insert_interference;
use super::refusal;
use crate::org::Org;
use crate::user::User;
use crate::{Result, Store, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::supervision::{InterferenceChannel, InterferenceOutcome, InterferenceSource};
use tianping_ledger::Command;

#[derive(Debug, Clone, Serialize)]
pub struct ActRow {
    pub id: i64,
    pub case_id: i64,
    pub act: String,
    pub permitted: bool,
    pub content: String,
    pub actor_id: i64,
    pub actor_name: String,
    pub actor_role: String,
    pub at: String,
    pub answer: Option<String>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<String>,
}

impl Store {
    pub async fn case_acts(&self, case_id: i64) -> Result<Vec<ActRow>> {
        sqlx::query(
            "SELECT a.id, a.case_id, a.act, a.permitted, a.content, a.actor_id, u.display_name, a.actor_role, a.at, a.answer, a.answered_by, a.answered_at \
             FROM supervision_acts a JOIN users u ON u.id = a.actor_id WHERE a.case_id = $1 ORDER BY a.id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ActRow {
                id: r.try_get("id")?,
                case_id: r.try_get("case_id")?,
                act: r.try_get("act")?,
                permitted: r.try_get::<i64, _>("permitted")? != 0,
                content: r.try_get("content")?,
                actor_id: r.try_get("actor_id")?,
                actor_name: r.try_get("display_name")?,
                actor_role: r.try_get("actor_role")?,
                at: r.try_get("at")?,
                answer: r.try_get("answer")?,
                answered_by: r.try_get("answered_by")?,
                answered_at: r.try_get("answered_at")?,
            })
        })
        .collect()
    }

    /// Records a 院庭长's supervision act on a case. An act the rules forbid (directly changing
    /// the panel's decision …) is refused — and the attempt is recorded, both as a refused act and
    /// as an interference record by the system (RULES.md §5.3 and §6).
    pub async fn record_act(
        &self,
        case_id: i64,
        act: &str,
        content: &str,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let cfg = self.supervision();
        let decision = cfg.rules.check_act(act);
        if let Err(e) = &decision
            && e.code == "act_unknown"
        {
            return Err(e.clone().into());
        }
        if content.trim().is_empty() {
            return Err(refusal("note_required", "请填写监督内容").into());
        }
        let permitted = decision.is_ok();
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO supervision_acts (case_id, act, permitted, content, actor_id, actor_role, at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(case_id)
        .bind(act)
        .bind(i64::from(permitted))
        .bind(content.trim())
        .bind(by.id)
        .bind(by.role.as_str())
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::SupervisionActRecorded, id).await?;
        if let Err(e) = decision {
            let zh = cfg.rules.act(act).map_or(act.to_string(), |a| a.zh.clone());
            let rec = NewInterference {
                case_id: Some(case_id),
                source: InterferenceSource::Insider,
                person_name: by.display_name.clone(),
                person_unit: org.name.clone(),
                person_position: by.role.zh().to_string(),
                channel: InterferenceChannel::Other,
                occurred_at: now,
                content: format!("系统记录：试图{zh}。内容：{}", content.trim()),
                materials: String::new(),
                outcome: InterferenceOutcome::Refused,
                response: "系统拒绝执行并留痕".into(),
            };
            insert_interference(&mut tx, &rec, by, org, true, now).await?;
            tx.commit().await?;
            return Err(e.into());
        }
        let zh = cfg.rules.act(act).map_or("监督措施", |a| a.zh.as_str());
        super::tasks::mail_act_task(&mut tx, id, zh, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The panel's (or sole judge's) answer to a supervision act.
    pub async fn answer_act(
        &self,
        act_id: i64,
        answer: &str,
        by: &User,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if answer.trim().is_empty() {
            return Err(refusal("note_required", "请填写答复内容").into());
        }
        let mut tx = self.write(now).await?;
        let r = sqlx::query(
            "UPDATE supervision_acts SET answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4 AND answer IS NULL AND permitted = 1",
        )
        .bind(answer.trim())
        .bind(by.id)
        .bind(ts(now))
        .bind(act_id)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(refusal("already_answered", "该监督措施已答复或不需答复").into());
        }
        tx.record(Command::SupervisionActAnswered, act_id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn act_case_id(&self, act_id: i64) -> Result<Option<i64>> {
        Ok(
            sqlx::query("SELECT case_id FROM supervision_acts WHERE id = $1")
                .bind(act_id)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?,
        )
    }
}
