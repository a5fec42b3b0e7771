//! A procuratorate's 案件自查: the closed cases to be self-checked with their self-checks, and the
//! self-check itself (one per case, a ledger leaf).

use crate::{Result, Store, ts};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use tianping_domain::clock::local_midnight;
use tianping_ledger::Command;

/// A closed procuratorate case with its self-check, if done. Only files that name their handling
/// prosecutor are self-checked (nobody else can look back at them as their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfCheckRow {
    pub case_id: i64,
    pub case_number: String,
    pub org_id: String,
    pub org_name: String,
    pub region_path: String,
    pub judge: Option<String>,
    pub confidentiality: String,
    pub closed_at: String,
    pub finding: Option<String>,
    pub note: Option<String>,
    pub checked_by: Option<String>,
    pub checked_at: Option<String>,
}

/// Which closed cases: a region's procuratorates, optionally one organisation and one handler.
#[derive(Debug, Clone, Default)]
pub struct SelfCheckQuery {
    pub region_prefix: String,
    pub org_id: Option<String>,
    /// The handling prosecutor's name as the case records it.
    pub judge: Option<String>,
    /// Closed on or after this Beijing day (the rule's first day, or later).
    pub closed_from: Option<NaiveDate>,
    /// Only cases not yet self-checked.
    pub pending_only: bool,
    pub case_id: Option<i64>,
    /// The earliest closed first (the most pressing: a self-check is due a fixed number of
    /// working days after the closing), instead of the latest.
    pub oldest_first: bool,
    pub limit: i64,
}

impl Store {
    /// How many closed procuratorate cases the query matches (its limit and order aside).
    pub async fn count_self_check_cases(&self, q: &SelfCheckQuery) -> Result<i64> {
        let (conds, binds) = self_check_where(q);
        let mut query = sqlx::query(crate::audited(format!(
            "SELECT COUNT(*) AS n FROM cases c JOIN orgs o ON o.id = c.org_id WHERE {conds}"
        )));
        for b in binds {
            query = query.bind(b);
        }
        Ok(query.fetch_one(&self.pool).await?.try_get("n")?)
    }

    /// Closed procuratorate cases of the query, the latest closed first (or the earliest), with
    /// their self-checks.
    pub async fn self_check_cases(&self, q: &SelfCheckQuery) -> Result<Vec<SelfCheckRow>> {
        let (conds, binds) = self_check_where(q);
        let mut sql = format!(
            "SELECT c.id, c.case_number, c.org_id, o.name AS org_name, c.region_path, c.judge, c.confidentiality, c.closed_at, \
             x.finding, x.note, u.display_name AS checked_by, x.checked_at \
             FROM cases c JOIN orgs o ON o.id = c.org_id \
             LEFT JOIN evaluation_self_checks x ON x.case_id = c.id LEFT JOIN users u ON u.id = x.checked_by \
             WHERE {conds}"
        );
        let order = if q.oldest_first {
            "c.closed_at, c.id"
        } else {
            "c.closed_at DESC, c.id DESC"
        };
        sql.push_str(&format!(
            " ORDER BY {order} LIMIT {}",
            q.limit.clamp(1, 5000)
        ));
        let mut query = sqlx::query(crate::audited(sql));
        for b in binds {
            query = query.bind(b);
        }
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(SelfCheckRow {
                    case_id: r.try_get("id")?,
                    case_number: r.try_get("case_number")?,
                    org_id: r.try_get("org_id")?,
                    org_name: r.try_get("org_name")?,
                    region_path: r.try_get("region_path")?,
                    judge: r.try_get("judge")?,
                    confidentiality: r.try_get("confidentiality")?,
                    closed_at: r.try_get("closed_at")?,
                    finding: r.try_get("finding")?,
                    note: r.try_get("note")?,
                    checked_by: r.try_get("checked_by")?,
                    checked_at: r.try_get("checked_at")?,
                })
            })
            .collect()
    }

    /// One closed procuratorate case with its self-check (`None`: no such closed case).
    pub async fn self_check_of(&self, case_id: i64) -> Result<Option<SelfCheckRow>> {
        Ok(self
            .self_check_cases(&SelfCheckQuery {
                region_prefix: "/".into(),
                case_id: Some(case_id),
                limit: 1,
                ..Default::default()
            })
            .await?
            .pop())
    }

    /// Records a self-check (checked by the domain); a second one for the case is refused.
    pub async fn record_self_check(
        &self,
        case_id: i64,
        org_id: &str,
        finding: &str,
        note: &str,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let done = sqlx::query("SELECT id FROM evaluation_self_checks WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(&mut *tx)
            .await?;
        if done.is_some() {
            return Err(super::refusal("conflict", "本案已填报自查，不能重复填报"));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO evaluation_self_checks (case_id, org_id, finding, note, checked_by, checked_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(case_id)
        .bind(org_id)
        .bind(finding)
        .bind(note.trim())
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.record(Command::CaseSelfChecked, id).await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// The conditions of a self-check query on `cases c JOIN orgs o`, and their values in order.
fn self_check_where(q: &SelfCheckQuery) -> (String, Vec<String>) {
    let mut sql = String::from("c.closed_at IS NOT NULL");
    // One organisation's cases: the scope is checked on the organisation's row (a case's
    // kind and region are its organisation's), so that PostgreSQL reads the person's
    // latest closed cases from `cases_handler` and stops at the page; checked on the cases'
    // own columns it expected a handful of rows and read all of them (thousands for one
    // prosecutor at a million cases).
    let on = if q.org_id.is_some() { "o" } else { "c" };
    let kind = if q.org_id.is_some() {
        "kind"
    } else {
        "agency_kind"
    };
    sql.push_str(&format!(
        " AND {on}.{kind} = 'procuratorate' AND {on}.region_path >= $1 AND {on}.region_path < $2"
    ));
    let mut n = 2;
    let mut binds: Vec<String> = vec![
        q.region_prefix.clone(),
        crate::case::prefix_end(&q.region_prefix),
    ];
    if let Some(o) = &q.org_id {
        n += 1;
        sql.push_str(&format!(" AND c.org_id = ${n}"));
        binds.push(o.clone());
    }
    if let Some(j) = &q.judge {
        n += 1;
        sql.push_str(&format!(" AND c.judge = ${n}"));
        binds.push(j.clone());
    } else {
        sql.push_str(" AND c.judge IS NOT NULL AND c.judge <> ''");
    }
    if let Some(d) = q.closed_from {
        n += 1;
        sql.push_str(&format!(" AND c.closed_at >= ${n}"));
        binds.push(ts(local_midnight(d)));
    }
    if let Some(id) = q.case_id {
        sql.push_str(&format!(" AND c.id = {id}"));
    }
    if q.pending_only {
        // An anti-join PostgreSQL estimates (`x.id IS NULL` after the outer join it took for
        // "almost none", and sorted everything before the limit).
        sql.push_str(
            " AND NOT EXISTS (SELECT 1 FROM evaluation_self_checks x2 WHERE x2.case_id = c.id)",
        );
    }
    (sql, binds)
}
