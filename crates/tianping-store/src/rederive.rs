//! Projections re-derived from the events, for `ledger verify`: the case row and the clock rows of
//! every live case (open, or closed with a clock still running: the cases a change of rules
//! re-computes). Each case's events are folded into its state as ingest folds them; the row's
//! columns that the events decide (procedure, stage, titles, cause, confidentiality, status,
//! judge, closing, disposition, the last event and the count) are compared with the row, then its
//! clocks are computed with the rules in force and each stored clock's due date and rule
//! compared. A status or judge changed in the database (a case taken off a list), or a due date
//! moved (a clock taken out of 超审限), is named with its case. It reads a batch of cases at a
//! time in one read-only snapshot, so its memory does not grow with the store.
//!
//! Not re-derived: the stored JSON state itself (what the pages read is in the compared columns),
//! closed cases without a running clock, and the clock rows' statuses and warnings (they depend on
//! when the poller last ran).
//!
//! It sits above the ledger, ingest and the clocks (the ledger's own checks must not depend on
//! them).

use crate::case::{EVENT_COLUMNS, EventRow};
use crate::db::FromRow;
use crate::ingest::{opening, resolve_filing};
use crate::ledger::Finding;
use crate::org::Org;
use crate::{Result, Store, StoreError, audited, parse_ts};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::collections::HashMap;
use tianping_domain::CaseState;
use tianping_domain::history::{Recorded, fold};

/// Findings named, at most (the first ones in id order); the rest are counted.
const NAMED: i64 = 20;

/// What the re-derivation found.
#[derive(Debug, Clone, Default)]
pub struct Rederived {
    /// Live cases whose clocks were re-derived.
    pub cases: u64,
    pub findings: Vec<Finding>,
    /// Why nothing was re-derived (this process's rules differ from the store's).
    pub skipped: Option<String>,
}

impl Store {
    /// Re-derives every live case's clocks from its events and compares them with the stored
    /// rows (see the module documentation).
    pub async fn rederive_clocks(&self) -> Result<Rederived> {
        let mut tx = self.read_snapshot().await?;
        let mut out = Rederived::default();
        match rederive(self, &mut tx, &mut out.findings).await? {
            Ok(n) => out.cases = n,
            Err(why) => out.skipped = Some(why),
        }
        tx.rollback().await?;
        Ok(out)
    }
}

/// Live cases re-derived per batch: one batch's events and clock rows are held at a time.
const BATCH: i64 = 2000;

/// Re-derives every live case's clocks from its events and compares them with the stored rows
/// (see the module documentation). Returns the number of cases re-derived, or why none were:
/// a process whose rule files are not those the store's clocks were computed with would name
/// every moved date as tampering.
async fn rederive(
    store: &Store,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    findings: &mut Vec<Finding>,
) -> Result<std::result::Result<u64, String>> {
    // The calendar years and organisations stored since this process last looked.
    store.refresh().await?;
    if let Some(c) = store.rules_conflict().await? {
        return Ok(Err(format!(
            "this process's rule files (fingerprint {}) are not those the store's clocks were computed with ({}): run the verification with the servers' rules_dir",
            c.mine, c.stored
        )));
    }
    let cw = store.clockwork();
    let dir = store.org_directory().await?;
    let live = crate::clocks::LIVE;
    let mut after: i64 = 0;
    let mut checked: u64 = 0;
    let mut named: i64 = 0;
    let mut unnamed: u64 = 0;
    let mut differs = |findings: &mut Vec<Finding>, record: String, detail: String| {
        if named < NAMED {
            named += 1;
            findings.push(Finding::new(
                "projection_differs",
                None,
                Some(record),
                detail,
            ));
        } else {
            unnamed += 1;
        }
    };
    loop {
        let cases = sqlx::query(audited(format!(
            "SELECT id, case_number, org_id, {PROJECTED} FROM cases WHERE {live} AND id > $1 ORDER BY id LIMIT $2"
        )))
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut **tx)
        .await?;
        let (Some(first), Some(last)) = (cases.first(), cases.last()) else {
            break;
        };
        let (lo, hi): (i64, i64) = (first.try_get("id")?, last.try_get("id")?);
        after = hi;
        // Each case's events in recorded order, and when the last was recorded (the time its
        // clocks were last computed at).
        let mut events: HashMap<i64, (Vec<Recorded>, DateTime<Utc>)> = HashMap::new();
        for r in sqlx::query(audited(format!(
            "SELECT case_id, {EVENT_COLUMNS} FROM events WHERE case_id >= $1 AND case_id <= $2 ORDER BY case_id, id"
        )))
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut **tx)
        .await?
        {
            let case: i64 = r.try_get("case_id")?;
            let e = EventRow::from_row(&r)?;
            let recorded = parse_ts(&e.recorded_at)?;
            let body = serde_json::from_str(&e.body)
                .map_err(|x| StoreError::Corrupt(format!("event {}: {x}", e.id)))?;
            let slot = events.entry(case).or_insert((vec![], recorded));
            slot.1 = slot.1.max(recorded);
            slot.0.push(Recorded {
                source: e.source,
                source_event_id: e.source_event_id,
                occurred_at: parse_ts(&e.occurred_at)?,
                corrects: e.corrects,
                body,
            });
        }
        type Stored = (Option<String>, Option<String>);
        let mut stored: HashMap<(i64, String), Stored> = HashMap::new();
        for r in sqlx::query(
            "SELECT case_id, clock_key, due_date, rule FROM clocks WHERE case_id >= $1 AND case_id <= $2",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut **tx)
        .await?
        {
            stored.insert(
                (r.try_get("case_id")?, r.try_get("clock_key")?),
                (r.try_get("due_date")?, r.try_get("rule")?),
            );
        }
        for c in &cases {
            let id: i64 = c.try_get("id")?;
            let number: String = c.try_get("case_number")?;
            let org: String = c.try_get("org_id")?;
            checked += 1;
            let Some((history, at)) = events.remove(&id) else {
                differs(
                    findings,
                    format!("cases/{id}"),
                    format!(
                        "case {number}: no events (a case row without its history was written outside the product)"
                    ),
                );
                continue;
            };
            let folded = fold(
                &history,
                |f, when| {
                    let r = resolve_filing(&number, f, &dir)?;
                    let procedure = opening(r.type_code.as_deref());
                    CaseState::open(f, r.kind, procedure, r.type_code, when, at)
                },
                at,
            );
            let mut state = match folded {
                Ok(s) => s,
                Err((i, why)) => {
                    differs(
                        findings,
                        format!("cases/{id}"),
                        format!(
                            "case {number}: its events no longer fold at event {}: {why}",
                            i + 1
                        ),
                    );
                    continue;
                }
            };
            state.venue = dir.get(&org).map(Org::to_ref);
            if let Some((col, stored, want)) = row_differs(c, &state)? {
                // Titles and causes name the parties and what the case is about: the finding
                // names the column only (a confidential case's names stay out of the output).
                let detail = if SHOWN.contains(&col) {
                    format!(
                        "case {number}: stored {col} {}, its events give {} (changed outside the product)",
                        stored.as_deref().unwrap_or("none"),
                        want.as_deref().unwrap_or("none"),
                    )
                } else {
                    format!(
                        "case {number}: stored {col} differs from what its events give (changed outside the product)"
                    )
                };
                differs(findings, format!("cases/{id}"), detail);
            }
            for clock in cw.compute(&state, at) {
                let key = clock.key.as_str();
                let Some((due, rule)) = stored.get(&(id, key.to_string())) else {
                    continue;
                };
                let want = clock.due.map(|d| d.to_string());
                if *due != want || *rule != clock.rule {
                    differs(
                        findings,
                        format!("clocks/{id}/{key}"),
                        format!(
                            "clock {key} of case {number}: stored due {} under {}, its events give {} under {} (changed outside the product)",
                            due.as_deref().unwrap_or("none"),
                            rule.as_deref().unwrap_or("no rule"),
                            want.as_deref().unwrap_or("none"),
                            clock.rule.as_deref().unwrap_or("no rule"),
                        ),
                    );
                }
            }
        }
    }
    if unnamed > 0 {
        findings.push(Finding::new(
            "projection_differs",
            None,
            None,
            format!("… and {unnamed} more re-derived projections differ"),
        ));
    }
    Ok(Ok(checked))
}

/// The case columns its events decide (as `ingest::projection_text` names them).
const PROJECTED: &str = "procedure, stage, title, title_masked, cause, confidentiality, status, \
     judge, closed_at, disposition, last_event_at, event_count";

/// The compared columns whose values a finding may show.
const SHOWN: &[&str] = &[
    "procedure",
    "stage",
    "confidentiality",
    "status",
    "judge",
    "closed_at",
    "disposition",
    "last_event_at",
    "event_count",
];

type Differs = Option<(&'static str, Option<String>, Option<String>)>;

/// The first column of a case row that differs from what its folded events give:
/// (column, stored, re-derived).
fn row_differs(row: &sqlx::any::AnyRow, state: &CaseState) -> Result<Differs> {
    for (col, want) in crate::ingest::projection_text(state)? {
        let stored: Option<String> = if col == "event_count" {
            row.try_get::<Option<i64>, _>(col)?.map(|n| n.to_string())
        } else {
            row.try_get(col)?
        };
        if stored != want {
            return Ok(Some((col, stored, want)));
        }
    }
    Ok(None)
}
