package sqlstore_test

import (
	"context"
	"errors"
	"iter"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/store/storetest"
)

// benchPopulation is the size of the registry the lookups run against.
const benchPopulation = 20_000

// benchBatch is the number of citizens upserted per transaction.
const benchBatch = 1000

// benchToday fixes the generated population.
var benchToday = identity.Date{Year: 2025, Month: 6, Day: 1}

// citizens yields the synthetic population of seed, n citizens.
func citizens(seed uint64, n int) iter.Seq[registry.Citizen] {
	return func(yield func(registry.Citizen) bool) {
		_ = registry.Generator{Seed: seed, Today: benchToday}.Generate(context.Background(), n, func(c registry.Citizen) error {
			if !yield(c) {
				return errStop
			}
			return nil
		})
	}
}

// errStop ends a generation whose consumer has had enough.
var errStop = errors.New("stop")

// nextBatch pulls up to size citizens from next.
func nextBatch(next func() (registry.Citizen, bool), size int) []registry.Citizen {
	batch := make([]registry.Citizen, 0, size)
	for len(batch) < size {
		c, ok := next()
		if !ok {
			break
		}
		batch = append(batch, c)
	}
	return batch
}

// populate fills db with benchPopulation generated citizens and returns their
// ID numbers.
func populate(b *testing.B, db *sqlstore.DB) []string {
	b.Helper()
	next, stop := iter.Pull(citizens(1, benchPopulation))
	defer stop()
	ids := make([]string, 0, benchPopulation)
	for {
		batch := nextBatch(next, benchBatch)
		if len(batch) == 0 {
			return ids
		}
		if err := db.UpsertCitizens(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
		for _, c := range batch {
			ids = append(ids, c.ID)
		}
	}
}

// BenchmarkCitizenLookup reads random citizens (with their cards) from a
// registry of benchPopulation, serially and from every core.
func BenchmarkCitizenLookup(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			db := backend.Open(b)
			ids := populate(b, db)
			ctx := context.Background()
			b.Run("serial", func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 2))
				for b.Loop() {
					if _, err := db.Citizen(ctx, ids[r.IntN(len(ids))]); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("parallel", func(b *testing.B) {
				var worker atomic.Uint64
				b.RunParallel(func(pb *testing.PB) {
					r := rand.New(rand.NewPCG(3, worker.Add(1)))
					for pb.Next() {
						if _, err := db.Citizen(ctx, ids[r.IntN(len(ids))]); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}

// BenchmarkUpsertCitizens writes new citizens in transactions of benchBatch;
// one op is one batch. Generating the citizens is not timed.
func BenchmarkUpsertCitizens(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			db := backend.Open(b)
			next, stop := iter.Pull(citizens(2, 10_000_000))
			defer stop()
			ctx := context.Background()
			rows := 0
			for b.Loop() {
				b.StopTimer()
				batch := nextBatch(next, benchBatch)
				b.StartTimer()
				if len(batch) < benchBatch {
					b.Fatal("generator ran out of citizens")
				}
				if err := db.UpsertCitizens(ctx, batch); err != nil {
					b.Fatal(err)
				}
				rows += len(batch)
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "citizens/s")
		})
	}
}
