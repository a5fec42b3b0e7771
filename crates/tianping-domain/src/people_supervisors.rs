//! People's supervisors (人民监督员, RULES.md §8): who may be appointed, the activities a
//! procuratorate invites them to, how an invitation moves (accepted, refused, recused, and the
//! next alternate sent in place, 补派), and when an opinion's answer is due. The draw itself is
//! [`crate::draw`]. Values the law leaves open are configuration (`rules/people-supervisors.toml`).

use crate::clock::local_midnight;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use std::sync::OnceLock;

pub const RULES_TOML: &str = include_str!("../../../rules/people-supervisors.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Rules {
    pub selection: Selection,
    pub allowance: Allowance,
    pub opinions: Opinions,
    #[serde(rename = "activity")]
    pub activities: Vec<ActivityType>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Selection {
    pub min_age: u32,
    pub min_education: String,
    pub education_levels: Vec<String>,
    pub term_years: u32,
    pub max_consecutive_terms: u32,
    pub admonitions_to_removal: u32,
    pub excellent_share_max: f64,
    pub yearly_cap: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Allowance {
    pub per_activity_yuan: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Opinions {
    pub answer_days: i64,
    pub warn_days: i64,
}

/// A kind of activity a procuratorate invites supervisors to.
#[derive(Debug, Clone, Deserialize)]
pub struct ActivityType {
    pub key: String,
    pub zh: String,
    /// The line of the yearly table it is counted on (公开听证, 巡回检察 …).
    pub group: String,
    /// The rule says the procuratorate must invite supervisors ("应当邀请").
    pub mandatory: bool,
    /// A procuratorate asks for it (false: supervisors raise it themselves, 2019 规定 art. 17).
    #[serde(default = "asked")]
    pub requested: bool,
}

fn asked() -> bool {
    true
}

/// The kind of a supervisor's opinion raised on their own initiative.
pub const OWN_INITIATIVE: &str = "own_initiative";

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("人民监督员规则文件无法解析：{0}")]
    Syntax(String),
    #[error("人民监督员规则文件有误：{0}")]
    Invalid(String),
}

impl Rules {
    pub fn parse(text: &str) -> Result<Rules, RulesError> {
        let r: Rules = toml::from_str(text).map_err(|e| RulesError::Syntax(e.to_string()))?;
        if !r
            .selection
            .education_levels
            .contains(&r.selection.min_education)
        {
            return Err(RulesError::Invalid(format!(
                "最低学历“{}”不在学历列表中",
                r.selection.min_education
            )));
        }
        if r.activities.is_empty() {
            return Err(RulesError::Invalid("没有列出任何监督活动".into()));
        }
        let mut keys = std::collections::BTreeSet::new();
        for a in &r.activities {
            if !keys.insert(a.key.as_str()) {
                return Err(RulesError::Invalid(format!("监督活动“{}”重复", a.zh)));
            }
        }
        if r.opinions.answer_days <= 0 || r.opinions.warn_days < 0 {
            return Err(RulesError::Invalid("意见答复天数应为正数".into()));
        }
        if !(0.0..=1.0).contains(&r.selection.excellent_share_max) {
            return Err(RulesError::Invalid("优秀比例应在 0 至 1 之间".into()));
        }
        Ok(r)
    }

    pub fn activity(&self, key: &str) -> Option<&ActivityType> {
        self.activities.iter().find(|a| a.key == key)
    }

    /// The yearly table's lines in the order they are first listed.
    pub fn groups(&self) -> Vec<&str> {
        let mut out: Vec<&str> = vec![];
        for a in &self.activities {
            if !out.contains(&a.group.as_str()) {
                out.push(&a.group);
            }
        }
        out
    }

    fn education_rank(&self, level: &str) -> Option<usize> {
        self.selection
            .education_levels
            .iter()
            .position(|l| l == level)
    }

    /// When an opinion filed at `filed` must be answered: the end of the `answer_days`-th day
    /// after it (Beijing time).
    pub fn answer_due(&self, filed: DateTime<Utc>) -> DateTime<Utc> {
        let day = crate::clock::local_date(filed) + Duration::days(self.opinions.answer_days + 1);
        local_midnight(day)
    }

    /// The allowance (履职补贴) a year's attendance earns, in yuan.
    pub fn allowance_earned(&self, attended: u32) -> i64 {
        i64::from(attended) * i64::from(self.allowance.per_activity_yuan)
    }

    /// Checks a payment of `amount` yuan of a year's allowance, of which `paid` was paid
    /// already, against what the year's attendance (`attended` activities) earned: more than
    /// is owed is refused (a payment is recorded for activities that took place).
    pub fn check_allowance_payment(
        &self,
        attended: u32,
        paid: i64,
        amount: i64,
    ) -> Result<(), Problem> {
        let earned = self.allowance_earned(attended);
        if amount <= 0 {
            return Err(Problem {
                field: "amount",
                message: "发放金额应为正整数（元）".into(),
            });
        }
        if paid + amount > earned {
            return Err(Problem {
                field: "amount",
                message: format!(
                    "超出该年度应发履职补贴：参加活动 {attended} 次，每次 {} 元，应发 {earned} 元，已发 {paid} 元，至多还可发放 {} 元",
                    self.allowance.per_activity_yuan,
                    (earned - paid).max(0)
                ),
            });
        }
        Ok(())
    }

    /// Whether an opinion answered by `due` is close enough to it to warn.
    pub fn answer_warns(&self, due: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now + Duration::days(self.opinions.warn_days) >= due
    }
}

/// Why an opinion cannot be raised as a supervision item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSupervisable {
    Answered,
    NotYetDue,
    AlreadyRaised,
}

impl NotSupervisable {
    pub fn zh(self) -> &'static str {
        match self {
            NotSupervisable::Answered => "该意见已经答复，无需督办",
            NotSupervisable::NotYetDue => "该意见尚未超过答复期限，不能立督办事项",
            NotSupervisable::AlreadyRaised => "该意见已立督办事项",
        }
    }
}

/// Whether the procuratorate above may raise an opinion as a supervision item: only one left
/// unanswered past its due day, and only once (RULES.md §8.5: the procuratorate must answer;
/// an answer not given is supervised like an overdue clock).
pub fn may_supervise_opinion(
    answered: bool,
    due: DateTime<Utc>,
    raised: bool,
    now: DateTime<Utc>,
) -> Result<(), NotSupervisable> {
    if answered {
        Err(NotSupervisable::Answered)
    } else if now < due {
        Err(NotSupervisable::NotYetDue)
    } else if raised {
        Err(NotSupervisable::AlreadyRaised)
    } else {
        Ok(())
    }
}

/// The rules as shipped.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules::parse(RULES_TOML).expect("rules/people-supervisors.toml is valid"))
}

/// Why a person may not serve (选任管理办法 2021 art. 10, RULES.md §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bar {
    CriminalPunishment,
    DismissedFromOffice,
    LicenceRevoked,
    DishonestDebtor,
    AssessorRemoved,
    SeriousViolation,
    /// Removed as a supervisor for a violation or a failed annual assessment: never again.
    RemovedSupervisor,
}

impl Bar {
    pub const ALL: [Bar; 7] = [
        Bar::CriminalPunishment,
        Bar::DismissedFromOffice,
        Bar::LicenceRevoked,
        Bar::DishonestDebtor,
        Bar::AssessorRemoved,
        Bar::SeriousViolation,
        Bar::RemovedSupervisor,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Bar::CriminalPunishment => "criminal_punishment",
            Bar::DismissedFromOffice => "dismissed",
            Bar::LicenceRevoked => "licence_revoked",
            Bar::DishonestDebtor => "dishonest_debtor",
            Bar::AssessorRemoved => "assessor_removed",
            Bar::SeriousViolation => "serious_violation",
            Bar::RemovedSupervisor => "removed_supervisor",
        }
    }
    pub fn parse(s: &str) -> Option<Bar> {
        Bar::ALL.into_iter().find(|b| b.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Bar::CriminalPunishment => "曾因犯罪受过刑事处罚",
            Bar::DismissedFromOffice => "曾被开除公职",
            Bar::LicenceRevoked => "被吊销律师、公证员执业证书或者被仲裁委员会除名",
            Bar::DishonestDebtor => "被纳入失信被执行人名单",
            Bar::AssessorRemoved => "因受惩戒被免除人民陪审员职务",
            Bar::SeriousViolation => "有其他严重违法违纪行为，可能影响司法公正",
            Bar::RemovedSupervisor => "曾因违法违纪或年度考核不称职被免除人民监督员职务",
        }
    }
}

/// A person proposed for appointment, as the justice bureau recorded them.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub birth: NaiveDate,
    pub education: &'a str,
    /// Currently serving staff of a supervision commission, court, procuratorate, police,
    /// state security or justice administration, or a member of a people's congress standing
    /// committee (不宜担任).
    pub serving_staff: bool,
    /// The bars the candidate's declaration and the checks with other bodies found (Tianping
    /// holds no 失信被执行人 list of its own yet).
    pub bars: &'a [Bar],
    /// The consecutive term this appointment would be (1 for a first appointment).
    pub term_no: u32,
    pub term_start: NaiveDate,
}

/// One reason an appointment is refused, with the field of the form it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Checks an appointment against §8.2: age, education, the 不宜担任 list, the bars, and the
/// term limit. Empty when the person may be appointed.
pub fn check_appointment(r: &Rules, c: &Candidate<'_>) -> Vec<Problem> {
    let s = &r.selection;
    let mut out = vec![];
    let age = age_on(c.birth, c.term_start);
    if age < s.min_age as i32 {
        out.push(Problem {
            field: "birth",
            message: format!("任职时年满 {} 周岁方可担任，该人员为 {age} 周岁", s.min_age),
        });
    }
    match (
        r.education_rank(c.education),
        r.education_rank(&s.min_education),
    ) {
        (Some(have), Some(need)) if have >= need => {}
        (Some(_), _) => out.push(Problem {
            field: "education",
            message: format!("应具有{}以上学历，该人员为{}", s.min_education, c.education),
        }),
        (None, _) => out.push(Problem {
            field: "education",
            message: format!(
                "学历“{}”无法识别，应为：{}",
                c.education,
                s.education_levels.join("、")
            ),
        }),
    }
    if c.serving_staff {
        out.push(Problem {
            field: "serving_staff",
            message: "人大常委会组成人员及监察、审判、检察、公安、国家安全、司法行政机关在职工作人员不宜担任人民监督员".into(),
        });
    }
    for b in c.bars {
        out.push(Problem {
            field: "bars",
            message: format!("不得担任人民监督员：{}", b.zh()),
        });
    }
    if c.term_no == 0 {
        out.push(Problem {
            field: "term_no",
            message: "连任届次应从 1 开始".into(),
        });
    } else if c.term_no > s.max_consecutive_terms {
        out.push(Problem {
            field: "term_no",
            message: format!(
                "人民监督员连续任职不得超过 {} 届，此次为第 {} 届",
                s.max_consecutive_terms, c.term_no
            ),
        });
    }
    out
}

/// The last day of a term that starts on `start` (five years, the day before the anniversary).
pub fn term_end(r: &Rules, start: NaiveDate) -> NaiveDate {
    let years = r.selection.term_years as i32;
    let anniversary = NaiveDate::from_ymd_opt(start.year() + years, start.month(), start.day())
        .or_else(|| NaiveDate::from_ymd_opt(start.year() + years, start.month(), 28))
        .unwrap_or(start);
    anniversary.pred_opt().unwrap_or(anniversary)
}

/// Where one drawn supervisor stands for an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invitation {
    /// Drawn and told; their answer is awaited.
    Invited,
    /// Drawn behind the picks; sent only when a pick drops out (补派).
    Alternate,
    Accepted,
    /// Declined with a reason; the next alternate is sent.
    Refused,
    /// Withdrawn for a ground of recusal (回避), reviewed by the justice bureau.
    Recused,
    Attended,
    /// Accepted and did not come.
    Absent,
}

impl Invitation {
    pub const ALL: [Invitation; 7] = [
        Invitation::Invited,
        Invitation::Alternate,
        Invitation::Accepted,
        Invitation::Refused,
        Invitation::Recused,
        Invitation::Attended,
        Invitation::Absent,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Invitation::Invited => "invited",
            Invitation::Alternate => "alternate",
            Invitation::Accepted => "accepted",
            Invitation::Refused => "refused",
            Invitation::Recused => "recused",
            Invitation::Attended => "attended",
            Invitation::Absent => "absent",
        }
    }
    pub fn parse(s: &str) -> Option<Invitation> {
        Invitation::ALL.into_iter().find(|i| i.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Invitation::Invited => "已通知，待答复",
            Invitation::Alternate => "候补",
            Invitation::Accepted => "确认参加",
            Invitation::Refused => "不能参加",
            Invitation::Recused => "回避",
            Invitation::Attended => "已参加",
            Invitation::Absent => "未到场",
        }
    }
    /// Whether this person drops out of the activity, so an alternate takes the place.
    pub fn drops_out(self) -> bool {
        matches!(self, Invitation::Refused | Invitation::Recused)
    }
}

/// What someone does to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationAct {
    Accept,
    Refuse,
    Recuse,
    Attend,
    Absent,
}

impl InvitationAct {
    pub fn parse(s: &str) -> Option<InvitationAct> {
        Some(match s {
            "accept" => InvitationAct::Accept,
            "refuse" => InvitationAct::Refuse,
            "recuse" => InvitationAct::Recuse,
            "attend" => InvitationAct::Attend,
            "absent" => InvitationAct::Absent,
            _ => return None,
        })
    }
    pub fn zh(self) -> &'static str {
        match self {
            InvitationAct::Accept => "确认参加",
            InvitationAct::Refuse => "不能参加",
            InvitationAct::Recuse => "回避",
            InvitationAct::Attend => "到场",
            InvitationAct::Absent => "未到场",
        }
    }
    /// Who acts: the supervisor answers their own invitation; the justice bureau decides a
    /// recusal; the procuratorate records attendance.
    pub fn by(self) -> Actor {
        match self {
            InvitationAct::Accept | InvitationAct::Refuse => Actor::Supervisor,
            InvitationAct::Recuse => Actor::JusticeBureau,
            InvitationAct::Attend | InvitationAct::Absent => Actor::Procuratorate,
        }
    }
    /// Whether the act needs a written reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, InvitationAct::Refuse | InvitationAct::Recuse)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Supervisor,
    JusticeBureau,
    Procuratorate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvitationError {
    #[error("当前状态为“{from}”，不能“{act}”")]
    NotNow {
        from: &'static str,
        act: &'static str,
    },
    #[error("“{0}”须写明理由")]
    ReasonMissing(&'static str),
    #[error("活动尚未开始，不能登记到场情况")]
    NotYetHeld,
}

/// The state an invitation moves to under `act`; `held` says whether the activity's time has
/// come (attendance is recorded only then).
pub fn act_on(
    from: Invitation,
    act: InvitationAct,
    reason: &str,
    held: bool,
) -> Result<Invitation, InvitationError> {
    if act.needs_reason() && reason.trim().is_empty() {
        return Err(InvitationError::ReasonMissing(act.zh()));
    }
    use Invitation as I;
    use InvitationAct as A;
    let to = match (from, act) {
        (I::Invited, A::Accept) => I::Accepted,
        (I::Invited | I::Accepted, A::Refuse) => I::Refused,
        (I::Invited | I::Accepted | I::Alternate, A::Recuse) => I::Recused,
        (I::Accepted | I::Invited, A::Attend | A::Absent) if !held => {
            return Err(InvitationError::NotYetHeld);
        }
        (I::Accepted | I::Invited, A::Attend) => I::Attended,
        (I::Accepted | I::Invited, A::Absent) => I::Absent,
        _ => {
            return Err(InvitationError::NotNow {
                from: from.zh(),
                act: act.zh(),
            });
        }
    };
    Ok(to)
}

/// Whether a pick dropping out (now `to`) sends the next alternate: only one who was to come
/// (invited or accepted) leaves a place to fill.
pub fn sends_alternate(from: Invitation, to: Invitation) -> bool {
    to.drops_out() && matches!(from, Invitation::Invited | Invitation::Accepted)
}

/// An opinion's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Adopted,
    PartlyAdopted,
    NotAdopted,
}

impl Answer {
    pub fn parse(s: &str) -> Option<Answer> {
        Some(match s {
            "adopted" => Answer::Adopted,
            "partly_adopted" => Answer::PartlyAdopted,
            "not_adopted" => Answer::NotAdopted,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Adopted => "adopted",
            Answer::PartlyAdopted => "partly_adopted",
            Answer::NotAdopted => "not_adopted",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Answer::Adopted => "采纳",
            Answer::PartlyAdopted => "部分采纳",
            Answer::NotAdopted => "不予采纳",
        }
    }
    /// An opinion not (wholly) adopted must be answered with the reasons (2019 SPP 规定).
    pub fn needs_reason(self) -> bool {
        self != Answer::Adopted
    }
}

/// Members of the pool who may not be drawn for an activity: those drawn `yearly_cap` times
/// this year already. `counts` pairs each pool member with their draws this year.
pub fn over_used<'a>(r: &Rules, counts: &[(&'a str, u32)]) -> Vec<(&'a str, String)> {
    counts
        .iter()
        .filter(|(_, n)| *n >= r.selection.yearly_cap)
        .map(|(id, n)| (*id, format!("本年度已被抽选 {n} 次，达到上限")))
        .collect()
}

/// An annual assessment grade (年度考核).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    Excellent,
    Competent,
    BasicallyCompetent,
    Incompetent,
}

impl Grade {
    pub const ALL: [Grade; 4] = [
        Grade::Excellent,
        Grade::Competent,
        Grade::BasicallyCompetent,
        Grade::Incompetent,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Competent => "competent",
            Grade::BasicallyCompetent => "basically_competent",
            Grade::Incompetent => "incompetent",
        }
    }
    pub fn parse(s: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Grade::Excellent => "优秀",
            Grade::Competent => "称职",
            Grade::BasicallyCompetent => "基本称职",
            Grade::Incompetent => "不称职",
        }
    }
    /// 不称职 removes the supervisor from office and bars them for good (选任管理办法 2021).
    pub fn removes(self) -> bool {
        self == Grade::Incompetent
    }
}

/// The most 优秀 grades a year's assessment of `assessed` supervisors may give.
pub fn excellent_cap(r: &Rules, assessed: usize) -> usize {
    (assessed as f64 * r.selection.excellent_share_max + 1e-9).floor() as usize
}

/// Checks a year's grades as a whole: the 优秀 share within the configured cap.
pub fn check_grades(r: &Rules, grades: &[Grade]) -> Result<(), String> {
    let excellent = grades.iter().filter(|g| **g == Grade::Excellent).count();
    let cap = excellent_cap(r, grades.len());
    if excellent > cap {
        return Err(format!(
            "评为优秀的 {excellent} 人超过比例上限：{} 人中至多 {cap} 人（{:.0}%）",
            grades.len(),
            r.selection.excellent_share_max * 100.0
        ));
    }
    Ok(())
}

/// Whether a supervisor's admonitions (诫勉) within their current term call for a decision on
/// removal: the configured number reached.
pub fn admonitions_call_for_removal(r: &Rules, in_term: u32) -> bool {
    in_term >= r.selection.admonitions_to_removal
}

/// One member's share of a year's draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub member: String,
    /// Times drawn as a pick (alternates not counted).
    pub observed: u32,
    /// Times a fair draw would pick them on average: over the draws they were eligible for,
    /// the picks divided by the eligible.
    pub expected: f64,
    /// (observed − expected) / √expected.
    pub residual: f64,
    /// Drawn markedly more or less often than a fair draw would (|residual| ≥ 2).
    pub outlier: bool,
}

/// How evenly a year's draws spread over the pool: each member's picks against a fair draw's,
/// and a chi-square test of the whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Fairness {
    pub shares: Vec<Share>,
    pub chi2: f64,
    pub df: usize,
    pub p: f64,
}

/// The fairness of draws given as their setups and outcomes. Members are listed in the order
/// first seen in the pools.
pub fn fairness(draws: &[(&crate::draw::Setup, &crate::draw::Outcome)]) -> Fairness {
    let mut shares: Vec<Share> = vec![];
    let mut at = std::collections::HashMap::new();
    for (setup, outcome) in draws {
        let Ok(eligible) = setup.eligible() else {
            continue;
        };
        let each = setup.count as f64 / eligible.len().max(1) as f64;
        for m in eligible {
            let i = *at.entry(m.to_string()).or_insert_with(|| {
                shares.push(Share {
                    member: m.to_string(),
                    observed: 0,
                    expected: 0.0,
                    residual: 0.0,
                    outlier: false,
                });
                shares.len() - 1
            });
            shares[i].expected += each;
        }
        for p in outcome.picks.iter().filter(|p| !p.alternate) {
            if let Some(&i) = at.get(&p.member) {
                shares[i].observed += 1;
            }
        }
    }
    let mut chi2 = 0.0;
    for s in &mut shares {
        if s.expected > 0.0 {
            let d = f64::from(s.observed) - s.expected;
            chi2 += d * d / s.expected;
            s.residual = d / s.expected.sqrt();
            s.outlier = s.residual.abs() >= 2.0;
        }
    }
    let df = shares.len().saturating_sub(1);
    Fairness {
        p: crate::stats::chi_square_p(chi2, df as f64),
        shares,
        chi2,
        df,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn candidate<'a>(bars: &'a [Bar]) -> Candidate<'a> {
        Candidate {
            birth: d("1980-05-01"),
            education: "本科",
            serving_staff: false,
            bars,
            term_no: 1,
            term_start: d("2026-01-01"),
        }
    }

    #[test]
    fn shipped_rules_parse_and_list_the_mandatory_hearings() {
        let r = rules();
        assert_eq!(r.selection.min_age, 23);
        let mandatory: Vec<&str> = r
            .activities
            .iter()
            .filter(|a| a.mandatory)
            .map(|a| a.key.as_str())
            .collect();
        assert_eq!(mandatory.len(), 5, "{mandatory:?}");
        assert!(!r.activity("prosecution").unwrap().mandatory);
        assert_eq!(r.groups()[0], "公开听证");
        assert_eq!(r.groups().len(), 10);
        assert!(!r.activity(OWN_INITIATIVE).unwrap().requested);
        assert!(r.activity("briefing").unwrap().requested);
    }

    #[test]
    fn allowances_are_paid_up_to_what_attendance_earned() {
        let r = rules();
        let rate = i64::from(r.allowance.per_activity_yuan);
        assert_eq!(r.allowance_earned(3), 3 * rate);
        assert!(r.check_allowance_payment(3, 0, 3 * rate).is_ok());
        assert!(r.check_allowance_payment(3, rate, 2 * rate).is_ok());
        let over = r
            .check_allowance_payment(3, rate, 2 * rate + 1)
            .unwrap_err();
        assert_eq!(over.field, "amount");
        assert!(
            over.message
                .contains(&format!("至多还可发放 {} 元", 2 * rate))
        );
        assert!(r.check_allowance_payment(3, 0, 0).is_err());
        assert!(r.check_allowance_payment(3, 0, -5).is_err());
        assert!(
            r.check_allowance_payment(0, 0, 1).is_err(),
            "nothing is owed for a year without attendance"
        );
    }

    #[test]
    fn only_an_overdue_unanswered_opinion_is_raised_and_only_once() {
        let due: DateTime<Utc> = "2026-05-09T16:00:00Z".parse().unwrap();
        let before = due - Duration::hours(1);
        let after = due + Duration::hours(1);
        assert_eq!(
            may_supervise_opinion(false, due, false, before),
            Err(NotSupervisable::NotYetDue)
        );
        assert_eq!(may_supervise_opinion(false, due, false, after), Ok(()));
        assert_eq!(may_supervise_opinion(false, due, false, due), Ok(()));
        assert_eq!(
            may_supervise_opinion(true, due, false, after),
            Err(NotSupervisable::Answered)
        );
        assert_eq!(
            may_supervise_opinion(false, due, true, after),
            Err(NotSupervisable::AlreadyRaised)
        );
    }

    #[test]
    fn appointment_checks_name_each_problem() {
        let r = rules();
        assert!(check_appointment(r, &candidate(&[])).is_empty());
        let mut c = candidate(&[Bar::CriminalPunishment]);
        c.birth = d("2003-01-02");
        c.education = "初中";
        c.serving_staff = true;
        c.term_no = 3;
        let fields: Vec<&str> = check_appointment(r, &c).iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            ["birth", "education", "serving_staff", "bars", "term_no"]
        );
        // 23 on the day the term starts is old enough.
        c = candidate(&[]);
        c.birth = d("2003-01-01");
        assert!(check_appointment(r, &c).is_empty());
        c.education = "大学";
        assert!(check_appointment(r, &c)[0].message.contains("无法识别"));
    }

    #[test]
    fn second_term_allowed_third_refused() {
        let r = rules();
        let mut c = candidate(&[]);
        c.term_no = 2;
        assert!(check_appointment(r, &c).is_empty());
        c.term_no = 3;
        assert!(
            check_appointment(r, &c)[0]
                .message
                .contains("不得超过 2 届")
        );
        assert_eq!(term_end(r, d("2026-01-01")), d("2030-12-31"));
        assert_eq!(term_end(r, d("2024-02-29")), d("2029-02-27"));
    }

    #[test]
    fn invitations_move_and_dropouts_send_an_alternate() {
        use Invitation as I;
        use InvitationAct as A;
        assert_eq!(act_on(I::Invited, A::Accept, "", false), Ok(I::Accepted));
        assert_eq!(
            act_on(I::Invited, A::Refuse, " ", false),
            Err(InvitationError::ReasonMissing("不能参加"))
        );
        let to = act_on(I::Accepted, A::Refuse, "出差", false).unwrap();
        assert!(sends_alternate(I::Accepted, to));
        let to = act_on(I::Alternate, A::Recuse, "系当事人近亲属", false).unwrap();
        assert_eq!(to, I::Recused);
        assert!(!sends_alternate(I::Alternate, to));
        assert_eq!(
            act_on(I::Accepted, A::Attend, "", false),
            Err(InvitationError::NotYetHeld)
        );
        assert_eq!(act_on(I::Accepted, A::Attend, "", true), Ok(I::Attended));
        assert!(matches!(
            act_on(I::Attended, A::Refuse, "x", true),
            Err(InvitationError::NotNow { .. })
        ));
        assert!(matches!(
            act_on(I::Alternate, A::Accept, "", false),
            Err(InvitationError::NotNow { .. })
        ));
    }

    #[test]
    fn answers_fall_due_after_the_configured_days() {
        let r = rules();
        // Filed 2026-03-02 10:00 Beijing: due at the end of 2026-04-01 (30 days later).
        let filed = local_midnight(d("2026-03-02")) + Duration::hours(10);
        let due = r.answer_due(filed);
        assert_eq!(due, local_midnight(d("2026-04-02")));
        assert!(!r.answer_warns(due, local_midnight(d("2026-03-20"))));
        assert!(r.answer_warns(due, local_midnight(d("2026-03-27"))));
        assert!(Answer::NotAdopted.needs_reason() && !Answer::Adopted.needs_reason());
    }

    #[test]
    fn over_use_excludes_at_the_cap() {
        let r = rules();
        let cap = r.selection.yearly_cap;
        let out = over_used(r, &[("a", cap - 1), ("b", cap), ("c", cap + 3)]);
        assert_eq!(out.iter().map(|x| x.0).collect::<Vec<_>>(), ["b", "c"]);
    }

    #[test]
    fn fairness_compares_picks_with_a_fair_share() {
        use crate::draw::{Setup, Source, SourceValue};
        let pool: Vec<String> = (1..=10).map(|i| format!("m{i}")).collect();
        let mut draws = vec![];
        for n in 0..200 {
            let setup = Setup::new(
                &format!("d{n}"),
                pool.clone(),
                vec![("m10".into(), "回避".into())],
                3,
                1,
                vec![Source::Public {
                    description: "x".into(),
                }],
            )
            .unwrap();
            let out = setup
                .draw(&[SourceValue::Public(vec![n.to_string()])])
                .unwrap();
            draws.push((setup, out));
        }
        let refs: Vec<_> = draws.iter().map(|(s, o)| (s, o)).collect();
        let f = fairness(&refs);
        assert_eq!(f.shares.len(), 9, "the excluded member was never eligible");
        assert_eq!(f.df, 8);
        for s in &f.shares {
            assert!((s.expected - 200.0 * 3.0 / 9.0).abs() < 1e-9);
        }
        assert_eq!(f.shares.iter().map(|s| s.observed).sum::<u32>(), 600);
        assert!(f.p > 0.001, "a fair draw passes: {f:?}");
        // A rigged record (one member always picked) is named.
        let mut rigged = draws.clone();
        for (_, o) in &mut rigged {
            o.picks[0].member = "m1".into();
        }
        let refs: Vec<_> = rigged.iter().map(|(s, o)| (s, o)).collect();
        let f = fairness(&refs);
        assert!(f.p < 1e-6);
        assert!(f.shares.iter().find(|s| s.member == "m1").unwrap().outlier);
    }

    #[test]
    fn grades_respect_the_excellent_cap_and_incompetent_removes() {
        let r = rules();
        let mut g = vec![Grade::Competent; 8];
        g.extend([Grade::Excellent, Grade::Excellent]);
        assert_eq!(excellent_cap(r, 10), 2);
        assert!(check_grades(r, &g).is_ok());
        g[0] = Grade::Excellent;
        assert!(
            check_grades(r, &g)
                .unwrap_err()
                .contains("10 人中至多 2 人")
        );
        assert_eq!(excellent_cap(r, 4), 0, "20% of four is less than one");
        assert!(Grade::Incompetent.removes() && !Grade::BasicallyCompetent.removes());
        assert_eq!(
            Grade::parse("basically_competent"),
            Some(Grade::BasicallyCompetent)
        );
        assert!(!admonitions_call_for_removal(r, 1));
        assert!(admonitions_call_for_removal(r, 2));
    }

    #[test]
    fn bad_rule_files_are_refused() {
        let bad = RULES_TOML.replace("min_education = \"高中\"", "min_education = \"大学\"");
        assert!(matches!(Rules::parse(&bad), Err(RulesError::Invalid(_))));
        assert!(matches!(Rules::parse("x ="), Err(RulesError::Syntax(_))));
    }
}
