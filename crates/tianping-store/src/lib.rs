//! Tianping's storage: one set of runtime SQL queries over SQLite (the embedded default) and
//! PostgreSQL, through sqlx's `Any` driver. Portable types only: TEXT timestamps (RFC 3339, UTC,
//! second precision, so they sort), TEXT JSON, BIGINT ids and flags. Two migration directories.

pub mod audit;
pub mod case;
pub mod clocks;
pub mod db;
pub mod deputies;
pub mod deputy_invitations;
pub mod deputy_suggestions;
pub mod deputy_surveys;
pub mod dishonest;
pub mod evaluation;
pub mod feedback;
pub mod generation;
pub mod in_force;
pub mod ingest;
pub mod judgments;
pub mod leadership;
pub mod ledger;
pub mod mailbox;
pub mod metrics;
pub mod nodes;
pub mod org;
pub mod people_supervisors;
pub mod person;
pub mod proofreading;
mod read_cache;
pub mod rederive;
pub mod refusal;
pub mod replica;
pub mod retrieval;
pub mod risk_points;
pub mod sample;
pub mod supervision;
pub mod system_client;
pub mod testing;
pub mod todo;
pub mod typical;
pub mod user;
pub(crate) mod write;

use chrono::{DateTime, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Row};
use std::str::FromStr;
use std::sync::Arc;

pub use ingest::{Actor, IngestReport, Numbered, Rejection};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
    /// The action was refused (not allowed now, or its input is wrong): a stable code and a
    /// reason for the user. Nothing of the write remains, except what the refusal itself records
    /// (a forbidden supervision act is kept as a refused act and an interference record).
    #[error(transparent)]
    Refused(#[from] tianping_domain::supervision::Refusal),
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Long lists count their matches only up to this many. Past it an exact count reads every index
/// entry of, say, a province's cases on each page view (tens of milliseconds at 100,000 cases,
/// growing with the store), and a list that long is narrowed by its filters rather than paged.
pub const COUNT_CAP: i64 = 10_000;

/// How many rows a list matched: exact up to [`COUNT_CAP`], "more than that" beyond it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    /// The number of matches, or [`COUNT_CAP`] when there are more.
    pub count: i64,
    /// False when there are more than [`COUNT_CAP`] matches.
    pub exact: bool,
}

impl Total {
    pub fn exact(count: i64) -> Total {
        Total { count, exact: true }
    }

    /// From a count of at most `COUNT_CAP + 1` rows (see [`capped_count_sql`]).
    pub(crate) fn capped(n: i64) -> Total {
        if n > COUNT_CAP {
            Total {
                count: COUNT_CAP,
                exact: false,
            }
        } else {
            Total::exact(n)
        }
    }

    /// The total a page already tells, without counting: a page that came back short holds the
    /// last of the matches (unless it is empty past the first page, where the reader has paged
    /// beyond the end and only a count says how many there are).
    pub(crate) fn from_page(offset: u64, rows: usize, per_page: usize) -> Option<Total> {
        (rows < per_page && (offset == 0 || rows > 0))
            .then(|| Total::exact(i64::try_from(offset).unwrap_or(i64::MAX) + rows as i64))
    }
}

/// `SELECT COUNT(*)` of `from_where` (a `FROM … WHERE …` clause) that stops after
/// `COUNT_CAP + 1` rows; read the answer with [`Total::capped`].
pub(crate) fn capped_count_sql(from_where: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 AS one {from_where} LIMIT {}) capped",
        COUNT_CAP + 1
    )
}

impl StoreError {
    /// Whether the database could not be reached or went away (a restart, a failover), rather
    /// than refusing the request: worth retrying in a moment.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, StoreError::Db(e) if replica::unreachable(e))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Per-connection SQLite settings: WAL with NORMAL sync (durable at checkpoints, no fsync per
/// commit), foreign keys on, a 64 MiB page cache, 256 MiB of memory-mapped I/O, and checkpoints every
/// ~40 MB of WAL rather than every 4 MB.
pub const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; \
    PRAGMA busy_timeout=10000; PRAGMA cache_size=-262144; PRAGMA mmap_size=268435456; PRAGMA wal_autocheckpoint=10000;";

/// How long to wait for a connection (also bounds start-up against an unreachable server).
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A handle on the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    in_force: Arc<in_force::Holder>,
    /// Where the read-heavy views read from, if not the primary (see [`replica`]).
    replica: Option<Arc<replica::Replica>>,
    /// Pending metric rows this process folded since it last vacuumed their table
    /// (`Store::fold_metrics`).
    folded_since_vacuum: Arc<std::sync::atomic::AtomicU64>,
    /// How long the board's counts and the 承办人 menu are kept ([`read_cache`]).
    counts_ttl: Arc<read_cache::Ttl>,
    board_counts: Arc<read_cache::ReadCache<Vec<(tianping_domain::clock::Category, i64)>>>,
    judges: Arc<read_cache::ReadCache<Vec<(String, String)>>>,
}

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "registry",
        sqlite: include_str!("../migrations/sqlite/0001_registry.sql"),
        postgres: include_str!("../migrations/postgres/0001_registry.sql"),
    },
    Migration {
        version: 2,
        name: "clocks",
        sqlite: include_str!("../migrations/sqlite/0002_clocks.sql"),
        postgres: include_str!("../migrations/postgres/0002_clocks.sql"),
    },
    Migration {
        version: 3,
        name: "ledger",
        sqlite: include_str!("../migrations/sqlite/0003_ledger.sql"),
        postgres: include_str!("../migrations/postgres/0003_ledger.sql"),
    },
    Migration {
        version: 4,
        name: "supervision",
        sqlite: include_str!("../migrations/sqlite/0004_supervision.sql"),
        postgres: include_str!("../migrations/postgres/0004_supervision.sql"),
    },
    Migration {
        version: 5,
        name: "metrics",
        sqlite: include_str!("../migrations/sqlite/0005_metrics.sql"),
        postgres: include_str!("../migrations/postgres/0005_metrics.sql"),
    },
    Migration {
        version: 6,
        name: "judgments",
        sqlite: include_str!("../migrations/sqlite/0006_judgments.sql"),
        postgres: include_str!("../migrations/postgres/0006_judgments.sql"),
    },
    Migration {
        version: 7,
        name: "retrieval",
        sqlite: include_str!("../migrations/sqlite/0007_retrieval.sql"),
        postgres: include_str!("../migrations/postgres/0007_retrieval.sql"),
    },
    Migration {
        version: 8,
        name: "deviation",
        sqlite: include_str!("../migrations/sqlite/0008_deviation.sql"),
        postgres: include_str!("../migrations/postgres/0008_deviation.sql"),
    },
    Migration {
        version: 9,
        name: "security",
        sqlite: include_str!("../migrations/sqlite/0009_security.sql"),
        postgres: include_str!("../migrations/postgres/0009_security.sql"),
    },
    Migration {
        version: 10,
        name: "accounts",
        sqlite: include_str!("../migrations/sqlite/0010_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0010_accounts.sql"),
    },
    Migration {
        version: 11,
        name: "schema_parity",
        sqlite: include_str!("../migrations/sqlite/0011_schema_parity.sql"),
        postgres: include_str!("../migrations/postgres/0011_schema_parity.sql"),
    },
    Migration {
        version: 12,
        name: "persons",
        sqlite: include_str!("../migrations/sqlite/0012_persons.sql"),
        postgres: include_str!("../migrations/postgres/0012_persons.sql"),
    },
    Migration {
        version: 13,
        name: "samples",
        sqlite: include_str!("../migrations/sqlite/0013_samples.sql"),
        postgres: include_str!("../migrations/postgres/0013_samples.sql"),
    },
    Migration {
        version: 14,
        name: "guided_metrics",
        sqlite: include_str!("../migrations/sqlite/0014_guided_metrics.sql"),
        postgres: include_str!("../migrations/postgres/0014_guided_metrics.sql"),
    },
    Migration {
        version: 15,
        name: "letter_reply",
        sqlite: include_str!("../migrations/sqlite/0015_letter_reply.sql"),
        postgres: include_str!("../migrations/postgres/0015_letter_reply.sql"),
    },
    Migration {
        version: 16,
        name: "case_judges",
        sqlite: include_str!("../migrations/sqlite/0016_case_judges.sql"),
        postgres: include_str!("../migrations/postgres/0016_case_judges.sql"),
    },
    Migration {
        version: 17,
        name: "told_open",
        sqlite: include_str!("../migrations/sqlite/0017_told_open.sql"),
        postgres: include_str!("../migrations/postgres/0017_told_open.sql"),
    },
    Migration {
        version: 18,
        name: "password_reset",
        sqlite: include_str!("../migrations/sqlite/0018_password_reset.sql"),
        postgres: include_str!("../migrations/postgres/0018_password_reset.sql"),
    },
    Migration {
        version: 19,
        name: "task_notices",
        sqlite: include_str!("../migrations/sqlite/0019_task_notices.sql"),
        postgres: include_str!("../migrations/postgres/0019_task_notices.sql"),
    },
    Migration {
        version: 20,
        name: "letter_drafts",
        sqlite: include_str!("../migrations/sqlite/0020_letter_drafts.sql"),
        postgres: include_str!("../migrations/postgres/0020_letter_drafts.sql"),
    },
    Migration {
        version: 21,
        name: "board_indexes",
        sqlite: include_str!("../migrations/sqlite/0021_board_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0021_board_indexes.sql"),
    },
    Migration {
        version: 22,
        name: "people_supervisors",
        sqlite: include_str!("../migrations/sqlite/0022_people_supervisors.sql"),
        postgres: include_str!("../migrations/postgres/0022_people_supervisors.sql"),
    },
    Migration {
        version: 23,
        name: "supervisor_allowances",
        sqlite: include_str!("../migrations/sqlite/0023_supervisor_allowances.sql"),
        postgres: include_str!("../migrations/postgres/0023_supervisor_allowances.sql"),
    },
    Migration {
        version: 24,
        name: "text_messages",
        sqlite: include_str!("../migrations/sqlite/0024_text_messages.sql"),
        postgres: include_str!("../migrations/postgres/0024_text_messages.sql"),
    },
    Migration {
        version: 25,
        name: "opinion_items_once",
        sqlite: include_str!("../migrations/sqlite/0025_opinion_items_once.sql"),
        postgres: include_str!("../migrations/postgres/0025_opinion_items_once.sql"),
    },
    Migration {
        version: 26,
        name: "feedback",
        sqlite: include_str!("../migrations/sqlite/0026_feedback.sql"),
        postgres: include_str!("../migrations/postgres/0026_feedback.sql"),
    },
    Migration {
        version: 27,
        name: "dishonest",
        sqlite: include_str!("../migrations/sqlite/0027_dishonest.sql"),
        postgres: include_str!("../migrations/postgres/0027_dishonest.sql"),
    },
    Migration {
        version: 28,
        name: "typical_cases",
        sqlite: include_str!("../migrations/sqlite/0028_typical_cases.sql"),
        postgres: include_str!("../migrations/postgres/0028_typical_cases.sql"),
    },
    Migration {
        version: 29,
        name: "refusal_referrals",
        sqlite: include_str!("../migrations/sqlite/0029_refusal_referrals.sql"),
        postgres: include_str!("../migrations/postgres/0029_refusal_referrals.sql"),
    },
    Migration {
        version: 30,
        name: "zhongben_exits_metrics",
        sqlite: include_str!("../migrations/sqlite/0030_zhongben_exits_metrics.sql"),
        postgres: include_str!("../migrations/postgres/0030_zhongben_exits_metrics.sql"),
    },
    Migration {
        version: 31,
        name: "deputies",
        sqlite: include_str!("../migrations/sqlite/0031_deputies.sql"),
        postgres: include_str!("../migrations/postgres/0031_deputies.sql"),
    },
    Migration {
        version: 32,
        name: "deputy_invitations",
        sqlite: include_str!("../migrations/sqlite/0032_deputy_invitations.sql"),
        postgres: include_str!("../migrations/postgres/0032_deputy_invitations.sql"),
    },
    Migration {
        version: 33,
        name: "deputy_suggestions",
        sqlite: include_str!("../migrations/sqlite/0033_deputy_suggestions.sql"),
        postgres: include_str!("../migrations/postgres/0033_deputy_suggestions.sql"),
    },
    Migration {
        version: 34,
        name: "deputy_surveys",
        sqlite: include_str!("../migrations/sqlite/0034_deputy_surveys.sql"),
        postgres: include_str!("../migrations/postgres/0034_deputy_surveys.sql"),
    },
    Migration {
        version: 35,
        name: "evaluations",
        sqlite: include_str!("../migrations/sqlite/0035_evaluations.sql"),
        postgres: include_str!("../migrations/postgres/0035_evaluations.sql"),
    },
    Migration {
        version: 36,
        name: "case_nodes",
        sqlite: include_str!("../migrations/sqlite/0036_case_nodes.sql"),
        postgres: include_str!("../migrations/postgres/0036_case_nodes.sql"),
    },
    Migration {
        version: 37,
        name: "risk_hits",
        sqlite: include_str!("../migrations/sqlite/0037_risk_hits.sql"),
        postgres: include_str!("../migrations/postgres/0037_risk_hits.sql"),
    },
    Migration {
        version: 38,
        name: "evaluation_reassigned",
        sqlite: include_str!("../migrations/sqlite/0038_evaluation_reassigned.sql"),
        postgres: include_str!("../migrations/postgres/0038_evaluation_reassigned.sql"),
    },
    Migration {
        version: 39,
        name: "evaluation_metrics",
        sqlite: include_str!("../migrations/sqlite/0039_evaluation_metrics.sql"),
        postgres: include_str!("../migrations/postgres/0039_evaluation_metrics.sql"),
    },
    Migration {
        version: 40,
        name: "evaluation_self_checks",
        sqlite: include_str!("../migrations/sqlite/0040_evaluation_self_checks.sql"),
        postgres: include_str!("../migrations/postgres/0040_evaluation_self_checks.sql"),
    },
    Migration {
        version: 41,
        name: "proofread_drafts",
        sqlite: include_str!("../migrations/sqlite/0041_proofread_drafts.sql"),
        postgres: include_str!("../migrations/postgres/0041_proofread_drafts.sql"),
    },
    Migration {
        version: 42,
        name: "proofread_metrics",
        sqlite: include_str!("../migrations/sqlite/0042_proofread_metrics.sql"),
        postgres: include_str!("../migrations/postgres/0042_proofread_metrics.sql"),
    },
    Migration {
        version: 43,
        name: "retrieval_conclusions",
        sqlite: include_str!("../migrations/sqlite/0043_retrieval_conclusions.sql"),
        postgres: include_str!("../migrations/postgres/0043_retrieval_conclusions.sql"),
    },
    Migration {
        version: 44,
        name: "waiting_lists",
        sqlite: include_str!("../migrations/sqlite/0044_waiting_lists.sql"),
        postgres: include_str!("../migrations/postgres/0044_waiting_lists.sql"),
    },
    Migration {
        version: 45,
        name: "metric_pending",
        sqlite: include_str!("../migrations/sqlite/0045_metric_pending.sql"),
        postgres: include_str!("../migrations/postgres/0045_metric_pending.sql"),
    },
    Migration {
        version: 46,
        name: "clock_changes_case",
        sqlite: include_str!("../migrations/sqlite/0046_clock_changes_case.sql"),
        postgres: include_str!("../migrations/postgres/0046_clock_changes_case.sql"),
    },
    Migration {
        version: 47,
        name: "million_pages",
        sqlite: include_str!("../migrations/sqlite/0047_million_pages.sql"),
        postgres: include_str!("../migrations/postgres/0047_million_pages.sql"),
    },
    Migration {
        version: 48,
        name: "metric_pending_unread",
        sqlite: include_str!("../migrations/sqlite/0048_metric_pending_unread.sql"),
        postgres: include_str!("../migrations/postgres/0048_metric_pending_unread.sql"),
    },
    Migration {
        version: 49,
        name: "told_deadline",
        sqlite: include_str!("../migrations/sqlite/0049_told_deadline.sql"),
        postgres: include_str!("../migrations/postgres/0049_told_deadline.sql"),
    },
    Migration {
        version: 50,
        name: "projection_keys",
        sqlite: include_str!("../migrations/sqlite/0050_projection_keys.sql"),
        postgres: include_str!("../migrations/postgres/0050_projection_keys.sql"),
    },
];

/// Formats an instant the way every table stores it.
pub fn ts(t: DateTime<Utc>) -> String {
    tianping_domain::utc_seconds(t)
}

/// Parses a stored instant.
pub fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp {s:?}: {e}")))
}

impl Store {
    /// Connects to `sqlite://FILE` (created if missing; WAL, foreign keys on) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains('?') && !url.contains(":memory:") => {
                format!("{url}?mode=rwc")
            }
            _ => url.to_string(),
        };
        let opts = AnyConnectOptions::from_str(&url)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // Tables grow fast during bulk ingest; a generic plan made while a table
                            // was empty would keep scanning it. Plan each execution.
                            conn.execute("SET plan_cache_mode = force_custom_plan")
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts)
                    .await?
            }
        };
        Ok(Store {
            pool,
            backend,
            in_force: Store::new_in_force(),
            replica: None,
            folded_since_vacuum: Default::default(),
            counts_ttl: Default::default(),
            board_counts: Default::default(),
            judges: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Keeps the warnings board's counts and the case list's 承办人 menu for `ttl` in this
    /// process (`counts_cache_seconds`; zero, the default, reads them every time).
    pub fn set_counts_cache(&self, ttl: std::time::Duration) {
        self.counts_ttl.set(ttl);
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies pending migrations, each in its own transaction. Returns the names applied.
    pub async fn migrate(&self) -> Result<Vec<String>> {
        self.pool
            .execute(
                "CREATE TABLE IF NOT EXISTS tianping_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
            )
            .await?;
        let done: Vec<i64> = sqlx::query("SELECT version FROM tianping_migrations")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<std::result::Result<_, _>>()?;
        let mut applied = vec![];
        for m in MIGRATIONS {
            if done.contains(&m.version) {
                continue;
            }
            let sql = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            let mut tx = self.pool.begin().await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO tianping_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(ts(Utc::now()))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            applied.push(format!("{:04}_{}", m.version, m.name));
        }
        // A database that predates the ledger: its existing rows become the first leaves, once
        // every table the ledger records exists.
        if applied.iter().any(|a| a.ends_with("_ledger")) {
            self.adopt_existing_rows(Utc::now()).await?;
        }
        // A database that predates the pre-aggregated metrics: fold every case into them once.
        if applied.iter().any(|a| a.ends_with("_metrics")) {
            self.rebuild_metrics(Utc::now()).await?;
        }
        Ok(applied)
    }

    /// Closes the pool (and, for SQLite, checkpoints the WAL).
    pub async fn close(&self) {
        self.close_replica().await;
        self.pool.close().await;
    }
}

/// A database URL with any password replaced, for logs and errors.
pub fn redact_url(url: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        if let Some(at) = rest.find('@') {
            let userinfo = &rest[..at];
            if let Some(colon) = userinfo.find(':') {
                return format!(
                    "{}://{}:***@{}",
                    &url[..scheme_end],
                    &userinfo[..colon],
                    &rest[at + 1..]
                );
            }
        }
    }
    url.to_string()
}

/// `$start, $start+1, …` placeholders for `n` values.
pub(crate) fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Placeholders for bulk statements: positional `?` on SQLite (numbered `$N` names cost SQLite a
/// linear search each when it prepares a statement with thousands of them), `$N` on PostgreSQL.
/// Only for statements whose placeholders are all in one run from `start`.
pub(crate) fn bulk_placeholders(backend: Backend, start: usize, n: usize) -> String {
    match backend {
        Backend::Sqlite => vec!["?"; n].join(", "),
        Backend::Postgres => placeholders(start, n),
    }
}

/// Marks SQL assembled here from constant column lists, placeholder counts and numeric limits —
/// never from input, which is always bound — as audited for sqlx.
pub(crate) fn audited(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}

impl Store {
    /// A trivial round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(placeholders(3, 2), "$3, $4");
    }
}
