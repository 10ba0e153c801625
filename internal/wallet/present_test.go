package wallet_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/presentation"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/wallet"
)

// alter changes the disclosed value of claim in a presentation, keeping
// its salt: what someone editing the QR text would do.
func alter(t *testing.T, token, claim string, value any) string {
	t.Helper()
	parts := strings.Split(token, "~")
	for i, p := range parts[1 : len(parts)-1] {
		raw, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			t.Fatal(err)
		}
		var disc []any
		if err := json.Unmarshal(raw, &disc); err != nil {
			t.Fatal(err)
		}
		if disc[1] == claim {
			disc[2] = value
			b, _ := json.Marshal(disc)
			parts[i+1] = base64.RawURLEncoding.EncodeToString(b)
			return strings.Join(parts, "~")
		}
	}
	t.Fatalf("no disclosure of %s", claim)
	return ""
}

func (e *env) integrateLicence() {
	e.t.Helper()
	r, err := e.w.RequestIntegration(context.Background(), account.Caller{}, e.holder, sources.DrivingLicence, licenceNo, true)
	if err != nil || r.State != "approved" {
		e.t.Fatalf("integrate licence: %+v, %v", r, err)
	}
}

func TestPresentAndVerifyOnline(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, nil)
			e.seedSource()
			e.integrateLicence()
			ctx := context.Background()
			c := account.Caller{IP: "203.0.113.9"}
			token := e.unlock(e.holder)
			police := wallet.Verifier{ID: "csgt", Name: "Cảnh sát giao thông", StateBody: true}
			shop := wallet.Verifier{ID: "shop", Name: "Cửa hàng điện thoại"}

			if _, err := e.w.Present(ctx, c, e.holder, "", wallet.PresentRequest{Items: []wallet.Item{{Kind: "eid"}}}); code(err) != "wallet_locked" {
				t.Errorf("present without the passcode: %v", err)
			}
			for _, bad := range []wallet.PresentRequest{
				{},
				{Items: []wallet.Item{{Kind: "eid"}, {Kind: "eid"}}},
				{Items: []wallet.Item{{Kind: "eid"}}, TTL: time.Hour},
			} {
				if _, err := e.w.Present(ctx, c, e.holder, token, bad); code(err) != "presentation_request_invalid" {
					t.Errorf("Present(%+v) = %v", bad, err)
				}
			}
			if _, err := e.w.Present(ctx, c, e.holder, token, wallet.PresentRequest{Items: []wallet.Item{{Kind: "eid", Claims: []string{"blood_type"}}}}); code(err) != "presentation_claim_unknown" {
				t.Errorf("unknown claim: %v", err)
			}
			if _, err := e.w.Present(ctx, c, e.holder, token, wallet.PresentRequest{Items: []wallet.Item{{Kind: "tax_code"}}}); code(err) != "wallet_document_not_found" {
				t.Errorf("document not in the wallet: %v", err)
			}
			every := wallet.PresentRequest{Items: []wallet.Item{{Kind: "eid", Claims: []string{"id_number", "full_name", "date_of_birth",
				"gender", "nationality", "place_of_origin", "place_of_residence", "card_issued_on", "card_valid_until"}},
				{Kind: "driving_licence", Claims: []string{"number", "holder_name", "holder_id", "date_of_birth", "classes", "issued_on",
					"valid_until", "issuer", "status"}}}}
			if _, err := e.w.Present(ctx, c, e.holder, token, every); code(err) != "presentation_too_large" {
				t.Errorf("every attribute of two documents: %v, want presentation_too_large", err)
			}
			level1Token := e.unlock(e.level1)
			if _, err := e.w.Present(ctx, c, e.level1, level1Token, wallet.PresentRequest{Items: []wallet.Item{{Kind: "driving_licence"}}}); code(err) != "wallet_level_required" {
				t.Errorf("level 1 presenting a document: %v", err)
			}
			p1, err := e.w.Present(ctx, c, e.level1, level1Token, wallet.PresentRequest{Items: []wallet.Item{{Kind: "eid"}}})
			if err != nil {
				t.Fatalf("level 1 e-ID: %v", err)
			}
			if v, err := presentation.Peek(p1.Token); err != nil || v.Level != 1 || len(v.Documents[0].Claims) != 4 {
				t.Errorf("level 1 presentation = %+v, %v; want the 4 level-1 attributes", v, err)
			}

			// The e-ID card with the licence, defaults: small enough for a QR.
			p, err := e.w.Present(ctx, c, e.holder, token, wallet.PresentRequest{Items: []wallet.Item{{Kind: "eid"}, {Kind: "driving_licence"}}})
			if err != nil {
				t.Fatal(err)
			}
			if p.Size > 2331 || p.Size != len(p.Token) {
				t.Errorf("presentation of %d bytes", p.Size)
			}
			t.Logf("e-ID card + driving licence (default attributes): %d bytes", p.Size)
			v, err := e.w.VerifyOnline(ctx, c, police, p.Token, "")
			if err != nil || !v.Valid || v.Level != 2 || len(v.Documents) != 2 || !v.Attributes {
				t.Fatalf("VerifyOnline = %+v, %v", v, err)
			}
			if v.Documents[0].Claims["full_name"] != "Nguyễn Thị Thanh Hương" || v.Documents[1].Claims["number"] != licenceNo {
				t.Errorf("verified claims = %+v", v.Documents)
			}
			if _, err := e.w.VerifyOnline(ctx, c, police, p.Token, ""); code(err) != "presentation_replayed" {
				t.Errorf("second verification: %v, want presentation_replayed", err)
			}
			usage, _ := e.st.ListUsage(ctx, e.holder.Account.ID, 0, 50)
			var kinds []string
			for _, u := range usage {
				kinds = append(kinds, u.Kind+":"+u.ClientID)
				if strings.Contains(u.Detail, "Nguyễn") || strings.Contains(u.Detail, licenceNo+"\"") && u.Kind == "presentation_verified" {
					t.Errorf("usage record holds values: %s", u.Detail)
				}
			}
			if len(kinds) == 0 || kinds[0] != "presentation_verified:csgt" {
				t.Errorf("usage = %v; want the verification by csgt first", kinds)
			}

			fresh := func(items ...wallet.Item) string {
				t.Helper()
				p, err := e.w.Present(ctx, c, e.holder, token, wallet.PresentRequest{Items: items})
				if err != nil {
					t.Fatal(err)
				}
				return p.Token
			}
			// Business verifiers learn validity and names, not values.
			v, err = e.w.VerifyOnline(ctx, c, shop, fresh(wallet.Item{Kind: "eid"}), "")
			if err != nil || !v.Valid || v.Attributes || v.Documents[0].Claims != nil || len(v.Documents[0].Names) == 0 {
				t.Errorf("business verifier = %+v, %v", v, err)
			}
			// Tampering with any disclosed value fails.
			for _, claim := range []string{"full_name", "date_of_birth", "id_number"} {
				if _, err := e.w.VerifyOnline(ctx, c, police, alter(t, fresh(wallet.Item{Kind: "eid"}), claim, "x"), ""); code(err) != "presentation_altered" {
					t.Errorf("altered %s: %v", claim, err)
				}
			}
			if _, err := e.w.VerifyOnline(ctx, c, police, "not a presentation", ""); code(err) != "presentation_malformed" {
				t.Errorf("garbage: %v", err)
			}
			// Withholding a disclosure keeps the signature valid.
			w, err := presentation.Withhold(fresh(wallet.Item{Kind: "eid"}), func(kind, claim string) bool { return claim != "place_of_residence" })
			if err != nil {
				t.Fatal(err)
			}
			if v, err := e.w.VerifyOnline(ctx, c, police, w, ""); err != nil || v.Withheld["eid"] != 1 || v.Documents[0].Claims["place_of_residence"] != nil {
				t.Errorf("withheld presentation = %+v, %v", v, err)
			}
			// Expired.
			old := fresh(wallet.Item{Kind: "eid"})
			e.advance(4 * time.Minute)
			if _, err := e.w.VerifyOnline(ctx, c, police, old, ""); code(err) != "presentation_expired" {
				t.Errorf("after 4 minutes: %v, want presentation_expired", err)
			}
			// Revoked by the citizen, one or all.
			pr, _ := e.w.Present(ctx, c, e.holder, token, wallet.PresentRequest{Items: []wallet.Item{{Kind: "eid"}}})
			if _, err := e.w.RevokePresentation(ctx, c, e.holder, pr.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.w.VerifyOnline(ctx, c, police, pr.Token, ""); code(err) != "presentation_revoked" {
				t.Errorf("revoked presentation: %v", err)
			}
			if _, err := e.w.RevokePresentation(ctx, c, e.holder, "nope"); code(err) != "presentation_not_found" {
				t.Errorf("revoking an unknown presentation: %v", err)
			}
			// Bound to a verifier: its nonce, once, and only for it.
			n, err := e.w.NewNonce(ctx, police)
			if err != nil {
				t.Fatal(err)
			}
			bound := func() string {
				p, err := e.w.Present(ctx, c, e.holder, token, wallet.PresentRequest{Items: []wallet.Item{{Kind: "eid"}}, Nonce: n.Nonce, Audience: police.ID})
				if err != nil {
					t.Fatal(err)
				}
				return p.Token
			}
			b1 := bound()
			if _, err := e.w.VerifyOnline(ctx, c, shop, b1, n.Nonce); code(err) != "presentation_wrong_audience" {
				t.Errorf("another verifier: %v", err)
			}
			if _, err := e.w.VerifyOnline(ctx, c, police, b1, "other-nonce"); code(err) != "presentation_nonce_mismatch" {
				t.Errorf("wrong nonce: %v", err)
			}
			if _, err := e.w.VerifyOnline(ctx, c, police, b1, n.Nonce); err != nil {
				t.Errorf("bound presentation: %v", err)
			}
			if _, err := e.w.VerifyOnline(ctx, c, police, bound(), n.Nonce); code(err) != "presentation_nonce_mismatch" {
				t.Errorf("nonce used twice: %v", err)
			}
			// A verifier that gave a nonce refuses a presentation not bound
			// to it (a QR photographed elsewhere).
			if _, err := e.w.VerifyOnline(ctx, c, police, fresh(wallet.Item{Kind: "eid"}), n.Nonce); code(err) != "presentation_nonce_mismatch" {
				t.Errorf("unbound presentation with a nonce: %v", err)
			}
			// A document revoked at its source revokes presentations of it.
			lic := fresh(wallet.Item{Kind: "eid"}, wallet.Item{Kind: "driving_licence"})
			revoked := licence(licenceNo, holderID, "Nguyễn Thị Thanh Hương", sources.StatusRevoked, d("2029-04-02"))
			if err := e.st.UpsertDocuments(ctx, []sources.Document{revoked}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.w.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := e.w.VerifyOnline(ctx, c, police, lic, ""); code(err) != "presentation_revoked" {
				t.Errorf("licence revoked at the source: %v", err)
			}
			if _, err := e.w.Present(ctx, c, e.holder, token, wallet.PresentRequest{Items: []wallet.Item{{Kind: "driving_licence"}}}); code(err) != "wallet_document_not_found" {
				t.Errorf("presenting a revoked licence: %v", err)
			}
			// A locked account presents nothing that verifies.
			idOnly := fresh(wallet.Item{Kind: "eid"})
			lockAccount(t, e)
			if _, err := e.w.VerifyOnline(ctx, c, police, idOnly, ""); code(err) != "presentation_revoked" {
				t.Errorf("locked account: %v", err)
			}
			l, err := e.w.ListPresentations(ctx, e.holder)
			if err != nil || len(l) < 5 {
				t.Errorf("ListPresentations = %d, %v", len(l), err)
			}
		})
	}
}

// lockAccount locks the holder's account the way the store records it.
func lockAccount(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	acc, err := e.st.Account(ctx, e.holder.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetAccountState(ctx, acc.ID, store.AccountLocked, e.clock()); err != nil {
		t.Fatal(err)
	}
}

// An independent verifier, in another language and process, with nothing
// but the published keys, accepts the presentation and refuses it once a
// disclosed value is changed.
func TestIndependentVerifier(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; .ci/run installs it")
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "tools", "sdjwt-verify", "verify.mjs")
	e := newEnv(t, storetest.Backends()[0], nil)
	e.seedSource()
	e.integrateLicence()
	ctx := context.Background()
	token := e.unlock(e.holder)
	p, err := e.w.Present(ctx, account.Caller{}, e.holder, token, wallet.PresentRequest{Items: []wallet.Item{{Kind: "eid"}, {Kind: "driving_licence"}}})
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := e.sso.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keys := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(keys, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(pres string) (map[string]any, error) {
		f := filepath.Join(dir, "p.txt")
		if err := os.WriteFile(f, []byte(pres), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(node, script, "--jwks", keys, "--issuer", e.sso.Issuer(), "--now", itoa(e.clock().Unix()), "@"+f)
		out, err := cmd.Output()
		var res map[string]any
		if jerr := json.Unmarshal(out, &res); jerr != nil {
			t.Fatalf("verifier output %q: %v (%v)", out, jerr, err)
		}
		return res, err
	}
	res, err := run(p.Token)
	if err != nil || res["valid"] != true {
		t.Fatalf("independent verifier refused a valid presentation: %v, %v", res, err)
	}
	b, _ := json.Marshal(res["documents"])
	if !strings.Contains(string(b), "Nguyễn Thị Thanh Hương") || !strings.Contains(string(b), licenceNo) {
		t.Errorf("independent verifier saw %s", b)
	}
	for _, claim := range []string{"full_name", "number", "classes"} {
		res, err := run(alter(t, p.Token, claim, "x"))
		if err == nil || res["valid"] != false {
			t.Errorf("independent verifier accepted an altered %s: %v", claim, res)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
