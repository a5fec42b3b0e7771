//! 失信被执行人名单 over HTTP: an execution judge lists a debtor of an execution case of their own
//! court (a minor, another court's case, a civil case, ground (一) with a guarantee all refused
//! with the article that forbids it), the public list shows the name with the number masked,
//! deletion waits for a cause of art. 10, the cause sets the day to delete by (three working
//! days) and the 待办, the public list drops the entry at once, and the deletion is recorded.

use crate::common::*;

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-10T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
}

/// A valid 公民身份号码 of someone born on `birth` (YYYYMMDD).
fn id_of(birth: &str) -> String {
    let body = format!("110105{birth}003");
    let check = tianping_domain::identity::check_char(&body).expect("17 digits");
    format!("{body}{check}")
}

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("sc_judge", "sc-court", Role::Judge),
        ("xh_judge", "xh-court", Role::Judge),
        ("sc_proc", "sc-proc", Role::CaseOffice),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    let exec = "（2026）浙0102执100号";
    let civil = "（2026）浙0102民初9号";
    let events = vec![
        ev(
            "d1",
            exec,
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "民间借贷纠纷执行", "parties": [{"name": "钱某某", "role": "申请执行人"}, {"name": "孙某某", "role": "被执行人"}]}),
        ),
        ev(
            "d2",
            civil,
            "2026-03-02T09:00:00+08:00",
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
    let xh = Client::as_user(&app, "xh_judge").await;
    let proc = Client::as_user(&app, "sc_proc").await;
    let anon = Client::anonymous(&app);
    assert_eq!(judge.get("/dishonest").await.status, StatusCode::OK);
    assert_eq!(proc.get("/dishonest").await.status, StatusCode::FORBIDDEN);

    let adult = id_of("19800102");
    let listing = |case: &'static str, id: String, ground: &'static str| -> Vec<(String, String)> {
        vec![
            ("case_number".to_string(), case.to_string()),
            ("kind".to_string(), "person".to_string()),
            ("name".to_string(), "孙某某".to_string()),
            ("id_number".to_string(), id),
            ("ground".to_string(), ground.to_string()),
            ("extra_years".to_string(), "0".to_string()),
            ("decided_on".to_string(), "2026-11-02".to_string()),
        ]
    };
    let send = |c: &'static str,
                id: String,
                g: &'static str,
                extra: &'static [(&'static str, &'static str)]| {
        let mut f = listing(c, id, g);
        f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        f
    };
    async fn go(c: &Client, f: &[(String, String)]) -> Resp {
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        post_form(c, "/dishonest", &refs).await
    }
    // Refused, each with the provision that forbids it.
    let r = go(&judge, &send(exec, id_of("20100501"), "evades", &[])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("第四条"), "[{label}] a minor: {}", r.body);
    let r = go(
        &judge,
        &send(exec, adult.clone(), "able_refuses", &[("guarantee", "on")]),
    )
    .await;
    assert!(r.body.contains("第三条"), "[{label}]");
    let r = go(&judge, &send(civil, adult.clone(), "evades", &[])).await;
    assert!(r.body.contains("不是执行案件"), "[{label}]");
    let r = go(&xh, &send(exec, adult.clone(), "evades", &[])).await;
    assert!(r.body.contains("只能为本院"), "[{label}]");
    assert!(r.body.contains(exec), "[{label}] what was typed is kept");
    // Listed: two years from the decision.
    let r = go(&judge, &send(exec, adult.clone(), "evades", &[])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let entry = r
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_string();
    let page = judge.get(&entry).await;
    assert!(
        page.body.contains("在列") && page.body.contains("至 2028-11-01"),
        "[{label}] {}",
        page.body
    );
    let r = go(&judge, &send(exec, adult.clone(), "evades", &[])).await;
    assert!(r.body.contains("已在本案的失信名单中"), "[{label}]");
    // Published with the number masked.
    let public = anon.get("/public/dishonest").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public.body.contains("孙某某") && public.body.contains(exec),
        "[{label}]"
    );
    assert!(
        !public.body.contains(&adult),
        "[{label}] the full number is never published"
    );
    assert!(
        public
            .body
            .contains(&tianping_domain::identity::mask_id(&adult))
    );

    // Deletion waits for a cause; the cause sets the day (Tue 10 Nov → Fri 13 Nov).
    let id = entry.rsplit('/').next().expect("id").to_string();
    let r = post_form(&judge, &format!("/dishonest/{id}/delete"), &[]).await;
    assert!(r.body.contains("尚无删除事由"), "[{label}]");
    let r = post_form(
        &judge,
        &format!("/dishonest/{id}/cause"),
        &[
            ("cause", "performed"),
            ("on", "2026-11-10"),
            ("note", "已全部履行"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let page = judge.get(&entry).await;
    assert!(page.body.contains("2026-11-13"), "[{label}] {}", page.body);
    assert!(
        judge
            .get("/api/v1/me/todo")
            .await
            .body
            .contains("delete_dishonest")
    );
    assert!(
        !anon.get("/public/dishonest").await.body.contains("孙某某"),
        "[{label}] off the public list at once"
    );
    let api = judge.get("/api/v1/dishonest").await;
    assert_eq!(
        api.json()["entries"][0]["state"],
        "to_delete",
        "[{label}] {}",
        api.body
    );
    assert_eq!(api.json()["entries"][0]["delete_by"], "2026-11-13");
    assert_eq!(proc.get("/api/v1/dishonest").await.code(), "forbidden");
    let r = post_form(&judge, &format!("/dishonest/{id}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    assert!(
        judge
            .get(&entry)
            .await
            .body
            .contains("已于 2026-11-10 删除")
    );
    assert!(
        !judge
            .get("/api/v1/me/todo")
            .await
            .body
            .contains("delete_dishonest")
    );
    // Another court's staff do not see 上城's entry.
    assert_eq!(xh.get(&entry).await.status, StatusCode::NOT_FOUND);
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
async fn a_debtor_is_listed_lawfully_published_masked_and_deleted_in_time_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
