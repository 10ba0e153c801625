package sso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/store"
)

// Exchange is the per-request state the protocol endpoints share with the
// storage: the client the request authenticated as (its signing algorithm
// applies to the tokens signed during the request) and the browser's
// sign-in session (for logout). WithExchange puts one in a context.
type Exchange struct {
	client    *Client
	SessionID string // the sign-in session of the browser, if any
	IP        string
}

type exchangeKey struct{}

// WithExchange returns ctx carrying a fresh Exchange.
func WithExchange(ctx context.Context, ip, sessionID string) context.Context {
	return context.WithValue(ctx, exchangeKey{}, &Exchange{IP: ip, SessionID: sessionID})
}

func exchangeFrom(ctx context.Context) *Exchange {
	if e, ok := ctx.Value(exchangeKey{}).(*Exchange); ok {
		return e
	}
	return &Exchange{}
}

// Storage is the op.Storage the library calls.
type Storage struct{ s *Service }

// Storage returns the provider's op.Storage.
func (s *Service) Storage() *Storage { return &Storage{s} }

var (
	_ op.Storage                        = (*Storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*Storage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*Storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*Storage)(nil)
)

// notFound is the error the library maps to "not found".
type notFoundError struct{ error }

func (notFoundError) IsNotFound() {}

// Client returns a registered, enabled relying party.
func (s *Service) Client(ctx context.Context, id string) (*Client, error) {
	if id == "" || len(id) > 100 {
		return nil, ErrClientNotFound
	}
	rp, err := s.st.RelyingParty(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrClientNotFound
	}
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	return clientFromStore(rp)
}

func (s *Service) activeClient(ctx context.Context, id string) (*Client, error) {
	c, err := s.Client(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Disabled {
		return nil, ErrClientNotFound
	}
	return c, nil
}

// --- requests and codes ---

func (s *Service) putRequest(ctx context.Context, q store.Queries, a *authRequest, codeHash []byte, expires time.Time) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("sso request: %w", err)
	}
	return q.PutSSORequest(ctx, store.SSORequest{ID: a.ID, ClientID: a.ClientID, CodeHash: codeHash, Data: b, ExpiresAt: expires})
}

func (s *Service) request(ctx context.Context, id string) (*authRequest, store.SSORequest, error) {
	if id == "" || len(id) > 64 {
		return nil, store.SSORequest{}, ErrRequestNotFound
	}
	row, err := s.st.SSORequest(ctx, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, row, ErrRequestNotFound
	}
	if err != nil {
		return nil, row, failure.Unexpected(err)
	}
	a, err := decodeRequest(row)
	if err != nil || a.Pushed != "" {
		return nil, row, ErrRequestNotFound
	}
	return a, row, nil
}

// CreateAuthRequest stores a validated authorization request.
func (st *Storage) CreateAuthRequest(ctx context.Context, r *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	s := st.s
	c, err := s.activeClient(ctx, r.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithParent(err)
	}
	level, err := requiredLevel(c, r.ACRValues)
	if err != nil {
		return nil, err
	}
	a := &authRequest{ID: newID(), ClientID: r.ClientID, RedirectURI: r.RedirectURI, State: r.State, Nonce: r.Nonce,
		Scopes: r.Scopes, ResponseType: r.ResponseType, ResponseMode: r.ResponseMode, Prompt: r.Prompt, MaxAge: r.MaxAge,
		LoginHint: r.LoginHint, HintSubject: userID, Level: level, CreatedAt: s.now()}
	if r.CodeChallenge != "" {
		a.CodeChallenge = &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}
	}
	for _, l := range r.UILocales {
		a.UILocales = append(a.UILocales, l.String())
	}
	if err := s.putRequest(ctx, s.st, a, nil, s.now().Add(s.cfg.RequestTTL)); err != nil {
		return nil, err
	}
	return a, nil
}

// AuthRequestByID returns a pending request.
func (st *Storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	a, _, err := st.s.request(ctx, id)
	if err != nil {
		return nil, notFoundError{err}
	}
	return a, nil
}

// AuthRequestByCode returns the request a code was issued for. A code
// presented again after its exchange revokes every token it gave.
func (st *Storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s := st.s
	row, err := s.st.SSORequestByCode(ctx, hashToken("code", code), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFoundError{errors.New("code not found")}
	}
	if err != nil {
		return nil, err
	}
	a, err := decodeRequest(row)
	if err != nil {
		return nil, err
	}
	if a.Exchanged {
		s.revokeFamily(ctx, a.AccountID, a.ClientID, a.family(), "code_replay")
		return nil, oidc.ErrInvalidGrant().WithDescription("the code was already used; its tokens are revoked")
	}
	return a, nil
}

// SaveAuthCode attaches the code to the request; it lives CodeTTL.
func (st *Storage) SaveAuthCode(ctx context.Context, id, code string) error {
	s := st.s
	a, _, err := s.request(ctx, id)
	if err != nil {
		return err
	}
	return s.putRequest(ctx, s.st, a, hashToken("code", code), s.now().Add(s.cfg.CodeTTL))
}

// DeleteAuthRequest ends a request. One whose code was exchanged is kept,
// marked, until the code expires, to recognise a replay.
func (st *Storage) DeleteAuthRequest(ctx context.Context, id string) error {
	s := st.s
	row, err := s.st.SSORequest(ctx, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	a, err := decodeRequest(row)
	if err != nil {
		return err
	}
	if len(row.CodeHash) == 0 {
		return s.st.DeleteSSORequest(ctx, id)
	}
	a.Exchanged = true
	return s.putRequest(ctx, s.st, a, row.CodeHash, row.ExpiresAt)
}

// --- tokens ---

// claimCode makes sure a code is exchanged once, across instances, even
// when two exchanges race.
func (s *Service) claimCode(ctx context.Context, a *authRequest) error {
	exp := a.CreatedAt.Add(s.cfg.RequestTTL + s.cfg.CodeTTL)
	n, err := s.st.Hit(ctx, "sso-code:"+a.ID, a.CreatedAt, exp)
	if err != nil {
		return err
	}
	if n > 1 {
		s.revokeFamily(ctx, a.AccountID, a.ClientID, a.family(), "code_replay")
		return oidc.ErrInvalidGrant().WithDescription("the code was already used; its tokens are revoked")
	}
	return nil
}

type issue struct {
	clientID, accountID, sessionID, family string
	data                                   tokenData
	first                                  bool // from a code: record the release
}

func (s *Service) issueFrom(ctx context.Context, req op.TokenRequest) (issue, error) {
	switch r := req.(type) {
	case *authRequest:
		if err := s.claimCode(ctx, r); err != nil {
			return issue{}, err
		}
		return issue{clientID: r.ClientID, accountID: r.AccountID, sessionID: r.SessionID, family: r.family(), first: true,
			data: tokenData{Subject: r.Subject, Scopes: r.Scopes, AuthTime: r.AuthTime, AMR: r.AMR, ACR: r.ACR, FamilyStart: s.now()}}, nil
	case *grant:
		return issue{clientID: r.clientID, accountID: r.accountID, sessionID: r.sessionID, family: r.family, data: r.data}, nil
	}
	return issue{}, fmt.Errorf("sso: unsupported token request %T", req)
}

func (s *Service) putToken(ctx context.Context, q store.Queries, kind string, hash []byte, in issue, expires time.Time) (string, error) {
	id := newID()
	b, err := json.Marshal(in.data)
	if err != nil {
		return "", err
	}
	now := s.now()
	err = q.PutSSOToken(ctx, store.SSOToken{ID: id, Kind: kind, Hash: hash, Family: in.family, ClientID: in.clientID,
		AccountID: in.accountID, SessionID: in.sessionID, Data: b, CreatedAt: now, ExpiresAt: expires})
	return id, err
}

// release records, with the first tokens of a login, what was released.
func (s *Service) release(ctx context.Context, q store.Queries, in issue, ip string) error {
	if !in.first {
		return nil
	}
	return s.usage(ctx, q, in.accountID, in.clientID, "release", ip, map[string]any{
		"claims": claimNames(in.data.Scopes), "acr": in.data.ACR, "via": "token"})
}

// CreateAccessToken issues an access token without a refresh token.
func (st *Storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	s := st.s
	in, err := s.issueFrom(ctx, req)
	if err != nil {
		return "", time.Time{}, err
	}
	exp := s.now().Add(s.cfg.AccessTokenTTL)
	var id string
	err = s.st.InTx(ctx, func(q store.Queries) error {
		var err error
		if id, err = s.putToken(ctx, q, "access", nil, in, exp); err != nil {
			return err
		}
		return s.release(ctx, q, in, exchangeFrom(ctx).IP)
	})
	return id, exp, err
}

// CreateAccessAndRefreshTokens issues an access token and a refresh token;
// with currentRefreshToken it rotates that token, which then cannot be
// used again.
func (st *Storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	s := st.s
	in, err := s.issueFrom(ctx, req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	now := s.now()
	exp := now.Add(s.cfg.AccessTokenTTL)
	refresh := newToken()
	refreshExp := in.data.FamilyStart.Add(s.cfg.RefreshTTL)
	var accessID string
	reused := false
	err = s.st.InTx(ctx, func(q store.Queries) error {
		reused = false
		if current != "" {
			old, err := q.SSOTokenByHash(ctx, hashToken("refresh", current))
			if err != nil {
				return err
			}
			if err := q.UseSSOToken(ctx, old.ID, now); errors.Is(err, store.ErrConflict) {
				reused = true
				return nil
			} else if err != nil {
				return err
			}
		}
		var err error
		if accessID, err = s.putToken(ctx, q, "access", nil, in, exp); err != nil {
			return err
		}
		if _, err = s.putToken(ctx, q, "refresh", hashToken("refresh", refresh), in, refreshExp); err != nil {
			return err
		}
		return s.release(ctx, q, in, exchangeFrom(ctx).IP)
	})
	if err != nil {
		return "", "", time.Time{}, err
	}
	if reused {
		s.revokeFamily(ctx, in.accountID, in.clientID, in.family, "refresh_reuse")
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token already used; the grant is revoked")
	}
	return accessID, refresh, exp, nil
}

// revokeFamily revokes every token of a grant after a replay and audits
// it.
func (s *Service) revokeFamily(ctx context.Context, accountID, clientID, family, reason string) {
	err := s.st.InTx(ctx, func(q store.Queries) error {
		n, err := q.RevokeSSOTokens(ctx, store.SSOTokenFilter{Family: family}, s.now())
		if err != nil {
			return err
		}
		return s.audit(ctx, q, "client:"+clientID, "sso.grant_revoked", "", reason,
			map[string]any{"account": accountID, "family": family, "tokens": n})
	})
	if err != nil {
		s.log.Error("revoke token family", "err", err, "client", clientID)
	}
}

// TokenRequestByRefreshToken returns what a refresh token stands for. A
// token already rotated revokes its whole family (reuse detection); a
// locked account or a disabled client cannot refresh.
func (st *Storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	s := st.s
	t, err := s.st.SSOTokenByHash(ctx, hashToken("refresh", token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, op.ErrInvalidRefreshToken
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if t.Kind != "refresh" || !t.RevokedAt.IsZero() || !now.Before(t.ExpiresAt) {
		return nil, op.ErrInvalidRefreshToken
	}
	if !t.UsedAt.IsZero() {
		s.revokeFamily(ctx, t.AccountID, t.ClientID, t.Family, "refresh_reuse")
		return nil, oidc.ErrInvalidGrant().WithDescription("refresh token already used; the grant is revoked")
	}
	if _, err := s.activeClient(ctx, t.ClientID); err != nil {
		return nil, op.ErrInvalidRefreshToken
	}
	a, err := s.st.Account(ctx, t.AccountID)
	if err != nil {
		return nil, err
	}
	if a.State != store.AccountActive {
		return nil, oidc.ErrInvalidGrant().WithDescription("the account is locked")
	}
	d, err := decodeToken(t)
	if err != nil {
		return nil, err
	}
	return &grant{tokenID: t.ID, clientID: t.ClientID, accountID: t.AccountID, sessionID: t.SessionID, family: t.Family, data: d}, nil
}

// GetRefreshTokenInfo returns the subject and ID of a client's refresh
// token, for revocation.
func (st *Storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := st.s.st.SSOTokenByHash(ctx, hashToken("refresh", token))
	if err != nil || t.ClientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	d, err := decodeToken(t)
	if err != nil {
		return "", "", err
	}
	return d.Subject, t.ID, nil
}

// RevokeToken revokes a token (RFC 7009): a refresh token with its whole
// grant, an access token alone. Another client's token is left alone.
func (st *Storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	s := st.s
	if !utf8.ValidString(tokenOrID) || len(tokenOrID) > 4096 {
		return nil // not one of ours: unknown tokens are "revoked" (RFC 7009 2.2)
	}
	t, err := s.st.SSOToken(ctx, tokenOrID)
	if errors.Is(err, store.ErrNotFound) {
		// A refresh token sent with the wrong token_type_hint arrives as
		// its value.
		t, err = s.st.SSOTokenByHash(ctx, hashToken("refresh", tokenOrID))
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil // unknown tokens are "revoked" (RFC 7009 2.2)
	}
	if err != nil {
		s.log.Error("token revocation failed", "client", clientID, "err", err)
		return oidc.ErrServerError().WithParent(err)
	}
	if t.ClientID != clientID {
		return oidc.ErrInvalidRequest().WithDescription("the token was issued to another client")
	}
	f := store.SSOTokenFilter{ID: t.ID}
	if t.Kind == "refresh" {
		f = store.SSOTokenFilter{Family: t.Family}
	}
	err = s.st.InTx(ctx, func(q store.Queries) error {
		if _, err := q.RevokeSSOTokens(ctx, f, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, q, "client:"+clientID, "sso.token_revoked", "", "revocation", map[string]any{"kind": t.Kind})
	})
	if err != nil {
		s.log.Error("token revocation failed", "client", clientID, "err", err)
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

// --- keys ---

// SigningKey returns the key for the algorithm of the client the request
// authenticated as (RS256 by default).
func (st *Storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	alg := jose.RS256
	if c := exchangeFrom(ctx).client; c != nil {
		alg = jose.SignatureAlgorithm(c.IDTokenAlg)
	}
	return st.s.keys.Signing(ctx, alg)
}

// SignatureAlgorithms lists the algorithms tokens may be signed with.
func (st *Storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return algorithms, nil
}

// KeySet returns the published keys.
func (st *Storage) KeySet(ctx context.Context) ([]op.Key, error) { return st.s.keys.Published(ctx) }

// --- clients ---

// GetClientByClientID returns an enabled relying party and remembers it for
// the request's signing algorithm.
func (st *Storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := st.s.activeClient(ctx, id)
	if err != nil {
		return nil, notFoundError{err}
	}
	exchangeFrom(ctx).client = c
	return opClient{c: c, loginURL: st.s.loginAt, idTTL: st.s.cfg.IDTokenTTL}, nil
}

// AuthorizeClientIDSecret checks a client secret.
// Wrong secrets count towards the client-auth lockouts; a locked-out
// address or client is refused as invalid_client too (the token endpoint's
// errors are OAuth's, not problem documents).
func (st *Storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	var c *Client
	ok, err := st.s.checkClientSecret(ctx, exchangeFrom(ctx).IP, id, func() bool {
		var err error
		c, err = st.s.activeClient(ctx, id)
		return err == nil && c.AuthMethod == AuthSecretBasic && c.checkSecret(secret)
	})
	if f := failure.As(err); f != nil && f.Kind == failure.RateLimited {
		return oidc.ErrInvalidClient().WithDescription("too many failed client authentications; try again later")
	}
	if err != nil {
		return err
	}
	if !ok {
		return oidc.ErrInvalidClient().WithDescription("client authentication failed")
	}
	exchangeFrom(ctx).client = c
	return nil
}

// GetKeyByIDAndClientID returns a client's public key, for private_key_jwt
// and signed request objects.
func (st *Storage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, err := st.s.activeClient(ctx, clientID)
	if err != nil || c.JWKS == nil {
		return nil, oidc.ErrInvalidClient().WithDescription("no keys for the client")
	}
	exchangeFrom(ctx).client = c
	for i, k := range c.JWKS.Keys {
		if k.KeyID == keyID || keyID == "" && len(c.JWKS.Keys) == 1 {
			return &c.JWKS.Keys[i], nil
		}
	}
	return nil, oidc.ErrInvalidClient().WithDescription("unknown key %s", keyID)
}

// ValidateJWTProfileScopes: the JWT bearer grant is not offered.
func (st *Storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

// Health checks the store.
func (st *Storage) Health(ctx context.Context) error { return st.s.st.Ping(ctx) }

// --- claims ---

// SetUserinfoFromScopes does nothing: claims are set from the request
// (SetUserinfoFromRequest), which knows the account.
func (st *Storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims: the session ID and
// the claims of the scopes that the library leaves in the ID token.
func (st *Storage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	s := st.s
	var accountID, sessionID string
	switch r := req.(type) {
	case *authRequest:
		accountID, sessionID = r.AccountID, r.SessionID
	case *grant:
		accountID, sessionID = r.accountID, r.sessionID
		// The library takes acr only from an authorization request; an ID
		// token issued on refresh keeps the level of the sign-in.
		if r.data.ACR != "" {
			ui.AppendClaims("acr", r.data.ACR)
		}
	default:
		return fmt.Errorf("sso: unsupported ID token request %T", req)
	}
	ui.Subject = req.GetSubject() // the library copies the userinfo's subject into the token
	if sessionID != "" {
		ui.AppendClaims("sid", sessionID)
	}
	if len(dataScopes(scopes)) == 0 {
		return nil
	}
	return s.fillClaims(ctx, ui, accountID, req.GetClientID(), scopes, "id_token")
}

// SetUserinfoFromToken answers the userinfo endpoint: the claims of the
// token's scopes, read from the population database now; the release is a
// usage record and the read is audited.
func (st *Storage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	s := st.s
	t, d, err := s.liveToken(ctx, tokenID)
	if err != nil {
		return err
	}
	ui.Subject = d.Subject
	if err := s.fillClaims(ctx, ui, t.AccountID, t.ClientID, d.Scopes, "userinfo"); err != nil {
		return err
	}
	return nil
}

// liveToken returns an access token that is neither revoked nor expired,
// of an account that is not locked.
func (s *Service) liveToken(ctx context.Context, id string) (store.SSOToken, tokenData, error) {
	t, err := s.st.SSOToken(ctx, id)
	if err != nil || t.Kind != "access" || !t.RevokedAt.IsZero() || !s.now().Before(t.ExpiresAt) {
		return t, tokenData{}, oidc.ErrInvalidRequest().WithDescription("the token is not active")
	}
	a, err := s.st.Account(ctx, t.AccountID)
	if err != nil || a.State != store.AccountActive {
		return t, tokenData{}, oidc.ErrInvalidRequest().WithDescription("the token is not active")
	}
	d, err := decodeToken(t)
	return t, d, err
}

// SetIntrospectionFromToken answers introspection for the client the token
// was issued to; no personal data is returned besides the subject.
func (st *Storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	s := st.s
	t, d, err := s.liveToken(ctx, tokenID)
	if err != nil {
		return err
	}
	if t.ClientID != clientID {
		return oidc.ErrInvalidRequest().WithDescription("the token was issued to another client")
	}
	resp.Active = true
	resp.Subject = d.Subject
	resp.ClientID = t.ClientID
	resp.Scope = d.Scopes
	resp.Audience = []string{t.ClientID}
	resp.Expiration = oidc.FromTime(t.ExpiresAt)
	resp.IssuedAt = oidc.FromTime(t.CreatedAt)
	resp.AuthTime = oidc.FromTime(d.AuthTime)
	resp.AuthenticationMethodsReferences = d.AMR
	resp.TokenType = oidc.BearerToken
	resp.JWTID = t.ID
	if d.ACR != "" {
		resp.Claims = map[string]any{"acr": d.ACR}
	}
	return nil
}

// GetPrivateClaimsFromScopes: JWT access tokens carry acr via
// GetPrivateClaimsFromRequest instead.
func (st *Storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetPrivateClaimsFromRequest adds acr to JWT access tokens; personal data
// never goes into access tokens.
func (st *Storage) GetPrivateClaimsFromRequest(_ context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	switch r := req.(type) {
	case *authRequest:
		return map[string]any{"acr": r.ACR}, nil
	case *grant:
		return map[string]any{"acr": r.data.ACR}, nil
	}
	return nil, nil
}

func hasScope(scopes []string, s string) bool { return slices.Contains(scopes, s) }
