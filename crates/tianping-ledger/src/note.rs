//! Signed checkpoints: the C2SP `tlog-checkpoint` body signed as a C2SP signed note with
//! Ed25519.
//!
//! ```text
//! tianping.example/ledger        ← origin
//! 1024                           ← tree size
//! 3Pc…=                          ← base64 root hash
//!                                ← blank line
//! — tianping.example/ledger Ab3…=   ← key name, base64(key id ‖ signature)
//! ```
//!
//! The key id is the first four bytes of `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)`. A verifier
//! key is written `name+hex(key id)+base64(0x01 ‖ public key)`, a private key
//! `PRIVATE+KEY+name+hex(key id)+base64(0x01 ‖ seed)`.

use crate::hash::{Hash, sha256};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

const ALG_ED25519: u8 = 0x01;
pub(crate) const DASH: &str = "\u{2014} ";

/// Why a note, key or checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    #[error("the note carries no signature by key {0}")]
    NotSignedByKey(String),
    #[error("the signature by key {0} does not verify")]
    BadSignature(String),
    #[error("the checkpoint is for log {found}, expected {expected}")]
    WrongOrigin { expected: String, found: String },
}

pub(crate) fn malformed(what: &'static str, detail: impl Into<String>) -> NoteError {
    NoteError::Malformed {
        what,
        detail: detail.into(),
    }
}

/// A tree head: the log's origin (its name), its size and root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The note body (C2SP tlog-checkpoint, no extension lines).
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root.0)
        )
    }

    /// Parses a checkpoint body; extension lines after the root are allowed and ignored.
    pub fn parse_body(body: &str) -> Result<Checkpoint, NoteError> {
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| malformed("checkpoint", "no origin line"))?;
        let size = lines
            .next()
            .and_then(|l| {
                if l.starts_with('0') && l.len() > 1 {
                    None
                } else {
                    l.parse::<u64>().ok()
                }
            })
            .ok_or_else(|| malformed("checkpoint", "the second line is not a tree size"))?;
        let root = lines
            .next()
            .and_then(|l| B64.decode(l).ok())
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .ok_or_else(|| {
                malformed("checkpoint", "the third line is not a base64 SHA-256 hash")
            })?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root: Hash(root),
        })
    }
}

pub(crate) fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let h = sha256(&[name.as_bytes(), b"\n", &[ALG_ED25519], public]);
    [h.0[0], h.0[1], h.0[2], h.0[3]]
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(malformed(
            "key name",
            format!("{name:?} must be non-empty, without spaces or '+'"),
        ));
    }
    Ok(())
}

/// A note's text (with its final newline) and its signature lines.
pub(crate) fn split_note(note: &str) -> Result<(String, &str), NoteError> {
    note.rsplit_once("\n\n")
        .map(|(b, s)| (format!("{b}\n"), s))
        .ok_or_else(|| malformed("note", "no blank line before the signatures"))
}

fn hex4(b: [u8; 4]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The log's signing key.
pub struct LogKey {
    name: String,
    pub(crate) key: SigningKey,
}

impl LogKey {
    /// A key from 32 secret bytes (drawn by the caller from the operating system).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<LogKey, NoteError> {
        check_name(name)?;
        Ok(LogKey {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `PRIVATE+KEY+name+id+base64(0x01 ‖ seed)`.
    pub fn private_text(&self) -> String {
        let mut b = vec![ALG_ED25519];
        b.extend_from_slice(&self.key.to_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            hex4(key_id(&self.name, &self.key.verifying_key().to_bytes())),
            B64.encode(b)
        )
    }

    pub fn parse_private(text: &str) -> Result<LogKey, NoteError> {
        let text = text.trim();
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| malformed("private key", "does not start with PRIVATE+KEY+"))?;
        // Split from the left: the name and id hold no '+', the base64 key may.
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed("private key", "expected name+id+key"));
        };
        let raw = B64
            .decode(b64)
            .map_err(|e| malformed("private key", e.to_string()))?;
        let seed: [u8; 32] = match raw.split_first() {
            Some((&ALG_ED25519, s)) => s
                .try_into()
                .map_err(|_| malformed("private key", "Ed25519 seed must be 32 bytes"))?,
            _ => return Err(malformed("private key", "not an Ed25519 key")),
        };
        let k = LogKey::from_seed(name, seed)?;
        if hex4(key_id(name, &k.key.verifying_key().to_bytes())) != id {
            return Err(malformed("private key", "key id does not match the key"));
        }
        Ok(k)
    }

    pub fn verifier(&self) -> VerifierKey {
        let public = self.key.verifying_key();
        VerifierKey {
            name: self.name.clone(),
            id: key_id(&self.name, &public.to_bytes()),
            key: public,
        }
    }

    /// Signs a checkpoint; returns the whole signed note.
    pub fn sign(&self, cp: &Checkpoint) -> String {
        self.sign_text(&cp.body())
    }

    /// Adds this key's signature to a note signed already (a witness's cosignature): the note's
    /// text is signed as it stands and the new line follows the signatures there. A note this
    /// key has signed already is returned unchanged.
    pub fn add_signature(&self, note: &str) -> Result<String, NoteError> {
        let (text, _) = split_note(note)?;
        let mine = self.verifier();
        match mine.open_text(note) {
            Ok(_) => return Ok(note.to_string()),
            Err(NoteError::NotSignedByKey(_)) => {}
            Err(e) => return Err(e),
        }
        let signed = self.sign_text(&text);
        let line = signed.rsplit_once("\n\n").map_or("", |(_, l)| l);
        let mut out = note.to_string();
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(line);
        Ok(out)
    }

    /// Signs any note text (which must end with a newline); returns the signed note.
    pub fn sign_text(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes()).to_bytes();
        let mut blob = key_id(&self.name, &self.key.verifying_key().to_bytes()).to_vec();
        blob.extend_from_slice(&sig);
        format!("{text}\n{DASH}{} {}\n", self.name, B64.encode(blob))
    }
}

/// A public key that checks the log's notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub(crate) id: [u8; 4],
    pub(crate) key: VerifyingKey,
}

impl VerifierKey {
    /// `name+id+base64(0x01 ‖ public key)`.
    pub fn to_text(&self) -> String {
        let mut b = vec![ALG_ED25519];
        b.extend_from_slice(&self.key.to_bytes());
        format!("{}+{}+{}", self.name, hex4(self.id), B64.encode(b))
    }

    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let mut parts = text.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed("verifier key", "expected name+id+key"));
        };
        check_name(name)?;
        let raw = B64
            .decode(b64)
            .map_err(|e| malformed("verifier key", e.to_string()))?;
        let public: [u8; 32] = match raw.split_first() {
            Some((&ALG_ED25519, p)) => p
                .try_into()
                .map_err(|_| malformed("verifier key", "Ed25519 key must be 32 bytes"))?,
            _ => return Err(malformed("verifier key", "not an Ed25519 key")),
        };
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|e| malformed("verifier key", e.to_string()))?;
        let kid = key_id(name, &public);
        if hex4(kid) != id {
            return Err(malformed("verifier key", "key id does not match the key"));
        }
        Ok(VerifierKey {
            name: name.to_string(),
            id: kid,
            key,
        })
    }

    /// Checks a signed note and returns its checkpoint. The note must carry a valid signature
    /// by this key; signatures by other keys (other witnesses) are ignored.
    pub fn open(&self, note: &str) -> Result<Checkpoint, NoteError> {
        Checkpoint::parse_body(&self.open_text(note)?)
    }

    /// Checks a signed note of any text and returns the text.
    pub fn open_text(&self, note: &str) -> Result<String, NoteError> {
        let (body, sigs) = split_note(note)?;
        let mut found = false;
        for line in sigs.split('\n').filter(|l| !l.is_empty()) {
            let rest = line
                .strip_prefix(DASH)
                .ok_or_else(|| malformed("note", format!("signature line {line:?}")))?;
            let (name, b64) = rest
                .split_once(' ')
                .ok_or_else(|| malformed("note", format!("signature line {line:?}")))?;
            if name != self.name {
                continue;
            }
            let blob = B64
                .decode(b64)
                .map_err(|e| malformed("note", e.to_string()))?;
            if blob.len() != 68 || blob[..4] != self.id {
                continue;
            }
            found = true;
            let sig = Signature::from_slice(&blob[4..])
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            self.key
                .verify_strict(body.as_bytes(), &sig)
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
        }
        if !found {
            return Err(NoteError::NotSignedByKey(self.to_text()));
        }
        Ok(body)
    }

    /// [`VerifierKey::open`], and the checkpoint must be for `origin`.
    pub fn open_for(&self, origin: &str, note: &str) -> Result<Checkpoint, NoteError> {
        let cp = self.open(note)?;
        if cp.origin != origin {
            return Err(NoteError::WrongOrigin {
                expected: origin.to_string(),
                found: cp.origin,
            });
        }
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn key(seed: u8) -> LogKey {
        LogKey::from_seed("tianping.test/ledger", [seed; 32]).unwrap()
    }

    #[test]
    fn a_signed_checkpoint_opens_and_any_change_is_refused() {
        let k = key(7);
        let cp = Checkpoint {
            origin: "tianping.test/ledger".into(),
            size: 1024,
            root: leaf_hash(b"root"),
        };
        let note = k.sign(&cp);
        let v = VerifierKey::parse(&k.verifier().to_text()).unwrap();
        assert_eq!(v.open_for("tianping.test/ledger", &note).unwrap(), cp);
        // A changed size, a changed signature, a different key, a different origin.
        let forged = note.replacen("\n1024\n", "\n1025\n", 1);
        assert_eq!(
            v.open(&forged),
            Err(NoteError::BadSignature("tianping.test/ledger".into()))
        );
        let other = key(8).sign(&cp);
        assert!(matches!(v.open(&other), Err(NoteError::NotSignedByKey(_))));
        assert!(matches!(
            v.open_for("elsewhere", &note),
            Err(NoteError::WrongOrigin { .. })
        ));
        assert!(v.open("garbage").is_err());
    }

    #[test]
    fn keys_whose_base64_holds_a_plus_round_trip() {
        let mut plus = 0;
        for seed in 0..64u8 {
            let k = key(seed);
            if k.private_text().rsplit('+').count() > 5
                || k.verifier().to_text().matches('+').count() > 2
            {
                plus += 1;
            }
            assert_eq!(
                LogKey::parse_private(&k.private_text()).unwrap().verifier(),
                k.verifier()
            );
            assert_eq!(
                VerifierKey::parse(&k.verifier().to_text()).unwrap(),
                k.verifier()
            );
        }
        assert!(plus > 0, "some of 64 keys have a '+' in their base64");
    }

    #[test]
    fn keys_round_trip_and_refuse_tampering() {
        let k = key(3);
        let back = LogKey::parse_private(&k.private_text()).unwrap();
        assert_eq!(back.verifier(), k.verifier());
        let text = k.verifier().to_text();
        assert!(text.starts_with("tianping.test/ledger+"));
        let wrong_id = format!(
            "tianping.test/ledger+00000000+{}",
            text.rsplit('+').next().unwrap()
        );
        assert!(VerifierKey::parse(&wrong_id).is_err());
        assert!(LogKey::from_seed("has space", [0; 32]).is_err());
        assert!(LogKey::parse_private("PRIVATE+KEY+x+00+AA==").is_err());
    }

    #[test]
    fn checkpoint_bodies_refuse_bad_lines() {
        assert!(Checkpoint::parse_body("o\n01\nAAAA\n").is_err());
        assert!(Checkpoint::parse_body("o\n1\nAAAA\n").is_err());
        assert!(Checkpoint::parse_body("\n1\n").is_err());
    }
}
