package store

import (
	"context"
	"time"
)

// Lock grounds (Decree 59/2022 Art 19).
const (
	LockSelf        = "self"         // the holder asked
	LockViolation   = "violation"    // the terms of use were violated (an administrator recorded the evidence)
	LockCardRevoked = "card_revoked" // the holder's ID card was revoked
	LockDeceased    = "deceased"     // the holder died
	LockAuthority   = "authority"    // a prosecuting body, competent authority or relying party asked
)

// Lock states.
const (
	LockActive = "active"
	LockLifted = "lifted"
)

// AccountLock is one ground on which an account is locked. An account is
// locked while it has at least one active lock.
type AccountLock struct {
	ID        string
	AccountID string
	Ground    string
	State     string
	// By is who locked it: "account:<id>", "officer:<id>" or "system".
	By string
	// Reason is the written reason; Evidence a reference to the evidence
	// (violations) or the request (authorities). No secrets.
	Reason, Evidence string
	CreatedAt        time.Time
	LiftedAt         time.Time
	LiftedBy         string
	LiftReason       string
}

// LockQueries keeps account locks.
type LockQueries interface {
	// AddLock stores an active lock.
	AddLock(ctx context.Context, l AccountLock) error
	// AccountLocks returns an account's locks, newest first (active only
	// when activeOnly).
	AccountLocks(ctx context.Context, accountID string, activeOnly bool) ([]AccountLock, error)
	// LiftLock lifts an active lock; ErrConflict when it is not active,
	// ErrNotFound when there is none.
	LiftLock(ctx context.Context, id, by, reason string, at time.Time) error
}
