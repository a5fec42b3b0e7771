-- When the system administrator last set a temporary password for the account: until its holder
-- chooses their own (which clears it), the account reaches only 账户安全 and logging out.
ALTER TABLE users ADD COLUMN password_reset_at TEXT;
