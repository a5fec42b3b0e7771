-- 典型案例 (issue 24): a closed case proposed as typical by its court or a procuratorate of its
-- region, written as published (the parties anonymised before it is stored), approved by the
-- heads of both sides for a joint release or returned with a reason. A released case is also a row
-- of `judgments` (source 'typical'), so the similar-case library finds it. Each write a ledger leaf.
CREATE TABLE typical_cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    court_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    significance TEXT NOT NULL,
    text TEXT NOT NULL,
    charges TEXT NOT NULL,
    proposed_by BIGINT NOT NULL REFERENCES users(id),
    proposer_side TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    court_by BIGINT REFERENCES users(id),
    court_at TEXT,
    procuratorate_by BIGINT REFERENCES users(id),
    procuratorate_at TEXT,
    returned_by BIGINT REFERENCES users(id),
    returned_side TEXT,
    returned_at TEXT,
    return_reason TEXT,
    published_at TEXT,
    judgment_id BIGINT REFERENCES judgments(id)
);
CREATE INDEX typical_scope ON typical_cases(region_path, proposed_at);
CREATE INDEX typical_published ON typical_cases(published_at);
-- A case is proposed once at a time (again after a return).
CREATE UNIQUE INDEX typical_once ON typical_cases(case_id) WHERE returned_at IS NULL;
