-- The supervisors' console (issue 18): one-time login links and browser sessions.
--
-- Only SHA-256 digests of the secrets are kept: the link's token and the session cookie
-- are never stored, so a copy of the database signs nobody in. Both belong to a user of
-- one organisation (composite foreign key, as everywhere else), and the role is the one
-- the issuer vouched for when the link or session was made.

CREATE TABLE console_logins (
    token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    org_id      uuid NOT NULL,
    user_id     uuid NOT NULL,
    role        text NOT NULL CHECK (role IN ('supervisor', 'admin')),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    -- Set when the link is used: a link signs in once.
    used_at     timestamptz,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX console_logins_expiry ON console_logins (expires_at);

CREATE TABLE console_sessions (
    id_hash     bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    org_id      uuid NOT NULL,
    user_id     uuid NOT NULL,
    role        text NOT NULL CHECK (role IN ('supervisor', 'admin')),
    -- The token every form of this session carries (CSRF).
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    -- Set by signing out: the cookie stops working at once.
    ended_at    timestamptz,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
