//! Who may read which case: the session's read scope (its organisation's subtree and agency kinds),
//! the case loaded for a reader (404 outside the scope, redacted by clearance, confidential reads
//! logged) and the session's user as the domain's acting person.

use crate::AppState;
use crate::error::ApiError;
use crate::view::CaseDetail;
use tianping_domain::AgencyKind;
use tianping_domain::org::CaseLocation;
use tianping_store::case::{CaseRow, ScopeFilter};
use tianping_store::user::Session;

/// Where the session's user may read cases, or `None` if their role reads no cases.
pub fn read_scope(s: &Session) -> Option<ScopeFilter> {
    if !s.user.role.reads_cases() {
        return None;
    }
    let scope = s.org.scope();
    let (prefix, kind) = scope.case_filter();
    Some(ScopeFilter {
        region_prefix: prefix.to_string(),
        agency_kind: kind,
    })
}

pub fn can_read(s: &Session, row: &CaseRow) -> bool {
    let kind = AgencyKind::parse(&row.agency_kind);
    kind.is_some_and(|k| {
        s.org.scope().can_read(
            s.user.role,
            &CaseLocation {
                agency_kind: k,
                region_path: &row.region_path,
            },
        )
    })
}

/// Loads a case the session may read, or 404 (never revealing cases outside the scope), redacted
/// for the reader — whole for the people assigned to it and its president (need-to-know). A
/// confidential case read whole is logged for the auditor with `via` (the page or API).
pub async fn readable_case(
    st: &AppState,
    s: &Session,
    id: i64,
    via: &str,
) -> Result<CaseDetail, ApiError> {
    if !s.user.role.reads_cases() {
        return Err(ApiError::forbidden("查看案件"));
    }
    let Some((row, state)) = st.store.case_by_id(id).await? else {
        return Err(ApiError::not_found("案件"));
    };
    if !can_read(s, &row) {
        tracing::warn!(user = %s.user.username, case_id = id, "case outside scope requested");
        return Err(ApiError::not_found("案件"));
    }
    let events = st.store.events_of_case(id).await?;
    let (panel, clerk) = serde_json::from_str::<tianping_domain::CaseState>(&state)
        .map(|c| (c.panel, c.clerk))
        .unwrap_or_default();
    let clearance = crate::view::clearance_for(
        s,
        &row.org_id,
        row.judge.as_deref(),
        &panel,
        clerk.as_deref(),
    );
    let level = row.confidentiality;
    if level != tianping_domain::Confidentiality::Public && clearance.allows(level) {
        let basis = if s.user.clearance.allows(level) {
            "clearance"
        } else {
            "assignment"
        };
        st.store
            .log_confidential_read(s.user.id, id, level.as_str(), basis, via, st.now())
            .await?;
    }
    Ok(CaseDetail::new(&row, &state, &events, &clearance))
}

/// The session's user as the domain's acting person.
pub fn person(s: &Session) -> tianping_domain::access::Person {
    tianping_domain::access::Person {
        username: s.user.username.clone(),
        display_name: s.user.display_name.clone(),
        role: s.user.role,
    }
}

/// Checks that the session may read case `id`; 404 otherwise (never revealing it exists).
pub(crate) async fn readable(
    st: &AppState,
    s: &Session,
    id: i64,
) -> Result<tianping_store::case::CaseRow, ApiError> {
    if !s.user.role.reads_cases() {
        return Err(ApiError::forbidden("查看案件"));
    }
    match st.store.case_by_id(id).await? {
        Some((row, _)) if can_read(s, &row) => Ok(row),
        _ => Err(ApiError::not_found("案件")),
    }
}
