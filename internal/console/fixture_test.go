package console_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/console"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/jurisdiction"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/testkit"
	"github.com/vneid/vneid/internal/totp"
	"github.com/vneid/vneid/internal/workday"
)

// clock is the officer service's clock in tests: each login moves it one
// TOTP period on, so that one officer can sign in several times without
// waiting for a new code.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// syncBuffer collects log output from concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a console on a real store with real services.
type env struct {
	st       *sqlstore.DB
	box      *seal.Box
	officers *officer.Service
	eid      *eid.Service
	clock    *clock // nil: the officer service runs on the real clock
	pki      *testkit.PKI
	units    *jurisdiction.Directory
	accounts *account.Service // sends and checks the desk's consent codes
	cal      *workday.Calendar
	handler  *console.Handler
	srv      *httptest.Server
	logs     *syncBuffer
}

// newEnv builds the services on st and serves the console the way the
// server does, under /console/.
func newEnv(t testing.TB, st *sqlstore.DB, clk *clock) *env {
	t.Helper()
	ctx := context.Background()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	box, err := seal.New(seal.Key{ID: 1, Bytes: key})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The tests sign the same officers in many times; the per-username
	// limit has its own test in internal/officer.
	noLimit := ratelimit.Rule{}
	units, err := jurisdiction.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	provinces, err := jurisdiction.ProvinceUnits()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := units.Seed(ctx, provinces); err != nil {
		t.Fatal(err)
	}
	oo := officer.Options{Units: units, Store: st, Box: box, Argon2: account.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, Logger: quiet,
		LoginPerUser: &noLimit}
	if clk != nil {
		oo.Now = clk.Now
	}
	officers, err := officer.New(oo)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workday.Default()
	if err != nil {
		t.Fatal(err)
	}
	acfg := account.DefaultConfig()
	acfg.Argon2 = account.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	accounts, err := account.New(ctx, acfg, account.Options{Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := eid.New(eid.DefaultConfig(), eid.Options{Store: st, Population: st, Box: box, Calendar: cal, Logger: quiet,
		Places: units, Codes: accounts})
	if err != nil {
		t.Fatal(err)
	}
	pki, err := testkit.NewPKI(testkit.P256, "VN", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutTrust(ctx, store.TrustEntry{ID: chipauth.Fingerprint(pki.CSCA.Raw), Kind: store.TrustCSCA,
		DER: pki.CSCA.Raw, Country: "VN", AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	h, err := console.New(console.Options{Officers: officers, EID: svc,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{st: st, box: box, officers: officers, eid: svc, clock: clk, pki: pki, units: units, accounts: accounts, cal: cal,
		handler: h, srv: srv, logs: logs}
}

// enrolled is an officer with the secrets needed to sign in.
type enrolled struct {
	ID, Username, Password string
	Secret                 []byte
	Roles                  []string
}

// home is the page an officer lands on after signing in: the desk for
// desk officers who do not review, the queue for everyone else.
func (o enrolled) home() string {
	if slices.Contains(o.Roles, officer.RoleDesk) && !slices.Contains(o.Roles, officer.RoleReviewer) {
		return "/console/desk"
	}
	return "/console/queue"
}

// officer enrols an officer of a police unit ("C06", "CA-01", …).
func (e *env) officer(t testing.TB, username string, roles []string, unit string) enrolled {
	t.Helper()
	const password = "mật khẩu rất dài 2026"
	en, err := e.officers.Create(context.Background(), "test", officer.NewOfficer{Username: username,
		FullName: "Cán bộ " + username, Password: password, Roles: roles, Unit: unit})
	if err != nil {
		t.Fatalf("create officer %s: %v", username, err)
	}
	return enrolled{ID: en.Officer.ID, Username: username, Password: password, Secret: en.TOTPSecret, Roles: roles}
}

// code returns the officer's TOTP code for the next login: on the test
// clock it moves the clock one period on first.
func (e *env) code(o enrolled) string {
	now := time.Now()
	if e.clock != nil {
		now = e.clock.Advance(30 * time.Second)
	}
	return totp.Code(o.Secret, now, totp.Options{})
}

// wrongCode returns a six-digit code that is none of the codes Login
// accepts at the clock's time.
func (e *env) wrongCode(o enrolled) string {
	now := time.Now()
	if e.clock != nil {
		now = e.clock.Now()
	}
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		valid[totp.Code(o.Secret, now.Add(d), totp.Options{})] = true
	}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", (123456+i*7919)%1000000)
		if !valid[c] {
			return c
		}
	}
}

// dossier is a level-1 application waiting for an officer.
type dossier struct {
	AppID, AccountID, IDNumber, FullName, Phone string
}

// submitDossier puts a citizen of Hà Nội (unit "001") with a chip card and
// a PNG database portrait in the registry, gives them an account, and
// submits a level-1 dossier read from a synthetic chip. With no face
// engine, the dossier waits for an officer.
func (e *env) submitDossier(t testing.TB, serial int, name string) dossier {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	dob, _ := identity.NewDate(1988, 3, 15)
	issued, _ := identity.NewDate(2021, 6, 10)
	expiry, _ := identity.NewDate(2028, 3, 15)
	id, err := identity.MakePersonalID("001", dob, identity.Male, serial)
	if err != nil {
		t.Fatal(err)
	}
	card := registry.IDCard{Number: id, Chip: true, IssueDate: issued, ExpiryDate: expiry, Status: registry.CardValid}
	cit := registry.Citizen{ID: id, FullName: name, DateOfBirth: dob, Gender: identity.Male,
		Nationality: "Việt Nam", Ethnicity: "Kinh", Religion: "Không",
		PermanentAddress: registry.Address{HouseNumber: "Số 12", Street: "Phố Hàng Bạc", Commune: "Phường Hàng Đào",
			District: "Quận Hoàn Kiếm", Province: "Thành phố Hà Nội"},
		LifeStatus: registry.Alive, Cards: []registry.IDCard{card}}
	if err := e.st.UpsertCitizens(ctx, []registry.Citizen{cit}); err != nil {
		t.Fatal(err)
	}
	// The database portrait is a PNG, to show that the console labels each
	// image by its own format.
	if err := e.eid.PutPortrait(ctx, id, "png", pngPortrait(t, "registry:"+id)); err != nil {
		t.Fatal(err)
	}
	acc := store.Account{ID: randomHex(t), IDNumber: id, Phone: fmt.Sprintf("+8491%07d", serial),
		PasswordHash: "unused", State: store.AccountActive, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
	if err := e.st.CreateAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	chip, err := e.pki.IssueChip(cit, card, testkit.ChipOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := account.Principal{Account: account.Account{ID: acc.ID, IDNumber: id}}
	started, err := e.eid.StartLevel1(ctx, eid.Caller{}, p)
	if err != nil {
		t.Fatalf("StartLevel1: %v", err)
	}
	answer, err := chip.AnswerChallenge(started.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	selfie, err := testkit.SyntheticPortrait("selfie:" + id)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := e.eid.SubmitLevel1(ctx, eid.Caller{}, p, started.ApplicationID, eid.Dossier{Files: chip.Files(),
		AASignature: answer, Selfie: selfie, QR: cccd.FromCard(cit, card).String()})
	if err != nil {
		t.Fatalf("SubmitLevel1: %v", err)
	}
	if sub.State != store.AppPendingReview {
		t.Fatalf("dossier state %s, want %s (report %+v)", sub.State, store.AppPendingReview, sub.Report)
	}
	return dossier{AppID: started.ApplicationID, AccountID: acc.ID, IDNumber: id, FullName: name, Phone: acc.Phone}
}

// pngPortrait is a synthetic portrait re-encoded as PNG.
func pngPortrait(t testing.TB, seed string) []byte {
	t.Helper()
	j, err := testkit.SyntheticPortrait(seed)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func randomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// application reads an application from the store.
func (e *env) application(t testing.TB, id string) store.Application {
	t.Helper()
	a, err := e.st.Application(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// client is a browser without JavaScript: a cookie jar that does not
// follow redirects by itself.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
}

func (e *env) client(t testing.TB) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: e.srv.URL, hc: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is a read HTTP response.
type response struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b), Location: res.Header.Get("Location")}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values, header ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// follow GETs a redirect's target.
func (c *client) follow(r response) response {
	c.t.Helper()
	if r.Status != http.StatusSeeOther || r.Location == "" {
		c.t.Fatalf("want a 303 redirect, got %d (Location %q)\n%s", r.Status, r.Location, excerpt(r.Body))
	}
	return c.get(r.Location)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the forms on a page.
func csrf(t testing.TB, r response) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no CSRF field in page (status %d)\n%s", r.Status, excerpt(r.Body))
	}
	return html.UnescapeString(m[1])
}

// login fills in the login form.
func (c *client) login(username, password, code string) response {
	c.t.Helper()
	form := c.get("/console/login")
	return c.post("/console/login", url.Values{"csrf": {csrf(c.t, form)}, "username": {username},
		"password": {password}, "code": {code}})
}

// signIn logs an officer in and fails the test if it does not work.
func (e *env) signIn(t testing.TB, o enrolled) *client {
	t.Helper()
	c := e.client(t)
	r := c.login(o.Username, o.Password, e.code(o))
	if r.Status != http.StatusSeeOther || r.Location != o.home() {
		t.Fatalf("login %s: status %d, Location %q\n%s", o.Username, r.Status, r.Location, excerpt(r.Body))
	}
	return c
}

// cookie returns the value of a cookie the client holds for the console.
func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.base + "/console/")
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// shows reports whether a page shows s (as html/template writes it).
func shows(body, s string) bool {
	return strings.Contains(body, s) || strings.Contains(body, html.EscapeString(s))
}

// excerpt shortens a page for a failure message.
func excerpt(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}
