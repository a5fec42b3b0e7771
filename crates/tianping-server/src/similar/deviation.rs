//! Similar cases on the case page (reports, mandatory retrieval, the deviation of a sentence from
//! its similar cases) and the deviation warnings: the sweep that raises them and their 签收.

use super::{Asked, ResultView, TOP_ON_CASE, case_row, may_report, views};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::access::can_read;
use crate::http::page::error_page;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use tianping_domain::event::EventBody;
use tianping_domain::judgment::months_zh as months;
use tianping_domain::similar::{Deviation, Trigger, term_for};
use tianping_search::index::Filters;
use tianping_store::retrieval::{Annotation, NewDeviation};
use tianping_store::user::Session;

// --- on the case page: reports, mandatory retrieval, deviation -----------------------------------

pub struct ReportLine {
    pub id: i64,
    pub created_by: String,
    pub created_at: String,
    pub results: usize,
    pub refer: usize,
}

/// The 类案检索 section of a case page.
pub struct CaseRetrieval {
    /// The closest few judgments for the case's own query (empty while the index is being built).
    pub top: Vec<ResultView>,
    pub index_ready: bool,
    pub reports: Vec<ReportLine>,
    /// Triggers that make a report mandatory (empty: none).
    pub due: Vec<Trigger>,
    pub pending: bool,
    pub deviation: Option<DeviationView>,
    /// Similar rulings of the court and its superior that diverge (类案冲突), for a pending case.
    pub conflict: Option<super::conflict::ConflictView>,
    /// Who flagged the case as a 四类案件 of 类案冲突 and when, while the flag stands.
    pub conflict_flagged: Option<String>,
    /// Deviation warnings raised on the case (shown to readers who see its charges).
    pub warnings: Vec<WarningLine>,
    pub can_acknowledge: bool,
    pub can_report: bool,
}

/// A raised deviation warning on the case page.
pub struct WarningLine {
    pub id: i64,
    pub text: String,
    pub raised_at: String,
    /// "张三 2026-05-20 10:00" once acknowledged.
    pub acknowledged: Option<String>,
}

pub struct DeviationView {
    pub charge: String,
    pub decided: String,
    pub low: String,
    pub high: String,
    pub above: bool,
    pub peers: Vec<(i64, String)>,
}

fn decided_term(events: &[tianping_store::case::EventRow]) -> Option<u32> {
    events
        .iter()
        .filter(|e| e.kind == "closed")
        .filter_map(|e| serde_json::from_str::<EventBody>(&e.body).ok())
        .filter_map(|b| match b {
            EventBody::Closed {
                sentence_months, ..
            } => Some(sentence_months),
            _ => None,
        })
        .next_back()
        .flatten()
}

/// Compares a decided term with the closest similar judgments sharing one of the case's charges.
pub async fn deviation(
    st: &AppState,
    cause: &str,
    charges: &[String],
    decided: u32,
) -> Result<Option<Deviation>, ApiError> {
    let rule = st.library.rules().deviation;
    for charge in charges {
        let hits = super::search_charge(
            st,
            cause,
            std::slice::from_ref(charge),
            charge,
            super::RESULTS,
        )
        .await?;
        let by_id = super::judgments_of(st, &hits).await?;
        let ids: Vec<i64> = hits.iter().map(|h| h.id as i64).collect();
        let peers: Vec<(i64, u32)> = ids
            .iter()
            .filter_map(|id| {
                let j = by_id.get(id)?;
                term_for(&j.sentences, &j.charges, charge).map(|m| (*id, m))
            })
            .collect();
        if let Some(d) = rule.check(charge, decided, &peers) {
            return Ok(Some(d));
        }
    }
    Ok(None)
}

pub async fn case_retrieval(
    st: &AppState,
    s: &Session,
    d: &crate::view::CaseDetail,
    row: &tianping_store::case::CaseRow,
) -> Result<CaseRetrieval, ApiError> {
    let id = d.case.id;
    let reports: Vec<ReportLine> = st
        .store
        .reports_of_case(id)
        .await?
        .into_iter()
        .map(|r| ReportLine {
            id: r.id,
            created_by: r.created_by,
            created_at: crate::view::local(&r.created_at),
            results: r.body.results.len(),
            refer: r
                .body
                .results
                .iter()
                .filter(|x| x.annotation == Annotation::Refer)
                .count(),
        })
        .collect();
    let flags = st.store.case_flags(id).await?;
    let active: Vec<&str> = flags
        .iter()
        .filter(|f| f.cleared_at.is_none())
        .map(|f| f.situation.as_str())
        .collect();
    let conflict_flagged = flags
        .iter()
        .find(|f| f.situation == "3.similar_conflict" && f.cleared_at.is_none())
        .map(|f| {
            format!(
                "{}于{}标注",
                f.flagged_by,
                crate::view::local(&f.flagged_at)
            )
        });
    let due: Vec<Trigger> = st
        .library
        .rules()
        .due(&active)
        .into_iter()
        .cloned()
        .collect();
    let index_ready = st.library.is_loaded();
    let mut top = vec![];
    let mut conflict = None;
    if index_ready && (!d.case.cause.trim().is_empty() || !d.charges.is_empty()) {
        // The retrieval page's own query and list: its first three are these three.
        let (facts, charges) = super::default_query(d);
        let (hits, _, _) = st
            .library
            .search(&st.store, &facts, &charges, &Filters::default())
            .await?;
        let courts = super::courts_of(st, &row.org_id).await?;
        // A pending court case whose charges the reader sees: do the court's and its superior's
        // closest rulings diverge?
        if !d.case.redacted
            && row.agency_kind == "court"
            && row.closed_at.is_none()
            && !d.charges.is_empty()
        {
            conflict = super::conflict::conflict(st, &facts, &charges, &courts).await?;
        }
        top = views(st, &hits, &Asked::new(&facts, &charges, courts)).await?;
        top.truncate(TOP_ON_CASE);
    }
    let mut dev = None;
    // Only a reader who sees the charges (no redaction) gets the comparison.
    if index_ready
        && !d.case.redacted
        && row.agency_kind == "court"
        && !d.charges.is_empty()
        && let Some(decided) = decided_term(&st.store.events_of_case(id).await?)
        && st.store.judgment_count().await? > 0
        && let Some(x) = deviation(st, &d.case.cause, &d.charges, decided).await?
    {
        dev = Some(DeviationView {
            charge: x.charge,
            decided: months(x.decided_months),
            low: months(x.low),
            high: months(x.high),
            above: x.above,
            peers: x.peers.iter().map(|(i, m)| (*i, months(*m))).collect(),
        });
    }
    let warnings = if d.case.redacted {
        vec![]
    } else {
        st.store
            .deviations_of_case(id)
            .await?
            .into_iter()
            .map(|w| WarningLine {
                id: w.id,
                text: w.body.text(),
                raised_at: crate::view::local(&w.created_at),
                acknowledged: w.acknowledged_at.as_ref().map(|at| {
                    format!(
                        "{} {}",
                        w.acknowledged_by.clone().unwrap_or_default(),
                        crate::view::local(at)
                    )
                }),
            })
            .collect()
    };
    Ok(CaseRetrieval {
        top,
        index_ready,
        pending: !due.is_empty() && reports.is_empty(),
        reports,
        due,
        deviation: dev,
        conflict,
        conflict_flagged,
        can_acknowledge: may_acknowledge(s, row),
        warnings,
        can_report: may_report(s, row),
    })
}

// --- deviation warnings: the sweep and 签收 -------------------------------------------------------

/// Closing events read per batch by the sweep.
const SWEEP_BATCH: i64 = 200;

/// What one deviation sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    /// Closing events with a custodial term compared.
    pub checked: usize,
    pub raised: usize,
    pub mails: usize,
}

/// Compares every court case closed with a custodial term since the last sweep against its
/// closest similar judgments, and raises a deviation warning — stored, ledgered and mailed to the
/// court's case office — for each term outside their range. A closing event is compared once;
/// while the library is empty the cursor stays, so those cases are compared once judgments come.
pub async fn sweep_deviations(st: &AppState) -> Result<SweepReport, ApiError> {
    let mut rep = SweepReport::default();
    if st.store.judgment_count().await? == 0 {
        return Ok(rep);
    }
    loop {
        let (terms, cursor) = st.store.closed_terms_after_cursor(SWEEP_BATCH).await?;
        let Some(cursor) = cursor else {
            break;
        };
        for t in &terms {
            rep.checked += 1;
            let Some(d) = deviation(st, &t.cause, &t.charges, t.decided_months).await? else {
                continue;
            };
            let new = NewDeviation {
                case_id: t.case_id,
                event_id: t.event_id,
                charge: d.charge,
                decided_months: d.decided_months,
                low: d.low,
                high: d.high,
                above: d.above,
                peers: d.peers,
            };
            if let Some((_, mails)) = st.store.raise_deviation(&new, st.now()).await? {
                rep.raised += 1;
                rep.mails += mails;
            }
        }
        st.store.set_deviation_cursor(cursor).await?;
    }
    Ok(rep)
}

/// The case office and the president of the case's own court acknowledge (签收) its warnings.
fn may_acknowledge(s: &Session, row: &tianping_store::case::CaseRow) -> bool {
    tianping_domain::access::may_issue_letters(s.user.role, s.org.kind)
        && s.org.id == row.org_id
        && can_read(s, row)
}

async fn acknowledge(st: &AppState, s: &Session, id: i64) -> Result<(i64, bool), ApiError> {
    let Some(w) = st.store.deviation(id).await? else {
        return Err(ApiError::not_found("量刑偏离预警"));
    };
    let row = case_row(st, s, w.body.case_id).await?;
    if !may_acknowledge(s, &row) {
        return Err(ApiError::forbidden("签收量刑偏离预警"));
    }
    let changed = st
        .store
        .acknowledge_deviation(id, &s.user, st.now())
        .await?;
    Ok((w.body.case_id, changed))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn acknowledge_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = crate::http::extract::csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "量刑偏离预警不存在");
    };
    match acknowledge(&st, &s, id).await {
        Ok((case_id, _)) => Redirect::to(&format!("/cases/{case_id}#similar")).into_response(),
        Err(e) => error_page(e.status, &e.message),
    }
}

pub async fn api_acknowledge(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    crate::http::CurrentUser(s): crate::http::CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    crate::http::extract::check_csrf(&headers, &s)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::new(Code::InvalidId, format!("预警编号“{id}”不是整数")))?;
    let (case_id, changed) = acknowledge(&st, &s, id).await?;
    Ok(Json(
        serde_json::json!({ "id": id, "case_id": case_id, "acknowledged": true, "changed": changed }),
    ))
}

/// An open deviation warning as a reader may see it.
pub struct OpenDeviation {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub raised_at: String,
    /// None when the reader sees the case redacted (then only its number is shown).
    pub detail: Option<NewDeviation>,
}

impl OpenDeviation {
    pub fn text(&self) -> String {
        self.detail
            .as_ref()
            .map_or_else(|| "（涉密案件，详情不予显示）".into(), NewDeviation::text)
    }

    pub fn raised_local(&self) -> String {
        crate::view::local(&self.raised_at)
    }
}

/// Open (unacknowledged) deviation warnings of the cases the reader may see, newest first.
pub async fn open_deviations(st: &AppState, s: &Session) -> Result<Vec<OpenDeviation>, ApiError> {
    if !s.user.role.reads_cases() {
        return Err(ApiError::forbidden("查看量刑偏离预警"));
    }
    let mut out = vec![];
    for w in st.store.open_deviations(&s.org.region_path, 500).await? {
        let Some((row, state)) = st.store.case_by_id(w.body.case_id).await? else {
            continue;
        };
        if !can_read(s, &row) {
            continue;
        }
        let d = crate::view::CaseDetail::new(
            &row,
            &state,
            &[],
            &crate::view::clearance_for_row(s, &row),
        );
        out.push(OpenDeviation {
            id: w.id,
            case_id: w.body.case_id,
            case_number: d.case.case_number,
            raised_at: w.created_at,
            detail: (!d.case.redacted).then_some(w.body),
        });
    }
    Ok(out)
}

pub async fn api_deviations(
    State(st): State<AppState>,
    crate::http::CurrentUser(s): crate::http::CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let out: Vec<serde_json::Value> = open_deviations(&st, &s)
        .await?
        .into_iter()
        .map(|w| {
            let mut v = serde_json::json!({
                "id": w.id,
                "case_id": w.case_id,
                "case_number": w.case_number,
                "raised_at": w.raised_at,
                "redacted": w.detail.is_none(),
            });
            if let Some(d) = &w.detail {
                v["charge"] = d.charge.clone().into();
                v["decided_months"] = d.decided_months.into();
                v["range_months"] = serde_json::json!([d.low, d.high]);
                v["above"] = d.above.into();
                v["peers"] = d
                    .peers
                    .iter()
                    .map(|(j, m)| serde_json::json!({ "judgment_id": j, "months": m }))
                    .collect();
                v["text"] = d.text().into();
            }
            v
        })
        .collect();
    Ok(Json(serde_json::json!({ "warnings": out })))
}
