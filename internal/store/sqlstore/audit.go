package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vneid/vneid/internal/store"
)

// The audit chain's columns and tables come from migration 0007. Events are
// sealed by updating three columns of their own row, which a partial index on
// the unsealed rows keeps cheap to find however long the log grows.

const auditColumns = `id, at, actor, action, subject, purpose, request_id, detail`

func scanAudit(row interface{ Scan(...any) error }, extra ...any) (store.AuditEvent, error) {
	var e store.AuditEvent
	dest := append([]any{&e.ID, timeCol{&e.At}, &e.Actor, &e.Action, &e.Subject, &e.Purpose, &e.RequestID, &e.Detail}, extra...)
	err := row.Scan(dest...)
	return e, err
}

// LockAuditHead reads the chain's head, locking it for the transaction on
// PostgreSQL (SQLite's write transactions exclude other writers already).
func (q queries) LockAuditHead(ctx context.Context) (store.AuditHead, error) {
	lock := ""
	if q.d.name == "postgres" {
		lock = " FOR UPDATE"
	}
	var h store.AuditHead
	err := q.x.QueryRowContext(ctx, `SELECT seq, hash, sealed_at FROM audit_head WHERE id = 1`+lock).
		Scan(&h.Seq, &h.Hash, timeCol{&h.SealedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("audit head: %w", store.ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("audit head: %w", err)
	}
	return h, nil
}

// AdvanceAuditHead moves the head by compare-and-set.
func (q queries) AdvanceAuditHead(ctx context.Context, from, to store.AuditHead) error {
	res, err := q.x.ExecContext(ctx, `UPDATE audit_head SET seq = $1, hash = $2, sealed_at = $3
		WHERE id = 1 AND seq = $4 AND hash = $5`, to.Seq, to.Hash, q.t(to.SealedAt), from.Seq, from.Hash)
	return affected("advance audit head", res, err, store.ErrConflict)
}

// UnsealedAudit lists events without a seal, in ID order.
func (q queries) UnsealedAudit(ctx context.Context, limit int) ([]store.AuditEvent, error) {
	if limit <= 0 {
		limit = 500
	}
	rows, err := q.x.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_events
		WHERE seal_seq IS NULL ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("unsealed audit: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEvent
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("unsealed audit: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("unsealed audit: %w", err)
	}
	return out, nil
}

// SealAudit writes seals on unsealed events: one statement on PostgreSQL
// (arrays unnested), a statement per event on SQLite, where a statement costs
// no round trip.
func (q queries) SealAudit(ctx context.Context, seals []store.AuditSeal) error {
	if len(seals) == 0 {
		return nil
	}
	if q.d.name == "postgres" {
		return q.sealAuditBulk(ctx, seals)
	}
	for _, s := range seals {
		res, err := q.x.ExecContext(ctx, `UPDATE audit_events SET seal_seq = $1, seal_prev = $2, seal_hash = $3
			WHERE id = $4 AND seal_seq IS NULL`, s.Seq, s.Prev, s.Hash, s.EventID)
		if err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("seal audit event %d at %d: %w", s.EventID, s.Seq, store.ErrConflict)
			}
			return fmt.Errorf("seal audit event %d: %w", s.EventID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("seal audit event %d: %w", s.EventID, err)
		} else if n == 0 {
			var exists int
			err := q.x.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE id = $1`, s.EventID).Scan(&exists)
			switch {
			case err != nil:
				return fmt.Errorf("seal audit event %d: %w", s.EventID, err)
			case exists == 0:
				return fmt.Errorf("seal audit event %d: %w", s.EventID, store.ErrNotFound)
			default:
				return fmt.Errorf("seal audit event %d: sealed already: %w", s.EventID, store.ErrConflict)
			}
		}
	}
	return nil
}

func (q queries) sealAuditBulk(ctx context.Context, seals []store.AuditSeal) error {
	ids, seqs := make([]int64, len(seals)), make([]int64, len(seals))
	prevs, hashes := make([][]byte, len(seals)), make([][]byte, len(seals))
	for i, s := range seals {
		ids[i], seqs[i], prevs[i], hashes[i] = s.EventID, s.Seq, s.Prev, s.Hash
	}
	res, err := q.x.ExecContext(ctx, `UPDATE audit_events AS e SET seal_seq = v.seq, seal_prev = v.prev, seal_hash = v.hash
		FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[]) AS v(id, seq, prev, hash)
		WHERE e.id = v.id AND e.seal_seq IS NULL`, ids, seqs, prevs, hashes)
	if err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("seal audit events: a sequence number is taken: %w", store.ErrConflict)
		}
		return fmt.Errorf("seal audit events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("seal audit events: %w", err)
	}
	if n == int64(len(seals)) {
		return nil
	}
	// Some event was missing or sealed already: say which.
	for _, s := range seals {
		var seq sql.NullInt64
		err := q.x.QueryRowContext(ctx, `SELECT seal_seq FROM audit_events WHERE id = $1`, s.EventID).Scan(&seq)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("seal audit event %d: %w", s.EventID, store.ErrNotFound)
		case err != nil:
			return fmt.Errorf("seal audit event %d: %w", s.EventID, err)
		case !seq.Valid || seq.Int64 != s.Seq:
			return fmt.Errorf("seal audit event %d: sealed already: %w", s.EventID, store.ErrConflict)
		}
	}
	return fmt.Errorf("seal audit events: %d of %d sealed: %w", n, len(seals), store.ErrConflict)
}

// SealedAudit returns a page of the chain in sequence order.
func (q queries) SealedAudit(ctx context.Context, after int64, limit int) ([]store.SealedAuditEvent, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := q.x.QueryContext(ctx, `SELECT `+auditColumns+`, seal_seq, seal_prev, seal_hash FROM audit_events
		WHERE seal_seq > $1 ORDER BY seal_seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sealed audit: %w", err)
	}
	defer rows.Close()
	var out []store.SealedAuditEvent
	for rows.Next() {
		var s store.SealedAuditEvent
		e, err := scanAudit(rows, &s.Seq, &s.Prev, &s.Hash)
		if err != nil {
			return nil, fmt.Errorf("sealed audit: %w", err)
		}
		s.AuditEvent = e
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sealed audit: %w", err)
	}
	return out, nil
}

// AuditBacklog counts unsealed events.
func (q queries) AuditBacklog(ctx context.Context) (store.AuditBacklog, error) {
	var b store.AuditBacklog
	err := q.x.QueryRowContext(ctx, `SELECT COUNT(*), MIN(at) FROM audit_events WHERE seal_seq IS NULL`).
		Scan(&b.Unsealed, timeCol{&b.Oldest})
	if err != nil {
		return b, fmt.Errorf("audit backlog: %w", err)
	}
	return b, nil
}

// AddAuditCheckpoint stores a checkpoint.
func (q queries) AddAuditCheckpoint(ctx context.Context, c store.AuditCheckpoint) error {
	res, err := q.x.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature)
		VALUES ($1,$2,$3,$4,$5) ON CONFLICT (seq) DO NOTHING`, c.Seq, c.Hash, q.t(c.SignedAt), c.KeyID, c.Signature)
	return affected("add audit checkpoint", res, err, store.ErrConflict)
}

const checkpointColumns = `seq, hash, signed_at, key_id, signature`

func scanCheckpoint(row interface{ Scan(...any) error }) (store.AuditCheckpoint, error) {
	var c store.AuditCheckpoint
	err := row.Scan(&c.Seq, &c.Hash, timeCol{&c.SignedAt}, &c.KeyID, &c.Signature)
	return c, err
}

// AuditCheckpoints returns a page of checkpoints in sequence order.
func (q queries) AuditCheckpoints(ctx context.Context, after int64, limit int) ([]store.AuditCheckpoint, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := q.x.QueryContext(ctx, `SELECT `+checkpointColumns+` FROM audit_checkpoints
		WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("audit checkpoints: %w", err)
	}
	defer rows.Close()
	var out []store.AuditCheckpoint
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("audit checkpoints: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit checkpoints: %w", err)
	}
	return out, nil
}

// LatestAuditCheckpoint returns the newest checkpoint.
func (q queries) LatestAuditCheckpoint(ctx context.Context) (store.AuditCheckpoint, error) {
	c, err := scanCheckpoint(q.x.QueryRowContext(ctx, `SELECT `+checkpointColumns+` FROM audit_checkpoints
		ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("latest audit checkpoint: %w", store.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("latest audit checkpoint: %w", err)
	}
	return c, nil
}
