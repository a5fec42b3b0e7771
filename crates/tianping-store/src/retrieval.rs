//! 类案检索报告: similar-case retrieval reports stored on a case (migration 0007), ledgered.

use crate::ledger;
use crate::user::User;
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tianping_ledger::Command;

/// What the judge decided about a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Annotation {
    #[default]
    Unmarked,
    /// 参照
    Refer,
    /// 不参照
    NotRefer,
}

impl Annotation {
    pub fn zh(self) -> &'static str {
        match self {
            Annotation::Unmarked => "未标注",
            Annotation::Refer => "参照",
            Annotation::NotRefer => "不参照",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Annotation::Unmarked => "unmarked",
            Annotation::Refer => "refer",
            Annotation::NotRefer => "not_refer",
        }
    }

    pub fn from_code(s: &str) -> Option<Annotation> {
        [
            Annotation::Unmarked,
            Annotation::Refer,
            Annotation::NotRefer,
        ]
        .into_iter()
        .find(|a| a.code() == s)
    }
}

/// The filters a retrieval ran with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportFilters {
    #[serde(default)]
    pub charge: Option<String>,
    /// `basic`, `intermediate`, `high`, `supreme`.
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub year_from: Option<i32>,
    #[serde(default)]
    pub year_to: Option<i32>,
}

/// One ranked result as the report keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportResult {
    pub rank: u32,
    pub judgment_id: i64,
    pub score: f64,
    /// The parts of the score (0–1 each): facts, whole text, charges.
    pub facts: f64,
    pub text: f64,
    pub charges: f64,
    pub shared_charges: Vec<String>,
    pub title: String,
    pub court: Option<String>,
    pub case_number: Option<String>,
    pub decided_on: Option<String>,
    /// The sentences in words (判处有期徒刑三年 …).
    pub outcome: String,
    pub annotation: Annotation,
    #[serde(default)]
    pub note: String,
}

/// A report to save.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub case_id: i64,
    pub query_facts: String,
    pub query_charges: Vec<String>,
    pub filters: ReportFilters,
    pub snapshot_last_id: i64,
    pub snapshot_count: i64,
    pub ranking_version: String,
    pub results: Vec<ReportResult>,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: i64,
    pub created_by: String,
    pub created_at: String,
    pub body: NewReport,
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("report json: {e}")))
}

fn parse<T: for<'de> Deserialize<'de>>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("report {what}: {e}")))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Report> {
    let charges: String = r.try_get("query_charges")?;
    let filters: String = r.try_get("filters")?;
    let results: String = r.try_get("results")?;
    Ok(Report {
        id: r.try_get("id")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        body: NewReport {
            case_id: r.try_get("case_id")?,
            query_facts: r.try_get("query_facts")?,
            query_charges: parse(&charges, "charges")?,
            filters: parse(&filters, "filters")?,
            snapshot_last_id: r.try_get("snapshot_last_id")?,
            snapshot_count: r.try_get("snapshot_count")?,
            ranking_version: r.try_get("ranking_version")?,
            results: parse(&results, "results")?,
        },
    })
}

impl Store {
    /// Stores a report (and its ledger leaf); returns its id.
    pub async fn save_report(&self, r: &NewReport, by: &User, now: DateTime<Utc>) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO retrieval_reports (case_id, created_by, created_at, query_facts, query_charges, \
             filters, snapshot_last_id, snapshot_count, ranking_version, results) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(r.case_id)
        .bind(&by.display_name)
        .bind(ts(now))
        .bind(&r.query_facts)
        .bind(json(&r.query_charges)?)
        .bind(json(&r.filters)?)
        .bind(r.snapshot_last_id)
        .bind(r.snapshot_count)
        .bind(&r.ranking_version)
        .bind(json(&r.results)?)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        ledger::record_one(
            &mut tx,
            self.backend,
            Command::RetrievalReportSaved,
            id,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn report(&self, id: i64) -> Result<Option<Report>> {
        let r = sqlx::query("SELECT * FROM retrieval_reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(from_row).transpose()
    }

    /// The case's reports, newest first.
    pub async fn reports_of_case(&self, case_id: i64) -> Result<Vec<Report>> {
        let rows =
            sqlx::query("SELECT * FROM retrieval_reports WHERE case_id = $1 ORDER BY id DESC")
                .bind(case_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(from_row).collect()
    }
}
