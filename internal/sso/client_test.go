package sso

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vneid/vneid/internal/failure"
)

func TestRegistrationNormalize(t *testing.T) {
	ok := func() Registration {
		return Registration{Name: "Ngân hàng A", Purpose: "Mở tài khoản trực tuyến", RedirectURIs: []string{"https://bank.example/cb"},
			Scopes: []string{"profile", "personal_id"}}
	}
	r := ok()
	if err := r.Normalize(); err != nil {
		t.Fatal(err)
	}
	if r.Type != TypeWeb || r.AuthMethod != AuthSecretBasic || r.Kind != KindBusiness || r.IDTokenAlg != "RS256" ||
		r.AccessTokenFormat != TokenOpaque || r.Sector != "bank.example" || len(r.Levels) != 2 || r.NameEN != r.Name {
		t.Errorf("defaults: %+v", r)
	}
	tests := []struct {
		name  string
		edit  func(*Registration)
		field string
	}{
		{"no name", func(r *Registration) { r.Name = " " }, "name"},
		{"no purpose", func(r *Registration) { r.Purpose = "" }, "purpose"},
		{"bad kind", func(r *Registration) { r.Kind = "ngo" }, "kind"},
		{"bad type", func(r *Registration) { r.Type = "tv" }, "type"},
		{"public with secret", func(r *Registration) { r.Type, r.AuthMethod = TypeSPA, AuthSecretBasic }, "auth_method"},
		{"web with none", func(r *Registration) { r.AuthMethod = AuthNone }, "auth_method"},
		{"private_key_jwt without keys", func(r *Registration) { r.AuthMethod = AuthPrivateKeyJWT }, "jwks"},
		{"no redirect", func(r *Registration) { r.RedirectURIs = nil }, "redirect_uris"},
		{"relative redirect", func(r *Registration) { r.RedirectURIs = []string{"/cb"} }, "redirect_uris"},
		{"http redirect", func(r *Registration) { r.RedirectURIs = []string{"http://bank.example/cb"} }, "redirect_uris"},
		{"fragment", func(r *Registration) { r.RedirectURIs = []string{"https://bank.example/cb#x"} }, "redirect_uris"},
		{"custom scheme for web", func(r *Registration) { r.RedirectURIs = []string{"vn.bank:/cb"} }, "redirect_uris"},
		{"bad post-logout", func(r *Registration) { r.PostLogoutRedirectURIs = []string{"ftp://x/"} }, "redirect_uris"},
		{"unknown scope", func(r *Registration) { r.Scopes = []string{"email"} }, "scopes"},
		{"level 3", func(r *Registration) { r.Levels = []int{3} }, "levels"},
		{"bad alg", func(r *Registration) { r.IDTokenAlg = "HS256" }, "id_token_alg"},
		{"bad token format", func(r *Registration) { r.AccessTokenFormat = "macaroon" }, "access_token_format"},
		{"bad backchannel", func(r *Registration) { r.BackChannelLogoutURI = "http://bank.example/logout" }, "backchannel_logout_uri"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ok()
			tc.edit(&r)
			err := r.Normalize()
			f := failure.As(err)
			if f == nil || f.Code != "rp_invalid" || len(f.Fields) == 0 || f.Fields[0] != tc.field {
				t.Fatalf("err = %v, want rp_invalid on %s", err, tc.field)
			}
			if f.VI == "" || f.EN == "" {
				t.Error("message missing")
			}
		})
	}
	// Loopback http and native custom schemes are allowed.
	r = ok()
	r.Type, r.RedirectURIs = TypeNative, []string{"vn.bank.app:/oauth", "http://127.0.0.1:5000/cb"}
	if err := r.Normalize(); err != nil || r.AuthMethod != AuthNone || r.Sector != "vn.bank.app" {
		t.Errorf("native: %v %+v", err, r)
	}
}

func TestRequiredLevel(t *testing.T) {
	c := &Client{Registration: Registration{Levels: []int{1, 2}}}
	for _, tc := range []struct {
		acr  []string
		want int
		err  bool
	}{
		{nil, 1, false}, {[]string{"LoA2"}, 2, false}, {[]string{"LoA2", "LoA1"}, 1, false}, {[]string{"muc-2"}, 2, false},
		{[]string{"urn:other"}, 1, false},
	} {
		got, err := requiredLevel(c, tc.acr)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("requiredLevel(%v) = %d, %v", tc.acr, got, err)
		}
	}
	only2 := &Client{Registration: Registration{Levels: []int{2}}}
	if l, err := requiredLevel(only2, nil); l != 2 || err != nil {
		t.Errorf("default for a level-2 client = %d, %v", l, err)
	}
	if _, err := requiredLevel(only2, []string{"LoA1"}); err == nil {
		t.Error("LoA1 accepted for a level-2-only client")
	}
}

// FuzzRegistration: any JSON an administrator sends is either a valid
// registration or a clear rp_invalid, never a panic; a valid one stays
// valid when normalised again.
func FuzzRegistration(f *testing.F) {
	f.Add(`{"name":"A","purpose":"B","redirect_uris":["https://a.example/cb"],"scopes":["profile"]}`)
	f.Add(`{"name":"A","purpose":"B","type":"native","redirect_uris":["vn.a:/cb"],"levels":[2,1]}`)
	f.Add(`{"name":"A","purpose":"B","auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]},"redirect_uris":["https://a.example/cb"]}`)
	f.Fuzz(func(t *testing.T, s string) {
		var r Registration
		if json.Unmarshal([]byte(s), &r) != nil {
			return
		}
		if err := r.Normalize(); err != nil {
			if f := failure.As(err); f == nil || f.Code != "rp_invalid" {
				t.Fatalf("error %v is not rp_invalid", err)
			}
			return
		}
		if strings.TrimSpace(r.Name) == "" || len(r.RedirectURIs) == 0 || len(r.Levels) == 0 {
			t.Fatalf("accepted an incomplete registration: %+v", r)
		}
		again := r
		if err := again.Normalize(); err != nil {
			t.Fatalf("normalised registration refused: %v", err)
		}
	})
}
