-- A procuratorate's 案件自查 (issue 26): the handling prosecutor's look back at a closed case —
-- nothing found, or what was found and done — once per case, within the working days the
-- evaluation rules set. A 常规 plan of the procuratorate draws a case only once its self-check
-- is done or its days have run out. Every row is a ledger leaf.
CREATE TABLE evaluation_self_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    org_id TEXT NOT NULL REFERENCES orgs(id),
    finding TEXT NOT NULL,
    note TEXT NOT NULL,
    checked_by BIGINT NOT NULL REFERENCES users(id),
    checked_at TEXT NOT NULL
);
CREATE UNIQUE INDEX evaluation_self_check_once ON evaluation_self_checks(case_id);
