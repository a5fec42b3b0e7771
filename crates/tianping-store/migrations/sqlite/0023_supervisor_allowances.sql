-- Allowances paid to people's supervisors (履职补贴, issue 23): one row per payment, for the
-- year of the activities it pays for.
CREATE TABLE supervisor_allowances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    supervisor_id INTEGER NOT NULL REFERENCES people_supervisors(id),
    year INTEGER NOT NULL,
    paid_on TEXT NOT NULL,
    amount_yuan INTEGER NOT NULL,
    note TEXT NOT NULL,
    paid_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX supervisor_allowances_of ON supervisor_allowances(supervisor_id, year);
CREATE INDEX supervisor_allowances_year ON supervisor_allowances(year);
