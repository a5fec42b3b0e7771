//! Tianping's pure domain core: case numbers (案号), case types, organisations and roles, cases and
//! their procedural events. No IO, no async, no database types; time is always passed in.

pub mod access;
pub mod calendar;
pub mod case;
pub mod case_number;
pub mod case_type;
pub mod citation;
pub mod clock;
pub mod deputies;
pub mod deputy_invitations;
pub mod deputy_suggestions;
pub mod deputy_surveys;
pub mod dishonest;
pub mod document;
pub mod draw;
pub mod evaluation;
pub mod event;
pub mod feedback;
pub mod flag;
pub mod history;
pub mod identity;
pub mod judgment;
pub mod metrics;
pub mod nodes;
pub mod org;
pub mod password;
pub mod people_supervisors;
pub mod period;
pub mod person;
pub mod proofread;
pub mod refusal;
pub mod risk_points;
pub mod rules;
pub mod sample;
pub mod similar;
pub mod stats;
pub mod supervision;
pub mod text;
pub mod timeline;
pub mod todo;
pub mod totp;
pub mod typical;

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

/// An instant as `YYYY-MM-DDTHH:MM:SSZ` (UTC, second precision): the form every table stores and
/// every clock serialises. Written by hand: chrono's format strings are parsed on every call.
pub fn utc_seconds(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    let mut s = String::with_capacity(20);
    let _ = write!(
        s,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    s
}

/// Serde for instants in the [`utc_seconds`] form (reads any RFC 3339 instant).
pub mod utc_seconds_serde {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::utc_seconds(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = <&str>::deserialize(d)?;
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }

    /// The same for `Option<DateTime<Utc>>`.
    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::super::utc_seconds(*t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            let s = Option::<&str>::deserialize(d)?;
            s.map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(serde::de::Error::custom)
            })
            .transpose()
        }
    }
}
