-- A letter in 公文 form names whom it is sent to (主送机关) and the date by which the answer is due
-- (the date, Beijing time, as YYYY-MM-DD). Letters issued before this have neither.
ALTER TABLE letters ADD COLUMN addressee TEXT;
ALTER TABLE letters ADD COLUMN reply_by TEXT;
