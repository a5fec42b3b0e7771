-- A person's own cases at a million (issue 28): 待办 and the case list read a judge's or a
-- prosecutor's cases by organisation and name — open ones with a 四类案件 flag, evaluated ones,
-- closed ones for 自查. (org_id, judge, closed_at, id) answers them from the index: open ones by
-- `closed_at IS NULL`, closed ones newest first, and the ids without the rows.
CREATE INDEX cases_handler ON cases(org_id, judge, closed_at, id);
-- "我承办的" counts a person's cases within their scope from the index alone (SQLite has no
-- INCLUDE; the scope's columns follow the filing day).
DROP INDEX cases_judge;
CREATE INDEX cases_judge ON cases(judge, filed_at, agency_kind, region_path);
