-- Surveys of deputies (问卷, issue 25): the questionnaire (its questions as JSON, checked by the
-- domain), the deputies it was sent to (chosen by level and area when sent), and each one's
-- answers on their line — written once, by a conditional update from no answer, by login or
-- through a signed link.
CREATE TABLE deputy_surveys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    congress_org_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    title TEXT NOT NULL,
    intro TEXT NOT NULL,
    questions TEXT NOT NULL,
    level TEXT NOT NULL,
    area TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX deputy_survey_scope ON deputy_surveys(region_path, closes_on);
CREATE TABLE deputy_survey_recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id BIGINT NOT NULL REFERENCES deputy_surveys(id),
    deputy_id BIGINT NOT NULL REFERENCES deputies(id),
    answers TEXT,
    answered_at TEXT,
    via TEXT
);
CREATE UNIQUE INDEX deputy_survey_once ON deputy_survey_recipients(survey_id, deputy_id);
CREATE INDEX deputy_survey_deputy ON deputy_survey_recipients(deputy_id);
