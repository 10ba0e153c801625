package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/store/storetest"
)

// t0 is 08:05 UTC: the 15-minute window it falls in runs 08:00–08:15.
var t0 = time.Date(2026, 3, 15, 8, 5, 0, 0, time.UTC)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func TestAllowWindow(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	clk := &clock{}
	l := ratelimit.Limiter{Counters: s, Now: clk.Now}
	rule := ratelimit.Rule{Name: "login-id", Limit: 3, Window: 15 * time.Minute}
	const key = "001099012345"

	steps := []struct {
		at         time.Time
		limited    bool
		retryAfter time.Duration
	}{
		{t0, false, 0},
		{t0.Add(time.Minute), false, 0},
		{t0.Add(2 * time.Minute), false, 0},
		{t0.Add(5 * time.Minute), true, 5 * time.Minute},                                     // 4th at 08:10
		{t0.Add(9*time.Minute + 59*time.Second), true, time.Second},                          // 08:14:59
		{t0.Add(10*time.Minute - time.Millisecond), true, time.Millisecond},                  // 08:14:59.999
		{t0.Add(10 * time.Minute), false, 0},                                                 // 08:15 new window
		{t0.Add(11 * time.Minute), false, 0},                                                 //
		{t0.Add(12 * time.Minute), false, 0},                                                 //
		{t0.Add(12*time.Minute + time.Microsecond), true, 13*time.Minute - time.Microsecond}, // 4th in 08:15–08:30
		{t0.Add(40 * time.Minute), false, 0},                                                 // 08:45, a later window
	}
	for i, st := range steps {
		clk.t = st.at
		err := l.Allow(ctx, rule, key)
		if !st.limited {
			if err != nil {
				t.Fatalf("step %d at %s: %v, want allowed", i, st.at.Format("15:04:05.000000"), err)
			}
			continue
		}
		if !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Fatalf("step %d at %s: %v, want ErrRateLimited", i, st.at.Format("15:04:05.000000"), err)
		}
		f := failure.As(err)
		if f == nil || f.Kind != failure.RateLimited || f.RetryAfter != st.retryAfter {
			t.Fatalf("step %d at %s: failure %+v, want RetryAfter %v", i, st.at.Format("15:04:05.000000"), f, st.retryAfter)
		}
	}
	// The shared sentinel is not modified by WithRetryAfter.
	if ratelimit.ErrRateLimited.RetryAfter != 0 {
		t.Errorf("ErrRateLimited.RetryAfter = %v, want 0", ratelimit.ErrRateLimited.RetryAfter)
	}
}

func TestAllowDisabledAndIndependent(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		rule ratelimit.Rule
		// events per key before the first refusal; 0 means never refused
		allowed int
	}{
		{"limit 0 disables", ratelimit.Rule{Name: "r", Limit: 0, Window: time.Minute}, 0},
		{"negative limit disables", ratelimit.Rule{Name: "r", Limit: -1, Window: time.Minute}, 0},
		{"zero window disables", ratelimit.Rule{Name: "r", Limit: 1, Window: 0}, 0},
		{"limit 1", ratelimit.Rule{Name: "r", Limit: 1, Window: time.Minute}, 1},
		{"limit 5", ratelimit.Rule{Name: "r", Limit: 5, Window: time.Hour}, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := storetest.OpenSQLite(t)
			l := ratelimit.Limiter{Counters: s, Now: func() time.Time { return t0 }}
			keys := []string{"203.0.113.7", "203.0.113.8", "", "001099012345"}
			for _, key := range keys {
				for i := 1; i <= 12; i++ {
					err := l.Allow(ctx, tc.rule, key)
					wantLimited := tc.allowed > 0 && i > tc.allowed
					if wantLimited != errors.Is(err, ratelimit.ErrRateLimited) || (!wantLimited && err != nil) {
						t.Fatalf("key %q event %d: %v, want limited=%t", key, i, err, wantLimited)
					}
				}
			}
			// Another rule with the same key has its own count.
			other := tc.rule
			other.Name = "other"
			if err := l.Allow(ctx, other, keys[0]); err != nil {
				t.Fatalf("another rule for an exhausted key: %v", err)
			}
		})
	}
}

func TestAllowStoreError(t *testing.T) {
	s := storetest.OpenSQLite(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	l := ratelimit.Limiter{Counters: s, Now: func() time.Time { return t0 }}
	err := l.Allow(context.Background(), ratelimit.Rule{Name: "login-ip", Limit: 1, Window: time.Minute}, "k")
	if err == nil || errors.Is(err, ratelimit.ErrRateLimited) {
		t.Fatalf("Allow = %v, want the store's error", err)
	}
}

// Server instances on one database share the counts: two Limiters on the
// same store, hit concurrently, let exactly Limit events through per window.
func TestAllowSharedAcrossInstances(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			ctx := context.Background()
			clk := &clock{t: t0}
			a := ratelimit.Limiter{Counters: s, Now: clk.Now}
			c := ratelimit.Limiter{Counters: s, Now: clk.Now}
			rule := ratelimit.Rule{Name: "register-phone", Limit: 10, Window: time.Hour}
			const key = "0912345678"

			// Alternating instances: the 11th event overall is refused.
			for i := 1; i <= 10; i++ {
				l := a
				if i%2 == 0 {
					l = c
				}
				if err := l.Allow(ctx, rule, key); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
			}
			for _, l := range []ratelimit.Limiter{a, c} {
				if err := l.Allow(ctx, rule, key); !errors.Is(err, ratelimit.ErrRateLimited) {
					t.Fatalf("event past the limit: %v, want ErrRateLimited", err)
				}
			}

			// Concurrently, in a fresh window and with a fresh key.
			clk.t = t0.Add(time.Hour)
			var ok, limited atomic.Int64
			var wg sync.WaitGroup
			for g := range 8 {
				l := a
				if g%2 == 1 {
					l = c
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 5 {
						err := l.Allow(ctx, rule, "0987654321")
						switch {
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
		})
	}
}

// Blocked and Fail count only failures: successes never lock the owner out,
// and once the failures reach the limit every attempt is refused until the
// window ends, on every instance.
func TestBlockedCountsOnlyFailures(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			ctx := context.Background()
			clk := &clock{t: t0}
			a := ratelimit.Limiter{Counters: s, Now: clk.Now}
			other := ratelimit.Limiter{Counters: s, Now: clk.Now}
			rule := ratelimit.Rule{Name: "passcode-fail", Limit: 3, Window: 15 * time.Minute}
			for range 20 { // successes: checked, never counted
				if err := a.Blocked(ctx, rule, "acc"); err != nil {
					t.Fatalf("blocked before any failure: %v", err)
				}
			}
			for i := 1; i <= 3; i++ {
				if err := a.Blocked(ctx, rule, "acc"); err != nil {
					t.Fatalf("blocked before failure %d: %v", i, err)
				}
				if err := a.Fail(ctx, rule, "acc"); err != nil {
					t.Fatalf("Fail %d: %v", i, err)
				}
			}
			for _, l := range []ratelimit.Limiter{a, other} {
				err := l.Blocked(ctx, rule, "acc")
				var f *failure.Error
				if !errors.As(err, &f) || f.Code != ratelimit.ErrRateLimited.Code || f.RetryAfter <= 0 {
					t.Fatalf("after 3 failures: %v, want ErrRateLimited with a retry time", err)
				}
			}
			if err := a.Blocked(ctx, rule, "another"); err != nil {
				t.Errorf("another key blocked: %v", err)
			}
			clk.t = t0.Add(15 * time.Minute)
			if err := a.Blocked(ctx, rule, "acc"); err != nil {
				t.Errorf("blocked in the next window: %v", err)
			}
		})
	}
}
