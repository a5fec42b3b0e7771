#![allow(clippy::unwrap_used)]
//! Long lists count their matches up to `COUNT_CAP` and then say "more than", on both stores: the
//! case list and the late process nodes, over one more case than the cap. A short page is its own
//! count, exact even past the cap; a page past the end still gets the capped count.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use tianping_domain::EventRecord;
use tianping_domain::nodes::Mark;
use tianping_store::case::{CaseFilter, ScopeFilter};
use tianping_store::nodes::{Lateness, NodeQuery};
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::{Actor, COUNT_CAP, Numbered, Total};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 2, 0, 0).single().unwrap()
}

/// `n` civil cases of one court, each filed and never served (so each has an overdue node).
fn filings(n: i64) -> Vec<Numbered> {
    (1..=n)
        .map(|i| Numbered {
            line: i as u64,
            record: serde_json::from_value::<EventRecord>(serde_json::json!({
                "source": "sc",
                "source_event_id": i.to_string(),
                "case_number": format!("（2026）浙0102民初{i}号"),
                "occurred_at": "2026-03-02T09:00:00+08:00",
                "kind": "filed",
                "cause": "民间借贷纠纷",
            }))
            .unwrap(),
        })
        .collect()
}

fn cases(page: u32, per_page: u32) -> CaseFilter {
    CaseFilter {
        scope: Some(ScopeFilter {
            region_prefix: "/33/".into(),
            agency_kind: None,
        }),
        page,
        per_page,
        ..CaseFilter::default()
    }
}

fn overdue(org: Option<&str>, limit: i64, offset: i64) -> NodeQuery {
    NodeQuery {
        region_prefix: "/33/".into(),
        org_id: org.map(str::to_string),
        flow: None,
        mark: Some(Mark::ComplaintServed),
        lateness: Lateness::Overdue,
        today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        limit,
        offset,
    }
}

#[tokio::test]
async fn long_lists_count_up_to_the_cap_and_say_more_on_both_stores() {
    let n = COUNT_CAP + 1;
    let more = Total {
        count: COUNT_CAP,
        exact: false,
    };
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let r = s
            .ingest(&filings(n), &Actor::system("t"), now())
            .await
            .unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected.first());
        let l = &db.label;

        // The first page: more than the cap.
        let (rows, total) = s.list_cases(&cases(1, 50)).await.unwrap();
        assert_eq!(rows.len(), 50, "[{l}]");
        assert_eq!(total, more, "[{l}]");
        // The last page is short: it tells the exact number without counting.
        let last = u32::try_from(n / 200 + 1).unwrap();
        let (rows, total) = s.list_cases(&cases(last, 200)).await.unwrap();
        assert_eq!(rows.len(), 1, "[{l}]");
        assert_eq!(total, Total::exact(n), "[{l}]");
        // Past the end: nothing on the page, and the capped count.
        let (rows, total) = s.list_cases(&cases(last + 1, 200)).await.unwrap();
        assert!(rows.is_empty(), "[{l}]");
        assert_eq!(total, more, "[{l}]");
        // A narrow filter: exact.
        let mut one = cases(1, 50);
        one.case_number = Some("（2026）浙0102民初77号".into());
        let (rows, total) = s.list_cases(&one).await.unwrap();
        assert_eq!(rows.len(), 1, "[{l}]");
        assert_eq!(total, Total::exact(1), "[{l}]");
        // A filter that matches none, past the first page: counted, exactly none.
        let mut none = cases(3, 50);
        none.org_id = Some("no-such-court".into());
        let (rows, total) = s.list_cases(&none).await.unwrap();
        assert!(rows.is_empty(), "[{l}]");
        assert_eq!(total, Total::exact(0), "[{l}]");

        // Each case's complaint was due five days after filing and never served.
        let (total, rows) = s.late_nodes(&overdue(None, 50, 0)).await.unwrap();
        assert_eq!(rows.len(), 50, "[{l}]");
        assert_eq!(total, more, "[{l}]");
        let (total, rows) = s.late_nodes(&overdue(None, 50, n - 10)).await.unwrap();
        assert_eq!(rows.len(), 10, "[{l}]");
        assert_eq!(total, Total::exact(n), "[{l}]");
        let (total, rows) = s
            .late_nodes(&overdue(Some("no-such-court"), 50, 100))
            .await
            .unwrap();
        assert!(rows.is_empty(), "[{l}]");
        assert_eq!(total, Total::exact(0), "[{l}]");
        db.cleanup().await.unwrap();
    }
}
