package store

import (
	"context"
	"time"

	"github.com/vneid/vneid/internal/sources"
)

// DocumentQueries is the built-in document registry (health insurance,
// driving licences, vehicle registrations, tax codes): the synthetic or
// imported source the wallet checks documents against. Changes carries a
// cursor that grows with every upsert, committed in cursor order.
type DocumentQueries interface {
	sources.Source
	sources.Sink
	// CountDocuments counts the registry's documents of each kind.
	CountDocuments(ctx context.Context) (map[sources.Kind]int64, error)
}

// Integration request states.
const (
	IntegrationPending  = "pending"  // waiting for the source's answer
	IntegrationApproved = "approved" // checked; the documents are in the wallet
	IntegrationRejected = "rejected" // the source refused it (ReasonCode says why)
)

// IntegrationRequest is a citizen's request to integrate a document into the
// wallet, from the app or the enrolment desk.
type IntegrationRequest struct {
	ID        string
	AccountID string
	IDNumber  string
	Kind      sources.Kind
	// Number is the document number the citizen gave; "" asks for every
	// document of the kind the source holds for them.
	Number  string
	Channel string // "app" or "desk"
	// ApplicationID is the desk dossier that asked for it ("" from the app).
	ApplicationID string
	State         string
	ReasonCode    string
	// Documents lists the numbers integrated (JSON array) once approved.
	Documents     string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	DecidedAt     time.Time
}

// WalletDocument is a document integrated into a citizen's wallet: the
// source's record as last seen.
type WalletDocument struct {
	AccountID string
	Kind      sources.Kind
	Number    string
	// Status is the source's status at the last check or change.
	Status sources.Status
	// Data is the source's record (JSON of sources.Document).
	Data      []byte
	RequestID string
	AddedAt   time.Time
	UpdatedAt time.Time
}

// Presentation states.
const (
	PresentationIssued   = "issued"   // shown, not yet verified online
	PresentationVerified = "verified" // verified online once: later verifications are replays
	PresentationRevoked  = "revoked"  // withdrawn by the citizen or by a lock
)

// Presentation is the server's record of a presentation it signed: what it
// disclosed (claim names, never values) and whether it was used.
type Presentation struct {
	ID        string // the SD-JWT's jti
	AccountID string
	// Documents is JSON: [{"kind":…,"number":…,"claims":[names]}].
	Documents  string
	Nonce      string
	Audience   string
	State      string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	VerifiedAt time.Time
	VerifiedBy string
}

// VerifierNonce is a nonce a verifier asked for, to bind a presentation to
// itself. Only its hash is kept.
type VerifierNonce struct {
	Hash      []byte
	ClientID  string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// WalletQueries keeps integration requests, wallet documents, the wallet
// sync cursor, presentations and verifier nonces.
type WalletQueries interface {
	// CreateIntegrationRequest stores a pending request; ErrConflict when
	// the account has a pending request of the same kind and number.
	CreateIntegrationRequest(ctx context.Context, r IntegrationRequest) error
	// IntegrationRequest returns one request.
	IntegrationRequest(ctx context.Context, id string) (IntegrationRequest, error)
	// ListIntegrationRequests returns an account's requests newest first.
	ListIntegrationRequests(ctx context.Context, accountID string, limit int) ([]IntegrationRequest, error)
	// CountIntegrationRequests counts an account's requests of a kind
	// created at or after since, whatever their state.
	CountIntegrationRequests(ctx context.Context, accountID string, kind sources.Kind, since time.Time) (int, error)
	// DueIntegrationRequests returns pending requests due by now, oldest
	// first.
	DueIntegrationRequests(ctx context.Context, now time.Time, limit int) ([]IntegrationRequest, error)
	// DecideIntegrationRequest moves a pending request to approved or
	// rejected; ErrConflict when it is no longer pending.
	DecideIntegrationRequest(ctx context.Context, id, state, reason, documents string, at time.Time) error
	// RetryIntegrationRequest records a failed attempt at the source; the
	// request stays pending and is due again at next.
	RetryIntegrationRequest(ctx context.Context, id, lastError string, next time.Time) error

	// PutWalletDocument inserts or replaces a wallet document (keyed by
	// account, kind and number).
	PutWalletDocument(ctx context.Context, d WalletDocument) error
	// WalletDocuments returns an account's documents by kind and number.
	WalletDocuments(ctx context.Context, accountID string) ([]WalletDocument, error)
	// WalletDocument returns one of an account's documents.
	WalletDocument(ctx context.Context, accountID string, kind sources.Kind, number string) (WalletDocument, error)
	// WalletHolders returns every wallet copy of one source document.
	WalletHolders(ctx context.Context, kind sources.Kind, number string) ([]WalletDocument, error)

	// SyncCursor returns the stored cursor called name (0 when unset).
	SyncCursor(ctx context.Context, name string) (int64, error)
	// SetSyncCursor stores a cursor; it never moves backwards.
	SetSyncCursor(ctx context.Context, name string, value int64) error

	// CreatePresentation stores the record of a signed presentation.
	CreatePresentation(ctx context.Context, p Presentation) error
	// Presentation returns one presentation record.
	Presentation(ctx context.Context, id string) (Presentation, error)
	// ListPresentations returns an account's presentations newest first.
	ListPresentations(ctx context.Context, accountID string, limit int) ([]Presentation, error)
	// UsePresentation marks an issued presentation verified by a verifier;
	// ErrConflict when it was already verified or is revoked.
	UsePresentation(ctx context.Context, id, verifier string, at time.Time) error
	// RevokePresentations revokes an account's issued presentations (one
	// when id is not empty) and returns how many.
	RevokePresentations(ctx context.Context, accountID, id string) (int64, error)

	// CreateVerifierNonce stores a verifier's nonce.
	CreateVerifierNonce(ctx context.Context, n VerifierNonce) error
	// UseVerifierNonce spends an unexpired, unused nonce of clientID;
	// ErrNotFound when there is none, ErrConflict when it was spent.
	UseVerifierNonce(ctx context.Context, hash []byte, clientID string, at time.Time) error

	// SetPasscodeHash sets the hash of an account's 6-digit wallet
	// passcode.
	SetPasscodeHash(ctx context.Context, accountID, hash string, at time.Time) error
}
