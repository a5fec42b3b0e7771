//! The `tianping` binary: serve, worker, demo, import, migrate, backup, restore, migrate-store, org,
//! user, rules, calendar, clocks, bench.

/// mimalloc: glibc's allocator spent a fifth of bulk-ingest time consolidating free lists, growing
/// with the heap (see docs/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod backup;
mod bench;
mod cli;
mod config;
mod demo;
mod draw;
mod import;
mod judgments;
mod leader;
mod ledger;
mod lines;
mod move_store;
mod proofread;
mod serve;
mod sms;
mod worker;

use anyhow::{Context, Result, bail};
use chrono::Utc;
use clap::Parser;
use cli::{
    CalendarCmd, Cli, ClocksCmd, Cmd, FeedbackCmd, LedgerCmd, OrgCmd, RulesCmd, SmsCmd, UserCmd,
};
use config::Config;
use serve::serve;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use tianping_domain::{Clearance, Role};
use tianping_server::{SystemClock, auth};
use tianping_store::Store;
use tianping_store::user::NewUser;

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

fn load_config(
    cli_config: Option<&PathBuf>,
    database_url: Option<String>,
    listen: Option<String>,
) -> Result<Config> {
    let mut c = Config::load(cli_config.map(PathBuf::as_path), |k| std::env::var(k).ok())?;
    if let Some(u) = database_url {
        c.database_url = u;
    }
    if let Some(l) = listen {
        c.listen = l;
    }
    Ok(c)
}

/// Connects, migrates and puts the configuration's rules in force (with the database's calendar
/// years and organisations): every command computes clocks from the same rules as `serve`.
async fn open_store(cfg: &Config) -> Result<Store> {
    let url = &cfg.database_url;
    let store = Store::connect(url)
        .await
        .with_context(|| format!("connecting to {}", tianping_store::redact_url(url)))?;
    let applied = store.migrate().await.context("applying migrations")?;
    for m in applied {
        tracing::info!(migration = %m, "applied migration");
    }
    worker::configure(&store, cfg).await?;
    store.set_counts_cache(std::time::Duration::from_secs(
        u64::try_from(cfg.counts_cache_seconds).unwrap_or(0),
    ));
    let read = cfg.database_read_url.trim();
    if read.is_empty() {
        return Ok(store);
    }
    let store = store.with_read_replica(read)?;
    tracing::info!(
        replica = %tianping_store::redact_url(read),
        "the dashboard, its lists and the case list read from the replica"
    );
    Ok(store)
}

fn parse_now(now: Option<&str>) -> Result<chrono::DateTime<Utc>> {
    match now {
        None => Ok(Utc::now()),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .with_context(|| {
                format!("--now {s:?} is not an RFC 3339 time such as 2026-03-05T09:00:00+08:00")
            }),
    }
}

fn random_password() -> Result<String> {
    let t = auth::random_token().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(format!("Tp-{}", &t[..10]))
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Serve {
            database_url,
            listen,
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, listen)?;
            init_tracing(&cfg.log);
            tracing::info!(config = %cfg, "starting");
            let store = open_store(&cfg).await?;
            serve(store, &cfg, |_| {}).await
        }
        Cmd::Demo {
            listen,
            data,
            cases,
            seed,
            password,
            database_url,
        } => {
            let mut cfg = load_config(cli.config.as_ref(), None, Some(listen))?;
            init_tracing(&cfg.log);
            if cfg.ledger_key == Config::default().ledger_key {
                // The demo's signing key lives with its data (kept across runs).
                cfg.ledger_key = data.join("ledger.key").display().to_string();
            }
            if cfg.feedback_key == Config::default().feedback_key {
                // So is the key of its rating codes.
                cfg.feedback_key = data.join("feedback.key").display().to_string();
            }
            if let Some(url) = database_url {
                cfg.database_url = url;
            } else {
                std::fs::create_dir_all(&data)
                    .with_context(|| format!("creating {}", data.display()))?;
                let db = data.join("tianping.db");
                for suffix in ["", "-wal", "-shm"] {
                    let p = PathBuf::from(format!("{}{suffix}", db.display()));
                    if p.exists() {
                        std::fs::remove_file(&p).with_context(|| {
                            format!("removing the previous demo database {}", p.display())
                        })?;
                    }
                }
                cfg.database_url = format!("sqlite://{}", db.display());
            }
            let store = open_store(&cfg).await?;
            if !store.org_directory().await?.by_id.is_empty() {
                bail!(
                    "{} already holds organisations: the demo loads only into an empty database",
                    tianping_store::redact_url(&cfg.database_url)
                );
            }
            let now = Utc::now();
            let new_password = || random_password();
            let loaded = demo::load(
                &store,
                &demo::LoadOptions {
                    seed,
                    cases,
                    password: password.as_deref(),
                    new_password: &new_password,
                    digest_hour: cfg.digest_hour,
                },
                now,
            )
            .await?;
            let key = ledger::load_or_create_key(&cfg)?;
            let cp = store.checkpoint(&key, &cfg.ledger_origin, now).await?;
            eprintln!(
                "ledger: {} leaves, checkpoint #{} signed (verifier key {})",
                cp.size,
                cp.id,
                key.verifier().to_text()
            );
            if cfg.witness_keys.is_empty() {
                // The city's 人大常委会 and 政法委 as witnesses: their keys with the demo's data.
                ledger::demo_witnesses(&store, &mut cfg, &data, &cp.note, &key, now).await?;
            }
            eprintln!("{}", loaded.summary);
            // A party's rating code of 上城 not yet used: its URL, as the QR code prints it.
            let sample = match &loaded.sample_rating {
                Some((hex, case)) => match store.feedback_token(hex).await? {
                    Some(t) => tianping_server::feedback::token_text(
                        &ledger::load_or_create_feedback_key(&cfg)?,
                        &t,
                    )
                    .map(|tok| (tok, *case)),
                    None => None,
                },
                None => None,
            };
            serve(store, &cfg, |addr| {
                println!("\n天平 Tianping demo is ready: http://{addr}/\n");
                if let Some((tok, case)) = &sample {
                    println!(
                        "司法公正码 (a party's rating code of case {case}, no login): http://{addr}/r/{tok}\n"
                    );
                }
                println!("{:<18} {:<12} {:<16} 单位", "role", "username", "password");
                for (role, user, pw, org) in &loaded.logins {
                    println!("{:<18} {:<12} {:<16} {org}", role.as_str(), user, pw);
                }
                println!();
            })
            .await
        }
        Cmd::ImportJudgments {
            file,
            source,
            database_url,
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            init_tracing(&cfg.log);
            let store = open_store(&cfg).await?;
            let started = std::time::Instant::now();
            let (r, refused) =
                judgments::import_file(&store, &file, &source, Utc::now(), false).await?;
            for x in &refused {
                eprintln!(
                    "{}:{}: {}{}",
                    file.display(),
                    x.line,
                    if x.field.is_empty() {
                        String::new()
                    } else {
                        format!("[{}] ", x.field)
                    },
                    x.reason
                );
            }
            println!(
                "imported {}: {} judgments stored, {} already there, {} lines refused in {:.1} s",
                file.display(),
                r.inserted,
                r.duplicates,
                refused.len(),
                started.elapsed().as_secs_f64()
            );
            store.close().await;
            if !refused.is_empty() {
                std::process::exit(2);
            }
            Ok(())
        }
        Cmd::Import {
            file,
            database_url,
            format,
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            init_tracing(&cfg.log);
            let fmt = match format.as_deref() {
                Some("jsonl") => import::Format::Jsonl,
                Some("csv") => import::Format::Csv,
                Some(other) => bail!("--format must be jsonl or csv, got {other:?}"),
                None => import::Format::from_path(&file)?,
            };
            let store = open_store(&cfg).await?;
            let started = std::time::Instant::now();
            let report = import::import_file(&store, &file, fmt, Utc::now(), false).await?;
            // A bulk load: the planner's statistics follow it at once.
            store.analyze().await?;
            for r in &report.rejected {
                eprintln!(
                    "{}:{}: {} {}{}{}",
                    file.display(),
                    r.line,
                    r.code,
                    if r.field.is_empty() {
                        String::new()
                    } else {
                        format!("[{}] ", r.field)
                    },
                    if r.source_event_id.is_empty() {
                        String::new()
                    } else {
                        format!("(event {}) ", r.source_event_id)
                    },
                    r.reason
                );
            }
            println!(
                "imported {}: {} accepted, {} duplicates, {} rejected in {:.1} s",
                file.display(),
                report.accepted,
                report.duplicates,
                report.rejected.len(),
                started.elapsed().as_secs_f64()
            );
            if !report.rejected.is_empty() {
                std::process::exit(2);
            }
            Ok(())
        }
        Cmd::RebuildMetrics { database_url } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let store = Store::connect(&cfg.database_url).await?;
            store.migrate().await?;
            let n = store.rebuild_metrics(chrono::Utc::now()).await?;
            println!("quality totals recomputed from {n} cases");
            Ok(())
        }
        Cmd::Migrate { database_url } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let store = Store::connect(&cfg.database_url).await?;
            let applied = store.migrate().await?;
            if applied.is_empty() {
                println!("up to date");
            }
            for m in applied {
                println!("applied {m}");
            }
            Ok(())
        }
        Cmd::User {
            cmd:
                UserCmd::Add {
                    database_url,
                    username,
                    name,
                    org,
                    role,
                    clearance,
                    email,
                    password_stdin,
                },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let role = Role::parse(&role).with_context(|| format!("unknown role {role:?}"))?;
            let clearance = Clearance::parse_list(&clearance)
                .map_err(|e| anyhow::anyhow!("--clearance: {e}"))?;
            let (password, generated) = if password_stdin {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("reading the password from stdin")?;
                let s = s.trim_end_matches(['\n', '\r']).to_string();
                if s.chars().count() < 10 {
                    bail!("the password must have at least 10 characters");
                }
                (s, false)
            } else {
                (random_password()?, true)
            };
            let store = open_store(&cfg).await?;
            let hash = auth::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
            let id = store
                .insert_user(
                    &NewUser {
                        username: username.clone(),
                        display_name: name,
                        org_id: org,
                        role,
                        clearance,
                        email,
                        password_hash: hash,
                    },
                    Utc::now(),
                )
                .await?;
            println!("added user {username} (id {id})");
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        Cmd::Org {
            cmd:
                OrgCmd::Add {
                    database_url,
                    id,
                    name,
                    kind,
                    level,
                    region_path,
                    parent,
                    court_code,
                },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let kind = tianping_domain::AgencyKind::parse(&kind)
                .with_context(|| format!("unknown --kind {kind:?}"))?;
            let level = tianping_domain::Level::parse(&level)
                .with_context(|| format!("unknown --level {level:?}"))?;
            if kind == tianping_domain::AgencyKind::Court && court_code.is_none() {
                bail!("a court needs its 法院代字: --court-code");
            }
            if let Some(c) = &court_code {
                // A court code must be what a 案号 carries: check it with the parser.
                tianping_domain::CaseNumber::parse(&format!("（2026）{c}民初1号")).map_err(
                    |e| anyhow::anyhow!("--court-code {c:?} is not a valid 法院代字: {}", e.reason),
                )?;
            }
            let store = open_store(&cfg).await?;
            if let Some(p) = &parent
                && store.org(p).await?.is_none()
            {
                bail!("parent organisation {p:?} does not exist");
            }
            let region_code = region_path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            store
                .insert_org(
                    &tianping_store::org::Org {
                        id: id.clone(),
                        parent_id: parent,
                        name,
                        kind,
                        level,
                        region_code,
                        region_path,
                        court_code,
                    },
                    Utc::now(),
                )
                .await?;
            println!("added organisation {id}");
            Ok(())
        }
        Cmd::Org {
            cmd: OrgCmd::List { database_url },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let store = open_store(&cfg).await?;
            for o in store.orgs_in("/").await? {
                println!(
                    "{:<20} {:<26} {:<9} {:<22} {:<8} {}",
                    o.id,
                    o.kind.as_str(),
                    o.level.as_str(),
                    o.region_path,
                    o.court_code.as_deref().unwrap_or("-"),
                    o.name
                );
            }
            Ok(())
        }
        Cmd::Rules {
            cmd: RulesCmd::Check,
        } => {
            let cfg = load_config(cli.config.as_ref(), None, None)?;
            let n = tianping_domain::case_type::check_table().map_err(|e| anyhow::anyhow!(e))?;
            let (source, status) = tianping_domain::case_type::source();
            println!("rules/case-types.toml: {n} type codes, source {source} [{status}]");
            let (limits, calendar) = match &cfg.rules_dir {
                Some(d) => {
                    let d = std::path::Path::new(d);
                    let l = d.join("limits.toml");
                    let c = d.join("calendar/cn-holidays.toml");
                    (
                        (
                            l.display().to_string(),
                            std::fs::read_to_string(&l)
                                .with_context(|| format!("reading {}", l.display()))?,
                        ),
                        (
                            c.display().to_string(),
                            std::fs::read_to_string(&c)
                                .with_context(|| format!("reading {}", c.display()))?,
                        ),
                    )
                }
                None => (
                    (
                        "rules/limits.toml (built in)".to_string(),
                        tianping_domain::rules::LIMITS_TOML.to_string(),
                    ),
                    (
                        "rules/calendar/cn-holidays.toml (built in)".to_string(),
                        tianping_domain::rules::CALENDAR_TOML.to_string(),
                    ),
                ),
            };
            let rs = tianping_domain::rules::RuleSet::parse(&limits.1)
                .with_context(|| limits.0.clone())?;
            let count = |m| rs.rules.iter().filter(|r| r.marker == m).count();
            let driving = rs.rules.iter().filter(|r| r.clock.is_some()).count();
            println!(
                "{}: {} rules ({} [V], {} [S], {} [U]); {} drive clocks, {} are reference data; {} excluded-period kinds, {} restart events, {} long-pending tiers; fingerprint {}",
                limits.0,
                rs.rules.len(),
                count(tianping_domain::rules::Marker::V),
                count(tianping_domain::rules::Marker::S),
                count(tianping_domain::rules::Marker::U),
                driving,
                rs.rules.len() - driving,
                rs.excluded_kinds.len(),
                rs.restart_events.len(),
                rs.long_pending.len(),
                rs.fingerprint
            );
            let cal = tianping_domain::calendar::Calendar::parse(&calendar.1)
                .with_context(|| calendar.0.clone())?;
            let years: Vec<i32> = cal.years().map(|(y, _)| y).collect();
            let (first, last) = (
                years.first().copied().unwrap_or(0),
                years.last().copied().unwrap_or(0),
            );
            let gaps: Vec<String> = (first..=last)
                .filter(|y| !cal.covers(*y))
                .map(|y| y.to_string())
                .collect();
            println!(
                "{}: years {first}–{last}{}; later years are provisional (weekends only) until imported with `tianping calendar import`",
                calendar.0,
                if gaps.is_empty() {
                    String::new()
                } else {
                    format!(", missing {}", gaps.join(", "))
                }
            );
            let sup = worker::load_supervision(&cfg)?;
            let marker = |m| sup.flags.rules.iter().filter(|r| r.marker == m).count();
            println!(
                "flag rules {}: {} situations in {} categories, {} detection rules ({} [S], {} [U]); supervision rules {}: {} 院庭长 acts ({} forbidden), stage deadlines {}",
                sup.flags.version,
                sup.flags.situations.len(),
                sup.flags.categories.len(),
                sup.flags.rules.len(),
                marker(tianping_domain::rules::Marker::S),
                marker(tianping_domain::rules::Marker::U),
                sup.rules.version,
                sup.rules.acts.len(),
                sup.rules.acts.iter().filter(|a| !a.permitted).count(),
                sup.rules.deadlines_marker.label()
            );
            println!(
                "procuratorial catalogue {}: {} situations in {} lines of work, {} instruments",
                sup.catalogue.version,
                sup.catalogue.entries.len(),
                sup.catalogue.by_category().len(),
                sup.catalogue.instruments.len()
            );
            println!("ok");
            Ok(())
        }
        Cmd::Worker {
            database_url,
            once,
            now,
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            init_tracing(&cfg.log);
            let store = open_store(&cfg).await?;
            let fixed = now.is_some();
            let now = parse_now(now.as_deref())?;
            worker::apply_rules_in_force(&store, now).await?;
            if once {
                let senders = worker::Senders::from_config(&cfg)?;
                let t = worker::tick(&store, &senders, now).await?;
                println!(
                    "fired={} warnings={} notifications={} escalated={} digests={} sent={} failed={} errors={} texts_sent={} texts_failed={}",
                    t.poll.fired,
                    t.poll.warnings,
                    t.poll.notifications,
                    t.poll.escalated,
                    t.poll.digests,
                    t.sent,
                    t.failed,
                    t.poll.errors,
                    t.texts_sent,
                    t.texts_failed
                );
                return Ok(());
            }
            let clock: Arc<dyn tianping_server::Clock> = if fixed {
                Arc::new(tianping_server::FixedClock(now))
            } else {
                Arc::new(SystemClock)
            };
            let (leading, _claim) = leader::follow(&store, &cfg, leader::node_name("worker", None));
            worker::run(store, cfg, clock, leading, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
        }
        Cmd::Sms {
            cmd:
                SmsCmd::Send {
                    database_url,
                    to,
                    text,
                },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            init_tracing(&cfg.log);
            let phone = tianping_domain::identity::mobile_number(&to)
                .map_err(|why| anyhow::anyhow!("--to {to:?} is not a mobile number: {why}"))?;
            if text.trim().is_empty() {
                bail!("--text is empty");
            }
            let store = open_store(&cfg).await?;
            let now = Utc::now();
            store
                .queue_text(
                    &format!("operator-text-{}", now.timestamp_micros()),
                    &phone,
                    text.trim(),
                    now,
                )
                .await?;
            if cfg.sms_url.trim().is_empty() {
                println!("queued for {phone}; no sms_url is configured, so nothing will send it");
            } else {
                println!("queued for {phone}; the next worker tick sends it");
            }
            Ok(())
        }
        Cmd::Calendar {
            cmd:
                CalendarCmd::Import {
                    file,
                    database_url,
                    replace,
                },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            init_tracing(&cfg.log);
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let store = open_store(&cfg).await?;
            let mut cw = worker::load_clockwork(&store, &cfg).await?;
            let published = cw.calendar.clone();
            let years = cw
                .calendar
                .import(&text)
                .with_context(|| format!("{}", file.display()))?;
            if years.is_empty() {
                bail!("{}: no [[year]] table", file.display());
            }
            let now = Utc::now();
            let replacing =
                tianping_server::clocks::calendar::replaced_years(&published, &cw.calendar, &years);
            if !replacing.is_empty() && !replace {
                let moved = store.preview_clockwork(&cw, now).await?;
                let mut msg = String::new();
                for (y, r0, r1, w0, w1) in &replacing {
                    msg.push_str(&format!(
                        "  {y}: rest days {r0} -> {r1}, make-up working days {w0} -> {w1}\n"
                    ));
                }
                for m in moved.iter().take(20) {
                    msg.push_str(&format!(
                        "  {} {}: {} -> {}\n",
                        m.case_number,
                        m.clock_key,
                        m.old_due.as_deref().unwrap_or("-"),
                        m.new_due.as_deref().unwrap_or("-")
                    ));
                }
                bail!(
                    "{}: replaces published year(s); {} open clock(s) would move. Nothing imported; \
                     run again with --replace to replace them.\n{msg}",
                    file.display(),
                    moved.len()
                );
            }
            for y in &years {
                // Store each year on its own, so that a later import of one year replaces only it.
                store
                    .store_calendar_year(
                        *y,
                        &tianping_server::clocks::calendar::year_table(&text, *y)
                            .map_err(|e| anyhow::anyhow!(e))?,
                        "cli",
                        now,
                    )
                    .await?;
            }
            worker::apply_rules_in_force(&store, now).await?;
            println!(
                "imported calendar year(s) {}; open clocks re-computed (moved due dates are listed on the 期限变动 page)",
                years
                    .iter()
                    .map(|y| y.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(())
        }
        Cmd::Calendar {
            cmd: CalendarCmd::Show { database_url },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let store = open_store(&cfg).await?;
            let cw = worker::load_clockwork(&store, &cfg).await?;
            let imported: Vec<i64> = store
                .imported_calendar_years()
                .await?
                .into_iter()
                .map(|(y, _)| y)
                .collect();
            for (y, a) in cw.calendar.years() {
                println!(
                    "{y}: {} rest days off weekdays/holidays, {} make-up working days{}",
                    a.rest.len(),
                    a.work.len(),
                    if imported.contains(&(y as i64)) {
                        " (imported)"
                    } else {
                        ""
                    }
                );
            }
            if let Some(last) = cw.calendar.last_year() {
                println!("{} and later: provisional (weekends only)", last + 1);
            }
            Ok(())
        }
        Cmd::Clocks {
            cmd: ClocksCmd::SelfCheck { database_url },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let store = open_store(&cfg).await?;
            let missed = store
                .self_check(
                    Utc::now(),
                    chrono::Duration::seconds(cfg.poll_seconds * 3 + 60),
                )
                .await?;
            for m in &missed {
                println!(
                    "MISSED {} {} due to fire at {}{}",
                    m.case_number,
                    m.clock_key,
                    m.next_fire_at,
                    m.error
                        .as_deref()
                        .map(|e| format!(" (error: {e})"))
                        .unwrap_or_default()
                );
            }
            println!("{} clock(s) should have fired and did not", missed.len());
            if !missed.is_empty() {
                std::process::exit(3);
            }
            Ok(())
        }
        Cmd::Clocks {
            cmd:
                ClocksCmd::Recompute {
                    database_url,
                    force,
                },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            init_tracing(&cfg.log);
            let store = open_store(&cfg).await?;
            let started = std::time::Instant::now();
            let r = store.recompute_open(Utc::now(), None, force).await?;
            println!(
                "re-computed {} clocks of {} open cases in {:.1} s; {} rows written",
                r.clocks,
                r.cases,
                started.elapsed().as_secs_f64(),
                r.written
            );
            Ok(())
        }
        Cmd::Ledger {
            cmd: LedgerCmd::Key,
        } => {
            let cfg = load_config(cli.config.as_ref(), None, None)?;
            println!("{}", ledger::load_or_create_key(&cfg)?.verifier().to_text());
            Ok(())
        }
        Cmd::Ledger {
            cmd: LedgerCmd::Checkpoint { database_url, out },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let key = ledger::load_or_create_key(&cfg)?;
            let store = open_store(&cfg).await?;
            let c = store
                .checkpoint(&key, &cfg.ledger_origin, Utc::now())
                .await?;
            match out {
                Some(p) => {
                    std::fs::write(&p, &c.note)
                        .with_context(|| format!("writing {}", p.display()))?;
                    println!("checkpoint of {} leaves written to {}", c.size, p.display());
                }
                None => print!("{}", c.note),
            }
            Ok(())
        }
        Cmd::Ledger {
            cmd: LedgerCmd::WitnessKey { name, out },
        } => ledger::witness_key(&name, &out),
        Cmd::Ledger {
            cmd: LedgerCmd::Cosign(args),
        } => ledger::cosign(&args),
        Cmd::Ledger {
            cmd:
                LedgerCmd::Consistency {
                    database_url,
                    first,
                    second,
                },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let store = open_store(&cfg).await?;
            ledger::print_consistency(&store, first, second).await
        }
        Cmd::Ledger {
            cmd: LedgerCmd::RegisterCosignature { database_url, note },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let store = open_store(&cfg).await?;
            ledger::register_cosignature(&store, &cfg, &note).await
        }
        Cmd::Ledger {
            cmd: LedgerCmd::Export { database_url, out },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let store = open_store(&cfg).await?;
            let f = std::fs::File::create(&out)
                .with_context(|| format!("creating {}", out.display()))?;
            let mut w = std::io::BufWriter::new(f);
            let n = ledger::export(&store, &cfg, &mut w).await?;
            std::io::Write::flush(&mut w)?;
            println!("exported {n} leaves to {}", out.display());
            Ok(())
        }
        Cmd::Ledger {
            cmd:
                LedgerCmd::Verify {
                    database_url,
                    bundle,
                    key,
                    witness,
                    witness_key,
                    log_only,
                    records_per_pass,
                },
        } => {
            let ok = match bundle {
                Some(b) => ledger::verify_bundle_file(&b, key.as_deref(), &witness, &witness_key)?,
                None => {
                    let mut cfg = load_config(cli.config.as_ref(), database_url, None)?;
                    for k in witness_key {
                        cfg.witness_keys.push(ledger::key_text(&k)?);
                    }
                    cfg.validate()?;
                    let store = open_store(&cfg).await?;
                    let how = ledger::VerifyHow {
                        log_only,
                        records_per_pass,
                    };
                    ledger::verify_store(&store, &cfg, key.as_deref(), &witness, how)
                        .await?
                        .ok()
                }
            };
            if !ok {
                std::process::exit(4);
            }
            Ok(())
        }
        Cmd::Backup { database_url, out } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            backup::backup(&cfg, &out).await
        }
        Cmd::Restore {
            from,
            to,
            key,
            witness,
        } => {
            let cfg = load_config(cli.config.as_ref(), Some(to.clone()), None)?;
            if !backup::restore(&cfg, &from, &to, key.as_deref(), &witness).await? {
                std::process::exit(4);
            }
            Ok(())
        }
        Cmd::MigrateStore { from, to, key } => {
            let cfg = load_config(cli.config.as_ref(), Some(to.clone()), None)?;
            if !move_store::run(&cfg, &from, &to, key.as_deref()).await? {
                std::process::exit(4);
            }
            Ok(())
        }
        Cmd::Bench { cmd } => bench::run(cmd).await,
        Cmd::Draw { cmd } => draw::run(cmd),
        Cmd::Proofread { files, json } => proofread::run(&files, json),
        Cmd::Feedback {
            cmd: FeedbackCmd::Key,
        } => {
            let cfg = load_config(cli.config.as_ref(), None, None)?;
            println!(
                "{}",
                ledger::load_or_create_feedback_key(&cfg)?
                    .verifier()
                    .to_text()
            );
            Ok(())
        }
        Cmd::Feedback {
            cmd: FeedbackCmd::Verify { token, verifier },
        } => {
            let key = match verifier {
                Some(v) => tianping_ledger::VerifierKey::parse(&v)
                    .with_context(|| format!("--verifier {v:?}"))?,
                None => {
                    let cfg = load_config(cli.config.as_ref(), None, None)?;
                    let path = std::path::Path::new(&cfg.feedback_key);
                    if !path.exists() {
                        bail!(
                            "no feedback key at {}: pass the court's verifier key with --verifier",
                            path.display()
                        );
                    }
                    ledger::load_or_create_feedback_key(&cfg)?.verifier()
                }
            };
            match key.open_token(&token, Utc::now().timestamp()) {
                Ok(t) => {
                    let expires = chrono::DateTime::from_timestamp(t.expires, 0)
                        .map(|d| {
                            d.with_timezone(&tianping_domain::clock::beijing())
                                .format("%Y-%m-%d %H:%M (Beijing)")
                                .to_string()
                        })
                        .unwrap_or_else(|| t.expires.to_string());
                    println!(
                        "OK: signed by {}; scope={} id={} expires {expires}",
                        key.name,
                        t.scope.as_str(),
                        t.id_hex()
                    );
                    Ok(())
                }
                Err(e) => {
                    eprintln!("REFUSED: {e}");
                    std::process::exit(4);
                }
            }
        }
    }
}
