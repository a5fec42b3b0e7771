-- Pages people open all day, measured at 1.19M cases under load (bench http, issue 28).
--
-- A person's own cases at a million (issue 28): 待办 and the case list read a judge's or a
-- prosecutor's cases by organisation and name — open ones with a 四类案件 flag, evaluated ones,
-- closed ones for 自查. (org_id, judge, closed_at, id) answers them from the index: open ones by
-- `closed_at IS NULL`, closed ones newest first, and the ids without the rows.
CREATE INDEX cases_handler ON cases(org_id, judge, closed_at, id);
-- "我承办的" counts a person's cases within their scope from the index alone (SQLite has no
-- INCLUDE; the scope's columns follow the filing day).
DROP INDEX cases_judge;
CREATE INDEX cases_judge ON cases(judge, filed_at, agency_kind, region_path);
-- The warnings board walks the warning clocks in deadline order until its page is full of its
-- scope's: with the clock's key in the index the walk reads the index only.
DROP INDEX clocks_warning_deadline;
CREATE INDEX clocks_warning_deadline ON clocks(deadline, case_id, region_path, org_id, clock_key)
    WHERE category IS NOT NULL;
