//! `tianping bench similar --lecard DIR`: similar-case retrieval measured on LeCaRD (issue #5).

use super::percentile;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::time::Instant;
use tianping_domain::judgment::{self, CourtLevel};
use tianping_search::Tokenizer;
use tianping_search::eval::{Summary, evaluate};
use tianping_search::index::{Filters, Judgment, POOL, SimilarIndex};
use tianping_search::rank::{Doc, Query, rank};

#[derive(Deserialize)]
struct RawQuery {
    qid: String,
    text: String,
    #[serde(default)]
    charges: Vec<String>,
}

#[derive(Deserialize)]
struct RawCandidate {
    cid: String,
    qid_pool: Vec<String>,
    text: String,
    #[serde(default)]
    fact: String,
    #[serde(default)]
    charges: Vec<String>,
}

fn lines(path: &Path) -> Result<Box<dyn BufRead>> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let r: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(f))
    } else {
        Box::new(f)
    };
    Ok(Box::new(BufReader::new(r)))
}

fn jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let mut out = vec![];
    for (i, line) in lines(path)?.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .with_context(|| format!("{} line {}", path.display(), i + 1))?,
        );
    }
    Ok(out)
}

/// The rows of the README's table for the dev split (random floor: mean of 200 shuffles; BM25:
/// the dataset's reference run over `fact`).
const REFERENCES: [(&str, [f64; 9]); 2] = [
    (
        "random (expected)",
        [
            0.711, 0.774, 0.877, 0.383, 0.382, 0.446, 0.214, 0.233, 0.264,
        ],
    ),
    (
        "BM25 fact (reference run)",
        [
            0.733, 0.785, 0.878, 0.456, 0.430, 0.510, 0.722, 0.773, 0.859,
        ],
    ),
];

fn row(name: &str, v: [f64; 9]) {
    print!("{name:<28}");
    for x in v {
        print!(" {x:>8.4}");
    }
    println!();
}

fn values(s: &Summary) -> [f64; 9] {
    [
        s.ndcg10, s.ndcg20, s.ndcg30, s.p5, s.p10, s.map, s.ndcgh10, s.ndcgh20, s.ndcgh30,
    ]
}

pub fn run(
    dir: &Path,
    run_out: Option<&Path>,
    scale: usize,
    index_dir: Option<&Path>,
) -> Result<()> {
    let candidates_path = ["candidates.jsonl.gz", "candidates.jsonl"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.exists())
        .context("no candidates.jsonl(.gz) in the folder")?;
    let queries: Vec<RawQuery> = jsonl(&dir.join("queries.jsonl"))?;
    let t = Instant::now();
    let tokenizer = Tokenizer::new();
    let mut docs: Vec<(Vec<String>, Doc)> = vec![];
    let mut chars = 0usize;
    let raw: Vec<RawCandidate> = jsonl(&candidates_path)?;
    for c in &raw {
        chars += c.text.chars().count();
        docs.push((
            c.qid_pool.clone(),
            Doc::new(&tokenizer, &c.cid, &c.fact, &c.text, c.charges.clone()),
        ));
    }
    let secs = t.elapsed().as_secs_f64();
    let docs_per_s = docs.len() as f64 / secs;
    let mut grades: HashMap<String, HashMap<String, u32>> = HashMap::new();
    for (i, line) in lines(&dir.join("qrels.tsv"))?.lines().enumerate() {
        let line = line?;
        let f: Vec<&str> = line.split('\t').collect();
        if i == 0 && f.first() == Some(&"qid") {
            continue;
        }
        let [qid, cid, grade] = f[..] else {
            bail!("qrels.tsv line {}: expected qid, cid, grade", i + 1);
        };
        let g: u32 = grade
            .trim()
            .parse()
            .with_context(|| format!("qrels.tsv line {}: grade {grade:?}", i + 1))?;
        grades
            .entry(qid.to_string())
            .or_default()
            .insert(cid.to_string(), g);
    }
    println!(
        "bench similar: {} queries, {} candidates ({} characters) from {}",
        queries.len(),
        docs.len(),
        chars,
        dir.display()
    );
    let mut runs: HashMap<String, Vec<String>> = HashMap::new();
    let query_texts: Vec<(String, Vec<String>)> = queries
        .iter()
        .map(|q| (q.text.clone(), q.charges.clone()))
        .collect();
    // The queries' most relevant candidates (grade 3), by their id in the library built below.
    let library_id: HashMap<&str, u64> = raw
        .iter()
        .enumerate()
        .map(|(i, c)| (c.cid.as_str(), i as u64 + 1))
        .collect();
    let wanted: Vec<Vec<u64>> = queries
        .iter()
        .map(|q| {
            grades
                .get(&q.qid)
                .map(|g| {
                    g.iter()
                        .filter(|(_, v)| **v == 3)
                        .filter_map(|(c, _)| library_id.get(c.as_str()).copied())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let mut trec = String::new();
    let mut times = vec![];
    for q in &queries {
        let pool: Vec<&Doc> = docs
            .iter()
            .filter(|(p, _)| p.contains(&q.qid))
            .map(|(_, d)| d)
            .collect();
        let t = Instant::now();
        let query = Query::new(&tokenizer, &q.text, q.charges.clone());
        let ranked = rank(&query, &pool);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        for (i, r) in ranked.iter().enumerate() {
            trec.push_str(&format!(
                "{} Q0 {} {} {:.6} tianping\n",
                q.qid,
                r.id,
                i + 1,
                r.score
            ));
        }
        runs.insert(q.qid.clone(), ranked.into_iter().map(|r| r.id).collect());
    }
    if let Some(p) = run_out {
        std::fs::File::create(p)
            .and_then(|mut f| f.write_all(trec.as_bytes()))
            .with_context(|| format!("writing {}", p.display()))?;
        println!("run written to {}", p.display());
    }
    let s = evaluate(&grades, &runs);
    println!(
        "\n{:<28} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "run",
        "NDCG@10",
        "NDCG@20",
        "NDCG@30",
        "P@5",
        "P@10",
        "MAP",
        "NDCGh@10",
        "NDCGh@20",
        "NDCGh@30"
    );
    for (name, v) in REFERENCES {
        row(name, v);
    }
    row("tianping", values(&s));
    let p50 = percentile(&mut times.clone(), 0.5);
    let p95 = percentile(&mut times, 0.95);
    println!(
        "\n{} queries scored; ranking one pool (~100 judgments, prepared): p50 {p50:.2} ms, p95 {p95:.2} ms; preparing the candidates (jieba words of the facts, bigrams of the text, charges): {docs_per_s:.0} docs/s",
        s.queries
    );
    let lib = library(
        &tokenizer,
        &raw,
        &docs,
        &query_texts,
        &wanted,
        scale,
        index_dir,
    )?;
    println!(
        "RESULT similar map={:.4} p5={:.4} ndcgh30={:.4} p95_ms={:.2} docs_per_s={:.0}",
        s.map, s.p5, s.ndcgh30, lib.p95_ms, lib.docs_per_s
    );
    Ok(())
}

struct LibraryFigures {
    p95_ms: f64,
    docs_per_s: f64,
}

/// Latencies of searches (each query run `rounds` times), whole and by stage.
struct Latency {
    p50: f64,
    p95: f64,
    found: usize,
    pool: (f64, f64),
    rank: (f64, f64),
}

impl Latency {
    fn stages(&self) -> String {
        format!(
            "stage 1 (pool) p50 {:.2} / p95 {:.2} ms, stage 2 (ranking from postings) p50 {:.2} / p95 {:.2} ms",
            self.pool.0, self.pool.1, self.rank.0, self.rank.1
        )
    }
}

fn time_searches(
    ix: &SimilarIndex,
    tokenizer: &Tokenizer,
    queries: &[(String, Vec<String>)],
    rounds: usize,
) -> Result<Latency> {
    let (mut times, mut pool, mut rank) = (vec![], vec![], vec![]);
    let mut found = 0;
    for _ in 0..rounds {
        for (text, charges) in queries {
            let t = Instant::now();
            let q = Query::new(tokenizer, text, charges.clone());
            let (hits, stages) = ix.search_timed(&q, &Filters::default(), 30)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            pool.push(stages.pool.as_secs_f64() * 1e3);
            rank.push(stages.rank.as_secs_f64() * 1e3);
            found += hits.len();
        }
    }
    let both = |v: &mut Vec<f64>| (percentile(&mut v.clone(), 0.5), percentile(v, 0.95));
    let (p50, p95) = both(&mut times);
    Ok(Latency {
        p50,
        p95,
        found,
        pool: both(&mut pool),
        rank: both(&mut rank),
    })
}

/// The product's path: every dev candidate indexed as `serve` indexes the library (jieba words,
/// stored text), queries searched against all of them; then a synthesized library of `scale`
/// judgments, with an exhaustive scan of it as the anchor.
fn library(
    tokenizer: &Tokenizer,
    raw: &[RawCandidate],
    docs: &[(Vec<String>, Doc)],
    queries: &[(String, Vec<String>)],
    wanted: &[Vec<u64>],
    scale: usize,
    index_dir: Option<&Path>,
) -> Result<LibraryFigures> {
    let year = |text: &str| judgment::decided_on(text).map(|(y, _, _)| y);
    let ix = SimilarIndex::in_ram(200_000_000, 1)?;
    let t = Instant::now();
    for (i, c) in raw.iter().enumerate() {
        let court = judgment::court_of(&c.text);
        let j = Judgment {
            id: i as u64 + 1,
            fact: &c.fact,
            text: &c.text,
            charges: &c.charges,
            court: court.as_deref(),
            year: year(&c.text),
        };
        ix.add([ix.document(tokenizer, &j)])?;
    }
    ix.commit(raw.len() as u64)?;
    let secs = t.elapsed().as_secs_f64();
    let docs_per_s = raw.len() as f64 / secs;
    let dev = time_searches(&ix, tokenizer, queries, 3)?;
    let (p50, p95, found) = (dev.p50, dev.p95, dev.found);
    // How many of each query's grade-3 candidates the library-wide search finds, in its pool of
    // 100 (stage 1) and in its top 30.
    let (mut total, mut in_pool, mut in_top) = (0usize, 0usize, 0usize);
    for ((text, charges), want) in queries.iter().zip(wanted) {
        let q = Query::new(tokenizer, text, charges.clone());
        let hits = ix.search(&q, &Filters::default(), POOL)?;
        total += want.len();
        in_pool += want
            .iter()
            .filter(|w| hits.iter().any(|h| h.id == **w))
            .count();
        in_top += want
            .iter()
            .filter(|w| hits.iter().take(30).any(|h| h.id == **w))
            .count();
    }
    println!(
        "\nlibrary of the {} dev candidates, indexed as serve does (jieba words of the facts, bigrams of the text; one thread): {docs_per_s:.0} docs/s ({secs:.1} s)",
        raw.len()
    );
    println!(
        "  search (query cut, pool of 100 by tantivy, ranking from postings, top 30; {} searches, {found} results): p50 {p50:.2} ms, p95 {p95:.2} ms; {} segment(s); {}",
        queries.len() * 3,
        ix.segments(),
        dev.stages()
    );
    println!(
        "  of the queries' {total} most relevant candidates (grade 3), searching all {} judgments finds {in_pool} ({:.1} %) in the pool of {POOL} and {in_top} ({:.1} %) in the top 30",
        raw.len(),
        100.0 * in_pool as f64 / total.max(1) as f64,
        100.0 * in_top as f64 / total.max(1) as f64
    );
    drop(ix);
    if scale == 0 {
        return Ok(LibraryFigures {
            p95_ms: p95,
            docs_per_s,
        });
    }

    // A synthesized library: judgment i joins the first half of candidate i mod n (its charges,
    // its court) to the second half of another candidate, words and text alike, so term
    // statistics stay those of real judgments while every document differs.
    let n = raw.len();
    let donor = |i: usize| (i.wrapping_mul(7919).wrapping_add(13)) % n;
    let half = |v: usize| v / 2;
    let synth_words = |i: usize| -> (&[String], &[String]) {
        let (a, b) = (&docs[i % n].1.fact_words, &docs[donor(i)].1.fact_words);
        (&a[..half(a.len())], &b[half(b.len())..])
    };
    let cut = |s: &str| -> usize {
        let mut k = s.len() / 2;
        while !s.is_char_boundary(k) {
            k -= 1;
        }
        k
    };
    let dir = match index_dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("tianping-bench-similar-{}", std::process::id())),
    };
    if dir.exists() {
        bail!("{} exists; give an empty --index-dir", dir.display());
    }
    let levels: Vec<Option<CourtLevel>> = raw
        .iter()
        .map(|c| {
            judgment::court_of(&c.text)
                .as_deref()
                .and_then(CourtLevel::of)
        })
        .collect();
    let years: Vec<Option<i32>> = raw.iter().map(|c| year(&c.text)).collect();
    let big = SimilarIndex::open_or_create(&dir, 1_000_000_000, 2)?;
    let t = Instant::now();
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..scale {
        let (a, b) = synth_words(i);
        let words: Vec<String> = a.iter().chain(b).cloned().collect();
        let (ta, tb) = (&raw[i % n].text, &raw[donor(i)].text);
        let text = format!("{}{}", &ta[..cut(ta)], &tb[cut(tb)..]);
        batch.push(big.document_from_words(
            i as u64 + 1,
            &words,
            &text,
            &docs[i % n].1.charges,
            levels[i % n],
            years[i % n],
        ));
        if batch.len() == 10_000 {
            big.add(batch.drain(..))?;
        }
        if (i + 1) % 200_000 == 0 {
            eprintln!("  synthesized and indexed {} judgments", i + 1);
        }
    }
    big.add(batch)?;
    big.commit(scale as u64)?;
    let build_secs = t.elapsed().as_secs_f64();
    let size: u64 = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    let built = time_searches(&big, tokenizer, queries, 3)?;
    let segments = big.segments();
    let t = Instant::now();
    big.merge_all()?;
    let merge_secs = t.elapsed().as_secs_f64();
    let merged = time_searches(&big, tokenizer, queries, 3)?;
    let (p50_big, p95_big, found) = (merged.p50, merged.p95, merged.found);

    // Anchor: BM25 of the facts by scanning every judgment (no index), for three queries.
    let mut scan_ms = vec![];
    for (text, charges) in queries.iter().take(3) {
        let t = Instant::now();
        let q = Query::new(tokenizer, text, charges.clone());
        let wanted: HashSet<&str> = q.words.iter().map(String::as_str).collect();
        let mut df: HashMap<&str, u64> = HashMap::new();
        let mut total_len = 0usize;
        for i in 0..scale {
            let (a, b) = synth_words(i);
            total_len += a.len() + b.len();
            let mut here: HashSet<&str> = HashSet::new();
            for w in a.iter().chain(b) {
                if wanted.contains(w.as_str()) {
                    here.insert(w.as_str());
                }
            }
            for w in here {
                *df.entry(w).or_default() += 1;
            }
        }
        let avgdl = total_len as f64 / scale as f64;
        let mut best: Vec<(f64, usize)> = Vec::with_capacity(scale);
        for i in 0..scale {
            let (a, b) = synth_words(i);
            let mut tf: HashMap<&str, f64> = HashMap::new();
            for w in a.iter().chain(b) {
                if wanted.contains(w.as_str()) {
                    *tf.entry(w.as_str()).or_default() += 1.0;
                }
            }
            let dl = (a.len() + b.len()) as f64;
            let score: f64 = tf
                .iter()
                .map(|(w, f)| {
                    let idf = tianping_search::bm25::collection_idf(scale as u64, df[w]);
                    idf * f * 2.5 / (f + 1.5 * (0.25 + 0.75 * dl / avgdl))
                })
                .sum();
            best.push((score, i));
        }
        best.sort_by(|x, y| y.0.total_cmp(&x.0));
        std::hint::black_box(&best[..30.min(best.len())]);
        scan_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let scan = percentile(&mut scan_ms, 0.5);
    let rss = super::peak_rss_mb();
    println!(
        "\nsynthesized library of {scale} judgments: built in {build_secs:.0} s ({:.0} docs/s, words already cut; two writer threads), {:.1} GB on disk",
        scale as f64 / build_secs,
        size as f64 / 1e9
    );
    println!(
        "  search as built ({segments} segments; {} searches): p50 {:.2} ms, p95 {:.2} ms; {}",
        queries.len() * 3,
        built.p50,
        built.p95,
        built.stages()
    );
    println!(
        "  merged into {} segment(s) in {merge_secs:.0} s; search ({} searches, {found} results): p50 {p50_big:.2} ms, p95 {p95_big:.2} ms; {}",
        big.segments(),
        queries.len() * 3,
        merged.stages()
    );
    println!(
        "  anchor: scanning every judgment's facts with BM25 (no index), median of 3 queries: {scan:.0} ms → the index is {:.0}× faster at p95",
        scan / p95_big
    );
    println!("  peak RSS {rss:.0} MB (includes the dev candidates held in memory)");
    drop(big);
    std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    Ok(LibraryFigures {
        p95_ms: p95_big,
        docs_per_s,
    })
}
