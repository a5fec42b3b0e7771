-- 类案检索报告 (sqlite): a similar-case retrieval written on a case — the query, its filters, the
-- index snapshot (the newest judgment id it could see, and how many it held) and the ranking
-- version, and the ranked results with each one's scores, outcome and the judge's annotation
-- (JSON). Re-running the stored query against the snapshot gives the same list. Ledgered.
CREATE TABLE retrieval_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    query_facts TEXT NOT NULL,
    query_charges TEXT NOT NULL,
    filters TEXT NOT NULL,
    snapshot_last_id INTEGER NOT NULL,
    snapshot_count INTEGER NOT NULL,
    ranking_version TEXT NOT NULL,
    results TEXT NOT NULL
);
CREATE INDEX retrieval_reports_case ON retrieval_reports (case_id);
