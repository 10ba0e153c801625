// Package ratelimit provides fixed-window rate limits whose counters live in
// the database, so every server instance on the same database enforces the
// same limit.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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

// Limiter checks rules against shared counters.
type Limiter struct {
	Counters Counters
	Now      func() time.Time
}

// Allow counts one event for key under rule and returns ErrRateLimited (with
// the time until the window ends) once the limit is passed. Keys are hashed
// before they are stored, so counters hold no personal data.
func (l Limiter) Allow(ctx context.Context, rule Rule, key string) error {
	if rule.Limit <= 0 || rule.Window <= 0 {
		return nil
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	start := now.Truncate(rule.Window)
	sum := sha256.Sum256([]byte(key))
	n, err := l.Counters.Hit(ctx, rule.Name+":"+hex.EncodeToString(sum[:16]), start, start.Add(rule.Window))
	if err != nil {
		return fmt.Errorf("rate limit %s: %w", rule.Name, err)
	}
	if n > int64(rule.Limit) {
		return ErrRateLimited.WithRetryAfter(start.Add(rule.Window).Sub(now))
	}
	return nil
}
