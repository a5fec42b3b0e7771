-- 改派 (issue 26): when the office gave a case whose evaluator let the plan's due day pass to
-- another expert. The new evaluator reads the file for the scoring days from then. Not among the
-- ledger's recorded columns (so rows keep the digests their earlier leaves recorded); the
-- reassignment itself is recorded by the row's new evaluator (EvaluationActed).
ALTER TABLE evaluation_cases ADD COLUMN reassigned_at TEXT;
