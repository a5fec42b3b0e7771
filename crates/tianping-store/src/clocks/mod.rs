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

mod changes;
mod letters;
mod mail;
mod poller;
pub(crate) mod tell;

pub use changes::*;
pub use letters::*;
pub use mail::*;
pub use poller::*;

use crate::case::prefix_end;
use crate::db::Val;
use crate::{Backend, Result, Store, StoreError, audited, bulk_placeholders, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::calendar::Calendar;
use tianping_domain::case::Confidentiality;
use tianping_domain::clock::{Category, Clock, Engine, WarnPolicy, assess, next_fire};
use tianping_domain::rules::{ClockKey, RuleSet};
use tianping_domain::{CaseState, Role};
use tianping_ledger::Command;

/// A case's open clock nearest its limit, as the case list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct NearestClock {
    pub case_id: i64,
    pub clock_key: String,
    /// YYYY-MM-DD.
    pub due_date: String,
    /// A custody clock of the case is open (在押).
    pub custody: bool,
    /// The warning category it is in, if any.
    pub category: Option<String>,
}

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
    /// The process-node standards (流程节点), computed beside the clocks.
    pub flows: tianping_domain::nodes::Flows,
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
            flows: tianping_domain::nodes::Flows::shipped(),
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

    /// What the stored clocks (and process nodes) were computed from. The leading version moves when the way clocks
    /// are computed from the same tables changes, so that every store re-computes once: version 2
    /// re-computes clocks that `tianping import` computed with the built-in calendar and rules
    /// instead of those in force (issue 20); version 3 computes the process nodes (issue 26).
    pub fn fingerprint(&self) -> String {
        format!(
            "3:{}:{}:{}",
            self.rules.fingerprint,
            self.calendar.fingerprint(),
            self.flows.fingerprint
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

pub(crate) use crate::db::Owner;

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

/// Writes clock rows: an upsert of every row, then the removal of rows of the cases `ids` that
/// this write did not touch (a clock that no longer applies) — `ids` may leave out cases that have
/// no stored rows yet. `rows` carry `computed_at` = `stamp`, which is unique per write (see
/// [`stamp`]).
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
    prune_told(conn, backend, ids).await?;
    Ok(())
}

/// Removes, for these cases, the told clocks (`told_open`) that no longer warn: a clock gone or
/// out of warning is nobody's task any more; and brings the others' deadlines up to date (the
/// 待办 walks them in that order). Called wherever clock rows of a case are rewritten.
pub(crate) async fn prune_told(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    ids: &[i64],
) -> Result<()> {
    for part in ids.chunks(500) {
        let sql = format!(
            "DELETE FROM told_open WHERE case_id IN ({}) AND NOT EXISTS (SELECT 1 FROM clocks c \
             WHERE c.case_id = told_open.case_id AND c.clock_key = told_open.clock_key AND c.category IS NOT NULL)",
            bulk_placeholders(backend, 1, part.len()),
        );
        let mut q = sqlx::query(audited(sql));
        for id in part {
            q = q.bind(*id);
        }
        q.execute(&mut *conn).await?;
        // Only rows whose deadline moved are written (a case's own told rows are few).
        let sql = format!(
            "UPDATE told_open SET deadline = (SELECT c.deadline FROM clocks c \
             WHERE c.case_id = told_open.case_id AND c.clock_key = told_open.clock_key) \
             WHERE case_id IN ({}) AND COALESCE(deadline, '') <> COALESCE((SELECT c.deadline FROM clocks c \
             WHERE c.case_id = told_open.case_id AND c.clock_key = told_open.clock_key), '')",
            bulk_placeholders(backend, 1, part.len()),
        );
        let mut q = sqlx::query(audited(sql));
        for id in part {
            q = q.bind(*id);
        }
        q.execute(&mut *conn).await?;
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
    /// A line of work, such as execution: the clocks of cases that have (`true`) or have not
    /// (`false`) a clock under one of these rules (tags `id@version`).
    pub case_rules: Option<(Vec<String>, bool)>,
    /// `due` (soonest first, default) or `case`.
    pub sort: String,
    pub limit: i64,
    pub offset: i64,
}

impl Store {
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

    /// Of each case, the open clock nearest its limit (the case list's 期限 column), and whether a
    /// custody clock of it is open (在押). `case_ids` is one page of a list.
    pub async fn nearest_clocks(&self, case_ids: &[i64]) -> Result<Vec<NearestClock>> {
        if case_ids.is_empty() {
            return Ok(vec![]);
        }
        let ids = case_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let rows = sqlx::query(audited(format!(
            "SELECT case_id, clock_key, due_date, custody, category FROM clocks \
             WHERE case_id IN ({ids}) AND status IN ('running', 'paused', 'overdue') \
             AND due_date IS NOT NULL AND clock_key <> 'long_pending' ORDER BY case_id, due_date"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<NearestClock> = vec![];
        for r in &rows {
            let case_id: i64 = r.try_get("case_id")?;
            let custody = r.try_get::<i64, _>("custody")? != 0;
            match out.last_mut() {
                Some(last) if last.case_id == case_id => last.custody |= custody,
                _ => out.push(NearestClock {
                    case_id,
                    clock_key: r.try_get("clock_key")?,
                    due_date: r.try_get("due_date")?,
                    custody,
                    category: r.try_get("category")?,
                }),
            }
        }
        Ok(out)
    }

    /// Counts of the board's categories within a region prefix.
    /// Kept for `counts_cache_seconds` in this process (`crate::read_cache`): a city's counts
    /// read tens of thousands of index entries at a million cases.
    pub async fn board_counts(&self, q: &BoardQuery) -> Result<Vec<(Category, i64)>> {
        let (cond, binds) = board_where(q, false);
        let sql =
            format!("SELECT c.category, COUNT(*) FROM clocks c WHERE {cond} GROUP BY c.category");
        let key = format!("{sql}\u{1f}{}", binds.join("\u{1f}"));
        let ttl = self.counts_ttl.get();
        if let Some(hit) = self.board_counts.get(&key, ttl, std::time::Instant::now()) {
            return Ok(hit);
        }
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
        self.board_counts
            .put(key, out.clone(), ttl, std::time::Instant::now());
        Ok(out)
    }

    /// The warnings board: open clocks with a warning category, in the reader's scope.
    /// Rows carry their clock computed at `now` from the case's state (the row's category is the
    /// poller's; the dates are current).
    pub async fn board(&self, q: &BoardQuery, now: DateTime<Utc>) -> Result<Vec<BoardRow>> {
        let cw = self.clockwork();
        let (cond, binds) = board_where(q, true);
        // By deadline (ties by case id, so the page needs the clocks alone), or by case number.
        let (order, join) = if q.sort == "case" {
            ("k.case_number", "JOIN cases k ON k.id = c.case_id")
        } else {
            ("c.deadline, c.case_id", "")
        };
        let n = binds.len();
        // The page is chosen over narrow rows (the sort keys only) and its few rows are read in
        // full after: sorting every warning clock of a city with each case's folded state
        // attached was most of the board's time at a million cases.
        let sql = format!(
            "WITH page AS (SELECT c.case_id, c.clock_key FROM clocks c {join} \
             WHERE {cond} ORDER BY {order} LIMIT ${} OFFSET ${}) \
             SELECT c.case_id, k.case_number, k.title, k.confidentiality, k.judge, k.org_id, c.category, k.state, \
             lw.id, lw.level, lw.acknowledged_at, \
             k.title_masked, o.name, k.agency_kind, k.region_path, c.clock_key \
             FROM page p JOIN clocks c ON c.case_id = p.case_id AND c.clock_key = p.clock_key \
             JOIN cases k ON k.id = c.case_id JOIN orgs o ON o.id = k.org_id \
             LEFT JOIN warnings lw ON lw.id = (SELECT MAX(w.id) FROM warnings w WHERE w.case_id = c.case_id AND w.clock_key = c.clock_key) \
             ORDER BY {order}",
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

    pub async fn engine_state(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query("SELECT value FROM engine_state WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    pub async fn set_engine_state(&self, key: &str, value: &str, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.write(now).await?;
        sqlx::query(
            "INSERT INTO engine_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        tx.record(Command::EngineStateSet, key).await?;
        tx.commit().await?;
        Ok(())
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
        // By the clock's organisation, so counting needs no join with the cases.
        cond.push(format!(
            "c.org_id IN (SELECT id FROM orgs WHERE kind = ${})",
            binds.len()
        ));
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
    if let Some((tags, has)) = &q.case_rules {
        let mut marks = vec![];
        for t in tags {
            binds.push(t.clone());
            marks.push(format!("${}", binds.len()));
        }
        if marks.is_empty() {
            marks.push("NULL".into());
        }
        cond.push(format!(
            "{} EXISTS (SELECT 1 FROM clocks x WHERE x.case_id = c.case_id AND x.rule IN ({}))",
            if *has { "" } else { "NOT" },
            marks.join(", ")
        ));
    }
    (cond.join(" AND "), binds)
}
