-- 量刑偏离预警 (sqlite): a court case closed with a custodial term outside the range of its closest
-- similar judgments' terms for the same charge. Raised once per closing event by the deviation
-- sweep, mailed to the court's case office, acknowledged (签收) by it. Ledgered.
CREATE TABLE deviation_warnings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    event_id BIGINT NOT NULL REFERENCES events(id),
    charge TEXT NOT NULL,
    decided_months BIGINT NOT NULL,
    low_months BIGINT NOT NULL,
    high_months BIGINT NOT NULL,
    above BIGINT NOT NULL,
    peers TEXT NOT NULL,
    region_path TEXT NOT NULL,
    org_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    UNIQUE (case_id, event_id)
);
CREATE INDEX deviation_warnings_scope ON deviation_warnings (region_path, created_at);

-- How far the sweep has read the events table (one row).
CREATE TABLE deviation_sweep (
    id BIGINT PRIMARY KEY,
    last_event_id BIGINT NOT NULL
);
