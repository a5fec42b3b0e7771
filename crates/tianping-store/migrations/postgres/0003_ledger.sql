-- The tamper-evident ledger (RFC 6962 Merkle log) (PostgreSQL). See the SQLite file for notes.
-- Leaves in tiles of 16: tile t holds leaves 16t … 16t+15, one leaf's data per line, and their
-- salts (hex, or empty; comma-separated). A tile not yet full is written again, wider, by each
-- append, and its narrower copies are deleted; a full tile (width 16) never changes.
CREATE TABLE ledger_tiles (
    tile BIGINT NOT NULL,
    width BIGINT NOT NULL,
    data TEXT NOT NULL,
    salts TEXT NOT NULL,
    PRIMARY KEY (tile, width)
);

-- Which leaves name a record. A new event's row carries its leaf instead (events.leaf), which is
-- far cheaper on the hot path than an index entry per event.
CREATE TABLE ledger_refs (
    entity TEXT NOT NULL,
    ref TEXT NOT NULL,
    idx BIGINT NOT NULL,
    PRIMARY KEY (entity, ref, idx)
);
ALTER TABLE events ADD COLUMN leaf BIGINT;

CREATE TABLE ledger_nodes (
    id BIGINT PRIMARY KEY,
    hash TEXT NOT NULL
);

CREATE TABLE ledger_head (
    id BIGINT PRIMARY KEY,
    size BIGINT NOT NULL,
    frontier TEXT NOT NULL,
    root TEXT NOT NULL
);
INSERT INTO ledger_head (id, size, frontier, root)
VALUES (1, 0, '0', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

CREATE TABLE ledger_checkpoints (
    id BIGSERIAL PRIMARY KEY,
    size BIGINT NOT NULL,
    root TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE FUNCTION ledger_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.width < 16 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the ledger is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_tiles_no_change BEFORE UPDATE OR DELETE ON ledger_tiles
FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
