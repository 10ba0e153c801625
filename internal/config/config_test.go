package config_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/config"
	"github.com/vneid/vneid/internal/ratelimit"
)

var envVars = []string{"VNEID_LISTEN", "VNEID_DATA_DIR", "VNEID_DB", "VNEID_DEMO", "VNEID_DEMO_CITIZENS",
	"VNEID_LOG_LEVEL", "VNEID_TRUSTED_PROXIES", "VNEID_SMS_LOG"}

// clearEnv unsets the VNEID_* variables for the test; they are restored
// afterwards.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range envVars {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vneid.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefault(t *testing.T) {
	c := config.Default()
	a := account.DefaultConfig()
	want := config.Config{
		Listen: ":8080", DataDir: "vneid-data", DemoCitizens: 1000, DemoSeed: 59, LogLevel: "info",
		ShutdownTimeout: 15 * time.Second,
		Account: config.AccountRules{MinAge: 14, RegistrationTTL: 30 * time.Minute, OTPLength: 6, OTPTTL: 5 * time.Minute,
			OTPMaxAttempts: 5, OTPResendAfter: time.Minute, OTPDailyLimit: 5, SessionTTL: 12 * time.Hour,
			Argon2MemoryKiB: a.Argon2.MemoryKiB, Argon2Time: a.Argon2.Time, Argon2Threads: a.Argon2.Threads},
		EID: config.EIDRules{AutoApprove: true, FaceThreshold: 0.65, ActivationWindow: 7 * 24 * time.Hour,
			Level1DeadlineDays: 1, EvidenceTTL: 15 * time.Minute, PortalURL: "https://vneid.gov.vn"},
		Face: config.FaceSettings{Engine: "faceapi", WorkerDir: "tools/faceapi", Workers: 1, NodePath: "node"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Default() =\n%+v\nwant\n%+v", c, want)
	}
	if c.DSN() != filepath.Join("vneid-data", "vneid.db") || c.SMSLogPath() != filepath.Join("vneid-data", "outbox.log") {
		t.Errorf("DSN %q, SMS log %q", c.DSN(), c.SMSLogPath())
	}
	if !c.DemoMode() || c.IsPostgres() {
		t.Errorf("default: demo %t, postgres %t; want demo on SQLite", c.DemoMode(), c.IsPostgres())
	}
}

func TestLoadNoFile(t *testing.T) {
	clearEnv(t)
	c, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, config.Default()) {
		t.Fatalf("Load(\"\") = %+v, want the defaults", c)
	}
}

func TestLoadFile(t *testing.T) {
	clearEnv(t)
	path := writeFile(t, `# vneid settings
listen: "127.0.0.1:9000"
data_dir: /var/lib/vneid
db: postgres://vneid@db.internal/vneid
demo: true
demo_citizens: 50
demo_seed: 7
log_level: debug
trusted_proxies: [10.0.0.0/8, 192.168.0.0/16]
sms_log: /var/log/vneid/sms.log
shutdown_timeout: 45s
account:
  min_age: 15
  registration_ttl: 45m
  otp_length: 8
  otp_ttl: 3m
  session_ttl: 1h30m
  argon2_memory_kib: 65536
  argon2_time: 3
  argon2_threads: 2
  limits:
    login-id: 5/10m
    register-ip: "0/1m"
`)
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	demo := true
	want := config.Default()
	want.Listen, want.DataDir, want.DB, want.Demo = "127.0.0.1:9000", "/var/lib/vneid", "postgres://vneid@db.internal/vneid", &demo
	want.DemoCitizens, want.DemoSeed, want.LogLevel = 50, 7, "debug"
	want.TrustedProxies, want.SMSLog, want.ShutdownTimeout = []string{"10.0.0.0/8", "192.168.0.0/16"}, "/var/log/vneid/sms.log", 45*time.Second
	want.Account.MinAge, want.Account.RegistrationTTL, want.Account.OTPLength = 15, 45*time.Minute, 8
	want.Account.OTPTTL, want.Account.SessionTTL = 3*time.Minute, 90*time.Minute
	want.Account.Argon2MemoryKiB, want.Account.Argon2Time, want.Account.Argon2Threads = 65536, 3, 2
	want.Account.Limits = map[string]string{"login-id": "5/10m", "register-ip": "0/1m"}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Load =\n%+v\nwant\n%+v", c, want)
	}
	// Keys the file leaves out keep their defaults.
	if c.Account.OTPMaxAttempts != 5 || c.Account.OTPDailyLimit != 5 || c.Account.OTPResendAfter != time.Minute {
		t.Errorf("unset account rules changed: %+v", c.Account)
	}
	if !c.DemoMode() || !c.IsPostgres() || c.DSN() != "postgres://vneid@db.internal/vneid" {
		t.Errorf("demo %t, postgres %t, DSN %q", c.DemoMode(), c.IsPostgres(), c.DSN())
	}
}

func TestLoadFileErrors(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name, yaml string
	}{
		{"unknown key", "listen: ':9000'\nlisten_addr: ':9001'\n"},
		{"unknown account key", "account:\n  otp_lenght: 8\n"},
		{"misspelt section", "acount:\n  otp_length: 8\n"},
		{"wrong type", "demo_citizens: many\n"},
		{"bad duration", "shutdown_timeout: soon\n"},
		{"bad bool", "demo: perhaps\n"},
		{"threads overflow uint8", "account:\n  argon2_threads: 256\n"},
		{"negative memory", "account:\n  argon2_memory_kib: -1\n"},
		{"not a mapping", "- listen\n- ':9000'\n"},
		{"malformed", "listen: [\n"},
		{"tab indentation", "account:\n\totp_length: 8\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c, err := config.Load(writeFile(t, tc.yaml)); err == nil {
				t.Fatalf("Load accepted %q as %+v", tc.yaml, c)
			}
		})
	}
	if _, err := config.Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Errorf("Load of a missing file succeeded")
	}
}

// A configuration file with every line commented out (as shipped templates
// often are) or with nothing in it means "all defaults".
func TestLoadEmptyFile(t *testing.T) {
	clearEnv(t)
	for _, content := range []string{"", "\n", "# listen: ':9000'\n# db: postgres://...\n", "---\n"} {
		c, err := config.Load(writeFile(t, content))
		if err != nil {
			t.Errorf("Load(%q): %v", content, err)
			continue
		}
		if !reflect.DeepEqual(c, config.Default()) {
			t.Errorf("Load(%q) = %+v, want the defaults", content, c)
		}
	}
}

func TestEnvOverridesFile(t *testing.T) {
	clearEnv(t)
	path := writeFile(t, `listen: ":9000"
data_dir: /from/file
db: /from/file/x.db
demo: true
demo_citizens: 50
log_level: debug
trusted_proxies: [10.0.0.0/8]
sms_log: /from/file/sms.log
`)
	t.Setenv("VNEID_LISTEN", ":7000")
	t.Setenv("VNEID_DATA_DIR", "/from/env")
	t.Setenv("VNEID_DB", "postgres://env@db/vneid")
	t.Setenv("VNEID_DEMO", "false")
	t.Setenv("VNEID_DEMO_CITIZENS", "25")
	t.Setenv("VNEID_LOG_LEVEL", "warn")
	t.Setenv("VNEID_TRUSTED_PROXIES", " 172.16.0.0/12 , ,fd00::/8,")
	t.Setenv("VNEID_SMS_LOG", "/from/env/sms.log")
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":7000" || c.DataDir != "/from/env" || c.DB != "postgres://env@db/vneid" || c.Demo == nil || *c.Demo ||
		c.DemoCitizens != 25 || c.LogLevel != "warn" || c.SMSLog != "/from/env/sms.log" ||
		!reflect.DeepEqual(c.TrustedProxies, []string{"172.16.0.0/12", "fd00::/8"}) {
		t.Fatalf("env did not override the file: %+v", c)
	}
	if c.DemoMode() {
		t.Errorf("VNEID_DEMO=false: DemoMode on")
	}
}

func TestEnvPartial(t *testing.T) {
	clearEnv(t)
	path := writeFile(t, "listen: ':9000'\ntrusted_proxies: [10.0.0.0/8]\n")
	// Only set variables override; an empty list clears the file's.
	t.Setenv("VNEID_LOG_LEVEL", "error")
	t.Setenv("VNEID_TRUSTED_PROXIES", "")
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":9000" || c.LogLevel != "error" || c.TrustedProxies != nil || c.Demo != nil {
		t.Fatalf("Load = %+v", c)
	}
}

func TestEnvErrors(t *testing.T) {
	tests := []struct{ key, value string }{
		{"VNEID_DEMO", "perhaps"},
		{"VNEID_DEMO", ""},
		{"VNEID_DEMO_CITIZENS", "many"},
		{"VNEID_DEMO_CITIZENS", "1e3"},
	}
	for _, tc := range tests {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(tc.key, tc.value)
			if _, err := config.Load(""); err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("Load with %s=%q: %v, want an error naming it", tc.key, tc.value, err)
			}
		})
	}
}

func TestFlagsOverrideEnv(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(c config.Config) bool
	}{
		{"no flags keep env", nil, func(c config.Config) bool {
			return c.Listen == ":7000" && c.DataDir == "/from/env" && c.LogLevel == "warn" && c.Demo != nil && *c.Demo && c.DemoCitizens == 25
		}},
		{"listen", []string{"-listen", ":6000"}, func(c config.Config) bool { return c.Listen == ":6000" && c.DataDir == "/from/env" }},
		{"data-dir", []string{"--data-dir=/from/flag"}, func(c config.Config) bool { return c.DataDir == "/from/flag" && c.Listen == ":7000" }},
		{"db", []string{"-db", "postgres://flag@db/x"}, func(c config.Config) bool { return c.DB == "postgres://flag@db/x" && c.IsPostgres() && c.DemoMode() }},
		{"log-level", []string{"-log-level", "debug"}, func(c config.Config) bool { return c.LogLevel == "debug" }},
		{"demo false", []string{"-demo=false"}, func(c config.Config) bool { return c.Demo != nil && !*c.Demo && !c.DemoMode() }},
		{"demo 0", []string{"-demo", "0"}, func(c config.Config) bool { return c.Demo != nil && !*c.Demo }},
		{"demo-citizens", []string{"-demo-citizens", "3"}, func(c config.Config) bool { return c.DemoCitizens == 3 }},
		{"all", []string{"-listen=:1", "-data-dir=d", "-db=f.db", "-log-level=error", "-demo=false", "-demo-citizens=9"}, func(c config.Config) bool {
			return c.Listen == ":1" && c.DataDir == "d" && c.DB == "f.db" && c.LogLevel == "error" && !*c.Demo && c.DemoCitizens == 9
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("VNEID_LISTEN", ":7000")
			t.Setenv("VNEID_DATA_DIR", "/from/env")
			t.Setenv("VNEID_LOG_LEVEL", "warn")
			t.Setenv("VNEID_DEMO", "true")
			t.Setenv("VNEID_DEMO_CITIZENS", "25")
			c, err := config.Load(writeFile(t, "listen: ':9000'\nlog_level: info\n"))
			if err != nil {
				t.Fatal(err)
			}
			fs := flag.NewFlagSet("vneid", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			c.Flags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Fatalf("after %v: %+v", tc.args, c)
			}
		})
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"-demo=perhaps"}, {"-demo-citizens", "x"}, {"-no-such-flag"}} {
		c := config.Default()
		fs := flag.NewFlagSet("vneid", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c.Flags(fs)
		if err := fs.Parse(args); err == nil {
			t.Errorf("Parse(%v) succeeded", args)
		}
	}
}

func TestDemoMode(t *testing.T) {
	on, off := true, false
	tests := []struct {
		name     string
		db       string
		demo     *bool
		want     bool
		postgres bool
	}{
		{"default SQLite", "", nil, true, false},
		{"SQLite path", "/var/lib/vneid/vneid.db", nil, true, false},
		{"SQLite relative", "data.db", nil, true, false},
		{"postgres URL", "postgres://vneid@db/vneid", nil, false, true},
		{"postgresql URL", "postgresql://vneid@db/vneid", nil, false, true},
		{"postgres key=value", "host=db user=vneid dbname=vneid", nil, false, true},
		{"postgres forced on", "postgres://vneid@db/vneid", &on, true, true},
		{"SQLite forced off", "", &off, false, false},
		{"SQLite explicitly on", "", &on, true, false},
		{"postgres explicitly off", "postgres://vneid@db/vneid", &off, false, true},
	}
	for _, tc := range tests {
		c := config.Default()
		c.DB, c.Demo = tc.db, tc.demo
		if c.DemoMode() != tc.want || c.IsPostgres() != tc.postgres {
			t.Errorf("%s: DemoMode %t, IsPostgres %t; want %t, %t", tc.name, c.DemoMode(), c.IsPostgres(), tc.want, tc.postgres)
		}
	}
}

func TestDemoModeFromEnvAndFlags(t *testing.T) {
	clearEnv(t)
	t.Setenv("VNEID_DB", "postgres://vneid@db/vneid")
	c, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.DemoMode() {
		t.Fatal("demo on for PostgreSQL from the environment")
	}
	fs := flag.NewFlagSet("vneid", flag.ContinueOnError)
	c.Flags(fs)
	fs.SetOutput(io.Discard)
	// -demo takes a value; a bare -demo is an error, not "on".
	if err := fs.Parse([]string{"-demo"}); err == nil || c.DemoMode() {
		t.Fatalf("bare -demo: %v, demo %t", err, c.DemoMode())
	}
	fs = flag.NewFlagSet("vneid", flag.ContinueOnError)
	c.Flags(fs)
	if err := fs.Parse([]string{"-demo=true"}); err != nil || !c.DemoMode() {
		t.Fatalf("-demo=true: %v, demo %t", err, c.DemoMode())
	}
}

func TestAccountConfigDefaults(t *testing.T) {
	a, err := config.Default().AccountConfig()
	if err != nil {
		t.Fatal(err)
	}
	d := account.DefaultConfig()
	if a.Location == nil || a.Location.String() != d.Location.String() {
		t.Errorf("location %v, want %v", a.Location, d.Location)
	}
	a.Location, d.Location = nil, nil
	if !reflect.DeepEqual(a, d) {
		t.Fatalf("AccountConfig() =\n%+v\nwant account.DefaultConfig()\n%+v", a, d)
	}
}

func TestAccountConfigLimits(t *testing.T) {
	type pick func(a account.Config) ratelimit.Rule
	tests := []struct {
		name, spec string
		rule       pick
		want       ratelimit.Rule
	}{
		{"login-id", "10/15m", func(a account.Config) ratelimit.Rule { return a.LoginPerID }, ratelimit.Rule{Name: "login-id", Limit: 10, Window: 15 * time.Minute}},
		{"login-ip", " 100 / 1m ", func(a account.Config) ratelimit.Rule { return a.LoginPerIP }, ratelimit.Rule{Name: "login-ip", Limit: 100, Window: time.Minute}},
		{"register-ip", "0/1m", func(a account.Config) ratelimit.Rule { return a.RegisterPerIP }, ratelimit.Rule{Name: "register-ip", Limit: 0, Window: time.Minute}},
		{"register-id", "3/24h", func(a account.Config) ratelimit.Rule { return a.RegisterPerID }, ratelimit.Rule{Name: "register-id", Limit: 3, Window: 24 * time.Hour}},
		{"register-phone", "2/1h30m", func(a account.Config) ratelimit.Rule { return a.RegisterPerPhone }, ratelimit.Rule{Name: "register-phone", Limit: 2, Window: 90 * time.Minute}},
		{"otp-verify-ip", "1/500ms", func(a account.Config) ratelimit.Rule { return a.OTPVerifyPerIP }, ratelimit.Rule{Name: "otp-verify-ip", Limit: 1, Window: 500 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			c.Account.Limits = map[string]string{tc.name: tc.spec}
			a, err := c.AccountConfig()
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.rule(a); got != tc.want {
				t.Fatalf("%s = %q: rule %+v, want %+v", tc.name, tc.spec, got, tc.want)
			}
			// The other rules keep their defaults.
			d := account.DefaultConfig()
			a.Location, d.Location = nil, nil
			for _, o := range tests {
				if o.name != tc.name && o.rule(a) != o.rule(d) {
					t.Errorf("%s changed to %+v", o.name, o.rule(a))
				}
			}
		})
	}

	bad := []struct{ name, spec string }{
		{"login-id", "abc"},
		{"login-id", "10"},
		{"login-id", "-1/1m"},
		{"login-id", "10/0s"},
		{"login-id", "10/-1m"},
		{"login-id", "10/abc"},
		{"login-id", "10/15"},
		{"login-id", "/1m"},
		{"login-id", "x/1m"},
		{"login-id", "1.5/1m"},
		{"login-id", ""},
		{"login-id", "10/15m/2"},
		{"login-email", "10/15m"},
		{"LOGIN-ID", "10/15m"},
		{"", "10/15m"},
	}
	for _, tc := range bad {
		c := config.Default()
		c.Account.Limits = map[string]string{tc.name: tc.spec}
		if a, err := c.AccountConfig(); err == nil {
			t.Errorf("limits %q: %q accepted as %+v", tc.name, tc.spec, a.LoginPerID)
		}
	}
}

func TestAccountConfigRanges(t *testing.T) {
	tests := []struct {
		name string
		set  func(r *config.AccountRules)
		ok   bool
	}{
		{"defaults", func(r *config.AccountRules) {}, true},
		{"otp length 4", func(r *config.AccountRules) { r.OTPLength = 4 }, true},
		{"otp length 10", func(r *config.AccountRules) { r.OTPLength = 10 }, true},
		{"otp length 3", func(r *config.AccountRules) { r.OTPLength = 3 }, false},
		{"otp length 11", func(r *config.AccountRules) { r.OTPLength = 11 }, false},
		{"otp length 0", func(r *config.AccountRules) { r.OTPLength = 0 }, false},
		{"otp max attempts 1", func(r *config.AccountRules) { r.OTPMaxAttempts = 1 }, true},
		{"otp max attempts 0", func(r *config.AccountRules) { r.OTPMaxAttempts = 0 }, false},
		{"otp max attempts -1", func(r *config.AccountRules) { r.OTPMaxAttempts = -1 }, false},
		{"otp ttl 0", func(r *config.AccountRules) { r.OTPTTL = 0 }, false},
		{"otp ttl negative", func(r *config.AccountRules) { r.OTPTTL = -time.Minute }, false},
		// A daily limit below 1 refuses every OTP, so no one can register.
		{"otp daily limit 1", func(r *config.AccountRules) { r.OTPDailyLimit = 1 }, true},
		{"otp daily limit 0", func(r *config.AccountRules) { r.OTPDailyLimit = 0 }, false},
		{"otp daily limit -1", func(r *config.AccountRules) { r.OTPDailyLimit = -1 }, false},
		{"session ttl 0", func(r *config.AccountRules) { r.SessionTTL = 0 }, false},
		{"registration ttl negative", func(r *config.AccountRules) { r.RegistrationTTL = -time.Second }, false},
		{"argon2 minimum", func(r *config.AccountRules) { r.Argon2MemoryKiB, r.Argon2Time, r.Argon2Threads = 8, 1, 1 }, true},
		{"argon2 memory 7", func(r *config.AccountRules) { r.Argon2MemoryKiB, r.Argon2Threads = 7, 1 }, false},
		{"argon2 memory 0", func(r *config.AccountRules) { r.Argon2MemoryKiB = 0 }, false},
		{"argon2 memory below 8 per thread", func(r *config.AccountRules) { r.Argon2MemoryKiB, r.Argon2Threads = 31, 4 }, false},
		{"argon2 memory 8 per thread", func(r *config.AccountRules) { r.Argon2MemoryKiB, r.Argon2Threads = 32, 4 }, true},
		{"argon2 time 0", func(r *config.AccountRules) { r.Argon2Time = 0 }, false},
		{"argon2 threads 0", func(r *config.AccountRules) { r.Argon2Threads = 0 }, false},
		{"argon2 threads 16", func(r *config.AccountRules) { r.Argon2MemoryKiB, r.Argon2Threads = 8*16, 16 }, true},
		{"argon2 threads 17", func(r *config.AccountRules) { r.Argon2MemoryKiB, r.Argon2Threads = 8*17, 17 }, false},
		// VerifyPassword refuses hashes beyond account's limits: a
		// configuration that makes them would lock every new account out.
		{"argon2 time 20", func(r *config.AccountRules) { r.Argon2Time = 20 }, true},
		{"argon2 time 21", func(r *config.AccountRules) { r.Argon2Time = 21 }, false},
		{"argon2 memory 1 GiB", func(r *config.AccountRules) { r.Argon2MemoryKiB = 1 << 20 }, true},
		{"argon2 memory above 1 GiB", func(r *config.AccountRules) { r.Argon2MemoryKiB = 1<<20 + 1 }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			tc.set(&c.Account)
			_, err := c.AccountConfig()
			if tc.ok && err != nil {
				t.Fatalf("AccountConfig: %v, want accepted", err)
			}
			if !tc.ok && err == nil {
				t.Fatalf("AccountConfig accepted %+v", c.Account)
			}
		})
	}
}

// Whatever argon2 parameters the configuration accepts, passwords hashed
// with them must verify (cheap memory settings keep this fast).
func TestAccountConfigArgon2Verifies(t *testing.T) {
	for _, p := range []account.Argon2Params{{MemoryKiB: 8, Time: 1, Threads: 1}, {MemoryKiB: 8, Time: 100, Threads: 1},
		{MemoryKiB: 8, Time: 101, Threads: 1}, {MemoryKiB: 16, Time: 150, Threads: 2}} {
		c := config.Default()
		c.Account.Argon2MemoryKiB, c.Account.Argon2Time, c.Account.Argon2Threads = p.MemoryKiB, p.Time, p.Threads
		a, err := c.AccountConfig()
		if err != nil {
			continue // refused up front: fine
		}
		hash, err := account.HashPassword("Mậtkhẩu@1", a.Argon2)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, err := account.VerifyPassword(hash, "Mậtkhẩu@1", a.Argon2); !ok || err != nil {
			t.Errorf("argon2 %+v accepted by AccountConfig, but its hashes do not verify: %t, %v", p, ok, err)
		}
	}
}
