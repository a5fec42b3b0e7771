//! `tianping backup` and `tianping restore`: a consistent copy of a store taken while it serves,
//! and a restore that proves itself — the restored store is checked record by record against its
//! ledger, as `tianping ledger verify` does, and the command fails (exit 4) on any mismatch.
//!
//! - SQLite: `VACUUM INTO` writes a consistent, compacted copy of the database file inside one
//!   read transaction (writers go on meanwhile, in WAL mode); restoring copies it into place.
//! - PostgreSQL: `pg_dump --format=custom` (one snapshot of the whole database); restoring runs
//!   `pg_restore` into a new, empty database.
//!
//! A backup never overwrites a file and a restore never writes into a store that holds anything:
//! the one thing a recovery must not do is destroy the copy it recovers from. A SQLite backup
//! restores to `sqlite://`, a PostgreSQL dump to `postgres://`; a SQLite store moves to PostgreSQL
//! with `migrate-store` (`move_store.rs`).

use crate::config::Config;
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::time::Instant;
use tianping_store::{Backend, Store, redact_url};

/// The first bytes of a SQLite database file and of a `pg_dump --format=custom` archive.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const PG_DUMP_MAGIC: &[u8] = b"PGDMP";

/// `tianping backup --out FILE`: writes the configured store's backup to `out` (which must not
/// exist) and prints what it holds.
pub async fn backup(cfg: &Config, out: &Path) -> Result<()> {
    if out.exists() {
        bail!(
            "{} already exists: a backup never overwrites a file (choose a new name)",
            out.display()
        );
    }
    let url = &cfg.database_url;
    let store = Store::connect(url)
        .await
        .with_context(|| format!("connecting to {}", redact_url(url)))?;
    let started = Instant::now();
    let before = store.ledger_head().await?;
    match store.backend() {
        Backend::Sqlite => {
            let path = out
                .to_str()
                .with_context(|| format!("{} is not a UTF-8 path", out.display()))?;
            sqlx::query("VACUUM INTO $1")
                .bind(path)
                .execute(store.pool())
                .await
                .context("writing the SQLite backup (VACUUM INTO)")?;
            // What the copy holds, read from the copy itself.
            let copy = Store::connect(&format!("sqlite://{path}"))
                .await
                .context("opening the backup")?;
            let head = copy.ledger_head().await?;
            copy.pool().close().await;
            report(out, head.size, &head.root, started)?;
        }
        Backend::Postgres => {
            let status = std::process::Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(out)
                .arg(url)
                .status()
                .context("running pg_dump (is postgresql-client installed?)")?;
            if !status.success() {
                bail!("pg_dump failed ({status}); no backup was written");
            }
            // The dump's snapshot was taken after this head was read: it holds at least these
            // leaves (a restore prints the exact root it verifies).
            println!(
                "the ledger had {} leaves (root {}) when the dump began",
                before.size, before.root
            );
            report(out, before.size, &before.root, started)?;
        }
    }
    Ok(())
}

fn report(out: &Path, leaves: u64, root: &str, started: Instant) -> Result<()> {
    let bytes = std::fs::metadata(out)
        .with_context(|| format!("reading {}", out.display()))?
        .len();
    println!(
        "backup {}: {bytes} bytes, ledger of {leaves} leaves, root {root}, written in {:.2} s",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `tianping restore --from FILE --to URL`: restores a backup into a new store, applies the
/// migrations a newer release brings, and verifies every record against the ledger. Returns
/// whether the verification passed.
pub async fn restore(
    cfg: &Config,
    from: &Path,
    to: &str,
    key: Option<&str>,
    witnesses: &[std::path::PathBuf],
) -> Result<bool> {
    let mut head = [0u8; 16];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(from)
            .with_context(|| format!("opening the backup {}", from.display()))?;
        let n = f.read(&mut head)?;
        if n < PG_DUMP_MAGIC.len() {
            bail!("{} is not a Tianping backup (too short)", from.display());
        }
    }
    let started = Instant::now();
    if head.starts_with(SQLITE_MAGIC) {
        let Some(file) = to.strip_prefix("sqlite://") else {
            bail!(
                "{} is a SQLite backup: restore it to sqlite://FILE (moving a store to PostgreSQL is migrate-store's work)",
                from.display()
            );
        };
        let file = file.split('?').next().unwrap_or(file);
        if Path::new(file).exists() {
            bail!("{file} already exists: a restore never writes over a store");
        }
        std::fs::copy(from, file).with_context(|| format!("copying the backup to {file}"))?;
    } else if head.starts_with(PG_DUMP_MAGIC) {
        if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
            bail!(
                "{} is a PostgreSQL dump: restore it to postgres://…/NEW_DATABASE",
                from.display()
            );
        }
        create_empty_database(to).await?;
        let out = std::process::Command::new("pg_restore")
            .args(["--no-owner", "--exit-on-error", "--dbname", to])
            .arg(from)
            .output()
            .context("running pg_restore (is postgresql-client installed?)")?;
        if !out.status.success() {
            bail!(
                "pg_restore failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    } else {
        bail!(
            "{} is neither a SQLite backup nor a PostgreSQL dump written by `tianping backup`",
            from.display()
        );
    }
    let copied = started.elapsed().as_secs_f64();
    let store = Store::connect(to)
        .await
        .with_context(|| format!("connecting to {}", redact_url(to)))?;
    for m in store.migrate().await.context("applying migrations")? {
        println!("applied migration {m}");
    }
    println!(
        "restored {} into {} in {copied:.2} s; verifying every record against the ledger",
        from.display(),
        redact_url(to)
    );
    let rep =
        crate::ledger::verify_store(&store, cfg, key, witnesses, crate::ledger::VerifyHow::FULL)
            .await?;
    println!(
        "restore took {:.2} s in all (copy and verification)",
        started.elapsed().as_secs_f64()
    );
    Ok(rep.ok())
}

/// Creates the database `url` names, which must not exist or be empty.
async fn create_empty_database(url: &str) -> Result<()> {
    let (server, name) = url
        .rsplit_once('/')
        .context("the PostgreSQL URL names no database")?;
    let name = name.split('?').next().unwrap_or(name);
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        bail!("database name {name:?}: use letters, digits, - and _ only");
    }
    let admin = Store::connect(&format!("{server}/postgres"))
        .await
        .with_context(|| format!("connecting to {}/postgres", redact_url(server)))?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(admin.pool())
        .await?;
    if exists.is_none() {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(admin.pool())
            .await
            .with_context(|| format!("creating database {name}"))?;
    }
    admin.pool().close().await;
    let target = Store::connect(url).await?;
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(target.pool())
    .await?;
    target.pool().close().await;
    if tables > 0 {
        bail!("database {name} holds {tables} tables: a restore never writes over a store");
    }
    Ok(())
}
