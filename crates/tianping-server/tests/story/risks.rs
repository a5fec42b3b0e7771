//! Risk points over HTTP: in the third quarter 上城's cases show five signals — a judge changed
//! after the hearing, a 起诉状副本 served late, a 终本 with no property search, an extension
//! approved after the summary limit expired and that limit overdue; a 终本 after a search shows
//! none. The 审管办 reads them per court, post and person with each point's posts, level and
//! control, and the quarterly report names the person hit more than once and the rising points'
//! controls; the 政法委 sees them too, 西湖's office sees none of them, a judge has no page.

use crate::common::*;

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-10-30T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
}

const REASSIGNED: &str = "（2026）浙0102民初601号";
const BARE_ZHONGBEN: &str = "（2026）浙0102执61号";
const SEARCHED_ZHONGBEN: &str = "（2026）浙0102执62号";
const LATE_EXTENSION: &str = "（2026）浙0102民初602号";

fn at(day: &str) -> String {
    format!("{day}T10:00:00+08:00")
}

fn events() -> Vec<Value> {
    let judge = json!({"judge": "sc_judge-name"});
    let checklist = json!({"checklist": {
        "property_report_done": true, "consumption_restricted": true, "assets_investigated": true,
        "whereabouts_and_obstruction_handled": true, "applicant_interviewed": true,
        "applicant_confirmed_or_president_approved": true, "ruling_served": true
    }, "unpaid_amount_yuan": 200000});
    let mut v = vec![];
    let mut n = 0;
    let mut push = |number: &str, day: &str, kind: &str, body: Value| {
        n += 1;
        v.push(ev(&format!("r{n}"), number, &at(day), kind, body));
    };
    push(
        REASSIGNED,
        "2026-07-01",
        "filed",
        json!({"cause": "买卖合同纠纷"}),
    );
    push(REASSIGNED, "2026-07-02", "assigned", judge.clone());
    push(
        REASSIGNED,
        "2026-07-10",
        "served",
        json!({"document": "complaint_copy"}),
    );
    push(
        REASSIGNED,
        "2026-07-13",
        "hearing_scheduled",
        json!({"hearing_at": at("2026-07-20")}),
    );
    push(REASSIGNED, "2026-07-20", "hearing_held", json!({}));
    push(
        REASSIGNED,
        "2026-08-03",
        "assigned",
        json!({"judge": "王法官"}),
    );
    push(
        BARE_ZHONGBEN,
        "2026-04-01",
        "filed",
        json!({"cause": "借款合同纠纷执行"}),
    );
    push(BARE_ZHONGBEN, "2026-04-02", "assigned", judge.clone());
    push(
        BARE_ZHONGBEN,
        "2026-07-15",
        "execution_terminated",
        checklist.clone(),
    );
    push(
        SEARCHED_ZHONGBEN,
        "2026-04-01",
        "filed",
        json!({"cause": "借款合同纠纷执行"}),
    );
    push(SEARCHED_ZHONGBEN, "2026-04-02", "assigned", judge.clone());
    push(
        SEARCHED_ZHONGBEN,
        "2026-04-08",
        "property_searched",
        json!({"channel": "网络执行查控系统", "found": false}),
    );
    push(
        SEARCHED_ZHONGBEN,
        "2026-07-15",
        "execution_terminated",
        checklist,
    );
    // Summary procedure from 4 May: 3 months, due 4 August; the extension approved on the 20th.
    push(
        LATE_EXTENSION,
        "2026-05-04",
        "filed",
        json!({"cause": "民间借贷纠纷", "summary_procedure": true}),
    );
    push(LATE_EXTENSION, "2026-05-05", "assigned", judge);
    push(
        LATE_EXTENSION,
        "2026-05-06",
        "served",
        json!({"document": "complaint_copy"}),
    );
    push(
        LATE_EXTENSION,
        "2026-08-18",
        "extension_requested",
        json!({"amount": 1, "unit": "month", "reason": "案情复杂，需要延长审理期限"}),
    );
    push(
        LATE_EXTENSION,
        "2026-08-20",
        "extension_approved",
        json!({"approver": {"name": "sc_president-name", "role": "president"}, "amount": 1, "unit": "month"}),
    );
    v
}

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("sc_office", "sc-court", Role::CaseOffice),
        ("sc_judge", "sc-court", Role::Judge),
        ("xh_office", "xh-court", Role::CaseOffice),
        ("plc", "hz-plc", Role::PlcSupervisor),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    let r = s
        .ingest(
            &numbered(events()),
            &tianping_store::Actor::system("cms"),
            now(),
        )
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "[{label}] {:?}", r.rejected);
    let app = app(s, now());
    let office = Client::as_user(&app, "sc_office").await;
    let judge = Client::as_user(&app, "sc_judge").await;
    let xh = Client::as_user(&app, "xh_office").await;
    let plc = Client::as_user(&app, "plc").await;

    let r = office.get("/api/v1/risk-hits?quarter=2026Q3").await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    let items = r.json()["items"].as_array().cloned().unwrap_or_default();
    let mut got: Vec<(String, String, String)> = items
        .iter()
        .map(|i| {
            (
                i["case_number"].as_str().unwrap_or("").to_string(),
                i["signal"].as_str().unwrap_or("").to_string(),
                i["on"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String, String)> = [
        (REASSIGNED, "late_service", "2026-07-07"),
        (REASSIGNED, "reassigned_after_hearing", "2026-08-03"),
        (BARE_ZHONGBEN, "zhongben_without_search", "2026-07-15"),
        (LATE_EXTENSION, "extension_after_expiry", "2026-08-20"),
        (LATE_EXTENSION, "limit_overdue", "2026-08-05"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    want.sort();
    assert_eq!(got, want, "[{label}] {}", r.body);
    let e1 = items
        .iter()
        .find(|i| i["signal"] == "zhongben_without_search")
        .expect("E1");
    assert_eq!(e1["point"], "E1", "[{label}]");
    assert_eq!(e1["level"], "A", "[{label}]");
    assert_eq!(e1["posts"], "执行员、院庭长", "[{label}]");
    assert_eq!(e1["person"], "sc_judge-name", "[{label}]");

    // The page: per court, post and person; the list links each case.
    let r = office.get("/risks?quarter=2026Q3").await;
    assert_eq!(r.status, StatusCode::OK, "[{label}]");
    for needle in [
        "开庭后更换承办法官",
        "未穷尽财产调查即终结本次执行",
        "执行员",
        "sc_judge-name",
        SEARCHED_ZHONGBEN,
    ] {
        let present = r.body.contains(needle);
        assert_eq!(present, needle != SEARCHED_ZHONGBEN, "[{label}] {needle}");
    }
    // The report: the person hit more than once, the rising points with their controls.
    let r = office.get("/risks?view=report&quarter=2026Q3").await;
    assert!(
        r.body.contains("2026年第三季度执法司法风险点评估报告"),
        "[{label}]"
    );
    assert!(
        r.body.contains("id=\"report-persons\""),
        "[{label}] someone is hit twice"
    );
    assert!(
        r.body.contains("延长审限须在届满前报批"),
        "[{label}] the control of a rising point is advised"
    );
    // The catalogue: posts graded, every point with its control.
    let r = office.get("/risks?view=catalogue").await;
    assert!(
        r.body.contains("A级（行使办案权力）") && r.body.contains("档案管理岗"),
        "[{label}]"
    );
    // A quarter that does not parse is named.
    let r = office.get("/api/v1/risk-hits?quarter=秋天").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "[{label}]");
    assert_eq!(
        r.json()["error"]["details"]["field"],
        "quarter",
        "[{label}]"
    );

    // Who: the 政法委 sees the five; 西湖's office none; a judge has no page.
    assert_eq!(
        plc.get("/api/v1/risk-hits?quarter=2026Q3").await.json()["total"],
        5,
        "[{label}]"
    );
    assert_eq!(
        xh.get("/api/v1/risk-hits?quarter=2026Q3").await.json()["total"],
        0,
        "[{label}]"
    );
    assert_eq!(
        judge.get("/risks").await.status,
        StatusCode::FORBIDDEN,
        "[{label}]"
    );
    assert_eq!(
        judge.get("/api/v1/risk-hits").await.status,
        StatusCode::FORBIDDEN,
        "[{label}]"
    );
}

#[tokio::test]
async fn risk_points_are_found_counted_per_court_post_and_person_and_reported_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
