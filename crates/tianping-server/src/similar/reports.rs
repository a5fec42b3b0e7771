//! The retrieval page of a case, saving a retrieval report and reading or re-running a stored one.

use super::{
    Asked, ResultView, RetrievalInput, case_row, courts_of, filters_of, may_report, split_charges,
    views,
};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::access::readable_case;
use crate::http::page::{Layout, error_page, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use tianping_domain::Confidentiality;
use tianping_domain::case::{REDACTED, Visibility, visibility};
use tianping_domain::judgment::CourtLevel;
use tianping_domain::similar::{Courts, SourceTier, source_tier};
use tianping_search::index::RANKING_VERSION;
use tianping_store::retrieval::{Annotation, NewReport, Report, ReportFilters, ReportResult};
use tianping_store::user::Session;

// --- the retrieval page ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "similar.html")]
struct SimilarPage {
    layout: Layout,
    case_id: i64,
    case_number: String,
    facts: String,
    charges: String,
    charge: String,
    level: String,
    year_from: String,
    year_to: String,
    levels: Vec<(&'static str, &'static str)>,
    results: Vec<ResultView>,
    snapshot: u64,
    held: u64,
    ranking: &'static str,
    can_report: bool,
    error: String,
    /// The query is not the case's own (facts, charges or filters changed): its list may differ
    /// from the case page's top three.
    differs: bool,
    /// The query states facts beyond its charges (else no share of facts is shown).
    states_facts: bool,
}

fn parse_case_id(id: &str) -> Result<i64, ApiError> {
    id.parse().map_err(|_| ApiError::not_found("案件"))
}

/// The query a case asks by default: its cause and charges (as the reader may see them).
async fn defaults(
    st: &AppState,
    s: &Session,
    id: i64,
) -> Result<(crate::view::CaseDetail, String, String), ApiError> {
    let d = readable_case(st, s, id, "similar").await?;
    let (facts, charges) = super::default_query(&d);
    Ok((d, facts, charges.join("、")))
}

pub async fn page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Query(q): Query<RetrievalInput>,
) -> Response {
    match page_inner(&st, &s, &id, q).await {
        Ok(r) => r,
        Err(e) => error_page(e.status, &e.message),
    }
}

async fn page_inner(
    st: &AppState,
    s: &Session,
    id: &str,
    q: RetrievalInput,
) -> Result<Response, ApiError> {
    let id = parse_case_id(id)?;
    let (d, default_facts, default_charges) = defaults(st, s, id).await?;
    let row = case_row(st, s, id).await?;
    let facts = q.facts.clone().unwrap_or(default_facts.clone());
    let charges = q.charges.clone().unwrap_or(default_charges.clone());
    let differs = facts.trim() != default_facts.trim()
        || split_charges(&charges) != split_charges(&default_charges)
        || [&q.charge, &q.level, &q.year_from, &q.year_to]
            .iter()
            .any(|v| !v.trim().is_empty());
    let mut page = SimilarPage {
        differs,
        states_facts: super::states_facts(&facts, &split_charges(&charges)),
        layout: Layout::new(s, "/cases"),
        case_id: id,
        case_number: d.case.case_number.clone(),
        facts: facts.clone(),
        charges: charges.clone(),
        charge: q.charge.clone(),
        level: q.level.clone(),
        year_from: q.year_from.clone(),
        year_to: q.year_to.clone(),
        levels: CourtLevel::ALL.iter().map(|l| (l.code(), l.zh())).collect(),
        results: vec![],
        snapshot: 0,
        held: 0,
        ranking: RANKING_VERSION,
        can_report: may_report(s, &row),
        error: String::new(),
    };
    match q.filters() {
        Ok((_, filters)) => {
            let (hits, snapshot, held) = st
                .library
                .search(&st.store, &facts, &split_charges(&charges), &filters)
                .await?;
            let charges = split_charges(&charges);
            let courts = courts_of(st, &row.org_id).await?;
            page.results = views(st, &hits, &Asked::new(&facts, &charges, courts)).await?;
            page.snapshot = snapshot;
            page.held = held;
        }
        Err(e) => page.error = e.message,
    }
    Ok(render(&page))
}

/// `GET /api/v1/cases/{id}/similar`: the same search as JSON.
pub async fn api_search(
    State(st): State<AppState>,
    crate::http::CurrentUser(s): crate::http::CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<RetrievalInput>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::new(Code::InvalidId, format!("案件编号“{id}”不是整数")))?;
    let (_, default_facts, default_charges) = defaults(&st, &s, id).await?;
    let facts = q.facts.clone().unwrap_or(default_facts);
    let charges = split_charges(&q.charges.clone().unwrap_or(default_charges));
    let (_, filters) = q.filters()?;
    let (hits, snapshot, held) = st
        .library
        .search(&st.store, &facts, &charges, &filters)
        .await?;
    let row = case_row(&st, &s, id).await?;
    let courts = courts_of(&st, &row.org_id).await?;
    Ok(Json(serde_json::json!({
        "case_id": id,
        "query": { "facts": facts, "charges": charges },
        "snapshot": { "last_judgment_id": snapshot, "judgments": held },
        "ranking_version": RANKING_VERSION,
        "results": views(&st, &hits, &Asked::new(&facts, &charges, courts)).await?,
    })))
}

// --- saving a report ---------------------------------------------------------------------------

async fn save(
    st: &AppState,
    s: &Session,
    id: i64,
    form: &[(String, String)],
) -> Result<i64, ApiError> {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if crate::http::extract::csrf_refused(&get("csrf"), s).is_some() {
        return Err(ApiError::csrf());
    }
    let row = case_row(st, s, id).await?;
    if !may_report(s, &row) {
        return Err(ApiError::forbidden("制作类案检索报告"));
    }
    let input = RetrievalInput {
        facts: Some(get("facts")),
        charges: Some(get("charges")),
        charge: get("charge"),
        level: get("level"),
        year_from: get("year_from"),
        year_to: get("year_to"),
    };
    let facts = input.facts.clone().unwrap_or_default();
    let charges = split_charges(&input.charges.clone().unwrap_or_default());
    if facts.trim().is_empty() && charges.is_empty() {
        return Err(ApiError::new(
            Code::EmptyQuery,
            "检索内容为空：请填写案情或罪名",
        ));
    }
    let (report_filters, _) = input.filters()?;
    let snapshot: i64 = get("snapshot").trim().parse().map_err(|_| {
        ApiError::new(
            Code::InvalidSnapshot,
            "缺少检索快照编号，请重新检索后再保存",
        )
    })?;
    let filters = filters_of(&report_filters, snapshot);
    let (hits, snapshot, held) = st
        .library
        .search(&st.store, &facts, &charges, &filters)
        .await?;
    let courts = courts_of(st, &row.org_id).await?;
    let views = views(st, &hits, &Asked::new(&facts, &charges, courts)).await?;
    let mut results = vec![];
    for v in views {
        let a = get(&format!("a_{}", v.judgment_id));
        let annotation = Annotation::from_code(if a.is_empty() { "unmarked" } else { &a })
            .ok_or_else(|| {
                ApiError::new(
                    Code::InvalidAnnotation,
                    format!("第 {} 条结果的标注“{a}”无效", v.rank),
                )
            })?;
        let note = get(&format!("n_{}", v.judgment_id)).trim().to_string();
        if annotation != Annotation::Unmarked && note.is_empty() {
            return Err(ApiError::new(
                Code::NoteRequired,
                format!(
                    "第 {} 条结果（{}）标注为“{}”，请写明理由",
                    v.rank,
                    v.title,
                    annotation.zh()
                ),
            ));
        }
        results.push(ReportResult {
            rank: v.rank,
            judgment_id: v.judgment_id,
            score: v.score,
            facts: v.facts,
            text: v.text,
            charges: v.charges,
            shared_charges: v.shared_charges,
            shared_words: v.shared_words,
            shared_articles: v.shared_articles,
            title: v.title,
            court: v.court,
            case_number: v.case_number,
            decided_on: v.decided_on,
            outcome: v.outcome,
            annotation,
            note,
            coverage: v.coverage,
            source: v.source.to_string(),
        });
    }
    // Checked in the order the page showed them; kept in the order of the SPC's guidance.
    results.sort_by_key(|x| {
        (
            SourceTier::from_code(&x.source).unwrap_or(SourceTier::Other),
            x.rank,
        )
    });
    for (i, x) in results.iter_mut().enumerate() {
        x.rank = i as u32 + 1;
    }
    let report = NewReport {
        case_id: id,
        query_facts: facts,
        query_charges: charges,
        filters: report_filters,
        snapshot_last_id: snapshot as i64,
        snapshot_count: held as i64,
        ranking_version: RANKING_VERSION.to_string(),
        results,
    };
    Ok(st.store.save_report(&report, &s.user, st.now()).await?)
}

pub async fn save_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "案件不存在");
    };
    match save(&st, &s, id, &form).await {
        Ok(rid) => Redirect::to(&format!("/cases/{id}/similar/reports/{rid}")).into_response(),
        Err(e) => error_page(e.status, &e.message),
    }
}

// --- a stored report ---------------------------------------------------------------------------

/// What re-running a stored report gives.
pub struct Rerun {
    pub same: bool,
    pub ids: Vec<i64>,
}

/// Re-runs a report's query against its snapshot.
pub async fn rerun(st: &AppState, r: &Report) -> Result<Rerun, ApiError> {
    let b = &r.body;
    let (hits, _, _) = st
        .library
        .search(
            &st.store,
            &b.query_facts,
            &b.query_charges,
            &filters_of(&b.filters, b.snapshot_last_id),
        )
        .await?;
    let ids: Vec<i64> = hits.iter().map(|h| h.id as i64).collect();
    // The report lists its results in the guidance's order, not by score: the same judgments
    // with the same scores are the same result.
    let mut again: Vec<(i64, f64)> = hits.iter().map(|h| (h.id as i64, h.score)).collect();
    let mut stored: Vec<(i64, f64)> = b.results.iter().map(|x| (x.judgment_id, x.score)).collect();
    again.sort_by_key(|x| x.0);
    stored.sort_by_key(|x| x.0);
    let same = again.len() == stored.len()
        && again
            .iter()
            .zip(&stored)
            .all(|(a, b)| a.0 == b.0 && (a.1 - b.1).abs() < 1e-9);
    Ok(Rerun {
        same: same && b.ranking_version == RANKING_VERSION,
        ids,
    })
}

#[derive(Template)]
#[template(path = "similar_report.html")]
struct ReportPage {
    layout: Layout,
    print: bool,
    /// The reader's clearance does not cover the case: the query and notes are withheld.
    redacted: bool,
    /// …and it is a state secret: the results too.
    withheld: bool,
    case_id: i64,
    case_number: String,
    court: String,
    r: Report,
    created_local: String,
    filters_zh: String,
    rerun_same: bool,
    /// The report was ranked by an earlier version of the ranking, which a re-run cannot repeat.
    ranking_changed: bool,
    ranking_now: &'static str,
    rerun_ids: String,
    refer: usize,
    not_refer: usize,
    /// The results by the guidance's tiers, in its order.
    groups: Vec<(&'static str, Vec<ReportResult>)>,
    /// 检索结论: what was found in each tier and how the results were used.
    conclusion: Vec<String>,
    /// The judge's own 检索结论, as last written.
    judge_conclusion: Option<ConclusionView>,
    /// The reader may write it (those who may save a report on the case).
    can_conclude: bool,
    /// Why the text sent was refused, beside the field.
    conclusion_error: Option<String>,
    /// The text in the field.
    draft: String,
    max_chars: usize,
}

pub struct ConclusionView {
    pub body: String,
    pub written_by: String,
    pub written_local: String,
    pub versions: i64,
}

/// The longest 检索结论 a judge writes.
pub const CONCLUSION_CHARS: usize = 3000;

/// The text of a 检索结论 as sent, trimmed, or the error naming the field.
pub fn conclusion_text(body: &str) -> Result<String, ApiError> {
    let t = body.trim();
    if t.is_empty() {
        return Err(ApiError::invalid_field(
            Code::NoteRequired,
            "body",
            "请写明检索结论",
        ));
    }
    let n = t.chars().count();
    if n > CONCLUSION_CHARS {
        return Err(ApiError::invalid_field(
            Code::FieldTooLong,
            "body",
            format!("检索结论不超过 {CONCLUSION_CHARS} 字（现为 {n} 字）"),
        ));
    }
    Ok(t.to_string())
}

/// Writes the judge's 检索结论 under a report of a case they may report on.
pub async fn write_conclusion(
    st: &AppState,
    s: &Session,
    id: &str,
    rid: &str,
    body: &str,
) -> Result<i64, ApiError> {
    let (d, r) = load_report(st, s, id, rid).await?;
    let row = case_row(st, s, d.case.id).await?;
    if !super::may_report(s, &row) {
        return Err(ApiError::forbidden("撰写检索结论"));
    }
    let text = conclusion_text(body)?;
    Ok(st
        .store
        .write_conclusion(r.id, &text, &s.user, st.now())
        .await?)
}

#[derive(Debug, Default, Deserialize)]
pub struct ConclusionForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub body: String,
}

pub async fn conclusion_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path((id, rid)): Path<(String, String)>,
    Form(form): Form<ConclusionForm>,
) -> Response {
    if let Some(refused) = crate::http::extract::csrf_refused(&form.csrf, &s) {
        return refused;
    }
    match write_conclusion(&st, &s, &id, &rid, &form.body).await {
        Ok(_) => {
            Redirect::to(&format!("/cases/{id}/similar/reports/{rid}#conclusion")).into_response()
        }
        // A refused text is shown beside the field, the text kept.
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            report_response(
                st,
                s,
                id,
                rid,
                ReportQuery::default(),
                Some((e.message, form.body)),
            )
            .await
        }
        Err(e) => error_page(e.status, &e.message),
    }
}

/// `POST /api/v1/cases/{id}/similar/reports/{rid}/conclusion`.
pub async fn api_conclusion(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    crate::http::CurrentUser(s): crate::http::CurrentUser,
    Path((id, rid)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ConclusionOut>), ApiError> {
    crate::http::extract::check_csrf(&headers, &s)?;
    let input: ConclusionInput = crate::http::extract::json_body(&body)?;
    let cid = write_conclusion(&st, &s, &id, &rid, &input.body).await?;
    let rid: i64 = rid.parse().map_err(|_| ApiError::not_found("检索报告"))?;
    let c = st
        .store
        .conclusion(rid)
        .await?
        .ok_or_else(|| ApiError::not_found("检索结论"))?;
    Ok((
        StatusCode::CREATED,
        Json(ConclusionOut {
            id: cid,
            report_id: rid,
            body: c.body,
            written_by: c.written_by,
            written_at: c.written_at,
            versions: c.versions,
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ConclusionInput {
    /// 检索结论，不超过 3000 字。
    pub body: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConclusionOut {
    pub id: i64,
    pub report_id: i64,
    pub body: String,
    pub written_by: String,
    /// UTC, RFC 3339.
    pub written_at: String,
    /// How many times the report's 检索结论 was written.
    pub versions: i64,
}

/// The tier of a stored result: as kept, or — for a report saved before tiers were kept — read
/// from its court.
fn tier_of(x: &ReportResult, courts: &Courts) -> SourceTier {
    SourceTier::from_code(&x.source).unwrap_or_else(|| {
        let source = if x.outcome.starts_with("典型意义") {
            "typical"
        } else {
            ""
        };
        source_tier(source, x.court.as_deref(), courts)
    })
}

/// The results grouped by tier, in the guidance's order.
fn groups(results: &[ReportResult], courts: &Courts) -> Vec<(&'static str, Vec<ReportResult>)> {
    SourceTier::ALL
        .iter()
        .filter_map(|t| {
            let v: Vec<ReportResult> = results
                .iter()
                .filter(|x| tier_of(x, courts) == *t)
                .cloned()
                .collect();
            (!v.is_empty()).then_some((t.zh(), v))
        })
        .collect()
}

/// 检索结论 (《最高人民法院关于统一法律适用加强类案检索的指导意见（试行）》第八条、第九条): how many
/// similar cases each tier gave, which the judge refers to and why, which not and why, and what a
/// 指导性案例 requires.
pub fn conclusion(results: &[ReportResult], courts: &Courts, held: i64) -> Vec<String> {
    let mut out = vec![];
    let count = |t: SourceTier| results.iter().filter(|x| tier_of(x, courts) == t).count();
    let tiers: Vec<String> = SourceTier::ALL
        .iter()
        .map(|t| format!("{} {} 件", t.zh(), count(*t)))
        .collect();
    out.push(format!(
        "经在裁判文书库（{held} 篇）中检索，列出相似案件 {} 件：{}。",
        results.len(),
        tiers.join("，")
    ));
    let guiding: Vec<&ReportResult> = results
        .iter()
        .filter(|x| tier_of(x, courts) == SourceTier::Guiding)
        .collect();
    if guiding.is_empty() {
        out.push(
            "未检索到指导性案例，本案无应当参照的类案；检索到的其他类案可以作为裁判的参考。".into(),
        );
    } else {
        out.push(format!(
            "检索到指导性案例 {} 件，依照上述意见第九条应当参照作出裁判，但与新的法律、行政法规、司法解释相冲突或者为新的指导性案例所取代的除外。",
            guiding.len()
        ));
        for g in guiding.iter().filter(|g| g.annotation != Annotation::Refer) {
            out.push(format!(
                "指导性案例“{}”未标注参照，{}",
                g.title,
                if g.note.is_empty() {
                    "应当说明不予参照的理由。".to_string()
                } else {
                    format!("理由：{}", g.note)
                }
            ));
        }
    }
    for (a, lead) in [
        (Annotation::Refer, "参照"),
        (Annotation::NotRefer, "不参照"),
    ] {
        let v: Vec<String> = results
            .iter()
            .filter(|x| x.annotation == a)
            .map(|x| format!("第 {} 号“{}”（{}）", x.rank, x.title, x.note))
            .collect();
        if !v.is_empty() {
            out.push(format!("{lead} {} 件：{}。", v.len(), v.join("；")));
        }
    }
    let unmarked = results
        .iter()
        .filter(|x| x.annotation == Annotation::Unmarked)
        .count();
    if unmarked > 0 {
        out.push(format!("其余 {unmarked} 件未作标注，仅供参考。"));
    }
    out
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    pub print: Option<String>,
}

fn filters_zh(f: &ReportFilters) -> String {
    let mut v = vec![];
    if let Some(c) = &f.charge {
        v.push(format!("罪名：{c}"));
    }
    if let Some(l) = f.level.as_deref().and_then(CourtLevel::from_code) {
        v.push(format!("法院层级：{}", l.zh()));
    }
    match (f.year_from, f.year_to) {
        (Some(a), Some(b)) => v.push(format!("裁判年份：{a}–{b}")),
        (Some(a), None) => v.push(format!("裁判年份：{a} 年起")),
        (None, Some(b)) => v.push(format!("裁判年份：至 {b} 年")),
        (None, None) => {}
    }
    if v.is_empty() {
        "无".to_string()
    } else {
        v.join("；")
    }
}

async fn load_report(
    st: &AppState,
    s: &Session,
    id: &str,
    rid: &str,
) -> Result<(crate::view::CaseDetail, Report), ApiError> {
    let id = parse_case_id(id)?;
    let rid: i64 = rid.parse().map_err(|_| ApiError::not_found("检索报告"))?;
    let d = readable_case(st, s, id, "similar_report").await?;
    let r = st
        .store
        .report(rid)
        .await?
        .filter(|r| r.body.case_id == id)
        .ok_or_else(|| ApiError::not_found("检索报告"))?;
    Ok((d, r))
}

/// A report as a reader without the case's clearance may see it (finding H2): the facts the judge
/// searched with, the words they share with each result and the judge's notes are the case's
/// facts; for a state secret the charges and the results (whose titles name the charges) too.
pub fn redact_report(r: &mut Report, vis: Visibility) {
    if vis == Visibility::Full {
        return;
    }
    r.body.query_facts = REDACTED.to_string();
    for x in &mut r.body.results {
        x.shared_words.clear();
        if !x.note.is_empty() {
            x.note = REDACTED.to_string();
        }
    }
    if vis == Visibility::Withhold {
        r.body.query_charges.clear();
        r.body.results.clear();
    }
}

pub async fn report_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path((id, rid)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> Response {
    report_response(st, s, id, rid, q, None).await
}

/// The report page; `refused`: a 检索结论 sent and refused (the reason, the text as sent).
async fn report_response(
    st: AppState,
    s: Session,
    id: String,
    rid: String,
    q: ReportQuery,
    refused: Option<(String, String)>,
) -> Response {
    let out = async {
        let (d, mut r) = load_report(&st, &s, &id, &rid).await?;
        let mut again = rerun(&st, &r).await?;
        // Re-run on the stored query, then show the reader only what their clearance allows.
        let level =
            Confidentiality::parse(&d.case.confidentiality).unwrap_or(Confidentiality::StateSecret);
        // As the case page: whole for the people who need to know, else by clearance.
        let vis = if d.case.redacted {
            visibility(level, &s.user.clearance)
        } else {
            Visibility::Full
        };
        redact_report(&mut r, vis);
        if vis == Visibility::Withhold {
            again.ids.clear();
        }
        let row = case_row(&st, &s, d.case.id).await?;
        let courts = courts_of(&st, &row.org_id).await?;
        let can_conclude = super::may_report(&s, &row) && vis == Visibility::Full;
        let judge_conclusion = st.store.conclusion(r.id).await?.map(|c| ConclusionView {
            // The judge's analysis is the case's facts: withheld as the query is.
            body: if vis == Visibility::Full {
                c.body
            } else {
                REDACTED.to_string()
            },
            written_by: c.written_by,
            written_local: crate::view::local(&c.written_at),
            versions: c.versions,
        });
        // The text in the field: as sent when it was refused, else the one in force.
        let (conclusion_error, draft) = match refused {
            Some((why, text)) => (Some(why), text),
            None => (
                None,
                judge_conclusion
                    .as_ref()
                    .filter(|_| can_conclude)
                    .map(|c| c.body.clone())
                    .unwrap_or_default(),
            ),
        };
        Ok::<_, ApiError>(render(&ReportPage {
            judge_conclusion,
            can_conclude,
            conclusion_error,
            draft,
            max_chars: CONCLUSION_CHARS,
            layout: Layout::new(&s, "/cases"),
            print: q.print.is_some(),
            redacted: vis != Visibility::Full,
            withheld: vis == Visibility::Withhold,
            case_id: d.case.id,
            case_number: d.case.case_number.clone(),
            court: d.case.court.clone(),
            filters_zh: filters_zh(&r.body.filters),
            created_local: crate::view::local(&r.created_at),
            rerun_same: again.same,
            ranking_changed: r.body.ranking_version != RANKING_VERSION,
            ranking_now: RANKING_VERSION,
            rerun_ids: again
                .ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join("、"),
            refer: r
                .body
                .results
                .iter()
                .filter(|x| x.annotation == Annotation::Refer)
                .count(),
            not_refer: r
                .body
                .results
                .iter()
                .filter(|x| x.annotation == Annotation::NotRefer)
                .count(),
            groups: groups(&r.body.results, &courts),
            conclusion: if vis == Visibility::Withhold {
                vec![]
            } else {
                conclusion(&r.body.results, &courts, r.body.snapshot_count)
            },
            r,
        }))
    }
    .await;
    out.unwrap_or_else(|e| error_page(e.status, &e.message))
}
