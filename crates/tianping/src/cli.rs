//! The command line: every command and its options, as `tianping --help` shows them.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "tianping",
    version,
    about = "天平 Tianping — judicial supervision platform"
)]
pub(crate) struct Cli {
    /// TOML configuration file (default: ./tianping.toml if present).
    #[arg(long, global = true)]
    pub(crate) config: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) cmd: Cmd,
}

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Serve the API and the UI.
    Serve {
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        listen: Option<String>,
    },
    /// Run the clock worker alone (poller, escalation, digests, mail): scale out by running
    /// several against one PostgreSQL database.
    Worker {
        #[arg(long)]
        database_url: Option<String>,
        /// One tick, then exit (cron-style; also how tests drive it).
        #[arg(long)]
        once: bool,
        /// Act as if it were this instant (RFC 3339), e.g. to replay a day; default: now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Text messages (短信) through the gateway configured as `sms_url`.
    Sms {
        #[command(subcommand)]
        cmd: SmsCmd,
    },
    /// The holiday calendar: import a newly published year.
    Calendar {
        #[command(subcommand)]
        cmd: CalendarCmd,
    },
    /// Statutory clocks: self-check and full re-computation.
    Clocks {
        #[command(subcommand)]
        cmd: ClocksCmd,
    },
    /// The tamper-evident ledger: signing key, checkpoints, bundle export, verification.
    Ledger {
        #[command(subcommand)]
        cmd: LedgerCmd,
    },
    /// The public's rating codes (司法公正码): the key that signs their tokens, and checking a
    /// token offline.
    Feedback {
        #[command(subcommand)]
        cmd: FeedbackCmd,
    },
    /// People's supervisors' draws (RFC 3797): compute a selection, or re-check an exported draw
    /// offline.
    Draw {
        #[command(subcommand)]
        cmd: crate::draw::DrawCmd,
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
    /// Import prior judgments for similar-case retrieval: JSONL in the schema of LeCaRD's
    /// candidates (`.gz` accepted), idempotent by (source, id).
    ImportJudgments {
        file: PathBuf,
        /// Where the judgments come from (part of their identity).
        #[arg(long, default_value = "lecard")]
        source: String,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Write a consistent backup of the store while it serves (SQLite: VACUUM INTO; PostgreSQL:
    /// pg_dump). Never overwrites a file.
    Backup {
        #[arg(long)]
        database_url: Option<String>,
        /// The backup file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into a new store and verify every record against the ledger (exit
    /// status 4 on any mismatch).
    Restore {
        /// The backup `tianping backup` wrote.
        #[arg(long)]
        from: PathBuf,
        /// The new store: sqlite://FILE (must not exist) or postgres://…/DB (created, or empty).
        #[arg(long)]
        to: String,
        /// The verifier key you trust (text or a file holding it); default: the configured
        /// signing key's.
        #[arg(long)]
        key: Option<String>,
        /// A checkpoint kept elsewhere (signed note file); the restored log must extend it.
        #[arg(long)]
        witness: Vec<PathBuf>,
    },
    /// Move a whole SQLite store into a new PostgreSQL database and prove it: the target is
    /// verified against its ledger and its root must equal the source's (exit status 4 if not).
    MigrateStore {
        /// The store to move: sqlite://FILE.
        #[arg(long)]
        from: String,
        /// The new store: postgres://USER@HOST/DB (an empty database).
        #[arg(long)]
        to: String,
        /// The verifier key you trust; default: the configured signing key's.
        #[arg(long)]
        key: Option<String>,
    },
    /// Recompute the quality totals (metric facts and totals) from every case's events, for when
    /// `ledger verify` names a total or a pending change that differs; safe while the servers run
    /// (their writes of metrics wait until it ends).
    RebuildMetrics {
        #[arg(long)]
        database_url: Option<String>,
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
    /// Proofread judgments (UTF-8 text or DOCX): the 案号, the sections, the order of dates,
    /// figures against 大写, the appeal notice, the term against custody credit, identity numbers.
    Proofread {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// One JSON object per document: {"id", "findings": [{"kind", "rule", "start", "end",
        /// "text", "message", "suggestion"}]}, offsets in characters.
        #[arg(long)]
        json: bool,
    },
    /// Benchmarks; each prints a table and a last line `RESULT name key=value …`.
    Bench {
        #[command(subcommand)]
        cmd: crate::bench::BenchCmd,
    },
}

#[derive(Subcommand)]
pub(crate) enum UserCmd {
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
pub(crate) enum OrgCmd {
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
pub(crate) enum RulesCmd {
    /// Validate the rule tables (case types, limits, calendar) — the built-in ones, or those of
    /// `rules_dir` when configured.
    Check,
}

#[derive(Subcommand)]
pub(crate) enum CalendarCmd {
    /// Import one or more years (`[[year]]` tables as in rules/calendar/cn-holidays.toml) into the
    /// database; open clocks are re-computed and moved due dates recorded for the case office.
    Import {
        file: PathBuf,
        #[arg(long)]
        database_url: Option<String>,
        /// Replace years already published (without it, the import refuses and lists the due
        /// dates the replacement would move).
        #[arg(long)]
        replace: bool,
    },
    /// List the calendar's years and which are provisional.
    Show {
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Subcommand)]
pub(crate) enum FeedbackCmd {
    /// Print the verifier (public) key of the rating tokens, creating the signing key on first
    /// use (`feedback_key`); publish it so that anyone can check a code.
    Key,
    /// Check that a rating token (or the URL of its QR code) was signed by the court's key and has
    /// not expired; prints its scope, id and expiry (exit status 4 when refused).
    Verify {
        /// The token, or the whole URL read from the QR code.
        token: String,
        /// The court's verifier key (`tianping feedback key` prints it); default: the configured
        /// feedback key's.
        #[arg(long)]
        verifier: Option<String>,
    },
}

#[derive(Subcommand)]
pub(crate) enum SmsCmd {
    /// Queue a text message to a mobile number, e.g. to check the gateway after configuring it;
    /// the next worker tick sends it (`tianping worker --once` prints texts_sent / texts_failed).
    Send {
        #[arg(long)]
        database_url: Option<String>,
        /// A mainland mobile number.
        #[arg(long)]
        to: String,
        #[arg(
            long,
            default_value = "【天平】短信网关测试：收到本短信说明平台短信通知已可正常发送。"
        )]
        text: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum ClocksCmd {
    /// List clocks that should have fired and did not (exit status 3 if any).
    SelfCheck {
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Re-compute the clocks of every open case (rows that did not change are left alone).
    Recompute {
        #[arg(long)]
        database_url: Option<String>,
        /// Rewrite every row, changed or not.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum LedgerCmd {
    /// Print the log's verifier (public) key, for the bodies that keep checkpoints as witnesses.
    Key,
    /// Sign a checkpoint of the current log and store it; print the signed note (or write it to
    /// --out, for a supervising body to keep).
    Checkpoint {
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// For a supervising body (人大常委会, 政法委) that cosigns checkpoints as a witness: create
    /// its own signing key in --out (mode 0600; kept by the body, never on the servers) and print
    /// its public key, for the platform's `witness_keys`. An existing key file is only read.
    WitnessKey {
        /// The body's name as verifiers will read it, e.g. 杭州市人大常委会 (no spaces or '+').
        #[arg(long)]
        name: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// As a witness: check a checkpoint (signed note, from the ledger page's 签名文本) with the
    /// log's key and — after the first time — that it extends the last one this witness signed;
    /// then add the witness's signature. The result goes to the platform's 登记见证签名 (or
    /// `POST /api/v1/ledger/cosignatures`); keep it as --previous for the next time.
    Cosign(crate::ledger::CosignArgs),
    /// Print the consistency proof between two tree sizes as JSON (the form `ledger cosign
    /// --proof` reads, the same as `GET /api/v1/ledger/consistency`).
    Consistency {
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        first: u64,
        /// Default: the current size.
        #[arg(long)]
        second: Option<u64>,
    },
    /// Take a witness's cosigned checkpoint (from `ledger cosign`) into the stored checkpoint;
    /// only cosignatures by the configured `witness_keys` are taken.
    RegisterCosignature {
        #[arg(long)]
        database_url: Option<String>,
        /// The cosigned checkpoint (signed note file).
        #[arg(long)]
        note: PathBuf,
    },
    /// Export the log as a bundle (header, signed checkpoints, every leaf) for offline checks.
    Export {
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Check the whole store against the log (exit status 4 on any mismatch, naming the first);
    /// with --bundle, check an exported bundle offline, without a database.
    Verify {
        #[arg(long)]
        database_url: Option<String>,
        /// An exported bundle to verify instead of the database.
        #[arg(long)]
        bundle: Option<PathBuf>,
        /// The verifier key you trust (text or a file holding it); default: the configured
        /// signing key's (for the store) or the bundle's own.
        #[arg(long)]
        key: Option<String>,
        /// A checkpoint kept elsewhere (signed note file); the log must extend it. Repeatable.
        #[arg(long)]
        witness: Vec<PathBuf>,
        /// A witness's public key (text or a file holding it), beside those of `witness_keys`
        /// (for a bundle: instead of them): the report names which checkpoints it cosigned.
        /// Repeatable.
        #[arg(long)]
        witness_key: Vec<String>,
        /// Check the log and checkpoints only, not every record against its leaf.
        #[arg(long)]
        log_only: bool,
        /// At most this many records are held in memory at once (about 200 bytes each); a
        /// bigger log is checked in one more pass over the leaves per slice of this size.
        #[arg(long, default_value_t = tianping_store::ledger::RECORDS_PER_PASS,
              value_parser = clap::value_parser!(u64).range(1000..))]
        records_per_pass: u64,
    },
}
