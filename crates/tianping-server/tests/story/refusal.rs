//! 拒执 referrals over HTTP: the execution judge refers a debtor to the district police (a civil
//! case, thin facts, a future date and a police force without jurisdiction refused, each named),
//! the police have it in 待办 and file it (the court may not, nor may the police prosecute), the
//! procuratorate declines to prosecute only with reasons, the court records the applicant's
//! private prosecution; a referral the police sat on is overdue and, after sixty days, open to a
//! private prosecution.

use crate::common::*;

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-10T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
}

const EXEC: &str = "（2026）浙0102执200号";
const OLD_EXEC: &str = "（2026）浙0102执201号";
const CIVIL: &str = "（2026）浙0102民初50号";
const FACTS: &str = "被执行人钱某在判决生效后，将名下车辆以明显低价转让给亲属，隐瞒收入，拒不履行给付货款38万元的义务。";

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("sc_judge", "sc-court", Role::Judge),
        ("sc_police", "sc-police", Role::CaseOffice),
        ("sc_proc", "sc-proc", Role::CaseOffice),
        ("xh_judge", "xh-court", Role::Judge),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    let events = vec![
        ev(
            "r1",
            EXEC,
            "2026-09-02T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷执行"}),
        ),
        ev(
            "r2",
            OLD_EXEC,
            "2026-06-02T09:00:00+08:00",
            "filed",
            json!({"cause": "民间借贷纠纷执行"}),
        ),
        ev(
            "r3",
            CIVIL,
            "2026-06-02T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷"}),
        ),
    ];
    let r = s
        .ingest(
            &numbered(events),
            &tianping_store::Actor::system("cms"),
            now(),
        )
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    let app = app(s, now());
    let judge = Client::as_user(&app, "sc_judge").await;
    let police = Client::as_user(&app, "sc_police").await;
    let proc = Client::as_user(&app, "sc_proc").await;
    let xh = Client::as_user(&app, "xh_judge").await;
    let page = judge.get("/refusals").await;
    assert_eq!(page.status, StatusCode::OK, "[{label}]");
    assert!(page.body.contains("id=\"refer-form\""), "[{label}]");
    assert!(
        !police
            .get("/refusals")
            .await
            .body
            .contains("id=\"refer-form\""),
        "[{label}] only a court refers"
    );

    let refer =
        |case: &'static str, police: &'static str, facts: &'static str, on: &'static str| {
            vec![
                ("case_number", case),
                ("debtor", "钱某"),
                ("police", police),
                ("facts", facts),
                ("referred_on", on),
            ]
        };
    // Refused, each next to its field.
    let r = post_form(
        &judge,
        "/refusals",
        &refer(CIVIL, "sc-police", FACTS, "2026-11-09"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("不是执行案件"), "[{label}] {}", r.body);
    let r = post_form(
        &judge,
        "/refusals",
        &refer(EXEC, "sc-police", "拒不履行", "2026-11-20"),
    )
    .await;
    assert!(
        r.body.contains("至少 20 字") && r.body.contains("不能晚于今天"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(
        &judge,
        "/refusals",
        &refer(EXEC, "xh-police", FACTS, "2026-11-09"),
    )
    .await;
    assert!(
        r.body.contains("有管辖权的公安机关"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(
        &xh,
        "/refusals",
        &refer(EXEC, "sc-police", FACTS, "2026-11-09"),
    )
    .await;
    assert!(r.body.contains("只能移送本院"), "[{label}] {}", r.body);

    // Referred on Monday 9 November: the police decide by the 12th.
    let r = post_form(
        &judge,
        "/refusals",
        &refer(EXEC, "sc-police", FACTS, "2026-11-09"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let url = r
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_string();
    let page = judge.get(&url).await;
    assert!(
        page.body.contains("2026-11-12 前决定是否立案") && page.body.contains("待公安机关决定"),
        "[{label}] {}",
        page.body
    );
    assert!(
        !page.body.contains("id=\"step-form\""),
        "[{label}] the court does not decide for the police, nor record a private prosecution yet"
    );
    let r = post_form(
        &judge,
        &format!("{url}/steps"),
        &[("step", "self_prosecution"), ("on", "2026-11-10")],
    )
    .await;
    assert!(r.body.contains("方可登记自诉"), "[{label}] {}", r.body);
    let todo = police.get("/api/v1/me/todo").await;
    assert!(
        todo.body.contains("decide_refusal"),
        "[{label}] {}",
        todo.body
    );
    // Only the police file; not before the referral; the court may not.
    let steps = format!("{url}/steps");
    let r = post_form(&judge, &steps, &[("step", "file"), ("on", "2026-11-10")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}]");
    let r = post_form(
        &police,
        &steps,
        &[("step", "prosecute"), ("on", "2026-11-10")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}]");
    let r = post_form(&police, &steps, &[("step", "file"), ("on", "2026-11-01")]).await;
    assert!(r.body.contains("不能早于上一环节"), "[{label}] {}", r.body);
    let r = post_form(&police, &steps, &[("step", "file"), ("on", "2026-11-10")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    assert!(
        !police
            .get("/api/v1/me/todo")
            .await
            .body
            .contains("decide_refusal"),
        "[{label}] decided"
    );
    let r = post_form(&police, &steps, &[("step", "file"), ("on", "2026-11-10")]).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "[{label}] filed already"
    );
    assert!(
        r.body.contains("不能登记“立案侦查”"),
        "[{label}] {}",
        r.body
    );
    // The procuratorate declines to prosecute only with its reasons.
    let r = post_form(
        &proc,
        &steps,
        &[("step", "not_prosecute"), ("on", "2026-11-10")],
    )
    .await;
    assert!(r.body.contains("须写明理由"), "[{label}] {}", r.body);
    let r = post_form(
        &proc,
        &steps,
        &[
            ("step", "not_prosecute"),
            ("on", "2026-11-10"),
            ("note", "情节显著轻微，已全部履行"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let page = judge.get(&url).await;
    assert!(
        page.body.contains("检察机关不起诉")
            && page.body.contains("情节显著轻微")
            && page.body.contains("申请执行人可依法提起自诉"),
        "[{label}] {}",
        page.body
    );
    // The court records the applicant's private prosecution: the referral's outcome.
    let r = post_form(
        &judge,
        &steps,
        &[("step", "self_prosecution"), ("on", "2026-11-10")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let api = judge.get("/api/v1/refusal-referrals").await;
    assert_eq!(
        api.json()["referrals"][0]["stage"],
        "self_prosecution",
        "[{label}]"
    );

    // A referral the police sat on: overdue, and after sixty days open to a private prosecution.
    let r = post_form(
        &judge,
        "/refusals",
        &refer(OLD_EXEC, "sc-police", FACTS, "2026-09-01"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let old = r
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_string();
    let page = proc.get(&old).await;
    assert!(
        page.body.contains("已逾期") && page.body.contains("60 日未获书面答复"),
        "[{label}] {}",
        page.body
    );
    let api = police.get("/api/v1/refusal-referrals").await;
    let list = api.json()["referrals"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        list.iter()
            .any(|x| x["decision_overdue"] == json!(true) && x["decide_by"] == "2026-09-04"),
        "[{label}] {}",
        api.body
    );
    // Seventy days without an answer: the court records the applicant's private prosecution.
    let r = post_form(
        &judge,
        &format!("{old}/steps"),
        &[("step", "self_prosecution"), ("on", "2026-11-10")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    assert!(
        judge.get(&old).await.body.contains("申请执行人已提起自诉"),
        "[{label}]"
    );
    // Another court's staff do not see 上城's referrals.
    assert_eq!(xh.get(&url).await.status, StatusCode::NOT_FOUND);
    let rep = s
        .verify_ledger(&tianping_store::ledger::VerifyOptions {
            key: None,
            origin: ORIGIN,
            records: true,
            witnesses: &[],
            witness_keys: &[],
        })
        .await
        .expect("verify");
    assert!(rep.ok(), "[{label}] {:?}", rep.findings);
}

#[tokio::test]
async fn a_refusal_to_execute_is_referred_and_followed_to_its_outcome_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
