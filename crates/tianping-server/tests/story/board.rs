//! The warnings board by line of court work and by unit: a civil case and an execution case of
//! 上城, both months past their limits, and a 西湖 civil case. The 执行 tab lists the execution
//! case's clock only (its rule is an execution rule), the 审判 tab the others; the unit picker is
//! the units in reach as a tree and narrows the board to one; a line asked of the police's board,
//! or one that does not exist, is refused naming the field.

use crate::common::*;
use tianping_store::Actor;

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(
        s,
        "office",
        "hz-court",
        Role::CaseOffice,
        Clearance::default(),
    )
    .await;
    let mut lines = vec![];
    for (i, number) in [
        "（2025）浙0102民初1号",
        "（2025）浙0102执1号",
        "（2025）浙0106民初1号",
    ]
    .into_iter()
    .enumerate()
    {
        let filed = ev(
            &format!("f{i}"),
            number,
            "2025-01-02T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷"}),
        );
        let assigned = ev(
            &format!("a{i}"),
            number,
            "2025-01-03T09:00:00+08:00",
            "assigned",
            json!({"judge": "王法官"}),
        );
        lines.push(filed);
        lines.push(assigned);
    }
    let now = Utc
        .with_ymd_and_hms(2026, 3, 3, 2, 0, 0)
        .single()
        .expect("date");
    let r = s
        .ingest(&numbered(lines), &Actor::system("t"), now)
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "[{label}] {:?}", r.rejected);
    s.poll(now, 1000).await.expect("poll");
    let app = app(s, now);
    let office = Client::as_user(&app, "office").await;
    let numbers = |r: &Resp| {
        let mut v: Vec<String> = r.json()["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| i["case_number"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v.dedup();
        v
    };
    let all = office.get("/api/v1/warnings").await;
    assert_eq!(all.status, StatusCode::OK, "[{label}] {}", all.body);
    assert_eq!(numbers(&all).len(), 3, "[{label}] {:?}", numbers(&all));
    let exec = office.get("/api/v1/warnings?line=execution").await;
    assert_eq!(
        numbers(&exec),
        vec!["（2025）浙0102执1号".to_string()],
        "[{label}]"
    );
    let trial = office.get("/api/v1/warnings?line=trial").await;
    assert_eq!(
        numbers(&trial),
        vec![
            "（2025）浙0102民初1号".to_string(),
            "（2025）浙0106民初1号".to_string()
        ],
        "[{label}]"
    );
    // One unit, and one unit's execution.
    let one = office.get("/api/v1/warnings?org=sc-court&line=trial").await;
    assert_eq!(
        numbers(&one),
        vec!["（2025）浙0102民初1号".to_string()],
        "[{label}]"
    );
    let bad = office.get("/api/v1/warnings?line=civil").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "[{label}]");
    assert_eq!(bad.json()["error"]["details"]["field"], "line", "[{label}]");

    // The page: the tabs, and the courts of 杭州 as a tree with the city court first.
    let page = office.get("/warnings?line=execution").await;
    assert_eq!(page.status, StatusCode::OK, "[{label}]");
    assert!(page.body.contains(r#"id="line-tabs""#), "[{label}]");
    assert!(
        page.body
            .contains(r#"data-line="execution" class="active""#),
        "[{label}]"
    );
    assert!(page.body.contains("（2025）浙0102执1号"), "[{label}]");
    assert!(!page.body.contains("（2025）浙0102民初1号"), "[{label}]");
    let picker = page
        .body
        .split(r#"<select name="org" id="org">"#)
        .nth(1)
        .and_then(|x| x.split("</select>").next())
        .unwrap_or("")
        .to_string();
    let hz = picker.find("杭州市中级人民法院").unwrap_or(usize::MAX);
    let sc = picker.find("\u{3000}杭州市上城区人民法院").unwrap_or(0);
    assert!(hz < sc, "[{label}] a tree: {picker}");
    assert!(
        !picker.contains("检察院"),
        "[{label}] courts only: {picker}"
    );

    // With `counts_cache_seconds` set, the counts per category and the 承办人 menu are read once
    // and kept; the board's list is read every time. A case that becomes overdue shows on the
    // list at once and in the counts when the kept copy expires (here: when the keeping stops).
    s.set_counts_cache(std::time::Duration::from_secs(3600));
    let total = |r: &Resp| -> i64 {
        r.json()["counts"]
            .as_array()
            .map(|a| a.iter().map(|c| c["count"].as_i64().unwrap_or(0)).sum())
            .unwrap_or(0)
    };
    let scope = tianping_store::case::ScopeFilter {
        region_prefix: "/33/3301/".into(),
        agency_kind: Some(tianping_domain::AgencyKind::Court),
    };
    let before = total(&office.get("/api/v1/warnings").await);
    let judges_before = s.judges_in(&scope, 2000).await.expect("judges");
    let late = "（2025）浙0102民初9号";
    let more = vec![
        ev(
            "f9",
            late,
            "2025-01-02T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷"}),
        ),
        ev(
            "a9",
            late,
            "2025-01-03T09:00:00+08:00",
            "assigned",
            json!({"judge": "赵法官"}),
        ),
    ];
    let r = s
        .ingest(&numbered(more), &Actor::system("t"), now)
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "[{label}] {:?}", r.rejected);
    s.poll(now, 1000).await.expect("poll");
    let kept = office.get("/api/v1/warnings").await;
    assert!(
        numbers(&kept).contains(&late.to_string()),
        "[{label}] the list is live"
    );
    assert_eq!(
        total(&kept),
        before,
        "[{label}] the counts are the kept copy"
    );
    assert_eq!(
        s.judges_in(&scope, 2000).await.expect("judges"),
        judges_before,
        "[{label}] the menu is the kept copy"
    );
    s.set_counts_cache(std::time::Duration::ZERO);
    assert!(
        total(&office.get("/api/v1/warnings").await) > before,
        "[{label}] read again"
    );
    assert!(
        s.judges_in(&scope, 2000)
            .await
            .expect("judges")
            .iter()
            .any(|(_, j)| j == "赵法官"),
        "[{label}] read again"
    );
}

#[tokio::test]
async fn the_board_splits_trial_from_execution_and_narrows_to_a_unit_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
