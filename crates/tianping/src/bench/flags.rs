//! `tianping bench flags`: raising 四类案件 flags on import, against the same import without them.

use super::fresh;
use super::generated;
use super::scratch_dir;
use super::timed_ingest_report;
use crate::demo;
use anyhow::{Result, bail};
use sqlx::Row;
use tianping_store::Numbered;

/// Ingest into a fresh SQLite database with the flag rules on or off: (seconds, flags raised).
async fn flags_once(
    url: &str,
    province: &demo::Province,
    records: &[Numbered],
    on: bool,
) -> Result<(f64, i64, f64)> {
    let store = fresh(url, province).await?;
    let mut cfg = (*store.supervision()).clone();
    if !on {
        cfg.flags = cfg.flags.without_rules();
    }
    store.set_supervision(cfg);
    print!("  flags {} ", if on { "on " } else { "off" });
    let (secs, report, _) = timed_ingest_report(&store, records, true).await?;
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM case_flags")
        .fetch_one(store.pool())
        .await?
        .try_get(0)?;
    store.close().await;
    if on == (n == 0) {
        bail!(
            "flag rules {}: {n} flags raised",
            if on { "on" } else { "off" }
        );
    }
    Ok((secs, n, report.timings.flags.as_secs_f64()))
}

pub(crate) async fn flags(n_events: usize, seed: u64) -> Result<()> {
    let dir = scratch_dir()?;
    let (province, records) = generated(n_events, seed);
    println!(
        "bench flags: {} generated events (seed {seed}), scratch {}",
        records.len(),
        dir.display()
    );
    // Three pairs, each pair run back to back in alternating order (off-on, on-off, off-on), each
    // database removed after its run: this VM drifts over minutes, so the overhead is the median
    // of the per-pair ratios rather than a ratio of bests taken at different times.
    let (mut off, mut on, mut raised, mut stage) = (f64::MAX, f64::MAX, 0, f64::MAX);
    let mut ratios = vec![];
    for run in 0..3 {
        let mut pair = [0.0f64; 2];
        let order: [bool; 2] = if run % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for rules_on in order {
            let file = dir.join(format!("{}{run}.db", if rules_on { "on" } else { "off" }));
            let (t, n, st) = flags_once(
                &format!("sqlite://{}", file.display()),
                &province,
                &records,
                rules_on,
            )
            .await?;
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", file.display()));
            }
            if rules_on {
                pair[1] = t;
                on = on.min(t);
                stage = stage.min(st / t);
                raised = n;
            } else {
                pair[0] = t;
                off = off.min(t);
            }
        }
        ratios.push(pair[1] / pair[0]);
        println!(
            "  pair {}: rules off {:.2} s, rules on {:.2} s, ratio {:.3}",
            run + 1,
            pair[0],
            pair[1],
            pair[1] / pair[0]
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    ratios.sort_by(f64::total_cmp);
    let overhead = ratios[ratios.len() / 2] - 1.0;
    let n = records.len() as f64;
    println!(
        "  best: rules off {:>9.0} events/s, rules on {:>9.0} events/s; median pair overhead {:+.1} %; flags raised {raised}",
        n / off,
        n / on,
        overhead * 100.0
    );
    println!(
        "  the flag stage itself (rule evaluation, existing-flag lookup, inserts and their leaves): {:.1} % of the ingest with rules on",
        stage * 100.0
    );
    println!(
        "RESULT flags overhead={overhead:.3} stage_share={stage:.3} events={} flags_raised={raised} events_per_s_on={:.0} events_per_s_off={:.0}",
        records.len(),
        n / on,
        n / off
    );
    Ok(())
}
