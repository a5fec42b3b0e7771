//! What the verifier checks of the projections beside the ledgered records: the rows the product
//! reads to decide who sees a case. A case's organisation is a ledgered record; the case row's
//! region and agency kind are copies of that organisation's, and each clock row's region and
//! organisation copies of its case's. A copy changed behind the product's back (a case moved to
//! another region, hidden from its supervisors, or a clock taken off a court's board) passes the
//! record check, so these are compared here — by the database, one pass over each table, in the
//! verification's snapshot, whatever the store's size.
//!
//! The clock rows' dates and the metric facts are re-derived from the events by `crate::rederive`
//! ([`crate::Store::rederive_projections`]), which needs ingest's fold and the rules in force.

use super::Finding;
use crate::Result;
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
    let clocks = sqlx::query(
        "SELECT c.case_id, c.clock_key, c.region_path, c.org_id, k.region_path AS case_region, k.org_id AS case_org \
         FROM clocks c JOIN cases k ON k.id = c.case_id \
         WHERE c.region_path <> k.region_path OR c.org_id <> k.org_id \
         ORDER BY c.case_id, c.clock_key LIMIT $1",
    )
    .bind(NAMED)
    .fetch_all(&mut **tx)
    .await?;
    for r in &clocks {
        let case: i64 = r.try_get("case_id")?;
        let key: String = r.try_get("clock_key")?;
        let region: String = r.try_get("region_path")?;
        let org: String = r.try_get("org_id")?;
        let case_region: String = r.try_get("case_region")?;
        let case_org: String = r.try_get("case_org")?;
        findings.push(Finding::new(
            "projection_differs",
            None,
            Some(format!("clocks/{case}/{key}")),
            format!(
                "clock {key} of case {case}: region {region} of {org}, but its case's is {case_region} of {case_org} (changed outside the product: the clock would leave its court's board)"
            ),
        ));
    }
    Ok(())
}
