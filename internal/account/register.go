package account

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// Device is the phone an account is registered from.
type Device struct {
	ID        string
	PublicKey string // base64 PKIX DER, ECDSA P-256 or Ed25519
	Name      string
	Platform  string
}

// StartRequest begins a registration ("Đăng ký").
type StartRequest struct {
	IDNumber string
	Phone    string
	Device   Device
}

// Started is the answer to StartRequest.
type Started struct {
	RegistrationID string
	ExpiresAt      time.Time
}

// Start checks that the citizen may register and opens a registration.
func (s *Service) Start(ctx context.Context, c Caller, req StartRequest) (Started, error) {
	if err := identity.ValidatePersonalID(req.IDNumber); err != nil {
		return Started{}, ErrInvalidIDNumber.WithFields("id_number")
	}
	phone, err := identity.NormalizePhone(req.Phone)
	if err != nil {
		return Started{}, ErrInvalidPhone.WithFields("phone")
	}
	if req.Device.ID == "" || len(req.Device.ID) > 128 || len(req.Device.Name) > 128 || len(req.Device.Platform) > 32 {
		return Started{}, ErrInvalidDevice.WithFields("device")
	}
	key, err := ParseDevicePublicKey(req.Device.PublicKey)
	if err != nil {
		return Started{}, ErrInvalidDevice.WithFields("device.public_key").WithCause(err)
	}
	if err := s.allow(ctx, s.cfg.RegisterPerIP, c.IP); err != nil {
		return Started{}, err
	}
	if err := s.allow(ctx, s.cfg.RegisterPerID, req.IDNumber); err != nil {
		return Started{}, err
	}
	if err := s.allow(ctx, s.cfg.RegisterPerPhone, phone); err != nil {
		return Started{}, err
	}
	cit, err := s.citizen(ctx, req.IDNumber)
	if err != nil {
		return Started{}, failure.Unexpected(err)
	}
	if err := s.eligibility(cit); err != nil {
		return Started{}, err
	}
	if a, err := s.store.AccountByIDNumber(ctx, req.IDNumber); err == nil {
		// An account the enrolment desk opened has no password yet: the
		// citizen claims it here with the phone given at the desk.
		if a.PasswordHash != "" || a.Phone != phone {
			return Started{}, ErrAccountExists
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return Started{}, failure.Unexpected(err)
	}
	now := s.now()
	r := store.Registration{ID: newID(), IDNumber: req.IDNumber, Phone: phone, DeviceID: req.Device.ID,
		DevicePublicKey: key, DeviceName: req.Device.Name, DevicePlatform: req.Device.Platform,
		State: store.RegStarted, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.cfg.RegistrationTTL)}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateRegistration(ctx, r); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "registration:"+r.ID, "registration.started", req.IDNumber, "app_account_registration", nil)
	})
	if err != nil {
		return Started{}, failure.Unexpected(err)
	}
	return Started{RegistrationID: r.ID, ExpiresAt: r.ExpiresAt}, nil
}

// registration loads a live registration in one of the allowed states.
func (s *Service) registration(ctx context.Context, id string, allowed ...store.RegistrationState) (store.Registration, error) {
	r, err := s.store.Registration(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, ErrRegistrationNotFound
	}
	if err != nil {
		return r, failure.Unexpected(err)
	}
	if !s.now().Before(r.ExpiresAt) {
		return r, ErrRegistrationExpired
	}
	for _, st := range allowed {
		if r.State == st {
			return r, nil
		}
	}
	return r, ErrRegistrationState.WithDetail(fmt.Sprintf("(Trạng thái: %s.)", r.State), fmt.Sprintf("(Stage: %s.)", r.State))
}

// Confirmation is what the citizen checks before asking for the OTP.
type Confirmation struct {
	IDNumber         string
	Phone            string
	FullName         string
	Gender           identity.Gender
	DateOfBirth      identity.Date
	PermanentAddress registry.Address
	Card             registry.IDCard
	QRVariant        cccd.Variant
}

// SubmitQR checks the scanned QR code of the card against the population
// database and returns the details for the citizen to confirm. A mismatch
// names the fields that differ.
//
// The mismatch names fields of the population record, so it is an oracle
// on it: tries are limited per address (QRCheckPerIP) and mismatches per
// ID number (QRFailPerID, a lockout).
func (s *Service) SubmitQR(ctx context.Context, c Caller, regID, payload string) (Confirmation, error) {
	if err := s.allow(ctx, s.cfg.QRCheckPerIP, c.IP); err != nil {
		return Confirmation{}, err
	}
	r, err := s.registration(ctx, regID, store.RegStarted, store.RegQRChecked)
	if err != nil {
		return Confirmation{}, err
	}
	if err := s.blocked(ctx, s.cfg.QRFailPerID, r.IDNumber); err != nil {
		return Confirmation{}, err
	}
	qr, err := cccd.Parse(payload)
	if err != nil {
		var fe *cccd.FieldError
		if errors.As(err, &fe) {
			return Confirmation{}, ErrQRMalformed.WithFields("qr." + fe.Field).WithCause(err)
		}
		return Confirmation{}, ErrQRMalformed.WithCause(err)
	}
	if qr.Variant != cccd.VariantStandard {
		s.log.Info("CCCD QR variant", "variant", string(qr.Variant), "extra_fields", len(qr.Extra))
	}
	cit, err := s.citizen(ctx, r.IDNumber)
	if err != nil {
		return Confirmation{}, failure.Unexpected(err)
	}
	if err := s.eligibility(cit); err != nil {
		return Confirmation{}, err
	}
	var mismatched []string
	if qr.IDNumber != cit.ID {
		mismatched = append(mismatched, "id_number")
	}
	if identity.MatchKey(qr.FullName) != identity.MatchKey(cit.FullName) {
		mismatched = append(mismatched, "full_name")
	}
	if qr.DateOfBirth != cit.DateOfBirth {
		mismatched = append(mismatched, "date_of_birth")
	}
	if qr.Gender != cit.Gender {
		mismatched = append(mismatched, "gender")
	}
	if !sameAddress(qr.Address, cit.PermanentAddress) {
		mismatched = append(mismatched, "permanent_address")
	}
	if qr.OldIDNumber != "" && cit.OldIDNumber != "" && qr.OldIDNumber != cit.OldIDNumber {
		mismatched = append(mismatched, "old_id_number")
	}
	var card registry.IDCard
	found := false
	for _, k := range cit.Cards {
		if k.IssueDate == qr.IssueDate {
			card, found = k, true
		}
	}
	if !found {
		mismatched = append(mismatched, "issue_date")
	}
	if len(mismatched) > 0 {
		s.failed(ctx, s.cfg.QRFailPerID, r.IDNumber)
		return Confirmation{}, ErrQRMismatch.WithFields(mismatched...)
	}
	if !card.ValidOn(s.today()) {
		return Confirmation{}, ErrCardNotValid.WithDetail("Vui lòng dùng thẻ mới nhất.", "Please use the newest card.")
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if r.State == store.RegStarted {
			if err := q.AdvanceRegistration(ctx, r.ID, store.RegStarted, store.RegQRChecked, s.now()); err != nil {
				return err
			}
		}
		return s.audit(ctx, q, c, "registration:"+r.ID, "registry.citizen.read", cit.ID, "app_account_registration",
			map[string]any{"fields": []string{"full_name", "gender", "date_of_birth", "permanent_address", "card"}})
	})
	if errors.Is(err, store.ErrConflict) {
		return Confirmation{}, ErrRegistrationState
	}
	if err != nil {
		return Confirmation{}, failure.Unexpected(err)
	}
	return Confirmation{IDNumber: cit.ID, Phone: r.Phone, FullName: cit.FullName, Gender: cit.Gender,
		DateOfBirth: cit.DateOfBirth, PermanentAddress: cit.PermanentAddress, Card: card, QRVariant: qr.Variant}, nil
}

// sameAddress compares the QR's one-line address with the structured one,
// ignoring case, punctuation and spacing.
func sameAddress(qr string, a registry.Address) bool {
	q := identity.MatchKey(qr)
	if q == identity.MatchKey(a.String()) {
		return true
	}
	// Cards print the address without the house-number prefix "Số".
	strip := func(s string) string { return strings.TrimPrefix(s, "số ") }
	return strip(q) == strip(identity.MatchKey(a.String()))
}

// OTPSent says where and until when a code was sent.
type OTPSent struct {
	MaskedPhone string
	ExpiresAt   time.Time
	ResendAt    time.Time
}

// Confirm records the citizen's confirmation and sends the SMS code.
func (s *Service) Confirm(ctx context.Context, c Caller, regID string) (OTPSent, error) {
	if err := s.allow(ctx, s.cfg.OTPSendPerIP, c.IP); err != nil {
		return OTPSent{}, err
	}
	r, err := s.registration(ctx, regID, store.RegQRChecked)
	if err != nil {
		return OTPSent{}, err
	}
	return s.sendOTP(ctx, c, r, store.RegQRChecked)
}

// ResendOTP sends a new code, at most once per OTPResendAfter.
func (s *Service) ResendOTP(ctx context.Context, c Caller, regID string) (OTPSent, error) {
	if err := s.allow(ctx, s.cfg.OTPSendPerIP, c.IP); err != nil {
		return OTPSent{}, err
	}
	r, err := s.registration(ctx, regID, store.RegOTPSent)
	if err != nil {
		return OTPSent{}, err
	}
	last, err := s.store.LatestOTP(ctx, "registration", r.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return OTPSent{}, failure.Unexpected(err)
	}
	if err == nil {
		if wait := last.CreatedAt.Add(s.cfg.OTPResendAfter).Sub(s.now()); wait > 0 {
			return OTPSent{}, ErrOTPResendTooSoon.WithRetryAfter(wait)
		}
	}
	return s.sendOTP(ctx, c, r, store.RegOTPSent)
}

// issueOTP stores a new code for purpose and subject and queues its SMS,
// within the daily cap per phone, inside q's transaction.
func (s *Service) issueOTP(ctx context.Context, q store.Queries, purpose, subject, phone string) (store.OTP, error) {
	return s.issueOTPFor(ctx, q, purpose, subject, phone, s.cfg.OTPTTL)
}

// issueOTPFor is issueOTP with a code valid for ttl.
func (s *Service) issueOTPFor(ctx context.Context, q store.Queries, purpose, subject, phone string, ttl time.Duration) (store.OTP, error) {
	now := s.now()
	local := now.In(s.cfg.Location)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.cfg.Location)
	n, err := q.CountOTPs(ctx, phone, midnight)
	if err != nil {
		return store.OTP{}, err
	}
	if n >= s.cfg.OTPDailyLimit {
		return store.OTP{}, ErrOTPDailyLimit.WithRetryAfter(midnight.Add(24 * time.Hour).Sub(local))
	}
	code := s.newCode()
	o := store.OTP{ID: newID(), Purpose: purpose, Subject: subject, Phone: phone, CreatedAt: now,
		ExpiresAt: now.Add(ttl), MaxAttempts: s.cfg.OTPMaxAttempts}
	o.CodeHash = s.otpHash(o.ID, code)
	if err := q.CreateOTP(ctx, o); err != nil {
		return store.OTP{}, err
	}
	if _, err := q.EnqueueOutbox(ctx, notify.OTPMessage(phone, code, ttl, now)); err != nil {
		return store.OTP{}, err
	}
	return o, nil
}

// spendOTP checks code against the newest code for purpose and subject,
// counting the attempt; missing is returned when there is none.
func (s *Service) spendOTP(ctx context.Context, purpose, subject, code string, missing error) (store.OTP, error) {
	o, err := s.store.LatestOTP(ctx, purpose, subject)
	if errors.Is(err, store.ErrNotFound) {
		return store.OTP{}, missing
	}
	if err != nil {
		return store.OTP{}, failure.Unexpected(err)
	}
	if !s.now().Before(o.ExpiresAt) {
		return store.OTP{}, ErrOTPExpired
	}
	o, err = s.store.SpendOTPAttempt(ctx, o.ID)
	if errors.Is(err, store.ErrConflict) {
		return store.OTP{}, ErrOTPAttempts
	}
	if err != nil {
		return store.OTP{}, failure.Unexpected(err)
	}
	if !hmac.Equal(o.CodeHash, s.otpHash(o.ID, code)) {
		left := o.MaxAttempts - o.Attempts
		if left <= 0 {
			return store.OTP{}, ErrOTPAttempts
		}
		return store.OTP{}, ErrOTPInvalid.WithFields("otp").WithDetail(fmt.Sprintf("Còn %d lần thử.", left), fmt.Sprintf("%d tries left.", left))
	}
	return o, nil
}

func (s *Service) sendOTP(ctx context.Context, c Caller, r store.Registration, from store.RegistrationState) (OTPSent, error) {
	now := s.now()
	var o store.OTP
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		if o, err = s.issueOTP(ctx, q, "registration", r.ID, r.Phone); err != nil {
			return err
		}
		if from != store.RegOTPSent {
			if err := q.AdvanceRegistration(ctx, r.ID, from, store.RegOTPSent, now); err != nil {
				return err
			}
		}
		return s.audit(ctx, q, c, "registration:"+r.ID, "otp.sent", r.IDNumber, "app_account_registration", nil)
	})
	if errors.Is(err, store.ErrConflict) {
		return OTPSent{}, ErrRegistrationState
	}
	if err != nil {
		return OTPSent{}, failure.Unexpected(err)
	}
	s.notify()
	return OTPSent{MaskedPhone: identity.MaskPhone(r.Phone), ExpiresAt: o.ExpiresAt, ResendAt: now.Add(s.cfg.OTPResendAfter)}, nil
}

// OTPError carries how many tries are left after a wrong code.
type OTPError struct{ AttemptsLeft int }

// VerifyOTP checks the SMS code.
func (s *Service) VerifyOTP(ctx context.Context, c Caller, regID, code string) error {
	if err := s.allow(ctx, s.cfg.OTPVerifyPerIP, c.IP); err != nil {
		return err
	}
	r, err := s.registration(ctx, regID, store.RegOTPSent)
	if err != nil {
		return err
	}
	if err := s.blocked(ctx, s.cfg.OTPFailPerID, r.IDNumber); err != nil {
		return err
	}
	o, err := s.spendOTP(ctx, "registration", r.ID, code, ErrRegistrationState)
	if err != nil {
		s.codeFailed(ctx, r.IDNumber, err)
		return err
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.ConsumeOTP(ctx, o.ID, s.now()); err != nil {
			return err
		}
		if err := q.AdvanceRegistration(ctx, r.ID, store.RegOTPSent, store.RegOTPVerified, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "registration:"+r.ID, "otp.verified", r.IDNumber, "app_account_registration", nil)
	})
	if errors.Is(err, store.ErrConflict) {
		return ErrRegistrationState
	}
	return failure.Unexpected(err)
}

// Account is the public view of an account.
type Account struct {
	ID          string
	IDNumber    string
	Phone       string
	State       store.AccountState
	Level       int
	CreatedAt   time.Time
	LastLoginAt time.Time
	Email       string
}

func view(a store.Account) Account {
	return Account{ID: a.ID, IDNumber: a.IDNumber, Phone: a.Phone, State: a.State, Level: a.Level,
		CreatedAt: a.CreatedAt, LastLoginAt: a.LastLoginAt, Email: a.Email}
}

// SetPassword completes the registration: it checks the password policy and
// the device's proof of its key (a signature over RegistrationProof), then
// creates the active account bound to the device.
func (s *Service) SetPassword(ctx context.Context, c Caller, regID, password, deviceSignature string) (Account, error) {
	r, err := s.registration(ctx, regID, store.RegOTPVerified)
	if err != nil {
		return Account{}, err
	}
	if err := CheckPasswordPolicy(password, r.IDNumber); err != nil {
		return Account{}, err
	}
	if err := VerifyDeviceSignature(r.DevicePublicKey, RegistrationProof(r.ID), deviceSignature); err != nil {
		return Account{}, ErrDeviceProof.WithFields("device_signature").WithCause(err)
	}
	cit, err := s.citizen(ctx, r.IDNumber)
	if err != nil {
		return Account{}, failure.Unexpected(err)
	}
	hash, err := HashPassword(password, s.cfg.Argon2)
	if err != nil {
		return Account{}, failure.Unexpected(err)
	}
	now := s.now()
	a := store.Account{ID: newID(), IDNumber: r.IDNumber, Phone: r.Phone, PasswordHash: hash, State: store.AccountActive,
		CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.AdvanceRegistration(ctx, r.ID, store.RegOTPVerified, store.RegCompleted, now); err != nil {
			return err
		}
		if old, err := q.AccountByIDNumber(ctx, r.IDNumber); err == nil {
			// Claim a desk-opened account (no password, same phone).
			if old.PasswordHash != "" || old.Phone != r.Phone {
				return ErrAccountExists
			}
			a.ID, a.CreatedAt, a.Email = old.ID, old.CreatedAt, old.Email
			if err := q.UpdatePasswordHash(ctx, a.ID, hash, now); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		} else if err := q.CreateAccount(ctx, a); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return ErrAccountExists
			}
			return err
		}
		if err := q.BindDevice(ctx, store.Device{AccountID: a.ID, DeviceID: r.DeviceID, PublicKey: r.DevicePublicKey,
			Name: r.DeviceName, Platform: r.DevicePlatform, BoundAt: now}); err != nil {
			return err
		}
		if _, err := q.EnqueueOutbox(ctx, notify.ActivatedMessage(r.Phone, identity.ASCIIName(cit.FullName), now)); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+a.ID, "account.created", a.IDNumber, "app_account_registration",
			map[string]any{"device_platform": r.DevicePlatform})
	})
	if errors.Is(err, store.ErrConflict) {
		return Account{}, ErrRegistrationState
	}
	if err != nil {
		return Account{}, failure.Unexpected(err)
	}
	s.notify()
	return view(a), nil
}
