package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// AccountEID returns the e-ID part of an account.
func (q queries) AccountEID(ctx context.Context, accountID string) (store.EIDStatus, error) {
	var s store.EIDStatus
	var state string
	err := q.x.QueryRowContext(ctx, `SELECT eid_state, level, eid_pending_level, activation_due, eid_updated_at
		FROM accounts WHERE id = $1`, accountID).Scan(&state, &s.Level, &s.PendingLevel, timeCol{&s.ActivationDue},
		timeCol{&s.UpdatedAt})
	if err != nil {
		return store.EIDStatus{}, notFound("account eid", err)
	}
	s.State = store.EIDState(state)
	return s, nil
}

// UpdateEID moves an account's e-ID state by compare-and-set.
func (q queries) UpdateEID(ctx context.Context, accountID string, u store.EIDUpdate) error {
	res, err := q.x.ExecContext(ctx, `UPDATE accounts SET eid_state = $1,
		level = CASE WHEN $2 < 0 THEN level ELSE $2 END, eid_pending_level = $3, activation_due = $4,
		eid_updated_at = $5, updated_at = $5 WHERE id = $6 AND eid_state = $7`,
		string(u.To), u.Level, u.PendingLevel, q.t(u.ActivationDue), q.t(u.At), accountID, string(u.From))
	return affected("update eid", res, err, store.ErrConflict)
}

const applicationColumns = `id, account_id, id_number, level, channel, state, unit, challenge, created_at, expires_at,
	submitted_at, deadline_at, decided_at, decided_by, reason_code, reason_text, checks, updated_at, office, details`

func scanApplication(row interface{ Scan(...any) error }) (store.Application, error) {
	var a store.Application
	var state string
	err := row.Scan(&a.ID, &a.AccountID, &a.IDNumber, &a.Level, &a.Channel, &state, &a.Unit, &a.Challenge,
		timeCol{&a.CreatedAt}, timeCol{&a.ExpiresAt}, timeCol{&a.SubmittedAt}, timeCol{&a.DeadlineAt},
		timeCol{&a.DecidedAt}, &a.DecidedBy, &a.ReasonCode, &a.ReasonText, &a.Checks, timeCol{&a.UpdatedAt}, &a.Office, &a.Details)
	a.State = store.ApplicationState(state)
	return a, err
}

// CreateApplication stores a new application.
func (q queries) CreateApplication(ctx context.Context, a store.Application) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO applications (`+applicationColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)`,
		a.ID, a.AccountID, a.IDNumber, a.Level, a.Channel, string(a.State), a.Unit, a.Challenge, q.t(a.CreatedAt),
		q.t(a.ExpiresAt), q.t(a.SubmittedAt), q.t(a.DeadlineAt), q.t(a.DecidedAt), a.DecidedBy, a.ReasonCode,
		a.ReasonText, a.Checks, q.t(a.UpdatedAt), a.Office, a.Details)
	if isUniqueViolation(err) {
		return fmt.Errorf("create application: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create application: %w", err)
	}
	return nil
}

// Application returns an application by ID.
func (q queries) Application(ctx context.Context, id string) (store.Application, error) {
	a, err := scanApplication(q.x.QueryRowContext(ctx, `SELECT `+applicationColumns+` FROM applications WHERE id = $1`, id))
	if err != nil {
		return store.Application{}, notFound("application", err)
	}
	return a, nil
}

// UpdateApplication writes an application's mutable fields by
// compare-and-set on its state.
func (q queries) UpdateApplication(ctx context.Context, a store.Application, from store.ApplicationState) error {
	res, err := q.x.ExecContext(ctx, `UPDATE applications SET state = $1, unit = $2, submitted_at = $3, deadline_at = $4,
		decided_at = $5, decided_by = $6, reason_code = $7, reason_text = $8, checks = $9, updated_at = $10,
		details = $11 WHERE id = $12 AND state = $13`,
		string(a.State), a.Unit, q.t(a.SubmittedAt), q.t(a.DeadlineAt), q.t(a.DecidedAt), a.DecidedBy, a.ReasonCode,
		a.ReasonText, a.Checks, q.t(a.UpdatedAt), a.Details, a.ID, string(from))
	return affected("update application", res, err, store.ErrConflict)
}

// ListApplications returns applications by review deadline.
func (q queries) ListApplications(ctx context.Context, f store.ApplicationFilter) ([]store.Application, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.States) > 0 {
		var ph []string
		for _, s := range f.States {
			ph = append(ph, arg(string(s)))
		}
		where = append(where, "state IN ("+strings.Join(ph, ",")+")")
	}
	if f.Level > 0 {
		where = append(where, "level = "+arg(f.Level))
	}
	if f.AccountID != "" {
		where = append(where, "account_id = "+arg(f.AccountID))
	}
	if f.Units != nil {
		if len(f.Units) == 0 {
			return nil, nil
		}
		var ph []string
		for _, u := range f.Units {
			ph = append(ph, arg(u))
		}
		where = append(where, "unit IN ("+strings.Join(ph, ",")+")")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	query := `SELECT ` + applicationColumns + ` FROM applications`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	// NULL deadlines (not submitted) sort last in both dialects.
	query += ` ORDER BY CASE WHEN deadline_at IS NULL THEN 1 ELSE 0 END, deadline_at, submitted_at, created_at, id LIMIT ` + arg(limit)
	rows, err := q.x.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	defer rows.Close()
	var out []store.Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, fmt.Errorf("list applications: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return out, nil
}

// PutEvidence stores or replaces one piece of evidence.
func (q queries) PutEvidence(ctx context.Context, e store.Evidence) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO evidence (application_id, kind, data, created_at) VALUES ($1,$2,$3,$4)
		ON CONFLICT (application_id, kind) DO UPDATE SET data = excluded.data, created_at = excluded.created_at`,
		e.ApplicationID, e.Kind, e.Data, q.t(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("put evidence: %w", err)
	}
	return nil
}

// ApplicationEvidence returns an application's evidence by kind.
func (q queries) ApplicationEvidence(ctx context.Context, applicationID string) (map[string]store.Evidence, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT application_id, kind, data, created_at FROM evidence
		WHERE application_id = $1`, applicationID)
	if err != nil {
		return nil, fmt.Errorf("application evidence: %w", err)
	}
	defer rows.Close()
	out := map[string]store.Evidence{}
	for rows.Next() {
		var e store.Evidence
		if err := rows.Scan(&e.ApplicationID, &e.Kind, &e.Data, timeCol{&e.CreatedAt}); err != nil {
			return nil, fmt.Errorf("application evidence: %w", err)
		}
		out[e.Kind] = e
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("application evidence: %w", err)
	}
	return out, nil
}

// AddInbox appends to an account's inbox.
func (q queries) AddInbox(ctx context.Context, m store.InboxMessage) (int64, error) {
	var id int64
	err := q.x.QueryRowContext(ctx, `INSERT INTO inbox (account_id, kind, title_vi, title_en, body_vi, body_en, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, m.AccountID, m.Kind, m.TitleVI, m.TitleEN, m.BodyVI, m.BodyEN,
		q.t(m.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add inbox: %w", err)
	}
	return id, nil
}

// ListInbox returns an account's newest inbox messages.
func (q queries) ListInbox(ctx context.Context, accountID string, limit int) ([]store.InboxMessage, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := q.x.QueryContext(ctx, `SELECT id, account_id, kind, title_vi, title_en, body_vi, body_en, created_at, read_at
		FROM inbox WHERE account_id = $1 ORDER BY id DESC LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	defer rows.Close()
	var out []store.InboxMessage
	for rows.Next() {
		var m store.InboxMessage
		if err := rows.Scan(&m.ID, &m.AccountID, &m.Kind, &m.TitleVI, &m.TitleEN, &m.BodyVI, &m.BodyEN,
			timeCol{&m.CreatedAt}, timeCol{&m.ReadAt}); err != nil {
			return nil, fmt.Errorf("list inbox: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	return out, nil
}

// MarkInboxRead marks an account's message read.
func (q queries) MarkInboxRead(ctx context.Context, accountID string, id int64, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE inbox SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND account_id = $3`,
		q.t(at), id, accountID)
	return affected("mark inbox read", res, err, store.ErrNotFound)
}

// ExpireActivations moves overdue approvals to activation_expired.
func (q queries) ExpireActivations(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := q.x.QueryContext(ctx, `UPDATE accounts SET eid_state = $1, eid_updated_at = $2, updated_at = $2
		WHERE eid_state = $3 AND activation_due < $2 RETURNING id`,
		string(store.EIDActivationExpired), q.t(now), string(store.EIDApproved))
	if err != nil {
		return nil, fmt.Errorf("expire activations: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("expire activations: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("expire activations: %w", err)
	}
	return ids, nil
}

// PutPortrait stores or replaces a citizen's portrait.
func (q queries) PutPortrait(ctx context.Context, p store.Portrait) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO portraits (id_number, format, data, updated_at) VALUES ($1,$2,$3,$4)
		ON CONFLICT (id_number) DO UPDATE SET format = excluded.format, data = excluded.data, updated_at = excluded.updated_at`,
		p.IDNumber, p.Format, p.Data, q.t(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put portrait: %w", err)
	}
	return nil
}

// Portrait returns a citizen's portrait.
func (q queries) Portrait(ctx context.Context, idNumber string) (store.Portrait, error) {
	var p store.Portrait
	err := q.x.QueryRowContext(ctx, `SELECT id_number, format, data, updated_at FROM portraits WHERE id_number = $1`,
		idNumber).Scan(&p.IDNumber, &p.Format, &p.Data, timeCol{&p.UpdatedAt})
	if err != nil {
		return store.Portrait{}, notFound("portrait", err)
	}
	return p, nil
}

// PutTrust adds a trust-list entry unless the same DER is there.
func (q queries) PutTrust(ctx context.Context, e store.TrustEntry) (bool, error) {
	res, err := q.x.ExecContext(ctx, `INSERT INTO trust_entries (id, kind, country, subject, serial, not_before, not_after,
		der, source, added_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (id) DO NOTHING`,
		e.ID, string(e.Kind), e.Country, e.Subject, e.Serial, q.t(e.NotBefore), q.t(e.NotAfter), e.DER, e.Source,
		q.t(e.AddedAt))
	if err != nil {
		return false, fmt.Errorf("put trust: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("put trust: %w", err)
	}
	return n > 0, nil
}

// ListTrust returns trust-list entries of a kind.
func (q queries) ListTrust(ctx context.Context, kind store.TrustKind) ([]store.TrustEntry, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT id, kind, country, subject, serial, not_before, not_after, der, source, added_at
		FROM trust_entries WHERE $1 = '' OR kind = $1 ORDER BY country, subject, id`, string(kind))
	if err != nil {
		return nil, fmt.Errorf("list trust: %w", err)
	}
	defer rows.Close()
	var out []store.TrustEntry
	for rows.Next() {
		var e store.TrustEntry
		var k string
		if err := rows.Scan(&e.ID, &k, &e.Country, &e.Subject, &e.Serial, timeCol{&e.NotBefore}, timeCol{&e.NotAfter},
			&e.DER, &e.Source, timeCol{&e.AddedAt}); err != nil {
			return nil, fmt.Errorf("list trust: %w", err)
		}
		e.Kind = store.TrustKind(k)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list trust: %w", err)
	}
	return out, nil
}

// RemoveTrust deletes a trust-list entry.
func (q queries) RemoveTrust(ctx context.Context, id string) error {
	res, err := q.x.ExecContext(ctx, `DELETE FROM trust_entries WHERE id = $1`, id)
	return affected("remove trust", res, err, store.ErrNotFound)
}

// OutboxMessage returns one outbox message.
func (q queries) OutboxMessage(ctx context.Context, id int64) (store.OutboxMessage, error) {
	m, err := scanOutbox(q.x.QueryRowContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.OutboxMessage{}, fmt.Errorf("outbox message: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.OutboxMessage{}, fmt.Errorf("outbox message: %w", err)
	}
	return m, nil
}

// ReplayOutbox makes a dead message pending again.
func (q queries) ReplayOutbox(ctx context.Context, id int64, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1,
		lease_owner = '', lease_until = NULL WHERE id = $2 AND status = 'dead'`, q.t(at), id)
	return affected("replay outbox", res, err, store.ErrConflict)
}
