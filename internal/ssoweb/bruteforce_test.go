package ssoweb_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/sso"
)

const unknownID = "001190099999" // no account

// wantLockedPage checks a sign-in page refused by a rate limit or lockout:
// 429 with Retry-After within window and the limit's message.
func wantLockedPage(t *testing.T, p page, window time.Duration, what string) {
	t.Helper()
	if p.status != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429", what, p.status)
	}
	n, err := strconv.Atoi(p.header.Get("Retry-After"))
	if err != nil || n <= 0 || time.Duration(n)*time.Second > window {
		t.Fatalf("%s: Retry-After %q, want 1..%v seconds", what, p.header.Get("Retry-After"), window.Seconds())
	}
	if !strings.Contains(p.body, "Too many attempts") {
		t.Errorf("%s: the page does not say why", what)
	}
}

// TestBruteForceSignInPage: guessing passwords at the provider's sign-in
// page stops at login-fail-id, the right password is then refused too,
// and an unknown ID number gets the same pages all along; guessing SMS
// codes stops after the tries of a code and, across codes, at otp-fail-id.
func TestBruteForceSignInPage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.register("bank.test", sso.Registration{Scopes: []string{"profile"}, Levels: []int{1, 2}})
		cfg := account.DefaultConfig()
		authURL := e.issuer + "/authorize?" + url.Values{"client_id": {"bank.test"}, "redirect_uri": {e.cb},
			"response_type": {"code"}, "scope": {"openid profile"}, "state": {"s"}, "nonce": {"n"},
			"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUjFuXtNc"}, "code_challenge_method": {"S256"}}.Encode()
		b := e.browser()
		start := b.get(authURL)
		if start.url.Path != "/oidc/login" {
			t.Fatalf("authorize went to %s (%d)", start.url, start.status)
		}
		id := start.url.Query().Get("id")
		signIn := func(idNumber, pw string) page {
			return b.post("/oidc/login/password", url.Values{"id": {id}, "id_number": {idNumber}, "password": {pw}})
		}
		rule := cfg.LoginFailPerID
		for i := 1; i <= rule.Limit; i++ {
			known, unknown := signIn(level2ID, "Saimatkhau@"+strconv.Itoa(i)), signIn(unknownID, "Saimatkhau@"+strconv.Itoa(i))
			if known.status != http.StatusUnauthorized || unknown.status != known.status {
				t.Fatalf("guess %d: known %d, unknown %d; want 401 for both", i, known.status, unknown.status)
			}
			if strings.Replace(unknown.body, unknownID, level2ID, -1) != known.body {
				t.Fatalf("guess %d: the pages for a known and an unknown ID number differ", i)
			}
		}
		wantLockedPage(t, signIn(level2ID, "Saimatkhau@x"), rule.Window, "guess "+strconv.Itoa(rule.Limit+1))
		wantLockedPage(t, signIn(unknownID, "Saimatkhau@x"), rule.Window, "unknown ID, guess "+strconv.Itoa(rule.Limit+1))
		wantLockedPage(t, signIn(level2ID, password), rule.Window, "the right password while locked out")

		// SMS codes, for another citizen.
		guesses := 0
		for guesses < cfg.OTPFailPerID.Limit {
			p := signIn(level1ID, password)
			ticket := field(p.body, "ticket")
			if p.status != http.StatusOK || ticket == "" {
				t.Fatalf("sign-in after %d wrong codes: %d", guesses, p.status)
			}
			right := e.otp(phones[level1ID])
			wrong := "000000"
			if right == wrong {
				wrong = "111111"
			}
			for i := 1; i <= cfg.OTPMaxAttempts; i++ {
				guesses++
				p := b.post("/oidc/login/otp", url.Values{"id": {id}, "ticket": {ticket}, "code": {wrong}})
				if p.status != http.StatusBadRequest && p.status != http.StatusForbidden {
					t.Fatalf("code guess %d: status %d", guesses, p.status)
				}
			}
		}
		p := signIn(level1ID, password)
		ticket := field(p.body, "ticket")
		if ticket == "" {
			t.Fatalf("sign-in after %d wrong codes: %d", guesses, p.status)
		}
		p = b.post("/oidc/login/otp", url.Values{"id": {id}, "ticket": {ticket}, "code": {e.otp(phones[level1ID])}})
		wantLockedPage(t, p, cfg.OTPFailPerID.Window, "the right code after "+strconv.Itoa(guesses)+" wrong ones")
	})
}

// TestBruteForceTokenEndpointSecret: wrong client secrets at the token
// endpoint (client_secret_basic) lock the address out at
// client-auth-fail-ip; then the right secret is refused as invalid_client
// too, instead of reaching the grant.
func TestBruteForceTokenEndpointSecret(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		reg := e.register("bank.test", sso.Registration{Scopes: []string{"profile", sso.ScopeOffline}, Levels: []int{1, 2}})
		token := func(secret string) (int, string) {
			// The refresh grant authenticates the client before it looks
			// at the token (the code grant looks at the code first).
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"no-such-token"}}
			req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("bank.test", secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct {
				Error string `json:"error"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out.Error
		}
		if _, got := token(reg.Secret); got != "invalid_grant" {
			t.Fatalf("right secret, unknown token: %q, want invalid_grant", got)
		}
		rule := sso.ClientAuthFailPerIP()
		for i := 1; i <= rule.Limit; i++ {
			if _, got := token("wrong-" + strconv.Itoa(i)); got != "invalid_client" {
				t.Fatalf("guess %d: %q, want invalid_client", i, got)
			}
		}
		if _, got := token(reg.Secret); got != "invalid_client" {
			t.Fatalf("right secret after %d wrong ones: %q, want invalid_client (locked out)", rule.Limit, got)
		}
	})
}
