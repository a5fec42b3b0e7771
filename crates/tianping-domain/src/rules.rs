//! Statutory limits as data (RULES.md §1, §2, §4, §7): `rules/limits.toml`.
//!
//! Every value keeps its citation and its marker ([V] verified, [S] secondary, [U] unverified).
//! Nothing here is hard-coded law: the engine reads the rule set, and a changed file is a new rule
//! set with a new fingerprint, after which open clocks are recomputed and their moves reported.

use crate::case_type::{self, CaseKind};
use crate::period::{Period, Unit};
use crate::timeline::{ExcludedKind, ExtensionGround};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};

/// The rule set shipped with Tianping (copied from `../shared/domain/limits.toml`, with citations).
pub const LIMITS_TOML: &str = include_str!("../../../rules/limits.toml");
/// The holiday calendar shipped with Tianping (2004–2026, with 调休).
pub const CALENDAR_TOML: &str = include_str!("../../../rules/calendar/cn-holidays.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
pub enum Marker {
    V,
    S,
    U,
}

impl Marker {
    pub fn label(self) -> &'static str {
        match self {
            Marker::V => "[V]",
            Marker::S => "[S]",
            Marker::U => "[U]",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Marker::V => "已核对原文",
            Marker::S => "二手来源",
            Marker::U => "未经核实",
        }
    }
}

/// Does the holiday roll-over apply to the last day (RULES.md §3.2)?
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
pub enum Rollover {
    #[serde(rename = "yes")]
    Yes,
    #[serde(rename = "no")]
    No,
    #[serde(rename = "no_if_in_custody")]
    NoIfInCustody,
    #[serde(rename = "n/a")]
    NotApplicable,
}

/// The clocks a case can carry.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ClockKey {
    Trial,
    Summons,
    ArrestRequest,
    ArrestDecision,
    InvestigationCustody,
    ProsecutionReview,
    SupplementaryInvestigation,
    LongPending,
    /// 取保候审 (12 months per organ).
    Bail,
    /// 监视居住 (6 months per organ).
    ResidentialSurveillance,
    /// 拘留后送看守所 (24 hours).
    DeliveryToDetention,
    /// 拘留后首次讯问 (24 hours).
    FirstInterrogation,
    /// 拘留后通知家属 (24 hours).
    FamilyNotice,
    /// 警情: 接警 to its record (处警, 受案 or 不予受案) — a late record is 有警不录.
    IncidentRecord,
    /// 立案审查: 受案 to the decision to file or not — overdue is 有案不立.
    FilingReview,
    /// 立案监督: the police's reasons for not filing, 7 days from the procuratorate's notice.
    ExplanationDue,
    /// 立案监督: filing within 15 days of the procuratorate's 通知立案.
    FilingAfterNotice,
    /// A case transferred by a 监察 commission with the suspect in 留置: 先行拘留, and the
    /// procuratorate decides 逮捕, 取保候审 or 监视居住 within 10 days (+1 to 4).
    CoerciveMeasureDecision,
    /// 抗诉期限: 10 days from receipt of a judgment, 5 of a ruling (CrimPL 2018 art. 230).
    ProtestPeriod,
    /// 撤回起诉 → 不起诉 within 30 days (规则 2019 art. 424).
    WithdrawalDecision,
}

impl ClockKey {
    pub const ALL: [ClockKey; 20] = [
        ClockKey::Trial,
        ClockKey::Summons,
        ClockKey::ArrestRequest,
        ClockKey::ArrestDecision,
        ClockKey::InvestigationCustody,
        ClockKey::ProsecutionReview,
        ClockKey::SupplementaryInvestigation,
        ClockKey::LongPending,
        ClockKey::Bail,
        ClockKey::ResidentialSurveillance,
        ClockKey::DeliveryToDetention,
        ClockKey::FirstInterrogation,
        ClockKey::FamilyNotice,
        ClockKey::IncidentRecord,
        ClockKey::FilingReview,
        ClockKey::ExplanationDue,
        ClockKey::FilingAfterNotice,
        ClockKey::CoerciveMeasureDecision,
        ClockKey::ProtestPeriod,
        ClockKey::WithdrawalDecision,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKey::Trial => "trial",
            ClockKey::Summons => "summons",
            ClockKey::ArrestRequest => "arrest_request",
            ClockKey::ArrestDecision => "arrest_decision",
            ClockKey::InvestigationCustody => "investigation_custody",
            ClockKey::ProsecutionReview => "prosecution_review",
            ClockKey::SupplementaryInvestigation => "supplementary_investigation",
            ClockKey::LongPending => "long_pending",
            ClockKey::Bail => "bail",
            ClockKey::ResidentialSurveillance => "residential_surveillance",
            ClockKey::DeliveryToDetention => "delivery_to_detention",
            ClockKey::FirstInterrogation => "first_interrogation",
            ClockKey::FamilyNotice => "family_notice",
            ClockKey::IncidentRecord => "incident_record",
            ClockKey::FilingReview => "filing_review",
            ClockKey::ExplanationDue => "explanation_due",
            ClockKey::FilingAfterNotice => "filing_after_notice",
            ClockKey::CoerciveMeasureDecision => "coercive_measure_decision",
            ClockKey::ProtestPeriod => "protest_period",
            ClockKey::WithdrawalDecision => "withdrawal_decision",
        }
    }
    pub fn parse(s: &str) -> Option<ClockKey> {
        ClockKey::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            ClockKey::Trial => "审限",
            ClockKey::Summons => "传唤时限",
            ClockKey::ArrestRequest => "提请批捕期限",
            ClockKey::ArrestDecision => "批捕决定期限",
            ClockKey::InvestigationCustody => "侦查羁押期限",
            ClockKey::ProsecutionReview => "审查起诉期限",
            ClockKey::SupplementaryInvestigation => "补充侦查期限",
            ClockKey::LongPending => "长期未结",
            ClockKey::Bail => "取保候审期限",
            ClockKey::ResidentialSurveillance => "监视居住期限",
            ClockKey::DeliveryToDetention => "送看守所时限",
            ClockKey::FirstInterrogation => "首次讯问时限",
            ClockKey::FamilyNotice => "通知家属时限",
            ClockKey::IncidentRecord => "警情登记时限",
            ClockKey::FilingReview => "立案审查期限",
            ClockKey::ExplanationDue => "说明不立案理由期限",
            ClockKey::FilingAfterNotice => "通知立案后立案期限",
            ClockKey::CoerciveMeasureDecision => "先行拘留后强制措施决定期限",
            ClockKey::ProtestPeriod => "抗诉期限",
            ClockKey::WithdrawalDecision => "撤回起诉后不起诉决定期限",
        }
    }
    /// A person's liberty depends on it: expiry means release (CrimPL 2018 art. 98).
    pub fn is_custody(self) -> bool {
        matches!(
            self,
            ClockKey::Summons
                | ClockKey::ArrestRequest
                | ClockKey::ArrestDecision
                | ClockKey::InvestigationCustody
                | ClockKey::CoerciveMeasureDecision
                | ClockKey::DeliveryToDetention
                | ClockKey::FirstInterrogation
                | ClockKey::FamilyNotice
        )
    }
    /// Counted in hours from the exact instant (warned hours, not days, before expiry).
    pub fn is_hourly(self) -> bool {
        matches!(
            self,
            ClockKey::Summons
                | ClockKey::DeliveryToDetention
                | ClockKey::FirstInterrogation
                | ClockKey::FamilyNotice
                | ClockKey::IncidentRecord
        )
    }
}

/// A case fact a rule may require (`applies_when`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Summary,
    FastTrack,
    SmallClaims,
    /// Neither summary, fast-track nor small-claims procedure.
    Ordinary,
    ForeignRelated,
    RulingAppeal,
    /// 自诉 (criminal private prosecution).
    PrivateProsecution,
    InCustody,
    NotInCustody,
}

/// Who may approve an extension step (the `by` vocabulary of limits.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApproverBody {
    CourtPresident,
    CourtPresidentOrVice,
    SuperiorCourt,
    HighCourt,
    Spc,
    HighCourtFiling,
    HigherProcuratorate,
    ProvincialProcuratorate,
    Npcsc,
    CountyPoliceHead,
    SuperiorPolice,
    HigherSupervisionCommission,
    Nsc,
    Statutory,
}

impl ApproverBody {
    pub fn zh(self) -> &'static str {
        match self {
            ApproverBody::CourtPresident => "本院院长",
            ApproverBody::CourtPresidentOrVice => "院长或副院长",
            ApproverBody::SuperiorCourt => "上级人民法院",
            ApproverBody::HighCourt => "高级人民法院",
            ApproverBody::Spc => "最高人民法院",
            ApproverBody::HighCourtFiling => "层报高级人民法院备案",
            ApproverBody::HigherProcuratorate => "上一级人民检察院",
            ApproverBody::ProvincialProcuratorate => "省级人民检察院",
            ApproverBody::Npcsc => "全国人大常委会",
            ApproverBody::CountyPoliceHead => "县级以上公安机关负责人",
            ApproverBody::SuperiorPolice => "上一级公安机关",
            ApproverBody::HigherSupervisionCommission => "上一级监察机关",
            ApproverBody::Nsc => "国家监察委员会",
            ApproverBody::Statutory => "法定情形（无需审批）",
        }
    }
}

/// One step of a rule's extension chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExtensionStep {
    pub by: ApproverBody,
    /// `None`: the source fixes no amount; the approved amount is used as recorded.
    pub amount: Option<Period>,
    /// `None`: the source fixes no number of times.
    pub max_times: Option<u32>,
    pub condition: Option<String>,
    /// A separate legal ground with its own approval (e.g. `roving_repeated_gang`: 流窜、多次、
    /// 结伙作案, CrimPL 2018 art. 91 ¶2). An approval that names it is matched to this step
    /// wherever it stands in the chain; one that names none follows the chain.
    pub ground: Option<ExtensionGround>,
    /// "延长至": the extended limit counted from the clock's start (e.g. 30 days from 拘留,
    /// 一个半月 from 受理), whatever amount the approval records.
    pub to: Option<Period>,
    pub apply_before_days: Option<u32>,
    pub decide_before_days: Option<u32>,
    pub note: Option<String>,
}

/// One rule, resolved (inheritance applied, vocabulary parsed).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    pub id: String,
    pub version: u32,
    pub name_zh: String,
    pub case_kind: String,
    pub procedure: String,
    pub stage: String,
    pub type_codes: Vec<String>,
    pub clock: Option<ClockKey>,
    pub applies_when: Vec<Flag>,
    pub case_kinds: Vec<CaseKind>,
    pub start_event: Option<String>,
    pub base: Option<Period>,
    pub hard_cap: Option<Period>,
    pub extensions: Vec<ExtensionStep>,
    pub excluded: Vec<ExcludedKind>,
    pub restart_events: Vec<String>,
    pub rollover: Rollover,
    pub no_limit: bool,
    pub custody_release_on_expiry: bool,
    /// The least time between two summonses (传唤、拘传) of one person.
    pub min_interval: Option<Period>,
    pub inherits_from: Option<String>,
    pub citation: String,
    /// The citation as a reader reads it ([`crate::citation::zh`]), rendered once when the rules
    /// are loaded: the explanation quotes it for every clock it explains.
    pub citation_zh: String,
    pub marker: Marker,
    pub unverified_parts: Option<String>,
    pub effective_from: Option<NaiveDate>,
    pub effective_to: Option<NaiveDate>,
}

impl Rule {
    pub fn in_force_on(&self, d: NaiveDate) -> bool {
        self.effective_from.is_none_or(|f| d >= f) && self.effective_to.is_none_or(|t| d <= t)
    }

    /// `id@version`, as clocks record it.
    pub fn tag(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
}

/// A long-pending tier (RULES.md §4).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LongPendingTier {
    pub months: u32,
    pub name_zh: String,
    pub citation: String,
    /// The citation as a reader reads it, rendered once ([`crate::citation::zh`]).
    pub citation_zh: String,
    pub marker: Marker,
}

/// An excluded-period kind with the case kinds it applies to and its cap (RULES.md §2.1).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExcludedKindDef {
    pub kind: ExcludedKind,
    pub applies_to: Vec<String>,
    pub max: Option<Period>,
    pub citation: String,
    /// The citation as a reader reads it, rendered once ([`crate::citation::zh`]).
    pub citation_zh: String,
}

/// A restart event (RULES.md §2.2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RestartDef {
    pub id: String,
    pub effect: String,
    pub citation: String,
}

/// The whole rule set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub excluded_kinds: BTreeMap<String, ExcludedKindDef>,
    pub restart_events: BTreeMap<String, RestartDef>,
    pub long_pending: Vec<LongPendingTier>,
    pub fingerprint: String,
}

/// Why a rule file was refused: which rule, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("rules TOML is malformed: {0}")]
    Syntax(String),
    #[error("rule `{rule}`, field `{field}`: {problem}")]
    Field {
        rule: String,
        field: &'static str,
        problem: String,
    },
}

/// A refusal naming the rule (or entry) and its field.
pub(crate) fn field(rule: &str, field: &'static str, problem: impl Into<String>) -> RuleError {
    RuleError::Field {
        rule: rule.to_string(),
        field,
        problem: problem.into(),
    }
}

// ---- file format -----------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDto {
    #[allow(dead_code)]
    schema_version: u32,
    #[allow(dead_code)]
    #[serde(default)]
    generated: Option<String>,
    #[serde(default)]
    excluded_kind: Vec<ExcludedKindDto>,
    #[serde(default)]
    restart_event: Vec<RestartDto>,
    #[serde(default)]
    rule: Vec<RuleDto>,
    #[serde(default)]
    long_pending: Vec<TierDto>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodDto {
    amount: u32,
    unit: Unit,
    /// Days after the amount: `{ amount = 1, unit = "month", plus_days = 15 }` is 一个半月.
    #[serde(default)]
    plus_days: u32,
    #[allow(dead_code)]
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExcludedKindDto {
    id: String,
    applies_to: Vec<String>,
    #[serde(default)]
    max: Option<PeriodDto>,
    citation: String,
    #[allow(dead_code)]
    verified: bool,
    #[allow(dead_code)]
    #[serde(default)]
    unverified_parts: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RestartDto {
    id: String,
    effect: String,
    citation: String,
    #[allow(dead_code)]
    verified: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TierDto {
    months: u32,
    name_zh: String,
    citation: String,
    marker: Marker,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtensionDto {
    by: ApproverBody,
    #[serde(default)]
    amount: Option<u32>,
    #[serde(default)]
    unit: Option<Unit>,
    max_times: i64,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    ground: Option<ExtensionGround>,
    #[serde(default)]
    to: Option<PeriodDto>,
    #[serde(default)]
    apply_before_days: Option<u32>,
    #[serde(default)]
    decide_before_days: Option<u32>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDto {
    id: String,
    name_zh: String,
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    clock: Option<ClockKey>,
    #[serde(default)]
    applies_when: Vec<Flag>,
    #[serde(default)]
    case_kinds: Vec<CaseKind>,
    case_kind: String,
    procedure: String,
    stage: String,
    type_codes: Vec<String>,
    #[serde(default)]
    start_event: Option<String>,
    #[serde(default)]
    base: Option<PeriodDto>,
    #[serde(default)]
    hard_cap: Option<PeriodDto>,
    extensions: Vec<ExtensionDto>,
    excluded_period_kinds: Vec<String>,
    restart_events: Vec<String>,
    holiday_rollover: Rollover,
    citation: String,
    verified: bool,
    #[serde(default)]
    marker: Option<Marker>,
    #[serde(default)]
    unverified_parts: Option<String>,
    #[serde(default)]
    effective_from: Option<String>,
    #[serde(default)]
    effective_to: Option<String>,
    #[serde(default)]
    inherits: Option<String>,
    #[serde(default)]
    no_limit: bool,
    #[serde(default)]
    custody_release_on_expiry: bool,
    // Reference fields of the research draft, kept for the reader, not used by the engine.
    #[allow(dead_code)]
    #[serde(default)]
    kind: Option<String>,
    #[allow(dead_code)]
    #[serde(default)]
    conversion: Option<String>,
    #[allow(dead_code)]
    #[serde(default)]
    continuous_on_conversion: Option<bool>,
    #[allow(dead_code)]
    #[serde(default)]
    milestones: Option<toml::Value>,
    #[allow(dead_code)]
    #[serde(default)]
    per_deciding_organ: Option<bool>,
    #[allow(dead_code)]
    #[serde(default)]
    on_exhaustion: Option<String>,
    #[allow(dead_code)]
    #[serde(default)]
    max_rounds: Option<u32>,
    #[allow(dead_code)]
    #[serde(default)]
    recurrence_window: Option<toml::Value>,
    #[allow(dead_code)]
    #[serde(default)]
    on_expiry_or_refusal: Option<String>,
    #[allow(dead_code)]
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    min_interval_between: Option<PeriodDto>,
    #[allow(dead_code)]
    #[serde(default)]
    exceptions: Option<String>,
    #[allow(dead_code)]
    #[serde(default)]
    deadline_event: Option<String>,
}

fn period(p: &Option<PeriodDto>) -> Option<Period> {
    p.as_ref()
        .map(|p| Period::new(p.amount, p.unit).and_days(p.plus_days))
}

fn date(
    rule: &str,
    name: &'static str,
    v: &Option<String>,
) -> Result<Option<NaiveDate>, RuleError> {
    v.as_deref()
        .map(|s| {
            s.parse::<NaiveDate>().map_err(|_| {
                field(
                    rule,
                    name,
                    format!("`{s}` is not a date such as 2026-01-01"),
                )
            })
        })
        .transpose()
}

fn excluded_kind(s: &str) -> Option<ExcludedKind> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

impl RuleSet {
    /// The rule set shipped with Tianping.
    pub fn shipped() -> Result<RuleSet, RuleError> {
        RuleSet::parse(LIMITS_TOML)
    }

    /// Parses and validates a rule file. Every problem names the rule and the field.
    pub fn parse(text: &str) -> Result<RuleSet, RuleError> {
        let dto: FileDto = toml::from_str(text).map_err(|e| RuleError::Syntax(e.to_string()))?;
        let mut excluded_kinds = BTreeMap::new();
        for k in dto.excluded_kind {
            let kind = excluded_kind(&k.id).ok_or_else(|| {
                field(&k.id, "id", "unknown excluded-period kind (RULES.md §2.1)")
            })?;
            excluded_kinds.insert(
                k.id.clone(),
                ExcludedKindDef {
                    kind,
                    applies_to: k.applies_to,
                    max: period(&k.max),
                    citation_zh: crate::citation::zh(&k.citation),
                    citation: k.citation,
                },
            );
        }
        let restart_events: BTreeMap<String, RestartDef> = dto
            .restart_event
            .into_iter()
            .map(|r| {
                (
                    r.id.clone(),
                    RestartDef {
                        id: r.id,
                        effect: r.effect,
                        citation: r.citation,
                    },
                )
            })
            .collect();
        let by_id: BTreeMap<&str, &RuleDto> = dto.rule.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut rules = vec![];
        let mut seen: HashSet<(String, u32)> = HashSet::new();
        for r in &dto.rule {
            let id = r.id.as_str();
            let version = r.version.unwrap_or(1);
            if version == 0 {
                return Err(field(id, "version", "must be ≥ 1"));
            }
            if !seen.insert((r.id.clone(), version)) {
                return Err(field(
                    id,
                    "id",
                    format!("id and version {version} appear twice"),
                ));
            }
            if r.name_zh.trim().is_empty() {
                return Err(field(id, "name_zh", "must not be empty"));
            }
            if r.citation.trim().is_empty() {
                return Err(field(id, "citation", "every rule needs its legal source"));
            }
            for code in &r.type_codes {
                if case_type::lookup(code).is_none() {
                    return Err(field(
                        id,
                        "type_codes",
                        format!("`{code}` is not a 类型代字 in rules/case-types.toml"),
                    ));
                }
            }
            // Inheritance: `inherits = "a | b (note)"` takes the first named rule's limit.
            let mut inherits_from = None;
            let mut base = period(&r.base);
            let mut hard_cap = period(&r.hard_cap);
            let mut ext_dtos: Vec<&ExtensionDto> = r.extensions.iter().collect();
            if let Some(inh) = &r.inherits {
                let target = inh
                    .split(['|', '('])
                    .next()
                    .map(str::trim)
                    .unwrap_or_default();
                let Some(parent) = by_id.get(target) else {
                    return Err(field(id, "inherits", format!("names no rule: `{target}`")));
                };
                if parent.inherits.is_some() {
                    return Err(field(
                        id,
                        "inherits",
                        "inherits from a rule that itself inherits",
                    ));
                }
                inherits_from = Some(target.to_string());
                if base.is_none() {
                    base = period(&parent.base);
                    hard_cap = hard_cap.or(period(&parent.hard_cap));
                }
                if ext_dtos.is_empty() {
                    ext_dtos = parent.extensions.iter().collect();
                }
            }
            let no_limit = r.no_limit;
            if base.is_none() && !no_limit && r.clock.is_some() {
                return Err(field(
                    id,
                    "base",
                    "a rule that drives a clock needs a base limit (or no_limit = true)",
                ));
            }
            if let Some(b) = base
                && b.amount == 0
            {
                return Err(field(id, "base", "amount must be > 0"));
            }
            if let (Some(b), Some(c)) = (base, hard_cap)
                && b.unit == c.unit
                && c.amount < b.amount
            {
                return Err(field(id, "hard_cap", "is smaller than the base limit"));
            }
            let mut extensions = vec![];
            for e in ext_dtos {
                let amount = match (e.amount, e.unit) {
                    (Some(a), Some(u)) => Some(Period::new(a, u)),
                    (None, None) => None,
                    (Some(_), None) => {
                        return Err(field(id, "extensions", "an amount needs a unit"));
                    }
                    (None, Some(_)) => {
                        return Err(field(id, "extensions", "a unit without an amount"));
                    }
                };
                let max_times = match e.max_times {
                    -1 => None,
                    n if n >= 1 => Some(n as u32),
                    n => {
                        return Err(field(
                            id,
                            "extensions",
                            format!("max_times must be ≥ 1 or -1 (no limit), got {n}"),
                        ));
                    }
                };
                if let (Some(a), Some(d)) = (e.apply_before_days, e.decide_before_days)
                    && d > a
                {
                    return Err(field(
                        id,
                        "extensions",
                        "decide_before_days is larger than apply_before_days",
                    ));
                }
                let to = period(&e.to);
                if let (Some(b), Some(t)) = (base, to)
                    && b.unit == t.unit
                    && t.amount < b.amount
                {
                    return Err(field(
                        id,
                        "extensions",
                        "`to` is shorter than the base limit",
                    ));
                }
                extensions.push(ExtensionStep {
                    by: e.by,
                    amount,
                    max_times,
                    condition: e.condition.clone(),
                    ground: e.ground,
                    to,
                    apply_before_days: e.apply_before_days,
                    decide_before_days: e.decide_before_days,
                    note: e.note.clone(),
                });
            }
            let mut excluded = vec![];
            for k in &r.excluded_period_kinds {
                let Some(def) = excluded_kinds.get(k) else {
                    return Err(field(
                        id,
                        "excluded_period_kinds",
                        format!("`{k}` is not an [[excluded_kind]] of this file"),
                    ));
                };
                excluded.push(def.kind);
            }
            for ev in &r.restart_events {
                if !restart_events.contains_key(ev) {
                    return Err(field(
                        id,
                        "restart_events",
                        format!("`{ev}` is not a [[restart_event]] of this file"),
                    ));
                }
            }
            if r.clock == Some(ClockKey::LongPending) {
                return Err(field(
                    id,
                    "clock",
                    "long_pending is driven by [[long_pending]] tiers",
                ));
            }
            if r.clock == Some(ClockKey::Trial) && r.type_codes.is_empty() {
                return Err(field(
                    id,
                    "type_codes",
                    "a trial clock rule needs its 类型代字",
                ));
            }
            if r.clock.is_some() && r.clock != Some(ClockKey::Trial) && r.case_kinds.is_empty() {
                return Err(field(
                    id,
                    "case_kinds",
                    "a non-trial clock rule needs case_kinds",
                ));
            }
            let effective_from = date(id, "effective_from", &r.effective_from)?;
            let effective_to = date(id, "effective_to", &r.effective_to)?;
            if let (Some(f), Some(t)) = (effective_from, effective_to)
                && t < f
            {
                return Err(field(id, "effective_to", "is before effective_from"));
            }
            let marker = r
                .marker
                .unwrap_or(if r.verified { Marker::V } else { Marker::S });
            if r.verified && marker != Marker::V {
                return Err(field(id, "marker", "verified = true but marker is not V"));
            }
            rules.push(Rule {
                id: r.id.clone(),
                version,
                name_zh: r.name_zh.clone(),
                case_kind: r.case_kind.clone(),
                procedure: r.procedure.clone(),
                stage: r.stage.clone(),
                type_codes: r.type_codes.clone(),
                clock: r.clock,
                applies_when: r.applies_when.clone(),
                case_kinds: r.case_kinds.clone(),
                start_event: r.start_event.clone(),
                base,
                hard_cap,
                extensions,
                excluded,
                restart_events: r.restart_events.clone(),
                rollover: r.holiday_rollover,
                no_limit,
                custody_release_on_expiry: r.custody_release_on_expiry,
                min_interval: period(&r.min_interval_between),
                inherits_from,
                citation: r.citation.clone(),
                citation_zh: crate::citation::zh(&r.citation),
                marker,
                unverified_parts: r.unverified_parts.clone(),
                effective_from,
                effective_to,
            });
        }
        let mut long_pending = vec![];
        for t in dto.long_pending {
            if t.months == 0 {
                return Err(field("long_pending", "months", "must be > 0"));
            }
            long_pending.push(LongPendingTier {
                months: t.months,
                name_zh: t.name_zh,
                citation_zh: crate::citation::zh(&t.citation),
                citation: t.citation,
                marker: t.marker,
            });
        }
        long_pending.sort_by_key(|t| t.months);
        // Overlapping versions of one rule would make the choice ambiguous.
        for (i, a) in rules.iter().enumerate() {
            for b in &rules[i + 1..] {
                if a.id == b.id && ranges_overlap(a, b) {
                    return Err(field(
                        &a.id,
                        "effective_from",
                        format!(
                            "versions {} and {} are in force on the same days",
                            a.version, b.version
                        ),
                    ));
                }
            }
        }
        Ok(RuleSet {
            rules,
            excluded_kinds,
            restart_events,
            long_pending,
            fingerprint: crate::fnv64_hex(text),
        })
    }

    pub fn rule(&self, tag_or_id: &str) -> Option<&Rule> {
        let (id, ver) = match tag_or_id.split_once('@') {
            Some((i, v)) => (i, v.parse::<u32>().ok()),
            None => (tag_or_id, None),
        };
        self.rules
            .iter()
            .filter(|r| r.id == id && ver.is_none_or(|v| r.version == v))
            .max_by_key(|r| r.version)
    }

    /// The excluded-period cap for a kind (e.g. defence preparation ≤ 10 days).
    pub fn excluded_cap(&self, kind: ExcludedKind) -> Option<Period> {
        self.excluded_kinds
            .values()
            .find(|d| d.kind == kind)
            .and_then(|d| d.max)
    }

    /// The citation of an excluded-period kind, as a reader reads it.
    pub fn excluded_citation(&self, kind: ExcludedKind) -> Option<&str> {
        self.excluded_kinds
            .values()
            .find(|d| d.kind == kind)
            .map(|d| d.citation_zh.as_str())
    }

    /// Chooses the rule for a clock: in force on `on`, matching the 类型代字 (trial clocks) or the
    /// case kind (other clocks), all `applies_when` facts true; the most specific wins, then the
    /// first in the file.
    pub fn choose(
        &self,
        key: ClockKey,
        kind: CaseKind,
        type_code: Option<&str>,
        facts: &dyn Fn(Flag) -> bool,
        on: NaiveDate,
    ) -> Option<&Rule> {
        self.rules
            .iter()
            .filter(|r| r.clock == Some(key) && r.in_force_on(on))
            .filter(|r| {
                if key == ClockKey::Trial {
                    type_code.is_some_and(|c| r.type_codes.iter().any(|t| t == c))
                } else {
                    r.case_kinds.contains(&kind)
                }
            })
            .filter(|r| r.applies_when.iter().all(|f| facts(*f)))
            .fold(None::<&Rule>, |best, r| match best {
                Some(b) if b.applies_when.len() >= r.applies_when.len() => Some(b),
                _ => Some(r),
            })
    }
}

fn ranges_overlap(a: &Rule, b: &Rule) -> bool {
    let a_from = a.effective_from.unwrap_or(NaiveDate::MIN);
    let a_to = a.effective_to.unwrap_or(NaiveDate::MAX);
    let b_from = b.effective_from.unwrap_or(NaiveDate::MIN);
    let b_to = b.effective_to.unwrap_or(NaiveDate::MAX);
    a_from <= b_to && b_from <= a_to
}

#[cfg(test)]
mod tests;
