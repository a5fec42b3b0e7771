//! Okapi BM25 over one pool of documents, from counts of the query's terms.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub k1: f64,
    pub b: f64,
}

/// k1 and b of the LeCaRD reference run (`rank_bm25.BM25Okapi`).
pub const DEFAULT: Params = Params { k1: 1.5, b: 0.75 };

/// A fast hasher without a random seed (the multiply-rotate scheme of rustc's FxHasher): term
/// counting is the hot loop of a ranking, and a fixed seed makes every run alike.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        for b in chunks.remainder() {
            self.add(u64::from(*b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// IDF as Lucene and tantivy compute it (never negative): ln(1 + (N − df + ½) / (df + ½)).
pub fn collection_idf(docs: u64, doc_freq: u64) -> f64 {
    let (n, df) = (docs as f64, doc_freq as f64);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// BM25 from counts already made: `tf[d][k]` is how often query term `k` occurs in document `d`,
/// `lens[d]` the document's length, `repeats[k]` how often the query says term `k` (each
/// repeat counts). IDF is [`collection_idf`] over these documents (the pool), so only the
/// query's terms need counting — which is what lets the index read the counts from its postings.
pub fn from_counts(tf: &[&[u32]], lens: &[u32], repeats: &[f64], p: Params) -> Vec<f64> {
    with_idf(tf, lens, repeats, &pool_idf(tf, repeats.len()), p)
}

/// [`collection_idf`] of each of the query's `terms` over the pool whose counts are `tf`.
pub fn pool_idf(tf: &[&[u32]], terms: usize) -> Vec<f64> {
    let n = tf.len() as u64;
    (0..terms)
        .map(|k| {
            let df = tf
                .iter()
                .filter(|d| d.get(k).is_some_and(|&f| f > 0))
                .count();
            collection_idf(n, df as u64)
        })
        .collect()
}

/// [`from_counts`] with the IDF of each query term already made ([`pool_idf`]).
pub fn with_idf(tf: &[&[u32]], lens: &[u32], repeats: &[f64], idf: &[f64], p: Params) -> Vec<f64> {
    let n = tf.len();
    if n == 0 {
        return vec![];
    }
    let avgdl = lens.iter().map(|&l| f64::from(l)).sum::<f64>() / n as f64;
    tf.iter()
        .zip(lens)
        .map(|(d, &dl)| {
            let norm = p.k1 * (1.0 - p.b + p.b * f64::from(dl) / avgdl.max(1e-9));
            d.iter()
                .zip(repeats)
                .zip(idf)
                .filter(|((f, _), _)| **f > 0)
                .map(|((&f, r), i)| {
                    let f = f64::from(f);
                    r * i * f * (p.k1 + 1.0) / (f + norm)
                })
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bm25_from_counts_by_hand() {
        // Query 盗窃 ×2, 手机 ×1. Documents: "盗窃 手机 价值" (3), "驾驶 乙醇 含量" (3),
        // "盗窃 电缆 多次" (3).
        let tf: [&[u32]; 3] = [&[1, 1], &[0, 0], &[1, 0]];
        let s = from_counts(&tf, &[3, 3, 3], &[2.0, 1.0], DEFAULT);
        assert_eq!(s[1], 0.0);
        // dl = avgdl, f = 1: each occurrence adds idf · 2.5 / 2.5 = idf.
        let theft = collection_idf(3, 2);
        let phone = collection_idf(3, 1);
        assert!((s[0] - (2.0 * theft + phone)).abs() < 1e-12, "{s:?}");
        assert!((s[2] - 2.0 * theft).abs() < 1e-12, "{s:?}");
        assert!((collection_idf(3, 1) - (1.0f64 + 2.5 / 1.5).ln()).abs() < 1e-12);
    }
}
