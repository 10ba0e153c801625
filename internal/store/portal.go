package store

import (
	"context"
	"time"
)

// LiveSession is one signed-in session of an account as its holder sees
// it: an app session (on the bound device) or a web single sign-on session
// (the portal and relying parties' sign-in pages).
type LiveSession struct {
	ID         string
	Kind       string // SessionApp or SessionWeb
	DeviceID   string // app sessions
	CreatedAt  time.Time
	LastSeenAt time.Time // app sessions; zero for web sessions
	ExpiresAt  time.Time
}

// Kinds of LiveSession.
const (
	SessionApp = "app"
	SessionWeb = "web"
)

// UsageQuery selects a citizen's usage records. Empty fields do not
// filter.
type UsageQuery struct {
	AccountID string
	ClientID  string    // one relying party ("" the system itself is not selectable this way; see System)
	System    bool      // only records with no relying party (uses in the app itself)
	Kind      string    // e.g. "login", "release"
	From, To  time.Time // At in [From, To)
	Before    int64     // records with a smaller ID (paging, newest first); 0 from the newest
	Limit     int       // at most 1000
}

// PortalQueries are the reads the citizen portal makes beyond the app's.
type PortalQueries interface {
	// LiveSessions lists an account's sessions that are neither ended nor
	// expired at now, newest first.
	LiveSessions(ctx context.Context, accountID string, now time.Time) ([]LiveSession, error)
	// SearchUsage returns the usage records q selects, newest first.
	SearchUsage(ctx context.Context, q UsageQuery) ([]UsageRecord, error)
	// UsageClients lists the relying parties (IDs) that appear in an
	// account's usage records.
	UsageClients(ctx context.Context, accountID string) ([]string, error)
}
