// Package sso provides "log in with VNeID": an OpenID Connect provider for
// relying parties (agencies, banks, portals), built on the certified
// github.com/zitadel/oidc/v3 library. It keeps the relying parties'
// registrations, the authorization requests, tokens, sign-in sessions,
// consents and signing keys in store.Store; maps the e-ID levels to acr
// values; releases the claims of the population database that a relying
// party's agreement allows and the citizen consents to, read at the time of
// the request; and writes every login, consent and release as a usage
// record the citizen can read. The citizen's pages are in package ssoweb.
package sso

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
	"slices"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
)

// Config holds the provider's lifetimes and key schedule; zero fields take
// the defaults of DefaultConfig.
type Config struct {
	RequestTTL     time.Duration // an authorization request, login included (10 min)
	CodeTTL        time.Duration // an authorization code (1 min)
	PARTTL         time.Duration // a pushed request's request_uri (90 s)
	AccessTokenTTL time.Duration // access tokens (10 min)
	IDTokenTTL     time.Duration // ID tokens (10 min)
	RefreshTTL     time.Duration // a refresh-token family from its login (30 days)
	SessionTTL     time.Duration // a sign-in session at the provider's pages (8 h)
	KeyRotation    time.Duration // a signing key signs this long (30 days)
	KeyPublish     time.Duration // a successor key is published this long before it signs (1 h)
	KeyOverlap     time.Duration // a retired key stays published this long (1 day)
}

// DefaultConfig returns the default lifetimes.
func DefaultConfig() Config {
	return Config{RequestTTL: 10 * time.Minute, CodeTTL: time.Minute, PARTTL: 90 * time.Second,
		AccessTokenTTL: 10 * time.Minute, IDTokenTTL: 10 * time.Minute, RefreshTTL: 30 * 24 * time.Hour,
		SessionTTL: 8 * time.Hour, KeyRotation: 30 * 24 * time.Hour, KeyPublish: time.Hour, KeyOverlap: 24 * time.Hour}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	for _, p := range []struct{ v, def *time.Duration }{{&c.RequestTTL, &d.RequestTTL}, {&c.CodeTTL, &d.CodeTTL},
		{&c.PARTTL, &d.PARTTL}, {&c.AccessTokenTTL, &d.AccessTokenTTL}, {&c.IDTokenTTL, &d.IDTokenTTL},
		{&c.RefreshTTL, &d.RefreshTTL}, {&c.SessionTTL, &d.SessionTTL}, {&c.KeyRotation, &d.KeyRotation},
		{&c.KeyPublish, &d.KeyPublish}, {&c.KeyOverlap, &d.KeyOverlap}} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return c
}

// Options are the Service's collaborators.
type Options struct {
	// Issuer is the provider's issuer URL (e.g. https://sso.example.vn/oidc).
	Issuer     string
	Store      store.Store
	Accounts   *account.Service
	Population registry.Population
	// Box seals the signing keys and opens the population database's
	// portraits.
	Box *seal.Box
	// SubjectKey keys the pairwise subject identifiers (at least 32 bytes,
	// the same on every instance).
	SubjectKey []byte
	// OutboxWritten wakes the outbox worker (back-channel logout).
	OutboxWritten func()
	Logger        *slog.Logger
	Now           func() time.Time
}

// Service is the provider's logic, shared by the protocol endpoints (via
// Storage) and the citizen's pages.
type Service struct {
	issuer  string
	cfg     Config
	st      store.Store
	acc     *account.Service
	pop     registry.Population
	box     *seal.Box
	subKey  []byte
	notify  func()
	log     *slog.Logger
	now     func() time.Time
	keys    *keyring
	loginAt func(id string) string
}

// New returns the Service.
func New(cfg Config, o Options) (*Service, error) {
	if o.Store == nil || o.Accounts == nil || o.Population == nil || o.Box == nil {
		return nil, errors.New("sso: store, accounts, population and box are required")
	}
	if o.Issuer == "" {
		return nil, errors.New("sso: issuer is required")
	}
	if len(o.SubjectKey) < 32 {
		return nil, errors.New("sso: subject key must be at least 32 bytes")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.OutboxWritten == nil {
		o.OutboxWritten = func() {}
	}
	cfg = cfg.withDefaults()
	s := &Service{issuer: o.Issuer, cfg: cfg, st: o.Store, acc: o.Accounts, pop: o.Population, box: o.Box, subKey: o.SubjectKey,
		notify: o.OutboxWritten, log: o.Logger, now: o.Now, loginAt: func(id string) string { return "/oidc/login?id=" + id }}
	s.keys = &keyring{st: o.Store, box: o.Box, now: o.Now, rotate: cfg.KeyRotation, publishAhead: cfg.KeyPublish, overlap: cfg.KeyOverlap}
	return s, nil
}

// Issuer returns the issuer URL.
func (s *Service) Issuer() string { return s.issuer }

// Config returns the lifetimes in force.
func (s *Service) Config() Config { return s.cfg }

// SetLoginURL sets where the provider sends the browser to sign in (the
// pages' path with the request ID).
func (s *Service) SetLoginURL(f func(id string) string) { s.loginAt = f }

// RotateKeys makes the signing keys the schedule needs now; serve runs it
// at start and then periodically on every instance.
func (s *Service) RotateKeys(ctx context.Context) (int, error) { return s.keys.Rotate(ctx) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("sso: crypto/rand failed: " + err.Error())
	}
	return b
}

func newID() string { return hex.EncodeToString(randomBytes(16)) }

func newToken() string { return base64.RawURLEncoding.EncodeToString(randomBytes(32)) }

func hashToken(kind, v string) []byte {
	sum := sha256.Sum256([]byte("vneid-sso-" + kind + "\x00" + v))
	return sum[:]
}

// Subject is the subject identifier a relying party sees for an account:
// pairwise (HMAC of the sector and the account) unless the relying party
// is a state body, which sees the account's public identifier.
func (s *Service) Subject(c *Client, accountID string) string {
	if c.Kind == KindState {
		return accountID
	}
	m := hmac.New(sha256.New, s.subKey)
	m.Write([]byte(c.Sector))
	m.Write([]byte{0})
	m.Write([]byte(accountID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Failures of the provider shown on the citizen's pages or returned by
// the API.
var (
	ErrRequestNotFound = failure.New("sso_request_not_found", failure.NotFound,
		"Yêu cầu đăng nhập không tồn tại hoặc đã hết hạn. Vui lòng quay lại trang dịch vụ và đăng nhập lại.",
		"The sign-in request does not exist or has expired. Go back to the service and sign in again.")
	ErrLevelTooLow = failure.New("sso_level_too_low", failure.Forbidden,
		"Dịch vụ này yêu cầu tài khoản định danh điện tử mức độ 2. Để nâng lên mức 2, hãy mang thẻ căn cước gắn chip đến cơ quan Công an cấp xã nơi gần nhất; cán bộ sẽ chụp ảnh chân dung, thu vân tay và gửi kết quả qua ứng dụng VNeID, SMS hoặc thư điện tử.",
		"This service requires a level-2 electronic identification account. To reach level 2, bring your chip ID card to the nearest commune police office; the officer takes your portrait and fingerprints, and the result comes by the VNeID app, SMS or email.")
	ErrNoEID = failure.New("sso_no_eid", failure.Forbidden,
		"Tài khoản chưa được định danh điện tử. Hãy đăng ký định danh điện tử mức 1 trong ứng dụng VNeID hoặc mức 2 tại cơ quan Công an, kích hoạt tài khoản rồi đăng nhập lại.",
		"The account has no electronic identification yet. Apply for level 1 in the VNeID app or level 2 at the police, activate the account, then sign in again.")
	ErrLocked = failure.New("sso_account_locked", failure.Forbidden,
		"Tài khoản định danh điện tử đang bị khóa nên không thể đăng nhập dịch vụ.",
		"The e-ID account is locked and cannot sign in to services.")
	ErrQRInvalid = failure.New("sso_qr_invalid", failure.Invalid,
		"Mã QR đăng nhập không hợp lệ, đã được dùng hoặc đã hết hạn. Hãy tải lại trang đăng nhập và quét mã mới.",
		"The sign-in QR code is not valid, was used or has expired. Reload the sign-in page and scan the new code.")
	ErrClientNotFound = failure.New("rp_not_found", failure.NotFound,
		"Không tìm thấy bên sử dụng.", "The relying party does not exist.")
	ErrClientExists = failure.New("rp_exists", failure.Conflict,
		"Mã bên sử dụng đã tồn tại.", "A relying party with this client ID already exists.")
	ErrConsentNotFound = failure.New("sso_consent_not_found", failure.NotFound,
		"Không có sự đồng ý chia sẻ dữ liệu với bên này.", "There is no consent to share data with this relying party.")
)

// usage appends a usage record in q.
func (s *Service) usage(ctx context.Context, q store.Queries, accountID, clientID, kind, ip string, detail map[string]any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("usage detail: %w", err)
	}
	return q.AppendUsage(ctx, store.UsageRecord{AccountID: accountID, ClientID: clientID, Kind: kind, Detail: string(b), IP: ip, At: s.now()})
}

// audit appends an audit event in q.
func (s *Service) audit(ctx context.Context, q store.Queries, actor, action, subject, purpose string, detail map[string]any) error {
	var d string
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
		d = string(b)
	}
	return q.AppendAudit(ctx, store.AuditEvent{At: s.now(), Actor: actor, Action: action, Subject: subject, Purpose: purpose, Detail: d})
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
