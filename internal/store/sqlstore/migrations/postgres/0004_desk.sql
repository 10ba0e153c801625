-- vneid schema v4 (PostgreSQL): the administrative hierarchy as data, police
-- units, officers attached to a unit, the ID-card database's fingerprint
-- templates, and the enrolment desk's part of an application.
CREATE TABLE admin_units (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent      TEXT NOT NULL DEFAULT '',
    valid_from  TEXT NOT NULL DEFAULT '',
    valid_to    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE police_units (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    area        TEXT NOT NULL DEFAULT '',
    parent      TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- The ministry's unit sees the whole country; officers who were
-- nationwide before units existed belong to it.
INSERT INTO police_units (id, name, level, area, parent, state, created_at, updated_at)
VALUES ('C06', 'Cục Cảnh sát quản lý hành chính về trật tự xã hội (C06), Bộ Công an', 'ministry', '', '', 'active',
        '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');

ALTER TABLE officers ADD COLUMN unit_id TEXT NOT NULL DEFAULT '';
UPDATE officers SET unit_id = 'C06' WHERE units LIKE '%*%';
ALTER TABLE officers DROP COLUMN units;

-- Level-1 applications were filed under the 3-digit ID-number province
-- code; units are now statistics-office codes (2 digits for provinces).
UPDATE applications SET unit = substr(unit, 2) WHERE length(unit) = 3 AND unit LIKE '0%';
ALTER TABLE applications ADD COLUMN office TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN details TEXT NOT NULL DEFAULT '';

CREATE TABLE fingerprint_templates (
    id_number   TEXT NOT NULL,
    position    INTEGER NOT NULL,
    format      TEXT NOT NULL,
    data        BYTEA NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id_number, position)
);
