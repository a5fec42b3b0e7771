//! Who may do what, decided from plain facts (the acting person, their organisation's kind, the
//! case's agency kind). Pages, the API and the store ask these predicates instead of writing their
//! own role checks, so one rule has one home and one table test.

use crate::event::{EventBody, EventRejection};
use crate::org::{AgencyKind, Role};

/// A person acting through the UI or the API: as opposed to an agency's system or the operator's
/// CLI, a person only ever acts as themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// Whether a person may record `body`. An event that carries an approval (or refusal) records
/// someone's decision: a person may only record their own (security finding H1). Someone else's
/// approval reaches Tianping only from the agency's own system (import by the operator), never
/// from a person's session.
pub fn may_record(person: &Person, body: &EventBody) -> Result<(), EventRejection> {
    let Some(a) = body.approver() else {
        return Ok(());
    };
    if !person.role.approves() {
        return Err(EventRejection::new(
            "approval_not_own",
            "approver",
            format!(
                "“{}”无审批权限，不能记录审批决定；请提交申请，由庭长或院长本人在天平中审批",
                person.role.zh()
            ),
        ));
    }
    if a.role != person.role || a.name.trim() != person.display_name.trim() {
        return Err(EventRejection::new(
            "approval_not_own",
            "approver",
            format!(
                "只能以本人身份审批：当前登录用户为“{}（{}）”，事件所载批准人为“{}（{}）”",
                person.display_name,
                person.role.zh(),
                a.name,
                a.role.zh()
            ),
        ));
    }
    Ok(())
}

/// The reader of a case, as need-to-know needs them.
pub struct Reader<'a> {
    pub display_name: &'a str,
    pub role: Role,
    pub org_id: &'a str,
}

/// Who holds a case: its court (or agency) and the people assigned to it.
pub struct Assignment<'a> {
    pub org_id: &'a str,
    /// The 承办人, by name as the agency's system records it.
    pub judge: Option<&'a str>,
    /// The panel (合议庭), by name.
    pub panel: &'a [String],
    /// The 书记员, by name.
    pub clerk: Option<&'a str>,
}

/// Need-to-know: the people assigned to a case (承办人, the panel, the 书记员) and the president of its own
/// organisation, who supervises it, read it whole whatever their clearance; everyone else reads
/// it by clearance. People are matched by name within the case's own organisation, as the
/// agencies' systems record them.
pub fn needs_to_know(r: &Reader<'_>, a: &Assignment<'_>) -> bool {
    if r.org_id != a.org_id {
        return false;
    }
    let name = r.display_name.trim();
    let named = |n: &str| n.trim() == name;
    let assigned = matches!(
        r.role,
        Role::Judge | Role::Clerk | Role::DivisionChief | Role::President
    ) && !name.is_empty()
        && (a.judge.is_some_and(named)
            || a.panel.iter().any(|p| named(p))
            || a.clerk.is_some_and(named));
    assigned || r.role == Role::President
}

/// Whether a procuratorate reads a police file (within its region, checked separately): it
/// supervises investigation — 立案监督 and 侦查活动监督 (CrimPL 2018 arts. 8, 113; 规则 2019 ch. 13).
/// Lists, metrics and boards stay its own kind; a police file is opened from a supervision view or
/// a person's path.
pub fn supervises_investigation(org: AgencyKind, record: AgencyKind) -> bool {
    org.supervises_investigation_of(record)
}

/// Whether a user draws (and reads) random samples of the 警情 in their region for checking: the
/// police's 法制 unit and heads, and the procuratorate's supervising staff (侦查监督).
pub fn draws_incident_samples(role: Role, org: AgencyKind) -> bool {
    matches!(org, AgencyKind::Police | AgencyKind::Procuratorate)
        && matches!(
            role,
            Role::CaseOffice | Role::President | Role::DivisionChief
        )
}

/// Whether a user keeps the people's supervisors' registry and runs their draws: the justice
/// bureau's administrators (选任管理办法 2021: the justice administration selects, draws,
/// reviews recusals and assesses).
pub fn keeps_people_supervisors(role: Role, org: AgencyKind) -> bool {
    role == Role::JusticeAdmin && org == AgencyKind::JusticeBureau
}

/// Whether a user asks for people's supervisors for an activity, records who came and answers
/// their opinions: the procuratorate's case-handling and management staff.
pub fn invites_people_supervisors(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::Procuratorate
        && matches!(
            role,
            Role::Judge | Role::DivisionChief | Role::President | Role::CaseOffice
        )
}

/// Whether a user raises a supervision item on a people's supervisor's opinion the procuratorate
/// below left unanswered past its due day: the procuratorate's supervising staff (案件管理,
/// heads) — of a procuratorate above the one that asked, checked with the record.
pub fn supervises_opinion_answers(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::Procuratorate
        && matches!(
            role,
            Role::CaseOffice | Role::President | Role::DivisionChief
        )
}

/// Whether a user keeps the court's 失信被执行人名单 (lists a debtor of an execution case of their
/// court, records the cause of deletion, deletes): the court's execution judges, heads and
/// case-management office.
pub fn keeps_dishonest_list(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::Court
        && matches!(
            role,
            Role::Judge | Role::DivisionChief | Role::President | Role::CaseOffice
        )
}

/// Whether a user issues the public's rating codes (司法公正码) of a court's cases and windows:
/// the court's filing and case-management staff and the judges and clerks who send the case's
/// documents — of the case's own court, checked with the record.
pub fn issues_feedback_codes(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::Court
        && matches!(
            role,
            Role::Judge | Role::Clerk | Role::DivisionChief | Role::President | Role::CaseOffice
        )
}

/// Whether a user reads the public's ratings one by one, with the contact a person left for a
/// call-back: the court's case-management office and its heads (their region's courts).
pub fn reads_ratings(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::Court
        && matches!(
            role,
            Role::CaseOffice | Role::President | Role::DivisionChief
        )
}

/// Whether a user reads the 司法公正感受度 index and its ratings without contacts: those who read
/// ratings, and the 人大 and 政法委 supervisors of the region (the court-by-court comparison
/// they review).
pub fn reads_feedback_index(role: Role, org: AgencyKind) -> bool {
    reads_ratings(role, org)
        || (org.supervises_all_kinds()
            && matches!(
                role,
                Role::PlcSupervisor | Role::PcSupervisor | Role::Deputy
            ))
}

/// Whether a user records a decision on a rating (reviewed; set aside as mistaken or malicious):
/// the court's case-management office and its heads; never the rated case's judge
/// (`feedback::check_decision`).
pub fn decides_on_ratings(role: Role, org: AgencyKind) -> bool {
    reads_ratings(role, org)
}

/// Whether a user proposes a typical case: the court's judges, heads and case-management office
/// (cases of their court), and the procuratorate's prosecutors, heads and case-management office
/// (cases of their region) — checked with the record.
pub fn proposes_typical_cases(role: Role, org: AgencyKind) -> bool {
    crate::typical::Side::of(org).is_some()
        && matches!(
            role,
            Role::Judge | Role::DivisionChief | Role::President | Role::CaseOffice
        )
}

/// Whether a user approves a typical case for release on their side: the heads (院庭长,
/// 检察长 and 部门负责人) of the court or procuratorate — never the one who proposed it.
pub fn approves_typical_cases(role: Role, org: AgencyKind) -> bool {
    crate::typical::Side::of(org).is_some() && matches!(role, Role::DivisionChief | Role::President)
}

/// Whether a user refers a debtor for 拒执: the court's execution judges, heads and
/// case-management office (of the case's own court, checked with the record).
pub fn refers_refusal(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::Court
        && matches!(
            role,
            Role::Judge | Role::DivisionChief | Role::President | Role::CaseOffice
        )
}

/// Whether a user records a step of their agency: its case handlers, heads and case-management
/// (法制) office.
pub fn records_refusal_step(role: Role, org: AgencyKind, step: crate::refusal::Step) -> bool {
    org == step.by()
        && matches!(
            role,
            Role::Judge | Role::DivisionChief | Role::President | Role::CaseOffice
        )
}

/// Whether a user reads the 拒执 referrals of their region: the case handlers, heads and
/// case-management offices of the three agencies the referral passes through.
pub fn reads_refusal_referrals(role: Role, org: AgencyKind) -> bool {
    matches!(
        org,
        AgencyKind::Court | AgencyKind::Procuratorate | AgencyKind::Police
    ) && matches!(
        role,
        Role::Judge | Role::DivisionChief | Role::President | Role::CaseOffice
    )
}

/// Whether a user keeps the deputies' registry (adds deputies, links their logins): the 人大
/// standing committee's staff of the region.
pub fn keeps_deputies(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::PeoplesCongress && role == Role::PcSupervisor
}

/// Whether a user asks a deputy to help with a 终本 case of their court (执行监督员) and records
/// the court's result: the court's execution judges, heads and case-management office. Deputies
/// never record a result — they support, they do not decide.
pub fn assigns_deputies(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::Court
        && matches!(
            role,
            Role::Judge | Role::DivisionChief | Role::President | Role::CaseOffice
        )
}

/// Whether a user reads the deputies' registry and the cases given to deputies of their region:
/// the registry's keepers, the courts that give cases, and deputies (their own cases only,
/// checked with the record).
pub fn reads_deputy_assistance(role: Role, org: AgencyKind) -> bool {
    keeps_deputies(role, org) || assigns_deputies(role, org) || role == Role::Deputy
}

/// Whether a user invites deputies to inspect, sit in on a hearing, witness an enforcement or a
/// forum, and records their absences: a court's or procuratorate's heads and case-management
/// office.
pub fn invites_deputies(role: Role, org: AgencyKind) -> bool {
    matches!(org, AgencyKind::Court | AgencyKind::Procuratorate)
        && matches!(
            role,
            Role::DivisionChief | Role::President | Role::CaseOffice
        )
}

/// Whether a user handles deputies' suggestions addressed to their procuratorate (takes them as
/// public-interest leads, issues recommendations, records replies, reports back, hands them to the
/// 人大): the procuratorate's prosecutors, heads and case-management office.
pub fn handles_suggestions(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::Procuratorate
        && matches!(
            role,
            Role::Judge | Role::DivisionChief | Role::President | Role::CaseOffice
        )
}

/// Whether a user reads deputies' suggestions: the procuratorates that handle them and the
/// 人大's staff of the region; a deputy their own (checked with the record).
pub fn reads_suggestions(role: Role, org: AgencyKind) -> bool {
    handles_suggestions(role, org) || keeps_deputies(role, org) || role == Role::Deputy
}

/// Whether a user reads the 终本库出清 campaign board of their region: the courts, the
/// procuratorate that supervises execution, the 政法委 and the 人大 with its deputies.
pub fn reads_campaigns(role: Role, org: AgencyKind) -> bool {
    match org {
        AgencyKind::Court | AgencyKind::Procuratorate => matches!(
            role,
            Role::Judge | Role::DivisionChief | Role::President | Role::CaseOffice
        ),
        AgencyKind::PeoplesCongress => matches!(role, Role::PcSupervisor | Role::Deputy),
        AgencyKind::PoliticalLegalCommittee => role == Role::PlcSupervisor,
        _ => false,
    }
}

/// Whether a user opens a 终本库出清 campaign for their region (a target and a period): a court's
/// president or case-management office, or the 政法委 that leads it.
pub fn runs_campaigns(role: Role, org: AgencyKind) -> bool {
    (org == AgencyKind::Court && matches!(role, Role::President | Role::CaseOffice))
        || (org == AgencyKind::PoliticalLegalCommittee && role == Role::PlcSupervisor)
}

/// Whether a user makes case quality evaluation plans (评查) for their region, keeps the expert
/// pool and confirms results: a court's or procuratorate's case office (审管办、案管办) and its
/// head, and the 政法委 for a cross evaluation of the courts and procuratorates below it.
pub fn runs_evaluations(role: Role, org: AgencyKind) -> bool {
    (matches!(org, AgencyKind::Court | AgencyKind::Procuratorate)
        && matches!(role, Role::CaseOffice | Role::President))
        || (org == AgencyKind::PoliticalLegalCommittee && role == Role::PlcSupervisor)
}

/// Whether a user reads the evaluation plans and results of their region (the quality file of
/// each judge and court): those who run them, the division chiefs who answer for their
/// judges, and the 人大's 监察司法委. Evaluators and evaluated judges read their own cases'
/// results, checked with the record.
pub fn reads_evaluations(role: Role, org: AgencyKind) -> bool {
    runs_evaluations(role, org)
        || (matches!(org, AgencyKind::Court | AgencyKind::Procuratorate)
            && role == Role::DivisionChief)
        || (org == AgencyKind::PeoplesCongress && role == Role::PcSupervisor)
}

/// Whether a user files 案件自查 for the closed cases they handled: a procuratorate's
/// prosecutor (the self-check is always of one's own case, checked with the record).
pub fn files_self_checks(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::Procuratorate && role == Role::Judge
}

/// Whether a user reads the 案件自查 of the procuratorates in their region: those who read the
/// evaluations of procuratorates (the 案管办 and its head, division chiefs, the 政法委 and the
/// 人大's supervisors).
pub fn reads_self_checks(role: Role, org: AgencyKind) -> bool {
    reads_evaluations(role, org) && sees_agency(org, AgencyKind::Procuratorate)
}

/// Whether a user proofreads draft judgments of their court's cases (文书校对): those who write
/// them — judges, clerks and assistants, division chiefs and presidents who sit.
pub fn proofreads_drafts(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::Court
        && matches!(
            role,
            Role::Judge | Role::Clerk | Role::DivisionChief | Role::President
        )
}

/// Whether a user reads the unresolved proofreading findings counted by judge and court: the
/// court's case office (审管办), president and division chiefs for the courts in their region.
pub fn reads_proofreading(role: Role, org: AgencyKind) -> bool {
    org == AgencyKind::Court
        && matches!(
            role,
            Role::CaseOffice | Role::President | Role::DivisionChief
        )
}

/// Whether a user watches the process nodes (流程节点) of the courts in their region: the
/// court's case office (审管办), which is told of late nodes silently, and the court's
/// president and division chiefs; the 政法委 reads the same list for the courts below it.
/// Judges are told only of their own nodes a flow says to tell them of.
pub fn watches_nodes(role: Role, org: AgencyKind) -> bool {
    (org == AgencyKind::Court
        && matches!(
            role,
            Role::CaseOffice | Role::President | Role::DivisionChief
        ))
        || (org == AgencyKind::PoliticalLegalCommittee && role == Role::PlcSupervisor)
}

/// Whether a user reviews the risk points (执法司法风险点) of their region — the catalogue, each
/// quarter's hits per court, post and person, the quarterly report: a court's or procuratorate's
/// case office and president, and the 政法委, which keeps the catalogue for the region.
pub fn reviews_risks(role: Role, org: AgencyKind) -> bool {
    (matches!(org, AgencyKind::Court | AgencyKind::Procuratorate)
        && matches!(role, Role::CaseOffice | Role::President))
        || (org == AgencyKind::PoliticalLegalCommittee && role == Role::PlcSupervisor)
}

/// Whether a user reads the activities people's supervisors are asked to (their region's): the
/// two sides that run them, and the supervisors themselves (their own only, checked with the
/// record).
pub fn reads_supervisor_activities(role: Role, org: AgencyKind) -> bool {
    keeps_people_supervisors(role, org)
        || invites_people_supervisors(role, org)
        || role == Role::PeopleSupervisor
}

/// Whether a user follows a person's path across agencies (人员全流程): staff of the criminal
/// chain's agencies (police, procuratorate, court) and the bodies that supervise them (政法委,
/// 人大) who read cases — within their own region, checked with the record. The chain shares it:
/// the court credits the police's custody against the sentence, the police learn the judgment.
/// Justice bureaus, deputies and people's supervisors do not.
pub fn follows_person(role: Role, org: AgencyKind) -> bool {
    role.reads_cases() && org != AgencyKind::JusticeBureau && role != Role::Deputy
}

/// Whether an organisation of kind `org` sees records that belong to an agency of kind `record`
/// (cases, interference records, moved due dates): its own kind, or every kind for the bodies
/// that supervise all agencies (人大, 政法委). Region scope is checked separately.
pub fn sees_agency(org: AgencyKind, record: AgencyKind) -> bool {
    org.supervises_all_kinds() || org == record
}

/// Whether a user may acknowledge (签收) a clock warning on a case of `case_kind`. Acknowledging
/// silences escalation, so only the case's own chain — staff of the agency that holds the case —
/// may do it; supervisors (人大, 政法委) watch and never silence (finding M5).
pub fn may_acknowledge_warning(role: Role, org: AgencyKind, case_kind: AgencyKind) -> bool {
    matches!(
        role,
        Role::Judge | Role::DivisionChief | Role::President | Role::CaseOffice
    ) && org == case_kind
}

/// Whether a user may acknowledge the moved due dates (期限变动) of their own agency's cases.
pub fn may_acknowledge_changes(role: Role, org: AgencyKind) -> bool {
    matches!(role, Role::CaseOffice | Role::President) && org.handles_cases()
}

/// Whether a user may add, list and revoke agencies' system clients (machine credentials):
/// the security administrator alone (三员分立: the system administrator manages accounts, the
/// security administrator grants rights).
pub fn may_manage_system_clients(role: Role) -> bool {
    role == Role::Secadmin
}

/// Whether a user reads the audit trails (the ledger, confidential reads): the security auditor.
pub fn may_audit(role: Role) -> bool {
    role == Role::Auditor
}

/// Whether a user may reset someone's second factor: the security administrator, never for their
/// own account (nobody acts on their own account's rights).
pub fn may_reset_second_factor(role: Role, own_account: bool) -> bool {
    role == Role::Secadmin && !own_account
}

/// Whether a user issues reminder letters (提示函、督办函、警示函) on their court's warned cases,
/// and signs for (签收) its 量刑偏离预警: a court's case office or president.
pub fn may_issue_letters(role: Role, org: AgencyKind) -> bool {
    matches!(role, Role::CaseOffice | Role::President) && org == AgencyKind::Court
}

/// Whether a user signs (签发) letters in the court's name — a 督办函 or 警示函 a case office
/// drafted — and issues any letter without another's signature: a court's president.
pub fn may_sign_letters(role: Role, org: AgencyKind) -> bool {
    role == Role::President && org == AgencyKind::Court
}

/// Whether a letter of this kind, issued by this role, waits for a president's 签发: a 提示函 is the
/// case office's own reminder; a 督办函 or 警示函 speaks for the court and is signed by its
/// leadership (a president issuing one signs it themselves).
pub fn letter_needs_signature(role: Role, org: AgencyKind, signed_kind: bool) -> bool {
    signed_kind && !may_sign_letters(role, org)
}

/// Whether a user records a 院庭长 supervision act (RULES.md §5.3) on a case of their court: a
/// president or a division chief.
pub fn may_record_act(role: Role, org: AgencyKind) -> bool {
    matches!(role, Role::President | Role::DivisionChief) && org == AgencyKind::Court
}

/// Whether a user answers a supervision act on a case they may write: the judge or the division
/// chief.
pub fn may_answer_act(role: Role) -> bool {
    matches!(role, Role::Judge | Role::DivisionChief)
}

/// Whether a user clears a 四类案件 flag on a case they may write: a president, a division chief
/// or the case office (a judge does not clear the flag on their own case).
pub fn may_clear_flag(role: Role) -> bool {
    matches!(
        role,
        Role::President | Role::DivisionChief | Role::CaseOffice
    )
}

/// Whether a user records interference (过问案件, 三个规定) and submits the quarter's zero report:
/// the people who record a case's events.
pub fn records_interference(role: Role) -> bool {
    role.records_events()
}

/// Whether a user reads the interference records and the quarterly report of their scope: a
/// president, the case office, and the 政法委's supervisors.
pub fn sees_interference(role: Role) -> bool {
    matches!(
        role,
        Role::President | Role::CaseOffice | Role::PlcSupervisor
    )
}

/// Whether a user opens supervision items (督办事项) on units below them and verifies their
/// rectification: case offices and leaders of the agencies, and the supervisors of the 人大 and
/// the 政法委.
pub fn supervises(role: Role) -> bool {
    matches!(
        role,
        Role::CaseOffice
            | Role::President
            | Role::DivisionChief
            | Role::PlcSupervisor
            | Role::PcSupervisor
    )
}

/// Whether a user acts for a unit made responsible for an item (rectifies, submits): the
/// supervising roles and judges.
pub fn rectifies(role: Role) -> bool {
    supervises(role) || role == Role::Judge
}

/// Whether a user refers problems between the 人大常委会 and the 政法委 (双向移送) and answers
/// referrals: their supervisors, in their own body.
pub fn may_refer(role: Role, org: AgencyKind) -> bool {
    matches!(role, Role::PlcSupervisor | Role::PcSupervisor) && org.supervises_all_kinds()
}

/// Whether a user imports holiday calendars and sees how the system runs (mail deliveries
/// without their content, the poller's self-check without cases): the system administrator.
pub fn operates_the_system(role: Role) -> bool {
    role == Role::Sysadmin
}

/// Whether a user reads the clocks that should have fired and did not (期限自检): the case
/// office, presidents, and the system administrator (who sees no case in it).
pub fn may_check_clocks(role: Role) -> bool {
    matches!(role, Role::CaseOffice | Role::President) || operates_the_system(role)
}

/// Whether a user opens the account administration (用户): the system and the security
/// administrators, each for their own acts (`may_administer`).
pub fn administers_accounts(role: Role) -> bool {
    matches!(role, Role::Sysadmin | Role::Secadmin)
}

/// What an administrator does to accounts and organisations (三员分立).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAct {
    /// Open an account (username, name, unit, the role its unit asks for): it works only once
    /// the security administrator has granted the role.
    Open,
    /// Disable or re-enable an account.
    Disable,
    /// Grant (or change) an account's role and clearances.
    Grant,
    /// Add an organisation to the directory.
    AddOrg,
    /// Lift a login lock (too many wrong passwords) before it runs out.
    Unlock,
    /// Set a temporary password for someone who lost theirs; they must choose their own at their
    /// next login. The second factor is the security administrator's to reset, so neither
    /// administrator alone can take over an account that has one.
    ResetPassword,
}

/// Why an administrator may not do `act` (`None`: they may). 三员分立: the system administrator
/// opens and disables accounts and adds organisations but grants nothing; the security
/// administrator grants roles and clearances but opens no account; the auditor changes nothing;
/// and nobody acts on their own account.
pub fn may_administer(role: Role, act: AccountAct, own_account: bool) -> Option<&'static str> {
    let allowed = match act {
        AccountAct::Open
        | AccountAct::Disable
        | AccountAct::AddOrg
        | AccountAct::Unlock
        | AccountAct::ResetPassword => role == Role::Sysadmin,
        AccountAct::Grant => role == Role::Secadmin,
    };
    if !allowed {
        return Some(match act {
            AccountAct::Open => "开设账号（仅系统管理员）",
            AccountAct::Disable => "停用或启用账号（仅系统管理员）",
            AccountAct::AddOrg => "新增机构（仅系统管理员）",
            AccountAct::Grant => "授予角色和密级（仅安全管理员）",
            AccountAct::Unlock => "解除登录锁定（仅系统管理员）",
            AccountAct::ResetPassword => "重置密码（仅系统管理员）",
        });
    }
    if own_account {
        return Some("对本人账号的权限操作（须由其他管理员办理）");
    }
    None
}

/// The path a form may send the browser back to: a path on this site only. Anything a browser
/// could read as another host (`//x`, `/\x`, a scheme, control characters) falls back to
/// `fallback` (the open-redirect finding).
pub fn safe_back<'a>(back: &'a str, fallback: &'a str) -> &'a str {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && !back.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok { back } else { fallback }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every role-and-agency predicate over every role and agency kind: the cells allowed, one
    /// row per predicate (everything else is refused).
    #[test]
    fn who_may_act_table() {
        use AgencyKind::*;
        use Role::*;
        type Pred = fn(Role, AgencyKind) -> bool;
        let any = AgencyKind::ALL;
        let table: &[(&str, Pred, &[Role], &[AgencyKind])] = &[
            (
                "may_issue_letters",
                may_issue_letters,
                &[CaseOffice, President],
                &[Court],
            ),
            ("may_sign_letters", may_sign_letters, &[President], &[Court]),
            (
                "may_record_act",
                may_record_act,
                &[President, DivisionChief],
                &[Court],
            ),
            (
                "may_answer_act",
                |r, _| may_answer_act(r),
                &[Judge, DivisionChief],
                &any,
            ),
            (
                "may_clear_flag",
                |r, _| may_clear_flag(r),
                &[President, DivisionChief, CaseOffice],
                &any,
            ),
            (
                "records_interference",
                |r, _| records_interference(r),
                &[Judge, Clerk, DivisionChief, President, CaseOffice],
                &any,
            ),
            (
                "sees_interference",
                |r, _| sees_interference(r),
                &[President, CaseOffice, PlcSupervisor],
                &any,
            ),
            (
                "supervises",
                |r, _| supervises(r),
                &[
                    CaseOffice,
                    President,
                    DivisionChief,
                    PlcSupervisor,
                    PcSupervisor,
                ],
                &any,
            ),
            (
                "rectifies",
                |r, _| rectifies(r),
                &[
                    Judge,
                    CaseOffice,
                    President,
                    DivisionChief,
                    PlcSupervisor,
                    PcSupervisor,
                ],
                &any,
            ),
            (
                "may_refer",
                may_refer,
                &[PlcSupervisor, PcSupervisor],
                &[PeoplesCongress, PoliticalLegalCommittee],
            ),
            (
                "operates_the_system",
                |r, _| operates_the_system(r),
                &[Sysadmin],
                &any,
            ),
            (
                "administers_accounts",
                |r, _| administers_accounts(r),
                &[Sysadmin, Secadmin],
                &any,
            ),
            (
                "keeps_people_supervisors",
                keeps_people_supervisors,
                &[JusticeAdmin],
                &[JusticeBureau],
            ),
            (
                "invites_people_supervisors",
                invites_people_supervisors,
                &[Judge, DivisionChief, President, CaseOffice],
                &[Procuratorate],
            ),
            (
                "keeps_dishonest_list",
                keeps_dishonest_list,
                &[Judge, DivisionChief, President, CaseOffice],
                &[Court],
            ),
            (
                "issues_feedback_codes",
                issues_feedback_codes,
                &[Judge, Clerk, DivisionChief, President, CaseOffice],
                &[Court],
            ),
            (
                "reads_ratings",
                reads_ratings,
                &[CaseOffice, President, DivisionChief],
                &[Court],
            ),
            (
                "decides_on_ratings",
                decides_on_ratings,
                &[CaseOffice, President, DivisionChief],
                &[Court],
            ),
            ("may_audit", |r, _| may_audit(r), &[Auditor], &any),
            (
                "may_check_clocks",
                |r, _| may_check_clocks(r),
                &[CaseOffice, President, Sysadmin],
                &any,
            ),
        ];
        for (name, pred, roles, kinds) in table {
            for role in Role::ALL {
                for kind in AgencyKind::ALL {
                    let expected = roles.contains(&role) && kinds.contains(&kind);
                    assert_eq!(pred(role, kind), expected, "{name}({role:?}, {kind:?})");
                }
            }
        }
        // Evaluation plans: the case office and head of a court or procuratorate, or the 政法委.
        for role in Role::ALL {
            for kind in AgencyKind::ALL {
                let runs = (matches!(kind, Court | Procuratorate)
                    && matches!(role, CaseOffice | President))
                    || (kind == PoliticalLegalCommittee && role == PlcSupervisor);
                assert_eq!(runs_evaluations(role, kind), runs, "{role:?} {kind:?}");
                let reads = runs
                    || (matches!(kind, Court | Procuratorate) && role == DivisionChief)
                    || (kind == PeoplesCongress && role == PcSupervisor);
                assert_eq!(reads_evaluations(role, kind), reads, "{role:?} {kind:?}");
                // A third-party evaluator reads no case file by scope, and runs nothing.
                if role == Evaluator {
                    assert!(!reads && !role.reads_cases() && !role.records_events());
                }
            }
        }
        // Nobody who watches a case's agency from outside (人大, 政法委) issues its letters or
        // records its acts, whatever their role.
        for role in Role::ALL {
            assert!(!may_issue_letters(role, PeoplesCongress));
            assert!(!may_record_act(role, PoliticalLegalCommittee));
        }
    }
    use crate::event::{Approver, PeriodUnit};

    fn person(name: &str, role: Role) -> Person {
        Person {
            username: "u".into(),
            display_name: name.into(),
            role,
        }
    }

    fn approval(name: &str, role: Role) -> EventBody {
        EventBody::ExtensionApproved {
            approver: Approver {
                name: name.into(),
                role,
                org: None,
            },
            amount: 6,
            unit: PeriodUnit::Month,
            ground: None,
        }
    }

    #[test]
    fn a_person_approves_only_as_themselves() {
        use Role::*;
        // (who acts, whose approval the event carries, allowed)
        let table = [
            (("张法官", Judge), ("孙院长", President), false),
            (("张法官", Judge), ("张法官", Judge), false),
            (("孙院长", President), ("孙院长", President), true),
            (("孙院长", President), (" 孙院长 ", President), true),
            (("孙院长", President), ("钱院长", President), false),
            (("孙院长", President), ("孙院长", DivisionChief), false),
            (("李庭长", DivisionChief), ("李庭长", DivisionChief), true),
            (("审管办", CaseOffice), ("孙院长", President), false),
        ];
        for ((who, role), (name, arole), ok) in table {
            let r = may_record(&person(who, role), &approval(name, arole));
            assert_eq!(r.is_ok(), ok, "{who} recording {name}'s approval");
            if let Err(e) = r {
                assert_eq!((e.code, e.field.as_str()), ("approval_not_own", "approver"));
            }
        }
        // Events without an approval are not this predicate's business.
        assert!(may_record(&person("张法官", Judge), &EventBody::HearingHeld).is_ok());
        let suspended = EventBody::Suspended {
            reason: "x".into(),
            approver: Approver {
                name: "孙院长".into(),
                role: President,
                org: None,
            },
        };
        assert!(may_record(&person("张法官", Judge), &suspended).is_err());
    }

    #[test]
    fn three_administrators_each_do_only_their_part() {
        use AccountAct::*;
        use Role::*;
        // (who, act, on their own account, allowed)
        let table = [
            (Sysadmin, Open, false, true),
            (Sysadmin, Disable, false, true),
            (Sysadmin, Disable, true, false),
            (Sysadmin, AddOrg, false, true),
            (Sysadmin, Grant, false, false),
            (Secadmin, Grant, false, true),
            (Secadmin, Grant, true, false),
            (Secadmin, Open, false, false),
            (Secadmin, Disable, false, false),
            (Secadmin, AddOrg, false, false),
            (Sysadmin, Unlock, false, true),
            (Sysadmin, ResetPassword, false, true),
            (Sysadmin, ResetPassword, true, false),
            (Secadmin, Unlock, false, false),
            (Secadmin, ResetPassword, false, false),
            (Auditor, ResetPassword, false, false),
            (CaseOffice, Unlock, false, false),
            (Auditor, Open, false, false),
            (Auditor, Grant, false, false),
            (Auditor, Disable, false, false),
            (President, Grant, false, false),
            (CaseOffice, Open, false, false),
        ];
        for (role, act, own, ok) in table {
            assert_eq!(
                may_administer(role, act, own).is_none(),
                ok,
                "{role:?} {act:?} own={own}"
            );
        }
    }

    #[test]
    fn the_assigned_and_their_president_need_to_know() {
        use Role::*;
        let panel = vec!["王法官".to_string()];
        let case = Assignment {
            org_id: "sc-court",
            judge: Some("张法官"),
            panel: &panel,
            clerk: Some("冯书记员"),
        };
        let r = |name, role, org| Reader {
            display_name: name,
            role,
            org_id: org,
        };
        assert!(needs_to_know(&r("张法官", Judge, "sc-court"), &case));
        assert!(needs_to_know(&r("王法官", Judge, "sc-court"), &case));
        assert!(needs_to_know(&r("孙院长", President, "sc-court"), &case));
        assert!(!needs_to_know(&r("李法官", Judge, "sc-court"), &case));
        assert!(needs_to_know(&r("冯书记员", Clerk, "sc-court"), &case));
        assert!(!needs_to_know(&r("陈书记员", Clerk, "sc-court"), &case));
        assert!(!needs_to_know(&r("冯书记员", Clerk, "xh-court"), &case));
        // A case office user who happens to share the clerk's name is not the clerk.
        assert!(!needs_to_know(
            &r("冯书记员", CaseOffice, "sc-court"),
            &case
        ));
        assert!(!needs_to_know(&r("审管办", CaseOffice, "sc-court"), &case));
        assert!(!needs_to_know(&r("张法官", Judge, "xh-court"), &case));
        assert!(!needs_to_know(&r("钱院长", President, "hz-court"), &case));
        assert!(!needs_to_know(
            &r("", Judge, "sc-court"),
            &Assignment {
                judge: Some(""),
                ..case
            }
        ));
    }

    #[test]
    fn only_the_case_chain_acknowledges_warnings() {
        use AgencyKind::*;
        use Role::*;
        assert!(may_acknowledge_warning(Judge, Court, Court));
        assert!(may_acknowledge_warning(
            CaseOffice,
            Procuratorate,
            Procuratorate
        ));
        assert!(!may_acknowledge_warning(CaseOffice, Procuratorate, Court));
        assert!(!may_acknowledge_warning(
            PcSupervisor,
            PeoplesCongress,
            Court
        ));
        assert!(!may_acknowledge_warning(
            PlcSupervisor,
            PoliticalLegalCommittee,
            Court
        ));
        assert!(!may_acknowledge_warning(Sysadmin, Court, Court));
    }

    #[test]
    fn agencies_see_their_own_kind_and_supervisors_all() {
        use AgencyKind::*;
        assert!(sees_agency(Court, Court));
        assert!(!sees_agency(Procuratorate, Court));
        assert!(!sees_agency(Police, Procuratorate));
        assert!(supervises_investigation(Procuratorate, Police));
        assert!(follows_person(Role::Judge, Police));
        assert!(draws_incident_samples(Role::CaseOffice, Police));
        assert!(draws_incident_samples(Role::DivisionChief, Procuratorate));
        assert!(!draws_incident_samples(Role::Judge, Police));
        assert!(!draws_incident_samples(Role::CaseOffice, Court));
        assert!(follows_person(Role::CaseOffice, Court));
        assert!(follows_person(Role::PlcSupervisor, PoliticalLegalCommittee));
        assert!(!follows_person(Role::Deputy, PeoplesCongress));
        assert!(!follows_person(Role::Sysadmin, Court));
        assert!(!supervises_investigation(Police, Procuratorate));
        assert!(!supervises_investigation(Court, Police));
        assert!(sees_agency(PeoplesCongress, Court));
        assert!(sees_agency(PoliticalLegalCommittee, Police));
    }

    #[test]
    fn back_links_stay_on_this_site() {
        for (b, ok) in [
            ("/warnings?page=2", true),
            ("/cases/7", true),
            ("//evil.example/", false),
            ("/\\evil.example/", false),
            ("/\\/evil.example/", false),
            ("https://evil.example/", false),
            ("/x\ny", false),
            ("/ /evil", false),
            ("", false),
        ] {
            assert_eq!(safe_back(b, "/f") == b, ok, "{b:?}");
        }
    }
}
