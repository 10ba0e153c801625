package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis keeps the counters in Redis (or a server speaking its protocol),
// for deployments where the database should not take a write per request.
// Every instance pointed at the same Redis shares the counts.
//
// When Redis cannot be reached, Redis counts in Fallback (the database)
// instead and logs once per outage: limits keep holding, across instances,
// at the database's cost; they never open. Counts made during an outage
// stay in the database, so for one window a key may be counted in both.
type Redis struct {
	client *redis.Client
	prefix string
	// Fallback counts while Redis is down; nil fails the call.
	fallback Counters
	log      *slog.Logger

	mu   sync.Mutex
	down bool
	// retryAt is when to try Redis again during an outage; until then
	// requests go straight to the fallback instead of waiting on Redis.
	retryAt time.Time
}

// retryEvery is how often Redis is tried again during an outage.
const retryEvery = 5 * time.Second

// RedisOptions configure NewRedis.
type RedisOptions struct {
	// URL is redis://[user:password@]host:port/db (or rediss:// for TLS).
	URL string
	// Prefix starts every key ("vneid:rl:" if empty).
	Prefix string
	// Fallback counts while Redis is unreachable (the store).
	Fallback Counters
	Logger   *slog.Logger
	// Timeout bounds each Redis call (250 ms if zero), so that a hung
	// Redis costs a request little before the fallback takes over.
	Timeout time.Duration
}

// NewRedis connects to Redis at o.URL. It does not wait for the server:
// an unreachable Redis at start is an outage like any other.
func NewRedis(o RedisOptions) (*Redis, error) {
	opt, err := redis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("ratelimit redis: %w", err)
	}
	if o.Timeout <= 0 {
		o.Timeout = 250 * time.Millisecond
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = o.Timeout, o.Timeout, o.Timeout
	opt.MaxRetries = -1 // the fallback is the retry
	opt.DialerRetries = 1
	if o.Prefix == "" {
		o.Prefix = "vneid:rl:"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Redis{client: redis.NewClient(opt), prefix: o.Prefix, fallback: o.Fallback, log: o.Logger}, nil
}

// Close closes the connections.
func (r *Redis) Close() error { return r.client.Close() }

// Prefix is the prefix of every key.
func (r *Redis) Prefix() string { return r.prefix }

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error { return r.client.Ping(ctx).Err() }

// hitScript adds one to the counter and makes it expire with its window,
// in one round trip and atomically.
var hitScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)

func (r *Redis) key(key string, windowStart time.Time) string {
	return r.prefix + key + ":" + strconv.FormatInt(windowStart.UnixMilli(), 10)
}

// Hit implements Counters.
// The key lives as long as the window from its first hit (its name holds
// the window's start), so that clocks of instances and Redis need not agree.
func (r *Redis) Hit(ctx context.Context, key string, windowStart, expires time.Time) (int64, error) {
	if r.skip() {
		return r.fallback.Hit(ctx, key, windowStart, expires)
	}
	ttl := max(expires.Sub(windowStart), time.Second)
	n, err := hitScript.Run(ctx, r.client, []string{r.key(key, windowStart)}, ttl.Milliseconds()).Int64()
	if err != nil {
		if r.fallback == nil || ctx.Err() != nil {
			return 0, fmt.Errorf("redis: %w", err)
		}
		r.outage(err)
		return r.fallback.Hit(ctx, key, windowStart, expires)
	}
	r.recovered()
	return n, nil
}

// CountHits implements Peeker.
func (r *Redis) CountHits(ctx context.Context, key string, windowStart time.Time) (int64, error) {
	if r.skip() {
		return r.fallbackCount(ctx, key, windowStart)
	}
	n, err := r.client.Get(ctx, r.key(key, windowStart)).Int64()
	if errors.Is(err, redis.Nil) {
		n, err = 0, nil
	}
	if err != nil {
		if r.fallback == nil || ctx.Err() != nil {
			return 0, fmt.Errorf("redis: %w", err)
		}
		r.outage(err)
		return r.fallbackCount(ctx, key, windowStart)
	}
	r.recovered()
	return n, nil
}

func (r *Redis) fallbackCount(ctx context.Context, key string, windowStart time.Time) (int64, error) {
	p, ok := r.fallback.(Peeker)
	if !ok {
		return 0, nil
	}
	return p.CountHits(ctx, key, windowStart)
}

// skip says Redis is known to be down and not due for another try.
func (r *Redis) skip() bool {
	if r.fallback == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.down && time.Now().Before(r.retryAt)
}

func (r *Redis) outage(err error) {
	r.mu.Lock()
	first := !r.down
	r.down, r.retryAt = true, time.Now().Add(retryEvery)
	r.mu.Unlock()
	if first {
		r.log.Warn("rate-limit counters: Redis unreachable, counting in the database", "err", err)
	}
}

func (r *Redis) recovered() {
	r.mu.Lock()
	was := r.down
	r.down = false
	r.mu.Unlock()
	if was {
		r.log.Info("rate-limit counters: Redis reachable again")
	}
}
