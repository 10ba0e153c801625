package portal_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/ssoweb"
	"github.com/vneid/vneid/internal/store"
)

// TestSignIn: the sign-in through the provider ends on the overview with
// the citizen's name, and the usage history has the portal's login.
func TestSignIn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b := e.browser()
		p := b.signIn(level2ID)
		if !strings.Contains(p.body, level2Name) || !strings.Contains(p.body, `action="/portal/logout"`) {
			t.Errorf("overview lacks the name or the sign-out: %.600s", p.body)
		}
		if b.cookie("/", ssoweb.SessionCookie) == "" {
			t.Error("no single sign-on cookie")
		}
		recs, err := e.st.ListUsage(context.Background(), "acc0", 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range recs {
			found = found || (r.Kind == "login" && r.ClientID == sso.PortalClientID)
		}
		if !found {
			t.Errorf("no portal login in the usage records: %+v", recs)
		}
		p = b.get("/portal/history?kind=login")
		if p.status != http.StatusOK || !strings.Contains(tbody(p.body), "Cổng định danh điện tử VNeID") || !strings.Contains(tbody(p.body), "Đăng nhập") {
			t.Errorf("history: %d %.300s", p.status, tbody(p.body))
		}

		// Signing out ends the session.
		old := b.cookie("/", ssoweb.SessionCookie)
		p = b.post("/portal/logout", url.Values{})
		if p.status != http.StatusOK || p.url.RequestURI() != "/portal/?done=signed_out" {
			t.Errorf("sign-out: %d at %s", p.status, p.url)
		}
		if got := withCookie(e, old).get("/portal/security"); got.status != http.StatusSeeOther {
			t.Errorf("the old cookie still works after sign-out: %d", got.status)
		}
	})
}

// withCookie is a fresh browser that holds the single sign-on cookie.
func withCookie(e *env, value string) *browser {
	b := e.browser()
	b.manual = true
	b.setCookie("/", ssoweb.SessionCookie, value)
	return b
}

// tbody is the history table's rows.
func tbody(body string) string {
	i, j := strings.Index(body, "<tbody>"), strings.Index(body, "</tbody>")
	if i < 0 || j < i {
		return ""
	}
	return body[i:j]
}

// TestSignedOut: pages send a stranger to sign in, forms refuse, and the
// page a sign-in returns to stays on the portal.
func TestSignedOut(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.manual = true
		expectRedirect(t, b.get("/portal/security"), http.StatusSeeOther, "/portal/login?next=%2Fportal%2Fsecurity")
		expectRedirect(t, b.get("/portal/history?kind=login"), http.StatusSeeOther, "/portal/login?next=%2Fportal%2Fhistory%3Fkind%3Dlogin")
		for _, path := range []string{"/portal/security/lock", "/portal/security/password", "/portal/wallet/unlock", "/portal/logout"} {
			expectProblem(t, b.post(path, url.Values{"csrf": {"x"}, "password": {password}, "confirm": {"yes"}}), http.StatusUnauthorized, "unauthenticated")
		}
		p := b.get("/portal/login")
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.url.String(), e.issuer+"/authorize?") {
			t.Fatalf("login: %d to %s", p.status, p.url)
		}
		q := p.url.Query()
		if q.Get("client_id") != sso.PortalClientID || q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") != e.url+"/portal/callback" ||
			q.Get("state") == "" || q.Get("nonce") == "" {
			t.Errorf("authorization request %s", p.url)
		}

		// One sign-in, then the session signs in again without a password.
		s := e.browser()
		if p := s.signInAt("/portal/login?next="+url.QueryEscape("/portal/history"), level2ID, password); p.status != http.StatusOK ||
			p.url.RequestURI() != "/portal/history" {
			t.Fatalf("sign-in to /portal/history stopped at %s (%d)", p.url, p.status)
		}
		for _, next := range []string{"//evil.example/x", "https://evil.example/portal/", "/portal//evil.example", "/\\evil.example",
			"/portal/\\evil.example", "javascript:alert(1)", "/oidc/logout", "/portal/%0d%0aSet-Cookie:x=y"} {
			p := s.get("/portal/login?next=" + url.QueryEscape(next))
			if p.url.Host != strings.TrimPrefix(e.url, "http://") || !strings.HasPrefix(p.url.Path, "/portal/") || strings.HasPrefix(p.url.Path, "/portal//") {
				t.Errorf("next=%q: stopped at %s (%d)", next, p.url, p.status)
			}
		}
	})
}

// TestLoginNextDotSegments: a next page with dot segments (plain or
// encoded) does not lead out of the portal.
func TestLoginNextDotSegments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		s := e.signedIn()
		for _, next := range []string{"/portal/../oidc/x", "/portal/./../activate", "/portal/%2e%2e/activate"} {
			p := s.get("/portal/login?next=" + url.QueryEscape(next))
			if !strings.HasPrefix(p.url.Path, "/portal/") || strings.Contains(strings.ToLower(p.url.RawPath+p.url.Path), "%2e") {
				t.Errorf("next=%q led out of the portal, to %s (%d)", next, p.url, p.status)
			}
		}
	})
}

// TestCallbackRefusals: a callback that does not match the sign-in it
// ends fails, and a code works once.
func TestCallbackRefusals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		// Wrong state.
		b := e.browser()
		b.manual = true
		p := b.get("/portal/login")
		if p.status != http.StatusSeeOther || b.cookie("/portal/callback", "vneid_portal_login") == "" {
			t.Fatalf("login: %d, no login cookie", p.status)
		}
		expectProblem(t, b.get("/portal/callback?code=abc&state=wrong"), http.StatusUnauthorized, "signin_failed")
		// No cookie (the one above was cleared by the callback, and a
		// fresh browser has none).
		state := p.url.Query().Get("state")
		expectProblem(t, e.browser().get("/portal/callback?code=abc&state="+state), http.StatusUnauthorized, "signin_failed")
		// The provider reports an error.
		b = e.browser()
		b.manual = true
		p = b.get("/portal/login")
		state = p.url.Query().Get("state")
		expectProblem(t, b.get("/portal/callback?error=access_denied&state="+state), http.StatusUnauthorized, "signin_failed")
		// A code for another browser's sign-in (the state matches this
		// browser's cookie, the verifier does not).
		expectProblem(t, b.get("/portal/callback?code=forged&state="+state), http.StatusUnauthorized, "signin_failed")

		// A replayed code: sign in, then replay the callback with the
		// login cookie it consumed.
		s := e.signedIn()
		s.manual = true
		p = s.get("/portal/login?next=%2Fportal%2Fservices")
		login := s.cookie("/portal/callback", "vneid_portal_login")
		for i := 0; i < 5 && p.status/100 == 3 && p.url.Path != "/portal/callback"; i++ {
			p = s.get(p.url.String())
		}
		if p.status/100 != 3 || p.url.Path != "/portal/callback" || p.url.Query().Get("code") == "" {
			t.Fatalf("authorize with a session: %d to %s", p.status, p.url)
		}
		callback := p.url.String()
		expectRedirect(t, s.get(callback), http.StatusSeeOther, "/portal/services")
		s.setCookie("/portal/callback", "vneid_portal_login", login)
		expectProblem(t, s.get(callback), http.StatusUnauthorized, "signin_failed")
	})
}

// TestCSRF: a form without its token, or from another site, is refused.
func TestCSRF(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		b.manual = true
		good := field(b.get("/portal/security").body, "csrf")
		if good == "" {
			t.Fatal("the security page has no csrf field")
		}
		form := url.Values{"password": {password}, "confirm": {"yes"}}
		for _, tok := range []string{"", "wrong", good + "x"} {
			f := url.Values{"csrf": {tok}}
			for k, v := range form {
				f[k] = v
			}
			expectProblem(t, b.post("/portal/security/lock", f), http.StatusForbidden, "form_expired")
		}
		// A token made for another browser's session.
		other := e.browser()
		other.signIn(level1ID)
		theirs := field(other.get("/portal/security").body, "csrf")
		f := url.Values{"csrf": {theirs}, "password": {password}, "confirm": {"yes"}}
		expectProblem(t, b.post("/portal/security/lock", f), http.StatusForbidden, "form_expired")
		// The right token from another site.
		f = url.Values{"csrf": {good}, "password": {password}, "confirm": {"yes"}}
		if p := b.post("/portal/security/lock", f, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); p.status != http.StatusForbidden {
			t.Errorf("cross-site post: %d", p.status)
		}
		if p := b.post("/portal/security/lock", f, "Origin", "https://evil.example"); p.status != http.StatusForbidden {
			t.Errorf("cross-origin post: %d", p.status)
		}
		a, err := e.st.Account(context.Background(), "acc0")
		if err != nil || a.State != store.AccountActive {
			t.Errorf("account after refused posts: %v %v", a.State, err)
		}
	})
}

// TestLanguage: ?lang=en switches to English and the cookie keeps it.
func TestLanguage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b := e.browser()
		p := b.get("/portal/")
		if !strings.Contains(p.body, `<html lang="vi">`) || !strings.Contains(p.body, "<h1>Cổng định danh điện tử</h1>") {
			t.Errorf("default page not Vietnamese: %.300s", p.body)
		}
		p = b.get("/portal/?lang=en")
		if !strings.Contains(p.body, `<html lang="en">`) || !strings.Contains(p.body, "<h1>e-ID portal</h1>") {
			t.Errorf("?lang=en: %.300s", p.body)
		}
		p = b.get("/portal/")
		if !strings.Contains(p.body, `<html lang="en">`) || !strings.Contains(p.body, "<h1>e-ID portal</h1>") {
			t.Errorf("the next page is not English: %.300s", p.body)
		}
		p = b.get("/portal/nope")
		if !strings.Contains(p.body, `<html lang="en">`) || !strings.Contains(p.body, "There is no such page.") {
			t.Errorf("the error page is not English: %.300s", p.body)
		}
		// Signed in, pages stay English.
		b.signIn(level2ID)
		p = b.get("/portal/security")
		if !strings.Contains(p.body, `<html lang="en">`) || !strings.Contains(p.body, "<h1>Account security</h1>") {
			t.Errorf("security page: %.300s", p.body)
		}
		p = b.get("/portal/security?lang=vi")
		if !strings.Contains(p.body, `<html lang="vi">`) || !strings.Contains(p.body, "<h1>Bảo mật tài khoản</h1>") {
			t.Errorf("?lang=vi: %.300s", p.body)
		}
		if p = b.get("/portal/?lang=xx"); !strings.Contains(p.body, `<html lang="vi">`) {
			t.Errorf("?lang=xx changed the language: %.200s", p.body)
		}
	})
}

// TestSecurityHeaders: pages cannot be framed, cached or sniffed.
func TestSecurityHeaders(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		b.manual = true
		for _, path := range []string{"/portal/", "/portal/security", "/portal/nope", "/portal/login"} {
			h := b.get(path).header
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("%s: CSP %q", path, csp)
			}
			if h.Get("X-Frame-Options") != "DENY" || h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: headers %v", path, h)
			}
		}
		if p := b.get("/portal/static/portal.css"); p.status != http.StatusOK || p.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("stylesheet: %d %v", p.status, p.header)
		}
	})
}

// TestSessions: the security page lists web and app sessions; either
// kind can be ended, only the citizen's own.
func TestSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := time.Now()
		appHash, otherHash := make([]byte, 32), make([]byte, 32)
		_, _ = rand.Read(appHash)
		_, _ = rand.Read(otherHash)
		for _, s := range []store.Session{
			{ID: "app-session-0", TokenHash: appHash, AccountID: "acc0", DeviceID: "dev-0"},
			{ID: "app-session-1", TokenHash: otherHash, AccountID: "acc1", DeviceID: "dev-1"},
		} {
			s.CreatedAt, s.LastSeenAt, s.ExpiresAt = now, now, now.Add(time.Hour)
			if err := e.st.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		b := e.signedIn()
		b.manual = true
		web := e.webSession("acc0")
		p := b.get("/portal/security")
		if p.status != http.StatusOK || !strings.Contains(p.body, `value="app-session-0"`) || !strings.Contains(p.body, `value="`+web+`"`) ||
			!strings.Contains(p.body, "Ứng dụng VNeID") || !strings.Contains(p.body, "Trình duyệt web") || !strings.Contains(p.body, "(phiên này)") {
			t.Fatalf("security page: %d %.1500s", p.status, p.body)
		}
		if strings.Contains(p.body, "app-session-1") {
			t.Error("another account's session is listed")
		}

		// The app session ends.
		expectRedirect(t, b.post("/portal/security/session", url.Values{"kind": {"app"}, "id": {"app-session-0"}}), http.StatusSeeOther,
			"/portal/security?done=session_ended")
		if s, err := e.st.SessionByTokenHash(ctx, appHash); err != nil || s.RevokedAt.IsZero() {
			t.Errorf("app session after ending: %+v %v", s, err)
		}
		p = b.get("/portal/security?done=session_ended")
		if strings.Contains(p.body, `value="app-session-0"`) || !strings.Contains(p.body, "Đã đăng xuất phiên này.") {
			t.Errorf("security page after ending: %.600s", p.body)
		}
		// Ended twice, another's, unknown: not found.
		for _, f := range []url.Values{
			{"kind": {"app"}, "id": {"app-session-0"}},
			{"kind": {"app"}, "id": {"app-session-1"}},
			{"kind": {"app"}, "id": {web}},
			{"kind": {"web"}, "id": {"app-session-0"}},
			{"kind": {"web"}, "id": {"nope"}},
		} {
			expectProblem(t, b.post("/portal/security/session", f), http.StatusNotFound, "session_not_found")
		}
		if s, err := e.st.SessionByTokenHash(ctx, otherHash); err != nil || !s.RevokedAt.IsZero() {
			t.Errorf("another account's app session: %+v %v", s, err)
		}
		// Another citizen's web session.
		other := e.browser()
		other.signIn(level1ID)
		theirs := e.webSession("acc1")
		expectProblem(t, b.post("/portal/security/session", url.Values{"kind": {"web"}, "id": {theirs}}), http.StatusNotFound, "session_not_found")
		if p := other.get("/portal/security"); p.status != http.StatusOK {
			t.Errorf("the other citizen was signed out: %d", p.status)
		}

		// Ending this browser's web session signs it out.
		old := b.cookie("/", ssoweb.SessionCookie)
		b.get("/portal/security")
		expectRedirect(t, b.post("/portal/security/session", url.Values{"kind": {"web"}, "id": {web}}), http.StatusSeeOther, "/portal/?done=signed_out")
		if b.cookie("/", ssoweb.SessionCookie) != "" {
			t.Error("the session cookie was not cleared")
		}
		if p := withCookie(e, old).get("/portal/security"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.url.RequestURI(), "/portal/login") {
			t.Errorf("the ended session still works: %d %s", p.status, p.url)
		}
		if se, err := e.st.SSOSession(ctx, web); err != nil || se.EndedAt.IsZero() {
			t.Errorf("web session in the store: %+v %v", se, err)
		}
	})
}

// TestChangePassword: the confirmation, the policy, and a change that
// ends the sessions and tells the citizen by SMS.
func TestChangePassword(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		b := e.signedIn()
		b.manual = true
		const fresh = "MoiDoi#2025x"
		change := func(cur, pw, again string) page {
			b.get("/portal/security")
			return b.post("/portal/security/password", url.Values{"password": {cur}, "new_password": {pw}, "confirm_password": {again}})
		}
		expectProblem(t, change(password, fresh, fresh+"y"), http.StatusBadRequest, "confirmation_mismatch")
		expectProblem(t, change(password, password, password), http.StatusBadRequest, "password_unchanged")
		expectProblem(t, change(password, "abc", "abc"), http.StatusBadRequest, "password_weak")
		expectProblem(t, change(password, "khongcochuhoa1!", "khongcochuhoa1!"), http.StatusBadRequest, "password_weak")
		expectProblem(t, change(password, "Ab#"+level2ID, "Ab#"+level2ID), http.StatusBadRequest, "password_weak")
		if p := change("Sai@Matkhau1", fresh, fresh); p.status != http.StatusUnauthorized || p.code() != "invalid_credentials" {
			t.Errorf("wrong current password: %d %q", p.status, p.code())
		}
		old := b.cookie("/", ssoweb.SessionCookie)
		expectRedirect(t, change(password, fresh, fresh), http.StatusSeeOther, "/portal/?done=password_changed")
		if p := withCookie(e, old).get("/portal/security"); p.status != http.StatusSeeOther {
			t.Errorf("the old session still works: %d", p.status)
		}
		if p := b.get("/portal/?done=password_changed"); !strings.Contains(p.body, "Đã đổi mật khẩu") {
			t.Errorf("no flash after the change: %.300s", p.body)
		}
		// The old password no longer signs in; the new one does.
		if p := e.browser().signInAt("/portal/login", level2ID, password); p.url.Path == "/portal/" {
			t.Error("the old password still signs in")
		}
		n := e.browser()
		if p := n.signInAt("/portal/login", level2ID, fresh); p.status != http.StatusOK || p.url.Path != "/portal/" || !strings.Contains(p.body, level2Name) {
			t.Errorf("new password: stopped at %s (%d)", p.url, p.status)
		}
		msgs, err := e.st.ListOutbox(ctx, store.OutboxFilter{Recipient: phones[level2ID], Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, m := range msgs {
			if m.Template == notify.TemplatePasswordChanged {
				sent++
			}
		}
		if sent != 1 {
			t.Errorf("%d password_changed SMS, want 1", sent)
		}
	})
}

// TestWallet: the passcode opens the wallet, which shows the e-ID card;
// wrong passcodes are limited.
func TestWallet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		b.manual = true
		p := b.get("/portal/wallet")
		if p.status != http.StatusOK || !strings.Contains(p.body, `action="/portal/wallet/unlock"`) {
			t.Fatalf("wallet page: %d %.300s", p.status, p.body)
		}
		expectProblem(t, b.post("/portal/wallet/unlock", url.Values{"passcode": {"246810"}}), http.StatusConflict, "passcode_not_set")
		b.get("/portal/security")
		expectProblem(t, b.post("/portal/security/passcode", url.Values{"password": {password}, "passcode": {"246810"}, "confirm_passcode": {"246811"}}),
			http.StatusBadRequest, "confirmation_mismatch")
		expectProblem(t, b.post("/portal/security/passcode", url.Values{"password": {password}, "passcode": {"123456"}, "confirm_passcode": {"123456"}}),
			http.StatusBadRequest, "passcode_invalid_format")
		expectRedirect(t, b.post("/portal/security/passcode", url.Values{"password": {password}, "passcode": {"246810"}, "confirm_passcode": {"246810"}}),
			http.StatusSeeOther, "/portal/security?done=passcode_set")

		b.get("/portal/wallet")
		expectProblem(t, b.post("/portal/wallet/unlock", url.Values{"passcode": {"135790"}}), http.StatusUnauthorized, "passcode_wrong")
		expectRedirect(t, b.post("/portal/wallet/unlock", url.Values{"passcode": {"246810"}}), http.StatusSeeOther, "/portal/wallet")
		if b.cookie("/portal/wallet", "vneid_wallet") == "" {
			t.Fatal("no wallet cookie")
		}
		p = b.get("/portal/wallet")
		if p.status != http.StatusOK || !strings.Contains(p.body, level2Name) || !strings.Contains(p.body, level2ID) ||
			!strings.Contains(p.body, "Căn cước điện tử") || !strings.Contains(p.body, `action="/portal/wallet/close"`) {
			t.Errorf("open wallet: %d %.1500s", p.status, p.body)
		}
		// A forged wallet cookie shows the passcode form.
		b.setCookie("/portal", "vneid_wallet", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		if p := b.get("/portal/wallet"); p.status != http.StatusOK || strings.Contains(p.body, level2Name) {
			t.Errorf("forged wallet cookie: %d", p.status)
		}
		// Four more wrong passcodes (five in all): the right one is refused.
		for i := 0; i < 4; i++ {
			b.get("/portal/wallet")
			expectProblem(t, b.post("/portal/wallet/unlock", url.Values{"passcode": {"135790"}}), http.StatusUnauthorized, "passcode_wrong")
		}
		b.get("/portal/wallet")
		p = b.post("/portal/wallet/unlock", url.Values{"passcode": {"246810"}})
		expectProblem(t, p, http.StatusTooManyRequests, "rate_limited")
		if n, err := strconv.Atoi(p.header.Get("Retry-After")); err != nil || n <= 0 || n > 15*60 {
			t.Errorf("Retry-After %q", p.header.Get("Retry-After"))
		}
	})
}

// TestHistoryFilter: invalid filters are refused; a client filter shows
// only that client's uses.
func TestHistoryFilter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.register("bank.test", "Ngân hàng Thử nghiệm")
		e.register("tax.test", "Cục Thuế Thử nghiệm")
		now := time.Now()
		for _, u := range []store.UsageRecord{
			{AccountID: "acc0", ClientID: "bank.test", Kind: "release", Detail: `{"claims":["name"],"level":2}`, At: now.Add(-2 * time.Hour)},
			{AccountID: "acc0", ClientID: "tax.test", Kind: "consent", Detail: `{}`, At: now.Add(-time.Hour)},
			{AccountID: "acc1", ClientID: "bank.test", Kind: "consent", Detail: `{}`, At: now.Add(-time.Hour)},
		} {
			if err := e.st.AppendUsage(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		b := e.signedIn()
		b.manual = true
		for _, q := range []string{"kind=bogus", "from=2026-13-01", "to=2026-02-30", "from=2026-05-02&to=2026-05-01", "before=abc", "before=-1"} {
			expectProblem(t, b.get("/portal/history?"+q), http.StatusBadRequest, "usage_filter_invalid")
		}
		all := tbody(b.get("/portal/history").body)
		if !strings.Contains(all, "Ngân hàng Thử nghiệm") || !strings.Contains(all, "Cục Thuế Thử nghiệm") || !strings.Contains(all, "Cổng định danh điện tử VNeID") {
			t.Errorf("unfiltered history: %.1500s", all)
		}
		p := b.get("/portal/history?client=bank.test")
		rows := tbody(p.body)
		if p.status != http.StatusOK || !strings.Contains(rows, "Ngân hàng Thử nghiệm") || strings.Contains(rows, "Cục Thuế") || strings.Contains(rows, "VNeID") ||
			strings.Count(rows, "<tr>") != 1 || !strings.Contains(rows, "name") {
			t.Errorf("history of bank.test: %d %.1500s", p.status, rows)
		}
		if !strings.Contains(p.body, `<option value="bank.test" selected>`) {
			t.Errorf("the filter does not show bank.test selected")
		}
		rows = tbody(b.get("/portal/history?client=tax.test&kind=consent").body)
		if strings.Count(rows, "<tr>") != 1 || !strings.Contains(rows, "Cục Thuế") {
			t.Errorf("tax.test consents: %.800s", rows)
		}
		if rows := tbody(b.get("/portal/history?client=tax.test&kind=release").body); rows != "" {
			t.Errorf("tax.test releases: %.800s", rows)
		}
		today := now.In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02")
		if rows := tbody(b.get("/portal/history?client=bank.test&from=" + today + "&to=" + today).body); !strings.Contains(rows, "Ngân hàng") &&
			now.Add(-2*time.Hour).In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02") == today {
			t.Errorf("today's bank.test uses: %.800s", rows)
		}
		if rows := tbody(b.get("/portal/history?from=2000-01-01&to=2000-01-31").body); rows != "" {
			t.Errorf("January 2000: %.800s", rows)
		}
	})
}

// TestLock: the holder locks the account with the password and a ticked
// box; every session ends.
func TestLock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		b := e.signedIn()
		b.manual = true
		web := e.webSession("acc0")
		lock := func(f url.Values) page {
			b.get("/portal/security")
			return b.post("/portal/security/lock", f)
		}
		expectProblem(t, lock(url.Values{"password": {password}}), http.StatusBadRequest, "confirmation_mismatch")
		expectProblem(t, lock(url.Values{"password": {password}, "confirm": {"no"}}), http.StatusBadRequest, "confirmation_mismatch")
		if p := lock(url.Values{"password": {"Sai@Matkhau1"}, "confirm": {"yes"}}); p.status != http.StatusUnauthorized || p.code() != "invalid_credentials" {
			t.Errorf("wrong password: %d %q", p.status, p.code())
		}
		if a, _ := e.st.Account(ctx, "acc0"); a.State != store.AccountActive {
			t.Fatalf("locked by a refused form: %s", a.State)
		}
		old := b.cookie("/", ssoweb.SessionCookie)
		expectRedirect(t, lock(url.Values{"password": {password}, "confirm": {"yes"}, "reason": {"Mất điện thoại"}}), http.StatusSeeOther, "/portal/locked")
		if p := b.get("/portal/locked"); p.status != http.StatusOK || !strings.Contains(p.body, "1900 0368") {
			t.Errorf("locked page: %d", p.status)
		}
		if a, err := e.st.Account(ctx, "acc0"); err != nil || a.State != store.AccountLocked {
			t.Errorf("account state %q, %v", a.State, err)
		}
		if se, err := e.st.SSOSession(ctx, web); err != nil || se.EndedAt.IsZero() {
			t.Errorf("the web session did not end: %+v %v", se, err)
		}
		if p := withCookie(e, old).get("/portal/security"); p.status/100 == 2 {
			t.Errorf("the old session still works: %d", p.status)
		}
		// A locked account cannot sign in again.
		if p := e.browser().signInAt("/portal/login", level2ID, password); p.url.Path == "/portal/" && p.status == http.StatusOK {
			t.Error("the locked account signed in")
		}
	})
}

// TestConsents: the services page lists the consents; one can be
// withdrawn.
func TestConsents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.register("bank.test", "Ngân hàng Thử nghiệm")
		if err := e.st.PutConsent(ctx, store.Consent{AccountID: "acc0", ClientID: "bank.test", Scopes: []string{"openid", "profile"}, GrantedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := e.st.PutConsent(ctx, store.Consent{AccountID: "acc1", ClientID: "bank.test", Scopes: []string{"openid", "profile"}, GrantedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		b := e.signedIn()
		b.manual = true
		p := b.get("/portal/services")
		if p.status != http.StatusOK || !strings.Contains(p.body, "Ngân hàng Thử nghiệm") || !strings.Contains(p.body, "Mục đích của Ngân hàng Thử nghiệm") ||
			!strings.Contains(p.body, `value="bank.test"`) {
			t.Fatalf("services page: %d %.1200s", p.status, p.body)
		}
		expectRedirect(t, b.post("/portal/services/revoke", url.Values{"client_id": {"bank.test"}}), http.StatusSeeOther, "/portal/services?done=consent_revoked")
		if _, err := e.st.Consent(ctx, "acc0", "bank.test"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("consent after revoking: %v", err)
		}
		if _, err := e.st.Consent(ctx, "acc1", "bank.test"); err != nil {
			t.Errorf("another citizen's consent: %v", err)
		}
		p = b.get("/portal/services?done=consent_revoked")
		if strings.Contains(p.body, `value="bank.test"`) || !strings.Contains(p.body, "Đã thu hồi đồng ý") {
			t.Errorf("services after revoking: %.1200s", p.body)
		}
		expectProblem(t, b.post("/portal/services/revoke", url.Values{"client_id": {"bank.test"}}), http.StatusNotFound, "sso_consent_not_found")
	})
}

// TestNotFound: unknown paths get the portal's error page.
func TestNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.manual = true
		for _, path := range []string{"/portal/nope", "/portal/wallet/nope", "/portal/static/nope.css"} {
			p := b.get(path)
			if p.status != http.StatusNotFound {
				t.Errorf("%s: %d", path, p.status)
			}
		}
		expectProblem(t, b.get("/portal/nope"), http.StatusNotFound, "not_found")
		if p := b.get("/portal"); p.status != http.StatusFound || p.url.Path != "/portal/" {
			t.Errorf("/portal: %d %s", p.status, p.url)
		}
		// Wrong methods are refused without a trace.
		req, _ := http.NewRequest(http.MethodPut, e.url+"/portal/security", nil)
		if p := b.do(req); p.status/100 != 4 {
			t.Errorf("PUT: %d", p.status)
		}
		// Signed in, the error page keeps the menu.
		s := e.signedIn()
		p := s.get("/portal/nope")
		expectProblem(t, p, http.StatusNotFound, "not_found")
		if !strings.Contains(p.body, "<h1>Không thực hiện được</h1>") {
			t.Errorf("error page: %.400s", p.body)
		}
	})
}

// TestNotifications: the inbox shows the citizen's messages only.
func TestNotifications(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, m := range []store.InboxMessage{
			{AccountID: "acc0", Kind: "test", TitleVI: "Tin thử nghiệm", TitleEN: "Test notice", BodyVI: "Nội dung", BodyEN: "Body", CreatedAt: time.Now()},
			{AccountID: "acc1", Kind: "test", TitleVI: "Tin của người khác", TitleEN: "Someone else's", BodyVI: "x", BodyEN: "x", CreatedAt: time.Now()},
		} {
			if _, err := e.st.AddInbox(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		b := e.signedIn()
		p := b.get("/portal/notifications")
		if p.status != http.StatusOK || !strings.Contains(p.body, "Tin thử nghiệm") || strings.Contains(p.body, "người khác") {
			t.Errorf("notifications: %d %.800s", p.status, p.body)
		}
		if p := b.get("/portal/notifications?lang=en"); !strings.Contains(p.body, "Test notice") {
			t.Errorf("English notifications: %.800s", p.body)
		}
	})
}

// TestDevice: the security page shows the bound device, which the
// password unlinks.
func TestDevice(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		pub := make([]byte, 65)
		_, _ = rand.Read(pub)
		if err := e.st.BindDevice(ctx, store.Device{AccountID: "acc0", DeviceID: "dev-0", PublicKey: pub, Name: "Điện thoại thử", Platform: "android",
			BoundAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		b := e.signedIn()
		b.manual = true
		unlink := func(id, pw string) page {
			b.get("/portal/security")
			return b.post("/portal/security/device", url.Values{"device_id": {id}, "password": {pw}})
		}
		p := b.get("/portal/security")
		if !strings.Contains(p.body, "Điện thoại thử (android)") || !strings.Contains(p.body, `value="dev-0"`) {
			t.Fatalf("security page lacks the device: %.2000s", p.body)
		}
		if p := unlink("dev-0", "Sai@Matkhau1"); p.status != http.StatusUnauthorized || p.code() != "invalid_credentials" {
			t.Errorf("wrong password: %d %q", p.status, p.code())
		}
		expectProblem(t, unlink("dev-9", password), http.StatusNotFound, "device_not_found")
		if _, err := e.st.AccountDevice(ctx, "acc0"); err != nil {
			t.Fatalf("device after refused unlinks: %v", err)
		}
		p = unlink("dev-0", password)
		if p.status != http.StatusSeeOther {
			t.Fatalf("unlink: %d %.300s", p.status, p.body)
		}
		if _, err := e.st.AccountDevice(ctx, "acc0"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("device after unlinking: %v", err)
		}
		// Unlinking ends every session, this one too (account.UnlinkDevice).
		if l, _ := e.st.LiveSessions(ctx, "acc0", time.Now()); len(l) != 0 {
			t.Errorf("live sessions after unlinking: %+v", l)
		}
		// Unlinking ended this browser's session too: the portal clears the
		// cookie and lands on the home page with the confirmation.
		next := b.get(p.url.RequestURI())
		if next.status != http.StatusOK || !strings.Contains(next.body, "Đã hủy liên kết thiết bị") {
			t.Errorf("after unlinking the device %s leads to %d %s, without the confirmation", p.url.RequestURI(), next.status, next.url)
		}
	})
}

// TestWalletSession: the open wallet closes on request and its cookie
// only opens it for the session that unlocked it.
func TestWalletSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		b.manual = true
		b.get("/portal/security")
		expectRedirect(t, b.post("/portal/security/passcode", url.Values{"password": {password}, "passcode": {"246810"}, "confirm_passcode": {"246810"}}),
			http.StatusSeeOther, "/portal/security?done=passcode_set")
		b.get("/portal/wallet")
		expectRedirect(t, b.post("/portal/wallet/unlock", url.Values{"passcode": {"246810"}}), http.StatusSeeOther, "/portal/wallet")
		token := b.cookie("/portal/wallet", "vneid_wallet")
		if p := b.get("/portal/wallet"); !strings.Contains(p.body, level2Name) {
			t.Fatalf("wallet not open: %.300s", p.body)
		}
		expectRedirect(t, b.post("/portal/wallet/close", url.Values{}), http.StatusSeeOther, "/portal/wallet?done=wallet_closed")
		if b.cookie("/portal/wallet", "vneid_wallet") != "" {
			t.Error("the wallet cookie survived closing")
		}
		if p := b.get("/portal/wallet?done=wallet_closed"); strings.Contains(p.body, level2Name) || !strings.Contains(p.body, "Đã đóng ví giấy tờ.") {
			t.Errorf("closed wallet: %.600s", p.body)
		}
		// Another session of the same citizen cannot use the token.
		s := e.browser()
		s.signInAt("/portal/login", level2ID, password)
		s.setCookie("/portal", "vneid_wallet", token)
		if p := s.get("/portal/wallet"); p.status != http.StatusOK || strings.Contains(p.body, level2Name) {
			t.Errorf("another session opened the wallet with the token: %d", p.status)
		}
		// Signing out clears the wallet cookie.
		b.get("/portal/wallet")
		expectRedirect(t, b.post("/portal/wallet/unlock", url.Values{"passcode": {"246810"}}), http.StatusSeeOther, "/portal/wallet")
		b.get("/portal/wallet")
		expectRedirect(t, b.post("/portal/logout", url.Values{}), http.StatusSeeOther, "/portal/?done=signed_out")
		if b.cookie("/portal/wallet", "vneid_wallet") != "" {
			t.Error("the wallet cookie survived signing out")
		}
	})
}

// TestHistoryPages: the history shows 25 uses a page and links to the
// older ones, keeping the filter.
func TestHistoryPages(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.register("bank.test", "Ngân hàng Thử nghiệm")
		now := time.Now().Add(-time.Hour)
		for i := 0; i < 30; i++ {
			if err := e.st.AppendUsage(ctx, store.UsageRecord{AccountID: "acc0", ClientID: "bank.test", Kind: "release", Detail: `{}`,
				At: now.Add(time.Duration(i) * time.Second)}); err != nil {
				t.Fatal(err)
			}
		}
		b := e.signedIn()
		p := b.get("/portal/history?client=bank.test")
		if n := strings.Count(tbody(p.body), "<tr>"); n != 25 {
			t.Errorf("first page: %d rows", n)
		}
		m := moreLink.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no link to older uses: %.300s", p.body)
		}
		more := strings.ReplaceAll(m[1], "&amp;", "&")
		if !strings.Contains(more, "client=bank.test") || !strings.Contains(more, "before=") {
			t.Errorf("older uses link %q", more)
		}
		p = b.get(more)
		if n := strings.Count(tbody(p.body), "<tr>"); p.status != http.StatusOK || n != 5 {
			t.Errorf("second page: %d, %d rows", p.status, n)
		}
		if moreLink.MatchString(p.body) {
			t.Error("the last page links to older uses")
		}
	})
}

var moreLink = regexp.MustCompile(`<a href="(/portal/history\?[^"]*)">(?:Xem thêm|Older entries)</a>`)

// TestChangePasswordEndsAppSessions: a password change from the portal
// also signs the app out.
func TestChangePasswordEndsAppSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := time.Now()
		hash := make([]byte, 32)
		_, _ = rand.Read(hash)
		if err := e.st.CreateSession(ctx, store.Session{ID: "app-session-0", TokenHash: hash, AccountID: "acc0", DeviceID: "dev-0",
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		b := e.signedIn()
		b.manual = true
		b.get("/portal/security")
		expectRedirect(t, b.post("/portal/security/password", url.Values{"password": {password}, "new_password": {"MoiDoi#2025x"},
			"confirm_password": {"MoiDoi#2025x"}}), http.StatusSeeOther, "/portal/?done=password_changed")
		if s, err := e.st.SessionByTokenHash(ctx, hash); err != nil || s.RevokedAt.IsZero() {
			t.Errorf("app session after the change: %+v %v", s, err)
		}
		if l, _ := e.st.LiveSessions(ctx, "acc0", time.Now()); len(l) != 0 {
			t.Errorf("live sessions after the change: %+v", l)
		}
	})
}

// TestLockLongReason: a reason of 500 Vietnamese characters (over 500
// bytes) is kept whole as valid text; 501 characters are refused with a
// clear error, never cut inside a character.
func TestLockLongReason(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		b.manual = true
		b.get("/portal/security")
		long := strings.Repeat("a", 497) + "Đặng"
		p := b.post("/portal/security/lock", url.Values{"password": {password}, "confirm": {"yes"}, "reason": {long}})
		if p.status != http.StatusBadRequest || p.code() != "lock_reason_invalid" {
			t.Errorf("lock with a 501-character reason: %d %q, want 400 lock_reason_invalid", p.status, p.code())
		}
		b.get("/portal/security")
		reason := strings.Repeat("a", 496) + "Đặng"
		p = b.post("/portal/security/lock", url.Values{"password": {password}, "confirm": {"yes"}, "reason": {reason}})
		if p.status != http.StatusSeeOther || p.url.Path != "/portal/locked" {
			t.Errorf("lock with a 500-character (506-byte) reason: %d %q at %s", p.status, p.code(), p.url)
		}
		locks, err := e.st.AccountLocks(context.Background(), "acc0", true)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range locks {
			if !utf8.ValidString(l.Reason) {
				t.Errorf("the lock's reason is not valid UTF-8: %q", l.Reason[490:])
			} else if l.Reason != reason {
				t.Errorf("the lock's reason was changed: %q", l.Reason[490:])
			}
		}
	})
}
