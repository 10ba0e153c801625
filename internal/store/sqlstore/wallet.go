package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
)

// UpsertDocuments inserts or replaces documents in the built-in document
// registry. Called outside a transaction it opens one, so a batch lands
// whole.
func (s *DB) UpsertDocuments(ctx context.Context, docs []sources.Document) error {
	return s.InTx(ctx, func(q store.Queries) error { return q.UpsertDocuments(ctx, docs) })
}

// UpsertDocuments inserts or replaces documents, giving each the next change
// cursor. The cursor row is updated first, which serialises writers, so the
// cursors become visible in the order they were handed out.
func (q queries) UpsertDocuments(ctx context.Context, docs []sources.Document) error {
	if len(docs) == 0 {
		return nil
	}
	var last int64
	if err := q.x.QueryRowContext(ctx, `UPDATE source_seq SET n = n + $1 WHERE id = 1 RETURNING n`, len(docs)).Scan(&last); err != nil {
		return fmt.Errorf("upsert documents: cursor: %w", err)
	}
	seq := last - int64(len(docs))
	now := time.Now().UTC()
	for _, d := range docs {
		seq++
		if d.UpdatedAt.IsZero() {
			d.UpdatedAt = now
		}
		data, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("upsert document %s %s: %w", d.Kind, d.Number, err)
		}
		if _, err := q.x.ExecContext(ctx, `INSERT INTO source_documents (kind, number, holder_id, data, seq, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6)
			ON CONFLICT (kind, number) DO UPDATE SET holder_id = excluded.holder_id, data = excluded.data,
			seq = excluded.seq, updated_at = excluded.updated_at`,
			string(d.Kind), d.Number, d.HolderID, string(data), seq, q.t(d.UpdatedAt)); err != nil {
			return fmt.Errorf("upsert document %s %s: %w", d.Kind, d.Number, err)
		}
	}
	return nil
}

func decodeDocument(data string) (sources.Document, error) {
	var d sources.Document
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return sources.Document{}, fmt.Errorf("decode document: %w", err)
	}
	return d, nil
}

// Documents returns a holder's documents of a kind, most recently issued
// first.
func (q queries) Documents(ctx context.Context, kind sources.Kind, holderID string) ([]sources.Document, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT data FROM source_documents WHERE holder_id = $1 AND kind = $2`, holderID, string(kind))
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	defer rows.Close()
	out := []sources.Document{}
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("documents: %w", err)
		}
		d, err := decodeDocument(data)
		if err != nil {
			return nil, fmt.Errorf("documents: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	slices.SortFunc(out, func(a, b sources.Document) int {
		switch {
		case a.IssuedOn.After(b.IssuedOn):
			return -1
		case b.IssuedOn.After(a.IssuedOn):
			return 1
		}
		return cmp.Compare(a.Number, b.Number)
	})
	return out, nil
}

// Document returns one document by kind and number.
func (q queries) Document(ctx context.Context, kind sources.Kind, number string) (sources.Document, error) {
	var data string
	err := q.x.QueryRowContext(ctx, `SELECT data FROM source_documents WHERE kind = $1 AND number = $2`, string(kind), number).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return sources.Document{}, fmt.Errorf("document %s %s: %w", kind, number, sources.ErrNotFound)
	}
	if err != nil {
		return sources.Document{}, fmt.Errorf("document: %w", err)
	}
	return decodeDocument(data)
}

// Changes returns documents changed after a cursor, in cursor order. A
// document changed twice appears once, with its latest cursor.
func (q queries) Changes(ctx context.Context, after int64, limit int) ([]sources.Change, error) {
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	rows, err := q.x.QueryContext(ctx, `SELECT seq, data FROM source_documents WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	out := []sources.Change{}
	for rows.Next() {
		var c sources.Change
		var data string
		if err := rows.Scan(&c.Seq, &data); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		if c.Document, err = decodeDocument(data); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	return out, nil
}

// CountDocuments counts the registry's documents by kind.
func (q queries) CountDocuments(ctx context.Context) (map[sources.Kind]int64, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT kind, COUNT(*) FROM source_documents GROUP BY kind`)
	if err != nil {
		return nil, fmt.Errorf("count documents: %w", err)
	}
	defer rows.Close()
	out := map[sources.Kind]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("count documents: %w", err)
		}
		out[sources.Kind(k)] = n
	}
	return out, rows.Err()
}

const integrationColumns = `id, account_id, id_number, kind, number, channel, application_id, state, reason_code,
	documents, attempts, next_attempt_at, last_error, created_at, decided_at`

func scanIntegration(row interface{ Scan(...any) error }) (store.IntegrationRequest, error) {
	var r store.IntegrationRequest
	var kind string
	err := row.Scan(&r.ID, &r.AccountID, &r.IDNumber, &kind, &r.Number, &r.Channel, &r.ApplicationID, &r.State,
		&r.ReasonCode, &r.Documents, &r.Attempts, timeCol{&r.NextAttemptAt}, &r.LastError, timeCol{&r.CreatedAt},
		timeCol{&r.DecidedAt})
	r.Kind = sources.Kind(kind)
	return r, err
}

func (q queries) listIntegrations(ctx context.Context, what, where string, args ...any) ([]store.IntegrationRequest, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT `+integrationColumns+` FROM integration_requests `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []store.IntegrationRequest
	for rows.Next() {
		r, err := scanIntegration(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// CreateIntegrationRequest stores a pending request; the partial unique
// index refuses a second pending one of the same kind and number.
func (q queries) CreateIntegrationRequest(ctx context.Context, r store.IntegrationRequest) error {
	if r.Documents == "" {
		r.Documents = "[]"
	}
	_, err := q.x.ExecContext(ctx, `INSERT INTO integration_requests (`+integrationColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
		r.ID, r.AccountID, r.IDNumber, string(r.Kind), r.Number, r.Channel, r.ApplicationID, r.State, r.ReasonCode,
		r.Documents, r.Attempts, q.t(r.NextAttemptAt), r.LastError, q.t(r.CreatedAt), nullTime(q, r.DecidedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("create integration request: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create integration request: %w", err)
	}
	return nil
}

// nullTime is NULL for the zero time.
func nullTime(q queries, t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return q.t(t)
}

// IntegrationRequest returns one request.
func (q queries) IntegrationRequest(ctx context.Context, id string) (store.IntegrationRequest, error) {
	r, err := scanIntegration(q.x.QueryRowContext(ctx, `SELECT `+integrationColumns+` FROM integration_requests WHERE id = $1`, id))
	if err != nil {
		return store.IntegrationRequest{}, notFound("integration request", err)
	}
	return r, nil
}

// ListIntegrationRequests returns an account's requests newest first.
func (q queries) ListIntegrationRequests(ctx context.Context, accountID string, limit int) ([]store.IntegrationRequest, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return q.listIntegrations(ctx, "list integration requests",
		`WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, accountID, limit)
}

// CountIntegrationRequests counts an account's requests of a kind since a
// time.
func (q queries) CountIntegrationRequests(ctx context.Context, accountID string, kind sources.Kind, since time.Time) (int, error) {
	var n int
	err := q.x.QueryRowContext(ctx, `SELECT COUNT(*) FROM integration_requests WHERE account_id = $1 AND kind = $2
		AND created_at >= $3`, accountID, string(kind), q.t(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count integration requests: %w", err)
	}
	return n, nil
}

// DueIntegrationRequests returns pending requests due by now.
func (q queries) DueIntegrationRequests(ctx context.Context, now time.Time, limit int) ([]store.IntegrationRequest, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return q.listIntegrations(ctx, "due integration requests",
		`WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`, q.t(now), limit)
}

// DecideIntegrationRequest moves a pending request to its outcome.
func (q queries) DecideIntegrationRequest(ctx context.Context, id, state, reason, documents string, at time.Time) error {
	if documents == "" {
		documents = "[]"
	}
	res, err := q.x.ExecContext(ctx, `UPDATE integration_requests SET state = $1, reason_code = $2, documents = $3,
		decided_at = $4 WHERE id = $5 AND state = 'pending'`, state, reason, documents, q.t(at), id)
	return affected("decide integration request", res, err, store.ErrConflict)
}

// RetryIntegrationRequest records a failed attempt.
func (q queries) RetryIntegrationRequest(ctx context.Context, id, lastError string, next time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE integration_requests SET attempts = attempts + 1, last_error = $1,
		next_attempt_at = $2 WHERE id = $3 AND state = 'pending'`, lastError, q.t(next), id)
	return affected("retry integration request", res, err, store.ErrConflict)
}

const walletColumns = `account_id, kind, number, status, data, request_id, added_at, updated_at`

func scanWallet(row interface{ Scan(...any) error }) (store.WalletDocument, error) {
	var d store.WalletDocument
	var kind, status, data string
	err := row.Scan(&d.AccountID, &kind, &d.Number, &status, &data, &d.RequestID, timeCol{&d.AddedAt}, timeCol{&d.UpdatedAt})
	d.Kind, d.Status, d.Data = sources.Kind(kind), sources.Status(status), []byte(data)
	return d, err
}

func (q queries) listWallet(ctx context.Context, what, where string, args ...any) ([]store.WalletDocument, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT `+walletColumns+` FROM wallet_documents `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []store.WalletDocument
	for rows.Next() {
		d, err := scanWallet(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// PutWalletDocument inserts or replaces a wallet document; the time it was
// first added is kept.
func (q queries) PutWalletDocument(ctx context.Context, d store.WalletDocument) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO wallet_documents (`+walletColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
		ON CONFLICT (account_id, kind, number) DO UPDATE SET status = excluded.status, data = excluded.data,
		request_id = CASE WHEN excluded.request_id = '' THEN wallet_documents.request_id ELSE excluded.request_id END,
		updated_at = excluded.updated_at`,
		d.AccountID, string(d.Kind), d.Number, string(d.Status), string(d.Data), d.RequestID, q.t(d.AddedAt), q.t(d.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put wallet document: %w", err)
	}
	return nil
}

// WalletDocuments returns an account's documents.
func (q queries) WalletDocuments(ctx context.Context, accountID string) ([]store.WalletDocument, error) {
	return q.listWallet(ctx, "wallet documents", `WHERE account_id = $1 ORDER BY kind, number`, accountID)
}

// WalletDocument returns one of an account's documents.
func (q queries) WalletDocument(ctx context.Context, accountID string, kind sources.Kind, number string) (store.WalletDocument, error) {
	d, err := scanWallet(q.x.QueryRowContext(ctx, `SELECT `+walletColumns+` FROM wallet_documents
		WHERE account_id = $1 AND kind = $2 AND number = $3`, accountID, string(kind), number))
	if err != nil {
		return store.WalletDocument{}, notFound("wallet document", err)
	}
	return d, nil
}

// WalletHolders returns every wallet copy of a source document.
func (q queries) WalletHolders(ctx context.Context, kind sources.Kind, number string) ([]store.WalletDocument, error) {
	return q.listWallet(ctx, "wallet holders", `WHERE kind = $1 AND number = $2 ORDER BY account_id`, string(kind), number)
}

// SyncCursor returns a stored cursor.
func (q queries) SyncCursor(ctx context.Context, name string) (int64, error) {
	var v int64
	err := q.x.QueryRowContext(ctx, `SELECT value FROM sync_cursors WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sync cursor: %w", err)
	}
	return v, nil
}

// SetSyncCursor stores a cursor, never moving it backwards.
func (q queries) SetSyncCursor(ctx context.Context, name string, value int64) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO sync_cursors (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = CASE WHEN excluded.value > sync_cursors.value
		THEN excluded.value ELSE sync_cursors.value END`, name, value)
	if err != nil {
		return fmt.Errorf("set sync cursor: %w", err)
	}
	return nil
}

const presentationColumns = `id, account_id, documents, nonce, audience, state, created_at, expires_at, verified_at, verified_by`

func scanPresentation(row interface{ Scan(...any) error }) (store.Presentation, error) {
	var p store.Presentation
	err := row.Scan(&p.ID, &p.AccountID, &p.Documents, &p.Nonce, &p.Audience, &p.State, timeCol{&p.CreatedAt},
		timeCol{&p.ExpiresAt}, timeCol{&p.VerifiedAt}, &p.VerifiedBy)
	return p, err
}

// CreatePresentation stores a presentation record.
func (q queries) CreatePresentation(ctx context.Context, p store.Presentation) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO presentations (`+presentationColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
		p.ID, p.AccountID, p.Documents, p.Nonce, p.Audience, p.State, q.t(p.CreatedAt), q.t(p.ExpiresAt),
		nullTime(q, p.VerifiedAt), p.VerifiedBy)
	if isUniqueViolation(err) {
		return fmt.Errorf("create presentation: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create presentation: %w", err)
	}
	return nil
}

// Presentation returns one presentation record.
func (q queries) Presentation(ctx context.Context, id string) (store.Presentation, error) {
	p, err := scanPresentation(q.x.QueryRowContext(ctx, `SELECT `+presentationColumns+` FROM presentations WHERE id = $1`, id))
	if err != nil {
		return store.Presentation{}, notFound("presentation", err)
	}
	return p, nil
}

// ListPresentations returns an account's presentations newest first.
func (q queries) ListPresentations(ctx context.Context, accountID string, limit int) ([]store.Presentation, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := q.x.QueryContext(ctx, `SELECT `+presentationColumns+` FROM presentations WHERE account_id = $1
		ORDER BY created_at DESC, id LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("list presentations: %w", err)
	}
	defer rows.Close()
	var out []store.Presentation
	for rows.Next() {
		p, err := scanPresentation(rows)
		if err != nil {
			return nil, fmt.Errorf("list presentations: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list presentations: %w", err)
	}
	return out, nil
}

// UsePresentation marks an issued presentation verified.
func (q queries) UsePresentation(ctx context.Context, id, verifier string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE presentations SET state = 'verified', verified_at = $1, verified_by = $2
		WHERE id = $3 AND state = 'issued'`, q.t(at), verifier, id)
	return affected("use presentation", res, err, store.ErrConflict)
}

// RevokePresentations revokes an account's issued or verified
// presentations, or one of them.
func (q queries) RevokePresentations(ctx context.Context, accountID, id string) (int64, error) {
	query := `UPDATE presentations SET state = 'revoked' WHERE account_id = $1 AND state <> 'revoked'`
	args := []any{accountID}
	if id != "" {
		query += ` AND id = $2`
		args = append(args, id)
	}
	res, err := q.x.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("revoke presentations: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("revoke presentations: %w", err)
	}
	return n, nil
}

// CreateVerifierNonce stores a verifier's nonce.
func (q queries) CreateVerifierNonce(ctx context.Context, n store.VerifierNonce) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO verifier_nonces (hash, client_id, created_at, expires_at) VALUES ($1,$2,$3,$4)`,
		n.Hash, n.ClientID, q.t(n.CreatedAt), q.t(n.ExpiresAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("create verifier nonce: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create verifier nonce: %w", err)
	}
	return nil
}

// UseVerifierNonce spends a verifier's nonce once.
func (q queries) UseVerifierNonce(ctx context.Context, hash []byte, clientID string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE verifier_nonces SET used_at = $1 WHERE hash = $2 AND client_id = $3
		AND used_at IS NULL AND expires_at > $1`, q.t(at), hash, clientID)
	if err := affected("use verifier nonce", res, err, store.ErrNotFound); err == nil || !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var used sql.NullString
	err = q.x.QueryRowContext(ctx, `SELECT CAST(used_at AS TEXT) FROM verifier_nonces WHERE hash = $1 AND client_id = $2`, hash, clientID).Scan(&used)
	if err == nil && used.Valid {
		return fmt.Errorf("use verifier nonce: %w", store.ErrConflict)
	}
	return fmt.Errorf("use verifier nonce: %w", store.ErrNotFound)
}
