//! Quality metrics from the store, pre-aggregated by ingest.
//!
//! Ingest keeps these projections in the transaction that records the events (migrations 0005,
//! 0045):
//!
//! - `metric_facts`: each case's [`CaseFacts`] as last added to the totals. The drill-down lists
//!   read it, so the cases behind a number are counted from the same facts as the number.
//! - `metric_totals`: the sum of every case's per-day contributions
//!   ([`CaseFacts::contributions`]) × agency kind × case kind: by month at every region node
//!   (each '/'-terminated prefix of the case's region path, so a subtree is one node), by day at
//!   the case's own node only (days at every level would double the writes). When a case's facts
//!   change, its old contributions are subtracted and the new ones added. A dashboard needs the
//!   running sums on two days per period (the day before it starts, its last day): the node's
//!   months up to that day's month, plus — unless the day ends its month — the days of its month
//!   so far across the subtree. Rows read do not grow with the number of cases.
//! - `metric_pending`: the changes to `metric_totals` written since the last fold, one row a
//!   write; readers add them in the same statement (see [`totals`]).
//!
//! A 审限 outcome is fixed when the facts are written (the clocks computed in the same
//! transaction): a later change of the rules does not rewrite closed quarters, and
//! [`Store::rebuild_metrics`] takes a case's outcome from its stored main clock row where it has
//! one. `ledger verify` checks the facts against the events (`crate::rederive`).

use crate::case::{ScopeFilter, prefix_end};
use crate::db::{Val, bulk_write};
use crate::{Backend, Result, Store, StoreError, audited, bulk_placeholders};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sqlx::Row;
use std::collections::HashMap;
use tianping_domain::CaseState;
use tianping_domain::case_type::{CaseKind, Procedure};
use tianping_domain::clock::Clock;
use tianping_domain::event::{Disposition, ZhongbenExit};
use tianping_domain::metrics::{
    Candidates, CaseFacts, CaseFilter, Closing, Cumulative, LimitOutcome, Stay, columns,
};
use tianping_domain::rules::ClockKey;

mod records;
mod totals;
pub(crate) use records::refresh as refresh_records;
pub use records::{evaluated_str, proofread_str};
pub use totals::TotalsDelta;
pub(crate) use totals::differences as totals_differences;
#[cfg(test)]
use totals::nodes;
use totals::{fold_pending, month_start};

/// One case as the metrics see it.
#[derive(Debug, Clone)]
pub struct MetricCase {
    pub id: i64,
    pub case_number: String,
    pub org_id: String,
    /// Lists are in region order (the order of the administrative divisions), then by unit and
    /// filing day (then case id), as a register is read.
    pub region_path: String,
    pub org_name: String,
    pub facts: CaseFacts,
}

/// Which cases: a readable scope, optionally one organisation's subtree and one case kind.
#[derive(Debug, Clone)]
pub struct MetricScope {
    pub scope: ScopeFilter,
    /// The region path of the organisation chosen on the dashboard (inside `scope`).
    pub region_prefix: Option<String>,
    pub kind: Option<CaseKind>,
}

impl MetricScope {
    /// The region node the numbers are for: the chosen organisation's, if inside the scope.
    fn node(&self) -> &str {
        self.region_prefix
            .as_deref()
            .filter(|p| p.starts_with(&self.scope.region_prefix))
            .unwrap_or(&self.scope.region_prefix)
    }
}

/// The clocks whose ending is a case's 审限 outcome, the first a case has (see [`limit_outcome`]).
pub(crate) const MAIN_CLOCKS: [ClockKey; 3] = [
    ClockKey::Trial,
    ClockKey::ProsecutionReview,
    ClockKey::InvestigationCustody,
];

/// How the case's 审限 / 办案期限 ended, from its computed clocks: police and procuratorate files
/// count by their review limits, courts by 审限.
pub fn limit_outcome(clocks: &[Clock]) -> LimitOutcome {
    use tianping_domain::clock::ClockStatus as S;
    let Some(c) = MAIN_CLOCKS
        .iter()
        .find_map(|k| clocks.iter().find(|c| c.key == *k))
    else {
        return LimitOutcome::None;
    };
    match c.status {
        S::Met => LimitOutcome::Met,
        S::Late => LimitOutcome::Late,
        S::Running | S::Paused | S::Awaiting | S::Overdue => LimitOutcome::Open,
        S::NoLimit | S::NoRule => LimitOutcome::None,
    }
}

/// The 审限 outcome a stored clock row's status gives (as [`limit_outcome`] of that clock).
pub(crate) fn limit_of_status(status: &str) -> LimitOutcome {
    match status {
        "met" => LimitOutcome::Met,
        "late" => LimitOutcome::Late,
        "no_limit" | "no_rule" => LimitOutcome::None,
        _ => LimitOutcome::Open,
    }
}

/// A case's facts with where it is, as `metric_facts` keeps them.
#[derive(Debug, Clone, PartialEq)]
pub struct FactsRow {
    pub case_id: i64,
    pub org_id: String,
    pub region_path: String,
    pub agency_kind: String,
    pub facts: CaseFacts,
}

fn limit_str(l: LimitOutcome) -> &'static str {
    match l {
        LimitOutcome::None => "none",
        LimitOutcome::Open => "open",
        LimitOutcome::Met => "met",
        LimitOutcome::Late => "late",
    }
}

fn limit_parse(s: &str) -> Option<LimitOutcome> {
    Some(match s {
        "none" => LimitOutcome::None,
        "open" => LimitOutcome::Open,
        "met" => LimitOutcome::Met,
        "late" => LimitOutcome::Late,
        _ => return None,
    })
}

const FACT_COLUMNS: [(&str, &str); 20] = [
    ("case_id", "BIGINT"),
    ("org_id", "TEXT"),
    ("region_path", "TEXT"),
    ("agency_kind", "TEXT"),
    ("kind", "TEXT"),
    ("procedure", "TEXT"),
    ("filed", "TEXT"),
    ("closed", "TEXT"),
    ("disposition", "TEXT"),
    ("small_claims", "BIGINT"),
    ("appealed", "BIGINT"),
    ("limit_outcome", "TEXT"),
    ("claim_amount_yuan", "BIGINT"),
    ("amount_yuan", "BIGINT"),
    ("has_origin", "BIGINT"),
    ("extra_procedures", "BIGINT"),
    ("zhongben", "TEXT"),
    ("guided", "BIGINT"),
    ("evaluated", "TEXT"),
    ("proofread", "TEXT"),
];

fn day_str(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("metric date {s:?}")))
}

fn fact_values(r: &FactsRow) -> Vec<Val> {
    let f = &r.facts;
    vec![
        Val::I(r.case_id),
        Val::S(r.org_id.clone()),
        Val::S(r.region_path.clone()),
        Val::S(r.agency_kind.clone()),
        Val::S(f.kind.as_str().into()),
        Val::S(f.procedure.as_str().into()),
        Val::S(day_str(f.filed)),
        Val::OS(f.closed.map(day_str)),
        Val::OS(f.disposition.map(|d| d.as_str().into())),
        Val::I(i64::from(f.small_claims)),
        Val::I(i64::from(f.appealed)),
        Val::S(limit_str(f.limit).into()),
        Val::OI(f.claim_amount_yuan),
        Val::OI(f.amount_yuan),
        Val::I(i64::from(f.has_origin)),
        Val::I(i64::from(f.extra_procedures)),
        Val::S(spells_str(&f.zhongben)),
        Val::I(i64::from(f.guided)),
        Val::S(records::evaluated_str(&f.evaluated)),
        Val::S(records::proofread_str(&f.proofread)),
    ]
}

/// 终本 stays as stored: "2024-09-30/2026-02-10/restored;2026-05-01/" — a stay that ended is
/// followed by its exit and, when a deputy helped, "/a" ("…/2026-02-10/settled/a"). A stay stored
/// before exits were recorded ("2024-09-30/2026-02-10") ended by restoration.
pub fn spells_str(stays: &[Stay]) -> String {
    stays
        .iter()
        .map(|s| match s.left {
            None => format!("{}/", day_str(s.from)),
            Some(l) => format!(
                "{}/{}/{}{}",
                day_str(s.from),
                day_str(l.day),
                l.exit.as_str(),
                if l.assisted { "/a" } else { "" }
            ),
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn parse_spells(s: &str) -> Result<Vec<Stay>> {
    s.split(';')
        .filter(|x| !x.is_empty())
        .map(|x| {
            let bad = || StoreError::Corrupt(format!("终本 spell {x:?}"));
            let mut parts = x.split('/');
            let from = parse_day(parts.next().ok_or_else(bad)?)?;
            let to = parts.next().ok_or_else(bad)?;
            if to.is_empty() {
                return Ok(Stay::open(from));
            }
            let exit = match parts.next() {
                None => ZhongbenExit::Restored,
                Some(e) => ZhongbenExit::parse(e).ok_or_else(bad)?,
            };
            let assisted = match parts.next() {
                None => false,
                Some("a") => true,
                Some(_) => return Err(bad()),
            };
            Ok(Stay::ended(from, parse_day(to)?, exit, assisted))
        })
        .collect()
}

/// The first column of a case's stored facts that differs from the facts its events give, as
/// (column, stored, re-derived). `evaluated` and `proofread` are not compared: they follow the
/// case's evaluations and proofreading, which are not in its events.
pub(crate) fn first_difference(
    stored: &FactsRow,
    rederived: &FactsRow,
) -> Option<(&'static str, Option<String>, Option<String>)> {
    let text = |v: Val| match v {
        Val::S(s) => Some(s),
        Val::OS(s) => s,
        Val::I(i) => Some(i.to_string()),
        Val::OI(i) => i.map(|i| i.to_string()),
    };
    FACT_COLUMNS
        .iter()
        .zip(fact_values(stored).into_iter().zip(fact_values(rederived)))
        .filter(|((col, _), _)| !matches!(*col, "evaluated" | "proofread"))
        .map(|((col, _), (a, b))| (*col, text(a), text(b)))
        .find(|(_, a, b)| a != b)
}

/// The stored facts of the cases with ids from `lo` to `hi`, by case id; a row that does not
/// read (a value no write produces) as why.
pub(crate) async fn facts_between(
    conn: &mut sqlx::AnyConnection,
    lo: i64,
    hi: i64,
) -> Result<HashMap<i64, std::result::Result<FactsRow, String>>> {
    let sql = format!(
        "SELECT {} FROM metric_facts f WHERE f.case_id >= $1 AND f.case_id <= $2",
        fact_select("f")
    );
    let mut out = HashMap::new();
    for r in sqlx::query(audited(sql))
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut *conn)
        .await?
    {
        let id: i64 = r.try_get(0)?;
        out.insert(id, facts_of(&r, 0).map_err(|e| e.to_string()));
    }
    Ok(out)
}

/// Reads a `metric_facts` row selected as `FACT_COLUMNS` from column `at` on.
fn facts_of(r: &sqlx::any::AnyRow, at: usize) -> Result<FactsRow> {
    let bad = |what: &str, v: &str| StoreError::Corrupt(format!("metric facts {what} {v:?}"));
    let text = |i: usize| -> Result<String> { Ok(r.try_get::<String, _>(at + i)?) };
    let opt_text = |i: usize| -> Result<Option<String>> { Ok(r.try_get(at + i)?) };
    let int = |i: usize| -> Result<i64> { Ok(r.try_get::<i64, _>(at + i)?) };
    let kind = text(4)?;
    let procedure = text(5)?;
    let limit = text(11)?;
    let disposition = match opt_text(8)? {
        None => None,
        Some(d) => Some(Disposition::parse(&d).ok_or_else(|| bad("disposition", &d))?),
    };
    Ok(FactsRow {
        case_id: int(0)?,
        org_id: text(1)?,
        region_path: text(2)?,
        agency_kind: text(3)?,
        facts: CaseFacts {
            kind: CaseKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
            procedure: Procedure::parse(&procedure).ok_or_else(|| bad("procedure", &procedure))?,
            filed: parse_day(&text(6)?)?,
            closed: opt_text(7)?.as_deref().map(parse_day).transpose()?,
            disposition,
            small_claims: int(9)? != 0,
            appealed: int(10)? != 0,
            limit: limit_parse(&limit).ok_or_else(|| bad("limit outcome", &limit))?,
            claim_amount_yuan: r.try_get(at + 12)?,
            amount_yuan: r.try_get(at + 13)?,
            has_origin: int(14)? != 0,
            extra_procedures: u32::try_from(int(15)?).unwrap_or(0),
            zhongben: parse_spells(&text(16)?)?,
            guided: int(17)? != 0,
            evaluated: records::parse_evaluated(&text(18)?)?,
            proofread: records::parse_proofread(&text(19)?)?,
        },
    })
}

fn fact_select(alias: &str) -> String {
    FACT_COLUMNS
        .iter()
        .map(|(n, _)| format!("{alias}.{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Brings `metric_facts` and `metric_totals` up to date for these cases' new facts: a case whose
/// facts did not change costs one lookup; the cases in `created` (new in this write, so without
/// stored facts) none.
pub(crate) async fn update_facts(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    new: Vec<FactsRow>,
    created: &std::collections::HashSet<i64>,
) -> Result<()> {
    if new.is_empty() {
        return Ok(());
    }
    let mut old: HashMap<i64, FactsRow> = HashMap::new();
    let ids: Vec<i64> = new
        .iter()
        .map(|r| r.case_id)
        .filter(|id| !created.contains(id))
        .collect();
    for part in ids.chunks(500) {
        let sql = format!(
            "SELECT {} FROM metric_facts f WHERE f.case_id IN ({})",
            fact_select("f"),
            bulk_placeholders(backend, 1, part.len())
        );
        let mut q = sqlx::query(audited(sql));
        for id in part {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let f = facts_of(&r, 0)?;
            old.insert(f.case_id, f);
        }
    }
    let mut delta = TotalsDelta::default();
    let mut changed = vec![];
    for mut r in new {
        // A case's evaluations and proofreading findings are not in its events: the stored ones
        // stay (see [`records::refresh`]); a rebuild, which starts from no rows, reads them.
        if let Some(o) = old.get(&r.case_id) {
            if r.facts.evaluated.is_empty() {
                r.facts.evaluated = o.facts.evaluated.clone();
            }
            if r.facts.proofread.is_empty() {
                r.facts.proofread = o.facts.proofread.clone();
            }
        }
        match old.get(&r.case_id) {
            Some(o) if *o == r => continue,
            Some(o) => delta.add(o, -1),
            None => {}
        }
        delta.add(&r, 1);
        changed.push(fact_values(&r));
    }
    if changed.is_empty() {
        return Ok(());
    }
    let conflict = format!(
        " ON CONFLICT (case_id) DO UPDATE SET {}",
        FACT_COLUMNS[1..]
            .iter()
            .map(|(n, _)| format!("{n} = excluded.{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    bulk_write(
        conn,
        backend,
        "metric_facts",
        &FACT_COLUMNS,
        changed,
        &conflict,
        "",
    )
    .await?;
    delta.record(conn).await
}

/// How many pending rows one fold's transaction takes.
const FOLD_BATCH: usize = 500;

/// Rows a process folds from `metric_pending` (PostgreSQL) before it vacuums the table.
const PENDING_VACUUM_AFTER: u64 = 1_000;

/// The SQL that adds the pending rows to a read of the totals selecting `grain, bucket` and the
/// metric columns: grain 'p', the pending row's JSON as its bucket, no sums.
fn pending_rows() -> String {
    let nulls = vec!["CAST(NULL AS BIGINT)"; columns().len()].join(", ");
    format!(" UNION ALL SELECT 'p', delta, {nulls} FROM metric_pending")
}

/// A pending row read beside the totals (its JSON as `bucket`); `None` for one that does not
/// read, which the next fold sets aside (`totals::fold_pending`): the dashboards go on without
/// that one change rather than failing for the whole province.
fn pending_delta(r: &sqlx::any::AnyRow) -> Result<Option<TotalsDelta>> {
    match TotalsDelta::from_pending(&r.try_get::<String, _>("bucket")?) {
        Ok(d) => Ok(Some(d)),
        Err(e) => {
            tracing::warn!(error = %e, "a pending metric change does not read: left out of this read");
            Ok(None)
        }
    }
}

impl Store {
    /// Recomputes `metric_facts` and `metric_totals` from every case's state (at migration, for a
    /// database that predates them; and on demand). Returns the number of cases folded.
    pub async fn rebuild_metrics(&self, now: DateTime<Utc>) -> Result<u64> {
        let cw = self.clockwork();
        let mut tx = self.write(now).await?;
        if self.backend == Backend::Postgres {
            // Writers of facts and pending changes wait until the totals are rebuilt (readers
            // do not): a change written meanwhile would be counted twice or lost.
            sqlx::query(
                "LOCK TABLE metric_facts, metric_totals, metric_pending, metric_pending_unread IN EXCLUSIVE MODE",
            )
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM metric_totals")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM metric_facts")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM metric_pending")
            .execute(&mut *tx)
            .await?;
        // Changes set aside because they did not read: the totals are recomputed without them.
        sqlx::query("DELETE FROM metric_pending_unread")
            .execute(&mut *tx)
            .await?;
        let mut last = 0i64;
        let mut n = 0u64;
        loop {
            let rows = sqlx::query(
                "SELECT id, org_id, region_path, agency_kind, state FROM cases WHERE id > $1 ORDER BY id LIMIT 2000",
            )
            .bind(last)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            let mut batch = vec![];
            let first = last;
            let (lo, hi): (i64, i64) = (rows[0].try_get(0)?, rows[rows.len() - 1].try_get(0)?);
            // The 审限 outcome each case's stored main clock row ended with: a closed case's
            // clocks keep the rules it closed under (see the module documentation), so its
            // outcome is not re-decided by the rules in force now.
            let mut ended: HashMap<(i64, String), String> = HashMap::new();
            for r in sqlx::query(
                "SELECT case_id, clock_key, status FROM clocks WHERE case_id >= $1 AND case_id <= $2 \
                 AND clock_key IN ('trial', 'prosecution_review', 'investigation_custody')",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(&mut *tx)
            .await?
            {
                ended.insert(
                    (r.try_get("case_id")?, r.try_get("clock_key")?),
                    r.try_get("status")?,
                );
            }
            for r in &rows {
                last = r.try_get(0)?;
                let state: String = r.try_get(4)?;
                let s: CaseState = serde_json::from_str(&state)
                    .map_err(|e| StoreError::Corrupt(format!("case state: {e}")))?;
                let limit = match MAIN_CLOCKS
                    .iter()
                    .find_map(|k| ended.get(&(last, k.as_str().to_string())))
                {
                    Some(status) => limit_of_status(status),
                    None => limit_outcome(&cw.compute(&s, now)),
                };
                batch.push(FactsRow {
                    case_id: last,
                    org_id: r.try_get(1)?,
                    region_path: r.try_get(2)?,
                    agency_kind: r.try_get(3)?,
                    facts: CaseFacts::of(&s, limit),
                });
            }
            n += batch.len() as u64;
            let mut kept = records::of_cases(&mut tx, Some((first, last)), None).await?;
            for b in &mut batch {
                (b.facts.evaluated, b.facts.proofread) =
                    kept.remove(&b.case_id).unwrap_or_default();
            }
            update_facts(&mut tx, self.backend, batch, &Default::default()).await?;
        }
        while fold_pending(&mut tx, self.backend, FOLD_BATCH, now).await? > 0 {}
        tx.commit().await?;
        Ok(n)
    }

    /// Adds contributions to the stored totals in one transaction (bulk loads; ingest records
    /// its own in the events' transaction, for the fold).
    pub async fn add_metric_totals(&self, delta: TotalsDelta) -> Result<()> {
        let mut tx = self.write(Utc::now()).await?;
        delta.add_to_totals(&mut tx, self.backend).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Folds every pending change into `metric_totals` (see [`totals`]), a batch a transaction;
    /// returns how many pending rows were folded. Readers are exact before and after; the fold
    /// keeps their reads short. Safe to run on several nodes at once.
    pub async fn fold_metrics(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut n = 0u64;
        loop {
            let mut tx = self.write(now).await?;
            let folded = fold_pending(&mut tx, self.backend, FOLD_BATCH, now).await?;
            if folded == 0 {
                tx.rollback().await?;
                break;
            }
            tx.commit().await?;
            n += folded as u64;
        }
        // PostgreSQL keeps each folded row as a dead row until a vacuum, and the dashboards read
        // the whole table: after a 30-minute soak without autovacuum, 16 live rows among 26,723
        // dead ones took 5 ms a read. A queue this small is vacuumed in milliseconds, without
        // blocking its writers or readers.
        use std::sync::atomic::Ordering;
        let since = self.folded_since_vacuum.fetch_add(n, Ordering::Relaxed) + n;
        if self.backend == Backend::Postgres && since >= PENDING_VACUUM_AFTER {
            self.folded_since_vacuum.store(0, Ordering::Relaxed);
            sqlx::query("VACUUM metric_pending")
                .execute(&self.pool)
                .await?;
        }
        Ok(n)
    }

    /// The number of pending changes that did not read and were set aside by the fold (see
    /// `totals::fold_pending`): not zero only after a change made outside the product.
    pub async fn metric_changes_set_aside(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM metric_pending_unread")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// The number of changes written and not yet folded into `metric_totals`.
    pub async fn pending_metrics(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM metric_pending")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The running sums of every metric column on each of `days` for the scope (see the module
    /// documentation): one query over the months and the days of the months concerned.
    pub async fn metric_cumulative(
        &self,
        m: &MetricScope,
        days: &[NaiveDate],
    ) -> Result<Vec<Cumulative>> {
        let width = columns().len();
        if days.is_empty() {
            return Ok(vec![]);
        }
        let sums = columns()
            .iter()
            .map(|c| format!("CAST(SUM({}) AS BIGINT)", c.name()))
            .collect::<Vec<_>>()
            .join(", ");
        // A day that ends its month needs its node's month rows only; any other day also the
        // day rows of its month so far, which are kept at the cases' own nodes (the subtree).
        let month_end = |d: NaiveDate| d.succ_opt().is_none_or(|n| n.day() == 1);
        let node = m.node();
        let mut binds: Vec<String> = vec![node.to_string(), prefix_end(node)];
        let mut filter = String::new();
        if let Some(k) = m.scope.agency_kind {
            binds.push(k.as_str().into());
            filter.push_str(&format!(" AND agency_kind = ${}", binds.len()));
        }
        if let Some(k) = m.kind {
            binds.push(k.as_str().into());
            filter.push_str(&format!(" AND kind = ${}", binds.len()));
        }
        let latest = days.iter().copied().max().unwrap_or_default();
        binds.push(day_str(month_start(latest)));
        let mut sql = format!(
            "SELECT grain, bucket, {sums} FROM metric_totals WHERE ((node = $1 AND grain = 'm' AND bucket <= ${})",
            binds.len()
        );
        for d in days.iter().filter(|d| !month_end(**d)) {
            binds.push(day_str(month_start(*d)));
            binds.push(day_str(*d));
            sql.push_str(&format!(
                " OR (grain = 'd' AND bucket >= ${} AND bucket <= ${} AND node >= $1 AND node < $2)",
                binds.len() - 1,
                binds.len()
            ));
        }
        sql.push_str(&format!("){filter} GROUP BY grain, bucket"));
        sql.push_str(&pending_rows());
        let rows = self
            .read_rows(sql, binds.into_iter().map(Val::S).collect())
            .await?;
        let mut out = vec![Cumulative::default(); days.len()];
        let (agency, kind) = (
            m.scope.agency_kind.map(|k| k.as_str()),
            m.kind.map(|k| k.as_str()),
        );
        for r in rows {
            let grain: String = r.try_get("grain")?;
            if grain == "p" {
                // A pending change: its days in the subtree count up to each day asked.
                let Some(delta) = pending_delta(&r)? else {
                    continue;
                };
                for (day, v) in delta.days_under(node, agency, kind) {
                    for (d, cum) in days.iter().zip(out.iter_mut()) {
                        if day <= *d {
                            for (x, y) in cum.0.iter_mut().zip(v) {
                                *x += y;
                            }
                        }
                    }
                }
                continue;
            }
            let bucket = parse_day(&r.try_get::<String, _>("bucket")?)?;
            let mut v = Vec::with_capacity(width);
            for i in 0..width {
                v.push(r.try_get::<Option<i64>, _>(2 + i)?.unwrap_or(0));
            }
            for (d, cum) in days.iter().zip(out.iter_mut()) {
                let counts = match (grain.as_str(), month_end(*d)) {
                    ("m", true) => bucket <= month_start(*d),
                    ("m", false) => bucket < month_start(*d),
                    (_, true) => false,
                    (_, false) => bucket >= month_start(*d) && bucket <= *d,
                };
                if counts {
                    for (x, y) in cum.0.iter_mut().zip(&v) {
                        *x += y;
                    }
                }
            }
        }
        Ok(out)
    }

    /// The flows of each day from `from` to `to` in the scope's subtree (days without any are
    /// left out): one query over the day rows, which are kept at the cases' own nodes.
    pub async fn metric_days(
        &self,
        m: &MetricScope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, Cumulative)>> {
        let width = columns().len();
        let sums = columns()
            .iter()
            .map(|c| format!("CAST(SUM({}) AS BIGINT)", c.name()))
            .collect::<Vec<_>>()
            .join(", ");
        let node = m.node();
        let mut binds: Vec<String> = vec![
            node.to_string(),
            prefix_end(node),
            day_str(from),
            day_str(to),
        ];
        let mut filter = String::new();
        if let Some(k) = m.scope.agency_kind {
            binds.push(k.as_str().into());
            filter.push_str(&format!(" AND agency_kind = ${}", binds.len()));
        }
        if let Some(k) = m.kind {
            binds.push(k.as_str().into());
            filter.push_str(&format!(" AND kind = ${}", binds.len()));
        }
        let sql = format!(
            "SELECT 'd' AS grain, bucket, {sums} FROM metric_totals WHERE grain = 'd' AND node >= $1 AND node < $2 \
             AND bucket >= $3 AND bucket <= $4{filter} GROUP BY bucket{}",
            pending_rows()
        );
        let rows = self
            .read_rows(sql, binds.into_iter().map(Val::S).collect())
            .await?;
        let (agency, kind) = (
            m.scope.agency_kind.map(|k| k.as_str()),
            m.kind.map(|k| k.as_str()),
        );
        let mut out: std::collections::BTreeMap<NaiveDate, Vec<i64>> = Default::default();
        for r in rows {
            if r.try_get::<String, _>("grain")? == "p" {
                // A pending change: its days in the range, in the subtree.
                let Some(delta) = pending_delta(&r)? else {
                    continue;
                };
                for (day, v) in delta.days_under(node, agency, kind) {
                    if day >= from && day <= to {
                        let acc = out.entry(day).or_insert_with(|| vec![0; width]);
                        for (x, y) in acc.iter_mut().zip(v) {
                            *x += y;
                        }
                    }
                }
                continue;
            }
            let day = parse_day(&r.try_get::<String, _>("bucket")?)?;
            let acc = out.entry(day).or_insert_with(|| vec![0; width]);
            for (i, x) in acc.iter_mut().enumerate() {
                *x += r.try_get::<Option<i64>, _>(2 + i)?.unwrap_or(0);
            }
        }
        Ok(out.into_iter().map(|(d, v)| (d, Cumulative(v))).collect())
    }

    /// The facts of the cases in the scope that meet `which` (the drill-down: the caller applies
    /// the exact test).
    pub async fn metric_cases(
        &self,
        m: &MetricScope,
        which: Candidates,
    ) -> Result<Vec<MetricCase>> {
        let prefix = m.node();
        let (cond, days) = match which {
            Candidates::FiledIn(p) => ("f.filed >= $3 AND f.filed <= $4", [p.from, p.to]),
            Candidates::ClosedIn(p) => ("f.closed >= $3 AND f.closed <= $4", [p.from, p.to]),
            Candidates::PendingOn(d) => (
                "f.filed <= $3 AND (f.closed IS NULL OR f.closed > $4)",
                [d, d],
            ),
            Candidates::All => ("$3 <= $4", [NaiveDate::MIN, NaiveDate::MIN]),
        };
        let mut sql = format!(
            "SELECT c.case_number, o.name, {} FROM metric_facts f JOIN cases c ON c.id = f.case_id \
             JOIN orgs o ON o.id = f.org_id \
             WHERE f.region_path >= $1 AND f.region_path < $2 AND {cond}",
            fact_select("f")
        );
        let mut n = 4;
        if m.scope.agency_kind.is_some() {
            n += 1;
            sql.push_str(&format!(" AND f.agency_kind = ${n}"));
        }
        if m.kind.is_some() {
            n += 1;
            sql.push_str(&format!(" AND f.kind = ${n}"));
        }
        sql.push_str(" ORDER BY f.region_path, f.org_id, f.filed, f.case_id");
        let mut binds = vec![
            Val::S(prefix.to_string()),
            Val::S(prefix_end(prefix)),
            Val::S(day_str(days[0])),
            Val::S(day_str(days[1])),
        ];
        if let Some(k) = m.scope.agency_kind {
            binds.push(Val::S(k.as_str().into()));
        }
        if let Some(k) = m.kind {
            binds.push(Val::S(k.as_str().into()));
        }
        let rows = self.read_rows(sql, binds).await?;
        rows.iter().map(metric_case_of).collect()
    }

    /// The cases of the scope that pass `filter`, in list order: with `page` (offset, limit) one
    /// page of them, without all of them. Filtered and paged in the database, so a page costs a
    /// sort of the matching rows' keys, not reading their facts. (How many there are is the
    /// number on the dashboard, from the running sums.)
    pub async fn metric_cases_where(
        &self,
        m: &MetricScope,
        filter: &CaseFilter,
        page: Option<(usize, usize)>,
    ) -> Result<Vec<MetricCase>> {
        let prefix = m.node();
        let mut binds = vec![Val::S(prefix.to_string()), Val::S(prefix_end(prefix))];
        let mut cond = String::from("f.region_path >= $1 AND f.region_path < $2");
        let mut test = |sql: &str, v: Val| {
            binds.push(v);
            cond.push_str(&sql.replace('?', &format!("${}", binds.len())));
        };
        if let Some(k) = m.scope.agency_kind {
            test(" AND f.agency_kind = ?", Val::S(k.as_str().into()));
        }
        if let Some(k) = m.kind {
            test(" AND f.kind = ?", Val::S(k.as_str().into()));
        }
        filter_sql(filter, &mut test);
        let limit = match page {
            Some((offset, limit)) => format!(" LIMIT {limit} OFFSET {offset}"),
            None => String::new(),
        };
        // The page is chosen over the facts alone, then joined for the numbers and names.
        let sql = format!(
            "SELECT c.case_number, o.name, {} FROM (SELECT * FROM metric_facts f WHERE {cond} \
             ORDER BY f.region_path, f.org_id, f.filed, f.case_id{limit}) f \
             JOIN cases c ON c.id = f.case_id JOIN orgs o ON o.id = f.org_id \
             ORDER BY f.region_path, f.org_id, f.filed, f.case_id",
            fact_select("f")
        );
        let rows = self.read_rows(sql, binds).await?;
        rows.iter().map(metric_case_of).collect()
    }
}

/// A case selected as `case_number, name` (of its unit) and then `FACT_COLUMNS`.
fn metric_case_of(r: &sqlx::any::AnyRow) -> Result<MetricCase> {
    let f = facts_of(r, 2)?;
    Ok(MetricCase {
        id: f.case_id,
        case_number: r.try_get("case_number")?,
        org_id: f.org_id,
        region_path: f.region_path,
        org_name: r.try_get("name")?,
        facts: f.facts,
    })
}

/// The filter's tests as SQL over `metric_facts f`, each appended through `test` with its value
/// bound at the `?`.
fn filter_sql(filter: &CaseFilter, test: &mut impl FnMut(&str, Val)) {
    let mut one_of = |column: &str, values: Vec<&str>, negate: bool| {
        if values.is_empty() {
            if !negate {
                test(" AND ? = 'never'", Val::S(String::new()));
            }
            return;
        }
        let (open, not) = if negate {
            (format!(" AND ({column} IS NULL OR {column} NOT IN ("), "))")
        } else {
            (format!(" AND {column} IN ("), ")")
        };
        for (i, v) in values.iter().enumerate() {
            let head = if i == 0 { open.clone() } else { ", ".into() };
            let tail = if i + 1 == values.len() { not } else { "" };
            test(&format!("{head}?{tail}"), Val::S((*v).into()));
        }
    };
    if let Some(ks) = &filter.kinds {
        one_of("f.kind", ks.iter().map(|k| k.as_str()).collect(), false);
    }
    if let Some(ds) = &filter.dispositions {
        one_of(
            "f.disposition",
            ds.iter().map(|d| d.as_str()).collect(),
            false,
        );
    }
    if !filter.not_dispositions.is_empty() {
        let ds = filter.not_dispositions.iter().map(|d| d.as_str()).collect();
        one_of("f.disposition", ds, true);
    }
    if let Some(ls) = &filter.limits {
        one_of(
            "f.limit_outcome",
            ls.iter().map(|l| limit_str(*l)).collect(),
            false,
        );
    }
    if let Some(d) = filter.filed_from {
        test(" AND f.filed >= ?", Val::S(day_str(d)));
    }
    if let Some(d) = filter.filed_to {
        test(" AND f.filed <= ?", Val::S(day_str(d)));
    }
    match filter.closing {
        Closing::Any => {}
        Closing::In(p) => {
            test(" AND f.closed >= ?", Val::S(day_str(p.from)));
            test(" AND f.closed <= ?", Val::S(day_str(p.to)));
        }
        Closing::OpenOn(d) => test(
            " AND (f.closed IS NULL OR f.closed > ?)",
            Val::S(day_str(d)),
        ),
    }
    if let Some(p) = filter.procedure {
        test(" AND f.procedure = ?", Val::S(p.as_str().into()));
    }
    for (column, want) in [
        ("small_claims", filter.small_claims),
        ("appealed", filter.appealed),
        ("has_origin", filter.has_origin),
        ("guided", filter.guided),
    ] {
        if let Some(w) = want {
            test(&format!(" AND f.{column} = ?"), Val::I(i64::from(w)));
        }
    }
    if filter.extra_procedures {
        test(" AND f.extra_procedures > ?", Val::I(0));
    }
    if filter.claim_amount {
        test(" AND f.claim_amount_yuan <> ?", Val::I(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_read_back_as_written_and_old_ones_ended_by_restoration() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let stays = vec![
            Stay::ended(
                d("2024-09-30"),
                d("2026-02-10"),
                ZhongbenExit::Settled,
                true,
            ),
            Stay::ended(
                d("2026-03-01"),
                d("2026-04-01"),
                ZhongbenExit::Restored,
                false,
            ),
            Stay::open(d("2026-05-01")),
        ];
        let s = spells_str(&stays);
        assert_eq!(
            s,
            "2024-09-30/2026-02-10/settled/a;2026-03-01/2026-04-01/restored;2026-05-01/"
        );
        assert_eq!(parse_spells(&s).ok(), Some(stays));
        assert_eq!(
            parse_spells("2024-09-30/2026-02-10").ok(),
            Some(vec![Stay::ended(
                d("2024-09-30"),
                d("2026-02-10"),
                ZhongbenExit::Restored,
                false
            )])
        );
        assert!(parse_spells("2024-09-30/2026-02-10/paid").is_err());
    }

    #[test]
    fn a_path_has_a_node_per_level() {
        assert_eq!(
            nodes("/33/3301/330102/").collect::<Vec<_>>(),
            ["/", "/33/", "/33/3301/", "/33/3301/330102/"]
        );
    }
}
