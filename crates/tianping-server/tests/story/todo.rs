//! 待办 over HTTP: a case found months past its limit warns everyone up the ladder at once; each
//! person's list shows what is theirs — the judge signs from the list, and the warning leaves
//! every list; a supervision item waits for the responsible court's people (and the judge of its
//! case), not for the body that opened it, until the act it waits for is theirs.

use crate::common::*;
use tianping_store::Actor;

const CASE: &str = "（2025）浙0102民初1号";

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("judge", "sc-court", Role::Judge),
        ("judge2", "sc-court", Role::Judge),
        ("chief", "sc-court", Role::DivisionChief),
        ("president", "sc-court", Role::President),
        ("office", "hz-court", Role::CaseOffice),
        ("plc", "hz-plc", Role::PlcSupervisor),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    // A civil case filed 2025-01-02: its six months ended 2025-07-02, eight months before now.
    let lines = vec![
        ev(
            "c1",
            CASE,
            "2025-01-02T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷"}),
        ),
        ev(
            "c2",
            CASE,
            "2025-01-03T09:00:00+08:00",
            "assigned",
            json!({"judge": "judge-name"}),
        ),
    ];
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

    // First seen eight months late: the warning starts at the top of the ladder, not at the
    // judge alone.
    let levels: Vec<(i64,)> =
        sqlx::query_as("SELECT level FROM warnings WHERE category = 'overdue'")
            .fetch_all(s.pool())
            .await
            .expect("levels");
    assert_eq!(levels, vec![(4,)], "[{label}]");

    let app = app(s, now);
    let judge = Client::as_user(&app, "judge").await;
    let judge2 = Client::as_user(&app, "judge2").await;
    let chief = Client::as_user(&app, "chief").await;
    let president = Client::as_user(&app, "president").await;
    let office = Client::as_user(&app, "office").await;
    let plc = Client::as_user(&app, "plc").await;
    let count = |todo: &Value, kind: &str| {
        todo["counts"]
            .as_array()
            .expect("counts")
            .iter()
            .find(|c| c["kind"] == kind)
            .and_then(|c| c["count"].as_u64())
            .unwrap_or(0)
    };

    // Everyone told has it on their list: the court signs, the 政法委 follows it up. The judge
    // was also told the case is 长期未结 (pending over a year), a warning that starts with them.
    for (c, n) in [(&judge, 2), (&chief, 1), (&president, 1)] {
        let t = c.get("/api/v1/me/todo").await.json();
        assert_eq!(count(&t, "acknowledge_warning"), n, "[{label}] {t}");
        assert_eq!(t["overdue"], 1, "[{label}] {t}");
    }
    let t = judge.get("/api/v1/me/todo").await.json();
    let task = &t["items"][0];
    assert_eq!(task["label"], "期限预警待确认", "[{label}]");
    assert_eq!(
        task["overdue"], true,
        "[{label}] most pressing first: {task}"
    );
    assert_eq!(
        task["title"],
        format!("{CASE} 审限已超期"),
        "[{label}] {task}"
    );
    assert_eq!(
        t["items"][1]["title"],
        format!("{CASE} 长期未结"),
        "[{label}] {t}"
    );
    assert!(
        task["title"].as_str().expect("title").starts_with(CASE),
        "[{label}] {task}"
    );
    assert!(
        task["link"].as_str().expect("link").ends_with("#clocks"),
        "[{label}] {task}"
    );
    assert_eq!(task["due_date"], "2025-07-02", "[{label}] {task}");
    let t = plc.get("/api/v1/me/todo").await.json();
    assert_eq!(count(&t, "follow_escalation"), 1, "[{label}] {t}");
    assert_eq!(count(&t, "acknowledge_warning"), 0, "[{label}] {t}");
    // The 待办 reads the told clocks per person (`told_open`), kept as warnings are notified:
    // the overdue clock for the four told of it, 长期未结 for the judge.
    assert_eq!(told_rows(s).await, 5, "[{label}]");
    // A judge of the same court whose case it is not, and a body that was not told: nothing.
    assert_eq!(judge2.get("/api/v1/me/todo").await.json()["total"], 0);
    // (The case office watches the process nodes silently: its only tasks are the case's late
    // nodes — the complaint never served, the judge assigned late.)
    let t = office.get("/api/v1/me/todo").await.json();
    assert_eq!(
        t["total"].as_u64(),
        Some(count(&t, "late_node")),
        "[{label}] {t}"
    );
    assert_eq!(count(&t, "acknowledge_warning"), 0, "[{label}] {t}");

    // The judge signs from the list (one click, back to the list) and it leaves every list.
    let page = judge.get("/todo").await;
    assert_eq!(page.status, StatusCode::OK, "[{label}]");
    let wid: (i64,) = sqlx::query_as("SELECT id FROM warnings WHERE category = 'overdue'")
        .fetch_one(s.pool())
        .await
        .expect("warning");
    let action = format!("/warnings/{}/ack", wid.0);
    assert!(
        page.body.contains(&format!("action=\"{action}\"")),
        "[{label}] the list offers signing"
    );
    assert!(page.body.contains("已过期限"), "[{label}]");
    let r = judge
        .send(
            "POST",
            &action,
            Some(form(&[("csrf", &judge.csrf), ("back", "/todo")])),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    assert_eq!(
        r.headers.get("location").and_then(|v| v.to_str().ok()),
        Some("/todo"),
        "[{label}]"
    );
    for c in [&chief, &president, &plc] {
        assert_eq!(
            c.get("/api/v1/me/todo").await.json()["total"],
            0,
            "[{label}]"
        );
    }
    let t = judge.get("/api/v1/me/todo").await.json();
    assert_eq!(
        count(&t, "acknowledge_warning"),
        1,
        "[{label}] only 长期未结 is left: {t}"
    );
    // Confirmed together with one that does not exist: that one is named, the other done.
    let r = judge
        .post_json(
            "/api/v1/warnings/ack",
            &json!({"ids": [long_pending(s).await, 999_999]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    let b = r.json();
    assert_eq!(b["acknowledged"], 1, "[{label}] {b}");
    assert_eq!(b["refused"][0]["id"], 999_999, "[{label}] {b}");
    let many: Vec<i64> = (0..201).collect();
    assert_eq!(
        judge
            .post_json("/api/v1/warnings/ack", &json!({ "ids": many }))
            .await
            .code(),
        "invalid_query",
        "[{label}] at most 200 at once"
    );
    assert_eq!(
        judge.get("/api/v1/me/todo").await.json()["total"],
        0,
        "[{label}]"
    );
    // Signing a clock's latest warning ends the task for everyone told of it.
    assert_eq!(told_rows(s).await, 0, "[{label}]");

    // A clock that stops warning is nobody's task any more, signed or not: a second case eight
    // months late reaches the 政法委, then is decided.
    const LATE: &str = "（2025）浙0102民初2号";
    const LATER: &str = "（2025）浙0102民初3号";
    let filed = vec![
        ev(
            "d1",
            LATE,
            "2025-01-02T09:00:00+08:00",
            "filed",
            json!({"cause": "借款合同纠纷"}),
        ),
        ev(
            "e1",
            LATER,
            "2025-01-20T09:00:00+08:00",
            "filed",
            json!({"cause": "借款合同纠纷"}),
        ),
    ];
    s.ingest(&numbered(filed), &Actor::system("t"), now)
        .await
        .expect("ingest");
    s.poll(now, 1000).await.expect("poll");
    let t = plc.get("/api/v1/me/todo").await.json();
    assert_eq!(count(&t, "follow_escalation"), 2, "[{label}] {t}");
    assert!(told_rows(s).await > 0, "[{label}]");
    // Someone told of thousands gets the page by a walk in deadline order: the same page.
    let plc_id = s
        .user_by_username("plc")
        .await
        .expect("user")
        .expect("user")
        .id;
    let (sorted, n1) = s
        .told_warnings_by(plc_id, 50, i64::MAX)
        .await
        .expect("told");
    let (walked, n2) = s.told_warnings_by(plc_id, 50, 0).await.expect("told");
    let ids = |v: &[tianping_store::todo::ToldWarning]| {
        v.iter().map(|w| w.warning_id).collect::<Vec<_>>()
    };
    assert_eq!((ids(&sorted), n1), (ids(&walked), n2), "[{label}]");
    assert_eq!(n1, 2, "[{label}]");
    assert!(
        sorted[0].deadline < sorted[1].deadline,
        "[{label}] by deadline"
    );
    assert_eq!(sorted[0].case_number, LATE, "[{label}]");
    // The walk follows each told clock's deadline as events move it: six months' extension,
    // approved before the limit ended, puts the first case's end after the second's.
    let extended = vec![
        ev(
            "d1x",
            LATE,
            "2025-06-20T09:00:00+08:00",
            "extension_requested",
            json!({"amount": 6, "unit": "month", "reason": "案情复杂，需要延长审理期限"}),
        ),
        ev(
            "d1y",
            LATE,
            "2025-06-25T09:00:00+08:00",
            "extension_approved",
            json!({"approver": {"name": "院长", "role": "president"}, "amount": 6, "unit": "month"}),
        ),
    ];
    let r = s
        .ingest(&numbered(extended), &Actor::system("t"), now)
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "[{label}] {:?}", r.rejected);
    let (sorted, n1) = s
        .told_warnings_by(plc_id, 50, i64::MAX)
        .await
        .expect("told");
    let (walked, n2) = s.told_warnings_by(plc_id, 50, 0).await.expect("told");
    assert_eq!((ids(&sorted), n1), (ids(&walked), n2), "[{label}]");
    assert_eq!(n1, 2, "[{label}] still overdue after the extension");
    assert_eq!(
        walked
            .iter()
            .map(|w| w.case_number.as_str())
            .collect::<Vec<_>>(),
        vec![LATER, LATE],
        "[{label}] the extended case now ends last"
    );
    let closed = vec![
        ev(
            "d2",
            LATE,
            "2026-03-02T09:00:00+08:00",
            "closed",
            json!({"disposition": "judgment"}),
        ),
        ev(
            "e2",
            LATER,
            "2026-03-02T09:00:00+08:00",
            "closed",
            json!({"disposition": "judgment"}),
        ),
    ];
    let r = s
        .ingest(&numbered(closed), &Actor::system("t"), now)
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "[{label}] {:?}", r.rejected);
    assert_eq!(
        told_rows(s).await,
        0,
        "[{label}] pruned when the clocks stopped"
    );
    assert_eq!(
        plc.get("/api/v1/me/todo").await.json()["total"],
        0,
        "[{label}]"
    );

    // Addresses for the people an item will concern. A new task is mailed at once to those who
    // chose "immediately" (the president, the office); the judge reads a daily digest.
    for u in ["judge", "judge2", "president", "office"] {
        let cadence = if u.starts_with("judge") {
            "daily"
        } else {
            "immediately"
        };
        let id = s.user_by_username(u).await.expect("user").expect("user").id;
        s.set_notification_preferences(id, Some(&format!("{u}@court.test")), cadence, now)
            .await
            .expect("preferences");
    }
    let task_mails = |addr: &'static str| async move {
        s.mails(Some(addr), 50)
            .await
            .expect("mails")
            .into_iter()
            .filter(|m| m.subject.starts_with("【待办】"))
            .map(|m| (m.subject, m.body))
            .collect::<Vec<_>>()
    };

    // The city court's case office opens an item and makes the 上城 court responsible.
    let r = office
        .post_json(
            "/api/v1/supervision/items",
            &json!({"source": "overdue_clock", "title": "超审限未结", "case_number": CASE,
                    "responsible_org_id": "sc-court", "description": "请查明原因并依法办结"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    let item = r.json()["id"].as_i64().expect("id");
    // It waits for the court to sign for it: its president and chief, and the case's judge —
    // not the other judge, and not the office that opened it.
    for c in [&president, &chief, &judge] {
        let t = c.get("/api/v1/me/todo").await.json();
        assert_eq!(count(&t, "accept_item"), 1, "[{label}] {t}");
        assert_eq!(
            t["items"][0]["link"],
            format!("/supervision/{item}"),
            "[{label}]"
        );
    }
    assert_eq!(judge2.get("/api/v1/me/todo").await.json()["total"], 0);
    let t = office.get("/api/v1/me/todo").await.json();
    assert_eq!(count(&t, "accept_item"), 0, "[{label}] {t}");
    assert_eq!(
        t["total"].as_u64(),
        Some(count(&t, "late_node")),
        "[{label}] only its silent watch of the case's nodes: {t}"
    );
    // …and each of them is told: the president at once, the judge in the next digest (which
    // lists new tasks above the clocks); nobody else.
    assert!(task_mails("judge@court.test").await.is_empty(), "[{label}]");
    assert!(
        s.build_digests(now).await.expect("digests") >= 1,
        "[{label}]"
    );
    let digest = s
        .mails(Some("judge@court.test"), 10)
        .await
        .expect("mails")
        .into_iter()
        .find(|m| m.subject.contains("新待办 1 项"))
        .expect("the judge's digest");
    assert!(
        digest.body.contains("您有 1 项新的待办")
            && digest.body.contains("督办事项待签收")
            && digest.body.contains(&format!("/supervision/{item}"))
            && digest.body.contains("办理期限"),
        "[{label}] {}",
        digest.body
    );
    for addr in ["president@court.test"] {
        let m = task_mails(addr).await;
        assert_eq!(m.len(), 1, "[{label}] {addr}: {m:?}");
        assert!(m[0].0.contains("督办事项待签收"), "[{label}] {:?}", m[0]);
        assert!(
            m[0].1.contains(&format!("/supervision/{item}")),
            "[{label}] {:?}",
            m[0]
        );
        assert!(m[0].1.contains("办理期限："), "[{label}] {:?}", m[0]);
    }
    assert!(
        task_mails("judge2@court.test").await.is_empty(),
        "[{label}]"
    );
    assert!(
        task_mails("office@court.test").await.is_empty(),
        "[{label}]"
    );
    // Signed for: now the court rectifies and submits; still nothing for the office until then.
    let r = president
        .post_json(
            &format!("/api/v1/supervision/items/{item}/actions"),
            &json!({"action": "accept", "note": "已签收"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    let t = judge.get("/api/v1/me/todo").await.json();
    assert_eq!(count(&t, "submit_item"), 1, "[{label}] {t}");
    assert_eq!(count(&t, "accept_item"), 0, "[{label}] {t}");
    let r = judge
        .send(
            "POST",
            &format!("/api/v1/supervision/items/{item}/evidence?filename=report.txt"),
            Some("已结案".into()),
            true,
            "text/plain",
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    let r = judge
        .post_json(
            &format!("/api/v1/supervision/items/{item}/actions"),
            &json!({"action": "submit", "note": "已依法审结"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    // Submitted: the opening office verifies; the court has nothing left to do.
    let t = office.get("/api/v1/me/todo").await.json();
    assert_eq!(count(&t, "verify_item"), 1, "[{label}] {t}");
    let m = task_mails("office@court.test").await;
    assert_eq!(m.len(), 1, "[{label}] {m:?}");
    assert!(m[0].0.contains("督办事项待核验"), "[{label}] {:?}", m[0]);
    for c in [&judge, &president] {
        assert_eq!(
            c.get("/api/v1/me/todo").await.json()["total"],
            0,
            "[{label}]"
        );
    }
    // The page says it in Chinese, with the act to do.
    let page = office.get("/todo").await;
    assert!(page.body.contains("督办事项待核验"), "[{label}]");
    assert!(page.body.contains("去核验"), "[{label}]");

    // A 院庭长 act waits for the case's judge: on their list, and mailed at once now that they
    // read mail as it comes; the other judge hears nothing.
    let judge_id = s
        .user_by_username("judge")
        .await
        .expect("user")
        .expect("user")
        .id;
    s.set_cadence(judge_id, "immediately", false, now)
        .await
        .expect("cadence");
    let (case_id,): (i64,) = sqlx::query_as("SELECT id FROM cases WHERE case_number = $1")
        .bind(CASE)
        .fetch_one(s.pool())
        .await
        .expect("case");
    let r = chief
        .post_json(
            &format!("/api/v1/cases/{case_id}/acts"),
            &json!({"act": "report_progress", "content": "请报告评议结果"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    let t = judge.get("/api/v1/me/todo").await.json();
    assert_eq!(count(&t, "answer_act"), 1, "[{label}] {t}");
    let m = task_mails("judge@court.test").await;
    assert_eq!(m.len(), 1, "[{label}] {m:?}");
    assert!(m[0].0.contains("院庭长监督待答复"), "[{label}] {:?}", m[0]);
    assert!(
        m[0].1.contains(&format!("/cases/{case_id}#acts")) && !m[0].1.contains("请报告评议结果"),
        "[{label}] the link, not the act's content: {:?}",
        m[0]
    );
    assert!(
        task_mails("judge2@court.test").await.is_empty(),
        "[{label}]"
    );
}

async fn told_rows(s: &Store) -> i64 {
    let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM told_open")
        .fetch_one(s.pool())
        .await
        .expect("told_open");
    n.0
}

async fn long_pending(s: &Store) -> i64 {
    let w: (i64,) = sqlx::query_as("SELECT id FROM warnings WHERE category = 'long_pending'")
        .fetch_one(s.pool())
        .await
        .expect("warning");
    w.0
}

#[tokio::test]
async fn each_person_sees_what_waits_for_them_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
