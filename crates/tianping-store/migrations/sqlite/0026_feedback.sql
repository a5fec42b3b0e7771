-- The public's ratings (司法公正码, issue 24). A token row is each QR code issued: for a party of a
-- case (printed on the 受理通知书 or 送达回证) or for a court's window (a poster). The signed token
-- carries only `token_id`, its scope and expiry; everything else stays here.
CREATE TABLE feedback_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    court_id TEXT NOT NULL REFERENCES orgs(id),
    case_id BIGINT REFERENCES cases(id),
    -- Whom the code is for: a party's procedural position (原告, 被告人 …) or a window's name.
    label TEXT NOT NULL,
    issued_by BIGINT NOT NULL REFERENCES users(id),
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX feedback_tokens_case ON feedback_tokens(case_id);
CREATE INDEX feedback_tokens_court ON feedback_tokens(court_id, scope);

-- One row per rating. `once_token` is set for a case party's code, so the unique index lets it
-- rate once even when two requests race; window codes leave it empty. `device` (a hash of the
-- browser's cookie, for the window's daily limit), `set_aside_at` and `reviewed_at` (copies of the
-- decisions' times, so the index and the 待办 need no join) are operational, not recorded in the
-- ledger; the decisions themselves are.
CREATE TABLE feedback_ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_row BIGINT NOT NULL REFERENCES feedback_tokens(id),
    once_token BIGINT UNIQUE,
    court_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id),
    case_kind TEXT NOT NULL,
    judge TEXT NOT NULL,
    level BIGINT NOT NULL,
    aspects TEXT NOT NULL,
    comment TEXT NOT NULL,
    name TEXT,
    phone TEXT,
    follow_up TEXT NOT NULL,
    item_id BIGINT REFERENCES supervision_items(id),
    rated_at TEXT NOT NULL,
    device TEXT,
    set_aside_at TEXT,
    reviewed_at TEXT
);
CREATE INDEX feedback_ratings_scope ON feedback_ratings(region_path, rated_at, level, follow_up, set_aside_at, item_id);
CREATE INDEX feedback_ratings_court ON feedback_ratings(court_id, rated_at);
CREATE INDEX feedback_ratings_device ON feedback_ratings(token_row, device, rated_at);
CREATE INDEX feedback_ratings_item ON feedback_ratings(item_id);
-- The anonymous bad ratings nobody has reviewed yet (the case office's 待办): a small index.
CREATE INDEX feedback_ratings_to_review ON feedback_ratings(region_path, rated_at)
    WHERE follow_up = 'review' AND reviewed_at IS NULL AND set_aside_at IS NULL;

-- The index's counts, kept by every rating and set-aside in the same write: per court, month
-- (Beijing, YYYY-MM), judge and kind of case. A quarter's index reads at most three months of
-- these rows instead of every rating (derived data, not ledgered; rebuilt from the ratings by
-- `Store::rebuild_feedback_totals`).
CREATE TABLE feedback_totals (
    court_id TEXT NOT NULL REFERENCES orgs(id),
    region_path TEXT NOT NULL,
    month TEXT NOT NULL,
    judge TEXT NOT NULL,
    case_kind TEXT NOT NULL,
    ratings BIGINT NOT NULL,
    good BIGINT NOT NULL,
    bad BIGINT NOT NULL,
    level_sum BIGINT NOT NULL,
    PRIMARY KEY (court_id, month, judge, case_kind)
);
CREATE INDEX feedback_totals_scope ON feedback_totals(region_path, month);

-- What the court decided about a rating: a bad rating without a contact reviewed, or a rating set
-- aside as mistaken or malicious (by someone other than the case's judge). The rating itself is
-- never changed; each decision once per kind.
CREATE TABLE feedback_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rating_id BIGINT NOT NULL REFERENCES feedback_ratings(id),
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    decided_by BIGINT NOT NULL REFERENCES users(id),
    decided_at TEXT NOT NULL
);
CREATE UNIQUE INDEX feedback_decisions_once ON feedback_decisions(rating_id, kind);

-- A bad rating with a contact becomes one supervision item (source 群众评价).
CREATE UNIQUE INDEX supervision_items_rating_once ON supervision_items(source_ref) WHERE source = 'public_rating';
