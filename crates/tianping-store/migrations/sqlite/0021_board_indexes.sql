-- The warnings board counts its tabs from the index alone: the board index carries the clock's
-- unit and case (a covering index instead of reading every warning clock's row), and the
-- 审判/执行 tabs test "has the case a clock under an execution rule" from (case_id, rule) without
-- reading the case's clock rows.
DROP INDEX clocks_board;
CREATE INDEX clocks_board ON clocks(region_path, category, org_id, case_id)
    WHERE category IS NOT NULL;
CREATE INDEX clocks_case_rule ON clocks(case_id, rule);
