package sso

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/store"
)

// Relying-party kinds: a state body may receive the public subject
// identifier; every other relying party gets a pairwise one.
const (
	KindState    = "state"
	KindBusiness = "business"
)

// Application types.
const (
	TypeWeb    = "web"    // a server-side application that keeps a secret or a key
	TypeNative = "native" // a mobile or desktop application: public, PKCE required
	TypeSPA    = "spa"    // a browser application: public, PKCE required
)

// Client authentication methods at the token, revocation and
// introspection endpoints.
const (
	AuthSecretBasic   = "client_secret_basic"
	AuthPrivateKeyJWT = "private_key_jwt"
	AuthNone          = "none"
)

// Access token formats.
const (
	TokenOpaque = "opaque" // encrypted reference, checked by introspection
	TokenJWT    = "jwt"    // RFC 9068-style signed token
)

// Scopes a relying party may be allowed, besides openid. Each gives the
// claims listed in docs/sso.md.
const (
	ScopeProfile    = "profile"     // name, given_name, family_name, birthdate, gender
	ScopePersonalID = "personal_id" // personal_id, preferred_username: the 12-digit number
	ScopeAddress    = "address"     // the permanent residence
	ScopePortrait   = "portrait"    // the ID-card portrait (data URI)
	// ScopeDocuments releases the documents synchronised into a level-2
	// account's wallet (health insurance, driving licences, vehicles, tax
	// code) that are valid at the time of the request.
	ScopeDocuments = "documents"
	ScopeOffline   = "offline_access"
)

// KnownScopes are the scopes a registration may list.
var knownScopes = []string{ScopeProfile, ScopePersonalID, ScopeAddress, ScopePortrait, ScopeDocuments, ScopeOffline}

// Registration is a relying party's registration: what its data-sharing
// agreement with the Ministry allows and how it talks to the provider.
type Registration struct {
	Name      string `json:"name"`       // shown to citizens, Vietnamese
	NameEN    string `json:"name_en"`    // English
	Purpose   string `json:"purpose"`    // why it asks for the data, Vietnamese
	PurposeEN string `json:"purpose_en"` // English
	Kind      string `json:"kind"`       // KindState or KindBusiness
	Type      string `json:"type"`       // TypeWeb, TypeNative or TypeSPA
	// AuthMethod is how a web client authenticates; public clients use none.
	AuthMethod             string   `json:"auth_method"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty"`
	// Scopes is what the agreement allows, besides openid.
	Scopes []string `json:"scopes"`
	// Levels are the e-ID levels it may ask for (1, 2); the first is the
	// default when the request names none.
	Levels []int `json:"levels"`
	// IDTokenAlg signs its ID tokens (and JWT access tokens): RS256 (the
	// default), ES256 or EdDSA.
	IDTokenAlg        string `json:"id_token_alg,omitempty"`
	AccessTokenFormat string `json:"access_token_format,omitempty"`
	// JWKS holds its public keys, for private_key_jwt and signed request
	// objects.
	JWKS *jose.JSONWebKeySet `json:"jwks,omitempty"`
	// BackChannelLogoutURI receives logout tokens when a citizen signs out.
	BackChannelLogoutURI string `json:"backchannel_logout_uri,omitempty"`
	// RequirePAR refuses authorization requests that were not pushed first.
	RequirePAR bool `json:"require_par,omitempty"`
	// Sector names the pairwise subject's sector; default the host of the
	// first redirect URI.
	Sector string `json:"sector,omitempty"`
}

// ErrInvalidRegistration: a relying party's registration is not valid.
var ErrInvalidRegistration = failure.New("rp_invalid", failure.Invalid,
	"Đăng ký bên sử dụng không hợp lệ.", "The relying party's registration is not valid.")

// Normalize fills defaults and checks the registration.
func (r *Registration) Normalize() error {
	bad := func(field, vi, en string) error {
		return ErrInvalidRegistration.WithFields(field).WithDetail(vi, en)
	}
	r.Name, r.NameEN = strings.TrimSpace(r.Name), strings.TrimSpace(r.NameEN)
	if r.Name == "" || len(r.Name) > 200 || len(r.NameEN) > 200 {
		return bad("name", "Tên bắt buộc, tối đa 200 ký tự.", "A name of at most 200 characters is required.")
	}
	if r.NameEN == "" {
		r.NameEN = r.Name
	}
	if r.Purpose == "" || len(r.Purpose) > 500 || len(r.PurposeEN) > 500 {
		return bad("purpose", "Mục đích sử dụng dữ liệu bắt buộc, tối đa 500 ký tự.", "A purpose of at most 500 characters is required.")
	}
	if r.PurposeEN == "" {
		r.PurposeEN = r.Purpose
	}
	if r.Kind == "" {
		r.Kind = KindBusiness
	}
	if r.Kind != KindState && r.Kind != KindBusiness {
		return bad("kind", "Loại bên sử dụng là state hoặc business.", "kind is state or business.")
	}
	switch r.Type {
	case "":
		r.Type = TypeWeb
	case TypeWeb, TypeNative, TypeSPA:
	default:
		return bad("type", "Loại ứng dụng là web, native hoặc spa.", "type is web, native or spa.")
	}
	if r.Type == TypeWeb {
		if r.AuthMethod == "" {
			r.AuthMethod = AuthSecretBasic
		}
		if r.AuthMethod != AuthSecretBasic && r.AuthMethod != AuthPrivateKeyJWT {
			return bad("auth_method", "Ứng dụng web xác thực bằng client_secret_basic hoặc private_key_jwt.",
				"A web client authenticates with client_secret_basic or private_key_jwt.")
		}
	} else {
		if r.AuthMethod == "" {
			r.AuthMethod = AuthNone
		}
		if r.AuthMethod != AuthNone {
			return bad("auth_method", "Ứng dụng công khai (native, spa) không có khóa bí mật.", "Public clients (native, spa) use none.")
		}
	}
	if r.AuthMethod == AuthPrivateKeyJWT && (r.JWKS == nil || len(r.JWKS.Keys) == 0) {
		return bad("jwks", "private_key_jwt cần khóa công khai (jwks).", "private_key_jwt needs public keys (jwks).")
	}
	if r.JWKS != nil {
		for _, k := range r.JWKS.Keys {
			if !k.Valid() || !k.IsPublic() {
				return bad("jwks", "jwks chỉ chứa khóa công khai hợp lệ.", "jwks must hold valid public keys only.")
			}
			if !clientKeyUsable(k) {
				return bad("jwks", "Khóa của bên sử dụng phải là RSA (RS256, PS256) hoặc EC P-256 (ES256).",
					"Client keys must be RSA (RS256, PS256) or EC P-256 (ES256): the algorithms accepted for client assertions and request objects.")
			}
		}
	}
	if len(r.RedirectURIs) == 0 || len(r.RedirectURIs) > 20 {
		return bad("redirect_uris", "Cần từ 1 đến 20 địa chỉ chuyển hướng.", "1 to 20 redirect URIs are required.")
	}
	for _, u := range append(slices.Clone(r.RedirectURIs), r.PostLogoutRedirectURIs...) {
		if err := checkRedirect(u, r.Type); err != nil {
			return bad("redirect_uris", "Địa chỉ chuyển hướng không hợp lệ: "+err.Error(), "Invalid redirect URI: "+err.Error())
		}
	}
	if r.BackChannelLogoutURI != "" {
		if err := checkRedirect(r.BackChannelLogoutURI, TypeWeb); err != nil {
			return bad("backchannel_logout_uri", "Địa chỉ đăng xuất không hợp lệ.", "Invalid back-channel logout URI: "+err.Error())
		}
	}
	for _, s := range r.Scopes {
		if !slices.Contains(knownScopes, s) {
			return bad("scopes", "Phạm vi không được hỗ trợ: "+s, "Unsupported scope: "+s)
		}
	}
	slices.Sort(r.Scopes)
	r.Scopes = slices.Compact(r.Scopes)
	if len(r.Levels) == 0 {
		r.Levels = []int{1, 2}
	}
	for _, l := range r.Levels {
		if l != 1 && l != 2 {
			return bad("levels", "Mức định danh là 1 hoặc 2.", "Levels are 1 or 2.")
		}
	}
	switch r.IDTokenAlg {
	case "":
		r.IDTokenAlg = string(jose.RS256)
	case string(jose.RS256), string(jose.ES256), string(jose.EdDSA):
	default:
		return bad("id_token_alg", "Thuật toán ký là RS256, ES256 hoặc EdDSA.", "id_token_alg is RS256, ES256 or EdDSA.")
	}
	switch r.AccessTokenFormat {
	case "":
		r.AccessTokenFormat = TokenOpaque
	case TokenOpaque, TokenJWT:
	default:
		return bad("access_token_format", "Định dạng mã truy cập là opaque hoặc jwt.", "access_token_format is opaque or jwt.")
	}
	if r.Sector == "" {
		u, _ := url.Parse(r.RedirectURIs[0])
		r.Sector = u.Host
		if u.Host == "" { // custom scheme of a native app
			r.Sector = u.Scheme
		}
	}
	return nil
}

// clientKeyAlgs are the algorithms the library verifies client assertions
// (private_key_jwt) and request objects with.
var clientKeyAlgs = []string{string(jose.RS256), string(jose.ES256), string(jose.PS256)}

// ClientKeyAlgs lists them, for discovery.
func ClientKeyAlgs() []string { return slices.Clone(clientKeyAlgs) }

// clientKeyUsable reports whether a client's public key can verify one of
// clientKeyAlgs: an RSA key, or an EC key on P-256, whose alg (if named) is
// one of them.
func clientKeyUsable(k jose.JSONWebKey) bool {
	if k.Algorithm != "" && !slices.Contains(clientKeyAlgs, k.Algorithm) {
		return false
	}
	switch pub := k.Key.(type) {
	case *rsa.PublicKey:
		return k.Algorithm != string(jose.ES256)
	case *ecdsa.PublicKey:
		return pub.Curve == elliptic.P256() && (k.Algorithm == "" || k.Algorithm == string(jose.ES256))
	}
	return false
}

// checkRedirect accepts absolute URIs without fragments: https, http only
// on loopback (development), and custom schemes for native apps.
func checkRedirect(raw, typ string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("%q is not an absolute URI", raw)
	}
	if u.Fragment != "" {
		return fmt.Errorf("%q has a fragment", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if h := u.Hostname(); h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return fmt.Errorf("%q: http only on loopback", raw)
		}
	default:
		if typ != TypeNative {
			return fmt.Errorf("%q: scheme %s only for native apps", raw, u.Scheme)
		}
	}
	return nil
}

// Client is a registered relying party as the provider sees it.
type Client struct {
	ID string
	Registration
	SecretHash []byte
	Disabled   bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func clientFromStore(rp store.RelyingParty) (*Client, error) {
	c := &Client{ID: rp.ID, SecretHash: rp.SecretHash, Disabled: rp.State != "active", CreatedAt: rp.CreatedAt, UpdatedAt: rp.UpdatedAt}
	if err := json.Unmarshal(rp.Config, &c.Registration); err != nil {
		return nil, fmt.Errorf("relying party %s: %w", rp.ID, err)
	}
	return c, nil
}

func (c *Client) record() (store.RelyingParty, error) {
	cfg, err := json.Marshal(c.Registration)
	if err != nil {
		return store.RelyingParty{}, fmt.Errorf("relying party %s: %w", c.ID, err)
	}
	state := "active"
	if c.Disabled {
		state = "disabled"
	}
	return store.RelyingParty{ID: c.ID, Config: cfg, SecretHash: c.SecretHash, State: state, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}, nil
}

// Public reports whether the client has no secret or key (PKCE is then
// required).
func (c *Client) Public() bool { return c.Type != TypeWeb }

// MinLevel is the level asked for when a request names none.
func (c *Client) MinLevel() int { return c.Levels[0] }

// hashSecret hashes a client secret. Secrets are 256-bit random strings, so
// one SHA-256 is as strong as a slow hash and keeps the token endpoint fast.
func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte("vneid-client-secret\x00" + secret))
	return sum[:]
}

// checkSecret compares in constant time.
func (c *Client) checkSecret(secret string) bool {
	return len(c.SecretHash) > 0 && subtle.ConstantTimeCompare(hashSecret(secret), c.SecretHash) == 1
}

func newSecret() string { return base64.RawURLEncoding.EncodeToString(randomBytes(32)) }

// opClient adapts a Client to the op.Client interface.
type opClient struct {
	c        *Client
	loginURL func(string) string
	idTTL    time.Duration
}

var _ op.Client = opClient{}

func (o opClient) GetID() string                    { return o.c.ID }
func (o opClient) RedirectURIs() []string           { return o.c.RedirectURIs }
func (o opClient) PostLogoutRedirectURIs() []string { return o.c.PostLogoutRedirectURIs }
func (o opClient) ApplicationType() op.ApplicationType {
	switch o.c.Type {
	case TypeNative:
		return op.ApplicationTypeNative
	case TypeSPA:
		return op.ApplicationTypeUserAgent
	}
	return op.ApplicationTypeWeb
}
func (o opClient) AuthMethod() oidc.AuthMethod {
	switch o.c.AuthMethod {
	case AuthPrivateKeyJWT:
		return oidc.AuthMethodPrivateKeyJWT
	case AuthNone:
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (o opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (o opClient) GrantTypes() []oidc.GrantType {
	g := []oidc.GrantType{oidc.GrantTypeCode}
	if slices.Contains(o.c.Scopes, ScopeOffline) {
		g = append(g, oidc.GrantTypeRefreshToken)
	}
	return g
}
func (o opClient) LoginURL(id string) string { return o.loginURL(id) }
func (o opClient) AccessTokenType() op.AccessTokenType {
	if o.c.AccessTokenFormat == TokenJWT {
		return op.AccessTokenTypeJWT
	}
	return op.AccessTokenTypeBearer
}
func (o opClient) IDTokenLifetime() time.Duration { return o.idTTL }
func (o opClient) DevMode() bool                  { return false }
func (o opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (o opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed admits the scopes of the agreement (openid and the
// standard OIDC scopes are checked by the library).
func (o opClient) IsScopeAllowed(scope string) bool     { return slices.Contains(o.c.Scopes, scope) }
func (o opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (o opClient) ClockSkew() time.Duration             { return 0 }
