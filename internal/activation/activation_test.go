package activation_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vneid/vneid/internal/activation"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestFormsNeedCSRFToken: the page sets a Secure, HttpOnly, SameSite form
// cookie and security headers, and a post without the token of that cookie
// is refused with the error page before the credentials are looked at (the
// handler has no account service here: a post that got further would
// panic).
func TestFormsNeedCSRFToken(t *testing.T) {
	h := activation.New(activation.Options{Secure: true, CSRFKey: []byte("test key of the activation forms")})
	get := func() (*http.Cookie, string) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, activation.Path, nil))
		res := rec.Result()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET: %d", res.StatusCode)
		}
		hd := res.Header
		if !strings.Contains(hd.Get("Content-Security-Policy"), "frame-ancestors 'none'") || hd.Get("X-Content-Type-Options") != "nosniff" ||
			hd.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("security headers %v", hd)
		}
		cs := res.Cookies()
		if len(cs) != 1 || !cs[0].Secure || !cs[0].HttpOnly || cs[0].SameSite == http.SameSiteNoneMode || cs[0].SameSite == http.SameSiteDefaultMode {
			t.Fatalf("cookies %+v", cs)
		}
		m := csrfField.FindStringSubmatch(rec.Body.String())
		if m == nil {
			t.Fatalf("no csrf field: %.300s", rec.Body.String())
		}
		return cs[0], m[1]
	}
	c1, tok1 := get()
	c2, tok2 := get()
	if c1.Value == c2.Value || tok1 == tok2 {
		t.Fatal("two browsers got the same cookie or token")
	}
	for _, path := range []string{activation.Path, activation.Path + "/confirm"} {
		for name, tc := range map[string]struct {
			cookie *http.Cookie
			token  []string
		}{
			"no token":               {c1, nil},
			"empty token":            {c1, []string{""}},
			"wrong token":            {c1, []string{tok1[:len(tok1)-2] + "xx"}},
			"another browser's":      {c1, []string{tok2}},
			"no cookie":              {nil, []string{tok1}},
			"another browser's pair": {c2, []string{tok1}},
		} {
			form := url.Values{"id_number": {"001190012345"}, "password": {"Matkhau@2024"}, "ticket": {"t"}, "code": {"123456"}}
			if tc.token != nil {
				form["csrf"] = tc.token
			}
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.cookie != nil {
				req.AddCookie(tc.cookie)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if body := rec.Body.String(); rec.Code != http.StatusForbidden || !strings.Contains(body, "Phiên biểu mẫu không hợp lệ") ||
				!strings.Contains(body, "The form has expired") {
				t.Errorf("%s %s: %d %.300s", path, name, rec.Code, body)
			}
		}
	}
}
