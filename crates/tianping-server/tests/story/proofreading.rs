//! 文书校对 over HTTP: 上城's judge uploads a draft judgment (a real published judgment with three
//! errors planted: an article no version of 刑法 had, a combined term above the sum of the single
//! terms, and a term's end a day late) through the API and as a pasted text on the page. The
//! findings come back where they are; the one with a fix is applied with one click and the draft
//! reads corrected; the others are marked fixed, or set aside with a reason (refused without
//! one, at its field). Another judge of the court reads the draft but may not act on it; a judge
//! without clearance may not upload to a secret case; the 审管办 reads the open findings counted
//! by judge and court, and the 政法委 does not.

use crate::common::*;

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-10T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
}

const NUMBER: &str = "（2018）浙0102刑初485号";
const SECRET: &str = "（2018）浙0102刑初486号";
const DRAFT: &str = include_str!("../fixtures/draft-judgment.txt");

fn finding<'a>(draft: &'a Value, kind: &str) -> &'a Value {
    draft["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["kind"] == kind))
        .unwrap_or_else(|| panic!("no {kind} in {draft}"))
}

fn multipart(csrf: &str, text: &str) -> (String, String) {
    let b = "----tianping-test-boundary";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{text}\r\n--{b}--\r\n"
    );
    (format!("multipart/form-data; boundary={b}"), body)
}

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, role) in [
        ("judge", Role::Judge),
        ("judge2", Role::Judge),
        ("office", Role::CaseOffice),
    ] {
        add_user(s, u, "sc-court", role, Clearance::default()).await;
    }
    add_user(
        s,
        "plc",
        "hz-plc",
        Role::PlcSupervisor,
        Clearance::default(),
    )
    .await;
    let events = vec![
        ev(
            "p1",
            NUMBER,
            "2018-08-27T09:00:00+08:00",
            "filed",
            json!({"cause": "交通肇事罪", "parties": [{"name": "应国平", "role": "被告人"}]}),
        ),
        ev(
            "p2",
            NUMBER,
            "2018-08-28T09:00:00+08:00",
            "assigned",
            json!({"judge": "judge-name"}),
        ),
        ev(
            "p3",
            SECRET,
            "2018-08-27T09:00:00+08:00",
            "filed",
            json!({"cause": "涉密", "confidentiality": "state_secret"}),
        ),
        ev(
            "p4",
            SECRET,
            "2018-08-28T09:00:00+08:00",
            "assigned",
            json!({"judge": "judge-name"}),
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
    let case = s
        .case_id_by_number(NUMBER)
        .await
        .expect("case")
        .expect("case");
    let secret = s
        .case_id_by_number(SECRET)
        .await
        .expect("case")
        .expect("case");
    let app = app(s, now());
    let judge = Client::as_user(&app, "judge").await;

    // The case page invites the upload.
    let page = judge.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("尚未上传文稿"), "[{label}]");

    // Through the API: three findings, each where it is.
    let url = format!("/api/v1/cases/{case}/proofreading");
    let r = judge
        .post_json(
            &url,
            &json!({"file_name": "判决书（送审稿）.txt", "text": DRAFT}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    let d = r.json();
    let draft = d["id"].as_i64().expect("id");
    let kinds: Vec<&str> = d["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "citation_nonexistent",
            "sentence_arithmetic",
            "custody_credit"
        ],
        "[{label}]"
    );
    let chars: Vec<char> = DRAFT.chars().collect();
    for f in d["findings"].as_array().expect("findings") {
        let (a, b) = (
            f["start"].as_u64().expect("start") as usize,
            f["end"].as_u64().expect("end") as usize,
        );
        let at: String = chars[a..b].iter().collect();
        assert_eq!(at, f["text"].as_str().expect("text"), "[{label}]");
    }
    assert_eq!(d["acts_open_to_you"], true, "[{label}]");
    let article = finding(&d, "citation_nonexistent");
    assert_eq!(article["text"], "第四百六十七条", "[{label}]");
    assert!(
        article["message"]
            .as_str()
            .is_some_and(|m| m.contains("第四百五十二条")),
        "[{label}]"
    );
    let term = finding(&d, "custody_credit");
    assert_eq!(term["suggestion"], "2020年11月18日", "[{label}]");

    // The page marks them in the text, with their reasons.
    let page = judge
        .get(&format!("/cases/{case}/proofreading?draft={draft}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "[{label}]");
    assert!(page.body.contains("<mark class=\"open\""), "[{label}]");
    assert!(page.body.contains("引用条文不存在"), "[{label}]");
    assert!(page.body.contains("一键修改"), "[{label}]");

    // Another judge of the court reads it but may not act on it.
    let judge2 = Client::as_user(&app, "judge2").await;
    let seq_of = |kind: &str| finding(&d, kind)["seq"].as_i64().expect("seq");
    let act_url = |kind: &str| format!("/api/v1/proofreading/{draft}/findings/{}", seq_of(kind));
    assert_eq!(
        judge2
            .get(&format!("/api/v1/proofreading/{draft}"))
            .await
            .status,
        StatusCode::OK,
        "[{label}]"
    );
    let r = judge2
        .post_json(&act_url("custody_credit"), &json!({"act": "apply_fix"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {}", r.body);

    // The one-click fix: the draft reads corrected.
    let r = judge
        .post_json(&act_url("custody_credit"), &json!({"act": "apply_fix"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    let after = r.json();
    assert!(
        after["text"]
            .as_str()
            .is_some_and(|t| t.contains("至2020年11月18日止") && !t.contains("2020年11月19日")),
        "[{label}]"
    );
    assert_eq!(
        finding(&after, "custody_credit")["status"],
        "fixed",
        "[{label}]"
    );
    // Set aside without a reason: refused at the field; with one, done.
    let r = judge
        .post_json(
            &act_url("citation_nonexistent"),
            &json!({"act": "not_applicable", "reason": " "}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert_eq!(r.json()["error"]["details"]["field"], "reason", "[{label}]");
    let r = judge
        .post_json(
            &act_url("citation_nonexistent"),
            &json!({"act": "not_applicable", "reason": "系引述公诉机关起诉书原文"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    // The combined term corrected in the draft by hand, on the page.
    let r = post_form(
        &judge,
        &format!(
            "/proofreading/{draft}/findings/{}",
            seq_of("sentence_arithmetic")
        ),
        &[("act", "fixed")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    // Once: a finding no longer open is refused.
    let r = judge
        .post_json(&act_url("sentence_arithmetic"), &json!({"act": "fixed"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    let text = judge.get(&format!("/proofreading/{draft}/text")).await;
    assert!(text.body.contains("至2020年11月18日止"), "[{label}]");

    // A pasted draft on the page: a second draft, all open.
    let (ct, body) = multipart(
        &judge.csrf,
        "刑事判决书\n本院认为，被告人构成盗窃罪。依照《中华人民共和国刑法》第二百六十四条、第五百条之规定，判决如下：\n被告人犯盗窃罪，判处有期徒刑六个月。",
    );
    let r = judge
        .send(
            "POST",
            &format!("/cases/{case}/proofreading"),
            Some(body),
            false,
            &ct,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    // Nothing to proofread: the refusal beside the field.
    let (ct, body) = multipart(&judge.csrf, "  ");
    let r = judge
        .send(
            "POST",
            &format!("/cases/{case}/proofreading"),
            Some(body),
            false,
            &ct,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(
        r.body.contains("请选择要校对的文稿或粘贴文稿内容"),
        "[{label}]"
    );

    // A secret case: the judge without clearance may not upload.
    let r = judge2
        .post_json(
            &format!("/api/v1/cases/{secret}/proofreading"),
            &json!({"text": "刑事判决书 本院认为 判决如下"}),
        )
        .await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "[{label}] {}",
        r.status
    );

    // The 审管办 reads the counts: two drafts, four findings, one open (the pasted draft's).
    let office = Client::as_user(&app, "office").await;
    let c = office.get("/api/v1/proofreading").await;
    assert_eq!(c.status, StatusCode::OK, "[{label}] {}", c.body);
    let row = &c.json()["judges"][0];
    assert_eq!(row["judge"], "judge-name", "[{label}]");
    assert_eq!(row["drafts"], 2, "[{label}]");
    assert_eq!(row["not_applicable"], 1, "[{label}]");
    assert_eq!(row["open"], 1, "[{label}] {row}");
    let page = office.get("/proofreading").await;
    assert!(page.body.contains("judge-name"), "[{label}]");
    // The 文书校对问题处理率 of the quarter: three of the four findings found in it resolved.
    let q4 = "from=2026-10-01&to=2026-12-31";
    let m = office
        .get(&format!("/api/v1/metrics?org=sc-court&{q4}"))
        .await;
    assert_eq!(m.status, StatusCode::OK, "[{label}] {}", m.body);
    let m = m.json();
    let rate = m["metrics"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == "proofread_resolution_rate"))
        .and_then(|x| x["value"].as_f64());
    assert_eq!(rate, Some(75.0), "[{label}] {m}");
    // The drill-down: the case behind the open finding at the quarter's end.
    let behind = office
        .get(&format!(
            "/api/v1/metrics/cases?org=sc-court&{q4}&counter=proofread_open_at_end"
        ))
        .await;
    assert_eq!(behind.status, StatusCode::OK, "[{label}] {}", behind.body);
    assert_eq!(behind.json()["total"], 1, "[{label}] {}", behind.body);
    assert!(behind.body.contains(NUMBER), "[{label}] {}", behind.body);
    let quality = office.get(&format!("/quality?org=sc-court&{q4}")).await;
    assert!(quality.body.contains("文书校对问题处理率"), "[{label}]");
    // The 政法委 does not; nor may it upload.
    let plc = Client::as_user(&app, "plc").await;
    assert_eq!(
        plc.get("/api/v1/proofreading").await.status,
        StatusCode::FORBIDDEN,
        "[{label}]"
    );
    let r = plc.post_json(&url, &json!({"text": DRAFT})).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "[{label}]"
    );

    // The secret case's own judge uploads; the 审管办, not cleared, reads that a draft exists but
    // neither its words nor its name.
    let r = judge
        .post_json(
            &format!("/api/v1/cases/{secret}/proofreading"),
            &json!({"file_name": "应国平案判决书.txt", "text": DRAFT}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    let secret_draft = r.json()["id"].as_i64().expect("id");
    // The draft's heading carries the other case's number: checked against this case's record.
    let mismatch = finding(&r.json(), "case_number_mismatch").clone();
    assert_eq!(mismatch["text"], NUMBER, "[{label}]");
    assert_eq!(mismatch["suggestion"], SECRET, "[{label}]");
    let list = office
        .get(&format!("/api/v1/cases/{secret}/proofreading"))
        .await;
    assert_eq!(list.status, StatusCode::OK, "[{label}] {}", list.body);
    assert!(!list.body.contains("应国平"), "[{label}] {}", list.body);
    let d = office
        .get(&format!("/api/v1/proofreading/{secret_draft}"))
        .await
        .json();
    assert!(d["text"].is_null(), "[{label}]");
    assert!(d["findings"][0]["message"].is_null(), "[{label}]");
    let page = office.get(&format!("/cases/{secret}/proofreading")).await;
    assert!(
        page.body.contains("不予显示") && !page.body.contains("应国平"),
        "[{label}]"
    );
}

#[tokio::test]
async fn a_judge_proofreads_a_draft_and_resolves_each_finding_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
