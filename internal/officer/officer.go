// Package officer provides the accounts of police officers and
// administrators who use the consoles: creation by an administrator,
// sign-in with a password and a TOTP code (RFC 6238) that works once,
// console sessions, roles and jurisdictions. It knows nothing of HTTP or
// SQL.
package officer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/jurisdiction"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/totp"
)

// Roles.
const (
	RoleDesk     = "desk"      // enrolment desk officer
	RoleReviewer = "reviewer"  // reviews dossiers
	RoleUnitHead = "unit_head" // head of a police unit
	RoleAdmin    = "admin"     // administers officers, trust list, relying parties
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	return r == RoleDesk || r == RoleReviewer || r == RoleUnitHead || r == RoleAdmin
}

// Failures.
var (
	ErrBadCredentials = failure.New("officer_bad_credentials", failure.Unauthenticated,
		"Tên đăng nhập, mật khẩu hoặc mã xác thực không đúng.", "The username, password or authentication code is wrong.")
	ErrUnauthenticated = failure.New("officer_unauthenticated", failure.Unauthenticated,
		"Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.", "Your session has ended. Please sign in again.")
	ErrInvalid = failure.New("officer_invalid", failure.Invalid,
		"Thông tin cán bộ không hợp lệ.", "The officer's details are not valid.")
	ErrExists = failure.New("officer_exists", failure.Conflict,
		"Tên đăng nhập đã được sử dụng.", "The username is taken.")
	ErrNotFound = failure.New("officer_not_found", failure.NotFound,
		"Không tìm thấy cán bộ.", "The officer does not exist.")
)

// Principal is a signed-in officer.
type Principal struct {
	ID       string
	Username string
	FullName string
	Roles    []string
	// Scope is the officer's jurisdiction: their police unit's area.
	Scope     jurisdiction.Scope
	SessionID string
}

// Has reports whether the officer has a role.
func (p Principal) Has(role string) bool { return slices.Contains(p.Roles, role) }

// Service manages officers and their sessions.
type Service struct {
	store      store.Store
	box        *seal.Box
	argon      account.Argon2Params
	sessionTTL time.Duration
	issuer     string
	log        *slog.Logger
	// loginPerUser limits sign-ins per username; loginFailPerUser counts
	// failed ones (wrong password or TOTP code) and locks the username out.
	loginPerUser, loginFailPerUser ratelimit.Rule
	now                            func() time.Time
	units                          Units
	// dummy is a hash verified when the username is unknown, so that the
	// answer takes as long.
	dummy string
}

// Units is what the service needs of the police units: whether one
// exists, and the scope it gives its officers.
type Units interface {
	PoliceUnit(ctx context.Context, id string) (store.PoliceUnit, error)
	Scope(ctx context.Context, unitID string) (jurisdiction.Scope, error)
}

// Options configure the Service.
type Options struct {
	// Units resolves officers' police units (required).
	Units      Units
	Store      store.Store
	Box        *seal.Box
	Argon2     account.Argon2Params
	SessionTTL time.Duration // default 8 h (a working shift)
	Issuer     string        // shown in authenticator apps (default "VNeID")
	Logger     *slog.Logger
	Now        func() time.Time
	// LoginPerUser limits sign-ins per username (default
	// DefaultLoginPerUser; a zero Limit turns it off, for tests).
	LoginPerUser *ratelimit.Rule
	// LoginFailPerUser locks a username out after failed sign-ins (default
	// DefaultLoginFailPerUser; a zero Limit turns it off, for tests).
	LoginFailPerUser *ratelimit.Rule
}

// New returns the service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Box == nil || o.Units == nil {
		return nil, errors.New("officer: store, seal box and units are required")
	}
	if o.Argon2 == (account.Argon2Params{}) {
		o.Argon2 = account.DefaultArgon2()
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 8 * time.Hour
	}
	if o.Issuer == "" {
		o.Issuer = "VNeID"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	dummy, err := account.HashPassword("not a password of anyone", o.Argon2)
	if err != nil {
		return nil, fmt.Errorf("officer: %w", err)
	}
	rule, fail := DefaultLoginPerUser(), DefaultLoginFailPerUser()
	if o.LoginPerUser != nil {
		rule = *o.LoginPerUser
	}
	if o.LoginFailPerUser != nil {
		fail = *o.LoginFailPerUser
	}
	return &Service{store: o.Store, box: o.Box, argon: o.Argon2, sessionTTL: o.SessionTTL, issuer: o.Issuer,
		log: o.Logger, now: o.Now, dummy: dummy, loginPerUser: rule, loginFailPerUser: fail, units: o.Units}, nil
}

// checkRoles refuses an empty or unknown set of roles.
func checkRoles(roles []string) error {
	if len(roles) == 0 {
		return ErrInvalid.WithFields("roles")
	}
	for _, r := range roles {
		if !ValidRole(r) {
			return ErrInvalid.WithFields("roles")
		}
	}
	return nil
}

// NewOfficer describes an officer to create.
type NewOfficer struct {
	Username string
	FullName string
	Password string
	Roles    []string
	// Unit is the police unit the officer belongs to.
	Unit string
}

// Enrolment is a created officer with the TOTP provisioning URI to load
// into an authenticator app (shown once).
type Enrolment struct {
	Officer store.Officer
	// TOTPURI is the otpauth:// URI; TOTPSecret its raw secret, for
	// tests and printing as base32.
	TOTPURI    string
	TOTPSecret []byte
}

func totpAD(officerID string) []byte { return []byte("officer-totp:" + officerID) }

func validUsername(u string) bool {
	if len(u) < 3 || len(u) > 64 {
		return false
	}
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Create adds an officer (an administrator's action) with a new TOTP
// secret.
func (s *Service) Create(ctx context.Context, actor string, n NewOfficer) (Enrolment, error) {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	n.FullName = strings.TrimSpace(n.FullName)
	if !validUsername(n.Username) {
		return Enrolment{}, ErrInvalid.WithFields("username")
	}
	if n.FullName == "" || len(n.FullName) > 200 {
		return Enrolment{}, ErrInvalid.WithFields("full_name")
	}
	if len(n.Password) < 12 || len(n.Password) > 256 {
		return Enrolment{}, ErrInvalid.WithFields("password").WithDetail("Mật khẩu cán bộ cần ít nhất 12 ký tự.",
			"Officer passwords need at least 12 characters.")
	}
	if err := checkRoles(n.Roles); err != nil {
		return Enrolment{}, err
	}
	if _, err := s.units.PoliceUnit(ctx, n.Unit); err != nil {
		return Enrolment{}, ErrInvalid.WithFields("unit")
	}
	hash, err := account.HashPassword(account.NormalizePassword(n.Password), s.argon)
	if err != nil {
		return Enrolment{}, fmt.Errorf("officer: %w", err)
	}
	secret, err := totp.GenerateSecret(rand.Reader)
	if err != nil {
		return Enrolment{}, fmt.Errorf("officer: %w", err)
	}
	now := s.now()
	o := store.Officer{ID: newID(), Username: n.Username, FullName: n.FullName, PasswordHash: hash,
		Roles: n.Roles, UnitID: n.Unit, State: store.OfficerActive, CreatedAt: now, UpdatedAt: now}
	if o.TOTPSecret, err = s.box.Seal(secret, totpAD(o.ID)); err != nil {
		return Enrolment{}, fmt.Errorf("officer: %w", err)
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateOfficer(ctx, o); err != nil {
			return err
		}
		return audit(ctx, q, now, actor, "officer.created", o.ID, map[string]any{"username": o.Username, "roles": o.Roles, "unit": o.UnitID})
	})
	if errors.Is(err, store.ErrConflict) {
		return Enrolment{}, ErrExists
	}
	if err != nil {
		return Enrolment{}, fmt.Errorf("officer: create: %w", err)
	}
	return Enrolment{Officer: o, TOTPSecret: secret, TOTPURI: totp.URI(secret, s.issuer, o.Username, totp.Options{})}, nil
}

func audit(ctx context.Context, q store.Queries, at time.Time, actor, action, officerID string, detail map[string]any) error {
	d, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("officer: audit: %w", err)
	}
	return q.AppendAudit(ctx, store.AuditEvent{At: at, Actor: actor, Action: action, Subject: "officer:" + officerID, Detail: string(d)})
}

// Session is a new console session.
type Session struct {
	Token     string
	ExpiresAt time.Time
	Principal Principal
}

// DefaultLoginPerUser limits sign-in attempts per username, whatever the
// client address, so a TOTP code cannot be guessed from many addresses.
func DefaultLoginPerUser() ratelimit.Rule {
	return ratelimit.Rule{Name: "officer-login-user", Limit: 10, Window: 15 * time.Minute}
}

// DefaultLoginFailPerUser locks a username out after five failed sign-ins
// (wrong password or TOTP code, or an unknown or disabled username) in 15
// minutes, until the window ends, even with the right password and code.
func DefaultLoginFailPerUser() ratelimit.Rule {
	return ratelimit.Rule{Name: "officer-login-fail-user", Limit: 5, Window: 15 * time.Minute}
}

// IdleTimeout ends a console session nobody has used for this long.
const IdleTimeout = 30 * time.Minute

// Login signs an officer in with password and TOTP code. Every failure
// looks the same to the caller.
func (s *Service) Login(ctx context.Context, username, password, code string) (Session, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	if len(username) > 64 {
		return Session{}, ErrBadCredentials
	}
	limiter := ratelimit.Limiter{Counters: s.store, Now: s.now}
	if err := limiter.Allow(ctx, s.loginPerUser, username); err != nil {
		return Session{}, err
	}
	if err := limiter.Blocked(ctx, s.loginFailPerUser, username); err != nil {
		return Session{}, err
	}
	o, err := s.store.OfficerByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) || (err == nil && o.State != store.OfficerActive) {
		_, _, _ = account.VerifyPassword(s.dummy, password, s.argon)
		s.failed(ctx, username, "unknown_or_disabled")
		return Session{}, ErrBadCredentials
	}
	if err != nil {
		return Session{}, fmt.Errorf("officer: login: %w", err)
	}
	ok, stale, err := account.VerifyPassword(o.PasswordHash, account.NormalizePassword(password), s.argon)
	if err != nil || !ok {
		s.failed(ctx, username, "password")
		return Session{}, ErrBadCredentials
	}
	secret, err := s.box.Open(o.TOTPSecret, totpAD(o.ID))
	if err != nil {
		return Session{}, fmt.Errorf("officer: login: %w", err)
	}
	now := s.now()
	step, ok := totp.Verify(secret, strings.TrimSpace(code), now, totp.Options{}, 1)
	if !ok {
		s.failed(ctx, username, "totp")
		return Session{}, ErrBadCredentials
	}
	var tok [32]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return Session{}, fmt.Errorf("officer: login: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(tok[:])
	sess := store.OfficerSession{ID: newID(), TokenHash: tokenHash(token), OfficerID: o.ID, CreatedAt: now,
		ExpiresAt: now.Add(s.sessionTTL), LastSeenAt: now}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		// A code works once: a replay inside its window is refused.
		if err := q.UseTOTPStep(ctx, o.ID, step); err != nil {
			return err
		}
		if err := q.CreateOfficerSession(ctx, sess); err != nil {
			return err
		}
		if stale {
			// New hashing parameters apply at the next sign-in, so that
			// every officer's check costs the same as the dummy's.
			h, err := account.HashPassword(account.NormalizePassword(password), s.argon)
			if err != nil {
				return err
			}
			o.PasswordHash, o.UpdatedAt = h, now
			if err := q.UpdateOfficer(ctx, o); err != nil {
				return err
			}
		}
		return audit(ctx, q, now, "officer:"+o.ID, "officer.login", o.ID, nil)
	})
	if errors.Is(err, store.ErrConflict) {
		s.failed(ctx, username, "totp_reused")
		return Session{}, ErrBadCredentials
	}
	if err != nil {
		return Session{}, fmt.Errorf("officer: login: %w", err)
	}
	p, err := s.principal(ctx, o, sess.ID)
	if err != nil {
		return Session{}, err
	}
	return Session{Token: token, ExpiresAt: sess.ExpiresAt, Principal: p}, nil
}

func (s *Service) failed(ctx context.Context, username, why string) {
	if err := (ratelimit.Limiter{Counters: s.store, Now: s.now}).Fail(ctx, s.loginFailPerUser, username); err != nil {
		s.log.Warn("counting a failed officer sign-in failed", "err", err)
	}
	_ = s.store.AppendAudit(ctx, store.AuditEvent{At: s.now(), Actor: "anonymous", Action: "officer.login_failed",
		Subject: "officer-username:" + username, Detail: `{"why":"` + why + `"}`})
}

func (s *Service) principal(ctx context.Context, o store.Officer, sessionID string) (Principal, error) {
	scope, err := s.units.Scope(ctx, o.UnitID)
	if err != nil {
		return Principal{}, fmt.Errorf("officer: scope: %w", err)
	}
	return Principal{ID: o.ID, Username: o.Username, FullName: o.FullName, Roles: o.Roles, Scope: scope, SessionID: sessionID}, nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte("vneid-officer-session\n" + token))
	return h[:]
}

// Authenticate resolves a session token to its officer.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > 128 {
		return Principal{}, ErrUnauthenticated
	}
	sess, err := s.store.OfficerSessionByTokenHash(ctx, tokenHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("officer: authenticate: %w", err)
	}
	now := s.now()
	if !sess.RevokedAt.IsZero() || now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > IdleTimeout {
		return Principal{}, ErrUnauthenticated
	}
	o, err := s.store.Officer(ctx, sess.OfficerID)
	if err != nil {
		return Principal{}, fmt.Errorf("officer: authenticate: %w", err)
	}
	if o.State != store.OfficerActive {
		return Principal{}, ErrUnauthenticated
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		_ = s.store.TouchOfficerSession(ctx, sess.ID, now)
	}
	return s.principal(ctx, o, sess.ID)
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	err := s.store.RevokeOfficerSession(ctx, p.SessionID, s.now())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("officer: logout: %w", err)
	}
	return nil
}

// List returns every officer.
func (s *Service) List(ctx context.Context) ([]store.Officer, error) {
	l, err := s.store.ListOfficers(ctx)
	if err != nil {
		return nil, fmt.Errorf("officer: list: %w", err)
	}
	return l, nil
}

// SetState enables or disables an officer.
func (s *Service) SetState(ctx context.Context, actor, username string, state store.OfficerState) error {
	o, err := s.store.OfficerByUsername(ctx, strings.ToLower(username))
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("officer: %w", err)
	}
	o.State, o.UpdatedAt = state, s.now()
	return s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.UpdateOfficer(ctx, o); err != nil {
			return err
		}
		return audit(ctx, q, o.UpdatedAt, actor, "officer.state", o.ID, map[string]any{"state": state})
	})
}

// Assign changes an officer's roles and police unit (nil roles or ""
// unit leave them as they are).
func (s *Service) Assign(ctx context.Context, actor, username string, roles []string, unit string) error {
	o, err := s.store.OfficerByUsername(ctx, strings.ToLower(username))
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("officer: %w", err)
	}
	if roles != nil {
		if err := checkRoles(roles); err != nil {
			return err
		}
		o.Roles = roles
	}
	if unit != "" {
		if _, err := s.units.PoliceUnit(ctx, unit); err != nil {
			return ErrInvalid.WithFields("unit")
		}
		o.UnitID = unit
	}
	o.UpdatedAt = s.now()
	return s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.UpdateOfficer(ctx, o); err != nil {
			return err
		}
		return audit(ctx, q, o.UpdatedAt, actor, "officer.assigned", o.ID, map[string]any{"roles": o.Roles, "unit": o.UnitID})
	})
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
