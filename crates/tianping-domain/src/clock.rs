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

mod approval;
mod day;
mod police;
mod prosecution;
mod warnings;

pub use approval::{BodyCheck, body_fits};
pub use warnings::{Alert, Category, WarnPolicy, assess, next_fire, starting_rung};

use crate::calendar::Calendar;
use crate::case::CaseStatus;
use crate::case_type::CaseKind;
use crate::event::{CaseState, Custody};
use crate::period::{Period, Reckoning, Unit, end_date};
use crate::rules::{ClockKey, Flag, Marker, Rule, RuleSet};
use crate::timeline::PeriodUnit;
pub use crate::timeline::{ExtensionGrant, Measure, Pause, Restart, Round, Timeline};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// The words a clock's finding uses for an extension approved after the limit expired (read by
/// `risk_points` as a signal).
pub const VOID_EXTENSION: &str = "延长无效";

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
    /// The legal source as a reader reads it (the rule's `citation_zh`; explained clocks only).
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
        Flag::Ordinary => !(s.summary_procedure || s.fast_track || s.small_claims),
        Flag::ForeignRelated => s.foreign_related,
        Flag::RulingAppeal => {
            s.ruling_appeal || s.type_code.as_deref().is_some_and(|c| c.contains('辖'))
        }
        Flag::PrivateProsecution => s.private_prosecution,
        Flag::InCustody => in_custody(s),
        Flag::NotInCustody => !in_custody(s),
    }
}

/// Was the suspect held (拘留 and not released) at `at`?
fn held_at(t: &Timeline, at: DateTime<Utc>) -> bool {
    t.detained_at
        .is_some_and(|d| d <= at && t.released_at.is_none_or(|r| r < d || r > at))
}

/// The Chinese name of a start event of limits.toml, for the explanation.
fn start_event_zh(ev: &str) -> &'static str {
    match ev {
        "appeal_petition_received" => "收到上诉状（案卷材料）",
        "retrial_application_received" => "收到再审申请书",
        "protest_received" => "收到抗诉书",
        "application_received" | "application_received_or_supplement_received" => "收到申请",
        "retrial_decision" => "作出再审决定",
        "proposal_received" => "收到减刑、假释建议书",
        "execution_application_received" => "收到执行申请",
        "reconsideration_application_received" => "收到复议申请",
        "written_objection_received" => "收到书面异议",
        "entrustment_letter_received" => "收到委托函",
        "judgment_effective" => "裁判生效",
        "order_or_opinion_received" => "收到决定书或意见书",
        "recommendation_received" => "收到检察建议",
        "notice_published" => "发出公告",
        _ => "法定起算事件",
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
                self.measure_clocks(s, now, &mut out);
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
            let span = Span {
                start: at,
                start_label: "到案".into(),
                stop,
                stop_label: "释放、拘留或逮捕".into(),
                awaiting: None,
            };
            out.push(self.hour_clock(ClockKey::Summons, rule, s, span, now));
        }
        // After 拘留 (or an 逮捕 without one): to the 看守所, first 讯问 and the family's notice,
        // each within 24 hours (CrimPL 2018 arts. 85–86, 93–94).
        let held = match (t.detained_at, t.arrested_at) {
            (Some(d), Some(a)) if a < d => Some((a, "逮捕")),
            (Some(d), _) => Some((d, "拘留")),
            (None, Some(a)) => Some((a, "逮捕")),
            (None, None) => None,
        };
        // Only for files whose source reports the 执法办案管理中心 (entries, sessions, delivery or
        // notice): a system that never sends these would otherwise raise three false alarms on
        // every detention.
        let reports_centre = !t.area_stays.is_empty()
            || !t.sessions.is_empty()
            || t.delivered_at.is_some()
            || t.family_notified_at.is_some();
        if let Some((at, label)) = held.filter(|_| reports_centre) {
            let released = t.released_at.filter(|r| *r >= at);
            let first_interrogation = t
                .sessions
                .iter()
                .find(|x| {
                    x.start >= at && x.questioning == crate::timeline::Questioning::Interrogation
                })
                .map(|x| x.start);
            for (key, done, stop_label) in [
                (
                    ClockKey::DeliveryToDetention,
                    t.delivered_at.filter(|x| *x >= at),
                    "送看守所羁押",
                ),
                (
                    ClockKey::FirstInterrogation,
                    first_interrogation,
                    "第一次讯问",
                ),
                (
                    ClockKey::FamilyNotice,
                    t.family_notified_at.filter(|x| *x >= at),
                    "通知家属",
                ),
            ] {
                let Some(rule) = choose(key) else { continue };
                let (stop, stop_label) = match (done, released) {
                    (Some(d), Some(r)) if r < d => (Some(r), "释放"),
                    (Some(d), _) => (Some(d), stop_label),
                    (None, Some(r)) => (Some(r), "释放"),
                    (None, None) => (None, stop_label),
                };
                let span = Span {
                    start: at,
                    start_label: label.into(),
                    stop,
                    stop_label: stop_label.into(),
                    awaiting: None,
                };
                out.push(self.hour_clock(key, rule, s, span, now));
            }
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
        // 审查批准逮捕: 7 days for a suspect held when the request arrives, 15 (≤ 20) for one who
        // is not (CrimPL 2018 art. 91 ¶3; 规则 2019 art. 282).
        let decision_rule = t.arrest_requested_at.and_then(|at| {
            let held = held_at(t, at);
            self.rules.choose(
                ClockKey::ArrestDecision,
                s.kind,
                None,
                &|f| match f {
                    Flag::InCustody => held,
                    Flag::NotInCustody => !held,
                    f => flag(s, f),
                },
                local_date(s.filed_at),
            )
        });
        if let (Some(at), Some(rule)) = (t.arrest_requested_at, decision_rule) {
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
            let mut span = Span {
                start: at,
                start_label: "逮捕".into(),
                stop,
                stop_label: "侦查终结移送审查起诉或释放".into(),
                awaiting: None,
            };
            // 另有重要罪行 or 身份查清: counted again from that day (CrimPL 2018 art. 160).
            if let Some(r) = t
                .restarts
                .iter()
                .rfind(|r| rule.restart_events.contains(&r.id) && r.at >= at)
                && stop.is_none_or(|st| r.at <= st)
            {
                span.start = r.at;
                span.start_label = r.note.clone();
            }
            out.push(self.day_clock(ClockKey::InvestigationCustody, rule, s, span, now));
        }
        // 监察 移送 with the suspect in 留置: 先行拘留, then 逮捕, 取保候审 or 监视居住 decided
        // within 10 days (+1 to 4); those days are not counted in the review (art. 170 ¶2).
        let measure_decided = t.pre_detained_at.and_then(|at| {
            [t.arrest_decided_at, t.released_at]
                .into_iter()
                .flatten()
                .filter(|x| *x >= at)
                .min()
        });
        if let (Some(at), Some(rule)) =
            (t.pre_detained_at, choose(ClockKey::CoerciveMeasureDecision))
        {
            let span = Span {
                start: at,
                start_label: "收到监察机关移送的案件（留置自动解除，先行拘留）".into(),
                stop: measure_decided,
                stop_label: "决定逮捕、取保候审或者监视居住".into(),
                awaiting: None,
            };
            let mut c = self.day_clock(ClockKey::CoerciveMeasureDecision, rule, s, span, now);
            if let Some(since) = t.retained_since {
                self.check_retention(since, at, &mut c);
            }
            out.push(c);
        }
        let review_start = t.review_started_at.or((s.procedure
            == crate::case_type::Procedure::ProsecutionReview)
            .then_some(s.filed_at));
        if let (Some(at), Some(rule)) = (review_start, choose(ClockKey::ProsecutionReview)) {
            let mut span = Span {
                start: at,
                start_label: "受理审查起诉".into(),
                // The review ends with the first 提起公诉, whatever follows (撤回起诉 reopens
                // the file for its own 30 days).
                stop: t.indicted_at.or(closed),
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
            if let Some(p) = t.pre_detained_at.filter(|p| *p >= span.start) {
                match measure_decided {
                    Some(d) => {
                        span.start = d;
                        span.start_label =
                            "作出强制措施决定（先行拘留后决定的时间不计入审查起诉期限）".into();
                    }
                    None if span.stop.is_none() => {
                        span.start = p;
                        span.awaiting = Some(
                            "先行拘留后决定采取强制措施的时间不计入审查起诉期限（刑事诉讼法第一百七十条第二款）：作出决定后开始计算"
                                .into(),
                        );
                    }
                    None => {}
                }
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
        self.measure_clocks(s, now, &mut out);
        if s.kind == CaseKind::Prosecution {
            self.after_indictment_clocks(s, now, &mut out);
        }
        if s.kind == CaseKind::Police {
            self.incident_clocks(s, now, &mut out);
        }
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
                "类型代字“{code}”没有适用的期限规则。请审管办人工核定期限，或请系统管理员补充期限规则。"
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
            c.citation = rule.citation_zh.clone();
        }
        if !self.explain {
            return c;
        }
        // The rule's id and marker code stay in the clock's `rule` and `marker` fields (and the
        // rules API); the reader gets its name, version and how reliable it is, in Chinese.
        let mut text = format!(
            "{}（第 {} 版，{}）",
            rule.name_zh,
            rule.version,
            rule.marker.zh()
        );
        if let Some(p) = &rule.inherits_from {
            let parent = self
                .rules
                .rule(p)
                .map_or(p.as_str(), |r| r.name_zh.as_str());
            text.push_str(&format!("；期限沿用“{parent}”"));
        }
        if rule.unverified_parts.is_some() {
            // The research notes are kept in the rule file (and the rules API); users see that
            // part of the rule awaits verification against the official text.
            text.push_str("；本规则部分内容尚待核对官方文本");
        }
        if self.explain {
            c.why.push(why("规则", text, Some(&rule.citation_zh)));
        }
        c
    }

    fn hour_clock(
        &self,
        key: ClockKey,
        rule: &Rule,
        s: &CaseState,
        span: Span,
        now: DateTime<Utc>,
    ) -> Clock {
        let start = span.start;
        let stop = span.stop;
        let mut c = self.head(key, rule, start);
        c.custody = true;
        let base = rule.base.map_or(0, hours);
        let mut total = base;
        if self.explain {
            c.why.push(why(
                "起算",
                format!(
                    "{} {}，按小时连续计算，不适用节假日顺延",
                    fmt_time(start),
                    span.start_label
                ),
                Some("刑事诉讼法第一百零五条"),
            ));
        }
        if self.explain {
            c.why.push(why("法定期限", format!("{base} 小时"), None));
        }
        if key == ClockKey::Summons
            && s.timeline.summons_24h
            && let Some(step) = rule.extensions.first()
        {
            let add = step.amount.map_or(0, hours);
            total += add;
            if self.explain {
                c.why.push(why(
                    "延长",
                    format!("案情特别重大、复杂，延长 {add} 小时（{}）", step.by.zh()),
                    Some(rule.citation_zh.as_str()),
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
        if key == ClockKey::Summons {
            self.summons_findings(rule, s, start, stop, &mut c);
        }
        if matches!(key, ClockKey::Summons | ClockKey::FirstInterrogation) {
            self.session_lines(s, start, stop.unwrap_or(now), &mut c);
        }
        if key == ClockKey::FamilyNotice
            && let Some(r) = &s.timeline.family_notice_delay
        {
            if self.explain {
                c.why.push(why(
                    "延迟通知",
                    format!("记载的延迟通知原因：{r}"),
                    Some("刑事诉讼法第八十五条第二款"),
                ));
            }
            c.findings.push(format!("延迟通知家属，原因：{r}"));
        }
        finish(&mut c, stop, &span.stop_label, now, self.explain);
        c.gross_days = (local_date(stop.unwrap_or(now)) - local_date(start)).num_days();
        c.net_days = c.gross_days;
        c
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
                None,
            ));
        }
        if let Some(t) = reached {
            if self.explain {
                c.why.push(why(
                    "已达档次",
                    format!("{}（{}）", t.name_zh, t.marker.zh()),
                    Some(&t.citation_zh),
                ));
            }
            c.findings.push(t.name_zh.clone());
            c.citation = t.citation_zh.clone();
        }
        if let Some((t, at)) = next {
            c.due = Some(at);
            c.nominal_due = Some(at);
            c.deadline = Some(local_midnight(at + Duration::days(1)));
            if self.explain {
                c.why.push(why(
                    "下一档次",
                    format!("{} 起为“{}”", fmt_day(at + Duration::days(1)), t.name_zh),
                    Some(&t.citation_zh),
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

#[cfg(test)]
mod tests;
