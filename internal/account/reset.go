package account

import (
	"context"
	"errors"
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
		return store.Account{}, ErrAccountLocked
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
	a, err := s.resetAccount(ctx, idNumber)
	if err != nil {
		return err
	}
	// The policy first, so that a weak password does not use up a try.
	if err := CheckPasswordPolicy(newPassword, idNumber); err != nil {
		return err
	}
	o, err := s.spendOTP(ctx, PurposePasswordReset, a.ID, code, ErrOTPInvalid.WithFields("code"))
	if err != nil {
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
