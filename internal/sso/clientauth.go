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

// ClientAuthFailPerClient counts wrong secrets per client ID (100 in 15
// minutes) to raise an alert in the log, not to refuse: secrets are
// 256-bit random strings, which no rate of guessing finds, and client IDs
// are public, so a lockout per client would only let anyone lock a relying
// party (the portal included) out of its token endpoint.
func ClientAuthFailPerClient() ratelimit.Rule {
	return ratelimit.Rule{Name: "client-auth-fail-client", Limit: 100, Window: 15 * time.Minute}
}

// checkClientSecret checks a client secret within the address lockout: an
// address locked out is refused (ErrRateLimited) before the secret is
// looked at; a wrong secret counts against the address, and against the
// client ID for the alert.
func (s *Service) checkClientSecret(ctx context.Context, ip, id string, check func() bool) (bool, error) {
	l := ratelimit.Limiter{Counters: s.st, Now: s.now}
	if err := l.Blocked(ctx, ClientAuthFailPerIP(), ip); err != nil {
		return false, failure.Unexpected(err)
	}
	if check() {
		return true, nil
	}
	if err := l.Fail(ctx, ClientAuthFailPerIP(), ip); err != nil {
		s.log.Warn("counting a failed client authentication failed", "rule", ClientAuthFailPerIP().Name, "err", err)
	}
	err := l.Allow(ctx, ClientAuthFailPerClient(), id)
	if f := failure.As(err); f != nil && f.Code == ratelimit.ErrRateLimited.Code {
		s.log.Warn("many failed client authentications for one relying party (someone may be guessing its secret)",
			"client", id, "rule", ClientAuthFailPerClient().Name)
	} else if err != nil {
		s.log.Warn("counting a failed client authentication failed", "rule", ClientAuthFailPerClient().Name, "err", err)
	}
	return false, nil
}
