-- vneid schema v9 (SQLite): the population database's change feed.
-- Every upsert of a citizen (a new card, a revoked card, a death, a new
-- name or address) takes the next cursor from a one-row counter, which
-- serialises writers, so cursors become visible in order.
ALTER TABLE citizens ADD COLUMN seq INTEGER;
CREATE UNIQUE INDEX citizens_seq ON citizens (seq);
CREATE TABLE citizen_seq (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    n   INTEGER NOT NULL
);
INSERT INTO citizen_seq (id, n) VALUES (1, 0);
