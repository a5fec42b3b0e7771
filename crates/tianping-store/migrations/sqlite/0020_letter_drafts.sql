-- A 督办函 or 警示函 speaks for the court: the case office drafts it (送签稿) and a president signs
-- it (签发), which numbers and issues it as a letter — or returns it with a note (退回). The draft
-- keeps the words as typed; the clocks' due dates are written in at signing, as they are then.
CREATE TABLE letter_drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    warning_id BIGINT REFERENCES warnings(id),
    org_id TEXT NOT NULL REFERENCES orgs(id),
    drafted_by BIGINT NOT NULL REFERENCES users(id),
    drafted_at TEXT NOT NULL,
    addressee TEXT NOT NULL,
    -- The reply deadline as drafted (YYYY-MM-DD, Beijing time).
    reply_by TEXT NOT NULL,
    body TEXT NOT NULL,
    -- pending (待签发), signed (已签发), returned (退回), withdrawn (撤回).
    state TEXT NOT NULL DEFAULT 'pending',
    decided_by BIGINT REFERENCES users(id),
    decided_at TEXT,
    -- Why it was returned.
    note TEXT,
    letter_id BIGINT REFERENCES letters(id)
);
CREATE INDEX letter_drafts_org_state ON letter_drafts(org_id, state);
CREATE INDEX letter_drafts_case ON letter_drafts(case_id);
CREATE INDEX letter_drafts_drafter ON letter_drafts(drafted_by, state);
