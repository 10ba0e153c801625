// Package activation serves the web page where a citizen activates an
// approved e-ID without the app (Decree 59 Art 18: within 7 days of the
// result notice): ID number and password, then the code sent by SMS, then
// the activation. Vietnamese first, with English.
package activation

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/failure"
)

// Path is where the page is served.
const Path = "/activate"

// Options configure the Handler.
type Options struct {
	Accounts *account.Service
	EID      *eid.Service
	Logger   *slog.Logger
	// ClientIP resolves the caller's address (behind trusted proxies).
	ClientIP func(*http.Request) string
	// Secure marks the form cookie Secure (behind HTTPS).
	Secure bool
	// CSRFKey keys the form tokens (the same on every instance); if empty,
	// a random key of this handler is used.
	CSRFKey []byte
}

// Handler serves GET/POST /activate and POST /activate/confirm.
type Handler struct {
	o    Options
	page *template.Template
	mux  *http.ServeMux
	prot *http.CrossOriginProtection
}

// New returns the handler.
func New(o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
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
	h := &Handler{o: o, page: template.Must(template.New("page").Parse(pageHTML)), mux: http.NewServeMux(),
		prot: http.NewCrossOriginProtection()}
	h.mux.HandleFunc("GET "+Path, h.form)
	h.mux.HandleFunc("POST "+Path, h.start)
	h.mux.HandleFunc("POST "+Path+"/confirm", h.confirm)
	return h
}

// ServeHTTP serves the page with security headers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	h.prot.Handler(h.mux).ServeHTTP(w, r)
}

type view struct {
	Step        string // "credentials", "code", "done", "error"
	CSRF        string
	Ticket      string
	MaskedPhone string
	Level       int
	ErrVI       string
	ErrEN       string
}

const csrfCookie = "vneid_activate"

// csrf returns the form token, an HMAC under CSRFKey of a random cookie
// that identifies the browser's activation flow, setting the cookie if the
// browser has none.
func (h *Handler) csrf(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) < 20 {
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		c = &http.Cookie{Name: csrfCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: Path, HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: h.o.Secure}
		http.SetCookie(w, c)
	}
	return h.token(c.Value)
}

func (h *Handler) token(cookie string) string {
	m := hmac.New(sha256.New, h.o.CSRFKey)
	m.Write([]byte("activate-form\x00" + cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether the form carries the token of the browser's
// cookie.
func (h *Handler) checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	got := r.PostFormValue("csrf")
	if err != nil || len(c.Value) < 20 || got == "" {
		return false
	}
	return hmac.Equal([]byte(h.token(c.Value)), []byte(got))
}

func (h *Handler) render(w http.ResponseWriter, status int, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := h.page.Execute(w, v); err != nil {
		h.o.Logger.Warn("activation page", "err", err)
	}
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, v view, err error) {
	f := failure.As(err)
	status := http.StatusInternalServerError
	v.ErrVI, v.ErrEN = "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.", "Something went wrong on our side. Please try again later."
	if f != nil && f.Kind != failure.Internal {
		v.ErrVI, v.ErrEN, status = f.VI, f.EN, api.StatusOf(f.Kind)
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
		}
	} else {
		h.o.Logger.Error("activation failed", "err", err)
	}
	v.CSRF = h.csrf(w, r)
	h.render(w, status, v)
}

func (h *Handler) form(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, view{Step: "credentials", CSRF: h.csrf(w, r)})
}

func (h *Handler) caller(r *http.Request) account.Caller {
	return account.Caller{IP: h.o.ClientIP(r)}
}

func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if !h.checkCSRF(r) {
		h.render(w, http.StatusForbidden, view{Step: "error", ErrVI: "Phiên biểu mẫu không hợp lệ. Vui lòng tải lại trang.",
			ErrEN: "The form has expired. Please reload the page."})
		return
	}
	si, err := h.o.Accounts.StartWebSignIn(r.Context(), h.caller(r), strings.TrimSpace(r.PostFormValue("id_number")), r.PostFormValue("password"))
	if err != nil {
		h.fail(w, r, view{Step: "credentials"}, err)
		return
	}
	h.render(w, http.StatusOK, view{Step: "code", CSRF: h.csrf(w, r), Ticket: si.Ticket, MaskedPhone: si.MaskedPhone})
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if !h.checkCSRF(r) {
		h.render(w, http.StatusForbidden, view{Step: "error", ErrVI: "Phiên biểu mẫu không hợp lệ. Vui lòng tải lại trang.",
			ErrEN: "The form has expired. Please reload the page."})
		return
	}
	ticket := r.PostFormValue("ticket")
	acc, err := h.o.Accounts.FinishWebSignIn(r.Context(), h.caller(r), ticket, strings.TrimSpace(r.PostFormValue("code")))
	if err != nil {
		h.fail(w, r, view{Step: "code", Ticket: ticket}, err)
		return
	}
	level, err := h.o.EID.Activate(r.Context(), eid.Caller{IP: h.o.ClientIP(r)}, acc.ID)
	if err != nil {
		h.fail(w, r, view{Step: "error"}, err)
		return
	}
	h.render(w, http.StatusOK, view{Step: "done", Level: level})
}

const pageHTML = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kích hoạt tài khoản định danh điện tử — VNeID</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{color:#b71c1c;font-size:1.4rem}.en{color:#666;font-size:.9em}label{display:block;margin:.8rem 0 .2rem}
input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}button{margin-top:1rem;padding:.6rem 1.2rem;
background:#b71c1c;color:#fff;border:0;font-size:1rem}.err{background:#fdecea;padding:.6rem;border-left:4px solid #b71c1c}
.ok{background:#e8f5e9;padding:.8rem;border-left:4px solid #2e7d32}</style></head><body>
<h1>Kích hoạt tài khoản định danh điện tử<br><span class="en">Activate your e-ID account</span></h1>
{{if .ErrVI}}<p class="err" role="alert">{{.ErrVI}}<br><span class="en">{{.ErrEN}}</span></p>{{end}}
{{if eq .Step "credentials"}}
<p>Trong vòng 7 ngày kể từ khi nhận được thông báo hồ sơ đã được phê duyệt.<br>
<span class="en">Within 7 days of the notice that your application was approved.</span></p>
<form method="post" action="/activate">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="id">Số định danh cá nhân <span class="en">/ Personal ID number</span></label>
<input id="id" name="id_number" inputmode="numeric" autocomplete="username" maxlength="12" required>
<label for="pw">Mật khẩu <span class="en">/ Password</span></label>
<input id="pw" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Tiếp tục <span class="en">/ Continue</span></button>
</form>
{{else if eq .Step "code"}}
<form method="post" action="/activate/confirm">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="ticket" value="{{.Ticket}}">
{{if .MaskedPhone}}<p>Mã xác thực đã được gửi tới {{.MaskedPhone}}.<br><span class="en">A code was sent to {{.MaskedPhone}}.</span></p>{{end}}
<label for="code">Mã OTP <span class="en">/ Code</span></label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8" required>
<button type="submit">Kích hoạt <span class="en">/ Activate</span></button>
</form>
{{else if eq .Step "done"}}
<p class="ok">Đã kích hoạt tài khoản định danh điện tử mức {{.Level}}.<br>
<span class="en">Your level {{.Level}} e-ID account is active.</span></p>
{{else}}<p><a href="/activate">Thử lại / Try again</a></p>{{end}}
</body></html>`
