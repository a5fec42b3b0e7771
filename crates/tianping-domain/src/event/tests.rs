use super::*;
use crate::case::PartyKind;
use crate::history::{Recorded, check_correction, fold};
use crate::org::Role;
use chrono::TimeZone;

fn t(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, d, h, 0, 0)
        .single()
        .expect("valid date")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date")
}

fn filing() -> Filing {
    Filing {
        case_kind: None,
        org_id: None,
        cause: "民间借贷纠纷".into(),
        charges: vec![],
        parties: vec![Party {
            name: "王五".into(),
            role: "原告".into(),
            kind: PartyKind::Natural,
            minor: false,
            id_number: None,
        }],
        confidentiality: None,
        summary_procedure: true,
        fast_track: false,
        small_claims: false,
        in_custody: false,
        foreign_related: false,
        claim_amount_yuan: Some(50_000),
        origin_case_number: None,
        private_prosecution: false,
        ruling_appeal: false,
        incident: false,
    }
}

fn civil() -> CaseState {
    CaseState::open(
        &filing(),
        CaseKind::Civil,
        Procedure::FirstInstance,
        Some("民初".into()),
        t(1, 9),
        now(),
    )
    .expect("opens")
}

fn president() -> Approver {
    Approver {
        name: "李院长".into(),
        role: Role::President,
        org: None,
    }
}

#[test]
fn a_civil_case_runs_its_course() {
    let mut s = civil();
    s.apply(
        &EventBody::Assigned {
            judge: "张法官".into(),
            panel: vec![],
            division: Some("民一庭".into()),
            clerk: None,
        },
        t(2, 9),
        now(),
    )
    .expect("assigned");
    s.apply(
        &EventBody::Suspended {
            reason: "等待另案结果".into(),
            approver: president(),
        },
        t(3, 9),
        now(),
    )
    .expect("suspended");
    assert_eq!(s.status, CaseStatus::Suspended);
    s.apply(&EventBody::Resumed, t(10, 9), now())
        .expect("resumed");
    s.apply(
        &EventBody::ExcludedPeriodStarted {
            period: ExcludedKind::Appraisal,
            reason: "司法鉴定".into(),
            approver: None,
        },
        t(11, 9),
        now(),
    )
    .expect("excluded starts");
    let refused = s.apply(
        &EventBody::Closed {
            disposition: Disposition::Judgment,
            sentence_months: None,
            amount_yuan: None,
            penalty: None,
        },
        t(12, 9),
        now(),
    );
    assert_eq!(refused.err().map(|e| e.code), Some("excluded_period_open"));
    s.apply(
        &EventBody::ExcludedPeriodEnded {
            period: ExcludedKind::Appraisal,
        },
        t(20, 9),
        now(),
    )
    .expect("ends");
    s.apply(
        &EventBody::ProcedureConverted {
            from: "summary".into(),
            to: "ordinary".into(),
        },
        t(21, 9),
        now(),
    )
    .expect("converted");
    assert!(!s.summary_procedure);
    s.apply(
        &EventBody::Closed {
            disposition: Disposition::Judgment,
            sentence_months: None,
            amount_yuan: Some(30_000),
            penalty: None,
        },
        t(25, 9),
        now(),
    )
    .expect("closed");
    assert_eq!(s.status, CaseStatus::Closed);
    let after = s.apply(&EventBody::HearingHeld, t(26, 9), now());
    assert_eq!(after.err().map(|e| e.code), Some("case_closed"));
    s.apply(
        &EventBody::Appealed {
            by: "王五".into()
        },
        t(27, 9),
        now(),
    )
    .expect("appealed");
    assert!(s.appealed);
    assert_eq!(s.event_count, 9);
}

#[test]
fn refusals_name_field_and_reason() {
    let mut s = civil();
    let cases: Vec<(EventBody, DateTime<Utc>, &str, &str)> = vec![
        (EventBody::Resumed, t(2, 9), "not_suspended", "kind"),
        (
            EventBody::Suspended {
                reason: "x".into(),
                approver: Approver {
                    name: "赵".into(),
                    role: Role::Judge,
                    org: None,
                },
            },
            t(2, 9),
            "approver_role_invalid",
            "approver.role",
        ),
        (
            EventBody::ExtensionApproved {
                approver: president(),
                amount: 3,
                unit: PeriodUnit::Month,
                ground: None,
            },
            t(2, 9),
            "no_extension_request",
            "kind",
        ),
        (
            EventBody::HearingHeld,
            Utc.with_ymd_and_hms(2025, 2, 1, 0, 0, 0)
                .single()
                .expect("date"),
            "date_before_filing",
            "occurred_at",
        ),
        (
            EventBody::HearingHeld,
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
                .single()
                .expect("date"),
            "date_in_future",
            "occurred_at",
        ),
        (EventBody::Detained, t(2, 9), "kind_mismatch", "kind"),
        (
            EventBody::PropertySearched {
                channel: "网络查控".into(),
                found: false,
            },
            t(2, 9),
            "kind_mismatch",
            "kind",
        ),
        (
            EventBody::Assigned {
                judge: " ".into(),
                panel: vec![],
                division: None,
                clerk: None,
            },
            t(2, 9),
            "field_empty",
            "judge",
        ),
        (
            EventBody::Appealed {
                by: "王五".into()
            },
            t(2, 9),
            "not_closed",
            "kind",
        ),
        (EventBody::Filed(filing()), t(2, 9), "case_exists", "kind"),
    ];
    for (body, at, code, field) in cases {
        let before = s.clone();
        match s.apply(&body, at, now()) {
            Ok(()) => panic!("{} should be refused", body.kind()),
            Err(e) => {
                assert_eq!(
                    (e.code, e.field.as_str()),
                    (code, field),
                    "{}: {e}",
                    body.kind()
                );
                assert!(!e.reason.is_empty());
            }
        }
        assert_eq!(s, before, "a refused event leaves the state unchanged");
    }
}

#[test]
fn extension_chain_and_order() {
    let mut s = civil();
    s.apply(
        &EventBody::ExtensionRequested {
            amount: 6,
            unit: PeriodUnit::Month,
            reason: "案情复杂".into(),
        },
        t(5, 9),
        now(),
    )
    .expect("requested");
    let early = s.apply(
        &EventBody::ExtensionApproved {
            approver: president(),
            amount: 6,
            unit: PeriodUnit::Month,
            ground: None,
        },
        t(4, 9),
        now(),
    );
    assert_eq!(early.err().map(|e| e.code), Some("date_order"));
    s.apply(
        &EventBody::ExtensionApproved {
            approver: president(),
            amount: 6,
            unit: PeriodUnit::Month,
            ground: None,
        },
        t(6, 9),
        now(),
    )
    .expect("approved");
    assert_eq!(s.extensions_approved, 1);
    assert!(s.pending_extension.is_none());
}

fn criminal_review() -> CaseState {
    let f = Filing {
        case_kind: Some(CaseKind::Prosecution),
        cause: "盗窃".into(),
        ..filing()
    };
    CaseState::open(
        &f,
        CaseKind::Prosecution,
        Procedure::Investigation,
        None,
        t(1, 9),
        now(),
    )
    .expect("opens")
}

#[test]
fn custody_and_supplementary_investigation_limits() {
    let mut s = criminal_review();
    s.apply(&EventBody::Detained, t(1, 10), now())
        .expect("detained");
    assert_eq!(
        s.apply(&EventBody::Detained, t(1, 11), now())
            .err()
            .map(|e| e.code),
        Some("custody_state")
    );
    s.apply(&EventBody::ArrestRequested, t(3, 9), now())
        .expect("requested");
    s.apply(
        &EventBody::ArrestApproved {
            approver: Approver {
                name: "检察长".into(),
                role: Role::President,
                org: None,
            },
        },
        t(8, 9),
        now(),
    )
    .expect("approved");
    assert_eq!(s.custody, Custody::Arrested);
    s.apply(&EventBody::ProsecutionReviewStarted, t(10, 9), now())
        .expect("review");
    for round in 0..2 {
        s.apply(
            &EventBody::ReturnedForSupplementaryInvestigation {
                reason: "证据不足".into(),
            },
            t(11 + round * 3, 9),
            now(),
        )
        .expect("returned");
        s.apply(
            &EventBody::ResubmittedAfterSupplementaryInvestigation,
            t(12 + round * 3, 9),
            now(),
        )
        .expect("resubmitted");
    }
    let third = s.apply(
        &EventBody::ReturnedForSupplementaryInvestigation {
            reason: "证据不足".into(),
        },
        t(20, 9),
        now(),
    );
    assert_eq!(third.err().map(|e| e.code), Some("supplementary_limit"));
    s.apply(&EventBody::Indicted, t(21, 9), now())
        .expect("indicted");
    assert_eq!(s.disposition, Some(Disposition::Indictment));
}

#[test]
fn zhongben_needs_the_whole_checklist_and_three_months() {
    let f = filing();
    let mut s = CaseState::open(
        &f,
        CaseKind::Execution,
        Procedure::Execution,
        Some("执".into()),
        t(1, 9),
        now(),
    )
    .expect("opens");
    let full = ZhongbenChecklist {
        property_report_done: true,
        consumption_restricted: true,
        assets_investigated: true,
        whereabouts_and_obstruction_handled: true,
        applicant_interviewed: true,
        applicant_confirmed_or_president_approved: true,
        ruling_served: true,
    };
    let missing = ZhongbenChecklist {
        assets_investigated: false,
        ..full.clone()
    };
    let e = s.apply(
        &EventBody::ExecutionTerminated {
            checklist: missing,
            unpaid_amount_yuan: None,
        },
        t(1, 9) + chrono::Duration::days(100),
        now(),
    );
    assert_eq!(
        e.err().map(|e| (e.code, e.field)),
        Some((
            "zhongben_incomplete",
            "checklist.assets_investigated".to_string()
        ))
    );
    let early = s.apply(
        &EventBody::ExecutionTerminated {
            checklist: full.clone(),
            unpaid_amount_yuan: None,
        },
        t(20, 9),
        now(),
    );
    assert_eq!(early.err().map(|e| e.code), Some("zhongben_too_early"));
    s.apply(
        &EventBody::ExecutionTerminated {
            checklist: full,
            unpaid_amount_yuan: Some(10_000),
        },
        t(1, 9) + chrono::Duration::days(100),
        now(),
    )
    .expect("终本");
    assert_eq!(s.status, CaseStatus::Closed);
    s.apply(
        &EventBody::ExecutionRestored {
            deputy_assisted: false,
        },
        t(1, 9) + chrono::Duration::days(200),
        now(),
    )
    .expect("restored");
    assert_eq!(s.status, CaseStatus::Open);
}

#[test]
fn minors_cannot_be_public() {
    let mut f = filing();
    f.parties.push(Party {
        name: "小明".into(),
        role: "被告".into(),
        kind: PartyKind::Natural,
        minor: true,
        id_number: None,
    });
    let s = CaseState::open(
        &f,
        CaseKind::Civil,
        Procedure::FirstInstance,
        None,
        t(1, 9),
        now(),
    )
    .expect("opens");
    assert_eq!(s.confidentiality, crate::case::Confidentiality::Minors);
    f.confidentiality = Some(crate::case::Confidentiality::Public);
    let e = CaseState::open(
        &f,
        CaseKind::Civil,
        Procedure::FirstInstance,
        None,
        t(1, 9),
        now(),
    );
    assert_eq!(e.err().map(|e| e.code), Some("confidentiality_conflict"));
}

fn rec(id: &str, at: DateTime<Utc>, corrects: Option<&str>, body: EventBody) -> Recorded {
    Recorded {
        source: "s".into(),
        source_event_id: id.into(),
        occurred_at: at,
        corrects: corrects.map(Into::into),
        body,
    }
}

#[test]
fn corrections_replace_and_retractions_remove() {
    let open = |f: &Filing, at| {
        CaseState::open(
            f,
            CaseKind::Civil,
            Procedure::FirstInstance,
            None,
            at,
            now(),
        )
    };
    let events = vec![
        rec("1", t(1, 9), None, EventBody::Filed(filing())),
        rec(
            "2",
            t(2, 9),
            None,
            EventBody::Assigned {
                judge: "张".into(),
                panel: vec![],
                division: None,
                clerk: None,
            },
        ),
        rec(
            "3",
            t(3, 9),
            None,
            EventBody::Suspended {
                reason: "等待".into(),
                approver: president(),
            },
        ),
        rec(
            "4",
            t(4, 9),
            Some("2"),
            EventBody::Assigned {
                judge: "李".into(),
                panel: vec![],
                division: None,
                clerk: None,
            },
        ),
        rec(
            "5",
            t(5, 9),
            Some("3"),
            EventBody::Retraction {
                reason: "误录".into(),
            },
        ),
    ];
    let s = fold(&events, open, now()).expect("folds");
    assert_eq!(s.judge.as_deref(), Some("李"));
    assert_eq!(
        s.status,
        CaseStatus::Open,
        "the retracted suspension no longer counts"
    );
    // Retracting the resumption of a suspended case leaves it suspended; closing then is refused.
    let bad = vec![
        rec("1", t(1, 9), None, EventBody::Filed(filing())),
        rec(
            "2",
            t(2, 9),
            None,
            EventBody::Suspended {
                reason: "等待".into(),
                approver: president(),
            },
        ),
        rec("3", t(3, 9), None, EventBody::Resumed),
        rec(
            "4",
            t(4, 9),
            None,
            EventBody::Closed {
                disposition: Disposition::Judgment,
                sentence_months: None,
                amount_yuan: None,
                penalty: None,
            },
        ),
        rec(
            "5",
            t(5, 9),
            Some("3"),
            EventBody::Retraction {
                reason: "误录".into(),
            },
        ),
    ];
    let e = fold(&bad, open, now()).err();
    assert_eq!(e.map(|(i, r)| (i, r.code)), Some((3, "case_suspended")));
    assert!(
        check_correction(
            &EventBody::Filed(filing()),
            &EventBody::Retraction { reason: "x".into() }
        )
        .is_err()
    );
    assert!(check_correction(&EventBody::HearingHeld, &EventBody::Resumed).is_err());
}

#[test]
fn event_records_round_trip_as_json() {
    let json = r#"{"source_event_id":"e1","case_number":"（2025）浙0102民初1号","occurred_at":"2025-03-01T09:00:00+08:00",
        "kind":"suspended","reason":"等待鉴定","approver":{"name":"李","role":"president"}}"#;
    let r: EventRecord = serde_json::from_str(json).expect("parses");
    assert_eq!(r.source, "manual");
    assert_eq!(r.body.kind(), "suspended");
    let back: EventRecord =
        serde_json::from_str(&serde_json::to_string(&r).expect("ser")).expect("de");
    assert_eq!(back, r);
    let unknown = serde_json::from_str::<EventRecord>(
        r#"{"source_event_id":"e1","case_number":"x","occurred_at":"2025-03-01T09:00:00+08:00","kind":"teleported"}"#,
    );
    assert!(unknown.is_err());
    let typo = serde_json::from_str::<EventRecord>(
        r#"{"source_event_id":"e1","case_number":"x","occurred_at":"2025-03-01T09:00:00+08:00","kind":"excluded_period_started","period":"appraisal","reason":"鉴定","aprover":{"name":"李","role":"president"}}"#,
    );
    assert!(
        typo.err()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("unknown field `aprover`")
    );
    let extra_on_unit = serde_json::from_str::<EventRecord>(
        r#"{"source_event_id":"e1","case_number":"x","occurred_at":"2025-03-01T09:00:00+08:00","kind":"hearing_held","note":1}"#,
    );
    assert!(extra_on_unit.is_err());
    let no_offset = serde_json::from_str::<EventRecord>(
        r#"{"source_event_id":"e1","case_number":"x","occurred_at":"2025-03-01 09:00","kind":"hearing_held"}"#,
    );
    assert!(
        no_offset
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("occurred_at")
    );
    let missing = serde_json::from_str::<EventRecord>(
        r#"{"case_number":"x","occurred_at":"2025-03-01T09:00:00+08:00","kind":"hearing_held"}"#,
    );
    assert!(
        missing
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("source_event_id")
    );
}

#[test]
fn amounts_have_separators() {
    assert_eq!(yuan(0), "0");
    assert_eq!(yuan(999), "999");
    assert_eq!(yuan(1000), "1,000");
    assert_eq!(yuan(1234567), "1,234,567");
    assert_eq!(yuan(-25000), "-25,000");
}

/// The low finding: a 50 MB cause, a 10 MB reason and 100,000 parties were accepted.
#[test]
fn sizes_are_bounded_with_the_field_named() {
    use crate::event::check_sizes;
    let body = |json: serde_json::Value| -> EventBody {
        serde_json::from_value(json).expect("event body")
    };
    let long = "很".repeat(2001);
    let cases = [
        (
            body(serde_json::json!({"kind": "adjourned", "reason": long})),
            ("field_too_long", "reason"),
        ),
        (
            body(serde_json::json!({"kind": "filed", "cause": "纠".repeat(201)})),
            ("field_too_long", "cause"),
        ),
        (
            body(
                serde_json::json!({"kind": "filed", "cause": "x", "parties": [
                {"name": "甲", "role": "原告"}, {"name": "乙".repeat(101), "role": "被告"}]}),
            ),
            ("field_too_long", "parties[1].name"),
        ),
        (
            body(serde_json::json!({"kind": "filed", "cause": "x",
                "parties": vec![serde_json::json!({"name": "甲", "role": "原告"}); 201]})),
            ("too_many_items", "parties"),
        ),
    ];
    for (b, (code, field)) in cases {
        let e = check_sizes(&b).expect_err(field);
        assert_eq!((e.code, e.field.as_str()), (code, field));
    }
    assert!(
        check_sizes(&body(
            serde_json::json!({"kind": "adjourned", "reason": "很".repeat(2000)})
        ))
        .is_ok()
    );
}
