//! Procedural events: the typed vocabulary, and the case state folded from them.
//!
//! Events are the source of truth and are append-only. A correction is a new event that names the
//! one it corrects (`corrects`, same source): it replaces that event when the case is folded. A
//! `retraction` withdraws the named event. Every refusal names the field and the reason.

mod body;
mod checks;
mod fold;
mod marks;
mod police;
mod prosecution;

pub use body::{kind_zh, yuan};
pub use checks::{EARLIEST_YEAR, MAX_ITEMS, MAX_TEXT, check_filing_date, check_sizes};
pub use marks::Mark;

use crate::case::{CaseStatus, Confidentiality, Party};
use crate::case_type::{CaseKind, Procedure};
use crate::org::OrgRef;
use crate::timeline::Timeline;
pub use crate::timeline::{Approver, ExcludedKind, ExtensionGround, PeriodUnit, Questioning};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// A principal penalty counted in months (Criminal Law arts. 38, 42, 45).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Penalty {
    /// 有期徒刑.
    FixedTerm,
    /// 拘役.
    CriminalDetention,
    /// 管制.
    PublicSurveillance,
}

impl Penalty {
    pub fn zh(self) -> &'static str {
        match self {
            Penalty::FixedTerm => "有期徒刑",
            Penalty::CriminalDetention => "拘役",
            Penalty::PublicSurveillance => "管制",
        }
    }
}

/// How a case was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Judgment,
    Mediation,
    Withdrawal,
    Dismissal,
    Transfer,
    Termination,
    Upheld,
    Amended,
    RemandedForRetrial,
    ExecutionCompleted,
    ExecutionTerminatedThisRound,
    Indictment,
    NonProsecution,
    CaseDropped,
    Other,
}

impl Disposition {
    pub const ALL: [Disposition; 15] = [
        Disposition::Judgment,
        Disposition::Mediation,
        Disposition::Withdrawal,
        Disposition::Dismissal,
        Disposition::Transfer,
        Disposition::Termination,
        Disposition::Upheld,
        Disposition::Amended,
        Disposition::RemandedForRetrial,
        Disposition::ExecutionCompleted,
        Disposition::ExecutionTerminatedThisRound,
        Disposition::Indictment,
        Disposition::NonProsecution,
        Disposition::CaseDropped,
        Disposition::Other,
    ];

    /// The stored name (the same as the serialized one).
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Judgment => "judgment",
            Disposition::Mediation => "mediation",
            Disposition::Withdrawal => "withdrawal",
            Disposition::Dismissal => "dismissal",
            Disposition::Transfer => "transfer",
            Disposition::Termination => "termination",
            Disposition::Upheld => "upheld",
            Disposition::Amended => "amended",
            Disposition::RemandedForRetrial => "remanded_for_retrial",
            Disposition::ExecutionCompleted => "execution_completed",
            Disposition::ExecutionTerminatedThisRound => "execution_terminated_this_round",
            Disposition::Indictment => "indictment",
            Disposition::NonProsecution => "non_prosecution",
            Disposition::CaseDropped => "case_dropped",
            Disposition::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Disposition> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Disposition::Judgment => "判决",
            Disposition::Mediation => "调解",
            Disposition::Withdrawal => "撤诉",
            Disposition::Dismissal => "驳回起诉",
            Disposition::Transfer => "移送",
            Disposition::Termination => "终结",
            Disposition::Upheld => "维持原判",
            Disposition::Amended => "改判",
            Disposition::RemandedForRetrial => "发回重审",
            Disposition::ExecutionCompleted => "执行完毕",
            Disposition::ExecutionTerminatedThisRound => "终结本次执行",
            Disposition::Indictment => "提起公诉",
            Disposition::NonProsecution => "不起诉",
            Disposition::CaseDropped => "撤销案件",
            Disposition::Other => "其他",
        }
    }
}

/// The 终本 checklist, RULES.md §11.1 T1–T8 (T4, three months since filing, is computed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ZhongbenChecklist {
    /// T1 执行通知 and 报告财产令 done, the report verified.
    pub property_report_done: bool,
    /// T2 限制消费令 issued (and 失信 listing decided).
    pub consumption_restricted: bool,
    /// T3 every asset-investigation measure exhausted.
    pub assets_investigated: bool,
    /// T5 search for a debtor whose whereabouts are unknown, sanctions for obstruction.
    pub whereabouts_and_obstruction_handled: bool,
    /// T6 applicant informed and heard (约谈).
    pub applicant_interviewed: bool,
    /// T7 applicant's signed confirmation, or collegial review with president's approval.
    pub applicant_confirmed_or_president_approved: bool,
    /// T8 终本 ruling made and served.
    pub ruling_served: bool,
}

impl ZhongbenChecklist {
    fn first_missing(&self) -> Option<(&'static str, &'static str)> {
        let items = [
            (
                self.property_report_done,
                "checklist.property_report_done",
                "T1 未完成责令报告财产及核实",
            ),
            (
                self.consumption_restricted,
                "checklist.consumption_restricted",
                "T2 未发出限制消费令",
            ),
            (
                self.assets_investigated,
                "checklist.assets_investigated",
                "T3 财产调查措施未穷尽",
            ),
            (
                self.whereabouts_and_obstruction_handled,
                "checklist.whereabouts_and_obstruction_handled",
                "T5 下落不明未查找或妨害执行未处理",
            ),
            (
                self.applicant_interviewed,
                "checklist.applicant_interviewed",
                "T6 未告知并听取申请执行人意见",
            ),
            (
                self.applicant_confirmed_or_president_approved,
                "checklist.applicant_confirmed_or_president_approved",
                "T7 无申请执行人签字确认或合议庭审查、院长批准",
            ),
            (
                self.ruling_served,
                "checklist.ruling_served",
                "T8 终本裁定未作出并送达",
            ),
        ];
        items
            .into_iter()
            .find(|(ok, _, _)| !ok)
            .map(|(_, f, r)| (f, r))
    }
}

/// What a filing carries: the case's descriptive facts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Filing {
    /// Required for procuratorate and police case numbers; court kinds follow from the 类型代字.
    #[serde(default)]
    pub case_kind: Option<CaseKind>,
    /// The holding organisation: required for non-court case numbers, otherwise from the 法院代字.
    #[serde(default)]
    pub org_id: Option<String>,
    /// 案由 or the charges in words.
    pub cause: String,
    #[serde(default)]
    pub charges: Vec<String>,
    #[serde(default)]
    pub parties: Vec<Party>,
    /// Defaults to `minors` when a party is a minor, else `public`.
    #[serde(default)]
    pub confidentiality: Option<Confidentiality>,
    /// 简易程序 at filing.
    #[serde(default)]
    pub summary_procedure: bool,
    /// 速裁程序 (criminal) at filing.
    #[serde(default)]
    pub fast_track: bool,
    /// 小额诉讼 (civil) at filing.
    #[serde(default)]
    pub small_claims: bool,
    /// The defendant is held (criminal court cases): no holiday roll-over (CrimPL 2018 art. 105).
    #[serde(default)]
    pub in_custody: bool,
    /// 自诉 (criminal private prosecution): six months when the defendant is not held (CrimPL
    /// 2018 art. 212 ¶2).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private_prosecution: bool,
    /// An appeal against a ruling (驳回起诉, 不予受理, 管辖异议 …) rather than a judgment: 30 days
    /// (CPL 2023 art. 183 ¶2), whatever the 类型代字.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ruling_appeal: bool,
    /// A police 警情 (incident report) opened at 接警, not yet a case: it runs 出警 → 处警 → 受案 or
    /// 不予受案 → 立案 or 不予立案, and becomes the investigation file when a case is filed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incident: bool,
    /// 涉外 / 涉港澳台: civil limits do not apply (CPL 2023 art. 287).
    #[serde(default)]
    pub foreign_related: bool,
    #[serde(default)]
    pub claim_amount_yuan: Option<i64>,
    /// The case this one continues (原审案号 for 终/再/执).
    #[serde(default)]
    pub origin_case_number: Option<String>,
}

/// What a `served` event delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServedDocument {
    /// 起诉状副本 (with the 应诉通知书), or the appeal's 上诉状副本.
    ComplaintCopy,
    /// 起诉书副本 on the defendant of a public prosecution.
    IndictmentCopy,
    /// The judgment, ruling or mediation document that ends the case.
    Judgment,
    /// Any other document (传票, 举证通知书 …): recorded, timed by no standard.
    Other,
}

impl ServedDocument {
    pub fn zh(self) -> &'static str {
        match self {
            ServedDocument::ComplaintCopy => "起诉状副本",
            ServedDocument::IndictmentCopy => "起诉书副本",
            ServedDocument::Judgment => "裁判文书",
            ServedDocument::Other => "其他诉讼文书",
        }
    }
}

/// How seized property was disposed of (处置).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposal {
    /// 拍卖 (online judicial auction).
    Auction,
    /// 变卖.
    Sale,
    /// 以物抵债.
    InKind,
}

impl Disposal {
    pub fn zh(self) -> &'static str {
        match self {
            Disposal::Auction => "拍卖",
            Disposal::Sale => "变卖",
            Disposal::InKind => "以物抵债",
        }
    }
}

/// The procedural events. Serialised with `"kind": "<snake_case name>"` beside their fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventBody {
    // --- courts -----------------------------------------------------------------------------
    Filed(Filing),
    Assigned {
        judge: String,
        #[serde(default)]
        panel: Vec<String>,
        #[serde(default)]
        division: Option<String>,
        /// 书记员, by name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clerk: Option<String>,
    },
    HearingScheduled {
        hearing_at: DateTime<FixedOffset>,
    },
    HearingHeld,
    Adjourned {
        reason: String,
    },
    Suspended {
        reason: String,
        approver: Approver,
    },
    Resumed,
    ExcludedPeriodStarted {
        period: ExcludedKind,
        reason: String,
        #[serde(default)]
        approver: Option<Approver>,
    },
    ExcludedPeriodEnded {
        period: ExcludedKind,
    },
    ExtensionRequested {
        amount: u32,
        unit: PeriodUnit,
        reason: String,
    },
    ExtensionApproved {
        approver: Approver,
        amount: u32,
        unit: PeriodUnit,
        /// The legal ground the approval names, one of the rule's extension grounds (e.g.
        /// `roving_repeated_gang`: 流窜、多次、结伙作案). Without one the rule's chain is followed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ground: Option<ExtensionGround>,
    },
    ExtensionRefused {
        approver: Approver,
        reason: String,
    },
    ProcedureConverted {
        /// `summary` → `ordinary`, `fast_track` → `summary` …
        from: String,
        to: String,
    },
    Closed {
        disposition: Disposition,
        #[serde(default)]
        sentence_months: Option<u32>,
        /// The principal penalty the months are of (default 有期徒刑).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        penalty: Option<Penalty>,
        #[serde(default)]
        amount_yuan: Option<i64>,
    },
    Appealed {
        by: String,
    },
    Remanded {
        #[serde(default)]
        new_case_number: Option<String>,
    },
    RetrialOrdered {
        #[serde(default)]
        new_case_number: Option<String>,
    },
    /// 送达: a document reached the parties (for several parties, the last one served; RULES.md
    /// §1.0). The process-node standards (`crate::nodes`) time the 起诉状副本 after 立案 and the
    /// judgment after 宣判 from it.
    Served {
        document: ServedDocument,
    },
    /// 归档: the closed file is bound and handed to the archive.
    Archived,
    /// A unit or person reports illegal adjudication conduct by a judge on the case (四类案件
    /// category 4, RULES.md §5.1).
    ComplaintReceived {
        /// Whom the complaint is about (the judge's name or role).
        against: String,
        summary: String,
    },
    // --- execution --------------------------------------------------------------------------
    /// 执行通知书 and 报告财产令 sent to the debtor.
    ExecutionNoticeSent,
    PropertySearched {
        channel: String,
        found: bool,
    },
    /// 处置: seized property auctioned, sold or handed over in kind.
    PropertyDisposed {
        method: Disposal,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount_yuan: Option<i64>,
    },
    ExecutionTerminated {
        checklist: ZhongbenChecklist,
        #[serde(default)]
        unpaid_amount_yuan: Option<i64>,
    },
    /// 恢复执行: the case leaves the 终本 database and is pending again.
    ExecutionRestored {
        /// A deputy (执行监督员) helped: found the assets or the debtor's whereabouts.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        deputy_assisted: bool,
    },
    /// A 终本 case leaves the 终本 database without being restored (RULES.md §11.4): paid in full,
    /// settled and performed, terminated, not enforced, referred to bankruptcy, or wrongly listed.
    ZhongbenCleared {
        reason: ZhongbenExit,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        deputy_assisted: bool,
    },
    // --- procuratorate and police custody ---------------------------------------------------
    Summoned {
        #[serde(default)]
        extended_to_24h: bool,
    },
    Detained,
    ArrestRequested,
    /// 批准逮捕 (procuratorate, on a police request) or 决定逮捕 (procuratorate on its own case;
    /// a court on a defendant it tries, who need not have been detained before).
    ArrestApproved {
        approver: Approver,
    },
    ArrestRefused {
        approver: Approver,
        reason: String,
    },
    Released {
        reason: String,
    },
    /// 取保候审 decided by the organ holding the case (police, procuratorate or court): its own
    /// 12-month limit, restarted by each organ (CrimPL 2018 art. 79).
    BailGranted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approver: Option<Approver>,
    },
    /// 监视居住 (指定居所 or not): 6 months per organ (CrimPL 2018 art. 79).
    ResidentialSurveillance {
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        designated_residence: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approver: Option<Approver>,
    },
    // --- police incident reports (警情) and 立案监督 ------------------------------------------
    /// 出警.
    Dispatched,
    /// 处警: what the officers found and did.
    IncidentHandled {
        result: String,
    },
    /// 受案: accepted as a criminal (`criminal`) or an administrative case.
    CaseAccepted {
        criminal: bool,
    },
    /// 不予受案, with the reason.
    CaseNotAccepted {
        reason: String,
    },
    /// 立案 (`filed`) or 不予立案 with its reason — a refusal without one is accepted and found.
    FilingDecided {
        filed: bool,
        #[serde(default)]
        reason: String,
    },
    /// 警情回访: the reporter called back.
    CallBack {
        reached: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        satisfied: Option<bool>,
        #[serde(default)]
        note: String,
    },
    /// 收到检察院《要求说明不立案理由通知书》: the reasons are due in 7 days (规则 2019 art. 560;
    /// 公安规定 art. 182).
    ExplanationRequested,
    /// 不立案理由 given to the procuratorate.
    ExplanationGiven {
        reason: String,
    },
    /// 收到检察院《通知立案书》: the case is to be filed within 15 days (规则 2019 art. 563).
    FilingOrdered,
    /// 羁押必要性审查 by the procuratorate after 逮捕 (CrimPL 2018 art. 95): keep the person held,
    /// or recommend release or a change of measure.
    CustodyReviewed {
        keep: bool,
        #[serde(default)]
        note: String,
    },
    /// 提前介入侦查、引导侦查取证: the procuratorate took part in the investigation of this police
    /// file before it was transferred (counted by the 引导侦查取证率 metric).
    EarlyIntervention {
        #[serde(default)]
        note: String,
    },
    /// The suspect is brought into the 执法办案管理中心 办案区.
    EnteredCaseArea,
    /// …and leaves it (to the 看守所, released, or elsewhere).
    LeftCaseArea,
    /// A 讯问 or 询问 session begins; `recorded`: 同步录音录像 (CrimPL 2018 art. 123).
    InterrogationStarted {
        questioning: Questioning,
        recorded: bool,
    },
    InterrogationEnded,
    /// Delivered to the 看守所 after 拘留 or 逮捕 (within 24 hours, CrimPL 2018 arts. 85, 93).
    DeliveredToDetentionCenter,
    /// The family is told of the 拘留 or 逮捕 (within 24 hours unless the law allows a delay, whose
    /// reason is recorded, CrimPL 2018 arts. 85, 93).
    FamilyNotified {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delay_reason: Option<String>,
    },
    /// 另有重要罪行: 侦查羁押 counted again from the day it is found (CrimPL 2018 art. 160 ¶1).
    OtherMajorCrimeFound {
        summary: String,
    },
    /// 犯罪嫌疑人身份查清: 侦查羁押 counted from the day identity is established (art. 160 ¶2).
    IdentityEstablished,
    /// The case reaches this organ: the case file of an appeal (二审收到案卷材料), a change of
    /// venue (改变管辖) or a designated jurisdiction (指定管辖). Limits that run "from receipt" start
    /// here (CrimPL 2018 art. 208 ¶2, 刑诉解释 2021 art. 209).
    CaseReceived {
        via: Receipt,
    },
    /// A 监察 commission transfers the case for prosecution (移送起诉). With the suspect in 留置
    /// (`retained`), the procuratorate holds them by 先行拘留 (留置 ends) and decides on 逮捕,
    /// 取保候审 or 监视居住 within 10 days, +1 to 4; the days of that decision are not counted in
    /// the 审查起诉 limit (CrimPL 2018 art. 170 ¶2).
    SupervisionCommissionTransfer {
        #[serde(default)]
        retained: bool,
        /// The day 留置 began (Beijing), when the commission reports it: the days of 留置 are
        /// credited against a sentence like custody (监察法 2024 art. 50).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retained_since: Option<chrono::NaiveDate>,
    },
    ProsecutionReviewStarted,
    /// 撤回起诉 after indictment, before judgment (规则 2019 art. 424): the file is open again
    /// until 不起诉 (within 30 days) or a new indictment on new facts or evidence; it is reported
    /// to the higher procuratorate for 备案审查 at the same time (同步备案审查).
    ProsecutionWithdrawn {
        reason: String,
    },
    /// The procuratorate receives the court's first-instance judgment (or ruling) on the case it
    /// prosecuted: the 抗诉 period runs (10 days, 5 for a ruling: CrimPL 2018 art. 230). With the
    /// sentence and the lower bound of the 量刑建议, a sentence below it is 重罪轻判 to be reported
    /// for 同步备案审查.
    JudgmentReceived {
        #[serde(default)]
        ruling: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sentence_months: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recommended_months: Option<u32>,
    },
    /// 决定抗诉 or 不抗诉 on the judgment received.
    ProtestDecided {
        protest: bool,
        #[serde(default)]
        note: String,
    },
    ReturnedForSupplementaryInvestigation {
        reason: String,
    },
    ResubmittedAfterSupplementaryInvestigation,
    Indicted,
    NotProsecuted {
        reason: String,
    },
    // --- corrections --------------------------------------------------------------------------
    /// Withdraws the event named by the record's `corrects`.
    Retraction {
        reason: String,
    },
}

/// How a case reached the organ that now holds it ([`EventBody::CaseReceived`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Receipt {
    /// 二审（上诉、抗诉）收到第一审法院移送的案卷材料.
    CaseFile,
    /// 改变管辖后收到案件.
    VenueChange,
    /// 收到指定管辖决定书及案卷、证据.
    DesignatedJurisdiction,
}

impl Receipt {
    /// The restart event of limits.toml this receipt records.
    pub fn restart_id(self) -> &'static str {
        match self {
            Receipt::CaseFile => "case_file_received",
            Receipt::VenueChange => "venue_change_received",
            Receipt::DesignatedJurisdiction => "designated_jurisdiction_received",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Receipt::CaseFile => "收到上诉、抗诉案卷材料",
            Receipt::VenueChange => "改变管辖后收到案件",
            Receipt::DesignatedJurisdiction => "收到指定管辖决定书及案卷材料",
        }
    }
}

/// An event as received from a source system. Deserialising refuses fields that the event's kind
/// does not define (a misspelt optional field would otherwise be lost silently).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    /// The sending system, e.g. `zj-court-cms`. Idempotency is per (source, source_event_id).
    #[serde(default = "default_source")]
    pub source: String,
    pub source_event_id: String,
    pub case_number: String,
    pub occurred_at: DateTime<FixedOffset>,
    /// The `source_event_id` (same source) of the event this one corrects or retracts.
    #[serde(default)]
    pub corrects: Option<String>,
    #[serde(flatten)]
    pub body: EventBody,
}

pub fn default_source() -> String {
    "manual".into()
}

impl<'de> Deserialize<'de> for EventRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        use serde_json::Value;
        let mut map = serde_json::Map::<String, Value>::deserialize(d)?;
        let mut text = |key: &str, required: bool| -> Result<Option<String>, D::Error> {
            match map.remove(key) {
                Some(Value::String(s)) => Ok(Some(s)),
                Some(Value::Null) | None if !required => Ok(None),
                None | Some(Value::Null) => Err(D::Error::missing_field_owned(key)),
                Some(other) => Err(D::Error::custom(format!(
                    "field `{key}` must be a string, got {other}"
                ))),
            }
        };
        let source = text("source", false)?.unwrap_or_else(default_source);
        let source_event_id = text("source_event_id", true)?.unwrap_or_default();
        let case_number = text("case_number", true)?.unwrap_or_default();
        let occurred = text("occurred_at", true)?.unwrap_or_default();
        let corrects = text("corrects", false)?;
        let occurred_at = DateTime::parse_from_rfc3339(&occurred).map_err(|e| {
            D::Error::custom(format!("field `occurred_at` must be an RFC 3339 time with offset such as 2026-03-05T09:00:00+08:00, got {occurred:?}: {e}"))
        })?;
        let keys: Vec<String> = map.keys().cloned().collect();
        let body: EventBody =
            serde_json::from_value(Value::Object(map)).map_err(D::Error::custom)?;
        if let Ok(Value::Object(known)) = serde_json::to_value(&body)
            && let Some(k) = keys.iter().find(|k| !known.contains_key(*k))
        {
            return Err(D::Error::custom(format!(
                "unknown field `{k}` for event kind `{}`",
                body.kind()
            )));
        }
        Ok(EventRecord {
            source,
            source_event_id,
            case_number,
            occurred_at,
            corrects,
            body,
        })
    }
}

trait MissingOwned {
    fn missing_field_owned(key: &str) -> Self;
}

impl<E: serde::de::Error> MissingOwned for E {
    fn missing_field_owned(key: &str) -> Self {
        E::custom(format!("missing field `{key}`"))
    }
}

/// Why an event was refused: a stable code, the field, and a reason in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("字段 {field}：{reason}")]
pub struct EventRejection {
    pub code: &'static str,
    pub field: String,
    pub reason: String,
}

impl EventRejection {
    pub fn new(code: &'static str, field: impl Into<String>, reason: impl Into<String>) -> Self {
        EventRejection {
            code,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Custody {
    #[default]
    None,
    Summoned,
    Detained,
    Arrested,
    Released,
    /// 取保候审.
    Bail,
    /// 监视居住.
    Surveillance,
}

/// Everything the registry knows about a case, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseState {
    pub kind: CaseKind,
    pub procedure: Procedure,
    pub type_code: Option<String>,
    pub cause: String,
    pub charges: Vec<String>,
    pub parties: Vec<Party>,
    pub confidentiality: Confidentiality,
    pub has_minor: bool,
    pub summary_procedure: bool,
    #[serde(default)]
    pub fast_track: bool,
    #[serde(default)]
    pub small_claims: bool,
    #[serde(default)]
    pub in_custody: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private_prosecution: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ruling_appeal: bool,
    #[serde(default)]
    pub foreign_related: bool,
    pub claim_amount_yuan: Option<i64>,
    pub origin_case_number: Option<String>,
    pub judge: Option<String>,
    pub panel: Vec<String>,
    pub division: Option<String>,
    /// 书记员 (need-to-know, as the 承办人 and panel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clerk: Option<String>,
    pub status: CaseStatus,
    pub filed_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub disposition: Option<Disposition>,
    pub sentence_months: Option<u32>,
    pub amount_yuan: Option<i64>,
    pub appealed: bool,
    pub open_excluded: Vec<(ExcludedKind, DateTime<Utc>)>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub pending_extension: Option<DateTime<Utc>>,
    pub extensions_approved: u32,
    pub custody: Custody,
    pub pending_arrest_request: Option<DateTime<Utc>>,
    pub in_prosecution_review: bool,
    pub supplementary_rounds: u8,
    pub in_supplementary: bool,
    pub zhongben: bool,
    pub last_event_at: DateTime<Utc>,
    pub event_count: u32,
    /// Complaints received about the judge's conduct on this case (`complaint_received`).
    #[serde(default)]
    pub complaints: u32,
    /// The case's spells in the 终本 database (RULES.md §11.4): from 终结本次执行 to 恢复执行.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zhongben_spells: Vec<ZhongbenSpell>,
    /// When the 承办人 was first changed after a hearing was held (a risk point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reassigned_after_hearing: Option<DateTime<Utc>>,
    /// When each process node was first reached (`crate::nodes`), in the order reached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<(Mark, DateTime<Utc>)>,
    /// The clock-relevant facts (RULES.md §2–§3), for [`crate::clock`].
    #[serde(default)]
    pub timeline: Timeline,
    /// A police file the procuratorate guided (提前介入、引导侦查取证).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub guided: bool,
    /// The organisation that holds the case (set by ingest from the directory), against which
    /// an approving body's level is checked. `None` on states folded without a directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<OrgRef>,
}

/// Why a case left the 终本 database (RULES.md §11.4 出库, split by reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZhongbenExit {
    /// 恢复执行 (a new 执恢 case or restoration ex officio).
    Restored,
    /// 执行完毕: the debtor paid in full.
    Performed,
    /// 执行和解 performed.
    Settled,
    /// 终结执行.
    Terminated,
    /// 不予执行 or the title set aside (撤销).
    NotEnforced,
    /// Referred to bankruptcy (执转破).
    Bankruptcy,
    /// Wrongly listed: the entry corrected.
    Corrected,
}

impl ZhongbenExit {
    pub const ALL: [ZhongbenExit; 7] = [
        ZhongbenExit::Restored,
        ZhongbenExit::Performed,
        ZhongbenExit::Settled,
        ZhongbenExit::Terminated,
        ZhongbenExit::NotEnforced,
        ZhongbenExit::Bankruptcy,
        ZhongbenExit::Corrected,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ZhongbenExit::Restored => "restored",
            ZhongbenExit::Performed => "performed",
            ZhongbenExit::Settled => "settled",
            ZhongbenExit::Terminated => "terminated",
            ZhongbenExit::NotEnforced => "not_enforced",
            ZhongbenExit::Bankruptcy => "bankruptcy",
            ZhongbenExit::Corrected => "corrected",
        }
    }
    pub fn parse(s: &str) -> Option<ZhongbenExit> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            ZhongbenExit::Restored => "恢复执行",
            ZhongbenExit::Performed => "执行完毕",
            ZhongbenExit::Settled => "和解履行完毕",
            ZhongbenExit::Terminated => "终结执行",
            ZhongbenExit::NotEnforced => "不予执行或撤销",
            ZhongbenExit::Bankruptcy => "移送破产",
            ZhongbenExit::Corrected => "更正（不应入库）",
        }
    }
    /// Whether the exit is a substantive clearing — the debt paid or settled — rather than a
    /// re-labelling (RULES.md §11.4 实质出清率).
    pub fn is_substantive(self) -> bool {
        matches!(self, ZhongbenExit::Performed | ZhongbenExit::Settled)
    }
}

/// One stay of a case in the 终本 database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZhongbenSpell {
    #[serde(with = "crate::utc_seconds_serde")]
    pub from: DateTime<Utc>,
    /// When the case left the database; `None` while it is in it.
    #[serde(default, with = "crate::utc_seconds_serde::option")]
    pub to: Option<DateTime<Utc>>,
    /// Why it left (stays stored before reasons were recorded left only by restoration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<ZhongbenExit>,
    /// Whether a deputy (执行监督员) helped it leave.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub assisted: bool,
}

#[cfg(test)]
mod tests;
