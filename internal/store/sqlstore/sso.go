package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// nullBytes binds an empty byte slice as NULL (unique columns allow many
// NULLs but one empty value).
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// PutRelyingParty inserts or replaces a relying party.
func (q queries) PutRelyingParty(ctx context.Context, rp store.RelyingParty) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO relying_parties (id, config, secret_hash, state, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (id) DO UPDATE SET config = excluded.config,
		secret_hash = excluded.secret_hash, state = excluded.state, updated_at = excluded.updated_at`,
		rp.ID, string(rp.Config), nullBytes(rp.SecretHash), rp.State, q.t(rp.CreatedAt), q.t(rp.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put relying party %s: %w", rp.ID, err)
	}
	return nil
}

const rpColumns = `id, config, secret_hash, state, created_at, updated_at`

func scanRelyingParty(row interface{ Scan(...any) error }) (store.RelyingParty, error) {
	var rp store.RelyingParty
	var cfg string
	err := row.Scan(&rp.ID, &cfg, &rp.SecretHash, &rp.State, timeCol{&rp.CreatedAt}, timeCol{&rp.UpdatedAt})
	rp.Config = []byte(cfg)
	return rp, err
}

// RelyingParty returns one relying party.
func (q queries) RelyingParty(ctx context.Context, id string) (store.RelyingParty, error) {
	rp, err := scanRelyingParty(q.x.QueryRowContext(ctx, `SELECT `+rpColumns+` FROM relying_parties WHERE id = $1`, id))
	if err != nil {
		return store.RelyingParty{}, notFound("relying party", err)
	}
	return rp, nil
}

// ListRelyingParties returns every relying party by ID.
func (q queries) ListRelyingParties(ctx context.Context) ([]store.RelyingParty, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT `+rpColumns+` FROM relying_parties ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list relying parties: %w", err)
	}
	defer rows.Close()
	var out []store.RelyingParty
	for rows.Next() {
		rp, err := scanRelyingParty(rows)
		if err != nil {
			return nil, fmt.Errorf("list relying parties: %w", err)
		}
		out = append(out, rp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list relying parties: %w", err)
	}
	return out, nil
}

// PutSSORequest inserts or replaces an authorization request.
func (q queries) PutSSORequest(ctx context.Context, r store.SSORequest) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO sso_requests (id, client_id, code_hash, data, expires_at)
		VALUES ($1,$2,$3,$4,$5) ON CONFLICT (id) DO UPDATE SET code_hash = excluded.code_hash,
		data = excluded.data, expires_at = excluded.expires_at`,
		r.ID, r.ClientID, nullBytes(r.CodeHash), string(r.Data), q.t(r.ExpiresAt))
	if err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("put sso request: %w", store.ErrConflict)
		}
		return fmt.Errorf("put sso request: %w", err)
	}
	return nil
}

func scanSSORequest(row interface{ Scan(...any) error }) (store.SSORequest, error) {
	var r store.SSORequest
	var data string
	err := row.Scan(&r.ID, &r.ClientID, &r.CodeHash, &data, timeCol{&r.ExpiresAt})
	r.Data = []byte(data)
	return r, err
}

// SSORequest returns a request that has not expired by now.
func (q queries) SSORequest(ctx context.Context, id string, now time.Time) (store.SSORequest, error) {
	r, err := scanSSORequest(q.x.QueryRowContext(ctx, `SELECT id, client_id, code_hash, data, expires_at
		FROM sso_requests WHERE id = $1 AND expires_at > $2`, id, q.t(now)))
	if err != nil {
		return store.SSORequest{}, notFound("sso request", err)
	}
	return r, nil
}

// SSORequestByCode returns the request whose code hashes to codeHash.
func (q queries) SSORequestByCode(ctx context.Context, codeHash []byte, now time.Time) (store.SSORequest, error) {
	r, err := scanSSORequest(q.x.QueryRowContext(ctx, `SELECT id, client_id, code_hash, data, expires_at
		FROM sso_requests WHERE code_hash = $1 AND expires_at > $2`, codeHash, q.t(now)))
	if err != nil {
		return store.SSORequest{}, notFound("sso request by code", err)
	}
	return r, nil
}

// DeleteSSORequest deletes a request; ErrNotFound if it is gone.
func (q queries) DeleteSSORequest(ctx context.Context, id string) error {
	res, err := q.x.ExecContext(ctx, `DELETE FROM sso_requests WHERE id = $1`, id)
	return affected("delete sso request", res, err, store.ErrNotFound)
}

const ssoTokenColumns = `id, kind, hash, family, client_id, account_id, session_id, data, created_at, expires_at, used_at, revoked_at`

func scanSSOToken(row interface{ Scan(...any) error }) (store.SSOToken, error) {
	var t store.SSOToken
	var data string
	err := row.Scan(&t.ID, &t.Kind, &t.Hash, &t.Family, &t.ClientID, &t.AccountID, &t.SessionID, &data,
		timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.UsedAt}, timeCol{&t.RevokedAt})
	t.Data = []byte(data)
	return t, err
}

// PutSSOToken stores a new token.
func (q queries) PutSSOToken(ctx context.Context, t store.SSOToken) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO sso_tokens (`+ssoTokenColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		t.ID, t.Kind, nullBytes(t.Hash), t.Family, t.ClientID, t.AccountID, t.SessionID, string(t.Data),
		q.t(t.CreatedAt), q.t(t.ExpiresAt), q.t(t.UsedAt), q.t(t.RevokedAt))
	if err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("put sso token: %w", store.ErrConflict)
		}
		return fmt.Errorf("put sso token: %w", err)
	}
	return nil
}

// SSOToken returns a token by ID.
func (q queries) SSOToken(ctx context.Context, id string) (store.SSOToken, error) {
	t, err := scanSSOToken(q.x.QueryRowContext(ctx, `SELECT `+ssoTokenColumns+` FROM sso_tokens WHERE id = $1`, id))
	if err != nil {
		return store.SSOToken{}, notFound("sso token", err)
	}
	return t, nil
}

// SSOTokenByHash returns a refresh token by the hash of its value.
func (q queries) SSOTokenByHash(ctx context.Context, hash []byte) (store.SSOToken, error) {
	t, err := scanSSOToken(q.x.QueryRowContext(ctx, `SELECT `+ssoTokenColumns+` FROM sso_tokens WHERE hash = $1`, hash))
	if err != nil {
		return store.SSOToken{}, notFound("sso token by hash", err)
	}
	return t, nil
}

// UseSSOToken marks a refresh token rotated; ErrConflict if it was already
// used or revoked.
func (q queries) UseSSOToken(ctx context.Context, id string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE sso_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL`,
		q.t(at), id)
	return affected("use sso token", res, err, store.ErrConflict)
}

// RevokeSSOTokens revokes the live tokens f selects.
func (q queries) RevokeSSOTokens(ctx context.Context, f store.SSOTokenFilter, at time.Time) (int64, error) {
	var where string
	args := []any{q.t(at)}
	switch {
	case f.ID != "":
		where, args = `id = $2`, append(args, f.ID)
	case f.Family != "":
		where, args = `family = $2`, append(args, f.Family)
	case f.SessionID != "":
		where, args = `session_id = $2`, append(args, f.SessionID)
	case f.AccountID != "" && f.ClientID != "":
		where, args = `account_id = $2 AND client_id = $3`, append(args, f.AccountID, f.ClientID)
	case f.AccountID != "":
		where, args = `account_id = $2`, append(args, f.AccountID)
	case f.ClientID != "":
		where, args = `client_id = $2`, append(args, f.ClientID)
	default:
		return 0, fmt.Errorf("revoke sso tokens: no selector")
	}
	res, err := q.x.ExecContext(ctx, `UPDATE sso_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND `+where, args...)
	if err != nil {
		return 0, fmt.Errorf("revoke sso tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("revoke sso tokens: %w", err)
	}
	return n, nil
}

// SSOSessionClients lists the relying parties that received tokens in a
// sign-in session.
func (q queries) SSOSessionClients(ctx context.Context, sessionID string) ([]string, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT DISTINCT client_id FROM sso_tokens WHERE session_id = $1 ORDER BY client_id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("sso session clients: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sso session clients: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sso session clients: %w", err)
	}
	return out, nil
}

// PutSSOSession stores a new sign-in session.
func (q queries) PutSSOSession(ctx context.Context, s store.SSOSession) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO sso_sessions (id, token_hash, account_id, data, created_at, expires_at, ended_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7)`, s.ID, s.TokenHash, s.AccountID, string(s.Data), q.t(s.CreatedAt), q.t(s.ExpiresAt), q.t(s.EndedAt))
	if err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("put sso session: %w", store.ErrConflict)
		}
		return fmt.Errorf("put sso session: %w", err)
	}
	return nil
}

const ssoSessionColumns = `id, token_hash, account_id, data, created_at, expires_at, ended_at`

func scanSSOSession(row interface{ Scan(...any) error }) (store.SSOSession, error) {
	var s store.SSOSession
	var data string
	err := row.Scan(&s.ID, &s.TokenHash, &s.AccountID, &data, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt}, timeCol{&s.EndedAt})
	s.Data = []byte(data)
	return s, err
}

// SSOSessionByHash returns a session by the hash of its cookie.
func (q queries) SSOSessionByHash(ctx context.Context, hash []byte) (store.SSOSession, error) {
	s, err := scanSSOSession(q.x.QueryRowContext(ctx, `SELECT `+ssoSessionColumns+` FROM sso_sessions WHERE token_hash = $1`, hash))
	if err != nil {
		return store.SSOSession{}, notFound("sso session", err)
	}
	return s, nil
}

// SSOSession returns a session by ID.
func (q queries) SSOSession(ctx context.Context, id string) (store.SSOSession, error) {
	s, err := scanSSOSession(q.x.QueryRowContext(ctx, `SELECT `+ssoSessionColumns+` FROM sso_sessions WHERE id = $1`, id))
	if err != nil {
		return store.SSOSession{}, notFound("sso session", err)
	}
	return s, nil
}

// EndSSOSession ends a session; ErrNotFound if it is unknown or over.
func (q queries) EndSSOSession(ctx context.Context, id string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE sso_sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL`, q.t(at), id)
	return affected("end sso session", res, err, store.ErrNotFound)
}

// PutConsent inserts or replaces a consent.
func (q queries) PutConsent(ctx context.Context, c store.Consent) error {
	scopes, err := json.Marshal(c.Scopes)
	if err != nil {
		return fmt.Errorf("put consent: %w", err)
	}
	_, err = q.x.ExecContext(ctx, `INSERT INTO sso_consents (account_id, client_id, scopes, granted_at) VALUES ($1,$2,$3,$4)
		ON CONFLICT (account_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
		c.AccountID, c.ClientID, string(scopes), q.t(c.GrantedAt))
	if err != nil {
		return fmt.Errorf("put consent: %w", err)
	}
	return nil
}

func scanConsent(row interface{ Scan(...any) error }) (store.Consent, error) {
	var c store.Consent
	var scopes string
	if err := row.Scan(&c.AccountID, &c.ClientID, &scopes, timeCol{&c.GrantedAt}); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(scopes), &c.Scopes); err != nil {
		return c, fmt.Errorf("consent scopes: %w", err)
	}
	return c, nil
}

// Consent returns a citizen's consent for a relying party.
func (q queries) Consent(ctx context.Context, accountID, clientID string) (store.Consent, error) {
	c, err := scanConsent(q.x.QueryRowContext(ctx, `SELECT account_id, client_id, scopes, granted_at FROM sso_consents
		WHERE account_id = $1 AND client_id = $2`, accountID, clientID))
	if err != nil {
		return store.Consent{}, notFound("consent", err)
	}
	return c, nil
}

// ListConsents returns a citizen's consents by relying party.
func (q queries) ListConsents(ctx context.Context, accountID string) ([]store.Consent, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT account_id, client_id, scopes, granted_at FROM sso_consents
		WHERE account_id = $1 ORDER BY client_id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list consents: %w", err)
	}
	defer rows.Close()
	var out []store.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("list consents: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list consents: %w", err)
	}
	return out, nil
}

// DeleteConsent withdraws a consent.
func (q queries) DeleteConsent(ctx context.Context, accountID, clientID string) error {
	res, err := q.x.ExecContext(ctx, `DELETE FROM sso_consents WHERE account_id = $1 AND client_id = $2`, accountID, clientID)
	return affected("delete consent", res, err, store.ErrNotFound)
}

// PutSigningKey stores a new signing key.
func (q queries) PutSigningKey(ctx context.Context, k store.SigningKey) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO sso_keys (id, algorithm, private_key, public_jwk, created_at, active_from,
		retire_at, expire_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, k.ID, k.Algorithm, k.Private, string(k.Public),
		q.t(k.CreatedAt), q.t(k.ActiveFrom), q.t(k.RetireAt), q.t(k.ExpireAt))
	if err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("put signing key: %w", store.ErrConflict)
		}
		return fmt.Errorf("put signing key: %w", err)
	}
	return nil
}

// ListSigningKeys returns every key not yet purged, oldest first.
func (q queries) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT id, algorithm, private_key, public_jwk, created_at, active_from, retire_at,
		expire_at FROM sso_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	defer rows.Close()
	var out []store.SigningKey
	for rows.Next() {
		var k store.SigningKey
		var pub string
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.Private, &pub, timeCol{&k.CreatedAt}, timeCol{&k.ActiveFrom},
			timeCol{&k.RetireAt}, timeCol{&k.ExpireAt}); err != nil {
			return nil, fmt.Errorf("list signing keys: %w", err)
		}
		k.Public = []byte(pub)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return out, nil
}

// AppendUsage appends a usage record.
func (q queries) AppendUsage(ctx context.Context, u store.UsageRecord) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO usage_records (account_id, client_id, kind, detail, ip, at) VALUES ($1,$2,$3,$4,$5,$6)`,
		u.AccountID, u.ClientID, u.Kind, u.Detail, u.IP, q.t(u.At))
	if err != nil {
		return fmt.Errorf("append usage: %w", err)
	}
	return nil
}

// ListUsage returns a citizen's usage records newest first.
func (q queries) ListUsage(ctx context.Context, accountID string, before int64, limit int) ([]store.UsageRecord, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := q.x.QueryContext(ctx, `SELECT id, account_id, client_id, kind, detail, ip, at FROM usage_records
		WHERE account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, accountID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list usage: %w", err)
	}
	defer rows.Close()
	var out []store.UsageRecord
	for rows.Next() {
		var u store.UsageRecord
		if err := rows.Scan(&u.ID, &u.AccountID, &u.ClientID, &u.Kind, &u.Detail, &u.IP, timeCol{&u.At}); err != nil {
			return nil, fmt.Errorf("list usage: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list usage: %w", err)
	}
	return out, nil
}
