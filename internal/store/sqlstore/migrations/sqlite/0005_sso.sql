-- vneid schema v5 (SQLite): the OpenID Connect provider ("log in with
-- VNeID"): relying parties, authorization requests, tokens, sign-in
-- sessions, consents, signing keys and the citizen's usage records.
CREATE TABLE relying_parties (
    id           TEXT PRIMARY KEY,
    config       TEXT NOT NULL,
    secret_hash  BLOB,
    state        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE sso_requests (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL,
    code_hash   BLOB UNIQUE,
    data        TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sso_requests_expires ON sso_requests (expires_at);

CREATE TABLE sso_tokens (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    hash        BLOB UNIQUE,
    family      TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    session_id  TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT
);
CREATE INDEX sso_tokens_family ON sso_tokens (family);
CREATE INDEX sso_tokens_session ON sso_tokens (session_id);
CREATE INDEX sso_tokens_account ON sso_tokens (account_id, client_id);
CREATE INDEX sso_tokens_expires ON sso_tokens (expires_at);

CREATE TABLE sso_sessions (
    id          TEXT PRIMARY KEY,
    token_hash  BLOB NOT NULL UNIQUE,
    account_id  TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    ended_at    TEXT
);
CREATE INDEX sso_sessions_expires ON sso_sessions (expires_at);

CREATE TABLE sso_consents (
    account_id  TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, client_id)
);

CREATE TABLE sso_keys (
    id           TEXT PRIMARY KEY,
    algorithm    TEXT NOT NULL,
    private_key  BLOB NOT NULL,
    public_jwk   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    active_from  TEXT NOT NULL,
    retire_at    TEXT NOT NULL,
    expire_at    TEXT NOT NULL
);

CREATE TABLE usage_records (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL
);
CREATE INDEX usage_records_account ON usage_records (account_id, id);
CREATE INDEX usage_records_at ON usage_records (at);
