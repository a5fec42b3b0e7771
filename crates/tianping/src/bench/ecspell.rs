//! `tianping bench proofread --ecspell FILE [--run-out RUN]`: the typo corrector on ECSpell's
//! legal sentences (`ERRORS<TAB>SOURCE<TAB>TARGET`), scored as ECSpell's `eval.py` scores a run —
//! sentence-level detection and correction F1, and the false-alarm rate on error-free sentences.
//! The sentences scored are never in the model: five folds, each corrected by a model counted
//! without its own targets (the shipped model counts them all, for sentences it has not seen).

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use tianping_domain::proofread::typos::{CONFUSION_TSV, Margins, Model};

pub struct Gold {
    pub source: String,
    pub target: String,
}

pub fn load(path: &Path) -> Result<Vec<Gold>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = vec![];
    for (n, line) in text.lines().enumerate() {
        let parts: Vec<&str> = line.split('\t').collect();
        if parts.len() < 3 {
            continue;
        }
        if parts[1].chars().count() != parts[2].chars().count() {
            bail!(
                "{} line {}: source and target differ in length",
                path.display(),
                n + 1
            );
        }
        out.push(Gold {
            source: parts[1].to_string(),
            target: parts[2].to_string(),
        });
    }
    if out.is_empty() {
        bail!("{}: no sentences", path.display());
    }
    Ok(out)
}

/// The scores `eval.py` prints.
#[derive(Debug, Default, Clone, Copy)]
pub struct Scores {
    pub det_f1: f64,
    pub cor_f1: f64,
    pub cor_p: f64,
    pub cor_r: f64,
    pub false_alarm: f64,
}

fn changed(a: &str, b: &str) -> Vec<usize> {
    a.chars()
        .zip(b.chars())
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .map(|(i, _)| i)
        .collect()
}

pub fn score(gold: &[Gold], pred: &[String]) -> Scores {
    let (mut dtp, mut dfp, mut dfn, mut ctp, mut cfp, mut cfn, mut clean, mut fa) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (g, p) in gold.iter().zip(pred) {
        if g.source == g.target {
            clean += 1.0;
            if *p != g.source {
                fa += 1.0;
                dfp += 1.0;
                cfp += 1.0;
            }
            continue;
        }
        if changed(&g.source, p) == changed(&g.source, &g.target) {
            dtp += 1.0;
        } else {
            dfn += 1.0;
            if *p != g.source {
                dfp += 1.0;
            }
        }
        if *p == g.target {
            ctp += 1.0;
        } else {
            cfn += 1.0;
            if *p != g.source {
                cfp += 1.0;
            }
        }
    }
    let prf = |tp: f64, fp: f64, fn_: f64| {
        let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
        let r = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        (p, r, f)
    };
    let (_, _, det_f1) = prf(dtp, dfp, dfn);
    let (cor_p, cor_r, cor_f1) = prf(ctp, cfp, cfn);
    Scores {
        det_f1,
        cor_f1,
        cor_p,
        cor_r,
        false_alarm: if clean > 0.0 { fa / clean } else { 0.0 },
    }
}

/// Corrects every sentence with a model that never counted it (five folds).
pub fn predict(gold: &[Gold], margins: Margins) -> Vec<String> {
    const FOLDS: usize = 5;
    let mut pred = vec![String::new(); gold.len()];
    for f in 0..FOLDS {
        let train: String = gold
            .iter()
            .enumerate()
            .filter(|(i, _)| i % FOLDS != f)
            .map(|(_, g)| format!("{}\n", g.target))
            .collect();
        let mut model = Model::build([train.as_str()], CONFUSION_TSV);
        for (_, g) in gold.iter().enumerate().filter(|(i, _)| i % FOLDS != f) {
            model.learn_sentence(&g.source, &g.target);
        }
        for (i, g) in gold.iter().enumerate().filter(|(i, _)| i % FOLDS == f) {
            pred[i] = model.correct(&g.source, margins);
        }
    }
    pred
}

pub fn run(path: &Path, run_out: Option<&Path>, margins: Margins) -> Result<Scores> {
    let gold = load(path)?;
    let with_errors = gold.iter().filter(|g| g.source != g.target).count();
    println!(
        "bench proofread --ecspell: {} sentences of {} ({with_errors} with errors), five folds",
        gold.len(),
        path.display()
    );
    let t = Instant::now();
    let pred = predict(&gold, margins);
    let secs = t.elapsed().as_secs_f64();
    if let Some(out) = run_out {
        let mut f =
            std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
        for (i, (g, p)) in gold.iter().zip(&pred).enumerate() {
            if *p != g.source {
                writeln!(f, "{}\t{p}", i + 1)?;
            }
        }
        println!("run written to {} (score it with eval.py)", out.display());
    }
    let s = score(&gold, &pred);
    println!(
        "correction P {:.4} R {:.4} F1 {:.4}; detection F1 {:.4}; false alarms on error-free sentences {:.4} ({secs:.1} s with the counting)",
        s.cor_p, s.cor_r, s.cor_f1, s.det_f1, s.false_alarm
    );
    Ok(s)
}
