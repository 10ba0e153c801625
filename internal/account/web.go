package account

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
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
	if err := s.allow(ctx, s.cfg.LoginPerIP, c.IP); err != nil {
		return WebSignIn{}, err
	}
	if err := identity.ValidatePersonalID(idNumber); err != nil {
		return WebSignIn{}, ErrInvalidCredentials
	}
	if err := s.allow(ctx, s.cfg.LoginPerID, idNumber); err != nil {
		return WebSignIn{}, err
	}
	a, err := s.store.AccountByIDNumber(ctx, idNumber)
	if errors.Is(err, store.ErrNotFound) {
		_, _, _ = VerifyPassword(s.dummyHash, password, s.cfg.Argon2)
		return WebSignIn{}, ErrInvalidCredentials
	}
	if err != nil {
		return WebSignIn{}, internal(err)
	}
	ok, _, err := VerifyPassword(a.PasswordHash, password, s.cfg.Argon2)
	if err != nil {
		return WebSignIn{}, internal(err)
	}
	if !ok {
		_ = s.store.AppendAudit(ctx, store.AuditEvent{At: s.now(), Actor: "anonymous", Action: "account.login_failed",
			Subject: a.IDNumber, RequestID: c.RequestID, Detail: `{"reason":"password","channel":"web"}`})
		return WebSignIn{}, ErrInvalidCredentials
	}
	if a.State != store.AccountActive {
		return WebSignIn{}, ErrAccountLocked
	}
	now := s.now()
	local := now.In(s.cfg.Location)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.cfg.Location)
	ticket := a.ID + "." + newID()
	code := s.newCode()
	o := store.OTP{ID: newID(), Purpose: webPurpose, Subject: ticket, Phone: a.Phone, CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.OTPTTL), MaxAttempts: s.cfg.OTPMaxAttempts}
	o.CodeHash = s.otpHash(o.ID, code)
	err = s.store.InTx(ctx, func(q store.Queries) error {
		n, err := q.CountOTPs(ctx, a.Phone, midnight)
		if err != nil {
			return err
		}
		if n >= s.cfg.OTPDailyLimit {
			return ErrOTPDailyLimit.WithRetryAfter(midnight.Add(24 * time.Hour).Sub(local))
		}
		if err := q.CreateOTP(ctx, o); err != nil {
			return err
		}
		if _, err := q.EnqueueOutbox(ctx, notify.OTPMessage(a.Phone, code, s.cfg.OTPTTL, now)); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+a.ID, "otp.sent", a.IDNumber, "web_signin", nil)
	})
	if err != nil {
		return WebSignIn{}, internal(err)
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
	o, err := s.store.LatestOTP(ctx, webPurpose, ticket)
	if errors.Is(err, store.ErrNotFound) {
		return Account{}, ErrOTPInvalid.WithFields("ticket")
	}
	if err != nil {
		return Account{}, internal(err)
	}
	if !s.now().Before(o.ExpiresAt) {
		return Account{}, ErrOTPExpired
	}
	o, err = s.store.SpendOTPAttempt(ctx, o.ID)
	if errors.Is(err, store.ErrConflict) {
		return Account{}, ErrOTPAttempts
	}
	if err != nil {
		return Account{}, internal(err)
	}
	if !hmac.Equal(o.CodeHash, s.otpHash(o.ID, code)) {
		left := o.MaxAttempts - o.Attempts
		if left <= 0 {
			return Account{}, ErrOTPAttempts
		}
		return Account{}, ErrOTPInvalid.WithFields("otp").WithDetail(fmt.Sprintf("Còn %d lần thử.", left), fmt.Sprintf("%d tries left.", left))
	}
	a, err := s.store.Account(ctx, accountID)
	if err != nil {
		return Account{}, internal(err)
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
		return Account{}, internal(err)
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
	return internal(err)
}
