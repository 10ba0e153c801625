package store

import (
	"context"
	"time"
)

// EIDState is where an account's electronic identification stands. The
// account's Level is the e-ID level in force; EIDState tracks the newest
// application on its way there.
type EIDState string

// The e-ID states of an account. Legal moves:
//
//	none, rejected, active          → pending             (an application is submitted)
//	pending                         → approved | rejected (review)
//	approved                        → active              (the citizen activates in time)
//	approved                        → activation_expired  (the deadline passed)
//	activation_expired              → approved            (an officer or the hotline reopens it)
const (
	EIDNone              EIDState = "none"               // app account only
	EIDPending           EIDState = "pending"            // an application awaits review
	EIDApproved          EIDState = "approved"           // approved, waiting for activation
	EIDActive            EIDState = "active"             // activated: Level is in force
	EIDRejected          EIDState = "rejected"           // the last application was refused
	EIDActivationExpired EIDState = "activation_expired" // not activated in time
)

// EIDUpdate moves an account's e-ID state by compare-and-set.
type EIDUpdate struct {
	From, To EIDState
	// Level is the new level in force; negative leaves it as it is.
	Level int
	// PendingLevel is the level applied for or approved; 0 when none.
	PendingLevel int
	// ActivationDue is the activation deadline once approved; zero otherwise.
	ActivationDue time.Time
	At            time.Time
}

// EIDStatus is the e-ID part of an account.
type EIDStatus struct {
	State         EIDState
	Level         int
	PendingLevel  int
	ActivationDue time.Time
	UpdatedAt     time.Time
}

// ApplicationState is where an e-ID application (a dossier) stands.
type ApplicationState string

// Application states.
const (
	AppAwaitingEvidence ApplicationState = "awaiting_evidence" // started: challenge issued, evidence due
	AppPendingReview    ApplicationState = "pending_review"    // complete, waiting for an officer
	AppApproved         ApplicationState = "approved"          // "Đạt"
	AppRejected         ApplicationState = "rejected"
	AppExpired          ApplicationState = "expired" // started and never completed
)

// Application is an application for an e-ID level: the dossier reviewing
// officers decide on.
type Application struct {
	ID        string
	AccountID string
	IDNumber  string
	Level     int
	Channel   string // "app" (online) or "desk" (in person)
	State     ApplicationState
	// Unit is the administrative unit (statistics-office code) whose police
	// review it: the residence for online applications, the office's area
	// for desk ones. Officers see only dossiers inside their unit's area.
	Unit string
	// Office is the police unit that took a desk application ("" online).
	Office string
	// Details is the JSON record of what the channel collected beyond the
	// evidence files (the desk's contact, documents, consent, card request).
	Details string
	// Challenge is the active-authentication challenge issued at the start.
	Challenge   []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time // evidence must arrive by then
	SubmittedAt time.Time
	DeadlineAt  time.Time // review deadline, in working days from submission
	DecidedAt   time.Time
	DecidedBy   string // "auto" or "officer:<id>"
	ReasonCode  string
	ReasonText  string
	// Checks is the JSON record of every check and score.
	Checks    string
	UpdatedAt time.Time
}

// ApplicationFilter selects applications to list.
type ApplicationFilter struct {
	States    []ApplicationState
	Level     int      // 0 for any
	Units     []string // administrative unit codes; nil for every unit
	AccountID string
	Limit     int
}

// Evidence is one sealed piece of a dossier (a chip file, the selfie, the
// active-authentication answer). Data is encrypted at rest by the caller.
type Evidence struct {
	ApplicationID string
	Kind          string // "dg1", "dg2", "dg13", "dg14", "dg15", "sod", "aa_signature", "selfie"
	Data          []byte // sealed
	CreatedAt     time.Time
}

// InboxMessage is a notification in the citizen's in-app inbox, in
// Vietnamese with English.
type InboxMessage struct {
	ID        int64
	AccountID string
	Kind      string
	TitleVI   string
	TitleEN   string
	BodyVI    string
	BodyEN    string
	CreatedAt time.Time
	ReadAt    time.Time // zero while unread
}

// EIDQueries keeps e-ID applications, their evidence and the account's e-ID
// state.
type EIDQueries interface {
	// AccountEID returns the e-ID part of an account.
	AccountEID(ctx context.Context, accountID string) (EIDStatus, error)
	// UpdateEID moves an account's e-ID state; ErrConflict when the stored
	// state is not u.From.
	UpdateEID(ctx context.Context, accountID string, u EIDUpdate) error
	// CreateApplication stores a new application.
	CreateApplication(ctx context.Context, a Application) error
	// Application returns an application by ID.
	Application(ctx context.Context, id string) (Application, error)
	// UpdateApplication writes a's mutable fields (state, unit, times,
	// decision, checks, details) if the stored state is from; ErrConflict otherwise.
	UpdateApplication(ctx context.Context, a Application, from ApplicationState) error
	// ListApplications returns applications, earliest review deadline
	// first (then oldest first).
	ListApplications(ctx context.Context, f ApplicationFilter) ([]Application, error)
	// PutEvidence stores (or replaces) one piece of evidence.
	PutEvidence(ctx context.Context, e Evidence) error
	// ApplicationEvidence returns an application's evidence by kind.
	ApplicationEvidence(ctx context.Context, applicationID string) (map[string]Evidence, error)
	// AddInbox appends to an account's inbox and returns the message ID.
	AddInbox(ctx context.Context, m InboxMessage) (int64, error)
	// ListInbox returns an account's newest inbox messages.
	ListInbox(ctx context.Context, accountID string, limit int) ([]InboxMessage, error)
	// MarkInboxRead marks a message read; ErrNotFound if it is not the
	// account's.
	MarkInboxRead(ctx context.Context, accountID string, id int64, at time.Time) error
	// ExpireActivations moves approved accounts whose activation deadline is
	// before now to activation_expired and returns their IDs.
	ExpireActivations(ctx context.Context, now time.Time) ([]string, error)
}

// Portrait is the portrait the population database holds for a citizen,
// sealed at rest.
type Portrait struct {
	IDNumber  string
	Format    string // "jpeg", "png"
	Data      []byte // sealed
	UpdatedAt time.Time
}

// PortraitQueries keeps the population database's portraits.
type PortraitQueries interface {
	// PutPortrait stores (or replaces) a citizen's portrait.
	PutPortrait(ctx context.Context, p Portrait) error
	// Portrait returns a citizen's portrait.
	Portrait(ctx context.Context, idNumber string) (Portrait, error)
}

// TrustKind is what a trust-list entry holds.
type TrustKind string

// Trust-list entry kinds.
const (
	TrustCSCA TrustKind = "csca" // a country signing CA certificate
	TrustCRL  TrustKind = "crl"  // a CSCA's certificate revocation list
)

// TrustEntry is a CSCA certificate or CRL trusted for passive
// authentication.
type TrustEntry struct {
	ID        string // hex SHA-256 of DER
	Kind      TrustKind
	Country   string // ISO 3166-1 alpha-2 or alpha-3 as found
	Subject   string // readable subject (CSCA) or issuer (CRL)
	Serial    string // hex serial (CSCA) or CRL number
	NotBefore time.Time
	NotAfter  time.Time // NotAfter, or a CRL's nextUpdate
	DER       []byte
	Source    string // where it came from ("file:…", "masterlist:…", "demo")
	AddedAt   time.Time
}

// TrustQueries keeps the trust list.
type TrustQueries interface {
	// PutTrust adds an entry; adding the same DER again is a no-op that
	// reports false.
	PutTrust(ctx context.Context, e TrustEntry) (bool, error)
	// ListTrust returns entries of a kind ("" for every kind), by country
	// then subject.
	ListTrust(ctx context.Context, kind TrustKind) ([]TrustEntry, error)
	// RemoveTrust deletes an entry; ErrNotFound if there is none.
	RemoveTrust(ctx context.Context, id string) error
}
