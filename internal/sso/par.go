package sso

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/store"
)

// RequestURIPrefix starts the request_uri of a pushed authorization
// request (RFC 9126).
const RequestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// CheckAuthRequest applies the provider's rules to an authorization
// request beyond the library's: openid is required; every other scope must
// be in the client's agreement (a scope beyond it is refused, not dropped);
// public clients must use PKCE, and only S256 is accepted; a client that
// requires PAR must have pushed the request; the acr values must be levels
// the client may ask for.
func (s *Service) CheckAuthRequest(ctx context.Context, r *oidc.AuthRequest, pushed bool) error {
	c, err := s.activeClient(ctx, r.ClientID)
	if err != nil {
		return oidc.ErrInvalidRequestRedirectURI().WithDescription("unknown client")
	}
	if !slices.Contains(r.Scopes, oidc.ScopeOpenID) {
		return oidc.ErrInvalidScope().WithDescription("the openid scope is required")
	}
	for _, sc := range r.Scopes {
		if sc != oidc.ScopeOpenID && !slices.Contains(c.Scopes, sc) {
			return oidc.ErrInvalidScope().WithDescription("scope %s is beyond the client's data-sharing agreement", sc)
		}
	}
	if r.CodeChallenge == "" && c.Public() {
		return oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with S256) is required for public clients")
	}
	if r.CodeChallenge != "" && r.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return oidc.ErrInvalidRequest().WithDescription("only the S256 code_challenge_method is supported")
	}
	if c.RequirePAR && !pushed {
		return oidc.ErrInvalidRequest().WithDescription("this client must push its authorization requests (PAR)")
	}
	if _, err := requiredLevel(c, r.ACRValues); err != nil {
		return err
	}
	return nil
}

// clientAuthParams are not kept with a pushed request.
var clientAuthParams = []string{"client_secret", "client_assertion", "client_assertion_type"}

// Push keeps the parameters of a pushed authorization request (already
// authenticated and checked) for PARTTL and returns its request_uri.
func (s *Service) Push(ctx context.Context, clientID string, params url.Values) (string, int, error) {
	params = cloneValues(params)
	for _, p := range clientAuthParams {
		params.Del(p)
	}
	id := "par-" + newID()
	b, err := json.Marshal(authRequest{ID: id, ClientID: clientID, Pushed: params.Encode(), CreatedAt: s.now()})
	if err != nil {
		return "", 0, failure.Unexpected(err)
	}
	exp := s.now().Add(s.cfg.PARTTL)
	if err := s.st.PutSSORequest(ctx, store.SSORequest{ID: id, ClientID: clientID, Data: b, ExpiresAt: exp}); err != nil {
		return "", 0, failure.Unexpected(err)
	}
	return RequestURIPrefix + id, int(s.cfg.PARTTL.Seconds()), nil
}

// TakePushed returns, once, the parameters of a pushed request for the
// client that pushed it.
func (s *Service) TakePushed(ctx context.Context, requestURI, clientID string) (url.Values, error) {
	id, ok := strings.CutPrefix(requestURI, RequestURIPrefix)
	if !ok || !strings.HasPrefix(id, "par-") || len(id) > 64 {
		return nil, oidc.ErrInvalidRequest().WithDescription("unknown request_uri")
	}
	row, err := s.st.SSORequest(ctx, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, oidc.ErrInvalidRequest().WithDescription("request_uri unknown, used or expired")
	}
	if err != nil {
		return nil, err
	}
	if row.ClientID != clientID {
		return nil, oidc.ErrInvalidRequest().WithDescription("request_uri belongs to another client")
	}
	if err := s.st.DeleteSSORequest(ctx, id); errors.Is(err, store.ErrNotFound) {
		return nil, oidc.ErrInvalidRequest().WithDescription("request_uri already used")
	} else if err != nil {
		return nil, err
	}
	a, err := decodeRequest(row)
	if err != nil {
		return nil, err
	}
	return url.ParseQuery(a.Pushed)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
