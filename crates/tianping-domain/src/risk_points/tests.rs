#![allow(clippy::unwrap_used)]

use super::*;
use crate::event::{EventBody, Filing, ZhongbenChecklist};
use crate::timeline::{Approver, PeriodUnit};
use crate::{CaseKind, Procedure, Role};
use chrono::{DateTime, TimeZone, Utc};

fn t(m: u32, d: u32) -> DateTime<Utc> {
    crate::clock::beijing()
        .with_ymd_and_hms(2025, m, d, 10, 0, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    t(12, 31)
}

fn open(code: &str, kind: CaseKind, procedure: Procedure) -> CaseState {
    let f = Filing {
        cause: "买卖合同纠纷".into(),
        ..Default::default()
    };
    CaseState::open(&f, kind, procedure, Some(code.into()), t(1, 6), now()).unwrap()
}

fn assigned(judge: &str) -> EventBody {
    EventBody::Assigned {
        judge: judge.into(),
        panel: vec![],
        division: None,
        clerk: None,
    }
}

fn clocks(s: &CaseState, at: DateTime<Utc>) -> Vec<Clock> {
    let rules = crate::rules::RuleSet::shipped().unwrap();
    let calendar = crate::calendar::Calendar::parse(crate::rules::CALENDAR_TOML).unwrap();
    crate::clock::Engine {
        rules: &rules,
        calendar: &calendar,
        explain: false,
    }
    .clocks(s, at)
}

#[test]
fn the_shipped_catalogue_parses_with_its_posts_levels_and_signals() {
    let c = Catalogue::shipped();
    assert!(c.categories.len() >= 6);
    assert!(c.point_count() >= 14);
    for s in Signal::ALL {
        let (_, p) = c.point_for(s).unwrap();
        assert!(!p.control.is_empty(), "{}", p.name);
    }
    assert_eq!(c.post("trial_judge").unwrap().level, Level::A);
    assert_eq!(c.post("archivist").unwrap().level, Level::C);
    assert!(
        c.posts
            .iter()
            .any(|p| p.agency == AgencyKind::Procuratorate)
    );
}

#[test]
fn a_catalogue_that_does_not_hold_together_is_refused_naming_where() {
    let base = |points: &str| {
        format!(
            "version = 1\nposts = [{{ code = \"judge\", name = \"承办法官\", agency = \"court\", level = \"A\" }}]\n[[category]]\ncode = \"c\"\nname = \"审限管理\"\npoints = [{points}]\n"
        )
    };
    let err = |points: &str| Catalogue::parse(&base(points)).unwrap_err().to_string();
    let e = err(
        r#"{ code = "L1", name = "超审限", posts = ["clerk"], level = "A", control = "预警" }"#,
    );
    assert!(e.contains("超审限") && e.contains("clerk"), "{e}");
    let e =
        err(r#"{ code = "L1", name = "超审限", posts = ["judge"], level = "A", control = " " }"#);
    assert!(e.contains("防控措施"), "{e}");
    let e = err(
        r#"{ code = "L1", name = "甲", posts = ["judge"], level = "A", control = "x" }, { code = "L1", name = "乙", posts = ["judge"], level = "B", control = "y" }"#,
    );
    assert!(e.contains("乙") && e.contains("L1"), "{e}");
    let e = err(
        r#"{ code = "L1", name = "甲", posts = ["judge"], level = "A", control = "x", signal = "limit_overdue" }, { code = "L2", name = "乙", posts = ["judge"], level = "B", control = "y", signal = "limit_overdue" }"#,
    );
    assert!(e.contains("乙") && e.contains("limit_overdue"), "{e}");
    let e = err(r#"{ code = "L1", name = "甲", posts = ["judge"], level = "D", control = "x" }"#);
    assert!(e.contains('D'), "{e}");
}

#[test]
fn a_reassignment_after_the_hearing_is_a_hit_and_before_it_is_not() {
    let mut s = open("民初", CaseKind::Civil, Procedure::FirstInstance);
    s.apply(&assigned("张法官"), t(1, 7), now()).unwrap();
    s.apply(&assigned("李法官"), t(1, 9), now()).unwrap();
    assert!(
        hits(&s, &[]).is_empty(),
        "a change before any hearing is no risk"
    );
    s.apply(&EventBody::HearingHeld, t(2, 10), now()).unwrap();
    s.apply(&assigned("李法官"), t(2, 11), now()).unwrap();
    assert!(
        hits(&s, &[]).is_empty(),
        "the same judge named again is no change"
    );
    s.apply(&assigned("王法官"), t(2, 20), now()).unwrap();
    let h = hits(&s, &[]);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].signal, Signal::ReassignedAfterHearing);
    assert_eq!(h[0].on, NaiveDate::from_ymd_opt(2025, 2, 20).unwrap());
}

#[test]
fn an_extension_approved_after_the_limit_is_a_hit() {
    // Summary procedure: 3 months from 6 January, due 6 April (a Sunday of 清明: later); the
    // president approves on 20 May — after it.
    let mut s = open("民初", CaseKind::Civil, Procedure::FirstInstance);
    s.summary_procedure = true;
    let ok = s.clone();
    s.apply(
        &EventBody::ExtensionRequested {
            amount: 1,
            unit: PeriodUnit::Month,
            reason: "案情复杂".into(),
        },
        t(5, 15),
        now(),
    )
    .unwrap();
    s.apply(
        &EventBody::ExtensionApproved {
            approver: Approver {
                name: "王院长".into(),
                role: Role::President,
                org: None,
            },
            amount: 1,
            unit: PeriodUnit::Month,
            ground: None,
        },
        t(5, 20),
        now(),
    )
    .unwrap();
    let h = hits(&s, &clocks(&s, t(5, 21)));
    assert!(
        h.iter().any(|h| h.signal == Signal::ExtensionAfterExpiry
            && h.on == NaiveDate::from_ymd_opt(2025, 5, 20).unwrap()),
        "{h:?}"
    );
    assert!(hits(&ok, &clocks(&ok, t(2, 1))).is_empty());
}

#[test]
fn a_zhongben_without_a_property_search_is_a_hit() {
    let full = ZhongbenChecklist {
        property_report_done: true,
        consumption_restricted: true,
        assets_investigated: true,
        whereabouts_and_obstruction_handled: true,
        applicant_interviewed: true,
        applicant_confirmed_or_president_approved: true,
        ruling_served: true,
    };
    let terminate = EventBody::ExecutionTerminated {
        checklist: full,
        unpaid_amount_yuan: Some(120_000),
    };
    let mut bare = open("执", CaseKind::Execution, Procedure::Execution);
    bare.apply(&terminate, t(5, 6), now()).unwrap();
    let h = hits(&bare, &[]);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].signal, Signal::ZhongbenWithoutSearch);
    let mut searched = open("执", CaseKind::Execution, Procedure::Execution);
    searched
        .apply(
            &EventBody::PropertySearched {
                channel: "网络执行查控系统".into(),
                found: false,
            },
            t(1, 20),
            now(),
        )
        .unwrap();
    searched.apply(&terminate, t(5, 6), now()).unwrap();
    assert!(hits(&searched, &[]).is_empty());
}

#[test]
fn quarters_parse_and_step() {
    let q = Quarter::parse("2026q3").unwrap();
    assert_eq!(q, Quarter { year: 2026, q: 3 });
    assert_eq!(q.first_day(), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
    assert_eq!(q.end(), NaiveDate::from_ymd_opt(2026, 10, 1).unwrap());
    assert_eq!(Quarter::parse("2026-Q4").unwrap().next().code(), "2027Q1");
    assert_eq!(Quarter::parse("2026Q1").unwrap().prev().code(), "2025Q4");
    assert_eq!(q.zh(), "2026年第三季度");
    assert!(Quarter::parse("2026Q5").is_none());
    assert!(Quarter::parse("秋天").is_none());
    assert_eq!(
        Quarter::of(NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()),
        Quarter { year: 2026, q: 4 }
    );
}
