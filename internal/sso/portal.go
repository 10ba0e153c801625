package sso

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/store"
)

// PortalClientID is the citizen portal's client: the portal signs citizens
// in through the provider like any relying party (a confidential web
// client with PKCE, a state body, no data scopes, so no consent screen).
const PortalClientID = "vneid-portal"

// EnsurePortalClient registers the portal's client with secret (the same
// on every instance: the portal redeems its codes with it), or updates it
// when the public address or the secret changed.
func (s *Service) EnsurePortalClient(ctx context.Context, redirectURI, postLogoutURI, secret string) error {
	reg := Registration{Name: "Cổng định danh điện tử VNeID", NameEN: "VNeID citizen portal",
		Purpose: "Đăng nhập để xem và quản lý tài khoản định danh điện tử của bạn.", PurposeEN: "Sign in to see and manage your e-ID account.",
		Kind: KindState, Type: TypeWeb, AuthMethod: AuthSecretBasic, RedirectURIs: []string{redirectURI},
		PostLogoutRedirectURIs: []string{postLogoutURI}, Levels: []int{1, 2}, IDTokenAlg: "ES256"}
	if err := reg.Normalize(); err != nil {
		return err
	}
	hash := hashSecret(secret)
	return failure.Unexpected(s.st.InTx(ctx, func(q store.Queries) error {
		rp, err := q.RelyingParty(ctx, PortalClientID)
		now := s.now()
		c := &Client{ID: PortalClientID, Registration: reg, SecretHash: hash, CreatedAt: now, UpdatedAt: now}
		action := "sso.client_registered"
		if err == nil {
			old, err := clientFromStore(rp)
			if err != nil {
				return err
			}
			if slices.Equal(old.RedirectURIs, reg.RedirectURIs) && slices.Equal(old.PostLogoutRedirectURIs, reg.PostLogoutRedirectURIs) &&
				old.checkSecret(secret) && !old.Disabled {
				return nil
			}
			c.CreatedAt, action = old.CreatedAt, "sso.client_updated"
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return s.putClient(ctx, q, "system", action, c)
	}))
}

// UsageFilter selects usage records for SearchUsage.
type UsageFilter struct {
	ClientID string // a relying party, or "vneid" for uses in the app itself
	Kind     string
	From, To string // dates YYYY-MM-DD in the provider's zone, To inclusive
	Before   int64
	Limit    int
}

// ErrUsageFilter: a usage filter is not valid.
var ErrUsageFilter = failure.New("usage_filter_invalid", failure.Invalid,
	"Bộ lọc lịch sử sử dụng không hợp lệ.", "The usage history filter is not valid.")

// SearchUsage returns a citizen's usage records that match f, newest first.
func (s *Service) SearchUsage(ctx context.Context, accountID string, f UsageFilter) ([]Usage, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	q := store.UsageQuery{AccountID: accountID, Kind: f.Kind, Before: f.Before, Limit: f.Limit}
	if f.ClientID == "vneid" {
		q.System = true
	} else {
		q.ClientID = f.ClientID
	}
	loc := vietnam
	if f.From != "" {
		t, err := parseDay(f.From, loc)
		if err != nil {
			return nil, ErrUsageFilter.WithFields("from")
		}
		q.From = t
	}
	if f.To != "" {
		t, err := parseDay(f.To, loc)
		if err != nil {
			return nil, ErrUsageFilter.WithFields("to")
		}
		q.To = t.AddDate(0, 0, 1)
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return nil, ErrUsageFilter.WithFields("from", "to")
	}
	rows, err := s.st.SearchUsage(ctx, q)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	return s.usageViews(ctx, rows), nil
}

func (s *Service) usageViews(ctx context.Context, rows []store.UsageRecord) []Usage {
	names := map[string]string{}
	out := make([]Usage, 0, len(rows))
	for _, r := range rows {
		name, ok := names[r.ClientID]
		if r.ClientID == "" {
			name, ok = "VNeID", true
		}
		if !ok {
			if c, err := s.Client(ctx, r.ClientID); err == nil {
				name = c.Name
			}
			names[r.ClientID] = name
		}
		u := Usage{ID: r.ID, At: r.At.UTC().Format("2006-01-02T15:04:05Z"), Kind: r.Kind, ClientID: r.ClientID, ClientName: name}
		if r.Detail != "" && r.Detail != "null" {
			_ = json.Unmarshal([]byte(r.Detail), &u.Detail)
		}
		out = append(out, u)
	}
	return out
}

// NamedClient is a relying party's ID and name.
type NamedClient struct {
	ID, Name string
}

// UsageClients lists the relying parties in a citizen's usage records, for
// the history's filter.
func (s *Service) UsageClients(ctx context.Context, accountID string) ([]NamedClient, error) {
	ids, err := s.st.UsageClients(ctx, accountID)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	out := make([]NamedClient, 0, len(ids))
	for _, id := range ids {
		n := NamedClient{ID: id, Name: id}
		if c, err := s.Client(ctx, id); err == nil {
			n.Name = c.Name
		}
		out = append(out, n)
	}
	return out, nil
}

// ErrSessionNotFound: the citizen has no such live web session.
var ErrSessionNotFound = account.ErrSessionNotFound

// EndOwnSession ends one of the citizen's web sessions (from the portal's
// session list), telling the relying parties it served.
func (s *Service) EndOwnSession(ctx context.Context, c account.Caller, accountID, sessionID string) error {
	se, err := s.st.SSOSession(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (se.AccountID != accountID || !se.EndedAt.IsZero())) {
		return ErrSessionNotFound
	}
	if err != nil {
		return failure.Unexpected(err)
	}
	return s.EndSession(ctx, c, sessionID)
}

// vietnam is the zone of the dates a citizen types (UTC+7, no daylight
// saving).
var vietnam = time.FixedZone("ICT", 7*3600)

func parseDay(s string, loc *time.Location) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", s, loc)
}
