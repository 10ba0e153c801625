package api_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/telemetry"
	"github.com/vneid/vneid/internal/wallet"
)

// walletEnv is the API with the account, provider and wallet services, as
// `vneid serve` wires them.
func walletEnv(t *testing.T, open func(testing.TB) store.Store) (*env, *sso.Service) {
	t.Helper()
	ctx := context.Background()
	st := open(t)
	clk := &clock{}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	cfg := testConfig()
	acc, err := account.New(ctx, cfg, account.Options{Store: st, Now: clk.Now, Logger: log})
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
	ssoSvc, err := sso.New(sso.Config{}, sso.Options{Issuer: srv.URL + "/oidc", Store: st, Accounts: acc, Population: st,
		Box: box, SubjectKey: key, Logger: log, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ssoSvc.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	wcfg := wallet.DefaultConfig()
	wcfg.Argon2 = cfg.Argon2
	w, err := wallet.New(ctx, wcfg, wallet.Options{Store: st, Passwords: acc, Issuer: ssoSvc, Logger: log, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	h = api.New(api.Options{Accounts: acc, SSO: ssoSvc, Wallet: w, Store: st, Ready: st, Logger: log, Metrics: telemetry.New(st), Version: "test"})
	if err := st.UpsertCitizens(ctx, population()); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, store: st, url: srv.URL, clock: clk}, ssoSvc
}

// TestWalletOverHTTP: a level-2 citizen sets the passcode, integrates a
// driving licence, presents it with the e-ID card, and a relying party
// verifies it once through the API; what went wrong comes back as
// problems with both languages.
func TestWalletOverHTTP(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e, ssoSvc := walletEnv(t, open)
		ctx := context.Background()
		c := e.register(adultID, "0912345678")
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		if err := c.Unlock(ctx, "246810"); err == nil {
			t.Fatal("unlock before any e-ID or passcode")
		}
		a, _ := e.store.AccountByIDNumber(ctx, adultID)
		if _, err := c.RequestIntegration(ctx, "driving_licence", "010123456789", true); err == nil {
			t.Fatal("level 0 integrated a document")
		} else {
			wantProblem(t, err, "wallet_no_eid", http.StatusForbidden)
		}
		if err := e.store.UpdateEID(ctx, a.ID, store.EIDUpdate{From: store.EIDNone, To: store.EIDActive, Level: 2, At: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		lic := sources.Document{Kind: sources.DrivingLicence, Number: "010123456789", HolderID: adultID, HolderName: "Nguyễn Thị Ánh Đào",
			DateOfBirth: d("1990-02-28"), Status: sources.StatusValid, IssuedOn: d("2020-03-04"), ValidUntil: d("2030-03-04"),
			Issuer: "Sở Giao thông vận tải Hà Nội", DrivingLicence: &sources.Licence{Classes: []sources.LicenceClass{
				{Class: "B2", IssuedOn: d("2020-03-04"), ValidUntil: d("2030-03-04")}}}}
		if err := e.store.UpsertDocuments(ctx, []sources.Document{lic}); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, c.SetPasscode(ctx, password, "123456"), "passcode_invalid_format", http.StatusBadRequest)
		if err := c.SetPasscode(ctx, password, "246810"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Wallet(ctx); err == nil {
			t.Fatal("wallet opened without the passcode")
		} else {
			wantProblem(t, err, "wallet_locked", http.StatusUnauthorized)
		}
		wantProblem(t, c.Unlock(ctx, "135790"), "passcode_wrong", http.StatusUnauthorized)
		if err := c.Unlock(ctx, "246810"); err != nil {
			t.Fatal(err)
		}
		_, err := c.RequestIntegration(ctx, "driving_licence", "010123456789", false)
		wantProblem(t, err, "integration_consent_required", http.StatusBadRequest, "consent")
		r, err := c.RequestIntegration(ctx, "driving_licence", "010123456789", true)
		if err != nil || r.State != "approved" {
			t.Fatalf("integrate = %+v, %v", r, err)
		}
		_, err = c.RequestIntegration(ctx, "driving_licence", "010123456789", true)
		wantProblem(t, err, "integration_duplicate", http.StatusConflict)
		v, err := c.Wallet(ctx)
		if err != nil || len(v.Documents) != 1 || v.EID.Level != 2 || v.Documents[0].LabelVI != "Giấy phép lái xe" {
			t.Fatalf("wallet = %+v, %v", v, err)
		}
		p, err := c.Present(ctx, appclient.PresentRequest{Items: []appclient.PresentItem{{Kind: "eid"}, {Kind: "driving_licence"}}, QR: true})
		if err != nil || p.Size != len(p.Presentation) || p.QRPNG == "" {
			t.Fatalf("present = %+v, %v", p, err)
		}

		reg, err := ssoSvc.RegisterClient(ctx, "officer:admin", "csgt.test", sso.Registration{Name: "Cảnh sát giao thông",
			Purpose: "Kiểm tra giấy tờ", Kind: sso.KindState, RedirectURIs: []string{"https://csgt.test/cb"}})
		if err != nil {
			t.Fatal(err)
		}
		verifyHeader := ""
		verify := func(id, secret, pres string) (int, map[string]any) {
			t.Helper()
			body, _ := json.Marshal(map[string]string{"presentation": pres})
			req, _ := http.NewRequest(http.MethodPost, e.url+"/api/v1/verify/presentations", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			if id != "" {
				req.SetBasicAuth(id, secret)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			verifyHeader = resp.Header.Get("WWW-Authenticate")
			var out map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		if status, out := verify("", "", p.Presentation); status != http.StatusUnauthorized || out["code"] != "client_auth_failed" {
			t.Errorf("no credentials: %d %v", status, out)
		}
		if status, out := verify("csgt.test", "wrong", p.Presentation); status != http.StatusUnauthorized || out["code"] != "client_auth_failed" {
			t.Errorf("wrong secret: %d %v", status, out)
		}
		if verifyHeader != `Basic realm="vneid-verify"` {
			t.Errorf("WWW-Authenticate = %q, want the Basic challenge", verifyHeader)
		}
		status, out := verify("csgt.test", reg.Secret, p.Presentation)
		if status != http.StatusOK || out["valid"] != true {
			t.Fatalf("verify = %d %v", status, out)
		}
		docs, _ := json.Marshal(out["documents"])
		if !strings.Contains(string(docs), "Nguyễn Thị Ánh Đào") || !strings.Contains(string(docs), "010123456789") {
			t.Errorf("verified documents = %s", docs)
		}
		if status, out := verify("csgt.test", reg.Secret, p.Presentation); status != http.StatusConflict || out["code"] != "presentation_replayed" {
			t.Errorf("replay: %d %v", status, out)
		}
		p2, _ := c.Present(ctx, appclient.PresentRequest{Items: []appclient.PresentItem{{Kind: "eid"}}})
		tampered := strings.Replace(p2.Presentation, p2.Presentation[len(p2.Presentation)-10:len(p2.Presentation)-5], "AAAAA", 1)
		if status, out := verify("csgt.test", reg.Secret, tampered); status != http.StatusBadRequest ||
			(out["code"] != "presentation_altered" && out["code"] != "presentation_malformed") {
			t.Errorf("tampered: %d %v", status, out)
		}
		e.clock.Advance(10 * time.Minute)
		if status, out := verify("csgt.test", reg.Secret, p2.Presentation); status != http.StatusGone || out["code"] != "presentation_expired" {
			t.Errorf("expired: %d %v", status, out)
		}
		// The citizen sees the verification in the usage history.
		usage, err := c.Usage(ctx, 0, 10)
		var seen []string
		for _, u := range usage {
			seen = append(seen, u.Kind+"/"+u.ClientName)
		}
		if err != nil || !slices.Equal(seen, []string{"presentation_issued/VNeID", "presentation_verified/Cảnh sát giao thông", "presentation_issued/VNeID"}) {
			t.Errorf("usage = %v, %v", seen, err)
		}
	})
}
