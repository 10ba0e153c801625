// Package audit provides the tamper-evident audit log: a hash chain over the
// store's audit events, sealed asynchronously, with signed checkpoints, and
// the verification that proves it.
//
// # Appending and sealing
//
// Callers append events (store.AuditEvent) inside their own transactions, as
// before: an append takes no shared lock, so logins and reads never queue
// behind one another. A Sealer then extends the chain: in one transaction it
// locks the chain's head (PostgreSQL: SELECT … FOR UPDATE on the one-row
// audit_head, so two instances never seal at once and the second waits for
// the first; SQLite: the write transaction), reads up to Batch unsealed
// events in ID order, gives each the next sequence number, the previous
// event's chain hash and its own, and moves the head by compare-and-set. An
// event whose transaction commits late (with a lower ID than events sealed
// already) is simply sealed in a later pass: the chain's order is the order
// of sealing, not of IDs, so no settle delay is needed and no event is
// skipped. (Event times come from the callers' clocks, which may differ
// between instances, so they cannot order the chain either.)
//
// # The hash
//
// The chain starts from Genesis (32 zero bytes). The event sealed at
// sequence n has
//
//	hash_n = SHA-256(hash_{n-1} || Encode(event))
//
// where Encode writes, each as a 4-byte big-endian length and its bytes, the
// format tag "vneid-audit-v1", the decimal ID, the time in UTC as RFC 3339
// with nanoseconds (as the store returns it: microseconds), actor, action,
// subject, purpose, request ID and detail. Each event row keeps hash_{n-1}
// beside hash_n, so verification tells a changed event (its fields no longer
// give its hash) from a moved, inserted or removed one (its link names a
// different predecessor).
//
// # Checkpoints
//
// Every CheckpointEvery sealed events, or when the chain has moved and the
// last checkpoint is older than CheckpointAfter, the sealer signs (sequence
// number, head hash, time, key ID) with a Signer — by default an Ed25519 key
// kept in the store's secrets as "audit-checkpoint-ed25519"; an HSM or KMS
// can sign instead by implementing Signer. A checkpoint pins everything up to
// its sequence number: someone who can write to the database may rewrite
// events and recompute every hash after them, but cannot sign the new hash
// without the key. Operators keep the public key (vneid audit key) outside
// the database and verify against it.
//
// # Verification
//
// Verify walks the whole chain in sequence order, a page at a time, checks
// every link, every event's hash and every checkpoint's signature and hash,
// and reports the first broken link precisely: sequence number, event ID and
// what differs. What the chain cannot show: events deleted before they were
// sealed (the sealer runs every few seconds), and events rewritten after the
// last checkpoint by someone who also rewrote the hashes and the head.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// formatTag opens every encoded event, so that a future format is told apart.
const formatTag = "vneid-audit-v1"

// HashSize is the length of a chain hash.
const HashSize = sha256.Size

// Genesis returns the hash the chain starts from: 32 zero bytes.
func Genesis() []byte { return make([]byte, HashSize) }

// Encode returns the canonical bytes of an event that its chain hash covers.
func Encode(e store.AuditEvent) []byte {
	fields := []string{formatTag, strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano),
		e.Actor, e.Action, e.Subject, e.Purpose, e.RequestID, e.Detail}
	n := 0
	for _, f := range fields {
		n += 4 + len(f)
	}
	b := make([]byte, 0, n)
	for _, f := range fields {
		b = appendField(b, []byte(f))
	}
	return b
}

// ChainHash returns the chain hash of e sealed after an event whose chain
// hash is prev.
func ChainHash(prev []byte, e store.AuditEvent) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(Encode(e))
	return h.Sum(nil)
}

func appendField(b, f []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
	return append(b, f...)
}
