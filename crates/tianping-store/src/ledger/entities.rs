//! What the ledger records: each ledgered table (its key, the columns a leaf digests, what a
//! confidential row hides) and reading those columns back for a leaf or a verification.

use crate::{Backend, Result, StoreError, audited, bulk_placeholders};
use sqlx::Row;
use tianping_ledger::Command;

pub use super::tables::{Confidential, Entity, entities};

pub fn entity(table: &str) -> Option<&'static Entity> {
    entities().find(|e| e.table == table)
}

pub(crate) fn entity_of(command: Command) -> Result<&'static Entity> {
    entity(command.entity()).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "command {} has no ledgered table",
            command.as_str()
        ))
    })
}

/// A row key: integer or text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Int(i64),
    Text(String),
}

impl Key {
    pub(crate) fn as_ref_string(&self) -> String {
        match self {
            Key::Int(i) => i.to_string(),
            Key::Text(s) => s.clone(),
        }
    }
}

impl From<i64> for Key {
    fn from(i: i64) -> Key {
        Key::Int(i)
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key::Text(s.to_string())
    }
}

/// The SELECT list reading a row's key, its recorded columns as text, and its confidentiality.
pub(crate) fn select_list(e: &Entity) -> String {
    let mut cols = vec![format!("CAST({} AS TEXT)", e.key)];
    for c in e.columns {
        cols.push(format!("CAST({c} AS TEXT)"));
    }
    cols.push(match e.confidential {
        Confidential::Never => "CAST(0 AS BIGINT)".into(),
        Confidential::Always => "CAST(1 AS BIGINT)".into(),
        Confidential::ByCase => format!(
            "CASE WHEN (SELECT confidentiality FROM cases c WHERE c.id = {}.case_id) = 'public' THEN CAST(0 AS BIGINT) ELSE CAST(1 AS BIGINT) END",
            e.table
        ),
    });
    cols.join(", ")
}

/// One read row: key text, recorded columns, confidential.
type ReadRow = (String, Vec<Option<String>>, bool);

pub(crate) fn read_row(e: &Entity, r: &sqlx::any::AnyRow) -> Result<ReadRow> {
    let key: String = r.try_get(0)?;
    let mut fields = Vec::with_capacity(e.columns.len());
    for i in 0..e.columns.len() {
        fields.push(r.try_get::<Option<String>, _>(i + 1)?);
    }
    let conf: i64 = r.try_get(e.columns.len() + 1)?;
    Ok((key, fields, conf != 0))
}

pub(crate) async fn read_rows(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    e: &Entity,
    keys: &[Key],
) -> Result<Vec<ReadRow>> {
    let mut out = Vec::with_capacity(keys.len());
    for part in keys.chunks(1000) {
        let sql = format!(
            "SELECT {} FROM {} WHERE {} IN ({})",
            select_list(e),
            e.table,
            e.key,
            bulk_placeholders(backend, 1, part.len())
        );
        let mut q = sqlx::query(audited(sql));
        for k in part {
            q = match k {
                Key::Int(i) => q.bind(*i),
                Key::Text(s) => q.bind(s.clone()),
            };
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(read_row(e, &r)?);
        }
    }
    Ok(out)
}
