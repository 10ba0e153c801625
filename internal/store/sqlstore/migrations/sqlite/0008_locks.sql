-- vneid schema v8 (SQLite): account locks and their grounds (Decree
-- 59/2022 Art 19). An account is locked while one of its locks is active.
CREATE TABLE account_locks (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    ground       TEXT NOT NULL,
    state        TEXT NOT NULL,
    locked_by    TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    evidence     TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    lifted_at    TEXT,
    lifted_by    TEXT NOT NULL DEFAULT '',
    lift_reason  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX account_locks_account ON account_locks (account_id, state);
-- One active lock per automatic ground and account.
CREATE UNIQUE INDEX account_locks_one_automatic ON account_locks (account_id, ground)
    WHERE state = 'active' AND ground IN ('card_revoked', 'deceased');
