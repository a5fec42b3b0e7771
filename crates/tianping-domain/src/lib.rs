//! Tianping's pure domain core: case numbers (案号), case types, organisations and roles, cases and
//! their procedural events. No IO, no async, no database types; time is always passed in.

pub mod calendar;
pub mod case;
pub mod case_number;
pub mod case_type;
pub mod clock;
pub mod event;
pub mod history;
pub mod org;
pub mod period;
pub mod rules;

pub use case::{CaseStatus, Clearance, Confidentiality, Party, PartyKind};
pub use case_number::{CaseNumber, CaseNumberError};
pub use case_type::{CaseKind, Procedure, Stage};
pub use event::{CaseState, EventBody, EventRecord, EventRejection};
pub use org::{AgencyKind, Level, OrgScope, Role};

/// A 64-bit FNV-1a digest as hex: a content fingerprint (not a security hash).
pub fn fnv64_hex(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
