//! What the ledger records: each ledgered table (its key, the columns a leaf digests, what a
//! confidential row hides) and reading those columns back for a leaf or a verification.

use crate::{Backend, Result, StoreError, audited, bulk_placeholders};
use sqlx::Row;
use tianping_ledger::Command;

/// How a ledgered table's rows are read for their digest.
pub struct Entity {
    pub table: &'static str,
    /// The key column and whether it is an integer.
    pub key: &'static str,
    pub int_key: bool,
    /// The recorded columns, in digest order (operational columns such as login counters or
    /// the next escalation time are not recorded).
    pub columns: &'static [&'static str],
    /// When a row is confidential (its leaf then carries a salted digest).
    pub confidential: Confidential,
    /// The command that creates a row (used when an existing database first gets a ledger).
    pub created_by: Command,
    /// A column of the row holding the index of its leaf (events: written with the row).
    pub pointer: Option<&'static str>,
}

#[derive(Clone, Copy)]
pub enum Confidential {
    Never,
    Always,
    /// The row belongs to a case (`case_id`) whose confidentiality is not public.
    ByCase,
}

pub const ENTITIES: &[Entity] = &[
    Entity {
        table: "events",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "source",
            "source_event_id",
            "kind",
            "occurred_at",
            "recorded_at",
            "recorded_by",
            "corrects",
            "body",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::EventRecorded,
        pointer: Some("leaf"),
    },
    Entity {
        table: "orgs",
        key: "id",
        int_key: false,
        columns: &[
            "parent_id",
            "name",
            "kind",
            "level",
            "region_code",
            "region_path",
            "court_code",
        ],
        confidential: Confidential::Never,
        created_by: Command::OrgAdded,
        pointer: None,
    },
    Entity {
        table: "users",
        key: "id",
        int_key: true,
        columns: &[
            "username",
            "display_name",
            "org_id",
            "role",
            "clearance",
            "email",
            "password_hash",
            "digest_cadence",
            "created_at",
        ],
        confidential: Confidential::Always,
        created_by: Command::UserAdded,
        pointer: None,
    },
    Entity {
        table: "warnings",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "clock_key",
            "category",
            "threshold",
            "due_date",
            "region_path",
            "org_id",
            "created_at",
            "level",
            "acknowledged_at",
            "acknowledged_by",
        ],
        confidential: Confidential::Never,
        created_by: Command::WarningRaised,
        pointer: None,
    },
    Entity {
        table: "letters",
        key: "id",
        int_key: true,
        columns: &[
            "number",
            "kind",
            "case_id",
            "warning_id",
            "org_id",
            "year",
            "seq",
            "issued_by",
            "issued_at",
            "body",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::LetterIssued,
        pointer: None,
    },
    Entity {
        table: "letter_drafts",
        key: "id",
        int_key: true,
        columns: &[
            "kind",
            "case_id",
            "warning_id",
            "org_id",
            "drafted_by",
            "drafted_at",
            "addressee",
            "reply_by",
            "body",
            "state",
            "decided_by",
            "decided_at",
            "note",
            "letter_id",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::LetterDrafted,
        pointer: None,
    },
    Entity {
        table: "clock_changes",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "clock_key",
            "old_due",
            "new_due",
            "old_rule",
            "new_rule",
            "reason",
            "region_path",
            "changed_at",
            "acknowledged_at",
            "acknowledged_by",
        ],
        confidential: Confidential::Never,
        created_by: Command::ClockDueMoved,
        pointer: None,
    },
    Entity {
        table: "calendar_years",
        key: "year",
        int_key: true,
        columns: &["toml", "imported_at", "imported_by"],
        confidential: Confidential::Never,
        created_by: Command::CalendarImported,
        pointer: None,
    },
    Entity {
        table: "engine_state",
        key: "key",
        int_key: false,
        columns: &["value"],
        confidential: Confidential::Never,
        created_by: Command::EngineStateSet,
        pointer: None,
    },
    Entity {
        table: "retrieval_reports",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "created_by",
            "created_at",
            "query_facts",
            "query_charges",
            "filters",
            "snapshot_last_id",
            "snapshot_count",
            "ranking_version",
            "results",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::RetrievalReportSaved,
        pointer: None,
    },
    Entity {
        table: "admin_actions",
        key: "id",
        int_key: true,
        columns: &["actor", "action", "target", "detail", "at"],
        confidential: Confidential::Never,
        created_by: Command::AdminActionRecorded,
        pointer: None,
    },
    Entity {
        table: "system_clients",
        key: "id",
        int_key: true,
        columns: &[
            "name",
            "org_id",
            "token_hash",
            "created_by",
            "created_at",
            "revoked_by",
            "revoked_at",
        ],
        confidential: Confidential::Always,
        created_by: Command::SystemClientAdded,
        pointer: None,
    },
    Entity {
        table: "deviation_warnings",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "event_id",
            "charge",
            "decided_months",
            "low_months",
            "high_months",
            "above",
            "peers",
            "region_path",
            "org_id",
            "created_at",
            "acknowledged_at",
            "acknowledged_by",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::DeviationWarned,
        pointer: None,
    },
    Entity {
        table: "case_flags",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "situation",
            "category",
            "source",
            "rule",
            "reason",
            "rules_version",
            "flagged_by",
            "flagged_at",
            "cleared_at",
            "cleared_by",
            "clear_reason",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::FlagRaised,
        pointer: None,
    },
    Entity {
        table: "supervision_acts",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "act",
            "permitted",
            "content",
            "actor_id",
            "actor_role",
            "at",
            "answer",
            "answered_by",
            "answered_at",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::SupervisionActRecorded,
        pointer: None,
    },
    Entity {
        table: "interference_records",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "org_id",
            "region_path",
            "recorded_by",
            "recorded_at",
            "source",
            "person_name",
            "person_unit",
            "person_position",
            "channel",
            "occurred_at",
            "content",
            "materials",
            "outcome",
            "response",
            "by_system",
        ],
        confidential: Confidential::Always,
        created_by: Command::InterferenceRecorded,
        pointer: None,
    },
    Entity {
        table: "zero_reports",
        key: "id",
        int_key: true,
        columns: &["user_id", "org_id", "region_path", "period", "submitted_at"],
        confidential: Confidential::Never,
        created_by: Command::ZeroReportSubmitted,
        pointer: None,
    },
    Entity {
        table: "supervision_items",
        key: "id",
        int_key: true,
        columns: &[
            "number",
            "org_id",
            "region_path",
            "opened_by",
            "opened_at",
            "source",
            "source_ref",
            "case_id",
            "title",
            "description",
            "responsible_org_id",
            "responsible_path",
            "state",
            "stage_started_at",
            "stage_due_at",
            "rectify_due_at",
            "rectifier_id",
            "verifier_id",
            "closed_at",
            "revisit_due_at",
            "revisited_at",
            "referral_id",
            "project_id",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::ItemOpened,
        pointer: None,
    },
    Entity {
        table: "supervision_steps",
        key: "id",
        int_key: true,
        columns: &[
            "item_id",
            "action",
            "from_state",
            "to_state",
            "actor_id",
            "note",
            "at",
        ],
        confidential: Confidential::Always,
        created_by: Command::ItemStepRecorded,
        pointer: None,
    },
    Entity {
        table: "evidence",
        key: "id",
        int_key: true,
        columns: &[
            "item_id",
            "sha256",
            "filename",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
        ],
        confidential: Confidential::Always,
        created_by: Command::EvidenceAdded,
        pointer: None,
    },
    Entity {
        table: "incident_samples",
        key: "id",
        int_key: true,
        columns: &[
            "org_id",
            "region_path",
            "drawn_by",
            "drawn_at",
            "period_from",
            "period_to",
            "size",
            "seed",
            "pool_digest",
            "pool",
            "picked",
        ],
        confidential: Confidential::Never,
        created_by: Command::IncidentSampleDrawn,
        pointer: None,
    },
    Entity {
        table: "people_supervisors",
        key: "id",
        int_key: true,
        columns: &[
            "org_id",
            "region_path",
            "user_id",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "phone",
            "email",
            "education",
            "profession",
            "expertise",
            "appointed_by",
            "term_no",
            "term_start",
            "term_end",
            "status",
            "removed_reason",
            "removed_at",
            "barred",
            "created_by",
            "created_at",
        ],
        confidential: Confidential::Never,
        created_by: Command::PeopleSupervisorAppointed,
        pointer: None,
    },
    Entity {
        table: "supervisor_activities",
        key: "id",
        int_key: true,
        columns: &[
            "org_id",
            "region_path",
            "kind",
            "mandatory",
            "title",
            "place",
            "starts_at",
            "case_id",
            "summary",
            "required",
            "expertise",
            "requested_by",
            "requested_at",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::SupervisorActivityRequested,
        pointer: None,
    },
    Entity {
        table: "supervisor_draws",
        key: "id",
        int_key: true,
        columns: &[
            "activity_id",
            "org_id",
            "setup",
            "set_by",
            "set_at",
            "state",
            "source_values",
            "outcome",
            "drawn_at",
            "aborted_reason",
            "aborted_at",
        ],
        confidential: Confidential::Never,
        created_by: Command::SupervisorDrawSet,
        pointer: None,
    },
    Entity {
        table: "supervisor_invitations",
        key: "id",
        int_key: true,
        columns: &[
            "activity_id",
            "draw_id",
            "supervisor_id",
            "place",
            "state",
            "reason",
            "acted_by",
            "acted_at",
        ],
        confidential: Confidential::Never,
        created_by: Command::SupervisorInvited,
        pointer: None,
    },
    Entity {
        table: "supervisor_opinions",
        key: "id",
        int_key: true,
        columns: &[
            "activity_id",
            "supervisor_id",
            "content",
            "filed_at",
            "due_at",
            "answer",
            "answer_reason",
            "answered_by",
            "answered_at",
        ],
        confidential: Confidential::Never,
        created_by: Command::SupervisorOpinionFiled,
        pointer: None,
    },
    Entity {
        table: "supervisor_records",
        key: "id",
        int_key: true,
        columns: &[
            "supervisor_id",
            "kind",
            "year",
            "on_date",
            "grade",
            "note",
            "recorded_by",
            "recorded_at",
        ],
        confidential: Confidential::Never,
        created_by: Command::SupervisorRecorded,
        pointer: None,
    },
    Entity {
        table: "supervisor_allowances",
        key: "id",
        int_key: true,
        columns: &[
            "supervisor_id",
            "year",
            "paid_on",
            "amount_yuan",
            "note",
            "paid_by",
            "recorded_at",
        ],
        confidential: Confidential::Never,
        created_by: Command::SupervisorAllowancePaid,
        pointer: None,
    },
    Entity {
        table: "feedback_tokens",
        key: "id",
        int_key: true,
        columns: &[
            "token_id",
            "scope",
            "court_id",
            "case_id",
            "label",
            "issued_by",
            "issued_at",
            "expires_at",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::FeedbackTokenIssued,
        pointer: None,
    },
    Entity {
        table: "feedback_ratings",
        key: "id",
        int_key: true,
        columns: &[
            "token_row",
            "court_id",
            "case_id",
            "case_kind",
            "judge",
            "level",
            "aspects",
            "comment",
            "name",
            "phone",
            "follow_up",
            "item_id",
            "rated_at",
        ],
        // A person's name, phone and words: never a plain digest a stranger could test guesses on.
        confidential: Confidential::Always,
        created_by: Command::FeedbackRated,
        pointer: None,
    },
    Entity {
        table: "dishonest_entries",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "court_id",
            "debtor_kind",
            "name",
            "id_masked",
            "ground",
            "extra_years",
            "decided_on",
            "term_end",
            "listed_by",
            "listed_at",
            "cause",
            "cause_on",
            "cause_note",
            "cause_by",
            "deleted_on",
            "deleted_by",
            "deleted_at",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::DishonestListed,
        pointer: None,
    },
    Entity {
        table: "typical_cases",
        key: "id",
        int_key: true,
        columns: &[
            "case_id",
            "court_id",
            "category",
            "title",
            "summary",
            "significance",
            "text",
            "charges",
            "proposed_by",
            "proposer_side",
            "proposed_at",
            "court_by",
            "court_at",
            "procuratorate_by",
            "procuratorate_at",
            "returned_by",
            "returned_side",
            "returned_at",
            "return_reason",
            "published_at",
            "judgment_id",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::TypicalProposed,
        pointer: None,
    },
    Entity {
        table: "feedback_decisions",
        key: "id",
        int_key: true,
        columns: &["rating_id", "kind", "note", "decided_by", "decided_at"],
        confidential: Confidential::Never,
        created_by: Command::FeedbackDecided,
        pointer: None,
    },
    Entity {
        table: "referrals",
        key: "id",
        int_key: true,
        columns: &[
            "number",
            "from_org_id",
            "to_org_id",
            "sent_by",
            "sent_at",
            "subject",
            "content",
            "case_id",
            "responsible_org_id",
            "state",
            "ack_due_at",
            "acknowledged_at",
            "acknowledged_by",
            "decide_due_at",
            "decided_at",
            "decided_by",
            "decision_note",
            "item_id",
            "result",
            "result_shared_at",
            "result_shared_by",
            "result_accepted_at",
            "result_accepted_by",
        ],
        confidential: Confidential::ByCase,
        created_by: Command::ReferralSent,
        pointer: None,
    },
    Entity {
        table: "projects",
        key: "id",
        int_key: true,
        columns: &[
            "title",
            "lead_org_id",
            "plan",
            "state",
            "created_by",
            "created_at",
            "started_at",
            "closed_at",
            "final_report",
        ],
        confidential: Confidential::Never,
        created_by: Command::ProjectCreated,
        pointer: None,
    },
    Entity {
        table: "project_members",
        key: "id",
        int_key: true,
        columns: &["project_id", "org_id", "role", "added_at"],
        confidential: Confidential::Never,
        created_by: Command::ProjectMemberAdded,
        pointer: None,
    },
    Entity {
        table: "project_tasks",
        key: "id",
        int_key: true,
        columns: &[
            "project_id",
            "title",
            "org_id",
            "due_at",
            "done_at",
            "done_by",
            "done_note",
        ],
        confidential: Confidential::Never,
        created_by: Command::ProjectTaskAdded,
        pointer: None,
    },
    Entity {
        table: "project_reports",
        key: "id",
        int_key: true,
        columns: &["project_id", "kind", "content", "by_user", "at"],
        confidential: Confidential::Never,
        created_by: Command::ProjectReportFiled,
        pointer: None,
    },
];

pub fn entity(table: &str) -> Option<&'static Entity> {
    ENTITIES.iter().find(|e| e.table == table)
}

pub(crate) fn entity_of(command: Command) -> Result<&'static Entity> {
    entity(command.entity()).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "command {} has no ledgered table",
            command.as_str()
        ))
    })
}

/// A row key: integer or text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Int(i64),
    Text(String),
}

impl Key {
    pub(crate) fn as_ref_string(&self) -> String {
        match self {
            Key::Int(i) => i.to_string(),
            Key::Text(s) => s.clone(),
        }
    }
}

impl From<i64> for Key {
    fn from(i: i64) -> Key {
        Key::Int(i)
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key::Text(s.to_string())
    }
}

/// The SELECT list reading a row's key, its recorded columns as text, and its confidentiality.
pub(crate) fn select_list(e: &Entity) -> String {
    let mut cols = vec![format!("CAST({} AS TEXT)", e.key)];
    for c in e.columns {
        cols.push(format!("CAST({c} AS TEXT)"));
    }
    cols.push(match e.confidential {
        Confidential::Never => "CAST(0 AS BIGINT)".into(),
        Confidential::Always => "CAST(1 AS BIGINT)".into(),
        Confidential::ByCase => format!(
            "CASE WHEN (SELECT confidentiality FROM cases c WHERE c.id = {}.case_id) = 'public' THEN CAST(0 AS BIGINT) ELSE CAST(1 AS BIGINT) END",
            e.table
        ),
    });
    cols.join(", ")
}

/// One read row: key text, recorded columns, confidential.
type ReadRow = (String, Vec<Option<String>>, bool);

pub(crate) fn read_row(e: &Entity, r: &sqlx::any::AnyRow) -> Result<ReadRow> {
    let key: String = r.try_get(0)?;
    let mut fields = Vec::with_capacity(e.columns.len());
    for i in 0..e.columns.len() {
        fields.push(r.try_get::<Option<String>, _>(i + 1)?);
    }
    let conf: i64 = r.try_get(e.columns.len() + 1)?;
    Ok((key, fields, conf != 0))
}

pub(crate) async fn read_rows(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    e: &Entity,
    keys: &[Key],
) -> Result<Vec<ReadRow>> {
    let mut out = Vec::with_capacity(keys.len());
    for part in keys.chunks(1000) {
        let sql = format!(
            "SELECT {} FROM {} WHERE {} IN ({})",
            select_list(e),
            e.table,
            e.key,
            bulk_placeholders(backend, 1, part.len())
        );
        let mut q = sqlx::query(audited(sql));
        for k in part {
            q = match k {
                Key::Int(i) => q.bind(*i),
                Key::Text(s) => q.bind(s.clone()),
            };
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(read_row(e, &r)?);
        }
    }
    Ok(out)
}
