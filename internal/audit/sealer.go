package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// Defaults of a Sealer's settings.
const (
	DefaultBatch           = 500
	DefaultCheckpointEvery = 10000
	DefaultCheckpointAfter = 10 * time.Minute
)

// Sealer extends the chain over the audit events appended since its last
// pass, and signs checkpoints. Several sealers (one per server instance) may
// run on one database: the head's lock makes them take turns.
type Sealer struct {
	// Store holds the events and the chain.
	Store store.Store
	// Signer signs checkpoints; nil seals without them.
	Signer Signer
	// Batch is how many events one transaction seals (DefaultBatch when 0).
	Batch int
	// CheckpointEvery is how many sealed events call for a checkpoint
	// (DefaultCheckpointEvery when 0).
	CheckpointEvery int64
	// CheckpointAfter is how old the last checkpoint may grow while the
	// chain moves (DefaultCheckpointAfter when 0).
	CheckpointAfter time.Duration
	// Now is the clock of checkpoints (time.Now when nil).
	Now func() time.Time
}

// SealResult says what a pass did.
type SealResult struct {
	// Sealed is how many events this pass sealed.
	Sealed int
	// Head is the chain's head after the pass.
	Head store.AuditHead
	// Checkpoint is the checkpoint the pass signed, if it signed one.
	Checkpoint *store.AuditCheckpoint
}

func (s *Sealer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sealer) batch() int {
	if s.Batch > 0 {
		return s.Batch
	}
	return DefaultBatch
}

// Seal seals every event committed so far, a batch per transaction, then
// signs a checkpoint if one is due.
func (s *Sealer) Seal(ctx context.Context) (SealResult, error) {
	var res SealResult
	// A look without the lock first: an idle pass takes no write lock.
	evs, err := s.Store.UnsealedAudit(ctx, 1)
	if err != nil {
		return res, fmt.Errorf("seal audit events: %w", err)
	}
	if len(evs) == 0 {
		if res.Head, err = s.Store.LockAuditHead(ctx); err != nil {
			return res, fmt.Errorf("seal audit events: %w", err)
		}
	}
	for busy := len(evs) > 0; busy; {
		n, head, err := s.SealBatch(ctx)
		if err != nil {
			return res, err
		}
		res.Sealed += n
		res.Head = head
		busy = n == s.batch()
		if err := ctx.Err(); err != nil {
			return res, err
		}
	}
	cp, err := s.Checkpoint(ctx, false)
	if err != nil {
		return res, err
	}
	res.Checkpoint = cp
	return res, nil
}

// SealBatch seals up to Batch unsealed events, in ID order, in one
// transaction that locks the head first, and returns how many it sealed and
// the head after.
func (s *Sealer) SealBatch(ctx context.Context) (int, store.AuditHead, error) {
	var (
		sealed int
		head   store.AuditHead
	)
	err := s.Store.InTx(ctx, func(q store.Queries) error {
		sealed = 0
		from, err := q.LockAuditHead(ctx)
		if err != nil {
			return err
		}
		head = from
		evs, err := q.UnsealedAudit(ctx, s.batch())
		if err != nil || len(evs) == 0 {
			return err
		}
		seals := make([]store.AuditSeal, len(evs))
		prev := from.Hash
		for i, e := range evs {
			h := ChainHash(prev, e)
			seals[i] = store.AuditSeal{EventID: e.ID, Seq: from.Seq + int64(i) + 1, Prev: prev, Hash: h}
			prev = h
		}
		if err := q.SealAudit(ctx, seals); err != nil {
			return err
		}
		to := store.AuditHead{Seq: seals[len(seals)-1].Seq, Hash: prev, SealedAt: s.now()}
		if err := q.AdvanceAuditHead(ctx, from, to); err != nil {
			return err
		}
		head, sealed = to, len(seals)
		return nil
	})
	if err != nil {
		return 0, store.AuditHead{}, fmt.Errorf("seal audit events: %w", err)
	}
	return sealed, head, nil
}

// Checkpoint signs the head when a checkpoint is due (or, with force, when
// the chain has moved since the last one) and stores it. It returns nil when
// none was due, there is no Signer, or another instance stored a checkpoint
// at the same sequence number first.
func (s *Sealer) Checkpoint(ctx context.Context, force bool) (*store.AuditCheckpoint, error) {
	if s.Signer == nil {
		return nil, nil
	}
	last, err := s.Store.LatestAuditCheckpoint(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("audit checkpoint: %w", err)
	}
	// The head read outside a transaction: the hash at a sealed sequence
	// number never changes, so no lock is needed to sign it.
	head, err := s.Store.LockAuditHead(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit checkpoint: %w", err)
	}
	now := s.now().UTC().Truncate(time.Microsecond) // what both databases keep
	every, after := s.CheckpointEvery, s.CheckpointAfter
	if every <= 0 {
		every = DefaultCheckpointEvery
	}
	if after <= 0 {
		after = DefaultCheckpointAfter
	}
	switch {
	case head.Seq <= last.Seq:
		return nil, nil
	case force, head.Seq-last.Seq >= every, now.Sub(last.SignedAt) >= after:
	default:
		return nil, nil
	}
	keyID := s.Signer.KeyID()
	sig, err := s.Signer.Sign(ctx, CheckpointMessage(head.Seq, head.Hash, now, keyID))
	if err != nil {
		return nil, fmt.Errorf("audit checkpoint: sign: %w", err)
	}
	cp := store.AuditCheckpoint{Seq: head.Seq, Hash: head.Hash, SignedAt: now, KeyID: keyID, Signature: sig}
	if err := s.Store.AddAuditCheckpoint(ctx, cp); errors.Is(err, store.ErrConflict) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("audit checkpoint: %w", err)
	}
	return &cp, nil
}

// Run seals every interval until ctx ends, logging failures and what it
// sealed.
func (s *Sealer) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		res, err := s.Seal(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("audit sealing failed", "err", err)
		case res.Checkpoint != nil:
			log.Info("audit checkpoint signed", "seq", res.Checkpoint.Seq, "key", res.Checkpoint.KeyID, "sealed", res.Sealed)
		case res.Sealed > 0:
			log.Debug("audit events sealed", "events", res.Sealed, "head", res.Head.Seq)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
