-- Pending metric changes the fold could not read (issue 28): set aside here, with why and when,
-- so that one damaged row does not stop every later change from reaching metric_totals. Only a
-- change made outside the product (or a damaged disk) produces one; `ledger verify` names each,
-- and `tianping rebuild-metrics` recomputes the totals from the facts, which clears them.
CREATE TABLE metric_pending_unread (
    id BIGINT PRIMARY KEY,
    delta TEXT NOT NULL,
    error TEXT NOT NULL,
    set_aside_at TEXT NOT NULL
);
