//! Reads from a read replica (`database_read_url`): the dashboard's sums, its drill-down lists and
//! the case list come from the replica's connections and give the primary's answers; a replica
//! that does not answer is skipped (the same answers, from the primary); a SQLite store has no
//! replica. (A real streaming standby serving these reads while the primary is killed is in
//! `tianping bench failover` and its test.)

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::Row;
use tianping_domain::metrics::{Candidates, Period};
use tianping_domain::{AgencyKind, EventRecord};
use tianping_store::case::{CaseFilter, ScopeFilter};
use tianping_store::metrics::MetricScope;
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::{Actor, Numbered, Store};

const EVENTS: &str = r#"{"source":"t","source_event_id":"1","case_number":"（2026）浙0102民初1号","occurred_at":"2026-01-08T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷","parties":[{"name":"甲","role":"原告"}]}
{"source":"t","source_event_id":"2","case_number":"（2026）浙0102民初2号","occurred_at":"2026-01-12T09:00:00+08:00","kind":"filed","cause":"借款合同纠纷","parties":[{"name":"乙","role":"原告"}]}
{"source":"t","source_event_id":"3","case_number":"（2026）浙0106民初1号","occurred_at":"2026-02-10T09:00:00+08:00","kind":"filed","cause":"借款合同纠纷","parties":[{"name":"丙","role":"原告"}]}
{"source":"t","source_event_id":"4","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-02T15:00:00+08:00","kind":"closed","disposition":"judgment"}
"#;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn court(prefix: &str) -> MetricScope {
    MetricScope {
        scope: ScopeFilter {
            region_prefix: prefix.into(),
            agency_kind: Some(AgencyKind::Court),
        },
        region_prefix: None,
        kind: None,
    }
}

/// What the read-heavy views show: the case list (numbers and count), the running sums on a few
/// days, the days' flows and the cases filed in the first quarter.
async fn views(s: &Store) -> (Vec<String>, i64, Vec<Vec<i64>>, usize, Vec<String>) {
    let (rows, total) = s
        .list_cases(&CaseFilter {
            scope: Some(ScopeFilter {
                region_prefix: "/33/".into(),
                agency_kind: None,
            }),
            page: 1,
            per_page: 50,
            ..CaseFilter::default()
        })
        .await
        .unwrap();
    let scope = court("/33/3301/");
    let cum = s
        .metric_cumulative(&scope, &[d("2025-12-31"), d("2026-02-15"), d("2026-03-31")])
        .await
        .unwrap();
    let days = s
        .metric_days(&scope, d("2026-01-01"), d("2026-03-31"))
        .await
        .unwrap();
    let filed = s
        .metric_cases(
            &scope,
            Candidates::FiledIn(Period {
                from: d("2026-01-01"),
                to: d("2026-03-31"),
            }),
        )
        .await
        .unwrap();
    (
        rows.into_iter().map(|r| r.case_number).collect(),
        total.count,
        cum.into_iter().map(|c| c.0).collect(),
        days.len(),
        filed.into_iter().map(|c| c.case_number).collect(),
    )
}

/// A port nothing listens on.
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn the_read_heavy_views_come_from_the_replica_or_from_the_primary_when_it_is_down() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        for (i, line) in EVENTS.lines().enumerate() {
            let rec: EventRecord = serde_json::from_str(line).unwrap();
            let now: DateTime<Utc> = rec.occurred_at.with_timezone(&Utc) + Duration::hours(1);
            let r = s
                .ingest(
                    &[Numbered {
                        line: i as u64 + 1,
                        record: rec,
                    }],
                    &Actor::system("t"),
                    now,
                )
                .await
                .unwrap();
            assert!(r.rejected.is_empty(), "{}: {:?}", db.label, r.rejected);
        }
        let primary = views(s).await;
        assert_eq!(primary.1, 3, "{}: three cases filed", db.label);
        assert_eq!(
            primary.4.len(),
            3,
            "{}: three court cases filed in Q1",
            db.label
        );
        assert!(!s.reads_from_replica());

        if db.label == "sqlite" {
            let e = s
                .clone()
                .with_read_replica("postgres://postgres@127.0.0.1:5432/x")
                .err()
                .expect("a SQLite store takes no replica");
            assert!(e.to_string().contains("database_read_url"), "{e}");
            db.cleanup().await.unwrap();
            continue;
        }

        // A "replica" that is a second view of the same database: the same answers, read
        // through the replica's own connections (named in pg_stat_activity).
        let replica = Store::connect(&db.url)
            .await
            .unwrap()
            .with_read_replica(&db.url)
            .unwrap();
        assert!(replica.reads_from_replica());
        assert_eq!(views(&replica).await, primary);
        let readers: i64 = sqlx::query(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
        )
        .bind(tianping_store::replica::APPLICATION_NAME)
        .fetch_one(s.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
        assert!(readers >= 1, "the reads went through the replica's pool");
        replica.close().await;

        // A replica that is down: every view still answers, from the primary, and quickly
        // (after the first refusal the replica is left alone).
        let down = Store::connect(&db.url)
            .await
            .unwrap()
            .with_read_replica(&format!(
                "postgres://postgres@127.0.0.1:{}/tianping",
                dead_port()
            ))
            .unwrap();
        assert_eq!(views(&down).await, primary);
        let t = std::time::Instant::now();
        assert_eq!(views(&down).await, primary);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "a resting replica is not tried again: {:?}",
            t.elapsed()
        );
        down.close().await;
        db.cleanup().await.unwrap();
    }
}
