package portal

import (
	"net/url"
	"path"
	"strings"
	"testing"
)

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "/portal/",
		"/portal/":                     "/portal/",
		"/portal/history?kind=login":   "/portal/history?kind=login",
		"/portal/../oidc/x":            "/portal/",
		"/portal/./../activate":        "/portal/",
		"/portal/%2e%2e/activate":      "/portal/",
		"/portal//evil.example":        "/portal/",
		"//evil.example/portal/":       "/portal/",
		"https://evil.example/portal/": "/portal/",
		"/portal/\\evil":               "/portal/",
		"/portal":                      "/portal/",
		"/oidc/authorize":              "/portal/",
		"/portal/%2fevil":              "/portal/",
		"/portal/security":             "/portal/security",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeNext: whatever the query says, the landing page is a clean path
// under the portal.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/portal/", "/portal/../x", "//a/b", "/portal/%2e%2e/x", "/portal/history?a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := safeNext(in)
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(u.Path, "/portal/") {
			t.Fatalf("safeNext(%q) = %q", in, got)
		}
		if c := path.Clean(u.Path); c != u.Path && c+"/" != u.Path {
			t.Fatalf("safeNext(%q) = %q: not clean", in, got)
		}
	})
}
