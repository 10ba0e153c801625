package ssoweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vneid/vneid/internal/sso"
)

// TestFormsNeedCSRFToken: every form of the sign-in pages posts back the
// token of the page it was shown on, bound to the authorization request and
// the browser's session cookie; without it, or with another one, the post
// is refused with the error page before anything is done.
func TestFormsNeedCSRFToken(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		reg := e.register("csrf.test", sso.Registration{Scopes: []string{"profile"}})
		conf := oauth2.Config{ClientID: "csrf.test", ClientSecret: reg.Secret, RedirectURL: e.cb,
			Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize"}, Scopes: []string{"openid", "profile"}}
		refused := func(what string, p page) {
			t.Helper()
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "Biểu mẫu không hợp lệ") ||
				!strings.Contains(p.body, "The form is invalid") || strings.Contains(p.body, `name="csrf"`) {
				t.Fatalf("%s: %d at %s: %.400s", what, p.status, p.url, p.body)
			}
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") ||
				p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("%s: security headers %v", what, p.header)
			}
		}

		other := e.browser()
		op := other.get(conf.AuthCodeURL("o"))
		otherToken := field(op.body, "csrf")

		b := e.browser()
		p := b.get(conf.AuthCodeURL("c"))
		id, token := p.url.Query().Get("id"), field(p.body, "csrf")
		if p.url.Path != "/oidc/login" || token == "" || otherToken == "" || token == otherToken {
			t.Fatalf("sign-in page tokens %q %q at %s: %.300s", token, otherToken, p.url, p.body)
		}
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") ||
			p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("sign-in page security headers %v", p.header)
		}
		creds := func(csrf ...string) url.Values {
			return url.Values{"id": {id}, "id_number": {level2ID}, "password": {password}, "csrf": csrf}
		}
		refused("password without a token", b.post("/oidc/login/password", creds("")))
		refused("password with a wrong token", b.post("/oidc/login/password", creds(token[:len(token)-2]+"xx")))
		refused("password with another request's token", b.post("/oidc/login/password", creds(otherToken)))
		p = b.post("/oidc/login/password", creds(token))
		ticket := field(p.body, "ticket")
		if p.status != http.StatusOK || ticket == "" || field(p.body, "csrf") != token {
			t.Fatalf("password with the token: %d %.300s", p.status, p.body)
		}

		code := e.otp(phones[level2ID])
		otp := func(csrf ...string) url.Values {
			return url.Values{"id": {id}, "ticket": {ticket}, "code": {code}, "csrf": csrf}
		}
		refused("code without a token", b.post("/oidc/login/otp", otp("")))
		refused("code with another request's token", b.post("/oidc/login/otp", otp(otherToken)))
		p = b.post("/oidc/login/otp", otp(token))
		consentToken := field(p.body, "csrf")
		if !strings.Contains(p.body, "Xác nhận chia sẻ") || consentToken == "" || consentToken == token {
			t.Fatalf("no consent screen with its own token (%q): %.300s", consentToken, p.body)
		}

		decide := func(csrf ...string) url.Values {
			return url.Values{"id": {id}, "decision": {"approve"}, "csrf": csrf}
		}
		refused("consent without a token", b.post("/oidc/consent", decide("")))
		// The sign-in page's token was for the browser without a session.
		refused("consent with the sign-in page's token", b.post("/oidc/consent", decide(token)))
		refused("consent with a wrong token", b.post("/oidc/consent", decide("AAAA")))
		p = b.post("/oidc/consent", decide(consentToken))
		e.codeAt(p, "c")
	})
}
