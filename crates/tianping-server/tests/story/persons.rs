//! 人员全流程 over HTTP: who may follow a person, what of the other agencies' files they see, and
//! that the identity number never shows whole.

use crate::common::*;
use tianping_store::{Actor, Numbered};

const ID: &str = "330102199003071230";

fn records() -> Vec<Numbered> {
    let party = |role: &str| json!([{ "name": "王强", "role": role, "id_number": ID }]);
    let lines = vec![
        ev(
            "p1",
            "浙公0102刑立字〔2026〕1号",
            "2026-03-01T09:00:00+08:00",
            "filed",
            json!({"case_kind": "police", "org_id": "sc-police", "cause": "盗窃罪", "parties": party("犯罪嫌疑人")}),
        ),
        ev(
            "p2",
            "浙公0102刑立字〔2026〕1号",
            "2026-03-01T20:00:00+08:00",
            "detained",
            json!({}),
        ),
        ev(
            "p3",
            "浙公0102刑立字〔2026〕1号",
            "2026-03-20T09:00:00+08:00",
            "closed",
            json!({"disposition": "transfer"}),
        ),
        ev(
            "c1",
            "（2026）浙0102刑初1号",
            "2026-03-21T09:00:00+08:00",
            "filed",
            json!({"cause": "盗窃罪", "in_custody": true, "parties": party("被告人")}),
        ),
        // A civil case naming the same person: not the police's business.
        ev(
            "m1",
            "（2026）浙0102民初1号",
            "2026-03-05T09:00:00+08:00",
            "filed",
            json!({"cause": "民间借贷纠纷", "parties": [{"name": "李四", "role": "原告"}, {"name": "王强", "role": "被告", "id_number": ID}]}),
        ),
        // A person named only by a civil case.
        ev(
            "m2",
            "（2026）浙0102民初2号",
            "2026-03-05T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷", "parties": [{"name": "赵六", "role": "被告", "id_number": "11010519491231002X"}]}),
        ),
    ];
    numbered(lines)
}

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(s, "officer", "sc-police", Role::Judge, Clearance::default()).await;
    add_user(s, "judge", "sc-court", Role::Judge, Clearance::default()).await;
    add_user(s, "xh_judge", "xh-court", Role::Judge, Clearance::default()).await;
    add_user(
        s,
        "prosecutor",
        "sc-proc",
        Role::DivisionChief,
        Clearance::default(),
    )
    .await;
    let now = Utc
        .with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
        .single()
        .expect("date");
    let r = s
        .ingest(&records(), &Actor::system("t"), now)
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "[{label}] {:?}", r.rejected);
    let app = app(s, now);
    let wang = s.person_by_id_number(ID).await.expect("ok").expect("ok");
    let zhao = s
        .person_by_id_number("11010519491231002X")
        .await
        .expect("ok")
        .expect("ok");

    // The police officer follows their suspect to the court, but not into the civil case.
    let officer = Client::as_user(&app, "officer").await;
    let p = officer.get(&format!("/api/v1/persons/{wang}")).await.json();
    assert_eq!(p["id_number"], "330102********1230", "[{label}]");
    assert_eq!(p["files"].as_array().expect("ok").len(), 1, "[{label}] {p}");
    assert_eq!(
        p["other_files"].as_array().expect("ok").len(),
        1,
        "[{label}] {p}"
    );
    assert_eq!(
        p["hidden_files"], 1,
        "[{label}] the civil case is only counted"
    );
    let stages: Vec<&str> = p["path"]["stages"]
        .as_array()
        .expect("ok")
        .iter()
        .map(|x| x["name"].as_str().expect("ok"))
        .collect();
    assert_eq!(stages, ["侦查", "一审"], "[{label}]");
    assert!(
        !p.to_string().contains(ID),
        "[{label}] the number never shows whole"
    );
    assert!(!p.to_string().contains("民间借贷"), "[{label}]");
    // Someone named only by a civil case is not the police's to look up.
    assert_eq!(
        officer.get(&format!("/api/v1/persons/{zhao}")).await.code(),
        "not_found",
        "[{label}]"
    );
    // The court's judge sees the civil case too (their own court's file) and the police custody.
    let judge = Client::as_user(&app, "judge").await;
    let p = judge.get(&format!("/api/v1/persons/{wang}")).await.json();
    assert_eq!(p["files"].as_array().expect("ok").len(), 2, "[{label}] {p}");
    assert!(
        p["path"]["custody_days"].as_i64().expect("ok") >= 31,
        "[{label}] {p}"
    );
    // Another district's judge reads none of the files: no person.
    let xh = Client::as_user(&app, "xh_judge").await;
    assert_eq!(
        xh.get(&format!("/api/v1/persons/{wang}")).await.code(),
        "not_found",
        "[{label}]"
    );
    // The procuratorate reads the police file (侦查监督) and follows the person from it.
    let pros = Client::as_user(&app, "prosecutor").await;
    let p = pros.get(&format!("/api/v1/persons/{wang}")).await.json();
    assert_eq!(p["files"].as_array().expect("ok").len(), 1, "[{label}] {p}");
    // The case page of a file links the person; the find form takes the number by POST only.
    let police_case = s
        .case_id_by_number("浙公0102刑立字〔2026〕1号")
        .await
        .expect("ok")
        .expect("ok");
    let page = officer.get(&format!("/cases/{police_case}")).await;
    assert!(page.body.contains(&format!("/persons/{wang}")), "[{label}]");
    assert!(!page.body.contains(ID), "[{label}]");
}

#[tokio::test]
async fn who_follows_a_person_and_what_they_see_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
