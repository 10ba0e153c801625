// Package ratelimit provides fixed-window rate limits and lockouts whose
// counters live in the database (or in Redis, see Redis), so every server
// instance on the same database enforces the same limit, and rules that
// the operator may replace by name (Rules, Configured).
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/failure"
)

// Counters is the storage the limiter needs.
type Counters interface {
	// Hit adds one to the counter key for the window starting at
	// windowStart, kept until expires, and returns the new count.
	Hit(ctx context.Context, key string, windowStart, expires time.Time) (int64, error)
}

// Rule allows Limit events per Window for each key.
type Rule struct {
	Name   string        // e.g. "login-ip"
	Limit  int           // events per window; 0 disables the rule
	Window time.Duration // length of a window
}

// ErrRateLimited is returned when a rule's limit is reached.
var ErrRateLimited = failure.New("rate_limited", failure.RateLimited,
	"Bạn đã thử quá nhiều lần. Vui lòng thử lại sau.",
	"Too many attempts. Please try again later.")

// Rules are configured rules by name. A configured rule replaces the
// built-in rule of the same name wherever a limiter checks it.
type Rules map[string]Rule

// Configured is implemented by counters that carry the operator's rules
// (see WithRules), so that every limiter built on them applies the
// configured limits without each service being handed the configuration.
type Configured interface {
	// ConfiguredRule returns the configured rule named name, if any.
	ConfiguredRule(name string) (Rule, bool)
}

// Limiter checks rules against shared counters.
type Limiter struct {
	Counters Counters
	Now      func() time.Time
	// Rules, if set, replace built-in rules of the same name; so do the
	// rules of Counters that implement Configured (Rules win).
	Rules Rules
}

// Rule returns the rule in force for r: the configured one of r's name, or
// r itself.
func (l Limiter) Rule(r Rule) Rule {
	if c, ok := l.Rules[r.Name]; ok {
		return named(c, r.Name)
	}
	if c, ok := l.Counters.(Configured); ok {
		if cr, ok := c.ConfiguredRule(r.Name); ok {
			return named(cr, r.Name)
		}
	}
	return r
}

func named(r Rule, name string) Rule {
	r.Name = name
	return r
}

// Allow counts one event for key under rule and returns ErrRateLimited (with
// the time until the window ends) once the limit is passed. Keys are hashed
// before they are stored, so counters hold no personal data.
func (l Limiter) Allow(ctx context.Context, rule Rule, key string) error {
	rule = l.Rule(rule)
	if rule.Limit <= 0 || rule.Window <= 0 {
		return nil
	}
	now := l.now()
	start := now.Truncate(rule.Window)
	n, err := l.Counters.Hit(ctx, counterKey(rule, key), start, start.Add(rule.Window))
	if err != nil {
		return fmt.Errorf("rate limit %s: %w", rule.Name, err)
	}
	if n > int64(rule.Limit) {
		return ErrRateLimited.WithRetryAfter(start.Add(rule.Window).Sub(now))
	}
	return nil
}

// Peeker is implemented by counters that can be read without counting (the
// store does).
type Peeker interface {
	// CountHits returns the counter key for the window starting at
	// windowStart, 0 when there is none.
	CountHits(ctx context.Context, key string, windowStart time.Time) (int64, error)
}

// Blocked returns ErrRateLimited (with the time until the window ends) when
// key has already reached rule's limit in the current window, without
// counting an event. With Fail, it lets a rule count only failures: check
// Blocked before an attempt, call Fail after a failed one, so that the
// owner who gets it right is never counted. Counters that cannot be read
// are never blocked.
func (l Limiter) Blocked(ctx context.Context, rule Rule, key string) error {
	rule = l.Rule(rule)
	p, ok := l.Counters.(Peeker)
	if !ok || rule.Limit <= 0 || rule.Window <= 0 {
		return nil
	}
	now := l.now()
	start := now.Truncate(rule.Window)
	n, err := p.CountHits(ctx, counterKey(rule, key), start)
	if err != nil {
		return fmt.Errorf("rate limit %s: %w", rule.Name, err)
	}
	if n >= int64(rule.Limit) {
		return ErrRateLimited.WithRetryAfter(start.Add(rule.Window).Sub(now))
	}
	return nil
}

// Fail counts one failure for key under rule; see Blocked.
func (l Limiter) Fail(ctx context.Context, rule Rule, key string) error {
	err := l.Allow(ctx, rule, key)
	if f := failure.As(err); f != nil && f.Code == ErrRateLimited.Code {
		return nil // counted; Blocked refuses the next attempt
	}
	return err
}

func (l Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// CounterPrefix starts every key the limiter counts under, so that a
// store can tell rate-limit counters (which may live in Redis) from the
// single-use markers other callers keep with the same Hit method (which
// must stay in the database for their whole lifetime).
const CounterPrefix = "rl:"

// IsCounterKey reports whether key is a rate-limit counter's.
func IsCounterKey(key string) bool { return strings.HasPrefix(key, CounterPrefix) }

func counterKey(rule Rule, key string) string {
	sum := sha256.Sum256([]byte(key))
	return CounterPrefix + rule.Name + ":" + hex.EncodeToString(sum[:16])
}
