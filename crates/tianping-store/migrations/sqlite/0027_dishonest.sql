-- 失信被执行人名单 (issue 24; RULES.md §11.3): one row per listing of a debtor of a court's
-- execution case. Only the masked identity number is kept (what is published). The cause of
-- deletion and the deletion are written on the row as they happen (each write a ledger leaf).
CREATE TABLE dishonest_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    court_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    debtor_kind TEXT NOT NULL,
    name TEXT NOT NULL,
    id_masked TEXT NOT NULL,
    ground TEXT NOT NULL,
    extra_years BIGINT NOT NULL,
    decided_on TEXT NOT NULL,
    term_end TEXT,
    listed_by BIGINT NOT NULL REFERENCES users(id),
    listed_at TEXT NOT NULL,
    cause TEXT,
    cause_on TEXT,
    cause_note TEXT,
    cause_by BIGINT REFERENCES users(id),
    deleted_on TEXT,
    deleted_by BIGINT REFERENCES users(id),
    deleted_at TEXT
);
CREATE INDEX dishonest_scope ON dishonest_entries(region_path, decided_on);
CREATE INDEX dishonest_case ON dishonest_entries(case_id);
-- A debtor is on the list once per case at a time.
CREATE UNIQUE INDEX dishonest_once ON dishonest_entries(case_id, name, id_masked) WHERE deleted_on IS NULL;
