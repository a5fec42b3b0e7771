//! Ranking a pool of prior judgments for a query case.

use crate::Tokenizer;
use crate::bm25;
use crate::tokenize::bigram_codes;
use std::collections::BTreeSet;

/// A prior judgment, prepared for ranking.
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: String,
    /// Words of the facts (经审理查明 …).
    pub fact_words: Vec<String>,
    /// Character bigrams of the whole judgment ([`bigram_codes`]).
    pub text_bigrams: Vec<u64>,
    /// 罪名: those recorded for the judgment and those its operative part convicts of.
    pub charges: BTreeSet<String>,
}

impl Doc {
    pub fn new(
        t: &Tokenizer,
        id: &str,
        fact: &str,
        text: &str,
        charges: impl IntoIterator<Item = String>,
    ) -> Doc {
        let fact_words = t.words(if fact.trim().is_empty() { text } else { fact });
        Doc::prepared(id, fact_words, text, Doc::charges_of(text, charges))
    }

    /// The charges to compare: those given and those the operative part convicts of.
    pub fn charges_of(text: &str, given: impl IntoIterator<Item = String>) -> BTreeSet<String> {
        let mut set: BTreeSet<String> = given.into_iter().collect();
        let judgment = tianping_domain::judgment::sections(text).judgment;
        set.extend(tianping_domain::judgment::charges(judgment));
        set
    }

    /// From words already cut (as the index stores them).
    pub fn prepared(
        id: &str,
        fact_words: Vec<String>,
        text: &str,
        charges: BTreeSet<String>,
    ) -> Doc {
        Doc {
            id: id.to_string(),
            fact_words,
            text_bigrams: bigram_codes(text),
            charges,
        }
    }
}

/// The case looked for: its facts and its charges.
#[derive(Debug, Clone)]
pub struct Query {
    pub words: Vec<String>,
    pub bigrams: Vec<u64>,
    pub charges: BTreeSet<String>,
}

impl Query {
    pub fn new(t: &Tokenizer, facts: &str, charges: impl IntoIterator<Item = String>) -> Query {
        Query {
            words: t.words(facts),
            bigrams: bigram_codes(facts),
            charges: charges.into_iter().collect(),
        }
    }
}

/// How much of a result's score came from what: the "why" of a ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Why {
    /// BM25 of the facts, relative to the best in the pool (0–1).
    pub facts: f64,
    /// BM25 of character bigrams over the whole judgment (IDF over the pool, Lucene's form),
    /// relative to the best (0–1).
    pub text: f64,
    /// Overlap of the charges (0–1): twice the charges in common over the charges of both
    /// (Dice), so a judgment of the query's one charge and another scores ⅔, not ½.
    pub charges: f64,
    /// The charges in common.
    pub shared_charges: Vec<String>,
    /// The query's words (two characters or more) that the judgment's facts also say, the rarest
    /// in the pool first (at most [`SHARED_WORDS`]): the shared facts, in words.
    pub shared_words: Vec<String>,
    /// The share of the query's facts the judgment's facts also state (0–1): its words of two
    /// characters or more, each weighted by its IDF over the pool (a rare word — 酒精含量, 撬锁 —
    /// counts for more than 被告人). Unlike `facts` it is not relative to the best result: a pool
    /// where nothing fits has low coverage throughout. `None` when the query states no facts.
    pub fact_coverage: Option<f64>,
}

/// The IDF-weighted share of the query's words (`order`: those of two characters or more) the
/// judgment's facts hold.
fn coverage(order: &[usize], idf: &[f64], tf: &[u32]) -> Option<f64> {
    let all: f64 = order.iter().map(|&k| idf[k].max(0.0)).sum();
    if all <= 0.0 {
        return None;
    }
    let held: f64 = order
        .iter()
        .filter(|&&k| tf.get(k).is_some_and(|&f| f > 0))
        .map(|&k| idf[k].max(0.0))
        .sum();
    Some(held / all)
}

/// How many shared words a result names.
pub const SHARED_WORDS: usize = 8;

/// The order in which a result names the words it shares: the query's words of two characters
/// or more, by IDF over the pool (rarest first), then in the query's order. Made once per query.
fn shared_word_order(words: &Slots<String>, idf: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..words.terms.len())
        .filter(|&k| words.terms[k].chars().count() >= 2)
        .collect();
    order.sort_by(|&a, &b| idf[b].total_cmp(&idf[a]).then_with(|| a.cmp(&b)));
    order
}

/// The first [`SHARED_WORDS`] words of `order` the judgment's facts hold.
fn shared_words(words: &Slots<String>, order: &[usize], tf: &[u32]) -> Vec<String> {
    order
        .iter()
        .filter(|&&k| tf.get(k).is_some_and(|&f| f > 0))
        .take(SHARED_WORDS)
        .map(|&k| words.terms[k].clone())
        .collect()
}

/// The weights of the three parts. Facts count fully; the whole text and the charges each count
/// half: the same charge is what makes a prior case comparable at all (刑法 §§ by 罪名), and the
/// full text adds the court's reasoning and sentencing circumstances the facts leave out.
pub const TEXT_WEIGHT: f64 = 0.5;
pub const CHARGE_WEIGHT: f64 = 0.5;

/// Pseudo-relevance feedback: the judgments ranked first by a first pass, whose use of the
/// query's words re-weighs them for the second (the standard ten of RM3).
pub const FEEDBACK_DOCS: usize = 10;
/// The share of the re-weighted query that comes from those judgments (RM3's usual ½).
pub const FEEDBACK_WEIGHT: f64 = 0.5;

#[derive(Debug, Clone)]
pub struct Ranked {
    pub id: String,
    pub score: f64,
    pub why: Why,
}

fn relative(v: Vec<f64>) -> Vec<f64> {
    let max = v.iter().copied().fold(0.0, f64::max);
    if max <= 0.0 {
        return vec![0.0; v.len()];
    }
    v.into_iter().map(|x| x / max).collect()
}

/// The acts a selective charge names, each with the object: 走私、贩卖、运输、制造毒品罪 →
/// 走私毒品罪, 贩卖毒品罪, 运输毒品罪, 制造毒品罪 (the object is the last part without its act,
/// acts being as long as the first).
pub fn selective_variants(charge: &str) -> Vec<String> {
    let parts: Vec<&str> = charge.split('、').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return vec![];
    };
    if parts.len() < 2 {
        return vec![];
    }
    let act_len = first.chars().count();
    let object: String = last.chars().skip(act_len).collect();
    if object.chars().count() < 2 {
        return vec![];
    }
    parts[..parts.len() - 1]
        .iter()
        .map(|a| format!("{a}{object}"))
        .chain([last.to_string()])
        .collect()
}

/// Each charge under its selective name when it is one of that charge's acts.
pub fn canonical(charges: &BTreeSet<String>, selective: &[String]) -> BTreeSet<String> {
    charges
        .iter()
        .map(|c| {
            selective
                .iter()
                .find(|s| selective_variants(s).iter().any(|v| v == c))
                .cloned()
                .unwrap_or_else(|| c.clone())
        })
        .collect()
}

/// The query's distinct terms in order of first occurrence, each with how often the query says it.
#[derive(Debug, Clone, PartialEq)]
pub struct Slots<T> {
    pub terms: Vec<T>,
    pub repeats: Vec<f64>,
}

fn slots<T: Clone + std::hash::Hash + Eq>(tokens: &[T]) -> Slots<T> {
    let mut at: bm25::FxMap<&T, usize> = bm25::FxMap::default();
    let mut s = Slots {
        terms: vec![],
        repeats: vec![],
    };
    for t in tokens {
        let k = *at.entry(t).or_insert_with(|| {
            s.terms.push(t.clone());
            s.repeats.push(0.0);
            s.terms.len() - 1
        });
        s.repeats[k] += 1.0;
    }
    s
}

impl Query {
    pub fn word_slots(&self) -> Slots<String> {
        slots(&self.words)
    }
    pub fn bigram_slots(&self) -> Slots<u64> {
        slots(&self.bigrams)
    }
}

/// What the ranking needs of one judgment for one query: how often each of the query's words
/// occurs in its facts and each of the query's bigrams in its text, the lengths, the charges.
/// Counted from a [`Doc`] ([`features`]) or read from the index's postings — the same numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    pub id: String,
    /// Per word slot of the query.
    pub fact_tf: Vec<u32>,
    pub fact_len: u32,
    /// Per bigram slot of the query.
    pub text_tf: Vec<u32>,
    pub text_len: u32,
    pub charges: BTreeSet<String>,
}

fn count<T: std::hash::Hash + Eq>(s: &Slots<T>, tokens: &[T]) -> Vec<u32> {
    let at: bm25::FxMap<&T, usize> = s.terms.iter().enumerate().map(|(i, t)| (t, i)).collect();
    let mut tf = vec![0u32; s.terms.len()];
    for t in tokens {
        if let Some(&k) = at.get(t) {
            tf[k] += 1;
        }
    }
    tf
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The features of a prepared judgment for the query.
pub fn features(words: &Slots<String>, bigrams: &Slots<u64>, d: &Doc) -> Features {
    Features {
        id: d.id.clone(),
        fact_tf: count(words, &d.fact_words),
        fact_len: len32(d.fact_words.len()),
        text_tf: count(bigrams, &d.text_bigrams),
        text_len: len32(d.text_bigrams.len()),
        charges: d.charges.clone(),
    }
}

/// Ranks the pool, best first (ties by id, so a re-run gives the same list).
pub fn rank(q: &Query, pool: &[&Doc]) -> Vec<Ranked> {
    let (w, b) = (q.word_slots(), q.bigram_slots());
    let f: Vec<Features> = pool.iter().map(|d| features(&w, &b, d)).collect();
    rank_features(q, &w, &b, &f)
}

/// Ranks a pool given by its features: BM25 (IDF over the pool) of the facts' words and of the
/// text's bigrams, each relative to the best in the pool, plus the charges' overlap — twice:
/// the second pass weighs each of the query's words by how much the first pass's best
/// [`FEEDBACK_DOCS`] judgments use it ([`feedback`]), so the words that carry the case (撬锁,
/// 酒精含量) count for more than those every statement of facts says.
pub fn rank_features(
    q: &Query,
    words: &Slots<String>,
    bigrams: &Slots<u64>,
    pool: &[Features],
) -> Vec<Ranked> {
    let fact_tf: Vec<&[u32]> = pool.iter().map(|f| f.fact_tf.as_slice()).collect();
    let fact_len: Vec<u32> = pool.iter().map(|f| f.fact_len).collect();
    // The words' IDF over the pool: for BM25, and to name the rarest shared words first.
    let word_idf = bm25::pool_idf(&fact_tf, words.terms.len());
    let text = relative(bm25::from_counts(
        &pool
            .iter()
            .map(|f| f.text_tf.as_slice())
            .collect::<Vec<_>>(),
        &pool.iter().map(|f| f.text_len).collect::<Vec<_>>(),
        &bigrams.repeats,
        bm25::DEFAULT,
    ));
    let charges = charge_overlaps(q, pool);
    let facts_with = |repeats: &[f64]| {
        relative(bm25::with_idf(
            &fact_tf,
            &fact_len,
            repeats,
            &word_idf,
            bm25::DEFAULT,
        ))
    };
    let score =
        |facts: &[f64], i: usize| facts[i] + TEXT_WEIGHT * text[i] + CHARGE_WEIGHT * charges[i].0;
    let first = facts_with(&words.repeats);
    let first_scores: Vec<f64> = (0..pool.len()).map(|i| score(&first, i)).collect();
    let facts = facts_with(&feedback(words, pool, &first_scores));
    let order = shared_word_order(words, &word_idf);
    let mut out: Vec<Ranked> = pool
        .iter()
        .zip(&charges)
        .enumerate()
        .map(|(i, (d, (overlap, shared)))| {
            let why = Why {
                facts: facts[i],
                text: text[i],
                charges: *overlap,
                shared_charges: shared.clone(),
                shared_words: shared_words(words, &order, &d.fact_tf),
                fact_coverage: coverage(&order, &word_idf, &d.fact_tf),
            };
            Ranked {
                id: d.id.clone(),
                score: score(&facts, i),
                why,
            }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    out
}

/// Each judgment's overlap with the query's charges ([`Why::charges`]) and the charges in common.
/// 选择性罪名 (走私、贩卖、运输、制造毒品罪) are one charge whichever of their acts a judgment names
/// (贩卖毒品罪): charges are compared under their selective name.
fn charge_overlaps(q: &Query, pool: &[Features]) -> Vec<(f64, Vec<String>)> {
    let selective: Vec<String> = q
        .charges
        .iter()
        .chain(pool.iter().flat_map(|d| d.charges.iter()))
        .filter(|c| c.contains('、'))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let qc = canonical(&q.charges, &selective);
    pool.iter()
        .map(|d| {
            let dc = canonical(&d.charges, &selective);
            let shared: Vec<String> = qc.intersection(&dc).cloned().collect();
            let both = qc.len() + dc.len();
            let overlap = if both == 0 {
                0.0
            } else {
                2.0 * shared.len() as f64 / both as f64
            };
            (overlap, shared)
        })
        .collect()
}

/// The query's words re-weighed by the first pass (RM3 without new words): half each word's
/// share of the query, half its share of the use the best [`FEEDBACK_DOCS`] judgments make of the
/// query's words of two characters or more (each judgment's frequency of the word over its length,
/// weighted by its first-pass score relative to the best). Ties in the first pass go by id, as
/// the ranking does, so a re-run weighs alike.
fn feedback(words: &Slots<String>, pool: &[Features], first: &[f64]) -> Vec<f64> {
    let best = first.iter().copied().fold(0.0, f64::max);
    let said: f64 = words.repeats.iter().sum();
    if best <= 0.0 || said <= 0.0 {
        return words.repeats.clone();
    }
    let mut top: Vec<usize> = (0..pool.len()).collect();
    top.sort_by(|&a, &b| {
        first[b]
            .total_cmp(&first[a])
            .then_with(|| pool[a].id.cmp(&pool[b].id))
    });
    let mut used = vec![0.0; words.terms.len()];
    for &i in top.iter().take(FEEDBACK_DOCS) {
        let d = &pool[i];
        if d.fact_len == 0 {
            continue;
        }
        for (k, &f) in d.fact_tf.iter().enumerate() {
            if f > 0 && words.terms[k].chars().count() >= 2 {
                used[k] += f64::from(f) / f64::from(d.fact_len) * first[i] / best;
            }
        }
    }
    let all: f64 = used.iter().sum();
    words
        .repeats
        .iter()
        .zip(&used)
        .map(|(r, u)| {
            let fed = if all > 0.0 { u / all } else { 0.0 };
            (1.0 - FEEDBACK_WEIGHT) * r / said + FEEDBACK_WEIGHT * fed
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selective_charge_names_each_act() {
        assert_eq!(
            selective_variants("走私、贩卖、运输、制造毒品罪"),
            ["走私毒品罪", "贩卖毒品罪", "运输毒品罪", "制造毒品罪"]
        );
        assert_eq!(
            selective_variants("掩饰、隐瞒犯罪所得罪"),
            ["掩饰犯罪所得罪", "隐瞒犯罪所得罪"]
        );
        assert!(selective_variants("盗窃罪").is_empty());
        let selective = vec!["走私、贩卖、运输、制造毒品罪".to_string()];
        let got = canonical(&BTreeSet::from(["贩卖毒品罪".to_string()]), &selective);
        assert_eq!(
            got,
            BTreeSet::from(["走私、贩卖、运输、制造毒品罪".to_string()])
        );
    }

    #[test]
    fn same_charge_and_similar_facts_rank_first_with_their_reasons_and_reruns_agree() {
        let t = Tokenizer::new();
        let docs = [
            Doc::new(
                &t,
                "a",
                "被告人驾驶机动车，经检测血液中乙醇含量为160mg/100ml。",
                "被告人驾驶机动车，经检测血液中乙醇含量为160mg/100ml。本院认为其行为构成危险驾驶罪。判决如下：被告人犯危险驾驶罪，判处拘役二个月。",
                vec![],
            ),
            Doc::new(
                &t,
                "b",
                "被告人入户盗窃手机一部，价值二千元。",
                "被告人入户盗窃手机一部，价值二千元。本院认为其行为构成盗窃罪。判决如下：被告人犯盗窃罪，判处有期徒刑八个月。",
                vec!["盗窃罪".to_string()],
            ),
        ];
        let pool: Vec<&Doc> = docs.iter().collect();
        let q = Query::new(
            &t,
            "某晚被告人醉酒驾驶机动车被查获，血液乙醇含量为180mg/100ml。",
            vec!["危险驾驶罪".to_string()],
        );
        let r = rank(&q, &pool);
        assert_eq!(r[0].id, "a");
        assert_eq!(r[0].why.shared_charges, vec!["危险驾驶罪".to_string()]);
        assert!((r[0].why.charges - 1.0).abs() < 1e-12);
        assert_eq!(r[1].why.charges, 0.0);
        // The facts both say, rarest in the pool first; single characters are not named.
        assert!(
            ["驾驶", "机动车", "血液", "乙醇", "含量"]
                .iter()
                .all(|w| r[0].why.shared_words.contains(&w.to_string())),
            "{:?}",
            r[0].why.shared_words
        );
        assert!(r[0].why.shared_words.iter().all(|w| w.chars().count() >= 2));
        assert!(!r[1].why.shared_words.contains(&"乙醇".to_string()));
        // The share of the query's facts each states: not relative to the best — the fitting
        // judgment states a good part (not 醉酒, 查获), the other almost nothing; a query of a charge alone states none.
        let cov = |i: usize| r[i].why.fact_coverage.expect("coverage");
        assert!(cov(0) > 0.3 && cov(0) < 1.0, "{}", cov(0));
        assert!(cov(1) < 0.1, "{}", cov(1));
        let by_charge = Query::new(&t, "", vec!["危险驾驶罪".to_string()]);
        assert!(
            rank(&by_charge, &pool)
                .iter()
                .all(|x| x.why.fact_coverage.is_none())
        );
        let again: Vec<String> = rank(&q, &pool).into_iter().map(|x| x.id).collect();
        assert_eq!(again, vec!["a", "b"]);
    }

    fn counted(id: &str, fact_tf: Vec<u32>, fact_len: u32, charges: &[&str]) -> Features {
        Features {
            id: id.into(),
            fact_tf,
            fact_len,
            text_tf: vec![],
            text_len: 1,
            charges: charges.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn the_best_judgments_weigh_the_query_words_they_use_and_a_charge_shared_with_another_counts_two_thirds()
     {
        // Query words 撬锁, 价值, 刀 once each. The first pass puts a and b (they share the
        // charge) first; both say 撬锁, neither 价值.
        let words = Slots {
            terms: vec!["撬锁".to_string(), "价值".to_string(), "刀".to_string()],
            repeats: vec![1.0, 1.0, 1.0],
        };
        let pool = [
            counted("a", vec![2, 0, 1], 20, &["盗窃罪"]),
            counted("b", vec![1, 0, 0], 20, &["盗窃罪", "故意毁坏财物罪"]),
            counted("c", vec![0, 1, 0], 20, &["诈骗罪"]),
        ];
        let first = [1.5, 1.2, 0.3];
        let w = feedback(&words, &pool, &first);
        // Half the query's own share (⅓ each); half the best judgments' use of the words of two
        // characters or more: a uses 撬锁 2/20 (× 1.5/1.5), b 1/20 (× 1.2/1.5), c 价值 1/20 (× 0.3/1.5),
        // all ten best being the three here.
        let used = [0.1 + 0.05 * 0.8, 0.05 * 0.2];
        let all = used[0] + used[1];
        let want = [
            0.5 / 3.0 + 0.5 * used[0] / all,
            0.5 / 3.0 + 0.5 * used[1] / all,
            0.5 / 3.0,
        ];
        for k in 0..3 {
            assert!((w[k] - want[k]).abs() < 1e-12, "{k}: {w:?} vs {want:?}");
        }
        // Nothing to learn from a pool where nothing scores: the query as it is.
        assert_eq!(feedback(&words, &pool, &[0.0; 3]), words.repeats);
        let q = Query {
            words: vec![],
            bigrams: vec![],
            charges: BTreeSet::from(["盗窃罪".to_string()]),
        };
        let overlap = charge_overlaps(&q, &pool);
        assert_eq!(overlap[0], (1.0, vec!["盗窃罪".to_string()]));
        assert!((overlap[1].0 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(overlap[2].0, 0.0);
    }
}
