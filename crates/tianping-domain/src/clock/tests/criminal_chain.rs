//! The findings of a held-out check of hand-computed criminal-chain scenarios (issue 21), each
//! worked by hand from the statute and checked here through the fold and the engine.

use super::*;
use crate::event::{ExtensionGround, Questioning, Receipt};

fn police_head(name: &str) -> Approver {
    president(name)
}

fn detained_on_may_day() -> Case {
    agency(
        CaseKind::Police,
        Procedure::Investigation,
        "2025-05-01T08:00",
    )
    .ev("2025-05-01T10:00", EventBody::Detained)
    .ev(
        "2025-05-02",
        EventBody::ExtensionRequested {
            amount: 27,
            unit: PeriodUnit::Day,
            reason: "系流窜作案的重大嫌疑分子".into(),
        },
    )
}

#[test]
fn detention_extended_to_thirty_days_in_one_approval_for_roving_crime() {
    // CrimPL 2018 art. 91 ¶2; 公安规定 art. 129 ¶2: 流窜、多次、结伙作案 is its own ground with its
    // own single approval, extending the 3 days to 30 — not the ordinary +4. 拘留 2025-05-01 →
    // 30 days → 2025-05-31 (custody: no roll-over).
    for ground in [None, Some(ExtensionGround::RovingRepeatedGang)] {
        let case = detained_on_may_day().ev(
            "2025-05-03",
            EventBody::ExtensionApproved {
                approver: police_head("赵局长"),
                amount: 27,
                unit: PeriodUnit::Day,
                ground,
            },
        );
        let c = case.clock(ClockKey::ArrestRequest, "2025-05-10");
        assert_eq!(c.due, Some(d("2025-05-31")), "{ground:?} {:#?}", c.why);
        assert_eq!(c.status, ClockStatus::Running);
        assert!(c.findings.is_empty(), "{:?}", c.findings);
        let text: String = c.why.iter().map(|w| w.text.clone()).collect();
        assert!(text.contains("流窜作案"), "{text}");
        // A police organ's head is not a 院长.
        assert!(
            text.contains("公安机关负责人") && !text.contains("院长"),
            "{text}"
        );
    }
    // Approved "至三十日" for 特殊情况 is capped at the +4 days that ground allows: 05-08.
    let case = detained_on_may_day().ev(
        "2025-05-03",
        EventBody::ExtensionApproved {
            approver: police_head("赵局长"),
            amount: 27,
            unit: PeriodUnit::Day,
            ground: Some(ExtensionGround::SpecialCircumstances),
        },
    );
    let c = case.clock(ClockKey::ArrestRequest, "2025-05-04");
    assert_eq!(c.due, Some(d("2025-05-08")));
    assert_eq!(c.findings.len(), 1, "{:?}", c.findings);
    // +4 days first, then the roving ground later: still 30 days from 拘留, never more.
    let case = detained_on_may_day()
        .ev(
            "2025-05-03",
            EventBody::ExtensionApproved {
                approver: police_head("赵局长"),
                amount: 4,
                unit: PeriodUnit::Day,
                ground: None,
            },
        )
        .ev(
            "2025-05-06",
            EventBody::ExtensionRequested {
                amount: 30,
                unit: PeriodUnit::Day,
                reason: "查明系多次作案".into(),
            },
        )
        .ev(
            "2025-05-07",
            EventBody::ExtensionApproved {
                approver: police_head("赵局长"),
                amount: 30,
                unit: PeriodUnit::Day,
                ground: Some(ExtensionGround::RovingRepeatedGang),
            },
        );
    assert_eq!(
        case.clock(ClockKey::ArrestRequest, "2025-05-10").due,
        Some(d("2025-05-31"))
    );
}

fn summary(filed: &str, custody: bool) -> Case {
    let mut f = filing("盗窃罪");
    f.summary_procedure = true;
    f.in_custody = custody;
    open("刑初", f, filed)
}

fn extended(case: Case, on: &str, days: u32) -> Case {
    case.ev(
        on,
        EventBody::ExtensionRequested {
            amount: days,
            unit: PeriodUnit::Day,
            reason: "可能判处三年以上有期徒刑".into(),
        },
    )
    .ev(
        on,
        EventBody::ExtensionApproved {
            approver: president("钱院长"),
            amount: days,
            unit: PeriodUnit::Day,
            ground: None,
        },
    )
}

#[test]
fn summary_procedure_extended_to_a_month_and_a_half_is_a_month_then_fifteen_days() {
    // CrimPL 2018 art. 220; 刑诉解释 2021 art. 202: 半个月一律按十五日计算. 受理 2026-02-01,
    // detained (no roll-over): 20 days → 02-21; extended to 一个半月 → 03-01 + 15 days = 03-16
    // (45 days would give 03-18).
    let c = summary("2026-02-01", true).clock(ClockKey::Trial, "2026-02-02");
    assert_eq!(c.due, Some(d("2026-02-21")));
    assert!(
        c.custody,
        "a detained defendant's summary limit is a custody limit (art. 98)"
    );
    for days in [25, 45, 60] {
        let c = extended(summary("2026-02-01", true), "2026-02-10", days)
            .clock(ClockKey::Trial, "2026-02-20");
        assert_eq!(c.due, Some(d("2026-03-16")), "+{days} days: {:#?}", c.why);
        assert!(c.custody);
    }
    // Not detained: 03-16 is a Monday, no roll-over needed.
    let c = extended(summary("2026-02-01", false), "2026-02-10", 45)
        .clock(ClockKey::Trial, "2026-02-20");
    assert_eq!(c.due, Some(d("2026-03-16")));
    assert!(!c.custody);
}

#[test]
fn fast_track_of_a_detained_defendant_is_a_custody_limit() {
    let mut f = filing("危险驾驶罪");
    f.fast_track = true;
    f.in_custody = true;
    let c = open("刑初", f, "2025-03-03").clock(ClockKey::Trial, "2025-03-04");
    assert!(c.custody);
}

fn private(custody: bool) -> Filing {
    let mut f = filing("侮辱罪");
    f.private_prosecution = true;
    f.in_custody = custody;
    f
}

#[test]
fn private_prosecution_is_six_months_unless_the_defendant_is_held() {
    // CrimPL 2018 art. 212 ¶2. 受理 2025-03-03: not held → six months → 2025-09-03 (Wed).
    let c = open("刑初", private(false), "2025-03-03").clock(ClockKey::Trial, "2025-03-04");
    assert_eq!(c.rule.as_deref(), Some("crim.first.private.no_custody@1"));
    assert_eq!(c.due, Some(d("2025-09-03")));
    assert!(!c.custody);
    // Held: as public prosecution, two months → 2025-05-03 (Sat; custody, no roll-over).
    let c = open("刑初", private(true), "2025-03-03").clock(ClockKey::Trial, "2025-03-04");
    assert_eq!(c.rule.as_deref(), Some("crim.first.private.custody@1"));
    assert_eq!(c.due, Some(d("2025-05-03")));
    assert!(c.custody);
    // Tried in summary procedure: 20 days whoever prosecutes (art. 220).
    let mut f = private(false);
    f.summary_procedure = true;
    let c = open("刑初", f, "2025-03-03").clock(ClockKey::Trial, "2025-03-04");
    assert_eq!(c.rule.as_deref(), Some("crim.first.summary@2"));
    // The court arrests the defendant during trial: the held defendant's limit applies.
    let c = open("刑初", private(false), "2025-03-03")
        .ev(
            "2025-03-20",
            EventBody::ArrestApproved {
                approver: president("钱院长"),
            },
        )
        .clock(ClockKey::Trial, "2025-03-21");
    assert_eq!(c.rule.as_deref(), Some("crim.first.private.custody@1"));
    assert!(c.custody);
}

#[test]
fn an_appeal_against_a_ruling_in_a_civil_appeal_case_is_thirty_days() {
    // CPL 2023 art. 183 ¶2: 对裁定的上诉案件，应当在第二审立案之日起三十日内作出终审裁定.
    // 民终 filed 2025-03-03 → 30 days → 2025-04-02 (Wed).
    let mut f = filing("合同纠纷（不予受理裁定上诉）");
    f.ruling_appeal = true;
    let c = open("民终", f, "2025-03-03").clock(ClockKey::Trial, "2025-03-04");
    assert_eq!(c.rule.as_deref(), Some("civ.appeal.ruling@1"));
    assert_eq!(c.due, Some(d("2025-04-02")));
    // A judgment appeal keeps three months.
    let c = open("民终", filing("合同纠纷"), "2025-03-03").clock(ClockKey::Trial, "2025-03-04");
    assert_eq!(c.rule.as_deref(), Some("civ.appeal.judgment@1"));
}

#[test]
fn custody_changes_during_trial_are_recorded_and_move_the_clocks() {
    // 刑初 filed 2025-03-03 with the defendant held: two months → 05-03 (Sat, no roll-over).
    let mut f = filing("诈骗罪");
    f.in_custody = true;
    let case = open("刑初", f, "2025-03-03");
    assert_eq!(
        case.clock(ClockKey::Trial, "2025-03-04").due,
        Some(d("2025-05-03"))
    );
    // The court grants bail on 03-10: the limit rolls over again (05-03 → Wed 05-06 after the
    // May Day break), and bail runs twelve months → 2026-03-10.
    let case = case.ev(
        "2025-03-10",
        EventBody::BailGranted {
            approver: Some(president("钱院长")),
        },
    );
    let t = case.clock(ClockKey::Trial, "2025-03-11");
    assert_eq!(t.due, Some(d("2025-05-06")));
    assert!(!t.custody);
    let b = case.clock(ClockKey::Bail, "2025-03-11");
    assert_eq!(b.due, Some(d("2026-03-10")));
    assert_eq!(b.status, ClockStatus::Running);
    // Arrested again on 04-01: bail ends (met), custody is back.
    let case = case.ev(
        "2025-04-01",
        EventBody::ArrestApproved {
            approver: president("钱院长"),
        },
    );
    let b = case.clock(ClockKey::Bail, "2025-04-02");
    assert_eq!(b.status, ClockStatus::Met);
    let t = case.clock(ClockKey::Trial, "2025-04-02");
    assert!(t.custody);
    assert_eq!(t.due, Some(d("2025-05-03")));
    // Released: the court case records it.
    let case = case.ev(
        "2025-04-20",
        EventBody::Released {
            reason: "变更为监视居住".into(),
        },
    );
    assert!(!case.state.in_custody);
}

#[test]
fn residential_surveillance_is_six_months_per_organ() {
    // Police decide 监视居住 on 2025-03-03 → 6 months → 2025-09-03; the procuratorate decides
    // anew on its own case and its six months start again (CrimPL 2018 art. 79).
    let case = agency(CaseKind::Police, Procedure::Investigation, "2025-03-01").ev(
        "2025-03-03",
        EventBody::ResidentialSurveillance {
            designated_residence: false,
            approver: Some(police_head("赵局长")),
        },
    );
    let c = case.clock(ClockKey::ResidentialSurveillance, "2025-03-04");
    assert_eq!(c.due, Some(d("2025-09-03")));
    let pros = agency(
        CaseKind::Prosecution,
        Procedure::ProsecutionReview,
        "2025-08-01",
    )
    .ev(
        "2025-08-02",
        EventBody::ResidentialSurveillance {
            designated_residence: false,
            approver: Some(president("钱检察长")),
        },
    );
    let c = pros.clock(ClockKey::ResidentialSurveillance, "2025-08-03");
    assert_eq!(c.due, Some(d("2026-02-02")));
}

fn arrested_may_12() -> Case {
    agency(
        CaseKind::Police,
        Procedure::Investigation,
        "2025-05-01T08:00",
    )
    .ev("2025-05-01T10:00", EventBody::Detained)
    .ev("2025-05-03", EventBody::ArrestRequested)
    .ev(
        "2025-05-12",
        EventBody::ArrestApproved {
            approver: president("钱检察长"),
        },
    )
}

#[test]
fn investigation_custody_restarts_for_another_major_crime_and_on_identification() {
    // Base: 2 months from 逮捕 2025-05-12 → 07-12.
    assert_eq!(
        arrested_may_12()
            .clock(ClockKey::InvestigationCustody, "2025-05-13")
            .due,
        Some(d("2025-07-12"))
    );
    // 另有重要罪行 found 06-20: counted again from that day → 08-20 (CrimPL 2018 art. 160 ¶1).
    let c = arrested_may_12()
        .ev(
            "2025-06-20",
            EventBody::OtherMajorCrimeFound {
                summary: "发现另有抢劫犯罪事实".into(),
            },
        )
        .clock(ClockKey::InvestigationCustody, "2025-06-21");
    assert_eq!(c.due, Some(d("2025-08-20")));
    assert!(c.why.iter().any(|w| w.text.contains("另有重要罪行")));
    // 身份查清 on 05-30: counted from identification → 07-30 (art. 160 ¶2).
    let c = arrested_may_12()
        .ev("2025-05-30", EventBody::IdentityEstablished)
        .clock(ClockKey::InvestigationCustody, "2025-05-31");
    assert_eq!(c.due, Some(d("2025-07-30")));
}

#[test]
fn an_arrest_request_for_a_suspect_not_detained_is_decided_in_fifteen_days() {
    // 规则 2019 art. 282: 15 days (≤ 20 if major). Requested 2025-05-10 → 05-25 (Sun) → 05-26.
    let case = agency(CaseKind::Police, Procedure::Investigation, "2025-05-01")
        .ev("2025-05-10", EventBody::ArrestRequested);
    let c = case.clock(ClockKey::ArrestDecision, "2025-05-11");
    assert_eq!(
        c.rule.as_deref(),
        Some("proc.arrest_decision.not_detained@1")
    );
    assert_eq!(c.nominal_due, Some(d("2025-05-25")));
    assert_eq!(c.due, Some(d("2025-05-26")));
    // Detained first: seven days, no roll-over.
    let c = arrested_may_12().clock(ClockKey::ArrestDecision, "2025-05-12T12:00");
    assert_eq!(c.rule.as_deref(), Some("proc.arrest_decision.detained@1"));
    assert_eq!(c.due, Some(d("2025-05-10")));
}

#[test]
fn second_instance_runs_from_receipt_of_the_case_file_and_venue_changes_restart() {
    // 刑终: the appeal and the file arrive 2025-03-06, the court files on 03-10. Two months from
    // receipt → 05-06 (Tue, a working day after the May Day break).
    let c = open("刑终", filing("盗窃罪"), "2025-03-10")
        .ev(
            "2025-03-06",
            EventBody::CaseReceived {
                via: Receipt::CaseFile,
            },
        )
        .clock(ClockKey::Trial, "2025-03-11");
    assert_eq!(c.started_at, at("2025-03-06"));
    assert_eq!(c.due, Some(d("2025-05-06")));
    // 改变管辖: counted from the new court's receipt (CrimPL 2018 art. 208 ¶2). 刑初 held
    // defendant, received 2025-04-01 → 06-01 (no roll-over in custody).
    let mut f = filing("故意伤害罪");
    f.in_custody = true;
    let c = open("刑初", f.clone(), "2025-03-03")
        .ev(
            "2025-04-01",
            EventBody::CaseReceived {
                via: Receipt::VenueChange,
            },
        )
        .clock(ClockKey::Trial, "2025-04-02");
    assert_eq!(c.due, Some(d("2025-06-01")));
    let c = open("刑初", f, "2025-03-03")
        .ev(
            "2025-04-01",
            EventBody::CaseReceived {
                via: Receipt::DesignatedJurisdiction,
            },
        )
        .clock(ClockKey::Trial, "2025-04-02");
    assert_eq!(c.due, Some(d("2025-06-01")));
}

#[test]
fn explanations_speak_chinese_and_cite_the_month_rule_where_it_is() {
    // No internal identifier (rule ids, event names) in any why line of these cases.
    let ascii_word = |t: &str| {
        t.split(|c: char| !c.is_ascii_alphabetic() && c != '_')
            .any(|w| w.len() >= 3 && w.chars().any(|c| c.is_ascii_lowercase()))
    };
    let cases = [
        open("行终", filing("行政处罚"), "2025-03-03"),
        open("民终", filing("合同纠纷"), "2025-03-03"),
        open("刑再", filing("盗窃罪"), "2025-03-03"),
        open("民初", filing("借款合同纠纷"), "2025-03-03"),
        detained_on_may_day(),
        arrested_may_12(),
        agency(CaseKind::Police, Procedure::Investigation, "2025-03-01").ev(
            "2025-03-01T10:00",
            EventBody::Summoned {
                extended_to_24h: false,
            },
        ),
    ];
    for case in &cases {
        for c in case.clocks_at("2026-03-20") {
            for w in &c.why {
                assert!(!ascii_word(&w.text), "{:?}: {}", c.key, w.text);
                let source = w.source.as_deref().unwrap_or_default();
                assert!(!source.contains("RULES"), "{:?}: {source}", c.key);
            }
        }
    }
    let c = open("民初", filing("借款合同纠纷"), "2025-03-03").clock(ClockKey::Trial, "2025-03-04");
    let months = c.why.iter().find(|w| w.step == "法定期限").unwrap();
    assert!(
        months
            .source
            .as_deref()
            .unwrap()
            .contains("民法典第二百零二条"),
        "{months:?}"
    );
}

#[test]
fn an_interrogation_under_summons_warns_before_twelve_hours() {
    // 传唤 2025-05-01 08:00 into the 办案区; 讯问 09:00–11:30 recorded, 14:00– unrecorded. The
    // 12 hours end at 20:00; the warning comes at 16:00 (4 hours before), not after.
    let case = agency(
        CaseKind::Police,
        Procedure::Investigation,
        "2025-05-01T07:00",
    )
    .ev(
        "2025-05-01T08:00",
        EventBody::Summoned {
            extended_to_24h: false,
        },
    )
    .ev("2025-05-01T08:05", EventBody::EnteredCaseArea)
    .ev(
        "2025-05-01T09:00",
        EventBody::InterrogationStarted {
            questioning: Questioning::Interrogation,
            recorded: true,
        },
    )
    .ev("2025-05-01T11:30", EventBody::InterrogationEnded)
    .ev(
        "2025-05-01T14:00",
        EventBody::InterrogationStarted {
            questioning: Questioning::Interrogation,
            recorded: false,
        },
    );
    let policy = WarnPolicy::default();
    let c = case.clock(ClockKey::Summons, "2025-05-01T15:00");
    assert_eq!(c.deadline, Some(at("2025-05-01T20:00")));
    assert!(assess(&c, at("2025-05-01T15:59"), &policy).is_empty());
    assert_eq!(
        next_fire(&c, at("2025-05-01T15:00"), &policy),
        Some(at("2025-05-01T16:00"))
    );
    let a = assess(&c, at("2025-05-01T16:00"), &policy);
    assert_eq!(a[0].category, Category::CustodyExpiring);
    let text: Vec<&str> = c.why.iter().map(|w| w.text.as_str()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("150 分钟") && t.contains("同步录音录像")),
        "{text:?}"
    );
    assert!(
        c.findings
            .iter()
            .any(|f| f.contains("第2次讯问未同步录音录像")),
        "{:?}",
        c.findings
    );
    // Released at 19:30: within the limit. Summoned again at 23:00 — 3.5 hours later — is a
    // finding (规则 2019 art. 83: 间隔一般不少于十二小时).
    let case = case
        .ev("2025-05-01T19:00", EventBody::InterrogationEnded)
        .ev("2025-05-01T19:20", EventBody::LeftCaseArea)
        .ev(
            "2025-05-01T19:30",
            EventBody::Released {
                reason: "传唤结束".into(),
            },
        );
    assert_eq!(
        case.clock(ClockKey::Summons, "2025-05-01T20:30").status,
        ClockStatus::Met
    );
    let case = case.ev(
        "2025-05-01T23:00",
        EventBody::Summoned {
            extended_to_24h: false,
        },
    );
    let c = case.clock(ClockKey::Summons, "2025-05-01T23:30");
    assert!(
        c.findings.iter().any(|f| f.contains("间隔仅 3.5 小时")),
        "{:?}",
        c.findings
    );
}

#[test]
fn after_detention_the_detention_center_the_first_interrogation_and_the_family_within_a_day() {
    // 拘留 2025-05-01 10:00: 看守所, 讯问 and family all by 05-02 10:00.
    let case = agency(
        CaseKind::Police,
        Procedure::Investigation,
        "2025-05-01T08:00",
    )
    .ev("2025-05-01T10:00", EventBody::Detained);
    // A source that reports nothing of the 执法办案管理中心 gets none of these clocks.
    assert!(
        case.clocks_at("2025-05-03")
            .iter()
            .all(|c| c.key != ClockKey::DeliveryToDetention)
    );
    let case = case.ev("2025-05-01T10:05", EventBody::EnteredCaseArea);
    for key in [
        ClockKey::DeliveryToDetention,
        ClockKey::FirstInterrogation,
        ClockKey::FamilyNotice,
    ] {
        let c = case.clock(key, "2025-05-01T12:00");
        assert_eq!(c.deadline, Some(at("2025-05-02T10:00")), "{key:?}");
        assert!(c.custody);
        assert_eq!(c.status, ClockStatus::Running);
        let a = assess(&c, at("2025-05-02T06:30"), &WarnPolicy::default());
        assert_eq!(a[0].category, Category::CustodyExpiring, "{key:?}");
    }
    let case = case
        .ev(
            "2025-05-01T15:00",
            EventBody::InterrogationStarted {
                questioning: Questioning::Interrogation,
                recorded: true,
            },
        )
        .ev("2025-05-01T17:00", EventBody::InterrogationEnded)
        .ev("2025-05-01T20:00", EventBody::DeliveredToDetentionCenter)
        .ev(
            "2025-05-02T16:00",
            EventBody::FamilyNotified {
                delay_reason: Some("无法取得联系".into()),
            },
        );
    let now = "2025-05-02T17:00";
    assert_eq!(
        case.clock(ClockKey::DeliveryToDetention, now).status,
        ClockStatus::Met
    );
    assert_eq!(
        case.clock(ClockKey::FirstInterrogation, now).status,
        ClockStatus::Met
    );
    let f = case.clock(ClockKey::FamilyNotice, now);
    assert_eq!(f.status, ClockStatus::Late);
    assert!(f.findings.iter().any(|x| x.contains("无法取得联系")));
    // The family notice is refused for a suspect who is not held.
    let mut free = agency(
        CaseKind::Police,
        Procedure::Investigation,
        "2025-05-01T08:00",
    );
    assert!(
        free.state
            .apply(
                &EventBody::FamilyNotified { delay_reason: None },
                at("2025-05-01T09:00"),
                at("2026-11-22")
            )
            .is_err()
    );
    // A second 讯问 cannot start while one is open.
    free = free.ev(
        "2025-05-01T09:00",
        EventBody::InterrogationStarted {
            questioning: Questioning::Inquiry,
            recorded: false,
        },
    );
    assert!(
        free.state
            .apply(
                &EventBody::InterrogationStarted {
                    questioning: Questioning::Interrogation,
                    recorded: true
                },
                at("2025-05-01T10:00"),
                at("2026-11-22")
            )
            .is_err()
    );
}

fn incident(filed: &str) -> Case {
    let mut f = filing("入室盗窃警情");
    f.case_kind = Some(CaseKind::Police);
    f.incident = true;
    let state = CaseState::open(
        &f,
        CaseKind::Police,
        Procedure::Investigation,
        None,
        at(filed),
        at("2026-11-22"),
    )
    .unwrap();
    Case { state }
}

#[test]
fn an_incident_report_runs_to_filing_and_a_late_one_is_found() {
    // 接警 2025-03-03 10:00 (Mon): 处警 recorded by 03-04 10:00; 受案 03-03 15:00 as criminal →
    // 立案审查 3 days → 03-06; filed 03-05: met, and the record becomes the investigation file.
    let case = incident("2025-03-03T10:00");
    assert_eq!(case.state.procedure, Procedure::Incident);
    let c = case.clock(ClockKey::IncidentRecord, "2025-03-03T11:00");
    assert_eq!(c.deadline, Some(at("2025-03-04T10:00")));
    assert!(!c.custody);
    let a = assess(&c, at("2025-03-04T07:00"), &WarnPolicy::default());
    assert_eq!(a[0].category, Category::Nearing);
    let case = case
        .ev("2025-03-03T10:20", EventBody::Dispatched)
        .ev(
            "2025-03-03T12:00",
            EventBody::IncidentHandled {
                result: "现场勘查，失窃现金两万元".into(),
            },
        )
        .ev(
            "2025-03-03T15:00",
            EventBody::CaseAccepted { criminal: true },
        );
    let r = case.clock(ClockKey::FilingReview, "2025-03-04");
    assert_eq!(r.due, Some(d("2025-03-06")));
    let case = case.ev(
        "2025-03-05",
        EventBody::FilingDecided {
            filed: true,
            reason: String::new(),
        },
    );
    assert_eq!(case.state.procedure, Procedure::Investigation);
    assert_eq!(
        case.clock(ClockKey::FilingReview, "2025-03-06").status,
        ClockStatus::Met
    );
    assert_eq!(
        case.clock(ClockKey::IncidentRecord, "2025-03-06").status,
        ClockStatus::Met
    );
}

#[test]
fn no_decision_is_有案不立_and_the_procuratorate_asks_why_then_orders_filing() {
    // 受案 03-03; no decision by 03-06 → overdue, found as 有案不立. The procuratorate's notice
    // arrives 03-10: reasons due 03-17 (Mon). 通知立案 received 03-20: filing due 04-04, which
    // is 清明 2025 (04-04 … 04-06) → rolled to 04-07.
    let case = incident("2025-03-03T10:00")
        .ev(
            "2025-03-03T11:00",
            EventBody::IncidentHandled {
                result: "报警人称被骗".into(),
            },
        )
        .ev(
            "2025-03-03T15:00",
            EventBody::CaseAccepted { criminal: true },
        );
    let r = case.clock(ClockKey::FilingReview, "2025-03-08");
    assert_eq!(r.status, ClockStatus::Overdue);
    assert!(
        r.findings.iter().any(|f| f.contains("有案不立")),
        "{:?}",
        r.findings
    );
    let case = case.ev("2025-03-10", EventBody::ExplanationRequested);
    let e = case.clock(ClockKey::ExplanationDue, "2025-03-11");
    assert_eq!(e.due, Some(d("2025-03-17")));
    let case = case
        .ev(
            "2025-03-14",
            EventBody::ExplanationGiven {
                reason: "尚需查证".into(),
            },
        )
        .ev("2025-03-20", EventBody::FilingOrdered);
    assert_eq!(
        case.clock(ClockKey::ExplanationDue, "2025-03-21").status,
        ClockStatus::Met
    );
    let f = case.clock(ClockKey::FilingAfterNotice, "2025-03-21");
    assert_eq!(f.nominal_due, Some(d("2025-04-04")));
    assert_eq!(f.due, Some(d("2025-04-07")));
    // A refusal without a reason is accepted and found.
    let refused = incident("2025-03-03T10:00")
        .ev(
            "2025-03-03T15:00",
            EventBody::CaseAccepted { criminal: true },
        )
        .ev(
            "2025-03-04",
            EventBody::FilingDecided {
                filed: false,
                reason: " ".into(),
            },
        );
    let r = refused.clock(ClockKey::FilingReview, "2025-03-05");
    assert!(
        r.findings.iter().any(|f| f == "不予立案未记录理由"),
        "{:?}",
        r.findings
    );
    // Only police records carry incident steps.
    let mut court = open("刑初", filing("盗窃罪"), "2025-03-03");
    assert!(
        court
            .state
            .apply(&EventBody::Dispatched, at("2025-03-04"), at("2026-11-22"))
            .is_err()
    );
}

fn transferred_by_commission(retained: bool) -> Case {
    agency(
        CaseKind::Prosecution,
        Procedure::ProsecutionReview,
        "2025-03-03T09:00",
    )
    .ev(
        "2025-03-03T10:00",
        EventBody::SupervisionCommissionTransfer {
            retained,
            retained_since: None,
        },
    )
}

#[test]
fn a_case_transferred_from_liuzhi_is_held_by_pre_detention_and_the_decision_days_are_not_review_days()
 {
    // CrimPL 2018 art. 170 ¶2: 留置 ends, the procuratorate holds the suspect by 先行拘留 and
    // decides within 10 days (+1 to 4); those days are not counted in the 审查起诉 limit.
    // Received 2025-03-03 → decide by 2025-03-13 (custody: no roll-over).
    let case = transferred_by_commission(true);
    let c = case.clock(ClockKey::CoerciveMeasureDecision, "2025-03-10");
    assert_eq!(c.due, Some(d("2025-03-13")), "{:#?}", c.why);
    assert_eq!(c.status, ClockStatus::Running);
    let text: String = c.why.iter().map(|w| w.text.clone()).collect();
    assert!(text.contains("先行拘留"), "{text}");
    // The review waits for the decision.
    let r = case.clock(ClockKey::ProsecutionReview, "2025-03-10");
    assert_eq!(r.status, ClockStatus::Awaiting, "{:#?}", r.why);
    // Not decided by the 13th: overdue.
    let late = case.clock(ClockKey::CoerciveMeasureDecision, "2025-03-14");
    assert_eq!(late.status, ClockStatus::Overdue);
    // 决定逮捕 on 03-12: met; the month of review runs from the decision: 2025-04-12 (held: no
    // roll-over although it is a Saturday).
    let decided = case.ev(
        "2025-03-12T10:00",
        EventBody::ArrestApproved {
            approver: president("钱检察长"),
        },
    );
    let c = decided.clock(ClockKey::CoerciveMeasureDecision, "2025-03-20");
    assert_eq!(c.status, ClockStatus::Met, "{:#?}", c.why);
    let r = decided.clock(ClockKey::ProsecutionReview, "2025-03-20");
    assert_eq!(r.due, Some(d("2025-04-12")), "{:#?}", r.why);
    let text: String = r.why.iter().map(|w| w.text.clone()).collect();
    assert!(text.contains("不计入审查起诉期限"), "{text}");
    // 取保候审 instead also ends the 先行拘留 and starts the review.
    let bailed = transferred_by_commission(true).ev(
        "2025-03-05T10:00",
        EventBody::BailGranted {
            approver: Some(president("钱检察长")),
        },
    );
    let c = bailed.clock(ClockKey::CoerciveMeasureDecision, "2025-03-20");
    assert_eq!(c.status, ClockStatus::Met);
    let r = bailed.clock(ClockKey::ProsecutionReview, "2025-03-20");
    assert_eq!(
        r.due,
        Some(d("2025-04-07")),
        "2025-04-05 is 清明 (not held: rolled over) {:#?}",
        r.why
    );
    // Without 留置 there is no 先行拘留: the month runs from receipt, 2025-04-03.
    let free = transferred_by_commission(false);
    assert!(
        free.clocks_at("2025-03-10")
            .iter()
            .all(|c| c.key != ClockKey::CoerciveMeasureDecision)
    );
    let r = free.clock(ClockKey::ProsecutionReview, "2025-03-10");
    assert_eq!(r.due, Some(d("2025-04-03")), "{:#?}", r.why);
}

#[test]
fn a_commission_transfer_belongs_to_the_procuratorate_and_comes_once() {
    let mut police = agency(
        CaseKind::Police,
        Procedure::Investigation,
        "2025-03-03T09:00",
    );
    let r = police.state.apply(
        &EventBody::SupervisionCommissionTransfer {
            retained: true,
            retained_since: None,
        },
        at("2025-03-03T10:00"),
        at("2026-11-22"),
    );
    assert_eq!(r.map_err(|e| e.code), Err("kind_mismatch"));
    let mut case = transferred_by_commission(true);
    let r = case.state.apply(
        &EventBody::SupervisionCommissionTransfer {
            retained: false,
            retained_since: None,
        },
        at("2025-03-04T10:00"),
        at("2026-11-22"),
    );
    assert_eq!(r.map_err(|e| e.code), Err("review_started"));
}

#[test]
fn the_liuzhi_before_the_transfer_is_checked_against_its_limits() {
    // 监察法 2024 art. 48: three months, +3, +2 (NSC). 留置 from 2024-12-01: three months end
    // 2025-03-01, the longest limit 2025-08-01.
    let from = |since: &str| {
        agency(
            CaseKind::Prosecution,
            Procedure::ProsecutionReview,
            "2025-03-03T09:00",
        )
        .ev(
            "2025-03-03T10:00",
            EventBody::SupervisionCommissionTransfer {
                retained: true,
                retained_since: Some(d(since)),
            },
        )
        .clock(ClockKey::CoerciveMeasureDecision, "2025-03-05")
    };
    let text = |c: &Clock| c.why.iter().map(|w| w.text.clone()).collect::<String>();
    // Within three months (2025-01-10 → 04-10): said, nothing found.
    let c = from("2025-01-10");
    assert!(text(&c).contains("共52日，未超过三个月"), "{}", text(&c));
    assert!(c.findings.is_empty());
    // Past three months, within the extensions: the approval is to be checked, not found.
    let c = from("2024-12-01");
    assert!(text(&c).contains("超过三个月"), "{}", text(&c));
    assert!(c.findings.is_empty(), "{:?}", c.findings);
    // Past the longest limit (2024-06-01 → 2025-02-01): found.
    let c = from("2024-06-01");
    assert_eq!(c.findings.len(), 1, "{:?}", c.findings);
    assert!(c.findings[0].starts_with("留置超期"), "{:?}", c.findings);
}
