// Package ssoweb serves "log in with VNeID": the OpenID Connect endpoints
// of github.com/zitadel/oidc/v3 (discovery, JWKS, authorization, token,
// userinfo, introspection, revocation, end session) under Prefix, plus what
// the library lacks (pushed authorization requests, the provider's own
// request checks) and the citizen's pages: sign-in with the ID number,
// password and an SMS code or with a QR code approved in the app, the
// consent screen "Xác nhận chia sẻ", and the error pages. Pages are
// Vietnamese with English, rendered on the server, with no script.
package ssoweb

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
	"rsc.io/qr"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/telemetry"
)

// Prefix is where the provider lives; the issuer is the public URL plus
// Prefix.
const Prefix = "/oidc"

// sessionCookie holds the citizen's sign-in session at the provider.
// SessionCookie holds the single sign-on session's token (Path "/", shared
// with the citizen portal). It replaced "vneid_sso" (Path "/oidc"), which
// is cleared whenever the cookie is set or cleared: a browser that kept it
// would otherwise send it first on /oidc pages.
const SessionCookie = "vneid_session"

const legacySessionCookie = "vneid_sso"

const sessionCookie = SessionCookie

// TokenPath is the token endpoint's path under the issuer.
const TokenPath = "/oauth/token"

// Options configure the Handler.
type Options struct {
	SSO    *sso.Service
	Logger *slog.Logger
	// ClientIP resolves the caller's address (behind trusted proxies).
	ClientIP func(*http.Request) string
	// Secure marks the session cookie Secure (HTTPS).
	Secure bool
	// TokenKey encrypts opaque access tokens (the same on every instance).
	TokenKey [32]byte
	// Metrics, if set, counts and times the requests like the API's.
	Metrics *telemetry.Metrics
}

// Handler serves everything under Prefix.
type Handler struct {
	o        Options
	s        *sso.Service
	provider *op.Provider
	auth     authorizer
	mux      *http.ServeMux
	handler  http.Handler
	page     *template.Template
	prot     *http.CrossOriginProtection
}

// authorizer adds the provider's own checks to the library's validation.
type authorizer struct {
	*op.Provider
	s *sso.Service
}

type pushedKey struct{}

// ValidateAuthRequest runs the library's checks (redirect URI, prompt,
// response type, code challenge, id_token_hint) and then ours.
func (a authorizer) ValidateAuthRequest(ctx context.Context, r *oidc.AuthRequest, st op.Storage, v *op.IDTokenHintVerifier) (string, error) {
	client, err := st.GetClientByClientID(ctx, r.ClientID)
	if err != nil {
		return "", oidc.ErrInvalidRequestRedirectURI().WithDescription("unknown client")
	}
	asked := append([]string(nil), r.Scopes...)
	sub, err := op.ValidateAuthRequestClient(ctx, r, client, v)
	if err != nil {
		return "", err
	}
	r.Scopes = asked
	pushed, _ := ctx.Value(pushedKey{}).(bool)
	if err := a.s.CheckAuthRequest(ctx, r, pushed); err != nil {
		return "", err
	}
	return sub, nil
}

// New returns the handler.
func New(o Options) (*Handler, error) {
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
	issuer := o.SSO.Issuer()
	cfg := &op.Config{
		CryptoKey:                         o.TokenKey,
		CodeMethodS256:                    true,
		AuthMethodPrivateKeyJWT:           true,
		GrantTypeRefreshToken:             true,
		RequestObjectSupported:            true,
		SupportedUILocales:                []language.Tag{language.Vietnamese, language.English},
		BackChannelLogoutSupported:        true,
		BackChannelLogoutSessionSupported: true,
		DefaultLogoutRedirectURI:          Prefix + "/logged-out",
	}
	// Opaque access tokens are sealed with AES-256-GCM only: the library's
	// default also accepts its legacy unauthenticated AES-CFB, which
	// "decrypts" any random string, so a refresh token offered for
	// revocation could turn into garbage before it reaches the store.
	opts := []op.Option{op.WithCrypto(op.NewAES256GCMCrypto(o.TokenKey, ""))}
	if strings.HasPrefix(issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure())
	}
	provider, err := op.NewProvider(cfg, o.SSO.Storage(), op.StaticIssuer(issuer), opts...)
	if err != nil {
		return nil, err
	}
	o.SSO.SetLoginURL(func(id string) string { return Prefix + "/login?id=" + url.QueryEscape(id) })
	h := &Handler{o: o, s: o.SSO, provider: provider, auth: authorizer{provider, o.SSO}, mux: http.NewServeMux(),
		page: template.Must(template.New("page").Funcs(funcs).Parse(pageHTML)), prot: http.NewCrossOriginProtection()}
	strip := http.StripPrefix(Prefix, provider)
	h.mux.Handle(Prefix+"/", strip)
	h.mux.HandleFunc("GET "+Prefix+"/.well-known/openid-configuration", h.discovery)
	h.mux.HandleFunc(Prefix+"/authorize", h.authorize)
	h.mux.HandleFunc("POST "+Prefix+"/par", h.par)
	h.mux.HandleFunc(Prefix+"/end_session", h.endSession)
	h.mux.HandleFunc(Prefix+"/userinfo", h.userinfo)
	h.mux.HandleFunc("GET "+Prefix+"/login", h.login)
	h.mux.HandleFunc("POST "+Prefix+"/login/password", h.password)
	h.mux.HandleFunc("POST "+Prefix+"/login/otp", h.otp)
	h.mux.HandleFunc("GET "+Prefix+"/login/qr", h.qr)
	h.mux.HandleFunc("GET "+Prefix+"/continue", h.cont)
	h.mux.HandleFunc("POST "+Prefix+"/consent", h.consent)
	h.mux.HandleFunc("GET "+Prefix+"/deny", h.deny)
	h.mux.HandleFunc("GET "+Prefix+"/logged-out", h.loggedOut)
	// The library's endpoints, named for the logs and metrics.
	for _, p := range []string{TokenPath, "/oauth/introspect", "/revoke", "/keys", "/authorize/callback"} {
		h.mux.Handle(Prefix+p, strip)
	}
	h.handler = api.Observe(h.mux, http.HandlerFunc(h.serve), o.Logger, o.Metrics)
	return h, nil
}

// ServeHTTP serves the provider with the caller's address in the request's
// sso.Exchange and security headers on the pages, logged and measured.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	// The issuer goes in the context for the endpoints served here rather
	// than by the library's router (authorize, PAR), which verify request
	// objects, client assertions and id_token_hints against it.
	r = r.WithContext(op.ContextWithIssuer(sso.WithExchange(r.Context(), h.o.ClientIP(r), ""), h.s.Issuer()))
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if r.Method == http.MethodPost && isPage(r.URL.Path) {
		h.prot.Handler(h.mux).ServeHTTP(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

func isPage(p string) bool {
	return strings.HasPrefix(p, Prefix+"/login") || p == Prefix+"/consent"
}

// --- protocol additions ---

// discovery adds to the library's metadata what it does not know: PAR, acr
// values, our scopes and claims, subject types, back-channel logout.
func (h *Handler) discovery(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/.well-known/openid-configuration"
	h.provider.ServeHTTP(rec, r2)
	var meta map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &meta) != nil {
		http.Error(w, "discovery unavailable", http.StatusInternalServerError)
		return
	}
	iss := h.s.Issuer()
	meta["pushed_authorization_request_endpoint"] = iss + "/par"
	meta["require_pushed_authorization_requests"] = false
	meta["acr_values_supported"] = sso.ACRValues()
	meta["scopes_supported"] = []string{oidc.ScopeOpenID, sso.ScopeProfile, sso.ScopePersonalID, sso.ScopeAddress, sso.ScopePortrait, sso.ScopeDocuments, sso.ScopeOffline}
	meta["claims_supported"] = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "name",
		"given_name", "middle_name", "family_name", "birthdate", "gender", "personal_id", "preferred_username", "address", "portrait", "documents"}
	meta["subject_types_supported"] = []string{"pairwise", "public"}
	meta["code_challenge_methods_supported"] = []string{"S256"}
	meta["token_endpoint_auth_methods_supported"] = []string{sso.AuthSecretBasic, sso.AuthPrivateKeyJWT, sso.AuthNone}
	meta["grant_types_supported"] = []string{"authorization_code", "refresh_token"}
	meta["response_types_supported"] = []string{"code"}
	meta["ui_locales_supported"] = []string{"vi", "en"}
	meta["backchannel_logout_supported"] = true
	meta["backchannel_logout_session_supported"] = true
	meta["request_uri_parameter_supported"] = false
	// What the library verifies client assertions and request objects with
	// (it advertises RS256 alone).
	for _, k := range []string{"token_endpoint_auth_signing_alg_values_supported", "request_object_signing_alg_values_supported",
		"introspection_endpoint_auth_signing_alg_values_supported", "revocation_endpoint_auth_signing_alg_values_supported"} {
		if _, ok := meta[k]; ok {
			meta[k] = sso.ClientKeyAlgs()
		}
	}
	delete(meta, "device_authorization_endpoint")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(meta)
}

// authorize resolves a pushed request's request_uri and runs the library's
// authorization endpoint with our validation.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	if uri := r.Form.Get("request_uri"); uri != "" {
		params, err := h.s.TakePushed(ctx, uri, r.Form.Get("client_id"))
		if err != nil {
			op.AuthRequestError(w, r, nil, err, h.auth)
			return
		}
		r2 := r.Clone(context.WithValue(ctx, pushedKey{}, true))
		r2.Method, r2.Body, r2.Form, r2.PostForm = http.MethodGet, http.NoBody, nil, nil
		r2.URL.RawQuery = params.Encode()
		r = r2
	}
	op.Authorize(w, r, h.auth)
}

// par is the pushed authorization request endpoint (RFC 9126): the client
// authenticates as at the token endpoint, the request is checked in full,
// and a one-time request_uri comes back.
func (h *Handler) par(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	clientID, authenticated, err := op.ClientIDFromRequest(r, h.provider)
	if err != nil {
		writeOAuthError(w, err)
		return
	}
	client, err := h.s.Client(ctx, clientID)
	if err != nil || client.Disabled {
		writeOAuthError(w, oidc.ErrInvalidClient())
		return
	}
	if !client.Public() && !authenticated {
		writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("client authentication is required"))
		return
	}
	if r.Form.Get("request_uri") != "" {
		writeOAuthError(w, oidc.ErrInvalidRequest().WithDescription("request_uri is not allowed in a pushed request"))
		return
	}
	req, err := op.ParseAuthorizeRequest(r, h.provider.Decoder())
	if err != nil {
		writeOAuthError(w, err)
		return
	}
	req.ClientID = clientID
	if req.RequestParam != "" {
		if err := op.ParseRequestObject(ctx, req, h.provider.Storage(), h.s.Issuer()); err != nil {
			writeOAuthError(w, err)
			return
		}
	}
	ctx = context.WithValue(ctx, pushedKey{}, true)
	if _, err := h.auth.ValidateAuthRequest(ctx, req, h.provider.Storage(), h.provider.IDTokenHintVerifier(ctx)); err != nil {
		writeOAuthError(w, err)
		return
	}
	params := r.Form
	params.Set("client_id", clientID)
	uri, expiresIn, err := h.s.Push(ctx, clientID, params)
	if err != nil {
		writeOAuthError(w, oidc.ErrServerError())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"request_uri": uri, "expires_in": expiresIn})
}

func writeOAuthError(w http.ResponseWriter, err error) {
	e := oidc.DefaultToServerError(err, "server error")
	status := http.StatusBadRequest
	switch e.ErrorType {
	case oidc.InvalidClient, oidc.UnauthorizedClient:
		status = http.StatusUnauthorized
	case oidc.ServerError:
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": string(e.ErrorType), "error_description": e.Description})
}

// endSession is RP-initiated logout: the browser's session (from its
// cookie) ends with the tokens it gave, the cookie is cleared and the
// library redirects to the validated post-logout URI.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) {
	var sid string
	if se := h.session(r); se != nil {
		sid = se.ID
	}
	r = r.WithContext(sso.WithExchange(r.Context(), h.o.ClientIP(r), sid))
	h.clearCookie(w)
	http.StripPrefix(Prefix, h.provider).ServeHTTP(w, r)
}

// userinfo answers as the library does, except that a missing, unknown,
// revoked or expired token is 401 with WWW-Authenticate: Bearer
// error="invalid_token" (RFC 6750 §3.1), so that a relying party knows to
// refresh or sign in again; the library answers 403 or a bare 401.
func (h *Handler) userinfo(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	http.StripPrefix(Prefix, h.provider).ServeHTTP(rec, r)
	if rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="the access token is not active"`)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_token", "error_description": "the access token is not active"})
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// --- pages ---

type view struct {
	Step        string // login, otp, qr, consent, error, logged_out
	ID          string
	ClientName  string
	ClientEN    string
	Purpose     string
	PurposeEN   string
	Level       int
	Attributes  []attribute
	Ticket      string
	MaskedPhone string
	LoginHint   string
	CSRF        string // the token the page's form posts back
	QR          template.URL
	ErrVI       string
	ErrEN       string
	Back        bool // the error page offers a way back to the service
}

type attribute struct{ VI, EN string }

var attributeNames = map[string]attribute{
	"name": {"Họ, chữ đệm và tên", "Full name"}, "given_name": {"Tên", "Given name"}, "family_name": {"Họ", "Family name"},
	"birthdate": {"Ngày, tháng, năm sinh", "Date of birth"}, "gender": {"Giới tính", "Gender"},
	"personal_id": {"Số định danh cá nhân", "Personal ID number"}, "address": {"Nơi thường trú", "Permanent residence"},
	"portrait":  {"Ảnh chân dung", "Portrait"},
	"documents": {"Giấy tờ đã tích hợp trong ví (tài khoản mức 2)", "Documents integrated into the wallet (level 2 accounts)"},
}

var funcs = template.FuncMap{}

func (h *Handler) render(w http.ResponseWriter, status int, v view) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self' https: http:; frame-ancestors 'none'")
	hd.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	if err := h.page.Execute(w, v); err != nil {
		h.o.Logger.Warn("sso page", "err", err)
	}
}

func (h *Handler) fail(w http.ResponseWriter, v view, err error) {
	f := failure.As(err)
	status := http.StatusInternalServerError
	v.ErrVI, v.ErrEN = "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.", "Something went wrong on our side. Please try again later."
	if f != nil && f.Kind != failure.Internal {
		v.ErrVI, v.ErrEN, status = f.VI, f.EN, api.StatusOf(f.Kind)
		if f.RetryAfter > 0 {
			// A rate limit or lockout: when to try again, as the API says it.
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
		}
	} else {
		h.o.Logger.Error("sso page failed", "err", err)
	}
	if v.Step == "" {
		v.Step = "error"
	}
	h.render(w, status, v)
}

func (h *Handler) caller(r *http.Request) account.Caller { return account.Caller{IP: h.o.ClientIP(r)} }

func (h *Handler) session(r *http.Request) *sso.Session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	se, err := h.s.SessionByToken(r.Context(), c.Value)
	if err != nil {
		h.o.Logger.Warn("sso session lookup", "err", err)
		return nil
	}
	return se
}

func (h *Handler) setCookie(w http.ResponseWriter, ns sso.NewSession) {
	// Path "/": the sign-in is the whole site's single sign-on session,
	// which the citizen portal (/portal) shares.
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: ns.Token, Path: "/", HttpOnly: true, Secure: h.o.Secure,
		SameSite: http.SameSiteLaxMode, Expires: ns.ExpiresAt})
	h.clearLegacyCookie(w)
}

func (h *Handler) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: h.o.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	h.clearLegacyCookie(w)
}

// clearLegacyCookie expires the session cookie of earlier versions.
func (h *Handler) clearLegacyCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: legacySessionCookie, Value: "", Path: Prefix, HttpOnly: true, Secure: h.o.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// csrfToken is the form token of a page: an HMAC under TokenKey of the
// pending authorization request ID and the browser's session cookie, if it
// has one, so a form only posts back for the request and browser it was
// shown to.
func (h *Handler) csrfToken(r *http.Request, id string) string {
	cookie := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		cookie = c.Value
	}
	m := hmac.New(sha256.New, h.o.TokenKey[:])
	m.Write([]byte("vneid-sso-form\x00" + id + "\x00" + cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF refuses, with the error page, a form posted without the token
// of the page it was shown on; it reports whether the post may go on.
func (h *Handler) checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	got := r.PostFormValue("csrf")
	if got != "" && hmac.Equal([]byte(got), []byte(h.csrfToken(r, r.PostFormValue("id")))) {
		return true
	}
	h.render(w, http.StatusForbidden, view{Step: "error",
		ErrVI: "Biểu mẫu không hợp lệ hoặc đã hết hạn. Vui lòng quay lại trang dịch vụ và đăng nhập lại.",
		ErrEN: "The form is invalid or has expired. Please go back to the service and sign in again."})
	return false
}

func (h *Handler) pendingView(r *http.Request, p sso.Pending) view {
	v := view{ID: p.ID, ClientName: p.Client.Name, ClientEN: p.Client.NameEN, Purpose: p.Client.Purpose,
		PurposeEN: p.Client.PurposeEN, Level: p.Level, LoginHint: p.LoginHint, CSRF: h.csrfToken(r, p.ID)}
	for _, c := range p.Claims {
		if a, ok := attributeNames[c]; ok {
			v.Attributes = append(v.Attributes, a)
		}
	}
	return v
}

// redirectError sends the browser back to the relying party with an OAuth
// error.
func (h *Handler) redirectError(w http.ResponseWriter, r *http.Request, id string, e *oidc.Error) {
	req, err := h.s.Storage().AuthRequestByID(r.Context(), id)
	if err != nil {
		h.fail(w, view{}, sso.ErrRequestNotFound)
		return
	}
	op.AuthRequestError(w, r, req, e, h.auth)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	p, err := h.s.Pending(r.Context(), id)
	if err != nil {
		h.fail(w, view{}, err)
		return
	}
	se := h.session(r)
	ok, err := h.s.SessionSatisfies(r.Context(), id, se)
	if err != nil {
		h.fail(w, view{}, err)
		return
	}
	if ok {
		http.Redirect(w, r, Prefix+"/continue?id="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	for _, pr := range p.Prompt {
		if pr == oidc.PromptNone {
			h.redirectError(w, r, id, oidc.ErrLoginRequired())
			return
		}
	}
	v := h.pendingView(r, p)
	v.Step = "login"
	h.render(w, http.StatusOK, v)
}

func (h *Handler) password(w http.ResponseWriter, r *http.Request) {
	if !h.checkCSRF(w, r) {
		return
	}
	id := r.PostFormValue("id")
	p, err := h.s.Pending(r.Context(), id)
	if err != nil {
		h.fail(w, view{}, err)
		return
	}
	v := h.pendingView(r, p)
	v.Step = "login"
	ws, err := h.s.StartPassword(r.Context(), h.caller(r), id, strings.TrimSpace(r.PostFormValue("id_number")), r.PostFormValue("password"))
	if err != nil {
		h.fail(w, v, err)
		return
	}
	v.Step, v.Ticket, v.MaskedPhone = "otp", ws.Ticket, ws.MaskedPhone
	h.render(w, http.StatusOK, v)
}

func (h *Handler) otp(w http.ResponseWriter, r *http.Request) {
	if !h.checkCSRF(w, r) {
		return
	}
	id := r.PostFormValue("id")
	p, err := h.s.Pending(r.Context(), id)
	if err != nil {
		h.fail(w, view{}, err)
		return
	}
	ns, err := h.s.FinishPassword(r.Context(), h.caller(r), id, r.PostFormValue("ticket"), strings.TrimSpace(r.PostFormValue("code")))
	if err != nil {
		v := h.pendingView(r, p)
		v.Step, v.Ticket = "otp", r.PostFormValue("ticket")
		h.fail(w, v, err)
		return
	}
	h.setCookie(w, ns)
	http.Redirect(w, r, Prefix+"/continue?id="+url.QueryEscape(id), http.StatusSeeOther)
}

// qr shows the sign-in QR code and refreshes itself until the app
// approves it.
func (h *Handler) qr(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	p, err := h.s.Pending(r.Context(), id)
	if err != nil {
		h.fail(w, view{}, err)
		return
	}
	ns, err := h.s.PollQR(r.Context(), id)
	if err != nil {
		h.fail(w, view{}, err)
		return
	}
	if ns != nil {
		h.setCookie(w, *ns)
		http.Redirect(w, r, Prefix+"/continue?id="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	payload, err := h.s.QRCode(r.Context(), id, r.URL.Query().Get("renew") == "1")
	if err != nil {
		h.fail(w, view{}, err)
		return
	}
	code, err := qr.Encode(payload, qr.M)
	if err != nil {
		h.fail(w, view{}, err)
		return
	}
	code.Scale = 6
	v := h.pendingView(r, p)
	v.Step = "qr"
	v.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG()))
	w.Header().Set("X-VNeID-QR", payload) // for the reference client and tests; the page shows the same
	h.render(w, http.StatusOK, v)
}

func (h *Handler) cont(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	p, err := h.s.Pending(r.Context(), id)
	if err != nil {
		h.fail(w, view{}, err)
		return
	}
	se := h.session(r)
	if se == nil {
		http.Redirect(w, r, Prefix+"/login?id="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	step, err := h.s.Continue(r.Context(), h.caller(r), id, se)
	if err != nil {
		v := h.pendingView(r, p)
		v.Back = true
		h.fail(w, v, err)
		return
	}
	switch step {
	case sso.StepLogin:
		http.Redirect(w, r, Prefix+"/login?id="+url.QueryEscape(id), http.StatusSeeOther)
	case sso.StepConsent:
		for _, pr := range p.Prompt {
			if pr == oidc.PromptNone {
				h.redirectError(w, r, id, &oidc.Error{ErrorType: "consent_required", Description: "the citizen must consent to share the data"})
				return
			}
		}
		v := h.pendingView(r, p)
		v.Step = "consent"
		h.render(w, http.StatusOK, v)
	default:
		h.callback(w, r, id)
	}
}

func (h *Handler) callback(w http.ResponseWriter, r *http.Request, id string) {
	http.Redirect(w, r, h.s.Issuer()+"/authorize/callback?id="+url.QueryEscape(id), http.StatusSeeOther)
}

func (h *Handler) consent(w http.ResponseWriter, r *http.Request) {
	if !h.checkCSRF(w, r) {
		return
	}
	id := r.PostFormValue("id")
	se := h.session(r)
	if se == nil {
		http.Redirect(w, r, Prefix+"/login?id="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	err := h.s.Decide(r.Context(), h.caller(r), id, se, r.PostFormValue("decision") == "approve")
	if errors.Is(err, sso.ErrConsentRefused) {
		h.redirectError(w, r, id, oidc.ErrAccessDenied().WithDescription("the citizen declined to share the data"))
		return
	}
	if err != nil {
		h.fail(w, view{Back: true, ID: id}, err)
		return
	}
	h.callback(w, r, id)
}

// deny returns to the relying party from an error page (level too low,
// locked account).
func (h *Handler) deny(w http.ResponseWriter, r *http.Request) {
	h.redirectError(w, r, r.URL.Query().Get("id"), &oidc.Error{ErrorType: "unmet_authentication_requirements",
		Description: "the account does not meet the requested level"})
}

func (h *Handler) loggedOut(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, view{Step: "logged_out"})
}
