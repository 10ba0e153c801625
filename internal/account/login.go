package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/store"
)

// Challenge is a login challenge for a device to sign.
type Challenge struct {
	Challenge string
	ExpiresAt time.Time
}

// LoginChallenge issues a challenge bound to deviceID. It is stateless: any
// instance sharing the store's key can check it.
func (s *Service) LoginChallenge(deviceID string) (Challenge, error) {
	if deviceID == "" || len(deviceID) > 128 {
		return Challenge{}, ErrInvalidDevice.WithFields("device_id")
	}
	exp := s.now().Add(s.cfg.ChallengeTTL)
	ch, err := s.challenges.issue(deviceID, exp)
	if err != nil {
		return Challenge{}, failure.Unexpected(err)
	}
	return Challenge{Challenge: ch, ExpiresAt: exp}, nil
}

// LoginRequest logs in from a device.
type LoginRequest struct {
	IDNumber  string
	Password  string
	DeviceID  string
	Challenge string
	// Signature is the device key's signature over LoginProof(Challenge, IDNumber).
	Signature string
}

// Session is a new login session. Token is shown once; only its hash is kept.
type Session struct {
	Token     string
	ExpiresAt time.Time
	Account   Account
}

// Login checks the password and the device, and opens a session. Unknown ID
// numbers and wrong passwords get the same answer after the same work.
func (s *Service) Login(ctx context.Context, c Caller, req LoginRequest) (Session, error) {
	a, stale, err := s.checkPassword(ctx, c, req.IDNumber, req.Password, "app")
	if err != nil {
		return Session{}, err
	}
	dev, err := s.store.AccountDevice(ctx, a.ID)
	if errors.Is(err, store.ErrNotFound) || err == nil && dev.DeviceID != req.DeviceID {
		return Session{}, ErrDeviceNotBound
	}
	if err != nil {
		return Session{}, failure.Unexpected(err)
	}
	if err := s.challenges.check(req.Challenge, req.DeviceID, s.now()); err != nil {
		return Session{}, ErrDeviceProof.WithFields("challenge").WithCause(err)
	}
	if err := VerifyDeviceSignature(dev.PublicKey, LoginProof(req.Challenge, req.IDNumber), req.Signature); err != nil {
		return Session{}, ErrDeviceProof.WithFields("signature").WithCause(err)
	}
	// A challenge logs in once: replaying a captured request fails even
	// within its lifetime, on every instance.
	exp, _ := s.challenges.expiry(req.Challenge)
	sum := sha256.Sum256([]byte(req.Challenge))
	if n, err := s.store.Hit(ctx, "login-challenge:"+hex.EncodeToString(sum[:16]), exp, exp); err != nil {
		return Session{}, failure.Unexpected(err)
	} else if n > 1 {
		return Session{}, ErrDeviceProof.WithFields("challenge").WithDetail("(Mã thử thách đã được sử dụng.)", "(The challenge was already used.)")
	}
	now := s.now()
	token := newToken()
	se := store.Session{ID: newID(), TokenHash: tokenHash(token), AccountID: a.ID, DeviceID: dev.DeviceID,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL), LastSeenAt: now}
	var rehash string
	if stale {
		if rehash, err = HashPassword(req.Password, s.cfg.Argon2); err != nil {
			return Session{}, failure.Unexpected(err)
		}
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateSession(ctx, se); err != nil {
			return err
		}
		if err := q.RecordLogin(ctx, a.ID, now); err != nil {
			return err
		}
		if rehash != "" {
			if err := q.UpdatePasswordHash(ctx, a.ID, rehash, now); err != nil {
				return err
			}
		}
		return s.audit(ctx, q, c, "account:"+a.ID, "account.login", a.IDNumber, "app_login", map[string]any{"session": se.ID})
	})
	if err != nil {
		return Session{}, failure.Unexpected(err)
	}
	a.LastLoginAt = now
	return Session{Token: token, ExpiresAt: se.ExpiresAt, Account: view(a)}, nil
}

// Principal is an authenticated caller.
type Principal struct {
	Account   Account
	SessionID string
	DeviceID  string
}

// Authenticate resolves a bearer token to its live session and account.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > 256 {
		return Principal{}, ErrUnauthenticated
	}
	se, err := s.store.SessionByTokenHash(ctx, tokenHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, failure.Unexpected(err)
	}
	now := s.now()
	if !se.RevokedAt.IsZero() || !now.Before(se.ExpiresAt) {
		return Principal{}, ErrUnauthenticated
	}
	a, err := s.store.Account(ctx, se.AccountID)
	if err != nil {
		return Principal{}, failure.Unexpected(err)
	}
	if a.State != store.AccountActive {
		return Principal{}, ErrAccountLocked
	}
	if now.Sub(se.LastSeenAt) > time.Minute {
		if err := s.store.TouchSession(ctx, se.ID, now); err != nil {
			s.log.Warn("touch session failed", "err", err)
		}
	}
	return Principal{Account: view(a), SessionID: se.ID, DeviceID: se.DeviceID}, nil
}

// Logout revokes the caller's session.
func (s *Service) Logout(ctx context.Context, c Caller, p Principal) error {
	err := s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.RevokeSession(ctx, p.SessionID, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "account.logout", p.Account.IDNumber, "app_login", nil)
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrUnauthenticated
	}
	return failure.Unexpected(err)
}

// Profile is the citizen's own e-ID details as the population database has
// them now.
type Profile struct {
	Account Account
	Citizen Confirmation
}

// Profile returns the logged-in citizen's details; the read is audited.
func (s *Service) Profile(ctx context.Context, c Caller, p Principal) (Profile, error) {
	cit, err := s.citizen(ctx, p.Account.IDNumber)
	if err != nil {
		return Profile{}, failure.Unexpected(err)
	}
	if err := s.audit(ctx, s.store, c, "account:"+p.Account.ID, "registry.citizen.read", cit.ID, "own_profile", nil); err != nil {
		return Profile{}, failure.Unexpected(err)
	}
	card, _ := cit.CurrentCard(s.today())
	return Profile{Account: p.Account, Citizen: Confirmation{IDNumber: cit.ID, Phone: p.Account.Phone, FullName: cit.FullName,
		Gender: cit.Gender, DateOfBirth: cit.DateOfBirth, PermanentAddress: cit.PermanentAddress, Card: card}}, nil
}

// checkPassword is the first factor of every sign-in: the login rate
// limits, the ID number, the password (with the same cost for unknown
// numbers), a failed attempt written to the audit log, and a usable
// account. stale says the hash should be remade with today's parameters.
func (s *Service) checkPassword(ctx context.Context, c Caller, idNumber, password, channel string) (store.Account, bool, error) {
	if err := s.allow(ctx, s.cfg.LoginPerIP, c.IP); err != nil {
		return store.Account{}, false, err
	}
	if err := identity.ValidatePersonalID(idNumber); err != nil {
		return store.Account{}, false, ErrInvalidCredentials
	}
	if err := s.allow(ctx, s.cfg.LoginPerID, idNumber); err != nil {
		return store.Account{}, false, err
	}
	// After LoginFailPerID's wrong passwords the ID number is locked out
	// until the window ends, the right password too; unknown numbers are
	// counted alike, so the lockout tells nothing either.
	if err := s.blocked(ctx, s.cfg.LoginFailPerID, idNumber); err != nil {
		return store.Account{}, false, err
	}
	a, err := s.store.AccountByIDNumber(ctx, idNumber)
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.PasswordHash == "") {
		// No account, or one the enrolment desk opened that the citizen
		// has not claimed in the app yet: no password works.
		_, _, _ = VerifyPassword(s.dummyHash, password, s.cfg.Argon2)
		s.failed(ctx, s.cfg.LoginFailPerID, idNumber)
		return store.Account{}, false, ErrInvalidCredentials
	}
	if err != nil {
		return store.Account{}, false, failure.Unexpected(err)
	}
	ok, stale, err := VerifyPassword(a.PasswordHash, password, s.cfg.Argon2)
	if err != nil {
		return store.Account{}, false, failure.Unexpected(err)
	}
	if !ok {
		s.failed(ctx, s.cfg.LoginFailPerID, idNumber)
		detail := `{"reason":"password"}`
		if channel != "app" {
			detail = `{"reason":"password","channel":"` + channel + `"}`
		}
		_ = s.store.AppendAudit(ctx, store.AuditEvent{At: s.now(), Actor: "anonymous", Action: "account.login_failed",
			Subject: a.IDNumber, RequestID: c.RequestID, Detail: detail})
		return store.Account{}, false, ErrInvalidCredentials
	}
	if a.State != store.AccountActive {
		return store.Account{}, false, ErrAccountLocked
	}
	return a, stale, nil
}
