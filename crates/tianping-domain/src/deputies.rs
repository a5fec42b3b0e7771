//! Deputies at work (issue 25): the registry of people's congress deputies (人大代表), the cases a
//! court asks a deputy to help with as its 执行监督员 (跟案执行、随案监督、协助和解、协调化解), the
//! deputy's log of what they did, the court's result, and the 终本库出清 campaign the results
//! count towards (RULES.md §11.4).
//!
//! The boundary the seed insists on is written here: deputies supervise, support and
//! coordinate — they log what they did and never decide a case. Only the court records a result,
//! and the result is an event on the case (`result_event`), so the 终本 database, the campaign
//! board and the quality metrics all count it the same way. A deputy sees of a case what its
//! confidentiality allows; a case holding state or trade secrets is not given to a deputy at all.
//! No IO.

use crate::case::Confidentiality;
use crate::event::{EventBody, ZhongbenExit};
use chrono::NaiveDate;

/// A people's congress level (人大级别): a deputy is elected to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    National,
    Provincial,
    City,
    County,
    Township,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::National,
        Level::Provincial,
        Level::City,
        Level::County,
        Level::Township,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Provincial => "provincial",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
        }
    }
    pub fn parse(s: &str) -> Option<Level> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Level::National => "全国人大代表",
            Level::Provincial => "省人大代表",
            Level::City => "市人大代表",
            Level::County => "县（区）人大代表",
            Level::Township => "乡镇人大代表",
        }
    }
}

/// A field the user got wrong, with the message shown next to it (every form of the deputies'
/// work: the registry, assignments, invitations, suggestions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

pub(crate) fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

fn text(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    label: &str,
    value: &str,
    required: bool,
    max: usize,
) {
    let n = value.trim().chars().count();
    if required && n == 0 {
        errors.push(err(field, format!("请填写{label}")));
    } else if n > max {
        errors.push(err(field, format!("{label}不能超过 {max} 字（现 {n} 字）")));
    }
}

/// A deputy as the 人大 enters them into the registry.
#[derive(Debug, Clone, Copy)]
pub struct DeputyInput<'a> {
    pub name: &'a str,
    pub level: Option<Level>,
    /// 选区 (electoral district).
    pub constituency: &'a str,
    /// 乡镇（街道）: where the deputy lives and works; cases are given by the debtor's.
    pub township: &'a str,
    /// 代表联络站.
    pub liaison_station: &'a str,
}

pub fn check_deputy(d: &DeputyInput<'_>) -> Result<(), Vec<FieldError>> {
    let mut errors = vec![];
    text(&mut errors, "name", "姓名", d.name, true, 30);
    if d.level.is_none() {
        errors.push(err("level", "请选择代表级别"));
    }
    text(
        &mut errors,
        "constituency",
        "选区",
        d.constituency,
        true,
        60,
    );
    text(
        &mut errors,
        "township",
        "乡镇（街道）",
        d.township,
        true,
        30,
    );
    text(
        &mut errors,
        "liaison_station",
        "代表联络站",
        d.liaison_station,
        false,
        60,
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// What the court knows of the case it asks a deputy to help with.
#[derive(Debug, Clone, Copy)]
pub struct AssignmentInput<'a> {
    /// The case is an execution case in the 终本 database today.
    pub in_zhongben: bool,
    pub confidentiality: Confidentiality,
    /// The deputy's assignment before this one has a result (or there was none).
    pub previous_open: bool,
    pub debtor: &'a str,
    pub township: &'a str,
    pub note: &'a str,
}

/// Checks an assignment: a case in the 终本 database, one deputy at a time, never a case that
/// holds secrets, with the debtor and where to find them.
pub fn check_assignment(a: &AssignmentInput<'_>) -> Result<(), Vec<FieldError>> {
    let mut errors = vec![];
    if !a.in_zhongben {
        errors.push(err(
            "case_number",
            "只有在终本库中的执行案件可以交由人大代表协助",
        ));
    } else if matches!(
        a.confidentiality,
        Confidentiality::StateSecret | Confidentiality::TradeSecret
    ) {
        errors.push(err(
            "case_number",
            format!("本案涉及{}，不交由人大代表协助", a.confidentiality.zh()),
        ));
    } else if a.previous_open {
        errors.push(err(
            "case_number",
            "本案已有人大代表正在协助，请先登记上一次协助的结果",
        ));
    }
    text(&mut errors, "debtor", "被执行人", a.debtor, true, 60);
    text(
        &mut errors,
        "township",
        "被执行人所在乡镇（街道）",
        a.township,
        true,
        30,
    );
    text(&mut errors, "note", "需协助事项", a.note, true, 500);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// What a deputy did on an assigned case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Visit,
    Mediation,
    WitnessEnforcement,
    FindAssets,
    FindWhereabouts,
    Other,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Visit,
        Action::Mediation,
        Action::WitnessEnforcement,
        Action::FindAssets,
        Action::FindWhereabouts,
        Action::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Visit => "visit",
            Action::Mediation => "mediation",
            Action::WitnessEnforcement => "witness",
            Action::FindAssets => "assets",
            Action::FindWhereabouts => "whereabouts",
            Action::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Action> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Action::Visit => "走访当事人",
            Action::Mediation => "协助和解",
            Action::WitnessEnforcement => "见证执行",
            Action::FindAssets => "查找财产线索",
            Action::FindWhereabouts => "查找被执行人下落",
            Action::Other => "其他协助",
        }
    }
}

/// An action as the deputy logs it, with the assignment's day and today.
#[derive(Debug, Clone, Copy)]
pub struct ActionInput<'a> {
    pub action: Option<Action>,
    pub on: Option<NaiveDate>,
    pub assigned_on: NaiveDate,
    pub today: NaiveDate,
    pub outcome: &'a str,
    /// The assignment already has the court's result.
    pub closed: bool,
}

pub fn check_action(a: &ActionInput<'_>) -> Result<(), Vec<FieldError>> {
    let mut errors = vec![];
    if a.closed {
        errors.push(err("action", "法院已登记协助结果，不能再记录"));
    }
    if a.action.is_none() {
        errors.push(err("action", "请选择协助方式"));
    }
    match a.on {
        None => errors.push(err("on", "日期应为 YYYY-MM-DD")),
        Some(d) if d > a.today => errors.push(err("on", "日期不能晚于今天")),
        Some(d) if d < a.assigned_on => errors.push(err(
            "on",
            format!("日期不能早于交办日期（{}）", a.assigned_on),
        )),
        Some(_) => {}
    }
    text(&mut errors, "outcome", "情况和结果", a.outcome, true, 1000);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The court's result of an assignment: how the case left the 终本 database, or that it did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Left(ZhongbenExit),
    /// 未能出清: the assignment ends, the case stays in the database.
    Unresolved,
}

impl Outcome {
    /// The results a court records on an assignment: the ways a deputy's help ends a 终本 case
    /// (和解, 履行, 恢复执行 …), and that it did not.
    pub const ALL: [Outcome; 6] = [
        Outcome::Left(ZhongbenExit::Settled),
        Outcome::Left(ZhongbenExit::Performed),
        Outcome::Left(ZhongbenExit::Restored),
        Outcome::Left(ZhongbenExit::Terminated),
        Outcome::Left(ZhongbenExit::Corrected),
        Outcome::Unresolved,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Left(e) => e.as_str(),
            Outcome::Unresolved => "unresolved",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Outcome::Left(ZhongbenExit::Settled) => "达成和解并履行完毕",
            Outcome::Left(ZhongbenExit::Performed) => "被执行人履行完毕",
            Outcome::Left(ZhongbenExit::Restored) => "发现财产，恢复执行",
            Outcome::Left(e) => e.zh(),
            Outcome::Unresolved => "未能出清",
        }
    }
    /// Whether the case left the 终本 database.
    pub fn clears(self) -> bool {
        matches!(self, Outcome::Left(_))
    }
}

/// A result as the court enters it.
#[derive(Debug, Clone, Copy)]
pub struct ResultInput<'a> {
    pub outcome: Option<Outcome>,
    pub on: Option<NaiveDate>,
    /// The assignment's day, or its last action's if later.
    pub last_on: NaiveDate,
    pub today: NaiveDate,
    pub note: &'a str,
    pub closed: bool,
}

pub fn check_result(r: &ResultInput<'_>) -> Result<(), Vec<FieldError>> {
    let mut errors = vec![];
    if r.closed {
        errors.push(err("outcome", "本次协助的结果已登记"));
    }
    match r.outcome {
        None => errors.push(err("outcome", "请选择结果")),
        Some(Outcome::Unresolved) if r.note.trim().is_empty() => {
            errors.push(err("note", "未能出清的，请写明原因"))
        }
        Some(_) => {}
    }
    match r.on {
        None => errors.push(err("on", "日期应为 YYYY-MM-DD")),
        Some(d) if d > r.today => errors.push(err("on", "日期不能晚于今天")),
        Some(d) if d < r.last_on => errors.push(err(
            "on",
            format!("日期不能早于交办或最近一次协助（{}）", r.last_on),
        )),
        Some(_) => {}
    }
    text(&mut errors, "note", "说明", r.note, false, 500);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The event a result writes on the case (none when it did not clear): the deputy helped when
/// they logged at least one action.
pub fn result_event(outcome: Outcome, assisted: bool) -> Option<EventBody> {
    match outcome {
        Outcome::Unresolved => None,
        Outcome::Left(ZhongbenExit::Restored) => Some(EventBody::ExecutionRestored {
            deputy_assisted: assisted,
        }),
        Outcome::Left(reason) => Some(EventBody::ZhongbenCleared {
            reason,
            deputy_assisted: assisted,
        }),
    }
}

/// A 终本库出清 campaign as its organiser enters it.
#[derive(Debug, Clone, Copy)]
pub struct CampaignInput<'a> {
    pub title: &'a str,
    pub target: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

pub fn check_campaign(c: &CampaignInput<'_>) -> Result<(), Vec<FieldError>> {
    let mut errors = vec![];
    text(&mut errors, "title", "名称", c.title, true, 60);
    match c.target {
        None => errors.push(err("target", "目标应为正整数（件）")),
        Some(t) if !(1..=10_000_000).contains(&t) => {
            errors.push(err("target", "目标应在 1 至 10,000,000 件之间"))
        }
        Some(_) => {}
    }
    match (c.from, c.to) {
        (None, _) => errors.push(err("from", "开始日期应为 YYYY-MM-DD")),
        (_, None) => errors.push(err("to", "结束日期应为 YYYY-MM-DD")),
        (Some(f), Some(t)) if t < f => errors.push(err("to", "结束日期不能早于开始日期")),
        (Some(f), Some(t)) if (t - f).num_days() > 731 => {
            errors.push(err("to", "一次专项行动不超过两年"))
        }
        _ => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// How a deputy sees the debtor's name: in full for a public case, by surname for a case whose
/// parties are masked (minors, privacy).
pub fn debtor_as_seen(debtor: &str, confidentiality: Confidentiality) -> String {
    match confidentiality {
        Confidentiality::Public => debtor.to_string(),
        _ => {
            let first: String = debtor.chars().take(1).collect();
            format!("{first}某")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn a_deputy_needs_name_level_constituency_and_township() {
        let ok = DeputyInput {
            name: "褚建华",
            level: Some(Level::County),
            constituency: "西湖区第12选区",
            township: "转塘街道",
            liaison_station: "转塘街道人大代表联络站",
        };
        assert!(check_deputy(&ok).is_ok());
        let bad = DeputyInput {
            name: " ",
            level: None,
            township: "",
            ..ok
        };
        let fields: Vec<_> = check_deputy(&bad)
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "level", "township"]);
    }

    #[test]
    fn only_a_case_in_the_zhongben_database_and_without_secrets_goes_to_a_deputy() {
        let ok = AssignmentInput {
            in_zhongben: true,
            confidentiality: Confidentiality::Public,
            previous_open: false,
            debtor: "钱某某",
            township: "转塘街道",
            note: "被执行人长期外出，请协助查找下落并促成和解",
        };
        assert!(check_assignment(&ok).is_ok());
        let first = |a: AssignmentInput<'_>| {
            check_assignment(&a)
                .err()
                .and_then(|e| e.first().map(|e| e.message.clone()))
        };
        assert!(
            first(AssignmentInput {
                in_zhongben: false,
                ..ok
            })
            .is_some_and(|m| m.contains("终本库"))
        );
        assert!(
            first(AssignmentInput {
                confidentiality: Confidentiality::StateSecret,
                ..ok
            })
            .is_some_and(|m| m.contains("国家秘密"))
        );
        assert!(
            first(AssignmentInput {
                previous_open: true,
                ..ok
            })
            .is_some_and(|m| m.contains("正在协助"))
        );
        // Minors' cases may go, with the parties masked.
        assert!(
            check_assignment(&AssignmentInput {
                confidentiality: Confidentiality::Minors,
                ..ok
            })
            .is_ok()
        );
        assert_eq!(debtor_as_seen("钱某某", Confidentiality::Minors), "钱某");
        assert_eq!(debtor_as_seen("钱某某", Confidentiality::Public), "钱某某");
    }

    #[test]
    fn an_action_is_dated_between_the_assignment_and_today_and_not_after_the_result() {
        let ok = ActionInput {
            action: Some(Action::Visit),
            on: Some(day("2026-11-20")),
            assigned_on: day("2026-11-01"),
            today: day("2026-12-01"),
            outcome: "走访被执行人，了解其经营状况，其表示愿意分期履行",
            closed: false,
        };
        assert!(check_action(&ok).is_ok());
        for (bad, field) in [
            (
                ActionInput {
                    on: Some(day("2026-10-31")),
                    ..ok
                },
                "on",
            ),
            (
                ActionInput {
                    on: Some(day("2026-12-02")),
                    ..ok
                },
                "on",
            ),
            (ActionInput { action: None, ..ok }, "action"),
            (ActionInput { outcome: "", ..ok }, "outcome"),
            (ActionInput { closed: true, ..ok }, "action"),
        ] {
            let e = check_action(&bad).err().unwrap_or_default();
            assert_eq!(e.first().map(|e| e.field), Some(field), "{bad:?}");
        }
    }

    #[test]
    fn a_result_writes_the_event_the_case_leaves_by() {
        assert_eq!(
            result_event(Outcome::Left(ZhongbenExit::Settled), true),
            Some(EventBody::ZhongbenCleared {
                reason: ZhongbenExit::Settled,
                deputy_assisted: true
            })
        );
        assert_eq!(
            result_event(Outcome::Left(ZhongbenExit::Restored), false),
            Some(EventBody::ExecutionRestored {
                deputy_assisted: false
            })
        );
        assert_eq!(result_event(Outcome::Unresolved, true), None);
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        let ok = ResultInput {
            outcome: Some(Outcome::Unresolved),
            on: Some(day("2026-11-20")),
            last_on: day("2026-11-10"),
            today: day("2026-12-01"),
            note: "",
            closed: false,
        };
        // 未能出清 needs a reason.
        assert_eq!(check_result(&ok).err().map(|e| e[0].field), Some("note"));
        assert!(
            check_result(&ResultInput {
                note: "被执行人确无财产",
                ..ok
            })
            .is_ok()
        );
        assert!(
            check_result(&ResultInput {
                outcome: Some(Outcome::Left(ZhongbenExit::Performed)),
                on: Some(day("2026-11-09")),
                ..ok
            })
            .is_err()
        );
    }

    #[test]
    fn a_campaign_has_a_target_and_a_period() {
        let ok = CampaignInput {
            title: "2026年度终本库出清专项行动",
            target: Some(800),
            from: Some(day("2026-06-01")),
            to: Some(day("2026-12-31")),
        };
        assert!(check_campaign(&ok).is_ok());
        assert!(
            check_campaign(&CampaignInput {
                target: Some(0),
                ..ok
            })
            .is_err()
        );
        assert!(
            check_campaign(&CampaignInput {
                to: Some(day("2026-05-31")),
                ..ok
            })
            .is_err()
        );
    }
}
