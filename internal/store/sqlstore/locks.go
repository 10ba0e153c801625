package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/store"
)

const lockColumns = `id, account_id, ground, state, locked_by, reason, evidence, created_at, lifted_at, lifted_by, lift_reason`

// AddLock stores an active lock; ErrConflict when an automatic ground is
// already active for the account.
func (q queries) AddLock(ctx context.Context, l store.AccountLock) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO account_locks (`+lockColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		l.ID, l.AccountID, l.Ground, store.LockActive, l.By, l.Reason, l.Evidence, q.t(l.CreatedAt), nil, "", "")
	if isUniqueViolation(err) {
		return fmt.Errorf("add lock: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("add lock: %w", err)
	}
	return nil
}

// AccountLocks returns an account's locks, newest first.
func (q queries) AccountLocks(ctx context.Context, accountID string, activeOnly bool) ([]store.AccountLock, error) {
	query := `SELECT ` + lockColumns + ` FROM account_locks WHERE account_id = $1`
	if activeOnly {
		query += ` AND state = 'active'`
	}
	rows, err := q.x.QueryContext(ctx, query+` ORDER BY created_at DESC, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("account locks: %w", err)
	}
	defer rows.Close()
	var out []store.AccountLock
	for rows.Next() {
		var l store.AccountLock
		if err := rows.Scan(&l.ID, &l.AccountID, &l.Ground, &l.State, &l.By, &l.Reason, &l.Evidence, timeCol{&l.CreatedAt},
			timeCol{&l.LiftedAt}, &l.LiftedBy, &l.LiftReason); err != nil {
			return nil, fmt.Errorf("account locks: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account locks: %w", err)
	}
	return out, nil
}

// LiftLock lifts an active lock.
func (q queries) LiftLock(ctx context.Context, id, by, reason string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE account_locks SET state = 'lifted', lifted_at = $1, lifted_by = $2, lift_reason = $3
		WHERE id = $4 AND state = 'active'`, q.t(at), by, reason, id)
	if err := affected("lift lock", res, err, store.ErrNotFound); err == nil || !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var n int
	if err := q.x.QueryRowContext(ctx, `SELECT COUNT(*) FROM account_locks WHERE id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("lift lock: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("lift lock: %w", store.ErrConflict)
	}
	return fmt.Errorf("lift lock: %w", store.ErrNotFound)
}
