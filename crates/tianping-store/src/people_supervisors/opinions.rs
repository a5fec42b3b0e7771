//! Supervisors' opinions (监督意见): filed into the activity's file, answered by the procuratorate
//! (采纳 / 部分采纳 / 不予采纳 with reasons) by a due date from configuration; the requesting
//! unit is told when one is filed, the supervisor when it is answered.

use crate::case::prefix_end;
use crate::clocks::tell::{Task, inform, tell, unit_people, user_person};
use crate::db::FromRow;
use crate::write::Write;
use crate::{Result, Store, StoreError, audited, ts};
use chrono::{DateTime, Utc};
use sqlx::Row;
use tianping_domain::access::invites_people_supervisors;
use tianping_domain::org::AgencyKind;
use tianping_domain::todo::TaskKind;
use tianping_ledger::Command;

crate::db::row_struct! {
/// An opinion with its supervisor's name and the activity's title.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OpinionRow {
    pub id: i64,
    pub activity_id: i64,
    pub supervisor_id: i64,
    pub content: String,
    pub filed_at: String,
    pub due_at: String,
    pub answer: Option<String>,
    pub answer_reason: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    pub name: String,
    pub title: String,
    /// The procuratorate that asked (answers it).
    pub org_id: String,
}
}

const OPINION: &str = "o.id, o.activity_id, o.supervisor_id, o.content, o.filed_at, o.due_at, o.answer, o.answer_reason, o.answered_by, o.answered_at, s.name, a.title, a.org_id";
const FROM: &str = "supervisor_opinions o JOIN people_supervisors s ON s.id = o.supervisor_id JOIN supervisor_activities a ON a.id = o.activity_id";

impl Store {
    /// Files a supervisor's opinion on an activity; it is due for an answer at `due`. The
    /// procuratorate's unit that asked is told.
    pub async fn file_supervisor_opinion(
        &self,
        activity_id: i64,
        supervisor_id: i64,
        content: &str,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let id = insert_opinion(&mut tx, activity_id, supervisor_id, content, due, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A supervisor's opinion raised on their own initiative (主动监督) with a procuratorate:
    /// stored as an activity of its own kind that nobody draws for, and its opinion, in one
    /// write; the procuratorate's unit is told. Returns the activity.
    pub async fn raise_supervisor_opinion(
        &self,
        matter: &crate::people_supervisors::NewActivity<'_>,
        supervisor_id: i64,
        content: &str,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let activity = crate::people_supervisors::insert_activity(&mut tx, matter, now).await?;
        insert_opinion(&mut tx, activity, supervisor_id, content, due, now).await?;
        tx.commit().await?;
        Ok(activity)
    }

    /// Answers an opinion (as the domain allowed); the supervisor is told. Refused when it was
    /// answered already.
    pub async fn answer_supervisor_opinion(
        &self,
        id: i64,
        answer: &str,
        reason: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE supervisor_opinions SET answer = $1, answer_reason = $2, answered_by = $3, answered_at = $4 \
             WHERE id = $5 AND answer IS NULL",
        )
        .bind(answer)
        .bind(reason.trim())
        .bind(by)
        .bind(ts(now))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Invalid("该意见已经答复".into()));
        }
        tx.record(Command::SupervisorOpinionAnswered, id).await?;
        let r = sqlx::query(
            "SELECT s.user_id, o.activity_id, a.title FROM supervisor_opinions o \
             JOIN people_supervisors s ON s.id = o.supervisor_id JOIN supervisor_activities a ON a.id = o.activity_id WHERE o.id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let user: Option<i64> = r.try_get("user_id")?;
        if let Some(p) = match user {
            Some(u) => user_person(&mut tx, u).await?,
            None => None,
        } {
            let activity: i64 = r.try_get("activity_id")?;
            let title: String = r.try_get("title")?;
            let verdict = tianping_domain::people_supervisors::Answer::parse(answer)
                .map_or("已答复", |a| a.zh());
            inform(
                &mut tx,
                &p,
                &format!("supervisor-opinion-answered-{id}"),
                &format!("监督意见答复：{title}"),
                &format!("检察院已答复您对“{title}”提出的监督意见：{verdict}。"),
                &format!("/supervisor-activities/{activity}#opinions"),
                now,
            )
            .await?;
        }
        tx.commit().await
    }

    /// Raises an opinion the procuratorate that asked left unanswered past its due day as a
    /// supervision item of `org` (a procuratorate above it), with that procuratorate
    /// responsible; the opinion is the item's source. Refused (as the domain decides) when it
    /// was answered, is not yet due or was raised already.
    pub async fn supervise_opinion(
        &self,
        id: i64,
        by: &crate::user::User,
        org: &crate::org::Org,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        use tianping_domain::supervision::ItemSource;
        let mut tx = self.write(now).await?;
        let Some(r) = sqlx::query(
            "SELECT o.answer, o.due_at, o.content, o.filed_at, s.name, a.id AS activity_id, a.title, a.org_id, a.case_id \
             FROM supervisor_opinions o JOIN people_supervisors s ON s.id = o.supervisor_id \
             JOIN supervisor_activities a ON a.id = o.activity_id WHERE o.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(StoreError::Invalid("该监督意见不存在".into()));
        };
        let raised =
            sqlx::query("SELECT 1 FROM supervision_items WHERE source = $1 AND source_ref = $2")
                .bind(ItemSource::SupervisorOpinion.as_str())
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        let due = crate::parse_ts(&r.try_get::<String, _>("due_at")?)?;
        tianping_domain::people_supervisors::may_supervise_opinion(
            r.try_get::<Option<String>, _>("answer")?.is_some(),
            due,
            raised,
            now,
        )
        .map_err(|e| tianping_domain::supervision::Refusal {
            code: "not_supervisable",
            zh: e.zh().into(),
        })?;
        let title: String = r.try_get("title")?;
        let name: String = r.try_get("name")?;
        let content: String = r.try_get("content")?;
        let due_day = tianping_domain::clock::local_date(due - chrono::Duration::seconds(1));
        let n = crate::supervision::NewItem {
            source: ItemSource::SupervisorOpinion,
            source_ref: Some(id.to_string()),
            case_id: r.try_get("case_id")?,
            title: format!("人民监督员意见逾期未答复：{title}"),
            description: format!(
                "人民监督员{name}对“{title}”提出的监督意见应于 {due_day} 前答复，至今未答复。意见原文：{content}"
            ),
            responsible_org_id: Some(r.try_get("org_id")?),
            rectify_due_at: None,
            referral_id: None,
            project_id: None,
            stage_due_at: None,
        };
        let item = self.open_item_in(&mut tx, &n, by, org, now).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// The supervision items raised on opinions: opinion id → (item id, item number).
    pub async fn opinion_items(
        &self,
        opinion_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, (i64, String)>> {
        let mut out = std::collections::HashMap::new();
        for oid in opinion_ids {
            if let Some(r) = sqlx::query(
                "SELECT id, number FROM supervision_items WHERE source = 'supervisor_opinion' AND source_ref = $1",
            )
            .bind(oid.to_string())
            .fetch_optional(&self.pool)
            .await?
            {
                out.insert(*oid, (r.try_get("id")?, r.try_get("number")?));
            }
        }
        Ok(out)
    }

    pub async fn supervisor_opinion(&self, id: i64) -> Result<Option<OpinionRow>> {
        let r = sqlx::query(audited(format!(
            "SELECT {OPINION} FROM {FROM} WHERE o.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(OpinionRow::from_row).transpose()
    }

    pub async fn opinions_of_activity(&self, activity_id: i64) -> Result<Vec<OpinionRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {OPINION} FROM {FROM} WHERE o.activity_id = $1 ORDER BY o.id"
        )))
        .bind(activity_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(OpinionRow::from_row).collect()
    }

    pub async fn opinions_of_supervisor(&self, supervisor_id: i64) -> Result<Vec<OpinionRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {OPINION} FROM {FROM} WHERE o.supervisor_id = $1 ORDER BY o.id DESC"
        )))
        .bind(supervisor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(OpinionRow::from_row).collect()
    }

    /// The opinions on a region's activities held in `[from, to)`, in filing order.
    pub async fn opinions_between(
        &self,
        region_prefix: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<OpinionRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {OPINION} FROM {FROM} WHERE a.region_path >= $1 AND a.region_path < $2 \
             AND a.starts_at >= $3 AND a.starts_at < $4 ORDER BY o.id"
        )))
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(OpinionRow::from_row).collect()
    }

    /// Opinions not yet answered on the activities a unit asked for, the earliest due first.
    pub async fn unanswered_opinions(&self, org_id: &str) -> Result<Vec<OpinionRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {OPINION} FROM {FROM} WHERE a.org_id = $1 AND o.answer IS NULL ORDER BY o.due_at, o.id"
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(OpinionRow::from_row).collect()
    }

    /// Unanswered opinions within a region (the justice bureau and the supervising bodies follow
    /// them), the earliest due first.
    pub async fn unanswered_opinions_in(&self, region_prefix: &str) -> Result<Vec<OpinionRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {OPINION} FROM {FROM} WHERE a.region_path >= $1 AND a.region_path < $2 AND o.answer IS NULL \
             ORDER BY o.due_at, o.id"
        )))
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(OpinionRow::from_row).collect()
    }
}

/// Files an opinion within a write, and tells the procuratorate unit of its activity.
async fn insert_opinion(
    tx: &mut Write,
    activity_id: i64,
    supervisor_id: i64,
    content: &str,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let id: i64 = sqlx::query(
        "INSERT INTO supervisor_opinions (activity_id, supervisor_id, content, filed_at, due_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(activity_id)
    .bind(supervisor_id)
    .bind(content.trim())
    .bind(ts(now))
    .bind(ts(due))
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    tx.record(Command::SupervisorOpinionFiled, id).await?;
    let a = sqlx::query("SELECT org_id, title FROM supervisor_activities WHERE id = $1")
        .bind(activity_id)
        .fetch_one(&mut **tx)
        .await?;
    let org: String = a.try_get("org_id")?;
    let title: String = a.try_get("title")?;
    let due_text = ts(due);
    for p in unit_people(tx, &org).await? {
        if !invites_people_supervisors(p.role, AgencyKind::Procuratorate) {
            continue;
        }
        tell(
                tx,
                &p,
                &Task {
                    key: format!("supervisor-opinion-{id}-{}", p.id),
                    kind: TaskKind::AnswerOpinion,
                    what: &title,
                    sentence: format!(
                        "人民监督员对“{title}”提出了监督意见，请研究办理并答复是否采纳；不予采纳的，应当说明理由。"
                    ),
                    due: Some(&due_text),
                    link: format!("/supervisor-activities/{activity_id}#opinions"),
                },
                now,
            )
            .await?;
    }
    Ok(id)
}
