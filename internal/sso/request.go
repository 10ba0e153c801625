package sso

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vneid/vneid/internal/store"
)

// Levels and their acr values. The issued acr is LoA1 or LoA2; requests
// may also use the decree's names.
const (
	ACRLevel1 = "LoA1"
	ACRLevel2 = "LoA2"
)

var acrAliases = map[string]int{
	"LoA1": 1, "LoA2": 2,
	"muc-1": 1, "muc-2": 2, // Decree 59 Art 12: mức độ 1, mức độ 2
	"urn:vneid:loa:1": 1, "urn:vneid:loa:2": 2,
}

// ACRValues lists the acr values the provider understands, for discovery.
func ACRValues() []string {
	return []string{ACRLevel1, ACRLevel2, "muc-1", "muc-2", "urn:vneid:loa:1", "urn:vneid:loa:2"}
}

// LevelFromACR returns the level an acr value names, or 0.
func LevelFromACR(v string) int { return acrAliases[v] }

// ACR returns the acr value of a level.
func ACR(level int) string {
	if level >= 2 {
		return ACRLevel2
	}
	return ACRLevel1
}

// Authentication method references (RFC 8176) the provider issues.
const (
	amrPassword = "pwd"
	amrSMS      = "sms"
	amrMFA      = "mfa"
	amrSoftKey  = "swk" // the app's device key
)

// authRequest is a pending authorization request, kept as JSON in
// store.SSORequest.Data. It is the op.AuthRequest the library works with.
type authRequest struct {
	ID            string              `json:"id"`
	ClientID      string              `json:"client_id"`
	RedirectURI   string              `json:"redirect_uri"`
	State         string              `json:"state,omitempty"`
	Nonce         string              `json:"nonce,omitempty"`
	Scopes        []string            `json:"scopes"`
	ResponseType  oidc.ResponseType   `json:"response_type"`
	ResponseMode  oidc.ResponseMode   `json:"response_mode,omitempty"`
	CodeChallenge *oidc.CodeChallenge `json:"code_challenge,omitempty"`
	Prompt        []string            `json:"prompt,omitempty"`
	MaxAge        *uint               `json:"max_age,omitempty"`
	LoginHint     string              `json:"login_hint,omitempty"`
	HintSubject   string              `json:"hint_subject,omitempty"` // from id_token_hint
	Level         int                 `json:"level"`                  // required level
	UILocales     []string            `json:"ui_locales,omitempty"`
	CreatedAt     time.Time           `json:"created_at"`

	// Set by the sign-in.
	AccountID string    `json:"account_id,omitempty"`
	Subject   string    `json:"subject,omitempty"`
	SessionID string    `json:"session_id,omitempty"`
	AuthTime  time.Time `json:"auth_time,omitzero"`
	AMR       []string  `json:"amr,omitempty"`
	ACR       string    `json:"acr,omitempty"`
	Finished  bool      `json:"done,omitempty"`

	// QR sign-in: the nonce the QR's secret derives from, and the account
	// that approved it in the app.
	QRNonce   string    `json:"qr_nonce,omitempty"`
	QRAccount string    `json:"qr_account,omitempty"`
	QRAMR     []string  `json:"qr_amr,omitempty"`
	QRAt      time.Time `json:"qr_at,omitzero"`

	// Exchanged is set once the code was exchanged; a replay then revokes
	// what it gave.
	Exchanged bool `json:"exchanged,omitempty"`

	// PAR: a pushed request waiting for its request_uri to be used.
	Pushed string `json:"pushed,omitempty"` // the pushed parameters (form-encoded)
}

var _ op.AuthRequest = (*authRequest)(nil)

func (a *authRequest) GetID() string                         { return a.ID }
func (a *authRequest) GetACR() string                        { return a.ACR }
func (a *authRequest) GetAMR() []string                      { return a.AMR }
func (a *authRequest) GetAudience() []string                 { return []string{a.ClientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.AuthTime }
func (a *authRequest) GetClientID() string                   { return a.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.CodeChallenge }
func (a *authRequest) GetNonce() string                      { return a.Nonce }
func (a *authRequest) GetRedirectURI() string                { return a.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.ResponseMode }
func (a *authRequest) GetScopes() []string                   { return a.Scopes }
func (a *authRequest) GetState() string                      { return a.State }
func (a *authRequest) GetSubject() string                    { return a.Subject }
func (a *authRequest) Done() bool                            { return a.Finished }

// family names every token that descends from this request.
func (a *authRequest) family() string { return a.ID }

// sessionData is store.SSOSession.Data.
type sessionData struct {
	AMR      []string  `json:"amr"`
	AuthTime time.Time `json:"auth_time"`
}

// tokenData is store.SSOToken.Data.
type tokenData struct {
	Subject     string    `json:"sub"`
	Scopes      []string  `json:"scopes"`
	AuthTime    time.Time `json:"auth_time"`
	AMR         []string  `json:"amr,omitempty"`
	ACR         string    `json:"acr,omitempty"`
	FamilyStart time.Time `json:"family_start"`
}

// grant is a refresh-token request: what a refresh token stands for. It is
// the op.RefreshTokenRequest the library works with.
type grant struct {
	tokenID   string
	clientID  string
	accountID string
	sessionID string
	family    string
	data      tokenData
}

var _ op.RefreshTokenRequest = (*grant)(nil)

func (g *grant) GetAMR() []string                 { return g.data.AMR }
func (g *grant) GetAudience() []string            { return []string{g.clientID} }
func (g *grant) GetAuthTime() time.Time           { return g.data.AuthTime }
func (g *grant) GetClientID() string              { return g.clientID }
func (g *grant) GetScopes() []string              { return g.data.Scopes }
func (g *grant) GetSubject() string               { return g.data.Subject }
func (g *grant) SetCurrentScopes(scopes []string) { g.data.Scopes = scopes }

func decodeRequest(r store.SSORequest) (*authRequest, error) {
	var a authRequest
	if err := json.Unmarshal(r.Data, &a); err != nil {
		return nil, fmt.Errorf("sso request %s: %w", r.ID, err)
	}
	return &a, nil
}

func decodeToken(t store.SSOToken) (tokenData, error) {
	var d tokenData
	if err := json.Unmarshal(t.Data, &d); err != nil {
		return d, fmt.Errorf("sso token %s: %w", t.ID, err)
	}
	return d, nil
}

// requiredLevel returns the level an authorization request needs: the
// lowest level among its recognised acr values (any of them satisfies the
// relying party), or the client's default. Values the client is not
// allowed fail.
func requiredLevel(c *Client, acrValues []string) (int, error) {
	level := 0
	for _, v := range acrValues {
		l := LevelFromACR(v)
		if l == 0 {
			continue
		}
		if !slices.Contains(c.Levels, l) {
			return 0, oidc.ErrInvalidRequest().WithDescription("acr value %s is not allowed for this client", v)
		}
		if level == 0 || l < level {
			level = l
		}
	}
	if level == 0 {
		level = c.MinLevel()
	}
	return level, nil
}

// scopeClaims lists, for the consent screen and the usage records, the
// attributes each scope releases.
var scopeClaims = map[string][]string{
	ScopeProfile:    {"name", "given_name", "family_name", "birthdate", "gender"},
	ScopePersonalID: {"personal_id", "preferred_username"},
	ScopeAddress:    {"address"},
	ScopePortrait:   {"portrait"},
	ScopeDocuments:  {"documents"},
}

// dataScopes returns the scopes of a request that release personal data.
func dataScopes(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		if _, ok := scopeClaims[s]; ok {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// claimNames lists the claims the scopes release, for usage records.
func claimNames(scopes []string) []string {
	var out []string
	for _, s := range dataScopes(scopes) {
		out = append(out, scopeClaims[s]...)
	}
	return out
}
