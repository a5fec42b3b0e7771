//! 类案检索 on a case: similar prior judgments ranked with their reasons and outcomes, the
//! retrieval report (stored, printable, re-runnable), mandatory-retrieval tasks and the deviation
//! warning.
//!
//! The library's index ([`Library`]) is opened on first use and follows the store: before every
//! search it takes in the judgments imported since it last looked (their ids are increasing), and
//! it is rebuilt when it holds judgments the store does not (a database replaced under it).

pub mod conflict;
pub mod deviation;
pub mod reports;

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::access::can_read;
use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use tianping_domain::AgencyKind;
use tianping_domain::judgment::{
    ArticleRef, CourtLevel, Penalty, cited_articles, months_zh as months,
};
use tianping_domain::org::Role;
use tianping_domain::similar::{Courts, SimilarRules, source_tier};
use tianping_search::Tokenizer;
use tianping_search::index::{Filters, Hit, Judgment as IndexJudgment, SimilarIndex};
use tianping_search::rank::Query as SearchQuery;
use tianping_store::Store;
use tianping_store::judgments::Judgment;
use tianping_store::retrieval::ReportFilters;
use tianping_store::user::Session;

pub use deviation::{
    CaseRetrieval, OpenDeviation, SweepReport, case_retrieval, open_deviations, sweep_deviations,
};
pub use reports::{Rerun, rerun};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/similar", get(reports::page))
        .route(
            "/deviation-warnings/{id}/ack",
            post(deviation::acknowledge_submit),
        )
        .route("/cases/{id}/similar/reports", post(reports::save_submit))
        .route(
            "/cases/{id}/similar/reports/{rid}",
            get(reports::report_page),
        )
        .route(
            "/cases/{id}/similar/reports/{rid}/conclusion",
            post(reports::conclusion_submit),
        )
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/similar", get(reports::api_search))
        .route(
            "/cases/{id}/similar/reports/{rid}/conclusion",
            post(reports::api_conclusion),
        )
        .route("/deviation-warnings", get(deviation::api_deviations))
        .route(
            "/deviation-warnings/{id}/ack",
            post(deviation::api_acknowledge),
        )
}

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
        // Usually the index holds every judgment already: answer without queueing behind the
        // catch-up lock (every case page asks; held across a query, it made them wait in line).
        if self.is_loaded()
            && i64::try_from(l.index.last_id()).ok() == Some(store.max_judgment_id().await?)
        {
            return Ok(l);
        }
        let _guard = self.catch_up.lock().await;
        let newest = store.max_judgment_id().await?;
        let mut last = i64::try_from(l.index.last_id()).unwrap_or(i64::MAX);
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
        self.search_top(store, facts, charges, filters, RESULTS)
            .await
    }

    /// [`Library::search`] for the best `n` (the whole pool ranked, for checks that look past
    /// the first page).
    async fn search_top(
        &self,
        store: &Store,
        facts: &str,
        charges: &[String],
        filters: &Filters,
        n: usize,
    ) -> Result<(Vec<Hit>, u64, u64), ApiError> {
        let l = self.current(store).await?;
        let (facts, charges, filters) = (facts.to_string(), charges.to_vec(), filters.clone());
        tokio::task::spawn_blocking(move || {
            let q = SearchQuery::new(&l.tokenizer, &facts, charges);
            let snapshot = match filters.max_id {
                Some(m) => m,
                None => l.index.last_id(),
            };
            let f = Filters {
                max_id: Some(snapshot),
                ..filters
            };
            let hits = l.index.search(&q, &f, n)?;
            Ok::<_, tianping_search::index::IndexError>((hits, snapshot, l.index.len()))
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
    }
}

// --- the query a user sends --------------------------------------------------------------------

/// A retrieval as it arrives from the form or the API.
#[derive(Debug, Default, Deserialize, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
        _ => Err(ApiError::new(
            Code::InvalidYear,
            format!("{field}“{v}”不是有效年份（1949–2100）"),
        )),
    }
}

impl RetrievalInput {
    fn filters(&self) -> Result<(ReportFilters, Filters), ApiError> {
        let level =
            match self.level.trim() {
                "" => None,
                l => Some(CourtLevel::from_code(l).ok_or_else(|| {
                    ApiError::new(Code::InvalidLevel, format!("法院层级“{l}”无效"))
                })?),
            };
        let year_from = year("起始年份", &self.year_from)?;
        let year_to = year("截止年份", &self.year_to)?;
        if let (Some(a), Some(b)) = (year_from, year_to)
            && a > b
        {
            return Err(ApiError::new(
                Code::InvalidYear,
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
    /// `typical`: a typical case the court and the procuratorate released together, ranked
    /// above ordinary judgments of comparable relevance; `judgment`: an ordinary judgment.
    pub tier: &'static str,
    /// The share of the case's facts this judgment's facts also state (0–1, its words weighted
    /// by rarity); `None` when the case states no facts beyond its charges.
    pub coverage: Option<f64>,
    /// Where it stands in the order of the SPC's guidance (`guiding`, `typical`, `province_high`,
    /// `own_or_superior`, `other`): the report lists them in that order.
    pub source: &'static str,
    pub source_zh: &'static str,
}

/// A typical case is moved ahead of ordinary judgments when its score is at least this share of
/// the best result's: a higher tier among relevant results, never an unrelated case on top.
const TYPICAL_MIN_SHARE: f64 = 0.5;

/// Typical cases of comparable relevance first, each tier in score order; ranks renumbered.
fn by_tier(mut v: Vec<ResultView>) -> Vec<ResultView> {
    let best = v.iter().map(|r| r.score).fold(0.0_f64, f64::max);
    let ahead = |r: &ResultView| r.tier == "typical" && r.score >= best * TYPICAL_MIN_SHARE;
    // A stable sort keeps the score order inside each tier.
    v.sort_by_key(|r| !ahead(r));
    for (i, r) in v.iter_mut().enumerate() {
        r.rank = i as u32 + 1;
        if ahead(r) && !r.why.starts_with("典型案例") {
            r.why = format!("典型案例（法院、检察院联合发布）；{}", r.why);
        }
    }
    v
}

/// The retrieval a case starts from, on its page and on the retrieval page alike: its cause as
/// the facts, its charges, no filter. The same query gives the same list.
pub fn default_query(d: &crate::view::CaseDetail) -> (String, Vec<String>) {
    (d.case.cause.clone(), split_charges(&d.charges.join("、")))
}

/// What the results are compared with besides the ranking: the statutes the query cites, the
/// case's court (its level, its superior and its province's high court) and whether the query
/// states facts at all.
#[derive(Debug, Clone, Default)]
pub struct Asked {
    articles: Vec<ArticleRef>,
    level: Option<CourtLevel>,
    courts: Courts,
    states_facts: bool,
}

impl Asked {
    pub fn new(facts: &str, charges: &[String], courts: Courts) -> Asked {
        Asked {
            articles: cited_articles(facts),
            level: CourtLevel::of(&courts.own),
            courts,
            states_facts: states_facts(facts, charges),
        }
    }
}

/// Whether a query states facts beyond its charges: at least a dozen Chinese characters once the
/// charge names are taken out. A cause such as 交通肇事罪 is a charge, not facts — a share of
/// facts in common computed from it would measure the charge's name.
pub fn states_facts(facts: &str, charges: &[String]) -> bool {
    let mut rest = facts.to_string();
    for c in charges {
        rest = rest.replace(c.as_str(), "");
    }
    rest.chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count()
        >= 12
}

/// The case's own court, its superior and its province's high court, from the organisation tree.
pub async fn courts_of(st: &AppState, org_id: &str) -> Result<Courts, ApiError> {
    let mut courts = Courts::default();
    let Some(own) = st.store.org(org_id).await? else {
        return Ok(courts);
    };
    courts.own = own.name.clone();
    let mut parent = own.parent_id.clone();
    let mut first = true;
    // A few levels at most (county → city → province → the top).
    for _ in 0..6 {
        let Some(id) = parent else { break };
        let Some(o) = st.store.org(&id).await? else {
            break;
        };
        if o.kind == AgencyKind::Court {
            if first {
                courts.superior = Some(o.name.clone());
                first = false;
            }
            if o.name.ends_with("高级人民法院") {
                courts.province_high = Some(o.name.clone());
            }
        }
        parent = o.parent_id.clone();
    }
    if own.name.ends_with("高级人民法院") {
        courts.province_high = Some(own.name.clone());
    }
    Ok(courts)
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
    // A share of the case's own facts, not a score relative to the best result.
    if let Some(c) = v.coverage {
        parts.push(format!(
            "本案事实要素见于该案 {:.0}%（按词语罕见程度加权）",
            c * 100.0
        ));
    }
    parts.join("；")
}

/// The stored judgments behind a search's hits, by id.
async fn judgments_of(st: &AppState, hits: &[Hit]) -> Result<HashMap<i64, Judgment>, ApiError> {
    let ids: Vec<i64> = hits.iter().map(|h| h.id as i64).collect();
    Ok(st
        .store
        .judgments_for_listing(&ids)
        .await?
        .into_iter()
        .map(|j| (j.id, j))
        .collect())
}

/// The closest judgments for one charge of the case (only those convicting of it), the best `n`.
async fn search_charge(
    st: &AppState,
    facts: &str,
    charges: &[String],
    charge: &str,
    n: usize,
) -> Result<Vec<Hit>, ApiError> {
    let filters = Filters {
        charge: Some(charge.to_string()),
        ..Filters::default()
    };
    Ok(st
        .library
        .search_top(&st.store, facts, charges, &filters, n)
        .await?
        .0)
}

async fn views(st: &AppState, hits: &[Hit], asked: &Asked) -> Result<Vec<ResultView>, ApiError> {
    let by_id = judgments_of(st, hits).await?;
    Ok(by_tier(
        hits.iter()
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
                let source = source_tier(&j.source, j.court.as_deref(), &asked.courts);
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
                    outcome: if j.source == tianping_store::typical::SOURCE {
                        let mut o: String = j.reasoning.chars().take(80).collect();
                        if j.reasoning.chars().count() > 80 {
                            o.push('…');
                        }
                        format!("典型意义：{o}")
                    } else {
                        outcome(j)
                    },
                    why: String::new(),
                    tier: if j.source == tianping_store::typical::SOURCE {
                        "typical"
                    } else {
                        "judgment"
                    },
                    coverage: h.why.fact_coverage.filter(|_| asked.states_facts),
                    source: source.code(),
                    source_zh: source.zh(),
                };
                v.why = why_zh(&v, level);
                Some(v)
            })
            .collect::<Vec<_>>(),
    ))
}

// --- who may do what ---------------------------------------------------------------------------

/// Writing a report: the court's own judges, case office and heads.
pub(crate) fn may_report(s: &Session, row: &tianping_store::case::CaseRow) -> bool {
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
    crate::http::access::readable(st, s, id).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tianping_domain::similar::SourceTier;

    fn r(id: i64, score: f64, tier: &'static str) -> ResultView {
        ResultView {
            rank: 0,
            judgment_id: id,
            score,
            facts: 0.0,
            text: 0.0,
            charges: 0.0,
            shared_charges: vec![],
            shared_words: vec![],
            shared_articles: vec![],
            title: String::new(),
            court: None,
            level: None,
            same_level: false,
            case_number: None,
            decided_on: None,
            outcome: String::new(),
            why: "同罪名".into(),
            tier,
            coverage: None,
            source: SourceTier::Other.code(),
            source_zh: SourceTier::Other.zh(),
        }
    }

    #[test]
    fn typical_cases_of_comparable_relevance_rank_first() {
        let v = by_tier(vec![
            r(1, 0.9, "judgment"),
            r(2, 0.8, "judgment"),
            r(3, 0.6, "typical"),
            r(4, 0.3, "typical"),
        ]);
        let ids: Vec<i64> = v.iter().map(|x| x.judgment_id).collect();
        // 3 is relevant enough (0.6 ≥ 0.45) to lead; 4 is not, and keeps its place.
        assert_eq!(ids, vec![3, 1, 2, 4]);
        assert_eq!(v[0].rank, 1);
        assert!(v[0].why.starts_with("典型案例"));
        assert!(!v[3].why.starts_with("典型案例"));
    }
}
