//! What the verifier checks of the projections beside the ledgered records: the rows the product
//! reads to decide who sees a case. A case's organisation is a ledgered record; the case row's
//! region and agency kind are copies of that organisation's, and each clock row's region and
//! organisation copies of its case's. A copy changed behind the product's back (a case moved to
//! another region, hidden from its supervisors, or a clock taken off a court's board) passes the
//! record check, so these are compared here — by the database, one pass over each table, in the
//! verification's snapshot, whatever the store's size.
//!
//! The per-case rows that only the write path writes (clocks, flow nodes, risk hits, metric
//! facts) keep no foreign key to their case on PostgreSQL (migration 0050): a row of a case that
//! is not in the store is named here, per table, and so is a clock, flow node or risk hit whose
//! region or organisation is not its case's (it would leave, or join, another board).
//!
//! The clock rows' dates and the metric facts are re-derived from the events by `crate::rederive`
//! ([`crate::Store::rederive_projections`]), which needs ingest's fold and the rules in force.

use super::Finding;
use crate::{Result, audited};
use sqlx::Row;

/// Findings named per kind of mismatch, at most (the first ones in id order).
const NAMED: i64 = 20;

pub(super) async fn compare(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let cases = sqlx::query(
        "SELECT k.id, k.case_number, k.region_path, k.agency_kind, o.region_path AS org_region, o.kind AS org_kind \
         FROM cases k LEFT JOIN orgs o ON o.id = k.org_id \
         WHERE o.id IS NULL OR k.region_path <> o.region_path OR k.agency_kind <> o.kind \
         ORDER BY k.id LIMIT $1",
    )
    .bind(NAMED)
    .fetch_all(&mut **tx)
    .await?;
    for r in &cases {
        let id: i64 = r.try_get("id")?;
        let number: String = r.try_get("case_number")?;
        let region: String = r.try_get("region_path")?;
        let kind: String = r.try_get("agency_kind")?;
        let org_region: Option<String> = r.try_get("org_region")?;
        let org_kind: Option<String> = r.try_get("org_kind")?;
        findings.push(Finding::new(
            "projection_differs",
            None,
            Some(format!("cases/{id}")),
            match (org_region, org_kind) {
                (Some(or), Some(ok)) => format!(
                    "case {number}: region {region} and agency kind {kind}, but its organisation's are {or} and {ok} (changed outside the product: it would be hidden from the supervisors of its region)"
                ),
                _ => format!("case {number}: its organisation is not in the store"),
            },
        ));
    }
    per_case_rows(tx, findings).await
}

/// The per-case tables written only by the write path: (table, the key within a case, what a row
/// is to the reader of a finding). `metric_facts` has one row per case.
const PER_CASE: [(&str, Option<&str>, &str); 4] = [
    ("clocks", Some("clock_key"), "clock"),
    ("case_nodes", Some("mark"), "flow node"),
    ("risk_hits", Some("signal"), "risk hit"),
    ("metric_facts", None, "metric facts"),
];

/// What a row whose region or organisation was changed would do, by table (the tables with a key
/// within a case; metric facts are compared by the re-derivation, `crate::rederive`).
fn would(table: &str) -> &'static str {
    match table {
        "clocks" => "the clock would leave its court's board",
        _ => "it would leave its region's node board",
    }
}

/// Rows of a case that is not in the store, and clocks, flow nodes and risk hits whose region or
/// organisation is not their case's. One anti-join (or join) per table, by the database.
async fn per_case_rows(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    for (table, _, what) in PER_CASE {
        let orphans = sqlx::query(audited(format!(
            "SELECT t.case_id, COUNT(*) AS n FROM {table} t \
             WHERE NOT EXISTS (SELECT 1 FROM cases k WHERE k.id = t.case_id) \
             GROUP BY t.case_id ORDER BY t.case_id LIMIT $1"
        )))
        .bind(NAMED)
        .fetch_all(&mut **tx)
        .await?;
        for r in &orphans {
            let case: i64 = r.try_get("case_id")?;
            let n: i64 = r.try_get("n")?;
            findings.push(Finding::new(
                "projection_orphan",
                None,
                Some(format!("{table}/{case}")),
                format!(
                    "{n} {what} row(s) of case {case}, which is not in the store (written outside the product: the boards and counts would read them)"
                ),
            ));
        }
    }
    for (table, key, what) in PER_CASE {
        let Some(key) = key else {
            continue;
        };
        let moved = sqlx::query(audited(format!(
            "SELECT t.case_id, t.{key} AS part, t.region_path, t.org_id, \
             k.region_path AS case_region, k.org_id AS case_org \
             FROM {table} t JOIN cases k ON k.id = t.case_id \
             WHERE t.region_path <> k.region_path OR t.org_id <> k.org_id \
             ORDER BY t.case_id, t.{key} LIMIT $1"
        )))
        .bind(NAMED)
        .fetch_all(&mut **tx)
        .await?;
        for r in &moved {
            let case: i64 = r.try_get("case_id")?;
            let part: String = r.try_get("part")?;
            let region: String = r.try_get("region_path")?;
            let org: String = r.try_get("org_id")?;
            let case_region: String = r.try_get("case_region")?;
            let case_org: String = r.try_get("case_org")?;
            findings.push(Finding::new(
                "projection_differs",
                None,
                Some(format!("{table}/{case}/{part}")),
                format!(
                    "{what} {part} of case {case}: region {region} of {org}, but its case's is {case_region} of {case_org} (changed outside the product: {})",
                    would(table)
                ),
            ));
        }
    }
    Ok(())
}
