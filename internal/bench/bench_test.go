package bench

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

// fastArgon2 keeps the tests quick; the benchmarks use the default.
var fastArgon2 = account.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}

func TestHistogram(t *testing.T) {
	var h histogram
	for i := 1; i <= 10_000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	r := h.result(3, 2*time.Second)
	if r.Ops != 10_000 || r.Errors != 3 || r.PerSecond != 5000 || r.Max != 10*time.Millisecond {
		t.Fatalf("result = %+v", r)
	}
	for _, c := range []struct {
		got, want time.Duration
	}{{r.P50, 5 * time.Millisecond}, {r.P90, 9 * time.Millisecond}, {r.P99, 9900 * time.Microsecond}} {
		if c.got < c.want || float64(c.got) > float64(c.want)*1.016 {
			t.Errorf("quantile %s, want %s within 1.6 %% above", c.got, c.want)
		}
	}
	if r.String() == "" {
		t.Error("empty report")
	}
	// Every value lands in a bucket that holds it and is at most 1/64 of
	// it wide.
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 123_456_789, 1 << 40, 1<<63 - 1} {
		i := bucketOf(v)
		hi := bucketUpper(i)
		lo := uint64(0)
		if i > 0 {
			lo = bucketUpper(i-1) + 1
		}
		if v < lo || v > hi || (v >= 128 && float64(hi-lo+1) > float64(lo)/64) {
			t.Errorf("value %d: bucket %d is [%d, %d]", v, i, lo, hi)
		}
	}
	var empty histogram
	if r := empty.result(0, 0); r.Ops != 0 || r.P99 != 0 || r.PerSecond != 0 {
		t.Errorf("empty result = %+v", r)
	}
}

func TestPopulateAndLookup(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	var last int
	ids, rate, err := Populate(ctx, st, 60, 42, 25, func(done int) { last = done })
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 60 || rate <= 0 || last != 60 {
		t.Fatalf("populate: %d ids, rate %f, last progress %d", len(ids), rate, last)
	}
	if n, err := st.CountCitizens(ctx); err != nil || n != 60 {
		t.Fatalf("count = %d, %v", n, err)
	}
	// Enough citizens already: nothing is written, IDs are sampled.
	again, rate, err := Populate(ctx, st, 40, 99, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 40 || rate != 0 {
		t.Fatalf("second populate: %d ids, rate %f", len(again), rate)
	}
	for _, id := range again {
		if !slices.Contains(ids, id) {
			t.Fatalf("sampled ID %s was never written", id)
		}
	}
	if n, _ := st.CountCitizens(ctx); n != 60 {
		t.Fatalf("count after second populate = %d", n)
	}

	res, err := Lookup(ctx, st, ids, 200, 3)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops != 200 || res.Errors != 0 || res.Max < res.P50 {
		t.Fatalf("lookup: %+v", res)
	}
	res, err = Lookup(ctx, st, []string{"001099000000"}, 5, 2)
	if err == nil || res.Ops != 0 || res.Errors != 5 {
		t.Fatalf("lookup of an unknown ID: %+v, %v", res, err)
	}
	if _, err := Lookup(ctx, st, nil, 5, 1); err == nil {
		t.Error("lookup with no IDs: no error")
	}
}

// server starts the API on st with the fast hash and, unless strict, the
// per-IP and per-ID limits off, as a load test needs.
func server(t *testing.T, st store.Store, strict bool) string {
	t.Helper()
	cfg := account.DefaultConfig()
	cfg.Argon2 = fastArgon2
	if !strict {
		cfg.RegisterPerIP.Limit, cfg.OTPVerifyPerIP.Limit = 0, 0
		cfg.LoginPerIP.Limit, cfg.LoginPerID.Limit = 0, 0
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := account.New(context.Background(), cfg, account.Options{Store: st, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Accounts: svc, Ready: st, Logger: log, Version: "test"}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestAccountsAndLogin(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	ids, _, err := Populate(ctx, st, 80, 7, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	relaxed, strict := server(t, st, false), server(t, st, true)

	made := 0
	registered, err := RegisterAccounts(ctx, strict, st, ids, RegisterOptions{N: 3, Concurrency: 2, Progress: func(n int) { made = n }})
	if err != nil {
		t.Fatal(err)
	}
	if len(registered) != 3 || made != 3 {
		t.Fatalf("registered %d accounts, progress %d", len(registered), made)
	}
	for _, c := range registered {
		if _, err := st.AccountByIDNumber(ctx, c.IDNumber); err != nil {
			t.Fatalf("account of %s: %v", c.IDNumber, err)
		}
	}
	if _, err := RegisterAccounts(ctx, strict, st, ids, RegisterOptions{N: DefaultRegisterPerIP + 1}); err == nil {
		t.Error("registering more than the default per-IP limit without RelaxedLimits: no error")
	}

	created, err := CreateAccounts(ctx, st, ids, 3, "", fastArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 3 {
		t.Fatalf("created %d accounts", len(created))
	}
	for _, c := range created {
		if slices.ContainsFunc(registered, func(r Credential) bool { return r.IDNumber == c.IDNumber }) {
			t.Fatalf("CreateAccounts reused %s, which already had an account", c.IDNumber)
		}
	}
	taken := []string{created[0].IDNumber, registered[0].IDNumber}
	if got, err := CreateAccounts(ctx, st, taken, 1, "", fastArgon2); err == nil || len(got) != 0 {
		t.Errorf("CreateAccounts on ID numbers that all have accounts: %d made, %v", len(got), err)
	}

	accounts := append(registered, created...)
	res, err := Login(ctx, relaxed, accounts, 300*time.Millisecond, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops == 0 || res.Errors != 0 {
		t.Fatalf("login: %+v", res)
	}
	// The default limits (10 logins per ID per 15 minutes) stop the load.
	res, err = Login(ctx, strict, accounts[:1], 10*time.Second, 1)
	if !errors.Is(err, ErrRateLimited) || res.Ops == 0 || res.Errors != 1 {
		t.Fatalf("login against default limits: %+v, %v", res, err)
	}
}

func TestLoopbackOnly(t *testing.T) {
	for url, ok := range map[string]bool{
		"http://127.0.0.1:8080": true, "http://127.1.2.3": true, "https://localhost:8443/": true, "http://[::1]:80": true,
		"http://10.0.0.1:8080": false, "https://vneid.gov.vn": false, "http://localhost.example.com": false,
		"ftp://127.0.0.1": false, "127.0.0.1:8080": false,
	} {
		if err := checkLoopback(url); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v", url, err)
		}
	}
	dev := Credential{IDNumber: "001190012345"}
	if _, err := Login(context.Background(), "https://vneid.gov.vn", []Credential{dev}, time.Second, 1); err == nil {
		t.Error("Login accepted a remote server")
	}
	if _, err := RegisterAccounts(context.Background(), "http://192.0.2.1", nil, []string{"001190012345"}, RegisterOptions{N: 1}); err == nil {
		t.Error("RegisterAccounts accepted a remote server")
	}
}

func TestArgon2Bound(t *testing.T) {
	if r := Argon2Bound(fastArgon2, 20*time.Millisecond); r <= 0 {
		t.Errorf("Argon2Bound = %f", r)
	}
	if r := Argon2Rate(fastArgon2, 20*time.Millisecond, 1); r <= 0 {
		t.Errorf("Argon2Rate with one worker = %f", r)
	}
}
