package sso

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"

	"github.com/go-jose/go-jose/v4"

	"github.com/vneid/vneid/internal/failure"
)

// ErrClientAuth: a relying party's client ID or secret is wrong, or the
// party is disabled.
var ErrClientAuth = failure.New("client_auth_failed", failure.Unauthenticated,
	"Xác thực bên sử dụng không thành công (mã ứng dụng hoặc khóa bí mật không đúng, hoặc đã bị vô hiệu hóa).",
	"The relying party could not be authenticated (wrong client ID or secret, or the client is disabled).")

// AuthenticateClient checks a relying party's client ID and secret, for the
// APIs relying parties call outside the OpenID Connect protocol (the
// presentation verification API), from the address ip. Only clients
// registered with a secret qualify. Failures count towards the client-auth
// lockouts (ClientAuthFailPerIP, ClientAuthFailPerClient).
func (s *Service) AuthenticateClient(ctx context.Context, ip, id, secret string) (*Client, error) {
	if id == "" || secret == "" || len(id) > 200 || len(secret) > 200 {
		return nil, ErrClientAuth
	}
	var c *Client
	var lookupErr error
	ok, err := s.checkClientSecret(ctx, ip, id, func() bool {
		c, lookupErr = s.activeClient(ctx, id)
		if lookupErr != nil {
			var f *failure.Error
			if errors.As(lookupErr, &f) && f.Kind == failure.Internal {
				return true // not the caller's failure; answered below
			}
			_ = hashSecret(secret) // the same work as for a known client
			return false
		}
		return c.checkSecret(secret)
	})
	if err != nil {
		return nil, err
	}
	var f *failure.Error
	if errors.As(lookupErr, &f) && f.Kind == failure.Internal {
		return nil, lookupErr
	}
	if !ok {
		return nil, ErrClientAuth
	}
	return c, nil
}

// SigningKey returns the key that signs with alg now (ES256, EdDSA or
// RS256): its key ID and signer. Presentations are signed with the ES256
// key, whose signatures are the shortest that every verifier supports.
func (s *Service) SigningKey(ctx context.Context, alg string) (kid string, signer crypto.Signer, err error) {
	k, err := s.keys.Signing(ctx, jose.SignatureAlgorithm(alg))
	if err != nil {
		return "", nil, failure.Unexpected(err)
	}
	return k.id, k.private, nil
}

// JWKS returns the published keys as a JSON Web Key Set (RFC 7517): every
// key not yet expired, successors included. It is what the provider's
// jwks_uri serves.
func (s *Service) JWKS(ctx context.Context) ([]byte, error) {
	keys, err := s.keys.snapshot(ctx)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	now := s.keys.now()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, k := range keys {
		if now.Before(k.expireAt) {
			set.Keys = append(set.Keys, k.public)
		}
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	return b, nil
}
