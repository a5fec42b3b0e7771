-- 引导侦查取证率: whether the procuratorate guided a police file (提前介入、引导侦查取证), and the
-- two flows it is the ratio of. The name ends in "_metrics", so opening the store refolds every
-- case into the metric projections once (the new counters of existing police files).
ALTER TABLE metric_facts ADD COLUMN guided BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_totals ADD COLUMN police_transferred BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_totals ADD COLUMN police_transferred_guided BIGINT NOT NULL DEFAULT 0;
