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
            .judgments_by_ids(&ours)
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
