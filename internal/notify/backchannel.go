package notify

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// BackChannelSender posts OpenID Connect back-channel logout tokens
// (OpenID Connect Back-Channel Logout 1.0 §2.5) to relying parties: the
// message's recipient is the logout URI and its body the token. A 4xx
// answer other than 429 is permanent; anything else is retried.
type BackChannelSender struct {
	Client *http.Client // default: 10 s timeout, no redirects
}

// Send posts one logout token.
func (b BackChannelSender) Send(ctx context.Context, m store.OutboxMessage) error {
	c := b.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	form := url.Values{"logout_token": {m.Body}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Recipient, strings.NewReader(form))
	if err != nil {
		return fmt.Errorf("%w: back-channel logout: %v", ErrPermanent, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("back-channel logout: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
		return fmt.Errorf("%w: back-channel logout: %s", ErrPermanent, resp.Status)
	}
	return fmt.Errorf("back-channel logout: %s", resp.Status)
}
