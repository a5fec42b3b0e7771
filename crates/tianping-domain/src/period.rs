//! Adding legal periods to dates (RULES.md §3.1).
//!
//! Day, month and year periods start on the day after the start event (CPL 2023 art. 85; CrimPL
//! 2018 art. 105): "N days from D" ends on D + N. Month arithmetic lands on the corresponding day
//! of the ending month, or that month's last day if the day does not exist. The criminal rule
//! (刑诉解释 2021 art. 202) differs in one place: a period that starts on the last day of a month
//! ends on the last day of the ending month. Hour periods run continuously from the exact instant.

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Hour,
    Day,
    Month,
    Year,
}

impl Unit {
    pub fn zh(self) -> &'static str {
        match self {
            Unit::Hour => "小时",
            Unit::Day => "日",
            Unit::Month => "个月",
            Unit::Year => "年",
        }
    }
}

/// An amount of time in one unit, and optionally some days after it: "一个半月" is one month
/// then 15 days (刑诉解释 2021 art. 202: 半个月一律按十五日计算), never 45 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    pub amount: u32,
    pub unit: Unit,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub plus_days: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Period {
    pub fn new(amount: u32, unit: Unit) -> Period {
        Period {
            amount,
            unit,
            plus_days: 0,
        }
    }

    /// `amount unit` then `days` more days.
    pub fn and_days(self, days: u32) -> Period {
        Period {
            plus_days: days,
            ..self
        }
    }

    pub fn zh(self) -> String {
        if self.plus_days == 15 && matches!(self.unit, Unit::Month) {
            return match self.amount {
                0 => "半个月".into(),
                1 => "一个半月".into(),
                n => format!("{n}个半月"),
            };
        }
        let mut s = format!("{}{}", self.amount, self.unit.zh());
        if self.plus_days > 0 {
            s.push_str(&format!("{}日", self.plus_days));
        }
        s
    }
}

/// Which statute's month arithmetic applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reckoning {
    /// CPL 2023 art. 85, Civil Code art. 202, ALL: corresponding day, else the month's last day.
    Civil,
    /// 刑诉解释 2021 art. 202: as civil, but a start on a month's last day ends on a last day.
    Criminal,
}

impl Reckoning {
    pub fn zh(self) -> &'static str {
        match self {
            Reckoning::Civil => {
                "民事/行政月份计算（到期月的对应日，无对应日则为月末；民法典第二百零二条）"
            }
            Reckoning::Criminal => {
                "刑事月份计算（自本月某日至下月同日；月末起算则至月末；刑诉解释第二百零二条）"
            }
        }
    }
}

fn last_day_of_month(y: i32, m: u32) -> NaiveDate {
    let first_next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    first_next
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

pub fn is_last_day_of_month(d: NaiveDate) -> bool {
    d.succ_opt().is_none_or(|n| n.month() != d.month())
}

/// `start + n months` under the given reckoning. Saturates at the calendar's end.
pub fn add_months(start: NaiveDate, n: u32, r: Reckoning) -> NaiveDate {
    let Some(end) = start.checked_add_months(Months::new(n)) else {
        return NaiveDate::MAX;
    };
    // chrono clamps a missing day to the month's last day, which is the civil rule.
    if r == Reckoning::Criminal && is_last_day_of_month(start) {
        return last_day_of_month(end.year(), end.month());
    }
    end
}

/// The last day of a day/month/year period that starts counting the day after `start`.
/// Hour periods have no date form; see [`add_hours`].
pub fn end_date(start: NaiveDate, p: Period, r: Reckoning) -> NaiveDate {
    let end = match p.unit {
        Unit::Day | Unit::Hour => start
            .checked_add_signed(Duration::days(p.amount as i64))
            .unwrap_or(NaiveDate::MAX),
        Unit::Month => add_months(start, p.amount, r),
        Unit::Year => add_months(start, p.amount.saturating_mul(12), r),
    };
    end.checked_add_signed(Duration::days(p.plus_days as i64))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn worked_examples_of_rules_section_3() {
        // §3.1: SPC example, 二审立案 2014-05-28 + 3 months → 2014-08-28.
        assert_eq!(
            end_date(
                d("2014-05-28"),
                Period::new(3, Unit::Month),
                Reckoning::Civil
            ),
            d("2014-08-28")
        );
        // §3.1: start 2024-02-29 + 1 month: criminal 2024-03-31, civil 2024-03-29.
        assert_eq!(
            add_months(d("2024-02-29"), 1, Reckoning::Criminal),
            d("2024-03-31")
        );
        assert_eq!(
            add_months(d("2024-02-29"), 1, Reckoning::Civil),
            d("2024-03-29")
        );
        // §3.5: 受理 2024-07-31 + 2 months → 2024-09-30 (last day of the month).
        assert_eq!(
            add_months(d("2024-07-31"), 2, Reckoning::Criminal),
            d("2024-09-30")
        );
        // §3.5: the 至迟 3-month limit is 2024-10-31.
        assert_eq!(
            add_months(d("2024-07-31"), 3, Reckoning::Criminal),
            d("2024-10-31")
        );
        // Civil: a missing day falls back to the month's last day.
        assert_eq!(
            add_months(d("2023-08-31"), 6, Reckoning::Civil),
            d("2024-02-29")
        );
        // A criminal start on 2024-04-30 (last day) + 1 month → 2024-05-31; civil → 2024-05-30.
        assert_eq!(
            add_months(d("2024-04-30"), 1, Reckoning::Criminal),
            d("2024-05-31")
        );
        assert_eq!(
            add_months(d("2024-04-30"), 1, Reckoning::Civil),
            d("2024-05-30")
        );
        // §3.5: 拘留 2025-05-01, 3 days → 2025-05-04; 7 days → 05-08; 30 days → 05-31.
        for (n, want) in [(3, "2025-05-04"), (7, "2025-05-08"), (30, "2025-05-31")] {
            assert_eq!(
                end_date(
                    d("2025-05-01"),
                    Period::new(n, Unit::Day),
                    Reckoning::Criminal
                ),
                d(want)
            );
        }
        assert_eq!(
            end_date(
                d("2024-02-29"),
                Period::new(1, Unit::Year),
                Reckoning::Civil
            ),
            d("2025-02-28")
        );
    }

    #[test]
    fn a_month_and_a_half_is_one_month_then_fifteen_days() {
        // 刑诉解释 2021 art. 202: 半个月一律按十五日计算. 受理 2026-02-01: one month → 03-01,
        // then 15 days → 03-16 (45 days would be 03-18).
        let p = Period::new(1, Unit::Month).and_days(15);
        assert_eq!(
            end_date(d("2026-02-01"), p, Reckoning::Criminal),
            d("2026-03-16")
        );
        assert_eq!(
            end_date(d("2026-03-03"), p, Reckoning::Criminal),
            d("2026-04-18")
        );
        assert_eq!(p.zh(), "一个半月");
        assert_eq!(Period::new(2, Unit::Day).zh(), "2日");
    }

    proptest::proptest! {
        #[test]
        fn a_longer_period_never_ends_earlier(days in 0i64..20000, n in 0u32..40, crim: bool) {
            let r = if crim { Reckoning::Criminal } else { Reckoning::Civil };
            let s = d("1990-01-01") + Duration::days(days);
            proptest::prop_assert!(add_months(s, n + 1, r) > add_months(s, n, r));
            proptest::prop_assert!(add_months(s, n, Reckoning::Criminal) >= add_months(s, n, Reckoning::Civil));
        }
    }
}
