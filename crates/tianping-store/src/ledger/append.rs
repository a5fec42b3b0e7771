//! Appending leaves: a leaf per written row in the write's own transaction, the tiles of leaves
//! and the perfect subtrees they complete, and the head.

use super::entities::Key;
use super::entities::entity_of;
use super::entities::read_rows;
use super::split_tile;
use crate::db::{Val, bulk_insert};
use crate::{Backend, Result, Store, StoreError, audited, ts};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::collections::HashMap;
use tianping_ledger::{Command, Digest, Entry, Frontier, leaf_hash};

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

pub(crate) fn unhex16(s: &str) -> Option<[u8; 16]> {
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
/// Rows that do not exist are an error: a command records what it wrote. Called only by
/// [`crate::write::Write`].
pub(crate) async fn record(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    command: Command,
    keys: &[Key],
    now: DateTime<Utc>,
) -> Result<()> {
    let leaves = leaves_of(conn, backend, command, keys).await?;
    append_leaves(conn, backend, now, leaves).await
}

/// The leaves that record the rows with `keys` as they stand now in this transaction, in the
/// order of `keys` — built, not yet appended.
pub(crate) async fn leaves_of(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    command: Command,
    keys: &[Key],
) -> Result<Vec<NewLeaf>> {
    if keys.is_empty() {
        return Ok(vec![]);
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
    rows.into_iter()
        .map(|(key, fields, conf)| {
            let f: Vec<Option<&str>> = fields.iter().map(|x| x.as_deref()).collect();
            new_leaf(command, key, &f, conf)
        })
        .collect::<Result<Vec<_>>>()
}

/// Appends built leaves: locks the head, writes the leaves, subtrees and new head.
pub(crate) async fn append_leaves(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    now: DateTime<Utc>,
    leaves: Vec<NewLeaf>,
) -> Result<()> {
    if leaves.is_empty() {
        return Ok(());
    }
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

const REF_COLUMNS: &[(&str, &str)] = &[("entity", "text"), ("ref", "text"), ("idx", "bigint")];

const NODE_COLUMNS: &[(&str, &str)] = &[("id", "bigint"), ("hash", "text")];
