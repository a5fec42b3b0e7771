//! `tianping bench failover`: a primary PostgreSQL cluster with a synchronous streaming standby
//! (both made here with `pg_createcluster` and `pg_basebackup`, dropped afterwards), HAProxy in
//! front (the servers' database address goes to the primary, to the standby only when the
//! primary stops answering), `tianping serve` nodes writing events through HTTP round robin;
//! then `kill -9` of the primary, promotion of the standby, and writing on. Checks that every
//! acknowledged event is in the promoted standby and that `ledger verify` passes there.
//!
//! The servers read their dashboards from the standby (`database_read_url`): a reader logged in
//! through the balancer opens the quality figures all along, and the standby's own connection
//! list shows the servers' read connections before the kill.

use super::cluster::{self, Cluster, Proc};
use crate::config::Config;
use anyhow::{Context, Result, bail};
use chrono::Utc;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tianping_store::Store;

/// The name the primary's `synchronous_standby_names` waits for.
const STANDBY_NAME: &str = "tp_standby";
const SOURCE: &str = "bench-failover";

pub struct Options {
    pub servers: usize,
    pub writers: usize,
    pub before_secs: u64,
    pub after_secs: u64,
}

pub async fn run(o: &Options) -> Result<()> {
    if o.servers == 0 || o.writers == 0 {
        bail!("--servers and --writers must be at least 1");
    }
    let tag = std::process::id();
    let dir = std::env::temp_dir().join(format!("tp_failover_{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let result = run_in(o, tag, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_in(o: &Options, tag: u32, dir: &std::path::Path) -> Result<()> {
    let (p_port, s_port, pg_port, http_port) = (
        cluster::free_port()?,
        cluster::free_port()?,
        cluster::free_port()?,
        cluster::free_port()?,
    );
    println!(
        "setting up: primary :{p_port}, synchronous standby :{s_port}, HAProxy :{pg_port} (database) and :{http_port} (HTTP)"
    );
    let primary = Cluster::create(
        &format!("tpfo_primary_{tag}"),
        p_port,
        &[&format!("synchronous_standby_names={STANDBY_NAME}")],
    )?;
    primary.start()?;
    wait_for_database(&primary.url("postgres")).await?;
    let standby = Cluster::create(&format!("tpfo_standby_{tag}"), s_port, &[])?;
    standby.follow(&primary, STANDBY_NAME)?;
    standby.start()?;
    wait_for_sync(&primary.url("postgres")).await?;

    let node_ports: Vec<u16> = (0..o.servers)
        .map(|_| cluster::free_port())
        .collect::<Result<_>>()?;
    let _lb = cluster::balancer(dir, http_port, &node_ports, Some((pg_port, p_port, s_port)))?;
    // Through the balancer, as the servers will connect.
    let admin_url = format!("postgres://postgres@127.0.0.1:{pg_port}/postgres");
    wait_for_database(&admin_url).await?;
    {
        let admin = Store::connect(&admin_url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe("CREATE DATABASE tianping".to_string()))
            .execute(admin.pool())
            .await?;
        admin.close().await;
    }
    let url = format!("postgres://postgres@127.0.0.1:{pg_port}/tianping");
    let cfg = Config {
        database_url: url.clone(),
        ledger_key: dir.join("ledger.key").display().to_string(),
        feedback_key: dir.join("feedback.key").display().to_string(),
        ..Config::default()
    };
    // The key every node signs with, made once before they start.
    crate::ledger::load_or_create_key(&cfg)?;
    let exe = std::env::current_exe()?;
    let out = std::process::Command::new(&exe)
        .args([
            "org",
            "add",
            "--database-url",
            &url,
            "--id",
            "court-330102",
            "--name",
            "杭州市上城区人民法院",
            "--kind",
            "court",
            "--level",
            "county",
            "--region-path",
            "/33/3301/330102/",
            "--court-code",
            "浙0102",
        ])
        .env("TIANPING_LOG", "warn")
        .output()?;
    if !out.status.success() {
        bail!("org add: {}", String::from_utf8_lossy(&out.stderr));
    }
    let reader_password = tianping_server::auth::random_token()?;
    let token = {
        let store = Store::connect(&url).await?;
        store
            .insert_user(
                &tianping_store::user::NewUser {
                    username: READER.into(),
                    display_name: "院长（基准）".into(),
                    org_id: "court-330102".into(),
                    role: tianping_domain::Role::President,
                    clearance: Default::default(),
                    email: None,
                    password_hash: tianping_server::auth::hash_password(&reader_password)?,
                },
                Utc::now(),
            )
            .await?;
        let token = tianping_server::auth::random_token()?;
        store
            .add_system_client(
                "审判系统（基准）",
                "court-330102",
                &tianping_server::auth::token_hash(&token),
                "bench",
                Utc::now(),
            )
            .await?;
        store.close().await;
        token
    };
    let env = [
        ("TIANPING_LEDGER_KEY", cfg.ledger_key.clone()),
        ("TIANPING_FEEDBACK_KEY", cfg.feedback_key.clone()),
        ("TIANPING_WORKER", "true".to_string()),
        ("TIANPING_LEADER_SECONDS", "1".to_string()),
        ("TIANPING_POLL_SECONDS", "2".to_string()),
        ("TIANPING_RATE_API_PER_MINUTE", "0".to_string()),
        ("TIANPING_RATE_USER_PER_MINUTE", "0".to_string()),
        // Straight to the standby, not through the balancer: the replica's reads.
        ("TIANPING_DATABASE_READ_URL", standby.url("tianping")),
    ];
    let mut nodes: Vec<Proc> = vec![];
    for (i, port) in node_ports.iter().enumerate() {
        nodes.push(cluster::serve_node(
            dir,
            &url,
            &format!("node{i}"),
            *port,
            &env,
        )?);
    }
    cluster::wait_healthy(http_port, Duration::from_secs(20), "haproxy")?;
    println!(
        "{} servers, {} writers: writing {} s, then kill -9 of the primary, promotion, writing {} s",
        o.servers, o.writers, o.before_secs, o.after_secs
    );

    let next = Arc::new(AtomicU64::new(1));
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    // Each acknowledged event: its number, when its request was sent, when the answer came.
    let acked: Arc<Mutex<Vec<(u64, Instant, Instant)>>> = Arc::new(Mutex::new(vec![]));
    let mut tasks = vec![];
    for _ in 0..o.writers {
        let (next, stop, errors, acked, token) = (
            next.clone(),
            stop.clone(),
            errors.clone(),
            acked.clone(),
            token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let sent = Instant::now();
                let body = format!(
                    r#"{{"source":"{SOURCE}","source_event_id":"fo-{n}","case_number":"（2026）浙0102民初{n}号","occurred_at":"2026-08-31T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}}"#
                );
                match cluster::http(
                    http_port,
                    "POST",
                    "/api/v1/events",
                    Some(&token),
                    &body,
                    Duration::from_secs(10),
                )
                .await
                {
                    Ok((201, _)) => {
                        if let Ok(mut a) = acked.lock() {
                            a.push((n, sent, Instant::now()));
                        }
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        }));
    }
    // One reader opening the quality figures through the balancer, all along.
    let cookie = crate::bench::http::login_as(http_port, READER, &reader_password).await?;
    let reads = Arc::new(Mutex::new(Reads::default()));
    let killed_flag = Arc::new(AtomicBool::new(false));
    {
        let (stop, reads, killed_flag) = (stop.clone(), reads.clone(), killed_flag.clone());
        tasks.push(tokio::spawn(async move {
            let headers = [("Cookie".to_string(), cookie)];
            while !stop.load(Ordering::Relaxed) {
                let after = killed_flag.load(Ordering::Relaxed);
                let r = cluster::exchange(
                    http_port,
                    "GET",
                    "/api/v1/metrics",
                    &headers,
                    "",
                    Duration::from_secs(10),
                )
                .await;
                let ok = matches!(r, Ok((200, _, _)));
                if !ok {
                    let why = match &r {
                        Ok((status, _, body)) => {
                            format!("{status} {}", body.chars().take(200).collect::<String>())
                        }
                        Err(e) => e.to_string(),
                    };
                    eprintln!(
                        "dashboard read failed ({} the kill): {why}",
                        if after { "after" } else { "before" }
                    );
                }
                if let Ok(mut n) = reads.lock() {
                    n.count(after, ok);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(o.before_secs)).await;
    let replica_connections = connections_named(
        &standby.url("tianping"),
        tianping_store::replica::APPLICATION_NAME,
    )
    .await?;
    let before = acked.lock().map(|a| a.len()).unwrap_or(0);
    killed_flag.store(true, Ordering::Relaxed);
    let killed = Instant::now();
    primary.kill9()?;
    // The documented promote step (docs/DEPLOY.md), taken at once here: what is measured is how
    // long the servers take to write again, not how long someone takes to notice.
    standby.promote()?;
    let promoted = killed.elapsed();
    tokio::time::sleep(Duration::from_secs(o.after_secs)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    drop(nodes);
    let acked: Vec<(u64, Instant, Instant)> = acked
        .lock()
        .map(|a| a.clone())
        .map_err(|_| anyhow::anyhow!("a writer panicked"))?;
    // Downtime: from the kill until a write sent after it is acknowledged (a write sent before
    // the kill may be answered after it: its commit was already on the standby).
    let Some(first_after) = acked
        .iter()
        .filter(|(_, sent, _)| *sent >= killed)
        .map(|(_, _, done)| *done)
        .min()
    else {
        bail!("no write sent after the kill was acknowledged");
    };
    let downtime = first_after - killed;

    // Every acknowledged event is in the promoted standby, and its ledger verifies.
    let store = Store::connect(&standby.url("tianping"))
        .await
        .context("connecting to the promoted standby")?;
    let stored: HashSet<String> =
        sqlx::query_scalar::<_, String>("SELECT source_event_id FROM events WHERE source = $1")
            .bind(SOURCE)
            .fetch_all(store.pool())
            .await?
            .into_iter()
            .collect();
    let lost: Vec<u64> = acked
        .iter()
        .filter(|(n, _, _)| !stored.contains(&format!("fo-{n}")))
        .map(|(n, _, _)| *n)
        .collect();
    crate::worker::configure(&store, &cfg).await?;
    let verify =
        crate::ledger::verify_store(&store, &cfg, None, &[], crate::ledger::VerifyHow::FULL)
            .await?;
    store.close().await;

    println!();
    println!("| | |");
    println!("|:--|--:|");
    println!("| writes acknowledged before the kill | {before} |");
    println!(
        "| writes acknowledged after it | {} |",
        acked.len() - before
    );
    println!(
        "| requests that failed (not acknowledged) | {} |",
        errors.load(Ordering::Relaxed)
    );
    println!(
        "| promotion command done after the kill | {} ms |",
        promoted.as_millis()
    );
    println!(
        "| until a write sent after the kill is acknowledged | {} ms |",
        downtime.as_millis()
    );
    println!(
        "| acknowledged writes missing on the standby | {} |",
        lost.len()
    );
    println!(
        "| ledger verify on the promoted standby | {} |",
        if verify.ok() { "OK" } else { "FAILED" }
    );
    let reads = *reads
        .lock()
        .map_err(|_| anyhow::anyhow!("the reader panicked"))?;
    println!(
        "| dashboard reads answered before the kill (failed) | {} ({}) |",
        reads.ok_before, reads.failed_before
    );
    println!(
        "| dashboard reads answered after it (failed) | {} ({}) |",
        reads.ok_after, reads.failed_after
    );
    println!(
        "| the servers' read connections on the standby before the kill | {replica_connections} |"
    );
    if !lost.is_empty() {
        println!("missing: {:?}", &lost[..lost.len().min(20)]);
    }
    println!(
        "RESULT failover servers={} writers={} acked={} lost={} downtime_ms={} errors={} verify={} reads={} read_errors_before_kill={} read_errors_after={} replica_connections={}",
        o.servers,
        o.writers,
        acked.len(),
        lost.len(),
        downtime.as_millis(),
        errors.load(Ordering::Relaxed),
        if verify.ok() { "ok" } else { "failed" },
        reads.ok_before + reads.ok_after,
        reads.failed_before,
        reads.failed_after,
        replica_connections
    );
    if !lost.is_empty() || !verify.ok() {
        bail!("the failover lost acknowledged writes or the ledger does not verify");
    }
    Ok(())
}

/// The bench's reader (a president of the court the events are filed in).
const READER: &str = "bench_reader";

/// The reader's dashboard requests, answered or failed, before and after the kill.
#[derive(Default, Clone, Copy)]
struct Reads {
    ok_before: u64,
    failed_before: u64,
    ok_after: u64,
    failed_after: u64,
}

impl Reads {
    fn count(&mut self, after_kill: bool, ok: bool) {
        let n = match (after_kill, ok) {
            (false, true) => &mut self.ok_before,
            (false, false) => &mut self.failed_before,
            (true, true) => &mut self.ok_after,
            (true, false) => &mut self.failed_after,
        };
        *n += 1;
    }
}

/// How many connections with this `application_name` the server at `url` has to its database.
async fn connections_named(url: &str, name: &str) -> Result<i64> {
    let store = Store::connect(url).await?;
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
    )
    .bind(name)
    .fetch_one(store.pool())
    .await?;
    store.close().await;
    Ok(n)
}

async fn wait_for_database(url: &str) -> Result<()> {
    let t = Instant::now();
    loop {
        match Store::connect(url).await {
            Ok(s) => {
                s.close().await;
                return Ok(());
            }
            Err(e) if t.elapsed() > Duration::from_secs(30) => {
                return Err(e).context("the database did not answer within 30 s");
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Waits until the primary reports the standby streaming synchronously.
async fn wait_for_sync(primary_url: &str) -> Result<()> {
    let store = Store::connect(primary_url).await?;
    let t = Instant::now();
    loop {
        let state: Option<String> = sqlx::query_scalar(
            "SELECT sync_state::text FROM pg_stat_replication WHERE application_name = $1",
        )
        .bind(STANDBY_NAME)
        .fetch_optional(store.pool())
        .await?;
        if state.as_deref() == Some("sync") {
            store.close().await;
            return Ok(());
        }
        if t.elapsed() > Duration::from_secs(60) {
            bail!("the standby did not stream synchronously within 60 s (state {state:?})");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
