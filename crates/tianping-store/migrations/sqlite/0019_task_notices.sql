-- New tasks (待办) for people who read their mail at a daily or weekly cadence: kept until their
-- next digest, which lists them above the clock warnings. People whose cadence is "immediately"
-- are mailed each task at once instead (the outbox). One row per task step and person.
CREATE TABLE task_notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    dedupe_key TEXT NOT NULL UNIQUE,
    -- One line for the digest: what waits, where, by when.
    line TEXT NOT NULL,
    created_at TEXT NOT NULL,
    digested_at TEXT
);
CREATE INDEX task_notices_pending ON task_notices(user_id) WHERE digested_at IS NULL;
