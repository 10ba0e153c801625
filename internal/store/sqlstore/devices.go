package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/store"
)

const deviceChangeColumns = `id, account_id, old_device_id, device_id, device_public_key, device_name, device_platform, method,
	code_hash, attempts, max_attempts, created_at, expires_at, completed_at`

func scanDeviceChange(row interface{ Scan(...any) error }) (store.DeviceChange, error) {
	var c store.DeviceChange
	err := row.Scan(&c.ID, &c.AccountID, &c.OldDeviceID, &c.DeviceID, &c.DevicePublicKey, &c.DeviceName, &c.DevicePlatform,
		&c.Method, &c.CodeHash, &c.Attempts, &c.MaxAttempts, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, timeCol{&c.CompletedAt})
	return c, err
}

// CreateDeviceChange stores a pending device change.
func (q queries) CreateDeviceChange(ctx context.Context, c store.DeviceChange) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO device_changes (`+deviceChangeColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
		c.ID, c.AccountID, c.OldDeviceID, c.DeviceID, c.DevicePublicKey, c.DeviceName, c.DevicePlatform, c.Method,
		c.CodeHash, c.Attempts, c.MaxAttempts, q.t(c.CreatedAt), q.t(c.ExpiresAt), q.t(c.CompletedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("create device change: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create device change: %w", err)
	}
	return nil
}

// DeviceChange returns a device change by ID.
func (q queries) DeviceChange(ctx context.Context, id string) (store.DeviceChange, error) {
	c, err := scanDeviceChange(q.x.QueryRowContext(ctx, `SELECT `+deviceChangeColumns+` FROM device_changes WHERE id = $1`, id))
	if err != nil {
		return store.DeviceChange{}, notFound("device change", err)
	}
	return c, nil
}

// PendingDeviceChange returns the account's newest pending device change.
func (q queries) PendingDeviceChange(ctx context.Context, accountID string, now time.Time) (store.DeviceChange, error) {
	c, err := scanDeviceChange(q.x.QueryRowContext(ctx, `SELECT `+deviceChangeColumns+` FROM device_changes
		WHERE account_id = $1 AND completed_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id LIMIT 1`, accountID, q.t(now)))
	if err != nil {
		return store.DeviceChange{}, notFound("pending device change", err)
	}
	return c, nil
}

// SpendDeviceChangeAttempt adds one attempt to a pending change with tries
// left.
func (q queries) SpendDeviceChangeAttempt(ctx context.Context, id string) (store.DeviceChange, error) {
	res, err := q.x.ExecContext(ctx, `UPDATE device_changes SET attempts = attempts + 1
		WHERE id = $1 AND completed_at IS NULL AND attempts < max_attempts`, id)
	if err := affected("spend device change attempt", res, err, store.ErrConflict); err != nil {
		return store.DeviceChange{}, err
	}
	return q.DeviceChange(ctx, id)
}

// CompleteDeviceChange marks a change done.
func (q queries) CompleteDeviceChange(ctx context.Context, id string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE device_changes SET completed_at = $1 WHERE id = $2 AND completed_at IS NULL`, q.t(at), id)
	return affected("complete device change", res, err, store.ErrConflict)
}

// UnbindDevice removes the account's device if it is deviceID.
func (q queries) UnbindDevice(ctx context.Context, accountID, deviceID string) error {
	res, err := q.x.ExecContext(ctx, `DELETE FROM devices WHERE account_id = $1 AND device_id = $2`, accountID, deviceID)
	return affected("unbind device", res, err, store.ErrNotFound)
}
