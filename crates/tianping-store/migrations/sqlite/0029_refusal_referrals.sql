-- 拒执 referrals (issue 24): a court refers a debtor of one of its execution cases who refuses to
-- perform (刑法 art. 313) to the police of its region; each step after — filed or declined,
-- prosecuted or not, convicted or acquitted, a private prosecution — is a row of its own recorded
-- by the agency that took it, so neither table is ever updated (the stage is the last step).
CREATE TABLE refusal_referrals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    court_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    police_org_id TEXT NOT NULL REFERENCES orgs(id),
    debtor TEXT NOT NULL,
    facts TEXT NOT NULL,
    referred_on TEXT NOT NULL,
    referred_by BIGINT NOT NULL REFERENCES users(id),
    referred_at TEXT NOT NULL
);
CREATE INDEX refusal_scope ON refusal_referrals(region_path, referred_on);
CREATE INDEX refusal_police ON refusal_referrals(police_org_id);
CREATE TABLE refusal_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id BIGINT NOT NULL REFERENCES refusal_referrals(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    seq BIGINT NOT NULL,
    step TEXT NOT NULL,
    on_day TEXT NOT NULL,
    note TEXT NOT NULL,
    by_user BIGINT NOT NULL REFERENCES users(id),
    by_org TEXT NOT NULL REFERENCES orgs(id),
    recorded_at TEXT NOT NULL
);
-- One step of a kind per referral, and one step at each position: two agencies racing (a
-- filing and a refusal at once) record one step, the other write fails.
CREATE UNIQUE INDEX refusal_step_once ON refusal_steps(referral_id, step);
CREATE UNIQUE INDEX refusal_step_seq ON refusal_steps(referral_id, seq);
