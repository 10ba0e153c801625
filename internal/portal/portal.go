// Package portal serves the citizen web portal (vneid.gov.vn): a citizen
// signs in through the provider's single sign-on pages (ID number,
// password and SMS code, or the app scanning a QR code) and then sees and
// controls their e-ID from a computer: the e-ID card and the wallet's
// documents (behind the passcode), the usage history, the relying parties
// they consented to, their sessions and device, the account lock, the
// password and passcode, and the notifications inbox.
//
// Pages are server-rendered HTML (html/template), Vietnamese first with an
// English version of every page (?lang=en, remembered in a cookie), with
// no script: they work with a keyboard, a screen reader and a phone.
//
// The portal is a relying party of the provider like any other (client
// PortalClientID: public, PKCE, no data scopes): /portal/login starts an
// authorization request and /portal/callback redeems the code in process.
// Its session is the provider's single sign-on session, whose cookie is
// shared with the sign-in pages, so signing out here signs out there.
package portal

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/wallet"
)

// Prefix is where the portal is served.
const Prefix = "/portal"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Accounts is what the portal needs of the account service.
type Accounts interface {
	WebPrincipal(ctx context.Context, accountID, sessionID string) (account.Principal, error)
	Profile(ctx context.Context, c account.Caller, p account.Principal) (account.Profile, error)
	Sessions(ctx context.Context, p account.Principal) ([]store.LiveSession, error)
	EndAppSession(ctx context.Context, c account.Caller, p account.Principal, id string) error
	Device(ctx context.Context, p account.Principal) (account.BoundDevice, error)
	UnlinkDevice(ctx context.Context, c account.Caller, p account.Principal, deviceID, password string) error
	ChangePassword(ctx context.Context, c account.Caller, p account.Principal, current, newPassword string) error
	ConfirmPassword(ctx context.Context, c account.Caller, p account.Principal, password string) error
}

// SSO is what the portal needs of the single sign-on provider.
type SSO interface {
	SessionByToken(ctx context.Context, token string) (*sso.Session, error)
	EndSession(ctx context.Context, c account.Caller, sessionID string) error
	EndOwnSession(ctx context.Context, c account.Caller, accountID, sessionID string) error
	SearchUsage(ctx context.Context, accountID string, f sso.UsageFilter) ([]sso.Usage, error)
	UsageClients(ctx context.Context, accountID string) ([]sso.NamedClient, error)
	ListConsents(ctx context.Context, accountID string) ([]sso.ConsentView, error)
	RevokeConsent(ctx context.Context, ip, accountID, clientID string) error
}

// Wallet is what the portal needs of the wallet.
type Wallet interface {
	Unlock(ctx context.Context, c account.Caller, p account.Principal, passcode string) (wallet.Unlocked, error)
	Wallet(ctx context.Context, c account.Caller, p account.Principal, unlock string) (wallet.View, error)
	SetPasscode(ctx context.Context, c account.Caller, p account.Principal, password, passcode string) error
}

// Locks is what the portal needs of the locking service.
type Locks interface {
	SelfLock(ctx context.Context, c account.Caller, p account.Principal, reason string) (store.AccountLock, error)
}

// Inbox lists a citizen's notifications.
type Inbox interface {
	Inbox(ctx context.Context, accountID string, limit int) ([]store.InboxMessage, error)
}

// Options configure the Handler.
type Options struct {
	Accounts Accounts
	SSO      SSO
	Wallet   Wallet
	Locks    Locks
	Inbox    Inbox
	// Provider serves the provider's endpoints; the portal redeems its
	// authorization codes at TokenURL through it, in process.
	Provider http.Handler
	TokenURL string
	// Issuer is the provider's issuer URL (PUBLIC_URL/oidc); PublicURL the
	// site's address (the portal is at PublicURL/portal).
	Issuer, PublicURL string
	// ClientSecret authenticates the portal's client (sso.PortalClientID)
	// at the token endpoint.
	ClientSecret string
	// SessionCookie names the provider's session cookie.
	SessionCookie string
	Logger        *slog.Logger
	// ClientIP resolves the caller's address (behind trusted proxies).
	ClientIP func(*http.Request) string
	// Secure marks cookies Secure (behind HTTPS).
	Secure bool
	// CSRFKey keys the form tokens (the same on every instance).
	CSRFKey []byte
	// Now is the clock (time.Now by default).
	Now func() time.Time
}

// Handler serves the portal under Prefix.
type Handler struct {
	o      Options
	pages  map[string]*template.Template
	mux    *http.ServeMux
	prot   *http.CrossOriginProtection
	static http.Handler
}

// New returns the portal's handler.
func New(o Options) (*Handler, error) {
	if o.Accounts == nil || o.SSO == nil || o.Wallet == nil || o.Locks == nil || o.Inbox == nil || o.Provider == nil {
		return nil, errors.New("portal: a service is missing")
	}
	if o.Issuer == "" || o.TokenURL == "" || o.PublicURL == "" || o.SessionCookie == "" || o.ClientSecret == "" {
		return nil, errors.New("portal: issuer, public URL, client secret and session cookie are required")
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ClientIP == nil {
		o.ClientIP = func(r *http.Request) string {
			if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
				return host
			}
			return r.RemoteAddr
		}
	}
	if len(o.CSRFKey) == 0 {
		o.CSRFKey = make([]byte, 32)
		_, _ = rand.Read(o.CSRFKey)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	h := &Handler{o: o, pages: pages, mux: http.NewServeMux(), prot: http.NewCrossOriginProtection(),
		static: http.StripPrefix(Prefix+"/static/", http.FileServerFS(sub))}
	h.routes()
	return h, nil
}

// RedirectURI is the portal's OpenID Connect redirect URI.
func (h *Handler) RedirectURI() string { return h.o.PublicURL + Prefix + "/callback" }

// HomeURL is the portal's home page, where a sign-out lands.
func (h *Handler) HomeURL() string { return h.o.PublicURL + Prefix + "/" }

// ServeHTTP serves a page with the security headers; a panic becomes the
// generic error page, never a stack trace.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' "+
		originOf(h.o.Issuer)+"; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if h.o.Secure {
		hd.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.o.Logger.Error("portal page panicked", "path", r.URL.Path, "panic", fmt.Sprint(v))
			h.fail(w, r, nil, fmt.Errorf("panic"))
		}
	}()
	if strings.HasPrefix(r.URL.Path, Prefix+"/static/") {
		hd.Set("Cache-Control", "public, max-age=3600")
		h.static.ServeHTTP(w, r)
		return
	}
	h.prot.Handler(h.mux).ServeHTTP(w, r)
}

func originOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return u[:i+3+j]
		}
	}
	return u
}

// Lang is a page's language.
type Lang string

// Languages.
const (
	VI Lang = "vi"
	EN Lang = "en"
)

const langCookie = "vneid_lang"

// lang is the page's language: ?lang= (remembered), the cookie, or
// Vietnamese.
func (h *Handler) lang(w http.ResponseWriter, r *http.Request) Lang {
	if q := r.URL.Query().Get("lang"); q == "vi" || q == "en" {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
			Secure: h.o.Secure, SameSite: http.SameSiteLaxMode})
		return Lang(q)
	}
	if c, err := r.Cookie(langCookie); err == nil && c.Value == "en" {
		return EN
	}
	return VI
}

// signedIn is a request's citizen.
type signedIn struct {
	p      account.Principal
	sso    *sso.Session
	cookie string
}

// session returns the request's signed-in citizen, or nil.
func (h *Handler) session(r *http.Request) (*signedIn, error) {
	c, err := r.Cookie(h.o.SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	se, err := h.o.SSO.SessionByToken(r.Context(), c.Value)
	if err != nil || se == nil {
		return nil, err
	}
	p, err := h.o.Accounts.WebPrincipal(r.Context(), se.AccountID, se.ID)
	if err != nil {
		return nil, err
	}
	return &signedIn{p: p, sso: se, cookie: c.Value}, nil
}

// csrf is the form token of a signed-in browser: an HMAC of its session
// cookie, so a form only posts back from the browser it was shown in.
func (h *Handler) csrf(cookie string) string {
	m := hmac.New(sha256.New, h.o.CSRFKey)
	m.Write([]byte("vneid-portal-form\x00" + cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (h *Handler) checkCSRF(r *http.Request, s *signedIn) bool {
	got := r.PostFormValue("csrf")
	return got != "" && hmac.Equal([]byte(got), []byte(h.csrf(s.cookie)))
}

func (h *Handler) caller(r *http.Request) account.Caller { return account.Caller{IP: h.o.ClientIP(r)} }

// page is what every template gets.
type page struct {
	L       Lang
	Title   [2]string
	Nav     string // the current section
	Path    string // this page's path, for the language switch
	CSRF    string
	Name    string // the signed-in citizen's ID number, masked
	Level   int
	Flash   [2]string
	Data    any
	Problem *problem
}

type problem struct {
	Code       string
	VI, EN     string
	Status     int
	RetryAfter time.Duration
	SignIn     bool // offer to sign in again
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, p page) {
	t, ok := h.pages[name]
	if !ok {
		panic("portal: no page " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "page", p); err != nil {
		h.o.Logger.Error("portal page", "page", name, "err", err)
		http.Error(w, "Đã xảy ra lỗi hệ thống / Something went wrong", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders the error page for err: its status, code and Vietnamese and
// English message; unexpected errors are logged and shown generically.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *signedIn, err error) {
	pr := &problem{Code: "internal", Status: http.StatusInternalServerError,
		VI: "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.", EN: "Something went wrong on our side. Please try again later."}
	if f := failure.As(err); f != nil && f.Kind != failure.Internal {
		pr.Code, pr.VI, pr.EN, pr.Status, pr.RetryAfter = f.Code, f.VI, f.EN, api.StatusOf(f.Kind), f.RetryAfter
	} else {
		h.o.Logger.Error("portal request failed", "path", r.URL.Path, "err", err)
	}
	switch pr.Code {
	case account.ErrUnauthenticated.Code, account.ErrAccountLocked.Code:
		pr.SignIn = true
	}
	if pr.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int((pr.RetryAfter+time.Second-1)/time.Second)))
	}
	p := page{L: h.lang(w, r), Title: [2]string{"Không thực hiện được", "Could not be done"}, Path: r.URL.Path, Problem: pr}
	if s != nil {
		p.CSRF, p.Name, p.Level = h.csrf(s.cookie), s.p.Account.IDNumber, s.p.Account.Level
	}
	h.render(w, pr.Status, "error", p)
}

// recorder is the response of the in-process token request.
type recorder struct {
	hdr    http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header {
	if r.hdr == nil {
		r.hdr = http.Header{}
	}
	return r.hdr
}
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
