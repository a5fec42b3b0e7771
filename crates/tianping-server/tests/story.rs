//! The walking skeleton as a story, told over HTTP against both stores (SQLite always; PostgreSQL
//! when `TIANPING_TEST_POSTGRES_URL` is set, which `.ci/run` does).

mod common;

use common::*;

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
    let listing = judge.get("/cases").await;
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

/// The auditor's ledger over HTTP: only the auditor sees it (not even the system administrator,
/// 三员 separation); proofs come back verified; a kept checkpoint is checked against the log;
/// bad input gets stable codes.
async fn ledger_story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(
        s,
        "auditor",
        "zj-court",
        Role::Auditor,
        Clearance::default(),
    )
    .await;
    add_user(s, "admin", "zj-court", Role::Sysadmin, Clearance::default()).await;
    add_user(s, "sc_judge", "sc-court", Role::Judge, Clearance::default()).await;
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date");
    let app = app(s, now);
    let judge = Client::as_user(&app, "sc_judge").await;
    let filing = ev(
        "L1",
        "（2026）浙0102民初77号",
        "2026-05-01T09:00:00+08:00",
        "filed",
        json!({"cause": "借款合同纠纷", "parties": [{"name": "甲", "role": "原告"}]}),
    );
    assert_eq!(
        judge.post_json("/api/v1/events", &filing).await.status,
        StatusCode::CREATED
    );
    let first = s
        .checkpoint(&log_key(), ORIGIN, now)
        .await
        .expect("checkpoint");
    let more = ev(
        "L2",
        "（2026）浙0102民初77号",
        "2026-05-02T09:00:00+08:00",
        "assigned",
        json!({"judge": "张法官"}),
    );
    assert_eq!(
        judge.post_json("/api/v1/events", &more).await.status,
        StatusCode::CREATED
    );
    s.checkpoint(&log_key(), ORIGIN, now)
        .await
        .expect("checkpoint");

    for (who, c) in [
        ("judge", &judge),
        ("admin", &Client::as_user(&app, "admin").await),
    ] {
        let r = c.get("/api/v1/ledger").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{label} {who}: {}", r.body);
        assert_eq!(r.code(), "forbidden");
        assert_eq!(
            c.get("/ledger").await.status,
            StatusCode::FORBIDDEN,
            "{label} {who}"
        );
        assert_eq!(
            c.get("/ledger/leaves/0").await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        Client::anonymous(&app).get("/api/v1/ledger").await.status,
        StatusCode::UNAUTHORIZED
    );

    let auditor = Client::as_user(&app, "auditor").await;
    let sum = auditor.get("/api/v1/ledger").await.json();
    let size = sum["size"].as_u64().expect("size");
    assert!(size >= 5, "{label}: {sum}");
    let cps = sum["checkpoints"].as_array().expect("checkpoints");
    assert_eq!(cps.len(), 2);
    assert_eq!(cps[0]["signature_ok"], true);
    assert_eq!(cps[0]["extends_previous"], true, "{label}: {sum}");
    for i in [0, size / 2, size - 1] {
        let p = auditor
            .get(&format!("/api/v1/ledger/leaves/{i}/proof"))
            .await
            .json();
        assert_eq!(p["verified"], true, "{label} leaf {i}: {p}");
    }
    let r = auditor
        .get(&format!("/api/v1/ledger/leaves/{size}/proof"))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "leaf_out_of_range")
    );
    let rec = auditor.get("/api/v1/ledger/records/events/1").await.json();
    assert_eq!(rec["leaves"][0]["verified"], true, "{label}: {rec}");
    let r = auditor.get("/api/v1/ledger/records/passwords/1").await;
    assert_eq!(r.code(), "unknown_table");
    let c = auditor
        .get("/api/v1/ledger/consistency?first=1")
        .await
        .json();
    assert_eq!(c["verified"], true, "{label}: {c}");
    let r = auditor
        .get(&format!("/api/v1/ledger/consistency?first={}", size + 1))
        .await;
    assert_eq!(r.code(), "size_out_of_range");

    // A checkpoint a supervising body kept: consistent; forged by another key: refused; no CSRF
    // header: refused.
    let w = auditor
        .send(
            "POST",
            "/api/v1/ledger/witness",
            Some(first.note.clone()),
            true,
            "text/plain",
        )
        .await
        .json();
    assert_eq!(w["ok"], true, "{label}: {w}");
    let forged = tianping_ledger::LogKey::from_seed(ORIGIN, [6; 32])
        .expect("key")
        .sign(&tianping_ledger::Checkpoint {
            origin: ORIGIN.into(),
            size: first.size,
            root: tianping_ledger::leaf_hash(b"x"),
        });
    let w = auditor
        .send(
            "POST",
            "/api/v1/ledger/witness",
            Some(forged),
            true,
            "text/plain",
        )
        .await
        .json();
    assert_eq!(
        (w["ok"].as_bool(), w["code"].as_str()),
        (Some(false), Some("witness_signature"))
    );
    let r = auditor
        .send(
            "POST",
            "/api/v1/ledger/witness",
            Some(first.note.clone()),
            false,
            "text/plain",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Pages.
    let page = auditor.get("/ledger").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("防篡改账本")
            && page
                .body
                .contains(&sum["root"].as_str().unwrap_or("?").to_string())
    );
    let leaf = auditor.get("/ledger/leaves/0").await;
    assert!(leaf.body.contains("验证通过"), "{label}: {}", leaf.body);
    let found = auditor.get("/ledger/find?table=events&key=1").await;
    assert_eq!(found.status, StatusCode::SEE_OTHER);
    let bad = auditor.get("/ledger/find?index=abc").await;
    assert!(bad.body.contains("不是非负整数"));
}

#[tokio::test]
async fn the_auditor_sees_and_checks_the_ledger_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        ledger_story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}

/// Supervision over HTTP: flags and acts on a case (a forbidden act refused with 403 and kept),
/// interference records visible only to the roles that may see them, the full referral → item →
/// 销号 → result loop, evidence upload, the 台账 export, and every attempt to cross a line —
/// another county's judge, a judge opening items, a court sending a referral, verifying one's own
/// rectification, missing CSRF, malformed JSON.
async fn supervision_story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("judge", "sc-court", Role::Judge),
        ("pres", "sc-court", Role::President),
        ("xh_judge", "xh-court", Role::Judge),
        ("xh_pres", "xh-court", Role::President),
        ("plc", "hz-plc", Role::PlcSupervisor),
        ("pc", "hz-pc", Role::PcSupervisor),
        ("pc2", "hz-pc", Role::PcSupervisor),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date");
    let app = app(s, now);
    let judge = Client::as_user(&app, "judge").await;
    let pres = Client::as_user(&app, "pres").await;
    let xh_judge = Client::as_user(&app, "xh_judge").await;
    let xh_pres = Client::as_user(&app, "xh_pres").await;
    let plc = Client::as_user(&app, "plc").await;
    let pc = Client::as_user(&app, "pc").await;
    let pc2 = Client::as_user(&app, "pc2").await;
    let filing = ev(
        "S1",
        "（2026）浙0102刑初5号",
        "2026-05-01T09:00:00+08:00",
        "filed",
        json!({"cause": "非法吸收公众存款罪", "parties": [{"name": "钱某", "role": "被告人"}]}),
    );
    assert_eq!(
        judge.post_json("/api/v1/events", &filing).await.status,
        StatusCode::CREATED
    );
    let case_id = s
        .case_id_by_number("（2026）浙0102刑初5号")
        .await
        .expect("lookup")
        .expect("case");
    // The flag raised at filing is on the case, for readers in scope only.
    let r = judge.get(&format!("/api/v1/cases/{case_id}/flags")).await;
    assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.body);
    assert_eq!(r.json()["flags"][0]["situation"], "2.many_parties");
    assert_eq!(
        xh_judge
            .get(&format!("/api/v1/cases/{case_id}/flags"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Manual flag: another county's judge cannot; the judge can; malformed JSON is named.
    let manual = json!({"situation": "1.fact_or_law_dispute", "reason": "罪与非罪争议较大"});
    assert_eq!(
        xh_judge
            .post_json(&format!("/api/v1/cases/{case_id}/flags"), &manual)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = judge
        .send(
            "POST",
            &format!("/api/v1/cases/{case_id}/flags"),
            Some("{\"situation\":".into()),
            true,
            "application/json",
        )
        .await;
    assert_eq!(r.code(), "body_malformed");
    let r = judge
        .send(
            "POST",
            &format!("/api/v1/cases/{case_id}/flags"),
            Some(manual.to_string()),
            false,
            "application/json",
        )
        .await;
    assert_eq!(r.code(), "csrf_token_invalid");
    let r = judge
        .post_json(&format!("/api/v1/cases/{case_id}/flags"), &manual)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    // 院庭长 acts: the judge may not record one; the president may; a forbidden act is refused.
    let act = json!({"act": "report_progress", "content": "请报告评议结果"});
    assert_eq!(
        judge
            .post_json(&format!("/api/v1/cases/{case_id}/acts"), &act)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        xh_pres
            .post_json(&format!("/api/v1/cases/{case_id}/acts"), &act)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = pres
        .post_json(&format!("/api/v1/cases/{case_id}/acts"), &act)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    let act_id = r.json()["id"].as_i64().expect("id");
    let r = judge
        .post_json(
            &format!("/api/v1/acts/{act_id}/answer"),
            &json!({"answer": "已评议"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = pres
        .post_json(
            &format!("/api/v1/cases/{case_id}/acts"),
            &json!({"act": "change_decision", "content": "改判缓刑"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "act_forbidden");
    // Interference: the judge records; the president sees the report; the judge does not.
    let rec = json!({"case_id": case_id, "source": "leader", "person_name": "王某", "person_unit": "某局",
        "person_position": "局长", "channel": "phone", "occurred_at": "2026-05-20T10:00:00+08:00",
        "content": "打听案情", "outcome": "refused", "response": "拒绝"});
    let r = judge.post_json("/api/v1/interference", &rec).await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    let mut bad = rec.clone();
    bad["channel"] = json!("pigeon");
    assert_eq!(
        judge.post_json("/api/v1/interference", &bad).await.code(),
        "invalid_channel"
    );
    assert_eq!(
        xh_judge
            .post_json("/api/v1/interference", &rec)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        judge
            .get("/api/v1/interference?quarter=2026-Q2")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = pres.get("/api/v1/interference?quarter=2026-Q2").await;
    assert_eq!(r.status, StatusCode::OK);
    // One recorded by the judge, one by the system for the forbidden act.
    assert_eq!(r.json()["report"]["total"], 2, "{}", r.body);
    assert_eq!(
        xh_pres
            .get("/api/v1/interference?quarter=2026-Q2")
            .await
            .json()["report"]["total"],
        0
    );
    let x = pres.get("/interference/export.xlsx?quarter=2026-Q2").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.starts_with("PK"), "an xlsx is a zip");
    assert_eq!(
        judge
            .get("/interference/export.xlsx?quarter=2026-Q2")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A judge cannot open items; a court cannot send referrals.
    let item = json!({"source": "inspection", "title": "x"});
    assert_eq!(
        judge
            .post_json("/api/v1/supervision/items", &item)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let referral = json!({"to_org_id": "hz-pc", "subject": "执行款长期未发放", "content": "群众来信反映",
        "case_number": "（2026）浙0102刑初5号", "responsible_org_id": "sc-court"});
    assert_eq!(
        pres.post_json("/api/v1/referrals", &referral).await.status,
        StatusCode::FORBIDDEN
    );
    let r = plc.post_json("/api/v1/referrals", &referral).await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    let rid = r.json()["id"].as_i64().expect("id");
    let ruri = format!("/api/v1/referrals/{rid}/actions");
    let act_on = |c, a| action(c, &ruri, a);
    assert_eq!(act_on(&plc, "accept").await.code(), "not_receiver");
    assert_eq!(act_on(&pc, "accept").await.status, StatusCode::OK);
    let item_id = pc.get("/api/v1/referrals").await.json()["items"][0]["item_id"]
        .as_i64()
        .expect("item");
    // Others cannot see the item; the responsible court can.
    assert_eq!(
        xh_judge
            .get(&format!("/api/v1/supervision/items/{item_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let iuri = format!("/api/v1/supervision/items/{item_id}/actions");
    let step = |c, a| action(c, &iuri, a);
    assert_eq!(step(&judge, "accept").await.status, StatusCode::OK);
    assert_eq!(step(&judge, "submit").await.code(), "evidence_required");
    let r = judge
        .send(
            "POST",
            &format!(
                "/api/v1/supervision/items/{item_id}/evidence?filename=%E5%87%AD%E8%AF%81.txt"
            ),
            Some("已发放".into()),
            true,
            "text/plain",
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(step(&judge, "submit").await.status, StatusCode::OK);
    assert_eq!(step(&judge, "verify").await.code(), "not_opener_side");
    assert_eq!(step(&pc, "verify").await.status, StatusCode::OK);
    assert_eq!(step(&pc2, "close").await.status, StatusCode::OK);
    assert_eq!(step(&pc2, "reopen").await.code(), "item_closed");
    assert_eq!(act_on(&pc, "share_result").await.status, StatusCode::OK);
    assert_eq!(act_on(&plc, "accept_result").await.status, StatusCode::OK);
    let r = pc
        .get(&format!("/api/v1/supervision/items/{item_id}"))
        .await;
    assert_eq!(r.json()["item"]["state"], "closed");
    assert_eq!(r.json()["evidence"][0]["filename"], "凭证.txt");
    // The 台账 page and its export, and the case page shows flags, acts and the mark.
    let page = pc.get("/supervision").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("执行款长期未发放"), "{}", page.body);
    let x = pc.get("/supervision/export.xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.starts_with("PK"), "an xlsx is a zip");
    let case_page = pres.get(&format!("/cases/{case_id}")).await;
    assert!(case_page.body.contains("当事人或者被害人众多"));
    assert!(case_page.body.contains("系统已拒绝并记录"));
    assert!(case_page.body.contains("本案有过问干预记录 2 条"));
    assert_eq!(
        xh_judge.get("/supervision").await.status,
        StatusCode::OK,
        "an empty 台账 for another county"
    );
    assert!(!xh_judge.get("/supervision").await.body.contains("执行款"));
    let v = s
        .verify_ledger(&tianping_store::ledger::VerifyOptions {
            key: None,
            origin: ORIGIN,
            records: true,
            witnesses: &[],
        })
        .await
        .expect("verify");
    assert!(v.ok(), "{label}: {:?}", v.findings);
}

async fn action(c: &Client, uri: &str, a: &str) -> Resp {
    c.post_json(uri, &json!({"action": a, "note": "已办结"}))
        .await
}

#[tokio::test]
async fn supervision_closes_the_loop_over_http_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        supervision_story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}

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
        }
    }
    // Pages: the dashboard, a drill-down, refusals.
    let page = co.get(&format!("/quality?org=hz-court&{q1}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("结收比") && page.body.contains("0.75"),
        "{}",
        page.body
    );
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
        report.body.contains("2026-Q1 审判执行质效与监督工作报告") && report.body.contains("0.75"),
        "{}",
        report.body
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
}

#[tokio::test]
async fn metrics_are_worked_out_by_hand_and_drill_down_exactly_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        metrics_story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}

/// The library of prior judgments: a judge lists them, filters by charge and opens one with what
/// was read from it; a sysadmin may not; an unknown id is 404.
#[tokio::test]
async fn the_judgment_library_lists_filters_and_shows_what_was_read_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        let s = &db.store;
        load_fixture_orgs(s).await.expect("orgs");
        add_user(s, "j", "sc-court", Role::Judge, Clearance::default()).await;
        add_user(s, "admin", "zj-court", Role::Sysadmin, Clearance::default()).await;
        let now = Utc
            .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
            .single()
            .expect("date");
        let batch = [
            (
                "3696",
                include_str!("../../tianping-domain/tests/lecard/3696.txt"),
            ),
            (
                "7536",
                include_str!("../../tianping-domain/tests/lecard/7536.txt"),
            ),
        ]
        .map(|(id, text)| tianping_store::judgments::NewJudgment {
            source_id: id.into(),
            title: format!("文书 {id}"),
            text: text.into(),
            ..Default::default()
        });
        s.import_judgments("lecard", &batch, now)
            .await
            .expect("import");
        let app = app(s, now);
        let j = Client::as_user(&app, "j").await;
        let list = j.get("/judgments").await;
        assert_eq!(list.status, StatusCode::OK, "{}", db.label);
        assert!(list.body.contains("共 2 篇") && list.body.contains("裁判文书库"));
        let drunk = j.get("/judgments?charge=危险驾驶罪").await;
        assert!(drunk.body.contains("共 1 篇") && drunk.body.contains("文书 3696"));
        assert!(!drunk.body.contains("文书 7536"));
        let id = s
            .judgment_by_source("lecard", "3696")
            .await
            .expect("read")
            .expect("stored")
            .id;
        let page = j.get(&format!("/judgments/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        for want in [
            "拘役1个月",
            "6个月",
            "10000 元",
            "《刑法》第133条之一",
            "深圳市罗湖区人民法院",
        ] {
            assert!(page.body.contains(want), "{want}: {}", page.body);
        }
        let other = s
            .judgment_by_source("lecard", "7536")
            .await
            .expect("read")
            .expect("stored")
            .id;
        let page = j.get(&format!("/judgments/{other}")).await;
        assert!(page.body.contains("有期徒刑8年") && page.body.contains("数罪并罚，决定执行"));
        assert_eq!(
            j.get("/judgments/999999").await.status,
            StatusCode::NOT_FOUND
        );
        let admin = Client::as_user(&app, "admin").await;
        assert_eq!(admin.get("/judgments").await.status, StatusCode::FORBIDDEN);
        db.cleanup().await.expect("cleanup");
    }
}

/// A short judgment of 危险驾驶 as a basic court writes it, with a term of `months` of 拘役.
fn drunk_driving(n: u32, months: &str, alcohol: u32) -> tianping_store::judgments::NewJudgment {
    let text = format!(
        "浙江省杭州市上城区人民法院 刑事判决书 （2019）浙0102刑初{n}号 公诉机关杭州市上城区人民检察院。被告人王{n}，男。\
         经审理查明：2019年3月{n}日晚，被告人王{n}饮酒后驾驶小型轿车行驶，被民警查获，经鉴定其血液中乙醇含量为{alcohol}mg/100ml。\
         本院认为，被告人王{n}在道路上醉酒驾驶机动车，其行为已构成危险驾驶罪。依照《中华人民共和国刑法》第一百三十三条之一之规定，判决如下：\
         被告人王{n}犯危险驾驶罪，判处拘役{months}，并处罚金人民币三千元。 审判员 李某 二〇一九年五月{n}日"
    );
    tianping_store::judgments::NewJudgment {
        source_id: format!("dd{n}"),
        title: format!("王{n}危险驾驶一审刑事判决书"),
        text,
        ..Default::default()
    }
}

async fn similar_story(db: &TestDb) {
    let (s, label) = (&db.store, &db.label);
    load_fixture_orgs(s).await.expect("orgs");
    add_user(s, "j", "sc-court", Role::Judge, Clearance::default()).await;
    add_user(s, "xh", "xh-court", Role::Judge, Clearance::default()).await;
    add_user(
        s,
        "plc",
        "hz-plc",
        Role::PlcSupervisor,
        Clearance::default(),
    )
    .await;
    add_user(s, "admin", "zj-court", Role::Sysadmin, Clearance::default()).await;
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date");
    // Two real judgments (LeCaRD) and five short ones of 危险驾驶 with terms of 1–5 months.
    let mut batch: Vec<_> = [
        (
            "3696",
            include_str!("../../tianping-domain/tests/lecard/3696.txt"),
        ),
        (
            "7536",
            include_str!("../../tianping-domain/tests/lecard/7536.txt"),
        ),
    ]
    .map(|(id, text)| tianping_store::judgments::NewJudgment {
        source_id: id.into(),
        title: format!("文书 {id}"),
        text: text.into(),
        ..Default::default()
    })
    .into_iter()
    .collect();
    for (n, m, a) in [
        (1, "一个月", 95),
        (2, "二个月", 130),
        (3, "三个月", 160),
        (4, "四个月", 190),
        (5, "五个月", 240),
    ] {
        batch.push(drunk_driving(n, m, a));
    }
    s.import_judgments("lecard", &batch, now)
        .await
        .expect("import");
    let app = app(s, now);
    let j = Client::as_user(&app, "j").await;
    let filing = ev(
        "D1",
        "（2026）浙0102刑初7号",
        "2026-05-01T09:00:00+08:00",
        "filed",
        json!({"cause": "危险驾驶罪", "charges": ["危险驾驶罪"], "parties": [{"name": "赵某", "role": "被告人"}]}),
    );
    let r = j.post_json("/api/v1/events", &filing).await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    let case_id = s
        .case_id_by_number("（2026）浙0102刑初7号")
        .await
        .expect("lookup")
        .expect("case");

    // The case's own query (cause and charges): the 危险驾驶 judgments first, with their reasons.
    let page = j.get(&format!("/cases/{case_id}/similar")).await;
    assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
    assert!(
        page.body.contains("同罪名：危险驾驶罪") && page.body.contains("拘役"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"similar-save\""),
        "a judge of the court may report"
    );
    let q = "醉酒驾驶机动车，血液中乙醇含量为200mg/100ml，拟依照《中华人民共和国刑法》第一百三十三条之一第一款第（二）项";
    let r = j
        .get(&format!(
            "/api/v1/cases/{case_id}/similar?facts={}&charges={}",
            form(&[("x", q)]).trim_start_matches("x="),
            form(&[("x", "危险驾驶罪")]).trim_start_matches("x=")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.body);
    let v = r.json();
    let results = v["results"].as_array().expect("results").clone();
    assert!(results.len() >= 6, "{v}");
    for x in &results[..6] {
        assert_eq!(x["shared_charges"], json!(["危险驾驶罪"]), "{v}");
    }
    assert!(
        results[0]["outcome"]
            .as_str()
            .expect("outcome")
            .contains("拘役")
    );
    assert_eq!(
        results.last().expect("last")["shared_charges"],
        json!([]),
        "the other charge last"
    );
    // Why each ranked: the shared facts in words, the same statute (whichever 款), the court's
    // level beside the case's, the year.
    let top = &results[0];
    let words: Vec<&str> = top["shared_words"]
        .as_array()
        .expect("shared_words")
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert!(words.contains(&"乙醇"), "{top}");
    assert_eq!(
        top["shared_articles"],
        json!(["《刑法》第133条之一"]),
        "{top}"
    );
    assert_eq!(top["level"], json!("basic"), "{top}");
    assert_eq!(top["same_level"], json!(true), "{top}");
    let why = top["why"].as_str().expect("why");
    for part in [
        "同罪名：危险驾驶罪",
        "共同事实：",
        "同援引法条：《刑法》第133条之一",
        "基层法院（与本案同级），",
    ] {
        assert!(why.contains(part), "{label}: {why}");
    }
    let year = &top["decided_on"].as_str().expect("decided_on")[..4];
    assert!(why.contains(&format!("{year}年裁判")), "{label}: {why}");
    let snapshot = v["snapshot"]["last_judgment_id"]
        .as_u64()
        .expect("snapshot");
    assert_eq!(snapshot, s.max_judgment_id().await.expect("max") as u64);
    // Bad input is named.
    let r = j
        .get(&format!("/api/v1/cases/{case_id}/similar?year_from=abc"))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "invalid_year".into())
    );
    let page = j
        .get(&format!(
            "/cases/{case_id}/similar?year_from=2020&year_to=2019"
        ))
        .await;
    assert!(
        page.body.contains("起始年份 2020 晚于截止年份 2019"),
        "{}",
        page.body
    );
    let page = j
        .get(&format!("/cases/{case_id}/similar?level=intermediate"))
        .await;
    assert!(
        page.body.contains("没有找到相似案件"),
        "no intermediate court judgments"
    );

    // A 四类案件 flag of a mandatory situation leaves a retrieval task on the case.
    let r = j
        .post_json(
            &format!("/api/v1/cases/{case_id}/flags"),
            &json!({"situation": "1.first_case", "reason": "新类型案件"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    let case_page = j.get(&format!("/cases/{case_id}")).await;
    assert!(
        case_page.body.contains("本案应当进行类案检索"),
        "{}",
        case_page.body
    );
    assert!(case_page.body.contains("具有首案效应的新类型案件"));

    // The report: annotations need a reason; the saved report names query, snapshot and ranking.
    let first = results[0]["judgment_id"].as_i64().expect("id").to_string();
    let second = results[1]["judgment_id"].as_i64().expect("id").to_string();
    let (a1, n1, a2, n2) = (
        format!("a_{first}"),
        format!("n_{first}"),
        format!("a_{second}"),
        format!("n_{second}"),
    );
    let snap = snapshot.to_string();
    let base = |note2: &'static str| {
        vec![
            ("csrf", j.csrf.clone()),
            ("facts", q.to_string()),
            ("charges", "危险驾驶罪".to_string()),
            ("snapshot", snap.clone()),
            (a1.as_str(), "refer".to_string()),
            (n1.as_str(), "情节、酒精含量相近".to_string()),
            (a2.as_str(), "not_refer".to_string()),
            (n2.as_str(), note2.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect::<Vec<(String, String)>>()
    };
    let body = |f: &[(String, String)]| {
        form(
            &f.iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        )
    };
    let uri = format!("/cases/{case_id}/similar/reports");
    let r = j
        .send(
            "POST",
            &uri,
            Some(body(&base(""))),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    // note_required is 422 wherever it is answered (the error code table owns its status).
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {}", r.body);
    assert!(
        r.body.contains("第 2 条结果") && r.body.contains("请写明理由"),
        "{}",
        r.body
    );
    let xh = Client::as_user(&app, "xh").await;
    let mut forged = base("酒精含量差异大");
    forged[0].1 = xh.csrf.clone();
    let r = xh
        .send(
            "POST",
            &uri,
            Some(body(&forged)),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another county's judge cannot report on the case"
    );
    let plc = Client::as_user(&app, "plc").await;
    assert!(
        !plc.get(&format!("/cases/{case_id}/similar"))
            .await
            .body
            .contains("id=\"similar-save\"")
    );
    forged[0].1 = plc.csrf.clone();
    let r = plc
        .send(
            "POST",
            &uri,
            Some(body(&forged)),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "{label}: a 政法委 reader cannot write the court's report"
    );
    let r = j
        .send(
            "POST",
            &uri,
            Some(body(&base("酒精含量差异大"))),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
    let to = r
        .headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("location")
        .to_string();
    let report_id: i64 = to
        .rsplit('/')
        .next()
        .and_then(|x| x.parse().ok())
        .expect("report id");
    let stored = s.report(report_id).await.expect("read").expect("stored");
    assert_eq!(stored.body.case_id, case_id);
    assert_eq!(stored.body.snapshot_last_id as u64, snapshot);
    assert_eq!(
        stored.body.results[0].annotation,
        tianping_store::retrieval::Annotation::Refer
    );
    assert_eq!(stored.body.results[1].note, "酒精含量差异大");
    let ids: Vec<i64> = stored.body.results.iter().map(|x| x.judgment_id).collect();
    let api_ids: Vec<i64> = results
        .iter()
        .map(|x| x["judgment_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, api_ids, "the report keeps the list the judge saw");
    assert_eq!(
        stored.body.results[0].shared_articles,
        vec!["《刑法》第133条之一".to_string()]
    );
    assert!(
        stored.body.results[0]
            .shared_words
            .contains(&"乙醇".to_string())
    );
    let printed = j.get(&format!("{to}?print=1")).await;
    assert!(
        printed.body.contains("共同事实：") && printed.body.contains("同援引法条："),
        "{}",
        printed.body
    );

    // A newer judgment closer to the query does not change what the report re-runs to.
    s.import_judgments("lecard", &[drunk_driving(9, "二个月", 200)], now)
        .await
        .expect("import");
    let live = j
        .get(&format!(
            "/api/v1/cases/{case_id}/similar?facts={}",
            form(&[("x", q)]).trim_start_matches("x=")
        ))
        .await;
    assert_ne!(
        live.json()["snapshot"]["last_judgment_id"].as_u64(),
        Some(snapshot),
        "the index followed the new row"
    );
    let again = tianping_server::similar::rerun(
        &AppState {
            store: s.clone(),
            clock: Arc::new(FixedClock(now)),
            policy: auth::Policy::default(),
            ledger: identity(),
            library: Arc::new(tianping_server::similar::Library::in_memory()),
        },
        &stored,
    )
    .await
    .expect("rerun");
    assert!(
        again.same && again.ids == ids,
        "{label}: re-run {:?} vs stored {ids:?}",
        again.ids
    );
    let page = j.get(&to).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "类案检索报告",
        "结果与本报告一致",
        "参照",
        "不参照：酒精含量差异大",
        "（2026）浙0102刑初7号",
        "similar-3",
    ] {
        assert!(page.body.contains(want), "{want}: {}", page.body);
    }
    let print = j.get(&format!("{to}?print=1")).await;
    assert!(print.body.contains("class=\"report print\""));
    assert_eq!(xh.get(&to).await.status, StatusCode::NOT_FOUND);
    let admin = Client::as_user(&app, "admin").await;
    assert_eq!(admin.get(&to).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.get(&format!("/cases/{case_id}/similar")).await.status,
        StatusCode::FORBIDDEN
    );
    let case_page = j.get(&format!("/cases/{case_id}")).await;
    assert!(
        !case_page.body.contains("本案应当进行类案检索") && case_page.body.contains("已有检索报告")
    );
    assert!(
        case_page
            .body
            .contains(&format!("类案检索报告 #{report_id}"))
    );

    // The deviation sweep's first run starts from now (nothing decided yet here).
    let st = AppState {
        store: s.clone(),
        clock: Arc::new(FixedClock(now)),
        policy: auth::Policy::default(),
        ledger: identity(),
        library: Arc::new(tianping_server::similar::Library::in_memory()),
    };
    let rep = tianping_server::similar::sweep_deviations(&st)
        .await
        .expect("sweep");
    assert_eq!((rep.checked, rep.raised), (0, 0), "{label}");

    // Deviation: 12 months of 拘役 against similar judgments of 1–5 months.
    let closed = ev(
        "D2",
        "（2026）浙0102刑初7号",
        "2026-05-20T09:00:00+08:00",
        "closed",
        json!({"disposition": "judgment", "sentence_months": 12}),
    );
    let r = j.post_json("/api/v1/events", &closed).await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    let case_page = j.get(&format!("/cases/{case_id}")).await;
    assert!(
        case_page.body.contains("量刑偏离提示") && case_page.body.contains("高于"),
        "{}",
        case_page.body
    );
    assert!(
        case_page.body.contains("1个月 至 5个月"),
        "{}",
        case_page.body
    );

    // The sweep raises the warning once and mails it to the court's case office.
    add_user(
        s,
        "office",
        "sc-court",
        Role::CaseOffice,
        Clearance::default(),
    )
    .await;
    add_user(s, "xo", "xh-court", Role::CaseOffice, Clearance::default()).await;
    let office = s.user_by_username("office").await.expect("u").expect("u");
    s.set_notification_preferences(office.id, Some("office@court.test"), "daily", now)
        .await
        .expect("prefs");
    // Starting the sweep again (as the demo does after loading) keeps its cursor: the closing
    // recorded since is still swept.
    s.start_deviation_sweep().await.expect("start");
    let rep = tianping_server::similar::sweep_deviations(&st)
        .await
        .expect("sweep");
    assert_eq!((rep.checked, rep.raised, rep.mails), (1, 1, 1), "{label}");
    let rep = tianping_server::similar::sweep_deviations(&st)
        .await
        .expect("sweep");
    assert_eq!(
        (rep.checked, rep.raised),
        (0, 0),
        "{label}: once per closing"
    );
    let mail = s.mails(Some("office@court.test"), 10).await.expect("mails");
    assert_eq!(mail.len(), 1, "{label}");
    assert_eq!(mail[0].subject, "【量刑偏离预警】（2026）浙0102刑初7号");
    assert!(
        mail[0].body.contains("危险驾驶罪判处 1年，高于")
            && mail[0].body.contains("1个月 至 5个月"),
        "{}",
        mail[0].body
    );
    let case_page = j.get(&format!("/cases/{case_id}")).await;
    assert!(
        case_page.body.contains("id=\"deviation-warnings\"")
            && case_page.body.contains("待审管办签收")
            && !case_page.body.contains("deviation-ack-"),
        "{}",
        case_page.body
    );
    let office_c = Client::as_user(&app, "office").await;
    let open = office_c.get("/api/v1/deviation-warnings").await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    let w = &open.json()["warnings"][0];
    assert_eq!(w["charge"], "危险驾驶罪");
    assert_eq!(w["decided_months"], 12);
    assert_eq!(w["range_months"], json!([1, 5]));
    let wid = w["id"].as_i64().expect("id");
    let board = office_c.get("/warnings").await;
    assert!(
        board.body.contains("量刑偏离预警（未签收 1）"),
        "{}",
        board.body
    );
    // Only the court's own case office (or president) acknowledges; others cannot cross over.
    let ack = format!("/api/v1/deviation-warnings/{wid}/ack");
    assert_eq!(
        j.post_json(&ack, &json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let xo = Client::as_user(&app, "xo").await;
    assert_eq!(
        xo.post_json(&ack, &json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        xo.get("/api/v1/deviation-warnings").await.json()["warnings"],
        json!([])
    );
    assert_eq!(
        admin.post_json(&ack, &json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let r = office_c.post_json(&ack, &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["changed"], true);
    assert_eq!(
        office_c.post_json(&ack, &json!({})).await.json()["changed"],
        false
    );
    assert_eq!(
        office_c.get("/api/v1/deviation-warnings").await.json()["warnings"],
        json!([])
    );
    let case_page = j.get(&format!("/cases/{case_id}")).await;
    assert!(
        case_page.body.contains("已签收（office-name"),
        "{}",
        case_page.body
    );

    // A report ranked by an earlier version of the ranking says so on re-running (it cannot be
    // repeated), and keeps its own list. (Written into the row directly, as an older release would
    // have stored it.)
    sqlx::query("UPDATE retrieval_reports SET ranking_version = $1 WHERE id = $2")
        .bind("similar-2：旧版")
        .bind(report_id)
        .execute(s.pool())
        .await
        .expect("older report");
    let page = j.get(&to).await;
    assert!(
        page.body.contains("本报告按排序版本“similar-2：旧版”生成")
            && page.body.contains("无法按原版本重新检索")
            && page.body.contains("（2026）浙0102刑初7号"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn similar_cases_are_retrieved_reported_and_rerun_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        similar_story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
