// Package store defines the persistence interface of vneid and the records it
// keeps. Implementations live in sub-packages (sqlstore, for SQLite and
// PostgreSQL); every implementation must pass the conformance suite in
// store/conformance. Domain packages depend on this interface, never on SQL.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/vneid/vneid/internal/registry"
)

// Errors that callers tell apart.
var (
	// ErrNotFound: no record matches.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique key is taken, or a compare-and-set lost the race.
	ErrConflict = errors.New("store: conflict")
)

// Store is a connection to the database.
type Store interface {
	Queries
	// InTx runs fn in one transaction: all of fn's writes land or none do.
	// fn may be run again when the database reports a serialization
	// failure, so it must not have effects outside the transaction.
	InTx(ctx context.Context, fn func(q Queries) error) error
	// Migrate brings the schema to the version this binary needs.
	Migrate(ctx context.Context) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Backend names the implementation ("sqlite", "postgres").
	Backend() string
	// Close releases the connection pool.
	Close() error
}

// Queries is every read and write the system makes, usable inside and
// outside a transaction.
type Queries interface {
	RegistryQueries
	RegistrationQueries
	AccountQueries
	OutboxQueries
	CounterQueries
	AuditQueries
	AuditChainQueries
	SecretQueries
	EIDQueries
	PortraitQueries
	TrustQueries
	OfficerQueries
	UnitQueries
	FingerprintQueries
	SSOQueries
	DocumentQueries
	WalletQueries
	LockQueries
	LockRequestQueries
	DeviceQueries
	PortalQueries
	// PurgeExpired deletes what has expired by now (registrations, OTPs,
	// sessions, rate-limit counters, delivered outbox messages older than
	// keepDelivered, single sign-on requests, tokens, sessions and retired
	// keys, usage records older than UsageRetention, presentations a day
	// after they expire, verifier nonces) and returns how many
	// rows went.
	PurgeExpired(ctx context.Context, now time.Time, keepDelivered time.Duration) (int64, error)
}

// RegistryQueries reads and writes the built-in population database.
type RegistryQueries interface {
	registry.Population
	registry.Sink
	registry.ChangeFeed
	// CountCitizens returns how many citizens the registry holds.
	CountCitizens(ctx context.Context) (int64, error)
	// ListCitizens returns up to limit citizens with ID numbers greater
	// than after, in ID order, with their cards.
	ListCitizens(ctx context.Context, after string, limit int) ([]registry.Citizen, error)
}

// RegistrationState is where an app-account registration stands.
type RegistrationState string

// The states of a registration, in order.
const (
	RegStarted     RegistrationState = "started"      // ID number and phone accepted
	RegQRChecked   RegistrationState = "qr_checked"   // the card's QR matched the registry
	RegOTPSent     RegistrationState = "otp_sent"     // the citizen confirmed; an OTP went out
	RegOTPVerified RegistrationState = "otp_verified" // the OTP was right; a password is due
	RegCompleted   RegistrationState = "completed"    // the account exists
)

// Registration is an app-account registration in progress.
type Registration struct {
	ID              string
	IDNumber        string
	Phone           string // E.164
	DeviceID        string
	DevicePublicKey []byte // PKIX DER
	DeviceName      string
	DevicePlatform  string
	State           RegistrationState
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ExpiresAt       time.Time
}

// OTP is a one-time code sent to a phone. Only its keyed hash is kept.
type OTP struct {
	ID          string
	Purpose     string // e.g. "registration"
	Subject     string // what it unlocks, e.g. the registration ID
	Phone       string // E.164
	CodeHash    []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
	Attempts    int
	MaxAttempts int
	ConsumedAt  time.Time // zero while unused
}

// RegistrationQueries keeps registrations and OTPs.
type RegistrationQueries interface {
	// CreateRegistration stores a new registration.
	CreateRegistration(ctx context.Context, r Registration) error
	// Registration returns a registration by ID.
	Registration(ctx context.Context, id string) (Registration, error)
	// AdvanceRegistration sets r's state and UpdatedAt if its stored state
	// is from; ErrConflict otherwise.
	AdvanceRegistration(ctx context.Context, id string, from, to RegistrationState, at time.Time) error
	// CreateOTP stores a new OTP.
	CreateOTP(ctx context.Context, o OTP) error
	// LatestOTP returns the newest OTP for purpose and subject.
	LatestOTP(ctx context.Context, purpose, subject string) (OTP, error)
	// CountOTPs counts the OTPs sent to phone since a time.
	CountOTPs(ctx context.Context, phone string, since time.Time) (int, error)
	// SpendOTPAttempt atomically adds one attempt to an unconsumed OTP
	// that has attempts left, returning it after the update; ErrConflict
	// when it is consumed or out of attempts.
	SpendOTPAttempt(ctx context.Context, id string) (OTP, error)
	// ConsumeOTP marks an OTP used; ErrConflict if it already was.
	ConsumeOTP(ctx context.Context, id string, at time.Time) error
}

// AccountState is the state of an app account.
type AccountState string

// Account states.
const (
	AccountActive AccountState = "active"
	AccountLocked AccountState = "locked"
)

// Account is a citizen's VNeID account. Its login name is the personal ID
// number.
type Account struct {
	ID                string
	IDNumber          string
	Phone             string // E.164
	PasswordHash      string // PHC-format argon2id
	State             AccountState
	Level             int // 0: app account only; 1 or 2: e-ID level
	CreatedAt         time.Time
	UpdatedAt         time.Time
	PasswordChangedAt time.Time
	LastLoginAt       time.Time // zero before the first login
	// Email, if set, receives result notices too.
	Email string
	// PasscodeHash is the PHC-format argon2id hash of the 6-digit passcode
	// that guards the wallet; "" until the citizen sets one.
	PasscodeHash string
}

// Device is a phone bound to an account.
type Device struct {
	AccountID string
	DeviceID  string
	PublicKey []byte // PKIX DER
	Name      string
	Platform  string
	BoundAt   time.Time
}

// Session is a logged-in session. Only the hash of its bearer token is kept.
type Session struct {
	ID         string
	TokenHash  []byte
	AccountID  string
	DeviceID   string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	RevokedAt  time.Time // zero while live
}

// AccountQueries keeps accounts, devices and sessions.
type AccountQueries interface {
	// CreateAccount stores a new account; ErrConflict if the ID number has
	// one.
	CreateAccount(ctx context.Context, a Account) error
	// Account returns an account by its ID.
	Account(ctx context.Context, id string) (Account, error)
	// AccountByIDNumber returns the account of a personal ID number.
	AccountByIDNumber(ctx context.Context, idNumber string) (Account, error)
	// RecordLogin sets an account's last login time.
	RecordLogin(ctx context.Context, accountID string, at time.Time) error
	// UpdatePasswordHash replaces the stored hash (after a rehash with new
	// parameters, or a password change).
	UpdatePasswordHash(ctx context.Context, accountID, hash string, at time.Time) error
	// SetAccountState locks or unlocks an account.
	SetAccountState(ctx context.Context, accountID string, state AccountState, at time.Time) error
	// SetAccountEmail sets (or clears, with "") the account's email.
	SetAccountEmail(ctx context.Context, accountID, email string, at time.Time) error
	// BindDevice binds a device to an account. An account has one device:
	// binding another replaces it.
	BindDevice(ctx context.Context, d Device) error
	// AccountDevice returns the device bound to an account.
	AccountDevice(ctx context.Context, accountID string) (Device, error)
	// CreateSession stores a session.
	CreateSession(ctx context.Context, s Session) error
	// SessionByTokenHash returns a session by its token hash.
	SessionByTokenHash(ctx context.Context, hash []byte) (Session, error)
	// TouchSession sets a session's last-seen time.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// RevokeSession ends a session; ErrNotFound if there is none live.
	RevokeSession(ctx context.Context, id string, at time.Time) error
	// RevokeAccountSessions ends every live app session and single sign-on
	// session of an account and returns how many.
	RevokeAccountSessions(ctx context.Context, accountID string, at time.Time) (int64, error)
	// SerializeAccount, inside a transaction, holds back other
	// transactions that write or serialize the same account until this one
	// ends; ErrNotFound when there is no such account.
	SerializeAccount(ctx context.Context, accountID string) error
}

// OutboxStatus is where an outbox message stands.
type OutboxStatus string

// Outbox statuses.
const (
	OutboxPending   OutboxStatus = "pending"
	OutboxDelivered OutboxStatus = "delivered"
	OutboxDead      OutboxStatus = "dead" // out of attempts
)

// OutboxMessage is a notification written in the same transaction as the
// change that causes it and delivered later by a worker.
type OutboxMessage struct {
	ID            int64
	Channel       string // "sms", "email", "push"
	Recipient     string
	Template      string
	Body          string
	CreatedAt     time.Time
	NextAttemptAt time.Time
	Attempts      int
	Status        OutboxStatus
	LastError     string
	DeliveredAt   time.Time
	LeaseOwner    string
	LeaseUntil    time.Time
}

// OutboxFilter selects outbox messages to list.
type OutboxFilter struct {
	Recipient string // exact, empty for all
	Status    OutboxStatus
	Limit     int
}

// OutboxQueries keeps the notification outbox.
type OutboxQueries interface {
	// EnqueueOutbox adds a pending message and returns its ID.
	EnqueueOutbox(ctx context.Context, m OutboxMessage) (int64, error)
	// ClaimOutbox leases up to limit due messages to owner until
	// now+lease; a message is leased to one owner at a time.
	ClaimOutbox(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// CompleteOutbox marks a leased message delivered, replacing its body
	// with body (to redact secrets once sent). ErrConflict if owner no
	// longer holds the lease.
	CompleteOutbox(ctx context.Context, id int64, owner string, at time.Time, body string) error
	// RetryOutbox records a failed attempt: the message is due again at
	// next, or dead when dead is true. ErrConflict if owner lost the lease.
	RetryOutbox(ctx context.Context, id int64, owner string, errText string, next time.Time, dead bool) error
	// ListOutbox returns messages newest first.
	ListOutbox(ctx context.Context, f OutboxFilter) ([]OutboxMessage, error)
	// OutboxDepth counts messages by status.
	OutboxDepth(ctx context.Context) (map[OutboxStatus]int64, error)
	// OutboxMessage returns one message.
	OutboxMessage(ctx context.Context, id int64) (OutboxMessage, error)
	// ReplayOutbox makes a dead message pending again, due at at, with its
	// attempts reset; ErrConflict if it is not dead.
	ReplayOutbox(ctx context.Context, id int64, at time.Time) error
}

// CounterQueries keeps fixed-window counters for rate limits, shared by every
// server instance on the same database.
type CounterQueries interface {
	// Hit adds one to the counter key for the window starting at
	// windowStart, kept until expires, and returns the new count.
	Hit(ctx context.Context, key string, windowStart, expires time.Time) (int64, error)
	// CountHits reads the counter key for the window starting at
	// windowStart without counting; 0 when there is none.
	CountHits(ctx context.Context, key string, windowStart time.Time) (int64, error)
}

// AuditEvent is one entry of the audit log: who did what to whose data.
type AuditEvent struct {
	ID        int64
	At        time.Time
	Actor     string // "account:<id>", "officer:<id>", "system", "anonymous"
	Action    string // e.g. "registry.citizen.read"
	Subject   string // whose data: the personal ID number, if any
	Purpose   string
	RequestID string
	Detail    string // JSON, no secrets
}

// AuditQueries appends to and reads the audit log.
type AuditQueries interface {
	// AppendAudit appends an event.
	AppendAudit(ctx context.Context, e AuditEvent) error
	// AuditBySubject lists the newest events about a subject.
	AuditBySubject(ctx context.Context, subject string, limit int) ([]AuditEvent, error)
}

// SecretQueries keeps server-wide secrets shared by every instance (e.g. the
// key that hashes OTPs and signs login challenges).
type SecretQueries interface {
	// Secret returns the secret called name, storing value first if there is
	// none yet. Every instance gets the same bytes.
	Secret(ctx context.Context, name string, value []byte) ([]byte, error)
}
