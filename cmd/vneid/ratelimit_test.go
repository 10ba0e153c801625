package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/config"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/store/storetest"
)

// TestWithRateLimits: the store serve builds services on applies
// rate_limit.rules to every limiter made on it, with or without Redis
// (an unreachable Redis counts in the database).
func TestWithRateLimits(t *testing.T) {
	for _, redis := range []string{"", "redis://127.0.0.1:1/0"} {
		st := storetest.OpenSQLite(t)
		cfg := config.Default()
		cfg.RateLimit.Redis = redis
		cfg.RateLimit.Rules = map[string]string{"login-ip": "2/1m"}
		limited, stop, err := withRateLimits(context.Background(), cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := limited.(sealKeyStore); !ok {
			t.Errorf("redis %q: the wrapped store hides SealKeys (sealBox would not find the seal keys)", redis)
		}
		l := ratelimit.Limiter{Counters: limited, Now: time.Now}
		builtin := ratelimit.Rule{Name: "login-ip", Limit: 60, Window: time.Minute}
		var refused int
		for range 5 { // split by at most one minute's end: one is refused either way
			if err := l.Allow(context.Background(), builtin, "203.0.113.9"); errors.Is(err, ratelimit.ErrRateLimited) {
				refused++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if refused == 0 {
			t.Errorf("redis %q: the configured 2/1m did not apply", redis)
		}
		stop()
	}
	cfg := config.Default()
	cfg.RateLimit.Rules = map[string]string{"nope": "1/1m"}
	if _, _, err := withRateLimits(context.Background(), cfg, storetest.OpenSQLite(t), slog.Default()); err == nil {
		t.Error("an unknown rule name was accepted")
	}
}
