-- Verifiable random draws of 警情 for checking (issue 21): the pool (every 警情 of the period in
-- the drawer's region), its digest, the seed chosen after the pool was fixed, and the draw.
CREATE TABLE incident_samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    drawn_by TEXT NOT NULL,
    drawn_at TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    size BIGINT NOT NULL,
    seed TEXT NOT NULL,
    pool_digest TEXT NOT NULL,
    pool TEXT NOT NULL,
    picked TEXT NOT NULL
);
CREATE INDEX incident_samples_region ON incident_samples(region_path);
