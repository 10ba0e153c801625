package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/store"
)

const outboxColumns = `id, channel, recipient, template, body, created_at, next_attempt_at, attempts, status,
	last_error, delivered_at, lease_owner, lease_until`

func scanOutbox(row interface{ Scan(...any) error }) (store.OutboxMessage, error) {
	var m store.OutboxMessage
	var status string
	err := row.Scan(&m.ID, &m.Channel, &m.Recipient, &m.Template, &m.Body, timeCol{&m.CreatedAt},
		timeCol{&m.NextAttemptAt}, &m.Attempts, &status, &m.LastError, timeCol{&m.DeliveredAt}, &m.LeaseOwner,
		timeCol{&m.LeaseUntil})
	m.Status = store.OutboxStatus(status)
	return m, err
}

// EnqueueOutbox adds a pending message.
func (q queries) EnqueueOutbox(ctx context.Context, m store.OutboxMessage) (int64, error) {
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = m.CreatedAt
	}
	var id int64
	err := q.x.QueryRowContext(ctx, `INSERT INTO outbox (channel, recipient, template, body, created_at, next_attempt_at,
		attempts, status) VALUES ($1,$2,$3,$4,$5,$6,0,$7) RETURNING id`,
		m.Channel, m.Recipient, m.Template, m.Body, q.t(m.CreatedAt), q.t(m.NextAttemptAt), string(store.OutboxPending)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("enqueue outbox: %w", err)
	}
	return id, nil
}

// ClaimOutbox leases due messages to owner.
func (q queries) ClaimOutbox(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]store.OutboxMessage, error) {
	rows, err := q.x.QueryContext(ctx, `UPDATE outbox SET lease_owner = $1, lease_until = $2
		WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $3
			AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_attempt_at, id LIMIT $4`+q.d.skipLocked+`)
		RETURNING `+outboxColumns, owner, q.t(now.Add(lease)), q.t(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	defer rows.Close()
	var out []store.OutboxMessage
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("claim outbox: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	return out, nil
}

// CompleteOutbox marks a leased message delivered.
func (q queries) CompleteOutbox(ctx context.Context, id int64, owner string, at time.Time, body string) error {
	res, err := q.x.ExecContext(ctx, `UPDATE outbox SET status = 'delivered', delivered_at = $1, body = $2,
		attempts = attempts + 1, lease_until = NULL WHERE id = $3 AND lease_owner = $4 AND status = 'pending'`,
		q.t(at), body, id, owner)
	return affected("complete outbox", res, err, store.ErrConflict)
}

// RetryOutbox records a failed delivery attempt.
func (q queries) RetryOutbox(ctx context.Context, id int64, owner string, errText string, next time.Time, dead bool) error {
	status := store.OutboxPending
	if dead {
		status = store.OutboxDead
	}
	res, err := q.x.ExecContext(ctx, `UPDATE outbox SET status = $1, last_error = $2, next_attempt_at = $3,
		attempts = attempts + 1, lease_until = NULL WHERE id = $4 AND lease_owner = $5 AND status = 'pending'`,
		string(status), errText, q.t(next), id, owner)
	return affected("retry outbox", res, err, store.ErrConflict)
}

// ListOutbox lists messages newest first.
func (q queries) ListOutbox(ctx context.Context, f store.OutboxFilter) ([]store.OutboxMessage, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	rows, err := q.x.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox
		WHERE ($1 = '' OR recipient = $1) AND ($2 = '' OR status = $2) ORDER BY id DESC LIMIT $3`,
		f.Recipient, string(f.Status), f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	var out []store.OutboxMessage
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("list outbox: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// OutboxDepth counts messages by status.
func (q queries) OutboxDepth(ctx context.Context) (map[store.OutboxStatus]int64, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT status, COUNT(*) FROM outbox GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	defer rows.Close()
	out := map[store.OutboxStatus]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("outbox depth: %w", err)
		}
		out[store.OutboxStatus(s)] = n
	}
	return out, rows.Err()
}

// Hit counts one event in a rate-limit window.
func (q queries) Hit(ctx context.Context, key string, windowStart, expires time.Time) (int64, error) {
	var n int64
	err := q.x.QueryRowContext(ctx, `INSERT INTO rate_counters (key, window_start, count, expires_at) VALUES ($1,$2,1,$3)
		ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1 RETURNING count`,
		key, q.t(windowStart), q.t(expires)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("rate counter hit: %w", err)
	}
	return n, nil
}

// CountHits reads a rate counter without counting.
func (q queries) CountHits(ctx context.Context, key string, windowStart time.Time) (int64, error) {
	var n int64
	err := q.x.QueryRowContext(ctx, `SELECT count FROM rate_counters WHERE key = $1 AND window_start = $2`, key, q.t(windowStart)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("rate counter read: %w", err)
	}
	return n, nil
}

// AppendAudit appends an audit event.
func (q queries) AppendAudit(ctx context.Context, e store.AuditEvent) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO audit_events (at, actor, action, subject, purpose, request_id, detail)
		VALUES ($1,$2,$3,$4,$5,$6,$7)`, q.t(e.At), e.Actor, e.Action, e.Subject, e.Purpose, e.RequestID, e.Detail)
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// AuditBySubject lists the newest events about a subject.
func (q queries) AuditBySubject(ctx context.Context, subject string, limit int) ([]store.AuditEvent, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := q.x.QueryContext(ctx, `SELECT id, at, actor, action, subject, purpose, request_id, detail
		FROM audit_events WHERE subject = $1 ORDER BY id DESC LIMIT $2`, subject, limit)
	if err != nil {
		return nil, fmt.Errorf("audit by subject: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEvent
	for rows.Next() {
		var e store.AuditEvent
		if err := rows.Scan(&e.ID, timeCol{&e.At}, &e.Actor, &e.Action, &e.Subject, &e.Purpose, &e.RequestID, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit by subject: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Secret returns the named secret, storing value first if there is none.
// With a keyring (WithKeyring) the stored value is wrapped under the
// current master key, bound to the name, and unwrapped on reading; a value
// under a master key not loaded is an error naming that key (never a new
// secret). Plaintext values from before the keyring read as they are until
// WrapSecrets wraps them; after that, a plaintext value is refused.
func (q queries) Secret(ctx context.Context, name string, value []byte) ([]byte, error) {
	stored := value
	if q.ring != nil {
		w, err := q.ring.Wrap(ctx, name, value)
		if err != nil {
			return nil, err
		}
		stored = w
	}
	if _, err := q.x.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES ($1,$2,$3)
		ON CONFLICT (name) DO NOTHING`, name, stored, q.t(time.Now())); err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	var out []byte
	err := q.x.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&out)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("secret %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return q.unwrapSecret(ctx, name, out)
}

// PurgeExpired deletes expired rows.
func (q queries) PurgeExpired(ctx context.Context, now time.Time, keepDelivered time.Duration) (int64, error) {
	var total int64
	for _, stmt := range []struct {
		sql string
		arg time.Time
	}{
		{`DELETE FROM registrations WHERE expires_at < $1`, now},
		{`DELETE FROM otps WHERE expires_at < $1`, now.Add(-24 * time.Hour)}, // kept a day for the daily send cap
		{`DELETE FROM sessions WHERE expires_at < $1`, now},
		{`DELETE FROM officer_sessions WHERE expires_at < $1`, now},
		{`UPDATE applications SET state = 'expired' WHERE state = 'awaiting_evidence' AND expires_at < $1`, now},
		{`DELETE FROM rate_counters WHERE expires_at < $1`, now},
		{`DELETE FROM outbox WHERE status = 'delivered' AND delivered_at < $1`, now.Add(-keepDelivered)},
		{`DELETE FROM sso_requests WHERE expires_at < $1`, now},
		{`DELETE FROM sso_tokens WHERE expires_at < $1`, now},
		{`DELETE FROM sso_sessions WHERE expires_at < $1`, now},
		{`DELETE FROM sso_keys WHERE expire_at < $1`, now},
		{`DELETE FROM usage_records WHERE at < $1`, now.Add(-store.UsageRetention)},
		{`DELETE FROM presentations WHERE expires_at < $1`, now.Add(-24 * time.Hour)},
		{`DELETE FROM verifier_nonces WHERE expires_at < $1`, now},
		{`DELETE FROM device_changes WHERE expires_at < $1`, now.Add(-24 * time.Hour)}, // kept a day for the audit trail's context
	} {
		res, err := q.x.ExecContext(ctx, stmt.sql, q.t(stmt.arg))
		if err != nil {
			return total, fmt.Errorf("purge expired: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
