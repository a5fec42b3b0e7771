//! An exported ledger bundle and its offline verifier.
//!
//! A bundle is JSON lines: a header, the signed checkpoints (oldest first), then every leaf's
//! data in order. Salts of confidential records are not in it, so the bundle can be handed to a
//! supervising body: it proves the log's history, not the content of confidential records.
//!
//! ```text
//! {"format":"tianping-ledger-bundle/1","origin":"…","verifier_key":"…","size":N,"root":"…"}
//! {"checkpoint":"<signed note>"}
//! {"leaf":"tianping-ledger/1 0 org_added orgs/zj …"}
//! ```

use crate::entry::Entry;
use crate::hash::{Hash, leaf_hash};
use crate::note::VerifierKey;
use crate::proof::Frontier;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const BUNDLE_FORMAT: &str = "tianping-ledger-bundle/1";

/// One thing a verifier found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code, e.g. `leaf_out_of_place`, `record_differs`, `checkpoint_signature`.
    pub code: &'static str,
    /// The leaf concerned, if one can be named.
    pub leaf: Option<u64>,
    /// `table/key` of the record concerned.
    pub record: Option<String>,
    pub detail: String,
}

impl Finding {
    pub fn new(
        code: &'static str,
        leaf: Option<u64>,
        record: Option<String>,
        detail: impl Into<String>,
    ) -> Finding {
        Finding {
            code,
            leaf,
            record,
            detail: detail.into(),
        }
    }
}

/// Sorts findings into log order: those naming a leaf first, by leaf (stable otherwise).
pub fn sort_findings(f: &mut [Finding]) {
    f.sort_by_key(|f| (f.leaf.is_none(), f.leaf));
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub origin: String,
    pub verifier_key: String,
    pub size: u64,
    pub root: String,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
pub enum Line {
    Checkpoint { checkpoint: String },
    Leaf { leaf: String },
}

/// What the offline verifier checked and found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BundleReport {
    pub origin: String,
    pub size: u64,
    pub root: String,
    pub leaves: u64,
    pub checkpoints: u64,
    /// Per witness key given, the checkpoints it cosigned.
    pub cosigned: Vec<crate::witness::Cosigned>,
    pub findings: Vec<Finding>,
}

impl BundleReport {
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Checks root-at-size claims (checkpoints, witnesses) against the recomputed tree.
struct Claims {
    wanted: BTreeMap<u64, Option<Hash>>,
}

/// Verifies a bundle read line by line. `key` is the log key the verifier trusts (a witness's
/// own copy); without it the key in the bundle's header is used, which proves only that the
/// bundle is internally consistent. `witnesses` are checkpoints kept elsewhere; `witness_keys`
/// the keys of the bodies that cosign checkpoints (the report names what each cosigned, and a
/// cosignature that does not verify is the finding `cosignature_invalid`).
pub fn verify_bundle<I>(
    lines: I,
    key: Option<&VerifierKey>,
    witnesses: &[String],
    witness_keys: &[VerifierKey],
) -> Result<BundleReport, String>
where
    I: IntoIterator<Item = Result<String, String>>,
{
    let mut it = lines.into_iter().enumerate();
    let (_, first) = it.next().ok_or("the bundle is empty")?;
    let header: Header =
        serde_json::from_str(&first?).map_err(|e| format!("line 1 (header): {e}"))?;
    if header.format != BUNDLE_FORMAT {
        return Err(format!("line 1: unknown bundle format {:?}", header.format));
    }
    let own = VerifierKey::parse(&header.verifier_key)
        .map_err(|e| format!("line 1: verifier_key: {e}"))?;
    let key = key.unwrap_or(&own);
    let mut rep = BundleReport {
        origin: header.origin.clone(),
        cosigned: crate::witness::tally(witness_keys),
        ..Default::default()
    };
    let mut claims = Claims {
        wanted: BTreeMap::new(),
    };
    let mut opened: Vec<(usize, u64, Hash, &'static str)> = vec![];
    for w in witnesses {
        match key.open_for(&header.origin, w) {
            Ok(cp) => {
                claims.wanted.insert(cp.size, None);
                opened.push((0, cp.size, cp.root, "witness"));
            }
            Err(e) => rep.findings.push(Finding::new(
                "witness_signature",
                None,
                None,
                format!("the witness checkpoint does not open with the log key: {e}"),
            )),
        }
    }
    let mut frontier = Frontier::default();
    claims.wanted.insert(0, Some(frontier.root()));
    for (n, line) in it {
        let line_no = n + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line =
            serde_json::from_str(&line).map_err(|e| format!("line {line_no}: {e}"))?;
        match parsed {
            Line::Checkpoint { checkpoint } => {
                rep.checkpoints += 1;
                if frontier.size() > 0 {
                    return Err(format!(
                        "line {line_no}: checkpoints must come before the leaves"
                    ));
                }
                match key.open_for(&header.origin, &checkpoint) {
                    Ok(cp) => {
                        claims.wanted.insert(cp.size, None);
                        opened.push((line_no, cp.size, cp.root, "checkpoint"));
                        let invalid = crate::witness::count(
                            &mut rep.cosigned,
                            witness_keys,
                            &checkpoint,
                            cp.size,
                        );
                        for name in invalid {
                            rep.findings.push(Finding::new(
                                "cosignature_invalid",
                                None,
                                None,
                                format!(
                                    "line {line_no}: the cosignature of witness {name} does not verify"
                                ),
                            ));
                        }
                    }
                    Err(e) => rep.findings.push(Finding::new(
                        "checkpoint_signature",
                        None,
                        None,
                        format!("line {line_no}: {e}"),
                    )),
                }
            }
            Line::Leaf { leaf } => {
                let idx = frontier.size();
                match Entry::parse(&leaf) {
                    Err(e) => rep.findings.push(Finding::new(
                        "leaf_malformed",
                        Some(idx),
                        None,
                        format!("line {line_no}: {e}"),
                    )),
                    Ok(en) if en.index != idx => rep.findings.push(Finding::new(
                        "leaf_out_of_place",
                        Some(idx),
                        Some(format!("{}/{}", en.entity(), en.reference)),
                        format!("line {line_no}: leaf {idx} says it is leaf {}", en.index),
                    )),
                    Ok(_) => {}
                }
                frontier.append(leaf_hash(leaf.as_bytes()), |_, _| {});
                rep.leaves += 1;
                if let Some(slot) = claims.wanted.get_mut(&frontier.size()) {
                    *slot = Some(frontier.root());
                }
            }
        }
    }
    rep.size = frontier.size();
    rep.root = frontier.root().to_hex();
    if header.size != rep.size || header.root != rep.root {
        rep.findings.push(Finding::new(
            "head_mismatch",
            Some(rep.size.min(header.size)),
            None,
            format!(
                "the header says size {} root {}, the leaves give size {} root {}",
                header.size, header.root, rep.size, rep.root
            ),
        ));
    }
    for (line_no, size, root, what) in opened {
        let at = if line_no > 0 {
            format!("line {line_no}: ")
        } else {
            String::new()
        };
        match claims.wanted.get(&size).copied().flatten() {
            None => rep.findings.push(Finding::new(
                if what == "witness" {
                    "witness_beyond_log"
                } else {
                    "checkpoint_beyond_log"
                },
                Some(rep.size),
                None,
                format!(
                    "{at}a {what} of size {size} is beyond the bundle's {} leaves: the log was truncated",
                    rep.size
                ),
            )),
            Some(r) if r != root => rep.findings.push(Finding::new(
                if what == "witness" {
                    "witness_mismatch"
                } else {
                    "checkpoint_mismatch"
                },
                Some(size.saturating_sub(1)),
                None,
                format!("{at}the {what} of size {size} signs root {root}, the leaves give {r}"),
            )),
            Some(_) => {}
        }
    }
    sort_findings(&mut rep.findings);
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Command, Digest};
    use crate::note::{Checkpoint, LogKey};

    fn bundle(n: u64, key: &LogKey, cp_at: &[u64]) -> (Vec<String>, Vec<String>) {
        let leaves: Vec<String> = (0..n)
            .map(|i| {
                Entry::new(
                    i,
                    Command::EventRecorded,
                    (i + 1).to_string(),
                    "2026-11-22T00:00:00Z",
                    Digest::of(&[Some(i.to_string().as_str())], None),
                )
                .unwrap()
                .data()
            })
            .collect();
        let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l.as_bytes())).collect();
        let notes: Vec<String> = cp_at
            .iter()
            .map(|&s| {
                key.sign(&Checkpoint {
                    origin: "o".into(),
                    size: s,
                    root: crate::proof::root_of(&hashes[..s as usize]),
                })
            })
            .collect();
        let root = crate::proof::root_of(&hashes);
        let mut lines = vec![
            serde_json::to_string(&Header {
                format: BUNDLE_FORMAT.into(),
                origin: "o".into(),
                verifier_key: key.verifier().to_text(),
                size: n,
                root: root.to_hex(),
            })
            .unwrap(),
        ];
        for c in &notes {
            lines.push(
                serde_json::to_string(&Line::Checkpoint {
                    checkpoint: c.clone(),
                })
                .unwrap(),
            );
        }
        for l in &leaves {
            lines.push(serde_json::to_string(&Line::Leaf { leaf: l.clone() }).unwrap());
        }
        (lines, notes)
    }

    fn run(lines: &[String], key: Option<&VerifierKey>, w: &[String]) -> BundleReport {
        verify_bundle(lines.iter().map(|l| Ok(l.clone())), key, w, &[]).unwrap()
    }

    #[test]
    fn a_clean_bundle_verifies_and_each_tampering_is_named() {
        let key = LogKey::from_seed("o", [1; 32]).unwrap();
        let (lines, notes) = bundle(20, &key, &[5, 20]);
        let v = key.verifier();
        let rep = run(&lines, Some(&v), std::slice::from_ref(&notes[0]));
        assert!(rep.ok(), "{:?}", rep.findings);
        assert_eq!((rep.leaves, rep.checkpoints), (20, 2));

        // Reordered leaves (lines 3+2 = leaves 0 and 1 swapped... take leaves 7 and 8).
        let mut re = lines.clone();
        re.swap(3 + 7, 3 + 8);
        let rep = run(&re, Some(&v), &[]);
        assert_eq!(rep.findings[0].code, "leaf_out_of_place");
        assert_eq!(rep.findings[0].leaf, Some(7));

        // Truncated: the last 10 leaves dropped, header fixed up: the 20-leaf checkpoint is beyond.
        let (short, _) = bundle(10, &key, &[]);
        let mut tr = vec![short[0].clone(), lines[1].clone(), lines[2].clone()];
        tr.extend_from_slice(&short[1..]);
        let rep = run(&tr, Some(&v), &[]);
        assert!(
            rep.findings
                .iter()
                .any(|f| f.code == "checkpoint_beyond_log")
        );

        // A checkpoint signed by another key; a witness from another key.
        let other = LogKey::from_seed("o", [2; 32]).unwrap();
        let (forged, forged_notes) = bundle(20, &other, &[20]);
        let rep = run(&forged, Some(&v), &[]);
        assert_eq!(rep.findings[0].code, "checkpoint_signature");
        let rep = run(&lines, Some(&v), &forged_notes);
        assert_eq!(rep.findings[0].code, "witness_signature");

        // A rewritten history: same size, different leaf 3, all re-signed by the same key; the
        // witness kept the old 5-leaf checkpoint.
        let mut rw = lines.clone();
        rw[3 + 3] = rw[3 + 3].replace("events/4", "events/44");
        let rep = run(&rw, Some(&v), std::slice::from_ref(&notes[0]));
        assert!(rep.findings.iter().any(|f| f.code == "witness_mismatch"));
        assert!(verify_bundle(vec![Ok("{}".to_string())], None, &[], &[]).is_err());
    }

    #[test]
    fn the_bundle_verifier_names_what_each_witness_cosigned() {
        let key = LogKey::from_seed("o", [1; 32]).unwrap();
        let renda = LogKey::from_seed("杭州市人大常委会", [3; 32]).unwrap();
        let zfw = LogKey::from_seed("中共杭州市委政法委员会", [4; 32]).unwrap();
        let (mut lines, notes) = bundle(20, &key, &[5, 20]);
        // The 人大 cosigned both checkpoints; the 政法委 none.
        for (i, n) in notes.iter().enumerate() {
            lines[1 + i] = serde_json::to_string(&Line::Checkpoint {
                checkpoint: renda.add_signature(n).unwrap(),
            })
            .unwrap();
        }
        let keys = [renda.verifier(), zfw.verifier()];
        let rep = verify_bundle(lines.iter().map(|l| Ok(l.clone())), None, &[], &keys).unwrap();
        assert!(rep.ok(), "{:?}", rep.findings);
        assert_eq!(
            rep.cosigned
                .iter()
                .map(|c| (c.witness.as_str(), c.checkpoints, c.latest_size))
                .collect::<Vec<_>>(),
            vec![
                ("杭州市人大常委会", 2, Some(20)),
                ("中共杭州市委政法委员会", 0, None)
            ]
        );
        // The 人大's line of the 20-leaf checkpoint moved onto the 5-leaf one.
        let line20 = renda.add_signature(&notes[1]).unwrap();
        let moved_line = line20.lines().last().unwrap();
        lines[1] = serde_json::to_string(&Line::Checkpoint {
            checkpoint: format!("{}{moved_line}\n", notes[0]),
        })
        .unwrap();
        let rep = verify_bundle(lines.iter().map(|l| Ok(l.clone())), None, &[], &keys).unwrap();
        assert_eq!(
            rep.findings[0].code, "cosignature_invalid",
            "{:?}",
            rep.findings
        );
    }
}
