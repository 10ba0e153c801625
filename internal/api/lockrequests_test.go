package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/totp"
)

// TestLockRequestsOverHTTP: a desk officer records an authority's request;
// only the head of the same unit decides it.
func TestLockRequestsOverHTTP(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		e := newEIDEnv(t, open, nil)
		e.register(adultID, "0912345678")
		signIn := func(username string, roles []string, unit string) *appclient.Client {
			t.Helper()
			enr, err := e.officers.Create(ctx, "test", officer.NewOfficer{Username: username, FullName: "Cán bộ " + username,
				Password: "mat-khau-rat-dai-9", Roles: roles, Unit: unit})
			if err != nil {
				t.Fatal(err)
			}
			var login struct {
				Token string `json:"access_token"`
			}
			anon := &appclient.Client{BaseURL: e.url}
			if err := anon.Raw(ctx, "POST", "/api/v1/officer/login", map[string]string{"username": username, "password": "mat-khau-rat-dai-9",
				"code": totp.Code(enr.TOTPSecret, time.Now(), totp.Options{})}, &login); err != nil {
				t.Fatal(err)
			}
			return &appclient.Client{BaseURL: e.url, Token: login.Token}
		}
		desk := signIn("desk.hn", []string{officer.RoleDesk}, "CA-01")
		head := signIn("head.hn", []string{officer.RoleUnitHead}, "CA-01")
		reviewer := signIn("review.hn", []string{officer.RoleReviewer}, "CA-01")
		body := map[string]string{"id_number": adultID, "kind": "lock", "requester": "Cơ quan CSĐT Công an TP Hà Nội",
			"reference": "Công văn 345/CSĐT-PC02", "reason": "Phục vụ điều tra."}
		wantProblem(t, reviewer.Raw(ctx, "POST", "/api/v1/officer/lock-requests", body, nil), "lock_request_not_unit_head", http.StatusForbidden)
		var req map[string]any
		if err := desk.Raw(ctx, "POST", "/api/v1/officer/lock-requests", body, &req); err != nil {
			t.Fatal(err)
		}
		if req["state"] != "pending" || req["unit"] != "CA-01" || req["deadline_at"] == nil {
			t.Errorf("request = %v", req)
		}
		id, _ := req["id"].(string)
		wantProblem(t, desk.Raw(ctx, "POST", "/api/v1/officer/lock-requests/"+id+"/decide", map[string]any{"approve": true}, nil),
			"lock_request_not_unit_head", http.StatusForbidden)
		var list struct {
			Requests []map[string]any `json:"requests"`
		}
		if err := head.Raw(ctx, "GET", "/api/v1/officer/lock-requests?state=pending", nil, &list); err != nil || len(list.Requests) != 1 {
			t.Fatalf("pending = %+v, %v", list, err)
		}
		var decided map[string]any
		if err := head.Raw(ctx, "POST", "/api/v1/officer/lock-requests/"+id+"/decide", map[string]any{"approve": true}, &decided); err != nil {
			t.Fatal(err)
		}
		if decided["state"] != "approved" || decided["lock_id"] == "" {
			t.Errorf("decided = %v", decided)
		}
		if a, _ := e.store.AccountByIDNumber(ctx, adultID); a.State != store.AccountLocked {
			t.Errorf("account %s after the approved request", a.State)
		}
	})
}
