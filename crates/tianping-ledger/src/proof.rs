//! Tree shape, appends, proof plans and proof verification.
//!
//! A *perfect subtree* is addressed by `(level, index)`: it covers the leaves
//! `[index·2^level, (index+1)·2^level)`. Every perfect subtree of a tree of size `n` is final
//! once its last leaf is appended, so the store keeps them and never rewrites one. Any range
//! that RFC 6962 hashes (`MTH(D[a:b])`) is a short list of perfect subtrees, descending in size,
//! folded right to left ([`fold_range`]).

use crate::hash::{Hash, empty_root, node_hash};
use serde::{Deserialize, Serialize};

/// Errors of proof requests and verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("tree size {first} cannot be proved consistent with the smaller tree size {second}")]
    SizesOutOfOrder { first: u64, second: u64 },
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
    #[error("frontier data is malformed: {0}")]
    BadFrontier(String),
}

/// The address of a perfect subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeAddr {
    pub level: u8,
    pub index: u64,
}

const INDEX_BITS: u32 = 40;

impl NodeAddr {
    pub fn new(level: u8, index: u64) -> NodeAddr {
        NodeAddr { level, index }
    }

    /// A single integer key for storage: `level · 2^40 + index` (indices below 2^40 leaves).
    pub fn key(self) -> i64 {
        ((i64::from(self.level)) << INDEX_BITS) | (self.index as i64)
    }

    pub fn from_key(key: i64) -> NodeAddr {
        NodeAddr {
            level: (key >> INDEX_BITS) as u8,
            index: (key & ((1i64 << INDEX_BITS) - 1)) as u64,
        }
    }

    /// The first leaf it covers and the number of leaves.
    pub fn span(self) -> (u64, u64) {
        (self.index << self.level, 1u64 << self.level)
    }
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The perfect subtrees that make up the leaves `[a, b)`, left to right.
pub fn range_nodes(mut a: u64, b: u64) -> Vec<NodeAddr> {
    let mut out = vec![];
    while a < b {
        let mut level = if a == 0 { 63 } else { a.trailing_zeros() };
        while level > 0 && (1u64.checked_shl(level).is_none_or(|s| a + s > b)) {
            level -= 1;
        }
        out.push(NodeAddr::new(level as u8, a >> level));
        a += 1u64 << level;
    }
    out
}

/// `MTH` of a range given the hashes of its perfect subtrees in order (descending sizes).
pub fn fold_range(hashes: &[Hash]) -> Hash {
    let Some((last, rest)) = hashes.split_last() else {
        return empty_root();
    };
    rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc))
}

/// The stored nodes each element of `PATH(index, D[size])` (RFC 6962 §2.1.1) is made of,
/// bottom-up. An element is the fold of its nodes.
pub fn inclusion_plan(index: u64, size: u64) -> Result<Vec<Vec<NodeAddr>>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut out = vec![];
    let (mut lo, mut hi) = (0u64, size);
    // Iterative form of the recursion; siblings are collected top-down, then reversed.
    while hi - lo > 1 {
        let k = split(hi - lo);
        if index - lo < k {
            out.push(range_nodes(lo + k, hi));
            hi = lo + k;
        } else {
            out.push(range_nodes(lo, lo + k));
            lo += k;
        }
    }
    out.reverse();
    Ok(out)
}

/// The stored nodes each element of `PROOF(first, D[second])` (RFC 6962 §2.1.2) is made of.
/// Empty when `first == second` or `first == 0`.
pub fn consistency_plan(first: u64, second: u64) -> Result<Vec<Vec<NodeAddr>>, ProofError> {
    if first > second {
        return Err(ProofError::SizesOutOfOrder { first, second });
    }
    let mut out = vec![];
    if first == 0 || first == second {
        return Ok(out);
    }
    let (mut m, mut lo, hi0) = (first, 0u64, second);
    let mut hi = hi0;
    let mut whole = true;
    loop {
        let n = hi - lo;
        if m == n {
            if !whole {
                out.push(range_nodes(lo, hi));
            }
            break;
        }
        let k = split(n);
        if m <= k {
            out.push(range_nodes(lo + k, hi));
            hi = lo + k;
        } else {
            out.push(range_nodes(lo, lo + k));
            m -= k;
            lo += k;
            whole = false;
        }
    }
    out.reverse();
    Ok(out)
}

/// The root of a list of leaf hashes, by the RFC 6962 definition (reference implementation).
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies a consistency proof between two tree heads (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    first: u64,
    first_root: &Hash,
    second: u64,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if first > second {
        return Err(ProofError::SizesOutOfOrder { first, second });
    }
    if first == second {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if first_root == second_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if first == 0 {
        // Every tree extends the empty one; its root must be the empty root.
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if *first_root == empty_root() {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (first - 1, second - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if &fr != first_root || &sr != second_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The right edge of a tree: the roots of its perfect subtrees, largest first (one per set bit
/// of the size). Appending a leaf yields the perfect subtrees it completes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

impl Frontier {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash and calls `completed` for each perfect subtree now final: the leaf
    /// itself (level 0), then each parent it completes.
    pub fn append(&mut self, leaf: Hash, mut completed: impl FnMut(NodeAddr, Hash)) {
        let mut node = leaf;
        let mut addr = NodeAddr::new(0, self.size);
        completed(addr, node);
        while addr.index & 1 == 1 {
            let Some(left) = self.hashes.pop() else {
                break;
            };
            node = node_hash(&left, &node);
            addr = NodeAddr::new(addr.level + 1, addr.index >> 1);
            completed(addr, node);
        }
        self.hashes.push(node);
        self.size += 1;
    }

    /// The tree's root.
    pub fn root(&self) -> Hash {
        fold_range(&self.hashes)
    }

    /// The perfect subtrees a frontier of `size` consists of (for loading it from storage).
    pub fn addresses(size: u64) -> Vec<NodeAddr> {
        range_nodes(0, size)
    }

    /// Rebuilds a frontier from the hashes of [`Frontier::addresses`] for `size`.
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Result<Frontier, ProofError> {
        if hashes.len() != size.count_ones() as usize {
            return Err(ProofError::BadFrontier(format!(
                "size {size} needs {} hashes, found {}",
                size.count_ones(),
                hashes.len()
            )));
        }
        Ok(Frontier { size, hashes })
    }

    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Compact text form: the size, then the hashes in hex, separated by spaces.
    pub fn encode(&self) -> String {
        let mut s = self.size.to_string();
        for h in &self.hashes {
            s.push(' ');
            s.push_str(&h.to_hex());
        }
        s
    }

    pub fn decode(text: &str) -> Result<Frontier, ProofError> {
        let mut parts = text.split(' ');
        let size: u64 = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| ProofError::BadFrontier("size".into()))?;
        let hashes = parts
            .filter(|p| !p.is_empty())
            .map(|p| Hash::from_hex(p).ok_or_else(|| ProofError::BadFrontier(p.into())))
            .collect::<Result<Vec<_>, _>>()?;
        Frontier::from_parts(size, hashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("leaf-{i}").as_bytes()))
            .collect()
    }

    /// A tree in memory built the way the store builds it: by appends, keeping every node.
    fn build(hs: &[Hash]) -> (Frontier, HashMap<NodeAddr, Hash>) {
        let mut f = Frontier::default();
        let mut nodes = HashMap::new();
        for h in hs {
            f.append(*h, |a, h| {
                nodes.insert(a, h);
            });
        }
        (f, nodes)
    }

    fn realise(plan: &[Vec<NodeAddr>], nodes: &HashMap<NodeAddr, Hash>) -> Vec<Hash> {
        plan.iter()
            .map(|el| fold_range(&el.iter().map(|a| nodes[a]).collect::<Vec<_>>()))
            .collect()
    }

    #[test]
    fn every_proof_of_small_trees_verifies_and_tampering_fails() {
        let all = leaves(70);
        let (_, nodes) = build(&all);
        for n in 1..=70u64 {
            let root = root_of(&all[..n as usize]);
            let (f, _) = build(&all[..n as usize]);
            assert_eq!(f.root(), root, "frontier root at {n}");
            for m in 0..n {
                let p = realise(&inclusion_plan(m, n).unwrap(), &nodes);
                verify_inclusion(m, n, &all[m as usize], &p, &root).unwrap();
                if !p.is_empty() {
                    let mut bad = p.clone();
                    bad[0] = leaf_hash(b"forged");
                    assert!(verify_inclusion(m, n, &all[m as usize], &bad, &root).is_err());
                }
                assert!(verify_inclusion(m, n, &leaf_hash(b"x"), &p, &root).is_err());
            }
            for m in 0..=n {
                let p = realise(&consistency_plan(m, n).unwrap(), &nodes);
                let r1 = root_of(&all[..m as usize]);
                verify_consistency(m, &r1, n, &root, &p).unwrap();
                if m > 0 && m < n {
                    assert!(verify_consistency(m, &leaf_hash(b"y"), n, &root, &p).is_err());
                }
            }
        }
    }

    #[test]
    fn node_keys_round_trip() {
        for a in [
            NodeAddr::new(0, 0),
            NodeAddr::new(23, 5),
            NodeAddr::new(1, (1 << 39) + 7),
        ] {
            assert_eq!(NodeAddr::from_key(a.key()), a);
        }
    }

    #[test]
    fn frontier_encoding_round_trips_and_refuses_nonsense() {
        let (f, _) = build(&leaves(13));
        assert_eq!(Frontier::decode(&f.encode()).unwrap(), f);
        assert!(Frontier::decode("3 00").is_err());
        assert!(Frontier::decode("x").is_err());
        assert_eq!(Frontier::decode("0").unwrap(), Frontier::default());
    }

    proptest! {
        #[test]
        fn frontier_reload_matches_continuous_append(n in 1u64..300, extra in 1u64..40) {
            let all = leaves(n + extra);
            let (_, nodes) = build(&all);
            let parts = Frontier::addresses(n).iter().map(|a| nodes[a]).collect();
            let mut f = Frontier::from_parts(n, parts).unwrap();
            for h in &all[n as usize..] {
                f.append(*h, |_, _| {});
            }
            prop_assert_eq!(f.root(), root_of(&all));
        }
    }
}
