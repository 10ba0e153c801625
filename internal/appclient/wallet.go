package appclient

import (
	"context"
	"net/http"
	"net/url"
)

// SetPasscode sets the wallet's 6-digit passcode, confirmed with the
// account's password.
func (c *Client) SetPasscode(ctx context.Context, password, passcode string) error {
	return c.do(ctx, http.MethodPut, "/api/v1/app/wallet/passcode", map[string]string{"password": password, "passcode": passcode}, nil)
}

// Unlock opens the wallet with the passcode; the client sends the token
// with every wallet call until it expires.
func (c *Client) Unlock(ctx context.Context, passcode string) error {
	var out struct {
		Token string `json:"wallet_token"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/app/wallet/unlock", map[string]string{"passcode": passcode}, &out); err != nil {
		return err
	}
	c.WalletToken = out.Token
	return nil
}

// WalletClaim is one attribute of a wallet document.
type WalletClaim struct {
	Name    string `json:"name"`
	Value   any    `json:"value"`
	LabelVI string `json:"label_vi"`
	LabelEN string `json:"label_en"`
}

// WalletDocument is one document in the wallet.
type WalletDocument struct {
	Kind    string        `json:"kind"`
	Number  string        `json:"number"`
	LabelVI string        `json:"label_vi"`
	LabelEN string        `json:"label_en"`
	Status  string        `json:"status"`
	Valid   bool          `json:"valid"`
	Claims  []WalletClaim `json:"claims"`
}

// Wallet is the open wallet.
type Wallet struct {
	EID struct {
		Level   int           `json:"level"`
		Claims  []WalletClaim `json:"claims"`
		History []struct {
			Number     string `json:"number"`
			Chip       bool   `json:"chip"`
			IssueDate  string `json:"issue_date"`
			ExpiryDate string `json:"expiry_date"`
			Status     string `json:"status"`
		} `json:"card_history"`
	} `json:"eid"`
	Documents []WalletDocument `json:"documents"`
}

// Wallet returns the wallet; Unlock first.
func (c *Client) Wallet(ctx context.Context) (Wallet, error) {
	var out Wallet
	err := c.do(ctx, http.MethodGet, "/api/v1/app/wallet", nil, &out)
	return out, err
}

// WalletDocument returns one document of the wallet; Unlock first.
func (c *Client) WalletDocument(ctx context.Context, kind, number string) (WalletDocument, error) {
	var out WalletDocument
	err := c.do(ctx, http.MethodGet, "/api/v1/app/wallet/documents/"+url.PathEscape(kind)+"/"+url.PathEscape(number), nil, &out)
	return out, err
}

// IntegrationRequest is a request to add a document to the wallet.
type IntegrationRequest struct {
	ID         string   `json:"id"`
	Kind       string   `json:"kind"`
	Number     string   `json:"number"`
	Channel    string   `json:"channel"`
	State      string   `json:"state"`
	ReasonCode string   `json:"reason_code"`
	ReasonVI   string   `json:"reason_vi"`
	ReasonEN   string   `json:"reason_en"`
	Documents  []string `json:"documents"`
}

// RequestIntegration asks to integrate a document (number may be empty for
// every document of the kind); consent must be given.
func (c *Client) RequestIntegration(ctx context.Context, kind, number string, consent bool) (IntegrationRequest, error) {
	var out IntegrationRequest
	err := c.do(ctx, http.MethodPost, "/api/v1/app/wallet/requests", map[string]any{"kind": kind, "number": number, "consent": consent}, &out)
	return out, err
}

// IntegrationRequests lists the citizen's integration requests.
func (c *Client) IntegrationRequests(ctx context.Context) ([]IntegrationRequest, error) {
	var out struct {
		Requests []IntegrationRequest `json:"requests"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/app/wallet/requests", nil, &out)
	return out.Requests, err
}

// PresentItem is one document to present, with the attributes to disclose
// (all when Claims is empty).
type PresentItem struct {
	Kind   string   `json:"kind"`
	Number string   `json:"number,omitempty"`
	Claims []string `json:"claims,omitempty"`
}

// PresentRequest asks for a presentation.
type PresentRequest struct {
	Items      []PresentItem `json:"items"`
	TTLSeconds int           `json:"ttl_seconds,omitempty"`
	Nonce      string        `json:"nonce,omitempty"`
	Audience   string        `json:"audience,omitempty"`
	QR         bool          `json:"qr,omitempty"`
}

// Presentation is a signed presentation.
type Presentation struct {
	ID           string `json:"id"`
	Presentation string `json:"presentation"`
	IssuedAt     string `json:"issued_at"`
	ExpiresAt    string `json:"expires_at"`
	Size         int    `json:"size"`
	QRPNG        string `json:"qr_png"` // base64, when asked for
}

// Present asks for a presentation; Unlock first.
func (c *Client) Present(ctx context.Context, req PresentRequest) (Presentation, error) {
	var out Presentation
	err := c.do(ctx, http.MethodPost, "/api/v1/app/wallet/presentations", req, &out)
	return out, err
}

// RevokePresentation withdraws a presentation.
func (c *Client) RevokePresentation(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/app/wallet/presentations/"+url.PathEscape(id), nil, nil)
}
