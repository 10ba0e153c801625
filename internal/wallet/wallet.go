// Package wallet provides the citizen's document wallet and identity
// presentation: integration of health insurance cards, driving licences,
// vehicle registrations and tax codes checked at their source registries,
// the wallet's 6-digit passcode, the e-ID card with its issuance history,
// and short-lived selectively disclosed presentations (SD-JWT VC, package
// presentation) that verifiers check online through the server or offline
// with the published issuer keys. It knows nothing of HTTP or SQL.
package wallet

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
)

// Config holds the wallet's rules. The zero value of a field means its
// default (see DefaultConfig).
type Config struct {
	// LicenceDailyCap is how many driving-licence integration requests a
	// citizen may send per calendar day (3, as the VNeID app).
	LicenceDailyCap int
	// UnlockTTL is how long the wallet stays open after the passcode (5 min).
	UnlockTTL time.Duration
	// PasscodeAttempts limits wrong passcodes per account (5 per 15 min);
	// PasscodeTries limits every try, right or wrong (20 per 15 min), so
	// that tries sent all at once cannot all pass the failure check before
	// any failure is counted.
	PasscodeAttempts, PasscodeTries ratelimit.Rule
	// PasscodePerIP limits passcode tries from one address, whatever the
	// account (60 per 15 min).
	PasscodePerIP ratelimit.Rule
	// PresentationTTL is a presentation's default lifetime (3 min);
	// MaxPresentationTTL the longest a citizen may ask for (30 min).
	PresentationTTL, MaxPresentationTTL time.Duration
	// NonceTTL is how long a verifier's nonce may be used (5 min).
	NonceTTL time.Duration
	// MaxPresentationBytes bounds a presentation so that it fits one QR code
	// (2,331 bytes: version 40 at error correction M, byte mode).
	MaxPresentationBytes int
	// RetryAfter is the first wait after a source registry did not answer;
	// it doubles per attempt up to an hour. GiveUpAfter rejects a request
	// still unanswered after that long (24 h).
	RetryAfter, GiveUpAfter time.Duration
	// Location is the zone whose midnight starts a day (UTC+7).
	Location *time.Location
	// Argon2 hashes passcodes.
	Argon2 account.Argon2Params
}

// DefaultConfig returns the published rules of the VNeID app where there
// are some, and our choices elsewhere.
func DefaultConfig() Config {
	return Config{
		LicenceDailyCap:  3,
		UnlockTTL:        5 * time.Minute,
		PasscodeAttempts: ratelimit.Rule{Name: "passcode-fail-account", Limit: 5, Window: 15 * time.Minute},
		PasscodeTries:    ratelimit.Rule{Name: "passcode-try-account", Limit: 20, Window: 15 * time.Minute},
		PasscodePerIP:    ratelimit.Rule{Name: "passcode-ip", Limit: 60, Window: 15 * time.Minute},
		PresentationTTL:  3 * time.Minute, MaxPresentationTTL: 30 * time.Minute,
		NonceTTL:             5 * time.Minute,
		MaxPresentationBytes: 2331,
		RetryAfter:           time.Minute, GiveUpAfter: 24 * time.Hour,
		Location: time.FixedZone("ICT", 7*3600),
		Argon2:   account.DefaultArgon2(),
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.LicenceDailyCap == 0 {
		c.LicenceDailyCap = d.LicenceDailyCap
	}
	if c.UnlockTTL <= 0 {
		c.UnlockTTL = d.UnlockTTL
	}
	if c.PasscodeAttempts.Name == "" {
		c.PasscodeAttempts = d.PasscodeAttempts
	}
	if c.PasscodeTries.Name == "" {
		c.PasscodeTries = d.PasscodeTries
	}
	if c.PasscodePerIP.Name == "" {
		c.PasscodePerIP = d.PasscodePerIP
	}
	if c.PresentationTTL <= 0 {
		c.PresentationTTL = d.PresentationTTL
	}
	if c.MaxPresentationTTL <= 0 {
		c.MaxPresentationTTL = d.MaxPresentationTTL
	}
	if c.NonceTTL <= 0 {
		c.NonceTTL = d.NonceTTL
	}
	if c.MaxPresentationBytes <= 0 {
		c.MaxPresentationBytes = d.MaxPresentationBytes
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = d.RetryAfter
	}
	if c.GiveUpAfter <= 0 {
		c.GiveUpAfter = d.GiveUpAfter
	}
	if c.Location == nil {
		c.Location = d.Location
	}
	if c.Argon2 == (account.Argon2Params{}) {
		c.Argon2 = d.Argon2
	}
	return c
}

// Passwords confirms a citizen's password (package account).
type Passwords interface {
	ConfirmPassword(ctx context.Context, c account.Caller, p account.Principal, password string) error
}

// Issuer is the server's signing identity (package sso): the issuer URL,
// its current keys and the published key set.
type Issuer interface {
	Issuer() string
	SigningKey(ctx context.Context, alg string) (kid string, signer crypto.Signer, err error)
	JWKS(ctx context.Context) ([]byte, error)
}

// Options are the Service's collaborators.
type Options struct {
	Store store.Store
	// Population is the population database; defaults to Store.
	Population registry.Population
	// Source is the document registry; defaults to Store (the built-in one).
	Source    sources.Source
	Passwords Passwords
	// Codes sends and checks passcode-reset codes; defaults to Passwords
	// when it can (package account's Service does).
	Codes  Codes
	Issuer Issuer
	Now    func() time.Time
	Logger *slog.Logger
	// OutboxWritten is called after a commit that enqueued notifications.
	OutboxWritten func()
}

// Service runs the wallet.
type Service struct {
	cfg        Config
	store      store.Store
	population registry.Population
	source     sources.Source
	passwords  Passwords
	codes      Codes
	issuer     Issuer
	limiter    ratelimit.Limiter
	now        func() time.Time
	log        *slog.Logger
	wake       func()
	unlockKey  []byte
	keys       keyCache
}

// New returns a Service. The key that signs wallet-unlock tokens is shared by
// every instance through the store.
func New(ctx context.Context, cfg Config, o Options) (*Service, error) {
	if o.Store == nil || o.Passwords == nil || o.Issuer == nil {
		return nil, errors.New("wallet: store, passwords and issuer are required")
	}
	if o.Population == nil {
		o.Population = o.Store
	}
	if c, ok := o.Passwords.(Codes); ok && o.Codes == nil {
		o.Codes = c
	}
	if o.Source == nil {
		o.Source = o.Store
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.OutboxWritten == nil {
		o.OutboxWritten = func() {}
	}
	key, err := o.Store.Secret(ctx, "wallet-unlock-hmac", randomBytes(32))
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	return &Service{cfg: cfg.withDefaults(), store: o.Store, population: o.Population, source: o.Source,
		passwords: o.Passwords, codes: o.Codes, issuer: o.Issuer, limiter: ratelimit.Limiter{Counters: o.Store, Now: o.Now},
		now: o.Now, log: o.Logger, wake: o.OutboxWritten, unlockKey: key}, nil
}

// Config returns the rules in force.
func (s *Service) Config() Config { return s.cfg }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}

func newID() string { return hex.EncodeToString(randomBytes(16)) }

func (s *Service) audit(ctx context.Context, q store.Queries, c account.Caller, actor, action, subject, purpose string, detail map[string]any) error {
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

// startOfDay is the last midnight in Vietnam.
func (s *Service) startOfDay() time.Time {
	t := s.now().In(s.cfg.Location)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.cfg.Location)
}
