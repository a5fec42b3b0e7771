-- 三员分立 (issue 19): the system administrator opens an account (with the role its unit asked
-- for) and may disable it; the account works only once the security administrator has granted its
-- role and clearances. Accounts made before this (the operator's CLI, the demo) count as granted by
-- the operator. Every such act is an admin_actions row, ledgered.
ALTER TABLE users ADD COLUMN created_by TEXT;
ALTER TABLE users ADD COLUMN granted_by TEXT;
ALTER TABLE users ADD COLUMN granted_at TEXT;
ALTER TABLE users ADD COLUMN disabled_at TEXT;
UPDATE users SET created_by = 'cli', granted_by = 'cli', granted_at = created_at;
