//! What an event body says: its kind, its approver, whether it carries free text, and how it
//! reads in Chinese on a timeline.

use super::EventBody;
use crate::timeline::{Approver, PeriodUnit};

impl EventBody {
    /// The approval or refusal this event carries, if any (whose decision it records).
    pub fn approver(&self) -> Option<&Approver> {
        match self {
            EventBody::Suspended { approver, .. }
            | EventBody::ExtensionApproved { approver, .. }
            | EventBody::ExtensionRefused { approver, .. }
            | EventBody::ArrestApproved { approver }
            | EventBody::ArrestRefused { approver, .. } => Some(approver),
            EventBody::ExcludedPeriodStarted { approver, .. }
            | EventBody::BailGranted { approver }
            | EventBody::ResidentialSurveillance { approver, .. } => approver.as_ref(),
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
            EventBody::ExcludedPeriodStarted { approver, .. }
            | EventBody::BailGranted { approver }
            | EventBody::ResidentialSurveillance { approver, .. } => approver.as_mut(),
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
                | EventBody::OtherMajorCrimeFound { .. }
                | EventBody::FamilyNotified { .. }
                | EventBody::IncidentHandled { .. }
                | EventBody::CaseNotAccepted { .. }
                | EventBody::FilingDecided { .. }
                | EventBody::CallBack { .. }
                | EventBody::CustodyReviewed { .. }
                | EventBody::EarlyIntervention { .. }
                | EventBody::ProsecutionWithdrawn { .. }
                | EventBody::ProtestDecided { .. }
                | EventBody::ExplanationGiven { .. }
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
            EventBody::Served { .. } => "served",
            EventBody::Archived => "archived",
            EventBody::ExecutionNoticeSent => "execution_notice_sent",
            EventBody::PropertyDisposed { .. } => "property_disposed",
            EventBody::PropertySearched { .. } => "property_searched",
            EventBody::ExecutionTerminated { .. } => "execution_terminated",
            EventBody::ExecutionRestored { .. } => "execution_restored",
            EventBody::ZhongbenCleared { .. } => "zhongben_cleared",
            EventBody::Summoned { .. } => "summoned",
            EventBody::Detained => "detained",
            EventBody::ArrestRequested => "arrest_requested",
            EventBody::ArrestApproved { .. } => "arrest_approved",
            EventBody::ArrestRefused { .. } => "arrest_refused",
            EventBody::Released { .. } => "released",
            EventBody::BailGranted { .. } => "bail_granted",
            EventBody::Dispatched => "dispatched",
            EventBody::CustodyReviewed { .. } => "custody_reviewed",
            EventBody::EarlyIntervention { .. } => "early_intervention",
            EventBody::IncidentHandled { .. } => "incident_handled",
            EventBody::CaseAccepted { .. } => "case_accepted",
            EventBody::CaseNotAccepted { .. } => "case_not_accepted",
            EventBody::FilingDecided { .. } => "filing_decided",
            EventBody::CallBack { .. } => "call_back",
            EventBody::ExplanationRequested => "explanation_requested",
            EventBody::ExplanationGiven { .. } => "explanation_given",
            EventBody::FilingOrdered => "filing_ordered",
            EventBody::EnteredCaseArea => "entered_case_area",
            EventBody::LeftCaseArea => "left_case_area",
            EventBody::InterrogationStarted { .. } => "interrogation_started",
            EventBody::InterrogationEnded => "interrogation_ended",
            EventBody::DeliveredToDetentionCenter => "delivered_to_detention_center",
            EventBody::FamilyNotified { .. } => "family_notified",
            EventBody::ResidentialSurveillance { .. } => "residential_surveillance",
            EventBody::OtherMajorCrimeFound { .. } => "other_major_crime_found",
            EventBody::IdentityEstablished => "identity_established",
            EventBody::CaseReceived { .. } => "case_received",
            EventBody::ProsecutionWithdrawn { .. } => "prosecution_withdrawn",
            EventBody::JudgmentReceived { .. } => "judgment_received",
            EventBody::ProtestDecided { .. } => "protest_decided",
            EventBody::SupervisionCommissionTransfer { .. } => "supervision_commission_transfer",
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
                    approver.title(None)
                )
            }
            EventBody::ExcludedPeriodStarted {
                period,
                reason,
                approver,
            } => {
                let mut s = format!("{}；原因：{reason}", period.zh());
                if let Some(a) = approver {
                    s.push_str(&format!("；批准人：{}（{}）", a.name, a.title(None)));
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
                ground,
            } => {
                let mut s = format!(
                    "批准延长 {amount} {}；批准人：{}（{}）",
                    unit_zh(*unit),
                    approver.name,
                    approver.title(None)
                );
                if let Some(g) = ground {
                    s.push_str(&format!("；事由：{}", g.zh()));
                }
                s
            }
            EventBody::ExtensionRefused { approver, reason }
            | EventBody::ArrestRefused { approver, reason } => {
                format!(
                    "决定人：{}（{}）；理由：{reason}",
                    approver.name,
                    approver.title(None)
                )
            }
            EventBody::ArrestApproved { approver } => {
                format!("批准人：{}（{}）", approver.name, approver.title(None))
            }
            EventBody::BailGranted { approver } => approver
                .as_ref()
                .map(|a| format!("决定人：{}（{}）", a.name, a.title(None)))
                .unwrap_or_default(),
            EventBody::ResidentialSurveillance {
                designated_residence,
                approver,
            } => {
                let mut s = if *designated_residence {
                    "指定居所监视居住".to_string()
                } else {
                    "住处监视居住".to_string()
                };
                if let Some(a) = approver {
                    s.push_str(&format!("；决定人：{}（{}）", a.name, a.title(None)));
                }
                s
            }
            EventBody::OtherMajorCrimeFound { summary } => format!("情况：{summary}"),
            EventBody::EarlyIntervention { note } if !note.trim().is_empty() => note.clone(),
            EventBody::IncidentHandled { result } => format!("处警结果：{result}"),
            EventBody::CustodyReviewed { keep, note } => {
                let mut s = if *keep {
                    "有继续羁押必要".to_string()
                } else {
                    "建议释放或者变更强制措施".to_string()
                };
                if !note.trim().is_empty() {
                    s.push_str(&format!("；{note}"));
                }
                s
            }
            EventBody::CaseAccepted { criminal } => {
                if *criminal {
                    "作为刑事案件受案".into()
                } else {
                    "作为行政案件受案".into()
                }
            }
            EventBody::CaseNotAccepted { reason } | EventBody::ExplanationGiven { reason } => {
                format!("理由：{reason}")
            }
            EventBody::FilingDecided { filed, reason } => {
                if *filed {
                    "决定立案".into()
                } else if reason.trim().is_empty() {
                    "决定不予立案（未记录理由）".into()
                } else {
                    format!("决定不予立案；理由：{reason}")
                }
            }
            EventBody::CallBack {
                reached,
                satisfied,
                note,
            } => {
                let mut s = if *reached {
                    "已联系报警人".to_string()
                } else {
                    "未能联系报警人".to_string()
                };
                match satisfied {
                    Some(true) => s.push_str("；满意"),
                    Some(false) => s.push_str("；不满意"),
                    None => {}
                }
                if !note.trim().is_empty() {
                    s.push_str(&format!("；{note}"));
                }
                s
            }
            EventBody::InterrogationStarted {
                questioning,
                recorded,
            } => format!(
                "{}；{}",
                questioning.zh(),
                if *recorded {
                    "同步录音录像"
                } else {
                    "未同步录音录像"
                }
            ),
            EventBody::FamilyNotified {
                delay_reason: Some(r),
            } => format!("延迟通知原因：{r}"),
            EventBody::CaseReceived { via } => via.zh().to_string(),
            EventBody::ProsecutionWithdrawn { reason } => format!("理由：{reason}"),
            EventBody::JudgmentReceived {
                ruling,
                sentence_months,
                recommended_months,
            } => {
                let mut s = if *ruling { "裁定" } else { "判决" }.to_string();
                if let Some(m) = sentence_months {
                    s.push_str(&format!("；判处{m}个月"));
                }
                if let Some(r) = recommended_months {
                    s.push_str(&format!("；量刑建议不少于{r}个月"));
                }
                s
            }
            EventBody::ProtestDecided { protest, note } => {
                let mut s = if *protest {
                    "决定抗诉"
                } else {
                    "决定不抗诉"
                }
                .to_string();
                if !note.trim().is_empty() {
                    s.push_str(&format!("；{note}"));
                }
                s
            }
            EventBody::SupervisionCommissionTransfer {
                retained: true,
                retained_since,
            } => match retained_since {
                Some(d) => format!(
                    "被调查人自{}起留置：留置自动解除，先行拘留",
                    d.format("%Y年%-m月%-d日")
                ),
                None => "被调查人处于留置中：留置自动解除，先行拘留".to_string(),
            },
            EventBody::ProcedureConverted { from, to } => {
                format!("{} → {}", procedure_zh(from), procedure_zh(to))
            }
            EventBody::Closed {
                disposition,
                sentence_months,
                amount_yuan,
                penalty,
            } => {
                let mut s = format!("结案方式：{}", disposition.zh());
                if let Some(m) = sentence_months {
                    let p = penalty.map_or("刑期", |p| p.zh());
                    s.push_str(&format!("；{p} {m} 个月"));
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
            EventBody::Served { document } => format!("送达文书：{}", document.zh()),
            EventBody::PropertyDisposed {
                method,
                amount_yuan,
            } => {
                let mut s = format!("处置方式：{}", method.zh());
                if let Some(a) = amount_yuan {
                    s.push_str(&format!("；金额 {} 元", yuan(*a)));
                }
                s
            }
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
            EventBody::ExecutionRestored { deputy_assisted } => {
                if *deputy_assisted {
                    "人大代表（执行监督员）协助".into()
                } else {
                    String::new()
                }
            }
            EventBody::ZhongbenCleared {
                reason,
                deputy_assisted,
            } => {
                if *deputy_assisted {
                    format!("{}；人大代表（执行监督员）协助", reason.zh())
                } else {
                    reason.zh().to_string()
                }
            }
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

pub(crate) fn procedure_zh(p: &str) -> &str {
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
        "served" => "送达",
        "archived" => "归档",
        "execution_notice_sent" => "发出执行通知",
        "property_disposed" => "财产处置",
        "execution_terminated" => "终结本次执行",
        "execution_restored" => "恢复执行",
        "zhongben_cleared" => "终本出库",
        "summoned" => "传唤/拘传",
        "detained" => "刑事拘留",
        "arrest_requested" => "提请批准逮捕",
        "arrest_approved" => "批准逮捕",
        "arrest_refused" => "不批准逮捕",
        "released" => "释放",
        "bail_granted" => "取保候审",
        "dispatched" => "出警",
        "custody_reviewed" => "羁押必要性审查",
        "incident_handled" => "处警",
        "case_accepted" => "受案",
        "case_not_accepted" => "不予受案",
        "filing_decided" => "立案决定",
        "call_back" => "警情回访",
        "explanation_requested" => "收到要求说明不立案理由通知",
        "explanation_given" => "说明不立案理由",
        "filing_ordered" => "收到通知立案书",
        "entered_case_area" => "进入办案区",
        "left_case_area" => "离开办案区",
        "interrogation_started" => "讯问（询问）开始",
        "interrogation_ended" => "讯问（询问）结束",
        "delivered_to_detention_center" => "送看守所羁押",
        "family_notified" => "通知家属",
        "residential_surveillance" => "监视居住",
        "other_major_crime_found" => "发现另有重要罪行",
        "identity_established" => "查清犯罪嫌疑人身份",
        "case_received" => "收到案件",
        "prosecution_withdrawn" => "撤回起诉",
        "judgment_received" => "收到判决书、裁定书",
        "protest_decided" => "作出是否抗诉的决定",
        "early_intervention" => "检察机关提前介入、引导侦查取证",
        "supervision_commission_transfer" => "收到监察机关移送起诉的案件",
        "prosecution_review_started" => "受理审查起诉",
        "returned_for_supplementary_investigation" => "退回补充侦查",
        "resubmitted_after_supplementary_investigation" => "补充侦查后重新移送",
        "indicted" => "提起公诉",
        "not_prosecuted" => "不起诉",
        "retraction" => "撤回记录",
        _ => "其他",
    }
}
