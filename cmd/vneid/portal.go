package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/portal"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/ssoweb"
	"github.com/vneid/vneid/internal/wallet"
)

// portalDeps are what the citizen portal is built from.
type portalDeps struct {
	accounts *account.Service
	eid      *eid.Service
	sso      *sso.Service
	provider http.Handler
	wallet   *wallet.Service
	locks    *locking.Service
	clientIP func(*http.Request) string
	secure   bool
	csrfKey  []byte
	// secret returns a server-wide secret (store.SecretQueries).
	secret func(ctx context.Context, name string, fresh []byte) ([]byte, error)
	log    *slog.Logger
}

// mountPortal registers the portal's client at the provider and serves the
// portal at /portal (and / in a browser). A portal that cannot be set up
// (a public address the provider refuses as a redirect URI, e.g. plain
// http off loopback) is logged and left out; the rest of the server runs.
func mountPortal(ctx context.Context, mux *http.ServeMux, d portalDeps) {
	issuer := d.sso.Issuer()
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	secret, err := d.secret(ctx, "portal-client-secret", []byte(base64.RawURLEncoding.EncodeToString(fresh)))
	if err != nil {
		d.log.Warn("citizen portal not served", "err", err)
		return
	}
	public := strings.TrimSuffix(issuer, ssoweb.Prefix)
	h, err := portal.New(portal.Options{Accounts: d.accounts, SSO: d.sso, Wallet: d.wallet, Locks: d.locks, Inbox: d.eid,
		Provider: d.provider, TokenURL: issuer + ssoweb.TokenPath, Issuer: issuer, PublicURL: public, SessionCookie: ssoweb.SessionCookie, Logger: d.log,
		ClientIP: d.clientIP, Secure: d.secure, CSRFKey: d.csrfKey, ClientSecret: string(secret)})
	if err == nil {
		err = d.sso.EnsurePortalClient(ctx, h.RedirectURI(), h.HomeURL(), string(secret))
	}
	if err != nil {
		d.log.Warn("citizen portal not served", "err", err)
		return
	}
	mux.Handle(portal.Prefix, h)
	mux.Handle(portal.Prefix+"/", h)
	mux.Handle("GET /{$}", http.RedirectHandler(portal.Prefix+"/", http.StatusFound))
	d.log.Info("citizen portal", "url", h.HomeURL())
}
