//! The single write path for procedural events (API, bulk import, UI).
//!
//! **Atomicity: per record, committed in chunks.** Each record is validated by the domain against
//! the case's current state and is either applied whole (event row + case projection) or rejected
//! with its line, field and reason; a rejected record changes nothing. Records are written in chunks
//! of [`CHUNK`] in one transaction each, so a crash loses at most the uncommitted chunk, and
//! re-importing the same file fills it in: ingest is idempotent by `(source, source_event_id)`.
//! A database failure aborts the current chunk whole (nothing of it is written) and is returned as
//! an error naming the chunk's first line; earlier chunks stay committed.

mod resolve;
mod write;

pub use resolve::titles;

use crate::case::{EVENT_COLUMNS, EventRow};
use crate::db::FromRow;
use crate::org::{Directory, Org};
use crate::{Backend, Result, Store, StoreError, audited, bulk_placeholders, parse_ts, ts};
use chrono::{DateTime, Utc};
use resolve::check_write;
use resolve::not_found;
pub(crate) use resolve::opening;
use resolve::out_of_scope_filing;
use resolve::resolve_approver;
pub(crate) use resolve::resolve_filing;
use serde::Serialize;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use tianping_domain::access::{self, Person};
use tianping_domain::case_number::{self};
use tianping_domain::event::{check_filing_date, check_sizes};
use tianping_domain::history::{Recorded, check_correction, fold};
use tianping_domain::{AgencyKind, CaseState, EventBody, EventRecord, EventRejection, OrgScope};
pub(crate) use write::projection_text;

/// Records per transaction.
pub const CHUNK: usize = 10_000;

/// A record with the line it came from (1-based; the index in a JSON batch).
#[derive(Debug, Clone)]
pub struct Numbered {
    pub line: u64,
    pub record: EventRecord,
}

/// Who writes, recorded as the events' `recorded_by`: a person within their organisation's scope,
/// an agency's system client within its organisation's scope, or the operator (CLI import, demo),
/// who may write anywhere.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    /// Where the actor may write (`None`: anywhere).
    pub scope: Option<OrgScope>,
    /// Set when a person writes (UI or API session): what they record is checked by
    /// [`access::may_record`] — an approval they record must be their own, and is recorded as
    /// given for `person_org` (their organisation).
    pub person: Option<Person>,
    pub person_org: Option<String>,
}

impl Actor {
    /// The operator (CLI import, demo): anywhere, recorded under `name`.
    pub fn system(name: impl Into<String>) -> Actor {
        Actor {
            name: name.into(),
            scope: None,
            person: None,
            person_org: None,
        }
    }

    /// A person acting in their organisation's scope; recorded as `user:<username>`. The caller
    /// has checked that their role records events.
    pub fn person(p: Person, org: &Org) -> Actor {
        Actor {
            name: format!("user:{}", p.username),
            scope: Some(org.scope()),
            person: Some(p),
            person_org: Some(org.id.clone()),
        }
    }

    /// An agency's system client (machine credentials), in its organisation's scope; recorded as
    /// `system:<name>`. It carries the approvals its agency's own system recorded, naming the
    /// approving organisation by id.
    pub fn agency_system(name: &str, scope: OrgScope) -> Actor {
        Actor {
            name: format!("system:{name}"),
            scope: Some(scope),
            person: None,
            person_org: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Rejection {
    pub line: u64,
    pub source_event_id: String,
    pub case_number: String,
    pub code: &'static str,
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct IngestReport {
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: Vec<Rejection>,
    /// Where the time went (for benchmarks and logs).
    #[serde(skip)]
    pub timings: IngestTimings,
}

/// Wall time per phase of ingest, summed over chunks.
#[derive(Debug, Default, Clone, Copy)]
pub struct IngestTimings {
    /// Loading the touched cases and their stored event ids.
    pub lookup: std::time::Duration,
    /// Domain validation and state folding.
    pub apply: std::time::Duration,
    /// Writing cases and events (including the clock rows).
    pub write: std::time::Duration,
    /// Of `write`: re-computing and replacing the touched cases' clock rows.
    pub clocks: std::time::Duration,
    /// Of `write`: computing and replacing the touched cases' process-node rows (流程节点) and
    /// risk-point hits.
    pub nodes: std::time::Duration,
    /// Of `write`: the ledger (digests of the written rows, leaves, subtrees, head).
    pub ledger: std::time::Duration,
    /// Of `write`: evaluating the 四类案件 flag rules and raising new flags.
    pub flags: std::time::Duration,
    /// Of `write`: the pre-aggregated metrics (facts and totals of the touched cases).
    pub metrics: std::time::Duration,
    /// Of `write`: inserting the new cases' rows and updating the changed ones'.
    pub cases: std::time::Duration,
    /// Of `write`: the persons the touched files name (`person_links`).
    pub persons: std::time::Duration,
    /// Of `write`: inserting the event rows (their leaves are `ledger`).
    pub events: std::time::Duration,
    pub commit: std::time::Duration,
}

impl IngestReport {
    pub fn merge(&mut self, o: IngestReport) {
        self.accepted += o.accepted;
        self.duplicates += o.duplicates;
        self.rejected.extend(o.rejected);
        self.timings.lookup += o.timings.lookup;
        self.timings.apply += o.timings.apply;
        self.timings.write += o.timings.write;
        self.timings.clocks += o.timings.clocks;
        self.timings.nodes += o.timings.nodes;
        self.timings.commit += o.timings.commit;
        self.timings.ledger += o.timings.ledger;
        self.timings.flags += o.timings.flags;
        self.timings.metrics += o.timings.metrics;
        self.timings.cases += o.timings.cases;
        self.timings.persons += o.timings.persons;
        self.timings.events += o.timings.events;
    }
}

struct Work {
    id: Option<i64>,
    case_number: String,
    org_id: String,
    agency_kind: AgencyKind,
    region_path: String,
    year: Option<i64>,
    state: CaseState,
    dirty: bool,
}

struct Pending {
    case_number: String,
    source: String,
    source_event_id: String,
    kind: &'static str,
    occurred_at: String,
    corrects: Option<String>,
    body: String,
}

fn snake<T: Serialize>(t: &T) -> String {
    match serde_json::to_value(t) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Why a record was not applied: it is rejected (reported with its line; its neighbours go on)
/// or the store failed (the chunk fails and rolls back).
enum Refused {
    Record(EventRejection),
    Store(StoreError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        Refused::Store(e)
    }
}

impl From<sqlx::Error> for Refused {
    fn from(e: sqlx::Error) -> Self {
        Refused::Store(e.into())
    }
}

/// The outcome of applying one record.
type Step = std::result::Result<(), Refused>;

struct Chunk<'a> {
    tx: crate::write::Write,
    dir: &'a Directory,
    actor: &'a Actor,
    now: DateTime<Utc>,
    cases: HashMap<String, Work>,
    pending: Vec<Pending>,
    backend: Backend,
    clockwork: &'a crate::clocks::Clockwork,
    /// Where the write phase's time went (the parts of `write` in [`IngestTimings`]).
    spent: IngestTimings,
    flags: &'a tianping_domain::flag::FlagRules,
    /// Cases created in this chunk (their rows are inserted at flush).
    created: HashSet<String>,
    /// Cases re-folded after a correction in this chunk (their person links are rebuilt).
    refolded: HashSet<String>,
}

/// What an already used `(source, source_event_id)` was used for: enough to tell a re-sent
/// record (a duplicate) from a different record under the same id (a conflict).
struct Seen {
    case_number: String,
    occurred_at: String,
    corrects: Option<String>,
    body: Option<EventBody>,
}

impl Seen {
    fn of(rec: &EventRecord, number: &str) -> Seen {
        Seen {
            case_number: number.to_string(),
            occurred_at: ts(rec.occurred_at.with_timezone(&Utc)),
            corrects: rec.corrects.clone(),
            body: Some(rec.body.clone()),
        }
    }

    fn same_as(&self, rec: &EventRecord, number: &str) -> bool {
        self.case_number == number
            && self.occurred_at == ts(rec.occurred_at.with_timezone(&Utc))
            && self.corrects == rec.corrects
            && self.body.as_ref() == Some(&rec.body)
    }
}

/// Longest `source` or `source_event_id` accepted (the low finding: a 1 MB event id).
const MAX_ID_CHARS: usize = 128;

const CASE_LOAD: &str =
    "SELECT id, case_number, org_id, agency_kind, region_path, year, state FROM cases";

impl Chunk<'_> {
    async fn load_cases(&mut self, numbers: &[String]) -> Result<()> {
        let wanted: Vec<&String> = numbers
            .iter()
            .filter(|n| !self.cases.contains_key(*n))
            .collect();
        for part in wanted.chunks(500) {
            let sql = format!(
                "{CASE_LOAD} WHERE case_number IN ({})",
                bulk_placeholders(self.backend, 1, part.len())
            );
            let mut q = sqlx::query(audited(sql.clone()));
            for n in part {
                q = q.bind(n.as_str());
            }
            for r in q.fetch_all(&mut *self.tx).await? {
                let kind: String = r.try_get("agency_kind")?;
                let state: String = r.try_get("state")?;
                let w = Work {
                    id: Some(r.try_get("id")?),
                    case_number: r.try_get("case_number")?,
                    org_id: r.try_get("org_id")?,
                    agency_kind: AgencyKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("agency kind {kind:?}")))?,
                    region_path: r.try_get("region_path")?,
                    year: r.try_get("year")?,
                    state: serde_json::from_str(&state)
                        .map_err(|e| StoreError::Corrupt(format!("case state: {e}")))?,
                    dirty: false,
                };
                let mut w = w;
                // Cases stored before the venue was recorded get it on their next write.
                if w.state.venue.is_none() {
                    w.state.venue = self.dir.get(&w.org_id).map(Org::to_ref);
                }
                self.cases.insert(w.case_number.clone(), w);
            }
        }
        Ok(())
    }

    /// The stored events under the chunk's `(source, source_event_id)` keys, on any case.
    async fn stored_keys(&mut self, chunk: &[Numbered]) -> Result<HashMap<(String, String), Seen>> {
        let mut by_source: HashMap<&str, Vec<&str>> = HashMap::new();
        for n in chunk {
            let r = &n.record;
            if r.source.chars().count() <= MAX_ID_CHARS
                && r.source_event_id.chars().count() <= MAX_ID_CHARS
            {
                by_source
                    .entry(r.source.as_str())
                    .or_default()
                    .push(r.source_event_id.as_str());
            }
        }
        let mut out = HashMap::new();
        for (source, ids) in by_source {
            for part in ids.chunks(2000) {
                // PostgreSQL: the ids as one JSON array joined to the unique index — a long IN
                // list is planned as a scan of every event of the source while the table has no
                // statistics yet (bulk import), 130 ms a query at 1M events. SQLite: an IN list.
                let q = match self.backend {
                    Backend::Postgres => sqlx::query(
                        "SELECT e.source_event_id, c.case_number, e.occurred_at, e.corrects, e.body \
                         FROM json_array_elements_text($2::json) AS k(id) \
                         JOIN events e ON e.source = $1 AND e.source_event_id = k.id \
                         JOIN cases c ON c.id = e.case_id",
                    )
                    .bind(source)
                    .bind(serde_json::to_string(part).map_err(|e| StoreError::Invalid(e.to_string()))?),
                    Backend::Sqlite => {
                        let sql = format!(
                            "SELECT e.source_event_id, c.case_number, e.occurred_at, e.corrects, e.body \
                             FROM events e JOIN cases c ON c.id = e.case_id \
                             WHERE e.source = ? AND e.source_event_id IN ({})",
                            bulk_placeholders(self.backend, 2, part.len())
                        );
                        let mut q = sqlx::query(audited(sql)).bind(source);
                        for id in part {
                            q = q.bind(*id);
                        }
                        q
                    }
                };
                for r in q.fetch_all(&mut *self.tx).await? {
                    let body: String = r.try_get(4)?;
                    out.insert(
                        (source.to_string(), r.try_get::<String, _>(0)?),
                        Seen {
                            case_number: r.try_get(1)?,
                            occurred_at: r.try_get(2)?,
                            corrects: r.try_get(3)?,
                            body: serde_json::from_str(&body).ok(),
                        },
                    );
                }
            }
        }
        Ok(out)
    }

    /// A record whose `(source, source_event_id)` was used before: the same record again is a
    /// duplicate (`Ok(true)`), anything else a conflict (finding H4). The answer is the same
    /// whether the earlier use is in the writer's scope or not, and a duplicate on a case the
    /// writer may not write is "not found", as any record on such a case is.
    fn repeat(
        &self,
        prev: &Seen,
        rec: &EventRecord,
        number: &str,
    ) -> std::result::Result<bool, EventRejection> {
        if prev.same_as(rec, number) {
            if let Some(w) = self.cases.get(number)
                && !check_write(self.actor, w.agency_kind, &w.region_path)
            {
                // What the record would have got without the earlier use.
                return Err(match rec.body {
                    EventBody::Filed(_) => out_of_scope_filing(),
                    _ => not_found(&rec.case_number),
                });
            }
            return Ok(true);
        }
        Err(EventRejection::new(
            "source_event_id_conflict",
            "source_event_id",
            format!(
                "来源“{}”的事件编号“{}”已用于另一条内容不同的事件；同一编号只能对应同一事件",
                rec.source, rec.source_event_id
            ),
        ))
    }

    fn push_event(
        &mut self,
        case_number: String,
        rec: &EventRecord,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.pending.push(Pending {
            case_number,
            source: rec.source.clone(),
            source_event_id: rec.source_event_id.clone(),
            kind: rec.body.kind(),
            occurred_at: ts(at),
            corrects: rec.corrects.clone(),
            body: serde_json::to_string(&rec.body)
                .map_err(|e| StoreError::Invalid(e.to_string()))?,
        });
        Ok(())
    }

    /// Applies one record to the in-memory state; the caller buffers nothing on refusal.
    /// `number` is the record's case number in stored form (`case_number::normalize`).
    async fn apply(&mut self, rec: &EventRecord, number: String) -> Step {
        let at = rec.occurred_at.with_timezone(&Utc);
        if rec.source.trim().is_empty() || rec.source_event_id.trim().is_empty() {
            return Err(Refused::Record(EventRejection::new(
                "field_empty",
                "source_event_id",
                "来源系统及其事件编号不能为空",
            )));
        }
        for (field, v) in [
            ("source", &rec.source),
            ("source_event_id", &rec.source_event_id),
        ] {
            if v.chars().count() > MAX_ID_CHARS {
                return Err(Refused::Record(EventRejection::new(
                    "field_too_long",
                    field,
                    format!("不能超过 {MAX_ID_CHARS} 个字符"),
                )));
            }
        }
        if let Err(e) = check_sizes(&rec.body) {
            return Err(Refused::Record(e));
        }
        if let Some(p) = &self.actor.person
            && let Err(e) = access::may_record(p, &rec.body)
        {
            return Err(Refused::Record(e));
        }
        if let Some(target) = &rec.corrects {
            return self.correct(rec, number, target, at).await;
        }
        if let EventBody::Filed(f) = &rec.body {
            let r = match resolve_filing(&rec.case_number, f, self.dir) {
                Ok(r) => r,
                Err(e) => return Err(Refused::Record(e)),
            };
            // Scope before existence: a filing outside the writer's scope gets the same answer
            // whether or not the number is taken there.
            if !check_write(self.actor, r.agency_kind, &r.region_path) {
                return Err(Refused::Record(out_of_scope_filing()));
            }
            if self.cases.contains_key(&r.case_number) {
                return Err(Refused::Record(EventRejection::new(
                    "case_exists",
                    "case_number",
                    "该案号已立案",
                )));
            }
            if let Err(e) = check_filing_date(at, r.year) {
                return Err(Refused::Record(e));
            }
            let procedure = opening(r.type_code.as_deref());
            let mut state =
                match CaseState::open(f, r.kind, procedure, r.type_code.clone(), at, self.now) {
                    Ok(s) => s,
                    Err(e) => return Err(Refused::Record(e)),
                };
            state.venue = self.dir.get(&r.org_id).map(Org::to_ref);
            self.push_event(r.case_number.clone(), rec, at)?;
            self.created.insert(r.case_number.clone());
            self.cases.insert(
                r.case_number.clone(),
                Work {
                    id: None,
                    case_number: r.case_number,
                    org_id: r.org_id,
                    agency_kind: r.agency_kind,
                    region_path: r.region_path,
                    year: r.year,
                    state,
                    dirty: true,
                },
            );
            return Ok(());
        }
        let now = self.now;
        let actor = self.actor;
        let Some(w) = self.cases.get_mut(&number) else {
            return Err(Refused::Record(not_found(&rec.case_number)));
        };
        if !check_write(actor, w.agency_kind, &w.region_path) {
            return Err(Refused::Record(not_found(&rec.case_number)));
        }
        if let Err(e) = w.state.apply(&rec.body, at, now) {
            return Err(Refused::Record(e));
        }
        w.dirty = true;
        self.push_event(number, rec, at)?;
        Ok(())
    }

    async fn correct(
        &mut self,
        rec: &EventRecord,
        number: String,
        target: &str,
        at: DateTime<Utc>,
    ) -> Step {
        self.flush().await?;
        let Some(w) = self.cases.get(&number) else {
            return Err(Refused::Record(not_found(&rec.case_number)));
        };
        if !check_write(self.actor, w.agency_kind, &w.region_path) {
            return Err(Refused::Record(not_found(&rec.case_number)));
        }
        if matches!(rec.body, EventBody::Filed(_))
            && let Err(e) = check_filing_date(at, w.year)
        {
            return Err(Refused::Record(e));
        }
        let Some(id) = w.id else {
            return Err(StoreError::Corrupt("flushed case without id".into()).into());
        };
        let rows = sqlx::query(audited(format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE case_id = $1 ORDER BY id"
        )))
        .bind(id)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut history = Vec::with_capacity(rows.len() + 1);
        for r in &rows {
            let e = EventRow::from_row(r)?;
            history.push(Recorded {
                source: e.source,
                source_event_id: e.source_event_id,
                occurred_at: parse_ts(&e.occurred_at)?,
                corrects: e.corrects,
                body: serde_json::from_str(&e.body)
                    .map_err(|x| StoreError::Corrupt(format!("event {}: {x}", e.id)))?,
            });
        }
        let Some(t) = history
            .iter()
            .position(|e| e.source == rec.source && e.source_event_id == target)
        else {
            return Err(Refused::Record(EventRejection::new(
                "correction_target_unknown",
                "corrects",
                format!("本案没有来源“{}”编号为“{target}”的事件", rec.source),
            )));
        };
        if let Err(e) = check_correction(&history[t].body, &rec.body) {
            return Err(Refused::Record(e));
        }
        history.push(Recorded {
            source: rec.source.clone(),
            source_event_id: rec.source_event_id.clone(),
            occurred_at: at,
            corrects: rec.corrects.clone(),
            body: rec.body.clone(),
        });
        let kind = w.state.kind;
        let type_code = w.state.type_code.clone();
        let procedure = opening(type_code.as_deref());
        let now = self.now;
        let folded = fold(
            &history,
            |f, at| CaseState::open(f, kind, procedure, type_code.clone(), at, now),
            now,
        );
        let mut state = match folded {
            Ok(s) => s,
            Err((i, e)) if i + 1 == history.len() => return Err(Refused::Record(e)),
            Err((i, e)) => {
                return Err(Refused::Record(EventRejection::new(
                    "correction_breaks_history",
                    "corrects",
                    format!(
                        "更正后，本案第 {} 个事件“{}”不再成立：{}",
                        i + 1,
                        history[i].body.zh(),
                        e
                    ),
                )));
            }
        };
        if let Some(w) = self.cases.get_mut(&number) {
            state.venue = w.state.venue.take();
            w.state = state;
            w.dirty = true;
        }
        self.refolded.insert(number.clone());
        self.push_event(number, rec, at)?;
        Ok(())
    }
}

/// Writes that commit with an ingested event ([`Store::ingest_then`]).
pub(crate) type Then<'a> = Box<
    dyn for<'c> FnOnce(
            &'c mut crate::write::Write,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<()>> + Send + 'c>,
        > + Send
        + 'a,
>;

impl Store {
    /// Ingests records in order. See the module documentation for the atomicity contract.
    pub async fn ingest(
        &self,
        records: &[Numbered],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<IngestReport> {
        self.ingest_with(records, actor, now, true).await
    }

    /// [`Store::ingest`] without ledger leaves — **only** for `tianping bench ledger`, which
    /// measures the ledger's cost on ingest by ingesting the same events into two fresh
    /// databases, without and with it. A database written so fails `ledger verify` on every
    /// event; nothing else calls this.
    #[doc(hidden)]
    pub async fn ingest_without_ledger_for_benchmark(
        &self,
        records: &[Numbered],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<IngestReport> {
        self.ingest_with(records, actor, now, false).await
    }

    /// Ingests one event and, in the same transaction, `then`'s writes — only if the event was
    /// accepted (or was already stored: a retry), so a record that the event belongs to (a
    /// deputy's result) commits with it or not at all.
    pub(crate) async fn ingest_then(
        &self,
        record: Numbered,
        actor: &Actor,
        now: DateTime<Utc>,
        then: Then<'_>,
    ) -> Result<IngestReport> {
        self.ingest_chunk(std::slice::from_ref(&record), actor, now, true, Some(then))
            .await
    }

    async fn ingest_with(
        &self,
        records: &[Numbered],
        actor: &Actor,
        now: DateTime<Utc>,
        ledgered: bool,
    ) -> Result<IngestReport> {
        let mut report = IngestReport::default();
        for chunk in records.chunks(CHUNK) {
            report.merge(self.ingest_chunk(chunk, actor, now, ledgered, None).await?);
        }
        Ok(report)
    }

    async fn ingest_chunk(
        &self,
        chunk: &[Numbered],
        actor: &Actor,
        now: DateTime<Utc>,
        ledgered: bool,
        then: Option<Then<'_>>,
    ) -> Result<IngestReport> {
        // The rules in force as of the database's generation, held for the transaction: a chunk
        // never commits clocks computed from an older snapshot (module in_force).
        let mut attempts = 0;
        let (rules, tx) = loop {
            self.refresh().await?;
            let rules = self.in_force();
            // On SQLite the chunk takes the write lock at once: it will write, and a deferred
            // transaction that read first could not upgrade if another writer committed meanwhile.
            let mut tx = self.write_with(now, ledgered).await?;
            let held = crate::generation::hold_generation(&mut tx).await?;
            if rules.generation == Some(held) {
                break (rules, tx);
            }
            tx.rollback().await?;
            attempts += 1;
            if attempts == 5 {
                return Err(StoreError::Invalid(
                    "the rules in force changed five times while an import chunk waited; try again"
                        .into(),
                ));
            }
        };
        // Clocks are written by the rules in force in the database, or not at all.
        if let Some(c) = self.rules_conflict().await? {
            tx.rollback().await?;
            return Err(StoreError::Invalid(c.to_string()));
        }
        let dir = match &rules.orgs {
            Some(d) => d.clone(),
            None => self.org_directory().await?,
        };
        let clockwork = rules.clockwork.clone();
        let supervision = rules.supervision.clone();
        let mut report = IngestReport::default();
        let mut c = Chunk {
            tx,
            dir: &dir,
            actor,
            now,
            cases: HashMap::new(),
            pending: vec![],
            backend: self.backend,
            clockwork: &clockwork,
            spent: IngestTimings::default(),
            flags: &supervision.flags,
            created: HashSet::new(),
            refolded: HashSet::new(),
        };
        // Each record's case number in stored form, parsed once per record.
        let normalized: Vec<String> = chunk
            .iter()
            .map(|n| case_number::normalize(&n.record.case_number))
            .collect();
        let numbers: Vec<String> = normalized
            .iter()
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let t = std::time::Instant::now();
        c.load_cases(&numbers).await?;
        // Idempotency: the stored events with the chunk's (source, id) keys, on whatever case
        // (unique index on (source, source_event_id)).
        let existing = c.stored_keys(chunk).await?;
        report.timings.lookup += t.elapsed();
        let t = std::time::Instant::now();
        let mut seen: HashMap<(String, String), Seen> = HashMap::new();
        for (n, number) in chunk.iter().zip(normalized) {
            let key = (n.record.source.clone(), n.record.source_event_id.clone());
            let earlier = existing.get(&key).or_else(|| seen.get(&key));
            let outcome = match resolve_approver(&n.record, c.actor, c.dir) {
                Err(e) => Err(e),
                Ok(rec) => match earlier {
                    Some(prev) => c.repeat(prev, &rec, &number),
                    None => {
                        let seen_as = Seen::of(&rec, &number);
                        match c.apply(&rec, number).await {
                            Ok(()) => {
                                seen.insert(key, seen_as);
                                Ok(false)
                            }
                            Err(Refused::Record(e)) => Err(e),
                            Err(Refused::Store(e)) => return Err(e),
                        }
                    }
                },
            };
            match outcome {
                Ok(true) => report.duplicates += 1,
                Ok(false) => report.accepted += 1,
                Err(e) => report.rejected.push(Rejection {
                    line: n.line,
                    source_event_id: n.record.source_event_id.clone(),
                    case_number: n.record.case_number.clone(),
                    code: e.code,
                    field: e.field,
                    reason: e.reason,
                }),
            }
        }
        report.timings.apply += t.elapsed();
        let t = std::time::Instant::now();
        c.flush().await?;
        report.timings.write += t.elapsed();
        report.timings = IngestTimings {
            lookup: report.timings.lookup,
            apply: report.timings.apply,
            write: report.timings.write,
            ..c.spent
        };
        if let Some(then) = then
            && report.rejected.is_empty()
        {
            then(&mut c.tx).await?;
        }
        let t = std::time::Instant::now();
        c.tx.commit().await?;
        report.timings.commit += t.elapsed();
        Ok(report)
    }
}
