package api

import (
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies, err := ParseCIDRs([]string{"10.0.0.0/8", "::1/128"})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{trustedProxies: proxies}
	for _, tc := range []struct{ remote, xff, want string }{
		{"203.0.113.7:5000", "", "203.0.113.7"},
		{"203.0.113.7:5000", "1.2.3.4", "203.0.113.7"},             // untrusted peer: its header is ignored
		{"10.1.1.1:5000", "1.2.3.4", "1.2.3.4"},                    // trusted proxy
		{"10.1.1.1:5000", "9.9.9.9, 1.2.3.4, 10.2.2.2", "1.2.3.4"}, // rightmost untrusted hop, not a spoofed first one
		{"10.1.1.1:5000", "not-an-ip", "10.1.1.1"},
		{"10.1.1.1:5000", "10.3.3.3", "10.1.1.1"}, // every hop trusted
		{"[::1]:5000", "2001:db8::1", "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := s.clientIP(r); got != tc.want {
			t.Errorf("clientIP(%s, %q) = %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	if _, err := ParseCIDRs([]string{"10.0.0.0"}); err == nil {
		t.Error("a bare address must be refused as a proxy network")
	}
}
