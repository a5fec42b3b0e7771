-- Risk points (issue 26): the event-driven signals each case shows (an extension approved after
-- expiry, a reassignment after a hearing, a 终本 without a property search), computed from its
-- state and clocks beside them (a projection of the events, like the clock rows). Late services
-- and overdue limits are read from case_nodes and clocks, which move with time.
CREATE TABLE risk_hits (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    signal TEXT NOT NULL,
    org_id TEXT NOT NULL,
    region_path TEXT NOT NULL,
    judge TEXT,
    on_date TEXT NOT NULL,
    PRIMARY KEY (case_id, signal)
) WITHOUT ROWID;
CREATE INDEX risk_hits_region ON risk_hits(region_path, on_date);
