//! 公民身份号码: checking one (GB 11643-1999) and masking it for display. It is what identifies one
//! person across the police's, the procuratorate's and the courts' files ([`crate::person`]).

use chrono::NaiveDate;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character of a 公民身份号码 whose first 17 characters are `body` (GB 11643-1999);
/// none unless `body` is 17 digits.
pub fn check_char(body: &str) -> Option<char> {
    let digits: Vec<u32> = body
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 17 {
        return None;
    }
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    Some(CHECK[(sum % 11) as usize])
}

/// Checks a 公民身份号码 (GB 11643-1999: 17 digits and a check character, with a real birth date;
/// the 15-digit first-generation form is accepted by its date alone). Returns it normalised
/// (upper-case X), or why it is refused.
pub fn check_id(raw: &str) -> Result<String, String> {
    let s: String = raw.trim().to_uppercase();
    let chars: Vec<char> = s.chars().collect();
    let date_ok = |y: &str, m: &str, d: &str| {
        format!("{y}-{m}-{d}")
            .parse::<NaiveDate>()
            .is_ok_and(|b| b.format("%Y").to_string().as_str() >= "1900")
    };
    match chars.len() {
        18 => {
            if !chars[..17].iter().all(char::is_ascii_digit) {
                return Err("前 17 位须为数字".into());
            }
            if !(chars[17].is_ascii_digit() || chars[17] == 'X') {
                return Err("第 18 位须为数字或 X".into());
            }
            if !date_ok(&s[6..10], &s[10..12], &s[12..14]) {
                return Err(format!("出生日期“{}”不是有效日期", &s[6..14]));
            }
            let want = check_char(&s[..17]).unwrap_or('?');
            if chars[17] != want {
                return Err(format!("校验码应为 {want}，号码有误"));
            }
            Ok(s)
        }
        15 => {
            if !chars.iter().all(char::is_ascii_digit) {
                return Err("15 位号码须全为数字".into());
            }
            if !date_ok(&format!("19{}", &s[6..8]), &s[8..10], &s[10..12]) {
                return Err(format!("出生日期“{}”不是有效日期", &s[6..12]));
            }
            Ok(s)
        }
        n => Err(format!("应为 18 位（或旧式 15 位），实为 {n} 位")),
    }
}

/// The number as it may be shown: region and last four characters (330102********123X).
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// A mainland mobile number as text messages are addressed: eleven digits starting 13–19,
/// written with or without spaces, hyphens or a leading +86 / 86. The digits, or why not.
pub fn mobile_number(raw: &str) -> Result<String, String> {
    let digits: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '　'))
        .collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
        .unwrap_or(&digits);
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("只能包含数字".into());
    }
    if digits.len() != 11 {
        return Err(format!("应为 11 位手机号码，实为 {} 位", digits.len()));
    }
    if !matches!(digits.as_bytes()[..2], [b'1', b'3'..=b'9']) {
        return Err("手机号码应以 13–19 开头".into());
    }
    Ok(digits.to_string())
}

#[cfg(test)]
mod mobile_tests {
    use super::mobile_number;

    #[test]
    fn mobile_numbers_are_normalised_or_refused_with_the_reason() {
        assert_eq!(mobile_number("13857102000").as_deref(), Ok("13857102000"));
        assert_eq!(
            mobile_number(" +86 138-5710-2000 ").as_deref(),
            Ok("13857102000")
        );
        assert_eq!(mobile_number("8613857102000").as_deref(), Ok("13857102000"));
        assert!(mobile_number("0571-87001234").is_err());
        assert!(mobile_number("12857102000").unwrap_err().contains("13–19"));
        assert!(
            mobile_number("1385710200")
                .unwrap_err()
                .contains("实为 10 位")
        );
        assert!(mobile_number("1385710200x").unwrap_err().contains("数字"));
        assert!(mobile_number("").is_err());
    }
}
