-- The handling judges (承办人) of each unit, for the case list's filter: a small table written by
-- ingest beside the cases, so the list does not run a DISTINCT over every case of the reader's
-- scope on each request. A judge who no longer handles any case of the unit stays listed (the
-- filter then finds nothing), which is harmless.
CREATE TABLE case_judges (
    org_id TEXT NOT NULL REFERENCES orgs(id),
    judge TEXT NOT NULL,
    region_path TEXT NOT NULL,
    agency_kind TEXT NOT NULL,
    PRIMARY KEY (org_id, judge)
);
CREATE INDEX case_judges_scope ON case_judges(region_path);
INSERT INTO case_judges (org_id, judge, region_path, agency_kind)
    SELECT org_id, judge, MIN(region_path), MIN(agency_kind) FROM cases
    WHERE judge IS NOT NULL GROUP BY org_id, judge;
-- The case list at scale: newest first walks this index and stops at the page (the reader's scope
-- is a filter on the way), instead of sorting every case of the scope; the count of a scope of one
-- agency kind reads only (agency_kind, region_path).
CREATE INDEX cases_recent ON cases(filed_at, id);
CREATE INDEX cases_kind_scope ON cases(agency_kind, region_path);
-- A judge's own list (我承办的) and the 承办人 filter.
CREATE INDEX cases_judge ON cases(judge, filed_at);
