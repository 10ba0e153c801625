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

// TestSingleUseMarkersStayInTheDatabase: with the counters in Redis, the
// markers other callers keep with Hit (a login challenge used once until
// it expires) are still counted in the database, for their whole life;
// only the limiter's keys go to Redis.
func TestSingleUseMarkersStayInTheDatabase(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	cfg := config.Default()
	cfg.RateLimit.Redis = "redis://127.0.0.1:6379/0"
	limited, stop, err := withRateLimits(ctx, cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	exp := time.Now().Add(2 * time.Minute)
	marker := "login-challenge:" + t.Name() + time.Now().Format(time.RFC3339Nano)
	for want := int64(1); want <= 2; want++ {
		if n, err := limited.Hit(ctx, marker, exp, exp); err != nil || n != want {
			t.Fatalf("marker hit %d = %d, %v", want, n, err)
		}
	}
	if n, err := st.CountHits(ctx, marker, exp); err != nil || n != 2 {
		t.Errorf("the database holds the marker %d times (%v), want 2", n, err)
	}
	if !ratelimit.IsCounterKey("rl:login-ip:00") || ratelimit.IsCounterKey(marker) {
		t.Error("IsCounterKey does not tell counters from markers")
	}
}
