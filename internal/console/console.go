// Package console serves the officers' console: the web pages where officers
// of the Ministry of Public Security sign in with a password and a TOTP
// code. Reviewers see the e-ID dossiers waiting in their units, open the
// evidence of one dossier side by side and approve or reject it; desk
// officers receive citizens for a level-2 e-ID at the enrolment desk (find
// the citizen, take the portrait, fingerprints and consent, submit the
// dossier). Pages are rendered on the server with html/template in
// Vietnamese with English and load nothing from outside the console, so
// they work on a locked-down desk PC. Only the desk's application page runs
// a script (the console's own, for the webcam and the signature pad), and
// every step also works without it through file inputs.
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
	"mime/multipart"
	"net"
	"net/http"
	"time"

	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/officer"
)

//go:embed templates/*.html static/console.css static/desk.js
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

// deskContentSecurityPolicy is the policy of the desk's application page:
// contentSecurityPolicy plus the console's own script (desk.js, for the
// webcam and the signature pad). The webcam stream is attached with
// srcObject and the captures are read from canvases, so no media or blob:
// source is needed.
const deskContentSecurityPolicy = "default-src 'none'; img-src data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'"

// deskPermissionsPolicy lets the desk's application page, and nothing
// else, ask for the camera.
const deskPermissionsPolicy = "camera=(self), microphone=(), geolocation=()"

const (
	maxFormBytes   = 64 << 10 // largest url-encoded form body read
	maxUploadBytes = 10 << 20 // largest multipart body (the desk's portrait, fingerprints, signature)
	queueLimit     = 500      // most dossiers listed at once
	loginTTL       = 30 * time.Minute
)

// Failures of the console itself; the services supply the rest.
var (
	errCSRF = failure.New("console_csrf", failure.Forbidden,
		"Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.",
		"The form has expired or is not valid. Please reload the page and try again.")
	errNotReviewer = failure.New("console_not_reviewer", failure.Forbidden,
		"Tài khoản của bạn không có quyền xét duyệt hồ sơ định danh điện tử.",
		"Your account does not have the reviewer role.")
	errNotDesk = failure.New("console_not_desk", failure.Forbidden,
		"Tài khoản của bạn không có quyền tiếp nhận hồ sơ định danh điện tử tại quầy.",
		"Your account does not have the enrolment desk role.")
	errTooLarge = failure.New("console_upload_too_large", failure.Invalid,
		"Tệp gửi lên quá lớn (tổng cộng tối đa 10 MB). Chọn ảnh hoặc tệp nhỏ hơn.",
		"The files sent are too large (10 MB in all at most). Choose smaller images or files.")
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
	// Locking receives the authorities' requests to lock or unlock
	// accounts and records their units' heads' decisions; nil: the lock
	// requests' pages answer not found.
	Locking *locking.Service
	// Now is the console's clock (whether a desk session is still open,
	// whether a card has expired); default time.Now. Give it the e-ID
	// service's clock.
	Now func() time.Time
}

// Handler serves the console under Prefix. It is safe for concurrent use.
type Handler struct {
	officers   *officer.Service
	eid        *eid.Service
	locking    *locking.Service
	log        *slog.Logger
	secure     bool
	clientIP   func(*http.Request) string
	allowLogin func(context.Context, string) error
	key        []byte
	loc        *time.Location
	now        func() time.Time
	pages      map[string]*template.Template
	css, js    []byte
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
	if o.Now == nil {
		o.Now = time.Now
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
	js, err := assets.ReadFile("static/desk.js")
	if err != nil {
		return nil, fmt.Errorf("console: desk script: %w", err)
	}
	loc := o.EID.Config().Location
	if loc == nil {
		loc = time.FixedZone("ICT", 7*3600)
	}
	h := &Handler{officers: o.Officers, eid: o.EID, locking: o.Locking, log: o.Logger, secure: o.Secure, clientIP: o.ClientIP,
		allowLogin: o.AllowLogin, key: key, loc: loc, now: o.Now, pages: pages, css: css, js: js, mux: http.NewServeMux(),
		origin: http.NewCrossOriginProtection()}
	h.routes()
	return h, nil
}

// parsePages parses each page with the shared layout.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"login", "queue", "dossier", "error", "desk_search", "desk_application", "locks", "hotline"} {
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
	h.mux.HandleFunc("GET /console/desk", h.signedIn(officer.RoleDesk, h.deskSearchForm))
	h.mux.HandleFunc("POST /console/desk/search", h.signedIn(officer.RoleDesk, h.deskSearch))
	h.mux.HandleFunc("POST /console/desk/applications", h.signedIn(officer.RoleDesk, h.deskOpen))
	h.mux.HandleFunc("GET /console/desk/applications/{id}", h.signedIn(officer.RoleDesk, h.deskApplication))
	h.mux.HandleFunc("POST /console/desk/applications/{id}/portrait", h.uploading(officer.RoleDesk, h.deskPortrait))
	h.mux.HandleFunc("POST /console/desk/applications/{id}/fingerprints", h.uploading(officer.RoleDesk, h.deskFingerprints))
	h.mux.HandleFunc("POST /console/desk/applications/{id}/consent-code", h.signedIn(officer.RoleDesk, h.deskConsentCode))
	h.mux.HandleFunc("POST /console/desk/applications/{id}/consent", h.uploading(officer.RoleDesk, h.deskConsent))
	h.mux.HandleFunc("POST /console/desk/applications/{id}/submit", h.signedIn(officer.RoleDesk, h.deskSubmit))
	h.mux.HandleFunc("GET /console/locks", h.lockPage(h.locks))
	h.mux.HandleFunc("POST /console/locks", h.lockPage(h.receiveLock))
	h.mux.HandleFunc("POST /console/locks/{id}/decide", h.lockPage(h.decideLock))
	h.mux.HandleFunc("GET /console/hotline", h.lockPage(h.hotline))
	h.mux.HandleFunc("POST /console/hotline/questions", h.lockPage(h.hotlineQuestions))
	h.mux.HandleFunc("POST /console/hotline/unlock", h.lockPage(h.hotlineUnlock))
	h.mux.HandleFunc("GET /console/static/console.css", h.stylesheet)
	h.mux.HandleFunc("GET /console/static/desk.js", h.script)
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

func (h *Handler) script(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = w.Write(h.js)
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

// parseUpload reads a multipart/form-data body of at most maxUploadBytes,
// all in memory: biometric captures never touch the disk as temporary
// files. A body over the limit gives errTooLarge.
func parseUpload(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	// With the body capped at maxUploadBytes and more memory allowed than
	// that (parts' headers count too), no part spills into a temporary file.
	err := r.ParseMultipartForm(maxUploadBytes + 1<<20)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge), errors.Is(err, multipart.ErrMessageTooLarge):
		return errTooLarge.WithCause(fmt.Errorf("parse upload: %w", err))
	case err != nil:
		return errBadForm.WithCause(fmt.Errorf("parse upload: %w", err))
	}
	return nil
}

// statusOf maps a failure kind to its HTTP status, as the API does.
func statusOf(k failure.Kind) int { return api.StatusOf(k) }

// statusOfFailure is the HTTP status of a failure: its kind's, except 413
// for an upload over the limit.
func statusOfFailure(f *failure.Error) int {
	if f.Code == errTooLarge.Code {
		return http.StatusRequestEntityTooLarge
	}
	return statusOf(f.Kind)
}
