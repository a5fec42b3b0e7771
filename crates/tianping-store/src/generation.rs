//! The database generation of the rules in force (`engine_state.snapshot_generation`): a write
//! that changes what clocks are computed from (a calendar year, an organisation) moves it in its
//! own transaction; ingest holds it for the length of its transaction. See [`crate::in_force`]
//! for the snapshot each process keeps.

use crate::{Backend, Result, audited};
use sqlx::Row;

/// The `engine_state` key of the generation.
pub(crate) const GENERATION_KEY: &str = "snapshot_generation";

/// The advisory lock (PostgreSQL) that orders generation moves against ingest transactions.
const GENERATION_LOCK: i64 = 0x7470_5f72_756c_6573; // "tp_rules"

/// The generation as stored (0 before the first move).
pub(crate) async fn read_generation(conn: &mut sqlx::AnyConnection) -> Result<i64> {
    let v: Option<String> = sqlx::query(audited(format!(
        "SELECT value FROM engine_state WHERE key = '{GENERATION_KEY}'"
    )))
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| r.try_get(0))
    .transpose()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Moves the generation inside a write transaction (with its ledger leaf): the transaction
/// changes something every snapshot reads from the database. Call it first in the transaction,
/// before any other ledger write: on PostgreSQL it waits for the ingest chunks holding the
/// generation, which append ledger leaves themselves — a transaction that held the ledger's head
/// while waiting here would deadlock with them.
pub(crate) async fn move_generation(tx: &mut crate::write::Write) -> Result<()> {
    if tx.backend() == Backend::Postgres {
        sqlx::query(audited(format!(
            "SELECT pg_advisory_xact_lock({GENERATION_LOCK})"
        )))
        .execute(&mut **tx)
        .await?;
    }
    let next = read_generation(tx).await? + 1;
    sqlx::query(
        "INSERT INTO engine_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(GENERATION_KEY)
    .bind(next.to_string())
    .execute(&mut **tx)
    .await?;
    tx.record(tianping_ledger::Command::EngineStateSet, GENERATION_KEY)
        .await?;
    Ok(())
}

/// Holds the generation for the rest of a write transaction and returns it: a move waits until
/// the transaction ends (PostgreSQL; on SQLite the transaction already holds the write lock).
pub(crate) async fn hold_generation(tx: &mut crate::write::Write) -> Result<i64> {
    if tx.backend() == Backend::Postgres {
        sqlx::query(audited(format!(
            "SELECT pg_advisory_xact_lock_shared({GENERATION_LOCK})"
        )))
        .execute(&mut **tx)
        .await?;
    }
    read_generation(tx).await
}
