//! The poller: clock rows whose fire time has come are claimed, re-computed, warned about and
//! notified; unacknowledged warnings climb the escalation ladder; the self-check finds fire times
//! that were missed.

use super::CLOCK_COLUMNS;
use super::Clockwork;
use super::Owner;
use super::clock_row;
use super::mail::MailContext;
use super::mail::enqueue;
use super::mail::mail_title;
use super::mail::recipients;
use super::stamp;
use crate::db::{Val, bind_all};
use crate::{Backend, Result, Store, StoreError, audited, ts};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::clock::{Category, assess, local_date, starting_rung};
use tianping_domain::{CaseState, Role};
use tianping_ledger::Command;

/// What one poller pass did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PollReport {
    pub fired: usize,
    pub warnings: usize,
    pub notifications: usize,
    pub mails: usize,
    pub errors: usize,
    pub escalated: usize,
    pub digests: usize,
}

impl PollReport {
    pub fn merge(&mut self, o: &PollReport) {
        self.fired += o.fired;
        self.warnings += o.warnings;
        self.notifications += o.notifications;
        self.mails += o.mails;
        self.errors += o.errors;
        self.escalated += o.escalated;
        self.digests += o.digests;
    }
}

/// A clock whose fire time passed without the poller handling it (self-check).
#[derive(Debug, Clone, Serialize)]
pub struct Missed {
    pub case_id: i64,
    pub case_number: String,
    pub clock_key: String,
    pub next_fire_at: String,
    pub error: Option<String>,
}

const RETRY_AFTER_ERROR_MIN: i64 = 60;

impl Store {
    /// One poller pass over at most `limit` due clocks. Safe to run in several processes.
    pub async fn poll(&self, now: DateTime<Utc>, limit: i64) -> Result<PollReport> {
        let cw = self.clockwork();
        let mut report = PollReport::default();
        let mut tx = self.write(now).await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE OF c SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT c.case_id, c.clock_key, k.state, k.region_path, k.org_id, k.case_number, k.title_masked, k.confidentiality \
             FROM clocks c JOIN cases k ON k.id = c.case_id WHERE c.next_fire_at <= $1 \
             ORDER BY c.next_fire_at LIMIT $2{lock}"
        );
        let rows = sqlx::query(audited(sql))
            .bind(ts(now))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        for r in rows {
            report.fired += 1;
            let case_id: i64 = r.try_get(0)?;
            let key: String = r.try_get(1)?;
            let outcome = self
                .fire_one(&mut tx, &cw, &r, case_id, &key, now, &mut report)
                .await;
            if let Err(e) = outcome {
                report.errors += 1;
                sqlx::query(
                    "UPDATE clocks SET error = $1, next_fire_at = $2 WHERE case_id = $3 AND clock_key = $4",
                )
                .bind(e.to_string())
                .bind(ts(now + Duration::minutes(RETRY_AFTER_ERROR_MIN)))
                .bind(case_id)
                .bind(&key)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        report.escalated += self.escalate(now, limit).await?;
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    async fn fire_one(
        &self,
        tx: &mut crate::write::Write,
        cw: &Clockwork,
        r: &sqlx::any::AnyRow,
        case_id: i64,
        key: &str,
        now: DateTime<Utc>,
        report: &mut PollReport,
    ) -> Result<()> {
        let state: String = r.try_get(2)?;
        let region: String = r.try_get(3)?;
        let org: String = r.try_get(4)?;
        let number: String = r.try_get(5)?;
        let title: String = r.try_get(6)?;
        let conf: String = r.try_get(7)?;
        let state: CaseState = serde_json::from_str(&state)
            .map_err(|e| StoreError::Corrupt(format!("case {number} state: {e}")))?;
        let Some(clock) = cw
            .explain(&state, now)
            .into_iter()
            .find(|c| c.key.as_str() == key)
        else {
            sqlx::query("DELETE FROM clocks WHERE case_id = $1 AND clock_key = $2")
                .bind(case_id)
                .bind(key)
                .execute(&mut **tx)
                .await?;
            super::prune_told(tx, self.backend, &[case_id]).await?;
            return Ok(());
        };
        let owner = Owner {
            id: case_id,
            region_path: &region,
            org_id: &org,
        };
        let vals = clock_row(&owner, &clock, now, &cw.policy, false, &stamp(now))?;
        let sets = CLOCK_COLUMNS[2..]
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let n = CLOCK_COLUMNS.len() - 2;
        let sql = format!(
            "UPDATE clocks SET {sets}, error = NULL WHERE case_id = ${} AND clock_key = ${}",
            n + 1,
            n + 2
        );
        let mut upd: Vec<Val> = vals[2..].to_vec();
        upd.push(Val::I(case_id));
        upd.push(Val::S(key.to_string()));
        bind_all(sqlx::query(audited(sql)), upd)
            .execute(&mut **tx)
            .await?;
        debug_assert_eq!(CLOCK_COLUMNS[8].0, "category");
        if matches!(vals[8], Val::OS(None)) {
            super::prune_told(tx, self.backend, &[case_id]).await?;
        }
        let hours: Vec<u32> = cw.ladder.iter().map(|r| r.after_hours).collect();
        for alert in assess(&clock, now, &cw.policy) {
            // A clock already past its deadline when first seen starts where an unsigned warning
            // raised at the deadline would be by now (everyone below is told too).
            let level = match (alert.category, clock.deadline) {
                (Category::Overdue, Some(d)) => starting_rung(&hours, now - d),
                _ => 0,
            };
            let escalate_at = cw
                .ladder
                .get(level + 1)
                .map(|r| ts(now + Duration::hours(r.after_hours as i64)));
            let inserted = sqlx::query(
                "INSERT INTO warnings (case_id, clock_key, category, threshold, due_date, region_path, org_id, created_at, level, escalate_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $9) ON CONFLICT (case_id, clock_key, threshold) DO NOTHING RETURNING id",
            )
            .bind(case_id)
            .bind(key)
            .bind(alert.category.as_str())
            .bind(&alert.threshold)
            .bind(clock.due.map(|d| d.to_string()))
            .bind(&region)
            .bind(&org)
            .bind(ts(now))
            .bind(escalate_at)
            .bind(level as i64)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(w) = inserted else {
                continue;
            };
            report.warnings += 1;
            let warning_id: i64 = w.try_get(0)?;
            tx.record(Command::WarningRaised, warning_id).await?;
            for rung in 0..=level {
                let ctx = MailContext {
                    case_id,
                    number: &number,
                    title: mail_title(&conf, &title),
                    clock: &clock,
                    category: alert.category,
                    level: rung as i64,
                    today: local_date(now),
                };
                let role = cw.ladder.get(rung).map_or(Role::Judge, |r| r.role);
                let (n, m) = self
                    .notify(tx, warning_id, &ctx, role, &org, &region, &state, now)
                    .await?;
                report.notifications += n;
                report.mails += m;
            }
        }
        Ok(())
    }

    /// Records notifications for the people holding `role` for a case, and mails urgent ones (or
    /// everyone whose cadence is "immediately") at once.
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        tx: &mut crate::write::Write,
        warning_id: i64,
        ctx: &MailContext<'_>,
        role: Role,
        org: &str,
        region: &str,
        state: &CaseState,
        now: DateTime<Utc>,
    ) -> Result<(usize, usize)> {
        let people = recipients(tx, self.backend, role, org, region, state).await?;
        let (mut n, mut m) = (0, 0);
        for p in people {
            let ins = sqlx::query(
                "INSERT INTO notifications (user_id, warning_id, level, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (user_id, warning_id, level) DO NOTHING RETURNING id",
            )
            .bind(p.id)
            .bind(warning_id)
            .bind(ctx.level)
            .bind(ts(now))
            .fetch_optional(&mut **tx)
            .await?;
            let Some(row) = ins else {
                continue;
            };
            // The clock is now this person's task until its latest warning is signed or it stops
            // warning (the 待办 reads this, not every notification).
            sqlx::query(
                "INSERT INTO told_open (user_id, case_id, clock_key, deadline) VALUES ($1, $2, $3, \
                 (SELECT c.deadline FROM clocks c WHERE c.case_id = $2 AND c.clock_key = $3)) \
                 ON CONFLICT (user_id, case_id, clock_key) DO NOTHING",
            )
            .bind(p.id)
            .bind(ctx.case_id)
            .bind(ctx.clock.key.as_str())
            .execute(&mut **tx)
            .await?;
            n += 1;
            let immediate = ctx.category.urgent() || p.cadence == "immediately";
            if let (true, Some(email)) = (immediate, p.email.as_deref()) {
                let (subject, body) = ctx.render();
                enqueue(
                    tx,
                    &format!("warning:{warning_id}:{}:{}", p.id, ctx.level),
                    Some(p.id),
                    email,
                    &subject,
                    &body,
                    now,
                )
                .await?;
                let nid: i64 = row.try_get(0)?;
                sqlx::query("UPDATE notifications SET digested_at = $1 WHERE id = $2")
                    .bind(ts(now))
                    .bind(nid)
                    .execute(&mut **tx)
                    .await?;
                m += 1;
            }
        }
        Ok((n, m))
    }

    /// Moves unacknowledged warnings whose time has come one rung up the ladder.
    pub async fn escalate(&self, now: DateTime<Utc>, limit: i64) -> Result<usize> {
        let cw = self.clockwork();
        let mut tx = self.write(now).await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE OF w SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT w.id, w.level, w.category, w.clock_key, k.id, k.case_number, k.title_masked, k.confidentiality, k.state, k.region_path, k.org_id \
             FROM warnings w JOIN cases k ON k.id = w.case_id \
             WHERE w.acknowledged_at IS NULL AND w.escalate_at IS NOT NULL AND w.escalate_at <= $1 ORDER BY w.escalate_at LIMIT $2{lock}"
        );
        let rows = sqlx::query(audited(sql))
            .bind(ts(now))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        let mut done = 0;
        for r in rows {
            let id: i64 = r.try_get(0)?;
            let key: String = r.try_get(3)?;
            let state: String = r.try_get(8)?;
            let state: CaseState = serde_json::from_str(&state)
                .map_err(|e| StoreError::Corrupt(format!("case state: {e}")))?;
            let clock = cw
                .explain(&state, now)
                .into_iter()
                .find(|c| c.key.as_str() == key);
            // A clock that has since stopped (case closed, limit met) or no longer warns needs
            // nobody's attention: its warning stops climbing.
            let Some(clock) = clock.filter(|c| !assess(c, now, &cw.policy).is_empty()) else {
                sqlx::query("UPDATE warnings SET escalate_at = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                continue;
            };
            let level = r.try_get::<i64, _>(1)? + 1;
            let next = cw
                .ladder
                .get(level as usize + 1)
                .map(|x| ts(now + Duration::hours(x.after_hours as i64)));
            sqlx::query("UPDATE warnings SET level = $1, escalate_at = $2 WHERE id = $3")
                .bind(level)
                .bind(next)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.record(Command::WarningEscalated, id).await?;
            done += 1;
            let Some(rung) = cw.ladder.get(level as usize) else {
                continue;
            };
            let cat: String = r.try_get(2)?;
            let conf: String = r.try_get(7)?;
            let title: String = r.try_get(6)?;
            let number: String = r.try_get(5)?;
            let ctx = MailContext {
                case_id: r.try_get(4)?,
                number: &number,
                title: mail_title(&conf, &title),
                clock: &clock,
                category: Category::parse(&cat).unwrap_or(Category::Nearing),
                level,
                today: local_date(now),
            };
            let org: String = r.try_get(10)?;
            let region: String = r.try_get(9)?;
            self.notify(&mut tx, id, &ctx, rung.role, &org, &region, &state, now)
                .await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Acknowledges a warning (stops its escalation). Returns false if it does not exist.
    pub async fn acknowledge(
        &self,
        warning_id: i64,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.write(now).await?;
        let done = self
            .acknowledge_in(&mut tx, warning_id, user_id, now)
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Acknowledges a warning nobody has acknowledged yet, and logs it, inside `tx`.
    pub(crate) async fn acknowledge_in(
        &self,
        tx: &mut crate::write::Write,
        warning_id: i64,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE warnings SET acknowledged_at = $1, acknowledged_by = $2, escalate_at = NULL WHERE id = $3 AND acknowledged_at IS NULL",
        )
        .bind(ts(now))
        .bind(user_id)
        .bind(warning_id)
        .execute(&mut **tx)
        .await?;
        let done = r.rows_affected() == 1;
        if done {
            tx.record(Command::WarningAcknowledged, warning_id).await?;
            // Signing the clock's latest warning ends the task of everyone told of the clock.
            sqlx::query(
                "DELETE FROM told_open WHERE (case_id, clock_key) IN (SELECT w.case_id, w.clock_key FROM warnings w \
                 WHERE w.id = $1 AND w.id = (SELECT MAX(w2.id) FROM warnings w2 WHERE w2.case_id = w.case_id AND w2.clock_key = w.clock_key))",
            )
            .bind(warning_id)
            .execute(&mut **tx)
            .await?;
        }
        Ok(done)
    }

    /// The case and region of a warning (for scope checks).
    pub async fn warning_case(&self, warning_id: i64) -> Result<Option<i64>> {
        Ok(sqlx::query("SELECT case_id FROM warnings WHERE id = $1")
            .bind(warning_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    /// Clocks that should have fired (`next_fire_at` more than `grace` ago) and did not.
    pub async fn self_check(&self, now: DateTime<Utc>, grace: Duration) -> Result<Vec<Missed>> {
        let rows = sqlx::query(
            "SELECT c.case_id, k.case_number, c.clock_key, c.next_fire_at, c.error FROM clocks c JOIN cases k ON k.id = c.case_id \
             WHERE c.next_fire_at <= $1 ORDER BY c.next_fire_at LIMIT 1000",
        )
        .bind(ts(now - grace))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Missed {
                    case_id: r.try_get("case_id")?,
                    case_number: r.try_get("case_number")?,
                    clock_key: r.try_get("clock_key")?,
                    next_fire_at: r.try_get("next_fire_at")?,
                    error: r.try_get("error")?,
                })
            })
            .collect()
    }
}
