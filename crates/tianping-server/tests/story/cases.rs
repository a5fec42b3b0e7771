//! The walking skeleton: logging in, the case list and page within a scope, recording events,
//! redaction, logging out.

use crate::common::*;

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(s, "sc_judge", "sc-court", Role::Judge, Clearance::default()).await;
    add_user(
        s,
        "sc_president",
        "sc-court",
        Role::President,
        Clearance(vec![Confidentiality::Minors]),
    )
    .await;
    add_user(s, "xh_judge", "xh-court", Role::Judge, Clearance::default()).await;
    add_user(
        s,
        "hz_office",
        "hz-court",
        Role::CaseOffice,
        Clearance::default(),
    )
    .await;
    add_user(
        s,
        "hz_plc",
        "hz-plc",
        Role::PlcSupervisor,
        Clearance::default(),
    )
    .await;
    add_user(
        s,
        "sc_prosecutor",
        "sc-proc",
        Role::Judge,
        Clearance::default(),
    )
    .await;
    add_user(s, "admin", "zj-court", Role::Sysadmin, Clearance::default()).await;
    add_user(s, "victim", "sc-court", Role::Judge, Clearance::default()).await;
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date");
    let app = app(s, now);

    // Anonymous visitors get nothing.
    let anon = Client::anonymous(&app);
    assert_eq!(
        anon.get("/api/v1/cases").await.code(),
        "unauthenticated",
        "[{label}]"
    );
    let r = anon.get("/cases").await;
    assert_eq!(
        (
            r.status,
            r.headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
        ),
        (StatusCode::SEE_OTHER, Some("/login"))
    );
    assert_eq!(anon.get("/healthz").await.status, StatusCode::OK);

    // Lockout after five failures; the right password does not help while locked.
    for i in 1..=4 {
        let (_, r) = Client::login(&app, "victim", "wrong").await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNAUTHORIZED, "invalid_credentials".into()),
            "[{label}] failure {i}"
        );
    }
    // The fifth locks this client out for this username, with the same answer as a wrong
    // password (security.rs tests that other clients are not locked out).
    let (_, r) = Client::login(&app, "victim", "wrong").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "invalid_credentials".into()),
        "[{label}]"
    );
    let (_, r) = Client::login(&app, "victim", PW).await;
    assert_eq!(r.code(), "invalid_credentials", "[{label}] still locked");
    let (_, r) = Client::login(&app, "nobody", PW).await;
    assert_eq!(
        r.code(),
        "invalid_credentials",
        "[{label}] unknown users look like wrong passwords"
    );

    // A judge of 上城 records events; writes need the CSRF token.
    let judge = Client::as_user(&app, "sc_judge").await;
    let filing = ev(
        "1",
        "（2026）浙0102民初1号",
        "2026-03-02T09:00:00+08:00",
        "filed",
        json!({"cause": "民间借贷纠纷", "parties": [{"name": "王五", "role": "原告"}, {"name": "李四", "role": "被告"}]}),
    );
    let r = judge
        .send(
            "POST",
            "/api/v1/events",
            Some(filing.to_string()),
            false,
            "application/json",
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "csrf_token_invalid".into()),
        "[{label}]"
    );
    let r = judge.post_json("/api/v1/events", &filing).await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    let r = judge.post_json("/api/v1/events", &filing).await;
    assert_eq!(r.json()["status"], "duplicate", "[{label}] idempotent");

    let batch = json!([
        ev(
            "2",
            "（2026）浙0102民初2号",
            "2026-03-03T09:00:00+08:00",
            "filed",
            json!({"cause": "抚养纠纷", "parties": [{"name": "赵六", "role": "原告"}, {"name": "赵小宝", "role": "被告", "minor": true}]})
        ),
        ev(
            "3",
            "（2026）浙0102民初1号",
            "2026-03-04T09:00:00+08:00",
            "assigned",
            json!({"judge": "张法官"})
        ),
        ev(
            "4",
            "（2026）浙0102民初2号",
            "2026-03-04T10:00:00+08:00",
            "assigned",
            json!({"judge": "张法官"})
        ),
        ev(
            "5",
            "（2026）浙0102民初1号",
            "2026-03-05T09:00:00+08:00",
            "teleported",
            json!({})
        ),
        ev(
            "6",
            "（2026）浙0102民初0003号",
            "2026-03-05T09:00:00+08:00",
            "filed",
            json!({"cause": "x"})
        ),
        ev(
            "7",
            "（2026）浙0106民初1号",
            "2026-03-05T09:00:00+08:00",
            "filed",
            json!({"cause": "x"})
        ),
    ]);
    let r = judge.post_json("/api/v1/events/batch", &batch).await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    let j = r.json();
    assert_eq!(j["accepted"], 3, "[{label}] {j}");
    let rej: Vec<(u64, String)> = j["rejected"]
        .as_array()
        .expect("array")
        .iter()
        .map(|x| {
            (
                x["index"].as_u64().unwrap_or(99),
                x["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        rej,
        vec![
            (3, "event_malformed".into()),
            (4, "case_number_invalid".into()),
            (5, "out_of_scope".into())
        ],
        "[{label}] {j}"
    );
    assert!(
        j["rejected"][1]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("案件编号"),
        "[{label}] the reason names the part: {j}"
    );

    // A bad event: precise refusal with field and reason.
    let r = judge
        .post_json(
            "/api/v1/events",
            &ev(
                "8",
                "（2026）浙0102民初1号",
                "2026-03-06T09:00:00+08:00",
                "resumed",
                json!({}),
            ),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "event_rejected".into()),
        "[{label}]"
    );
    assert_eq!(r.json()["error"]["details"]["reason_code"], "not_suspended");
    assert_eq!(r.json()["error"]["details"]["field"], "kind");
    let r = judge
        .send(
            "POST",
            "/api/v1/events",
            Some("{\"source_event_id\": ".into()),
            true,
            "application/json",
        )
        .await;
    assert_eq!(r.code(), "event_malformed", "[{label}]");
    assert!(r.json()["error"]["details"]["column"].as_u64().is_some());

    // The judge's list: both cases, the minors' case redacted.
    let r = judge.get("/api/v1/cases").await;
    let list = r.json();
    assert_eq!(list["total"], 2, "[{label}] {list}");
    assert_eq!(list["total_exact"], true, "[{label}] {list}");
    let minors = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["confidentiality"] == "minors")
        .cloned()
        .expect("minors case");
    assert_eq!(minors["redacted"], true);
    assert!(
        !minors["title"].as_str().unwrap_or("").contains("赵小宝"),
        "[{label}] list leaks a minor's name: {minors}"
    );
    let id = minors["id"].as_i64().expect("id");
    let detail = judge.get(&format!("/api/v1/cases/{id}")).await;
    assert!(
        !detail.body.contains("赵小宝") && !detail.body.contains("赵六"),
        "[{label}] detail leaks names: {}",
        detail.body
    );
    let page = judge.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("已脱敏") && !page.body.contains("赵小宝"),
        "[{label}] page leaks names"
    );
    // Clocks cite their law by name and article, in Chinese (not the rule files' short form).
    assert!(
        page.body.contains("法律依据") && page.body.contains("《中华人民共和国"),
        "[{label}] citation shown by its title"
    );
    for short in ["CPL2023", "CrimPL2018", "审限规定2000", " art.", "[V]"] {
        assert!(
            !page.body.contains(short),
            "[{label}] the case page shows the short citation {short:?}: …{}…",
            page.body
                .find(short)
                .map(
                    |i| page.body[i.saturating_sub(300)..(i + 100).min(page.body.len())]
                        .to_string()
                )
                .unwrap_or_default()
        );
    }
    let listing = judge.get("/cases?mine=0").await;
    assert!(
        listing.body.contains("共 <strong>2</strong> 件") && !listing.body.contains("赵小宝"),
        "[{label}] list page"
    );

    // The president is cleared for minors' cases.
    let president = Client::as_user(&app, "sc_president").await;
    let d = president.get(&format!("/api/v1/cases/{id}")).await;
    assert!(
        d.body.contains("赵小宝"),
        "[{label}] cleared user sees the full record"
    );

    // Another court's judge cannot reach 上城 cases by any URL or API call.
    let xh = Client::as_user(&app, "xh_judge").await;
    assert_eq!(
        xh.get("/api/v1/cases").await.json()["total"],
        0,
        "[{label}]"
    );
    let r = xh.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "not_found".into()),
        "[{label}]"
    );
    assert_eq!(
        xh.get(&format!("/cases/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        xh.get("/api/v1/cases?case_number=（2026）浙0102民初1号")
            .await
            .json()["total"],
        0
    );
    let r = xh
        .post_json(
            "/api/v1/events",
            &ev(
                "x1",
                "（2026）浙0102民初1号",
                "2026-03-06T09:00:00+08:00",
                "hearing_held",
                json!({}),
            ),
        )
        .await;
    assert_eq!(
        r.json()["error"]["details"]["reason_code"],
        "case_not_found",
        "[{label}] no write, no existence leak"
    );

    // Scopes above: the city's case office and 政法委 see the county's cases; the procuratorate does not.
    assert_eq!(
        Client::as_user(&app, "hz_office")
            .await
            .get("/api/v1/cases")
            .await
            .json()["total"],
        2,
        "[{label}]"
    );
    // The 承办人 filter lists the judges of the units in scope, under their court.
    let office_list = Client::as_user(&app, "hz_office").await.get("/cases").await;
    assert!(
        office_list
            .body
            .contains(r#"<option value="张法官">张法官</option>"#),
        "[{label}] {}",
        office_list.body
    );
    // Each open case's clock nearest its limit, in the list and the API.
    let api_list = Client::as_user(&app, "hz_office")
        .await
        .get("/api/v1/cases")
        .await
        .json();
    let with_clock: Vec<&Value> = api_list["items"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter(|c| c["nearest_clock"].is_object())
                .collect()
        })
        .unwrap_or_default();
    assert!(!with_clock.is_empty(), "[{label}] {api_list}");
    for c in &with_clock {
        let k = &c["nearest_clock"];
        assert!(
            k["name"].as_str().is_some_and(|n| !n.is_empty()),
            "[{label}] {k}"
        );
        assert!(
            k["left_zh"]
                .as_str()
                .is_some_and(|l| l.starts_with("剩 ") || l.starts_with("超期 ") || l == "今日届满"),
            "[{label}] {k}"
        );
        assert!(
            office_list
                .body
                .contains(k["left_zh"].as_str().unwrap_or("?")),
            "[{label}]"
        );
    }
    // Judges of one court only: no grouping.
    let judge_select = office_list
        .body
        .split(r#"id="judge""#)
        .nth(1)
        .and_then(|x| x.split("</select>").next())
        .unwrap_or("");
    assert!(judge_select.contains("张法官"), "[{label}]");
    assert!(
        !judge_select.contains("<optgroup"),
        "[{label}] {judge_select}"
    );
    let plc = Client::as_user(&app, "hz_plc").await;
    assert_eq!(
        plc.get("/api/v1/cases").await.json()["total"],
        2,
        "[{label}]"
    );
    let r = plc
        .post_json(
            "/api/v1/events",
            &ev(
                "p1",
                "（2026）浙0102民初1号",
                "2026-03-06T09:00:00+08:00",
                "hearing_held",
                json!({}),
            ),
        )
        .await;
    assert_eq!(
        r.code(),
        "forbidden",
        "[{label}] supervisors do not record court events"
    );
    assert_eq!(
        Client::as_user(&app, "sc_prosecutor")
            .await
            .get("/api/v1/cases")
            .await
            .json()["total"],
        0,
        "[{label}]"
    );

    // The 三员 administer, they do not read cases.
    let admin = Client::as_user(&app, "admin").await;
    assert_eq!(
        admin.get("/api/v1/cases").await.code(),
        "forbidden",
        "[{label}]"
    );
    let users = admin.get("/admin/users").await;
    assert!(
        users.status == StatusCode::OK && users.body.contains("sc_judge"),
        "[{label}]"
    );
    assert_eq!(
        judge.get("/admin/users").await.status,
        StatusCode::FORBIDDEN
    );

    // Filters validate their input.
    let r = judge.get("/api/v1/cases?filed_from=2026-13-01").await;
    assert_eq!(
        (r.code(), r.json()["error"]["details"]["field"].clone()),
        ("invalid_query".into(), json!("filed_from"))
    );
    assert_eq!(
        judge.get("/api/v1/cases?status=closed").await.json()["total"],
        0
    );
    assert_eq!(
        judge
            .get("/api/v1/cases?type_code=民初&filed_from=2026-03-03&filed_to=2026-03-03")
            .await
            .json()["total"],
        1
    );

    // "我承办的": the cases naming the reader as 承办人 (none name this judge); by 承办人's name;
    // in 案号 order; an unknown order or value is named.
    assert_eq!(judge.get("/api/v1/cases?mine=1").await.json()["total"], 0);
    assert_eq!(
        judge
            .get("/api/v1/cases?judge=%E5%BC%A0%E6%B3%95%E5%AE%98")
            .await
            .json()["total"],
        2
    );
    let sorted = judge.get("/api/v1/cases?sort=number").await.json();
    let numbers: Vec<&str> = sorted["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["case_number"].as_str())
        .collect();
    let mut want = numbers.clone();
    want.sort_unstable();
    assert_eq!(numbers, want, "[{label}]");
    for bad in ["sort=newest", "mine=2"] {
        let r = judge.get(&format!("/api/v1/cases?{bad}")).await;
        assert_eq!(r.code(), "invalid_query", "[{label}] {bad}");
    }
    // A judge's list opens on their own cases; a filtered list shows the court's.
    let page = judge.get("/cases").await;
    assert!(page.body.contains("（本人承办）"), "[{label}]");
    assert!(
        !judge
            .get("/cases?status=open")
            .await
            .body
            .contains("（本人承办）")
    );
    // The list as a workbook: the same filter, 立案日期 a date.
    let x = judge.get("/cases/export.xlsx?sort=number").await;
    assert_eq!(x.status, StatusCode::OK, "[{label}]");
    let xml = x.xlsx_text();
    assert!(xml.contains("（2026）浙0102民初1号"), "[{label}]");
    let first = xml
        .split("<c r=\"G3\"")
        .nth(1)
        .expect("立案日期 of the first row");
    let first = &first[..first.find("</c>").expect("cell end")];
    assert!(
        !first.contains("t=\"s\"") && first.contains("<v>46"),
        "[{label}] 立案日期 is a date: {first}"
    );

    // 案号 parsing names the wrong part.
    let r = judge.get("/api/v1/case-numbers/parse?q=%EF%BC%882026%EF%BC%89%E6%B5%990102%E6%B0%91%E5%88%9D0012%E5%8F%B7").await;
    assert_eq!(
        (r.code(), r.json()["error"]["details"]["part"].clone()),
        ("case_number_invalid".into(), json!("sequence")),
        "[{label}]"
    );

    // Form login needs its CSRF token; logout ends the session.
    let r = anon
        .send(
            "POST",
            "/login",
            Some("username=sc_judge&password=x&csrf=forged".into()),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert!(
        r.status == StatusCode::UNAUTHORIZED && r.body.contains("页面已过期"),
        "[{label}]"
    );
    let r = judge
        .send("DELETE", "/api/v1/session", None, true, "")
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        judge.get("/api/v1/me").await.code(),
        "unauthenticated",
        "[{label}] session gone"
    );
}

#[tokio::test]
async fn walking_skeleton_story_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
