-- Text messages (短信) share the outbox with mail: `channel` says which sender delivers a row
-- (`mail` over SMTP to an address, `sms` through the configured gateway to a phone number).
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'mail';
