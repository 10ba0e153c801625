// Package account provides the VNeID app account: registration with the
// personal ID number, phone and the ID card's QR code, SMS one-time codes,
// passwords, device binding, login sessions and logout. It knows nothing of
// HTTP or SQL; it works on store.Store and registry.Population.
package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// Config holds the account rules. The zero value of a field means its
// default (see DefaultConfig).
type Config struct {
	MinAge          int           // youngest age to register on one's own (14)
	RegistrationTTL time.Duration // how long a registration may take (30 min)
	OTPLength       int           // digits (6)
	OTPTTL          time.Duration // validity (5 min)
	OTPMaxAttempts  int           // tries per code (5)
	OTPResendAfter  time.Duration // wait before resending (60 s)
	OTPDailyLimit   int           // codes per phone per calendar day (5)
	ResetCodeTTL    time.Duration // validity of a password or wallet-passcode reset code (3 min)
	SessionTTL      time.Duration // session lifetime (12 h)
	ChallengeTTL    time.Duration // login challenge lifetime (2 min)
	Argon2          Argon2Params
	// Location is the zone whose midnight starts an OTP day (UTC+7).
	Location *time.Location
	// Rate limits (docs/operations.md, "Rate limits"). Rules named *-fail-*
	// count only failures and then refuse every attempt, the right one
	// too, until their window ends (a lockout); the others count every
	// attempt.
	RegisterPerIP, RegisterPerID, RegisterPerPhone ratelimit.Rule
	// QRCheckPerIP counts card QR codes checked per address; QRFailPerID
	// counts QR codes that do not match the population record per ID
	// number (a mismatch names the fields that differ).
	QRCheckPerIP, QRFailPerID ratelimit.Rule
	OTPVerifyPerIP            ratelimit.Rule
	// OTPFailPerID counts wrong SMS codes per personal ID number, across
	// codes and flows (registration, web sign-in, password reset, remote
	// lock), on top of OTPMaxAttempts per code.
	OTPFailPerID ratelimit.Rule
	// OTPSendPerIP counts registration codes sent (confirm, resend) per
	// address; OTPDailyLimit caps them per phone.
	OTPSendPerIP           ratelimit.Rule
	LoginPerIP, LoginPerID ratelimit.Rule
	// LoginFailPerID counts wrong passwords per personal ID number.
	LoginFailPerID         ratelimit.Rule
	ResetPerIP, ResetPerID ratelimit.Rule // password reset codes asked
}

// DefaultConfig returns the rules of the VNeID app as published.
func DefaultConfig() Config {
	return Config{
		MinAge: 14, RegistrationTTL: 30 * time.Minute,
		OTPLength: 6, OTPTTL: 5 * time.Minute, OTPMaxAttempts: 5, OTPResendAfter: 60 * time.Second, OTPDailyLimit: 5,
		ResetCodeTTL: 3 * time.Minute, SessionTTL: 12 * time.Hour, ChallengeTTL: 2 * time.Minute,
		Argon2:           DefaultArgon2(),
		Location:         time.FixedZone("ICT", 7*3600),
		RegisterPerIP:    ratelimit.Rule{Name: "register-ip", Limit: 30, Window: time.Hour},
		RegisterPerID:    ratelimit.Rule{Name: "register-id", Limit: 10, Window: time.Hour},
		RegisterPerPhone: ratelimit.Rule{Name: "register-phone", Limit: 10, Window: time.Hour},
		OTPVerifyPerIP:   ratelimit.Rule{Name: "otp-verify-ip", Limit: 60, Window: time.Hour},
		LoginPerIP:       ratelimit.Rule{Name: "login-ip", Limit: 60, Window: time.Minute},
		LoginPerID:       ratelimit.Rule{Name: "login-id", Limit: 10, Window: 15 * time.Minute},
		LoginFailPerID:   ratelimit.Rule{Name: "login-fail-id", Limit: 5, Window: 15 * time.Minute},
		OTPFailPerID:     ratelimit.Rule{Name: "otp-fail-id", Limit: 10, Window: time.Hour},
		QRCheckPerIP:     ratelimit.Rule{Name: "qr-check-ip", Limit: 60, Window: time.Hour},
		QRFailPerID:      ratelimit.Rule{Name: "qr-fail-id", Limit: 10, Window: time.Hour},
		OTPSendPerIP:     ratelimit.Rule{Name: "otp-send-ip", Limit: 30, Window: time.Hour},
		ResetPerIP:       ratelimit.Rule{Name: "password-reset-ip", Limit: 20, Window: time.Hour},
		ResetPerID:       ratelimit.Rule{Name: "password-reset-id", Limit: 5, Window: time.Hour},
	}
}

// Caller describes who makes a request, for rate limits and the audit log.
type Caller struct {
	IP        string
	RequestID string
}

// Service runs the account flows.
type Service struct {
	store      store.Store
	population registry.Population
	cfg        Config
	limiter    ratelimit.Limiter
	now        func() time.Time
	otpKey     []byte
	challenges challenger
	log        *slog.Logger
	dummyHash  string
	// Notify, if set, is called after a transaction has enqueued messages.
	notify func()
}

// Options are the Service's collaborators.
type Options struct {
	Store store.Store
	// Population is the source of citizen records; defaults to Store.
	Population registry.Population
	Now        func() time.Time
	Logger     *slog.Logger
	// OutboxWritten is called after a commit that enqueued notifications,
	// to wake the delivery worker.
	OutboxWritten func()
}

// New returns a Service. Keys shared by every instance (the OTP hashing key
// and the login-challenge key) are created in the store on first use.
func New(ctx context.Context, cfg Config, o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("account: no store")
	}
	if o.Population == nil {
		o.Population = o.Store
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("ICT", 7*3600)
	}
	if cfg.ResetCodeTTL <= 0 {
		cfg.ResetCodeTTL = 3 * time.Minute
	}
	otpKey, err := o.Store.Secret(ctx, "otp-hmac", randomBytes(32))
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	chKey, err := o.Store.Secret(ctx, "login-challenge-hmac", randomBytes(32))
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	dummy, err := HashPassword("not a password", cfg.Argon2)
	if err != nil {
		return nil, err
	}
	notify := o.OutboxWritten
	if notify == nil {
		notify = func() {}
	}
	return &Service{
		store: o.Store, population: o.Population, cfg: cfg, now: o.Now, log: o.Logger,
		limiter: ratelimit.Limiter{Counters: o.Store, Now: o.Now},
		otpKey:  otpKey, challenges: challenger{key: chKey}, dummyHash: dummy, notify: notify,
	}, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return b
}

func newID() string { return hex.EncodeToString(randomBytes(16)) }

// Config returns the rules in force.
func (s *Service) Config() Config { return s.cfg }

func (s *Service) allow(ctx context.Context, rule ratelimit.Rule, key string) error {
	return s.limiter.Allow(ctx, rule, key)
}

// Limiter returns the limiter the service counts with, for the flows
// outside it that check its rules (remote lock codes).
func (s *Service) Limiter() ratelimit.Limiter { return s.limiter }

// blocked refuses an attempt while key is locked out under a failure rule.
func (s *Service) blocked(ctx context.Context, rule ratelimit.Rule, key string) error {
	return failure.Unexpected(s.limiter.Blocked(ctx, rule, key))
}

// failed counts a failure under a failure rule; see blocked.
func (s *Service) failed(ctx context.Context, rule ratelimit.Rule, key string) {
	if err := s.limiter.Fail(ctx, rule, key); err != nil {
		s.log.Warn("counting a failure failed", "rule", rule.Name, "err", err)
	}
}

// codeFailed counts a wrong SMS code against idNumber (OTPFailPerID) when
// err is one.
func (s *Service) codeFailed(ctx context.Context, idNumber string, err error) {
	if f := failure.As(err); f != nil && (f.Code == ErrOTPInvalid.Code || f.Code == ErrOTPAttempts.Code) {
		s.failed(ctx, s.cfg.OTPFailPerID, idNumber)
	}
}

func (s *Service) audit(ctx context.Context, q store.Queries, c Caller, actor, action, subject, purpose string, detail map[string]any) error {
	d := ""
	if detail != nil {
		b, _ := json.Marshal(detail)
		d = string(b)
	}
	return q.AppendAudit(ctx, store.AuditEvent{At: s.now(), Actor: actor, Action: action, Subject: subject,
		Purpose: purpose, RequestID: c.RequestID, Detail: d})
}

// today is the calendar date in Vietnam.
func (s *Service) today() identity.Date { return identity.DateOf(s.now().In(s.cfg.Location)) }

// eligibility checks whether citizen may hold an app account on their own.
func (s *Service) eligibility(c registry.Citizen) error {
	if c.LifeStatus == registry.Deceased {
		return ErrCitizenDeceased
	}
	if c.DateOfBirth.AgeOn(s.today()) < s.cfg.MinAge {
		return ErrUnderAge
	}
	if _, ok := c.CurrentCard(s.today()); !ok {
		return ErrCardNotValid
	}
	return nil
}

func (s *Service) citizen(ctx context.Context, id string) (registry.Citizen, error) {
	c, err := s.population.Citizen(ctx, id)
	if errors.Is(err, registry.ErrNotFound) {
		return registry.Citizen{}, ErrCitizenNotFound
	}
	if err != nil {
		return registry.Citizen{}, fmt.Errorf("population lookup: %w", err)
	}
	return c, nil
}

// otpHash is the keyed hash kept in place of a code.
func (s *Service) otpHash(otpID, code string) []byte {
	m := hmac.New(sha256.New, s.otpKey)
	m.Write([]byte(otpID + "\n" + code))
	return m.Sum(nil)
}

func (s *Service) newCode() string {
	max := big.NewInt(1)
	for i := 0; i < s.cfg.OTPLength; i++ {
		max.Mul(max, big.NewInt(10))
	}
	n, err := rand.Int(rand.Reader, max)
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return fmt.Sprintf("%0*d", s.cfg.OTPLength, n)
}

func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func newToken() string { return base64.RawURLEncoding.EncodeToString(randomBytes(32)) }
