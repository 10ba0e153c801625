// Package config loads vneid's settings: built-in defaults, then a YAML file,
// then VNEID_* environment variables, then command-line flags, each
// overriding the one before.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/wallet"
)

// Config is every setting of the server and the CLI.
type Config struct {
	// Listen is the HTTP address (":8080").
	Listen string `yaml:"listen"`
	// PublicURL is the address citizens and relying parties reach the
	// server at (https://… in production); the OpenID Connect issuer is
	// PublicURL + "/oidc". Empty: http://localhost with Listen's port.
	PublicURL string `yaml:"public_url"`
	// DataDir holds the SQLite database and the file sender's log.
	DataDir string `yaml:"data_dir"`
	// DB is a postgres:// URL, or a SQLite path; empty means
	// DataDir/vneid.db.
	DB string `yaml:"db"`
	// Demo loads a synthetic population into an empty registry and keeps
	// outbox message bodies readable by `vneid outbox list`. Never in
	// production. Default: on for the embedded store, off for PostgreSQL.
	Demo *bool `yaml:"demo"`
	// DemoCitizens is the size of the demo population.
	DemoCitizens int `yaml:"demo_citizens"`
	// DemoSeed makes the demo population reproducible.
	DemoSeed uint64 `yaml:"demo_seed"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// TrustedProxies are networks whose X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// SMSLog is the file the built-in sender appends messages to.
	SMSLog string `yaml:"sms_log"`
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// Account holds the registration, OTP, password and session rules.
	Account AccountRules `yaml:"account"`
	// EID holds the e-ID application and review rules.
	EID EIDRules `yaml:"eid"`
	// Holidays is a CSV calendar (date,name_vi,name_en[,kind]) replacing
	// the built-in one; empty uses the built-in table.
	Holidays string `yaml:"holidays"`
	// ConsoleSecureCookies marks console cookies Secure; set it when the
	// server is reached over HTTPS (behind a TLS-terminating proxy).
	ConsoleSecureCookies bool `yaml:"console_secure_cookies"`
	// Face configures the face-comparison engine.
	Face FaceSettings `yaml:"face"`
	// SMPP, when Addr is set, sends SMS through an operator's SMS centre
	// instead of the file sender.
	SMPP SMPPSettings `yaml:"smpp"`
	// SMTP, when Host is set, sends email instead of the file sender.
	SMTP SMTPSettings `yaml:"smtp"`
	// Wallet holds the document wallet's rules and its document source.
	Wallet WalletSettings `yaml:"wallet"`
	// RateLimit holds where rate-limit counters live and the limits of
	// every credential endpoint (docs/operations.md, "Rate limits").
	RateLimit RateLimitSettings `yaml:"rate_limit"`
}

// RateLimitSettings configure the rate limits and lockouts.
type RateLimitSettings struct {
	// Redis, when set (redis://host:6379/0), keeps the counters in Redis
	// instead of the database; while Redis is unreachable they are kept in
	// the database (VNEID_RATELIMIT_REDIS, -ratelimit-redis).
	Redis string `yaml:"redis"`
	// Rules maps a rule name (RuleNames) to "N/DURATION" ("10/15m"); "0/1m"
	// disables a rule. account.limits is read too; these win.
	Rules map[string]string `yaml:"rules"`
}

// RuleNames are the rate-limit rules the configuration may set, each
// described in docs/operations.md.
var RuleNames = []string{
	"register-ip", "register-id", "register-phone", "qr-check-ip", "qr-fail-id", "otp-send-ip", "otp-verify-ip", "otp-fail-id",
	"login-ip", "login-id", "login-fail-id", "password-reset-ip", "password-reset-id",
	"device-change-id", "device-change-confirm-ip",
	"passcode-ip", "passcode-try-account", "passcode-fail-account",
	"lock-remote-ip", "lock-remote-id", "lock-remote-confirm-ip",
	"officer-login-ip", "console-login-ip", "officer-login-user", "officer-login-fail-user",
	"client-auth-fail-ip", "client-auth-fail-client",
	"hotline-unlock-fail-id", "verify-decode-ip",
}

// RateLimitRules returns the configured rules by name (account.limits,
// then rate_limit.rules), refusing unknown names and malformed limits.
func (c Config) RateLimitRules() (ratelimit.Rules, error) {
	out := ratelimit.Rules{}
	for _, m := range []map[string]string{c.Account.Limits, c.RateLimit.Rules} {
		for name, spec := range m {
			if !slices.Contains(RuleNames, name) {
				return nil, fmt.Errorf("config: unknown rate limit %q", name)
			}
			r, err := ratelimit.ParseRule(name, spec)
			if err != nil {
				return nil, fmt.Errorf("config: %w", err)
			}
			out[name] = r
		}
	}
	return out, nil
}

// WalletSettings configure the document wallet and presentations.
type WalletSettings struct {
	// LicenceDailyCap is how many driving-licence integration requests a
	// citizen may send per day (3); a negative value means no cap.
	LicenceDailyCap int `yaml:"licence_daily_cap"`
	// PresentationTTL is a presentation's default lifetime (3 min).
	PresentationTTL time.Duration `yaml:"presentation_ttl"`
	// SourceURL, when set, is a remote document registry speaking the
	// protocol of api/sources-registry.yaml; empty uses the built-in one.
	// Its bearer token comes from VNEID_SOURCE_TOKEN (never the file).
	SourceURL   string `yaml:"source_url"`
	SourceToken string `yaml:"-"`
}

// WalletConfig returns the wallet's rules.
func (c Config) WalletConfig() (wallet.Config, error) {
	w := wallet.DefaultConfig()
	if c.Wallet.LicenceDailyCap != 0 {
		w.LicenceDailyCap = c.Wallet.LicenceDailyCap
	}
	if c.Wallet.PresentationTTL != 0 {
		if c.Wallet.PresentationTTL < 30*time.Second || c.Wallet.PresentationTTL > w.MaxPresentationTTL {
			return w, fmt.Errorf("config: wallet.presentation_ttl %s: want 30s to %s", c.Wallet.PresentationTTL, w.MaxPresentationTTL)
		}
		w.PresentationTTL = c.Wallet.PresentationTTL
	}
	a, err := c.AccountConfig()
	if err != nil {
		return w, err
	}
	w.Argon2, w.Location = a.Argon2, a.Location
	rules, err := c.RateLimitRules()
	if err != nil {
		return w, err
	}
	for _, rule := range []*ratelimit.Rule{&w.PasscodePerIP, &w.PasscodeTries, &w.PasscodeAttempts} {
		if r, ok := rules[rule.Name]; ok {
			*rule = r
		}
	}
	return w, nil
}

// SMPPSettings configure the SMPP v3.4 SMS sender. The password comes from
// VNEID_SMPP_PASSWORD (never the file).
type SMPPSettings struct {
	Addr       string `yaml:"addr"`
	SystemID   string `yaml:"system_id"`
	SystemType string `yaml:"system_type"`
	// Source is the alphanumeric sender ("VNeID").
	Source   string `yaml:"source"`
	Password string `yaml:"-"`
}

// SMTPSettings configure the email sender. The password comes from
// VNEID_SMTP_PASSWORD (never the file).
type SMTPSettings struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	Username string `yaml:"username"`
	From     string `yaml:"from"`
	// TLS is "starttls" (default), "tls" or "none" (loopback only).
	TLS      string `yaml:"tls"`
	Password string `yaml:"-"`
}

// EIDRules are the tunable e-ID rules.
type EIDRules struct {
	// AutoApprove approves dossiers whose every check passes.
	AutoApprove bool `yaml:"auto_approve"`
	// FaceThreshold is the least face similarity (0–1) auto-approval takes.
	FaceThreshold float64 `yaml:"face_threshold"`
	// ActivationWindow is how long after approval activation is open.
	ActivationWindow time.Duration `yaml:"activation_window"`
	// Level1DeadlineDays is the review deadline in working days.
	Level1DeadlineDays int `yaml:"level1_deadline_days"`
	// EvidenceTTL is how long the chip challenge lives.
	EvidenceTTL time.Duration `yaml:"evidence_ttl"`
	// PortalURL is named in the approval notice.
	PortalURL string `yaml:"portal_url"`
}

// FaceSettings configure the face engine: the @vladmandic/face-api worker
// installed with `npm ci --prefix tools/faceapi`.
type FaceSettings struct {
	// Engine is "faceapi" (used when installed) or "none".
	Engine string `yaml:"engine"`
	// WorkerDir is the directory holding worker.js and node_modules.
	WorkerDir string `yaml:"worker_dir"`
	// Workers is the number of worker processes.
	Workers int `yaml:"workers"`
	// NodePath is the node binary.
	NodePath string `yaml:"node_path"`
}

// AccountRules are the tunable account rules.
type AccountRules struct {
	MinAge          int           `yaml:"min_age"`
	RegistrationTTL time.Duration `yaml:"registration_ttl"`
	OTPLength       int           `yaml:"otp_length"`
	OTPTTL          time.Duration `yaml:"otp_ttl"`
	OTPMaxAttempts  int           `yaml:"otp_max_attempts"`
	OTPResendAfter  time.Duration `yaml:"otp_resend_after"`
	OTPDailyLimit   int           `yaml:"otp_daily_limit"`
	SessionTTL      time.Duration `yaml:"session_ttl"`
	Argon2MemoryKiB uint32        `yaml:"argon2_memory_kib"`
	Argon2Time      uint32        `yaml:"argon2_time"`
	Argon2Threads   uint8         `yaml:"argon2_threads"`
	// Limits maps a rate-limit rule name (any of RuleNames) to
	// "N/DURATION", e.g. "10/15m"; "0/1m" disables a rule. Kept for older
	// files; rate_limit.rules is the place.
	Limits map[string]string `yaml:"limits"`
}

// Default returns the built-in settings.
func Default() Config {
	a := account.DefaultConfig()
	e := eid.DefaultConfig()
	return Config{
		Listen: ":8080", DataDir: "vneid-data", DemoCitizens: 1000, DemoSeed: 59, LogLevel: "info",
		ShutdownTimeout: 15 * time.Second,
		Account: AccountRules{MinAge: a.MinAge, RegistrationTTL: a.RegistrationTTL, OTPLength: a.OTPLength, OTPTTL: a.OTPTTL,
			OTPMaxAttempts: a.OTPMaxAttempts, OTPResendAfter: a.OTPResendAfter, OTPDailyLimit: a.OTPDailyLimit,
			SessionTTL: a.SessionTTL, Argon2MemoryKiB: a.Argon2.MemoryKiB, Argon2Time: a.Argon2.Time, Argon2Threads: a.Argon2.Threads},
		EID: EIDRules{AutoApprove: e.AutoApprove, FaceThreshold: e.FaceThreshold, ActivationWindow: e.ActivationWindow,
			Level1DeadlineDays: e.Level1Deadline, EvidenceTTL: e.EvidenceTTL, PortalURL: e.PortalURL},
		Face: FaceSettings{Engine: "faceapi", WorkerDir: "tools/faceapi", Workers: 1, NodePath: "node"},
	}
}

// Load reads the file at path (if not empty) over the defaults, then the
// environment.
func Load(path string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := c.applyEnv(os.LookupEnv); err != nil {
		return c, err
	}
	c.SMPP.Password = os.Getenv("VNEID_SMPP_PASSWORD")
	c.SMTP.Password = os.Getenv("VNEID_SMTP_PASSWORD")
	c.Wallet.SourceToken = os.Getenv("VNEID_SOURCE_TOKEN")
	return c, nil
}

// applyEnv reads VNEID_LISTEN, VNEID_DATA_DIR, VNEID_DB, VNEID_DEMO,
// VNEID_DEMO_CITIZENS, VNEID_LOG_LEVEL, VNEID_TRUSTED_PROXIES (comma
// separated), VNEID_SMS_LOG and VNEID_RATELIMIT_REDIS.
func (c *Config) applyEnv(lookup func(string) (string, bool)) error {
	str := map[string]*string{"VNEID_LISTEN": &c.Listen, "VNEID_DATA_DIR": &c.DataDir, "VNEID_DB": &c.DB,
		"VNEID_LOG_LEVEL": &c.LogLevel, "VNEID_SMS_LOG": &c.SMSLog,
		"VNEID_PUBLIC_URL": &c.PublicURL, "VNEID_RATELIMIT_REDIS": &c.RateLimit.Redis}
	for k, p := range str {
		if v, ok := lookup(k); ok {
			*p = v
		}
	}
	if v, ok := lookup("VNEID_DEMO"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("config: VNEID_DEMO: %w", err)
		}
		c.Demo = &b
	}
	if v, ok := lookup("VNEID_DEMO_CITIZENS"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("config: VNEID_DEMO_CITIZENS: %w", err)
		}
		c.DemoCitizens = n
	}
	if v, ok := lookup("VNEID_TRUSTED_PROXIES"); ok {
		c.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
		}
	}
	return nil
}

// Flags registers the common flags on fs, bound to c; call before fs.Parse
// and after Load so that flags win.
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "HTTP listen address")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "public base URL (default http://localhost:PORT); the OIDC issuer is PUBLIC_URL/oidc")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory (SQLite database, SMS log)")
	fs.StringVar(&c.DB, "db", c.DB, "database: postgres://… URL or SQLite file path (default DATA_DIR/vneid.db)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error")
	fs.Func("demo", "load demo data and keep outbox bodies (true/false; default true for SQLite, false for PostgreSQL)", func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		c.Demo = &b
		return nil
	})
	fs.IntVar(&c.DemoCitizens, "demo-citizens", c.DemoCitizens, "size of the demo population")
	fs.StringVar(&c.RateLimit.Redis, "ratelimit-redis", c.RateLimit.Redis, "keep rate-limit counters in Redis (redis://host:6379/0); default the database")
}

// Issuer returns the OpenID Connect issuer: PublicURL (or
// http://localhost with Listen's port) plus "/oidc".
func (c Config) Issuer() string {
	base := strings.TrimRight(c.PublicURL, "/")
	if base == "" {
		port := "8080"
		if _, p, err := net.SplitHostPort(c.Listen); err == nil && p != "" && p != "0" {
			port = p
		}
		base = "http://localhost:" + port
	}
	return base + "/oidc"
}

// DSN returns the database to open.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "vneid.db")
}

// IsPostgres reports whether the configured database is PostgreSQL.
func (c Config) IsPostgres() bool {
	return sqlstore.IsPostgres(c.DSN())
}

// DemoMode reports whether demo mode is on.
func (c Config) DemoMode() bool {
	if c.Demo != nil {
		return *c.Demo
	}
	return !c.IsPostgres()
}

// SMSLogPath is where the built-in sender writes.
func (c Config) SMSLogPath() string {
	if c.SMSLog != "" {
		return c.SMSLog
	}
	return filepath.Join(c.DataDir, "outbox.log")
}

// AccountConfig converts the rules for the account service.
func (c Config) AccountConfig() (account.Config, error) {
	a := account.DefaultConfig()
	r := c.Account
	a.MinAge, a.RegistrationTTL, a.OTPLength, a.OTPTTL = r.MinAge, r.RegistrationTTL, r.OTPLength, r.OTPTTL
	a.OTPMaxAttempts, a.OTPResendAfter, a.OTPDailyLimit, a.SessionTTL = r.OTPMaxAttempts, r.OTPResendAfter, r.OTPDailyLimit, r.SessionTTL
	a.Argon2 = account.Argon2Params{MemoryKiB: r.Argon2MemoryKiB, Time: r.Argon2Time, Threads: r.Argon2Threads}
	if a.OTPLength < 4 || a.OTPLength > 10 || a.OTPMaxAttempts < 1 || a.OTPDailyLimit < 1 || a.OTPTTL <= 0 ||
		a.OTPResendAfter < 0 || a.SessionTTL <= 0 || a.RegistrationTTL <= 0 || a.MinAge < 0 {
		return a, fmt.Errorf("config: account rules out of range (otp_length 4–10, otp_max_attempts ≥ 1, otp_daily_limit ≥ 1, durations > 0)")
	}
	if err := a.Argon2.Validate(); err != nil {
		return a, fmt.Errorf("config: %w", err)
	}
	configured, err := c.RateLimitRules()
	if err != nil {
		return a, err
	}
	for _, rule := range []*ratelimit.Rule{&a.RegisterPerIP, &a.RegisterPerID, &a.RegisterPerPhone, &a.QRCheckPerIP, &a.QRFailPerID, &a.OTPSendPerIP,
		&a.OTPVerifyPerIP, &a.OTPFailPerID, &a.LoginPerIP, &a.LoginPerID, &a.LoginFailPerID, &a.ResetPerIP, &a.ResetPerID} {
		if r, ok := configured[rule.Name]; ok {
			*rule = r
		}
	}
	return a, nil
}

// EIDConfig returns the e-ID rules for the eid service.
func (c Config) EIDConfig() (eid.Config, error) {
	e := eid.DefaultConfig()
	r := c.EID
	if r.FaceThreshold < 0 || r.FaceThreshold > 1 {
		return e, fmt.Errorf("config: eid.face_threshold %v is not between 0 and 1", r.FaceThreshold)
	}
	if r.ActivationWindow < 0 || r.EvidenceTTL < 0 || r.Level1DeadlineDays < 0 {
		return e, errors.New("config: eid durations and deadlines must not be negative")
	}
	e.AutoApprove, e.PortalURL = r.AutoApprove, r.PortalURL
	if r.FaceThreshold > 0 {
		e.FaceThreshold = r.FaceThreshold
	}
	if r.ActivationWindow > 0 {
		e.ActivationWindow = r.ActivationWindow
	}
	if r.Level1DeadlineDays > 0 {
		e.Level1Deadline = r.Level1DeadlineDays
	}
	if r.EvidenceTTL > 0 {
		e.EvidenceTTL = r.EvidenceTTL
	}
	return e, nil
}
