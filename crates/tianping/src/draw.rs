//! `tianping draw`: RFC 3797 selections from the command line, and offline re-checks of an
//! exported people's-supervisor draw (no database: the record holds everything needed).

use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use tianping_domain::{draw, sample};

#[derive(Subcommand)]
pub(crate) enum DrawCmd {
    /// Print the picks of an RFC 3797 selection: positions 1…pool in the order drawn, each with
    /// the hash that chose it.
    Rfc3797 {
        /// How many are in the pool (numbered 1…N).
        #[arg(long)]
        pool: usize,
        /// How many to pick.
        #[arg(long)]
        count: usize,
        /// The key string, e.g. `9319./2.5.8.10.12./9.18.26.34.41.45./`.
        #[arg(long)]
        key: String,
        /// Also print each pick's hash.
        #[arg(long)]
        hashes: bool,
    },
    /// Recompute an exported draw (JSON: setup, source values, published result) and say
    /// whether the published result is the one its inputs give. Exit status 4 when it is not.
    Verify { record: PathBuf },
    /// Print the commitment to a secret number for a commit–reveal draw: give the commitment to
    /// the justice bureau before the draw's setup is fixed, and the number itself only after.
    Commit {
        /// The draw's label as its setup page shows it (e.g. `人民监督员抽选-12-1`).
        #[arg(long)]
        draw: String,
        /// The party, as named in the setup (e.g. 区司法局).
        #[arg(long)]
        party: String,
        /// The secret number (digits).
        #[arg(long)]
        number: String,
    },
}

pub(crate) fn run(cmd: DrawCmd) -> Result<()> {
    match cmd {
        DrawCmd::Rfc3797 {
            pool,
            count,
            key,
            hashes,
        } => {
            let picks = draw::select(&key, pool, count)?;
            if hashes {
                for (i, p) in picks.iter().enumerate() {
                    let h = sample::hex(&draw::pick_hash(&key, u16::try_from(i)?));
                    println!("{:>3}  {p:>5}  {h}", i + 1);
                }
            } else {
                let line: Vec<String> = picks.iter().map(|p| p.to_string()).collect();
                println!("{}", line.join(" "));
            }
            Ok(())
        }
        DrawCmd::Commit {
            draw: label,
            party,
            number,
        } => {
            if number.trim().is_empty() || !number.trim().chars().all(|c| c.is_ascii_digit()) {
                anyhow::bail!("--number must be digits, got {number:?}");
            }
            println!("{}", draw::commitment(&label, &party, &number));
            Ok(())
        }
        DrawCmd::Verify { record } => {
            let text = std::fs::read_to_string(&record)
                .with_context(|| format!("reading {}", record.display()))?;
            let r: draw::Record = serde_json::from_str(&text)
                .with_context(|| format!("{} is not an exported draw", record.display()))?;
            match draw::verify(&r) {
                Ok(o) => {
                    println!("key        {}", o.key);
                    println!(
                        "pool       {} members, SHA-256 {}",
                        r.setup.pool.len(),
                        r.setup.pool_sha256
                    );
                    println!("excluded   {}", r.setup.excluded.len());
                    for p in &o.picks {
                        println!(
                            "{:>3}  {:<4} {:<24} position {:>4}  {}",
                            p.order,
                            if p.alternate { "候补" } else { "选中" },
                            p.member,
                            p.position,
                            p.hash
                        );
                    }
                    println!("OK: the published result is the one its inputs give");
                    Ok(())
                }
                Err(e) => {
                    eprintln!("NOT VERIFIED: {e}");
                    std::process::exit(4);
                }
            }
        }
    }
}
