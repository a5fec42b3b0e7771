//! The rest of a supervisor's file: training attended, admonitions (诫勉) and the annual
//! assessment — a year's grades stored together, 不称职 removing the supervisor with a bar in
//! the same write.

use crate::db::FromRow;
use crate::{Result, Store, StoreError, audited, ts};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use tianping_ledger::Command;

crate::db::row_struct! {
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecordRow {
    pub id: i64,
    pub supervisor_id: i64,
    pub kind: String,
    pub year: i64,
    pub on_date: String,
    pub grade: Option<String>,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: String,
}
}

const RECORD: &str =
    "id, supervisor_id, kind, year, on_date, grade, note, recorded_by, recorded_at";

/// One supervisor's grade in a year's assessment; `removes` when the grade ends their office.
pub struct Assessed<'a> {
    pub supervisor_id: i64,
    pub grade: &'a str,
    pub removes: bool,
}

impl Store {
    /// Adds a training attended or an admonition to a supervisor's file.
    pub async fn record_supervisor_entry(
        &self,
        supervisor_id: i64,
        kind: &str,
        on: NaiveDate,
        note: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        use chrono::Datelike;
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO supervisor_records (supervisor_id, kind, year, on_date, note, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(supervisor_id)
        .bind(kind)
        .bind(i64::from(on.year()))
        .bind(on.to_string())
        .bind(note)
        .bind(by)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.record(Command::SupervisorRecorded, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stores a year's assessment (the domain checked the grades as a whole): one record per
    /// supervisor; those whose grade removes them leave office, barred, in the same write.
    /// Refused when any of them was assessed for the year already.
    pub async fn assess_supervisors(
        &self,
        year: i32,
        grades: &[Assessed<'_>],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        for g in grades {
            let done: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM supervisor_records WHERE supervisor_id = $1 AND year = $2 AND kind = 'assessment'",
            )
            .bind(g.supervisor_id)
            .bind(i64::from(year))
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if done > 0 {
                return Err(StoreError::Invalid(format!(
                    "{year} 年度考核已经完成，不能重复考核"
                )));
            }
            let id: i64 = sqlx::query(
                "INSERT INTO supervisor_records (supervisor_id, kind, year, on_date, grade, note, recorded_by, recorded_at) \
                 VALUES ($1, 'assessment', $2, $3, $4, '', $5, $6) RETURNING id",
            )
            .bind(g.supervisor_id)
            .bind(i64::from(year))
            .bind(tianping_domain::clock::local_date(now).to_string())
            .bind(g.grade)
            .bind(by)
            .bind(ts(now))
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            tx.record(Command::SupervisorRecorded, id).await?;
            if g.removes {
                let n = sqlx::query(
                    "UPDATE people_supervisors SET status = 'removed', removed_reason = $1, removed_at = $2, barred = 1 \
                     WHERE id = $3 AND status = 'serving'",
                )
                .bind(format!("{year} 年度考核不称职"))
                .bind(ts(now))
                .bind(g.supervisor_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n > 0 {
                    tx.record(Command::PeopleSupervisorRemoved, g.supervisor_id)
                        .await?;
                }
            }
        }
        tx.commit().await
    }

    /// A supervisor's file entries, newest first.
    pub async fn supervisor_records(&self, supervisor_id: i64) -> Result<Vec<RecordRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {RECORD} FROM supervisor_records WHERE supervisor_id = $1 ORDER BY on_date DESC, id DESC"
        )))
        .bind(supervisor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(RecordRow::from_row).collect()
    }

    /// Serving supervisors of a region admonished at least `times` within their current term:
    /// (supervisor, name, admonitions).
    pub async fn admonished(
        &self,
        region_prefix: &str,
        times: u32,
    ) -> Result<Vec<(i64, String, i64)>> {
        let rows = sqlx::query(
            "SELECT s.id AS id, s.name AS name, COUNT(*) AS n FROM supervisor_records r \
             JOIN people_supervisors s ON s.id = r.supervisor_id \
             WHERE r.kind = 'admonition' AND s.status = 'serving' AND s.region_path >= $1 AND s.region_path < $2 \
             AND r.on_date >= s.term_start AND r.on_date <= s.term_end \
             GROUP BY s.id, s.name HAVING COUNT(*) >= $3 ORDER BY s.id",
        )
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .bind(i64::from(times))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("name")?, r.try_get("n")?)))
            .collect()
    }

    /// The grades given in a region's assessment of `year`: (supervisor, grade).
    pub async fn assessments_in(
        &self,
        region_prefix: &str,
        year: i32,
    ) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT r.supervisor_id AS id, r.grade AS grade FROM supervisor_records r \
             JOIN people_supervisors s ON s.id = r.supervisor_id \
             WHERE r.kind = 'assessment' AND r.year = $1 AND s.region_path >= $2 AND s.region_path < $3",
        )
        .bind(i64::from(year))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get::<Option<String>, _>("grade")?.unwrap_or_default(),
                ))
            })
            .collect()
    }
}

crate::db::row_struct! {
/// One payment of a supervisor's allowance (履职补贴).
#[derive(Debug, Clone, serde::Serialize)]
pub struct AllowanceRow {
    pub id: i64,
    pub supervisor_id: i64,
    pub year: i64,
    pub paid_on: String,
    pub amount_yuan: i64,
    pub note: String,
    pub paid_by: String,
    pub recorded_at: String,
}
}

const ALLOWANCE: &str = "id, supervisor_id, year, paid_on, amount_yuan, note, paid_by, recorded_at";

/// A payment to record (the domain checked it against the year's attendance).
pub struct NewAllowance<'a> {
    pub supervisor_id: i64,
    pub year: i32,
    pub paid_on: NaiveDate,
    pub amount_yuan: i64,
    pub note: &'a str,
    pub paid_by: &'a str,
}

impl Store {
    /// Records a payment of a supervisor's allowance for a year.
    pub async fn pay_supervisor_allowance(
        &self,
        p: &NewAllowance<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO supervisor_allowances (supervisor_id, year, paid_on, amount_yuan, note, paid_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(p.supervisor_id)
        .bind(i64::from(p.year))
        .bind(p.paid_on.to_string())
        .bind(p.amount_yuan)
        .bind(p.note)
        .bind(p.paid_by)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.record(Command::SupervisorAllowancePaid, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A supervisor's allowance payments, the latest first.
    pub async fn supervisor_allowances(&self, supervisor_id: i64) -> Result<Vec<AllowanceRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {ALLOWANCE} FROM supervisor_allowances WHERE supervisor_id = $1 ORDER BY paid_on DESC, id DESC"
        )))
        .bind(supervisor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(AllowanceRow::from_row).collect()
    }

    /// What was paid for a year to each supervisor of a region: supervisor → yuan.
    pub async fn allowances_paid(
        &self,
        region_prefix: &str,
        year: i32,
    ) -> Result<std::collections::HashMap<i64, i64>> {
        let rows = sqlx::query(
            "SELECT p.supervisor_id, CAST(SUM(p.amount_yuan) AS BIGINT) AS paid FROM supervisor_allowances p \
             JOIN people_supervisors s ON s.id = p.supervisor_id \
             WHERE p.year = $1 AND s.region_path >= $2 AND s.region_path < $3 GROUP BY p.supervisor_id",
        )
        .bind(i64::from(year))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("supervisor_id")?, r.try_get("paid")?)))
            .collect()
    }
}
