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

/// A verifier key given as its text or as a file holding it: the text.
pub fn key_text(t: &str) -> Result<String> {
    Ok(if Path::new(t).exists() {
        std::fs::read_to_string(t).with_context(|| format!("reading the key file {t}"))?
    } else {
        t.to_string()
    }
    .trim()
    .to_string())
}

fn trusted_key(text: Option<&str>, cfg: &Config) -> Result<VerifierKey> {
    Ok(match text {
        Some(t) => VerifierKey::parse(&key_text(t)?).context("--key")?,
        None => load_key(cfg)?.verifier(),
    })
}

/// `ledger witness-key`: a witness's own key, created once in `out`; prints its public key.
pub fn witness_key(name: &str, out: &Path) -> Result<()> {
    let existed = out.exists();
    let key = load_or_create(out, name, "witness key", "--name")?;
    println!("{}", key.verifier().to_text());
    eprintln!(
        "{} {}: keep it with the body, away from the servers. Give the line above (the public key) to the platform's administrators for witness_keys.",
        if existed {
            "read the witness key"
        } else {
            "created the witness key"
        },
        out.display()
    );
    Ok(())
}

fn read(path: &Path, what: &str) -> Result<String> {
    let t = std::fs::read_to_string(path)
        .with_context(|| format!("reading the {what} {}", path.display()))?;
    let t = t.replace("\r\n", "\n");
    Ok(if t.ends_with('\n') {
        t
    } else {
        format!("{t}\n")
    })
}

/// The demo's witnesses, the 杭州市人大常委会 and the 中共杭州市委政法委员会: their keys kept
/// with the demo's data (in a deployment each body keeps its own, away from the servers), their
/// public keys added to `cfg.witness_keys`, and their cosignatures on the demo's checkpoint.
pub async fn demo_witnesses(
    store: &Store,
    cfg: &mut Config,
    data: &Path,
    note: &str,
    log: &LogKey,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut signed = note.to_string();
    for (file, name) in [
        ("witness-renda.key", "杭州市人大常委会"),
        ("witness-zfw.key", "中共杭州市委政法委员会"),
    ] {
        let key = load_or_create(&data.join(file), name, "witness key", "its name")?;
        cfg.witness_keys.push(key.verifier().to_text());
        signed = tianping_ledger::witness::cosign(
            &key,
            &log.verifier(),
            &cfg.ledger_origin,
            &signed,
            None,
            &[],
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let r = store
        .register_cosignatures(
            &signed,
            &log.verifier(),
            &cfg.ledger_origin,
            &cfg.witnesses()?,
            now,
        )
        .await?;
    eprintln!(
        "ledger: checkpoint #{} cosigned by {}",
        r.checkpoint_id,
        r.witnesses.join("、")
    );
    Ok(())
}

/// `ledger consistency`: the proof from `first` to `second` leaves (default: the current size).
pub async fn print_consistency(store: &Store, first: u64, second: Option<u64>) -> Result<()> {
    let size = store.ledger_head().await?.size;
    let second = second.unwrap_or(size);
    if first > second || second > size {
        bail!("sizes must satisfy first <= second <= {size}, got first={first} second={second}");
    }
    let p = store.consistency_proof(first, second).await?;
    println!(
        "{}",
        serde_json::json!({
            "first": p.first, "first_root": p.first_root,
            "second": p.second, "second_root": p.second_root,
            "proof": p.proof,
        })
    );
    Ok(())
}

/// `ledger register-cosignature`: a witness's cosigned checkpoint into the store.
pub async fn register_cosignature(store: &Store, cfg: &Config, note: &Path) -> Result<()> {
    let r = store
        .register_cosignatures(
            &read(note, "cosigned checkpoint")?,
            &load_key(cfg)?.verifier(),
            &cfg.ledger_origin,
            &cfg.witnesses()?,
            Utc::now(),
        )
        .await?;
    println!(
        "checkpoint #{} ({} leaves): added {}; cosigned by {}",
        r.checkpoint_id,
        r.size,
        if r.added.is_empty() {
            "nothing new".to_string()
        } else {
            r.added.join(", ")
        },
        r.witnesses.join(", ")
    );
    Ok(())
}

/// The files of `ledger cosign`.
#[derive(clap::Args)]
pub struct CosignArgs {
    /// The witness's key file (from `ledger witness-key`).
    #[arg(long)]
    pub key: std::path::PathBuf,
    /// The log's verifier key (text or a file holding it), as the ledger page shows it.
    #[arg(long)]
    pub log_key: String,
    /// The checkpoint to cosign (signed note file).
    #[arg(long)]
    pub checkpoint: std::path::PathBuf,
    /// The checkpoint this witness cosigned last (its file as this command wrote it).
    #[arg(long)]
    pub previous: Option<std::path::PathBuf>,
    /// The consistency proof from the previous checkpoint's size to this one's: the JSON of
    /// `GET /api/v1/ledger/consistency?first=…&second=…`.
    #[arg(long)]
    pub proof: Option<std::path::PathBuf>,
    /// Where to write the cosigned checkpoint (default: print it).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

/// `ledger cosign`: a witness checks a checkpoint and adds its signature.
pub fn cosign(f: &CosignArgs) -> Result<()> {
    let witness = LogKey::parse_private(&read(&f.key, "witness key")?)
        .with_context(|| format!("the witness key {}", f.key.display()))?;
    let log = VerifierKey::parse(&key_text(&f.log_key)?).context("--log-key")?;
    // The log's key is named after its origin (`ledger_origin`).
    let origin = log.name.clone();
    let note = read(&f.checkpoint, "checkpoint")?;
    let previous = f
        .previous
        .as_ref()
        .map(|p| read(p, "previous checkpoint"))
        .transpose()?;
    let proof = match (&previous, &f.proof) {
        (Some(prev), Some(p)) => {
            let json: serde_json::Value = serde_json::from_str(&read(p, "consistency proof")?)
                .with_context(|| format!("{} is not JSON", p.display()))?;
            let sizes = |n: &str| {
                VerifierKey::open(&log, n)
                    .map(|c| c.size)
                    .map_err(|e| anyhow::anyhow!("{e}"))
            };
            let (first, second) = (sizes(prev)?, sizes(&note)?);
            if json["first"].as_u64() != Some(first) || json["second"].as_u64() != Some(second) {
                bail!(
                    "{} proves {} → {} leaves; the checkpoints need {first} → {second} (GET /api/v1/ledger/consistency?first={first}&second={second})",
                    p.display(),
                    json["first"],
                    json["second"]
                );
            }
            json["proof"]
                .as_array()
                .context("the consistency proof has no \"proof\" list")?
                .iter()
                .map(|h| {
                    h.as_str()
                        .and_then(tianping_ledger::Hash::from_hex)
                        .with_context(|| format!("{h} in the proof is not a hex hash"))
                })
                .collect::<Result<Vec<_>>>()?
        }
        _ => vec![],
    };
    let signed = tianping_ledger::witness::cosign(
        &witness,
        &log,
        &origin,
        &note,
        previous.as_deref(),
        &proof,
    )
    .map_err(|e| anyhow::anyhow!("not cosigned: {e}"))?;
    let size = log.open(&signed).map(|c| c.size).unwrap_or_default();
    match &f.out {
        Some(p) => {
            std::fs::write(p, &signed).with_context(|| format!("writing {}", p.display()))?;
            eprintln!(
                "{} cosigned the checkpoint of {size} leaves: {}",
                witness.name(),
                p.display()
            );
        }
        None => print!("{signed}"),
    }
    Ok(())
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

/// What each witness cosigned, a line each.
fn print_cosigned(cosigned: &[tianping_ledger::Cosigned], checkpoints: u64) {
    for w in cosigned {
        match w.latest_size {
            Some(n) => println!(
                "witness {}: cosigned {} of the {checkpoints} checkpoints, the latest at {n} leaves",
                w.witness, w.checkpoints
            ),
            None => println!(
                "witness {}: cosigned none of the {checkpoints} checkpoints",
                w.witness
            ),
        }
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
    let witness_keys = cfg.witnesses()?;
    let started = std::time::Instant::now();
    let mut rep = store
        .verify_ledger_with_pass_size(
            &VerifyOptions {
                key: Some(&key),
                origin: &cfg.ledger_origin,
                records: !log_only,
                witnesses: &witnesses,
                witness_keys: &witness_keys,
            },
            how.records_per_pass,
        )
        .await?;
    // With the records: the cases' projections re-derived from the verified events.
    let rederived = if log_only {
        None
    } else {
        let r = store.rederive_projections().await?;
        rep.findings.extend(r.findings.iter().cloned());
        Some(r)
    };
    let secs = started.elapsed().as_secs_f64();
    println!(
        "ledger {}: {} leaves, root {}; checked {} subtrees, {} checkpoints, {} witness checkpoints, {} records ({} passes), {} cases' rows, clocks, rule-raised flags and metric facts re-derived from their events, metric totals summed from the facts, in {:.2} s",
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
        println!("projections not re-derived: {why}");
    }
    if let Some(why) = rederived.as_ref().and_then(|r| r.flags_skipped.as_ref()) {
        println!("flags not re-derived: {why}");
    }
    print_cosigned(&rep.cosigned, rep.checkpoints_checked);
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
    witness_keys: &[String],
) -> Result<bool> {
    let key = match key {
        Some(k) => Some(trusted_key(Some(k), &Config::default())?),
        None => None,
    };
    let witnesses = read_witnesses(witness_files)?;
    let witness_keys = Config {
        witness_keys: witness_keys
            .iter()
            .map(|k| key_text(k))
            .collect::<Result<_>>()?,
        ..Config::default()
    }
    .witnesses()?;
    let witness_keys = &witness_keys[..];
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let lines = std::io::BufReader::new(f)
        .lines()
        .map(|l| l.map_err(|e| e.to_string()));
    let rep = tianping_ledger::verify_bundle(lines, key.as_ref(), &witnesses, witness_keys)
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
    print_cosigned(&rep.cosigned, rep.checkpoints);
    if rep.ok() {
        println!("OK: the bundle is a consistent log");
    } else {
        println!("FAILED: {} findings", rep.findings.len());
        print_findings(&rep.findings);
    }
    Ok(rep.ok())
}
