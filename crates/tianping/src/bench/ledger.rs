//! `tianping bench ledger`: the cost of the ledger on import (with and without it, in one run),
//! proofs and a full verification at size.

use super::fresh;
use super::generated;
use super::percentile;
use super::scratch_dir;
use super::timed_ingest_report;
use crate::demo;
use anyhow::{Context, Result, bail};
use chrono::Utc;
use sqlx::Executor;
use std::time::Instant;
use tianping_store::{Numbered, Store};

/// Ingest time of `records` into a fresh database at `url`, with the ledger on or off.
async fn ingest_once(
    url: &str,
    province: &demo::Province,
    records: &[Numbered],
    with_ledger: bool,
) -> Result<f64> {
    let store = fresh(url, province).await?;
    print!("  ledger {} ", if with_ledger { "on " } else { "off" });
    let (secs, _, _) = timed_ingest_report(&store, records, with_ledger).await?;
    let leaves = store.ledger_head().await?.size;
    store.close().await;
    if with_ledger && leaves < records.len() as u64 {
        bail!(
            "the ledger holds {leaves} leaves for {} events",
            records.len()
        );
    }
    Ok(secs)
}

/// Best of two alternating runs each, without and with the ledger. Returns (off s, on s).
async fn ledger_overhead(
    label: &str,
    urls: &mut dyn FnMut(usize) -> String,
    province: &demo::Province,
    records: &[Numbered],
) -> Result<(f64, f64)> {
    let (mut off, mut on) = (f64::MAX, f64::MAX);
    for run in 0..2 {
        let t = ingest_once(&urls(run * 2), province, records, false).await?;
        off = off.min(t);
        let t2 = ingest_once(&urls(run * 2 + 1), province, records, true).await?;
        on = on.min(t2);
        println!(
            "  {label} run {}: without ledger {t:.2} s, with ledger {t2:.2} s",
            run + 1
        );
    }
    Ok((off, on))
}

pub(crate) async fn ledger(
    n_events: usize,
    n_leaves: u64,
    postgres_url: Option<String>,
    seed: u64,
) -> Result<()> {
    let dir = scratch_dir()?;
    let (province, records) = generated(n_events, seed);
    println!(
        "bench ledger: {} generated events (seed {seed}), {n_leaves} leaves, scratch {}",
        records.len(),
        dir.display()
    );

    // (a) ingest with and without the ledger.
    println!("(a) ingest, best of two runs each");
    let d = dir.clone();
    let (off, on) = ledger_overhead(
        "sqlite",
        &mut |i| format!("sqlite://{}", d.join(format!("ingest{i}.db")).display()),
        &province,
        &records,
    )
    .await?;
    let n = records.len() as f64;
    let overhead = on / off - 1.0;
    println!(
        "  sqlite    without {:>9.0} events/s   with {:>9.0} events/s   overhead {:+.1} %",
        n / off,
        n / on,
        overhead * 100.0
    );
    let mut pg_overhead = String::from("-");
    if let Some(pg) = &postgres_url {
        let admin = Store::connect(pg).await?;
        let base = format!("tianping_bench_ledger_{}", std::process::id());
        for i in 0..4 {
            admin
                .pool()
                .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {base}_{i}")))
                .await?;
        }
        let b = base.clone();
        let pgu = pg.clone();
        let (poff, pon) = ledger_overhead(
            "postgres",
            &mut |i| tianping_store::testing::replace_db(&pgu, &format!("{b}_{i}")),
            &province,
            &records,
        )
        .await?;
        for i in 0..4 {
            admin
                .pool()
                .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {base}_{i}")))
                .await?;
        }
        admin.close().await;
        let o = pon / poff - 1.0;
        println!(
            "  postgres  without {:>9.0} events/s   with {:>9.0} events/s   overhead {:+.1} %",
            n / poff,
            n / pon,
            o * 100.0
        );
        pg_overhead = format!("{:.3}", o);
    }

    // (b) a big log: proofs.
    println!("(b) inclusion proofs at {n_leaves} leaves");
    let url = format!("sqlite://{}", dir.join("log.db").display());
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    let started = Instant::now();
    tianping_store::ledger::append_synthetic_for_benchmark(&store, n_leaves, 50_000).await?;
    let build = started.elapsed().as_secs_f64();
    println!(
        "  built the log in {build:.1} s ({:.0} leaves/s, with every perfect subtree stored)",
        n_leaves as f64 / build
    );
    let key = tianping_ledger::LogKey::from_seed("bench/ledger", [7; 32])?;
    store.checkpoint(&key, "bench/ledger", Utc::now()).await?;
    let mut rng = demo::Rng::new(seed);
    let samples = 2_000;
    let mut proof_ms = Vec::with_capacity(samples);
    let mut lookup_ms = Vec::with_capacity(samples);
    let head = store.ledger_head().await?;
    let root = tianping_ledger::Hash::from_hex(&head.root).context("root")?;
    for _ in 0..samples {
        let i = rng.next_u64() % head.size;
        let t = Instant::now();
        let _row = sqlx::query(
            "SELECT data FROM ledger_tiles WHERE tile = $1 ORDER BY width DESC LIMIT 1",
        )
        .bind((i / tianping_store::ledger::TILE) as i64)
        .fetch_one(store.pool())
        .await?;
        lookup_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let p = store.inclusion_proof(i, None).await?;
        proof_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let path: Vec<tianping_ledger::Hash> = p
            .proof
            .iter()
            .filter_map(|h| tianping_ledger::Hash::from_hex(h))
            .collect();
        tianping_ledger::verify_inclusion(
            i,
            head.size,
            &tianping_ledger::leaf_hash(p.leaf_data.as_bytes()),
            &path,
            &root,
        )
        .map_err(|e| anyhow::anyhow!("proof of leaf {i} does not verify: {e}"))?;
    }
    let (p50, p95, p99) = (
        percentile(&mut proof_ms, 0.5),
        percentile(&mut proof_ms, 0.95),
        percentile(&mut proof_ms, 0.99),
    );
    let l95 = percentile(&mut lookup_ms, 0.95);
    println!(
        "  inclusion proof (fetch + fold + verify-checked): p50 {p50:.3} ms  p95 {p95:.3} ms  p99 {p99:.3} ms"
    );
    println!(
        "  anchor: one leaf's tile by primary key p95 {l95:.3} ms   ratio {:.1}",
        p95 / l95.max(1e-9)
    );

    // (c) full log verification vs a plain scan of the same leaves.
    println!("(c) full verification of the log");
    let t = Instant::now();
    let mut scanned = 0u64;
    let mut next = 0u64;
    loop {
        let page = store.ledger_page(next, 20_000).await?;
        let Some(last) = page.last() else { break };
        next = last.0 + 1;
        scanned += page.len() as u64;
    }
    let scan = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let verifier = key.verifier();
    let rep = store
        .verify_ledger(&tianping_store::ledger::VerifyOptions {
            key: Some(&verifier),
            origin: "bench/ledger",
            records: false,
            witnesses: &[],
            witness_keys: &[],
        })
        .await?;
    let vt = t.elapsed().as_secs_f64();
    if !rep.ok() {
        bail!("the benchmark log does not verify: {:?}", rep.first());
    }
    let vps = rep.leaves_checked as f64 / vt;
    println!(
        "  verify: {} leaves, {} subtrees, {} checkpoint in {vt:.1} s = {vps:.0} leaves/s",
        rep.leaves_checked, rep.nodes_checked, rep.checkpoints_checked
    );
    println!(
        "  anchor: plain scan of {scanned} leaves in {scan:.1} s = {:.0} leaves/s   ratio {:.2}",
        scanned as f64 / scan,
        vt / scan.max(1e-9)
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "RESULT ledger overhead={overhead:.3} pg_overhead={pg_overhead} proof_p95_ms={p95:.3} proof_vs_lookup={:.1} leaves={} verify_leaves_per_s={vps:.0} verify_vs_scan={:.2}",
        p95 / l95.max(1e-9),
        head.size,
        vt / scan.max(1e-9)
    );
    Ok(())
}
