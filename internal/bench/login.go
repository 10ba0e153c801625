package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vneid/vneid/internal/appclient"
)

// Bounds of a Login run.
const (
	// MaxDuration is the longest Login run.
	MaxDuration = time.Hour
	// MaxConcurrency is the most concurrent clients of a Login run.
	MaxConcurrency = 256
	// MaxLoginOps is the most logins one Login run makes.
	MaxLoginOps = 1_000_000
)

// checkLoopback refuses a base URL whose host is not on the loopback
// interface: the load tools are for a server on the same machine, never for
// someone else's.
func checkLoopback(baseURL string) error {
	u, err := url.Parse(baseURL)
	if err != nil {
		return fmt.Errorf("bench: server URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("bench: server URL %q: want http:// or https://", baseURL)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("bench: server URL %q is not on the loopback interface (localhost, 127.0.0.0/8, ::1); load tests run only against a local server", baseURL)
}

// Login drives complete app logins against the server at baseURL for about
// duration: concurrency clients (1 if less) each repeatedly get a login
// challenge, sign it with the account's device key and log in with the
// password, taking the accounts in turn (client i uses accounts i,
// i+concurrency, …). A login's latency covers both requests. No login starts
// after duration has passed or once MaxLoginOps have started; those in flight
// finish, and Result.Duration is the whole wall time.
//
// baseURL must be on the loopback interface, duration at most MaxDuration and
// concurrency at most MaxConcurrency. The server's default login limits
// ("login-ip" 60 a minute, "login-id" 10 per 15 minutes) stop a load test at
// once, so it must run with them raised or off: Login stops at the first 429
// and returns what it measured with an error wrapping ErrRateLimited. Other
// failed logins count in Result.Errors; if none succeeds Login also returns
// the first failure. When ctx ends Login returns what it measured with ctx's
// error.
func Login(ctx context.Context, baseURL string, accounts []Credential, duration time.Duration, concurrency int) (Result, error) {
	if err := checkLoopback(baseURL); err != nil {
		return Result{}, err
	}
	if len(accounts) == 0 {
		return Result{}, errors.New("bench: login: no accounts to log in with")
	}
	for i, a := range accounts {
		if a.Device == nil || a.Device.Key == nil || a.IDNumber == "" {
			return Result{}, fmt.Errorf("bench: login: account %d has no ID number or device", i)
		}
	}
	if duration <= 0 || duration > MaxDuration {
		return Result{}, fmt.Errorf("bench: login: duration %s out of range (0, %s]", duration, MaxDuration)
	}
	concurrency = max(concurrency, 1)
	if concurrency > MaxConcurrency {
		return Result{}, fmt.Errorf("bench: login: concurrency %d above %d", concurrency, MaxConcurrency)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = concurrency * 2
	tr.MaxIdleConnsPerHost = concurrency * 2
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var (
		started atomic.Int64
		errs    atomic.Int64
		stop    atomic.Bool
		wg      sync.WaitGroup
		mu      sync.Mutex
		total   histogram
		first   error
		limited error
	)
	fail := func(err error, rateLimited bool) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
		if rateLimited && limited == nil {
			limited = err
			stop.Store(true)
		}
	}
	start := time.Now()
	deadline := start.Add(duration)
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := new(histogram)
			for k := w; !stop.Load() && ctx.Err() == nil && time.Now().Before(deadline) && started.Add(1) <= MaxLoginOps; k += concurrency {
				cred := accounts[k%len(accounts)]
				c := &appclient.Client{BaseURL: baseURL, HTTP: hc, Device: cred.Device}
				t0 := time.Now()
				acc, err := c.Login(ctx, cred.IDNumber, cred.Password)
				d := time.Since(t0)
				if err == nil && (acc.IDNumber != cred.IDNumber || c.Token == "") {
					err = fmt.Errorf("logged in as %q with token %t, want %s", acc.IDNumber, c.Token != "", cred.IDNumber)
				}
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					errs.Add(1)
					var p *appclient.Problem
					if errors.As(err, &p) && p.Status == http.StatusTooManyRequests {
						fail(fmt.Errorf("%w (login-ip, login-id): %s: %v", ErrRateLimited, cred.IDNumber, err), true)
					} else {
						fail(fmt.Errorf("login %s: %w", cred.IDNumber, err), false)
					}
					continue
				}
				h.record(d)
			}
			mu.Lock()
			total.merge(h)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := total.result(int(errs.Load()), time.Since(start))
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("bench: login: %w", ctx.Err())
	case limited != nil:
		return res, fmt.Errorf("bench: login: after %d logins: %w", res.Ops, limited)
	case res.Ops == 0 && first != nil:
		return res, fmt.Errorf("bench: login: every login failed, the first with: %w", first)
	}
	return res, nil
}
