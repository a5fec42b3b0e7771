//! Statutory clocks (RULES.md §1–§4, §7): which limit applies, when it runs out, and why.
//!
//! A case's clocks are a pure function of its folded state (which carries a [`Timeline`] of the
//! clock-relevant facts), the rule set, the calendar and `now`. Every clock carries a "why": the
//! rule and its version, the start, the counting rule, each excluded period, each extension with
//! its approver, each restart, and the holiday roll-over with the calendar year it used.
//!
//! Algorithm (RULES.md §2.3): start = last applicable restart (else the start event); base end by
//! the rule's period; approved extensions in order, each from the previous end; capped by the
//! rule's maximum; plus the days of the applicable excluded periods (merged, each kind capped);
//! then the holiday roll-over where the rule allows it. Times are Beijing time (UTC+8).

use crate::calendar::Calendar;
use crate::case::CaseStatus;
use crate::case_type::CaseKind;
use crate::event::{CaseState, Custody};
use crate::org::{AgencyKind, Level, OrgRef, Role};
use crate::period::{Period, Reckoning, Unit, end_date};
use crate::rules::{ApproverBody, ClockKey, Flag, Marker, Rollover, Rule, RuleSet};
use crate::timeline::PeriodUnit;
pub use crate::timeline::{ExtensionGrant, Pause, Restart, Round, Timeline};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Beijing time: every legal day is a day in UTC+8.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&beijing()).date_naive()
}

/// 00:00 Beijing time of `d`, as UTC.
pub fn local_midnight(d: NaiveDate) -> DateTime<Utc> {
    beijing()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

// ---- the timeline: clock-relevant facts recorded by the fold ------------------------------------

// ---- clocks ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    /// Counting.
    Running,
    /// An excluded period or suspension is open; the due date moves with it.
    Paused,
    /// Not counting until an event restarts it (e.g. after supplementary investigation).
    Awaiting,
    /// Stopped within the limit.
    Met,
    /// Stopped after the limit.
    Late,
    /// Still running past the limit.
    Overdue,
    /// The law sets no limit (e.g. death-penalty review, foreign-related civil cases).
    NoLimit,
    /// No rule in `rules/` applies: a visible warning, never a silent absence.
    NoRule,
}

impl ClockStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockStatus::Running => "running",
            ClockStatus::Paused => "paused",
            ClockStatus::Awaiting => "awaiting",
            ClockStatus::Met => "met",
            ClockStatus::Late => "late",
            ClockStatus::Overdue => "overdue",
            ClockStatus::NoLimit => "no_limit",
            ClockStatus::NoRule => "no_rule",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            ClockStatus::Running => "计时中",
            ClockStatus::Paused => "暂停计算",
            ClockStatus::Awaiting => "待重新计算",
            ClockStatus::Met => "期限内完成",
            ClockStatus::Late => "超期完成",
            ClockStatus::Overdue => "已超期",
            ClockStatus::NoLimit => "无法定期限",
            ClockStatus::NoRule => "无适用规则",
        }
    }
    /// Still open (warnings apply).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ClockStatus::Running | ClockStatus::Paused | ClockStatus::Overdue
        )
    }
}

/// One line of a clock's explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Why {
    pub step: String,
    pub text: String,
    #[serde(default)]
    pub source: Option<String>,
}

/// One statutory clock of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub key: ClockKey,
    /// `id@version` of the rule, or `None` for "no rule".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub name_zh: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub citation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<Marker>,
    pub status: ClockStatus,
    #[serde(with = "crate::utc_seconds_serde")]
    pub started_at: DateTime<Utc>,
    /// The limit before the holiday roll-over; warnings count against it (RULES.md §3.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominal_due: Option<NaiveDate>,
    /// The last day of the limit after the roll-over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// The instant after which the clock is overdue (hour clocks: exact; day clocks: 24:00 of `due`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::utc_seconds_serde::option"
    )]
    pub deadline: Option<DateTime<Utc>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::utc_seconds_serde::option"
    )]
    pub stopped_at: Option<DateTime<Utc>>,
    pub gross_days: i64,
    pub excluded_days: i64,
    pub net_days: i64,
    /// The last day to apply for the next extension, and for it to be decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_by: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decide_by: Option<NaiveDate>,
    /// A date of it depends on a year with no published holiday arrangement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub provisional: bool,
    /// A person is held: expiry means release (CrimPL 2018 art. 98).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub custody: bool,
    /// The long-pending tier reached, in months (long_pending clocks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_months: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<Why>,
    /// Irregularities found on the way (late application, invalid extension …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
}

impl Clock {
    /// A clock with nothing computed yet: running, no dates, no explanation.
    fn blank(key: ClockKey, name_zh: &str, started_at: DateTime<Utc>) -> Clock {
        Clock {
            key,
            rule: None,
            name_zh: name_zh.into(),
            citation: String::new(),
            marker: None,
            status: ClockStatus::Running,
            started_at,
            nominal_due: None,
            due: None,
            deadline: None,
            stopped_at: None,
            gross_days: 0,
            excluded_days: 0,
            net_days: 0,
            apply_by: None,
            decide_by: None,
            provisional: false,
            custody: false,
            tier_months: None,
            why: vec![],
            findings: vec![],
        }
    }

    /// Whole days from `today` to the due date (negative when past).
    pub fn days_left(&self, today: NaiveDate) -> Option<i64> {
        self.due.map(|d| (d - today).num_days())
    }
}

fn why(step: &str, text: impl Into<String>, source: Option<&str>) -> Why {
    Why {
        step: step.into(),
        text: text.into(),
        source: source.map(str::to_string),
    }
}

fn fmt_day(d: NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

fn fmt_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing())
        .format("%Y年%m月%d日 %H:%M")
        .to_string()
}

fn reckoning(kind: CaseKind) -> Reckoning {
    if kind.has_custody() {
        Reckoning::Criminal
    } else {
        Reckoning::Civil
    }
}

fn in_custody(s: &CaseState) -> bool {
    s.in_custody || matches!(s.custody, Custody::Detained | Custody::Arrested)
}

fn flag(s: &CaseState, f: Flag) -> bool {
    match f {
        Flag::Summary => s.summary_procedure,
        Flag::FastTrack => s.fast_track,
        Flag::SmallClaims => s.small_claims,
        Flag::ForeignRelated => s.foreign_related,
        Flag::RulingAppeal => s.type_code.as_deref().is_some_and(|c| c.contains('辖')),
        Flag::InCustody => in_custody(s),
        Flag::NotInCustody => !in_custody(s),
    }
}

/// Does the approver's office fit the body the rule names? (Their organisation: [`body_fits`].)
fn approver_fits(by: ApproverBody, role: Role) -> bool {
    match by {
        ApproverBody::Statutory => role.approves(),
        ApproverBody::CountyPoliceHead => matches!(role, Role::President | Role::DivisionChief),
        _ => role == Role::President,
    }
}

/// What checking an approving organisation against a rule's body found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyCheck {
    /// The approving organisation is the body the rule names (its name).
    Fits(String),
    /// It is not (its name).
    Mismatch(String),
    /// Not checked, and why (said in the why panel).
    Unchecked(&'static str),
}

/// Does the approving organisation fit the body a rule names, for a case held by `venue`?
/// 本院 is the case's own organisation; 上一级 is one level above it whose region contains the
/// case's; 高级人民法院 and 省级人民检察院 are the province-level court or procuratorate whose
/// region contains it; a police organ approves for cases in its region. The national bodies (最高
/// 人民法院, 全国人大常委会, 国家监察委员会) and the supervision commissions are not in the directory.
pub fn body_fits(by: ApproverBody, unit: Option<&OrgRef>, venue: Option<&OrgRef>) -> BodyCheck {
    use ApproverBody as B;
    match by {
        B::Statutory => return BodyCheck::Unchecked("法定情形，无需审批机关"),
        B::Spc | B::Npcsc | B::Nsc | B::HigherSupervisionCommission => {
            return BodyCheck::Unchecked("批准机关不在本系统机构目录中，层级以事件记载为准");
        }
        _ => {}
    }
    let Some(u) = unit else {
        return BodyCheck::Unchecked("事件未记录批准机关，层级未核对，系统仅核验批准人职务");
    };
    let Some(v) = venue else {
        return BodyCheck::Unchecked("案件未记录承办机关，层级未核对，系统仅核验批准人职务");
    };
    let (Some((uk, ul)), Some((vk, vl))) = (u.resolved(), v.resolved()) else {
        return BodyCheck::Unchecked("批准机关未能在机构目录中核对，系统仅核验批准人职务");
    };
    let contains = !u.region_path.is_empty() && v.region_path.starts_with(&u.region_path);
    let one_up = contains && vl.above() == Some(ul);
    let fits = match by {
        B::CourtPresident | B::CourtPresidentOrVice => u.id == v.id,
        B::SuperiorCourt => uk == AgencyKind::Court && one_up,
        B::HighCourt => uk == AgencyKind::Court && ul == Level::Province && contains,
        // 层报高级人民法院备案: the court itself decides and files with the high court.
        B::HighCourtFiling => {
            u.id == v.id || (uk == AgencyKind::Court && ul == Level::Province && contains)
        }
        B::HigherProcuratorate => uk == AgencyKind::Procuratorate && one_up,
        B::ProvincialProcuratorate => {
            uk == AgencyKind::Procuratorate && ul == Level::Province && contains
        }
        // 县级以上公安机关负责人: the organ that handles the case or one above it (a
        // procuratorate's own investigation: the procuratorate).
        B::CountyPoliceHead => (uk == AgencyKind::Police || uk == vk) && contains,
        B::SuperiorPolice => uk == AgencyKind::Police && one_up,
        B::Statutory | B::Spc | B::Npcsc | B::Nsc | B::HigherSupervisionCommission => true,
    };
    let name = if u.name.is_empty() {
        u.id.clone()
    } else {
        u.name.clone()
    };
    if fits {
        BodyCheck::Fits(name)
    } else {
        BodyCheck::Mismatch(name)
    }
}

/// Inputs shared by every clock of a computation.
pub struct Engine<'a> {
    pub rules: &'a RuleSet,
    pub calendar: &'a Calendar,
    /// Write the "why" lines. Off for bulk and incremental re-computation (the stored row needs
    /// only dates and status); on when a person reads the clock or a mail quotes it.
    pub explain: bool,
}

/// Where a clock starts and stops, and what it is called in the explanation.
struct Span {
    start: DateTime<Utc>,
    start_label: String,
    stop: Option<DateTime<Utc>>,
    stop_label: String,
    awaiting: Option<String>,
}

impl Engine<'_> {
    /// All clocks of a case at `now`.
    pub fn clocks(&self, s: &CaseState, now: DateTime<Utc>) -> Vec<Clock> {
        let mut out = vec![];
        let t = &s.timeline;
        let closed = if s.status == CaseStatus::Closed {
            s.closed_at
        } else {
            None
        };
        let is_agency = matches!(s.kind, CaseKind::Police | CaseKind::Prosecution);
        if !is_agency {
            // The court's limit, chosen by 类型代字, restarted by the rule's restart events.
            let filed = s.filed_at;
            let rule = self.rules.choose(
                ClockKey::Trial,
                s.kind,
                s.type_code.as_deref(),
                &|f| flag(s, f),
                local_date(filed),
            );
            match rule {
                None => out.push(self.no_rule(s, filed)),
                Some(rule) => {
                    let mut span = Span {
                        start: filed,
                        start_label: "立案（受理）".into(),
                        stop: closed,
                        stop_label: "结案".into(),
                        awaiting: None,
                    };
                    if let Some(r) = t
                        .restarts
                        .iter()
                        .rfind(|r| rule.restart_events.contains(&r.id))
                    {
                        span.start = r.at;
                        span.start_label = r.note.clone();
                    }
                    if s.kind == CaseKind::Criminal
                        && t.supplementary.last().is_some_and(|r| r.end.is_none())
                        && rule
                            .restart_events
                            .iter()
                            .any(|e| e == "supplementary_investigation_returned_to_court")
                    {
                        span.awaiting = Some(
                            "检察院补充侦查中：退回法院后重新计算审限（刑事诉讼法第二百零八条第三款）"
                                .into(),
                        );
                    }
                    out.push(self.day_clock(ClockKey::Trial, rule, s, span, now));
                }
            }
            if s.kind == CaseKind::Criminal {
                self.supplementary_clock(s, now, &mut out);
            }
            self.long_pending(s, now, &mut out);
            return out;
        }
        let choose = |key| {
            self.rules
                .choose(key, s.kind, None, &|f| flag(s, f), local_date(s.filed_at))
        };
        // Summons: hours from arrival until detention, arrest or release.
        if let (Some(at), Some(rule)) = (t.summoned_at, choose(ClockKey::Summons)) {
            let stop = [t.detained_at, t.arrested_at, t.released_at]
                .into_iter()
                .flatten()
                .filter(|x| *x >= at)
                .min();
            out.push(self.hour_clock(ClockKey::Summons, rule, s, at, stop, now));
        }
        if let (Some(at), Some(rule)) = (t.detained_at, choose(ClockKey::ArrestRequest)) {
            let stop = [t.arrest_requested_at, t.released_at]
                .into_iter()
                .flatten()
                .filter(|x| *x >= at)
                .min();
            let span = Span {
                start: at,
                start_label: "拘留".into(),
                stop,
                stop_label: "提请批准逮捕或释放".into(),
                awaiting: None,
            };
            out.push(self.day_clock(ClockKey::ArrestRequest, rule, s, span, now));
        }
        if let (Some(at), Some(rule), true) = (
            t.arrest_requested_at,
            choose(ClockKey::ArrestDecision),
            t.detained_at.is_some(),
        ) {
            let span = Span {
                start: at,
                start_label: "收到提请批准逮捕".into(),
                stop: t.arrest_decided_at,
                stop_label: "批准或不批准逮捕".into(),
                awaiting: None,
            };
            out.push(self.day_clock(ClockKey::ArrestDecision, rule, s, span, now));
        }
        if let (Some(at), Some(rule)) = (t.arrested_at, choose(ClockKey::InvestigationCustody)) {
            let stop = [t.released_at, closed, t.review_started_at]
                .into_iter()
                .flatten()
                .filter(|x| *x >= at)
                .min();
            let span = Span {
                start: at,
                start_label: "逮捕".into(),
                stop,
                stop_label: "侦查终结移送审查起诉或释放".into(),
                awaiting: None,
            };
            out.push(self.day_clock(ClockKey::InvestigationCustody, rule, s, span, now));
        }
        let review_start = t.review_started_at.or((s.procedure
            == crate::case_type::Procedure::ProsecutionReview)
            .then_some(s.filed_at));
        if let (Some(at), Some(rule)) = (review_start, choose(ClockKey::ProsecutionReview)) {
            let mut span = Span {
                start: at,
                start_label: "受理审查起诉".into(),
                stop: closed,
                stop_label: "提起公诉或不起诉".into(),
                awaiting: None,
            };
            if let Some(r) = t
                .restarts
                .iter()
                .rfind(|r| rule.restart_events.contains(&r.id) && r.at >= at)
            {
                span.start = r.at;
                span.start_label = r.note.clone();
            }
            if t.supplementary.last().is_some_and(|r| r.end.is_none()) {
                span.awaiting = Some(
                    "退回补充侦查中：重新移送后重新计算审查起诉期限（刑事诉讼法第一百七十五条）"
                        .into(),
                );
            }
            out.push(self.day_clock(ClockKey::ProsecutionReview, rule, s, span, now));
        }
        self.supplementary_clock(s, now, &mut out);
        out
    }

    fn supplementary_clock(&self, s: &CaseState, now: DateTime<Utc>, out: &mut Vec<Clock>) {
        let Some(round) = s.timeline.supplementary.last() else {
            return;
        };
        let Some(rule) = self.rules.choose(
            ClockKey::SupplementaryInvestigation,
            s.kind,
            None,
            &|f| flag(s, f),
            local_date(round.start),
        ) else {
            return;
        };
        let n = s.timeline.supplementary.len();
        let span = Span {
            start: round.start,
            start_label: format!("第{n}次退回补充侦查（以二次为限）"),
            stop: round.end,
            stop_label: "补充侦查完毕重新移送".into(),
            awaiting: None,
        };
        out.push(self.day_clock(ClockKey::SupplementaryInvestigation, rule, s, span, now));
    }

    fn no_rule(&self, s: &CaseState, filed: DateTime<Utc>) -> Clock {
        let code = s
            .type_code
            .clone()
            .unwrap_or_else(|| "（无类型代字）".into());
        let mut c = Clock::blank(ClockKey::Trial, "无适用期限规则", filed);
        c.status = ClockStatus::NoRule;
        c.why.push(why(
            "规则",
            format!(
                "类型代字“{code}”在 rules/limits.toml 中没有适用的期限规则。请审管办人工核定期限，或补充规则。"
            ),
            None,
        ));
        c.findings.push("无适用规则".into());
        c
    }

    fn head(&self, key: ClockKey, rule: &Rule, start: DateTime<Utc>) -> Clock {
        let mut c = Clock::blank(key, &rule.name_zh, start);
        c.rule = Some(rule.tag());
        c.marker = Some(rule.marker);
        if self.explain {
            c.citation = rule.citation.clone();
        }
        if !self.explain {
            return c;
        }
        let mut text = format!(
            "{}（规则 {}，第 {} 版，{} {}）",
            rule.name_zh,
            rule.id,
            rule.version,
            rule.marker.label(),
            rule.marker.zh()
        );
        if let Some(p) = &rule.inherits_from {
            text.push_str(&format!("；期限沿用规则 {p}"));
        }
        if rule.unverified_parts.is_some() {
            // The research notes are kept in the rule file (and the rules API); users see that
            // part of the rule awaits verification against the official text.
            text.push_str("；本规则部分内容尚待核对官方文本");
        }
        if self.explain {
            c.why.push(why("规则", text, Some(&rule.citation)));
        }
        c
    }

    fn hour_clock(
        &self,
        key: ClockKey,
        rule: &Rule,
        s: &CaseState,
        start: DateTime<Utc>,
        stop: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Clock {
        let mut c = self.head(key, rule, start);
        c.custody = true;
        let base = rule.base.map_or(0, hours);
        let mut total = base;
        if self.explain {
            c.why.push(why(
                "起算",
                format!("{} 到案，按小时连续计算，不适用节假日顺延", fmt_time(start)),
                Some("刑事诉讼法第一百零五条；RULES.md §3.2"),
            ));
        }
        if self.explain {
            c.why.push(why("法定期限", format!("{base} 小时"), None));
        }
        if s.timeline.summons_24h
            && let Some(step) = rule.extensions.first()
        {
            let add = step.amount.map_or(0, hours);
            total += add;
            if self.explain {
                c.why.push(why(
                    "延长",
                    format!("案情特别重大、复杂，延长 {add} 小时（{}）", step.by.zh()),
                    Some(rule.citation.as_str()),
                ));
            }
        }
        if let Some(cap) = rule.hard_cap {
            total = total.min(hours(cap));
        }
        let deadline = start + Duration::hours(total as i64);
        c.deadline = Some(deadline);
        c.due = Some(local_date(deadline));
        c.nominal_due = c.due;
        if self.explain {
            c.why.push(why(
                "届满",
                format!("{}（共 {total} 小时）", fmt_time(deadline)),
                None,
            ));
        }
        finish(&mut c, stop, "释放、拘留或逮捕", now, self.explain);
        c.gross_days = (local_date(stop.unwrap_or(now)) - local_date(start)).num_days();
        c.net_days = c.gross_days;
        c
    }

    fn day_clock(
        &self,
        key: ClockKey,
        rule: &Rule,
        s: &CaseState,
        span: Span,
        now: DateTime<Utc>,
    ) -> Clock {
        let mut c = self.head(key, rule, span.start);
        let reck = reckoning(s.kind);
        let custody_now = in_custody(s);
        c.custody = key.is_custody() || (rule.custody_release_on_expiry && custody_now);
        let start_date = local_date(span.start);
        let until = span.stop.unwrap_or(now);
        c.gross_days = (local_date(until) - local_date(s.filed_at))
            .num_days()
            .max(0);
        if rule.no_limit {
            c.status = ClockStatus::NoLimit;
            if self.explain {
                c.why.push(why(
                    "期限",
                    "法律未规定期限，不计算届满日期",
                    Some(&rule.citation),
                ));
            }
            c.net_days = c.gross_days;
            return c;
        }
        let Some(base) = rule.base else {
            c.status = ClockStatus::NoRule;
            c.findings.push("规则缺少法定期限".into());
            return c;
        };
        let mut start_text = String::new();
        if self.explain {
            start_text = format!("{} {}，自次日起算", span.start_label, fmt_day(start_date));
        }
        if let Some(ev) = &rule.start_event
            && self.explain
            && key == ClockKey::Trial
            && !matches!(ev.as_str(), "filing" | "acceptance")
            && span.start_label.starts_with("立案")
        {
            start_text.push_str(&format!(
                "（本规则自“{ev}”起算；事件中未单独记录该日期，以立案受理日期计）"
            ));
        }
        if self.explain {
            c.why.push(why(
                "起算",
                start_text,
                Some("民事诉讼法第八十五条、刑事诉讼法第一百零五条；审限规定第八条"),
            ));
        }
        let mut end = end_date(start_date, base, reck);
        if self.explain {
            c.why.push(why(
                "法定期限",
                format!("{} → {}", base.zh(), fmt_day(end)),
                Some(reck.zh()),
            ));
        }

        // Extensions decided within the clock's span, in order, matched to the rule's chain.
        let mut grants: Vec<&ExtensionGrant> = s
            .timeline
            .extensions
            .iter()
            .filter(|g| g.decided_at >= span.start && span.stop.is_none_or(|st| g.decided_at <= st))
            .collect();
        grants.sort_by_key(|g| g.decided_at);
        let mut step_idx = 0usize;
        let mut used = 0u32;
        // Excluded days so far shift the expiry the extension is judged against.
        let pauses = self.excluded(rule, s, span.start, until, &mut c);
        for (n, g) in grants.into_iter().enumerate() {
            while step_idx < rule.extensions.len()
                && rule.extensions[step_idx]
                    .max_times
                    .is_some_and(|m| used >= m)
            {
                step_idx += 1;
                used = 0;
            }
            let label = format!("第{}次延长", n + 1);
            let Some(step) = rule.extensions.get(step_idx) else {
                c.findings
                    .push(format!("{label}超出规则允许的延长次数或层级，未计入"));
                if self.explain {
                    c.why.push(why(
                        &label,
                        format!(
                            "{} 批准延长 {}{}：超出本规则的延长次数或层级，未计入",
                            g.approver.name,
                            g.amount,
                            unit_zh(g.unit)
                        ),
                        None,
                    ));
                }
                continue;
            };
            if !approver_fits(step.by, g.approver.role) {
                c.findings.push(format!(
                    "{label}批准人“{}（{}）”不符：应由{}批准，未计入",
                    g.approver.name,
                    g.approver.role.zh(),
                    step.by.zh()
                ));
                if self.explain {
                    c.why.push(why(
                        &label,
                        format!(
                            "{}（{}）于 {} 批准：批准人身份不符（应由{}批准），未计入",
                            g.approver.name,
                            g.approver.role.zh(),
                            fmt_day(local_date(g.decided_at)),
                            step.by.zh()
                        ),
                        Some(rule.citation.as_str()),
                    ));
                }
                continue;
            }
            let body = body_fits(step.by, g.approver.org.as_ref(), s.venue.as_ref());
            if let BodyCheck::Mismatch(org) = &body {
                c.findings.push(format!(
                    "{label}批准机关“{org}”不符：应由{}批准，未计入",
                    step.by.zh()
                ));
                if self.explain {
                    c.why.push(why(
                        &label,
                        format!(
                            "{}（{}，{org}）于 {} 批准：批准机关不符（应由{}批准），未计入",
                            g.approver.name,
                            g.approver.role.zh(),
                            fmt_day(local_date(g.decided_at)),
                            step.by.zh()
                        ),
                        Some(rule.citation.as_str()),
                    ));
                }
                continue;
            }
            let current_expiry = add_days(end, pauses);
            let decided = local_date(g.decided_at);
            if decided > current_expiry {
                c.findings.push(format!(
                    "{label}于期限届满（{}）后才批准，延长无效",
                    fmt_day(current_expiry)
                ));
                if self.explain {
                    c.why.push(why(
                        &label,
                        format!(
                            "{} 批准，晚于届满日 {}：延长无效，未计入",
                            fmt_day(decided),
                            fmt_day(current_expiry)
                        ),
                        Some("审限规定2000 第十四条第二款（院长批准须在审限届满前）"),
                    ));
                }
                continue;
            }
            if let (Some(days), Some(req)) = (step.apply_before_days, g.requested_at) {
                let latest = current_expiry - Duration::days(days as i64);
                if local_date(req) > latest {
                    c.findings.push(format!(
                        "{label}申请晚于届满前{days}日（应不晚于 {}）",
                        fmt_day(latest)
                    ));
                }
            }
            if let Some(days) = step.decide_before_days {
                let latest = current_expiry - Duration::days(days as i64);
                if decided > latest {
                    c.findings.push(format!(
                        "{label}批准晚于届满前{days}日（应不晚于 {}）",
                        fmt_day(latest)
                    ));
                }
            }
            let recorded = Period::new(
                g.amount,
                match g.unit {
                    PeriodUnit::Day => Unit::Day,
                    PeriodUnit::Month => Unit::Month,
                },
            );
            let mut granted = recorded;
            let mut new_end = end_date(end, recorded, reck);
            if let Some(cap) = step.amount {
                let cap_end = end_date(end, cap, reck);
                if cap_end < new_end {
                    new_end = cap_end;
                    granted = cap;
                    c.findings.push(format!(
                        "{label}批准 {}，超出本级可延长的 {}，按 {} 计",
                        recorded.zh(),
                        cap.zh(),
                        cap.zh()
                    ));
                }
            }
            let level_note = match &body {
                BodyCheck::Fits(name) => format!("；批准机关{name}，层级核对相符"),
                BodyCheck::Unchecked(why)
                    if !matches!(
                        step.by,
                        ApproverBody::CourtPresident
                            | ApproverBody::CourtPresidentOrVice
                            | ApproverBody::Statutory
                    ) =>
                {
                    format!("；{why}")
                }
                _ => String::new(),
            };
            if self.explain {
                c.why.push(why(
                    &label,
                    format!(
                        "{}（{}）于 {} 批准延长 {}，自前一届满日起算 → {}（{}{}）",
                        g.approver.name,
                        g.approver.role.zh(),
                        fmt_day(decided),
                        granted.zh(),
                        fmt_day(new_end),
                        step.by.zh(),
                        level_note
                    ),
                    Some(rule.citation.as_str()),
                ));
            }
            end = new_end;
            used += 1;
        }
        if let Some(cap) = rule.hard_cap {
            let cap_end = end_date(start_date, cap, reck);
            if end > cap_end {
                if self.explain {
                    c.why.push(why(
                        "最长期限",
                        format!("本规则最长 {}，以 {} 为限", cap.zh(), fmt_day(cap_end)),
                        Some(&rule.citation),
                    ));
                }
                end = cap_end;
            }
        }
        let nominal = add_days(end, pauses);
        c.excluded_days = pauses;
        if pauses > 0 && self.explain {
            c.why.push(why(
                "扣除合计",
                format!(
                    "不计入期限的期间合计 {pauses} 日（重叠部分不重复扣除）→ {}",
                    fmt_day(nominal)
                ),
                Some("RULES.md §3.6"),
            ));
        }
        // Next extension window: the first step still available.
        let mut probe = step_idx;
        let mut probe_used = used;
        while probe < rule.extensions.len()
            && rule.extensions[probe]
                .max_times
                .is_some_and(|m| probe_used >= m)
        {
            probe += 1;
            probe_used = 0;
        }
        if let Some(step) = rule.extensions.get(probe)
            && step.by != ApproverBody::Statutory
        {
            let apply = step.apply_before_days.unwrap_or(0) as i64;
            c.apply_by = Some(nominal - Duration::days(apply));
            c.decide_by = step
                .decide_before_days
                .map(|d| nominal - Duration::days(d as i64));
            if apply > 0 && self.explain {
                c.why.push(why(
                    "延长申请",
                    format!(
                        "如需延长，应于 {} 前向{}申请{}",
                        fmt_day(nominal - Duration::days(apply)),
                        step.by.zh(),
                        step.decide_before_days
                            .map(|d| format!(
                                "，并于 {} 前作出决定",
                                fmt_day(nominal - Duration::days(d as i64))
                            ))
                            .unwrap_or_default()
                    ),
                    Some(rule.citation.as_str()),
                ));
            }
        }
        // Holiday roll-over (RULES.md §3.2): warnings use the nominal date.
        c.nominal_due = Some(nominal);
        let roll = match rule.rollover {
            Rollover::Yes => true,
            Rollover::NoIfInCustody => !custody_now,
            Rollover::No | Rollover::NotApplicable => false,
        };
        let due = if roll {
            let r = self.calendar.roll_forward(nominal);
            if !r.provisional_years.is_empty() {
                c.provisional = true;
            }
            let cal_note = if !self.explain {
                String::new()
            } else if r.provisional_years.is_empty() {
                format!("依 {} 年国务院节假日安排", nominal.format("%Y"))
            } else {
                format!(
                    "{} 年节假日安排尚未发布，暂按周末计算（临时）",
                    r.provisional_years
                        .iter()
                        .map(|y| y.to_string())
                        .collect::<Vec<_>>()
                        .join("、")
                )
            };
            if r.skipped.is_empty() {
                if self.explain {
                    c.why.push(why(
                        "节假日",
                        format!("{} 为工作日，无需顺延（{cal_note}）", fmt_day(nominal)),
                        Some("民事诉讼法第八十五条第三款；刑事诉讼法第一百零五条第四款"),
                    ));
                }
            } else if self.explain {
                let names: Vec<String> = r
                    .skipped
                    .iter()
                    .map(|d| {
                        self.calendar
                            .describe(*d)
                            .map(|n| format!("{}（{n}）", d.format("%m-%d")))
                            .unwrap_or_else(|| format!("{}（周末）", d.format("%m-%d")))
                    })
                    .collect();
                if self.explain {
                    c.why.push(why(
                        "节假日顺延",
                        format!(
                            "{} 为休息日，顺延至节假日后第一个工作日 {}；跳过 {}（{cal_note}）",
                            fmt_day(nominal),
                            fmt_day(r.to),
                            names.join("、")
                        ),
                        Some("民事诉讼法第八十五条第三款；刑事诉讼法第一百零五条第四款"),
                    ));
                }
            }
            r.to
        } else {
            let reason = match rule.rollover {
                Rollover::NoIfInCustody | Rollover::No if custody_now || key.is_custody() => {
                    "犯罪嫌疑人、被告人在押，期间届满日为节假日的不顺延"
                }
                Rollover::No => "本期限不适用节假日顺延",
                _ => "本期限不适用节假日顺延",
            };
            if self.explain {
                c.why.push(why(
                    "节假日",
                    format!("{reason}，届满日 {}", fmt_day(nominal)),
                    Some("刑事诉讼法第一百零五条第四款"),
                ));
            }
            if !self
                .calendar
                .covers(nominal.format("%Y").to_string().parse().unwrap_or(0))
            {
                // No roll-over, so no rest day is consulted: the date is not provisional.
            }
            nominal
        };
        c.due = Some(due);
        c.deadline = Some(local_midnight(due + Duration::days(1)));
        c.net_days = (c.gross_days - pauses).max(0);
        if let Some(a) = span.awaiting
            && span.stop.is_none()
        {
            c.status = ClockStatus::Awaiting;
            if self.explain {
                c.why.push(why("状态", a, None));
            }
            c.apply_by = None;
            c.decide_by = None;
            return c;
        }
        finish(&mut c, span.stop, &span.stop_label, now, self.explain);
        if c.status == ClockStatus::Running
            && s.timeline
                .pauses
                .iter()
                .any(|p| p.end.is_none() && rule.excluded.contains(&p.kind))
        {
            c.status = ClockStatus::Paused;
            if self.explain {
                c.why.push(why(
                    "状态",
                    "不计入期限的期间尚未结束：届满日随之后移（按当前日期计算）",
                    None,
                ));
            }
        }
        c
    }

    /// The excluded days within `[start, until]` that the rule allows, merged; adds why-lines.
    fn excluded(
        &self,
        rule: &Rule,
        s: &CaseState,
        start: DateTime<Utc>,
        until: DateTime<Utc>,
        c: &mut Clock,
    ) -> i64 {
        let mut ranges: Vec<(NaiveDate, NaiveDate)> = vec![];
        for p in &s.timeline.pauses {
            let end = p.end.unwrap_or(until).min(until);
            if end < start {
                continue;
            }
            let from = p.start.max(start);
            let (a, b) = (local_date(from), local_date(end));
            let label = p.kind.zh();
            let open = if p.end.is_none() {
                "（尚未结束，计至今日）"
            } else {
                ""
            };
            if !rule.excluded.contains(&p.kind) {
                if self.explain {
                    c.why.push(why(
                        "不予扣除",
                        format!(
                            "{label} {}–{}：本规则不扣除此类期间，照常计算",
                            fmt_day(a),
                            fmt_day(b)
                        ),
                        Some(&rule.citation),
                    ));
                }
                continue;
            }
            let mut days = (b - a).num_days().max(0);
            let mut capped = String::new();
            if let Some(cap) = self.rules.excluded_cap(p.kind) {
                let cap_end = end_date(a, cap, reckoning(s.kind));
                let max = (cap_end - a).num_days();
                if days > max {
                    days = max;
                    capped = format!("，以 {} 为限", cap.zh());
                }
            }
            let approver = p
                .approver
                .as_ref()
                .map(|a| format!("，{}（{}）批准", a.name, a.role.zh()))
                .unwrap_or_default();
            if self.explain {
                c.why.push(why(
                    "扣除",
                    format!(
                        "{label} {}–{}{open}：{days} 日{capped}{approver}",
                        fmt_day(a),
                        fmt_day(b)
                    ),
                    self.rules.excluded_citation(p.kind),
                ));
            }
            ranges.push((a, a + Duration::days(days)));
        }
        ranges.sort();
        let mut total = 0i64;
        let mut cur: Option<(NaiveDate, NaiveDate)> = None;
        for (a, b) in ranges {
            match cur {
                Some((ca, cb)) if a <= cb => cur = Some((ca, cb.max(b))),
                Some((ca, cb)) => {
                    total += (cb - ca).num_days();
                    cur = Some((a, b));
                }
                None => cur = Some((a, b)),
            }
        }
        if let Some((ca, cb)) = cur {
            total += (cb - ca).num_days();
        }
        total
    }

    fn long_pending(&self, s: &CaseState, now: DateTime<Utc>, out: &mut Vec<Clock>) {
        if self.rules.long_pending.is_empty() {
            return;
        }
        let filed = local_date(s.filed_at);
        let until = if s.status == CaseStatus::Closed {
            s.closed_at.unwrap_or(now)
        } else {
            now
        };
        let today = local_date(until);
        let mut reached = None;
        let mut next = None;
        for t in &self.rules.long_pending {
            let at = end_date(filed, Period::new(t.months, Unit::Month), Reckoning::Civil);
            if today > at {
                reached = Some(t);
            } else if next.is_none() {
                next = Some((t, at));
            }
        }
        let mut c = Clock::blank(ClockKey::LongPending, "长期未结", s.filed_at);
        c.marker = Some(Marker::S);
        if s.status == CaseStatus::Closed {
            c.status = ClockStatus::Met;
        }
        c.stopped_at = s.closed_at;
        c.gross_days = (today - filed).num_days().max(0);
        c.net_days = c.gross_days;
        c.tier_months = reached.map(|t| t.months);
        if self.explain {
            c.why.push(why(
                "起算",
                format!(
                    "立案 {}，按自然日计算（中止、扣除期间一并计入）",
                    fmt_day(filed)
                ),
                Some("RULES.md §4"),
            ));
        }
        if let Some(t) = reached {
            if self.explain {
                c.why.push(why(
                    "已达档次",
                    format!("{}（{} {}）", t.name_zh, t.marker.label(), t.marker.zh()),
                    Some(&t.citation),
                ));
            }
            c.findings.push(t.name_zh.clone());
            c.citation = t.citation.clone();
        }
        if let Some((t, at)) = next {
            c.due = Some(at);
            c.nominal_due = Some(at);
            c.deadline = Some(local_midnight(at + Duration::days(1)));
            if self.explain {
                c.why.push(why(
                    "下一档次",
                    format!("{} 起为“{}”", fmt_day(at + Duration::days(1)), t.name_zh),
                    Some(&t.citation),
                ));
            }
        }
        if s.status != CaseStatus::Closed || reached.is_some() {
            out.push(c);
        }
    }
}

fn unit_zh(u: PeriodUnit) -> &'static str {
    match u {
        PeriodUnit::Day => "日",
        PeriodUnit::Month => "个月",
    }
}

fn hours(p: Period) -> u32 {
    match p.unit {
        Unit::Hour => p.amount,
        Unit::Day => p.amount * 24,
        Unit::Month | Unit::Year => p.amount * 24 * 30,
    }
}

fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(Duration::days(n))
        .unwrap_or(NaiveDate::MAX)
}

/// Sets the status from the stop instant (or `now`) against the deadline.
fn finish(
    c: &mut Clock,
    stop: Option<DateTime<Utc>>,
    stop_label: &str,
    now: DateTime<Utc>,
    explain: bool,
) {
    let Some(deadline) = c.deadline else {
        return;
    };
    match stop {
        Some(at) => {
            c.stopped_at = Some(at);
            c.status = if at < deadline {
                ClockStatus::Met
            } else {
                ClockStatus::Late
            };
            if explain {
                c.why.push(why(
                    "结束",
                    format!(
                        "{} {}：{}",
                        stop_label,
                        fmt_time(at),
                        if at < deadline {
                            "在期限内"
                        } else {
                            "超过期限"
                        }
                    ),
                    None,
                ));
            }
        }
        None => {
            c.status = if now >= deadline {
                ClockStatus::Overdue
            } else {
                ClockStatus::Running
            };
        }
    }
}

// ---- warnings --------------------------------------------------------------------------------

/// When to warn: a policy, not law (configurable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarnPolicy {
    /// Days before the nominal due date at which a "nearing" warning fires.
    pub days_before: Vec<u32>,
    /// Custody clocks: days before expiry that count as "custody expiring".
    pub custody_days: u32,
    /// Hour clocks: hours before expiry.
    pub custody_hours: u32,
}

impl Default for WarnPolicy {
    fn default() -> Self {
        WarnPolicy {
            days_before: vec![30, 15, 10, 5, 3, 1],
            custody_days: 3,
            custody_hours: 4,
        }
    }
}

/// What the warnings board calls a clock's situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Overdue,
    DueToday,
    CustodyExpiring,
    ExtensionWindow,
    Nearing,
    LongPending,
    NoRule,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Overdue,
        Category::DueToday,
        Category::CustodyExpiring,
        Category::ExtensionWindow,
        Category::Nearing,
        Category::LongPending,
        Category::NoRule,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Overdue => "overdue",
            Category::DueToday => "due_today",
            Category::CustodyExpiring => "custody_expiring",
            Category::ExtensionWindow => "extension_window",
            Category::Nearing => "nearing",
            Category::LongPending => "long_pending",
            Category::NoRule => "no_rule",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Category::Overdue => "已超期",
            Category::DueToday => "今日届满",
            Category::CustodyExpiring => "羁押期限将届满",
            Category::ExtensionWindow => "延长申请窗口将关闭",
            Category::Nearing => "临近届满",
            Category::LongPending => "长期未结",
            Category::NoRule => "无适用规则",
        }
    }
    /// Sent at once rather than in the digest.
    pub fn urgent(self) -> bool {
        matches!(
            self,
            Category::Overdue | Category::DueToday | Category::CustodyExpiring
        )
    }
}

/// A warning a clock raises at an instant: its category and the threshold that produced it (the
/// idempotency key of the warning, e.g. `nearing:15`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub category: Category,
    pub threshold: String,
}

/// The warnings a clock raises at `now`, most severe first.
pub fn assess(c: &Clock, now: DateTime<Utc>, p: &WarnPolicy) -> Vec<Alert> {
    let mut out = vec![];
    let today = local_date(now);
    if c.status == ClockStatus::NoRule {
        out.push(Alert {
            category: Category::NoRule,
            threshold: "no_rule".into(),
        });
        return out;
    }
    if c.key == ClockKey::LongPending {
        if c.status == ClockStatus::Running
            && let Some(m) = c.tier_months
        {
            out.push(Alert {
                category: Category::LongPending,
                threshold: format!("long_pending:{m}"),
            });
        }
        return out;
    }
    if !matches!(
        c.status,
        ClockStatus::Running | ClockStatus::Overdue | ClockStatus::Paused
    ) {
        return out;
    }
    let (Some(deadline), Some(nominal)) = (c.deadline, c.nominal_due) else {
        return out;
    };
    if now >= deadline {
        out.push(Alert {
            category: Category::Overdue,
            threshold: "overdue".into(),
        });
        return out;
    }
    if c.key == ClockKey::Summons {
        if deadline - now <= Duration::hours(p.custody_hours as i64) {
            out.push(Alert {
                category: Category::CustodyExpiring,
                threshold: format!("custody:{}h", p.custody_hours),
            });
        }
        return out;
    }
    let left = (nominal - today).num_days();
    if c.due == Some(today) || left == 0 {
        out.push(Alert {
            category: Category::DueToday,
            threshold: "due_today".into(),
        });
    }
    if c.custody && left <= p.custody_days as i64 {
        out.push(Alert {
            category: Category::CustodyExpiring,
            threshold: format!("custody:{}d", p.custody_days),
        });
    }
    if let Some(apply_by) = c.apply_by
        && today <= apply_by
        && (apply_by - today).num_days() <= 5
    {
        out.push(Alert {
            category: Category::ExtensionWindow,
            threshold: format!("extension_window:{apply_by}"),
        });
    }
    if left > 0
        && let Some(n) = p.days_before.iter().filter(|n| left <= **n as i64).min()
    {
        out.push(Alert {
            category: Category::Nearing,
            threshold: format!("nearing:{n}"),
        });
    }
    out
}

/// The next instant after `now` at which [`assess`] can change its answer (or the clock's status),
/// so that the poller touches a clock only when something is due.
pub fn next_fire(c: &Clock, now: DateTime<Utc>, p: &WarnPolicy) -> Option<DateTime<Utc>> {
    let mut cands: Vec<DateTime<Utc>> = vec![];
    if c.key == ClockKey::LongPending {
        return c
            .deadline
            .filter(|t| *t > now && c.status == ClockStatus::Running);
    }
    match c.status {
        ClockStatus::Running | ClockStatus::Overdue => {}
        // An open excluded period moves the due date every day.
        ClockStatus::Paused => return Some(local_midnight(local_date(now) + Duration::days(1))),
        _ => return None,
    }
    let deadline = c.deadline?;
    cands.push(deadline);
    if c.key == ClockKey::Summons {
        cands.push(deadline - Duration::hours(p.custody_hours as i64));
    } else if let Some(nominal) = c.nominal_due {
        let mut days: Vec<i64> = p.days_before.iter().map(|d| *d as i64).collect();
        days.push(0);
        if c.custody {
            days.push(p.custody_days as i64);
        }
        for d in days {
            cands.push(local_midnight(nominal - Duration::days(d)));
        }
        if let Some(due) = c.due {
            cands.push(local_midnight(due));
        }
        if let Some(a) = c.apply_by {
            cands.push(local_midnight(a - Duration::days(5)));
            cands.push(local_midnight(a + Duration::days(1)));
        }
    }
    cands.into_iter().filter(|t| *t > now).min()
}

#[cfg(test)]
mod tests;
