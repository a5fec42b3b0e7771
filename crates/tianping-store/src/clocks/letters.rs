//! Reminder letters (提示函、督办函、警示函): numbered per court and year, recorded with the ledger,
//! read back for the case page and the letter page.

use crate::db::{FromRow, row_struct};
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

const LETTER_SELECT: &str = "SELECT l.id, l.number, l.kind, l.case_id, k.case_number, l.org_id, u.display_name AS issued_by, l.issued_at, l.body, l.addressee, l.reply_by \
     FROM letters l JOIN cases k ON k.id = l.case_id JOIN users u ON u.id = l.issued_by";

impl Store {
    /// Issues a numbered reminder letter for a case and records it. The number is
    /// `ORG-CODE审管{提|督|警}〔YEAR〕N号` (GB/T 9704-2012), sequential per organisation, kind and
    /// year.
    pub async fn issue_letter(&self, new: &NewLetter<'_>, now: DateTime<Utc>) -> Result<Letter> {
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
        let mut tx = self.write(now).await?;
        if self.backend == Backend::Postgres {
            // Serialise numbering per organisation (the unique index is the backstop).
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(format!("letter:{org_id}:{kind}:{year}"))
                .execute(&mut *tx)
                .await?;
        }
        let seq: i64 = sqlx::query(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM letters WHERE org_id = $1 AND kind = $2 AND year = $3",
        )
        .bind(org_id)
        .bind(kind)
        .bind(year)
        .fetch_one(&mut *tx)
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
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::LetterIssued, id).await?;
        if let Some(w) = warning_id {
            // Issuing a letter on a warning acknowledges it (if nobody had).
            self.acknowledge_in(&mut tx, w, issued_by, now).await?;
        }
        tx.commit().await?;
        self.letter(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("letter vanished".into()))
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
