//! `tianping ledger …`: the signing key, checkpoints, the bundle export and the verifiers.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use std::io::{BufRead, Write};
use std::path::Path;
use tianping_ledger::bundle::{BUNDLE_FORMAT, Header, Line};
use tianping_ledger::{LogKey, VerifierKey};
use tianping_store::Store;
use tianping_store::ledger::{VerifyOptions, VerifyReport};

/// Loads the ledger's signing key from `cfg.ledger_key`, creating it (mode 0600) if missing.
pub fn load_or_create_key(cfg: &Config) -> Result<LogKey> {
    load_or_create(
        Path::new(&cfg.ledger_key),
        &cfg.ledger_origin,
        "ledger key",
        "ledger_origin",
    )
}

/// The name of the key that signs rating tokens: the ledger's origin with `/feedback`.
pub fn feedback_key_name(cfg: &Config) -> String {
    format!("{}/feedback", cfg.ledger_origin.trim_end_matches('/'))
}

/// Loads the key that signs the public's rating tokens from `cfg.feedback_key`, creating it
/// (mode 0600) if missing. It is not the ledger's: the web process that issues tokens holds it,
/// and whoever takes that process can forge ratings but never a checkpoint.
pub fn load_or_create_feedback_key(cfg: &Config) -> Result<LogKey> {
    load_or_create(
        Path::new(&cfg.feedback_key),
        &feedback_key_name(cfg),
        "feedback key",
        "ledger_origin",
    )
}

/// A signing key named `name` from `path`, created there (mode 0600) when missing.
fn load_or_create(path: &Path, name: &str, what: &str, setting: &str) -> Result<LogKey> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the {what} {}", path.display()))?;
        let key = LogKey::parse_private(&text)
            .with_context(|| format!("the {what} {}", path.display()))?;
        if key.name() != name {
            bail!(
                "the {what} {} is for {:?}, but {setting} makes it {:?}",
                path.display(),
                key.name(),
                name
            );
        }
        return Ok(key);
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
    let key = LogKey::from_seed(name, seed)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating the {what} {}", path.display()))?;
    writeln!(f, "{}", key.private_text())?;
    tracing::info!(path = %path.display(), verifier = %key.verifier().to_text(), "created the {what}");
    Ok(key)
}

/// Loads the ledger's signing key; unlike [`load_or_create_key`], a missing key is an error (a
/// verifier must never mint a new key and then report every checkpoint as forged).
pub fn load_key(cfg: &Config) -> Result<LogKey> {
    if !Path::new(&cfg.ledger_key).exists() {
        bail!(
            "no ledger key at {}: set ledger_key (TIANPING_LEDGER_KEY) to the log's key file, or pass --key with its verifier key",
            cfg.ledger_key
        );
    }
    load_or_create_key(cfg)
}

/// Signs a checkpoint if the last one is older than `checkpoint_hours` and the log grew.
pub async fn maybe_checkpoint(
    store: &Store,
    key: &LogKey,
    cfg: &Config,
    now: DateTime<Utc>,
) -> Result<bool> {
    if cfg.checkpoint_hours <= 0 {
        return Ok(false);
    }
    let head = store.ledger_head().await?;
    let last = store.checkpoints(1).await?;
    let due = match last.first() {
        None => head.size > 0,
        Some(c) => {
            let at = tianping_store::parse_ts(&c.created_at)?;
            c.size < head.size && now - at >= chrono::Duration::hours(cfg.checkpoint_hours)
        }
    };
    if due {
        let c = store.checkpoint(key, &cfg.ledger_origin, now).await?;
        tracing::info!(size = c.size, root = %c.root, "signed a ledger checkpoint");
    }
    Ok(due)
}

/// Writes the bundle: header, checkpoints (oldest first), every leaf in order.
pub async fn export(store: &Store, cfg: &Config, out: &mut impl Write) -> Result<u64> {
    let key = load_key(cfg)?;
    // The head is read first: leaves appended meanwhile are left out, so the header is exact.
    let head = store.ledger_head().await?;
    let root = store.ledger_root_at(head.size).await?;
    let header = Header {
        format: BUNDLE_FORMAT.into(),
        origin: cfg.ledger_origin.clone(),
        verifier_key: key.verifier().to_text(),
        size: head.size,
        root: root.to_hex(),
    };
    writeln!(out, "{}", serde_json::to_string(&header)?)?;
    let mut cps = store.checkpoints(i64::MAX).await?;
    cps.reverse();
    for c in cps.iter().filter(|c| c.size <= head.size) {
        let line = Line::Checkpoint {
            checkpoint: c.note.clone(),
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    let mut next = 0u64;
    while next < head.size {
        let page = store.ledger_page(next, 20_000).await?;
        if page.is_empty() {
            break;
        }
        for (idx, data, _) in page {
            if idx >= head.size {
                break;
            }
            writeln!(
                out,
                "{}",
                serde_json::to_string(&Line::Leaf { leaf: data })?
            )?;
            next = idx + 1;
        }
    }
    Ok(next)
}

fn read_witnesses(files: &[std::path::PathBuf]) -> Result<Vec<String>> {
    files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .with_context(|| format!("reading the witness checkpoint {}", f.display()))
        })
        .collect()
}

fn trusted_key(text: Option<&str>, cfg: &Config) -> Result<VerifierKey> {
    Ok(match text {
        Some(t) => {
            let t = if Path::new(t).exists() {
                std::fs::read_to_string(t)?
            } else {
                t.to_string()
            };
            VerifierKey::parse(t.trim()).context("--key")?
        }
        None => load_key(cfg)?.verifier(),
    })
}

fn print_findings(findings: &[tianping_ledger::Finding]) {
    if let Some(f) = findings.first() {
        println!(
            "FIRST MISMATCH: {} — leaf {} record {} — {}",
            f.code,
            f.leaf.map_or("-".to_string(), |l| l.to_string()),
            f.record.as_deref().unwrap_or("-"),
            f.detail
        );
    }
    for f in findings.iter().take(50) {
        println!(
            "  {:<22} leaf {:>8}  {:<24} {}",
            f.code,
            f.leaf.map_or("-".to_string(), |l| l.to_string()),
            f.record.as_deref().unwrap_or("-"),
            f.detail
        );
    }
    if findings.len() > 50 {
        println!("  … and {} more", findings.len() - 50);
    }
}

/// What `verify_store` checks, and in how much memory.
#[derive(Debug, Clone, Copy)]
pub struct VerifyHow {
    /// The log and checkpoints only, not the records (nor the clocks re-derived).
    pub log_only: bool,
    /// At most this many records held in memory at once.
    pub records_per_pass: u64,
}

impl VerifyHow {
    /// Everything, in the default memory.
    pub const FULL: VerifyHow = VerifyHow {
        log_only: false,
        records_per_pass: tianping_store::ledger::RECORDS_PER_PASS,
    };
}

/// `ledger verify` against the store. Returns the report (the caller sets the exit status).
pub async fn verify_store(
    store: &Store,
    cfg: &Config,
    key: Option<&str>,
    witness_files: &[std::path::PathBuf],
    how: VerifyHow,
) -> Result<VerifyReport> {
    let log_only = how.log_only;
    let key = trusted_key(key, cfg)?;
    let witnesses = read_witnesses(witness_files)?;
    let started = std::time::Instant::now();
    let mut rep = store
        .verify_ledger_with_pass_size(
            &VerifyOptions {
                key: Some(&key),
                origin: &cfg.ledger_origin,
                records: !log_only,
                witnesses: &witnesses,
            },
            how.records_per_pass,
        )
        .await?;
    // With the records: the clocks re-derived from the verified events.
    let rederived = if log_only {
        None
    } else {
        let r = store.rederive_clocks().await?;
        rep.findings.extend(r.findings.iter().cloned());
        Some(r)
    };
    let secs = started.elapsed().as_secs_f64();
    println!(
        "ledger {}: {} leaves, root {}; checked {} subtrees, {} checkpoints, {} witness checkpoints, {} records ({} passes), {} live cases' clocks re-derived from their events in {:.2} s",
        cfg.ledger_origin,
        rep.size,
        rep.root,
        rep.nodes_checked,
        rep.checkpoints_checked,
        witnesses.len(),
        rep.records_checked,
        rep.record_passes,
        rederived.as_ref().map_or(0, |r| r.cases),
        secs
    );
    if let Some(why) = rederived.as_ref().and_then(|r| r.skipped.as_ref()) {
        println!("clocks not re-derived: {why}");
    }
    if rep.ok() {
        println!("OK: the store matches the log");
    } else {
        println!("FAILED: {} findings", rep.findings.len());
        print_findings(&rep.findings);
    }
    Ok(rep)
}

/// `ledger verify --bundle FILE`: offline, no database.
pub fn verify_bundle_file(
    path: &Path,
    key: Option<&str>,
    witness_files: &[std::path::PathBuf],
) -> Result<bool> {
    let key = match key {
        Some(k) => Some(trusted_key(Some(k), &Config::default())?),
        None => None,
    };
    let witnesses = read_witnesses(witness_files)?;
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let lines = std::io::BufReader::new(f)
        .lines()
        .map(|l| l.map_err(|e| e.to_string()));
    let rep = tianping_ledger::verify_bundle(lines, key.as_ref(), &witnesses)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    println!(
        "bundle {}: {} leaves, root {}; {} checkpoints, {} witness checkpoints{}",
        rep.origin,
        rep.size,
        rep.root,
        rep.checkpoints,
        witnesses.len(),
        if key.is_none() {
            " (key taken from the bundle itself: pass --key to check against a key you kept)"
        } else {
            ""
        }
    );
    if rep.ok() {
        println!("OK: the bundle is a consistent log");
    } else {
        println!("FAILED: {} findings", rep.findings.len());
        print_findings(&rep.findings);
    }
    Ok(rep.ok())
}
