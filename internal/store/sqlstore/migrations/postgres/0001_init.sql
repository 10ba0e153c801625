-- vneid schema v1 (PostgreSQL): population registry, app accounts, outbox,
-- rate-limit counters, audit log, shared secrets.
CREATE TABLE citizens (
    id_number          TEXT PRIMARY KEY,
    full_name          TEXT NOT NULL,
    date_of_birth      DATE NOT NULL,
    gender             TEXT NOT NULL,
    nationality        TEXT NOT NULL DEFAULT '',
    ethnicity          TEXT NOT NULL DEFAULT '',
    religion           TEXT NOT NULL DEFAULT '',
    place_of_origin    TEXT NOT NULL DEFAULT '',
    perm_house_number  TEXT NOT NULL DEFAULT '',
    perm_street        TEXT NOT NULL DEFAULT '',
    perm_hamlet        TEXT NOT NULL DEFAULT '',
    perm_commune       TEXT NOT NULL DEFAULT '',
    perm_district      TEXT NOT NULL DEFAULT '',
    perm_province      TEXT NOT NULL DEFAULT '',
    temp_house_number  TEXT NOT NULL DEFAULT '',
    temp_street        TEXT NOT NULL DEFAULT '',
    temp_hamlet        TEXT NOT NULL DEFAULT '',
    temp_commune       TEXT NOT NULL DEFAULT '',
    temp_district      TEXT NOT NULL DEFAULT '',
    temp_province      TEXT NOT NULL DEFAULT '',
    life_status        TEXT NOT NULL DEFAULT 'alive',
    old_id_number      TEXT NOT NULL DEFAULT '',
    updated_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE id_cards (
    citizen_id   TEXT NOT NULL REFERENCES citizens(id_number) ON DELETE CASCADE,
    issue_date   DATE NOT NULL,
    number       TEXT NOT NULL,
    chip         BOOLEAN NOT NULL,
    expiry_date  DATE,
    status       TEXT NOT NULL,
    PRIMARY KEY (citizen_id, issue_date)
);

CREATE TABLE registrations (
    id                 TEXT PRIMARY KEY,
    id_number          TEXT NOT NULL,
    phone              TEXT NOT NULL,
    device_id          TEXT NOT NULL,
    device_public_key  BYTEA NOT NULL,
    device_name        TEXT NOT NULL DEFAULT '',
    device_platform    TEXT NOT NULL DEFAULT '',
    state              TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    expires_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX registrations_id_number ON registrations (id_number);
CREATE INDEX registrations_expires ON registrations (expires_at);

CREATE TABLE otps (
    id            TEXT PRIMARY KEY,
    purpose       TEXT NOT NULL,
    subject       TEXT NOT NULL,
    phone         TEXT NOT NULL,
    code_hash     BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    consumed_at   TIMESTAMPTZ
);
CREATE INDEX otps_subject ON otps (purpose, subject, created_at);
CREATE INDEX otps_phone ON otps (phone, created_at);

CREATE TABLE accounts (
    id                   TEXT PRIMARY KEY,
    id_number            TEXT NOT NULL UNIQUE,
    phone                TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    state                TEXT NOT NULL,
    level                INTEGER NOT NULL DEFAULT 0,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    password_changed_at  TIMESTAMPTZ NOT NULL,
    last_login_at        TIMESTAMPTZ
);

CREATE TABLE devices (
    account_id  TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    device_id   TEXT NOT NULL,
    public_key  BYTEA NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    platform    TEXT NOT NULL DEFAULT '',
    bound_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    token_hash    BYTEA NOT NULL UNIQUE,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    device_id     TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE outbox (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel          TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    template         TEXT NOT NULL,
    body             TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    delivered_at     TIMESTAMPTZ,
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (recipient, id);

CREATE TABLE rate_counters (
    key           TEXT NOT NULL,
    window_start  TIMESTAMPTZ NOT NULL,
    count         BIGINT NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counters_expires ON rate_counters (expires_at);

CREATE TABLE audit_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    purpose     TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_subject ON audit_events (subject, id);

CREATE TABLE secrets (
    name        TEXT PRIMARY KEY,
    value       BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
