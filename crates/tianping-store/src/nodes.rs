//! Process nodes (流程节点): each case's nodes under the flow of its type, computed from its state
//! by `tianping_domain::nodes` beside its clocks — in ingest and in every re-computation — and
//! stored in `case_nodes` (a projection of the events, like the clock rows). Read here: the late
//! nodes of a region, a judge's own late nodes a flow tells them of, and the median time per node
//! per court.

use crate::case::prefix_end;
use crate::db::{Owner, Val};
use crate::{Backend, Result, Store, Total, audited, capped_count_sql, ts};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use std::collections::BTreeMap;
use tianping_domain::calendar::Calendar;
use tianping_domain::nodes::{Flows, Mark, NodeTime, median};
use tianping_domain::{CaseState, Confidentiality};

const NODE_COLUMNS: &[(&str, &str)] = &[
    ("case_id", "bigint"),
    ("mark", "text"),
    ("flow", "text"),
    ("org_id", "text"),
    ("region_path", "text"),
    ("judge", "text"),
    ("started_at", "text"),
    ("due_date", "text"),
    ("done_at", "text"),
    ("days_taken", "bigint"),
    ("late", "bigint"),
    ("tell_judge", "bigint"),
];

/// The node rows of one case (none when no flow covers its type).
pub(crate) fn node_rows(
    flows: &Flows,
    calendar: &Calendar,
    owner: &Owner<'_>,
    state: &CaseState,
) -> Vec<Vec<Val>> {
    let Some(flow) = flows.flow_for(state.type_code.as_deref()) else {
        return vec![];
    };
    tianping_domain::nodes::times(flow, state, calendar)
        .into_iter()
        .map(|n| {
            let late = n
                .done
                .zip(n.due)
                .is_some_and(|(d, due)| tianping_domain::clock::local_date(d) > due);
            vec![
                Val::I(owner.id),
                Val::S(n.mark.as_str().into()),
                Val::S(flow.code.clone()),
                Val::S(owner.org_id.into()),
                Val::S(owner.region_path.into()),
                Val::OS(state.judge.clone()),
                Val::S(ts(n.started)),
                Val::OS(n.due.map(|d| d.to_string())),
                Val::OS(n.done.map(ts)),
                Val::OI(n.days_taken()),
                Val::I(i64::from(late)),
                Val::I(i64::from(n.tell_judge)),
            ]
        })
        .collect()
}

/// Replaces the node rows of cases: those of `ids` deleted (the cases that had rows), `rows`
/// inserted.
pub(crate) async fn replace_nodes(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    ids: &[i64],
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    crate::db::replace_case_rows(conn, backend, "case_nodes", NODE_COLUMNS, ids, rows).await
}

/// Which late nodes a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lateness {
    /// Still waited for past the due day (the ones to chase).
    Overdue,
    /// Reached, after the due day.
    ReachedLate,
}

#[derive(Debug, Clone)]
pub struct NodeQuery {
    pub region_prefix: String,
    pub org_id: Option<String>,
    pub flow: Option<String>,
    pub mark: Option<Mark>,
    pub lateness: Lateness,
    /// Today in Beijing.
    pub today: NaiveDate,
    pub limit: i64,
    pub offset: i64,
}

/// A late node of a case, as the lists show it.
#[derive(Debug, Clone)]
pub struct LateNode {
    pub case_id: i64,
    pub case_number: String,
    pub confidentiality: Confidentiality,
    pub org_id: String,
    pub org_name: String,
    pub judge: Option<String>,
    pub flow: String,
    pub mark: Mark,
    pub node: NodeTime,
}

/// The time one node takes in one court.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeMedian {
    pub org_id: String,
    pub org_name: String,
    pub flow: String,
    pub mark: Mark,
    /// Nodes reached in the window.
    pub count: i64,
    /// Median whole days from the earlier step.
    pub median_days: i64,
    /// Of them, reached late.
    pub late: i64,
}

fn parse_mark(s: &str) -> Result<Mark> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|_| crate::StoreError::Corrupt(format!("node mark {s}")))
}

fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| crate::StoreError::Corrupt(format!("node time {s}: {e}")))
}

fn late_where(q: &NodeQuery) -> (String, Vec<String>) {
    let mut cond = vec![
        "n.region_path >= $1".to_string(),
        "n.region_path < $2".to_string(),
    ];
    let mut binds = vec![q.region_prefix.clone(), prefix_end(&q.region_prefix)];
    match q.lateness {
        Lateness::Overdue => {
            binds.push(q.today.to_string());
            cond.push(format!(
                "n.done_at IS NULL AND n.due_date IS NOT NULL AND n.due_date < ${}",
                binds.len()
            ));
        }
        Lateness::ReachedLate => cond.push("n.late = 1".into()),
    }
    if let Some(o) = &q.org_id {
        binds.push(o.clone());
        cond.push(format!("n.org_id = ${}", binds.len()));
    }
    if let Some(f) = &q.flow {
        binds.push(f.clone());
        cond.push(format!("n.flow = ${}", binds.len()));
    }
    if let Some(m) = q.mark {
        binds.push(m.as_str().into());
        cond.push(format!("n.mark = ${}", binds.len()));
    }
    (cond.join(" AND "), binds)
}

fn late_node(r: &sqlx::any::AnyRow) -> Result<LateNode> {
    let conf: String = r.try_get("confidentiality")?;
    let mark = parse_mark(&r.try_get::<String, _>("mark")?)?;
    let due: Option<String> = r.try_get("due_date")?;
    let done: Option<String> = r.try_get("done_at")?;
    Ok(LateNode {
        case_id: r.try_get("case_id")?,
        case_number: r.try_get("case_number")?,
        confidentiality: Confidentiality::parse(&conf)
            .ok_or_else(|| crate::StoreError::Corrupt(format!("confidentiality {conf}")))?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        judge: r.try_get("judge")?,
        flow: r.try_get("flow")?,
        mark,
        node: NodeTime {
            mark,
            started: parse_ts(&r.try_get::<String, _>("started_at")?)?,
            due: due.and_then(|d| d.parse().ok()),
            done: done.as_deref().map(parse_ts).transpose()?,
            tell_judge: r.try_get::<i64, _>("tell_judge")? != 0,
        },
    })
}

const LATE_SELECT: &str = "SELECT n.case_id, k.case_number, k.confidentiality, n.org_id, o.name AS org_name, \
     n.judge, n.flow, n.mark, n.started_at, n.due_date, n.done_at, n.tell_judge \
     FROM case_nodes n JOIN cases k ON k.id = n.case_id JOIN orgs o ON o.id = n.org_id";

impl Store {
    /// The late nodes of a region (a page of them, earliest due first) and how many there are
    /// (counted up to [`crate::COUNT_CAP`]).
    pub async fn late_nodes(&self, q: &NodeQuery) -> Result<(Total, Vec<LateNode>)> {
        let (cond, binds) = late_where(q);
        let n = binds.len();
        let mut rows = sqlx::query(audited(format!(
            "{LATE_SELECT} WHERE {cond} ORDER BY n.due_date, n.case_id, n.mark LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        )));
        for b in &binds {
            rows = rows.bind(b.clone());
        }
        let rows = rows
            .bind(q.limit.clamp(1, 10_000))
            .bind(q.offset.max(0))
            .fetch_all(&self.pool)
            .await?;
        let out = rows.iter().map(late_node).collect::<Result<Vec<_>>>()?;
        let limit = q.limit.clamp(1, 10_000);
        let offset = u64::try_from(q.offset.max(0)).unwrap_or(0);
        let total = match Total::from_page(offset, out.len(), limit as usize) {
            Some(t) => t,
            None => {
                let mut count = sqlx::query(audited(capped_count_sql(&format!(
                    "FROM case_nodes n WHERE {cond}"
                ))));
                for b in binds {
                    count = count.bind(b);
                }
                Total::capped(count.fetch_one(&self.pool).await?.try_get(0)?)
            }
        };
        Ok((total, out))
    }

    /// The nodes of one case (flow code and node), in the order their clocks started.
    pub async fn nodes_of_case(&self, case_id: i64) -> Result<Vec<(String, NodeTime)>> {
        let rows = sqlx::query(
            "SELECT flow, mark, started_at, due_date, done_at, tell_judge FROM case_nodes \
             WHERE case_id = $1 ORDER BY started_at, mark",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = vec![];
        for r in rows {
            let due: Option<String> = r.try_get("due_date")?;
            let done: Option<String> = r.try_get("done_at")?;
            out.push((
                r.try_get("flow")?,
                NodeTime {
                    mark: parse_mark(&r.try_get::<String, _>("mark")?)?,
                    started: parse_ts(&r.try_get::<String, _>("started_at")?)?,
                    due: due.and_then(|d| d.parse().ok()),
                    done: done.as_deref().map(parse_ts).transpose()?,
                    tell_judge: r.try_get::<i64, _>("tell_judge")? != 0,
                },
            ));
        }
        Ok(out)
    }

    /// A judge's own overdue nodes that their flow tells them of.
    pub async fn judge_late_nodes(
        &self,
        org_id: &str,
        judge: &str,
        today: NaiveDate,
    ) -> Result<Vec<LateNode>> {
        let rows = sqlx::query(audited(format!(
            "{LATE_SELECT} WHERE n.org_id = $1 AND n.judge = $2 AND n.tell_judge = 1 \
             AND n.done_at IS NULL AND n.due_date < $3 ORDER BY n.due_date, n.case_id LIMIT 200"
        )))
        .bind(org_id)
        .bind(judge)
        .bind(today.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(late_node).collect()
    }

    /// The median time per node per court of the nodes reached since `since`, in a region.
    pub async fn node_medians(
        &self,
        region_prefix: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<NodeMedian>> {
        let rows = sqlx::query(audited(
            "SELECT n.org_id, o.name AS org_name, n.flow, n.mark, n.days_taken, n.late FROM case_nodes n \
             JOIN orgs o ON o.id = n.org_id \
             WHERE n.region_path >= $1 AND n.region_path < $2 AND n.done_at IS NOT NULL AND n.done_at >= $3"
                .to_string(),
        ))
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(ts(since))
        .fetch_all(&self.pool)
        .await?;
        type Key = (String, String, String);
        let mut groups: BTreeMap<Key, (String, Vec<i64>, i64)> = BTreeMap::new();
        for r in rows {
            let key = (r.try_get("org_id")?, r.try_get("flow")?, r.try_get("mark")?);
            let g = groups
                .entry(key)
                .or_insert_with(|| (String::new(), vec![], 0));
            g.0 = r.try_get("org_name")?;
            g.1.push(r.try_get::<Option<i64>, _>("days_taken")?.unwrap_or(0));
            g.2 += r.try_get::<i64, _>("late")?;
        }
        let mut out = vec![];
        for ((org_id, flow, mark), (org_name, mut days, late)) in groups {
            let Some(m) = median(&mut days) else { continue };
            out.push(NodeMedian {
                org_id,
                org_name,
                flow,
                mark: parse_mark(&mark)?,
                count: days.len() as i64,
                median_days: m,
                late,
            });
        }
        Ok(out)
    }
}
