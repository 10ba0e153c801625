package ssoweb_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/store"
)

// A citizen who registers in the app during a test (the other citizens of
// the population have accounts made directly in the store).
const (
	appID       = "001195000444"
	appPhone    = "+84912000004"
	appFullName = "Đặng Quốc Huy"
	appBirth    = "1995-03-15"
)

func init() { phones[appID] = appPhone }

// appCitizen registers appID through the app API (card QR, SMS code,
// password), gives the account e-ID level 2 and logs the app in. It uses
// one of the phone's five SMS codes of the day.
func (e *env) appCitizen() (*appclient.Client, string) {
	e.t.Helper()
	ctx := context.Background()
	today := identity.DateOf(time.Now())
	cit := registry.Citizen{ID: appID, FullName: appFullName, DateOfBirth: d(appBirth), Gender: identity.Male,
		PermanentAddress: registry.Address{HouseNumber: "Số 7", Street: "Đường Trần Phú", Commune: "Phường Điện Biên",
			District: "Quận Ba Đình", Province: "Thành phố Hà Nội"}, LifeStatus: registry.Alive,
		Cards: []registry.IDCard{{Number: appID, Chip: true, IssueDate: d("2022-01-20"), ExpiryDate: today.AddYears(5), Status: registry.CardValid}}}
	if err := e.st.UpsertCitizens(ctx, []registry.Citizen{cit}); err != nil {
		e.t.Fatal(err)
	}
	dev, err := appclient.NewDevice("Test phone", "android")
	if err != nil {
		e.t.Fatal(err)
	}
	app := &appclient.Client{BaseURL: e.url, Device: dev}
	reg, err := app.Start(ctx, appID, appPhone)
	if err != nil {
		e.t.Fatalf("start: %v", err)
	}
	if _, err := app.SubmitQR(ctx, reg, cccd.FromCard(cit, cit.Cards[0]).String()); err != nil {
		e.t.Fatalf("qr: %v", err)
	}
	if _, err := app.Confirm(ctx, reg); err != nil {
		e.t.Fatalf("confirm: %v", err)
	}
	if err := app.VerifyOTP(ctx, reg, e.otp(appPhone)); err != nil {
		e.t.Fatalf("verify otp: %v", err)
	}
	acc, err := app.SetPassword(ctx, reg, password)
	if err != nil {
		e.t.Fatalf("set password: %v", err)
	}
	err = e.st.UpdateEID(ctx, acc.ID, store.EIDUpdate{From: store.EIDNone, To: store.EIDActive, Level: 2, At: time.Now()})
	if err != nil {
		e.t.Fatalf("e-ID level: %v", err)
	}
	if _, err := app.Login(ctx, appID, password); err != nil {
		e.t.Fatalf("app login: %v", err)
	}
	return app, acc.ID
}

// problemCode returns the code of an API problem, or "" with the error.
func problemCode(err error) string {
	var p *appclient.Problem
	if errors.As(err, &p) {
		return p.Code
	}
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return "(no error)"
}

// rpBrowser stops at any page outside the provider (several relying
// parties).
func (e *env) rpBrowser() *browser {
	b := e.browser()
	b.hc.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), e.url+"/") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return b
}

// authorize follows an authorization URL with a signed-in browser and
// approves the consent screen if shown.
func (b *browser) authorize(u string) page {
	b.e.t.Helper()
	p := b.get(u)
	if strings.Contains(p.body, "Xác nhận chia sẻ") {
		p = b.post("/oidc/consent", url.Values{"id": {p.url.Query().Get("id")}, "decision": {"approve"}})
	}
	return p
}

// codeAt returns the code of a page stopped at the callback.
func (e *env) codeAt(p page, state string) string {
	e.t.Helper()
	if !strings.HasPrefix(p.url.String(), e.cb) || p.url.Query().Get("code") == "" || p.url.Query().Get("state") != state {
		e.t.Fatalf("no code for state %q: stopped at %s (%d): %.300s", state, p.url, p.status, p.body)
	}
	return p.url.Query().Get("code")
}

// authURL builds an authorization URL for the env's callback; kv are
// extra or replaced parameters.
func (e *env) authURL(clientID string, kv ...string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {e.cb}, "scope": {"openid"}, "state": {"st"}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return e.issuer + "/authorize?" + q.Encode()
}

type endpoints struct {
	Token         string `json:"token_endpoint"`
	Userinfo      string `json:"userinfo_endpoint"`
	Introspection string `json:"introspection_endpoint"`
	Revocation    string `json:"revocation_endpoint"`
	EndSession    string `json:"end_session_endpoint"`
	PAR           string `json:"pushed_authorization_request_endpoint"`
	JWKS          string `json:"jwks_uri"`
}

func (e *env) endpoints() endpoints {
	e.t.Helper()
	resp, err := http.Get(e.issuer + "/.well-known/openid-configuration")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var ep endpoints
	if err := json.NewDecoder(resp.Body).Decode(&ep); err != nil || ep.Token == "" || ep.Introspection == "" || ep.Revocation == "" || ep.PAR == "" {
		e.t.Fatalf("discovery: %+v, %v", ep, err)
	}
	return ep
}

func (e *env) provider() *oidc.Provider {
	e.t.Helper()
	p, err := oidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// conf is an x/oauth2 configuration of a client_secret_basic client.
func (e *env) conf(clientID, secret string, scopes ...string) oauth2.Config {
	return oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: e.cb, Scopes: append([]string{oidc.ScopeOpenID}, scopes...),
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
}

// post sends a form to an endpoint, with HTTP Basic client authentication
// when id is set, and returns the status and the body.
func (e *env) post(u string, form url.Values, id, secret string) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// idClaims are the ID token's claims the tests look at.
type idClaims struct {
	Nonce    string   `json:"nonce"`
	ACR      string   `json:"acr"`
	AMR      []string `json:"amr"`
	SID      string   `json:"sid"`
	AuthTime int64    `json:"auth_time"`
}

// verify checks an ID token with go-oidc and returns it with its claims.
func (e *env) verify(p *oidc.Provider, cfg *oidc.Config, raw string) (*oidc.IDToken, idClaims) {
	e.t.Helper()
	idt, err := p.Verifier(cfg).Verify(context.Background(), raw)
	if err != nil {
		e.t.Fatalf("ID token: %v", err)
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		e.t.Fatal(err)
	}
	return idt, c
}

func userinfoWorks(p *oidc.Provider, access string) error {
	_, err := p.UserInfo(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: access, TokenType: "Bearer"}))
	return err
}

// TestQRLoginApproved: the browser shows the QR code, the app approves it
// with the password, the page's next poll signs the browser in; a wrong
// password, a second approval and a replaced code are refused.
func TestQRLoginApproved(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		app, accountID := e.appCitizen()
		reg := e.register("qr.test", sso.Registration{Scopes: []string{"profile"}})
		provider := e.provider()
		conf := e.conf("qr.test", reg.Secret, "profile")
		verifier := oauth2.GenerateVerifier()
		b := e.browser()
		p := b.get(conf.AuthCodeURL("q", oauth2.S256ChallengeOption(verifier), oidc.Nonce("qr-nonce"), oauth2.SetAuthURLParam("acr_values", "LoA2")))
		id := p.url.Query().Get("id")
		if p.url.Path != "/oidc/login" || id == "" {
			t.Fatalf("no sign-in page: %s", p.url)
		}
		qrPage := e.url + "/oidc/login/qr?id=" + url.QueryEscape(id)
		old := b.get(qrPage).header.Get("X-VNeID-QR")
		if !strings.HasPrefix(old, sso.QRPrefix) {
			t.Fatalf("QR payload %q", old)
		}

		// A wrong password approves nothing.
		if _, err := app.ApproveLogin(ctx, old, "Sai@MatKhau99"); problemCode(err) != "invalid_credentials" {
			t.Fatalf("approval with a wrong password: %v", err)
		}
		if p := b.get(qrPage); p.status != http.StatusOK || p.url.Path != "/oidc/login/qr" || p.header.Get("X-VNeID-QR") != old {
			t.Fatalf("after a refused approval the page went to %s (%d), QR %q", p.url, p.status, p.header.Get("X-VNeID-QR"))
		}

		// A renewed code replaces the old one.
		payload := b.get(qrPage + "&renew=1").header.Get("X-VNeID-QR")
		if payload == old || !strings.HasPrefix(payload, sso.QRPrefix) {
			t.Fatalf("renewed QR %q (old %q)", payload, old)
		}
		if _, err := app.ApproveLogin(ctx, old, password); problemCode(err) != "sso_qr_invalid" {
			t.Fatalf("the replaced QR code: %v", err)
		}

		appr, err := app.ApproveLogin(ctx, payload, password)
		if err != nil {
			t.Fatalf("approve: %v", err)
		}
		if !appr.Approved || appr.ClientID != "qr.test" || appr.Level != 2 || !slices.Contains(appr.Claims, "name") || appr.ClientName["vi"] == "" {
			t.Errorf("approval = %+v", appr)
		}
		if _, err := app.ApproveLogin(ctx, payload, password); problemCode(err) != "sso_qr_invalid" {
			t.Fatalf("second approval of the same QR: %v", err)
		}

		// The page's next poll signs the browser in and continues to the
		// consent screen.
		p = b.get(qrPage)
		if p.url.Path != "/oidc/continue" || !strings.Contains(p.body, "Xác nhận chia sẻ") {
			t.Fatalf("poll after approval: %s (%d): %.300s", p.url, p.status, p.body)
		}
		if _, err := app.ApproveLogin(ctx, payload, password); problemCode(err) != "sso_qr_invalid" {
			t.Fatalf("approval of a used QR: %v", err)
		}
		p = b.post("/oidc/consent", url.Values{"id": {id}, "decision": {"approve"}})
		tok, err := conf.Exchange(ctx, e.codeAt(p, "q"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, claims := e.verify(provider, &oidc.Config{ClientID: "qr.test"}, raw)
		if strings.Join(claims.AMR, " ") != "swk pwd mfa" || claims.ACR != "LoA2" || claims.Nonce != "qr-nonce" || claims.SID == "" {
			t.Errorf("ID token claims = %+v", claims)
		}
		cl, err := e.sso.Client(ctx, "qr.test")
		if err != nil {
			t.Fatal(err)
		}
		if idt.Subject != e.sso.Subject(cl, accountID) {
			t.Errorf("subject %q is not the app citizen's", idt.Subject)
		}
		if err := userinfoWorks(provider, tok.AccessToken); err != nil {
			t.Errorf("userinfo: %v", err)
		}
	})
}

// clientAssertion signs a private_key_jwt client assertion.
func clientAssertion(t *testing.T, key crypto.Signer, alg jose.SignatureAlgorithm, kid, clientID string, aud any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	payload, _ := json.Marshal(map[string]any{"iss": clientID, "sub": clientID, "aud": aud, "jti": rand.Text(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPrivateKeyJWT: clients that authenticate with a signed assertion and
// get ES256 or EdDSA ID tokens.
func TestPrivateKeyJWT(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecKey2, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	strangerKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		provider := e.provider()
		ep := e.endpoints()
		var meta map[string]any
		if err := provider.Claims(&meta); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"token_endpoint_auth_signing_alg_values_supported", "request_object_signing_alg_values_supported"} {
			if v, _ := meta[k].([]any); !slices.Contains(v, any("ES256")) || slices.Contains(v, any("EdDSA")) {
				t.Errorf("discovery %s = %v", k, meta[k])
			}
		}
		if v, _ := meta["id_token_signing_alg_values_supported"].([]any); !slices.Contains(v, any("ES256")) || !slices.Contains(v, any("EdDSA")) {
			t.Errorf("discovery id_token_signing_alg_values_supported = %v", v)
		}

		// The library verifies client assertions with RS256, ES256 and
		// PS256 only: an Ed25519 client key is refused at registration
		// rather than failing every token request.
		_, err := e.sso.RegisterClient(ctx, "officer:admin", "edkey.test", sso.Registration{Name: "x", Purpose: "x",
			RedirectURIs: []string{e.cb}, AuthMethod: sso.AuthPrivateKeyJWT,
			JWKS: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: edKey.Public(), KeyID: "ed", Algorithm: "EdDSA", Use: "sig"}}}})
		if !errors.Is(err, sso.ErrInvalidRegistration) {
			t.Errorf("Ed25519 client key: %v", err)
		}

		b := e.browser()
		for i, c := range []struct {
			id  string
			alg jose.SignatureAlgorithm // of the ID tokens
			key crypto.Signer           // the client's assertion key (ES256)
		}{{"es.test", jose.ES256, ecKey}, {"ed.test", jose.EdDSA, ecKey2}} {
			t.Run(string(c.alg), func(t *testing.T) {
				kid := c.id + "-k1"
				e.register(c.id, sso.Registration{AuthMethod: sso.AuthPrivateKeyJWT, IDTokenAlg: string(c.alg), Scopes: []string{"profile"},
					JWKS: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: c.key.Public(), KeyID: kid, Algorithm: "ES256", Use: "sig"}}}})
				verifier := oauth2.GenerateVerifier()
				u := e.authURL(c.id, "scope", "openid profile", "nonce", "n-"+c.id, "state", "s-"+c.id,
					"code_challenge", oauth2.S256ChallengeFromVerifier(verifier), "code_challenge_method", "S256")
				var p page
				if i == 0 {
					p = b.signIn(u, level2ID)
				} else {
					p = b.authorize(u) // the session of the first login
				}
				code := e.codeAt(p, "s-"+c.id)
				form := func(assertion string) url.Values {
					f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {e.cb}, "code_verifier": {verifier},
						"client_id": {c.id}}
					if assertion != "" {
						f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
						f.Set("client_assertion", assertion)
					}
					return f
				}
				exchange := func(f url.Values) (int, tokenResponse) {
					status, body := e.post(ep.Token, f, "", "")
					var tr tokenResponse
					_ = json.Unmarshal(body, &tr)
					return status, tr
				}

				// Refusals leave the code usable: no assertion, a key the
				// client did not register, another audience.
				if status, tr := exchange(form("")); status/100 == 2 || tr.Error == "" {
					t.Errorf("no assertion: %d %+v", status, tr)
				}
				if status, tr := exchange(form(clientAssertion(t, strangerKey, jose.ES256, kid, c.id, e.issuer))); status/100 == 2 || tr.AccessToken != "" {
					t.Errorf("assertion signed by an unknown key: %d %+v", status, tr)
				}
				if status, tr := exchange(form(clientAssertion(t, c.key, jose.ES256, kid, c.id, "https://other.example"))); status/100 == 2 || tr.AccessToken != "" {
					t.Errorf("assertion for another audience: %d %+v", status, tr)
				}

				status, tr := exchange(form(clientAssertion(t, c.key, jose.ES256, kid, c.id, e.issuer)))
				if status != http.StatusOK || tr.IDToken == "" {
					t.Fatalf("token: %d %+v", status, tr)
				}
				jws, err := jose.ParseSigned(tr.IDToken, []jose.SignatureAlgorithm{c.alg})
				if err != nil {
					t.Fatalf("ID token alg: %v", err)
				}
				if jws.Signatures[0].Header.KeyID == "" {
					t.Error("ID token without kid")
				}
				if _, err := provider.Verifier(&oidc.Config{ClientID: c.id, SupportedSigningAlgs: []string{oidc.RS256}}).Verify(ctx, tr.IDToken); err == nil {
					t.Errorf("an RS256-only verifier accepted the %s token", c.alg)
				}
				idt, claims := e.verify(provider, &oidc.Config{ClientID: c.id, SupportedSigningAlgs: []string{string(c.alg)}}, tr.IDToken)
				if claims.Nonce != "n-"+c.id || claims.ACR != "LoA2" || idt.Subject == "" {
					t.Errorf("claims = %+v", claims)
				}
				if err := userinfoWorks(provider, tr.AccessToken); err != nil {
					t.Errorf("userinfo: %v", err)
				}
			})
		}
	})
}

// TestPAR: pushed authorization requests.
func TestPAR(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ep := e.endpoints()
		reg := e.register("par.test", sso.Registration{Scopes: []string{"profile"}})
		strict := e.register("strict.test", sso.Registration{Scopes: []string{"profile"}, RequirePAR: true})
		params := func(clientID, state, verifier string) url.Values {
			return url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {e.cb}, "scope": {"openid profile"},
				"state": {state}, "nonce": {"n-" + state}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
				"code_challenge_method": {"S256"}}
		}
		push := func(id, secret string, form url.Values) (int, string, map[string]any) {
			t.Helper()
			status, body := e.post(ep.PAR, form, id, secret)
			var out map[string]any
			_ = json.Unmarshal(body, &out)
			uri, _ := out["request_uri"].(string)
			return status, uri, out
		}
		authAt := func(clientID, uri string) string {
			return e.issuer + "/authorize?" + url.Values{"client_id": {clientID}, "request_uri": {uri}}.Encode()
		}

		verifier := oauth2.GenerateVerifier()
		status, uri, out := push("par.test", reg.Secret, params("par.test", "p1", verifier))
		if status != http.StatusCreated || !strings.HasPrefix(uri, sso.RequestURIPrefix) || out["expires_in"] == nil {
			t.Fatalf("push: %d %v", status, out)
		}
		b := e.browser()
		p := b.signIn(authAt("par.test", uri), level2ID)
		conf := e.conf("par.test", reg.Secret, "profile")
		tok, err := conf.Exchange(ctx, e.codeAt(p, "p1"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		if _, claims := e.verify(e.provider(), &oidc.Config{ClientID: "par.test"}, raw); claims.Nonce != "n-p1" {
			t.Errorf("nonce of the pushed request = %q", claims.Nonce)
		}

		// The request_uri works once.
		if p := b.get(authAt("par.test", uri)); p.status != http.StatusBadRequest || strings.HasPrefix(p.url.String(), e.rp.URL) {
			t.Errorf("request_uri used twice: %d at %s", p.status, p.url)
		}

		// Another client cannot use it, nor spend it.
		_, uri2, _ := push("par.test", reg.Secret, params("par.test", "p2", verifier))
		if p := e.browser().get(authAt("strict.test", uri2)); p.status != http.StatusBadRequest || p.url.Path == "/oidc/login" {
			t.Errorf("another client's request_uri: %d at %s", p.status, p.url)
		}
		if p := e.browser().get(authAt("par.test", uri2)); p.url.Path != "/oidc/login" {
			t.Errorf("the request_uri tried by another client: %d at %s", p.status, p.url)
		}

		// A client that must push gets through by pushing.
		verifier = oauth2.GenerateVerifier()
		status, uri, out = push("strict.test", strict.Secret, params("strict.test", "p3", verifier))
		if status != http.StatusCreated {
			t.Fatalf("push strict: %d %v", status, out)
		}
		p = b.authorize(authAt("strict.test", uri))
		sconf := e.conf("strict.test", strict.Secret, "profile")
		if _, err := sconf.Exchange(ctx, e.codeAt(p, "p3"), oauth2.VerifierOption(verifier)); err != nil {
			t.Fatal(err)
		}

		// A confidential client must authenticate to push.
		if status, _, out := push("", "", params("par.test", "p4", verifier)); status != http.StatusUnauthorized || out["error"] != "invalid_client" {
			t.Errorf("unauthenticated push: %d %v", status, out)
		}
		if status, _, out := push("par.test", "wrong", params("par.test", "p5", verifier)); status != http.StatusUnauthorized {
			t.Errorf("push with a wrong secret: %d %v", status, out)
		}
		// A private_key_jwt client pushes with its assertion (the audience
		// is the issuer).
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		e.register("parjwt.test", sso.Registration{Scopes: []string{"profile"}, AuthMethod: sso.AuthPrivateKeyJWT,
			JWKS: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"}}}})
		jf := params("parjwt.test", "p7", verifier)
		jf.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		jf.Set("client_assertion", clientAssertion(t, key, jose.ES256, "k1", "parjwt.test", e.issuer))
		if status, uri, out := push("", "", jf); status != http.StatusCreated || uri == "" {
			t.Errorf("push with a client assertion: %d %v", status, out)
		}
		jf.Set("client_assertion", clientAssertion(t, key, jose.ES256, "k1", "parjwt.test", "https://elsewhere.example"))
		if status, _, out := push("", "", jf); status != http.StatusUnauthorized {
			t.Errorf("push with an assertion for another audience: %d %v", status, out)
		}

		// A pushed request is checked in full.
		bad := params("par.test", "p6", verifier)
		bad.Set("scope", "openid portrait")
		if status, _, out := push("par.test", reg.Secret, bad); status != http.StatusBadRequest || out["error"] != "invalid_scope" {
			t.Errorf("push beyond the agreement: %d %v", status, out)
		}
	})
}

// signJWT signs claims as a compact JWS.
func signJWT(t *testing.T, key any, alg jose.SignatureAlgorithm, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRequestObject: a signed request object (the request parameter).
func TestRequestObject(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		reg := e.register("jar.test", sso.Registration{Scopes: []string{"profile"},
			JWKS: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "jar-1", Algorithm: "RS256", Use: "sig"}}}})
		verifier := oauth2.GenerateVerifier()
		now := time.Now()
		claims := map[string]any{"iss": "jar.test", "aud": e.issuer, "client_id": "jar.test", "response_type": "code",
			"redirect_uri": e.cb, "scope": "openid profile", "state": "jar-state", "nonce": "jar-nonce",
			"code_challenge": oauth2.S256ChallengeFromVerifier(verifier), "code_challenge_method": "S256",
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": rand.Text()}
		obj := signJWT(t, key, jose.RS256, "jar-1", claims)
		at := func(obj string) string {
			return e.issuer + "/authorize?" + url.Values{"client_id": {"jar.test"}, "response_type": {"code"}, "scope": {"openid"}, "request": {obj}}.Encode()
		}
		p := e.browser().signIn(at(obj), level2ID)
		conf := e.conf("jar.test", reg.Secret, "profile")
		tok, err := conf.Exchange(ctx, e.codeAt(p, "jar-state"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		if _, c := e.verify(e.provider(), &oidc.Config{ClientID: "jar.test"}, raw); c.Nonce != "jar-nonce" {
			t.Errorf("nonce = %q", c.Nonce)
		}

		// A request object changed after signing is refused.
		parts := strings.Split(obj, ".")
		claims["redirect_uri"], claims["state"] = e.rp.URL+"/callback", "evil"
		claims["scope"] = "openid profile"
		changed, _ := json.Marshal(claims)
		tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(changed) + "." + parts[2]
		for name, o := range map[string]string{
			"tampered":     tampered,
			"unsigned":     parts[0] + "." + parts[1] + ".",
			"other issuer": signJWT(t, key, jose.RS256, "jar-1", map[string]any{"iss": "jar.test", "aud": "https://elsewhere.example", "client_id": "jar.test", "response_type": "code", "redirect_uri": e.cb, "scope": "openid", "state": "x"}),
		} {
			p := e.browser().get(at(o))
			if p.url.Query().Get("code") != "" || p.url.Path == "/oidc/login" || p.status/100 == 2 {
				t.Errorf("%s request object: %d at %s", name, p.status, p.url)
			}
		}
	})
}

// TestBackChannelLogout: RP-initiated logout queues a logout token for a
// relying party with a back-channel logout URI, and the sender posts it.
func TestBackChannelLogout(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		type delivery struct{ method, contentType, token string }
		var mu sync.Mutex
		var got []delivery
		rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			mu.Lock()
			got = append(got, delivery{r.Method, r.Header.Get("Content-Type"), r.PostForm.Get("logout_token")})
			mu.Unlock()
			w.WriteHeader(http.StatusOK)
		}))
		t.Cleanup(rp.Close)
		logoutURI := rp.URL + "/backchannel"
		reg := e.register("bcl.test", sso.Registration{Scopes: []string{"profile"}, BackChannelLogoutURI: logoutURI, IDTokenAlg: "ES256"})
		plain := e.register("plain.test", sso.Registration{})
		provider := e.provider()
		ep := e.endpoints()

		b := e.browser()
		conf := e.conf("bcl.test", reg.Secret, "profile")
		p := b.signIn(conf.AuthCodeURL("b1", oidc.Nonce("bn")), level2ID)
		tok, err := conf.Exchange(ctx, e.codeAt(p, "b1"))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, claims := e.verify(provider, &oidc.Config{ClientID: "bcl.test", SupportedSigningAlgs: []string{oidc.ES256}}, raw)
		if claims.SID == "" {
			t.Fatal("no sid in the ID token")
		}
		// A second relying party in the same session, without a logout URI.
		pconf := e.conf("plain.test", plain.Secret)
		if _, err := pconf.Exchange(ctx, e.codeAt(b.authorize(pconf.AuthCodeURL("b2")), "b2")); err != nil {
			t.Fatal(err)
		}

		p = b.get(ep.EndSession + "?" + url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {e.rp.URL + "/bye"}}.Encode())
		if p.url.String() != e.rp.URL+"/bye" {
			t.Fatalf("logout went to %s (%d)", p.url, p.status)
		}
		if err := userinfoWorks(provider, tok.AccessToken); err == nil {
			t.Error("the access token survived the logout")
		}
		all, err := e.st.ListOutbox(ctx, store.OutboxFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var msgs []store.OutboxMessage
		for _, m := range all {
			if m.Channel == notify.BackChannel {
				msgs = append(msgs, m)
			}
		}
		if len(msgs) != 1 || msgs[0].Recipient != logoutURI {
			t.Fatalf("back-channel messages = %+v", msgs)
		}
		m := msgs[0]
		jws, err := jose.ParseSigned(m.Body, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatalf("logout token: %v", err)
		}
		if typ, _ := jws.Signatures[0].Header.ExtraHeaders[jose.HeaderType].(string); typ != "logout+jwt" {
			t.Errorf("typ = %q", typ)
		}
		lt, err := provider.Verifier(&oidc.Config{ClientID: "bcl.test", SupportedSigningAlgs: []string{oidc.ES256}}).VerifyLogout(ctx, m.Body)
		if err != nil {
			t.Fatalf("logout token does not verify against the JWKS: %v", err)
		}
		var extra struct {
			Events map[string]any `json:"events"`
			Nonce  *string        `json:"nonce"`
		}
		if err := lt.Claims(&extra); err != nil {
			t.Fatal(err)
		}
		if lt.SessionID != claims.SID || lt.Subject != idt.Subject || lt.TokenID == "" || extra.Nonce != nil ||
			extra.Events["http://schemas.openid.net/event/backchannel-logout"] == nil {
			t.Errorf("logout token: sid %q sub %q jti %q events %v (ID token sid %q sub %q)", lt.SessionID, lt.Subject, lt.TokenID,
				extra.Events, claims.SID, idt.Subject)
		}

		if err := (notify.BackChannelSender{}).Send(ctx, m); err != nil {
			t.Fatalf("send: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0].method != http.MethodPost || got[0].contentType != "application/x-www-form-urlencoded" || got[0].token != m.Body {
			t.Errorf("the relying party received %+v", got)
		}
	})
}

// TestIntrospectionAndRevocation: a client introspects its own tokens;
// revoking an access token ends it alone, a refresh token its family.
func TestIntrospectionAndRevocation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		reg := e.register("api.test", sso.Registration{Scopes: []string{"profile", "offline_access"}})
		other := e.register("other.test", sso.Registration{Scopes: []string{"profile"}})
		ep := e.endpoints()
		provider := e.provider()
		conf := e.conf("api.test", reg.Secret, "profile", "offline_access")
		p := e.browser().signIn(conf.AuthCodeURL("i1"), level2ID)
		tok, err := conf.Exchange(ctx, e.codeAt(p, "i1"))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, _ := e.verify(provider, &oidc.Config{ClientID: "api.test"}, raw)
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token")
		}
		introspect := func(id, secret, token string) map[string]any {
			t.Helper()
			status, body := e.post(ep.Introspection, url.Values{"token": {token}}, id, secret)
			var out map[string]any
			if status != http.StatusOK || json.Unmarshal(body, &out) != nil {
				t.Fatalf("introspection: %d %s", status, body)
			}
			return out
		}
		revoke := func(id, secret, token, hint string) {
			t.Helper()
			f := url.Values{"token": {token}}
			if hint != "" {
				f.Set("token_type_hint", hint)
			}
			if status, body := e.post(ep.Revocation, f, id, secret); status != http.StatusOK {
				t.Fatalf("revocation: %d %s", status, body)
			}
		}

		r := introspect("api.test", reg.Secret, tok.AccessToken)
		if r["active"] != true || r["client_id"] != "api.test" || r["sub"] != idt.Subject || !strings.Contains(r["scope"].(string), "profile") || r["acr"] != "LoA2" {
			t.Errorf("introspection = %v", r)
		}
		if _, ok := r["name"]; ok {
			t.Errorf("introspection releases personal data: %v", r)
		}
		if r := introspect("other.test", other.Secret, tok.AccessToken); r["active"] != false || len(r) > 1 {
			t.Errorf("another client's introspection = %v", r)
		}
		if status, _ := e.post(ep.Introspection, url.Values{"token": {tok.AccessToken}, "client_id": {"api.test"}}, "", ""); status != http.StatusUnauthorized {
			t.Errorf("unauthenticated introspection: %d", status)
		}
		if r := introspect("api.test", reg.Secret, "garbage"); r["active"] != false {
			t.Errorf("introspection of garbage = %v", r)
		}

		// Revoking the access token ends it alone.
		revoke("api.test", reg.Secret, tok.AccessToken, "access_token")
		if r := introspect("api.test", reg.Secret, tok.AccessToken); r["active"] != false {
			t.Errorf("revoked access token: %v", r)
		}
		if err := userinfoWorks(provider, tok.AccessToken); err == nil {
			t.Error("userinfo with a revoked access token")
		}
		fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil {
			t.Fatalf("refresh after revoking the access token: %v", err)
		}
		if r := introspect("api.test", reg.Secret, fresh.AccessToken); r["active"] != true {
			t.Errorf("refreshed access token: %v", r)
		}

		// Another client cannot revoke it: refused (RFC 7009 §2.1), and
		// the token lives on.
		if status, body := e.post(ep.Revocation, url.Values{"token": {fresh.RefreshToken}, "token_type_hint": {"refresh_token"}},
			"other.test", other.Secret); status != http.StatusBadRequest {
			t.Errorf("another client's revocation: %d %s", status, body)
		}
		if r := introspect("api.test", reg.Secret, fresh.AccessToken); r["active"] != true {
			t.Errorf("another client's revocation took effect: %v", r)
		}

		// Revoking the refresh token ends the whole family, also when it is
		// sent with the access-token hint.
		revoke("api.test", reg.Secret, fresh.RefreshToken, "access_token")
		if r := introspect("api.test", reg.Secret, fresh.AccessToken); r["active"] != false {
			t.Errorf("access token of a revoked family: %v", r)
		}
		if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken}).Token(); err == nil {
			t.Error("a revoked refresh token refreshed")
		}
		if err := userinfoWorks(provider, fresh.AccessToken); err == nil {
			t.Error("userinfo with an access token of a revoked family")
		}
	})
}

// TestAppUsageAndConsents: the citizen reads the usage records and
// consents in the app and withdraws a consent.
func TestAppUsageAndConsents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		app, _ := e.appCitizen()
		reg := e.register("usage.test", sso.Registration{Name: "Ngân hàng Thử nghiệm", Purpose: "Mở tài khoản thanh toán trực tuyến",
			Scopes: []string{"profile", "personal_id", "address"}})
		provider := e.provider()
		conf := e.conf("usage.test", reg.Secret, "profile", "personal_id", "address")
		b := e.browser()
		p := b.signIn(conf.AuthCodeURL("u1"), appID)
		tok, err := conf.Exchange(ctx, e.codeAt(p, "u1"))
		if err != nil {
			t.Fatal(err)
		}
		if err := userinfoWorks(provider, tok.AccessToken); err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		// Another citizen's use with the same relying party is not shown.
		if _, err := conf.Exchange(ctx, e.codeAt(e.browser().signIn(conf.AuthCodeURL("u2"), level2ID), "u2")); err != nil {
			t.Fatal(err)
		}

		recs, err := app.Usage(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, r := range recs {
			kinds[r.Kind]++
			if r.ClientID != "usage.test" || r.ClientName != "Ngân hàng Thử nghiệm" || r.At == "" {
				t.Errorf("record %+v", r)
			}
		}
		if kinds["login"] != 1 || kinds["consent"] != 1 || kinds["release"] < 2 { // at the token and at userinfo
			t.Errorf("usage kinds = %v", kinds)
		}
		for _, r := range recs {
			if r.Kind == "release" {
				claims, _ := r.Detail["claims"].([]any)
				if !slices.Contains(claims, any("personal_id")) || !slices.Contains(claims, any("address")) {
					t.Errorf("release record claims = %v", r.Detail)
				}
			}
		}
		js, _ := json.Marshal(recs)
		for _, v := range []string{appID, appFullName, "Huy", appBirth, "Trần Phú", "Ba Đình", "Điện Biên"} {
			if strings.Contains(string(js), v) {
				t.Errorf("usage records hold the personal value %q: %s", v, js)
			}
		}
		if len(recs) > 1 {
			older, err := app.Usage(ctx, recs[0].ID, 1)
			if err != nil || len(older) != 1 || older[0].ID != recs[1].ID {
				t.Errorf("page before %d = %+v, %v", recs[0].ID, older, err)
			}
		}

		cons, err := app.Consents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cons) != 1 || cons[0].ClientID != "usage.test" || cons[0].Purpose != "Mở tài khoản thanh toán trực tuyến" ||
			strings.Join(cons[0].Scopes, " ") != "address personal_id profile" || !slices.Contains(cons[0].Claims, "personal_id") {
			t.Errorf("consents = %+v", cons)
		}

		// Withdrawing the consent revokes the tokens; the next login asks
		// again.
		if err := app.RevokeConsent(ctx, "usage.test"); err != nil {
			t.Fatal(err)
		}
		if err := userinfoWorks(provider, tok.AccessToken); err == nil {
			t.Error("userinfo after the consent was withdrawn")
		}
		if err := app.RevokeConsent(ctx, "usage.test"); problemCode(err) != "sso_consent_not_found" {
			t.Errorf("withdrawing twice: %v", err)
		}
		if cons, err := app.Consents(ctx); err != nil || len(cons) != 0 {
			t.Errorf("consents after withdrawal = %+v, %v", cons, err)
		}
		if recs, err := app.Usage(ctx, 0, 1); err != nil || len(recs) != 1 || recs[0].Kind != "consent_revoked" {
			t.Errorf("newest record = %+v, %v", recs, err)
		}
		p = b.get(conf.AuthCodeURL("u3"))
		if !strings.Contains(p.body, "Xác nhận chia sẻ") {
			t.Fatalf("no consent screen after withdrawal: %s (%d)", p.url, p.status)
		}
		p = b.post("/oidc/consent", url.Values{"id": {p.url.Query().Get("id")}, "decision": {"approve"}})
		tok, err = conf.Exchange(ctx, e.codeAt(p, "u3"))
		if err != nil {
			t.Fatal(err)
		}
		if err := userinfoWorks(provider, tok.AccessToken); err != nil {
			t.Errorf("userinfo after consenting again: %v", err)
		}
	})
}

// TestPairwiseSubjects: business relying parties of different sectors see
// different subjects for the same citizen; a state body sees the account
// ID.
func TestPairwiseSubjects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// Another host name (the browser stops before loading it).
		otherCB := strings.Replace(e.rp.URL, "127.0.0.1", "localhost", 1) + "/cb"
		a := e.register("biz-a.test", sso.Registration{})
		bb := e.register("biz-b.test", sso.Registration{RedirectURIs: []string{otherCB}})
		bc := e.register("biz-c.test", sso.Registration{Name: "Cùng khu vực", Purpose: "Thử nghiệm", RedirectURIs: []string{e.rp.URL + "/other-cb"}})
		s := e.register("state.test", sso.Registration{Kind: sso.KindState})
		if a.Client.Sector == bb.Client.Sector || a.Client.Sector != bc.Client.Sector {
			t.Fatalf("sectors %q %q %q", a.Client.Sector, bb.Client.Sector, bc.Client.Sector)
		}
		provider := e.provider()
		br := e.rpBrowser()
		first := true
		sub := func(id, secret, redirect string) (string, string) {
			t.Helper()
			conf := e.conf(id, secret)
			conf.RedirectURL = redirect
			u := conf.AuthCodeURL("ps")
			var p page
			if first {
				p, first = br.signIn(u, level2ID), false
			} else {
				p = br.authorize(u)
			}
			if !strings.HasPrefix(p.url.String(), redirect) || p.url.Query().Get("code") == "" {
				t.Fatalf("%s: stopped at %s (%d): %.200s", id, p.url, p.status, p.body)
			}
			tok, err := conf.Exchange(ctx, p.url.Query().Get("code"))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, _ := e.verify(provider, &oidc.Config{ClientID: id}, raw)
			ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatal(err)
			}
			return idt.Subject, ui.Subject
		}
		subA, uiA := sub("biz-a.test", a.Secret, e.cb)
		subB, uiB := sub("biz-b.test", bb.Secret, otherCB)
		subC, _ := sub("biz-c.test", bc.Secret, e.rp.URL+"/other-cb")
		subS, uiS := sub("state.test", s.Secret, e.cb)
		subA2, _ := sub("biz-a.test", a.Secret, e.cb)
		if subA != uiA || subB != uiB || subS != uiS {
			t.Errorf("userinfo subjects differ from the ID tokens'")
		}
		if subA == subB {
			t.Errorf("two sectors share the subject %q", subA)
		}
		if subA != subC {
			t.Errorf("one sector, two subjects: %q, %q", subA, subC)
		}
		if subA != subA2 {
			t.Errorf("the subject changed between logins: %q, %q", subA, subA2)
		}
		for _, v := range []string{subA, subB} {
			if v == "acc0" || v == level2ID {
				t.Errorf("business subject %q is public", v)
			}
		}
		if subS != "acc0" {
			t.Errorf("state subject = %q, want the account ID", subS)
		}
	})
}

// TestPromptAndMaxAge: prompt=none answers at the redirect URI without a
// session; max_age=0 and prompt=login ask for the password again.
func TestPromptAndMaxAge(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		reg := e.register("prompt.test", sso.Registration{Scopes: []string{"profile"}})
		provider := e.provider()
		conf := e.conf("prompt.test", reg.Secret)
		b := e.browser()
		p := b.get(conf.AuthCodeURL("pn", oauth2.SetAuthURLParam("prompt", "none")))
		if !strings.HasPrefix(p.url.String(), e.cb) || p.url.Query().Get("error") != "login_required" || p.url.Query().Get("state") != "pn" ||
			p.url.Query().Get("code") != "" {
			t.Fatalf("prompt=none without a session: %s (%d)", p.url, p.status)
		}

		var raw1 string
		sidOf := func(p page, state string) idClaims {
			t.Helper()
			tok, err := conf.Exchange(ctx, e.codeAt(p, state))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := tok.Extra("id_token").(string)
			_, c := e.verify(provider, &oidc.Config{ClientID: "prompt.test"}, raw)
			if raw1 == "" {
				raw1 = raw
			}
			return c
		}
		c1 := sidOf(b.signIn(conf.AuthCodeURL("s1"), level2ID), "s1")

		// With a session prompt=none signs in silently, also with the
		// ID token as hint, but not where a consent is missing.
		if c := sidOf(b.get(conf.AuthCodeURL("pn2", oauth2.SetAuthURLParam("prompt", "none"))), "pn2"); c.SID != c1.SID {
			t.Errorf("silent login in another session: %q, %q", c.SID, c1.SID)
		}
		p = b.get(conf.AuthCodeURL("hint", oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", raw1)))
		if c := sidOf(p, "hint"); c.SID != c1.SID {
			t.Errorf("silent login with id_token_hint in another session: %q, %q", c.SID, c1.SID)
		}
		pc := e.conf("prompt.test", reg.Secret, "profile")
		p = b.get(pc.AuthCodeURL("pn3", oauth2.SetAuthURLParam("prompt", "none")))
		if !strings.HasPrefix(p.url.String(), e.cb) || p.url.Query().Get("error") != "consent_required" {
			t.Errorf("prompt=none without consent: %s (%d)", p.url, p.status)
		}

		// max_age=0 and prompt=login ask for the password, and then
		// complete in a new session.
		for i, param := range [][2]string{{"max_age", "0"}, {"prompt", "login"}} {
			state := "again" + param[0]
			u := conf.AuthCodeURL(state, oauth2.SetAuthURLParam(param[0], param[1]))
			p := b.get(u)
			if p.url.Path != "/oidc/login" || !strings.Contains(p.body, `name="password"`) {
				t.Fatalf("%s=%s with a session went to %s (%d)", param[0], param[1], p.url, p.status)
			}
			p = b.signIn(u, level2ID)
			c := sidOf(p, state)
			if c.SID == c1.SID || c.AuthTime < c1.AuthTime {
				t.Errorf("%d: %s=%s: sid %q auth_time %d (first %q %d)", i, param[0], param[1], c.SID, c.AuthTime, c1.SID, c1.AuthTime)
			}
		}
	})
}

// TestDocumentsScope: a relying party allowed the documents scope receives,
// for a level-2 citizen, the documents valid in the wallet, with their
// attributes read at the time of the request; revoked ones are left out.
func TestDocumentsScope(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc, err := e.st.AccountByIDNumber(ctx, level2ID)
		if err != nil {
			t.Fatal(err)
		}
		doc := func(number string, status sources.Status) store.WalletDocument {
			d := sources.Document{Kind: sources.DrivingLicence, Number: number, HolderID: level2ID, HolderName: "Nguyễn Thị Ánh Đào",
				DateOfBirth: d("1990-02-28"), Status: status, IssuedOn: d("2020-01-02"), ValidUntil: d("2030-01-02"),
				Issuer: "Sở Giao thông vận tải Hà Nội", DrivingLicence: &sources.Licence{Classes: []sources.LicenceClass{
					{Class: "B2", IssuedOn: d("2020-01-02"), ValidUntil: d("2030-01-02")}}}}
			data, _ := json.Marshal(d)
			return store.WalletDocument{AccountID: acc.ID, Kind: d.Kind, Number: number, Status: status, Data: data,
				AddedAt: time.Now(), UpdatedAt: time.Now()}
		}
		for _, w := range []store.WalletDocument{doc("010123456789", sources.StatusValid), doc("010123456780", sources.StatusRevoked)} {
			if err := e.st.PutWalletDocument(ctx, w); err != nil {
				t.Fatal(err)
			}
		}
		r := e.register("gplx.test", sso.Registration{Kind: sso.KindState, Scopes: []string{sso.ScopeProfile, sso.ScopeDocuments}, Levels: []int{2}})
		conf := e.conf("gplx.test", r.Secret, sso.ScopeProfile, sso.ScopeDocuments)
		p := e.rpBrowser().signIn(conf.AuthCodeURL("docs"), level2ID)
		code := p.url.Query().Get("code")
		if code == "" {
			t.Fatalf("stopped at %s (%d): %.300s", p.url, p.status, p.body)
		}
		tok, err := conf.Exchange(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		ui, err := e.provider().UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Documents []struct {
				Kind, Number string
				Claims       map[string]any
			} `json:"documents"`
		}
		if err := ui.Claims(&claims); err != nil {
			t.Fatal(err)
		}
		if len(claims.Documents) != 1 || claims.Documents[0].Number != "010123456789" || claims.Documents[0].Claims["holder_name"] != "Nguyễn Thị Ánh Đào" {
			t.Errorf("documents claim = %+v; want the valid licence only", claims.Documents)
		}
	})
}
