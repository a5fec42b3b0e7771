//! The clock-relevant facts a case's events record: excluded periods and suspensions, extensions
//! with their approvers, restarts, custody instants and rounds of supplementary investigation.
//! The event fold ([`crate::event`]) writes them; the clock engine ([`crate::clock`]) and the rule
//! sets ([`crate::rules`]) read them. Neither of those is imported here.

use crate::org::{OrgRef, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who approved or refused something, in what role, and for which organisation. Approver roles
/// are validated; the organisation is resolved by ingest (a person approves for their own
/// organisation; an agency's system names it by id) and checked by the clock engine against the
/// body a rule names (上一级法院, 省级人民检察院…). Events recorded before organisations were
/// recorded carry none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approver {
    pub name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<OrgRef>,
}

impl Approver {
    /// The approver's title as the case's readers say it: from the approving organisation's
    /// kind when recorded, else from the kind of agency holding the case (`holder`).
    pub fn title(&self, holder: Option<crate::org::AgencyKind>) -> &'static str {
        self.role
            .title_in(self.org.as_ref().and_then(|o| o.kind).or(holder))
    }
}

/// Kinds of excluded periods (RULES.md §2.1). Which kinds a case kind may exclude is the clock
/// engine's business; the registry records them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExcludedKind {
    PublicNotice,
    Appraisal,
    PsychiatricAppraisal,
    JurisdictionDispute,
    PartySettlement,
    ExtendedMediation,
    AuditValuation,
    CivilDisputePending,
    DefencePreparation,
    NewEvidencePostponement,
    ProsecutorFileReview,
    CoerciveMeasureDecision,
    ExecutionStaySettlement,
    ExecutionStaySuperior,
    AuctionSale,
    ExecutionCoordination,
    MutualLegalAssistance,
    /// 中止诉讼/审理/执行: recorded by `suspended` / `resumed`, never by `excluded_period_started`.
    Suspension,
}

impl ExcludedKind {
    pub fn zh(self) -> &'static str {
        match self {
            ExcludedKind::PublicNotice => "公告期间",
            ExcludedKind::Appraisal => "鉴定期间",
            ExcludedKind::PsychiatricAppraisal => "精神病鉴定期间",
            ExcludedKind::JurisdictionDispute => "管辖权异议期间",
            ExcludedKind::PartySettlement => "当事人和解期间",
            ExcludedKind::ExtendedMediation => "延长调解期间",
            ExcludedKind::AuditValuation => "审计评估期间",
            ExcludedKind::CivilDisputePending => "相关民事争议处理期间",
            ExcludedKind::DefencePreparation => "辩护准备期间",
            ExcludedKind::NewEvidencePostponement => "补充证据延期审理期间",
            ExcludedKind::ProsecutorFileReview => "检察院阅卷期间",
            ExcludedKind::CoerciveMeasureDecision => "决定强制措施期间",
            ExcludedKind::ExecutionStaySettlement => "执行和解暂缓执行期间",
            ExcludedKind::ExecutionStaySuperior => "上级法院通知暂缓执行期间",
            ExcludedKind::AuctionSale => "拍卖变卖期间",
            ExcludedKind::ExecutionCoordination => "执行争议协调期间",
            ExcludedKind::MutualLegalAssistance => "刑事司法协助期间",
            ExcludedKind::Suspension => "中止期间",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodUnit {
    Day,
    Month,
}

/// An excluded period or a suspension, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub kind: ExcludedKind,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    #[serde(default)]
    pub approver: Option<Approver>,
    #[serde(default)]
    pub reason: String,
}

/// A statutory ground for extending a limit that carries its own approval and its own limit,
/// separate from the ordinary extension before it in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionGround {
    /// 特殊情况 (拘留后提请批捕 +1 至 4 日).
    SpecialCircumstances,
    /// 流窜作案、多次作案、结伙作案的重大嫌疑分子 (拘留后提请批捕至三十日, CrimPL 2018 art. 91 ¶2).
    RovingRepeatedGang,
    /// 重大疑难复杂 (刑事案件立案审查延长至三十日).
    MajorComplex,
    /// 可能判处的有期徒刑超过三年 (刑事简易程序延长至一个半月, art. 220).
    #[serde(rename = "sentence_over_3_years")]
    SentenceOver3Years,
    /// 可能判处的有期徒刑超过一年 (速裁程序延长至十五日, art. 225; 审查起诉 10 → 15 日).
    #[serde(rename = "sentence_over_1_year")]
    SentenceOver1Year,
}

impl ExtensionGround {
    pub fn zh(self) -> &'static str {
        match self {
            ExtensionGround::SpecialCircumstances => "特殊情况",
            ExtensionGround::RovingRepeatedGang => "流窜作案、多次作案、结伙作案的重大嫌疑分子",
            ExtensionGround::SentenceOver3Years => "可能判处的有期徒刑超过三年",
            ExtensionGround::SentenceOver1Year => "可能判处的有期徒刑超过一年",
            ExtensionGround::MajorComplex => "重大疑难复杂",
        }
    }
}

/// An approved extension, with the request it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionGrant {
    pub requested_at: Option<DateTime<Utc>>,
    pub decided_at: DateTime<Utc>,
    pub approver: Approver,
    pub amount: u32,
    pub unit: PeriodUnit,
    /// The legal ground the approval names (a rule's extension `ground`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<ExtensionGround>,
}

/// An event after which some limits start again (RULES.md §2.2), by restart id of limits.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restart {
    pub id: String,
    pub at: DateTime<Utc>,
    pub note: String,
}

/// A round of supplementary investigation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// A non-custodial coercive measure ([`Measure`]) in force from `start` until it is lifted or
/// replaced (`end`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureSpell {
    pub measure: Measure,
    pub start: DateTime<Utc>,
    #[serde(default)]
    pub end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// 取保候审.
    Bail,
    /// 监视居住.
    ResidentialSurveillance,
}

/// 讯问 (of a suspect) or 询问 (of a witness or victim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Questioning {
    Interrogation,
    Inquiry,
}

impl Questioning {
    pub fn zh(self) -> &'static str {
        match self {
            Questioning::Interrogation => "讯问",
            Questioning::Inquiry => "询问",
        }
    }
}

/// One 讯问/询问 session, with whether it was recorded on audio and video (同步录音录像).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub questioning: Questioning,
    pub start: DateTime<Utc>,
    #[serde(default)]
    pub end: Option<DateTime<Utc>>,
    pub recorded: bool,
}

/// The facts the clocks need, accumulated by [`CaseState::apply`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Timeline {
    #[serde(default)]
    pub pauses: Vec<Pause>,
    #[serde(default)]
    pub extensions: Vec<ExtensionGrant>,
    #[serde(default)]
    pub refused_extensions: Vec<DateTime<Utc>>,
    #[serde(default)]
    pub restarts: Vec<Restart>,
    #[serde(default)]
    pub summoned_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub summons_24h: bool,
    #[serde(default)]
    pub detained_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub arrest_requested_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub arrest_decided_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub arrested_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub released_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub review_started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub supplementary: Vec<Round>,
    /// Every 传唤/拘传, from arrival to its end (detention, arrest or release).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub summonses: Vec<Round>,
    /// 讯问/询问 sessions, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<Session>,
    /// Stays in the 执法办案管理中心 办案区, from entry to exit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub area_stays: Vec<Round>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_notified_at: Option<DateTime<Utc>>,
    /// Why the family was told late or not at all (CrimPL 2018 art. 85 ¶2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_notice_delay: Option<String>,
    /// The record opened as a 警情 (接警 at the filing).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incident: bool,
    /// 处警 recorded, or the 警情 accepted or refused (its record is complete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_recorded_at: Option<DateTime<Utc>>,
    /// 受案 as a criminal case: the 立案审查 starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<DateTime<Utc>>,
    /// 立案 or 不予立案 decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filing_decided_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filed: Option<bool>,
    /// 不予立案 recorded without a reason.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refusal_without_reason: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation_requested_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation_given_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filing_ordered_at: Option<DateTime<Utc>>,
    /// 警情回访: (when, reached, satisfied).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callbacks: Vec<(DateTime<Utc>, bool, Option<bool>)>,
    /// 取保候审 and 监视居住, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<MeasureSpell>,
    /// 先行拘留 of a suspect a 监察 commission transferred from 留置 (CrimPL 2018 art. 170 ¶2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_detained_at: Option<DateTime<Utc>>,
    /// The day 留置 began, as the commission reported it with the transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retained_since: Option<chrono::NaiveDate>,
    /// The first 提起公诉 (the review's end, whatever follows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicted_at: Option<DateTime<Utc>>,
    /// The last 撤回起诉.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The judgment (or ruling) received, with the sentence and the 量刑建议's lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judgment_received: Option<JudgmentReceipt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protest_decided_at: Option<DateTime<Utc>>,
}

/// A judgment the procuratorate received (see `EventBody::JudgmentReceived`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgmentReceipt {
    #[serde(with = "crate::utc_seconds_serde")]
    pub at: DateTime<Utc>,
    pub ruling: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence_months: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended_months: Option<u32>,
}

impl JudgmentReceipt {
    /// 重罪轻判: a sentence below the lower bound of the 量刑建议.
    pub fn lighter_than_recommended(&self) -> bool {
        matches!((self.sentence_months, self.recommended_months), (Some(s), Some(r)) if s < r)
    }
}
