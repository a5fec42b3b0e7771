//! A procuratorate's 案件自查: the handling prosecutor looks back at each case of theirs closed
//! since the rule took effect, within so many working days of closing, and records either that
//! they found nothing or what they found and what they did about it. A 常规 plan of the
//! procuratorate then draws only cases whose self-check is done or whose days have run out — so
//! a case is not sampled before its prosecutor had the chance to look at it, and not checking it
//! does not keep it out of the sample. No IO.

use super::{FieldError, Rules};
use crate::calendar::Calendar;
use crate::deputies::err;
use chrono::NaiveDate;

/// What the prosecutor found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// 未发现问题.
    Clean,
    /// 发现问题 (and what was done about it).
    Problems,
}

impl Finding {
    pub const ALL: [Finding; 2] = [Finding::Clean, Finding::Problems];
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Clean => "clean",
            Finding::Problems => "problems",
        }
    }
    pub fn parse(s: &str) -> Option<Finding> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Finding::Clean => "未发现问题",
            Finding::Problems => "发现问题",
        }
    }
}

/// Where a case's self-check stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// Not done; its days have run out.
    Overdue,
    /// Not done; still within its days.
    Waiting,
    /// Done after its days.
    Late,
    /// Done within its days.
    OnTime,
}

impl Standing {
    pub const ALL: [Standing; 4] = [
        Standing::Overdue,
        Standing::Waiting,
        Standing::Late,
        Standing::OnTime,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Overdue => "overdue",
            Standing::Waiting => "waiting",
            Standing::Late => "late",
            Standing::OnTime => "on_time",
        }
    }
    pub fn parse(s: &str) -> Option<Standing> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Standing::Overdue => "逾期未自查",
            Standing::Waiting => "待自查",
            Standing::Late => "逾期完成自查",
            Standing::OnTime => "按期完成自查",
        }
    }
}

/// Whether a case closed on `closed_on` is to be self-checked at all.
pub fn applies(closed_on: NaiveDate, rules: &Rules) -> bool {
    closed_on >= rules.days.self_check_from
}

/// The last day of a case's self-check: so many working days after closing.
pub fn due(closed_on: NaiveDate, rules: &Rules, cal: &Calendar) -> NaiveDate {
    cal.add_working_days(closed_on, rules.days.self_check_days)
}

/// Where the self-check stands on `today`, given the day it was done (if it was).
pub fn standing(due: NaiveDate, done_on: Option<NaiveDate>, today: NaiveDate) -> Standing {
    match done_on {
        Some(d) if d <= due => Standing::OnTime,
        Some(_) => Standing::Late,
        None if today > due => Standing::Overdue,
        None => Standing::Waiting,
    }
}

/// Whether a 常规 plan made on `today` may draw the case: it is not to be self-checked, or its
/// self-check is done, or its days have run out.
pub fn drawable(applies: bool, standing: Standing) -> bool {
    !applies || standing != Standing::Waiting
}

/// Checks a self-check: only the case's handling prosecutor, once, a case that is to be
/// self-checked; a finding of problems says what they are and what was done. Each refusal names
/// its form field (`case` for who and when).
pub fn check(
    handler: bool,
    already: bool,
    applies: bool,
    finding: &str,
    note: &str,
    rules: &Rules,
) -> Vec<FieldError> {
    let mut e = vec![];
    if !handler {
        e.push(err("case", "只有本案承办检察官可以填报案件自查"));
    } else if !applies {
        e.push(err(
            "case",
            format!(
                "本案结案于{}之前，不在案件自查范围内",
                rules.days.self_check_from.format("%Y年%-m月%-d日")
            ),
        ));
    } else if already {
        e.push(err("case", "本案已填报自查，不能重复填报"));
    }
    match Finding::parse(finding) {
        None => e.push(err("finding", "请选择自查结论：未发现问题或发现问题")),
        Some(Finding::Problems) if note.trim().is_empty() => {
            e.push(err("note", "发现问题的，请写明问题及整改情况"))
        }
        _ => {}
    }
    let n = note.trim().chars().count();
    if n > rules.limits.note_max {
        e.push(err(
            "note",
            format!("自查情况最多 {} 字，现有 {n} 字", rules.limits.note_max),
        ));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::rules;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn self_check_days_are_working_days_after_closing() {
        let cal = Calendar::parse(crate::rules::CALENDAR_TOML).expect("calendar");
        // Closed on Thursday 2026-09-24: 09-25 to 09-27 are 中秋 (and a weekend), 10-01 to
        // 10-07 国庆; Saturday 10-10 is a make-up working day. Working days: 09-28, 29, 30,
        // 10-08, 09, 10, 12, 13, 14, 15 — the tenth is 10-15.
        let due = due(d("2026-09-24"), rules(), &cal);
        assert_eq!(due, d("2026-10-15"));
        assert_eq!(standing(due, None, due), Standing::Waiting);
        assert_eq!(
            standing(due, None, due.succ_opt().expect("d")),
            Standing::Overdue
        );
        assert_eq!(standing(due, Some(due), d("2027-01-01")), Standing::OnTime);
        assert_eq!(
            standing(due, due.succ_opt(), d("2027-01-01")),
            Standing::Late
        );
    }

    #[test]
    fn a_plan_draws_a_case_only_once_its_self_check_is_done_or_overdue() {
        assert!(!drawable(true, Standing::Waiting));
        assert!(drawable(true, Standing::Overdue));
        assert!(drawable(true, Standing::OnTime));
        assert!(drawable(true, Standing::Late));
        // Closed before the rule: drawn as before.
        assert!(drawable(false, Standing::Waiting));
        assert!(!applies(d("2026-06-30"), rules()));
        assert!(applies(d("2026-07-01"), rules()));
    }

    #[test]
    fn only_the_handler_self_checks_once_and_problems_are_described() {
        let r = rules();
        let fields = |e: Vec<FieldError>| e.iter().map(|x| x.field).collect::<Vec<_>>();
        assert!(check(true, false, true, "clean", "", r).is_empty());
        assert_eq!(fields(check(false, false, true, "clean", "", r)), ["case"]);
        assert_eq!(fields(check(true, true, true, "clean", "", r)), ["case"]);
        assert_eq!(fields(check(true, false, false, "clean", "", r)), ["case"]);
        assert_eq!(
            fields(check(true, false, true, "problems", " ", r)),
            ["note"]
        );
        assert_eq!(fields(check(true, false, true, "", "", r)), ["finding"]);
        let long = "问".repeat(r.limits.note_max + 1);
        assert_eq!(
            fields(check(true, false, true, "problems", &long, r)),
            ["note"]
        );
        assert!(
            check(
                true,
                false,
                true,
                "problems",
                "起诉书遗漏一名被告人的前科，已补正",
                r
            )
            .is_empty()
        );
    }
}
