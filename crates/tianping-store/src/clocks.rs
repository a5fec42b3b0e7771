//! Clocks as rows: each case's statutory clocks, with their rule version and next fire time.
//!
//! * Every ingested event re-computes its case's clocks in the same transaction (the clock rows
//!   are a projection of the events, like the case row).
//! * The poller touches only rows whose `next_fire_at` has come (partial index), claims them with
//!   `FOR UPDATE SKIP LOCKED` on PostgreSQL (`BEGIN IMMEDIATE` on SQLite), re-computes the clock,
//!   records its warnings idempotently (unique per case, clock and threshold), notifies the people
//!   responsible, and sets the next fire time. A failing row records its error and retries later
//!   without blocking the others.
//! * Unacknowledged warnings climb the escalation ladder; urgent ones are mailed at once, the rest
//!   go into each person's digest at the cadence they chose. Mail leaves through the outbox.

use crate::case::prefix_end;
use crate::db::{Val, bind_all};
use crate::ledger;
use crate::{Backend, Result, Store, StoreError, audited, bulk_placeholders, ts};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;
use tianping_domain::calendar::Calendar;
use tianping_domain::case::Confidentiality;
use tianping_domain::clock::{
    Category, Clock, Engine, WarnPolicy, assess, local_date, local_midnight, next_fire,
};
use tianping_domain::rules::{ClockKey, RuleSet};
use tianping_domain::{CaseState, Role};
use tianping_ledger::Command;

/// One rung of the escalation ladder: who is told, and how long after the previous rung.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rung {
    pub role: Role,
    pub after_hours: u32,
}

/// Everything the clock engine needs: rules, calendar, warning policy, escalation ladder.
#[derive(Debug, Clone)]
pub struct Clockwork {
    pub rules: RuleSet,
    pub calendar: Calendar,
    pub policy: WarnPolicy,
    pub ladder: Vec<Rung>,
    /// Local hour (Beijing) at which daily and weekly digests are built.
    pub digest_hour: u32,
}

pub fn default_ladder() -> Vec<Rung> {
    [
        (Role::Judge, 0),
        (Role::DivisionChief, 24),
        (Role::President, 48),
        (Role::CaseOffice, 72),
        (Role::PlcSupervisor, 120),
    ]
    .into_iter()
    .map(|(role, after_hours)| Rung { role, after_hours })
    .collect()
}

impl Clockwork {
    /// The shipped rules and calendar, default policy and ladder.
    pub fn shipped() -> Clockwork {
        Clockwork {
            rules: RuleSet::shipped().expect("shipped rules are valid (tested)"),
            calendar: Calendar::parse(tianping_domain::rules::CALENDAR_TOML)
                .expect("shipped calendar is valid (tested)"),
            policy: WarnPolicy::default(),
            ladder: default_ladder(),
            digest_hour: 8,
        }
    }

    /// The clocks of a case without their "why" lines (ingest, re-computation, the poller's
    /// scheduling).
    pub fn compute(&self, state: &CaseState, now: DateTime<Utc>) -> Vec<Clock> {
        Engine {
            rules: &self.rules,
            calendar: &self.calendar,
            explain: false,
        }
        .clocks(state, now)
    }

    /// The clocks of a case with their explanation (pages, API, mail).
    pub fn explain(&self, state: &CaseState, now: DateTime<Utc>) -> Vec<Clock> {
        Engine {
            rules: &self.rules,
            calendar: &self.calendar,
            explain: true,
        }
        .clocks(state, now)
    }

    /// The fingerprint of what the clocks depend on.
    /// What the stored clocks were computed from. The leading version moves when the way clocks
    /// are computed from the same tables changes, so that every store re-computes once: version 2
    /// re-computes clocks that `tianping import` computed with the built-in calendar and rules
    /// instead of those in force (issue 20).
    pub fn fingerprint(&self) -> String {
        format!(
            "2:{}:{}",
            self.rules.fingerprint,
            self.calendar.fingerprint()
        )
    }
}

pub(crate) const CLOCK_COLUMNS: &[(&str, &str)] = &[
    ("case_id", "bigint"),
    ("clock_key", "text"),
    ("rule", "text"),
    ("status", "text"),
    ("due_date", "text"),
    ("deadline", "text"),
    ("custody", "bigint"),
    ("provisional", "bigint"),
    ("category", "text"),
    ("next_fire_at", "text"),
    ("region_path", "text"),
    ("org_id", "text"),
    ("sig", "bigint"),
    ("computed_at", "text"),
];

const CHANGE_COLUMNS: &[(&str, &str)] = &[
    ("case_id", "bigint"),
    ("clock_key", "text"),
    ("old_due", "text"),
    ("new_due", "text"),
    ("old_rule", "text"),
    ("new_rule", "text"),
    ("reason", "text"),
    ("region_path", "text"),
    ("changed_at", "text"),
];

/// What tells two versions of a clock row apart (everything but the fire time and the stamp).
fn row_signature(
    rule: Option<String>,
    status: String,
    due: Option<String>,
    deadline: Option<String>,
    custody: i64,
    provisional: i64,
    category: Option<String>,
) -> String {
    format!(
        "{}|{status}|{}|{}|{custody}|{provisional}|{}",
        rule.unwrap_or_default(),
        due.unwrap_or_default(),
        deadline.unwrap_or_default(),
        category.unwrap_or_default()
    )
}

fn fnv64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn signature_of(row: &[Val]) -> String {
    let s = |v: &Val| match v {
        Val::S(s) | Val::OS(Some(s)) => Some(s.clone()),
        _ => None,
    };
    let i = |v: &Val| match v {
        Val::I(i) | Val::OI(Some(i)) => *i,
        _ => 0,
    };
    row_signature(
        s(&row[2]),
        s(&row[3]).unwrap_or_default(),
        s(&row[4]),
        s(&row[5]),
        i(&row[6]),
        i(&row[7]),
        s(&row[8]),
    )
}

/// A case's identity as the clock rows need it.
pub(crate) struct Owner<'a> {
    pub id: i64,
    pub region_path: &'a str,
    pub org_id: &'a str,
}

/// A clock row. `fresh`: the clock was (re)computed from an event or a rule change, so a clock
/// already in a warning state is due for the poller at once (which records its warnings); the
/// poller itself passes `false` and schedules the next change.
pub(crate) fn clock_row(
    o: &Owner,
    c: &Clock,
    now: DateTime<Utc>,
    p: &WarnPolicy,
    fresh: bool,
    stamp: &str,
) -> Result<Vec<Val>> {
    let alerts = assess(c, now, p);
    let category = alerts.first().map(|a| a.category.as_str().to_string());
    let fire = if fresh && !alerts.is_empty() {
        Some(now)
    } else {
        next_fire(c, now, p)
    };
    Ok(vec![
        Val::I(o.id),
        Val::S(c.key.as_str().into()),
        Val::OS(c.rule.clone()),
        Val::S(c.status.as_str().into()),
        Val::OS(c.due.map(|d| d.to_string())),
        Val::OS(c.deadline.map(ts)),
        Val::I(c.custody as i64),
        Val::I(c.provisional as i64),
        Val::OS(category),
        Val::OS(fire.map(ts)),
        Val::S(o.region_path.into()),
        Val::S(o.org_id.into()),
        Val::I(0),
        Val::S(stamp.to_string()),
    ])
    .map(|mut row| {
        // A digest of everything but the fire time and the stamp: re-computation skips rows
        // whose digest did not change.
        row[12] = Val::I(i64::from_ne_bytes(fnv64(&signature_of(&row)).to_ne_bytes()));
        row
    })
}

/// Writes the clock rows of the given cases: an upsert of every row, then the removal of rows
/// of these cases that this write did not touch (a clock that no longer applies). `rows` carry
/// `computed_at` = `stamp`, which is unique per write (see [`stamp`]).
pub(crate) async fn replace_clocks(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    ids: &[i64],
    rows: Vec<Vec<Val>>,
    stamp: &str,
) -> Result<()> {
    upsert_clocks(conn, backend, rows).await?;
    for part in ids.chunks(500) {
        let sql = format!(
            "DELETE FROM clocks WHERE case_id IN ({}) AND computed_at <> ${}",
            bulk_placeholders(backend, 1, part.len()),
            part.len() + 1
        );
        let mut q = sqlx::query(audited(sql));
        for id in part {
            q = q.bind(*id);
        }
        q.bind(stamp).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts or updates clock rows by (case, clock).
pub(crate) async fn upsert_clocks(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sets = CLOCK_COLUMNS[2..]
        .iter()
        .map(|(c, _)| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let conflict = format!(" ON CONFLICT (case_id, clock_key) DO UPDATE SET {sets}, error = NULL");
    crate::db::bulk_write(conn, backend, "clocks", CLOCK_COLUMNS, rows, &conflict, "").await?;
    Ok(())
}

/// A `computed_at` stamp unique to one write of clock rows.
pub(crate) fn stamp(now: DateTime<Utc>) -> String {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}#{n}", ts(now))
}

/// A row of the warnings board.
#[derive(Debug, Clone, Serialize)]
pub struct BoardRow {
    pub case_id: i64,
    pub case_number: String,
    pub title: String,
    pub title_masked: String,
    pub confidentiality: Confidentiality,
    pub judge: Option<String>,
    pub org_id: String,
    pub org_name: String,
    pub agency_kind: String,
    pub region_path: String,
    pub category: Category,
    pub clock: Clock,
    pub warning_id: Option<i64>,
    pub level: i64,
    pub acknowledged: bool,
}

/// What the board is asked for.
#[derive(Debug, Clone, Default)]
pub struct BoardQuery {
    pub region_prefix: String,
    pub agency_kind: Option<String>,
    pub org_id: Option<String>,
    pub category: Option<Category>,
    pub clock_key: Option<ClockKey>,
    pub custody_only: bool,
    /// `due` (soonest first, default) or `case`.
    pub sort: String,
    pub limit: i64,
    pub offset: i64,
}

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

/// A due date a rule or calendar change would move (not yet written).
#[derive(Debug, Clone, Serialize)]
pub struct MovedPreview {
    pub case_id: i64,
    pub case_number: String,
    pub clock_key: String,
    pub old_due: Option<String>,
    pub new_due: Option<String>,
}

/// A due date moved by a rule or calendar change.
#[derive(Debug, Clone, Serialize)]
pub struct ClockChange {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub clock_key: String,
    pub old_due: Option<String>,
    pub new_due: Option<String>,
    pub old_rule: Option<String>,
    pub new_rule: Option<String>,
    pub reason: String,
    pub changed_at: String,
    pub acknowledged: bool,
}

/// What a full re-computation did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecomputeReport {
    pub cases: usize,
    pub clocks: usize,
    /// Rows written (changed, or all with `force`).
    pub written: usize,
    pub moved: usize,
}

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
}

pub const LETTER_KINDS: [(&str, &str, &str); 3] = [
    ("reminder", "提示函", "提"),
    ("supervision", "督办函", "督"),
    ("warning", "警示函", "警"),
];

struct Recipient {
    id: i64,
    email: Option<String>,
    cadence: String,
}

const RETRY_AFTER_ERROR_MIN: i64 = 60;

impl Store {
    /// A transaction that will write: on SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so two processes never deadlock upgrading a read lock.
    pub(crate) async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// The clocks of one case, computed now from its state (without the explanation).
    pub async fn clocks_of_case(&self, case_id: i64, now: DateTime<Utc>) -> Result<Vec<Clock>> {
        let Some(r) = sqlx::query("SELECT state FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(vec![]);
        };
        let state: String = r.try_get(0)?;
        let state: CaseState = serde_json::from_str(&state)
            .map_err(|e| StoreError::Corrupt(format!("case {case_id} state: {e}")))?;
        Ok(self.clockwork().compute(&state, now))
    }

    /// Counts of the board's categories within a region prefix.
    pub async fn board_counts(&self, q: &BoardQuery) -> Result<Vec<(Category, i64)>> {
        let (cond, binds) = board_where(q, false);
        let sql = format!(
            "SELECT c.category, COUNT(*) FROM clocks c JOIN cases k ON k.id = c.case_id WHERE {cond} GROUP BY c.category"
        );
        let mut qq = sqlx::query(audited(sql));
        for b in binds {
            qq = qq.bind(b);
        }
        let mut out = vec![];
        for r in qq.fetch_all(&self.pool).await? {
            let c: String = r.try_get(0)?;
            if let Some(cat) = Category::parse(&c) {
                out.push((cat, r.try_get::<i64, _>(1)?));
            }
        }
        out.sort();
        Ok(out)
    }

    /// The warnings board: open clocks with a warning category, in the reader's scope.
    /// Rows carry their clock computed at `now` from the case's state (the row's category is the
    /// poller's; the dates are current).
    pub async fn board(&self, q: &BoardQuery, now: DateTime<Utc>) -> Result<Vec<BoardRow>> {
        let cw = self.clockwork();
        let (cond, binds) = board_where(q, true);
        let order = if q.sort == "case" {
            "k.case_number"
        } else {
            "c.deadline, k.case_number"
        };
        let n = binds.len();
        let sql = format!(
            "SELECT c.case_id, k.case_number, k.title, k.confidentiality, k.judge, k.org_id, c.category, k.state, \
             (SELECT w.id FROM warnings w WHERE w.case_id = c.case_id AND w.clock_key = c.clock_key ORDER BY w.id DESC LIMIT 1), \
             (SELECT w.level FROM warnings w WHERE w.case_id = c.case_id AND w.clock_key = c.clock_key ORDER BY w.id DESC LIMIT 1), \
             (SELECT w.acknowledged_at FROM warnings w WHERE w.case_id = c.case_id AND w.clock_key = c.clock_key ORDER BY w.id DESC LIMIT 1), \
             k.title_masked, o.name, k.agency_kind, k.region_path, c.clock_key \
             FROM clocks c JOIN cases k ON k.id = c.case_id JOIN orgs o ON o.id = k.org_id WHERE {cond} ORDER BY {order} LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut qq = sqlx::query(audited(sql));
        for b in binds {
            qq = qq.bind(b);
        }
        let rows = qq
            .bind(q.limit.clamp(1, 100_000))
            .bind(q.offset.max(0))
            .fetch_all(&self.pool)
            .await?;
        let mut out = vec![];
        for r in rows {
            let state: String = r.try_get(7)?;
            let state: CaseState = serde_json::from_str(&state)
                .map_err(|e| StoreError::Corrupt(format!("case state: {e}")))?;
            let key: String = r.try_get(15)?;
            let Some(clock) = cw
                .compute(&state, now)
                .into_iter()
                .find(|c| c.key.as_str() == key)
            else {
                continue;
            };
            let cat: String = r.try_get(6)?;
            let conf: String = r.try_get(3)?;
            out.push(BoardRow {
                case_id: r.try_get(0)?,
                case_number: r.try_get(1)?,
                title: r.try_get(2)?,
                confidentiality: Confidentiality::parse(&conf)
                    .ok_or_else(|| StoreError::Corrupt(format!("confidentiality {conf}")))?,
                judge: r.try_get(4)?,
                org_id: r.try_get(5)?,
                category: Category::parse(&cat)
                    .ok_or_else(|| StoreError::Corrupt(format!("category {cat}")))?,
                clock,
                warning_id: r.try_get(8)?,
                level: r.try_get::<Option<i64>, _>(9)?.unwrap_or(0),
                acknowledged: r.try_get::<Option<String>, _>(10)?.is_some(),
                title_masked: r.try_get(11)?,
                org_name: r.try_get(12)?,
                agency_kind: r.try_get(13)?,
                region_path: r.try_get(14)?,
            });
        }
        Ok(out)
    }

    /// One poller pass over at most `limit` due clocks. Safe to run in several processes.
    pub async fn poll(&self, now: DateTime<Utc>, limit: i64) -> Result<PollReport> {
        let cw = self.clockwork();
        let mut report = PollReport::default();
        let mut tx = self.write_tx().await?;
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
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
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
        for alert in assess(&clock, now, &cw.policy) {
            let escalate_at = cw
                .ladder
                .get(1)
                .map(|r| ts(now + Duration::hours(r.after_hours as i64)));
            let inserted = sqlx::query(
                "INSERT INTO warnings (case_id, clock_key, category, threshold, due_date, region_path, org_id, created_at, level, escalate_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9) ON CONFLICT (case_id, clock_key, threshold) DO NOTHING RETURNING id",
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
            .fetch_optional(&mut **tx)
            .await?;
            let Some(w) = inserted else {
                continue;
            };
            report.warnings += 1;
            let warning_id: i64 = w.try_get(0)?;
            ledger::record_one(tx, self.backend, Command::WarningRaised, warning_id, now).await?;
            let ctx = MailContext {
                case_id,
                number: &number,
                title: mail_title(&conf, &title),
                clock: &clock,
                category: alert.category,
                level: 0,
                today: local_date(now),
            };
            let role = cw.ladder.first().map_or(Role::Judge, |r| r.role);
            let (n, m) = self
                .notify(tx, warning_id, &ctx, role, &org, &region, &state, now)
                .await?;
            report.notifications += n;
            report.mails += m;
        }
        Ok(())
    }

    /// Records notifications for the people holding `role` for a case, and mails urgent ones (or
    /// everyone whose cadence is "immediately") at once.
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
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
        let mut tx = self.write_tx().await?;
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
            ledger::record_one(&mut tx, self.backend, Command::WarningEscalated, id, now).await?;
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
        let mut tx = self.write_tx().await?;
        let done = self
            .acknowledge_in(&mut tx, warning_id, user_id, now)
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Acknowledges a warning nobody has acknowledged yet, and logs it, inside `tx`.
    async fn acknowledge_in(
        &self,
        tx: &mut sqlx::AnyConnection,
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
        .execute(&mut *tx)
        .await?;
        let done = r.rows_affected() == 1;
        if done {
            ledger::record_one(
                tx,
                self.backend,
                Command::WarningAcknowledged,
                warning_id,
                now,
            )
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
        let mut tx = self.write_tx().await?;
        let rows = sqlx::query(
            "SELECT DISTINCT u.id, u.email, u.display_name, u.digest_cadence FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE n.digested_at IS NULL AND u.email IS NOT NULL AND (u.last_digest_at IS NULL OR u.last_digest_at < $1)",
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
            if items.is_empty() {
                continue;
            }
            let mut body = format!(
                "{name}：\n\n截至 {}，以下 {} 件案件的期限需要您处理：\n\n",
                today.format("%Y年%m月%d日"),
                items.len()
            );
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
            body.push_str("\n请登录天平系统查看每项期限的计算依据并处理。本邮件由系统自动发送。\n");
            let subject = format!(
                "【天平】{} 期限提醒：{} 件待处理",
                today.format("%m月%d日"),
                items.len()
            );
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
        let mut tx = self.write_tx().await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT id, recipient, subject, body, attempts, created_at, sent_at, last_error FROM outbox \
             WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2{lock}"
        );
        let rows = sqlx::query(audited(sql))
            .bind(ts(now))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        let mut out = vec![];
        for r in rows {
            let m = mail_row(&r)?;
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

    /// Issues a numbered reminder letter for a case and records it. The number is
    /// `（YEAR）ORG-CODE审管{提|督|警}字第N号`, sequential per organisation, kind and year.
    #[allow(clippy::too_many_arguments)]
    pub async fn issue_letter(
        &self,
        kind: &str,
        case_id: i64,
        warning_id: Option<i64>,
        org_id: &str,
        org_code: &str,
        issued_by: i64,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<Letter> {
        let Some((_, _, mark)) = LETTER_KINDS.iter().find(|k| k.0 == kind) else {
            return Err(StoreError::Invalid(format!("unknown letter kind {kind:?}")));
        };
        let year: i64 = local_date(now)
            .format("%Y")
            .to_string()
            .parse()
            .unwrap_or(0);
        let mut tx = self.write_tx().await?;
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
        let number = format!("（{year}）{org_code}审管{mark}字第{seq}号");
        let id: i64 = sqlx::query(
            "INSERT INTO letters (number, kind, case_id, warning_id, org_id, year, seq, issued_by, issued_at, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
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
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        ledger::record_one(&mut tx, self.backend, Command::LetterIssued, id, now).await?;
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
        r.map(|r| letter_row(&r)).transpose()
    }

    pub async fn letters_of_case(&self, case_id: i64) -> Result<Vec<Letter>> {
        let rows = sqlx::query(audited(format!(
            "{LETTER_SELECT} WHERE l.case_id = $1 ORDER BY l.id"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(letter_row).collect()
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
                    case_id: r.try_get(0)?,
                    case_number: r.try_get(1)?,
                    clock_key: r.try_get(2)?,
                    next_fire_at: r.try_get(3)?,
                    error: r.try_get(4)?,
                })
            })
            .collect()
    }

    pub async fn engine_state(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query("SELECT value FROM engine_state WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    pub async fn set_engine_state(&self, key: &str, value: &str, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO engine_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        ledger::record_one(&mut tx, self.backend, Command::EngineStateSet, key, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Re-computes the clocks of every open case from its stored state. Rows whose content did
    /// not change are left alone (unless `force`); clocks that no longer apply are removed. With
    /// `record_moves`, each due date (or rule) that moved is recorded with that reason for the case
    /// office to acknowledge.
    pub async fn recompute_open(
        &self,
        now: DateTime<Utc>,
        record_moves: Option<&str>,
        force: bool,
    ) -> Result<RecomputeReport> {
        self.refresh().await?;
        let cw = self.clockwork();
        let mut report = RecomputeReport::default();
        let mut after: i64 = 0;
        loop {
            let rows = sqlx::query(
                "SELECT id, region_path, org_id, state FROM cases WHERE status <> 'closed' AND id > $1 ORDER BY id LIMIT 5000",
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            // A write transaction (SQLite: the write lock at once), so that it cannot fail to upgrade
            // from reading when an ingest chunk commits meanwhile.
            let mut tx = self.write_tx().await?;
            // The stored rows of these cases by (case, clock): (due, rule, digest).
            type Old = (Option<String>, Option<String>, i64);
            let mut old: HashMap<(i64, String), Old> = HashMap::new();
            let ids: Vec<i64> = rows
                .iter()
                .map(|r| r.try_get(0))
                .collect::<std::result::Result<_, _>>()?;
            // The batch's ids are ascending: one range read of the primary key.
            let (lo, hi) = (ids[0], ids[ids.len() - 1]);
            for r in sqlx::query(
                "SELECT case_id, clock_key, due_date, rule, sig FROM clocks WHERE case_id >= $1 AND case_id <= $2",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(&mut *tx)
            .await?
            {
                old.insert(
                    (r.try_get(0)?, r.try_get(1)?),
                    (r.try_get(2)?, r.try_get(3)?, r.try_get(4)?),
                );
            }
            let mut out_rows = vec![];
            let mut moves = vec![];
            let changed_at = ts(now);
            let pass = stamp(now);
            for r in &rows {
                let id: i64 = r.try_get(0)?;
                let region: String = r.try_get(1)?;
                let org: String = r.try_get(2)?;
                let state: String = r.try_get(3)?;
                let state: CaseState = serde_json::from_str(&state)
                    .map_err(|e| StoreError::Corrupt(format!("case {id} state: {e}")))?;
                let owner = Owner {
                    id,
                    region_path: &region,
                    org_id: &org,
                };
                for c in cw.compute(&state, now) {
                    let prev = old.remove(&(id, c.key.as_str().to_string()));
                    if let (Some(reason), Some((old_due, old_rule, _))) = (record_moves, &prev) {
                        let new_due = c.due.map(|d| d.to_string());
                        if *old_due != new_due || *old_rule != c.rule {
                            moves.push(vec![
                                Val::I(id),
                                Val::S(c.key.as_str().into()),
                                Val::OS(old_due.clone()),
                                Val::OS(new_due),
                                Val::OS(old_rule.clone()),
                                Val::OS(c.rule.clone()),
                                Val::S(reason.into()),
                                Val::S(region.clone()),
                                Val::S(changed_at.clone()),
                            ]);
                            report.moved += 1;
                        }
                    }
                    let row = clock_row(&owner, &c, now, &cw.policy, true, &pass)?;
                    report.clocks += 1;
                    let unchanged = prev
                        .as_ref()
                        .is_some_and(|(_, _, sig)| matches!(row[12], Val::I(n) if n == *sig));
                    if force || !unchanged {
                        out_rows.push(row);
                        report.written += 1;
                    }
                }
                report.cases += 1;
                after = id;
            }
            upsert_clocks(&mut tx, self.backend, out_rows).await?;
            if !moves.is_empty() {
                let ids = crate::db::bulk_insert(
                    &mut tx,
                    self.backend,
                    "clock_changes",
                    CHANGE_COLUMNS,
                    moves,
                    "id",
                )
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>(0).map(ledger::Key::Int))
                .collect::<std::result::Result<Vec<_>, _>>()?;
                ledger::record(&mut tx, self.backend, Command::ClockDueMoved, &ids, now).await?;
            }
            // Clocks of these cases that no longer apply (e.g. their rule was withdrawn).
            for (case_id, key) in old.into_keys() {
                sqlx::query("DELETE FROM clocks WHERE case_id = $1 AND clock_key = $2")
                    .bind(case_id)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        Ok(report)
    }

    /// The due dates of open clocks that `cw` would move, without writing anything: what the
    /// administrator confirms before a published calendar year is replaced (finding M7).
    pub async fn preview_clockwork(
        &self,
        cw: &Clockwork,
        now: DateTime<Utc>,
    ) -> Result<Vec<MovedPreview>> {
        let mut out = vec![];
        let mut after: i64 = 0;
        loop {
            let rows = sqlx::query(
                "SELECT id, case_number, state FROM cases WHERE status <> 'closed' AND id > $1 ORDER BY id LIMIT 5000",
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
                break;
            };
            let (lo, hi): (i64, i64) = (first.try_get(0)?, last.try_get(0)?);
            let mut old: HashMap<(i64, String), Option<String>> = HashMap::new();
            for r in sqlx::query(
                "SELECT case_id, clock_key, due_date FROM clocks WHERE case_id >= $1 AND case_id <= $2",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(&self.pool)
            .await?
            {
                old.insert((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?);
            }
            for r in &rows {
                let id: i64 = r.try_get(0)?;
                let number: String = r.try_get(1)?;
                let state: String = r.try_get(2)?;
                let state: CaseState = serde_json::from_str(&state)
                    .map_err(|e| StoreError::Corrupt(format!("case {id} state: {e}")))?;
                for c in cw.compute(&state, now) {
                    let key = c.key.as_str().to_string();
                    let new_due = c.due.map(|d| d.to_string());
                    if let Some(old_due) = old.get(&(id, key.clone()))
                        && *old_due != new_due
                    {
                        out.push(MovedPreview {
                            case_id: id,
                            case_number: number.clone(),
                            clock_key: key,
                            old_due: old_due.clone(),
                            new_due,
                        });
                    }
                }
                after = id;
            }
        }
        Ok(out)
    }

    /// If the rules or calendar changed since the clocks were last computed, re-computes every open
    /// clock and records the moved due dates; on the first start with clocks, builds every open
    /// case's rows. Returns the report when it re-computed.
    pub async fn apply_clockwork_change(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<RecomputeReport>> {
        self.refresh().await?;
        let cw = self.clockwork();
        let fp = cw.fingerprint();
        let stored = self.engine_state("clockwork_fingerprint").await?;
        if stored.as_deref() == Some(fp.as_str()) {
            return Ok(None);
        }
        let report = if stored.is_some() {
            let reason = format!(
                "期限规则或节假日安排已更新（规则指纹 {}，日历指纹 {}）",
                cw.rules.fingerprint,
                cw.calendar.fingerprint()
            );
            Some(self.recompute_open(now, Some(&reason), false).await?)
        } else {
            // First start with clocks (a new database, or one upgraded from before clocks
            // existed): build the rows of every open case; nothing "moved".
            Some(self.recompute_open(now, None, false).await?)
        };
        self.set_engine_state("clockwork_fingerprint", &fp, now)
            .await?;
        Ok(report)
    }

    /// Due dates moved by rule or calendar changes, in scope, newest first.
    /// Moved due dates of the cases under a region prefix, of one agency kind when given
    /// (finding M2: a procuratorate does not see a court's).
    pub async fn clock_changes(
        &self,
        region_prefix: &str,
        agency_kind: Option<tianping_domain::AgencyKind>,
        limit: i64,
    ) -> Result<Vec<ClockChange>> {
        let rows = sqlx::query(
            "SELECT g.id, g.case_id, k.case_number, g.clock_key, g.old_due, g.new_due, g.old_rule, g.new_rule, g.reason, g.changed_at, g.acknowledged_at \
             FROM clock_changes g JOIN cases k ON k.id = g.case_id WHERE g.region_path >= $1 AND g.region_path < $2 \
             AND ($4 IS NULL OR k.agency_kind = $4) ORDER BY g.id DESC LIMIT $3",
        )
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(limit)
        .bind(agency_kind.map(|k| k.as_str()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ClockChange {
                    id: r.try_get(0)?,
                    case_id: r.try_get(1)?,
                    case_number: r.try_get(2)?,
                    clock_key: r.try_get(3)?,
                    old_due: r.try_get(4)?,
                    new_due: r.try_get(5)?,
                    old_rule: r.try_get(6)?,
                    new_rule: r.try_get(7)?,
                    reason: r.try_get(8)?,
                    changed_at: r.try_get(9)?,
                    acknowledged: r.try_get::<Option<String>, _>(10)?.is_some(),
                })
            })
            .collect()
    }

    /// Acknowledges the moved due dates of one agency kind's cases within a region prefix.
    /// Returns how many.
    pub async fn acknowledge_changes(
        &self,
        region_prefix: &str,
        agency_kind: tianping_domain::AgencyKind,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let ids = sqlx::query(
            "UPDATE clock_changes SET acknowledged_at = $1, acknowledged_by = $2 WHERE acknowledged_at IS NULL AND region_path >= $3 AND region_path < $4 \
             AND case_id IN (SELECT id FROM cases WHERE agency_kind = $5) RETURNING id",
        )
        .bind(ts(now))
        .bind(user_id)
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(agency_kind.as_str())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0).map(ledger::Key::Int))
        .collect::<std::result::Result<Vec<_>, _>>()?;
        for part in ids.chunks(10_000) {
            ledger::record(
                &mut tx,
                self.backend,
                Command::ClockChangeAcknowledged,
                part,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    /// Calendar years imported after the shipped file (they replace the shipped year).
    pub async fn imported_calendar_years(&self) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query("SELECT year, toml FROM calendar_years ORDER BY year")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn store_calendar_year(
        &self,
        year: i32,
        toml: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        // First, before any ledger write: a move waits for running ingest chunks (module in_force).
        crate::generation::move_generation(&mut tx, self.backend, now).await?;
        sqlx::query(
            "INSERT INTO calendar_years (year, toml, imported_at, imported_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (year) DO UPDATE SET toml = excluded.toml, imported_at = excluded.imported_at, imported_by = excluded.imported_by",
        )
        .bind(year as i64)
        .bind(toml)
        .bind(ts(now))
        .bind(by)
        .execute(&mut *tx)
        .await?;
        ledger::record_one(
            &mut tx,
            self.backend,
            Command::CalendarImported,
            i64::from(year),
            now,
        )
        .await?;
        crate::audit::record_admin_action(
            &mut tx,
            self.backend,
            by,
            "calendar_imported",
            &year.to_string(),
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        self.refresh().await?;
        Ok(())
    }

    /// The shipped clockwork with the calendar years imported into this database applied.
    pub async fn load_clockwork(&self, mut base: Clockwork) -> Result<Clockwork> {
        for (year, toml) in self.imported_calendar_years().await? {
            base.calendar
                .import(&toml)
                .map_err(|e| StoreError::Corrupt(format!("imported calendar year {year}: {e}")))?;
        }
        Ok(base)
    }
}

fn board_where(q: &BoardQuery, with_category: bool) -> (String, Vec<String>) {
    let mut cond = vec![
        "c.category IS NOT NULL".to_string(),
        "c.region_path >= $1".to_string(),
        "c.region_path < $2".to_string(),
    ];
    let mut binds = vec![q.region_prefix.clone(), prefix_end(&q.region_prefix)];
    if let Some(k) = &q.agency_kind {
        binds.push(k.clone());
        cond.push(format!("k.agency_kind = ${}", binds.len()));
    }
    if let Some(o) = &q.org_id {
        binds.push(o.clone());
        cond.push(format!("c.org_id = ${}", binds.len()));
    }
    if with_category && let Some(c) = q.category {
        binds.push(c.as_str().into());
        cond.push(format!("c.category = ${}", binds.len()));
    }
    if let Some(k) = q.clock_key {
        binds.push(k.as_str().into());
        cond.push(format!("c.clock_key = ${}", binds.len()));
    }
    if q.custody_only {
        cond.push("c.custody = 1".into());
    }
    (cond.join(" AND "), binds)
}

pub(crate) fn mail_row(r: &sqlx::any::AnyRow) -> Result<Mail> {
    Ok(Mail {
        id: r.try_get(0)?,
        recipient: r.try_get(1)?,
        subject: r.try_get(2)?,
        body: r.try_get(3)?,
        attempts: r.try_get(4)?,
        created_at: r.try_get(5)?,
        sent_at: r.try_get(6)?,
        last_error: r.try_get(7)?,
    })
}

const LETTER_SELECT: &str = "SELECT l.id, l.number, l.kind, l.case_id, k.case_number, l.org_id, u.display_name, l.issued_at, l.body \
     FROM letters l JOIN cases k ON k.id = l.case_id JOIN users u ON u.id = l.issued_by";

fn letter_row(r: &sqlx::any::AnyRow) -> Result<Letter> {
    Ok(Letter {
        id: r.try_get(0)?,
        number: r.try_get(1)?,
        kind: r.try_get(2)?,
        case_id: r.try_get(3)?,
        case_number: r.try_get(4)?,
        org_id: r.try_get(5)?,
        issued_by: r.try_get(6)?,
        issued_at: r.try_get(7)?,
        body: r.try_get(8)?,
    })
}

pub(crate) async fn enqueue(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
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

/// The people holding `role` for a case: the judge by name in the case's court; chiefs,
/// presidents and the case office of the case's organisation; supervisors of the nearest
/// supervising body above the case's region.
async fn recipients(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
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
fn mail_title<'a>(confidentiality: &str, title: &'a str) -> &'a str {
    if Confidentiality::parse(confidentiality).is_some_and(|c| c != Confidentiality::Public) {
        "（案件标题已脱敏）"
    } else {
        title
    }
}

struct MailContext<'a> {
    case_id: i64,
    number: &'a str,
    title: &'a str,
    clock: &'a Clock,
    category: Category,
    level: i64,
    today: NaiveDate,
}

impl MailContext<'_> {
    fn render(&self) -> (String, String) {
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
        let mut body = format!(
            "案号：{}\n案件：{}\n期限：{}（{}）\n届满日：{}　{}\n状态：{}\n",
            self.number,
            self.title,
            c.name_zh,
            c.rule.as_deref().unwrap_or("无适用规则"),
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
