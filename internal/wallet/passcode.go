package wallet

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/store"
)

// CheckPasscode reports whether a passcode is acceptable: exactly 6 ASCII
// digits, not one digit repeated and not a run up or down (123456, 987654).
func CheckPasscode(code string) error {
	if len(code) != 6 {
		return ErrPasscodeFormat
	}
	same, up, down := true, true, true
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return ErrPasscodeFormat
		}
		if i > 0 {
			d := int(code[i]) - int(code[i-1])
			same = same && d == 0
			up = up && (d == 1 || d == -9)
			down = down && (d == -1 || d == 9)
		}
	}
	if same || up || down {
		return ErrPasscodeFormat
	}
	return nil
}

// SetPasscode sets or changes the wallet passcode; the citizen confirms with
// the account password.
func (s *Service) SetPasscode(ctx context.Context, c account.Caller, p account.Principal, password, passcode string) error {
	if err := CheckPasscode(passcode); err != nil {
		return err
	}
	if err := s.passwords.ConfirmPassword(ctx, c, p, password); err != nil {
		return err
	}
	hash, err := account.HashPassword(passcode, s.cfg.Argon2)
	if err != nil {
		return failure.Unexpected(err)
	}
	return failure.Unexpected(s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.SetPasscodeHash(ctx, p.Account.ID, hash, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "wallet.passcode.set", p.Account.IDNumber, "wallet", nil)
	}))
}

// Unlocked is an open wallet: a token the app sends as X-Wallet-Token until
// it expires.
type Unlocked struct {
	Token     string
	ExpiresAt time.Time
}

// Unlock checks the passcode and opens the wallet for UnlockTTL, for this
// login session only. Wrong passcodes are counted per account: after
// PasscodeAttempts' limit the wallet stays shut until the window ends,
// even for the right passcode; right ones are not counted.
func (s *Service) Unlock(ctx context.Context, c account.Caller, p account.Principal, passcode string) (Unlocked, error) {
	if err := s.limiter.Allow(ctx, s.cfg.PasscodePerIP, c.IP); err != nil {
		return Unlocked{}, failure.Unexpected(err)
	}
	if err := s.limiter.Blocked(ctx, s.cfg.PasscodeAttempts, p.Account.ID); err != nil {
		return Unlocked{}, failure.Unexpected(err)
	}
	if err := s.limiter.Allow(ctx, s.cfg.PasscodeTries, p.Account.ID); err != nil {
		return Unlocked{}, failure.Unexpected(err)
	}
	acc, err := s.store.Account(ctx, p.Account.ID)
	if err != nil {
		return Unlocked{}, failure.Unexpected(err)
	}
	if acc.PasscodeHash == "" {
		return Unlocked{}, ErrPasscodeNotSet
	}
	ok, _, err := account.VerifyPassword(acc.PasscodeHash, passcode, s.cfg.Argon2)
	if err != nil {
		return Unlocked{}, failure.Unexpected(err)
	}
	if !ok {
		if err := s.limiter.Fail(ctx, s.cfg.PasscodeAttempts, p.Account.ID); err != nil {
			return Unlocked{}, failure.Unexpected(err)
		}
		_ = s.store.InTx(ctx, func(q store.Queries) error {
			return s.audit(ctx, q, c, "account:"+p.Account.ID, "wallet.unlock.failed", p.Account.IDNumber, "wallet", nil)
		})
		return Unlocked{}, ErrPasscodeWrong
	}
	exp := s.now().Add(s.cfg.UnlockTTL).Truncate(time.Second)
	return Unlocked{Token: s.unlockToken(p.SessionID, exp), ExpiresAt: exp}, nil
}

func (s *Service) unlockMAC(sessionID string, exp int64) []byte {
	m := hmac.New(sha256.New, s.unlockKey)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(exp))
	m.Write([]byte("wallet-unlock\x00"))
	m.Write(b[:])
	m.Write([]byte(sessionID))
	return m.Sum(nil)[:20]
}

func (s *Service) unlockToken(sessionID string, exp time.Time) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(exp.Unix()))
	return base64.RawURLEncoding.EncodeToString(append(b[:], s.unlockMAC(sessionID, exp.Unix())...))
}

// CheckUnlocked returns nil when token opens the wallet for p's session now.
func (s *Service) CheckUnlocked(p account.Principal, token string) error {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 28 {
		return ErrWalletLocked
	}
	exp := int64(binary.BigEndian.Uint64(raw[:8]))
	if !hmac.Equal(raw[8:], s.unlockMAC(p.SessionID, exp)) || !s.now().Before(time.Unix(exp, 0)) {
		return ErrWalletLocked
	}
	return nil
}

// requireLevel refuses accounts below level.
func requireLevel(p account.Principal, level int) error {
	if p.Account.Level >= level {
		return nil
	}
	if level >= 2 && p.Account.Level >= 1 {
		return ErrLevelRequired
	}
	return ErrNoEID
}
