package appclient

import (
	"context"
	"encoding/base64"
	"time"
)

// Level1 is a started level-1 application.
type Level1 struct {
	ApplicationID string
	Challenge     []byte
	ExpiresAt     time.Time
	Notes         map[string][]string
}

// StartLevel1 starts "Đăng ký tài khoản định danh điện tử mức 1" and
// returns the challenge the chip must sign.
func (c *Client) StartLevel1(ctx context.Context) (Level1, error) {
	var out struct {
		ApplicationID string              `json:"application_id"`
		Challenge     string              `json:"challenge"`
		ExpiresAt     time.Time           `json:"expires_at"`
		Notes         map[string][]string `json:"notes"`
	}
	if err := c.do(ctx, "POST", "/api/v1/app/eid/level1", struct{}{}, &out); err != nil {
		return Level1{}, err
	}
	ch, err := base64.StdEncoding.DecodeString(out.Challenge)
	if err != nil {
		return Level1{}, err
	}
	return Level1{ApplicationID: out.ApplicationID, Challenge: ch, ExpiresAt: out.ExpiresAt, Notes: out.Notes}, nil
}

// Check is one check the server ran on a dossier.
type Check struct {
	Name   string   `json:"name"`
	Status string   `json:"status"`
	Score  *float64 `json:"score"`
	Fields []string `json:"fields"`
	Detail string   `json:"detail"`
}

// Submitted is the server's answer to a dossier.
type Submitted struct {
	ApplicationID string    `json:"application_id"`
	State         string    `json:"state"`
	DeadlineAt    time.Time `json:"deadline_at"`
	Checks        []Check   `json:"checks"`
	NextStep      string    `json:"next_step"`
}

// SubmitLevel1 sends the chip files, the chip's answer, the selfie and the
// card's QR.
func (c *Client) SubmitLevel1(ctx context.Context, appID string, files map[string][]byte, aaSignature, selfie []byte, qr string) (Submitted, error) {
	enc := base64.StdEncoding.EncodeToString
	in := map[string]any{"qr": qr, "aa_signature": enc(aaSignature), "selfie": enc(selfie)}
	f := map[string]string{}
	for k, v := range files {
		f[k] = enc(v)
	}
	in["files"] = f
	var out Submitted
	err := c.do(ctx, "POST", "/api/v1/app/eid/applications/"+appID+"/dossier", in, &out)
	return out, err
}

// EIDStatus is the account's e-ID state.
type EIDStatus struct {
	State         string     `json:"state"`
	Level         int        `json:"level"`
	PendingLevel  int        `json:"pending_level"`
	ActivationDue *time.Time `json:"activation_due"`
}

// EIDStatus returns the account's e-ID state.
func (c *Client) EIDStatus(ctx context.Context) (EIDStatus, error) {
	var out EIDStatus
	err := c.do(ctx, "GET", "/api/v1/app/eid", nil, &out)
	return out, err
}

// Activate activates an approved e-ID and returns the level now in force.
func (c *Client) Activate(ctx context.Context) (int, error) {
	var out struct {
		Level int `json:"level"`
	}
	err := c.do(ctx, "POST", "/api/v1/app/eid/activate", struct{}{}, &out)
	return out.Level, err
}

// Notice is an inbox notification.
type Notice struct {
	ID        int64             `json:"id"`
	Kind      string            `json:"kind"`
	Title     map[string]string `json:"title"`
	Body      map[string]string `json:"body"`
	CreatedAt time.Time         `json:"created_at"`
	Read      bool              `json:"read"`
}

// Notifications lists the in-app inbox.
func (c *Client) Notifications(ctx context.Context) ([]Notice, error) {
	var out struct {
		Notifications []Notice `json:"notifications"`
	}
	err := c.do(ctx, "GET", "/api/v1/app/notifications", nil, &out)
	return out.Notifications, err
}

// Raw calls any route with the client's token, for tools and tests.
func (c *Client) Raw(ctx context.Context, method, path string, in, out any) error {
	return c.do(ctx, method, path, in, out)
}
