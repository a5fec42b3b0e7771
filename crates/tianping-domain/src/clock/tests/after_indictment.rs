//! After 提起公诉: the 抗诉 period and 撤回起诉, both reported for 同步备案审查, worked by hand.

use super::*;

fn indicted() -> Case {
    agency(
        CaseKind::Prosecution,
        Procedure::ProsecutionReview,
        "2025-02-03",
    )
    .ev("2025-03-03", EventBody::Indicted)
}

fn judgment(ruling: bool, sentence: Option<u32>, recommended: Option<u32>) -> EventBody {
    EventBody::JudgmentReceived {
        ruling,
        sentence_months: sentence,
        recommended_months: recommended,
    }
}

#[test]
fn the_protest_period_is_ten_days_for_a_judgment_and_five_for_a_ruling() {
    // CrimPL 2018 art. 230, counted from the next day; a last day on a holiday rolls over
    // (art. 105). Judgment received Friday 2025-04-25 → 05-05, inside the Labour Day holiday
    // (05-01 … 05-05) → Tuesday 05-06.
    let case = indicted().ev("2025-04-25", judgment(false, Some(36), Some(36)));
    let c = case.clock(ClockKey::ProtestPeriod, "2025-04-28");
    assert_eq!(c.due, Some(d("2025-05-06")), "{:#?}", c.why);
    assert_eq!(c.status, ClockStatus::Running);
    // Days used count from the receipt, not from the review's filing.
    assert_eq!(c.gross_days, 3);
    assert!(c.findings.is_empty(), "{:?}", c.findings);
    // A ruling: five days → Wednesday 04-30, a working day.
    let ruling = indicted().ev("2025-04-25", judgment(true, None, None));
    let c = ruling.clock(ClockKey::ProtestPeriod, "2025-04-28");
    assert_eq!(c.due, Some(d("2025-04-30")), "{:#?}", c.why);
    // Decided not to protest on 04-29: met.
    let decided = ruling.clone().ev(
        "2025-04-29",
        EventBody::ProtestDecided {
            protest: false,
            note: String::new(),
        },
    );
    let c = decided.clock(ClockKey::ProtestPeriod, "2025-05-10");
    assert_eq!(c.status, ClockStatus::Met);
    // Undecided after the last day: overdue.
    let c = ruling.clock(ClockKey::ProtestPeriod, "2025-05-01");
    assert_eq!(c.status, ClockStatus::Overdue);
    // The review itself stays ended by the indictment.
    let r = case.clock(ClockKey::ProsecutionReview, "2025-04-28");
    assert_eq!(r.status, ClockStatus::Met, "{:#?}", r.why);
}

#[test]
fn a_sentence_below_the_recommendation_is_reported_for_synchronous_review() {
    // 24 months against a 量刑建议 of at least 36: 重罪轻判, to the higher procuratorate.
    let case = indicted().ev("2025-04-25", judgment(false, Some(24), Some(36)));
    let c = case.clock(ClockKey::ProtestPeriod, "2025-04-28");
    assert_eq!(c.findings.len(), 1, "{:?}", c.findings);
    assert!(c.findings[0].contains("重罪轻判"), "{:?}", c.findings);
    assert!(c.findings[0].contains("上一级人民检察院备案审查"));
    let text: String = c.why.iter().map(|w| w.text.clone()).collect();
    assert!(text.contains("判处24个月，低于量刑建议的36个月"), "{text}");
    // At or above the recommendation, or without figures, nothing to report.
    for (s, r) in [(Some(36), Some(36)), (Some(40), Some(36)), (None, Some(36))] {
        let c = indicted()
            .ev("2025-04-25", judgment(false, s, r))
            .clock(ClockKey::ProtestPeriod, "2025-04-28");
        assert!(c.findings.is_empty(), "{s:?} {r:?}");
    }
}

#[test]
fn a_withdrawn_prosecution_is_decided_within_thirty_days() {
    // 撤回起诉 2025-03-20 → 30 days → Saturday 04-19; not held, so the period rolls over to
    // Monday 04-21 (规则 2019 art. 424).
    let withdrawn = indicted().ev(
        "2025-03-20",
        EventBody::ProsecutionWithdrawn {
            reason: "证据发生变化".into(),
        },
    );
    assert_eq!(withdrawn.state.status, CaseStatus::Open);
    let c = withdrawn.clock(ClockKey::WithdrawalDecision, "2025-04-01");
    assert_eq!(c.due, Some(d("2025-04-21")), "{:#?}", c.why);
    assert_eq!(c.status, ClockStatus::Running);
    let text: String = c.why.iter().map(|w| w.text.clone()).collect();
    assert!(text.contains("备案审查"), "{text}");
    // The review is not running again: it ended with the first indictment.
    let r = withdrawn.clock(ClockKey::ProsecutionReview, "2025-04-01");
    assert_eq!(r.status, ClockStatus::Met, "{:#?}", r.why);
    // 不起诉 on 04-10: met; nothing found.
    let decided = withdrawn.clone().ev(
        "2025-04-10",
        EventBody::NotProsecuted {
            reason: "证据不足".into(),
        },
    );
    let c = decided.clock(ClockKey::WithdrawalDecision, "2025-05-01");
    assert_eq!(c.status, ClockStatus::Met);
    // Not decided by 04-21: overdue and found.
    let c = withdrawn.clock(ClockKey::WithdrawalDecision, "2025-04-22");
    assert_eq!(c.status, ClockStatus::Overdue);
    assert_eq!(c.findings.len(), 1, "{:?}", c.findings);
}

#[test]
fn what_follows_an_indictment_needs_one_and_comes_in_order() {
    let now = at("2026-11-22");
    let reject = |mut case: Case, body: EventBody, when: &str| {
        case.state
            .apply(&body, at(when), now)
            .map_err(|e| e.code)
            .expect_err("refused")
    };
    let review = agency(
        CaseKind::Prosecution,
        Procedure::ProsecutionReview,
        "2025-02-03",
    );
    assert_eq!(
        reject(review, judgment(false, None, None), "2025-03-01"),
        "not_indicted"
    );
    let police = agency(CaseKind::Police, Procedure::Investigation, "2025-02-03");
    assert_eq!(
        reject(
            police,
            EventBody::ProsecutionWithdrawn { reason: "x".into() },
            "2025-03-01"
        ),
        "not_indicted"
    );
    assert_eq!(
        reject(
            indicted(),
            EventBody::ProtestDecided {
                protest: true,
                note: String::new()
            },
            "2025-03-05"
        ),
        "no_judgment"
    );
    let judged = indicted().ev("2025-04-25", judgment(false, None, None));
    assert_eq!(
        reject(
            judged.clone(),
            EventBody::ProsecutionWithdrawn { reason: "x".into() },
            "2025-04-26"
        ),
        "judgment_received"
    );
    assert_eq!(
        reject(judged, judgment(false, None, None), "2025-04-26"),
        "judgment_received"
    );
}
