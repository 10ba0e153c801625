package registry

import (
	"context"
	"fmt"
)

// Fill generates n citizens and upserts them into sink in transactions of
// batch citizens (1,000 when batch <= 0), generating the next batch while the
// previous one is written. After each batch lands, progress (if not nil) gets
// the number written so far and the batch itself. Upserting is idempotent,
// so re-running with the same seed and day completes a partial run.
func (g Generator) Fill(ctx context.Context, sink Sink, n, batch int, progress func(done int, written []Citizen)) error {
	if batch <= 0 {
		batch = DefaultBatchSize
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []Citizen, 2)
	genErr := make(chan error, 1)
	go func() {
		defer close(batches)
		cur := make([]Citizen, 0, batch)
		send := func() error {
			select {
			case batches <- cur:
				cur = make([]Citizen, 0, batch)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := g.Generate(ctx, n, func(c Citizen) error {
			cur = append(cur, c)
			if len(cur) < batch {
				return nil
			}
			return send()
		})
		if err == nil && len(cur) > 0 {
			err = send()
		}
		genErr <- err
	}()
	done := 0
	for b := range batches {
		if err := sink.UpsertCitizens(ctx, b); err != nil {
			cancel()
			for range batches { // let the generator stop
			}
			return fmt.Errorf("fill: after %d citizens: %w", done, err)
		}
		done += len(b)
		if progress != nil {
			progress(done, b)
		}
	}
	if err := <-genErr; err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	if done != n {
		return fmt.Errorf("fill: generated %d citizens, want %d", done, n)
	}
	return nil
}
