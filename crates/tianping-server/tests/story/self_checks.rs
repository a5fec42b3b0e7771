//! 案件自查 over HTTP: 上城's prosecutor has three files closed since the rule took effect (one
//! whose ten working days ran out, two still within them) and one closed before it. Their 待办
//! lists the three; a finding of problems without a word is refused at its field; the overdue
//! file is self-checked late with its problems, a second self-check is refused, another
//! prosecutor may not file for them, and the API files one on time. The 案管办 reads the region
//! by standing, and its 常规 plan draws every file whose self-check is done or overdue — never the
//! one still within its days.

use crate::common::*;
use tianping_domain::AgencyKind;
use tianping_domain::evaluation::PlanKind;

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-10T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
}

/// A procuratorate file of 上城, handled by `prosecutor`, indicted (closed) on `closed`.
fn file(n: usize, number: &str, prosecutor: &str, closed: &str) -> Vec<Value> {
    vec![
        ev(
            &format!("s{n}a"),
            number,
            "2026-05-06T09:00:00+08:00",
            "filed",
            json!({"case_kind": "prosecution", "org_id": "sc-proc", "cause": "盗窃罪"}),
        ),
        ev(
            &format!("s{n}b"),
            number,
            "2026-05-06T10:00:00+08:00",
            "assigned",
            json!({"judge": prosecutor}),
        ),
        ev(
            &format!("s{n}c"),
            number,
            "2026-05-06T11:00:00+08:00",
            "prosecution_review_started",
            json!({}),
        ),
        ev(
            &format!("s{n}d"),
            number,
            &format!("{closed}T09:00:00+08:00"),
            "indicted",
            json!({}),
        ),
    ]
}

// Closed 10-20: ten working days end 11-03 (overdue on 11-10). Closed 11-02: they end 11-16.
// Closed 11-06: they end 11-20. Closed 06-10: before the rule (2026-07-01).
const OVERDUE: &str = "浙检330102刑诉〔2026〕31号";
const WAITING: &str = "浙检330102刑诉〔2026〕32号";
const OTHERS: &str = "浙检330102刑诉〔2026〕33号";
const FRESH: &str = "浙检330102刑诉〔2026〕34号";
const OLD: &str = "浙检330102刑诉〔2026〕35号";

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, role) in [
        ("pros", Role::Judge),
        ("pros2", Role::Judge),
        ("office", Role::CaseOffice),
    ] {
        add_user(s, u, "sc-proc", role, Clearance::default()).await;
    }
    add_user(
        s,
        "plc",
        "hz-plc",
        Role::PlcSupervisor,
        Clearance::default(),
    )
    .await;
    add_user(s, "judge", "sc-court", Role::Judge, Clearance::default()).await;
    let mut events = vec![];
    for (i, (n, p, c)) in [
        (OVERDUE, "pros-name", "2026-10-20"),
        (WAITING, "pros-name", "2026-11-02"),
        (OTHERS, "pros2-name", "2026-10-21"),
        (FRESH, "pros2-name", "2026-11-06"),
        (OLD, "pros-name", "2026-06-10"),
    ]
    .iter()
    .enumerate()
    {
        events.extend(file(i, n, p, c));
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
    let id_of = |n: &str| {
        let n = n.to_string();
        async move { s.case_id_by_number(&n).await.expect("case").expect("case") }
    };
    let (overdue, waiting) = (id_of(OVERDUE).await, id_of(WAITING).await);
    let app = app(s, now());
    let pros = Client::as_user(&app, "pros").await;

    // Their 待办: the two files since the rule, not the old one.
    let todo = pros.get("/todo").await.body;
    assert!(todo.contains("已结案件待自查"), "[{label}]");
    assert!(todo.contains("31号") && todo.contains("32号"), "[{label}]");
    assert!(
        !todo.contains("35号") && !todo.contains("33号"),
        "[{label}]"
    );
    let page = pros.get("/evaluations/self-checks").await;
    assert_eq!(page.status, StatusCode::OK, "[{label}]");
    assert!(page.body.contains("逾期未自查"), "[{label}]");
    assert!(
        page.body.contains("2026-11-03"),
        "[{label}] the last day of 31号"
    );

    // Problems need their words; the refusal stands beside the field.
    let url = format!("/evaluations/self-checks/{overdue}");
    let r = post_form(&pros, &url, &[("finding", "problems"), ("note", " ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("请写明问题及整改情况"), "[{label}]");
    let r = post_form(
        &pros,
        &url,
        &[
            ("finding", "problems"),
            ("note", "起诉书遗漏一名被告人的前科，已补充说明"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = post_form(&pros, &url, &[("finding", "clean")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] once per case");

    // Another prosecutor may not self-check this prosecutor's file, nor a judge.
    let pros2 = Client::as_user(&app, "pros2").await;
    let api = format!("/api/v1/self-checks/{waiting}");
    let r = pros2.post_json(&api, &json!({"finding": "clean"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {}", r.body);
    let judge = Client::as_user(&app, "judge").await;
    let r = judge.post_json(&api, &json!({"finding": "clean"})).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "[{label}] {}",
        r.status
    );
    // A finding the API does not know is refused at its field.
    let r = pros.post_json(&api, &json!({"finding": "fine"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert_eq!(
        r.json()["error"]["details"]["field"],
        "finding",
        "[{label}]"
    );
    let r = pros.post_json(&api, &json!({"finding": "clean"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    assert_eq!(r.json()["standing"], "on_time", "[{label}]");
    let todo = pros.get("/todo").await.body;
    assert!(!todo.contains("已结案件待自查"), "[{label}] both filed");

    // The 案管办 by standing: 31号 late, 32号 on time, 33号 overdue, 34号 waiting; not 35号.
    let office = Client::as_user(&app, "office").await;
    let list = office.get("/api/v1/self-checks").await;
    assert_eq!(list.status, StatusCode::OK, "[{label}] {}", list.body);
    let list = list.json();
    let standing_of = |n: &str| {
        list["cases"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["case_number"] == n))
            .map(|c| c["standing"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(standing_of(OVERDUE).as_deref(), Some("late"), "[{label}]");
    assert_eq!(
        standing_of(WAITING).as_deref(),
        Some("on_time"),
        "[{label}]"
    );
    assert_eq!(standing_of(OTHERS).as_deref(), Some("overdue"), "[{label}]");
    assert_eq!(standing_of(FRESH).as_deref(), Some("waiting"), "[{label}]");
    assert_eq!(standing_of(OLD), None, "[{label}]");
    let late = office.get("/api/v1/self-checks?standing=late").await.json();
    assert_eq!(late["cases"].as_array().map(Vec::len), Some(1), "[{label}]");
    assert_eq!(
        late["cases"][0]["note"], "起诉书遗漏一名被告人的前科，已补充说明",
        "[{label}]"
    );
    let r = office.get("/api/v1/self-checks?standing=soon").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "[{label}]");
    let page = office
        .get("/evaluations/self-checks?standing=overdue")
        .await;
    assert!(
        page.body.contains("33号") && !page.body.contains("34号"),
        "[{label}]"
    );
    // The 政法委 reads it; a court judge does not.
    let plc = Client::as_user(&app, "plc").await;
    assert_eq!(
        plc.get("/api/v1/self-checks").await.status,
        StatusCode::OK,
        "[{label}]"
    );
    assert_eq!(
        judge.get("/evaluations/self-checks").await.status,
        StatusCode::FORBIDDEN,
        "[{label}]"
    );

    // The 常规 plan of the 案管办 over October and November draws every file but the one still
    // within its days (100 %: the whole pool).
    let office_user = s.user_by_username("office").await.expect("u").expect("u");
    add_user(
        s,
        "hz_pros",
        "sc-proc",
        Role::DivisionChief,
        Clearance::default(),
    )
    .await;
    s.add_evaluation_expert("sc-proc", "hz_pros", "judge", "", &office_user, now())
        .await
        .expect("expert");
    let made = s
        .make_evaluation_plan(
            &tianping_store::evaluation::PlanInput {
                org_id: "sc-proc".into(),
                region_path: "/33/3301/330102/".into(),
                kind: PlanKind::Routine,
                title: "2026年10月至11月案件常规评查".into(),
                agency: AgencyKind::Procuratorate,
                sheet_id: "procuratorate_case".into(),
                sheet_version: 1,
                closed_from: "2026-10-01".parse().expect("d"),
                closed_to: "2026-11-09".parse().expect("d"),
                percent: 100,
                min_per_judge: 0,
                signals: vec![],
                criteria: String::new(),
                case_numbers: vec![],
                cross: false,
                experts: vec![],
                due: "2026-12-31".parse().expect("d"),
                seed: "self-check".into(),
            },
            &office_user,
            now(),
        )
        .await
        .expect("plan");
    assert_eq!(made.pool_size, 3, "[{label}] {made:?}");
    let drawn: Vec<String> = s
        .evaluation_cases(made.id)
        .await
        .expect("cases")
        .into_iter()
        .map(|c| c.case_number)
        .collect();
    assert!(!drawn.iter().any(|n| n == FRESH), "[{label}] {drawn:?}");
    assert!(drawn.iter().any(|n| n == OTHERS), "[{label}] {drawn:?}");
    // The evaluation page says what the prosecutor's self-check came to.
    let rows = s.evaluation_cases(made.id).await.expect("cases");
    let page_of = |n: &str| {
        let id = rows
            .iter()
            .find(|c| c.case_number == n)
            .map(|c| c.id)
            .unwrap_or_default();
        format!("/evaluations/cases/{id}")
    };
    let p = office.get(&page_of(OTHERS)).await;
    assert_eq!(p.status, StatusCode::OK, "[{label}]");
    assert!(
        p.body.contains("逾期未自查（自查期限至2026年11月4日）"),
        "[{label}] {}",
        p.body
    );
    let p = office.get(&page_of(OVERDUE)).await;
    assert!(
        p.body
            .contains("发现问题（pros-name于2026年11月10日填报，逾期）：起诉书遗漏"),
        "[{label}] {}",
        p.body
    );
}

#[tokio::test]
async fn a_prosecutor_self_checks_closed_files_and_the_sample_waits_for_it_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
