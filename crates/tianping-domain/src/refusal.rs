//! 拒执 referrals (issue 24): a court refers a debtor of one of its execution cases who refuses to
//! perform (《刑法》第三百一十三条 拒不执行判决、裁定罪) to the police of its region and the case is
//! followed to its outcome — the police file it or decline (with reasons), the procuratorate
//! prosecutes or does not, the court convicts or acquits; after a refusal to file or to prosecute,
//! the applicant may prosecute privately and the court records it. Each step is recorded by the
//! agency that takes it (`Step::by`), in order (`Stage::after`). The police's deadline to decide
//! and the sixty days after which a private prosecution is open are in `rules/refusal.toml`.
//! No IO.

use crate::org::AgencyKind;
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use std::sync::OnceLock;

pub const RULES_TOML: &str = include_str!("../../../rules/refusal.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    pub decide_days: u32,
    pub answer_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub facts_min: usize,
    pub facts_max: usize,
    pub note_max: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub deadlines: Deadlines,
    pub limits: Limits,
}

impl Rules {
    pub fn parse(text: &str) -> Result<Rules, String> {
        let r: Rules = toml::from_str(text).map_err(|e| e.to_string())?;
        if r.deadlines.decide_days == 0 || r.deadlines.answer_days < r.deadlines.decide_days {
            return Err("[deadlines]: decide_days > 0 and answer_days ≥ decide_days".into());
        }
        if r.limits.facts_min > r.limits.facts_max {
            return Err("[limits]: facts_min above facts_max".into());
        }
        Ok(r)
    }
}

/// The rules as shipped.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    #[allow(clippy::expect_used)]
    RULES.get_or_init(|| Rules::parse(RULES_TOML).expect("rules/refusal.toml is valid"))
}

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Referred,
    Filed,
    Declined,
    Prosecuted,
    NotProsecuted,
    Convicted,
    Acquitted,
    SelfProsecution,
}

impl Stage {
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Referred => "已移送，待公安机关决定是否立案",
            Stage::Filed => "公安机关已立案侦查",
            Stage::Declined => "公安机关不予立案",
            Stage::Prosecuted => "检察机关已提起公诉",
            Stage::NotProsecuted => "检察机关不起诉",
            Stage::Convicted => "已判决有罪",
            Stage::Acquitted => "判决无罪",
            Stage::SelfProsecution => "申请执行人已提起自诉",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Referred => "referred",
            Stage::Filed => "filed",
            Stage::Declined => "declined",
            Stage::Prosecuted => "prosecuted",
            Stage::NotProsecuted => "not_prosecuted",
            Stage::Convicted => "convicted",
            Stage::Acquitted => "acquitted",
            Stage::SelfProsecution => "self_prosecution",
        }
    }
    /// Has the referral reached its outcome?
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Stage::Convicted | Stage::Acquitted | Stage::SelfProsecution
        )
    }
    /// The stage after the recorded steps, oldest first (each already checked when recorded).
    pub fn after(steps: &[Step]) -> Stage {
        steps.last().map_or(Stage::Referred, |s| s.to())
    }
    /// The steps that may follow.
    pub fn next(self) -> &'static [Step] {
        match self {
            // A private prosecution only once the police have not answered in time (`check_step`).
            Stage::Referred => &[Step::File, Step::Decline, Step::SelfProsecution],
            Stage::Filed => &[Step::Prosecute, Step::NotProsecute],
            Stage::Prosecuted => &[Step::Convict, Step::Acquit],
            Stage::Declined | Stage::NotProsecuted => &[Step::SelfProsecution],
            Stage::Convicted | Stage::Acquitted | Stage::SelfProsecution => &[],
        }
    }
}

/// A step of a referral, recorded by the agency that takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    File,
    Decline,
    Prosecute,
    NotProsecute,
    Convict,
    Acquit,
    SelfProsecution,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::File,
        Step::Decline,
        Step::Prosecute,
        Step::NotProsecute,
        Step::Convict,
        Step::Acquit,
        Step::SelfProsecution,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Step::File => "file",
            Step::Decline => "decline",
            Step::Prosecute => "prosecute",
            Step::NotProsecute => "not_prosecute",
            Step::Convict => "convict",
            Step::Acquit => "acquit",
            Step::SelfProsecution => "self_prosecution",
        }
    }
    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Step::File => "立案侦查",
            Step::Decline => "不予立案",
            Step::Prosecute => "提起公诉",
            Step::NotProsecute => "不起诉",
            Step::Convict => "判决有罪",
            Step::Acquit => "判决无罪",
            Step::SelfProsecution => "申请执行人提起自诉",
        }
    }
    pub fn to(self) -> Stage {
        match self {
            Step::File => Stage::Filed,
            Step::Decline => Stage::Declined,
            Step::Prosecute => Stage::Prosecuted,
            Step::NotProsecute => Stage::NotProsecuted,
            Step::Convict => Stage::Convicted,
            Step::Acquit => Stage::Acquitted,
            Step::SelfProsecution => Stage::SelfProsecution,
        }
    }
    /// The agency that takes the step.
    pub fn by(self) -> AgencyKind {
        match self {
            Step::File | Step::Decline => AgencyKind::Police,
            Step::Prosecute | Step::NotProsecute => AgencyKind::Procuratorate,
            Step::Convict | Step::Acquit | Step::SelfProsecution => AgencyKind::Court,
        }
    }
    /// A refusal to file or prosecute, an acquittal: reasons in writing.
    pub fn needs_note(self) -> bool {
        matches!(self, Step::Decline | Step::NotProsecute | Step::Acquit)
    }
}

/// Why a referral or a step is refused: its form field and the reason.
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

/// Checks a referral's facts and date (not in the future).
pub fn check_referral(
    rules: &Rules,
    debtor: &str,
    facts: &str,
    referred_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), Vec<FieldError>> {
    let mut errors = vec![];
    let d = debtor.trim().chars().count();
    if d == 0 {
        errors.push(err("debtor", "请填写被执行人"));
    } else if d > 60 {
        errors.push(err("debtor", "被执行人姓名或名称不能超过 60 字"));
    }
    let n = facts.trim().chars().count();
    if n < rules.limits.facts_min {
        errors.push(err(
            "facts",
            format!(
                "涉嫌拒执的事实至少 {} 字（现 {n} 字）",
                rules.limits.facts_min
            ),
        ));
    } else if n > rules.limits.facts_max {
        errors.push(err(
            "facts",
            format!("涉嫌拒执的事实不能超过 {} 字", rules.limits.facts_max),
        ));
    }
    match referred_on {
        None => errors.push(err("referred_on", "移送日期应为 YYYY-MM-DD")),
        Some(d) if d > today => errors.push(err("referred_on", "移送日期不能晚于今天")),
        Some(_) => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A step as an agency enters it, with the referral's stage and the day of its last step.
#[derive(Debug, Clone, Copy)]
pub struct StepInput<'a> {
    pub stage: Stage,
    pub step: Step,
    pub agency: AgencyKind,
    pub on: Option<NaiveDate>,
    pub last_on: NaiveDate,
    pub today: NaiveDate,
    pub note: &'a str,
}

/// Checks a step: it must follow the stage, be taken by its agency, be dated between the last
/// step and today, and give reasons where the law asks for them.
pub fn check_step(rules: &Rules, x: &StepInput<'_>) -> Result<(), FieldError> {
    let StepInput {
        stage,
        step,
        agency,
        on,
        last_on,
        today,
        note,
    } = *x;
    if !stage.next().contains(&step) {
        return Err(err(
            "step",
            format!("案件目前“{}”，不能登记“{}”", stage.zh(), step.zh()),
        ));
    }
    if agency != step.by() {
        return Err(err(
            "step",
            format!("“{}”应由{}登记", step.zh(), step.by().zh()),
        ));
    }
    let Some(on) = on else {
        return Err(err("on", "日期应为 YYYY-MM-DD"));
    };
    if on > today {
        return Err(err("on", "日期不能晚于今天"));
    }
    if on < last_on {
        return Err(err("on", format!("日期不能早于上一环节（{last_on}）")));
    }
    // Before any answer (`last_on` is the referral's day): only after the days of the rules.
    if stage == Stage::Referred
        && step == Step::SelfProsecution
        && on < private_prosecution_from(rules, last_on)
    {
        return Err(err(
            "step",
            format!(
                "移送后满 {} 日公安机关未书面答复，方可登记自诉（{} 起）",
                rules.deadlines.answer_days,
                private_prosecution_from(rules, last_on)
            ),
        ));
    }
    let n = note.trim().chars().count();
    if step.needs_note() && n == 0 {
        return Err(err("note", format!("“{}”须写明理由", step.zh())));
    }
    if n > rules.limits.note_max {
        return Err(err(
            "note",
            format!("说明不能超过 {} 字", rules.limits.note_max),
        ));
    }
    Ok(())
}

/// The day the police are due to decide whether to file.
pub fn decide_by(rules: &Rules, referred_on: NaiveDate) -> NaiveDate {
    referred_on
        .checked_add_days(Days::new(u64::from(rules.deadlines.decide_days)))
        .unwrap_or(referred_on)
}

/// From this day, without a written answer, the applicant may prosecute privately.
pub fn private_prosecution_from(rules: &Rules, referred_on: NaiveDate) -> NaiveDate {
    referred_on
        .checked_add_days(Days::new(u64::from(rules.deadlines.answer_days)))
        .unwrap_or(referred_on)
}

/// Is the police's decision overdue on `today`?
pub fn decision_overdue(
    rules: &Rules,
    stage: Stage,
    referred_on: NaiveDate,
    today: NaiveDate,
) -> bool {
    stage == Stage::Referred && today > decide_by(rules, referred_on)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn shipped_rules_parse() {
        assert_eq!(rules().deadlines.decide_days, 3);
        assert!(Rules::parse("[deadlines]\ndecide_days=0\nanswer_days=1\n[limits]\nfacts_min=1\nfacts_max=2\nnote_max=1").is_err());
    }

    #[test]
    fn the_steps_follow_the_procedure_and_each_agency_takes_its_own() {
        let r = rules();
        let (last, today) = (d("2026-11-01"), d("2026-11-10"));
        let ok = |stage, step, agency, note: &str| {
            check_step(
                r,
                &StepInput {
                    stage,
                    step,
                    agency,
                    on: Some(d("2026-11-05")),
                    last_on: last,
                    today,
                    note,
                },
            )
        };
        assert!(ok(Stage::Referred, Step::File, AgencyKind::Police, "").is_ok());
        assert_eq!(
            ok(Stage::Referred, Step::File, AgencyKind::Court, "")
                .unwrap_err()
                .field,
            "step"
        );
        assert!(
            ok(
                Stage::Referred,
                Step::Prosecute,
                AgencyKind::Procuratorate,
                ""
            )
            .is_err()
        );
        assert_eq!(
            ok(Stage::Referred, Step::Decline, AgencyKind::Police, " ")
                .unwrap_err()
                .field,
            "note"
        );
        assert!(
            ok(
                Stage::Declined,
                Step::SelfProsecution,
                AgencyKind::Court,
                ""
            )
            .is_ok()
        );
        assert!(ok(Stage::Convicted, Step::Acquit, AgencyKind::Court, "无罪").is_err());
        // Before the police answer: only sixty days after the referral.
        let early_private = ok(
            Stage::Referred,
            Step::SelfProsecution,
            AgencyKind::Court,
            "",
        );
        assert_eq!(early_private.unwrap_err().field, "step");
        let late_private = check_step(
            r,
            &StepInput {
                stage: Stage::Referred,
                step: Step::SelfProsecution,
                agency: AgencyKind::Court,
                on: Some(d("2026-12-31")),
                last_on: last,
                today: d("2027-01-05"),
                note: "",
            },
        );
        assert!(late_private.is_ok());
        let early = check_step(
            r,
            &StepInput {
                stage: Stage::Filed,
                step: Step::Prosecute,
                agency: AgencyKind::Procuratorate,
                on: Some(d("2026-10-30")),
                last_on: last,
                today,
                note: "",
            },
        );
        assert_eq!(early.unwrap_err().field, "on");
        let steps = [Step::File, Step::Prosecute, Step::Convict];
        assert_eq!(Stage::after(&steps), Stage::Convicted);
        assert!(Stage::after(&steps).is_final());
        assert_eq!(Stage::after(&[]), Stage::Referred);
        use crate::access::{records_refusal_step, refers_refusal};
        use crate::org::Role;
        assert!(records_refusal_step(
            Role::CaseOffice,
            AgencyKind::Police,
            Step::Decline
        ));
        assert!(!records_refusal_step(
            Role::CaseOffice,
            AgencyKind::Court,
            Step::Decline
        ));
        assert!(!refers_refusal(Role::Clerk, AgencyKind::Court));
    }

    #[test]
    fn deadlines_are_counted_from_the_referral() {
        let r = rules();
        assert_eq!(decide_by(r, d("2026-11-02")), d("2026-11-05"));
        assert_eq!(
            private_prosecution_from(r, d("2026-11-02")),
            d("2027-01-01")
        );
        assert!(!decision_overdue(
            r,
            Stage::Referred,
            d("2026-11-02"),
            d("2026-11-05")
        ));
        assert!(decision_overdue(
            r,
            Stage::Referred,
            d("2026-11-02"),
            d("2026-11-06")
        ));
        assert!(!decision_overdue(
            r,
            Stage::Filed,
            d("2026-11-02"),
            d("2026-11-30")
        ));
        assert!(check_referral(r, "钱某", "短", Some(d("2026-11-30")), d("2026-11-10")).is_err());
        let e = check_referral(
            r,
            "",
            "被执行人隐瞒财产并以明显低价转让车辆，拒不履行生效判决",
            None,
            d("2026-11-10"),
        )
        .unwrap_err();
        let fields: Vec<_> = e.iter().map(|x| x.field).collect();
        assert_eq!(fields, vec!["debtor", "referred_on"]);
    }
}
