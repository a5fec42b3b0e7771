//! `tianping bench …`: each benchmark prints a table for people and ends with one line for
//! machines, `RESULT name key=value …`, with its figure beside an anchor measured in the same run.

use crate::demo;
use anyhow::{Context, Result, bail};
use chrono::Utc;
use clap::Subcommand;
use sqlx::{Executor, Row};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use tianping_store::{Actor, Numbered, Store};

mod clocks;
mod cluster;
mod draw;
mod ecspell;
mod evaluation;
mod failover;
mod feedback;
mod flags;
mod http;
mod ledger;
mod memory;
mod metrics;
mod pages;
mod proofread;
mod similar;

#[derive(Subcommand)]
pub enum BenchCmd {
    /// Ingest throughput of generated events into SQLite and PostgreSQL, each beside the raw load of
    /// the same rows into the same tables (`sqlite3 .import` in one transaction; PostgreSQL `COPY`).
    Import {
        /// A small size that runs in seconds.
        #[arg(long)]
        quick: bool,
        /// Number of events (default 1,000,000; 50,000 with --quick).
        #[arg(long)]
        events: Option<usize>,
        /// PostgreSQL server for the second half (a database is created and dropped).
        #[arg(long, env = "TIANPING_TEST_POSTGRES_URL")]
        postgres_url: Option<String>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Statutory clocks: (a) the pure calculus on one core beside cloning the same states; (b) a
    /// full re-computation of every open case's clocks from the store beside a plain scan of the
    /// same cases' events; (c) incremental update per event, p99; (d) the poller when 1 % (and
    /// 0.1 %) of the clocks are due, beside a pass with none due.
    Clocks {
        /// 50,000 cases instead of 1,000,000.
        #[arg(long)]
        quick: bool,
        /// Number of open cases.
        #[arg(long)]
        cases: Option<usize>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// The ledger: (a) ingest events/s with and without the ledger (same generated events, fresh
    /// SQLite databases, best of two runs each; PostgreSQL too when a server is given);
    /// (b) inclusion-proof latency at 10M leaves beside a primary-key lookup of one leaf's tile;
    /// (c) full log verification (leaves → tree → every stored subtree, head, checkpoint)
    /// beside a plain scan of the same leaves.
    Ledger {
        /// 20,000 events and 200,000 leaves instead of 200,000 and 10,000,000.
        #[arg(long)]
        quick: bool,
        /// Number of leaves for (b) and (c).
        #[arg(long)]
        leaves: Option<u64>,
        /// Number of events for (a).
        #[arg(long)]
        events: Option<usize>,
        /// PostgreSQL server for (a) on PostgreSQL too (a database is created and dropped).
        #[arg(long, env = "TIANPING_TEST_POSTGRES_URL")]
        postgres_url: Option<String>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Quality metrics: the dashboard (a period and the year before, every metric) for the
    /// province and for one basic court over generated cases on PostgreSQL, from the
    /// pre-aggregated totals, beside the same numbers by plain `GROUP BY` SQL over a table of the
    /// same cases' facts (equal numbers asserted); and the metrics stage's share of ingest time.
    Metrics {
        /// 200,000 cases and 20,000 ingested events instead of 10,000,000 and 200,000.
        #[arg(long)]
        quick: bool,
        #[arg(long)]
        cases: Option<usize>,
        /// Dashboard computations timed per scope.
        #[arg(long, default_value_t = 200)]
        runs: usize,
        /// PostgreSQL server (a database is created and dropped).
        #[arg(long, env = "TIANPING_TEST_POSTGRES_URL")]
        postgres_url: Option<String>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Similar-case retrieval on a folder in the schema of LeCaRD (`queries.jsonl`,
    /// `candidates.jsonl[.gz]`, `qrels.tsv`): ranks every query's own pool, prints every metric of
    /// its `eval.py` beside the random floor and the BM25 reference run, and the ranking latency.
    Similar {
        #[arg(long)]
        lecard: PathBuf,
        /// Write the run in TREC format (for `eval.py`).
        #[arg(long)]
        run_out: Option<PathBuf>,
        /// Judgments in the synthesized library the search latency is measured on (0: none).
        #[arg(long, default_value_t = 1_000_000)]
        scale: usize,
        /// Where to build that library's index (default: a new folder in the temp dir; removed after).
        #[arg(long)]
        index_dir: Option<PathBuf>,
    },
    /// Proofreading (issue 27) on judgments in LeCaRD's schema (`text` per line of a
    /// `.jsonl[.gz]`): judgments per second on one core beside one read of each text, and the
    /// findings per judgment by kind (`--show` lists them, to confirm by hand).
    ///
    /// `--ecspell FILE` scores the typo corrector on ECSpell's legal sentences as its eval.py
    /// does (five folds: no sentence is in the model that corrects it); `--run-out RUN` writes the
    /// run for eval.py. At least one of --judgments and --ecspell.
    Proofread {
        #[arg(long)]
        judgments: Option<PathBuf>,
        #[arg(long)]
        show: bool,
        #[arg(long)]
        ecspell: Option<PathBuf>,
        #[arg(long)]
        run_out: Option<PathBuf>,
        /// Margins to try instead of the shipped ones: sound,shape,learned,rare-pair (tuning).
        #[arg(long)]
        margins: Option<String>,
    },
    /// People's supervisors' draws (RFC 3797): many draws from one pool with exclusions; the
    /// chi-square test of how often each member was picked against its expected share, and draws
    /// per second beside the bare MD5 hashing the method needs.
    Draw {
        /// Draws (default 100,000; 10,000 with --quick).
        #[arg(long)]
        quick: bool,
        #[arg(long)]
        draws: Option<usize>,
        #[arg(long, default_value_t = 200)]
        pool: usize,
    },
    /// A routine quality evaluation (评查) at a plan's largest pool: the draw of each judge's
    /// share and the conflict-free assignment of the drawn cases over the experts, each beside
    /// the bare SHA-256 hashing it needs.
    Evaluation {
        /// Closed cases in the pool (default: the largest a plan takes).
        #[arg(long, default_value_t = 200_000)]
        pool: usize,
        #[arg(long, default_value_t = 60)]
        experts: usize,
    },
    /// Page server time: every list page the demo's logins work in (待办, cases, 四类案件, the
    /// warnings board, supervision, quality, …) at their own scope, p50 and p95, over the demo
    /// province loaded into PostgreSQL (a database created and dropped; SQLite without a server),
    /// beside `GET /api/v1/me` measured the same way.
    Pages {
        /// 2,000 primary cases instead of 20,000.
        #[arg(long)]
        quick: bool,
        /// Primary cases of the demo province (appeals, remands and files of the other agencies
        /// add more).
        #[arg(long)]
        cases: Option<usize>,
        /// Timed requests per page.
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// PostgreSQL server (a database is created and dropped); empty: SQLite.
        #[arg(long, env = "TIANPING_TEST_POSTGRES_URL")]
        postgres_url: Option<String>,
        /// PostgreSQL only: load into this database and keep it; when it already holds a
        /// demo from an earlier run, time its pages again without loading (a 1M-case load
        /// takes half an hour). Pending migrations are applied either way.
        #[arg(long)]
        keep_database: Option<String>,
        #[arg(long, default_value_t = 20_261_122)]
        seed: u64,
    },
    /// The public's ratings (司法公正码): ratings accepted per second through `POST /r/{token}`
    /// beside the plain insert of the same rows, and the 司法公正感受度 index's p95 over many
    /// ratings beside a plain count; SQLite, and PostgreSQL when a server is given.
    Feedback {
        /// 1,000 ratings through the endpoint and 100,000 in the index instead of 5,000 and
        /// 1,000,000.
        #[arg(long)]
        quick: bool,
        /// Ratings posted through the endpoint.
        #[arg(long)]
        ratings: Option<usize>,
        /// Ratings the index is queried over.
        #[arg(long)]
        fill: Option<usize>,
        /// PostgreSQL server (a database is created and dropped).
        #[arg(long, env = "TIANPING_TEST_POSTGRES_URL")]
        postgres_url: Option<String>,
    },
    /// Several servers under load: the demo province in PostgreSQL (a database created and
    /// dropped, or kept), `tianping serve` nodes behind HAProxy, simulated people logging in and
    /// opening lists, case pages, the board, the dashboard and their 待办 while a court system posts
    /// events — through one node, then through all, the same time each. Throughput, p50/p95/p99 per
    /// kind, errors, and CPU per request (servers; servers and PostgreSQL) in each phase.
    Http {
        /// 50,000 cases for 30 s instead of 1,000,000 for 60 s.
        #[arg(long)]
        quick: bool,
        #[arg(long)]
        cases: Option<usize>,
        /// Server nodes in the second phase (the first has one).
        #[arg(long, default_value_t = 2)]
        servers: usize,
        /// Simulated people working at once.
        #[arg(long, default_value_t = 200)]
        users: usize,
        /// Seconds per phase.
        #[arg(long)]
        seconds: Option<u64>,
        /// A soak: one phase only, through every node at once, for `--seconds` (memory is
        /// sampled throughout at a constant load; no one-server phase to compare CPU with).
        #[arg(long)]
        soak: bool,
        /// A person's pause between two requests, on average (uniform from half to one and a half).
        #[arg(long, default_value_t = 1000)]
        think_ms: u64,
        #[arg(long, env = "TIANPING_TEST_POSTGRES_URL")]
        postgres_url: Option<String>,
        /// Load into this database and keep it; when it already holds a demo, use it as it is.
        #[arg(long)]
        keep_database: Option<String>,
        #[arg(long, default_value_t = 20_261_206)]
        seed: u64,
    },
    /// Failover: a primary PostgreSQL cluster and a synchronous streaming standby made here
    /// (`pg_createcluster`, `pg_basebackup`; dropped afterwards; run as root), HAProxy in front,
    /// `tianping serve` nodes taking events through it; `kill -9` of the primary, promotion of the
    /// standby, writing on. Every acknowledged event must be on the promoted standby and its
    /// ledger must verify.
    Failover {
        /// Server nodes behind the balancer.
        #[arg(long, default_value_t = 2)]
        servers: usize,
        /// Concurrent writers.
        #[arg(long, default_value_t = 8)]
        writers: usize,
        /// Seconds of writing before the kill.
        #[arg(long, default_value_t = 5)]
        before: u64,
        /// Seconds of writing after the promotion.
        #[arg(long, default_value_t = 10)]
        after: u64,
    },
    /// 四类案件 flags: ingest of generated events with the flag rules on, beside the same ingest
    /// with them off (fresh SQLite databases, three pairs in alternating order, the median pair
    /// ratio), and the share of the flag stage measured inside the ingest.
    Flags {
        /// 50,000 events instead of 1,000,000.
        #[arg(long)]
        quick: bool,
        #[arg(long)]
        events: Option<usize>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

pub async fn run(cmd: BenchCmd) -> Result<()> {
    match cmd {
        BenchCmd::Import {
            quick,
            events,
            postgres_url,
            seed,
        } => {
            import(
                events.unwrap_or(if quick { 50_000 } else { 1_000_000 }),
                postgres_url,
                seed,
            )
            .await
        }
        BenchCmd::Ledger {
            quick,
            leaves,
            events,
            postgres_url,
            seed,
        } => {
            ledger::ledger(
                events.unwrap_or(if quick { 20_000 } else { 200_000 }),
                leaves.unwrap_or(if quick { 200_000 } else { 10_000_000 }),
                postgres_url.filter(|u| !u.is_empty()),
                seed,
            )
            .await
        }
        BenchCmd::Flags {
            quick,
            events,
            seed,
        } => {
            flags::flags(
                events.unwrap_or(if quick { 50_000 } else { 1_000_000 }),
                seed,
            )
            .await
        }
        BenchCmd::Metrics {
            quick,
            cases,
            runs,
            postgres_url,
            seed,
        } => {
            metrics::run(
                cases.unwrap_or(if quick { 200_000 } else { 10_000_000 }),
                runs,
                if quick { 20_000 } else { 200_000 },
                postgres_url,
                seed,
            )
            .await
        }
        BenchCmd::Similar {
            lecard,
            run_out,
            scale,
            index_dir,
        } => similar::run(&lecard, run_out.as_deref(), scale, index_dir.as_deref()),
        BenchCmd::Proofread {
            judgments,
            show,
            ecspell,
            run_out,
            margins,
        } => proofread::run_all(
            judgments.as_deref(),
            show,
            ecspell.as_deref(),
            run_out.as_deref(),
            margins.as_deref(),
        ),
        BenchCmd::Draw { quick, draws, pool } => {
            draw::run(draws.unwrap_or(if quick { 10_000 } else { 100_000 }), pool)
        }
        BenchCmd::Evaluation { pool, experts } => evaluation::run(pool, experts),
        BenchCmd::Http {
            quick,
            cases,
            servers,
            users,
            seconds,
            soak,
            think_ms,
            postgres_url,
            keep_database,
            seed,
        } => {
            let Some(postgres_url) = postgres_url else {
                bail!(
                    "bench http needs a PostgreSQL server: --postgres-url or TIANPING_TEST_POSTGRES_URL"
                );
            };
            http::run(&http::Options {
                cases: cases.unwrap_or(if quick { 50_000 } else { 1_000_000 }),
                servers,
                users,
                seconds: seconds.unwrap_or(if quick { 30 } else { 60 }),
                soak,
                think_ms,
                postgres_url,
                keep_database,
                seed,
            })
            .await
        }
        BenchCmd::Failover {
            servers,
            writers,
            before,
            after,
        } => {
            failover::run(&failover::Options {
                servers,
                writers,
                before_secs: before,
                after_secs: after,
            })
            .await
        }
        BenchCmd::Pages {
            quick,
            cases,
            runs,
            postgres_url,
            keep_database,
            seed,
        } => {
            pages::run(
                cases.unwrap_or(if quick { 2_000 } else { 20_000 }),
                runs,
                postgres_url.filter(|u| !u.is_empty()),
                keep_database,
                seed,
            )
            .await
        }
        BenchCmd::Feedback {
            quick,
            ratings,
            fill,
            postgres_url,
        } => {
            feedback::run(
                ratings.unwrap_or(if quick { 1_000 } else { 5_000 }),
                fill.unwrap_or(if quick { 100_000 } else { 1_000_000 }),
                postgres_url.filter(|u| !u.is_empty()),
            )
            .await
        }
        BenchCmd::Clocks { quick, cases, seed } => {
            clocks::clocks(
                cases.unwrap_or(if quick { 50_000 } else { 1_000_000 }),
                seed,
            )
            .await
        }
    }
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn scratch_dir() -> Result<PathBuf> {
    let d = std::env::temp_dir().join(format!(
        "tianping_bench_{}_{}",
        std::process::id(),
        Utc::now().timestamp_millis()
    ));
    std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
    Ok(d)
}

async fn fresh(url: &str, province: &demo::Province) -> Result<Store> {
    let s = Store::connect(url).await?;
    s.migrate().await?;
    for o in &province.orgs {
        s.insert_org(o, chrono::Utc::now()).await?;
    }
    Ok(s)
}

/// Ingest's seconds, the fold's seconds after it, and the events accepted.
async fn timed_ingest(store: &Store, records: &[Numbered]) -> Result<(f64, f64, u64)> {
    let (secs, report, fold) = timed_ingest_report(store, records, true).await?;
    Ok((secs, fold, report.accepted))
}

/// The same, returning the merged report (with the timings of each stage). The metric totals'
/// pending changes are folded after the last chunk, as the worker would, and timed apart (the
/// third value): the fold runs outside ingest's transactions.
async fn timed_ingest_report(
    store: &Store,
    records: &[Numbered],
    ledgered: bool,
) -> Result<(f64, tianping_store::IngestReport, f64)> {
    let now = Utc::now();
    let actor = Actor::system("bench");
    let started = Instant::now();
    let mut total = tianping_store::IngestReport::default();
    for chunk in records.chunks(20_000) {
        let r = if ledgered {
            store.ingest(chunk, &actor, now).await?
        } else {
            store
                .ingest_without_ledger_for_benchmark(chunk, &actor, now)
                .await?
        };
        if let Some(x) = r.rejected.first() {
            bail!(
                "generated event refused at {}: {} {}",
                x.line,
                x.code,
                x.reason
            );
        }
        total.merge(r);
    }
    let secs = started.elapsed().as_secs_f64();
    let fold_started = Instant::now();
    let folded = store.fold_metrics(now).await?;
    let fold = fold_started.elapsed().as_secs_f64();
    let t = total.timings;
    println!(
        "  {:<9} {:.2} s = lookup {:.2} + validate {:.2} + write {:.2} (cases {:.2}, clocks {:.2}, nodes {:.2}, persons {:.2}, events {:.2}, ledger {:.2}, flags {:.2}, metrics {:.2}) + commit {:.2}",
        store.backend().as_str(),
        secs,
        t.lookup.as_secs_f64(),
        t.apply.as_secs_f64(),
        t.write.as_secs_f64(),
        t.cases.as_secs_f64(),
        t.clocks.as_secs_f64(),
        t.nodes.as_secs_f64(),
        t.persons.as_secs_f64(),
        t.events.as_secs_f64(),
        t.ledger.as_secs_f64(),
        t.flags.as_secs_f64(),
        t.metrics.as_secs_f64(),
        t.commit.as_secs_f64()
    );
    println!(
        "  {:<9} then the fold of the metric totals: {fold:.2} s ({folded} pending rows)",
        ""
    );
    Ok((secs, total, fold))
}

const CASE_COLS: &str = "id, case_number, org_id, agency_kind, region_path, kind, procedure, stage, type_code, year, title, \
    title_masked, cause, confidentiality, status, judge, filed_at, closed_at, disposition, last_event_at, event_count, state";
const EVENT_COLS: &str = "id, case_id, source, source_event_id, kind, occurred_at, recorded_at, recorded_by, corrects, body";

/// Dumps the ingested rows as CSV (the raw anchor loads exactly these rows).
async fn export_csv(
    store: &Store,
    table: &str,
    cols: &str,
    ints: &[&str],
    path: &Path,
) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    let names: Vec<&str> = cols.split(',').map(str::trim).collect();
    w.write_record(&names)?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {cols} FROM {table} ORDER BY id"
    )))
    .fetch_all(store.pool())
    .await?;
    for r in rows {
        let mut rec: Vec<String> = Vec::with_capacity(names.len());
        for n in &names {
            let v = if ints.contains(n) {
                r.try_get::<Option<i64>, _>(*n)?
                    .map(|i| i.to_string())
                    .unwrap_or_default()
            } else {
                r.try_get::<Option<String>, _>(*n)?.unwrap_or_default()
            };
            rec.push(v);
        }
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}

fn run_timed(mut cmd: Command, stdin: &str) -> Result<f64> {
    use std::io::Write;
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting the anchor")?;
    if let Some(mut i) = child.stdin.take() {
        i.write_all(stdin.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let secs = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("anchor failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(secs)
}

async fn import(n_events: usize, postgres_url: Option<String>, seed: u64) -> Result<()> {
    let (province, records) = generated(n_events, seed);
    let dir = scratch_dir()?;
    println!(
        "bench import: {} generated events (seed {seed}), scratch {}",
        records.len(),
        dir.display()
    );

    // SQLite: ours, then the raw load of the same rows.
    let ours_db = dir.join("ours.db");
    let store = fresh(&format!("sqlite://{}", ours_db.display()), &province).await?;
    let (t_sqlite, fold_sqlite, accepted) = timed_ingest(&store, &records).await?;
    let (n_cases, n_events_stored) = store.counts().await?;
    export_csv(
        &store,
        "cases",
        CASE_COLS,
        &["id", "year", "event_count"],
        &dir.join("cases.csv"),
    )
    .await?;
    export_csv(
        &store,
        "events",
        EVENT_COLS,
        &["id", "case_id"],
        &dir.join("events.csv"),
    )
    .await?;
    store.close().await;
    let raw_db = dir.join("raw.db");
    fresh(&format!("sqlite://{}", raw_db.display()), &province)
        .await?
        .close()
        .await;
    let script = format!(
        "{}\nBEGIN;\n.import --csv --skip 1 {} cases\n.import --csv --skip 1 {} events\nCOMMIT;\n",
        tianping_store::SQLITE_PRAGMAS.replace("; ", ";\n"),
        dir.join("cases.csv").display(),
        dir.join("events.csv").display()
    );
    let mut sqlite3 = Command::new("sqlite3");
    sqlite3.arg(&raw_db);
    let t_sqlite_raw = run_timed(sqlite3, &script)
        .context("sqlite3 .import (install the sqlite3 command-line tool)")?;
    let sqlite_rate = accepted as f64 / t_sqlite;
    let sqlite_rate_folded = accepted as f64 / (t_sqlite + fold_sqlite);
    let sqlite_raw_rate = n_events_stored as f64 / t_sqlite_raw;

    // PostgreSQL: ours, then COPY of the same rows.
    let mut pg = None;
    match &postgres_url {
        None => println!(
            "!!!!! SKIPPED PostgreSQL half: pass --postgres-url or set TIANPING_TEST_POSTGRES_URL !!!!!"
        ),
        Some(admin_url) => {
            sqlx::any::install_default_drivers();
            let admin = sqlx::any::AnyPoolOptions::new()
                .max_connections(1)
                .connect(admin_url)
                .await?;
            let tag = format!("{}_{}", std::process::id(), Utc::now().timestamp());
            let (ours_name, raw_name) = (
                format!("tianping_bench_ours_{tag}"),
                format!("tianping_bench_raw_{tag}"),
            );
            for n in [&ours_name, &raw_name] {
                admin
                    .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {n}")))
                    .await?;
            }
            let ours_url = tianping_store::testing::replace_db(admin_url, &ours_name);
            let raw_url = tianping_store::testing::replace_db(admin_url, &raw_name);
            let result = async {
                let s = fresh(&ours_url, &province).await?;
                let (t, fold, acc) = timed_ingest(&s, &records).await?;
                s.close().await;
                fresh(&raw_url, &province).await?.close().await;
                let mut psql = Command::new("psql");
                psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", &raw_url]);
                let copy = format!(
                    "\\copy cases ({CASE_COLS}) FROM '{}' CSV HEADER\n\\copy events ({EVENT_COLS}) FROM '{}' CSV HEADER\n",
                    dir.join("cases.csv").display(),
                    dir.join("events.csv").display()
                );
                let t_raw = run_timed(psql, &copy).context("psql \\copy")?;
                anyhow::Ok((
                    acc as f64 / t,
                    n_events_stored as f64 / t_raw,
                    acc as f64 / (t + fold),
                ))
            }
            .await;
            for n in [&ours_name, &raw_name] {
                admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {n} WITH (FORCE)"
                    )))
                    .await?;
            }
            admin.close().await;
            pg = Some(result?);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let rss = peak_rss_mb();
    println!("\n{n_cases} cases, {n_events_stored} events per store\n");
    println!(
        "{:<10} {:>16} {:>22} {:>8} {:>18}",
        "store", "ingest events/s", "raw load events/s", "ratio", "ratio with fold"
    );
    println!(
        "{:<10} {:>16.0} {:>22.0} {:>8.3} {:>18.3}",
        "sqlite",
        sqlite_rate,
        sqlite_raw_rate,
        sqlite_rate / sqlite_raw_rate,
        sqlite_rate_folded / sqlite_raw_rate
    );
    match pg {
        Some((ours, raw, folded)) => println!(
            "{:<10} {:>16.0} {:>22.0} {:>8.3} {:>18.3}",
            "postgres",
            ours,
            raw,
            ours / raw,
            folded / raw
        ),
        None => println!(
            "{:<10} {:>16} {:>22} {:>8} {:>18}",
            "postgres", "skipped", "skipped", "-", "-"
        ),
    }
    println!("peak RSS {rss:.0} MB (includes the generated events held in memory)\n");
    let (pg_rate, pg_ratio, pg_folded) = pg.map_or(
        ("na".to_string(), "na".to_string(), "na".to_string()),
        |(o, r, f)| {
            (
                format!("{o:.0}"),
                format!("{:.3}", o / r),
                format!("{:.3}", f / r),
            )
        },
    );
    println!(
        "RESULT import sqlite_events_per_s={sqlite_rate:.0} sqlite_ratio={:.3} pg_events_per_s={pg_rate} pg_ratio={pg_ratio} sqlite_ratio_with_fold={:.3} pg_ratio_with_fold={pg_folded} peak_rss_mb={rss:.0}",
        sqlite_rate / sqlite_raw_rate,
        sqlite_rate_folded / sqlite_raw_rate
    );
    Ok(())
}

fn generated(n_events: usize, seed: u64) -> (demo::Province, Vec<Numbered>) {
    let now = Utc::now();
    let province = demo::province(seed);
    let mut events = demo::generate(&province, n_events / 5 + 10, seed, now);
    while events.len() < n_events {
        events = demo::generate(
            &province,
            events.len().max(1) * 2 / 5 + n_events / 5,
            seed,
            now,
        );
    }
    events.truncate(n_events);
    let records = events
        .into_iter()
        .enumerate()
        .map(|(i, record)| Numbered {
            line: i as u64 + 1,
            record,
        })
        .collect();
    (province, records)
}

/// Splitmix64: the bench's own deterministic generator.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// A PostgreSQL database a benchmark loads: a kept one (`--keep-database NAME`, created if
/// missing and left in place) or a new one named after the benchmark, dropped by
/// [`BenchDb::finish`].
struct BenchDb {
    admin: sqlx::AnyPool,
    name: String,
    url: String,
    kept: bool,
}

impl BenchDb {
    async fn open(admin_url: &str, bench: &str, keep: Option<&str>) -> Result<BenchDb> {
        if let Some(name) = keep
            && (name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        {
            bail!("--keep-database takes a name of lower-case letters, digits and '_': {name:?}");
        }
        sqlx::any::install_default_drivers();
        let admin = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(admin_url)
            .await?;
        let name = keep.map(str::to_string).unwrap_or_else(|| {
            format!(
                "tianping_bench_{bench}_{}_{}",
                std::process::id(),
                Utc::now().timestamp()
            )
        });
        let exists =
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_one(&admin)
                .await?
                > 0;
        if !exists {
            admin
                .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await?;
        }
        Ok(BenchDb {
            url: tianping_store::testing::replace_db(admin_url, &name),
            admin,
            name,
            kept: keep.is_some(),
        })
    }

    /// Drops the database unless it is kept.
    async fn finish(self) -> Result<()> {
        if !self.kept {
            self.admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                )))
                .await?;
        }
        self.admin.close().await;
        Ok(())
    }
}
