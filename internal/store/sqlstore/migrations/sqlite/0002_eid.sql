-- vneid schema v2 (SQLite: times are fixed-width UTC text): e-ID applications and evidence, the
-- citizen inbox, portraits, the trust list, officers and their sessions.
ALTER TABLE accounts ADD COLUMN eid_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE accounts ADD COLUMN eid_pending_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN activation_due TEXT;
ALTER TABLE accounts ADD COLUMN eid_updated_at TEXT;
CREATE INDEX accounts_activation_due ON accounts (eid_state, activation_due);

CREATE TABLE applications (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id_number     TEXT NOT NULL,
    level         INTEGER NOT NULL,
    channel       TEXT NOT NULL,
    state         TEXT NOT NULL,
    unit          TEXT NOT NULL DEFAULT '',
    challenge     BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    submitted_at  TEXT,
    deadline_at   TEXT,
    decided_at    TEXT,
    decided_by    TEXT NOT NULL DEFAULT '',
    reason_code   TEXT NOT NULL DEFAULT '',
    reason_text   TEXT NOT NULL DEFAULT '',
    checks        TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL
);
CREATE INDEX applications_queue ON applications (state, deadline_at, submitted_at);
CREATE INDEX applications_account ON applications (account_id, created_at);

CREATE TABLE evidence (
    application_id  TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    data            BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (application_id, kind)
);

CREATE TABLE inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    title_vi    TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    body_vi     TEXT NOT NULL,
    body_en     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    read_at     TEXT
);
CREATE INDEX inbox_account ON inbox (account_id, id);

CREATE TABLE portraits (
    id_number   TEXT PRIMARY KEY,
    format      TEXT NOT NULL,
    data        BLOB NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE trust_entries (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    country     TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    serial      TEXT NOT NULL DEFAULT '',
    not_before  TEXT,
    not_after   TEXT,
    der         BLOB NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    added_at    TEXT NOT NULL
);

CREATE TABLE officers (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    full_name       TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    totp_secret     BLOB NOT NULL,
    totp_last_step  BIGINT NOT NULL DEFAULT 0,
    roles           TEXT NOT NULL DEFAULT '',
    units           TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE officer_sessions (
    id            TEXT PRIMARY KEY,
    token_hash    BLOB NOT NULL UNIQUE,
    officer_id    TEXT NOT NULL REFERENCES officers(id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    revoked_at    TEXT
);
CREATE INDEX officer_sessions_expires ON officer_sessions (expires_at);
