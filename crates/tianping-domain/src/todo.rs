//! 待办: what is waiting for one person. Each kind of task says which act it asks for; the
//! functions here decide, from a record's state and the person's side of it, whether that record
//! is a task of theirs — the same rules that allow the act (a task is never shown to someone who
//! would be refused). The store finds the candidate records; nothing here reads them.

use crate::access::supervises;
use crate::org::Role;
use crate::supervision::{ItemActor, ItemFacts, ItemState, ReferralState};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One kind of task, in the order the home page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// A clock warning the person was told of and nobody of the case's agency has signed for.
    AcknowledgeWarning,
    /// A warning that climbed the ladder to a supervising body: to follow up (督办), not to sign.
    FollowEscalation,
    /// A 院庭长 supervision act on the person's case that awaits the panel's answer.
    AnswerAct,
    /// A 四类案件 of the person's that needs a 类案检索 report and has none.
    WriteRetrieval,
    /// A 量刑偏离预警 of the person's court to sign for.
    SignDeviation,
    /// A 督办函 or 警示函 the case office drafted, for a president to sign (签发) or return.
    SignLetter,
    /// A draft of the person's returned by a president, to draft again or let go.
    RedraftLetter,
    /// Due dates moved by a rule or calendar change, to confirm.
    ConfirmMovedDates,
    /// Supervision items: the act each state asks of this side.
    AssignItem,
    AcceptItem,
    SubmitItem,
    VerifyItem,
    CloseItem,
    RevisitItem,
    /// Referrals between 人大 and 政法委.
    AcknowledgeReferral,
    DecideReferral,
    ShareReferralResult,
    AcceptReferralResult,
    /// Accounts opened and waiting for the security administrator's grant.
    GrantAccount,
    /// People's supervisors: an activity waiting for its draw or a draw for its seed (justice
    /// bureau), an invitation to answer (the supervisor), an opinion to answer (procuratorate),
    /// an attended activity without the supervisor's opinion yet.
    DrawSupervisors,
    AnswerInvitation,
    FileOpinion,
    AnswerOpinion,
    /// A supervisor admonished as often in one term as the rules allow: removal to decide.
    DecideRemoval,
    /// A bad rating the public left without a contact: to read and record a review.
    ReviewRating,
    /// A 失信 entry whose cause of deletion arose: to delete within three working days.
    DeleteDishonest,
    /// A typical case proposed for a joint release: for the heads of each side to approve.
    ApproveTypical,
    /// A 拒执 referral addressed to the police: to decide whether to file.
    DecideRefusal,
    /// A 终本 case a court gave a deputy (执行监督员): to help and log what was done.
    AssistExecution,
    /// A deputy's assistance the deputy has logged: for the court to record the result.
    RecordAssistance,
    /// An invitation to a deputy (视察、旁听庭审、见证执行): to accept or decline.
    AnswerDeputyInvitation,
    /// An activity a deputy accepted and that has taken place: to leave their opinion.
    GiveDeputyOpinion,
    /// A deputy's suggestion addressed to the procuratorate: to take as a lead or decline.
    ReviewSuggestion,
    /// A procuratorial recommendation whose reply is overdue: to chase, or hand to the 人大.
    ChaseRecommendation,
    /// A recommendation handed to the 人大: to record how it is followed up.
    FollowUpRecommendation,
    /// A survey sent to a deputy, still open: to answer.
    AnswerSurvey,
    /// A case given to the person to evaluate (评查), not yet scored.
    Evaluate,
    /// An objected evaluation given to the person to re-check (复核).
    RecheckEvaluation,
    /// A score of the person's own case: to accept or object to, within the objection days.
    AnswerEvaluation,
    /// The evaluation office: a case no expert could take, or a score whose objection days
    /// have passed, to confirm.
    ConfirmEvaluation,
    /// A process node past its standard time (流程节点): the 审管办's silent watch over its
    /// courts, and a judge's own node where the flow says to tell them.
    LateNode,
    /// A closed procuratorate case of the prosecutor's own, to self-check (案件自查).
    SelfCheck,
    /// A draft judgment the user uploaded whose proofreading findings are still open (文书校对).
    ResolveProofreading,
}

impl TaskKind {
    pub const ALL: [TaskKind; 43] = [
        TaskKind::AcknowledgeWarning,
        TaskKind::FollowEscalation,
        TaskKind::AnswerAct,
        TaskKind::WriteRetrieval,
        TaskKind::SignDeviation,
        TaskKind::SignLetter,
        TaskKind::RedraftLetter,
        TaskKind::ConfirmMovedDates,
        TaskKind::AssignItem,
        TaskKind::AcceptItem,
        TaskKind::SubmitItem,
        TaskKind::VerifyItem,
        TaskKind::CloseItem,
        TaskKind::RevisitItem,
        TaskKind::AcknowledgeReferral,
        TaskKind::DecideReferral,
        TaskKind::ShareReferralResult,
        TaskKind::AcceptReferralResult,
        TaskKind::GrantAccount,
        TaskKind::DrawSupervisors,
        TaskKind::AnswerInvitation,
        TaskKind::FileOpinion,
        TaskKind::AnswerOpinion,
        TaskKind::DecideRemoval,
        TaskKind::ReviewRating,
        TaskKind::DeleteDishonest,
        TaskKind::ApproveTypical,
        TaskKind::DecideRefusal,
        TaskKind::AssistExecution,
        TaskKind::RecordAssistance,
        TaskKind::AnswerDeputyInvitation,
        TaskKind::GiveDeputyOpinion,
        TaskKind::ReviewSuggestion,
        TaskKind::ChaseRecommendation,
        TaskKind::FollowUpRecommendation,
        TaskKind::AnswerSurvey,
        TaskKind::Evaluate,
        TaskKind::RecheckEvaluation,
        TaskKind::AnswerEvaluation,
        TaskKind::ConfirmEvaluation,
        TaskKind::LateNode,
        TaskKind::SelfCheck,
        TaskKind::ResolveProofreading,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::AcknowledgeWarning => "acknowledge_warning",
            TaskKind::FollowEscalation => "follow_escalation",
            TaskKind::AnswerAct => "answer_act",
            TaskKind::WriteRetrieval => "write_retrieval",
            TaskKind::SignDeviation => "sign_deviation",
            TaskKind::SignLetter => "sign_letter",
            TaskKind::RedraftLetter => "redraft_letter",
            TaskKind::ConfirmMovedDates => "confirm_moved_dates",
            TaskKind::AssignItem => "assign_item",
            TaskKind::AcceptItem => "accept_item",
            TaskKind::SubmitItem => "submit_item",
            TaskKind::VerifyItem => "verify_item",
            TaskKind::CloseItem => "close_item",
            TaskKind::RevisitItem => "revisit_item",
            TaskKind::AcknowledgeReferral => "acknowledge_referral",
            TaskKind::DecideReferral => "decide_referral",
            TaskKind::ShareReferralResult => "share_referral_result",
            TaskKind::AcceptReferralResult => "accept_referral_result",
            TaskKind::GrantAccount => "grant_account",
            TaskKind::DrawSupervisors => "draw_supervisors",
            TaskKind::AnswerInvitation => "answer_invitation",
            TaskKind::FileOpinion => "file_opinion",
            TaskKind::AnswerOpinion => "answer_opinion",
            TaskKind::DecideRemoval => "decide_removal",
            TaskKind::ReviewRating => "review_rating",
            TaskKind::DeleteDishonest => "delete_dishonest",
            TaskKind::ApproveTypical => "approve_typical",
            TaskKind::DecideRefusal => "decide_refusal",
            TaskKind::AssistExecution => "assist_execution",
            TaskKind::RecordAssistance => "record_assistance",
            TaskKind::AnswerDeputyInvitation => "answer_deputy_invitation",
            TaskKind::GiveDeputyOpinion => "give_deputy_opinion",
            TaskKind::ReviewSuggestion => "review_suggestion",
            TaskKind::ChaseRecommendation => "chase_recommendation",
            TaskKind::FollowUpRecommendation => "follow_up_recommendation",
            TaskKind::AnswerSurvey => "answer_survey",
            TaskKind::Evaluate => "evaluate",
            TaskKind::RecheckEvaluation => "recheck_evaluation",
            TaskKind::AnswerEvaluation => "answer_evaluation",
            TaskKind::ConfirmEvaluation => "confirm_evaluation",
            TaskKind::LateNode => "late_node",
            TaskKind::SelfCheck => "self_check",
            TaskKind::ResolveProofreading => "resolve_proofreading",
        }
    }

    pub fn parse(s: &str) -> Option<TaskKind> {
        TaskKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The heading of the kind on the home page.
    pub fn zh(self) -> &'static str {
        match self {
            TaskKind::AcknowledgeWarning => "期限预警待确认",
            TaskKind::FollowEscalation => "升级至本单位的期限预警",
            TaskKind::AnswerAct => "院庭长监督待答复",
            TaskKind::WriteRetrieval => "四类案件待类案检索",
            TaskKind::SignDeviation => "量刑偏离预警待签收",
            TaskKind::SignLetter => "函件待签发",
            TaskKind::RedraftLetter => "退回的函件",
            TaskKind::ConfirmMovedDates => "期限变动待确认",
            TaskKind::AssignItem => "督办事项待交办",
            TaskKind::AcceptItem => "督办事项待签收",
            TaskKind::SubmitItem => "督办事项待整改提交",
            TaskKind::VerifyItem => "督办事项待核验",
            TaskKind::CloseItem => "督办事项待销号",
            TaskKind::RevisitItem => "督办事项待回访",
            TaskKind::AcknowledgeReferral => "移送待签收",
            TaskKind::DecideReferral => "移送待决定是否受理",
            TaskKind::ShareReferralResult => "移送待反馈办理结果",
            TaskKind::AcceptReferralResult => "移送办理结果待采信",
            TaskKind::GrantAccount => "账号待授权",
            TaskKind::DrawSupervisors => "人民监督员待抽选",
            TaskKind::AnswerInvitation => "监督活动邀请待答复",
            TaskKind::FileOpinion => "监督意见待提出",
            TaskKind::AnswerOpinion => "人民监督员意见待答复",
            TaskKind::DecideRemoval => "人民监督员待作免职决定",
            TaskKind::ReviewRating => "群众差评待复核",
            TaskKind::DeleteDishonest => "失信名单信息待删除",
            TaskKind::ApproveTypical => "典型案例待审核发布",
            TaskKind::DecideRefusal => "拒执线索待决定是否立案",
            TaskKind::AssistExecution => "交由我协助的执行案件",
            TaskKind::RecordAssistance => "人大代表协助执行待登记结果",
            TaskKind::AnswerDeputyInvitation => "视察、旁听庭审等邀请待答复",
            TaskKind::GiveDeputyOpinion => "参加活动后待提出意见",
            TaskKind::ReviewSuggestion => "代表建议待审查",
            TaskKind::ChaseRecommendation => "检察建议回复已逾期",
            TaskKind::FollowUpRecommendation => "移送人大的检察建议待跟踪监督",
            TaskKind::AnswerSurvey => "问卷待填写",
            TaskKind::Evaluate => "案件待评查",
            TaskKind::RecheckEvaluation => "评查异议待复核",
            TaskKind::AnswerEvaluation => "本人案件的评查结果待认可或提出异议",
            TaskKind::ConfirmEvaluation => "评查案件待指定评查人或确认结果",
            TaskKind::LateNode => "流程节点已超时",
            TaskKind::SelfCheck => "已结案件待自查",
            TaskKind::ResolveProofreading => "文书校对意见待处理",
        }
    }

    /// The act the task asks for, as the button on its page says it.
    pub fn act_zh(self) -> &'static str {
        match self {
            TaskKind::AcknowledgeWarning => "确认",
            TaskKind::FollowEscalation => "督办",
            TaskKind::AnswerAct => "答复",
            TaskKind::WriteRetrieval => "类案检索",
            TaskKind::SignDeviation => "签收",
            TaskKind::SignLetter => "签发",
            TaskKind::RedraftLetter => "修改重送",
            TaskKind::ConfirmMovedDates => "确认",
            TaskKind::AssignItem => "交办",
            TaskKind::AcceptItem => "签收并开始整改",
            TaskKind::SubmitItem => "提交整改情况",
            TaskKind::VerifyItem => "核验",
            TaskKind::CloseItem => "销号",
            TaskKind::RevisitItem => "回访复查",
            TaskKind::AcknowledgeReferral => "签收",
            TaskKind::DecideReferral => "受理或不予受理",
            TaskKind::ShareReferralResult => "反馈办理结果",
            TaskKind::AcceptReferralResult => "采信办理结果",
            TaskKind::GrantAccount => "授权",
            TaskKind::DrawSupervisors => "抽选",
            TaskKind::AnswerInvitation => "答复",
            TaskKind::FileOpinion => "提出意见",
            TaskKind::AnswerOpinion => "答复",
            TaskKind::DecideRemoval => "决定",
            TaskKind::ReviewRating => "复核",
            TaskKind::DeleteDishonest => "删除",
            TaskKind::ApproveTypical => "审核",
            TaskKind::DecideRefusal => "立案或不予立案",
            TaskKind::AssistExecution => "记录协助情况",
            TaskKind::RecordAssistance => "登记结果",
            TaskKind::AnswerDeputyInvitation => "接受或婉拒",
            TaskKind::GiveDeputyOpinion => "提出意见",
            TaskKind::ReviewSuggestion => "受理或说明理由",
            TaskKind::ChaseRecommendation => "督促回复或移送人大",
            TaskKind::FollowUpRecommendation => "登记跟踪监督情况",
            TaskKind::AnswerSurvey => "填写",
            TaskKind::Evaluate => "评分",
            TaskKind::RecheckEvaluation => "复核",
            TaskKind::AnswerEvaluation => "认可或提出异议",
            TaskKind::ConfirmEvaluation => "处理",
            TaskKind::LateNode => "查看并督促办理",
            TaskKind::SelfCheck => "填报自查",
            TaskKind::ResolveProofreading => "处理校对意见",
        }
    }
}

/// The sides of a supervision item a person acts on for their 待办 (opener, responsible): the
/// opening unit's supervisors; the responsible unit's supervisors and the handler (承办人) of the
/// item's case — any handler of the unit when the file names none. A body above either unit sees
/// the item but does not act for the unit below. `handler`: the case's handler, if it names one.
pub fn item_sides(
    role: Role,
    name: &str,
    in_opening_unit: bool,
    in_responsible_unit: bool,
    handler: Option<&str>,
) -> (bool, bool) {
    let opener = in_opening_unit && supervises(role);
    let responsible = in_responsible_unit
        && (supervises(role)
            || (role == Role::Judge
                && handler
                    .map(str::trim)
                    .is_none_or(|h| h.is_empty() || h == name.trim())));
    (opener, responsible)
}

/// Whose move an item in `state` waits for: the opening unit's (else the responsible unit's).
pub fn waits_for_opener(state: ItemState) -> bool {
    !matches!(state, ItemState::Assigned | ItemState::Rectifying)
}

/// The task a supervision item sets for a person on `a`'s side of it, if any: the act its state
/// waits for from that side. `revisit_open`: the item was closed with a 回访 still to do.
pub fn item_task(f: &ItemFacts, a: &ItemActor, revisit_open: bool) -> Option<TaskKind> {
    let (kind, opener) = match f.state {
        ItemState::Found => (TaskKind::AssignItem, true),
        ItemState::Assigned => (TaskKind::AcceptItem, false),
        ItemState::Rectifying => (TaskKind::SubmitItem, false),
        ItemState::Submitted => (TaskKind::VerifyItem, true),
        ItemState::Verified => (TaskKind::CloseItem, true),
        ItemState::Closed if revisit_open && !f.revisited => (TaskKind::RevisitItem, true),
        ItemState::Closed => return None,
    };
    let side = if opener {
        a.opener_side
    } else {
        a.responsible_side
    };
    if !side {
        return None;
    }
    // Whoever submitted the rectification may not verify or close it (item_transition refuses).
    if matches!(kind, TaskKind::VerifyItem | TaskKind::CloseItem) && f.rectifier == Some(a.user_id)
    {
        return None;
    }
    Some(kind)
}

/// The task a referral sets for the sending or receiving body, if any.
pub fn referral_task(
    state: ReferralState,
    sender: bool,
    receiver: bool,
    item_closed: bool,
) -> Option<TaskKind> {
    match state {
        ReferralState::Sent if receiver => Some(TaskKind::AcknowledgeReferral),
        ReferralState::Acknowledged if receiver => Some(TaskKind::DecideReferral),
        ReferralState::Accepted if receiver && item_closed => Some(TaskKind::ShareReferralResult),
        ReferralState::ResultShared if sender => Some(TaskKind::AcceptReferralResult),
        _ => None,
    }
}

/// One task on a person's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub kind: TaskKind,
    /// What it is about, for the reader (a case number and what is due; never a confidential
    /// case's title).
    pub title: String,
    /// The page where the act is done.
    pub href: String,
    /// When the act is due, if it has a limit.
    pub due: Option<DateTime<Utc>>,
    /// Where a form posts to do the act in one click, when it needs no input (signing).
    pub quick_act: Option<String>,
}

/// A person's tasks, grouped: per kind (in [`TaskKind`] order) the number waiting and the most
/// pressing first — overdue, then soonest due, then those without a limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TodoList {
    pub groups: Vec<TaskGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskGroup {
    pub kind: TaskKind,
    /// All tasks of the kind, also those not listed.
    pub count: usize,
    pub tasks: Vec<Task>,
}

impl TodoList {
    /// Groups `tasks`; `counts` carries a kind's full count where the store listed only the first
    /// ones (a backlog of warnings); each group keeps at most `per_kind` tasks.
    pub fn build(mut tasks: Vec<Task>, counts: &[(TaskKind, usize)], per_kind: usize) -> TodoList {
        tasks.sort_by(|a, b| {
            a.kind
                .cmp(&b.kind)
                .then_with(|| match (a.due, b.due) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                })
                .then_with(|| a.title.cmp(&b.title))
        });
        let mut groups: Vec<TaskGroup> = vec![];
        for t in tasks {
            match groups.last_mut() {
                Some(g) if g.kind == t.kind => {
                    g.count += 1;
                    if g.tasks.len() < per_kind {
                        g.tasks.push(t);
                    }
                }
                _ => groups.push(TaskGroup {
                    kind: t.kind,
                    count: 1,
                    tasks: vec![t],
                }),
            }
        }
        for (kind, n) in counts {
            match groups.iter_mut().find(|g| g.kind == *kind) {
                Some(g) => g.count = g.count.max(*n),
                None if *n > 0 => groups.push(TaskGroup {
                    kind: *kind,
                    count: *n,
                    tasks: vec![],
                }),
                None => {}
            }
        }
        groups.sort_by_key(|g| g.kind);
        TodoList { groups }
    }

    pub fn total(&self) -> usize {
        self.groups.iter().map(|g| g.count).sum()
    }

    /// Tasks due before `now` and not done.
    pub fn overdue(&self, now: DateTime<Utc>) -> usize {
        self.groups
            .iter()
            .flat_map(|g| &g.tasks)
            .filter(|t| t.due.is_some_and(|d| d < now))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn facts(state: ItemState) -> ItemFacts {
        ItemFacts {
            state,
            rectifier: None,
            evidence: 1,
            revisited: false,
        }
    }
    const OPENER: ItemActor = ItemActor {
        user_id: 1,
        opener_side: true,
        responsible_side: false,
    };
    const RESPONSIBLE: ItemActor = ItemActor {
        user_id: 2,
        opener_side: false,
        responsible_side: true,
    };

    #[test]
    fn each_item_state_waits_for_one_side() {
        use ItemState as S;
        let cases = [
            (S::Found, Some(TaskKind::AssignItem), None),
            (S::Assigned, None, Some(TaskKind::AcceptItem)),
            (S::Rectifying, None, Some(TaskKind::SubmitItem)),
            (S::Submitted, Some(TaskKind::VerifyItem), None),
            (S::Verified, Some(TaskKind::CloseItem), None),
            (S::Closed, None, None),
        ];
        for (state, opener, responsible) in cases {
            assert_eq!(
                item_task(&facts(state), &OPENER, false),
                opener,
                "{state:?}"
            );
            assert_eq!(
                item_task(&facts(state), &RESPONSIBLE, false),
                responsible,
                "{state:?}"
            );
        }
        // A closed item with its 回访 to do waits for the opener, once.
        assert_eq!(
            item_task(&facts(S::Closed), &OPENER, true),
            Some(TaskKind::RevisitItem)
        );
        let mut done = facts(S::Closed);
        done.revisited = true;
        assert_eq!(item_task(&done, &OPENER, true), None);
    }

    #[test]
    fn the_rectifier_is_not_asked_to_verify_their_own_work() {
        let mut f = facts(ItemState::Submitted);
        f.rectifier = Some(OPENER.user_id);
        assert_eq!(item_task(&f, &OPENER, false), None);
        let other = ItemActor {
            user_id: 9,
            ..OPENER
        };
        assert_eq!(item_task(&f, &other, false), Some(TaskKind::VerifyItem));
    }

    #[test]
    fn a_task_is_only_offered_when_the_act_would_be_allowed() {
        use crate::supervision::{ItemAction, item_transition};
        let act = |k: TaskKind| match k {
            TaskKind::AssignItem => ItemAction::Assign,
            TaskKind::AcceptItem => ItemAction::Accept,
            TaskKind::SubmitItem => ItemAction::Submit,
            TaskKind::VerifyItem => ItemAction::Verify,
            TaskKind::CloseItem => ItemAction::Close,
            TaskKind::RevisitItem => ItemAction::Revisit,
            other => panic!("not an item task: {other:?}"),
        };
        for state in ItemState::ALL {
            for actor in [OPENER, RESPONSIBLE] {
                for rectifier in [None, Some(1), Some(2)] {
                    let f = ItemFacts {
                        rectifier,
                        ..facts(state)
                    };
                    if let Some(k) = item_task(&f, &actor, true) {
                        assert!(
                            item_transition(&f, act(k), &actor, "已整改").is_ok(),
                            "{state:?} {k:?} offered but refused"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn who_acts_for_each_unit() {
        // The opening unit's supervisors; a judge there does not.
        assert_eq!(
            item_sides(Role::CaseOffice, "周", true, false, None),
            (true, false)
        );
        assert_eq!(
            item_sides(Role::Judge, "周", true, false, None),
            (false, false)
        );
        // The responsible unit's supervisors, and the case's own handler only.
        assert_eq!(
            item_sides(Role::President, "孙", false, true, Some("周")),
            (false, true)
        );
        assert_eq!(
            item_sides(Role::Judge, "周", false, true, Some(" 周 ")),
            (false, true)
        );
        assert_eq!(
            item_sides(Role::Judge, "吴", false, true, Some("周")),
            (false, false)
        );
        // A file naming nobody: any handler of the unit.
        assert_eq!(
            item_sides(Role::Judge, "吴", false, true, None),
            (false, true)
        );
        assert_eq!(
            item_sides(Role::Judge, "吴", false, true, Some("")),
            (false, true)
        );
        // A clerk or a body outside both units: nothing.
        assert_eq!(
            item_sides(Role::Clerk, "郑", true, true, None),
            (false, false)
        );
        assert_eq!(
            item_sides(Role::President, "孙", false, false, None),
            (false, false)
        );
        assert!(waits_for_opener(ItemState::Found) && waits_for_opener(ItemState::Submitted));
        assert!(!waits_for_opener(ItemState::Assigned) && !waits_for_opener(ItemState::Rectifying));
    }

    #[test]
    fn referrals_wait_for_the_receiver_then_the_sender() {
        use ReferralState as S;
        assert_eq!(
            referral_task(S::Sent, false, true, false),
            Some(TaskKind::AcknowledgeReferral)
        );
        assert_eq!(referral_task(S::Sent, true, false, false), None);
        assert_eq!(
            referral_task(S::Acknowledged, false, true, false),
            Some(TaskKind::DecideReferral)
        );
        // The result can only be shared once the item is closed.
        assert_eq!(referral_task(S::Accepted, false, true, false), None);
        assert_eq!(
            referral_task(S::Accepted, false, true, true),
            Some(TaskKind::ShareReferralResult)
        );
        assert_eq!(
            referral_task(S::ResultShared, true, false, true),
            Some(TaskKind::AcceptReferralResult)
        );
        assert_eq!(referral_task(S::ResultAccepted, true, true, true), None);
        assert_eq!(referral_task(S::Declined, true, true, true), None);
    }

    #[test]
    fn the_list_groups_by_kind_and_puts_the_most_pressing_first() {
        let at = |d| Utc.with_ymd_and_hms(2026, 12, d, 0, 0, 0).single();
        let t = |kind, title: &str, due| Task {
            kind,
            title: title.into(),
            href: "/".into(),
            due,
            quick_act: None,
        };
        let list = TodoList::build(
            vec![
                t(TaskKind::VerifyItem, "督〔2026〕2号", None),
                t(TaskKind::AcknowledgeWarning, "B", at(9)),
                t(TaskKind::AcknowledgeWarning, "A", at(1)),
                t(TaskKind::VerifyItem, "督〔2026〕1号", at(20)),
                t(TaskKind::AcknowledgeWarning, "C", None),
            ],
            &[
                (TaskKind::AcknowledgeWarning, 40),
                (TaskKind::GrantAccount, 0),
            ],
            2,
        );
        let kinds: Vec<_> = list.groups.iter().map(|g| g.kind).collect();
        assert_eq!(
            kinds,
            vec![TaskKind::AcknowledgeWarning, TaskKind::VerifyItem]
        );
        let w = &list.groups[0];
        assert_eq!(w.count, 40, "the store's full count wins");
        let titles: Vec<_> = w.tasks.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, vec!["A", "B"], "soonest first, at most two listed");
        let v: Vec<_> = list.groups[1]
            .tasks
            .iter()
            .map(|t| t.title.as_str())
            .collect();
        assert_eq!(v, vec!["督〔2026〕1号", "督〔2026〕2号"], "undated last");
        assert_eq!(list.total(), 42);
        assert_eq!(list.overdue(at(5).expect("date")), 1);
    }

    #[test]
    fn every_kind_has_a_unique_code_and_a_chinese_heading() {
        let mut seen = std::collections::HashSet::new();
        for k in TaskKind::ALL {
            assert!(seen.insert(k.as_str()));
            assert_eq!(TaskKind::parse(k.as_str()), Some(k));
            assert!(!k.zh().is_ascii() && !k.act_zh().is_ascii());
        }
    }
}
