//! Several writers at once (several servers on one PostgreSQL database): record-based writes
//! append their leaves in a short step at commit, not from their first record; ingest chunks
//! and those writes interleave; every write lands in the log exactly once and the store verifies.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use tianping_ledger::LogKey;
use tianping_store::ledger::VerifyOptions;
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::{Actor, Numbered, Store};

const ORIGIN: &str = "tianping.test/ledger";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-09-01T10:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc)
}

fn filed(task: usize, n: usize) -> Numbered {
    let line = format!(
        r#"{{"source":"c{task}","source_event_id":"{n}","case_number":"（2026）浙0102民初{}号","occurred_at":"2026-08-31T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}}"#,
        10_000 + task * 1000 + n
    );
    Numbered {
        line: n as u64 + 1,
        record: serde_json::from_str(&line).unwrap(),
    }
}

#[tokio::test]
async fn concurrent_writers_all_land_in_the_log_and_the_store_verifies() {
    const TASKS: usize = 6;
    const EACH: usize = 15;
    for db in TestDb::all().await.unwrap() {
        load_fixture_orgs(&db.store).await.unwrap();
        let before = db.store.ledger_head().await.unwrap().size;
        let mut tasks = vec![];
        for t in 0..TASKS {
            // Each writer on a pool of its own, as another server would be.
            let store = Store::connect(&db.url).await.unwrap();
            tasks.push(tokio::spawn(async move {
                for n in 0..EACH {
                    if t % 2 == 0 {
                        let r = store
                            .ingest(&[filed(t, n)], &Actor::system("test"), now())
                            .await
                            .unwrap();
                        assert_eq!(r.accepted, 1, "{:?}", r.rejected);
                    } else {
                        let added = store
                            .add_system_client(
                                &format!("系统{t}-{n}"),
                                "sc-court",
                                &format!("hash-{t}-{n}"),
                                "secadmin",
                                now(),
                            )
                            .await
                            .unwrap();
                        assert!(added.is_some());
                    }
                }
                store.close().await;
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let after = db.store.ledger_head().await.unwrap().size;
        // An event is one leaf; a system client one leaf (and its audit line none).
        assert!(
            after - before >= (TASKS * EACH) as u64,
            "[{}] {before} → {after}",
            db.label
        );
        let key = LogKey::from_seed(ORIGIN, [7; 32]).unwrap();
        let v = key.verifier();
        let rep = db
            .store
            .verify_ledger(&VerifyOptions {
                key: Some(&v),
                origin: ORIGIN,
                records: true,
                witnesses: &[],
                witness_keys: &[],
            })
            .await
            .unwrap();
        assert!(rep.ok(), "[{}] {:?}", db.label, rep.findings);
        assert_eq!(rep.size, after, "[{}]", db.label);
        let clocks = db.store.rederive_projections().await.unwrap();
        assert!(
            clocks.findings.is_empty(),
            "[{}] {:?}",
            db.label,
            clocks.findings
        );
        assert!(
            clocks.cases >= ((TASKS / 2) * EACH) as u64,
            "[{}]",
            db.label
        );
        db.cleanup().await.unwrap();
    }
}
