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
            scope: Some((
                Role::Judge,
                OrgScope {
                    kind: tianping_domain::AgencyKind::Court,
                    region_path: "/33/3301/330106/".into(),
                },
            )),
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
