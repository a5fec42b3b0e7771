//! The pre-aggregated totals a change of facts adds or removes (`metric_totals`), by region node,
//! agency, case kind, grain and bucket; see the module documentation of `metrics`.

use super::{FactsRow, day_str};
use crate::db::{Val, bulk_write, plan_generically};
use crate::{Backend, Result, audited};
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;
use tianping_domain::metrics::columns;

/// Every region node of a path: each '/'-terminated prefix ("/", "/33/", "/33/3301/" …).
pub(super) fn nodes(region_path: &str) -> impl Iterator<Item = &str> {
    region_path
        .char_indices()
        .filter(|(_, c)| *c == '/')
        .map(move |(i, _)| &region_path[..=i])
}

pub(super) fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

type TotalsKey = (String, String, &'static str, &'static str, NaiveDate);
type GroupKey = (String, String, &'static str);

/// Contributions to be added to `metric_totals`: merged by region path, agency, kind and day, and
/// expanded to every node and both grains when written.
#[derive(Default)]
pub struct TotalsDelta {
    groups: HashMap<GroupKey, HashMap<NaiveDate, Vec<i64>>>,
}

impl TotalsDelta {
    /// Adds (`sign` 1) or removes (`sign` −1) a case's contributions.
    pub fn add(&mut self, r: &FactsRow, sign: i64) {
        let width = columns().len();
        let key = (
            r.region_path.clone(),
            r.agency_kind.clone(),
            r.facts.kind.as_str(),
        );
        let days = self.groups.entry(key).or_default();
        for c in r.facts.contributions() {
            let v = days.entry(c.day).or_insert_with(|| vec![0; width]);
            if let Some(x) = v.get_mut(c.column) {
                *x += sign * c.value;
            }
        }
    }

    /// The rows to add, by node, agency, kind, grain and bucket, in key order.
    fn rows(self) -> Vec<(TotalsKey, Vec<i64>)> {
        let width = columns().len();
        let mut rows: HashMap<TotalsKey, Vec<i64>> = HashMap::new();
        for ((path, agency, kind), days) in self.groups {
            for (day, v) in days {
                if v.iter().all(|x| *x == 0) {
                    continue;
                }
                // Days at the case's own node, months at every node.
                let day_row = (path.as_str(), "d", day);
                for (node, grain, bucket) in nodes(&path)
                    .map(|n| (n, "m", month_start(day)))
                    .chain([day_row])
                {
                    let acc = rows
                        .entry((node.to_string(), agency.clone(), kind, grain, bucket))
                        .or_insert_with(|| vec![0; width]);
                    for (a, b) in acc.iter_mut().zip(&v) {
                        *a += b;
                    }
                }
            }
        }
        let mut rows: Vec<_> = rows
            .into_iter()
            .filter(|(_, v)| v.iter().any(|x| *x != 0))
            .collect();
        // In key order (node, grain, bucket, agency, kind): neighbouring upserts touch the same
        // pages, and concurrent writers on PostgreSQL lock rows in the same order.
        rows.sort_by(|a, b| {
            let k = |r: &TotalsKey| (r.0.clone(), r.3, r.4, r.1.clone(), r.2);
            k(&a.0).cmp(&k(&b.0))
        });
        rows
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Adds the delta to the stored totals (rows in key order, so concurrent writers on
    /// PostgreSQL lock them in the same order).
    pub(crate) async fn write(
        self,
        conn: &mut sqlx::AnyConnection,
        backend: Backend,
    ) -> Result<()> {
        let rows = self.rows();
        if rows.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = columns().iter().map(|c| c.name()).collect();
        let mut cols: Vec<(&str, &str)> = vec![
            ("node", "TEXT"),
            ("agency_kind", "TEXT"),
            ("kind", "TEXT"),
            ("grain", "TEXT"),
            ("bucket", "TEXT"),
        ];
        cols.extend(names.iter().map(|n| (n.as_str(), "BIGINT")));
        let conflict = format!(
            " ON CONFLICT (node, agency_kind, kind, grain, bucket) DO UPDATE SET {}",
            names
                .iter()
                .map(|n| format!("{n} = metric_totals.{n} + excluded.{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if backend == Backend::Postgres {
            // Rows are sparse (a filing day touches four of thirty-odd columns): one JSON
            // parameter holding only the non-zero values, a missing key read as 0 — a fifth of
            // the JSON the generic bulk insert would send. (On SQLite, bound values are cheaper
            // than JSON functions: the generic path below.)
            let all = cols.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
            let select = cols
                .iter()
                .map(|(n, t)| {
                    if *t == "BIGINT" {
                        format!("COALESCE(x.{n}, 0)")
                    } else {
                        format!("x.{n}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            let defs = crate::db::column_defs(&cols);
            let sql = format!(
                "INSERT INTO metric_totals ({all}) SELECT {select} FROM json_to_recordset($1::json) AS x({defs}){conflict}"
            );
            plan_generically(conn, true).await?;
            for part in rows.chunks(5_000) {
                let mut json = String::with_capacity(part.len() * 160);
                json.push('[');
                for (i, ((node, agency, kind, grain, bucket), v)) in part.iter().enumerate() {
                    if i > 0 {
                        json.push(',');
                    }
                    json.push_str("{\"node\":");
                    json.push_str(&serde_json::to_string(node).unwrap_or_default());
                    json.push_str(",\"agency_kind\":");
                    json.push_str(&serde_json::to_string(agency).unwrap_or_default());
                    json.push_str(&format!(
                        ",\"kind\":\"{kind}\",\"grain\":\"{grain}\",\"bucket\":\"{}\"",
                        day_str(*bucket)
                    ));
                    for (n, x) in names.iter().zip(v) {
                        if *x != 0 {
                            json.push_str(&format!(",\"{n}\":{x}"));
                        }
                    }
                    json.push('}');
                }
                json.push(']');
                sqlx::query(audited(sql.clone()))
                    .bind(json)
                    .execute(&mut *conn)
                    .await?;
            }
            plan_generically(conn, false).await?;
            return Ok(());
        }
        let values = rows
            .into_iter()
            .map(|((node, agency, kind, grain, bucket), v)| {
                let mut row = vec![
                    Val::S(node),
                    Val::S(agency),
                    Val::S(kind.into()),
                    Val::S(grain.into()),
                    Val::S(day_str(bucket)),
                ];
                row.extend(v.into_iter().map(Val::I));
                row
            })
            .collect();
        bulk_write(conn, backend, "metric_totals", &cols, values, &conflict, "").await?;
        Ok(())
    }
}
