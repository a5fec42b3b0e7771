//! `tianping bench proofread --judgments FILE.jsonl[.gz]` (LeCaRD's schema: one judgment per line
//! with its `text`): proofreads every judgment on one core and prints judgments per second beside
//! the anchor — reading each text once, character by character, as any check must — and the
//! findings per judgment by kind, with every finding listed (`--show`) so a person can confirm
//! them: on published judgments, a finding is more often the checker's error than the court's.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::Instant;
use tianping_domain::proofread::typos::Margins;
use tianping_domain::proofread::{Kind, proofread};

#[derive(Deserialize)]
struct Judgment {
    #[serde(default)]
    cid: String,
    text: String,
}

fn load(path: &Path) -> Result<Vec<Judgment>> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let r: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(f))
    } else {
        Box::new(f)
    };
    let mut out = vec![];
    for (i, line) in BufReader::new(r).lines().enumerate() {
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

/// Margins from `sound,shape,learned,rare` (tuning).
fn parse_margins(s: &str) -> Result<Margins> {
    let v: Vec<&str> = s.split(',').collect();
    let [a, b, l, c] = v.as_slice() else {
        bail!("--margins {s}: expected sound,shape,learned,rare-pair");
    };
    Ok(Margins {
        sound: a.parse().with_context(|| format!("--margins sound {a}"))?,
        shape: b.parse().with_context(|| format!("--margins shape {b}"))?,
        learned: l
            .parse()
            .with_context(|| format!("--margins learned {l}"))?,
        rare_pair: c
            .parse()
            .with_context(|| format!("--margins rare-pair {c}"))?,
        common: 0,
    })
}

/// Either or both benches; the last line joins their figures.
pub fn run_all(
    judgments: Option<&Path>,
    show: bool,
    ecspell: Option<&Path>,
    run_out: Option<&Path>,
    margins: Option<&str>,
) -> Result<()> {
    if judgments.is_none() && ecspell.is_none() {
        bail!("bench proofread: give --judgments FILE, --ecspell FILE or both");
    }
    let mut result = String::from("RESULT proofread");
    if let Some(path) = ecspell {
        let m = match margins {
            Some(s) => parse_margins(s)?,
            None => Margins::SENTENCES,
        };
        let s = super::ecspell::run(path, run_out, m)?;
        result.push_str(&format!(
            " cor_f1={:.4} det_f1={:.4} false_alarm={:.4}",
            s.cor_f1, s.det_f1, s.false_alarm
        ));
        println!();
    }
    if let Some(path) = judgments {
        result.push_str(&run(path, show)?);
    }
    println!("{result}");
    Ok(())
}

/// The judgments bench; returns its part of the RESULT line.
fn run(judgments: &Path, show: bool) -> Result<String> {
    let all = load(judgments)?;
    if all.is_empty() {
        bail!("{}: no judgments", judgments.display());
    }
    let chars: usize = all.iter().map(|j| j.text.chars().count()).sum();
    println!(
        "bench proofread: {} judgments from {} ({:.0} characters each on average), one core",
        all.len(),
        judgments.display(),
        chars as f64 / all.len() as f64
    );
    // The findings, once, for the counts.
    let mut by_kind: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut with_any = 0;
    let mut listed = vec![];
    for j in &all {
        let f = proofread(&j.text);
        with_any += usize::from(!f.is_empty());
        for x in f {
            *by_kind.entry(x.kind).or_default() += 1;
            listed.push((j.cid.clone(), x));
        }
    }
    // Timed: whole passes over every judgment for at least two seconds.
    let rate = |work: &dyn Fn(&str) -> usize| {
        let t = Instant::now();
        let mut n = 0usize;
        let mut sink = 0usize;
        while t.elapsed().as_secs_f64() < 2.0 {
            for j in &all {
                sink = sink.wrapping_add(work(&j.text));
                n += 1;
            }
        }
        std::hint::black_box(sink);
        n as f64 / t.elapsed().as_secs_f64()
    };
    let ours = rate(&|t| proofread(t).len());
    let anchor = rate(&|t| t.chars().filter(|c| *c == '。').count());
    let total: usize = by_kind.values().sum();
    println!();
    println!("{:<22} {:>10} {:>14}", "kind", "findings", "per judgment");
    for k in Kind::ALL {
        let n = by_kind.get(&k).copied().unwrap_or(0);
        println!(
            "{:<22} {:>10} {:>14.4}",
            k.as_str(),
            n,
            n as f64 / all.len() as f64
        );
    }
    println!(
        "{:<22} {:>10} {:>14.4}   ({with_any} judgments with any)",
        "all",
        total,
        total as f64 / all.len() as f64
    );
    println!();
    println!(
        "proofreading: {ours:.0} judgments/s; anchor (one read of each text): {anchor:.0} judgments/s"
    );
    if show {
        println!();
        for (cid, f) in &listed {
            println!(
                "{cid}\t{}\t{}–{}\t{}\t{}",
                f.kind.as_str(),
                f.start,
                f.end,
                f.text,
                f.message
            );
        }
    }
    Ok(format!(
        " judgments={} judgments_per_s={ours:.0} findings_per_judgment={:.4} anchor_judgments_per_s={anchor:.0}",
        all.len(),
        total as f64 / all.len() as f64
    ))
}
