//! The fold: a case's state opened by its filing and changed by each event in order, with the
//! clock-relevant facts recorded in its timeline.

use crate::case::{CaseStatus, Confidentiality};
use crate::case_type::{CaseKind, Procedure};
use crate::timeline::ExcludedKind;
use crate::timeline::{ExtensionGrant, Measure, MeasureSpell, Pause, Restart, Round, Timeline};
use chrono::{DateTime, Months, Utc};

use super::CaseState;
use super::Custody;
use super::Disposition;
use super::EventBody;
use super::EventRejection;
use super::Filing;
use super::ZhongbenExit;
use super::ZhongbenSpell;
use super::body::procedure_zh;
use super::checks::FUTURE_SKEW_MINUTES;
use super::checks::need_approver;
use super::checks::non_empty;

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
        let mut parties = filing.parties.clone();
        for (i, p) in parties.iter_mut().enumerate() {
            non_empty(&p.name, &format!("parties[{i}].name"))?;
            non_empty(&p.role, &format!("parties[{i}].role"))?;
            if let Some(raw) = &p.id_number {
                let id = crate::identity::check_id(raw).map_err(|why| {
                    EventRejection::new(
                        "id_number_invalid",
                        format!("parties[{i}].id_number"),
                        format!("公民身份号码{why}"),
                    )
                })?;
                p.id_number = Some(id);
            }
        }
        let has_minor = filing.parties.iter().any(|p| p.minor);
        if filing.incident && kind != CaseKind::Police {
            return Err(EventRejection::new(
                "kind_mismatch",
                "incident",
                "警情只适用于公安机关",
            ));
        }
        let procedure = if filing.incident {
            Procedure::Incident
        } else {
            procedure
        };
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
            parties,
            confidentiality,
            has_minor,
            summary_procedure: filing.summary_procedure,
            fast_track: filing.fast_track,
            small_claims: filing.small_claims,
            in_custody: filing.in_custody,
            private_prosecution: filing.private_prosecution,
            ruling_appeal: filing.ruling_appeal,
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
            // A defendant held when the court files the case is under arrest (a court case
            // records later changes: 取保候审, 监视居住, 释放, a new 逮捕).
            custody: if kind == CaseKind::Criminal && filing.in_custody {
                Custody::Arrested
            } else {
                Custody::None
            },
            pending_arrest_request: None,
            in_prosecution_review: procedure == Procedure::ProsecutionReview,
            supplementary_rounds: 0,
            in_supplementary: false,
            zhongben: false,
            last_event_at: occurred_at,
            event_count: 1,
            complaints: 0,
            guided: false,
            zhongben_spells: vec![],
            marks: vec![],
            reassigned_after_hearing: None,
            timeline: Timeline {
                incident: kind == CaseKind::Police && filing.incident,
                ..Timeline::default()
            },
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
        if let Some(m) = super::Mark::of(body) {
            match next.marks.iter_mut().find(|(x, _)| *x == m) {
                Some((_, t)) => *t = (*t).min(at),
                None => next.marks.push((m, at)),
            }
        }
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
        // The case file of an appeal reaches the court before it files the appeal (审限规定 2000
        // art. 6: within five days), so its receipt may precede the filing by that much.
        let receipt_before_filing = matches!(
            body,
            E::CaseReceived {
                via: super::Receipt::CaseFile
            }
        ) && at + chrono::Duration::days(31) >= self.filed_at;
        if at < self.filed_at && !receipt_before_filing {
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
            E::ProsecutionWithdrawn { .. }
                | E::JudgmentReceived { .. }
                | E::ProtestDecided { .. }
                | E::Appealed { .. }
                | E::Remanded { .. }
                | E::RetrialOrdered { .. }
                | E::ExecutionRestored { .. }
                | E::ZhongbenCleared { .. }
                | E::Released { .. }
                | E::Served { .. }
                | E::Archived
        );
        if matches!(body, E::Archived) && self.status != CaseStatus::Closed {
            return Err(EventRejection::new(
                "not_closed",
                "kind",
                "案件尚未结案，不能归档",
            ));
        }
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
                | E::Served { .. }
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
            E::PropertySearched { .. }
                | E::ExecutionNoticeSent
                | E::PropertyDisposed { .. }
                | E::ExecutionTerminated { .. }
                | E::ExecutionRestored { .. }
                | E::ZhongbenCleared { .. }
        );
        if execution_only && self.kind != CaseKind::Execution {
            return Err(EventRejection::new(
                "kind_mismatch",
                "kind",
                format!("“{}”只适用于执行案件", body.zh()),
            ));
        }
        let police_only = matches!(
            body,
            E::Dispatched
                | E::IncidentHandled { .. }
                | E::CaseAccepted { .. }
                | E::CaseNotAccepted { .. }
                | E::FilingDecided { .. }
                | E::CallBack { .. }
                | E::ExplanationRequested
                | E::ExplanationGiven { .. }
                | E::FilingOrdered
        );
        if police_only && self.kind != CaseKind::Police {
            return Err(EventRejection::new(
                "kind_mismatch",
                "kind",
                format!("“{}”只适用于公安机关的警情、案件", body.zh()),
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
                | E::BailGranted { .. }
                | E::ResidentialSurveillance { .. }
                | E::OtherMajorCrimeFound { .. }
                | E::IdentityEstablished
                | E::SupervisionCommissionTransfer { .. }
                | E::ProsecutionWithdrawn { .. }
                | E::JudgmentReceived { .. }
                | E::ProtestDecided { .. }
                | E::EnteredCaseArea
                | E::LeftCaseArea
                | E::InterrogationStarted { .. }
                | E::InterrogationEnded
                | E::DeliveredToDetentionCenter
                | E::FamilyNotified { .. }
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
                let heard = self
                    .marks
                    .iter()
                    .any(|(m, _)| *m == super::Mark::HearingHeld);
                if heard
                    && self.reassigned_after_hearing.is_none()
                    && self
                        .judge
                        .as_deref()
                        .is_some_and(|j| j.trim() != judge.trim())
                {
                    self.reassigned_after_hearing = Some(at);
                }
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
            E::HearingHeld | E::Served { .. } | E::Archived | E::ExecutionNoticeSent => {}
            E::PropertyDisposed { amount_yuan, .. } => {
                if amount_yuan.is_some_and(|a| a < 0) {
                    return Err(EventRejection::new(
                        "amount_invalid",
                        "amount_yuan",
                        "处置金额不能为负数",
                    ));
                }
            }
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
                ground,
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
                    ground: *ground,
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
                ..
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
                self.zhongben_spells.push(ZhongbenSpell {
                    from: at,
                    to: None,
                    exit: None,
                    assisted: false,
                });
                self.close(at, Disposition::ExecutionTerminatedThisRound);
            }
            E::ExecutionRestored { deputy_assisted } => {
                if !self.zhongben || self.status != CaseStatus::Closed {
                    return Err(EventRejection::new(
                        "not_terminated",
                        "kind",
                        "只有终结本次执行的案件可以恢复执行",
                    ));
                }
                self.status = CaseStatus::Open;
                self.leave_zhongben(at, ZhongbenExit::Restored, *deputy_assisted);
                self.closed_at = None;
                self.disposition = None;
            }
            E::ZhongbenCleared {
                reason,
                deputy_assisted,
            } => {
                if !self.zhongben || self.status != CaseStatus::Closed {
                    return Err(EventRejection::new(
                        "not_terminated",
                        "kind",
                        "只有在终本库中的案件可以出库",
                    ));
                }
                if *reason == ZhongbenExit::Restored {
                    return Err(EventRejection::new(
                        "restore_by_event",
                        "reason",
                        "恢复执行请记录“恢复执行”事件",
                    ));
                }
                // The case stays closed by 终结本次执行 (its 结案 is not rewritten); it only leaves
                // the database.
                self.leave_zhongben(at, *reason, *deputy_assisted);
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
                self.timeline.summonses.push(Round {
                    start: at,
                    end: None,
                });
            }
            E::Detained => {
                if matches!(self.custody, Custody::Detained | Custody::Arrested) {
                    return Err(EventRejection::new(
                        "custody_state",
                        "kind",
                        "已被羁押，不能重复拘留",
                    ));
                }
                self.end_measure(at);
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
                if self.kind == CaseKind::Criminal {
                    // 决定逮捕 by the trying court: no request comes before it.
                    if self.custody == Custody::Arrested {
                        return Err(EventRejection::new("custody_state", "kind", "已被逮捕"));
                    }
                    self.in_custody = true;
                } else {
                    self.decide_arrest(at)?;
                }
                self.end_measure(at);
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
                    Custody::Summoned
                        | Custody::Detained
                        | Custody::Arrested
                        | Custody::Bail
                        | Custody::Surveillance
                ) {
                    return Err(EventRejection::new(
                        "custody_state",
                        "kind",
                        "未处于传唤、羁押或取保候审、监视居住状态，无需释放或解除",
                    ));
                }
                if matches!(self.custody, Custody::Bail | Custody::Surveillance) {
                    self.end_measure(at);
                } else {
                    self.end_summons(at);
                    self.timeline.released_at = Some(at);
                }
                self.custody = Custody::Released;
                self.in_custody = false;
            }
            E::BailGranted { approver } | E::ResidentialSurveillance { approver, .. } => {
                if let Some(a) = approver {
                    need_approver(a, "approver")?;
                }
                let measure = if matches!(body, E::BailGranted { .. }) {
                    Measure::Bail
                } else {
                    Measure::ResidentialSurveillance
                };
                let custody = match measure {
                    Measure::Bail => Custody::Bail,
                    Measure::ResidentialSurveillance => Custody::Surveillance,
                };
                if self.custody == custody {
                    return Err(EventRejection::new(
                        "custody_state",
                        "kind",
                        format!("已在{}中", body.zh()),
                    ));
                }
                if matches!(
                    self.custody,
                    Custody::Summoned | Custody::Detained | Custody::Arrested
                ) {
                    // 变更强制措施: custody ends here.
                    self.timeline.released_at = Some(at);
                }
                self.end_measure(at);
                self.custody = custody;
                self.in_custody = false;
                self.timeline.measures.push(MeasureSpell {
                    measure,
                    start: at,
                    end: None,
                });
            }
            E::Dispatched
            | E::CustodyReviewed { .. }
            | E::EarlyIntervention { .. }
            | E::IncidentHandled { .. }
            | E::CaseAccepted { .. }
            | E::CaseNotAccepted { .. }
            | E::FilingDecided { .. }
            | E::CallBack { .. }
            | E::ExplanationRequested
            | E::ExplanationGiven { .. }
            | E::FilingOrdered
            | E::EnteredCaseArea
            | E::LeftCaseArea
            | E::InterrogationStarted { .. }
            | E::InterrogationEnded
            | E::DeliveredToDetentionCenter
            | E::FamilyNotified { .. } => self.apply_police(body, at)?,
            E::OtherMajorCrimeFound { summary } => {
                non_empty(summary, "summary")?;
                if self.kind == CaseKind::Criminal || self.custody != Custody::Arrested {
                    return Err(EventRejection::new(
                        "custody_state",
                        "kind",
                        "另有重要罪行重新计算侦查羁押期限，只适用于逮捕后的侦查阶段（刑事诉讼法第一百六十条）",
                    ));
                }
                self.timeline.restarts.push(Restart {
                    id: "other_major_crime_found".into(),
                    at,
                    note: "发现另有重要罪行".into(),
                });
            }
            E::IdentityEstablished => {
                if self.kind == CaseKind::Criminal {
                    return Err(EventRejection::new(
                        "kind_mismatch",
                        "kind",
                        "查清身份后计算侦查羁押期限，只适用于侦查阶段（刑事诉讼法第一百六十条）",
                    ));
                }
                self.timeline.restarts.push(Restart {
                    id: "identity_established".into(),
                    at,
                    note: "查清犯罪嫌疑人身份".into(),
                });
            }
            E::CaseReceived { via } => {
                self.timeline.restarts.push(Restart {
                    id: via.restart_id().into(),
                    at,
                    note: via.zh().into(),
                });
            }
            E::SupervisionCommissionTransfer { .. }
            | E::ProsecutionReviewStarted
            | E::ReturnedForSupplementaryInvestigation { .. }
            | E::ResubmittedAfterSupplementaryInvestigation
            | E::Indicted
            | E::NotProsecuted { .. }
            | E::ProsecutionWithdrawn { .. }
            | E::JudgmentReceived { .. }
            | E::ProtestDecided { .. } => self.apply_prosecution(body, at)?,
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

    /// Ends the 传唤/拘传 in progress, if any.
    fn end_summons(&mut self, at: DateTime<Utc>) {
        if let Some(r) = self.timeline.summonses.last_mut()
            && r.end.is_none()
        {
            r.end = Some(at);
        }
    }

    /// Ends the 取保候审 or 监视居住 in force, if any.
    fn end_measure(&mut self, at: DateTime<Utc>) {
        self.end_summons(at);
        if let Some(m) = self.timeline.measures.last_mut()
            && m.end.is_none()
        {
            m.end = Some(at);
        }
    }

    /// Ends the current stay in the 终本 database.
    fn leave_zhongben(&mut self, at: DateTime<Utc>, exit: ZhongbenExit, assisted: bool) {
        self.zhongben = false;
        if let Some(spell) = self.zhongben_spells.last_mut() {
            spell.to = Some(at);
            spell.exit = Some(exit);
            spell.assisted = assisted;
        }
    }

    pub(super) fn close(&mut self, at: DateTime<Utc>, d: Disposition) {
        self.status = CaseStatus::Closed;
        self.closed_at = Some(at);
        self.disposition = Some(d);
        self.suspended_at = None;
        self.end_measure(at);
    }
}
