package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/store"
)

// PurposePasswordReset is the SMS-code purpose of a password reset.
const PurposePasswordReset = "password_reset"

// ErrResetNoAccount: the personal ID number has no app account with a
// password to reset.
var ErrResetNoAccount = failure.New("password_reset_no_account", failure.NotFound,
	"Số định danh cá nhân này chưa có tài khoản VNeID. Vui lòng đăng ký tài khoản.",
	"This personal ID number has no VNeID account. Please register.")

// CodeSent says where a code went and until when it works.
type CodeSent struct {
	MaskedPhone string
	ExpiresAt   time.Time
}

// DecoyCodeSent answers a request for a code to an ID number that has no
// usable account (none, not claimed, or locked) as SendResetCode answers
// for one that has: a masked phone that stays the same for the number (the
// account's own when there is one), the expiry, and the same refusals when
// asked again too soon or too often in a day, with a counter written where
// a code would be. Nothing is sent. ttl is the code lifetime the flow
// gives.
func (s *Service) DecoyCodeSent(ctx context.Context, purpose, idNumber, phone string, ttl time.Duration) (CodeSent, error) {
	now := s.now()
	key := purpose + "\x00" + idNumber
	wait := max(s.cfg.OTPResendAfter, time.Second)
	start := now.Truncate(wait)
	if n, err := s.store.Hit(ctx, "code-decoy:"+s.decoyKey(key), start, start.Add(wait)); err != nil {
		return CodeSent{}, failure.Unexpected(err)
	} else if n > 1 {
		return CodeSent{}, ErrOTPResendTooSoon.WithRetryAfter(start.Add(wait).Sub(now))
	}
	local := now.In(s.cfg.Location)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.cfg.Location)
	if n, err := s.store.Hit(ctx, "code-decoy-day:"+s.decoyKey(key), midnight, midnight.Add(24*time.Hour)); err != nil {
		return CodeSent{}, failure.Unexpected(err)
	} else if n > int64(s.cfg.OTPDailyLimit) {
		return CodeSent{}, ErrOTPDailyLimit.WithRetryAfter(midnight.Add(24 * time.Hour).Sub(local))
	}
	masked := identity.MaskPhone(phone)
	if masked == "" {
		masked = s.decoyPhone(idNumber)
	}
	return CodeSent{MaskedPhone: masked, ExpiresAt: now.Add(ttl)}, nil
}

// decoyKey names a decoy counter without the ID number in it.
func (s *Service) decoyKey(v string) string {
	m := hmac.New(sha256.New, s.otpKey)
	m.Write([]byte("decoy\x00" + v))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// decoyPhone is a masked mobile number, the same for idNumber every time,
// shaped like a real one.
func (s *Service) decoyPhone(idNumber string) string {
	m := hmac.New(sha256.New, s.otpKey)
	m.Write([]byte("decoy-phone\x00" + idNumber))
	sum := m.Sum(nil)
	prefixes := []string{"032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079",
		"081", "082", "083", "084", "085", "086", "088", "089", "090", "091", "093", "094", "096", "097", "098"}
	return prefixes[int(sum[0])%len(prefixes)] + "****" + fmt.Sprintf("%03d", (int(sum[1])<<8|int(sum[2]))%1000)
}

// resetAccount finds the account whose password is reset.
func (s *Service) resetAccount(ctx context.Context, idNumber string) (store.Account, error) {
	a, err := s.store.AccountByIDNumber(ctx, idNumber)
	if errors.Is(err, store.ErrNotFound) || err == nil && a.PasswordHash == "" {
		// An account the enrolment desk opened is claimed in the app with
		// its own flow, not by a reset.
		return store.Account{}, ErrResetNoAccount
	}
	if err != nil {
		return store.Account{}, failure.Unexpected(err)
	}
	if a.State != store.AccountActive {
		return a, ErrAccountLocked
	}
	return a, nil
}

// StartPasswordReset sends a reset code, valid ResetCodeTTL (3 minutes), to
// the phone of idNumber's account, within the reset rate limits per address
// and per ID number and the daily cap of codes per phone.
func (s *Service) StartPasswordReset(ctx context.Context, c Caller, idNumber string) (CodeSent, error) {
	idNumber = strings.TrimSpace(idNumber)
	if err := s.allow(ctx, s.cfg.ResetPerIP, c.IP); err != nil {
		return CodeSent{}, err
	}
	if err := identity.ValidatePersonalID(idNumber); err != nil {
		return CodeSent{}, ErrInvalidIDNumber.WithFields("id_number")
	}
	if err := s.allow(ctx, s.cfg.ResetPerID, idNumber); err != nil {
		return CodeSent{}, err
	}
	a, err := s.resetAccount(ctx, idNumber)
	if f := failure.As(err); f != nil && (f.Code == ErrResetNoAccount.Code || f.Code == ErrAccountLocked.Code) {
		// No account enumeration: an ID number without a usable account
		// gets the answer a known one gets, and sends nothing.
		return s.DecoyCodeSent(ctx, PurposePasswordReset, idNumber, a.Phone, s.cfg.ResetCodeTTL)
	}
	if err != nil {
		return CodeSent{}, err
	}
	masked, exp, err := s.SendResetCode(ctx, PurposePasswordReset, a.ID, a.Phone, a.IDNumber)
	if err != nil {
		return CodeSent{}, err
	}
	return CodeSent{MaskedPhone: masked, ExpiresAt: exp}, nil
}

// ConfirmPasswordReset checks the reset code and sets newPassword (within
// the password policy). Every login session of the account ends, so a
// stolen token stops working; the holder is told by SMS.
func (s *Service) ConfirmPasswordReset(ctx context.Context, c Caller, idNumber, code, newPassword string) error {
	idNumber = strings.TrimSpace(idNumber)
	if err := s.allow(ctx, s.cfg.OTPVerifyPerIP, c.IP); err != nil {
		return err
	}
	if err := identity.ValidatePersonalID(idNumber); err != nil {
		return ErrInvalidIDNumber.WithFields("id_number")
	}
	// The policy first, so that a weak password does not use up a try.
	if err := CheckPasswordPolicy(newPassword, idNumber); err != nil {
		return err
	}
	if err := s.blocked(ctx, s.cfg.OTPFailPerID, idNumber); err != nil {
		return err
	}
	a, err := s.resetAccount(ctx, idNumber)
	if f := failure.As(err); f != nil && (f.Code == ErrResetNoAccount.Code || f.Code == ErrAccountLocked.Code) {
		// As for a known account that was sent no code: nothing tells
		// the two apart.
		err = ErrOTPInvalid.WithFields("code")
		s.codeFailed(ctx, idNumber, err)
		return err
	}
	if err != nil {
		return err
	}
	o, err := s.spendOTP(ctx, PurposePasswordReset, a.ID, code, ErrOTPInvalid.WithFields("code"))
	if err != nil {
		s.codeFailed(ctx, idNumber, err)
		return err
	}
	hash, err := HashPassword(newPassword, s.cfg.Argon2)
	if err != nil {
		return failure.Unexpected(err)
	}
	now := s.now()
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.ConsumeOTP(ctx, o.ID, now); err != nil {
			return err
		}
		if err := q.UpdatePasswordHash(ctx, a.ID, hash, now); err != nil {
			return err
		}
		n, err := q.RevokeAccountSessions(ctx, a.ID, now)
		if err != nil {
			return err
		}
		// Whoever knew the old password may hold relying-party tokens and
		// presentations made with it: they end too.
		if _, err := q.RevokeSSOTokens(ctx, store.SSOTokenFilter{AccountID: a.ID}, now); err != nil {
			return err
		}
		if _, err := q.RevokePresentations(ctx, a.ID, ""); err != nil {
			return err
		}
		if _, err := q.EnqueueOutbox(ctx, notify.PasswordResetMessage(a.Phone, now)); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+a.ID, "account.password_reset", a.IDNumber, "password_reset",
			map[string]any{"sessions_ended": n})
	})
	if errors.Is(err, store.ErrConflict) {
		return ErrOTPInvalid.WithFields("code")
	}
	if err != nil {
		return failure.Unexpected(err)
	}
	s.notify()
	return nil
}
