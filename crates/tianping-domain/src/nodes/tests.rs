#![allow(clippy::unwrap_used)]

use super::*;
use crate::event::{Disposal, EventBody, Filing, ServedDocument};
use crate::{CaseKind, Procedure};
use chrono::TimeZone;

/// 2025-03-`d` at `h`:00 Beijing time.
fn t(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    crate::clock::beijing()
        .with_ymd_and_hms(2025, m, d, h, 0, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, d).unwrap()
}

fn now() -> DateTime<Utc> {
    t(12, 31, 9)
}

fn calendar() -> Calendar {
    Calendar::parse(crate::rules::CALENDAR_TOML).unwrap()
}

fn open(code: &str, kind: CaseKind, procedure: Procedure, at: DateTime<Utc>) -> CaseState {
    let f = Filing {
        cause: "民间借贷纠纷".into(),
        ..Default::default()
    };
    CaseState::open(&f, kind, procedure, Some(code.into()), at, now()).unwrap()
}

fn assigned() -> EventBody {
    EventBody::Assigned {
        judge: "张法官".into(),
        panel: vec![],
        division: None,
        clerk: None,
    }
}

fn served(document: ServedDocument) -> EventBody {
    EventBody::Served { document }
}

fn closed(disposition: Disposition) -> EventBody {
    EventBody::Closed {
        disposition,
        sentence_months: None,
        penalty: None,
        amount_yuan: None,
    }
}

fn by_mark(times: &[NodeTime], m: Mark) -> &NodeTime {
    times.iter().find(|n| n.mark == m).unwrap()
}

#[test]
fn shipped_flows_parse_and_cover_the_main_case_types() {
    let f = Flows::shipped();
    for code in ["民初", "民终", "刑初", "行初", "执"] {
        let flow = f.flow_for(Some(code)).unwrap();
        assert_eq!(flow.nodes[0].mark, Mark::Filed, "{code}");
        // Every timed node names its source in words a reader cites.
        for n in flow.nodes.iter().filter(|n| n.days.is_some()) {
            assert!(
                n.source.starts_with('《') || n.source.starts_with("本院"),
                "{}",
                n.name
            );
        }
    }
    assert!(f.flow_for(Some("民申")).is_none());
    assert!(f.flow_for(None).is_none());
    assert_eq!(f.node_count(), 37);
}

#[test]
fn refuses_a_flow_that_does_not_hold_together() {
    let base = |nodes: &str| {
        format!(
            "version = 1\n[[flow]]\ncode = \"x\"\nname = \"测试流程\"\ntypes = [\"民初\"]\nnodes = [{nodes}]\n"
        )
    };
    let err = |nodes: &str| Flows::parse(&base(nodes)).unwrap_err().to_string();
    let e = err(
        r#"{ mark = "filed", name = "立案" }, { mark = "archived", name = "归档", after = "closed", days = 90, source = "本院" }"#,
    );
    assert!(e.contains("归档") && e.contains("起算节点"), "{e}");
    let e = err(
        r#"{ mark = "filed", name = "立案" }, { mark = "assigned", name = "分案", after = "filed", days = 0, source = "本院" }"#,
    );
    assert!(e.contains("分案") && e.contains("0 日"), "{e}");
    let e = err(
        r#"{ mark = "filed", name = "立案" }, { mark = "assigned", name = "分案", after = "filed", days = 3 }"#,
    );
    assert!(e.contains("没有依据"), "{e}");
    let e = err(r#"{ mark = "filed", name = "立案" }, { mark = "filed", name = "再立案" }"#);
    assert!(e.contains("重复"), "{e}");
    let e = err(r#"{ mark = "filed", name = "立案" }, { mark = "lunch", name = "午饭" }"#);
    assert!(e.contains("lunch"), "{e}");
    let two = format!(
        "{}[[flow]]\ncode = \"y\"\nname = \"另一流程\"\ntypes = [\"民初\"]\nnodes = [{{ mark = \"filed\", name = \"立案\" }}]\n",
        base(r#"{ mark = "filed", name = "立案" }"#)
    );
    let e = Flows::parse(&two).unwrap_err().to_string();
    assert!(e.contains("民初") && e.contains("两个流程"), "{e}");
}

#[test]
fn a_late_service_is_late_and_an_on_time_one_is_not() {
    let flows = Flows::shipped();
    let flow = flows.flow_for(Some("民初")).unwrap();
    let cal = calendar();
    // Filed Monday 3 March; served on the 8th (5 days: due the 8th) — on time.
    let mut s = open(
        "民初",
        CaseKind::Civil,
        Procedure::FirstInstance,
        t(3, 3, 10),
    );
    s.apply(&assigned(), t(3, 4, 9), now()).unwrap();
    s.apply(&served(ServedDocument::ComplaintCopy), t(3, 8, 16), now())
        .unwrap();
    let times = times(flow, &s, &cal);
    let n = by_mark(&times, Mark::ComplaintServed);
    assert_eq!(n.due, Some(day(3, 8)));
    assert_eq!(n.standing(day(3, 20)), Standing::OnTime);
    assert_eq!(n.days_taken(), Some(5));
    // The same service a day later is late by one day.
    let mut late = open(
        "民初",
        CaseKind::Civil,
        Procedure::FirstInstance,
        t(3, 3, 10),
    );
    late.apply(&served(ServedDocument::ComplaintCopy), t(3, 9, 9), now())
        .unwrap();
    let times = super::times(flow, &late, &cal);
    let n = by_mark(&times, Mark::ComplaintServed);
    assert_eq!(n.standing(day(3, 20)), Standing::Late);
    assert_eq!(n.days_over(day(3, 20)), 1);
    // Not served at all: waiting until the 8th, overdue from the 9th.
    let bare = open(
        "民初",
        CaseKind::Civil,
        Procedure::FirstInstance,
        t(3, 3, 10),
    );
    let times = super::times(flow, &bare, &cal);
    let n = by_mark(&times, Mark::ComplaintServed);
    assert_eq!(n.standing(day(3, 8)), Standing::Waiting);
    assert_eq!(n.standing(day(3, 9)), Standing::Overdue);
    assert_eq!(n.days_over(day(3, 12)), 4);
    // Nodes whose earlier step was not reached are not listed (排期 runs from 分案).
    assert!(times.iter().all(|n| n.mark != Mark::HearingScheduled));
}

#[test]
fn working_days_skip_the_weekend_and_the_holidays() {
    let flows = Flows::shipped();
    let flow = flows.flow_for(Some("民初")).unwrap();
    // Filed Thursday 6 March 2025: three working days are Fri 7, Mon 10, Tue 11.
    let s = open(
        "民初",
        CaseKind::Civil,
        Procedure::FirstInstance,
        t(3, 6, 10),
    );
    let times = times(flow, &s, &calendar());
    assert_eq!(by_mark(&times, Mark::Assigned).due, Some(day(3, 11)));
    // Filed 30 April 2025: 1–5 May are the 劳动节 holiday, 27 April a 调休 working Sunday.
    let s = open(
        "民初",
        CaseKind::Civil,
        Procedure::FirstInstance,
        t(4, 30, 10),
    );
    let times = super::times(flow, &s, &calendar());
    assert_eq!(by_mark(&times, Mark::Assigned).due, Some(day(5, 8)));
}

#[test]
fn steps_a_closed_case_skipped_no_longer_apply_but_its_service_and_archive_do() {
    let flows = Flows::shipped();
    let flow = flows.flow_for(Some("民初")).unwrap();
    let cal = calendar();
    let mut s = open(
        "民初",
        CaseKind::Civil,
        Procedure::FirstInstance,
        t(3, 3, 10),
    );
    s.apply(&assigned(), t(3, 4, 9), now()).unwrap();
    s.apply(&served(ServedDocument::ComplaintCopy), t(3, 5, 9), now())
        .unwrap();
    s.apply(
        &EventBody::HearingScheduled {
            hearing_at: t(4, 2, 9).with_timezone(&crate::clock::beijing()),
        },
        t(3, 10, 9),
        now(),
    )
    .unwrap();
    s.apply(&EventBody::HearingHeld, t(4, 2, 9), now()).unwrap();
    s.apply(&closed(Disposition::Judgment), t(4, 2, 11), now())
        .unwrap();
    let times = times(flow, &s, &cal);
    let judgment = by_mark(&times, Mark::JudgmentServed);
    assert_eq!(judgment.due, Some(day(4, 12)));
    assert_eq!(judgment.standing(day(4, 13)), Standing::Overdue);
    assert!(!judgment.tell_judge);
    let archive = by_mark(&times, Mark::Archived);
    assert!(archive.tell_judge, "the judge is told of a late archive");
    assert_eq!(by_mark(&times, Mark::Closed).days_taken(), Some(0));
    // Served and archived late: both late, and each is timed.
    s.apply(&served(ServedDocument::Judgment), t(4, 20, 9), now())
        .unwrap();
    s.apply(&EventBody::Archived, t(5, 6, 9), now()).unwrap();
    let times = super::times(flow, &s, &cal);
    assert_eq!(
        by_mark(&times, Mark::JudgmentServed).standing(day(6, 1)),
        Standing::Late
    );
    assert_eq!(
        by_mark(&times, Mark::Archived).standing(day(6, 1)),
        Standing::OnTime
    );
    // A withdrawn case never heard: no 排期 or 开庭 waits, no judgment to serve.
    let mut w = open(
        "民初",
        CaseKind::Civil,
        Procedure::FirstInstance,
        t(3, 3, 10),
    );
    w.apply(&assigned(), t(3, 4, 9), now()).unwrap();
    w.apply(&closed(Disposition::Withdrawal), t(3, 6, 9), now())
        .unwrap();
    let times = super::times(flow, &w, &cal);
    let marks: Vec<Mark> = times.iter().map(|n| n.mark).collect();
    assert_eq!(marks, vec![Mark::Assigned, Mark::Archived], "{times:?}");
}

#[test]
fn a_restored_execution_waits_for_no_archive_until_it_closes_again() {
    let flows = Flows::shipped();
    let flow = flows.flow_for(Some("执")).unwrap();
    let mut s = open("执", CaseKind::Execution, Procedure::Execution, t(3, 3, 10));
    let full = crate::event::ZhongbenChecklist {
        property_report_done: true,
        consumption_restricted: true,
        assets_investigated: true,
        whereabouts_and_obstruction_handled: true,
        applicant_interviewed: true,
        applicant_confirmed_or_president_approved: true,
        ruling_served: true,
    };
    s.apply(
        &EventBody::ExecutionTerminated {
            checklist: full,
            unpaid_amount_yuan: Some(80_000),
        },
        t(6, 10, 9),
        now(),
    )
    .unwrap();
    let archived = |s: &CaseState| {
        times(flow, s, &calendar())
            .iter()
            .any(|n| n.mark == Mark::Archived)
    };
    assert!(archived(&s));
    s.apply(
        &EventBody::ExecutionRestored {
            deputy_assisted: false,
        },
        t(7, 1, 9),
        now(),
    )
    .unwrap();
    assert!(!archived(&s), "open again: nothing to archive yet");
}

#[test]
fn the_earliest_time_a_step_was_reached_counts() {
    let mut s = open("执", CaseKind::Execution, Procedure::Execution, t(3, 3, 10));
    s.apply(
        &EventBody::PropertySearched {
            channel: "网络查控".into(),
            found: true,
        },
        t(3, 20, 9),
        now(),
    )
    .unwrap();
    s.apply(
        &EventBody::PropertySearched {
            channel: "银行".into(),
            found: true,
        },
        t(3, 10, 9),
        now(),
    )
    .unwrap();
    assert_eq!(Mark::PropertySearched.reached(&s), Some(t(3, 10, 9)));
    s.apply(
        &EventBody::PropertyDisposed {
            method: Disposal::Auction,
            amount_yuan: Some(1_200_000),
        },
        t(6, 1, 9),
        now(),
    )
    .unwrap();
    let flows = Flows::shipped();
    let times = times(flows.flow_for(Some("执")).unwrap(), &s, &calendar());
    let searched = by_mark(&times, Mark::PropertySearched);
    assert_eq!(searched.due, Some(day(3, 13)));
    assert_eq!(searched.standing(day(6, 1)), Standing::OnTime);
    let disposed = by_mark(&times, Mark::PropertyDisposed);
    assert_eq!(
        disposed.due, None,
        "处置 has no standard: timed, never late"
    );
    assert_eq!(disposed.days_taken(), Some(83));
    // The 执行通知 waits for the 承办人: no assignment yet, not listed.
    assert!(times.iter().all(|n| n.mark != Mark::ExecutionNotice));
}

#[test]
fn events_that_mark_no_step_or_belong_elsewhere_are_refused_or_ignored() {
    let mut s = open(
        "民初",
        CaseKind::Civil,
        Procedure::FirstInstance,
        t(3, 3, 10),
    );
    // 归档 before 结案 is refused.
    let e = s
        .apply(&EventBody::Archived, t(3, 4, 9), now())
        .unwrap_err();
    assert_eq!(e.code, "not_closed");
    // 执行通知 on a civil case is refused.
    let e = s
        .apply(&EventBody::ExecutionNoticeSent, t(3, 4, 9), now())
        .unwrap_err();
    assert_eq!(e.code, "kind_mismatch");
    // Serving another document marks nothing.
    s.apply(&served(ServedDocument::Other), t(3, 4, 9), now())
        .unwrap();
    assert!(s.marks.is_empty());
}

#[test]
fn medians_are_the_lower_middle() {
    assert_eq!(median(&mut []), None);
    assert_eq!(median(&mut [5]), Some(5));
    assert_eq!(median(&mut [9, 1, 5]), Some(5));
    assert_eq!(median(&mut [4, 1, 9, 2]), Some(2));
}
