-- Pages people open all day, measured at 1.19M cases under load (bench http, issue 28).
--
-- A person's own cases at a million (issue 28): 待办 and the case list read a judge's or a
-- prosecutor's cases by organisation and name — open ones with a 四类案件 flag, evaluated ones,
-- closed ones for 自查 — and `bench http` at 1.19M cases found those reads fetching every one of
-- the person's thousands of case rows (a judge's 待办 500 ms alone, most of PostgreSQL's time).
-- (org_id, judge, closed_at, id) answers them from the index: open ones by `closed_at IS NULL`,
-- closed ones newest first, and the ids without the rows.
CREATE INDEX cases_handler ON cases(org_id, judge, closed_at, id);
-- The planner multiplied the organisation's share by the name's and expected a handful of rows
-- where there are thousands (an organisation's judges are named in it and rarely elsewhere).
CREATE STATISTICS cases_org_judge (dependencies, ndistinct) ON org_id, judge FROM cases;
-- "我承办的" counts a person's cases within their scope: with the scope's columns in the index
-- the count reads the index only, not thousands of rows; with the id too, so does the page's
-- first step (the page's ids, then their rows).
DROP INDEX cases_judge;
CREATE INDEX cases_judge ON cases(judge, filed_at) INCLUDE (agency_kind, region_path, id);
-- The warnings board walks the warning clocks in deadline order until its page is full of its
-- scope's; a city court office's walk passes thousands of police and procuratorate clocks first.
-- With the clock's key in the index the walk reads the index only (128 -> 4.6 ms at 1.19M cases).
DROP INDEX clocks_warning_deadline;
CREATE INDEX clocks_warning_deadline ON clocks(deadline, case_id, region_path, org_id)
    INCLUDE (clock_key) WHERE category IS NOT NULL;
