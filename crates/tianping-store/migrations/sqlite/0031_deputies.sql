-- Deputies at work (issue 25): the registry of people's congress deputies, the 终本 cases a court
-- asks a deputy to help with (执行监督员), the deputy's actions, the court's result, and the
-- 终本库出清 campaigns. Rows are never updated: an assignment is open until its result row exists,
-- the actions are numbered per assignment, and a case has one assignment per round — so two
-- writers racing (two courts assigning the same case, two results for one assignment) leave one.
CREATE TABLE deputies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    congress_org_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    constituency TEXT NOT NULL,
    township TEXT NOT NULL,
    liaison_station TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX deputies_scope ON deputies(region_path, township);
-- A login is one deputy.
CREATE UNIQUE INDEX deputies_user ON deputies(user_id);
CREATE TABLE deputy_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    round BIGINT NOT NULL,
    court_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    deputy_id BIGINT NOT NULL REFERENCES deputies(id),
    debtor TEXT NOT NULL,
    township TEXT NOT NULL,
    note TEXT NOT NULL,
    assigned_on TEXT NOT NULL,
    assigned_by BIGINT NOT NULL REFERENCES users(id),
    assigned_at TEXT NOT NULL
);
CREATE UNIQUE INDEX deputy_assignment_round ON deputy_assignments(case_id, round);
CREATE INDEX deputy_assignment_scope ON deputy_assignments(region_path, assigned_on);
CREATE INDEX deputy_assignment_deputy ON deputy_assignments(deputy_id);
CREATE TABLE deputy_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment_id BIGINT NOT NULL REFERENCES deputy_assignments(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    seq BIGINT NOT NULL,
    action TEXT NOT NULL,
    on_day TEXT NOT NULL,
    outcome TEXT NOT NULL,
    by_user BIGINT NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX deputy_action_seq ON deputy_actions(assignment_id, seq);
CREATE TABLE deputy_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment_id BIGINT NOT NULL REFERENCES deputy_assignments(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    outcome TEXT NOT NULL,
    on_day TEXT NOT NULL,
    note TEXT NOT NULL,
    by_user BIGINT NOT NULL REFERENCES users(id),
    by_org TEXT NOT NULL REFERENCES orgs(id),
    recorded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX deputy_result_once ON deputy_results(assignment_id);
CREATE TABLE zhongben_campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    title TEXT NOT NULL,
    target BIGINT NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX zhongben_campaign_scope ON zhongben_campaigns(region_path, from_day);
