package store

import (
	"context"
	"time"
)

// OfficerState is whether an officer may sign in.
type OfficerState string

// Officer states.
const (
	OfficerActive   OfficerState = "active"
	OfficerDisabled OfficerState = "disabled"
)

// Officer is a police officer or administrator using the consoles.
type Officer struct {
	ID           string
	Username     string
	FullName     string
	PasswordHash string // PHC-format argon2id
	// TOTPSecret is the sealed RFC 6238 secret.
	TOTPSecret []byte
	// TOTPLastStep is the last time step accepted, so a code works once.
	TOTPLastStep int64
	Roles        []string // "reviewer", "desk", "unit_head", "admin"
	// UnitID is the police unit the officer belongs to; its area is the
	// officer's jurisdiction.
	UnitID    string
	State     OfficerState
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OfficerSession is a signed-in console session. Only the token's hash is
// kept.
type OfficerSession struct {
	ID         string
	TokenHash  []byte
	OfficerID  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	RevokedAt  time.Time
}

// OfficerQueries keeps officers and their sessions.
type OfficerQueries interface {
	// CreateOfficer stores an officer; ErrConflict if the username is taken.
	CreateOfficer(ctx context.Context, o Officer) error
	// Officer returns an officer by ID.
	Officer(ctx context.Context, id string) (Officer, error)
	// OfficerByUsername returns an officer by username.
	OfficerByUsername(ctx context.Context, username string) (Officer, error)
	// ListOfficers returns every officer by username.
	ListOfficers(ctx context.Context) ([]Officer, error)
	// UpdateOfficer writes an officer's name, password hash, TOTP secret,
	// roles, unit and state.
	UpdateOfficer(ctx context.Context, o Officer) error
	// UseTOTPStep records step as used if it is after the last one used;
	// ErrConflict otherwise (the code was already used).
	UseTOTPStep(ctx context.Context, officerID string, step int64) error
	// CreateOfficerSession stores a session.
	CreateOfficerSession(ctx context.Context, s OfficerSession) error
	// OfficerSessionByTokenHash returns a session by token hash.
	OfficerSessionByTokenHash(ctx context.Context, hash []byte) (OfficerSession, error)
	// TouchOfficerSession sets a session's last-seen time.
	TouchOfficerSession(ctx context.Context, id string, at time.Time) error
	// RevokeOfficerSession ends a session; ErrNotFound if none is live.
	RevokeOfficerSession(ctx context.Context, id string, at time.Time) error
}
