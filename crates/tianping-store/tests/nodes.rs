#![allow(clippy::unwrap_used)]
//! Process nodes on both stores: computed by ingest beside the clocks; a re-computation with
//! nothing changed leaves them alone, a changed flow standard re-computes them; a correction
//! re-folds them.

use chrono::{DateTime, TimeZone, Utc};
use tianping_domain::EventRecord;
use tianping_domain::nodes::{Flows, Mark, NODES_TOML};
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::{Actor, Numbered};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 2, 0, 0).single().unwrap()
}

fn records(jsonl: &str) -> Vec<Numbered> {
    jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| Numbered {
            line: i as u64 + 1,
            record: serde_json::from_str::<EventRecord>(l).unwrap(),
        })
        .collect()
}

const CASE: &str = r#"{"source":"sc","source_event_id":"1","case_number":"（2026）浙0102民初9号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"民间借贷纠纷"}
{"source":"sc","source_event_id":"2","case_number":"（2026）浙0102民初9号","occurred_at":"2026-03-03T09:00:00+08:00","kind":"assigned","judge":"张法官"}
{"source":"sc","source_event_id":"3","case_number":"（2026）浙0102民初9号","occurred_at":"2026-03-09T09:00:00+08:00","kind":"served","document":"complaint_copy"}
"#;

#[tokio::test]
async fn nodes_follow_events_corrections_and_flow_changes_on_both_stores() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let r = s
            .ingest(&records(CASE), &Actor::system("t"), now())
            .await
            .unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        let id = s
            .case_id_by_number("（2026）浙0102民初9号")
            .await
            .unwrap()
            .unwrap();
        let served = |nodes: &[(String, tianping_domain::nodes::NodeTime)]| {
            nodes
                .iter()
                .find(|(_, n)| n.mark == Mark::ComplaintServed)
                .map(|(_, n)| n.clone())
                .unwrap()
        };
        // Filed 2 March, due the 7th, served the 9th: late.
        let n = served(&s.nodes_of_case(id).await.unwrap());
        assert_eq!(n.due.unwrap().to_string(), "2026-03-07", "[{}]", db.label);
        assert!(n.done.is_some());

        // A first re-computation computes the nodes; a second with nothing changed leaves them.
        s.recompute_open(now(), None, false).await.unwrap();
        let before = s.nodes_of_case(id).await.unwrap();
        s.recompute_open(now(), None, false).await.unwrap();
        assert_eq!(s.nodes_of_case(id).await.unwrap(), before, "[{}]", db.label);

        // The standard moves to 10 days: re-computed.
        let mut cw = tianping_store::clocks::Clockwork::shipped();
        cw.flows = Flows::parse(&NODES_TOML.replacen(
            r#"{ mark = "complaint_served", name = "送达起诉状副本", after = "filed", days = 5,"#,
            r#"{ mark = "complaint_served", name = "送达起诉状副本", after = "filed", days = 10,"#,
            1,
        ))
        .unwrap();
        s.set_clockwork(cw);
        s.recompute_open(now(), None, false).await.unwrap();
        let n = served(&s.nodes_of_case(id).await.unwrap());
        assert_eq!(n.due.unwrap().to_string(), "2026-03-12", "[{}]", db.label);

        // A correction of the service date re-folds the node.
        let fix = r#"{"source":"sc","source_event_id":"4","case_number":"（2026）浙0102民初9号","occurred_at":"2026-03-04T09:00:00+08:00","corrects":"3","kind":"served","document":"complaint_copy"}"#;
        let r = s
            .ingest(&records(fix), &Actor::system("t"), now())
            .await
            .unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        let n = served(&s.nodes_of_case(id).await.unwrap());
        assert_eq!(
            tianping_domain::clock::local_date(n.done.unwrap()).to_string(),
            "2026-03-04",
            "[{}]",
            db.label
        );
        db.cleanup().await.unwrap();
    }
}
