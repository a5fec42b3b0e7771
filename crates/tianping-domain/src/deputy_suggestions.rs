//! Deputies' suggestions and procuratorial recommendations, both ways (issue 25; 丽水's
//! 代表建议与公益诉讼检察建议双向衔接转化). A deputy's suggestion about the public interest goes to
//! the procuratorate of their region, which takes it as a public-interest lead or says why not;
//! from a lead it issues a pre-litigation recommendation (检察建议) to the responsible organ, whose
//! written reply is due within two months (fifteen days when urgent — `rules/suggestions.toml`);
//! it records the reply and reports the result back to the deputy. A recommendation not replied to
//! in time, or not adopted, can be handed to the people's congress as a matter for its
//! supervision, which records how it follows it up. Each side sees the other's steps. No IO.

pub use crate::deputies::FieldError;
use crate::deputies::err;
use chrono::{Days, Months, NaiveDate};
use serde::Deserialize;
use std::sync::OnceLock;

pub const RULES_TOML: &str = include_str!("../../../rules/suggestions.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    pub months: u32,
    pub urgent_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub title_max: usize,
    pub content_min: usize,
    pub content_max: usize,
    pub note_max: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub reply: Reply,
    pub limits: Limits,
}

impl Rules {
    pub fn parse(text: &str) -> Result<Rules, String> {
        let r: Rules = toml::from_str(text).map_err(|e| e.to_string())?;
        if r.reply.months == 0 || r.reply.urgent_days == 0 {
            return Err("[reply]: months and urgent_days must be positive".into());
        }
        if r.limits.content_min > r.limits.content_max {
            return Err("[limits]: content_min above content_max".into());
        }
        Ok(r)
    }
}

/// The rules as shipped.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    #[allow(clippy::expect_used)]
    RULES.get_or_init(|| Rules::parse(RULES_TOML).expect("rules/suggestions.toml is valid"))
}

/// The public-interest fields a suggestion concerns (the fields of 公益诉讼 in law).
pub const FIELDS: &[(&str, &str)] = &[
    ("ecology", "生态环境和资源保护"),
    ("food_drug", "食品药品安全"),
    ("state_assets", "国有财产保护"),
    ("land", "国有土地使用权出让"),
    ("heroes", "英雄烈士保护"),
    ("minors", "未成年人保护"),
    ("safety", "安全生产"),
    ("personal_data", "个人信息保护"),
    ("accessibility", "无障碍环境建设"),
    ("other", "其他公共利益"),
];

pub fn field_zh(key: &str) -> Option<&'static str> {
    FIELDS.iter().find(|(k, _)| *k == key).map(|(_, zh)| *zh)
}

/// Where a suggestion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Submitted by the deputy; the procuratorate to decide.
    Submitted,
    /// Taken as a public-interest lead (公益诉讼线索).
    Accepted,
    /// Not taken, with the reason reported back to the deputy.
    Declined,
    /// A recommendation issued to the responsible organ; its reply due.
    Recommended,
    /// The organ replied.
    Replied,
    /// The result reported back to the deputy: done.
    ReportedBack,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Submitted,
        Stage::Accepted,
        Stage::Declined,
        Stage::Recommended,
        Stage::Replied,
        Stage::ReportedBack,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Submitted => "submitted",
            Stage::Accepted => "accepted",
            Stage::Declined => "declined",
            Stage::Recommended => "recommended",
            Stage::Replied => "replied",
            Stage::ReportedBack => "reported_back",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Submitted => "已提交，待检察机关审查",
            Stage::Accepted => "已作为公益诉讼线索受理",
            Stage::Declined => "不予转化，已向代表说明理由",
            Stage::Recommended => "已发出检察建议，待被建议单位回复",
            Stage::Replied => "被建议单位已回复",
            Stage::ReportedBack => "办理结果已反馈代表",
        }
    }
    /// The steps the procuratorate may take from here.
    pub fn next(self) -> &'static [Step] {
        match self {
            Stage::Submitted => &[Step::Accept, Step::Decline],
            Stage::Accepted => &[Step::Recommend, Step::ReportBack],
            Stage::Recommended => &[Step::Reply],
            Stage::Replied => &[Step::ReportBack],
            Stage::Declined | Stage::ReportedBack => &[],
        }
    }
}

/// A step of the procuratorate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Accept,
    Decline,
    Recommend,
    Reply,
    ReportBack,
}

impl Step {
    pub fn parse(s: &str) -> Option<Step> {
        match s {
            "accept" => Some(Step::Accept),
            "decline" => Some(Step::Decline),
            "recommend" => Some(Step::Recommend),
            "reply" => Some(Step::Reply),
            "report_back" => Some(Step::ReportBack),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Accept => "accept",
            Step::Decline => "decline",
            Step::Recommend => "recommend",
            Step::Reply => "reply",
            Step::ReportBack => "report_back",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Step::Accept => "作为公益诉讼线索受理",
            Step::Decline => "不予转化（说明理由）",
            Step::Recommend => "发出诉前检察建议",
            Step::Reply => "登记被建议单位回复",
            Step::ReportBack => "向代表反馈办理结果",
        }
    }
    pub fn to(self) -> Stage {
        match self {
            Step::Accept => Stage::Accepted,
            Step::Decline => Stage::Declined,
            Step::Recommend => Stage::Recommended,
            Step::Reply => Stage::Replied,
            Step::ReportBack => Stage::ReportedBack,
        }
    }
}

/// Checks a deputy's suggestion.
pub fn check_suggestion(
    r: &Rules,
    field: &str,
    title: &str,
    content: &str,
) -> Result<(), Vec<FieldError>> {
    let mut errors = vec![];
    if field_zh(field).is_none() {
        errors.push(err("field", "请选择涉及的公共利益领域"));
    }
    let t = title.trim().chars().count();
    if t == 0 {
        errors.push(err("title", "请填写建议标题"));
    } else if t > r.limits.title_max {
        errors.push(err(
            "title",
            format!("标题不能超过 {} 字", r.limits.title_max),
        ));
    }
    let n = content.trim().chars().count();
    if n < r.limits.content_min {
        errors.push(err(
            "content",
            format!(
                "建议内容至少 {} 字（现 {n} 字），请写明问题、地点和涉及的公共利益",
                r.limits.content_min
            ),
        ));
    } else if n > r.limits.content_max {
        errors.push(err(
            "content",
            format!("建议内容不能超过 {} 字", r.limits.content_max),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A step as the procuratorate enters it.
#[derive(Debug, Clone, Copy)]
pub struct StepInput<'a> {
    pub stage: Stage,
    pub step: Step,
    pub on: Option<NaiveDate>,
    /// The day of the last step (the submission's before any).
    pub last_on: NaiveDate,
    pub today: NaiveDate,
    /// The reason (decline), the recommendation's text, the reply, or the feedback.
    pub text: &'a str,
    /// The organ a recommendation is addressed to.
    pub agency: &'a str,
}

/// Checks a step: in order, dated between the last step and today, with its text (and, for a
/// recommendation, its addressee).
pub fn check_step(r: &Rules, x: &StepInput<'_>) -> Result<(), FieldError> {
    if !x.stage.next().contains(&x.step) {
        return Err(err(
            "step",
            format!("目前“{}”，不能{}", x.stage.zh(), x.step.zh()),
        ));
    }
    let Some(on) = x.on else {
        return Err(err("on", "日期应为 YYYY-MM-DD"));
    };
    if on > x.today {
        return Err(err("on", "日期不能晚于今天"));
    }
    if on < x.last_on {
        return Err(err("on", format!("日期不能早于上一环节（{}）", x.last_on)));
    }
    let n = x.text.trim().chars().count();
    let needs = match x.step {
        Step::Accept => None,
        Step::Decline => Some("不予转化的理由"),
        Step::Recommend => Some("检察建议的内容"),
        Step::Reply => Some("回复的内容"),
        Step::ReportBack => Some("向代表反馈的办理结果"),
    };
    if let Some(what) = needs
        && n == 0
    {
        return Err(err("text", format!("请填写{what}")));
    }
    if n > r.limits.note_max {
        return Err(err(
            "text",
            format!("内容不能超过 {} 字", r.limits.note_max),
        ));
    }
    if x.step == Step::Recommend {
        let a = x.agency.trim().chars().count();
        if a == 0 {
            return Err(err("agency", "请填写被建议单位"));
        }
        if a > 60 {
            return Err(err("agency", "被建议单位不能超过 60 字"));
        }
    }
    Ok(())
}

/// The day the organ's written reply is due: two months after the recommendation, or fifteen
/// days when urgent.
pub fn reply_due(r: &Rules, issued_on: NaiveDate, urgent: bool) -> NaiveDate {
    if urgent {
        issued_on
            .checked_add_days(Days::new(u64::from(r.reply.urgent_days)))
            .unwrap_or(issued_on)
    } else {
        issued_on
            .checked_add_months(Months::new(r.reply.months))
            .unwrap_or(issued_on)
    }
}

/// Whether a recommendation may be handed to the people's congress for its supervision: its
/// reply is overdue, or the organ did not adopt it.
pub fn may_hand_to_congress(
    stage: Stage,
    due: Option<NaiveDate>,
    adopted: Option<bool>,
    today: NaiveDate,
) -> bool {
    match stage {
        Stage::Recommended => due.is_some_and(|d| today > d),
        Stage::Replied | Stage::ReportedBack => adopted == Some(false),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn the_shipped_rules_parse_and_the_reply_is_due_in_two_months_or_fifteen_days() {
        let r = rules();
        assert_eq!(reply_due(r, day("2026-10-31"), false), day("2026-12-31"));
        assert_eq!(reply_due(r, day("2026-12-31"), false), day("2027-02-28"));
        assert_eq!(reply_due(r, day("2026-12-01"), true), day("2026-12-16"));
    }

    #[test]
    fn a_suggestion_names_its_field_and_says_enough() {
        let r = rules();
        assert!(
            check_suggestion(
                r,
                "ecology",
                "关于城西河道污染的建议",
                "城西某河道长期有工业废水排入，沿岸群众反映强烈，建议检察机关依法督促整治"
            )
            .is_ok()
        );
        let e = check_suggestion(r, "x", "", "太短")
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["field", "title", "content"]);
    }

    #[test]
    fn steps_follow_the_order_with_their_texts() {
        let r = rules();
        let base = StepInput {
            stage: Stage::Submitted,
            step: Step::Accept,
            on: Some(day("2026-11-10")),
            last_on: day("2026-11-01"),
            today: day("2026-11-20"),
            text: "",
            agency: "",
        };
        assert!(check_step(r, &base).is_ok());
        let decline = StepInput {
            step: Step::Decline,
            ..base
        };
        assert_eq!(check_step(r, &decline).err().map(|e| e.field), Some("text"));
        let early = StepInput {
            on: Some(day("2026-10-30")),
            ..base
        };
        assert_eq!(check_step(r, &early).err().map(|e| e.field), Some("on"));
        let skip = StepInput {
            step: Step::Reply,
            text: "已整改",
            ..base
        };
        assert_eq!(check_step(r, &skip).err().map(|e| e.field), Some("step"));
        let recommend = StepInput {
            stage: Stage::Accepted,
            step: Step::Recommend,
            text: "建议依法履行监管职责",
            ..base
        };
        assert_eq!(
            check_step(r, &recommend).err().map(|e| e.field),
            Some("agency")
        );
        assert!(
            check_step(
                r,
                &StepInput {
                    agency: "某区生态环境分局",
                    ..recommend
                }
            )
            .is_ok()
        );
    }

    #[test]
    fn an_overdue_or_rejected_recommendation_may_go_to_the_congress() {
        let due = Some(day("2026-12-31"));
        assert!(!may_hand_to_congress(
            Stage::Recommended,
            due,
            None,
            day("2026-12-31")
        ));
        assert!(may_hand_to_congress(
            Stage::Recommended,
            due,
            None,
            day("2027-01-01")
        ));
        assert!(may_hand_to_congress(
            Stage::Replied,
            due,
            Some(false),
            day("2026-12-01")
        ));
        assert!(!may_hand_to_congress(
            Stage::Replied,
            due,
            Some(true),
            day("2027-02-01")
        ));
        assert!(!may_hand_to_congress(
            Stage::Submitted,
            due,
            None,
            day("2027-02-01")
        ));
    }
}
