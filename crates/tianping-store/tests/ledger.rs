//! The ledger on both stores: every command type writes a leaf in its own transaction; proofs
//! verify; and each kind of tampering done directly in the database — a changed row, a deleted
//! row, reordered leaves, a truncated log, a replaced checkpoint, a rewritten history — is found
//! by `verify_ledger`, which names the leaf and the record.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use tianping_domain::supervision::{
    InterferenceChannel, InterferenceOutcome, InterferenceSource, ItemAction, ItemSource,
    ProjectAction, ReferralAction,
};
use tianping_domain::{Clearance, EventRecord, Role};
use tianping_ledger::{
    Command, Entry, Frontier, Hash, LogKey, VerifierKey, leaf_hash, verify_consistency,
    verify_inclusion,
};
use tianping_store::clocks::{BoardQuery, Clockwork};
use tianping_store::ledger::{VerifyOptions, VerifyReport};
use tianping_store::org::Org;
use tianping_store::supervision::{NewInterference, NewItem, NewReferral};
use tianping_store::testing::{TestDb, load_fixture_orgs};
use tianping_store::user::{NewUser, User};
use tianping_store::{Actor, Backend, Numbered, Store};

const ORIGIN: &str = "tianping.test/ledger";

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
        .unwrap()
        .with_timezone(&Utc)
}

fn key() -> LogKey {
    LogKey::from_seed(ORIGIN, [42; 32]).unwrap()
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

/// A public civil case and a minors' criminal case (confidential: its events are salted).
const CASES: &str = r#"{"source":"t","source_event_id":"1","case_number":"（2025）浙0102民初1号","occurred_at":"2025-03-03T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷","parties":[{"name":"甲公司","role":"原告"},{"name":"乙公司","role":"被告"}]}
{"source":"t","source_event_id":"2","case_number":"（2025）浙0102民初1号","occurred_at":"2025-03-04T09:00:00+08:00","kind":"assigned","judge":"张法官"}
{"source":"t","source_event_id":"3","case_number":"（2025）浙0102刑初1号","occurred_at":"2025-08-01T09:00:00+08:00","kind":"filed","cause":"盗窃罪","in_custody":true,"confidentiality":"minors","parties":[{"name":"赵某","role":"被告人"}]}
{"source":"t","source_event_id":"4","case_number":"（2025）浙0102刑初1号","occurred_at":"2025-08-02T09:00:00+08:00","kind":"assigned","judge":"张法官"}
"#;

async fn user(s: &Store, name: &str, role: Role) -> i64 {
    s.insert_user(
        &NewUser {
            username: name.into(),
            display_name: name.into(),
            org_id: "sc-court".into(),
            role,
            clearance: Clearance::default(),
            email: Some(format!("{name}@court.test")),
            password_hash: "x".into(),
        },
        bj("2025-01-01T00:00:00"),
    )
    .await
    .unwrap()
}

async fn user_in(s: &Store, name: &str, org: &str, role: Role) {
    s.insert_user(
        &NewUser {
            username: name.into(),
            display_name: name.into(),
            org_id: org.into(),
            role,
            clearance: Clearance::default(),
            email: None,
            password_hash: "x".into(),
        },
        bj("2025-01-01T00:00:00"),
    )
    .await
    .unwrap();
}

/// A 专项评查 of one case by 上城's case office (`eval_office`), its pool whole, cross.
async fn special_plan(
    s: &Store,
    title: &str,
    case: &str,
    t: chrono::DateTime<chrono::Utc>,
) -> tianping_store::evaluation::PlanMade {
    let (office, org) = who(s, "eval_office").await;
    s.make_evaluation_plan(
        &tianping_store::evaluation::PlanInput {
            org_id: org.id.clone(),
            region_path: org.region_path.clone(),
            kind: tianping_domain::evaluation::PlanKind::Special,
            title: title.into(),
            agency: tianping_domain::AgencyKind::Court,
            sheet_id: "court_case".into(),
            sheet_version: 1,
            closed_from: "2025-01-01".parse().unwrap(),
            closed_to: "2025-08-01".parse().unwrap(),
            percent: 0,
            min_per_judge: 0,
            signals: vec![],
            criteria: "归档是否及时、材料是否齐全".into(),
            case_numbers: vec![case.into()],
            cross: true,
            experts: vec![],
            due: "2025-09-30".parse().unwrap(),
            seed: "ledger".into(),
        },
        &office,
        t,
    )
    .await
    .unwrap()
}

async fn who(s: &Store, name: &str) -> (User, Org) {
    let u = s.user_by_username(name).await.unwrap().unwrap();
    let o = s.org(&u.org_id).await.unwrap().unwrap();
    (u, o)
}

/// A complaint about the judge of the civil case: raises a 四类案件 flag (category 4).
const COMPLAINT: &str = r#"{"source":"t","source_event_id":"9","case_number":"（2025）浙0102民初1号","occurred_at":"2025-08-05T09:00:00+08:00","kind":"complaint_received","against":"张法官","summary":"反映违法审判"}"#;

async fn appoint(s: &Store, name: &str, t: chrono::DateTime<chrono::Utc>) -> i64 {
    let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
    s.appoint_supervisor(
        &tianping_store::people_supervisors::NewSupervisor {
            org_id: "sc-proc",
            region_path: "/33/3301/",
            user_id: None,
            name,
            gender: "男",
            birth_date: day("1970-01-01"),
            id_number: "110101197001010013",
            phone: "13900000000",
            email: Some("lay@example.test"),
            education: "大专",
            profession: "会计",
            expertise: "财会",
            appointed_by: "设区的市级司法行政机关",
            term_no: 1,
            term_start: day("2025-01-01"),
            term_end: day("2029-12-31"),
            created_by: "司法局",
        },
        t,
    )
    .await
    .unwrap()
}

async fn request(s: &Store, t: chrono::DateTime<chrono::Utc>) -> i64 {
    s.request_activity(
        &tianping_store::people_supervisors::NewActivity {
            org_id: "sc-proc",
            region_path: "/33/3301/330102/",
            kind: "circuit_inspection",
            mandatory: false,
            title: "看守所巡回检察",
            place: "看守所",
            starts_at: t + chrono::Duration::days(3),
            case_id: None,
            summary: "巡回检察",
            required: 1,
            expertise: "",
            requested_by: "检察官",
        },
        t,
    )
    .await
    .unwrap()
}

async fn set_draw(
    s: &Store,
    activity: i64,
    pool: &[i64],
    t: chrono::DateTime<chrono::Utc>,
) -> (i64, tianping_domain::draw::Setup) {
    use tianping_domain::draw::{Setup, Source};
    let setup = Setup::new(
        &format!("d-{activity}"),
        pool.iter().map(|i| i.to_string()).collect(),
        vec![],
        1,
        2,
        vec![Source::Public {
            description: "福彩".into(),
        }],
    )
    .unwrap();
    let id = s
        .set_supervisor_draw(
            activity,
            "sc-proc",
            &serde_json::to_string(&setup).unwrap(),
            &serde_json::to_string(&setup.blank_values()).unwrap(),
            "司法局",
            t,
        )
        .await
        .unwrap();
    (id, setup)
}

async fn complete(
    s: &Store,
    draw: i64,
    setup: &tianping_domain::draw::Setup,
    t: chrono::DateTime<chrono::Utc>,
) {
    use tianping_domain::draw::SourceValue;
    let values = vec![SourceValue::Public(vec!["12".into()])];
    let outcome = setup.draw(&values).unwrap();
    let drawn: Vec<_> = outcome
        .picks
        .iter()
        .map(|p| tianping_store::people_supervisors::Drawn {
            supervisor_id: p.member.parse().unwrap(),
            place: p.order,
            alternate: p.alternate,
        })
        .collect();
    s.complete_supervisor_draw(
        draw,
        &serde_json::to_string(&values).unwrap(),
        &serde_json::to_string(&outcome).unwrap(),
        &drawn,
        t,
    )
    .await
    .unwrap();
}

async fn count(s: &Store, c: Command) -> usize {
    let needle = format!(" {} ", c.as_str());
    leaves(s)
        .await
        .iter()
        .filter(|(_, d, _)| d.contains(&needle))
        .count()
}

/// Every stored leaf: (index, data, salt).
async fn leaves(s: &Store) -> Vec<(u64, String, Option<String>)> {
    s.ledger_page(0, i64::MAX / 2).await.unwrap()
}

/// Replaces the stored leaves (tiles of 16) with these, as an attacker with database access would.
async fn write_leaves(s: &Store, all: &[(u64, String, Option<String>)]) {
    exec(s, "DELETE FROM ledger_tiles").await;
    for (t, chunk) in all.chunks(16).enumerate() {
        let data: Vec<&str> = chunk.iter().map(|(_, d, _)| d.as_str()).collect();
        let salts: Vec<&str> = chunk
            .iter()
            .map(|(_, _, x)| x.as_deref().unwrap_or(""))
            .collect();
        sqlx::query("INSERT INTO ledger_tiles (tile, width, data, salts) VALUES ($1, $2, $3, $4)")
            .bind(t as i64)
            .bind(chunk.len() as i64)
            .bind(data.join("\n"))
            .bind(salts.join(","))
            .execute(s.pool())
            .await
            .unwrap();
    }
}

async fn verify(s: &Store, witnesses: &[String]) -> VerifyReport {
    let v = key().verifier();
    let mut rep = s
        .verify_ledger(&VerifyOptions {
            key: Some(&v),
            origin: ORIGIN,
            records: true,
            witnesses,
            witness_keys: &[],
        })
        .await
        .unwrap();
    // As `tianping ledger verify` does: the projections re-derived from the events too.
    let r = s.rederive_projections().await.unwrap();
    assert!(r.skipped.is_none(), "{:?}", r.skipped);
    rep.findings.extend(r.findings);
    rep
}

/// The ledger's own check (no projections re-derived), with at most `per_pass` records in memory.
async fn verify_in_passes(s: &Store, witnesses: &[String], per_pass: u64) -> VerifyReport {
    let v = key().verifier();
    s.verify_ledger_with_pass_size(
        &VerifyOptions {
            key: Some(&v),
            origin: ORIGIN,
            records: true,
            witnesses,
            witness_keys: &[],
        },
        per_pass,
    )
    .await
    .unwrap()
}

/// A report's findings, comparable.
fn found(r: &VerifyReport) -> Vec<String> {
    r.findings.iter().map(|f| format!("{f:?}")).collect()
}

/// Orgs, two users, the two cases.
async fn seeded(db: &TestDb) -> i64 {
    let s = &db.store;
    load_fixture_orgs(s).await.unwrap();
    let judge = user(s, "judge", Role::Judge).await;
    user(s, "chief", Role::DivisionChief).await;
    let r = s
        .ingest(
            &records(CASES),
            &Actor::system("test"),
            bj("2025-08-02T10:00:00"),
        )
        .await
        .unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    judge
}

#[tokio::test]
async fn every_command_type_writes_a_leaf_and_the_store_verifies() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        let mut judge = 0;
        let mut warning = 0;
        // Every command type, in an order that makes each possible; the match is exhaustive, so
        // a new command type does not compile without its case here.
        let order = [
            Command::OrgAdded,
            Command::UserAdded,
            Command::EventRecorded,
            Command::UserPasswordChanged,
            Command::UserPreferencesChanged,
            Command::UserRoleGranted,
            Command::WarningRaised,
            Command::WarningEscalated,
            Command::WarningAcknowledged,
            Command::LetterIssued,
            Command::LetterDrafted,
            Command::LetterDraftDecided,
            Command::EngineStateSet,
            Command::ClockDueMoved,
            Command::ClockChangeAcknowledged,
            Command::CalendarImported,
            Command::FlagRaised,
            Command::FlagCleared,
            Command::SupervisionActRecorded,
            Command::SupervisionActAnswered,
            Command::InterferenceRecorded,
            Command::ZeroReportSubmitted,
            Command::ItemOpened,
            Command::ItemStepRecorded,
            Command::ItemUpdated,
            Command::EvidenceAdded,
            Command::ReferralSent,
            Command::ReferralUpdated,
            Command::ProjectCreated,
            Command::ProjectMemberAdded,
            Command::ProjectTaskAdded,
            Command::ProjectUpdated,
            Command::ProjectTaskDone,
            Command::ProjectReportFiled,
            Command::RetrievalReportSaved,
            Command::RetrievalConclusionWritten,
            Command::DeviationWarned,
            Command::DeviationAcknowledged,
            Command::SystemClientAdded,
            Command::SystemClientRevoked,
            Command::AdminActionRecorded,
            Command::IncidentSampleDrawn,
            Command::PeopleSupervisorAppointed,
            Command::SupervisorActivityRequested,
            Command::SupervisorDrawSet,
            Command::SupervisorDrawValueGiven,
            Command::SupervisorDrawAborted,
            Command::SupervisorDrawn,
            Command::SupervisorInvited,
            Command::SupervisorInvitationAnswered,
            Command::SupervisorOpinionFiled,
            Command::SupervisorOpinionAnswered,
            Command::SupervisorRecorded,
            Command::SupervisorAllowancePaid,
            Command::PeopleSupervisorRemoved,
            Command::FeedbackTokenIssued,
            Command::FeedbackRated,
            Command::FeedbackDecided,
            Command::DishonestListed,
            Command::DishonestCauseRecorded,
            Command::DishonestDeleted,
            Command::TypicalProposed,
            Command::TypicalApproved,
            Command::TypicalReturned,
            Command::RefusalReferred,
            Command::RefusalStepRecorded,
            Command::DeputyRegistered,
            Command::DeputyAssigned,
            Command::DeputyActionLogged,
            Command::DeputyResultRecorded,
            Command::CampaignOpened,
            Command::DeputiesInvited,
            Command::DeputyInvitationSent,
            Command::DeputyInvitationAnswered,
            Command::SuggestionSubmitted,
            Command::SuggestionStepRecorded,
            Command::SuggestionHandedToCongress,
            Command::SuggestionFollowedUp,
            Command::SurveySent,
            Command::SurveyRecipientAdded,
            Command::SurveyAnswered,
            Command::EvaluationExpertAdded,
            Command::EvaluationExpertRemoved,
            Command::EvaluationPlanned,
            Command::EvaluationCaseDrawn,
            Command::EvaluationActed,
            Command::EvaluationPlanExtended,
            Command::CaseSelfChecked,
            Command::DraftProofread,
            Command::ProofreadFindingFound,
            Command::ProofreadFindingResolved,
        ];
        let mut proofread_draft = 0;
        let mut evaluation = 0;
        let mut dishonest = 0;
        let mut typical = 0;
        let mut typical_returned = 0;
        let mut refusal = 0;
        let mut deputy = 0;
        let mut suggestion = 0;
        let mut assignment = 0;
        let mut rating_token = None;
        let mut rating = 0;
        let mut supervisors: Vec<i64> = vec![];
        let mut activity = 0;
        let mut supervisor_draw = 0;
        let mut system_client = 0;
        let mut flag = 0;
        let mut civil = 0;
        let mut act = 0;
        let mut item = 0;
        let mut referral = 0;
        let mut project = 0;
        let mut deviation = 0;
        let mut report_id = 0;
        let t = bj("2025-08-13T09:00:00");
        let mut all = Command::ALL.to_vec();
        all.sort();
        let mut listed = order.to_vec();
        listed.sort();
        assert_eq!(all, listed, "the test lists every command type once");
        for c in &order {
            let before = count(s, *c).await;
            match c {
                Command::OrgAdded => load_fixture_orgs(s).await.unwrap(),
                Command::UserAdded => {
                    judge = user(s, "judge", Role::Judge).await;
                    user(s, "chief", Role::DivisionChief).await;
                }
                Command::EventRecorded => {
                    let r = s
                        .ingest(
                            &records(CASES),
                            &Actor::system("t"),
                            bj("2025-08-02T10:00:00"),
                        )
                        .await
                        .unwrap();
                    assert_eq!(r.accepted, 4);
                }
                Command::UserPasswordChanged => s
                    .set_password_hash(judge, "y", bj("2025-08-03T10:00:00"))
                    .await
                    .unwrap(),
                Command::UserPreferencesChanged => s
                    .set_notification_preferences(
                        judge,
                        Some("z@court.test"),
                        "daily",
                        bj("2025-08-03T10:00:00"),
                    )
                    .await
                    .unwrap(),
                Command::UserRoleGranted => s
                    .grant_role(
                        judge,
                        Role::Judge,
                        &Clearance(vec![tianping_domain::Confidentiality::Minors]),
                        "secadmin",
                        bj("2025-08-03T11:00:00"),
                    )
                    .await
                    .unwrap(),
                Command::WarningRaised => {
                    s.poll(bj("2025-08-10T09:00:00"), 1000).await.unwrap();
                    let board = s
                        .board(
                            &BoardQuery {
                                region_prefix: "/".into(),
                                limit: 100,
                                ..Default::default()
                            },
                            bj("2025-08-10T09:00:00"),
                        )
                        .await
                        .unwrap();
                    warning = board.iter().find_map(|b| b.warning_id).unwrap();
                }
                Command::WarningEscalated => {
                    let p = s.poll(bj("2025-08-11T10:00:00"), 1000).await.unwrap();
                    assert!(p.escalated >= 1);
                }
                Command::WarningAcknowledged => {
                    assert!(
                        s.acknowledge(warning, judge, bj("2025-08-11T11:00:00"))
                            .await
                            .unwrap()
                    )
                }
                Command::LetterIssued => {
                    let case: i64 = sqlx::query_scalar("SELECT MIN(id) FROM cases")
                        .fetch_one(s.pool())
                        .await
                        .unwrap();
                    s.issue_letter(
                        &tianping_store::clocks::NewLetter {
                            kind: "reminder",
                            case_id: case,
                            warning_id: None,
                            org_id: "sc-court",
                            org_code: "浙0102",
                            issued_by: judge,
                            addressee: "刑事审判庭",
                            reply_by: chrono::NaiveDate::from_ymd_opt(2026, 12, 31)
                                .unwrap_or_default(),
                            body: "请注意审限。",
                        },
                        bj("2025-08-11T11:00:00"),
                    )
                    .await
                    .unwrap();
                }
                Command::LetterDrafted | Command::LetterDraftDecided => {
                    let case: i64 = sqlx::query_scalar("SELECT MIN(id) FROM cases")
                        .fetch_one(s.pool())
                        .await
                        .unwrap();
                    let new = tianping_store::clocks::NewLetter {
                        kind: "supervision",
                        case_id: case,
                        warning_id: None,
                        org_id: "sc-court",
                        org_code: "浙0102",
                        issued_by: judge,
                        addressee: "刑事审判庭",
                        reply_by: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default(),
                        body: "请说明超期原因。",
                    };
                    let at = bj("2025-08-11T11:30:00");
                    if *c == Command::LetterDrafted {
                        let d = s.draft_letter(&new, at).await.unwrap();
                        assert_eq!(d.state, "pending");
                    } else {
                        let d: i64 = sqlx::query_scalar("SELECT MAX(id) FROM letter_drafts")
                            .fetch_one(s.pool())
                            .await
                            .unwrap();
                        let l = s.sign_letter_draft(d, &new, at).await.unwrap().unwrap();
                        assert!(l.number.contains("审管督〔2025〕"), "{}", l.number);
                        // Signed once: a second signature finds it no longer pending.
                        assert!(s.sign_letter_draft(d, &new, at).await.unwrap().is_none());
                    }
                }
                Command::EngineStateSet => {
                    s.apply_clockwork_change(bj("2025-08-11T12:00:00"))
                        .await
                        .unwrap();
                }
                Command::ClockDueMoved => {
                    s.set_clockwork(civil_first_instance_in_seven_months());
                    let rep = s
                        .apply_clockwork_change(bj("2025-08-12T09:00:00"))
                        .await
                        .unwrap()
                        .unwrap();
                    assert!(rep.moved >= 1);
                }
                Command::ClockChangeAcknowledged => {
                    assert!(
                        s.acknowledge_changes(
                            "/",
                            tianping_domain::AgencyKind::Court,
                            judge,
                            bj("2025-08-12T10:00:00")
                        )
                        .await
                        .unwrap()
                            >= 1
                    );
                }
                Command::CalendarImported => {
                    s.store_calendar_year(
                        2027,
                        "# test year\n",
                        "user:sys",
                        bj("2025-08-12T11:00:00"),
                    )
                    .await
                    .unwrap();
                }
                Command::FlagRaised => {
                    let r = s
                        .ingest(&records(COMPLAINT), &Actor::system("t"), t)
                        .await
                        .unwrap();
                    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
                    civil = s
                        .case_id_by_number("（2025）浙0102民初1号")
                        .await
                        .unwrap()
                        .unwrap();
                    flag = s.case_flags(civil).await.unwrap()[0].id;
                }
                Command::FlagCleared => {
                    let chief = who(s, "chief").await;
                    s.clear_flag(flag, "经核实不属实", &chief.0, t)
                        .await
                        .unwrap();
                }
                Command::SupervisionActRecorded => {
                    let (u, o) = who(s, "chief").await;
                    act = s
                        .record_act(civil, "read_file", "调阅卷宗", &u, &o, t)
                        .await
                        .unwrap();
                }
                Command::SupervisionActAnswered => {
                    let (u, _) = who(s, "judge").await;
                    s.answer_act(act, "已提交卷宗", &u, t).await.unwrap();
                }
                Command::InterferenceRecorded => {
                    let (u, o) = who(s, "judge").await;
                    s.record_interference(
                        &NewInterference {
                            case_id: Some(civil),
                            source: InterferenceSource::Contact,
                            person_name: "某律师".into(),
                            person_unit: "某律所".into(),
                            person_position: "律师".into(),
                            channel: InterferenceChannel::InPerson,
                            occurred_at: t,
                            content: "私下约见".into(),
                            materials: String::new(),
                            outcome: InterferenceOutcome::Refused,
                            response: "拒绝".into(),
                        },
                        &u,
                        &o,
                        t,
                    )
                    .await
                    .unwrap();
                }
                Command::ZeroReportSubmitted => {
                    let (u, o) = who(s, "chief").await;
                    s.submit_zero_report(&u, &o, "2025-Q3", (t, t + chrono::Duration::days(1)), t)
                        .await
                        .unwrap();
                }
                Command::ItemOpened => {
                    user_in(s, "pc", "hz-pc", Role::PcSupervisor).await;
                    user_in(s, "pc2", "hz-pc", Role::PcSupervisor).await;
                    user_in(s, "plc", "hz-plc", Role::PlcSupervisor).await;
                    let (u, o) = who(s, "pc").await;
                    item = s
                        .open_item(
                            &NewItem {
                                source: ItemSource::DeputySuggestion,
                                source_ref: None,
                                case_id: Some(civil),
                                title: "代表建议：加快审理".into(),
                                description: String::new(),
                                responsible_org_id: None,
                                rectify_due_at: None,
                                referral_id: None,
                                project_id: None,
                                stage_due_at: None,
                            },
                            &u,
                            &o,
                            t,
                        )
                        .await
                        .unwrap();
                }
                Command::ItemStepRecorded | Command::ItemUpdated | Command::EvidenceAdded => {
                    let (action, name) = match c {
                        Command::ItemStepRecorded => (Some(ItemAction::Assign), "pc"),
                        Command::ItemUpdated => (Some(ItemAction::Accept), "judge"),
                        _ => (None, "judge"),
                    };
                    let (u, o) = who(s, name).await;
                    match action {
                        Some(a) => {
                            s.advance_item(item, a, "", Some("sc-court"), None, &u, &o, t)
                                .await
                                .unwrap();
                        }
                        None => {
                            s.add_evidence(item, "a.txt", "text/plain", b"ok", &u, &o, t)
                                .await
                                .unwrap();
                        }
                    }
                }
                Command::ReferralSent => {
                    let (u, o) = who(s, "plc").await;
                    referral = s
                        .send_referral(
                            &NewReferral {
                                to_org_id: "hz-pc".into(),
                                subject: "移送事项".into(),
                                content: "内容".into(),
                                case_id: None,
                                responsible_org_id: None,
                            },
                            &u,
                            &o,
                            t,
                        )
                        .await
                        .unwrap();
                }
                Command::ReferralUpdated => {
                    let (u, o) = who(s, "pc").await;
                    s.act_on_referral(referral, ReferralAction::Acknowledge, "", &u, &o, t)
                        .await
                        .unwrap();
                }
                Command::ProjectCreated => {
                    let (u, o) = who(s, "pc").await;
                    project = s
                        .create_project("联合监督", "方案", &u, &o, t)
                        .await
                        .unwrap();
                }
                Command::ProjectMemberAdded
                | Command::ProjectTaskAdded
                | Command::ProjectUpdated
                | Command::ProjectTaskDone
                | Command::ProjectReportFiled => {
                    let (a, text, task) = match c {
                        Command::ProjectMemberAdded => (ProjectAction::AddMember, "", None),
                        Command::ProjectTaskAdded => (ProjectAction::AddTask, "阅卷", None),
                        Command::ProjectUpdated => (ProjectAction::Start, "", None),
                        Command::ProjectTaskDone => {
                            let d = s.project(project).await.unwrap().unwrap();
                            (ProjectAction::CompleteTask, "完成", Some(d.tasks[0].id))
                        }
                        _ => (ProjectAction::ProgressReport, "进展", None),
                    };
                    let (u, o) = who(s, "pc").await;
                    s.act_on_project(
                        project,
                        a,
                        text,
                        Some("hz-plc"),
                        Some(t + chrono::Duration::days(9)),
                        task,
                        &[],
                        &u,
                        &o,
                        t,
                    )
                    .await
                    .unwrap();
                }
                Command::RetrievalReportSaved => {
                    let case: i64 = sqlx::query_scalar("SELECT MIN(id) FROM cases")
                        .fetch_one(s.pool())
                        .await
                        .unwrap();
                    let (u, _) = who(s, "judge").await;
                    let report = tianping_store::retrieval::NewReport {
                        case_id: case,
                        query_facts: "醉酒驾驶".into(),
                        query_charges: vec!["危险驾驶罪".into()],
                        filters: Default::default(),
                        snapshot_last_id: 0,
                        snapshot_count: 0,
                        ranking_version: "test".into(),
                        results: vec![],
                    };
                    let id = s.save_report(&report, &u, t).await.unwrap();
                    let back = s.report(id).await.unwrap().unwrap();
                    assert_eq!(back.body, report);
                    assert_eq!(s.reports_of_case(case).await.unwrap().len(), 1);
                    report_id = id;
                }
                Command::RetrievalConclusionWritten => {
                    let (u, _) = who(s, "judge").await;
                    s.write_conclusion(report_id, "均予参照", &u, t)
                        .await
                        .unwrap();
                    let c = s.conclusion(report_id).await.unwrap().unwrap();
                    assert_eq!((c.body.as_str(), c.versions), ("均予参照", 1));
                }
                Command::DeviationWarned => {
                    let (case, event): (i64, i64) =
                        sqlx::query_as("SELECT case_id, id FROM events ORDER BY id LIMIT 1")
                            .fetch_one(s.pool())
                            .await
                            .unwrap();
                    let d = tianping_store::retrieval::NewDeviation {
                        case_id: case,
                        event_id: event,
                        charge: "危险驾驶罪".into(),
                        decided_months: 12,
                        low: 1,
                        high: 5,
                        above: true,
                        peers: vec![(1, 1), (2, 5)],
                    };
                    let (id, _) = s.raise_deviation(&d, t).await.unwrap().unwrap();
                    assert!(s.raise_deviation(&d, t).await.unwrap().is_none());
                    deviation = id;
                }
                Command::DeviationAcknowledged => {
                    let (u, _) = who(s, "chief").await;
                    assert!(s.acknowledge_deviation(deviation, &u, t).await.unwrap());
                    assert!(!s.acknowledge_deviation(deviation, &u, t).await.unwrap());
                }
                Command::SystemClientAdded => {
                    system_client = s
                        .add_system_client("上城法院审判系统", "sc-court", "h", "secadmin", t)
                        .await
                        .unwrap()
                        .unwrap();
                    assert!(
                        s.add_system_client("上城法院审判系统", "sc-court", "h2", "secadmin", t)
                            .await
                            .unwrap()
                            .is_none(),
                        "names are unique"
                    );
                }
                Command::IncidentSampleDrawn => {
                    let id = s
                        .draw_incident_sample(
                            &tianping_store::sample::NewSample {
                                org_id: "sc-police",
                                region_path: "/33/3301/330102/",
                                drawn_by: "法制员",
                                period_from: bj("2025-01-01T00:00:00"),
                                period_to: bj("2026-01-01T00:00:00"),
                                size: 5,
                                seed: "ab12",
                            },
                            t,
                        )
                        .await
                        .unwrap();
                    assert!(s.incident_sample(id).await.unwrap().is_some());
                }
                Command::PeopleSupervisorAppointed => {
                    for name in ["甲", "乙", "丙", "丁"] {
                        supervisors.push(appoint(s, name, t).await);
                    }
                }
                Command::SupervisorActivityRequested => {
                    activity = request(s, t).await;
                }
                Command::SupervisorDrawSet => {
                    supervisor_draw = set_draw(s, activity, &supervisors, t).await.0;
                }
                Command::SupervisorDrawValueGiven => {
                    s.give_draw_values(supervisor_draw, r#"[{"public":["3"]}]"#, t)
                        .await
                        .unwrap();
                }
                Command::SupervisorDrawAborted => {
                    s.abort_supervisor_draw(supervisor_draw, "一方未公开随机数", t)
                        .await
                        .unwrap();
                    assert!(
                        s.abort_supervisor_draw(supervisor_draw, "again", t)
                            .await
                            .is_err()
                    );
                }
                Command::SupervisorDrawn | Command::SupervisorInvited => {
                    if *c == Command::SupervisorInvited {
                        activity = request(s, t).await;
                    }
                    let (id, setup) = set_draw(s, activity, &supervisors, t).await;
                    complete(s, id, &setup, t).await;
                }
                Command::SupervisorInvitationAnswered => {
                    let inv = s.supervisor_invitations(activity).await.unwrap();
                    let sent = s
                        .act_on_invitation(inv[0].id, "invited", "refused", "出差", "甲", true, t)
                        .await
                        .unwrap();
                    assert_eq!(sent, Some(inv[1].id), "the first alternate is sent");
                }
                Command::SupervisorOpinionFiled => {
                    s.file_supervisor_opinion(activity, supervisors[0], "意见", t, t)
                        .await
                        .unwrap();
                }
                Command::SupervisorOpinionAnswered => {
                    let o = s.opinions_of_activity(activity).await.unwrap();
                    s.answer_supervisor_opinion(o[0].id, "adopted", "", "检察官", t)
                        .await
                        .unwrap();
                }
                Command::SupervisorAllowancePaid => {
                    s.pay_supervisor_allowance(
                        &tianping_store::people_supervisors::NewAllowance {
                            supervisor_id: supervisors[0],
                            year: 2026,
                            paid_on: "2026-03-02".parse().unwrap(),
                            amount_yuan: 200,
                            note: "一季度履职补贴",
                            paid_by: "司法局",
                        },
                        t,
                    )
                    .await
                    .unwrap();
                }
                Command::SupervisorRecorded => {
                    let on = "2026-03-01".parse().unwrap();
                    s.record_supervisor_entry(
                        supervisors[0],
                        "training",
                        on,
                        "履职培训",
                        "司法局",
                        t,
                    )
                    .await
                    .unwrap();
                    s.assess_supervisors(
                        2025,
                        &[tianping_store::people_supervisors::Assessed {
                            supervisor_id: supervisors[1],
                            grade: "competent",
                            removes: false,
                        }],
                        "司法局",
                        t,
                    )
                    .await
                    .unwrap();
                }
                Command::FeedbackTokenIssued => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    s.issue_feedback_token(
                        &tianping_store::feedback::NewToken {
                            token_id: "00112233445566778899aabbccddeeff",
                            scope: "case_party",
                            court_id: "sc-court",
                            case_id: Some(civil),
                            label: "原告",
                            expires_at: t + chrono::Duration::days(365),
                        },
                        &by,
                        t,
                    )
                    .await
                    .unwrap();
                    rating_token = s
                        .feedback_token("00112233445566778899aabbccddeeff")
                        .await
                        .unwrap();
                }
                Command::FeedbackRated => {
                    let tok = rating_token.clone().expect("issued");
                    let r = tianping_domain::feedback::check_rating(
                        tianping_domain::feedback::rules(),
                        &tianping_domain::feedback::RatingInput {
                            level: Some(1),
                            aspects: &[],
                            comment: "久拖不判",
                            name: "",
                            phone: "13900001111",
                        },
                    )
                    .unwrap();
                    let done = s.rate(&tok, &r, None, t).await.unwrap();
                    assert!(
                        done.item_id.is_some(),
                        "a bad rating with a phone opens an item"
                    );
                    rating = done.rating_id;
                }
                Command::FeedbackDecided => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    s.decide_rating(
                        rating,
                        tianping_domain::feedback::DecisionKind::SetAside,
                        "误评",
                        &by,
                        t,
                    )
                    .await
                    .unwrap();
                }
                Command::DishonestListed => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    let l = tianping_domain::dishonest::check_listing(
                        tianping_domain::dishonest::rules(),
                        &tianping_domain::dishonest::ListingInput {
                            ground: "evades",
                            kind: "person",
                            name: "钱某",
                            id_number: "11010519491231002X",
                            extra_years: 0,
                            decided_on: Some("2025-08-01".parse().unwrap()),
                            guarantee: false,
                            seized_enough: false,
                            later_in_order: false,
                            today: "2025-08-13".parse().unwrap(),
                        },
                    )
                    .unwrap();
                    dishonest = s.list_dishonest(civil, &l, 0, &by, t).await.unwrap();
                }
                Command::DishonestCauseRecorded => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    s.record_dishonest_cause(
                        dishonest,
                        "performed",
                        "2025-08-12".parse().unwrap(),
                        "全部履行",
                        &by,
                        t,
                    )
                    .await
                    .unwrap();
                }
                Command::DishonestDeleted => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    s.delete_dishonest(dishonest, &by, t).await.unwrap();
                }
                Command::TypicalProposed => {
                    use tianping_domain::typical::{Proposal, Side};
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    let p = |title: &str| Proposal {
                        category: "voluntary_performance".into(),
                        title: title.into(),
                        summary: "基本案情".into(),
                        significance: "典型意义".into(),
                        text: String::new(),
                        charges: vec![],
                    };
                    typical = s
                        .propose_typical(civil, &p("自动履行案"), Side::Court, &by, t)
                        .await
                        .unwrap();
                    // A second one, to be returned below (one live proposal per case).
                    let other = s
                        .case_id_by_number("（2025）浙0102刑初1号")
                        .await
                        .unwrap()
                        .unwrap();
                    typical_returned = s
                        .propose_typical(other, &p("另一案"), Side::Court, &by, t)
                        .await
                        .unwrap();
                    assert!(
                        s.propose_typical(civil, &p("重复"), Side::Court, &by, t)
                            .await
                            .is_err()
                    );
                }
                Command::TypicalApproved => {
                    use tianping_domain::typical::{Side, Stage};
                    let (chief, _) = who(s, "chief").await;
                    let (pc, _) = who(s, "pc").await;
                    assert_eq!(
                        s.approve_typical(typical, Side::Court, &chief, t)
                            .await
                            .unwrap(),
                        Stage::Proposed
                    );
                    assert_eq!(
                        s.approve_typical(typical, Side::Procuratorate, &pc, t)
                            .await
                            .unwrap(),
                        Stage::Published
                    );
                    let row = s.typical_case(typical).await.unwrap().unwrap();
                    let j = s.judgment(row.judgment_id.unwrap()).await.unwrap().unwrap();
                    assert_eq!(j.source, "typical");
                }
                Command::TypicalReturned => {
                    let (chief, _) = who(s, "chief").await;
                    s.return_typical(
                        typical_returned,
                        tianping_domain::typical::Side::Court,
                        "材料不全",
                        &chief,
                        t,
                    )
                    .await
                    .unwrap();
                }
                Command::RefusalReferred => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    refusal = s
                        .refer_refusal(
                            &tianping_store::refusal::NewReferral {
                                case_id: civil,
                                police_org_id: "sc-police",
                                debtor: "钱某",
                                facts: "隐瞒财产并低价转让车辆，拒不履行生效判决",
                                referred_on: "2025-08-10".parse().unwrap(),
                            },
                            &by,
                            t,
                        )
                        .await
                        .unwrap();
                }
                Command::RefusalStepRecorded => {
                    use tianping_domain::refusal::{Stage, Step};
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    let day = "2025-08-12".parse().unwrap();
                    s.record_refusal_step(
                        refusal,
                        Step::File,
                        day,
                        "",
                        &by,
                        "sc-police",
                        Stage::Referred,
                        t,
                    )
                    .await
                    .unwrap();
                    // The stage moved on: the same step again is refused.
                    assert!(
                        s.record_refusal_step(
                            refusal,
                            Step::File,
                            day,
                            "",
                            &by,
                            "sc-police",
                            Stage::Referred,
                            t,
                        )
                        .await
                        .is_err()
                    );
                    let r = s.refusal_referral(refusal).await.unwrap().unwrap();
                    assert_eq!(r.stage(), Stage::Filed);
                    assert_eq!(s.refusal_steps(refusal).await.unwrap().len(), 1);
                }
                Command::DeputyRegistered => {
                    let (pc, congress) = who(s, "pc").await;
                    deputy = s
                        .register_deputy(
                            &tianping_store::deputies::NewDeputy {
                                name: "褚建华",
                                level: tianping_domain::deputies::Level::City,
                                constituency: "上城区第3选区",
                                township: "湖滨街道",
                                liaison_station: "",
                                user_id: None,
                            },
                            &congress,
                            &pc,
                            t,
                        )
                        .await
                        .unwrap();
                }
                Command::DeputyAssigned => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    let a = tianping_store::deputies::NewAssignment {
                        case_id: civil,
                        deputy_id: deputy,
                        debtor: "钱某",
                        township: "湖滨街道",
                        note: "请协助促成和解",
                        assigned_on: "2025-08-12".parse().unwrap(),
                    };
                    assignment = s.assign_deputy(&a, &by, t).await.unwrap();
                    // One deputy at a time.
                    assert!(s.assign_deputy(&a, &by, t).await.is_err());
                }
                Command::DeputyActionLogged => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    s.log_deputy_action(
                        assignment,
                        tianping_domain::deputies::Action::Visit,
                        "2025-08-12".parse().unwrap(),
                        "走访被执行人",
                        &by,
                        t,
                    )
                    .await
                    .unwrap();
                }
                Command::DeputyResultRecorded => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    let a = s.deputy_assignment(assignment).await.unwrap().unwrap();
                    s.record_deputy_result(
                        &a,
                        tianping_domain::deputies::Outcome::Unresolved,
                        "2025-08-13".parse().unwrap(),
                        "被执行人确无财产",
                        None,
                        &Actor::system("test"),
                        &by,
                        "sc-court",
                        t,
                    )
                    .await
                    .unwrap();
                    // Closed: no more actions.
                    assert!(
                        s.log_deputy_action(
                            assignment,
                            tianping_domain::deputies::Action::Visit,
                            "2025-08-13".parse().unwrap(),
                            "再次走访",
                            &by,
                            t,
                        )
                        .await
                        .is_err()
                    );
                }
                Command::CampaignOpened => {
                    let (by, court) = who(s, "judge").await;
                    s.open_campaign(
                        &tianping_store::deputies::NewCampaign {
                            title: "终本库出清专项行动",
                            target: 100,
                            from: "2025-08-01".parse().unwrap(),
                            to: "2025-12-31".parse().unwrap(),
                        },
                        &court,
                        &by,
                        t,
                    )
                    .await
                    .unwrap();
                }
                Command::DeputiesInvited | Command::DeputyInvitationSent => {
                    // An invitation writes its row and a line per deputy.
                    let (by, court) = who(s, "judge").await;
                    s.invite_deputies(
                        &tianping_store::deputy_invitations::NewInvitation {
                            kind: tianping_domain::deputy_invitations::Kind::Hearing,
                            title: "邀请人大代表旁听庭审",
                            place: "第三法庭",
                            starts_at: t + chrono::Duration::days(3),
                            note: "",
                            deputies: &[deputy],
                        },
                        &court,
                        &by,
                        t,
                    )
                    .await
                    .unwrap();
                }
                Command::DeputyInvitationAnswered => {
                    use tianping_domain::deputy_invitations::State;
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    let v = s.deputy_invitations("/", None, 10).await.unwrap();
                    let line = s.deputy_invitees(v[0].id).await.unwrap()[0].id;
                    s.answer_deputy_invitation(line, State::Invited, State::Accepted, "", &by, t)
                        .await
                        .unwrap();
                    // Moved already: the same answer from the old state is refused.
                    assert!(
                        s.answer_deputy_invitation(
                            line,
                            State::Invited,
                            State::Declined,
                            "",
                            &by,
                            t
                        )
                        .await
                        .is_err()
                    );
                }
                Command::SuggestionSubmitted => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    let proc = s.org("sc-proc").await.unwrap().unwrap();
                    suggestion = s
                        .submit_suggestion(
                            &tianping_store::deputy_suggestions::NewSuggestion {
                                deputy_id: deputy,
                                procuratorate: &proc,
                                field: "ecology",
                                title: "关于督促整治河道污染的建议",
                                content: "沿河餐饮店长期将油污直排入河，建议依法督促整治。",
                                on: "2025-08-12".parse().unwrap(),
                            },
                            &by,
                            t,
                        )
                        .await
                        .unwrap();
                }
                Command::SuggestionStepRecorded => {
                    use tianping_domain::deputy_suggestions::{Stage, Step};
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    let record = |from, step| tianping_store::deputy_suggestions::StepRecord {
                        from,
                        step,
                        on: "2025-08-13".parse().unwrap(),
                        text: "建议依法履行监管职责",
                        agency: "生态环境分局",
                        urgent: true,
                        due: Some("2025-08-28".parse().unwrap()),
                        adopted: None,
                    };
                    s.record_suggestion_step(
                        suggestion,
                        &record(Stage::Submitted, Step::Accept),
                        &by,
                        t,
                    )
                    .await
                    .unwrap();
                    s.record_suggestion_step(
                        suggestion,
                        &record(Stage::Accepted, Step::Recommend),
                        &by,
                        t,
                    )
                    .await
                    .unwrap();
                    // From a stage it has left: refused.
                    assert!(
                        s.record_suggestion_step(
                            suggestion,
                            &record(Stage::Submitted, Step::Decline),
                            &by,
                            t
                        )
                        .await
                        .is_err()
                    );
                    let r = s.suggestion(suggestion).await.unwrap().unwrap();
                    assert_eq!(r.stage(), Stage::Recommended);
                    assert_eq!(r.reply_due.as_deref(), Some("2025-08-28"));
                    assert_eq!(r.urgent, 1);
                }
                Command::SuggestionHandedToCongress => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    s.hand_suggestion_to_congress(suggestion, &by, t)
                        .await
                        .unwrap();
                    assert!(
                        s.hand_suggestion_to_congress(suggestion, &by, t)
                            .await
                            .is_err()
                    );
                }
                Command::SuggestionFollowedUp => {
                    let (pc, _) = who(s, "pc").await;
                    s.follow_up_suggestion(suggestion, "约谈被建议单位", &pc, t)
                        .await
                        .unwrap();
                }
                Command::SurveySent | Command::SurveyRecipientAdded => {
                    // A survey writes its row and a line per deputy.
                    let (pc, congress) = who(s, "pc").await;
                    let questions = tianping_domain::deputy_surveys::parse_questions(
                        "单选：总体评价\n- 满意\n- 不满意\n\n问答：意见",
                    )
                    .unwrap();
                    s.send_survey(
                        &tianping_store::deputy_surveys::NewSurvey {
                            title: "意见征询",
                            intro: "",
                            questions: &questions,
                            level: "",
                            area: "",
                            closes_on: "2025-09-30".parse().unwrap(),
                            deputies: &[deputy],
                        },
                        &congress,
                        &pc,
                        t,
                    )
                    .await
                    .unwrap();
                }
                Command::SurveyAnswered => {
                    use tianping_domain::deputy_surveys::Answer;
                    let v = s.surveys("/", None, 10).await.unwrap();
                    let line = s.survey_recipient(v[0].id, deputy).await.unwrap().unwrap();
                    let a = [Answer::Choices(vec![0]), Answer::Text("好".into())];
                    s.answer_survey(line.id, &a, "login", t).await.unwrap();
                    // Once.
                    assert!(s.answer_survey(line.id, &a, "link", t).await.is_err());
                    let back = s.survey_recipient(v[0].id, deputy).await.unwrap().unwrap();
                    assert_eq!(back.answers().unwrap(), Some(a.to_vec()));
                }
                Command::EvaluationExpertAdded => {
                    user(s, "eval_office", Role::CaseOffice).await;
                    user_in(s, "eval_xh", "xh-court", Role::Judge).await;
                    let (xh, _) = who(s, "eval_xh").await;
                    s.set_notification_preferences(xh.id, Some("xh@court.test"), "daily", t)
                        .await
                        .unwrap();
                    let (office, org) = who(s, "eval_office").await;
                    s.add_evaluation_expert(&org.id, "eval_xh", "judge", "", &office, t)
                        .await
                        .unwrap();
                    // Once in a pool.
                    assert!(
                        s.add_evaluation_expert(&org.id, "eval_xh", "lawyer", "", &office, t)
                            .await
                            .is_err()
                    );
                }
                Command::EvaluationExpertRemoved => {
                    user_in(s, "eval_gone", "xh-court", Role::Judge).await;
                    let (office, org) = who(s, "eval_office").await;
                    let gone = s
                        .add_evaluation_expert(&org.id, "eval_gone", "judge", "", &office, t)
                        .await
                        .unwrap();
                    s.remove_evaluation_expert(gone, &org.id, &office, t)
                        .await
                        .unwrap();
                }
                Command::EvaluationCaseDrawn => {
                    // A minors' case: the only expert has no clearance for it — drawn, unassigned.
                    let made =
                        special_plan(s, "未成年人案件专项评查", "（2025）浙0102刑初1号", t).await;
                    assert_eq!((made.cases, made.unassigned), (1, 1));
                }
                Command::EvaluationPlanned => {
                    let made =
                        special_plan(s, "卷宗归档专项评查", "（2025）浙0102民初1号", t).await;
                    assert_eq!((made.cases, made.unassigned), (1, 0));
                    evaluation = s.evaluation_cases(made.id).await.unwrap()[0].id;
                    // The evaluator is told of the case at their cadence (a digest line).
                    let (xh, _) = who(s, "eval_xh").await;
                    let told: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM task_notices WHERE user_id = $1 AND dedupe_key LIKE 'evaluation-plan:%'",
                    )
                    .bind(xh.id)
                    .fetch_one(s.pool())
                    .await
                    .unwrap();
                    assert_eq!(told, 1, "{}", db.label);
                }
                Command::EvaluationPlanExtended => {
                    let (_, org) = who(s, "eval_office").await;
                    let plan = s.evaluation_plans(&org.region_path).await.unwrap()[0].id;
                    let (from, to) = ("2025-09-30".parse().unwrap(), "2025-10-31".parse().unwrap());
                    s.extend_evaluation_plan(plan, &org.id, from, to, t)
                        .await
                        .unwrap();
                    // From the day read: a second move from the old day is refused.
                    assert!(
                        s.extend_evaluation_plan(plan, &org.id, from, to, t)
                            .await
                            .is_err()
                    );
                }
                Command::DraftProofread => {
                    use tianping_store::proofreading::NewDraft;
                    // A draft with nothing to find: the draft alone.
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    let d = NewDraft {
                        case_id: civil,
                        org_id: "sc-court",
                        file_name: "草稿.txt",
                        body: "本院认为，判决如下。",
                        findings: &[],
                    };
                    let id = s.record_proofread_draft(&d, &by, t).await.unwrap();
                    let (d, f) = s.proofread_draft(id).await.unwrap().unwrap();
                    assert_eq!((d.findings, f.len()), (0, 0));
                }
                Command::ProofreadFindingFound => {
                    use tianping_store::proofreading::NewDraft;
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    let text = "刑事判决书 本院认为，依照《中华人民共和国刑法》第四百六十七条之规定，判决如下：";
                    let found = tianping_domain::proofread::proofread(text);
                    assert!(!found.is_empty());
                    let d = NewDraft {
                        case_id: civil,
                        org_id: "sc-court",
                        file_name: "判决书.txt",
                        body: text,
                        findings: &found,
                    };
                    proofread_draft = s.record_proofread_draft(&d, &by, t).await.unwrap();
                    let (d, f) = s.proofread_draft(proofread_draft).await.unwrap().unwrap();
                    assert_eq!(d.open as usize, found.len());
                    assert_eq!(f[0].text, found[0].text);
                }
                Command::ProofreadFindingResolved => {
                    use tianping_domain::proofread::review::Status;
                    use tianping_store::proofreading::Resolution;
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    let aside = Resolution {
                        status: Status::NotApplicable,
                        applied: false,
                        reason: "引用的是原审判决",
                    };
                    s.resolve_proofread_finding(proofread_draft, 1, &aside, &by, t)
                        .await
                        .unwrap();
                    // Once: a finding no longer open is refused.
                    let fixed = Resolution {
                        status: Status::Fixed,
                        applied: false,
                        reason: "",
                    };
                    assert!(
                        s.resolve_proofread_finding(proofread_draft, 1, &fixed, &by, t)
                            .await
                            .is_err()
                    );
                }
                Command::CaseSelfChecked => {
                    let by = s.user_by_id(judge).await.unwrap().unwrap();
                    s.record_self_check(civil, "sc-court", "clean", "", &by, t)
                        .await
                        .unwrap();
                    // Once per case.
                    assert!(
                        s.record_self_check(civil, "sc-court", "clean", "", &by, t)
                            .await
                            .is_err()
                    );
                }
                Command::EvaluationActed => {
                    use tianping_domain::evaluation::review::{Act, Stage};
                    let (xh, _) = who(s, "eval_xh").await;
                    let mut a = tianping_store::evaluation::ActInput {
                        id: evaluation,
                        act: Act::Score,
                        deductions: Some(
                            r#"[{"item":"6.1","points":5,"note":"未按期归档"}]"#.into(),
                        ),
                        score: Some(95),
                        grade: Some("优秀".into()),
                        passes: true,
                        opens_item: false,
                        note: String::new(),
                        problems: vec![],
                    };
                    s.act_on_evaluation(&a, Stage::Assigned, &xh, t)
                        .await
                        .unwrap();
                    // Of two racing scores one is written.
                    assert!(
                        s.act_on_evaluation(&a, Stage::Assigned, &xh, t)
                            .await
                            .is_err()
                    );
                    a.act = Act::Accept;
                    let (zhang, _) = who(s, "judge").await;
                    let out = s
                        .act_on_evaluation(&a, Stage::Scored, &zhang, t)
                        .await
                        .unwrap();
                    assert_eq!((out.stage, out.item_id), (Stage::Final, None));
                }
                Command::PeopleSupervisorRemoved => {
                    assert!(
                        s.remove_supervisor(supervisors[3], "年度考核不称职", true, t)
                            .await
                            .unwrap()
                    );
                }
                Command::AdminActionRecorded => {
                    // Every administrator's act is one: here, a second factor reset.
                    assert!(s.reset_totp(judge, "secadmin", t).await.unwrap());
                    let acts = s.admin_actions(10).await.unwrap();
                    assert_eq!(acts[0].action, "second_factor_reset");
                    assert_eq!(acts[0].actor, "user:secadmin");
                }
                Command::SystemClientRevoked => {
                    assert!(
                        s.revoke_system_client(system_client, "secadmin", t)
                            .await
                            .unwrap()
                    );
                    assert!(
                        !s.revoke_system_client(system_client, "secadmin", t)
                            .await
                            .unwrap()
                    );
                }
            }
            let after = count(s, *c).await;
            assert!(after > before, "{}: {} wrote no leaf", db.label, c.as_str());
        }
        s.checkpoint(&key(), ORIGIN, bj("2025-08-12T12:00:00"))
            .await
            .unwrap();
        let rep = verify(s, &[]).await;
        assert!(rep.ok(), "{}: {:?}", db.label, rep.findings);
        assert!(
            rep.records_checked >= 10 && rep.checkpoints_checked == 1,
            "{rep:?}"
        );

        // Confidential records (users; the minors' case's events) are logged only as salted
        // hashes; public events as plain SHA-256 of their columns.
        let minors = s.ledger_leaves_of("events", "3").await.unwrap();
        assert!(
            minors[0].data.contains(" salted-sha256:"),
            "{}",
            minors[0].data
        );
        let public = s.ledger_leaves_of("events", "1").await.unwrap();
        assert!(public[0].data.contains(" sha256:"), "{}", public[0].data);
        for l in s
            .ledger_leaves_of("users", &judge.to_string())
            .await
            .unwrap()
        {
            assert!(l.data.contains(" salted-sha256:"));
            assert!(!l.data.contains("judge"));
        }

        // Every leaf's inclusion proof verifies against the head, and the head extends every
        // earlier size.
        let head = s.ledger_head().await.unwrap();
        let root = Hash::from_hex(&head.root).unwrap();
        for i in 0..head.size {
            let p = s.inclusion_proof(i, None).await.unwrap();
            let hashes: Vec<Hash> = p.proof.iter().map(|h| Hash::from_hex(h).unwrap()).collect();
            verify_inclusion(
                i,
                head.size,
                &leaf_hash(p.leaf_data.as_bytes()),
                &hashes,
                &root,
            )
            .unwrap();
            let older = s.inclusion_proof(i, Some(i + 1)).await.unwrap();
            assert_eq!(older.size, i + 1);
        }
        for first in 0..=head.size {
            let c = s.consistency_proof(first, head.size).await.unwrap();
            let hashes: Vec<Hash> = c.proof.iter().map(|h| Hash::from_hex(h).unwrap()).collect();
            verify_consistency(
                first,
                &Hash::from_hex(&c.first_root).unwrap(),
                head.size,
                &root,
                &hashes,
            )
            .unwrap();
        }
        assert!(s.inclusion_proof(head.size, None).await.is_err());
        assert!(s.consistency_proof(1, head.size + 1).await.is_err());
        db.cleanup().await.unwrap();
    }
}

async fn exec(s: &Store, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(s.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// What an attacker with database access does first: switch off the append-only triggers.
async fn drop_triggers(s: &Store) {
    match s.backend() {
        Backend::Sqlite => {
            for t in [
                "events_no_update",
                "events_no_delete",
                "ledger_tiles_no_update",
                "ledger_tiles_no_delete",
            ] {
                exec(s, &format!("DROP TRIGGER {t}")).await;
            }
        }
        Backend::Postgres => {
            exec(s, "DROP TRIGGER events_no_update_delete ON events").await;
            exec(s, "DROP TRIGGER ledger_tiles_no_change ON ledger_tiles").await;
        }
    }
}

async fn leaf_of(s: &Store, table: &str, r: &str) -> u64 {
    s.ledger_leaves_of(table, r).await.unwrap()[0].index
}

/// Rebuilds nodes and head from the leaves as they now are (a careful attacker covering tracks).
async fn rebuild_tree(s: &Store) {
    let page = s.ledger_page(0, i64::MAX).await.unwrap();
    let mut f = Frontier::default();
    let mut nodes = vec![];
    for (_, data, _) in &page {
        f.append(leaf_hash(data.as_bytes()), |a, h| nodes.push((a.key(), h)));
    }
    exec(s, "DELETE FROM ledger_nodes").await;
    for (k, h) in nodes {
        sqlx::query("INSERT INTO ledger_nodes (id, hash) VALUES ($1, $2)")
            .bind(k)
            .bind(h.to_hex())
            .execute(s.pool())
            .await
            .unwrap();
    }
    sqlx::query("UPDATE ledger_head SET size = $1, frontier = $2, root = $3 WHERE id = 1")
        .bind(f.size() as i64)
        .bind(f.encode())
        .bind(f.root().to_hex())
        .execute(s.pool())
        .await
        .unwrap();
}

fn codes(r: &VerifyReport) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.code).collect()
}

#[tokio::test]
async fn tampering_of_each_kind_is_found_and_named() {
    for kind in [
        "change_row",
        "delete_row",
        "reorder",
        "truncate",
        "replace_checkpoint",
        "rewrite_history",
        "move_case",
        "move_clock",
        "move_due",
        "move_judge",
        "retitle",
        "facts_limit",
        "facts_closed",
        "facts_garbled",
        "facts_deleted",
    ] {
        for db in TestDb::all().await.unwrap() {
            let s = &db.store;
            seeded(&db).await;
            let cp = s
                .checkpoint(&key(), ORIGIN, bj("2025-08-02T11:00:00"))
                .await
                .unwrap();
            let clean = verify(s, std::slice::from_ref(&cp.note)).await;
            assert!(clean.ok(), "{} {kind}: {:?}", db.label, clean.findings);
            // In slices of three records, one pass over the leaves each: the same records.
            let sliced = verify_in_passes(s, std::slice::from_ref(&cp.note), 3).await;
            assert!(sliced.ok(), "{} {kind}: {:?}", db.label, sliced.findings);
            assert!(sliced.record_passes > 2, "{}", sliced.record_passes);
            assert_eq!(sliced.records_checked, clean.records_checked);
            drop_triggers(s).await;
            let label = format!("{} {kind}", db.label);
            let event2: i64 =
                sqlx::query_scalar("SELECT id FROM events WHERE source_event_id = '2'")
                    .fetch_one(s.pool())
                    .await
                    .unwrap();
            let leaf2 = leaf_of(s, "events", &event2.to_string()).await;
            let mut witnesses = vec![];
            match kind {
                "change_row" => {
                    exec(
                        s,
                        &format!("UPDATE events SET body = REPLACE(body, '张法官', '王法官') WHERE id = {event2}"),
                    )
                    .await;
                }
                "delete_row" => {
                    exec(s, &format!("DELETE FROM events WHERE id = {event2}")).await;
                }
                "reorder" => {
                    // Swap two leaves.
                    let mut all = leaves(s).await;
                    all.swap(leaf2 as usize, leaf2 as usize + 1);
                    write_leaves(s, &all).await;
                }
                "truncate" => {
                    // Drop every leaf from event 2 on and make the tree consistent again.
                    let mut all = leaves(s).await;
                    all.truncate(leaf2 as usize);
                    write_leaves(s, &all).await;
                    rebuild_tree(s).await;
                }
                "replace_checkpoint" => {
                    // A forged checkpoint signed by another key, over a forged root.
                    let forged = LogKey::from_seed(ORIGIN, [7; 32]).unwrap().sign(
                        &tianping_ledger::Checkpoint {
                            origin: ORIGIN.into(),
                            size: cp.size,
                            root: leaf_hash(b"forged"),
                        },
                    );
                    sqlx::query("UPDATE ledger_checkpoints SET note = $1")
                        .bind(forged)
                        .execute(s.pool())
                        .await
                        .unwrap();
                }
                "rewrite_history" => {
                    // Change an event, its leaf (with a correct digest of the new content), rebuild
                    // the tree and drop the checkpoints: only a witness's copy can tell.
                    exec(
                        s,
                        &format!("UPDATE events SET body = REPLACE(body, '张法官', '王法官') WHERE id = {event2}"),
                    )
                    .await;
                    let row: Vec<Option<String>> = {
                        let r = sqlx::query(
                            "SELECT CAST(case_id AS TEXT), source, source_event_id, kind, occurred_at, recorded_at, recorded_by, corrects, body FROM events WHERE id = $1",
                        )
                        .bind(event2)
                        .fetch_one(s.pool())
                        .await
                        .unwrap();
                        use sqlx::Row;
                        (0..9)
                            .map(|i| r.try_get::<Option<String>, _>(i).unwrap())
                            .collect()
                    };
                    let old =
                        Entry::parse(&s.ledger_leaf(leaf2).await.unwrap().unwrap().data).unwrap();
                    let new = Entry::new(
                        old.index,
                        old.command,
                        old.reference.clone(),
                        old.at.clone(),
                        tianping_ledger::Digest::of(
                            &row.iter().map(|f| f.as_deref()).collect::<Vec<_>>(),
                            None,
                        ),
                    )
                    .unwrap();
                    let mut all = leaves(s).await;
                    all[leaf2 as usize].1 = new.data();
                    write_leaves(s, &all).await;
                    rebuild_tree(s).await;
                    exec(s, "DELETE FROM ledger_checkpoints").await;
                    witnesses.push(cp.note.clone());
                }
                "move_case" => {
                    // The case of event 2 moved to another region: its supervisors lose it.
                    exec(
                        s,
                        &format!("UPDATE cases SET region_path = '/33/3302/' WHERE id = (SELECT case_id FROM events WHERE id = {event2})"),
                    )
                    .await;
                }
                "move_clock" => {
                    exec(
                        s,
                        &format!("UPDATE clocks SET org_id = 'elsewhere' WHERE case_id = (SELECT case_id FROM events WHERE id = {event2})"),
                    )
                    .await;
                }
                "move_due" => {
                    // A due date pushed a year on in the database: the case leaves 超审限.
                    exec(
                        s,
                        &format!("UPDATE clocks SET due_date = '2099-12-31' WHERE due_date IS NOT NULL AND case_id = (SELECT case_id FROM events WHERE id = {event2})"),
                    )
                    .await;
                }
                "move_judge" => {
                    // The case handed to another judge in the database: it leaves 张法官's list.
                    exec(
                        s,
                        &format!("UPDATE cases SET judge = '王法官' WHERE id = (SELECT case_id FROM events WHERE id = {event2})"),
                    )
                    .await;
                }
                "retitle" => {
                    exec(
                        s,
                        &format!("UPDATE cases SET title = '假标题甲诉乙' WHERE id = (SELECT case_id FROM events WHERE id = {event2})"),
                    )
                    .await;
                }
                "facts_limit" | "facts_closed" | "facts_garbled" | "facts_deleted" => {
                    let change = match kind {
                        // The dashboards would count the open case as closed within its 审限 …
                        "facts_limit" => "UPDATE metric_facts SET limit_outcome = 'met'",
                        // … or as closed in the second quarter;
                        "facts_closed" => "UPDATE metric_facts SET closed = '2025-06-30'",
                        "facts_garbled" => "UPDATE metric_facts SET kind = 'nonsense'",
                        // or not count it at all.
                        _ => "DELETE FROM metric_facts",
                    };
                    exec(
                        s,
                        &format!("{change} WHERE case_id = (SELECT case_id FROM events WHERE id = {event2})"),
                    )
                    .await;
                }
                _ => unreachable!(),
            }
            let rep = verify(s, &witnesses).await;
            assert!(!rep.ok(), "{label}: tampering went unnoticed");
            // The record check in slices finds the same, in the same order.
            assert_eq!(
                found(&verify_in_passes(s, &witnesses, 3).await),
                found(&verify_in_passes(s, &witnesses, u64::MAX).await),
                "{label}"
            );
            let first = rep.first().unwrap();
            let record = format!("events/{event2}");
            match kind {
                "change_row" => {
                    assert_eq!(first.code, "record_differs", "{label}: {:?}", rep.findings);
                    assert_eq!(first.leaf, Some(leaf2));
                    assert_eq!(first.record.as_deref(), Some(record.as_str()));
                }
                "delete_row" => {
                    assert_eq!(first.code, "record_missing", "{label}: {:?}", rep.findings);
                    assert_eq!(first.record.as_deref(), Some(record.as_str()));
                }
                "reorder" => {
                    assert_eq!(
                        first.code, "leaf_out_of_place",
                        "{label}: {:?}",
                        rep.findings
                    );
                    assert_eq!(first.leaf, Some(leaf2));
                }
                "truncate" => {
                    assert!(codes(&rep).contains(&"checkpoint_beyond_log"), "{label}");
                    assert!(
                        rep.findings.iter().any(|f| f.code == "record_not_in_log"
                            && f.record.as_deref() == Some(record.as_str())),
                        "{label}: {:?}",
                        rep.findings
                    );
                }
                "replace_checkpoint" => {
                    assert_eq!(codes(&rep), vec!["checkpoint_signature"], "{label}");
                }
                "rewrite_history" => {
                    // The log alone is consistent; the witness tells. The case row still names
                    // the judge of the history before it was rewritten, which the re-derivation
                    // of the row from the rewritten events notices too.
                    assert_eq!(
                        codes(&rep),
                        vec!["witness_mismatch", "projection_differs"],
                        "{label}: {:?}",
                        rep.findings
                    );
                    assert!(rep.findings[1].detail.contains("judge 张法官"), "{label}");
                }
                "move_case" | "move_clock" | "move_due" | "move_judge" | "retitle" => {
                    let case: i64 = sqlx::query_scalar("SELECT case_id FROM events WHERE id = $1")
                        .bind(event2)
                        .fetch_one(s.pool())
                        .await
                        .unwrap();
                    assert!(
                        codes(&rep).iter().all(|c| *c == "projection_differs"),
                        "{label}: {:?}",
                        rep.findings
                    );
                    let want = if ["move_case", "move_judge", "retitle"].contains(&kind) {
                        format!("cases/{case}")
                    } else {
                        format!("clocks/{case}/")
                    };
                    assert!(
                        first
                            .record
                            .as_deref()
                            .is_some_and(|r| r.starts_with(&want)),
                        "{label}: {:?}",
                        rep.findings
                    );
                    if kind == "retitle" {
                        // The column is named, its values (the parties' names) are not shown.
                        assert!(
                            first.detail.contains("stored title differs")
                                && !first.detail.contains("假标题"),
                            "{label}: {:?}",
                            rep.findings
                        );
                    }
                    if kind == "move_judge" {
                        assert!(
                            first.detail.contains("judge 王法官")
                                && first.detail.contains("give 张法官"),
                            "{label}: {:?}",
                            rep.findings
                        );
                    }
                    if kind == "move_due" {
                        assert!(
                            first.detail.contains("2099-12-31"),
                            "{label}: {:?}",
                            rep.findings
                        );
                    }
                }
                "facts_limit" | "facts_closed" | "facts_garbled" | "facts_deleted" => {
                    let case: i64 = sqlx::query_scalar("SELECT case_id FROM events WHERE id = $1")
                        .bind(event2)
                        .fetch_one(s.pool())
                        .await
                        .unwrap();
                    assert!(
                        codes(&rep).iter().all(|c| *c == "projection_differs"),
                        "{label}: {:?}",
                        rep.findings
                    );
                    let records: Vec<String> = rep
                        .findings
                        .iter()
                        .filter_map(|f| f.record.clone())
                        .collect();
                    assert_eq!(
                        records,
                        vec![format!("metric_facts/{case}")],
                        "{label}: {:?}",
                        rep.findings
                    );
                    let detail = &rep.findings.last().unwrap().detail;
                    let said = match kind {
                        "facts_limit" => "stored limit_outcome met, its events give open",
                        "facts_closed" => "stored closed 2025-06-30, its events give none",
                        "facts_garbled" => "do not read",
                        _ => "no metric facts",
                    };
                    assert!(detail.contains(said), "{label}: {detail}");
                }
                _ => unreachable!(),
            }
            db.cleanup().await.unwrap();
        }
    }
}

/// A civil case filed on 6 January and decided on 1 August 2025: past its six months, 超审限;
/// then an open one, so that the closed case lies between open ones by id.
const CLOSED_LATE: &str = r#"{"source":"t","source_event_id":"c1","case_number":"（2025）浙0102民初2号","occurred_at":"2025-01-06T09:00:00+08:00","kind":"filed","cause":"借款合同纠纷","parties":[{"name":"丙","role":"原告"},{"name":"丁","role":"被告"}]}
{"source":"t","source_event_id":"c2","case_number":"（2025）浙0102民初2号","occurred_at":"2025-08-01T09:00:00+08:00","kind":"closed","disposition":"judgment"}
{"source":"t","source_event_id":"c3","case_number":"（2025）浙0102民初3号","occurred_at":"2025-07-01T09:00:00+08:00","kind":"filed","cause":"借款合同纠纷","parties":[{"name":"戊","role":"原告"},{"name":"己","role":"被告"}]}
"#;

/// The shipped rules with the civil first instance's six months made seven (version 2).
fn civil_first_instance_in_seven_months() -> Clockwork {
    let mut cw = Clockwork::shipped();
    let text = tianping_domain::rules::LIMITS_TOML.replacen(
        "base = { amount = 6, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
        "version = 2\nbase = { amount = 7, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
        1,
    );
    cw.rules = tianping_domain::rules::RuleSet::parse(&text).unwrap();
    cw
}

async fn limit_of(s: &Store, case: i64) -> String {
    sqlx::query_scalar("SELECT limit_outcome FROM metric_facts WHERE case_id = $1")
        .bind(case)
        .fetch_one(s.pool())
        .await
        .unwrap()
}

/// What the quality dashboards count of a closed case is checked against the clock it closed
/// with: a later change of rules (which would make it timely) is no false alarm and does not
/// rewrite it, not even through a rebuild of the metrics; its outcome turned from late to met in
/// the database is named.
#[tokio::test]
async fn a_closed_cases_counted_outcome_is_checked_against_the_clock_it_closed_with() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        seeded(&db).await;
        let r = s
            .ingest(
                &records(CLOSED_LATE),
                &Actor::system("test"),
                bj("2025-08-02T10:00:00"),
            )
            .await
            .unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        let closed = s
            .case_id_by_number("（2025）浙0102民初2号")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(limit_of(s, closed).await, "late", "{}", db.label);
        // The rules put in force, as a server's start does.
        s.apply_clockwork_change(bj("2025-08-02T11:00:00"))
            .await
            .unwrap();
        let rep = verify(s, &[]).await;
        assert!(rep.ok(), "{} {:?}", db.label, rep.findings);
        // Six months become seven: the open 民初1号's clock moves; the closed case is not
        // re-computed and stays 超审限 where it was counted.
        s.set_clockwork(civil_first_instance_in_seven_months());
        let moved = s
            .apply_clockwork_change(bj("2025-08-12T09:00:00"))
            .await
            .unwrap()
            .unwrap();
        assert!(moved.moved >= 1, "{}", db.label);
        // The re-computation of the open cases around it left the closed case's rows alone (it
        // used to remove every row of a closed case within its batch's range of ids).
        let kept: Vec<(String, String)> = sqlx::query_as(
            "SELECT clock_key, status FROM clocks WHERE case_id = $1 ORDER BY clock_key",
        )
        .bind(closed)
        .fetch_all(s.pool())
        .await
        .unwrap();
        assert!(
            kept.contains(&("trial".to_string(), "late".to_string())),
            "{}: {kept:?}",
            db.label
        );
        let rep = verify(s, &[]).await;
        assert!(rep.ok(), "{} {:?}", db.label, rep.findings);
        s.rebuild_metrics(bj("2025-08-12T10:00:00")).await.unwrap();
        assert_eq!(limit_of(s, closed).await, "late", "{}", db.label);
        let rep = verify(s, &[]).await;
        assert!(rep.ok(), "{} {:?}", db.label, rep.findings);
        // The court's 审限内结案率 improved in the database.
        exec(
            s,
            &format!("UPDATE metric_facts SET limit_outcome = 'met' WHERE case_id = {closed}"),
        )
        .await;
        let rep = verify(s, &[]).await;
        assert_eq!(codes(&rep), vec!["projection_differs"], "{}", db.label);
        let f = &rep.findings[0];
        assert_eq!(
            f.record.as_deref(),
            Some(format!("metric_facts/{closed}").as_str())
        );
        assert!(
            f.detail
                .contains("stored limit_outcome met, its events give late"),
            "{}: {}",
            db.label,
            f.detail
        );
        db.cleanup().await.unwrap();
    }
}

/// The per-case rows only the write path writes keep no key to their case on PostgreSQL
/// (migration 0050): a clock, flow node, risk hit or metric facts row of a case that is not in the
/// store is named by `ledger verify` (SQLite's key still refuses it), and so is a flow node or
/// risk hit moved to another region.
#[tokio::test]
async fn per_case_rows_of_no_case_or_of_another_region_are_named() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        seeded(&db).await;
        let (case, org, region): (i64, String, String) = sqlx::query_as(
            "SELECT k.id, k.org_id, k.region_path FROM cases k \
             WHERE k.id IN (SELECT case_id FROM clocks) ORDER BY k.id LIMIT 1",
        )
        .fetch_one(s.pool())
        .await
        .unwrap();
        // A flow node and a risk hit of the case, as the flow standards would write them.
        exec(
            s,
            &format!(
                "INSERT INTO case_nodes (case_id, mark, flow, org_id, region_path, judge, started_at, due_date, late, tell_judge) \
                 VALUES ({case}, 'served', 'civil_first', '{org}', '{region}', '张法官', '2025-03-03', '2025-03-10', 0, 1); \
                 INSERT INTO risk_hits (case_id, signal, org_id, region_path, judge, on_date) \
                 VALUES ({case}, 'long_unserved', '{org}', '{region}', '张法官', '2025-03-20');"
            ),
        )
        .await;
        let rep = verify(s, &[]).await;
        assert!(rep.ok(), "{} {:?}", db.label, rep.findings);
        let ghost = case + 1000;
        let mut conn = s.pool().acquire().await.unwrap();
        for table in ["clocks", "case_nodes", "risk_hits", "metric_facts"] {
            // A copy of the case's rows under a case id that no case has.
            for sql in [
                format!(
                    "CREATE TEMP TABLE ghost_rows AS SELECT * FROM {table} WHERE case_id = {case}"
                ),
                format!("UPDATE ghost_rows SET case_id = {ghost}"),
            ] {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
            let done = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {table} SELECT * FROM ghost_rows"
            )))
            .execute(&mut *conn)
            .await;
            sqlx::raw_sql("DROP TABLE ghost_rows")
                .execute(&mut *conn)
                .await
                .unwrap();
            match s.backend() {
                Backend::Sqlite => {
                    assert!(done.is_err(), "{} {table}: the key refuses it", db.label)
                }
                Backend::Postgres => {
                    let done = done.unwrap_or_else(|e| panic!("{table}: {e}"));
                    assert!(done.rows_affected() > 0, "{} {table}", db.label);
                }
            }
        }
        drop(conn);
        if s.backend() == Backend::Postgres {
            let rep = verify(s, &[]).await;
            let named: Vec<(&str, Option<&str>)> = rep
                .findings
                .iter()
                .map(|f| (f.code, f.record.as_deref()))
                .collect();
            for table in ["clocks", "case_nodes", "risk_hits", "metric_facts"] {
                let record = format!("{table}/{ghost}");
                assert!(
                    named.contains(&("projection_orphan", Some(record.as_str()))),
                    "{}: {record} not named in {:?}",
                    db.label,
                    rep.findings
                );
            }
            assert!(
                rep.findings
                    .iter()
                    .all(|f| f.code == "projection_orphan" && f.detail.contains("not in the store")),
                "{}: {:?}",
                db.label,
                rep.findings
            );
            exec(
                s,
                &format!(
                    "DELETE FROM clocks WHERE case_id = {ghost}; DELETE FROM case_nodes WHERE case_id = {ghost}; \
                     DELETE FROM risk_hits WHERE case_id = {ghost}; DELETE FROM metric_facts WHERE case_id = {ghost};"
                ),
            )
            .await;
        }
        let rep = verify(s, &[]).await;
        assert!(rep.ok(), "{} {:?}", db.label, rep.findings);
        // A flow node and a risk hit moved to another region: they leave their node board.
        exec(
            s,
            &format!(
                "UPDATE case_nodes SET region_path = '/33/3302/' WHERE case_id = {case}; \
                 UPDATE risk_hits SET org_id = 'elsewhere' WHERE case_id = {case};"
            ),
        )
        .await;
        let rep = verify(s, &[]).await;
        assert!(
            rep.findings.iter().all(|f| f.code == "projection_differs"),
            "{}: {:?}",
            db.label,
            rep.findings
        );
        for table in ["case_nodes", "risk_hits"] {
            let prefix = format!("{table}/{case}/");
            assert!(
                rep.findings
                    .iter()
                    .any(|f| f.record.as_deref().is_some_and(|r| r.starts_with(&prefix))),
                "{}: {prefix} not named in {:?}",
                db.label,
                rep.findings
            );
        }
        db.cleanup().await.unwrap();
    }
}

/// `ledger verify` evaluates the flag rules in force on each case's events, as ingest did when it
/// recorded the last one, and names a situation they raise that the case has no flag of: one a
/// process with its rules off never raised, or a flag row deleted. A case whose last event was
/// recorded before the rules were put in force is not expected to follow them (nothing
/// re-evaluates it), and a process with other flag rules compares none.
#[tokio::test]
async fn a_flag_the_rules_raise_on_a_cases_events_and_that_is_missing_is_named() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        seeded(&db).await;
        let shipped = s.supervision().as_ref().clone();
        let mut off = shipped.clone();
        off.flags = off.flags.without_rules();
        // A process with its flag rules off records a complaint about the judge.
        s.set_supervision(off.clone());
        let r = s
            .ingest(
                &records(COMPLAINT),
                &Actor::system("t"),
                bj("2025-08-05T10:00:00"),
            )
            .await
            .unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        s.set_supervision(shipped.clone());
        let case = s
            .case_id_by_number("（2025）浙0102民初1号")
            .await
            .unwrap()
            .unwrap();
        assert!(s.case_flags(case).await.unwrap().is_empty());
        let missing = format!("case_flags/{case}/4.judge_misconduct");
        let rep = verify(s, &[]).await;
        assert_eq!(
            codes(&rep),
            vec!["projection_differs"],
            "{} {:?}",
            db.label,
            rep.findings
        );
        assert_eq!(rep.findings[0].record.as_deref(), Some(missing.as_str()));
        assert!(
            rep.findings[0].detail.contains("judge-complaint"),
            "{}: {}",
            db.label,
            rep.findings[0].detail
        );
        // The shipped rules put in force the day after: the case's last event predates them.
        s.put_flag_rules_in_force(bj("2025-08-06T09:00:00"))
            .await
            .unwrap();
        let rep = verify(s, &[]).await;
        assert!(rep.ok(), "{} {:?}", db.label, rep.findings);
        // A process with other flag rules than those in force compares no flags, and says so.
        s.set_supervision(off.clone());
        s.set_engine_state(
            "flag_rules_since",
            "2025-08-01T00:00:00Z",
            bj("2025-08-06T09:00:00"),
        )
        .await
        .unwrap();
        let r = s.rederive_projections().await.unwrap();
        assert!(r.findings.is_empty(), "{} {:?}", db.label, r.findings);
        assert!(
            r.flags_skipped
                .as_deref()
                .is_some_and(|w| w.contains("flag rules")),
            "{}: {:?}",
            db.label,
            r.flags_skipped
        );
        s.set_supervision(shipped.clone());
        // With the shipped rules: a second complaint raises the flag; verify passes again.
        let second = COMPLAINT
            .replace(r#""source_event_id":"9""#, r#""source_event_id":"9b""#)
            .replace("2025-08-05T09:00:00", "2025-08-07T09:00:00");
        s.ingest(
            &records(&second),
            &Actor::system("t"),
            bj("2025-08-07T10:00:00"),
        )
        .await
        .unwrap();
        assert_eq!(s.case_flags(case).await.unwrap().len(), 1, "{}", db.label);
        let rep = verify(s, &[]).await;
        assert!(rep.ok(), "{} {:?}", db.label, rep.findings);
        // The flag deleted in the database: the log names the row, the rules the situation.
        exec(s, &format!("DELETE FROM case_flags WHERE case_id = {case}")).await;
        let rep = verify(s, &[]).await;
        assert!(
            codes(&rep).contains(&"record_missing"),
            "{} {:?}",
            db.label,
            rep.findings
        );
        assert!(
            rep.findings
                .iter()
                .any(|f| f.code == "projection_differs"
                    && f.record.as_deref() == Some(missing.as_str())),
            "{} {:?}",
            db.label,
            rep.findings
        );
        db.cleanup().await.unwrap();
    }
}

/// A civil case filed on 1 July 2025 and suspended on 4 August: its 审限 is paused.
const SUSPENDED: &str = r#"{"source":"t","source_event_id":"p1","case_number":"（2025）浙0102民初4号","occurred_at":"2025-07-01T09:00:00+08:00","kind":"filed","cause":"借款合同纠纷","parties":[{"name":"庚","role":"原告"},{"name":"辛","role":"被告"}]}
{"source":"t","source_event_id":"p2","case_number":"（2025）浙0102民初4号","occurred_at":"2025-08-04T09:00:00+08:00","kind":"suspended","reason":"等待另案审理结果","approver":{"name":"院长甲","role":"president"}}
"#;

/// A paused clock's due date counts from the day it was computed on, and the poller re-counts it
/// at every day's change: `ledger verify` days after the case's last event compares the row
/// with the clock as computed that day (it named every paused clock of a store verified after a
/// midnight), and still names a due date moved in the database.
#[tokio::test]
async fn a_paused_clock_the_poller_re_counted_on_a_later_day_verifies() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        seeded(&db).await;
        let r = s
            .ingest(
                &records(SUSPENDED),
                &Actor::system("test"),
                bj("2025-08-04T10:00:00"),
            )
            .await
            .unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        let case = s
            .case_id_by_number("（2025）浙0102民初4号")
            .await
            .unwrap()
            .unwrap();
        let trial = || async {
            sqlx::query_as::<_, (Option<String>, String)>(
                "SELECT due_date, status FROM clocks WHERE case_id = $1 AND clock_key = 'trial'",
            )
            .bind(case)
            .fetch_one(s.pool())
            .await
            .unwrap()
        };
        let (before, status) = trial().await;
        assert_eq!(status, "paused", "{}", db.label);
        let rep = verify(s, &[]).await;
        assert!(rep.ok(), "{} {:?}", db.label, rep.findings);
        // Sixteen days on, after the poller's round at midnight.
        s.poll(bj("2025-08-20T00:30:00"), 1000).await.unwrap();
        let (after, _) = trial().await;
        assert!(after > before, "{}: {before:?} → {after:?}", db.label);
        let rep = verify(s, &[]).await;
        assert!(rep.ok(), "{} {:?}", db.label, rep.findings);
        exec(
            s,
            &format!(
                "UPDATE clocks SET due_date = '2099-12-31' WHERE case_id = {case} AND clock_key = 'trial'"
            ),
        )
        .await;
        let rep = verify(s, &[]).await;
        assert_eq!(codes(&rep), vec!["projection_differs"], "{}", db.label);
        assert_eq!(
            rep.findings[0].record.as_deref(),
            Some(format!("clocks/{case}/trial").as_str()),
            "{}",
            db.label
        );
        db.cleanup().await.unwrap();
    }
}

#[tokio::test]
async fn a_database_from_before_the_ledger_adopts_its_rows_and_verifies() {
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        seeded(&db).await;
        // Simulate a database written before the ledger existed: no leaves at all.
        drop_triggers(s).await;
        exec(s, "DELETE FROM ledger_tiles").await;
        exec(s, "DELETE FROM ledger_nodes").await;
        exec(s, "DELETE FROM ledger_refs").await;
        exec(s, "UPDATE events SET leaf = NULL").await;
        rebuild_tree(s).await;
        assert!(!verify(s, &[]).await.ok());
        let n = s
            .adopt_existing_rows(bj("2025-08-03T00:00:00"))
            .await
            .unwrap();
        assert_eq!(n, s.ledger_head().await.unwrap().size);
        assert!(n > 6, "{n}");
        assert_eq!(
            s.adopt_existing_rows(bj("2025-08-03T00:00:00"))
                .await
                .unwrap(),
            0
        );
        let rep = verify(s, &[]).await;
        assert!(rep.ok(), "{}: {:?}", db.label, rep.findings);
        // A checkpoint's key is checked: the wrong verifier key refuses it.
        s.checkpoint(&key(), ORIGIN, bj("2025-08-03T00:00:00"))
            .await
            .unwrap();
        let other: VerifierKey = LogKey::from_seed(ORIGIN, [9; 32]).unwrap().verifier();
        let rep = s
            .verify_ledger(&VerifyOptions {
                key: Some(&other),
                origin: ORIGIN,
                records: false,
                witnesses: &[],
                witness_keys: &[],
            })
            .await
            .unwrap();
        assert_eq!(codes(&rep), vec!["checkpoint_signature"]);
        db.cleanup().await.unwrap();
    }
}

/// `verify_ledger` on a live store: writers commit events (and their leaves) while it reads. It
/// reads one snapshot, so a write that commits between its reading of the leaves and its reading
/// of the records is neither a leaf nor a record to it — never "written around the ledger".
#[tokio::test]
async fn verify_while_writes_commit_reads_one_snapshot() {
    for db in TestDb::all().await.unwrap() {
        seeded(&db).await;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let (s, stop) = (db.store.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0usize;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let batch: String = (0..10)
                        .map(|i| {
                            let k = n * 10 + i + 100;
                            format!(
                                r#"{{"source":"live","source_event_id":"{k}","case_number":"（2025）浙0102民初{k}号","occurred_at":"2025-03-03T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}}"#
                            ) + "\n"
                        })
                        .collect();
                    let r = s
                        .ingest(
                            &records(&batch),
                            &Actor::system("test"),
                            bj("2025-08-02T10:00:00"),
                        )
                        .await
                        .unwrap();
                    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
                    n += 1;
                }
                n
            })
        };
        for round in 0..12 {
            let rep = verify(&db.store, &[]).await;
            assert!(rep.ok(), "{} verify {round}: {:?}", db.label, rep.findings);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let batches = writer.await.unwrap();
        assert!(batches > 0, "{}: the writer wrote nothing", db.label);
        let rep = verify(&db.store, &[]).await;
        assert!(rep.ok(), "{}: {:?}", db.label, rep.findings);
        db.cleanup().await.unwrap();
    }
}
