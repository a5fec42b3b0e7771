//! 警情 on both stores: a trail to 立案, one that is 有案不立 on the board the procuratorate
//! watches, and a verifiable draw of the period's 警情.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use tianping_domain::EventRecord;
use tianping_domain::clock::Category;
use tianping_domain::rules::ClockKey;
use tianping_store::clocks::BoardQuery;
use tianping_store::sample::NewSample;
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::{Actor, Numbered};

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
        .unwrap()
        .with_timezone(&Utc)
}

fn line(n: u32, number: &str, at: &str, body: &str) -> String {
    format!(
        r#"{{"source":"jq","source_event_id":"{n}","case_number":"{number}","occurred_at":"{at}+08:00",{body}}}"#
    )
}

fn records() -> Vec<Numbered> {
    let mut v = vec![];
    let mut n = 0;
    let mut push = |number: &str, at: &str, body: &str| {
        n += 1;
        v.push(line(n, number, at, body));
    };
    for i in 1..=6 {
        let num = format!("浙公0102警〔2025〕{i}号");
        push(
            &num,
            &format!("2025-03-0{i}T10:00:00"),
            r#""kind":"filed","case_kind":"police","org_id":"sc-police","incident":true,"cause":"盗窃警情","parties":[{"name":"报警人甲","role":"报警人"}]"#,
        );
        push(
            &num,
            &format!("2025-03-0{i}T10:20:00"),
            r#""kind":"dispatched""#,
        );
        push(
            &num,
            &format!("2025-03-0{i}T12:00:00"),
            r#""kind":"incident_handled","result":"现场勘查""#,
        );
        push(
            &num,
            &format!("2025-03-0{i}T15:00:00"),
            r#""kind":"case_accepted","criminal":true"#,
        );
        // The first is filed in time; the others wait (有案不立).
        if i == 1 {
            push(
                &num,
                "2025-03-02T09:00:00",
                r#""kind":"filing_decided","filed":true"#,
            );
        }
    }
    // A criminal file that did not start as a 警情 is not in the pool.
    push(
        "浙公0102刑立字〔2025〕9号",
        "2025-03-03T09:00:00",
        r#""kind":"filed","case_kind":"police","org_id":"sc-police","cause":"诈骗罪""#,
    );
    v.into_iter()
        .enumerate()
        .map(|(i, l)| Numbered {
            line: i as u64 + 1,
            record: serde_json::from_str::<EventRecord>(&l).unwrap_or_else(|e| panic!("{l}: {e}")),
        })
        .collect()
}

#[tokio::test]
async fn incidents_their_warnings_and_a_verifiable_draw_on_both_stores() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let r = s
            .ingest(&records(), &Actor::system("t"), bj("2025-03-20T10:00:00"))
            .await
            .unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        // The first became the investigation file; the others are overdue 立案审查 (有案不立) on
        // the board a procuratorate reads for the police (agency police in its region).
        let q = BoardQuery {
            region_prefix: "/33/3301/330102/".into(),
            agency_kind: Some("police".into()),
            clock_key: Some(ClockKey::FilingReview),
            limit: 50,
            ..Default::default()
        };
        let rows = s.board(&q, bj("2025-03-20T10:00:00")).await.unwrap();
        assert_eq!(rows.len(), 5, "{}", db.label);
        assert!(rows.iter().all(|r| r.category == Category::Overdue));
        assert!(
            rows.iter()
                .all(|r| r.clock.findings.iter().any(|f| f.contains("有案不立")))
        );
        // The draw: every 警情 of March in 上城 (six), three drawn with the seed; anyone holding
        // the seed and the pool re-draws the same three.
        let id = s
            .draw_incident_sample(
                &NewSample {
                    org_id: "sc-police",
                    region_path: "/33/3301/330102/",
                    drawn_by: "法制员",
                    period_from: bj("2025-03-01T00:00:00"),
                    period_to: bj("2025-04-01T00:00:00"),
                    size: 3,
                    seed: "9f2c",
                },
                bj("2025-03-20T10:00:00"),
            )
            .await
            .unwrap();
        let d = s.incident_sample(id).await.unwrap().unwrap();
        let pool: Vec<String> = serde_json::from_str(&d.pool).unwrap();
        let picked: Vec<String> = serde_json::from_str(&d.picked).unwrap();
        assert_eq!(pool.len(), 6);
        assert!(pool.iter().all(|n| n.contains("警〔")));
        assert_eq!(picked, tianping_domain::sample::draw("9f2c", &pool, 3));
        assert_eq!(d.pool_digest, tianping_domain::sample::pool_digest(&pool));
        assert_eq!(s.incident_samples("/33/3301/").await.unwrap().len(), 1);
        db.cleanup().await.unwrap();
    }
}
