-- Proofreading of draft judgments (文书校对, issue 27): a draft uploaded on a case page, its text
-- as uploaded, and each finding with where it stands — open, fixed (by the one-click fix or by
-- hand) or not applicable with a reason. Only the uploader acts on a draft's findings; the open
-- ones are counted per judge and court. Every row is a ledger leaf.
CREATE TABLE proofread_drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    org_id TEXT NOT NULL REFERENCES orgs(id),
    file_name TEXT NOT NULL,
    body TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX proofread_drafts_case ON proofread_drafts(case_id);
CREATE INDEX proofread_drafts_org ON proofread_drafts(org_id, uploaded_by);
CREATE TABLE proofread_findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    draft_id BIGINT NOT NULL REFERENCES proofread_drafts(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    rule TEXT NOT NULL,
    start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
    text TEXT NOT NULL,
    message TEXT NOT NULL,
    suggestion TEXT,
    status TEXT NOT NULL,
    -- The suggestion replaced the text (the one-click fix); the uploaded body stays as it was.
    applied INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL,
    resolved_by BIGINT REFERENCES users(id),
    resolved_at TEXT
);
CREATE UNIQUE INDEX proofread_findings_seq ON proofread_findings(draft_id, seq);
