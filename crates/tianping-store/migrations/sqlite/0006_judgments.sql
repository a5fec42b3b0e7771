-- Prior judgments for similar-case retrieval (sqlite): the full text, its sections and what was read
-- from it (tianping_domain::judgment) — charges, cited statutes and sentences as JSON arrays.
-- Published judgments are reference data, imported by `tianping import-judgments`; (source,
-- source_id) makes an import idempotent.
CREATE TABLE judgments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    title TEXT NOT NULL,
    court TEXT,
    case_number TEXT,
    decided_on TEXT,
    text TEXT NOT NULL,
    fact TEXT NOT NULL,
    reasoning TEXT NOT NULL,
    judgment TEXT NOT NULL,
    charges TEXT NOT NULL,
    articles TEXT NOT NULL,
    sentences TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (source, source_id)
);
