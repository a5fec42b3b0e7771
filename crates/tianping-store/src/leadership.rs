//! Leadership of the singleton work (clock polls and escalations, digests, the outbox, checkpoint
//! signing, the deviation and conflict sweeps) when several `tianping serve` or `tianping worker`
//! processes share one PostgreSQL database.
//!
//! The leader is the process whose own connection holds a PostgreSQL session advisory lock. The
//! lock lives exactly as long as that connection: when the leader is killed (even with `kill -9`)
//! the kernel closes its socket, PostgreSQL ends the session and frees the lock, and the next
//! follower to try takes it — within one leadership poll. A leader checks its connection before
//! each piece of work; a leader that has lost its connection (the database restarted, a network
//! cut) steps down and tries again like any follower.
//!
//! SQLite is one machine's embedded store, opened by one process: that process always leads.

use crate::{Backend, Result, Store};
use sqlx::AnyConnection;
use sqlx::{Connection, Row};

/// The advisory lock key of the singleton work: "tianping" in ASCII, one 64-bit key.
pub const SINGLETON_LOCK: i64 = 0x7469_616e_7069_6e67;

/// One process's claim on leadership. Keep it for the process's life and call [`Leadership::check`]
/// before each piece of singleton work.
pub struct Leadership {
    store: Store,
    /// The name shown as this connection's `application_name` in `pg_stat_activity`, so an
    /// operator (and the takeover test) sees which process leads.
    node: String,
    conn: Option<AnyConnection>,
    leading: bool,
}

impl Leadership {
    pub fn new(store: &Store, node: &str) -> Leadership {
        Leadership {
            store: store.clone(),
            node: node.to_string(),
            conn: None,
            leading: false,
        }
    }

    /// Whether this process leads now: it still holds the lock on a live connection, or has just
    /// taken it. A database error is "not leading" (and the connection is dropped, so the next
    /// check starts afresh); it is never an error for the caller, who simply waits a poll.
    pub async fn check(&mut self) -> bool {
        if self.store.backend() == Backend::Sqlite {
            self.leading = true;
            return true;
        }
        match self.try_lead().await {
            Ok(leading) => {
                self.leading = leading;
                leading
            }
            Err(e) => {
                if self.leading {
                    tracing::warn!(error = %e, "the leadership connection was lost: stepping down");
                }
                self.conn = None;
                self.leading = false;
                false
            }
        }
    }

    /// Whether the last check found this process leading.
    pub fn is_leading(&self) -> bool {
        self.leading
    }

    async fn try_lead(&mut self) -> Result<bool> {
        if self.conn.is_none() {
            // A connection of its own, outside the pool: the pool recycles its connections, and
            // a session lock must live exactly as long as the session that took it.
            let mut conn = self.store.pool().acquire().await?.detach();
            sqlx::query("SELECT set_config('application_name', $1, false)")
                .bind(&self.node)
                .execute(&mut conn)
                .await?;
            self.conn = Some(conn);
        }
        let Some(conn) = self.conn.as_mut() else {
            return Ok(false);
        };
        if self.leading {
            // Still the session that holds the lock? Ask the server, not our memory.
            let held: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid = pg_backend_pid() AND granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $1",
            )
            .bind(SINGLETON_LOCK)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
            return Ok(held > 0);
        }
        let taken: bool = sqlx::query("SELECT pg_try_advisory_lock($1) AS taken")
            .bind(SINGLETON_LOCK)
            .fetch_one(&mut *conn)
            .await?
            .try_get("taken")?;
        Ok(taken)
    }

    /// Gives leadership up now (a clean shutdown): the lock is released, then the connection
    /// closed (closing alone frees the lock only when the server has ended the session, a moment
    /// later).
    pub async fn resign(mut self) {
        if let Some(mut conn) = self.conn.take() {
            if self.leading {
                let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(SINGLETON_LOCK)
                    .execute(&mut conn)
                    .await;
            }
            let _ = conn.close().await;
        }
    }
}

impl Store {
    /// The `application_name` of the session that leads the singleton work, if any process
    /// leads (PostgreSQL; `None` on SQLite, where the one process leads).
    pub async fn singleton_leader(&self) -> Result<Option<String>> {
        if self.backend() == Backend::Sqlite {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT a.application_name::text AS node FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.granted AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = $1",
        )
        .bind(SINGLETON_LOCK)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("node")?),
            None => None,
        })
    }
}
