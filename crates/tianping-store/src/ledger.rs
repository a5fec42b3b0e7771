//! The ledger in the store: every ledgered write appends a leaf **in the same transaction** as
//! the row it writes, through [`record`]. A leaf names the command and the row and carries the
//! digest of the row's recorded columns after the write (see `tianping_ledger::entry`).
//!
//! - Appends lock the single `ledger_head` row first (`UPDATE … SET size = size`, which takes the
//!   write lock on SQLite and the row lock on PostgreSQL), so leaves get gap-free indices in
//!   commit order, and write the leaf, the perfect subtrees it completes and the new head.
//! - Proofs read the O(log n) stored subtrees a proof needs in one indexed query.
//! - [`Store::verify_ledger`] recomputes the whole tree from the leaves, compares every stored
//!   subtree, the head and every signed checkpoint, then every ledgered row against the latest
//!   leaf that names it, and reports each mismatch with the leaf and the record. It reads one
//!   snapshot (a read-only repeatable-read transaction), so it can run beside live writers.

use crate::db::{Val, bulk_insert};
use crate::{Backend, Result, Store, StoreError, audited, bulk_placeholders, ts};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use tianping_ledger::{
    Checkpoint, Command, Digest, DigestAlg, Entry, Frontier, Hash, LogKey, NodeAddr, VerifierKey,
    consistency_plan, fold_range, inclusion_plan, leaf_hash,
};

/// How a ledgered table's rows are read for their digest.
pub struct Entity {
    pub table: &'static str,
    /// The key column and whether it is an integer.
    pub key: &'static str,
    pub int_key: bool,
    /// The recorded columns, in digest order (operational columns such as login counters or
    /// the next escalation time are not recorded).
    pub columns: &'static [&'static str],
    /// When a row is confidential (its leaf then carries a salted digest).
    pub confidential: Confidential,
    /// The command that creates a row (used when an existing database first gets a ledger).
    pub created_by: Command,
    /// A column of the row holding the index of its leaf (events: written with the row).
    pub pointer: Option<&'static str>,
}

#[derive(Clone, Copy)]
pub enum Confidential {
    Never,
    Always,
    /// The row belongs to a case (`case_id`) whose confidentiality is not public.
    ByCase,
}

pub const ENTITIES: &[Entity] = &[
    Entity {
        table: "events",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "source",
            "source_event_id",
            "kind",
            "occurred_at",
            "recorded_at",
            "recorded_by",
            "corrects",
            "body",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::EventRecorded,
        pointer: Some("leaf"),
    },
    Entity {
        table: "orgs",
        key: "id",
        int_key: false,
        columns: &[
            "parent_id",
            "name",
            "kind",
            "level",
            "region_code",
            "region_path",
            "court_code",
        ],
        confidential: Confidential::Never,
        created_by: Command::OrgAdded,
        pointer: None,
    },
    Entity {
        table: "users",
        key: "id",
        int_key: true,
        columns: &[
            "username",
            "display_name",
            "org_id",
            "role",
            "clearance",
            "email",
            "password_hash",
            "digest_cadence",
            "created_at",
        ],
        confidential: Confidential::Always,
        created_by: Command::UserAdded,
        pointer: None,
    },
    Entity {
        table: "warnings",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "clock_key",
            "category",
            "threshold",
            "due_date",
            "region_path",
            "org_id",
            "created_at",
            "level",
            "acknowledged_at",
            "acknowledged_by",
        ],
        confidential: Confidential::Never,
        created_by: Command::WarningRaised,
        pointer: None,
    },
    Entity {
        table: "letters",
        key: "id",
        int_key: true,
        columns: &[
            "number",
            "kind",
            "case_id",
            "warning_id",
            "org_id",
            "year",
            "seq",
            "issued_by",
            "issued_at",
            "body",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::LetterIssued,
        pointer: None,
    },
    Entity {
        table: "clock_changes",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "clock_key",
            "old_due",
            "new_due",
            "old_rule",
            "new_rule",
            "reason",
            "region_path",
            "changed_at",
            "acknowledged_at",
            "acknowledged_by",
        ],
        confidential: Confidential::Never,
        created_by: Command::ClockDueMoved,
        pointer: None,
    },
    Entity {
        table: "calendar_years",
        key: "year",
        int_key: true,
        columns: &["toml", "imported_at", "imported_by"],
        confidential: Confidential::Never,
        created_by: Command::CalendarImported,
        pointer: None,
    },
    Entity {
        table: "engine_state",
        key: "key",
        int_key: false,
        columns: &["value"],
        confidential: Confidential::Never,
        created_by: Command::EngineStateSet,
        pointer: None,
    },
    Entity {
        table: "retrieval_reports",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "created_by",
            "created_at",
            "query_facts",
            "query_charges",
            "filters",
            "snapshot_last_id",
            "snapshot_count",
            "ranking_version",
            "results",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::RetrievalReportSaved,
        pointer: None,
    },
    Entity {
        table: "admin_actions",
        key: "id",
        int_key: true,
        columns: &["actor", "action", "target", "detail", "at"],
        confidential: Confidential::Never,
        created_by: Command::AdminActionRecorded,
        pointer: None,
    },
    Entity {
        table: "system_clients",
        key: "id",
        int_key: true,
        columns: &[
            "name",
            "org_id",
            "token_hash",
            "created_by",
            "created_at",
            "revoked_by",
            "revoked_at",
        ],
        confidential: Confidential::Always,
        created_by: Command::SystemClientAdded,
        pointer: None,
    },
    Entity {
        table: "deviation_warnings",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "event_id",
            "charge",
            "decided_months",
            "low_months",
            "high_months",
            "above",
            "peers",
            "region_path",
            "org_id",
            "created_at",
            "acknowledged_at",
            "acknowledged_by",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::DeviationWarned,
        pointer: None,
    },
    Entity {
        table: "case_flags",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "situation",
            "category",
            "source",
            "rule",
            "reason",
            "rules_version",
            "flagged_by",
            "flagged_at",
            "cleared_at",
            "cleared_by",
            "clear_reason",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::FlagRaised,
        pointer: None,
    },
    Entity {
        table: "supervision_acts",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "act",
            "permitted",
            "content",
            "actor_id",
            "actor_role",
            "at",
            "answer",
            "answered_by",
            "answered_at",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::SupervisionActRecorded,
        pointer: None,
    },
    Entity {
        table: "interference_records",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "org_id",
            "region_path",
            "recorded_by",
            "recorded_at",
            "source",
            "person_name",
            "person_unit",
            "person_position",
            "channel",
            "occurred_at",
            "content",
            "materials",
            "outcome",
            "response",
            "by_system",
        ],
        confidential: Confidential::Always,
        created_by: Command::InterferenceRecorded,
        pointer: None,
    },
    Entity {
        table: "zero_reports",
        key: "id",
        int_key: true,
        columns: &["user_id", "org_id", "region_path", "period", "submitted_at"],
        confidential: Confidential::Never,
        created_by: Command::ZeroReportSubmitted,
        pointer: None,
    },
    Entity {
        table: "supervision_items",
        key: "id",
        int_key: true,
        columns: &[
            "number",
            "org_id",
            "region_path",
            "opened_by",
            "opened_at",
            "source",
            "source_ref",
            "case_id",
            "title",
            "description",
            "responsible_org_id",
            "responsible_path",
            "state",
            "stage_started_at",
            "stage_due_at",
            "rectify_due_at",
            "rectifier_id",
            "verifier_id",
            "closed_at",
            "revisit_due_at",
            "revisited_at",
            "referral_id",
            "project_id",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::ItemOpened,
        pointer: None,
    },
    Entity {
        table: "supervision_steps",
        key: "id",
        int_key: true,
        columns: &[
            "item_id",
            "action",
            "from_state",
            "to_state",
            "actor_id",
            "note",
            "at",
        ],
        confidential: Confidential::Always,
        created_by: Command::ItemStepRecorded,
        pointer: None,
    },
    Entity {
        table: "evidence",
        key: "id",
        int_key: true,
        columns: &[
            "item_id",
            "sha256",
            "filename",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
        ],
        confidential: Confidential::Always,
        created_by: Command::EvidenceAdded,
        pointer: None,
    },
    Entity {
        table: "referrals",
        key: "id",
        int_key: true,
        columns: &[
            "number",
            "from_org_id",
            "to_org_id",
            "sent_by",
            "sent_at",
            "subject",
            "content",
            "case_id",
            "responsible_org_id",
            "state",
            "ack_due_at",
            "acknowledged_at",
            "acknowledged_by",
            "decide_due_at",
            "decided_at",
            "decided_by",
            "decision_note",
            "item_id",
            "result",
            "result_shared_at",
            "result_shared_by",
            "result_accepted_at",
            "result_accepted_by",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::ReferralSent,
        pointer: None,
    },
    Entity {
        table: "projects",
        key: "id",
        int_key: true,
        columns: &[
            "title",
            "lead_org_id",
            "plan",
            "state",
            "created_by",
            "created_at",
            "started_at",
            "closed_at",
            "final_report",
        ],
        confidential: Confidential::Never,
        created_by: Command::ProjectCreated,
        pointer: None,
    },
    Entity {
        table: "project_members",
        key: "id",
        int_key: true,
        columns: &["project_id", "org_id", "role", "added_at"],
        confidential: Confidential::Never,
        created_by: Command::ProjectMemberAdded,
        pointer: None,
    },
    Entity {
        table: "project_tasks",
        key: "id",
        int_key: true,
        columns: &[
            "project_id",
            "title",
            "org_id",
            "due_at",
            "done_at",
            "done_by",
            "done_note",
        ],
        confidential: Confidential::Never,
        created_by: Command::ProjectTaskAdded,
        pointer: None,
    },
    Entity {
        table: "project_reports",
        key: "id",
        int_key: true,
        columns: &["project_id", "kind", "content", "by_user", "at"],
        confidential: Confidential::Never,
        created_by: Command::ProjectReportFiled,
        pointer: None,
    },
];

pub fn entity(table: &str) -> Option<&'static Entity> {
    ENTITIES.iter().find(|e| e.table == table)
}

fn entity_of(command: Command) -> Result<&'static Entity> {
    entity(command.entity()).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "command {} has no ledgered table",
            command.as_str()
        ))
    })
}

/// A row key: integer or text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Int(i64),
    Text(String),
}

impl Key {
    fn as_ref_string(&self) -> String {
        match self {
            Key::Int(i) => i.to_string(),
            Key::Text(s) => s.clone(),
        }
    }
}

impl From<i64> for Key {
    fn from(i: i64) -> Key {
        Key::Int(i)
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key::Text(s.to_string())
    }
}

/// The SELECT list reading a row's key, its recorded columns as text, and its confidentiality.
fn select_list(e: &Entity) -> String {
    let mut cols = vec![format!("CAST({} AS TEXT)", e.key)];
    for c in e.columns {
        cols.push(format!("CAST({c} AS TEXT)"));
    }
    cols.push(match e.confidential {
        Confidential::Never => "CAST(0 AS BIGINT)".into(),
        Confidential::Always => "CAST(1 AS BIGINT)".into(),
        Confidential::ByCase => format!(
            "CASE WHEN (SELECT confidentiality FROM cases c WHERE c.id = {}.case_id) = 'public' THEN CAST(0 AS BIGINT) ELSE CAST(1 AS BIGINT) END",
            e.table
        ),
    });
    cols.join(", ")
}

/// One read row: key text, recorded columns, confidential.
type ReadRow = (String, Vec<Option<String>>, bool);

fn read_row(e: &Entity, r: &sqlx::any::AnyRow) -> Result<ReadRow> {
    let key: String = r.try_get(0)?;
    let mut fields = Vec::with_capacity(e.columns.len());
    for i in 0..e.columns.len() {
        fields.push(r.try_get::<Option<String>, _>(i + 1)?);
    }
    let conf: i64 = r.try_get(e.columns.len() + 1)?;
    Ok((key, fields, conf != 0))
}

async fn read_rows(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    e: &Entity,
    keys: &[Key],
) -> Result<Vec<ReadRow>> {
    let mut out = Vec::with_capacity(keys.len());
    for part in keys.chunks(1000) {
        let sql = format!(
            "SELECT {} FROM {} WHERE {} IN ({})",
            select_list(e),
            e.table,
            e.key,
            bulk_placeholders(backend, 1, part.len())
        );
        let mut q = sqlx::query(audited(sql));
        for k in part {
            q = match k {
                Key::Int(i) => q.bind(*i),
                Key::Text(s) => q.bind(s.clone()),
            };
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(read_row(e, &r)?);
        }
    }
    Ok(out)
}

/// Salts for confidential records: SHA-256 of a per-process secret key (from the operating
/// system) and a counter, cut to 16 bytes — unpredictable without the key, and one system call
/// per process instead of one per record.
fn random_salt() -> Result<[u8; 16]> {
    static SALTS: std::sync::Mutex<Option<([u8; 32], u64)>> = std::sync::Mutex::new(None);
    let mut g = SALTS.lock().unwrap_or_else(|p| p.into_inner());
    if g.is_none() {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)
            .map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
        *g = Some((key, 0));
    }
    let Some((key, counter)) = g.as_mut() else {
        return Err(StoreError::Invalid("no salt key".into()));
    };
    *counter += 1;
    let h = tianping_ledger::hash::sha256(&[key, &counter.to_le_bytes()]);
    let mut s = [0u8; 16];
    s.copy_from_slice(&h.0[..16]);
    Ok(s)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex16(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Records `command` for the rows with `keys`, reading them back inside the transaction.
/// Rows that do not exist are an error: a command records what it wrote.
pub(crate) async fn record(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    command: Command,
    keys: &[Key],
    now: DateTime<Utc>,
) -> Result<()> {
    if keys.is_empty() || !ledger_enabled() {
        return Ok(());
    }
    let e = entity_of(command)?;
    let mut rows = read_rows(conn, backend, e, keys).await?;
    if rows.len() != keys.len() {
        return Err(StoreError::Corrupt(format!(
            "{}: {} of {} rows to record were not found",
            e.table,
            keys.len() - rows.len(),
            keys.len()
        )));
    }
    // Leaves in key order (insertion order for the append-only tables).
    let order: HashMap<String, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_ref_string(), i))
        .collect();
    rows.sort_by_key(|r| order.get(&r.0).copied().unwrap_or(usize::MAX));
    let leaves = rows
        .into_iter()
        .map(|(key, fields, conf)| {
            let f: Vec<Option<&str>> = fields.iter().map(|x| x.as_deref()).collect();
            new_leaf(command, key, &f, conf)
        })
        .collect::<Result<Vec<_>>>()?;
    append(conn, backend, now, leaves).await
}

/// A leaf about to be appended: the command, the row's key, its digest (and salt).
pub(crate) struct NewLeaf {
    command: Command,
    reference: String,
    digest: Digest,
    salt: Option<[u8; 16]>,
}

/// The leaf for a row with these recorded columns (in the entity's column order); salted when
/// the row is confidential.
pub(crate) fn new_leaf(
    command: Command,
    reference: String,
    fields: &[Option<&str>],
    confidential: bool,
) -> Result<NewLeaf> {
    let salt = if confidential {
        Some(random_salt()?)
    } else {
        None
    };
    Ok(NewLeaf {
        command,
        reference,
        digest: Digest::of(fields, salt.as_ref()),
        salt,
    })
}

pub(crate) fn enabled() -> bool {
    ledger_enabled()
}

/// Subtrees below this level are not stored: they cover at most 8 leaves and are rehashed from
/// the leaves when a proof needs them (one range read), which saves ~15 of every 16 node rows.
pub const MIN_STORED_LEVEL: u8 = 4;

/// Appends `n` synthetic leaves (no records behind them) in transactions of `batch` — **only**
/// for `tianping bench ledger`, which needs a log of millions of leaves to time proofs and
/// verification. A store holding them fails `ledger verify` with records.
#[doc(hidden)]
pub async fn append_synthetic_for_benchmark(store: &Store, n: u64, batch: usize) -> Result<()> {
    let now = chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default();
    let mut done = 0u64;
    while done < n {
        let k = (n - done).min(batch as u64);
        let leaves = (0..k)
            .map(|i| {
                let r = (done + i).to_string();
                new_leaf(
                    Command::EventRecorded,
                    format!("bench-{r}"),
                    &[Some(r.as_str()), Some("synthetic")],
                    false,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let mut tx = store.pool.begin().await?;
        append(&mut tx, store.backend, now, leaves).await?;
        tx.commit().await?;
        done += k;
    }
    Ok(())
}

/// [`record`] for the one row a command wrote.
pub(crate) async fn record_one(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    command: Command,
    key: impl Into<Key>,
    now: DateTime<Utc>,
) -> Result<()> {
    record(conn, backend, command, &[key.into()], now).await
}

static LEDGER_ON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

fn ledger_enabled() -> bool {
    LEDGER_ON.load(std::sync::atomic::Ordering::Relaxed)
}

/// Turns leaf writing off for this process — **only** for `tianping bench ledger`, which
/// measures ingest with and without the ledger in one run. Nothing else calls it; a database
/// written without leaves fails `ledger verify` on every such row.
#[doc(hidden)]
pub fn disable_for_benchmark(off: bool) {
    LEDGER_ON.store(!off, std::sync::atomic::Ordering::Relaxed);
}

/// Appends leaves: locks the head, writes leaves, completed subtrees and the new head.
async fn append(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    now: DateTime<Utc>,
    items: Vec<NewLeaf>,
) -> Result<()> {
    let mut log = Appender::open(conn, now).await?;
    for l in items {
        log.push(l, true)?;
    }
    log.close(conn, backend).await
}

/// Leaves per tile (one row of `ledger_tiles`); equal to the smallest stored subtree, so the
/// small subtrees a proof rehashes lie in one tile.
pub const TILE: u64 = 1 << MIN_STORED_LEVEL;

/// An append in progress: the head is locked from `open` until the transaction ends.
pub(crate) struct Appender {
    frontier: Frontier,
    at: String,
    /// The tile being filled: its number, lines and salts (the stored part first).
    tile: u64,
    lines: Vec<String>,
    salts: Vec<String>,
    /// The width of the stored copy of `tile` when opened (0: none).
    stored_width: u64,
    tiles: Vec<Vec<Val>>,
    nodes: Vec<Vec<Val>>,
    refs: Vec<Vec<Val>>,
    pushed: usize,
}

impl Appender {
    /// Locks the head (`UPDATE … SET size = size` takes the write lock on SQLite and the row
    /// lock on PostgreSQL), reads the right edge of the tree and the tile being filled.
    pub(crate) async fn open(
        conn: &mut sqlx::AnyConnection,
        now: DateTime<Utc>,
    ) -> Result<Appender> {
        sqlx::query("UPDATE ledger_head SET size = size WHERE id = 1")
            .execute(&mut *conn)
            .await?;
        let head = sqlx::query("SELECT frontier FROM ledger_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
        let frontier = Frontier::decode(&head.try_get::<String, _>(0)?)
            .map_err(|e| StoreError::Corrupt(format!("ledger head: {e}")))?;
        let tile = frontier.size() / TILE;
        let (mut lines, mut salts, mut stored_width) = (vec![], vec![], 0);
        if frontier.size() % TILE != 0 {
            let r = sqlx::query(
                "SELECT width, data, salts FROM ledger_tiles WHERE tile = $1 ORDER BY width DESC LIMIT 1",
            )
            .bind(tile as i64)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("ledger tile {tile} is missing")))?;
            stored_width = r.try_get::<i64, _>(0)? as u64;
            let (l, s) = split_tile(&r.try_get::<String, _>(1)?, &r.try_get::<String, _>(2)?);
            lines = l;
            salts = s;
            if lines.len() as u64 != frontier.size() % TILE {
                return Err(StoreError::Corrupt(format!(
                    "ledger tile {tile} holds {} leaves, the head expects {}",
                    lines.len(),
                    frontier.size() % TILE
                )));
            }
        }
        Ok(Appender {
            frontier,
            at: ts(now),
            tile,
            lines,
            salts,
            stored_width,
            tiles: vec![],
            nodes: vec![],
            refs: vec![],
            pushed: 0,
        })
    }

    /// The log's size so far (the index the next leaf gets).
    pub(crate) fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// Adds a leaf. `index_ref`: file it in `ledger_refs` (every leaf but a new event's, whose
    /// row carries its leaf index).
    pub(crate) fn push(&mut self, l: NewLeaf, index_ref: bool) -> Result<u64> {
        let idx = self.frontier.size();
        let entry = Entry::new(idx, l.command, l.reference, self.at.clone(), l.digest)
            .map_err(|e| StoreError::Invalid(format!("ledger entry: {e}")))?;
        let data = entry.data();
        let nodes = &mut self.nodes;
        self.frontier.append(leaf_hash(data.as_bytes()), |a, h| {
            if a.level >= MIN_STORED_LEVEL {
                nodes.push(vec![Val::I(a.key()), Val::S(h.to_hex())]);
            }
        });
        if index_ref {
            self.refs.push(vec![
                Val::S(l.command.entity().to_string()),
                Val::S(entry.reference),
                Val::I(idx as i64),
            ]);
        }
        self.lines.push(data);
        self.salts
            .push(l.salt.map_or_else(String::new, |s| hex(&s)));
        self.pushed += 1;
        if self.lines.len() as u64 == TILE {
            self.flush_tile();
        }
        Ok(idx)
    }

    fn flush_tile(&mut self) {
        let width = self.lines.len() as i64;
        self.tiles.push(vec![
            Val::I(self.tile as i64),
            Val::I(width),
            Val::S(self.lines.join("\n")),
            Val::S(self.salts.join(",")),
        ]);
        self.lines.clear();
        self.salts.clear();
        self.tile += 1;
    }

    /// Writes the tiles, completed subtrees, record references and the new head.
    pub(crate) async fn close(
        mut self,
        conn: &mut sqlx::AnyConnection,
        backend: Backend,
    ) -> Result<()> {
        if self.pushed == 0 {
            return Ok(());
        }
        let first_tile = self.frontier.size().saturating_sub(self.pushed as u64) / TILE;
        if !self.lines.is_empty() {
            self.flush_tile();
        }
        if self.stored_width > 0 {
            // The narrower copy of the tile this append continued.
            sqlx::query("DELETE FROM ledger_tiles WHERE tile = $1 AND width < $2")
                .bind(first_tile as i64)
                .bind(TILE as i64)
                .execute(&mut *conn)
                .await?;
        }
        insert_tiles(conn, backend, self.tiles).await?;
        bulk_insert(conn, backend, "ledger_nodes", NODE_COLUMNS, self.nodes, "").await?;
        bulk_insert(conn, backend, "ledger_refs", REF_COLUMNS, self.refs, "").await?;
        sqlx::query("UPDATE ledger_head SET size = $1, frontier = $2, root = $3 WHERE id = 1")
            .bind(self.frontier.size() as i64)
            .bind(self.frontier.encode())
            .bind(self.frontier.root().to_hex())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

/// Inserts tile rows with bound parameters (few rows of ~2.5 KB each: cheaper on PostgreSQL than
/// the JSON bulk path, which escapes and parses every byte of them).
async fn insert_tiles(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    tiles: Vec<Vec<Val>>,
) -> Result<()> {
    for part in tiles.chunks(500) {
        let rows: Vec<String> = (0..part.len())
            .map(|i| match backend {
                Backend::Sqlite => "(?, ?, ?, ?)".to_string(),
                Backend::Postgres => format!("({})", crate::placeholders(i * 4 + 1, 4)),
            })
            .collect();
        let sql = format!(
            "INSERT INTO ledger_tiles (tile, width, data, salts) VALUES {}",
            rows.join(", ")
        );
        crate::db::bind_all(
            sqlx::query(audited(sql)),
            part.iter().flat_map(|r| r.iter().cloned()).collect(),
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The leaves of `(tile, width, data, salts)` rows ordered by tile, widest first: the widest copy
/// of each tile, as (index, data, salt).
fn tile_leaves(rows: &[sqlx::any::AnyRow]) -> Result<Vec<(u64, String, Option<String>)>> {
    let mut out = Vec::with_capacity(rows.len() * TILE as usize);
    let mut seen = None;
    for r in rows {
        let tile = r.try_get::<i64, _>(0)? as u64;
        if seen == Some(tile) {
            continue;
        }
        seen = Some(tile);
        let (lines, salts) = split_tile(&r.try_get::<String, _>(2)?, &r.try_get::<String, _>(3)?);
        for (k, (l, s)) in lines.into_iter().zip(salts).enumerate() {
            out.push((tile * TILE + k as u64, l, Some(s).filter(|s| !s.is_empty())));
        }
    }
    Ok(out)
}

/// A tile's lines and salts.
fn split_tile(data: &str, salts: &str) -> (Vec<String>, Vec<String>) {
    let lines: Vec<String> = if data.is_empty() {
        vec![]
    } else {
        data.split('\n').map(str::to_string).collect()
    };
    let mut s: Vec<String> = salts.split(',').map(str::to_string).collect();
    s.resize(lines.len(), String::new());
    (lines, s)
}

const REF_COLUMNS: &[(&str, &str)] = &[("entity", "text"), ("ref", "text"), ("idx", "bigint")];
const NODE_COLUMNS: &[(&str, &str)] = &[("id", "bigint"), ("hash", "text")];

/// The log's current size and root.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Head {
    pub size: u64,
    pub root: String,
}

/// A stored leaf.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LeafRow {
    pub index: u64,
    pub entity: String,
    pub reference: String,
    pub data: String,
    pub leaf_hash: String,
    /// The command's Chinese name (when the data parses).
    pub command_zh: String,
    pub at: String,
}

/// A stored checkpoint.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckpointRow {
    pub id: i64,
    pub size: u64,
    pub root: String,
    pub note: String,
    pub created_at: String,
}

pub use tianping_ledger::Finding;

/// What `verify` checked and found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VerifyReport {
    pub size: u64,
    pub root: String,
    pub leaves_checked: u64,
    pub nodes_checked: u64,
    pub checkpoints_checked: u64,
    pub records_checked: u64,
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }

    /// The first mismatch, in log order (findings naming a leaf first, by leaf index).
    pub fn first(&self) -> Option<&Finding> {
        self.findings.first()
    }

    fn sort(&mut self) {
        tianping_ledger::bundle::sort_findings(&mut self.findings);
    }
}

fn finding(
    code: &'static str,
    leaf: Option<u64>,
    record: Option<String>,
    detail: String,
) -> Finding {
    Finding::new(code, leaf, record, detail)
}

/// A proof: the hashes with the sizes and roots it relates.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InclusionProof {
    pub index: u64,
    pub size: u64,
    pub leaf_data: String,
    pub leaf_hash: String,
    pub root: String,
    pub proof: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsistencyProof {
    pub first: u64,
    pub first_root: String,
    pub second: u64,
    pub second_root: String,
    pub proof: Vec<String>,
}

/// What to check in [`Store::verify_ledger`].
pub struct VerifyOptions<'a> {
    /// The log's public key; without it checkpoint signatures are not checked.
    pub key: Option<&'a VerifierKey>,
    pub origin: &'a str,
    /// Compare every ledgered row with its latest leaf (off for a log-only check).
    pub records: bool,
    /// Checkpoints kept elsewhere (signed notes) to check against the live log.
    pub witnesses: &'a [String],
}

const PAGE: i64 = 20_000;

impl Store {
    pub async fn ledger_head(&self) -> Result<Head> {
        head_in(&mut *self.pool.acquire().await?).await
    }

    /// The root of the tree at an earlier `size` (from stored subtrees).
    pub async fn ledger_root_at(&self, size: u64) -> Result<Hash> {
        let addrs = Frontier::addresses(size);
        let nodes = self.ledger_nodes(&addrs).await?;
        Ok(fold_range(
            &addrs.iter().map(|a| nodes[a]).collect::<Vec<_>>(),
        ))
    }

    async fn ledger_nodes(&self, addrs: &[NodeAddr]) -> Result<HashMap<NodeAddr, Hash>> {
        let mut out = HashMap::with_capacity(addrs.len());
        // Small subtrees: rehash their leaves (each lies in one aligned block of 16).
        let mut blocks: Vec<u64> = addrs
            .iter()
            .filter(|a| a.level < MIN_STORED_LEVEL)
            .map(|a| a.span().0 >> MIN_STORED_LEVEL)
            .collect();
        blocks.sort_unstable();
        blocks.dedup();
        let mut leaf_hashes: HashMap<u64, Hash> = HashMap::new();
        for (idx, (data, _)) in self.tiles(&blocks).await? {
            leaf_hashes.insert(idx, leaf_hash(data.as_bytes()));
        }
        for a in addrs.iter().filter(|a| a.level < MIN_STORED_LEVEL) {
            let (first, n) = a.span();
            let hs = (first..first + n)
                .map(|i| {
                    leaf_hashes
                        .get(&i)
                        .copied()
                        .ok_or_else(|| StoreError::Corrupt(format!("ledger leaf {i} is missing")))
                })
                .collect::<Result<Vec<_>>>()?;
            out.insert(*a, tianping_ledger::root_of(&hs));
        }
        let mut keys: Vec<i64> = addrs
            .iter()
            .filter(|a| a.level >= MIN_STORED_LEVEL)
            .map(|a| a.key())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for part in keys.chunks(500) {
            let sql = format!(
                "SELECT id, hash FROM ledger_nodes WHERE id IN ({})",
                bulk_placeholders(self.backend, 1, part.len())
            );
            let mut q = sqlx::query(audited(sql));
            for k in part {
                q = q.bind(*k);
            }
            for r in q.fetch_all(&self.pool).await? {
                let id: i64 = r.try_get(0)?;
                let h: String = r.try_get(1)?;
                let h = Hash::from_hex(&h)
                    .ok_or_else(|| StoreError::Corrupt(format!("ledger node {id}: {h:?}")))?;
                out.insert(NodeAddr::from_key(id), h);
            }
        }
        if let Some(a) = addrs.iter().find(|a| !out.contains_key(a)) {
            return Err(StoreError::Corrupt(format!(
                "ledger node level {} index {} is missing",
                a.level, a.index
            )));
        }
        Ok(out)
    }

    async fn realise(&self, plan: Vec<Vec<NodeAddr>>) -> Result<Vec<Hash>> {
        let all: Vec<NodeAddr> = plan.iter().flatten().copied().collect();
        let nodes = self.ledger_nodes(&all).await?;
        Ok(plan
            .iter()
            .map(|el| fold_range(&el.iter().map(|a| nodes[a]).collect::<Vec<_>>()))
            .collect())
    }

    /// The leaves of the given tiles (the widest stored copy of each): index → (data, salt).
    async fn tiles(&self, tiles: &[u64]) -> Result<BTreeMap<u64, (String, Option<String>)>> {
        let mut out = BTreeMap::new();
        for part in tiles.chunks(500) {
            let sql = format!(
                "SELECT tile, width, data, salts FROM ledger_tiles WHERE tile IN ({}) ORDER BY tile, width DESC",
                bulk_placeholders(self.backend, 1, part.len())
            );
            let mut q = sqlx::query(audited(sql));
            for t in part {
                q = q.bind(*t as i64);
            }
            for (idx, l, s) in tile_leaves(&q.fetch_all(&self.pool).await?)? {
                out.insert(idx, (l, s));
            }
        }
        Ok(out)
    }

    async fn leaves_at(&self, idxs: &[u64]) -> Result<Vec<LeafRow>> {
        let mut tiles: Vec<u64> = idxs.iter().map(|i| i / TILE).collect();
        tiles.sort_unstable();
        tiles.dedup();
        let all = self.tiles(&tiles).await?;
        let mut out = vec![];
        for i in idxs {
            if let Some((data, _)) = all.get(i) {
                out.push(leaf_row(*i, data.clone()));
            }
        }
        Ok(out)
    }

    pub async fn ledger_leaf(&self, index: u64) -> Result<Option<LeafRow>> {
        Ok(self.leaves_at(&[index]).await?.pop())
    }

    /// The leaves that name a record, oldest first.
    pub async fn ledger_leaves_of(&self, table: &str, reference: &str) -> Result<Vec<LeafRow>> {
        let mut idxs: Vec<u64> =
            sqlx::query("SELECT idx FROM ledger_refs WHERE entity = $1 AND ref = $2 ORDER BY idx")
                .bind(table)
                .bind(reference)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>(0).map(|i| i as u64))
                .collect::<std::result::Result<_, _>>()?;
        // A new event's row carries its leaf.
        if table == "events"
            && let Ok(id) = reference.parse::<i64>()
        {
            for r in sqlx::query("SELECT leaf FROM events WHERE id = $1 AND leaf IS NOT NULL")
                .bind(id)
                .fetch_all(&self.pool)
                .await?
            {
                idxs.push(r.try_get::<i64, _>(0)? as u64);
            }
        }
        let mut out = self.leaves_at(&idxs).await?;
        // Only leaves that really name the record (a wrong pointer is not followed).
        out.retain(|l| l.entity == table && l.reference == reference);
        out.sort_by_key(|l| l.index);
        out.dedup_by_key(|l| l.index);
        Ok(out)
    }

    /// The latest leaves (newest first).
    pub async fn ledger_recent(&self, limit: i64) -> Result<Vec<LeafRow>> {
        let size = self.ledger_head().await?.size;
        let idxs: Vec<u64> = (size.saturating_sub(limit.max(0) as u64)..size)
            .rev()
            .collect();
        self.leaves_at(&idxs).await
    }

    /// An inclusion proof of leaf `index` in the tree of `size` (default: the current size).
    pub async fn inclusion_proof(&self, index: u64, size: Option<u64>) -> Result<InclusionProof> {
        let head = self.ledger_head().await?;
        let size = size.unwrap_or(head.size);
        if size > head.size {
            return Err(StoreError::Invalid(format!(
                "tree size {size} is beyond the log's size {}",
                head.size
            )));
        }
        let plan = inclusion_plan(index, size).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let leaf = self
            .ledger_leaf(index)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("leaf {index} is missing")))?;
        let proof = self.realise(plan).await?;
        let root = self.ledger_root_at(size).await?;
        Ok(InclusionProof {
            index,
            size,
            leaf_hash: leaf.leaf_hash,
            leaf_data: leaf.data,
            root: root.to_hex(),
            proof: proof.iter().map(Hash::to_hex).collect(),
        })
    }

    /// A consistency proof that the tree of `second` extends the tree of `first`.
    pub async fn consistency_proof(&self, first: u64, second: u64) -> Result<ConsistencyProof> {
        let head = self.ledger_head().await?;
        if second > head.size {
            return Err(StoreError::Invalid(format!(
                "tree size {second} is beyond the log's size {}",
                head.size
            )));
        }
        let plan =
            consistency_plan(first, second).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let proof = self.realise(plan).await?;
        Ok(ConsistencyProof {
            first,
            first_root: self.ledger_root_at(first).await?.to_hex(),
            second,
            second_root: self.ledger_root_at(second).await?.to_hex(),
            proof: proof.iter().map(Hash::to_hex).collect(),
        })
    }

    /// Signs the current head and stores the checkpoint. Returns it.
    pub async fn checkpoint(
        &self,
        key: &LogKey,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<CheckpointRow> {
        let head = self.ledger_head().await?;
        let root = Hash::from_hex(&head.root)
            .ok_or_else(|| StoreError::Corrupt(format!("ledger head root {:?}", head.root)))?;
        let note = key.sign(&Checkpoint {
            origin: origin.to_string(),
            size: head.size,
            root,
        });
        let r = sqlx::query(
            "INSERT INTO ledger_checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(head.size as i64)
        .bind(&head.root)
        .bind(&note)
        .bind(ts(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(CheckpointRow {
            id: r.try_get(0)?,
            size: head.size,
            root: head.root,
            note,
            created_at: ts(now),
        })
    }

    /// Stored checkpoints, newest first.
    pub async fn checkpoints(&self, limit: i64) -> Result<Vec<CheckpointRow>> {
        checkpoints_in(&mut *self.pool.acquire().await?, limit).await
    }

    /// Gives a database that predates the ledger its leaves: every existing ledgered row is
    /// recorded once with the command that creates it. Does nothing if the log has leaves or
    /// there is nothing to record. Returns the number of leaves written.
    pub async fn adopt_existing_rows(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let size: i64 = sqlx::query("SELECT size FROM ledger_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if size > 0 {
            return Ok(0);
        }
        let mut n = 0u64;
        for e in ENTITIES {
            let sql = format!("SELECT {} FROM {} ORDER BY {}", e.key, e.table, e.key);
            let keys: Vec<Key> = sqlx::query(audited(sql))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| {
                    Ok(if e.int_key {
                        Key::Int(r.try_get(0)?)
                    } else {
                        Key::Text(r.try_get(0)?)
                    })
                })
                .collect::<Result<_>>()?;
            for part in keys.chunks(10_000) {
                record(&mut tx, self.backend, e.created_by, part, now).await?;
            }
            n += keys.len() as u64;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Up to `limit` leaves in order from index `from` (inclusive): (index, data, salt).
    pub async fn ledger_page(
        &self,
        from: u64,
        limit: i64,
    ) -> Result<Vec<(u64, String, Option<String>)>> {
        page_in(&mut *self.pool.acquire().await?, from, limit).await
    }

    /// Checks the whole store against the log. See the module documentation.
    pub async fn verify_ledger(&self, opts: &VerifyOptions<'_>) -> Result<VerifyReport> {
        let mut rep = VerifyReport::default();
        // One snapshot for the whole check: a write that commits while it runs is neither a
        // leaf nor a record to it (read separately, its rows would look written around the
        // ledger). SQLite's deferred transaction takes its snapshot at the first read.
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let head = head_in(&mut tx).await?;
        let checkpoints = checkpoints_in(&mut tx, i64::MAX).await?;
        // Sizes at which a root must be remembered (checkpoints and witnesses).
        let mut wanted: BTreeMap<u64, Option<Hash>> = BTreeMap::new();
        let mut witness_cps = vec![];
        for w in opts.witnesses {
            match opts.key.map(|k| k.open_for(opts.origin, w)) {
                Some(Ok(cp)) => {
                    wanted.insert(cp.size, None);
                    witness_cps.push(cp);
                }
                Some(Err(e)) => rep.findings.push(finding(
                    "witness_signature",
                    None,
                    None,
                    format!("the witness checkpoint does not open with the log key: {e}"),
                )),
                None => rep.findings.push(finding(
                    "witness_signature",
                    None,
                    None,
                    "no log key to check the witness with".into(),
                )),
            }
        }
        for c in &checkpoints {
            wanted.insert(c.size, None);
        }
        wanted.insert(0, None);
        // Latest leaf per record: (leaf index, digest, salt).
        let mut latest: HashMap<(String, String), (u64, Digest, Option<String>)> = HashMap::new();
        let mut frontier = Frontier::default();
        if let Some(slot) = wanted.get_mut(&0) {
            *slot = Some(frontier.root());
        }
        let mut expected = 0u64;
        loop {
            let page = page_in(&mut tx, expected, PAGE).await?;
            if page.is_empty() {
                break;
            }
            let start = expected;
            let mut computed: Vec<(NodeAddr, Hash)> = Vec::with_capacity(page.len() * 2);
            for (idx, data, salt) in page {
                if idx != expected {
                    rep.findings.push(finding(
                        "leaf_missing",
                        Some(expected),
                        None,
                        format!("leaves {expected}…{} are missing", idx - 1),
                    ));
                    // Nothing after a gap can be placed; stop the tree walk here.
                    expected = u64::MAX;
                    break;
                }
                let h = leaf_hash(data.as_bytes());
                frontier.append(h, |a, h| computed.push((a, h)));
                rep.leaves_checked += 1;
                expected += 1;
                if let Some(slot) = wanted.get_mut(&frontier.size()) {
                    *slot = Some(frontier.root());
                }
                match Entry::parse(&data) {
                    Err(e) => {
                        rep.findings
                            .push(finding("leaf_malformed", Some(idx), None, e.to_string()))
                    }
                    Ok(en) => {
                        let record = format!("{}/{}", en.entity(), en.reference);
                        if en.index != idx {
                            rep.findings.push(finding(
                                "leaf_out_of_place",
                                Some(idx),
                                Some(record.clone()),
                                format!(
                                    "leaf {idx} says it is leaf {}: the log was reordered",
                                    en.index
                                ),
                            ));
                        }
                        if opts.records {
                            latest.insert(
                                (en.entity().to_string(), en.reference.clone()),
                                (idx, en.digest, salt),
                            );
                        }
                    }
                }
            }
            self.compare_nodes(
                &mut tx,
                start,
                expected.min(frontier.size()),
                &computed,
                &mut rep,
            )
            .await?;
            if expected == u64::MAX {
                break;
            }
        }
        rep.size = frontier.size();
        rep.root = frontier.root().to_hex();
        if head.size != frontier.size() || head.root != rep.root {
            rep.findings.push(finding(
                "head_mismatch",
                Some(frontier.size().min(head.size)),
                None,
                format!(
                    "the head says size {} root {}, the leaves give size {} root {}",
                    head.size, head.root, rep.size, rep.root
                ),
            ));
        }
        for c in checkpoints.iter().rev() {
            rep.checkpoints_checked += 1;
            self.check_checkpoint(c, opts, &wanted, rep.size, &mut rep);
        }
        for cp in &witness_cps {
            match wanted.get(&cp.size).copied().flatten() {
                None => rep.findings.push(finding(
                    "witness_beyond_log",
                    Some(rep.size),
                    None,
                    format!(
                        "a witness holds a checkpoint of size {}, but the log has only {} leaves: it was truncated",
                        cp.size, rep.size
                    ),
                )),
                Some(root) if root != cp.root => rep.findings.push(finding(
                    "witness_mismatch",
                    Some(cp.size.saturating_sub(1)),
                    None,
                    format!(
                        "the witness's checkpoint of size {} has root {}, the log gives {}: history before leaf {} was rewritten",
                        cp.size, cp.root, root, cp.size
                    ),
                )),
                Some(_) => {}
            }
        }
        if opts.records {
            self.compare_records(&mut tx, &mut latest, &mut rep).await?;
        }
        tx.rollback().await?;
        rep.sort();
        Ok(rep)
    }

    fn check_checkpoint(
        &self,
        c: &CheckpointRow,
        opts: &VerifyOptions<'_>,
        roots: &BTreeMap<u64, Option<Hash>>,
        size: u64,
        rep: &mut VerifyReport,
    ) {
        let label = format!("checkpoint #{} (size {})", c.id, c.size);
        let body = match opts.key {
            Some(k) => match k.open_for(opts.origin, &c.note) {
                Ok(cp) => Some(cp),
                Err(e) => {
                    rep.findings.push(finding(
                        "checkpoint_signature",
                        None,
                        None,
                        format!("{label}: {e}"),
                    ));
                    None
                }
            },
            None => Checkpoint::parse_body(c.note.split("\n\n").next().unwrap_or("")).ok(),
        };
        if let Some(cp) = &body
            && (cp.size != c.size || cp.root.to_hex() != c.root)
        {
            rep.findings.push(finding(
                "checkpoint_signature",
                None,
                None,
                format!("{label}: the stored size/root differ from the signed note"),
            ));
        }
        let signed_root = body
            .as_ref()
            .map(|b| b.root.to_hex())
            .unwrap_or(c.root.clone());
        match roots.get(&c.size).copied().flatten() {
            None => rep.findings.push(finding(
                "checkpoint_beyond_log",
                Some(size),
                None,
                format!("{label} is beyond the log's {size} leaves: the log was truncated"),
            )),
            Some(root) if root.to_hex() != signed_root => rep.findings.push(finding(
                "checkpoint_mismatch",
                Some(c.size.saturating_sub(1)),
                None,
                format!("{label}: signed root {signed_root}, the leaves give {root}"),
            )),
            Some(_) => {}
        }
    }

    /// Compares stored subtrees completed by leaves `[a, b)` with the computed ones.
    async fn compare_nodes(
        &self,
        conn: &mut sqlx::AnyConnection,
        a: u64,
        b: u64,
        computed: &[(NodeAddr, Hash)],
        rep: &mut VerifyReport,
    ) -> Result<()> {
        if b <= a {
            return Ok(());
        }
        let mut clauses = vec![];
        let mut binds = vec![];
        for level in MIN_STORED_LEVEL..=40 {
            // Nodes whose last leaf lies in [a, b): index + 1 in [ceil((a+1)/2^l), floor(b/2^l)].
            let step = 1u64 << level;
            if step > b {
                break;
            }
            let lo = (a + 1).div_ceil(step) - 1;
            let hi = b / step;
            if hi <= lo {
                continue;
            }
            let n = binds.len();
            clauses.push(match self.backend {
                Backend::Sqlite => "(id >= ? AND id < ?)".to_string(),
                Backend::Postgres => format!("(id >= ${} AND id < ${})", n + 1, n + 2),
            });
            binds.push(NodeAddr::new(level, lo).key());
            binds.push(NodeAddr::new(level, hi).key());
        }
        if clauses.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT id, hash FROM ledger_nodes WHERE {}",
            clauses.join(" OR ")
        );
        let mut q = sqlx::query(audited(sql));
        for v in binds {
            q = q.bind(v);
        }
        let mut stored: HashMap<i64, String> = HashMap::with_capacity(computed.len());
        for r in q.fetch_all(&mut *conn).await? {
            stored.insert(r.try_get(0)?, r.try_get(1)?);
        }
        for (addr, h) in computed.iter().filter(|(a, _)| a.level >= MIN_STORED_LEVEL) {
            rep.nodes_checked += 1;
            match stored.get(&addr.key()) {
                Some(s) if Hash::from_hex(s) == Some(*h) => {}
                other => rep.findings.push(finding(
                    "node_mismatch",
                    // A leaf hash names its leaf; a higher subtree only follows from its leaves.
                    (addr.level == 0).then_some(addr.index),
                    None,
                    format!(
                        "stored subtree (level {}, index {}) is {}, the leaves give {}",
                        addr.level,
                        addr.index,
                        other.map_or("missing", |s| s.as_str()),
                        h
                    ),
                )),
            }
        }
        Ok(())
    }

    async fn compare_records(
        &self,
        conn: &mut sqlx::AnyConnection,
        latest: &mut HashMap<(String, String), (u64, Digest, Option<String>)>,
        rep: &mut VerifyReport,
    ) -> Result<()> {
        for e in ENTITIES {
            let mut after: Option<Key> = None;
            loop {
                // Qualified: PostgreSQL would resolve a bare name to the text-cast output column
                // of the same name and order the keys as text.
                let (cond, order) = (
                    after.as_ref().map_or(String::new(), |_| {
                        format!(" WHERE {}.{} > $1", e.table, e.key)
                    }),
                    format!("{}.{}", e.table, e.key),
                );
                let sql = format!(
                    "SELECT {}, CAST({} AS BIGINT) FROM {} {cond} ORDER BY {order} LIMIT {PAGE}",
                    select_list(e),
                    e.pointer.unwrap_or("NULL"),
                    e.table
                );
                let mut q = sqlx::query(audited(sql));
                if let Some(k) = &after {
                    q = match k {
                        Key::Int(i) => q.bind(*i),
                        Key::Text(s) => q.bind(s.clone()),
                    };
                }
                let rows = q.fetch_all(&mut *conn).await?;
                if rows.is_empty() {
                    break;
                }
                for r in &rows {
                    let (key, fields, _) = read_row(e, r)?;
                    let pointer: Option<i64> = r.try_get(e.columns.len() + 2)?;
                    rep.records_checked += 1;
                    let record = format!("{}/{}", e.table, key);
                    match latest.remove(&(e.table.to_string(), key.clone())) {
                        None => rep.findings.push(finding(
                            "record_not_in_log",
                            None,
                            Some(record),
                            "no leaf names this record: it was written around the ledger".into(),
                        )),
                        Some((idx, digest, salt)) => {
                            if let Some(p) = pointer
                                && p as u64 != idx
                            {
                                rep.findings.push(finding(
                                    "record_leaf_pointer",
                                    Some(idx),
                                    Some(record.clone()),
                                    format!("the record points to leaf {p}, its leaf is {idx}"),
                                ));
                            }
                            let salt = match digest.alg {
                                DigestAlg::Sha256 => None,
                                DigestAlg::SaltedSha256 => salt.as_deref().and_then(unhex16),
                            };
                            let f: Vec<Option<&str>> =
                                fields.iter().map(|x| x.as_deref()).collect();
                            let now = Digest::of(&f, salt.as_ref());
                            if now != digest {
                                rep.findings.push(finding(
                                    "record_differs",
                                    Some(idx),
                                    Some(record),
                                    format!("the record no longer matches leaf {idx}: it was changed after it was logged"),
                                ));
                            }
                        }
                    }
                    after = Some(if e.int_key {
                        Key::Int(
                            key.parse()
                                .map_err(|_| StoreError::Corrupt(format!("key {key}")))?,
                        )
                    } else {
                        Key::Text(key)
                    });
                }
            }
        }
        for ((table, key), (idx, _, _)) in latest.drain() {
            rep.findings.push(finding(
                "record_missing",
                Some(idx),
                Some(format!("{table}/{key}")),
                format!(
                    "leaf {idx} names this record, which is no longer in the store: it was deleted"
                ),
            ));
        }
        Ok(())
    }
}

async fn head_in(conn: &mut sqlx::AnyConnection) -> Result<Head> {
    let r = sqlx::query("SELECT size, root FROM ledger_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    Ok(Head {
        size: r.try_get::<i64, _>(0)? as u64,
        root: r.try_get(1)?,
    })
}

async fn checkpoints_in(conn: &mut sqlx::AnyConnection, limit: i64) -> Result<Vec<CheckpointRow>> {
    let rows = sqlx::query(
        "SELECT id, size, root, note, created_at FROM ledger_checkpoints ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CheckpointRow {
                id: r.try_get(0)?,
                size: r.try_get::<i64, _>(1)? as u64,
                root: r.try_get(2)?,
                note: r.try_get(3)?,
                created_at: r.try_get(4)?,
            })
        })
        .collect()
}

async fn page_in(
    conn: &mut sqlx::AnyConnection,
    from: u64,
    limit: i64,
) -> Result<Vec<(u64, String, Option<String>)>> {
    let rows = sqlx::query(
        "SELECT tile, width, data, salts FROM ledger_tiles WHERE tile >= $1 ORDER BY tile, width DESC LIMIT $2",
    )
    .bind((from / TILE) as i64)
    .bind(limit / TILE as i64 + 2)
    .fetch_all(&mut *conn)
    .await?;
    Ok(tile_leaves(&rows)?
        .into_iter()
        .filter(|(idx, _, _)| *idx >= from)
        .take(limit.max(0) as usize)
        .collect())
}

fn leaf_row(index: u64, data: String) -> LeafRow {
    let parsed = Entry::parse(&data).ok();
    LeafRow {
        index,
        entity: parsed.as_ref().map_or("?", |e| e.entity()).to_string(),
        reference: parsed
            .as_ref()
            .map_or_else(String::new, |e| e.reference.clone()),
        leaf_hash: leaf_hash(data.as_bytes()).to_hex(),
        command_zh: parsed
            .as_ref()
            .map_or("（无法解析）", |e| e.command.zh())
            .to_string(),
        at: parsed.map(|e| e.at).unwrap_or_default(),
        data,
    }
}
