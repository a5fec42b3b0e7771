//! The pre-aggregated totals a change of facts adds or removes (`metric_totals`), by region node,
//! agency, case kind, grain and bucket; see the module documentation of `metrics`.
//!
//! A write does not add its change to `metric_totals` itself: it appends it to `metric_pending`
//! ([`TotalsDelta::record`], one row a write), which costs one short insert instead of thousands
//! of upserts — and no lock on the rows every writer of the province meets (its month rows). The
//! fold ([`fold_pending`], run by the leading worker every few seconds, and at the end of a bulk
//! import) moves pending rows into the totals in one transaction. Readers add the pending rows
//! to the totals in the same statement, so a dashboard is exact whether or not the fold has run.

use super::{FactsRow, day_str, parse_day};
use crate::db::{Val, bulk_write, plan_generically};
use crate::{Backend, Result, StoreError, audited};
use chrono::{Datelike, NaiveDate};
use sqlx::Row;
use std::collections::HashMap;
use tianping_domain::case_type::CaseKind;
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
/// A pending row's entry as stored: region path, agency kind, case kind, day, and the non-zero
/// columns by name (names rather than positions, so a column added later cannot shift them).
type PendingEntry = (String, String, String, String, Vec<(String, i64)>);

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

    /// Turns every contribution into its opposite.
    fn negate(&mut self) {
        for days in self.groups.values_mut() {
            for v in days.values_mut() {
                for x in v.iter_mut() {
                    *x = -*x;
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Adds another delta to this one.
    fn merge(&mut self, other: TotalsDelta) {
        for (key, days) in other.groups {
            let mine = self.groups.entry(key).or_default();
            for (day, v) in days {
                let acc = mine.entry(day).or_insert_with(|| vec![0; v.len()]);
                for (a, b) in acc.iter_mut().zip(&v) {
                    *a += b;
                }
            }
        }
    }

    /// The delta as a `metric_pending` row: its non-zero entries.
    fn to_pending(&self) -> Result<String> {
        let names = columns();
        let mut entries: Vec<PendingEntry> = vec![];
        for ((path, agency, kind), days) in &self.groups {
            for (day, v) in days {
                let cols: Vec<(String, i64)> = v
                    .iter()
                    .zip(names)
                    .filter(|(x, _)| **x != 0)
                    .map(|(x, c)| (c.name(), *x))
                    .collect();
                if !cols.is_empty() {
                    entries.push((
                        path.clone(),
                        agency.clone(),
                        kind.to_string(),
                        day_str(*day),
                        cols,
                    ));
                }
            }
        }
        serde_json::to_string(&entries)
            .map_err(|e| StoreError::Corrupt(format!("pending metric delta: {e}")))
    }

    /// Reads a `metric_pending` row back.
    pub(super) fn from_pending(text: &str) -> Result<TotalsDelta> {
        let bad = |what: String| StoreError::Corrupt(format!("pending metric delta: {what}"));
        let entries: Vec<PendingEntry> =
            serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let index: HashMap<String, usize> = columns()
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name(), i))
            .collect();
        let width = columns().len();
        let mut d = TotalsDelta::default();
        for (path, agency, kind, day, cols) in entries {
            let kind = CaseKind::parse(&kind)
                .ok_or_else(|| bad(format!("case kind {kind:?}")))?
                .as_str();
            let day = parse_day(&day)?;
            let v = d
                .groups
                .entry((path, agency, kind))
                .or_default()
                .entry(day)
                .or_insert_with(|| vec![0; width]);
            for (name, x) in cols {
                let i = index
                    .get(&name)
                    .ok_or_else(|| bad(format!("column {name:?}")))?;
                v[*i] += x;
            }
        }
        Ok(d)
    }

    /// The day contributions of the cases under region node `node` (of one agency kind and one
    /// case kind, when given).
    pub(super) fn days_under<'a>(
        &'a self,
        node: &'a str,
        agency: Option<&'a str>,
        kind: Option<&'a str>,
    ) -> impl Iterator<Item = (NaiveDate, &'a [i64])> + 'a {
        self.groups
            .iter()
            .filter(move |((p, a, k), _)| {
                p.starts_with(node)
                    && agency.is_none_or(|x| x == a.as_str())
                    && kind.is_none_or(|x| x == *k)
            })
            .flat_map(|(_, days)| days.iter().map(|(d, v)| (*d, v.as_slice())))
    }

    /// Appends the delta to `metric_pending` in the caller's transaction (see the module
    /// documentation): one row, whatever its size.
    pub(crate) async fn record(self, conn: &mut sqlx::AnyConnection) -> Result<()> {
        if self.groups.is_empty() {
            return Ok(());
        }
        let text = self.to_pending()?;
        if text == "[]" {
            return Ok(());
        }
        sqlx::query("INSERT INTO metric_pending (delta) VALUES ($1)")
            .bind(text)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Adds the delta to the stored totals (rows in key order, so concurrent writers on
    /// PostgreSQL lock them in the same order).
    pub(crate) async fn add_to_totals(
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

/// Moves up to `limit` pending rows (oldest first) into `metric_totals`, in the caller's
/// transaction; returns how many. Two folds at once on PostgreSQL take different rows (`SKIP
/// LOCKED`), and a row is deleted in the transaction that adds it, so each is added once.
///
/// A row that does not read (changed outside the product) is set aside in
/// `metric_pending_unread` with why, instead of stopping this and every later fold; `ledger
/// verify` names it, and [`crate::Store::rebuild_metrics`] recomputes the totals without it.
pub(crate) async fn fold_pending(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    limit: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize> {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let rows = sqlx::query(audited(format!(
        "DELETE FROM metric_pending WHERE id IN \
         (SELECT id FROM metric_pending ORDER BY id LIMIT {limit}{lock}) RETURNING id, delta"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let mut delta = TotalsDelta::default();
    for r in &rows {
        let (id, text): (i64, String) = (r.try_get("id")?, r.try_get("delta")?);
        match TotalsDelta::from_pending(&text) {
            Ok(d) => delta.merge(d),
            Err(e) => {
                tracing::error!(
                    pending = id,
                    error = %e,
                    "a pending metric change does not read: set aside (ledger verify names it; rebuild-metrics recomputes the totals)"
                );
                sqlx::query(
                    "INSERT INTO metric_pending_unread (id, delta, error, set_aside_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(text)
                .bind(e.to_string())
                .bind(crate::ts(now))
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    delta.add_to_totals(conn, backend).await?;
    Ok(rows.len())
}

/// The first differences (at most `named`, and how many more) between the stored totals with
/// the pending changes and `derived`, the contributions of every case's stored facts: each as
/// (record, detail). A total changed in the database (a dashboard's figure raised or lowered) is
/// named with its node, agency, kind, grain, bucket and column. Reads the stored rows in key
/// order beside the derived ones, so it holds the derived rows only (one per stored row).
pub(crate) async fn differences(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    mut derived: TotalsDelta,
    named: usize,
) -> Result<(Vec<(String, String)>, u64)> {
    use futures_util::TryStreamExt;
    let mut out = vec![];
    let mut more = 0u64;
    let mut differs = |record: String, detail: String| {
        if out.len() < named {
            out.push((record, detail));
        } else {
            more += 1;
        }
    };
    // What the stored rows must hold: the derived contributions less the changes still pending.
    for r in sqlx::query("SELECT id, delta FROM metric_pending ORDER BY id")
        .fetch_all(&mut *conn)
        .await?
    {
        let id: i64 = r.try_get("id")?;
        match TotalsDelta::from_pending(&r.try_get::<String, _>("delta")?) {
            Ok(mut d) => {
                d.negate();
                derived.merge(d);
            }
            Err(e) => differs(
                format!("metric_pending/{id}"),
                format!(
                    "a pending change of the quality totals does not read ({e}): changed outside the product; run rebuild-metrics"
                ),
            ),
        }
    }
    for r in sqlx::query("SELECT id, error FROM metric_pending_unread ORDER BY id")
        .fetch_all(&mut *conn)
        .await?
    {
        let id: i64 = r.try_get("id")?;
        let error: String = r.try_get("error")?;
        differs(
            format!("metric_pending/{id}"),
            format!(
                "a pending change of the quality totals did not read ({error}) and was set aside: the totals may lack it; run rebuild-metrics"
            ),
        );
    }
    let names: Vec<String> = columns().iter().map(|c| c.name()).collect();
    let mut want = derived.rows().into_iter().peekable();
    // Byte order on both stores, as the derived rows are sorted.
    let c = match backend {
        Backend::Postgres => " COLLATE \"C\"",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "SELECT node, agency_kind, kind, grain, bucket, {} FROM metric_totals \
         ORDER BY node{c}, grain{c}, bucket{c}, agency_kind{c}, kind{c}",
        names.join(", ")
    );
    type Key = (String, &'static str, NaiveDate, String, String);
    let key_of = |k: &TotalsKey| (k.0.clone(), k.3, k.4, k.1.clone(), k.2.to_string());
    let describe = |k: &Key, col: &str, stored: i64, derived: i64| {
        let (node, grain, bucket, agency, kind) = k;
        let period = if *grain == "m" {
            format!("month {}", bucket.format("%Y-%m"))
        } else {
            format!("day {}", day_str(*bucket))
        };
        (
            format!(
                "metric_totals/{node}/{agency}/{kind}/{grain}/{}",
                day_str(*bucket)
            ),
            format!(
                "quality total {col} of {agency} {kind} cases under {node}, {period}: stored {stored}, the cases' facts give {derived} (changed outside the product: the dashboards show it otherwise)"
            ),
        )
    };
    let mut rows = sqlx::query(audited(sql)).fetch(&mut *conn);
    while let Some(r) = rows.try_next().await? {
        let grain: String = r.try_get("grain")?;
        let key: Key = (
            r.try_get("node")?,
            if grain == "m" { "m" } else { "d" },
            super::parse_day(&r.try_get::<String, _>("bucket")?)?,
            r.try_get("agency_kind")?,
            r.try_get("kind")?,
        );
        let mut stored = Vec::with_capacity(names.len());
        for n in &names {
            stored.push(r.try_get::<i64, _>(n.as_str())?);
        }
        // Derived rows before this one are missing from the store.
        while let Some((k, v)) = want.peek() {
            let k = key_of(k);
            if k >= key {
                break;
            }
            if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| **x != 0) {
                let (rec, det) = describe(&k, &names[i], 0, *x);
                differs(rec, det);
            }
            want.next();
        }
        let expected = match want.peek() {
            Some((k, _)) if key_of(k) == key => want.next().map(|(_, v)| v),
            _ => None,
        };
        let expected = expected.unwrap_or_else(|| vec![0; names.len()]);
        if let Some(i) = (0..names.len()).find(|i| stored[*i] != expected[*i]) {
            let (rec, det) = describe(&key, &names[i], stored[i], expected[i]);
            differs(rec, det);
        }
    }
    drop(rows);
    for (k, v) in want {
        if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| **x != 0) {
            let (rec, det) = describe(&key_of(&k), &names[i], 0, *x);
            differs(rec, det);
        }
    }
    Ok((out, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
    }

    /// A pending row reads back as written (all-zero days left out), answers for its subtree,
    /// agency and kind only, merges by adding, and a damaged row is an error, not a zero.
    #[test]
    fn a_pending_delta_reads_back_as_written_and_merges_by_adding() {
        let width = columns().len();
        let mut v = vec![0; width];
        v[0] = 2;
        v[width - 1] = -1;
        let mut d = TotalsDelta::default();
        let group = d
            .groups
            .entry((
                "/33/3301/330102/".into(),
                "court".into(),
                CaseKind::Civil.as_str(),
            ))
            .or_default();
        group.insert(day("2026-03-01"), v.clone());
        group.insert(day("2026-03-02"), vec![0; width]);
        let text = d.to_pending().expect("encodes");
        let back = TotalsDelta::from_pending(&text).expect("decodes");
        let under = |d: &TotalsDelta, node, agency, kind| {
            d.days_under(node, agency, kind)
                .map(|(day, v)| (day, v.to_vec()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            under(&back, "/33/3301/", None, None),
            vec![(day("2026-03-01"), v.clone())]
        );
        assert_eq!(
            under(&back, "/", Some("court"), Some("civil")),
            vec![(day("2026-03-01"), v.clone())]
        );
        assert!(under(&back, "/33/3302/", None, None).is_empty());
        assert!(under(&back, "/", Some("procuratorate"), None).is_empty());
        assert!(under(&back, "/", None, Some("criminal")).is_empty());
        let mut twice = TotalsDelta::from_pending(&text).expect("decodes");
        twice.merge(back);
        let doubled: Vec<i64> = v.iter().map(|x| x * 2).collect();
        assert_eq!(
            under(&twice, "/", None, None),
            vec![(day("2026-03-01"), doubled)]
        );
        for bad in [
            "not json",
            r#"[["/33/","court","civil","2026-03-01",[["no_such_column",1]]]]"#,
            r#"[["/33/","court","no_such_kind","2026-03-01",[]]]"#,
            r#"[["/33/","court","civil","2026-13-01",[]]]"#,
        ] {
            assert!(TotalsDelta::from_pending(bad).is_err(), "{bad}");
        }
    }
}
