package account

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/store"
)

// WebSignIn is a sign-in from a web page, where there is no device key:
// the password was right and a code went to the account's phone.
type WebSignIn struct {
	// Ticket names this sign-in; the page sends it back with the code.
	Ticket      string
	MaskedPhone string
	ExpiresAt   time.Time
}

const webPurpose = "web_signin"

// StartWebSignIn checks the ID number and password (with the login rate
// limits) and sends an SMS code to the account's phone. Pages that need a
// citizen without the app (activation) use it.
func (s *Service) StartWebSignIn(ctx context.Context, c Caller, idNumber, password string) (WebSignIn, error) {
	a, _, err := s.checkPassword(ctx, c, idNumber, password, "web")
	if err != nil {
		return WebSignIn{}, err
	}
	ticket := a.ID + "." + newID()
	var o store.OTP
	err = s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		if o, err = s.issueOTP(ctx, q, webPurpose, ticket, a.Phone); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+a.ID, "otp.sent", a.IDNumber, "web_signin", nil)
	})
	if err != nil {
		return WebSignIn{}, failure.Unexpected(err)
	}
	s.notify()
	return WebSignIn{Ticket: ticket, MaskedPhone: identity.MaskPhone(a.Phone), ExpiresAt: o.ExpiresAt}, nil
}

// FinishWebSignIn checks the SMS code of a web sign-in and returns the
// account. The code works once, with the same tries and lifetime as
// registration codes.
func (s *Service) FinishWebSignIn(ctx context.Context, c Caller, ticket, code string) (Account, error) {
	if err := s.allow(ctx, s.cfg.OTPVerifyPerIP, c.IP); err != nil {
		return Account{}, err
	}
	accountID, _, ok := strings.Cut(ticket, ".")
	if !ok || len(ticket) > 100 {
		return Account{}, ErrOTPInvalid.WithFields("ticket")
	}
	a, err := s.store.Account(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return Account{}, ErrOTPInvalid.WithFields("ticket")
	}
	if err != nil {
		return Account{}, failure.Unexpected(err)
	}
	if err := s.blocked(ctx, s.cfg.OTPFailPerID, a.IDNumber); err != nil {
		return Account{}, err
	}
	o, err := s.spendOTP(ctx, webPurpose, ticket, code, ErrOTPInvalid.WithFields("ticket"))
	if err != nil {
		s.codeFailed(ctx, a.IDNumber, err)
		return Account{}, err
	}
	if a.State != store.AccountActive {
		return Account{}, ErrAccountLocked
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.ConsumeOTP(ctx, o.ID, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+a.ID, "account.web_signin", a.IDNumber, "web_signin", nil)
	})
	if errors.Is(err, store.ErrConflict) {
		return Account{}, ErrOTPAttempts
	}
	if err != nil {
		return Account{}, failure.Unexpected(err)
	}
	return view(a), nil
}

// ErrInvalidEmail: the email address is not one.
var ErrInvalidEmail = failure.New("invalid_email", failure.Invalid,
	"Địa chỉ thư điện tử không hợp lệ.", "The email address is not valid.")

// SetEmail sets (or, with "", removes) the address that receives result
// notices by email besides SMS and the in-app inbox.
func (s *Service) SetEmail(ctx context.Context, c Caller, p Principal, email string) error {
	email = strings.TrimSpace(email)
	if email != "" {
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Address != email || len(email) > 254 || addr.Name != "" {
			return ErrInvalidEmail.WithFields("email")
		}
	}
	err := s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.SetAccountEmail(ctx, p.Account.ID, email, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "account.email_set", p.Account.IDNumber, "notices", nil)
	})
	return failure.Unexpected(err)
}

// SendCode sends a one-time code for purpose and subject to phone (within
// the daily cap per phone, at most once per OTPResendAfter) and audits it under auditSubject (a personal ID
// number). Flows outside the account service use it, such as the
// enrolment desk's consent code. It returns the masked phone and when the
// code expires.
func (s *Service) SendCode(ctx context.Context, purpose, subject, phone, auditSubject string) (string, time.Time, error) {
	return s.sendCode(ctx, purpose, subject, phone, auditSubject, s.cfg.OTPTTL)
}

// SendResetCode is SendCode for a credential reset: the code is valid for
// ResetCodeTTL (3 minutes) only.
func (s *Service) SendResetCode(ctx context.Context, purpose, subject, phone, auditSubject string) (string, time.Time, error) {
	return s.sendCode(ctx, purpose, subject, phone, auditSubject, s.cfg.ResetCodeTTL)
}

func (s *Service) sendCode(ctx context.Context, purpose, subject, phone, auditSubject string, ttl time.Duration) (string, time.Time, error) {
	if last, err := s.store.LatestOTP(ctx, purpose, subject); err == nil {
		if wait := last.CreatedAt.Add(s.cfg.OTPResendAfter).Sub(s.now()); wait > 0 {
			return "", time.Time{}, ErrOTPResendTooSoon.WithRetryAfter(wait)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", time.Time{}, failure.Unexpected(err)
	}
	var o store.OTP
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		if o, err = s.issueOTPFor(ctx, q, purpose, subject, phone, ttl); err != nil {
			return err
		}
		return s.audit(ctx, q, Caller{}, "system", "otp.sent", auditSubject, purpose, nil)
	})
	if err != nil {
		return "", time.Time{}, failure.Unexpected(err)
	}
	s.notify()
	return identity.MaskPhone(phone), o.ExpiresAt, nil
}

// CheckCode checks a code sent by SendCode; it works once, with the same
// tries and lifetime as registration codes.
func (s *Service) CheckCode(ctx context.Context, purpose, subject, code string) error {
	o, err := s.spendOTP(ctx, purpose, subject, code, ErrOTPInvalid.WithFields("code"))
	if err != nil {
		return err
	}
	if err := s.store.ConsumeOTP(ctx, o.ID, s.now()); errors.Is(err, store.ErrConflict) {
		return ErrOTPInvalid.WithFields("code")
	} else if err != nil {
		return failure.Unexpected(err)
	}
	return nil
}

// CheckCodeOf is CheckCode for a code sent to idNumber's account: wrong
// codes count against the ID number (OTPFailPerID), and once they reach
// its limit every code is refused until the window ends.
func (s *Service) CheckCodeOf(ctx context.Context, purpose, subject, idNumber, code string) error {
	if err := s.blocked(ctx, s.cfg.OTPFailPerID, idNumber); err != nil {
		return err
	}
	err := s.CheckCode(ctx, purpose, subject, code)
	s.codeFailed(ctx, idNumber, err)
	return err
}

// ConfirmPassword checks the password of a logged-in citizen who confirms
// an action in the app (approving a web sign-in by QR code), with the
// login rate limits; a wrong password is audited as a failed login.
func (s *Service) ConfirmPassword(ctx context.Context, c Caller, p Principal, password string) error {
	a, _, err := s.checkPassword(ctx, c, p.Account.IDNumber, password, "app_confirm")
	if err != nil {
		return err
	}
	if a.ID != p.Account.ID {
		return ErrInvalidCredentials
	}
	return nil
}
