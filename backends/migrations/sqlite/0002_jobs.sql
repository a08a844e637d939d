-- The embedded job queue: a durable jobs table in the same SQLite file as the records.
--
-- Times here are INTEGER unix milliseconds (not the records' RFC 3339 TEXT): the queue
-- compares and adds them on every claim.
--
-- One column carries both the backoff and the visibility timeout: a job can be claimed
-- when available_at_ms has passed. Claiming moves available_at_ms to the end of the
-- visibility timeout, so a claim whose worker died expires on its own; a retry moves it
-- to the end of the backoff.

CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The queue's name (queue.name_prefix), so several queues can share the file.
    queue            TEXT NOT NULL,
    -- The job message: punchline_domain::PhotoJob as versioned JSON.
    payload          TEXT NOT NULL,
    -- Deliveries so far, counted when a consumer claims the job.
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- When the job may next be claimed (unix ms).
    available_at_ms  INTEGER NOT NULL,
    -- The current claim's random token: settling requires it, so a consumer whose claim
    -- expired cannot settle the job under another consumer's feet. NULL when unclaimed.
    claim            BLOB,
    -- Why the last attempt failed (from a retry).
    last_error       TEXT,
    -- Set when the job is parked: it is never delivered again.
    parked_at_ms     INTEGER,
    park_reason      TEXT,
    enqueued_at_ms   INTEGER NOT NULL,
    CHECK ((parked_at_ms IS NULL) = (park_reason IS NULL))
) STRICT;

-- The claim's look-up: the deliverable job of a queue that has been available longest.
CREATE INDEX jobs_deliverable ON jobs (queue, available_at_ms, id) WHERE parked_at_ms IS NULL;
-- Operators' look at parked jobs, oldest first.
CREATE INDEX jobs_parked ON jobs (queue, parked_at_ms, id) WHERE parked_at_ms IS NOT NULL;
