//! Interference records (三个规定).

use super::refusal;
use crate::org::Org;
use crate::user::User;
use crate::{Result, Store, ts};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use tianping_domain::AgencyKind;
use tianping_domain::supervision::{InterferenceChannel, InterferenceOutcome, InterferenceSource};
use tianping_ledger::Command;

#[derive(Debug, Clone)]
pub struct NewInterference {
    pub case_id: Option<i64>,
    pub source: InterferenceSource,
    pub person_name: String,
    pub person_unit: String,
    pub person_position: String,
    pub channel: InterferenceChannel,
    pub occurred_at: DateTime<Utc>,
    pub content: String,
    pub materials: String,
    pub outcome: InterferenceOutcome,
    pub response: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InterferenceRow {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub org_id: String,
    pub org_name: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub source: String,
    pub person_name: String,
    pub person_unit: String,
    pub person_position: String,
    pub channel: String,
    pub occurred_at: String,
    pub content: String,
    pub materials: String,
    pub outcome: String,
    pub response: String,
    pub by_system: bool,
}

pub(crate) async fn insert_interference(
    tx: &mut crate::write::Write,
    n: &NewInterference,
    by: &User,
    org: &Org,
    by_system: bool,
    now: DateTime<Utc>,
) -> Result<i64> {
    let id: i64 = sqlx::query(
        "INSERT INTO interference_records (case_id, org_id, region_path, recorded_by, recorded_at, source, person_name, person_unit, person_position, channel, occurred_at, content, materials, outcome, response, by_system) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(n.case_id)
    .bind(&org.id)
    .bind(&org.region_path)
    .bind(by.id)
    .bind(ts(now))
    .bind(n.source.as_str())
    .bind(n.person_name.trim())
    .bind(n.person_unit.trim())
    .bind(n.person_position.trim())
    .bind(n.channel.as_str())
    .bind(ts(n.occurred_at))
    .bind(n.content.trim())
    .bind(n.materials.trim())
    .bind(n.outcome.as_str())
    .bind(n.response.trim())
    .bind(i64::from(by_system))
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    tx.record(Command::InterferenceRecorded, id).await?;
    Ok(id)
}

/// Counts of interference records in a scope and period (the quarterly report).
#[derive(Debug, Clone, Default, Serialize)]
pub struct InterferenceReport {
    pub total: i64,
    pub by_source: Vec<(String, i64)>,
    pub by_unit: Vec<(String, String, i64)>,
    pub by_outcome: Vec<(String, i64)>,
    /// Zero reports submitted for the period: (unit, person, submitted at).
    pub zero_reports: Vec<(String, String, String)>,
}

impl Store {
    /// Records that someone asked about a case (三个规定). The fields the local forms use are
    /// required: who (name, unit, position), how, when, what, and what the handler did.
    pub async fn record_interference(
        &self,
        n: &NewInterference,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        for (v, field) in [
            (&n.person_name, "姓名"),
            (&n.person_unit, "单位"),
            (&n.content, "过问内容"),
        ] {
            if v.trim().is_empty() {
                return Err(refusal("field_empty", format!("“{field}”不能为空")).into());
            }
        }
        if n.occurred_at > now + Duration::minutes(10) {
            return Err(refusal("date_in_future", "过问时间晚于当前时间").into());
        }
        let mut tx = self.write(now).await?;
        let id = insert_interference(&mut tx, n, by, org, false, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    fn interference_select() -> &'static str {
        "SELECT r.id, r.case_id, c.case_number, r.org_id, o.name AS org_name, u.display_name AS recorded_by, r.recorded_at, r.source, r.person_name, r.person_unit, r.person_position, r.channel, r.occurred_at, r.content, r.materials, r.outcome, r.response, r.by_system \
         FROM interference_records r JOIN orgs o ON o.id = r.org_id JOIN users u ON u.id = r.recorded_by LEFT JOIN cases c ON c.id = r.case_id"
    }

    fn interference_row(r: &AnyRow) -> Result<InterferenceRow> {
        Ok(InterferenceRow {
            id: r.try_get("id")?,
            case_id: r.try_get("case_id")?,
            case_number: r.try_get("case_number")?,
            org_id: r.try_get("org_id")?,
            org_name: r.try_get("org_name")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
            source: r.try_get("source")?,
            person_name: r.try_get("person_name")?,
            person_unit: r.try_get("person_unit")?,
            person_position: r.try_get("person_position")?,
            channel: r.try_get("channel")?,
            occurred_at: r.try_get("occurred_at")?,
            content: r.try_get("content")?,
            materials: r.try_get("materials")?,
            outcome: r.try_get("outcome")?,
            response: r.try_get("response")?,
            by_system: r.try_get::<i64, _>("by_system")? != 0,
        })
    }

    /// Records in a region subtree whose request happened in [from, to).
    /// Interference records under a region prefix, of the units of one agency kind when given
    /// (finding M1: a procuratorate does not read a court's records).
    pub async fn interference_records(
        &self,
        region_prefix: &str,
        agency_kind: Option<AgencyKind>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<InterferenceRow>> {
        sqlx::query(crate::audited(format!(
            "{} WHERE r.region_path >= $1 AND r.region_path < $2 AND r.occurred_at >= $3 AND r.occurred_at < $4 \
             AND ($5 IS NULL OR o.kind = $5) ORDER BY r.occurred_at, r.id",
            Self::interference_select()
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .bind(ts(from))
        .bind(ts(to))
        .bind(agency_kind.map(AgencyKind::as_str))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(Self::interference_row)
        .collect()
    }

    /// How many interference records a case has (the case is marked when it has any).
    pub async fn case_interference(&self, case_id: i64) -> Result<Vec<InterferenceRow>> {
        sqlx::query(crate::audited(format!(
            "{} WHERE r.case_id = $1 ORDER BY r.id",
            Self::interference_select()
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(Self::interference_row)
        .collect()
    }

    /// The report for a scope and period: totals by source, unit and outcome, and the zero
    /// reports submitted for `period`.
    pub async fn interference_report(
        &self,
        region_prefix: &str,
        agency_kind: Option<AgencyKind>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        period: &str,
    ) -> Result<InterferenceReport> {
        let rows = self
            .interference_records(region_prefix, agency_kind, from, to)
            .await?;
        let mut rep = InterferenceReport {
            total: rows.len() as i64,
            ..Default::default()
        };
        let bump = |v: &mut Vec<(String, i64)>, k: &str| match v.iter_mut().find(|(x, _)| x == k) {
            Some((_, n)) => *n += 1,
            None => v.push((k.to_string(), 1)),
        };
        for r in &rows {
            bump(&mut rep.by_source, &r.source);
            bump(&mut rep.by_outcome, &r.outcome);
            match rep.by_unit.iter_mut().find(|(id, _, _)| *id == r.org_id) {
                Some((_, _, n)) => *n += 1,
                None => rep.by_unit.push((r.org_id.clone(), r.org_name.clone(), 1)),
            }
        }
        rep.by_source.sort();
        rep.by_outcome.sort();
        rep.by_unit.sort();
        for r in sqlx::query(
            "SELECT o.name, u.display_name, z.submitted_at FROM zero_reports z JOIN orgs o ON o.id = z.org_id JOIN users u ON u.id = z.user_id \
             WHERE z.period = $1 AND z.region_path >= $2 AND z.region_path < $3 AND ($4 IS NULL OR o.kind = $4) ORDER BY o.name, u.display_name",
        )
        .bind(period)
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .bind(agency_kind.map(AgencyKind::as_str))
        .fetch_all(&self.pool)
        .await?
        {
            rep.zero_reports
                .push((r.try_get("name")?, r.try_get("display_name")?, r.try_get("submitted_at")?));
        }
        Ok(rep)
    }

    /// An explicit "nothing to report" for a period (零报告). Refused when the person recorded
    /// something in that period, or already reported.
    pub async fn submit_zero_report(
        &self,
        by: &User,
        org: &Org,
        period: &str,
        period_range: (DateTime<Utc>, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM interference_records WHERE recorded_by = $1 AND by_system = 0 AND occurred_at >= $2 AND occurred_at < $3",
        )
        .bind(by.id)
        .bind(ts(period_range.0))
        .bind(ts(period_range.1))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if n > 0 {
            return Err(refusal(
                "not_zero",
                format!("本期已有 {n} 条过问记录，不能提交零报告"),
            )
            .into());
        }
        let done: Option<i64> =
            sqlx::query("SELECT id FROM zero_reports WHERE user_id = $1 AND period = $2")
                .bind(by.id)
                .bind(period)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        if done.is_some() {
            return Err(refusal("already_reported", "本期零报告已提交").into());
        }
        let id: i64 = sqlx::query(
            "INSERT INTO zero_reports (user_id, org_id, region_path, period, submitted_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(by.id)
        .bind(&org.id)
        .bind(&org.region_path)
        .bind(period)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::ZeroReportSubmitted, id).await?;
        tx.commit().await?;
        Ok(id)
    }
}
