package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/audit"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/store/storetest"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 123456000, time.UTC)

// The encoding is the chain's format: a change here breaks every chain
// sealed before it.
func TestAuditChainHashFormat(t *testing.T) {
	e := store.AuditEvent{ID: 42, At: time.Date(2026, 4, 1, 16, 0, 0, 123456000, time.FixedZone("ICT", 7*3600)),
		Actor: "officer:o1", Action: "eid.dossier.read", Subject: "001190012345", Purpose: "review",
		RequestID: "req-1", Detail: `{"note":"Nguyễn Văn A"}`}
	enc := audit.Encode(e)
	if !bytes.Contains(enc, []byte("2026-04-01T09:00:00.123456Z")) {
		t.Errorf("time not in UTC: %q", enc)
	}
	got := hex.EncodeToString(audit.ChainHash(audit.Genesis(), e))
	const want = "bd7749bf8eba2e4418ad26494e81417554c5ac325f22fe45d9283a93492ea9e6" // computed independently from the documented format
	if got != want {
		t.Errorf("ChainHash = %s, want %s", got, want)
	}
	// Length prefixes keep field boundaries: moving a character from one
	// field to the next changes the hash.
	moved := e
	moved.Actor, moved.Action = "officer:o1e", "id.dossier.read"
	if bytes.Equal(audit.Encode(moved), enc) {
		t.Error("field boundaries are ambiguous")
	}
}

func TestAuditPublicKeyFormat(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	for _, s := range []string{audit.FormatPublicKey(pub), hex.EncodeToString(pub), " " + audit.FormatPublicKey(pub) + "\n"} {
		got, err := audit.ParsePublicKey(s)
		if err != nil || !got.Equal(pub) {
			t.Errorf("ParsePublicKey(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "abc", hex.EncodeToString(pub[:31])} {
		if _, err := audit.ParsePublicKey(s); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", s)
		}
	}
}

func FuzzAuditParsePublicKey(f *testing.F) {
	f.Add("MCowBQYDK2VwAyEA")
	f.Add("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
	f.Fuzz(func(t *testing.T, s string) {
		pub, err := audit.ParsePublicKey(s)
		if err == nil && len(pub) != ed25519.PublicKeySize {
			t.Fatalf("ParsePublicKey(%q) returned %d bytes", s, len(pub))
		}
	})
}

// fixture is a store with a chain of 14 events: checkpoints at 4, 8 and 12,
// two more events sealed after the last.
type fixture struct {
	db     *sqlstore.DB
	signer *audit.Ed25519Signer
	sealer *audit.Sealer
	keys   audit.Keys
	chain  []store.SealedAuditEvent // by seq-1
	cps    []store.AuditCheckpoint
}

func newFixture(t *testing.T, b storetest.Backend) *fixture {
	t.Helper()
	ctx := context.Background()
	db := b.Open(t)
	signer, err := audit.LoadKey(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, signer: signer, keys: audit.NewKeys(signer.PublicKey()),
		sealer: &audit.Sealer{Store: db, Signer: signer, Batch: 3, CheckpointEvery: 1000, CheckpointAfter: time.Hour}}
	n := 0
	appendN := func(k int) {
		for i := 0; i < k; i++ {
			n++
			if err := db.AppendAudit(ctx, store.AuditEvent{At: t0.Add(time.Duration(n) * time.Second), Actor: "officer:o1",
				Action: "registry.citizen.read", Subject: fmt.Sprintf("0011900%05d", n), Purpose: "enrolment",
				RequestID: fmt.Sprint("req-", n), Detail: `{"họ_tên":"Trần Thị Bình"}`}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for round := 0; round < 3; round++ {
		appendN(4)
		res, err := f.sealer.Seal(ctx)
		if err != nil || res.Sealed != 4 {
			t.Fatalf("Seal = %+v, %v", res, err)
		}
		if round == 0 {
			// The first pass signs a checkpoint: none is older than
			// CheckpointAfter, because there is none.
			if res.Checkpoint == nil || res.Checkpoint.Seq != 4 {
				t.Fatalf("first checkpoint = %+v", res.Checkpoint)
			}
			continue
		}
		if res.Checkpoint != nil {
			t.Fatalf("checkpoint at %d not due yet", res.Checkpoint.Seq)
		}
		cp, err := f.sealer.Checkpoint(ctx, true)
		if err != nil || cp == nil || cp.Seq != int64(4*(round+1)) {
			t.Fatalf("Checkpoint = %+v, %v", cp, err)
		}
	}
	appendN(2)
	if res, err := f.sealer.Seal(ctx); err != nil || res.Sealed != 2 || res.Head.Seq != 14 || res.Checkpoint != nil {
		t.Fatalf("Seal = %+v, %v", res, err)
	}
	f.chain, err = db.SealedAudit(ctx, 0, 100)
	if err != nil || len(f.chain) != 14 {
		t.Fatalf("chain = %d events, %v", len(f.chain), err)
	}
	f.cps, err = db.AuditCheckpoints(ctx, 0, 100)
	if err != nil || len(f.cps) != 3 {
		t.Fatalf("checkpoints = %+v, %v", f.cps, err)
	}
	return f
}

func (f *fixture) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	// The store exposes no raw SQL to the domain; tampering is what an
	// attacker with database access does, so the tests use the pool the
	// store hands to tools (sqlstore.DB.SQL).
	if _, err := f.db.SQL().ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func (f *fixture) id(seq int) int64 { return f.chain[seq-1].ID }

// sqlTime is a time as the backend stores it.
func (f *fixture) sqlTime(at time.Time) any {
	if f.db.Backend() == "sqlite" {
		return at.UTC().Format("2006-01-02 15:04:05.000000Z")
	}
	return at.UTC()
}

// restore puts the chain, its checkpoints and head back as newFixture made
// them, and checks that they verify again.
func (f *fixture) restore(t *testing.T) {
	t.Helper()
	overriding := ""
	if f.db.Backend() == "postgres" {
		overriding = " OVERRIDING SYSTEM VALUE"
	}
	f.exec(t, `DELETE FROM audit_events`)
	for _, e := range f.chain {
		f.exec(t, `INSERT INTO audit_events (id, at, actor, action, subject, purpose, request_id, detail, seal_seq, seal_prev, seal_hash)`+
			overriding+` VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`, e.ID, f.sqlTime(e.At), e.Actor, e.Action, e.Subject, e.Purpose,
			e.RequestID, e.Detail, e.Seq, e.Prev, e.Hash)
	}
	f.exec(t, `DELETE FROM audit_checkpoints`)
	for _, c := range f.cps {
		f.exec(t, `INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature) VALUES ($1,$2,$3,$4,$5)`,
			c.Seq, c.Hash, f.sqlTime(c.SignedAt), c.KeyID, c.Signature)
	}
	last := f.chain[len(f.chain)-1]
	f.exec(t, `UPDATE audit_head SET seq = $1, hash = $2`, last.Seq, last.Hash)
	rep, err := audit.Verify(context.Background(), f.db, f.keys)
	if err != nil || !rep.OK() || rep.Sealed != 14 || rep.Checkpoints != 3 {
		t.Fatalf("restored chain: %+v, %v", rep, err)
	}
}

func TestAuditVerify(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, b)
			rep, err := audit.Verify(ctx, f.db, f.keys)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || rep.Sealed != 14 || rep.Checkpoints != 3 || rep.LastCheckpoint.Seq != 12 || rep.Unsealed != 0 ||
				rep.Head.Seq != 14 || !bytes.Equal(rep.Head.Hash, f.chain[13].Hash) {
				t.Fatalf("report = %+v", rep)
			}
			// Unsealed events are counted, not broken.
			if err := f.db.AppendAudit(ctx, store.AuditEvent{At: t0, Actor: "system", Action: "x"}); err != nil {
				t.Fatal(err)
			}
			if rep, err = audit.Verify(ctx, f.db, f.keys); err != nil || !rep.OK() || rep.Unsealed != 1 || !rep.OldestUnsealed.Equal(t0) {
				t.Fatalf("report with one unsealed = %+v, %v", rep, err)
			}
			if _, err := audit.Verify(ctx, f.db, nil); !errors.Is(err, audit.ErrNoKeys) {
				t.Errorf("Verify without keys: %v", err)
			}
			// The key is the store's: loading it again gives the same.
			again, err := audit.LoadKey(ctx, f.db)
			if err != nil || !again.PublicKey().Equal(f.signer.PublicKey()) || again.KeyID() != f.signer.KeyID() {
				t.Errorf("LoadKey again = %v, %v", again, err)
			}
		})
	}
}

func TestAuditVerifyTampering(t *testing.T) {
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name   string
		tamper func(t *testing.T, f *fixture)
		want   []audit.Break // the first breaks, hashes left out
		total  int
		check  func(t *testing.T, f *fixture, rep *audit.Report)
	}{
		{
			name: "detail changed",
			tamper: func(t *testing.T, f *fixture) {
				f.exec(t, `UPDATE audit_events SET detail = $1 WHERE id = $2`, `{"họ_tên":"Trần Thị B"}`, f.id(6))
			},
			want:  []audit.Break{{Kind: audit.BreakContent, Seq: 6}},
			total: 1,
			check: func(t *testing.T, f *fixture, rep *audit.Report) {
				b := rep.Breaks[0]
				if b.EventID != f.id(6) || !bytes.Equal(b.Want, f.chain[5].Hash) || bytes.Equal(b.Got, b.Want) {
					t.Errorf("break = %+v", b)
				}
			},
		},
		{
			name: "time changed",
			tamper: func(t *testing.T, f *fixture) {
				f.exec(t, `UPDATE audit_events SET at = $1 WHERE id = $2`, f.sqlTime(t0.Add(-time.Hour)), f.id(2))
			},
			want:  []audit.Break{{Kind: audit.BreakContent, Seq: 2}},
			total: 1,
		},
		{
			name: "event deleted",
			tamper: func(t *testing.T, f *fixture) {
				f.exec(t, `DELETE FROM audit_events WHERE id = $1`, f.id(6))
			},
			want:  []audit.Break{{Kind: audit.BreakMissing, Seq: 6, LastSeq: 6}},
			total: 1,
			check: func(t *testing.T, f *fixture, rep *audit.Report) {
				if b := rep.Breaks[0]; b.EventID != f.id(7) || b.PrevEventID != f.id(5) {
					t.Errorf("break = %+v, want between events %d and %d", b, f.id(5), f.id(7))
				}
				if rep.Sealed != 13 {
					t.Errorf("sealed = %d", rep.Sealed)
				}
			},
		},
		{
			name: "seal erased and the event sealed again at the end",
			tamper: func(t *testing.T, f *fixture) {
				f.exec(t, `UPDATE audit_events SET seal_seq = NULL, seal_prev = NULL, seal_hash = NULL WHERE id = $1`, f.id(3))
				if res, err := f.sealer.Seal(context.Background()); err != nil || res.Sealed != 1 || res.Head.Seq != 15 {
					t.Fatalf("Seal = %+v, %v", res, err)
				}
			},
			want:  []audit.Break{{Kind: audit.BreakMissing, Seq: 3, LastSeq: 3}},
			total: 1,
		},
		{
			name: "two events swapped",
			tamper: func(t *testing.T, f *fixture) {
				f.exec(t, `UPDATE audit_events SET seal_seq = -1 WHERE seal_seq = 6`)
				f.exec(t, `UPDATE audit_events SET seal_seq = 6 WHERE seal_seq = 7`)
				f.exec(t, `UPDATE audit_events SET seal_seq = 7 WHERE seal_seq = -1`)
			},
			want: []audit.Break{{Kind: audit.BreakLink, Seq: 6}, {Kind: audit.BreakLink, Seq: 7}, {Kind: audit.BreakLink, Seq: 8}},
			check: func(t *testing.T, f *fixture, rep *audit.Report) {
				b := rep.Breaks[0]
				if b.EventID != f.id(7) || b.PrevEventID != f.id(5) || !bytes.Equal(b.Want, f.chain[4].Hash) || !bytes.Equal(b.Got, f.chain[5].Hash) {
					t.Errorf("first break = %+v", b)
				}
			},
			total: 3,
		},
		{
			name: "detail changed and every hash after it recomputed",
			tamper: func(t *testing.T, f *fixture) {
				ctx := context.Background()
				f.exec(t, `UPDATE audit_events SET detail = '{}' WHERE id = $1`, f.id(6))
				evs, err := f.db.SealedAudit(ctx, 0, 100)
				if err != nil {
					t.Fatal(err)
				}
				prev := evs[4].Hash
				for _, e := range evs[5:] {
					h := audit.ChainHash(prev, e.AuditEvent)
					f.exec(t, `UPDATE audit_events SET seal_prev = $1, seal_hash = $2 WHERE id = $3`, prev, h, e.ID)
					prev = h
				}
				f.exec(t, `UPDATE audit_head SET hash = $1`, prev)
			},
			want:  []audit.Break{{Kind: audit.BreakCheckpointHash, Seq: 8}, {Kind: audit.BreakCheckpointHash, Seq: 12}},
			total: 2,
			check: func(t *testing.T, f *fixture, rep *audit.Report) {
				if b := rep.Breaks[0]; b.EventID != f.id(8) || !bytes.Equal(b.Want, f.chain[7].Hash) {
					t.Errorf("break = %+v", b)
				}
			},
		},
		{
			name: "checkpoint signature forged",
			tamper: func(t *testing.T, f *fixture) {
				f.exec(t, `UPDATE audit_checkpoints SET signature = $1 WHERE seq = 8`, bytes.Repeat([]byte{7}, ed25519.SignatureSize))
			},
			want:  []audit.Break{{Kind: audit.BreakCheckpointSignature, Seq: 8}},
			total: 1,
		},
		{
			name: "checkpoint hash changed",
			tamper: func(t *testing.T, f *fixture) {
				f.exec(t, `UPDATE audit_checkpoints SET hash = $1 WHERE seq = 4`, f.chain[4].Hash)
			},
			want:  []audit.Break{{Kind: audit.BreakCheckpointSignature, Seq: 4}},
			total: 1,
		},
		{
			name: "checkpoint signed again with another key",
			tamper: func(t *testing.T, f *fixture) {
				id := audit.KeyIDOf(otherKey.Public().(ed25519.PublicKey))
				cps, err := f.db.AuditCheckpoints(context.Background(), 11, 1)
				if err != nil || len(cps) != 1 {
					t.Fatal(cps, err)
				}
				sig := ed25519.Sign(otherKey, audit.CheckpointMessage(12, cps[0].Hash, cps[0].SignedAt, id))
				f.exec(t, `UPDATE audit_checkpoints SET key_id = $1, signature = $2 WHERE seq = 12`, id, sig)
			},
			want:  []audit.Break{{Kind: audit.BreakCheckpointKey, Seq: 12}},
			total: 1,
		},
		{
			name: "events removed from the end",
			tamper: func(t *testing.T, f *fixture) {
				f.exec(t, `DELETE FROM audit_events WHERE seal_seq > 9`)
				f.exec(t, `UPDATE audit_head SET seq = 9, hash = $1`, f.chain[8].Hash)
			},
			want:  []audit.Break{{Kind: audit.BreakCheckpointBeyond, Seq: 12, LastSeq: 9}},
			total: 1,
		},
		{
			name: "last event removed, head left",
			tamper: func(t *testing.T, f *fixture) {
				f.exec(t, `DELETE FROM audit_events WHERE seal_seq = 14`)
			},
			want:  []audit.Break{{Kind: audit.BreakMissing, Seq: 14, LastSeq: 14}},
			total: 1,
		},
		{
			name: "head moved back",
			tamper: func(t *testing.T, f *fixture) {
				f.exec(t, `UPDATE audit_head SET seq = 13, hash = $1`, f.chain[12].Hash)
			},
			want:  []audit.Break{{Kind: audit.BreakHead, Seq: 13, LastSeq: 14}},
			total: 1,
		},
	}
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			// One chain per backend, restored after each case (a fresh
			// PostgreSQL schema per case costs seconds).
			f := newFixture(t, b)
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					defer f.restore(t)
					tc.tamper(t, f)
					rep, err := audit.Verify(context.Background(), f.db, f.keys)
					if err != nil {
						t.Fatal(err)
					}
					if rep.OK() || rep.TotalBreaks != tc.total || len(rep.Breaks) < len(tc.want) {
						t.Fatalf("report: %d breaks, want %d: %v", rep.TotalBreaks, tc.total, rep.Breaks)
					}
					for i, w := range tc.want {
						g := rep.Breaks[i]
						if g.Kind != w.Kind || g.Seq != w.Seq || (w.LastSeq != 0 && g.LastSeq != w.LastSeq) {
							t.Errorf("break %d = %s (%+v), want %s at seq %d", i, g, g, w.Kind, w.Seq)
						}
						if g.String() == "" || g.Vietnamese() == "" || g.String() == g.Vietnamese() {
							t.Errorf("break %d without messages", i)
						}
					}
					if tc.check != nil {
						tc.check(t, f, rep)
					}
				})
			}
		})
	}
}

// Events appended from many goroutines, some in transactions with other
// writes, while two sealers run: every event sealed exactly once, and the
// chain verifies.
func TestAuditConcurrentAppendAndSeal(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.Open(t)
			signer, err := audit.LoadKey(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			const writers, perWriter = 8, 40
			var wg sync.WaitGroup
			errs := make(chan error, writers+2)
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < perWriter; i++ {
						e := store.AuditEvent{At: time.Now(), Actor: fmt.Sprint("account:", w), Action: "test.write", Detail: fmt.Sprint(i)}
						var err error
						if i%2 == 0 {
							err = db.AppendAudit(ctx, e)
						} else {
							err = db.InTx(ctx, func(q store.Queries) error {
								if _, err := q.Hit(ctx, fmt.Sprint("w", w), t0, t0.Add(time.Hour)); err != nil {
									return err
								}
								return q.AppendAudit(ctx, e)
							})
						}
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			stop := make(chan struct{})
			var sealers sync.WaitGroup
			for k := 0; k < 2; k++ {
				s := &audit.Sealer{Store: db, Signer: signer, Batch: 16, CheckpointEvery: 50}
				sealers.Add(1)
				go func() {
					defer sealers.Done()
					for {
						if _, err := s.Seal(ctx); err != nil {
							errs <- err
							return
						}
						select {
						case <-stop:
							return
						case <-time.After(2 * time.Millisecond):
						}
					}
				}()
			}
			wg.Wait()
			close(stop)
			sealers.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			// What the sealers left.
			if _, err := (&audit.Sealer{Store: db, Signer: signer}).Seal(ctx); err != nil {
				t.Fatal(err)
			}
			rep, err := audit.Verify(ctx, db, audit.NewKeys(signer.PublicKey()))
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || rep.Sealed != writers*perWriter || rep.Unsealed != 0 || rep.Checkpoints == 0 {
				t.Fatalf("report = %+v", rep)
			}
			seen := map[int64]bool{}
			for after := int64(0); ; {
				page, err := db.SealedAudit(ctx, after, 100)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range page {
					if seen[e.ID] {
						t.Fatalf("event %d sealed twice", e.ID)
					}
					seen[e.ID] = true
					after = e.Seq
				}
				if len(page) < 100 {
					break
				}
			}
			if len(seen) != writers*perWriter {
				t.Errorf("%d events in the chain, want %d", len(seen), writers*perWriter)
			}
		})
	}
}

// Checkpoints come every CheckpointEvery events, or once the last is older
// than CheckpointAfter and the chain has moved; never twice at one place.
func TestAuditCheckpointSchedule(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	signer, err := audit.LoadKey(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	s := &audit.Sealer{Store: db, Signer: signer, CheckpointEvery: 5, CheckpointAfter: time.Hour, Now: func() time.Time { return now }}
	add := func(n int) {
		for i := 0; i < n; i++ {
			if err := db.AppendAudit(ctx, store.AuditEvent{At: now, Actor: "system", Action: "x"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	steps := []struct {
		add     int
		advance time.Duration
		want    int64 // checkpoint's seq, 0 for none
	}{
		{0, 0, 0},             // nothing sealed: nothing to sign
		{1, 0, 1},             // the first
		{3, 0, 0},             // 3 since: not due
		{2, 0, 6},             // 5 since
		{0, 2 * time.Hour, 0}, // old, but the chain has not moved
		{1, 0, 7},             // moved, and the last is old
		{1, 30 * time.Minute, 0},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		add(st.add)
		res, err := s.Seal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got int64
		if res.Checkpoint != nil {
			got = res.Checkpoint.Seq
			if !res.Checkpoint.SignedAt.Equal(now) {
				t.Errorf("step %d: signed at %v, want %v", i, res.Checkpoint.SignedAt, now)
			}
		}
		if got != st.want {
			t.Errorf("step %d: checkpoint at %d, want %d", i, got, st.want)
		}
	}
	if cp, err := s.Checkpoint(ctx, true); err != nil || cp == nil || cp.Seq != 8 {
		t.Errorf("forced checkpoint = %+v, %v", cp, err)
	}
	if cp, err := s.Checkpoint(ctx, true); err != nil || cp != nil {
		t.Errorf("forced checkpoint on an unmoved chain = %+v, %v", cp, err)
	}
	// Without a signer the chain is sealed all the same.
	add(1)
	if res, err := (&audit.Sealer{Store: db}).Seal(ctx); err != nil || res.Sealed != 1 || res.Checkpoint != nil {
		t.Errorf("Seal without a signer = %+v, %v", res, err)
	}
	rep, err := audit.Verify(ctx, db, audit.NewKeys(signer.PublicKey()))
	if err != nil || !rep.OK() || rep.Checkpoints != 4 || rep.Sealed != 9 {
		t.Errorf("report = %+v, %v", rep, err)
	}
}

func ExampleChainHash() {
	e := store.AuditEvent{ID: 1, At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "system", Action: "example"}
	h1 := audit.ChainHash(audit.Genesis(), e)
	e.ID = 2
	h2 := audit.ChainHash(h1, e)
	fmt.Println(len(h1), bytes.Equal(h1, h2))
	// Output: 32 false
}
