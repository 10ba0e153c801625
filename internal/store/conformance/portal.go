package conformance

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/store"
)

func testLiveSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, id := range []string{"acc-1", "acc-2"} {
		if err := s.CreateAccount(ctx, store.Account{ID: id, IDNumber: "00119000000" + id[4:], Phone: "+8491234567" + id[4:],
			PasswordHash: "h", State: store.AccountActive, CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
	}
	app := func(id, acc string, at time.Time, ttl time.Duration) {
		t.Helper()
		if err := s.CreateSession(ctx, store.Session{ID: id, TokenHash: []byte("h-" + id), AccountID: acc, DeviceID: "dev-" + acc,
			CreatedAt: at, ExpiresAt: at.Add(ttl), LastSeenAt: at.Add(time.Minute)}); err != nil {
			t.Fatalf("CreateSession %s: %v", id, err)
		}
	}
	web := func(id, acc string, at time.Time, ttl time.Duration) {
		t.Helper()
		if err := s.PutSSOSession(ctx, store.SSOSession{ID: id, TokenHash: []byte("w-" + id), AccountID: acc, Data: []byte(`{}`),
			CreatedAt: at, ExpiresAt: at.Add(ttl)}); err != nil {
			t.Fatalf("PutSSOSession %s: %v", id, err)
		}
	}
	app("a-old", "acc-1", base, time.Hour)
	app("a-expired", "acc-1", base, time.Minute)
	app("a-revoked", "acc-1", base.Add(time.Second), time.Hour)
	web("w-new", "acc-1", base.Add(2*time.Minute), time.Hour)
	web("w-ended", "acc-1", base.Add(3*time.Minute), time.Hour)
	app("a-other", "acc-2", base.Add(time.Minute), time.Hour)
	web("w-other", "acc-2", base.Add(time.Minute), time.Hour)
	if err := s.RevokeSession(ctx, "a-revoked", base.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.EndSSOSession(ctx, "w-ended", base.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.LiveSessions(ctx, "acc-1", base.Add(10*time.Minute))
	if err != nil {
		t.Fatalf("LiveSessions: %v", err)
	}
	if len(got) != 2 || got[0].ID != "w-new" || got[0].Kind != store.SessionWeb || got[1].ID != "a-old" || got[1].Kind != store.SessionApp {
		t.Fatalf("LiveSessions = %+v; want w-new (web) then a-old (app)", got)
	}
	if !got[1].CreatedAt.Equal(base) || !got[1].LastSeenAt.Equal(base.Add(time.Minute)) || got[1].DeviceID != "dev-acc-1" ||
		!got[1].ExpiresAt.Equal(base.Add(time.Hour)) || !got[0].LastSeenAt.IsZero() || !got[0].CreatedAt.Equal(base.Add(2*time.Minute)) {
		t.Errorf("LiveSessions fields = %+v", got)
	}
	if got, err := s.LiveSessions(ctx, "acc-1", base.Add(2*time.Hour)); err != nil || len(got) != 0 {
		t.Errorf("LiveSessions after expiry = %+v, %v; want none", got, err)
	}
	if got, err := s.LiveSessions(ctx, "nobody", base); err != nil || len(got) != 0 {
		t.Errorf("LiveSessions of nobody = %+v, %v", got, err)
	}
}

func testSearchUsage(t *testing.T, s store.Store) {
	ctx := context.Background()
	recs := []store.UsageRecord{
		{AccountID: "acc-1", ClientID: "portal", Kind: "login", At: base},
		{AccountID: "acc-1", ClientID: "bank", Kind: "login", At: base.Add(24 * time.Hour)},
		{AccountID: "acc-1", ClientID: "bank", Kind: "release", At: base.Add(25 * time.Hour)},
		{AccountID: "acc-1", ClientID: "", Kind: "presentation", At: base.Add(48 * time.Hour)},
		{AccountID: "acc-2", ClientID: "bank", Kind: "login", At: base.Add(24 * time.Hour)},
		{AccountID: "acc-1", ClientID: "portal", Kind: "logout", At: base.Add(72 * time.Hour)},
	}
	for _, r := range recs {
		r.Detail = `{}`
		if err := s.AppendUsage(ctx, r); err != nil {
			t.Fatalf("AppendUsage: %v", err)
		}
	}
	kinds := func(l []store.UsageRecord) []string {
		var out []string
		for _, r := range l {
			out = append(out, r.ClientID+"/"+r.Kind)
		}
		return out
	}
	cases := []struct {
		name string
		q    store.UsageQuery
		want []string
	}{
		{"all", store.UsageQuery{AccountID: "acc-1"}, []string{"portal/logout", "/presentation", "bank/release", "bank/login", "portal/login"}},
		{"client", store.UsageQuery{AccountID: "acc-1", ClientID: "bank"}, []string{"bank/release", "bank/login"}},
		{"system", store.UsageQuery{AccountID: "acc-1", System: true}, []string{"/presentation"}},
		{"kind", store.UsageQuery{AccountID: "acc-1", Kind: "login"}, []string{"bank/login", "portal/login"}},
		{"from", store.UsageQuery{AccountID: "acc-1", From: base.Add(24 * time.Hour)}, []string{"portal/logout", "/presentation", "bank/release", "bank/login"}},
		{"window", store.UsageQuery{AccountID: "acc-1", From: base.Add(time.Hour), To: base.Add(48 * time.Hour)}, []string{"bank/release", "bank/login"}},
		{"client+kind", store.UsageQuery{AccountID: "acc-1", ClientID: "bank", Kind: "login"}, []string{"bank/login"}},
		{"limit", store.UsageQuery{AccountID: "acc-1", Limit: 2}, []string{"portal/logout", "/presentation"}},
		{"other account", store.UsageQuery{AccountID: "acc-2"}, []string{"bank/login"}},
		{"none", store.UsageQuery{AccountID: "acc-1", Kind: "nope"}, nil},
	}
	for _, c := range cases {
		got, err := s.SearchUsage(ctx, c.q)
		if err != nil {
			t.Fatalf("%s: SearchUsage: %v", c.name, err)
		}
		if k := kinds(got); !slices.Equal(k, c.want) {
			t.Errorf("%s: SearchUsage = %v, want %v", c.name, k, c.want)
		}
	}
	first, err := s.SearchUsage(ctx, store.UsageQuery{AccountID: "acc-1", Limit: 2})
	if err != nil || len(first) != 2 {
		t.Fatalf("page 1: %v, %v", first, err)
	}
	next, err := s.SearchUsage(ctx, store.UsageQuery{AccountID: "acc-1", Before: first[1].ID, Limit: 2})
	if k := kinds(next); err != nil || !slices.Equal(k, []string{"bank/release", "bank/login"}) {
		t.Errorf("page 2 = %v, %v", k, err)
	}
	if ids, err := s.UsageClients(ctx, "acc-1"); err != nil || !slices.Equal(ids, []string{"bank", "portal"}) {
		t.Errorf("UsageClients = %v, %v; want [bank portal]", ids, err)
	}
}
