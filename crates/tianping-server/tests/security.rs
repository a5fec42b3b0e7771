//! The findings of the outside security probe (issue 19), one test each, named after the finding,
//! over HTTP on both stores. Each failed before its fix.

mod common;

use common::*;
use tianping_domain::supervision::{InterferenceChannel, InterferenceOutcome, InterferenceSource};
use tianping_store::retrieval::{Annotation, NewReport, ReportFilters, ReportResult};
use tianping_store::supervision::NewInterference;
use tianping_store::{Actor, Numbered};

const MINOR: &str = "李小明";
const MINOR_REASON: &str = "被告人李小明（未成年）住院";
const SECRET_FACTS: &str = "被告人为境外刺探国家秘密";
const CIVIL: &str = "（2025）浙0102民初7号";
const MINORS_CASE: &str = "（2026）浙0102刑初1号";
const SECRET_CASE: &str = "（2026）浙0102刑初2号";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date")
}

fn records(v: &[Value]) -> Vec<Numbered> {
    v.iter()
        .enumerate()
        .map(|(i, r)| Numbered {
            line: i as u64 + 1,
            record: serde_json::from_value(r.clone()).expect("record"),
        })
        .collect()
}

/// The fixture province with its users and three cases of 上城: an overdue public civil case of
/// judge `sc_judge`, a minors' criminal case and a state-secret criminal case.
async fn world(db: &TestDb) -> Router {
    let s = &db.store;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role, clearance) in [
        ("sc_judge", "sc-court", Role::Judge, Clearance::default()),
        (
            "sc_president",
            "sc-court",
            Role::President,
            Clearance(vec![Confidentiality::Minors]),
        ),
        (
            "sc_office",
            "sc-court",
            Role::CaseOffice,
            Clearance::default(),
        ),
        ("xh_judge", "xh-court", Role::Judge, Clearance::default()),
        (
            "proc_office",
            "sc-proc",
            Role::CaseOffice,
            Clearance::default(),
        ),
        ("hz_pc", "hz-pc", Role::PcSupervisor, Clearance::default()),
        (
            "hz_plc",
            "hz-plc",
            Role::PlcSupervisor,
            Clearance::default(),
        ),
        ("admin", "zj-court", Role::Sysadmin, Clearance::default()),
    ] {
        add_user(s, u, org, role, clearance).await;
    }
    let events = [
        ev(
            "c1",
            CIVIL,
            "2025-06-02T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷", "parties": [{"name": "甲公司", "role": "原告", "kind": "legal"}, {"name": "乙公司", "role": "被告", "kind": "legal"}]}),
        ),
        ev(
            "c2",
            CIVIL,
            "2025-06-03T09:00:00+08:00",
            "assigned",
            json!({"judge": "sc_judge-name"}),
        ),
        ev(
            "m1",
            MINORS_CASE,
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "盗窃", "charges": ["盗窃罪"], "in_custody": false, "parties": [{"name": MINOR, "role": "被告人", "minor": true}]}),
        ),
        ev(
            "m2",
            MINORS_CASE,
            "2026-03-05T09:00:00+08:00",
            "adjourned",
            json!({"reason": MINOR_REASON}),
        ),
        ev(
            "s1",
            SECRET_CASE,
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "为境外刺探、非法提供国家秘密", "charges": ["为境外刺探、非法提供国家秘密罪"], "confidentiality": "state_secret", "parties": [{"name": "赵某", "role": "被告人"}]}),
        ),
    ];
    let r = s
        .ingest(&records(&events), &Actor::system("sc-cms"), now())
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    app(s, now())
}

async fn case_id(db: &TestDb, number: &str) -> i64 {
    db.store
        .case_id_by_number(number)
        .await
        .expect("case")
        .expect("exists")
}

/// H1: a judge recorded the president's approval of their own extension.
#[tokio::test]
async fn h1_a_person_cannot_record_someone_elses_approval() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        let judge = Client::as_user(&app, "sc_judge").await;
        let r = judge
            .post_json(
                "/api/v1/events",
                &ev(
                    "x1",
                    CIVIL,
                    "2026-05-01T09:00:00+08:00",
                    "extension_requested",
                    json!({"amount": 6, "unit": "month", "reason": "案情复杂"}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
        let forged = ev(
            "x2",
            CIVIL,
            "2026-05-02T09:00:00+08:00",
            "extension_approved",
            json!({"amount": 6, "unit": "month", "approver": {"name": "sc_president-name", "role": "president"}}),
        );
        let r = judge.post_json("/api/v1/events", &forged).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {}", r.body);
        assert_eq!(
            r.json()["error"]["details"]["reason_code"],
            "approval_not_own",
            "[{label}]"
        );
        // In a batch the forged record alone is refused.
        let suspended = ev(
            "x3",
            CIVIL,
            "2026-05-02T10:00:00+08:00",
            "suspended",
            json!({"reason": "等待另案", "approver": {"name": "sc_president-name", "role": "president"}}),
        );
        let hearing = ev(
            "x4",
            CIVIL,
            "2026-05-03T09:00:00+08:00",
            "hearing_held",
            json!({}),
        );
        let r = judge
            .post_json("/api/v1/events/batch", &json!([suspended, hearing]))
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        assert_eq!(r.json()["accepted"], 1, "[{label}] {}", r.body);
        assert_eq!(r.json()["rejected"][0]["code"], "approval_not_own");
        // The president approves as themselves; both people are on record.
        let president = Client::as_user(&app, "sc_president").await;
        let r = president.post_json("/api/v1/events", &forged).await;
        assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
        let id = case_id(&db, CIVIL).await;
        let events = db.store.events_of_case(id).await.expect("events");
        let by = |kind: &str| {
            events
                .iter()
                .find(|e| e.kind == kind)
                .map(|e| e.recorded_by.clone())
        };
        assert_eq!(by("extension_requested").as_deref(), Some("user:sc_judge"));
        assert_eq!(
            by("extension_approved").as_deref(),
            Some("user:sc_president")
        );
        db.cleanup().await.expect("cleanup");
    }
}

fn result(id: i64, title: &str, note: &str) -> ReportResult {
    ReportResult {
        rank: 1,
        judgment_id: id,
        score: 1.0,
        facts: 0.5,
        text: 0.5,
        charges: 1.0,
        shared_charges: vec![],
        shared_words: vec!["刺探".into(), "未成年".into()],
        shared_articles: vec![],
        title: title.into(),
        court: None,
        case_number: None,
        decided_on: None,
        outcome: "有期徒刑三年".into(),
        annotation: Annotation::Refer,
        note: note.into(),
        coverage: None,
        source: String::new(),
    }
}

/// H2: the 类案检索报告 page showed a confidential case's facts and charges to every reader.
#[tokio::test]
async fn h2_retrieval_reports_are_redacted_by_clearance() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        let s = &db.store;
        let president = s
            .user_by_username("sc_president")
            .await
            .expect("user")
            .expect("exists");
        let mut ids = vec![];
        for (number, facts, title) in [
            (
                MINORS_CASE,
                format!("{MINOR}盗窃同学手机"),
                "张某盗窃罪一审刑事判决书",
            ),
            (
                SECRET_CASE,
                SECRET_FACTS.to_string(),
                "钱某为境外刺探国家秘密罪一审刑事判决书",
            ),
        ] {
            let case = case_id(&db, number).await;
            let rid = s
                .save_report(
                    &NewReport {
                        case_id: case,
                        query_facts: facts.clone(),
                        query_charges: vec!["为境外刺探、非法提供国家秘密罪".into()],
                        filters: ReportFilters::default(),
                        snapshot_last_id: 0,
                        snapshot_count: 0,
                        ranking_version: "similar-3".into(),
                        results: vec![result(1, title, &format!("与{MINOR}情节相近"))],
                    },
                    &president,
                    now(),
                )
                .await
                .expect("report");
            ids.push((case, rid));
        }
        let office = Client::as_user(&app, "sc_office").await;
        let (minors, secret) = (ids[0], ids[1]);
        let r = office
            .get(&format!("/cases/{}/similar/reports/{}", minors.0, minors.1))
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}]");
        assert!(!r.body.contains(MINOR), "[{label}] minor's name shown");
        assert!(!r.body.contains("未成年</"), "[{label}] shared words shown");
        assert!(r.body.contains("report-redacted"), "[{label}]");
        let r = office
            .get(&format!(
                "/cases/{}/similar/reports/{}?print=1",
                secret.0, secret.1
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}]");
        for hidden in [SECRET_FACTS, "刺探", "钱某"] {
            assert!(!r.body.contains(hidden), "[{label}] {hidden} shown");
        }
        // The president, cleared for minors' cases, sees the minors' report whole.
        let p = Client::as_user(&app, "sc_president").await;
        let r = p
            .get(&format!("/cases/{}/similar/reports/{}", minors.0, minors.1))
            .await;
        assert!(r.body.contains(MINOR), "[{label}] cleared reader");
        db.cleanup().await.expect("cleanup");
    }
}

/// H3: anyone could read anyone's mail by setting their own address to the other's.
#[tokio::test]
async fn h3_mail_belongs_to_the_user_not_to_the_address() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        let s = &db.store;
        let victim = s
            .user_by_username("sc_judge")
            .await
            .expect("user")
            .expect("exists");
        s.set_notification_preferences(victim.id, Some("judge@court.test"), "daily", now())
            .await
            .expect("prefs");
        s.poll(now(), 1000).await.expect("poll");
        let victims_mail = s.mails_to_user(victim.id, 10).await.expect("mails");
        assert!(
            victims_mail.iter().any(|m| m.subject.contains(CIVIL)),
            "[{label}] the overdue case mails its judge"
        );

        // The attacker types the victim's address: it waits for confirmation, and the
        // attacker's mailbox shows nothing of the victim's.
        let attacker = Client::as_user(&app, "xh_judge").await;
        let r = attacker
            .post_json(
                "/api/v1/me/notifications",
                &json!({"email": "judge@court.test", "cadence": "daily"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        assert_eq!(r.json()["email"], Value::Null, "[{label}]");
        assert_eq!(r.json()["email_pending"], "judge@court.test");
        let r = attacker.get("/mailbox").await;
        assert!(!r.body.contains(CIVIL), "[{label}] victim's mail shown");
        // The victim still reads their own.
        let v = Client::as_user(&app, "sc_judge").await;
        assert!(v.get("/mailbox").await.body.contains(CIVIL), "[{label}]");

        // Confirmation: only with the token mailed to the address, only by the asking user.
        let xh = s
            .user_by_username("xh_judge")
            .await
            .expect("user")
            .expect("exists");
        let confirm = s
            .mails(Some("judge@court.test"), 10)
            .await
            .expect("outbox")
            .into_iter()
            .find(|m| m.subject.contains("请确认提醒邮箱"))
            .expect("confirmation mail");
        assert!(
            s.mails_to_user(xh.id, 10)
                .await
                .expect("mails")
                .iter()
                .all(|m| m.id != confirm.id),
            "[{label}] the confirmation mail is in nobody's mailbox"
        );
        let token = confirm
            .body
            .split("token=")
            .nth(1)
            .and_then(|t| t.split_whitespace().next())
            .expect("token")
            .to_string();
        let post = |c: &Client, token: &str| {
            let body = form(&[("csrf", &c.csrf), ("token", token)]);
            let c = Client {
                app: c.app.clone(),
                cookie: c.cookie.clone(),
                csrf: c.csrf.clone(),
            };
            async move {
                c.send(
                    "POST",
                    "/mailbox/confirm",
                    Some(body),
                    false,
                    "application/x-www-form-urlencoded",
                )
                .await
            }
        };
        assert_eq!(
            post(&v, &token).await.status,
            StatusCode::BAD_REQUEST,
            "[{label}] another user's token"
        );
        assert_eq!(
            post(&attacker, "wrong").await.status,
            StatusCode::BAD_REQUEST,
            "[{label}]"
        );
        assert_eq!(
            post(&attacker, &token).await.status,
            StatusCode::SEE_OTHER,
            "[{label}]"
        );
        let prefs = s.preferences(xh.id).await.expect("prefs");
        assert_eq!(prefs.email.as_deref(), Some("judge@court.test"));
        // Even with the address confirmed, the victim's mail stays the victim's.
        assert!(!attacker.get("/mailbox").await.body.contains(CIVIL));
        db.cleanup().await.expect("cleanup");
    }
}

/// H4: an event id used on another case turned a call and a whole batch into a 500.
#[tokio::test]
async fn h4_a_used_event_id_is_a_conflict_for_its_record_alone() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        let judge = Client::as_user(&app, "sc_judge").await;
        // "m2" is the minors' case's adjournment; here it names another record.
        let reused = ev(
            "m2",
            CIVIL,
            "2026-05-05T09:00:00+08:00",
            "hearing_held",
            json!({}),
        );
        let r = judge.post_json("/api/v1/events", &reused).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "[{label}] {}", r.body);
        assert_eq!(
            r.json()["error"]["details"]["reason_code"],
            "source_event_id_conflict"
        );
        let fine = ev(
            "h9",
            CIVIL,
            "2026-05-06T09:00:00+08:00",
            "hearing_held",
            json!({}),
        );
        let r = judge
            .post_json("/api/v1/events/batch", &json!([reused, fine]))
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        let v = r.json();
        assert_eq!(v["accepted"], 1, "[{label}] {v}");
        assert_eq!(v["rejected"][0]["index"], 0);
        assert_eq!(v["rejected"][0]["code"], "source_event_id_conflict");
        // Re-sending an accepted record unchanged is still a duplicate.
        let r = judge.post_json("/api/v1/events", &fine).await;
        assert_eq!(r.json()["status"], "duplicate", "[{label}]");
        db.cleanup().await.expect("cleanup");
    }
}

/// M1: a procuratorate read and exported a court's 三个规定 records.
#[tokio::test]
async fn m1_interference_records_stay_with_their_agency_kind() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        let s = &db.store;
        let office = s
            .user_by_username("sc_office")
            .await
            .expect("user")
            .expect("exists");
        let org = s.org("sc-court").await.expect("org").expect("exists");
        s.record_interference(
            &NewInterference {
                case_id: Some(case_id(&db, CIVIL).await),
                source: InterferenceSource::Leader,
                person_name: "钱干预".into(),
                person_unit: "某区某局".into(),
                person_position: "副局长".into(),
                channel: InterferenceChannel::Phone,
                occurred_at: Utc
                    .with_ymd_and_hms(2026, 5, 6, 2, 0, 0)
                    .single()
                    .expect("date"),
                content: "询问案件进展并请求关照".into(),
                materials: String::new(),
                outcome: InterferenceOutcome::Refused,
                response: "当场拒绝".into(),
            },
            &office,
            &org,
            now(),
        )
        .await
        .expect("recorded");
        let proc = Client::as_user(&app, "proc_office").await;
        let r = proc.get("/interference?quarter=2026-Q2").await;
        assert!(!r.body.contains("钱干预"), "[{label}] page");
        let r = proc.get("/interference/export.xlsx?quarter=2026-Q2").await;
        assert!(!r.xlsx_text().contains("钱干预"), "[{label}] export");
        let r = proc.get("/api/v1/interference?quarter=2026-Q2").await;
        assert!(!r.body.contains("钱干预"), "[{label}] api");
        // The court's own office and the 政法委 still see it.
        let court = Client::as_user(&app, "sc_office").await;
        let r = court.get("/api/v1/interference?quarter=2026-Q2").await;
        assert!(r.body.contains("钱干预"), "[{label}] {}", r.body);
        let plc = Client::as_user(&app, "hz_plc").await;
        let r = plc.get("/api/v1/interference?quarter=2026-Q2").await;
        assert!(r.body.contains("钱干预"), "[{label}] {}", r.body);
        let r = plc.get("/interference/export.xlsx?quarter=2026-Q2").await;
        assert!(r.xlsx_text().contains("钱干预"), "[{label}] export");
        db.cleanup().await.expect("cleanup");
    }
}

/// M2: a procuratorate saw and acknowledged a court's moved due dates.
#[tokio::test]
async fn m2_moved_due_dates_stay_with_their_agency_kind() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        let s = &db.store;
        s.apply_clockwork_change(now()).await.expect("baseline");
        let mut cw = tianping_store::clocks::Clockwork::shipped();
        let text = tianping_domain::rules::LIMITS_TOML.replacen(
            "base = { amount = 6, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
            "version = 2\nbase = { amount = 7, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
            1,
        );
        cw.rules = tianping_domain::rules::RuleSet::parse(&text).expect("rules");
        s.set_clockwork(cw);
        let rep = s
            .apply_clockwork_change(now())
            .await
            .expect("recompute")
            .expect("changed");
        assert!(rep.moved >= 1, "[{label}] {rep:?}");
        let proc = Client::as_user(&app, "proc_office").await;
        let r = proc.get("/api/v1/clock-changes").await;
        assert_eq!(r.json()["items"], json!([]), "[{label}] {}", r.body);
        assert!(!proc.get("/clock-changes").await.body.contains(CIVIL));
        let r = proc
            .send(
                "POST",
                "/clock-changes/ack",
                Some(form(&[("csrf", &proc.csrf)])),
                false,
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}]");
        let court = Client::as_user(&app, "sc_office").await;
        let items = court.get("/api/v1/clock-changes").await.json()["items"].clone();
        let items = items.as_array().cloned().unwrap_or_default();
        assert!(!items.is_empty(), "[{label}]");
        assert!(
            items.iter().all(|c| c["acknowledged"] == false),
            "[{label}] the procuratorate acknowledged a court's changes"
        );
        db.cleanup().await.expect("cleanup");
    }
}

/// M3: free-text reasons named a minor to readers without the clearance.
#[tokio::test]
async fn m3_free_text_is_hidden_on_minors_cases() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        let id = case_id(&db, MINORS_CASE).await;
        let office = Client::as_user(&app, "sc_office").await;
        for uri in [format!("/api/v1/cases/{id}"), format!("/cases/{id}")] {
            let r = office.get(&uri).await;
            assert_eq!(r.status, StatusCode::OK, "[{label}] {uri}");
            assert!(!r.body.contains(MINOR), "[{label}] {uri}");
            assert!(!r.body.contains("住院"), "[{label}] {uri}");
        }
        let p = Client::as_user(&app, "sc_president").await;
        assert!(p.get(&format!("/cases/{id}")).await.body.contains("住院"));
        db.cleanup().await.expect("cleanup");
    }
}

/// M4: the system administrator read case data through the outbox and the self-check.
#[tokio::test]
async fn m4_the_system_administrator_sees_no_case_content() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        let s = &db.store;
        let judge = s
            .user_by_username("sc_judge")
            .await
            .expect("user")
            .expect("exists");
        s.set_notification_preferences(judge.id, Some("judge@court.test"), "daily", now())
            .await
            .expect("prefs");
        s.poll(now(), 1000).await.expect("poll");
        let admin = Client::as_user(&app, "admin").await;
        let r = admin.get("/mailbox").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("期限预警"), "[{label}] deliveries listed");
        assert!(
            !r.body.contains(CIVIL),
            "[{label}] a case number in the outbox"
        );
        let r = admin.get("/api/v1/clocks/self-check").await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        assert!(!r.body.contains("case_number"), "[{label}] {}", r.body);
        db.cleanup().await.expect("cleanup");
    }
}

/// M5: 人大 users acknowledged (silenced) court warnings.
#[tokio::test]
async fn m5_supervisors_cannot_silence_warnings() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        db.store.poll(now(), 1000).await.expect("poll");
        let pc = Client::as_user(&app, "hz_pc").await;
        let board = pc.get("/api/v1/warnings").await.json();
        let w = board["items"]
            .as_array()
            .and_then(|a| a.iter().find_map(|l| l["warning_id"].as_i64()))
            .unwrap_or_else(|| panic!("[{label}] a warning on the board: {board}"));
        let r = pc
            .post_json(&format!("/api/v1/warnings/{w}/ack"), &json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {}", r.body);
        let plc = Client::as_user(&app, "hz_plc").await;
        let r = plc
            .post_json(&format!("/api/v1/warnings/{w}/ack"), &json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {}", r.body);
        let office = Client::as_user(&app, "sc_office").await;
        let r = office
            .post_json(&format!("/api/v1/warnings/{w}/ack"), &json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        db.cleanup().await.expect("cleanup");
    }
}

/// M6: a filing dated 0001-01-01 became a case 739,770 days overdue.
#[tokio::test]
async fn m6_impossible_dates_are_refused_over_http() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        let judge = Client::as_user(&app, "sc_judge").await;
        let r = judge
            .post_json(
                "/api/v1/events",
                &ev(
                    "d1",
                    "（2026）浙0102民初99号",
                    "0001-01-01T09:00:00+08:00",
                    "filed",
                    json!({"cause": "民间借贷纠纷"}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
        assert_eq!(
            r.json()["error"]["details"]["reason_code"],
            "date_out_of_range"
        );
        db.cleanup().await.expect("cleanup");
    }
}

/// Low: the back link of a form was an open redirect (`back=/\evil.example/`).
#[tokio::test]
async fn low_back_links_do_not_leave_the_site() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        db.store.poll(now(), 1000).await.expect("poll");
        let office = Client::as_user(&app, "sc_office").await;
        let board = office.get("/api/v1/warnings").await.json();
        let w = board["items"]
            .as_array()
            .and_then(|a| a.iter().find_map(|l| l["warning_id"].as_i64()))
            .expect("a warning");
        let r = office
            .send(
                "POST",
                &format!("/warnings/{w}/ack"),
                Some(form(&[
                    ("csrf", &office.csrf),
                    ("back", "/\\evil.example/"),
                ])),
                false,
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_eq!(
            r.headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok()),
            Some("/warnings"),
            "[{label}]"
        );
        db.cleanup().await.expect("cleanup");
    }
}

/// Posts JSON with a bearer token and no cookie or CSRF token (an agency's system).
async fn post_as_system(app: &Router, token: &str, uri: &str, v: &Value) -> Resp {
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(v.to_string()))
        .expect("request");
    request(app, req).await
}

/// H1, the other half: someone else's approval arrives only from the agency's own system, with
/// machine credentials the security administrator issued, scoped and revocable.
#[tokio::test]
async fn h1_approvals_of_others_come_only_from_an_agency_system() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        add_user(
            &db.store,
            "secadmin",
            "zj-court",
            Role::Secadmin,
            Clearance::default(),
        )
        .await;
        let issue = json!({"name": "上城法院审判管理系统", "org_id": "sc-court"});
        // Only the security administrator issues credentials.
        for who in ["admin", "sc_president"] {
            let c = Client::as_user(&app, who).await;
            let r = c.post_json("/api/v1/admin/system-clients", &issue).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {who}");
            assert_eq!(c.get("/admin/systems").await.status, StatusCode::FORBIDDEN);
        }
        let sec = Client::as_user(&app, "secadmin").await;
        let r = sec.post_json("/api/v1/admin/system-clients", &issue).await;
        assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
        let token = r.json()["token"].as_str().expect("token").to_string();
        let id = r.json()["id"].as_i64().expect("id");
        assert!(token.starts_with("tps_"));
        let r = sec.post_json("/api/v1/admin/system-clients", &issue).await;
        assert_eq!(r.code(), "name_taken", "[{label}]");

        // The system records the president's approval, attributed to the system.
        let approval = ev(
            "sys1",
            CIVIL,
            "2026-05-02T09:00:00+08:00",
            "extension_approved",
            json!({"amount": 6, "unit": "month", "approver": {"name": "孙院长", "role": "president"}}),
        );
        let request = ev(
            "sys0",
            CIVIL,
            "2026-05-01T09:00:00+08:00",
            "extension_requested",
            json!({"amount": 6, "unit": "month", "reason": "案情复杂"}),
        );
        let r = post_as_system(
            &app,
            &token,
            "/api/v1/events/batch",
            &json!([request, approval]),
        )
        .await;
        assert_eq!(r.json()["accepted"], 2, "[{label}] {}", r.body);
        let events = db
            .store
            .events_of_case(case_id(&db, CIVIL).await)
            .await
            .expect("events");
        assert_eq!(
            events.last().map(|e| e.recorded_by.as_str()),
            Some("system:上城法院审判管理系统"),
            "[{label}]"
        );
        // Its scope is its court: a 西湖 filing is refused.
        let r = post_as_system(
            &app,
            &token,
            "/api/v1/events",
            &ev(
                "sys2",
                "（2026）浙0106民初5号",
                "2026-05-02T09:00:00+08:00",
                "filed",
                json!({"cause": "买卖合同纠纷"}),
            ),
        )
        .await;
        assert_eq!(
            r.json()["error"]["details"]["reason_code"],
            "out_of_scope",
            "[{label}] {}",
            r.body
        );
        // Listed with its last use; revoked, it is refused.
        let list = sec.get("/api/v1/admin/system-clients").await.json();
        assert!(
            list["items"][0]["last_used_at"].is_string(),
            "[{label}] {list}"
        );
        let r = sec
            .post_json(
                &format!("/api/v1/admin/system-clients/{id}/revoke"),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        let r = post_as_system(&app, &token, "/api/v1/events", &approval).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNAUTHORIZED, "system_token_invalid".to_string()),
            "[{label}]"
        );
        let r = post_as_system(&app, "tps_forged", "/api/v1/events/batch", &json!([])).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "[{label}]");
        // The page shows it revoked, and never the token again.
        let page = sec.get("/admin/systems").await;
        assert!(page.body.contains("已吊销"), "[{label}]");
        assert!(!page.body.contains(&token), "[{label}]");
        db.cleanup().await.expect("cleanup");
    }
}

/// Logs in over the JSON API from a given client address.
async fn login_from(app: &Router, username: &str, password: &str, ip: &str) -> Resp {
    let addr: std::net::SocketAddr = format!("{ip}:40000").parse().expect("address");
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .extension(axum::extract::ConnectInfo(addr))
        .body(Body::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .expect("request");
    request(app, req).await
}

/// Low: the lockout answered 423 for existing usernames (401 for others) and let anyone lock any
/// account for everybody.
#[tokio::test]
async fn low_the_lockout_reveals_no_username_and_locks_only_that_client() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        for name in ["sc_judge", "no_such_user"] {
            for i in 1..=6 {
                let r = login_from(&app, name, "wrong", "192.0.2.66").await;
                assert_eq!(
                    (r.status, r.code()),
                    (StatusCode::UNAUTHORIZED, "invalid_credentials".to_string()),
                    "[{label}] {name} attempt {i}"
                );
            }
        }
        // The attacker's address is locked for that username, even with the right password…
        let r = login_from(&app, "sc_judge", PW, "192.0.2.66").await;
        assert_eq!(r.code(), "invalid_credentials", "[{label}]");
        // …the judge's own machine is not.
        let r = login_from(&app, "sc_judge", PW, "198.51.100.7").await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        // The administrators see the lock.
        let admin = Client::as_user(&app, "admin").await;
        assert!(admin.get("/admin/users").await.body.contains("已锁定"));
        db.cleanup().await.expect("cleanup");
    }
}

/// Low: login CSRF — a `text/plain` JSON body from a foreign page set the session cookie.
#[tokio::test]
async fn low_a_foreign_page_cannot_log_a_browser_in() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        let anon = Client::anonymous(&app);
        let body = json!({"username": "sc_judge", "password": PW}).to_string();
        let r = anon
            .send(
                "POST",
                "/api/v1/session",
                Some(body.clone()),
                false,
                "text/plain",
            )
            .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "[{label}]");
        assert!(r.headers.get(header::SET_COOKIE).is_none());
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::HOST, "tianping.court.test")
            .header(header::ORIGIN, "https://evil.example")
            .body(Body::from(body.clone()))
            .expect("request");
        let res = app.clone().oneshot(req).await.expect("response");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "[{label}]");
        assert!(res.headers().get(header::SET_COOKIE).is_none());
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::HOST, "tianping.court.test")
            .header(header::ORIGIN, "https://tianping.court.test")
            .body(Body::from(body))
            .expect("request");
        let res = app.clone().oneshot(req).await.expect("response");
        assert_eq!(res.status(), StatusCode::OK, "[{label}] same origin");
        db.cleanup().await.expect("cleanup");
    }
}

/// M7: a published year was silently replaced (here by one with a single holiday), moving due
/// dates; it now waits for confirmation after showing the clocks that would move.
#[tokio::test]
async fn m7_replacing_a_published_year_needs_confirmation() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        db.store
            .apply_clockwork_change(now())
            .await
            .expect("clocks");
        let admin = Client::as_user(&app, "admin").await;
        // 2026 with 元旦 only: the minors' case's 审限 ending in the 劳动节 holiday moves.
        let toml = "[[year]]\nyear = 2026\nrest = [ { date = 2026-01-01, holiday = \"元旦\" } ]\n";
        let post =
            |confirm: &str| form(&[("csrf", &admin.csrf), ("toml", toml), ("confirm", confirm)]);
        let r = admin
            .send(
                "POST",
                "/admin/calendar",
                Some(post("")),
                false,
                "application/x-www-form-urlencoded",
            )
            .await;
        assert!(r.body.contains("calendar-confirm"), "[{label}] {}", r.body);
        assert!(
            r.body.contains("calendar-moved") && r.body.contains(MINORS_CASE),
            "[{label}] the moved clocks are listed: {}",
            r.body
        );
        let before = db.store.imported_calendar_years().await.expect("years");
        assert!(
            before.is_empty(),
            "[{label}] nothing stored before confirming"
        );
        let r = admin
            .send(
                "POST",
                "/admin/calendar",
                Some(post("1")),
                false,
                "application/x-www-form-urlencoded",
            )
            .await;
        assert!(r.body.contains("calendar-done"), "[{label}] {}", r.body);
        let after = db.store.imported_calendar_years().await.expect("years");
        assert_eq!(after.len(), 1, "[{label}]");
        // Out-of-range years are refused with the year named.
        let r = admin
            .send(
                "POST",
                "/admin/calendar",
                Some(form(&[
                    ("csrf", &admin.csrf),
                    ("toml", "[[year]]\nyear = 99999\nrest = []\n"),
                ])),
                false,
                "application/x-www-form-urlencoded",
            )
            .await;
        assert!(r.body.contains("99999"), "[{label}]");
        assert!(r.body.contains("calendar-error"), "[{label}]");
        db.cleanup().await.expect("cleanup");
    }
}

/// Low: the 三员 of a member organisation read its joint supervision projects.
#[tokio::test]
async fn low_administrators_do_not_read_joint_projects() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        for (u, role) in [
            ("pc_sys", Role::Sysadmin),
            ("pc_sec", Role::Secadmin),
            ("pc_audit", Role::Auditor),
        ] {
            add_user(&db.store, u, "hz-pc", role, Clearance::default()).await;
        }
        let pc = Client::as_user(&app, "hz_pc").await;
        let r = pc
            .post_json(
                "/api/v1/projects",
                &json!({"title": "执行积案联合监督", "plan": "人大与政法委联合督查终本案件"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        assert!(
            pc.get("/api/v1/projects")
                .await
                .body
                .contains("执行积案联合监督")
        );
        for u in ["pc_sys", "pc_sec", "pc_audit"] {
            let c = Client::as_user(&app, u).await;
            for uri in [
                "/api/v1/projects".to_string(),
                format!("/api/v1/projects/{id}"),
                "/projects".to_string(),
                format!("/projects/{id}"),
            ] {
                let r = c.get(&uri).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {u} {uri}");
                assert!(!r.body.contains("执行积案联合监督"), "[{label}] {u} {uri}");
            }
        }
        db.cleanup().await.expect("cleanup");
    }
}

/// Need-to-know: clearance was per user, so the judge assigned to a minors' case saw their own
/// case redacted. The 承办人 and panel and the court's president read it whole; others by
/// clearance; every whole read of a confidential case is logged for the auditor.
#[tokio::test]
async fn need_to_know_the_assigned_read_their_confidential_case_whole_and_the_auditor_sees_it() {
    for db in TestDb::all().await.expect("databases") {
        let app = world(&db).await;
        let label = db.label;
        let s = &db.store;
        add_user(
            s,
            "sc_judge2",
            "sc-court",
            Role::Judge,
            Clearance::default(),
        )
        .await;
        add_user(
            s,
            "auditor",
            "zj-court",
            Role::Auditor,
            Clearance::default(),
        )
        .await;
        add_user(s, "sc_clerk", "sc-court", Role::Clerk, Clearance::default()).await;
        add_user(
            s,
            "sc_clerk2",
            "sc-court",
            Role::Clerk,
            Clearance::default(),
        )
        .await;
        let r = s
            .ingest(
                &records(&[ev(
                    "m9",
                    MINORS_CASE,
                    "2026-03-04T09:00:00+08:00",
                    "assigned",
                    json!({"judge": "sc_judge-name", "panel": ["sc_judge2-name"], "clerk": "sc_clerk-name"}),
                )]),
                &Actor::system("sc-cms"),
                now(),
            )
            .await
            .expect("assign");
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        let id = case_id(&db, MINORS_CASE).await;
        for (u, whole) in [
            ("sc_judge", true),
            ("sc_judge2", true),
            ("sc_clerk", true),
            ("sc_clerk2", false),
            ("sc_office", false),
            ("xh_judge", false),
        ] {
            let c = Client::as_user(&app, u).await;
            let r = c.get(&format!("/cases/{id}")).await;
            if r.status == StatusCode::OK {
                assert_eq!(r.body.contains(MINOR), whole, "[{label}] {u}");
            } else {
                assert!(!whole, "[{label}] {u}: {}", r.status);
            }
            let r = c.get(&format!("/api/v1/cases/{id}")).await;
            assert_eq!(r.body.contains(MINOR), whole, "[{label}] {u} api");
            // The list shows the name to the assigned too.
            let list = c.get("/api/v1/cases?per_page=50").await;
            assert_eq!(
                list.body.contains(MINOR),
                whole && u == "sc_judge",
                "[{label}] {u} list"
            );
        }
        let auditor = Client::as_user(&app, "auditor").await;
        let r = auditor.get("/api/v1/audit/confidential-reads").await;
        assert_eq!(r.status, StatusCode::OK, "[{label}]");
        let items = r.json()["items"].as_array().cloned().unwrap_or_default();
        assert!(
            items.iter().any(|x| x["username"] == "sc_judge"
                && x["basis"] == "assignment"
                && x["via"] == "case_page"),
            "[{label}] {items:?}"
        );
        assert!(
            items.iter().all(|x| x["username"] != "sc_office"),
            "[{label}]"
        );
        assert!(auditor.get("/audit/reads").await.body.contains(MINORS_CASE));
        let office = Client::as_user(&app, "sc_office").await;
        assert_eq!(
            office.get("/api/v1/audit/confidential-reads").await.status,
            StatusCode::FORBIDDEN
        );
        db.cleanup().await.expect("cleanup");
    }
}

/// Rate limits: logins per client address, the API per client address, every request per user;
/// over the limit, 429 with Retry-After (the clock is fixed here, so buckets do not refill).
#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    for db in TestDb::all().await.expect("databases") {
        let _default_limits_app = world(&db).await;
        let label = db.label;
        let policy = tianping_server::auth::Policy {
            totp_required: vec![],
            ..tianping_server::auth::Policy::default()
        }
        .with_limits(tianping_server::rate::RateLimits {
            login_per_addr: 3,
            api_per_addr: 8,
            per_user: 5,
        });
        let app = app_with(&db.store, now(), policy);
        for i in 1..=3 {
            let r = login_from(&app, "nobody", "x", "203.0.113.9").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "[{label}] attempt {i}");
        }
        let r = login_from(&app, "sc_judge", PW, "203.0.113.9").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "[{label}]");
        assert_eq!(r.code(), "rate_limited");
        assert!(r.headers.get(header::RETRY_AFTER).is_some(), "[{label}]");
        // Another address logs in; its user is then limited per user.
        let r = login_from(&app, "sc_judge", PW, "203.0.113.10").await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        let cookie = r
            .headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| c.split(';').next())
            .expect("cookie")
            .to_string();
        let judge = Client {
            app: app.clone(),
            cookie: Some(cookie),
            csrf: String::new(),
        };
        let statuses: Vec<u16> = {
            let mut v = vec![];
            for _ in 0..6 {
                v.push(judge.get("/api/v1/me").await.status.as_u16());
            }
            v
        };
        assert_eq!(statuses, vec![200, 200, 200, 200, 200, 429], "[{label}]");
        // The API per address: anonymous calls from "unknown" run out too.
        let anon = Client::anonymous(&app);
        let mut last = StatusCode::OK;
        for _ in 0..10 {
            last = anon.get("/api/v1/case-numbers/parse?q=x").await.status;
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "[{label}]");
        db.cleanup().await.expect("cleanup");
    }
}

/// Logs in over the JSON API at a given app (instant); returns the client, or the response when
/// a second factor is asked for.
async fn password_step(app: &Router, username: &str) -> Resp {
    let anon = Client::anonymous(app);
    anon.send(
        "POST",
        "/api/v1/session",
        Some(json!({"username": username, "password": PW}).to_string()),
        false,
        "application/json",
    )
    .await
}

fn client_of(app: &Router, r: &Resp) -> Client {
    Client {
        app: app.clone(),
        cookie: r
            .headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| c.split(';').next())
            .map(str::to_string),
        csrf: r.json()["csrf_token"].as_str().unwrap_or("").to_string(),
    }
}

async fn enrol(c: &Client, at: chrono::DateTime<Utc>) -> (String, Vec<String>) {
    let r = c.post_json("/api/v1/me/totp/enrol", &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let secret = r.json()["secret"].as_str().expect("secret").to_string();
    assert!(
        r.json()["otpauth_uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("otpauth://totp/"))
    );
    let key = tianping_domain::totp::from_base32(&secret).expect("base32");
    let code = tianping_domain::totp::code_at(&key, at.timestamp());
    let r = c
        .post_json("/api/v1/me/totp/confirm", &json!({"code": code}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes: Vec<String> = r.json()["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    (secret, codes)
}

/// TOTP second factor (RFC 6238): required of the 三员, who reach only enrolment until they have
/// it; a login then needs the app's code (once) or a recovery code (once); the security
/// administrator resets someone else's, never their own.
#[tokio::test]
async fn totp_is_required_of_the_three_administrators_and_works_once_per_code() {
    for db in TestDb::all().await.expect("databases") {
        let _ = world(&db).await;
        let label = db.label;
        add_user(
            &db.store,
            "sec",
            "zj-court",
            Role::Secadmin,
            Clearance::default(),
        )
        .await;
        let t0 = now();
        let later = |secs: i64| {
            app_with(
                &db.store,
                t0 + chrono::Duration::seconds(secs),
                tianping_server::auth::Policy::default(),
            )
        };
        let app0 = later(0);
        // A judge is not required to: a password suffices.
        let r = password_step(&app0, "sc_judge").await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        assert!(r.json()["csrf_token"].is_string(), "[{label}]");
        // The system administrator logs in with the password but reaches only enrolment.
        let r = password_step(&app0, "admin").await;
        let admin = client_of(&app0, &r);
        let me = admin.get("/api/v1/me").await;
        assert_eq!(
            (me.status, me.code()),
            (StatusCode::FORBIDDEN, "second_factor_required".to_string()),
            "[{label}]"
        );
        let page = admin.get("/mailbox").await;
        assert_eq!(
            page.headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok()),
            Some("/account/security"),
            "[{label}]"
        );
        assert!(
            admin
                .get("/account/security")
                .await
                .body
                .contains("totp-secret")
        );
        let (secret, recovery) = enrol(&admin, t0).await;
        assert_eq!(recovery.len(), 10, "[{label}]");
        assert_eq!(
            admin.get("/api/v1/me").await.status,
            StatusCode::OK,
            "[{label}]"
        );
        // The next login asks for the code; a wrong one and a replayed one are refused.
        let app1 = later(60);
        let key = tianping_domain::totp::from_base32(&secret).expect("key");
        let r = password_step(&app1, "admin").await;
        assert_eq!(
            r.json()["second_factor_required"],
            true,
            "[{label}] {}",
            r.body
        );
        assert!(
            r.headers.get(header::SET_COOKIE).is_none(),
            "[{label}] no session yet"
        );
        let challenge = r.json()["challenge"]
            .as_str()
            .expect("challenge")
            .to_string();
        let second = |app: &Router, code: &str| {
            let anon = Client::anonymous(app);
            let body = json!({"challenge": challenge, "code": code}).to_string();
            async move {
                anon.send(
                    "POST",
                    "/api/v1/session/totp",
                    Some(body),
                    false,
                    "application/json",
                )
                .await
            }
        };
        assert_eq!(
            second(&app1, "000000").await.status,
            StatusCode::UNAUTHORIZED
        );
        let code =
            tianping_domain::totp::code_at(&key, (t0 + chrono::Duration::seconds(60)).timestamp());
        let r = second(&app1, &code).await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        assert!(r.json()["csrf_token"].is_string());
        let r = password_step(&app1, "admin").await;
        let challenge2 = r.json()["challenge"]
            .as_str()
            .expect("challenge")
            .to_string();
        let anon = Client::anonymous(&app1);
        let replay = anon
            .send(
                "POST",
                "/api/v1/session/totp",
                Some(json!({"challenge": challenge2, "code": code}).to_string()),
                false,
                "application/json",
            )
            .await;
        assert_eq!(
            replay.status,
            StatusCode::UNAUTHORIZED,
            "[{label}] a code works once"
        );
        // A recovery code works once.
        let rc = json!({"challenge": challenge2, "code": recovery[0]}).to_string();
        let r = anon
            .send(
                "POST",
                "/api/v1/session/totp",
                Some(rc.clone()),
                false,
                "application/json",
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "[{label}] recovery code {}",
            r.body
        );
        let r = password_step(&app1, "admin").await;
        let challenge3 = r.json()["challenge"]
            .as_str()
            .expect("challenge")
            .to_string();
        let r = anon
            .send(
                "POST",
                "/api/v1/session/totp",
                Some(json!({"challenge": challenge3, "code": recovery[0]}).to_string()),
                false,
                "application/json",
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "[{label}] used recovery code"
        );
        // The security administrator (enrolled) resets the system administrator's, not their own.
        let r = password_step(&app1, "sec").await;
        let sec = client_of(&app1, &r);
        let _ = enrol(&sec, t0 + chrono::Duration::seconds(60)).await;
        let r = sec
            .post_json("/api/v1/admin/users/sec/totp-reset", &json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] own account");
        let r = sec
            .post_json("/api/v1/admin/users/admin/totp-reset", &json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        let r = password_step(&app1, "admin").await;
        assert!(
            r.json()["csrf_token"].is_string(),
            "[{label}] enrols again: {}",
            r.body
        );
        let judge = Client::as_user(&app1, "sc_judge").await;
        let r = judge
            .post_json("/api/v1/admin/users/admin/totp-reset", &json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}]");
        // The auditor reads who reset whose second factor.
        add_user(
            &db.store,
            "aud",
            "zj-court",
            Role::Auditor,
            Clearance::default(),
        )
        .await;
        let app2 = later(120);
        let r = password_step(&app2, "aud").await;
        let aud = client_of(&app2, &r);
        let _ = enrol(&aud, t0 + chrono::Duration::seconds(120)).await;
        let acts = aud.get("/api/v1/audit/admin-actions").await.json();
        assert!(
            acts["items"].as_array().is_some_and(|a| a
                .iter()
                .any(|x| x["action"] == "second_factor_reset"
                    && x["actor"] == "user:sec"
                    && x["target"] == "admin")),
            "[{label}] {acts}"
        );
        db.cleanup().await.expect("cleanup");
    }
}

/// 三员分立 in full: the system administrator opens and disables accounts and adds organisations
/// but grants nothing; the security administrator grants roles and clearances (an opened account
/// cannot log in before) but opens no account; the auditor reads every act and changes nothing;
/// nobody acts on their own account.
#[tokio::test]
async fn three_administrators_split_accounts_roles_and_audit() {
    for db in TestDb::all().await.expect("databases") {
        let _ = world(&db).await;
        let label = db.label;
        let s = &db.store;
        add_user(s, "sec", "zj-court", Role::Secadmin, Clearance::default()).await;
        add_user(s, "aud", "zj-court", Role::Auditor, Clearance::default()).await;
        let app = app(s, now());
        let admin = Client::as_user(&app, "admin").await;
        let sec = Client::as_user(&app, "sec").await;
        let aud = Client::as_user(&app, "aud").await;
        let new_pw = "Strong-pass-2026";
        let opening = json!({
            "username": "qian_judge", "display_name": "钱法官", "org_id": "sc-court",
            "role": "judge", "email": "qian@court.test", "password": new_pw
        });
        // Only the system administrator opens accounts.
        for c in [&sec, &aud] {
            let r = c.post_json("/api/v1/admin/users", &opening).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {}", r.body);
        }
        // Bad input names its field.
        for (patch, code, field) in [
            (json!({"username": "X"}), "invalid_username", "username"),
            (
                json!({"role": "pc_supervisor"}),
                "role_does_not_fit",
                "role",
            ),
            (json!({"org_id": "nowhere"}), "invalid_org", "org_id"),
            (
                json!({"password": "short"}),
                "password_too_short",
                "password",
            ),
            (
                json!({"username": "sc_judge"}),
                "username_taken",
                "username",
            ),
        ] {
            let mut body = opening.clone();
            for (k, v) in patch.as_object().expect("object") {
                body[k] = v.clone();
            }
            let r = admin.post_json("/api/v1/admin/users", &body).await;
            assert_eq!(
                (r.code(), r.json()["error"]["details"]["field"].as_str()),
                (code.to_string(), Some(field)),
                "[{label}] {}",
                r.body
            );
        }
        let r = admin.post_json("/api/v1/admin/users", &opening).await;
        assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
        // Opened, not granted: the right password gets only "not yet granted".
        let (_, r) = Client::login(&app, "qian_judge", new_pw).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::FORBIDDEN, "account_inactive".to_string()),
            "[{label}] {}",
            r.body
        );
        let (_, r) = Client::login(&app, "qian_judge", "wrong-password-1").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "[{label}]");
        let page = sec.get("/admin/users").await;
        assert!(
            page.body.contains("待授权") && page.body.contains("/admin/users/qian_judge/grant"),
            "[{label}]"
        );
        assert!(
            !page.body.contains("open-form"),
            "[{label}] sec sees no opening form"
        );
        // Only the security administrator grants, never to themselves, and only a fitting role.
        let grant = json!({"role": "judge", "clearance": ["minors"]});
        let r = admin
            .post_json("/api/v1/admin/users/qian_judge/grant", &grant)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {}", r.body);
        let r = aud
            .post_json("/api/v1/admin/users/qian_judge/grant", &grant)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {}", r.body);
        let r = sec
            .post_json(
                "/api/v1/admin/users/sec/grant",
                &json!({"role": "secadmin", "clearance": ["state_secret"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {}", r.body);
        let r = sec
            .post_json(
                "/api/v1/admin/users/qian_judge/grant",
                &json!({"role": "deputy"}),
            )
            .await;
        assert_eq!(r.code(), "role_does_not_fit", "[{label}] {}", r.body);
        let r = sec
            .post_json("/api/v1/admin/users/qian_judge/grant", &grant)
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        let (qian, r) = Client::login(&app, "qian_judge", new_pw).await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        let me = qian.get("/api/v1/me").await.json();
        assert_eq!(
            (&me["role"], &me["clearance"]),
            (&json!("judge"), &json!(["minors"])),
            "[{label}] {me}"
        );
        // The system administrator disables the account: its session ends, its login stops.
        let r = admin
            .post_json("/api/v1/admin/users/admin/disable", &json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] not their own");
        let r = sec
            .post_json("/api/v1/admin/users/qian_judge/disable", &json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {}", r.body);
        let r = admin
            .post_json("/api/v1/admin/users/qian_judge/disable", &json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        assert_eq!(
            qian.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "[{label}]"
        );
        let (_, r) = Client::login(&app, "qian_judge", new_pw).await;
        assert_eq!(r.code(), "account_inactive", "[{label}] {}", r.body);
        let r = admin
            .post_json("/api/v1/admin/users/qian_judge/enable", &json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        let (_, r) = Client::login(&app, "qian_judge", new_pw).await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        // The system administrator adds an organisation; its 法院代字 then files cases.
        let lp = json!({
            "id": "lp-court", "name": "杭州市临平区人民法院", "parent_id": "hz-court",
            "kind": "court", "level": "county", "region_code": "330113", "court_code": "浙0113"
        });
        let r = sec.post_json("/api/v1/admin/orgs", &lp).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] {}", r.body);
        let mut bad = lp.clone();
        bad["region_code"] = json!("320101");
        let r = admin.post_json("/api/v1/admin/orgs", &bad).await;
        assert_eq!(r.code(), "invalid_region_code", "[{label}] {}", r.body);
        let r = admin.post_json("/api/v1/admin/orgs", &lp).await;
        assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
        assert_eq!(r.json()["region_path"], "/33/3301/330113/", "[{label}]");
        let mut again = lp.clone();
        again["id"] = json!("lp-court-2");
        let r = admin.post_json("/api/v1/admin/orgs", &again).await;
        assert_eq!(r.code(), "court_code_taken", "[{label}] {}", r.body);
        let filing = ev(
            "lp1",
            "（2026）浙0113民初1号",
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷"}),
        );
        let r = s
            .ingest(
                &[Numbered {
                    line: 1,
                    record: serde_json::from_value(filing).expect("record"),
                }],
                &Actor::system("cli"),
                now(),
            )
            .await
            .expect("ingest");
        assert_eq!(r.accepted, 1, "[{label}] {:?}", r.rejected);
        // A form error is shown in Chinese next to its field.
        let r = admin
            .send(
                "POST",
                "/admin/users",
                Some(form(&[
                    ("csrf", &admin.csrf),
                    ("username", "Bad Name"),
                    ("display_name", "孙某"),
                    ("org_id", "sc-court"),
                    ("role", "judge"),
                    ("password", new_pw),
                ])),
                false,
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
        assert!(r.body.contains("用户名须为"), "[{label}]");
        assert!(
            r.body.contains("孙某"),
            "[{label}] the form keeps what was typed"
        );
        // The auditor reads every act, with who did it.
        let acts = aud.get("/api/v1/audit/admin-actions").await.json();
        for (action, actor, target) in [
            ("account_opened", "user:admin", "qian_judge"),
            ("role_granted", "user:sec", "qian_judge"),
            ("account_disabled", "user:admin", "qian_judge"),
            ("account_enabled", "user:admin", "qian_judge"),
            ("org_added", "user:admin", "lp-court"),
        ] {
            assert!(
                acts["items"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x["action"] == action
                        && x["actor"] == actor
                        && x["target"] == target)),
                "[{label}] {action}: {acts}"
            );
        }
        let page = aud.get("/audit/reads").await;
        assert!(page.body.contains("授予角色和密级"), "[{label}]");
        db.cleanup().await.expect("cleanup");
    }
}
