//! Supervision over HTTP: flags, acts, interference records, items through the closed loop,
//! referrals and joint projects.

use crate::common::*;

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
    // The 四类案件 list: only flagged cases, each with its situations, acts and retrieval.
    let other = ev(
        "S2",
        "（2026）浙0102民初9号",
        "2026-05-02T09:00:00+08:00",
        "filed",
        json!({"cause": "借款合同纠纷"}),
    );
    assert_eq!(
        judge.post_json("/api/v1/events", &other).await.status,
        StatusCode::CREATED
    );
    let all = judge.get("/api/v1/cases").await.json();
    assert_eq!(all["total"], 2, "{label}: {all}");
    let list = judge.get("/api/v1/cases?flag=four_categories").await.json();
    assert_eq!(list["total"], 1, "{label}: {list}");
    let line = &list["items"][0]["four_categories"];
    assert_eq!(list["items"][0]["id"], case_id, "{label}");
    assert_eq!(
        line["situations"].as_array().map(Vec::len),
        Some(2),
        "{label}: {line}"
    );
    assert_eq!(line["supervision_acts"], 1, "{label}: {line}");
    assert_eq!(line["retrieval_reports"], 0, "{label}: {line}");
    let r = judge.get("/api/v1/cases?flag=sensitive").await;
    assert_eq!(r.code(), "invalid_query", "{label}: {}", r.body);
    assert_eq!(r.json()["error"]["details"]["field"], "flag", "{label}");
    let page = judge.get("/cases?flag=four_categories").await;
    assert!(page.body.contains("标记情形"), "{label}");
    assert!(page.body.contains("（2026）浙0102刑初5号"), "{label}");
    assert!(
        !page.body.contains("（2026）浙0102民初9号"),
        "{label}: unflagged case listed"
    );
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
    // The sender reads mail at once: it is told what the receiver decided.
    let (plc_id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE username = 'plc'")
        .fetch_one(s.pool())
        .await
        .expect("plc");
    s.set_notification_preferences(plc_id, Some("plc@example.org"), "immediately", Utc::now())
        .await
        .expect("preferences");
    let r = plc.post_json("/api/v1/referrals", &referral).await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    let rid = r.json()["id"].as_i64().expect("id");
    let ruri = format!("/api/v1/referrals/{rid}/actions");
    let act_on = |c, a| action(c, &ruri, a);
    assert_eq!(act_on(&plc, "accept").await.code(), "not_receiver");
    assert_eq!(act_on(&pc, "accept").await.status, StatusCode::OK);
    let (told,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM outbox WHERE user_id = $1 AND subject LIKE '【通知】%' AND body LIKE '%已受理，并立为督办事项%'",
    )
    .bind(plc_id)
    .fetch_one(s.pool())
    .await
    .expect("outbox");
    assert_eq!(
        told, 1,
        "{label}: the sender is told the referral was accepted"
    );
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
    // A workbook to work in: dates are dates (a serial number with a date format, not text),
    // the header is frozen and filterable, and it prints one page wide with the header repeated.
    let xml = x.xlsx_text();
    assert!(
        xml.contains("yyyy-mm-dd"),
        "{label}: a date format is defined"
    );
    let sheet_cells: Vec<&str> = xml.split("<c r=\"L3\"").skip(1).collect();
    let opened = sheet_cells
        .first()
        .expect("the 立项日期 cell of the first row");
    let opened = &opened[..opened.find("</c>").expect("cell end")];
    assert!(
        !opened.contains("t=\"s\"") && opened.contains("<v>4"),
        "{label}: 立项日期 is a date serial: {opened}"
    );
    assert!(xml.contains("<autoFilter"), "{label}: filterable header");
    // The same 台账 as a Word document: a table with 整改措施 and 核验意见, a Chinese date.
    let doc = pc.get("/supervision/ledger.docx").await;
    assert_eq!(doc.status, StatusCode::OK, "{label}");
    let doc_xml = doc.xlsx_text();
    for want in [
        "整改台账",
        "<w:tbl>",
        "整改措施",
        "核验意见",
        "执行款长期未发放",
        "年6月1日",
    ] {
        assert!(doc_xml.contains(want), "{label}: ledger.docx lacks {want}");
    }
    assert!(xml.contains("state=\"frozen\""), "{label}: frozen header");
    assert!(
        xml.contains("_xlnm.Print_Titles"),
        "{label}: header on every page"
    );
    // The 台账 says what was done and what the verifier found, with who and when.
    assert!(
        xml.contains("整改措施") && xml.contains("核验意见"),
        "{label}: the columns"
    );
    assert!(
        xml.contains("已办结（judge-name"),
        "{label}: the rectification with its author"
    );
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
            witness_keys: &[],
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
