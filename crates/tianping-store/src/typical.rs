//! 典型案例 (migration 0028, ledgered): proposals of closed cases as typical, each side's
//! approval or return, and the release — in the write of the second approval the case also
//! becomes a judgment of the similar-case library (source `typical`). The domain
//! (`tianping_domain::typical`) checks and anonymises a proposal and decides who may approve; this
//! module loads and writes, each write one transaction with its ledger leaf.

use crate::db::{FromRow, row_struct};
use crate::judgments::NewJudgment;
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::supervision::Refusal;
use tianping_domain::typical::{Proposal, Side, Stage, check_approval};
use tianping_ledger::Command;

/// The similar-case library's source of released typical cases.
pub use crate::judgments::TYPICAL_SOURCE as SOURCE;

fn refusal(code: &'static str, zh: impl Into<String>) -> StoreError {
    StoreError::Refused(Refusal {
        code,
        zh: zh.into(),
    })
}

row_struct! {
/// A proposal with its case, court and the people who acted on it.
#[derive(Debug, Clone, Serialize)]
pub struct TypicalRow {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub confidentiality: String,
    pub court_id: String,
    pub court_name: String,
    pub region_path: String,
    pub category: String,
    pub title: String,
    pub summary: String,
    pub significance: String,
    pub text: String,
    pub charges: String,
    pub proposed_by: i64,
    pub proposed_by_name: String,
    pub proposer_org: String,
    pub proposer_side: String,
    pub proposed_at: String,
    pub court_by_name: Option<String>,
    pub court_at: Option<String>,
    pub procuratorate_by_name: Option<String>,
    pub procuratorate_org: Option<String>,
    pub procuratorate_at: Option<String>,
    pub returned_by_name: Option<String>,
    pub returned_side: Option<String>,
    pub returned_at: Option<String>,
    pub return_reason: Option<String>,
    pub published_at: Option<String>,
    pub judgment_id: Option<i64>,
}
}

impl TypicalRow {
    pub fn stage(&self) -> Stage {
        Stage::of(
            self.court_at.is_some(),
            self.procuratorate_at.is_some(),
            self.returned_at.is_some(),
        )
    }
    /// Has `side` approved?
    pub fn approved_by(&self, side: Side) -> bool {
        match side {
            Side::Court => self.court_at.is_some(),
            Side::Procuratorate => self.procuratorate_at.is_some(),
        }
    }
}

const SELECT: &str = "SELECT t.id, t.case_id, c.case_number, c.confidentiality, t.court_id, o.name AS court_name, t.region_path, t.category, \
     t.title, t.summary, t.significance, t.text, t.charges, t.proposed_by, pu.display_name AS proposed_by_name, po.name AS proposer_org, t.proposer_side, t.proposed_at, \
     cu.display_name AS court_by_name, t.court_at, ru.display_name AS procuratorate_by_name, ro.name AS procuratorate_org, t.procuratorate_at, \
     xu.display_name AS returned_by_name, t.returned_side, t.returned_at, t.return_reason, t.published_at, t.judgment_id \
     FROM typical_cases t JOIN cases c ON c.id = t.case_id JOIN orgs o ON o.id = t.court_id \
     JOIN users pu ON pu.id = t.proposed_by JOIN orgs po ON po.id = pu.org_id \
     LEFT JOIN users cu ON cu.id = t.court_by LEFT JOIN users ru ON ru.id = t.procuratorate_by LEFT JOIN orgs ro ON ro.id = ru.org_id \
     LEFT JOIN users xu ON xu.id = t.returned_by";

impl Store {
    /// Stores a proposal (checked and anonymised by the domain first). A case is proposed once
    /// at a time (`already_proposed`); after a return it may be proposed again.
    pub async fn propose_typical(
        &self,
        case_id: i64,
        p: &Proposal,
        side: Side,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let Some(c) = sqlx::query("SELECT org_id, region_path FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Err(refusal("case_not_found", "案件不存在"));
        };
        let court: String = c.try_get("org_id")?;
        let path: String = c.try_get("region_path")?;
        let live =
            sqlx::query("SELECT id FROM typical_cases WHERE case_id = $1 AND returned_at IS NULL")
                .bind(case_id)
                .fetch_optional(&mut *tx)
                .await?;
        if live.is_some() {
            return Err(refusal(
                "already_proposed",
                "该案已被推荐为典型案例（待审核或已发布）",
            ));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO typical_cases (case_id, court_id, region_path, category, title, summary, significance, text, charges, proposed_by, proposer_side, proposed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(case_id)
        .bind(&court)
        .bind(&path)
        .bind(&p.category)
        .bind(&p.title)
        .bind(&p.summary)
        .bind(&p.significance)
        .bind(&p.text)
        .bind(serde_json::to_string(&p.charges).map_err(|e| StoreError::Invalid(e.to_string()))?)
        .bind(by.id)
        .bind(side.as_str())
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::TypicalProposed, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn typical_in(&self, conn: &mut sqlx::AnyConnection, id: i64) -> Result<TypicalRow> {
        let r = sqlx::query(crate::audited(format!("{SELECT} WHERE t.id = $1")))
            .bind(id)
            .fetch_optional(conn)
            .await?;
        match r {
            Some(r) => TypicalRow::from_row(&r),
            None => Err(refusal("not_found", "典型案例不存在")),
        }
    }

    /// One side's approval (the domain's `check_approval` decides). The second approval releases
    /// the case: it is published and joins the similar-case library in the same write. Returns
    /// the stage after.
    pub async fn approve_typical(
        &self,
        id: i64,
        side: Side,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<Stage> {
        let mut tx = self.write(now).await?;
        let row = self.typical_in(&mut tx, id).await?;
        check_approval(
            row.stage(),
            row.approved_by(side),
            side,
            row.proposed_by,
            by.id,
        )
        .map_err(|r| refusal(r.code, r.zh))?;
        let (by_col, at_col) = match side {
            Side::Court => ("court_by", "court_at"),
            Side::Procuratorate => ("procuratorate_by", "procuratorate_at"),
        };
        // Conditional, so that two heads racing (or an approval racing a return) cannot both
        // pass: the second waits for the first's row and then finds nothing to update.
        let done = sqlx::query(crate::audited(format!(
            "UPDATE typical_cases SET {by_col} = $1, {at_col} = $2 WHERE id = $3 AND {at_col} IS NULL AND returned_at IS NULL"
        )))
        .bind(by.id)
        .bind(ts(now))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(refusal(
                "conflict",
                "该典型案例刚被他人审核或退回，请刷新后查看",
            ));
        }
        // Read again after the update: the other side's approval committed meanwhile counts,
        // so the second of two racing approvals releases the case.
        let row = self.typical_in(&mut tx, id).await?;
        let other = match side {
            Side::Court => row.approved_by(Side::Procuratorate),
            Side::Procuratorate => row.approved_by(Side::Court),
        };
        let stage = if other {
            let judgment = NewJudgment {
                source_id: format!("typical-{id}"),
                title: row.title.clone(),
                text: format!(
                    "{}\n{}\n基本案情\n{}\n典型意义\n{}\n{}",
                    row.title, row.court_name, row.summary, row.significance, row.text
                ),
                fact: Some(row.summary.clone()),
                reasoning: Some(row.significance.clone()),
                judgment: Some(row.text.clone()),
                charges: serde_json::from_str(&row.charges).unwrap_or_default(),
            };
            let jid = self
                .insert_judgment_in(&mut tx, SOURCE, &judgment, now)
                .await?;
            sqlx::query(
                "UPDATE typical_cases SET published_at = $1, judgment_id = $2 WHERE id = $3",
            )
            .bind(ts(now))
            .bind(jid)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            Stage::Published
        } else {
            Stage::Proposed
        };
        tx.record(Command::TypicalApproved, id).await?;
        tx.commit().await?;
        Ok(stage)
    }

    /// One side returns a proposal with its reason (checked by the domain): not released.
    pub async fn return_typical(
        &self,
        id: i64,
        side: Side,
        reason: &str,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        let row = self.typical_in(&mut tx, id).await?;
        check_approval(
            row.stage(),
            row.approved_by(side),
            side,
            row.proposed_by,
            by.id,
        )
        .map_err(|r| refusal(r.code, r.zh))?;
        let done = sqlx::query(
            "UPDATE typical_cases SET returned_by = $1, returned_side = $2, returned_at = $3, return_reason = $4 \
             WHERE id = $5 AND returned_at IS NULL AND published_at IS NULL",
        )
        .bind(by.id)
        .bind(side.as_str())
        .bind(ts(now))
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(refusal(
                "conflict",
                "该典型案例刚被发布或退回，请刷新后查看",
            ));
        }
        tx.record(Command::TypicalReturned, id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn typical_case(&self, id: i64) -> Result<Option<TypicalRow>> {
        let r = sqlx::query(crate::audited(format!("{SELECT} WHERE t.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(TypicalRow::from_row).transpose()
    }

    /// The proposals of cases under a region prefix, newest first.
    pub async fn typical_cases(&self, region_prefix: &str, limit: i64) -> Result<Vec<TypicalRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{SELECT} WHERE t.region_path >= $1 AND t.region_path < $2 ORDER BY t.proposed_at DESC, t.id DESC LIMIT {}",
            limit.clamp(1, 5000)
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(TypicalRow::from_row).collect()
    }

    /// The released cases, newest release first.
    pub async fn published_typical(&self, limit: i64) -> Result<Vec<TypicalRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{SELECT} WHERE t.published_at IS NOT NULL ORDER BY t.published_at DESC, t.id DESC LIMIT {}",
            limit.clamp(1, 5000)
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(TypicalRow::from_row).collect()
    }
}
