package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/ssoweb"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

// ssoServer starts the provider on st with the fast hash and, unless
// strict, the login limits and the daily SMS cap off, as `vneid bench sso`
// needs. key seals the signing keys: the same for every server on st. It
// returns the server's URL and the service.
func ssoServer(t *testing.T, st store.Store, key []byte, strict bool) (string, *sso.Service) {
	t.Helper()
	ctx := context.Background()
	cfg := account.DefaultConfig()
	cfg.Argon2 = fastArgon2
	if !strict {
		cfg.OTPVerifyPerIP.Limit, cfg.LoginPerIP.Limit, cfg.LoginPerID.Limit = 0, 0, 0
		cfg.OTPDailyLimit = 1_000_000
	}
	log := slog.New(slog.DiscardHandler)
	acc, err := account.New(ctx, cfg, account.Options{Store: st, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	box, err := seal.New(seal.Key{ID: 1, Bytes: key})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	s, err := sso.New(sso.Config{}, sso.Options{Issuer: srv.URL + "/oidc", Store: st, Accounts: acc, Population: st, Box: box,
		SubjectKey: key, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if h, err = ssoweb.New(ssoweb.Options{SSO: s, Logger: log, TokenKey: [32]byte(key)}); err != nil {
		t.Fatal(err)
	}
	return srv.URL, s
}

func TestSSOFlowAndRefresh(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	ids, _, err := Populate(ctx, st, 20, 7, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	url, s := ssoServer(t, st, key, false)
	client, err := RegisterSSOClient(ctx, s, "test", "vneid-bench", "ES256")
	if err != nil {
		t.Fatal(err)
	}
	// Registering again updates the client and gives it a new secret.
	again, err := RegisterSSOClient(ctx, s, "test", "vneid-bench", "ES256")
	if err != nil || again.Secret == client.Secret || again.Secret == "" {
		t.Fatalf("second registration: %v", err)
	}
	client = again
	accounts, err := CreateSSOAccounts(ctx, st, ids, 4, "", fastArgon2)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		got, err := st.AccountByIDNumber(ctx, a.IDNumber)
		if err != nil || got.Level != 2 || got.Phone != a.Phone || a.Phone == "" {
			t.Fatalf("account %s: level %d, phone %q/%q, %v", a.IDNumber, got.Level, got.Phone, a.Phone, err)
		}
	}

	o := SSOOptions{Server: url, Client: client, Accounts: accounts, Store: st, Duration: 600 * time.Millisecond, Concurrency: 2}
	res, err := SSOFlow(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops == 0 || res.Errors != 0 || res.PerSecond <= 0 {
		t.Fatalf("flow: %+v", res)
	}
	for _, name := range []string{StepAuthorize, StepPassword, StepOutbox, StepOTP, StepToken, StepUserinfo, StepLogin} {
		if st := res.Step(name); st.Ops != res.Ops || st.Errors != 0 || st.P50 <= 0 {
			t.Errorf("step %s: %+v (logins %d)", name, st, res.Ops)
		}
	}
	// The consent screen comes at an account's first login only.
	if c := res.Step(StepConsent); c.Ops == 0 || c.Ops > len(accounts) {
		t.Errorf("consent step: %+v", c)
	}

	o.Duration, o.Grants = 400*time.Millisecond, 3
	res, err = SSORefresh(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Prepare == nil || res.Prepare.Ops != 3 || res.Ops == 0 || res.Errors != 0 || res.Step(StepRefresh).Ops != res.Ops {
		t.Fatalf("token: %+v, prepare %+v", res, res.Prepare)
	}

	// With the default limits (10 sign-ins per ID number per 15 minutes)
	// the load stops with ErrRateLimited.
	strict, _ := ssoServer(t, st, key, true)
	o.Server, o.Accounts, o.Concurrency, o.Duration = strict, accounts[:1], 1, 20*time.Second
	res, err = SSOFlow(ctx, o)
	if !errors.Is(err, ErrRateLimited) || res.Errors != 1 {
		t.Fatalf("flow against the default limits: %+v, %v", res, err)
	}

	o.Server = "http://192.0.2.1:8080"
	if _, err := SSOFlow(ctx, o); err == nil {
		t.Error("a server off the loopback interface was accepted")
	}
}

func TestSigningRate(t *testing.T) {
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		if r, err := SigningRate(alg, 50*time.Millisecond, 2); err != nil || r <= 0 {
			t.Errorf("%s: %f, %v", alg, r, err)
		}
	}
	if _, err := SigningRate("HS256", time.Millisecond, 1); err == nil {
		t.Error("HS256 accepted")
	}
}
