//! The pre-aggregated metrics on both stores: ingest keeps `metric_totals` equal to counting the
//! cases' facts one by one — as a case is filed, closed, appealed, corrected and retracted, one
//! event per transaction — for every region node, agency and case kind and many periods; and a
//! rebuild from the cases' states gives the same totals and facts.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tianping_domain::case_type::CaseKind;
use tianping_domain::metrics::{Candidates, CaseFilter, Counter, Period, Totals};
use tianping_domain::{AgencyKind, EventRecord};
use tianping_store::case::ScopeFilter;
use tianping_store::metrics::MetricScope;
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::{Actor, Numbered, Store};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const EVENTS: &str = r#"{"source":"t","source_event_id":"1","case_number":"（2024）浙0102民初1号","occurred_at":"2024-10-08T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷","parties":[{"name":"甲","role":"原告"}]}
{"source":"t","source_event_id":"2","case_number":"（2025）浙0102民初3号","occurred_at":"2025-12-30T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷","parties":[{"name":"乙","role":"原告"}]}
{"source":"t","source_event_id":"3","case_number":"（2026）浙0106民初1号","occurred_at":"2026-01-10T09:00:00+08:00","kind":"filed","cause":"借款合同纠纷","parties":[{"name":"丙","role":"原告"}]}
{"source":"t","source_event_id":"4","case_number":"（2025）浙0102民初3号","occurred_at":"2026-02-27T15:00:00+08:00","kind":"closed","disposition":"judgment"}
{"source":"t","source_event_id":"5","case_number":"（2026）浙0102刑初2号","occurred_at":"2026-02-03T09:00:00+08:00","kind":"filed","cause":"盗窃罪","parties":[{"name":"丁某","role":"被告人"}]}
{"source":"t","source_event_id":"6","case_number":"（2025）浙0102民初3号","occurred_at":"2026-03-05T09:00:00+08:00","kind":"appealed","by":"被告"}
{"source":"t","source_event_id":"7","case_number":"（2026）浙01民终4号","occurred_at":"2026-03-20T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷","parties":[{"name":"乙","role":"上诉人"}],"origin_case_number":"（2025）浙0102民初3号"}
{"source":"t","source_event_id":"8","case_number":"（2026）浙0106民初1号","occurred_at":"2026-03-31T16:00:00+08:00","kind":"closed","disposition":"mediation"}
{"source":"t","source_event_id":"9","case_number":"（2026）浙0106民初1号","occurred_at":"2026-04-02T16:00:00+08:00","corrects":"8","kind":"closed","disposition":"withdrawal"}
{"source":"t","source_event_id":"10","case_number":"（2026）浙01民终4号","occurred_at":"2026-05-06T09:00:00+08:00","kind":"closed","disposition":"remanded_for_retrial"}
{"source":"t","source_event_id":"11","case_number":"（2025）浙0102民初3号","occurred_at":"2026-05-08T09:00:00+08:00","corrects":"6","kind":"retraction","reason":"上诉状系误录"}
{"source":"t","source_event_id":"12","case_number":"（2026）浙0102刑初2号","occurred_at":"2026-05-20T09:00:00+08:00","kind":"closed","disposition":"judgment"}
{"source":"t","source_event_id":"13","case_number":"（2025）浙0102执100号","occurred_at":"2025-06-02T09:00:00+08:00","kind":"filed","cause":"借款合同纠纷","parties":[{"name":"戊","role":"申请执行人"}],"claim_amount_yuan":50000}
{"source":"t","source_event_id":"14","case_number":"（2025）浙0102执100号","occurred_at":"2025-10-09T09:00:00+08:00","kind":"execution_terminated","checklist":{"property_report_done":true,"consumption_restricted":true,"assets_investigated":true,"whereabouts_and_obstruction_handled":true,"applicant_interviewed":true,"applicant_confirmed_or_president_approved":true,"ruling_served":true}}
{"source":"t","source_event_id":"15","case_number":"（2025）浙0102执100号","occurred_at":"2026-02-11T09:00:00+08:00","kind":"execution_restored"}
{"source":"t","source_event_id":"16","case_number":"（2025）浙0102执100号","occurred_at":"2026-05-25T09:00:00+08:00","kind":"execution_terminated","checklist":{"property_report_done":true,"consumption_restricted":true,"assets_investigated":true,"whereabouts_and_obstruction_handled":true,"applicant_interviewed":true,"applicant_confirmed_or_president_approved":true,"ruling_served":true}}
"#;

fn scopes() -> Vec<MetricScope> {
    let mut v = vec![];
    for prefix in [
        "/",
        "/33/",
        "/33/3301/",
        "/33/3301/330102/",
        "/33/3301/330106/",
    ] {
        for agency in [
            None,
            Some(AgencyKind::Court),
            Some(AgencyKind::Procuratorate),
        ] {
            for kind in [None, Some(CaseKind::Civil), Some(CaseKind::Criminal)] {
                v.push(MetricScope {
                    scope: ScopeFilter {
                        region_prefix: prefix.into(),
                        agency_kind: agency,
                    },
                    region_prefix: None,
                    kind,
                });
            }
        }
    }
    v
}

fn periods() -> Vec<Period> {
    let mut v = vec![];
    let start = d("2024-09-01");
    for i in 0..40 {
        let from = start + Duration::days(i * 23);
        for len in [0, 13, 31, 90, 400] {
            v.push(Period {
                from,
                to: from + Duration::days(len),
            });
        }
    }
    v
}

/// Every scope × period: the totals from the running sums equal counting the facts one by one.
async fn assert_totals_match(s: &Store, label: &str, step: &str) -> Vec<Totals> {
    let mut all = vec![];
    let ps = periods();
    for m in scopes() {
        let facts: Vec<_> = s
            .metric_cases(&m, Candidates::All)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.facts)
            .collect();
        let days: Vec<NaiveDate> = ps
            .iter()
            .flat_map(|p| [p.from.pred_opt().unwrap(), p.to])
            .collect();
        let cum = s.metric_cumulative(&m, &days).await.unwrap();
        for (p, w) in ps.iter().zip(cum.chunks(2)) {
            let got = Totals::from_cumulative(&w[0], &w[1]);
            let want = Totals::of(&facts, p);
            assert_eq!(
                got, want,
                "{label} after {step}: {:?} {:?} {:?} {p:?}",
                m.scope.region_prefix, m.scope.agency_kind, m.kind
            );
            all.push(got);
        }
    }
    all
}

/// Every scope × period × counter the columns can express: the database's filtered list is the
/// cases the counter counts, in list order, and its pages are slices of it.
async fn assert_filters_list_what_counters_count(s: &Store, label: &str) {
    let ps = periods();
    for m in scopes() {
        let all = s.metric_cases(&m, Candidates::All).await.unwrap();
        for p in ps.iter().step_by(40) {
            let mut filters: Vec<(String, CaseFilter, Vec<i64>)> =
                vec![("nothing".into(), CaseFilter::nothing(), vec![])];
            for c in Counter::ALL {
                if let Some(f) = c.filter(p) {
                    let want = all
                        .iter()
                        .filter(|x| c.contributes(&x.facts, p))
                        .map(|x| x.id)
                        .collect();
                    filters.push((c.as_str().into(), f, want));
                }
            }
            for (over, up_to) in [(None, Some(6)), (Some(6), Some(12)), (Some(12), None)] {
                if let Some(f) = CaseFilter::pending_aged(p.to, over, up_to) {
                    let want = all
                        .iter()
                        .filter(|x| f.matches(&x.facts))
                        .map(|x| x.id)
                        .collect();
                    filters.push((format!("aged {over:?}-{up_to:?}"), f, want));
                }
            }
            for (what, f, want) in filters {
                let got = s.metric_cases_where(&m, &f, None).await.unwrap();
                let got: Vec<i64> = got.iter().map(|x| x.id).collect();
                let at = format!(
                    "{label} {what} {:?} {:?} {:?} {p:?}",
                    m.scope, m.kind, m.region_prefix
                );
                assert_eq!(got, want, "{at}");
                for (offset, limit) in [(1, 2), (want.len(), 3)] {
                    let page = s
                        .metric_cases_where(&m, &f, Some((offset, limit)))
                        .await
                        .unwrap();
                    let page: Vec<i64> = page.iter().map(|x| x.id).collect();
                    let slice: Vec<i64> = want.iter().skip(offset).take(limit).copied().collect();
                    assert_eq!(page, slice, "{at} page {offset}+{limit}");
                }
            }
        }
    }
}

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
        .unwrap()
        .with_timezone(&Utc)
}

/// Ingests line `i` of `EVENTS` on its own, an hour after it occurred; returns that time.
async fn ingest_line(s: &Store, label: &str, i: usize, line: &str) -> DateTime<Utc> {
    let rec: EventRecord = serde_json::from_str(line).unwrap();
    let now = rec.occurred_at.with_timezone(&Utc) + Duration::hours(1);
    let numbered = Numbered {
        line: i as u64 + 1,
        record: rec,
    };
    let r = s
        .ingest(&[numbered], &Actor::system("t"), now)
        .await
        .unwrap();
    assert!(r.rejected.is_empty(), "{label}: {:?}", r.rejected);
    now
}

#[tokio::test]
async fn ingest_keeps_the_totals_equal_to_counting_case_by_case_and_a_rebuild_agrees() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        for (i, line) in EVENTS.lines().enumerate() {
            let now = ingest_line(s, db.label, i, line).await;
            // Totals exact with changes pending, folded, and both mixed.
            if i % 4 == 1 {
                s.fold_metrics(now).await.unwrap();
                assert_eq!(s.pending_metrics().await.unwrap(), 0);
            }
            assert_totals_match(s, db.label, &format!("event {}", i + 1)).await;
        }
        // Hand-checked: Q1 2026 at 上城 (courts, civil): closed 1 (民初3号 on 02-27), its appeal
        // was retracted, so nothing appealed; 西湖's mediation moved into April by the correction.
        let court_civil = |prefix: &str| MetricScope {
            scope: ScopeFilter {
                region_prefix: prefix.into(),
                agency_kind: Some(AgencyKind::Court),
            },
            region_prefix: None,
            kind: Some(CaseKind::Civil),
        };
        let q1 = [d("2025-12-31"), d("2026-03-31")];
        let cum = s
            .metric_cumulative(&court_civil("/33/3301/"), &q1)
            .await
            .unwrap();
        let t = Totals::from_cumulative(&cum[0], &cum[1]);
        assert_eq!(t.get(Counter::Closed), 1, "{}", db.label);
        assert_eq!(t.get(Counter::Appealed), 0);
        assert_eq!(t.get(Counter::AppealableClosed), 1);
        // Pending at the end of Q1: 民初1号 (2024), 西湖 民初1号, 民终4号.
        assert_eq!(t.get(Counter::PendingAtEnd), 3);
        // 民初1号 filed 2024-10-08 is over 12 (not 18) months on 2026-03-31.
        assert_eq!(t.get(Counter::PendingOver12Months), 1);
        assert_eq!(t.get(Counter::PendingOver18Months), 0);
        assert_eq!(t.get(Counter::Received), 2, "西湖 民初1号 and 民终4号");
        // The 终本 database at 上城 (execution): in on 2025-10-09, out on 2026-02-11 (restored), in
        // again on 2026-05-25.
        let execution = MetricScope {
            kind: Some(CaseKind::Execution),
            ..court_civil("/33/3301/330102/")
        };
        let days = [d("2025-12-31"), d("2026-03-31"), d("2026-06-30")];
        let cum = s.metric_cumulative(&execution, &days).await.unwrap();
        let q1 = Totals::from_cumulative(&cum[0], &cum[1]);
        assert_eq!(q1.get(Counter::ZhongbenStockAtStart), 1, "{}", db.label);
        assert_eq!(q1.get(Counter::ZhongbenLeft), 1);
        assert_eq!(q1.get(Counter::ZhongbenStockAtEnd), 0);
        assert_eq!(q1.get(Counter::PendingAtEnd), 1, "restored: pending again");
        let q2 = Totals::from_cumulative(&cum[1], &cum[2]);
        assert_eq!(q2.get(Counter::ZhongbenEntered), 1);
        assert_eq!(q2.get(Counter::ZhongbenStockAtEnd), 1);
        assert_eq!(q2.get(Counter::ZhongbenClosed), 1);

        assert_filters_list_what_counters_count(s, db.label).await;
        let before = assert_totals_match(s, db.label, "all events").await;
        let days_before = s
            .metric_days(&court_civil("/33/"), d("2024-01-01"), d("2026-12-31"))
            .await
            .unwrap();
        assert!(s.pending_metrics().await.unwrap() > 0, "{}", db.label);
        // Two folds at once (two nodes) add each pending change once.
        let at = bj("2026-06-01T00:00:00");
        let (a, b) = tokio::join!(s.fold_metrics(at), s.fold_metrics(at));
        assert!(a.unwrap() + b.unwrap() > 0);
        assert_eq!(s.pending_metrics().await.unwrap(), 0, "{}", db.label);
        assert_eq!(
            assert_totals_match(s, db.label, "the fold").await,
            before,
            "{}",
            db.label
        );
        let days_after = s
            .metric_days(&court_civil("/33/"), d("2024-01-01"), d("2026-12-31"))
            .await
            .unwrap();
        assert!(!days_after.is_empty());
        assert_eq!(days_before, days_after, "{}", db.label);
        // On PostgreSQL the fold vacuums the queue once it has folded a thousand rows: its dead
        // rows do not pile up for the dashboards to read through (autovacuum may be off).
        if s.backend() == tianping_store::Backend::Postgres {
            sqlx::query(
                "INSERT INTO metric_pending (delta) SELECT '[]' FROM generate_series(1, 1200)",
            )
            .execute(s.pool())
            .await
            .unwrap();
            assert_eq!(s.fold_metrics(at).await.unwrap(), 1200);
            let pages: i64 = sqlx::query_scalar(
                "SELECT CAST(pg_relation_size('metric_pending') / 8192 AS BIGINT)",
            )
            .fetch_one(s.pool())
            .await
            .unwrap();
            assert_eq!(pages, 0, "vacuumed and truncated");
            assert_eq!(
                assert_totals_match(s, db.label, "empty changes folded").await,
                before
            );
        }
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_facts")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(rows, 6);
        // A rebuild from the states (at a later time) gives the same totals.
        let n = s.rebuild_metrics(bj("2026-06-01T00:00:00")).await.unwrap();
        assert_eq!(n, 6);
        let after = assert_totals_match(s, db.label, "rebuild").await;
        assert_eq!(before, after, "{}", db.label);
        db.cleanup().await.unwrap();
    }
}

/// What `ledger verify` names about the totals, as (record, detail).
async fn totals_findings(s: &Store) -> Vec<(String, String)> {
    let r = s.rederive_projections().await.unwrap();
    assert!(r.skipped.is_none(), "{:?}", r.skipped);
    r.findings
        .into_iter()
        .map(|f| (f.record.unwrap_or_default(), f.detail))
        .collect()
}

/// A damaged pending change (changed outside the product) does not stop the dashboards or the
/// fold: the dashboards read without it, the fold sets it aside and folds its neighbours, and
/// `ledger verify` names it and the totals it left short; a total raised in the database is
/// named with its node, period and column; `rebuild_metrics` puts both right.
#[tokio::test]
async fn a_damaged_pending_change_is_set_aside_and_verify_names_it_and_any_changed_total() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        for (i, line) in EVENTS.lines().enumerate() {
            ingest_line(s, db.label, i, line).await;
        }
        let label = db.label;
        let pending = s.pending_metrics().await.unwrap();
        assert!(pending > 2, "{label}");
        assert_eq!(totals_findings(s).await, vec![], "{label}: clean");

        // The first pending change garbled in the database.
        let first: i64 = sqlx::query_scalar("SELECT MIN(id) FROM metric_pending")
            .fetch_one(s.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE metric_pending SET delta = 'garbled' WHERE id = $1")
            .bind(first)
            .execute(s.pool())
            .await
            .unwrap();
        let all = MetricScope {
            scope: ScopeFilter {
                region_prefix: "/".into(),
                agency_kind: None,
            },
            region_prefix: None,
            kind: None,
        };
        let days = [d("2025-12-31"), d("2026-06-30")];
        s.metric_cumulative(&all, &days).await.unwrap();
        s.metric_days(&all, d("2024-01-01"), d("2026-12-31"))
            .await
            .unwrap();
        let waiting = totals_findings(s).await;
        assert_eq!(
            waiting.first().map(|f| f.0.clone()),
            Some(format!("metric_pending/{first}")),
            "{label}: {waiting:?}"
        );

        let at = bj("2026-06-01T00:00:00");
        assert_eq!(s.fold_metrics(at).await.unwrap(), pending as u64, "{label}");
        assert_eq!(s.pending_metrics().await.unwrap(), 0, "{label}");
        assert_eq!(s.metric_changes_set_aside().await.unwrap(), 1, "{label}");
        // Folding goes on for the changes written after it.
        let set_aside = totals_findings(s).await;
        assert_eq!(set_aside[0].0, format!("metric_pending/{first}"), "{label}");
        assert!(set_aside[0].1.contains("set aside"), "{set_aside:?}");
        // The first change filed a case: its totals are short by it, and verify says which.
        assert!(
            set_aside[1..]
                .iter()
                .any(|(r, d)| r.starts_with("metric_totals/")
                    && d.contains("stored 0, the cases' facts give 1")),
            "{label}: {set_aside:?}"
        );

        s.rebuild_metrics(at).await.unwrap();
        assert_eq!(s.metric_changes_set_aside().await.unwrap(), 0, "{label}");
        assert_eq!(totals_findings(s).await, vec![], "{label}: rebuilt");
        let before = assert_totals_match(s, label, "rebuild").await;

        // A month's total raised by one in the database.
        let column = tianping_domain::metrics::columns()[0].name();
        let (node, agency, kind, bucket, value): (String, String, String, String, i64) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT node, agency_kind, kind, bucket, {column} FROM metric_totals \
                 WHERE grain = 'm' AND node = '/33/3301/' AND {column} > 0 ORDER BY bucket LIMIT 1"
            )))
            .fetch_one(s.pool())
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE metric_totals SET {column} = {column} + 1 WHERE node = $1 AND agency_kind = $2 \
             AND kind = $3 AND grain = 'm' AND bucket = $4"
        )))
        .bind(&node)
        .bind(&agency)
        .bind(&kind)
        .bind(&bucket)
        .execute(s.pool())
        .await
        .unwrap();
        let changed = totals_findings(s).await;
        assert_eq!(changed.len(), 1, "{label}: {changed:?}");
        assert_eq!(
            changed[0].0,
            format!("metric_totals/{node}/{agency}/{kind}/m/{bucket}"),
            "{label}"
        );
        let month = &bucket[..7];
        assert!(
            changed[0].1.contains(&format!(
                "{column} of {agency} {kind} cases under {node}, month {month}: stored {}, the cases' facts give {value}",
                value + 1
            )),
            "{label}: {changed:?}"
        );
        s.rebuild_metrics(at).await.unwrap();
        assert_eq!(totals_findings(s).await, vec![], "{label}: rebuilt again");
        assert_eq!(assert_totals_match(s, label, "rebuild again").await, before);
        db.cleanup().await.unwrap();
    }
}
