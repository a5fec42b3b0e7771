//! The cases behind a number as a condition on the stored facts, so that a drill-down list can be
//! counted, sorted and paged where the facts are kept instead of reading every candidate.
//!
//! [`Counter::filter`] is the counter's own test ([`Counter::contributes`]) written as a
//! conjunction of column tests; the tests below hold the two equal over every combination of facts
//! the counters look at. A counter whose test the columns cannot express (the 终本 spells, 结案天数
//! where a same-day closing adds nothing, 执行到位金额) has no filter, and its list is filtered by
//! [`Counter::contributes`] case by case.

use super::{CaseFacts, Counter, LimitOutcome, Period};
use crate::case_type::{CaseKind, Procedure};
use crate::event::Disposition;
use chrono::{Months, NaiveDate};

/// How the case stands towards closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    Any,
    /// Closed on a day of the period.
    In(Period),
    /// Not closed on or before the day (still open, or closed later).
    OpenOn(NaiveDate),
}

/// A conjunction of tests on one case's facts; an empty field tests nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFilter {
    /// Filed on or after this day.
    pub filed_from: Option<NaiveDate>,
    /// Filed on or before this day.
    pub filed_to: Option<NaiveDate>,
    pub closing: Closing,
    pub kinds: Option<Vec<CaseKind>>,
    pub procedure: Option<Procedure>,
    /// Closed with one of these (a case without a recorded disposition fails).
    pub dispositions: Option<Vec<Disposition>>,
    /// Not closed with any of these (a case without a recorded disposition passes).
    pub not_dispositions: Vec<Disposition>,
    pub small_claims: Option<bool>,
    pub appealed: Option<bool>,
    pub has_origin: Option<bool>,
    pub guided: Option<bool>,
    pub limits: Option<Vec<LimitOutcome>>,
    /// At least one 退回补充侦查 or extension.
    pub extra_procedures: bool,
    /// A recorded, non-zero claim amount.
    pub claim_amount: bool,
}

impl Default for CaseFilter {
    fn default() -> Self {
        CaseFilter {
            filed_from: None,
            filed_to: None,
            closing: Closing::Any,
            kinds: None,
            procedure: None,
            dispositions: None,
            not_dispositions: Vec::new(),
            small_claims: None,
            appealed: None,
            has_origin: None,
            guided: None,
            limits: None,
            extra_procedures: false,
            claim_amount: false,
        }
    }
}

/// The court's trial kinds (一审/二审 counters count these).
const TRIAL: [CaseKind; 3] = [
    CaseKind::Criminal,
    CaseKind::Civil,
    CaseKind::Administrative,
];

impl CaseFilter {
    pub fn matches(&self, f: &CaseFacts) -> bool {
        let opt = |want: Option<bool>, have: bool| want.is_none_or(|w| w == have);
        self.filed_from.is_none_or(|d| f.filed >= d)
            && self.filed_to.is_none_or(|d| f.filed <= d)
            && match self.closing {
                Closing::Any => true,
                Closing::In(p) => f.closed_in(&p),
                Closing::OpenOn(d) => f.closed.is_none_or(|c| c > d),
            }
            && self.kinds.as_ref().is_none_or(|k| k.contains(&f.kind))
            && self.procedure.is_none_or(|p| p == f.procedure)
            && self
                .dispositions
                .as_ref()
                .is_none_or(|ds| f.disposition.is_some_and(|d| ds.contains(&d)))
            && f.disposition
                .is_none_or(|d| !self.not_dispositions.contains(&d))
            && opt(self.small_claims, f.small_claims)
            && opt(self.appealed, f.appealed)
            && opt(self.has_origin, f.has_origin)
            && opt(self.guided, f.guided)
            && self.limits.as_ref().is_none_or(|l| l.contains(&f.limit))
            && (!self.extra_procedures || f.extra_procedures > 0)
            && (!self.claim_amount || f.claim_amount_yuan.is_some_and(|a| a != 0))
    }

    /// Pending on `day` and, counted in whole months from filing, older than `over` months (when
    /// given) and not older than `up_to` months (when given): an age bucket of the pending cases.
    pub fn pending_aged(day: NaiveDate, over: Option<u32>, up_to: Option<u32>) -> Option<Self> {
        let mut f = CaseFilter::pending_on(day);
        if let Some(m) = over {
            f.filed_to = Some(last_filed_over(m, day)?);
        }
        if let Some(m) = up_to {
            // Not older than `m` months: filed after the last day that is.
            f.filed_from = last_filed_over(m, day).and_then(|d| d.succ_opt());
        }
        Some(f)
    }

    /// A filter no case passes.
    pub fn nothing() -> Self {
        CaseFilter {
            kinds: Some(Vec::new()),
            ..CaseFilter::default()
        }
    }

    fn pending_on(day: NaiveDate) -> Self {
        CaseFilter {
            filed_to: Some(day),
            closing: Closing::OpenOn(day),
            ..CaseFilter::default()
        }
    }

    fn filed_in(p: &Period) -> Self {
        CaseFilter {
            filed_from: Some(p.from),
            filed_to: Some(p.to),
            ..CaseFilter::default()
        }
    }

    fn closed_in(p: &Period) -> Self {
        CaseFilter {
            closing: Closing::In(*p),
            ..CaseFilter::default()
        }
    }
}

/// The last filing day from which a case pending on `day` is older than `months` (the filing day
/// plus the months falls before `day`); `None` when no day is.
pub fn last_filed_over(months: u32, day: NaiveDate) -> Option<NaiveDate> {
    let over = |d: NaiveDate| {
        d.checked_add_months(Months::new(months))
            .is_some_and(|x| x < day)
    };
    // Adding months never moves a later day before an earlier one, so the days that are over
    // form a prefix of the calendar; its end lies within a few days of `day` minus the months.
    let mut d = day
        .checked_sub_months(Months::new(months))?
        .checked_add_days(chrono::Days::new(4))
        .unwrap_or(day);
    for _ in 0..16 {
        if over(d) {
            return Some(d);
        }
        d = d.pred_opt()?;
    }
    None
}

impl Counter {
    /// The cases behind this counter as a filter on their facts, when the facts' columns can say
    /// it exactly (`filter.matches(f) == self.contributes(f, p)` for every case).
    pub fn filter(self, p: &Period) -> Option<CaseFilter> {
        use Counter as C;
        let closed = || CaseFilter::closed_in(p);
        let first_trial = || CaseFilter {
            procedure: Some(Procedure::FirstInstance),
            kinds: Some(TRIAL.to_vec()),
            ..closed()
        };
        let appealable = || CaseFilter {
            small_claims: Some(false),
            not_dispositions: vec![Disposition::Mediation, Disposition::Withdrawal],
            ..first_trial()
        };
        let second_trial = || CaseFilter {
            procedure: Some(Procedure::SecondInstance),
            kinds: Some(TRIAL.to_vec()),
            ..closed()
        };
        let civil_first = || CaseFilter {
            procedure: Some(Procedure::FirstInstance),
            kinds: Some(vec![CaseKind::Civil]),
            ..closed()
        };
        let execution = || CaseFilter {
            kinds: Some(vec![CaseKind::Execution]),
            ..closed()
        };
        let court_received = || CaseFilter {
            kinds: Some(
                CaseKind::ALL
                    .into_iter()
                    .filter(|k| !k.is_agency())
                    .collect(),
            ),
            ..CaseFilter::filed_in(p)
        };
        let prosecution = || CaseFilter {
            kinds: Some(vec![CaseKind::Prosecution]),
            ..CaseFilter::filed_in(p)
        };
        let transferred = || CaseFilter {
            kinds: Some(vec![CaseKind::Police]),
            dispositions: Some(vec![Disposition::Transfer]),
            ..closed()
        };
        let only = |d: Disposition, base: CaseFilter| CaseFilter {
            dispositions: Some(vec![d]),
            ..base
        };
        Some(match self {
            C::Received => CaseFilter::filed_in(p),
            C::Closed => closed(),
            C::PendingAtStart => CaseFilter::pending_on(p.from.pred_opt()?),
            C::PendingAtEnd => CaseFilter::pending_on(p.to),
            C::ClosedWithLimit => CaseFilter {
                limits: Some(vec![LimitOutcome::Met, LimitOutcome::Late]),
                ..closed()
            },
            C::ClosedLate => CaseFilter {
                limits: Some(vec![LimitOutcome::Late]),
                ..closed()
            },
            C::FirstInstanceClosed => first_trial(),
            C::AppealableClosed => appealable(),
            C::Appealed => CaseFilter {
                appealed: Some(true),
                ..appealable()
            },
            C::SecondInstanceClosed => second_trial(),
            C::SecondInstanceAmended => only(Disposition::Amended, second_trial()),
            C::SecondInstanceRemanded => only(Disposition::RemandedForRetrial, second_trial()),
            C::CivilFirstInstanceClosed => civil_first(),
            C::CivilFirstInstanceMediatedOrWithdrawn => CaseFilter {
                dispositions: Some(vec![Disposition::Mediation, Disposition::Withdrawal]),
                ..civil_first()
            },
            C::ExecutionClosed => execution(),
            C::ZhongbenClosed => only(Disposition::ExecutionTerminatedThisRound, execution()),
            C::ExecutionAppliedYuan => CaseFilter {
                claim_amount: true,
                ..execution()
            },
            C::PendingOver6Months
            | C::PendingOver12Months
            | C::PendingOver18Months
            | C::PendingOver36Months => CaseFilter::pending_aged(p.to, Some(self.tier()?), None)?,
            C::CourtReceived => court_received(),
            C::ReceivedNewDisputes => CaseFilter {
                has_origin: Some(false),
                ..court_received()
            },
            C::ProsecutionReceived => prosecution(),
            C::ProsecutionExtraProcedures => CaseFilter {
                extra_procedures: true,
                ..prosecution()
            },
            C::PoliceTransferred => transferred(),
            C::PoliceTransferredGuided => CaseFilter {
                guided: Some(true),
                ..transferred()
            },
            C::ClosedDays
            | C::ExecutionPaidYuan
            | C::ZhongbenStockAtStart
            | C::ZhongbenStockAtEnd
            | C::ZhongbenEntered
            | C::ZhongbenLeft
            | C::ZhongbenLeftRestored
            | C::ZhongbenLeftPerformed
            | C::ZhongbenLeftSettled
            | C::ZhongbenLeftTerminated
            | C::ZhongbenLeftOther
            | C::Evaluated
            | C::EvaluatedPassed
            | C::ProofreadOpenAtStart
            | C::ProofreadFound
            | C::ProofreadResolved
            | C::ProofreadOpenAtEnd
            | C::ZhongbenLeftAssisted => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days(n)
    }

    prop_compose! {
        fn facts()(
            kind in 0..CaseKind::ALL.len(),
            procedure in 0..Procedure::ALL.len(),
            filed in 0i64..1400,
            closed_after in proptest::option::of(0i64..900),
            disposition in proptest::option::of(0..Disposition::ALL.len()),
            flags in 0u8..16,
            limit in 0usize..4,
            claim in proptest::option::of(0i64..3),
            amount in proptest::option::of(0i64..3),
            extra in 0u32..3,
        ) -> CaseFacts {
            CaseFacts {
                kind: CaseKind::ALL[kind],
                procedure: Procedure::ALL[procedure],
                filed: day(filed),
                closed: closed_after.map(|n| day(filed + n)),
                disposition: disposition.map(|d| Disposition::ALL[d]),
                small_claims: flags & 1 != 0,
                appealed: flags & 2 != 0,
                limit: [LimitOutcome::None, LimitOutcome::Open, LimitOutcome::Met, LimitOutcome::Late][limit],
                claim_amount_yuan: claim,
                amount_yuan: amount,
                has_origin: flags & 4 != 0,
                extra_procedures: extra,
                zhongben: Vec::new(),
                guided: flags & 8 != 0,
                evaluated: Vec::new(),
                proofread: Vec::new(),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn a_counters_filter_is_its_own_test(f in facts(), from in 200i64..1300, len in 0i64..400) {
            let p = Period { from: day(from), to: day(from + len) };
            for c in Counter::ALL {
                if let Some(filter) = c.filter(&p) {
                    prop_assert_eq!(filter.matches(&f), c.contributes(&f, &p), "{:?} {:?}", c, f);
                }
            }
            prop_assert!(!CaseFilter::nothing().matches(&f));
        }

        #[test]
        fn an_age_bucket_is_pending_and_between_its_ages(
            f in facts(), n in 600i64..1500, over in proptest::option::of(1u32..30), span in proptest::option::of(1u32..30),
        ) {
            let d = day(n);
            let up_to = span.map(|s| over.unwrap_or(0) + s);
            let older = |m: u32| f.filed.checked_add_months(Months::new(m)).is_some_and(|x| x < d);
            let want = f.pending_on(d) && over.is_none_or(older) && up_to.is_none_or(|m| !older(m));
            match CaseFilter::pending_aged(d, over, up_to) {
                Some(filter) => prop_assert_eq!(filter.matches(&f), want),
                None => prop_assert!(!want),
            }
        }

        #[test]
        fn the_last_day_over_is_the_edge(months in 1u32..40, n in 1200i64..1500) {
            let d = day(n);
            let last = last_filed_over(months, d).unwrap();
            prop_assert!(last.checked_add_months(Months::new(months)).unwrap() < d);
            let next = last.succ_opt().unwrap();
            prop_assert!(next.checked_add_months(Months::new(months)).unwrap() >= d);
        }
    }

    #[test]
    fn only_counters_the_columns_cannot_say_go_case_by_case() {
        let p = Period {
            from: day(300),
            to: day(390),
        };
        let without: Vec<&str> = Counter::ALL
            .iter()
            .filter(|c| c.filter(&p).is_none())
            .map(|c| c.as_str())
            .collect();
        assert_eq!(
            without,
            [
                "closed_days",
                "execution_paid_yuan",
                "zhongben_stock_at_start",
                "zhongben_entered",
                "zhongben_left",
                "zhongben_left_restored",
                "zhongben_left_performed",
                "zhongben_left_settled",
                "zhongben_left_terminated",
                "zhongben_left_other",
                "zhongben_left_assisted",
                "zhongben_stock_at_end",
                "evaluated",
                "evaluated_passed",
                "proofread_open_at_start",
                "proofread_found",
                "proofread_resolved",
                "proofread_open_at_end"
            ]
        );
    }
}
