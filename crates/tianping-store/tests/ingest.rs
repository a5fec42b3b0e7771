//! Ingest on both stores: per-record atomicity, idempotency, corrections, scope, append-only events.

use chrono::{DateTime, TimeZone, Utc};
use tianping_domain::{CaseStatus, EventRecord, OrgScope, Role};
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::{Actor, Numbered};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date")
}

fn records(jsonl: &str) -> Vec<Numbered> {
    jsonl
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Numbered {
            line: i as u64 + 1,
            record: serde_json::from_str::<EventRecord>(l)
                .unwrap_or_else(|e| panic!("line {}: {e}", i + 1)),
        })
        .collect()
}

const STORY: &str = r#"{"source":"sc","source_event_id":"1","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"民间借贷纠纷","parties":[{"name":"王五","role":"原告"},{"name":"李四","role":"被告"}],"summary_procedure":true}
{"source":"sc","source_event_id":"2","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-03T09:00:00+08:00","kind":"assigned","judge":"张法官"}
{"source":"sc","source_event_id":"3","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-04T09:00:00+08:00","kind":"resumed"}
{"source":"sc","source_event_id":"4","case_number":"（2026）浙0102民初2号","occurred_at":"2026-03-04T09:00:00+08:00","kind":"hearing_held"}
{"source":"sc","source_event_id":"5","case_number":"（2026）浙0102民初01号","occurred_at":"2026-03-04T09:00:00+08:00","kind":"filed","cause":"x"}
{"source":"sc","source_event_id":"6","case_number":"(2026)浙0102民初1号","occurred_at":"2026-03-05T09:00:00+08:00","kind":"suspended","reason":"等待另案","approver":{"name":"院长甲","role":"president"}}
{"source":"sc","source_event_id":"7","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-06T09:00:00+08:00","corrects":"2","kind":"assigned","judge":"刘法官"}
{"source":"sc","source_event_id":"8","case_number":"（2026）浙0999民初1号","occurred_at":"2026-03-06T09:00:00+08:00","kind":"filed","cause":"x"}
{"source":"sc","source_event_id":"9","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-07T09:00:00+08:00","corrects":"1","kind":"retraction","reason":"误录"}
"#;

#[tokio::test]
async fn ingest_story_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        let s = &db.store;
        load_fixture_orgs(s).await.expect("orgs");
        let report = s
            .ingest(&records(STORY), &Actor::system("test"), now())
            .await
            .expect("ingest");
        let codes: Vec<(u64, &str, String)> = report
            .rejected
            .iter()
            .map(|r| (r.line, r.code, r.field.clone()))
            .collect();
        assert_eq!(
            codes,
            vec![
                (3, "not_suspended", "kind".to_string()),
                (4, "case_not_found", "case_number".to_string()),
                (5, "case_number_invalid", "case_number".to_string()),
                (8, "court_unknown", "case_number".to_string()),
                (9, "retraction_of_filing", "corrects".to_string()),
            ],
            "[{}]",
            db.label
        );
        assert!(
            report.rejected[2].reason.contains("案件编号"),
            "[{}] names the part: {}",
            db.label,
            report.rejected[2].reason
        );
        assert_eq!(report.accepted, 4, "[{}]", db.label);
        let (cases, events) = s.counts().await.expect("counts");
        assert_eq!(
            (cases, events),
            (1, 4),
            "[{}] only good lines are stored",
            db.label
        );
        let id = s
            .case_id_by_number("（2026）浙0102民初1号")
            .await
            .expect("q")
            .expect("case exists");
        let (row, _) = s.case_by_id(id).await.expect("q").expect("row");
        assert_eq!(
            row.judge.as_deref(),
            Some("刘法官"),
            "[{}] correction applied",
            db.label
        );
        assert_eq!(row.status, CaseStatus::Suspended);
        assert_eq!(
            row.event_count, 3,
            "[{}] the corrected event is replaced, not added",
            db.label
        );

        // Idempotent: the same file again changes nothing.
        let again = s
            .ingest(&records(STORY), &Actor::system("test"), now())
            .await
            .expect("ingest");
        assert_eq!((again.accepted, again.duplicates), (0, 4), "[{}]", db.label);
        assert_eq!(s.counts().await.expect("counts"), (1, 4));

        // A 西湖 judge cannot write to a 上城 case, and is told only that it does not exist.
        let xihu = Actor {
            name: "user:xh".into(),
            scope: Some(OrgScope {
                kind: tianping_domain::AgencyKind::Court,
                region_path: "/33/3301/330106/".into(),
            }),
            person: None,
            person_org: None,
        };
        let r = s
            .ingest(
                &records(r#"{"source":"xh","source_event_id":"x1","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-08T09:00:00+08:00","kind":"resumed"}"#),
                &xihu,
                now(),
            )
            .await
            .expect("ingest");
        assert_eq!(
            r.rejected.first().map(|r| r.code),
            Some("case_not_found"),
            "[{}]",
            db.label
        );

        // Events are append-only at the database level too.
        let upd = sqlx::query("UPDATE events SET kind = 'closed'")
            .execute(s.pool())
            .await;
        assert!(upd.is_err(), "[{}] events must be append-only", db.label);
        db.cleanup().await.expect("cleanup");
    }
}

fn codes(r: &tianping_store::IngestReport) -> Vec<(u64, &'static str, String)> {
    r.rejected
        .iter()
        .map(|r| (r.line, r.code, r.field.clone()))
        .collect()
}

/// Security finding H4: an event id already used on another case aborted the whole chunk with a
/// database error (losing its valid records) and told the caller the id existed elsewhere.
#[tokio::test]
async fn h4_a_used_event_id_refuses_its_record_alone_and_keeps_the_chunk() {
    for db in TestDb::all().await.expect("databases") {
        let s = &db.store;
        let label = db.label;
        load_fixture_orgs(s).await.expect("orgs");
        let first = r#"{"source":"sc","source_event_id":"a1","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"民间借贷纠纷"}
{"source":"sc","source_event_id":"a2","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-03T09:00:00+08:00","kind":"assigned","judge":"张法官"}"#;
        let r = s
            .ingest(&records(first), &Actor::system("t"), now())
            .await
            .expect("ingest");
        assert_eq!(r.accepted, 2, "[{label}]");
        // A second file: a filing of another case, then an event reusing "a2" on that other
        // case, then the same "a2" again with other content on the first case, then "a1" re-sent
        // unchanged (a duplicate), then a valid event; and inside the file "b9" used twice with
        // different content.
        let second = r#"{"source":"sc","source_event_id":"b1","case_number":"（2026）浙0102民初2号","occurred_at":"2026-03-04T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}
{"source":"sc","source_event_id":"a2","case_number":"（2026）浙0102民初2号","occurred_at":"2026-03-05T09:00:00+08:00","kind":"assigned","judge":"李法官"}
{"source":"sc","source_event_id":"a2","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-03T09:00:00+08:00","kind":"assigned","judge":"王法官"}
{"source":"sc","source_event_id":"a1","case_number":"(2026)浙0102民初1号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"民间借贷纠纷"}
{"source":"sc","source_event_id":"b9","case_number":"（2026）浙0102民初2号","occurred_at":"2026-03-06T09:00:00+08:00","kind":"assigned","judge":"赵法官"}
{"source":"sc","source_event_id":"b9","case_number":"（2026）浙0102民初2号","occurred_at":"2026-03-06T09:00:00+08:00","kind":"assigned","judge":"钱法官"}
{"source":"sc","source_event_id":"b9","case_number":"（2026）浙0102民初2号","occurred_at":"2026-03-06T09:00:00+08:00","kind":"assigned","judge":"赵法官"}"#;
        let r = s
            .ingest(&records(second), &Actor::system("t"), now())
            .await
            .expect("a used id must not abort the chunk");
        assert_eq!(
            codes(&r),
            vec![
                (2, "source_event_id_conflict", "source_event_id".into()),
                (3, "source_event_id_conflict", "source_event_id".into()),
                (6, "source_event_id_conflict", "source_event_id".into()),
            ],
            "[{label}]"
        );
        assert_eq!((r.accepted, r.duplicates), (2, 2), "[{label}]");
        assert_eq!(s.counts().await.expect("counts"), (2, 4), "[{label}]");

        // A writer of another court gets the same conflict for an id used on a case it cannot
        // see as for one used in its own court: nothing says where the id is used.
        let xihu = Actor {
            name: "user:xh".into(),
            scope: Some(OrgScope {
                kind: tianping_domain::AgencyKind::Court,
                region_path: "/33/3301/330106/".into(),
            }),
            person: None,
            person_org: None,
        };
        let third = r#"{"source":"sc","source_event_id":"x1","case_number":"（2026）浙0106民初1号","occurred_at":"2026-03-04T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}
{"source":"sc","source_event_id":"a2","case_number":"（2026）浙0106民初1号","occurred_at":"2026-03-05T09:00:00+08:00","kind":"assigned","judge":"李法官"}
{"source":"sc","source_event_id":"a1","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"民间借贷纠纷"}"#;
        let r = s
            .ingest(&records(third), &xihu, now())
            .await
            .expect("ingest");
        assert_eq!(
            codes(&r),
            vec![
                (2, "source_event_id_conflict", "source_event_id".into()),
                (3, "out_of_scope", "case_number".into()),
            ],
            "[{label}]"
        );
        assert_eq!(r.accepted, 1, "[{label}]");
        db.cleanup().await.expect("cleanup");
    }
}

/// Security finding M6: a filing dated 0001-01-01 became a case 739,770 days overdue.
#[tokio::test]
async fn m6_impossible_dates_are_refused() {
    for db in TestDb::all().await.expect("databases") {
        let s = &db.store;
        let label = db.label;
        load_fixture_orgs(s).await.expect("orgs");
        let lines = r#"{"source":"sc","source_event_id":"d1","case_number":"（2026）浙0102民初1号","occurred_at":"0001-01-01T09:00:00+08:00","kind":"filed","cause":"民间借贷纠纷"}
{"source":"sc","source_event_id":"d2","case_number":"（2026）浙0102民初2号","occurred_at":"1948-12-31T09:00:00+08:00","kind":"filed","cause":"民间借贷纠纷"}
{"source":"sc","source_event_id":"d3","case_number":"（2026）浙0102民初3号","occurred_at":"2019-03-02T09:00:00+08:00","kind":"filed","cause":"民间借贷纠纷"}
{"source":"sc","source_event_id":"d4","case_number":"（2026）浙0102民初4号","occurred_at":"2026-07-02T09:00:00+08:00","kind":"filed","cause":"民间借贷纠纷"}
{"source":"sc","source_event_id":"d5","case_number":"（2026）浙0102民初5号","occurred_at":"2025-12-30T09:00:00+08:00","kind":"filed","cause":"民间借贷纠纷"}"#;
        let r = s
            .ingest(&records(lines), &Actor::system("t"), now())
            .await
            .expect("ingest");
        assert_eq!(
            codes(&r),
            vec![
                (1, "date_out_of_range", "occurred_at".into()),
                (2, "date_out_of_range", "occurred_at".into()),
                (3, "date_case_year_mismatch", "occurred_at".into()),
                (4, "date_in_future", "occurred_at".into()),
            ],
            "[{label}]"
        );
        assert_eq!(
            r.accepted, 1,
            "[{label}] a filing late in the year before is fine"
        );
        db.cleanup().await.expect("cleanup");
    }
}

/// Security finding H1: a person recorded someone else's approval and moved their own deadline.
#[tokio::test]
async fn h1_a_person_records_only_their_own_approval() {
    use tianping_domain::access::Person;
    for db in TestDb::all().await.expect("databases") {
        let s = &db.store;
        let label = db.label;
        load_fixture_orgs(s).await.expect("orgs");
        let sc_court = tianping_store::testing::fixture_orgs()
            .into_iter()
            .find(|o| o.id == "sc-court")
            .expect("sc-court");
        let judge = Actor::person(
            Person {
                username: "sc_judge".into(),
                display_name: "张法官".into(),
                role: Role::Judge,
            },
            &sc_court,
        );
        let president = Actor::person(
            Person {
                username: "sc_president".into(),
                display_name: "孙院长".into(),
                role: Role::President,
            },
            &sc_court,
        );
        let filing = r#"{"source":"sc","source_event_id":"p1","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"民间借贷纠纷"}
{"source":"sc","source_event_id":"p2","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-03T09:00:00+08:00","kind":"extension_requested","amount":6,"unit":"month","reason":"案情复杂"}"#;
        let r = s
            .ingest(&records(filing), &judge, now())
            .await
            .expect("ingest");
        assert_eq!(r.accepted, 2, "[{label}] {:?}", r.rejected);
        let forged = r#"{"source":"sc","source_event_id":"p3","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-04T09:00:00+08:00","kind":"extension_approved","amount":6,"unit":"month","approver":{"name":"孙院长","role":"president"}}"#;
        let r = s
            .ingest(&records(forged), &judge, now())
            .await
            .expect("ingest");
        assert_eq!(
            codes(&r),
            vec![(1, "approval_not_own", "approver".into())],
            "[{label}]"
        );
        // The president approving as themselves is accepted, and recorded as the president.
        let r = s
            .ingest(&records(forged), &president, now())
            .await
            .expect("ingest");
        assert_eq!(r.accepted, 1, "[{label}] {:?}", r.rejected);
        let id = s
            .case_id_by_number("（2026）浙0102民初1号")
            .await
            .expect("case")
            .expect("exists");
        let events = s.events_of_case(id).await.expect("events");
        let who: Vec<(&str, &str)> = events
            .iter()
            .map(|e| (e.kind.as_str(), e.recorded_by.as_str()))
            .collect();
        assert_eq!(
            who,
            vec![
                ("filed", "user:sc_judge"),
                ("extension_requested", "user:sc_judge"),
                ("extension_approved", "user:sc_president"),
            ],
            "[{label}]"
        );
        // ...for the president's own court, resolved from the directory with its level.
        let approval: tianping_domain::EventBody =
            serde_json::from_str(&events[2].body).expect("body");
        let unit = approval
            .approver()
            .and_then(|a| a.org.clone())
            .expect("approving organisation recorded");
        assert_eq!(
            (unit.id.as_str(), unit.kind, unit.level),
            (
                "sc-court",
                Some(tianping_domain::AgencyKind::Court),
                Some(tianping_domain::Level::County)
            ),
            "[{label}]"
        );
        // A person cannot approve in another organisation's name.
        let other = r#"{"source":"sc","source_event_id":"p4","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-05T09:00:00+08:00","kind":"extension_requested","amount":3,"unit":"month","reason":"x"}
{"source":"sc","source_event_id":"p5","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-05T10:00:00+08:00","kind":"extension_approved","amount":3,"unit":"month","approver":{"name":"孙院长","role":"president","org":{"id":"hz-court"}}}"#;
        let r = s
            .ingest(&records(other), &president, now())
            .await
            .expect("ingest");
        assert_eq!(
            codes(&r),
            vec![(2, "approval_not_own", "approver.org".into())],
            "[{label}]"
        );
        db.cleanup().await.expect("cleanup");
    }
}

/// H1: the approving organisation's level is checked against the rule (上一级法院): the basic
/// court's own president cannot grant the extension the superior court must grant; an agency's
/// system names the approving organisation, which must be in the directory.
#[tokio::test]
async fn h1_approver_level_is_checked_against_the_rule() {
    for db in TestDb::all().await.expect("databases") {
        let s = &db.store;
        let label = db.label;
        load_fixture_orgs(s).await.expect("orgs");
        let operator = Actor::system("court-system");
        let later = Utc
            .with_ymd_and_hms(2027, 2, 20, 0, 0, 0)
            .single()
            .expect("date");
        let n = "（2026）浙0102民初7号";
        let line = |id: &str, at: &str, rest: &str| {
            format!(
                r#"{{"source":"sc","source_event_id":"{id}","case_number":"{n}","occurred_at":"{at}T09:00:00+08:00",{rest}}}"#
            )
        };
        let req = r#""kind":"extension_requested","amount":6,"unit":"month","reason":"案情复杂""#;
        let approve = |org: &str, amount: u32| {
            format!(
                r#""kind":"extension_approved","amount":{amount},"unit":"month","approver":{{"name":"孙院长","role":"president","org":{{"id":"{org}"}}}}"#
            )
        };
        let text = [
            line(
                "a1",
                "2026-03-02",
                r#""kind":"filed","cause":"建设工程施工合同纠纷""#,
            ),
            line("a2", "2026-08-10", req),
            line("a3", "2026-08-20", &approve("sc-court", 6)),
            line("a4", "2027-02-01", req),
            // The superior court's step, granted by the basic court itself.
            line("a5", "2027-02-05", &approve("sc-court", 3)),
            // An organisation the directory does not hold.
            line("a6", "2027-02-06", &approve("nowhere-court", 3)),
        ]
        .join("\n");
        let r = s
            .ingest(&records(&text), &operator, later)
            .await
            .expect("ingest");
        assert_eq!(r.accepted, 5, "[{label}] {:?}", r.rejected);
        assert_eq!(
            codes(&r),
            vec![(6, "approver_org_unknown", "approver.org".into())],
            "[{label}]"
        );
        let id = s.case_id_by_number(n).await.expect("case").expect("exists");
        let trial = |clocks: Vec<tianping_domain::clock::Clock>| {
            clocks
                .into_iter()
                .find(|c| c.key == tianping_domain::rules::ClockKey::Trial)
                .expect("trial clock")
        };
        let c = trial(s.clocks_of_case(id, later).await.expect("clocks"));
        // 2026-03-02 + 6 months (本院院长 +6) = 2027-03-02; the basic court's +3 is not counted.
        assert_eq!(
            c.due.map(|d| d.to_string()).as_deref(),
            Some("2027-03-02"),
            "[{label}] {:?}",
            c.findings
        );
        assert!(
            c.findings
                .iter()
                .any(|f| f.contains("杭州市上城区人民法院") && f.contains("上级人民法院")),
            "[{label}] {:?}",
            c.findings
        );
        // The intermediate court grants it: counted.
        let r = s
            .ingest(
                &records(
                    &[
                        line("a7", "2027-02-07", req),
                        line("a8", "2027-02-10", &approve("hz-court", 3)),
                    ]
                    .join("\n"),
                ),
                &operator,
                later,
            )
            .await
            .expect("ingest");
        assert_eq!(r.accepted, 2, "[{label}] {:?}", r.rejected);
        let c = trial(s.clocks_of_case(id, later).await.expect("clocks"));
        assert_eq!(
            c.due.map(|d| d.to_string()).as_deref(),
            Some("2027-06-02"),
            "[{label}] {:?}",
            c.findings
        );
        db.cleanup().await.expect("cleanup");
    }
}
