//! Resolving a record against the registry: the filing's court and case type, the approver's
//! organisation, and whether the actor may write where the case is.

use super::Actor;
use super::MAX_ID_CHARS;
use crate::org::Directory;
use std::borrow::Cow;
use tianping_domain::case_number::CaseNumber;
use tianping_domain::event::Filing;
use tianping_domain::org::CaseLocation;
use tianping_domain::{AgencyKind, CaseKind, CaseState, EventRecord, EventRejection, Procedure};

/// "原告王五、被告李四" and its masked form "原告王某、被告李某".
pub fn titles(state: &CaseState) -> (String, String) {
    if state.parties.is_empty() {
        return (state.cause.clone(), state.cause.clone());
    }
    let more = if state.parties.len() > 4 { "等" } else { "" };
    let full = state
        .parties
        .iter()
        .take(4)
        .map(|p| format!("{}{}", p.role, p.name))
        .collect::<Vec<_>>()
        .join("、");
    let masked = state
        .parties
        .iter()
        .take(4)
        .map(|p| {
            let r = p.redacted();
            format!("{}{}", r.role, r.name)
        })
        .collect::<Vec<_>>()
        .join("、");
    (format!("{full}{more}"), format!("{masked}{more}"))
}

/// The procedure a case opens with: from its 类型代字, or investigation for agency files.
pub(crate) fn opening(type_code: Option<&str>) -> Procedure {
    type_code
        .and_then(tianping_domain::case_type::lookup)
        .map_or(Procedure::Investigation, |t| t.procedure)
}

pub(crate) struct Resolved {
    pub(crate) case_number: String,
    pub(crate) org_id: String,
    pub(crate) agency_kind: AgencyKind,
    pub(crate) region_path: String,
    pub(crate) kind: CaseKind,
    pub(crate) type_code: Option<String>,
    pub(crate) year: Option<i64>,
}

pub(crate) fn resolve_filing(
    text: &str,
    f: &Filing,
    dir: &Directory,
) -> std::result::Result<Resolved, EventRejection> {
    match CaseNumber::parse(text) {
        Ok(n) => {
            let Some(t) = n.case_type() else {
                return Err(EventRejection::new(
                    "type_code_unknown",
                    "case_number",
                    format!(
                        "类型代字“{}”不在《人民法院案件类型及其代字标准》中，无法确定案件类型",
                        n.type_code
                    ),
                ));
            };
            let Some(org) = dir.court(&n.court_code) else {
                return Err(EventRejection::new(
                    "court_unknown",
                    "case_number",
                    format!("法院代字“{}”不在本系统的法院代字表中", n.court_code),
                ));
            };
            if let Some(id) = &f.org_id
                && id != &org.id
            {
                return Err(EventRejection::new(
                    "org_mismatch",
                    "org_id",
                    format!("案号属于“{}”，与 org_id “{id}”不符", org.name),
                ));
            }
            if let Some(k) = f.case_kind
                && k != t.kind
            {
                return Err(EventRejection::new(
                    "kind_mismatch",
                    "case_kind",
                    format!(
                        "类型代字“{}”为{}案件，与声明的“{}”不符",
                        t.code,
                        t.kind.zh(),
                        k.zh()
                    ),
                ));
            }
            Ok(Resolved {
                case_number: n.to_string(),
                org_id: org.id.clone(),
                agency_kind: org.kind,
                region_path: org.region_path.clone(),
                kind: t.kind,
                type_code: Some(t.code.clone()),
                year: Some(i64::from(n.year)),
            })
        }
        Err(e) => {
            let agency_kind = match f.case_kind {
                Some(CaseKind::Prosecution) => AgencyKind::Procuratorate,
                Some(CaseKind::Police) => AgencyKind::Police,
                _ => {
                    return Err(EventRejection::new(
                        "case_number_invalid",
                        "case_number",
                        e.to_string(),
                    ));
                }
            };
            let Some(org_id) = &f.org_id else {
                return Err(EventRejection::new(
                    "field_missing",
                    "org_id",
                    "检察、公安案件须注明办案单位 org_id",
                ));
            };
            let Some(org) = dir.get(org_id) else {
                return Err(EventRejection::new(
                    "org_unknown",
                    "org_id",
                    format!("单位“{org_id}”不存在"),
                ));
            };
            if org.kind != agency_kind {
                return Err(EventRejection::new(
                    "org_mismatch",
                    "org_id",
                    format!(
                        "“{}”是{}，不能办理{}案件",
                        org.name,
                        org.kind.zh(),
                        f.case_kind.map_or("", |k| k.zh())
                    ),
                ));
            }
            let number = text.trim();
            if number.is_empty() || number.chars().count() > 64 {
                return Err(EventRejection::new(
                    "case_number_invalid",
                    "case_number",
                    "案件编号须为 1–64 个字符",
                ));
            }
            Ok(Resolved {
                case_number: number.to_string(),
                org_id: org.id.clone(),
                agency_kind,
                region_path: org.region_path.clone(),
                kind: f.case_kind.unwrap_or(CaseKind::Police),
                type_code: None,
                year: None,
            })
        }
    }
}

pub(super) fn check_write(actor: &Actor, kind: AgencyKind, path: &str) -> bool {
    match &actor.scope {
        None => true,
        Some(scope) => scope.covers_for_writing(&CaseLocation {
            agency_kind: kind,
            region_path: path,
        }),
    }
}

/// Resolves the organisation of the approval a record carries, from the directory, so the clock
/// engine can check it against the body a rule names: a person approves for their own
/// organisation (naming another is refused); an agency's system or the operator names it by id,
/// which must be in the directory. A record without an approval, or a system's approval without
/// an organisation (checked by role only, said in the why panel), is unchanged.
pub(super) fn resolve_approver<'r>(
    rec: &'r EventRecord,
    actor: &Actor,
    dir: &Directory,
) -> std::result::Result<Cow<'r, EventRecord>, EventRejection> {
    let Some(a) = rec.body.approver() else {
        return Ok(Cow::Borrowed(rec));
    };
    let id = match (&actor.person_org, &a.org) {
        (Some(own), Some(named)) if named.id != *own => {
            return Err(EventRejection::new(
                "approval_not_own",
                "approver.org",
                "只能以本人所在单位的名义审批：所载批准机关不是当前登录用户所在单位",
            ));
        }
        (Some(own), _) => own.as_str(),
        (None, Some(named)) => named.id.as_str(),
        (None, None) => return Ok(Cow::Borrowed(rec)),
    };
    let Some(org) = dir.get(id) else {
        let shown: String = id.chars().take(MAX_ID_CHARS).collect();
        return Err(EventRejection::new(
            "approver_org_unknown",
            "approver.org",
            format!("批准机关“{shown}”不在本系统的机构目录中"),
        ));
    };
    let mut r = rec.clone();
    if let Some(a) = r.body.approver_mut() {
        a.org = Some(org.to_ref());
    }
    Ok(Cow::Owned(r))
}

pub(super) fn out_of_scope_filing() -> EventRejection {
    EventRejection::new(
        "out_of_scope",
        "case_number",
        "无权为本单位范围以外的单位立案",
    )
}

pub(super) fn not_found(number: &str) -> EventRejection {
    EventRejection::new(
        "case_not_found",
        "case_number",
        format!("案件“{}”不存在或尚未立案", number.trim()),
    )
}
