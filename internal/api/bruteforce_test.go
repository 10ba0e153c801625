package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/totp"
	"github.com/vneid/vneid/internal/wallet"
)

// answer is an HTTP answer as a guesser sees it.
type answer struct {
	status     int
	retryAfter string
	code       string
	body       map[string]any
}

// post sends body as JSON to path, with the session token if any.
func post(t *testing.T, base, path, token string, body any) answer {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: map[string]any{}}
	_ = json.NewDecoder(resp.Body).Decode(&a.body)
	a.code, _ = a.body["code"].(string)
	return a
}

// wantLimited checks a refusal by a rate limit or lockout: 429, the stable
// code, and a Retry-After of at most window.
func wantLimited(t *testing.T, a answer, window time.Duration, what string) {
	t.Helper()
	if a.status != http.StatusTooManyRequests || a.code != "rate_limited" {
		t.Fatalf("%s: %d %s %v, want 429 rate_limited", what, a.status, a.code, a.body)
	}
	n, err := strconv.Atoi(a.retryAfter)
	if err != nil || n <= 0 || time.Duration(n)*time.Second > window {
		t.Fatalf("%s: Retry-After %q, want 1..%v seconds", what, a.retryAfter, window.Seconds())
	}
}

// alignClock moves the test clock just past the start of an hour, so that
// every window of the rules under test (15 min, 1 h) starts with the test
// and none ends during it.
func alignClock(c *clock) {
	now := c.Now()
	c.Advance(now.Truncate(time.Hour).Add(time.Hour + time.Second).Sub(now))
}

// TestBruteForcePassword: guessing an app password stops at login-fail-id:
// the guess after the limit is refused with 429, the right password too,
// until the window ends; an unknown ID number is answered the same way all
// along.
func TestBruteForcePassword(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		cfg := testConfig()
		e := newEnv(t, open, cfg)
		c := e.register(adultID, "0912345678")
		alignClock(e.clock)
		rule := cfg.LoginFailPerID
		login := func(id, pw string) answer {
			return post(t, e.url, "/api/v1/app/login", "", map[string]string{"id_number": id, "password": pw,
				"device_id": c.Device.ID, "challenge": "x", "signature": "x"})
		}
		for i := 1; i <= rule.Limit; i++ {
			known, unknown := login(adultID, "Saimatkhau@"+strconv.Itoa(i)), login(unknownID, "Saimatkhau@"+strconv.Itoa(i))
			for _, a := range []answer{known, unknown} {
				if a.status != http.StatusUnauthorized || a.code != "invalid_credentials" {
					t.Fatalf("guess %d: %d %s, want 401 invalid_credentials", i, a.status, a.code)
				}
			}
			if len(known.body) != len(unknown.body) {
				t.Fatalf("guess %d: known %v, unknown %v: the answers differ", i, known.body, unknown.body)
			}
		}
		n := rule.Limit + 1
		wantLimited(t, login(adultID, "Saimatkhau@x"), rule.Window, "guess "+strconv.Itoa(n))
		wantLimited(t, login(unknownID, "Saimatkhau@x"), rule.Window, "unknown ID, guess "+strconv.Itoa(n))
		wantLimited(t, login(adultID, password), rule.Window, "the right password while locked out")
		if _, err := c.Login(context.Background(), adultID, password); err == nil {
			t.Fatal("logged in while locked out")
		}
		e.clock.Advance(rule.Window)
		if _, err := c.Login(context.Background(), adultID, password); err != nil {
			t.Fatalf("the right password after the window: %v", err)
		}
	})
}

// TestBruteForceRegistrationOTP: guessing a registration code stops after
// OTPMaxAttempts per code (otp_attempts_exceeded) and, across resent codes,
// at otp-fail-id: then even the right code is refused with 429.
func TestBruteForceRegistrationOTP(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		cfg := testConfig()
		e := newEnv(t, open, cfg)
		ctx := context.Background()
		alignClock(e.clock)
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
		verify := func(code string) answer {
			return post(t, e.url, "/api/v1/app/registrations/"+reg+"/otp/verify", "", map[string]string{"otp": code})
		}
		wrong := func() string {
			if e.otp("0912345678") == "000000" {
				return "111111"
			}
			return "000000"
		}
		guesses := 0
		for guesses < cfg.OTPFailPerID.Limit {
			for i := 1; i <= cfg.OTPMaxAttempts; i++ {
				guesses++
				a := verify(wrong())
				want, status := "otp_invalid", http.StatusBadRequest
				if i == cfg.OTPMaxAttempts {
					want, status = "otp_attempts_exceeded", http.StatusForbidden
				}
				if a.code != want || a.status != status {
					t.Fatalf("guess %d (try %d of the code): %d %s, want %d %s", guesses, i, a.status, a.code, status, want)
				}
			}
			e.clock.Advance(cfg.OTPResendAfter + time.Second)
			if _, err := c.ResendOTP(ctx, reg); err != nil {
				t.Fatalf("resend after %d guesses: %v", guesses, err)
			}
		}
		wantLimited(t, verify(e.otp("0912345678")), cfg.OTPFailPerID.Window, "the right code after "+strconv.Itoa(guesses)+" wrong ones")
	})
}

// TestBruteForceWalletPasscode: guessing the wallet passcode stops at
// passcode-fail-account; the right passcode is refused until the window
// ends.
func TestBruteForceWalletPasscode(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e, _ := walletEnv(t, open)
		ctx := context.Background()
		c := e.register(adultID, "0912345678")
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		a, _ := e.store.AccountByIDNumber(ctx, adultID)
		if err := e.store.UpdateEID(ctx, a.ID, store.EIDUpdate{From: store.EIDNone, To: store.EIDActive, Level: 2, At: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := c.SetPasscode(ctx, password, "246810"); err != nil {
			t.Fatal(err)
		}
		alignClock(e.clock)
		rule := wallet.DefaultConfig().PasscodeAttempts
		unlock := func(pc string) answer {
			return post(t, e.url, "/api/v1/app/wallet/unlock", c.Token, map[string]string{"passcode": pc})
		}
		for i := 1; i <= rule.Limit; i++ {
			if got := unlock("13579" + strconv.Itoa(i)); got.status != http.StatusUnauthorized || got.code != "passcode_wrong" {
				t.Fatalf("guess %d: %d %s, want 401 passcode_wrong", i, got.status, got.code)
			}
		}
		wantLimited(t, unlock("135799"), rule.Window, "guess "+strconv.Itoa(rule.Limit+1))
		wantLimited(t, unlock("246810"), rule.Window, "the right passcode while locked out")
		e.clock.Advance(rule.Window)
		if got := unlock("246810"); got.status != http.StatusOK {
			t.Fatalf("the right passcode after the window: %d %s", got.status, got.code)
		}
	})
}

// TestBruteForceOfficerLogin: guessing an officer's password or TOTP code
// stops at officer-login-fail-user; the right password and code are
// refused until the window ends.
func TestBruteForceOfficerLogin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e := newEIDEnv(t, open, nil)
		ctx := context.Background()
		enr, err := e.officers.Create(ctx, "test", officer.NewOfficer{Username: "desk.bf", FullName: "Tiếp nhận",
			Password: "mat-khau-rat-dai-9", Roles: []string{officer.RoleAdmin}, Unit: "C06"})
		if err != nil {
			t.Fatal(err)
		}
		alignClock(e.clock)
		rule := officer.DefaultLoginFailPerUser()
		code := func() string { return totp.Code(enr.TOTPSecret, e.clock.Now(), totp.Options{}) }
		wrongCode := func() string {
			if code() == "000000" {
				return "111111"
			}
			return "000000"
		}
		login := func(pw, c string) answer {
			return post(t, e.url, "/api/v1/officer/login", "", map[string]string{"username": "desk.bf", "password": pw, "code": c})
		}
		for i := 1; i <= rule.Limit; i++ {
			var a answer
			if i%2 == 1 {
				a = login("mat-khau-sai-"+strconv.Itoa(i), code()) // a wrong password
			} else {
				a = login("mat-khau-rat-dai-9", wrongCode()) // the right password, a wrong code
			}
			if a.status != http.StatusUnauthorized || a.code != "officer_bad_credentials" {
				t.Fatalf("guess %d: %d %s, want 401 officer_bad_credentials", i, a.status, a.code)
			}
		}
		wantLimited(t, login("mat-khau-rat-dai-9", code()), rule.Window, "the right password and code after "+strconv.Itoa(rule.Limit)+" failures")
		e.clock.Advance(rule.Window)
		if a := login("mat-khau-rat-dai-9", code()); a.status != http.StatusOK {
			t.Fatalf("after the window: %d %s", a.status, a.code)
		}
	})
}

// TestBruteForceRemoteLockCode: remote-lock codes are limited per ID
// number when asked, wrong codes count under otp-fail-id, and an unknown
// ID number is answered as a known one at both steps.
func TestBruteForceRemoteLockCode(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e := newEIDEnv(t, open, nil)
		e.register(adultID, "0912345678")
		alignClock(e.clock)
		cfg := testConfig()
		known := post(t, e.url, "/api/v1/app/lock/remote", "", map[string]string{"id_number": adultID})
		unknown := post(t, e.url, "/api/v1/app/lock/remote", "", map[string]string{"id_number": unknownID})
		if known.status != http.StatusAccepted || unknown.status != http.StatusAccepted || len(known.body) != len(unknown.body) ||
			unknown.body["phone_masked"] == "" || unknown.body["expires_at"] == "" {
			t.Fatalf("remote lock start: known %d %v, unknown %d %v; want the same answer", known.status, known.body, unknown.status, unknown.body)
		}
		// Asked again at once: both too soon, alike.
		k2 := post(t, e.url, "/api/v1/app/lock/remote", "", map[string]string{"id_number": adultID})
		u2 := post(t, e.url, "/api/v1/app/lock/remote", "", map[string]string{"id_number": unknownID})
		if k2.status != u2.status || k2.code != u2.code || k2.code != "otp_resend_too_soon" {
			t.Fatalf("asked again: known %d %s, unknown %d %s; want otp_resend_too_soon for both", k2.status, k2.code, u2.status, u2.code)
		}
		right := e.otp("0912345678")
		wrong := "000000"
		if right == wrong {
			wrong = "111111"
		}
		confirm := func(id, code string) answer {
			return post(t, e.url, "/api/v1/app/lock/remote/confirm", "", map[string]string{"id_number": id, "code": code})
		}
		for i := 1; i <= cfg.OTPFailPerID.Limit; i++ {
			a := confirm(adultID, wrong)
			if a.status != http.StatusBadRequest && a.status != http.StatusForbidden {
				t.Fatalf("guess %d: %d %s", i, a.status, a.code)
			}
			if u := confirm(unknownID, wrong); i <= cfg.OTPMaxAttempts-1 && (u.status != a.status || u.code != a.code) {
				t.Fatalf("guess %d: unknown ID %d %s, known %d %s; want the same", i, u.status, u.code, a.status, a.code)
			}
		}
		wantLimited(t, confirm(adultID, right), cfg.OTPFailPerID.Window, "the right code after "+strconv.Itoa(cfg.OTPFailPerID.Limit)+" wrong ones")
		wantLimited(t, confirm(unknownID, wrong), cfg.OTPFailPerID.Window, "unknown ID after as many")
	})
}

// TestPasswordResetNoEnumeration: a reset asked for an ID number without
// an account is answered as for one with an account (status, fields, a
// masked phone that stays the same), and refused alike when asked again
// too soon; nothing is sent.
func TestPasswordResetNoEnumeration(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e := newEnv(t, open, testConfig())
		e.register(adultID, "0912345678")
		alignClock(e.clock)
		ctx := context.Background()
		before, err := e.store.ListOutbox(ctx, store.OutboxFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		known := post(t, e.url, resetPath, "", map[string]string{"id_number": adultID})
		unknown := post(t, e.url, resetPath, "", map[string]string{"id_number": unknownID})
		if known.status != http.StatusAccepted || unknown.status != known.status || len(unknown.body) != len(known.body) {
			t.Fatalf("known %d %v, unknown %d %v: want the same answer", known.status, known.body, unknown.status, unknown.body)
		}
		masked, _ := unknown.body["phone_masked"].(string)
		if len(masked) != len("091****678") {
			t.Errorf("unknown ID's masked phone %q is not shaped like %q", masked, known.body["phone_masked"])
		}
		k2 := post(t, e.url, resetPath, "", map[string]string{"id_number": adultID})
		u2 := post(t, e.url, resetPath, "", map[string]string{"id_number": unknownID})
		if k2.status != u2.status || k2.code != u2.code {
			t.Fatalf("asked again: known %d %s, unknown %d %s; want the same", k2.status, k2.code, u2.status, u2.code)
		}
		e.clock.Advance(testConfig().OTPResendAfter + time.Second)
		u3 := post(t, e.url, resetPath, "", map[string]string{"id_number": unknownID})
		if u3.body["phone_masked"] != masked {
			t.Errorf("masked phone changed: %v then %v", masked, u3.body["phone_masked"])
		}
		after, err := e.store.ListOutbox(ctx, store.OutboxFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before)+1 {
			t.Errorf("%d messages sent, want 1 (to the known account only)", len(after)-len(before))
		}
		// Confirming for the unknown ID number fails as a wrong code does.
		a := post(t, e.url, resetPath+"/confirm", "", map[string]string{"id_number": unknownID, "code": "123456", "new_password": "Matkhau@2031"})
		if a.status != http.StatusBadRequest || a.code != account.ErrOTPInvalid.Code {
			t.Errorf("confirm for an unknown ID number: %d %s, want 400 otp_invalid", a.status, a.code)
		}
	})
}

// redisStore is a store whose rate-limit counters are in Redis, as
// `vneid serve -ratelimit-redis` builds it.
type redisStore struct {
	store.Store
	r *ratelimit.Redis
}

func (s redisStore) Hit(ctx context.Context, key string, windowStart, expires time.Time) (int64, error) {
	return s.r.Hit(ctx, key, windowStart, expires)
}

func (s redisStore) CountHits(ctx context.Context, key string, windowStart time.Time) (int64, error) {
	return s.r.CountHits(ctx, key, windowStart)
}

// openRedis returns Redis counters under prefix, or skips the test when
// Redis is unreachable outside CI (in CI it fails).
func openRedis(t *testing.T, prefix string, fallback ratelimit.Counters) *ratelimit.Redis {
	t.Helper()
	u := os.Getenv("VNEID_TEST_REDIS")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	r, err := ratelimit.NewRedis(ratelimit.RedisOptions{URL: u, Prefix: prefix, Fallback: fallback, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if err := r.Ping(context.Background()); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("Redis at %s unreachable (%v); skipped outside CI", u, err)
		}
		t.Fatalf("Redis at %s unreachable: %v", u, err)
	}
	return r
}

// TestBruteForceAcrossInstances: password guesses spread over two server
// instances on one database, or on one Redis, are counted together: the
// guess after login-fail-id's limit is refused on both.
func TestBruteForceAcrossInstances(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		for _, counters := range []string{"database", "redis"} {
			t.Run(counters, func(t *testing.T) {
				ctx := context.Background()
				st := open(t)
				clk := &clock{}
				if err := st.UpsertCitizens(ctx, population()); err != nil {
					t.Fatal(err)
				}
				sa, sb := st, st
				if counters == "redis" {
					var b [6]byte
					_, _ = rand.Read(b[:])
					prefix := "vneid-test:" + hex.EncodeToString(b[:]) + ":"
					sa = redisStore{Store: st, r: openRedis(t, prefix, st)}
					sb = redisStore{Store: st, r: openRedis(t, prefix, st)}
				}
				a := &env{t: t, store: st, url: instance(t, sa, clk), clock: clk}
				bURL := instance(t, sb, clk)
				c := a.register(adultID, "0912345678")
				alignClock(clk)
				rule := testConfig().LoginFailPerID
				login := func(base, pw string) answer {
					return post(t, base, "/api/v1/app/login", "", map[string]string{"id_number": adultID, "password": pw,
						"device_id": c.Device.ID, "challenge": "x", "signature": "x"})
				}
				for i := 1; i <= rule.Limit; i++ {
					base := []string{a.url, bURL}[i%2]
					if got := login(base, "Saimatkhau@"+strconv.Itoa(i)); got.code != "invalid_credentials" {
						t.Fatalf("guess %d: %d %s, want invalid_credentials", i, got.status, got.code)
					}
				}
				wantLimited(t, login(a.url, password), rule.Window, "instance A after the limit")
				wantLimited(t, login(bURL, password), rule.Window, "instance B after the limit")
			})
		}
	})
}

// TestBruteForceVerifierBasicAuth: wrong client secrets at the
// verification API lock the address out at client-auth-fail-ip; the right
// secret is then refused too.
func TestBruteForceVerifierBasicAuth(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e, ssoSvc := walletEnv(t, open)
		reg, err := ssoSvc.RegisterClient(context.Background(), "officer:admin", "verifier.test",
			sso.Registration{Name: "Ngân hàng thử nghiệm", Purpose: "Kiểm tra giấy tờ", Scopes: []string{"profile"},
				RedirectURIs: []string{"https://bank.example/cb"}})
		if err != nil {
			t.Fatal(err)
		}
		nonce := func(secret string) answer {
			req, _ := http.NewRequest(http.MethodPost, e.url+"/api/v1/verify/nonces", strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.SetBasicAuth("verifier.test", secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: map[string]any{}}
			_ = json.NewDecoder(resp.Body).Decode(&a.body)
			a.code, _ = a.body["code"].(string)
			return a
		}
		if a := nonce(reg.Secret); a.status != http.StatusCreated {
			t.Fatalf("right secret: %d %s", a.status, a.code)
		}
		rule := sso.ClientAuthFailPerIP()
		for i := 1; i <= rule.Limit; i++ {
			if a := nonce("wrong-" + strconv.Itoa(i)); a.status != http.StatusUnauthorized || a.code != "client_auth_failed" {
				t.Fatalf("guess %d: %d %s, want 401 client_auth_failed", i, a.status, a.code)
			}
		}
		wantLimited(t, nonce(reg.Secret), rule.Window, "the right secret after "+strconv.Itoa(rule.Limit)+" wrong ones")
	})
}

// TestBruteForceCardQR: a QR code that does not match the population
// record names the fields that differ, so mismatches are limited per ID
// number (qr-fail-id); then even the card's own QR code is refused.
func TestBruteForceCardQR(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		cfg := testConfig()
		e := newEnv(t, open, cfg)
		alignClock(e.clock)
		reg, err := e.client().Start(context.Background(), adultID, "0912345678")
		if err != nil {
			t.Fatal(err)
		}
		submit := func(qr string) answer {
			return post(t, e.url, "/api/v1/app/registrations/"+reg+"/qr", "", map[string]string{"payload": qr})
		}
		for i := 1; i <= cfg.QRFailPerID.Limit; i++ {
			if a := submit(e.qr(adult2ID)); a.status != http.StatusBadRequest || a.code != "qr_mismatch" {
				t.Fatalf("guess %d: %d %s, want 400 qr_mismatch", i, a.status, a.code)
			}
		}
		wantLimited(t, submit(e.qr(adultID)), cfg.QRFailPerID.Window, "the card's own QR code after "+strconv.Itoa(cfg.QRFailPerID.Limit)+" mismatches")
	})
}
