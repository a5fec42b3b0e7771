//! Witness cosignatures. A supervising body (the 人大常委会, the 政法委) keeps its own Ed25519 key,
//! away from the servers, and adds its signature to a checkpoint of the log only after checking
//! that the checkpoint extends the last one it signed. Whoever takes the servers holds the log's
//! key and could sign a rewritten history; they cannot make the witnesses sign it. A verifier
//! given the witnesses' public keys names who cosigned each checkpoint, and a cosignature that does
//! not verify is a finding.
//!
//! The cosignature is a line of the same signed note (C2SP signed note: any number of signature
//! lines under one text), so a checkpoint travels with its cosignatures — in the store, in the
//! exported bundle, in a witness's own files.

use crate::hash::Hash;
use crate::note::{Checkpoint, DASH, LogKey, NoteError, VerifierKey, malformed, split_note};
use crate::proof::{ProofError, verify_consistency};

/// Why a witness refused to cosign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("the checkpoint does not open with the log's key: {0}")]
    Checkpoint(NoteError),
    #[error("the previous checkpoint does not open with the log's and this witness's keys: {0}")]
    Previous(NoteError),
    #[error(
        "the checkpoint has {size} leaves, fewer than the {previous} of the one signed before: the log was truncated"
    )]
    Shrunk { previous: u64, size: u64 },
    #[error(
        "the checkpoint has the same {size} leaves as the one signed before but another root: the log forked"
    )]
    Forked { size: u64 },
    #[error(
        "the log at {size} leaves is not proved to extend the one at {previous} signed before: {error}"
    )]
    NotExtending {
        previous: u64,
        size: u64,
        error: ProofError,
    },
}

/// A witness's decision: checks `note` with the log's key (for `origin`), and — when the witness
/// has signed before — that `previous` (a note it cosigned) is extended by it, through `proof`
/// (the log's consistency proof from the previous size to the new one). Returns the note with the
/// witness's signature added (unchanged if it carries one already).
pub fn cosign(
    witness: &LogKey,
    log: &VerifierKey,
    origin: &str,
    note: &str,
    previous: Option<&str>,
    proof: &[Hash],
) -> Result<String, WitnessError> {
    let cp = log
        .open_for(origin, note)
        .map_err(WitnessError::Checkpoint)?;
    if let Some(prev) = previous {
        let before = log
            .open_for(origin, prev)
            .and_then(|c| witness.verifier().open(prev).map(|_| c))
            .map_err(WitnessError::Previous)?;
        extends(&before, &cp, proof)?;
    }
    witness
        .add_signature(note)
        .map_err(WitnessError::Checkpoint)
}

/// Whether checkpoint `after` extends `before` by `proof`.
pub fn extends(
    before: &Checkpoint,
    after: &Checkpoint,
    proof: &[Hash],
) -> Result<(), WitnessError> {
    if after.size < before.size {
        return Err(WitnessError::Shrunk {
            previous: before.size,
            size: after.size,
        });
    }
    if after.size == before.size {
        return if after.root == before.root {
            Ok(())
        } else {
            Err(WitnessError::Forked { size: after.size })
        };
    }
    verify_consistency(before.size, &before.root, after.size, &after.root, proof).map_err(|error| {
        WitnessError::NotExtending {
            previous: before.size,
            size: after.size,
            error,
        }
    })
}

/// What a note's signature lines say of the given witnesses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cosigners {
    /// Names of the witnesses whose cosignature verifies.
    pub signed: Vec<String>,
    /// Names of the witnesses with a signature line that does not verify (forged, or over another
    /// text).
    pub invalid: Vec<String>,
}

/// Which of `witnesses` cosigned `note`. Lines by other keys are ignored.
pub fn cosigners(note: &str, witnesses: &[VerifierKey]) -> Cosigners {
    let mut out = Cosigners::default();
    for w in witnesses {
        match w.open_text(note) {
            Ok(_) => out.signed.push(w.name.clone()),
            Err(NoteError::NotSignedByKey(_)) => {}
            Err(_) => out.invalid.push(w.name.clone()),
        }
    }
    out
}

/// What one witness cosigned, over the checkpoints a verifier read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Cosigned {
    /// The witness key's name (the body's, e.g. 杭州市人大常委会).
    pub witness: String,
    /// How many checkpoints carry its valid cosignature.
    pub checkpoints: u64,
    /// The largest tree size it cosigned.
    pub latest_size: Option<u64>,
}

/// An empty tally, one line per witness key, in their order.
pub fn tally(witnesses: &[VerifierKey]) -> Vec<Cosigned> {
    witnesses
        .iter()
        .map(|k| Cosigned {
            witness: k.name.clone(),
            ..Cosigned::default()
        })
        .collect()
}

/// Counts one checkpoint (its note, of `size` leaves) into `tally`; returns the names of the
/// witnesses whose cosignature on it does not verify.
pub fn count(
    tally: &mut [Cosigned],
    witnesses: &[VerifierKey],
    note: &str,
    size: u64,
) -> Vec<String> {
    let who = cosigners(note, witnesses);
    for name in &who.signed {
        if let Some(t) = tally.iter_mut().find(|t| t.witness == *name) {
            t.checkpoints += 1;
            t.latest_size = t.latest_size.max(Some(size));
        }
    }
    who.invalid
}

/// `stored` with the cosignatures of `witnesses` that `incoming` carries (valid) and `stored` does
/// not, and the names of those witnesses. Both must be notes of the same text (one checkpoint);
/// nothing else of `incoming` is taken.
pub fn merge(
    stored: &str,
    incoming: &str,
    witnesses: &[VerifierKey],
) -> Result<(String, Vec<String>), NoteError> {
    let (text, _) = split_note(stored)?;
    let (other, lines) = split_note(incoming)?;
    if text != other {
        return Err(malformed("note", "it is not the same checkpoint"));
    }
    let mut out = stored.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    let mut added = vec![];
    for w in witnesses {
        if w.open_text(incoming).is_err()
            || !matches!(w.open_text(stored), Err(NoteError::NotSignedByKey(_)))
        {
            continue;
        }
        let prefix = format!("{DASH}{} ", w.name);
        for line in lines.split('\n').filter(|l| l.starts_with(&prefix)) {
            out.push_str(line);
            out.push('\n');
        }
        added.push(w.name.clone());
    }
    Ok((out, added))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::proof::{consistency_plan, fold_range, root_of};

    const ORIGIN: &str = "tianping.test/ledger";

    fn log() -> LogKey {
        LogKey::from_seed(ORIGIN, [1; 32]).unwrap()
    }

    fn renda() -> LogKey {
        LogKey::from_seed("杭州市人大常委会", [2; 32]).unwrap()
    }

    fn zfw() -> LogKey {
        LogKey::from_seed("杭州市委政法委", [3; 32]).unwrap()
    }

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    fn head(l: &[Hash]) -> Checkpoint {
        Checkpoint {
            origin: ORIGIN.into(),
            size: l.len() as u64,
            root: root_of(l),
        }
    }

    /// The consistency proof from `first` to all of `l`, from the leaves.
    fn proof(l: &[Hash], first: u64) -> Vec<Hash> {
        consistency_plan(first, l.len() as u64)
            .unwrap()
            .iter()
            .map(|el| {
                let nodes: Vec<Hash> = el
                    .iter()
                    .map(|a| {
                        let w = 1usize << a.level;
                        let from = a.index as usize * w;
                        root_of(&l[from..(from + w).min(l.len())])
                    })
                    .collect();
                fold_range(&nodes)
            })
            .collect()
    }

    #[test]
    fn a_witness_cosigns_a_log_that_grows_and_refuses_a_rewritten_one() {
        let (log, renda) = (log(), renda());
        let l = leaves(13);
        let first = log.sign(&head(&l[..5]));
        let first = cosign(&renda, &log.verifier(), ORIGIN, &first, None, &[]).unwrap();
        // Signed again: unchanged.
        assert_eq!(
            cosign(&renda, &log.verifier(), ORIGIN, &first, None, &[]).unwrap(),
            first
        );
        let second = log.sign(&head(&l));
        let second = cosign(
            &renda,
            &log.verifier(),
            ORIGIN,
            &second,
            Some(&first),
            &proof(&l, 5),
        )
        .unwrap();
        let who = cosigners(&second, &[renda.verifier(), zfw().verifier()]);
        assert_eq!(who.signed, vec!["杭州市人大常委会".to_string()]);
        assert!(who.invalid.is_empty());
        // The log's own signature still opens.
        assert_eq!(log.verifier().open(&second).unwrap().size, 13);

        // History rewritten at leaf 2 and re-signed with the (stolen) log key.
        let mut forged = l.clone();
        forged[2] = leaf_hash(b"rewritten");
        let fork = log.sign(&head(&forged));
        let e = cosign(
            &renda,
            &log.verifier(),
            ORIGIN,
            &fork,
            Some(&first),
            &proof(&forged, 5),
        )
        .unwrap_err();
        assert!(matches!(e, WitnessError::NotExtending { .. }), "{e}");
        // Truncated.
        let short = log.sign(&head(&l[..3]));
        assert!(matches!(
            cosign(&renda, &log.verifier(), ORIGIN, &short, Some(&first), &[]),
            Err(WitnessError::Shrunk { .. })
        ));
        // Another checkpoint at the same size with another root.
        let same = log.sign(&head(&forged[..5]));
        assert!(matches!(
            cosign(&renda, &log.verifier(), ORIGIN, &same, Some(&first), &[]),
            Err(WitnessError::Forked { size: 5 })
        ));
        // Not signed by the log.
        let stranger = zfw().sign(&head(&l));
        assert!(matches!(
            cosign(&renda, &log.verifier(), ORIGIN, &stranger, None, &[]),
            Err(WitnessError::Checkpoint(_))
        ));
        // A "previous" the witness never signed is refused.
        let unsigned = log.sign(&head(&l[..5]));
        assert!(matches!(
            cosign(
                &renda,
                &log.verifier(),
                ORIGIN,
                &second,
                Some(&unsigned),
                &[]
            ),
            Err(WitnessError::Previous(_))
        ));
    }

    #[test]
    fn merging_takes_only_valid_new_cosignatures_of_the_same_checkpoint() {
        let (log, renda, zfw) = (log(), renda(), zfw());
        let l = leaves(6);
        let stored = renda.add_signature(&log.sign(&head(&l))).unwrap();
        let keys = [renda.verifier(), zfw.verifier()];
        // The 政法委 signed a copy without the 人大's line; a stranger's line is ignored.
        let stranger = LogKey::from_seed("某机构", [9; 32]).unwrap();
        let incoming = stranger
            .add_signature(&zfw.add_signature(&log.sign(&head(&l))).unwrap())
            .unwrap();
        let (merged, added) = merge(&stored, &incoming, &keys).unwrap();
        assert_eq!(added, vec!["杭州市委政法委".to_string()]);
        assert_eq!(cosigners(&merged, &keys).signed.len(), 2);
        assert!(!merged.contains("某机构"));
        assert_eq!(log.verifier().open(&merged).unwrap().size, 6);
        // Again: nothing new.
        let (again, added) = merge(&merged, &incoming, &keys).unwrap();
        assert!(added.is_empty());
        assert_eq!(again, merged);
        // Another checkpoint's note is refused.
        let other = zfw.add_signature(&log.sign(&head(&l[..2]))).unwrap();
        assert!(merge(&stored, &other, &keys).is_err());
    }

    #[test]
    fn a_cosignature_over_another_text_is_named_invalid() {
        let (log, renda, zfw) = (log(), renda(), zfw());
        let l = leaves(8);
        let note = log.sign(&head(&l));
        let both = zfw
            .add_signature(&renda.add_signature(&note).unwrap())
            .unwrap();
        let keys = [renda.verifier(), zfw.verifier()];
        assert_eq!(cosigners(&both, &keys).signed.len(), 2);
        // The 人大's line moved onto another checkpoint's note.
        let other = log.sign(&head(&l[..4]));
        let line = both
            .lines()
            .find(|x| x.contains("杭州市人大常委会"))
            .unwrap();
        let moved = format!("{other}{line}\n");
        let who = cosigners(&moved, &keys);
        assert!(who.signed.is_empty());
        assert_eq!(who.invalid, vec!["杭州市人大常委会".to_string()]);
        assert_eq!(log.verifier().open(&moved).unwrap().size, 4);
    }
}
