package conformance

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// ict is Vietnam's time zone; times passed in it must be stored as the same
// instant and come back in UTC.
var ict = time.FixedZone("ICT", 7*3600)

func testSSOClients(t *testing.T, s store.Store) {
	ctx := context.Background()
	portal := store.RelyingParty{ID: "portal", Config: []byte(`{"name":"Cổng Dịch vụ công quốc gia"}`),
		State: "active", CreatedAt: base, UpdatedAt: base} // public client: no secret
	bank := store.RelyingParty{ID: "bank", Config: []byte(`{"name":"Ngân hàng"}`), SecretHash: []byte{0xde, 0xad, 0xbe, 0xef},
		State: "active", CreatedAt: base.Add(time.Second), UpdatedAt: base.Add(time.Second)}
	if l, err := s.ListRelyingParties(ctx); err != nil || len(l) != 0 {
		t.Fatalf("ListRelyingParties empty = %+v, %v", l, err)
	}
	for _, rp := range []store.RelyingParty{portal, bank} {
		if err := s.PutRelyingParty(ctx, rp); err != nil {
			t.Fatalf("PutRelyingParty %s: %v", rp.ID, err)
		}
	}
	got, err := s.RelyingParty(ctx, portal.ID)
	if err != nil || !reflect.DeepEqual(got, portal) {
		t.Errorf("RelyingParty = %+v, %v\nwant %+v", got, err, portal)
	}
	if got.SecretHash != nil {
		t.Errorf("client without a secret: SecretHash = %#v, want nil", got.SecretHash)
	}
	if got, err := s.RelyingParty(ctx, bank.ID); err != nil || !reflect.DeepEqual(got, bank) {
		t.Errorf("RelyingParty = %+v, %v\nwant %+v", got, err, bank)
	}
	if l, err := s.ListRelyingParties(ctx); err != nil || !reflect.DeepEqual(l, []store.RelyingParty{bank, portal}) {
		t.Errorf("ListRelyingParties = %+v, %v\nwant bank then portal", l, err)
	}
	if _, err := s.RelyingParty(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing relying party: %v, want ErrNotFound", err)
	}

	// Replace both: the portal gets a secret, the bank loses its own.
	portal.Config, portal.SecretHash, portal.UpdatedAt = []byte(`{"name":"Cổng DVC"}`), []byte{1, 2, 3}, base.Add(time.Hour)
	bank.SecretHash, bank.State, bank.UpdatedAt = nil, "disabled", base.Add(2*time.Hour)
	for _, rp := range []store.RelyingParty{portal, bank} {
		if err := s.PutRelyingParty(ctx, rp); err != nil {
			t.Fatalf("PutRelyingParty %s again: %v", rp.ID, err)
		}
	}
	if got, err := s.RelyingParty(ctx, portal.ID); err != nil || !reflect.DeepEqual(got, portal) {
		t.Errorf("replaced portal = %+v, %v\nwant %+v", got, err, portal)
	}
	got, err = s.RelyingParty(ctx, bank.ID)
	if err != nil || !reflect.DeepEqual(got, bank) {
		t.Errorf("replaced bank = %+v, %v\nwant %+v", got, err, bank)
	}
	if got.SecretHash != nil {
		t.Errorf("removed secret: SecretHash = %#v, want nil", got.SecretHash)
	}
	if l, err := s.ListRelyingParties(ctx); err != nil || !reflect.DeepEqual(l, []store.RelyingParty{bank, portal}) {
		t.Errorf("ListRelyingParties after replace = %+v, %v", l, err)
	}
}

func testSSORequests(t *testing.T, s store.Store) {
	ctx := context.Background()
	r1 := store.SSORequest{ID: "req-1", ClientID: "portal", Data: []byte(`{"scope":"openid","state":"x"}`),
		ExpiresAt: base.Add(10 * time.Minute)}
	r2 := store.SSORequest{ID: "req-2", ClientID: "bank", Data: []byte(`{"scope":"openid"}`),
		ExpiresAt: base.Add(10 * time.Minute)}
	// Two requests without a code yet (NULL code hashes) coexist.
	for _, r := range []store.SSORequest{r1, r2} {
		if err := s.PutSSORequest(ctx, r); err != nil {
			t.Fatalf("PutSSORequest %s: %v", r.ID, err)
		}
	}
	for _, r := range []store.SSORequest{r1, r2} {
		got, err := s.SSORequest(ctx, r.ID, base)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("SSORequest %s = %+v, %v\nwant %+v", r.ID, got, err, r)
		}
		if got.CodeHash != nil {
			t.Errorf("request without a code: CodeHash = %#v, want nil", got.CodeHash)
		}
	}
	// Expiry, also with now in another time zone.
	if got, err := s.SSORequest(ctx, r1.ID, base.Add(9*time.Minute).In(ict)); err != nil || !reflect.DeepEqual(got, r1) {
		t.Errorf("SSORequest before expiry (ICT) = %+v, %v", got, err)
	}
	if _, err := s.SSORequest(ctx, r1.ID, base.Add(11*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired request: %v, want ErrNotFound", err)
	}
	if _, err := s.SSORequest(ctx, r1.ID, base.Add(11*time.Minute).In(ict)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired request (ICT): %v, want ErrNotFound", err)
	}
	if _, err := s.SSORequest(ctx, "nope", base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing request: %v, want ErrNotFound", err)
	}
	if _, err := s.SSORequestByCode(ctx, nil, base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("request by no code: %v, want ErrNotFound", err)
	}

	// Replace r1 once its code is issued.
	r1.CodeHash, r1.Data, r1.ExpiresAt = []byte("code-hash-1"), []byte(`{"scope":"openid","code":true}`), base.Add(time.Minute)
	if err := s.PutSSORequest(ctx, r1); err != nil {
		t.Fatalf("PutSSORequest replace: %v", err)
	}
	if got, err := s.SSORequest(ctx, r1.ID, base); err != nil || !reflect.DeepEqual(got, r1) {
		t.Errorf("replaced request = %+v, %v\nwant %+v", got, err, r1)
	}
	if got, err := s.SSORequestByCode(ctx, []byte("code-hash-1"), base); err != nil || !reflect.DeepEqual(got, r1) {
		t.Errorf("SSORequestByCode = %+v, %v\nwant %+v", got, err, r1)
	}
	if _, err := s.SSORequestByCode(ctx, []byte("code-hash-1"), base.Add(2*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired request by code: %v, want ErrNotFound", err)
	}
	if _, err := s.SSORequestByCode(ctx, []byte("code-hash-x"), base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("request by unknown code: %v, want ErrNotFound", err)
	}

	// A code hash belongs to one request.
	dup := r2
	dup.CodeHash = []byte("code-hash-1")
	if err := s.PutSSORequest(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("replace with another request's code hash: %v, want ErrConflict", err)
	}
	if got, err := s.SSORequest(ctx, r2.ID, base); err != nil || !reflect.DeepEqual(got, r2) {
		t.Errorf("request after a conflicting replace = %+v, %v\nwant %+v", got, err, r2)
	}
	r3 := store.SSORequest{ID: "req-3", ClientID: "bank", CodeHash: []byte("code-hash-1"), Data: []byte(`{}`),
		ExpiresAt: base.Add(time.Hour)}
	if err := s.PutSSORequest(ctx, r3); !errors.Is(err, store.ErrConflict) {
		t.Errorf("new request with a taken code hash: %v, want ErrConflict", err)
	}
	if _, err := s.SSORequest(ctx, r3.ID, base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("conflicting request was stored: %v", err)
	}

	// Deleting consumes a request exactly once.
	if err := s.DeleteSSORequest(ctx, r1.ID); err != nil {
		t.Fatalf("DeleteSSORequest: %v", err)
	}
	if err := s.DeleteSSORequest(ctx, r1.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteSSORequest: %v, want ErrNotFound", err)
	}
	if _, err := s.SSORequest(ctx, r1.ID, base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted request: %v, want ErrNotFound", err)
	}
	if _, err := s.SSORequestByCode(ctx, []byte("code-hash-1"), base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted request by code: %v, want ErrNotFound", err)
	}
	if err := s.DeleteSSORequest(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteSSORequest of a missing request: %v, want ErrNotFound", err)
	}
	// The code hash is free again.
	if err := s.PutSSORequest(ctx, r3); err != nil {
		t.Errorf("reuse of a deleted request's code hash: %v", err)
	}
	if got, err := s.SSORequestByCode(ctx, []byte("code-hash-1"), base); err != nil || !reflect.DeepEqual(got, r3) {
		t.Errorf("SSORequestByCode after reuse = %+v, %v\nwant %+v", got, err, r3)
	}
	if got, err := s.SSORequest(ctx, r2.ID, base); err != nil || !reflect.DeepEqual(got, r2) {
		t.Errorf("untouched request = %+v, %v", got, err)
	}
}

func testSSORequestDeleteRace(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.PutSSORequest(ctx, store.SSORequest{ID: "req-race", ClientID: "portal", CodeHash: []byte("c"),
		Data: []byte(`{}`), ExpiresAt: base.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSSOToken(ctx, store.SSOToken{ID: "rt-race", Kind: "refresh", Hash: []byte("h"), Family: "f",
		ClientID: "portal", AccountID: "acc-1", Data: []byte(`{}`), CreatedAt: base, ExpiresAt: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	deleted, used := 0, 0
	for i := 0; i < 10; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			err := s.DeleteSSORequest(ctx, "req-race")
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("DeleteSSORequest: %v", err)
			}
			mu.Lock()
			if err == nil {
				deleted++
			}
			mu.Unlock()
		}()
		go func() {
			defer wg.Done()
			err := s.UseSSOToken(ctx, "rt-race", base.Add(time.Minute))
			if err != nil && !errors.Is(err, store.ErrConflict) {
				t.Errorf("UseSSOToken: %v", err)
			}
			mu.Lock()
			if err == nil {
				used++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if deleted != 1 || used != 1 {
		t.Errorf("concurrent consumers: %d deleted the request, %d rotated the token; want exactly 1 each", deleted, used)
	}
}

func testSSOTokens(t *testing.T, s store.Store) {
	ctx := context.Background()
	refresh := store.SSOToken{ID: "rt-1", Kind: "refresh", Hash: []byte("refresh-hash-1"), Family: "fam-1", ClientID: "portal",
		AccountID: "acc-1", SessionID: "ssos-1", Data: []byte(`{"scope":"openid profile"}`), CreatedAt: base,
		ExpiresAt: base.Add(30 * 24 * time.Hour)}
	refresh2 := refresh
	refresh2.ID, refresh2.Hash, refresh2.CreatedAt = "rt-2", []byte("refresh-hash-2"), base.Add(time.Second)
	// Access tokens have no hash (NULL), so several coexist.
	access := store.SSOToken{ID: "at-1", Kind: "access", Family: "fam-1", ClientID: "portal", AccountID: "acc-1",
		Data: []byte(`{"scope":"openid"}`), CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	access2 := access
	access2.ID, access2.SessionID, access2.CreatedAt = "at-2", "ssos-1", base.Add(time.Second)
	// A token stored already revoked keeps its times.
	revoked := store.SSOToken{ID: "rt-3", Kind: "refresh", Hash: []byte("refresh-hash-3"), Family: "fam-3", ClientID: "bank",
		AccountID: "acc-2", Data: []byte(`{}`), CreatedAt: base, ExpiresAt: base.Add(time.Hour),
		UsedAt: base.Add(time.Minute), RevokedAt: base.Add(2 * time.Minute)}
	all := []store.SSOToken{refresh, refresh2, access, access2, revoked}
	for _, tok := range all {
		if err := s.PutSSOToken(ctx, tok); err != nil {
			t.Fatalf("PutSSOToken %s: %v", tok.ID, err)
		}
	}
	for _, tok := range all {
		got, err := s.SSOToken(ctx, tok.ID)
		if err != nil || !reflect.DeepEqual(got, tok) {
			t.Errorf("SSOToken %s = %+v, %v\nwant %+v", tok.ID, got, err, tok)
		}
		if tok.Hash == nil && got.Hash != nil {
			t.Errorf("access token %s: Hash = %#v, want nil", tok.ID, got.Hash)
		}
	}
	if got, err := s.SSOTokenByHash(ctx, []byte("refresh-hash-2")); err != nil || !reflect.DeepEqual(got, refresh2) {
		t.Errorf("SSOTokenByHash = %+v, %v\nwant %+v", got, err, refresh2)
	}
	if _, err := s.SSOTokenByHash(ctx, []byte("refresh-hash-x")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token by unknown hash: %v, want ErrNotFound", err)
	}
	if _, err := s.SSOTokenByHash(ctx, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token by no hash: %v, want ErrNotFound", err)
	}
	if _, err := s.SSOToken(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing token: %v, want ErrNotFound", err)
	}

	// IDs and hashes are unique.
	dup := refresh
	dup.Hash = []byte("refresh-hash-9")
	if err := s.PutSSOToken(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate token ID: %v, want ErrConflict", err)
	}
	dup = refresh
	dup.ID = "rt-9"
	if err := s.PutSSOToken(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate token hash: %v, want ErrConflict", err)
	}
	if _, err := s.SSOToken(ctx, "rt-9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("conflicting token was stored: %v", err)
	}

	// A refresh token rotates once.
	if err := s.UseSSOToken(ctx, refresh.ID, base.Add(time.Minute).In(ict)); err != nil {
		t.Fatalf("UseSSOToken: %v", err)
	}
	if err := s.UseSSOToken(ctx, refresh.ID, base.Add(2*time.Minute)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second UseSSOToken: %v, want ErrConflict", err)
	}
	refresh.UsedAt = base.Add(time.Minute)
	if got, err := s.SSOTokenByHash(ctx, refresh.Hash); err != nil || !reflect.DeepEqual(got, refresh) {
		t.Errorf("used token = %+v, %v\nwant %+v", got, err, refresh)
	}
	// A revoked one does not rotate.
	if n, err := s.RevokeSSOTokens(ctx, store.SSOTokenFilter{ID: refresh2.ID}, base.Add(3*time.Minute)); err != nil || n != 1 {
		t.Fatalf("RevokeSSOTokens by ID = %d, %v; want 1", n, err)
	}
	if err := s.UseSSOToken(ctx, refresh2.ID, base.Add(4*time.Minute)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UseSSOToken after revoke: %v, want ErrConflict", err)
	}
	refresh2.RevokedAt = base.Add(3 * time.Minute)
	if got, err := s.SSOToken(ctx, refresh2.ID); err != nil || !reflect.DeepEqual(got, refresh2) {
		t.Errorf("revoked token = %+v, %v\nwant %+v", got, err, refresh2)
	}
	if err := s.UseSSOToken(ctx, revoked.ID, base.Add(4*time.Minute)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UseSSOToken of a token stored used and revoked: %v, want ErrConflict", err)
	}
	if err := s.UseSSOToken(ctx, "nope", base); err == nil {
		t.Errorf("UseSSOToken of a missing token succeeded")
	}
	// Nothing else changed.
	for _, tok := range []store.SSOToken{access, access2, revoked} {
		if got, err := s.SSOToken(ctx, tok.ID); err != nil || !reflect.DeepEqual(got, tok) {
			t.Errorf("untouched token %s = %+v, %v\nwant %+v", tok.ID, got, err, tok)
		}
	}
}

func testSSORevoke(t *testing.T, s store.Store) {
	ctx := context.Background()
	tok := func(id, family, session, account, client string) store.SSOToken {
		return store.SSOToken{ID: id, Kind: "access", Family: family, ClientID: client, AccountID: account, SessionID: session,
			Data: []byte(`{}`), CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	}
	toks := []store.SSOToken{
		tok("t1", "fam-a", "ses-1", "acc-x", "portal"),
		tok("t2", "fam-a", "ses-1", "acc-x", "portal"),
		tok("t3", "fam-b", "ses-1", "acc-x", "bank"),
		tok("t4", "fam-c", "ses-2", "acc-x", "portal"),
		tok("t5", "fam-d", "ses-3", "acc-y", "portal"),
		tok("t6", "fam-e", "", "acc-x", "tax"),
		tok("t7", "fam-f", "ses-2", "acc-x", "bank"),
	}
	toks[1].Kind, toks[1].Hash = "refresh", []byte("t2-hash")
	for _, tk := range toks {
		if err := s.PutSSOToken(ctx, tk); err != nil {
			t.Fatalf("PutSSOToken %s: %v", tk.ID, err)
		}
	}
	// The relying parties of a session, once each, sorted.
	for sid, want := range map[string][]string{"ses-1": {"bank", "portal"}, "ses-2": {"bank", "portal"}, "ses-3": {"portal"}} {
		if got, err := s.SSOSessionClients(ctx, sid); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("SSOSessionClients(%s) = %v, %v; want %v", sid, got, err, want)
		}
	}
	if got, err := s.SSOSessionClients(ctx, "ses-none"); err != nil || len(got) != 0 {
		t.Errorf("SSOSessionClients of an unknown session = %v, %v; want none", got, err)
	}

	// A filter without a selector revokes nothing.
	if n, err := s.RevokeSSOTokens(ctx, store.SSOTokenFilter{}, base); err == nil || n != 0 {
		t.Errorf("RevokeSSOTokens with no selector = %d, %v; want an error", n, err)
	}
	revokedAt := map[string]time.Time{}
	steps := []struct {
		f    store.SSOTokenFilter
		want []string // newly revoked
	}{
		{store.SSOTokenFilter{ID: "t1"}, []string{"t1"}},
		{store.SSOTokenFilter{ID: "t1"}, nil},
		{store.SSOTokenFilter{ID: "nope"}, nil},
		{store.SSOTokenFilter{Family: "fam-a"}, []string{"t2"}},
		{store.SSOTokenFilter{SessionID: "ses-1"}, []string{"t3"}},
		{store.SSOTokenFilter{SessionID: "ses-1"}, nil},
		{store.SSOTokenFilter{AccountID: "acc-x", ClientID: "portal"}, []string{"t4"}},
		{store.SSOTokenFilter{AccountID: "acc-x", ClientID: "portal"}, nil},
		{store.SSOTokenFilter{AccountID: "acc-x"}, []string{"t6", "t7"}},
		{store.SSOTokenFilter{AccountID: "acc-x"}, nil},
		{store.SSOTokenFilter{Family: "fam-d"}, []string{"t5"}},
		{store.SSOTokenFilter{AccountID: "acc-y"}, nil},
	}
	for i, st := range steps {
		at := base.Add(time.Duration(i+1) * time.Minute)
		n, err := s.RevokeSSOTokens(ctx, st.f, at.In(ict))
		if err != nil || n != int64(len(st.want)) {
			t.Errorf("step %d: RevokeSSOTokens(%+v) = %d, %v; want %d", i, st.f, n, err, len(st.want))
		}
		for _, id := range st.want {
			revokedAt[id] = at
		}
		for _, tk := range toks {
			got, err := s.SSOToken(ctx, tk.ID)
			if err != nil {
				t.Fatalf("SSOToken %s: %v", tk.ID, err)
			}
			want := tk
			want.RevokedAt = revokedAt[tk.ID] // zero while not revoked; the first revocation's time after
			if !reflect.DeepEqual(got, want) {
				t.Errorf("step %d: token %s = %+v\nwant %+v", i, tk.ID, got, want)
			}
		}
	}
	// The session's relying parties include those whose tokens were revoked.
	if got, err := s.SSOSessionClients(ctx, "ses-1"); err != nil || !reflect.DeepEqual(got, []string{"bank", "portal"}) {
		t.Errorf("SSOSessionClients after revocation = %v, %v", got, err)
	}
}

func testSSOSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	s1 := store.SSOSession{ID: "ssos-1", TokenHash: []byte("cookie-hash-1"), AccountID: "acc-1", Data: []byte(`{"level":2}`),
		CreatedAt: base, ExpiresAt: base.Add(8 * time.Hour)}
	s2 := store.SSOSession{ID: "ssos-2", TokenHash: []byte("cookie-hash-2"), AccountID: "acc-1", Data: []byte(`{"level":1}`),
		CreatedAt: base.Add(time.Second), ExpiresAt: base.Add(8 * time.Hour)}
	for _, se := range []store.SSOSession{s1, s2} {
		if err := s.PutSSOSession(ctx, se); err != nil {
			t.Fatalf("PutSSOSession %s: %v", se.ID, err)
		}
	}
	if got, err := s.SSOSessionByHash(ctx, s1.TokenHash); err != nil || !reflect.DeepEqual(got, s1) {
		t.Errorf("SSOSessionByHash = %+v, %v\nwant %+v", got, err, s1)
	}
	if got, err := s.SSOSession(ctx, s2.ID); err != nil || !reflect.DeepEqual(got, s2) {
		t.Errorf("SSOSession = %+v, %v\nwant %+v", got, err, s2)
	}
	if _, err := s.SSOSessionByHash(ctx, []byte("cookie-hash-x")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session by unknown hash: %v, want ErrNotFound", err)
	}
	if _, err := s.SSOSession(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing session: %v, want ErrNotFound", err)
	}
	dup := s1
	dup.TokenHash = []byte("cookie-hash-9")
	if err := s.PutSSOSession(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate session ID: %v, want ErrConflict", err)
	}
	dup = s1
	dup.ID = "ssos-9"
	if err := s.PutSSOSession(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate session cookie hash: %v, want ErrConflict", err)
	}
	if _, err := s.SSOSession(ctx, "ssos-9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("conflicting session was stored: %v", err)
	}

	if err := s.EndSSOSession(ctx, s1.ID, base.Add(time.Hour).In(ict)); err != nil {
		t.Fatalf("EndSSOSession: %v", err)
	}
	if err := s.EndSSOSession(ctx, s1.ID, base.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second EndSSOSession: %v, want ErrNotFound", err)
	}
	if err := s.EndSSOSession(ctx, "nope", base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EndSSOSession of a missing session: %v, want ErrNotFound", err)
	}
	s1.EndedAt = base.Add(time.Hour)
	if got, err := s.SSOSession(ctx, s1.ID); err != nil || !reflect.DeepEqual(got, s1) {
		t.Errorf("ended session = %+v, %v\nwant %+v", got, err, s1)
	}
	if got, err := s.SSOSessionByHash(ctx, s1.TokenHash); err != nil || !reflect.DeepEqual(got, s1) {
		t.Errorf("ended session by hash = %+v, %v\nwant %+v", got, err, s1)
	}
	if got, err := s.SSOSession(ctx, s2.ID); err != nil || !reflect.DeepEqual(got, s2) {
		t.Errorf("other session = %+v, %v\nwant %+v", got, err, s2)
	}
}

func testSSOConsents(t *testing.T, s store.Store) {
	ctx := context.Background()
	c1 := store.Consent{AccountID: "acc-1", ClientID: "portal", Scopes: []string{"openid", "profile"}, GrantedAt: base}
	c2 := store.Consent{AccountID: "acc-1", ClientID: "bank", Scopes: []string{"openid"}, GrantedAt: base.Add(time.Second)}
	c3 := store.Consent{AccountID: "acc-2", ClientID: "portal", Scopes: []string{"openid", "address"}, GrantedAt: base}
	if l, err := s.ListConsents(ctx, "acc-1"); err != nil || len(l) != 0 {
		t.Fatalf("ListConsents empty = %+v, %v", l, err)
	}
	for _, c := range []store.Consent{c1, c2, c3} {
		if err := s.PutConsent(ctx, c); err != nil {
			t.Fatalf("PutConsent %s/%s: %v", c.AccountID, c.ClientID, err)
		}
	}
	if got, err := s.Consent(ctx, "acc-1", "portal"); err != nil || !reflect.DeepEqual(got, c1) {
		t.Errorf("Consent = %+v, %v\nwant %+v", got, err, c1)
	}
	if _, err := s.Consent(ctx, "acc-2", "bank"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing consent: %v, want ErrNotFound", err)
	}
	if l, err := s.ListConsents(ctx, "acc-1"); err != nil || !reflect.DeepEqual(l, []store.Consent{c2, c1}) {
		t.Errorf("ListConsents = %+v, %v\nwant bank then portal", l, err)
	}

	c1.Scopes, c1.GrantedAt = []string{"openid", "profile", "phone"}, base.Add(time.Hour)
	if err := s.PutConsent(ctx, store.Consent{AccountID: c1.AccountID, ClientID: c1.ClientID, Scopes: c1.Scopes,
		GrantedAt: c1.GrantedAt.In(ict)}); err != nil {
		t.Fatalf("PutConsent replace: %v", err)
	}
	if got, err := s.Consent(ctx, "acc-1", "portal"); err != nil || !reflect.DeepEqual(got, c1) {
		t.Errorf("replaced consent = %+v, %v\nwant %+v", got, err, c1)
	}
	if l, err := s.ListConsents(ctx, "acc-1"); err != nil || !reflect.DeepEqual(l, []store.Consent{c2, c1}) {
		t.Errorf("ListConsents after replace = %+v, %v", l, err)
	}

	if err := s.DeleteConsent(ctx, "acc-1", "bank"); err != nil {
		t.Fatalf("DeleteConsent: %v", err)
	}
	if err := s.DeleteConsent(ctx, "acc-1", "bank"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteConsent: %v, want ErrNotFound", err)
	}
	if _, err := s.Consent(ctx, "acc-1", "bank"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted consent: %v, want ErrNotFound", err)
	}
	if l, err := s.ListConsents(ctx, "acc-1"); err != nil || !reflect.DeepEqual(l, []store.Consent{c1}) {
		t.Errorf("ListConsents after delete = %+v, %v", l, err)
	}
	if l, err := s.ListConsents(ctx, "acc-2"); err != nil || !reflect.DeepEqual(l, []store.Consent{c3}) {
		t.Errorf("other citizen's consents = %+v, %v", l, err)
	}
	if l, err := s.ListConsents(ctx, "acc-none"); err != nil || len(l) != 0 {
		t.Errorf("ListConsents of a citizen without any = %+v, %v", l, err)
	}
}

func testSSOSigningKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	key := func(id, alg string, created time.Time) store.SigningKey {
		return store.SigningKey{ID: id, Algorithm: alg, Private: []byte("sealed-" + id), Public: []byte(`{"kid":"` + id + `"}`),
			CreatedAt: created, ActiveFrom: created.Add(24 * time.Hour), RetireAt: created.Add(90 * 24 * time.Hour),
			ExpireAt: created.Add(120 * 24 * time.Hour)}
	}
	if l, err := s.ListSigningKeys(ctx); err != nil || len(l) != 0 {
		t.Fatalf("ListSigningKeys empty = %+v, %v", l, err)
	}
	// Inserted out of order: the list is oldest first, not by ID or insertion.
	k1, k2, k3 := key("k-a", "ES256", base.Add(2*time.Hour)), key("k-b", "RS256", base), key("k-c", "EdDSA", base.Add(time.Hour))
	for _, k := range []store.SigningKey{k1, k2, k3} {
		if err := s.PutSigningKey(ctx, k); err != nil {
			t.Fatalf("PutSigningKey %s: %v", k.ID, err)
		}
	}
	want := []store.SigningKey{k2, k3, k1}
	if l, err := s.ListSigningKeys(ctx); err != nil || !reflect.DeepEqual(l, want) {
		t.Errorf("ListSigningKeys = %+v, %v\nwant %+v", l, err, want)
	}
	dup := key("k-a", "RS256", base.Add(3*time.Hour))
	if err := s.PutSigningKey(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate key ID: %v, want ErrConflict", err)
	}
	if l, err := s.ListSigningKeys(ctx); err != nil || !reflect.DeepEqual(l, want) {
		t.Errorf("ListSigningKeys after a conflict = %+v, %v", l, err)
	}
}

func testSSOUsage(t *testing.T, s store.Store) {
	ctx := context.Background()
	if l, err := s.ListUsage(ctx, "acc-1", 0, 10); err != nil || len(l) != 0 {
		t.Fatalf("ListUsage empty = %+v, %v", l, err)
	}
	var mine []store.UsageRecord // in append order
	kinds := []string{"login", "consent", "release", "consent_revoked", "logout"}
	for i, kind := range kinds {
		u := store.UsageRecord{AccountID: "acc-1", ClientID: "portal", Kind: kind,
			Detail: `{"rp":"Cổng DVC","level":2}`, IP: "203.0.113.7", At: base.Add(time.Duration(i) * time.Minute)}
		if i == 2 {
			u.ClientID, u.IP = "bank", "" // no IP known
		}
		if err := s.AppendUsage(ctx, store.UsageRecord{AccountID: u.AccountID, ClientID: u.ClientID, Kind: u.Kind,
			Detail: u.Detail, IP: u.IP, At: u.At.In(ict)}); err != nil {
			t.Fatalf("AppendUsage: %v", err)
		}
		mine = append(mine, u)
		// Another citizen's records interleave.
		if err := s.AppendUsage(ctx, store.UsageRecord{AccountID: "acc-2", ClientID: "portal", Kind: "login",
			Detail: `{}`, At: u.At}); err != nil {
			t.Fatalf("AppendUsage: %v", err)
		}
	}
	all, err := s.ListUsage(ctx, "acc-1", 0, 0)
	if err != nil || len(all) != len(kinds) {
		t.Fatalf("ListUsage = %+v, %v; want %d records", all, err, len(kinds))
	}
	for i, got := range all {
		want := mine[len(mine)-1-i] // newest first
		want.ID = got.ID
		if got.ID <= 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("record %d = %+v\nwant %+v", i, got, want)
		}
		if i > 0 && got.ID >= all[i-1].ID {
			t.Errorf("records not newest first: ID %d after %d", got.ID, all[i-1].ID)
		}
	}
	// Pages of two, each older than the last record of the one before.
	var paged []store.UsageRecord
	before := int64(0)
	for pages := 0; ; pages++ {
		if pages > len(kinds) {
			t.Fatalf("paging does not end: %+v", paged)
		}
		page, err := s.ListUsage(ctx, "acc-1", before, 2)
		if err != nil {
			t.Fatalf("ListUsage page: %v", err)
		}
		if len(page) > 2 {
			t.Errorf("page of %d records with limit 2", len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		before = page[len(page)-1].ID
	}
	if !reflect.DeepEqual(paged, all) {
		t.Errorf("paged records = %+v\nwant %+v", paged, all)
	}
	if l, err := s.ListUsage(ctx, "acc-1", all[1].ID, 0); err != nil || !reflect.DeepEqual(l, all[2:]) {
		t.Errorf("ListUsage before %d = %+v, %v\nwant %+v", all[1].ID, l, err, all[2:])
	}
	if l, err := s.ListUsage(ctx, "acc-1", 0, 1); err != nil || !reflect.DeepEqual(l, all[:1]) {
		t.Errorf("ListUsage limit 1 = %+v, %v", l, err)
	}
	other, err := s.ListUsage(ctx, "acc-2", 0, 100)
	if err != nil || len(other) != len(kinds) {
		t.Errorf("other citizen's records = %d, %v; want %d", len(other), err, len(kinds))
	}
	for _, u := range other {
		if u.AccountID != "acc-2" {
			t.Errorf("acc-2's list has %+v", u)
		}
	}
	if l, err := s.ListUsage(ctx, "acc-none", 0, 100); err != nil || len(l) != 0 {
		t.Errorf("ListUsage of a citizen without any = %+v, %v", l, err)
	}
}

func testSSOPurge(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := base.Add(24 * time.Hour)
	live, dead := now.Add(time.Minute), now.Add(-time.Minute)

	rp := store.RelyingParty{ID: "portal", Config: []byte(`{}`), State: "active", CreatedAt: base, UpdatedAt: base}
	if err := s.PutRelyingParty(ctx, rp); err != nil {
		t.Fatal(err)
	}
	consent := store.Consent{AccountID: "acc-1", ClientID: "portal", Scopes: []string{"openid"}, GrantedAt: base}
	if err := s.PutConsent(ctx, consent); err != nil {
		t.Fatal(err)
	}
	for id, exp := range map[string]time.Time{"req-live": live, "req-dead": dead} {
		if err := s.PutSSORequest(ctx, store.SSORequest{ID: id, ClientID: "portal", CodeHash: []byte(id), Data: []byte(`{}`),
			ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	tokens := map[string]store.SSOToken{}
	for id, exp := range map[string]time.Time{"tok-live": live, "tok-dead": dead, "tok-used": live} {
		tk := store.SSOToken{ID: id, Kind: "refresh", Hash: []byte(id), Family: "f", ClientID: "portal", AccountID: "acc-1",
			Data: []byte(`{}`), CreatedAt: base, ExpiresAt: exp}
		if id == "tok-used" { // rotated and revoked, but not expired: kept
			tk.UsedAt, tk.RevokedAt = base.Add(time.Hour), base.Add(2*time.Hour)
		}
		if err := s.PutSSOToken(ctx, tk); err != nil {
			t.Fatal(err)
		}
		tokens[id] = tk
	}
	sessions := map[string]store.SSOSession{}
	for id, exp := range map[string]time.Time{"ses-live": live, "ses-dead": dead, "ses-ended": live} {
		se := store.SSOSession{ID: id, TokenHash: []byte(id), AccountID: "acc-1", Data: []byte(`{}`), CreatedAt: base, ExpiresAt: exp}
		if id == "ses-ended" { // ended but not expired: kept
			se.EndedAt = base.Add(time.Hour)
		}
		if err := s.PutSSOSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		sessions[id] = se
	}
	liveKey := store.SigningKey{ID: "key-live", Algorithm: "ES256", Private: []byte{1}, Public: []byte(`{}`), CreatedAt: base,
		ActiveFrom: base, RetireAt: dead, ExpireAt: live} // retired but still published: kept
	deadKey := store.SigningKey{ID: "key-dead", Algorithm: "ES256", Private: []byte{2}, Public: []byte(`{}`), CreatedAt: base.Add(-time.Hour),
		ActiveFrom: base, RetireAt: base, ExpireAt: dead}
	for _, k := range []store.SigningKey{liveKey, deadKey} {
		if err := s.PutSigningKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	cutoff := now.Add(-store.UsageRetention)
	for i, at := range []time.Time{cutoff.Add(-time.Hour), cutoff.Add(-time.Second), cutoff.Add(time.Second), now} {
		if err := s.AppendUsage(ctx, store.UsageRecord{AccountID: "acc-1", ClientID: "portal", Kind: "login",
			Detail: `{}`, IP: string(rune('a' + i)), At: at}); err != nil {
			t.Fatal(err)
		}
	}

	n, err := s.PurgeExpired(ctx, now, 24*time.Hour)
	if err != nil || n != 6 { // a request, a token, a session, a key, two usage records
		t.Errorf("PurgeExpired = %d, %v; want 6", n, err)
	}

	longAgo := base.Add(-24 * time.Hour) // to read requests whatever their expiry
	if _, err := s.SSORequest(ctx, "req-live", longAgo); err != nil {
		t.Errorf("live request purged: %v", err)
	}
	if _, err := s.SSORequest(ctx, "req-dead", longAgo); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired request kept: %v", err)
	}
	for _, id := range []string{"tok-live", "tok-used"} {
		if got, err := s.SSOToken(ctx, id); err != nil || !reflect.DeepEqual(got, tokens[id]) {
			t.Errorf("live token %s after purge = %+v, %v", id, got, err)
		}
	}
	if _, err := s.SSOToken(ctx, "tok-dead"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired token kept: %v", err)
	}
	if _, err := s.SSOTokenByHash(ctx, []byte("tok-dead")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired token kept (by hash): %v", err)
	}
	for _, id := range []string{"ses-live", "ses-ended"} {
		if got, err := s.SSOSession(ctx, id); err != nil || !reflect.DeepEqual(got, sessions[id]) {
			t.Errorf("live session %s after purge = %+v, %v", id, got, err)
		}
	}
	if _, err := s.SSOSession(ctx, "ses-dead"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session kept: %v", err)
	}
	if l, err := s.ListSigningKeys(ctx); err != nil || !reflect.DeepEqual(l, []store.SigningKey{liveKey}) {
		t.Errorf("signing keys after purge = %+v, %v; want only %s", l, err, liveKey.ID)
	}
	usage, err := s.ListUsage(ctx, "acc-1", 0, 100)
	if err != nil || len(usage) != 2 || !usage[0].At.Equal(now) || !usage[1].At.Equal(cutoff.Add(time.Second)) {
		t.Errorf("usage records after purge = %+v, %v; want the two within UsageRetention", usage, err)
	}
	if got, err := s.RelyingParty(ctx, rp.ID); err != nil || !reflect.DeepEqual(got, rp) {
		t.Errorf("relying party after purge = %+v, %v", got, err)
	}
	if got, err := s.Consent(ctx, consent.AccountID, consent.ClientID); err != nil || !reflect.DeepEqual(got, consent) {
		t.Errorf("consent after purge = %+v, %v", got, err)
	}
	// Purging again finds nothing.
	if n, err := s.PurgeExpired(ctx, now, 24*time.Hour); err != nil || n != 0 {
		t.Errorf("second PurgeExpired = %d, %v; want 0", n, err)
	}
}
