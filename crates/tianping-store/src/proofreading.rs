//! Proofreading of draft judgments (文书校对, issue 27): the drafts uploaded on a case, their
//! findings with where each stands, and the open findings counted per judge and court. The domain
//! (`proofread`, `proofread::review`) finds the defects and decides the acts; this module persists
//! them through the one write path, each row a ledger leaf.

use crate::ledger::Key;
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, Utc};
use sqlx::Row;
use tianping_domain::proofread::Finding;
use tianping_domain::proofread::review::{Mark, Status};
use tianping_ledger::Command;

/// A draft as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftRow {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub confidentiality: String,
    pub org_id: String,
    pub file_name: String,
    pub body: String,
    pub uploaded_by: i64,
    pub uploaded_by_name: String,
    pub uploaded_at: String,
    /// Findings still open.
    pub open: i64,
    pub findings: i64,
}

/// A finding as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRow {
    pub id: i64,
    pub seq: i64,
    pub kind: String,
    pub rule: String,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub message: String,
    pub suggestion: Option<String>,
    pub status: Status,
    pub applied: bool,
    pub reason: String,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
}

impl FindingRow {
    /// Its place for laying out the draft.
    pub fn mark(&self) -> Mark {
        Mark {
            seq: self.seq,
            start: self.start,
            end: self.end,
            applied: if self.applied {
                self.suggestion.clone()
            } else {
                None
            },
        }
    }
}

/// A draft to record: the case, its court, the file's name, the text and what was found in it.
#[derive(Debug, Clone, Copy)]
pub struct NewDraft<'a> {
    pub case_id: i64,
    pub org_id: &'a str,
    pub file_name: &'a str,
    pub body: &'a str,
    pub findings: &'a [Finding],
}

/// An act on a finding the domain allowed: where it leads, whether the fix replaced the text,
/// and the reason (for not applicable).
#[derive(Debug, Clone, Copy)]
pub struct Resolution<'a> {
    pub status: Status,
    pub applied: bool,
    pub reason: &'a str,
}

/// Open findings of one judge at one court.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCount {
    pub org_id: String,
    pub org_name: String,
    pub user_id: i64,
    pub judge: String,
    pub drafts: i64,
    pub findings: i64,
    pub open: i64,
    pub not_applicable: i64,
}

const DRAFT_SELECT: &str = "SELECT d.id, d.case_id, d.org_id, d.file_name, d.body, d.uploaded_by, u.display_name AS uploader, d.uploaded_at, \
     (SELECT COUNT(*) FROM proofread_findings f WHERE f.draft_id = d.id AND f.status = 'open') AS open_n, \
     (SELECT COUNT(*) FROM proofread_findings f WHERE f.draft_id = d.id) AS all_n, \
     c.case_number, c.confidentiality \
     FROM proofread_drafts d JOIN users u ON u.id = d.uploaded_by JOIN cases c ON c.id = d.case_id";

fn draft_row(r: &sqlx::any::AnyRow) -> Result<DraftRow> {
    Ok(DraftRow {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        org_id: r.try_get("org_id")?,
        file_name: r.try_get("file_name")?,
        body: r.try_get("body")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_by_name: r.try_get("uploader")?,
        uploaded_at: r.try_get("uploaded_at")?,
        open: r.try_get("open_n")?,
        findings: r.try_get("all_n")?,
        case_number: r.try_get("case_number")?,
        confidentiality: r.try_get("confidentiality")?,
    })
}

fn offset(v: i64) -> usize {
    usize::try_from(v).unwrap_or(0)
}

impl Store {
    /// Records a draft and what the proofreader found in it, in one write.
    pub async fn record_proofread_draft(
        &self,
        d: &NewDraft<'_>,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let NewDraft {
            case_id,
            org_id,
            file_name,
            body,
            findings,
        } = *d;
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO proofread_drafts (case_id, org_id, file_name, body, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(case_id)
        .bind(org_id)
        .bind(file_name)
        .bind(body)
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::DraftProofread, id).await?;
        let mut keys: Vec<Key> = vec![];
        for (n, f) in findings.iter().enumerate() {
            let fid: i64 = sqlx::query(
                "INSERT INTO proofread_findings (draft_id, case_id, seq, kind, rule, start_at, end_at, text, message, suggestion, status, applied, reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', 0, '') RETURNING id",
            )
            .bind(id)
            .bind(case_id)
            .bind(n as i64 + 1)
            .bind(f.kind.as_str())
            .bind(f.rule)
            .bind(f.start as i64)
            .bind(f.end as i64)
            .bind(&f.text)
            .bind(&f.message)
            .bind(f.suggestion.as_deref())
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            keys.push(fid.into());
        }
        tx.record_all(Command::ProofreadFindingFound, &keys).await?;
        // The findings count in the 文书校对问题处理率 from today.
        crate::metrics::refresh_records(&mut tx, case_id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The drafts of a case, the latest first.
    pub async fn proofread_drafts_of_case(&self, case_id: i64) -> Result<Vec<DraftRow>> {
        let sql = format!("{DRAFT_SELECT} WHERE d.case_id = $1 ORDER BY d.id DESC");
        sqlx::query(crate::audited(sql))
            .bind(case_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(draft_row)
            .collect()
    }

    /// The drafts one person uploaded, the latest first.
    pub async fn proofread_drafts_by(&self, user_id: i64, limit: i64) -> Result<Vec<DraftRow>> {
        let sql = format!(
            "{DRAFT_SELECT} WHERE d.uploaded_by = $1 ORDER BY d.id DESC LIMIT {}",
            limit.clamp(1, 1000)
        );
        sqlx::query(crate::audited(sql))
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(draft_row)
            .collect()
    }

    /// One draft with its findings in the order of the text.
    pub async fn proofread_draft(&self, id: i64) -> Result<Option<(DraftRow, Vec<FindingRow>)>> {
        let sql = format!("{DRAFT_SELECT} WHERE d.id = $1");
        let Some(r) = sqlx::query(crate::audited(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let draft = draft_row(&r)?;
        let rows = sqlx::query(
            "SELECT f.id, f.seq, f.kind, f.rule, f.start_at, f.end_at, f.text, f.message, f.suggestion, f.status, f.applied, f.reason, u.display_name AS resolver, f.resolved_at \
             FROM proofread_findings f LEFT JOIN users u ON u.id = f.resolved_by \
             WHERE f.draft_id = $1 ORDER BY f.start_at, f.seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut findings = vec![];
        for r in &rows {
            let status: String = r.try_get("status")?;
            findings.push(FindingRow {
                id: r.try_get("id")?,
                seq: r.try_get("seq")?,
                kind: r.try_get("kind")?,
                rule: r.try_get("rule")?,
                start: offset(r.try_get("start_at")?),
                end: offset(r.try_get("end_at")?),
                text: r.try_get("text")?,
                message: r.try_get("message")?,
                suggestion: r.try_get("suggestion")?,
                status: Status::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("finding status {status:?}")))?,
                applied: r.try_get::<i64, _>("applied")? != 0,
                reason: r.try_get("reason")?,
                resolved_by: r.try_get("resolver")?,
                resolved_at: r.try_get("resolved_at")?,
            });
        }
        Ok(Some((draft, findings)))
    }

    /// Records an act on a finding the domain allowed; a finding no longer open is refused (two
    /// tabs acting at once).
    pub async fn resolve_proofread_finding(
        &self,
        draft_id: i64,
        seq: i64,
        r: &Resolution<'_>,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Resolution {
            status,
            applied,
            reason,
        } = *r;
        let mut tx = self.write(now).await?;
        let row = sqlx::query(
            "UPDATE proofread_findings SET status = $1, applied = $2, reason = $3, resolved_by = $4, resolved_at = $5 \
             WHERE draft_id = $6 AND seq = $7 AND status = 'open' RETURNING id, case_id",
        )
        .bind(status.as_str())
        .bind(i64::from(applied))
        .bind(reason.trim())
        .bind(by.id)
        .bind(ts(now))
        .bind(draft_id)
        .bind(seq)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(crate::evaluation::refusal(
                "conflict",
                "该校对意见已处理，请刷新页面",
            ));
        };
        let id: i64 = row.try_get("id")?;
        let case_id: i64 = row.try_get("case_id")?;
        tx.record(Command::ProofreadFindingResolved, id).await?;
        crate::metrics::refresh_records(&mut tx, case_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Findings by judge and court, for the courts under `region_prefix`: drafts, findings, those
    /// still open and those set aside as not applicable.
    pub async fn proofread_counts(&self, region_prefix: &str) -> Result<Vec<OpenCount>> {
        let rows = sqlx::query(
            "SELECT d.org_id, o.name AS org_name, d.uploaded_by, u.display_name AS judge, COUNT(DISTINCT d.id) AS drafts, COUNT(f.id) AS findings, \
             SUM(CASE WHEN f.status = 'open' THEN 1 ELSE 0 END) AS open_n, SUM(CASE WHEN f.status = 'not_applicable' THEN 1 ELSE 0 END) AS na_n \
             FROM proofread_drafts d JOIN orgs o ON o.id = d.org_id JOIN users u ON u.id = d.uploaded_by \
             LEFT JOIN proofread_findings f ON f.draft_id = d.id \
             WHERE o.region_path >= $1 AND o.region_path < $2 \
             GROUP BY d.org_id, o.name, d.uploaded_by, u.display_name \
             ORDER BY o.name, u.display_name",
        )
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OpenCount {
                    org_id: r.try_get("org_id")?,
                    org_name: r.try_get("org_name")?,
                    user_id: r.try_get("uploaded_by")?,
                    judge: r.try_get("judge")?,
                    drafts: r.try_get("drafts")?,
                    findings: r.try_get("findings")?,
                    open: r.try_get::<Option<i64>, _>("open_n")?.unwrap_or(0),
                    not_applicable: r.try_get::<Option<i64>, _>("na_n")?.unwrap_or(0),
                })
            })
            .collect()
    }
}
