//! Okapi BM25 over one pool of documents.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub k1: f64,
    pub b: f64,
    /// A term in more than half the documents has a negative IDF; it is floored at
    /// `epsilon` × the mean IDF.
    pub epsilon: f64,
}

/// The settings of the LeCaRD reference run (gensim 3 / `rank_bm25.BM25Okapi`).
pub const DEFAULT: Params = Params {
    k1: 1.5,
    b: 0.75,
    epsilon: 0.25,
};

/// The BM25 score of every document for the query (each query token counts, repeats included).
pub fn scores(docs: &[&[String]], query: &[String], p: Params) -> Vec<f64> {
    let n = docs.len();
    if n == 0 {
        return vec![];
    }
    let avgdl = docs.iter().map(|d| d.len()).sum::<usize>() as f64 / n as f64;
    let mut df: HashMap<&str, usize> = HashMap::new();
    let tfs: Vec<HashMap<&str, usize>> = docs
        .iter()
        .map(|d| {
            let mut tf: HashMap<&str, usize> = HashMap::new();
            for w in d.iter() {
                *tf.entry(w.as_str()).or_default() += 1;
            }
            for w in tf.keys() {
                *df.entry(w).or_default() += 1;
            }
            tf
        })
        .collect();
    let mut idf: HashMap<&str, f64> = df
        .iter()
        .map(|(w, f)| {
            let f = *f as f64;
            (*w, ((n as f64 - f + 0.5) / (f + 0.5)).ln())
        })
        .collect();
    let mean = idf.values().sum::<f64>() / idf.len().max(1) as f64;
    for v in idf.values_mut() {
        if *v < 0.0 {
            *v = p.epsilon * mean;
        }
    }
    tfs.iter()
        .zip(docs)
        .map(|(tf, d)| {
            let dl = d.len() as f64;
            query
                .iter()
                .map(|q| {
                    let f = tf.get(q.as_str()).copied().unwrap_or(0) as f64;
                    let i = idf.get(q.as_str()).copied().unwrap_or(0.0);
                    i * f * (p.k1 + 1.0) / (f + p.k1 * (1.0 - p.b + p.b * dl / avgdl.max(1e-9)))
                })
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn the_matching_document_scores_highest_and_absent_terms_score_zero() {
        let docs = [
            doc("盗窃 手机 价值"),
            doc("驾驶 乙醇 含量"),
            doc("盗窃 电缆 多次"),
        ];
        let refs: Vec<&[String]> = docs.iter().map(Vec::as_slice).collect();
        let s = scores(&refs, &doc("盗窃 手机"), DEFAULT);
        assert!(s[0] > s[2] && s[2] > s[1], "{s:?}");
        assert_eq!(s[1], 0.0);
        // By hand: N = 3, df(手机) = 1 → idf = ln(2.5 / 1.5); doc 0 has dl = avgdl = 3, f = 1:
        // 1 · 2.5 / (1 + 1.5) = 1, so 手机 adds ln(5/3).
        let idf_phone = (2.5f64 / 1.5).ln();
        let s0_phone = s[0] - s[2];
        assert!(
            (s0_phone - idf_phone).abs() < 1e-9,
            "{s0_phone} {idf_phone}"
        );
    }
}
