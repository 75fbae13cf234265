-- The end of a realm's virtual queue: each caller that gives up waiting is handed the next free moment
-- (spaced at the realm's rate), so a backlog sleeps until its turn instead of polling.
ALTER TABLE qbo_rate_buckets ADD COLUMN queue_until timestamptz NOT NULL DEFAULT now();
