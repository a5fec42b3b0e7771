//! `tianping bench evaluation`: a routine quality evaluation at the size a plan may reach (the
//! pool's limit, `rules/evaluation.toml`): the draw of each judge's share from `pool` closed cases
//! and the conflict-free assignment of the drawn cases over `experts` experts — each timed beside
//! its anchor measured in the same run, the bare SHA-256 of as many strings as the step hashes
//! (one place per pool member; one per case and expert). The assignment's balance is reported:
//! the spread between the most and the least loaded expert free of conflicts.

use anyhow::{Result, bail};
use std::collections::BTreeMap;
use std::time::Instant;
use tianping_domain::Confidentiality;
use tianping_domain::case::Clearance;
use tianping_domain::evaluation::draw::{CaseTeam, Expert, PoolCase, assign, routine};

fn sha_anchor(n: usize, seed: &str) -> f64 {
    let t = Instant::now();
    let mut acc = 0usize;
    for i in 0..n {
        // One place of the draw: SHA-256 of the seed, a newline and an id, as hex.
        acc ^= tianping_domain::sample::place(seed, &format!("（2026）浙0102民初{i}号")).len();
    }
    std::hint::black_box(acc);
    t.elapsed().as_secs_f64() * 1000.0
}

pub(super) fn run(pool: usize, experts: usize) -> Result<()> {
    if pool == 0 || experts < 2 {
        bail!("--pool must be positive and --experts at least 2");
    }
    let seed = "9b2f4c6e8a0d1f3e5c7a9b1d3f5e7a9c";
    let judges = (pool / 50).max(1);
    let members: Vec<PoolCase> = (0..pool)
        .map(|i| PoolCase {
            case_number: format!("（2026）浙01{:02}民初{i}号", i % 7),
            judge: format!("法官{:04}", i % judges),
        })
        .collect();
    let t = Instant::now();
    let drawn = routine(seed, &members, 5, 1);
    let draw_ms = t.elapsed().as_secs_f64() * 1000.0;
    let draw_anchor = sha_anchor(pool, seed);

    // The drawn cases' teams: seven courts; every 25th case names a party one expert is related
    // to, every 40th is a minors' case only the cleared experts may take.
    let teams: Vec<CaseTeam> = drawn
        .iter()
        .enumerate()
        .map(|(i, n)| CaseTeam {
            case_number: n.clone(),
            org_id: format!("court-{}", i % 7),
            confidentiality: if i % 40 == 0 {
                Confidentiality::Minors
            } else {
                Confidentiality::Public
            },
            judge: Some(format!("法官{:04}", i % judges)),
            panel: vec![],
            clerk: None,
            parties: vec![if i % 25 == 0 {
                "某某集团有限公司".into()
            } else {
                format!("当事人{i}")
            }],
        })
        .collect();
    let pool_experts: Vec<Expert> = (0..experts)
        .map(|e| Expert {
            id: e as i64 + 1,
            name: format!("专家{e}"),
            org_id: format!("court-{}", e % 7),
            clearance: if e % 5 == 0 {
                Clearance(vec![Confidentiality::Minors])
            } else {
                Clearance::default()
            },
            relations: if e == 1 {
                vec!["某某集团有限公司".into()]
            } else {
                vec![]
            },
        })
        .collect();
    let t = Instant::now();
    let assigned = assign(
        seed,
        &teams,
        &pool_experts,
        true,
        &BTreeMap::new(),
        &BTreeMap::new(),
    );
    let assign_ms = t.elapsed().as_secs_f64() * 1000.0;
    let assign_anchor = sha_anchor(teams.len() * experts, seed);
    let unassigned = assigned.iter().filter(|a| a.expert.is_none()).count();
    let mut load: BTreeMap<i64, usize> = pool_experts.iter().map(|e| (e.id, 0)).collect();
    for a in &assigned {
        if let Some(e) = a.expert {
            *load.entry(e).or_default() += 1;
        }
    }
    let (lo, hi) = (
        load.values().min().copied().unwrap_or(0),
        load.values().max().copied().unwrap_or(0),
    );
    println!(
        "pool {pool} closed cases of {judges} judges → {} drawn in {draw_ms:.1} ms (anchor: {pool} bare SHA-256 in {draw_anchor:.1} ms)",
        drawn.len()
    );
    println!(
        "{} cases over {experts} experts in {assign_ms:.1} ms (anchor: {} bare SHA-256 in {assign_anchor:.1} ms); {unassigned} without a conflict-free expert; load {lo}–{hi} per expert",
        teams.len(),
        teams.len() * experts
    );
    println!(
        "RESULT evaluation pool={pool} drawn={} draw_ms={draw_ms:.1} draw_anchor_ms={draw_anchor:.1} draw_ratio={:.2} experts={experts} assign_ms={assign_ms:.1} assign_anchor_ms={assign_anchor:.1} assign_ratio={:.2} unassigned={unassigned} load_min={lo} load_max={hi}",
        drawn.len(),
        draw_ms / draw_anchor.max(0.001),
        assign_ms / assign_anchor.max(0.001),
    );
    Ok(())
}
