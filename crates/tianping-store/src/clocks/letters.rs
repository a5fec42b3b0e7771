//! Reminder letters (提示函、督办函、警示函): numbered per court and year, recorded with the ledger,
//! read back for the case page and the letter page.

use crate::db::{FromRow, row_struct};
use crate::write::Write;
use crate::{Backend, Result, Store, StoreError, audited, ts};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::clock::local_date;
use tianping_domain::document::document_number;
use tianping_ledger::Command;

row_struct! {
/// A reminder letter (提示函 / 督办函 / 警示函).
#[derive(Debug, Clone, Serialize)]
pub struct Letter {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub case_id: i64,
    pub case_number: String,
    pub org_id: String,
    pub issued_by: String,
    pub issued_at: String,
    pub body: String,
    /// 主送机关 (letters issued before it was recorded have none).
    pub addressee: Option<String>,
    /// The reply deadline as YYYY-MM-DD, Beijing time.
    pub reply_by: Option<String>,
}
}

/// A letter about to be issued.
#[derive(Debug, Clone)]
pub struct NewLetter<'a> {
    pub kind: &'a str,
    pub case_id: i64,
    pub warning_id: Option<i64>,
    pub org_id: &'a str,
    /// The issuing unit's code in the document number (机关代字).
    pub org_code: &'a str,
    pub issued_by: i64,
    pub addressee: &'a str,
    pub reply_by: NaiveDate,
    pub body: &'a str,
}

pub const LETTER_KINDS: [(&str, &str, &str); 3] = [
    ("reminder", "提示函", "提"),
    ("supervision", "督办函", "督"),
    ("warning", "警示函", "警"),
];

/// Whether a letter of the kind speaks for the court and is signed (签发) by its president: a
/// 督办函 or 警示函; a 提示函 is the case office's own.
pub fn signed_kind(kind: &str) -> bool {
    matches!(kind, "supervision" | "warning")
}

row_struct! {
/// A draft (送签稿) of a letter waiting for, or past, a president's signature.
#[derive(Debug, Clone, Serialize)]
pub struct LetterDraft {
    pub id: i64,
    pub kind: String,
    pub case_id: i64,
    pub case_number: String,
    pub warning_id: Option<i64>,
    pub org_id: String,
    pub drafted_by_id: i64,
    pub drafted_by: String,
    pub drafted_at: String,
    pub addressee: String,
    /// The reply deadline as drafted, YYYY-MM-DD (Beijing).
    pub reply_by: String,
    /// The words as typed (the clocks are written in at signing).
    pub body: String,
    /// `pending`, `signed`, `returned` or `withdrawn`.
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// Why it was returned.
    pub note: Option<String>,
    /// The letter it was signed as.
    pub letter_id: Option<i64>,
}
}

impl LetterDraft {
    /// 提示函, 督办函 or 警示函.
    pub fn kind_zh(&self) -> &'static str {
        LETTER_KINDS
            .iter()
            .find(|k| k.0 == self.kind)
            .map_or("函件", |k| k.1)
    }

    /// The state as its reader says it.
    pub fn state_zh(&self) -> &'static str {
        match self.state.as_str() {
            "pending" => "待签发",
            "signed" => "已签发",
            "returned" => "已退回",
            _ => "已撤回",
        }
    }
}

const DRAFT_SELECT: &str = "SELECT d.id, d.kind, d.case_id, k.case_number, d.warning_id, d.org_id, d.drafted_by AS drafted_by_id, u.display_name AS drafted_by, \
     d.drafted_at, d.addressee, d.reply_by, d.body, d.state, v.display_name AS decided_by, d.decided_at, d.note, d.letter_id \
     FROM letter_drafts d JOIN cases k ON k.id = d.case_id JOIN users u ON u.id = d.drafted_by LEFT JOIN users v ON v.id = d.decided_by";

const LETTER_SELECT: &str = "SELECT l.id, l.number, l.kind, l.case_id, k.case_number, l.org_id, u.display_name AS issued_by, l.issued_at, l.body, l.addressee, l.reply_by \
     FROM letters l JOIN cases k ON k.id = l.case_id JOIN users u ON u.id = l.issued_by";

impl Store {
    /// Issues a numbered reminder letter for a case and records it. The number is
    /// `ORG-CODE审管{提|督|警}〔YEAR〕N号` (GB/T 9704-2012), sequential per organisation, kind and
    /// year.
    pub async fn issue_letter(&self, new: &NewLetter<'_>, now: DateTime<Utc>) -> Result<Letter> {
        let (warning_id, issued_by) = (new.warning_id, new.issued_by);
        let mut tx = self.write(now).await?;
        let id = insert_letter(&mut tx, new, now).await?;
        if let Some(w) = warning_id {
            // Issuing a letter on a warning acknowledges it (if nobody had).
            self.acknowledge_in(&mut tx, w, issued_by, now).await?;
        }
        tx.commit().await?;
        self.letter(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("letter vanished".into()))
    }

    /// Files a draft (送签稿) of a letter that a president signs; drafting on a warning
    /// acknowledges it, as issuing would (the case office has acted on it). The presidents of
    /// the court are told of the letter waiting for their signature.
    pub async fn draft_letter(
        &self,
        new: &NewLetter<'_>,
        now: DateTime<Utc>,
    ) -> Result<LetterDraft> {
        if !LETTER_KINDS.iter().any(|k| k.0 == new.kind) {
            return Err(StoreError::Invalid(format!(
                "unknown letter kind {:?}",
                new.kind
            )));
        }
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO letter_drafts (kind, case_id, warning_id, org_id, drafted_by, drafted_at, addressee, reply_by, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(new.kind)
        .bind(new.case_id)
        .bind(new.warning_id)
        .bind(new.org_id)
        .bind(new.issued_by)
        .bind(ts(now))
        .bind(new.addressee)
        .bind(new.reply_by.format("%Y-%m-%d").to_string())
        .bind(new.body)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::LetterDrafted, id).await?;
        if let Some(w) = new.warning_id {
            self.acknowledge_in(&mut tx, w, new.issued_by, now).await?;
        }
        super::tell::mail_letter_to_sign(&mut tx, id, now).await?;
        tx.commit().await?;
        self.letter_draft(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("letter draft vanished".into()))
    }

    /// Signs a pending draft: issues `letter` (numbered now, signed by `letter.issued_by`) and
    /// marks the draft signed, in one write. `None` when the draft is no longer pending.
    pub async fn sign_letter_draft(
        &self,
        draft_id: i64,
        letter: &NewLetter<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<Letter>> {
        let mut tx = self.write(now).await?;
        let id = insert_letter(&mut tx, letter, now).await?;
        let n = sqlx::query(
            "UPDATE letter_drafts SET state = 'signed', decided_by = $1, decided_at = $2, letter_id = $3 \
             WHERE id = $4 AND state = 'pending'",
        )
        .bind(letter.issued_by)
        .bind(ts(now))
        .bind(id)
        .bind(draft_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        tx.record(Command::LetterDraftDecided, draft_id).await?;
        tx.commit().await?;
        self.letter(id).await
    }

    /// Returns a pending draft to its drafter with a note (退回), or withdraws it (撤回, by the
    /// drafter: `note` none). The drafter is told of a returned draft. False when it was no
    /// longer pending.
    pub async fn close_letter_draft(
        &self,
        draft_id: i64,
        by: i64,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let state = if note.is_some() {
            "returned"
        } else {
            "withdrawn"
        };
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE letter_drafts SET state = $1, decided_by = $2, decided_at = $3, note = $4 \
             WHERE id = $5 AND state = 'pending'",
        )
        .bind(state)
        .bind(by)
        .bind(ts(now))
        .bind(note)
        .bind(draft_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.record(Command::LetterDraftDecided, draft_id).await?;
        if note.is_some() {
            super::tell::mail_letter_returned(&mut tx, draft_id, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn letter_draft(&self, id: i64) -> Result<Option<LetterDraft>> {
        self.one_draft("d.id = $1", id).await
    }

    async fn one_draft(&self, cond: &str, key: i64) -> Result<Option<LetterDraft>> {
        sqlx::query(audited(format!("{DRAFT_SELECT} WHERE {cond}")))
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(LetterDraft::from_row)
            .transpose()
    }

    /// The court's drafts waiting for a president's signature, oldest first.
    pub async fn drafts_to_sign(&self, org_id: &str) -> Result<Vec<LetterDraft>> {
        self.drafts_where("d.org_id = $1 AND d.state = 'pending'", org_id.to_string())
            .await
    }

    /// Drafts of one case (every state), oldest first.
    pub async fn drafts_of_case(&self, case_id: i64) -> Result<Vec<LetterDraft>> {
        sqlx::query(audited(format!(
            "{DRAFT_SELECT} WHERE d.case_id = $1 ORDER BY d.id"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(LetterDraft::from_row)
        .collect()
    }

    /// The drafter's drafts returned in the last 30 days and not drafted again since (a new
    /// draft of the same case and kind answers a return).
    pub async fn returned_drafts_of(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<LetterDraft>> {
        let since = ts(now - chrono::Duration::days(30));
        sqlx::query(audited(format!(
            "{DRAFT_SELECT} WHERE d.drafted_by = $1 AND d.state = 'returned' AND d.decided_at >= $2 \
             AND NOT EXISTS (SELECT 1 FROM letter_drafts n WHERE n.case_id = d.case_id AND n.kind = d.kind AND n.id > d.id) \
             ORDER BY d.id"
        )))
        .bind(user_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(LetterDraft::from_row)
        .collect()
    }

    async fn drafts_where(&self, cond: &str, arg: String) -> Result<Vec<LetterDraft>> {
        sqlx::query(audited(format!(
            "{DRAFT_SELECT} WHERE {cond} ORDER BY d.id"
        )))
        .bind(arg)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(LetterDraft::from_row)
        .collect()
    }

    /// The draft a letter was signed from, if it had one.
    pub async fn draft_of_letter(&self, letter_id: i64) -> Result<Option<LetterDraft>> {
        self.one_draft("d.letter_id = $1", letter_id).await
    }

    pub async fn letter(&self, id: i64) -> Result<Option<Letter>> {
        let r = sqlx::query(audited(format!("{LETTER_SELECT} WHERE l.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| Letter::from_row(&r)).transpose()
    }

    pub async fn letters_of_case(&self, case_id: i64) -> Result<Vec<Letter>> {
        let rows = sqlx::query(audited(format!(
            "{LETTER_SELECT} WHERE l.case_id = $1 ORDER BY l.id"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Letter::from_row).collect()
    }
}

/// Numbers and inserts a letter inside a write, and records it.
async fn insert_letter(tx: &mut Write, new: &NewLetter<'_>, now: DateTime<Utc>) -> Result<i64> {
    let NewLetter {
        kind,
        case_id,
        warning_id,
        org_id,
        org_code,
        issued_by,
        addressee,
        reply_by,
        body,
    } = *new;
    let Some((_, _, mark)) = LETTER_KINDS.iter().find(|k| k.0 == kind) else {
        return Err(StoreError::Invalid(format!("unknown letter kind {kind:?}")));
    };
    let year: i64 = local_date(now)
        .format("%Y")
        .to_string()
        .parse()
        .unwrap_or(0);
    if tx.backend() == Backend::Postgres {
        // Serialise numbering per organisation (the unique index is the backstop).
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(format!("letter:{org_id}:{kind}:{year}"))
            .execute(&mut **tx)
            .await?;
    }
    let seq: i64 = sqlx::query(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM letters WHERE org_id = $1 AND kind = $2 AND year = $3",
    )
    .bind(org_id)
    .bind(kind)
    .bind(year)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    let number = document_number(org_code, mark, year as i32, seq);
    let id: i64 = sqlx::query(
        "INSERT INTO letters (number, kind, case_id, warning_id, org_id, year, seq, issued_by, issued_at, body, addressee, reply_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(&number)
    .bind(kind)
    .bind(case_id)
    .bind(warning_id)
    .bind(org_id)
    .bind(year)
    .bind(seq)
    .bind(issued_by)
    .bind(ts(now))
    .bind(body)
    .bind(addressee)
    .bind(reply_by.format("%Y-%m-%d").to_string())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    tx.record(Command::LetterIssued, id).await?;
    Ok(id)
}
