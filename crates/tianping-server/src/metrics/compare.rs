//! The dashboard's unit-by-unit comparison: the units one level below the one shown (the basic
//! courts of a city, the cities of the province), each metric that has a direction ranked across
//! them (`tianping_domain::metrics::rank`: 1 is best, the best third in green, the worst third in
//! red). Units of one kind only: a court's own kind, or courts when a 人大 or 政法委 is shown — the
//! quality metrics are the courts'.

use super::{Resolved, fmt, query_string, totals_of};
use crate::AppState;
use crate::error::ApiError;
use tianping_domain::AgencyKind;
use tianping_domain::metrics::{MetricSet, rank};
use tianping_store::case::ScopeFilter;
use tianping_store::metrics::MetricScope;

pub struct Cell {
    pub value: String,
    /// "第 2 名", or "—" without a value.
    pub rank: String,
    /// better, middle or worse (the cell's colour).
    pub standing: &'static str,
}

pub struct Row {
    pub name: String,
    /// The unit's own dashboard for the same period.
    pub href: String,
    /// 新收 in the period (context: a rate over few cases moves a lot).
    pub received: i64,
    pub cells: Vec<Cell>,
}

pub struct Comparison {
    /// "法院", "检察院" …
    pub kind_zh: &'static str,
    /// (heading, unit) of each compared metric.
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Row>,
}

/// The comparison under the unit `r` shows, or none when fewer than two units sit below it.
pub(super) async fn compare(st: &AppState, r: &Resolved) -> Result<Option<Comparison>, ApiError> {
    let set = MetricSet::shipped().map_err(ApiError::internal)?;
    let dir = st.store.org_directory().await?;
    let Some(shown) = dir.get(&r.org_id) else {
        return Ok(None);
    };
    let kind = if shown.kind.supervises_all_kinds() {
        AgencyKind::Court
    } else {
        shown.kind
    };
    // One region level below the unit shown: /33/3301/ → /33/3301/330102/.
    let node = &shown.region_path;
    let mut units: Vec<&tianping_store::org::Org> = dir
        .by_id
        .values()
        .filter(|o| o.kind == kind && o.region_path.len() > node.len())
        .filter(|o| {
            o.region_path
                .strip_prefix(node.as_str())
                .is_some_and(|rest| rest.trim_end_matches('/').split('/').count() == 1)
        })
        .filter(|o| o.region_path.starts_with(&r.scope.scope.region_prefix))
        .collect();
    if units.len() < 2 {
        return Ok(None);
    }
    units.sort_by(|a, b| a.region_path.cmp(&b.region_path).then(a.id.cmp(&b.id)));
    let defs: Vec<_> = set
        .ids()
        .into_iter()
        .filter_map(|id| set.in_force(id, r.period.to))
        .filter(|d| d.better.is_some())
        .collect();
    let received = tianping_domain::metrics::Counter::parse("received");
    let mut values: Vec<Vec<Option<f64>>> = vec![];
    let mut rows = vec![];
    for u in &units {
        let ru = Resolved {
            scope: MetricScope {
                scope: ScopeFilter {
                    region_prefix: u.region_path.clone(),
                    agency_kind: Some(kind),
                },
                region_prefix: Some(u.region_path.clone()),
                kind: r.kind,
            },
            org_name: u.name.clone(),
            org_id: u.id.clone(),
            period: r.period,
            kind: r.kind,
        };
        let t = totals_of(st, &ru, &[r.period]).await?;
        let Some(t) = t.first() else {
            continue;
        };
        values.push(defs.iter().map(|d| d.compute(t)).collect());
        rows.push(Row {
            name: u.name.clone(),
            href: format!("/quality?{}", query_string(&ru, "")),
            received: received.map_or(0, |c| t.get(c)),
            cells: vec![],
        });
    }
    for (j, d) in defs.iter().enumerate() {
        let column: Vec<Option<f64>> = values.iter().map(|v| v[j]).collect();
        let ranks = rank(
            &column,
            d.better.unwrap_or(tianping_domain::metrics::Better::Higher),
        );
        for (i, row) in rows.iter_mut().enumerate() {
            let (rank, standing) = match ranks[i] {
                Some((n, st)) => (format!("第 {n} 名"), st.as_str()),
                None => ("—".to_string(), "middle"),
            };
            row.cells.push(Cell {
                value: fmt(column[i], &d.unit),
                rank,
                standing,
            });
        }
    }
    Ok(Some(Comparison {
        kind_zh: kind.zh(),
        columns: defs
            .iter()
            .map(|d| (d.zh.clone(), d.unit.clone()))
            .collect(),
        rows,
    }))
}
