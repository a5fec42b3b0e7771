//! Case quality evaluation (案件质量评查, issue 26): the after-the-fact half of the loop. A court's
//! or procuratorate's case office (or the 政法委, for a city–county cross evaluation) makes a
//! plan — 常规 (a random sample of each judge's closed cases, drawn so anyone can re-draw it),
//! 重点 (the closed cases that meet chosen triggers) or 专项 (a topic and its criteria) —; each
//! case goes to an evaluator from the plan's expert pool who has no conflict with it (`draw`);
//! the evaluator scores it on a versioned score sheet (`score`), the grade follows from the
//! organisation kind's scale; the evaluated judge may object once and another evaluator
//! re-checks (`review`); a 瑕疵 or 不合格 grade opens a supervision item.
//!
//! The sheets, the grade scales, the triggers and the days are data (`rules/evaluation.toml`).
//! No IO.

pub mod draw;
pub mod review;
pub mod self_check;

use crate::org::AgencyKind;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::OnceLock;

pub use crate::deputies::FieldError;
use crate::deputies::err;

pub const RULES_TOML: &str = include_str!("../../../../rules/evaluation.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Days {
    pub objection_days: u32,
    pub score_days: u32,
    pub self_check_days: u32,
    /// Cases closed from this day on are self-checked (the day the rule took effect).
    pub self_check_from: NaiveDate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub title_max: usize,
    pub note_max: usize,
    pub criteria_max: usize,
    pub percent_max: u32,
    pub min_per_judge_max: u32,
    pub pool_max: usize,
}

/// A grade of a scale: from `min` points.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    pub name: String,
    pub min: u32,
    /// Counts as 合格 in the 评查合格率.
    pub passes: bool,
    /// Opens a supervision item (一案一剖析一整改).
    pub opens_item: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScale {
    agency: String,
    scale: Vec<Grade>,
}

/// What the platform sees in its own records that can put a closed case in a 重点 plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signal {
    /// A higher court amended the judgment or sent it back (改判、发回重审).
    Reversed,
    /// Closed after its limit (超审限).
    Overdue,
    /// Flagged as one of the 四类案件.
    Flagged,
    /// A party rated it 不满意 or 非常不满意 through the 司法公正码.
    BadRating,
    /// A supervision item of a 人大, a 政法委 or a higher court names it.
    Supervised,
}

impl Signal {
    pub const ALL: [Signal; 5] = [
        Signal::Reversed,
        Signal::Overdue,
        Signal::Flagged,
        Signal::BadRating,
        Signal::Supervised,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Reversed => "reversed",
            Signal::Overdue => "overdue",
            Signal::Flagged => "flagged",
            Signal::BadRating => "bad_rating",
            Signal::Supervised => "supervised",
        }
    }
    pub fn parse(s: &str) -> Option<Signal> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrigger {
    signal: String,
    name: String,
}

/// A trigger of a 重点 plan: a signal and its name in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub signal: Signal,
    pub name: String,
}

/// An item of a score sheet.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub code: String,
    pub text: String,
    pub points: u32,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub name: String,
    pub items: Vec<Item>,
}

impl Section {
    pub fn points(&self) -> u32 {
        self.items.iter().map(|i| i.points).sum()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSheet {
    id: String,
    version: u32,
    effective: NaiveDate,
    name: String,
    agency: String,
    sections: Vec<Section>,
}

/// A score sheet (评查表), one version of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub id: String,
    pub version: u32,
    pub effective: NaiveDate,
    pub name: String,
    pub agency: AgencyKind,
    pub sections: Vec<Section>,
}

impl Sheet {
    pub fn total(&self) -> u32 {
        self.sections.iter().map(Section::points).sum()
    }
    pub fn item(&self, code: &str) -> Option<(&Section, &Item)> {
        self.sections
            .iter()
            .find_map(|s| s.items.iter().find(|i| i.code == code).map(|i| (s, i)))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    days: Days,
    limits: Limits,
    grades: Vec<RawScale>,
    triggers: Vec<RawTrigger>,
    sheets: Vec<RawSheet>,
}

/// The evaluation rules: days, limits, the grade scale of each organisation kind, the
/// triggers and every version of every sheet.
#[derive(Debug, Clone)]
pub struct Rules {
    pub days: Days,
    pub limits: Limits,
    pub scales: Vec<(AgencyKind, Vec<Grade>)>,
    pub triggers: Vec<Trigger>,
    pub sheets: Vec<Sheet>,
}

fn agency(s: &str, what: &str) -> Result<AgencyKind, String> {
    match AgencyKind::parse(s) {
        Some(k @ (AgencyKind::Court | AgencyKind::Procuratorate)) => Ok(k),
        _ => Err(format!(
            "{what}: agency “{s}” is not court or procuratorate"
        )),
    }
}

impl Rules {
    /// Parses and checks the rules; each refusal names the sheet, section or item.
    pub fn parse(text: &str) -> Result<Rules, String> {
        let raw: RawRules = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut scales = vec![];
        for s in raw.grades {
            let kind = agency(&s.agency, "[[grades]]")?;
            if s.scale.is_empty() || s.scale.last().is_none_or(|g| g.min != 0) {
                return Err(format!(
                    "[[grades]] {}: the last grade must start at 0",
                    s.agency
                ));
            }
            if s.scale.windows(2).any(|w| w[0].min <= w[1].min) {
                return Err(format!(
                    "[[grades]] {}: grades from the best down, each from fewer points",
                    s.agency
                ));
            }
            scales.push((kind, s.scale));
        }
        let mut triggers = vec![];
        for t in raw.triggers {
            let signal = Signal::parse(&t.signal)
                .ok_or_else(|| format!("[[triggers]]: unknown signal “{}”", t.signal))?;
            triggers.push(Trigger {
                signal,
                name: t.name,
            });
        }
        let mut sheets: Vec<Sheet> = vec![];
        for s in raw.sheets {
            let kind = agency(&s.agency, &format!("sheet {} v{}", s.id, s.version))?;
            if !scales.iter().any(|(k, _)| *k == kind) {
                return Err(format!("sheet {}: no grade scale for {}", s.id, s.agency));
            }
            let mut codes = BTreeSet::new();
            for sec in &s.sections {
                if sec.items.is_empty() {
                    return Err(format!("sheet {} section {}: no items", s.id, sec.name));
                }
                for i in &sec.items {
                    if i.points == 0 {
                        return Err(format!("sheet {} item {}: no points", s.id, i.code));
                    }
                    if !codes.insert(i.code.clone()) {
                        return Err(format!("sheet {}: item {} twice", s.id, i.code));
                    }
                }
            }
            let sheet = Sheet {
                id: s.id,
                version: s.version,
                effective: s.effective,
                name: s.name,
                agency: kind,
                sections: s.sections,
            };
            if sheet.total() != 100 {
                return Err(format!(
                    "sheet {} v{}: the items add up to {}, not 100",
                    sheet.id,
                    sheet.version,
                    sheet.total()
                ));
            }
            if sheets
                .iter()
                .any(|o| o.id == sheet.id && o.version == sheet.version)
            {
                return Err(format!("sheet {} v{} twice", sheet.id, sheet.version));
            }
            sheets.push(sheet);
        }
        Ok(Rules {
            days: raw.days,
            limits: raw.limits,
            scales,
            triggers,
            sheets,
        })
    }

    /// The sheet `id` in force on `day` (the latest version effective by then).
    pub fn sheet_on(&self, id: &str, day: NaiveDate) -> Option<&Sheet> {
        self.sheets
            .iter()
            .filter(|s| s.id == id && s.effective <= day)
            .max_by_key(|s| s.version)
    }
    /// A sheet by id and version (a plan keeps the version it was made with).
    pub fn sheet(&self, id: &str, version: u32) -> Option<&Sheet> {
        self.sheets
            .iter()
            .find(|s| s.id == id && s.version == version)
    }
    /// The sheets an organisation of `kind` uses, each in its version in force on `day`.
    pub fn sheets_for(&self, kind: AgencyKind, day: NaiveDate) -> Vec<&Sheet> {
        let ids: BTreeSet<&str> = self
            .sheets
            .iter()
            .filter(|s| s.agency == kind)
            .map(|s| s.id.as_str())
            .collect();
        ids.into_iter()
            .filter_map(|id| self.sheet_on(id, day))
            .collect()
    }
    pub fn scale(&self, kind: AgencyKind) -> &[Grade] {
        self.scales
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&[], |(_, s)| s.as_slice())
    }
    /// The grade of `points` on `kind`'s scale.
    pub fn grade(&self, kind: AgencyKind, points: u32) -> Option<&Grade> {
        self.scale(kind).iter().find(|g| points >= g.min)
    }
    pub fn trigger(&self, signal: Signal) -> Option<&Trigger> {
        self.triggers.iter().find(|t| t.signal == signal)
    }
}

/// The rules as shipped.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    #[allow(clippy::expect_used)]
    RULES.get_or_init(|| Rules::parse(RULES_TOML).expect("rules/evaluation.toml is valid"))
}

/// The kind of plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    /// 常规评查: a random sample of each judge's closed cases.
    Routine,
    /// 重点评查: the closed cases that meet the chosen triggers.
    Focus,
    /// 专项评查: a topic with its own criteria, over the cases the plan's maker lists.
    Special,
}

impl PlanKind {
    pub const ALL: [PlanKind; 3] = [PlanKind::Routine, PlanKind::Focus, PlanKind::Special];
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::Routine => "routine",
            PlanKind::Focus => "focus",
            PlanKind::Special => "special",
        }
    }
    pub fn parse(s: &str) -> Option<PlanKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            PlanKind::Routine => "常规评查",
            PlanKind::Focus => "重点评查",
            PlanKind::Special => "专项评查",
        }
    }
}

/// A plan as its maker enters it.
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    pub kind: PlanKind,
    pub title: &'a str,
    /// The agency kind whose cases are evaluated.
    pub agency: AgencyKind,
    pub sheet_id: &'a str,
    /// Closed cases of these days.
    pub closed_from: NaiveDate,
    pub closed_to: NaiveDate,
    /// Routine: the percentage of each judge's closed cases, and the least drawn per judge.
    pub percent: u32,
    pub min_per_judge: u32,
    /// Focus: the triggers chosen.
    pub signals: &'a [Signal],
    /// Special: the topic's criteria; the case numbers listed.
    pub criteria: &'a str,
    pub case_numbers: &'a [String],
    /// Cross evaluation: evaluators come from other organisations than the case's.
    pub cross: bool,
    /// Scores are due by this day; a third-party evaluator's access ends with it.
    pub due: NaiveDate,
}

/// Checks a plan; each refusal names its form field.
pub fn check_plan(p: &NewPlan<'_>, rules: &Rules, today: NaiveDate) -> Vec<FieldError> {
    let mut e = vec![];
    let title = p.title.trim();
    if title.is_empty() {
        e.push(err("title", "请填写评查名称"));
    } else if title.chars().count() > rules.limits.title_max {
        e.push(err(
            "title",
            format!("评查名称不超过{}字", rules.limits.title_max),
        ));
    }
    match rules.sheet_on(p.sheet_id, today) {
        None => e.push(err("sheet", "请选择评查表")),
        Some(s) if s.agency != p.agency => e.push(err(
            "sheet",
            format!("“{}”用于{}，与被评查单位不符", s.name, s.agency.zh()),
        )),
        Some(_) => {}
    }
    if p.closed_from > p.closed_to {
        e.push(err("closed_from", "结案日期的起日晚于止日"));
    }
    if p.closed_to > today {
        e.push(err("closed_to", "结案日期的止日不能晚于今天"));
    }
    if p.due <= today {
        e.push(err("due", "评查截止日须晚于今天"));
    }
    match p.kind {
        PlanKind::Routine => {
            if p.percent == 0 || p.percent > rules.limits.percent_max {
                e.push(err(
                    "percent",
                    format!("抽查比例为1%至{}%", rules.limits.percent_max),
                ));
            }
            if p.min_per_judge > rules.limits.min_per_judge_max {
                e.push(err(
                    "min_per_judge",
                    format!(
                        "每名承办人至少抽取的件数不超过{}",
                        rules.limits.min_per_judge_max
                    ),
                ));
            }
        }
        PlanKind::Focus => {
            if p.signals.is_empty() {
                e.push(err("signals", "请至少选择一项重点评查情形"));
            }
        }
        PlanKind::Special => {
            let c = p.criteria.trim();
            if c.is_empty() {
                e.push(err("criteria", "请填写专项评查的内容和标准"));
            } else if c.chars().count() > rules.limits.criteria_max {
                e.push(err(
                    "criteria",
                    format!("评查标准不超过{}字", rules.limits.criteria_max),
                ));
            }
            if p.case_numbers.is_empty() {
                e.push(err("case_numbers", "请列出专项评查的案号，每行一个"));
            }
        }
    }
    e
}

/// Checks a plan's new due day: later than today and than the day it replaces (a plan's window
/// only widens, so no evaluator loses a case they were reading).
pub fn check_new_due(current: NaiveDate, new: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
    if new <= today {
        vec![err("due", "新的评查截止日须晚于今天")]
    } else if new <= current {
        vec![err(
            "due",
            format!("新的评查截止日须晚于原截止日（{current}）"),
        )]
    } else {
        vec![]
    }
}

/// One deduction: an item of the sheet, the points taken off and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deduction {
    pub item: String,
    pub points: u32,
    pub note: String,
}

/// A deduction in words, as the supervision item it opens lists it: the item, its text, the
/// points and the reason.
pub fn problem(sheet: &Sheet, item: &str, points: u32, note: &str) -> String {
    let text = sheet.item(item).map_or("", |(_, i)| i.text.as_str());
    format!("第{item}项“{text}”扣{points}分：{note}")
}

/// A scored sheet: the points per section, the total and the grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub sections: Vec<(String, u32, u32)>,
    pub total: u32,
    pub grade: Grade,
}

/// Scores `deductions` on `sheet` and grades the total on the scale of the sheet's agency.
/// Each refusal names the deduction's item (`item:<code>`).
pub fn score(
    sheet: &Sheet,
    deductions: &[Deduction],
    rules: &Rules,
) -> Result<Score, Vec<FieldError>> {
    let mut e = vec![];
    for d in deductions {
        match sheet.item(&d.item) {
            None => e.push(err("deductions", format!("评查表中没有第{}项", d.item))),
            Some((_, item)) => {
                let taken: u32 = deductions
                    .iter()
                    .filter(|x| x.item == d.item)
                    .map(|x| x.points)
                    .sum();
                if d.points == 0 {
                    e.push(err("deductions", format!("第{}项扣分须大于0", d.item)));
                } else if taken > item.points {
                    e.push(err(
                        "deductions",
                        format!("第{}项满分{}分，扣分{}分超出", d.item, item.points, taken),
                    ));
                }
                let note = d.note.trim();
                if note.is_empty() {
                    e.push(err(
                        "deductions",
                        format!("第{}项扣分须写明问题（扣分理由）", d.item),
                    ));
                } else if note.chars().count() > rules.limits.note_max {
                    e.push(err(
                        "deductions",
                        format!("第{}项的扣分理由不超过{}字", d.item, rules.limits.note_max),
                    ));
                }
            }
        }
    }
    if !e.is_empty() {
        e.dedup();
        return Err(e);
    }
    let sections: Vec<(String, u32, u32)> = sheet
        .sections
        .iter()
        .map(|s| {
            let off: u32 = deductions
                .iter()
                .filter(|d| s.items.iter().any(|i| i.code == d.item))
                .map(|d| d.points)
                .sum();
            (s.name.clone(), s.points().saturating_sub(off), s.points())
        })
        .collect();
    let total = sections.iter().map(|(_, got, _)| got).sum();
    let Some(grade) = rules.grade(sheet.agency, total).cloned() else {
        return Err(vec![err("sheet", "评查表没有对应的等次")]);
    };
    Ok(Score {
        sections,
        total,
        grade,
    })
}

#[cfg(test)]
mod tests;
