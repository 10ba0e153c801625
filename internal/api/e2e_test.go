package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/telemetry"
)

// clock is a settable clock shared by the server under test.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

type env struct {
	t     testing.TB
	store store.Store
	url   string
	clock *clock
}

func testConfig() account.Config {
	cfg := account.DefaultConfig()
	cfg.Argon2 = account.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1} // fast for tests; production uses the default
	return cfg
}

func newEnv(t testing.TB, open func(testing.TB) store.Store, cfg account.Config) *env {
	t.Helper()
	st := open(t)
	clk := &clock{}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc, err := account.New(context.Background(), cfg, account.Options{Store: st, Now: clk.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Accounts: svc, Ready: st, Logger: log, Metrics: telemetry.New(st), Version: "test"}))
	t.Cleanup(srv.Close)
	if err := st.UpsertCitizens(context.Background(), population()); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, store: st, url: srv.URL, clock: clk}
}

func d(s string) identity.Date {
	v, err := identity.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// Citizens of the test population.
const (
	adultID    = "001190012345" // valid chip card
	adult2ID   = "079085000123" // valid chip card, second adult
	childID    = "001215000111" // aged under 14
	lostCardID = "031080000222" // only a lost card
	deadID     = "001150000333" // deceased
	unknownID  = "001190099999"
)

func population() []registry.Citizen {
	today := identity.DateOf(time.Now())
	mk := func(id, name string, dob identity.Date, g identity.Gender, status registry.CardStatus) registry.Citizen {
		c := registry.Citizen{ID: id, FullName: name, DateOfBirth: dob, Gender: g, Nationality: "Việt Nam", Ethnicity: "Kinh",
			PermanentAddress: registry.Address{HouseNumber: "Số 12", Street: "Phố Hàng Bạc", Hamlet: "Tổ dân phố 3",
				Commune: "Phường Hàng Đào", District: "Quận Hoàn Kiếm", Province: "Thành phố Hà Nội"},
			LifeStatus: registry.Alive, OldIDNumber: "012345678"}
		if status != "" {
			c.Cards = []registry.IDCard{{Number: id, Chip: true, IssueDate: d("2021-06-10"), ExpiryDate: today.AddYears(5), Status: status}}
		}
		return c
	}
	dead := mk(deadID, "Lê Văn Cường", d("1950-01-01"), identity.Male, registry.CardValid)
	dead.LifeStatus = registry.Deceased
	return []registry.Citizen{
		mk(adultID, "Nguyễn Thị Ánh Đào", d("1990-02-28"), identity.Female, registry.CardValid),
		mk(adult2ID, "Trần Văn Bình", d("1985-07-01"), identity.Male, registry.CardValid),
		mk(childID, "Phạm Minh Khôi", today.AddYears(-10), identity.Male, ""),
		mk(lostCardID, "Hoàng Thị Lan", d("1980-05-05"), identity.Female, registry.CardLost),
		dead,
	}
}

func (e *env) qr(id string) string {
	c, err := e.store.Citizen(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return cccd.FromCard(c, c.Cards[0]).String()
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// otp reads the newest code sent to phone from the outbox, as a tester reads
// it with `vneid outbox list`.
func (e *env) otp(phone string) string {
	e.t.Helper()
	norm, _ := identity.NormalizePhone(phone)
	msgs, err := e.store.ListOutbox(context.Background(), store.OutboxFilter{Recipient: norm, Limit: 10})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Template == notify.TemplateOTP {
			return sixDigits.FindString(m.Body)
		}
	}
	e.t.Fatalf("no OTP sent to %s", phone)
	return ""
}

func (e *env) client() *appclient.Client {
	dev, err := appclient.NewDevice("Test phone", "android")
	if err != nil {
		e.t.Fatal(err)
	}
	return &appclient.Client{BaseURL: e.url, Device: dev}
}

func wantProblem(t *testing.T, err error, code string, status int, fields ...string) *appclient.Problem {
	t.Helper()
	var p *appclient.Problem
	if !errors.As(err, &p) {
		t.Fatalf("err = %v, want problem %s", err, code)
	}
	if p.Code != code || p.Status != status {
		t.Fatalf("problem = %s/%d (%s), want %s/%d", p.Code, p.Status, p.Messages.EN, code, status)
	}
	if p.Messages.VI == "" || p.Messages.EN == "" || p.RequestID == "" {
		t.Errorf("problem %s lacks a message or request id: %+v", code, p)
	}
	for _, f := range fields {
		if !slices.Contains(p.Fields, f) {
			t.Errorf("problem %s fields = %v, want %q among them", code, p.Fields, f)
		}
	}
	return p
}

const password = "Matkhau@2024"

// register runs the whole registration for id and returns the client.
func (e *env) register(id, phone string) *appclient.Client {
	e.t.Helper()
	ctx := context.Background()
	c := e.client()
	reg, err := c.Start(ctx, id, phone)
	if err != nil {
		e.t.Fatalf("start: %v", err)
	}
	if _, err := c.SubmitQR(ctx, reg, e.qr(id)); err != nil {
		e.t.Fatalf("qr: %v", err)
	}
	if _, err := c.Confirm(ctx, reg); err != nil {
		e.t.Fatalf("confirm: %v", err)
	}
	if err := c.VerifyOTP(ctx, reg, e.otp(phone)); err != nil {
		e.t.Fatalf("verify otp: %v", err)
	}
	if _, err := c.SetPassword(ctx, reg, password); err != nil {
		e.t.Fatalf("set password: %v", err)
	}
	return c
}

func forEachBackend(t *testing.T, fn func(t *testing.T, open func(testing.TB) store.Store)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, func(t testing.TB) store.Store { return b.Open(t) }) })
	}
}

func TestRegisterAndLogin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e := newEnv(t, open, testConfig())
		ctx := context.Background()
		c := e.client()
		reg, err := c.Start(ctx, adultID, "0912 345 678")
		if err != nil {
			t.Fatal(err)
		}
		conf, err := c.SubmitQR(ctx, reg, "\ufeff"+e.qr(adultID)+"\r\n")
		if err != nil {
			t.Fatal(err)
		}
		if conf.IDNumber != adultID || conf.FullName != "Nguyễn Thị Ánh Đào" || conf.Gender != "female" || conf.GenderVI != "Nữ" ||
			conf.DateOfBirth != "1990-02-28" || conf.Phone != "+84912345678" || conf.PermanentAddress.HouseNumber != "Số 12" ||
			conf.PermanentAddress.Street != "Phố Hàng Bạc" || conf.PermanentAddress.Hamlet != "Tổ dân phố 3" || conf.Card == nil || !conf.Card.Chip {
			t.Errorf("confirmation = %+v", conf)
		}
		sent, err := c.Confirm(ctx, reg)
		if err != nil {
			t.Fatal(err)
		}
		if sent.PhoneMasked != "091****678" {
			t.Errorf("masked phone = %q", sent.PhoneMasked)
		}
		if err := c.VerifyOTP(ctx, reg, e.otp("0912345678")); err != nil {
			t.Fatal(err)
		}
		acc, err := c.SetPassword(ctx, reg, password)
		if err != nil {
			t.Fatal(err)
		}
		if acc.IDNumber != adultID || acc.State != "active" || acc.Level != 0 {
			t.Errorf("account = %+v", acc)
		}
		// The activation SMS names the citizen without diacritics.
		msgs, _ := e.store.ListOutbox(ctx, store.OutboxFilter{Recipient: "+84912345678"})
		if len(msgs) != 2 || msgs[0].Template != notify.TemplateActivated || !strings.Contains(msgs[0].Body, "NGUYEN THI ANH DAO") {
			t.Errorf("outbox = %+v", msgs)
		}
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		me, cit, err := c.Me(ctx)
		if err != nil || me.IDNumber != adultID || cit.FullName != "Nguyễn Thị Ánh Đào" {
			t.Fatalf("me = %+v %+v %v", me, cit, err)
		}
		token := c.Token
		if err := c.Logout(ctx); err != nil {
			t.Fatal(err)
		}
		c.Token = token
		_, _, err = c.Me(ctx)
		wantProblem(t, err, "unauthenticated", 401)
		// Personal-data reads are in the audit log.
		evs, _ := e.store.AuditBySubject(ctx, adultID, 100)
		var actions []string
		for _, ev := range evs {
			actions = append(actions, ev.Action)
		}
		for _, want := range []string{"registration.started", "registry.citizen.read", "otp.sent", "otp.verified", "account.created", "account.login", "account.logout"} {
			if !slices.Contains(actions, want) {
				t.Errorf("audit log lacks %s: %v", want, actions)
			}
		}
		// The outbox worker delivers through the file sender and redacts the code.
		path := filepath.Join(t.TempDir(), "sms.log")
		fs, _ := notify.NewFileSender(path)
		w := &notify.Worker{Store: e.store, Senders: map[string]notify.Sender{notify.SMS: fs}, Owner: "test"}
		if n, err := w.RunOnce(ctx); err != nil || n != 2 {
			t.Fatalf("worker delivered %d, %v", n, err)
		}
		sms, _ := os.ReadFile(path)
		if strings.Count(string(sms), "\n") != 2 || !strings.Contains(string(sms), "NGUYEN THI ANH DAO") {
			t.Errorf("sms log = %s", sms)
		}
		msgs, _ = e.store.ListOutbox(ctx, store.OutboxFilter{Recipient: "+84912345678"})
		if msgs[1].Status != store.OutboxDelivered || sixDigits.MatchString(msgs[1].Body) {
			t.Errorf("delivered OTP message not redacted: %+v", msgs[1])
		}
	})
}

func TestRegistrationRefusals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e := newEnv(t, open, testConfig())
		ctx := context.Background()
		c := e.client()
		for _, tc := range []struct {
			id, phone, code string
			status          int
			field           string
		}{
			{"12345", "0912345678", "invalid_id_number", 400, "id_number"},
			{"00119001234x", "0912345678", "invalid_id_number", 400, "id_number"},
			{adultID, "0212345678", "invalid_phone", 400, "phone"},
			{unknownID, "0912345678", "citizen_not_found", 404, ""},
			{childID, "0912345678", "citizen_under_age", 403, ""},
			{lostCardID, "0912345678", "card_not_valid", 403, ""},
			{deadID, "0912345678", "citizen_deceased", 403, ""},
		} {
			_, err := c.Start(ctx, tc.id, tc.phone)
			if tc.field != "" {
				wantProblem(t, err, tc.code, tc.status, tc.field)
			} else {
				wantProblem(t, err, tc.code, tc.status)
			}
		}
		e.register(adultID, "0912345678")
		_, err := c.Start(ctx, adultID, "0987654321")
		wantProblem(t, err, "account_exists", 409)

		// QR checks.
		reg, err := c.Start(ctx, adult2ID, "0987654321")
		if err != nil {
			t.Fatal(err)
		}
		good := e.qr(adult2ID)
		parts := strings.Split(good, "|")
		bad := slices.Clone(parts)
		bad[2], bad[3] = "Trần Văn Bính", "02071985"
		_, err = c.SubmitQR(ctx, reg, strings.Join(bad, "|"))
		wantProblem(t, err, "qr_mismatch", 400, "full_name", "date_of_birth")
		other := strings.Split(e.qr(adultID), "|")
		_, err = c.SubmitQR(ctx, reg, strings.Join(other, "|"))
		wantProblem(t, err, "qr_mismatch", 400, "id_number")
		_, err = c.SubmitQR(ctx, reg, "not a QR")
		wantProblem(t, err, "qr_malformed", 400)
		// The 6-field variant with dd/MM/yyyy dates is accepted.
		six := []string{parts[0], parts[2], "01/07/1985", parts[4], parts[5], "10/06/2021"}
		if _, err := c.SubmitQR(ctx, reg, strings.Join(six, "|")); err != nil {
			t.Fatalf("6-field QR: %v", err)
		}
		// Steps out of order.
		err = c.VerifyOTP(ctx, reg, "123456")
		wantProblem(t, err, "registration_wrong_step", 409)
		if _, err := c.Confirm(ctx, reg); err != nil {
			t.Fatal(err)
		}
		_, err = c.ResendOTP(ctx, reg)
		p := wantProblem(t, err, "otp_resend_too_soon", 429)
		if p.RetryAfter < 1 || p.RetryAfter > 60 {
			t.Errorf("retry_after = %d", p.RetryAfter)
		}
		// Wrong codes: four tell how many tries are left, the fifth locks the code.
		code := e.otp("0987654321")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 0; i < 4; i++ {
			wantProblem(t, c.VerifyOTP(ctx, reg, wrong), "otp_invalid", 400, "otp")
		}
		wantProblem(t, c.VerifyOTP(ctx, reg, wrong), "otp_attempts_exceeded", 403)
		wantProblem(t, c.VerifyOTP(ctx, reg, code), "otp_attempts_exceeded", 403)
		// A new code after the wait works; an expired one does not.
		e.clock.Advance(61 * time.Second)
		if _, err := c.ResendOTP(ctx, reg); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(6 * time.Minute)
		wantProblem(t, c.VerifyOTP(ctx, reg, e.otp("0987654321")), "otp_expired", 410)
		if _, err := c.ResendOTP(ctx, reg); err != nil {
			t.Fatal(err)
		}
		if err := c.VerifyOTP(ctx, reg, e.otp("0987654321")); err != nil {
			t.Fatal(err)
		}
		_, err = c.SetPassword(ctx, reg, "short1!")
		wantProblem(t, err, "password_weak", 400, "password")
		_, err = c.SetPassword(ctx, reg, "nouppercase1!")
		wantProblem(t, err, "password_weak", 400, "password")
		// A signature from another key does not prove the device.
		thief := e.client()
		thief.Device.ID = c.Device.ID
		_, err = thief.SetPassword(ctx, reg, password)
		wantProblem(t, err, "device_proof_invalid", 401)
		if _, err := c.SetPassword(ctx, reg, password); err != nil {
			t.Fatal(err)
		}
		// The registration is over.
		_, err = c.SetPassword(ctx, reg, password)
		wantProblem(t, err, "registration_wrong_step", 409)
		// Registrations expire.
		reg3, err := c.Start(ctx, "001190012345", "0912345678")
		wantProblem(t, err, "account_exists", 409)
		_ = reg3
		_, err = c.SubmitQR(ctx, "nope", good)
		wantProblem(t, err, "registration_not_found", 404)
	})
}

func TestOTPDailyLimitAndExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		cfg := testConfig()
		cfg.OTPResendAfter = time.Second
		e := newEnv(t, open, cfg)
		ctx := context.Background()
		c := e.client()
		reg, err := c.Start(ctx, adultID, "0912345678")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SubmitQR(ctx, reg, e.qr(adultID)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Confirm(ctx, reg); err != nil {
			t.Fatal(err)
		}
		for i := 2; i <= 5; i++ {
			e.clock.Advance(2 * time.Second)
			if _, err := c.ResendOTP(ctx, reg); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
		}
		e.clock.Advance(2 * time.Second)
		_, err = c.ResendOTP(ctx, reg)
		wantProblem(t, err, "otp_daily_limit", 429)
		// After 30 minutes the registration has expired.
		e.clock.Advance(31 * time.Minute)
		_, err = c.ResendOTP(ctx, reg)
		wantProblem(t, err, "registration_expired", 410)
	})
}

func TestLoginRefusals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		cfg := testConfig()
		cfg.LoginPerID = ratelimit.Rule{Name: "login-id", Limit: 6, Window: 15 * time.Minute}
		e := newEnv(t, open, cfg)
		ctx := context.Background()
		c := e.register(adultID, "0912345678")
		_, err := c.Login(ctx, adultID, "Wrong@pass1")
		wantProblem(t, err, "invalid_credentials", 401)
		_, err = c.Login(ctx, unknownID, password)
		wantProblem(t, err, "invalid_credentials", 401)
		other := e.client()
		_, err = other.Login(ctx, adultID, password)
		wantProblem(t, err, "device_not_bound", 403)
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		// Guessing stops at the per-account limit, with a Retry-After.
		var last error
		for i := 0; i < 5; i++ {
			_, last = c.Login(ctx, adultID, "Wrong@pass1")
		}
		p := wantProblem(t, last, "rate_limited", 429)
		if p.RetryAfter <= 0 {
			t.Errorf("rate limited without retry_after: %+v", p)
		}
		_, err = c.Login(ctx, adultID, password)
		wantProblem(t, err, "rate_limited", 429)
	})
}

func TestProblemsAndOperations(t *testing.T) {
	e := newEnv(t, func(t testing.TB) store.Store { return storetest.OpenSQLite(t) }, testConfig())
	post := func(path, body, lang string) (*http.Response, api.Problem) {
		req, _ := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p api.Problem
		_ = json.NewDecoder(resp.Body).Decode(&p)
		return resp, p
	}
	for _, tc := range []struct{ body, code string }{
		{`{`, "invalid_request"},
		{``, "invalid_request"},
		{`{"id_number":"001190012345","phone":"0912345678","extra":1}`, "invalid_request"},
		{`{"id_number":1}`, "invalid_request"},
		{`{"id_number":"001190012345"} {}`, "invalid_request"},
		{`{"id_number":"` + strings.Repeat("1", 70000) + `"}`, "request_too_large"},
	} {
		resp, p := post("/api/v1/app/registrations", tc.body, "en-US,en;q=0.9,vi;q=0.5")
		if resp.StatusCode != 400 || p.Code != tc.code || resp.Header.Get("Content-Type") != "application/problem+json" ||
			p.Type != api.ProblemTypeBase+tc.code || p.Title != p.Messages.EN || p.Messages.VI == "" {
			t.Errorf("body %.40q: %d %+v", tc.body, resp.StatusCode, p)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, e.url+"/api/v1/app/login", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET on a POST route: %v %v", resp, err)
	}
	resp, p := post("/api/v1/app/nope", `{}`, "")
	if resp.StatusCode != 404 || p.Code != "not_found" || p.Title != p.Messages.VI {
		t.Errorf("unknown route: %d %+v", resp.StatusCode, p)
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get(e.url + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", path, resp, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if path == "/metrics" && (!strings.Contains(string(b), "vneid_http_requests_total") || !strings.Contains(string(b), `vneid_outbox_messages{status="pending"}`)) {
			t.Errorf("metrics lack vneid series:\n%.500s", b)
		}
	}
}

func TestLoginChallengeIsSingleUse(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e := newEnv(t, open, testConfig())
		c := e.register(adultID, "0912345678")
		post := func(path string, body map[string]string) (int, map[string]any) {
			b, _ := json.Marshal(body)
			resp, err := http.Post(e.url+path, "application/json", strings.NewReader(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		_, ch := post("/api/v1/app/login/challenge", map[string]string{"device_id": c.Device.ID})
		challenge := ch["challenge"].(string)
		sig, _ := c.Device.Sign([]byte("vneid-login\n" + challenge + "\n" + adultID))
		req := map[string]string{"id_number": adultID, "password": password, "device_id": c.Device.ID, "challenge": challenge, "signature": sig}
		if status, out := post("/api/v1/app/login", req); status != 200 || out["access_token"] == "" {
			t.Fatalf("first login: %d %v", status, out)
		}
		if status, out := post("/api/v1/app/login", req); status != 401 || out["code"] != "device_proof_invalid" {
			t.Fatalf("replayed login: %d %v", status, out)
		}
	})
}

// TestClaimDeskAccount: the enrolment desk opens an account with no
// password for a citizen without the app; no password logs in to it, a
// registration with another phone is refused, and the app's registration
// with the phone given at the desk claims it (same account ID).
func TestClaimDeskAccount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e := newEnv(t, open, testConfig())
		ctx := context.Background()
		now := time.Now()
		desk := store.Account{ID: "desk-opened", IDNumber: adultID, Phone: "+84912345678", State: store.AccountActive,
			CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
		if err := e.store.CreateAccount(ctx, desk); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client().Login(ctx, adultID, ""); err == nil {
			t.Fatal("an empty password logged in to an unclaimed account")
		}
		_, err := e.client().Start(ctx, adultID, "0987654321")
		wantProblem(t, err, "account_exists", 409)
		c := e.register(adultID, "0912345678")
		acc, err := e.store.AccountByIDNumber(ctx, adultID)
		if err != nil || acc.ID != desk.ID || acc.PasswordHash == "" {
			t.Fatalf("claimed account = %+v, %v", acc, err)
		}
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatalf("login after the claim: %v", err)
		}
		_, err = e.client().Start(ctx, adultID, "0912345678")
		wantProblem(t, err, "account_exists", 409)
	})
}
