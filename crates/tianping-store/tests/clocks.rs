//! Clock rows on both stores: computed at ingest, fired by the poller exactly once (also with two
//! workers on one database), warnings, escalation, digests, the outbox, letters, rule changes.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use tianping_domain::clock::Category;
use tianping_domain::{Clearance, EventRecord, Role};
use tianping_store::clocks::{BoardQuery, Clockwork};
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::user::NewUser;
use tianping_store::{Actor, Numbered, Store};

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
        .unwrap()
        .with_timezone(&Utc)
}

fn records(jsonl: &str) -> Vec<Numbered> {
    jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| Numbered {
            line: i as u64 + 1,
            record: serde_json::from_str::<EventRecord>(l).unwrap_or_else(|e| panic!("{l}: {e}")),
        })
        .collect()
}

/// Civil ordinary case filed 2025-03-03 (due 2025-09-03), judge 张法官; a criminal custody case
/// accepted 2025-08-01 (due 2025-10-01, no roll-over).
const CASES: &str = r#"{"source":"t","source_event_id":"1","case_number":"（2025）浙0102民初1号","occurred_at":"2025-03-03T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷","parties":[{"name":"甲公司","role":"原告"},{"name":"乙公司","role":"被告"}]}
{"source":"t","source_event_id":"2","case_number":"（2025）浙0102民初1号","occurred_at":"2025-03-04T09:00:00+08:00","kind":"assigned","judge":"张法官"}
{"source":"t","source_event_id":"3","case_number":"（2025）浙0102刑初1号","occurred_at":"2025-08-01T09:00:00+08:00","kind":"filed","cause":"盗窃罪","in_custody":true,"parties":[{"name":"赵某","role":"被告人"}]}
{"source":"t","source_event_id":"4","case_number":"（2025）浙0102刑初1号","occurred_at":"2025-08-02T09:00:00+08:00","kind":"assigned","judge":"张法官"}
"#;

async fn users(s: &Store) -> (i64, i64) {
    let mut ids = vec![];
    for (u, name, role, email) in [
        ("judge", "张法官", Role::Judge, "judge@court.test"),
        ("chief", "李庭长", Role::DivisionChief, "chief@court.test"),
    ] {
        ids.push(
            s.insert_user(
                &NewUser {
                    username: u.into(),
                    display_name: name.into(),
                    org_id: "sc-court".into(),
                    role,
                    clearance: Clearance::default(),
                    email: Some(email.into()),
                    password_hash: "x".into(),
                },
                bj("2025-01-01T00:00:00"),
            )
            .await
            .unwrap(),
        );
    }
    (ids[0], ids[1])
}

fn scope() -> BoardQuery {
    BoardQuery {
        region_prefix: "/".into(),
        limit: 100,
        ..Default::default()
    }
}

#[tokio::test]
async fn clocks_warnings_escalation_digests_and_letters() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let (judge, _chief) = users(s).await;
        let r = s
            .ingest(
                &records(CASES),
                &Actor::system("t"),
                bj("2025-08-02T10:00:00"),
            )
            .await
            .unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        let case = s
            .list_cases(&tianping_store::case::CaseFilter {
                per_page: 50,
                ..Default::default()
            })
            .await
            .unwrap()
            .0
            .into_iter()
            .find(|c| c.case_number.contains("民初1号"))
            .unwrap();
        // A database from before clocks existed: its cases have no clock rows until the first start
        // with clocks builds them.
        sqlx::query("DELETE FROM clocks")
            .execute(s.pool())
            .await
            .unwrap();
        let rebuilt = s
            .apply_clockwork_change(bj("2025-08-02T10:00:00"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((rebuilt.cases, rebuilt.moved), (2, 0), "{}", db.label);
        assert!(
            s.apply_clockwork_change(bj("2025-08-02T10:00:00"))
                .await
                .unwrap()
                .is_none()
        );
        let clocks = s
            .clocks_of_case(case.id, bj("2025-08-02T10:00:00"))
            .await
            .unwrap();
        let trial = clocks.iter().find(|c| c.key.as_str() == "trial").unwrap();
        assert_eq!(trial.due.unwrap().to_string(), "2025-09-03", "{}", db.label);

        // 2025-08-10: 24 days left → a "nearing:30" warning for the civil case, once.
        let now = bj("2025-08-10T09:00:00");
        let p = s.poll(now, 1000).await.unwrap();
        assert!(p.warnings >= 1, "{p:?}");
        let again = s.poll(now, 1000).await.unwrap();
        assert_eq!(
            again.warnings, 0,
            "{}: polling twice adds nothing",
            db.label
        );
        let board = s.board(&scope(), now).await.unwrap();
        let civil = board.iter().find(|b| b.case_id == case.id).unwrap();
        assert_eq!(civil.category, Category::Nearing);
        assert!(!civil.acknowledged);

        // Nobody acknowledges: 24 h later it climbs to the division chief.
        let later = now + Duration::hours(25);
        let p = s.poll(later, 1000).await.unwrap();
        assert!(p.escalated >= 1, "{p:?}");
        let board = s.board(&scope(), now).await.unwrap();
        let civil = board.iter().find(|b| b.case_id == case.id).unwrap();
        assert_eq!(civil.level, 1);

        // The morning digest: one mail per person, built once per day.
        let digests = s.build_digests(bj("2025-08-12T08:30:00")).await.unwrap();
        assert!(digests >= 2, "judge and chief: {digests}");
        assert_eq!(s.build_digests(bj("2025-08-12T09:30:00")).await.unwrap(), 0);
        let mails = s.mails(Some("judge@court.test"), 10).await.unwrap();
        let digest = mails
            .iter()
            .find(|m| m.subject.contains("期限提醒"))
            .unwrap();
        assert!(
            digest.body.contains("（2025）浙0102民初1号"),
            "{}",
            digest.body
        );

        // Acknowledge and issue a 督办函: numbered per court and year, recorded on the case.
        let wid = civil.warning_id.unwrap();
        assert!(s.acknowledge(wid, judge, later).await.unwrap());
        assert!(!s.acknowledge(wid, judge, later).await.unwrap());
        let l1 = s
            .issue_letter(
                &tianping_store::clocks::NewLetter {
                    kind: "supervision",
                    case_id: case.id,
                    warning_id: Some(wid),
                    org_id: "sc-court",
                    org_code: "浙0102",
                    issued_by: judge,
                    addressee: "刑事审判庭",
                    reply_by: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default(),
                    body: "请于届满前审结。",
                },
                later,
            )
            .await
            .unwrap();
        let l2 = s
            .issue_letter(
                &tianping_store::clocks::NewLetter {
                    kind: "supervision",
                    case_id: case.id,
                    warning_id: None,
                    org_id: "sc-court",
                    org_code: "浙0102",
                    issued_by: judge,
                    addressee: "刑事审判庭",
                    reply_by: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default(),
                    body: "再次督办。",
                },
                later,
            )
            .await
            .unwrap();
        assert_eq!(l1.number, "浙0102审管督〔2025〕1号");
        assert_eq!(l2.number, "浙0102审管督〔2025〕2号");
        assert_eq!(l1.addressee.as_deref(), Some("刑事审判庭"));
        assert_eq!(l1.reply_by.as_deref(), Some("2026-12-31"));
        assert_eq!(s.letters_of_case(case.id).await.unwrap().len(), 2);

        // The custody case on 2025-09-29: custody expiring, mailed at once (urgent), not digested.
        let p = s.poll(bj("2025-09-29T09:00:00"), 1000).await.unwrap();
        assert!(p.mails >= 1, "{p:?}");
        let urgent = s.mails(Some("judge@court.test"), 10).await.unwrap();
        assert!(
            urgent
                .iter()
                .any(|m| m.subject.contains("羁押期限将届满")
                    && m.body.contains("刑事诉讼法第九十八条")),
            "{:?}",
            urgent.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        // Overdue after 2025-10-01 24:00 (no roll-over in custody).
        s.poll(bj("2025-10-02T00:30:00"), 1000).await.unwrap();
        let b = s
            .board(
                &BoardQuery {
                    category: Some(Category::Overdue),
                    ..scope()
                },
                bj("2025-10-02T00:30:00"),
            )
            .await
            .unwrap();
        assert!(
            b.iter().any(|r| r.case_number.contains("刑初1号")),
            "{}",
            db.label
        );

        // Self-check: nothing should be left unfired up to now.
        let now = bj("2025-10-02T00:30:00");
        assert!(
            s.self_check(now, Duration::minutes(5))
                .await
                .unwrap()
                .is_empty()
        );

        // A rule change: civil first instance becomes 5 months → every open civil clock moves,
        // and the case office sees from what to what.
        s.apply_clockwork_change(now).await.unwrap();
        let mut cw = Clockwork::shipped();
        let text = tianping_domain::rules::LIMITS_TOML.replacen(
            "base = { amount = 6, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
            "version = 2\nbase = { amount = 7, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
            1,
        );
        cw.rules = tianping_domain::rules::RuleSet::parse(&text).unwrap();
        s.set_clockwork(cw);
        let rep = s.apply_clockwork_change(now).await.unwrap().unwrap();
        assert!(rep.moved >= 1, "{rep:?}");
        let changes = s.clock_changes("/", None, 100).await.unwrap();
        let ch = changes
            .iter()
            .find(|c| c.case_id == case.id && c.clock_key == "trial")
            .unwrap();
        assert_eq!(ch.old_due.as_deref(), Some("2025-09-03"));
        assert_eq!(
            ch.new_due.as_deref(),
            Some("2025-10-09"),
            "7 months → 10-03 in Golden Week → 10-09"
        );
        assert_eq!(ch.new_rule.as_deref(), Some("civ.first.ordinary@2"));
        assert!(
            s.acknowledge_changes("/", tianping_domain::AgencyKind::Court, judge, now)
                .await
                .unwrap()
                >= 1
        );

        // The custody case is judged: its open warnings stop climbing the ladder.
        let closing = r#"{"source":"t","source_event_id":"5","case_number":"（2025）浙0102刑初1号","occurred_at":"2025-10-02T08:00:00+08:00","kind":"closed","disposition":"judgment"}"#;
        let r = s
            .ingest(
                &records(closing),
                &Actor::system("t"),
                bj("2025-10-02T08:00:00"),
            )
            .await
            .unwrap();
        assert_eq!(r.accepted, 1, "{:?}", r.rejected);
        let p = s.poll(bj("2025-10-06T09:00:00"), 1000).await.unwrap();
        assert_eq!(p.escalated, 0, "{}: {p:?}", db.label);
        assert!(
            s.self_check(bj("2025-10-06T09:00:00"), Duration::minutes(5))
                .await
                .unwrap()
                .is_empty()
        );
        db.cleanup().await.unwrap();
    }
}

/// Two workers (two connection pools, as two processes would have) poll one database at the same
/// time: every due clock is handled once and every warning mailed once.
#[tokio::test]
async fn two_workers_fire_each_clock_exactly_once() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        users(s).await;
        // 300 custody cases accepted on 2025-08-01 (due 10-01), all urgent on 09-29.
        let mut jsonl = String::new();
        for i in 1..=300 {
            jsonl.push_str(&format!(
                "{{\"source\":\"t\",\"source_event_id\":\"f{i}\",\"case_number\":\"（2025）浙0102刑初{i}号\",\"occurred_at\":\"2025-08-01T09:00:00+08:00\",\"kind\":\"filed\",\"cause\":\"盗窃罪\",\"in_custody\":true}}\n{{\"source\":\"t\",\"source_event_id\":\"a{i}\",\"case_number\":\"（2025）浙0102刑初{i}号\",\"occurred_at\":\"2025-08-02T09:00:00+08:00\",\"kind\":\"assigned\",\"judge\":\"张法官\"}}\n"
            ));
        }
        let r = s
            .ingest(
                &records(&jsonl),
                &Actor::system("t"),
                bj("2025-08-02T10:00:00"),
            )
            .await
            .unwrap();
        assert_eq!(r.accepted, 600);
        let other = Store::connect(&db.url).await.unwrap();
        let now = bj("2025-09-29T09:00:00");
        let work = |st: Store| async move {
            let mut total = tianping_store::clocks::PollReport::default();
            loop {
                let p = st.poll(now, 25).await.unwrap();
                if p.fired == 0 {
                    break;
                }
                total.merge(&p);
            }
            total
        };
        let (a, b) = tokio::join!(work(s.clone()), work(other.clone()));
        // Each case has a trial clock and a long-pending clock; only trial clocks are due.
        assert_eq!(a.fired + b.fired, 300, "{}: a={a:?} b={b:?}", db.label);
        // Three warnings per case (custody expiring, extension window, nearing), once each; only
        // the urgent one (custody) is mailed at once, the others wait for the digest.
        assert_eq!(a.warnings + b.warnings, 900, "{}", db.label);
        assert_eq!(a.mails + b.mails, 300, "{}", db.label);
        if db.label == "postgres" {
            assert!(
                a.fired > 0 && b.fired > 0,
                "both workers took a share: {a:?} {b:?}"
            );
        }
        let mails = s.mails(None, 10_000).await.unwrap();
        let mut keys: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!((mails.len(), keys.len()), (300, 300), "{}", db.label);
        other.close().await;
        db.cleanup().await.unwrap();
    }
}

/// The stored due date and provisional flag of a case's trial clock.
async fn stored_trial(s: &Store, number: &str) -> (String, bool) {
    use sqlx::Row;
    let r = sqlx::query(
        "SELECT c.due_date, c.provisional FROM clocks c JOIN cases k ON k.id = c.case_id \
         WHERE k.case_number = $1 AND c.clock_key = 'trial'",
    )
    .bind(number)
    .fetch_one(s.pool())
    .await
    .unwrap();
    (r.try_get(0).unwrap(), r.try_get::<i64, _>(1).unwrap() != 0)
}

/// Issue 20: the rules in force are one snapshot per database generation. Two handles (as two
/// processes would have): what one stores — an organisation, a calendar year — the other puts in
/// force at its next refresh, and before any ingest, so its clocks are computed from the database's
/// calendar; the generation moves are ledgered like any write.
#[tokio::test]
async fn two_processes_share_the_rules_in_force() {
    for db in TestDb::all().await.unwrap() {
        let a = &db.store;
        load_fixture_orgs(a).await.unwrap();
        let b = Store::connect(&db.url).await.unwrap();
        assert!(
            b.refresh().await.unwrap(),
            "the first look reads the database"
        );
        assert!(!b.refresh().await.unwrap(), "nothing moved since");
        let before = b.in_force().generation;
        // An organisation added through A: B keeps its snapshot until it refreshes.
        let mut bj_court = tianping_store::testing::fixture_orgs()
            .into_iter()
            .find(|o| o.id == "xh-court")
            .unwrap();
        bj_court.id = "bj-court".into();
        bj_court.name = "杭州市滨江区人民法院".into();
        bj_court.region_path = "/33/3301/330108/".into();
        bj_court.region_code = "330108".into();
        bj_court.court_code = Some("浙0108".into());
        a.add_org(&bj_court, "sysadmin", bj("2026-09-01T09:00:00"))
            .await
            .unwrap();
        assert!(a.org_directory().await.unwrap().get("bj-court").is_some());
        assert!(b.org_directory().await.unwrap().get("bj-court").is_none());
        assert!(b.refresh().await.unwrap(), "{}", db.label);
        assert!(b.org_directory().await.unwrap().get("bj-court").is_some());
        assert_ne!(b.in_force().generation, before);
        // A 2027 calendar stored through A; B imports a civil case filed 2026-08-31 without being
        // told: six months is Sunday 2027-02-28, and 03-01 and 03-02 are holidays of that year.
        a.store_calendar_year(
            2027,
            "[[year]]\nyear = 2027\nrest = [\n  { date = 2027-03-01, holiday = \"测试假日\" },\n  { date = 2027-03-02, holiday = \"测试假日\" },\n]\n",
            "cli",
            bj("2026-09-01T10:00:00"),
        )
        .await
        .unwrap();
        let filed = r#"{"source":"t","source_event_id":"cal1","case_number":"（2026）浙0108民初1号","occurred_at":"2026-08-31T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}"#;
        let r = b
            .ingest(
                &records(filed),
                &Actor::system("t"),
                bj("2026-09-01T11:00:00"),
            )
            .await
            .unwrap();
        assert_eq!(r.accepted, 1, "{}: {:?}", db.label, r.rejected);
        assert_eq!(
            stored_trial(&b, "（2026）浙0108民初1号").await,
            ("2027-03-03".to_string(), false),
            "{}",
            db.label
        );
        assert_eq!(b.clockwork().calendar.last_year(), Some(2027));
        // While B imports 2,500 such cases (three chunks), A replaces 2027 (03-01 to 03-03 now)
        // and re-computes the open clocks, as `calendar import` does: no deadlock between the
        // generation's lock and the ledger's, and every clock ends on the new calendar whichever
        // chunk committed first.
        let mut many = String::new();
        for i in 2..=2501 {
            many.push_str(&format!(
                "{{\"source\":\"t\",\"source_event_id\":\"cal{i}\",\"case_number\":\"（2026）浙0108民初{i}号\",\"occurred_at\":\"2026-08-31T09:00:00+08:00\",\"kind\":\"filed\",\"cause\":\"买卖合同纠纷\"}}\n"
            ));
        }
        let many = records(&many);
        let replace = async {
            a.store_calendar_year(
                2027,
                "[[year]]\nyear = 2027\nrest = [\n  { date = 2027-03-01, holiday = \"测试假日\" },\n  { date = 2027-03-02, holiday = \"测试假日\" },\n  { date = 2027-03-03, holiday = \"测试假日\" },\n]\n",
                "cli",
                bj("2026-09-01T12:00:00"),
            )
            .await
            .unwrap();
            a.apply_clockwork_change(bj("2026-09-01T12:00:00"))
                .await
                .unwrap();
        };
        let system = Actor::system("t");
        let (r, ()) = tokio::join!(b.ingest(&many, &system, bj("2026-09-01T12:00:00")), replace);
        assert_eq!(r.unwrap().accepted, 2500, "{}", db.label);
        {
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT c.due_date, COUNT(*) FROM clocks c WHERE c.clock_key = 'trial' GROUP BY c.due_date",
            )
            .fetch_all(a.pool())
            .await
            .unwrap();
            let dues: Vec<(String, i64)> = rows
                .iter()
                .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
                .collect();
            assert_eq!(dues, vec![("2027-03-04".to_string(), 2501)], "{}", db.label);
        }
        // Every generation move has its ledger leaf.
        let rep = a
            .verify_ledger(&tianping_store::ledger::VerifyOptions {
                key: None,
                origin: "test",
                records: true,
                witnesses: &[],
                witness_keys: &[],
            })
            .await
            .unwrap();
        assert!(rep.ok(), "{}: {:?}", db.label, rep.findings);
        b.close().await;
        db.cleanup().await.unwrap();
    }
}

/// Two processes on one database with different rule files: the one whose rules are not in force
/// knows it, refuses to write clocks by its own rules, and says why; the one that put its rules in
/// force goes on.
#[tokio::test]
async fn a_process_with_other_rule_files_is_detected_and_writes_no_clocks() {
    for db in TestDb::all().await.unwrap() {
        let a = &db.store;
        load_fixture_orgs(a).await.unwrap();
        let now = bj("2026-09-01T09:00:00");
        // A: the shipped rules, put in force as `serve` or `worker` do at start.
        a.apply_clockwork_change(now).await.unwrap();
        assert_eq!(a.rules_conflict().await.unwrap(), None, "{}", db.label);
        // B: a process started with another rules_dir (civil first instance of 7 months).
        let b = Store::connect(&db.url).await.unwrap();
        let mut cw = Clockwork::shipped();
        let text = tianping_domain::rules::LIMITS_TOML.replacen(
            "base = { amount = 6, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
            "version = 2\nbase = { amount = 7, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
            1,
        );
        cw.rules = tianping_domain::rules::RuleSet::parse(&text).unwrap();
        b.set_clockwork(cw);
        let conflict = b
            .rules_conflict()
            .await
            .unwrap()
            .expect("B sees the conflict");
        assert_ne!(conflict.stored, conflict.mine);
        assert!(conflict.to_string().contains("规则目录"), "{conflict}");
        // B's import is refused as a whole, with the reason; nothing of it is stored.
        let filed = r#"{"source":"t","source_event_id":"rc1","case_number":"（2026）浙0102民初77号","occurred_at":"2026-08-31T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}"#;
        let err = b
            .ingest(&records(filed), &Actor::system("t"), now)
            .await
            .expect_err("B must not write clocks by other rules");
        assert!(err.to_string().contains("rules_dir"), "{err}");
        // A imports the same record, with the rules in force.
        let r = a
            .ingest(&records(filed), &Actor::system("t"), now)
            .await
            .unwrap();
        assert_eq!(r.accepted, 1, "{}: {:?}", db.label, r.rejected);
        // Restarting B puts its rules in force (a deliberate deployment): then A is the one out
        // of step.
        b.apply_clockwork_change(now).await.unwrap();
        assert_eq!(b.rules_conflict().await.unwrap(), None);
        assert!(a.rules_conflict().await.unwrap().is_some(), "{}", db.label);
        b.close().await;
        db.cleanup().await.unwrap();
    }
}
