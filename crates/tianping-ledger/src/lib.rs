//! The tamper-evident ledger: an RFC 6962 / RFC 9162 Merkle log over every write of Tianping.
//!
//! Pure code, no IO. The store keeps the leaves and the hashes of every *perfect* subtree
//! (`NodeAddr`: level and index), appends through a [`Frontier`] (the right edge of the tree),
//! and asks this crate which stored nodes a proof needs ([`inclusion_plan`], [`consistency_plan`])
//! so that one indexed query serves a proof at any tree size.
//!
//! - [`hash`] — leaf and node hashing with the 0x00 / 0x01 domain separation of RFC 6962 §2.1.
//! - [`proof`] — proof plans and the RFC 9162 §2.1.3.2 / §2.1.4.2 verification algorithms.
//! - [`note`] — checkpoints in the C2SP `tlog-checkpoint` form, signed as C2SP signed notes
//!   (Ed25519).
//! - [`entry`] — what a Tianping leaf says: its index, the command, the record and its digest
//!   (salted for confidential records).
//! - [`bundle`] — the exported bundle (header, checkpoints, leaves) and its offline verifier.
//! - [`witness`] — cosignatures of checkpoints by the supervising bodies' own keys, given only to
//!   a checkpoint that extends the last one the witness signed.
//! - [`token`] — the signed tokens of the public's rating QR codes (司法公正码), checked offline
//!   with the same verifier key.

pub mod bundle;
pub mod entry;
pub mod hash;
pub mod note;
pub mod proof;
pub mod token;
pub mod witness;

pub use bundle::{BundleReport, Finding, verify_bundle};
pub use entry::{Command, Digest, DigestAlg, Entry, EntryError};
pub use hash::{Hash, empty_root, leaf_hash, node_hash};
pub use note::{Checkpoint, LogKey, NoteError, VerifierKey};
pub use proof::{
    Frontier, NodeAddr, ProofError, consistency_plan, fold_range, inclusion_plan, root_of,
    verify_consistency, verify_inclusion,
};
pub use token::{Scope, Token, TokenError};
pub use witness::{Cosigned, Cosigners, WitnessError, cosigners};
