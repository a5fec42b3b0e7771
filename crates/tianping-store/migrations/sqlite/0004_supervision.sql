-- Supervision (SQLite): 四类案件 flags, 院庭长 supervision acts, interference records (三个规定) and
-- zero reports, supervision items with their steps and evidence, referrals between 人大 and 政法委,
-- joint supervision projects. Every table here is ledgered (ledger::ENTITIES) except the evidence
-- blobs, which are addressed by the SHA-256 recorded in `evidence`.
CREATE TABLE case_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    situation TEXT NOT NULL,
    category BIGINT NOT NULL,
    source TEXT NOT NULL,
    rule TEXT,
    reason TEXT NOT NULL,
    rules_version TEXT,
    flagged_by TEXT NOT NULL,
    flagged_at TEXT NOT NULL,
    cleared_at TEXT,
    cleared_by TEXT,
    clear_reason TEXT
);
CREATE INDEX case_flags_case ON case_flags(case_id);
CREATE UNIQUE INDEX case_flags_active ON case_flags(case_id, situation) WHERE cleared_at IS NULL;

CREATE TABLE supervision_acts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    act TEXT NOT NULL,
    permitted BIGINT NOT NULL,
    content TEXT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES users(id),
    actor_role TEXT NOT NULL,
    at TEXT NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id),
    answered_at TEXT
);
CREATE INDEX supervision_acts_case ON supervision_acts(case_id);

CREATE TABLE interference_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT REFERENCES cases(id),
    org_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    source TEXT NOT NULL,
    person_name TEXT NOT NULL,
    person_unit TEXT NOT NULL,
    person_position TEXT NOT NULL,
    channel TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    content TEXT NOT NULL,
    materials TEXT NOT NULL,
    outcome TEXT NOT NULL,
    response TEXT NOT NULL,
    by_system BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX interference_scope ON interference_records(region_path, occurred_at);
CREATE INDEX interference_case ON interference_records(case_id);

CREATE TABLE zero_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    org_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    period TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    UNIQUE (user_id, period)
);

CREATE TABLE supervision_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    opened_by BIGINT NOT NULL REFERENCES users(id),
    opened_at TEXT NOT NULL,
    source TEXT NOT NULL,
    source_ref TEXT,
    case_id BIGINT REFERENCES cases(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    responsible_org_id TEXT REFERENCES orgs(id),
    responsible_path TEXT,
    state TEXT NOT NULL,
    stage_started_at TEXT NOT NULL,
    stage_due_at TEXT,
    rectify_due_at TEXT,
    rectifier_id BIGINT REFERENCES users(id),
    verifier_id BIGINT REFERENCES users(id),
    closed_at TEXT,
    revisit_due_at TEXT,
    revisited_at TEXT,
    referral_id BIGINT,
    project_id BIGINT,
    escalation_level BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX supervision_items_scope ON supervision_items(region_path);
CREATE INDEX supervision_items_responsible ON supervision_items(responsible_path);
CREATE INDEX supervision_items_due ON supervision_items(stage_due_at) WHERE state <> 'closed';
CREATE INDEX supervision_items_case ON supervision_items(case_id);

CREATE TABLE supervision_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES supervision_items(id),
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    actor_id BIGINT REFERENCES users(id),
    note TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX supervision_steps_item ON supervision_steps(item_id);

CREATE TABLE evidence_blobs (
    sha256 TEXT PRIMARY KEY,
    data BLOB NOT NULL
);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES supervision_items(id),
    sha256 TEXT NOT NULL REFERENCES evidence_blobs(sha256),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX evidence_item ON evidence(item_id);

CREATE TABLE referrals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    from_org_id TEXT NOT NULL REFERENCES orgs(id),
    to_org_id TEXT NOT NULL REFERENCES orgs(id),
    sent_by BIGINT NOT NULL REFERENCES users(id),
    sent_at TEXT NOT NULL,
    subject TEXT NOT NULL,
    content TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id),
    responsible_org_id TEXT REFERENCES orgs(id),
    state TEXT NOT NULL,
    ack_due_at TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by BIGINT REFERENCES users(id),
    decide_due_at TEXT,
    decided_at TEXT,
    decided_by BIGINT REFERENCES users(id),
    decision_note TEXT,
    item_id BIGINT REFERENCES supervision_items(id),
    result TEXT,
    result_shared_at TEXT,
    result_shared_by BIGINT REFERENCES users(id),
    result_accepted_at TEXT,
    result_accepted_by BIGINT REFERENCES users(id),
    escalation_level BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    lead_org_id TEXT NOT NULL REFERENCES orgs(id),
    plan TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    started_at TEXT,
    closed_at TEXT,
    final_report TEXT
);

CREATE TABLE project_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    org_id TEXT NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    added_at TEXT NOT NULL,
    UNIQUE (project_id, org_id)
);

CREATE TABLE project_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    title TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    due_at TEXT NOT NULL,
    done_at TEXT,
    done_by BIGINT REFERENCES users(id),
    done_note TEXT
);

CREATE TABLE project_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    by_user BIGINT NOT NULL REFERENCES users(id),
    at TEXT NOT NULL
);
