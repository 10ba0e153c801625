-- vneid schema v7 (SQLite): the tamper-evident audit chain. Events are
-- appended unsealed by the transactions that cause them; a sealer later gives
-- each one a sequence number, the hash of the event sealed before it and its
-- own chain hash, under the one-row head (package audit describes the hash).
-- Signed checkpoints pin the chain's hash at some sequence numbers.
ALTER TABLE audit_events ADD COLUMN seal_seq INTEGER;
ALTER TABLE audit_events ADD COLUMN seal_prev BLOB;
ALTER TABLE audit_events ADD COLUMN seal_hash BLOB;
CREATE UNIQUE INDEX audit_events_seal_seq ON audit_events (seal_seq);
-- The sealer's work list stays small however long the log grows.
CREATE INDEX audit_events_unsealed ON audit_events (id) WHERE seal_seq IS NULL;

-- One row: the last sealed sequence number and its hash. A SQLite write
-- transaction excludes other writers; the head moves by compare-and-set.
CREATE TABLE audit_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        INTEGER NOT NULL,
    hash       BLOB NOT NULL,
    sealed_at  TEXT
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

CREATE TABLE audit_checkpoints (
    seq        INTEGER PRIMARY KEY,
    hash       BLOB NOT NULL,
    signed_at  TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    signature  BLOB NOT NULL
);
