-- 评查合格率 (issue 26): a case's final evaluations in its metric facts ("2026-02-10/p;…", p for a
-- grade that counts as 合格), and the two flows the rate is the ratio of, on the day a grade
-- became final. The name ends in "_metrics", so opening the store refolds every case (and reads
-- the evaluations already final) into the projections once.
ALTER TABLE metric_facts ADD COLUMN evaluated TEXT NOT NULL DEFAULT '';
ALTER TABLE metric_totals ADD COLUMN evaluated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_totals ADD COLUMN evaluated_passed BIGINT NOT NULL DEFAULT 0;
