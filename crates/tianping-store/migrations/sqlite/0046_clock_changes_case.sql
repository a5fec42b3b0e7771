-- A case's moved due dates (issue 28): the case's record trail reads them by case, and `ledger
-- verify` asks, a batch of cases at a time, whose main clock a change of rules or calendar moved
-- (their 审限 outcome, fixed when counted, may then differ from the clock row's).
CREATE INDEX clock_changes_case ON clock_changes(case_id, clock_key);
