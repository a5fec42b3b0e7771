//! Clock calculus tests. Expected dates are worked out by hand from RULES.md (sections cited) and
//! the holiday data in `rules/calendar/cn-holidays.toml`; none is produced by the code under test.

use super::*;
use crate::calendar::Calendar;
use crate::case_type::{self, Procedure};
use crate::event::{EventBody, Filing};
use crate::org::{AgencyKind, Level, OrgRef, Role};
use crate::rules::{Rollover, RuleSet};
use crate::timeline::{Approver, ExcludedKind};

fn rules() -> RuleSet {
    RuleSet::shipped().unwrap()
}

fn cal() -> Calendar {
    Calendar::parse(crate::rules::CALENDAR_TOML).unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A Beijing-time instant: "2025-03-03" (09:00) or "2025-03-03T10:00".
fn at(s: &str) -> DateTime<Utc> {
    let full = if s.len() == 10 {
        format!("{s}T09:00:00+08:00")
    } else {
        format!("{s}:00+08:00")
    };
    DateTime::parse_from_rfc3339(&full)
        .unwrap()
        .with_timezone(&Utc)
}

fn reck_of(case_kind: &str) -> Reckoning {
    match case_kind {
        "criminal" | "police" | "procuratorate" | "supervision_commission" => Reckoning::Criminal,
        _ => Reckoning::Civil,
    }
}

/// Every rule in `rules/limits.toml`, its limit from a start on Monday 2025-03-03 09:00 (Beijing),
/// worked out by hand. `custody`: the person is held (no roll-over for `no_if_in_custody`).
/// Expected: a date (day rules, after any roll-over), `T..` (hour rules), or "none" (no limit).
const EVERY_RULE: &[(&str, bool, &str, &str)] = &[
    // §1.1 civil. 6 months → 09-03 (Wed); 3 months → 06-03 (Tue); 2 months → 05-03 (Sat, in the
    // May Day break 05-01..05 of 2025) → 05-06; 30 days → 04-02; 15 days → 03-18.
    (
        "civ.first.ordinary",
        false,
        "2025-09-03",
        "§1.1 C1, CPL art. 152",
    ),
    (
        "civ.first.summary",
        false,
        "2025-06-03",
        "§1.1 C2, CPL art. 164",
    ),
    (
        "civ.first.small_claims",
        false,
        "2025-05-06",
        "§1.1 C3; 05-03 is a May Day rest day",
    ),
    ("civ.appeal.judgment", false, "2025-06-03", "§1.1 C4"),
    ("civ.appeal.ruling", false, "2025-04-02", "§1.1 C5"),
    ("civ.special", false, "2025-04-02", "§1.1 C6"),
    (
        "civ.special.voter_qualification",
        false,
        "none",
        "§1.1 C6a: before election day",
    ),
    ("civ.payment_order", false, "2025-03-18", "§1.1 C7"),
    (
        "civ.public_summons.notice_min",
        false,
        "2025-05-02",
        "§1.1 C8: 60 days, a minimum, no roll-over",
    ),
    ("civ.retrial_review", false, "2025-06-03", "§1.1 C9"),
    ("civ.retrial", false, "2025-09-03", "§1.1 C10, as C1"),
    (
        "civ.protest_retrial_ruling",
        false,
        "2025-04-02",
        "§1.1 C11",
    ),
    (
        "civ.procuratorate_review_of_application",
        false,
        "2025-06-03",
        "§1.1 C12",
    ),
    ("civ.foreign", false, "none", "§1.1 C13: not bound"),
    (
        "civ.maritime.collision_first",
        false,
        "2026-03-03",
        "§1.1 C14: 1 year",
    ),
    (
        "civ.sanction_review",
        false,
        "2025-03-10",
        "§1.1 C15: 5 days → Sat 03-08 → Mon 03-10",
    ),
    // §1.2 criminal (criminal month reckoning; in custody: no roll-over, §3.2).
    (
        "crim.first.public.ordinary",
        true,
        "2025-05-03",
        "§1.2 K1; in custody, Sat not rolled",
    ),
    (
        "crim.first.private.custody",
        true,
        "2025-05-03",
        "§1.2 K2, as K1",
    ),
    (
        "crim.first.private.no_custody",
        false,
        "2025-09-03",
        "§1.2 K3: 6 months",
    ),
    (
        "crim.first.summary",
        true,
        "2025-03-23",
        "§1.2 K4: 20 days, Sun, in custody",
    ),
    (
        "crim.first.fast_track",
        true,
        "2025-03-13",
        "§1.2 K4a: 10 days",
    ),
    (
        "crim.appeal",
        false,
        "2025-05-06",
        "§1.2 K5: not in custody, 05-03 rolls to 05-06",
    ),
    ("crim.retrial", true, "2025-06-03", "§1.2 K8: 3 months"),
    (
        "crim.protest_retrial_decision",
        false,
        "2025-04-03",
        "§1.2 K8a: 1 month",
    ),
    ("crim.petition_review", false, "2025-06-03", "§1.2 K9"),
    ("crim.death_review", true, "none", "§1.2 K10: no limit"),
    (
        "crim.below_minimum_review",
        true,
        "2025-05-03",
        "§1.2 K11: as K5",
    ),
    (
        "crim.confiscation",
        false,
        "2025-05-06",
        "§1.2 K12: as K1, roll-over yes",
    ),
    (
        "crim.commutation.death_reprieve",
        true,
        "2025-04-03",
        "§1.2 K13",
    ),
    (
        "crim.commutation.life_or_fixed_term",
        true,
        "2025-04-03",
        "§1.2 K13",
    ),
    (
        "crim.commutation.control_detention",
        false,
        "2025-04-03",
        "§1.2 K13",
    ),
    ("crim.fine_execution", false, "2025-06-03", "§1.2 K15"),
    // §1.3 administrative. 45 days from 03-03 → 04-17 (Thu).
    ("adm.first.ordinary", false, "2025-09-03", "§1.3 A1"),
    ("adm.first.summary", false, "2025-04-17", "§1.3 A2: 45 days"),
    ("adm.appeal", false, "2025-06-03", "§1.3 A3"),
    ("adm.retrial_review", false, "2025-09-03", "§1.3 A4"),
    (
        "adm.procuratorate_recommendation_review",
        false,
        "2025-06-03",
        "§1.3 A6",
    ),
    (
        "adm.non_litigation_enforcement_review",
        false,
        "2025-03-10",
        "§1.3 A8: 7 days",
    ),
    // §1.4 execution.
    ("exe.enforcement", false, "2025-09-03", "§1.4 E1"),
    ("exe.non_litigation", false, "2025-06-03", "§1.4 E2"),
    ("exe.upper_court_trigger", false, "2025-09-03", "§1.4 E3"),
    ("exe.delegated", false, "2025-04-02", "§1.4 E4: 30 days"),
    ("exe.objection", false, "2025-03-18", "§1.4 E5: 15 days"),
    ("exe.reconsideration", false, "2025-04-02", "§1.4 E6"),
    (
        "exe.final_stop.min_age",
        false,
        "2025-06-03",
        "§1.4 E7 (a minimum, n/a roll-over)",
    ),
    (
        "exe.final_stop.periodic_search",
        false,
        "2025-09-03",
        "§11.2: every 6 months",
    ),
    // §1.5 state compensation.
    (
        "comp.obligor_decision",
        false,
        "2025-05-06",
        "§1.5 S1: 2 months, 05-03 rolls",
    ),
    ("comp.reconsideration", false, "2025-05-06", "§1.5 S2"),
    ("comp.committee", false, "2025-06-03", "§1.5 S3"),
    (
        "comp.supervision_reexamination",
        false,
        "2025-05-06",
        "§1.5 S4",
    ),
    // §7 police, procuratorate, 监察. Hour rules from 10:00 (see `hour_start`).
    (
        "pol.summons_duration",
        true,
        "T2025-03-03T22:00",
        "§7.1 P1: 12 h",
    ),
    (
        "pol.detention.to_custody_facility",
        true,
        "T2025-03-04T10:00",
        "§7.1 P2: 24 h",
    ),
    (
        "pol.detention.notify_family",
        true,
        "T2025-03-04T10:00",
        "§7.1 P3",
    ),
    (
        "pol.detention.first_interrogation",
        true,
        "T2025-03-04T10:00",
        "§7.1 P4",
    ),
    ("pol.arrest_request", true, "2025-03-06", "§7.1 P5: 3 days"),
    (
        "proc.arrest_decision.detained",
        true,
        "2025-03-10",
        "§7.1 P6: 7 days",
    ),
    (
        "proc.arrest_decision.not_detained",
        false,
        "2025-03-18",
        "§7.1 P6: 15 days",
    ),
    (
        "proc.self_investigated.arrest_decision",
        true,
        "2025-03-17",
        "§7.1 P8: 14 days",
    ),
    (
        "pros.protest.judgment",
        false,
        "2025-03-13",
        "CrimPL art. 230: 10 days",
    ),
    (
        "pros.protest.ruling",
        false,
        "2025-03-10",
        "CrimPL art. 230: 5 days, Saturday 03-08 rolled over",
    ),
    (
        "pros.withdrawal.non_prosecution",
        false,
        "2025-04-02",
        "规则 art. 424: 30 days",
    ),
    (
        "proc.supervision_case.coercive_measure_decision",
        true,
        "2025-03-13",
        "§7.1 P9: 10 days",
    ),
    (
        "pol.arrest.post_steps",
        true,
        "T2025-03-04T10:00",
        "§7.1 P10",
    ),
    (
        "inv.custody",
        true,
        "2025-05-03",
        "§7.2: 2 months, Sat, no roll-over",
    ),
    (
        "pros.review_for_prosecution",
        true,
        "2025-04-03",
        "§7.3: 1 month",
    ),
    (
        "pros.review_for_prosecution.fast_track",
        true,
        "2025-03-13",
        "§7.3: 10 days",
    ),
    (
        "pros.supplementary_investigation",
        true,
        "2025-04-03",
        "§7.3: 1 month per round",
    ),
    (
        "court.supplementary_investigation_during_trial",
        true,
        "2025-04-03",
        "§2.2: 1 month",
    ),
    ("coercive.bail", false, "2026-03-03", "§7.1 P11: 12 months"),
    (
        "coercive.residential_surveillance",
        false,
        "2025-09-03",
        "§7.1 P12: 6 months",
    ),
    (
        "coercive.change_application",
        false,
        "2025-03-06",
        "§7.1 P13: 3 days, no roll-over",
    ),
    (
        "linkage.police_review_of_transfer",
        false,
        "2025-03-06",
        "§7.4: 3 days",
    ),
    (
        "linkage.filing_supervision",
        false,
        "2025-03-10",
        "§7.4: 7 days",
    ),
    (
        "linkage.filing_after_notice",
        false,
        "2025-03-18",
        "§7.4: 通知立案 → 15 days",
    ),
    (
        "pol.incident.record",
        false,
        "T2025-03-04T10:00",
        "警情 recorded within 24 hours [U]",
    ),
    (
        "pol.filing_review",
        false,
        "2025-03-06",
        "立案审查 3 days [S]",
    ),
    (
        "adm_police.questioning",
        false,
        "T2025-03-03T18:00",
        "§7.5: 8 h",
    ),
    (
        "adm_police.case_handling",
        false,
        "2025-04-02",
        "§7.5: 30 days",
    ),
    (
        "adm_police.continued_questioning",
        true,
        "T2025-03-04T10:00",
        "§7.5: 24 h",
    ),
    (
        "sup.compelled_appearance",
        true,
        "T2025-03-03T22:00",
        "§7.6: 12 h",
    ),
    (
        "sup.custodial_protection",
        true,
        "2025-03-10",
        "§7.6: 7 days",
    ),
    ("sup.retention", true, "2025-06-03", "§7.6: 3 months"),
    (
        "sup.order_to_await_investigation",
        false,
        "2026-03-03",
        "§7.6: 12 months",
    ),
];

#[test]
fn every_rule_has_a_hand_worked_limit() {
    let rs = rules();
    let c = cal();
    let ids: std::collections::BTreeSet<&str> = rs.rules.iter().map(|r| r.id.as_str()).collect();
    let tested: std::collections::BTreeSet<&str> = EVERY_RULE.iter().map(|t| t.0).collect();
    assert_eq!(
        ids, tested,
        "every rule in rules/limits.toml needs a row here"
    );
    let start = d("2025-03-03");
    let hour_start = at("2025-03-03T10:00");
    for (id, custody, want, source) in EVERY_RULE {
        let rule = rs.rule(id).unwrap();
        let got = match rule.base {
            None => "none".to_string(),
            Some(_) if rule.no_limit => "none".to_string(),
            Some(p) if p.unit == Unit::Hour => {
                let t = hour_start + Duration::hours(p.amount as i64);
                format!("T{}", t.with_timezone(&beijing()).format("%Y-%m-%dT%H:%M"))
            }
            Some(p) => {
                let nominal = end_date(start, p, reck_of(&rule.case_kind));
                let roll = match rule.rollover {
                    Rollover::Yes => true,
                    Rollover::NoIfInCustody => !custody,
                    _ => false,
                };
                let due = if roll {
                    c.roll_forward(nominal).to
                } else {
                    nominal
                };
                due.to_string()
            }
        };
        assert_eq!(&got, want, "rule {id} ({source})");
    }
}

// ---- end-to-end through the fold -----------------------------------------------------------

#[derive(Clone)]
struct Case {
    state: CaseState,
}

fn filing(cause: &str) -> Filing {
    Filing {
        case_kind: None,
        org_id: None,
        cause: cause.into(),
        charges: vec![],
        parties: vec![],
        confidentiality: None,
        summary_procedure: false,
        fast_track: false,
        small_claims: false,
        in_custody: false,
        foreign_related: false,
        claim_amount_yuan: None,
        origin_case_number: None,
        private_prosecution: false,
        ruling_appeal: false,
        incident: false,
    }
}

fn open(type_code: &str, f: Filing, filed: &str) -> Case {
    let t = case_type::lookup(type_code).unwrap();
    let state = CaseState::open(
        &f,
        t.kind,
        t.procedure,
        Some(type_code.into()),
        at(filed),
        at("2026-11-22"),
    )
    .unwrap();
    Case { state }
}

fn agency(kind: CaseKind, procedure: Procedure, filed: &str) -> Case {
    let mut f = filing("盗窃");
    f.case_kind = Some(kind);
    let state = CaseState::open(&f, kind, procedure, None, at(filed), at("2026-11-22")).unwrap();
    Case { state }
}

impl Case {
    fn ev(mut self, when: &str, body: EventBody) -> Case {
        self.state.apply(&body, at(when), at("2026-11-22")).unwrap();
        self
    }
    fn clocks_at(&self, now: &str) -> Vec<Clock> {
        let rs = rules();
        let c = cal();
        let full = Engine {
            rules: &rs,
            calendar: &c,
            explain: true,
        }
        .clocks(&self.state, at(now));
        // Without the explanation (why lines, citation) every date, status and finding is the same.
        let lean = Engine {
            rules: &rs,
            calendar: &c,
            explain: false,
        }
        .clocks(&self.state, at(now));
        let strip = |v: &[Clock]| {
            v.iter()
                .map(|c| Clock {
                    why: vec![],
                    citation: String::new(),
                    ..c.clone()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&full), strip(&lean));
        full
    }
    fn clock(&self, key: ClockKey, now: &str) -> Clock {
        self.clocks_at(now)
            .into_iter()
            .find(|c| c.key == key)
            .unwrap_or_else(|| panic!("no {key:?} clock"))
    }
}

fn president(name: &str) -> Approver {
    Approver {
        name: name.into(),
        role: Role::President,
        org: None,
    }
}

#[test]
fn civil_ordinary_mid_autumn_2024_with_make_up_saturday() {
    // RULES.md §3.5: 立案 2024-03-15 → nominal 2024-09-15 (Sun, 中秋); 09-14 (Sat) was a working
    // day; 09-15..17 rest → rolled 2024-09-18.
    let c = open("民初", filing("买卖合同纠纷"), "2024-03-15").clock(ClockKey::Trial, "2024-06-01");
    assert_eq!(c.rule.as_deref(), Some("civ.first.ordinary@1"));
    assert_eq!(c.nominal_due, Some(d("2024-09-15")));
    assert_eq!(c.due, Some(d("2024-09-18")));
    assert_eq!(c.status, ClockStatus::Running);
    assert!(!c.provisional);
    let roll = c.why.iter().find(|w| w.step == "节假日顺延").unwrap();
    assert!(
        roll.text.contains("2024 年国务院节假日安排"),
        "{}",
        roll.text
    );
    assert!(roll.text.contains("中秋"), "{}", roll.text);
}

#[test]
fn civil_summary_saturday_rolls_to_monday() {
    // RULES.md §3.5: 立案 2024-08-31, 3 months → 2024-11-30 (Sat) → 2024-12-02.
    let mut f = filing("民间借贷纠纷");
    f.summary_procedure = true;
    let c = open("民初", f, "2024-08-31").clock(ClockKey::Trial, "2024-09-01");
    assert_eq!(c.rule.as_deref(), Some("civ.first.summary@1"));
    assert_eq!(
        (c.nominal_due, c.due),
        (Some(d("2024-11-30")), Some(d("2024-12-02")))
    );
}

#[test]
fn a_limit_ending_in_the_spring_festival_week_and_on_a_make_up_saturday() {
    // 2026 Spring Festival: rest 02-15..02-23; 02-14 (Sat) and 02-28 (Sat) were working days.
    // 立案 2025-08-16 + 6 months = 2026-02-16 (rest) → first working day 2026-02-24.
    let c = open("民初", filing("租赁合同纠纷"), "2025-08-16").clock(ClockKey::Trial, "2025-09-01");
    assert_eq!(
        (c.nominal_due, c.due),
        (Some(d("2026-02-16")), Some(d("2026-02-24")))
    );
    // 立案 2025-08-14 + 6 months = 2026-02-14, a Saturday that was a 调休 working day: no roll-over.
    let c = open("民初", filing("租赁合同纠纷"), "2025-08-14").clock(ClockKey::Trial, "2025-09-01");
    assert_eq!(c.due, Some(d("2026-02-14")));
    assert!(c.why.iter().any(|w| w.text.contains("为工作日，无需顺延")));
}

#[test]
fn criminal_custody_limit_ends_on_a_holiday_without_roll_over() {
    // RULES.md §3.5: 受理 2024-07-31, in custody → 2024-09-30 (last day of the month), no roll-over.
    let mut f = filing("盗窃罪");
    f.in_custody = true;
    let c = open("刑初", f.clone(), "2024-07-31").clock(ClockKey::Trial, "2024-08-01");
    assert_eq!(c.due, Some(d("2024-09-30")));
    assert!(c.custody);
    // 受理 2025-08-01 + 2 months = 2025-10-01 (National Day): in custody it stays 10-01 …
    let c = open("刑初", f, "2025-08-01").clock(ClockKey::Trial, "2025-08-02");
    assert_eq!(c.due, Some(d("2025-10-01")));
    assert!(c.why.iter().any(|w| w.text.contains("在押")));
    // … not in custody it rolls past the Golden Week (10-01..08) to 10-09.
    let c = open("刑初", filing("盗窃罪"), "2025-08-01").clock(ClockKey::Trial, "2025-08-02");
    assert_eq!(c.due, Some(d("2025-10-09")));
}

#[test]
fn fast_track_in_the_2025_spring_festival() {
    // RULES.md §3.5: 受理 2025-01-24 (Fri), 10 days → 2025-02-03, inside the 01-28..02-04 break.
    let mut f = filing("危险驾驶罪");
    f.fast_track = true;
    f.in_custody = true;
    let c = open("刑初", f.clone(), "2025-01-24").clock(ClockKey::Trial, "2025-01-25");
    assert_eq!(c.rule.as_deref(), Some("crim.first.fast_track@2"));
    assert_eq!(c.due, Some(d("2025-02-03")));
    f.in_custody = false;
    let c = open("刑初", f, "2025-01-24").clock(ClockKey::Trial, "2025-01-25");
    assert_eq!(c.due, Some(d("2025-02-05")));
}

#[test]
fn summary_to_ordinary_civil_continues_criminal_restarts() {
    // Civil (民诉解释 art. 258): no restart — 6 months from the original 立案 2025-03-03 → 09-03.
    let mut f = filing("合同纠纷");
    f.summary_procedure = true;
    let c = open("民初", f, "2025-03-03")
        .ev(
            "2025-05-10",
            EventBody::ProcedureConverted {
                from: "summary".into(),
                to: "ordinary".into(),
            },
        )
        .clock(ClockKey::Trial, "2025-05-11");
    assert_eq!(c.rule.as_deref(), Some("civ.first.ordinary@1"));
    assert_eq!(c.due, Some(d("2025-09-03")));
    // Criminal (刑诉解释 art. 368): a new 2-month limit from the decision 2025-03-10 → 05-10 (Sat;
    // in custody, no roll-over).
    let mut f = filing("故意伤害罪");
    f.summary_procedure = true;
    f.in_custody = true;
    let c = open("刑初", f, "2025-03-03")
        .ev(
            "2025-03-10",
            EventBody::ProcedureConverted {
                from: "summary".into(),
                to: "ordinary".into(),
            },
        )
        .clock(ClockKey::Trial, "2025-03-11");
    assert_eq!(c.rule.as_deref(), Some("crim.first.public.ordinary@1"));
    assert_eq!(c.started_at, at("2025-03-10"));
    assert_eq!(c.due, Some(d("2025-05-10")));
}

#[test]
fn two_rounds_of_supplementary_investigation_restart_the_review_limit() {
    // CrimPL art. 175: each round ≤ 1 month; review restarts on re-transfer.
    let case = agency(
        CaseKind::Prosecution,
        Procedure::ProsecutionReview,
        "2025-03-03",
    )
    .ev(
        "2025-03-20",
        EventBody::ReturnedForSupplementaryInvestigation {
            reason: "证据不足".into(),
        },
    );
    let review = case.clock(ClockKey::ProsecutionReview, "2025-03-25");
    assert_eq!(review.status, ClockStatus::Awaiting);
    let sup = case.clock(ClockKey::SupplementaryInvestigation, "2025-03-25");
    // 1 month from 03-20 = 04-20 (Sun); nobody is held → first working day 04-21.
    assert_eq!(sup.due, Some(d("2025-04-21")));
    let case = case
        .ev(
            "2025-04-10",
            EventBody::ResubmittedAfterSupplementaryInvestigation,
        )
        .ev(
            "2025-04-20",
            EventBody::ReturnedForSupplementaryInvestigation {
                reason: "仍需补证".into(),
            },
        )
        .ev(
            "2025-05-15",
            EventBody::ResubmittedAfterSupplementaryInvestigation,
        );
    let review = case.clock(ClockKey::ProsecutionReview, "2025-05-16");
    // Restarted 2025-05-15 + 1 month = 06-15 (Sun); not in custody → Mon 06-16.
    assert_eq!(review.started_at, at("2025-05-15"));
    assert_eq!(review.due, Some(d("2025-06-16")));
    let sup = case.clock(ClockKey::SupplementaryInvestigation, "2025-05-16");
    assert_eq!(sup.status, ClockStatus::Met);
    assert!(sup.why[1].text.contains("第2次"));
}

#[test]
fn a_remanded_case_starts_a_new_full_limit() {
    // CrimPL 2018 art. 241: after 发回重审 the first-instance court restarts the full limit from
    // receipt of the remanded case. Tianping records the retrial under its new 刑初 number, filed
    // on receipt: the original case is closed (remanded) and its clock stopped in time; the new
    // one counts two months from receipt 2025-06-10 → 2025-08-10 (Sun, held: no roll-over).
    let original = open("刑初", filing("诈骗罪"), "2025-01-06")
        .ev(
            "2025-02-20",
            EventBody::Closed {
                disposition: crate::event::Disposition::Judgment,
                sentence_months: Some(36),
                amount_yuan: None,
                penalty: None,
            },
        )
        .ev(
            "2025-02-25",
            EventBody::Appealed {
                by: "被告人".into(),
            },
        )
        .ev(
            "2025-06-05",
            EventBody::Remanded {
                new_case_number: Some("（2025）浙0102刑初88号".into()),
            },
        );
    assert_eq!(
        original.clock(ClockKey::Trial, "2025-06-10").status,
        ClockStatus::Met
    );
    let mut f = filing("诈骗罪");
    f.in_custody = true;
    f.origin_case_number = Some("（2025）浙0102刑初1号".into());
    let retrial = open("刑初", f, "2025-06-10").clock(ClockKey::Trial, "2025-06-11");
    assert_eq!(retrial.started_at, at("2025-06-10"));
    assert_eq!(retrial.due, Some(d("2025-08-10")));
}

#[test]
fn a_year_with_no_calendar_is_provisional() {
    // 立案 2026-07-03 + 6 months = 2027-01-03 (Sun). 2027 is unpublished: weekends only → 01-04.
    let c = open("民初", filing("合同纠纷"), "2026-07-03").clock(ClockKey::Trial, "2026-11-22");
    assert_eq!(c.due, Some(d("2027-01-04")));
    assert!(c.provisional);
    assert!(c.why.iter().any(|w| w.text.contains("尚未发布")));
}

#[test]
fn excluded_periods_merge_and_only_applicable_kinds_count() {
    // Appraisal 04-01..04-21 (20 days) → 2025-09-03 + 20 = 09-23 (Tue).
    let base = open("民初", filing("医疗损害责任纠纷"), "2025-03-03").ev(
        "2025-04-01",
        EventBody::ExcludedPeriodStarted {
            period: ExcludedKind::Appraisal,
            reason: "司法鉴定".into(),
            approver: None,
        },
    );
    let paused = base.clock(ClockKey::Trial, "2025-04-10");
    assert_eq!(paused.status, ClockStatus::Paused);
    let c = base.ev(
        "2025-04-21",
        EventBody::ExcludedPeriodEnded {
            period: ExcludedKind::Appraisal,
        },
    );
    let one = c.clock(ClockKey::Trial, "2025-05-01");
    assert_eq!((one.excluded_days, one.due), (20, Some(d("2025-09-23"))));
    // A jurisdiction objection 04-10..04-30 overlaps: union 04-01..04-30 = 29 days → 10-02, in the
    // 2025 National Day break (10-01..08) → 10-09.
    let c = c
        .ev(
            "2025-04-10",
            EventBody::ExcludedPeriodStarted {
                period: ExcludedKind::JurisdictionDispute,
                reason: "管辖权异议".into(),
                approver: None,
            },
        )
        .ev(
            "2025-04-30",
            EventBody::ExcludedPeriodEnded {
                period: ExcludedKind::JurisdictionDispute,
            },
        );
    let two = c.clock(ClockKey::Trial, "2025-05-01");
    assert_eq!(two.excluded_days, 29);
    assert_eq!(
        (two.nominal_due, two.due),
        (Some(d("2025-10-02")), Some(d("2025-10-09")))
    );
    // Psychiatric appraisal is not an excluded kind for civil cases: listed, not deducted.
    let c = c
        .ev(
            "2025-05-05",
            EventBody::ExcludedPeriodStarted {
                period: ExcludedKind::PsychiatricAppraisal,
                reason: "误录".into(),
                approver: None,
            },
        )
        .ev(
            "2025-05-25",
            EventBody::ExcludedPeriodEnded {
                period: ExcludedKind::PsychiatricAppraisal,
            },
        );
    let three = c.clock(ClockKey::Trial, "2025-06-01");
    assert_eq!(three.excluded_days, 29);
    assert!(three.why.iter().any(|w| w.step == "不予扣除"));
}

#[test]
fn extensions_apply_in_order_and_are_validated() {
    let filed = || {
        open("民初", filing("建设工程施工合同纠纷"), "2025-03-03").ev(
            "2025-08-10",
            EventBody::ExtensionRequested {
                amount: 6,
                unit: PeriodUnit::Month,
                reason: "案情复杂".into(),
            },
        )
    };
    // 院长 approves 6 months on 08-20: from 09-03 → 2026-03-03. Applied ≥ 15 days and decided ≥ 5
    // days before expiry (延长审限规定 art. 1): no findings.
    let c = filed()
        .ev(
            "2025-08-20",
            EventBody::ExtensionApproved {
                approver: president("王院长"),
                amount: 6,
                unit: PeriodUnit::Month,
                ground: None,
            },
        )
        .clock(ClockKey::Trial, "2025-09-01");
    assert_eq!(c.due, Some(d("2026-03-03")));
    assert!(c.findings.is_empty(), "{:?}", c.findings);
    // The next step is the superior court's: apply by 15 days before 2026-03-03.
    assert_eq!(c.apply_by, Some(d("2026-02-16")));
    // Approved after expiry: void (审限规定 art. 14).
    let c = filed()
        .ev(
            "2025-09-05",
            EventBody::ExtensionApproved {
                approver: president("王院长"),
                amount: 6,
                unit: PeriodUnit::Month,
                ground: None,
            },
        )
        .clock(ClockKey::Trial, "2025-09-06");
    assert_eq!(c.due, Some(d("2025-09-03")));
    assert_eq!(c.status, ClockStatus::Overdue);
    assert!(
        c.findings.iter().any(|f| f.contains("延长无效")),
        "{:?}",
        c.findings
    );
    // A division chief cannot approve: not counted.
    let c = filed()
        .ev(
            "2025-08-20",
            EventBody::ExtensionApproved {
                approver: Approver {
                    name: "李庭长".into(),
                    role: Role::DivisionChief,
                    org: None,
                },
                amount: 6,
                unit: PeriodUnit::Month,
                ground: None,
            },
        )
        .clock(ClockKey::Trial, "2025-08-21");
    assert_eq!(c.due, Some(d("2025-09-03")));
    assert!(c.findings.iter().any(|f| f.contains("不符")));
}

#[test]
fn summary_extension_is_capped_at_four_months() {
    // 民初 summary: 3 months + 1 month by 院长, maximum 4 months (CPL art. 164; 民诉解释 art. 258).
    // A recorded 2-month extension counts as 1 month: 2025-03-03 → 06-03 → 07-03.
    let mut f = filing("物业服务合同纠纷");
    f.summary_procedure = true;
    let c = open("民初", f, "2025-03-03")
        .ev(
            "2025-05-10",
            EventBody::ExtensionRequested {
                amount: 2,
                unit: PeriodUnit::Month,
                reason: "需调取证据".into(),
            },
        )
        .ev(
            "2025-05-20",
            EventBody::ExtensionApproved {
                approver: president("王院长"),
                amount: 2,
                unit: PeriodUnit::Month,
                ground: None,
            },
        )
        .clock(ClockKey::Trial, "2025-05-21");
    assert_eq!(c.due, Some(d("2025-07-03")));
    assert!(
        c.findings.iter().any(|f| f.contains("按 1个月 计")),
        "{:?}",
        c.findings
    );
}

#[test]
fn police_custody_timeline_hours_and_days() {
    // RULES.md §3.5: 拘留 2025-05-01 10:00 → 提请批捕 within 3 days → 05-04; +4 days → 05-08;
    // the May Day break is irrelevant (custody).
    let case = agency(
        CaseKind::Police,
        Procedure::Investigation,
        "2025-05-01T08:00",
    )
    .ev(
        "2025-05-01T08:00",
        EventBody::Summoned {
            extended_to_24h: false,
        },
    );
    let s = case.clock(ClockKey::Summons, "2025-05-01T09:00");
    assert_eq!(s.deadline, Some(at("2025-05-01T20:00")));
    let case = case.ev("2025-05-01T10:00", EventBody::Detained);
    let s = case.clock(ClockKey::Summons, "2025-05-01T11:00");
    assert_eq!(s.status, ClockStatus::Met);
    let ar = case.clock(ClockKey::ArrestRequest, "2025-05-02");
    assert_eq!(ar.due, Some(d("2025-05-04")));
    assert!(ar.custody);
    let case = case
        .ev(
            "2025-05-03",
            EventBody::ExtensionRequested {
                amount: 4,
                unit: PeriodUnit::Day,
                reason: "流窜作案".into(),
            },
        )
        .ev(
            "2025-05-03T12:00",
            EventBody::ExtensionApproved {
                approver: president("赵局长"),
                amount: 4,
                unit: PeriodUnit::Day,
                ground: None,
            },
        );
    assert_eq!(
        case.clock(ClockKey::ArrestRequest, "2025-05-04").due,
        Some(d("2025-05-08"))
    );
    let case = case.ev("2025-05-07", EventBody::ArrestRequested).ev(
        "2025-05-12",
        EventBody::ArrestApproved {
            approver: president("钱检察长"),
        },
    );
    let ad = case.clock(ClockKey::ArrestDecision, "2025-05-12T12:00");
    assert_eq!(
        (ad.due, ad.status),
        (Some(d("2025-05-14")), ClockStatus::Met)
    );
    // Investigation custody: 2 months from 05-12 → 07-12 (Sat, no roll-over).
    let ic = case.clock(ClockKey::InvestigationCustody, "2025-05-13");
    assert_eq!(ic.due, Some(d("2025-07-12")));
}

#[test]
fn summons_extended_to_24_hours() {
    let case = agency(
        CaseKind::Police,
        Procedure::Investigation,
        "2025-05-01T08:00",
    )
    .ev(
        "2025-05-01T10:00",
        EventBody::Summoned {
            extended_to_24h: true,
        },
    );
    let s = case.clock(ClockKey::Summons, "2025-05-01T11:00");
    assert_eq!(s.deadline, Some(at("2025-05-02T10:00")));
    let a = assess(&s, at("2025-05-02T07:00"), &WarnPolicy::default());
    assert_eq!(a[0].category, Category::CustodyExpiring);
}

#[test]
fn a_type_code_without_a_rule_says_so() {
    let c = open("民辖", filing("管辖"), "2025-03-03").clock(ClockKey::Trial, "2025-03-04");
    assert_eq!(c.status, ClockStatus::NoRule);
    assert!(c.why[0].text.contains("民辖"));
    assert_eq!(
        assess(&c, at("2025-03-04"), &WarnPolicy::default())[0].category,
        Category::NoRule
    );
    let c = open("刑核", filing("死刑复核"), "2025-03-03").clock(ClockKey::Trial, "2025-03-04");
    assert_eq!(c.status, ClockStatus::NoLimit);
}

#[test]
fn long_pending_tiers() {
    let case = open("民初", filing("合同纠纷"), "2024-09-01");
    let c = case.clock(ClockKey::LongPending, "2025-09-15");
    assert_eq!(c.tier_months, Some(12));
    assert_eq!(c.due, Some(d("2026-03-01")), "next tier: 18 months");
    let a = assess(&c, at("2025-09-15"), &WarnPolicy::default());
    assert_eq!(a[0].threshold, "long_pending:12");
    assert_eq!(
        next_fire(&c, at("2025-09-15"), &WarnPolicy::default()),
        Some(local_midnight(d("2026-03-02")))
    );
}

#[test]
fn warnings_and_next_fire() {
    let case = open("民初", filing("合同纠纷"), "2025-03-03");
    let p = WarnPolicy::default();
    // Due 09-03. On 08-10: 24 days left → nearing:30.
    let c = case.clock(ClockKey::Trial, "2025-08-10");
    let a = assess(&c, at("2025-08-10"), &p);
    assert!(a.iter().any(|x| x.threshold == "nearing:30"), "{a:?}");
    // The extension window (apply by 08-19) closes within 5 days on 08-14.
    let a = assess(&c, at("2025-08-15"), &p);
    assert!(
        a.iter().any(|x| x.category == Category::ExtensionWindow),
        "{a:?}"
    );
    // Next change after 08-10 09:00: the extension-window opening (08-14 00:00).
    assert_eq!(
        next_fire(&c, at("2025-08-10"), &p),
        Some(local_midnight(d("2025-08-14")))
    );
    let c = case.clock(ClockKey::Trial, "2025-09-03");
    assert_eq!(
        assess(&c, at("2025-09-03"), &p)[0].category,
        Category::DueToday
    );
    let c = case.clock(ClockKey::Trial, "2025-09-04");
    assert_eq!(c.status, ClockStatus::Overdue);
    assert_eq!(
        assess(&c, at("2025-09-04"), &p)[0].category,
        Category::Overdue
    );
    assert_eq!(next_fire(&c, at("2025-09-04"), &p), None);
}

// ---- properties --------------------------------------------------------------------------------

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn an_excluded_period_never_makes_a_due_date_earlier(
        filed_off in 0i64..700, start_off in 0i64..200, len in 0i64..90, now_off in 0i64..400,
    ) {
        let filed = d("2024-01-01") + Duration::days(filed_off);
        let s = filed + Duration::days(start_off);
        let e = s + Duration::days(len);
        let now = (filed + Duration::days(now_off)).max(e).to_string();
        let base = open("民初", filing("合同纠纷"), &filed.to_string());
        let before = base.clock(ClockKey::Trial, &now);
        let after = base
            .ev(&s.to_string(), EventBody::ExcludedPeriodStarted {
                period: ExcludedKind::Appraisal, reason: "鉴定".into(), approver: None })
            .ev(&e.to_string(), EventBody::ExcludedPeriodEnded { period: ExcludedKind::Appraisal })
            .clock(ClockKey::Trial, &now);
        prop_assert!(after.due >= before.due);
        prop_assert!(after.excluded_days >= before.excluded_days);
    }

    #[test]
    fn an_approved_extension_never_shortens(
        filed_off in 0i64..700, req in 1i64..170, amount in 1u32..8, month: bool,
    ) {
        let filed = d("2024-01-01") + Duration::days(filed_off);
        let r = filed + Duration::days(req);
        let base = open("民初", filing("合同纠纷"), &filed.to_string());
        let before = base.clock(ClockKey::Trial, &r.to_string());
        let unit = if month { PeriodUnit::Month } else { PeriodUnit::Day };
        let after = base
            .ev(&r.to_string(), EventBody::ExtensionRequested { amount, unit, reason: "复杂".into() })
            .ev(&r.to_string(), EventBody::ExtensionApproved {
                approver: president("院长"), amount, unit, ground: None, })
            .clock(ClockKey::Trial, &r.to_string());
        prop_assert!(after.due >= before.due);
    }

    #[test]
    fn a_rolled_due_date_is_a_working_day_and_custody_never_rolls(
        filed_off in 0i64..1000, custody: bool,
    ) {
        let filed = d("2023-01-01") + Duration::days(filed_off);
        let mut f = filing("盗窃罪");
        f.in_custody = custody;
        let c = open("刑初", f, &filed.to_string()).clock(ClockKey::Trial, &filed.to_string());
        let (nominal, due) = (c.nominal_due.unwrap(), c.due.unwrap());
        if custody {
            prop_assert_eq!(nominal, due);
        } else {
            prop_assert!(!cal().is_rest_day(due));
            prop_assert!(due >= nominal);
        }
        let m = open("民初", filing("合同纠纷"), &filed.to_string()).clock(ClockKey::Trial, &filed.to_string());
        prop_assert!(!cal().is_rest_day(m.due.unwrap()) || m.provisional);
    }
}

fn unit(id: &str, kind: AgencyKind, level: Level, path: &str) -> OrgRef {
    OrgRef {
        id: id.into(),
        name: format!("{id}名"),
        kind: Some(kind),
        level: Some(level),
        region_path: path.into(),
    }
}

#[test]
fn the_approving_body_is_checked_against_the_rule() {
    use crate::rules::ApproverBody as B;
    use AgencyKind::{Court, Police, Procuratorate};
    use Level::{City, County, Province};
    let basic = unit("sc-court", Court, County, "/33/3301/330102/");
    let other_basic = unit("xh-court", Court, County, "/33/3301/330106/");
    let hz = unit("hz-court", Court, City, "/33/3301/");
    let nb = unit("nb-court", Court, City, "/33/3302/");
    let high = unit("zj-court", Court, Province, "/33/");
    let sc_proc = unit("sc-proc", Procuratorate, County, "/33/3301/330102/");
    let hz_proc = unit("hz-proc", Procuratorate, City, "/33/3301/");
    let zj_proc = unit("zj-proc", Procuratorate, Province, "/33/");
    let sc_police = unit("sc-police", Police, County, "/33/3301/330102/");
    let hz_police = unit("hz-police", Police, City, "/33/3301/");
    let fits =
        |by, u: &OrgRef, v: &OrgRef| matches!(body_fits(by, Some(u), Some(v)), BodyCheck::Fits(_));
    // (body, approving organisation, case's organisation, fits)
    let table = [
        (B::CourtPresident, &basic, &basic, true),
        (B::CourtPresident, &other_basic, &basic, false),
        (B::CourtPresident, &hz, &basic, false),
        (B::CourtPresidentOrVice, &basic, &basic, true),
        (B::SuperiorCourt, &hz, &basic, true),
        (B::SuperiorCourt, &basic, &basic, false),
        (B::SuperiorCourt, &nb, &basic, false),
        (B::SuperiorCourt, &high, &basic, false),
        (B::SuperiorCourt, &high, &hz, true),
        (B::SuperiorCourt, &hz_proc, &basic, false),
        (B::HighCourt, &high, &basic, true),
        (B::HighCourt, &hz, &basic, false),
        (B::HighCourtFiling, &basic, &basic, true),
        (B::HighCourtFiling, &high, &basic, true),
        (B::HighCourtFiling, &hz, &basic, false),
        (B::HigherProcuratorate, &hz_proc, &sc_police, true),
        (B::HigherProcuratorate, &sc_proc, &sc_police, false),
        (B::HigherProcuratorate, &zj_proc, &sc_police, false),
        (B::HigherProcuratorate, &hz, &sc_police, false),
        (B::ProvincialProcuratorate, &zj_proc, &sc_police, true),
        (B::ProvincialProcuratorate, &hz_proc, &sc_police, false),
        (B::CountyPoliceHead, &sc_police, &sc_police, true),
        (B::CountyPoliceHead, &hz_police, &sc_police, true),
        (B::CountyPoliceHead, &sc_proc, &sc_police, false),
        (B::CountyPoliceHead, &sc_proc, &sc_proc, true),
        (B::SuperiorPolice, &hz_police, &sc_police, true),
        (B::SuperiorPolice, &sc_police, &sc_police, false),
    ];
    for (by, u, v, ok) in table {
        assert_eq!(
            fits(by, u, v),
            ok,
            "{by:?}: {} for a case of {}",
            u.id,
            v.id
        );
    }
    // Not checkable: said, never refused.
    for by in [
        B::Spc,
        B::Npcsc,
        B::Nsc,
        B::HigherSupervisionCommission,
        B::Statutory,
    ] {
        assert!(matches!(
            body_fits(by, Some(&hz), Some(&basic)),
            BodyCheck::Unchecked(_)
        ));
    }
    assert!(matches!(
        body_fits(B::SuperiorCourt, None, Some(&basic)),
        BodyCheck::Unchecked(_)
    ));
    assert!(matches!(
        body_fits(B::SuperiorCourt, Some(&hz), None),
        BodyCheck::Unchecked(_)
    ));
    let unresolved = OrgRef::id("hz-court");
    assert!(matches!(
        body_fits(B::SuperiorCourt, Some(&unresolved), Some(&basic)),
        BodyCheck::Unchecked(_)
    ));
}

#[test]
fn a_basic_courts_president_cannot_grant_the_superior_courts_extension() {
    // 民初 filed 2025-03-03 (due 09-03); 本院院长 +6 months (→ 2026-03-03); the next 3 months
    // belong to the superior court (民事诉讼法第一百五十二条).
    let basic = unit(
        "sc-court",
        AgencyKind::Court,
        Level::County,
        "/33/3301/330102/",
    );
    let hz = unit("hz-court", AgencyKind::Court, Level::City, "/33/3301/");
    let approver = |name: &str, org: &OrgRef| Approver {
        name: name.into(),
        role: Role::President,
        org: Some(org.clone()),
    };
    let with_second = |second: Approver| {
        let mut c = open("民初", filing("建设工程施工合同纠纷"), "2025-03-03");
        c.state.venue = Some(basic.clone());
        let request = || EventBody::ExtensionRequested {
            amount: 6,
            unit: PeriodUnit::Month,
            reason: "案情复杂".into(),
        };
        c.ev("2025-08-10", request())
            .ev(
                "2025-08-20",
                EventBody::ExtensionApproved {
                    approver: approver("王院长", &basic),
                    amount: 6,
                    unit: PeriodUnit::Month,
                    ground: None,
                },
            )
            .ev("2026-02-05", request())
            .ev(
                "2026-02-10",
                EventBody::ExtensionApproved {
                    approver: second,
                    amount: 3,
                    unit: PeriodUnit::Month,
                    ground: None,
                },
            )
            .clock(ClockKey::Trial, "2026-02-11")
    };
    // The basic court's own president grants the second extension too: not counted.
    let c = with_second(approver("王院长", &basic));
    assert_eq!(c.due, Some(d("2026-03-03")), "{:?}", c.findings);
    assert!(
        c.findings
            .iter()
            .any(|f| f.contains("批准机关") && f.contains("上级人民法院")),
        "{:?}",
        c.findings
    );
    let line = c.why.iter().find(|w| w.step == "第2次延长").expect("why");
    assert!(line.text.contains("批准机关不符"), "{}", line.text);
    // The intermediate court's president: counted, and the why panel says the body was checked.
    let c = with_second(approver("陈院长", &hz));
    assert_eq!(c.due, Some(d("2026-06-03")), "{:?}", c.findings);
    let line = c.why.iter().find(|w| w.step == "第2次延长").expect("why");
    assert!(line.text.contains("层级核对相符"), "{}", line.text);
    // An approval without its organisation (recorded before they were): counted by role, and said.
    let c = with_second(president("陈院长"));
    assert_eq!(c.due, Some(d("2026-06-03")));
    let line = c.why.iter().find(|w| w.step == "第2次延长").expect("why");
    assert!(line.text.contains("层级未核对"), "{}", line.text);
}

mod after_indictment;
mod criminal_chain;
