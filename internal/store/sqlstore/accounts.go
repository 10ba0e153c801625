package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// notFound turns sql.ErrNoRows into store.ErrNotFound, wrapping with what.
func notFound(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// affected reports ErrConflict (or ErrNotFound when missing is set) when a
// conditional write touched no row.
func affected(what string, res sql.Result, err error, missing error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, missing)
	}
	return nil
}

// CreateRegistration stores a registration.
func (q queries) CreateRegistration(ctx context.Context, r store.Registration) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO registrations (id, id_number, phone, device_id, device_public_key,
		device_name, device_platform, state, created_at, updated_at, expires_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		r.ID, r.IDNumber, r.Phone, r.DeviceID, r.DevicePublicKey, r.DeviceName, r.DevicePlatform, string(r.State),
		q.t(r.CreatedAt), q.t(r.UpdatedAt), q.t(r.ExpiresAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("create registration: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create registration: %w", err)
	}
	return nil
}

// Registration returns a registration by ID.
func (q queries) Registration(ctx context.Context, id string) (store.Registration, error) {
	var r store.Registration
	var state string
	err := q.x.QueryRowContext(ctx, `SELECT id, id_number, phone, device_id, device_public_key, device_name,
		device_platform, state, created_at, updated_at, expires_at FROM registrations WHERE id = $1`, id).
		Scan(&r.ID, &r.IDNumber, &r.Phone, &r.DeviceID, &r.DevicePublicKey, &r.DeviceName, &r.DevicePlatform, &state,
			timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}, timeCol{&r.ExpiresAt})
	if err != nil {
		return store.Registration{}, notFound("registration", err)
	}
	r.State = store.RegistrationState(state)
	return r, nil
}

// AdvanceRegistration moves a registration from one state to another.
func (q queries) AdvanceRegistration(ctx context.Context, id string, from, to store.RegistrationState, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE registrations SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4`,
		string(to), q.t(at), id, string(from))
	return affected("advance registration", res, err, store.ErrConflict)
}

// CreateOTP stores an OTP.
func (q queries) CreateOTP(ctx context.Context, o store.OTP) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO otps (id, purpose, subject, phone, code_hash, created_at, expires_at,
		attempts, max_attempts, consumed_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
		o.ID, o.Purpose, o.Subject, o.Phone, o.CodeHash, q.t(o.CreatedAt), q.t(o.ExpiresAt), o.Attempts, o.MaxAttempts,
		q.t(o.ConsumedAt))
	if err != nil {
		return fmt.Errorf("create otp: %w", err)
	}
	return nil
}

const otpColumns = `id, purpose, subject, phone, code_hash, created_at, expires_at, attempts, max_attempts, consumed_at`

func scanOTP(row interface{ Scan(...any) error }) (store.OTP, error) {
	var o store.OTP
	err := row.Scan(&o.ID, &o.Purpose, &o.Subject, &o.Phone, &o.CodeHash, timeCol{&o.CreatedAt}, timeCol{&o.ExpiresAt},
		&o.Attempts, &o.MaxAttempts, timeCol{&o.ConsumedAt})
	return o, err
}

// LatestOTP returns the newest OTP for a purpose and subject.
func (q queries) LatestOTP(ctx context.Context, purpose, subject string) (store.OTP, error) {
	o, err := scanOTP(q.x.QueryRowContext(ctx, `SELECT `+otpColumns+` FROM otps WHERE purpose = $1 AND subject = $2
		ORDER BY created_at DESC, id DESC LIMIT 1`, purpose, subject))
	if err != nil {
		return store.OTP{}, notFound("latest otp", err)
	}
	return o, nil
}

// CountOTPs counts OTPs sent to a phone since a time.
func (q queries) CountOTPs(ctx context.Context, phone string, since time.Time) (int, error) {
	var n int
	if err := q.x.QueryRowContext(ctx, `SELECT COUNT(*) FROM otps WHERE phone = $1 AND created_at >= $2`, phone, q.t(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count otps: %w", err)
	}
	return n, nil
}

// SpendOTPAttempt atomically counts one attempt against an OTP.
func (q queries) SpendOTPAttempt(ctx context.Context, id string) (store.OTP, error) {
	o, err := scanOTP(q.x.QueryRowContext(ctx, `UPDATE otps SET attempts = attempts + 1
		WHERE id = $1 AND consumed_at IS NULL AND attempts < max_attempts RETURNING `+otpColumns, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.OTP{}, fmt.Errorf("spend otp attempt: %w", store.ErrConflict)
	}
	if err != nil {
		return store.OTP{}, fmt.Errorf("spend otp attempt: %w", err)
	}
	return o, nil
}

// ConsumeOTP marks an OTP used.
func (q queries) ConsumeOTP(ctx context.Context, id string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE otps SET consumed_at = $1 WHERE id = $2 AND consumed_at IS NULL`, q.t(at), id)
	return affected("consume otp", res, err, store.ErrConflict)
}

const accountColumns = `id, id_number, phone, password_hash, state, level, created_at, updated_at, password_changed_at, last_login_at, email, passcode_hash`

func scanAccount(row interface{ Scan(...any) error }) (store.Account, error) {
	var a store.Account
	var state string
	err := row.Scan(&a.ID, &a.IDNumber, &a.Phone, &a.PasswordHash, &state, &a.Level, timeCol{&a.CreatedAt},
		timeCol{&a.UpdatedAt}, timeCol{&a.PasswordChangedAt}, timeCol{&a.LastLoginAt}, &a.Email, &a.PasscodeHash)
	a.State = store.AccountState(state)
	return a, err
}

// CreateAccount stores an account.
func (q queries) CreateAccount(ctx context.Context, a store.Account) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO accounts (`+accountColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		a.ID, a.IDNumber, a.Phone, a.PasswordHash, string(a.State), a.Level, q.t(a.CreatedAt), q.t(a.UpdatedAt),
		q.t(a.PasswordChangedAt), q.t(a.LastLoginAt), a.Email, a.PasscodeHash)
	if isUniqueViolation(err) {
		return fmt.Errorf("create account: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	return nil
}

// Account returns an account by ID.
func (q queries) Account(ctx context.Context, id string) (store.Account, error) {
	a, err := scanAccount(q.x.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	if err != nil {
		return store.Account{}, notFound("account", err)
	}
	return a, nil
}

// AccountByIDNumber returns the account of a personal ID number.
func (q queries) AccountByIDNumber(ctx context.Context, idNumber string) (store.Account, error) {
	a, err := scanAccount(q.x.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id_number = $1`, idNumber))
	if err != nil {
		return store.Account{}, notFound("account by id number", err)
	}
	return a, nil
}

// RecordLogin sets the last login time.
func (q queries) RecordLogin(ctx context.Context, accountID string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE accounts SET last_login_at = $1 WHERE id = $2`, q.t(at), accountID)
	return affected("record login", res, err, store.ErrNotFound)
}

// UpdatePasswordHash replaces the password hash.
func (q queries) UpdatePasswordHash(ctx context.Context, accountID, hash string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, q.t(at), accountID)
	return affected("update password hash", res, err, store.ErrNotFound)
}

// BindDevice binds (or rebinds) the account's one device.
func (q queries) BindDevice(ctx context.Context, d store.Device) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO devices (account_id, device_id, public_key, name, platform, bound_at)
		VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (account_id) DO UPDATE SET device_id = excluded.device_id,
		public_key = excluded.public_key, name = excluded.name, platform = excluded.platform, bound_at = excluded.bound_at`,
		d.AccountID, d.DeviceID, d.PublicKey, d.Name, d.Platform, q.t(d.BoundAt))
	if err != nil {
		return fmt.Errorf("bind device: %w", err)
	}
	return nil
}

// AccountDevice returns the account's bound device.
func (q queries) AccountDevice(ctx context.Context, accountID string) (store.Device, error) {
	var d store.Device
	err := q.x.QueryRowContext(ctx, `SELECT account_id, device_id, public_key, name, platform, bound_at FROM devices
		WHERE account_id = $1`, accountID).Scan(&d.AccountID, &d.DeviceID, &d.PublicKey, &d.Name, &d.Platform, timeCol{&d.BoundAt})
	if err != nil {
		return store.Device{}, notFound("account device", err)
	}
	return d, nil
}

// CreateSession stores a session.
func (q queries) CreateSession(ctx context.Context, s store.Session) error {
	_, err := q.x.ExecContext(ctx, `INSERT INTO sessions (id, token_hash, account_id, device_id, created_at, expires_at,
		last_seen_at, revoked_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
		s.ID, s.TokenHash, s.AccountID, s.DeviceID, q.t(s.CreatedAt), q.t(s.ExpiresAt), q.t(s.LastSeenAt), q.t(s.RevokedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("create session: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByTokenHash returns a session by token hash.
func (q queries) SessionByTokenHash(ctx context.Context, hash []byte) (store.Session, error) {
	var s store.Session
	err := q.x.QueryRowContext(ctx, `SELECT id, token_hash, account_id, device_id, created_at, expires_at, last_seen_at,
		revoked_at FROM sessions WHERE token_hash = $1`, hash).Scan(&s.ID, &s.TokenHash, &s.AccountID, &s.DeviceID,
		timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt}, timeCol{&s.LastSeenAt}, timeCol{&s.RevokedAt})
	if err != nil {
		return store.Session{}, notFound("session", err)
	}
	return s, nil
}

// TouchSession sets the last-seen time.
func (q queries) TouchSession(ctx context.Context, id string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, q.t(at), id)
	return affected("touch session", res, err, store.ErrNotFound)
}

// RevokeSession ends a live session.
func (q queries) RevokeSession(ctx context.Context, id string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, q.t(at), id)
	return affected("revoke session", res, err, store.ErrNotFound)
}

// RevokeAccountSessions ends every live app session and single sign-on
// session of an account.
func (q queries) RevokeAccountSessions(ctx context.Context, accountID string, at time.Time) (int64, error) {
	var total int64
	for _, stmt := range []string{
		`UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL`,
		`UPDATE sso_sessions SET ended_at = $1 WHERE account_id = $2 AND ended_at IS NULL`,
	} {
		res, err := q.x.ExecContext(ctx, stmt, q.t(at), accountID)
		if err != nil {
			return total, fmt.Errorf("revoke account sessions: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("revoke account sessions: %w", err)
		}
		total += n
	}
	return total, nil
}

// SerializeAccount takes the account row's lock until the transaction ends
// (PostgreSQL; SQLite transactions already exclude other writers), so that
// checks and writes about one account are not interleaved with another
// transaction's.
func (q queries) SerializeAccount(ctx context.Context, accountID string) error {
	lock := ""
	if q.d.name == "postgres" {
		lock = " FOR UPDATE"
	}
	var id string
	if err := q.x.QueryRowContext(ctx, `SELECT id FROM accounts WHERE id = $1`+lock, accountID).Scan(&id); err != nil {
		return notFound("serialize account", err)
	}
	return nil
}

// SetAccountEmail sets (or clears, with "") the account's email address.
func (q queries) SetAccountEmail(ctx context.Context, accountID, email string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE accounts SET email = $1, updated_at = $2 WHERE id = $3`, email, q.t(at), accountID)
	return affected("set account email", res, err, store.ErrNotFound)
}

// SetPasscodeHash sets the hash of the account's wallet passcode.
func (q queries) SetPasscodeHash(ctx context.Context, accountID, hash string, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE accounts SET passcode_hash = $1, updated_at = $2 WHERE id = $3`, hash, q.t(at), accountID)
	return affected("set passcode hash", res, err, store.ErrNotFound)
}

// SetAccountState locks or unlocks an account.
func (q queries) SetAccountState(ctx context.Context, accountID string, state store.AccountState, at time.Time) error {
	res, err := q.x.ExecContext(ctx, `UPDATE accounts SET state = $1, updated_at = $2 WHERE id = $3`, string(state), q.t(at), accountID)
	return affected("set account state", res, err, store.ErrNotFound)
}
