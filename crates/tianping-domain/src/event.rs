//! Procedural events: the typed vocabulary, and the case state folded from them.
//!
//! Events are the source of truth and are append-only. A correction is a new event that names the
//! one it corrects (`corrects`, same source): it replaces that event when the case is folded. A
//! `retraction` withdraws the named event. Every refusal names the field and the reason.

use crate::case::{CaseStatus, Confidentiality, Party};
use crate::case_type::{CaseKind, Procedure};
use crate::org::OrgRef;
pub use crate::timeline::{Approver, ExcludedKind, PeriodUnit};
use crate::timeline::{ExtensionGrant, Pause, Restart, Round, Timeline};
use chrono::{DateTime, FixedOffset, Months, Utc};
use serde::{Deserialize, Serialize};

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
    /// 涉外 / 涉港澳台: civil limits do not apply (CPL 2023 art. 287).
    #[serde(default)]
    pub foreign_related: bool,
    #[serde(default)]
    pub claim_amount_yuan: Option<i64>,
    /// The case this one continues (原审案号 for 终/再/执).
    #[serde(default)]
    pub origin_case_number: Option<String>,
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
    /// A unit or person reports illegal adjudication conduct by a judge on the case (四类案件
    /// category 4, RULES.md §5.1).
    ComplaintReceived {
        /// Whom the complaint is about (the judge's name or role).
        against: String,
        summary: String,
    },
    // --- execution --------------------------------------------------------------------------
    PropertySearched {
        channel: String,
        found: bool,
    },
    ExecutionTerminated {
        checklist: ZhongbenChecklist,
        #[serde(default)]
        unpaid_amount_yuan: Option<i64>,
    },
    ExecutionRestored,
    // --- procuratorate and police custody ---------------------------------------------------
    Summoned {
        #[serde(default)]
        extended_to_24h: bool,
    },
    Detained,
    ArrestRequested,
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
    ProsecutionReviewStarted,
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

impl EventBody {
    /// The approval or refusal this event carries, if any (whose decision it records).
    pub fn approver(&self) -> Option<&Approver> {
        match self {
            EventBody::Suspended { approver, .. }
            | EventBody::ExtensionApproved { approver, .. }
            | EventBody::ExtensionRefused { approver, .. }
            | EventBody::ArrestApproved { approver }
            | EventBody::ArrestRefused { approver, .. } => Some(approver),
            EventBody::ExcludedPeriodStarted { approver, .. } => approver.as_ref(),
            _ => None,
        }
    }

    /// [`EventBody::approver`], to resolve its organisation.
    pub fn approver_mut(&mut self) -> Option<&mut Approver> {
        match self {
            EventBody::Suspended { approver, .. }
            | EventBody::ExtensionApproved { approver, .. }
            | EventBody::ExtensionRefused { approver, .. }
            | EventBody::ArrestApproved { approver }
            | EventBody::ArrestRefused { approver, .. } => Some(approver),
            EventBody::ExcludedPeriodStarted { approver, .. } => approver.as_mut(),
            _ => None,
        }
    }

    /// Whether the event carries words written about the case (reasons, summaries, parties, who
    /// appealed): on a minors' or privacy case these may name a party, so a reader without the
    /// clearance sees the event without them (finding M3).
    pub fn free_text(&self) -> bool {
        matches!(
            self,
            EventBody::Filed(_)
                | EventBody::Adjourned { .. }
                | EventBody::Suspended { .. }
                | EventBody::ExcludedPeriodStarted { .. }
                | EventBody::ExtensionRequested { .. }
                | EventBody::ExtensionRefused { .. }
                | EventBody::Appealed { .. }
                | EventBody::ComplaintReceived { .. }
                | EventBody::ArrestRefused { .. }
                | EventBody::Released { .. }
                | EventBody::ReturnedForSupplementaryInvestigation { .. }
                | EventBody::NotProsecuted { .. }
                | EventBody::Retraction { .. }
        )
    }

    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::Filed(_) => "filed",
            EventBody::Assigned { .. } => "assigned",
            EventBody::HearingScheduled { .. } => "hearing_scheduled",
            EventBody::HearingHeld => "hearing_held",
            EventBody::Adjourned { .. } => "adjourned",
            EventBody::Suspended { .. } => "suspended",
            EventBody::Resumed => "resumed",
            EventBody::ExcludedPeriodStarted { .. } => "excluded_period_started",
            EventBody::ExcludedPeriodEnded { .. } => "excluded_period_ended",
            EventBody::ExtensionRequested { .. } => "extension_requested",
            EventBody::ExtensionApproved { .. } => "extension_approved",
            EventBody::ExtensionRefused { .. } => "extension_refused",
            EventBody::ProcedureConverted { .. } => "procedure_converted",
            EventBody::Closed { .. } => "closed",
            EventBody::Appealed { .. } => "appealed",
            EventBody::Remanded { .. } => "remanded",
            EventBody::RetrialOrdered { .. } => "retrial_ordered",
            EventBody::ComplaintReceived { .. } => "complaint_received",
            EventBody::PropertySearched { .. } => "property_searched",
            EventBody::ExecutionTerminated { .. } => "execution_terminated",
            EventBody::ExecutionRestored => "execution_restored",
            EventBody::Summoned { .. } => "summoned",
            EventBody::Detained => "detained",
            EventBody::ArrestRequested => "arrest_requested",
            EventBody::ArrestApproved { .. } => "arrest_approved",
            EventBody::ArrestRefused { .. } => "arrest_refused",
            EventBody::Released { .. } => "released",
            EventBody::ProsecutionReviewStarted => "prosecution_review_started",
            EventBody::ReturnedForSupplementaryInvestigation { .. } => {
                "returned_for_supplementary_investigation"
            }
            EventBody::ResubmittedAfterSupplementaryInvestigation => {
                "resubmitted_after_supplementary_investigation"
            }
            EventBody::Indicted => "indicted",
            EventBody::NotProsecuted { .. } => "not_prosecuted",
            EventBody::Retraction { .. } => "retraction",
        }
    }

    /// The Chinese label of the event kind for timelines.
    pub fn zh(&self) -> &'static str {
        kind_zh(self.kind())
    }

    /// A one-line Chinese description of the event's details (without party names).
    pub fn detail_zh(&self) -> String {
        match self {
            EventBody::Filed(f) => format!("案由：{}", f.cause),
            EventBody::Assigned {
                judge,
                panel,
                division,
                clerk,
            } => {
                let mut s = format!("承办人：{judge}");
                if !panel.is_empty() {
                    s.push_str(&format!("；合议庭：{}", panel.join("、")));
                }
                if let Some(c) = clerk {
                    s.push_str(&format!("；书记员：{c}"));
                }
                if let Some(d) = division {
                    s.push_str(&format!("；部门：{d}"));
                }
                s
            }
            EventBody::HearingScheduled { hearing_at } => {
                format!("开庭时间：{}", hearing_at.format("%Y-%m-%d %H:%M"))
            }
            EventBody::ComplaintReceived { against, summary } => {
                format!("反映对象：{against}；内容：{summary}")
            }
            EventBody::Adjourned { reason }
            | EventBody::Released { reason }
            | EventBody::NotProsecuted { reason } => {
                format!("原因：{reason}")
            }
            EventBody::ReturnedForSupplementaryInvestigation { reason }
            | EventBody::Retraction { reason } => {
                format!("原因：{reason}")
            }
            EventBody::Suspended { reason, approver } => {
                format!(
                    "原因：{reason}；批准人：{}（{}）",
                    approver.name,
                    approver.role.zh()
                )
            }
            EventBody::ExcludedPeriodStarted {
                period,
                reason,
                approver,
            } => {
                let mut s = format!("{}；原因：{reason}", period.zh());
                if let Some(a) = approver {
                    s.push_str(&format!("；批准人：{}（{}）", a.name, a.role.zh()));
                }
                s
            }
            EventBody::ExcludedPeriodEnded { period } => period.zh().to_string(),
            EventBody::ExtensionRequested {
                amount,
                unit,
                reason,
            } => {
                format!("申请延长 {amount} {}；理由：{reason}", unit_zh(*unit))
            }
            EventBody::ExtensionApproved {
                approver,
                amount,
                unit,
            } => {
                format!(
                    "批准延长 {amount} {}；批准人：{}（{}）",
                    unit_zh(*unit),
                    approver.name,
                    approver.role.zh()
                )
            }
            EventBody::ExtensionRefused { approver, reason }
            | EventBody::ArrestRefused { approver, reason } => {
                format!(
                    "决定人：{}（{}）；理由：{reason}",
                    approver.name,
                    approver.role.zh()
                )
            }
            EventBody::ArrestApproved { approver } => {
                format!("批准人：{}（{}）", approver.name, approver.role.zh())
            }
            EventBody::ProcedureConverted { from, to } => {
                format!("{} → {}", procedure_zh(from), procedure_zh(to))
            }
            EventBody::Closed {
                disposition,
                sentence_months,
                amount_yuan,
            } => {
                let mut s = format!("结案方式：{}", disposition.zh());
                if let Some(m) = sentence_months {
                    s.push_str(&format!("；刑期 {m} 个月"));
                }
                if let Some(a) = amount_yuan {
                    s.push_str(&format!("；金额 {} 元", yuan(*a)));
                }
                s
            }
            EventBody::Appealed { by } => format!("上诉人：{by}"),
            EventBody::Remanded { new_case_number }
            | EventBody::RetrialOrdered { new_case_number } => new_case_number
                .as_ref()
                .map(|n| format!("新案号：{n}"))
                .unwrap_or_default(),
            EventBody::PropertySearched { channel, found } => {
                format!(
                    "查控渠道：{channel}；{}",
                    if *found {
                        "发现可供执行财产"
                    } else {
                        "未发现可供执行财产"
                    }
                )
            }
            EventBody::ExecutionTerminated {
                unpaid_amount_yuan, ..
            } => unpaid_amount_yuan
                .map(|a| format!("未履行金额 {} 元；终本核查清单 7 项齐备", yuan(a)))
                .unwrap_or_else(|| "终本核查清单 7 项齐备".into()),
            EventBody::Summoned { extended_to_24h } => {
                if *extended_to_24h {
                    "延长至 24 小时".into()
                } else {
                    "12 小时".into()
                }
            }
            _ => String::new(),
        }
    }
}

/// Formats an amount of yuan with thousands separators: 1234567 → "1,234,567".
pub fn yuan(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if amount < 0 { format!("-{out}") } else { out }
}

fn unit_zh(u: PeriodUnit) -> &'static str {
    match u {
        PeriodUnit::Day => "日",
        PeriodUnit::Month => "个月",
    }
}

fn procedure_zh(p: &str) -> &str {
    match p {
        "summary" => "简易程序",
        "ordinary" => "普通程序",
        "fast_track" => "速裁程序",
        "small_claims" => "小额诉讼程序",
        other => other,
    }
}

/// Chinese labels of every event kind (also used for filters).
pub fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "filed" => "立案",
        "assigned" => "分案",
        "hearing_scheduled" => "排期开庭",
        "hearing_held" => "开庭",
        "adjourned" => "延期开庭",
        "suspended" => "中止",
        "resumed" => "恢复审理",
        "excluded_period_started" => "扣除审限开始",
        "excluded_period_ended" => "扣除审限结束",
        "extension_requested" => "申请延长期限",
        "extension_approved" => "批准延长期限",
        "extension_refused" => "不批准延长期限",
        "procedure_converted" => "程序转换",
        "closed" => "结案",
        "appealed" => "上诉",
        "remanded" => "发回重审",
        "retrial_ordered" => "决定再审",
        "complaint_received" => "收到反映法官违法审判的投诉",
        "property_searched" => "财产查控",
        "execution_terminated" => "终结本次执行",
        "execution_restored" => "恢复执行",
        "summoned" => "传唤/拘传",
        "detained" => "刑事拘留",
        "arrest_requested" => "提请批准逮捕",
        "arrest_approved" => "批准逮捕",
        "arrest_refused" => "不批准逮捕",
        "released" => "释放",
        "prosecution_review_started" => "受理审查起诉",
        "returned_for_supplementary_investigation" => "退回补充侦查",
        "resubmitted_after_supplementary_investigation" => "补充侦查后重新移送",
        "indicted" => "提起公诉",
        "not_prosecuted" => "不起诉",
        "retraction" => "撤回记录",
        _ => "其他",
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
    /// The clock-relevant facts (RULES.md §2–§3), for [`crate::clock`].
    #[serde(default)]
    pub timeline: Timeline,
    /// The organisation that holds the case (set by ingest from the directory), against which
    /// an approving body's level is checked. `None` on states folded without a directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<OrgRef>,
}

/// One stay of a case in the 终本 database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZhongbenSpell {
    #[serde(with = "crate::utc_seconds_serde")]
    pub from: DateTime<Utc>,
    /// When execution was restored (恢复执行); `None` while the case is in the database.
    #[serde(default, with = "crate::utc_seconds_serde::option")]
    pub to: Option<DateTime<Utc>>,
}

/// How far in the future an event may claim to have happened (clock skew between systems).
const FUTURE_SKEW_MINUTES: i64 = 10;

fn need_approver(a: &Approver, field: &str) -> Result<(), EventRejection> {
    if a.name.trim().is_empty() {
        return Err(EventRejection::new(
            "approver_missing",
            format!("{field}.name"),
            "批准人姓名不能为空",
        ));
    }
    if !a.role.approves() {
        return Err(EventRejection::new(
            "approver_role_invalid",
            format!("{field}.role"),
            format!(
                "“{}”无审批权限，须由庭长或院长（部门负责人、检察长、公安机关负责人）批准",
                a.role.zh()
            ),
        ));
    }
    Ok(())
}

fn non_empty(v: &str, field: &str) -> Result<(), EventRejection> {
    if v.trim().is_empty() {
        Err(EventRejection::new("field_empty", field, "不能为空"))
    } else {
        Ok(())
    }
}

/// The longest text a field may hold, in characters, by field name (others: [`MAX_TEXT`]).
const TEXT_LIMITS: &[(&str, usize)] = &[
    ("cause", 200),
    ("name", 100),
    ("role", 50),
    ("judge", 50),
    ("clerk", 50),
    ("id", 128),
    ("division", 100),
    ("by", 100),
    ("against", 100),
    ("channel", 100),
    ("from", 50),
    ("to", 50),
    ("new_case_number", 64),
    ("origin_case_number", 64),
];
/// The longest free text (reasons, summaries) an event may carry.
pub const MAX_TEXT: usize = 2000;
/// The most items a list may hold, by field name (others: [`MAX_ITEMS`]).
const ITEM_LIMITS: &[(&str, usize)] = &[("parties", 200), ("panel", 20), ("charges", 30)];
pub const MAX_ITEMS: usize = 50;

/// Bounds every text and list of an event (the low finding: a 50 MB cause, a 10 MB reason,
/// 100,000 parties): refused with the field named, e.g. `parties[3].name`.
pub fn check_sizes(body: &EventBody) -> Result<(), EventRejection> {
    fn walk(v: &serde_json::Value, field: &str, path: &str) -> Result<(), EventRejection> {
        use serde_json::Value;
        match v {
            Value::String(t) => {
                let max = TEXT_LIMITS
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map_or(MAX_TEXT, |(_, n)| *n);
                let n = t.chars().count();
                if n > max {
                    return Err(EventRejection::new(
                        "field_too_long",
                        path,
                        format!("不能超过 {max} 个字符（现为 {n} 个）"),
                    ));
                }
            }
            Value::Array(items) => {
                let max = ITEM_LIMITS
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map_or(MAX_ITEMS, |(_, n)| *n);
                if items.len() > max {
                    return Err(EventRejection::new(
                        "too_many_items",
                        path,
                        format!("不能超过 {max} 项（现为 {} 项）", items.len()),
                    ));
                }
                for (i, x) in items.iter().enumerate() {
                    walk(x, field, &format!("{path}[{i}]"))?;
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, k, &p)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
    match serde_json::to_value(body) {
        Ok(v) => walk(&v, "", ""),
        Err(_) => Ok(()),
    }
}

/// The earliest year an event may claim: Tianping records the People's Republic's cases.
pub const EARLIEST_YEAR: i32 = 1949;

/// Bounds a filing's date (finding M6): not before [`EARLIEST_YEAR`], and within a year of the
/// 案号's year (the 收案年度) when the number has one. The future is bounded by [`CaseState::open`].
pub fn check_filing_date(
    occurred_at: DateTime<Utc>,
    case_year: Option<i64>,
) -> Result<(), EventRejection> {
    use chrono::Datelike;
    let y = occurred_at.year();
    if y < EARLIEST_YEAR {
        return Err(EventRejection::new(
            "date_out_of_range",
            "occurred_at",
            format!("立案时间 {y} 年早于 {EARLIEST_YEAR} 年，不是有效日期"),
        ));
    }
    if let Some(cy) = case_year
        && (i64::from(y) < cy - 1 || i64::from(y) > cy + 1)
    {
        return Err(EventRejection::new(
            "date_case_year_mismatch",
            "occurred_at",
            format!("立案时间在 {y} 年，与案号年度（{cy}）不符"),
        ));
    }
    Ok(())
}

impl CaseState {
    /// Opens a case from its filing. `kind` and `procedure` come from the 类型代字 (court cases) or
    /// from the filing (agency cases); the caller resolves them.
    pub fn open(
        filing: &Filing,
        kind: CaseKind,
        procedure: Procedure,
        type_code: Option<String>,
        occurred_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<CaseState, EventRejection> {
        non_empty(&filing.cause, "cause")?;
        if occurred_at > now + chrono::Duration::minutes(FUTURE_SKEW_MINUTES) {
            return Err(EventRejection::new(
                "date_in_future",
                "occurred_at",
                "立案时间晚于当前时间",
            ));
        }
        for (i, p) in filing.parties.iter().enumerate() {
            non_empty(&p.name, &format!("parties[{i}].name"))?;
            non_empty(&p.role, &format!("parties[{i}].role"))?;
        }
        let has_minor = filing.parties.iter().any(|p| p.minor);
        let confidentiality = filing.confidentiality.unwrap_or(if has_minor {
            Confidentiality::Minors
        } else {
            Confidentiality::Public
        });
        if has_minor && confidentiality == Confidentiality::Public {
            return Err(EventRejection::new(
                "confidentiality_conflict",
                "confidentiality",
                "当事人含未成年人，密级不能为“公开”",
            ));
        }
        Ok(CaseState {
            kind,
            procedure,
            type_code,
            cause: filing.cause.trim().to_string(),
            charges: filing.charges.clone(),
            parties: filing.parties.clone(),
            confidentiality,
            has_minor,
            summary_procedure: filing.summary_procedure,
            fast_track: filing.fast_track,
            small_claims: filing.small_claims,
            in_custody: filing.in_custody,
            foreign_related: filing.foreign_related,
            claim_amount_yuan: filing.claim_amount_yuan,
            origin_case_number: filing.origin_case_number.clone(),
            judge: None,
            panel: vec![],
            division: None,
            clerk: None,
            status: CaseStatus::Open,
            filed_at: occurred_at,
            closed_at: None,
            disposition: None,
            sentence_months: None,
            amount_yuan: None,
            appealed: false,
            open_excluded: vec![],
            suspended_at: None,
            pending_extension: None,
            extensions_approved: 0,
            custody: Custody::None,
            pending_arrest_request: None,
            in_prosecution_review: procedure == Procedure::ProsecutionReview,
            supplementary_rounds: 0,
            in_supplementary: false,
            zhongben: false,
            last_event_at: occurred_at,
            event_count: 1,
            complaints: 0,
            zhongben_spells: vec![],
            timeline: Timeline::default(),
            venue: None,
        })
    }

    /// Validates `body` against the current state and applies it. On refusal the state is unchanged.
    pub fn apply(
        &mut self,
        body: &EventBody,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), EventRejection> {
        let mut next = self.clone();
        next.apply_inner(body, at, now)?;
        next.event_count += 1;
        if at > next.last_event_at {
            next.last_event_at = at;
        }
        *self = next;
        Ok(())
    }

    fn apply_inner(
        &mut self,
        body: &EventBody,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), EventRejection> {
        use EventBody as E;
        if at > now + chrono::Duration::minutes(FUTURE_SKEW_MINUTES) {
            return Err(EventRejection::new(
                "date_in_future",
                "occurred_at",
                "事件时间晚于当前时间",
            ));
        }
        if at < self.filed_at {
            return Err(EventRejection::new(
                "date_before_filing",
                "occurred_at",
                format!(
                    "事件时间早于立案时间 {}",
                    self.filed_at.format("%Y-%m-%d %H:%M UTC")
                ),
            ));
        }
        let closed_ok = matches!(
            body,
            E::Appealed { .. }
                | E::Remanded { .. }
                | E::RetrialOrdered { .. }
                | E::ExecutionRestored
                | E::Released { .. }
        );
        if self.status == CaseStatus::Closed && !closed_ok {
            return Err(EventRejection::new(
                "case_closed",
                "kind",
                format!("案件已结，不能再记录“{}”", body.zh()),
            ));
        }
        let court_only = matches!(
            body,
            E::HearingScheduled { .. }
                | E::HearingHeld
                | E::Adjourned { .. }
                | E::Appealed { .. }
                | E::Remanded { .. }
        );
        if court_only && matches!(self.kind, CaseKind::Prosecution | CaseKind::Police) {
            return Err(EventRejection::new(
                "kind_mismatch",
                "kind",
                format!("“{}”只适用于法院案件", body.zh()),
            ));
        }
        let execution_only = matches!(
            body,
            E::PropertySearched { .. } | E::ExecutionTerminated { .. } | E::ExecutionRestored
        );
        if execution_only && self.kind != CaseKind::Execution {
            return Err(EventRejection::new(
                "kind_mismatch",
                "kind",
                format!("“{}”只适用于执行案件", body.zh()),
            ));
        }
        let custody_event = matches!(
            body,
            E::Summoned { .. }
                | E::Detained
                | E::ArrestRequested
                | E::ArrestApproved { .. }
                | E::ArrestRefused { .. }
                | E::Released { .. }
                | E::ProsecutionReviewStarted
                | E::ReturnedForSupplementaryInvestigation { .. }
                | E::ResubmittedAfterSupplementaryInvestigation
                | E::Indicted
                | E::NotProsecuted { .. }
        );
        if custody_event && !self.kind.has_custody() {
            return Err(EventRejection::new(
                "kind_mismatch",
                "kind",
                format!("“{}”只适用于刑事、检察、公安案件", body.zh()),
            ));
        }
        match body {
            E::Filed(_) => {
                return Err(EventRejection::new(
                    "case_exists",
                    "kind",
                    "案件已立案，不能重复立案",
                ));
            }
            E::Assigned {
                judge,
                panel,
                division,
                clerk,
            } => {
                non_empty(judge, "judge")?;
                self.judge = Some(judge.trim().to_string());
                self.panel = panel.clone();
                self.division = division.clone();
                self.clerk = clerk
                    .as_deref()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string);
            }
            E::HearingScheduled { hearing_at } => {
                if hearing_at.with_timezone(&Utc) < at {
                    return Err(EventRejection::new(
                        "date_order",
                        "hearing_at",
                        "开庭时间早于排期时间",
                    ));
                }
            }
            E::HearingHeld => {}
            E::ComplaintReceived { against, summary } => {
                non_empty(against, "against")?;
                non_empty(summary, "summary")?;
                self.complaints += 1;
            }
            E::Adjourned { reason } => non_empty(reason, "reason")?,
            E::Suspended { reason, approver } => {
                non_empty(reason, "reason")?;
                need_approver(approver, "approver")?;
                if self.status == CaseStatus::Suspended {
                    return Err(EventRejection::new(
                        "already_suspended",
                        "kind",
                        "案件已中止",
                    ));
                }
                self.status = CaseStatus::Suspended;
                self.suspended_at = Some(at);
                self.timeline.pauses.push(Pause {
                    kind: ExcludedKind::Suspension,
                    start: at,
                    end: None,
                    approver: Some(approver.clone()),
                    reason: reason.clone(),
                });
            }
            E::Resumed => {
                let Some(since) = self.suspended_at else {
                    return Err(EventRejection::new(
                        "not_suspended",
                        "kind",
                        "案件未中止，不能恢复",
                    ));
                };
                if at < since {
                    return Err(EventRejection::new(
                        "date_order",
                        "occurred_at",
                        "恢复时间早于中止时间",
                    ));
                }
                self.status = CaseStatus::Open;
                self.suspended_at = None;
                self.end_pause(ExcludedKind::Suspension, at);
            }
            E::ExcludedPeriodStarted {
                period,
                reason,
                approver,
            } => {
                non_empty(reason, "reason")?;
                if let Some(a) = approver {
                    need_approver(a, "approver")?;
                }
                if *period == ExcludedKind::Suspension {
                    return Err(EventRejection::new(
                        "use_suspended",
                        "period",
                        "中止须以“中止”事件记录（需批准人），不能作为扣除期间记录",
                    ));
                }
                if self.open_excluded.iter().any(|(k, _)| k == period) {
                    return Err(EventRejection::new(
                        "excluded_period_open",
                        "period",
                        format!("“{}”已在进行中", period.zh()),
                    ));
                }
                self.open_excluded.push((*period, at));
                self.timeline.pauses.push(Pause {
                    kind: *period,
                    start: at,
                    end: None,
                    approver: approver.clone(),
                    reason: reason.clone(),
                });
            }
            E::ExcludedPeriodEnded { period } => {
                let Some(pos) = self.open_excluded.iter().position(|(k, _)| k == period) else {
                    return Err(EventRejection::new(
                        "excluded_period_not_open",
                        "period",
                        format!("没有进行中的“{}”", period.zh()),
                    ));
                };
                if at < self.open_excluded[pos].1 {
                    return Err(EventRejection::new(
                        "date_order",
                        "occurred_at",
                        "结束时间早于开始时间",
                    ));
                }
                self.open_excluded.remove(pos);
                self.end_pause(*period, at);
            }
            E::ExtensionRequested { amount, reason, .. } => {
                non_empty(reason, "reason")?;
                if *amount == 0 {
                    return Err(EventRejection::new(
                        "amount_invalid",
                        "amount",
                        "延长期限必须大于 0",
                    ));
                }
                if self.pending_extension.is_some() {
                    return Err(EventRejection::new(
                        "extension_pending",
                        "kind",
                        "已有待审批的延长申请",
                    ));
                }
                self.pending_extension = Some(at);
            }
            E::ExtensionApproved {
                approver,
                amount,
                unit,
            } => {
                need_approver(approver, "approver")?;
                if *amount == 0 {
                    return Err(EventRejection::new(
                        "amount_invalid",
                        "amount",
                        "延长期限必须大于 0",
                    ));
                }
                let requested_at = self.pending_extension;
                self.decide_extension(at)?;
                self.extensions_approved += 1;
                self.timeline.extensions.push(ExtensionGrant {
                    requested_at,
                    decided_at: at,
                    approver: approver.clone(),
                    amount: *amount,
                    unit: *unit,
                });
            }
            E::ExtensionRefused { approver, reason } => {
                need_approver(approver, "approver")?;
                non_empty(reason, "reason")?;
                self.decide_extension(at)?;
                self.timeline.refused_extensions.push(at);
            }
            E::ProcedureConverted { from, to } => {
                non_empty(from, "from")?;
                non_empty(to, "to")?;
                if from == to {
                    return Err(EventRejection::new(
                        "procedure_unchanged",
                        "to",
                        "转换前后程序相同",
                    ));
                }
                let current = if self.fast_track {
                    "fast_track"
                } else if self.small_claims {
                    "small_claims"
                } else if self.summary_procedure {
                    "summary"
                } else {
                    "ordinary"
                };
                let known = ["summary", "ordinary", "fast_track", "small_claims"];
                if known.contains(&from.as_str()) && from != current {
                    return Err(EventRejection::new(
                        "procedure_mismatch",
                        "from",
                        format!(
                            "案件当前为{}，不是{}",
                            procedure_zh(current),
                            procedure_zh(from)
                        ),
                    ));
                }
                self.summary_procedure = to == "summary";
                self.fast_track = to == "fast_track";
                self.small_claims = to == "small_claims";
                if self.kind == CaseKind::Criminal {
                    // 刑诉解释 2021 arts. 368, 376: a new limit from the conversion decision.
                    self.timeline.restarts.push(Restart {
                        id: "criminal_procedure_conversion".into(),
                        at,
                        note: format!(
                            "程序转换（{}→{}）决定",
                            procedure_zh(from),
                            procedure_zh(to)
                        ),
                    });
                }
            }
            E::Closed {
                disposition,
                sentence_months,
                amount_yuan,
            } => {
                if self.status == CaseStatus::Suspended {
                    return Err(EventRejection::new(
                        "case_suspended",
                        "kind",
                        "案件处于中止状态，须先恢复再结案",
                    ));
                }
                if let Some((k, _)) = self.open_excluded.first() {
                    return Err(EventRejection::new(
                        "excluded_period_open",
                        "kind",
                        format!("“{}”尚未结束，须先记录其结束", k.zh()),
                    ));
                }
                self.close(at, *disposition);
                self.sentence_months = *sentence_months;
                self.amount_yuan = *amount_yuan;
            }
            E::Appealed { by } => {
                non_empty(by, "by")?;
                if self.status != CaseStatus::Closed {
                    return Err(EventRejection::new(
                        "not_closed",
                        "kind",
                        "案件尚未结案，不能上诉",
                    ));
                }
                if !matches!(
                    self.procedure,
                    Procedure::FirstInstance | Procedure::Jurisdiction | Procedure::Special
                ) {
                    return Err(EventRejection::new(
                        "not_appealable",
                        "kind",
                        "只有一审裁判可以上诉",
                    ));
                }
                if let Some(closed) = self.closed_at
                    && at < closed
                {
                    return Err(EventRejection::new(
                        "date_order",
                        "occurred_at",
                        "上诉时间早于结案时间",
                    ));
                }
                self.appealed = true;
            }
            E::Remanded { .. } | E::RetrialOrdered { .. } => {
                if self.status != CaseStatus::Closed {
                    return Err(EventRejection::new(
                        "not_closed",
                        "kind",
                        format!("案件尚未结案，不能“{}”", body.zh()),
                    ));
                }
            }
            E::PropertySearched { channel, .. } => non_empty(channel, "channel")?,
            E::ExecutionTerminated { checklist, .. } => {
                if let Some((field, reason)) = checklist.first_missing() {
                    return Err(EventRejection::new("zhongben_incomplete", field, reason));
                }
                let three_months = self
                    .filed_at
                    .checked_add_months(Months::new(3))
                    .unwrap_or(self.filed_at);
                if at < three_months {
                    return Err(EventRejection::new(
                        "zhongben_too_early",
                        "occurred_at",
                        "T4 自立案之日起不满三个月，不得终结本次执行",
                    ));
                }
                if let Some((k, _)) = self.open_excluded.first() {
                    return Err(EventRejection::new(
                        "excluded_period_open",
                        "kind",
                        format!("“{}”尚未结束", k.zh()),
                    ));
                }
                self.zhongben = true;
                self.zhongben_spells
                    .push(ZhongbenSpell { from: at, to: None });
                self.close(at, Disposition::ExecutionTerminatedThisRound);
            }
            E::ExecutionRestored => {
                if !self.zhongben || self.status != CaseStatus::Closed {
                    return Err(EventRejection::new(
                        "not_terminated",
                        "kind",
                        "只有终结本次执行的案件可以恢复执行",
                    ));
                }
                self.status = CaseStatus::Open;
                self.zhongben = false;
                if let Some(spell) = self.zhongben_spells.last_mut() {
                    spell.to = Some(at);
                }
                self.closed_at = None;
                self.disposition = None;
            }
            E::Summoned { extended_to_24h } => {
                if matches!(self.custody, Custody::Detained | Custody::Arrested) {
                    return Err(EventRejection::new(
                        "custody_state",
                        "kind",
                        "已被羁押，不能再传唤",
                    ));
                }
                self.custody = Custody::Summoned;
                self.timeline.summoned_at = Some(at);
                self.timeline.summons_24h = *extended_to_24h;
            }
            E::Detained => {
                if matches!(self.custody, Custody::Detained | Custody::Arrested) {
                    return Err(EventRejection::new(
                        "custody_state",
                        "kind",
                        "已被羁押，不能重复拘留",
                    ));
                }
                self.custody = Custody::Detained;
                self.timeline.detained_at = Some(at);
            }
            E::ArrestRequested => {
                if self.custody == Custody::Arrested {
                    return Err(EventRejection::new("custody_state", "kind", "已被逮捕"));
                }
                if self.pending_arrest_request.is_some() {
                    return Err(EventRejection::new(
                        "arrest_request_pending",
                        "kind",
                        "已有待决定的提请批捕",
                    ));
                }
                self.pending_arrest_request = Some(at);
                self.timeline.arrest_requested_at = Some(at);
            }
            E::ArrestApproved { approver } => {
                need_approver(approver, "approver")?;
                self.decide_arrest(at)?;
                self.custody = Custody::Arrested;
                self.timeline.arrest_decided_at = Some(at);
                self.timeline.arrested_at = Some(at);
            }
            E::ArrestRefused { approver, reason } => {
                need_approver(approver, "approver")?;
                non_empty(reason, "reason")?;
                self.decide_arrest(at)?;
                self.timeline.arrest_decided_at = Some(at);
            }
            E::Released { reason } => {
                non_empty(reason, "reason")?;
                if !matches!(
                    self.custody,
                    Custody::Summoned | Custody::Detained | Custody::Arrested
                ) {
                    return Err(EventRejection::new(
                        "custody_state",
                        "kind",
                        "未处于传唤或羁押状态，无需释放",
                    ));
                }
                self.custody = Custody::Released;
                self.in_custody = false;
                self.timeline.released_at = Some(at);
            }
            E::ProsecutionReviewStarted => {
                if self.in_prosecution_review {
                    return Err(EventRejection::new(
                        "review_started",
                        "kind",
                        "已在审查起诉阶段",
                    ));
                }
                self.in_prosecution_review = true;
                self.procedure = Procedure::ProsecutionReview;
                self.timeline.review_started_at = Some(at);
            }
            E::ReturnedForSupplementaryInvestigation { reason } => {
                non_empty(reason, "reason")?;
                if self.in_supplementary {
                    return Err(EventRejection::new(
                        "supplementary_open",
                        "kind",
                        "补充侦查尚未重新移送",
                    ));
                }
                if self.kind != CaseKind::Criminal && !self.in_prosecution_review {
                    return Err(EventRejection::new(
                        "not_in_review",
                        "kind",
                        "未处于审查起诉阶段",
                    ));
                }
                // CrimPL 2018 art. 175 (review) and art. 204–205 (trial): at most two rounds. [V]
                if self.supplementary_rounds >= 2 {
                    return Err(EventRejection::new(
                        "supplementary_limit",
                        "kind",
                        "补充侦查以二次为限（刑事诉讼法第一百七十五条、第二百零五条）",
                    ));
                }
                self.supplementary_rounds += 1;
                self.in_supplementary = true;
                self.timeline.supplementary.push(Round {
                    start: at,
                    end: None,
                });
            }
            E::ResubmittedAfterSupplementaryInvestigation => {
                if !self.in_supplementary {
                    return Err(EventRejection::new(
                        "supplementary_not_open",
                        "kind",
                        "没有进行中的补充侦查",
                    ));
                }
                self.in_supplementary = false;
                if let Some(r) = self.timeline.supplementary.last_mut() {
                    r.end = Some(at);
                }
                let (id, note) = if self.kind == CaseKind::Criminal {
                    (
                        "supplementary_investigation_returned_to_court",
                        "补充侦查完毕移送法院",
                    )
                } else {
                    (
                        "supplementary_investigation_returned_to_procuratorate",
                        "补充侦查完毕重新移送审查起诉",
                    )
                };
                self.timeline.restarts.push(Restart {
                    id: id.into(),
                    at,
                    note: note.into(),
                });
            }
            E::Indicted | E::NotProsecuted { .. } => {
                if !self.in_prosecution_review {
                    return Err(EventRejection::new(
                        "not_in_review",
                        "kind",
                        "未处于审查起诉阶段",
                    ));
                }
                if self.in_supplementary {
                    return Err(EventRejection::new(
                        "supplementary_open",
                        "kind",
                        "补充侦查尚未重新移送",
                    ));
                }
                let d = if matches!(body, E::Indicted) {
                    Disposition::Indictment
                } else {
                    Disposition::NonProsecution
                };
                self.close(at, d);
            }
            E::Retraction { .. } => {
                return Err(EventRejection::new(
                    "retraction_without_target",
                    "corrects",
                    "撤回记录须指明被撤回的事件",
                ));
            }
        }
        Ok(())
    }

    fn decide_extension(&mut self, at: DateTime<Utc>) -> Result<(), EventRejection> {
        let Some(req) = self.pending_extension else {
            return Err(EventRejection::new(
                "no_extension_request",
                "kind",
                "没有待审批的延长申请",
            ));
        };
        if at < req {
            return Err(EventRejection::new(
                "date_order",
                "occurred_at",
                "审批时间早于申请时间",
            ));
        }
        self.pending_extension = None;
        Ok(())
    }

    fn decide_arrest(&mut self, at: DateTime<Utc>) -> Result<(), EventRejection> {
        let Some(req) = self.pending_arrest_request else {
            return Err(EventRejection::new(
                "no_arrest_request",
                "kind",
                "没有待决定的提请批捕",
            ));
        };
        if at < req {
            return Err(EventRejection::new(
                "date_order",
                "occurred_at",
                "决定时间早于提请时间",
            ));
        }
        self.pending_arrest_request = None;
        Ok(())
    }

    fn end_pause(&mut self, kind: ExcludedKind, at: DateTime<Utc>) {
        if let Some(p) = self
            .timeline
            .pauses
            .iter_mut()
            .rev()
            .find(|p| p.kind == kind && p.end.is_none())
        {
            p.end = Some(at);
        }
    }

    fn close(&mut self, at: DateTime<Utc>, d: Disposition) {
        self.status = CaseStatus::Closed;
        self.closed_at = Some(at);
        self.disposition = Some(d);
        self.suspended_at = None;
    }
}

#[cfg(test)]
mod tests;
