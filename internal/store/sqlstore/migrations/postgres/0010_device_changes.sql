-- vneid schema v10 (PostgreSQL): device changes pending confirmation, by a code
-- shown on the old device or by reading the ID card's chip. An account has
-- one device: a change binds the new device in place of the old.
CREATE TABLE device_changes (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    old_device_id      TEXT NOT NULL DEFAULT '',
    device_id          TEXT NOT NULL,
    device_public_key  BYTEA NOT NULL,
    device_name        TEXT NOT NULL DEFAULT '',
    device_platform    TEXT NOT NULL DEFAULT '',
    method             TEXT NOT NULL,
    code_hash          BYTEA,
    attempts           INTEGER NOT NULL DEFAULT 0,
    max_attempts       INTEGER NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    expires_at         TIMESTAMPTZ NOT NULL,
    completed_at       TIMESTAMPTZ
);
CREATE INDEX device_changes_account ON device_changes (account_id, created_at);
