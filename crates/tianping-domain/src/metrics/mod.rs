//! Quality metrics (RULES.md §4, §9.2, §11.4) with versioned definitions as data
//! (`rules/metrics.toml`).
//!
//! The split: *counters* — which case counts towards what in a period (新收, 结案, 旧存, 未结, 超审限
//! 结案, 上诉, 改判 …) — are the counting algorithm and live here as [`Counter`]; *metrics* are
//! data: a ratio of sums of counters with a scale, a version and an effective date, and the citation
//! that says which 口径 was chosen. Every metric therefore drills down exactly: the cases behind a
//! number are the cases for which its counters are non-zero ([`Counter::contributes`]).

use crate::case_type::{CaseKind, Procedure};
use crate::event::{CaseState, Disposition, ZhongbenExit};
use crate::rules::{Marker, RuleError};
use chrono::{Months, NaiveDate};
use serde::Deserialize;

mod columns;
mod filter;
mod rank;
#[cfg(test)]
use columns::column_index;
pub use columns::{Column, Contribution, Cumulative, Totals, columns};
pub use filter::{CaseFilter, Closing, last_filed_over};
pub use rank::{Better, Standing, rank};

/// The metric definitions shipped with Tianping.
pub const METRICS_TOML: &str = include_str!("../../../../rules/metrics.toml");

/// A statistics period: both dates inclusive, Beijing calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// How the case's own limit (审限 / 办案期限) ended, for 审限内结案率.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitOutcome {
    /// No statutory limit applies (or no rule): not in the denominator.
    None,
    /// Still open.
    Open,
    /// Closed within the limit (extended, net of excluded periods).
    Met,
    /// Closed after it.
    Late,
}

/// What the counters need to know about one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub kind: CaseKind,
    pub procedure: Procedure,
    pub filed: NaiveDate,
    pub closed: Option<NaiveDate>,
    pub disposition: Option<Disposition>,
    pub small_claims: bool,
    pub appealed: bool,
    pub limit: LimitOutcome,
    /// 诉讼标的额 / 申请执行标的额.
    pub claim_amount_yuan: Option<i64>,
    /// The amount the closing event records (for execution: the amount paid out).
    pub amount_yuan: Option<i64>,
    /// The case continues another (原审案号: appeal, retrial, execution of a judgment …): it is a
    /// further 件 of an existing 案.
    pub has_origin: bool,
    /// Procuratorate files: 退回补充侦查 rounds and approved extensions (extra 件, RULES.md §9.3).
    pub extra_procedures: u32,
    /// Stays in the 终本 database (RULES.md §11.4), oldest first.
    pub zhongben: Vec<Stay>,
    /// A police file the procuratorate guided (提前介入、引导侦查取证).
    pub guided: bool,
    /// The case's evaluations (案件质量评查) whose grade is final, oldest first. They come from the
    /// evaluation records, not from the case's events: [`CaseFacts::of`] leaves them empty and
    /// the store keeps them when it re-folds the case.
    pub evaluated: Vec<Evaluated>,
    /// The findings of the proofreader on the case's drafts (文书校对), oldest first. Like the
    /// evaluations, they come from their own records and the store keeps them on a re-fold.
    pub proofread: Vec<ProofreadFinding>,
}

/// A finding of the proofreader on a draft of the case: the day it was found and the day it
/// was resolved (fixed, or set aside as not applicable), Beijing calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProofreadFinding {
    pub found: NaiveDate,
    pub resolved: Option<NaiveDate>,
}

impl ProofreadFinding {
    fn open_on(&self, day: NaiveDate) -> bool {
        self.found <= day && self.resolved.is_none_or(|r| r > day)
    }
}

/// An evaluation of the case whose grade became final on `day` (Beijing calendar day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evaluated {
    pub day: NaiveDate,
    /// The grade counts as 合格 in the 评查合格率 (the grade scale's `passes`).
    pub passes: bool,
}

/// One stay of a case in the 终本 database, by Beijing calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stay {
    /// The day of 终结本次执行.
    pub from: NaiveDate,
    /// The day it left the database, and why; `None` while it is in it.
    pub left: Option<Left>,
}

/// How a stay in the 终本 database ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Left {
    pub day: NaiveDate,
    pub exit: ZhongbenExit,
    /// A deputy (执行监督员) helped.
    pub assisted: bool,
}

impl Stay {
    /// A stay that has not ended.
    pub fn open(from: NaiveDate) -> Stay {
        Stay { from, left: None }
    }
    /// A stay that ended on `day` for `exit`.
    pub fn ended(from: NaiveDate, day: NaiveDate, exit: ZhongbenExit, assisted: bool) -> Stay {
        Stay {
            from,
            left: Some(Left {
                day,
                exit,
                assisted,
            }),
        }
    }
    pub fn to(&self) -> Option<NaiveDate> {
        self.left.map(|l| l.day)
    }
    /// Whether it left on a day of `p` in a way `which` accepts.
    fn left_in(&self, p: &Period, which: impl Fn(&Left) -> bool) -> bool {
        self.left
            .is_some_and(|l| l.day >= p.from && l.day <= p.to && which(&l))
    }
}

impl CaseFacts {
    /// The facts of a folded case; `limit` comes from its main clock.
    pub fn of(s: &CaseState, limit: LimitOutcome) -> CaseFacts {
        CaseFacts {
            kind: s.kind,
            procedure: s.procedure,
            filed: crate::clock::local_date(s.filed_at),
            closed: s.closed_at.map(crate::clock::local_date),
            disposition: s.disposition,
            small_claims: s.small_claims,
            appealed: s.appealed,
            limit,
            claim_amount_yuan: s.claim_amount_yuan,
            amount_yuan: s.amount_yuan,
            has_origin: s.origin_case_number.is_some(),
            extra_procedures: u32::from(s.supplementary_rounds) + s.extensions_approved,
            guided: s.guided,
            evaluated: vec![],
            proofread: vec![],
            zhongben: if s.zhongben_spells.is_empty() {
                // A state stored before spells were recorded: its current 终本, if any.
                match s.closed_at {
                    Some(c) if s.zhongben => vec![Stay::open(crate::clock::local_date(c))],
                    _ => vec![],
                }
            } else {
                s.zhongben_spells
                    .iter()
                    .map(|x| Stay {
                        from: crate::clock::local_date(x.from),
                        // A stay that ended before reasons were recorded ended by restoration.
                        left: x.to.map(|t| Left {
                            day: crate::clock::local_date(t),
                            exit: x.exit.unwrap_or(ZhongbenExit::Restored),
                            assisted: x.assisted,
                        }),
                    })
                    .collect()
            },
        }
    }

    /// The number of 终本 spells that hold on `day`.
    fn in_zhongben_on(&self, day: NaiveDate) -> i64 {
        self.zhongben
            .iter()
            .filter(|s| s.from <= day && s.to().is_none_or(|t| t > day))
            .count() as i64
    }

    /// The number of stays that ended in `p` in a way `which` accepts.
    fn left_in(&self, p: &Period, which: impl Fn(&Left) -> bool) -> i64 {
        self.zhongben
            .iter()
            .filter(|s| s.left_in(p, &which))
            .count() as i64
    }

    /// The number of evaluations made final in `p` that `which` accepts.
    fn evaluated_in(&self, p: &Period, which: impl Fn(&Evaluated) -> bool) -> i64 {
        self.evaluated
            .iter()
            .filter(|e| e.day >= p.from && e.day <= p.to && which(e))
            .count() as i64
    }

    /// The proofreading findings open on `day`.
    fn proofread_open_on(&self, day: NaiveDate) -> i64 {
        self.proofread.iter().filter(|f| f.open_on(day)).count() as i64
    }

    /// The proofreading findings whose `day` (found or resolved) falls in `p`.
    fn proofread_in(
        &self,
        p: &Period,
        day: impl Fn(&ProofreadFinding) -> Option<NaiveDate>,
    ) -> i64 {
        self.proofread
            .iter()
            .filter(|f| day(f).is_some_and(|d| d >= p.from && d <= p.to))
            .count() as i64
    }

    fn closed_in(&self, p: &Period) -> bool {
        self.closed.is_some_and(|c| c >= p.from && c <= p.to)
    }

    fn pending_on(&self, day: NaiveDate) -> bool {
        self.filed <= day && self.closed.is_none_or(|c| c > day)
    }
}

macro_rules! counters {
    ($($v:ident => $s:literal, $zh:literal;)*) => {
        /// What a case can count towards in a period.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Counter { $($v,)* }
        impl Counter {
            pub const ALL: &'static [Counter] = &[$(Counter::$v,)*];
            pub fn as_str(self) -> &'static str { match self { $(Counter::$v => $s,)* } }
            pub fn zh(self) -> &'static str { match self { $(Counter::$v => $zh,)* } }
            pub fn parse(s: &str) -> Option<Counter> { match s { $($s => Some(Counter::$v),)* _ => None } }
        }
    };
}

counters! {
    Received => "received", "新收";
    Closed => "closed", "结案";
    PendingAtStart => "pending_at_start", "旧存";
    PendingAtEnd => "pending_at_end", "未结";
    ClosedWithLimit => "closed_with_limit", "有法定期限的结案";
    ClosedLate => "closed_late", "超审限结案";
    ClosedDays => "closed_days", "结案审理天数合计";
    FirstInstanceClosed => "first_instance_closed", "一审结案";
    AppealableClosed => "appealable_closed", "可上诉的一审结案";
    Appealed => "appealed", "上诉";
    SecondInstanceClosed => "second_instance_closed", "二审结案";
    SecondInstanceAmended => "second_instance_amended", "二审改判";
    SecondInstanceRemanded => "second_instance_remanded", "二审发回重审";
    CivilFirstInstanceClosed => "civil_first_instance_closed", "民事一审结案";
    CivilFirstInstanceMediatedOrWithdrawn => "civil_first_instance_mediated_or_withdrawn", "民事一审调解、撤诉结案";
    ExecutionClosed => "execution_closed", "执行实施类结案";
    ZhongbenClosed => "zhongben_closed", "终结本次执行";
    ExecutionAppliedYuan => "execution_applied_yuan", "申请执行标的额（元）";
    ExecutionPaidYuan => "execution_paid_yuan", "执行到位金额（元）";
    PendingOver6Months => "pending_over_6_months", "超6个月未结";
    PendingOver12Months => "pending_over_12_months", "超12个月未结";
    PendingOver18Months => "pending_over_18_months", "超18个月未结";
    PendingOver36Months => "pending_over_36_months", "超36个月未结";
    CourtReceived => "court_received", "法院新收（件）";
    ReceivedNewDisputes => "received_new_disputes", "法院新收中的新纠纷（案，无原审案号）";
    ProsecutionReceived => "prosecution_received", "检察机关受理审查起诉";
    ProsecutionExtraProcedures => "prosecution_extra_procedures", "退回补充侦查、延长审查起诉期限次数";
    ZhongbenStockAtStart => "zhongben_stock_at_start", "终本库存量（期初）";
    ZhongbenEntered => "zhongben_entered", "终本入库";
    ZhongbenLeft => "zhongben_left", "终本出库";
    ZhongbenLeftRestored => "zhongben_left_restored", "终本出库：恢复执行";
    ZhongbenLeftPerformed => "zhongben_left_performed", "终本出库：执行完毕";
    ZhongbenLeftSettled => "zhongben_left_settled", "终本出库：和解履行完毕";
    ZhongbenLeftTerminated => "zhongben_left_terminated", "终本出库：终结执行";
    ZhongbenLeftOther => "zhongben_left_other", "终本出库：不予执行、移送破产、更正";
    ZhongbenLeftAssisted => "zhongben_left_assisted", "终本出库：人大代表协助";
    ZhongbenStockAtEnd => "zhongben_stock_at_end", "终本库存量（期末）";
    PoliceTransferred => "police_transferred", "公安机关侦查终结移送审查起诉";
    PoliceTransferredGuided => "police_transferred_guided", "其中检察机关提前介入、引导侦查取证";
    Evaluated => "evaluated", "评查结果确定的案件";
    EvaluatedPassed => "evaluated_passed", "其中评为合格及以上";
    ProofreadOpenAtStart => "proofread_open_at_start", "文书校对未处理问题（期初）";
    ProofreadFound => "proofread_found", "文书校对发现问题";
    ProofreadResolved => "proofread_resolved", "文书校对问题已处理（已修改或说明不适用）";
    ProofreadOpenAtEnd => "proofread_open_at_end", "文书校对未处理问题（期末）";
}

fn is_trial_kind(k: CaseKind) -> bool {
    matches!(
        k,
        CaseKind::Civil | CaseKind::Criminal | CaseKind::Administrative
    )
}

impl Counter {
    /// How much a case adds to this counter in `p`: 1 or 0 for counts, an amount for sums.
    pub fn value(self, f: &CaseFacts, p: &Period) -> i64 {
        use Counter as C;
        let closed = f.closed_in(p);
        let first = f.procedure == Procedure::FirstInstance && is_trial_kind(f.kind);
        let second = f.procedure == Procedure::SecondInstance && is_trial_kind(f.kind);
        let execution = f.kind == CaseKind::Execution;
        let appealable = closed
            && first
            && !f.small_claims
            && !matches!(
                f.disposition,
                Some(Disposition::Mediation | Disposition::Withdrawal)
            );
        let over = |months: u32| {
            f.pending_on(p.to)
                && f.filed
                    .checked_add_months(Months::new(months))
                    .is_some_and(|d| d < p.to)
        };
        let yes = |b: bool| i64::from(b);
        match self {
            C::Received => yes(f.filed >= p.from && f.filed <= p.to),
            C::Closed => yes(closed),
            C::PendingAtStart => yes(f.filed < p.from && f.closed.is_none_or(|c| c >= p.from)),
            C::PendingAtEnd => yes(f.pending_on(p.to)),
            C::ClosedWithLimit => {
                yes(closed && matches!(f.limit, LimitOutcome::Met | LimitOutcome::Late))
            }
            C::ClosedLate => yes(closed && f.limit == LimitOutcome::Late),
            C::ClosedDays => match f.closed {
                Some(c) if closed => (c - f.filed).num_days(),
                _ => 0,
            },
            C::FirstInstanceClosed => yes(closed && first),
            C::AppealableClosed => yes(appealable),
            C::Appealed => yes(appealable && f.appealed),
            C::SecondInstanceClosed => yes(closed && second),
            C::SecondInstanceAmended => {
                yes(closed && second && f.disposition == Some(Disposition::Amended))
            }
            C::SecondInstanceRemanded => {
                yes(closed && second && f.disposition == Some(Disposition::RemandedForRetrial))
            }
            C::CivilFirstInstanceClosed => yes(closed && first && f.kind == CaseKind::Civil),
            C::CivilFirstInstanceMediatedOrWithdrawn => yes(closed
                && first
                && f.kind == CaseKind::Civil
                && matches!(
                    f.disposition,
                    Some(Disposition::Mediation | Disposition::Withdrawal)
                )),
            C::ExecutionClosed => yes(closed && execution),
            C::ZhongbenClosed => yes(closed
                && execution
                && f.disposition == Some(Disposition::ExecutionTerminatedThisRound)),
            C::ExecutionAppliedYuan if closed && execution => f.claim_amount_yuan.unwrap_or(0),
            // 执行完毕 without a recorded amount means the whole applied amount was paid.
            C::ExecutionPaidYuan if closed && execution => {
                f.amount_yuan
                    .unwrap_or(if f.disposition == Some(Disposition::ExecutionCompleted) {
                        f.claim_amount_yuan.unwrap_or(0)
                    } else {
                        0
                    })
            }
            C::ExecutionAppliedYuan | C::ExecutionPaidYuan => 0,
            C::PendingOver6Months => yes(over(6)),
            C::PendingOver12Months => yes(over(12)),
            C::PendingOver18Months => yes(over(18)),
            C::PendingOver36Months => yes(over(36)),
            C::CourtReceived => yes(f.filed >= p.from && f.filed <= p.to && !f.kind.is_agency()),
            C::ReceivedNewDisputes => {
                yes(f.filed >= p.from && f.filed <= p.to && !f.has_origin && !f.kind.is_agency())
            }
            C::ProsecutionReceived => {
                yes(f.kind == CaseKind::Prosecution && f.filed >= p.from && f.filed <= p.to)
            }
            C::ProsecutionExtraProcedures
                if f.kind == CaseKind::Prosecution && f.filed >= p.from && f.filed <= p.to =>
            {
                i64::from(f.extra_procedures)
            }
            C::ProsecutionExtraProcedures => 0,
            C::PoliceTransferred => yes(f.kind == CaseKind::Police
                && closed
                && f.disposition == Some(Disposition::Transfer)),
            C::PoliceTransferredGuided => yes(f.kind == CaseKind::Police
                && closed
                && f.disposition == Some(Disposition::Transfer)
                && f.guided),
            C::ZhongbenStockAtStart => p.from.pred_opt().map_or(0, |d| f.in_zhongben_on(d)),
            C::ZhongbenStockAtEnd => f.in_zhongben_on(p.to),
            C::ZhongbenEntered => f
                .zhongben
                .iter()
                .filter(|s| s.from >= p.from && s.from <= p.to)
                .count() as i64,
            C::ZhongbenLeft => f.left_in(p, |_| true),
            C::ZhongbenLeftRestored => f.left_in(p, |l| l.exit == ZhongbenExit::Restored),
            C::ZhongbenLeftPerformed => f.left_in(p, |l| l.exit == ZhongbenExit::Performed),
            C::ZhongbenLeftSettled => f.left_in(p, |l| l.exit == ZhongbenExit::Settled),
            C::ZhongbenLeftTerminated => f.left_in(p, |l| l.exit == ZhongbenExit::Terminated),
            C::ZhongbenLeftOther => f.left_in(p, |l| {
                matches!(
                    l.exit,
                    ZhongbenExit::NotEnforced | ZhongbenExit::Bankruptcy | ZhongbenExit::Corrected
                )
            }),
            C::ZhongbenLeftAssisted => f.left_in(p, |l| l.assisted),
            C::Evaluated => f.evaluated_in(p, |_| true),
            C::EvaluatedPassed => f.evaluated_in(p, |e| e.passes),
            C::ProofreadOpenAtStart => p.from.pred_opt().map_or(0, |d| f.proofread_open_on(d)),
            C::ProofreadFound => f.proofread_in(p, |x| Some(x.found)),
            C::ProofreadResolved => f.proofread_in(p, |x| x.resolved),
            C::ProofreadOpenAtEnd => f.proofread_open_on(p.to),
        }
    }

    /// Whether the counter adds amounts (days, yuan, procedures) rather than counting cases.
    pub fn is_sum(self) -> bool {
        matches!(
            self,
            Counter::ClosedDays
                | Counter::ExecutionAppliedYuan
                | Counter::ExecutionPaidYuan
                | Counter::ProsecutionExtraProcedures
                | Counter::ZhongbenEntered
                | Counter::ZhongbenLeft
                | Counter::ZhongbenLeftRestored
                | Counter::ZhongbenLeftPerformed
                | Counter::ZhongbenLeftSettled
                | Counter::ZhongbenLeftTerminated
                | Counter::ZhongbenLeftOther
                | Counter::ZhongbenLeftAssisted
                | Counter::Evaluated
                | Counter::EvaluatedPassed
                | Counter::ProofreadOpenAtStart
                | Counter::ProofreadFound
                | Counter::ProofreadResolved
                | Counter::ProofreadOpenAtEnd
        )
    }

    /// Whether the case is behind this counter's number (the drill-down list).
    pub fn contributes(self, f: &CaseFacts, p: &Period) -> bool {
        self.value(f, p) != 0
    }
}

/// A date condition every case behind a counter meets (see [`Counter::candidates`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidates {
    FiledIn(Period),
    ClosedIn(Period),
    /// Filed on or before the day and not closed by it.
    PendingOn(NaiveDate),
    All,
}

impl Candidates {
    pub fn admits(self, f: &CaseFacts) -> bool {
        match self {
            Candidates::FiledIn(p) => f.filed >= p.from && f.filed <= p.to,
            Candidates::ClosedIn(p) => f.closed_in(&p),
            Candidates::PendingOn(d) => f.pending_on(d),
            Candidates::All => true,
        }
    }
}

/// The ages (months) from which a pending case counts as long-pending.
pub const PENDING_TIERS: [u32; 4] = [6, 12, 18, 36];

/// A term of a numerator or denominator: a counter, added or subtracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub counter: Counter,
    pub negative: bool,
}

/// One version of a metric's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDef {
    pub id: String,
    pub zh: String,
    pub version: u32,
    pub effective_from: NaiveDate,
    pub numerator: Vec<Term>,
    pub denominator: Vec<Term>,
    pub scale: f64,
    pub unit: String,
    pub citation: String,
    pub marker: Marker,
    /// Which way is better when units are compared (none for plain counts).
    pub better: Option<Better>,
}

fn sum(terms: &[Term], t: &Totals) -> i64 {
    terms
        .iter()
        .map(|x| {
            let v = t.get(x.counter);
            if x.negative { -v } else { v }
        })
        .sum()
}

impl MetricDef {
    /// The value for these totals; `None` when the denominator is zero (shown as "—", never 0).
    pub fn compute(&self, t: &Totals) -> Option<f64> {
        let n = sum(&self.numerator, t) as f64;
        if self.denominator.is_empty() {
            return Some(n * self.scale);
        }
        let d = sum(&self.denominator, t);
        (d != 0).then(|| n / d as f64 * self.scale)
    }

    /// The formula in words, e.g. "（有法定期限的结案 − 超审限结案） ÷ 有法定期限的结案 × 100".
    pub fn formula_zh(&self) -> String {
        let side = |terms: &[Term]| {
            let mut s = String::new();
            for (i, t) in terms.iter().enumerate() {
                if i > 0 {
                    s.push_str(if t.negative { " − " } else { " + " });
                } else if t.negative {
                    s.push('−');
                }
                s.push_str(t.counter.zh());
            }
            if terms.len() > 1 {
                format!("（{s}）")
            } else {
                s
            }
        };
        let mut out = side(&self.numerator);
        if !self.denominator.is_empty() {
            out = format!("{out} ÷ {}", side(&self.denominator));
        }
        if self.scale != 1.0 {
            out = format!("{out} × {}", self.scale);
        }
        out
    }

    /// The counters whose cases are behind the number.
    pub fn counters(&self) -> impl Iterator<Item = Counter> + '_ {
        self.numerator
            .iter()
            .chain(&self.denominator)
            .map(|t| t.counter)
    }
}

/// Every version of every metric.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricSet {
    pub version: String,
    pub metrics: Vec<MetricDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    version: String,
    metric: Vec<RawMetric>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    id: String,
    zh: String,
    version: u32,
    effective_from: String,
    numerator: Vec<String>,
    denominator: Vec<String>,
    scale: f64,
    unit: String,
    citation: String,
    marker: Marker,
    /// "higher" or "lower": which way is better when units are compared.
    #[serde(default)]
    better: Option<String>,
}

static SHIPPED: std::sync::LazyLock<Result<MetricSet, RuleError>> =
    std::sync::LazyLock::new(|| MetricSet::parse(METRICS_TOML));

impl MetricSet {
    pub fn builtin() -> Result<MetricSet, RuleError> {
        MetricSet::parse(METRICS_TOML)
    }

    /// The shipped definitions, parsed once.
    pub fn shipped() -> Result<&'static MetricSet, RuleError> {
        SHIPPED.as_ref().map_err(Clone::clone)
    }

    /// Parses and checks the definitions; every refusal names the metric (and version) and field.
    pub fn parse(text: &str) -> Result<MetricSet, RuleError> {
        let raw: RawSet = toml::from_str(text).map_err(|e| RuleError::Syntax(e.to_string()))?;
        let mut metrics: Vec<MetricDef> = vec![];
        for m in raw.metric {
            let name = format!("{} v{}", m.id, m.version);
            let field = |field: &'static str, problem: String| RuleError::Field {
                rule: name.clone(),
                field,
                problem,
            };
            if m.id.trim().is_empty() {
                return Err(field("id", "must not be empty".into()));
            }
            if metrics
                .iter()
                .any(|x| x.id == m.id && x.version == m.version)
            {
                return Err(field("version", "defined twice".into()));
            }
            let effective_from =
                NaiveDate::parse_from_str(&m.effective_from, "%Y-%m-%d").map_err(|_| {
                    field(
                        "effective_from",
                        format!("`{}` is not a date (YYYY-MM-DD)", m.effective_from),
                    )
                })?;
            let terms = |list: &[String], f: &'static str| -> Result<Vec<Term>, RuleError> {
                list.iter()
                    .map(|s| {
                        let (negative, name) = match s.strip_prefix('-') {
                            Some(rest) => (true, rest),
                            None => (false, s.as_str()),
                        };
                        Counter::parse(name.trim())
                            .map(|counter| Term { counter, negative })
                            .ok_or_else(|| field(f, format!("unknown counter `{s}`")))
                    })
                    .collect()
            };
            let numerator = terms(&m.numerator, "numerator")?;
            if numerator.is_empty() {
                return Err(field("numerator", "must name at least one counter".into()));
            }
            let denominator = terms(&m.denominator, "denominator")?;
            if !(m.scale.is_finite() && m.scale > 0.0) {
                return Err(field("scale", format!("{} must be positive", m.scale)));
            }
            if m.citation.trim().is_empty() {
                return Err(field("citation", "must not be empty".into()));
            }
            let better = match m.better.as_deref() {
                None => None,
                Some("higher") => Some(Better::Higher),
                Some("lower") => Some(Better::Lower),
                Some(x) => {
                    return Err(field(
                        "better",
                        format!("`{x}` must be \"higher\" or \"lower\""),
                    ));
                }
            };
            metrics.push(MetricDef {
                id: m.id,
                zh: m.zh,
                version: m.version,
                effective_from,
                numerator,
                denominator,
                scale: m.scale,
                unit: m.unit,
                citation: m.citation,
                marker: m.marker,
                better,
            });
        }
        for m in &metrics {
            let mut dates: Vec<(NaiveDate, u32)> = metrics
                .iter()
                .filter(|x| x.id == m.id)
                .map(|x| (x.effective_from, x.version))
                .collect();
            dates.sort();
            if dates
                .windows(2)
                .any(|w| w[0].1 >= w[1].1 || w[0].0 == w[1].0)
            {
                return Err(RuleError::Field {
                    rule: m.id.clone(),
                    field: "version",
                    problem: "later versions must take effect later, with higher numbers".into(),
                });
            }
        }
        Ok(MetricSet {
            version: raw.version,
            metrics,
        })
    }

    /// The ids in file order, each once.
    pub fn ids(&self) -> Vec<&str> {
        let mut out: Vec<&str> = vec![];
        for m in &self.metrics {
            if !out.contains(&m.id.as_str()) {
                out.push(&m.id);
            }
        }
        out
    }

    /// The version of `id` in force on `day` (the end of the period a report covers).
    pub fn in_force(&self, id: &str, day: NaiveDate) -> Option<&MetricDef> {
        self.metrics
            .iter()
            .filter(|m| m.id == id && m.effective_from <= day)
            .max_by_key(|m| m.version)
    }

    /// A given version (a stored report re-computed under the version it used).
    pub fn version_of(&self, id: &str, version: u32) -> Option<&MetricDef> {
        self.metrics
            .iter()
            .find(|m| m.id == id && m.version == version)
    }
}

#[cfg(test)]
mod tests;
