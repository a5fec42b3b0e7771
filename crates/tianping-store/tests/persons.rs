//! One person across three agencies, on both stores: the police's, the procuratorate's and the
//! court's files linked by the 公民身份号码, the custody path with a gap at a handover, and the
//! 刑期折抵 worked by hand (see tianping_domain::person's tests for the arithmetic).

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, NaiveDate, Utc};
use tianping_domain::EventRecord;
use tianping_domain::person::{Hold, path};
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::{Actor, Numbered};

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
        .unwrap()
        .with_timezone(&Utc)
}

fn records(jsonl: &str) -> Vec<Numbered> {
    jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| Numbered {
            line: i as u64 + 1,
            record: serde_json::from_str::<EventRecord>(l).unwrap_or_else(|e| panic!("{l}: {e}")),
        })
        .collect()
}

const PATH: &str = r#"{"source":"p","source_event_id":"1","case_number":"浙公0102刑立字〔2025〕7号","occurred_at":"2025-03-01T09:00:00+08:00","kind":"filed","case_kind":"police","org_id":"sc-police","cause":"盗窃罪","charges":["盗窃罪"],"parties":[{"name":"王强","role":"犯罪嫌疑人","id_number":"330102199003071230"}]}
{"source":"p","source_event_id":"2","case_number":"浙公0102刑立字〔2025〕7号","occurred_at":"2025-03-01T09:00:00+08:00","kind":"summoned"}
{"source":"p","source_event_id":"3","case_number":"浙公0102刑立字〔2025〕7号","occurred_at":"2025-03-01T20:00:00+08:00","kind":"detained"}
{"source":"p","source_event_id":"4","case_number":"浙公0102刑立字〔2025〕7号","occurred_at":"2025-03-04T09:00:00+08:00","kind":"arrest_requested"}
{"source":"p","source_event_id":"5","case_number":"浙公0102刑立字〔2025〕7号","occurred_at":"2025-03-10T09:00:00+08:00","kind":"arrest_approved","approver":{"name":"钱检察长","role":"president","org":{"id":"sc-proc"}}}
{"source":"p","source_event_id":"6","case_number":"浙公0102刑立字〔2025〕7号","occurred_at":"2025-05-09T09:00:00+08:00","kind":"closed","disposition":"transfer"}
{"source":"q","source_event_id":"1","case_number":"浙检0102刑诉〔2025〕7号","occurred_at":"2025-05-12T09:00:00+08:00","kind":"filed","case_kind":"prosecution","org_id":"sc-proc","cause":"盗窃罪","in_custody":true,"parties":[{"name":"王强","role":"犯罪嫌疑人","id_number":"330102199003071230"}]}
{"source":"q","source_event_id":"2","case_number":"浙检0102刑诉〔2025〕7号","occurred_at":"2025-05-12T09:00:00+08:00","kind":"prosecution_review_started"}
{"source":"q","source_event_id":"3","case_number":"浙检0102刑诉〔2025〕7号","occurred_at":"2025-06-05T09:00:00+08:00","kind":"indicted"}
{"source":"c","source_event_id":"1","case_number":"（2025）浙0102刑初7号","occurred_at":"2025-06-06T09:00:00+08:00","kind":"filed","cause":"盗窃罪","in_custody":true,"parties":[{"name":"王小强","role":"被告人","id_number":"330102199003071230"}]}
{"source":"c","source_event_id":"2","case_number":"（2025）浙0102刑初7号","occurred_at":"2025-08-15T09:00:00+08:00","kind":"closed","disposition":"judgment","sentence_months":24,"penalty":"fixed_term"}
{"source":"c","source_event_id":"3","case_number":"（2025）浙0102刑初8号","occurred_at":"2025-06-06T09:00:00+08:00","kind":"filed","cause":"诈骗罪","parties":[{"name":"李四","role":"被告人","id_number":"330102199003071231"}]}
"#;

#[tokio::test]
async fn a_persons_path_through_three_agencies_on_both_stores() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let r = s
            .ingest(
                &records(PATH),
                &Actor::system("t"),
                bj("2025-09-01T10:00:00"),
            )
            .await
            .unwrap();
        // A wrong check character is refused with the field named; nothing else is lost.
        assert_eq!(r.rejected.len(), 1, "{:?}", r.rejected);
        assert_eq!(r.rejected[0].line, 12);
        assert_eq!(r.rejected[0].code, "id_number_invalid");
        assert_eq!(r.rejected[0].field, "parties[0].id_number");
        assert!(
            r.rejected[0].reason.contains("校验码应为 0"),
            "{:?}",
            r.rejected[0]
        );
        // A lower-case x or spaces would have been normalised; this one is as given.
        let person = s
            .person_by_id_number("330102199003071230")
            .await
            .unwrap()
            .unwrap();
        let files = s.person_files(person).await.unwrap();
        let numbers: Vec<&str> = files.iter().map(|f| f.row.case_number.as_str()).collect();
        assert_eq!(
            numbers,
            [
                "浙公0102刑立字〔2025〕7号",
                "浙检0102刑诉〔2025〕7号",
                "（2025）浙0102刑初7号"
            ]
        );
        // The court's file gives another name: an alias of the same person.
        assert_eq!(files[2].name, "王小强");
        let case = s
            .case_id_by_number("（2025）浙0102刑初7号")
            .await
            .unwrap()
            .unwrap();
        let linked = s.persons_of_case(case).await.unwrap();
        assert_eq!(
            linked,
            vec![(person, "王小强".to_string(), "被告人".to_string())]
        );
        let tracks: Vec<_> = files.into_iter().map(|f| f.track).collect();
        let p = path(&tracks, bj("2025-09-01T10:00:00"));
        let holds: Vec<Hold> = p.spells.iter().map(|x| x.hold).collect();
        assert_eq!(
            holds,
            [
                Hold::Summons,
                Hold::Detention,
                Hold::Arrest,
                Hold::Held,
                Hold::Held
            ]
        );
        // Police transfer 05-09 → procuratorate filing 05-12: held 72 hours with no file.
        assert_eq!(p.gaps.len(), 1);
        assert_eq!(p.gaps[0].hours, 72);
        assert_eq!(p.custody_days, 185);
        let c = p.credit.unwrap();
        assert_eq!(c.custody_days, 168);
        assert_eq!(c.end, NaiveDate::from_ymd_opt(2027, 2, 28).unwrap());
        db.cleanup().await.unwrap();
    }
}
