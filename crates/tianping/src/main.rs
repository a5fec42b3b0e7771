//! The `tianping` binary: serve, demo, import, migrate, user add, rules check, bench.

/// mimalloc: glibc's allocator spent a fifth of bulk-ingest time consolidating free lists, growing
/// with the heap (see docs/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod config;
mod demo;
mod import;

use anyhow::{Context, Result, bail};
use chrono::Utc;
use clap::{Parser, Subcommand};
use config::Config;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use tianping_domain::{Clearance, Role};
use tianping_server::{AppState, SystemClock, auth};
use tianping_store::Store;
use tianping_store::user::NewUser;

#[derive(Parser)]
#[command(
    name = "tianping",
    version,
    about = "天平 Tianping — judicial supervision platform"
)]
struct Cli {
    /// TOML configuration file (default: ./tianping.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the API and the UI.
    Serve {
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        listen: Option<String>,
    },
    /// Create a synthetic province in a fresh SQLite file, print one login per role, and serve it.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Directory for the demo database (its tianping.db is recreated on every run).
        #[arg(long, default_value = "tianping-data")]
        data: PathBuf,
        /// Number of primary cases to generate (appeals, remands and prosecution files add more).
        #[arg(long, default_value_t = 20_000)]
        cases: usize,
        #[arg(long, default_value_t = 20_261_122)]
        seed: u64,
        /// One password for every demo login (default: a random one per login, printed).
        #[arg(long, env = "TIANPING_DEMO_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Load the province into this database instead of DIR/tianping.db (e.g. an empty
        /// PostgreSQL database). It must be empty: the demo never deletes anything there.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Manage organisations.
    Org {
        #[command(subcommand)]
        cmd: OrgCmd,
    },
    /// Import procedural events from a JSONL or CSV file (idempotent by source event id).
    Import {
        file: PathBuf,
        #[arg(long)]
        database_url: Option<String>,
        /// jsonl or csv (default: from the file extension).
        #[arg(long)]
        format: Option<String>,
    },
    /// Apply pending database migrations.
    Migrate {
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Check the rule tables in rules/.
    Rules {
        #[command(subcommand)]
        cmd: RulesCmd,
    },
    /// Benchmarks; each prints a table and a last line `RESULT name key=value …`.
    Bench {
        #[command(subcommand)]
        cmd: bench::BenchCmd,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user; the password is read from stdin (--password-stdin) or generated and printed.
    Add {
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// Organisation id, e.g. court-330102.
        #[arg(long)]
        org: String,
        /// One of: judge, division_chief, president, case_office, plc_supervisor, pc_supervisor,
        /// deputy, justice_admin, people_supervisor, sysadmin, secadmin, auditor.
        #[arg(long)]
        role: String,
        /// Comma-separated confidentiality levels: minors, state_secret, trade_secret, privacy.
        #[arg(long, default_value = "")]
        clearance: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum OrgCmd {
    /// Add an organisation to the tree.
    Add {
        #[arg(long)]
        database_url: Option<String>,
        /// Stable id, e.g. court-330102.
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// court, procuratorate, police, justice_bureau, peoples_congress, political_legal_committee.
        #[arg(long)]
        kind: String,
        /// province, city or county.
        #[arg(long)]
        level: String,
        /// Region path of administrative division codes, e.g. /33/3301/330102/.
        #[arg(long)]
        region_path: String,
        #[arg(long)]
        parent: Option<String>,
        /// 法院代字 for courts, e.g. 浙0102.
        #[arg(long)]
        court_code: Option<String>,
    },
    /// List organisations (id, kind, level, region path, name).
    List {
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Subcommand)]
enum RulesCmd {
    /// Validate the rule tables.
    Check,
}

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

async fn open_store(url: &str) -> Result<Store> {
    let store = Store::connect(url)
        .await
        .with_context(|| format!("connecting to {}", tianping_store::redact_url(url)))?;
    let applied = store.migrate().await.context("applying migrations")?;
    for m in applied {
        tracing::info!(migration = %m, "applied migration");
    }
    Ok(store)
}

async fn serve(store: Store, cfg: &Config, ready: impl FnOnce(&str)) -> Result<()> {
    let state = AppState {
        store,
        clock: Arc::new(SystemClock),
        policy: cfg.policy(),
    };
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("listening on {}", cfg.listen))?;
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| cfg.listen.clone());
    tracing::info!(%addr, "serving");
    ready(&addr);
    tianping_server::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("server")?;
    Ok(())
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
            let store = open_store(&cfg.database_url).await?;
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
            let store = open_store(&cfg.database_url).await?;
            if !store.org_directory().await?.by_id.is_empty() {
                bail!(
                    "{} already holds organisations: the demo loads only into an empty database",
                    tianping_store::redact_url(&cfg.database_url)
                );
            }
            let now = Utc::now();
            let province = demo::province(seed);
            for o in &province.orgs {
                store.insert_org(o).await?;
            }
            let mut logins = vec![];
            for u in demo::users(&province) {
                let pw = match &password {
                    Some(p) => p.clone(),
                    None => random_password()?,
                };
                let hash = auth::hash_password(&pw).map_err(|e| anyhow::anyhow!("{e}"))?;
                store
                    .insert_user(
                        &NewUser {
                            username: u.username.into(),
                            display_name: u.display_name.clone(),
                            org_id: u.org_id.clone(),
                            role: u.role,
                            clearance: u.clearance.clone(),
                            email: None,
                            password_hash: hash,
                        },
                        now,
                    )
                    .await?;
                let org = province
                    .orgs
                    .iter()
                    .find(|o| o.id == u.org_id)
                    .map_or("", |o| o.name.as_str());
                logins.push((u.role, u.username, pw, org.to_string()));
            }
            eprintln!("generating {cases} cases (seed {seed}) …");
            let events = demo::generate(&province, cases, seed, now);
            let numbered: Vec<tianping_store::Numbered> = events
                .into_iter()
                .enumerate()
                .map(|(i, record)| tianping_store::Numbered {
                    line: i as u64 + 1,
                    record,
                })
                .collect();
            let bar = indicatif::ProgressBar::new(numbered.len() as u64);
            let started = std::time::Instant::now();
            let mut total = tianping_store::IngestReport::default();
            for chunk in numbered.chunks(20_000) {
                total.merge(
                    store
                        .ingest(chunk, &tianping_store::Actor::system("demo"), now)
                        .await?,
                );
                bar.inc(chunk.len() as u64);
            }
            bar.finish_and_clear();
            if let Some(r) = total.rejected.first() {
                bail!(
                    "the demo generator produced an invalid event (line {}, case {}: {} {}): {}",
                    r.line,
                    r.case_number,
                    r.code,
                    r.field,
                    r.reason
                );
            }
            let (c, e) = store.counts().await?;
            eprintln!(
                "loaded {c} cases and {e} events in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            serve(store, &cfg, |addr| {
                println!("\n天平 Tianping demo is ready: http://{addr}/\n");
                println!("{:<18} {:<12} {:<16} 单位", "role", "username", "password");
                for (role, user, pw, org) in &logins {
                    println!(
                        "{:<18} {:<12} {:<16} {}（{}）",
                        role.as_str(),
                        user,
                        pw,
                        org,
                        role.zh()
                    );
                }
                println!();
            })
            .await
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
            let store = open_store(&cfg.database_url).await?;
            let started = std::time::Instant::now();
            let report = import::import_file(&store, &file, fmt, Utc::now(), false).await?;
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
            let store = open_store(&cfg.database_url).await?;
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
            let store = open_store(&cfg.database_url).await?;
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
                .insert_org(&tianping_store::org::Org {
                    id: id.clone(),
                    parent_id: parent,
                    name,
                    kind,
                    level,
                    region_code,
                    region_path,
                    court_code,
                })
                .await?;
            println!("added organisation {id}");
            Ok(())
        }
        Cmd::Org {
            cmd: OrgCmd::List { database_url },
        } => {
            let cfg = load_config(cli.config.as_ref(), database_url, None)?;
            let store = open_store(&cfg.database_url).await?;
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
            let n = tianping_domain::case_type::check_table().map_err(|e| anyhow::anyhow!(e))?;
            let (source, status) = tianping_domain::case_type::source();
            println!("rules/case-types.toml: {n} type codes, source {source} [{status}]");
            println!("ok");
            Ok(())
        }
        Cmd::Bench { cmd } => bench::run(cmd).await,
    }
}
