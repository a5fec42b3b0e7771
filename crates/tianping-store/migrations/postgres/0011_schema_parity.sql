-- The day-range index of metric_totals (a running sum reads the days of its month across a
-- subtree by (grain, bucket, node)) was added to the PostgreSQL set's 0005 after that migration
-- had run, and never to the SQLite set: the migration-parity test found it. Created here on every
-- store that lacks it.
CREATE INDEX IF NOT EXISTS metric_totals_days ON metric_totals (grain, bucket, node);
