//! The public's ratings (司法公正码, issue 24): the five levels, the aspects a rating may name, the
//! check of a rating as a person submits it (no level is ever assumed), what a bad rating calls
//! for, and what the public rating page may say about a case. Values a court sets are in
//! `rules/feedback.toml` ([U]: none is fixed by law). No IO.

use crate::case::Confidentiality;
use crate::case_type::CaseKind;
use serde::Deserialize;
use std::sync::OnceLock;

pub const RULES_TOML: &str = include_str!("../../../rules/feedback.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    pub case_party_days: i64,
    pub window_days: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Form {
    pub comment_max: usize,
    pub name_max: usize,
    pub window_per_device_per_day: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FollowUpDays {
    pub callback_working_days: u32,
    pub rectify_working_days: u32,
    pub reply_working_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Aspect {
    pub key: String,
    pub zh: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Rules {
    pub tokens: Tokens,
    pub form: Form,
    pub follow_up: FollowUpDays,
    pub aspects: Vec<Aspect>,
}

impl Rules {
    pub fn parse(text: &str) -> Result<Rules, String> {
        let r: Rules = toml::from_str(text).map_err(|e| e.to_string())?;
        if r.aspects.is_empty() {
            return Err("no [[aspects]]".into());
        }
        let mut keys: Vec<&str> = r.aspects.iter().map(|a| a.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.len() != r.aspects.len() {
            return Err("an aspect key is listed twice".into());
        }
        if r.tokens.case_party_days <= 0 || r.tokens.window_days <= 0 {
            return Err("token validity must be positive".into());
        }
        Ok(r)
    }

    pub fn aspect(&self, key: &str) -> Option<&Aspect> {
        self.aspects.iter().find(|a| a.key == key)
    }
}

/// The rules as shipped.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules::parse(RULES_TOML).expect("rules/feedback.toml is valid"))
}

/// How satisfied a person says they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    VeryDissatisfied = 1,
    Dissatisfied = 2,
    Basic = 3,
    Satisfied = 4,
    VerySatisfied = 5,
}

impl Level {
    /// Best first, as the page lists them.
    pub const ALL: [Level; 5] = [
        Level::VerySatisfied,
        Level::Satisfied,
        Level::Basic,
        Level::Dissatisfied,
        Level::VeryDissatisfied,
    ];
    pub fn from_score(n: i64) -> Option<Level> {
        Level::ALL.into_iter().find(|l| *l as i64 == n)
    }
    pub fn score(self) -> i64 {
        self as i64
    }
    pub fn zh(self) -> &'static str {
        match self {
            Level::VerySatisfied => "非常满意",
            Level::Satisfied => "满意",
            Level::Basic => "基本满意",
            Level::Dissatisfied => "不满意",
            Level::VeryDissatisfied => "非常不满意",
        }
    }
    /// 不满意 and 非常不满意 count as bad ratings.
    pub fn is_bad(self) -> bool {
        self <= Level::Dissatisfied
    }
}

/// A rating as the form or the API gave it.
#[derive(Debug, Clone, Default)]
pub struct RatingInput<'a> {
    /// 1–5; absent when the person chose none (never defaulted).
    pub level: Option<i64>,
    pub aspects: &'a [String],
    pub comment: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
}

/// A rating that passed the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub level: Level,
    /// Known aspect keys, each once, in the rules' order.
    pub aspects: Vec<String>,
    pub comment: String,
    pub name: Option<String>,
    /// A mainland mobile number, normalised.
    pub phone: Option<String>,
}

/// One reason a rating is refused, with the field it concerns.
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

/// Checks a rating; every problem is named with its field.
pub fn check_rating(r: &Rules, i: &RatingInput<'_>) -> Result<Rating, Vec<FieldError>> {
    let mut problems = vec![];
    let level = match i.level {
        None => {
            problems.push(err("rating", "请选择满意程度"));
            None
        }
        Some(n) => match Level::from_score(n) {
            Some(l) => Some(l),
            None => {
                problems.push(err("rating", format!("满意程度应为 1 至 5，收到 {n}")));
                None
            }
        },
    };
    let mut aspects = vec![];
    for a in i.aspects.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        if r.aspect(a).is_none() {
            problems.push(err("aspects", format!("没有“{a}”这一评价方面")));
        }
    }
    for known in &r.aspects {
        if i.aspects.iter().any(|a| a.trim() == known.key) {
            aspects.push(known.key.clone());
        }
    }
    let comment = i.comment.trim();
    if comment.chars().count() > r.form.comment_max {
        problems.push(err(
            "comment",
            format!("意见建议不能超过 {} 字", r.form.comment_max),
        ));
    }
    let name = i.name.trim();
    if name.chars().count() > r.form.name_max {
        problems.push(err("name", format!("姓名不能超过 {} 字", r.form.name_max)));
    }
    let phone = match i.phone.trim() {
        "" => None,
        p => match crate::identity::mobile_number(p) {
            Ok(p) => Some(p),
            Err(why) => {
                problems.push(err("phone", format!("手机号码“{p}”无效：{why}")));
                None
            }
        },
    };
    match level {
        Some(level) if problems.is_empty() => Ok(Rating {
            level,
            aspects,
            comment: comment.to_string(),
            name: (!name.is_empty()).then(|| name.to_string()),
            phone,
        }),
        _ => Err(problems),
    }
}

/// What a rating calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// A good or middling rating: counted.
    None,
    /// A bad rating without a way to reach the person: counted and reviewed by the case office.
    Review,
    /// A bad rating with a phone number: a supervision item of source 群众评价, starting with a
    /// call-back (回访).
    CallBack,
}

impl Rating {
    pub fn follow_up(&self) -> FollowUp {
        match (self.level.is_bad(), &self.phone) {
            (false, _) => FollowUp::None,
            (true, None) => FollowUp::Review,
            (true, Some(_)) => FollowUp::CallBack,
        }
    }
}

/// What the public rating page says about a case: the court and the kind of case, and the cause
/// only for a case with nothing to hide. Never a party's name, never a number that identifies the
/// case to a stranger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicCase {
    pub court: String,
    pub kind: &'static str,
    pub cause: Option<String>,
}

pub fn public_case(
    court: &str,
    kind: CaseKind,
    cause: Option<&str>,
    confidentiality: Confidentiality,
) -> PublicCase {
    PublicCase {
        court: court.to_string(),
        kind: kind.zh(),
        cause: match confidentiality {
            Confidentiality::Public => cause
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from),
            Confidentiality::Minors
            | Confidentiality::StateSecret
            | Confidentiality::TradeSecret
            | Confidentiality::Privacy => None,
        },
    }
}

/// Whether a reader sees the words of a rating (its comment and the name left with it): always
/// for a public case and a window; for a confidential case only with a clearance for its level
/// (need-to-know included) — a person may name a minor or a secret in what they write.
pub fn words_visible(level: Option<Confidentiality>, clearance: &crate::case::Clearance) -> bool {
    match level {
        None | Some(Confidentiality::Public) => true,
        Some(l) => clearance.allows(l),
    }
}

/// The deadlines of a bad rating's follow-up, counted in working days from the day it was given
/// (Beijing): the call-back (回访), then the rectification, then the reply to the person. Each is
/// the end of its day (the next day's Beijing midnight, as an instant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUpDue {
    pub callback: chrono::DateTime<chrono::Utc>,
    pub rectify: chrono::DateTime<chrono::Utc>,
    pub reply_days: u32,
}

pub fn follow_up_due(
    r: &Rules,
    cal: &crate::calendar::Calendar,
    rated_at: chrono::DateTime<chrono::Utc>,
) -> FollowUpDue {
    let day = crate::clock::local_date(rated_at);
    let callback = cal.add_working_days(day, r.follow_up.callback_working_days);
    let rectify = cal.add_working_days(callback, r.follow_up.rectify_working_days);
    let end = |d: chrono::NaiveDate| crate::clock::local_midnight(d + chrono::Duration::days(1));
    FollowUpDue {
        callback: end(callback),
        rectify: end(rectify),
        reply_days: r.follow_up.reply_working_days,
    }
}

/// The steps of a supervision item raised on a bad rating, as the court works it: accepting the
/// item is the call-back (回访) and must say how the person was reached and what they said;
/// closing it is the reply (答复) to the person and must say what they were told. Other steps
/// follow the ordinary loop. `None` when the step may go ahead.
pub fn check_item_step(action: crate::supervision::ItemAction, note: &str) -> Option<&'static str> {
    use crate::supervision::ItemAction as A;
    let empty = note.trim().is_empty();
    match action {
        A::Accept if empty => Some("请填写回访情况：何时以何方式联系了评价人、对方反映的问题"),
        A::Close if empty => Some("请填写答复评价人的情况：何时以何方式答复、答复内容"),
        _ => None,
    }
}

/// How a step of a rating's item is named for the court (the ordinary names otherwise).
pub fn item_step_zh(action: crate::supervision::ItemAction) -> Option<&'static str> {
    use crate::supervision::ItemAction as A;
    match action {
        A::Accept => Some("登记回访"),
        A::Close => Some("答复评价人并销号"),
        _ => None,
    }
}

/// What a decision on a rating is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    /// A bad rating without a contact, read and considered by the case office.
    Reviewed,
    /// A rating found mistaken or malicious: left out of the index, kept in the record.
    SetAside,
}

impl DecisionKind {
    pub fn parse(s: &str) -> Option<DecisionKind> {
        match s {
            "reviewed" => Some(DecisionKind::Reviewed),
            "set_aside" => Some(DecisionKind::SetAside),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Reviewed => "reviewed",
            DecisionKind::SetAside => "set_aside",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            DecisionKind::Reviewed => "已复核",
            DecisionKind::SetAside => "不予采信",
        }
    }
}

/// Whether a person may decide on a rating: with a written reason always; a set-aside never by
/// the judge whose case was rated (a rating cannot be dismissed by the one it is about), and only
/// once per kind.
pub fn check_decision(
    kind: DecisionKind,
    note: &str,
    decider_name: &str,
    case_judge: &str,
    already: bool,
) -> Result<(), (&'static str, &'static str)> {
    if already {
        return Err(("already_decided", "该评价已作过同样的决定"));
    }
    if note.trim().is_empty() {
        return Err(("note_required", "请写明理由"));
    }
    if kind == DecisionKind::SetAside && !case_judge.is_empty() && decider_name == case_judge {
        return Err((
            "own_case",
            "承办法官不能对本人案件的评价作不予采信决定，须由其他人员决定",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(level: Option<i64>, aspects: &'a [String], phone: &'a str) -> RatingInput<'a> {
        RatingInput {
            level,
            aspects,
            comment: "",
            name: "",
            phone,
        }
    }

    #[test]
    fn follow_up_deadlines_count_working_days_over_a_holiday() {
        use crate::calendar::Calendar;
        let cal = Calendar::parse(crate::rules::CALENDAR_TOML).unwrap();
        // Rated on Thursday 2026-09-24 (Beijing): 09-25..27 are 中秋 rest days and 10-01..07
        // 国庆 in the 2026 arrangement, with Saturday 10-10 a make-up working day.
        let rated =
            crate::clock::local_midnight(chrono::NaiveDate::from_ymd_opt(2026, 9, 24).unwrap())
                + chrono::Duration::hours(10);
        let d = follow_up_due(rules(), &cal, rated);
        let cb = crate::clock::local_date(d.callback - chrono::Duration::seconds(1));
        // Three working days after it: Mon 28, Tue 29, Wed 30 September.
        assert_eq!(cb, chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
        // Fifteen more: 8, 9, 10 (Saturday, worked), 12–16, 19–23, 26, 27 October.
        let rect = crate::clock::local_date(d.rectify - chrono::Duration::seconds(1));
        assert_eq!(rect, chrono::NaiveDate::from_ymd_opt(2026, 10, 27).unwrap());
        assert_eq!(cal.add_working_days(cb, 0), cb);
    }

    #[test]
    fn a_rating_item_needs_words_at_call_back_and_reply_and_a_judge_cannot_set_aside_their_own() {
        use crate::supervision::ItemAction;
        assert!(check_item_step(ItemAction::Accept, " ").is_some());
        assert!(check_item_step(ItemAction::Accept, "12月3日电话回访").is_none());
        assert!(check_item_step(ItemAction::Close, "").is_some());
        assert!(check_item_step(ItemAction::Verify, "").is_none());
        let k = DecisionKind::SetAside;
        assert_eq!(
            check_decision(k, "恶意", "王法官", "王法官", false)
                .unwrap_err()
                .0,
            "own_case"
        );
        assert!(check_decision(k, "恶意", "李庭长", "王法官", false).is_ok());
        assert_eq!(
            check_decision(k, "", "李庭长", "王法官", false)
                .unwrap_err()
                .0,
            "note_required"
        );
        assert_eq!(
            check_decision(DecisionKind::Reviewed, "看过", "李", "王", true)
                .unwrap_err()
                .0,
            "already_decided"
        );
        assert_eq!(DecisionKind::parse("set_aside"), Some(k));
    }

    #[test]
    fn the_words_of_a_confidential_case_s_rating_need_its_clearance() {
        use crate::case::Clearance;
        let none = Clearance::default();
        assert!(words_visible(None, &none));
        assert!(words_visible(Some(Confidentiality::Public), &none));
        assert!(!words_visible(Some(Confidentiality::Minors), &none));
        assert!(!words_visible(Some(Confidentiality::StateSecret), &none));
        assert!(words_visible(
            Some(Confidentiality::Minors),
            &Clearance::all()
        ));
    }

    #[test]
    fn shipped_rules_parse() {
        let r = rules();
        assert!(r.aspect("fairness").is_some_and(|a| a.zh == "公正"));
        assert!(r.tokens.case_party_days > 0);
        assert!(Rules::parse("").is_err());
    }

    #[test]
    fn no_level_is_ever_assumed() {
        let e = check_rating(rules(), &input(None, &[], "")).unwrap_err();
        assert_eq!(e[0].field, "rating");
        for bad in [0, 6, -1] {
            assert!(check_rating(rules(), &input(Some(bad), &[], "")).is_err());
        }
        for l in Level::ALL {
            let r = check_rating(rules(), &input(Some(l.score()), &[], "")).unwrap();
            assert_eq!(r.level, l);
        }
    }

    #[test]
    fn the_last_two_levels_are_bad_and_call_for_a_call_back_when_a_phone_was_left() {
        let bad: Vec<Level> = Level::ALL.into_iter().filter(|l| l.is_bad()).collect();
        assert_eq!(bad, [Level::Dissatisfied, Level::VeryDissatisfied]);
        let with = check_rating(rules(), &input(Some(1), &[], "138 5710 2000")).unwrap();
        assert_eq!(with.phone.as_deref(), Some("13857102000"));
        assert_eq!(with.follow_up(), FollowUp::CallBack);
        let without = check_rating(rules(), &input(Some(2), &[], "")).unwrap();
        assert_eq!(without.follow_up(), FollowUp::Review);
        let good = check_rating(rules(), &input(Some(4), &[], "13857102000")).unwrap();
        assert_eq!(good.follow_up(), FollowUp::None);
    }

    #[test]
    fn every_problem_is_named_with_its_field() {
        let aspects = vec!["fairness".to_string(), "speed".to_string()];
        let long = "长".repeat(rules().form.comment_max + 1);
        let i = RatingInput {
            level: Some(9),
            aspects: &aspects,
            comment: &long,
            name: &"名".repeat(rules().form.name_max + 1),
            phone: "0571-8700123",
        };
        let fields: Vec<&str> = check_rating(rules(), &i)
            .unwrap_err()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["rating", "aspects", "comment", "name", "phone"]);
        // Aspects are kept once each, in the rules' order.
        let aspects = vec![
            "attitude".to_string(),
            "fairness".to_string(),
            "attitude".to_string(),
        ];
        let r = check_rating(rules(), &input(Some(5), &aspects, "")).unwrap();
        assert_eq!(r.aspects, ["fairness", "attitude"]);
    }

    #[test]
    fn the_public_page_names_a_cause_only_for_a_case_with_nothing_to_hide() {
        let p = public_case(
            "杭州市上城区人民法院",
            CaseKind::Civil,
            Some("离婚纠纷"),
            Confidentiality::Public,
        );
        assert_eq!(p.cause.as_deref(), Some("离婚纠纷"));
        for c in [
            Confidentiality::Minors,
            Confidentiality::StateSecret,
            Confidentiality::TradeSecret,
            Confidentiality::Privacy,
        ] {
            let p = public_case(
                "杭州市上城区人民法院",
                CaseKind::Criminal,
                Some("强奸罪"),
                c,
            );
            assert_eq!(p.cause, None, "{c:?}");
            assert_eq!(p.court, "杭州市上城区人民法院");
        }
    }
}
