//! Supervision in the store: 四类案件 flags (raised by ingest or by hand), 院庭长 supervision acts,
//! interference records and zero reports, supervision items with their steps and evidence,
//! referrals between 人大 and 政法委, and joint supervision projects.
//!
//! Every write here is one [`crate::write::Write`] that writes its rows and appends their ledger
//! leaves before committing. Decisions — may this actor do this now? — are the domain's
//! (`tianping_domain::supervision`); this module loads the facts, asks, and writes. A refusal is
//! `StoreError::Refused`, returned before the write commits, so nothing of it remains (except a
//! forbidden supervision act, which is kept as refused and recorded as interference).

pub mod acts;
pub mod flags;
pub mod interference;
pub mod items;
pub mod projects;
pub mod referrals;
mod tasks;

pub use acts::*;
pub use flags::*;
pub use interference::*;
pub use items::*;
pub use projects::*;
pub use referrals::*;

use crate::org::Org;
use crate::ts;
use chrono::{DateTime, Utc};
use tianping_domain::AgencyKind;
use tianping_domain::flag::FlagRules;
use tianping_domain::supervision::catalogue::Catalogue;
use tianping_domain::supervision::{Refusal, SupervisionRules};

/// The rules supervision runs on: flag rules, the supervision rules (acts, deadlines), the
/// catalogue of procuratorial supervision items and the risk-point catalogue (执法司法风险点).
#[derive(Debug, Clone)]
pub struct SupervisionConfig {
    pub flags: FlagRules,
    pub rules: SupervisionRules,
    pub catalogue: Catalogue,
    pub risk_points: tianping_domain::risk_points::Catalogue,
}

impl SupervisionConfig {
    pub fn shipped() -> SupervisionConfig {
        SupervisionConfig {
            flags: FlagRules::builtin().expect("shipped flag rules are valid (tested)"),
            rules: SupervisionRules::builtin()
                .expect("shipped supervision rules are valid (tested)"),
            catalogue: Catalogue::builtin().expect("shipped catalogue is valid (tested)"),
            risk_points: tianping_domain::risk_points::Catalogue::shipped(),
        }
    }
}

fn refusal(code: &'static str, zh: impl Into<String>) -> Refusal {
    Refusal {
        code,
        zh: zh.into(),
    }
}

fn opt_ts(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(ts)
}

pub use tianping_domain::access::{rectifies, supervises};

/// `org` is `target` or above it in the tree, and of the same kind.
fn at_or_above(org: &Org, target_path: &str, target_kind: AgencyKind) -> bool {
    org.kind == target_kind && target_path.starts_with(&org.region_path)
}
