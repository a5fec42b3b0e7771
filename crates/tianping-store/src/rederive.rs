//! Projections re-derived from the events, for `ledger verify`: the case row, the clock rows, the
//! rule-raised flags and the metric facts of every case. Each case's events are folded into its
//! state as ingest folds them, then:
//!
//! - the row's columns that the events decide (procedure, stage, titles, cause, confidentiality,
//!   status, judge, closing, disposition, the last event and the count) are compared with the
//!   row: a status or judge changed in the database (a case taken off a list) is named;
//! - a live case's clocks (open, or closed with a clock still running: the cases a change of
//!   rules re-computes) are computed with the rules in force and each stored clock's due date and
//!   rule compared: a due date moved (a clock taken out of 超审限) is named;
//! - its metric facts (what the quality dashboards count: filing and closing days, disposition,
//!   amounts, 终本 spells, where the case is, its 审限 outcome) are compared with the facts its
//!   state gives. The 审限 outcome is fixed when the facts are written (`metrics`): a live case's
//!   is compared with its re-derived clocks, a closed case's with its stored main clock row (those
//!   rows keep the rules and calendar the case closed under, so they are not re-derived); after a
//!   change of rules or calendar moved the case's main clock, or for a closed case whose rows a
//!   re-computation before 2026-12-07 removed, only whether the limit still runs;
//! - the 四类案件 flag rules in force are evaluated on its state, as ingest evaluated them when it
//!   recorded the case's last event: a situation they raise that the case has no flag of (raised
//!   or cleared) is named. Only on the cases whose last event was recorded since the flag rules
//!   were put in force ([`Store::put_flag_rules_in_force`]; nothing re-evaluates the others when
//!   the rules change), and not at all by a process whose flag rules differ from those;
//! - at the end, the metric totals the dashboards read (`metric_totals` with the changes not yet
//!   folded) are compared with the sums of every stored facts row's contributions: a total
//!   changed in the database is named with its region node, period and column, and so is a
//!   pending change that does not read (set aside by the fold, or still waiting).
//!
//! It reads a batch of cases at a time in one read-only snapshot, so its memory does not grow with
//! the cases: what it keeps across batches is the derived totals, one entry per stored totals row
//! (regions × kinds × days).
//!
//! Not re-derived: the stored JSON state itself (what the pages read is in the compared columns),
//! the clock rows of closed cases without a running clock, the clock rows' statuses and warnings
//! (they depend on when the poller last ran), the flags raised by hand or by the system checks
//! (ledgered records, checked by the log), and the facts' evaluation and proofreading columns
//! (from those records, not the events).
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
use std::collections::{HashMap, HashSet};
use tianping_domain::CaseState;
use tianping_domain::history::{Recorded, fold};
use tianping_domain::metrics::{CaseFacts, LimitOutcome};

/// Findings named, at most (the first ones in id order); the rest are counted.
const NAMED: i64 = 20;

/// What the re-derivation found.
#[derive(Debug, Clone, Default)]
pub struct Rederived {
    /// Cases re-derived.
    pub cases: u64,
    pub findings: Vec<Finding>,
    /// Why nothing was re-derived (this process's rules differ from the store's).
    pub skipped: Option<String>,
    /// Why the flags were not compared (this process's flag rules differ from the store's).
    pub flags_skipped: Option<String>,
}

impl Store {
    /// Re-derives every case's projections from its events and compares them with the stored
    /// rows (see the module documentation).
    pub async fn rederive_projections(&self) -> Result<Rederived> {
        let mut tx = self.read_snapshot().await?;
        let mut out = Rederived::default();
        match rederive(self, &mut tx, &mut out.findings, &mut out.flags_skipped).await? {
            Ok(n) => out.cases = n,
            Err(why) => out.skipped = Some(why),
        }
        tx.rollback().await?;
        Ok(out)
    }
}

/// Cases re-derived per batch: one batch's events, clock rows and facts are held at a time.
const BATCH: i64 = 2000;

/// Re-derives every case's projections from its events and compares them with the stored rows
/// (see the module documentation). Returns the number of cases re-derived, or why none were:
/// a process whose rule files are not those the store's clocks were computed with would name
/// every moved date as tampering.
async fn rederive(
    store: &Store,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    findings: &mut Vec<Finding>,
    flags_skipped: &mut Option<String>,
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
    // The flag rules: compared on the cases whose last event was recorded since the rules in
    // force were put in force (every case, in a store that never recorded them); not at all if
    // this process's differ from those.
    let sup = store.supervision();
    let flags_since = match store.flag_rules_in_force().await? {
        None => Some(None),
        Some(f) if f.fingerprint == sup.flags.fingerprint() => Some(Some(f.since)),
        Some(f) => {
            *flags_skipped = Some(format!(
                "this process's flag rules (fingerprint {}) are not those in force in the store ({}): run the verification with the servers' rules_dir",
                sup.flags.fingerprint(),
                f.fingerprint
            ));
            None
        }
    };
    let mut after: i64 = 0;
    let mut checked: u64 = 0;
    let mut named: i64 = 0;
    let mut unnamed: u64 = 0;
    // The contributions of every stored facts row, for the totals (one entry per stored totals
    // row: it grows with the regions and days, not with the cases).
    let mut derived = crate::metrics::TotalsDelta::default();
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
            "SELECT id, case_number, org_id, region_path, agency_kind, {PROJECTED} \
             FROM cases WHERE id > $1 ORDER BY id LIMIT $2"
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
        // The stored clock rows by (case, clock): due date, rule, status; and the cases with a
        // clock still running (live, as `clocks::LIVE` says, with the open ones).
        type Stored = (Option<String>, Option<String>, String);
        let mut stored: HashMap<(i64, String), Stored> = HashMap::new();
        // When each row was computed: a paused clock's due date is counted from the day it was
        // computed on (the poller re-computes it every day), not from the case's last event.
        let mut computed_at: HashMap<(i64, String), DateTime<Utc>> = HashMap::new();
        let mut running: HashSet<i64> = HashSet::new();
        for r in sqlx::query(
            "SELECT case_id, clock_key, due_date, rule, status, computed_at FROM clocks WHERE case_id >= $1 AND case_id <= $2",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut **tx)
        .await?
        {
            let case: i64 = r.try_get("case_id")?;
            let status: String = r.try_get("status")?;
            if crate::clocks::RUNNING.contains(&status.as_str()) {
                running.insert(case);
            }
            let key: String = r.try_get("clock_key")?;
            // The stamp is the instant and a sequence number (`clocks::stamp`); one that does
            // not read is compared as of the case's last event.
            let stamp: String = r.try_get("computed_at")?;
            if let Ok(t) = parse_ts(stamp.split('#').next().unwrap_or_default()) {
                computed_at.insert((case, key.clone()), t);
            }
            stored.insert(
                (case, key),
                (r.try_get("due_date")?, r.try_get("rule")?, status),
            );
        }
        let mut facts = crate::metrics::facts_between(tx, lo, hi).await?;
        // The situations each case is flagged with (raised or cleared since).
        let mut flagged: HashSet<(i64, String)> = HashSet::new();
        if flags_since.is_some() {
            for r in sqlx::query(
                "SELECT case_id, situation FROM case_flags WHERE case_id >= $1 AND case_id <= $2",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(&mut **tx)
            .await?
            {
                flagged.insert((r.try_get("case_id")?, r.try_get("situation")?));
            }
        }
        // When a change of rules or calendar last moved each case's main clock.
        let mut moved: HashMap<i64, DateTime<Utc>> = HashMap::new();
        for r in sqlx::query(
            "SELECT case_id, MAX(changed_at) AS at FROM clock_changes WHERE case_id >= $1 AND case_id <= $2 \
             AND clock_key IN ('trial', 'prosecution_review', 'investigation_custody') GROUP BY case_id",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut **tx)
        .await?
        {
            let at: String = r.try_get("at")?;
            moved.insert(r.try_get("case_id")?, parse_ts(&at)?);
        }
        for c in &cases {
            let id: i64 = c.try_get("id")?;
            let number: String = c.try_get("case_number")?;
            let org: String = c.try_get("org_id")?;
            let live = c.try_get::<String, _>("status")? != "closed" || running.contains(&id);
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
            // Ingest evaluated the flag rules on this state when it recorded the last event: a
            // situation they raise that the case has no flag of was removed (or never raised).
            if let Some(since) = flags_since
                && since.is_none_or(|t| at >= t)
            {
                let region: String = c.try_get("region_path")?;
                let kind: String = c.try_get("agency_kind")?;
                let in_org = |o: &str| {
                    dir.get(o).is_some_and(|o| {
                        o.kind.as_str() == kind && region.starts_with(&o.region_path)
                    })
                };
                for h in sup.flags.evaluate(&state, &in_org) {
                    if !flagged.contains(&(id, h.situation.clone())) {
                        differs(
                            findings,
                            format!("case_flags/{id}/{}", h.situation),
                            format!(
                                "case {number}: its events meet flag rule {} (situation {}), but the case has no flag of that situation (removed outside the product, or never raised)",
                                h.rule, h.situation
                            ),
                        );
                    }
                }
            }
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
            let clocks = cw.compute(&state, at);
            // The 审限 outcome the metric facts must hold. It is fixed when the facts are written
            // — by the ingest of the case's last event, with the clocks of that moment
            // (`metrics`). A live case's clocks are re-computed when the rules or the calendar
            // change, a closed case's are not: unless a change moved the case's main clock after
            // its last event (a later `clock_changes` row), a live case's outcome is its
            // re-derived clocks', a closed case's the one its stored main clock row ended with. A
            // moved one need only agree with its clocks on whether the limit still runs.
            // A closed case without its clock rows (a re-computation before 2026-12-07 removed
            // those of closed cases) is compared with its re-derived clocks like a moved one.
            let computed = crate::metrics::limit_outcome(&clocks);
            let ended_with = crate::metrics::MAIN_CLOCKS
                .iter()
                .find_map(|k| stored.get(&(id, k.as_str().to_string())));
            let expect = if moved.get(&id).is_some_and(|t| *t >= at) {
                Expect::Like(computed)
            } else if live {
                Expect::Exactly(computed)
            } else if let Some((_, _, status)) = ended_with {
                Expect::Exactly(crate::metrics::limit_of_status(status))
            } else {
                Expect::Like(computed)
            };
            // What the facts must be; the totals are compared with the sums of these (a facts
            // row changed in the database is named once, not again in every total it feeds).
            let kept = facts.remove(&id);
            let kept_limit = match &kept {
                Some(Ok(k)) => Some(k.facts.limit),
                _ => None,
            };
            let limit = match expect {
                Expect::Exactly(l) => l,
                Expect::Like(l) => kept_limit.filter(|k| agrees(l, *k)).unwrap_or(l),
            };
            let mut want = crate::metrics::FactsRow {
                case_id: id,
                org_id: org.clone(),
                region_path: c.try_get("region_path")?,
                agency_kind: c.try_get("agency_kind")?,
                facts: CaseFacts::of(&state, limit),
            };
            match kept {
                None => differs(
                    findings,
                    format!("metric_facts/{id}"),
                    format!(
                        "case {number}: no metric facts (the quality dashboards do not count it: deleted outside the product)"
                    ),
                ),
                Some(Err(why)) => differs(
                    findings,
                    format!("metric_facts/{id}"),
                    format!(
                        "metric facts of case {number} do not read ({why}): changed outside the product"
                    ),
                ),
                Some(Ok(kept)) => {
                    want.facts.evaluated.clone_from(&kept.facts.evaluated);
                    want.facts.proofread.clone_from(&kept.facts.proofread);
                    if let Some((col, was, is)) = crate::metrics::first_difference(&kept, &want) {
                        // Amounts of money stay out of the output (a confidential case's too).
                        let detail = if col.ends_with("_yuan") {
                            format!(
                                "metric facts of case {number}: stored {col} differs from what its events give (changed outside the product: the quality dashboards count it otherwise)"
                            )
                        } else {
                            format!(
                                "metric facts of case {number}: stored {col} {}, its events give {} (changed outside the product: the quality dashboards count it otherwise)",
                                was.as_deref().unwrap_or("none"),
                                is.as_deref().unwrap_or("none"),
                            )
                        };
                        differs(findings, format!("metric_facts/{id}"), detail);
                    }
                }
            }
            derived.add(&want, 1);
            if !live {
                // Its clock rows keep the rules and calendar it closed under.
                continue;
            }
            // Each stored row against the clocks as computed when the row was written (never
            // before the last event): the same for a running clock, a day's difference for a
            // paused one the poller re-computed at a day's change after the last event.
            let mut as_of: Vec<(DateTime<Utc>, Vec<tianping_domain::clock::Clock>)> = vec![];
            for clock in &clocks {
                let key = clock.key.as_str();
                let Some((due, rule, _)) = stored.get(&(id, key.to_string())) else {
                    continue;
                };
                let when = computed_at
                    .get(&(id, key.to_string()))
                    .map_or(at, |t| (*t).max(at));
                let clock = if when == at {
                    clock
                } else {
                    let i = match as_of.iter().position(|(t, _)| *t == when) {
                        Some(i) => i,
                        None => {
                            as_of.push((when, cw.compute(&state, when)));
                            as_of.len() - 1
                        }
                    };
                    match as_of[i].1.iter().find(|c| c.key == clock.key) {
                        Some(c) => c,
                        None => clock,
                    }
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
        // Facts rows without a case row still count in the totals.
        for kept in facts.into_values().flatten() {
            derived.add(&kept, 1);
        }
    }
    // The totals the dashboards read against the sums of the facts just checked.
    let (totals, more) = crate::metrics::totals_differences(
        tx,
        store.backend(),
        derived,
        usize::try_from((NAMED - named).max(0)).unwrap_or(0),
    )
    .await?;
    unnamed += more;
    for (record, detail) in totals {
        findings.push(Finding::new(
            "projection_differs",
            None,
            Some(record),
            detail,
        ));
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

/// What a case's stored 审限 outcome must be.
#[derive(Clone, Copy)]
enum Expect {
    /// This one.
    Exactly(LimitOutcome),
    /// One that agrees with this one (see [`agrees`]).
    Like(LimitOutcome),
}

/// Whether two outcomes agree on whether the limit still runs: a change of rules moves a due date
/// (met may become late) but does not end a running limit or restart an ended one. No limit
/// agrees with any (a rule added or withdrawn since may turn it into either).
fn agrees(a: LimitOutcome, b: LimitOutcome) -> bool {
    let running = |l| match l {
        LimitOutcome::Open => Some(true),
        LimitOutcome::Met | LimitOutcome::Late => Some(false),
        LimitOutcome::None => None,
    };
    match (running(a), running(b)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
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
