package registry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store/storetest"
)

func TestFillIntoStore(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	g := registry.Generator{Seed: 11}
	var steps []int
	seen := 0
	err := g.Fill(ctx, st, 2500, 1000, func(done int, written []registry.Citizen) {
		steps = append(steps, done)
		seen += len(written)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || steps[2] != 2500 || seen != 2500 {
		t.Errorf("progress = %v (%d citizens seen)", steps, seen)
	}
	// Same seed and day again: idempotent.
	if err := g.Fill(ctx, st, 2500, 700, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := st.CountCitizens(ctx); err != nil || n != 2500 {
		t.Errorf("citizens = %d, %v; want 2500", n, err)
	}
	// A failing sink stops the fill with its error.
	st.Close()
	if err := g.Fill(ctx, st, 10, 5, nil); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("fill into a closed store: %v", err)
	}
}
