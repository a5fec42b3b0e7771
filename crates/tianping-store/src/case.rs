//! Case projections: lists with filters inside a scope, one case, its events.

use crate::audited;
use crate::db::{FromRow, Val, row_struct};
use crate::{Backend, Result, Store, StoreError, Total, capped_count_sql};
use sqlx::Row;
use sqlx::any::AnyRow;
use tianping_domain::{AgencyKind, CaseStatus, Confidentiality};

/// The exclusive upper bound of all strings starting with `prefix` (for index-friendly range scans
/// instead of `LIKE`): `/33/3301/` → `/33/33010`, since `0` follows `/`.
pub fn prefix_end(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    if let Some(last) = chars.pop() {
        chars.push(char::from_u32(last as u32 + 1).unwrap_or(char::MAX));
    }
    chars.into_iter().collect()
}

/// Where a reader may look: region prefix and optionally one agency kind.
#[derive(Debug, Clone)]
pub struct ScopeFilter {
    pub region_prefix: String,
    pub agency_kind: Option<AgencyKind>,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub scope: Option<ScopeFilter>,
    pub org_id: Option<String>,
    pub type_code: Option<String>,
    pub kind: Option<String>,
    pub status: Option<CaseStatus>,
    pub judge: Option<String>,
    /// Filed at or after this instant (stored form, see [`crate::ts`]).
    pub filed_from: Option<String>,
    /// Filed strictly before this instant.
    pub filed_before: Option<String>,
    pub case_number: Option<String>,
    /// Only cases with an active 四类案件 flag.
    pub four_categories: bool,
    pub order: CaseOrder,
    pub page: u32,
    pub per_page: u32,
}

/// The order of the case list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseOrder {
    /// Newest filing first.
    #[default]
    FiledDesc,
    /// Oldest filing first (the longest pending on top).
    FiledAsc,
    /// By 案号.
    Number,
}

impl CaseOrder {
    pub fn parse(s: &str) -> Option<CaseOrder> {
        match s {
            "filed_desc" => Some(CaseOrder::FiledDesc),
            "filed_asc" => Some(CaseOrder::FiledAsc),
            "number" => Some(CaseOrder::Number),
            _ => None,
        }
    }
    fn sql(self) -> &'static str {
        match self {
            CaseOrder::FiledDesc => "c.filed_at DESC, c.id DESC",
            CaseOrder::FiledAsc => "c.filed_at, c.id",
            CaseOrder::Number => "c.case_number",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseRow {
    pub id: i64,
    pub case_number: String,
    pub org_id: String,
    pub org_name: String,
    pub agency_kind: String,
    pub region_path: String,
    pub kind: String,
    pub procedure: String,
    pub stage: String,
    pub type_code: Option<String>,
    pub title: String,
    pub title_masked: String,
    pub cause: String,
    pub confidentiality: Confidentiality,
    pub status: CaseStatus,
    pub judge: Option<String>,
    pub filed_at: String,
    pub closed_at: Option<String>,
    pub disposition: Option<String>,
    pub last_event_at: String,
    pub event_count: i64,
}

row_struct! {
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventRow {
    pub id: i64,
    pub source: String,
    pub source_event_id: String,
    pub kind: String,
    pub occurred_at: String,
    pub recorded_at: String,
    pub recorded_by: String,
    pub corrects: Option<String>,
    pub body: String,
}
}

const CASE_COLUMNS: &str = "c.id, c.case_number, c.org_id, o.name AS org_name, c.agency_kind, c.region_path, c.kind, \
    c.procedure, c.stage, c.type_code, c.title, c.title_masked, c.cause, c.confidentiality, c.status, c.judge, \
    c.filed_at, c.closed_at, c.disposition, c.last_event_at, c.event_count";

fn case_from_row(r: &AnyRow) -> Result<CaseRow> {
    let conf: String = r.try_get("confidentiality")?;
    let status: String = r.try_get("status")?;
    Ok(CaseRow {
        id: r.try_get("id")?,
        case_number: r.try_get("case_number")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        agency_kind: r.try_get("agency_kind")?,
        region_path: r.try_get("region_path")?,
        kind: r.try_get("kind")?,
        procedure: r.try_get("procedure")?,
        stage: r.try_get("stage")?,
        type_code: r.try_get("type_code")?,
        title: r.try_get("title")?,
        title_masked: r.try_get("title_masked")?,
        cause: r.try_get("cause")?,
        confidentiality: Confidentiality::parse(&conf)
            .ok_or_else(|| StoreError::Corrupt(format!("confidentiality {conf:?}")))?,
        status: CaseStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?,
        judge: r.try_get("judge")?,
        filed_at: r.try_get("filed_at")?,
        closed_at: r.try_get("closed_at")?,
        disposition: r.try_get("disposition")?,
        last_event_at: r.try_get("last_event_at")?,
        event_count: r.try_get("event_count")?,
    })
}

pub(crate) const EVENT_COLUMNS: &str =
    "id, source, source_event_id, kind, occurred_at, recorded_at, recorded_by, corrects, body";

impl Store {
    /// One page of cases matching `f`, newest filing first, and how many match (counted up to
    /// [`crate::COUNT_CAP`]; from the read replica when there is one: a list may be a few seconds
    /// behind).
    pub async fn list_cases(&self, f: &CaseFilter) -> Result<(Vec<CaseRow>, Total)> {
        let mut conds: Vec<String> = vec![];
        let mut args: Vec<String> = vec![];
        let mut push = |cond: &str, vals: Vec<String>, conds: &mut Vec<String>| {
            let mut c = cond.to_string();
            for v in vals {
                args.push(v);
                c = c.replacen('?', &format!("${}", args.len()), 1);
            }
            conds.push(c);
        };
        if let Some(s) = &f.scope {
            push(
                "c.region_path >= ? AND c.region_path < ?",
                vec![s.region_prefix.clone(), prefix_end(&s.region_prefix)],
                &mut conds,
            );
            if let Some(k) = s.agency_kind {
                push(
                    "c.agency_kind = ?",
                    vec![k.as_str().to_string()],
                    &mut conds,
                );
            }
        }
        if let Some(v) = &f.org_id {
            push("c.org_id = ?", vec![v.clone()], &mut conds);
        }
        if let Some(v) = &f.type_code {
            push("c.type_code = ?", vec![v.clone()], &mut conds);
        }
        if let Some(v) = &f.kind {
            push("c.kind = ?", vec![v.clone()], &mut conds);
        }
        if let Some(v) = f.status {
            push("c.status = ?", vec![v.as_str().to_string()], &mut conds);
        }
        if let Some(v) = &f.judge {
            push("c.judge = ?", vec![v.clone()], &mut conds);
        }
        if let Some(v) = &f.filed_from {
            push("c.filed_at >= ?", vec![v.clone()], &mut conds);
        }
        if let Some(v) = &f.filed_before {
            push("c.filed_at < ?", vec![v.clone()], &mut conds);
        }
        if let Some(v) = &f.case_number {
            push("c.case_number = ?", vec![v.clone()], &mut conds);
        }
        if f.four_categories {
            push(
                "c.id IN (SELECT g.case_id FROM case_flags g WHERE g.cleared_at IS NULL)",
                vec![],
                &mut conds,
            );
        }
        let where_sql = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        let per_page = f.per_page.clamp(1, 200);
        let offset = u64::from(f.page.max(1) - 1) * u64::from(per_page);
        let order = f.order.sql();
        let sql = if f.judge.is_some() {
            // One person's cases (我承办的): the page's ids first, from `cases_judge` alone (the
            // scope's columns and the id are in it), then those rows. As one statement
            // PostgreSQL multiplied the scope's share by the person's, expected a few dozen
            // rows, and fetched and sorted all of a prosecutor's 14,000 cases for a page of 20
            // (up to 1.8 s under load at 1.19M cases; 145 blocks read now, from 29,000).
            format!(
                "SELECT {CASE_COLUMNS} FROM cases c JOIN orgs o ON o.id = c.org_id \
                 WHERE c.id IN (SELECT c.id FROM cases c {where_sql} ORDER BY {order} LIMIT {per_page} OFFSET {offset}) \
                 ORDER BY {order}"
            )
        } else {
            format!(
                "SELECT {CASE_COLUMNS} FROM cases c JOIN orgs o ON o.id = c.org_id {where_sql} \
                 ORDER BY {order} LIMIT {per_page} OFFSET {offset}"
            )
        };
        // The page and the count: read from the replica when there is one (see `replica`).
        let binds: Vec<Val> = args.into_iter().map(Val::S).collect();
        let rows = self.read_rows(sql, binds.clone()).await?;
        let total = match Total::from_page(offset, rows.len(), per_page as usize) {
            Some(t) => t,
            None => {
                let count_sql = capped_count_sql(&format!("FROM cases c {where_sql}"));
                match self.read_rows(count_sql, binds).await?.first() {
                    Some(r) => Total::capped(r.try_get(0)?),
                    None => Total::exact(0),
                }
            }
        };
        Ok((
            rows.iter().map(case_from_row).collect::<Result<_>>()?,
            total,
        ))
    }

    /// One case with its folded state (JSON).
    pub async fn case_by_id(&self, id: i64) -> Result<Option<(CaseRow, String)>> {
        let r = sqlx::query(audited(format!("SELECT {CASE_COLUMNS}, c.state FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        match r {
            Some(r) => Ok(Some((case_from_row(&r)?, r.try_get("state")?))),
            None => Ok(None),
        }
    }

    pub async fn case_id_by_number(&self, case_number: &str) -> Result<Option<i64>> {
        let r = sqlx::query("SELECT id FROM cases WHERE case_number = $1")
            .bind(case_number)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| r.try_get(0)).transpose()?)
    }

    /// A case's events in recorded order.
    pub async fn events_of_case(&self, case_id: i64) -> Result<Vec<EventRow>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE case_id = $1 ORDER BY id"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EventRow::from_row).collect()
    }

    /// The handling judges (承办人) of the units in a scope, as (unit id, name) by unit and name,
    /// at most `limit` (for the case list's filter).
    pub async fn judges_in(
        &self,
        scope: &ScopeFilter,
        limit: u32,
    ) -> Result<Vec<(String, String)>> {
        let mut sql =
            "SELECT org_id, judge FROM case_judges WHERE region_path >= $1 AND region_path < $2"
                .to_string();
        if scope.agency_kind.is_some() {
            sql.push_str(" AND agency_kind = $3");
        }
        sql.push_str(&format!(" ORDER BY org_id, judge LIMIT {limit}"));
        // Kept for `counts_cache_seconds` (`crate::read_cache`): a city's menu sorts thousands
        // of names, and a name new to a unit may wait that long to appear in it.
        let key = format!(
            "{sql}\u{1f}{}\u{1f}{}",
            scope.region_prefix,
            scope.agency_kind.map_or("", |k| k.as_str())
        );
        let ttl = self.counts_ttl.get();
        if let Some(hit) = self.judges.get(&key, ttl, std::time::Instant::now()) {
            return Ok(hit);
        }
        let mut q = sqlx::query(audited(sql.clone()))
            .bind(&scope.region_prefix)
            .bind(prefix_end(&scope.region_prefix));
        if let Some(k) = scope.agency_kind {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        let out = rows
            .iter()
            .map(|r| Ok((r.try_get("org_id")?, r.try_get("judge")?)))
            .collect::<Result<Vec<_>>>()?;
        self.judges
            .put(key, out.clone(), ttl, std::time::Instant::now());
        Ok(out)
    }

    /// Refreshes the query planner's statistics (`ANALYZE`): after a
    /// bulk load, before autovacuum has seen the new rows, the planner would otherwise scan whole
    /// tables for lists that an index answers.
    /// On PostgreSQL the tables are vacuumed too, so counts can be answered from the indexes
    /// (index-only scans need the visibility map a vacuum writes).
    pub async fn analyze(&self) -> Result<()> {
        let sql = match self.backend {
            Backend::Postgres => "VACUUM (ANALYZE)",
            Backend::Sqlite => "ANALYZE",
        };
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// Whether PostgreSQL vacuums the tables by itself (`autovacuum`); `None` on SQLite. A
    /// server without it keeps the counts and lists of tables that grow getting slower (index-only
    /// scans fetch every row written since the last vacuum) until someone vacuums by hand.
    pub async fn autovacuum(&self) -> Result<Option<bool>> {
        match self.backend {
            Backend::Sqlite => Ok(None),
            Backend::Postgres => {
                let v: String = sqlx::query("SELECT CAST(current_setting('autovacuum') AS TEXT)")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get(0)?;
                Ok(Some(v == "on"))
            }
        }
    }

    /// Does once what autovacuum's launcher would do on its next round, for a server where
    /// it is off: vacuums (with analyse) each of the store's tables whose dead rows or rows
    /// inserted since its last vacuum pass autovacuum's thresholds, and analyses those whose
    /// changes since their last analysis pass its analyse threshold. The thresholds are the
    /// server's own `autovacuum_*` settings, and the work is throttled as autovacuum's is
    /// (`autovacuum_vacuum_cost_delay`). Returns (tables vacuumed, tables only analysed);
    /// nothing on SQLite. `tianping bench http` runs it every minute on such a server, so that a
    /// soak measures the product rather than a server no deployment runs (DEPLOY.md).
    pub async fn vacuum_as_autovacuum_would(&self) -> Result<(usize, usize)> {
        if self.backend != Backend::Postgres {
            return Ok((0, 0));
        }
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(
            "SELECT CAST(s.relname AS TEXT) AS name, \
             CASE WHEN s.n_dead_tup > CAST(current_setting('autovacuum_vacuum_threshold') AS FLOAT8) \
               + CAST(current_setting('autovacuum_vacuum_scale_factor') AS FLOAT8) * GREATEST(c.reltuples, 0) \
             OR (CAST(current_setting('autovacuum_vacuum_insert_threshold') AS FLOAT8) >= 0 \
               AND s.n_ins_since_vacuum > CAST(current_setting('autovacuum_vacuum_insert_threshold') AS FLOAT8) \
               + CAST(current_setting('autovacuum_vacuum_insert_scale_factor') AS FLOAT8) * GREATEST(c.reltuples, 0)) \
             THEN 1 ELSE 0 END AS vacuum, \
             CASE WHEN s.n_mod_since_analyze > CAST(current_setting('autovacuum_analyze_threshold') AS FLOAT8) \
               + CAST(current_setting('autovacuum_analyze_scale_factor') AS FLOAT8) * GREATEST(c.reltuples, 0) \
             THEN 1 ELSE 0 END AS analyse \
             FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid \
             WHERE s.schemaname = current_schema() ORDER BY s.relname",
        )
        .fetch_all(&mut *conn)
        .await?;
        // Autovacuum's own throttle (its cost limit falls back to vacuum_cost_limit).
        sqlx::query(
            "SELECT set_config('vacuum_cost_delay', CASE WHEN current_setting('autovacuum_vacuum_cost_delay') = '-1' \
             THEN current_setting('vacuum_cost_delay') ELSE current_setting('autovacuum_vacuum_cost_delay') END, false)",
        )
        .execute(&mut *conn)
        .await?;
        let (mut vacuumed, mut analysed) = (0, 0);
        for r in rows {
            let name: String = r.try_get("name")?;
            let vacuum: i32 = r.try_get("vacuum")?;
            let analyse: i32 = r.try_get("analyse")?;
            // A name from the catalog of the store's own schema, quoted as an identifier.
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            if vacuum == 1 {
                sqlx::query(audited(format!("VACUUM (ANALYZE) {quoted}")))
                    .execute(&mut *conn)
                    .await?;
                vacuumed += 1;
            } else if analyse == 1 {
                sqlx::query(audited(format!("ANALYZE {quoted}")))
                    .execute(&mut *conn)
                    .await?;
                analysed += 1;
            }
        }
        sqlx::query("RESET vacuum_cost_delay")
            .execute(&mut *conn)
            .await?;
        Ok((vacuumed, analysed))
    }

    /// Counts of cases and events (for health and bench output).
    pub async fn counts(&self) -> Result<(i64, i64)> {
        let c: i64 = sqlx::query("SELECT COUNT(*) FROM cases")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let e: i64 = sqlx::query("SELECT COUNT(*) FROM events")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        Ok((c, e))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefix_end_bounds_the_subtree() {
        let end = super::prefix_end("/33/3301/");
        assert_eq!(end, "/33/33010");
        assert!("/33/3301/330102/" < end.as_str());
        assert!("/33/33010/" >= end.as_str());
    }
}
