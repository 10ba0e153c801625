package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/store"
)

// instance is one server process's API on a shared store.
func instance(t *testing.T, st store.Store, clk *clock) string {
	t.Helper()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	acc, err := account.New(context.Background(), testConfig(), account.Options{Store: st, Now: clk.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	lk, err := locking.New(locking.Options{Store: st, Codes: acc, Now: clk.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Accounts: acc, Locking: lk, Store: st, Logger: log, Version: "test"}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestLockAcrossInstances: a lock made through instance A refuses, at once,
// a login and a live session on instance B; locking from another device
// takes an SMS code.
func TestLockAcrossInstances(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		st := open(t)
		clk := &clock{}
		if err := st.UpsertCitizens(ctx, population()); err != nil {
			t.Fatal(err)
		}
		a := &env{t: t, store: st, url: instance(t, st, clk), clock: clk}
		bURL := instance(t, st, clk)
		ca := a.register(adultID, "0912345678")
		cb := &appclient.Client{BaseURL: bURL, Device: ca.Device}
		if _, err := cb.Login(ctx, adultID, password); err != nil {
			t.Fatalf("login on B: %v", err)
		}
		if _, err := ca.Login(ctx, adultID, password); err != nil {
			t.Fatalf("login on A: %v", err)
		}
		var lock map[string]any
		if err := ca.Raw(ctx, http.MethodPost, "/api/v1/app/lock", map[string]string{"reason": "mất điện thoại"}, &lock); err != nil {
			t.Fatalf("self lock on A: %v", err)
		}
		if lock["ground"] != "self" || lock["state"] != "active" || lock["ground_vi"] == "" {
			t.Errorf("lock = %v", lock)
		}
		// B refuses at once: the live session (ended by the lock, so that
		// unlocking does not bring it back) and a new login.
		if _, _, err := cb.Me(ctx); err == nil {
			t.Fatal("B still serves the locked account's session")
		} else {
			wantProblem(t, err, "unauthenticated", http.StatusUnauthorized)
		}
		cb2 := &appclient.Client{BaseURL: bURL, Device: ca.Device}
		if _, err := cb2.Login(ctx, adultID, password); err == nil {
			t.Fatal("B let the locked account log in")
		} else {
			wantProblem(t, err, "account_locked", http.StatusForbidden)
		}

		// From another device: a code to the account's phone, then the lock.
		a.register(adult2ID, "0987654321")
		anon := &appclient.Client{BaseURL: bURL}
		var started map[string]any
		if err := anon.Raw(ctx, http.MethodPost, "/api/v1/app/lock/remote", map[string]string{"id_number": adult2ID}, &started); err != nil {
			t.Fatalf("remote lock start: %v", err)
		}
		if started["phone_masked"] == "" || started["phone_masked"] == "+84987654321" {
			t.Errorf("start = %v", started)
		}
		wrong := map[string]string{"id_number": adult2ID, "code": "000000"}
		err := anon.Raw(ctx, http.MethodPost, "/api/v1/app/lock/remote/confirm", wrong, nil)
		if err == nil {
			t.Fatal("wrong code locked the account")
		}
		code := regexp.MustCompile(`\b\d{6}\b`).FindString(a.lastSMS("+84987654321"))
		if code == "000000" {
			t.Skip("the code happened to be 000000")
		}
		if err := anon.Raw(ctx, http.MethodPost, "/api/v1/app/lock/remote/confirm", map[string]string{"id_number": adult2ID, "code": code}, &lock); err != nil {
			t.Fatalf("remote lock confirm: %v", err)
		}
		if acc, _ := st.AccountByIDNumber(ctx, adult2ID); acc.State != store.AccountLocked {
			t.Errorf("remote lock left the account %s", acc.State)
		}
	})
}

// lastSMS returns the newest SMS body sent to phone.
func (e *env) lastSMS(phone string) string {
	e.t.Helper()
	l, err := e.store.ListOutbox(context.Background(), store.OutboxFilter{Recipient: phone, Limit: 1})
	if err != nil || len(l) == 0 {
		e.t.Fatalf("no SMS to %s: %v", phone, err)
	}
	return l[0].Body
}
