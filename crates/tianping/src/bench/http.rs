//! `tianping bench http`: the demo province loaded into PostgreSQL, `tianping serve` nodes as
//! child processes behind HAProxy, and simulated people working at once — logging in, opening
//! their lists, case pages, the warnings board, the quality dashboard and their 待办, and five
//! district courts' systems posting filings — first through one node, then through all of them, for the same time
//! each. Prints throughput, latency per kind of request and errors, and the CPU time the server
//! processes (all of them, serving or not) and PostgreSQL's spent per request in each phase: on
//! machines whose cores the
//! servers, the database and the load share, more nodes cannot add throughput, but a
//! coordination cost between them would show as CPU per request.

use super::cluster::{self, Proc};
use super::memory;
use super::percentile;
use crate::config::Config;
use crate::demo;
use anyhow::{Context, Result, bail};
use chrono::Utc;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tianping_domain::AgencyKind;
use tianping_store::Store;

const PASSWORD: &str = "bench-http-Tp1";

/// How often the stand-in for autovacuum looks at the tables (autovacuum's default naptime).
const STAND_IN_NAPTIME: Duration = Duration::from_secs(60);

/// The demo's logins the simulated people use, in turn.
const LOGINS: &[&str] = &[
    "judge",
    "judge",
    "judge_xh",
    "clerk",
    "chief",
    "caseoffice",
    "president",
    "president_city",
    "prosecutor",
    "prosecutor_city",
];

/// The district courts whose systems post the run's filings, in turn.
const FILING_COUNTIES: &[&str] = &["330102", "330105", "330106", "330108", "330109"];

/// A court system posting filings: its bearer token and its court's code (浙0102 …).
struct Filer {
    token: String,
    court_code: String,
}

/// What a simulated person does next, with its weight out of 100.
const MIX: &[(Kind, u32)] = &[
    (Kind::List, 24),
    (Kind::Case, 30),
    (Kind::Board, 14),
    (Kind::Dashboard, 8),
    (Kind::Todo, 14),
    (Kind::Event, 8),
    (Kind::Login, 2),
];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Login,
    List,
    Case,
    Board,
    Dashboard,
    Todo,
    Event,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Login => "login",
            Kind::List => "list",
            Kind::Case => "case",
            Kind::Board => "board",
            Kind::Dashboard => "dashboard",
            Kind::Todo => "todo",
            Kind::Event => "event",
        }
    }
}

pub struct Options {
    pub cases: usize,
    pub servers: usize,
    pub users: usize,
    pub seconds: u64,
    /// Only the phase through every node (a soak at constant load).
    pub soak: bool,
    pub think_ms: u64,
    pub postgres_url: String,
    pub keep_database: Option<String>,
    pub seed: u64,
}

/// One phase's figures.
struct Phase {
    servers: usize,
    requests: u64,
    errors: u64,
    /// The failed requests by kind and why (the status, or "timeout" / "io").
    failures: BTreeMap<(Kind, String), u64>,
    seconds: f64,
    latencies: BTreeMap<Kind, Vec<f64>>,
    /// Each answered request: seconds into the phase when it ended, its kind and milliseconds.
    timeline: Vec<(f64, Kind, f64)>,
    server_cpu: f64,
    db_cpu: f64,
}

impl Phase {
    fn all(&self) -> Vec<f64> {
        self.latencies.values().flatten().copied().collect()
    }
    fn cpu_per_req_ms(&self) -> f64 {
        1000.0 * self.server_cpu / self.requests.max(1) as f64
    }
    fn total_cpu_per_req_ms(&self) -> f64 {
        1000.0 * (self.server_cpu + self.db_cpu) / self.requests.max(1) as f64
    }
}

pub async fn run(o: &Options) -> Result<()> {
    if o.servers == 0 || o.users == 0 || o.seconds == 0 {
        bail!("--servers, --users and --seconds must be at least 1");
    }
    let dir = std::env::temp_dir().join(format!("tp_bench_http_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let db = super::BenchDb::open(&o.postgres_url, "http", o.keep_database.as_deref()).await?;
    let url = db.url.clone();
    let result = run_on(o, &url, &dir).await;
    db.finish().await?;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_on(o: &Options, url: &str, dir: &std::path::Path) -> Result<()> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let t = Instant::now();
    if store.counts().await?.0 > 0 {
        eprintln!("using the demo kept from an earlier run (not loaded again)");
        // An earlier run's writes leave dead rows; vacuum them now rather than have autovacuum
        // do it in the middle of a phase (a fresh load ends with the same).
        let t = Instant::now();
        store.analyze().await?;
        eprintln!(
            "vacuumed and analysed in {:.0} s",
            t.elapsed().as_secs_f64()
        );
    } else {
        let no_password = || -> Result<String> { Ok(PASSWORD.to_string()) };
        demo::load(
            &store,
            &demo::LoadOptions {
                seed: o.seed,
                cases: o.cases,
                password: Some(PASSWORD),
                new_password: &no_password,
                digest_hour: 7,
            },
            Utc::now(),
        )
        .await?;
    }
    let autovacuum = store.autovacuum().await?.unwrap_or(true);
    if !autovacuum {
        eprintln!(
            "note: autovacuum is off on this PostgreSQL server; the bench vacuums its database \
             every {} s with autovacuum's thresholds and throttle instead",
            STAND_IN_NAPTIME.as_secs()
        );
    }
    let (n_cases, _) = store.counts().await?;
    eprintln!(
        "demo in PostgreSQL: {n_cases} cases ({:.0} s)",
        t.elapsed().as_secs_f64()
    );
    // A kept database keeps its keys beside it (its checkpoints are signed with them).
    let keys = match &o.keep_database {
        Some(name) => std::env::temp_dir().join(format!("tianping-bench-http-keys-{name}")),
        None => dir.to_path_buf(),
    };
    std::fs::create_dir_all(&keys)?;
    let cfg = Config {
        database_url: url.to_string(),
        ledger_key: keys.join("ledger.key").display().to_string(),
        feedback_key: keys.join("feedback.key").display().to_string(),
        ..Config::default()
    };
    crate::ledger::load_or_create_key(&cfg)?;
    crate::ledger::load_or_create_feedback_key(&cfg)?;
    // The court systems that post events, one per district court of 杭州 (filings spread over
    // them, as a province's are: a soak then does not pile every new case into one court).
    let mut filers: Vec<Filer> = vec![];
    for county in FILING_COUNTIES {
        let token = tianping_server::auth::random_token()?;
        let client = format!("审判系统（压测 {} {county}）", std::process::id());
        store
            .add_system_client(
                &client,
                &demo::org_id(AgencyKind::Court, county),
                &tianping_server::auth::token_hash(&token),
                "bench",
                Utc::now(),
            )
            .await?;
        filers.push(Filer {
            token,
            court_code: format!("浙{}", &county[2..]),
        });
    }
    let filers = Arc::new(filers);
    // New case numbers after those an earlier run on a kept database filed.
    let earlier: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE source = 'bench-http'")
            .fetch_one(store.pool())
            .await?;
    store.close().await;

    let env = [
        ("TIANPING_LEDGER_KEY", cfg.ledger_key.clone()),
        ("TIANPING_FEEDBACK_KEY", cfg.feedback_key.clone()),
        ("TIANPING_WORKER", "true".to_string()),
        ("TIANPING_LOG", "warn".to_string()),
        ("TIANPING_RATE_LOGIN_PER_MINUTE", "0".to_string()),
        ("TIANPING_RATE_API_PER_MINUTE", "0".to_string()),
        ("TIANPING_RATE_USER_PER_MINUTE", "0".to_string()),
    ];
    let mut nodes: Vec<(Proc, u16)> = vec![];
    for i in 0..o.servers {
        let port = cluster::free_port()?;
        let p = cluster::serve_node(dir, url, &format!("node{i}"), port, &env)?;
        nodes.push((p, port));
    }
    // What autovacuum would do, on a server where it is off: without it, every table the load
    // writes bloats and a soak measures the server's configuration rather than the product.
    let stand_in = (!autovacuum).then(|| {
        let (url, running) = (url.to_string(), Arc::new(AtomicBool::new(true)));
        let flag = running.clone();
        let task = tokio::spawn(async move {
            let store = Store::connect(&url).await?;
            let (mut rounds, mut vacuumed, mut analysed) = (0usize, 0usize, 0usize);
            let mut next = Instant::now() + STAND_IN_NAPTIME;
            while flag.load(Ordering::Relaxed) {
                if Instant::now() >= next {
                    let (v, a) = store.vacuum_as_autovacuum_would().await?;
                    (rounds, vacuumed, analysed) = (rounds + 1, vacuumed + v, analysed + a);
                    next = Instant::now() + STAND_IN_NAPTIME;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            store.close().await;
            Ok::<_, anyhow::Error>((rounds, vacuumed, analysed))
        });
        (running, task)
    });
    let mut phases = vec![];
    let counts: Vec<usize> = if o.soak {
        vec![o.servers]
    } else if o.servers > 1 {
        vec![1, o.servers]
    } else {
        vec![1]
    };
    let next_event = Arc::new(AtomicU64::new(u64::try_from(earlier).unwrap_or(0)));
    // A warm-up through every node, not counted: each server's start-up work (the search
    // index, the proofreading model) and PostgreSQL's caches would otherwise fall on the first
    // phase only.
    {
        let ports: Vec<u16> = nodes.iter().map(|(_, p)| *p).collect();
        let lb_port = cluster::free_port()?;
        let lb = cluster::balancer(dir, lb_port, &ports, None)?;
        cluster::wait_healthy(lb_port, Duration::from_secs(20), "haproxy")?;
        let warm = Options {
            seconds: (o.seconds / 3).clamp(3, 20),
            postgres_url: String::new(),
            keep_database: None,
            ..*o
        };
        eprintln!("warming up for {} s", warm.seconds);
        phase(&warm, o.servers, lb_port, &[], &filers, &next_event).await?;
        drop(lb);
    }
    // Each node's memory after the warm-up and after the last phase (a soak: `--seconds 900`
    // serves node 0 for half an hour).
    let rss_before: Vec<f64> = nodes.iter().map(|(p, _)| rss_mb(p.child.id())).collect();
    let soak_started = Instant::now();
    // And every few seconds in between, with how many nodes serve (see `memory`).
    let sampling = Arc::new(AtomicBool::new(true));
    let serving = Arc::new(AtomicUsize::new(0));
    let sampler = {
        let pids: Vec<u32> = nodes.iter().map(|(p, _)| p.child.id()).collect();
        let (sampling, serving) = (sampling.clone(), serving.clone());
        tokio::spawn(async move {
            let mut samples: Vec<memory::Sample> = vec![];
            let started = Instant::now();
            let mut next = started;
            while sampling.load(Ordering::Relaxed) {
                if Instant::now() >= next {
                    samples.push(memory::Sample {
                        secs: started.elapsed().as_secs_f64(),
                        serving: serving.load(Ordering::Relaxed),
                        mb: pids.iter().map(|p| rss_mb(*p)).collect(),
                    });
                    next += memory::EVERY;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            samples
        })
    };
    for k in counts {
        let ports: Vec<u16> = nodes[..k].iter().map(|(_, p)| *p).collect();
        // Every node's CPU, in both phases: a node outside the balancer still leads the
        // singleton work (the worker, the sweeps) — part of the service's cost per request.
        let pids: Vec<u32> = nodes.iter().map(|(p, _)| p.child.id()).collect();
        let lb_port = cluster::free_port()?;
        let lb = cluster::balancer(dir, lb_port, &ports, None)?;
        cluster::wait_healthy(lb_port, Duration::from_secs(20), "haproxy")?;
        eprintln!(
            "{k} server(s): {} people for {} s (think time about {} ms)",
            o.users, o.seconds, o.think_ms
        );
        serving.store(k, Ordering::Relaxed);
        phases.push(phase(o, k, lb_port, &pids, &filers, &next_event).await?);
        drop(lb);
    }
    let rss_after: Vec<f64> = nodes.iter().map(|(p, _)| rss_mb(p.child.id())).collect();
    let soaked = soak_started.elapsed().as_secs_f64() / 60.0;
    sampling.store(false, Ordering::Relaxed);
    let samples = sampler.await.unwrap_or_default();
    let vacuums = match stand_in {
        Some((running, task)) => {
            running.store(false, Ordering::Relaxed);
            Some(task.await.context("the vacuum stand-in")??)
        }
        None => None,
    };
    drop(nodes);
    // The servers wrote at once (events, the worker's warnings): the log must still hold
    // every write once, in an order that verifies.
    let store = Store::connect(url).await?;
    crate::worker::configure(&store, &cfg).await?;
    let verify =
        crate::ledger::verify_store(&store, &cfg, None, &[], crate::ledger::VerifyHow::FULL)
            .await?;
    store.close().await;

    println!(
        "\nHTTP through HAProxy, PostgreSQL, {n_cases} cases, {} people, {} s a phase (ms)",
        o.users, o.seconds
    );
    println!(
        "{:<8} {:<10} {:>8} {:>8} {:>8} {:>8}",
        "servers", "kind", "count", "p50", "p95", "p99"
    );
    for p in &phases {
        for (kind, v) in &p.latencies {
            let mut v = v.clone();
            println!(
                "{:<8} {:<10} {:>8} {:>8.1} {:>8.1} {:>8.1}",
                p.servers,
                kind.name(),
                v.len(),
                percentile(&mut v, 0.5),
                percentile(&mut v, 0.95),
                percentile(&mut v, 0.99)
            );
        }
        let mut all = p.all();
        println!(
            "{:<8} {:<10} {:>8} {:>8.1} {:>8.1} {:>8.1}   {:.1} req/s, {} errors; CPU per request: servers {:.2} ms, servers + PostgreSQL {:.2} ms",
            p.servers,
            "all",
            all.len(),
            percentile(&mut all, 0.5),
            percentile(&mut all, 0.95),
            percentile(&mut all, 0.99),
            p.requests as f64 / p.seconds,
            p.errors,
            p.cpu_per_req_ms(),
            p.total_cpu_per_req_ms()
        );
        if !p.failures.is_empty() {
            let list: Vec<String> = p
                .failures
                .iter()
                .map(|((kind, why), n)| format!("{} {why} ×{n}", kind.name()))
                .collect();
            println!("{:<8} failed: {}", p.servers, list.join(", "));
        }
    }
    let (mut growth, mut endpoint): (f64, f64) = (0.0, 0.0);
    for (i, (b, a)) in rss_before.iter().zip(&rss_after).enumerate() {
        let g = 100.0 * (a - b) / b.max(1.0);
        endpoint = endpoint.max(g);
        println!(
            "node{i}: resident memory {b:.0} MB after the warm-up, {a:.0} MB after {soaked:.1} min ({g:+.1} %, two single readings)"
        );
        if let Some(t) = memory::trend(&samples, i) {
            growth = growth.max(t.growth_pct());
            println!(
                "node{i}: while serving ({} readings, every {} s): median {:.0} MB in the first third, {:.0} MB in the last ({:+.1} %); range {:.0}–{:.0} MB",
                t.samples,
                memory::EVERY.as_secs(),
                t.first_median,
                t.last_median,
                t.growth_pct(),
                t.min,
                t.max
            );
        }
        let series: Vec<String> = memory::per_minute(&samples, i)
            .iter()
            .map(|mb| format!("{mb:.0}"))
            .collect();
        if !series.is_empty() {
            println!(
                "node{i}: median MB in each minute it served: {}",
                series.join(" ")
            );
        }
    }
    if let Some((rounds, vacuumed, analysed)) = vacuums {
        println!(
            "autovacuum stand-in: {rounds} rounds, {vacuumed} table vacuums, {analysed} analyses only"
        );
    }
    let first = phases.first().context("no phase ran")?;
    let last = phases.last().context("no phase ran")?;
    let ratio = last.cpu_per_req_ms() / first.cpu_per_req_ms().max(f64::MIN_POSITIVE);
    let total_ratio =
        last.total_cpu_per_req_ms() / first.total_cpu_per_req_ms().max(f64::MIN_POSITIVE);
    let mut all = last.all();
    if o.soak {
        // One phase: no CPU ratio; p95 in the first and the last third of the phase too.
        println!("p95 in the first third → the last third of the soak (ms)");
        for kind in last.latencies.keys() {
            let (early, late) = thirds(last, Some(*kind));
            println!("{:<10} {early:>8.1} → {late:>8.1}", kind.name());
        }
        let (early, late) = thirds(last, None);
        println!(
            "RESULT http_soak servers={} users={} cases={n_cases} minutes={:.1} rps={:.1} p95_ms={:.1} p95_first_third_ms={early:.1} p95_last_third_ms={late:.1} errors={} rss_growth_pct={growth:.1} rss_endpoint_pct={endpoint:.1} autovacuum={} verify={}",
            last.servers,
            o.users,
            last.seconds / 60.0,
            last.requests as f64 / last.seconds,
            percentile(&mut all, 0.95),
            last.errors,
            if autovacuum { "on" } else { "stand-in" },
            if verify.ok() { "ok" } else { "failed" }
        );
        if !verify.ok() {
            bail!("the ledger does not verify after the run");
        }
        return Ok(());
    }
    println!(
        "RESULT http servers={} users={} cases={n_cases} rps={:.1} p95_ms={:.1} errors={} cpu_per_req_ratio={ratio:.3} cpu_with_db_per_req_ratio={total_ratio:.3} rss_growth_pct={growth:.1} rss_endpoint_pct={endpoint:.1} autovacuum={} verify={}",
        last.servers,
        o.users,
        last.requests as f64 / last.seconds,
        percentile(&mut all, 0.95),
        last.errors,
        if autovacuum { "on" } else { "stand-in" },
        if verify.ok() { "ok" } else { "failed" }
    );
    if !verify.ok() {
        bail!("the ledger does not verify after the run");
    }
    Ok(())
}

/// p95 of the requests (of one kind, or all) answered in the first third of a phase, and in
/// the last third.
fn thirds(p: &Phase, kind: Option<Kind>) -> (f64, f64) {
    let third = p.seconds / 3.0;
    let of = |keep: &dyn Fn(f64) -> bool| -> Vec<f64> {
        p.timeline
            .iter()
            .filter(|(t, k, _)| keep(*t) && kind.is_none_or(|want| *k == want))
            .map(|(_, _, ms)| *ms)
            .collect()
    };
    let (mut early, mut late) = (of(&|t| t < third), of(&|t| t >= 2.0 * third));
    (percentile(&mut early, 0.95), percentile(&mut late, 0.95))
}

/// CPU seconds (user + system) a process has used; 0 when it is gone.
fn cpu_seconds(pid: u32) -> f64 {
    proc_cpu(pid, false)
}

/// CPU seconds of a process, with `children` also those of its children that have ended and
/// been waited for (`cutime` + `cstime`); 0 when it is gone.
fn proc_cpu(pid: u32, children: bool) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The fields after the command name (which may hold spaces) in parentheses.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; cutime and
    // cstime the next two.
    let own = ticks(11) + ticks(12);
    let ended = if children { ticks(13) + ticks(14) } else { 0.0 };
    (own + ended) / 100.0
}

/// Resident memory of a process in MB (0 when it is gone).
fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU seconds of each PostgreSQL process on this machine, by process id, each with its ended
/// children's: the postmaster's holds every backend and worker that has ended.
fn postgres_cpu() -> std::collections::HashMap<u32, f64> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Default::default();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|pid| (pid, proc_cpu(pid, true)))
        .collect()
}

/// The CPU PostgreSQL's processes used between two readings.
fn postgres_cpu_since(before: &std::collections::HashMap<u32, f64>) -> f64 {
    cpu_growth(before, &postgres_cpu())
}

/// The CPU used between two readings of a process tree (CPU by process id, each with its ended
/// children's). A process started since counts from zero. One that ended meanwhile (a pooled
/// connection replaced, an autovacuum worker) has moved its whole CPU into its parent's count of
/// ended children, so its reading before is taken off: the sums' difference is exact.
fn cpu_growth(
    before: &std::collections::HashMap<u32, f64>,
    now: &std::collections::HashMap<u32, f64>,
) -> f64 {
    (now.values().sum::<f64>() - before.values().sum::<f64>()).max(0.0)
}

/// A small deterministic generator per simulated person (xorshift).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

async fn login(port: u16, user: &str) -> Result<String> {
    login_as(port, user, PASSWORD).await
}

/// Logs in through the API: the session cookie (`name=value`).
pub async fn login_as(port: u16, user: &str, password: &str) -> Result<String> {
    let body = serde_json::json!({ "username": user, "password": password }).to_string();
    let (status, head, text) = cluster::exchange(
        port,
        "POST",
        "/api/v1/session",
        &[],
        &body,
        Duration::from_secs(30),
    )
    .await?;
    if status != 200 {
        bail!("login as {user}: {status} {text}");
    }
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("set-cookie").then(|| v.trim())
        })
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
        .context("no session cookie")
}

/// Why a login failed, in a word: the status it answered, or "timeout" / "io".
fn failure(e: &anyhow::Error) -> String {
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return io_failure(io);
    }
    e.to_string()
        .split_whitespace()
        .find(|w| w.len() == 3 && w.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or("other")
        .to_string()
}

fn io_failure(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::TimedOut {
        "timeout".into()
    } else {
        "io".into()
    }
}

/// The ids of the cases a person's first page of `/api/v1/cases` lists.
fn case_ids(json: &str) -> Vec<i64> {
    let mut out = vec![];
    let mut rest = json;
    while let Some(at) = rest.find("\"id\":") {
        rest = &rest[at + 5..];
        let digits: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if let Ok(id) = digits.parse() {
            out.push(id);
        }
    }
    out
}

async fn phase(
    o: &Options,
    servers: usize,
    port: u16,
    pids: &[u32],
    filers: &Arc<Vec<Filer>>,
    next_event: &Arc<AtomicU64>,
) -> Result<Phase> {
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let latencies: Arc<Mutex<BTreeMap<Kind, Vec<f64>>>> = Arc::new(Mutex::new(BTreeMap::new()));
    let timeline: Arc<Mutex<Vec<(f64, Kind, f64)>>> = Arc::new(Mutex::new(vec![]));
    let failures: Arc<Mutex<BTreeMap<(Kind, String), u64>>> = Arc::new(Mutex::new(BTreeMap::new()));
    let cpu0: f64 = pids.iter().map(|p| cpu_seconds(*p)).sum();
    let db0 = postgres_cpu();
    let started = Instant::now();
    let mut tasks = vec![];
    for i in 0..o.users {
        let (stop, requests, errors, latencies, next_event) = (
            stop.clone(),
            requests.clone(),
            errors.clone(),
            latencies.clone(),
            next_event.clone(),
        );
        let failures = failures.clone();
        let timeline = timeline.clone();
        let user = LOGINS[i % LOGINS.len()];
        let filers = filers.clone();
        let think = o.think_ms;
        let seed = o.seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        tasks.push(tokio::spawn(async move {
            let mut dice = Dice(seed | 1);
            // People arrive over the first second or two, not all in the same instant.
            tokio::time::sleep(Duration::from_millis(dice.below(think.max(1) * 2))).await;
            let mut cookie = String::new();
            let mut ids: Vec<i64> = vec![];
            let mut kind = Kind::Login;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                // Ok, or why not: the status answered, or "timeout" / "io".
                let outcome: Result<(), String> = match kind {
                    Kind::Login => match login(port, user).await {
                        Ok(c) => {
                            cookie = c;
                            Ok(())
                        }
                        Err(e) => Err(failure(&e)),
                    },
                    Kind::Event => {
                        let n = next_event.fetch_add(1, Ordering::Relaxed);
                        let filer = &filers[n as usize % filers.len()];
                        let body = format!(
                            r#"{{"source":"bench-http","source_event_id":"h{n}","case_number":"（2026）{}民初{}号","occurred_at":"2026-09-01T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}}"#,
                            filer.court_code,
                            800_000 + n
                        );
                        let h = [("Authorization".to_string(), format!("Bearer {}", filer.token))];
                        match cluster::exchange(port, "POST", "/api/v1/events", &h, &body, Duration::from_secs(30)).await {
                            Ok((201 | 200, _, _)) => Ok(()),
                            Ok((status, _, _)) => Err(status.to_string()),
                            Err(e) => Err(io_failure(&e)),
                        }
                    }
                    _ => {
                        let path = match kind {
                            Kind::List => "/cases".to_string(),
                            Kind::Case if !ids.is_empty() => {
                                format!("/cases/{}", ids[dice.below(ids.len() as u64) as usize])
                            }
                            Kind::Case => "/api/v1/cases".to_string(),
                            Kind::Board => "/warnings".to_string(),
                            Kind::Dashboard => "/quality".to_string(),
                            _ => "/todo".to_string(),
                        };
                        let h = [("Cookie".to_string(), cookie.clone())];
                        match cluster::exchange(port, "GET", &path, &h, "", Duration::from_secs(30)).await {
                            Ok((200, _, body)) => {
                                if path == "/api/v1/cases" {
                                    ids = case_ids(&body);
                                }
                                Ok(())
                            }
                            Ok((status, _, _)) => Err(status.to_string()),
                            Err(e) => Err(io_failure(&e)),
                        }
                    }
                };
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                // Reading the case list in order to open a case is a list request.
                let counted = if kind == Kind::Case && ids.is_empty() {
                    Kind::List
                } else {
                    kind
                };
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                requests.fetch_add(1, Ordering::Relaxed);
                match outcome {
                    Ok(()) => {
                        if let Ok(mut l) = latencies.lock() {
                            l.entry(counted).or_default().push(ms);
                        }
                        if let Ok(mut l) = timeline.lock() {
                            l.push((started.elapsed().as_secs_f64(), counted, ms));
                        }
                    }
                    Err(why) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut f) = failures.lock() {
                            *f.entry((counted, why)).or_default() += 1;
                        }
                    }
                }
                // The next thing to do; the case list is read once after logging in.
                kind = if kind == Kind::Login && ids.is_empty() {
                    Kind::Case
                } else {
                    let mut r = dice.below(100) as u32;
                    MIX.iter()
                        .find(|(_, w)| {
                            if r < *w {
                                true
                            } else {
                                r -= w;
                                false
                            }
                        })
                        .map(|(k, _)| *k)
                        .unwrap_or(Kind::List)
                };
                let pause = think / 2 + dice.below(think.max(1));
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(o.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    let cpu1: f64 = pids.iter().map(|p| cpu_seconds(*p)).sum();
    let db_cpu = postgres_cpu_since(&db0);
    for t in tasks {
        let _ = t.await;
    }
    let latencies = latencies
        .lock()
        .map(|l| l.clone())
        .map_err(|_| anyhow::anyhow!("a simulated person panicked"))?;
    let failures = failures
        .lock()
        .map(|f| f.clone())
        .map_err(|_| anyhow::anyhow!("a simulated person panicked"))?;
    let timeline = timeline
        .lock()
        .map(|l| l.clone())
        .map_err(|_| anyhow::anyhow!("a simulated person panicked"))?;
    Ok(Phase {
        servers,
        requests: requests.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        failures,
        seconds,
        latencies,
        timeline,
        server_cpu: cpu1 - cpu0,
        db_cpu,
    })
}

#[cfg(test)]
mod tests {
    use super::{Kind, Phase, cpu_growth, proc_cpu, thirds};
    use std::collections::{BTreeMap, HashMap};

    #[test]
    fn a_soaks_thirds_take_the_requests_that_ended_in_them() {
        // 90 s: a request a second, list and case page in turn; 10 ms in the first third, 20 in
        // the middle, 30 in the last but for two slow case pages of 300 ms at its end.
        let timeline: Vec<(f64, Kind, f64)> = (0..90)
            .map(|t| {
                let ms = match t {
                    0..30 => 10.0,
                    30..60 => 20.0,
                    87 | 89 => 300.0,
                    _ => 30.0,
                };
                let kind = if t % 2 == 0 { Kind::List } else { Kind::Case };
                (t as f64 + 0.5, kind, ms)
            })
            .collect();
        let p = Phase {
            servers: 2,
            requests: 90,
            errors: 0,
            failures: BTreeMap::new(),
            seconds: 90.0,
            latencies: BTreeMap::new(),
            timeline,
            server_cpu: 0.0,
            db_cpu: 0.0,
        };
        assert_eq!(thirds(&p, None), (10.0, 300.0));
        assert_eq!(thirds(&p, Some(Kind::Case)), (10.0, 300.0));
        assert_eq!(thirds(&p, Some(Kind::List)), (10.0, 30.0));
    }

    #[test]
    fn a_process_that_ended_is_counted_through_its_parent() {
        // The postmaster (1) and a backend (2) before; the backend ended after 3 s more (its 5 s
        // in all moved into the postmaster's ended children), a new backend (3) used 1 s.
        let before = HashMap::from([(1, 10.0), (2, 2.0)]);
        let now = HashMap::from([(1, 10.5 + 5.0), (3, 1.0)]);
        assert!((cpu_growth(&before, &now) - 4.5).abs() < 1e-9);
    }

    #[test]
    fn a_child_that_ended_moves_its_cpu_into_its_parent() {
        let me = std::process::id();
        let before = proc_cpu(me, true);
        // A child that burns some CPU and ends; `output` waits for it.
        let out = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"])
            .output()
            .expect("sh");
        assert!(out.status.success());
        let after = proc_cpu(me, true);
        assert!(after - before >= 0.05, "{before} -> {after}");
        assert!(proc_cpu(me, false) <= after);
    }
}
