package wallet

import (
	"context"
	"errors"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/store"
)

// Codes sends and checks SMS codes for a passcode reset (package account).
type Codes interface {
	// SendResetCode sends a short-lived reset code for purpose and subject
	// to phone and returns the masked phone and the code's expiry.
	SendResetCode(ctx context.Context, purpose, subject, phone, auditSubject string) (string, time.Time, error)
	// CheckCodeOf checks a code once, with a limited number of tries,
	// counting wrong codes against the holder's personal ID number.
	CheckCodeOf(ctx context.Context, purpose, subject, idNumber, code string) error
}

// PurposePasscodeReset is the SMS-code purpose of a wallet passcode reset.
const PurposePasscodeReset = "wallet_passcode_reset"

// errNoCodes is returned when the service runs without a code sender.
var errNoCodes = errors.New("wallet: passcode reset needs a code sender")

// StartPasscodeReset sends a code (valid 3 minutes) to the logged-in
// holder's phone, for a forgotten wallet passcode. It returns the masked
// phone and the code's expiry.
func (s *Service) StartPasscodeReset(ctx context.Context, c account.Caller, p account.Principal) (string, time.Time, error) {
	if s.codes == nil {
		return "", time.Time{}, failure.Unexpected(errNoCodes)
	}
	return s.codes.SendResetCode(ctx, PurposePasscodeReset, p.Account.ID, p.Account.Phone, p.Account.IDNumber)
}

// ConfirmPasscodeReset checks the code sent by StartPasscodeReset and sets
// the new passcode; the holder is told by SMS.
func (s *Service) ConfirmPasscodeReset(ctx context.Context, c account.Caller, p account.Principal, code, passcode string) error {
	if s.codes == nil {
		return failure.Unexpected(errNoCodes)
	}
	// The format first, so that a bad passcode does not use up a try.
	if err := CheckPasscode(passcode); err != nil {
		return err
	}
	if err := s.codes.CheckCodeOf(ctx, PurposePasscodeReset, p.Account.ID, p.Account.IDNumber, code); err != nil {
		return err
	}
	hash, err := account.HashPassword(passcode, s.cfg.Argon2)
	if err != nil {
		return failure.Unexpected(err)
	}
	now := s.now()
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.SetPasscodeHash(ctx, p.Account.ID, hash, now); err != nil {
			return err
		}
		if _, err := q.EnqueueOutbox(ctx, notify.PasscodeResetMessage(p.Account.Phone, now)); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "wallet.passcode.reset", p.Account.IDNumber, "wallet", nil)
	})
	if err != nil {
		return failure.Unexpected(err)
	}
	s.wake()
	return nil
}
