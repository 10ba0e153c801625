package store

import (
	"context"
	"time"
)

// UsageRetention is how long a usage record is kept: five years from each
// use (Decree 59/2022 Art 21).
const UsageRetention = 5 * 365 * 24 * time.Hour

// RelyingParty is a registered OpenID Connect client (an agency, bank or
// portal). Its registration is kept as JSON whose schema package sso owns.
type RelyingParty struct {
	ID         string
	Config     []byte // JSON registration
	SecretHash []byte // of the client secret; nil for clients without one
	State      string // "active" or "disabled"
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SSORequest is a pending authorization request (or a pushed one), with
// the hash of its code once issued.
type SSORequest struct {
	ID        string
	ClientID  string
	CodeHash  []byte // nil until a code is issued
	Data      []byte // JSON, package sso's schema
	ExpiresAt time.Time
}

// SSOToken is an issued access or refresh token. Refresh tokens are found
// by the hash of their value; access tokens by ID.
type SSOToken struct {
	ID        string
	Kind      string // "access" or "refresh"
	Hash      []byte // refresh tokens: hash of the value; nil for access tokens
	Family    string // every token descended from one authorization
	ClientID  string
	AccountID string
	SessionID string // the browser sign-in session, for logout
	Data      []byte // JSON, package sso's schema
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // refresh tokens: when rotated
	RevokedAt time.Time
}

// SSOTokenFilter selects tokens to revoke; exactly one selector is set
// (AccountID may go with ClientID; ClientID alone selects all of a
// relying party's tokens).
type SSOTokenFilter struct {
	ID        string
	Family    string
	SessionID string
	AccountID string
	ClientID  string
}

// SSOSession is a citizen's sign-in at the single sign-on pages, kept in a
// browser cookie whose value only the hash of is stored.
type SSOSession struct {
	ID        string
	TokenHash []byte
	AccountID string
	Data      []byte // JSON, package sso's schema
	CreatedAt time.Time
	ExpiresAt time.Time
	EndedAt   time.Time
}

// Consent is what a citizen agreed to share with a relying party.
type Consent struct {
	AccountID string
	ClientID  string
	Scopes    []string
	GrantedAt time.Time
}

// SigningKey is a token-signing key: the private part sealed, the public
// part a JSON Web Key.
type SigningKey struct {
	ID         string
	Algorithm  string // "RS256", "ES256", "EdDSA"
	Private    []byte // sealed PKCS #8
	Public     []byte // JWK JSON
	CreatedAt  time.Time
	ActiveFrom time.Time // signs from then (published before)
	RetireAt   time.Time // signs no longer from then
	ExpireAt   time.Time // published until then
}

// UsageRecord is one use of an e-ID account with a relying party (a login,
// a consent, a release of data, a logout) that the citizen can read.
type UsageRecord struct {
	ID        int64
	AccountID string
	ClientID  string
	Kind      string // "login", "consent", "consent_revoked", "release", "logout"
	Detail    string // JSON: the relying party's name, level, claims released; no values
	IP        string
	At        time.Time
}

// SSOQueries keeps the OpenID Connect provider's relying parties, requests,
// tokens, sessions, consents, keys and usage records.
type SSOQueries interface {
	// PutRelyingParty inserts or replaces a relying party.
	PutRelyingParty(ctx context.Context, rp RelyingParty) error
	// RelyingParty returns one relying party.
	RelyingParty(ctx context.Context, id string) (RelyingParty, error)
	// ListRelyingParties returns every relying party by ID.
	ListRelyingParties(ctx context.Context) ([]RelyingParty, error)

	// PutSSORequest inserts or replaces an authorization request.
	PutSSORequest(ctx context.Context, r SSORequest) error
	// SSORequest returns a request that has not expired by now.
	SSORequest(ctx context.Context, id string, now time.Time) (SSORequest, error)
	// SSORequestByCode returns the request whose code hashes to codeHash.
	SSORequestByCode(ctx context.Context, codeHash []byte, now time.Time) (SSORequest, error)
	// DeleteSSORequest deletes a request; ErrNotFound if it is gone, so
	// that exactly one caller consumes it.
	DeleteSSORequest(ctx context.Context, id string) error

	// PutSSOToken stores a new token.
	PutSSOToken(ctx context.Context, t SSOToken) error
	// SSOToken returns a token by ID.
	SSOToken(ctx context.Context, id string) (SSOToken, error)
	// SSOTokenByHash returns a refresh token by the hash of its value.
	SSOTokenByHash(ctx context.Context, hash []byte) (SSOToken, error)
	// UseSSOToken marks a refresh token rotated; ErrConflict if it was
	// already used or revoked, so that a token rotates once.
	UseSSOToken(ctx context.Context, id string, at time.Time) error
	// RevokeSSOTokens revokes the live tokens f selects and returns how
	// many.
	RevokeSSOTokens(ctx context.Context, f SSOTokenFilter, at time.Time) (int64, error)
	// SSOSessionClients lists the relying parties that received tokens in
	// a sign-in session.
	SSOSessionClients(ctx context.Context, sessionID string) ([]string, error)

	// PutSSOSession stores a new sign-in session.
	PutSSOSession(ctx context.Context, s SSOSession) error
	// SSOSessionByHash returns a session by the hash of its cookie.
	SSOSessionByHash(ctx context.Context, hash []byte) (SSOSession, error)
	// SSOSession returns a session by ID.
	SSOSession(ctx context.Context, id string) (SSOSession, error)
	// EndSSOSession ends a session; ErrNotFound if it is unknown or over.
	EndSSOSession(ctx context.Context, id string, at time.Time) error

	// PutConsent inserts or replaces a consent.
	PutConsent(ctx context.Context, c Consent) error
	// Consent returns a citizen's consent for a relying party.
	Consent(ctx context.Context, accountID, clientID string) (Consent, error)
	// ListConsents returns a citizen's consents by relying party.
	ListConsents(ctx context.Context, accountID string) ([]Consent, error)
	// DeleteConsent withdraws a consent; ErrNotFound if there is none.
	DeleteConsent(ctx context.Context, accountID, clientID string) error

	// PutSigningKey stores a new signing key.
	PutSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns every key not yet purged, oldest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)

	// AppendUsage appends a usage record.
	AppendUsage(ctx context.Context, u UsageRecord) error
	// ListUsage returns a citizen's usage records newest first, older than
	// before (zero: from the newest), at most limit.
	ListUsage(ctx context.Context, accountID string, before int64, limit int) ([]UsageRecord, error)
}
