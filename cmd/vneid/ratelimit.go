package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/vneid/vneid/internal/config"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
)

// limitedStore is the store every service is built on in serve: its
// rate-limit counters are Redis's when rate_limit.redis is set (the
// database's otherwise, and while Redis is down), and it carries the
// configured rules, so that every limiter built on it (ratelimit.Limiter
// with the store as Counters) applies rate_limit.rules by name.
type limitedStore struct {
	store.Store
	counters ratelimit.Counters
	rules    ratelimit.Rules
}

// Hit counts rate-limit keys with the configured counters; every other
// key (a single-use marker: a login challenge, an authorization code, a QR
// approval) stays in the database until it expires, whatever the counters.
func (s limitedStore) Hit(ctx context.Context, key string, windowStart, expires time.Time) (int64, error) {
	if !ratelimit.IsCounterKey(key) {
		return s.Store.Hit(ctx, key, windowStart, expires)
	}
	return s.counters.Hit(ctx, key, windowStart, expires)
}

func (s limitedStore) CountHits(ctx context.Context, key string, windowStart time.Time) (int64, error) {
	if !ratelimit.IsCounterKey(key) {
		return s.Store.CountHits(ctx, key, windowStart)
	}
	return s.counters.(ratelimit.Peeker).CountHits(ctx, key, windowStart)
}

func (s limitedStore) ConfiguredRule(name string) (ratelimit.Rule, bool) {
	r, ok := s.rules[name]
	return r, ok
}

// sealKeyStore is a store that keeps the seal keys (sealBox looks for it).
type sealKeyStore interface {
	SealKeys(ctx context.Context, fresh []byte) (int, []sqlstore.SealKey, error)
}

// limitedSealStore is a limitedStore over a store that keeps seal keys: the
// wrapper must not hide the optional interfaces callers look for on the
// store (sealBox), so each one is forwarded here.
type limitedSealStore struct {
	limitedStore
	keys sealKeyStore
}

func (s limitedSealStore) SealKeys(ctx context.Context, fresh []byte) (int, []sqlstore.SealKey, error) {
	return s.keys.SealKeys(ctx, fresh)
}

// wrap returns l, with the store's optional interfaces forwarded.
func (l limitedStore) wrap() store.Store {
	if ks, ok := l.Store.(sealKeyStore); ok {
		return limitedSealStore{limitedStore: l, keys: ks}
	}
	return l
}

// withRateLimits returns st with the configured rate-limit rules and
// counters (see limitedStore), and a function that closes the Redis
// connections. Redis unreachable at start is not an error: counting falls
// back to the database until it answers.
func withRateLimits(ctx context.Context, cfg config.Config, st store.Store, log *slog.Logger) (store.Store, func(), error) {
	rules, err := cfg.RateLimitRules()
	if err != nil {
		return nil, nil, err
	}
	if cfg.RateLimit.Redis == "" {
		return limitedStore{Store: st, counters: st, rules: rules}.wrap(), func() {}, nil
	}
	r, err := ratelimit.NewRedis(ratelimit.RedisOptions{URL: cfg.RateLimit.Redis, Fallback: st, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := r.Ping(pctx); err != nil {
		log.Warn("rate-limit counters: Redis unreachable at start, counting in the database", "err", err)
	} else {
		log.Info("rate-limit counters in Redis")
	}
	return limitedStore{Store: st, counters: r, rules: rules}.wrap(), func() { _ = r.Close() }, nil
}
