package ratelimit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/store/storetest"
)

// redisURL is the Redis tests use: VNEID_TEST_REDIS or the local server.
func redisURL() string {
	if u := os.Getenv("VNEID_TEST_REDIS"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// openRedis returns Redis counters under a key prefix of this test's own.
// An unreachable Redis skips the test on a laptop and fails it in CI.
func openRedis(t *testing.T, fallback ratelimit.Counters, log *slog.Logger) *ratelimit.Redis {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	r, err := ratelimit.NewRedis(ratelimit.RedisOptions{URL: redisURL(), Prefix: "vneid-test:" + hex.EncodeToString(b[:]) + ":",
		Fallback: fallback, Logger: log, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if err := r.Ping(context.Background()); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("Redis at %s unreachable (%v); skipped outside CI", redisURL(), err)
		}
		t.Fatalf("Redis at %s unreachable: %v", redisURL(), err)
	}
	return r
}

// sharedRedis opens a second client on the first one's prefix: another
// server instance.
func sharedRedis(t *testing.T, prefix string) *ratelimit.Redis {
	t.Helper()
	r, err := ratelimit.NewRedis(ratelimit.RedisOptions{URL: redisURL(), Prefix: prefix, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRedisWindowAndRetryAfter(t *testing.T) {
	r := openRedis(t, nil, nil)
	ctx := context.Background()
	clk := &clock{t: t0}
	l := ratelimit.Limiter{Counters: r, Now: clk.Now}
	rule := ratelimit.Rule{Name: "login-id", Limit: 3, Window: 15 * time.Minute}
	for i := 1; i <= 3; i++ {
		if err := l.Allow(ctx, rule, "001099012345"); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	err := l.Allow(ctx, rule, "001099012345")
	f := failure.As(err)
	if f == nil || f.Code != "rate_limited" || f.RetryAfter != 10*time.Minute {
		t.Fatalf("4th event: %v, want rate_limited with Retry-After 10m", err)
	}
	clk.t = t0.Add(10 * time.Minute) // the next window
	if err := l.Allow(ctx, rule, "001099012345"); err != nil {
		t.Fatalf("next window: %v", err)
	}
}

// Two server instances on the same Redis share the counts, also when hit
// concurrently; Blocked and Fail count failures across them.
func TestRedisSharedAcrossInstances(t *testing.T) {
	ctx := context.Background()
	a := openRedis(t, nil, nil)
	b := sharedRedis(t, prefixOf(t, a))
	clk := &clock{t: t0}
	la := ratelimit.Limiter{Counters: a, Now: clk.Now}
	lb := ratelimit.Limiter{Counters: b, Now: clk.Now}
	rule := ratelimit.Rule{Name: "register-phone", Limit: 10, Window: time.Hour}
	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		l := la
		if g%2 == 1 {
			l = lb
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				switch err := l.Allow(ctx, rule, "0912345678"); {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ratelimit.ErrRateLimited):
					limited.Add(1)
				default:
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 10 || limited.Load() != 30 {
		t.Fatalf("%d allowed, %d limited; want 10 and 30", ok.Load(), limited.Load())
	}

	fail := ratelimit.Rule{Name: "passcode-fail-account", Limit: 3, Window: 15 * time.Minute}
	for i := range 3 {
		l := []ratelimit.Limiter{la, lb}[i%2]
		if err := l.Blocked(ctx, fail, "acc"); err != nil {
			t.Fatalf("blocked before failure %d: %v", i+1, err)
		}
		if err := l.Fail(ctx, fail, "acc"); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []ratelimit.Limiter{la, lb} {
		if err := l.Blocked(ctx, fail, "acc"); !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Fatalf("after 3 failures on two instances: %v, want ErrRateLimited", err)
		}
	}
}

// prefixOf returns the key prefix of a test's Redis counters.
func prefixOf(t *testing.T, r *ratelimit.Redis) string {
	t.Helper()
	p := r.Prefix()
	if !strings.HasPrefix(p, "vneid-test:") {
		t.Fatalf("prefix %q", p)
	}
	return p
}

// A Redis that cannot be reached does not open the limits: the counters
// fall back to the database, and the outage is logged once.
func TestRedisDownFallsBackToDatabase(t *testing.T) {
	s := storetest.OpenSQLite(t)
	var logged bytes.Buffer
	r, err := ratelimit.NewRedis(ratelimit.RedisOptions{URL: "redis://127.0.0.1:1/0", Fallback: s,
		Logger: slog.New(slog.NewTextHandler(&logged, nil)), Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	l := ratelimit.Limiter{Counters: r, Now: func() time.Time { return t0 }}
	db := ratelimit.Limiter{Counters: s, Now: func() time.Time { return t0 }}
	rule := ratelimit.Rule{Name: "login-ip", Limit: 2, Window: time.Minute}
	for i := 1; i <= 2; i++ {
		if err := l.Allow(ctx, rule, "203.0.113.7"); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if err := l.Allow(ctx, rule, "203.0.113.7"); !errors.Is(err, ratelimit.ErrRateLimited) {
		t.Fatalf("3rd event with Redis down: %v, want ErrRateLimited", err)
	}
	// The counts are the database's: an instance without Redis sees them.
	if err := db.Allow(ctx, rule, "203.0.113.7"); !errors.Is(err, ratelimit.ErrRateLimited) {
		t.Fatalf("database instance: %v, want ErrRateLimited", err)
	}
	fail := ratelimit.Rule{Name: "login-fail-id", Limit: 1, Window: time.Minute}
	if err := l.Fail(ctx, fail, "x"); err != nil {
		t.Fatal(err)
	}
	if err := l.Blocked(ctx, fail, "x"); !errors.Is(err, ratelimit.ErrRateLimited) {
		t.Fatalf("Blocked with Redis down: %v, want ErrRateLimited", err)
	}
	if n := strings.Count(logged.String(), "Redis unreachable"); n != 1 {
		t.Errorf("outage logged %d times, want once:\n%s", n, logged.String())
	}

	// Without a fallback the error reaches the caller (fail closed).
	bare, err := ratelimit.NewRedis(ratelimit.RedisOptions{URL: "redis://127.0.0.1:1/0", Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	err = ratelimit.Limiter{Counters: bare}.Allow(ctx, rule, "k")
	if err == nil || errors.Is(err, ratelimit.ErrRateLimited) {
		t.Fatalf("no fallback: %v, want Redis's error", err)
	}
}

// Two server instances with their own connections to one PostgreSQL
// database share the counts.
func TestPostgresSharedAcrossConnections(t *testing.T) {
	a, b := openPostgresTwice(t)
	ctx := context.Background()
	clk := &clock{t: t0}
	la := ratelimit.Limiter{Counters: a, Now: clk.Now}
	lb := ratelimit.Limiter{Counters: b, Now: clk.Now}
	rule := ratelimit.Rule{Name: "otp-verify-ip", Limit: 4, Window: time.Hour}
	for i := 1; i <= 4; i++ {
		if err := []ratelimit.Limiter{la, lb}[i%2].Allow(ctx, rule, "198.51.100.1"); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	for _, l := range []ratelimit.Limiter{la, lb} {
		if err := l.Allow(ctx, rule, "198.51.100.1"); !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Fatalf("5th event: %v, want ErrRateLimited", err)
		}
	}
	fail := ratelimit.Rule{Name: "login-fail-id", Limit: 2, Window: 15 * time.Minute}
	_ = la.Fail(ctx, fail, "001099012345")
	_ = lb.Fail(ctx, fail, "001099012345")
	for _, l := range []ratelimit.Limiter{la, lb} {
		if err := l.Blocked(ctx, fail, "001099012345"); !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Fatalf("after a failure on each instance: %v, want ErrRateLimited", err)
		}
	}
}

// openPostgresTwice opens two stores, each with its own connection pool, on
// one fresh schema of the test server.
func openPostgresTwice(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
	t.Helper()
	first := storetest.OpenPostgres(t) // fails or skips as the other PostgreSQL tests do
	_ = first
	ctx := context.Background()
	base := storetest.PostgresDSN()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "rl_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = c.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	open := func() *sqlstore.DB {
		db, err := sqlstore.Open(ctx, u.String())
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	x := open()
	if err := x.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return x, open()
}

// Configured rules replace built-in ones of the same name, on the limiter
// or carried by the counters.
func TestConfiguredRules(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	builtin := ratelimit.Rule{Name: "login-ip", Limit: 100, Window: time.Minute}
	two, err := ratelimit.ParseRule("login-ip", "2/1m")
	if err != nil {
		t.Fatal(err)
	}
	for name, l := range map[string]ratelimit.Limiter{
		"limiter":  {Counters: s, Now: func() time.Time { return t0 }, Rules: ratelimit.Rules{"login-ip": two}},
		"counters": {Counters: ratelimit.WithRules(s, ratelimit.Rules{"login-ip": two}), Now: func() time.Time { return t0 }},
	} {
		key := "203.0.113." + name
		for i := 1; i <= 2; i++ {
			if err := l.Allow(ctx, builtin, key); err != nil {
				t.Fatalf("%s: event %d: %v", name, i, err)
			}
		}
		if err := l.Allow(ctx, builtin, key); !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Fatalf("%s: 3rd event: %v, want the configured limit of 2", name, err)
		}
	}
	for _, bad := range []string{"", "10", "x/1m", "10/x", "-1/1m", "1/0s"} {
		if _, err := ratelimit.ParseRule("r", bad); err == nil {
			t.Errorf("ParseRule(%q) accepted", bad)
		}
	}
}
