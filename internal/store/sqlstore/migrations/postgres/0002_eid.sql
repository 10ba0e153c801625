-- vneid schema v2 (PostgreSQL): e-ID applications and evidence, the
-- citizen inbox, portraits, the trust list, officers and their sessions.
ALTER TABLE accounts ADD COLUMN eid_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE accounts ADD COLUMN eid_pending_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN activation_due TIMESTAMPTZ;
ALTER TABLE accounts ADD COLUMN eid_updated_at TIMESTAMPTZ;
CREATE INDEX accounts_activation_due ON accounts (eid_state, activation_due);

CREATE TABLE applications (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id_number     TEXT NOT NULL,
    level         INTEGER NOT NULL,
    channel       TEXT NOT NULL,
    state         TEXT NOT NULL,
    unit          TEXT NOT NULL DEFAULT '',
    challenge     BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    submitted_at  TIMESTAMPTZ,
    deadline_at   TIMESTAMPTZ,
    decided_at    TIMESTAMPTZ,
    decided_by    TEXT NOT NULL DEFAULT '',
    reason_code   TEXT NOT NULL DEFAULT '',
    reason_text   TEXT NOT NULL DEFAULT '',
    checks        TEXT NOT NULL DEFAULT '',
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX applications_queue ON applications (state, deadline_at, submitted_at);
CREATE INDEX applications_account ON applications (account_id, created_at);

CREATE TABLE evidence (
    application_id  TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    data            BYTEA NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (application_id, kind)
);

CREATE TABLE inbox (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    title_vi    TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    body_vi     TEXT NOT NULL,
    body_en     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ
);
CREATE INDEX inbox_account ON inbox (account_id, id);

CREATE TABLE portraits (
    id_number   TEXT PRIMARY KEY,
    format      TEXT NOT NULL,
    data        BYTEA NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE trust_entries (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    country     TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    serial      TEXT NOT NULL DEFAULT '',
    not_before  TIMESTAMPTZ,
    not_after   TIMESTAMPTZ,
    der         BYTEA NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    added_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE officers (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    full_name       TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    totp_secret     BYTEA NOT NULL,
    totp_last_step  BIGINT NOT NULL DEFAULT 0,
    roles           TEXT NOT NULL DEFAULT '',
    units           TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE officer_sessions (
    id            TEXT PRIMARY KEY,
    token_hash    BYTEA NOT NULL UNIQUE,
    officer_id    TEXT NOT NULL REFERENCES officers(id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX officer_sessions_expires ON officer_sessions (expires_at);
