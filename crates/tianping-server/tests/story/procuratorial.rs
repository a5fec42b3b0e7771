//! 检察监督 over HTTP: a prosecutor raises a catalogue item on a police file, the police answer it
//! through the closed loop, and the procuratorate verifies and closes it — with every line the
//! catalogue draws (who may raise, on whose case, who answers, by when).

use crate::common::*;
use tianping_store::{Actor, Numbered};

const POLICE_FILE: &str = "浙公0102刑立字〔2026〕7号";
const COURT_CASE: &str = "（2026）浙0102刑初7号";
const REVIEW_FILE: &str = "浙检330102刑诉〔2026〕7号";

fn records() -> Vec<Numbered> {
    let lines = vec![
        ev(
            "p1",
            POLICE_FILE,
            "2026-03-01T09:00:00+08:00",
            "filed",
            json!({"case_kind": "police", "org_id": "sc-police", "cause": "盗窃罪"}),
        ),
        ev(
            "p2",
            POLICE_FILE,
            "2026-03-01T20:00:00+08:00",
            "detained",
            json!({}),
        ),
        // The procuratorate's file: indicted, then the judgment arrives 2026-02-26 — 24 months
        // against a 量刑建议 of at least 36 (重罪轻判).
        ev(
            "q1",
            REVIEW_FILE,
            "2026-01-05T09:00:00+08:00",
            "filed",
            json!({"case_kind": "prosecution", "org_id": "sc-proc", "cause": "抢劫罪"}),
        ),
        ev(
            "q2",
            REVIEW_FILE,
            "2026-01-05T10:00:00+08:00",
            "prosecution_review_started",
            json!({}),
        ),
        ev(
            "q3",
            REVIEW_FILE,
            "2026-01-20T10:00:00+08:00",
            "indicted",
            json!({}),
        ),
        ev(
            "q4",
            REVIEW_FILE,
            "2026-02-26T10:00:00+08:00",
            "judgment_received",
            json!({"sentence_months": 24, "recommended_months": 36}),
        ),
        ev(
            "c1",
            COURT_CASE,
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "盗窃罪"}),
        ),
    ];
    numbered(lines)
}

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(
        s,
        "prosecutor",
        "sc-proc",
        Role::DivisionChief,
        Clearance::default(),
    )
    .await;
    add_user(
        s,
        "legal",
        "sc-police",
        Role::CaseOffice,
        Clearance::default(),
    )
    .await;
    add_user(s, "judge", "sc-court", Role::Judge, Clearance::default()).await;
    let now = Utc
        .with_ymd_and_hms(2026, 3, 3, 2, 0, 0)
        .single()
        .expect("date");
    let r = s
        .ingest(&records(), &Actor::system("t"), now)
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "[{label}] {:?}", r.rejected);
    let app = app(s, now);
    let pros = Client::as_user(&app, "prosecutor").await;
    let legal = Client::as_user(&app, "legal").await;
    let judge = Client::as_user(&app, "judge").await;

    // The catalogue is reference data for anyone signed in.
    let cat = legal.get("/api/v1/supervision/catalogue").await.json();
    let entry = cat["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["code"] == "custody.not_delivered")
        .cloned()
        .expect("listed");
    assert_eq!(entry["addressee"], "police", "[{label}]");
    assert_eq!(entry["instrument"], "纠正违法通知书", "[{label}]");
    assert_eq!(entry["reply_days"], 15, "[{label}]");

    let raise = |code: &str, case: &str| {
        json!({"source": "procuratorial", "source_ref": code, "case_number": case,
               "description": "拘留后次日20时仍未送看守所"})
    };
    // Only a procuratorate raises catalogue items.
    let r = legal
        .post_json(
            "/api/v1/supervision/items",
            &raise("custody.not_delivered", POLICE_FILE),
        )
        .await;
    assert_eq!(r.code(), "not_procuratorate", "[{label}] {}", r.body);
    // An unknown entry is named, with its field.
    let r = pros
        .post_json(
            "/api/v1/supervision/items",
            &raise("custody.no_such_thing", POLICE_FILE),
        )
        .await;
    assert_eq!(r.code(), "unknown_catalogue_item", "[{label}]");
    assert_eq!(
        r.json()["error"]["details"]["field"],
        "source_ref",
        "[{label}]"
    );
    // A court's situation is not raised on a police file.
    let r = pros
        .post_json(
            "/api/v1/supervision/items",
            &raise("trial.overdue", POLICE_FILE),
        )
        .await;
    assert_eq!(r.code(), "wrong_addressee", "[{label}] {}", r.body);
    // Without the catalogue, a procuratorate may not make the police responsible.
    let r = pros
        .post_json(
            "/api/v1/supervision/items",
            &json!({"source": "inspection", "title": "检查", "case_number": POLICE_FILE,
                    "responsible_org_id": "sc-police"}),
        )
        .await;
    assert_eq!(r.code(), "out_of_scope", "[{label}] {}", r.body);
    assert!(
        r.body.contains("检察监督事项"),
        "[{label}] the refusal says how: {}",
        r.body
    );

    // Raised properly: the police unit holding the file answers within the notice's 15 days.
    let r = pros
        .post_json(
            "/api/v1/supervision/items",
            &raise("custody.not_delivered", POLICE_FILE),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    let id = r.json()["id"].as_i64().expect("id");
    let item = pros
        .get(&format!("/api/v1/supervision/items/{id}"))
        .await
        .json();
    let i = &item["item"];
    assert_eq!(i["source"], "procuratorial", "[{label}] {item}");
    assert_eq!(i["source_ref"], "custody.not_delivered", "[{label}]");
    assert_eq!(i["responsible_org_id"], "sc-police", "[{label}]");
    assert_eq!(
        i["title"], "拘留后未在二十四小时内送看守所羁押",
        "[{label}]"
    );
    assert_eq!(i["state"], "assigned", "[{label}]");
    // 2026-03-03 10:00 Beijing + 15 days.
    assert!(
        i["rectify_due_at"]
            .as_str()
            .expect("due")
            .starts_with("2026-03-18"),
        "[{label}] {i}"
    );

    // The police see it and its situation in words, never the entry's code.
    let page = legal.get(&format!("/supervision/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "[{label}]");
    assert!(
        page.body.contains("以纠正违法通知书向公安机关提出"),
        "[{label}]"
    );
    assert!(page.body.contains("第八十五条第二款"), "[{label}]");
    assert!(!page.body.contains("custody.not_delivered"), "[{label}]");
    // The court is no party to it.
    assert_eq!(
        judge
            .get(&format!("/api/v1/supervision/items/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "[{label}]"
    );

    // The loop: the police 签收, rectify with evidence and submit; the procuratorate verifies
    // and closes.
    let uri = format!("/api/v1/supervision/items/{id}/actions");
    let step = |c, a| action(c, &uri, a);
    assert_eq!(step(&pros, "accept").await.code(), "not_responsible_side");
    assert_eq!(step(&legal, "accept").await.status, StatusCode::OK);
    let r = legal
        .send(
            "POST",
            &format!("/api/v1/supervision/items/{id}/evidence?filename=%E5%9B%9E%E5%A4%8D.txt"),
            Some("整改回复".into()),
            true,
            "text/plain",
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    assert_eq!(step(&legal, "submit").await.status, StatusCode::OK);
    assert_eq!(step(&legal, "verify").await.code(), "not_opener_side");
    assert_eq!(step(&pros, "verify").await.status, StatusCode::OK);
    assert_eq!(step(&pros, "close").await.status, StatusCode::OK);
    let item = legal
        .get(&format!("/api/v1/supervision/items/{id}"))
        .await
        .json();
    assert_eq!(item["item"]["state"], "closed", "[{label}]");

    // The 整改台账 names the situation and the instrument, for both sides.
    for c in [&pros, &legal] {
        let x = c.get("/supervision/export.xlsx").await;
        assert_eq!(x.status, StatusCode::OK, "[{label}]");
        assert!(
            x.xlsx_text()
                .contains("强制措施监督：拘留后未在二十四小时内送看守所羁押（纠正违法通知书）"),
            "[{label}]"
        );
    }
    // The procuratorate's board offers the catalogue entry of a police clock's warning.
    let form = pros
        .get("/supervision?source=procuratorial&catalogue=custody.not_delivered")
        .await;
    assert!(form.body.contains("强制措施监督"), "[{label}]");
    assert!(
        form.body
            .contains("<option value=\"custody.not_delivered\" selected>"),
        "[{label}]"
    );
    assert!(form.body.contains("杭州市公安局上城区分局"), "[{label}]");
    // The police have no catalogue to raise from.
    let form = legal.get("/supervision").await;
    assert!(!form.body.contains("item-catalogue"), "[{label}]");

    // After 提起公诉: the 抗诉 period of the judgment received 2026-02-26 runs to 03-08 (a
    // Sunday: rolled over to Monday 03-09); on 03-03 it is on the board, with 重罪轻判 for the
    // higher procuratorate's 同步备案审查.
    let board = pros
        .get("/api/v1/warnings?clock=protest_period")
        .await
        .json();
    let line = board["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|l| l["case_number"] == REVIEW_FILE)
        .cloned()
        .unwrap_or_else(|| panic!("[{label}] {board}"));
    assert_eq!(line["clock"]["due"], "2026-03-09", "[{label}] {line}");
    assert!(
        line["clock"]["findings"][0]
            .as_str()
            .expect("finding")
            .contains("重罪轻判"),
        "[{label}] {line}"
    );
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
    assert!(v.ok(), "[{label}] {:?}", v.findings);
}

async fn action(c: &Client, uri: &str, a: &str) -> Resp {
    c.post_json(uri, &json!({"action": a, "note": "已送所并建立提醒"}))
        .await
}

#[tokio::test]
async fn a_procuratorial_item_runs_from_the_catalogue_through_the_police_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
