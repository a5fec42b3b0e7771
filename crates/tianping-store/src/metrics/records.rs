//! The facts of a case that come from records other than its events: its evaluations whose grade
//! is final (评查合格率) and the proofreader's findings on its drafts (文书校对问题处理率). They are
//! read into the facts when the metrics are rebuilt, and refreshed in the write that changes them
//! (a grade made final, a draft proofread, a finding resolved).

use super::{FactsRow, TotalsDelta, day_str, fact_select, facts_of, parse_day};
use crate::{Result, StoreError, audited};
use sqlx::Row;
use std::collections::HashMap;
use tianping_domain::clock::local_date;
use tianping_domain::metrics::{Evaluated, ProofreadFinding};

/// Final evaluations as stored: "2026-02-10/p;2026-04-02/f" (p: counts as 合格, f: does not).
pub fn evaluated_str(v: &[Evaluated]) -> String {
    v.iter()
        .map(|e| format!("{}/{}", day_str(e.day), if e.passes { "p" } else { "f" }))
        .collect::<Vec<_>>()
        .join(";")
}

pub(super) fn parse_evaluated(s: &str) -> Result<Vec<Evaluated>> {
    s.split(';')
        .filter(|x| !x.is_empty())
        .map(|x| {
            let bad = || StoreError::Corrupt(format!("evaluation in metric facts {x:?}"));
            let (day, grade) = x.split_once('/').ok_or_else(bad)?;
            let passes = match grade {
                "p" => true,
                "f" => false,
                _ => return Err(bad()),
            };
            Ok(Evaluated {
                day: parse_day(day)?,
                passes,
            })
        })
        .collect()
}

/// Proofreading findings as stored: "2026-02-10/2026-02-11;2026-03-01/" (found / resolved, empty
/// while open).
pub fn proofread_str(v: &[ProofreadFinding]) -> String {
    v.iter()
        .map(|f| {
            format!(
                "{}/{}",
                day_str(f.found),
                f.resolved.map(day_str).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(";")
}

pub(super) fn parse_proofread(s: &str) -> Result<Vec<ProofreadFinding>> {
    s.split(';')
        .filter(|x| !x.is_empty())
        .map(|x| {
            let bad = || StoreError::Corrupt(format!("proofreading in metric facts {x:?}"));
            let (found, resolved) = x.split_once('/').ok_or_else(bad)?;
            Ok(ProofreadFinding {
                found: parse_day(found)?,
                resolved: (!resolved.is_empty())
                    .then(|| parse_day(resolved))
                    .transpose()?,
            })
        })
        .collect()
}

/// ` AND case_id …` for the cases with ids in `(after, upto]`, or one case, with its values.
fn cases_condition(
    column: &str,
    ids: Option<(i64, i64)>,
    case_id: Option<i64>,
) -> (String, Vec<i64>) {
    let mut sql = String::new();
    let mut values = vec![];
    if let Some((after, upto)) = ids {
        sql.push_str(&format!(" AND {column} > $1 AND {column} <= $2"));
        values.extend([after, upto]);
    }
    if let Some(id) = case_id {
        sql.push_str(&format!(" AND {column} = ${}", values.len() + 1));
        values.push(id);
    }
    (sql, values)
}

/// The kept records of cases — those with ids in `(after, upto]`, or one case — by case, oldest
/// first: the final evaluations and the proofreading findings.
pub(super) async fn of_cases(
    conn: &mut sqlx::AnyConnection,
    ids: Option<(i64, i64)>,
    case_id: Option<i64>,
) -> Result<HashMap<i64, (Vec<Evaluated>, Vec<ProofreadFinding>)>> {
    let mut out: HashMap<i64, (Vec<Evaluated>, Vec<ProofreadFinding>)> = HashMap::new();
    let (cond, values) = cases_condition("case_id", ids, case_id);
    let sql = format!(
        "SELECT case_id, final_at, passes FROM evaluation_cases WHERE stage = 'final' AND final_at IS NOT NULL{cond}"
    );
    let mut q = sqlx::query(audited(sql));
    for v in &values {
        q = q.bind(*v);
    }
    for r in q.fetch_all(&mut *conn).await? {
        let at: String = r.try_get("final_at")?;
        let passes: Option<i64> = r.try_get("passes")?;
        out.entry(r.try_get("case_id")?)
            .or_default()
            .0
            .push(Evaluated {
                day: local_date(crate::parse_ts(&at)?),
                passes: passes.unwrap_or(0) != 0,
            });
    }
    let (cond, values) = cases_condition("f.case_id", ids, case_id);
    let sql = format!(
        "SELECT f.case_id, d.uploaded_at, f.resolved_at FROM proofread_findings f \
         JOIN proofread_drafts d ON d.id = f.draft_id WHERE 1 = 1{cond}"
    );
    let mut q = sqlx::query(audited(sql));
    for v in &values {
        q = q.bind(*v);
    }
    for r in q.fetch_all(&mut *conn).await? {
        let found: String = r.try_get("uploaded_at")?;
        let resolved: Option<String> = r.try_get("resolved_at")?;
        out.entry(r.try_get("case_id")?)
            .or_default()
            .1
            .push(ProofreadFinding {
                found: local_date(crate::parse_ts(&found)?),
                resolved: resolved
                    .as_deref()
                    .map(crate::parse_ts)
                    .transpose()?
                    .map(local_date),
            });
    }
    for (e, p) in out.values_mut() {
        e.sort();
        p.sort();
    }
    Ok(out)
}

/// Brings one case's kept records in `metric_facts` and `metric_totals` up to date (in the write
/// that changes them; the totals through `metric_pending`). A case without facts is left alone.
pub(crate) async fn refresh(conn: &mut sqlx::AnyConnection, case_id: i64) -> Result<()> {
    let sql = format!(
        "SELECT {} FROM metric_facts f WHERE f.case_id = $1",
        fact_select("f")
    );
    let Some(row) = sqlx::query(audited(sql))
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(());
    };
    let old: FactsRow = facts_of(&row, 0)?;
    let (evaluated, proofread) = of_cases(conn, None, Some(case_id))
        .await?
        .remove(&case_id)
        .unwrap_or_default();
    if evaluated == old.facts.evaluated && proofread == old.facts.proofread {
        return Ok(());
    }
    let mut new = old.clone();
    new.facts.evaluated = evaluated;
    new.facts.proofread = proofread;
    let mut delta = TotalsDelta::default();
    delta.add(&old, -1);
    delta.add(&new, 1);
    sqlx::query("UPDATE metric_facts SET evaluated = $1, proofread = $2 WHERE case_id = $3")
        .bind(evaluated_str(&new.facts.evaluated))
        .bind(proofread_str(&new.facts.proofread))
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    delta.record(conn).await
}
