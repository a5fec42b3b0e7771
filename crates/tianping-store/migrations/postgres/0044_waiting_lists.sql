-- Three lists people open all day, measured under load (bench http, issue 28):
--
-- A judge's 待办 lists their cases scored in an evaluation and waiting for their answer: read from
-- the evaluations at that stage (few at any time) rather than from every case of the judge (the
-- database's most expensive statement, 34 ms a 待办).
CREATE INDEX evaluation_case_stage ON evaluation_cases(stage, case_id);
-- The overdue 节点 of a region, earliest first: walked in due order with the region checked in the
-- index, rather than every waiting node of the region sorted (31 ms → 0.7 ms for the city).
CREATE INDEX case_nodes_overdue ON case_nodes(due_date, case_id, mark, region_path)
    WHERE done_at IS NULL AND due_date IS NOT NULL;
-- The warnings board in deadline order: the region and the organisation are checked in the index
-- (the board shows one kind of agency) rather than on each clock's row.
DROP INDEX clocks_warning_deadline;
CREATE INDEX clocks_warning_deadline ON clocks(deadline, case_id, region_path, org_id)
    WHERE category IS NOT NULL;
