//! `tianping migrate-store --from sqlite://FILE --to postgres://…`: moves a whole store out of the
//! embedded default into PostgreSQL — cases, events, clocks, supervision, the ledger, judgments,
//! every table — and proves it: the target is verified record by record against its ledger, and
//! its root must equal the source's.
//!
//! The target is a new or empty database, given the same schema by the migrations first. Each
//! table is copied in the order the migrations created it (so rows referred to come first), read
//! in one pass and written in batches, each value bound as the PostgreSQL column's type asks, in
//! one transaction: a failure leaves the target empty. Identity sequences are moved past the copied
//! ids afterwards.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use futures_util::TryStreamExt;
use sqlx::Row;
use std::time::Instant;
use tianping_store::{Backend, Store, redact_url};

/// Rows per INSERT (at most this many values bound per statement, PostgreSQL's limit being 65,535).
const VALUES_PER_INSERT: usize = 20_000;

/// How a value crosses: read from SQLite as, bound to PostgreSQL as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
    Bytes,
    Float,
    Bool,
}

impl Kind {
    fn of(pg_type: &str) -> Option<Kind> {
        Some(match pg_type {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "text" | "character varying" | "character" => Kind::Text,
            "bytea" => Kind::Bytes,
            "double precision" | "real" => Kind::Float,
            "boolean" => Kind::Bool,
            _ => return None,
        })
    }

    fn cast(self) -> &'static str {
        match self {
            Kind::Int => "bigint",
            Kind::Text => "text",
            Kind::Bytes => "bytea",
            Kind::Float => "float8",
            Kind::Bool => "boolean",
        }
    }
}

enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Float(Option<f64>),
    Bool(Option<bool>),
}

/// Writes one batch of rows (`values`: row after row, a value per column) into `table`.
async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &str,
    list: &str,
    kinds: &[Kind],
    values: Vec<Value>,
) -> Result<()> {
    let rows = values.len() / kinds.len();
    let mut sql = format!("INSERT INTO {table} ({list}) VALUES ");
    let mut n = 0;
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for (k, kind) in kinds.iter().enumerate() {
            if k > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&format!("${n}::{}", kind.cast()));
        }
        sql.push(')');
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for v in values {
        q = match v {
            Value::Int(x) => q.bind(x),
            Value::Text(x) => q.bind(x),
            Value::Bytes(x) => q.bind(x),
            Value::Float(x) => q.bind(x),
            Value::Bool(x) => q.bind(x),
        };
    }
    q.execute(&mut **tx)
        .await
        .with_context(|| format!("writing {table} into the target"))?;
    Ok(())
}

/// Moves the store at `from` (SQLite) into the new store at `to` (PostgreSQL) and verifies it.
/// Returns whether the target verified with the source's root.
pub async fn run(cfg: &Config, from: &str, to: &str, key: Option<&str>) -> Result<bool> {
    let source = Store::connect(from)
        .await
        .with_context(|| format!("connecting to {}", redact_url(from)))?;
    if source.backend() != Backend::Sqlite {
        bail!(
            "--from must be a SQLite store (sqlite://FILE); a PostgreSQL store is moved with pg_dump"
        );
    }
    source
        .migrate()
        .await
        .context("bringing the source's schema up to date")?;
    let target = Store::connect(to)
        .await
        .with_context(|| format!("connecting to {}", redact_url(to)))?;
    if target.backend() != Backend::Postgres {
        bail!("--to must be a PostgreSQL database (postgres://USER@HOST/DB)");
    }
    let existing: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'tianping_migrations'",
    )
    .fetch_one(target.pool())
    .await?;
    if existing > 0 {
        bail!(
            "{} already holds tables: migrate-store moves a store into a new, empty database",
            redact_url(to)
        );
    }
    target
        .migrate()
        .await
        .context("creating the schema in the target")?;
    let started = Instant::now();
    let head = source.ledger_head().await?;
    // The tables in the order the migrations created them.
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> 'tianping_migrations' ORDER BY rowid",
    )
    .fetch_all(source.pool())
    .await?;
    let mut tx = target.pool().begin().await?;
    let mut rows_moved = 0u64;
    for table in &tables {
        let columns: Vec<(String, String)> = sqlx::query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
        if columns.is_empty() {
            bail!("table {table} of the source has no counterpart in the target's schema");
        }
        let kinds: Vec<Kind> = columns
            .iter()
            .map(|(c, t)| {
                Kind::of(t).with_context(|| format!("{table}.{c}: type {t} is not handled"))
            })
            .collect::<Result<_>>()?;
        // Rows the migrations themselves put in the target are replaced by the source's.
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut *tx)
            .await
            .with_context(|| format!("emptying {table} in the target"))?;
        let list = columns
            .iter()
            .map(|(c, _)| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let per_insert = (VALUES_PER_INSERT / columns.len()).max(1);
        // One read of the whole table, in its stored order (rowid, or the key of a table
        // without one — a parent organisation before its children either way).
        let select = format!("SELECT {list} FROM {table}");
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(source.pool());
        let mut batch: Vec<Value> = Vec::with_capacity(per_insert * columns.len());
        let mut read = 0u64;
        loop {
            let row = rows
                .try_next()
                .await
                .with_context(|| format!("reading {table}"))?;
            if let Some(r) = &row {
                read += 1;
                for (at, kind) in kinds.iter().enumerate() {
                    let v = match kind {
                        Kind::Int => r.try_get(at).map(Value::Int),
                        Kind::Text => r.try_get(at).map(Value::Text),
                        Kind::Bytes => r.try_get(at).map(Value::Bytes),
                        Kind::Float => r.try_get(at).map(Value::Float),
                        Kind::Bool => r
                            .try_get::<Option<i64>, _>(at)
                            .map(|x| Value::Bool(x.map(|x| x != 0))),
                    }
                    .with_context(|| format!("reading {table}.{} (row {read})", columns[at].0))?;
                    batch.push(v);
                }
            }
            let full = batch.len() >= per_insert * columns.len();
            if !batch.is_empty() && (full || row.is_none()) {
                insert(&mut tx, table, &list, &kinds, std::mem::take(&mut batch)).await?;
            }
            if row.is_none() {
                break;
            }
        }
        rows_moved += read;
    }
    // Identity and serial columns go on after the ids copied.
    let serial: Vec<(String, String)> = sqlx::query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public' \
         AND (is_identity = 'YES' OR column_default LIKE 'nextval%')",
    )
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<_, sqlx::Error>>()?;
    for (t, c) in serial {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{t}', '{c}'), COALESCE(MAX(\"{c}\"), 0) + 1, false) FROM {t}"
        )))
        .fetch_all(&mut *tx)
        .await
        .with_context(|| format!("moving the sequence of {t}.{c}"))?;
    }
    tx.commit().await?;
    println!(
        "moved {} tables, {rows_moved} rows from {} to {} in {:.2} s; the source's ledger: {} leaves, root {}",
        tables.len(),
        redact_url(from),
        redact_url(to),
        started.elapsed().as_secs_f64(),
        head.size,
        head.root
    );
    let rep =
        crate::ledger::verify_store(&target, cfg, key, &[], crate::ledger::VerifyHow::FULL).await?;
    let same = rep.size == head.size && rep.root == head.root;
    if same {
        println!("the target's root equals the source's");
    } else {
        println!(
            "FAILED: the target's root {} ({} leaves) is not the source's {} ({} leaves)",
            rep.root, rep.size, head.root, head.size
        );
    }
    Ok(rep.ok() && same)
}
