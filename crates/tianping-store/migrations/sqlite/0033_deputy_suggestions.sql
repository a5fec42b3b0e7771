-- Deputies' suggestions and procuratorial recommendations, both ways (issue 25): a suggestion's
-- row carries each step's fields as the procuratorate records them; its stage changes only by a
-- conditional update from the stage the domain checked, so of two racing steps one is written.
CREATE TABLE deputy_suggestions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    deputy_id BIGINT NOT NULL REFERENCES deputies(id),
    procuratorate_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    field TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    submitted_by BIGINT NOT NULL REFERENCES users(id),
    submitted_at TEXT NOT NULL,
    stage TEXT NOT NULL,
    last_on TEXT NOT NULL,
    accepted_on TEXT,
    decline_reason TEXT NOT NULL DEFAULT '',
    agency TEXT NOT NULL DEFAULT '',
    recommendation TEXT NOT NULL DEFAULT '',
    recommended_on TEXT,
    urgent BIGINT NOT NULL DEFAULT 0,
    reply_due TEXT,
    reply TEXT NOT NULL DEFAULT '',
    adopted BIGINT,
    replied_on TEXT,
    report TEXT NOT NULL DEFAULT '',
    reported_on TEXT,
    handed_at TEXT,
    congress_note TEXT NOT NULL DEFAULT '',
    congress_at TEXT,
    updated_by BIGINT REFERENCES users(id),
    updated_at TEXT
);
CREATE INDEX deputy_suggestion_scope ON deputy_suggestions(region_path, submitted_on);
CREATE INDEX deputy_suggestion_deputy ON deputy_suggestions(deputy_id);
CREATE INDEX deputy_suggestion_proc ON deputy_suggestions(procuratorate_id, stage);
