//! The police's own records folded: a 警情 from 接警 to 立案 (and the 立案监督 notices it
//! receives), the 执法办案管理中心 (办案区, 讯问/询问, 看守所, family notice) and the
//! procuratorate's 羁押必要性审查.

use super::CaseState;
use super::Custody;
use super::EventBody;
use super::EventRejection;
use super::checks::non_empty;
use crate::case_type::{CaseKind, Procedure};
use crate::timeline::{Round, Session};
use chrono::{DateTime, Utc};

impl CaseState {
    /// Applies one of the events above (the caller has checked the case kind).
    pub(super) fn apply_police(
        &mut self,
        body: &EventBody,
        at: DateTime<Utc>,
    ) -> Result<(), EventRejection> {
        use EventBody as E;
        match body {
            E::Dispatched => {}
            E::CustodyReviewed { .. } if self.kind != CaseKind::Prosecution => {
                return Err(EventRejection::new(
                    "kind_mismatch",
                    "kind",
                    "羁押必要性审查由检察院记录",
                ));
            }
            E::CustodyReviewed { .. } => {}
            E::EarlyIntervention { .. } if self.kind != CaseKind::Police => {
                return Err(EventRejection::new(
                    "kind_mismatch",
                    "kind",
                    "提前介入、引导侦查取证记录在公安机关的侦查案件上",
                ));
            }
            E::EarlyIntervention { .. } => self.guided = true,
            E::IncidentHandled { result } => {
                non_empty(result, "result")?;
                self.timeline.incident_recorded_at.get_or_insert(at);
            }
            E::CaseAccepted { criminal } => {
                self.timeline.incident_recorded_at.get_or_insert(at);
                if *criminal {
                    self.timeline.accepted_at = Some(at);
                }
            }
            E::CaseNotAccepted { reason } => {
                non_empty(reason, "reason")?;
                self.timeline.incident_recorded_at.get_or_insert(at);
            }
            E::FilingDecided { filed, reason } => {
                if self.timeline.filed == Some(true) {
                    return Err(EventRejection::new("already_filed", "kind", "已决定立案"));
                }
                self.timeline.incident_recorded_at.get_or_insert(at);
                self.timeline.filing_decided_at = Some(at);
                self.timeline.filed = Some(*filed);
                self.timeline.refusal_without_reason = !*filed && reason.trim().is_empty();
                if *filed && self.procedure == Procedure::Incident {
                    // The 警情 becomes the investigation file.
                    self.procedure = Procedure::Investigation;
                }
            }
            E::CallBack { .. } => {
                if let E::CallBack {
                    reached, satisfied, ..
                } = body
                {
                    self.timeline.callbacks.push((at, *reached, *satisfied));
                }
            }
            E::ExplanationRequested => {
                if self.timeline.filed == Some(true) {
                    return Err(EventRejection::new(
                        "already_filed",
                        "kind",
                        "已立案，无需说明不立案理由",
                    ));
                }
                self.timeline.explanation_requested_at = Some(at);
                self.timeline.explanation_given_at = None;
            }
            E::ExplanationGiven { reason } => {
                non_empty(reason, "reason")?;
                if self.timeline.explanation_requested_at.is_none() {
                    return Err(EventRejection::new(
                        "no_explanation_request",
                        "kind",
                        "没有收到要求说明不立案理由通知",
                    ));
                }
                self.timeline.explanation_given_at = Some(at);
            }
            E::FilingOrdered => {
                if self.timeline.filed == Some(true) {
                    return Err(EventRejection::new("already_filed", "kind", "已立案"));
                }
                self.timeline.filing_ordered_at = Some(at);
            }
            E::EnteredCaseArea => {
                if self
                    .timeline
                    .area_stays
                    .last()
                    .is_some_and(|r| r.end.is_none())
                {
                    return Err(EventRejection::new(
                        "area_open",
                        "kind",
                        "已在办案区内，须先记录离开",
                    ));
                }
                self.timeline.area_stays.push(Round {
                    start: at,
                    end: None,
                });
            }
            E::LeftCaseArea => {
                if self
                    .timeline
                    .sessions
                    .last()
                    .is_some_and(|x| x.end.is_none())
                {
                    return Err(EventRejection::new(
                        "session_open",
                        "kind",
                        "讯问（询问）尚未结束，不能离开办案区",
                    ));
                }
                match self.timeline.area_stays.last_mut() {
                    Some(r) if r.end.is_none() => r.end = Some(at),
                    _ => {
                        return Err(EventRejection::new(
                            "area_not_open",
                            "kind",
                            "没有进入办案区的记录",
                        ));
                    }
                }
            }
            E::InterrogationStarted {
                questioning,
                recorded,
            } => {
                if self
                    .timeline
                    .sessions
                    .last()
                    .is_some_and(|x| x.end.is_none())
                {
                    return Err(EventRejection::new(
                        "session_open",
                        "kind",
                        "上一次讯问（询问）尚未结束",
                    ));
                }
                self.timeline.sessions.push(Session {
                    questioning: *questioning,
                    start: at,
                    end: None,
                    recorded: *recorded,
                });
            }
            E::InterrogationEnded => match self.timeline.sessions.last_mut() {
                Some(x) if x.end.is_none() => x.end = Some(at),
                _ => {
                    return Err(EventRejection::new(
                        "session_not_open",
                        "kind",
                        "没有进行中的讯问（询问）",
                    ));
                }
            },
            E::DeliveredToDetentionCenter => {
                if !matches!(self.custody, Custody::Detained | Custody::Arrested) {
                    return Err(EventRejection::new(
                        "custody_state",
                        "kind",
                        "未被拘留或逮捕，无需送看守所",
                    ));
                }
                if self
                    .timeline
                    .delivered_at
                    .is_some_and(|d| self.timeline.detained_at.is_some_and(|x| d >= x))
                {
                    return Err(EventRejection::new(
                        "already_delivered",
                        "kind",
                        "已送看守所羁押",
                    ));
                }
                self.timeline.delivered_at = Some(at);
            }
            E::FamilyNotified { delay_reason } => {
                if !matches!(self.custody, Custody::Detained | Custody::Arrested) {
                    return Err(EventRejection::new(
                        "custody_state",
                        "kind",
                        "未被拘留或逮捕，无需通知家属",
                    ));
                }
                self.timeline.family_notified_at = Some(at);
                self.timeline.family_notice_delay = delay_reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string);
            }
            // Every other event is folded in `fold`, which routes only those above here.
            _ => {}
        }
        Ok(())
    }
}
