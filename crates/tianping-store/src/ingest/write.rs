//! Writing a chunk in bulk: cases and their projections, events, clocks, metric facts and flags,
//! with their ledger leaves, in the chunk's one transaction.

use super::Chunk;
use super::Work;
use super::resolve::titles;
use super::snake;
use crate::db::{Val, bulk_insert, bulk_update, bulk_write};
use crate::{Backend, Result, StoreError, ts};
use sqlx::Row;
use tianping_domain::metrics::CaseFacts;
use tianping_domain::{CaseState, Confidentiality};

impl Chunk<'_> {
    /// Inserts rows in as few statements as the backend allows, in order: multi-row `VALUES` with
    /// positional parameters on SQLite; one JSON parameter expanded by `json_to_recordset` on
    /// PostgreSQL (far cheaper than thousands of bind parameters). Returns the `RETURNING` rows.
    async fn bulk_insert(
        &mut self,
        table: &str,
        cols: &[(&str, &str)],
        rows: Vec<Vec<Val>>,
        returning: &str,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        bulk_insert(&mut self.tx, self.backend, table, cols, rows, returning).await
    }

    /// `n` fresh, ascending event ids.
    async fn event_ids(&mut self, n: usize) -> Result<Vec<i64>> {
        match self.backend {
            Backend::Sqlite => {
                let max: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM events")
                    .fetch_one(&mut *self.tx)
                    .await?
                    .try_get(0)?;
                Ok((1..=n as i64).map(|i| max + i).collect())
            }
            Backend::Postgres => {
                let mut ids = sqlx::query(
                    "SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, $1)",
                )
                .bind(n as i64)
                .fetch_all(&mut *self.tx)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<std::result::Result<Vec<_>, _>>()?;
                ids.sort_unstable();
                Ok(ids)
            }
        }
    }

    pub(super) async fn flush(&mut self) -> Result<()> {
        // Cases re-folded after a correction (their person links are rebuilt: a corrected filing
        // may name someone else).
        let existing: Vec<i64> = self
            .refolded
            .drain()
            .filter_map(|n| self.cases.get(&n).and_then(|w| w.id))
            .collect();
        // New cases, inserted with their state after this chunk's events.
        let cases_started = std::time::Instant::now();
        let mut new_rows = vec![];
        for w in self.cases.values().filter(|w| w.id.is_none()) {
            new_rows.push(case_values(w)?);
        }
        // The ids of the cases this chunk created: they have no projection rows to replace yet.
        let mut created_ids = std::collections::HashSet::new();
        if !new_rows.is_empty() {
            for r in self
                .bulk_insert("cases", &case_insert_columns(), new_rows, "id, case_number")
                .await?
            {
                let n: String = r.try_get(1)?;
                if let Some(w) = self.cases.get_mut(&n) {
                    let id: i64 = r.try_get(0)?;
                    w.id = Some(id);
                    w.dirty = false;
                    created_ids.insert(id);
                }
            }
        }
        // Cases whose state changed in this chunk: their clocks are re-computed below.
        let mut touched: Vec<String> = self
            .cases
            .values()
            .filter(|w| w.dirty)
            .map(|w| w.case_number.clone())
            .collect();
        touched.extend(self.created.drain());
        // Existing cases whose state changed.
        let dirty: Vec<String> = self
            .cases
            .values()
            .filter(|w| w.dirty)
            .map(|w| w.case_number.clone())
            .collect();
        if !dirty.is_empty() {
            let mut rows = Vec::with_capacity(dirty.len());
            for n in dirty {
                let Some(w) = self.cases.get_mut(&n) else {
                    continue;
                };
                let Some(id) = w.id else {
                    continue;
                };
                let mut vals = vec![Val::I(id)];
                vals.extend(projection_values(&w.state)?);
                rows.push(vals);
                w.dirty = false;
            }
            let cols: Vec<(&str, &str)> = std::iter::once(("id", "bigint"))
                .chain(PROJECTION_COLUMNS.iter().copied())
                .collect();
            bulk_update(&mut self.tx, self.backend, "cases", &cols, rows).await?;
        }
        // Each unit's handling judges (the case list's 承办人 filter reads this small table).
        let mut judges = std::collections::BTreeMap::new();
        for n in &touched {
            if let Some(w) = self.cases.get(n)
                && let Some(j) = &w.state.judge
            {
                judges.insert((w.org_id.as_str(), j.as_str()), w);
            }
        }
        // In one statement: a chunk of a bulk load names hundreds of judges, and a statement
        // each was a round trip each.
        let judge_rows: Vec<Vec<Val>> = judges
            .into_iter()
            .map(|((org, judge), w)| {
                vec![
                    Val::S(org.to_string()),
                    Val::S(judge.to_string()),
                    Val::S(w.region_path.clone()),
                    Val::S(w.agency_kind.as_str().to_string()),
                ]
            })
            .collect();
        if !judge_rows.is_empty() {
            bulk_write(
                &mut self.tx,
                self.backend,
                "case_judges",
                CASE_JUDGE_COLUMNS,
                judge_rows,
                " ON CONFLICT (org_id, judge) DO NOTHING",
                "",
            )
            .await?;
        }
        self.spent.cases += cases_started.elapsed();
        // Their clocks, in the same transaction (clock rows are a projection of the events).
        let clocks_started = std::time::Instant::now();
        let mut facts = vec![];
        if !touched.is_empty() {
            let cw = self.clockwork;
            let mut ids = Vec::with_capacity(touched.len());
            let mut rows = vec![];
            let mut hit_rows = vec![];
            let stamp = crate::clocks::stamp(self.now);
            for n in &touched {
                let Some(w) = self.cases.get(n) else {
                    continue;
                };
                let Some(id) = w.id else {
                    continue;
                };
                ids.push(id);
                let owner = crate::clocks::Owner {
                    id,
                    region_path: &w.region_path,
                    org_id: &w.org_id,
                };
                let clocks = cw.compute(&w.state, self.now);
                for c in &clocks {
                    rows.push(crate::clocks::clock_row(
                        &owner, c, self.now, &cw.policy, true, &stamp,
                    )?);
                }
                // The case's risk-point signals, from its state and these clocks.
                hit_rows.extend(crate::risk_points::hit_rows(&owner, &w.state, &clocks));
                facts.push(crate::metrics::FactsRow {
                    case_id: id,
                    org_id: w.org_id.clone(),
                    region_path: w.region_path.clone(),
                    agency_kind: w.agency_kind.as_str().to_string(),
                    facts: CaseFacts::of(&w.state, crate::metrics::limit_outcome(&clocks)),
                });
            }
            // Only cases that existed before this chunk can have rows to remove: a case it
            // created has none yet (in bulk loads, most of them).
            let old: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|id| !created_ids.contains(id))
                .collect();
            crate::clocks::replace_clocks(&mut self.tx, self.backend, &old, rows, &stamp).await?;
            self.spent.clocks += clocks_started.elapsed();
            // Their process nodes, beside the clocks.
            let t = std::time::Instant::now();
            let mut node_rows = vec![];
            for n in &touched {
                if let Some(w) = self.cases.get(n)
                    && let Some(id) = w.id
                {
                    let owner = crate::clocks::Owner {
                        id,
                        region_path: &w.region_path,
                        org_id: &w.org_id,
                    };
                    node_rows.extend(crate::nodes::node_rows(
                        &cw.flows,
                        &cw.calendar,
                        &owner,
                        &w.state,
                    ));
                }
            }
            crate::nodes::replace_nodes(&mut self.tx, self.backend, &old, node_rows).await?;
            crate::risk_points::replace_hits(&mut self.tx, self.backend, &old, hit_rows).await?;
            self.spent.nodes += t.elapsed();
        }
        // The persons the touched files name.
        let named: Vec<(i64, &CaseState)> = touched
            .iter()
            .filter_map(|n| self.cases.get(n))
            .filter_map(|w| w.id.map(|id| (id, &w.state)))
            .filter(|(id, s)| {
                s.parties.iter().any(|p| p.id_number.is_some()) || existing.contains(id)
            })
            .collect();
        let t = std::time::Instant::now();
        crate::person::link(&mut self.tx, self.backend, &named, &existing).await?;
        self.spent.persons += t.elapsed();
        // The pre-aggregated metrics, before the events take the ledger's head: the facts are
        // rows of these cases alone, and the change of the totals is one appended row that no
        // other writer meets (see `metrics::totals`), so nothing here needs the head's order.
        let t = std::time::Instant::now();
        crate::metrics::update_facts(&mut self.tx, self.backend, facts, &created_ids).await?;
        self.spent.metrics += t.elapsed();
        self.write_events().await?;
        self.raise_flags(&touched).await
    }

    /// Evaluates the 四类案件 flag rules on the touched cases and raises the new flags (after the
    /// events, so the flags' leaves follow the leaves of the events that caused them).
    async fn raise_flags(&mut self, touched: &[String]) -> Result<()> {
        if self.flags.rules.is_empty() || touched.is_empty() {
            return Ok(());
        }
        let t = std::time::Instant::now();
        let dir = self.dir;
        let mut hits = vec![];
        for n in touched {
            let Some(w) = self.cases.get(n) else {
                continue;
            };
            let Some(id) = w.id else {
                continue;
            };
            let in_org = |org: &str| {
                dir.get(org).is_some_and(|o| {
                    o.kind == w.agency_kind && w.region_path.starts_with(&o.region_path)
                })
            };
            for h in self.flags.evaluate(&w.state, &in_org) {
                hits.push((id, h));
            }
        }
        crate::supervision::raise_flags(&mut self.tx, hits, self.flags, &self.actor.name, self.now)
            .await?;
        self.spent.flags += t.elapsed();
        Ok(())
    }

    /// Writes the buffered events and their leaves.
    async fn write_events(&mut self) -> Result<()> {
        // Events, in recorded order.
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return Ok(());
        }
        let recorded_at = ts(self.now);
        // Event ids are taken before the insert (SQLite: this transaction holds the write lock;
        // PostgreSQL: from the identity sequence), so each leaf is built from the values written
        // without reading the rows back.
        let ids = self.event_ids(pending.len()).await?;
        // The ledger's head is locked from here to the commit; each event row carries the index of
        // its leaf (the leaves take consecutive indices from the head).
        let t = std::time::Instant::now();
        let log = self.tx.appender().await?;
        self.spent.ledger += t.elapsed();
        let first_leaf = log.as_ref().map(|l| l.size());
        let mut rows = Vec::with_capacity(pending.len());
        // What each leaf records: the ledger's `events` columns, in its order.
        let mut logged: Vec<(String, [Option<String>; 9], bool)> =
            Vec::with_capacity(if log.is_some() { pending.len() } else { 0 });
        for (k, (p, event_id)) in pending.into_iter().zip(ids).enumerate() {
            let w = self.cases.get(&p.case_number).ok_or_else(|| {
                StoreError::Corrupt(format!("event {} has no case", p.source_event_id))
            })?;
            let id = w.id.ok_or_else(|| {
                StoreError::Corrupt(format!("event {} has no case row", p.source_event_id))
            })?;
            if log.is_some() {
                logged.push((
                    event_id.to_string(),
                    [
                        Some(id.to_string()),
                        Some(p.source.clone()),
                        Some(p.source_event_id.clone()),
                        Some(p.kind.to_string()),
                        Some(p.occurred_at.clone()),
                        Some(recorded_at.clone()),
                        Some(self.actor.name.clone()),
                        p.corrects.clone(),
                        Some(p.body.clone()),
                    ],
                    w.state.confidentiality != Confidentiality::Public,
                ));
            }
            rows.push(vec![
                Val::I(event_id),
                Val::I(id),
                Val::S(p.source),
                Val::S(p.source_event_id),
                Val::S(p.kind.to_string()),
                Val::S(p.occurred_at),
                Val::S(recorded_at.clone()),
                Val::S(self.actor.name.clone()),
                Val::OS(p.corrects),
                Val::S(p.body),
                Val::OI(first_leaf.map(|f| (f + k as u64) as i64)),
            ]);
        }
        // The leaves' digests and hashes are computed on another core while the events are
        // written; both are in this transaction, committed together.
        let job = log.map(|mut log| {
            tokio::task::spawn_blocking(move || -> Result<crate::ledger::Appender> {
                for (event_id, fields, confidential) in logged {
                    let f: Vec<Option<&str>> = fields.iter().map(|x| x.as_deref()).collect();
                    let l = crate::ledger::new_leaf(
                        tianping_ledger::Command::EventRecorded,
                        event_id,
                        &f,
                        confidential,
                    )?;
                    log.push(l, false)?;
                }
                Ok(log)
            })
        });
        let t = std::time::Instant::now();
        self.bulk_insert("events", EVENT_INSERT_COLUMNS, rows, "")
            .await?;
        self.spent.events += t.elapsed();
        if let Some(job) = job {
            let t = std::time::Instant::now();
            let log = job
                .await
                .map_err(|e| StoreError::Corrupt(format!("ledger task failed: {e}")))??;
            self.tx.close(log).await?;
            self.spent.ledger += t.elapsed();
        }
        Ok(())
    }
}

/// Case columns that events change (updated in place), with their PostgreSQL types.
const PROJECTION_COLUMNS: &[(&str, &str)] = &[
    ("procedure", "text"),
    ("stage", "text"),
    ("title", "text"),
    ("title_masked", "text"),
    ("cause", "text"),
    ("confidentiality", "text"),
    ("status", "text"),
    ("judge", "text"),
    ("closed_at", "text"),
    ("disposition", "text"),
    ("last_event_at", "text"),
    ("event_count", "bigint"),
    ("state", "text"),
];

/// A unit's handling judge, as the case list's 承办人 menu reads it.
const CASE_JUDGE_COLUMNS: &[(&str, &str)] = &[
    ("org_id", "text"),
    ("judge", "text"),
    ("region_path", "text"),
    ("agency_kind", "text"),
];

/// Identity columns of a case row, fixed at filing; a new row is these followed by the projection.
const IDENTITY_COLUMNS: &[(&str, &str)] = &[
    ("case_number", "text"),
    ("org_id", "text"),
    ("agency_kind", "text"),
    ("region_path", "text"),
    ("kind", "text"),
    ("type_code", "text"),
    ("year", "bigint"),
    ("filed_at", "text"),
];

fn case_insert_columns() -> Vec<(&'static str, &'static str)> {
    IDENTITY_COLUMNS
        .iter()
        .chain(PROJECTION_COLUMNS)
        .copied()
        .collect()
}

const EVENT_INSERT_COLUMNS: &[(&str, &str)] = &[
    ("id", "bigint"),
    ("case_id", "bigint"),
    ("source", "text"),
    ("source_event_id", "text"),
    ("kind", "text"),
    ("occurred_at", "text"),
    ("recorded_at", "text"),
    ("recorded_by", "text"),
    ("corrects", "text"),
    ("body", "text"),
    ("leaf", "bigint"),
];

/// The columns of a case row that its events change, in `PROJECTION_COLUMNS` order.
fn projection_values(s: &CaseState) -> Result<Vec<Val>> {
    let (title, masked) = titles(s);
    Ok(vec![
        Val::S(s.procedure.as_str().into()),
        Val::S(s.procedure.stage().as_str().into()),
        Val::S(title),
        Val::S(masked),
        Val::S(s.cause.clone()),
        Val::S(s.confidentiality.as_str().into()),
        Val::S(s.status.as_str().into()),
        Val::OS(s.judge.clone()),
        Val::OS(s.closed_at.map(ts)),
        Val::OS(s.disposition.as_ref().map(snake)),
        Val::S(ts(s.last_event_at)),
        Val::I(i64::from(s.event_count)),
        Val::S(serde_json::to_string(s).map_err(|e| StoreError::Invalid(e.to_string()))?),
    ])
}

/// The case row's columns that its events decide, as text (the stored JSON state aside), for
/// `ledger verify` to compare with the row: (column, value).
pub(crate) fn projection_text(s: &CaseState) -> Result<Vec<(&'static str, Option<String>)>> {
    Ok(PROJECTION_COLUMNS
        .iter()
        .zip(projection_values(s)?)
        .filter(|((c, _), _)| *c != "state")
        .map(|((c, _), v)| {
            let text = match v {
                Val::S(x) => Some(x),
                Val::OS(x) => x,
                Val::I(i) => Some(i.to_string()),
                Val::OI(i) => i.map(|i| i.to_string()),
            };
            (*c, text)
        })
        .collect())
}

/// A new case row: identity columns, then the projection (`CASE_INSERT_COLUMNS` order).
fn case_values(w: &Work) -> Result<Vec<Val>> {
    let s = &w.state;
    let mut v = vec![
        Val::S(w.case_number.clone()),
        Val::S(w.org_id.clone()),
        Val::S(w.agency_kind.as_str().into()),
        Val::S(w.region_path.clone()),
        Val::S(s.kind.as_str().into()),
        Val::OS(s.type_code.clone()),
        Val::OI(w.year),
        Val::S(ts(s.filed_at)),
    ];
    v.extend(projection_values(s)?);
    Ok(v)
}
