-- Statutory clocks, warnings, escalation, notifications, the mail outbox, reminder letters and
-- the record of due dates moved by a rule or calendar change (SQLite).
CREATE TABLE clocks (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    clock_key TEXT NOT NULL,
    rule TEXT,
    status TEXT NOT NULL,
    due_date TEXT,
    deadline TEXT,
    custody BIGINT NOT NULL DEFAULT 0,
    provisional BIGINT NOT NULL DEFAULT 0,
    category TEXT,
    next_fire_at TEXT,
    region_path TEXT NOT NULL,
    org_id TEXT NOT NULL,
    sig BIGINT NOT NULL DEFAULT 0,
    computed_at TEXT NOT NULL,
    error TEXT,
    PRIMARY KEY (case_id, clock_key)
) WITHOUT ROWID;
CREATE INDEX clocks_fire ON clocks(next_fire_at) WHERE next_fire_at IS NOT NULL;
CREATE INDEX clocks_board ON clocks(region_path, category) WHERE category IS NOT NULL;

CREATE TABLE warnings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    clock_key TEXT NOT NULL,
    category TEXT NOT NULL,
    threshold TEXT NOT NULL,
    due_date TEXT,
    region_path TEXT NOT NULL,
    org_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    level BIGINT NOT NULL DEFAULT 0,
    escalate_at TEXT,
    acknowledged_at TEXT,
    acknowledged_by BIGINT REFERENCES users(id),
    UNIQUE (case_id, clock_key, threshold)
);
CREATE INDEX warnings_escalate ON warnings(escalate_at) WHERE acknowledged_at IS NULL AND escalate_at IS NOT NULL;
CREATE INDEX warnings_scope ON warnings(region_path, created_at);

ALTER TABLE users ADD COLUMN digest_cadence TEXT NOT NULL DEFAULT 'daily';
ALTER TABLE users ADD COLUMN last_digest_at TEXT;

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    warning_id BIGINT NOT NULL REFERENCES warnings(id),
    level BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    digested_at TEXT,
    UNIQUE (user_id, warning_id, level)
);
CREATE INDEX notifications_pending ON notifications(user_id) WHERE digested_at IS NULL;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL UNIQUE,
    user_id BIGINT REFERENCES users(id),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    warning_id BIGINT REFERENCES warnings(id),
    org_id TEXT NOT NULL REFERENCES orgs(id),
    year BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    issued_by BIGINT NOT NULL REFERENCES users(id),
    issued_at TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (org_id, kind, year, seq)
);
CREATE INDEX letters_case ON letters(case_id);

CREATE TABLE clock_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    clock_key TEXT NOT NULL,
    old_due TEXT,
    new_due TEXT,
    old_rule TEXT,
    new_rule TEXT,
    reason TEXT NOT NULL,
    region_path TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by BIGINT REFERENCES users(id)
);
CREATE INDEX clock_changes_scope ON clock_changes(region_path, changed_at);

CREATE TABLE engine_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    toml TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);
