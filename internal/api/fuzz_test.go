package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

// FuzzAPIRequests sends arbitrary bodies to every JSON endpoint: the server
// must never fail with a 5xx, and every error must be a problem with a code
// and both messages.
func FuzzAPIRequests(f *testing.F) {
	paths := []string{
		"/api/v1/app/registrations",
		"/api/v1/app/registrations/x/qr",
		"/api/v1/app/registrations/x/otp/verify",
		"/api/v1/app/registrations/x/password",
		"/api/v1/app/login/challenge",
		"/api/v1/app/login",
	}
	for i, seed := range []string{
		`{"id_number":"001190012345","phone":"0912345678","device":{"id":"d","public_key":"AAAA"}}`,
		`{"payload":"001190012345|012345678|Nguyễn Thị Ánh Đào|28021990|Nữ|Số 12|10062021"}`,
		`{"otp":"123456"}`, `{"password":"Matkhau@2024","device_signature":"AAAA"}`,
		`{"device_id":"d"}`, `{"id_number":"001190012345","password":"x","device_id":"d","challenge":"c","signature":"s"}`,
		`{`, `null`, `[]`, `{"id_number":null}`, "\x00", `{"a":1}`,
	} {
		f.Add(uint8(i), seed)
	}
	e := newEnv(f, func(t testing.TB) store.Store { return storetest.OpenSQLite(t) }, testConfig())
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		resp, err := http.Post(e.url+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("POST %s %q: %d %s", path, body, resp.StatusCode, b)
		}
		if resp.StatusCode >= 400 {
			var p struct {
				Code     string `json:"code"`
				Messages struct{ VI, EN string }
			}
			if err := json.Unmarshal(b, &p); err != nil || p.Code == "" || p.Messages.VI == "" || p.Messages.EN == "" {
				t.Fatalf("POST %s %q: not a problem: %d %s", path, body, resp.StatusCode, b)
			}
		}
	})
}
