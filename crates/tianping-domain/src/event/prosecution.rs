//! The procuratorate's review folded: a case received from the police (审查起诉) or transferred
//! by a 监察 commission (with 先行拘留 when the suspect was in 留置), the rounds of 退回补充侦查
//! (also at trial), and the decision to indict or not.

use super::CaseState;
use super::Custody;
use super::Disposition;
use super::EventBody;
use super::EventRejection;
use super::checks::non_empty;
use crate::case_type::{CaseKind, Procedure};
use crate::timeline::{Restart, Round};
use chrono::{DateTime, FixedOffset, Utc};

impl CaseState {
    /// Applies one of the events above (the caller has checked the case kind has custody).
    pub(super) fn apply_prosecution(
        &mut self,
        body: &EventBody,
        at: DateTime<Utc>,
    ) -> Result<(), EventRejection> {
        use EventBody as E;
        // Legal days are days in Beijing (UTC+8).
        let beijing = FixedOffset::east_opt(8 * 3600).expect("valid offset");
        match body {
            E::SupervisionCommissionTransfer {
                retained,
                retained_since,
            } => {
                if self.kind != CaseKind::Prosecution {
                    return Err(EventRejection::new(
                        "kind_mismatch",
                        "kind",
                        "监察机关移送起诉只适用于检察院审查起诉案件",
                    ));
                }
                if self.timeline.review_started_at.is_some()
                    || self.timeline.pre_detained_at.is_some()
                {
                    return Err(EventRejection::new(
                        "review_started",
                        "kind",
                        "已在审查起诉阶段",
                    ));
                }
                if let Some(since) = retained_since
                    && (!*retained || at.with_timezone(&beijing).date_naive() < *since)
                {
                    return Err(EventRejection::new(
                        "date_order",
                        "retained_since",
                        if *retained {
                            "留置开始日期晚于移送日期"
                        } else {
                            "未处于留置中，不应填写留置开始日期"
                        },
                    ));
                }
                if *retained && matches!(self.custody, Custody::Detained | Custody::Arrested) {
                    return Err(EventRejection::new("custody_state", "kind", "已被羁押"));
                }
                // Checked: nothing above changed the state. The review runs from receipt (CrimPL
                // 2018 art. 172 ¶1).
                self.in_prosecution_review = true;
                self.procedure = Procedure::ProsecutionReview;
                self.timeline.review_started_at = Some(at);
                if *retained {
                    self.custody = Custody::Detained;
                    self.in_custody = true;
                    self.timeline.pre_detained_at = Some(at);
                    self.timeline.retained_since = *retained_since;
                    // The procuratorate's own decision on 逮捕 follows (no police request).
                    self.pending_arrest_request = Some(at);
                }
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
                    self.timeline.indicted_at.get_or_insert(at);
                    Disposition::Indictment
                } else {
                    Disposition::NonProsecution
                };
                self.close(at, d);
            }
            E::ProsecutionWithdrawn { reason } => {
                non_empty(reason, "reason")?;
                self.indicted_file("撤回起诉")?;
                if self.timeline.judgment_received.is_some() {
                    return Err(EventRejection::new(
                        "judgment_received",
                        "kind",
                        "法院已作出判决，不能撤回起诉",
                    ));
                }
                // Open again until 不起诉 or a new indictment.
                self.status = crate::case::CaseStatus::Open;
                self.closed_at = None;
                self.disposition = None;
                self.timeline.withdrawn_at = Some(at);
            }
            E::JudgmentReceived {
                ruling,
                sentence_months,
                recommended_months,
            } => {
                self.indicted_file("收到判决书")?;
                if self.timeline.judgment_received.is_some() {
                    return Err(EventRejection::new(
                        "judgment_received",
                        "kind",
                        "已记录收到判决书、裁定书",
                    ));
                }
                self.timeline.judgment_received = Some(crate::timeline::JudgmentReceipt {
                    at,
                    ruling: *ruling,
                    sentence_months: *sentence_months,
                    recommended_months: *recommended_months,
                });
            }
            E::ProtestDecided { .. } => {
                if self.timeline.judgment_received.is_none() {
                    return Err(EventRejection::new(
                        "no_judgment",
                        "kind",
                        "尚未收到判决书、裁定书",
                    ));
                }
                if self.timeline.protest_decided_at.is_some() {
                    return Err(EventRejection::new(
                        "protest_decided",
                        "kind",
                        "已作出是否抗诉的决定",
                    ));
                }
                self.timeline.protest_decided_at = Some(at);
            }
            _ => {}
        }
        Ok(())
    }

    /// A procuratorate's file closed by 提起公诉 (what follows an indictment needs one).
    fn indicted_file(&self, what: &str) -> Result<(), EventRejection> {
        if self.kind != CaseKind::Prosecution || self.disposition != Some(Disposition::Indictment) {
            return Err(EventRejection::new(
                "not_indicted",
                "kind",
                format!("“{what}”只适用于已提起公诉的检察院案件"),
            ));
        }
        Ok(())
    }
}
