//! 类案检索 on a case: similar prior judgments ranked with their reasons and outcomes, the
//! retrieval report (stored, printable, re-runnable), mandatory-retrieval tasks and the deviation
//! warning.
//!
//! The library's index ([`Library`]) is opened on first use and follows the store: before every
//! search it takes in the judgments imported since it last looked (their ids are increasing), and
//! it is rebuilt when it holds judgments the store does not (a database replaced under it).

use crate::api::{can_read, readable_case};
use crate::error::ApiError;
use crate::pages::{Layout, error_page, render};
use crate::{AppState, PageUser};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use tianping_domain::case::{REDACTED, Visibility, visibility};
use tianping_domain::event::EventBody;
use tianping_domain::judgment::{
    ArticleRef, CourtLevel, Penalty, cited_articles, months_zh as months,
};
use tianping_domain::org::Role;
use tianping_domain::similar::{Deviation, SimilarRules, Trigger, term_for};
use tianping_domain::{AgencyKind, Confidentiality};
use tianping_search::Tokenizer;
use tianping_search::index::{
    Filters, Hit, Judgment as IndexJudgment, RANKING_VERSION, SimilarIndex,
};
use tianping_search::rank::Query as SearchQuery;
use tianping_store::Store;
use tianping_store::judgments::Judgment;
use tianping_store::retrieval::{
    Annotation, NewDeviation, NewReport, Report, ReportFilters, ReportResult,
};
use tianping_store::user::Session;

/// Results shown and kept in a report.
pub const RESULTS: usize = 20;
/// Results shown on the case page.
const TOP_ON_CASE: usize = 3;
const CATCH_UP_BATCH: i64 = 500;
/// A catch-up that took in at least this many judgments (a bulk import, the first build) is
/// followed by a merge of the index into one segment, in the background: a search then looks each
/// of its terms up once, not once per segment (at 1M judgments the p95 of a search fell from 56
/// to 39 ms, at 200,000 from 28 to 13 ms; see docs/BENCHMARKS.md).
const MERGE_AFTER: usize = 10_000;

struct Loaded {
    index: SimilarIndex,
    tokenizer: Tokenizer,
}

/// The searchable library of prior judgments.
pub struct Library {
    dir: Option<PathBuf>,
    loaded: tokio::sync::OnceCell<Arc<Loaded>>,
    catch_up: tokio::sync::Mutex<()>,
    /// Set once the index has taken in the store's judgments at least once.
    ready: std::sync::atomic::AtomicBool,
    rules: SimilarRules,
}

impl Library {
    /// An index kept in memory, built from the store on first use.
    pub fn in_memory() -> Library {
        Library::new(None)
    }

    /// An index kept in `dir` across restarts.
    pub fn in_dir(dir: PathBuf) -> Library {
        Library::new(Some(dir))
    }

    fn new(dir: Option<PathBuf>) -> Library {
        Library {
            dir,
            loaded: tokio::sync::OnceCell::new(),
            catch_up: tokio::sync::Mutex::new(()),
            ready: std::sync::atomic::AtomicBool::new(false),
            rules: SimilarRules::shipped(),
        }
    }

    pub fn rules(&self) -> &SimilarRules {
        &self.rules
    }

    /// Has the index taken in the stored judgments (so a search does not wait for the first build)?
    pub fn is_loaded(&self) -> bool {
        self.ready.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Opens the index and takes in the stored judgments, in the background (at start-up).
    pub fn warm(self: Arc<Self>, store: Store) {
        tokio::spawn(async move {
            match self.current(&store).await {
                Ok(l) => tracing::info!(judgments = l.index.len(), "similar-case index ready"),
                Err(e) => tracing::warn!(error = %e.message, "similar-case index not ready"),
            }
        });
    }

    async fn loaded(&self) -> Result<Arc<Loaded>, ApiError> {
        let dir = self.dir.clone();
        self.loaded
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || {
                    let index = match &dir {
                        Some(d) => SimilarIndex::open_or_create(d, 50_000_000, 1),
                        None => SimilarIndex::in_ram(50_000_000, 1),
                    }
                    .map_err(ApiError::internal)?;
                    Ok::<_, ApiError>(Arc::new(Loaded {
                        index,
                        tokenizer: Tokenizer::new(),
                    }))
                })
                .await
                .map_err(ApiError::internal)?
            })
            .await
            .cloned()
    }

    /// The index, holding every judgment of the store.
    async fn current(&self, store: &Store) -> Result<Arc<Loaded>, ApiError> {
        let l = self.loaded().await?;
        let _guard = self.catch_up.lock().await;
        let newest = store.max_judgment_id().await?;
        let mut last =
            i64::try_from(l.index.last_id().map_err(ApiError::internal)?).unwrap_or(i64::MAX);
        if last > newest {
            tracing::warn!(
                index = last,
                store = newest,
                "search index ahead of the store: rebuilding"
            );
            l.index.clear().map_err(ApiError::internal)?;
            last = 0;
        }
        let mut took_in = 0usize;
        while last < newest {
            let batch = store.judgments_after(last, CATCH_UP_BATCH).await?;
            took_in += batch.len();
            let Some(end) = batch.last().map(|j| j.id) else {
                break;
            };
            let l2 = l.clone();
            tokio::task::spawn_blocking(move || {
                let docs: Vec<_> = batch
                    .iter()
                    .map(|j| {
                        l2.index.document(
                            &l2.tokenizer,
                            &IndexJudgment {
                                id: j.id as u64,
                                fact: &j.fact,
                                text: &j.text,
                                charges: &j.charges,
                                court: j.court.as_deref(),
                                year: j.decided_on.map(|d| chrono::Datelike::year(&d)),
                            },
                        )
                    })
                    .collect();
                l2.index.add(docs)?;
                l2.index.commit(end as u64)
            })
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
            tracing::info!(up_to = end, "search index took in new judgments");
            last = end;
        }
        if took_in >= MERGE_AFTER {
            let l2 = l.clone();
            tokio::task::spawn_blocking(move || {
                let t = std::time::Instant::now();
                match l2.index.merge_all() {
                    Ok(()) => tracing::info!(
                        segments = l2.index.segments(),
                        seconds = t.elapsed().as_secs_f64(),
                        "search index merged after a bulk catch-up"
                    ),
                    Err(e) => tracing::warn!(error = %e, "search index merge failed"),
                }
            });
        }
        self.ready.store(true, std::sync::atomic::Ordering::Release);
        Ok(l)
    }

    /// Searches; returns the hits and the snapshot (newest id, judgments held) they were found in.
    async fn search(
        &self,
        store: &Store,
        facts: &str,
        charges: &[String],
        filters: &Filters,
    ) -> Result<(Vec<Hit>, u64, u64), ApiError> {
        let l = self.current(store).await?;
        let (facts, charges, filters) = (facts.to_string(), charges.to_vec(), filters.clone());
        tokio::task::spawn_blocking(move || {
            let q = SearchQuery::new(&l.tokenizer, &facts, charges);
            let snapshot = match filters.max_id {
                Some(m) => m,
                None => l.index.last_id()?,
            };
            let f = Filters {
                max_id: Some(snapshot),
                ..filters
            };
            let hits = l.index.search(&q, &f, RESULTS)?;
            Ok::<_, tianping_search::index::IndexError>((hits, snapshot, l.index.len()))
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
    }
}

// --- the query a user sends --------------------------------------------------------------------

/// A retrieval as it arrives from the form or the API.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct RetrievalInput {
    #[serde(default)]
    pub facts: Option<String>,
    /// Charges of the case, separated by 、 or commas.
    #[serde(default)]
    pub charges: Option<String>,
    #[serde(default)]
    pub charge: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub year_from: String,
    #[serde(default)]
    pub year_to: String,
}

fn split_charges(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ';', '；', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn year(field: &'static str, v: &str) -> Result<Option<i32>, ApiError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<i32>() {
        Ok(y) if (1949..=2100).contains(&y) => Ok(Some(y)),
        _ => Err(ApiError::bad_request(
            "invalid_year",
            format!("{field}“{v}”不是有效年份（1949–2100）"),
        )),
    }
}

impl RetrievalInput {
    fn filters(&self) -> Result<(ReportFilters, Filters), ApiError> {
        let level = match self.level.trim() {
            "" => None,
            l => Some(CourtLevel::from_code(l).ok_or_else(|| {
                ApiError::bad_request("invalid_level", format!("法院层级“{l}”无效"))
            })?),
        };
        let year_from = year("起始年份", &self.year_from)?;
        let year_to = year("截止年份", &self.year_to)?;
        if let (Some(a), Some(b)) = (year_from, year_to)
            && a > b
        {
            return Err(ApiError::bad_request(
                "invalid_year",
                format!("起始年份 {a} 晚于截止年份 {b}"),
            ));
        }
        let charge = Some(self.charge.trim().to_string()).filter(|c| !c.is_empty());
        Ok((
            ReportFilters {
                charge: charge.clone(),
                level: level.map(|l| l.code().to_string()),
                year_from,
                year_to,
            },
            Filters {
                charge,
                level,
                year_from,
                year_to,
                max_id: None,
            },
        ))
    }
}

fn filters_of(f: &ReportFilters, snapshot: i64) -> Filters {
    Filters {
        charge: f.charge.clone(),
        level: f.level.as_deref().and_then(CourtLevel::from_code),
        year_from: f.year_from,
        year_to: f.year_to,
        max_id: Some(snapshot.max(0) as u64),
    }
}

// --- results with outcomes ---------------------------------------------------------------------

/// A result as shown and as the API returns it.
#[derive(Debug, Clone, Serialize)]
pub struct ResultView {
    pub rank: u32,
    pub judgment_id: i64,
    pub score: f64,
    pub facts: f64,
    pub text: f64,
    pub charges: f64,
    pub shared_charges: Vec<String>,
    /// The query's words its facts also say, the most distinctive first.
    pub shared_words: Vec<String>,
    /// The statutes the query cites that it cites too (《刑法》第133条之一 …).
    pub shared_articles: Vec<String>,
    pub title: String,
    pub court: Option<String>,
    /// The court's level (`basic`, `intermediate`, `high`, `supreme`), read from its name.
    pub level: Option<&'static str>,
    /// Its court is of the same level as the case's.
    pub same_level: bool,
    pub case_number: Option<String>,
    pub decided_on: Option<String>,
    pub outcome: String,
    /// Why, in words.
    pub why: String,
}

/// What the results are compared with besides the ranking: the statutes the query cites and the
/// level of the case's court.
#[derive(Debug, Clone, Default)]
pub struct Asked {
    articles: Vec<ArticleRef>,
    level: Option<CourtLevel>,
}

impl Asked {
    pub fn new(facts: &str, case_court: &str) -> Asked {
        Asked {
            articles: cited_articles(facts),
            level: CourtLevel::of(case_court),
        }
    }
}

/// The same statute: the law and the article (with its 之一), whichever 款 or 项.
fn same_article(a: &ArticleRef, b: &ArticleRef) -> bool {
    fn law(x: &ArticleRef) -> &str {
        x.law.trim_start_matches("中华人民共和国")
    }
    law(a) == law(b) && a.article == b.article && a.suffix == b.suffix
}

fn article_base(a: &ArticleRef) -> String {
    ArticleRef {
        paragraph: None,
        item: None,
        ..a.clone()
    }
    .label()
}

/// The sentences of a judgment in a line: each defendant's principal penalty, probation and fine.
pub fn outcome(j: &Judgment) -> String {
    let combined: Vec<_> = j.sentences.iter().filter(|s| s.combined).collect();
    let shown: Vec<_> = if combined.is_empty() {
        j.sentences.iter().collect()
    } else {
        combined
    };
    let parts: Vec<String> = shown
        .iter()
        .map(|s| {
            let mut p = String::new();
            if let Some(d) = &s.defendant {
                p.push_str(d);
                p.push('：');
            }
            if s.combined {
                p.push_str("决定执行");
            } else if let Some(c) = &s.charge {
                p.push_str(c);
                p.push('，');
            }
            p.push_str(&match s.penalty {
                Penalty::None => "未判处主刑".to_string(),
                other => other.zh(),
            });
            if let Some(m) = s.probation_months {
                p.push_str(&format!("，缓刑{}", months(m)));
            }
            if let Some(f) = s.fine_yuan {
                p.push_str(&format!("，罚金{f}元"));
            }
            p
        })
        .collect();
    if parts.is_empty() {
        "未读出刑罚".to_string()
    } else {
        parts.join("；")
    }
}

/// Why a result ranked, in a line: 同罪名, the shared facts, the shared statutes, its court's level
/// (and whether it is the case's), its year, then the parts of the score.
fn why_zh(v: &ResultView, level: Option<CourtLevel>) -> String {
    let mut parts = vec![];
    if !v.shared_charges.is_empty() {
        parts.push(format!("同罪名：{}", v.shared_charges.join("、")));
    }
    if !v.shared_words.is_empty() {
        parts.push(format!("共同事实：{}", v.shared_words.join("、")));
    }
    if !v.shared_articles.is_empty() {
        parts.push(format!("同援引法条：{}", v.shared_articles.join("、")));
    }
    let mut court = String::new();
    if let Some(l) = level {
        court.push_str(l.zh());
        if v.same_level {
            court.push_str("（与本案同级）");
        }
    }
    if let Some(y) = v.decided_on.as_deref().and_then(|d| d.get(..4)) {
        if !court.is_empty() {
            court.push('，');
        }
        court.push_str(&format!("{y}年裁判"));
    }
    if !court.is_empty() {
        parts.push(court);
    }
    parts.push(format!("事实相似 {:.0}%", v.facts * 100.0));
    parts.push(format!("全文相似 {:.0}%", v.text * 100.0));
    parts.join("；")
}

async fn views(st: &AppState, hits: &[Hit], asked: &Asked) -> Result<Vec<ResultView>, ApiError> {
    let ids: Vec<i64> = hits.iter().map(|h| h.id as i64).collect();
    let by_id: HashMap<i64, Judgment> = st
        .store
        .judgments_by_ids(&ids)
        .await?
        .into_iter()
        .map(|j| (j.id, j))
        .collect();
    Ok(hits
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let j = by_id.get(&(h.id as i64))?;
            let mut shared_articles: Vec<String> = vec![];
            for a in &j.articles {
                if asked.articles.iter().any(|q| same_article(q, a)) {
                    let label = article_base(a);
                    if !shared_articles.contains(&label) {
                        shared_articles.push(label);
                    }
                }
            }
            let level = j.court.as_deref().and_then(CourtLevel::of);
            let mut v = ResultView {
                rank: i as u32 + 1,
                judgment_id: j.id,
                score: h.score,
                facts: h.why.facts,
                text: h.why.text,
                charges: h.why.charges,
                shared_charges: h.why.shared_charges.clone(),
                shared_words: h.why.shared_words.clone(),
                shared_articles,
                title: j.title.clone(),
                court: j.court.clone(),
                level: level.map(CourtLevel::code),
                same_level: level.is_some() && level == asked.level,
                case_number: j.case_number.clone(),
                decided_on: j.decided_on.map(|d| d.to_string()),
                outcome: outcome(j),
                why: String::new(),
            };
            v.why = why_zh(&v, level);
            Some(v)
        })
        .collect())
}

// --- who may do what ---------------------------------------------------------------------------

/// Writing a report: the court's own judges, case office and heads.
fn may_report(s: &Session, row: &tianping_store::case::CaseRow) -> bool {
    matches!(
        s.user.role,
        Role::Judge | Role::DivisionChief | Role::President | Role::CaseOffice
    ) && s.org.kind == AgencyKind::Court
        && row.agency_kind == "court"
        && can_read(s, row)
}

async fn case_row(
    st: &AppState,
    s: &Session,
    id: i64,
) -> Result<tianping_store::case::CaseRow, ApiError> {
    crate::clocks::readable(st, s, id).await
}

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
    let facts = d.case.cause.clone();
    let charges = d.charges.join("、");
    Ok((d, facts, charges))
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
    let facts = q.facts.clone().unwrap_or(default_facts);
    let charges = q.charges.clone().unwrap_or(default_charges);
    let mut page = SimilarPage {
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
            page.results = views(st, &hits, &Asked::new(&facts, &row.org_name)).await?;
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
    crate::CurrentUser(s): crate::CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<RetrievalInput>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_id", format!("案件编号“{id}”不是整数")))?;
    let (d, default_facts, default_charges) = defaults(&st, &s, id).await?;
    let facts = q.facts.clone().unwrap_or(default_facts);
    let charges = split_charges(&q.charges.clone().unwrap_or(default_charges));
    let (_, filters) = q.filters()?;
    let (hits, snapshot, held) = st
        .library
        .search(&st.store, &facts, &charges, &filters)
        .await?;
    Ok(Json(serde_json::json!({
        "case_id": id,
        "query": { "facts": facts, "charges": charges },
        "snapshot": { "last_judgment_id": snapshot, "judgments": held },
        "ranking_version": RANKING_VERSION,
        "results": views(&st, &hits, &Asked::new(&facts, &d.case.court)).await?,
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
    if crate::clocks::csrf_refused(&get("csrf"), s).is_some() {
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
        return Err(ApiError::bad_request(
            "empty_query",
            "检索内容为空：请填写案情或罪名",
        ));
    }
    let (report_filters, _) = input.filters()?;
    let snapshot: i64 = get("snapshot").trim().parse().map_err(|_| {
        ApiError::bad_request("invalid_snapshot", "缺少检索快照编号，请重新检索后再保存")
    })?;
    let filters = filters_of(&report_filters, snapshot);
    let (hits, snapshot, held) = st
        .library
        .search(&st.store, &facts, &charges, &filters)
        .await?;
    let views = views(st, &hits, &Asked::new(&facts, &row.org_name)).await?;
    let mut results = vec![];
    for v in views {
        let a = get(&format!("a_{}", v.judgment_id));
        let annotation = Annotation::from_code(if a.is_empty() { "unmarked" } else { &a })
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_annotation",
                    format!("第 {} 条结果的标注“{a}”无效", v.rank),
                )
            })?;
        let note = get(&format!("n_{}", v.judgment_id)).trim().to_string();
        if annotation != Annotation::Unmarked && note.is_empty() {
            return Err(ApiError::bad_request(
                "note_required",
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
        });
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
    let stored: Vec<i64> = b.results.iter().map(|x| x.judgment_id).collect();
    Ok(Rerun {
        same: ids == stored && b.ranking_version == RANKING_VERSION,
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
        Ok::<_, ApiError>(render(&ReportPage {
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
            r,
        }))
    }
    .await;
    out.unwrap_or_else(|e| error_page(e.status, &e.message))
}

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
        let filters = Filters {
            charge: Some(charge.clone()),
            ..Filters::default()
        };
        let (hits, _, _) = st
            .library
            .search(&st.store, cause, std::slice::from_ref(charge), &filters)
            .await?;
        let ids: Vec<i64> = hits.iter().map(|h| h.id as i64).collect();
        let by_id: HashMap<i64, Judgment> = st
            .store
            .judgments_by_ids(&ids)
            .await?
            .into_iter()
            .map(|j| (j.id, j))
            .collect();
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
    let due: Vec<Trigger> = st
        .library
        .rules()
        .due(&active)
        .into_iter()
        .cloned()
        .collect();
    let index_ready = st.library.is_loaded();
    let mut top = vec![];
    if index_ready && (!d.case.cause.trim().is_empty() || !d.charges.is_empty()) {
        // Judgments for the case's own charge first; any judgment when none shares it.
        let mut hits = vec![];
        if let Some(charge) = d.charges.first() {
            let same_charge = Filters {
                charge: Some(charge.clone()),
                ..Filters::default()
            };
            hits = st
                .library
                .search(&st.store, &d.case.cause, &d.charges, &same_charge)
                .await?
                .0;
        }
        if hits.is_empty() {
            hits = st
                .library
                .search(&st.store, &d.case.cause, &d.charges, &Filters::default())
                .await?
                .0;
        }
        let asked = Asked::new(&d.case.cause, &row.org_name);
        top = views(st, &hits[..hits.len().min(TOP_ON_CASE)], &asked).await?;
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
    matches!(s.user.role, Role::CaseOffice | Role::President)
        && s.org.kind == AgencyKind::Court
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
    if let Some(refused) = crate::clocks::csrf_refused(&f.csrf, &s) {
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
    crate::CurrentUser(s): crate::CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    crate::api::check_csrf(&headers, &s)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_id", format!("预警编号“{id}”不是整数")))?;
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
    crate::CurrentUser(s): crate::CurrentUser,
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
