package sso

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store/storetest"
)

func testBox(t *testing.T) *seal.Box {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	b, err := seal.New(seal.Key{ID: 1, Bytes: key})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKeyRotation follows the schedule: a key per algorithm at start; the
// successor published PublishAhead before it signs; the retired key
// published Overlap longer; a second instance sees the first one's keys.
func TestKeyRotation(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			box := testBox(t)
			mk := func() *keyring {
				return &keyring{st: st, box: box, now: clock, rotate: 30 * 24 * time.Hour, publishAhead: time.Hour, overlap: 24 * time.Hour}
			}
			r := mk()
			if n, err := r.Rotate(ctx); err != nil || n != 3 {
				t.Fatalf("first Rotate = %d, %v; want 3 keys", n, err)
			}
			if n, err := r.Rotate(ctx); err != nil || n != 0 {
				t.Fatalf("second Rotate = %d, %v; want none", n, err)
			}
			first, err := r.Signing(ctx, jose.RS256)
			if err != nil {
				t.Fatal(err)
			}
			pub := func(r *keyring) map[string]bool {
				t.Helper()
				l, err := r.Published(ctx)
				if err != nil {
					t.Fatal(err)
				}
				m := map[string]bool{}
				for _, k := range l {
					m[k.ID()] = true
				}
				return m
			}
			if p := pub(r); len(p) != 3 || !p[first.id] {
				t.Fatalf("published = %v", p)
			}

			// 30 minutes before retirement: the successor exists and is
			// published, but the first key still signs.
			now = now.Add(30*24*time.Hour - 30*time.Minute)
			if n, err := r.Rotate(ctx); err != nil || n != 3 {
				t.Fatalf("Rotate before retirement = %d, %v; want 3 successors", n, err)
			}
			if k, _ := r.Signing(ctx, jose.RS256); k.id != first.id {
				t.Errorf("successor signs early: %s", k.id)
			}
			if p := pub(r); len(p) != 6 {
				t.Errorf("published before retirement = %d keys, want 6", len(p))
			}

			// After retirement the successor signs; the first key is still
			// published for a day, on a second instance too.
			now = now.Add(time.Hour)
			other := mk()
			next, err := other.Signing(ctx, jose.RS256)
			if err != nil || next.id == first.id {
				t.Fatalf("after retirement signing key = %v, %v", next, err)
			}
			if p := pub(other); !p[first.id] || !p[next.id] {
				t.Errorf("retired key not published: %v", p)
			}
			now = now.Add(25 * time.Hour)
			other = mk()
			if p := pub(other); p[first.id] || !p[next.id] {
				t.Errorf("expired key still published (or successor missing): %v", p)
			}
			// The janitor purges it.
			if _, err := st.PurgeExpired(ctx, now, time.Hour); err != nil {
				t.Fatal(err)
			}
			keys, err := st.ListSigningKeys(ctx)
			if err != nil || len(keys) != 3 {
				t.Errorf("after purge %d keys, %v; want 3", len(keys), err)
			}
			// Private keys are sealed: a box with another key cannot load them.
			bad := mk()
			bad.box = testBox(t)
			if _, err := bad.Signing(ctx, jose.ES256); err == nil {
				t.Error("keys opened with the wrong seal key")
			}
		})
	}
}
