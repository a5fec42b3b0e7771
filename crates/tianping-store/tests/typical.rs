//! 典型案例 and 拒执 referrals under concurrency, on both stores: the court's and the
//! procuratorate's heads approve at the same moment — exactly one of the two writes releases the
//! case (published and in the judgment library once); the police file and decline the same
//! referral at once — one step is recorded, the other refused.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use tianping_domain::typical::{Proposal, Side, Stage};
use tianping_domain::{Clearance, EventRecord, Role};
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::user::NewUser;
use tianping_store::{Actor, Numbered};

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
        .unwrap()
        .with_timezone(&Utc)
}

const CASES: &str = r#"{"source":"t","source_event_id":"1","case_number":"（2026）浙0102执1号","occurred_at":"2026-03-03T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷执行"}
{"source":"t","source_event_id":"2","case_number":"（2026）浙0102执2号","occurred_at":"2026-03-03T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷执行"}
"#;

#[tokio::test]
async fn racing_approvals_of_both_sides_release_the_case_exactly_once_on_both_stores() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let t = bj("2026-11-10T10:00:00");
        let mut ids = vec![];
        for (name, org, role) in [
            ("proposer", "sc-court", Role::Judge),
            ("president", "sc-court", Role::President),
            ("head", "sc-proc", Role::DivisionChief),
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
        let records: Vec<Numbered> = CASES
            .lines()
            .enumerate()
            .map(|(i, l)| Numbered {
                line: i as u64 + 1,
                record: serde_json::from_str::<EventRecord>(l).unwrap(),
            })
            .collect();
        let r = s.ingest(&records, &Actor::system("t"), t).await.unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        let user = |i: usize| {
            let id = ids[i];
            async move { s.user_by_id(id).await.unwrap().unwrap() }
        };
        let (proposer, president, head) = (user(0).await, user(1).await, user(2).await);
        let p = Proposal {
            category: "voluntary_performance".into(),
            title: "自动履行案".into(),
            summary: "基本案情".into(),
            significance: "典型意义".into(),
            text: String::new(),
            charges: vec![],
        };
        for round in 0..5 {
            let number = format!("（2026）浙0102执{}号", 1 + round % 2);
            let case = s.case_id_by_number(&number).await.unwrap().unwrap();
            // One live proposal per case: return the previous one first.
            for old in s.typical_cases("/", 50).await.unwrap() {
                if old.case_id == case && old.published_at.is_none() && old.returned_at.is_none() {
                    s.return_typical(old.id, Side::Court, "重来", &president, t)
                        .await
                        .unwrap();
                }
            }
            let Ok(id) = s.propose_typical(case, &p, Side::Court, &proposer, t).await else {
                // Released in an earlier round: that case cannot be proposed again.
                continue;
            };
            let (a, b) = tokio::join!(
                s.approve_typical(id, Side::Court, &president, t),
                s.approve_typical(id, Side::Procuratorate, &head, t)
            );
            let stages = [a.unwrap(), b.unwrap()];
            assert_eq!(
                stages.iter().filter(|x| **x == Stage::Published).count(),
                1,
                "[{}] round {round}: {stages:?}",
                db.label
            );
            let row = s.typical_case(id).await.unwrap().unwrap();
            assert!(row.published_at.is_some() && row.judgment_id.is_some());
            // A return after the release finds nothing to return.
            assert!(
                s.return_typical(id, Side::Procuratorate, "晚了", &head, t)
                    .await
                    .is_err()
            );
        }
        let released = s.published_typical(50).await.unwrap();
        let (judgments, _) = s.judgments_page(None, 1, 50).await.unwrap();
        assert_eq!(
            judgments.iter().filter(|j| j.typical).count(),
            released.len(),
            "[{}] one library judgment per released case",
            db.label
        );
        db.cleanup().await.unwrap();
    }
}

#[tokio::test]
async fn racing_steps_of_a_referral_record_one_on_both_stores() {
    use tianping_domain::refusal::{Stage as R, Step};
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let t = bj("2026-11-10T10:00:00");
        let id = s
            .insert_user(
                &NewUser {
                    username: "officer".into(),
                    display_name: "officer".into(),
                    org_id: "sc-police".into(),
                    role: Role::CaseOffice,
                    clearance: Clearance::default(),
                    email: None,
                    password_hash: "x".into(),
                },
                t,
            )
            .await
            .unwrap();
        let officer = s.user_by_id(id).await.unwrap().unwrap();
        let records: Vec<Numbered> = CASES
            .lines()
            .enumerate()
            .map(|(i, l)| Numbered {
                line: i as u64 + 1,
                record: serde_json::from_str::<EventRecord>(l).unwrap(),
            })
            .collect();
        s.ingest(&records, &Actor::system("t"), t).await.unwrap();
        let case = s
            .case_id_by_number("（2026）浙0102执1号")
            .await
            .unwrap()
            .unwrap();
        let day = "2026-11-09".parse().unwrap();
        for _ in 0..5 {
            let r = s
                .refer_refusal(
                    &tianping_store::refusal::NewReferral {
                        case_id: case,
                        police_org_id: "sc-police",
                        debtor: "钱某",
                        facts: "隐瞒财产并低价转让车辆，拒不履行生效判决",
                        referred_on: day,
                    },
                    &officer,
                    t,
                )
                .await
                .unwrap();
            let (a, b) = tokio::join!(
                s.record_refusal_step(
                    r,
                    Step::File,
                    day,
                    "",
                    &officer,
                    "sc-police",
                    R::Referred,
                    t
                ),
                s.record_refusal_step(
                    r,
                    Step::Decline,
                    day,
                    "证据不足",
                    &officer,
                    "sc-police",
                    R::Referred,
                    t
                )
            );
            assert_eq!(
                usize::from(a.is_ok()) + usize::from(b.is_ok()),
                1,
                "[{}] {a:?} {b:?}",
                db.label
            );
            assert_eq!(s.refusal_steps(r).await.unwrap().len(), 1);
        }
        db.cleanup().await.unwrap();
    }
}
