-- vneid schema v5 (PostgreSQL): the OpenID Connect provider ("log in with
-- VNeID"): relying parties, authorization requests, tokens, sign-in
-- sessions, consents, signing keys and the citizen's usage records.
CREATE TABLE relying_parties (
    id           TEXT PRIMARY KEY,
    config       TEXT NOT NULL,
    secret_hash  BYTEA,
    state        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE sso_requests (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL,
    code_hash   BYTEA UNIQUE,
    data        TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sso_requests_expires ON sso_requests (expires_at);

CREATE TABLE sso_tokens (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    hash        BYTEA UNIQUE,
    family      TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    session_id  TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX sso_tokens_family ON sso_tokens (family);
CREATE INDEX sso_tokens_session ON sso_tokens (session_id);
CREATE INDEX sso_tokens_account ON sso_tokens (account_id, client_id);
CREATE INDEX sso_tokens_expires ON sso_tokens (expires_at);

CREATE TABLE sso_sessions (
    id          TEXT PRIMARY KEY,
    token_hash  BYTEA NOT NULL UNIQUE,
    account_id  TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ
);
CREATE INDEX sso_sessions_expires ON sso_sessions (expires_at);

CREATE TABLE sso_consents (
    account_id  TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    granted_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, client_id)
);

CREATE TABLE sso_keys (
    id           TEXT PRIMARY KEY,
    algorithm    TEXT NOT NULL,
    private_key  BYTEA NOT NULL,
    public_jwk   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    active_from  TIMESTAMPTZ NOT NULL,
    retire_at    TIMESTAMPTZ NOT NULL,
    expire_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE usage_records (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX usage_records_account ON usage_records (account_id, id);
CREATE INDEX usage_records_at ON usage_records (at);
