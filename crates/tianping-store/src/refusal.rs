//! 拒执 referrals (migration 0029, ledgered): a court's referral of a debtor to the police and
//! each step after it, each a row of its own (never updated; the stage is the last step). The
//! domain (`tianping_domain::refusal`) checks a referral and a step and says who takes it; this
//! module loads and writes, each write one transaction with its ledger leaf.

use crate::db::{FromRow, row_struct};
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::refusal::{Stage, Step};
use tianping_domain::supervision::Refusal;
use tianping_ledger::Command;

fn refusal(code: &'static str, zh: impl Into<String>) -> StoreError {
    StoreError::Refused(Refusal {
        code,
        zh: zh.into(),
    })
}

row_struct! {
/// A referral with its case, court and police.
#[derive(Debug, Clone, Serialize)]
pub struct ReferralRow {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub confidentiality: String,
    pub case_judge: Option<String>,
    pub court_id: String,
    pub court_name: String,
    pub region_path: String,
    pub police_org_id: String,
    pub police_name: String,
    pub debtor: String,
    pub facts: String,
    pub referred_on: String,
    pub referred_by_name: String,
    pub last_step: Option<String>,
    pub last_on: Option<String>,
    /// Steps recorded, read in the same statement as the last one (a step's position).
    pub steps: i64,
}
}

impl ReferralRow {
    pub fn stage(&self) -> Stage {
        self.last_step
            .as_deref()
            .and_then(Step::parse)
            .map_or(Stage::Referred, Step::to)
    }
    pub fn referred_day(&self) -> Option<NaiveDate> {
        self.referred_on.parse().ok()
    }
    /// The day of the last step (the referral's, before any).
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.last_on
            .as_deref()
            .unwrap_or(&self.referred_on)
            .parse()
            .ok()
    }
}

row_struct! {
/// A recorded step.
#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub id: i64,
    pub step: String,
    pub on_day: String,
    pub note: String,
    pub by_name: String,
    pub by_org_name: String,
    pub recorded_at: String,
}
}

const SELECT: &str = "SELECT r.id, r.case_id, c.case_number, c.confidentiality, c.judge AS case_judge, r.court_id, o.name AS court_name, r.region_path, r.police_org_id, p.name AS police_name, \
     r.debtor, r.facts, r.referred_on, u.display_name AS referred_by_name, \
     (SELECT s.step FROM refusal_steps s WHERE s.referral_id = r.id ORDER BY s.id DESC LIMIT 1) AS last_step, \
     (SELECT s.on_day FROM refusal_steps s WHERE s.referral_id = r.id ORDER BY s.id DESC LIMIT 1) AS last_on, \
     (SELECT COUNT(*) FROM refusal_steps s WHERE s.referral_id = r.id) AS steps \
     FROM refusal_referrals r JOIN cases c ON c.id = r.case_id JOIN orgs o ON o.id = r.court_id \
     JOIN orgs p ON p.id = r.police_org_id JOIN users u ON u.id = r.referred_by";

/// A referral as the court enters it (checked by the domain first).
#[derive(Debug, Clone)]
pub struct NewReferral<'a> {
    pub case_id: i64,
    pub police_org_id: &'a str,
    pub debtor: &'a str,
    pub facts: &'a str,
    pub referred_on: NaiveDate,
}

impl Store {
    /// Refers a debtor of an execution case to the police.
    pub async fn refer_refusal(
        &self,
        r: &NewReferral<'_>,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let Some(c) = sqlx::query("SELECT org_id, region_path FROM cases WHERE id = $1")
            .bind(r.case_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Err(refusal("case_not_found", "案件不存在"));
        };
        let court: String = c.try_get("org_id")?;
        let path: String = c.try_get("region_path")?;
        let id: i64 = sqlx::query(
            "INSERT INTO refusal_referrals (case_id, court_id, region_path, police_org_id, debtor, facts, referred_on, referred_by, referred_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(r.case_id)
        .bind(&court)
        .bind(&path)
        .bind(r.police_org_id)
        .bind(r.debtor.trim())
        .bind(r.facts.trim())
        .bind(r.referred_on.to_string())
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::RefusalReferred, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records a step (checked by the domain against the stage read here, in the write, so two
    /// agencies racing record one step; the unique index holds the rest).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_refusal_step(
        &self,
        id: i64,
        step: Step,
        on: NaiveDate,
        note: &str,
        by: &crate::user::User,
        by_org: &str,
        expected: Stage,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let r = sqlx::query(crate::audited(format!("{SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(r) = r.as_ref().map(ReferralRow::from_row).transpose()? else {
            return Err(refusal("not_found", "拒执线索移送不存在"));
        };
        if r.stage() != expected || !r.stage().next().contains(&step) {
            return Err(refusal(
                "wrong_state",
                format!("案件目前“{}”，不能登记“{}”", r.stage().zh(), step.zh()),
            ));
        }
        // The position from the same statement as the stage: two writes that both saw this stage
        // take the same position, and the unique index lets one of them through.
        let seq = r.steps;
        let inserted = sqlx::query(
            "INSERT INTO refusal_steps (referral_id, case_id, seq, step, on_day, note, by_user, by_org, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(id)
        .bind(r.case_id)
        .bind(seq)
        .bind(step.as_str())
        .bind(on.to_string())
        .bind(note.trim())
        .bind(by.id)
        .bind(by_org)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await;
        let sid: i64 = match inserted {
            Ok(row) => row.try_get(0)?,
            Err(e) if crate::feedback::is_unique_violation(&e) => {
                return Err(refusal("conflict", "另一办理结果刚刚登记，请刷新后查看"));
            }
            Err(e) => return Err(e.into()),
        };
        tx.record(Command::RefusalStepRecorded, sid).await?;
        tx.commit().await?;
        Ok(sid)
    }

    pub async fn refusal_referral(&self, id: i64) -> Result<Option<ReferralRow>> {
        let r = sqlx::query(crate::audited(format!("{SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(ReferralRow::from_row).transpose()
    }

    /// The steps of a referral, oldest first.
    pub async fn refusal_steps(&self, id: i64) -> Result<Vec<StepRow>> {
        let rows = sqlx::query(
            "SELECT s.id, s.step, s.on_day, s.note, u.display_name AS by_name, o.name AS by_org_name, s.recorded_at \
             FROM refusal_steps s JOIN users u ON u.id = s.by_user JOIN orgs o ON o.id = s.by_org \
             WHERE s.referral_id = $1 ORDER BY s.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(StepRow::from_row).collect()
    }

    /// The referrals of cases under a region prefix, or (`police`) addressed to a police
    /// organisation; newest first.
    pub async fn refusal_referrals(
        &self,
        region_prefix: &str,
        police: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ReferralRow>> {
        let limit = limit.clamp(1, 5000);
        let q = match police {
            Some(p) => sqlx::query(crate::audited(format!(
                "{SELECT} WHERE r.police_org_id = $1 ORDER BY r.referred_on DESC, r.id DESC LIMIT {limit}"
            )))
            .bind(p.to_string()),
            None => sqlx::query(crate::audited(format!(
                "{SELECT} WHERE r.region_path >= $1 AND r.region_path < $2 ORDER BY r.referred_on DESC, r.id DESC LIMIT {limit}"
            )))
            .bind(region_prefix.to_string())
            .bind(crate::case::prefix_end(region_prefix)),
        };
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(ReferralRow::from_row).collect()
    }
}
