//! Reads that may come from a PostgreSQL streaming replica (`database_read_url`).
//!
//! The read-heavy views where an answer a few seconds old is acceptable — the quality dashboard
//! and its drill-down lists, the deputies' campaign figures, the case list and its export — run
//! their queries on the replica when one is configured; the pages say so. Everything else,
//! every write and every read that decides a write, stays on the primary.
//!
//! The replica is a convenience, never a dependency: a query the replica cannot answer (it is
//! down, restarting, or cancelled the query for a conflict with recovery) runs again on the
//! primary, and after a connection failure the replica is left alone for [`RETRY_AFTER`] before
//! it is tried again. Connections are made lazily, so a server starts while its replica is down.

use crate::db::{Val, bind_all};
use crate::{Backend, Result, Store, StoreError, audited, redact_url};
use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the primary serves the replica's reads after the replica failed to connect.
pub const RETRY_AFTER: Duration = Duration::from_secs(15);

/// The `application_name` of the replica's connections (visible in its `pg_stat_activity`).
pub const APPLICATION_NAME: &str = "tianping-read";

/// Each replica connection's settings (as the primary's: a plan per execution) and its name.
const SET_UP: &str =
    "SET plan_cache_mode = force_custom_plan; SET application_name = 'tianping-read'";

pub(crate) struct Replica {
    pool: AnyPool,
    /// Set after a connection failure: until then reads go to the primary.
    resting_until: Mutex<Option<Instant>>,
}

impl Replica {
    fn resting(&self) -> bool {
        let mut r = self.resting_until.lock().unwrap_or_else(|e| e.into_inner());
        match *r {
            Some(t) if Instant::now() < t => true,
            Some(_) => {
                *r = None;
                false
            }
            None => false,
        }
    }

    fn rest(&self) {
        let mut r = self.resting_until.lock().unwrap_or_else(|e| e.into_inner());
        *r = Some(Instant::now() + RETRY_AFTER);
    }
}

/// Whether an error says the server could not be reached or went away (rather than that the
/// query was wrong): SQLSTATE classes 08 (connection exception) and 57 (operator intervention,
/// e.g. a server starting or shutting down), and failures below SQL.
pub(crate) fn unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57")),
        _ => false,
    }
}

impl Store {
    /// This store with its read-heavy views read from the replica at `url` (PostgreSQL only, and
    /// only beside a PostgreSQL primary). Nothing is connected until the first read.
    pub fn with_read_replica(mut self, url: &str) -> Result<Store> {
        if self.backend != Backend::Postgres
            || !(url.starts_with("postgres:") || url.starts_with("postgresql:"))
        {
            return Err(StoreError::UnsupportedUrl(format!(
                "database_read_url {}: a read replica is a PostgreSQL standby of a PostgreSQL primary",
                redact_url(url)
            )));
        }
        let opts = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(2))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute(SET_UP).await?;
                    Ok(())
                })
            })
            .connect_lazy_with(opts);
        self.replica = Some(std::sync::Arc::new(Replica {
            pool,
            resting_until: Mutex::new(None),
        }));
        Ok(self)
    }

    /// Whether the read-heavy views are read from a replica (the pages then say their figures
    /// may be a few seconds old).
    pub fn reads_from_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// Runs a read-only query on the replica if there is one and it answers, else on the primary.
    pub(crate) async fn read_rows(&self, sql: String, binds: Vec<Val>) -> Result<Vec<AnyRow>> {
        if let Some(r) = self.replica.as_ref().filter(|r| !r.resting()) {
            match bind_all(sqlx::query(audited(sql.clone())), binds.clone())
                .fetch_all(&r.pool)
                .await
            {
                Ok(rows) => return Ok(rows),
                Err(e) => {
                    let down = unreachable(&e);
                    if down {
                        r.rest();
                    }
                    tracing::warn!(
                        error = %e,
                        resting_secs = if down { RETRY_AFTER.as_secs() } else { 0 },
                        "the read replica did not answer; reading from the primary"
                    );
                }
            }
        }
        Ok(bind_all(sqlx::query(audited(sql)), binds)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Closes the replica's connections (with the primary's in [`Store::close`]).
    pub(crate) async fn close_replica(&self) {
        if let Some(r) = &self.replica {
            r.pool.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_connections_carry_the_published_name() {
        assert!(
            super::SET_UP.contains(&format!("application_name = '{}'", super::APPLICATION_NAME))
        );
    }
}
