//! Supervision that closes the loop (DESIGN.md capabilities 4–5, RULES.md §5.3 and §6):
//!
//! - the acts a supervising 院庭长 may record on a case, and the ones the system refuses
//!   (`rules/supervision.toml`, with citations);
//! - the life of a supervision item: found → assigned → rectifying → submitted → verified →
//!   closed (销号), or returned from submitted to rectifying; who may do what, and the stage
//!   deadlines;
//! - the two-way referral between 人大常委会 and 政法委;
//! - joint supervision projects;
//! - the vocabulary of interference records (三个规定).
//!
//! Everything here is a pure decision: the store asks "may this actor do this now?" and writes the
//! answer. A refusal carries a stable code and a Chinese reason.

pub mod catalogue;

use crate::org::AgencyKind;
use crate::rules::{Marker, RuleError};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// The shipped supervision rules.
pub const SUPERVISION_TOML: &str = include_str!("../../../rules/supervision.toml");

/// Why an action was refused: a stable code for the API and a reason for the UI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {zh}")]
pub struct Refusal {
    pub code: &'static str,
    pub zh: String,
}

fn refuse(code: &'static str, zh: impl Into<String>) -> Refusal {
    Refusal {
        code,
        zh: zh.into(),
    }
}

// --- rules ---------------------------------------------------------------------------------------

/// A supervision act of RULES.md §5.3, permitted or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActRule {
    pub code: String,
    pub zh: String,
    pub permitted: bool,
    pub citation: String,
    pub marker: Marker,
}

/// Stage deadlines in calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub assign_days: i64,
    pub accept_days: i64,
    pub rectify_days: i64,
    pub verify_days: i64,
    pub close_days: i64,
    pub revisit_days: i64,
    pub referral_ack_days: i64,
    pub referral_decide_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisionRules {
    pub version: String,
    pub acts: Vec<ActRule>,
    pub deadlines: Deadlines,
    pub deadlines_citation: String,
    pub deadlines_marker: Marker,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    version: String,
    act: Vec<RawAct>,
    deadlines: RawDeadlines,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAct {
    code: String,
    zh: String,
    permitted: bool,
    citation: String,
    marker: Marker,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadlines {
    assign_days: i64,
    accept_days: i64,
    rectify_days: i64,
    verify_days: i64,
    close_days: i64,
    revisit_days: i64,
    referral_ack_days: i64,
    referral_decide_days: i64,
    citation: String,
    marker: Marker,
}

impl SupervisionRules {
    pub fn builtin() -> Result<SupervisionRules, RuleError> {
        SupervisionRules::parse(SUPERVISION_TOML)
    }

    pub fn parse(text: &str) -> Result<SupervisionRules, RuleError> {
        let raw: RawRules = toml::from_str(text).map_err(|e| RuleError::Syntax(e.to_string()))?;
        let field = |rule: &str, field: &'static str, problem: &str| RuleError::Field {
            rule: rule.to_string(),
            field,
            problem: problem.to_string(),
        };
        let mut acts: Vec<ActRule> = vec![];
        for a in raw.act {
            if a.code.trim().is_empty() {
                return Err(field("(act)", "code", "must not be empty"));
            }
            if acts.iter().any(|x| x.code == a.code) {
                return Err(field(&a.code, "code", "defined twice"));
            }
            if a.citation.trim().is_empty() {
                return Err(field(&a.code, "citation", "must not be empty"));
            }
            acts.push(ActRule {
                code: a.code,
                zh: a.zh,
                permitted: a.permitted,
                citation: a.citation,
                marker: a.marker,
            });
        }
        let d = raw.deadlines;
        for (name, v) in [
            ("assign_days", d.assign_days),
            ("accept_days", d.accept_days),
            ("rectify_days", d.rectify_days),
            ("verify_days", d.verify_days),
            ("close_days", d.close_days),
            ("revisit_days", d.revisit_days),
            ("referral_ack_days", d.referral_ack_days),
            ("referral_decide_days", d.referral_decide_days),
        ] {
            if !(1..=3650).contains(&v) {
                return Err(RuleError::Field {
                    rule: "deadlines".into(),
                    field: "days",
                    problem: format!("{name} = {v}: must be 1 to 3650 days"),
                });
            }
        }
        Ok(SupervisionRules {
            version: raw.version,
            acts,
            deadlines: Deadlines {
                assign_days: d.assign_days,
                accept_days: d.accept_days,
                rectify_days: d.rectify_days,
                verify_days: d.verify_days,
                close_days: d.close_days,
                revisit_days: d.revisit_days,
                referral_ack_days: d.referral_ack_days,
                referral_decide_days: d.referral_decide_days,
            },
            deadlines_citation: d.citation,
            deadlines_marker: d.marker,
        })
    }

    pub fn act(&self, code: &str) -> Option<&ActRule> {
        self.acts.iter().find(|a| a.code == code)
    }

    /// Whether a 院庭长 may record this act. A forbidden act is refused with `act_forbidden` —
    /// the caller records the attempt (RULES.md §5.3: block, or log as §6 interference).
    pub fn check_act(&self, code: &str) -> Result<&ActRule, Refusal> {
        match self.act(code) {
            None => Err(refuse(
                "act_unknown",
                format!("“{code}”不是院庭长监督管理的措施"),
            )),
            Some(a) if !a.permitted => Err(refuse(
                "act_forbidden",
                format!("院庭长不得{}（{}），已记录该操作", a.zh, a.citation),
            )),
            Some(a) => Ok(a),
        }
    }
}

// --- supervision items ---------------------------------------------------------------------------

/// Where an item comes from (DESIGN.md capability 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemSource {
    OverdueClock,
    Flag,
    Complaint,
    Evaluation,
    PublicRating,
    DeputySuggestion,
    Referral,
    JointSupervision,
    Inspection,
    /// A procuratorate's supervision of the police or a court, raised from the catalogue
    /// (`source_ref` holds the catalogue entry's code).
    Procuratorial,
    /// A people's supervisor's opinion left unanswered past its due day, raised by the
    /// procuratorate above the one that asked (`source_ref` holds the opinion's id).
    SupervisorOpinion,
}

impl ItemSource {
    pub const ALL: [ItemSource; 11] = [
        ItemSource::OverdueClock,
        ItemSource::Flag,
        ItemSource::Complaint,
        ItemSource::Evaluation,
        ItemSource::PublicRating,
        ItemSource::DeputySuggestion,
        ItemSource::Referral,
        ItemSource::JointSupervision,
        ItemSource::Inspection,
        ItemSource::Procuratorial,
        ItemSource::SupervisorOpinion,
    ];
    /// Whether a supervising user picks this source on the item form; the others are opened
    /// where they arise (an accepted referral, a joint project's report, an overdue opinion).
    pub fn opened_by_hand(self) -> bool {
        !matches!(
            self,
            ItemSource::Referral | ItemSource::JointSupervision | ItemSource::SupervisorOpinion
        )
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ItemSource::OverdueClock => "overdue_clock",
            ItemSource::Flag => "flag",
            ItemSource::Complaint => "complaint",
            ItemSource::Evaluation => "evaluation",
            ItemSource::PublicRating => "public_rating",
            ItemSource::DeputySuggestion => "deputy_suggestion",
            ItemSource::Referral => "referral",
            ItemSource::JointSupervision => "joint_supervision",
            ItemSource::Inspection => "inspection",
            ItemSource::Procuratorial => "procuratorial",
            ItemSource::SupervisorOpinion => "supervisor_opinion",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            ItemSource::OverdueClock => "超期预警",
            ItemSource::Flag => "四类案件标注",
            ItemSource::Complaint => "投诉举报",
            ItemSource::Evaluation => "案件评查",
            ItemSource::PublicRating => "群众评价",
            ItemSource::DeputySuggestion => "代表建议",
            ItemSource::Referral => "双向移送",
            ItemSource::JointSupervision => "联合监督",
            ItemSource::Inspection => "日常检查",
            ItemSource::Procuratorial => "检察监督",
            ItemSource::SupervisorOpinion => "人民监督员意见",
        }
    }
    pub fn parse(s: &str) -> Option<ItemSource> {
        ItemSource::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    Found,
    Assigned,
    Rectifying,
    Submitted,
    Verified,
    Closed,
}

impl ItemState {
    pub const ALL: [ItemState; 6] = [
        ItemState::Found,
        ItemState::Assigned,
        ItemState::Rectifying,
        ItemState::Submitted,
        ItemState::Verified,
        ItemState::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Found => "found",
            ItemState::Assigned => "assigned",
            ItemState::Rectifying => "rectifying",
            ItemState::Submitted => "submitted",
            ItemState::Verified => "verified",
            ItemState::Closed => "closed",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            ItemState::Found => "待交办",
            ItemState::Assigned => "已交办",
            ItemState::Rectifying => "整改中",
            ItemState::Submitted => "待核验",
            ItemState::Verified => "已核验",
            ItemState::Closed => "已销号",
        }
    }
    pub fn parse(s: &str) -> Option<ItemState> {
        ItemState::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Days allowed in this state before it is overdue (none once closed).
    pub fn stage_days(self, d: &Deadlines) -> Option<i64> {
        match self {
            ItemState::Found => Some(d.assign_days),
            ItemState::Assigned => Some(d.accept_days),
            ItemState::Rectifying => Some(d.rectify_days),
            ItemState::Submitted => Some(d.verify_days),
            ItemState::Verified => Some(d.close_days),
            ItemState::Closed => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemAction {
    /// The opener's side hands the item to the responsible unit.
    Assign,
    /// The responsible unit takes it up.
    Accept,
    /// The responsible unit submits its rectification with evidence.
    Submit,
    /// The opener's side sends it back (not rectified).
    Return,
    /// The opener's side confirms the rectification.
    Verify,
    /// The opener's side closes it (销号).
    Close,
    /// A revisit after closing (回访 / 复查).
    Revisit,
    /// Reopening a closed item: always refused (a problem found later opens a new item).
    Reopen,
}

impl ItemAction {
    pub const ALL: [ItemAction; 8] = [
        ItemAction::Assign,
        ItemAction::Accept,
        ItemAction::Submit,
        ItemAction::Return,
        ItemAction::Verify,
        ItemAction::Close,
        ItemAction::Revisit,
        ItemAction::Reopen,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ItemAction::Assign => "assign",
            ItemAction::Accept => "accept",
            ItemAction::Submit => "submit",
            ItemAction::Return => "return",
            ItemAction::Verify => "verify",
            ItemAction::Close => "close",
            ItemAction::Revisit => "revisit",
            ItemAction::Reopen => "reopen",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            ItemAction::Assign => "交办",
            ItemAction::Accept => "签收并开始整改",
            ItemAction::Submit => "提交整改情况",
            ItemAction::Return => "退回重新整改",
            ItemAction::Verify => "核验通过",
            ItemAction::Close => "销号",
            ItemAction::Revisit => "回访复查",
            ItemAction::Reopen => "重新打开",
        }
    }
    pub fn parse(s: &str) -> Option<ItemAction> {
        ItemAction::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What the decision needs to know about the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts {
    pub state: ItemState,
    /// The user who submitted the rectification most recently.
    pub rectifier: Option<i64>,
    /// Evidence files attached to the item.
    pub evidence: u32,
    pub revisited: bool,
}

/// Who is acting, relative to the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemActor {
    pub user_id: i64,
    /// A supervisor of the opening body (or above it).
    pub opener_side: bool,
    /// A member of the responsible unit.
    pub responsible_side: bool,
}

/// The state after `action`, or why it is refused. `note` is the text the actor gave.
pub fn item_transition(
    f: &ItemFacts,
    action: ItemAction,
    a: &ItemActor,
    note: &str,
) -> Result<ItemState, Refusal> {
    use ItemAction as A;
    use ItemState as S;
    if f.state == S::Closed && action != A::Revisit {
        return Err(refuse(
            "item_closed",
            "事项已销号，不能再变更；发现新问题请另立督办事项",
        ));
    }
    if action == A::Reopen {
        return Err(refuse("wrong_state", "只有已销号的事项才谈得上重新打开"));
    }
    let opener = || {
        if a.opener_side {
            Ok(())
        } else {
            Err(refuse(
                "not_opener_side",
                format!("只有督办单位可以{}", action.zh()),
            ))
        }
    };
    let responsible = || {
        if a.responsible_side {
            Ok(())
        } else {
            Err(refuse(
                "not_responsible_side",
                format!("只有责任单位可以{}", action.zh()),
            ))
        }
    };
    let from = |allowed: &[ItemState]| {
        if allowed.contains(&f.state) {
            Ok(())
        } else {
            Err(refuse(
                "wrong_state",
                format!("事项处于“{}”，不能{}", f.state.zh(), action.zh()),
            ))
        }
    };
    match action {
        A::Assign => {
            from(&[S::Found, S::Assigned])?;
            opener()?;
            Ok(S::Assigned)
        }
        A::Accept => {
            from(&[S::Assigned])?;
            responsible()?;
            Ok(S::Rectifying)
        }
        A::Submit => {
            from(&[S::Rectifying])?;
            responsible()?;
            if f.evidence == 0 {
                return Err(refuse(
                    "evidence_required",
                    "提交整改情况须附整改材料（上传文件）",
                ));
            }
            if note.trim().is_empty() {
                return Err(refuse("note_required", "请填写整改情况说明"));
            }
            Ok(S::Submitted)
        }
        A::Return => {
            from(&[S::Submitted])?;
            opener()?;
            if note.trim().is_empty() {
                return Err(refuse("note_required", "退回须写明理由"));
            }
            Ok(S::Rectifying)
        }
        A::Verify => {
            from(&[S::Submitted])?;
            opener()?;
            if f.rectifier == Some(a.user_id) {
                return Err(refuse("verifier_is_rectifier", "核验人不能是提交整改的人"));
            }
            Ok(S::Verified)
        }
        A::Close => {
            from(&[S::Verified])?;
            opener()?;
            if f.evidence == 0 {
                return Err(refuse("evidence_required", "没有整改材料的事项不能销号"));
            }
            if f.rectifier == Some(a.user_id) {
                return Err(refuse("verifier_is_rectifier", "销号人不能是提交整改的人"));
            }
            Ok(S::Closed)
        }
        A::Revisit => {
            from(&[S::Closed])?;
            opener()?;
            if f.revisited {
                return Err(refuse("already_revisited", "该事项已回访"));
            }
            if note.trim().is_empty() {
                return Err(refuse("note_required", "请填写回访情况"));
            }
            Ok(S::Closed)
        }
        A::Reopen => Err(refuse("wrong_state", "事项未销号")),
    }
}

/// When the stage entered at `at` falls due (none for closed).
pub fn stage_due(state: ItemState, at: DateTime<Utc>, d: &Deadlines) -> Option<DateTime<Utc>> {
    state.stage_days(d).map(|n| at + Duration::days(n))
}

// --- two-way referral between 人大常委会 and 政法委 ---------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralState {
    Sent,
    Acknowledged,
    Accepted,
    Declined,
    ResultShared,
    ResultAccepted,
}

impl ReferralState {
    pub const ALL: [ReferralState; 6] = [
        ReferralState::Sent,
        ReferralState::Acknowledged,
        ReferralState::Accepted,
        ReferralState::Declined,
        ReferralState::ResultShared,
        ReferralState::ResultAccepted,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralState::Sent => "sent",
            ReferralState::Acknowledged => "acknowledged",
            ReferralState::Accepted => "accepted",
            ReferralState::Declined => "declined",
            ReferralState::ResultShared => "result_shared",
            ReferralState::ResultAccepted => "result_accepted",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            ReferralState::Sent => "已移送待签收",
            ReferralState::Acknowledged => "已签收待决定",
            ReferralState::Accepted => "已受理办理中",
            ReferralState::Declined => "不予受理",
            ReferralState::ResultShared => "结果已反馈",
            ReferralState::ResultAccepted => "结果已采信",
        }
    }
    pub fn parse(s: &str) -> Option<ReferralState> {
        ReferralState::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralAction {
    Acknowledge,
    Accept,
    Decline,
    ShareResult,
    AcceptResult,
}

impl ReferralAction {
    pub const ALL: [ReferralAction; 5] = [
        ReferralAction::Acknowledge,
        ReferralAction::Accept,
        ReferralAction::Decline,
        ReferralAction::ShareResult,
        ReferralAction::AcceptResult,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralAction::Acknowledge => "acknowledge",
            ReferralAction::Accept => "accept",
            ReferralAction::Decline => "decline",
            ReferralAction::ShareResult => "share_result",
            ReferralAction::AcceptResult => "accept_result",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            ReferralAction::Acknowledge => "签收",
            ReferralAction::Accept => "受理并立督办事项",
            ReferralAction::Decline => "不予受理",
            ReferralAction::ShareResult => "反馈办理结果",
            ReferralAction::AcceptResult => "采信办理结果",
        }
    }
    pub fn parse(s: &str) -> Option<ReferralAction> {
        ReferralAction::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A referral goes between a 人大常委会 and a 政法委, either way (the 常州 mechanism).
pub fn check_referral_pair(from: AgencyKind, to: AgencyKind) -> Result<(), Refusal> {
    use AgencyKind as K;
    match (from, to) {
        (K::PeoplesCongress, K::PoliticalLegalCommittee)
        | (K::PoliticalLegalCommittee, K::PeoplesCongress) => Ok(()),
        _ => Err(refuse(
            "referral_pair",
            "双向移送只在人大常委会与党委政法委之间进行",
        )),
    }
}

/// The referral's state after `action`. `sender` / `receiver`: the actor's side;
/// `item_closed`: whether the item the receiver opened is closed (销号).
pub fn referral_transition(
    state: ReferralState,
    action: ReferralAction,
    sender: bool,
    receiver: bool,
    item_closed: bool,
    note: &str,
) -> Result<ReferralState, Refusal> {
    use ReferralAction as A;
    use ReferralState as S;
    let from = |allowed: &[ReferralState]| {
        if allowed.contains(&state) {
            Ok(())
        } else {
            Err(refuse(
                "wrong_state",
                format!("移送处于“{}”，不能{}", state.zh(), action.zh()),
            ))
        }
    };
    let side = |ok: bool, who: &str| {
        if ok {
            Ok(())
        } else {
            Err(refuse(
                if who == "接收" {
                    "not_receiver"
                } else {
                    "not_sender"
                },
                format!("只有{who}单位可以{}", action.zh()),
            ))
        }
    };
    match action {
        A::Acknowledge => {
            from(&[S::Sent])?;
            side(receiver, "接收")?;
            Ok(S::Acknowledged)
        }
        A::Accept => {
            from(&[S::Sent, S::Acknowledged])?;
            side(receiver, "接收")?;
            Ok(S::Accepted)
        }
        A::Decline => {
            from(&[S::Sent, S::Acknowledged])?;
            side(receiver, "接收")?;
            if note.trim().is_empty() {
                return Err(refuse("note_required", "不予受理须写明理由"));
            }
            Ok(S::Declined)
        }
        A::ShareResult => {
            from(&[S::Accepted])?;
            side(receiver, "接收")?;
            if !item_closed {
                return Err(refuse("item_not_closed", "督办事项销号后才能反馈办理结果"));
            }
            Ok(S::ResultShared)
        }
        A::AcceptResult => {
            from(&[S::ResultShared])?;
            side(sender, "移送")?;
            Ok(S::ResultAccepted)
        }
    }
}

// --- joint supervision projects -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectState {
    Planning,
    Active,
    Closed,
}

impl ProjectState {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectState::Planning => "planning",
            ProjectState::Active => "active",
            ProjectState::Closed => "closed",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            ProjectState::Planning => "制定方案",
            ProjectState::Active => "实施中",
            ProjectState::Closed => "已结束",
        }
    }
    pub fn parse(s: &str) -> Option<ProjectState> {
        [
            ProjectState::Planning,
            ProjectState::Active,
            ProjectState::Closed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    AddMember,
    AddTask,
    Start,
    CompleteTask,
    ProgressReport,
    FinalReport,
}

/// Whether an actor may do `action` on a project in `state`; `lead`: of the lead body;
/// `member`: of a member body. Returns the project's state afterwards.
pub fn project_transition(
    state: ProjectState,
    action: ProjectAction,
    lead: bool,
    member: bool,
) -> Result<ProjectState, Refusal> {
    use ProjectAction as A;
    use ProjectState as S;
    if state == S::Closed {
        return Err(refuse("project_closed", "联合监督项目已结束"));
    }
    let need = |ok: bool, zh: &str| {
        if ok {
            Ok(())
        } else {
            Err(refuse("not_project_member", zh.to_string()))
        }
    };
    match action {
        A::AddMember | A::AddTask => {
            need(lead, "只有牵头单位可以调整成员和任务")?;
            Ok(state)
        }
        A::Start => {
            need(lead, "只有牵头单位可以启动项目")?;
            if state != S::Planning {
                return Err(refuse("wrong_state", "项目已启动"));
            }
            Ok(S::Active)
        }
        A::CompleteTask | A::ProgressReport => {
            need(lead || member, "只有项目成员单位可以报告进展")?;
            if state != S::Active {
                return Err(refuse("wrong_state", "项目尚未启动"));
            }
            Ok(state)
        }
        A::FinalReport => {
            need(lead, "只有牵头单位可以提交总结报告")?;
            if state != S::Active {
                return Err(refuse("wrong_state", "项目尚未启动"));
            }
            Ok(S::Closed)
        }
    }
}

/// The lead of a joint supervision project is a 人大常委会 or a 政法委.
pub fn check_project_lead(kind: AgencyKind) -> Result<(), Refusal> {
    match kind {
        AgencyKind::PeoplesCongress | AgencyKind::PoliticalLegalCommittee => Ok(()),
        _ => Err(refuse(
            "project_lead",
            "联合监督项目由人大常委会或党委政法委牵头",
        )),
    }
}

// --- interference records (三个规定, RULES.md §6) -----------------------------------------------------

macro_rules! labelled {
    ($(#[$m:meta])* $name:ident { $($v:ident => $s:literal, $zh:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($v,)* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)*];
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s,)* } }
            pub fn zh(self) -> &'static str { match self { $($name::$v => $zh,)* } }
            pub fn parse(s: &str) -> Option<$name> { match s { $($s => Some($name::$v),)* _ => None } }
        }
    };
}

labelled! {
    /// Who asked — the three instruments of RULES.md §6.1.
    InterferenceSource {
        Leader => "leader", "领导干部干预司法活动、插手具体案件";
        Insider => "insider", "司法机关内部人员过问案件";
        Contact => "contact", "当事人、律师、特殊关系人、中介组织不当接触交往";
    }
}

labelled! {
    /// How the request came (RULES.md §6.2, local forms).
    InterferenceChannel {
        InPerson => "in_person", "当面";
        Phone => "phone", "电话";
        Message => "message", "短信或网络消息";
        Letter => "letter", "书面（含发文发函）";
        Intermediary => "intermediary", "托人转达";
        Other => "other", "其他";
    }
}

labelled! {
    /// What the handler did (法发〔2015〕11号 arts. 2–4).
    InterferenceOutcome {
        Refused => "refused", "当场拒绝";
        Redirected => "redirected", "告知通过正当渠道反映";
        MaterialsReturned => "materials_returned", "退回或销毁违规转递的材料";
        Reported => "reported", "已报告组织";
        Other => "other", "其他";
    }
}

#[cfg(test)]
mod tests;
