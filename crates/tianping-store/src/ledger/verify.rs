//! Verifying the whole ledger: the tree recomputed from the leaves against every stored subtree,
//! the head and every signed checkpoint, then every ledgered row against its latest leaf.

use super::CheckpointRow;
use super::PAGE;
use super::append::MIN_STORED_LEVEL;
use super::append::unhex16;
use super::checkpoints_in;
use super::entities::Key;
use super::entities::entities;
use super::entities::read_row;
use super::entities::select_list;
use super::head_in;
use super::page_in;
use crate::{Backend, Result, Store, StoreError, audited};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use tianping_ledger::{
    Checkpoint, Digest, DigestAlg, Entry, Frontier, Hash, NodeAddr, VerifierKey, leaf_hash,
};
use tianping_ledger::{Cosigned, Finding};

/// What `verify` checked and found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VerifyReport {
    pub size: u64,
    pub root: String,
    pub leaves_checked: u64,
    pub nodes_checked: u64,
    pub checkpoints_checked: u64,
    pub records_checked: u64,
    /// How many passes over the leaves the record check took (one per slice of the records, so
    /// that its memory stays bounded whatever the size of the log).
    pub record_passes: u64,
    /// Per witness key given, the checkpoints it cosigned (in the order of the keys).
    pub cosigned: Vec<Cosigned>,
    pub findings: Vec<Finding>,
}

/// The latest leaf of each record of one slice: (entity, reference) → (leaf index, digest, salt).
type Latest = HashMap<(String, String), (u64, Digest, Option<String>)>;

/// At most about this many records are held in memory at once by the record check (~130 bytes
/// each, measured): a log of more leaves is checked in several passes, each over one slice of
/// the records.
pub const RECORDS_PER_PASS: u64 = 1_000_000;

/// One slice of the records: of each table with integer keys, one range of keys (the keys from
/// 0 to the largest cut in `of` equal ranges); the tables with text keys (few rows: users,
/// organisations) all in the first slice. A pass reads only its slice's rows, and all the leaves.
#[derive(Debug, Clone, Copy)]
struct Slice<'a> {
    k: u64,
    of: u64,
    /// Keys per slice of each table with integer keys.
    widths: &'a HashMap<&'static str, i64>,
}

impl Slice<'_> {
    fn count(size: u64, per_pass: u64) -> u64 {
        size.div_ceil(per_pass.max(1)).max(1)
    }

    /// The slice a record falls in (a key that is not a number, in the first).
    fn of_record(&self, entity: &str, reference: &str) -> u64 {
        match (self.widths.get(entity), reference.parse::<i64>()) {
            (Some(w), Ok(key)) => (key.max(0) / (*w).max(1)).min(self.of as i64 - 1) as u64,
            _ => 0,
        }
    }

    fn holds(&self, entity: &str, reference: &str) -> bool {
        self.of <= 1 || self.of_record(entity, reference) == self.k
    }

    /// The rows of a table this slice reads: all, none, or a key range (from, to) where `None`
    /// is open.
    fn rows(&self, table: &str) -> Option<(Option<i64>, Option<i64>)> {
        if self.of <= 1 {
            return Some((None, None));
        }
        match self.widths.get(table) {
            None if self.k == 0 => Some((None, None)),
            None => None,
            Some(w) => {
                let from = (self.k > 0).then(|| self.k as i64 * w);
                let to = (self.k + 1 < self.of).then(|| (self.k as i64 + 1) * w);
                Some((from, to))
            }
        }
    }
}

/// Keys per slice of each table with integer keys, for `of` slices.
async fn widths(conn: &mut sqlx::AnyConnection, of: u64) -> Result<HashMap<&'static str, i64>> {
    let mut out = HashMap::new();
    if of <= 1 {
        return Ok(out);
    }
    for e in entities().filter(|e| e.int_key) {
        let max: Option<i64> = sqlx::query_scalar(audited(format!(
            "SELECT CAST(MAX({}) AS BIGINT) FROM {}",
            e.key, e.table
        )))
        .fetch_one(&mut *conn)
        .await?;
        let keys = max.unwrap_or(0).max(0) + 1;
        out.insert(e.table, (keys as u64).div_ceil(of).max(1) as i64);
    }
    Ok(out)
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }

    /// The first mismatch, in log order (findings naming a leaf first, by leaf index).
    pub fn first(&self) -> Option<&Finding> {
        self.findings.first()
    }

    /// In log order; findings that name no leaf (a record written around the log, a projection
    /// that differs) by table, then key — the same order whatever slices the check took.
    fn sort(&mut self) {
        tianping_ledger::bundle::sort_findings(&mut self.findings);
        let place = |f: &Finding| -> (usize, i64, String) {
            let Some(r) = f.record.as_deref().filter(|_| f.leaf.is_none()) else {
                return (0, 0, String::new());
            };
            let (table, key) = r.split_once('/').unwrap_or((r, ""));
            (
                entities()
                    .position(|e| e.table == table)
                    .unwrap_or(usize::MAX),
                key.parse().unwrap_or(i64::MAX),
                key.to_string(),
            )
        };
        self.findings
            .sort_by_cached_key(|f| (f.leaf.is_none(), f.leaf, place(f)));
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

/// What to check in [`Store::verify_ledger`].
pub struct VerifyOptions<'a> {
    /// The log's public key; without it checkpoint signatures are not checked.
    pub key: Option<&'a VerifierKey>,
    pub origin: &'a str,
    /// Compare every ledgered row with its latest leaf (off for a log-only check).
    pub records: bool,
    /// Checkpoints kept elsewhere (signed notes) to check against the live log.
    pub witnesses: &'a [String],
    /// The public keys of the witnesses that cosign checkpoints (the 人大常委会's, the 政法委's):
    /// the report names who cosigned, and a cosignature that does not verify is a finding.
    pub witness_keys: &'a [VerifierKey],
}

impl Store {
    /// A read-only transaction that sees one snapshot for all its reads (PostgreSQL: repeatable
    /// read; SQLite's deferred transaction takes its snapshot at the first read). Roll it back.
    pub(crate) async fn read_snapshot(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Checks the whole store against the log. See the module documentation.
    pub async fn verify_ledger(&self, opts: &VerifyOptions<'_>) -> Result<VerifyReport> {
        self.verify_ledger_with_pass_size(opts, RECORDS_PER_PASS)
            .await
    }

    /// [`Store::verify_ledger`] holding at most about `per_pass` records in memory at once: a log
    /// of more leaves than that takes one more pass over the leaves per slice of the records.
    pub async fn verify_ledger_with_pass_size(
        &self,
        opts: &VerifyOptions<'_>,
        per_pass: u64,
    ) -> Result<VerifyReport> {
        let mut rep = VerifyReport {
            cosigned: tianping_ledger::witness::tally(opts.witness_keys),
            ..VerifyReport::default()
        };
        // One snapshot for the whole check: a write that commits while it runs is neither a
        // leaf nor a record to it (read separately, its rows would look written around the
        // ledger). SQLite's deferred transaction takes its snapshot at the first read.
        let mut tx = self.read_snapshot().await?;
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
        // Latest leaf per record of the first slice (the other slices take a pass each).
        let passes = if opts.records {
            Slice::count(head.size, per_pass)
        } else {
            1
        };
        let widths = widths(&mut tx, passes).await?;
        let first = Slice {
            k: 0,
            of: passes,
            widths: &widths,
        };
        let mut latest = Latest::new();
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
                        if opts.records && first.holds(en.entity(), &en.reference) {
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
            rep.record_passes = passes;
            self.compare_records(&mut tx, &mut latest, first, &mut rep)
                .await?;
            drop(latest);
            for k in 1..passes {
                let slice = Slice {
                    k,
                    of: passes,
                    widths: &widths,
                };
                let mut latest = latest_leaves(&mut tx, rep.size, slice).await?;
                self.compare_records(&mut tx, &mut latest, slice, &mut rep)
                    .await?;
            }
            super::projections::compare(&mut tx, &mut rep.findings).await?;
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
        let invalid =
            tianping_ledger::witness::count(&mut rep.cosigned, opts.witness_keys, &c.note, c.size);
        for name in invalid {
            rep.findings.push(finding(
                "cosignature_invalid",
                None,
                None,
                format!("{label}: the cosignature of witness {name} does not verify"),
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
            stored.insert(r.try_get("id")?, r.try_get("hash")?);
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
        latest: &mut Latest,
        slice: Slice<'_>,
        rep: &mut VerifyReport,
    ) -> Result<()> {
        for e in entities() {
            let Some((from, to)) = slice.rows(e.table) else {
                continue;
            };
            let mut after: Option<Key> = None;
            loop {
                // Qualified: PostgreSQL would resolve a bare name to the text-cast output column
                // of the same name and order the keys as text. The range's bounds are numbers.
                let column = format!("{}.{}", e.table, e.key);
                let mut conds = vec![];
                if after.is_some() {
                    conds.push(format!("{column} > $1"));
                }
                if let Some(f) = from {
                    conds.push(format!("{column} >= {f}"));
                }
                if let Some(t) = to {
                    conds.push(format!("{column} < {t}"));
                }
                let (cond, order) = (
                    if conds.is_empty() {
                        String::new()
                    } else {
                        format!(" WHERE {}", conds.join(" AND "))
                    },
                    column,
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
                    if !slice.holds(e.table, &key) {
                        after = Some(next_key(e.int_key, key)?);
                        continue;
                    }
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
                    after = Some(next_key(e.int_key, key)?);
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

/// The key to page on after a row.
fn next_key(int_key: bool, key: String) -> Result<Key> {
    Ok(if int_key {
        Key::Int(
            key.parse()
                .map_err(|_| StoreError::Corrupt(format!("key {key}")))?,
        )
    } else {
        Key::Text(key)
    })
}

/// The latest leaf of each record of a slice, from the first `size` leaves (a pass of the record
/// check after the first; malformed leaves were reported by the first).
async fn latest_leaves(
    conn: &mut sqlx::AnyConnection,
    size: u64,
    slice: Slice<'_>,
) -> Result<Latest> {
    let mut latest = Latest::new();
    let mut from = 0u64;
    while from < size {
        let page = page_in(conn, from, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for (idx, data, salt) in page {
            if idx >= size {
                return Ok(latest);
            }
            from = idx + 1;
            if let Ok(en) = Entry::parse(&data)
                && slice.holds(en.entity(), &en.reference)
            {
                latest.insert(
                    (en.entity().to_string(), en.reference.clone()),
                    (idx, en.digest, salt),
                );
            }
        }
    }
    Ok(latest)
}
