//! The LeCaRD metrics, as the dataset's `eval.py` defines them (its README, "Metric
//! definitions"): primary metrics on the ranking restricted to judged candidates, and NDCGh@k on
//! the whole ranking with unjudged candidates as grade 0.

use std::collections::HashMap;

/// Every metric, averaged over the queries of the grades.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub queries: usize,
    pub ndcg10: f64,
    pub ndcg20: f64,
    pub ndcg30: f64,
    pub p5: f64,
    pub p10: f64,
    pub map: f64,
    pub ndcgh10: f64,
    pub ndcgh20: f64,
    pub ndcgh30: f64,
}

fn dcg(grades: &[u32], k: usize) -> f64 {
    grades
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, g)| f64::from(*g) / ((i + 2) as f64).log2())
        .sum()
}

fn ndcg(ranked: &[u32], all: &[u32], k: usize) -> f64 {
    let mut ideal = all.to_vec();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let i = dcg(&ideal, k);
    if i == 0.0 { 0.0 } else { dcg(ranked, k) / i }
}

/// `grades[qid][cid]` (judged pairs only); `runs[qid]` the ranked candidate ids.
pub fn evaluate(
    grades: &HashMap<String, HashMap<String, u32>>,
    runs: &HashMap<String, Vec<String>>,
) -> Summary {
    let mut s = Summary::default();
    let mut qids: Vec<&String> = grades.keys().collect();
    qids.sort();
    for qid in &qids {
        let g = &grades[*qid];
        let all: Vec<u32> = g.values().copied().collect();
        let run = runs.get(*qid).cloned().unwrap_or_default();
        let judged: Vec<u32> = run.iter().filter_map(|c| g.get(c).copied()).collect();
        let hard: Vec<u32> = run.iter().map(|c| g.get(c).copied().unwrap_or(0)).collect();
        s.ndcg10 += ndcg(&judged, &all, 10);
        s.ndcg20 += ndcg(&judged, &all, 20);
        s.ndcg30 += ndcg(&judged, &all, 30);
        s.ndcgh10 += ndcg(&hard, &all, 10);
        s.ndcgh20 += ndcg(&hard, &all, 20);
        s.ndcgh30 += ndcg(&hard, &all, 30);
        let p = |k: usize| judged.iter().take(k).filter(|x| **x == 3).count() as f64 / k as f64;
        s.p5 += p(5);
        s.p10 += p(10);
        let relevant = all.iter().filter(|x| **x == 3).count();
        if relevant > 0 {
            let mut hits = 0;
            let mut sum = 0.0;
            for (i, x) in judged.iter().enumerate() {
                if *x == 3 {
                    hits += 1;
                    sum += f64::from(hits) / (i + 1) as f64;
                }
            }
            s.map += sum / relevant as f64;
        }
    }
    let n = qids.len().max(1) as f64;
    s.queries = qids.len();
    for v in [
        &mut s.ndcg10,
        &mut s.ndcg20,
        &mut s.ndcg30,
        &mut s.p5,
        &mut s.p10,
        &mut s.map,
        &mut s.ndcgh10,
        &mut s.ndcgh20,
        &mut s.ndcgh30,
    ] {
        *v /= n;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_ranking_scores_one_and_hand_worked_values_hold() {
        let g: HashMap<String, HashMap<String, u32>> = HashMap::from([(
            "q".to_string(),
            HashMap::from([
                ("a".to_string(), 3),
                ("b".to_string(), 1),
                ("c".to_string(), 3),
            ]),
        )]);
        let perfect = HashMap::from([(
            "q".to_string(),
            vec!["a".into(), "c".into(), "b".into(), "x".into()],
        )]);
        let s = evaluate(&g, &perfect);
        assert!((s.ndcg10 - 1.0).abs() < 1e-12 && (s.ndcgh30 - 1.0).abs() < 1e-12);
        assert!((s.map - 1.0).abs() < 1e-12);
        assert!((s.p5 - 0.4).abs() < 1e-12, "two grade-3 in the first five");
        // An unjudged x first: primary metrics ignore it, the hard one does not.
        let x_first = HashMap::from([(
            "q".to_string(),
            vec!["x".into(), "a".into(), "c".into(), "b".into()],
        )]);
        let s = evaluate(&g, &x_first);
        assert!((s.ndcg10 - 1.0).abs() < 1e-12);
        assert!(s.ndcgh10 < 1.0);
        // By hand: b, a, c → AP = (1/2 + 2/3) / 2.
        let bad = HashMap::from([("q".to_string(), vec!["b".into(), "a".into(), "c".into()])]);
        assert!((evaluate(&g, &bad).map - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
    }
}
