package conformance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// testAuditChain checks the storage of the audit chain: sealing in any order
// the sealer chooses, the head's compare-and-set, refusals, checkpoints, two
// sealers at once while events keep coming, and paging through the chain.
// The hash here is a stand-in: package audit owns the real one.
func testAuditChain(t *testing.T, s store.Store) {
	ctx := context.Background()
	genesis := make([]byte, 32)
	head, err := s.LockAuditHead(ctx)
	if err != nil || head.Seq != 0 || !bytes.Equal(head.Hash, genesis) || !head.SealedAt.IsZero() {
		t.Fatalf("initial head = %+v, %v", head, err)
	}
	if b, err := s.AuditBacklog(ctx); err != nil || b.Unsealed != 0 || !b.Oldest.IsZero() {
		t.Fatalf("empty backlog = %+v, %v", b, err)
	}
	for i := 0; i < 3; i++ {
		if err := s.AppendAudit(ctx, store.AuditEvent{At: base.Add(time.Duration(i) * time.Second), Actor: "officer:o1",
			Action: "eid.dossier.read", Subject: fmt.Sprintf("00119001234%d", i), Purpose: "review", RequestID: "r", Detail: `{}`}); err != nil {
			t.Fatal(err)
		}
	}
	un, err := s.UnsealedAudit(ctx, 10)
	if err != nil || len(un) != 3 || un[0].ID >= un[1].ID || un[1].ID >= un[2].ID || !un[0].At.Equal(base) || un[2].Subject != "001190012342" {
		t.Fatalf("UnsealedAudit = %+v, %v", un, err)
	}
	if b, err := s.AuditBacklog(ctx); err != nil || b.Unsealed != 3 || !b.Oldest.Equal(base) {
		t.Fatalf("backlog = %+v, %v", b, err)
	}

	// The sealer's order is the chain's: the third event first.
	h := func(prev []byte, id int64) []byte {
		sum := sha256.Sum256(binary.BigEndian.AppendUint64(append([]byte(nil), prev...), uint64(id)))
		return sum[:]
	}
	h1 := h(genesis, un[2].ID)
	h2 := h(h1, un[0].ID)
	seals := []store.AuditSeal{{EventID: un[2].ID, Seq: 1, Prev: genesis, Hash: h1}, {EventID: un[0].ID, Seq: 2, Prev: h1, Hash: h2}}
	to := store.AuditHead{Seq: 2, Hash: h2, SealedAt: base.Add(time.Minute)}
	if err := s.InTx(ctx, func(q store.Queries) error {
		from, err := q.LockAuditHead(ctx)
		if err != nil {
			return err
		}
		if err := q.SealAudit(ctx, seals); err != nil {
			return err
		}
		return q.AdvanceAuditHead(ctx, from, to)
	}); err != nil {
		t.Fatalf("seal: %v", err)
	}
	if head, err = s.LockAuditHead(ctx); err != nil || head.Seq != 2 || !bytes.Equal(head.Hash, h2) || !head.SealedAt.Equal(to.SealedAt) {
		t.Fatalf("head = %+v, %v", head, err)
	}
	// Compare-and-set: a head that moved on is not moved again.
	stale := store.AuditHead{Seq: 0, Hash: genesis}
	if err := s.AdvanceAuditHead(ctx, stale, store.AuditHead{Seq: 1, Hash: h1, SealedAt: base}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("AdvanceAuditHead from a stale head: %v, want ErrConflict", err)
	}
	if err := s.AdvanceAuditHead(ctx, store.AuditHead{Seq: 2, Hash: h1}, store.AuditHead{Seq: 3, Hash: h2, SealedAt: base}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("AdvanceAuditHead with the right seq and a wrong hash: %v, want ErrConflict", err)
	}
	// An event is sealed once; a sequence number is used once; nothing of a
	// refused seal lands.
	refusals := []struct {
		name  string
		seals []store.AuditSeal
		want  error
	}{
		{"sealed twice", []store.AuditSeal{{EventID: un[2].ID, Seq: 3, Prev: h2, Hash: h1}}, store.ErrConflict},
		{"seq taken", []store.AuditSeal{{EventID: un[1].ID, Seq: 2, Prev: h1, Hash: h1}}, store.ErrConflict},
		{"second seal refused", []store.AuditSeal{{EventID: un[1].ID, Seq: 3, Prev: h2, Hash: h1}, {EventID: un[0].ID, Seq: 4, Prev: h1, Hash: h2}}, store.ErrConflict},
		{"no such event", []store.AuditSeal{{EventID: un[2].ID + 1000, Seq: 3, Prev: h2, Hash: h1}}, store.ErrNotFound},
	}
	for _, r := range refusals {
		err := s.InTx(ctx, func(q store.Queries) error { return q.SealAudit(ctx, r.seals) })
		if !errors.Is(err, r.want) {
			t.Errorf("%s: SealAudit = %v, want %v", r.name, err, r.want)
		}
	}
	if un, err := s.UnsealedAudit(ctx, 10); err != nil || len(un) != 1 || un[0].Subject != "001190012341" {
		t.Fatalf("UnsealedAudit after sealing two = %+v, %v", un, err)
	}
	if b, err := s.AuditBacklog(ctx); err != nil || b.Unsealed != 1 || !b.Oldest.Equal(base.Add(time.Second)) {
		t.Fatalf("backlog = %+v, %v", b, err)
	}
	chain, err := s.SealedAudit(ctx, 0, 10)
	if err != nil || len(chain) != 2 {
		t.Fatalf("SealedAudit = %+v, %v", chain, err)
	}
	if c := chain[0]; c.Seq != 1 || c.ID != un[2].ID || c.Subject != "001190012342" || !bytes.Equal(c.Prev, genesis) || !bytes.Equal(c.Hash, h1) ||
		c.Actor != "officer:o1" || c.Action != "eid.dossier.read" || c.Purpose != "review" || c.RequestID != "r" || c.Detail != `{}` ||
		!c.At.Equal(base.Add(2*time.Second)) {
		t.Errorf("chain[0] = %+v", c)
	}
	if c := chain[1]; c.Seq != 2 || c.Subject != "001190012340" || !bytes.Equal(c.Prev, h1) || !bytes.Equal(c.Hash, h2) {
		t.Errorf("chain[1] = %+v", c)
	}
	if page, err := s.SealedAudit(ctx, 1, 10); err != nil || len(page) != 1 || page[0].Seq != 2 {
		t.Errorf("SealedAudit after 1 = %+v, %v", page, err)
	}

	// Checkpoints.
	if _, err := s.LatestAuditCheckpoint(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestAuditCheckpoint on none: %v", err)
	}
	for _, seq := range []int64{2, 1} {
		cp := store.AuditCheckpoint{Seq: seq, Hash: h1, SignedAt: base.Add(time.Duration(seq) * time.Minute), KeyID: "ed25519:k", Signature: []byte{byte(seq), 2, 3}}
		if err := s.AddAuditCheckpoint(ctx, cp); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddAuditCheckpoint(ctx, store.AuditCheckpoint{Seq: 2, Hash: h2, SignedAt: base, KeyID: "x", Signature: []byte{9}}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second checkpoint at seq 2: %v, want ErrConflict", err)
	}
	latest, err := s.LatestAuditCheckpoint(ctx)
	if err != nil || latest.Seq != 2 || !latest.SignedAt.Equal(base.Add(2*time.Minute)) || latest.KeyID != "ed25519:k" ||
		!bytes.Equal(latest.Signature, []byte{2, 2, 3}) || !bytes.Equal(latest.Hash, h1) {
		t.Errorf("LatestAuditCheckpoint = %+v, %v", latest, err)
	}
	if cps, err := s.AuditCheckpoints(ctx, 0, 1); err != nil || len(cps) != 1 || cps[0].Seq != 1 {
		t.Errorf("AuditCheckpoints(0, 1) = %+v, %v", cps, err)
	}
	if cps, err := s.AuditCheckpoints(ctx, 1, 10); err != nil || len(cps) != 1 || cps[0].Seq != 2 {
		t.Errorf("AuditCheckpoints(1, 10) = %+v, %v", cps, err)
	}

	// Two sealers at once, while events keep coming: one chain, every event
	// sealed once, no sealer ever loses the head's compare-and-set (the lock
	// makes them take turns).
	sealOnce := func() (int, error) {
		n := 0
		err := s.InTx(ctx, func(q store.Queries) error {
			n = 0
			from, err := q.LockAuditHead(ctx)
			if err != nil {
				return err
			}
			evs, err := q.UnsealedAudit(ctx, 7)
			if err != nil || len(evs) == 0 {
				return err
			}
			prev, seq := from.Hash, from.Seq
			seals := make([]store.AuditSeal, len(evs))
			for i, e := range evs {
				seq++
				seals[i] = store.AuditSeal{EventID: e.ID, Seq: seq, Prev: prev, Hash: h(prev, e.ID)}
				prev = seals[i].Hash
			}
			if err := q.SealAudit(ctx, seals); err != nil {
				return err
			}
			n = len(seals)
			return q.AdvanceAuditHead(ctx, from, store.AuditHead{Seq: seq, Hash: prev, SealedAt: base})
		})
		return n, err
	}
	const writers, perWriter = 4, 25
	var (
		wg       sync.WaitGroup
		errs     = make(chan error, 16)
		stop     = make(chan struct{})
		sealedMu sync.Mutex
		sealed   int
	)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				if err := s.AppendAudit(ctx, store.AuditEvent{At: base, Actor: "system", Action: "test.append", Detail: fmt.Sprint(w, i)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var sealers sync.WaitGroup
	for k := 0; k < 2; k++ {
		sealers.Add(1)
		go func() {
			defer sealers.Done()
			for {
				// Stop after an empty pass that began once every writer
				// had finished.
				stopping := false
				select {
				case <-stop:
					stopping = true
				default:
				}
				n, err := sealOnce()
				if err != nil {
					errs <- fmt.Errorf("sealer: %w", err)
					return
				}
				sealedMu.Lock()
				sealed += n
				sealedMu.Unlock()
				if n > 0 {
					continue
				}
				if stopping {
					return
				}
				select {
				case <-stop:
				case <-time.After(time.Millisecond):
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
	total := 3 + writers*perWriter
	if want := total - 2; sealed != want {
		t.Errorf("the sealers sealed %d events, want %d", sealed, want)
	}
	if b, err := s.AuditBacklog(ctx); err != nil || b.Unsealed != 0 {
		t.Errorf("backlog after sealing = %+v, %v", b, err)
	}

	// Paging through the whole chain: every sequence number once, every
	// event once, each linked to the one before.
	seen := map[int64]bool{}
	prev, last := genesis, int64(0)
	for pages := 0; ; pages++ {
		page, err := s.SealedAudit(ctx, last, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 10 {
			t.Fatalf("page of %d, limit 10", len(page))
		}
		for _, e := range page {
			if e.Seq != last+1 || !bytes.Equal(e.Prev, prev) || seen[e.ID] {
				t.Fatalf("seq %d (event %d) after seq %d: broken chain or event sealed twice", e.Seq, e.ID, last)
			}
			seen[e.ID] = true
			prev, last = e.Hash, e.Seq
		}
		if len(page) < 10 {
			if pages != total/10 {
				t.Errorf("%d full pages for %d events", pages, total)
			}
			break
		}
	}
	if len(seen) != total {
		t.Errorf("chain holds %d events, want %d", len(seen), total)
	}
	if head, err := s.LockAuditHead(ctx); err != nil || head.Seq != int64(total) || !bytes.Equal(head.Hash, prev) {
		t.Errorf("head = %+v, %v; chain ends at %d", head, err, last)
	}
}

// RunAuditChain runs only the audit chain's part of the suite, for a quick
// check of a backend (go test -run Audit); Run includes it.
func RunAuditChain(t *testing.T, open func(t testing.TB) store.Store) {
	t.Run("AuditChain", func(t *testing.T) { testAuditChain(t, open(t)) })
}
