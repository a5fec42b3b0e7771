//! 失信被执行人名单 (RULES.md §11.3; 《最高人民法院关于公布失信被执行人名单信息的若干规定》 as
//! amended in 2017): who may be listed and on which ground (art. 1), never a minor (art. 4), not
//! on ground (一) when a guarantee, seized property or the order of performance answers for the
//! debt (art. 3), for how long (art. 2: two years, one to three more when serious; no fixed term
//! on ground (一)), and when an entry must be deleted — within three working days of a cause of
//! art. 10, the end of its term among them. The grounds, terms and causes are in
//! `rules/dishonest.toml`. No IO.

use crate::calendar::Calendar;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use std::sync::OnceLock;

pub const RULES_TOML: &str = include_str!("../../../rules/dishonest.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Terms {
    pub fixed_years: u32,
    pub extra_years_max: u32,
    pub delete_working_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Ground {
    pub key: String,
    pub zh: String,
    pub article: String,
    pub fixed_term: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Removal {
    pub key: String,
    pub zh: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Rules {
    pub terms: Terms,
    pub grounds: Vec<Ground>,
    pub removals: Vec<Removal>,
}

impl Rules {
    pub fn parse(text: &str) -> Result<Rules, String> {
        let r: Rules = toml::from_str(text).map_err(|e| e.to_string())?;
        if r.grounds.is_empty() || r.removals.is_empty() {
            return Err("no [[grounds]] or no [[removals]]".into());
        }
        if !r.removals.iter().any(|x| x.key == "expired") {
            return Err("the removals must include `expired`".into());
        }
        Ok(r)
    }
    pub fn ground(&self, key: &str) -> Option<&Ground> {
        self.grounds.iter().find(|g| g.key == key)
    }
    pub fn removal(&self, key: &str) -> Option<&Removal> {
        self.removals.iter().find(|g| g.key == key)
    }
}

/// The rules as shipped.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules::parse(RULES_TOML).expect("rules/dishonest.toml is valid"))
}

/// A person (公民身份号码) or an organisation (统一社会信用代码).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebtorKind {
    Person,
    Organisation,
}

impl DebtorKind {
    pub fn parse(s: &str) -> Option<DebtorKind> {
        match s {
            "person" => Some(DebtorKind::Person),
            "organisation" => Some(DebtorKind::Organisation),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            DebtorKind::Person => "person",
            DebtorKind::Organisation => "organisation",
        }
    }
}

/// A listing as the execution judge enters it.
#[derive(Debug, Clone)]
pub struct ListingInput<'a> {
    pub ground: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub id_number: &'a str,
    /// Years beyond the fixed term for serious violence or threats, or several acts.
    pub extra_years: u32,
    pub decided_on: Option<NaiveDate>,
    /// Art. 3: the court states none of these holds (ground (一) only).
    pub guarantee: bool,
    pub seized_enough: bool,
    pub later_in_order: bool,
    pub today: NaiveDate,
}

/// A listing that passed the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub ground: String,
    pub kind: DebtorKind,
    pub name: String,
    /// What is published: the number with its middle masked.
    pub id_masked: String,
    pub decided_on: NaiveDate,
    /// The last day of the term; none on ground (一).
    pub term_end: Option<NaiveDate>,
}

/// One reason a listing is refused, with its form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The check character of a 统一社会信用代码 whose first 17 characters are `body` (GB 32100-2015);
/// none unless they are 17 characters of the code's alphabet.
pub fn credit_check_char(body: &str) -> Option<char> {
    let chars: Vec<char> = body.chars().collect();
    if chars.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in chars.iter().zip(CREDIT_WEIGHTS) {
        sum += CREDIT_ALPHABET.find(*c)? as u32 * w;
    }
    CREDIT_ALPHABET.chars().nth(((31 - sum % 31) % 31) as usize)
}

/// Whether `code` is a 统一社会信用代码 (GB 32100-2015: 18 characters of its alphabet with a
/// check character).
pub fn check_credit_code(code: &str) -> Result<String, String> {
    let s = code.trim().to_uppercase();
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != 18 {
        return Err(format!("应为 18 位，收到 {} 位", chars.len()));
    }
    if let Some((i, c)) = chars[..17]
        .iter()
        .enumerate()
        .find(|(_, c)| !CREDIT_ALPHABET.contains(**c))
    {
        return Err(format!("第 {} 位“{c}”不是代码字符", i + 1));
    }
    let body: String = chars[..17].iter().collect();
    if credit_check_char(&body) != Some(chars[17]) {
        return Err("校验码不符".into());
    }
    Ok(s)
}

/// Checks a listing against arts. 1–4; every problem named with its field.
pub fn check_listing(r: &Rules, i: &ListingInput<'_>) -> Result<Listing, Vec<FieldError>> {
    let mut problems = vec![];
    let ground = r.ground(i.ground.trim());
    if ground.is_none() {
        problems.push(err("ground", "请选择纳入失信名单的情形（第一条）"));
    }
    let kind = DebtorKind::parse(i.kind.trim());
    if kind.is_none() {
        problems.push(err("kind", "请选择被执行人是自然人还是单位"));
    }
    let name = i.name.trim();
    if name.is_empty() {
        problems.push(err("name", "请填写被执行人姓名或名称"));
    } else if name.chars().count() > 60 {
        problems.push(err("name", "姓名或名称不能超过 60 字"));
    }
    let decided_on = match i.decided_on {
        None => {
            problems.push(err("decided_on", "请填写决定日期"));
            None
        }
        Some(d) if d > i.today => {
            problems.push(err("decided_on", "决定日期不能晚于今天"));
            None
        }
        Some(d) => Some(d),
    };
    let mut id_masked = String::new();
    match kind {
        Some(DebtorKind::Person) => match crate::identity::check_id(i.id_number) {
            Ok(id) => {
                id_masked = crate::identity::mask_id(&id);
                let birth = NaiveDate::parse_from_str(&id[6..14], "%Y%m%d").ok();
                if let (Some(b), Some(d)) = (birth, decided_on.or(Some(i.today)))
                    && adult_on(b, d).is_some_and(|adult| !adult)
                {
                    problems.push(err(
                        "id_number",
                        "被执行人为未成年人，不得纳入失信被执行人名单（第四条）",
                    ));
                }
            }
            Err(why) => problems.push(err("id_number", format!("公民身份号码无效：{why}"))),
        },
        Some(DebtorKind::Organisation) => match check_credit_code(i.id_number) {
            Ok(code) => id_masked = crate::identity::mask_id(&code),
            Err(why) => problems.push(err("id_number", format!("统一社会信用代码无效：{why}"))),
        },
        None => {}
    }
    if let Some(g) = ground {
        if !g.fixed_term && (i.guarantee || i.seized_enough || i.later_in_order) {
            problems.push(err(
                "ground",
                "被执行人已提供充分有效担保、已查封的财产足以清偿，或依法不需先履行的，不得以有履行能力而拒不履行为由纳入（第三条）",
            ));
        }
        if !g.fixed_term && i.extra_years > 0 {
            problems.push(err("extra_years", "该情形不设固定期限，不能延长"));
        }
    }
    if i.extra_years > r.terms.extra_years_max {
        problems.push(err(
            "extra_years",
            format!("延长期限为一至{}年（第二条）", r.terms.extra_years_max),
        ));
    }
    match (ground, kind, decided_on) {
        (Some(g), Some(kind), Some(d)) if problems.is_empty() => Ok(Listing {
            ground: g.key.clone(),
            kind,
            name: name.to_string(),
            id_masked,
            decided_on: d,
            term_end: g.fixed_term.then(|| {
                let years = (r.terms.fixed_years + i.extra_years) as i32;
                let end = d
                    .with_year(d.year() + years)
                    .or_else(|| NaiveDate::from_ymd_opt(d.year() + years, d.month(), 28))
                    .unwrap_or(d);
                end.pred_opt().unwrap_or(end)
            }),
        }),
        _ => Err(problems),
    }
}

/// Whether someone born on `birth` is 18 on `day` (none for an impossible date).
fn adult_on(birth: NaiveDate, day: NaiveDate) -> Option<bool> {
    let eighteen = birth
        .with_year(birth.year() + 18)
        .or_else(|| NaiveDate::from_ymd_opt(birth.year() + 18, 3, 1))?;
    Some(day >= eighteen)
}

/// The last day to delete an entry whose cause arose on `cause_on` (art. 10: three working
/// days).
pub fn delete_by(r: &Rules, cal: &Calendar, cause_on: NaiveDate) -> NaiveDate {
    cal.add_working_days(cause_on, r.terms.delete_working_days)
}

/// Where an entry stands on `today`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Listed, with no cause to delete yet.
    Listed,
    /// A cause of deletion arose (`reason`, a key of the rules' removals): to delete by `by`.
    ToDelete {
        reason: String,
        by: NaiveDate,
        overdue: bool,
    },
    Deleted,
}

/// An entry's status: deleted; else the recorded cause of deletion, or its term's end, sets the
/// day it must be deleted by; else listed.
pub fn status(
    r: &Rules,
    cal: &Calendar,
    term_end: Option<NaiveDate>,
    cause: Option<(&str, NaiveDate)>,
    deleted: bool,
    today: NaiveDate,
) -> Status {
    if deleted {
        return Status::Deleted;
    }
    let expiry = term_end
        .filter(|e| *e < today)
        .and_then(|e| e.succ_opt())
        .map(|d| ("expired", d));
    let first = match (cause, expiry) {
        (Some(c), Some(e)) => Some(if c.1 <= e.1 { c } else { e }),
        (c, e) => c.or(e),
    };
    match first {
        None => Status::Listed,
        Some((reason, on)) => {
            let by = delete_by(r, cal, on);
            Status::ToDelete {
                reason: reason.to_string(),
                by,
                overdue: today > by,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn input<'a>(ground: &'a str, id: &'a str) -> ListingInput<'a> {
        ListingInput {
            ground,
            kind: "person",
            name: "王某某",
            id_number: id,
            extra_years: 0,
            decided_on: Some(day("2026-03-02")),
            guarantee: false,
            seized_enough: false,
            later_in_order: false,
            today: day("2026-12-03"),
        }
    }

    // 11010519491231002X: the GB 11643 example (born 1949-12-31).
    const ADULT: &str = "11010519491231002X";

    #[test]
    fn shipped_rules_parse() {
        let r = rules();
        assert_eq!(r.grounds.len(), 6);
        assert!(r.ground("able_refuses").is_some_and(|g| !g.fixed_term));
        assert!(Rules::parse("").is_err());
    }

    #[test]
    fn terms_two_years_more_when_serious_none_on_ground_one() {
        let l = check_listing(rules(), &input("evades", ADULT)).unwrap();
        assert_eq!(l.term_end, Some(day("2028-03-01")));
        assert_eq!(l.id_masked, crate::identity::mask_id(ADULT));
        let serious = ListingInput {
            extra_years: 3,
            ..input("obstructs", ADULT)
        };
        assert_eq!(
            check_listing(rules(), &serious).unwrap().term_end,
            Some(day("2031-03-01"))
        );
        let over = ListingInput {
            extra_years: 4,
            ..input("obstructs", ADULT)
        };
        assert_eq!(
            check_listing(rules(), &over).unwrap_err()[0].field,
            "extra_years"
        );
        assert_eq!(
            check_listing(rules(), &input("able_refuses", ADULT))
                .unwrap()
                .term_end,
            None
        );
    }

    #[test]
    fn never_a_minor_and_not_on_ground_one_when_the_debt_is_answered_for() {
        // Born 2010-05-01: fifteen when the decision is made (check character by GB 11643).
        let body = "11010520100501001";
        let minor = format!("{body}{}", crate::identity::check_char(body).unwrap());
        assert!(crate::identity::check_id(&minor).is_ok());
        let e = check_listing(rules(), &input("evades", &minor)).unwrap_err();
        assert!(
            e.iter()
                .any(|x| x.field == "id_number" && x.message.contains("第四条"))
        );
        let guaranteed = ListingInput {
            guarantee: true,
            ..input("able_refuses", ADULT)
        };
        let e = check_listing(rules(), &guaranteed).unwrap_err();
        assert!(e[0].message.contains("第三条"));
        // The same facts do not bar a fixed-term ground.
        let evades = ListingInput {
            guarantee: true,
            ..input("evades", ADULT)
        };
        assert!(check_listing(rules(), &evades).is_ok());
    }

    #[test]
    fn every_problem_is_named_with_its_field() {
        let bad = ListingInput {
            ground: "x",
            kind: "person",
            name: "",
            id_number: "123",
            extra_years: 0,
            decided_on: Some(day("2027-01-01")),
            guarantee: false,
            seized_enough: false,
            later_in_order: false,
            today: day("2026-12-03"),
        };
        let fields: Vec<&str> = check_listing(rules(), &bad)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        for f in ["ground", "name", "decided_on", "id_number"] {
            assert!(fields.contains(&f), "{f}: {fields:?}");
        }
    }

    #[test]
    fn credit_codes_carry_their_check_character() {
        // A code whose check character is computed by GB 32100's weights.
        assert!(check_credit_code("91330102MA2AXXXX0X").is_err());
        assert!(check_credit_code("123").is_err());
        let base = "91330102MA27XY0K1";
        let alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        let valid = alphabet
            .chars()
            .map(|c| format!("{base}{c}"))
            .filter(|c| check_credit_code(c).is_ok())
            .collect::<Vec<_>>();
        assert_eq!(valid.len(), 1, "exactly one check character fits");
    }

    #[test]
    fn deletion_within_three_working_days_of_its_cause_or_the_term_s_end() {
        let cal = Calendar::parse(crate::rules::CALENDAR_TOML).unwrap();
        // Paid in full on Wednesday 2026-09-30: 10-01..07 are rest days, so Thu 8, Fri 9 and
        // Saturday 10 (a make-up working day) — to delete by 2026-10-10.
        let s = status(
            rules(),
            &cal,
            None,
            Some(("performed", day("2026-09-30"))),
            false,
            day("2026-10-09"),
        );
        assert_eq!(
            s,
            Status::ToDelete {
                reason: "performed".into(),
                by: day("2026-10-10"),
                overdue: false
            }
        );
        let late = status(
            rules(),
            &cal,
            None,
            Some(("performed", day("2026-09-30"))),
            false,
            day("2026-10-12"),
        );
        assert!(matches!(late, Status::ToDelete { overdue: true, .. }));
        // A term that ended: the day after its last day is the cause.
        let expired = status(
            rules(),
            &cal,
            Some(day("2026-11-30")),
            None,
            false,
            day("2026-12-03"),
        );
        assert!(matches!(expired, Status::ToDelete { ref reason, .. } if reason == "expired"));
        assert_eq!(
            status(
                rules(),
                &cal,
                Some(day("2027-11-30")),
                None,
                false,
                day("2026-12-03")
            ),
            Status::Listed
        );
        assert_eq!(
            status(rules(), &cal, None, None, true, day("2026-12-03")),
            Status::Deleted
        );
    }
}
