//! Court case numbers (案号), RULES.md §10.
//!
//! `（收案年度）法院代字[专门审判代字]类型代字案件编号号`, e.g. `（2020）京0105民初12345号`, and the
//! pre-2016 legacy form `（2014）朝民初字第12345号`. The parser is hand-written rather than a regex so
//! that every refusal can name the part that is wrong and where it starts.

use crate::case_type::{self, CaseType};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The part of a 案号 an error refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Year,
    Court,
    TypeCode,
    Sequence,
    Suffix,
    Whole,
}

impl Part {
    pub fn zh(self) -> &'static str {
        match self {
            Part::Year => "收案年度",
            Part::Court => "法院代字",
            Part::TypeCode => "类型代字",
            Part::Sequence => "案件编号",
            Part::Suffix => "结尾“号”字",
            Part::Whole => "案号",
        }
    }
}

/// Why a 案号 was refused: the part, the character offset where it starts, and a reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("案号 “{input}” 的{part_zh}有误（第 {position} 个字符起）：{reason}", part_zh = part.zh(), position = position + 1)]
pub struct CaseNumberError {
    pub input: String,
    pub part: Part,
    /// 0-based character offset of the offending part.
    pub position: usize,
    pub reason: String,
}

/// A parsed, validated case number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseNumber {
    pub year: u16,
    /// 法院代字, e.g. `京0105`, `最高法`, or for legacy numbers the court abbreviation (`朝`).
    pub court_code: String,
    /// 专门审判代字 (currently only 知).
    pub special_code: Option<String>,
    pub type_code: String,
    pub sequence: u32,
    /// True for the pre-2016 `…字第N号` form.
    pub legacy: bool,
}

const PROVINCES: &str = "京津冀晋内辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川黔贵云滇藏陕甘青宁新兵军";
const SPECIAL_CODES: &[&str] = &["知"];

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

impl CaseNumber {
    /// Parses a 案号. Half-width parentheses and surrounding spaces are accepted; the canonical form
    /// (`Display`) uses full-width parentheses.
    pub fn parse(input: &str) -> Result<CaseNumber, CaseNumberError> {
        let err = |part: Part, position: usize, reason: String| CaseNumberError {
            input: input.to_string(),
            part,
            position,
            reason,
        };
        let chars: Vec<char> = input.trim().chars().collect();
        if chars.is_empty() {
            return Err(err(Part::Whole, 0, "案号为空".into()));
        }
        let mut i = 0;
        if !matches!(chars[0], '（' | '(' | '〔' | '[') {
            return Err(err(
                Part::Year,
                0,
                format!("应以“（”开头，实为“{}”", chars[0]),
            ));
        }
        i += 1;
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        let year_start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let year_txt: String = chars[year_start..i].iter().collect();
        if year_txt.len() != 4 {
            return Err(err(
                Part::Year,
                year_start,
                format!("应为四位阿拉伯数字年份，实为“{year_txt}”"),
            ));
        }
        let year: u16 = year_txt
            .parse()
            .map_err(|_| err(Part::Year, year_start, format!("“{year_txt}”不是年份")))?;
        if !(1949..=2099).contains(&year) {
            return Err(err(
                Part::Year,
                year_start,
                format!("年份 {year} 超出 1949–2099"),
            ));
        }
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        if i >= chars.len() || !matches!(chars[i], '）' | ')' | '〕' | ']') {
            return Err(err(Part::Year, i, "年份后缺少“）”".into()));
        }
        i += 1;
        let body: String = chars[i..].iter().collect();
        let body_start = i;
        if !body.ends_with('号') {
            return Err(err(
                Part::Suffix,
                chars.len().saturating_sub(1),
                "应以“号”结尾".into(),
            ));
        }
        if body.contains("字第") {
            return Self::parse_legacy(input, year, &chars[body_start..], body_start);
        }
        // 法院代字
        let court_start = i;
        let court_code = if chars[i..].starts_with(&['最', '高', '法']) {
            i += 3;
            "最高法".to_string()
        } else {
            let c = chars[i];
            if !PROVINCES.contains(c) {
                return Err(err(
                    Part::Court,
                    i,
                    format!(
                        "“{c}”不是高级法院代字（应为省级简称，如 京、沪、粤，或 最高法、兵、军）"
                    ),
                ));
            }
            i += 1;
            let digits_start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let n = i - digits_start;
            if !matches!(n, 0 | 2 | 4) {
                return Err(err(
                    Part::Court,
                    digits_start,
                    format!(
                        "法院代字的数字部分应为 2 位（中级法院）或 4 位（基层法院），实为 {n} 位"
                    ),
                ));
            }
            chars[court_start..i].iter().collect()
        };
        // 专门审判代字
        let mut special_code = None;
        for s in SPECIAL_CODES {
            let sc: Vec<char> = s.chars().collect();
            if chars[i..].starts_with(&sc) {
                // Only a special code if the rest still starts with a known type code.
                let rest: String = chars[i + sc.len()..].iter().collect();
                if case_type::longest_prefix(&rest).is_some() {
                    special_code = Some((*s).to_string());
                    i += sc.len();
                }
            }
        }
        // 类型代字: Chinese characters up to the first digit.
        let type_start = i;
        while i < chars.len() && is_han(chars[i]) && chars[i] != '号' {
            i += 1;
        }
        let type_code: String = chars[type_start..i].iter().collect();
        if type_code.is_empty() {
            return Err(err(
                Part::TypeCode,
                type_start,
                "缺少类型代字（如 民初、刑终、执）".into(),
            ));
        }
        if type_code.chars().count() > 4 {
            return Err(err(
                Part::TypeCode,
                type_start,
                format!("类型代字“{type_code}”超过 4 个汉字"),
            ));
        }
        // 案件编号
        let seq_start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let seq_txt: String = chars[seq_start..i].iter().collect();
        if seq_txt.is_empty() {
            return Err(err(
                Part::Sequence,
                seq_start,
                "缺少案件编号（阿拉伯数字）".into(),
            ));
        }
        if seq_txt.starts_with('0') {
            return Err(err(
                Part::Sequence,
                seq_start,
                format!("案件编号“{seq_txt}”不应以 0 开头"),
            ));
        }
        if seq_txt.len() > 8 {
            return Err(err(
                Part::Sequence,
                seq_start,
                format!("案件编号“{seq_txt}”超过 8 位"),
            ));
        }
        let sequence: u32 = seq_txt
            .parse()
            .map_err(|_| err(Part::Sequence, seq_start, format!("“{seq_txt}”不是数字")))?;
        if type_code == "刑核" && seq_txt.len() != 8 {
            return Err(err(
                Part::Sequence,
                seq_start,
                format!("刑核案件编号为 8 位随机数，实为 {} 位", seq_txt.len()),
            ));
        }
        if i != chars.len() - 1 {
            let rest: String = chars[i..].iter().collect();
            return Err(err(Part::Suffix, i, format!("编号后有多余内容“{rest}”")));
        }
        Ok(CaseNumber {
            year,
            court_code,
            special_code,
            type_code,
            sequence,
            legacy: false,
        })
    }

    fn parse_legacy(
        input: &str,
        year: u16,
        body: &[char],
        offset: usize,
    ) -> Result<CaseNumber, CaseNumberError> {
        let err = |part: Part, position: usize, reason: String| CaseNumberError {
            input: input.to_string(),
            part,
            position: offset + position,
            reason,
        };
        let text: String = body.iter().collect();
        let Some(k) = text.find("字第") else {
            return Err(err(Part::Whole, 0, "旧式案号应含“字第”".into()));
        };
        let prefix: String = text[..k].to_string();
        let prefix_len = prefix.chars().count();
        if prefix.is_empty() || !prefix.chars().all(is_han) {
            return Err(err(
                Part::Court,
                0,
                "旧式案号“字第”前应为法院简称和类型，如“朝民初”".into(),
            ));
        }
        let digits: String = text[k + "字第".len()..].trim_end_matches('号').to_string();
        let seq_pos = prefix_len + 2;
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(err(
                Part::Sequence,
                seq_pos,
                format!("“字第”后应为数字编号，实为“{digits}”"),
            ));
        }
        if digits.starts_with('0') || digits.len() > 6 {
            return Err(err(
                Part::Sequence,
                seq_pos,
                format!("案件编号“{digits}”无效"),
            ));
        }
        let sequence: u32 = digits
            .parse()
            .map_err(|_| err(Part::Sequence, seq_pos, format!("“{digits}”不是数字")))?;
        // Split the prefix into court abbreviation + the longest known type code at its end.
        let pchars: Vec<char> = prefix.chars().collect();
        let mut split = None;
        for start in 1..pchars.len() {
            let tail: String = pchars[start..].iter().collect();
            if case_type::lookup(&tail).is_some() {
                split = Some(start);
                break;
            }
        }
        let (court_code, type_code) = match split {
            Some(s) => (pchars[..s].iter().collect(), pchars[s..].iter().collect()),
            None => {
                return Err(err(
                    Part::TypeCode,
                    0,
                    format!("旧式案号“{prefix}”中找不到已知的类型代字"),
                ));
            }
        };
        Ok(CaseNumber {
            year,
            court_code,
            special_code: None,
            type_code,
            sequence,
            legacy: true,
        })
    }

    /// The case type of the 类型代字, if it is in the table (RULES.md §10.3). An unknown code is a
    /// valid format but cannot be classified.
    pub fn case_type(&self) -> Option<&'static CaseType> {
        case_type::lookup(&self.type_code)
    }

    /// The province-level part of the court code (`京0105` → `京`).
    pub fn province_code(&self) -> &str {
        if self.court_code == "最高法" {
            return "最高法";
        }
        let end = self
            .court_code
            .char_indices()
            .nth(1)
            .map_or(self.court_code.len(), |(i, _)| i);
        &self.court_code[..end]
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.legacy {
            return write!(
                f,
                "（{}）{}{}字第{}号",
                self.year, self.court_code, self.type_code, self.sequence
            );
        }
        write!(
            f,
            "（{}）{}{}{}{}号",
            self.year,
            self.court_code,
            self.special_code.as_deref().unwrap_or(""),
            self.type_code,
            self.sequence
        )
    }
}

/// The form under which a case is stored: the canonical 案号 when the text parses as one, otherwise the
/// trimmed text (procuratorate and police file numbers).
pub fn normalize(text: &str) -> String {
    match CaseNumber::parse(text) {
        Ok(n) => n.to_string(),
        Err(_) => text.trim().to_string(),
    }
}

impl std::str::FromStr for CaseNumber {
    type Err = CaseNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CaseNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> CaseNumber {
        match CaseNumber::parse(s) {
            Ok(c) => c,
            Err(e) => panic!("{s} should parse: {e}"),
        }
    }

    #[test]
    fn parses_the_rules_samples() {
        // RULES.md §10.4 sample list.
        let c = ok("（2020）京0105民初12345号");
        assert_eq!(
            (
                c.year,
                c.court_code.as_str(),
                c.type_code.as_str(),
                c.sequence
            ),
            (2020, "京0105", "民初", 12345)
        );
        let c = ok("(2019)最高法知民终1号");
        assert_eq!(c.court_code, "最高法");
        assert_eq!(c.special_code.as_deref(), Some("知"));
        assert_eq!(c.type_code, "民终");
        assert_eq!(c.to_string(), "（2019）最高法知民终1号");
        assert_eq!(ok("（2016）最高法民再1号").type_code, "民再");
        assert_eq!(ok("（2021）沪74民终5号").court_code, "沪74");
        assert_eq!(ok("（2020）粤0192民初1号").court_code, "粤0192");
        assert_eq!(ok("（2020）京民终1号").court_code, "京");
        let c = ok("（2022）京01执恢3号");
        assert_eq!(
            (c.court_code.as_str(), c.type_code.as_str()),
            ("京01", "执恢")
        );
        assert_eq!(ok("（2017）最高法刑核32145678号").sequence, 32145678);
        assert_eq!(ok("（2023）浙0192司救民2号").type_code, "司救民");
        assert_eq!(ok("（2019）黔01民辖终7号").type_code, "民辖终");
        assert_eq!(ok("（2018）兵08民终12号").court_code, "兵08");
        let c = ok("（2014）朝民初字第12345号");
        assert!(c.legacy);
        assert_eq!(
            (c.court_code.as_str(), c.type_code.as_str(), c.sequence),
            ("朝", "民初", 12345)
        );
    }

    #[test]
    fn classifies_by_type_code() {
        let t = ok("（2024）浙0102民初7号")
            .case_type()
            .map(|t| (t.kind, t.procedure));
        assert_eq!(
            t,
            Some((
                crate::case_type::CaseKind::Civil,
                crate::case_type::Procedure::FirstInstance
            ))
        );
        assert!(ok("（2024）浙0102执9号").case_type().is_some());
        // Unknown but well-formed code: parses, no type.
        assert!(ok("（2024）浙0102诉前调确9号").case_type().is_none());
    }

    #[test]
    fn refusals_name_the_part() {
        let cases = [
            ("", Part::Whole),
            ("2020京0105民初1号", Part::Year),
            ("（20）京0105民初1号", Part::Year),
            ("（2020京0105民初1号", Part::Year),
            ("（2020）X0105民初1号", Part::Court),
            ("（2020）京010民初1号", Part::Court),
            ("（2020）京01051号", Part::Court),
            ("（2020）京0112号", Part::TypeCode),
            ("（2020）京0105民初号", Part::Sequence),
            ("（2020）京0105民初0012号", Part::Sequence),
            ("（2017）最高法刑核123号", Part::Sequence),
            ("（2020）京0105民初12", Part::Suffix),
            ("（2014）朝字第12号", Part::TypeCode),
        ];
        for (input, part) in cases {
            match CaseNumber::parse(input) {
                Ok(c) => panic!("{input:?} should be refused, parsed as {c:?}"),
                Err(e) => assert_eq!(e.part, part, "{input:?}: {e}"),
            }
        }
        let e = CaseNumber::parse("（2020）Q0105民初1号").err();
        assert_eq!(e.map(|e| e.position), Some(6));
    }

    #[test]
    fn half_width_is_normalised() {
        assert_eq!(
            ok("(2020)京0105民初1号").to_string(),
            "（2020）京0105民初1号"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = CaseNumber::parse(&s);
        }

        #[test]
        fn never_panics_near_valid(y in 1900u32..2100, court in "[京沪粤浙X][0-9]{0,5}", ty in "[民刑执行初终恢字第]{0,5}", seq in "[0-9]{0,10}") {
            let _ = CaseNumber::parse(&format!("（{y}）{court}{ty}{seq}号"));
        }

        #[test]
        fn display_round_trips(y in 1990u16..2099, court in prop::sample::select(vec!["京", "浙01", "浙0102", "最高法", "沪74"]),
                               code in prop::sample::select(vec!["民初", "民终", "执", "执恢", "刑初", "行赔初", "司救民"]),
                               seq in 1u32..9_999_999) {
            let n = CaseNumber { year: y, court_code: court.into(), special_code: None, type_code: code.into(), sequence: seq, legacy: false };
            let parsed = CaseNumber::parse(&n.to_string());
            prop_assert_eq!(parsed, Ok(n));
        }
    }
}
