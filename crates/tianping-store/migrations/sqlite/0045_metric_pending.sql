-- The changes to metric_totals that writes recorded and the fold has not yet added (issue 28):
-- one row a write, its change as JSON (region path, agency kind, case kind, day, non-zero
-- columns). Ingest appends one row instead of upserting thousands of totals rows — among them
-- the month rows every writer of the province meets. Readers add these rows to the totals in the
-- same statement; the leading worker folds them into metric_totals every few seconds.
CREATE TABLE metric_pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delta TEXT NOT NULL
);
