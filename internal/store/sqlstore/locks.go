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

const lockRequestColumns = `id, account_id, id_number, kind, requester, reference, contact, reason, unit, received_by, state,
	created_at, deadline_at, decided_by, decided_at, decision, lock_id`

func scanLockRequest(row interface{ Scan(...any) error }) (store.LockRequest, error) {
	var r store.LockRequest
	err := row.Scan(&r.ID, &r.AccountID, &r.IDNumber, &r.Kind, &r.Requester, &r.Reference, &r.Contact, &r.Reason, &r.Unit,
		&r.ReceivedBy, &r.State, timeCol{&r.CreatedAt}, timeCol{&r.DeadlineAt}, &r.DecidedBy, timeCol{&r.DecidedAt}, &r.Decision, &r.LockID)
	return r, err
}

// CreateLockRequest stores a pending request.
func (q queries) CreateLockRequest(ctx context.Context, r store.LockRequest) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO lock_requests (`+lockRequestColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
		r.ID, r.AccountID, r.IDNumber, r.Kind, r.Requester, r.Reference, r.Contact, r.Reason, r.Unit, r.ReceivedBy,
		store.LockRequestPending, q.t(r.CreatedAt), q.t(r.DeadlineAt), "", nil, "", "")
	if err != nil {
		return fmt.Errorf("create lock request: %w", err)
	}
	return nil
}

// LockRequest returns one request.
func (q queries) LockRequest(ctx context.Context, id string) (store.LockRequest, error) {
	r, err := scanLockRequest(q.x.QueryRowContext(ctx, `SELECT `+lockRequestColumns+` FROM lock_requests WHERE id = $1`, id))
	if err != nil {
		return store.LockRequest{}, notFound("lock request", err)
	}
	return r, nil
}

// ListLockRequests returns requests earliest deadline first.
func (q queries) ListLockRequests(ctx context.Context, unit, state string, limit int) ([]store.LockRequest, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := q.x.QueryContext(ctx, `SELECT `+lockRequestColumns+` FROM lock_requests
		WHERE ($1 = '' OR unit = $1) AND ($2 = '' OR state = $2) ORDER BY deadline_at, id LIMIT $3`, unit, state, limit)
	if err != nil {
		return nil, fmt.Errorf("list lock requests: %w", err)
	}
	defer rows.Close()
	var out []store.LockRequest
	for rows.Next() {
		r, err := scanLockRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("list lock requests: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list lock requests: %w", err)
	}
	return out, nil
}

// DecideLockRequest records a decision on a pending request.
func (q queries) DecideLockRequest(ctx context.Context, id, state, by, decision, lockID string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE lock_requests SET state = $1, decided_by = $2, decision = $3, lock_id = $4,
		decided_at = $5 WHERE id = $6 AND state = 'pending'`, state, by, decision, lockID, q.t(at), id)
	return affected("decide lock request", res, err, store.ErrConflict)
}
