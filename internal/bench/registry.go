package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// DefaultBatch is the number of citizens Populate upserts per transaction
// when it is given none.
const DefaultBatch = 1000

// listPage is how many citizens one ListCitizens call returns while sampling.
const listPage = 10_000

// Populate makes sure st holds at least n citizens and returns n of their
// personal ID numbers, for Lookup and for making accounts.
//
// When st already holds n citizens or more, Populate writes nothing: it pages
// through the registry in ID order with ListCitizens, returns the first n ID
// numbers and a rate of 0. Otherwise it generates n citizens with
// registry.Generator{Seed: seed} for today's date and upserts them in
// transactions of batch citizens (DefaultBatch when batch <= 0), generating
// the next batch while the previous one is written; rate is the import rate
// in citizens per second, generation included. Upserting is idempotent, so a
// run after a partial one with the same seed on the same day completes it.
// progress, if not nil, is called after each batch with the number of
// citizens written or sampled so far.
func Populate(ctx context.Context, st store.Store, n int, seed uint64, batch int, progress func(done int)) (ids []string, rate float64, err error) {
	if n <= 0 {
		return nil, 0, fmt.Errorf("bench: populate: count must be positive, got %d", n)
	}
	if batch <= 0 {
		batch = DefaultBatch
	}
	if progress == nil {
		progress = func(int) {}
	}
	have, err := st.CountCitizens(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("bench: populate: %w", err)
	}
	if have >= int64(n) {
		ids, err := SampleIDs(ctx, st, n, progress)
		return ids, 0, err
	}

	start := time.Now()
	ids = make([]string, 0, n)
	err = registry.Generator{Seed: seed}.Fill(ctx, st, n, batch, func(done int, written []registry.Citizen) {
		for _, c := range written {
			ids = append(ids, c.ID)
		}
		progress(done)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("bench: populate: %w", err)
	}
	elapsed := time.Since(start)
	if elapsed > 0 {
		rate = float64(n) / elapsed.Seconds()
	}
	return ids, rate, nil
}

// SampleIDs returns the first n personal ID numbers of st's registry in ID
// order (fewer if it holds fewer), paging with ListCitizens. progress, if not
// nil, is called after each page with the number read so far.
func SampleIDs(ctx context.Context, st store.Store, n int, progress func(done int)) ([]string, error) {
	ids := make([]string, 0, min(n, 1<<20))
	after := ""
	for len(ids) < n {
		page, err := st.ListCitizens(ctx, after, min(listPage, n-len(ids)))
		if err != nil {
			return nil, fmt.Errorf("bench: sample IDs: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			ids = append(ids, c.ID)
		}
		after = page[len(page)-1].ID
		if progress != nil {
			progress(len(ids))
		}
	}
	return ids, nil
}

// Lookup reads n citizens chosen uniformly at random from ids with
// st.Citizen (the citizen and their cards, as every registration step and
// profile read does), spread over concurrency workers (1 if less), and
// returns their latencies. A citizen that is not found counts as an error.
// When ctx ends Lookup returns what it measured with ctx's error.
func Lookup(ctx context.Context, st store.Store, ids []string, n int, concurrency int) (Result, error) {
	if len(ids) == 0 {
		return Result{}, errors.New("bench: lookup: no ID numbers to look up")
	}
	if n <= 0 {
		return Result{}, fmt.Errorf("bench: lookup: count must be positive, got %d", n)
	}
	concurrency = max(concurrency, 1)
	var (
		next    atomic.Int64
		errs    atomic.Int64
		wg      sync.WaitGroup
		mu      sync.Mutex
		total   histogram
		firstMu sync.Mutex
		first   error
	)
	seed := rand.Uint64()
	start := time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			h := new(histogram)
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				id := ids[r.IntN(len(ids))]
				t0 := time.Now()
				_, err := st.Citizen(ctx, id)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					errs.Add(1)
					firstMu.Lock()
					if first == nil {
						first = fmt.Errorf("citizen %s: %w", id, err)
					}
					firstMu.Unlock()
					continue
				}
				h.record(d)
			}
			mu.Lock()
			total.merge(h)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := total.result(int(errs.Load()), time.Since(start))
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("bench: lookup: %w", err)
	}
	if res.Ops == 0 && first != nil {
		return res, fmt.Errorf("bench: lookup: every lookup failed, the first with: %w", first)
	}
	return res, nil
}
