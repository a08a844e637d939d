-- The records of punchline in the embedded SQLite file.
--
-- The same tables as on PostgreSQL. STRICT tables hold what sqlx binds: uuids as 16-byte
-- BLOBs, timestamps as RFC 3339 UTC TEXT (which sorts by time), booleans as INTEGER,
-- JSON as TEXT. Tenancy as there: org_id in every table, primary key and foreign key.

CREATE TABLE organisations (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE users (
    org_id      BLOB NOT NULL REFERENCES organisations (id),
    id          BLOB NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('worker', 'supervisor', 'admin')),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (org_id, id)
) STRICT;

CREATE TABLE sites (
    org_id      BLOB NOT NULL REFERENCES organisations (id),
    id          BLOB NOT NULL,
    name        TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    geofence    TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (org_id, id)
) STRICT;

CREATE TABLE punches (
    org_id                 BLOB NOT NULL REFERENCES organisations (id),
    id                     BLOB NOT NULL,
    client_id              TEXT NOT NULL,
    kind                   TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    worker_id              BLOB NOT NULL,
    site_id                BLOB NOT NULL,
    device_time            TEXT NOT NULL,
    device_offset_minutes  INTEGER NOT NULL,
    device_lat             REAL,
    device_lon             REAL,
    device_accuracy_m      REAL,
    device_mock            INTEGER,
    received_at            TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, client_id),
    FOREIGN KEY (org_id, worker_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, site_id) REFERENCES sites (org_id, id)
) STRICT;
CREATE INDEX punches_by_site ON punches (org_id, site_id, id);
CREATE INDEX punches_by_worker ON punches (org_id, worker_id, id);

CREATE TABLE photos (
    org_id          BLOB NOT NULL,
    id              BLOB NOT NULL,
    punch_id        BLOB NOT NULL,
    object_key      TEXT NOT NULL,
    state           TEXT NOT NULL
                    CHECK (state IN ('pending_upload', 'uploaded', 'processing', 'processed', 'failed')),
    bytes           INTEGER,
    format          TEXT,
    sha256          BLOB,
    width           INTEGER,
    height          INTEGER,
    failure_code    TEXT,
    failure_reason  TEXT,
    created_at      TEXT NOT NULL,
    uploaded_at     TEXT,
    processed_at    TEXT,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, punch_id),
    FOREIGN KEY (org_id, punch_id) REFERENCES punches (org_id, id)
) STRICT;
CREATE INDEX photos_by_sha256 ON photos (org_id, sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX photos_pending ON photos (org_id, created_at) WHERE state = 'pending_upload';

CREATE TABLE variants (
    org_id      BLOB NOT NULL,
    photo_id    BLOB NOT NULL,
    size        INTEGER NOT NULL,
    object_key  TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    PRIMARY KEY (org_id, photo_id, size),
    FOREIGN KEY (org_id, photo_id) REFERENCES photos (org_id, id)
) STRICT;

CREATE TABLE photo_facts (
    org_id             BLOB NOT NULL,
    photo_id           BLOB NOT NULL,
    present            INTEGER NOT NULL,
    make               TEXT,
    model              TEXT,
    datetime_original  TEXT,
    offset_time        TEXT,
    datetime           TEXT,
    gps_lat            REAL,
    gps_lon            REAL,
    gps_utc            TEXT,
    orientation        INTEGER,
    software           TEXT,
    PRIMARY KEY (org_id, photo_id),
    FOREIGN KEY (org_id, photo_id) REFERENCES photos (org_id, id)
) STRICT;
CREATE INDEX photo_facts_by_capture ON photo_facts (org_id, datetime_original)
    WHERE datetime_original IS NOT NULL;

CREATE TABLE photo_hashes (
    org_id        BLOB NOT NULL,
    photo_id      BLOB NOT NULL,
    pdq           BLOB NOT NULL CHECK (length(pdq) = 32),
    quality       INTEGER NOT NULL CHECK (quality BETWEEN 0 AND 100),
    pdq_dihedral  BLOB NOT NULL CHECK (length(pdq_dihedral) = 256),
    indexed       INTEGER NOT NULL,
    PRIMARY KEY (org_id, photo_id),
    FOREIGN KEY (org_id, photo_id) REFERENCES photos (org_id, id)
) STRICT;

-- Multi-index hashing: 16 chunks of 16 bits per indexed PDQ. WITHOUT ROWID makes the
-- primary key the table itself: a lookup is one b-tree range scan.
CREATE TABLE pdq_chunks (
    org_id       BLOB NOT NULL,
    chunk_no     INTEGER NOT NULL CHECK (chunk_no BETWEEN 0 AND 15),
    chunk_value  INTEGER NOT NULL CHECK (chunk_value BETWEEN 0 AND 65535),
    photo_id     BLOB NOT NULL,
    PRIMARY KEY (org_id, chunk_no, chunk_value, photo_id),
    FOREIGN KEY (org_id, photo_id) REFERENCES photo_hashes (org_id, photo_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE verdicts (
    org_id         BLOB NOT NULL,
    photo_id       BLOB NOT NULL,
    punch_id       BLOB NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('verified', 'needs_review', 'failed')),
    flags          TEXT NOT NULL,
    rules_version  TEXT NOT NULL,
    decided_at     TEXT NOT NULL,
    PRIMARY KEY (org_id, photo_id),
    UNIQUE (org_id, punch_id),
    FOREIGN KEY (org_id, photo_id) REFERENCES photos (org_id, id),
    FOREIGN KEY (org_id, punch_id) REFERENCES punches (org_id, id)
) STRICT;
CREATE INDEX verdicts_by_state ON verdicts (org_id, state, punch_id);

CREATE TABLE reviews (
    org_id       BLOB NOT NULL,
    id           BLOB NOT NULL,
    punch_id     BLOB NOT NULL,
    decision     TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    reviewer_id  BLOB NOT NULL,
    reason       TEXT NOT NULL,
    at           TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, punch_id) REFERENCES punches (org_id, id),
    FOREIGN KEY (org_id, reviewer_id) REFERENCES users (org_id, id)
) STRICT;
CREATE INDEX reviews_by_punch ON reviews (org_id, punch_id, at);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      BLOB NOT NULL,
    photo_id    BLOB NOT NULL,
    payload     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    FOREIGN KEY (org_id, photo_id) REFERENCES photos (org_id, id)
) STRICT;
CREATE INDEX outbox_unsent ON outbox (org_id, id) WHERE sent_at IS NULL;
