// Package sourcetest provides the conformance tests every document registry
// (an implementation of sources.Source and sources.Sink) runs, so that the
// built-in store, sources.Memory and the HTTP adapter are proven to behave
// the same way.
package sourcetest

import (
	"cmp"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sources"
)

// Registry is a registry under test: where documents are read and where
// they are written, which may be two views of the same registry (such as an
// HTTP adapter in front of a store).
type Registry struct {
	// Source is read from.
	Source sources.Source
	// Sink is written to; what it accepts Source must show.
	Sink sources.Sink
}

// Documents returns the documents the conformance tests use: those the
// generator makes for n synthetic citizens, each valid and with a distinct
// kind and number.
func Documents(t testing.TB, n int) []sources.Document {
	t.Helper()
	today := identity.Date{Year: 2026, Month: time.March, Day: 1}
	g := sources.Generator{Seed: 20260301, Today: today}
	var docs []sources.Document
	seen := make(map[sources.Key]bool)
	err := registry.Generator{Seed: 20260301, Today: today}.Generate(context.Background(), n, func(c registry.Citizen) error {
		for _, d := range g.ForCitizen(c) {
			if !seen[d.Key()] {
				seen[d.Key()] = true
				docs = append(docs, d)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// Run runs the conformance tests against registries made by open, a fresh
// empty one for each subtest.
func Run(t *testing.T, open func(t *testing.T) Registry) {
	docs := Documents(t, 300)
	t.Run("Empty", func(t *testing.T) { testEmpty(t, open(t), docs) })
	t.Run("UpsertAndRead", func(t *testing.T) { testUpsertAndRead(t, open(t), docs) })
	t.Run("UpsertTwice", func(t *testing.T) { testUpsertTwice(t, open(t), docs) })
	t.Run("Changes", func(t *testing.T) { testChanges(t, open(t), docs) })
}

// same reports whether a and b are equal but for UpdatedAt, which a
// registry may set.
func same(a, b sources.Document) bool {
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

// upsert writes docs in batches.
func upsert(t *testing.T, r Registry, docs []sources.Document) {
	t.Helper()
	for batch := range slices.Chunk(docs, 50) {
		if err := r.Sink.UpsertDocuments(context.Background(), batch); err != nil {
			t.Fatalf("upsert: %v", err)
		}
	}
}

func testEmpty(t *testing.T, r Registry, docs []sources.Document) {
	ctx := context.Background()
	d := docs[0]
	got, err := r.Source.Documents(ctx, d.Kind, d.HolderID)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("Documents on an empty registry: %v %v, want an empty slice", got, err)
	}
	if _, err := r.Source.Document(ctx, d.Kind, d.Number); !errors.Is(err, sources.ErrNotFound) {
		t.Errorf("Document on an empty registry: %v, want ErrNotFound", err)
	}
	changes, err := r.Source.Changes(ctx, 0, 10)
	if err != nil || len(changes) != 0 {
		t.Errorf("Changes on an empty registry: %v %v", changes, err)
	}
}

// holdings groups documents by holder and kind.
type holding struct {
	holder string
	kind   sources.Kind
}

func holdings(docs []sources.Document) map[holding][]sources.Document {
	m := make(map[holding][]sources.Document)
	for _, d := range docs {
		h := holding{d.HolderID, d.Kind}
		m[h] = append(m[h], d)
	}
	return m
}

// checkReads checks that r holds exactly docs.
func checkReads(t *testing.T, r Registry, docs []sources.Document) {
	t.Helper()
	ctx := context.Background()
	for _, d := range docs {
		got, err := r.Source.Document(ctx, d.Kind, d.Number)
		if err != nil {
			t.Fatalf("Document(%s, %q): %v", d.Kind, d.Number, err)
		}
		if !same(got, d) {
			t.Fatalf("Document(%s, %q):\n got %+v\nwant %+v", d.Kind, d.Number, got, d)
		}
	}
	multi := 0
	for h, want := range holdings(docs) {
		got, err := r.Source.Documents(ctx, h.kind, h.holder)
		if err != nil {
			t.Fatalf("Documents(%s, %s): %v", h.kind, h.holder, err)
		}
		slices.SortFunc(want, func(a, b sources.Document) int {
			if c := -cmp.Compare(a.IssuedOn.String(), b.IssuedOn.String()); c != 0 {
				return c
			}
			return cmp.Compare(a.Number, b.Number)
		})
		if len(got) != len(want) {
			t.Fatalf("Documents(%s, %s): %d documents, want %d", h.kind, h.holder, len(got), len(want))
		}
		for i := range got {
			if !same(got[i], want[i]) {
				t.Fatalf("Documents(%s, %s)[%d]: %s, want %s (newest first)", h.kind, h.holder, i, got[i].Number, want[i].Number)
			}
		}
		if len(got) > 1 {
			multi++
		}
	}
	if multi == 0 {
		t.Log("no holder with several documents of a kind: ordering not exercised")
	}
	if _, err := r.Source.Document(ctx, sources.TaxCode, "8300456214"); !errors.Is(err, sources.ErrNotFound) {
		t.Errorf("unknown document: %v, want ErrNotFound", err)
	}
}

func testUpsertAndRead(t *testing.T, r Registry, docs []sources.Document) {
	upsert(t, r, docs)
	checkReads(t, r, docs)
}

func testUpsertTwice(t *testing.T, r Registry, docs []sources.Document) {
	upsert(t, r, docs)
	upsert(t, r, docs)
	checkReads(t, r, docs)
	all := readChanges(t, r, 0, 1000)
	if len(all) != len(docs) {
		t.Errorf("%d documents in the change feed after upserting %d twice", len(all), len(docs))
	}
}

// readChanges reads the whole feed after a cursor, limit at a time.
func readChanges(t *testing.T, r Registry, after int64, limit int) []sources.Change {
	t.Helper()
	var out []sources.Change
	for range 100_000 {
		page, err := r.Source.Changes(context.Background(), after, limit)
		if err != nil {
			t.Fatalf("Changes(%d, %d): %v", after, limit, err)
		}
		if len(page) > limit {
			t.Fatalf("Changes(%d, %d): %d changes", after, limit, len(page))
		}
		if len(page) == 0 {
			return out
		}
		for _, c := range page {
			if c.Seq <= after {
				t.Fatalf("Changes: cursor %d after %d", c.Seq, after)
			}
			after = c.Seq
		}
		out = append(out, page...)
	}
	t.Fatal("Changes never ends")
	return nil
}

func testChanges(t *testing.T, r Registry, docs []sources.Document) {
	upsert(t, r, docs)
	all := readChanges(t, r, 0, 37)
	byKey := make(map[sources.Key]sources.Document)
	for _, c := range all {
		if _, dup := byKey[c.Document.Key()]; dup {
			t.Fatalf("%s %s appears twice in the feed", c.Document.Kind, c.Document.Number)
		}
		byKey[c.Document.Key()] = c.Document
	}
	if len(byKey) != len(docs) {
		t.Fatalf("%d documents in the feed, want %d", len(byKey), len(docs))
	}
	for _, d := range docs {
		if !same(byKey[d.Key()], d) {
			t.Fatalf("feed has %+v, want %+v", byKey[d.Key()], d)
		}
	}
	last := all[len(all)-1].Seq

	// A change moves a document after the cursor.
	changed := docs[len(docs)/2]
	changed.Status = sources.StatusRevoked
	if changed.Status == docs[len(docs)/2].Status {
		changed.Status = sources.StatusSuspended
	}
	upsert(t, r, []sources.Document{changed})
	tail := readChanges(t, r, last, 10)
	if len(tail) != 1 || !same(tail[0].Document, changed) {
		t.Fatalf("after one change the feed has %+v", tail)
	}
	got, err := r.Source.Document(context.Background(), changed.Kind, changed.Number)
	if err != nil || got.Status != changed.Status {
		t.Errorf("changed document: %+v %v", got, err)
	}
	if again := readChanges(t, r, 0, 1000); len(again) != len(docs) {
		t.Errorf("%d documents in the feed after a change, want %d", len(again), len(docs))
	}
}
