//! A user's mail and notification address. Mail belongs to a user id, never to an address: the
//! mailbox lists the outbox rows addressed to the user, and a new address takes effect only when
//! the link sent to it is opened (security finding H3). The system administrator sees deliveries
//! (to whom, when, whether sent) but no subject or body: those carry case content (finding M4).

use crate::clocks::{Mail, enqueue};
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_ledger::Command;

/// One outbox row as the system administrator sees it: delivery, not content.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub recipient: String,
    /// What kind of mail, from its dedupe key (`warning`, `digest`, `deviation`, `item`,
    /// `referral`, `task`, `email_confirm`).
    pub kind: String,
    pub attempts: i64,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

impl Delivery {
    pub fn kind_zh(&self) -> &'static str {
        match self.kind.as_str() {
            "warning" => "期限预警",
            "digest" => "期限汇总提醒",
            "deviation" => "量刑偏离预警",
            "item" => "督办事项提醒",
            "referral" => "移送逾期提醒",
            "task" => "新待办提醒",
            "email_confirm" => "邮箱确认",
            _ => "其他",
        }
    }
}

/// A user's notification settings, with an address change awaiting confirmation.
#[derive(Debug, Clone, Default)]
pub struct Preferences {
    pub email: Option<String>,
    pub cadence: String,
    pub pending: Option<String>,
}

impl Store {
    /// The mail addressed to one user, newest first.
    pub async fn mails_to_user(&self, user_id: i64, limit: i64) -> Result<Vec<Mail>> {
        let rows = sqlx::query(
            "SELECT id, recipient, subject, body, attempts, created_at, sent_at, last_error FROM outbox \
             WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(<crate::clocks::Mail as crate::db::FromRow>::from_row)
            .collect()
    }

    /// The outbox by address, newest first, for the operator's tools and tests; people read
    /// their mail through [`Store::mails_to_user`].
    pub async fn mails(&self, recipient: Option<&str>, limit: i64) -> Result<Vec<Mail>> {
        let rows = sqlx::query(
            "SELECT id, recipient, subject, body, attempts, created_at, sent_at, last_error FROM outbox \
             WHERE ($1 IS NULL OR recipient = $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(recipient)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(<crate::clocks::Mail as crate::db::FromRow>::from_row)
            .collect()
    }

    /// The outbox's deliveries, newest first (no subjects or bodies): at most `limit`, and of
    /// the newest few thousand no more than a fifth of them of one kind, so that a burst of one
    /// kind (a day of supervision-item notices) does not hide the others.
    pub async fn deliveries(&self, limit: i64) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT id, recipient, dedupe_key, attempts, created_at, sent_at, last_error FROM outbox \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit.saturating_mul(25))
        .fetch_all(&self.pool)
        .await?;
        let per_kind = (limit / 5).max(1) as usize;
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let rows: Vec<_> = rows
            .iter()
            .filter(|r| {
                let key: String = r.try_get("dedupe_key").unwrap_or_default();
                // The key's kind: before the first ':' and before any record number in it
                // (`supervisor-invitation-9-sms` is of kind `supervisor-invitation`).
                let head = key.split(':').next().unwrap_or("");
                let cut = head
                    .match_indices('-')
                    .find(|(i, _)| head[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
                    .map_or(head.len(), |(i, _)| i);
                let n = seen.entry(head[..cut].to_string()).or_default();
                *n += 1;
                *n <= per_kind
            })
            .take(limit.max(0) as usize)
            .collect();
        rows.iter()
            .map(|r| {
                let key: String = r.try_get("dedupe_key")?;
                Ok(Delivery {
                    id: r.try_get("id")?,
                    recipient: r.try_get("recipient")?,
                    kind: key.split(':').next().unwrap_or("").replace('-', "_"),
                    attempts: r.try_get("attempts")?,
                    created_at: r.try_get("created_at")?,
                    sent_at: r.try_get("sent_at")?,
                    last_error: r.try_get("last_error")?,
                })
            })
            .collect()
    }

    pub async fn preferences(&self, user_id: i64) -> Result<Preferences> {
        let r = sqlx::query("SELECT email, digest_cadence, email_pending FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(Preferences {
            email: r.try_get("email")?,
            cadence: r.try_get("digest_cadence")?,
            pending: r.try_get("email_pending")?,
        })
    }

    /// Sets a user's e-mail and digest cadence (`immediately` | `daily` | `weekly`) directly, without
    /// confirmation: for the operator's tools and tests. People change their address through
    /// [`Store::request_email_change`].
    pub async fn set_notification_preferences(
        &self,
        user_id: i64,
        email: Option<&str>,
        cadence: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !["immediately", "daily", "weekly"].contains(&cadence) {
            return Err(StoreError::Invalid(format!("unknown cadence {cadence:?}")));
        }
        let mut tx = self.write(now).await?;
        let r = sqlx::query("UPDATE users SET email = $1, digest_cadence = $2 WHERE id = $3")
            .bind(email)
            .bind(cadence)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 1 {
            tx.record(Command::UserPreferencesChanged, user_id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets the digest cadence, and removes the address when `clear_email` (no confirmation is
    /// needed to stop mail).
    pub async fn set_cadence(
        &self,
        user_id: i64,
        cadence: &str,
        clear_email: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !["immediately", "daily", "weekly"].contains(&cadence) {
            return Err(StoreError::Invalid(format!("unknown cadence {cadence:?}")));
        }
        let mut tx = self.write(now).await?;
        let sql = if clear_email {
            "UPDATE users SET digest_cadence = $1, email = NULL, email_pending = NULL, \
             email_token_hash = NULL, email_token_expires = NULL WHERE id = $2"
        } else {
            "UPDATE users SET digest_cadence = $1 WHERE id = $2"
        };
        let r = sqlx::query(sql)
            .bind(cadence)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 1 {
            tx.record(Command::UserPreferencesChanged, user_id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Asks for a new address: it waits, and a confirmation mail with the link goes to it. The
    /// mail belongs to no user, so it never shows in anyone's mailbox — only whoever reads that
    /// address can confirm it.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_email_change(
        &self,
        user_id: i64,
        email: &str,
        token_hash: &str,
        expires: DateTime<Utc>,
        subject: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        sqlx::query(
            "UPDATE users SET email_pending = $1, email_token_hash = $2, email_token_expires = $3 \
             WHERE id = $4",
        )
        .bind(email)
        .bind(token_hash)
        .bind(ts(expires))
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        enqueue(
            &mut tx,
            &format!("email_confirm:{user_id}:{token_hash}"),
            None,
            email,
            subject,
            body,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Confirms the pending address of `user_id` with the token from the link: the address
    /// replaces the old one. `None` when the token is wrong, used or expired.
    pub async fn confirm_email(
        &self,
        user_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let mut tx = self.write(now).await?;
        let row = sqlx::query(
            "SELECT email_pending, email_token_hash, email_token_expires FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let pending: Option<String> = row.try_get(0)?;
        let stored: Option<String> = row.try_get(1)?;
        let expires: Option<String> = row.try_get(2)?;
        let valid = stored.as_deref() == Some(token_hash)
            && expires.as_deref().is_some_and(|e| e > ts(now).as_str());
        let (true, Some(email)) = (valid, pending) else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE users SET email = $1, email_pending = NULL, email_token_hash = NULL, \
             email_token_expires = NULL WHERE id = $2",
        )
        .bind(&email)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.record(Command::UserPreferencesChanged, user_id).await?;
        tx.commit().await?;
        Ok(Some(email))
    }
}
