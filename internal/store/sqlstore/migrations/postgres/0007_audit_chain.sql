-- vneid schema v7 (PostgreSQL): the tamper-evident audit chain. Events are
-- appended unsealed by the transactions that cause them; a sealer later gives
-- each one a sequence number, the hash of the event sealed before it and its
-- own chain hash, under the one-row head (package audit describes the hash).
-- Signed checkpoints pin the chain's hash at some sequence numbers.
ALTER TABLE audit_events ADD COLUMN seal_seq BIGINT;
ALTER TABLE audit_events ADD COLUMN seal_prev BYTEA;
ALTER TABLE audit_events ADD COLUMN seal_hash BYTEA;
CREATE UNIQUE INDEX audit_events_seal_seq ON audit_events (seal_seq);
-- The sealer's work list stays small however long the log grows.
CREATE INDEX audit_events_unsealed ON audit_events (id) WHERE seal_seq IS NULL;

-- One row: the last sealed sequence number and its hash. Sealers lock it
-- (SELECT … FOR UPDATE) and move it with a compare-and-set.
CREATE TABLE audit_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        BIGINT NOT NULL,
    hash       BYTEA NOT NULL,
    sealed_at  TIMESTAMPTZ
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE TABLE audit_checkpoints (
    seq        BIGINT PRIMARY KEY,
    hash       BYTEA NOT NULL,
    signed_at  TIMESTAMPTZ NOT NULL,
    key_id     TEXT NOT NULL,
    signature  BYTEA NOT NULL
);
