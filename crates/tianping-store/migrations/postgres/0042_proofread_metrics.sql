-- 文书校对问题处理率 (issue 27): the proofreader's findings on a case's drafts in its metric facts
-- ("2026-02-10/2026-02-11;2026-03-01/": found / resolved, empty while open), the two flows (found,
-- resolved) and the stock of findings open. The name ends in "_metrics", so opening the store
-- refolds every case (and reads the findings already recorded) into the projections once.
ALTER TABLE metric_facts ADD COLUMN proofread TEXT NOT NULL DEFAULT '';
ALTER TABLE metric_totals ADD COLUMN proofread_found BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_totals ADD COLUMN proofread_resolved BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_totals ADD COLUMN stock_proofread_open BIGINT NOT NULL DEFAULT 0;
