-- Invitations of deputies (issue 25): a court or procuratorate invites deputies to inspect its
-- work, sit in on a hearing, witness an enforcement or a forum; each invited deputy's line moves
-- invited → accepted / declined (before it begins) → attended (their opinion) / absent (after).
-- A line changes only by a conditional update from the state it was read in, so two writers
-- racing leave one change.
CREATE TABLE deputy_invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX deputy_invitation_scope ON deputy_invitations(region_path, starts_at);
CREATE TABLE deputy_invitees (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    invitation_id BIGINT NOT NULL REFERENCES deputy_invitations(id),
    deputy_id BIGINT NOT NULL REFERENCES deputies(id),
    state TEXT NOT NULL,
    opinion TEXT NOT NULL,
    answered_at TEXT,
    answered_by BIGINT REFERENCES users(id)
);
CREATE UNIQUE INDEX deputy_invitee_once ON deputy_invitees(invitation_id, deputy_id);
CREATE INDEX deputy_invitee_deputy ON deputy_invitees(deputy_id);
