package sso

import (
	"context"
	"time"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/ratelimit"
)

// ClientAuthFailPerIP locks an address out of client authentication (the
// token endpoint's client_secret_basic, the verification API's Basic auth)
// after 20 wrong client IDs or secrets in 15 minutes.
func ClientAuthFailPerIP() ratelimit.Rule {
	return ratelimit.Rule{Name: "client-auth-fail-ip", Limit: 20, Window: 15 * time.Minute}
}

// ClientAuthFailPerClient locks a client ID out after 100 wrong secrets in
// 15 minutes, from any address. Secrets are 256-bit random strings, which
// no rate of guessing finds; the limit is high because whoever knows a
// (public) client ID can spend it and lock the relying party out.
func ClientAuthFailPerClient() ratelimit.Rule {
	return ratelimit.Rule{Name: "client-auth-fail-client", Limit: 100, Window: 15 * time.Minute}
}

// checkClientSecret checks a client secret within the client-auth
// lockouts: an address or client ID locked out is refused (ErrRateLimited)
// before the secret is looked at; a wrong secret counts against both.
func (s *Service) checkClientSecret(ctx context.Context, ip, id string, check func() bool) (bool, error) {
	l := ratelimit.Limiter{Counters: s.st, Now: s.now}
	if err := l.Blocked(ctx, ClientAuthFailPerIP(), ip); err != nil {
		return false, failure.Unexpected(err)
	}
	if err := l.Blocked(ctx, ClientAuthFailPerClient(), id); err != nil {
		return false, failure.Unexpected(err)
	}
	if check() {
		return true, nil
	}
	for _, f := range []struct {
		rule ratelimit.Rule
		key  string
	}{{ClientAuthFailPerIP(), ip}, {ClientAuthFailPerClient(), id}} {
		if err := l.Fail(ctx, f.rule, f.key); err != nil {
			s.log.Warn("counting a failed client authentication failed", "rule", f.rule.Name, "err", err)
		}
	}
	return false, nil
}
