package portal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/wallet"
)

func (h *Handler) routes() {
	h.mux.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/", http.StatusFound)
	})
	h.mux.HandleFunc("GET "+Prefix+"/{$}", h.home)
	h.mux.HandleFunc("GET "+Prefix+"/login", h.login)
	h.mux.HandleFunc("GET "+Prefix+"/callback", h.callback)
	h.mux.HandleFunc("POST "+Prefix+"/logout", h.signedIn(h.logout))
	h.mux.HandleFunc("GET "+Prefix+"/wallet", h.signedIn(h.wallet))
	h.mux.HandleFunc("POST "+Prefix+"/wallet/unlock", h.signedIn(h.unlock))
	h.mux.HandleFunc("POST "+Prefix+"/wallet/close", h.signedIn(h.closeWallet))
	h.mux.HandleFunc("GET "+Prefix+"/history", h.signedIn(h.history))
	h.mux.HandleFunc("GET "+Prefix+"/services", h.signedIn(h.services))
	h.mux.HandleFunc("POST "+Prefix+"/services/revoke", h.signedIn(h.revoke))
	h.mux.HandleFunc("GET "+Prefix+"/security", h.signedIn(h.security))
	h.mux.HandleFunc("POST "+Prefix+"/security/session", h.signedIn(h.endSession))
	h.mux.HandleFunc("POST "+Prefix+"/security/device", h.signedIn(h.unlinkDevice))
	h.mux.HandleFunc("POST "+Prefix+"/security/password", h.signedIn(h.changePassword))
	h.mux.HandleFunc("POST "+Prefix+"/security/passcode", h.signedIn(h.setPasscode))
	h.mux.HandleFunc("POST "+Prefix+"/security/lock", h.signedIn(h.lock))
	h.mux.HandleFunc("GET "+Prefix+"/notifications", h.signedIn(h.notifications))
	h.mux.HandleFunc("GET "+Prefix+"/locked", h.locked)
	h.mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, nil, errNotFound)
	})
}

var errNotFound = failure.New("not_found", failure.NotFound, "Không tìm thấy trang này.", "There is no such page.")

// errForm: a form posted without its token (another site, or an old page).
var errForm = failure.New("form_expired", failure.Forbidden,
	"Biểu mẫu không hợp lệ hoặc đã hết hạn. Vui lòng tải lại trang và thử lại.",
	"The form is invalid or has expired. Please reload the page and try again.")

// errLogin: the sign-in did not complete.
var errLogin = failure.New("signin_failed", failure.Unauthenticated,
	"Đăng nhập không thành công hoặc đã hết hạn. Vui lòng đăng nhập lại.",
	"The sign-in did not complete or has expired. Please sign in again.")

// errConfirm: a form's confirmation box was not ticked or its two entries
// differ.
var errConfirm = failure.New("confirmation_mismatch", failure.Invalid,
	"Thông tin xác nhận không khớp. Vui lòng nhập lại.", "The confirmation does not match. Please enter it again.")

// errReason: a lock reason over 500 characters or not text.
var errReason = failure.New("lock_reason_invalid", failure.Invalid,
	"Lý do khóa tối đa 500 ký tự.", "The reason for the lock is at most 500 characters of text.")

type handlerFunc func(w http.ResponseWriter, r *http.Request, s *signedIn, p page)

// signedIn runs f for a signed-in citizen (and a posted form with its
// token), and sends anybody else to sign in.
func (h *Handler) signedIn(f handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.session(r)
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		if s == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, nil, account.ErrUnauthenticated)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
			if !h.checkCSRF(r, s) {
				h.fail(w, r, s, errForm)
				return
			}
		}
		p := page{L: h.lang(w, r), Path: r.URL.Path, CSRF: h.csrf(s.cookie), Name: s.p.Account.IDNumber, Level: s.p.Account.Level}
		if d := r.URL.Query().Get("done"); d != "" {
			p.Flash = flashes[d]
		}
		f(w, r, s, p)
	}
}

// flashes are the messages shown after an action (?done=).
var flashes = map[string][2]string{
	"consent_revoked":  {"Đã thu hồi đồng ý chia sẻ thông tin.", "The consent was withdrawn."},
	"session_ended":    {"Đã đăng xuất phiên này.", "That session was signed out."},
	"device_unlinked":  {"Đã hủy liên kết thiết bị; mọi phiên đăng nhập đã kết thúc.", "The device was unlinked; every session has ended."},
	"passcode_set":     {"Đã đặt mã bảo vệ (passcode) ví giấy tờ.", "The wallet passcode was set."},
	"wallet_closed":    {"Đã đóng ví giấy tờ.", "The wallet was closed."},
	"password_changed": {"Đã đổi mật khẩu. Vui lòng đăng nhập lại.", "The password was changed. Please sign in again."},
	"signed_out":       {"Bạn đã đăng xuất.", "You have signed out."},
}

// home is the landing page, or the signed-in citizen's overview.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	s, err := h.session(r)
	if err != nil && !errors.Is(err, account.ErrAccountLocked) {
		h.fail(w, r, nil, err)
		return
	}
	p := page{L: h.lang(w, r), Path: r.URL.Path, Nav: "home"}
	if d := r.URL.Query().Get("done"); d != "" {
		p.Flash = flashes[d]
	}
	if s == nil {
		p.Title = [2]string{"Cổng định danh điện tử", "e-ID portal"}
		h.render(w, http.StatusOK, "landing", p)
		return
	}
	p.CSRF, p.Name, p.Level = h.csrf(s.cookie), s.p.Account.IDNumber, s.p.Account.Level
	prof, err := h.o.Accounts.Profile(r.Context(), h.caller(r), s.p)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	p.Title = [2]string{"Tổng quan", "Overview"}
	p.Data = prof
	h.render(w, http.StatusOK, "home", p)
}

const loginCookie = "vneid_portal_login"

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// login starts the sign-in: an authorization request to the provider for
// the portal's client, with PKCE, state and nonce kept in a short cookie.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	state, verifier, nonce := random(18), random(32), random(18)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: Prefix + "/callback", HttpOnly: true, Secure: h.o.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 900,
		Value: state + "." + verifier + "." + nonce + "." + base64.RawURLEncoding.EncodeToString([]byte(next))})
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {sso.PortalClientID}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {h.RedirectURI()}, "state": {state}, "nonce": {nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"ui_locales": {string(h.lang(w, r))}}
	http.Redirect(w, r, h.o.Issuer+"/authorize?"+q.Encode(), http.StatusSeeOther)
}

// safeNext returns where to land after sign-in: a path under the portal
// (dot segments resolved, encoded ones refused), or the home page.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil ||
		strings.ContainsAny(next, "\\\r\n\t") || strings.Contains(strings.ToLower(next), "%2e") ||
		strings.Contains(strings.ToLower(next), "%2f") || strings.Contains(strings.ToLower(next), "%5c") {
		return Prefix + "/"
	}
	clean := path.Clean(u.Path)
	if u.Path != "" && strings.HasSuffix(u.Path, "/") && clean != "/" {
		clean += "/"
	}
	if clean != u.Path || !strings.HasPrefix(clean, Prefix+"/") {
		return Prefix + "/"
	}
	if u.RawQuery != "" {
		return clean + "?" + u.RawQuery
	}
	return clean
}

// callback redeems the authorization code (in process, at the provider's
// token endpoint) and lands on the page the citizen asked for.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := r.Cookie(loginCookie)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: Prefix + "/callback", MaxAge: -1, HttpOnly: true, Secure: h.o.Secure})
	if e := q.Get("error"); e != "" {
		h.fail(w, r, nil, errLogin.WithReason(e))
		return
	}
	parts := []string{}
	if err == nil {
		parts = strings.Split(c.Value, ".")
	}
	if len(parts) != 4 || q.Get("state") == "" || q.Get("state") != parts[0] || q.Get("code") == "" {
		h.fail(w, r, nil, errLogin)
		return
	}
	next, _ := base64.RawURLEncoding.DecodeString(parts[3])
	claims, err := h.redeem(r, q.Get("code"), parts[1])
	if err != nil {
		h.o.Logger.Warn("portal sign-in not redeemed", "err", err)
		h.fail(w, r, nil, errLogin)
		return
	}
	if claims.Nonce != parts[2] || claims.Audience() != sso.PortalClientID {
		h.fail(w, r, nil, errLogin)
		return
	}
	s, err := h.session(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	if s == nil || (claims.SID != "" && claims.SID != s.sso.ID) {
		h.fail(w, r, nil, errLogin)
		return
	}
	http.Redirect(w, r, string(next), http.StatusSeeOther)
}

// idClaims are the ID token's claims the portal checks.
type idClaims struct {
	Nonce string          `json:"nonce"`
	Aud   json.RawMessage `json:"aud"`
	SID   string          `json:"sid"`
}

// Audience returns the single audience.
func (c idClaims) Audience() string {
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		return one
	}
	var many []string
	if json.Unmarshal(c.Aud, &many) == nil && len(many) == 1 {
		return many[0]
	}
	return ""
}

// redeem posts the code to the provider's token endpoint through its
// handler (no network: the provider is this process) and returns the ID
// token's claims. The response comes from this process, so the token's
// signature is not checked again.
func (h *Handler) redeem(r *http.Request, code, verifier string) (idClaims, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {h.RedirectURI()},
		"code_verifier": {verifier}}
	u, err := url.Parse(h.o.TokenURL)
	if err != nil {
		return idClaims{}, err
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return idClaims{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(sso.PortalClientID), url.QueryEscape(h.o.ClientSecret))
	req.RemoteAddr = r.RemoteAddr
	for _, k := range []string{"X-Forwarded-For", "X-Real-Ip", "Forwarded"} {
		if v := r.Header.Values(k); len(v) > 0 {
			req.Header[k] = v
		}
	}
	req.Host, req.RequestURI = u.Host, u.RequestURI()
	rec := &recorder{}
	h.o.Provider.ServeHTTP(rec, req)
	if rec.status != http.StatusOK {
		return idClaims{}, errors.New("token endpoint: " + strconv.Itoa(rec.status) + ": " + truncate(rec.body.String(), 200))
	}
	var tr struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal(rec.body.Bytes(), &tr); err != nil {
		return idClaims{}, err
	}
	seg := strings.Split(tr.IDToken, ".")
	if len(seg) != 3 {
		return idClaims{}, errors.New("token endpoint: no ID token")
	}
	raw, err := base64.RawURLEncoding.DecodeString(seg[1])
	if err != nil {
		return idClaims{}, err
	}
	var c idClaims
	return c, json.Unmarshal(raw, &c)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// logout ends the single sign-on session (relying parties that served it
// are told by back-channel logout).
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *signedIn, _ page) {
	if err := h.o.SSO.EndSession(r.Context(), h.caller(r), s.sso.ID); err != nil {
		h.fail(w, r, s, err)
		return
	}
	h.clearSession(w)
	http.Redirect(w, r, Prefix+"/?done=signed_out", http.StatusSeeOther)
}

func (h *Handler) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: h.o.SessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.o.Secure,
		SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: walletCookie, Path: Prefix, MaxAge: -1, HttpOnly: true, Secure: h.o.Secure})
}

const walletCookie = "vneid_wallet"

// wallet shows the passcode form, or the open wallet.
func (h *Handler) wallet(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	p.Nav, p.Title = "wallet", [2]string{"Ví giấy tờ", "Document wallet"}
	type data struct {
		Open    bool
		Until   time.Time
		View    wallet.View
		Problem *problem
	}
	d := data{}
	if c, err := r.Cookie(walletCookie); err == nil && c.Value != "" {
		v, err := h.o.Wallet.Wallet(r.Context(), h.caller(r), s.p, c.Value)
		if err != nil && !errors.Is(err, wallet.ErrWalletLocked) {
			h.fail(w, r, s, err)
			return
		}
		if err == nil {
			d.Open, d.View = true, v
		}
	}
	p.Data = d
	h.render(w, http.StatusOK, "wallet", p)
}

func (h *Handler) unlock(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	u, err := h.o.Wallet.Unlock(r.Context(), h.caller(r), s.p, r.PostFormValue("passcode"))
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: walletCookie, Value: u.Token, Path: Prefix, HttpOnly: true, Secure: h.o.Secure,
		SameSite: http.SameSiteStrictMode, Expires: u.ExpiresAt})
	http.Redirect(w, r, Prefix+"/wallet", http.StatusSeeOther)
}

func (h *Handler) closeWallet(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	http.SetCookie(w, &http.Cookie{Name: walletCookie, Path: Prefix, MaxAge: -1, HttpOnly: true, Secure: h.o.Secure})
	http.Redirect(w, r, Prefix+"/wallet?done=wallet_closed", http.StatusSeeOther)
}

// usageKinds are the history's kinds of use, with their labels.
var usageKinds = []struct{ Kind, VI, EN string }{
	{"login", "Đăng nhập", "Sign-in"},
	{"consent", "Đồng ý chia sẻ", "Consent given"},
	{"consent_refused", "Từ chối chia sẻ", "Consent refused"},
	{"consent_revoked", "Thu hồi đồng ý", "Consent withdrawn"},
	{"release", "Cung cấp thông tin", "Data released"},
	{"logout", "Đăng xuất", "Sign-out"},
	{"presentation_issued", "Xuất trình giấy tờ", "Documents presented"},
	{"presentation_verified", "Giấy tờ được kiểm tra", "Presentation verified"},
}

// history is the usage history with its filters.
func (h *Handler) history(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	p.Nav, p.Title = "history", [2]string{"Lịch sử sử dụng", "Usage history"}
	q := r.URL.Query()
	f := sso.UsageFilter{ClientID: q.Get("client"), Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to"), Limit: 25}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			h.fail(w, r, s, sso.ErrUsageFilter.WithFields("before"))
			return
		}
		f.Before = n
	}
	known := f.Kind == ""
	for _, k := range usageKinds {
		known = known || k.Kind == f.Kind
	}
	if !known {
		h.fail(w, r, s, sso.ErrUsageFilter.WithFields("kind"))
		return
	}
	rows, err := h.o.SSO.SearchUsage(r.Context(), s.p.Account.ID, f)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	clients, err := h.o.SSO.UsageClients(r.Context(), s.p.Account.ID)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	type row struct {
		At           time.Time
		Client       string
		KindVI       string
		KindEN       string
		Claims       []string
		Level        any
		Verifier, IP string
	}
	type data struct {
		Filter  sso.UsageFilter
		Kinds   any
		Clients []sso.NamedClient
		Rows    []row
		More    string
	}
	d := data{Filter: f, Kinds: usageKinds, Clients: clients}
	for _, u := range rows {
		at, _ := time.Parse("2006-01-02T15:04:05Z", u.At)
		rw := row{At: at, Client: u.ClientName, KindVI: u.Kind, KindEN: u.Kind}
		for _, k := range usageKinds {
			if k.Kind == u.Kind {
				rw.KindVI, rw.KindEN = k.VI, k.EN
			}
		}
		if cl, ok := u.Detail["claims"].([]any); ok {
			for _, c := range cl {
				if s, ok := c.(string); ok {
					rw.Claims = append(rw.Claims, s)
				}
			}
		}
		rw.Level = u.Detail["level"]
		d.Rows = append(d.Rows, rw)
	}
	if len(rows) == f.Limit {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("before", strconv.FormatInt(rows[len(rows)-1].ID, 10))
		d.More = Prefix + "/history?" + nq.Encode()
	}
	p.Data = d
	h.render(w, http.StatusOK, "history", p)
}

// services lists the relying parties the citizen consented to.
func (h *Handler) services(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	p.Nav, p.Title = "services", [2]string{"Dịch vụ đã liên kết", "Linked services"}
	l, err := h.o.SSO.ListConsents(r.Context(), s.p.Account.ID)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	p.Data = l
	h.render(w, http.StatusOK, "services", p)
}

func (h *Handler) revoke(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	if err := h.o.SSO.RevokeConsent(r.Context(), h.caller(r).IP, s.p.Account.ID, r.PostFormValue("client_id")); err != nil {
		h.fail(w, r, s, err)
		return
	}
	http.Redirect(w, r, Prefix+"/services?done=consent_revoked", http.StatusSeeOther)
}

// security shows sessions, the device, and the password, passcode and
// lock forms.
func (h *Handler) security(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	p.Nav, p.Title = "security", [2]string{"Bảo mật tài khoản", "Account security"}
	sessions, err := h.o.Accounts.Sessions(r.Context(), s.p)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	type data struct {
		Sessions []store.LiveSession
		Current  string
		Device   *account.BoundDevice
	}
	d := data{Sessions: sessions, Current: s.sso.ID}
	dev, err := h.o.Accounts.Device(r.Context(), s.p)
	if err == nil {
		d.Device = &dev
	} else if !errors.Is(err, account.ErrDeviceNotFound) {
		h.fail(w, r, s, err)
		return
	}
	p.Data = d
	h.render(w, http.StatusOK, "security", p)
}

func (h *Handler) endSession(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	id := r.PostFormValue("id")
	var err error
	if r.PostFormValue("kind") == store.SessionApp {
		err = h.o.Accounts.EndAppSession(r.Context(), h.caller(r), s.p, id)
	} else {
		err = h.o.SSO.EndOwnSession(r.Context(), h.caller(r), s.p.Account.ID, id)
	}
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	if id == s.sso.ID {
		h.clearSession(w)
		http.Redirect(w, r, Prefix+"/?done=signed_out", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+"/security?done=session_ended", http.StatusSeeOther)
}

func (h *Handler) unlinkDevice(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	if err := h.o.Accounts.UnlinkDevice(r.Context(), h.caller(r), s.p, r.PostFormValue("device_id"), r.PostFormValue("password")); err != nil {
		h.fail(w, r, s, err)
		return
	}
	// Unlinking ends every session, this one too.
	h.clearSession(w)
	http.Redirect(w, r, Prefix+"/?done=device_unlinked", http.StatusSeeOther)
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	if r.PostFormValue("new_password") != r.PostFormValue("confirm_password") {
		h.fail(w, r, s, errConfirm.WithFields("confirm_password"))
		return
	}
	if err := h.o.Accounts.ChangePassword(r.Context(), h.caller(r), s.p, r.PostFormValue("password"), r.PostFormValue("new_password")); err != nil {
		h.fail(w, r, s, err)
		return
	}
	// Every session ended with the change, this one too.
	h.clearSession(w)
	http.Redirect(w, r, Prefix+"/?done=password_changed", http.StatusSeeOther)
}

func (h *Handler) setPasscode(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	if r.PostFormValue("passcode") != r.PostFormValue("confirm_passcode") {
		h.fail(w, r, s, errConfirm.WithFields("confirm_passcode"))
		return
	}
	if err := h.o.Wallet.SetPasscode(r.Context(), h.caller(r), s.p, r.PostFormValue("password"), r.PostFormValue("passcode")); err != nil {
		h.fail(w, r, s, err)
		return
	}
	http.Redirect(w, r, Prefix+"/security?done=passcode_set", http.StatusSeeOther)
}

// lock locks the account at the holder's request (Decree 59 Art 19), after
// the password and an explicit confirmation; every session ends with it.
func (h *Handler) lock(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	if r.PostFormValue("confirm") != "yes" {
		h.fail(w, r, s, errConfirm.WithFields("confirm"))
		return
	}
	if err := h.o.Accounts.ConfirmPassword(r.Context(), h.caller(r), s.p, r.PostFormValue("password")); err != nil {
		h.fail(w, r, s, err)
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > 500 {
		h.fail(w, r, s, errReason.WithFields("reason"))
		return
	}
	if _, err := h.o.Locks.SelfLock(r.Context(), h.caller(r), s.p, reason); err != nil {
		h.fail(w, r, s, err)
		return
	}
	h.clearSession(w)
	http.Redirect(w, r, Prefix+"/locked", http.StatusSeeOther)
}

// locked tells a holder who just locked the account how to unlock it.
func (h *Handler) locked(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, "locked", page{L: h.lang(w, r), Path: r.URL.Path,
		Title: [2]string{"Tài khoản đã bị khóa", "The account is locked"}})
}

// notifications is the inbox.
func (h *Handler) notifications(w http.ResponseWriter, r *http.Request, s *signedIn, p page) {
	p.Nav, p.Title = "notifications", [2]string{"Thông báo", "Notifications"}
	l, err := h.o.Inbox.Inbox(r.Context(), s.p.Account.ID, 100)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	p.Data = l
	h.render(w, http.StatusOK, "notifications", p)
}
