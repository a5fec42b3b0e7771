//! 类案检索报告: similar-case retrieval reports stored on a case (migration 0007), ledgered.

use crate::user::User;
use crate::{Result, Store, StoreError, audited, ts};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tianping_domain::judgment::months_zh;
use tianping_ledger::Command;

/// What the judge decided about a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Annotation {
    #[default]
    Unmarked,
    /// 参照
    Refer,
    /// 不参照
    NotRefer,
}

impl Annotation {
    pub fn zh(self) -> &'static str {
        match self {
            Annotation::Unmarked => "未标注",
            Annotation::Refer => "参照",
            Annotation::NotRefer => "不参照",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Annotation::Unmarked => "unmarked",
            Annotation::Refer => "refer",
            Annotation::NotRefer => "not_refer",
        }
    }

    pub fn from_code(s: &str) -> Option<Annotation> {
        [
            Annotation::Unmarked,
            Annotation::Refer,
            Annotation::NotRefer,
        ]
        .into_iter()
        .find(|a| a.code() == s)
    }
}

/// The filters a retrieval ran with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportFilters {
    #[serde(default)]
    pub charge: Option<String>,
    /// `basic`, `intermediate`, `high`, `supreme`.
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub year_from: Option<i32>,
    #[serde(default)]
    pub year_to: Option<i32>,
}

/// One ranked result as the report keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportResult {
    pub rank: u32,
    pub judgment_id: i64,
    pub score: f64,
    /// The parts of the score (0–1 each): facts, whole text, charges.
    pub facts: f64,
    pub text: f64,
    pub charges: f64,
    pub shared_charges: Vec<String>,
    /// The query's words its facts also say (reports saved before they were kept have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_words: Vec<String>,
    /// The statutes the query cites that it cites too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_articles: Vec<String>,
    pub title: String,
    pub court: Option<String>,
    pub case_number: Option<String>,
    pub decided_on: Option<String>,
    /// The sentences in words (判处有期徒刑三年 …).
    pub outcome: String,
    pub annotation: Annotation,
    #[serde(default)]
    pub note: String,
    /// The share of the query's facts its facts also state (0–1); none when the query stated no
    /// facts, and in reports saved before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
    /// Its tier in the order of the SPC's guidance (`guiding`, `typical`, `province_high`,
    /// `own_or_superior`, `other`); empty in reports saved before it was kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

/// A report to save.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub case_id: i64,
    pub query_facts: String,
    pub query_charges: Vec<String>,
    pub filters: ReportFilters,
    pub snapshot_last_id: i64,
    pub snapshot_count: i64,
    pub ranking_version: String,
    pub results: Vec<ReportResult>,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: i64,
    pub created_by: String,
    pub created_at: String,
    pub body: NewReport,
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("report json: {e}")))
}

fn parse<T: for<'de> Deserialize<'de>>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("report {what}: {e}")))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Report> {
    let charges: String = r.try_get("query_charges")?;
    let filters: String = r.try_get("filters")?;
    let results: String = r.try_get("results")?;
    Ok(Report {
        id: r.try_get("id")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        body: NewReport {
            case_id: r.try_get("case_id")?,
            query_facts: r.try_get("query_facts")?,
            query_charges: parse(&charges, "charges")?,
            filters: parse(&filters, "filters")?,
            snapshot_last_id: r.try_get("snapshot_last_id")?,
            snapshot_count: r.try_get("snapshot_count")?,
            ranking_version: r.try_get("ranking_version")?,
            results: parse(&results, "results")?,
        },
    })
}

impl Store {
    /// Stores a report (and its ledger leaf); returns its id.
    pub async fn save_report(&self, r: &NewReport, by: &User, now: DateTime<Utc>) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO retrieval_reports (case_id, created_by, created_at, query_facts, query_charges, \
             filters, snapshot_last_id, snapshot_count, ranking_version, results) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(r.case_id)
        .bind(&by.display_name)
        .bind(ts(now))
        .bind(&r.query_facts)
        .bind(json(&r.query_charges)?)
        .bind(json(&r.filters)?)
        .bind(r.snapshot_last_id)
        .bind(r.snapshot_count)
        .bind(&r.ranking_version)
        .bind(json(&r.results)?)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::RetrievalReportSaved, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn report(&self, id: i64) -> Result<Option<Report>> {
        let r = sqlx::query("SELECT * FROM retrieval_reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(from_row).transpose()
    }

    /// The case's reports, newest first.
    pub async fn reports_of_case(&self, case_id: i64) -> Result<Vec<Report>> {
        let rows =
            sqlx::query("SELECT * FROM retrieval_reports WHERE case_id = $1 ORDER BY id DESC")
                .bind(case_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(from_row).collect()
    }
}

// --- 检索结论 written by the judge (migration 0043) ------------------------------------------------

/// The judge's own 检索结论 under a report, as last written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conclusion {
    pub id: i64,
    pub report_id: i64,
    pub body: String,
    /// The writer's name.
    pub written_by: String,
    pub written_at: String,
    /// How many times it was written (the earlier versions stay in the ledger and the table).
    pub versions: i64,
}

impl Store {
    /// Writes the judge's 检索结论 under a report (its ledger leaf with it); returns its id.
    pub async fn write_conclusion(
        &self,
        report_id: i64,
        body: &str,
        by: &User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let case_id: Option<i64> =
            sqlx::query_scalar("SELECT case_id FROM retrieval_reports WHERE id = $1")
                .bind(report_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(case_id) = case_id else {
            return Err(StoreError::Corrupt(format!("report {report_id} not found")));
        };
        let id: i64 = sqlx::query(
            "INSERT INTO retrieval_conclusions (report_id, case_id, body, written_by, written_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(report_id)
        .bind(case_id)
        .bind(body)
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::RetrievalConclusionWritten, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The latest 检索结论 written under a report, if any.
    pub async fn conclusion(&self, report_id: i64) -> Result<Option<Conclusion>> {
        let r = sqlx::query(
            "SELECT c.id, c.report_id, c.body, u.display_name AS written_by, c.written_at, \
             (SELECT COUNT(*) FROM retrieval_conclusions o WHERE o.report_id = c.report_id) AS versions \
             FROM retrieval_conclusions c JOIN users u ON u.id = c.written_by \
             WHERE c.report_id = $1 ORDER BY c.id DESC LIMIT 1",
        )
        .bind(report_id)
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| {
            Ok(Conclusion {
                id: r.try_get("id")?,
                report_id: r.try_get("report_id")?,
                body: r.try_get("body")?,
                written_by: r.try_get("written_by")?,
                written_at: r.try_get("written_at")?,
                versions: r.try_get("versions")?,
            })
        })
        .transpose()
    }
}

// --- 量刑偏离预警: deviation warnings (migration 0008) -------------------------------------------

/// A closing event of a court case that decided a custodial term: what the deviation sweep checks.
#[derive(Debug, Clone)]
pub struct ClosedTerm {
    pub event_id: i64,
    pub case_id: i64,
    pub decided_months: u32,
    pub cause: String,
    pub charges: Vec<String>,
}

/// A deviation found by comparing a closed case with its closest similar judgments.
#[derive(Debug, Clone)]
pub struct NewDeviation {
    pub case_id: i64,
    pub event_id: i64,
    pub charge: String,
    pub decided_months: u32,
    pub low: u32,
    pub high: u32,
    pub above: bool,
    /// The judgments compared (id, months), closest first.
    pub peers: Vec<(i64, u32)>,
}

/// A stored deviation warning.
#[derive(Debug, Clone)]
pub struct DeviationWarning {
    pub id: i64,
    pub created_at: String,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    pub number: String,
    pub body: NewDeviation,
}

impl NewDeviation {
    /// The comparison in words: 危险驾驶罪判处 1年，高于最相似的 5 件同罪名已决案件的刑期范围（1个月 至 5个月）.
    pub fn text(&self) -> String {
        format!(
            "{}判处 {}，{}最相似的 {} 件同罪名已决案件的刑期范围（{} 至 {}）",
            self.charge,
            months_zh(self.decided_months),
            if self.above { "高于" } else { "低于" },
            self.peers.len(),
            months_zh(self.low),
            months_zh(self.high)
        )
    }
}

const SWEEP_ROW: i64 = 1;

fn deviation_from_row(r: &sqlx::any::AnyRow) -> Result<DeviationWarning> {
    let peers: String = r.try_get("peers")?;
    let m = |c: &str| -> Result<u32> {
        let v: i64 = r.try_get(c)?;
        u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("deviation_warnings.{c} {v}")))
    };
    Ok(DeviationWarning {
        id: r.try_get("id")?,
        created_at: r.try_get("created_at")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        acknowledged_by: r.try_get("acknowledged_by")?,
        number: r.try_get("case_number")?,
        body: NewDeviation {
            case_id: r.try_get("case_id")?,
            event_id: r.try_get("event_id")?,
            charge: r.try_get("charge")?,
            decided_months: m("decided_months")?,
            low: m("low_months")?,
            high: m("high_months")?,
            above: r.try_get::<i64, _>("above")? != 0,
            peers: parse(&peers, "peers")?,
        },
    })
}

const DEVIATION_SELECT: &str = "SELECT d.id, d.case_id, d.event_id, d.charge, d.decided_months, d.low_months, \
     d.high_months, d.above, d.peers, d.created_at, d.acknowledged_at, d.acknowledged_by, k.case_number \
     FROM deviation_warnings d JOIN cases k ON k.id = d.case_id";

impl Store {
    /// Closing events of court cases after the sweep's cursor that decided a custodial term,
    /// oldest first, reading at most `limit` closing events; with the event id the cursor may move
    /// to once they are checked (None: nothing new). Without a cursor yet: none, and the newest
    /// event id (the first sweep starts from now).
    pub async fn closed_terms_after_cursor(
        &self,
        limit: i64,
    ) -> Result<(Vec<ClosedTerm>, Option<i64>)> {
        let cursor: Option<i64> =
            sqlx::query_scalar("SELECT last_event_id FROM deviation_sweep WHERE id = $1")
                .bind(SWEEP_ROW)
                .fetch_optional(&self.pool)
                .await?;
        let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
            .fetch_one(&self.pool)
            .await?;
        // The first sweep starts from now: cases decided before it (an imported history, an
        // upgraded database) show their deviation on the case page but raise no warning.
        let Some(cursor) = cursor else {
            return Ok((vec![], Some(newest)));
        };
        if newest <= cursor {
            return Ok((vec![], None));
        }
        let rows = sqlx::query(
            "SELECT e.id, e.case_id, e.body, k.cause, k.state FROM events e JOIN cases k ON k.id = e.case_id \
             WHERE e.id > $1 AND e.id <= $2 AND e.kind = 'closed' AND k.agency_kind = 'court' ORDER BY e.id LIMIT $3",
        )
        .bind(cursor)
        .bind(newest)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let full = rows.len() as i64 >= limit;
        let mut out = vec![];
        let mut last = newest;
        for r in &rows {
            let event_id: i64 = r.try_get(0)?;
            last = event_id;
            let body: String = r.try_get(2)?;
            let body: tianping_domain::EventBody = serde_json::from_str(&body)
                .map_err(|e| StoreError::Corrupt(format!("event {event_id} body: {e}")))?;
            let tianping_domain::EventBody::Closed {
                sentence_months: Some(decided_months),
                ..
            } = body
            else {
                continue;
            };
            let state: String = r.try_get(4)?;
            let state: tianping_domain::CaseState = serde_json::from_str(&state)
                .map_err(|e| StoreError::Corrupt(format!("case state: {e}")))?;
            out.push(ClosedTerm {
                event_id,
                case_id: r.try_get(1)?,
                decided_months,
                cause: r.try_get(3)?,
                charges: state.charges,
            });
        }
        Ok((out, Some(if full { last } else { newest })))
    }

    /// Starts the sweep after every event stored so far, unless it has started already: a
    /// history loaded before (the demo's, a migration's) raises no warnings, and whatever is
    /// decided from now on is swept, even before the server's first sweep has run.
    pub async fn start_deviation_sweep(&self) -> Result<()> {
        sqlx::query(
            "INSERT INTO deviation_sweep (id, last_event_id) \
             SELECT $1, COALESCE(MAX(id), 0) FROM events WHERE true ON CONFLICT (id) DO NOTHING",
        )
        .bind(SWEEP_ROW)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Moves the sweep's cursor (operational, not ledgered: the warnings it raises are).
    pub async fn set_deviation_cursor(&self, last_event_id: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO deviation_sweep (id, last_event_id) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET last_event_id = excluded.last_event_id",
        )
        .bind(SWEEP_ROW)
        .bind(last_event_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores a deviation warning (once per closing event) with its ledger leaf, and mails it to
    /// the case office of the case's court (a confidential case's mail names only its number).
    /// Returns the warning's id and the mails queued, or None when it was raised before.
    pub async fn raise_deviation(
        &self,
        d: &NewDeviation,
        now: DateTime<Utc>,
    ) -> Result<Option<(i64, usize)>> {
        let mut tx = self.write(now).await?;
        let Some(case) = sqlx::query(
            "SELECT region_path, org_id, case_number, title_masked, confidentiality FROM cases WHERE id = $1",
        )
        .bind(d.case_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(StoreError::Corrupt(format!("case {} not found", d.case_id)));
        };
        let region: String = case.try_get(0)?;
        let org: String = case.try_get(1)?;
        let number: String = case.try_get(2)?;
        let title: String = case.try_get(3)?;
        let conf: String = case.try_get(4)?;
        let inserted = sqlx::query(
            "INSERT INTO deviation_warnings (case_id, event_id, charge, decided_months, low_months, high_months, \
             above, peers, region_path, org_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (case_id, event_id) DO NOTHING RETURNING id",
        )
        .bind(d.case_id)
        .bind(d.event_id)
        .bind(&d.charge)
        .bind(i64::from(d.decided_months))
        .bind(i64::from(d.low))
        .bind(i64::from(d.high))
        .bind(i64::from(d.above))
        .bind(json(&d.peers)?)
        .bind(&region)
        .bind(&org)
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = inserted else {
            return Ok(None);
        };
        let id: i64 = row.try_get(0)?;
        tx.record(Command::DeviationWarned, id).await?;
        let office = sqlx::query(
            "SELECT id, email FROM users WHERE org_id = $1 AND role = $2 AND email IS NOT NULL AND email <> ''",
        )
        .bind(&org)
        .bind(tianping_domain::Role::CaseOffice.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let public = tianping_domain::case::Confidentiality::parse(&conf)
            .is_some_and(|c| c == tianping_domain::case::Confidentiality::Public);
        let subject = format!("【量刑偏离预警】{number}");
        let body = if public {
            let peers: Vec<String> = d
                .peers
                .iter()
                .map(|(j, m)| format!("#{j}（{}）", months_zh(*m)))
                .collect();
            format!(
                "{number} {title}\n本案{}。\n比对文书：{}\n请登录天平查看并签收：/cases/{}#similar\n",
                d.text(),
                peers.join("、"),
                d.case_id
            )
        } else {
            format!(
                "{number}（涉密案件，详情不在邮件中列出）\n本案判处的刑期超出最相似已决案件的刑期范围。\n请登录天平查看并签收：/cases/{}#similar\n",
                d.case_id
            )
        };
        let mut mails = 0;
        for u in &office {
            let uid: i64 = u.try_get(0)?;
            let email: String = u.try_get(1)?;
            crate::clocks::enqueue(
                &mut tx,
                &format!("deviation:{id}:{uid}"),
                Some(uid),
                &email,
                &subject,
                &body,
                now,
            )
            .await?;
            mails += 1;
        }
        tx.commit().await?;
        Ok(Some((id, mails)))
    }

    /// The case's deviation warnings, newest first.
    pub async fn deviations_of_case(&self, case_id: i64) -> Result<Vec<DeviationWarning>> {
        let rows = sqlx::query(audited(format!(
            "{DEVIATION_SELECT} WHERE d.case_id = $1 ORDER BY d.id DESC"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(deviation_from_row).collect()
    }

    pub async fn deviation(&self, id: i64) -> Result<Option<DeviationWarning>> {
        let r = sqlx::query(audited(format!("{DEVIATION_SELECT} WHERE d.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(deviation_from_row).transpose()
    }

    /// Unacknowledged deviation warnings of the organisations under `region_prefix`, newest first.
    pub async fn open_deviations(
        &self,
        region_prefix: &str,
        limit: i64,
    ) -> Result<Vec<DeviationWarning>> {
        let rows = sqlx::query(audited(format!(
            "{DEVIATION_SELECT} WHERE d.acknowledged_at IS NULL AND d.region_path >= $1 AND d.region_path < $2 \
             ORDER BY d.id DESC LIMIT $3"
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(deviation_from_row).collect()
    }

    /// Unacknowledged deviation warnings of one organisation's cases, oldest first.
    pub async fn open_deviations_of_org(&self, org_id: &str) -> Result<Vec<DeviationWarning>> {
        let rows = sqlx::query(audited(format!(
            "{DEVIATION_SELECT} WHERE d.acknowledged_at IS NULL AND k.org_id = $1 ORDER BY d.id"
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(deviation_from_row).collect()
    }

    /// 签收: records who acknowledged the warning (false if it already was).
    pub async fn acknowledge_deviation(
        &self,
        id: i64,
        by: &User,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE deviation_warnings SET acknowledged_at = $1, acknowledged_by = $2 \
             WHERE id = $3 AND acknowledged_at IS NULL",
        )
        .bind(ts(now))
        .bind(&by.display_name)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        tx.record(Command::DeviationAcknowledged, id).await?;
        tx.commit().await?;
        Ok(true)
    }
}
