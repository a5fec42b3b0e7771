-- The per-case projection tables that ingest rewrites at every chunk no longer check their case
-- row on each insert (issue 28). Their rows are written only by the write path, in the same
-- transaction as the case row they derive from, and cases are never deleted; `ledger verify`
-- re-derives clocks and metric facts from the events. On PostgreSQL each inserted row's key
-- check was a lookup and a share lock of the case row: about a tenth of an import (BENCHMARKS.md).
-- Tables that people write (supervision, letters, evaluations …) keep their keys. On SQLite the
-- check is a rowid lookup and dropping it would mean rebuilding the tables: they keep it.
ALTER TABLE clocks DROP CONSTRAINT clocks_case_id_fkey;
ALTER TABLE case_nodes DROP CONSTRAINT case_nodes_case_id_fkey;
ALTER TABLE risk_hits DROP CONSTRAINT risk_hits_case_id_fkey;
ALTER TABLE metric_facts DROP CONSTRAINT metric_facts_case_id_fkey;
