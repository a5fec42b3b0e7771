//! Quality metrics worked out by hand, and their drill-down.

use crate::common::*;

/// Quality metrics over HTTP on hand-built cases (numbers worked out by hand below), and the
/// drill-down: for several scopes and periods, every counter's case list has exactly that many
/// cases (or sums to that amount).
async fn metrics_story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(s, "co", "hz-court", Role::CaseOffice, Clearance::default()).await;
    add_user(s, "xh", "xh-court", Role::Judge, Clearance::default()).await;
    add_user(s, "admin", "zj-court", Role::Sysadmin, Clearance::default()).await;
    add_user(
        s,
        "plc",
        "hz-plc",
        Role::PlcSupervisor,
        Clearance::default(),
    )
    .await;
    let p = |n: &str| json!({"cause": "买卖合同纠纷", "parties": [{"name": n, "role": "原告"}]});
    let events = [
        // A: filed 2026-01-05, judgment 2026-03-06 (60 days), appealed.
        ev(
            "M1",
            "（2026）浙0102民初1号",
            "2026-01-05T09:00:00+08:00",
            "filed",
            p("甲"),
        ),
        ev(
            "M2",
            "（2026）浙0102民初1号",
            "2026-03-06T09:00:00+08:00",
            "closed",
            json!({"disposition": "judgment"}),
        ),
        ev(
            "M3",
            "（2026）浙0102民初1号",
            "2026-03-10T09:00:00+08:00",
            "appealed",
            json!({"by": "被告"}),
        ),
        // B: filed 2026-02-01, mediated 2026-02-20 (19 days).
        ev(
            "M4",
            "（2026）浙0102民初2号",
            "2026-02-01T09:00:00+08:00",
            "filed",
            p("乙"),
        ),
        ev(
            "M5",
            "（2026）浙0102民初2号",
            "2026-02-20T09:00:00+08:00",
            "closed",
            json!({"disposition": "mediation"}),
        ),
        // C: filed 2025-11-01, pending.
        ev(
            "M6",
            "（2025）浙0102民初9号",
            "2025-11-01T09:00:00+08:00",
            "filed",
            p("丙"),
        ),
        // D: 西湖, filed 2026-01-10, judgment 2026-04-10 (after Q1).
        ev(
            "M7",
            "（2026）浙0106民初1号",
            "2026-01-10T09:00:00+08:00",
            "filed",
            p("丁"),
        ),
        ev(
            "M8",
            "（2026）浙0106民初1号",
            "2026-04-10T09:00:00+08:00",
            "closed",
            json!({"disposition": "judgment"}),
        ),
        // E: 杭州中院 second instance, filed 2026-01-20, amended 2026-03-01 (40 days).
        ev(
            "M9",
            "（2026）浙01民终1号",
            "2026-01-20T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷", "parties": [{"name": "戊", "role": "上诉人"}],
                "origin_case_number": "（2025）浙0102民初9号"}),
        ),
        ev(
            "M10",
            "（2026）浙01民终1号",
            "2026-03-01T09:00:00+08:00",
            "closed",
            json!({"disposition": "amended"}),
        ),
    ];
    let records: Vec<tianping_store::Numbered> = events
        .iter()
        .enumerate()
        .map(|(i, v)| tianping_store::Numbered {
            line: i as u64 + 1,
            record: serde_json::from_value(v.clone()).expect("event"),
        })
        .collect();
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date");
    let r = s
        .ingest(&records, &tianping_store::Actor::system("t"), now)
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "{label}: {:?}", r.rejected);
    // A police file of the same city and quarter: not a court case, counted on no court metric.
    let police = vec![ev(
        "P1",
        "浙公0102刑立字〔2026〕3号",
        "2026-02-03T09:00:00+08:00",
        "filed",
        json!({"case_kind": "police", "org_id": "sc-police", "cause": "盗窃罪"}),
    )];
    let r = s
        .ingest(&numbered(police), &tianping_store::Actor::system("t"), now)
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "{label}: {:?}", r.rejected);
    let app = app(s, now);
    let co = Client::as_user(&app, "co").await;
    let q1 = "from=2026-01-01&to=2026-03-31";
    let m = co.get(&format!("/api/v1/metrics?org=hz-court&{q1}")).await;
    assert_eq!(m.status, StatusCode::OK, "{label}: {}", m.body);
    let v = m.json();
    let value = |id: &str| -> Option<f64> {
        v["metrics"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["id"] == id))
            .and_then(|x| x["value"].as_f64())
    };
    let near = |id: &str, want: f64| {
        let got = value(id).unwrap_or_else(|| panic!("{label}: {id} has no value"));
        assert!(
            (got - want).abs() < 1e-9,
            "{label}: {id} = {got}, by hand {want}"
        );
    };
    // By hand, 杭州 (city subtree), Q1 2026: new A B D E = 4; closed A B E = 3; pending at the
    // start C = 1, at the end C D = 2; appealable first-instance closures A (B was mediated) = 1,
    // appealed 1; first-instance closures A B = 2; second instance E amended; days 60 + 19 + 40.
    near("received", 4.0);
    near("closed", 3.0);
    near("pending", 2.0);
    near("closure_to_intake", 0.75);
    near("closure_rate", 60.0);
    near("appeal_rate", 100.0);
    near("acceptance_rate", 50.0);
    near("second_instance_amended_rate", 100.0);
    near("second_instance_remanded_rate", 0.0);
    near("mediation_withdrawal_rate", 50.0);
    near("average_days", 119.0 / 3.0);
    // 案-件比: 4 court proceedings filed in Q1 for 3 new disputes (E continues an earlier case).
    near("court_case_to_proceeding", 4.0 / 3.0);
    near("pending_over_12_months", 0.0);
    assert_eq!(
        value("execution_paid_rate"),
        None,
        "no execution closures: no value, not 0"
    );
    assert_eq!(value("zhongben_rate"), None);
    // One court: 上城 only.
    let sc = co
        .get(&format!("/api/v1/metrics?org=sc-court&{q1}"))
        .await
        .json();
    let sc_received = sc["metrics"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == "received"))
        .and_then(|x| x["value"].as_f64());
    assert_eq!(sc_received, Some(2.0));
    // Drill-down consistency for scopes × periods × every counter.
    let mut bucketed = 0;
    for org in ["hz-court", "sc-court", "xh-court"] {
        for period in [
            q1,
            "from=2025-01-01&to=2026-05-31",
            "from=2026-04-01&to=2026-04-30",
        ] {
            let m = co
                .get(&format!("/api/v1/metrics?org={org}&{period}"))
                .await
                .json();
            for metric in m["metrics"].as_array().expect("metrics") {
                for c in metric["counters"].as_array().expect("counters") {
                    let counter = c["counter"].as_str().expect("name");
                    let d = co
                        .get(&format!(
                            "/api/v1/metrics/cases?org={org}&{period}&counter={counter}"
                        ))
                        .await
                        .json();
                    assert_eq!(d["total"], c["value"], "{label} {org} {period} {counter}");
                    let listed = d["cases"].as_array().expect("cases");
                    if !tianping_domain::metrics::Counter::parse(counter)
                        .expect("counter")
                        .is_sum()
                    {
                        assert_eq!(
                            json!(listed.len()),
                            c["value"],
                            "{label} {org} {period} {counter}"
                        );
                    }
                }
            }
            // The pendency age buckets: each lists exactly its count, and together they are
            // every case pending at the end of the period.
            let pending = co
                .get(&format!(
                    "/api/v1/metrics/cases?org={org}&{period}&counter=pending_at_end"
                ))
                .await
                .json()["total"]
                .clone();
            let mut ids = std::collections::BTreeSet::new();
            for b in 0..5 {
                let d = co
                    .get(&format!(
                        "/api/v1/metrics/cases?org={org}&{period}&bucket={b}"
                    ))
                    .await
                    .json();
                let listed = d["cases"].as_array().expect("cases");
                assert_eq!(
                    json!(listed.len()),
                    d["total"],
                    "{label} {org} {period} bucket {b}"
                );
                for c in listed {
                    assert!(
                        ids.insert(c["id"].to_string()),
                        "{label} in two buckets: {c}"
                    );
                }
            }
            assert_eq!(json!(ids.len()), pending, "{label} {org} {period} buckets");
            bucketed += ids.len();
        }
    }
    assert!(
        bucketed > 0,
        "{label}: the fixture has pending cases in some bucket"
    );
    // Pages: the dashboard, a drill-down, refusals.
    let page = co.get(&format!("/quality?org=hz-court&{q1}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("结收比") && page.body.contains("0.75"),
        "{}",
        page.body
    );
    // The city's basic courts compared, each row agreeing with that court's own numbers.
    assert!(page.body.contains(r#"id="compare""#), "{label}");
    let sc_row = r#"杭州市上城区人民法院</a></td><td class="num">2</td>"#;
    assert!(page.body.contains(sc_row), "{label} {}", page.body);
    assert!(page.body.contains("杭州市西湖区人民法院</a>"), "{label}");
    assert!(page.body.contains("第 1 名"), "{label}");
    // A basic court has no units below it to compare.
    let county = co.get(&format!("/quality?org=sc-court&{q1}")).await;
    assert!(!county.body.contains(r#"id="compare""#), "{label}");
    let drill = co
        .get(&format!(
            "/quality/cases?org=hz-court&{q1}&counter=received"
        ))
        .await;
    assert!(drill.body.contains("新收：4 件"), "{}", drill.body);
    assert!(
        drill.body.contains("/quality/cases.xlsx?org=hz-court&#38;from=2026-01-01&#38;to=2026-03-31&#38;counter=received"),
        "the list exports: {}",
        drill.body
    );
    let dx = co
        .get(&format!(
            "/quality/cases.xlsx?org=hz-court&{q1}&counter=received"
        ))
        .await;
    assert_eq!(dx.status, StatusCode::OK);
    assert!(dx.body.starts_with("PK"), "an xlsx is a zip");
    assert_eq!(
        Client::as_user(&app, "xh")
            .await
            .get(&format!(
                "/quality/cases.xlsx?org=hz-court&{q1}&counter=received"
            ))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a county judge cannot export the city's cases"
    );
    let x = co
        .get(&format!("/quality/export.xlsx?org=hz-court&{q1}"))
        .await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.starts_with("PK"), "an xlsx is a zip");
    let report = co.get("/quality/report?org=hz-court&quarter=2026-Q1").await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report
            .body
            .contains("2026年第一季度 审判执行质效与监督工作报告")
            && report.body.contains("0.75"),
        "{}",
        report.body
    );
    // The same report as a Word document: the same numbers, in 公文 form.
    let doc = co
        .get("/quality/report.docx?org=hz-court&quarter=2026-Q1")
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    let xml = doc.xlsx_text();
    for want in [
        "杭州市中级人民法院2026年第一季度审判执行质效与监督工作报告",
        "人大常委会、党委政法委：",
        "统计期间2026年1月1日至2026年3月31日",
        "0.75",
        "<w:tbl>",
    ] {
        assert!(xml.contains(want), "report.docx lacks {want}: {xml}");
    }
    assert_eq!(
        co.get("/quality/report.docx?quarter=2026-Q9").await.status,
        StatusCode::BAD_REQUEST
    );
    // The running quarter is reported to today and says so; the year before is cut the same.
    let running = co.get("/quality/report?org=hz-court&quarter=2026-Q2").await;
    assert!(
        running.body.contains("2026年第二季度（截至2026年6月1日）")
            && running.body.contains("统计期间 2026-04-01 至 2026-06-01")
            && running.body.contains("同比期间 2025-04-01 至 2025-06-01"),
        "{}",
        running.body
    );
    assert_eq!(
        co.get("/quality/report?quarter=2026-Q9").await.status,
        StatusCode::BAD_REQUEST
    );
    let xh = Client::as_user(&app, "xh").await;
    assert_eq!(
        xh.get(&format!("/api/v1/metrics?org=hz-court&{q1}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a county judge cannot look at the city"
    );
    // The 政法委 reads the courts' numbers unless it chooses another agency's kind of case: the
    // police file is not among the court's 新收, and is the police's only one.
    let plc = Client::as_user(&app, "plc").await;
    let received = |v: &Value| {
        v["metrics"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["id"] == "received"))
            .and_then(|x| x["value"].as_f64())
    };
    let courts = plc.get(&format!("/api/v1/metrics?{q1}")).await;
    assert_eq!(courts.status, StatusCode::OK, "{label}: {}", courts.body);
    assert_eq!(
        received(&courts.json()),
        Some(4.0),
        "{label}: {}",
        courts.body
    );
    let police = plc.get(&format!("/api/v1/metrics?kind=police&{q1}")).await;
    assert_eq!(
        received(&police.json()),
        Some(1.0),
        "{label}: {}",
        police.body
    );
    let page = plc.get(&format!("/quality?{q1}")).await;
    assert!(page.body.contains("全部法院案件"), "{label}");
    let page = co.get(&format!("/quality?{q1}")).await;
    assert!(
        !page.body.contains(r#"value="police""#),
        "{label}: a court's kinds are its own"
    );
    let admin = Client::as_user(&app, "admin").await;
    assert_eq!(
        admin.get("/api/v1/metrics").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        co.get("/api/v1/metrics?from=2026-13-01").await.code(),
        "invalid_date"
    );
    assert_eq!(
        co.get("/api/v1/metrics/cases?counter=nothing").await.code(),
        "invalid_counter"
    );
    assert!(
        !page.body.contains("只读副本"),
        "{label}: no replica, no note"
    );

    // With a read replica (here a second view of the same database: the same figures), the
    // dashboard, its drill-down and the case list say where their figures come from; a case's
    // own page reads the primary and says nothing.
    if label == "postgres" {
        let replica = Store::connect(&db.url)
            .await
            .expect("connect")
            .with_read_replica(&db.url)
            .expect("replica");
        let app = crate::common::app(&replica, now);
        let co = Client::as_user(&app, "co").await;
        let note = "本页数据读自只读副本";
        let page = co.get(&format!("/quality?org=hz-court&{q1}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(note), "{}", page.body);
        assert!(page.body.contains("结收比") && page.body.contains("0.75"));
        assert!(
            page.body.contains(sc_row),
            "the same figures: {}",
            page.body
        );
        let list = co.get("/cases").await;
        assert!(list.body.contains(note) && list.body.contains("（2026）浙0102民初1号"));
        let id = co
            .get("/api/v1/cases?case_number=（2026）浙0102民初1号")
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .expect("the case listed");
        let case = co.get(&format!("/cases/{id}")).await;
        assert_eq!(case.status, StatusCode::OK);
        assert!(!case.body.contains(note));
        replica.close().await;
    }
}

#[tokio::test]
async fn metrics_are_worked_out_by_hand_and_drill_down_exactly_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        metrics_story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
