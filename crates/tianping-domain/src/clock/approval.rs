//! Whether an approver fits the body a rule names (上一级法院, 省级人民检察院…): by role, and by
//! the approver's organisation against the case's unit and venue.

use crate::org::{AgencyKind, Level, OrgRef, Role};
use crate::rules::ApproverBody;

/// Does the approver's office fit the body the rule names? (Their organisation: [`body_fits`].)
pub(crate) fn approver_fits(by: ApproverBody, role: Role) -> bool {
    match by {
        ApproverBody::Statutory => role.approves(),
        ApproverBody::CountyPoliceHead => matches!(role, Role::President | Role::DivisionChief),
        _ => role == Role::President,
    }
}

/// What checking an approving organisation against a rule's body found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyCheck {
    /// The approving organisation is the body the rule names (its name).
    Fits(String),
    /// It is not (its name).
    Mismatch(String),
    /// Not checked, and why (said in the why panel).
    Unchecked(&'static str),
}

/// Does the approving organisation fit the body a rule names, for a case held by `venue`?
/// 本院 is the case's own organisation; 上一级 is one level above it whose region contains the
/// case's; 高级人民法院 and 省级人民检察院 are the province-level court or procuratorate whose
/// region contains it; a police organ approves for cases in its region. The national bodies (最高
/// 人民法院, 全国人大常委会, 国家监察委员会) and the supervision commissions are not in the directory.
pub fn body_fits(by: ApproverBody, unit: Option<&OrgRef>, venue: Option<&OrgRef>) -> BodyCheck {
    use ApproverBody as B;
    match by {
        B::Statutory => return BodyCheck::Unchecked("法定情形，无需审批机关"),
        B::Spc | B::Npcsc | B::Nsc | B::HigherSupervisionCommission => {
            return BodyCheck::Unchecked("批准机关不在本系统机构目录中，层级以事件记载为准");
        }
        _ => {}
    }
    let Some(u) = unit else {
        return BodyCheck::Unchecked("事件未记录批准机关，层级未核对，系统仅核验批准人职务");
    };
    let Some(v) = venue else {
        return BodyCheck::Unchecked("案件未记录承办机关，层级未核对，系统仅核验批准人职务");
    };
    let (Some((uk, ul)), Some((vk, vl))) = (u.resolved(), v.resolved()) else {
        return BodyCheck::Unchecked("批准机关未能在机构目录中核对，系统仅核验批准人职务");
    };
    let contains = !u.region_path.is_empty() && v.region_path.starts_with(&u.region_path);
    let one_up = contains && vl.above() == Some(ul);
    let fits = match by {
        B::CourtPresident | B::CourtPresidentOrVice => u.id == v.id,
        B::SuperiorCourt => uk == AgencyKind::Court && one_up,
        B::HighCourt => uk == AgencyKind::Court && ul == Level::Province && contains,
        // 层报高级人民法院备案: the court itself decides and files with the high court.
        B::HighCourtFiling => {
            u.id == v.id || (uk == AgencyKind::Court && ul == Level::Province && contains)
        }
        B::HigherProcuratorate => uk == AgencyKind::Procuratorate && one_up,
        B::ProvincialProcuratorate => {
            uk == AgencyKind::Procuratorate && ul == Level::Province && contains
        }
        // 县级以上公安机关负责人: the organ that handles the case or one above it (a
        // procuratorate's own investigation: the procuratorate).
        B::CountyPoliceHead => (uk == AgencyKind::Police || uk == vk) && contains,
        B::SuperiorPolice => uk == AgencyKind::Police && one_up,
        B::Statutory | B::Spc | B::Npcsc | B::Nsc | B::HigherSupervisionCommission => true,
    };
    let name = if u.name.is_empty() {
        u.id.clone()
    } else {
        u.name.clone()
    };
    if fits {
        BodyCheck::Fits(name)
    } else {
        BodyCheck::Mismatch(name)
    }
}
