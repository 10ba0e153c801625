package store

import (
	"context"
	"time"
)

// AuditHead is the end of the sealed audit chain: the sequence number of the
// last sealed event and its chain hash. Before the first seal Seq is 0 and
// Hash is 32 zero bytes.
type AuditHead struct {
	Seq      int64
	Hash     []byte
	SealedAt time.Time // when the head last moved; zero before the first seal
}

// AuditSeal places one audit event in the chain: its sequence number, the
// hash of the event sealed before it and its own chain hash.
type AuditSeal struct {
	EventID int64
	Seq     int64
	Prev    []byte
	Hash    []byte
}

// SealedAuditEvent is an audit event with its place in the chain.
type SealedAuditEvent struct {
	AuditEvent
	Seq  int64
	Prev []byte
	Hash []byte
}

// AuditCheckpoint is a signed statement that the chain's hash at Seq was
// Hash, made at SignedAt with the key named KeyID.
type AuditCheckpoint struct {
	Seq       int64
	Hash      []byte
	SignedAt  time.Time
	KeyID     string
	Signature []byte
}

// AuditBacklog describes the events not sealed yet.
type AuditBacklog struct {
	Unsealed int64
	Oldest   time.Time // the oldest unsealed event's time; zero when none
}

// AuditChainQueries keeps the tamper-evident chain over the audit log: the
// sealer reads unsealed events and seals them in order under the locked
// head; the verifier streams sealed events and checkpoints in sequence
// order. Package audit holds the hashing and signing; the store only keeps
// the bytes.
type AuditChainQueries interface {
	// LockAuditHead returns the chain's head. Inside InTx it also locks the
	// head until the transaction ends (PostgreSQL: SELECT … FOR UPDATE; a
	// SQLite write transaction already excludes every other writer), so one
	// sealer at a time extends the chain; another waits for the lock.
	LockAuditHead(ctx context.Context) (AuditHead, error)
	// AdvanceAuditHead moves the head from from to to: a compare-and-set on
	// from's sequence number and hash, ErrConflict when the head is no
	// longer from.
	AdvanceAuditHead(ctx context.Context, from, to AuditHead) error
	// UnsealedAudit returns up to limit events that carry no seal yet, in
	// ID order.
	UnsealedAudit(ctx context.Context, limit int) ([]AuditEvent, error)
	// SealAudit records seals on their events; ErrConflict (and nothing
	// written, inside a transaction the caller rolls back) if an event is
	// sealed already or a sequence number is taken, ErrNotFound if an event
	// does not exist.
	SealAudit(ctx context.Context, seals []AuditSeal) error
	// SealedAudit returns up to limit sealed events with sequence numbers
	// greater than after, in sequence order: the chain, page by page.
	SealedAudit(ctx context.Context, after int64, limit int) ([]SealedAuditEvent, error)
	// AuditBacklog counts the unsealed events and finds the oldest.
	AuditBacklog(ctx context.Context) (AuditBacklog, error)
	// AddAuditCheckpoint stores a checkpoint; ErrConflict if there is one
	// at its sequence number already.
	AddAuditCheckpoint(ctx context.Context, c AuditCheckpoint) error
	// AuditCheckpoints returns up to limit checkpoints with sequence
	// numbers greater than after, in sequence order.
	AuditCheckpoints(ctx context.Context, after int64, limit int) ([]AuditCheckpoint, error)
	// LatestAuditCheckpoint returns the checkpoint with the highest sequence
	// number; ErrNotFound when there is none.
	LatestAuditCheckpoint(ctx context.Context) (AuditCheckpoint, error)
}
