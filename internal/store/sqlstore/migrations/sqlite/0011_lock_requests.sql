-- vneid schema v11 (SQLite): authorities' requests to lock or unlock an
-- account, decided by the head of the receiving police unit within 2
-- working days (Decree 59/2022 Art 19).
CREATE TABLE lock_requests (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    id_number    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    requester    TEXT NOT NULL,
    reference    TEXT NOT NULL,
    contact      TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL,
    unit         TEXT NOT NULL,
    received_by  TEXT NOT NULL,
    state        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    deadline_at  TEXT NOT NULL,
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   TEXT,
    decision     TEXT NOT NULL DEFAULT '',
    lock_id      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX lock_requests_unit ON lock_requests (unit, state, deadline_at);
