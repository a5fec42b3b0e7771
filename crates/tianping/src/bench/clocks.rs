//! `tianping bench clocks`: the pure calculus, a full re-computation of the open clocks, the
//! incremental update per event and the poller when some clocks are due, each beside its anchor.

use super::Mix;
use super::fresh;
use super::percentile;
use super::scratch_dir;
use crate::demo;
use anyhow::{Context, Result, bail};
use chrono::Utc;
use sqlx::Row;
use std::time::Instant;
use tianping_store::{Actor, Numbered};

/// `n` open court cases filed over the 400 days before `now`: 民初 (40 % of them summary), 刑初
/// (70 % in custody), 执, 行初, 民终; some with an appraisal period, some with an approved extension.
fn open_cases(
    province: &demo::Province,
    n: usize,
    seed: u64,
    now: chrono::DateTime<Utc>,
) -> Vec<tianping_domain::EventRecord> {
    use tianping_domain::event::{Approver, EventBody, ExcludedKind, Filing, PeriodUnit};
    let bj = tianping_server::view::beijing();
    let courts: Vec<String> = province
        .orgs
        .iter()
        .filter(|o| o.level == tianping_domain::Level::County)
        .filter_map(|o| o.court_code.clone())
        .collect();
    let mut rng = Mix(seed);
    let mut seq: std::collections::HashMap<(usize, &str, i32), u32> = Default::default();
    let mut out = Vec::with_capacity(n * 3);
    let mut id = 0u64;
    for _ in 0..n {
        let court = rng.below(courts.len() as u64) as usize;
        let r = rng.below(100);
        let (code, kind) = match r {
            0..55 => ("民初", 0),
            55..70 => ("刑初", 1),
            70..90 => ("执", 2),
            90..95 => ("行初", 3),
            _ => ("民终", 4),
        };
        let filed = now
            - chrono::Duration::days(1 + rng.below(400) as i64)
            - chrono::Duration::minutes(rng.below(600) as i64);
        let year = filed
            .with_timezone(&bj)
            .format("%Y")
            .to_string()
            .parse::<i32>()
            .unwrap_or(2026);
        let s = seq.entry((court, code, year)).or_insert(0);
        *s += 1;
        let number = format!("（{year}）{}{code}{}号", courts[court], s);
        let mut f = Filing {
            cause: "合同纠纷".into(),
            ..Default::default()
        };
        if kind == 0 {
            f.summary_procedure = rng.chance(0.4);
        }
        if kind == 1 {
            f.cause = "盗窃罪".into();
            f.in_custody = rng.chance(0.7);
        }
        let mut push = |at: chrono::DateTime<Utc>, body: EventBody| {
            id += 1;
            out.push(tianping_domain::EventRecord {
                source: "bench".into(),
                source_event_id: id.to_string(),
                case_number: number.clone(),
                occurred_at: at.with_timezone(&bj),
                corrects: None,
                body,
            });
        };
        push(filed, EventBody::Filed(f));
        let mut t = filed + chrono::Duration::days(1);
        if t < now {
            push(
                t,
                EventBody::Assigned {
                    judge: "张法官".into(),
                    panel: vec![],
                    division: None,
                    clerk: None,
                },
            );
        }
        if kind != 1 && rng.chance(0.1) {
            t += chrono::Duration::days(5);
            if t + chrono::Duration::days(30) < now {
                let period = ExcludedKind::Appraisal;
                push(
                    t,
                    EventBody::ExcludedPeriodStarted {
                        period,
                        reason: "鉴定".into(),
                        approver: None,
                    },
                );
                push(
                    t + chrono::Duration::days(20),
                    EventBody::ExcludedPeriodEnded { period },
                );
                t += chrono::Duration::days(20);
            }
        }
        if kind == 0 && rng.chance(0.05) {
            let ask = filed + chrono::Duration::days(150);
            if ask > t && ask + chrono::Duration::days(5) < now {
                push(
                    ask,
                    EventBody::ExtensionRequested {
                        amount: 6,
                        unit: PeriodUnit::Month,
                        reason: "复杂".into(),
                    },
                );
                push(
                    ask + chrono::Duration::days(5),
                    EventBody::ExtensionApproved {
                        approver: Approver {
                            name: "院长".into(),
                            role: tianping_domain::Role::President,
                            org: None,
                        },
                        amount: 6,
                        unit: PeriodUnit::Month,
                        ground: None,
                    },
                );
            }
        }
    }
    out
}

pub(crate) async fn clocks(n: usize, seed: u64) -> Result<()> {
    use tianping_store::clocks::Clockwork;
    let now = Utc::now();
    let province = demo::province(seed);
    let records = open_cases(&province, n, seed, now);
    let cw = Clockwork::shipped();
    println!(
        "bench clocks: {n} open cases, {} events (seed {seed})",
        records.len()
    );

    // (a) The pure calculus: fold the cases in memory, then time the clocks of up to 200,000.
    let mut states: Vec<tianping_domain::CaseState> = Vec::new();
    let mut at: std::collections::HashMap<&str, usize> = Default::default();
    for r in &records {
        let t = r.occurred_at.with_timezone(&Utc);
        match &r.body {
            tianping_domain::EventBody::Filed(f) => {
                if states.len() >= 200_000 {
                    continue;
                }
                let code = tianping_domain::CaseNumber::parse(&r.case_number)
                    .map_err(|e| anyhow::anyhow!("{}: {}", r.case_number, e.reason))?
                    .type_code;
                let ty = tianping_domain::case_type::lookup(&code).context("type code")?;
                let s = tianping_domain::CaseState::open(
                    f,
                    ty.kind,
                    ty.procedure,
                    Some(code.clone()),
                    t,
                    now,
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                at.insert(&r.case_number, states.len());
                states.push(s);
            }
            body => {
                if let Some(&i) = at.get(r.case_number.as_str()) {
                    states[i]
                        .apply(body, t, now)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", r.case_number))?;
                }
            }
        }
    }
    let lean = tianping_domain::clock::Engine {
        rules: &cw.rules,
        calendar: &cw.calendar,
        explain: false,
    };
    let full = tianping_domain::clock::Engine {
        rules: &cw.rules,
        calendar: &cw.calendar,
        explain: true,
    };
    let time_it = |f: &dyn Fn(&tianping_domain::CaseState) -> usize| {
        let started = Instant::now();
        let mut rounds = 0;
        let mut count = 0usize;
        while started.elapsed().as_secs_f64() < 2.0 || rounds == 0 {
            for s in &states {
                count += f(s);
            }
            rounds += 1;
        }
        (count, started.elapsed().as_secs_f64())
    };
    let (n_lean, t_lean) = time_it(&|s| lean.clocks(s, now).len());
    let (n_full, t_full) = time_it(&|s| full.clocks(s, now).len());
    let (n_clone, t_clone) =
        time_it(&|s| usize::from(std::hint::black_box(s.clone()).event_count > 0));
    // The process nodes (流程节点) of the same states, beside the clocks: cases per second.
    let (node_cases, node_rows, t_nodes) = {
        let started = Instant::now();
        let (mut cases, mut rows) = (0usize, 0usize);
        while started.elapsed().as_secs_f64() < 2.0 || cases == 0 {
            for s in &states {
                if let Some(f) = cw.flows.flow_for(s.type_code.as_deref()) {
                    rows += std::hint::black_box(tianping_domain::nodes::times(f, s, &cw.calendar))
                        .len();
                }
                cases += 1;
            }
        }
        (cases, rows, started.elapsed().as_secs_f64())
    };
    let nodes_cases_per_s = node_cases as f64 / t_nodes;
    let calculus_per_s = n_lean as f64 / t_lean;
    let clone_per_s = n_clone as f64 / t_clone;
    println!("(a) calculus, one core, {} case states", states.len());
    println!(
        "    clocks without explanation  {:>12.0} clocks/s",
        calculus_per_s
    );
    println!(
        "    clocks with explanation     {:>12.0} clocks/s",
        n_full as f64 / t_full
    );
    println!(
        "    anchor: clone the state     {:>12.0} states/s  (calculus costs {:.2}× a clone per clock)",
        clone_per_s,
        clone_per_s / calculus_per_s
    );
    let clocks_per_case = states
        .iter()
        .map(|s| lean.clocks(s, now).len())
        .sum::<usize>() as f64
        / states.len().max(1) as f64;
    let clock_cases_per_s = calculus_per_s / clocks_per_case.max(1e-9);
    println!(
        "    process nodes               {:>12.0} cases/s  ({:.1} nodes per case; the clocks of a case: {:.0} cases/s)",
        nodes_cases_per_s,
        node_rows as f64 / node_cases.max(1) as f64,
        clock_cases_per_s
    );
    println!(
        "    → the nodes of {n} cases: {:.2} s of one core",
        n as f64 / nodes_cases_per_s
    );

    // (b) Full re-computation from the store beside a plain scan of the same events.
    let dir = scratch_dir()?;
    let db = dir.join("clocks.db");
    let store = fresh(&format!("sqlite://{}", db.display()), &province).await?;
    let numbered: Vec<Numbered> = records
        .into_iter()
        .enumerate()
        .map(|(i, record)| Numbered {
            line: i as u64 + 1,
            record,
        })
        .collect();
    let started = Instant::now();
    let mut accepted = 0;
    let (mut t_clock_rows, mut t_node_rows) = (0.0, 0.0);
    for chunk in numbered.chunks(50_000) {
        let r = store.ingest(chunk, &Actor::system("bench"), now).await?;
        if let Some(x) = r.rejected.first() {
            bail!(
                "generated event refused: {} {} {}",
                x.case_number,
                x.code,
                x.reason
            );
        }
        accepted += r.accepted;
        (t_clock_rows, t_node_rows) = (
            t_clock_rows + r.timings.clocks.as_secs_f64(),
            t_node_rows + r.timings.nodes.as_secs_f64(),
        );
    }
    let t_ingest = started.elapsed().as_secs_f64();
    println!(
        "(b) loaded {accepted} events into SQLite with their clocks in {t_ingest:.1} s ({:.0} events/s)",
        accepted as f64 / t_ingest
    );
    println!(
        "    of which the clock rows {t_clock_rows:.1} s, the process-node and risk-hit rows {t_node_rows:.1} s"
    );
    drop(numbered);
    let pool = store.pool();
    let scan = |sql: &'static str| async move {
        use futures_util::TryStreamExt;
        let started = Instant::now();
        let mut rows = sqlx::query(sql).fetch(pool);
        let (mut n, mut bytes) = (0u64, 0usize);
        while let Some(r) = rows.try_next().await? {
            let b: String = r.try_get(1)?;
            bytes += b.len();
            n += 1;
        }
        Ok::<_, anyhow::Error>((n, bytes, started.elapsed().as_secs_f64()))
    };
    let (ev_rows, ev_bytes, t_scan) =
        scan("SELECT case_id, body FROM events ORDER BY case_id").await?;
    let (st_rows, _, t_state_scan) =
        scan("SELECT id, state FROM cases WHERE status <> 'closed' ORDER BY id").await?;
    // Three re-computations: nothing changed since ingest (compute and compare); a rule change
    // (civil first instance 6 → 7 months: every 民初 ordinary clock moves and is written, with its
    // moved-date record); a forced rewrite of every row.
    let started = Instant::now();
    let same = store.recompute_open(now, None, false).await?;
    let t_same = started.elapsed().as_secs_f64();
    let mut changed = Clockwork::shipped();
    changed.rules = tianping_domain::rules::RuleSet::parse(&tianping_domain::rules::LIMITS_TOML.replacen(
        "base = { amount = 6, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
        "version = 2\nbase = { amount = 7, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
        1,
    ))?;
    store.set_clockwork(changed);
    let started = Instant::now();
    let rep = store
        .recompute_open(now, Some("bench: 民初 6 → 7 个月"), false)
        .await?;
    let t_recompute = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let forced = store.recompute_open(now, None, true).await?;
    let t_forced = started.elapsed().as_secs_f64();
    let recompute_vs_scan = t_recompute / t_scan;
    println!(
        "    anchor: plain scan of their {ev_rows} events ({:.0} MB): {t_scan:.2} s",
        ev_bytes as f64 / 1e6
    );
    println!(
        "    recompute, nothing changed: {} clocks of {} cases, {} rows written: {t_same:.2} s → {:.2}× the scan",
        same.clocks,
        same.cases,
        same.written,
        t_same / t_scan
    );
    println!(
        "    recompute after a rule change: {} clocks, {} rows written, {} due dates moved: {t_recompute:.2} s → {recompute_vs_scan:.2}× the scan",
        rep.clocks, rep.written, rep.moved
    );
    println!(
        "    recompute forcing every row to be rewritten ({} rows): {t_forced:.2} s → {:.2}× the scan",
        forced.written,
        t_forced / t_scan
    );
    println!(
        "    (scan of the {st_rows} case states the re-computation reads: {t_state_scan:.2} s)"
    );
    for (what, r) in [
        ("nothing changed", &same),
        ("rule change", &rep),
        ("forced", &forced),
    ] {
        let t = r.timings;
        println!(
            "    {what:<15} read cases {:.2} + clocks {:.2}, parse {:.2}, compute {:.2}, write clocks {:.2}, nodes and hits {:.2}, moves {:.2}, prune {:.2}, commit {:.2} s",
            t.read_cases.as_secs_f64(),
            t.read_clocks.as_secs_f64(),
            t.parse.as_secs_f64(),
            t.compute.as_secs_f64(),
            t.clocks.as_secs_f64(),
            t.nodes.as_secs_f64(),
            t.moves.as_secs_f64(),
            t.prune.as_secs_f64(),
            t.commit.as_secs_f64()
        );
    }

    // (c) Incremental update: one event per ingest call on 2,000 open cases.
    let ids: Vec<(String,)> =
        sqlx::query_as("SELECT case_number FROM cases WHERE status <> 'closed' ORDER BY id")
            .fetch_all(pool)
            .await?;
    let mut rng = Mix(seed ^ 0xC10C);
    let mut clock_us = vec![];
    let mut total_us = vec![];
    for i in 0..2_000.min(ids.len()) {
        let number = &ids[rng.below(ids.len() as u64) as usize].0;
        let rec = tianping_domain::EventRecord {
            source: "bench-inc".into(),
            source_event_id: i.to_string(),
            case_number: number.clone(),
            occurred_at: now.with_timezone(&tianping_server::view::beijing()),
            corrects: None,
            body: tianping_domain::EventBody::Adjourned {
                reason: "当事人申请".into(),
            },
        };
        let started = Instant::now();
        let r = store
            .ingest(
                &[Numbered {
                    line: 1,
                    record: rec,
                }],
                &Actor::system("bench"),
                now,
            )
            .await?;
        total_us.push(started.elapsed().as_secs_f64() * 1e6);
        if r.accepted == 1 {
            clock_us.push(r.timings.clocks.as_secs_f64() * 1e6);
        }
    }
    let inc_p50 = percentile(&mut clock_us.clone(), 0.5);
    let inc_p99 = percentile(&mut clock_us, 0.99);
    let tot_p99 = percentile(&mut total_us, 0.99);
    println!(
        "(c) incremental: clock update per event p50 {inc_p50:.0} µs, p99 {inc_p99:.0} µs; anchor: the whole single-event ingest p99 {tot_p99:.0} µs (clocks {:.0} % of it)",
        100.0 * inc_p99 / tot_p99
    );

    // (d) The poller: a pass with nothing due, then 0.1 % and 1 % of the clocks due.
    let n_clocks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clocks")
        .fetch_one(pool)
        .await?;
    sqlx::query("UPDATE clocks SET next_fire_at = NULL")
        .execute(pool)
        .await?;
    let started = Instant::now();
    let idle = store.poll(now, 500).await?;
    let t_idle = started.elapsed().as_secs_f64() * 1e3;
    let mut due_ms = vec![];
    for (label, modulo) in [("0.1 %", 1000i64), ("1 %", 100)] {
        let due = sqlx::query("UPDATE clocks SET next_fire_at = $1 WHERE case_id % $2 = 0")
            .bind(tianping_store::ts(now))
            .bind(modulo)
            .execute(pool)
            .await?
            .rows_affected();
        let started = Instant::now();
        let mut fired = 0;
        loop {
            let p = store.poll(now, 500).await?;
            fired += p.fired;
            if p.fired == 0 {
                break;
            }
        }
        let ms = started.elapsed().as_secs_f64() * 1e3;
        println!(
            "(d) poller, {label} of {n_clocks} clocks due ({due} rows): {fired} handled in {ms:.0} ms ({:.1} µs per due clock)",
            ms * 1e3 / fired.max(1) as f64
        );
        due_ms.push((due, ms));
        sqlx::query("UPDATE clocks SET next_fire_at = NULL")
            .execute(pool)
            .await?;
    }
    println!(
        "    anchor: a pass with none due {t_idle:.1} ms ({} fired); 10× the due rows cost {:.1}× the time",
        idle.fired,
        due_ms[1].1 / due_ms[0].1.max(0.001)
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    let (police_p99, police_anchor_p99) = police_events(&cw, now)?;
    println!(
        "RESULT clocks calculus_per_s={calculus_per_s:.0} node_cases_per_s={nodes_cases_per_s:.0} node_rows_vs_clock_rows={:.2} recompute_vs_scan={recompute_vs_scan:.2} incremental_p99_us={inc_p99:.0} poller_due_ms={:.0} police_event_p99_us={police_p99:.1} police_fold_p99_us={police_anchor_p99:.1}",
        t_node_rows / t_clock_rows.max(1e-9),
        due_ms[1].1
    );
    Ok(())
}

/// (e) The 执法办案管理中心: each event of a police file — 传唤, 进入办案区, 讯问 start and end,
/// 拘留, 送看守所, 通知家属 — folded, its clocks computed and its warnings assessed, timed per
/// event; the anchor is the fold alone.
fn police_events(
    cw: &tianping_store::clocks::Clockwork,
    now: chrono::DateTime<Utc>,
) -> Result<(f64, f64)> {
    use tianping_domain::EventBody as E;
    use tianping_domain::clock::{Engine, WarnPolicy, assess};
    use tianping_domain::event::Questioning;
    let engine = Engine {
        rules: &cw.rules,
        calendar: &cw.calendar,
        explain: false,
    };
    let policy = WarnPolicy::default();
    let mut with_clocks = vec![];
    let mut fold_only = vec![];
    for file in 0..2_000i64 {
        let start = now - chrono::Duration::days(30) + chrono::Duration::minutes(file);
        let filing = tianping_domain::event::Filing {
            case_kind: Some(tianping_domain::CaseKind::Police),
            cause: "盗窃罪".into(),
            ..Default::default()
        };
        let mut s = tianping_domain::CaseState::open(
            &filing,
            tianping_domain::CaseKind::Police,
            tianping_domain::Procedure::Investigation,
            None,
            start,
            now,
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let h = |m: i64| start + chrono::Duration::minutes(m);
        let events = [
            (
                h(0),
                E::Summoned {
                    extended_to_24h: false,
                },
            ),
            (h(5), E::EnteredCaseArea),
            (
                h(30),
                E::InterrogationStarted {
                    questioning: Questioning::Interrogation,
                    recorded: true,
                },
            ),
            (h(150), E::InterrogationEnded),
            (
                h(240),
                E::InterrogationStarted {
                    questioning: Questioning::Interrogation,
                    recorded: file % 7 != 0,
                },
            ),
            (h(330), E::InterrogationEnded),
            (h(600), E::Detained),
            (h(640), E::LeftCaseArea),
            (h(700), E::DeliveredToDetentionCenter),
            (h(900), E::FamilyNotified { delay_reason: None }),
        ];
        for (at, e) in events {
            let mut anchor = s.clone();
            let t = Instant::now();
            anchor
                .apply(&e, at, now)
                .map_err(|x| anyhow::anyhow!("{x}"))?;
            fold_only.push(t.elapsed().as_secs_f64() * 1e6);
            let t = Instant::now();
            s.apply(&e, at, now).map_err(|x| anyhow::anyhow!("{x}"))?;
            let clocks = engine.clocks(&s, at);
            let alerts: usize = clocks.iter().map(|c| assess(c, at, &policy).len()).sum();
            std::hint::black_box(alerts);
            with_clocks.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    let p99 = percentile(&mut with_clocks, 0.99);
    let anchor = percentile(&mut fold_only, 0.99);
    println!(
        "(e) 执法办案管理中心: {} police events, fold + clocks + warnings p99 {p99:.1} µs per event (target < 1,000 µs); anchor: the fold alone p99 {anchor:.1} µs",
        with_clocks.len()
    );
    Ok((p99, anchor))
}
