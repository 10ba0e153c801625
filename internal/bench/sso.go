package bench

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	oidccrypto "github.com/zitadel/oidc/v3/pkg/crypto"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/store"
)

// SSOAccount is a citizen who signs in at the provider's pages: the ID
// number, the password and the phone the SMS codes go to.
type SSOAccount struct {
	IDNumber string
	Password string
	Phone    string
}

// CreateSSOAccounts makes n accounts with CreateAccounts (straight into
// st, argon2id with params, which must be the server's) and gives each an
// active level-2 e-ID, as if activated after the police desk: what "log in
// with VNeID" at LoA2 needs. It returns the accounts with their phones.
func CreateSSOAccounts(ctx context.Context, st store.Store, ids []string, n int, password string, params account.Argon2Params) ([]SSOAccount, error) {
	creds, err := CreateAccounts(ctx, st, ids, n, password, params)
	if err != nil {
		return nil, err
	}
	out := make([]SSOAccount, 0, len(creds))
	for _, c := range creds {
		a, err := st.AccountByIDNumber(ctx, c.IDNumber)
		if err != nil {
			return out, fmt.Errorf("bench: sso accounts: %w", err)
		}
		err = st.UpdateEID(ctx, a.ID, store.EIDUpdate{From: store.EIDNone, To: store.EIDActive, Level: 2, At: time.Now()})
		if err != nil {
			return out, fmt.Errorf("bench: sso accounts: level 2 for %s: %w", c.IDNumber, err)
		}
		out = append(out, SSOAccount{IDNumber: c.IDNumber, Password: c.Password, Phone: a.Phone})
	}
	return out, nil
}

// SSOClient is the confidential relying party (client_secret_basic) the
// load signs in to.
type SSOClient struct {
	ID          string
	Secret      string
	RedirectURI string
	// Scopes are what the client asks for besides openid.
	Scopes []string
	// ACR is the acr_values of the authorization requests ("LoA2").
	ACR string
}

// SSORedirectURI is the bench client's redirect URI. Nothing listens
// there: the load stops at the redirect and reads the code from it.
const SSORedirectURI = "http://127.0.0.1/vneid-bench/callback"

// RegisterSSOClient registers (or, when id exists, updates and gives a new
// secret to) the bench's relying party: a confidential web client of the
// business kind allowed profile, personal_id and offline_access at level 2,
// signing its ID tokens with alg (RS256 when empty). actor is recorded in
// the audit log.
func RegisterSSOClient(ctx context.Context, s *sso.Service, actor, id, alg string) (SSOClient, error) {
	reg := sso.Registration{Name: "Tải thử VNeID (vneid bench sso)", NameEN: "VNeID load test (vneid bench sso)",
		Purpose: "Đo tải đăng nhập bằng VNeID", PurposeEN: "Load test of log in with VNeID", Type: sso.TypeWeb,
		AuthMethod: sso.AuthSecretBasic, RedirectURIs: []string{SSORedirectURI},
		Scopes: []string{sso.ScopeProfile, sso.ScopePersonalID, sso.ScopeOffline}, Levels: []int{2}, IDTokenAlg: alg}
	r, err := s.RegisterClient(ctx, actor, id, reg)
	if errors.Is(err, sso.ErrClientExists) {
		if _, err = s.UpdateClient(ctx, actor, id, reg); err == nil {
			if c, _ := s.Client(ctx, id); c != nil && c.Disabled {
				_, err = s.SetClientDisabled(ctx, actor, id, false)
			}
		}
		if err == nil {
			r, err = s.RotateSecret(ctx, actor, id)
		}
	}
	if err != nil {
		return SSOClient{}, fmt.Errorf("bench: register the relying party %s: %w", id, err)
	}
	return SSOClient{ID: r.Client.ID, Secret: r.Secret, RedirectURI: SSORedirectURI,
		Scopes: []string{sso.ScopeProfile, sso.ScopePersonalID}, ACR: sso.ACRLevel2}, nil
}

// SSOOptions configure SSOFlow and SSORefresh.
type SSOOptions struct {
	// Server is the base URL of the running server (loopback only); the
	// provider is at Server/oidc.
	Server string
	Client SSOClient
	// Accounts sign in; each is used by one worker at a time, so there
	// must be at least Concurrency of them.
	Accounts []SSOAccount
	// Store is the server's database, where the SMS codes are read from
	// the outbox (the server must keep message bodies: demo mode).
	Store store.Store
	// Duration of the measured run; Concurrency clients run at once.
	Duration    time.Duration
	Concurrency int
	// Grants is how many refresh tokens SSORefresh obtains first (one
	// login each, accounts in turn); len(Accounts) when 0.
	Grants int
	// CPU, if not nil, returns the CPU time the server and the tool have
	// used so far; it is read when the measured run starts and ends, and
	// the differences go in the result.
	CPU func() (server, tool time.Duration)
	// Progress, if not nil, is told when a phase starts ("obtaining 200
	// refresh tokens", "measuring").
	Progress func(phase string)
}

// SSOStep summarises one step of the runs: how many times it ran, its
// failures and latency quantiles of the successful ones.
type SSOStep struct {
	Name                    string
	Ops, Errors             int
	P50, P90, P95, P99, Max time.Duration
}

// SSOResult is the report of SSOFlow or SSORefresh.
type SSOResult struct {
	// Mode is "flow" (complete logins) or "token" (refresh grants).
	Mode string
	// Ops are the successful logins (flow) or refresh grants (token) of
	// the measured run, Errors the failed ones; PerSecond is Ops over
	// Duration, the run's wall time.
	Ops, Errors int
	Duration    time.Duration
	PerSecond   float64
	Concurrency int
	// Steps are the per-step figures: for a flow, each page and endpoint
	// and the whole login; for token mode, the refresh grant.
	Steps []SSOStep
	// Prepare is, in token mode, the logins that obtained the refresh
	// tokens (a flow run of its own).
	Prepare *SSOResult
	// ServerCPU and ToolCPU are the CPU time the server and the tool used
	// during the run, when SSOOptions.CPU is set (zero otherwise).
	ServerCPU, ToolCPU time.Duration
}

// Write prints the report as a table.
func (r SSOResult) Write(w io.Writer) {
	what := "logins"
	if r.Mode == "token" {
		what = "refresh grants"
	}
	fmt.Fprintf(w, "%s: %d %s, %d errors in %s at concurrency %d: %.1f %s/s\n", r.Mode, r.Ops, what, r.Errors,
		round(r.Duration), r.Concurrency, r.PerSecond, what)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tcount\terrors\tp50\tp90\tp95\tp99\tmax\t")
	for _, s := range r.Steps {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", s.Name, s.Ops, s.Errors, round(s.P50), round(s.P90), round(s.P95),
			round(s.P99), round(s.Max))
	}
	_ = tw.Flush()
	if r.Ops > 0 && (r.ServerCPU > 0 || r.ToolCPU > 0) {
		one := strings.TrimSuffix(what, "s")
		fmt.Fprintf(w, "CPU per %s: server %s, this tool %s (over the run: server %.2f cores, tool %.2f cores)\n", one,
			round(r.ServerCPU/time.Duration(r.Ops)), round(r.ToolCPU/time.Duration(r.Ops)),
			r.ServerCPU.Seconds()/r.Duration.Seconds(), r.ToolCPU.Seconds()/r.Duration.Seconds())
	}
}

// Step returns the step named name, or a zero SSOStep.
func (r SSOResult) Step(name string) SSOStep {
	for _, s := range r.Steps {
		if s.Name == name {
			return s
		}
	}
	return SSOStep{Name: name}
}

// Names of the steps of a login, in order.
const (
	StepAuthorize = "authorize"       // GET the authorization URL, to the sign-in page
	StepPassword  = "password"        // POST the ID number and password (argon2id); the SMS code is sent
	StepOutbox    = "sms code"        // the tool reads the code from the outbox (not server work)
	StepOTP       = "otp"             // POST the code; on to the consent page or the redirect
	StepConsent   = "consent"         // POST approve (first login of an account to the client)
	StepToken     = "token (code)"    // code exchange: opaque access token + ID token
	StepUserinfo  = "userinfo"        // GET userinfo with the access token
	StepLogin     = "whole login"     // all of the above
	StepRefresh   = "token (refresh)" // refresh_token grant: rotation, access token, ID token
)

var flowSteps = []string{StepAuthorize, StepPassword, StepOutbox, StepOTP, StepConsent, StepToken, StepUserinfo, StepLogin}

// stepStats are one worker's histograms.
type stepStats struct {
	h    map[string]*histogram
	errs map[string]int
}

func newStepStats() *stepStats { return &stepStats{h: map[string]*histogram{}, errs: map[string]int{}} }

func (s *stepStats) record(step string, d time.Duration) {
	h := s.h[step]
	if h == nil {
		h = new(histogram)
		s.h[step] = h
	}
	h.record(d)
}

func (s *stepStats) merge(o *stepStats) {
	for k, h := range o.h {
		if s.h[k] == nil {
			s.h[k] = new(histogram)
		}
		s.h[k].merge(h)
	}
	for k, n := range o.errs {
		s.errs[k] += n
	}
}

func (s *stepStats) steps(names []string) []SSOStep {
	var out []SSOStep
	for _, n := range names {
		h := s.h[n]
		if h == nil {
			h = new(histogram)
		}
		if h.n == 0 && s.errs[n] == 0 && n == StepConsent {
			continue
		}
		out = append(out, SSOStep{Name: n, Ops: int(h.n), Errors: s.errs[n], P50: h.quantile(0.50), P90: h.quantile(0.90),
			P95: h.quantile(0.95), P99: h.quantile(0.99), Max: h.max})
	}
	return out
}

func (r *ssoRun) progress(phase string) {
	if r.o.Progress != nil {
		r.o.Progress(phase)
	}
}

// cpu reads the CPU clocks now and returns a function that returns the
// time used since.
func (r *ssoRun) cpu() func() (server, tool time.Duration) {
	if r.o.CPU == nil {
		return func() (time.Duration, time.Duration) { return 0, 0 }
	}
	s0, t0 := r.o.CPU()
	return func() (time.Duration, time.Duration) {
		s1, t1 := r.o.CPU()
		return s1 - s0, t1 - t0
	}
}

// ssoMeta is what the tool reads from discovery.
type ssoMeta struct {
	Issuer   string `json:"issuer"`
	Authz    string `json:"authorization_endpoint"`
	Token    string `json:"token_endpoint"`
	Userinfo string `json:"userinfo_endpoint"`
	JWKS     string `json:"jwks_uri"`
}

// ssoRun is the state shared by the workers of a run.
type ssoRun struct {
	o    SSOOptions
	meta ssoMeta
	tr   *http.Transport
	hc   *http.Client // no cookies, no redirects: token, userinfo, keys

	keysMu sync.Mutex
	keys   jose.JSONWebKeySet

	stop    atomic.Bool
	mu      sync.Mutex
	first   error
	limited error
}

// stepError is a failure of one step.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func (r *ssoRun) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.first == nil {
		r.first = err
	}
	if errors.Is(err, ErrRateLimited) && r.limited == nil {
		r.limited = err
		r.stop.Store(true)
	}
}

func newSSORun(ctx context.Context, o SSOOptions) (*ssoRun, error) {
	if err := checkLoopback(o.Server); err != nil {
		return nil, err
	}
	if o.Store == nil {
		return nil, errors.New("bench: sso: no store to read the SMS codes from")
	}
	if o.Client.ID == "" || o.Client.Secret == "" || o.Client.RedirectURI == "" {
		return nil, errors.New("bench: sso: the relying party needs an ID, a secret and a redirect URI")
	}
	if o.Duration <= 0 || o.Duration > MaxDuration {
		return nil, fmt.Errorf("bench: sso: duration %s out of range (0, %s]", o.Duration, MaxDuration)
	}
	o.Concurrency = max(o.Concurrency, 1)
	if o.Concurrency > MaxConcurrency {
		return nil, fmt.Errorf("bench: sso: concurrency %d above %d", o.Concurrency, MaxConcurrency)
	}
	if len(o.Accounts) < o.Concurrency {
		return nil, fmt.Errorf("bench: sso: %d accounts for %d concurrent clients; each client needs accounts of its own", len(o.Accounts), o.Concurrency)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 4*o.Concurrency, 4*o.Concurrency
	r := &ssoRun{o: o, tr: tr, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if err := r.getJSON(ctx, strings.TrimRight(o.Server, "/")+"/oidc/.well-known/openid-configuration", &r.meta); err != nil {
		return nil, fmt.Errorf("bench: sso: discovery: %w", err)
	}
	for _, u := range []string{r.meta.Issuer, r.meta.Authz, r.meta.Token, r.meta.Userinfo, r.meta.JWKS} {
		if err := checkLoopback(u); err != nil {
			return nil, fmt.Errorf("bench: sso: discovery names %q: %w (start the server with -public-url %s)", u, err, o.Server)
		}
	}
	if err := r.loadKeys(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *ssoRun) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %.200s", u, resp.StatusCode, body)
	}
	return json.Unmarshal(body, v)
}

func (r *ssoRun) loadKeys(ctx context.Context) error {
	var set jose.JSONWebKeySet
	if err := r.getJSON(ctx, r.meta.JWKS, &set); err != nil {
		return fmt.Errorf("bench: sso: keys: %w", err)
	}
	r.keysMu.Lock()
	r.keys = set
	r.keysMu.Unlock()
	return nil
}

func (r *ssoRun) key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	for range 2 {
		r.keysMu.Lock()
		ks := r.keys.Key(kid)
		r.keysMu.Unlock()
		if len(ks) > 0 {
			return &ks[0], nil
		}
		if err := r.loadKeys(ctx); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no published key %q", kid)
}

// idClaims are the ID token claims the tool checks.
type idClaims struct {
	Issuer   string          `json:"iss"`
	Subject  string          `json:"sub"`
	Audience json.RawMessage `json:"aud"`
	Nonce    string          `json:"nonce"`
	ACR      string          `json:"acr"`
	Expiry   int64           `json:"exp"`
	PID      string          `json:"personal_id"`
}

// verifyIDToken checks the ID token's signature with the published keys
// and its issuer, audience, expiry, nonce (if given) and, with acr, its
// acr.
func (r *ssoRun) verifyIDToken(ctx context.Context, raw, nonce string, acr bool) (idClaims, error) {
	var c idClaims
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		return c, fmt.Errorf("ID token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return c, errors.New("ID token: not one signature")
	}
	k, err := r.key(ctx, jws.Signatures[0].Header.KeyID)
	if err != nil {
		return c, fmt.Errorf("ID token: %w", err)
	}
	payload, err := jws.Verify(k)
	if err != nil {
		return c, fmt.Errorf("ID token: %w", err)
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, fmt.Errorf("ID token: %w", err)
	}
	var aud []string
	if json.Unmarshal(c.Audience, &aud) != nil {
		var one string
		_ = json.Unmarshal(c.Audience, &one)
		aud = []string{one}
	}
	switch {
	case c.Issuer != r.meta.Issuer:
		return c, fmt.Errorf("ID token: issuer %q, want %q", c.Issuer, r.meta.Issuer)
	case !slices.Contains(aud, r.o.Client.ID):
		return c, fmt.Errorf("ID token: audience %s lacks %s", c.Audience, r.o.Client.ID)
	case time.Unix(c.Expiry, 0).Before(time.Now()):
		return c, errors.New("ID token: expired")
	case nonce != "" && c.Nonce != nonce:
		return c, fmt.Errorf("ID token: nonce %q, want %q", c.Nonce, nonce)
	case acr && r.o.Client.ACR != "" && c.ACR != r.o.Client.ACR:
		return c, fmt.Errorf("ID token: acr %q, want %q", c.ACR, r.o.Client.ACR)
	case c.Subject == "":
		return c, errors.New("ID token: no subject")
	}
	return c, nil
}

// tokenReply is the token endpoint's answer.
type tokenReply struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

func (r *ssoRun) token(ctx context.Context, form url.Values) (tokenReply, error) {
	var t tokenReply
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.meta.Token, strings.NewReader(form.Encode()))
	if err != nil {
		return t, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(r.o.Client.ID), url.QueryEscape(r.o.Client.Secret))
	resp, err := r.hc.Do(req)
	if err != nil {
		return t, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = json.Unmarshal(body, &t)
	if resp.StatusCode == http.StatusTooManyRequests {
		return t, fmt.Errorf("%w: token endpoint: %s", ErrRateLimited, body)
	}
	if resp.StatusCode != http.StatusOK {
		return t, fmt.Errorf("token endpoint: %d %s: %s", resp.StatusCode, t.Error, t.Description)
	}
	if t.AccessToken == "" || t.IDToken == "" || !strings.EqualFold(t.TokenType, "bearer") {
		return t, fmt.Errorf("token endpoint: no access token, ID token or bearer type: %.300s", body)
	}
	return t, nil
}

// userinfo reads the claims with an access token.
func (r *ssoRun) userinfo(ctx context.Context, access string) (idClaims, error) {
	var c idClaims
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.meta.Userinfo, nil)
	if err != nil {
		return c, err
	}
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := r.hc.Do(req)
	if err != nil {
		return c, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return c, fmt.Errorf("userinfo: %d %.200s", resp.StatusCode, body)
	}
	return c, json.Unmarshal(body, &c)
}

var (
	ticketInput = regexp.MustCompile(`name="ticket" value="([^"]*)"`)
	csrfInput   = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
	pageError   = regexp.MustCompile(`(?s)class="err"[^>]*>.*?<span class="en">(.*?)</span>`)
)

// page is a page the browser stopped at.
type page struct {
	status int
	url    *url.URL // the page's address, or where a redirect to the relying party points
	body   string
}

// pageFailure describes a page that is not the expected one, as a rate
// limit (429) or with the page's error message.
func pageFailure(p page, want string) error {
	msg := fmt.Sprintf("want %s, got %d at %s", want, p.status, p.url.Path)
	if m := pageError.FindStringSubmatch(p.body); m != nil {
		msg += ": " + html.UnescapeString(m[1])
	}
	if p.status == http.StatusTooManyRequests {
		return fmt.Errorf("%w (login-ip, login-id, otp-verify-ip, otp_daily_limit): %s", ErrRateLimited, msg)
	}
	return errors.New(msg)
}

// browser is one citizen's browser for one login: its own cookies; it
// stops at the relying party's redirect URI.
type browser struct {
	r  *ssoRun
	hc *http.Client
}

func (r *ssoRun) browser() *browser {
	jar, _ := cookiejar.New(nil)
	redirect := r.o.Client.RedirectURI
	return &browser{r: r, hc: &http.Client{Transport: r.tr, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), redirect) {
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return errors.New("too many redirects")
			}
			return nil
		}}}
}

func (b *browser) do(req *http.Request) (page, error) {
	resp, err := b.hc.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return page{}, err
	}
	p := page{status: resp.StatusCode, url: resp.Request.URL, body: string(body)}
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode/100 == 3 {
		if u, err := resp.Request.URL.Parse(loc); err == nil {
			p.url = u
		}
	}
	return p, nil
}

func (b *browser) get(ctx context.Context, u string) (page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return page{}, err
	}
	return b.do(req)
}

// post submits a form whose action is path, relative to the page at.
func (b *browser) post(ctx context.Context, at *url.URL, path string, form url.Values) (page, error) {
	u, err := at.Parse(path)
	if err != nil {
		return page{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return page{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// csrfOf is the CSRF token of the page's form.
func csrfOf(body string) string {
	if m := csrfInput.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// login runs one complete login of a and records each step's latency in
// st. It returns the tokens.
func (r *ssoRun) login(ctx context.Context, a SSOAccount, scopes []string, st *stepStats) (tokenReply, error) {
	start := time.Now()
	t0 := start
	step := func(name string) {
		now := time.Now()
		st.record(name, now.Sub(t0))
		t0 = now
	}
	fail := func(name string, err error) (tokenReply, error) {
		st.errs[name]++
		return tokenReply{}, &stepError{name, err}
	}
	b := r.browser()
	state, nonce, verifier := random(12), random(12), random(32)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {r.o.Client.ID}, "redirect_uri": {r.o.Client.RedirectURI},
		"scope": {strings.Join(append([]string{"openid"}, scopes...), " ")}, "state": {state}, "nonce": {nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	if r.o.Client.ACR != "" {
		q.Set("acr_values", r.o.Client.ACR)
	}
	p, err := b.get(ctx, r.meta.Authz+"?"+q.Encode())
	if err == nil && (p.status != http.StatusOK || p.url.Path != "/oidc/login") {
		err = pageFailure(p, "the sign-in page")
	}
	if err != nil {
		return fail(StepAuthorize, err)
	}
	id := p.url.Query().Get("id")
	step(StepAuthorize)

	p, err = b.post(ctx, p.url, "/oidc/login/password", url.Values{"id": {id}, "csrf": {csrfOf(p.body)}, "id_number": {a.IDNumber}, "password": {a.Password}})
	var m []string
	if err == nil {
		if m = ticketInput.FindStringSubmatch(p.body); p.status != http.StatusOK || m == nil {
			err = pageFailure(p, "the SMS code page")
		}
	}
	if err != nil {
		return fail(StepPassword, err)
	}
	step(StepPassword)

	code, err := outboxOTP(ctx, r.o.Store, a.Phone)
	if err != nil {
		return fail(StepOutbox, err)
	}
	step(StepOutbox)

	p, err = b.post(ctx, p.url, "/oidc/login/otp", url.Values{"id": {id}, "csrf": {csrfOf(p.body)}, "ticket": {html.UnescapeString(m[1])}, "code": {code}})
	consent := err == nil && p.status == http.StatusOK && strings.Contains(p.body, `name="decision"`)
	if err == nil && !consent && !strings.HasPrefix(p.url.String(), r.o.Client.RedirectURI) {
		err = pageFailure(p, "the consent page or the redirect")
	}
	if err != nil {
		return fail(StepOTP, err)
	}
	step(StepOTP)

	if consent {
		p, err = b.post(ctx, p.url, "/oidc/consent", url.Values{"id": {id}, "csrf": {csrfOf(p.body)}, "decision": {"approve"}})
		if err == nil && !strings.HasPrefix(p.url.String(), r.o.Client.RedirectURI) {
			err = pageFailure(p, "the redirect")
		}
		if err != nil {
			return fail(StepConsent, err)
		}
		step(StepConsent)
	}
	cb := p.url.Query()
	if cb.Get("state") != state || cb.Get("code") == "" {
		return fail(StepOTP, fmt.Errorf("redirect without the code or state: %s", p.url.Redacted()))
	}

	t, err := r.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {cb.Get("code")},
		"redirect_uri": {r.o.Client.RedirectURI}, "code_verifier": {verifier}})
	if err == nil && slices.Contains(scopes, sso.ScopeOffline) && t.RefreshToken == "" {
		err = errors.New("token endpoint: no refresh token for offline_access")
	}
	var claims idClaims
	if err == nil {
		claims, err = r.verifyIDToken(ctx, t.IDToken, nonce, true)
	}
	if err != nil {
		return fail(StepToken, err)
	}
	step(StepToken)

	info, err := r.userinfo(ctx, t.AccessToken)
	if err == nil && info.Subject != claims.Subject {
		err = fmt.Errorf("userinfo: subject %q, ID token's %q", info.Subject, claims.Subject)
	}
	if err == nil && slices.Contains(scopes, sso.ScopePersonalID) && info.PID != a.IDNumber {
		err = fmt.Errorf("userinfo: personal_id %q, want %s", info.PID, a.IDNumber)
	}
	if err != nil {
		return fail(StepUserinfo, err)
	}
	step(StepUserinfo)
	st.record(StepLogin, time.Since(start))
	return t, nil
}

// flow runs logins for about d with the given scopes. Worker w owns the
// accounts i ≡ w (mod concurrency) and takes them in turn, so no account
// is signing in twice at once (the SMS code read from the outbox is then
// the worker's own). With logins > 0 the run makes that many logins in all
// (worker w the logins j ≡ w) and ignores d. keep, if not nil, receives
// every login's tokens (from several goroutines).
func (r *ssoRun) flow(ctx context.Context, scopes []string, d time.Duration, logins int, keep func(tokenReply)) SSOResult {
	c := r.o.Concurrency
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		total   = newStepStats()
		started atomic.Int64
		errs    atomic.Int64
	)
	if logins <= 0 {
		r.progress(fmt.Sprintf("measuring: logins for %s at concurrency %d", d, c))
	} else {
		r.progress(fmt.Sprintf("obtaining %d refresh tokens (one login each) at concurrency %d", logins, c))
	}
	cpu := r.cpu()
	start := time.Now()
	deadline := start.Add(d)
	for w := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := newStepStats()
			var mine []SSOAccount
			for i := w; i < len(r.o.Accounts); i += c {
				mine = append(mine, r.o.Accounts[i])
			}
			for j := 0; !r.stop.Load() && ctx.Err() == nil; j++ {
				if logins > 0 && w+j*c >= logins || logins <= 0 && !time.Now().Before(deadline) || started.Add(1) > MaxLoginOps {
					break
				}
				a := mine[j%len(mine)]
				t, err := r.login(ctx, a, scopes, st)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					errs.Add(1)
					r.fail(fmt.Errorf("login %s: %w", a.IDNumber, err))
					continue
				}
				if keep != nil {
					keep(t)
				}
			}
			mu.Lock()
			total.merge(st)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := SSOResult{Mode: "flow", Errors: int(errs.Load()), Duration: time.Since(start), Concurrency: c, Steps: total.steps(flowSteps)}
	res.ServerCPU, res.ToolCPU = cpu()
	res.Ops = res.Step(StepLogin).Ops
	if res.Duration > 0 {
		res.PerSecond = float64(res.Ops) / res.Duration.Seconds()
	}
	return res
}

func (r *ssoRun) result(ctx context.Context, res SSOResult, what string) (SSOResult, error) {
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("bench: sso %s: %w", what, ctx.Err())
	case r.limited != nil:
		return res, fmt.Errorf("bench: sso %s: after %d: %w", what, res.Ops, r.limited)
	case res.Ops == 0 && r.first != nil:
		return res, fmt.Errorf("bench: sso %s: every attempt failed, the first with: %w", what, r.first)
	}
	return res, nil
}

// SSOFlow drives complete "log in with VNeID" logins against the server
// for about o.Duration, o.Concurrency at a time, each as a new browser
// (no session cookie): the authorization request (with PKCE, a nonce and
// the client's acr) to the sign-in page; the ID number and password; the
// SMS code, read from the outbox in o.Store; the consent screen when shown
// (an account's first login to the client); the redirect with the code;
// the code exchange at the token endpoint (the ID token's signature,
// issuer, audience, nonce and acr are checked against the published keys);
// userinfo (its subject and personal_id are checked). Result.Steps has
// each step's latencies and the whole login's.
//
// The server's login limits (login-ip, login-id), the SMS code checks per
// IP (otp-verify-ip) and the daily codes per phone (otp_daily_limit) stop
// a load test at once: they must be off or raised. SSOFlow stops at the
// first 429 and returns what it measured with an error wrapping
// ErrRateLimited. Other failures count in Result.Errors (and the failing
// step's Errors); if no login succeeds SSOFlow returns the first failure.
func SSOFlow(ctx context.Context, o SSOOptions) (SSOResult, error) {
	r, err := newSSORun(ctx, o)
	if err != nil {
		return SSOResult{}, err
	}
	defer r.tr.CloseIdleConnections()
	res := r.flow(ctx, o.Client.Scopes, o.Duration, 0, nil)
	return r.result(ctx, res, "flow")
}

// SSORefresh measures the token endpoint alone. It first obtains o.Grants
// refresh tokens (len(o.Accounts) when 0) with complete logins asking for
// offline_access as well (Result.Prepare reports them), then for about
// o.Duration o.Concurrency clients redeem refresh_token grants: each
// client owns grants of its own and takes them in turn; every grant rotates
// the refresh token and the new one is used the next time, so no token is
// presented twice (that would revoke the grant). Each answer must hold an
// access token, an ID token and a new refresh token; ID tokens are
// checked as in SSOFlow. The rate limits are as for SSOFlow.
func SSORefresh(ctx context.Context, o SSOOptions) (SSOResult, error) {
	r, err := newSSORun(ctx, o)
	if err != nil {
		return SSOResult{}, err
	}
	defer r.tr.CloseIdleConnections()
	grants := o.Grants
	if grants <= 0 {
		grants = len(o.Accounts)
	}
	if grants < r.o.Concurrency {
		return SSOResult{}, fmt.Errorf("bench: sso token: %d grants for %d concurrent clients", grants, r.o.Concurrency)
	}
	scopes := append(slices.Clone(o.Client.Scopes), sso.ScopeOffline)
	var (
		mu     sync.Mutex
		tokens []string
	)
	prep := r.flow(ctx, scopes, 0, grants, func(t tokenReply) {
		mu.Lock()
		tokens = append(tokens, t.RefreshToken)
		mu.Unlock()
	})
	prep.Mode = "token preparation (flow with offline_access)"
	if _, err := r.result(ctx, prep, "token: obtaining refresh tokens"); err != nil {
		return SSOResult{Mode: "token", Prepare: &prep}, err
	}
	if len(tokens) < r.o.Concurrency {
		return SSOResult{Mode: "token", Prepare: &prep}, fmt.Errorf("bench: sso token: only %d refresh tokens obtained: %w", len(tokens), r.first)
	}
	r.first = nil

	c := r.o.Concurrency
	var (
		wg    sync.WaitGroup
		total = newStepStats()
		errs  atomic.Int64
	)
	r.progress(fmt.Sprintf("measuring: refresh grants for %s at concurrency %d", o.Duration, c))
	cpu := r.cpu()
	start := time.Now()
	deadline := start.Add(o.Duration)
	for w := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := newStepStats()
			var mine []int
			for i := w; i < len(tokens); i += c {
				mine = append(mine, i)
			}
			for k := 0; !r.stop.Load() && ctx.Err() == nil && time.Now().Before(deadline) && len(mine) > 0; k++ {
				i := mine[k%len(mine)]
				t0 := time.Now()
				t, err := r.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokens[i]}})
				if err == nil && (t.RefreshToken == "" || t.RefreshToken == tokens[i]) {
					err = errors.New("token endpoint: the refresh token was not rotated")
				}
				if err == nil {
					_, err = r.verifyIDToken(ctx, t.IDToken, "", true)
				}
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					errs.Add(1)
					st.errs[StepRefresh]++
					r.fail(fmt.Errorf("refresh: %w", err))
					// The grant may be revoked now: drop it.
					mine = slices.Delete(mine, k%len(mine), k%len(mine)+1)
					continue
				}
				tokens[i] = t.RefreshToken
				st.record(StepRefresh, d)
			}
			mu.Lock()
			total.merge(st)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := SSOResult{Mode: "token", Errors: int(errs.Load()), Duration: time.Since(start), Concurrency: c,
		Steps: total.steps([]string{StepRefresh}), Prepare: &prep}
	res.ServerCPU, res.ToolCPU = cpu()
	res.Ops = res.Step(StepRefresh).Ops
	if res.Duration > 0 {
		res.PerSecond = float64(res.Ops) / res.Duration.Seconds()
	}
	return r.result(ctx, res, "token")
}

// SigningRate returns how many ID tokens per second workers goroutines
// sign together for about d (one second when d <= 0) with a fresh key of
// alg (RS256 2048-bit, ES256 or EdDSA), the way the provider's token
// endpoint does (zitadel/oidc's op.SignerFromKey and crypto.Sign: go-jose
// with the key ID and typ JWT over an ID token's claims, with at_hash, sid
// and the personal ID number, about 700 bytes of JSON). With
// runtime.GOMAXPROCS(0) workers it is the machine's signing bound: the
// most ID tokens a server here could issue per second if it did nothing
// else. internal/sso's BenchmarkSignIDToken measures the same with the
// keyring's keys.
func SigningRate(alg string, d time.Duration, workers int) (float64, error) {
	if d <= 0 {
		d = time.Second
	}
	workers = max(workers, 1)
	priv, err := sso.GenerateKey(jose.SignatureAlgorithm(alg))
	if err != nil {
		return 0, fmt.Errorf("bench: signing rate: %w", err)
	}
	key := signingKey{alg: jose.SignatureAlgorithm(alg), key: priv}
	now := time.Now()
	sub := random(32)
	claims := oidc.NewIDTokenClaims("http://127.0.0.1:8080/oidc", sub, []string{"vneid-bench"}, now.Add(10*time.Minute), now,
		random(12), sso.ACRLevel2, []string{"pwd", "sms", "mfa"}, "vneid-bench", 0)
	claims.AccessTokenHash, _ = oidc.ClaimHash(random(135), key.alg)
	ui := &oidc.UserInfo{Subject: sub}
	ui.AppendClaims("sid", random(16))
	ui.PreferredUsername = "001190012345"
	ui.AppendClaims("personal_id", "001190012345")
	claims.SetUserInfo(ui)
	var (
		wg    sync.WaitGroup
		total atomic.Int64
		fail  atomic.Value
	)
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := int64(0)
			for n == 0 || time.Now().Before(deadline) {
				s, err := op.SignerFromKey(key)
				if err == nil {
					_, err = oidccrypto.Sign(claims, s)
				}
				if err != nil {
					fail.Store(err)
					return
				}
				n++
			}
			total.Add(n)
		}()
	}
	wg.Wait()
	if err, ok := fail.Load().(error); ok {
		return 0, fmt.Errorf("bench: signing rate: %w", err)
	}
	return float64(total.Load()) / time.Since(start).Seconds(), nil
}

// signingKey is an op.SigningKey.
type signingKey struct {
	alg jose.SignatureAlgorithm
	key crypto.Signer
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return "bench" }
