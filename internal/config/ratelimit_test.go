package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRateLimitRules: rate_limit.rules set any known rule by name (over
// account.limits), reach the account and wallet rules, and refuse unknown
// names and malformed limits; rate_limit.redis comes from the file, the
// environment and the flag.
func TestRateLimitRules(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	const file = `
account:
  limits:
    login-fail-id: 9/1h
    otp-fail-id: 4/30m
rate_limit:
  redis: redis://127.0.0.1:6379/3
  rules:
    login-fail-id: 3/20m
    passcode-ip: 7/5m
    officer-login-fail-user: 2/1h
`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.RateLimit.Redis != "redis://127.0.0.1:6379/3" {
		t.Errorf("redis = %q", c.RateLimit.Redis)
	}
	rules, err := c.RateLimitRules()
	if err != nil {
		t.Fatal(err)
	}
	if r := rules["officer-login-fail-user"]; r.Limit != 2 || r.Window != time.Hour || r.Name != "officer-login-fail-user" {
		t.Errorf("officer-login-fail-user = %+v", r)
	}
	a, err := c.AccountConfig()
	if err != nil {
		t.Fatal(err)
	}
	if a.LoginFailPerID.Limit != 3 || a.LoginFailPerID.Window != 20*time.Minute {
		t.Errorf("login-fail-id = %+v, want rate_limit.rules' 3/20m over account.limits", a.LoginFailPerID)
	}
	if a.OTPFailPerID.Limit != 4 || a.OTPFailPerID.Window != 30*time.Minute {
		t.Errorf("otp-fail-id = %+v, want 4/30m", a.OTPFailPerID)
	}
	w, err := c.WalletConfig()
	if err != nil {
		t.Fatal(err)
	}
	if w.PasscodePerIP.Limit != 7 || w.PasscodePerIP.Window != 5*time.Minute {
		t.Errorf("passcode-ip = %+v", w.PasscodePerIP)
	}
	for _, bad := range []map[string]string{{"no-such-rule": "1/1m"}, {"login-ip": "ten/1m"}, {"login-ip": "1/0s"}} {
		c := Default()
		c.RateLimit.Rules = bad
		if _, err := c.RateLimitRules(); err == nil {
			t.Errorf("%v accepted", bad)
		}
		if _, err := c.AccountConfig(); err == nil {
			t.Errorf("AccountConfig accepted %v", bad)
		}
	}
	c = Default()
	if err := c.applyEnv(func(k string) (string, bool) {
		return "redis://env:6379/0", k == "VNEID_RATELIMIT_REDIS"
	}); err != nil || c.RateLimit.Redis != "redis://env:6379/0" {
		t.Errorf("VNEID_RATELIMIT_REDIS: %q, %v", c.RateLimit.Redis, err)
	}
}
