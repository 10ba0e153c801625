package sso

import (
	"context"
	"encoding/json"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// backChannelEvent is the logout token's event (Back-Channel Logout 1.0
// §2.4).
const backChannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutToken signs a back-channel logout token for a client with its
// algorithm: iss, aud, iat, exp (2 min), jti, sub, sid and the event; no
// nonce.
func (s *Service) logoutToken(ctx context.Context, c *Client, accountID, sessionID string) (string, error) {
	k, err := s.keys.Signing(ctx, jose.SignatureAlgorithm(c.IDTokenAlg))
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: jose.JSONWebKey{Key: k.private, KeyID: k.id}},
		(&jose.SignerOptions{}).WithType("logout+jwt"))
	if err != nil {
		return "", fmt.Errorf("logout token: %w", err)
	}
	now := s.now()
	claims := map[string]any{"iss": s.issuer, "aud": c.ID, "iat": now.Unix(), "exp": now.Unix() + 120,
		"jti": newID(), "sub": s.Subject(c, accountID), "sid": sessionID,
		"events": map[string]any{backChannelEvent: map[string]any{}}}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("logout token: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("logout token: %w", err)
	}
	return jws.CompactSerialize()
}
