-- PostgreSQL only (see migrations/postgres/0050_projection_keys.sql): SQLite's projection tables
-- keep their foreign keys. A statement that changes nothing keeps the two lists in step.
SELECT 1;
