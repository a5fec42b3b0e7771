//! Risk points (执法司法风险点): the hits of each case. The event-driven signals are computed from
//! the case's state and clocks by `tianping_domain::risk_points::hits` beside its clocks and
//! nodes — in ingest and every re-computation — and stored in `risk_hits`; late services and
//! overdue limits move with time and are read from `case_nodes` and `clocks` when asked.

use crate::case::prefix_end;
use crate::db::{Owner, Val};
use crate::{Backend, Result, Store, audited};
use chrono::NaiveDate;
use sqlx::Row;
use std::collections::BTreeSet;
use tianping_domain::clock::Clock;
use tianping_domain::risk_points::{Signal, hits};
use tianping_domain::{CaseState, Confidentiality};

const HIT_COLUMNS: &[(&str, &str)] = &[
    ("case_id", "bigint"),
    ("signal", "text"),
    ("org_id", "text"),
    ("region_path", "text"),
    ("judge", "text"),
    ("on_date", "text"),
];

/// The stored hit rows of one case.
pub(crate) fn hit_rows(owner: &Owner<'_>, state: &CaseState, clocks: &[Clock]) -> Vec<Vec<Val>> {
    hits(state, clocks)
        .into_iter()
        .map(|h| {
            vec![
                Val::I(owner.id),
                Val::S(h.signal.as_str().into()),
                Val::S(owner.org_id.into()),
                Val::S(owner.region_path.into()),
                Val::OS(state.judge.clone()),
                Val::S(h.on.to_string()),
            ]
        })
        .collect()
}

/// Replaces the hit rows of cases: those of `ids` deleted (the cases that had rows), `rows`
/// inserted.
pub(crate) async fn replace_hits(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    ids: &[i64],
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    crate::db::replace_case_rows(conn, backend, "risk_hits", HIT_COLUMNS, ids, rows).await
}

/// Rewrites, of the cases `ids` (ascending), only those whose stored hits differ from `rows`
/// (hits are few: a re-computation reads them by the batch's id range and leaves the rest).
pub(crate) async fn update_hits(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    ids: &[i64],
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    let (Some(lo), Some(hi)) = (ids.first(), ids.last()) else {
        return Ok(());
    };
    let key = |r: &[Val]| match (&r[0], &r[1], &r[5]) {
        (Val::I(id), Val::S(s), Val::S(on)) => Some((*id, s.clone(), on.clone())),
        _ => None,
    };
    let new: BTreeSet<(i64, String, String)> = rows.iter().filter_map(|r| key(r)).collect();
    let mut old = BTreeSet::new();
    for r in sqlx::query(
        "SELECT case_id, signal, on_date FROM risk_hits WHERE case_id >= $1 AND case_id <= $2",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut *conn)
    .await?
    {
        old.insert((
            r.try_get::<i64, _>("case_id")?,
            r.try_get::<String, _>("signal")?,
            r.try_get::<String, _>("on_date")?,
        ));
    }
    let changed: BTreeSet<i64> = old
        .symmetric_difference(&new)
        .map(|(id, _, _)| *id)
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let changed_ids: Vec<i64> = changed.iter().copied().collect();
    let rows = rows
        .into_iter()
        .filter(|r| matches!(&r[0], Val::I(id) if changed.contains(id)))
        .collect();
    replace_hits(conn, backend, &changed_ids, rows).await
}

/// A risk point hit by a case.
#[derive(Debug, Clone)]
pub struct RiskHit {
    pub case_id: i64,
    pub case_number: String,
    pub confidentiality: Confidentiality,
    pub org_id: String,
    pub org_name: String,
    pub judge: Option<String>,
    pub signal: Signal,
    /// The day the signal showed (Beijing).
    pub on: NaiveDate,
}

fn hit(r: &sqlx::any::AnyRow, signal: Signal, shift: i64) -> Result<RiskHit> {
    let conf: String = r.try_get("confidentiality")?;
    let on: String = r.try_get("on_date")?;
    let on: NaiveDate = on
        .parse()
        .map_err(|_| crate::StoreError::Corrupt(format!("risk day {on}")))?;
    Ok(RiskHit {
        case_id: r.try_get("case_id")?,
        case_number: r.try_get("case_number")?,
        confidentiality: Confidentiality::parse(&conf)
            .ok_or_else(|| crate::StoreError::Corrupt(format!("confidentiality {conf}")))?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        judge: r.try_get("judge")?,
        signal,
        on: on + chrono::Duration::days(shift),
    })
}

impl Store {
    /// The risk-point hits of a region whose signal showed on a day in `[from, to)`, as of
    /// `today`: the stored ones, the services late by the node standards and the limits overdue
    /// (a case once per signal, on the first day it showed).
    pub async fn risk_hits(
        &self,
        scope: &crate::case::ScopeFilter,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<Vec<RiskHit>> {
        let region_prefix = scope.region_prefix.as_str();
        let end = prefix_end(region_prefix);
        // The agencies the reader's scope covers (a court's office: courts only).
        let kind = |n: usize| match scope.agency_kind {
            Some(k) => (format!(" AND o.kind = ${n}"), Some(k.as_str())),
            None => (String::new(), None),
        };
        let mut out = vec![];
        let (k5, kind5) = kind(5);
        let mut q = sqlx::query(audited(format!(
            "SELECT h.case_id, k.case_number, k.confidentiality, h.org_id, o.name AS org_name, h.judge, \
             h.signal, h.on_date FROM risk_hits h JOIN cases k ON k.id = h.case_id JOIN orgs o ON o.id = h.org_id \
             WHERE h.region_path >= $1 AND h.region_path < $2 AND h.on_date >= $3 AND h.on_date < $4{k5}"
        )))
        .bind(region_prefix)
        .bind(&end)
        .bind(from.to_string())
        .bind(to.to_string());
        if let Some(k) = kind5 {
            q = q.bind(k);
        }
        let stored = q.fetch_all(&self.pool).await?;
        for r in &stored {
            let s: String = r.try_get("signal")?;
            let Some(signal) = Signal::parse(&s) else {
                continue;
            };
            out.push(hit(r, signal, 0)?);
        }
        // A service is late from the day after its due day; so is a limit.
        let (from_due, to_due) = (
            (from - chrono::Duration::days(1)).to_string(),
            (to - chrono::Duration::days(1)).to_string(),
        );
        let (k6, kind6) = kind(6);
        // Late services and overdue limits: each case once, on the first day after a due day in
        // the window.
        let moving = [
            (
                Signal::LateService,
                format!(
                    "SELECT n.case_id, k.case_number, k.confidentiality, n.org_id, o.name AS org_name, n.judge, \
                     MIN(n.due_date) AS on_date FROM case_nodes n JOIN cases k ON k.id = n.case_id JOIN orgs o ON o.id = n.org_id \
                     WHERE n.region_path >= $1 AND n.region_path < $2 \
                     AND n.mark IN ('complaint_served', 'indictment_served', 'judgment_served') \
                     AND (n.late = 1 OR (n.done_at IS NULL AND n.due_date < $3)) \
                     AND n.due_date >= $4 AND n.due_date < $5{k6} \
                     GROUP BY n.case_id, k.case_number, k.confidentiality, n.org_id, o.name, n.judge"
                ),
            ),
            (
                Signal::LimitOverdue,
                format!(
                    "SELECT c.case_id, k.case_number, k.confidentiality, c.org_id, o.name AS org_name, k.judge, \
                     MIN(c.due_date) AS on_date FROM clocks c JOIN cases k ON k.id = c.case_id JOIN orgs o ON o.id = c.org_id \
                     WHERE c.region_path >= $1 AND c.region_path < $2 \
                     AND (c.status = 'late' OR (c.status IN ('running', 'overdue') AND c.due_date < $3)) \
                     AND c.due_date >= $4 AND c.due_date < $5{k6} \
                     GROUP BY c.case_id, k.case_number, k.confidentiality, c.org_id, o.name, k.judge"
                ),
            ),
        ];
        for (signal, sql) in moving {
            let mut q = sqlx::query(audited(sql))
                .bind(region_prefix)
                .bind(&end)
                .bind(today.to_string())
                .bind(&from_due)
                .bind(&to_due);
            if let Some(k) = kind6 {
                q = q.bind(k);
            }
            for r in &q.fetch_all(&self.pool).await? {
                out.push(hit(r, signal, 1)?);
            }
        }
        out.sort_by(|a, b| a.on.cmp(&b.on).then(a.case_id.cmp(&b.case_id)));
        Ok(out)
    }
}
