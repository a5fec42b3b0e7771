//! Organisations, roles and the scope rule: a user sees what their role allows within their
//! organisation's subtree, never more.
//!
//! Every organisation sits in a region of the administrative tree (province → city → county), kept as
//! a path of division codes such as `/33/3301/330102/`. An agency (court, procuratorate, police)
//! supervises agencies **of its own kind** in its region's subtree (the high court sees the province's
//! courts); a supervisory body (人大常委会, 政法委) sees agencies of every kind in its subtree.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    Court,
    Procuratorate,
    Police,
    JusticeBureau,
    PeoplesCongress,
    PoliticalLegalCommittee,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 6] = [
        AgencyKind::Court,
        AgencyKind::Procuratorate,
        AgencyKind::Police,
        AgencyKind::JusticeBureau,
        AgencyKind::PeoplesCongress,
        AgencyKind::PoliticalLegalCommittee,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Court => "court",
            AgencyKind::Procuratorate => "procuratorate",
            AgencyKind::Police => "police",
            AgencyKind::JusticeBureau => "justice_bureau",
            AgencyKind::PeoplesCongress => "peoples_congress",
            AgencyKind::PoliticalLegalCommittee => "political_legal_committee",
        }
    }
    pub fn parse(s: &str) -> Option<AgencyKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            AgencyKind::Court => "法院",
            AgencyKind::Procuratorate => "检察院",
            AgencyKind::Police => "公安机关",
            AgencyKind::JusticeBureau => "司法行政机关",
            AgencyKind::PeoplesCongress => "人大常委会",
            AgencyKind::PoliticalLegalCommittee => "党委政法委",
        }
    }
    /// Supervisory bodies see the cases of every agency in their region's subtree.
    pub fn supervises_all_kinds(self) -> bool {
        matches!(
            self,
            AgencyKind::PeoplesCongress | AgencyKind::PoliticalLegalCommittee
        )
    }
    /// A procuratorate reads the police's files: it supervises investigation — 立案监督 and
    /// 侦查活动监督 (CrimPL 2018 arts. 8, 113; 规则 2019 ch. 13).
    pub fn supervises_investigation_of(self, record: AgencyKind) -> bool {
        self == AgencyKind::Procuratorate && record == AgencyKind::Police
    }
    /// Agencies that hold case files.
    pub fn handles_cases(self) -> bool {
        matches!(
            self,
            AgencyKind::Court | AgencyKind::Procuratorate | AgencyKind::Police
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
        }
    }
    pub fn parse(s: &str) -> Option<Level> {
        [Level::Province, Level::City, Level::County]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

impl Level {
    /// The level directly above (`None` above the province: the national bodies, which the
    /// directory does not hold).
    pub fn above(self) -> Option<Level> {
        match self {
            Level::Province => None,
            Level::City => Some(Level::Province),
            Level::County => Some(Level::City),
        }
    }
}

/// An organisation as a case or an approval records it: enough to check an approving body's kind
/// and level against a rule without the directory. `kind` and `level` are `None` only while the
/// reference is unresolved (an approval as a system client sends it, naming only the `id`); ingest
/// resolves every reference from the directory before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRef {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: Option<AgencyKind>,
    #[serde(default)]
    pub level: Option<Level>,
    /// Region path, e.g. `/33/3301/`.
    #[serde(default)]
    pub region_path: String,
}

impl OrgRef {
    /// A reference by id alone (unresolved).
    pub fn id(id: impl Into<String>) -> OrgRef {
        OrgRef {
            id: id.into(),
            name: String::new(),
            kind: None,
            level: None,
            region_path: String::new(),
        }
    }
    /// Kind and level, when resolved.
    pub fn resolved(&self) -> Option<(AgencyKind, Level)> {
        Some((self.kind?, self.level?))
    }
}

/// The roles of DESIGN.md §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Judge,
    /// 书记员: records events and reads the cases of their unit; sees a confidential case whole
    /// when named its clerk.
    Clerk,
    DivisionChief,
    President,
    CaseOffice,
    PlcSupervisor,
    PcSupervisor,
    Deputy,
    JusticeAdmin,
    PeopleSupervisor,
    /// 第三方评查员: an outside evaluator (a lawyer, a scholar) engaged for a quality evaluation;
    /// reads only the cases assigned to them, while the plan runs.
    Evaluator,
    Sysadmin,
    Secadmin,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 14] = [
        Role::Judge,
        Role::Clerk,
        Role::DivisionChief,
        Role::President,
        Role::CaseOffice,
        Role::PlcSupervisor,
        Role::PcSupervisor,
        Role::Deputy,
        Role::JusticeAdmin,
        Role::PeopleSupervisor,
        Role::Evaluator,
        Role::Sysadmin,
        Role::Secadmin,
        Role::Auditor,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Judge => "judge",
            Role::Clerk => "clerk",
            Role::DivisionChief => "division_chief",
            Role::President => "president",
            Role::CaseOffice => "case_office",
            Role::PlcSupervisor => "plc_supervisor",
            Role::PcSupervisor => "pc_supervisor",
            Role::Deputy => "deputy",
            Role::JusticeAdmin => "justice_admin",
            Role::PeopleSupervisor => "people_supervisor",
            Role::Evaluator => "evaluator",
            Role::Sysadmin => "sysadmin",
            Role::Secadmin => "secadmin",
            Role::Auditor => "auditor",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Role::Judge => "承办人",
            Role::Clerk => "书记员",
            Role::DivisionChief => "庭长",
            Role::President => "院长",
            Role::CaseOffice => "审管办",
            Role::PlcSupervisor => "政法委监督员",
            Role::PcSupervisor => "人大监察司法委",
            Role::Deputy => "人大代表",
            Role::JusticeAdmin => "司法局管理员",
            Role::PeopleSupervisor => "人民监督员",
            Role::Evaluator => "第三方评查员",
            Role::Sysadmin => "系统管理员",
            Role::Secadmin => "安全管理员",
            Role::Auditor => "安全审计员",
        }
    }
    /// The office's title in an agency of `kind`: a police organ's head is its 负责人 and a
    /// procuratorate's its 检察长, never 院长; a division chief there is the 部门负责人.
    pub fn title_in(self, kind: Option<AgencyKind>) -> &'static str {
        match (self, kind) {
            (Role::President, Some(AgencyKind::Police)) => "公安机关负责人",
            (Role::President, Some(AgencyKind::Procuratorate)) => "检察长",
            (Role::DivisionChief, Some(AgencyKind::Police)) => "办案部门负责人",
            (Role::DivisionChief, Some(AgencyKind::Procuratorate)) => "部门负责人",
            (Role::Judge, Some(AgencyKind::Police)) => "办案民警",
            (Role::Judge, Some(AgencyKind::Procuratorate)) => "承办检察官",
            (Role::CaseOffice, Some(AgencyKind::Police)) => "法制部门",
            (Role::CaseOffice, Some(AgencyKind::Procuratorate)) => "案件管理部门",
            (Role::Clerk, Some(AgencyKind::Police | AgencyKind::Procuratorate)) => "内勤",
            (r, _) => r.zh(),
        }
    }
    /// Which agency kinds a user of this role may belong to.
    pub fn fits_agency(self, kind: AgencyKind) -> bool {
        match self {
            Role::Judge
            | Role::Clerk
            | Role::DivisionChief
            | Role::President
            | Role::CaseOffice => kind.handles_cases(),
            Role::PlcSupervisor => kind == AgencyKind::PoliticalLegalCommittee,
            Role::PcSupervisor | Role::Deputy => kind == AgencyKind::PeoplesCongress,
            Role::JusticeAdmin | Role::PeopleSupervisor => kind == AgencyKind::JusticeBureau,
            // Engaged by the body that runs the evaluation.
            Role::Evaluator => {
                kind.handles_cases() && kind != AgencyKind::Police
                    || kind == AgencyKind::PoliticalLegalCommittee
            }
            Role::Sysadmin | Role::Secadmin | Role::Auditor => true,
        }
    }
    /// Whether the role reads case files at all (within scope). Deputies and people's supervisors see
    /// only cases assigned to them (not part of the registry yet); the 三员 administer, not read cases.
    pub fn reads_cases(self) -> bool {
        matches!(
            self,
            Role::Judge
                | Role::Clerk
                | Role::DivisionChief
                | Role::President
                | Role::CaseOffice
                | Role::PlcSupervisor
                | Role::PcSupervisor
        )
    }
    /// Whether the role may record procedural events on cases in scope.
    pub fn records_events(self) -> bool {
        matches!(
            self,
            Role::Judge | Role::Clerk | Role::DivisionChief | Role::President | Role::CaseOffice
        )
    }
    /// Whether the role may approve extensions, suspensions and excluded periods.
    pub fn approves(self) -> bool {
        matches!(self, Role::DivisionChief | Role::President)
    }
}

/// The parts of an organisation that scope checks need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgScope {
    pub kind: AgencyKind,
    /// Region path, e.g. `/33/3301/330102/`.
    pub region_path: String,
}

/// A case's place in the org tree: its agency's kind and region path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLocation<'a> {
    pub agency_kind: AgencyKind,
    pub region_path: &'a str,
}

impl OrgScope {
    /// Whether a user of `role` in this organisation may read a case located at `loc`.
    pub fn can_read(&self, role: Role, loc: &CaseLocation<'_>) -> bool {
        if !role.reads_cases() || !loc.region_path.starts_with(&self.region_path) {
            return false;
        }
        self.kind.supervises_all_kinds()
            || self.kind == loc.agency_kind
            || self.kind.supervises_investigation_of(loc.agency_kind)
    }
    /// Whether a user of `role` in this organisation may record events on a case at `loc`:
    /// only staff of the agency kind that holds the case, within their subtree.
    pub fn can_write(&self, role: Role, loc: &CaseLocation<'_>) -> bool {
        role.records_events() && self.covers_for_writing(loc)
    }
    /// Whether a case at `loc` is one this organisation's writers may write: of its agency kind,
    /// within its subtree. The role is checked separately (people by [`Role::records_events`];
    /// an agency's system client has no role).
    pub fn covers_for_writing(&self, loc: &CaseLocation<'_>) -> bool {
        self.kind == loc.agency_kind && loc.region_path.starts_with(&self.region_path)
    }
    /// The filter a case query needs: the region prefix, and the agency kind unless all kinds.
    pub fn case_filter(&self) -> (&str, Option<AgencyKind>) {
        (
            &self.region_path,
            if self.kind.supervises_all_kinds() {
                None
            } else {
                Some(self.kind)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(kind: AgencyKind, path: &str) -> OrgScope {
        OrgScope {
            kind,
            region_path: path.into(),
        }
    }

    #[test]
    fn subtree_and_kind() {
        let county_case = CaseLocation {
            agency_kind: AgencyKind::Court,
            region_path: "/33/3301/330102/",
        };
        let other_county = CaseLocation {
            agency_kind: AgencyKind::Court,
            region_path: "/33/3301/330105/",
        };
        let high = scope(AgencyKind::Court, "/33/");
        let county = scope(AgencyKind::Court, "/33/3301/330102/");
        let proc = scope(AgencyKind::Procuratorate, "/33/");
        let plc = scope(AgencyKind::PoliticalLegalCommittee, "/33/3301/");
        assert!(high.can_read(Role::CaseOffice, &county_case));
        assert!(county.can_read(Role::Judge, &county_case));
        assert!(!county.can_read(Role::Judge, &other_county));
        assert!(!proc.can_read(Role::CaseOffice, &county_case));
        assert!(plc.can_read(Role::PlcSupervisor, &county_case));
        assert!(!plc.can_write(Role::PlcSupervisor, &county_case));
        assert!(!high.can_read(Role::Sysadmin, &county_case));
        // A prefix that is not a path boundary must not match: /33/3301/ vs /33/33010/.
        let tricky = CaseLocation {
            agency_kind: AgencyKind::Court,
            region_path: "/33/33010/",
        };
        assert!(!scope(AgencyKind::Court, "/33/3301/").can_read(Role::Judge, &tricky));
    }
}
