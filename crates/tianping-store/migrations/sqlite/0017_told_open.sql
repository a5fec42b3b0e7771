-- The clocks each person was told of (by the escalation ladder) and that may still be their task:
-- a projection of `notifications`, kept where warnings are notified and pruned when the clock's
-- latest warning is signed or the clock stops warning. A 待办 reads it by person instead of
-- joining every notification the person ever received (the 政法委 at the top of a city's ladder
-- receives tens of thousands). The 待办 still checks each row against the clock and its latest
-- warning, so a row pruned late is never shown.
CREATE TABLE told_open (
    user_id BIGINT NOT NULL REFERENCES users(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    clock_key TEXT NOT NULL,
    PRIMARY KEY (user_id, case_id, clock_key)
);
CREATE INDEX told_open_clock ON told_open(case_id, clock_key);
-- Warning clocks by deadline: someone told of thousands (the 政法委) gets their first page by
-- walking this index and keeping their own, instead of sorting all of theirs.
CREATE INDEX clocks_warning_deadline ON clocks(deadline, case_id) WHERE category IS NOT NULL;
INSERT INTO told_open (user_id, case_id, clock_key)
    SELECT DISTINCT n.user_id, w.case_id, w.clock_key FROM notifications n JOIN warnings w ON w.id = n.warning_id;
DELETE FROM told_open WHERE NOT EXISTS (
    SELECT 1 FROM clocks c WHERE c.case_id = told_open.case_id AND c.clock_key = told_open.clock_key AND c.category IS NOT NULL)
  OR EXISTS (
    SELECT 1 FROM warnings lw WHERE lw.case_id = told_open.case_id AND lw.clock_key = told_open.clock_key
      AND lw.acknowledged_at IS NOT NULL
      AND lw.id = (SELECT MAX(w2.id) FROM warnings w2 WHERE w2.case_id = told_open.case_id AND w2.clock_key = told_open.clock_key));
