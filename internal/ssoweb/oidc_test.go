package ssoweb_test

import (
	"context"
	"crypto/rand"
	"errors"
	"html"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/ssoweb"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

// Citizens of the test population.
const (
	level2ID = "001190012345"
	level1ID = "079085000123"
	lockedID = "031080000222"
	password = "Matkhau@2024"
)

var phones = map[string]string{level2ID: "+84912000001", level1ID: "+84912000002", lockedID: "+84912000003"}

// env is a running provider: the API and the provider's pages on one
// server, like `vneid serve`, and a relying party's callback server.
type env struct {
	t      *testing.T
	st     store.Store
	sso    *sso.Service
	url    string // server
	issuer string
	rp     *httptest.Server
	cb     string // the relying party's redirect URI
}

func d(s string) identity.Date {
	v, err := identity.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func newEnv(t *testing.T, open func(testing.TB) store.Store) *env {
	t.Helper()
	ctx := context.Background()
	st := open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	acfg := account.DefaultConfig()
	acfg.Argon2 = account.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}
	acc, err := account.New(ctx, acfg, account.Options{Store: st, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := seal.New(seal.Key{ID: 1, Bytes: key})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	e := &env{t: t, st: st, url: srv.URL, issuer: srv.URL + "/oidc"}
	e.sso, err = sso.New(sso.Config{}, sso.Options{Issuer: e.issuer, Store: st, Accounts: acc, Population: st, Box: box,
		SubjectKey: key, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sso.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	apiSrv := api.New(api.Options{Accounts: acc, SSO: e.sso, Store: st, Logger: log, Version: "test"})
	web, err := ssoweb.New(ssoweb.Options{SSO: e.sso, Logger: log, ClientIP: apiSrv.ClientIP, TokenKey: [32]byte(key)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(ssoweb.Prefix+"/", web)
	mux.Handle("/", apiSrv)
	h = mux
	e.rp = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(e.rp.Close)
	e.cb = e.rp.URL + "/callback"

	today := identity.DateOf(time.Now())
	var pop []registry.Citizen
	for id, name := range map[string]string{level2ID: "Nguyễn Thị Ánh Đào", level1ID: "Trần Văn Bình", lockedID: "Hoàng Thị Lan"} {
		pop = append(pop, registry.Citizen{ID: id, FullName: name, DateOfBirth: d("1990-02-28"), Gender: identity.Female,
			PermanentAddress: registry.Address{HouseNumber: "Số 12", Street: "Phố Hàng Bạc", Commune: "Phường Hàng Đào",
				District: "Quận Hoàn Kiếm", Province: "Thành phố Hà Nội"}, LifeStatus: registry.Alive,
			Cards: []registry.IDCard{{Number: id, Chip: true, IssueDate: d("2021-06-10"), ExpiryDate: today.AddYears(5), Status: registry.CardValid}}})
	}
	if err := st.UpsertCitizens(ctx, pop); err != nil {
		t.Fatal(err)
	}
	hash, err := account.HashPassword(password, acfg.Argon2)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		id    string
		level int
		state store.AccountState
	}{{level2ID, 2, store.AccountActive}, {level1ID, 1, store.AccountActive}, {lockedID, 2, store.AccountLocked}} {
		now := time.Now()
		err := st.CreateAccount(ctx, store.Account{ID: "acc" + string(rune('0'+i)), IDNumber: c.id, Phone: phones[c.id],
			PasswordHash: hash, State: c.state, Level: c.level, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now})
		if err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// register registers a relying party.
func (e *env) register(id string, reg sso.Registration) sso.Registered {
	e.t.Helper()
	if reg.Name == "" {
		reg.Name, reg.Purpose = "Cổng Dịch vụ công thử nghiệm", "Xác thực người nộp hồ sơ trực tuyến"
	}
	if reg.RedirectURIs == nil {
		reg.RedirectURIs = []string{e.cb}
		reg.PostLogoutRedirectURIs = []string{e.rp.URL + "/bye"}
	}
	r, err := e.sso.RegisterClient(context.Background(), "officer:admin", id, reg)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// browser is a citizen's browser: it keeps cookies and stops at the
// relying party.
type browser struct {
	e  *env
	hc *http.Client
	// last is the body of the last page, whose csrf field post sends with
	// a form that has none.
	last string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, hc: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), e.rp.URL) {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
}

type page struct {
	status int
	url    *url.URL
	body   string
	header http.Header
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	u := resp.Request.URL
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode/100 == 3 {
		u, _ = url.Parse(loc)
	}
	return page{status: resp.StatusCode, url: u, body: string(body), header: resp.Header}
}

func (b *browser) get(u string) page {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

// post posts the form with, unless it has a csrf field (even empty), the
// csrf token of the last page, like a browser submitting that page's form.
func (b *browser) post(path string, form url.Values) page {
	if _, ok := form["csrf"]; !ok {
		if tok := field(b.last, "csrf"); tok != "" {
			form = maps.Clone(form)
			form.Set("csrf", tok)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var hidden = regexp.MustCompile(`name="(\w+)" value="([^"]*)"`)

func field(body, name string) string {
	for _, m := range hidden.FindAllStringSubmatch(body, -1) {
		if m[1] == name {
			return html.UnescapeString(m[2])
		}
	}
	return ""
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

func (e *env) otp(phone string) string {
	e.t.Helper()
	msgs, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{Recipient: phone, Limit: 5})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Template == notify.TemplateOTP {
			return sixDigits.FindString(m.Body)
		}
	}
	e.t.Fatalf("no OTP to %s", phone)
	return ""
}

// signIn walks the pages from the authorization URL with the ID number,
// password and SMS code, approves the consent screen if shown, and returns
// the page where the browser stopped (the callback, or an error page).
func (b *browser) signIn(authURL, idNumber string) page {
	b.e.t.Helper()
	p := b.get(authURL)
	if p.url.Path != "/oidc/login" {
		return p
	}
	id := p.url.Query().Get("id")
	p = b.post("/oidc/login/password", url.Values{"id": {id}, "id_number": {idNumber}, "password": {password}})
	if p.status != http.StatusOK || !strings.Contains(p.body, `name="ticket"`) {
		return p
	}
	p = b.post("/oidc/login/otp", url.Values{"id": {id}, "ticket": {field(p.body, "ticket")}, "code": {b.e.otp(phones[idNumber])}})
	if strings.Contains(p.body, "Xác nhận chia sẻ") {
		p = b.post("/oidc/consent", url.Values{"id": {id}, "decision": {"approve"}})
	}
	return p
}

func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, newEnv(t, func(t testing.TB) store.Store { return b.Open(t) })) })
	}
}

// TestFullFlowWithGoOIDC: a relying party written with coreos/go-oidc and
// x/oauth2 does discovery, the code flow with PKCE at level 2, verifies the
// ID token, reads userinfo, refreshes (rotation, reuse detection) and logs
// out.
func TestFullFlowWithGoOIDC(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		reg := e.register("portal.test", sso.Registration{Scopes: []string{"profile", "personal_id", "address", "offline_access"}})
		provider, err := oidc.NewProvider(ctx, e.issuer)
		if err != nil {
			t.Fatal(err)
		}
		conf := oauth2.Config{ClientID: "portal.test", ClientSecret: reg.Secret, Endpoint: provider.Endpoint(), RedirectURL: e.cb,
			Scopes: []string{oidc.ScopeOpenID, "profile", "personal_id", "address", oidc.ScopeOfflineAccess}}
		verifier := oauth2.GenerateVerifier()
		authURL := conf.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n0nce"),
			oauth2.SetAuthURLParam("acr_values", "LoA2"))
		b := e.browser()
		p := b.signIn(authURL, level2ID)
		if !strings.HasPrefix(p.url.String(), e.cb) || p.url.Query().Get("state") != "st4te" {
			t.Fatalf("stopped at %s (%d): %.300s", p.url, p.status, p.body)
		}
		code := p.url.Query().Get("code")
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		rawID, _ := tok.Extra("id_token").(string)
		idt, err := provider.Verifier(&oidc.Config{ClientID: "portal.test"}).Verify(ctx, rawID)
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Nonce string   `json:"nonce"`
			ACR   string   `json:"acr"`
			AMR   []string `json:"amr"`
			SID   string   `json:"sid"`
			PID   string   `json:"personal_id"`
		}
		if err := idt.Claims(&claims); err != nil {
			t.Fatal(err)
		}
		if claims.Nonce != "n0nce" || claims.ACR != "LoA2" || strings.Join(claims.AMR, " ") != "pwd sms mfa" || claims.SID == "" || claims.PID != level2ID {
			t.Errorf("ID token claims = %+v", claims)
		}
		if idt.Subject == "acc0" || idt.Subject == level2ID {
			t.Errorf("subject %q is not pairwise", idt.Subject)
		}
		ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatal(err)
		}
		var info struct {
			Name      string `json:"name"`
			Family    string `json:"family_name"`
			Birthdate string `json:"birthdate"`
			PID       string `json:"personal_id"`
			Address   struct {
				Region string `json:"region"`
			} `json:"address"`
		}
		if err := ui.Claims(&info); err != nil {
			t.Fatal(err)
		}
		if ui.Subject != idt.Subject || info.Name != "Nguyễn Thị Ánh Đào" || info.Family != "Nguyễn" || info.Birthdate != "1990-02-28" ||
			info.PID != level2ID || info.Address.Region != "Thành phố Hà Nội" {
			t.Errorf("userinfo = %+v (sub %s, id token sub %s)", info, ui.Subject, idt.Subject)
		}

		// The code works once; a replay revokes what it gave.
		if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
			t.Error("replayed code accepted")
		}
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
			t.Error("access token still works after the code replay")
		}

		// A fresh login for the refresh checks; the consent is remembered,
		// and the session too: no password this time.
		verifier = oauth2.GenerateVerifier()
		p = b.get(conf.AuthCodeURL("s2", oauth2.S256ChallengeOption(verifier)))
		if !strings.HasPrefix(p.url.String(), e.cb) {
			t.Fatalf("second login stopped at %s: %.300s", p.url, p.body)
		}
		tok, err = conf.Exchange(ctx, p.url.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		old := &oauth2.Token{RefreshToken: tok.RefreshToken}
		fresh, err := conf.TokenSource(ctx, old).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
			t.Fatal("refresh token not rotated")
		}
		refreshedID, err := provider.Verifier(&oidc.Config{ClientID: "portal.test"}).Verify(ctx, fresh.Extra("id_token").(string))
		if err != nil {
			t.Fatalf("refreshed ID token: %v", err)
		}
		var rc struct {
			ACR string `json:"acr"`
		}
		if err := refreshedID.Claims(&rc); err != nil || rc.ACR != "LoA2" || refreshedID.Subject != idt.Subject {
			t.Errorf("refreshed ID token acr %q sub %q, %v", rc.ACR, refreshedID.Subject, err)
		}
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err != nil {
			t.Fatalf("userinfo with the refreshed token: %v", err)
		}
		if _, err := conf.TokenSource(ctx, old).Token(); err == nil {
			t.Fatal("reused refresh token accepted")
		}
		if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken}).Token(); err == nil {
			t.Error("the family survived the reuse of a refresh token")
		}
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err == nil {
			t.Error("access token survived the reuse of a refresh token")
		}

		// RP-initiated logout with the ID token as hint.
		raw2, _ := tok.Extra("id_token").(string)
		var meta struct {
			EndSession string `json:"end_session_endpoint"`
			PAR        string `json:"pushed_authorization_request_endpoint"`
		}
		if err := provider.Claims(&meta); err != nil || meta.EndSession == "" || meta.PAR == "" {
			t.Fatalf("discovery: %+v, %v", meta, err)
		}
		p = b.get(meta.EndSession + "?" + url.Values{"id_token_hint": {raw2}, "post_logout_redirect_uri": {e.rp.URL + "/bye"}}.Encode())
		if p.url.String() != e.rp.URL+"/bye" {
			t.Fatalf("logout went to %s (%d): %.200s", p.url, p.status, p.body)
		}
		p = b.get(conf.AuthCodeURL("s3", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if p.url.Path != "/oidc/login" {
			t.Errorf("after logout the session still signs in: %s", p.url)
		}
	})
}

// TestRefusals: what the provider must refuse.
func TestRefusals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		reg := e.register("bank.test", sso.Registration{Scopes: []string{"profile"}, Levels: []int{1, 2}})
		e.register("app.test", sso.Registration{Type: sso.TypeNative, Scopes: []string{"profile"}})
		e.register("l2.test", sso.Registration{Scopes: []string{"profile"}, Levels: []int{2}, RequirePAR: true})
		provider, err := oidc.NewProvider(ctx, e.issuer)
		if err != nil {
			t.Fatal(err)
		}
		conf := oauth2.Config{ClientID: "bank.test", ClientSecret: reg.Secret, Endpoint: provider.Endpoint(), RedirectURL: e.cb,
			Scopes: []string{oidc.ScopeOpenID, "profile"}}
		errorOf := func(p page) string {
			if !strings.HasPrefix(p.url.String(), e.cb) {
				return ""
			}
			return p.url.Query().Get("error")
		}

		t.Run("wrong redirect URI", func(t *testing.T) {
			c := conf
			c.RedirectURL = e.rp.URL + "/evil"
			p := e.browser().get(c.AuthCodeURL("x"))
			if p.status != http.StatusBadRequest || strings.HasPrefix(p.url.String(), e.rp.URL) {
				t.Errorf("got %d at %s", p.status, p.url)
			}
		})
		t.Run("scope beyond the agreement", func(t *testing.T) {
			c := conf
			c.Scopes = append(c.Scopes, "personal_id")
			if got := errorOf(e.browser().get(c.AuthCodeURL("x"))); got != "invalid_scope" {
				t.Errorf("error = %q", got)
			}
		})
		t.Run("public client without PKCE", func(t *testing.T) {
			c := conf
			c.ClientID, c.ClientSecret = "app.test", ""
			if got := errorOf(e.browser().get(c.AuthCodeURL("x"))); got != "invalid_request" {
				t.Errorf("error = %q", got)
			}
		})
		t.Run("plain PKCE", func(t *testing.T) {
			u := conf.AuthCodeURL("x", oauth2.SetAuthURLParam("code_challenge", "abc"), oauth2.SetAuthURLParam("code_challenge_method", "plain"))
			if got := errorOf(e.browser().get(u)); got != "invalid_request" {
				t.Errorf("error = %q", got)
			}
		})
		t.Run("PAR required", func(t *testing.T) {
			c := conf
			c.ClientID = "l2.test"
			if got := errorOf(e.browser().get(c.AuthCodeURL("x"))); got != "invalid_request" {
				t.Errorf("error = %q", got)
			}
		})
		t.Run("mismatched PKCE", func(t *testing.T) {
			p := e.browser().signIn(conf.AuthCodeURL("x", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), level2ID)
			code := p.url.Query().Get("code")
			if code == "" {
				t.Fatalf("no code: %s %.300s", p.url, p.body)
			}
			if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
				t.Error("wrong code_verifier accepted")
			}
		})
		t.Run("level too low", func(t *testing.T) {
			p := e.browser().signIn(conf.AuthCodeURL("x", oauth2.SetAuthURLParam("acr_values", "LoA2")), level1ID)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "mức độ 2") || !strings.Contains(p.body, "/oidc/deny") {
				t.Fatalf("got %d at %s: %.400s", p.status, p.url, p.body)
			}
		})
		t.Run("locked account", func(t *testing.T) {
			p := e.browser().signIn(conf.AuthCodeURL("x"), lockedID)
			if p.status/100 != 4 || strings.HasPrefix(p.url.String(), e.cb) {
				t.Fatalf("locked account signed in: %d %s", p.status, p.url)
			}
		})
		t.Run("consent refused", func(t *testing.T) {
			b := e.browser()
			p := b.get(conf.AuthCodeURL("x"))
			id := p.url.Query().Get("id")
			p = b.post("/oidc/login/password", url.Values{"id": {id}, "id_number": {level1ID}, "password": {password}})
			p = b.post("/oidc/login/otp", url.Values{"id": {id}, "ticket": {field(p.body, "ticket")}, "code": {e.otp(phones[level1ID])}})
			if !strings.Contains(p.body, "Xác nhận chia sẻ") {
				t.Fatalf("no consent screen: %.300s", p.body)
			}
			p = b.post("/oidc/consent", url.Values{"id": {id}, "decision": {"deny"}})
			if got := errorOf(p); got != "access_denied" {
				t.Errorf("error = %q", got)
			}
		})
		t.Run("wrong client secret", func(t *testing.T) {
			p := e.browser().signIn(conf.AuthCodeURL("x"), level2ID)
			c := conf
			c.ClientSecret = "nope"
			var re *oauth2.RetrieveError
			if _, err := c.Exchange(ctx, p.url.Query().Get("code")); !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
				t.Errorf("err = %v", err)
			}
		})
	})
}

// TestQRLogin: the sign-in page shows a QR code that stays the same while
// the page polls (TestQRLoginApproved walks the approval).
func TestQRLogin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		reg := e.register("qr.test", sso.Registration{Scopes: []string{"profile"}})
		conf := oauth2.Config{ClientID: "qr.test", ClientSecret: reg.Secret, RedirectURL: e.cb, Scopes: []string{"openid", "profile"},
			Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/oauth/token"}}
		b := e.browser()
		p := b.get(conf.AuthCodeURL("q"))
		id := p.url.Query().Get("id")
		p = b.get(e.url + "/oidc/login/qr?id=" + id)
		payload := p.header.Get("X-VNeID-QR")
		if p.status != http.StatusOK || !strings.HasPrefix(payload, sso.QRPrefix) || !strings.Contains(p.body, "data:image/png;base64,") {
			t.Fatalf("QR page: %d %q", p.status, payload)
		}
		if again := b.get(e.url + "/oidc/login/qr?id=" + id).header.Get("X-VNeID-QR"); again != payload {
			t.Error("the QR changed between polls")
		}
	})
}

// TestUserinfoInvalidToken: a token that is not active gets RFC 6750's
// 401 with WWW-Authenticate, not the library's 403.
func TestUserinfoInvalidToken(t *testing.T) {
	e := newEnv(t, func(t testing.TB) store.Store { return storetest.OpenSQLite(t) })
	for _, auth := range []string{"", "Bearer garbage"} {
		req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("%q: %d %q", auth, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
}
