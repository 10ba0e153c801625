package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/store"
)

const officerColumns = `id, username, full_name, password_hash, totp_secret, totp_last_step, roles, unit_id, state,
	created_at, updated_at`

func scanOfficer(row interface{ Scan(...any) error }) (store.Officer, error) {
	var o store.Officer
	var roles, state string
	err := row.Scan(&o.ID, &o.Username, &o.FullName, &o.PasswordHash, &o.TOTPSecret, &o.TOTPLastStep, &roles, &o.UnitID,
		&state, timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt})
	o.Roles, o.State = splitList(roles), store.OfficerState(state)
	return o, err
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// CreateOfficer stores an officer.
func (q queries) CreateOfficer(ctx context.Context, o store.Officer) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO officers (`+officerColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		o.ID, o.Username, o.FullName, o.PasswordHash, o.TOTPSecret, o.TOTPLastStep, strings.Join(o.Roles, ","),
		o.UnitID, string(o.State), q.t(o.CreatedAt), q.t(o.UpdatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("create officer: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create officer: %w", err)
	}
	return nil
}

// Officer returns an officer by ID.
func (q queries) Officer(ctx context.Context, id string) (store.Officer, error) {
	o, err := scanOfficer(q.x.QueryRowContext(ctx, `SELECT `+officerColumns+` FROM officers WHERE id = $1`, id))
	if err != nil {
		return store.Officer{}, notFound("officer", err)
	}
	return o, nil
}

// OfficerByUsername returns an officer by username.
func (q queries) OfficerByUsername(ctx context.Context, username string) (store.Officer, error) {
	o, err := scanOfficer(q.x.QueryRowContext(ctx, `SELECT `+officerColumns+` FROM officers WHERE username = $1`, username))
	if err != nil {
		return store.Officer{}, notFound("officer by username", err)
	}
	return o, nil
}

// ListOfficers returns every officer by username.
func (q queries) ListOfficers(ctx context.Context) ([]store.Officer, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT `+officerColumns+` FROM officers ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list officers: %w", err)
	}
	defer rows.Close()
	var out []store.Officer
	for rows.Next() {
		o, err := scanOfficer(rows)
		if err != nil {
			return nil, fmt.Errorf("list officers: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list officers: %w", err)
	}
	return out, nil
}

// UpdateOfficer writes an officer's mutable fields.
func (q queries) UpdateOfficer(ctx context.Context, o store.Officer) error {
	res, err := q.x.ExecContext(ctx, `UPDATE officers SET full_name = $1, password_hash = $2, totp_secret = $3, roles = $4,
		unit_id = $5, state = $6, updated_at = $7 WHERE id = $8`, o.FullName, o.PasswordHash, o.TOTPSecret,
		strings.Join(o.Roles, ","), o.UnitID, string(o.State), q.t(o.UpdatedAt), o.ID)
	return affected("update officer", res, err, store.ErrNotFound)
}

// UseTOTPStep records a TOTP time step as used, once.
func (q queries) UseTOTPStep(ctx context.Context, officerID string, step int64) error {
	res, err := q.x.ExecContext(ctx, `UPDATE officers SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`,
		step, officerID)
	return affected("use totp step", res, err, store.ErrConflict)
}

// CreateOfficerSession stores a console session.
func (q queries) CreateOfficerSession(ctx context.Context, s store.OfficerSession) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO officer_sessions (id, token_hash, officer_id, created_at, expires_at,
		last_seen_at, revoked_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`, s.ID, s.TokenHash, s.OfficerID, q.t(s.CreatedAt),
		q.t(s.ExpiresAt), q.t(s.LastSeenAt), q.t(s.RevokedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("create officer session: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create officer session: %w", err)
	}
	return nil
}

// OfficerSessionByTokenHash returns a console session by token hash.
func (q queries) OfficerSessionByTokenHash(ctx context.Context, hash []byte) (store.OfficerSession, error) {
	var s store.OfficerSession
	err := q.x.QueryRowContext(ctx, `SELECT id, token_hash, officer_id, created_at, expires_at, last_seen_at, revoked_at
		FROM officer_sessions WHERE token_hash = $1`, hash).Scan(&s.ID, &s.TokenHash, &s.OfficerID,
		timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt}, timeCol{&s.LastSeenAt}, timeCol{&s.RevokedAt})
	if err != nil {
		return store.OfficerSession{}, notFound("officer session", err)
	}
	return s, nil
}

// TouchOfficerSession sets a console session's last-seen time.
func (q queries) TouchOfficerSession(ctx context.Context, id string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE officer_sessions SET last_seen_at = $1 WHERE id = $2`, q.t(at), id)
	return affected("touch officer session", res, err, store.ErrNotFound)
}

// RevokeOfficerSession ends a live console session.
func (q queries) RevokeOfficerSession(ctx context.Context, id string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE officer_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`,
		q.t(at), id)
	return affected("revoke officer session", res, err, store.ErrNotFound)
}
