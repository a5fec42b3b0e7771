//! Flags.

use super::refusal;
use crate::db::{FromRow, row_struct};
use crate::user::User;
use crate::{Result, Store, ledger, placeholders, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use std::collections::HashSet;
use tianping_domain::flag::{FlagHit, FlagRules};
use tianping_ledger::Command;

row_struct! {
#[derive(Debug, Clone, Serialize)]
pub struct FlagRow {
    pub id: i64,
    pub case_id: i64,
    pub situation: String,
    pub category: i64,
    /// `rule` or `manual`.
    pub source: String,
    pub rule: Option<String>,
    pub reason: String,
    pub rules_version: Option<String>,
    pub flagged_by: String,
    pub flagged_at: String,
    pub cleared_at: Option<String>,
    pub cleared_by: Option<String>,
    pub clear_reason: Option<String>,
}
}

const FLAG_COLUMNS: &str = "id, case_id, situation, category, source, rule, reason, rules_version, flagged_by, flagged_at, cleared_at, cleared_by, clear_reason";

/// `engine_state` keys: the fingerprint of the flag rules in force, and since when (RFC 3339).
/// Ingest evaluates the rules on the cases a chunk touches and nothing re-evaluates the others
/// when the rules change: `ledger verify` expects a case's flags to follow the rules in force only
/// if its last event was recorded since they were put in force (`crate::rederive`).
pub(crate) const FLAG_RULES_FINGERPRINT: &str = "flag_rules_fingerprint";
pub(crate) const FLAG_RULES_SINCE: &str = "flag_rules_since";

/// The flag rules in force in the store: their fingerprint, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRulesInForce {
    pub fingerprint: String,
    pub since: DateTime<Utc>,
}

impl Store {
    /// Records this process's flag rules as the ones in force, from `now`, if the store holds
    /// another fingerprint (or none). Called wherever the rules are put in force
    /// ([`Store::apply_clockwork_change`]).
    pub async fn put_flag_rules_in_force(&self, now: DateTime<Utc>) -> Result<()> {
        let mine = self.supervision().flags.fingerprint();
        if self.engine_state(FLAG_RULES_FINGERPRINT).await?.as_deref() == Some(mine.as_str()) {
            return Ok(());
        }
        self.set_engine_state(FLAG_RULES_SINCE, &ts(now), now)
            .await?;
        self.set_engine_state(FLAG_RULES_FINGERPRINT, &mine, now)
            .await
    }

    /// The flag rules in force in the store, as last put in force; `None` if never recorded (a
    /// store no `serve`, `worker` or `demo` has started on).
    pub async fn flag_rules_in_force(&self) -> Result<Option<FlagRulesInForce>> {
        let fingerprint = self.engine_state(FLAG_RULES_FINGERPRINT).await?;
        let since = self.engine_state(FLAG_RULES_SINCE).await?;
        Ok(match (fingerprint, since) {
            (Some(fingerprint), Some(since)) => Some(FlagRulesInForce {
                fingerprint,
                since: crate::parse_ts(&since)?,
            }),
            _ => None,
        })
    }
}

/// Raises the flags ingest found, inside its transaction: a situation already flagged on a case
/// (even if cleared by hand since) is not raised again. Returns how many were raised.
pub(crate) async fn raise_flags(
    conn: &mut crate::write::Write,
    hits: Vec<(i64, FlagHit)>,
    rules: &FlagRules,
    by: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    if hits.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = hits
        .iter()
        .map(|(c, _)| *c)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut seen: HashSet<(i64, String)> = HashSet::new();
    for part in ids.chunks(500) {
        let sql = format!(
            "SELECT case_id, situation FROM case_flags WHERE case_id IN ({})",
            placeholders(1, part.len())
        );
        let mut q = sqlx::query(crate::audited(sql));
        for id in part {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut **conn).await? {
            seen.insert((r.try_get(0)?, r.try_get(1)?));
        }
    }
    let mut keys = vec![];
    for (case_id, h) in hits {
        if !seen.insert((case_id, h.situation.clone())) {
            continue;
        }
        let category = rules.situation(&h.situation).map_or(0, |s| s.category);
        let id: i64 = sqlx::query(
            "INSERT INTO case_flags (case_id, situation, category, source, rule, reason, rules_version, flagged_by, flagged_at) \
             VALUES ($1, $2, $3, 'rule', $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(case_id)
        .bind(&h.situation)
        .bind(i64::from(category))
        .bind(&h.rule)
        .bind(&h.reason)
        .bind(&rules.version)
        .bind(by)
        .bind(ts(now))
        .fetch_one(&mut **conn)
        .await?
        .try_get(0)?;
        keys.push(ledger::Key::from(id));
    }
    let n = keys.len();
    conn.record_all(Command::FlagRaised, &keys).await?;
    Ok(n)
}

/// A pending court case a system check reads: its court, cause and charges.
#[derive(Debug, Clone)]
pub struct PendingCharged {
    pub case_id: i64,
    pub org_id: String,
    pub cause: String,
    pub charges: Vec<String>,
}

/// A case's line on the 四类案件 list.
#[derive(Debug, Clone, Serialize)]
pub struct FourCategorySummary {
    pub case_id: i64,
    /// Active situation codes.
    pub situations: Vec<String>,
    /// Permitted 院庭长 acts recorded on the case.
    pub acts: i64,
    /// 类案检索 reports saved for the case.
    pub reports: i64,
}

impl Store {
    pub async fn case_flags(&self, case_id: i64) -> Result<Vec<FlagRow>> {
        sqlx::query(crate::audited(format!(
            "SELECT {FLAG_COLUMNS} FROM case_flags WHERE case_id = $1 ORDER BY id"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(FlagRow::from_row)
        .collect()
    }

    /// Flags a case by hand (立案庭, the panel, or a 院庭长) with a situation and a reason.
    pub async fn flag_case(
        &self,
        case_id: i64,
        situation: &str,
        reason: &str,
        by: &User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let cfg = self.supervision();
        let Some(s) = cfg.flags.situation(situation) else {
            return Err(refusal(
                "unknown_situation",
                format!("“{situation}”不是四类案件的情形"),
            )
            .into());
        };
        if reason.trim().is_empty() {
            return Err(refusal("note_required", "请写明标注理由").into());
        }
        let mut tx = self.write(now).await?;
        let active: Option<i64> = sqlx::query(
            "SELECT id FROM case_flags WHERE case_id = $1 AND situation = $2 AND cleared_at IS NULL",
        )
        .bind(case_id)
        .bind(situation)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
        if active.is_some() {
            return Err(refusal("already_flagged", "该情形已标注").into());
        }
        let id: i64 = sqlx::query(
            "INSERT INTO case_flags (case_id, situation, category, source, rule, reason, rules_version, flagged_by, flagged_at) \
             VALUES ($1, $2, $3, 'manual', NULL, $4, $5, $6, $7) RETURNING id",
        )
        .bind(case_id)
        .bind(situation)
        .bind(i64::from(s.category))
        .bind(reason.trim())
        .bind(&cfg.flags.version)
        .bind(&by.display_name)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::FlagRaised, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Raises a flag a system check found (`rule` names the check, `by` the system as users read
    /// it): once per situation and case, as ingest raises its rule flags — a situation flagged
    /// before, even if cleared by hand since, is not raised again. Returns whether it was raised.
    pub async fn raise_detected_flag(
        &self,
        case_id: i64,
        hit: FlagHit,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let rules = self.supervision().flags.clone();
        let mut tx = self.write(now).await?;
        let raised = raise_flags(&mut tx, vec![(case_id, hit)], &rules, by, now).await?;
        tx.commit().await?;
        Ok(raised > 0)
    }

    /// Pending public court cases with charges and no flag of `situation` yet, after `after_id`
    /// in id order (a confidential case is left to those cleared to read it: a flag's reason
    /// would name its charge to every reader of the flag), at most `limit` read: (case id, court, cause, charges). The second value is the
    /// last id read, `None` once the end is reached.
    pub async fn pending_charged_court_cases(
        &self,
        situation: &str,
        after_id: i64,
        limit: i64,
    ) -> Result<(Vec<PendingCharged>, Option<i64>)> {
        let rows = sqlx::query(
            "SELECT k.id, k.org_id, k.cause, k.state FROM cases k \
             WHERE k.agency_kind = 'court' AND k.closed_at IS NULL AND k.confidentiality = 'public' AND k.id > $1 \
             AND NOT EXISTS (SELECT 1 FROM case_flags f WHERE f.case_id = k.id AND f.situation = $2) \
             ORDER BY k.id LIMIT $3",
        )
        .bind(after_id)
        .bind(situation)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut out = vec![];
        let mut last = None;
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            last = Some(id);
            let state: String = r.try_get("state")?;
            let state: tianping_domain::CaseState = serde_json::from_str(&state)
                .map_err(|e| crate::StoreError::Corrupt(format!("case {id} state: {e}")))?;
            if state.charges.is_empty() {
                continue;
            }
            out.push(PendingCharged {
                case_id: id,
                org_id: r.try_get("org_id")?,
                cause: r.try_get("cause")?,
                charges: state.charges,
            });
        }
        let end = (rows.len() as i64) < limit;
        Ok((out, if end { None } else { last }))
    }

    /// Clears a flag with a reason (it stays in the case's record, marked cleared).
    pub async fn clear_flag(
        &self,
        flag_id: i64,
        reason: &str,
        by: &User,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(refusal("note_required", "请写明取消标注的理由").into());
        }
        let mut tx = self.write(now).await?;
        let r = sqlx::query(
            "UPDATE case_flags SET cleared_at = $1, cleared_by = $2, clear_reason = $3 WHERE id = $4 AND cleared_at IS NULL",
        )
        .bind(ts(now))
        .bind(&by.display_name)
        .bind(reason.trim())
        .bind(flag_id)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(refusal("flag_not_active", "该标注不存在或已取消").into());
        }
        tx.record(Command::FlagCleared, flag_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The case a flag belongs to (for scope checks).
    pub async fn flag_case_id(&self, flag_id: i64) -> Result<Option<i64>> {
        Ok(sqlx::query("SELECT case_id FROM case_flags WHERE id = $1")
            .bind(flag_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    /// Active flags per case for a set of cases (list badges).
    /// For the 四类案件 list: each given case's active situations, its 院庭长 acts (permitted) and its
    /// 类案检索 reports. Cases without an active flag are left out.
    pub async fn four_category_summaries(
        &self,
        case_ids: &[i64],
    ) -> Result<Vec<FourCategorySummary>> {
        let mut out: Vec<FourCategorySummary> = vec![];
        for part in case_ids.chunks(500) {
            let sql = format!(
                "SELECT f.case_id AS case_id, f.situation AS situation, \
                 (SELECT COUNT(*) FROM supervision_acts a WHERE a.case_id = f.case_id AND a.permitted = 1) AS acts, \
                 (SELECT COUNT(*) FROM retrieval_reports r WHERE r.case_id = f.case_id) AS reports \
                 FROM case_flags f WHERE f.cleared_at IS NULL AND f.case_id IN ({}) ORDER BY f.case_id, f.situation",
                placeholders(1, part.len())
            );
            let mut q = sqlx::query(crate::audited(sql));
            for id in part {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                let case_id: i64 = r.try_get("case_id")?;
                let situation: String = r.try_get("situation")?;
                match out.last_mut() {
                    Some(last) if last.case_id == case_id => last.situations.push(situation),
                    _ => out.push(FourCategorySummary {
                        case_id,
                        situations: vec![situation],
                        acts: r.try_get("acts")?,
                        reports: r.try_get("reports")?,
                    }),
                }
            }
        }
        Ok(out)
    }

    pub async fn active_flag_counts(&self, case_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        let mut out = vec![];
        for part in case_ids.chunks(500) {
            let sql = format!(
                "SELECT case_id, COUNT(*) FROM case_flags WHERE cleared_at IS NULL AND case_id IN ({}) GROUP BY case_id",
                placeholders(1, part.len())
            );
            let mut q = sqlx::query(crate::audited(sql));
            for id in part {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push((r.try_get(0)?, r.try_get(1)?));
            }
        }
        Ok(out)
    }
}
