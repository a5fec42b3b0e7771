//! The two migration sets (`migrations/sqlite`, `migrations/postgres`) produce the same schema:
//! the same tables, columns (of the same kind of type), indexes, and triggers guarding the same
//! operations on the same tables (their names differ: SQLite needs one trigger per operation). A migration added to
//! one directory and forgotten in the other, or a column spelled differently, fails here.

#![allow(clippy::unwrap_used)]

use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use tianping_store::testing::TestDb;
use tianping_store::{Backend, Store};

/// Per table: column → kind of type; and the schema's index and trigger names.
#[derive(Debug, PartialEq, Eq)]
struct Schema {
    columns: BTreeMap<String, BTreeMap<String, &'static str>>,
    indexes: BTreeSet<String>,
    /// (table, operation) pairs a trigger guards.
    triggers: BTreeSet<(String, String)>,
}

/// The portable kind of a declared type: the store binds only these.
fn kind(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") || t == "serial" || t == "bigserial" {
        "integer"
    } else if t.contains("char") || t == "text" {
        "text"
    } else if t == "blob" || t == "bytea" {
        "bytes"
    } else if t.contains("real") || t.contains("double") || t.contains("float") || t == "numeric" {
        "float"
    } else if t.contains("bool") {
        "boolean"
    } else {
        // Anything else is named as it is, so a difference shows in the failure.
        Box::leak(t.into_boxed_str())
    }
}

async fn strings(s: &Store, sql: &str) -> Vec<Vec<String>> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(s.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.try_get::<String, _>(i).unwrap())
                .collect()
        })
        .collect()
}

/// SQLite gives each trigger's text: the operations are named between its timing and `ON`.
fn guarded(backend: Backend, rows: Vec<Vec<String>>) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for r in rows {
        match backend {
            Backend::Postgres => {
                out.insert((r[0].clone(), r[1].to_ascii_uppercase()));
            }
            Backend::Sqlite => {
                let sql = r[1].to_ascii_uppercase();
                // After the trigger's name (which may itself say UPDATE), before `ON table`.
                let when = [" BEFORE ", " AFTER ", " INSTEAD OF "]
                    .iter()
                    .filter_map(|w| sql.find(w))
                    .min()
                    .unwrap_or(0);
                let head = sql[when..].split(" ON ").next().unwrap_or_default();
                for op in ["INSERT", "UPDATE", "DELETE"] {
                    if head.contains(op) {
                        out.insert((r[0].clone(), op.to_string()));
                    }
                }
            }
        }
    }
    out
}

async fn schema(s: &Store) -> Schema {
    let (columns, indexes, triggers) = match s.backend() {
        Backend::Sqlite => (
            "SELECT m.name, p.name, p.type FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'",
            "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'",
        ),
        Backend::Postgres => (
            "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = 'public'",
            // Not the indexes that back a primary key or unique constraint (SQLite's autoindexes).
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' \
             AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            "SELECT DISTINCT event_object_table::text, event_manipulation::text \
             FROM information_schema.triggers WHERE trigger_schema = 'public'",
        ),
    };
    let mut cols: BTreeMap<String, BTreeMap<String, &'static str>> = BTreeMap::new();
    for r in strings(s, columns).await {
        cols.entry(r[0].clone())
            .or_default()
            .insert(r[1].clone(), kind(&r[2]));
    }
    let names = |rows: Vec<Vec<String>>| rows.into_iter().map(|r| r[0].clone()).collect();
    Schema {
        columns: cols,
        indexes: names(strings(s, indexes).await),
        triggers: guarded(s.backend(), strings(s, triggers).await),
    }
}

#[tokio::test]
async fn sqlite_and_postgresql_migrations_produce_the_same_schema() {
    let dbs = TestDb::all().await.unwrap();
    let mut schemas = vec![];
    for db in &dbs {
        schemas.push((db.label, schema(&db.store).await));
    }
    let (_, sqlite) = &schemas[0];
    assert!(
        sqlite.columns.contains_key("events") && sqlite.columns.len() > 20,
        "the schema was read: {:?}",
        sqlite.columns.keys()
    );
    assert!(!sqlite.indexes.is_empty() && !sqlite.triggers.is_empty());
    if let Some((_, pg)) = schemas.get(1) {
        let tables = |s: &Schema| s.columns.keys().cloned().collect::<BTreeSet<_>>();
        assert_eq!(tables(sqlite), tables(pg), "tables");
        for (t, c) in &sqlite.columns {
            assert_eq!(Some(c), pg.columns.get(t), "columns of {t}");
        }
        assert_eq!(sqlite.indexes, pg.indexes, "indexes");
        assert_eq!(sqlite.triggers, pg.triggers, "triggers");
    }
    for db in dbs {
        db.cleanup().await.unwrap();
    }
}
