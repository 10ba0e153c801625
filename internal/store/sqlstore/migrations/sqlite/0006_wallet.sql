-- vneid schema v6 (SQLite): the document wallet. The built-in document
-- registry (the source integrations are checked against), integration
-- requests, wallet documents, the wallet's sync cursor, presentations and
-- verifiers' nonces; the wallet passcode on the account.
ALTER TABLE accounts ADD COLUMN passcode_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE source_documents (
    kind        TEXT NOT NULL,
    number      TEXT NOT NULL,
    holder_id   TEXT NOT NULL,
    data        TEXT NOT NULL,
    seq         INTEGER NOT NULL UNIQUE,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (kind, number)
);
CREATE INDEX source_documents_holder ON source_documents (holder_id, kind);

-- One row: the last cursor handed out. Updating it serialises writers, so
-- cursors become visible in order.
CREATE TABLE source_seq (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    n   INTEGER NOT NULL
);
INSERT INTO source_seq (id, n) VALUES (1, 0);

CREATE TABLE integration_requests (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL,
    id_number        TEXT NOT NULL,
    kind             TEXT NOT NULL,
    number           TEXT NOT NULL,
    channel          TEXT NOT NULL,
    application_id   TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL,
    reason_code      TEXT NOT NULL DEFAULT '',
    documents        TEXT NOT NULL DEFAULT '[]',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    decided_at       TEXT
);
CREATE INDEX integration_requests_account ON integration_requests (account_id, kind, created_at);
CREATE INDEX integration_requests_due ON integration_requests (state, next_attempt_at);
CREATE UNIQUE INDEX integration_requests_one_pending ON integration_requests (account_id, kind, number)
    WHERE state = 'pending';

CREATE TABLE wallet_documents (
    account_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    number      TEXT NOT NULL,
    status      TEXT NOT NULL,
    data        TEXT NOT NULL,
    request_id  TEXT NOT NULL DEFAULT '',
    added_at    TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, number)
);
CREATE INDEX wallet_documents_source ON wallet_documents (kind, number);

CREATE TABLE sync_cursors (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);

CREATE TABLE presentations (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    documents    TEXT NOT NULL,
    nonce        TEXT NOT NULL DEFAULT '',
    audience     TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    verified_at  TEXT,
    verified_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX presentations_account ON presentations (account_id, created_at);
CREATE INDEX presentations_expires ON presentations (expires_at);

CREATE TABLE verifier_nonces (
    hash        BLOB PRIMARY KEY,
    client_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX verifier_nonces_expires ON verifier_nonces (expires_at);
