-- The records of punchline on PostgreSQL.
--
-- Tenancy: every table carries org_id, every primary key starts with it, and every
-- foreign key includes it, so a row can only ever point at rows of its own organisation.
-- Timestamps are UTC (timestamptz); a device's own offset is kept beside its time.

CREATE TABLE organisations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    org_id      uuid NOT NULL REFERENCES organisations (id),
    id          uuid NOT NULL,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('worker', 'supervisor', 'admin')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);

CREATE TABLE sites (
    org_id      uuid NOT NULL REFERENCES organisations (id),
    id          uuid NOT NULL,
    name        text NOT NULL,
    time_zone   text NOT NULL,
    -- punchline_domain::Geofence as JSON: {"kind":"circle",...} or {"kind":"polygon",...}
    geofence    jsonb NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);

CREATE TABLE punches (
    org_id                 uuid NOT NULL REFERENCES organisations (id),
    id                     uuid NOT NULL,
    client_id              text NOT NULL,
    kind                   text NOT NULL CHECK (kind IN ('in', 'out')),
    worker_id              uuid NOT NULL,
    site_id                uuid NOT NULL,
    device_time            timestamptz NOT NULL,
    device_offset_minutes  integer NOT NULL,
    device_lat             double precision,
    device_lon             double precision,
    device_accuracy_m      double precision,
    device_mock            boolean,
    received_at            timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    -- A retried create finds the punch the first request made.
    UNIQUE (org_id, client_id),
    FOREIGN KEY (org_id, worker_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, site_id) REFERENCES sites (org_id, id)
);
CREATE INDEX punches_by_site ON punches (org_id, site_id, id);
CREATE INDEX punches_by_worker ON punches (org_id, worker_id, id);

CREATE TABLE photos (
    org_id          uuid NOT NULL,
    id              uuid NOT NULL,
    punch_id        uuid NOT NULL,
    object_key      text NOT NULL,
    state           text NOT NULL
                    CHECK (state IN ('pending_upload', 'uploaded', 'processing', 'processed', 'failed')),
    bytes           bigint,
    format          text,
    sha256          bytea,
    width           integer,
    height          integer,
    failure_code    text,
    failure_reason  text,
    created_at      timestamptz NOT NULL,
    uploaded_at     timestamptz,
    processed_at    timestamptz,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, punch_id),
    FOREIGN KEY (org_id, punch_id) REFERENCES punches (org_id, id)
);
-- Exact-duplicate lookups.
CREATE INDEX photos_by_sha256 ON photos (org_id, sha256) WHERE sha256 IS NOT NULL;
-- The sweeper's look for uploads whose completion never came.
CREATE INDEX photos_pending ON photos (org_id, created_at) WHERE state = 'pending_upload';

CREATE TABLE variants (
    org_id      uuid NOT NULL,
    photo_id    uuid NOT NULL,
    size        integer NOT NULL,
    object_key  text NOT NULL,
    width       integer NOT NULL,
    height      integer NOT NULL,
    bytes       bigint NOT NULL,
    PRIMARY KEY (org_id, photo_id, size),
    FOREIGN KEY (org_id, photo_id) REFERENCES photos (org_id, id)
);

CREATE TABLE photo_facts (
    org_id             uuid NOT NULL,
    photo_id           uuid NOT NULL,
    present            boolean NOT NULL,
    make               text,
    model              text,
    datetime_original  text,
    offset_time        text,
    datetime           text,
    gps_lat            double precision,
    gps_lon            double precision,
    gps_utc            text,
    orientation        integer,
    software           text,
    PRIMARY KEY (org_id, photo_id),
    FOREIGN KEY (org_id, photo_id) REFERENCES photos (org_id, id)
);
-- The "EXIF copied" rule looks for other photos claiming the same capture.
CREATE INDEX photo_facts_by_capture ON photo_facts (org_id, datetime_original)
    WHERE datetime_original IS NOT NULL;

CREATE TABLE photo_hashes (
    org_id        uuid NOT NULL,
    photo_id      uuid NOT NULL,
    -- bit(256) rather than bytea: XOR (#) and bit_count() work on it, so candidate
    -- distances are computed inside the database.
    pdq           bit(256) NOT NULL,
    quality       smallint NOT NULL CHECK (quality BETWEEN 0 AND 100),
    -- The 8 dihedral PDQs concatenated (8 × 32 bytes), index 0 first.
    pdq_dihedral  bytea NOT NULL CHECK (length(pdq_dihedral) = 256),
    -- Whether pdq_chunks holds this hash (false for blank photos).
    indexed       boolean NOT NULL,
    PRIMARY KEY (org_id, photo_id),
    FOREIGN KEY (org_id, photo_id) REFERENCES photos (org_id, id)
);

-- Multi-index hashing: each indexed PDQ as 16 chunks of 16 bits. The primary key is the
-- lookup index, and holds photo_id so lookups are index-only.
CREATE TABLE pdq_chunks (
    org_id       uuid NOT NULL,
    chunk_no     smallint NOT NULL CHECK (chunk_no BETWEEN 0 AND 15),
    chunk_value  integer NOT NULL CHECK (chunk_value BETWEEN 0 AND 65535),
    photo_id     uuid NOT NULL,
    PRIMARY KEY (org_id, chunk_no, chunk_value, photo_id),
    FOREIGN KEY (org_id, photo_id) REFERENCES photo_hashes (org_id, photo_id)
);

CREATE TABLE verdicts (
    org_id         uuid NOT NULL,
    photo_id       uuid NOT NULL,
    punch_id       uuid NOT NULL,
    state          text NOT NULL CHECK (state IN ('verified', 'needs_review', 'failed')),
    flags          jsonb NOT NULL,
    rules_version  text NOT NULL,
    decided_at     timestamptz NOT NULL,
    -- One verdict per photo: this is what makes a redelivered job's commit a no-op.
    PRIMARY KEY (org_id, photo_id),
    UNIQUE (org_id, punch_id),
    FOREIGN KEY (org_id, photo_id) REFERENCES photos (org_id, id),
    FOREIGN KEY (org_id, punch_id) REFERENCES punches (org_id, id)
);
CREATE INDEX verdicts_by_state ON verdicts (org_id, state, punch_id);

-- Supervisors' decisions: many per punch, beside the verdict, never over it.
CREATE TABLE reviews (
    org_id       uuid NOT NULL,
    id           uuid NOT NULL,
    punch_id     uuid NOT NULL,
    decision     text NOT NULL CHECK (decision IN ('approved', 'rejected')),
    reviewer_id  uuid NOT NULL,
    reason       text NOT NULL,
    at           timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, punch_id) REFERENCES punches (org_id, id),
    FOREIGN KEY (org_id, reviewer_id) REFERENCES users (org_id, id)
);
CREATE INDEX reviews_by_punch ON reviews (org_id, punch_id, at);

-- Job messages written in the same transaction as the photo's state change, published
-- by the relay, marked sent after the broker confirms.
CREATE TABLE outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      uuid NOT NULL,
    photo_id    uuid NOT NULL,
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    sent_at     timestamptz,
    FOREIGN KEY (org_id, photo_id) REFERENCES photos (org_id, id)
);
CREATE INDEX outbox_unsent ON outbox (org_id, id) WHERE sent_at IS NULL;
