package sso

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/store"
)

var clientIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// ErrInvalidClientID: a client ID is 3–64 lower-case letters, digits, dots,
// dashes or underscores.
var ErrInvalidClientID = ErrInvalidRegistration.WithFields("client_id").WithDetail(
	"Mã bên sử dụng gồm 3–64 chữ thường, chữ số, dấu chấm, gạch ngang hoặc gạch dưới.",
	"A client ID is 3–64 lower-case letters, digits, dots, dashes or underscores.")

// Registered is a new or updated client; Secret is shown once (empty for
// public and private_key_jwt clients).
type Registered struct {
	Client *Client
	Secret string
}

// RegisterClient registers a relying party under id (generated when
// empty); actor is the administrator, for the audit log.
func (s *Service) RegisterClient(ctx context.Context, actor, id string, reg Registration) (Registered, error) {
	if id == "" {
		id = "rp-" + newID()[:16]
	}
	if !clientIDPattern.MatchString(id) {
		return Registered{}, ErrInvalidClientID
	}
	if err := reg.Normalize(); err != nil {
		return Registered{}, err
	}
	now := s.now()
	c := &Client{ID: id, Registration: reg, CreatedAt: now, UpdatedAt: now}
	var secret string
	if reg.AuthMethod == AuthSecretBasic {
		secret = newSecret()
		c.SecretHash = hashSecret(secret)
	}
	err := s.st.InTx(ctx, func(q store.Queries) error {
		if _, err := q.RelyingParty(ctx, id); err == nil {
			return ErrClientExists
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return s.putClient(ctx, q, actor, "sso.client_registered", c)
	})
	if err != nil {
		return Registered{}, failure.Unexpected(err)
	}
	return Registered{Client: c, Secret: secret}, nil
}

func (s *Service) putClient(ctx context.Context, q store.Queries, actor, action string, c *Client) error {
	rec, err := c.record()
	if err != nil {
		return err
	}
	if err := q.PutRelyingParty(ctx, rec); err != nil {
		return err
	}
	return s.audit(ctx, q, actor, action, "", "rp_admin", map[string]any{"client": c.ID})
}

// UpdateClient replaces a relying party's registration. A client that
// moves to client_secret_basic gets a new secret.
func (s *Service) UpdateClient(ctx context.Context, actor, id string, reg Registration) (Registered, error) {
	if err := reg.Normalize(); err != nil {
		return Registered{}, err
	}
	c, err := s.Client(ctx, id)
	if err != nil {
		return Registered{}, err
	}
	var secret string
	if reg.AuthMethod == AuthSecretBasic && c.AuthMethod != AuthSecretBasic {
		secret = newSecret()
		c.SecretHash = hashSecret(secret)
	} else if reg.AuthMethod != AuthSecretBasic {
		c.SecretHash = nil
	}
	c.Registration, c.UpdatedAt = reg, s.now()
	if err := s.st.InTx(ctx, func(q store.Queries) error { return s.putClient(ctx, q, actor, "sso.client_updated", c) }); err != nil {
		return Registered{}, failure.Unexpected(err)
	}
	return Registered{Client: c, Secret: secret}, nil
}

// RotateSecret gives a client_secret_basic client a new secret; the old one
// stops working at once.
func (s *Service) RotateSecret(ctx context.Context, actor, id string) (Registered, error) {
	c, err := s.Client(ctx, id)
	if err != nil {
		return Registered{}, err
	}
	if c.AuthMethod != AuthSecretBasic {
		return Registered{}, ErrInvalidRegistration.WithFields("auth_method").WithDetail(
			"Bên sử dụng này không xác thực bằng khóa bí mật.", "This client does not authenticate with a secret.")
	}
	secret := newSecret()
	c.SecretHash, c.UpdatedAt = hashSecret(secret), s.now()
	if err := s.st.InTx(ctx, func(q store.Queries) error { return s.putClient(ctx, q, actor, "sso.client_secret_rotated", c) }); err != nil {
		return Registered{}, failure.Unexpected(err)
	}
	return Registered{Client: c, Secret: secret}, nil
}

// SetClientDisabled disables (revoking every token it holds) or enables a
// relying party.
func (s *Service) SetClientDisabled(ctx context.Context, actor, id string, disabled bool) (*Client, error) {
	c, err := s.Client(ctx, id)
	if err != nil {
		return nil, err
	}
	c.Disabled, c.UpdatedAt = disabled, s.now()
	action := "sso.client_enabled"
	if disabled {
		action = "sso.client_disabled"
	}
	err = s.st.InTx(ctx, func(q store.Queries) error {
		if err := s.putClient(ctx, q, actor, action, c); err != nil {
			return err
		}
		if !disabled {
			return nil
		}
		_, err := q.RevokeSSOTokens(ctx, store.SSOTokenFilter{ClientID: c.ID}, s.now())
		return err
	})
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	return c, nil
}

// ListClients returns every relying party.
func (s *Service) ListClients(ctx context.Context) ([]*Client, error) {
	rows, err := s.st.ListRelyingParties(ctx)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	out := make([]*Client, 0, len(rows))
	for _, r := range rows {
		c, err := clientFromStore(r)
		if err != nil {
			return nil, failure.Unexpected(err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Usage is one usage record as the citizen reads it.
type Usage struct {
	ID         int64          `json:"id"`
	At         string         `json:"at"`
	Kind       string         `json:"kind"`
	ClientID   string         `json:"client_id"`
	ClientName string         `json:"client_name"`
	Detail     map[string]any `json:"detail,omitempty"`
}

// ListUsage returns a citizen's usage records, newest first, before the
// cursor (0: newest).
func (s *Service) ListUsage(ctx context.Context, accountID string, before int64, limit int) ([]Usage, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	rows, err := s.st.ListUsage(ctx, accountID, before, limit)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	names := map[string]string{}
	out := make([]Usage, 0, len(rows))
	for _, r := range rows {
		name, ok := names[r.ClientID]
		if r.ClientID == "" {
			name, ok = "VNeID", true // the system itself (a presentation made in the app)
		}
		if !ok {
			if c, err := s.Client(ctx, r.ClientID); err == nil {
				name = c.Name
			}
			names[r.ClientID] = name
		}
		u := Usage{ID: r.ID, At: r.At.UTC().Format("2006-01-02T15:04:05Z"), Kind: r.Kind, ClientID: r.ClientID, ClientName: name}
		if r.Detail != "" && r.Detail != "null" {
			_ = json.Unmarshal([]byte(r.Detail), &u.Detail)
		}
		out = append(out, u)
	}
	return out, nil
}

// ConsentView is one consent as the citizen reads it.
type ConsentView struct {
	ClientID   string   `json:"client_id"`
	ClientName string   `json:"client_name"`
	Purpose    string   `json:"purpose"`
	Scopes     []string `json:"scopes"`
	Claims     []string `json:"claims"`
	GrantedAt  string   `json:"granted_at"`
}

// ListConsents returns what the citizen agreed to share, by relying party.
func (s *Service) ListConsents(ctx context.Context, accountID string) ([]ConsentView, error) {
	rows, err := s.st.ListConsents(ctx, accountID)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	out := make([]ConsentView, 0, len(rows))
	for _, r := range rows {
		v := ConsentView{ClientID: r.ClientID, Scopes: r.Scopes, Claims: claimNames(r.Scopes), GrantedAt: r.GrantedAt.UTC().Format("2006-01-02T15:04:05Z")}
		if c, err := s.Client(ctx, r.ClientID); err == nil {
			v.ClientName, v.Purpose = c.Name, c.Purpose
		}
		out = append(out, v)
	}
	return out, nil
}

// RevokeConsent withdraws a consent: the relying party's tokens for the
// citizen are revoked and the next sign-in asks again.
func (s *Service) RevokeConsent(ctx context.Context, ip, accountID, clientID string) error {
	err := s.st.InTx(ctx, func(q store.Queries) error {
		if err := q.DeleteConsent(ctx, accountID, clientID); errors.Is(err, store.ErrNotFound) {
			return ErrConsentNotFound
		} else if err != nil {
			return err
		}
		if _, err := q.RevokeSSOTokens(ctx, store.SSOTokenFilter{AccountID: accountID, ClientID: clientID}, s.now()); err != nil {
			return err
		}
		return s.usage(ctx, q, accountID, clientID, "consent_revoked", ip, nil)
	})
	return failure.Unexpected(err)
}
