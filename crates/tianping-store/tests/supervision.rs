//! Supervision on both stores: flags raised by ingest (once, and not again after a clear),
//! manual flags, 院庭长 acts (a forbidden one refused and recorded), interference records and zero
//! reports, every transition of a supervision item including the refused ones, escalation of an
//! overdue stage, the referral between 人大 and 政法委, and a joint supervision project whose final
//! report opens items. Each test ends with `verify_ledger`: every row written is in the log.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use tianping_domain::supervision::{
    InterferenceChannel, InterferenceOutcome, InterferenceSource, ItemAction, ItemSource,
    ItemState, ProjectAction, ProjectState, ReferralAction, ReferralState,
};
use tianping_domain::{Clearance, EventRecord, Role};
use tianping_store::ledger::VerifyOptions;
use tianping_store::org::Org;
use tianping_store::supervision::{Finding, NewInterference, NewItem, NewReferral};
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::user::{NewUser, User};
use tianping_store::{Actor, Numbered, Store, StoreError};

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
            record: serde_json::from_str::<EventRecord>(l).unwrap(),
        })
        .collect()
}

struct Who {
    user: User,
    org: Org,
}

async fn who(s: &Store, name: &str, org: &str, role: Role) -> Who {
    s.insert_user(
        &NewUser {
            username: name.into(),
            display_name: name.into(),
            org_id: org.into(),
            role,
            clearance: Clearance::default(),
            email: Some(format!("{name}@test.invalid")),
            password_hash: "x".into(),
        },
        bj("2025-01-01T00:00:00"),
    )
    .await
    .unwrap();
    Who {
        user: s.user_by_username(name).await.unwrap().unwrap(),
        org: s.org(org).await.unwrap().unwrap(),
    }
}

async fn verified(s: &Store) {
    let rep = s
        .verify_ledger(&VerifyOptions {
            key: None,
            origin: "test",
            records: true,
            witnesses: &[],
            witness_keys: &[],
        })
        .await
        .unwrap();
    assert!(rep.ok(), "{:?}", rep.findings);
}

const MASS: &str = r#"{"source":"t","source_event_id":"1","case_number":"（2025）浙0102刑初7号","occurred_at":"2025-03-03T09:00:00+08:00","kind":"filed","cause":"非法吸收公众存款罪","parties":[{"name":"钱某","role":"被告人"}]}
{"source":"t","source_event_id":"2","case_number":"（2025）浙0102刑初7号","occurred_at":"2025-03-04T09:00:00+08:00","kind":"assigned","judge":"张法官"}
{"source":"t","source_event_id":"3","case_number":"（2025）浙0102民初9号","occurred_at":"2025-03-05T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷","parties":[{"name":"甲公司","role":"原告"},{"name":"乙公司","role":"被告"}]}
"#;

async fn case_id(s: &Store, number: &str) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT id FROM cases WHERE case_number = $1")
        .bind(number)
        .fetch_one(s.pool())
        .await
        .unwrap()
}

/// The code of a refusal; any other outcome fails the test.
fn code<T: std::fmt::Debug>(r: Result<T, StoreError>) -> &'static str {
    match r {
        Err(StoreError::Refused(r)) => r.code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn flags_are_raised_by_ingest_once_and_a_cleared_flag_stays_cleared() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let pres = who(s, "pres", "sc-court", Role::President).await;
        let now = bj("2025-03-10T09:00:00");
        let r = s
            .ingest(&records(MASS), &Actor::system("t"), now)
            .await
            .unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        let mass = case_id(s, "（2025）浙0102刑初7号").await;
        let civil = case_id(s, "（2025）浙0102民初9号").await;
        let flags = s.case_flags(mass).await.unwrap();
        assert_eq!(flags.len(), 1, "{}: {flags:?}", db.label);
        assert_eq!(flags[0].situation, "2.many_parties");
        assert_eq!(flags[0].source, "rule");
        assert_eq!(flags[0].rule.as_deref(), Some("mass-victim-crimes"));
        assert!(flags[0].reason.contains("非法吸收公众存款"));
        assert!(s.case_flags(civil).await.unwrap().is_empty());

        // A complaint about the judge raises category 4 during trial.
        let complaint = r#"{"source":"t","source_event_id":"4","case_number":"（2025）浙0102民初9号","occurred_at":"2025-03-06T09:00:00+08:00","kind":"complaint_received","against":"承办法官","summary":"反映法官私下会见一方当事人"}"#;
        s.ingest(&records(complaint), &Actor::system("t"), now)
            .await
            .unwrap();
        let f = s.case_flags(civil).await.unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].situation, "4.judge_misconduct");

        // Cleared by hand with a reason; later events do not raise it again.
        assert_eq!(
            code(s.clear_flag(flags[0].id, " ", &pres.user, now).await),
            "note_required"
        );
        s.clear_flag(flags[0].id, "经审查被害人仅一人", &pres.user, now)
            .await
            .unwrap();
        let more = r#"{"source":"t","source_event_id":"5","case_number":"（2025）浙0102刑初7号","occurred_at":"2025-03-07T09:00:00+08:00","kind":"hearing_held"}"#;
        s.ingest(&records(more), &Actor::system("t"), now)
            .await
            .unwrap();
        let flags = s.case_flags(mass).await.unwrap();
        assert_eq!(flags.len(), 1);
        assert!(flags[0].cleared_at.is_some());
        assert_eq!(
            code(s.clear_flag(flags[0].id, "again", &pres.user, now).await),
            "flag_not_active"
        );

        // By hand: a conflict with similar rulings (category 3 has no automatic rule yet).
        s.flag_case(
            civil,
            "3.similar_conflict",
            "与本院（2024）浙0102民初5号裁判尺度不一",
            &pres.user,
            now,
        )
        .await
        .unwrap();
        assert_eq!(
            code(
                s.flag_case(civil, "3.similar_conflict", "x", &pres.user, now)
                    .await
            ),
            "already_flagged"
        );
        assert_eq!(
            code(s.flag_case(civil, "9.none", "x", &pres.user, now).await),
            "unknown_situation"
        );

        // Every situation of RULES.md §5.1 in the rule file can be flagged by hand, with its
        // category, and only once while active.
        let cfg = s.supervision();
        for sit in &cfg.flags.situations {
            let id = match s
                .flag_case(mass, &sit.code, "人工识别", &pres.user, now)
                .await
            {
                Ok(id) => id,
                refused => {
                    assert_eq!(code(refused), "already_flagged", "{}", sit.code);
                    continue;
                }
            };
            let row = s
                .case_flags(mass)
                .await
                .unwrap()
                .into_iter()
                .find(|f| f.id == id)
                .unwrap();
            assert_eq!(row.category, i64::from(sit.category), "{}", sit.code);
            assert_eq!(row.source, "manual");
        }
        assert_eq!(
            s.case_flags(mass).await.unwrap().len(),
            cfg.flags.situations.len() + 1,
            "every situation once, plus the cleared rule flag"
        );

        // With the rules off, nothing is flagged automatically.
        let mut cfg = (*s.supervision()).clone();
        cfg.flags = cfg.flags.without_rules();
        s.set_supervision(cfg);
        let off = r#"{"source":"t","source_event_id":"6","case_number":"（2025）浙0102刑初8号","occurred_at":"2025-03-08T09:00:00+08:00","kind":"filed","cause":"集资诈骗罪","parties":[{"name":"孙某","role":"被告人"}]}"#;
        let r = s
            .ingest(&records(off), &Actor::system("t"), now)
            .await
            .unwrap();
        assert!(r.rejected.is_empty());
        let c = case_id(s, "（2025）浙0102刑初8号").await;
        assert!(s.case_flags(c).await.unwrap().is_empty());
        verified(s).await;
        db.cleanup().await.unwrap();
    }
}

#[tokio::test]
async fn a_forbidden_act_is_refused_and_recorded_as_interference() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let pres = who(s, "pres", "sc-court", Role::President).await;
        let judge = who(s, "judge", "sc-court", Role::Judge).await;
        let now = bj("2025-03-10T09:00:00");
        s.ingest(&records(MASS), &Actor::system("t"), now)
            .await
            .unwrap();
        let c = case_id(s, "（2025）浙0102民初9号").await;
        let act = s
            .record_act(
                c,
                "report_progress",
                "请于本周报告评议结果",
                &pres.user,
                &pres.org,
                now,
            )
            .await
            .unwrap();
        s.answer_act(act, "合议庭已评议，意见一致", &judge.user, now)
            .await
            .unwrap();
        assert_eq!(
            code(s.answer_act(act, "again", &judge.user, now).await),
            "already_answered"
        );
        let forbidden = s
            .record_act(
                c,
                "change_decision",
                "改判驳回诉讼请求",
                &pres.user,
                &pres.org,
                now,
            )
            .await;
        assert_eq!(code(forbidden), "act_forbidden");
        assert_eq!(
            code(s.record_act(c, "x", "y", &pres.user, &pres.org, now).await),
            "act_unknown"
        );
        let acts = s.case_acts(c).await.unwrap();
        assert_eq!(acts.len(), 2);
        assert!(acts[0].permitted && acts[0].answer.is_some());
        assert!(!acts[1].permitted, "the attempt is kept");
        let rec = s.case_interference(c).await.unwrap();
        assert_eq!(rec.len(), 1);
        assert!(rec[0].by_system);
        assert_eq!(rec[0].source, "insider");
        assert!(
            rec[0].content.contains("直接改变合议庭"),
            "{}",
            rec[0].content
        );
        verified(s).await;
        db.cleanup().await.unwrap();
    }
}

fn request(case_id: Option<i64>, at: DateTime<Utc>, name: &str) -> NewInterference {
    NewInterference {
        case_id,
        source: InterferenceSource::Leader,
        person_name: name.into(),
        person_unit: "某区某局".into(),
        person_position: "副局长".into(),
        channel: InterferenceChannel::Phone,
        occurred_at: at,
        content: "询问案件进展并请求关照".into(),
        materials: String::new(),
        outcome: InterferenceOutcome::Refused,
        response: "当场拒绝并告知通过正当渠道反映".into(),
    }
}

#[tokio::test]
async fn interference_records_roll_up_and_zero_reports_are_checked() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let judge = who(s, "judge", "sc-court", Role::Judge).await;
        let other = who(s, "other", "xh-court", Role::Judge).await;
        let now = bj("2025-03-10T09:00:00");
        s.ingest(&records(MASS), &Actor::system("t"), now)
            .await
            .unwrap();
        let c = case_id(s, "（2025）浙0102民初9号").await;
        let mut r = request(Some(c), bj("2025-03-09T15:00:00"), "王某");
        s.record_interference(&r, &judge.user, &judge.org, now)
            .await
            .unwrap();
        r.source = InterferenceSource::Insider;
        r.outcome = InterferenceOutcome::Reported;
        s.record_interference(&r, &judge.user, &judge.org, now)
            .await
            .unwrap();
        r.person_name = " ".into();
        assert_eq!(
            code(
                s.record_interference(&r, &judge.user, &judge.org, now)
                    .await
            ),
            "field_empty"
        );
        let q = (bj("2025-01-01T00:00:00"), bj("2025-04-01T00:00:00"));
        assert_eq!(
            code(
                s.submit_zero_report(&judge.user, &judge.org, "2025-Q1", q, now)
                    .await
            ),
            "not_zero"
        );
        s.submit_zero_report(&other.user, &other.org, "2025-Q1", q, now)
            .await
            .unwrap();
        assert_eq!(
            code(
                s.submit_zero_report(&other.user, &other.org, "2025-Q1", q, now)
                    .await
            ),
            "already_reported"
        );
        let rep = s
            .interference_report("/33/3301/", None, q.0, q.1, "2025-Q1")
            .await
            .unwrap();
        assert_eq!(rep.total, 2);
        assert_eq!(
            rep.by_source,
            vec![("insider".to_string(), 1), ("leader".to_string(), 1)]
        );
        assert_eq!(rep.by_unit.len(), 1);
        assert_eq!(rep.by_unit[0].2, 2);
        assert_eq!(rep.zero_reports.len(), 1);
        // Another county sees none of them.
        let xh = s
            .interference_report("/33/3301/330106/", None, q.0, q.1, "2025-Q1")
            .await
            .unwrap();
        assert_eq!(xh.total, 0);
        verified(s).await;
        db.cleanup().await.unwrap();
    }
}

#[tokio::test]
async fn an_item_runs_every_transition_and_refuses_the_wrong_ones() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let co = who(s, "co", "hz-court", Role::CaseOffice).await;
        let co2 = who(s, "co2", "hz-court", Role::CaseOffice).await;
        let judge = who(s, "judge", "sc-court", Role::Judge).await;
        let outsider = who(s, "xhj", "xh-court", Role::Judge).await;
        let mut now = bj("2025-04-01T09:00:00");
        let item = s
            .open_item(
                &NewItem {
                    source: ItemSource::OverdueClock,
                    source_ref: Some("warning 7".into()),
                    case_id: None,
                    title: "上城法院超审限未结案件清理".into(),
                    description: "3件民事案件超过审限".into(),
                    responsible_org_id: None,
                    rectify_due_at: None,
                    referral_id: None,
                    project_id: None,
                    stage_due_at: None,
                },
                &co.user,
                &co.org,
                now,
            )
            .await
            .unwrap();
        let it = s.item(item).await.unwrap().unwrap();
        assert_eq!(it.state(), ItemState::Found);
        assert!(it.number.starts_with("督〔2025〕"), "{}", it.number);
        // A judge cannot open items.
        let n = NewItem {
            title: "x".into(),
            ..new_item_like(&it)
        };
        assert_eq!(
            code(s.open_item(&n, &judge.user, &judge.org, now).await),
            "not_opener_side"
        );
        let adv = |a: ItemAction, who: &Who, note: &str, now| {
            let (u, o) = (who.user.clone(), who.org.clone());
            let note = note.to_string();
            async move {
                s.advance_item(item, a, &note, Some("sc-court"), None, &u, &o, now)
                    .await
            }
        };
        assert_eq!(
            code(adv(ItemAction::Assign, &judge, "", now).await),
            "not_opener_side"
        );
        assert_eq!(
            adv(ItemAction::Assign, &co, "", now).await.unwrap(),
            ItemState::Assigned
        );
        assert_eq!(
            code(adv(ItemAction::Accept, &outsider, "", now).await),
            "not_responsible_side"
        );
        assert_eq!(
            adv(ItemAction::Accept, &judge, "", now).await.unwrap(),
            ItemState::Rectifying
        );
        assert_eq!(
            code(adv(ItemAction::Submit, &judge, "已清理", now).await),
            "evidence_required"
        );
        assert_eq!(
            code(
                s.add_evidence(
                    item,
                    "a.txt",
                    "text/plain",
                    b"x",
                    &outsider.user,
                    &outsider.org,
                    now
                )
                .await
            ),
            "not_responsible_side"
        );
        let ev = s
            .add_evidence(
                item,
                "整改报告.txt",
                "text/plain",
                "已结案3件".as_bytes(),
                &judge.user,
                &judge.org,
                now,
            )
            .await
            .unwrap();
        let (meta, data) = s.evidence_file(item, ev).await.unwrap().unwrap();
        assert_eq!(data, "已结案3件".as_bytes());
        assert_eq!(meta.sha256.len(), 64);
        assert_eq!(
            adv(ItemAction::Submit, &judge, "已结案3件", now)
                .await
                .unwrap(),
            ItemState::Submitted
        );
        assert_eq!(
            code(adv(ItemAction::Verify, &judge, "", now).await),
            "not_opener_side"
        );
        assert_eq!(
            code(adv(ItemAction::Return, &co, "", now).await),
            "note_required"
        );
        assert_eq!(
            adv(ItemAction::Return, &co, "缺少结案文书", now)
                .await
                .unwrap(),
            ItemState::Rectifying
        );
        // The city court's case office is above the responsible unit: it may submit — and then
        // may not verify or close what it submitted.
        assert_eq!(
            adv(ItemAction::Submit, &co, "补充结案文书", now)
                .await
                .unwrap(),
            ItemState::Submitted
        );
        assert_eq!(
            code(adv(ItemAction::Verify, &co, "", now).await),
            "verifier_is_rectifier"
        );
        assert_eq!(
            adv(ItemAction::Verify, &co2, "", now).await.unwrap(),
            ItemState::Verified
        );
        assert_eq!(
            code(adv(ItemAction::Close, &co, "", now).await),
            "verifier_is_rectifier"
        );
        now += Duration::hours(1);
        assert_eq!(
            adv(ItemAction::Close, &co2, "", now).await.unwrap(),
            ItemState::Closed
        );
        assert_eq!(
            code(adv(ItemAction::Reopen, &co2, "", now).await),
            "item_closed"
        );
        assert_eq!(
            code(adv(ItemAction::Assign, &co2, "", now).await),
            "item_closed"
        );
        let it = s.item(item).await.unwrap().unwrap();
        assert!(it.closed_at.is_some() && it.revisit_due_at.is_some());
        // The revisit is due 90 days after closing; past that, the opener's side is reminded once.
        assert_eq!(
            s.escalate_overdue_items(now + Duration::days(89))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            s.escalate_overdue_items(now + Duration::days(91))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            s.escalate_overdue_items(now + Duration::days(92))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            adv(ItemAction::Revisit, &co2, "回访：案件均已归档", now)
                .await
                .unwrap(),
            ItemState::Closed
        );
        let steps = s.item_steps(item).await.unwrap();
        let actions: Vec<&str> = steps.iter().map(|x| x.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "open", "assign", "accept", "submit", "return", "submit", "verify", "close",
                "escalate", "revisit"
            ]
        );
        verified(s).await;
        db.cleanup().await.unwrap();
    }
}

fn new_item_like(it: &tianping_store::supervision::ItemRow) -> NewItem {
    NewItem {
        source: ItemSource::Inspection,
        source_ref: None,
        case_id: it.case_id,
        title: it.title.clone(),
        description: String::new(),
        responsible_org_id: None,
        rectify_due_at: None,
        referral_id: None,
        project_id: None,
        stage_due_at: None,
    }
}

#[tokio::test]
async fn an_overdue_stage_escalates_once() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let co = who(s, "co", "hz-court", Role::CaseOffice).await;
        let pres = who(s, "pres", "sc-court", Role::President).await;
        // The president reads mail as it comes (new tasks at once, not in the digest).
        let now = bj("2025-04-01T09:00:00");
        s.set_cadence(pres.user.id, "immediately", false, now)
            .await
            .unwrap();
        let item = s
            .open_item(
                &NewItem {
                    source: ItemSource::Complaint,
                    source_ref: None,
                    case_id: None,
                    title: "群众反映立案难".into(),
                    description: String::new(),
                    responsible_org_id: Some("sc-court".into()),
                    rectify_due_at: None,
                    referral_id: None,
                    project_id: None,
                    stage_due_at: None,
                },
                &co.user,
                &co.org,
                now,
            )
            .await
            .unwrap();
        // Accept is due in 3 days (rules/supervision.toml).
        assert_eq!(
            s.escalate_overdue_items(now + Duration::days(2))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            s.escalate_overdue_items(now + Duration::days(4))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            s.escalate_overdue_items(now + Duration::days(5))
                .await
                .unwrap(),
            0
        );
        let steps = s.item_steps(item).await.unwrap();
        assert_eq!(steps.last().unwrap().action, "escalate");
        let mails: Vec<String> =
            sqlx::query_scalar("SELECT subject FROM outbox WHERE user_id = $1 ORDER BY id")
                .bind(pres.user.id)
                .fetch_all(s.pool())
                .await
                .unwrap();
        assert_eq!(mails.len(), 2, "{mails:?}");
        assert!(
            mails[0].starts_with("【待办】督办事项待签收"),
            "the new task is mailed when it is assigned: {mails:?}"
        );
        assert!(
            mails[1].starts_with("【督办超期】"),
            "the responsible unit's president is told it is late: {mails:?}"
        );
        // Every supervisor of that unit gets the mail (one each, not one for all).
        let co2 = who(s, "co_sc", "sc-court", Role::CaseOffice).await;
        let item2 = s
            .open_item(
                &NewItem {
                    source: ItemSource::Evaluation,
                    source_ref: None,
                    case_id: None,
                    title: "评查发现文书错误".into(),
                    description: String::new(),
                    responsible_org_id: Some("sc-court".into()),
                    rectify_due_at: None,
                    referral_id: None,
                    project_id: None,
                    stage_due_at: None,
                },
                &co.user,
                &co.org,
                now,
            )
            .await
            .unwrap();
        assert_eq!(
            s.escalate_overdue_items(now + Duration::days(6))
                .await
                .unwrap(),
            1
        );
        let told: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM outbox WHERE dedupe_key LIKE $1 ORDER BY user_id",
        )
        .bind(format!("item:{item2}:%"))
        .fetch_all(s.pool())
        .await
        .unwrap();
        assert_eq!(told, vec![pres.user.id, co2.user.id]);
        verified(s).await;
        db.cleanup().await.unwrap();
    }
}

#[tokio::test]
async fn a_referral_runs_from_the_plc_to_the_congress_and_back() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let plc = who(s, "plc", "hz-plc", Role::PlcSupervisor).await;
        let pc = who(s, "pc", "hz-pc", Role::PcSupervisor).await;
        let pc2 = who(s, "pc2", "hz-pc", Role::PcSupervisor).await;
        let judge = who(s, "judge", "sc-court", Role::Judge).await;
        let now = bj("2025-05-06T09:00:00");
        let n = NewReferral {
            to_org_id: "hz-pc".into(),
            subject: "上城法院执行案件久拖不结".into(),
            content: "群众来信反映执行款长期未发放".into(),
            case_id: None,
            responsible_org_id: Some("sc-court".into()),
        };
        assert_eq!(
            code(s.send_referral(&n, &judge.user, &judge.org, now).await),
            "not_sender"
        );
        let bad = NewReferral {
            to_org_id: "sc-court".into(),
            ..n.clone()
        };
        assert_eq!(
            code(s.send_referral(&bad, &plc.user, &plc.org, now).await),
            "referral_pair"
        );
        let r = s.send_referral(&n, &plc.user, &plc.org, now).await.unwrap();
        let act = |a: ReferralAction, w: &Who, note: &str| {
            let (u, o, note) = (w.user.clone(), w.org.clone(), note.to_string());
            async move { s.act_on_referral(r, a, &note, &u, &o, now).await }
        };
        assert_eq!(
            code(act(ReferralAction::Acknowledge, &plc, "").await),
            "not_receiver"
        );
        assert_eq!(
            act(ReferralAction::Acknowledge, &pc, "").await.unwrap(),
            ReferralState::Acknowledged
        );
        assert_eq!(
            act(ReferralAction::Accept, &pc, "").await.unwrap(),
            ReferralState::Accepted
        );
        let row = s.referral(r).await.unwrap().unwrap();
        let item = row.item_id.unwrap();
        let it = s.item(item).await.unwrap().unwrap();
        assert_eq!(it.state(), ItemState::Assigned);
        assert_eq!(it.org_id, "hz-pc");
        assert_eq!(it.source, "referral");
        assert_eq!(
            code(act(ReferralAction::ShareResult, &pc, "").await),
            "item_not_closed"
        );
        // The court rectifies; the congress verifies and closes.
        let step = |a: ItemAction, w: &Who, note: &str| {
            let (u, o, note) = (w.user.clone(), w.org.clone(), note.to_string());
            async move {
                s.advance_item(item, a, &note, None, None, &u, &o, now)
                    .await
                    .unwrap()
            }
        };
        step(ItemAction::Accept, &judge, "").await;
        s.add_evidence(
            item,
            "发放凭证.pdf",
            "application/pdf",
            b"%PDF-1.4",
            &judge.user,
            &judge.org,
            now,
        )
        .await
        .unwrap();
        step(ItemAction::Submit, &judge, "执行款已发放").await;
        step(ItemAction::Verify, &pc, "").await;
        step(ItemAction::Close, &pc2, "").await;
        assert_eq!(
            act(ReferralAction::ShareResult, &pc, "已整改并销号")
                .await
                .unwrap(),
            ReferralState::ResultShared
        );
        assert_eq!(
            code(act(ReferralAction::AcceptResult, &pc, "").await),
            "not_sender"
        );
        assert_eq!(
            act(ReferralAction::AcceptResult, &plc, "").await.unwrap(),
            ReferralState::ResultAccepted
        );
        assert_eq!(s.referrals_of("hz-plc").await.unwrap().len(), 1);
        // A second referral nobody signs for: after its 5-day deadline the congress is told, once.
        let late = s.send_referral(&n, &plc.user, &plc.org, now).await.unwrap();
        assert!(
            s.referral(late)
                .await
                .unwrap()
                .unwrap()
                .number
                .ends_with("2号")
        );
        assert_eq!(
            s.escalate_overdue_items(now + Duration::days(4))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            s.escalate_overdue_items(now + Duration::days(6))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            s.escalate_overdue_items(now + Duration::days(7))
                .await
                .unwrap(),
            0
        );
        let mails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE $1")
            .bind(format!("referral:{late}:ack:%"))
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(mails, 2, "both congress supervisors");
        verified(s).await;
        db.cleanup().await.unwrap();
    }
}

#[tokio::test]
async fn a_joint_project_closes_with_a_final_report_that_opens_items() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let pc = who(s, "pc", "hz-pc", Role::PcSupervisor).await;
        let plc = who(s, "plc", "hz-plc", Role::PlcSupervisor).await;
        let co = who(s, "co", "sc-court", Role::CaseOffice).await;
        let now = bj("2025-06-02T09:00:00");
        assert_eq!(
            code(s.create_project("x", "y", &co.user, &co.org, now).await),
            "project_lead"
        );
        let p = s
            .create_project(
                "执行积案联合监督",
                "走访、阅卷、座谈",
                &pc.user,
                &pc.org,
                now,
            )
            .await
            .unwrap();
        let go = |a: ProjectAction,
                  w: &Who,
                  text: &str,
                  org: Option<&str>,
                  task: Option<i64>,
                  findings: Vec<Finding>| {
            let (u, o, text, org) = (
                w.user.clone(),
                w.org.clone(),
                text.to_string(),
                org.map(String::from),
            );
            async move {
                s.act_on_project(
                    p,
                    a,
                    &text,
                    org.as_deref(),
                    Some(now + Duration::days(30)),
                    task,
                    &findings,
                    &u,
                    &o,
                    now,
                )
                .await
            }
        };
        assert_eq!(
            go(
                ProjectAction::AddMember,
                &pc,
                "",
                Some("hz-plc"),
                None,
                vec![]
            )
            .await
            .unwrap(),
            ProjectState::Planning
        );
        go(
            ProjectAction::AddMember,
            &pc,
            "被监督单位",
            Some("sc-court"),
            None,
            vec![],
        )
        .await
        .unwrap();
        assert_eq!(
            code(
                go(
                    ProjectAction::AddMember,
                    &plc,
                    "",
                    Some("xh-court"),
                    None,
                    vec![]
                )
                .await
            ),
            "not_project_member"
        );
        go(
            ProjectAction::AddTask,
            &pc,
            "抽查执行卷宗20件",
            Some("hz-plc"),
            None,
            vec![],
        )
        .await
        .unwrap();
        assert_eq!(
            code(
                go(
                    ProjectAction::ProgressReport,
                    &plc,
                    "进展",
                    None,
                    None,
                    vec![]
                )
                .await
            ),
            "wrong_state"
        );
        go(ProjectAction::Start, &pc, "", None, None, vec![])
            .await
            .unwrap();
        let d = s.project(p).await.unwrap().unwrap();
        let task = d.tasks[0].id;
        go(
            ProjectAction::CompleteTask,
            &plc,
            "已抽查20件",
            None,
            Some(task),
            vec![],
        )
        .await
        .unwrap();
        go(
            ProjectAction::ProgressReport,
            &plc,
            "发现3件执行款发放超期",
            None,
            None,
            vec![],
        )
        .await
        .unwrap();
        assert_eq!(
            code(go(ProjectAction::FinalReport, &co, "x", None, None, vec![]).await),
            "not_project_member"
        );
        let findings = vec![Finding {
            title: "执行款发放超期".into(),
            responsible_org_id: "sc-court".into(),
        }];
        assert_eq!(
            go(
                ProjectAction::FinalReport,
                &pc,
                "总结报告",
                None,
                None,
                findings
            )
            .await
            .unwrap(),
            ProjectState::Closed
        );
        let d = s.project(p).await.unwrap().unwrap();
        assert_eq!(d.members.len(), 3);
        assert_eq!(d.reports.len(), 2);
        assert_eq!(d.items.len(), 1);
        assert_eq!(d.items[0].state(), ItemState::Assigned);
        assert_eq!(d.items[0].source, "joint_supervision");
        assert_eq!(
            code(
                go(
                    ProjectAction::AddTask,
                    &pc,
                    "x",
                    Some("hz-plc"),
                    None,
                    vec![]
                )
                .await
            ),
            "project_closed"
        );
        verified(s).await;
        db.cleanup().await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_openers_get_distinct_consecutive_numbers() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        load_fixture_orgs(s).await.unwrap();
        let co = who(s, "co", "hz-court", Role::CaseOffice).await;
        let now = bj("2025-04-01T09:00:00");
        let mut jobs = vec![];
        for k in 0..8 {
            let (s, u, o) = (s.clone(), co.user.clone(), co.org.clone());
            jobs.push(tokio::spawn(async move {
                s.open_item(
                    &NewItem {
                        source: ItemSource::Inspection,
                        source_ref: None,
                        case_id: None,
                        title: format!("检查发现问题 {k}"),
                        description: String::new(),
                        responsible_org_id: Some("sc-court".into()),
                        rectify_due_at: None,
                        referral_id: None,
                        project_id: None,
                        stage_due_at: None,
                    },
                    &u,
                    &o,
                    now,
                )
                .await
            }));
        }
        for j in jobs {
            j.await.unwrap().unwrap();
        }
        let mut numbers: Vec<String> = sqlx::query_scalar("SELECT number FROM supervision_items")
            .fetch_all(s.pool())
            .await
            .unwrap();
        numbers.sort();
        let want: Vec<String> = (1..=8).map(|n| format!("督〔2025〕{n}号")).collect();
        assert_eq!(numbers, want, "{}", db.label);
        verified(s).await;
        db.cleanup().await.unwrap();
    }
}
