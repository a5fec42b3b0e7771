//! The SQL helpers every store module shares: values bound in bulk, multi-row inserts and
//! updates in chunks within a statement's bind limit, and the planner switch for bulk work on
//! PostgreSQL. Nothing here knows a table of the domain.

use crate::{Backend, Result, audited};
use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

#[derive(Clone)]
pub(crate) enum Val {
    S(String),
    OS(Option<String>),
    I(i64),
    OI(Option<i64>),
}

impl Val {
    /// Appends the value as JSON (strings escaped per RFC 8259).
    fn write_json(&self, out: &mut String) {
        match self {
            Val::S(s) | Val::OS(Some(s)) => json_string(s, out),
            Val::I(i) | Val::OI(Some(i)) => out.push_str(&i.to_string()),
            Val::OS(None) | Val::OI(None) => out.push_str("null"),
        }
    }
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(crate) fn bind_all<'q>(
    mut q: Query<'q, Any, AnyArguments>,
    vals: Vec<Val>,
) -> Query<'q, Any, AnyArguments> {
    for v in vals {
        q = match v {
            Val::S(s) => q.bind(s),
            Val::OS(s) => q.bind(s),
            Val::I(i) => q.bind(i),
            Val::OI(i) => q.bind(i),
        };
    }
    q
}

/// PostgreSQL: plans the transaction's next statements generically (`true`) or back to custom
/// plans, the connection's setting (`false`). Statements carrying one large JSON parameter need the
/// generic plan: a custom plan folds the parameter into the plan and parses it twice.
pub(crate) async fn plan_generically(conn: &mut sqlx::AnyConnection, on: bool) -> Result<()> {
    let mode = if on {
        "force_generic_plan"
    } else {
        "force_custom_plan"
    };
    sqlx::query(audited(format!("SET LOCAL plan_cache_mode = {mode}")))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Inserts rows in bulk: multi-row VALUES on SQLite, one JSON parameter on PostgreSQL.
pub(crate) async fn bulk_insert(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &str,
    cols: &[(&str, &str)],
    rows: Vec<Vec<Val>>,
    returning: &str,
) -> Result<Vec<sqlx::any::AnyRow>> {
    bulk_write(conn, backend, table, cols, rows, "", returning).await
}

/// [`bulk_insert`] with a clause after the rows (e.g. `ON CONFLICT … DO UPDATE …`).
pub(crate) async fn bulk_write(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &str,
    cols: &[(&str, &str)],
    rows: Vec<Vec<Val>>,
    conflict: &str,
    returning: &str,
) -> Result<Vec<sqlx::any::AnyRow>> {
    let names = cols.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    let ret = if returning.is_empty() {
        String::new()
    } else {
        format!(" RETURNING {returning}")
    };
    let mut out = vec![];
    match backend {
        Backend::Sqlite => {
            for (values, vals) in sqlite_batches(cols.len(), &rows) {
                let sql = format!("INSERT INTO {table} ({names}) VALUES {values}{conflict}{ret}");
                out.extend(
                    bind_all(sqlx::query(audited(sql)), vals)
                        .fetch_all(&mut *conn)
                        .await?,
                );
            }
        }
        Backend::Postgres => {
            let defs = column_defs(cols);
            let sql = format!(
                "INSERT INTO {table} ({names}) SELECT {names} FROM ROWS FROM (json_to_recordset($1::json) AS ({defs})) \
                 WITH ORDINALITY AS x({names}, ord) ORDER BY ord{conflict}{ret}"
            );
            // The connection plans every statement for its parameters (lookups must never keep
            // a plan made while a table was empty), but a custom plan would fold this
            // multi-megabyte JSON parameter into the plan and parse it twice: plan generically
            // for the bulk insert only.
            plan_generically(conn, true).await?;
            for part in rows.chunks(5_000) {
                out.extend(
                    sqlx::query(audited(sql.clone()))
                        .bind(json_rows(cols, part))
                        .fetch_all(&mut *conn)
                        .await?,
                );
            }
            plan_generically(conn, false).await?;
        }
    }
    Ok(out)
}

/// `name type, …`: the record type `json_to_recordset` reads rows as (PostgreSQL).
pub(crate) fn column_defs(cols: &[(&str, &str)]) -> String {
    cols.iter()
        .map(|(n, t)| format!("{n} {t}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQLite: rows in batches within a statement's bind limit, each as its `(?, …), (?, …)` list and
/// the values to bind in order.
fn sqlite_batches(width: usize, rows: &[Vec<Val>]) -> impl Iterator<Item = (String, Vec<Val>)> {
    let one = format!("({})", vec!["?"; width].join(", "));
    rows.chunks((30_000 / width.max(1)).max(1))
        .map(move |part| {
            (
                vec![one.as_str(); part.len()].join(", "),
                part.iter().flat_map(|r| r.iter().cloned()).collect(),
            )
        })
}

/// Rows as one JSON array of objects keyed by the columns' names (PostgreSQL's
/// `json_to_recordset` reads it back typed).
fn json_rows(cols: &[(&str, &str)], rows: &[Vec<Val>]) -> String {
    let mut json = String::with_capacity(rows.len() * 256);
    json.push('[');
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push('{');
        for (j, ((name, _), v)) in cols.iter().zip(r).enumerate() {
            if j > 0 {
                json.push(',');
            }
            json.push('"');
            json.push_str(name);
            json.push_str("\":");
            v.write_json(&mut json);
        }
        json.push('}');
    }
    json.push(']');
    json
}

/// Updates rows in bulk by their key: `cols[0]` is the key column, each row its key then the new
/// values of the other columns. Rows are written in key order. One statement per few thousand
/// rows, where a statement per row costs a round trip each (PostgreSQL: the network; SQLite:
/// sqlx's worker thread).
pub(crate) async fn bulk_update(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &str,
    cols: &[(&str, &str)],
    mut rows: Vec<Vec<Val>>,
) -> Result<()> {
    let Some(((key, _), rest)) = cols.split_first() else {
        return Ok(());
    };
    rows.sort_by(|a, b| match (a.first(), b.first()) {
        (Some(Val::I(x)), Some(Val::I(y))) => x.cmp(y),
        (Some(Val::S(x)), Some(Val::S(y))) => x.cmp(y),
        _ => std::cmp::Ordering::Equal,
    });
    let names = cols.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    let sets = rest
        .iter()
        .map(|(n, _)| format!("{n} = x.{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    match backend {
        Backend::Sqlite => {
            for (values, vals) in sqlite_batches(cols.len(), &rows) {
                let sql = format!(
                    "WITH x({names}) AS (VALUES {values}) UPDATE {table} SET {sets} FROM x WHERE {table}.{key} = x.{key}"
                );
                bind_all(sqlx::query(audited(sql)), vals)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Backend::Postgres => {
            let defs = column_defs(cols);
            let sql = format!(
                "UPDATE {table} SET {sets} FROM json_to_recordset($1::json) AS x({defs}) WHERE {table}.{key} = x.{key}"
            );
            plan_generically(conn, true).await?;
            for part in rows.chunks(5_000) {
                sqlx::query(audited(sql.clone()))
                    .bind(json_rows(cols, part))
                    .execute(&mut *conn)
                    .await?;
            }
            plan_generically(conn, false).await?;
        }
    }
    Ok(())
}

/// A value read from a row by column name: its fields are the columns' names (or their `AS`
/// aliases), so a reordered `SELECT` cannot shift a value into the wrong field.
pub(crate) trait FromRow: Sized {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<Self>;
}

/// Declares a struct that is read with [`FromRow`], each field from the column of its name.
/// Rows that need a conversion (an enum stored as text, a flag stored as an integer) implement
/// [`FromRow`] by hand, by name too.
macro_rules! row_struct {
    ($(#[$meta:meta])* $vis:vis struct $name:ident {
        $($(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty),* $(,)?
    }) => {
        $(#[$meta])* $vis struct $name { $($(#[$fmeta])* $fvis $field: $ty),* }
        impl $crate::db::FromRow for $name {
            fn from_row(r: &sqlx::any::AnyRow) -> $crate::Result<Self> {
                use sqlx::Row;
                Ok(Self { $($field: r.try_get(stringify!($field))?),* })
            }
        }
    };
}
pub(crate) use row_struct;

/// A case's identity as its projection rows (clocks, nodes, risk hits) need it.
pub(crate) struct Owner<'a> {
    pub id: i64,
    pub region_path: &'a str,
    pub org_id: &'a str,
}

/// Replaces a per-case projection's rows (`case_nodes`, `risk_hits`) of these cases: their old
/// rows deleted, the new ones inserted, in the caller's transaction.
pub(crate) async fn replace_case_rows(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &str,
    cols: &[(&str, &str)],
    ids: &[i64],
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    for part in ids.chunks(1000) {
        sqlx::query(crate::audited(format!(
            "DELETE FROM {table} WHERE case_id IN ({})",
            id_list(part)
        )))
        .execute(&mut *conn)
        .await?;
    }
    if !rows.is_empty() {
        // Two processes re-computing the same cases at once (two workers starting) write the same
        // rows: the second leaves the first's.
        bulk_write(
            conn,
            backend,
            table,
            cols,
            rows,
            " ON CONFLICT DO NOTHING",
            "",
        )
        .await?;
    }
    Ok(())
}

/// Ids as a SQL `IN` list (numbers only, so inlined safely).
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn json_strings_round_trip(s in "\\PC*|[\"\\\\\n\r\t\u{0}-\u{1f}中文]*") {
            let mut out = String::new();
            json_string(&s, &mut out);
            prop_assert_eq!(serde_json::from_str::<String>(&out).ok(), Some(s));
        }
    }

    #[test]
    fn values_write_json() {
        let mut out = String::new();
        for v in [
            Val::S("a\"b".into()),
            Val::OS(None),
            Val::I(-3),
            Val::OI(Some(7)),
        ] {
            v.write_json(&mut out);
            out.push(' ');
        }
        assert_eq!(out, "\"a\\\"b\" null -3 7 ");
    }
}
