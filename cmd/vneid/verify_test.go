package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rsc.io/qr"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/presentation"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/ssoweb"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/verifyweb"
	"github.com/vneid/vneid/internal/wallet"
)

const testIssuerURL = "https://id.example.vn/oidc"

// testIssuer signs presentations with a fresh P-256 key and publishes its
// key set in a file, as a verifier would have saved it.
type testIssuer struct {
	key  presentation.Key
	jwks string // path of the JWKS file
}

func newTestIssuer(t *testing.T, kid string) testIssuer {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ti := testIssuer{key: presentation.Key{ID: kid, Algorithm: presentation.ES256, Signer: priv},
		jwks: filepath.Join(t.TempDir(), "issuer.jwks")}
	raw, err := presentation.MarshalJWKS(ti.key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ti.jwks, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return ti
}

// issue signs a presentation of an e-ID card and a driving licence, valid
// from iat to exp.
func (ti testIssuer) issue(t *testing.T, iat, exp time.Time, nonce string) string {
	t.Helper()
	tok, err := presentation.Issue(presentation.Request{Issuer: testIssuerURL, ID: "jti-" + iat.Format("150405.000"), Level: 2,
		IssuedAt: iat, ExpiresAt: exp, Nonce: nonce,
		Documents: []presentation.Document{
			{Kind: "eid", Claims: []presentation.Claim{
				{Name: "id_number", Value: "001190012345"},
				{Name: "full_name", Value: "Nguyễn Thị Thanh Hương"},
				{Name: "date_of_birth", Value: "1990-05-17"},
			}},
			{Kind: "driving_licence", Claims: []presentation.Claim{
				{Name: "number", Value: "010123456789"},
				{Name: "classes", Value: []map[string]string{{"class": "B2", "issued_on": "2019-04-02", "valid_until": "2029-04-02"}}},
				{Name: "status", Value: "valid"},
			}},
		}}, ti.key, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// alter changes the value of the first disclosure, keeping its salt and
// name: its digest is then in no signed _sd array.
func alter(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, "~")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var d []any
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	d[2] = "079085000456"
	b, _ := json.Marshal(d)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, "~")
}

// verifyCmd runs `vneid verify` in process.
func verifyCmd(t *testing.T, stdin io.Reader, args ...string) (string, error) {
	t.Helper()
	return vneid(t, stdin, append([]string{"verify"}, args...)...)
}

func clearVerifyEnv(t *testing.T) {
	t.Setenv("VNEID_SERVER", "")
	t.Setenv("VNEID_CLIENT_SECRET", "")
}

func TestVerifyOffline(t *testing.T) {
	clearVerifyEnv(t)
	ti := newTestIssuer(t, "ES-test-1")
	other := newTestIssuer(t, "ES-other-1")
	now := time.Now()
	valid := ti.issue(t, now, now.Add(3*time.Minute), "")
	withheld, err := presentation.Withhold(valid, func(kind, claim string) bool { return claim != "date_of_birth" })
	if err != nil {
		t.Fatal(err)
	}
	bound := ti.issue(t, now, now.Add(3*time.Minute), "n-123")
	offline := []string{"-jwks", ti.jwks, "-issuer", testIssuerURL}
	for _, tc := range []struct {
		name    string
		args    []string
		want    []string // in the output
		wantErr string   // in the error; empty: success
	}{
		{"valid", append(offline, valid),
			[]string{"HỢP LỆ / VALID", "Nguyễn Thị Thanh Hương", "Họ, chữ đệm và tên:", "17/05/1990", "Mức định danh:", "2",
				"Giấy phép lái xe", "Hạng: B2, Ngày cấp: 02/04/2019, Có giá trị đến: 02/04/2029", "Còn hiệu lực",
				"UTC+7, Asia/Ho_Chi_Minh", "không phát hiện được mã đã dùng lại"}, ""},
		{"english", append([]string{"-lang", "en"}, append(offline, valid)...),
			[]string{"HỢP LỆ / VALID", "Full name:", "Driving licence", "Identification level:", "cannot detect a replayed"}, ""},
		{"withheld", append(offline, withheld), []string{"1 thông tin không được xuất trình", "Nguyễn Thị Thanh Hương"}, ""},
		{"altered", append(offline, alter(t, valid)), []string{"KHÔNG HỢP LỆ / INVALID — presentation_altered"}, "presentation_altered"},
		{"expired", append(offline, ti.issue(t, now.Add(-10*time.Minute), now.Add(-5*time.Minute), "")),
			[]string{"presentation_expired", "hết hạn"}, "presentation_expired: Mã xuất trình đã hết hạn"},
		{"expired in English", append([]string{"-lang", "en"}, append(offline, ti.issue(t, now.Add(-10*time.Minute), now.Add(-5*time.Minute), ""))...),
			nil, "presentation_expired: The presentation has expired"},
		{"wrong issuer", []string{"-jwks", ti.jwks, "-issuer", "https://other.example.vn/oidc", valid},
			[]string{"presentation_wrong_issuer"}, "presentation_wrong_issuer"},
		{"another issuer's keys", []string{"-jwks", other.jwks, "-issuer", testIssuerURL, valid}, nil, "presentation_unknown_key"},
		{"not a presentation", append(offline, "hello"), nil, "presentation_malformed"},
		{"nonce bound and given", append([]string{"-nonce", "n-123"}, append(offline, bound)...), []string{"HỢP LỆ", "n-123"}, ""},
		{"nonce mismatch", append([]string{"-nonce", "n-999"}, append(offline, bound)...), nil, "presentation_nonce_mismatch"},
		{"no keys", []string{valid}, nil, "no issuer keys"},
		{"keys without issuer", []string{"-jwks", ti.jwks, valid}, nil, "-issuer URL is required"},
		{"no presentation", offline, nil, "no presentation"},
		{"two presentations", append(offline, valid, valid), nil, "give one presentation"},
		{"bad language", append([]string{"-lang", "fr"}, append(offline, valid)...), nil, "-lang"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := verifyCmd(t, nil, tc.args...)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("error: %v\n%s", err, out)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error = %v, want %q\n%s", err, tc.wantErr, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestVerifyInputs: the presentation from a file, standard input and a QR
// code image.
func TestVerifyInputs(t *testing.T) {
	clearVerifyEnv(t)
	ti := newTestIssuer(t, "ES-test-1")
	now := time.Now()
	tok := ti.issue(t, now, now.Add(3*time.Minute), "")
	dir := t.TempDir()
	file := filepath.Join(dir, "code.txt")
	if err := os.WriteFile(file, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, err := qr.Encode(tok, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "code.png")
	if err := os.WriteFile(png, code.PNG(), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := []string{"-jwks", ti.jwks, "-issuer", testIssuerURL}
	for name, run := range map[string]func() (string, error){
		"@FILE": func() (string, error) { return verifyCmd(t, nil, append(keys, "@"+file)...) },
		"stdin": func() (string, error) { return verifyCmd(t, strings.NewReader(" "+tok+"\r\n"), append(keys, "-")...) },
		"-qr":   func() (string, error) { return verifyCmd(t, nil, append(keys, "-qr", png)...) },
	} {
		out, err := run()
		if err != nil || !strings.Contains(out, "HỢP LỆ") || !strings.Contains(out, "Nguyễn Thị Thanh Hương") {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
	for name, c := range map[string]struct {
		stdin   string
		args    []string
		wantErr string
	}{
		"missing file":   {"", append(keys, "@"+filepath.Join(dir, "none.txt")), "no such file"},
		"empty stdin":    {"  \n", append(keys, "-"), "empty"},
		"not an image":   {"", append(keys, "-qr", file), "read image"},
		"-qr and an arg": {"", append(keys, "-qr", png, tok), "not both"},
	} {
		_, err := verifyCmd(t, strings.NewReader(c.stdin), c.args...)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want %q", name, err, c.wantErr)
		}
	}
}

func TestVerifyJSON(t *testing.T) {
	clearVerifyEnv(t)
	ti := newTestIssuer(t, "ES-test-1")
	now := time.Now()
	keys := []string{"-json", "-jwks", ti.jwks, "-issuer", testIssuerURL}
	out, err := verifyCmd(t, nil, append(keys, ti.issue(t, now, now.Add(time.Minute), ""))...)
	if err != nil {
		t.Fatal(err)
	}
	var r verifyReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !r.Valid || r.Mode != "offline" || r.Level != 2 || r.Issuer != testIssuerURL || len(r.Documents) != 2 ||
		r.Documents[0].Claims[1].Value != "Nguyễn Thị Thanh Hương" || r.Documents[0].Claims[1].Label != "Họ, chữ đệm và tên" || r.Note == "" {
		t.Errorf("report: %+v", r)
	}
	out, err = verifyCmd(t, nil, append(keys, ti.issue(t, now.Add(-time.Hour), now.Add(-50*time.Minute), ""))...)
	if err == nil {
		t.Fatal("expired presentation accepted")
	}
	r = verifyReport{}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.Valid || r.Code != "presentation_expired" || r.Messages == nil || r.Messages.EN == "" {
		t.Errorf("refusal: %+v", r)
	}
}

// verifierServer is the real API, issuer metadata and provider keys over
// HTTP, on a SQLite store, with a level-1 citizen's wallet and two
// registered relying parties.
type verifierServer struct {
	url, issuer string
	wallet      *wallet.Service
	holder      account.Principal
	unlock      string
	business    sso.Registered // gets attribute names only
	state       sso.Registered // gets values too
}

func startVerifierServer(t *testing.T) *verifierServer {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "vneid.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	acfg := account.DefaultConfig()
	acfg.Argon2 = account.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}
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
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	s := &verifierServer{url: "http://" + srv.Listener.Addr().String()}
	s.issuer = s.url + ssoweb.Prefix
	ssoSvc, err := sso.New(sso.Config{}, sso.Options{Issuer: s.issuer, Store: st, Accounts: acc, Population: st, Box: box,
		SubjectKey: key, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ssoSvc.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	wcfg := wallet.DefaultConfig()
	wcfg.Argon2 = acfg.Argon2
	if s.wallet, err = wallet.New(ctx, wcfg, wallet.Options{Store: st, Passwords: acc, Issuer: ssoSvc, Logger: log}); err != nil {
		t.Fatal(err)
	}
	apiSrv := api.New(api.Options{Accounts: acc, SSO: ssoSvc, Wallet: s.wallet, Store: st, Logger: log, Version: "test"})
	web, err := ssoweb.New(ssoweb.Options{SSO: ssoSvc, Logger: log, ClientIP: apiSrv.ClientIP, TokenKey: [32]byte(key)})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := verifyweb.New(verifyweb.Options{Issuer: s.issuer, JWKSURL: s.issuer + "/keys", Labels: wallet.ClaimLabels(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(ssoweb.Prefix+"/", web)
	mux.Handle(meta.MetadataPath(), meta)
	mux.Handle("/", apiSrv)
	srv.Config.Handler = mux
	srv.Start()

	// A level-1 citizen with an account, a passcode and an unlocked wallet.
	const id, password = "001190012345", "Matkhau@2024"
	dob, _ := identity.ParseDate("1990-05-17")
	if err := st.UpsertCitizens(ctx, []registry.Citizen{{ID: id, FullName: "Nguyễn Thị Thanh Hương", DateOfBirth: dob,
		Gender: identity.Female, Nationality: "Việt Nam", LifeStatus: registry.Alive,
		PermanentAddress: registry.Address{Commune: "Phường Hàng Đào", Province: "Thành phố Hà Nội"}}}); err != nil {
		t.Fatal(err)
	}
	hash, err := account.HashPassword(password, acfg.Argon2)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := st.CreateAccount(ctx, store.Account{ID: "acc-1", IDNumber: id, Phone: "+84912000001", PasswordHash: hash,
		State: store.AccountActive, Level: 1, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}); err != nil {
		t.Fatal(err)
	}
	s.holder = account.Principal{Account: account.Account{ID: "acc-1", IDNumber: id, Level: 1, State: store.AccountActive},
		SessionID: "session-1"}
	if err := s.wallet.SetPasscode(ctx, account.Caller{}, s.holder, password, "246810"); err != nil {
		t.Fatal(err)
	}
	u, err := s.wallet.Unlock(ctx, account.Caller{}, s.holder, "246810")
	if err != nil {
		t.Fatal(err)
	}
	s.unlock = u.Token

	for _, rp := range []struct {
		id, kind string
		to       *sso.Registered
	}{{"shop.test", sso.KindBusiness, &s.business}, {"police.test", sso.KindState, &s.state}} {
		*rp.to, err = ssoSvc.RegisterClient(ctx, "officer:admin", rp.id, sso.Registration{Name: "Kiểm tra " + rp.id,
			Purpose: "Kiểm tra giấy tờ", Kind: rp.kind, RedirectURIs: []string{"https://rp.example.vn/callback"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// present is the citizen's app showing a presentation of the e-ID card.
func (s *verifierServer) present(t *testing.T, nonce string) string {
	t.Helper()
	p, err := s.wallet.Present(context.Background(), account.Caller{}, s.holder, s.unlock,
		wallet.PresentRequest{Items: []wallet.Item{{Kind: wallet.KindEID}}, Nonce: nonce})
	if err != nil {
		t.Fatal(err)
	}
	return p.Token
}

// TestVerifyWithServer runs the command against the real API: the issuer
// keys fetched from the metadata and saved for offline use, then online
// verification with replay detection, relying-party authentication and
// nonces.
func TestVerifyWithServer(t *testing.T) {
	clearVerifyEnv(t)
	s := startVerifierServer(t)
	tok := s.present(t, "")
	saved := filepath.Join(t.TempDir(), "keys.jwks")

	// Offline with the keys from the server's metadata, saved...
	out, err := verifyCmd(t, nil, "-server", s.url, "-save-jwks", saved, tok)
	if err != nil || !strings.Contains(out, "HỢP LỆ") || !strings.Contains(out, "Nguyễn Thị Thanh Hương") || !strings.Contains(out, s.issuer) {
		t.Fatalf("offline from the server's keys: %v\n%s", err, out)
	}
	// ... then without the server. VNEID_SERVER supplies the server too.
	t.Setenv("VNEID_SERVER", "http://127.0.0.1:1")
	if out, err := verifyCmd(t, nil, "-jwks", saved, "-issuer", s.issuer, tok); err != nil || !strings.Contains(out, "HỢP LỆ") {
		t.Fatalf("offline from saved keys: %v\n%s", err, out)
	}
	t.Setenv("VNEID_SERVER", s.url)
	if out, err := verifyCmd(t, nil, "-jwks", s.issuer+"/keys", tok); err != nil || !strings.Contains(out, "HỢP LỆ") {
		t.Fatalf("keys from a URL, issuer from VNEID_SERVER's metadata: %v\n%s", err, out)
	}
	if _, err := verifyCmd(t, nil, "-issuer", "https://other.example.vn/oidc", tok); err == nil {
		t.Error("an issuer the server does not publish was accepted")
	}
	t.Setenv("VNEID_SERVER", "")

	// Online, as a business: attribute names without values. Once only.
	online := []string{"-online", "-server", s.url, "-client", s.business.Client.ID, "-secret", s.business.Secret}
	out, err = verifyCmd(t, nil, append(online, tok)...)
	if err != nil || !strings.Contains(out, "HỢP LỆ / VALID") || !strings.Contains(out, "trực tuyến") ||
		!strings.Contains(out, "Họ, chữ đệm và tên") || strings.Contains(out, "Nguyễn Thị Thanh Hương") {
		t.Fatalf("online: %v\n%s", err, out)
	}
	out, err = verifyCmd(t, nil, append(online, tok)...)
	if err == nil || !strings.Contains(err.Error(), "presentation_replayed") || !strings.Contains(out, "KHÔNG HỢP LỆ / INVALID — presentation_replayed") {
		t.Fatalf("replay: %v\n%s", err, out)
	}
	out, err = verifyCmd(t, nil, append([]string{"-json"}, append(online, tok)...)...)
	var p api.Problem
	if err == nil || json.Unmarshal([]byte(out), &p) != nil || p.Code != "presentation_replayed" || p.Messages.VI == "" {
		t.Fatalf("replay as JSON: %v\n%s", err, out)
	}
	out, err = verifyCmd(t, nil, append([]string{"-json"}, append(online, s.present(t, ""))...)...)
	var v wallet.Verification
	if err != nil || json.Unmarshal([]byte(out), &v) != nil || !v.Valid || v.Attributes || len(v.Documents) != 1 ||
		v.Documents[0].Kind != wallet.KindEID || len(v.Documents[0].Names) == 0 {
		t.Fatalf("online as JSON: %v\n%s", err, out)
	}
	// Wrong secret: not checked at all.
	out, err = verifyCmd(t, nil, "-online", "-server", s.url, "-client", s.business.Client.ID, "-secret", "wrong", "-lang", "en", s.present(t, ""))
	if err == nil || !strings.Contains(err.Error(), "client_auth_failed: The relying party could not be authenticated") ||
		!strings.Contains(out, "NOT CHECKED") {
		t.Fatalf("wrong secret: %v\n%s", err, out)
	}
	if _, err := verifyCmd(t, nil, "-online", "-server", s.url, "-client", s.business.Client.ID, tok); err == nil ||
		!strings.Contains(err.Error(), "-secret") {
		t.Errorf("online without a secret: %v", err)
	}

	// A state body with a nonce, its secret from VNEID_CLIENT_SECRET: values too.
	t.Setenv("VNEID_CLIENT_SECRET", s.state.Secret)
	state := []string{"-online", "-server", s.url, "-client", s.state.Client.ID}
	out, err = verifyCmd(t, nil, append(state, "-new-nonce", "-json")...)
	var n wallet.Nonce
	if err != nil || json.Unmarshal([]byte(out), &n) != nil || n.Nonce == "" {
		t.Fatalf("new nonce: %v\n%s", err, out)
	}
	bound := s.present(t, n.Nonce)
	if out, err := verifyCmd(t, nil, append(state, "-nonce", "another", bound)...); err == nil ||
		!strings.Contains(err.Error(), "presentation_nonce_mismatch") {
		t.Fatalf("wrong nonce: %v\n%s", err, out)
	}
	out, err = verifyCmd(t, strings.NewReader(bound), append(state, "-nonce", n.Nonce, "-")...)
	if err != nil || !strings.Contains(out, "HỢP LỆ") || !strings.Contains(out, "Nguyễn Thị Thanh Hương") || !strings.Contains(out, "17/05/1990") {
		t.Fatalf("state body with nonce: %v\n%s", err, out)
	}
	out, err = verifyCmd(t, nil, append(state, "-new-nonce")...)
	if lines := strings.Split(out, "\n"); err != nil || len(lines) < 2 || len(lines[0]) < 16 || !strings.Contains(out, "hết hạn lúc") {
		t.Fatalf("new nonce as text: %v\n%s", err, out)
	}
}

// TestVerifyUsage: -h prints the usage text.
func TestVerifyUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"verify", "-h"}, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(errOut.String(), "usage: vneid verify") || !strings.Contains(errOut.String(), "-save-jwks") {
		t.Errorf("verify -h: %v\n%s", err, errOut.String())
	}
}
