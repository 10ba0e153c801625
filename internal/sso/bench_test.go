package sso_test

// Benchmarks of the provider's signing limit and of its token endpoint.
// Results are in docs/benchmarks.md; run with
//
//	go test -run='^$' -bench=. -benchtime=2s -cpu 1,2 ./internal/sso/
//
// They make no timing assertions.

import (
	"context"
	gocrypto "crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/crypto"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/ssoweb"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

const (
	benchID       = "001190012345"
	benchPhone    = "+84912000001"
	benchPassword = "Matkhau@2024"
)

// benchEnv is a provider on SQLite with its pages and protocol endpoints
// on an httptest server, and one level-2 citizen who can sign in.
type benchEnv struct {
	st     store.Store
	sso    *sso.Service
	url    string
	issuer string
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	st := storetest.OpenSQLite(b)
	log := slog.New(slog.DiscardHandler)
	acfg := account.DefaultConfig()
	// Cheap password hashing: the benchmarks sign in once; what they time
	// is signing and the token endpoint, not argon2id.
	acfg.Argon2 = account.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}
	acc, err := account.New(ctx, acfg, account.Options{Store: st, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := seal.New(seal.Key{ID: 1, Bytes: key})
	if err != nil {
		b.Fatal(err)
	}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	b.Cleanup(srv.Close)
	e := &benchEnv{st: st, url: srv.URL, issuer: srv.URL + "/oidc"}
	// Codes live long enough for a benchmark's whole batch to be made
	// before the timer starts.
	e.sso, err = sso.New(sso.Config{CodeTTL: 30 * time.Minute, RequestTTL: 30 * time.Minute},
		sso.Options{Issuer: e.issuer, Store: st, Accounts: acc, Population: st, Box: box, SubjectKey: key, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.sso.RotateKeys(ctx); err != nil {
		b.Fatal(err)
	}
	web, err := ssoweb.New(ssoweb.Options{SSO: e.sso, Logger: log, TokenKey: [32]byte(key)})
	if err != nil {
		b.Fatal(err)
	}
	h = web

	today := identity.DateOf(time.Now())
	dob, _ := identity.ParseDate("1990-02-28")
	issued, _ := identity.ParseDate("2021-06-10")
	err = st.UpsertCitizens(ctx, []registry.Citizen{{ID: benchID, FullName: "Nguyễn Thị Ánh Đào", DateOfBirth: dob, Gender: identity.Female,
		PermanentAddress: registry.Address{HouseNumber: "Số 12", Street: "Phố Hàng Bạc", Commune: "Phường Hàng Đào",
			District: "Quận Hoàn Kiếm", Province: "Thành phố Hà Nội"}, LifeStatus: registry.Alive,
		Cards: []registry.IDCard{{Number: benchID, Chip: true, IssueDate: issued, ExpiryDate: today.AddYears(5), Status: registry.CardValid}}}})
	if err != nil {
		b.Fatal(err)
	}
	hash, err := account.HashPassword(benchPassword, acfg.Argon2)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if err := st.CreateAccount(ctx, store.Account{ID: "acc-bench", IDNumber: benchID, Phone: benchPhone, PasswordHash: hash,
		State: store.AccountActive, Level: 2, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}); err != nil {
		b.Fatal(err)
	}
	return e
}

func (e *benchEnv) register(b *testing.B, id string, reg sso.Registration) sso.Registered {
	b.Helper()
	reg.Name, reg.Purpose = "Cổng thử tải", "Đo tải điểm cuối cấp mã"
	reg.RedirectURIs = []string{"http://127.0.0.1/bench/callback"}
	r, err := e.sso.RegisterClient(context.Background(), "officer:bench", id, reg)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// idTokenClaims are the claims of an ID token the token endpoint issues
// for a login with scopes openid profile personal_id: the library's
// standard claims, at_hash, sid and the personal ID number (profile
// claims go to userinfo only, since an access token is issued too).
func idTokenClaims(issuer, clientID string, alg jose.SignatureAlgorithm) *oidc.IDTokenClaims {
	now := time.Now()
	sub := "Xq3v9kQ0bW1nC7rT2yH5uJ8eL4oP6aS0dF1gZ3xM9cE" // pairwise: 43 characters of base64url
	c := oidc.NewIDTokenClaims(issuer, sub, []string{clientID}, now.Add(10*time.Minute), now, "n-0S6_WzA2Mj",
		sso.ACRLevel2, []string{"pwd", "sms", "mfa"}, clientID, 0)
	c.AccessTokenHash, _ = oidc.ClaimHash(strings.Repeat("A", 180), alg)
	ui := &oidc.UserInfo{Subject: sub}
	ui.AppendClaims("sid", "9f1c2d3e4b5a69788796a5b4c3d2e1f0")
	ui.PreferredUsername = benchID
	ui.AppendClaims("personal_id", benchID)
	c.SetUserInfo(ui)
	return c
}

// BenchmarkSignIDToken signs an ID token the way the token endpoint does
// (op.SignerFromKey with the keyring's current key for the client's
// algorithm, then JSON and a compact JWS): the signing limit of the
// provider. With -cpu 1 it is one core's rate, with -cpu 2 both cores'.
func BenchmarkSignIDToken(b *testing.B) {
	e := newBenchEnv(b)
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA} {
		id := "sign-" + strings.ToLower(string(alg))
		e.register(b, id, sso.Registration{IDTokenAlg: string(alg), Scopes: []string{"profile", "personal_id"}})
		b.Run(string(alg), func(b *testing.B) {
			ctx := sso.WithExchange(context.Background(), "", "")
			stg := e.sso.Storage()
			if _, err := stg.GetClientByClientID(ctx, id); err != nil {
				b.Fatal(err)
			}
			key, err := stg.SigningKey(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if key.SignatureAlgorithm() != alg {
				b.Fatalf("signing key is %s, want %s", key.SignatureAlgorithm(), alg)
			}
			claims := idTokenClaims(e.issuer, id, alg)
			tok, err := signWith(key, claims)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := signWith(key, claims); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(len(tok)), "bytes/token")
		})
	}
}

// BenchmarkSignature is the bare signature of BenchmarkSignIDToken: the
// keyring's private key signing a SHA-256 digest, without the library's
// JSON and JWS work.
func BenchmarkSignature(b *testing.B) {
	e := newBenchEnv(b)
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA} {
		id := "raw-" + strings.ToLower(string(alg))
		e.register(b, id, sso.Registration{IDTokenAlg: string(alg)})
		b.Run(string(alg), func(b *testing.B) {
			ctx := sso.WithExchange(context.Background(), "", "")
			stg := e.sso.Storage()
			if _, err := stg.GetClientByClientID(ctx, id); err != nil {
				b.Fatal(err)
			}
			key, err := stg.SigningKey(ctx)
			if err != nil {
				b.Fatal(err)
			}
			signer := key.Key().(gocrypto.Signer)
			msg := []byte(strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 30))
			digest := sha256.Sum256(msg)
			var opts gocrypto.SignerOpts = gocrypto.SHA256
			in := digest[:]
			if alg == jose.EdDSA {
				opts, in = gocrypto.Hash(0), msg // Ed25519 signs the message itself
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := signer.Sign(rand.Reader, in, opts); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func signWith(key op.SigningKey, claims *oidc.IDTokenClaims) (string, error) {
	signer, err := op.SignerFromKey(key)
	if err != nil {
		return "", err
	}
	return crypto.Sign(claims, signer)
}

// rp is a confidential relying party's side of the benchmark: a browser
// signed in at the provider (so authorizations need no password) and the
// token endpoint's client.
type rp struct {
	e              *benchEnv
	id, secret     string
	browser, token *http.Client
	scopes         string
}

const benchCallback = "http://127.0.0.1/bench/callback"

func newTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 64, 64
	return tr
}

func (e *benchEnv) rp(b *testing.B, scopes ...string) *rp {
	b.Helper()
	id := "tok-" + fmt.Sprint(len(scopes)) + "-" + strings.ReplaceAll(strings.Join(scopes, "-"), "_", "")
	reg := e.register(b, id, sso.Registration{Scopes: scopes})
	jar, _ := cookiejar.New(nil)
	r := &rp{e: e, id: id, secret: reg.Secret, scopes: "openid " + strings.Join(scopes, " "),
		browser: &http.Client{Jar: jar, Transport: newTransport(), CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), benchCallback) {
				return http.ErrUseLastResponse
			}
			return nil
		}},
		token: &http.Client{Transport: newTransport()}}
	r.signIn(b)
	return r
}

var (
	ticketField = regexp.MustCompile(`name="ticket" value="([^"]*)"`)
	csrfField   = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
	sixDigits   = regexp.MustCompile(`\b\d{6}\b`)
)

func (r *rp) send(req *http.Request) (*http.Response, string, error) {
	resp, err := r.browser.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

func (r *rp) post(path string, form url.Values) (*http.Response, string, error) {
	req, _ := http.NewRequest(http.MethodPost, r.e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r.send(req)
}

func (r *rp) authURL(state, verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return r.e.issuer + "/authorize?" + url.Values{"response_type": {"code"}, "client_id": {r.id}, "redirect_uri": {benchCallback},
		"scope": {r.scopes}, "state": {state}, "nonce": {"n-" + state}, "acr_values": {"LoA2"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}.Encode()
}

// signIn signs the browser in once with the password and SMS code and
// approves the consent screen.
func (r *rp) signIn(b *testing.B) {
	b.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.authURL("first", oauthVerifier()), nil)
	resp, body, err := r.send(req)
	if err != nil || resp.Request.URL.Path != "/oidc/login" {
		b.Fatalf("authorize: %v", err)
	}
	id := resp.Request.URL.Query().Get("id")
	csrf := func(body string) string {
		if m := csrfField.FindStringSubmatch(body); m != nil {
			return html.UnescapeString(m[1])
		}
		return ""
	}
	_, body, err = r.post("/oidc/login/password", url.Values{"id": {id}, "csrf": {csrf(body)}, "id_number": {benchID}, "password": {benchPassword}})
	m := ticketField.FindStringSubmatch(body)
	if err != nil || m == nil {
		b.Fatalf("password: %v %.300s", err, body)
	}
	msgs, err := r.e.st.ListOutbox(context.Background(), store.OutboxFilter{Recipient: benchPhone, Limit: 5})
	if err != nil || len(msgs) == 0 || msgs[0].Template != notify.TemplateOTP {
		b.Fatalf("no OTP in the outbox: %v", err)
	}
	_, body, err = r.post("/oidc/login/otp", url.Values{"id": {id}, "csrf": {csrf(body)}, "ticket": {html.UnescapeString(m[1])}, "code": {sixDigits.FindString(msgs[0].Body)}})
	if err != nil {
		b.Fatal(err)
	}
	if strings.Contains(body, `name="decision"`) {
		if _, _, err = r.post("/oidc/consent", url.Values{"id": {id}, "csrf": {csrf(body)}, "decision": {"approve"}}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := r.code("check"); err != nil {
		b.Fatal(err)
	}
}

func oauthVerifier() string {
	v := make([]byte, 32)
	_, _ = rand.Read(v)
	return base64.RawURLEncoding.EncodeToString(v)
}

type grant struct{ code, verifier string }

// code runs an authorization with the signed-in browser and returns the
// code (no password, consent remembered).
func (r *rp) code(state string) (grant, error) {
	g := grant{verifier: oauthVerifier()}
	req, _ := http.NewRequest(http.MethodGet, r.authURL(state, g.verifier), nil)
	resp, body, err := r.send(req)
	if err != nil {
		return g, err
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode/100 != 3 || loc == nil || loc.Query().Get("code") == "" || loc.Query().Get("state") != state {
		return g, fmt.Errorf("authorize stopped at %s (%d): %.300s", resp.Request.URL, resp.StatusCode, body)
	}
	g.code = loc.Query().Get("code")
	return g, nil
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
}

// exchange posts to the token endpoint with client_secret_basic.
func (r *rp) exchange(form url.Values) (tokenResponse, error) {
	var t tokenResponse
	req, _ := http.NewRequest(http.MethodPost, r.e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(r.id), url.QueryEscape(r.secret))
	resp, err := r.token.Do(req)
	if err != nil {
		return t, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return t, fmt.Errorf("token endpoint: %d %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &t); err != nil {
		return t, err
	}
	if t.AccessToken == "" || t.IDToken == "" {
		return t, fmt.Errorf("token endpoint: no access or ID token: %s", body)
	}
	return t, nil
}

func (r *rp) redeem(g grant) (tokenResponse, error) {
	return r.exchange(url.Values{"grant_type": {"authorization_code"}, "code": {g.code}, "redirect_uri": {benchCallback},
		"code_verifier": {g.verifier}})
}

// BenchmarkTokenEndpoint measures the token endpoint over HTTP (httptest,
// SQLite): "code" exchanges authorization codes (client_secret_basic,
// PKCE; an opaque access token and an RS256 ID token with the personal ID
// number), the codes made before the timer starts; "refresh" redeems
// refresh tokens, each goroutine rotating its own grant (every token used
// once). Client and server share the machine's cores.
func BenchmarkTokenEndpoint(b *testing.B) {
	e := newBenchEnv(b)
	code := e.rp(b, "profile", "personal_id")
	refresh := e.rp(b, "offline_access", "personal_id", "profile")
	b.Run("code", func(b *testing.B) {
		r := code
		grants := make([]grant, b.N)
		for i := range grants {
			g, err := r.code(fmt.Sprint("s", i))
			if err != nil {
				b.Fatal(err)
			}
			grants[i] = g
		}
		var next atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := r.redeem(grants[next.Add(1)-1]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("refresh", func(b *testing.B) {
		r := refresh
		chains := make([]string, 4*runtime.GOMAXPROCS(0))
		for i := range chains {
			g, err := r.code(fmt.Sprint("r", i))
			if err != nil {
				b.Fatal(err)
			}
			t, err := r.redeem(g)
			if err != nil || t.RefreshToken == "" {
				b.Fatalf("no refresh token: %v", err)
			}
			chains[i] = t.RefreshToken
		}
		var next atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(1)-1) % len(chains) // this goroutine's grant
			for pb.Next() {
				t, err := r.exchange(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {chains[i]}})
				if err != nil || t.RefreshToken == "" {
					b.Errorf("refresh: %v", err)
					return
				}
				chains[i] = t.RefreshToken
			}
		})
	})
}
