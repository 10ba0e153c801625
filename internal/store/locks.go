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

// Lock request kinds and states.
const (
	LockRequestLock   = "lock"
	LockRequestUnlock = "unlock"

	LockRequestPending  = "pending"
	LockRequestApproved = "approved"
	LockRequestRefused  = "refused"
)

// LockRequest is a prosecuting body's, a competent authority's or a relying
// party's request to lock or unlock an account, received by a police unit
// and decided by its head within 2 working days (Decree 59 Art 19).
type LockRequest struct {
	ID        string
	AccountID string
	IDNumber  string
	Kind      string // LockRequestLock or LockRequestUnlock
	// Requester is the body that asked; Reference its document (number and
	// date); Contact where its answer goes (an email address, or "").
	Requester, Reference, Contact string
	Reason                        string
	// Unit is the police unit that received it; ReceivedBy the officer.
	Unit       string
	ReceivedBy string
	State      string
	CreatedAt  time.Time
	DeadlineAt time.Time
	DecidedBy  string
	DecidedAt  time.Time
	// Decision is the written reason of the decision (required for a
	// refusal); LockID the lock made or lifted.
	Decision string
	LockID   string
}

// LockRequestQueries keeps authorities' lock and unlock requests.
type LockRequestQueries interface {
	// CreateLockRequest stores a pending request.
	CreateLockRequest(ctx context.Context, r LockRequest) error
	// LockRequest returns one request.
	LockRequest(ctx context.Context, id string) (LockRequest, error)
	// ListLockRequests returns the requests received by a unit ("" for
	// every unit) in a state ("" for every state), earliest deadline first.
	ListLockRequests(ctx context.Context, unit, state string, limit int) ([]LockRequest, error)
	// DecideLockRequest records the decision on a pending request;
	// ErrConflict when it is no longer pending.
	DecideLockRequest(ctx context.Context, id, state, by, decision, lockID string, at time.Time) error
}
