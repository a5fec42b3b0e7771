//! Verifiable random draws of 警情 for checking (issue 21): the pool is every 警情 received in
//! the period within the drawer's region; the domain draws ([`tianping_domain::sample`]); the draw
//! is stored with its seed, the pool and its digest, and recorded in the ledger.

use crate::case::prefix_end;
use crate::db::FromRow;
use crate::{Result, Store, StoreError, audited, ts};
use chrono::{DateTime, Utc};
use sqlx::Row;
use tianping_ledger::Command;

crate::db::row_struct! {
/// A stored draw; `pool` and `picked` are JSON lists of 警情 numbers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SampleRow {
    pub id: i64,
    pub org_id: String,
    pub region_path: String,
    pub drawn_by: String,
    pub drawn_at: String,
    pub period_from: String,
    pub period_to: String,
    pub size: i64,
    pub seed: String,
    pub pool_digest: String,
    pub pool: String,
    pub picked: String,
}
}

/// A draw to store.
pub struct NewSample<'a> {
    pub org_id: &'a str,
    pub region_path: &'a str,
    pub drawn_by: &'a str,
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub size: usize,
    pub seed: &'a str,
}

const COLUMNS: &str = "id, org_id, region_path, drawn_by, drawn_at, period_from, period_to, size, seed, pool_digest, pool, picked";

impl Store {
    /// The 警情 received in `[from, to)` within a region: police records opened at 接警, whether
    /// or not they became cases since.
    pub async fn incident_pool(
        &self,
        region_prefix: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT case_number, state FROM cases WHERE agency_kind = 'police' \
             AND region_path >= $1 AND region_path < $2 AND filed_at >= $3 AND filed_at < $4 \
             ORDER BY case_number",
        )
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await?;
        let mut out = vec![];
        for r in rows {
            let state: String = r.try_get("state")?;
            let s: tianping_domain::CaseState = serde_json::from_str(&state)
                .map_err(|e| StoreError::Corrupt(format!("case state: {e}")))?;
            if s.timeline.incident {
                out.push(r.try_get("case_number")?);
            }
        }
        Ok(out)
    }

    /// Draws and stores a sample of the period's 警情; returns its id.
    pub async fn draw_incident_sample(&self, n: &NewSample<'_>, now: DateTime<Utc>) -> Result<i64> {
        let pool = self
            .incident_pool(n.region_path, n.period_from, n.period_to)
            .await?;
        let picked = tianping_domain::sample::draw(n.seed, &pool, n.size);
        let digest = tianping_domain::sample::pool_digest(&pool);
        let json = |v: &Vec<String>| {
            serde_json::to_string(v).map_err(|e| StoreError::Invalid(e.to_string()))
        };
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO incident_samples (org_id, region_path, drawn_by, drawn_at, period_from, period_to, size, seed, pool_digest, pool, picked) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(n.org_id)
        .bind(n.region_path)
        .bind(n.drawn_by)
        .bind(ts(now))
        .bind(ts(n.period_from))
        .bind(ts(n.period_to))
        .bind(n.size as i64)
        .bind(n.seed)
        .bind(&digest)
        .bind(json(&pool)?)
        .bind(json(&picked)?)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.record(Command::IncidentSampleDrawn, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn incident_sample(&self, id: i64) -> Result<Option<SampleRow>> {
        let r = sqlx::query(audited(format!(
            "SELECT {COLUMNS} FROM incident_samples WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(SampleRow::from_row).transpose()
    }

    /// The draws made within a region, newest first.
    pub async fn incident_samples(&self, region_prefix: &str) -> Result<Vec<SampleRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {COLUMNS} FROM incident_samples WHERE region_path >= $1 AND region_path < $2 ORDER BY id DESC LIMIT 100"
        )))
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(SampleRow::from_row).collect()
    }
}
