//! 失信被执行人名单 (migration 0027, ledgered): listings of the debtors of a court's execution
//! cases, the cause of deletion as it arises, and the deletion. The domain
//! (`tianping_domain::dishonest`) checks a listing and says where an entry stands; this module
//! loads and writes, each write one transaction with its ledger leaf.

use crate::db::{FromRow, row_struct};
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::dishonest::{Listing, Status, rules, status};
use tianping_domain::supervision::Refusal;
use tianping_ledger::Command;

fn refusal(code: &'static str, zh: impl Into<String>) -> StoreError {
    StoreError::Refused(Refusal {
        code,
        zh: zh.into(),
    })
}

row_struct! {
/// A listing with its case and court.
#[derive(Debug, Clone, Serialize)]
pub struct EntryRow {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub court_id: String,
    pub court_name: String,
    pub region_path: String,
    pub debtor_kind: String,
    pub name: String,
    pub id_masked: String,
    pub ground: String,
    pub extra_years: i64,
    pub decided_on: String,
    pub term_end: Option<String>,
    pub listed_by_name: String,
    pub listed_at: String,
    pub cause: Option<String>,
    pub cause_on: Option<String>,
    pub cause_note: Option<String>,
    pub deleted_on: Option<String>,
}
}

impl EntryRow {
    fn day(s: &Option<String>) -> Option<NaiveDate> {
        s.as_deref().and_then(|d| d.parse().ok())
    }
    /// Where the entry stands on `today` (the calendar counts the working days to delete).
    pub fn status(&self, cal: &tianping_domain::calendar::Calendar, today: NaiveDate) -> Status {
        let cause_on = Self::day(&self.cause_on);
        status(
            rules(),
            cal,
            Self::day(&self.term_end),
            self.cause.as_deref().zip(cause_on),
            self.deleted_on.is_some(),
            today,
        )
    }
}

const SELECT: &str = "SELECT e.id, e.case_id, c.case_number, e.court_id, o.name AS court_name, e.region_path, e.debtor_kind, e.name, e.id_masked, \
     e.ground, e.extra_years, e.decided_on, e.term_end, u.display_name AS listed_by_name, e.listed_at, e.cause, e.cause_on, e.cause_note, e.deleted_on \
     FROM dishonest_entries e JOIN cases c ON c.id = e.case_id JOIN orgs o ON o.id = e.court_id JOIN users u ON u.id = e.listed_by";

impl Store {
    /// Lists a debtor of an execution case (checked by the domain first). Once per debtor and
    /// case while listed (`already_listed`).
    pub async fn list_dishonest(
        &self,
        case_id: i64,
        l: &Listing,
        extra_years: u32,
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
        let listed = sqlx::query(
            "SELECT 1 FROM dishonest_entries WHERE case_id = $1 AND name = $2 AND id_masked = $3 AND deleted_on IS NULL",
        )
        .bind(case_id)
        .bind(&l.name)
        .bind(&l.id_masked)
        .fetch_optional(&mut *tx)
        .await?;
        if listed.is_some() {
            return Err(refusal("already_listed", "该被执行人已在本案的失信名单中"));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO dishonest_entries (case_id, court_id, region_path, debtor_kind, name, id_masked, ground, extra_years, decided_on, term_end, listed_by, listed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(case_id)
        .bind(&court)
        .bind(&path)
        .bind(l.kind.as_str())
        .bind(&l.name)
        .bind(&l.id_masked)
        .bind(&l.ground)
        .bind(i64::from(extra_years))
        .bind(l.decided_on.to_string())
        .bind(l.term_end.map(|d| d.to_string()))
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::DishonestListed, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn dishonest_entry(&self, id: i64) -> Result<Option<EntryRow>> {
        let r = sqlx::query(crate::audited(format!("{SELECT} WHERE e.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(EntryRow::from_row).transpose()
    }

    /// The entries under a region prefix, newest decision first; `current`: only those not
    /// deleted.
    pub async fn dishonest_entries(
        &self,
        region_prefix: &str,
        current: bool,
        limit: i64,
    ) -> Result<Vec<EntryRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{SELECT} WHERE e.region_path >= $1 AND e.region_path < $2{} ORDER BY e.decided_on DESC, e.id DESC LIMIT {}",
            if current {
                " AND e.deleted_on IS NULL"
            } else {
                ""
            },
            limit.clamp(1, 5000)
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EntryRow::from_row).collect()
    }

    /// The entries of a case.
    pub async fn case_dishonest(&self, case_id: i64) -> Result<Vec<EntryRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{SELECT} WHERE e.case_id = $1 ORDER BY e.id"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EntryRow::from_row).collect()
    }

    /// Records the cause of deletion (art. 10) and the day it arose: from then the entry is due
    /// to be deleted within three working days. Once; never on a deleted entry.
    pub async fn record_dishonest_cause(
        &self,
        id: i64,
        cause: &str,
        on: NaiveDate,
        note: &str,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if rules().removal(cause).is_none() || cause == "expired" {
            return Err(refusal("invalid_kind", "请选择删除事由（第十条）"));
        }
        if on > tianping_domain::clock::local_date(now) {
            return Err(refusal("date_in_future", "事由发生日期不能晚于今天"));
        }
        let mut tx = self.write(now).await?;
        let Some(r) = sqlx::query(
            "SELECT cause, deleted_on, decided_on FROM dishonest_entries WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(refusal("not_found", "失信名单信息不存在"));
        };
        if r.try_get::<Option<String>, _>("deleted_on")?.is_some() {
            return Err(refusal("wrong_state", "该信息已删除"));
        }
        if r.try_get::<Option<String>, _>("cause")?.is_some() {
            return Err(refusal("already_done", "删除事由已登记"));
        }
        let decided: String = r.try_get("decided_on")?;
        if on.to_string() < decided {
            return Err(refusal(
                "invalid_date",
                "事由发生日期不能早于纳入名单的决定日期",
            ));
        }
        sqlx::query(
            "UPDATE dishonest_entries SET cause = $1, cause_on = $2, cause_note = $3, cause_by = $4 WHERE id = $5",
        )
        .bind(cause)
        .bind(on.to_string())
        .bind(note.trim())
        .bind(by.id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.record(Command::DishonestCauseRecorded, id).await?;
        tx.commit().await
    }

    /// Deletes an entry from the list: only once a cause arose (recorded, or the term's end).
    pub async fn delete_dishonest(
        &self,
        id: i64,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let today = tianping_domain::clock::local_date(now);
        let Some(e) = self.dishonest_entry(id).await? else {
            return Err(refusal("not_found", "失信名单信息不存在"));
        };
        match e.status(&self.clockwork().calendar, today) {
            Status::Deleted => return Err(refusal("wrong_state", "该信息已删除")),
            Status::Listed => {
                return Err(refusal(
                    "wrong_state",
                    "尚无删除事由：请先登记第十条规定的删除事由（期限届满的自动计入）",
                ));
            }
            Status::ToDelete { .. } => {}
        }
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE dishonest_entries SET deleted_on = $1, deleted_by = $2, deleted_at = $3 WHERE id = $4 AND deleted_on IS NULL",
        )
        .bind(today.to_string())
        .bind(by.id)
        .bind(ts(now))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(refusal("wrong_state", "该信息已删除"));
        }
        tx.record(Command::DishonestDeleted, id).await?;
        tx.commit().await
    }
}
