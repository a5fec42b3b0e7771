-- Security (issue 19). A changed notification address takes effect only once confirmed from a
-- link sent to it (finding H3): until then the old address stays and the new one waits here.
ALTER TABLE users ADD COLUMN email_pending TEXT;
ALTER TABLE users ADD COLUMN email_token_hash TEXT;
ALTER TABLE users ADD COLUMN email_token_expires TEXT;

-- Agency systems that send events carrying other people's approvals (finding H1): machine
-- credentials, one per system, scoped to an organisation's subtree, listed and revoked by the
-- security administrator. Only the SHA-256 of the token is stored. Ledgered.
CREATE TABLE system_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_by TEXT,
    revoked_at TEXT,
    last_used_at TEXT
);

-- Failed logins per (username, client address): the lockout no longer lets anyone lock any
-- account, nor tells which usernames exist.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    last_at TEXT NOT NULL,
    PRIMARY KEY (username, client)
);

-- Every read of a confidential case in full (by clearance, or by need-to-know as 承办人, panel
-- member or the court's president), for the auditor.
CREATE TABLE confidential_reads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    confidentiality TEXT NOT NULL,
    basis TEXT NOT NULL,
    via TEXT NOT NULL,
    read_at TEXT NOT NULL
);
CREATE INDEX confidential_reads_at ON confidential_reads (read_at);

-- The TOTP second factor: the enrolled secret (base32), one waiting for its first code, and the
-- last step used (a code works once). Recovery codes are kept as SHA-256. A login whose password
-- was right and whose second factor is awaited is a challenge (token hash, short-lived).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
CREATE TABLE totp_recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    client TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- What the administrators did (三员: the auditor reads it): machine credentials issued and
-- revoked, second factors reset, calendar years imported — who, what, to whom, when. Ledgered.
CREATE TABLE admin_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    at TEXT NOT NULL
);
