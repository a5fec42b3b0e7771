//! Official documents (公文) as GB/T 9704-2012 lays them out: the document number (发文字号, the
//! year in 六角括号 〔〕, the sequence without 第 or padding), the date written in full without
//! padding (成文日期 2026年12月3日), the title, and the checks a letter's reply deadline must pass.

use chrono::{Datelike, Days, NaiveDate};
use std::fmt;

/// The reply deadline a new letter offers: this many days after today.
pub const DEFAULT_REPLY_DAYS: u64 = 7;
/// The latest reply deadline a letter may set, in days after today.
pub const MAX_REPLY_DAYS: u64 = 60;
/// The longest 主送机关 a letter may name, in characters.
pub const MAX_ADDRESSEE_CHARS: usize = 60;

/// `浙0102审管督〔2026〕3号`: the issuing unit's code (机关代字), the office and kind, the year in
/// 〔〕, the sequence number.
pub fn document_number(org_code: &str, kind_mark: &str, year: i32, seq: i64) -> String {
    format!("{org_code}审管{kind_mark}〔{year}〕{seq}号")
}

/// A date as 公文 write it: `2026年12月3日`.
pub fn date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// `关于（2026）浙0102刑初12号案件办理期限的督办函`.
pub fn letter_title(case_number: &str, kind_zh: &str) -> String {
    format!("关于{case_number}案件办理期限的{kind_zh}")
}

/// The reply deadline of a draft signed today: as drafted while it is still after today, else a
/// default deadline from the day of signing (a draft that waited a week for its 签发 does not go
/// out asking for an answer yesterday).
pub fn reply_by_at_signing(drafted: NaiveDate, today: NaiveDate) -> NaiveDate {
    if drafted > today {
        drafted
    } else {
        default_reply_by(today)
    }
}

/// The reply deadline a letter offers by default.
pub fn default_reply_by(today: NaiveDate) -> NaiveDate {
    today
        .checked_add_days(Days::new(DEFAULT_REPLY_DAYS))
        .unwrap_or(today)
}

/// Why a reply deadline or addressee was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LetterFieldError {
    /// Not a date (YYYY-MM-DD).
    ReplyByMalformed(String),
    /// Today or earlier.
    ReplyByPast(NaiveDate),
    /// More than [`MAX_REPLY_DAYS`] ahead.
    ReplyByTooFar(NaiveDate),
    /// Longer than [`MAX_ADDRESSEE_CHARS`].
    AddresseeTooLong(usize),
}

impl fmt::Display for LetterFieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReplyByMalformed(v) => {
                write!(f, "反馈期限“{v}”不是日期，请按 2026-12-10 的格式填写")
            }
            Self::ReplyByPast(d) => write!(f, "反馈期限{}不能早于明天", date_zh(*d)),
            Self::ReplyByTooFar(d) => write!(
                f,
                "反馈期限{}过远，最长为制发之日起 {MAX_REPLY_DAYS} 日",
                date_zh(*d)
            ),
            Self::AddresseeTooLong(n) => {
                write!(
                    f,
                    "主送机关不能超过 {MAX_ADDRESSEE_CHARS} 字（现为 {n} 字）"
                )
            }
        }
    }
}

impl LetterFieldError {
    /// The form field the error belongs next to.
    pub fn field(&self) -> &'static str {
        match self {
            Self::ReplyByMalformed(_) | Self::ReplyByPast(_) | Self::ReplyByTooFar(_) => "reply_by",
            Self::AddresseeTooLong(_) => "addressee",
        }
    }
}

/// Checks the reply deadline typed into a letter: a date after today and at most
/// [`MAX_REPLY_DAYS`] ahead. An empty field takes the default.
pub fn check_reply_by(input: &str, today: NaiveDate) -> Result<NaiveDate, LetterFieldError> {
    let v = input.trim();
    if v.is_empty() {
        return Ok(default_reply_by(today));
    }
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| LetterFieldError::ReplyByMalformed(v.chars().take(40).collect()))?;
    if d <= today {
        return Err(LetterFieldError::ReplyByPast(d));
    }
    let last = today
        .checked_add_days(Days::new(MAX_REPLY_DAYS))
        .unwrap_or(today);
    if d > last {
        return Err(LetterFieldError::ReplyByTooFar(d));
    }
    Ok(d)
}

/// Checks the 主送机关 typed into a letter; empty takes `default`.
pub fn check_addressee(input: &str, default: &str) -> Result<String, LetterFieldError> {
    let v = input.trim();
    if v.is_empty() {
        return Ok(default.to_string());
    }
    let n = v.chars().count();
    if n > MAX_ADDRESSEE_CHARS {
        return Err(LetterFieldError::AddresseeTooLong(n));
    }
    Ok(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_draft_signed_late_asks_for_an_answer_after_its_signing() {
        assert_eq!(
            reply_by_at_signing(d("2026-03-10"), d("2026-03-05")),
            d("2026-03-10")
        );
        assert_eq!(
            reply_by_at_signing(d("2026-03-10"), d("2026-03-10")),
            d("2026-03-17")
        );
        assert_eq!(
            reply_by_at_signing(d("2026-03-10"), d("2026-03-12")),
            d("2026-03-19")
        );
    }

    #[test]
    fn numbers_and_dates_follow_gb_t_9704() {
        assert_eq!(
            document_number("浙0102", "督", 2026, 3),
            "浙0102审管督〔2026〕3号"
        );
        assert_eq!(date_zh(d("2026-12-03")), "2026年12月3日");
        assert_eq!(date_zh(d("2027-01-10")), "2027年1月10日");
        assert_eq!(
            letter_title("（2026）浙0102刑初12号", "督办函"),
            "关于（2026）浙0102刑初12号案件办理期限的督办函"
        );
    }

    #[test]
    fn reply_deadlines_are_checked() {
        let today = d("2026-12-03");
        assert_eq!(check_reply_by("", today), Ok(d("2026-12-10")));
        assert_eq!(check_reply_by(" 2026-12-04 ", today), Ok(d("2026-12-04")));
        assert_eq!(check_reply_by("2027-02-01", today), Ok(d("2027-02-01")));
        assert_eq!(
            check_reply_by("2026-12-03", today),
            Err(LetterFieldError::ReplyByPast(d("2026-12-03")))
        );
        assert_eq!(
            check_reply_by("2027-02-02", today),
            Err(LetterFieldError::ReplyByTooFar(d("2027-02-02")))
        );
        let e = check_reply_by("下周五", today);
        assert_eq!(e, Err(LetterFieldError::ReplyByMalformed("下周五".into())));
        assert!(
            e.err()
                .map(|e| e.to_string())
                .unwrap_or_default()
                .contains("下周五")
        );
    }

    #[test]
    fn addressees_default_and_are_bounded() {
        assert_eq!(
            check_addressee(" ", "刑事审判庭").as_deref(),
            Ok("刑事审判庭")
        );
        assert_eq!(
            check_addressee("本院立案庭", "x").as_deref(),
            Ok("本院立案庭")
        );
        let long = "庭".repeat(61);
        let e = check_addressee(&long, "x");
        assert_eq!(e, Err(LetterFieldError::AddresseeTooLong(61)));
        assert_eq!(LetterFieldError::AddresseeTooLong(61).field(), "addressee");
    }
}
