//! `tianping bench similar --lecard DIR`: similar-case retrieval measured on LeCaRD (issue #5).

use super::percentile;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::time::Instant;
use tianping_search::Tokenizer;
use tianping_search::eval::{Summary, evaluate};
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

pub fn run(dir: &Path, run_out: Option<&Path>) -> Result<()> {
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
    for c in jsonl::<RawCandidate>(&candidates_path)? {
        chars += c.text.chars().count();
        docs.push((
            c.qid_pool.clone(),
            Doc::new(&tokenizer, &c.cid, &c.fact, &c.text, c.charges),
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
    println!(
        "RESULT similar map={:.4} p5={:.4} ndcgh30={:.4} p95_ms={p95:.2} docs_per_s={docs_per_s:.0}",
        s.map, s.p5, s.ndcgh30
    );
    Ok(())
}
