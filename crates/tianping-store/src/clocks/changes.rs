//! When the rules or the calendar change: the open clocks re-computed, the due dates that moved
//! recorded for the case office to acknowledge, a preview before a change, and the imported
//! calendar years with the generation they move.

use super::CHANGE_COLUMNS;
use super::Clockwork;
use super::Owner;
use super::clock_row;
use super::stamp;
use super::upsert_clocks;
use crate::case::prefix_end;
use crate::db::Val;
use crate::ledger;
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use tianping_domain::CaseState;
use tianping_ledger::Command;

/// A due date a rule or calendar change would move (not yet written).
#[derive(Debug, Clone, Serialize)]
pub struct MovedPreview {
    pub case_id: i64,
    pub case_number: String,
    pub clock_key: String,
    pub old_due: Option<String>,
    pub new_due: Option<String>,
}

/// A due date moved by a rule or calendar change.
#[derive(Debug, Clone, Serialize)]
pub struct ClockChange {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub clock_key: String,
    pub old_due: Option<String>,
    pub new_due: Option<String>,
    pub old_rule: Option<String>,
    pub new_rule: Option<String>,
    pub reason: String,
    pub changed_at: String,
    pub acknowledged: bool,
}

/// `engine_state` key: the fingerprint of the configured rule tables the stored clocks follow.
const RULES_FINGERPRINT: &str = "rules_fingerprint";
/// `engine_state` key: the flows and calendar the stored process nodes were computed with.
const NODES_FINGERPRINT: &str = "nodes_fingerprint";

/// This process's rule tables are not those the database's clocks follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesConflict {
    /// The fingerprint of the rules in force in the database.
    pub stored: String,
    /// This process's.
    pub mine: String,
}

impl std::fmt::Display for RulesConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "本进程的期限规则（指纹 {}）与数据库中在用的规则（指纹 {}）不一致：另一进程以不同的规则目录（rules_dir）服务同一数据库。请以相同的规则目录运行，或重启各进程使新规则生效。",
            self.mine, self.stored
        )
    }
}

/// What a full re-computation did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecomputeReport {
    pub cases: usize,
    pub clocks: usize,
    /// Rows written (changed, or all with `force`).
    pub written: usize,
    pub moved: usize,
    /// Where the time went (for `tianping bench clocks`).
    #[serde(skip)]
    pub timings: RecomputeTimings,
}

/// Wall time per phase of a re-computation, summed over its batches.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecomputeTimings {
    /// Reading the live cases' states.
    pub read_cases: Duration,
    /// Reading their stored clock rows.
    pub read_clocks: Duration,
    /// Parsing the states (JSON).
    pub parse: Duration,
    /// Computing the clocks, their rows, risk hits and process nodes.
    pub compute: Duration,
    /// Writing the changed clock rows.
    pub clocks: Duration,
    /// Replacing the process nodes and updating the risk hits.
    pub nodes: Duration,
    /// Recording the moved due dates and their ledger leaves.
    pub moves: Duration,
    /// Deleting clocks that no longer apply and pruning what was told.
    pub prune: Duration,
    /// Committing.
    pub commit: Duration,
}

/// The cases whose clocks a change of rules or calendar may move: the open ones, and closed files
/// whose clocks still run (a procuratorate's 抗诉 period runs after its file closed with 提起公诉).
pub(crate) const LIVE: &str = "(status <> 'closed' OR id IN (SELECT case_id FROM clocks WHERE status IN ('running', 'paused', 'awaiting', 'overdue')))";

/// The statuses of a clock that still runs (those `LIVE` names).
pub(crate) const RUNNING: [&str; 4] = ["running", "paused", "awaiting", "overdue"];

impl Store {
    /// Re-computes the clocks of every open case (and closed file with a running clock) from its
    /// stored state. Rows whose content did
    /// not change are left alone (unless `force`); clocks that no longer apply are removed. With
    /// `record_moves`, each due date (or rule) that moved is recorded with that reason for the case
    /// office to acknowledge.
    pub async fn recompute_open(
        &self,
        now: DateTime<Utc>,
        record_moves: Option<&str>,
        force: bool,
    ) -> Result<RecomputeReport> {
        self.refresh().await?;
        let cw = self.clockwork();
        let mut report = RecomputeReport::default();
        let mut after: i64 = 0;
        // The process nodes depend on the flows and the calendar only: rewritten when either
        // changed since they were last computed (or `force`), not on every re-computation.
        let nodes_fp = format!("{}:{}", cw.flows.fingerprint, cw.calendar.fingerprint());
        let nodes_due = force
            || self.engine_state(NODES_FINGERPRINT).await?.as_deref() != Some(nodes_fp.as_str());
        let mut t = RecomputeTimings::default();
        loop {
            let at = Instant::now();
            let rows = sqlx::query(
                crate::audited(format!("SELECT id, region_path, org_id, state FROM cases WHERE {LIVE} AND id > $1 ORDER BY id LIMIT 5000")),
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            t.read_cases += at.elapsed();
            if rows.is_empty() {
                break;
            }
            // A write transaction (SQLite: the write lock at once), so that it cannot fail to upgrade
            // from reading when an ingest chunk commits meanwhile.
            let mut tx = self.write(now).await?;
            // The stored rows of these cases by (case, clock): (due, rule, digest).
            type Old = (Option<String>, Option<String>, i64);
            let mut old: HashMap<(i64, String), Old> = HashMap::new();
            let ids: Vec<i64> = rows
                .iter()
                .map(|r| r.try_get(0))
                .collect::<std::result::Result<_, _>>()?;
            // The batch's ids are ascending: one range read of the primary key. The range also
            // holds closed cases that are not live: their rows keep the rules and calendar they
            // closed under and are neither compared nor removed here.
            let (lo, hi) = (ids[0], ids[ids.len() - 1]);
            let batch: HashSet<i64> = ids.iter().copied().collect();
            let at = Instant::now();
            for r in sqlx::query(
                "SELECT case_id, clock_key, due_date, rule, sig FROM clocks WHERE case_id >= $1 AND case_id <= $2",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(&mut *tx)
            .await?
            {
                let case: i64 = r.try_get("case_id")?;
                if batch.contains(&case) {
                    old.insert(
                        (case, r.try_get("clock_key")?),
                        (r.try_get("due_date")?, r.try_get("rule")?, r.try_get("sig")?),
                    );
                }
            }
            t.read_clocks += at.elapsed();
            let mut out_rows = vec![];
            let mut node_rows = vec![];
            let mut hit_rows = vec![];
            let mut moves = vec![];
            let changed_at = ts(now);
            let pass = stamp(now);
            for r in &rows {
                let id: i64 = r.try_get(0)?;
                let region: String = r.try_get(1)?;
                let org: String = r.try_get(2)?;
                let state: String = r.try_get(3)?;
                let at = Instant::now();
                let state: CaseState = serde_json::from_str(&state)
                    .map_err(|e| StoreError::Corrupt(format!("case {id} state: {e}")))?;
                t.parse += at.elapsed();
                let at = Instant::now();
                let owner = Owner {
                    id,
                    region_path: &region,
                    org_id: &org,
                };
                let clocks = cw.compute(&state, now);
                hit_rows.extend(crate::risk_points::hit_rows(&owner, &state, &clocks));
                for c in clocks {
                    let prev = old.remove(&(id, c.key.as_str().to_string()));
                    if let (Some(reason), Some((old_due, old_rule, _))) = (record_moves, &prev) {
                        let new_due = c.due.map(|d| d.to_string());
                        if *old_due != new_due || *old_rule != c.rule {
                            moves.push(vec![
                                Val::I(id),
                                Val::S(c.key.as_str().into()),
                                Val::OS(old_due.clone()),
                                Val::OS(new_due),
                                Val::OS(old_rule.clone()),
                                Val::OS(c.rule.clone()),
                                Val::S(reason.into()),
                                Val::S(region.clone()),
                                Val::S(changed_at.clone()),
                            ]);
                            report.moved += 1;
                        }
                    }
                    let row = clock_row(&owner, &c, now, &cw.policy, true, &pass)?;
                    report.clocks += 1;
                    let unchanged = prev
                        .as_ref()
                        .is_some_and(|(_, _, sig)| matches!(row[12], Val::I(n) if n == *sig));
                    if force || !unchanged {
                        out_rows.push(row);
                        report.written += 1;
                    }
                }
                if nodes_due {
                    node_rows.extend(crate::nodes::node_rows(
                        &cw.flows,
                        &cw.calendar,
                        &owner,
                        &state,
                    ));
                }
                report.cases += 1;
                after = id;
                t.compute += at.elapsed();
            }
            let at = Instant::now();
            upsert_clocks(&mut tx, self.backend, out_rows).await?;
            t.clocks += at.elapsed();
            let at = Instant::now();
            if nodes_due {
                crate::nodes::replace_nodes(&mut tx, self.backend, &ids, node_rows).await?;
            }
            crate::risk_points::update_hits(&mut tx, self.backend, &ids, hit_rows).await?;
            t.nodes += at.elapsed();
            let at = Instant::now();
            if !moves.is_empty() {
                let ids = crate::db::bulk_insert(
                    &mut tx,
                    self.backend,
                    "clock_changes",
                    CHANGE_COLUMNS,
                    moves,
                    "id",
                )
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>(0).map(ledger::Key::Int))
                .collect::<std::result::Result<Vec<_>, _>>()?;
                tx.record_all(Command::ClockDueMoved, &ids).await?;
            }
            t.moves += at.elapsed();
            let at = Instant::now();
            // Clocks of these cases that no longer apply (e.g. their rule was withdrawn).
            for (case_id, key) in old.into_keys() {
                sqlx::query("DELETE FROM clocks WHERE case_id = $1 AND clock_key = $2")
                    .bind(case_id)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
            super::prune_told(&mut tx, self.backend, &ids).await?;
            t.prune += at.elapsed();
            let at = Instant::now();
            tx.commit().await?;
            t.commit += at.elapsed();
        }
        report.timings = t;
        if nodes_due {
            self.set_engine_state(NODES_FINGERPRINT, &nodes_fp, now)
                .await?;
        }
        Ok(report)
    }

    /// The due dates of open clocks that `cw` would move, without writing anything: what the
    /// administrator confirms before a published calendar year is replaced (finding M7).
    pub async fn preview_clockwork(
        &self,
        cw: &Clockwork,
        now: DateTime<Utc>,
    ) -> Result<Vec<MovedPreview>> {
        let mut out = vec![];
        let mut after: i64 = 0;
        loop {
            let rows = sqlx::query(
                crate::audited(format!("SELECT id, case_number, state FROM cases WHERE {LIVE} AND id > $1 ORDER BY id LIMIT 5000")),
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
                break;
            };
            let (lo, hi): (i64, i64) = (first.try_get(0)?, last.try_get(0)?);
            let mut old: HashMap<(i64, String), Option<String>> = HashMap::new();
            for r in sqlx::query(
                "SELECT case_id, clock_key, due_date FROM clocks WHERE case_id >= $1 AND case_id <= $2",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(&self.pool)
            .await?
            {
                old.insert((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?);
            }
            for r in &rows {
                let id: i64 = r.try_get(0)?;
                let number: String = r.try_get(1)?;
                let state: String = r.try_get(2)?;
                let state: CaseState = serde_json::from_str(&state)
                    .map_err(|e| StoreError::Corrupt(format!("case {id} state: {e}")))?;
                for c in cw.compute(&state, now) {
                    let key = c.key.as_str().to_string();
                    let new_due = c.due.map(|d| d.to_string());
                    if let Some(old_due) = old.get(&(id, key.clone()))
                        && *old_due != new_due
                    {
                        out.push(MovedPreview {
                            case_id: id,
                            case_number: number.clone(),
                            clock_key: key,
                            old_due: old_due.clone(),
                            new_due,
                        });
                    }
                }
                after = id;
            }
        }
        Ok(out)
    }

    /// If the rules or calendar changed since the clocks were last computed, re-computes every open
    /// clock and records the moved due dates; on the first start with clocks, builds every open
    /// case's rows. Returns the report when it re-computed.
    pub async fn apply_clockwork_change(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<RecomputeReport>> {
        self.refresh().await?;
        self.put_flag_rules_in_force(now).await?;
        let cw = self.clockwork();
        let fp = cw.fingerprint();
        let stored = self.engine_state("clockwork_fingerprint").await?;
        if stored.as_deref() == Some(fp.as_str()) {
            // A database whose clocks predate the record of the rules' own fingerprint.
            if self.engine_state(RULES_FINGERPRINT).await?.as_deref()
                != Some(cw.rules.fingerprint.as_str())
            {
                self.set_engine_state(RULES_FINGERPRINT, &cw.rules.fingerprint, now)
                    .await?;
            }
            return Ok(None);
        }
        let report = if stored.is_some() {
            let reason = format!(
                "期限规则或节假日安排已更新（规则指纹 {}，日历指纹 {}）",
                cw.rules.fingerprint,
                cw.calendar.fingerprint()
            );
            Some(self.recompute_open(now, Some(&reason), false).await?)
        } else {
            // First start with clocks (a new database, or one upgraded from before clocks
            // existed): build the rows of every open case; nothing "moved".
            Some(self.recompute_open(now, None, false).await?)
        };
        self.set_engine_state("clockwork_fingerprint", &fp, now)
            .await?;
        self.set_engine_state(RULES_FINGERPRINT, &cw.rules.fingerprint, now)
            .await?;
        Ok(report)
    }

    /// Whether the stored clocks follow other rule files than this process's: the process that
    /// last put rules in force (`serve`, `worker`, `calendar import` or `demo`, through
    /// [`Store::apply_clockwork_change`]) was configured with another `rules_dir`. Then this
    /// process must not write clocks (ingest refuses) and its health check fails, until it runs
    /// with the same rule files or is restarted to put its own in force.
    pub async fn rules_conflict(&self) -> Result<Option<RulesConflict>> {
        let mine = self.clockwork().rules.fingerprint.clone();
        Ok(match self.engine_state(RULES_FINGERPRINT).await? {
            Some(stored) if stored != mine => Some(RulesConflict { stored, mine }),
            _ => None,
        })
    }

    /// Due dates moved by rule or calendar changes, in scope, newest first.
    /// Moved due dates of the cases under a region prefix, of one agency kind when given
    /// (finding M2: a procuratorate does not see a court's).
    pub async fn clock_changes(
        &self,
        region_prefix: &str,
        agency_kind: Option<tianping_domain::AgencyKind>,
        limit: i64,
    ) -> Result<Vec<ClockChange>> {
        let rows = sqlx::query(
            "SELECT g.id, g.case_id, k.case_number, g.clock_key, g.old_due, g.new_due, g.old_rule, g.new_rule, g.reason, g.changed_at, g.acknowledged_at \
             FROM clock_changes g JOIN cases k ON k.id = g.case_id WHERE g.region_path >= $1 AND g.region_path < $2 \
             AND ($4 IS NULL OR k.agency_kind = $4) ORDER BY g.id DESC LIMIT $3",
        )
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(limit)
        .bind(agency_kind.map(|k| k.as_str()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ClockChange {
                    id: r.try_get("id")?,
                    case_id: r.try_get("case_id")?,
                    case_number: r.try_get("case_number")?,
                    clock_key: r.try_get("clock_key")?,
                    old_due: r.try_get("old_due")?,
                    new_due: r.try_get("new_due")?,
                    old_rule: r.try_get("old_rule")?,
                    new_rule: r.try_get("new_rule")?,
                    reason: r.try_get("reason")?,
                    changed_at: r.try_get("changed_at")?,
                    acknowledged: r.try_get::<Option<String>, _>(10)?.is_some(),
                })
            })
            .collect()
    }

    /// Acknowledges the moved due dates of one agency kind's cases within a region prefix.
    /// Returns how many.
    pub async fn acknowledge_changes(
        &self,
        region_prefix: &str,
        agency_kind: tianping_domain::AgencyKind,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut tx = self.write(now).await?;
        let ids = sqlx::query(
            "UPDATE clock_changes SET acknowledged_at = $1, acknowledged_by = $2 WHERE acknowledged_at IS NULL AND region_path >= $3 AND region_path < $4 \
             AND case_id IN (SELECT id FROM cases WHERE agency_kind = $5) RETURNING id",
        )
        .bind(ts(now))
        .bind(user_id)
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(agency_kind.as_str())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0).map(ledger::Key::Int))
        .collect::<std::result::Result<Vec<_>, _>>()?;
        for part in ids.chunks(10_000) {
            tx.record_all(Command::ClockChangeAcknowledged, part)
                .await?;
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    /// Calendar years imported after the shipped file (they replace the shipped year).
    pub async fn imported_calendar_years(&self) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query("SELECT year, toml FROM calendar_years ORDER BY year")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("year")?, r.try_get("toml")?)))
            .collect()
    }

    pub async fn store_calendar_year(
        &self,
        year: i32,
        toml: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        // First, before any ledger write: a move waits for running ingest chunks (module in_force).
        crate::generation::move_generation(&mut tx).await?;
        sqlx::query(
            "INSERT INTO calendar_years (year, toml, imported_at, imported_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (year) DO UPDATE SET toml = excluded.toml, imported_at = excluded.imported_at, imported_by = excluded.imported_by",
        )
        .bind(year as i64)
        .bind(toml)
        .bind(ts(now))
        .bind(by)
        .execute(&mut *tx)
        .await?;
        tx.record(Command::CalendarImported, i64::from(year))
            .await?;
        crate::audit::record_admin_action(
            &mut tx,
            by,
            "calendar_imported",
            &year.to_string(),
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        self.refresh().await?;
        Ok(())
    }

    /// The shipped clockwork with the calendar years imported into this database applied.
    pub async fn load_clockwork(&self, mut base: Clockwork) -> Result<Clockwork> {
        for (year, toml) in self.imported_calendar_years().await? {
            base.calendar
                .import(&toml)
                .map_err(|e| StoreError::Corrupt(format!("imported calendar year {year}: {e}")))?;
        }
        Ok(base)
    }
}
