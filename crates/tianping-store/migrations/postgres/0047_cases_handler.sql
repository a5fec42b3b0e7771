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
-- the count reads the index only, not thousands of rows.
DROP INDEX cases_judge;
CREATE INDEX cases_judge ON cases(judge, filed_at) INCLUDE (agency_kind, region_path);
