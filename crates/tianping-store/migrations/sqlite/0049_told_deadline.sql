-- Each told clock's deadline beside it (issue 28): a person's 待办 walks their own told clocks in
-- deadline order and stops when the page is full, instead of reading every told clock and its
-- latest warning before the sort (a court's chief and office are told of thousands at a million
-- cases). Kept where the clock rows are written (`clocks::prune_told`) and where the poller tells.
ALTER TABLE told_open ADD COLUMN deadline TEXT;
UPDATE told_open SET deadline = (SELECT c.deadline FROM clocks c
    WHERE c.case_id = told_open.case_id AND c.clock_key = told_open.clock_key);
CREATE INDEX told_open_deadline ON told_open(user_id, deadline, case_id, clock_key);
