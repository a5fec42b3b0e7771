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

mod append;
mod entities;
mod projections;
mod tables;
mod trail;
mod verify;
mod witnesses;

pub use append::*;
pub use entities::*;
pub use trail::*;
pub use verify::*;
pub use witnesses::*;

use crate::{Result, Store, StoreError, audited, bulk_placeholders, ts};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use tianping_ledger::{
    Checkpoint, Entry, Frontier, Hash, LogKey, NodeAddr, consistency_plan, fold_range,
    inclusion_plan, leaf_hash,
};

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
                let id: i64 = r.try_get("id")?;
                let h: String = r.try_get("hash")?;
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
        let mut tx = self.write(now).await?;
        let size: i64 = sqlx::query("SELECT size FROM ledger_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if size > 0 {
            return Ok(0);
        }
        let mut n = 0u64;
        for e in entities() {
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
}

async fn head_in(conn: &mut sqlx::AnyConnection) -> Result<Head> {
    let r = sqlx::query("SELECT size, root FROM ledger_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    Ok(Head {
        size: r.try_get::<i64, _>("size")? as u64,
        root: r.try_get("root")?,
    })
}

async fn checkpoints_in(conn: &mut sqlx::AnyConnection, limit: i64) -> Result<Vec<CheckpointRow>> {
    let rows = sqlx::query(
        "SELECT id, size, root, note, created_at FROM ledger_checkpoints ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(checkpoint_row).collect()
}

pub(crate) fn checkpoint_row(r: &sqlx::any::AnyRow) -> Result<CheckpointRow> {
    Ok(CheckpointRow {
        id: r.try_get("id")?,
        size: r.try_get::<i64, _>("size")? as u64,
        root: r.try_get("root")?,
        note: r.try_get("note")?,
        created_at: r.try_get("created_at")?,
    })
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
