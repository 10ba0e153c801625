package portal_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
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

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/portal"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/ssoweb"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/wallet"
)

// Citizens of the test population: acc0 is level2ID, acc1 level1ID.
const (
	level2ID   = "001190012345"
	level1ID   = "079085000123"
	level2Name = "Nguyễn Thị Ánh Đào"
	level1Name = "Trần Văn Bình"
	password   = "Matkhau@2024"
)

var phones = map[string]string{level2ID: "+84912000001", level1ID: "+84912000002"}

// env is a running server wired like `vneid serve` (cmd/vneid/portal.go):
// the provider's pages at /oidc, the portal at /portal and the API at /.
type env struct {
	t      *testing.T
	st     store.Store
	acc    *account.Service
	sso    *sso.Service
	url    string
	issuer string
}

// inbox is the portal's notifications inbox read straight from the store.
type inbox struct{ st store.Store }

func (i inbox) Inbox(ctx context.Context, accountID string, limit int) ([]store.InboxMessage, error) {
	return i.st.ListInbox(ctx, accountID, limit)
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
	cheap := account.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}
	acfg := account.DefaultConfig()
	acfg.Argon2 = cheap
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
	e := &env{t: t, st: st, acc: acc, url: srv.URL, issuer: srv.URL + ssoweb.Prefix}
	e.sso, err = sso.New(sso.Config{}, sso.Options{Issuer: e.issuer, Store: st, Accounts: acc, Population: st, Box: box,
		SubjectKey: key, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sso.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	wcfg := wallet.DefaultConfig()
	wcfg.Argon2 = cheap
	wal, err := wallet.New(ctx, wcfg, wallet.Options{Store: st, Passwords: acc, Issuer: e.sso, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	locks, err := locking.New(locking.Options{Store: st, Codes: acc, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	apiSrv := api.New(api.Options{Accounts: acc, SSO: e.sso, Wallet: wal, Locking: locks, Store: st, Logger: log, Version: "test"})
	web, err := ssoweb.New(ssoweb.Options{SSO: e.sso, Logger: log, ClientIP: apiSrv.ClientIP, TokenKey: [32]byte(key)})
	if err != nil {
		t.Fatal(err)
	}
	// As mountPortal: the client secret, the handler, the client.
	secret := base64.RawURLEncoding.EncodeToString(key[:24])
	ph, err := portal.New(portal.Options{Accounts: acc, SSO: e.sso, Wallet: wal, Locks: locks, Inbox: inbox{st},
		Provider: web, TokenURL: e.issuer + ssoweb.TokenPath, Issuer: e.issuer, PublicURL: srv.URL,
		SessionCookie: ssoweb.SessionCookie, Logger: log, ClientIP: apiSrv.ClientIP, ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sso.EnsurePortalClient(ctx, ph.RedirectURI(), ph.HomeURL(), secret); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(ssoweb.Prefix+"/", web)
	mux.Handle(portal.Prefix, ph)
	mux.Handle(portal.Prefix+"/", ph)
	mux.Handle("/", apiSrv)
	h = mux

	today := identity.DateOf(time.Now())
	var pop []registry.Citizen
	for id, name := range map[string]string{level2ID: level2Name, level1ID: level1Name} {
		pop = append(pop, registry.Citizen{ID: id, FullName: name, DateOfBirth: d("1990-02-28"), Gender: identity.Female,
			PermanentAddress: registry.Address{HouseNumber: "Số 12", Street: "Phố Hàng Bạc", Commune: "Phường Hàng Đào",
				District: "Quận Hoàn Kiếm", Province: "Thành phố Hà Nội"}, LifeStatus: registry.Alive,
			Cards: []registry.IDCard{{Number: id, Chip: true, IssueDate: d("2021-06-10"), ExpiryDate: today.AddYears(5), Status: registry.CardValid}}})
	}
	if err := st.UpsertCitizens(ctx, pop); err != nil {
		t.Fatal(err)
	}
	hash, err := account.HashPassword(password, cheap)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		id    string
		level int
	}{{level2ID, 2}, {level1ID, 1}} {
		now := time.Now()
		err := st.CreateAccount(ctx, store.Account{ID: "acc" + string(rune('0'+i)), IDNumber: c.id, Phone: phones[c.id],
			PasswordHash: hash, State: store.AccountActive, Level: c.level, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now})
		if err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// forEachBackend runs fn on a fresh env on SQLite and on PostgreSQL.
func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, newEnv(t, func(t testing.TB) store.Store { return b.Open(t) })) })
	}
}

// register registers a relying party with a name.
func (e *env) register(id, name string) {
	e.t.Helper()
	_, err := e.sso.RegisterClient(context.Background(), "officer:admin", id, sso.Registration{Name: name,
		Purpose: "Mục đích của " + name, Scopes: []string{"profile"}, RedirectURIs: []string{"https://" + id + "/cb"}})
	if err != nil {
		e.t.Fatal(err)
	}
}

// browser is a citizen's browser: it keeps cookies and follows redirects
// on the server, but stops at any other site, and at every redirect when
// manual is set.
type browser struct {
	e      *env
	hc     *http.Client
	manual bool
	// last is the body of the last page, whose csrf field post sends with
	// a form that has none.
	last string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{e: e}
	b.hc = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if b.manual || !strings.HasPrefix(req.URL.String(), e.url+"/") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

type page struct {
	status int
	url    *url.URL // where the browser stopped (a redirect's Location)
	body   string
	header http.Header
}

// code is the error code an error page shows.
func (p page) code() string {
	m := errorCode.FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return m[1]
}

var (
	errorCode  = regexp.MustCompile(`<code>([a-z_]+)</code>`)
	stackTrace = regexp.MustCompile(`goroutine \d+|\.go:\d+|runtime/debug|panic\(`)
)

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	if m := stackTrace.FindString(b.last); m != "" {
		b.e.t.Errorf("%s %s: the page shows %q", req.Method, req.URL, m)
	}
	u := resp.Request.URL
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode/100 == 3 {
		if l, err := resp.Request.URL.Parse(loc); err == nil {
			u = l
		}
	}
	return page{status: resp.StatusCode, url: u, body: string(body), header: resp.Header}
}

// get fetches a path on the server (or an absolute URL).
func (b *browser) get(u string) page {
	b.e.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.e.url + u
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

// post posts the form with, unless it has a csrf field (even empty), the
// csrf token of the last page, like a browser submitting that page's form.
// hdr are extra headers, in pairs.
func (b *browser) post(path string, form url.Values, hdr ...string) page {
	b.e.t.Helper()
	if _, ok := form["csrf"]; !ok {
		if tok := field(b.last, "csrf"); tok != "" {
			form = maps.Clone(form)
			form.Set("csrf", tok)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.do(req)
}

// cookie returns the value of a cookie the browser sends to path.
func (b *browser) cookie(path, name string) string {
	u, _ := url.Parse(b.e.url + path)
	for _, c := range b.hc.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// setCookie puts a cookie in the browser's jar.
func (b *browser) setCookie(path, name, value string) {
	u, _ := url.Parse(b.e.url + path)
	b.hc.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: path}})
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

// otp returns the newest sign-in code sent to phone.
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

// signInAt starts at a portal path (/portal/login?...) and walks the
// provider's pages with the ID number, password and SMS code; it returns
// the page where the browser stopped.
func (b *browser) signInAt(start, idNumber, pw string) page {
	b.e.t.Helper()
	p := b.get(start)
	if p.url.Path != ssoweb.Prefix+"/login" {
		return p
	}
	id := p.url.Query().Get("id")
	p = b.post(ssoweb.Prefix+"/login/password", url.Values{"id": {id}, "id_number": {idNumber}, "password": {pw}})
	if p.status != http.StatusOK || !strings.Contains(p.body, `name="ticket"`) {
		return p
	}
	return b.post(ssoweb.Prefix+"/login/otp", url.Values{"id": {id}, "ticket": {field(p.body, "ticket")}, "code": {b.e.otp(phones[idNumber])}})
}

// signIn signs the citizen in and fails the test unless the browser ends
// on the portal's overview.
func (b *browser) signIn(idNumber string) page {
	b.e.t.Helper()
	p := b.signInAt(portal.Prefix+"/login", idNumber, password)
	if p.status != http.StatusOK || p.url.Path != portal.Prefix+"/" {
		b.e.t.Fatalf("sign-in stopped at %s (%d): %.400s", p.url, p.status, p.body)
	}
	return p
}

// signedIn returns a browser signed in as level2ID.
func (e *env) signedIn() *browser {
	e.t.Helper()
	b := e.browser()
	b.signIn(level2ID)
	return b
}

// webSession returns the ID of the account's live web session.
func (e *env) webSession(accountID string) string {
	e.t.Helper()
	l, err := e.st.LiveSessions(context.Background(), accountID, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, s := range l {
		if s.Kind == store.SessionWeb {
			return s.ID
		}
	}
	e.t.Fatalf("%s has no live web session: %+v", accountID, l)
	return ""
}

// expectProblem fails unless p is the error page with status and code.
func expectProblem(t *testing.T, p page, status int, code string) {
	t.Helper()
	if p.status != status || p.code() != code {
		t.Errorf("got %d %q at %s, want %d %q: %.300s", p.status, p.code(), p.url, status, code, p.body)
	}
}

// expectRedirect fails unless p is a redirect to path (with the query
// when it has one).
func expectRedirect(t *testing.T, p page, status int, target string) {
	t.Helper()
	if p.status != status || p.url.RequestURI() != target {
		t.Errorf("got %d to %s, want %d to %s: %.300s", p.status, p.url.RequestURI(), status, target, p.body)
	}
}
