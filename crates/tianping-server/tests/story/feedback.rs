//! The public's ratings over HTTP (issue 24): the case office issues a party's code for a case
//! (checked offline with the court's verifier), a party opens the code's page without logging in
//! (court and kind of case, never a name, the case number or a hidden cause), rates badly with a
//! phone number — once —, the item it opens runs 回访 → 整改 → 答复 with each step's words
//! required, and the 司法公正感受度 index counts it; a tampered or expired code is refused, a
//! window's code is limited per device, an anonymous bad rating waits for review, a set-aside is
//! never the rated judge's, and a 人大 reader sees the index without anyone's phone.

use crate::common::*;

/// A public form post (no session, no CSRF token: the code is the authority).
async fn rate_form(app: &Router, token: &str, fields: &[(&str, &str)], cookie: &str) -> Resp {
    let mut b = Request::builder()
        .method("POST")
        .uri(format!("/r/{token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookie.is_empty() {
        b = b.header(header::COOKIE, cookie);
    }
    request(app, b.body(Body::from(form(fields))).expect("request")).await
}

async fn rate_json(app: &Router, token: &str, v: &Value) -> Resp {
    let req = Request::builder()
        .method("POST")
        .uri(format!("/r/{token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(v.to_string()))
        .expect("request");
    request(app, req).await
}

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-10T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
}

async fn issue(c: &Client, case: i64, party: &str) -> Resp {
    c.post_json(
        &format!("/api/v1/cases/{case}/feedback-tokens"),
        &json!({ "party": party }),
    )
    .await
}

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("sc_office", "sc-court", Role::CaseOffice),
        ("sc_office2", "sc-court", Role::CaseOffice),
        ("sc_judge", "sc-court", Role::Judge),
        ("sc_chief", "sc-court", Role::DivisionChief),
        ("xh_office", "xh-court", Role::CaseOffice),
        ("hz_deputy", "hz-pc", Role::Deputy),
        ("sc_proc", "sc-proc", Role::CaseOffice),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    let civil = "（2026）浙0102民初501号";
    let minors = "（2026）浙0102刑初88号";
    let events = vec![
        ev(
            "f1",
            civil,
            "2026-10-08T09:00:00+08:00",
            "filed",
            json!({"cause": "民间借贷纠纷", "parties": [{"name": "钱某某", "role": "原告"}, {"name": "孙某某", "role": "被告"}]}),
        ),
        ev(
            "f2",
            civil,
            "2026-10-09T09:00:00+08:00",
            "assigned",
            json!({"judge": "sc_chief-name"}),
        ),
        ev(
            "f3",
            minors,
            "2026-10-08T09:00:00+08:00",
            "filed",
            json!({"cause": "寻衅滋事", "charges": ["寻衅滋事罪"], "parties": [{"name": "周小某", "role": "被告人", "minor": true}]}),
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
    let case = s
        .case_id_by_number(civil)
        .await
        .expect("case")
        .expect("case");
    let minors_case = s
        .case_id_by_number(minors)
        .await
        .expect("case")
        .expect("case");
    let app = app(s, now());
    let office = Client::as_user(&app, "sc_office").await;
    let office2 = Client::as_user(&app, "sc_office2").await;
    let judge = Client::as_user(&app, "sc_judge").await;
    let chief = Client::as_user(&app, "sc_chief").await;
    let xh = Client::as_user(&app, "xh_office").await;
    let deputy = Client::as_user(&app, "hz_deputy").await;
    let proc = Client::as_user(&app, "sc_proc").await;
    let anon = Client::anonymous(&app);

    // Issuing: the court's own staff only; another court's, a procuratorate's, a deputy's refused.
    let r = issue(&office, case, "原告").await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    let token = r.json()["token"].as_str().expect("token").to_string();
    let url = r.json()["url"].as_str().expect("url").to_string();
    assert_eq!(url, format!("{PUBLIC_URL}/r/{token}"));
    assert_eq!(token.len(), 126);
    let claims = feedback_key()
        .verifier()
        .open_token(&url, now().timestamp())
        .expect("the court's verifier opens its code offline");
    assert_eq!(claims.scope, tianping_ledger::Scope::CaseParty);
    assert_eq!(issue(&xh, case, "原告").await.status, StatusCode::NOT_FOUND);
    assert_eq!(issue(&proc, case, "原告").await.code(), "forbidden");
    assert_eq!(issue(&deputy, case, "原告").await.code(), "forbidden");
    assert_eq!(issue(&office, case, "").await.code(), "field_empty");
    let r = office
        .send(
            "POST",
            &format!("/api/v1/cases/{case}/feedback-tokens"),
            Some("{}".into()),
            false,
            "application/json",
        )
        .await;
    assert_eq!(
        r.code(),
        "csrf_token_invalid",
        "[{label}] a write needs CSRF"
    );
    // The case page links to its codes; the codes page prints each with its QR code.
    let page = office.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("feedback-codes"), "[{label}]");
    let page = office.get(&format!("/cases/{case}/feedback-codes")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<svg") && page.body.contains(&token),
        "[{label}]"
    );

    // The public page: no login, the court and the kind of case, nothing that names anyone.
    let page = anon.get(&format!("/r/{token}")).await;
    assert_eq!(page.status, StatusCode::OK, "[{label}] {}", page.body);
    for want in [
        "杭州市上城区人民法院",
        "民事（原告）",
        "民间借贷纠纷",
        "非常不满意",
    ] {
        assert!(page.body.contains(want), "[{label}] {want}: {}", page.body);
    }
    for never in ["钱某某", "孙某某", civil, "sc_chief-name", "checked"] {
        assert!(
            !page.body.contains(never),
            "[{label}] the page shows {never}"
        );
    }
    let qr = anon.get(&format!("/r/{token}/qr.svg")).await;
    assert_eq!(qr.status, StatusCode::OK);
    assert!(qr.body.contains("<svg"));
    // A minors' case: its kind, never its cause.
    let r = issue(&office, minors_case, "被告人").await;
    let minors_token = r.json()["token"].as_str().expect("token").to_string();
    let page = anon.get(&format!("/r/{minors_token}")).await;
    assert!(page.body.contains("刑事（被告人）"), "[{label}]");
    assert!(!page.body.contains("寻衅滋事") && !page.body.contains("周小某"));

    // A tampered code, a forged one and an expired one are refused.
    let mut tampered = token.clone().into_bytes();
    tampered[40] = if tampered[40] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    assert_eq!(
        anon.get(&format!("/r/{tampered}")).await.status,
        StatusCode::BAD_REQUEST
    );
    let r = rate_json(&app, &tampered, &json!({"rating": 5})).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "bad_token".into())
    );
    let other = tianping_ledger::LogKey::from_seed("court.test/feedback", [3; 32]).expect("key");
    let forged = other.sign_token(&claims);
    assert_eq!(
        rate_json(&app, &forged, &json!({"rating": 5})).await.code(),
        "bad_token"
    );
    let expired = feedback_key().sign_token(&tianping_ledger::Token {
        expires: now().timestamp() - 1,
        ..claims
    });
    let r = rate_json(&app, &expired, &json!({"rating": 5})).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::GONE, "token_expired".into())
    );

    // No level is assumed; each problem is named next to its field.
    let r = rate_form(
        &app,
        &token,
        &[("comment", "开庭一再推迟"), ("phone", "12345")],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("请选择满意程度") && r.body.contains("手机号码“12345”无效"));
    assert!(
        r.body.contains("开庭一再推迟"),
        "[{label}] what was typed is kept"
    );
    let r = rate_json(&app, &token, &json!({"rating": 9})).await;
    assert_eq!(r.code(), "invalid_rating");
    assert_eq!(r.json()["error"]["details"]["field"], "rating");

    // A bad rating with a phone: accepted once, with the promise of a call-back.
    let fields = [
        ("rating", "1"),
        ("aspects", "efficiency"),
        ("aspects", "attitude"),
        ("comment", "开庭一再推迟，电话无人接听"),
        ("name", "钱女士"),
        ("phone", "138 5710 2000"),
    ];
    let r = rate_form(&app, &token, &fields, "").await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    assert!(r.body.contains("3 个工作日内"), "[{label}] {}", r.body);
    let r = rate_json(&app, &token, &json!({"rating": 5})).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "already_rated".into())
    );
    assert!(
        anon.get(&format!("/r/{token}"))
            .await
            .body
            .contains("已经评价过")
    );

    // It is a supervision item of source 群众评价, the court responsible, the call-back due
    // three working days on (Tue 10 Nov → Fri 13 Nov).
    let items = office
        .get("/api/v1/supervision/items?source=feedback")
        .await;
    assert_eq!(items.status, StatusCode::OK, "[{label}] {}", items.body);
    let list = items.json()["items"].as_array().expect("items").clone();
    assert_eq!(list.len(), 1, "[{label}] {list:?}");
    let item = &list[0];
    assert_eq!(item["source"], "public_rating");
    assert_eq!(item["state"], "assigned");
    assert_eq!(item["responsible_org_id"], "sc-court");
    assert_eq!(item["opened_by_name"], "群众（司法公正码）");
    assert!(
        item["stage_due_at"]
            .as_str()
            .is_some_and(|d| d.starts_with("2026-11-13T16:00:00")),
        "[{label}] {item}"
    );
    assert!(
        !item["description"]
            .as_str()
            .unwrap_or("")
            .contains("13857102000")
    );
    let item_id = item["id"].as_i64().expect("id");
    assert_eq!(
        office
            .get("/api/v1/supervision/items?source=nonsense")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        xh.get("/api/v1/supervision/items?source=feedback")
            .await
            .json()["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    // The item page names the steps as the court works them and links to the rating, whose
    // page shows the phone to the office.
    let page = office.get(&format!("/supervision/{item_id}")).await;
    assert!(
        page.body.contains("登记回访") && page.body.contains("rating-link"),
        "[{label}]"
    );
    let rating_id = s
        .ratings(&tianping_store::feedback::RatingFilter {
            region_prefix: "/".into(),
            limit: 10,
            follow_up: Some("callback".into()),
            ..Default::default()
        })
        .await
        .expect("ratings")
        .0[0]
        .id;
    let page = office.get(&format!("/feedback/ratings/{rating_id}")).await;
    assert!(
        page.body.contains("钱女士 13857102000"),
        "[{label}] {}",
        page.body
    );

    // 回访 → 整改 → 答复: the call-back and the reply must say what was done.
    let actions = format!("/api/v1/supervision/items/{item_id}/actions");
    async fn act(c: &Client, uri: &str, a: &str, note: &str) -> Resp {
        c.post_json(uri, &json!({"action": a, "note": note})).await
    }
    let step = |c, a, note| act(c, &actions, a, note);
    assert_eq!(step(&judge, "accept", "").await.code(), "note_required");
    let r = step(
        &judge,
        "accept",
        "11月11日电话回访钱女士，反映开庭两次推迟未告知原因",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    let r = judge
        .send(
            "POST",
            &format!(
                "/api/v1/supervision/items/{item_id}/evidence?filename=%E6%95%B4%E6%94%B9.txt"
            ),
            Some("排期制度整改".into()),
            true,
            "text/plain",
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    assert_eq!(
        step(&judge, "submit", "已定期开庭并书面告知").await.status,
        StatusCode::OK
    );
    assert_eq!(
        step(&office, "verify", "核实属实").await.status,
        StatusCode::OK
    );
    assert_eq!(step(&office2, "close", "").await.code(), "note_required");
    let r = step(
        &office2,
        "close",
        "11月20日电话答复钱女士整改情况，表示认可",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);

    // A good rating through the JSON API; an anonymous bad one waits for review.
    let second = issue(&office, case, "被告").await.json()["token"]
        .as_str()
        .expect("token")
        .to_string();
    let r = rate_json(
        &app,
        &second,
        &json!({"rating": 5, "aspects": ["fairness"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    assert_eq!(r.json()["follow_up"], "none");
    let r = rate_json(
        &app,
        &minors_token,
        &json!({"rating": 2, "comment": "周小某的事没人管"}),
    )
    .await;
    assert_eq!(r.json()["follow_up"], "review", "[{label}] {}", r.body);
    let todo = office.get("/api/v1/me/todo").await;
    assert!(
        todo.body.contains("review_rating"),
        "[{label}] {}",
        todo.body
    );

    // The index: this quarter, by court; each number drills down to its ratings.
    let idx = office.get("/api/v1/feedback/index").await;
    assert_eq!(idx.status, StatusCode::OK, "[{label}] {}", idx.body);
    let l = &idx.json()["lines"][0];
    assert_eq!(l["key"], "sc-court", "[{label}] {}", idx.body);
    assert_eq!(
        (l["ratings"].as_i64(), l["good"].as_i64(), l["bad"].as_i64()),
        (Some(3), Some(1), Some(2))
    );
    assert_eq!(
        (
            l["callbacks"].as_i64(),
            l["called_back"].as_i64(),
            l["rectified"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(l["rectify_rate"].as_f64(), Some(100.0));
    let page = office.get("/feedback").await;
    assert!(
        page.body.contains("杭州市上城区人民法院") && page.body.contains("33.3%"),
        "[{label}] {}",
        page.body
    );
    assert!(page.body.contains("1 条未留电话的差评待复核"), "[{label}]");
    let drill = office.get("/feedback/ratings?bad=1").await;
    assert!(drill.body.contains("开庭一再推迟") && drill.body.contains("非常不满意"));
    // The minors' case's words need a clearance the office does not have.
    assert!(!drill.body.contains("周小某"), "[{label}]");
    let by_judge = office.get("/api/v1/feedback/index?by=judge").await;
    assert!(by_judge.body.contains("sc_chief-name"), "[{label}]");
    assert_eq!(
        office.get("/api/v1/feedback/index?quarter=5").await.code(),
        "invalid"
    );

    // The 人大 sees the index and the ratings, not the phone; another court sees nothing of 上城.
    let r = deputy.get("/api/v1/feedback/ratings").await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    assert_eq!(r.json()["total"], 3);
    assert!(
        !r.body.contains("13857102000") && !r.body.contains("钱女士"),
        "[{label}]"
    );
    assert_eq!(
        deputy.get("/api/v1/feedback/index").await.json()["lines"][0]["ratings"],
        3
    );
    assert_eq!(xh.get("/api/v1/feedback/ratings").await.json()["total"], 0);
    assert_eq!(
        judge.get("/api/v1/feedback/ratings").await.code(),
        "forbidden"
    );
    assert_eq!(proc.get("/feedback").await.status, StatusCode::FORBIDDEN);

    // Decisions: the rated judge (the chief handles the case) cannot set a rating aside; the
    // office can, with a reason; it then leaves the index but stays on record.
    let uri = format!("/feedback/ratings/{rating_id}/decide");
    let r = post_form(&chief, &uri, &[("kind", "set_aside"), ("note", "恶意评价")]).await;
    assert!(r.body.contains("承办法官不能"), "[{label}] {}", r.body);
    let r = post_form(&office, &uri, &[("kind", "set_aside"), ("note", "")]).await;
    assert!(r.body.contains("请写明理由"), "[{label}]");
    let r = post_form(
        &office,
        &uri,
        &[("kind", "set_aside"), ("note", "经核实系误评")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let l = &office.get("/api/v1/feedback/index").await.json()["lines"][0];
    assert_eq!(
        l["ratings"], 2,
        "[{label}] a set-aside rating leaves the index"
    );
    let r = post_form(&office2, &uri, &[("kind", "set_aside"), ("note", "再次")]).await;
    assert!(r.body.contains("已作过同样的决定"), "[{label}]");

    // The anonymous bad rating is reviewed once, and leaves the 待办.
    let review = s
        .ratings(&tianping_store::feedback::RatingFilter {
            region_prefix: "/".into(),
            limit: 10,
            unreviewed: true,
            ..Default::default()
        })
        .await
        .expect("ratings")
        .0[0]
        .id;
    let r = post_form(
        &office,
        &format!("/feedback/ratings/{review}/decide"),
        &[
            ("kind", "reviewed"),
            ("note", "已转刑事庭关注，涉未成年人案件不回访"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    assert!(
        !office
            .get("/api/v1/me/todo")
            .await
            .body
            .contains("review_rating")
    );

    // A window's code: many ratings, at most three a day from one device.
    let r = post_form(
        &office,
        "/feedback/windows",
        &[("party", "诉讼服务中心立案窗口")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let page = office.get("/feedback/windows").await;
    let window = page
        .body
        .split(&format!("{PUBLIC_URL}/r/"))
        .nth(1)
        .and_then(|x| x.split('"').next())
        .expect("the window's code is on the page")
        .to_string();
    let first = anon.get(&format!("/r/{window}")).await;
    let cookie = first
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("a device cookie")
        .to_string();
    for _ in 0..3 {
        let r = rate_form(&app, &window, &[("rating", "4")], &cookie).await;
        assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    }
    let r = rate_form(&app, &window, &[("rating", "4")], &cookie).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "[{label}] {}",
        r.body
    );
    let r = rate_form(
        &app,
        &window,
        &[("rating", "5")],
        "tp_device=0123456789abcdef0123456789abcdef",
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "[{label}] another device may rate"
    );

    // Every write is in the ledger, and the ledger verifies.
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
async fn a_bad_rating_closes_its_loop_and_the_index_counts_it_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
