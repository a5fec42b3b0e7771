//! Reminder mail through the outbox: urgent warnings at once, the rest in each person's digest at
//! the cadence they chose; confidential cases named without their title; sending and retrying.

use crate::db::{FromRow, row_struct};
use crate::{Backend, Result, Store, audited, ts};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::case::Confidentiality;
use tianping_domain::clock::{Category, Clock, local_date, local_midnight};
use tianping_domain::rules::ClockKey;
use tianping_domain::{CaseState, Role};

row_struct! {
/// A queued mail.
#[derive(Debug, Clone, Serialize)]
pub struct Mail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}
}

pub(super) struct Recipient {
    pub(super) id: i64,
    pub(super) email: Option<String>,
    pub(super) cadence: String,
}

pub(crate) async fn enqueue(
    tx: &mut crate::write::Write,
    key: &str,
    user: Option<i64>,
    recipient: &str,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (dedupe_key, user_id, recipient, subject, body, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(key)
    .bind(user)
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(ts(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How a queued text message stands.
#[derive(Debug, Clone)]
pub struct TextStatus {
    pub sent_at: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Queues a text message (短信) to a phone number, once per `key`; the worker sends it through
/// the configured gateway (without one it stays queued and its page says so: the bureau phones).
pub(crate) async fn enqueue_text(
    tx: &mut crate::write::Write,
    key: &str,
    phone: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (dedupe_key, user_id, recipient, subject, body, created_at, next_attempt_at, channel) \
         VALUES ($1, NULL, $2, '短信', $3, $4, $4, 'sms') ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(key)
    .bind(phone)
    .bind(body)
    .bind(ts(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The people holding `role` for a case: the judge by name in the case's court; chiefs,
/// presidents and the case office of the case's organisation; supervisors of the nearest
/// supervising body above the case's region.
pub(super) async fn recipients(
    tx: &mut crate::write::Write,
    _backend: Backend,
    role: Role,
    org: &str,
    region: &str,
    state: &CaseState,
) -> Result<Vec<Recipient>> {
    let rows = match role {
        Role::Judge => {
            let Some(judge) = &state.judge else {
                return Ok(vec![]);
            };
            sqlx::query(
                "SELECT id, email, digest_cadence FROM users WHERE org_id = $1 AND role = $2 AND display_name = $3",
            )
            .bind(org)
            .bind(role.as_str())
            .bind(judge)
            .fetch_all(&mut **tx)
            .await?
        }
        Role::PlcSupervisor | Role::PcSupervisor => {
            // The deepest supervising organisation whose region contains the case's.
            sqlx::query(
                "SELECT u.id, u.email, u.digest_cadence FROM users u JOIN orgs o ON o.id = u.org_id \
                 WHERE u.role = $1 AND o.region_path = (SELECT MAX(o2.region_path) FROM orgs o2 JOIN users u2 ON u2.org_id = o2.id \
                 WHERE u2.role = $1 AND $2 >= o2.region_path AND substr($2, 1, length(o2.region_path)) = o2.region_path)",
            )
            .bind(role.as_str())
            .bind(region)
            .fetch_all(&mut **tx)
            .await?
        }
        _ => {
            sqlx::query(
                "SELECT id, email, digest_cadence FROM users WHERE org_id = $1 AND role = $2",
            )
            .bind(org)
            .bind(role.as_str())
            .fetch_all(&mut **tx)
            .await?
        }
    };
    rows.iter()
        .map(|r| {
            Ok(Recipient {
                id: r.try_get(0)?,
                email: r.try_get(1)?,
                cadence: r.try_get(2)?,
            })
        })
        .collect()
}

/// A case's title as mail may carry it: any confidential case's title is withheld.
pub(crate) fn mail_title<'a>(confidentiality: &str, title: &'a str) -> &'a str {
    if Confidentiality::parse(confidentiality).is_some_and(|c| c != Confidentiality::Public) {
        "（案件标题已脱敏）"
    } else {
        title
    }
}

pub(super) struct MailContext<'a> {
    pub(super) case_id: i64,
    pub(super) number: &'a str,
    pub(super) title: &'a str,
    pub(super) clock: &'a Clock,
    pub(super) category: Category,
    pub(super) level: i64,
    pub(super) today: NaiveDate,
}

impl MailContext<'_> {
    pub(crate) fn render(&self) -> (String, String) {
        let c = self.clock;
        let due = c
            .due
            .map(|d| d.format("%Y年%m月%d日").to_string())
            .unwrap_or_else(|| "—".into());
        let left = c
            .days_left(self.today)
            .map(|n| {
                if n >= 0 {
                    format!("剩余 {n} 日")
                } else {
                    format!("已超期 {} 日", -n)
                }
            })
            .unwrap_or_default();
        let escal = if self.level > 0 {
            format!("【第{}级督促】", self.level)
        } else {
            String::new()
        };
        let subject = format!(
            "【{}】{escal}{} {}",
            self.category.zh(),
            self.number,
            c.name_zh
        );
        // The legal source as the reader reads it (never the rule's id).
        let source = if c.rule.is_none() {
            "（无适用规则）".to_string()
        } else if c.citation.is_empty() {
            String::new()
        } else {
            format!("（{}）", c.citation)
        };
        let mut body = format!(
            "案号：{}\n案件：{}\n期限：{}{source}\n届满日：{}　{}\n状态：{}\n",
            self.number,
            self.title,
            c.name_zh,
            due,
            left,
            c.status.zh()
        );
        if c.custody {
            body.push_str(
                "注意：当事人在押，期限届满须依法释放或变更强制措施（刑事诉讼法第九十八条）。\n",
            );
        }
        body.push_str("\n计算依据：\n");
        for w in &c.why {
            body.push_str(&format!("· {}：{}\n", w.step, w.text));
        }
        body.push_str(&format!(
            "\n请登录天平系统处理：/cases/{}\n本邮件由系统自动发送。\n",
            self.case_id
        ));
        (subject, body)
    }
}

impl Store {
    /// Builds the daily (and, on Mondays, weekly) digests due at `now`: one mail per person with
    /// everything not yet sent to them. Idempotent per person and day.
    pub async fn build_digests(&self, now: DateTime<Utc>) -> Result<usize> {
        let cw = self.clockwork();
        let today = local_date(now);
        let at = local_midnight(today) + Duration::hours(cw.digest_hour as i64);
        if now < at {
            return Ok(0);
        }
        let monday = today.format("%u").to_string() == "1";
        let mut tx = self.write(now).await?;
        // Everyone with a warning or a new task not yet sent to them.
        let rows = sqlx::query(
            "SELECT u.id, u.email, u.display_name, u.digest_cadence FROM users u \
             WHERE u.email IS NOT NULL AND (u.last_digest_at IS NULL OR u.last_digest_at < $1) \
             AND (u.id IN (SELECT n.user_id FROM notifications n WHERE n.digested_at IS NULL) \
               OR u.id IN (SELECT t.user_id FROM task_notices t WHERE t.digested_at IS NULL)) ORDER BY u.id",
        )
        .bind(ts(at))
        .fetch_all(&mut *tx)
        .await?;
        let mut built = 0;
        for r in rows {
            let uid: i64 = r.try_get(0)?;
            let email: String = r.try_get(1)?;
            let name: String = r.try_get(2)?;
            let cadence: String = r.try_get(3)?;
            if cadence == "weekly" && !monday {
                continue;
            }
            let items = sqlx::query(
                "SELECT n.id, w.category, w.due_date, w.clock_key, k.case_number, k.title_masked, k.confidentiality, k.id, w.threshold \
                 FROM notifications n JOIN warnings w ON w.id = n.warning_id JOIN cases k ON k.id = w.case_id \
                 WHERE n.user_id = $1 AND n.digested_at IS NULL ORDER BY w.due_date, k.case_number",
            )
            .bind(uid)
            .fetch_all(&mut *tx)
            .await?;
            let tasks = sqlx::query(
                "SELECT id, line FROM task_notices WHERE user_id = $1 AND digested_at IS NULL ORDER BY id",
            )
            .bind(uid)
            .fetch_all(&mut *tx)
            .await?;
            if items.is_empty() && tasks.is_empty() {
                continue;
            }
            let mut body = format!("{name}：\n\n");
            if !tasks.is_empty() {
                body.push_str(&format!(
                    "截至 {}，您有 {} 项新的待办：\n\n",
                    today.format("%Y年%m月%d日"),
                    tasks.len()
                ));
                for (i, t) in tasks.iter().enumerate() {
                    let line: String = t.try_get("line")?;
                    body.push_str(&format!("{}. {line}\n", i + 1));
                }
                body.push('\n');
            }
            if !items.is_empty() {
                body.push_str(&format!(
                    "截至 {}，以下 {} 件案件的期限需要您处理：\n\n",
                    today.format("%Y年%m月%d日"),
                    items.len()
                ));
            }
            for (i, it) in items.iter().enumerate() {
                let cat: String = it.try_get(1)?;
                let due: Option<String> = it.try_get(2)?;
                let key: String = it.try_get(3)?;
                let number: String = it.try_get(4)?;
                let title: String = it.try_get(5)?;
                let conf: String = it.try_get(6)?;
                let id: i64 = it.try_get(7)?;
                let threshold: String = it.try_get(8)?;
                // A long-pending warning has no due date: it names the tier reached.
                let when = match threshold.strip_prefix("long_pending:") {
                    Some(m) => format!("已超 {m} 个月未结"),
                    None => format!("届满日 {}", due.unwrap_or_else(|| "—".into())),
                };
                body.push_str(&format!(
                    "{}. {} {}｜{}｜{}｜{}｜/cases/{}\n",
                    i + 1,
                    number,
                    mail_title(&conf, &title),
                    ClockKey::parse(&key).map_or("期限", |k| k.zh()),
                    Category::parse(&cat).map_or("预警", |c| c.zh()),
                    when,
                    id
                ));
            }
            body.push_str("\n请登录天平系统，在“待办”中办理，并查看每项期限的计算依据。本邮件由系统自动发送。\n");
            let subject = match (tasks.len(), items.len()) {
                (0, n) => format!(
                    "【天平】{} 期限提醒：{n} 件待处理",
                    today.format("%m月%d日")
                ),
                (t, 0) => format!("【天平】{} 新待办 {t} 项", today.format("%m月%d日")),
                (t, n) => format!(
                    "【天平】{} 新待办 {t} 项，期限提醒 {n} 件",
                    today.format("%m月%d日")
                ),
            };
            enqueue(
                &mut tx,
                &format!("digest:{uid}:{today}"),
                Some(uid),
                &email,
                &subject,
                &body,
                now,
            )
            .await?;
            for it in &items {
                let nid: i64 = it.try_get(0)?;
                sqlx::query("UPDATE notifications SET digested_at = $1 WHERE id = $2")
                    .bind(ts(now))
                    .bind(nid)
                    .execute(&mut *tx)
                    .await?;
            }
            for t in &tasks {
                let id: i64 = t.try_get("id")?;
                sqlx::query("UPDATE task_notices SET digested_at = $1 WHERE id = $2")
                    .bind(ts(now))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("UPDATE users SET last_digest_at = $1 WHERE id = $2")
                .bind(ts(now))
                .bind(uid)
                .execute(&mut *tx)
                .await?;
            built += 1;
        }
        tx.commit().await?;
        Ok(built)
    }

    /// Claims up to `limit` mails due for sending (SKIP LOCKED on PostgreSQL); each claimed mail's
    /// next attempt is pushed back so that a crashed sender's mail is retried, not lost.
    pub async fn claim_mail(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Mail>> {
        self.claim("mail", now, limit).await
    }

    /// [`Store::claim_mail`] for text messages (`recipient` is a phone number).
    pub async fn claim_texts(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Mail>> {
        self.claim("sms", now, limit).await
    }

    async fn claim(&self, channel: &str, now: DateTime<Utc>, limit: i64) -> Result<Vec<Mail>> {
        let mut tx = self.write(now).await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT id, recipient, subject, body, attempts, created_at, sent_at, last_error FROM outbox \
             WHERE sent_at IS NULL AND next_attempt_at <= $1 AND channel = $3 ORDER BY next_attempt_at LIMIT $2{lock}"
        );
        let rows = sqlx::query(audited(sql))
            .bind(ts(now))
            .bind(limit)
            .bind(channel)
            .fetch_all(&mut *tx)
            .await?;
        let mut out = vec![];
        for r in rows {
            let m = Mail::from_row(&r)?;
            sqlx::query(
                "UPDATE outbox SET next_attempt_at = $1, attempts = attempts + 1 WHERE id = $2",
            )
            .bind(ts(now + Duration::minutes(10)))
            .bind(m.id)
            .execute(&mut *tx)
            .await?;
            out.push(m);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Queues a text message by itself (the operator's check of the gateway).
    pub async fn queue_text(
        &self,
        key: &str,
        phone: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write_with(now, false).await?;
        enqueue_text(&mut tx, key, phone, body, now).await?;
        tx.commit().await
    }

    /// How the text messages queued under `keys` stand.
    pub(crate) async fn texts_by_key(
        &self,
        keys: &[String],
    ) -> Result<std::collections::HashMap<String, TextStatus>> {
        let mut out = std::collections::HashMap::new();
        for k in keys {
            if let Some(r) = sqlx::query(
                "SELECT sent_at, attempts, last_error FROM outbox WHERE dedupe_key = $1 AND channel = 'sms'",
            )
            .bind(k)
            .fetch_optional(&self.pool)
            .await?
            {
                out.insert(
                    k.clone(),
                    TextStatus {
                        sent_at: r.try_get("sent_at")?,
                        attempts: r.try_get("attempts")?,
                        last_error: r.try_get("last_error")?,
                    },
                );
            }
        }
        Ok(out)
    }

    pub async fn mail_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
            .bind(ts(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a failed attempt; retries back off exponentially (1, 2, 4 … minutes, at most 6 h).
    pub async fn mail_failed(
        &self,
        id: i64,
        attempts: i64,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let wait = Duration::minutes((1i64 << attempts.clamp(0, 9)).min(360));
        sqlx::query("UPDATE outbox SET last_error = $1, next_attempt_at = $2 WHERE id = $3")
            .bind(error)
            .bind(ts(now + wait))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
