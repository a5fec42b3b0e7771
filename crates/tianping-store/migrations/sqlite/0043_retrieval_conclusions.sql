-- 检索结论 written by the judge under a 类案检索报告 (issue 27; 《关于统一法律适用加强类案检索的指导意见
-- （试行）》第八条、第九条): the report itself stays as saved — its generated conclusion counts the
-- results — and the judge's own words are kept beside it, one row each time they are written (the
-- latest is shown, the earlier ones stay). Ledgered: a row is a leaf of its own, so the reports'
-- leaves are unchanged.
CREATE TABLE retrieval_conclusions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id BIGINT NOT NULL REFERENCES retrieval_reports(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    body TEXT NOT NULL,
    written_by BIGINT NOT NULL REFERENCES users(id),
    written_at TEXT NOT NULL
);
CREATE INDEX retrieval_conclusions_report ON retrieval_conclusions(report_id);
