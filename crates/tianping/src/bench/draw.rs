//! `tianping bench draw`: RFC 3797 draws of people's supervisors at volume. Each draw fixes a
//! setup (a pool of `pool` with five members excluded, three to pick and two alternates; the
//! exclusions move from draw to draw), takes two public sources' numbers and draws. Fairness: the
//! chi-square statistic of how often each member was picked (picks, not alternates) against its
//! expected count — the sum over the draws it was eligible for of picks ÷ eligible — and its
//! p-value with pool − 1 degrees of freedom. Speed: draws per second beside the anchor, the same
//! number of bare MD5 hashes of the same keys (the method's own floor).

use anyhow::{Result, bail};
use std::time::Instant;
use tianping_domain::draw::{Setup, Source, SourceValue, pick_hash};

const PICKS: usize = 3;
const ALTERNATES: usize = 2;
const EXCLUDED: usize = 5;

fn inputs(i: usize, pool: usize) -> (Vec<(String, String)>, Vec<SourceValue>) {
    let excluded = (0..EXCLUDED)
        .map(|j| {
            (
                format!("s{:04}", (i * 7 + j * 31) % pool),
                "回避".to_string(),
            )
        })
        .collect();
    // Two public sources as a lottery would give them: six numbers, then one.
    let x = (i as u64).wrapping_mul(2_654_435_761) % 1_000_000_007;
    let six = (0..6)
        .map(|k| ((x >> (k * 5)) % 33 + 1).to_string())
        .collect();
    let values = vec![
        SourceValue::Public(six),
        SourceValue::Public(vec![(i % 16 + 1).to_string(), i.to_string()]),
    ];
    (excluded, values)
}

pub(super) fn run(draws: usize, pool: usize) -> Result<()> {
    if !(EXCLUDED + PICKS + ALTERNATES..=9999).contains(&pool) {
        bail!(
            "--pool must be between {} and 9999",
            EXCLUDED + PICKS + ALTERNATES
        );
    }
    let ids: Vec<String> = (0..pool).map(|i| format!("s{i:04}")).collect();
    let sources = vec![
        Source::Public {
            description: "双色球红球".into(),
        },
        Source::Public {
            description: "蓝球与期号".into(),
        },
    ];
    let mut observed = vec![0f64; pool];
    let mut expected = vec![0f64; pool];
    let mut keys = Vec::with_capacity(draws);
    let t = Instant::now();
    for i in 0..draws {
        let (excluded, values) = inputs(i, pool);
        let out: std::collections::BTreeSet<usize> = excluded
            .iter()
            .filter_map(|(id, _)| id[1..].parse::<usize>().ok())
            .collect();
        let setup = Setup::new(
            &format!("B{i}"),
            ids.clone(),
            excluded,
            PICKS,
            ALTERNATES,
            sources.clone(),
        )?;
        let o = setup.draw(&values)?;
        for p in o.picks.iter().filter(|p| !p.alternate) {
            observed[p.member[1..].parse::<usize>()?] += 1.0;
        }
        let share = PICKS as f64 / (pool - out.len()) as f64;
        for (m, e) in expected.iter_mut().enumerate() {
            if !out.contains(&m) {
                *e += share;
            }
        }
        keys.push(o.key);
    }
    let secs = t.elapsed().as_secs_f64();
    // Anchor: the hashes alone, as many as the draws made.
    let t = Instant::now();
    let mut sink = 0u8;
    for k in &keys {
        for j in 0..(PICKS + ALTERNATES) as u16 {
            sink ^= pick_hash(k, j)[0];
        }
    }
    let anchor_secs = t.elapsed().as_secs_f64().max(1e-9);
    std::hint::black_box(sink);

    let chi2: f64 = observed
        .iter()
        .zip(&expected)
        .map(|(o, e)| (o - e) * (o - e) / e)
        .sum();
    let df = (pool - 1) as f64;
    let p = tianping_domain::stats::chi_square_p(chi2, df);
    let (lo, hi) = observed
        .iter()
        .zip(&expected)
        .map(|(o, e)| o / e)
        .fold((f64::MAX, f64::MIN), |(a, b), r| (a.min(r), b.max(r)));
    let rate = draws as f64 / secs;
    let anchor = draws as f64 / anchor_secs;
    println!(
        "{draws} draws from a pool of {pool}, {EXCLUDED} excluded each, {PICKS} picks + {ALTERNATES} alternates"
    );
    println!(
        "picks per member: expected {:.1} on average; observed / expected from {lo:.3} to {hi:.3}",
        expected.iter().sum::<f64>() / pool as f64
    );
    println!("chi-square {chi2:.1} with {df} degrees of freedom: p = {p:.3}");
    println!(
        "{rate:.0} draws/s (setup with the pool's SHA-256, key, hashes, result) beside {anchor:.0}/s for the hashes alone (ratio {:.3})",
        rate / anchor
    );
    println!(
        "RESULT draw chi2={chi2:.1} df={df} chi2_p={p:.3} draws_per_s={rate:.0} anchor_hashes_only_per_s={anchor:.0} ratio={:.3}",
        rate / anchor
    );
    Ok(())
}
