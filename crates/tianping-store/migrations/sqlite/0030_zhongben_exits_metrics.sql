-- 终本库出清 by reason (RULES.md §11.4 出库, split): a stay in the 终本 database now ends by
-- restoration or by a 终本出库 event (paid, settled, terminated, not enforced, bankruptcy,
-- corrected), with whether a deputy helped. metric_facts keeps the reason in its `zhongben` text.
-- The name ends in "_metrics", so opening the store refolds every case into the projections once.
ALTER TABLE metric_totals ADD COLUMN zhongben_left_restored BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_totals ADD COLUMN zhongben_left_performed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_totals ADD COLUMN zhongben_left_settled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_totals ADD COLUMN zhongben_left_terminated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_totals ADD COLUMN zhongben_left_other BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_totals ADD COLUMN zhongben_left_assisted BIGINT NOT NULL DEFAULT 0;
