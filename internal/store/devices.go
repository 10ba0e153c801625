package store

import (
	"context"
	"time"
)

// Ways a device change is confirmed.
const (
	DeviceChangeByCode = "code" // a code shown on the old device (or sent by SMS when none is bound)
	DeviceChangeByChip = "chip" // the ID card's chip read by NFC
)

// DeviceChange is a request to bind a new device to an account, pending
// until it is confirmed. Only the keyed hash of its code is kept.
type DeviceChange struct {
	ID        string
	AccountID string
	// OldDeviceID is the device bound when the change was asked ("" when
	// none was); the change is void once another device is bound.
	OldDeviceID     string
	DeviceID        string
	DevicePublicKey []byte // PKIX DER
	DeviceName      string
	DevicePlatform  string
	Method          string
	CodeHash        []byte
	Attempts        int
	MaxAttempts     int
	CreatedAt       time.Time
	ExpiresAt       time.Time
	CompletedAt     time.Time // zero while pending
}

// DeviceQueries keeps device changes and unlinks devices.
type DeviceQueries interface {
	// CreateDeviceChange stores a pending device change.
	CreateDeviceChange(ctx context.Context, c DeviceChange) error
	// DeviceChange returns a device change by ID.
	DeviceChange(ctx context.Context, id string) (DeviceChange, error)
	// PendingDeviceChange returns the account's newest device change that
	// is not completed and expires after now; ErrNotFound when none.
	PendingDeviceChange(ctx context.Context, accountID string, now time.Time) (DeviceChange, error)
	// SpendDeviceChangeAttempt atomically adds one attempt to a pending
	// change that has attempts left and returns it after the update;
	// ErrConflict when it is completed or out of attempts.
	SpendDeviceChangeAttempt(ctx context.Context, id string) (DeviceChange, error)
	// CompleteDeviceChange marks a change done; ErrConflict if it already
	// was.
	CompleteDeviceChange(ctx context.Context, id string, at time.Time) error
	// UnbindDevice removes the account's device if it is deviceID;
	// ErrNotFound otherwise.
	UnbindDevice(ctx context.Context, accountID, deviceID string) error
}
