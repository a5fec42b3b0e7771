-- Process-node standards (issue 26): each case's nodes, computed from its state beside its clocks
-- (a projection of the events, rewritten whenever the case's clocks are). A node waits from
-- `started_at` (its earlier step) and is due on `due_date` (Beijing, inclusive); `late` is 1 when it
-- was reached after that day. A waiting node is overdue when today is past `due_date`.
CREATE TABLE case_nodes (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    mark TEXT NOT NULL,
    flow TEXT NOT NULL,
    org_id TEXT NOT NULL,
    region_path TEXT NOT NULL,
    judge TEXT,
    started_at TEXT NOT NULL,
    due_date TEXT,
    done_at TEXT,
    days_taken BIGINT,
    late BIGINT NOT NULL DEFAULT 0,
    tell_judge BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (case_id, mark)
) WITHOUT ROWID;
-- Waiting nodes by their due day (the overdue list and counts).
CREATE INDEX case_nodes_waiting ON case_nodes(region_path, due_date) WHERE done_at IS NULL AND due_date IS NOT NULL;
-- Nodes reached late.
CREATE INDEX case_nodes_late ON case_nodes(region_path) WHERE late = 1;
-- A judge's own nodes the flow tells them of.
CREATE INDEX case_nodes_judge ON case_nodes(org_id, judge, due_date) WHERE tell_judge = 1 AND done_at IS NULL;
-- The medians: reached nodes by region and when reached.
CREATE INDEX case_nodes_done ON case_nodes(region_path, done_at) WHERE done_at IS NOT NULL;
