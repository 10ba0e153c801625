package sqlstore

import (
	"context"
	"fmt"

	"github.com/vneid/vneid/internal/adminunit"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/store"
)

func dateText(d identity.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func parseDateText(s string) (identity.Date, error) {
	if s == "" {
		return identity.Date{}, nil
	}
	return identity.ParseDate(s)
}

// PutAdminUnits inserts or replaces administrative units.
func (q queries) PutAdminUnits(ctx context.Context, units []adminunit.Unit) error {
	for _, u := range units {
		_, err := q.x.ExecContext(ctx, `INSERT INTO admin_units (code, name, level, parent, valid_from, valid_to)
			VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
			parent = excluded.parent, valid_from = excluded.valid_from, valid_to = excluded.valid_to`,
			u.Code, u.Name, string(u.Level), u.Parent, dateText(u.ValidFrom), dateText(u.ValidTo))
		if err != nil {
			return fmt.Errorf("put admin unit %s: %w", u.Code, err)
		}
	}
	return nil
}

// ListAdminUnits returns every administrative unit, shorter codes (higher
// tiers) first, then by code.
func (q queries) ListAdminUnits(ctx context.Context) ([]adminunit.Unit, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT code, name, level, parent, valid_from, valid_to FROM admin_units ORDER BY length(code), code`)
	if err != nil {
		return nil, fmt.Errorf("list admin units: %w", err)
	}
	defer rows.Close()
	var out []adminunit.Unit
	for rows.Next() {
		var u adminunit.Unit
		var level, from, to string
		if err := rows.Scan(&u.Code, &u.Name, &level, &u.Parent, &from, &to); err != nil {
			return nil, fmt.Errorf("list admin units: %w", err)
		}
		u.Level = adminunit.Level(level)
		if u.ValidFrom, err = parseDateText(from); err != nil {
			return nil, fmt.Errorf("admin unit %s valid_from: %w", u.Code, err)
		}
		if u.ValidTo, err = parseDateText(to); err != nil {
			return nil, fmt.Errorf("admin unit %s valid_to: %w", u.Code, err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list admin units: %w", err)
	}
	return out, nil
}

const policeUnitColumns = `id, name, level, area, parent, state, created_at, updated_at`

func scanPoliceUnit(row interface{ Scan(...any) error }) (store.PoliceUnit, error) {
	var u store.PoliceUnit
	var level string
	err := row.Scan(&u.ID, &u.Name, &level, &u.Area, &u.Parent, &u.State, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt})
	u.Level = store.PoliceUnitLevel(level)
	return u, err
}

// PutPoliceUnit inserts or replaces a police unit.
func (q queries) PutPoliceUnit(ctx context.Context, u store.PoliceUnit) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO police_units (`+policeUnitColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, level = excluded.level, area = excluded.area,
		parent = excluded.parent, state = excluded.state, updated_at = excluded.updated_at`,
		u.ID, u.Name, string(u.Level), u.Area, u.Parent, u.State, q.t(u.CreatedAt), q.t(u.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put police unit %s: %w", u.ID, err)
	}
	return nil
}

// PoliceUnit returns a police unit by ID.
func (q queries) PoliceUnit(ctx context.Context, id string) (store.PoliceUnit, error) {
	u, err := scanPoliceUnit(q.x.QueryRowContext(ctx, `SELECT `+policeUnitColumns+` FROM police_units WHERE id = $1`, id))
	if err != nil {
		return store.PoliceUnit{}, notFound("police unit", err)
	}
	return u, nil
}

// ListPoliceUnits returns every police unit by ID.
func (q queries) ListPoliceUnits(ctx context.Context) ([]store.PoliceUnit, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT `+policeUnitColumns+` FROM police_units ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list police units: %w", err)
	}
	defer rows.Close()
	var out []store.PoliceUnit
	for rows.Next() {
		u, err := scanPoliceUnit(rows)
		if err != nil {
			return nil, fmt.Errorf("list police units: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list police units: %w", err)
	}
	return out, nil
}

// PutFingerprintTemplate stores or replaces one finger's template.
func (q queries) PutFingerprintTemplate(ctx context.Context, t store.FingerprintTemplate) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO fingerprint_templates (id_number, position, format, data, updated_at)
		VALUES ($1,$2,$3,$4,$5) ON CONFLICT (id_number, position) DO UPDATE SET format = excluded.format,
		data = excluded.data, updated_at = excluded.updated_at`,
		t.IDNumber, t.Position, t.Format, t.Data, q.t(t.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put fingerprint template: %w", err)
	}
	return nil
}

// FingerprintTemplates returns a citizen's templates by position.
func (q queries) FingerprintTemplates(ctx context.Context, idNumber string) ([]store.FingerprintTemplate, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT id_number, position, format, data, updated_at FROM fingerprint_templates
		WHERE id_number = $1 ORDER BY position`, idNumber)
	if err != nil {
		return nil, fmt.Errorf("fingerprint templates: %w", err)
	}
	defer rows.Close()
	var out []store.FingerprintTemplate
	for rows.Next() {
		var t store.FingerprintTemplate
		if err := rows.Scan(&t.IDNumber, &t.Position, &t.Format, &t.Data, timeCol{&t.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("fingerprint templates: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("fingerprint templates: %w", err)
	}
	return out, nil
}
