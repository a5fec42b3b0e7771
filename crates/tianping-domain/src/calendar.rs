//! The rest-day calendar (RULES.md §3.3–§3.4): weekends, public holidays and 调休.
//!
//! The State Council publishes each year's arrangement; a program cannot derive it. Only the
//! exceptions are stored: `rest` days that would otherwise be working days (holidays, bridge days)
//! and `work` days that would otherwise be weekends (调休上班). A year with no published
//! arrangement is **provisional**: weekends only, and every date that depends on it says so.

pub mod notice;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// One year's published exceptions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct YearArrangement {
    /// Rest days that fall on a weekday, or any day named as a holiday, with the holiday's name.
    pub rest: BTreeMap<NaiveDate, String>,
    /// Weekend days that are working days (调休上班), with the holiday they make up for.
    pub work: BTreeMap<NaiveDate, String>,
}

/// The calendar: the published years and the source they came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Calendar {
    pub source: String,
    years: BTreeMap<i32, YearArrangement>,
}

/// Why a calendar file was refused: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar TOML is malformed: {0}")]
    Syntax(String),
    #[error("calendar year {year}: date {date} {problem}")]
    Date {
        year: i32,
        date: String,
        problem: &'static str,
    },
    #[error("calendar year {0} appears twice")]
    DuplicateYear(i32),
    #[error("calendar year {0} is outside {FIRST_YEAR}–{LAST_YEAR}")]
    YearOutOfRange(i64),
    #[error(
        "calendar year {0} names no rest day: a published arrangement always names its holidays"
    )]
    EmptyYear(i32),
}

/// The years a calendar may hold (finding M7: years −5, 0 and 99999 were stored).
pub const FIRST_YEAR: i64 = 1990;
pub const LAST_YEAR: i64 = 2100;

impl CalendarError {
    /// The refusal in Chinese, naming the year and date.
    pub fn zh(&self) -> String {
        match self {
            CalendarError::Syntax(m) => format!("日历格式错误：{m}"),
            CalendarError::Date {
                year,
                date,
                problem,
            } => {
                let p = match *problem {
                    "must be a plain date such as 2026-10-01" => "应为日期，如 2026-10-01",
                    "does not exist" => "不存在",
                    "lies outside its year" => "不在所属年份内",
                    "is listed twice as a rest day" => "作为休息日重复列出",
                    "is a make-up working day but not a Saturday or Sunday" => {
                        "列为调休上班日，但不是星期六或星期日"
                    }
                    "is listed both as a rest day and as a working day" => "同时列为休息日和上班日",
                    other => other,
                };
                format!("{year} 年：日期 {date} {p}")
            }
            CalendarError::DuplicateYear(y) => format!("{y} 年重复出现"),
            CalendarError::YearOutOfRange(y) => {
                format!("年份 {y} 不在 {FIRST_YEAR}–{LAST_YEAR} 年范围内")
            }
            CalendarError::EmptyYear(y) => {
                format!("{y} 年没有任何放假日；国务院发布的安排总列明节假日，请核对后再导入")
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDto {
    #[serde(default)]
    source: String,
    #[serde(default)]
    #[allow(dead_code)]
    transcribed_from: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    first_year: Option<i32>,
    #[serde(default)]
    #[allow(dead_code)]
    last_year: Option<i32>,
    #[serde(default)]
    year: Vec<YearDto>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearDto {
    year: i64,
    #[serde(default)]
    rest: Vec<RestDto>,
    #[serde(default)]
    work: Vec<WorkDto>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RestDto {
    date: toml::value::Datetime,
    holiday: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkDto {
    date: toml::value::Datetime,
    #[serde(rename = "for")]
    for_holiday: String,
}

fn to_date(year: i32, d: &toml::value::Datetime) -> Result<NaiveDate, CalendarError> {
    let bad = |problem| CalendarError::Date {
        year,
        date: d.to_string(),
        problem,
    };
    let (Some(date), None) = (d.date, d.time) else {
        return Err(bad("must be a plain date such as 2026-10-01"));
    };
    let nd = NaiveDate::from_ymd_opt(date.year as i32, date.month as u32, date.day as u32)
        .ok_or_else(|| bad("does not exist"))?;
    if nd.year() != year {
        return Err(bad("lies outside its year"));
    }
    Ok(nd)
}

fn checked_year(y: i64) -> Result<i32, CalendarError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&y) {
        Ok(y as i32)
    } else {
        Err(CalendarError::YearOutOfRange(y))
    }
}

pub fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// Parses a calendar file in the format of `rules/calendar/cn-holidays.toml`.
    pub fn parse(text: &str) -> Result<Calendar, CalendarError> {
        let dto: FileDto =
            toml::from_str(text).map_err(|e| CalendarError::Syntax(e.to_string()))?;
        let mut cal = Calendar {
            source: dto.source,
            years: BTreeMap::new(),
        };
        for y in dto.year {
            cal.add_year(y)?;
        }
        Ok(cal)
    }

    /// Parses one or more `[[year]]` tables (a new year's arrangement) and merges them in,
    /// replacing years already present. Returns the years imported.
    pub fn import(&mut self, text: &str) -> Result<Vec<i32>, CalendarError> {
        let dto: FileDto =
            toml::from_str(text).map_err(|e| CalendarError::Syntax(e.to_string()))?;
        let mut staged = self.clone();
        let mut years = vec![];
        for y in dto.year {
            let year = checked_year(y.year)?;
            if years.contains(&year) {
                return Err(CalendarError::DuplicateYear(year));
            }
            years.push(year);
            staged.years.remove(&year);
            staged.add_year(y)?;
        }
        *self = staged;
        Ok(years)
    }

    fn add_year(&mut self, y: YearDto) -> Result<(), CalendarError> {
        let year = checked_year(y.year)?;
        if self.years.contains_key(&year) {
            return Err(CalendarError::DuplicateYear(year));
        }
        let at = |date: NaiveDate, problem| CalendarError::Date {
            year,
            date: date.to_string(),
            problem,
        };
        let mut arr = YearArrangement::default();
        for r in &y.rest {
            let d = to_date(year, &r.date)?;
            if arr.rest.insert(d, r.holiday.clone()).is_some() {
                return Err(at(d, "is listed twice as a rest day"));
            }
        }
        for w in &y.work {
            let d = to_date(year, &w.date)?;
            if !is_weekend(d) {
                return Err(at(
                    d,
                    "is a make-up working day but not a Saturday or Sunday",
                ));
            }
            if arr.rest.contains_key(&d) {
                return Err(at(d, "is listed both as a rest day and as a working day"));
            }
            arr.work.insert(d, w.for_holiday.clone());
        }
        // Checked last, so that a wrong date is named first.
        if arr.rest.is_empty() {
            return Err(CalendarError::EmptyYear(year));
        }
        self.years.insert(year, arr);
        Ok(())
    }

    /// One year's published arrangement.
    pub fn year(&self, year: i32) -> Option<&YearArrangement> {
        self.years.get(&year)
    }

    /// The published years, ascending.
    pub fn years(&self) -> impl DoubleEndedIterator<Item = (i32, &YearArrangement)> {
        self.years.iter().map(|(y, a)| (*y, a))
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    pub fn first_year(&self) -> Option<i32> {
        self.years.keys().next().copied()
    }

    pub fn last_year(&self) -> Option<i32> {
        self.years.keys().next_back().copied()
    }

    /// Is `d` a rest day? Without a published arrangement for its year: weekends only.
    pub fn is_rest_day(&self, d: NaiveDate) -> bool {
        match self.years.get(&d.year()) {
            Some(a) => {
                if a.work.contains_key(&d) {
                    false
                } else {
                    a.rest.contains_key(&d) || is_weekend(d)
                }
            }
            None => is_weekend(d),
        }
    }

    /// The name of the holiday `d` belongs to, or of the holiday a 调休 working day makes up for.
    pub fn describe(&self, d: NaiveDate) -> Option<String> {
        let a = self.years.get(&d.year())?;
        if let Some(h) = a.rest.get(&d) {
            return Some(format!("{h}假期"));
        }
        a.work.get(&d).map(|h| format!("调休上班日（补{h}假期）"))
    }

    /// The first working day on or after `d` (CPL 2023 art. 85 para 3; CrimPL 2018 art. 105).
    pub fn roll_forward(&self, d: NaiveDate) -> Rollover {
        let mut cur = d;
        let mut skipped = vec![];
        let mut provisional_years = BTreeSet::new();
        // Bounded: no arrangement has ever had more than nine consecutive rest days.
        for _ in 0..60 {
            if !self.covers(cur.year()) {
                provisional_years.insert(cur.year());
            }
            if !self.is_rest_day(cur) {
                break;
            }
            skipped.push(cur);
            cur = cur.succ_opt().unwrap_or(cur);
        }
        Rollover {
            to: cur,
            skipped,
            provisional_years: provisional_years.into_iter().collect(),
        }
    }

    /// The `n`th working day after `d` (`d` itself not counted; `n` = 0 gives `d`). Working days
    /// are those `is_rest_day` says are not rest days, 调休 Saturdays included.
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> NaiveDate {
        let mut cur = d;
        let mut left = n;
        while left > 0 {
            cur = match cur.succ_opt() {
                Some(next) => next,
                None => return cur,
            };
            if !self.is_rest_day(cur) {
                left -= 1;
            }
        }
        cur
    }

    /// A stable digest of the calendar's content, to tell when it changed.
    pub fn fingerprint(&self) -> String {
        let mut s = String::new();
        for (y, a) in &self.years {
            s.push_str(&format!("{y}:"));
            for (d, n) in &a.rest {
                s.push_str(&format!("r{d}{n};"));
            }
            for (d, n) in &a.work {
                s.push_str(&format!("w{d}{n};"));
            }
        }
        crate::fnv64_hex(&s)
    }
}

/// The result of rolling a date forward over rest days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollover {
    pub to: NaiveDate,
    /// The rest days passed over, in order (empty if `d` was a working day).
    pub skipped: Vec<NaiveDate>,
    /// Years consulted for which no arrangement is published (weekends-only assumption).
    pub provisional_years: Vec<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn shipped() -> Calendar {
        Calendar::parse(crate::rules::CALENDAR_TOML).unwrap()
    }

    #[test]
    fn shipped_calendar_covers_2004_to_2026() {
        let c = shipped();
        assert_eq!(c.first_year(), Some(2004));
        assert_eq!(c.last_year(), Some(2026));
        assert!(!c.covers(2027));
    }

    #[test]
    fn mid_autumn_2024_with_a_make_up_saturday() {
        // RULES.md §3.5: 2024-09-14 (Sat) was a 调休 working day; 09-15..17 were rest days.
        let c = shipped();
        assert!(!c.is_rest_day(d("2024-09-14")));
        assert!(c.is_rest_day(d("2024-09-15")));
        assert!(c.is_rest_day(d("2024-09-17")));
        let r = c.roll_forward(d("2024-09-15"));
        assert_eq!(r.to, d("2024-09-18"));
        assert_eq!(r.skipped.len(), 3);
        assert!(r.provisional_years.is_empty());
        assert!(c.describe(d("2024-09-14")).unwrap().contains("调休上班"));
    }

    #[test]
    fn spring_festival_2025_break() {
        // 2025-01-28..02-04 were rest days; 01-26 (Sun) and 02-08 (Sat) were working days.
        let c = shipped();
        for day in 28..=31 {
            assert!(c.is_rest_day(NaiveDate::from_ymd_opt(2025, 1, day).unwrap()));
        }
        assert!(c.is_rest_day(d("2025-02-04")));
        assert!(!c.is_rest_day(d("2025-01-26")));
        assert!(!c.is_rest_day(d("2025-02-08")));
        assert_eq!(c.roll_forward(d("2025-02-03")).to, d("2025-02-05"));
    }

    #[test]
    fn a_year_without_a_calendar_is_provisional_weekends_only() {
        let c = shipped();
        // 2027-01-01 is a Friday: a holiday in every published year, but 2027 is not published.
        assert!(!c.is_rest_day(d("2027-01-01")));
        let r = c.roll_forward(d("2027-01-02"));
        assert_eq!(r.to, d("2027-01-04"));
        assert_eq!(r.provisional_years, vec![2027]);
    }

    #[test]
    fn importing_a_year_replaces_it_and_refuses_bad_dates() {
        let mut c = shipped();
        let years = c
            .import("[[year]]\nyear = 2027\nrest = [ { date = 2027-01-01, holiday = \"元旦\" } ]\nwork = []\n")
            .unwrap();
        assert_eq!(years, vec![2027]);
        assert!(c.is_rest_day(d("2027-01-01")));
        let before = c.clone();
        let err = c
            .import("[[year]]\nyear = 2028\nrest = []\nwork = [ { date = 2028-01-05, for = \"元旦\" } ]\n")
            .unwrap_err();
        assert!(err.to_string().contains("2028-01-05"), "{err}");
        assert_eq!(c, before, "a refused import changes nothing");
        let err = Calendar::parse(
            "[[year]]\nyear = 2030\nrest = [ { date = 2031-01-01, holiday = \"元旦\" } ]\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("outside its year"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn roll_forward_never_lands_on_a_rest_day(days in 0i64..9000) {
            let c = shipped();
            let start = d("2004-01-01") + chrono::Duration::days(days);
            let r = c.roll_forward(start);
            proptest::prop_assert!(!c.is_rest_day(r.to));
            proptest::prop_assert!(r.to >= start);
            // Every skipped day is a rest day, and nothing between start and `to` was missed.
            proptest::prop_assert_eq!(r.skipped.len() as i64, (r.to - start).num_days());
            for s in &r.skipped {
                proptest::prop_assert!(c.is_rest_day(*s));
            }
        }
    }

    /// Finding M7: years -5, 0 and 99999 were stored, and an empty year replaced a published one.
    #[test]
    fn m7_years_out_of_range_and_empty_years_are_refused() {
        let mut cal = Calendar::parse(crate::rules::CALENDAR_TOML).expect("shipped");
        let before = cal.clone();
        for y in [-5i64, 0, 1989, 2101, 99999] {
            let text = format!("[[year]]\nyear = {y}\nrest = []\n");
            assert_eq!(
                cal.import(&text),
                Err(CalendarError::YearOutOfRange(y)),
                "{y}"
            );
        }
        assert_eq!(
            cal.import("[[year]]\nyear = 2025\n"),
            Err(CalendarError::EmptyYear(2025))
        );
        let twice = "[[year]]\nyear = 2027\nrest = [ { date = 2027-01-01, holiday = \"元旦\" } ]\n\
                     [[year]]\nyear = 2027\nrest = [ { date = 2027-01-01, holiday = \"元旦\" } ]\n";
        assert_eq!(cal.import(twice), Err(CalendarError::DuplicateYear(2027)));
        assert_eq!(cal, before, "a refused import changes nothing");
        assert!(CalendarError::YearOutOfRange(99999).zh().contains("99999"));
    }
}
