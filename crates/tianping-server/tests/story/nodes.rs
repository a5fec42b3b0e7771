//! Process nodes over HTTP: 上城's cases pass their nodes — one serves the 起诉状副本 four days
//! late, one has not served it at all, one has not served its judgment, an execution case is
//! still not archived three months after closing. The 审管办 sees the late and the overdue nodes
//! (page, API, 待办) with each standard's source, and the median time per node; the judge is not
//! told of the late service (silent watch), only of the archive the flow tells judges of, and
//! does not open the list; 西湖's office does not see 上城's nodes; the 政法委 does.

use crate::common::*;

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-10-30T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
}

const LATE_SERVICE: &str = "（2026）浙0102民初501号";
const UNSERVED: &str = "（2026）浙0102民初502号";
const ON_TIME: &str = "（2026）浙0102民初503号";
const UNARCHIVED: &str = "（2026）浙0102执88号";

fn at(day: &str) -> String {
    format!("{day}T09:00:00+08:00")
}

fn events() -> Vec<Value> {
    let judge = json!({"judge": "sc_judge-name"});
    let filed = json!({"cause": "民间借贷纠纷", "parties": [{"name": "孙某", "role": "原告"}]});
    let mut v = vec![];
    let mut n = 0;
    let mut push = |number: &str, day: &str, kind: &str, body: Value| {
        n += 1;
        v.push(ev(&format!("n{n}"), number, &at(day), kind, body));
    };
    // Filed Tuesday 1 September; the 起诉状副本 is due within 5 days (the 6th), served the 10th.
    push(LATE_SERVICE, "2026-09-01", "filed", filed.clone());
    push(LATE_SERVICE, "2026-09-02", "assigned", judge.clone());
    push(
        LATE_SERVICE,
        "2026-09-10",
        "served",
        json!({"document": "complaint_copy"}),
    );
    push(
        LATE_SERVICE,
        "2026-09-15",
        "hearing_scheduled",
        json!({"hearing_at": at("2026-10-09")}),
    );
    push(LATE_SERVICE, "2026-10-09", "hearing_held", json!({}));
    // Judged on 9 October: the judgment is due to be served by the 19th; it is not.
    push(
        LATE_SERVICE,
        "2026-10-09",
        "closed",
        json!({"disposition": "judgment"}),
    );
    // Filed on the 20th, not served by the 25th.
    push(UNSERVED, "2026-10-20", "filed", filed.clone());
    push(UNSERVED, "2026-10-21", "assigned", judge.clone());
    // Served in two days.
    push(ON_TIME, "2026-09-01", "filed", filed.clone());
    push(ON_TIME, "2026-09-02", "assigned", judge.clone());
    push(
        ON_TIME,
        "2026-09-03",
        "served",
        json!({"document": "complaint_copy"}),
    );
    push(
        ON_TIME,
        "2026-09-04",
        "hearing_scheduled",
        json!({"hearing_at": at("2026-11-20")}),
    );
    // An execution case closed on 1 June: to be archived by 30 August.
    push(
        UNARCHIVED,
        "2026-05-06",
        "filed",
        json!({"cause": "借款合同纠纷执行"}),
    );
    push(UNARCHIVED, "2026-05-07", "assigned", judge);
    push(UNARCHIVED, "2026-05-08", "execution_notice_sent", json!({}));
    push(
        UNARCHIVED,
        "2026-05-12",
        "property_searched",
        json!({"channel": "网络查控", "found": true}),
    );
    push(
        UNARCHIVED,
        "2026-05-30",
        "property_disposed",
        json!({"method": "auction", "amount_yuan": 380000}),
    );
    push(
        UNARCHIVED,
        "2026-06-01",
        "closed",
        json!({"disposition": "execution_completed"}),
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

    // The overdue list: the unserved complaint (5 days over), the unserved judgment (11 days),
    // the archive (61 days); not the late service, which was done.
    let r = office.get("/nodes").await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    for n in [UNSERVED, LATE_SERVICE, UNARCHIVED] {
        assert!(r.body.contains(n), "[{label}] {n} missing");
    }
    assert!(!r.body.contains(ON_TIME), "[{label}]");
    assert!(
        r.body
            .contains("《中华人民共和国民事诉讼法》第一百五十一条")
            && r.body.contains("宣判（结案）后 10 日内"),
        "[{label}] the standard and its source are shown"
    );
    let api = office.get("/api/v1/process-nodes").await;
    assert_eq!(api.status, StatusCode::OK, "[{label}] {}", api.body);
    let items = api.json()["items"].as_array().cloned().unwrap_or_default();
    let find = |items: &[Value], number: &str, node: &str| {
        items
            .iter()
            .find(|i| i["case_number"] == number && i["node"] == node)
            .cloned()
    };
    let unserved = find(&items, UNSERVED, "complaint_served").expect("unserved");
    assert_eq!(unserved["due"], "2026-10-25", "[{label}]");
    assert_eq!(unserved["days_over"], 5, "[{label}]");
    assert_eq!(unserved["standing"], "已超时", "[{label}]");
    let judgment = find(&items, LATE_SERVICE, "judgment_served").expect("judgment");
    assert_eq!(judgment["days_over"], 11, "[{label}]");
    let archive = find(&items, UNARCHIVED, "archived").expect("archive");
    assert_eq!(archive["due"], "2026-08-30", "[{label}]");
    assert_eq!(api.json()["total"], 3, "[{label}] {}", api.body);
    assert_eq!(api.json()["total_exact"], true, "[{label}] {}", api.body);

    // Reached late: the service of 501, 4 days over, with when it was done.
    let late = office.get("/api/v1/process-nodes?view=late").await;
    let items = late.json()["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "[{label}] {}", late.body);
    let l = find(&items, LATE_SERVICE, "complaint_served").expect("late service");
    assert_eq!(l["due"], "2026-09-06", "[{label}]");
    assert_eq!(l["done"], "2026-09-10", "[{label}]");
    assert_eq!(l["days_over"], 4, "[{label}]");
    let page = office.get("/nodes?view=late").await;
    assert!(
        page.body.contains(LATE_SERVICE) && page.body.contains("2026-09-10"),
        "[{label}]"
    );

    // Filters: by node; a node that does not exist is named in the error.
    let r = office.get("/api/v1/process-nodes?node=archived").await;
    assert_eq!(r.json()["total"], 1, "[{label}] {}", r.body);
    let r = office.get("/api/v1/process-nodes?node=lunch").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "[{label}]");
    assert_eq!(
        r.json()["error"]["details"]["field"],
        "node",
        "[{label}] {}",
        r.body
    );
    assert!(r.body.contains("lunch"), "[{label}]");

    // The medians: 2 and 9 days to serve the complaint, median 2 (the lower middle), one late.
    let medians = s
        .node_medians("/33/3301/330102/", now() - chrono::Duration::days(365))
        .await
        .expect("medians");
    let m = medians
        .iter()
        .find(|m| m.org_id == "sc-court" && m.mark.as_str() == "complaint_served")
        .expect("complaint median");
    assert_eq!((m.count, m.median_days, m.late), (2, 2, 1), "[{label}]");
    let r = office.get("/nodes?view=medians").await;
    assert!(
        r.body.contains("送达起诉状副本") && r.body.contains("50.0%"),
        "[{label}] {}",
        r.body
    );

    // The office's 待办 lists the overdue nodes.
    let todo = office.get("/todo").await;
    assert!(
        todo.body.contains("流程节点已超时") && todo.body.contains(UNSERVED),
        "[{label}]"
    );

    // The judge: not told of the services (silent), told of the archive; no list.
    let todo = judge.get("/todo").await;
    assert!(
        todo.body.contains(UNARCHIVED),
        "[{label}] the archive is the judge's"
    );
    assert!(
        !todo.body.contains(UNSERVED) && !todo.body.contains(LATE_SERVICE),
        "[{label}] the judge is not told of late services"
    );
    assert_eq!(
        judge.get("/nodes").await.status,
        StatusCode::FORBIDDEN,
        "[{label}]"
    );
    assert_eq!(
        judge.get("/api/v1/process-nodes").await.status,
        StatusCode::FORBIDDEN,
        "[{label}]"
    );

    // The case page: the office sees every node with its standing; the judge only the archive.
    let id = s
        .case_id_by_number(LATE_SERVICE)
        .await
        .expect("lookup")
        .expect("case");
    let r = office.get(&format!("/cases/{id}")).await;
    assert!(
        r.body.contains("流程节点（民事一审）") && r.body.contains("超时完成"),
        "[{label}]"
    );
    let r = judge.get(&format!("/cases/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "[{label}]");
    assert!(
        r.body.contains("归档") && !r.body.contains("送达起诉状副本"),
        "[{label}]"
    );

    // Another court's office sees none of 上城's nodes; the 政法委 sees them.
    let r = xh.get("/nodes").await;
    assert_eq!(r.status, StatusCode::OK, "[{label}]");
    assert!(!r.body.contains(UNSERVED), "[{label}]");
    let r = plc.get("/api/v1/process-nodes").await;
    assert_eq!(r.json()["total"], 3, "[{label}] {}", r.body);

    // Serving the judgment late moves it from the overdue list to the late one.
    let more = vec![ev(
        "n99",
        LATE_SERVICE,
        &at("2026-10-29"),
        "served",
        json!({"document": "judgment"}),
    )];
    let r = s
        .ingest(
            &numbered(more),
            &tianping_store::Actor::system("cms"),
            now(),
        )
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "[{label}] {:?}", r.rejected);
    let r = office.get("/api/v1/process-nodes").await;
    assert_eq!(r.json()["total"], 2, "[{label}] {}", r.body);
    let r = office.get("/api/v1/process-nodes?view=late").await;
    let items = r.json()["items"].as_array().cloned().unwrap_or_default();
    let j = find(&items, LATE_SERVICE, "judgment_served").expect("served late");
    assert_eq!(j["days_over"], 10, "[{label}]");
}

#[tokio::test]
async fn late_nodes_reach_the_case_office_silently_with_their_standards_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
