//! 类案冲突 on the case page: the closest similar rulings of the case's own court and its superior
//! for a charge the pending case shares, when they diverge (法发〔2021〕30号 第二条第（三）项 — a
//! 四类案件 situation otherwise only flagged by hand). The two rulings furthest apart are shown
//! side by side; a president or division chief flags the case from there.

use super::{AppState, outcome};
use crate::error::ApiError;
use std::collections::HashMap;
use tianping_domain::judgment::months_zh;
use tianping_domain::similar::{Courts, Imposed, SourceTier, source_tier};
use tianping_store::judgments::Judgment;

/// One side of a conflict: a ruling and what it imposed.
pub struct ConflictSide {
    pub judgment_id: i64,
    pub title: String,
    pub court: String,
    pub case_number: String,
    pub decided_on: String,
    pub imposed: String,
    pub outcome: String,
}

/// Similar rulings of the court and its superior that diverge, for a charge of the case.
pub struct ConflictView {
    pub charge: String,
    /// The most lenient and the most severe of the rulings compared.
    pub sides: Vec<ConflictSide>,
    /// How many rulings were compared.
    pub compared: usize,
    /// The reason a flag is raised with, in a line.
    pub reason: String,
}

/// How many of the closest judgments for the charge are looked through for the court's own.
const POOL: usize = 100;

fn imposed_zh(i: Imposed) -> String {
    match i {
        Imposed::NotServed => "未判处实刑（免予刑事处罚、缓刑或单处罚金等）".into(),
        Imposed::Served(m) => format!("实刑 {}", months_zh(m)),
    }
}

fn side(j: &Judgment, i: Imposed) -> ConflictSide {
    ConflictSide {
        judgment_id: j.id,
        title: j.title.clone(),
        court: j.court.clone().unwrap_or_default(),
        case_number: j.case_number.clone().unwrap_or_default(),
        decided_on: j.decided_on.map(|d| d.to_string()).unwrap_or_default(),
        imposed: imposed_zh(i),
        outcome: outcome(j),
    }
}

/// The first of the case's charges whose closest rulings of the court and its superior diverge.
pub async fn conflict(
    st: &AppState,
    facts: &str,
    charges: &[String],
    courts: &Courts,
) -> Result<Option<ConflictView>, ApiError> {
    let rule = st.library.rules().conflict;
    for charge in charges {
        // The court's own rulings may rank below the first page among all courts': the pool,
        // read whole only for the court's and its superior's.
        let hits = super::search_charge(st, facts, charges, charge, POOL).await?;
        let ids: Vec<i64> = hits.iter().map(|h| h.id as i64).collect();
        let ours: Vec<i64> = st
            .store
            .judgment_courts(&ids)
            .await?
            .into_iter()
            .filter(|(_, source, court)| {
                source_tier(source, court.as_deref(), courts) == SourceTier::OwnOrSuperior
            })
            .map(|(id, _, _)| id)
            .collect();
        let by_id: HashMap<i64, Judgment> = st
            .store
            .judgments_for_listing(&ours)
            .await?
            .into_iter()
            .map(|j| (j.id, j))
            .collect();
        let peers: Vec<(i64, f64, Imposed)> = hits
            .iter()
            .filter_map(|h| {
                let j = by_id.get(&(h.id as i64))?;
                let imposed = Imposed::of(&j.sentences, &j.charges, charge)?;
                Some((j.id, h.score, imposed))
            })
            .collect();
        let Some(c) = rule.check(charge, &peers) else {
            continue;
        };
        let (Some(a), Some(b)) = (by_id.get(&c.lenient.0), by_id.get(&c.severe.0)) else {
            continue;
        };
        let reason = format!(
            "系统检索：本院及上一级法院{charge}类案裁判结果差异较大——{}（{}）{}，{}（{}）{}",
            a.case_number.clone().unwrap_or_else(|| a.title.clone()),
            a.court.clone().unwrap_or_default(),
            imposed_zh(c.lenient.1),
            b.case_number.clone().unwrap_or_else(|| b.title.clone()),
            b.court.clone().unwrap_or_default(),
            imposed_zh(c.severe.1),
        );
        return Ok(Some(ConflictView {
            charge: charge.clone(),
            sides: vec![side(a, c.lenient.1), side(b, c.severe.1)],
            compared: c.compared.len(),
            reason,
        }));
    }
    Ok(None)
}

/// Pending cases read per run of the sweep.
pub const SWEEP_CASES: i64 = 200;

/// Who raised a flag the sweep found, as the case's record names it.
pub const SWEEP_BY: &str = "系统类案冲突检测";

/// What one run of the conflict sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ConflictSweep {
    /// Pending cases with charges compared with the library.
    pub checked: usize,
    /// Cases flagged as 四类案件 of 类案冲突.
    pub raised: usize,
}

/// Compares the next [`SWEEP_CASES`] pending court cases after `cursor` (public ones that carry
/// charges and were never flagged for 类案冲突) with the closest rulings of their court and its superior,
/// and flags each whose rulings diverge as a 四类案件 (法发〔2021〕30号 第二条第（三）项) with
/// the two rulings in its reason — so a president sees it on the 四类案件 list without opening
/// the case. `cursor` moves on, and back to the start once every pending case was read; a case
/// flagged once (even if cleared by hand since) is not flagged again.
pub async fn sweep_conflicts(st: &AppState, cursor: &mut i64) -> Result<ConflictSweep, ApiError> {
    let mut rep = ConflictSweep::default();
    if st.store.judgment_count().await? == 0 {
        return Ok(rep);
    }
    let (cases, next) = st
        .store
        .pending_charged_court_cases(SITUATION, *cursor, SWEEP_CASES)
        .await?;
    *cursor = next.unwrap_or(0);
    // Most of a run's cases share a few courts: each court's tree is read once.
    let mut trees: HashMap<String, Courts> = HashMap::new();
    for c in cases {
        rep.checked += 1;
        let courts = match trees.get(&c.org_id) {
            Some(t) => t.clone(),
            None => {
                let t = super::courts_of(st, &c.org_id).await?;
                trees.insert(c.org_id.clone(), t.clone());
                t
            }
        };
        let charges = super::split_charges(&c.charges.join("、"));
        let Some(v) = conflict(st, &c.cause, &charges, &courts).await? else {
            continue;
        };
        let hit = tianping_domain::flag::FlagHit {
            situation: SITUATION.into(),
            rule: "similar_conflict".into(),
            reason: v.reason,
        };
        if st
            .store
            .raise_detected_flag(c.case_id, hit, SWEEP_BY, st.now())
            .await?
        {
            rep.raised += 1;
        }
    }
    Ok(rep)
}

/// The 四类案件 situation of 类案冲突.
const SITUATION: &str = "3.similar_conflict";
