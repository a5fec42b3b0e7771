-- Case quality evaluation (评查, issue 26). The expert pool of each office that runs
-- evaluations (a person with a login; relationships recorded by name), the plans (kind, sheet
-- and version, the pool's lines and digest and the seed drawn after the pool was fixed), and
-- each evaluated case with its evaluator, the experts left out and why, and every act on it:
-- the score, the objection, the 复核, the final grade and the supervision item it opened. Each
-- act is a conditional update from the stage the domain checked (… WHERE stage = $from), so of
-- two racing acts one is written; every change is a ledger leaf.
CREATE TABLE evaluation_experts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_org_id TEXT NOT NULL REFERENCES orgs(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    relations TEXT NOT NULL,
    added_by BIGINT NOT NULL REFERENCES users(id),
    added_at TEXT NOT NULL,
    removed_by BIGINT REFERENCES users(id),
    removed_at TEXT
);
CREATE UNIQUE INDEX evaluation_expert_once ON evaluation_experts(pool_org_id, user_id) WHERE removed_at IS NULL;
CREATE INDEX evaluation_expert_user ON evaluation_experts(user_id);
CREATE TABLE evaluation_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    agency_kind TEXT NOT NULL,
    sheet_id TEXT NOT NULL,
    sheet_version BIGINT NOT NULL,
    closed_from TEXT NOT NULL,
    closed_to TEXT NOT NULL,
    percent BIGINT NOT NULL,
    min_per_judge BIGINT NOT NULL,
    signals TEXT NOT NULL,
    criteria TEXT NOT NULL,
    cross_evaluation BIGINT NOT NULL,
    -- The experts of the pool chosen for this plan (评查组), ids ','-separated; '' for all.
    experts TEXT NOT NULL,
    due TEXT NOT NULL,
    seed TEXT NOT NULL,
    pool_digest TEXT NOT NULL,
    pool_size BIGINT NOT NULL,
    pool TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX evaluation_plan_scope ON evaluation_plans(region_path, created_at);
CREATE INDEX evaluation_plan_org ON evaluation_plans(org_id);
CREATE TABLE evaluation_cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id BIGINT NOT NULL REFERENCES evaluation_plans(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    reason TEXT NOT NULL,
    evaluator_id BIGINT REFERENCES evaluation_experts(id),
    exclusions TEXT NOT NULL,
    stage TEXT NOT NULL,
    deductions TEXT,
    score BIGINT,
    grade TEXT,
    scored_at TEXT,
    objection TEXT,
    objected_at TEXT,
    rechecker_id BIGINT REFERENCES evaluation_experts(id),
    recheck_deductions TEXT,
    recheck_score BIGINT,
    recheck_grade TEXT,
    recheck_note TEXT,
    rechecked_at TEXT,
    final_score BIGINT,
    final_grade TEXT,
    passes BIGINT,
    final_by BIGINT REFERENCES users(id),
    final_at TEXT,
    item_id BIGINT REFERENCES supervision_items(id),
    acted_by BIGINT REFERENCES users(id)
);
CREATE UNIQUE INDEX evaluation_case_once ON evaluation_cases(plan_id, case_id);
CREATE INDEX evaluation_case_case ON evaluation_cases(case_id);
CREATE INDEX evaluation_case_evaluator ON evaluation_cases(evaluator_id, stage);
CREATE INDEX evaluation_case_rechecker ON evaluation_cases(rechecker_id, stage);
