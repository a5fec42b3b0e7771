-- The tamper-evident ledger (RFC 6962 Merkle log) (SQLite).
-- Salts of confidential records' leaves are kept only here, never exported.
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
) WITHOUT ROWID;
ALTER TABLE events ADD COLUMN leaf BIGINT;

-- Hashes of every perfect subtree: id = level * 2^40 + index.
CREATE TABLE ledger_nodes (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL
);

-- The head: size, right edge and root. One row; every append locks it first.
CREATE TABLE ledger_head (
    id BIGINT PRIMARY KEY,
    size BIGINT NOT NULL,
    frontier TEXT NOT NULL,
    root TEXT NOT NULL
);
INSERT INTO ledger_head (id, size, frontier, root)
VALUES (1, 0, '0', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

-- Signed checkpoints (C2SP signed notes).
CREATE TABLE ledger_checkpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    size BIGINT NOT NULL,
    root TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The ledger is append-only: full tiles never change; only narrower copies of a tile are deleted.
CREATE TRIGGER ledger_tiles_no_update BEFORE UPDATE ON ledger_tiles
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_tiles_no_delete BEFORE DELETE ON ledger_tiles WHEN OLD.width >= 16
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
