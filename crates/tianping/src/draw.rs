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
