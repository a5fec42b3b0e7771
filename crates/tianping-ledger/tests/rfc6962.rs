//! The published RFC 6962 vectors (tests/vectors/rfc6962.toml, with their source): roots,
//! inclusion proofs and consistency proofs produced by this crate's appends and proof plans.
#![allow(clippy::unwrap_used)]

use serde::Deserialize;
use std::collections::HashMap;
use tianping_ledger::{
    Frontier, Hash, NodeAddr, consistency_plan, fold_range, inclusion_plan, leaf_hash, root_of,
    verify_consistency, verify_inclusion,
};

#[derive(Deserialize)]
struct Vectors {
    leaves: Vec<String>,
    roots: Vec<String>,
    inclusion: Vec<Inclusion>,
    consistency: Vec<Consistency>,
}

#[derive(Deserialize)]
struct Inclusion {
    index: u64,
    size: u64,
    proof: Vec<String>,
}

#[derive(Deserialize)]
struct Consistency {
    first: u64,
    second: u64,
    proof: Vec<String>,
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn load() -> (Vectors, Vec<Hash>, HashMap<NodeAddr, Hash>) {
    let v: Vectors = toml::from_str(include_str!("vectors/rfc6962.toml")).unwrap();
    let leaves: Vec<Hash> = v.leaves.iter().map(|l| leaf_hash(&unhex(l))).collect();
    let mut nodes = HashMap::new();
    let mut f = Frontier::default();
    for h in &leaves {
        f.append(*h, |a, h| {
            nodes.insert(a, h);
        });
    }
    (v, leaves, nodes)
}

fn realise(plan: Vec<Vec<NodeAddr>>, nodes: &HashMap<NodeAddr, Hash>) -> Vec<String> {
    plan.iter()
        .map(|el| fold_range(&el.iter().map(|a| nodes[a]).collect::<Vec<_>>()).to_hex())
        .collect()
}

#[test]
fn roots_of_the_reference_tree() {
    let (v, leaves, _) = load();
    let mut f = Frontier::default();
    assert_eq!(f.root().to_hex(), v.roots[0]);
    for (n, want) in v.roots.iter().enumerate().skip(1) {
        f.append(leaves[n - 1], |_, _| {});
        assert_eq!(f.root().to_hex(), *want, "root of the first {n} leaves");
        assert_eq!(root_of(&leaves[..n]).to_hex(), *want);
    }
}

#[test]
fn inclusion_proofs_match_and_verify() {
    let (v, leaves, nodes) = load();
    for c in &v.inclusion {
        let proof = realise(inclusion_plan(c.index, c.size).unwrap(), &nodes);
        assert_eq!(proof, c.proof, "PATH({}, D[{}])", c.index, c.size);
        let hashes: Vec<Hash> = proof.iter().map(|p| Hash::from_hex(p).unwrap()).collect();
        let root = Hash::from_hex(&v.roots[c.size as usize]).unwrap();
        verify_inclusion(c.index, c.size, &leaves[c.index as usize], &hashes, &root).unwrap();
    }
}

#[test]
fn consistency_proofs_match_and_verify() {
    let (v, _, nodes) = load();
    for c in &v.consistency {
        let proof = realise(consistency_plan(c.first, c.second).unwrap(), &nodes);
        assert_eq!(proof, c.proof, "PROOF({}, D[{}])", c.first, c.second);
        let hashes: Vec<Hash> = proof.iter().map(|p| Hash::from_hex(p).unwrap()).collect();
        let r1 = Hash::from_hex(&v.roots[c.first as usize]).unwrap();
        let r2 = Hash::from_hex(&v.roots[c.second as usize]).unwrap();
        verify_consistency(c.first, &r1, c.second, &r2, &hashes).unwrap();
        // Swapped roots must fail unless the sizes are equal.
        if c.first != c.second {
            assert!(verify_consistency(c.first, &r2, c.second, &r1, &hashes).is_err());
        }
    }
}
