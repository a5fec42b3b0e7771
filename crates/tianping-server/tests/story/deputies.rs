//! Deputies at work over HTTP: the 人大 registers a deputy with their login; the intermediate
//! court opens a city campaign; 上城's execution judge gives a 终本 case to the deputy (a pending
//! case, a case of another court and a second deputy at once refused, each named); the deputy
//! logs a visit and a mediation (a date before the assignment refused; another deputy and the
//! court may not log); the deputy may not record a result; the court records 和解 — the case
//! leaves the 终本 database as an event on the case, and the campaign board moves by one, with the
//! deputies' share, the township, the court line and the quality metrics agreeing; 西湖's judge
//! sees none of it.

use crate::common::*;

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-10T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
}

const ZB: &str = "（2025）浙0102执300号";
const ZB_XH: &str = "（2025）浙0106执301号";
const PENDING: &str = "（2026）浙0102执302号";

fn terminated(id: &str, number: &str, at: &str) -> Value {
    ev(
        id,
        number,
        at,
        "execution_terminated",
        json!({"checklist": {"property_report_done": true, "consumption_restricted": true, "assets_investigated": true,
            "whereabouts_and_obstruction_handled": true, "applicant_interviewed": true,
            "applicant_confirmed_or_president_approved": true, "ruling_served": true}}),
    )
}

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("pc", "hz-pc", Role::PcSupervisor),
        ("dep", "hz-pc", Role::Deputy),
        ("dep2", "hz-pc", Role::Deputy),
        ("hz_office", "hz-court", Role::CaseOffice),
        ("sc_judge", "sc-court", Role::Judge),
        ("xh_judge", "xh-court", Role::Judge),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    let events = vec![
        ev(
            "d1",
            ZB,
            "2025-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "民间借贷纠纷执行"}),
        ),
        terminated("d2", ZB, "2025-08-20T09:00:00+08:00"),
        ev(
            "d3",
            ZB_XH,
            "2025-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷执行"}),
        ),
        terminated("d4", ZB_XH, "2025-08-20T09:00:00+08:00"),
        ev(
            "d5",
            PENDING,
            "2026-09-02T09:00:00+08:00",
            "filed",
            json!({"cause": "劳务合同纠纷执行"}),
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
    assert!(r.rejected.is_empty(), "[{label}] {:?}", r.rejected);
    let app = app(s, now());
    let pc = Client::as_user(&app, "pc").await;
    let dep = Client::as_user(&app, "dep").await;
    let dep2 = Client::as_user(&app, "dep2").await;
    let office = Client::as_user(&app, "hz_office").await;
    let judge = Client::as_user(&app, "sc_judge").await;
    let xh = Client::as_user(&app, "xh_judge").await;

    // The registry: the 人大 keeps it; a login must be a deputy's of its region.
    let deputy = |name: &'static str, user: &'static str| {
        vec![
            ("name", name),
            ("level", "city"),
            ("constituency", "上城区第3选区"),
            ("township", "湖滨街道"),
            ("liaison_station", "湖滨街道人大代表联络站"),
            ("username", user),
        ]
    };
    let r = post_form(&pc, "/deputies", &deputy("褚建华", "sc_judge")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(
        r.body.contains("不是本辖区人大的代表账号"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(&pc, "/deputies", &[("name", ""), ("level", "city")]).await;
    assert!(
        r.body.contains("请填写姓名") && r.body.contains("请填写乡镇（街道）"),
        "[{label}] {}",
        r.body
    );
    for (name, user) in [("褚建华", "dep"), ("卫国强", "dep2")] {
        let r = post_form(&pc, "/deputies", &deputy(name, user)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    }
    let r = post_form(&judge, "/deputies", &deputy("王某", "")).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "[{label}] a court does not keep the registry"
    );
    let reg = judge.get("/deputies").await;
    assert!(
        reg.body.contains("褚建华") && reg.body.contains("湖滨街道"),
        "[{label}]"
    );
    assert_eq!(
        dep.get("/deputies").await.status,
        StatusCode::FORBIDDEN,
        "[{label}]"
    );
    let list = judge.get("/api/v1/deputies").await;
    let deputies = list.json()["deputies"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(deputies.len(), 2, "[{label}] {}", list.body);
    let id_of = |name: &str| {
        deputies
            .iter()
            .find(|d| d["name"] == name)
            .and_then(|d| d["id"].as_i64())
            .map(|i| i.to_string())
            .expect("registered")
    };
    let (chu, wei) = (id_of("褚建华"), id_of("卫国强"));

    // The city's campaign, opened by the intermediate court's case office.
    let r = post_form(
        &office,
        "/campaigns",
        &[
            ("title", "2026年度终本库出清专项行动"),
            ("target", "0"),
            ("from", "2026-06-01"),
            ("to", "2026-12-31"),
        ],
    )
    .await;
    assert!(r.body.contains("目标应在 1 至"), "[{label}] {}", r.body);
    let r = post_form(
        &office,
        "/campaigns",
        &[
            ("title", "2026年度终本库出清专项行动"),
            ("target", "10"),
            ("from", "2026-06-01"),
            ("to", "2026-12-31"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let campaign = location(&r);
    let api = format!("/api/v1{campaign}");
    let before = judge.get(&api).await.json();
    assert_eq!(before["stock_at_start"], 2, "[{label}] {before}");
    assert_eq!(before["cleared"], 0, "[{label}] {before}");
    assert_eq!(
        post_form(
            &judge,
            "/campaigns",
            &[
                ("title", "x"),
                ("target", "1"),
                ("from", "2026-01-01"),
                ("to", "2026-02-01")
            ]
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "[{label}] a judge does not open campaigns"
    );

    // Giving a case to a deputy: refusals, each next to its field.
    let r = assign(&judge, PENDING, &chu).await;
    assert!(
        r.body.contains("只有在终本库中的执行案件"),
        "[{label}] {}",
        r.body
    );
    let r = assign(&judge, ZB_XH, &chu).await;
    assert!(
        r.body.contains("只能交办本院的执行案件"),
        "[{label}] {}",
        r.body
    );
    let r = assign(&judge, ZB, &chu).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let url = location(&r);
    let r = assign(&judge, ZB, &wei).await;
    assert!(
        r.body.contains("已有人大代表正在协助"),
        "[{label}] one deputy at a time: {}",
        r.body
    );

    // The deputy's home page has the case; the other deputy and 西湖's judge cannot open it.
    let home = dep.get("/todo").await;
    assert!(
        home.body.contains("交由我协助的执行案件") && home.body.contains("钱某某"),
        "[{label}] {}",
        home.body
    );
    assert_eq!(
        dep2.get(&url).await.status,
        StatusCode::NOT_FOUND,
        "[{label}]"
    );
    assert_eq!(
        xh.get(&url).await.status,
        StatusCode::NOT_FOUND,
        "[{label}]"
    );
    let page = dep.get(&url).await;
    assert!(
        page.body.contains("id=\"action-form\"") && !page.body.contains("id=\"result-form\""),
        "[{label}]"
    );

    // The deputy logs what they did; a date before the assignment is refused; only they may log.
    let act = |what: &'static str, on: &'static str, outcome: &'static str| {
        vec![("action", what), ("on", on), ("outcome", outcome)]
    };
    let r = post_form(
        &dep,
        &format!("{url}/actions"),
        &act("visit", "2026-10-30", "走访"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("不能早于交办日期"), "[{label}] {}", r.body);
    let r = post_form(
        &dep2,
        &format!("{url}/actions"),
        &act("visit", "2026-11-02", "走访"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "[{label}]");
    let r = post_form(
        &judge,
        &format!("{url}/actions"),
        &act("visit", "2026-11-02", "走访"),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "[{label}] the court does not log for the deputy"
    );
    for (what, on, outcome) in [
        (
            "visit",
            "2026-11-03",
            "走访被执行人钱某某，其在外务工，表示愿意与申请人协商",
        ),
        (
            "mediation",
            "2026-11-06",
            "在湖滨街道代表联络站组织双方协商，达成分期还款和解协议，当场支付首期",
        ),
    ] {
        let r = post_form(&dep, &format!("{url}/actions"), &act(what, on, outcome)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    }
    // A deputy never decides: no result from them.
    let r = post_form(
        &dep,
        &format!("{url}/result"),
        &[("outcome", "settled"), ("on", "2026-11-08")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}]");
    // The court has it in 待办, and records 和解 (a date before the last action refused).
    let todo = judge.get("/todo").await;
    assert!(
        todo.body.contains("人大代表协助执行待登记结果"),
        "[{label}]"
    );
    let r = post_form(
        &judge,
        &format!("{url}/result"),
        &[("outcome", "settled"), ("on", "2026-11-05")],
    )
    .await;
    assert!(
        r.body.contains("不能早于交办或最近一次协助"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(
        &judge,
        &format!("{url}/result"),
        &[("outcome", "settled"), ("on", "2026-11-08")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = post_form(
        &judge,
        &format!("{url}/result"),
        &[("outcome", "performed"), ("on", "2026-11-09")],
    )
    .await;
    assert!(r.body.contains("结果已登记"), "[{label}] once: {}", r.body);
    let page = dep.get(&url).await;
    assert!(
        page.body.contains("达成和解并履行完毕") && !page.body.contains("id=\"action-form\""),
        "[{label}]"
    );

    // The case left the 终本 database by an event on the case.
    let case_id = s
        .case_id_by_number(ZB)
        .await
        .expect("case")
        .expect("exists");
    let events = s.events_of_case(case_id).await.expect("events");
    let last = events.last().expect("event");
    assert_eq!(last.kind, "zhongben_cleared", "[{label}]");
    assert_eq!(
        last.source,
        tianping_store::deputies::EVENT_SOURCE,
        "[{label}]"
    );

    // The campaign board moved by one, with the deputies' share and the township.
    let after = judge.get(&api).await.json();
    assert_eq!(after["cleared"], 1, "[{label}] {after}");
    assert_eq!(
        after["cleared_by_way"]["zhongben_left_settled"], 1,
        "[{label}] {after}"
    );
    assert_eq!(after["cleared_with_deputies"], 1, "[{label}] {after}");
    assert_eq!(after["stock_now"], 1, "[{label}] {after}");
    let courts = after["courts"].as_array().cloned().unwrap_or_default();
    let sc = courts
        .iter()
        .find(|c| c["name"].as_str().is_some_and(|n| n.contains("上城")))
        .expect("上城 line");
    assert_eq!(sc["cleared"], 1, "[{label}] {after}");
    assert_eq!(
        after["townships"][0]["township"], "湖滨街道",
        "[{label}] {after}"
    );
    assert_eq!(after["townships"][0]["settled"], 1, "[{label}] {after}");
    assert_eq!(after["townships"][0]["actions"], 2, "[{label}] {after}");
    let board = dep.get(&campaign).await;
    assert_eq!(
        board.status,
        StatusCode::OK,
        "[{label}] a deputy reads the board"
    );
    assert!(board.body.contains("id=\"campaign-chart\""), "[{label}]");
    // The quality metrics count the same way: 出清率 1 / (2 + 0).
    let m = office
        .get("/api/v1/metrics?org=hz-court&kind=execution&from=2026-06-01&to=2026-11-10")
        .await
        .json();
    let rate = m["metrics"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == "zhongben_clearance_rate"))
        .and_then(|x| x["value"].as_f64());
    assert_eq!(rate, Some(50.0), "[{label}] {m}");

    // 西湖's judge sees no assignment of 上城; the deputy's API lists their own only.
    let xs = xh.get("/api/v1/deputy-assignments").await.json();
    assert_eq!(
        xs["assignments"].as_array().map(Vec::len),
        Some(0),
        "[{label}]"
    );
    let mine = dep2.get("/api/v1/deputy-assignments").await.json();
    assert_eq!(
        mine["assignments"].as_array().map(Vec::len),
        Some(0),
        "[{label}]"
    );
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

/// Gives `case` to `deputy` (as of 2026-11-01, in 湖滨街道).
async fn assign(c: &Client, case: &str, deputy: &str) -> Resp {
    post_form(
        c,
        "/deputies/cases",
        &[
            ("case_number", case),
            ("deputy", deputy),
            ("debtor", "钱某某"),
            ("township", "湖滨街道"),
            ("note", "被执行人长期外出，请协助查找下落并促成和解"),
            ("assigned_on", "2026-11-01"),
        ],
    )
    .await
}

pub(crate) fn location(r: &Resp) -> String {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_string()
}

#[tokio::test]
async fn a_deputy_helps_clear_a_zhongben_case_and_the_campaign_counts_it_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
