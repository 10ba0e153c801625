package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseRule reads a rule written "N/DURATION" ("10/15m"); "0/1m" disables
// the rule.
func ParseRule(name, spec string) (Rule, error) {
	n, per, ok := strings.Cut(spec, "/")
	limit, err1 := strconv.Atoi(strings.TrimSpace(n))
	window, err2 := time.ParseDuration(strings.TrimSpace(per))
	if !ok || err1 != nil || err2 != nil || limit < 0 || window <= 0 {
		return Rule{}, fmt.Errorf("rate limit %s = %q: want N/DURATION such as 10/15m", name, spec)
	}
	return Rule{Name: name, Limit: limit, Window: window}, nil
}

// String writes r as ParseRule reads it.
func (r Rule) String() string {
	return strconv.Itoa(r.Limit) + "/" + r.Window.String()
}

// WithRules returns counters that count with c and carry rules (see
// Configured). It reads without counting when c does (Peeker).
func WithRules(c Counters, rules Rules) Counters {
	return configured{c: c, rules: rules}
}

type configured struct {
	c     Counters
	rules Rules
}

func (c configured) Hit(ctx context.Context, key string, windowStart, expires time.Time) (int64, error) {
	return c.c.Hit(ctx, key, windowStart, expires)
}

func (c configured) CountHits(ctx context.Context, key string, windowStart time.Time) (int64, error) {
	p, ok := c.c.(Peeker)
	if !ok {
		return 0, nil
	}
	return p.CountHits(ctx, key, windowStart)
}

func (c configured) ConfiguredRule(name string) (Rule, bool) {
	r, ok := c.rules[name]
	return r, ok
}
