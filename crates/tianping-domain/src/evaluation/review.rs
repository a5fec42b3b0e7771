//! An evaluated case from its assignment to its final grade: the evaluator scores; the evaluated
//! judge accepts or objects once, within the objection days; an objection goes to another
//! evaluator, whose 复核 stands; without an objection the plan's office confirms the score once
//! the days have passed. A final grade that `opens_item` opens a supervision item.

use super::FieldError;
use crate::calendar::Calendar;
use crate::deputies::err;
use chrono::NaiveDate;

/// Where an evaluated case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// No expert of the pool was free of conflicts: the office adds one and assigns again.
    Unassigned,
    Assigned,
    Scored,
    Objected,
    Final,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Unassigned,
        Stage::Assigned,
        Stage::Scored,
        Stage::Objected,
        Stage::Final,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Unassigned => "unassigned",
            Stage::Assigned => "assigned",
            Stage::Scored => "scored",
            Stage::Objected => "objected",
            Stage::Final => "final",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Unassigned => "待指定评查人",
            Stage::Assigned => "待评查",
            Stage::Scored => "已评分，异议期内",
            Stage::Objected => "承办人提出异议，待复核",
            Stage::Final => "评查结果已确定",
        }
    }
}

/// An act on an evaluated case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// The evaluator scores.
    Score,
    /// The evaluated judge accepts the score.
    Accept,
    /// The evaluated judge objects (once), with reasons.
    Object,
    /// The second evaluator re-checks after an objection; their score stands.
    Recheck,
    /// The plan's office confirms a score whose objection days have passed.
    Confirm,
}

impl Act {
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Score => "score",
            Act::Accept => "accept",
            Act::Object => "object",
            Act::Recheck => "recheck",
            Act::Confirm => "confirm",
        }
    }
    pub const ALL: [Act; 5] = [
        Act::Score,
        Act::Accept,
        Act::Object,
        Act::Recheck,
        Act::Confirm,
    ];
    pub fn parse(s: &str) -> Option<Act> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Act::Score => "评分",
            Act::Accept => "认可评查结果",
            Act::Object => "提出异议",
            Act::Recheck => "复核",
            Act::Confirm => "确认评查结果",
        }
    }
    /// The stage an act moves from and to.
    pub fn moves(self) -> (Stage, Stage) {
        match self {
            Act::Score => (Stage::Assigned, Stage::Scored),
            Act::Accept => (Stage::Scored, Stage::Final),
            Act::Object => (Stage::Scored, Stage::Objected),
            Act::Recheck => (Stage::Objected, Stage::Final),
            Act::Confirm => (Stage::Scored, Stage::Final),
        }
    }
}

/// Who the acting person is to this evaluated case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Actor {
    /// The assigned evaluator.
    pub evaluator: bool,
    /// The evaluator assigned to the 复核.
    pub rechecker: bool,
    /// The 承办人 whose case it is.
    pub evaluated: bool,
    /// Staff of the office that runs the plan.
    pub office: bool,
}

/// The facts an act is checked against.
#[derive(Debug, Clone)]
pub struct Facts {
    pub stage: Stage,
    /// The day the score was given (for the objection days).
    pub scored_on: Option<NaiveDate>,
}

/// Whether an evaluator reads the case file (its events, parties as their clearance allows) on
/// `today`: the evaluator while the case waits for their score, up to the plan's due day (or, for
/// a case given to them after it — 改派 —, up to `score_days` working days after that); the
/// re-checker while the objection waits for them, up to `score_days` working days after it. A
/// third-party evaluator's access is exactly this — time- and case-limited; once scored the file
/// closes to them and the score stays readable.
#[allow(clippy::too_many_arguments)] // each a fact of the case's stage; a struct would only rename them
pub fn reads_file(
    who: Actor,
    stage: Stage,
    today: NaiveDate,
    due: NaiveDate,
    objected_on: Option<NaiveDate>,
    reassigned_on: Option<NaiveDate>,
    cal: &Calendar,
    rules: &super::Rules,
) -> bool {
    let until = reassigned_on.map_or(due, |d| {
        cal.add_working_days(d, rules.days.score_days).max(due)
    });
    (who.evaluator && stage == Stage::Assigned && today <= until)
        || (who.rechecker
            && stage == Stage::Objected
            && objected_on
                .is_some_and(|d| today <= cal.add_working_days(d, rules.days.score_days).max(due)))
}

/// Whether the office may give a case to another expert of the pool: nobody free of conflicts
/// took it, an objection waits for its re-checker, or the evaluator let the plan's due day pass
/// without a score (改派: the file is theirs no longer).
pub fn may_reassign(stage: Stage, has_rechecker: bool, due: NaiveDate, today: NaiveDate) -> bool {
    match stage {
        Stage::Unassigned => true,
        Stage::Objected => !has_rechecker,
        Stage::Assigned => today > due,
        Stage::Scored | Stage::Final => false,
    }
}

/// The last day of the objection window after a score given on `scored_on`.
pub fn objection_until(scored_on: NaiveDate, days: u32, cal: &Calendar) -> NaiveDate {
    cal.add_working_days(scored_on, days)
}

/// Checks an act: the stage, who takes it, the objection window and the reasons. Each refusal
/// names its form field (`act` for who and when).
pub fn check_act(
    act: Act,
    who: Actor,
    f: &Facts,
    reason: &str,
    today: NaiveDate,
    cal: &Calendar,
    rules: &super::Rules,
) -> Vec<FieldError> {
    let mut e = vec![];
    let (from, _) = act.moves();
    if f.stage != from {
        e.push(err(
            "act",
            format!("该案评查{}，不能{}", f.stage.zh(), act.zh()),
        ));
        return e;
    }
    let allowed = match act {
        Act::Score => who.evaluator,
        Act::Accept | Act::Object => who.evaluated,
        Act::Recheck => who.rechecker,
        Act::Confirm => who.office,
    };
    if !allowed {
        e.push(err(
            "act",
            match act {
                Act::Score => "只有指定的评查人可以评分".to_string(),
                Act::Accept | Act::Object => "只有被评查案件的承办人可以认可或提出异议".into(),
                Act::Recheck => "只有指定的复核人可以复核".into(),
                Act::Confirm => "只有组织评查的部门可以确认结果".into(),
            },
        ));
        return e;
    }
    let until = f
        .scored_on
        .map(|d| objection_until(d, rules.days.objection_days, cal));
    match act {
        Act::Object => {
            if until.is_some_and(|u| today > u) {
                e.push(err(
                    "act",
                    format!("异议期（评分后{}个工作日）已过", rules.days.objection_days),
                ));
            }
            let r = reason.trim();
            if r.is_empty() {
                e.push(err("reason", "请写明异议的事实和理由"));
            } else if r.chars().count() > rules.limits.note_max {
                e.push(err(
                    "reason",
                    format!("异议理由不超过{}字", rules.limits.note_max),
                ));
            }
        }
        Act::Confirm => {
            if until.is_none_or(|u| today <= u) {
                e.push(err(
                    "act",
                    format!(
                        "异议期至{}，期满后方可确认",
                        until.map_or(String::new(), crate::document::date_zh)
                    ),
                ));
            }
        }
        Act::Recheck => {
            let r = reason.trim();
            if r.is_empty() {
                e.push(err("reason", "请写明复核意见（维持或变更的理由）"));
            } else if r.chars().count() > rules.limits.note_max {
                e.push(err(
                    "reason",
                    format!("复核意见不超过{}字", rules.limits.note_max),
                ));
            }
        }
        Act::Score | Act::Accept => {}
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::rules;

    fn cal() -> Calendar {
        Calendar::parse(crate::rules::CALENDAR_TOML).unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn facts(stage: Stage) -> Facts {
        Facts {
            stage,
            scored_on: Some(d("2026-12-01")),
        }
    }
    const JUDGE: Actor = Actor {
        evaluator: false,
        rechecker: false,
        evaluated: true,
        office: false,
    };

    #[test]
    fn the_judge_objects_once_within_five_working_days_with_reasons() {
        let (c, r) = (cal(), rules());
        // 2026-12-01 is a Tuesday: five working days run to Tuesday 12-08.
        assert_eq!(objection_until(d("2026-12-01"), 5, &c), d("2026-12-08"));
        let f = facts(Stage::Scored);
        assert!(
            check_act(
                Act::Object,
                JUDGE,
                &f,
                "程序扣分有误",
                d("2026-12-08"),
                &c,
                r
            )
            .is_empty()
        );
        let late = check_act(
            Act::Object,
            JUDGE,
            &f,
            "程序扣分有误",
            d("2026-12-09"),
            &c,
            r,
        );
        assert!(late[0].message.contains("异议期"));
        let empty = check_act(Act::Object, JUDGE, &f, " ", d("2026-12-02"), &c, r);
        assert_eq!(empty[0].field, "reason");
        // Once: an objected case is not objected again.
        let again = check_act(
            Act::Object,
            JUDGE,
            &facts(Stage::Objected),
            "再议",
            d("2026-12-02"),
            &c,
            r,
        );
        assert_eq!(again[0].field, "act");
        // Only the evaluated judge.
        let other = Actor {
            evaluator: true,
            ..Actor::default()
        };
        assert!(
            check_act(Act::Object, other, &f, "x", d("2026-12-02"), &c, r)[0]
                .message
                .contains("承办人")
        );
    }

    #[test]
    fn an_evaluator_reads_the_file_only_while_the_case_waits_for_them() {
        let (c, r) = (cal(), rules());
        let ev = Actor {
            evaluator: true,
            ..Actor::default()
        };
        let re = Actor {
            rechecker: true,
            ..Actor::default()
        };
        let due = d("2026-12-31");
        assert!(reads_file(
            ev,
            Stage::Assigned,
            d("2026-12-31"),
            due,
            None,
            None,
            &c,
            r
        ));
        assert!(
            !reads_file(ev, Stage::Assigned, d("2027-01-01"), due, None, None, &c, r),
            "after the due day"
        );
        assert!(
            !reads_file(ev, Stage::Scored, d("2026-12-02"), due, None, None, &c, r),
            "scored: closed"
        );
        assert!(!reads_file(
            JUDGE,
            Stage::Assigned,
            d("2026-12-02"),
            due,
            None,
            None,
            &c,
            r
        ));
        let obj = Some(d("2026-12-30"));
        assert!(
            reads_file(re, Stage::Objected, d("2027-01-15"), due, obj, None, &c, r),
            "15 working days"
        );
        assert!(!reads_file(
            re,
            Stage::Objected,
            d("2027-03-01"),
            due,
            obj,
            None,
            &c,
            r
        ));
        assert!(!reads_file(
            ev,
            Stage::Objected,
            d("2026-12-30"),
            due,
            obj,
            None,
            &c,
            r
        ));
        // 改派 after the due day: the new evaluator reads for the scoring days from then.
        let moved = Some(d("2027-01-04"));
        assert!(
            reads_file(
                ev,
                Stage::Assigned,
                d("2027-01-20"),
                due,
                None,
                moved,
                &c,
                r
            ),
            "15 working days after the reassignment"
        );
        assert!(!reads_file(
            ev,
            Stage::Assigned,
            d("2027-03-01"),
            due,
            None,
            moved,
            &c,
            r
        ));
        assert!(may_reassign(Stage::Assigned, false, due, d("2027-01-01")));
        assert!(
            !may_reassign(Stage::Assigned, false, due, due),
            "not before the due day"
        );
        assert!(!may_reassign(Stage::Objected, true, due, d("2027-01-01")));
        assert!(!may_reassign(Stage::Final, false, due, d("2027-01-01")));
    }

    #[test]
    fn each_act_has_its_person_and_its_stage() {
        let (c, r) = (cal(), rules());
        let today = d("2026-12-02");
        let ev = Actor {
            evaluator: true,
            ..Actor::default()
        };
        assert!(check_act(Act::Score, ev, &facts(Stage::Assigned), "", today, &c, r).is_empty());
        assert!(
            !check_act(Act::Score, JUDGE, &facts(Stage::Assigned), "", today, &c, r).is_empty()
        );
        assert!(!check_act(Act::Score, ev, &facts(Stage::Scored), "", today, &c, r).is_empty());
        let re = Actor {
            rechecker: true,
            ..Actor::default()
        };
        assert!(
            check_act(
                Act::Recheck,
                re,
                &facts(Stage::Objected),
                "维持原评分",
                today,
                &c,
                r
            )
            .is_empty()
        );
        assert!(
            !check_act(
                Act::Recheck,
                ev,
                &facts(Stage::Objected),
                "维持",
                today,
                &c,
                r
            )
            .is_empty()
        );
        assert_eq!(
            check_act(Act::Recheck, re, &facts(Stage::Objected), "", today, &c, r)[0].field,
            "reason"
        );
        let office = Actor {
            office: true,
            ..Actor::default()
        };
        // Confirmed only after the objection days.
        assert!(
            !check_act(
                Act::Confirm,
                office,
                &facts(Stage::Scored),
                "",
                d("2026-12-08"),
                &c,
                r
            )
            .is_empty()
        );
        assert!(
            check_act(
                Act::Confirm,
                office,
                &facts(Stage::Scored),
                "",
                d("2026-12-09"),
                &c,
                r
            )
            .is_empty()
        );
        assert!(check_act(Act::Accept, JUDGE, &facts(Stage::Scored), "", today, &c, r).is_empty());
        for a in [
            Act::Score,
            Act::Accept,
            Act::Object,
            Act::Recheck,
            Act::Confirm,
        ] {
            assert_eq!(Act::parse(a.as_str()), Some(a));
        }
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
    }
}
