-- People's supervisors (人民监督员, issue 23): the justice bureau's registry, the activities a
-- procuratorate asks them to, the draws that choose them (RFC 3797, set up before the seed
-- exists), each drawn person's invitation, and their opinions with the procuratorate's answers.
CREATE TABLE people_supervisors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The justice bureau that keeps the file, and its region (the pool a draw takes from).
    org_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    -- The person's own login, when they have one (role people_supervisor).
    user_id BIGINT REFERENCES users(id),
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    id_number TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT,
    education TEXT NOT NULL,
    profession TEXT NOT NULL,
    -- Expertise tags, separated by "、" (法律, 财会, 医学 …); a draw may require one.
    expertise TEXT NOT NULL,
    -- 省级 or 设区的市级 司法行政机关.
    appointed_by TEXT NOT NULL,
    term_no INTEGER NOT NULL,
    term_start TEXT NOT NULL,
    term_end TEXT NOT NULL,
    -- serving, removed
    status TEXT NOT NULL,
    removed_reason TEXT,
    removed_at TEXT,
    -- Removed for a violation or a failed assessment: may never serve again.
    barred INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX people_supervisors_region ON people_supervisors(region_path, status);
CREATE UNIQUE INDEX people_supervisors_user ON people_supervisors(user_id) WHERE user_id IS NOT NULL;

CREATE TABLE supervisor_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The procuratorate that asks, and its region.
    org_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    -- A key of rules/people-supervisors.toml, and whether the rule makes the invitation mandatory.
    kind TEXT NOT NULL,
    mandatory INTEGER NOT NULL,
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id),
    -- What the supervisors may read of the matter (never a confidential case's particulars).
    summary TEXT NOT NULL,
    required INTEGER NOT NULL,
    -- An expertise tag the draw is limited to, or empty.
    expertise TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL
);
CREATE INDEX supervisor_activities_region ON supervisor_activities(region_path, starts_at);

CREATE TABLE supervisor_draws (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES supervisor_activities(id),
    -- The justice bureau that draws.
    org_id TEXT NOT NULL REFERENCES orgs(id),
    -- The draw's setup (tianping_domain::draw::Setup as JSON): pool, exclusions, count, sources.
    setup TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    -- awaiting (the sources' values), drawn, aborted
    state TEXT NOT NULL,
    -- The sources' values so far (JSON list, one per source).
    source_values TEXT NOT NULL,
    outcome TEXT,
    drawn_at TEXT,
    aborted_reason TEXT,
    aborted_at TEXT
);
CREATE INDEX supervisor_draws_activity ON supervisor_draws(activity_id);

CREATE TABLE supervisor_invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES supervisor_activities(id),
    draw_id BIGINT NOT NULL REFERENCES supervisor_draws(id),
    supervisor_id BIGINT NOT NULL REFERENCES people_supervisors(id),
    -- The place in the draw's result (1 = first drawn).
    place INTEGER NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    acted_by TEXT,
    acted_at TEXT,
    -- When the day-before reminder went out (operational, not in the ledger).
    reminded_at TEXT
);
CREATE INDEX supervisor_invitations_activity ON supervisor_invitations(activity_id, place);
CREATE INDEX supervisor_invitations_supervisor ON supervisor_invitations(supervisor_id);

CREATE TABLE supervisor_opinions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES supervisor_activities(id),
    supervisor_id BIGINT NOT NULL REFERENCES people_supervisors(id),
    content TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    -- adopted, partly_adopted, not_adopted; NULL until answered.
    answer TEXT,
    answer_reason TEXT,
    answered_by TEXT,
    answered_at TEXT,
    -- When the unanswered opinion's due date passed and the two sides were told (operational).
    escalated_at TEXT
);
CREATE INDEX supervisor_opinions_activity ON supervisor_opinions(activity_id);
CREATE INDEX supervisor_opinions_open ON supervisor_opinions(due_at) WHERE answer IS NULL;

-- The rest of a supervisor's file: annual assessment grades (one a year), training attended,
-- admonitions (诫勉).
CREATE TABLE supervisor_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    supervisor_id BIGINT NOT NULL REFERENCES people_supervisors(id),
    -- assessment, training, admonition
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    on_date TEXT NOT NULL,
    -- excellent, competent, basically_competent, incompetent (assessments only)
    grade TEXT,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX supervisor_records_of ON supervisor_records(supervisor_id, kind);
CREATE UNIQUE INDEX supervisor_assessed_once ON supervisor_records(supervisor_id, year) WHERE kind = 'assessment';
