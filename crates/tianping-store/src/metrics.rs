//! Quality metrics from the store: the facts of every case in a scope (from its folded state and
//! its trial clock), from which `tianping_domain::metrics` counts and computes.
//!
//! This first version reads the cases of the scope on every request — exact, and the same code path
//! for the numbers and for the case lists behind them, but linear in the cases of the scope. A
//! province-scale dashboard needs pre-aggregated counters maintained by ingest (issue #6).

use crate::case::{ScopeFilter, prefix_end};
use crate::{Result, Store, StoreError, audited};
use chrono::{DateTime, Utc};
use sqlx::Row;
use tianping_domain::CaseState;
use tianping_domain::case_type::CaseKind;
use tianping_domain::metrics::{CaseFacts, LimitOutcome};
use tianping_domain::rules::ClockKey;

/// One case as the metrics see it.
#[derive(Debug, Clone)]
pub struct MetricCase {
    pub id: i64,
    pub case_number: String,
    pub org_id: String,
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

/// How the case's 审限 / 办案期限 ended, recomputed from its state (the stored clock rows keep open
/// clocks only): police and procuratorate files count by their review limits, courts by 审限.
fn limit_outcome(cw: &crate::clocks::Clockwork, s: &CaseState, now: DateTime<Utc>) -> LimitOutcome {
    use tianping_domain::clock::ClockStatus as S;
    let main = [
        ClockKey::Trial,
        ClockKey::ProsecutionReview,
        ClockKey::InvestigationCustody,
    ];
    let clocks = cw.compute(s, now);
    let Some(c) = main
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

impl Store {
    /// The facts of every case in the scope filed on or before `filed_by` (a `ts` instant).
    pub async fn metric_cases(
        &self,
        m: &MetricScope,
        filed_by: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<MetricCase>> {
        let cw = self.clockwork();
        let prefix = m
            .region_prefix
            .as_deref()
            .filter(|p| p.starts_with(&m.scope.region_prefix))
            .unwrap_or(&m.scope.region_prefix);
        let mut sql = String::from(
            "SELECT c.id, c.case_number, c.org_id, o.name, c.state FROM cases c JOIN orgs o ON o.id = c.org_id \
             WHERE c.region_path >= $1 AND c.region_path < $2 AND c.filed_at <= $3",
        );
        let mut n = 3;
        if m.scope.agency_kind.is_some() {
            n += 1;
            sql.push_str(&format!(" AND c.agency_kind = ${n}"));
        }
        if m.kind.is_some() {
            n += 1;
            sql.push_str(&format!(" AND c.kind = ${n}"));
        }
        sql.push_str(" ORDER BY c.id");
        let mut q = sqlx::query(audited(sql))
            .bind(prefix)
            .bind(prefix_end(prefix))
            .bind(filed_by);
        if let Some(k) = m.scope.agency_kind {
            q = q.bind(k.as_str());
        }
        if let Some(k) = m.kind {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let state: String = r.try_get(4)?;
            let s: CaseState = serde_json::from_str(&state)
                .map_err(|e| StoreError::Corrupt(format!("case state: {e}")))?;
            out.push(MetricCase {
                id: r.try_get(0)?,
                case_number: r.try_get(1)?,
                org_id: r.try_get(2)?,
                org_name: r.try_get(3)?,
                facts: CaseFacts::of(&s, limit_outcome(&cw, &s, now)),
            });
        }
        Ok(out)
    }
}
