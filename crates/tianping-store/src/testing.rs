//! Test support shared by the crates' integration suites: a fresh database on each backend and a
//! small fixture province. PostgreSQL tests read `TIANPING_TEST_POSTGRES_URL`, create their own
//! database and drop it afterwards; without the variable they print a loud SKIPPED line.

use crate::org::Org;
use crate::{Result, Store, StoreError};
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use tianping_domain::{AgencyKind, Level};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A database that exists for one test.
pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    /// The database URL, to open a second connection pool (a second process's view).
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub async fn sqlite() -> Result<TestDb> {
        let dir = std::env::temp_dir().join(unique("tianping_test"));
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let url = format!("sqlite://{}", dir.join("tianping.db").display());
        let store = Store::connect(&url).await?;
        store.migrate().await?;
        Ok(TestDb {
            store,
            url,
            label: "sqlite",
            cleanup: Cleanup::File(dir),
        })
    }

    /// `None` (after printing a loud notice) when `TIANPING_TEST_POSTGRES_URL` is not set.
    pub async fn postgres() -> Result<Option<TestDb>> {
        let Ok(admin_url) = std::env::var("TIANPING_TEST_POSTGRES_URL") else {
            eprintln!(
                "\n!!!!! SKIPPED: PostgreSQL half of this test — set TIANPING_TEST_POSTGRES_URL \
                 (e.g. postgres://postgres@127.0.0.1:5432/postgres); .ci/run sets it !!!!!\n"
            );
            return Ok(None);
        };
        sqlx::any::install_default_drivers();
        let name = unique("tianping_test");
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&admin_url)
            .await?;
        admin
            .execute(crate::audited(format!("CREATE DATABASE {name}")))
            .await?;
        admin.close().await;
        let url = replace_db(&admin_url, &name);
        let store = Store::connect(&url).await?;
        store.migrate().await?;
        Ok(Some(TestDb {
            store,
            url,
            label: "postgres",
            cleanup: Cleanup::Postgres { admin_url, name },
        }))
    }

    /// Both backends that are available: SQLite always, PostgreSQL when configured.
    pub async fn all() -> Result<Vec<TestDb>> {
        let mut v = vec![TestDb::sqlite().await?];
        if let Some(pg) = TestDb::postgres().await? {
            v.push(pg);
        }
        Ok(v)
    }

    pub async fn cleanup(self) -> Result<()> {
        self.store.close().await;
        match self.cleanup {
            Cleanup::File(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                let admin = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin_url)
                    .await?;
                admin
                    .execute(crate::audited(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .await?;
                admin.close().await;
            }
        }
        Ok(())
    }
}

/// Replaces the database name in a PostgreSQL URL.
pub fn replace_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    match base[scheme_end..].rfind('/') {
        Some(i) => format!("{}/{db}{query}", &base[..scheme_end + i]),
        None => format!("{base}/{db}{query}"),
    }
}

fn org(
    id: &str,
    parent: Option<&str>,
    name: &str,
    kind: AgencyKind,
    level: Level,
    path: &str,
    court: Option<&str>,
) -> Org {
    let region_code = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    Org {
        id: id.into(),
        parent_id: parent.map(Into::into),
        name: name.into(),
        kind,
        level,
        region_code,
        region_path: path.into(),
        court_code: court.map(Into::into),
    }
}

/// A small province: 浙江 high court, 杭州 intermediate court, two basic courts (上城 浙0102, 西湖
/// 浙0106), the 上城 procuratorate and police, and the 杭州 政法委 and 人大常委会.
pub fn fixture_orgs() -> Vec<Org> {
    use AgencyKind::*;
    vec![
        org(
            "zj-court",
            None,
            "浙江省高级人民法院",
            Court,
            Level::Province,
            "/33/",
            Some("浙"),
        ),
        org(
            "hz-court",
            Some("zj-court"),
            "杭州市中级人民法院",
            Court,
            Level::City,
            "/33/3301/",
            Some("浙01"),
        ),
        org(
            "sc-court",
            Some("hz-court"),
            "杭州市上城区人民法院",
            Court,
            Level::County,
            "/33/3301/330102/",
            Some("浙0102"),
        ),
        org(
            "xh-court",
            Some("hz-court"),
            "杭州市西湖区人民法院",
            Court,
            Level::County,
            "/33/3301/330106/",
            Some("浙0106"),
        ),
        org(
            "sc-proc",
            None,
            "杭州市上城区人民检察院",
            Procuratorate,
            Level::County,
            "/33/3301/330102/",
            None,
        ),
        org(
            "sc-police",
            None,
            "杭州市公安局上城区分局",
            Police,
            Level::County,
            "/33/3301/330102/",
            None,
        ),
        org(
            "hz-plc",
            None,
            "中共杭州市委政法委员会",
            PoliticalLegalCommittee,
            Level::City,
            "/33/3301/",
            None,
        ),
        org(
            "hz-pc",
            None,
            "杭州市人大常委会",
            PeoplesCongress,
            Level::City,
            "/33/3301/",
            None,
        ),
    ]
}

/// When the fixture organisations are recorded as added (a fixed instant: tests are repeatable).
pub fn fixture_time() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
}

pub async fn load_fixture_orgs(store: &Store) -> Result<()> {
    for o in fixture_orgs() {
        store.insert_org(&o, fixture_time()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn db_name_is_replaced() {
        assert_eq!(
            super::replace_db("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_db("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
