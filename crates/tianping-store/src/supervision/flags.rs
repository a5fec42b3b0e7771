//! Flags.

use super::Decision;
use super::refusal;
use crate::user::User;
use crate::{Backend, Result, Store, ledger, placeholders, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashSet;
use tianping_domain::flag::{FlagHit, FlagRules};
use tianping_ledger::Command;

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

const FLAG_COLUMNS: &str = "id, case_id, situation, category, source, rule, reason, rules_version, flagged_by, flagged_at, cleared_at, cleared_by, clear_reason";

fn flag_row(r: &AnyRow) -> Result<FlagRow> {
    Ok(FlagRow {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        situation: r.try_get("situation")?,
        category: r.try_get("category")?,
        source: r.try_get("source")?,
        rule: r.try_get("rule")?,
        reason: r.try_get("reason")?,
        rules_version: r.try_get("rules_version")?,
        flagged_by: r.try_get("flagged_by")?,
        flagged_at: r.try_get("flagged_at")?,
        cleared_at: r.try_get("cleared_at")?,
        cleared_by: r.try_get("cleared_by")?,
        clear_reason: r.try_get("clear_reason")?,
    })
}

/// Raises the flags ingest found, inside its transaction: a situation already flagged on a case
/// (even if cleared by hand since) is not raised again. Returns how many were raised.
pub(crate) async fn raise_flags(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
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
        for r in q.fetch_all(&mut *conn).await? {
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
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
        keys.push(ledger::Key::from(id));
    }
    let n = keys.len();
    ledger::record(conn, backend, Command::FlagRaised, &keys, now).await?;
    Ok(n)
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
        .map(flag_row)
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
    ) -> Result<Decision<i64>> {
        let cfg = self.supervision();
        let Some(s) = cfg.flags.situation(situation) else {
            return Ok(Err(refusal(
                "unknown_situation",
                format!("“{situation}”不是四类案件的情形"),
            )));
        };
        if reason.trim().is_empty() {
            return Ok(Err(refusal("note_required", "请写明标注理由")));
        }
        let mut tx = self.write_tx().await?;
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
            return Ok(Err(refusal("already_flagged", "该情形已标注")));
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
        ledger::record_one(&mut tx, self.backend, Command::FlagRaised, id, now).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Clears a flag with a reason (it stays in the case's record, marked cleared).
    pub async fn clear_flag(
        &self,
        flag_id: i64,
        reason: &str,
        by: &User,
        now: DateTime<Utc>,
    ) -> Result<Decision<()>> {
        if reason.trim().is_empty() {
            return Ok(Err(refusal("note_required", "请写明取消标注的理由")));
        }
        let mut tx = self.write_tx().await?;
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
            return Ok(Err(refusal("flag_not_active", "该标注不存在或已取消")));
        }
        ledger::record_one(&mut tx, self.backend, Command::FlagCleared, flag_id, now).await?;
        tx.commit().await?;
        Ok(Ok(()))
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
