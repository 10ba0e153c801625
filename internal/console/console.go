// Package console serves the review console: the web pages where officers
// of the Ministry of Public Security sign in with a password and a TOTP
// code, see the level-1 e-ID dossiers waiting in their units, open the
// evidence of one dossier side by side and approve or reject it. Pages are
// rendered on the server with html/template in Vietnamese with English; they
// use no JavaScript and load nothing from outside the console, so they work
// on a locked-down desk PC.
package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/officer"
)

//go:embed templates/*.html static/console.css
var assets embed.FS

// Prefix is the path under which the console lives; the server mounts the
// Handler there.
const Prefix = "/console/"

// Cookie names. Every cookie is HttpOnly, SameSite=Strict and limited to
// Prefix.
const (
	sessionCookie = "vneid_console"       // the officer session token
	loginCookie   = "vneid_console_login" // a nonce binding the login form's CSRF token
	flashCookie   = "vneid_console_flash" // the outcome of the last decision, shown once
)

// contentSecurityPolicy allows the embedded stylesheet and inline data:
// images, and nothing else: no script, no frame, no external resource.
const contentSecurityPolicy = "default-src 'none'; img-src data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'"

const (
	maxFormBytes = 64 << 10 // largest form body read
	queueLimit   = 500      // most dossiers listed at once
	loginTTL     = 30 * time.Minute
)

// Failures of the console itself; the services supply the rest.
var (
	errCSRF = failure.New("console_csrf", failure.Forbidden,
		"Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.",
		"The form has expired or is not valid. Please reload the page and try again.")
	errNotReviewer = failure.New("console_not_reviewer", failure.Forbidden,
		"Tài khoản của bạn không có quyền xét duyệt hồ sơ định danh điện tử.",
		"Your account does not have the reviewer role.")
	errPageNotFound = failure.New("console_not_found", failure.NotFound,
		"Không tìm thấy trang yêu cầu.", "The page does not exist.")
	errBadForm = failure.New("console_bad_form", failure.Invalid,
		"Biểu mẫu gửi lên không hợp lệ.", "The form sent is not valid.")
	errInternal = failure.New("internal", failure.Internal,
		"Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.", "Something went wrong on our side. Please try again later.")
)

// Options configure a Handler.
type Options struct {
	// Officers signs officers in and resolves their sessions.
	Officers *officer.Service
	// EID lists, opens and decides dossiers.
	EID *eid.Service
	// Logger receives errors, never personal data; default slog.Default().
	Logger *slog.Logger
	// Secure marks cookies Secure: set it when the console is served over
	// TLS (directly or behind a TLS-terminating proxy).
	Secure bool
	// ClientIP returns the client's address for the audit log; default the
	// host of the request's RemoteAddr.
	ClientIP func(*http.Request) string
	// AllowLogin, if set, is asked before every sign-in attempt with the
	// client's address; a failure it returns (e.g. a rate limit) is shown
	// instead of trying the credentials.
	AllowLogin func(ctx context.Context, clientIP string) error
	// CSRFKey, if set (at least 32 bytes), keys the CSRF tokens, so that
	// several instances behind one load balancer accept each other's forms.
	// By default every Handler draws a random key.
	CSRFKey []byte
}

// Handler serves the console under Prefix. It is safe for concurrent use.
type Handler struct {
	officers   *officer.Service
	eid        *eid.Service
	log        *slog.Logger
	secure     bool
	clientIP   func(*http.Request) string
	allowLogin func(context.Context, string) error
	key        []byte
	loc        *time.Location
	pages      map[string]*template.Template
	css        []byte
	mux        *http.ServeMux
	origin     *http.CrossOriginProtection
}

// New returns a console Handler.
func New(o Options) (*Handler, error) {
	if o.Officers == nil || o.EID == nil {
		return nil, errors.New("console: the officer and e-ID services are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ClientIP == nil {
		o.ClientIP = remoteHost
	}
	key := o.CSRFKey
	switch {
	case len(key) == 0:
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("console: CSRF key: %w", err)
		}
	case len(key) < 32:
		return nil, fmt.Errorf("console: CSRF key is %d bytes, want at least 32", len(key))
	default:
		key = append([]byte(nil), key...)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	css, err := assets.ReadFile("static/console.css")
	if err != nil {
		return nil, fmt.Errorf("console: stylesheet: %w", err)
	}
	loc := o.EID.Config().Location
	if loc == nil {
		loc = time.FixedZone("ICT", 7*3600)
	}
	h := &Handler{officers: o.Officers, eid: o.EID, log: o.Logger, secure: o.Secure, clientIP: o.ClientIP,
		allowLogin: o.AllowLogin, key: key, loc: loc, pages: pages, css: css, mux: http.NewServeMux(),
		origin: http.NewCrossOriginProtection()}
	h.routes()
	return h, nil
}

// parsePages parses each page with the shared layout.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"login", "queue", "dossier", "error"} {
		t, err := template.ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console: parse template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (h *Handler) routes() {
	h.mux.HandleFunc("GET /console/{$}", h.root)
	h.mux.HandleFunc("GET /console/login", h.loginForm)
	h.mux.HandleFunc("POST /console/login", h.login)
	h.mux.HandleFunc("POST /console/logout", h.signedIn("", h.logout))
	h.mux.HandleFunc("GET /console/queue", h.signedIn(officer.RoleReviewer, h.queue))
	h.mux.HandleFunc("GET /console/dossiers/{id}", h.signedIn(officer.RoleReviewer, h.dossier))
	h.mux.HandleFunc("POST /console/dossiers/{id}/approve", h.signedIn(officer.RoleReviewer, h.approve))
	h.mux.HandleFunc("POST /console/dossiers/{id}/reject", h.signedIn(officer.RoleReviewer, h.reject))
	h.mux.HandleFunc("GET /console/static/console.css", h.stylesheet)
	h.mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) { h.fail(w, r, nil, errPageNotFound) })
}

// ServeHTTP sets the security headers every console response carries and
// routes the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) stylesheet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(h.css)
}

// remoteHost is the default ClientIP: the host part of RemoteAddr.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// setCookie writes one of the console's cookies; a negative maxAge deletes
// it and zero makes it last until the browser closes.
func (h *Handler) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: maxAge, HttpOnly: true,
		Secure: h.secure, SameSite: http.SameSiteStrictMode})
}

// mac is a keyed hash of parts, used for CSRF tokens and flash messages.
func (h *Handler) mac(parts ...string) string {
	m := hmac.New(sha256.New, h.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfToken is the CSRF token of a session: an HMAC of its ID.
func (h *Handler) csrfToken(sessionID string) string { return h.mac("csrf", sessionID) }

// loginToken is the CSRF token of the login form, bound to the nonce in
// loginCookie.
func (h *Handler) loginToken(nonce string) string { return h.mac("login", nonce) }

// sameMAC compares a token received with the expected one in constant time.
func sameMAC(want, got string) bool {
	return got != "" && hmac.Equal([]byte(want), []byte(got))
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("console: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// parseForm reads a url-encoded form body of at most maxFormBytes.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return errBadForm.WithCause(fmt.Errorf("parse form: %w", err))
	}
	return nil
}

// statusOf maps a failure kind to its HTTP status, as the API does.
func statusOf(k failure.Kind) int { return api.StatusOf(k) }
