//! Deputies' cases under concurrency and failure, on both stores: two courts' staff give the same
//! 终本 case to two deputies at once — one assignment is written; two results for one assignment
//! at once — one is written, and the case leaves the 终本 database once; a result whose case event
//! is refused (the case already left the database) writes nothing.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use tianping_domain::deputies::{Level, Outcome, result_event};
use tianping_domain::event::ZhongbenExit;
use tianping_domain::{Clearance, EventRecord, Role};
use tianping_store::deputies::{NewAssignment, NewDeputy};
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::user::NewUser;
use tianping_store::{Actor, Numbered};

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
        .unwrap()
        .with_timezone(&Utc)
}

const CHECKLIST: &str = r#""checklist":{"property_report_done":true,"consumption_restricted":true,"assets_investigated":true,"whereabouts_and_obstruction_handled":true,"applicant_interviewed":true,"applicant_confirmed_or_president_approved":true,"ruling_served":true}"#;

fn cases() -> Vec<Numbered> {
    let mut lines = vec![];
    for n in 1..=2 {
        lines.push(format!(r#"{{"source":"t","source_event_id":"f{n}","case_number":"（2025）浙0102执{n}号","occurred_at":"2025-03-03T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷执行"}}"#));
        lines.push(format!(r#"{{"source":"t","source_event_id":"z{n}","case_number":"（2025）浙0102执{n}号","occurred_at":"2025-08-03T09:00:00+08:00","kind":"execution_terminated",{CHECKLIST}}}"#));
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| Numbered {
            line: i as u64 + 1,
            record: serde_json::from_str::<EventRecord>(l).unwrap(),
        })
        .collect()
}

#[tokio::test]
async fn racing_assignments_and_results_write_once_and_a_refused_event_writes_nothing_on_both_stores()
 {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let t = bj("2026-11-10T10:00:00");
        let mut ids = vec![];
        for (name, org, role) in [
            ("judge", "sc-court", Role::Judge),
            ("office", "sc-court", Role::CaseOffice),
            ("pc", "hz-pc", Role::PcSupervisor),
        ] {
            ids.push(
                s.insert_user(
                    &NewUser {
                        username: name.into(),
                        display_name: name.into(),
                        org_id: org.into(),
                        role,
                        clearance: Clearance::default(),
                        email: None,
                        password_hash: "x".into(),
                    },
                    t,
                )
                .await
                .unwrap(),
            );
        }
        let r = s.ingest(&cases(), &Actor::system("t"), t).await.unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        let judge = s.user_by_id(ids[0]).await.unwrap().unwrap();
        let office = s.user_by_id(ids[1]).await.unwrap().unwrap();
        let pc = s.user_by_id(ids[2]).await.unwrap().unwrap();
        let congress = s.org("hz-pc").await.unwrap().unwrap();
        let mut deputies = vec![];
        for name in ["褚建华", "卫国强"] {
            deputies.push(
                s.register_deputy(
                    &NewDeputy {
                        name,
                        level: Level::City,
                        constituency: "上城区第1选区",
                        township: "湖滨街道",
                        liaison_station: "",
                        user_id: None,
                    },
                    &congress,
                    &pc,
                    t,
                )
                .await
                .unwrap(),
            );
        }
        let case = s
            .case_id_by_number("（2025）浙0102执1号")
            .await
            .unwrap()
            .unwrap();
        let assign = |deputy: i64| NewAssignment {
            case_id: case,
            deputy_id: deputy,
            debtor: "钱某",
            township: "湖滨街道",
            note: "请协助促成和解",
            assigned_on: "2026-11-01".parse().unwrap(),
        };
        let (a, b) = (assign(deputies[0]), assign(deputies[1]));
        let (x, y) = tokio::join!(
            s.assign_deputy(&a, &judge, t),
            s.assign_deputy(&b, &office, t)
        );
        assert_eq!(
            usize::from(x.is_ok()) + usize::from(y.is_ok()),
            1,
            "{}: one of two racing assignments: {x:?} {y:?}",
            db.label
        );
        let id = x.or(y).unwrap();
        let row = s.deputy_assignment(id).await.unwrap().unwrap();
        s.log_deputy_action(
            id,
            tianping_domain::deputies::Action::Mediation,
            "2026-11-05".parse().unwrap(),
            "组织双方协商",
            &judge,
            t,
        )
        .await
        .unwrap();
        let row_after = s.deputy_assignment(id).await.unwrap().unwrap();
        assert_eq!((row.actions, row_after.actions), (0, 1));

        // Two results at once: one row, one event; the case left the database once.
        let settled = Outcome::Left(ZhongbenExit::Settled);
        let performed = Outcome::Left(ZhongbenExit::Performed);
        let on = "2026-11-08".parse().unwrap();
        let actor = Actor::system("t");
        let (x, y) = tokio::join!(
            s.record_deputy_result(
                &row_after,
                settled,
                on,
                "",
                result_event(settled, true),
                &actor,
                &judge,
                "sc-court",
                t
            ),
            s.record_deputy_result(
                &row_after,
                performed,
                on,
                "",
                result_event(performed, true),
                &actor,
                &office,
                "sc-court",
                t
            )
        );
        assert_eq!(
            usize::from(x.is_ok()) + usize::from(y.is_ok()),
            1,
            "{}: one of two racing results: {x:?} {y:?}",
            db.label
        );
        let events = s.events_of_case(case).await.unwrap();
        assert_eq!(
            events
                .iter()
                .filter(|e| e.kind == "zhongben_cleared")
                .count(),
            1,
            "{}",
            db.label
        );
        let done = s.deputy_assignment(id).await.unwrap().unwrap();
        assert!(!done.is_open());

        // A new assignment of the same case (its round 2) — but the case has left the 终本
        // database: a result that would clear it again is refused with the event, and no result
        // row is written.
        let again = s.assign_deputy(&a, &judge, t).await.unwrap();
        let again = s.deputy_assignment(again).await.unwrap().unwrap();
        let r = s
            .record_deputy_result(
                &again,
                settled,
                on,
                "",
                result_event(settled, false),
                &actor,
                &judge,
                "sc-court",
                t,
            )
            .await;
        assert!(r.is_err(), "{}: {r:?}", db.label);
        assert!(
            s.deputy_assignment(again.id)
                .await
                .unwrap()
                .unwrap()
                .is_open(),
            "{}: nothing written",
            db.label
        );
        db.cleanup().await.unwrap();
    }
}
