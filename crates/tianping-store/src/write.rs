//! The write path. Every change to the database is a [`Write`]: one transaction that holds the
//! rows it writes, the ledger leaves of the ledgered ones and the mail it queues, and becomes
//! durable only through [`Write::commit`]. Leaves are built when a row is recorded and appended
//! in one short step at commit, so concurrent writers wait for each other on the ledger's head
//! only for that step. Leaves are appended only through a `Write`
//! ([`Write::record`], or the bulk [`Write::appender`] of ingest), and `tests/writes.rs` lists
//! every SQL statement of this crate that writes a ledgered table and checks its function
//! records the leaf — so forgetting one fails a test instead of silently leaving a row out of the
//! log.
//!
//! A write that is refused (a domain refusal, a stale generation, any error) is simply dropped:
//! the transaction rolls back and nothing of it — rows, leaves or mail — remains.

use crate::ledger::{self, Appender, Key};
use crate::{Backend, Result, Store};
use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection, Transaction};
use std::ops::{Deref, DerefMut};
use tianping_ledger::Command;

/// A write in progress. Dereferences to the connection of its transaction, so statements run on
/// `&mut *w` (or `&mut **w` through a `&mut Write`).
pub(crate) struct Write {
    tx: Transaction<'static, Any>,
    backend: Backend,
    now: DateTime<Utc>,
    /// Whether leaves are written: always, except for the one benchmark that measures ingest
    /// without the ledger ([`Store::ingest_without_ledger_for_benchmark`]).
    ledgered: bool,
    /// Leaves recorded and not yet appended. The ledger's head is a single row every ledgered
    /// write must lock to append; taken at the first `record`, it would serialise concurrent
    /// writers (several servers) for their whole length. So the leaves are built when recorded
    /// (from the rows as they stand then) and appended in one short step at commit — or before a
    /// bulk [`Write::appender`] opens, so the log keeps the order they were recorded in.
    pending: Vec<ledger::NewLeaf>,
}

impl Store {
    /// Starts a write at `now` (the time its rows and leaves record). On SQLite it takes the
    /// write lock at once (`BEGIN IMMEDIATE`), so two processes never deadlock upgrading a read
    /// lock.
    pub(crate) async fn write(&self, now: DateTime<Utc>) -> Result<Write> {
        self.write_with(now, true).await
    }

    pub(crate) async fn write_with(&self, now: DateTime<Utc>, ledgered: bool) -> Result<Write> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Write {
            tx,
            backend: self.backend,
            now,
            ledgered,
            pending: vec![],
        })
    }
}

impl Write {
    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    /// Appends the leaf of `command` for the row with `key`, as the row stands now in this
    /// transaction.
    pub(crate) async fn record(&mut self, command: Command, key: impl Into<Key>) -> Result<()> {
        self.record_all(command, &[key.into()]).await
    }

    /// [`Write::record`] for many rows of one command, in the order of `keys`.
    pub(crate) async fn record_all(&mut self, command: Command, keys: &[Key]) -> Result<()> {
        if !self.ledgered {
            return Ok(());
        }
        let leaves = ledger::leaves_of(&mut self.tx, self.backend, command, keys).await?;
        self.pending.extend(leaves);
        Ok(())
    }

    /// Appends the recorded leaves (locking the head until this write ends).
    async fn append_pending(&mut self) -> Result<()> {
        let leaves = std::mem::take(&mut self.pending);
        ledger::append_leaves(&mut self.tx, self.backend, self.now, leaves).await
    }

    /// The ledger's head, locked until this write ends, for appending many leaves built
    /// elsewhere (ingest hashes events on another core); `None` for the benchmark without the
    /// ledger. Close it with [`Write::close`].
    pub(crate) async fn appender(&mut self) -> Result<Option<Appender>> {
        if !self.ledgered {
            return Ok(None);
        }
        self.append_pending().await?;
        Ok(Some(Appender::open(&mut self.tx, self.now).await?))
    }

    /// Writes the leaves, subtrees and head of an [`Write::appender`].
    pub(crate) async fn close(&mut self, log: Appender) -> Result<()> {
        log.close(&mut self.tx, self.backend).await
    }

    /// Makes the write durable: its rows, leaves and queued mail together.
    pub(crate) async fn commit(mut self) -> Result<()> {
        self.append_pending().await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// Abandons the write (dropping it does the same).
    pub(crate) async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

impl Deref for Write {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for Write {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}
