//! The pre-aggregated totals: the columns a case puts values into day by day, their running
//! sums, and the counters' totals of a period read back from them.

use super::{Candidates, CaseFacts, Counter, PENDING_TIERS, Period};
use chrono::{Months, NaiveDate};
use std::collections::BTreeMap;

/// One column of the pre-aggregated totals. A case puts a value on a day into a column, and the
/// totals of any period follow from running sums of the columns (see [`Totals::from_cumulative`]):
///
/// - a **flow** counter (新收, 结案, 上诉 …) counts a case on a day of the period — on the day it
///   was filed or closed — so its value is the sum of the days of the period;
/// - a **stock** (未结, 超 N 个月未结) holds over an interval of days, stored as +1 on its first
///   day and −1 on the day after its last, so its value on a day is the running sum up to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Flow(Counter),
    /// Pending: from the day of filing up to the day before closing.
    Pending,
    /// Pending and older than so many months.
    PendingOver(u32),
    /// In the 终本 database.
    Zhongben,
    /// Proofreading findings open: from the day found up to the day before resolved.
    ProofreadOpen,
}

impl Column {
    /// The stored column name.
    pub fn name(self) -> String {
        match self {
            Column::Flow(c) => c.as_str().to_string(),
            Column::Pending => "stock_pending".into(),
            Column::PendingOver(m) => format!("stock_over_{m}"),
            Column::Zhongben => "stock_zhongben".into(),
            Column::ProofreadOpen => "stock_proofread_open".into(),
        }
    }
}

impl Counter {
    /// Whether the counter adds up over the days of a period (rather than holding on its last or
    /// first day).
    pub fn is_flow(self) -> bool {
        !matches!(
            self,
            Counter::PendingAtStart
                | Counter::PendingAtEnd
                | Counter::PendingOver6Months
                | Counter::PendingOver12Months
                | Counter::PendingOver18Months
                | Counter::PendingOver36Months
                | Counter::ZhongbenStockAtStart
                | Counter::ZhongbenStockAtEnd
                | Counter::ProofreadOpenAtStart
                | Counter::ProofreadOpenAtEnd
        )
    }

    /// Which cases can be behind this counter in a period: a necessary condition on dates that a
    /// store can check with an index before the exact test ([`Counter::contributes`]).
    pub fn candidates(self, p: &Period) -> Candidates {
        use Counter as C;
        match self {
            C::Received
            | C::CourtReceived
            | C::ReceivedNewDisputes
            | C::ProsecutionReceived
            | C::ProsecutionExtraProcedures => Candidates::FiledIn(*p),
            C::PendingAtStart => match p.from.pred_opt() {
                Some(d) => Candidates::PendingOn(d),
                None => Candidates::All,
            },
            C::PendingAtEnd
            | C::PendingOver6Months
            | C::PendingOver12Months
            | C::PendingOver18Months
            | C::PendingOver36Months => Candidates::PendingOn(p.to),
            C::ZhongbenStockAtStart
            | C::ZhongbenStockAtEnd
            | C::ZhongbenEntered
            | C::ZhongbenLeft
            | C::ZhongbenLeftRestored
            | C::ZhongbenLeftPerformed
            | C::ZhongbenLeftSettled
            | C::ZhongbenLeftTerminated
            | C::ZhongbenLeftOther
            | C::ZhongbenLeftAssisted
            | C::Evaluated
            | C::EvaluatedPassed
            | C::ProofreadOpenAtStart
            | C::ProofreadFound
            | C::ProofreadResolved
            | C::ProofreadOpenAtEnd => Candidates::All,
            _ => Candidates::ClosedIn(*p),
        }
    }

    pub(super) fn tier(self) -> Option<u32> {
        match self {
            Counter::PendingOver6Months => Some(6),
            Counter::PendingOver12Months => Some(12),
            Counter::PendingOver18Months => Some(18),
            Counter::PendingOver36Months => Some(36),
            _ => None,
        }
    }
}

static COLUMNS: std::sync::LazyLock<Vec<Column>> = std::sync::LazyLock::new(|| {
    let mut v: Vec<Column> = Counter::ALL
        .iter()
        .filter(|c| c.is_flow())
        .map(|c| Column::Flow(*c))
        .collect();
    v.push(Column::Pending);
    v.extend(PENDING_TIERS.iter().map(|m| Column::PendingOver(*m)));
    v.push(Column::Zhongben);
    v.push(Column::ProofreadOpen);
    v
});

/// Every column, in stored order.
pub fn columns() -> &'static [Column] {
    &COLUMNS
}

pub(super) fn column_index(c: Column) -> usize {
    COLUMNS.iter().position(|x| *x == c).unwrap_or(0)
}

/// A value a case puts into a column on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contribution {
    pub day: NaiveDate,
    /// Index into [`columns`].
    pub column: usize,
    pub value: i64,
}

impl CaseFacts {
    /// Everything the case puts into the pre-aggregated totals. Flows are the counters' own
    /// values on one-day periods (the days of filing and closing), so the two ways of counting
    /// cannot drift apart; the property test checks every counter over random periods.
    pub fn contributions(&self) -> Vec<Contribution> {
        let mut out = vec![];
        // Flows happen on the days of filing, closing and entering or leaving 终本.
        let mut days = vec![self.filed];
        days.extend(self.closed);
        for s in &self.zhongben {
            days.push(s.from);
            days.extend(s.to());
        }
        days.extend(self.evaluated.iter().map(|e| e.day));
        for f in &self.proofread {
            days.push(f.found);
            days.extend(f.resolved);
        }
        days.sort_unstable();
        days.dedup();
        for day in days {
            let p = Period { from: day, to: day };
            for (i, col) in COLUMNS.iter().enumerate() {
                if let Column::Flow(c) = col {
                    let value = c.value(self, &p);
                    if value != 0 {
                        out.push(Contribution {
                            day,
                            column: i,
                            value,
                        });
                    }
                }
            }
        }
        // Stocks: +1 from the first day, −1 from the closing day (the interval is empty when the
        // case closed before it began).
        let mut interval = |column: Column, start: Option<NaiveDate>, end: Option<NaiveDate>| {
            let Some(start) = start else { return };
            if end.is_some_and(|c| c <= start) {
                return;
            }
            let column = column_index(column);
            out.push(Contribution {
                day: start,
                column,
                value: 1,
            });
            if let Some(end) = end {
                out.push(Contribution {
                    day: end,
                    column,
                    value: -1,
                });
            }
        };
        interval(Column::Pending, Some(self.filed), self.closed);
        for m in PENDING_TIERS {
            let start = self
                .filed
                .checked_add_months(Months::new(m))
                .and_then(|d| d.succ_opt());
            interval(Column::PendingOver(m), start, self.closed);
        }
        for s in &self.zhongben {
            interval(Column::Zhongben, Some(s.from), s.to());
        }
        for f in &self.proofread {
            interval(Column::ProofreadOpen, Some(f.found), f.resolved);
        }
        out
    }
}

/// Running sums of every column over all days up to and including one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cumulative(pub Vec<i64>);

impl Default for Cumulative {
    fn default() -> Self {
        Cumulative(vec![0; COLUMNS.len()])
    }
}

impl Cumulative {
    /// The running sums on `day` of a set of contributions (a reference implementation: the store
    /// keeps them pre-aggregated by month and day).
    pub fn on<'a>(day: NaiveDate, cs: impl IntoIterator<Item = &'a Contribution>) -> Cumulative {
        let mut c = Cumulative::default();
        for x in cs {
            if x.day <= day
                && let Some(v) = c.0.get_mut(x.column)
            {
                *v += x.value;
            }
        }
        c
    }

    fn get(&self, c: Column) -> i64 {
        self.0.get(column_index(c)).copied().unwrap_or(0)
    }

    /// A flow counter's value in these sums (0 for a stock).
    pub fn flow(&self, c: Counter) -> i64 {
        if c.is_flow() {
            self.get(Column::Flow(c))
        } else {
            0
        }
    }
}

/// Sums of counters over a set of cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals(pub BTreeMap<Counter, i64>);

impl Totals {
    pub fn add(&mut self, f: &CaseFacts, p: &Period) {
        for c in Counter::ALL {
            let v = c.value(f, p);
            if v != 0 {
                *self.0.entry(*c).or_default() += v;
            }
        }
    }
    pub fn get(&self, c: Counter) -> i64 {
        self.0.get(&c).copied().unwrap_or(0)
    }
    /// The totals of a period from the running sums on the day before it starts and on its last
    /// day: a flow is their difference, 旧存 the stock on the day before, the others the stock on
    /// the last day.
    pub fn from_cumulative(before: &Cumulative, end: &Cumulative) -> Totals {
        let mut t = Totals::default();
        for c in Counter::ALL {
            let v = match (*c, c.tier()) {
                (Counter::PendingAtStart, _) => before.get(Column::Pending),
                (Counter::PendingAtEnd, _) => end.get(Column::Pending),
                (Counter::ZhongbenStockAtStart, _) => before.get(Column::Zhongben),
                (Counter::ZhongbenStockAtEnd, _) => end.get(Column::Zhongben),
                (Counter::ProofreadOpenAtStart, _) => before.get(Column::ProofreadOpen),
                (Counter::ProofreadOpenAtEnd, _) => end.get(Column::ProofreadOpen),
                (_, Some(m)) => end.get(Column::PendingOver(m)),
                (c, None) => end.get(Column::Flow(c)) - before.get(Column::Flow(c)),
            };
            if v != 0 {
                t.0.insert(*c, v);
            }
        }
        t
    }

    pub fn of<'a>(cases: impl IntoIterator<Item = &'a CaseFacts>, p: &Period) -> Totals {
        let mut t = Totals::default();
        for f in cases {
            t.add(f, p);
        }
        t
    }
}
