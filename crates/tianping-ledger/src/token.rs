//! Signed tokens for the public's ratings (司法公正码, issue 24): what a QR code on a 受理通知书 or
//! a court's poster carries. A token says only an opaque id, its scope and when it expires, signed
//! with the ledger's Ed25519 key, so anyone holding the court's verifier key can check it offline
//! (`tianping feedback verify`) and nobody can make or alter one.
//!
//! Layout, base64url without padding (126 characters, a version 7 QR code at level M):
//!
//! ```text
//! version (1 = 0x01) ‖ scope (1) ‖ id (16) ‖ expires, Unix seconds (8, big-endian)
//!   ‖ key id (4) ‖ Ed25519 signature (64) over DOMAIN ‖ the first 26 bytes
//! ```
//!
//! The signed message is prefixed with a domain string, so a token's signature can never be taken
//! for a checkpoint's or the reverse.

use crate::note::{LogKey, VerifierKey, key_id};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use ed25519_dalek::{Signature, Signer as _};

const VERSION: u8 = 0x01;
const DOMAIN: &[u8] = b"tianping feedback token v1\n";
const BODY: usize = 1 + 1 + 16 + 8;
const LEN: usize = BODY + 4 + 64;

/// What a token lets its holder do: rate (a case party, a window) or answer a survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One party of one case: one rating.
    CaseParty,
    /// A court's or a service window's poster: many ratings, limited per device.
    Window,
    /// A deputy's link to answer a survey (问卷): the id holds the survey's and the deputy's ids.
    SurveyAnswer,
}

impl Scope {
    fn byte(self) -> u8 {
        match self {
            Scope::CaseParty => 1,
            Scope::Window => 2,
            Scope::SurveyAnswer => 3,
        }
    }
    fn from_byte(b: u8) -> Option<Scope> {
        match b {
            1 => Some(Scope::CaseParty),
            2 => Some(Scope::Window),
            3 => Some(Scope::SurveyAnswer),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CaseParty => "case_party",
            Scope::Window => "window",
            Scope::SurveyAnswer => "survey_answer",
        }
    }
}

/// A token's claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Opaque: the store maps it to the case and party, or to the window.
    pub id: [u8; 16],
    pub scope: Scope,
    /// Unix seconds after which the token is refused.
    pub expires: i64,
}

impl Token {
    /// The id as 32 hex digits (how the store keys it).
    pub fn id_hex(&self) -> String {
        self.id.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a rating token: {0}")]
    Malformed(&'static str),
    #[error("the token was signed by another key")]
    OtherKey,
    #[error("the token's signature does not verify: it was altered or forged")]
    BadSignature,
    #[error("the token expired at Unix time {0}")]
    Expired(i64),
}

fn body(t: &Token) -> [u8; BODY] {
    let mut b = [0u8; BODY];
    b[0] = VERSION;
    b[1] = t.scope.byte();
    b[2..18].copy_from_slice(&t.id);
    b[18..26].copy_from_slice(&t.expires.to_be_bytes());
    b
}

fn message(body: &[u8]) -> Vec<u8> {
    [DOMAIN, body].concat()
}

impl LogKey {
    /// Signs a token; returns its text (URL-safe).
    pub fn sign_token(&self, t: &Token) -> String {
        let b = body(t);
        let sig = self.key.sign(&message(&b)).to_bytes();
        let mut out = Vec::with_capacity(LEN);
        out.extend_from_slice(&b);
        out.extend_from_slice(&key_id(self.name(), &self.key.verifying_key().to_bytes()));
        out.extend_from_slice(&sig);
        B64URL.encode(out)
    }
}

impl VerifierKey {
    /// Checks a token's text (or a URL ending in it) and returns its claims; refused when it is
    /// malformed, by another key, altered, or expired at `now` (Unix seconds).
    pub fn open_token(&self, text: &str, now: i64) -> Result<Token, TokenError> {
        let text = text.trim();
        let text = text.rsplit('/').next().unwrap_or(text);
        let raw = B64URL
            .decode(text)
            .map_err(|_| TokenError::Malformed("not base64url"))?;
        if raw.len() != LEN {
            return Err(TokenError::Malformed("wrong length"));
        }
        if raw[0] != VERSION {
            return Err(TokenError::Malformed("unknown version"));
        }
        if raw[BODY..BODY + 4] != self.id {
            return Err(TokenError::OtherKey);
        }
        let sig = Signature::from_slice(&raw[BODY + 4..]).map_err(|_| TokenError::BadSignature)?;
        self.key
            .verify_strict(&message(&raw[..BODY]), &sig)
            .map_err(|_| TokenError::BadSignature)?;
        // Signed: the fields below are the signer's.
        let scope = Scope::from_byte(raw[1]).ok_or(TokenError::Malformed("unknown scope"))?;
        let mut id = [0u8; 16];
        id.copy_from_slice(&raw[2..18]);
        let mut exp = [0u8; 8];
        exp.copy_from_slice(&raw[18..26]);
        let expires = i64::from_be_bytes(exp);
        if now > expires {
            return Err(TokenError::Expired(expires));
        }
        Ok(Token { id, scope, expires })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> LogKey {
        LogKey::from_seed("court.test/ledger", [seed; 32]).unwrap()
    }

    fn token() -> Token {
        Token {
            id: *b"0123456789abcdef",
            scope: Scope::CaseParty,
            expires: 1_900_000_000,
        }
    }

    #[test]
    fn a_signed_token_opens_with_its_key_and_fits_a_small_qr_code() {
        let k = key(7);
        let text = k.sign_token(&token());
        assert_eq!(text.len(), 126);
        assert!(
            text.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(k.verifier().open_token(&text, 1_800_000_000), Ok(token()));
        // A URL ending in the token opens the same.
        let url = format!("https://court.test/r/{text}");
        assert_eq!(k.verifier().open_token(&url, 1_800_000_000), Ok(token()));
        let w = Token {
            scope: Scope::Window,
            ..token()
        };
        assert_eq!(
            k.verifier()
                .open_token(&k.sign_token(&w), 0)
                .map(|t| t.scope),
            Ok(Scope::Window)
        );
        assert_eq!(token().id_hex(), "30313233343536373839616263646566");
    }

    #[test]
    fn every_altered_byte_is_refused() {
        let k = key(7);
        let raw = B64URL.decode(k.sign_token(&token())).unwrap();
        for i in 0..raw.len() {
            for flip in [0x01u8, 0x80] {
                let mut bad = raw.clone();
                bad[i] ^= flip;
                let got = k.verifier().open_token(&B64URL.encode(&bad), 0);
                assert!(got.is_err(), "byte {i} ^ {flip:#x} accepted: {got:?}");
            }
        }
        // Changing a claim and keeping the signature is refused as a bad signature.
        let mut later = raw.clone();
        later[25] = later[25].wrapping_add(1);
        assert_eq!(
            k.verifier().open_token(&B64URL.encode(&later), 0),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn expired_truncated_foreign_and_garbled_tokens_are_refused() {
        let k = key(7);
        let text = k.sign_token(&token());
        assert_eq!(
            k.verifier().open_token(&text, 1_900_000_001),
            Err(TokenError::Expired(1_900_000_000))
        );
        assert_eq!(k.verifier().open_token(&text, 1_900_000_000), Ok(token()));
        assert_eq!(
            key(8).verifier().open_token(&text, 0),
            Err(TokenError::OtherKey)
        );
        assert_eq!(
            k.verifier().open_token(&text[..100], 0),
            Err(TokenError::Malformed("wrong length"))
        );
        assert_eq!(
            k.verifier().open_token("不是令牌", 0),
            Err(TokenError::Malformed("not base64url"))
        );
        assert_eq!(
            k.verifier().open_token("", 0),
            Err(TokenError::Malformed("wrong length"))
        );
    }

    #[test]
    fn a_checkpoint_signature_is_not_a_token_signature() {
        // The same key signs checkpoints; the domain string keeps the two apart.
        let k = key(7);
        let b = body(&token());
        let sig = k.key.sign(&b).to_bytes();
        let mut raw = b.to_vec();
        raw.extend_from_slice(&k.verifier().id);
        raw.extend_from_slice(&sig);
        assert_eq!(
            k.verifier().open_token(&B64URL.encode(raw), 0),
            Err(TokenError::BadSignature)
        );
    }
}
