//! Case quality evaluation over HTTP: 中院's 审管办 fills its expert pool (a judge of 西湖, a judge
//! of its own, a third-party evaluator related to a party of one case) and makes a 常规 cross
//! evaluation of last quarter — a form with a mistake refused at its field first; the draw takes
//! half of each judge's closed cases and re-draws from the published pool and seed; no case goes
//! to an expert with a conflict. The evaluator of a case of 上城's judge reads the file, is refused
//! a deduction above the item's points, scores it 瑕疵, and no longer reads the file; the judge
//! (their 待办) objects — once —, another expert re-checks, the 复核 stands and the supervision
//! item opens on 上城. Another score is confirmed by the office only after the objection days.
//! The third-party evaluator reads nothing but their own cases.

use super::deputies::location;
use crate::common::*;
use tianping_domain::evaluation::draw::{PoolCase, routine};

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-10-12T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
}

/// A closed civil case: filed, assigned to `judge`, judged on `closed`.
fn case(n: usize, number: &str, judge: &str, party: &str, closed: &str) -> Vec<Value> {
    vec![
        ev(
            &format!("e{n}a"),
            number,
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "民间借贷纠纷", "parties": [{"name": party, "role": "原告"}, {"name": "钱某", "role": "被告"}]}),
        ),
        ev(
            &format!("e{n}b"),
            number,
            "2026-03-03T09:00:00+08:00",
            "assigned",
            json!({"judge": judge}),
        ),
        ev(
            &format!("e{n}c"),
            number,
            &format!("{closed}T09:00:00+08:00"),
            "closed",
            json!({"disposition": "judgment"}),
        ),
    ]
}

/// The 评查合格率 of a `/api/v1/metrics` answer (`None`: the metric is not listed).
fn pass_rate(m: &Value) -> Option<Value> {
    m["metrics"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == "evaluation_pass_rate"))
        .map(|x| x["value"].clone())
}

const SCORE_74: &[(&str, &str)] = &[
    ("off_2.4", "6"),
    ("note_2.4", "庭审笔录未记载被告最后陈述"),
    ("off_3.1", "12"),
    ("note_3.1", "借款交付事实仅凭借条认定，认定事实不清"),
    ("off_3.2", "8"),
    ("note_3.2", "民间借贷利率保护上限适用错误"),
];

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("hz_office", "hz-court", Role::CaseOffice),
        ("hz_judge", "hz-court", Role::Judge),
        ("sc_judge", "sc-court", Role::Judge),
        ("sc_chief", "sc-court", Role::DivisionChief),
        ("xh_judge", "xh-court", Role::Judge),
        ("tp", "hz-court", Role::Evaluator),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    let mut events = vec![];
    let cases = [
        (
            "（2026）浙0102民初101号",
            "sc_judge-name",
            "孙某",
            "2026-07-10",
        ),
        (
            "（2026）浙0102民初102号",
            "sc_judge-name",
            "李某",
            "2026-08-11",
        ),
        (
            "（2026）浙0102民初103号",
            "sc_judge-name",
            "周某",
            "2026-09-12",
        ),
        ("（2026）浙0102民初104号", "王法官", "甲公司", "2026-07-20"),
        ("（2026）浙0102民初105号", "王法官", "甲公司", "2026-08-21"),
        (
            "（2026）浙0106民初106号",
            "xh_judge-name",
            "吴某",
            "2026-09-01",
        ),
        // Closed before the quarter: not in the pool.
        (
            "（2026）浙0102民初107号",
            "sc_judge-name",
            "郑某",
            "2026-06-20",
        ),
    ];
    for (i, (n, j, p, c)) in cases.iter().enumerate() {
        events.extend(case(i, n, j, p, c));
    }
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
    let office = Client::as_user(&app, "hz_office").await;
    let judge = Client::as_user(&app, "sc_judge").await;
    let chief = Client::as_user(&app, "sc_chief").await;
    let xh = Client::as_user(&app, "xh_judge").await;
    let tp = Client::as_user(&app, "tp").await;
    let hz_judge = Client::as_user(&app, "hz_judge").await;

    // The pool: three experts; one refused for an unknown login; only the office keeps it.
    for (u, kind, rel) in [
        ("xh_judge", "judge", ""),
        ("hz_judge", "judge", ""),
        ("tp", "third_party", "甲公司"),
    ] {
        let r = post_form(
            &office,
            "/evaluations/experts",
            &[("username", u), ("kind", kind), ("relations", rel)],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    }
    let r = post_form(
        &office,
        "/evaluations/experts",
        &[("username", "nobody"), ("kind", "judge")],
    )
    .await;
    assert!(
        r.body.contains("没有用户名为“nobody”的账号"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(
        &judge,
        "/evaluations/experts",
        &[("username", "tp"), ("kind", "judge")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}]");

    // The plan: a mistake is refused at its field, with what was typed kept. Its 评查组: the
    // whole pool.
    let ids: Vec<String> = s
        .evaluation_experts("hz-court")
        .await
        .expect("pool")
        .iter()
        .map(|e| e.id.to_string())
        .collect();
    let plan = |title: &'static str| {
        let mut v = vec![
            ("kind", "routine"),
            ("title", title),
            ("sheet", "court_case"),
            ("closed_from", "2026-07-01"),
            ("closed_to", "2026-09-30"),
            ("percent", "50"),
            ("min_per_judge", "1"),
            ("cross", "1"),
            ("due", "2026-11-30"),
        ];
        v.extend(ids.iter().map(|i| ("experts", i.as_str())));
        v
    };
    let r = post_form(&office, "/evaluations", &plan("")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(
        r.body.contains("请填写评查名称") && r.body.contains("2026-09-30"),
        "[{label}]"
    );
    assert_eq!(
        post_form(&judge, "/evaluations", &plan("x")).await.status,
        StatusCode::FORBIDDEN,
        "[{label}] a judge makes no plans"
    );
    let r = post_form(&office, "/evaluations", &plan("2026年第三季度常规评查")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let page = location(&r);
    let api = office
        .get(&format!(
            "/api/v1/evaluation-plans{}",
            &page["/evaluations".len()..]
        ))
        .await;
    let p = api.json();
    assert_eq!(p["pool_size"], 6, "[{label}] {p}");
    let drawn: Vec<Value> = p["cases"].as_array().cloned().unwrap_or_default();
    // Half of each judge's, at least one: 2 of sc_judge's 3, 1 of 王法官's 2, 西湖's 1.
    assert_eq!(drawn.len(), 4, "[{label}] {p}");

    // Anyone re-draws the sample from the published pool and seed.
    let pool = office.get(&format!("{page}/pool.txt")).await.body;
    let members: Vec<PoolCase> = pool
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (n, j) = l.split_once('\t').expect("a pool line");
            PoolCase {
                case_number: n.into(),
                judge: j.into(),
            }
        })
        .collect();
    assert_eq!(members.len(), 6, "[{label}] {pool}");
    let mut again = routine(p["seed"].as_str().expect("seed"), &members, 50, 1);
    again.sort();
    let mut numbers: Vec<String> = drawn
        .iter()
        .map(|c| c["case_number"].as_str().unwrap_or_default().to_string())
        .collect();
    numbers.sort();
    assert_eq!(again, numbers, "[{label}]");
    assert_eq!(
        tianping_domain::evaluation::draw::pool_digest(&members),
        p["pool_digest"].as_str().unwrap_or_default(),
        "[{label}]"
    );

    // No conflicts: 西湖's case never to 西湖's judge, 甲公司's never to the related evaluator.
    for c in &drawn {
        let n = c["case_number"].as_str().unwrap_or_default();
        let ev = c["evaluator"].as_str().unwrap_or_default();
        assert!(!ev.is_empty(), "[{label}] {c}");
        if n.contains("0106") {
            assert_ne!(ev, "xh_judge-name", "[{label}]");
        }
        if n.contains("104") || n.contains("105") {
            assert_ne!(ev, "tp-name", "[{label}]");
        }
    }
    let client_of = |name: &str| match name {
        "xh_judge-name" => &xh,
        "hz_judge-name" => &hz_judge,
        _ => &tp,
    };

    // A case of 上城's judge: its evaluator reads the file; nobody else scores.
    let mine: Vec<&Value> = drawn
        .iter()
        .filter(|c| {
            c["case_number"]
                .as_str()
                .is_some_and(|n| ["101号", "102号", "103号"].iter().any(|x| n.ends_with(x)))
        })
        .collect();
    assert_eq!(mine.len(), 2, "[{label}]");
    let (a, b) = (mine[0], mine[1]);
    let url = format!("/evaluations/cases/{}", a["id"]);
    let evaluator = client_of(a["evaluator"].as_str().unwrap_or_default());
    let r = evaluator.get(&url).await;
    assert!(
        r.body.contains("案件材料") && r.body.contains("钱某"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(
        &judge,
        &format!("{url}/act"),
        &[&[("act", "score")], SCORE_74].concat(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "[{label}] only the evaluator scores"
    );
    let r = post_form(
        evaluator,
        &format!("{url}/act"),
        &[
            ("act", "score"),
            ("off_1.2", "2"),
            ("note_1.2", "诉讼费计算错误"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("第1.2项满分1分"), "[{label}] {}", r.body);
    let r = post_form(
        evaluator,
        &format!("{url}/act"),
        &[&[("act", "score")], SCORE_74].concat(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = evaluator.get(&url).await;
    assert!(
        r.body.contains("74 分") && r.body.contains("瑕疵"),
        "[{label}] {}",
        r.body
    );
    assert!(
        !r.body.contains("案件材料"),
        "[{label}] the file closes once scored"
    );

    // The judge's 待办: accept or object; the objection needs reasons, and is made once.
    let todo = judge.get("/todo").await;
    assert!(
        todo.body.contains("本人案件的评查结果待认可或提出异议"),
        "[{label}] {}",
        todo.body
    );
    let r = post_form(
        &judge,
        &format!("{url}/act"),
        &[("act", "object"), ("reason", " ")],
    )
    .await;
    assert!(
        r.body.contains("请写明异议的事实和理由"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(
        &judge,
        &format!("{url}/act"),
        &[
            ("act", "object"),
            ("reason", "被告已书面放弃最后陈述，笔录附卷"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = post_form(
        &judge,
        &format!("{url}/act"),
        &[("act", "object"), ("reason", "再议")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] once");
    let after = office
        .get(&format!(
            "/api/v1/evaluation-plans{}",
            &page["/evaluations".len()..]
        ))
        .await
        .json();
    let row = after["cases"]
        .as_array()
        .and_then(|v| v.iter().find(|c| c["id"] == a["id"]).cloned())
        .expect("row");
    assert_eq!(row["stage"], "objected", "[{label}] {row}");

    // Another expert re-checks (never the first); the 复核 stands and opens the item.
    let r = office.get(&url).await;
    let rechecker = ["xh_judge-name", "hz_judge-name", "tp-name"]
        .into_iter()
        .find(|n| *n != a["evaluator"] && r.body.contains(&format!("复核人 {n}")))
        .expect("a re-checker");
    let re = client_of(rechecker);
    let r = re.get(&url).await;
    assert!(
        r.body.contains("被告已书面放弃最后陈述") && r.body.contains("案件材料"),
        "[{label}]"
    );
    assert_eq!(
        post_form(
            evaluator,
            &format!("{url}/act"),
            &[&[("act", "recheck"), ("reason", "维持")], SCORE_74].concat()
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "[{label}] the first evaluator does not re-check"
    );
    let r = post_form(
        re,
        &format!("{url}/act"),
        &[
            &[
                ("act", "recheck"),
                ("reason", "笔录未附放弃陈述的书面材料，维持原评分"),
            ],
            SCORE_74,
        ]
        .concat(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = judge.get(&url).await;
    assert!(
        r.body.contains("74 分，瑕疵") && r.body.contains("督办事项"),
        "[{label}] {}",
        r.body
    );
    let number = a["case_number"].as_str().unwrap_or_default();
    let case_id = sqlx::query_scalar::<_, i64>("SELECT id FROM cases WHERE case_number = $1")
        .bind(number)
        .fetch_one(s.pool())
        .await
        .expect("case");
    let items = s.case_items(case_id).await.expect("items");
    assert_eq!(items.len(), 1, "[{label}]");
    assert_eq!(items[0].source, "evaluation", "[{label}]");
    assert_eq!(
        items[0].responsible_org_id.as_deref(),
        Some("sc-court"),
        "[{label}]"
    );
    assert!(
        items[0].description.contains("一案一剖析一整改"),
        "[{label}]"
    );
    // The case page lists its evaluation for the judge.
    let r = judge.get(&format!("/cases/{case_id}")).await;
    assert!(
        r.body.contains("案件质量评查（1）") && r.body.contains("瑕疵"),
        "[{label}] {}",
        r.body
    );
    // The judge opens it from the evaluation (the court answers for it).
    let r = judge.get(&format!("/supervision/{}", items[0].id)).await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    // The court's division chief reads the result; 西湖's judge (no part in it) does not.
    assert!(chief.get(&url).await.body.contains("瑕疵"), "[{label}]");
    if a["evaluator"] != "xh_judge-name" && rechecker != "xh_judge-name" {
        assert_eq!(
            xh.get(&url).await.status,
            StatusCode::NOT_FOUND,
            "[{label}]"
        );
    }

    // The other case, through the API: scored 合格; the office confirms only after the
    // objection days.
    let api_b = format!("/api/v1/evaluation-cases/{}", b["id"]);
    let ev_b = client_of(b["evaluator"].as_str().unwrap_or_default());
    let v = ev_b.get(&api_b).await;
    assert_eq!(v.status, StatusCode::OK, "[{label}] {}", v.body);
    assert_eq!(v.json()["acts_open_to_you"], json!(["score"]), "[{label}]");
    assert_eq!(v.json()["stage"], "assigned", "[{label}]");
    // A deduction on an item the sheet lacks is refused at its place in the list.
    let r = ev_b
        .post_json(
            &format!("{api_b}/acts"),
            &json!({"act": "score", "deductions": [{"item": "9.9", "points": 2, "note": "无此项"}]}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "[{label}] {}",
        r.body
    );
    assert_eq!(
        r.json()["error"]["details"]["field"],
        "deductions[0].item",
        "[{label}] {}",
        r.body
    );
    // More points than the item has: the domain's own refusal.
    let r = ev_b
        .post_json(
            &format!("{api_b}/acts"),
            &json!({"act": "score", "deductions": [{"item": "5.1", "points": 9, "note": "错别字"}]}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "[{label}] {}",
        r.body
    );
    // The evaluated judge may not score through the API either.
    let r = judge
        .post_json(&format!("{api_b}/acts"), &json!({"act": "score"}))
        .await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "[{label}] {} {}",
        r.status,
        r.body
    );
    let r = ev_b
        .post_json(
            &format!("{api_b}/acts"),
            &json!({"act": "score", "deductions": [{"item": "5.1", "points": 2, "note": "错别字两处"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    let v = r.json();
    assert_eq!(v["stage"], "scored", "[{label}] {v}");
    assert_eq!(v["score"], 98, "[{label}] {v}");
    assert_eq!(v["grade"], "优秀", "[{label}] {v}");
    assert_eq!(v["deductions"][0]["note"], "错别字两处", "[{label}] {v}");
    assert_eq!(v["acts_open_to_you"], json!([]), "[{label}] {v}");
    let r = office
        .post_json(&format!("{api_b}/acts"), &json!({"act": "confirm"}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "[{label}] within the objection days: {}",
        r.body
    );
    let later = crate::common::app(s, now() + chrono::Duration::days(10));
    let office_later = Client::as_user(&later, "hz_office").await;
    assert!(
        office_later
            .get("/todo")
            .await
            .body
            .contains("异议期满待确认"),
        "[{label}]"
    );
    let r = office_later
        .post_json(&format!("{api_b}/acts"), &json!({"act": "confirm"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    assert_eq!(r.json()["final_grade"], "优秀", "[{label}] {}", r.body);
    // Without the CSRF header an API act is refused.
    let bare = office_later
        .send(
            "POST",
            &format!("{api_b}/acts"),
            Some(r#"{"act":"confirm"}"#.into()),
            false,
            "application/json",
        )
        .await;
    assert_eq!(
        bare.status,
        StatusCode::FORBIDDEN,
        "[{label}] {}",
        bare.body
    );
    assert_eq!(bare.code(), "csrf_token_invalid", "[{label}]");
    let done = office_later
        .get(&format!(
            "/api/v1/evaluation-plans{}",
            &page["/evaluations".len()..]
        ))
        .await
        .json();
    let finals: Vec<&Value> = done["cases"]
        .as_array()
        .map(|v| v.iter().filter(|c| c["stage"] == "final").collect())
        .unwrap_or_default();
    assert_eq!(finals.len(), 2, "[{label}] {done}");
    assert!(
        finals
            .iter()
            .any(|c| c["final_grade"] == "优秀" && c["passes"] == true),
        "[{label}]"
    );
    // The 评查合格率 of the quarter counts both final grades on the days they became final: the
    // 复核's 瑕疵 (not 合格) and the confirmed 优秀; the drill-down lists the two cases.
    let q4 = "from=2026-10-01&to=2026-12-31";
    let m = office_later
        .get(&format!("/api/v1/metrics?org=hz-court&{q4}"))
        .await;
    assert_eq!(m.status, StatusCode::OK, "[{label}] {}", m.body);
    let m = m.json();
    let rate = pass_rate(&m).and_then(|v| v.as_f64());
    assert_eq!(rate, Some(50.0), "[{label}] {m}");
    let q3 = "from=2026-07-01&to=2026-09-30";
    let m = office_later
        .get(&format!("/api/v1/metrics?org=hz-court&{q3}"))
        .await
        .json();
    let rate = pass_rate(&m);
    assert_eq!(
        rate,
        Some(Value::Null),
        "[{label}] no grade final in Q3: {m}"
    );
    let behind = office_later
        .get(&format!(
            "/api/v1/metrics/cases?org=hz-court&{q4}&counter=evaluated"
        ))
        .await;
    assert_eq!(behind.status, StatusCode::OK, "[{label}] {}", behind.body);
    assert_eq!(behind.json()["total"], 2, "[{label}] {}", behind.body);
    let page_q = office_later
        .get(&format!("/quality?org=hz-court&{q4}"))
        .await;
    assert!(page_q.body.contains("评查合格率"), "[{label}]");
    // New events of the evaluated cases (archived) re-fold them: their grades stay counted.
    let archived: Vec<Value> = cases[..6]
        .iter()
        .enumerate()
        .map(|(i, (n, ..))| {
            ev(
                &format!("e{i}z"),
                n,
                "2026-10-20T09:00:00+08:00",
                "archived",
                json!({}),
            )
        })
        .collect();
    let r = s
        .ingest(
            &numbered(archived),
            &tianping_store::Actor::system("cms"),
            now() + chrono::Duration::days(10),
        )
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "[{label}] {:?}", r.rejected);
    let m = office_later
        .get(&format!("/api/v1/metrics?org=hz-court&{q4}"))
        .await
        .json();
    let rate = pass_rate(&m).and_then(|v| v.as_f64());
    assert_eq!(rate, Some(50.0), "[{label}] after re-folding: {m}");

    // The results as a workbook: one row per case, the scores as numbers.
    let x = office_later.get(&format!("{page}/results.xlsx")).await;
    assert_eq!(x.status, StatusCode::OK, "[{label}]");
    let text = x.xlsx_text();
    assert!(
        text.contains("最终得分") && text.contains("（2026）浙0102民初10"),
        "[{label}] {text}"
    );

    // The office may only move the due day later; a judge may not move it.
    let judge_later = Client::as_user(&later, "sc_judge").await;
    let r = post_form(
        &office_later,
        &format!("{page}/due"),
        &[("due", "2026-11-01")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("须晚于原截止日"), "[{label}] {}", r.body);
    assert_eq!(
        post_form(
            &judge_later,
            &format!("{page}/due"),
            &[("due", "2026-12-20")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND,
        "[{label}] a judge does not read the plan"
    );

    // After the plan's due day an evaluator neither reads the file nor scores.
    let late = crate::common::app(s, now() + chrono::Duration::days(60));
    let open = drawn
        .iter()
        .find(|c| c["id"] != a["id"] && c["id"] != b["id"])
        .expect("a case still with its evaluator");
    let who = match open["evaluator"].as_str().unwrap_or_default() {
        "xh_judge-name" => "xh_judge",
        "hz_judge-name" => "hz_judge",
        _ => "tp",
    };
    let ev_late = Client::as_user(&late, who).await;
    let url_open = format!("/evaluations/cases/{}", open["id"]);
    let r = ev_late.get(&url_open).await;
    assert!(
        r.status.is_success() && !r.body.contains("案件材料"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(&ev_late, &format!("{url_open}/act"), &[("act", "score")]).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "[{label}] after the due day"
    );

    // The third-party evaluator: their own cases only, no case file by scope, no plan. (Logged
    // in again: the later login ended the sessions of ten days ago.)
    let tp = Client::as_user(&later, "tp").await;
    let own: Vec<i64> = drawn
        .iter()
        .filter(|c| c["evaluator"] == "tp-name" || (c["id"] == a["id"] && rechecker == "tp-name"))
        .filter_map(|c| c["id"].as_i64())
        .collect();
    for c in &drawn {
        let id = c["id"].as_i64().unwrap_or_default();
        let r = tp.get(&format!("/evaluations/cases/{id}")).await;
        let expected = if own.contains(&id) {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(
            r.status,
            expected,
            "[{label}] tp on case {id}: {:?}",
            r.headers.get(header::LOCATION)
        );
    }
    assert_eq!(
        tp.get(&page).await.status,
        StatusCode::NOT_FOUND,
        "[{label}]"
    );
    assert_eq!(
        tp.get(&format!("/cases/{case_id}")).await.status,
        StatusCode::FORBIDDEN,
        "[{label}]"
    );

    // 改派: a case still unscored after the due day (30 November) goes to another expert, who
    // reads its file for the scoring days; the late evaluator no longer does. Not before the day.
    let plan_id: i64 = page["/evaluations/".len()..].parse().expect("plan id");
    let waiting = s
        .evaluation_cases(plan_id)
        .await
        .expect("cases")
        .into_iter()
        .find(|c| c.stage == "assigned")
        .expect("a case still waits for its score");
    let before = crate::common::app(s, now() + chrono::Duration::days(40));
    let office_before = Client::as_user(&before, "hz_office").await;
    let refused = post_form(
        &office_before,
        &format!("/evaluations/cases/{}/assign", waiting.id),
        &[],
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::CONFLICT,
        "[{label}] not before the due day"
    );
    assert!(refused.body.contains("评查截止日过后"), "[{label}]");
    let later = chrono::DateTime::parse_from_rfc3339("2026-12-02T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc);
    let later_app = crate::common::app(s, later);
    let office = Client::as_user(&later_app, "hz_office").await;
    let r = post_form(
        &office,
        &format!("/evaluations/cases/{}/assign", waiting.id),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let moved = s
        .evaluation_case(waiting.id)
        .await
        .expect("read")
        .expect("case");
    assert_eq!(moved.stage, "assigned", "[{label}]");
    assert!(moved.reassigned_at.is_some(), "[{label}]");
    assert_ne!(
        moved.evaluator_id, waiting.evaluator_id,
        "[{label}] another expert"
    );
    let username = |id: Option<i64>| async move {
        let id = id.expect("evaluator");
        sqlx::query_scalar::<_, String>("SELECT username FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(s.pool())
            .await
            .expect("user")
    };
    let new_user = username(moved.evaluator_user_id).await;
    let old_user = username(waiting.evaluator_user_id).await;
    let url = format!("/evaluations/cases/{}", waiting.id);
    let new = Client::as_user(&later_app, &new_user).await;
    assert!(
        new.get(&url).await.body.contains("id=\"evaluation-file\""),
        "[{label}] the new evaluator reads the file"
    );
    let old = Client::as_user(&later_app, &old_user).await;
    assert!(
        !old.get(&url).await.body.contains("id=\"evaluation-file\""),
        "[{label}] the late evaluator no longer does"
    );
}

#[tokio::test]
async fn a_routine_evaluation_draws_scores_hears_an_objection_and_opens_an_item_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
