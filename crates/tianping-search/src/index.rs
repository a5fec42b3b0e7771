//! The index of prior judgments: tantivy over words we cut ourselves, and the two-stage search
//! that ranks a query case against the whole library.
//!
//! - **Stage 1 (candidates, tantivy).** BM25 over the jieba words of the facts and the charges
//!   (selective charges under every act they name), built as one `BooleanQuery` of `TermQuery`s —
//!   never `QueryParser`, which turns several tokens into a phrase query that misses 故意伤害
//!   (`../shared/STACK.md` §3) — so tantivy's block-max WAND finds the best [`POOL`] without
//!   scoring every judgment.
//! - **Stage 2 (ranking, [`crate::rank`]).** The pool is ranked exactly as `tianping bench similar`
//!   measures it on LeCaRD: facts BM25 + ½ whole-text bigram BM25 + ½ charge overlap, each part
//!   kept for the "why", the facts' words re-weighed by the first pass's best ten judgments
//!   (pseudo-relevance feedback, [`crate::rank::rank_features`]). The counts it needs (each
//!   query word in the facts, each query bigram in the text, the lengths) are read from the
//!   postings and fast fields of the pool's documents, not recomputed from their text; an index
//!   of several segments is read on several threads, a segment each.
//!
//! The words are cut by [`Tokenizer`] at index time and at query time alike and handed to tantivy
//! pre-tokenized, so index and query can never disagree on segmentation. The index remembers the
//! last judgment id it holds (in its commit payload), so it follows new rows of the store and a
//! search can be limited to the judgments a report saw ([`Filters::max_id`]).

use crate::Tokenizer;
use crate::rank::{Doc, Features, Query, Why, rank_features, selective_variants};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::TopDocs;
use tantivy::postings::Postings;
use tantivy::query::{
    BooleanQuery, EnableScoring, Occur, Query as TantivyQuery, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{
    DocAddress, DocId, DocSet, Executor, Index, IndexReader, IndexWriter, ReloadPolicy,
    TantivyDocument, Term,
};
use tianping_domain::judgment::CourtLevel;

/// Candidates ranked in stage 2 (LeCaRD's pools hold 100).
pub const POOL: usize = 100;

/// Query words the pool is chosen by: the most selective (held by the fewest judgments).
pub const POOL_WORDS: usize = 32;

/// The most threads one search reads segments on (at most the machine's cores).
pub const SEARCH_THREADS: usize = 4;

/// Names how results are ordered; a stored retrieval report carries it, and it changes whenever
/// the ordering does.
pub const RANKING_VERSION: &str = "similar-4：事实词语 BM25（按首轮前 10 篇的用词重新加权）+ 0.5 × 全文二字词 BM25 + 0.5 × 罪名重合度（Dice）（候选池 100 篇，按事实中最具区分度的 32 个词语与罪名 BM25 选出）";

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory {path}: {message}")]
    Directory { path: String, message: String },
    #[error("search index: reading postings: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index: stored judgment lacks its {0}")]
    Corrupt(&'static str),
}

pub type Result<T> = std::result::Result<T, IndexError>;

/// A judgment to index, as the store holds it.
#[derive(Debug, Clone, Copy)]
pub struct Judgment<'a> {
    pub id: u64,
    /// 经审理查明 …; the whole text is used when empty.
    pub fact: &'a str,
    pub text: &'a str,
    pub charges: &'a [String],
    pub court: Option<&'a str>,
    pub year: Option<i32>,
}

/// What narrows a search. Every filter must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Only judgments convicting of this charge (or of the selective charge naming it).
    pub charge: Option<String>,
    pub level: Option<CourtLevel>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    /// Only judgments indexed up to this id: a report's snapshot.
    pub max_id: Option<u64>,
}

/// Where one search spent its time: choosing the pool (stage 1) and ranking it from the
/// postings (stage 2). The benchmark prints them.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchTiming {
    pub pool: std::time::Duration,
    pub rank: std::time::Duration,
}

/// A ranked judgment.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: u64,
    pub score: f64,
    pub why: Why,
}

struct Fields {
    id: Field,
    facts: Field,
    bigrams: Field,
    facts_len: Field,
    text_len: Field,
    charge: Field,
    charge_name: Field,
    level: Field,
    year: Field,
}

/// The index, its reader and its (single) writer.
pub struct SimilarIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    /// The newest judgment id committed (the commit's payload), kept here so asking costs no
    /// read of the index's metadata file.
    committed: std::sync::atomic::AtomicU64,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let counted = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let f = Fields {
        id: b.add_u64_field("id", INDEXED | FAST | STORED),
        facts: b.add_text_field("facts", counted("raw")),
        bigrams: b.add_text_field("bigrams", counted(BIGRAM_TOKENIZER)),
        facts_len: b.add_u64_field("facts_len", FAST),
        text_len: b.add_u64_field("text_len", FAST),
        charge: b.add_text_field("charge", STRING),
        charge_name: b.add_text_field("charge_name", STORED),
        level: b.add_u64_field("level", INDEXED | FAST),
        year: b.add_u64_field("year", INDEXED | FAST),
    };
    (b.build(), f)
}

fn level_code(l: CourtLevel) -> u64 {
    match l {
        CourtLevel::Basic => 1,
        CourtLevel::Intermediate => 2,
        CourtLevel::High => 3,
        CourtLevel::Supreme => 4,
    }
}

/// A charge and, for a selective one, each act it names (走私、贩卖、运输、制造毒品罪 → 贩卖毒品罪 …):
/// the terms under which it is indexed and looked for.
fn charge_terms(charge: &str) -> Vec<String> {
    let mut v = vec![charge.to_string()];
    v.extend(selective_variants(charge));
    v
}

/// Overlapping pairs of Chinese characters as tantivy tokens, other characters skipped — the
/// tokens of [`crate::tokenize::bigram_codes`], written into one reused buffer (a `String` per
/// token made indexing the whole text three times slower).
#[derive(Clone, Default)]
struct HanBigrams;

struct HanBigramStream<'a> {
    chars: std::str::Chars<'a>,
    prev: Option<char>,
    token: Token,
}

impl tantivy::tokenizer::Tokenizer for HanBigrams {
    type TokenStream<'a> = HanBigramStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> HanBigramStream<'a> {
        HanBigramStream {
            chars: text.chars(),
            prev: None,
            token: Token {
                position: usize::MAX,
                ..Token::default()
            },
        }
    }
}

impl tantivy::tokenizer::TokenStream for HanBigramStream<'_> {
    fn advance(&mut self) -> bool {
        for c in self.chars.by_ref() {
            if !crate::tokenize::is_han(c) {
                continue;
            }
            if let Some(p) = self.prev.replace(c) {
                self.token.text.clear();
                self.token.text.push(p);
                self.token.text.push(c);
                self.token.position = self.token.position.wrapping_add(1);
                return true;
            }
        }
        false
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

const BIGRAM_TOKENIZER: &str = "han_bigram";

fn pre_tokenized(tokens: impl Iterator<Item = String>) -> PreTokenizedString {
    PreTokenizedString {
        text: String::new(),
        tokens: tokens
            .enumerate()
            .map(|(i, text)| Token {
                offset_from: 0,
                offset_to: 0,
                position: i,
                text,
                position_length: 1,
            })
            .collect(),
    }
}

fn bigram_count(text: &str) -> u64 {
    (text.chars().filter(|c| crate::tokenize::is_han(*c)).count() as u64).saturating_sub(1)
}

/// The two characters of a bigram code.
fn bigram_text(code: u64) -> String {
    [(code >> 32) as u32, code as u32]
        .into_iter()
        .filter_map(char::from_u32)
        .collect()
}

impl SimilarIndex {
    /// An index in memory (tests, the demo, a benchmark).
    pub fn in_ram(writer_bytes: usize, threads: usize) -> Result<SimilarIndex> {
        let (schema, f) = schema();
        SimilarIndex::with(Index::create_in_ram(schema), f, writer_bytes, threads)
    }

    /// The index kept in `dir`, created when the directory holds none.
    pub fn open_or_create(dir: &Path, writer_bytes: usize, threads: usize) -> Result<SimilarIndex> {
        let (schema, f) = schema();
        std::fs::create_dir_all(dir).map_err(|e| IndexError::Directory {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let directory =
            tantivy::directory::MmapDirectory::open(dir).map_err(|e| IndexError::Directory {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
        let index = Index::open_or_create(directory, schema)?;
        SimilarIndex::with(index, f, writer_bytes, threads)
    }

    fn with(
        mut index: Index,
        f: Fields,
        writer_bytes: usize,
        threads: usize,
    ) -> Result<SimilarIndex> {
        // A search reads the segments side by side: an index as its writers leave it holds
        // several, and each costs a lookup of every query term.
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        if cores > 1 {
            index.set_multithread_executor(cores.min(SEARCH_THREADS))?;
        }
        index.tokenizers().register(
            BIGRAM_TOKENIZER,
            tantivy::tokenizer::TextAnalyzer::from(HanBigrams),
        );
        let writer = index.writer_with_num_threads(threads.max(1), writer_bytes)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let committed = index
            .load_metas()?
            .payload
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        Ok(SimilarIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            f,
            committed: std::sync::atomic::AtomicU64::new(committed),
        })
    }

    /// Cuts the judgment's facts into words and builds its document.
    pub fn document(&self, t: &Tokenizer, j: &Judgment) -> TantivyDocument {
        let fact = if j.fact.trim().is_empty() {
            j.text
        } else {
            j.fact
        };
        let words = t.words(fact);
        let charges = Doc::charges_of(j.text, j.charges.iter().cloned());
        self.document_from_words(
            j.id,
            &words,
            j.text,
            &charges,
            j.court.and_then(CourtLevel::of),
            j.year,
        )
    }

    /// The document of a judgment whose words are already cut.
    pub fn document_from_words(
        &self,
        id: u64,
        words: &[String],
        text: &str,
        charges: &BTreeSet<String>,
        level: Option<CourtLevel>,
        year: Option<i32>,
    ) -> TantivyDocument {
        let f = &self.f;
        let mut d = TantivyDocument::new();
        d.add_u64(f.id, id);
        d.add_pre_tokenized_text(f.facts, pre_tokenized(words.iter().cloned()));
        d.add_u64(f.facts_len, words.len() as u64);
        d.add_u64(f.text_len, bigram_count(text));
        d.add_text(f.bigrams, text);
        for c in charges {
            d.add_text(f.charge_name, c);
            for t in charge_terms(c) {
                d.add_text(f.charge, t);
            }
        }
        if let Some(l) = level {
            d.add_u64(f.level, level_code(l));
        }
        if let Some(y) = year.and_then(|y| u64::try_from(y).ok()) {
            d.add_u64(f.year, y);
        }
        d
    }

    /// Adds documents; they become searchable at the next [`SimilarIndex::commit`].
    pub fn add(&self, docs: impl IntoIterator<Item = TantivyDocument>) -> Result<()> {
        let w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for d in docs {
            w.add_document(d)?;
        }
        Ok(())
    }

    /// Makes the added documents searchable and records `last_id` as the newest judgment held.
    pub fn commit(&self, last_id: u64) -> Result<()> {
        {
            let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            let mut p = w.prepare_commit()?;
            p.set_payload(&last_id.to_string());
            p.commit()?;
        }
        self.reader.reload()?;
        self.committed
            .store(last_id, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// The newest judgment id the index holds (0: none).
    pub fn last_id(&self) -> u64 {
        self.committed.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Judgments searchable now.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every judgment (before a rebuild from the store).
    pub fn clear(&self) -> Result<()> {
        {
            let w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            w.delete_all_documents()?;
        }
        self.commit(0)
    }

    fn filter_clauses(&self, filters: &Filters) -> Vec<(Occur, Box<dyn TantivyQuery>)> {
        let f = &self.f;
        let mut out: Vec<(Occur, Box<dyn TantivyQuery>)> = vec![];
        if let Some(c) = filters.charge.as_deref().filter(|c| !c.is_empty()) {
            out.push((Occur::Must, self.any_charge(&[c.to_string()])));
        }
        if let Some(l) = filters.level {
            out.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.level, level_code(l)),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let year = |y: Option<i32>| {
            y.and_then(|y| u64::try_from(y).ok())
                .map_or(Bound::Unbounded, |y| {
                    Bound::Included(Term::from_field_u64(f.year, y))
                })
        };
        if filters.year_from.is_some() || filters.year_to.is_some() {
            out.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    year(filters.year_from),
                    year(filters.year_to),
                )),
            ));
        }
        if let Some(max) = filters.max_id {
            out.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Unbounded,
                    Bound::Included(Term::from_field_u64(f.id, max)),
                )),
            ));
        }
        out
    }

    fn any_charge(&self, charges: &[String]) -> Box<dyn TantivyQuery> {
        let terms: BTreeSet<String> = charges.iter().flat_map(|c| charge_terms(c)).collect();
        Box::new(BooleanQuery::new(
            terms
                .into_iter()
                .map(|t| {
                    let q: Box<dyn TantivyQuery> = Box::new(TermQuery::new(
                        Term::from_field_text(self.f.charge, &t),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, q)
                })
                .collect(),
        ))
    }

    /// Segments searched (each costs a term lookup per query term).
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Merges every segment into one — after a bulk load, so that a search looks each query
    /// term up once instead of once per segment. Merges the writer started on its own are waited
    /// for (a merge asked for segments already being merged is refused, then asked again). The
    /// writer stays free while the merge runs: documents can be added and committed meanwhile
    /// (those then stay in segments of their own), and searches read the old segments until the
    /// merged one replaces them.
    pub fn merge_all(&self) -> Result<()> {
        for _ in 0..600 {
            let ids = self.index.searchable_segment_ids()?;
            if ids.len() <= 1 {
                break;
            }
            let pending = self
                .writer
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .merge(&ids);
            if pending.wait().is_err() {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        self.reader.reload()?;
        Ok(())
    }

    /// The judgments most similar to the query, best first, at most `limit`.
    pub fn search(&self, q: &Query, filters: &Filters, limit: usize) -> Result<Vec<Hit>> {
        self.search_timed(q, filters, limit).map(|(hits, _)| hits)
    }

    /// [`SimilarIndex::search`], with the time each stage took.
    pub fn search_timed(
        &self,
        q: &Query,
        filters: &Filters,
        limit: usize,
    ) -> Result<(Vec<Hit>, SearchTiming)> {
        let started = std::time::Instant::now();
        let searcher = self.reader.searcher();
        let words = q.word_slots();
        let bigrams = q.bigram_slots();
        let mut clauses = self.filter_clauses(filters);
        let filtered = !clauses.is_empty();
        // The pool is chosen by the query's most selective words: a statement of facts names a
        // hundred words or more, and the common ones decide little but cost most (theirs are the
        // longest postings). The pool is then ranked on all of them.
        let mut selective: Vec<(u64, &String)> = vec![];
        for w in &words.terms {
            let df = searcher.doc_freq(&Term::from_field_text(self.f.facts, w))?;
            if df > 0 {
                selective.push((df, w));
            }
        }
        selective.sort();
        for (_, w) in selective.into_iter().take(POOL_WORDS) {
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.f.facts, w),
                    IndexRecordOption::WithFreqs,
                )),
            ));
        }
        let charge_terms: BTreeSet<String> =
            q.charges.iter().flat_map(|c| charge_terms(c)).collect();
        for t in &charge_terms {
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.f.charge, t),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if words.terms.is_empty() && charge_terms.is_empty() && !filtered {
            return Ok((vec![], SearchTiming::default()));
        }
        // Segments are read side by side; one segment is read on the calling thread, which
        // saves handing it to another (measured: ½ ms at p95 on the dev library).
        let single = Executor::single_thread();
        let executor = if searcher.segment_readers().len() > 1 {
            self.index.search_executor()
        } else {
            &single
        };
        let top = searcher.search_with_executor(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(POOL).order_by_score(),
            executor,
            EnableScoring::enabled_from_searcher(&searcher),
        )?;
        let pooled = std::time::Instant::now();
        let mut by_segment: BTreeMap<u32, Vec<(DocId, usize)>> = BTreeMap::new();
        for (i, (_, a)) in top.iter().enumerate() {
            by_segment
                .entry(a.segment_ord)
                .or_default()
                .push((a.doc_id, i));
        }
        let bigram_terms: Vec<String> = bigrams.terms.iter().map(|c| bigram_text(*c)).collect();
        // Each segment's pooled judgments are counted on its own, the segments side by side on
        // the index's search threads (as stage 1 searched them).
        let counted = executor.map(
            |(segment, docs)| {
                Ok(self.count_segment(&searcher, segment, docs, &words.terms, &bigram_terms))
            },
            by_segment.into_iter(),
        )?;
        let mut pool: Vec<Option<Features>> = vec![None; top.len()];
        for segment in counted {
            for (i, f) in segment? {
                pool[i] = Some(f);
            }
        }
        let pool: Vec<Features> = pool.into_iter().flatten().collect();
        let mut ranked = rank_features(q, &words, &bigrams, &pool);
        // Ties are broken by the id as a number (rank_features orders them as strings).
        ranked.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| num(&a.id).cmp(&num(&b.id)))
        });
        let hits = ranked
            .into_iter()
            .take(limit)
            .map(|r| Hit {
                id: num(&r.id),
                score: r.score,
                why: r.why,
            })
            .collect();
        let timing = SearchTiming {
            pool: pooled - started,
            rank: pooled.elapsed(),
        };
        Ok((hits, timing))
    }
}

impl SimilarIndex {
    /// Stage 2's counts for the pooled judgments of one segment (`docs`: each judgment's id in
    /// the segment and its place in the pool): their lengths and charges from the fast fields and
    /// the stored document, how often each query word occurs in their facts and each query bigram
    /// in their text from the postings.
    fn count_segment(
        &self,
        searcher: &tantivy::Searcher,
        segment: u32,
        mut docs: Vec<(DocId, usize)>,
        words: &[String],
        bigrams: &[String],
    ) -> Result<Vec<(usize, Features)>> {
        docs.sort_unstable();
        let reader = searcher.segment_reader(segment);
        let fast = reader.fast_fields();
        let ids = fast.u64("id")?;
        let facts_len = fast.u64("facts_len")?;
        let text_len = fast.u64("text_len")?;
        let mut out: Vec<(usize, Features)> = Vec::with_capacity(docs.len());
        for &(doc, i) in &docs {
            let id = ids.first(doc).ok_or(IndexError::Corrupt("id"))?;
            let stored: TantivyDocument = searcher.doc(DocAddress::new(segment, doc))?;
            out.push((
                i,
                Features {
                    id: id.to_string(),
                    fact_tf: vec![0; words.len()],
                    fact_len: u32::try_from(facts_len.first(doc).unwrap_or(0)).unwrap_or(u32::MAX),
                    text_tf: vec![0; bigrams.len()],
                    text_len: u32::try_from(text_len.first(doc).unwrap_or(0)).unwrap_or(u32::MAX),
                    charges: stored
                        .get_all(self.f.charge_name)
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                },
            ));
        }
        let sorted: Vec<DocId> = docs.iter().map(|&(doc, _)| doc).collect();
        let facts = term_counts(reader, self.f.facts, words, &sorted)?;
        let text = term_counts(reader, self.f.bigrams, bigrams, &sorted)?;
        for (at, (_, f)) in out.iter_mut().enumerate() {
            for (k, counts) in facts.iter().enumerate() {
                f.fact_tf[k] = counts[at];
            }
            for (k, counts) in text.iter().enumerate() {
                f.text_tf[k] = counts[at];
            }
        }
        Ok(out)
    }
}

/// How often each of `terms` occurs in each of `docs` (sorted ids of one segment), read from the
/// field's postings: `counts[term][doc]`.
fn term_counts(
    reader: &tantivy::SegmentReader,
    field: Field,
    terms: &[String],
    docs: &[DocId],
) -> Result<Vec<Vec<u32>>> {
    let inverted = reader.inverted_index(field)?;
    let mut counts = vec![vec![0u32; docs.len()]; terms.len()];
    for (k, t) in terms.iter().enumerate() {
        let term = Term::from_field_text(field, t);
        if let Some(mut p) = inverted.read_postings(&term, IndexRecordOption::WithFreqs)? {
            for (at, &doc) in docs.iter().enumerate() {
                if p.doc() < doc {
                    p.seek(doc);
                }
                if p.doc() == doc {
                    counts[k][at] = p.term_freq();
                }
            }
        }
    }
    Ok(counts)
}
fn num(id: &str) -> u64 {
    id.parse().unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judgment<'a>(id: u64, fact: &'a str, charges: &'a [String]) -> Judgment<'a> {
        Judgment {
            id,
            fact,
            text: fact,
            charges,
            court: Some("浙江省杭州市西湖区人民法院"),
            year: Some(2018),
        }
    }

    #[test]
    fn same_charge_first_filters_hold_and_the_snapshot_limits_what_is_seen() {
        let t = Tokenizer::new();
        let ix = SimilarIndex::in_ram(15_000_000, 1).unwrap();
        let drunk = vec!["危险驾驶罪".to_string()];
        let theft = vec!["盗窃罪".to_string()];
        let drugs = vec!["走私、贩卖、运输、制造毒品罪".to_string()];
        let docs = [
            judgment(
                1,
                "被告人醉酒驾驶机动车，血液中乙醇含量为160mg/100ml。",
                &drunk,
            ),
            judgment(2, "被告人入户盗窃手机一部，价值二千元。", &theft),
            judgment(3, "被告人驾驶机动车盗窃路边电动车一辆。", &theft),
            judgment(4, "被告人向他人贩卖甲基苯丙胺0.5克。", &drugs),
        ];
        ix.add(docs.iter().map(|j| ix.document(&t, j))).unwrap();
        ix.commit(4).unwrap();
        assert_eq!(ix.last_id(), 4);
        assert_eq!(ix.len(), 4);

        let q = Query::new(&t, "被告人酒后驾驶机动车被查获", drunk.clone());
        let hits = ix.search(&q, &Filters::default(), 10).unwrap();
        assert_eq!(hits[0].id, 1, "{hits:?}");
        assert_eq!(hits[0].why.shared_charges, drunk);
        assert!(
            hits.iter().any(|h| h.id == 3),
            "lexical candidates join the pool"
        );

        // A selective charge is found under the act the query names.
        let q = Query::new(&t, "被告人贩卖毒品", vec!["贩卖毒品罪".to_string()]);
        assert_eq!(ix.search(&q, &Filters::default(), 1).unwrap()[0].id, 4);

        let theft_only = Filters {
            charge: Some("盗窃罪".into()),
            ..Filters::default()
        };
        let q = Query::new(&t, "被告人驾驶机动车", vec![]);
        let ids: Vec<u64> = ix
            .search(&q, &theft_only, 10)
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(ids, vec![3, 2]);
        let old = Filters {
            year_to: Some(2017),
            ..Filters::default()
        };
        assert!(ix.search(&q, &old, 10).unwrap().is_empty());
        let level = Filters {
            level: Some(CourtLevel::Intermediate),
            ..Filters::default()
        };
        assert!(ix.search(&q, &level, 10).unwrap().is_empty());

        // A newer judgment is invisible to a search limited to the snapshot before it.
        let newer = judgment(5, "被告人驾驶机动车，血液中乙醇含量为200mg/100ml。", &drunk);
        ix.add([ix.document(&t, &newer)]).unwrap();
        ix.commit(5).unwrap();
        let q = Query::new(
            &t,
            "被告人驾驶机动车，血液中乙醇含量为200mg/100ml",
            drunk.clone(),
        );
        assert_eq!(ix.search(&q, &Filters::default(), 1).unwrap()[0].id, 5);
        let snapshot = Filters {
            max_id: Some(4),
            ..Filters::default()
        };
        let hits = ix.search(&q, &snapshot, 10).unwrap();
        assert!(hits.iter().all(|h| h.id <= 4), "{hits:?}");
        assert_eq!(hits[0].id, 1);
        assert_eq!(ix.search(&q, &snapshot, 10).unwrap(), hits, "re-run");
    }

    #[test]
    fn the_index_ranks_a_pool_exactly_as_counting_the_documents_does() {
        let t = Tokenizer::new();
        let ix = SimilarIndex::in_ram(15_000_000, 1).unwrap();
        let texts = [
            (
                "被告人醉酒驾驶机动车，血液中乙醇含量为160mg/100ml，被告人如实供述。",
                "危险驾驶罪",
            ),
            ("被告人驾驶机动车追逐竞驶，情节恶劣。", "危险驾驶罪"),
            (
                "被告人入户盗窃手机一部，价值二千元，被告人系累犯。",
                "盗窃罪",
            ),
            ("被告人盗窃电动车三辆，价值五千元，案发后退赃。", "盗窃罪"),
            (
                "被告人向他人贩卖甲基苯丙胺0.5克，被告人当场被抓获。",
                "贩卖毒品罪",
            ),
            (
                "被告人持刀故意伤害他人，致一人轻伤，被告人自首。",
                "故意伤害罪",
            ),
        ];
        let mut docs = vec![];
        for (i, (text, charge)) in texts.iter().enumerate() {
            let charges = vec![charge.to_string()];
            let id = i as u64 + 1;
            let j = Judgment {
                id,
                fact: "",
                text,
                charges: &charges,
                court: None,
                year: None,
            };
            ix.add([ix.document(&t, &j)]).unwrap();
            docs.push(Doc::new(&t, &id.to_string(), "", text, charges));
        }
        ix.commit(6).unwrap();
        for (facts, charges) in [
            (
                "被告人酒后驾驶机动车，血液中乙醇含量为200mg/100ml",
                vec!["危险驾驶罪"],
            ),
            ("被告人盗窃他人手机，价值三千元，系累犯", vec!["盗窃罪"]),
            ("被告人", vec![]),
        ] {
            let q = Query::new(&t, facts, charges.into_iter().map(str::to_string));
            let hits = ix.search(&q, &Filters::default(), 10).unwrap();
            let refs: Vec<&Doc> = docs.iter().collect();
            let want = crate::rank::rank(&q, &refs);
            assert_eq!(
                hits.len(),
                want.len(),
                "every judgment shares 被告人: all are in the pool"
            );
            for (h, w) in hits.iter().zip(&want) {
                assert_eq!(h.id.to_string(), w.id, "{facts}");
                assert!(
                    (h.score - w.score).abs() < 1e-9,
                    "{facts}: {} vs {}",
                    h.score,
                    w.score
                );
                assert_eq!(h.why, w.why);
            }
        }
    }

    #[test]
    fn merging_the_segments_changes_no_result() {
        let t = Tokenizer::new();
        let ix = SimilarIndex::in_ram(15_000_000, 1).unwrap();
        let theft = vec!["盗窃罪".to_string()];
        let facts = [
            "被告人入户盗窃手机一部，价值二千元。",
            "被告人在商场盗窃钱包一个，内有现金五百元。",
            "被告人盗窃电动车三辆，价值五千元，案发后退赃。",
            "被告人扒窃公交车乘客手机一部。",
            "被告人多次盗窃超市商品，价值一千元。",
            "被告人盗窃工地钢筋二吨，价值八千元。",
        ];
        // One commit per judgment: a segment each.
        for (i, f) in facts.iter().enumerate() {
            let id = i as u64 + 1;
            ix.add([ix.document(&t, &judgment(id, f, &theft))]).unwrap();
            ix.commit(id).unwrap();
        }
        assert!(ix.segments() > 1, "{} segment(s)", ix.segments());
        let q = Query::new(&t, "被告人盗窃手机一部，价值三千元", theft.clone());
        let before = ix.search(&q, &Filters::default(), 10).unwrap();
        assert_eq!(before.len(), facts.len());
        ix.merge_all().unwrap();
        assert_eq!(ix.segments(), 1);
        assert_eq!(ix.search(&q, &Filters::default(), 10).unwrap(), before);
        assert_eq!(ix.len(), facts.len() as u64);
        assert_eq!(ix.last_id(), facts.len() as u64);
    }
}
