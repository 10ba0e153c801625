package sqlstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/keyring"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/store/storetest"
)

func master(t *testing.T) *keyring.Local {
	t.Helper()
	k := make([]byte, keyring.KeySize)
	_, _ = rand.Read(k)
	m, err := keyring.NewLocal(k)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ring(t *testing.T, current keyring.Master, previous ...keyring.Master) *keyring.Ring {
	t.Helper()
	r, err := keyring.NewRing(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func rawSecret(t *testing.T, db *sqlstore.DB, name string) []byte {
	t.Helper()
	var v []byte
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v); err != nil {
		t.Fatalf("raw secret %s: %v", name, err)
	}
	return v
}

func TestSecretsUnderMasterKey(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.Open(t)
			a, other := master(t), master(t)
			keyed := db.WithKeyring(ring(t, a))

			// Wrapped at rest, read back in the clear.
			value := []byte("0123456789abcdef0123456789abcdef")
			got, err := keyed.Secret(ctx, "otp-hmac", value)
			if err != nil || !bytes.Equal(got, value) {
				t.Fatalf("Secret = %q, %v", got, err)
			}
			raw := rawSecret(t, db, "otp-hmac")
			if bytes.Contains(raw, value) || !keyring.IsWrapped(raw) {
				t.Fatalf("stored value %q is not wrapped", raw)
			}
			if id, _, _, _ := keyring.Parse(raw); id != a.ID() {
				t.Errorf("wrapped under %s, want %s", id, a.ID())
			}
			if got, err := keyed.Secret(ctx, "otp-hmac", []byte("another value")); err != nil || !bytes.Equal(got, value) {
				t.Errorf("second Secret = %q, %v; want the first value", got, err)
			}

			// Inside a transaction too.
			if err := keyed.InTx(ctx, func(q store.Queries) error {
				_, err := q.Secret(ctx, "in-tx", []byte("tx value"))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if !keyring.IsWrapped(rawSecret(t, db, "in-tx")) {
				t.Error("a secret made in a transaction is not wrapped")
			}

			// Without the master, or with another one: an error naming
			// the key, and the stored value stays.
			for name, h := range map[string]*sqlstore.DB{"no master": db, "other master": db.WithKeyring(ring(t, other))} {
				_, err := h.Secret(ctx, "otp-hmac", []byte("fresh"))
				var mk *keyring.MissingKeyError
				if !errors.As(err, &mk) || mk.ID != a.ID() {
					t.Errorf("%s: Secret error %v, want one naming master key %s", name, err, a.ID())
				}
				if _, err := h.WithKeyring(ring(t, other)).WrapSecrets(ctx, false); !errors.As(err, &mk) || mk.ID != a.ID() {
					t.Errorf("%s: WrapSecrets error %v, want one naming master key %s", name, err, a.ID())
				}
			}
			if !bytes.Equal(rawSecret(t, db, "otp-hmac"), raw) {
				t.Error("a failed read changed the stored secret")
			}

			// Master rotation: re-wrap under the new key, then the old
			// one is not needed.
			n, err := keyed.WithKeyring(ring(t, other, a)).WrapSecrets(ctx, true)
			if err != nil || n != 2 {
				t.Fatalf("rewrap = %d, %v; want 2", n, err)
			}
			if got, err := db.WithKeyring(ring(t, other)).Secret(ctx, "otp-hmac", nil); err != nil || !bytes.Equal(got, value) {
				t.Errorf("after rewrap, new master alone: %q, %v", got, err)
			}
			st, err := db.SecretsStatus(ctx)
			if err != nil || st.Plain != 0 || st.ByMaster[other.ID()] != 2 {
				t.Errorf("status = %+v, %v", st, err)
			}
		})
	}
}

// Secrets stored in the clear before the master key are wrapped in place,
// once, even by two instances starting together.
func TestLegacySecretsWrapped(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.Open(t)
			want := map[string][]byte{}
			for i := range 5 {
				name := fmt.Sprintf("legacy-%d", i)
				want[name] = fmt.Appendf(nil, "plaintext secret %d", i)
				if _, err := db.Secret(ctx, name, want[name]); err != nil {
					t.Fatal(err)
				}
			}
			if raw := rawSecret(t, db, "legacy-0"); !bytes.Equal(raw, want["legacy-0"]) {
				t.Fatalf("without a master the secret is stored as %q", raw)
			}
			m := master(t)
			var wg sync.WaitGroup
			var mu sync.Mutex
			total := 0
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := db.WithKeyring(ring(t, m)).WrapSecrets(ctx, false)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					total += n
					mu.Unlock()
				}()
			}
			wg.Wait()
			if total != 5 {
				t.Errorf("two instances wrapped %d values, want 5", total)
			}
			keyed := db.WithKeyring(ring(t, m))
			for name, v := range want {
				if raw := rawSecret(t, db, name); !keyring.IsWrapped(raw) {
					t.Errorf("%s still in the clear", name)
				}
				if got, err := keyed.Secret(ctx, name, nil); err != nil || !bytes.Equal(got, v) {
					t.Errorf("%s = %q, %v; want %q", name, got, err, v)
				}
			}
			if n, err := keyed.WrapSecrets(ctx, false); err != nil || n != 0 {
				t.Errorf("second WrapSecrets = %d, %v; want 0", n, err)
			}
			// Once wrapped, a value planted in the clear by someone who can
			// write to the database but has no master key is refused, at
			// reading and at the next start.
			if _, err := db.SQL().ExecContext(ctx, `UPDATE secrets SET value = $1 WHERE name = $2`, []byte("planted"), "legacy-1"); err != nil {
				t.Fatal(err)
			}
			if got, err := keyed.Secret(ctx, "legacy-1", nil); err == nil || !strings.Contains(err.Error(), "unwrapped") {
				t.Errorf("a planted plaintext secret read as %q, %v", got, err)
			}
			if _, err := keyed.WrapSecrets(ctx, false); err == nil || !strings.Contains(err.Error(), "legacy-1") {
				t.Errorf("WrapSecrets over a planted plaintext secret: %v", err)
			}
		})
	}
}

// boxKeys is the seal box's key source on a store (as cmd/vneid has it).
type boxKeys struct{ db *sqlstore.DB }

func (k boxKeys) SealKeys(ctx context.Context) (byte, []seal.Key, error) {
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	cur, stored, err := k.db.SealKeys(ctx, fresh)
	if err != nil {
		return 0, nil, err
	}
	var keys []seal.Key
	for _, s := range stored {
		keys = append(keys, seal.Key{ID: byte(s.ID), Bytes: s.Key})
	}
	return byte(cur), keys, nil
}

// sealedRow is a value put in a sealed column, with its additional data
// as the domain packages make it.
type sealedRow struct {
	read func() ([]byte, error)
	ad   string
	want string
}

// Rotating the seal key re-seals biometrics, chip evidence, TOTP secrets
// and signing keys; they still open with the additional data of their
// row; an old key is retired only when nothing uses it; a second box picks
// up the new key.
func TestSealKeyRotation(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.Open(t).WithKeyring(ring(t, master(t)))
			box, err := seal.Load(ctx, boxKeys{db})
			if err != nil {
				t.Fatal(err)
			}
			other, err := seal.Load(ctx, boxKeys{db}) // another instance
			if err != nil {
				t.Fatal(err)
			}
			if box.Current() != 1 {
				t.Fatalf("first key %d, want 1", box.Current())
			}
			if raw := rawSecret(t, db, "seal-key-1"); !keyring.IsWrapped(raw) {
				t.Fatal("seal key 1 stored in the clear")
			}
			sl := func(v, ad string) []byte {
				s, err := box.Seal([]byte(v), []byte(ad))
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			now := time.Now().UTC().Truncate(time.Second)
			rows := fillSealed(t, ctx, db, sl, now)

			if err := db.RetireSealKey(ctx, 1, 0); !errors.Is(err, sqlstore.ErrKeyInUse) {
				t.Errorf("retire the current key: %v, want ErrKeyInUse", err)
			}
			id, err := db.AddSealKey(ctx, bytes.Repeat([]byte{7}, 32))
			if err != nil || id != 2 {
				t.Fatalf("AddSealKey = %d, %v", id, err)
			}
			if err := db.RetireSealKey(ctx, 1, 0); !errors.Is(err, sqlstore.ErrKeyInUse) {
				t.Errorf("retire key 1 while values use it: %v, want ErrKeyInUse", err)
			}
			if err := db.RetireSealKey(ctx, 1, time.Hour); !errors.Is(err, sqlstore.ErrKeyInUse) {
				t.Errorf("retire key 1 a moment after key 2: %v, want ErrKeyInUse", err)
			}
			if err := box.Reload(ctx); err != nil || box.Current() != 2 {
				t.Fatalf("reload: current %d, %v", box.Current(), err)
			}
			reseal := func(sealed, ad []byte) ([]byte, error) {
				pt, err := box.Open(sealed, ad)
				if err != nil {
					return nil, err
				}
				return box.Seal(pt, ad)
			}
			total := 0
			for _, col := range sqlstore.SealedColumns() {
				var after []string
				for batches := 0; ; batches++ {
					if batches > 20 {
						t.Fatalf("%s: no end to the batches", col.Name)
					}
					next, done, failed, err := db.ResealBatch(ctx, col, 2, after, 1, reseal)
					if err != nil || failed != 0 {
						t.Fatalf("%s: reseal: %d failed, %v", col.Name, failed, err)
					}
					total += done
					if next == nil {
						break
					}
					after = next
				}
			}
			if total != len(rows) {
				t.Errorf("re-sealed %d values, want %d", total, len(rows))
			}
			counts, err := db.CountSealed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range counts {
				if c.ByKey[1] != 0 || c.ByKey[2] == 0 {
					t.Errorf("%s by key: %v, want all under key 2", c.Column, c.ByKey)
				}
			}
			for name, r := range rows {
				sealed, err := r.read()
				if err != nil {
					t.Fatal(err)
				}
				if seal.KeyID(sealed) != 2 {
					t.Errorf("%s: sealed with key %d, want 2", name, seal.KeyID(sealed))
				}
				// The other instance never reloaded: it loads key 2 on
				// demand.
				pt, err := other.Open(sealed, []byte(r.ad))
				if err != nil || string(pt) != r.want {
					t.Errorf("%s: Open = %q, %v; want %q", name, pt, err, r.want)
				}
			}
			if err := db.RetireSealKey(ctx, 1, 0); err != nil {
				t.Fatalf("retire unused key 1: %v", err)
			}
			cur, keys, err := db.SealKeys(ctx, nil)
			if err != nil || cur != 2 || len(keys) != 1 || keys[0].ID != 2 {
				t.Errorf("after retiring: current %d, keys %+v, %v", cur, keys, err)
			}
			if id, err := db.AddSealKey(ctx, bytes.Repeat([]byte{8}, 32)); err != nil || id != 3 {
				t.Errorf("next key = %d, %v; want 3", id, err)
			}
		})
	}
}

// fillSealed puts one value (two for fingerprints) in each sealed column.
func fillSealed(t *testing.T, ctx context.Context, db *sqlstore.DB, sl func(v, ad string) []byte, now time.Time) map[string]sealedRow {
	t.Helper()
	if err := db.CreateAccount(ctx, store.Account{ID: "acc-k", IDNumber: "001190000042", Phone: "+84912345678", PasswordHash: "h",
		State: store.AccountActive, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateApplication(ctx, store.Application{ID: "app-k", AccountID: "acc-k", IDNumber: "001190000042", Level: 2,
		Channel: "app", State: store.AppAwaitingEvidence, Challenge: []byte{1, 2, 3}, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
		UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.PutEvidence(ctx, store.Evidence{ApplicationID: "app-k", Kind: "dg2", Data: sl("chip face", "evidence:app-k:dg2"), CreatedAt: now}))
	must(db.PutPortrait(ctx, store.Portrait{IDNumber: "001190000042", Format: "jpeg", Data: sl("portrait jpeg", "portrait:001190000042"), UpdatedAt: now}))
	for _, pos := range []int{2, 7} {
		must(db.PutFingerprintTemplate(ctx, store.FingerprintTemplate{IDNumber: "001190000042", Position: pos, Format: "iso19794-2",
			Data: sl(fmt.Sprint("finger ", pos), fmt.Sprintf("fingerprint:001190000042:%d", pos)), UpdatedAt: now}))
	}
	must(db.CreateOfficer(ctx, store.Officer{ID: "off-k", Username: "keys.test", FullName: "Cán bộ", PasswordHash: "h",
		TOTPSecret: sl("totp secret", "officer-totp:off-k"), Roles: []string{"reviewer"}, UnitID: "C06", State: store.OfficerActive,
		CreatedAt: now, UpdatedAt: now}))
	must(db.PutSigningKey(ctx, store.SigningKey{ID: "sk-1", Algorithm: "ES256", Private: sl("pkcs8 der", "sso-signing-key:sk-1"),
		Public: []byte(`{}`), CreatedAt: now, ActiveFrom: now, RetireAt: now.Add(time.Hour), ExpireAt: now.Add(2 * time.Hour)}))
	return map[string]sealedRow{
		"evidence": {ad: "evidence:app-k:dg2", want: "chip face", read: func() ([]byte, error) {
			ev, err := db.ApplicationEvidence(ctx, "app-k")
			return ev["dg2"].Data, err
		}},
		"portrait": {ad: "portrait:001190000042", want: "portrait jpeg", read: func() ([]byte, error) {
			p, err := db.Portrait(ctx, "001190000042")
			return p.Data, err
		}},
		"finger 2": {ad: "fingerprint:001190000042:2", want: "finger 2", read: func() ([]byte, error) { return finger(ctx, db, 2) }},
		"finger 7": {ad: "fingerprint:001190000042:7", want: "finger 7", read: func() ([]byte, error) { return finger(ctx, db, 7) }},
		"totp": {ad: "officer-totp:off-k", want: "totp secret", read: func() ([]byte, error) {
			o, err := db.Officer(ctx, "off-k")
			return o.TOTPSecret, err
		}},
		"signing key": {ad: "sso-signing-key:sk-1", want: "pkcs8 der", read: func() ([]byte, error) {
			ks, err := db.ListSigningKeys(ctx)
			for _, k := range ks {
				if k.ID == "sk-1" {
					return k.Private, err
				}
			}
			return nil, fmt.Errorf("signing key gone: %v", err)
		}},
	}
}

func finger(ctx context.Context, db *sqlstore.DB, pos int) ([]byte, error) {
	ts, err := db.FingerprintTemplates(ctx, "001190000042")
	for _, x := range ts {
		if x.Position == pos {
			return x.Data, err
		}
	}
	return nil, fmt.Errorf("finger %d gone: %v", pos, err)
}
