package appclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// LoginApproval is what the app shows after approving a web sign-in.
type LoginApproval struct {
	Approved   bool              `json:"approved"`
	ClientID   string            `json:"client_id"`
	ClientName map[string]string `json:"client_name"`
	Claims     []string          `json:"claims"`
	Level      int               `json:"level"`
}

// ApproveLogin approves a web sign-in whose QR code the app scanned
// (payload), confirming with the account's password.
func (c *Client) ApproveLogin(ctx context.Context, payload, password string) (LoginApproval, error) {
	var out LoginApproval
	err := c.do(ctx, http.MethodPost, "/api/v1/app/sso/qr/approve", map[string]string{"payload": payload, "password": password}, &out)
	return out, err
}

// UsageRecord is one use of the e-ID with a relying party.
type UsageRecord struct {
	ID         int64          `json:"id"`
	At         string         `json:"at"`
	Kind       string         `json:"kind"`
	ClientID   string         `json:"client_id"`
	ClientName string         `json:"client_name"`
	Detail     map[string]any `json:"detail"`
}

// Usage lists the citizen's usage records, newest first, before the
// cursor (0: from the newest).
func (c *Client) Usage(ctx context.Context, before int64, limit int) ([]UsageRecord, error) {
	q := url.Values{}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Records []UsageRecord `json:"records"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/app/sso/usage?"+q.Encode(), nil, &out)
	return out.Records, err
}

// Consent is one relying party the citizen agreed to share data with.
type Consent struct {
	ClientID   string   `json:"client_id"`
	ClientName string   `json:"client_name"`
	Purpose    string   `json:"purpose"`
	Scopes     []string `json:"scopes"`
	Claims     []string `json:"claims"`
	GrantedAt  string   `json:"granted_at"`
}

// Consents lists the citizen's consents.
func (c *Client) Consents(ctx context.Context) ([]Consent, error) {
	var out struct {
		Consents []Consent `json:"consents"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/app/sso/consents", nil, &out)
	return out.Consents, err
}

// RevokeConsent withdraws a consent; the relying party's tokens stop
// working.
func (c *Client) RevokeConsent(ctx context.Context, clientID string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/app/sso/consents/"+url.PathEscape(clientID), nil, nil)
}
