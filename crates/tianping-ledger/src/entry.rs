//! What a Tianping leaf says.
//!
//! A leaf's data is one line of text:
//!
//! ```text
//! tianping-ledger/1 <index> <command> <entity>/<ref> <at> <alg>:<hex>
//! tianping-ledger/1 41 event_recorded events/77 2026-11-22T08:00:00Z sha256:9f…
//! ```
//!
//! - `index` — the leaf's own position, so a reordered log names the first leaf out of place;
//! - `command` — what happened ([`Command`]); `entity/ref` — the row it wrote (table and key);
//! - `alg:hex` — the digest of the row's recorded columns after the command, as a canonical
//!   JSON array of strings and nulls. `sha256` for public records; `salted-sha256` (SHA-256 of a
//!   16-byte random salt followed by the canonical form) for confidential ones, so the log never
//!   holds even an unsalted hash of a minors' or state-secret record. The salt stays in the store.

use crate::hash::Hash;

pub const FORMAT: &str = "tianping-ledger/1";

/// Why a leaf's data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("leaf data is malformed: {0}")]
    Malformed(String),
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    #[error("a record key may not contain spaces: {0:?}")]
    BadReference(String),
}

macro_rules! commands {
    ($($variant:ident => $name:literal, $entity:literal, $zh:literal;)*) => {
        /// Every kind of write that enters the ledger. Each writes one row of one table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command { $($variant,)* }

        impl Command {
            pub const ALL: &'static [Command] = &[$(Command::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Command::$variant => $name,)* }
            }

            /// The table whose row the command writes.
            pub fn entity(self) -> &'static str {
                match self { $(Command::$variant => $entity,)* }
            }

            /// The name shown to the auditor.
            pub fn zh(self) -> &'static str {
                match self { $(Command::$variant => $zh,)* }
            }

            pub fn parse(s: &str) -> Option<Command> {
                match s { $($name => Some(Command::$variant),)* _ => None }
            }
        }
    };
}

commands! {
    EventRecorded => "event_recorded", "events", "程序事件入库";
    OrgAdded => "org_added", "orgs", "新增机构";
    UserAdded => "user_added", "users", "新增用户";
    UserPasswordChanged => "user_password_changed", "users", "修改密码";
    UserPreferencesChanged => "user_preferences_changed", "users", "修改提醒设置";
    UserRoleGranted => "user_role_granted", "users", "授予角色和密级";
    WarningRaised => "warning_raised", "warnings", "生成预警";
    WarningEscalated => "warning_escalated", "warnings", "预警升级";
    WarningAcknowledged => "warning_acknowledged", "warnings", "预警签收";
    LetterIssued => "letter_issued", "letters", "制发函件";
    LetterDrafted => "letter_drafted", "letter_drafts", "函件拟稿送签";
    LetterDraftDecided => "letter_draft_decided", "letter_drafts", "函件签发、退回或撤回";
    ClockDueMoved => "clock_due_moved", "clock_changes", "期限变动";
    ClockChangeAcknowledged => "clock_change_acknowledged", "clock_changes", "期限变动确认";
    CalendarImported => "calendar_imported", "calendar_years", "导入节假日";
    EngineStateSet => "engine_state_set", "engine_state", "规则版本切换";
    FlagRaised => "flag_raised", "case_flags", "标注四类案件";
    FlagCleared => "flag_cleared", "case_flags", "取消四类案件标注";
    SupervisionActRecorded => "supervision_act_recorded", "supervision_acts", "记录院庭长监督措施";
    SupervisionActAnswered => "supervision_act_answered", "supervision_acts", "合议庭答复监督措施";
    InterferenceRecorded => "interference_recorded", "interference_records", "记录过问干预";
    ZeroReportSubmitted => "zero_report_submitted", "zero_reports", "提交零报告";
    ItemOpened => "item_opened", "supervision_items", "新立督办事项";
    ItemUpdated => "item_updated", "supervision_items", "督办事项流转";
    ItemStepRecorded => "item_step_recorded", "supervision_steps", "督办流转记录";
    EvidenceAdded => "evidence_added", "evidence", "上传整改材料";
    ReferralSent => "referral_sent", "referrals", "双向移送";
    ReferralUpdated => "referral_updated", "referrals", "移送办理";
    ProjectCreated => "project_created", "projects", "新建联合监督项目";
    ProjectUpdated => "project_updated", "projects", "联合监督项目变更";
    ProjectMemberAdded => "project_member_added", "project_members", "联合监督成员";
    ProjectTaskAdded => "project_task_added", "project_tasks", "联合监督任务";
    ProjectTaskDone => "project_task_done", "project_tasks", "完成联合监督任务";
    ProjectReportFiled => "project_report_filed", "project_reports", "联合监督报告";
    RetrievalReportSaved => "retrieval_report_saved", "retrieval_reports", "保存类案检索报告";
    DeviationWarned => "deviation_warned", "deviation_warnings", "量刑偏离预警";
    DeviationAcknowledged => "deviation_acknowledged", "deviation_warnings", "签收量刑偏离预警";
    SystemClientAdded => "system_client_added", "system_clients", "新增业务系统接入";
    SystemClientRevoked => "system_client_revoked", "system_clients", "吊销业务系统接入";
    AdminActionRecorded => "admin_action_recorded", "admin_actions", "记录管理操作";
    IncidentSampleDrawn => "incident_sample_drawn", "incident_samples", "警情抽样";
    PeopleSupervisorAppointed => "people_supervisor_appointed", "people_supervisors", "任命人民监督员";
    PeopleSupervisorRemoved => "people_supervisor_removed", "people_supervisors", "免除人民监督员职务";
    SupervisorActivityRequested => "supervisor_activity_requested", "supervisor_activities", "申请人民监督员参加监督活动";
    SupervisorDrawSet => "supervisor_draw_set", "supervisor_draws", "固定人民监督员抽选条件";
    SupervisorDrawValueGiven => "supervisor_draw_value_given", "supervisor_draws", "录入抽选随机源";
    SupervisorDrawn => "supervisor_drawn", "supervisor_draws", "抽选人民监督员";
    SupervisorDrawAborted => "supervisor_draw_aborted", "supervisor_draws", "中止人民监督员抽选";
    SupervisorInvited => "supervisor_invited", "supervisor_invitations", "通知人民监督员参加活动";
    SupervisorInvitationAnswered => "supervisor_invitation_answered", "supervisor_invitations", "登记人民监督员参加情况";
    SupervisorOpinionFiled => "supervisor_opinion_filed", "supervisor_opinions", "人民监督员提出监督意见";
    SupervisorOpinionAnswered => "supervisor_opinion_answered", "supervisor_opinions", "答复人民监督员监督意见";
    SupervisorRecorded => "supervisor_recorded", "supervisor_records", "记入人民监督员档案";
    SupervisorAllowancePaid => "supervisor_allowance_paid", "supervisor_allowances", "发放人民监督员履职补贴";
    FeedbackTokenIssued => "feedback_token_issued", "feedback_tokens", "签发司法公正码";
    FeedbackRated => "feedback_rated", "feedback_ratings", "群众评价";
    FeedbackDecided => "feedback_decided", "feedback_decisions", "群众评价复核决定";
    DishonestListed => "dishonest_listed", "dishonest_entries", "纳入失信被执行人名单";
    DishonestCauseRecorded => "dishonest_cause_recorded", "dishonest_entries", "登记失信名单删除事由";
    DishonestDeleted => "dishonest_deleted", "dishonest_entries", "删除失信被执行人名单信息";
    TypicalProposed => "typical_proposed", "typical_cases", "推荐典型案例";
    TypicalApproved => "typical_approved", "typical_cases", "审核同意发布典型案例";
    TypicalReturned => "typical_returned", "typical_cases", "退回典型案例";
    RefusalReferred => "refusal_referred", "refusal_referrals", "移送拒不执行判决、裁定犯罪线索";
    RefusalStepRecorded => "refusal_step_recorded", "refusal_steps", "登记拒执案件办理结果";
    DeputyRegistered => "deputy_registered", "deputies", "登记人大代表";
    DeputyAssigned => "deputy_assigned", "deputy_assignments", "交由人大代表协助执行";
    DeputyActionLogged => "deputy_action_logged", "deputy_actions", "人大代表记录协助情况";
    DeputyResultRecorded => "deputy_result_recorded", "deputy_results", "登记代表协助执行结果";
    CampaignOpened => "campaign_opened", "zhongben_campaigns", "部署终本库出清专项行动";
    DeputiesInvited => "deputies_invited", "deputy_invitations", "邀请人大代表视察、旁听庭审或见证执行";
    DeputyInvitationSent => "deputy_invitation_sent", "deputy_invitees", "向人大代表发出邀请";
    DeputyInvitationAnswered => "deputy_invitation_answered", "deputy_invitees", "人大代表答复邀请或提出意见";
    SuggestionSubmitted => "suggestion_submitted", "deputy_suggestions", "人大代表提出建议";
    SuggestionStepRecorded => "suggestion_step_recorded", "deputy_suggestions", "登记代表建议办理情况";
    SuggestionHandedToCongress => "suggestion_handed_to_congress", "deputy_suggestions", "检察建议移送人大常委会监督";
    SuggestionFollowedUp => "suggestion_followed_up", "deputy_suggestions", "人大常委会登记跟踪监督情况";
    SurveySent => "survey_sent", "deputy_surveys", "向人大代表发出问卷";
    SurveyRecipientAdded => "survey_recipient_added", "deputy_survey_recipients", "问卷发送对象";
    SurveyAnswered => "survey_answered", "deputy_survey_recipients", "人大代表填写问卷";
    EvaluationExpertAdded => "evaluation_expert_added", "evaluation_experts", "评查专家入库";
    EvaluationExpertRemoved => "evaluation_expert_removed", "evaluation_experts", "评查专家出库";
    EvaluationPlanned => "evaluation_planned", "evaluation_plans", "制定案件质量评查计划";
    EvaluationCaseDrawn => "evaluation_case_drawn", "evaluation_cases", "确定被评查案件及评查人";
    EvaluationActed => "evaluation_acted", "evaluation_cases", "案件评查评分、异议、复核或确认";
    EvaluationPlanExtended => "evaluation_plan_extended", "evaluation_plans", "延长评查截止日";
    CaseSelfChecked => "case_self_checked", "evaluation_self_checks", "承办检察官填报案件自查";
    DraftProofread => "draft_proofread", "proofread_drafts", "上传裁判文书文稿校对";
    ProofreadFindingFound => "proofread_finding_found", "proofread_findings", "文书校对发现问题";
    ProofreadFindingResolved => "proofread_finding_resolved", "proofread_findings", "处理文书校对意见";
    RetrievalConclusionWritten => "retrieval_conclusion_written", "retrieval_conclusions", "撰写类案检索结论";
}

/// How a record's digest was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlg {
    Sha256,
    SaltedSha256,
}

impl DigestAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlg::Sha256 => "sha256",
            DigestAlg::SaltedSha256 => "salted-sha256",
        }
    }
}

/// The digest of a record's recorded columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    pub alg: DigestAlg,
    pub hash: Hash,
}

/// Writes the canonical form of a record — its columns as a JSON array of strings and nulls —
/// to `out` in pieces (unescaped runs are passed through as they are).
fn write_canonical(fields: &[Option<&str>], out: &mut impl FnMut(&[u8])) {
    out(b"[");
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out(b",");
        }
        let Some(v) = f else {
            out(b"null");
            continue;
        };
        out(b"\"");
        let bytes = v.as_bytes();
        let mut start = 0;
        for (k, &b) in bytes.iter().enumerate() {
            let esc: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0..=0x1f => b"",
                _ => continue,
            };
            out(&bytes[start..k]);
            if esc.is_empty() {
                out(format!("\\u{:04x}", b).as_bytes());
            } else {
                out(esc);
            }
            start = k + 1;
        }
        out(&bytes[start..]);
        out(b"\"");
    }
    out(b"]");
}

/// The canonical form of a record: its columns as a JSON array of strings and nulls.
pub fn canonical(fields: &[Option<&str>]) -> String {
    let mut v = Vec::with_capacity(fields.iter().flatten().map(|f| f.len() + 3).sum::<usize>() + 2);
    write_canonical(fields, &mut |b| v.extend_from_slice(b));
    // Only ASCII is inserted between whole UTF-8 runs of the input.
    String::from_utf8(v).unwrap_or_default()
}

impl Digest {
    /// The digest of a record's columns; salted when a salt is given.
    pub fn of(fields: &[Option<&str>], salt: Option<&[u8; 16]>) -> Digest {
        use sha2::Digest as _;
        thread_local! {
            static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let mut h = sha2::Sha256::new();
        if let Some(s) = salt {
            h.update(s);
        }
        // Assembled in a reused buffer and hashed once (many small updates cost more).
        BUF.with_borrow_mut(|buf| {
            buf.clear();
            write_canonical(fields, &mut |b| buf.extend_from_slice(b));
            h.update(&buf[..]);
        });
        Digest {
            alg: if salt.is_some() {
                DigestAlg::SaltedSha256
            } else {
                DigestAlg::Sha256
            },
            hash: Hash(h.finalize().into()),
        }
    }
}

/// One leaf of the Tianping log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub index: u64,
    pub command: Command,
    pub reference: String,
    /// When the write happened (UTC RFC 3339, as stored).
    pub at: String,
    pub digest: Digest,
}

impl Entry {
    pub fn new(
        index: u64,
        command: Command,
        reference: impl Into<String>,
        at: impl Into<String>,
        digest: Digest,
    ) -> Result<Entry, EntryError> {
        let reference = reference.into();
        let at = at.into();
        if reference.is_empty() || reference.chars().any(char::is_whitespace) {
            return Err(EntryError::BadReference(reference));
        }
        if at.is_empty() || at.chars().any(char::is_whitespace) {
            return Err(EntryError::Malformed(format!("time {at:?}")));
        }
        Ok(Entry {
            index,
            command,
            reference,
            at,
            digest,
        })
    }

    pub fn entity(&self) -> &'static str {
        self.command.entity()
    }

    /// The leaf data (what is hashed into the tree).
    pub fn data(&self) -> String {
        let mut s = String::with_capacity(160);
        s.push_str(FORMAT);
        s.push(' ');
        s.push_str(&self.index.to_string());
        s.push(' ');
        s.push_str(self.command.as_str());
        s.push(' ');
        s.push_str(self.command.entity());
        s.push('/');
        s.push_str(&self.reference);
        s.push(' ');
        s.push_str(&self.at);
        s.push(' ');
        s.push_str(self.digest.alg.as_str());
        s.push(':');
        s.push_str(&self.digest.hash.to_hex());
        s
    }

    pub fn leaf_hash(&self) -> Hash {
        crate::hash::leaf_hash(self.data().as_bytes())
    }

    pub fn parse(data: &str) -> Result<Entry, EntryError> {
        let bad = || EntryError::Malformed(data.chars().take(200).collect());
        let mut parts = data.split(' ');
        if parts.next() != Some(FORMAT) {
            return Err(bad());
        }
        let index: u64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let cmd = parts.next().ok_or_else(bad)?;
        let command = Command::parse(cmd).ok_or_else(|| EntryError::UnknownCommand(cmd.into()))?;
        let (entity, reference) = parts
            .next()
            .and_then(|p| p.split_once('/'))
            .ok_or_else(bad)?;
        if entity != command.entity() {
            return Err(bad());
        }
        let at = parts.next().ok_or_else(bad)?;
        let (alg, hex) = parts
            .next()
            .and_then(|p| p.split_once(':'))
            .ok_or_else(bad)?;
        let alg = match alg {
            "sha256" => DigestAlg::Sha256,
            "salted-sha256" => DigestAlg::SaltedSha256,
            _ => return Err(bad()),
        };
        let hash = Hash::from_hex(hex).ok_or_else(bad)?;
        if parts.next().is_some() {
            return Err(bad());
        }
        let e = Entry::new(index, command, reference, at, Digest { alg, hash })?;
        // The text must be exactly what this entry writes (one spelling per leaf).
        if e.data() != data {
            return Err(bad());
        }
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_refuse_variants() {
        let d = Digest::of(&[Some("1"), None, Some("诉\"讼\n")], None);
        let e = Entry::new(41, Command::EventRecorded, "77", "2026-11-22T08:00:00Z", d).unwrap();
        let data = e.data();
        assert!(data.starts_with(
            "tianping-ledger/1 41 event_recorded events/77 2026-11-22T08:00:00Z sha256:"
        ));
        assert_eq!(Entry::parse(&data).unwrap(), e);
        assert!(Entry::parse(&data.replace("events/", "users/")).is_err());
        assert!(Entry::parse(&data.replace(" 41 ", " 041 ")).is_err());
        assert!(Entry::parse(&format!("{data} x")).is_err());
        assert!(matches!(
            Entry::parse(&data.replace("event_recorded", "event_erased")),
            Err(EntryError::UnknownCommand(_))
        ));
        assert!(Entry::new(1, Command::OrgAdded, "a b", "t", d).is_err());
    }

    #[test]
    fn salted_digests_differ_from_plain_and_by_salt() {
        let f = [Some("张三")];
        let plain = Digest::of(&f, None);
        let a = Digest::of(&f, Some(&[1; 16]));
        let b = Digest::of(&f, Some(&[2; 16]));
        assert_eq!(a.alg, DigestAlg::SaltedSha256);
        assert_ne!(plain.hash, a.hash);
        assert_ne!(a.hash, b.hash);
        assert_eq!(canonical(&f), "[\"张三\"]");
        assert_eq!(canonical(&[None, Some("\u{1}")]), "[null,\"\\u0001\"]");
    }

    proptest::proptest! {
        #[test]
        fn the_streamed_digest_is_the_hash_of_the_canonical_text(
            fields in proptest::collection::vec(proptest::option::of("\\PC*|[\"\\\\\n\r\t\u{0}-\u{1f}诉讼]*"), 0..6),
            salt in proptest::option::of(proptest::array::uniform16(0u8..)),
        ) {
            let f: Vec<Option<&str>> = fields.iter().map(|x| x.as_deref()).collect();
            let c = canonical(&f);
            let want = match &salt {
                None => crate::hash::sha256(&[c.as_bytes()]),
                Some(s) => crate::hash::sha256(&[s, c.as_bytes()]),
            };
            proptest::prop_assert_eq!(Digest::of(&f, salt.as_ref()).hash, want);
            // The canonical text is JSON: an array of the same strings.
            let back: Vec<Option<String>> = serde_json::from_str(&c).unwrap();
            proptest::prop_assert_eq!(back, fields);
        }
    }

    #[test]
    fn every_command_has_a_unique_name_and_parses_back() {
        let mut names = std::collections::HashSet::new();
        for c in Command::ALL {
            assert!(names.insert(c.as_str()));
            assert_eq!(Command::parse(c.as_str()), Some(*c));
            assert!(!c.zh().is_empty());
        }
    }
}
