-- Walking skeleton: organisations, users, sessions, cases and their append-only events (SQLite).
CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES orgs(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    region_code TEXT NOT NULL,
    region_path TEXT NOT NULL,
    court_code TEXT UNIQUE
);
CREATE INDEX orgs_region ON orgs(region_path);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    clearance TEXT NOT NULL DEFAULT '',
    email TEXT,
    password_hash TEXT NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_number TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    agency_kind TEXT NOT NULL,
    region_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    procedure TEXT NOT NULL,
    stage TEXT NOT NULL,
    type_code TEXT,
    year BIGINT,
    title TEXT NOT NULL,
    title_masked TEXT NOT NULL,
    cause TEXT NOT NULL,
    confidentiality TEXT NOT NULL,
    status TEXT NOT NULL,
    judge TEXT,
    filed_at TEXT NOT NULL,
    closed_at TEXT,
    disposition TEXT,
    last_event_at TEXT NOT NULL,
    event_count BIGINT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX cases_scope ON cases(region_path, filed_at);
CREATE INDEX cases_org ON cases(org_id, filed_at);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    source TEXT NOT NULL,
    source_event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    corrects TEXT,
    body TEXT NOT NULL,
    UNIQUE (source, source_event_id)
);
CREATE INDEX events_case ON events(case_id, id);

-- Events are append-only: a correction is a new event.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
