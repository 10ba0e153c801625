package console_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/console"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/store/storetest"
)

const wantCSP = "default-src 'none'; img-src data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'"

// checkHeaders asserts the headers every console response carries.
func checkHeaders(t *testing.T, what string, r response) {
	t.Helper()
	for name, want := range map[string]string{
		"Content-Security-Policy": wantCSP,
		"X-Frame-Options":         "DENY",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", what, name, got, want)
		}
	}
}

// loginError finds the text of the login page's error paragraph.
var loginError = regexp.MustCompile(`(?s)id="login-error">(.*?)</p>`)

// TestConsole runs the review console over HTTP on every store backend.
func TestConsole(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testConsole(t, b.Open(t))
		})
	}
}

func testConsole(t *testing.T, st *sqlstore.DB) {
	ctx := context.Background()
	e := newEnv(t, st, &clock{t: time.Now()})
	first := e.submitDossier(t, 1, "Nguyễn Văn An")
	second := e.submitDossier(t, 2, "Trần Văn Bình")
	reviewer := e.officer(t, "reviewer.hn", []string{officer.RoleReviewer}, "CA-01")
	faraway := e.officer(t, "reviewer.hcm", []string{officer.RoleReviewer}, "CA-79")
	desk := e.officer(t, "desk.hn", []string{officer.RoleDesk}, "CA-01")

	pending := func(t *testing.T, d dossier) {
		t.Helper()
		if a := e.application(t, d.AppID); a.State != store.AppPendingReview {
			t.Fatalf("dossier %s is %s, want it still pending", d.AppID, a.State)
		}
		if st, err := e.st.AccountEID(ctx, d.AccountID); err != nil || st.State != store.EIDPending {
			t.Fatalf("account e-ID state %+v, %v; want pending", st, err)
		}
	}

	t.Run("root redirects", func(t *testing.T) {
		c := e.client(t)
		r := c.get("/console/")
		if r.Status != http.StatusSeeOther || r.Location != "/console/login" {
			t.Fatalf("signed out: %d → %q, want 303 → /console/login", r.Status, r.Location)
		}
		checkHeaders(t, "redirect", r)
		c = e.signIn(t, reviewer)
		if r := c.get("/console/"); r.Status != http.StatusSeeOther || r.Location != "/console/queue" {
			t.Fatalf("signed in: %d → %q, want 303 → /console/queue", r.Status, r.Location)
		}
		if r := c.get("/console/login"); r.Status != http.StatusSeeOther || r.Location != "/console/queue" {
			t.Fatalf("login page when signed in: %d → %q, want 303 → /console/queue", r.Status, r.Location)
		}
		if r := c.get("/console/no-such-page"); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "console_not_found") {
			t.Fatalf("unknown page: %d\n%s", r.Status, excerpt(r.Body))
		}
	})

	t.Run("security headers and cookies", func(t *testing.T) {
		c := e.client(t)
		login := c.get("/console/login")
		if login.Status != http.StatusOK || !strings.Contains(login.Body, "Mã xác thực") {
			t.Fatalf("login page: %d\n%s", login.Status, excerpt(login.Body))
		}
		checkHeaders(t, "login page", login)
		if ct := login.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("login page Content-Type %q", ct)
		}
		css := c.get("/console/static/console.css")
		if css.Status != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
			t.Fatalf("stylesheet: %d %q", css.Status, css.Header.Get("Content-Type"))
		}
		checkHeaders(t, "stylesheet", css)
		for _, bad := range []string{"<script", "http://", "https://", "//cdn", "@import"} {
			if strings.Contains(login.Body, bad) || strings.Contains(css.Body, bad) {
				t.Errorf("the console loads or runs something external: %q", bad)
			}
		}

		r := c.post("/console/login", url.Values{"csrf": {csrf(t, login)}, "username": {reviewer.Username},
			"password": {reviewer.Password}, "code": {e.code(reviewer)}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("login: %d\n%s", r.Status, excerpt(r.Body))
		}
		checkHeaders(t, "login redirect", r)
		var session string
		for _, sc := range r.Header.Values("Set-Cookie") {
			if strings.HasPrefix(sc, "vneid_console=") {
				session = sc
			}
		}
		for _, attr := range []string{"Path=/console/", "HttpOnly", "SameSite=Strict"} {
			if !strings.Contains(session, attr) {
				t.Errorf("session cookie %q lacks %s", session, attr)
			}
		}
		if strings.Contains(session, "Secure") {
			t.Errorf("session cookie %q is Secure although Options.Secure is false", session)
		}
		queue := c.follow(r)
		checkHeaders(t, "queue", queue)
		dossierPage := c.get("/console/dossiers/" + first.AppID)
		checkHeaders(t, "dossier", dossierPage)
		checkHeaders(t, "not found", c.get("/console/dossiers/"+strings.Repeat("0", 32)))

		// Behind TLS the cookies are Secure.
		h, err := console.New(console.Options{Officers: e.officers, EID: e.eid, Secure: true,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/login", nil))
		if sc := rec.Header().Get("Set-Cookie"); !strings.Contains(sc, "Secure") || !strings.Contains(sc, "HttpOnly") {
			t.Errorf("with Secure, login cookie %q", sc)
		}
	})

	t.Run("login hook refuses before the credentials are tried", func(t *testing.T) {
		limited := failure.New("rate_limited", failure.RateLimited, "Quá nhiều lần thử.", "Too many attempts.")
		var (
			mu    sync.Mutex
			asked []string
		)
		h, err := console.New(console.Options{Officers: e.officers, EID: e.eid,
			Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
			ClientIP: func(*http.Request) string { return "203.0.113.7" },
			AllowLogin: func(_ context.Context, ip string) error {
				mu.Lock()
				defer mu.Unlock()
				asked = append(asked, ip)
				return limited
			}})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		c := e.client(t)
		c.base = srv.URL
		r := c.login(reviewer.Username, reviewer.Password, e.code(reviewer))
		if r.Status != http.StatusTooManyRequests || !shows(r.Body, limited.VI) || !shows(r.Body, limited.EN) {
			t.Fatalf("limited login: %d\n%s", r.Status, excerpt(r.Body))
		}
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(asked, []string{"203.0.113.7"}) || c.cookie("vneid_console") != "" {
			t.Fatalf("hook asked with %v; session cookie %q", asked, c.cookie("vneid_console"))
		}
	})

	t.Run("login refusals look the same", func(t *testing.T) {
		c := e.client(t)
		var messages []string
		try := func(what, username, password, code string) {
			t.Helper()
			r := c.login(username, password, code)
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("%s: status %d, want 401\n%s", what, r.Status, excerpt(r.Body))
			}
			m := loginError.FindStringSubmatch(r.Body)
			if m == nil || !shows(m[1], officer.ErrBadCredentials.VI) || !shows(m[1], officer.ErrBadCredentials.EN) {
				t.Fatalf("%s: the page does not say the credentials are wrong\n%s", what, excerpt(r.Body))
			}
			if !shows(r.Body, username) || shows(r.Body, password) {
				t.Errorf("%s: the form should keep the username and never echo the password", what)
			}
			if c.cookie("vneid_console") != "" {
				t.Fatalf("%s: a session cookie was set", what)
			}
			messages = append(messages, m[1])
		}
		try("wrong password", reviewer.Username, "not the password at all", e.code(reviewer))
		try("wrong code", reviewer.Username, reviewer.Password, e.wrongCode(reviewer))
		try("unknown officer", "nobody.here", reviewer.Password, e.code(reviewer))

		code := e.code(reviewer)
		if r := c.login(reviewer.Username, reviewer.Password, code); r.Status != http.StatusSeeOther {
			t.Fatalf("first use of the code: %d\n%s", r.Status, excerpt(r.Body))
		}
		c2 := e.client(t)
		c = c2
		try("reused code", reviewer.Username, reviewer.Password, code)
		for _, m := range messages[1:] {
			if m != messages[0] {
				t.Errorf("refusals differ: %q vs %q", m, messages[0])
			}
		}

		// A login form posted without its token, or with another
		// browser's, is refused before the credentials are tried.
		r := c.post("/console/login", url.Values{"username": {reviewer.Username}, "password": {reviewer.Password},
			"code": {e.code(reviewer)}})
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Biểu mẫu đã hết hạn") {
			t.Fatalf("login without CSRF token: %d\n%s", r.Status, excerpt(r.Body))
		}
		other := e.client(t)
		token := csrf(t, other.get("/console/login"))
		c.get("/console/login")
		r = c.post("/console/login", url.Values{"csrf": {token}, "username": {reviewer.Username},
			"password": {reviewer.Password}, "code": {e.code(reviewer)}})
		if r.Status != http.StatusForbidden || c.cookie("vneid_console") != "" {
			t.Fatalf("login with another browser's token: %d", r.Status)
		}
	})

	t.Run("officer of another unit sees nothing", func(t *testing.T) {
		c := e.signIn(t, faraway)
		q := c.get("/console/queue")
		if q.Status != http.StatusOK || !strings.Contains(q.Body, `id="queue-empty"`) ||
			strings.Contains(q.Body, first.IDNumber) || shows(q.Body, first.FullName) {
			t.Fatalf("queue of unit 079: %d\n%s", q.Status, excerpt(q.Body))
		}
		r := c.get("/console/dossiers/" + first.AppID)
		if r.Status != http.StatusNotFound || !shows(r.Body, eid.ErrApplicationNotFound.VI) ||
			!shows(r.Body, eid.ErrApplicationNotFound.EN) || strings.Contains(r.Body, first.IDNumber) {
			t.Fatalf("dossier of another unit: %d\n%s", r.Status, excerpt(r.Body))
		}
		r = c.post("/console/dossiers/"+first.AppID+"/approve", url.Values{"csrf": {csrf(t, q)}})
		if r.Status != http.StatusNotFound {
			t.Fatalf("approve in another unit: %d", r.Status)
		}
		pending(t, first)
	})

	t.Run("officer without the reviewer role is refused", func(t *testing.T) {
		c := e.signIn(t, desk)
		q := c.get("/console/queue")
		if q.Status != http.StatusForbidden || !strings.Contains(q.Body, "console_not_reviewer") ||
			strings.Contains(q.Body, first.IDNumber) {
			t.Fatalf("queue for a desk officer: %d\n%s", q.Status, excerpt(q.Body))
		}
		if r := c.get("/console/dossiers/" + first.AppID); r.Status != http.StatusForbidden || strings.Contains(r.Body, first.IDNumber) {
			t.Fatalf("dossier for a desk officer: %d", r.Status)
		}
		r := c.post("/console/dossiers/"+first.AppID+"/approve", url.Values{"csrf": {csrf(t, q)}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("approve by a desk officer: %d", r.Status)
		}
		pending(t, first)
		// They can still sign out from the 403 page.
		if r := c.post("/console/logout", url.Values{"csrf": {csrf(t, q)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("logout from the 403 page: %d", r.Status)
		}
	})

	t.Run("decisions need the CSRF token", func(t *testing.T) {
		c := e.signIn(t, reviewer)
		page := c.get("/console/dossiers/" + first.AppID)
		token := csrf(t, page)
		otherToken := csrf(t, e.signIn(t, faraway).get("/console/queue"))
		for what, form := range map[string]url.Values{
			"no token":                {},
			"empty token":             {"csrf": {""}},
			"forged token":            {"csrf": {strings.Repeat("A", len(token))}},
			"another session's token": {"csrf": {otherToken}},
		} {
			r := c.post("/console/dossiers/"+first.AppID+"/approve", form)
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "console_csrf") {
				t.Errorf("approve, %s: %d\n%s", what, r.Status, excerpt(r.Body))
			}
			form.Set("reason_code", "other")
			form.Set("reason_text", "không hợp lệ")
			if r := c.post("/console/dossiers/"+first.AppID+"/reject", form); r.Status != http.StatusForbidden {
				t.Errorf("reject, %s: %d", what, r.Status)
			}
		}
		// A cross-site form post is refused even with the right token.
		r := c.post("/console/dossiers/"+first.AppID+"/approve", url.Values{"csrf": {token}}, "Sec-Fetch-Site", "cross-site")
		if r.Status != http.StatusForbidden {
			t.Errorf("cross-site approve: %d", r.Status)
		}
		// Only url-encoded forms are read: a token in a multipart body
		// does not count.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		if err := mw.WriteField("csrf", token); err != nil {
			t.Fatal(err)
		}
		mw.Close()
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/console/dossiers/"+first.AppID+"/approve", &body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if r := c.do(req); r.Status != http.StatusForbidden {
			t.Errorf("multipart approve: %d", r.Status)
		}
		pending(t, first)
	})

	t.Run("approve", func(t *testing.T) {
		c := e.signIn(t, reviewer)
		q := c.get("/console/queue")
		if q.Status != http.StatusOK {
			t.Fatalf("queue: %d\n%s", q.Status, excerpt(q.Body))
		}
		a := e.application(t, first.AppID)
		deadline := a.DeadlineAt.In(time.FixedZone("ICT", 7*3600)).Format("02/01/2006 15:04")
		for _, want := range []string{first.IDNumber, first.FullName, second.IDNumber, deadline,
			"/console/dossiers/" + first.AppID} {
			if !shows(q.Body, want) {
				t.Errorf("queue lacks %q", want)
			}
		}
		if strings.Index(q.Body, first.IDNumber) > strings.Index(q.Body, second.IDNumber) {
			t.Errorf("queue is not in deadline order")
		}

		d := c.get("/console/dossiers/" + first.AppID)
		if d.Status != http.StatusOK {
			t.Fatalf("dossier: %d\n%s", d.Status, excerpt(d.Body))
		}
		for _, want := range []string{
			`id="chip-portrait" src="data:image/jpeg;base64,/9j/`,
			`id="selfie" src="data:image/jpeg;base64,/9j/`,
			`id="registry-portrait" src="data:image/png;base64,iVBORw0KGgo`,
			"face_chip", "face_registry", "chip_passive_auth", "chip_active_auth", "registry_match",
			first.FullName, first.IDNumber, "15/03/1988", "Nam", "Số 12, Phố Hàng Bạc, Phường Hàng Đào, Quận Hoàn Kiếm, Thành phố Hà Nội",
			deadline, "CSCA Test VN p256", "DG1, DG2, DG13, DG14, DG15",
			`id="approve"`, "Đạt / Approve", `name="reason_code"`, "Nội dung", "Explanation",
		} {
			if !shows(d.Body, want) {
				t.Errorf("dossier page lacks %q", want)
			}
		}
		for _, r := range eid.RejectReasons() {
			if !shows(d.Body, `value="`+r.Code+`"`) || !shows(d.Body, r.VI) || !shows(d.Body, r.EN) {
				t.Errorf("reject form lacks reason %s", r.Code)
			}
		}
		events, err := e.st.AuditBySubject(ctx, first.IDNumber, 100)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(events, func(ev store.AuditEvent) bool {
			return ev.Action == "eid.dossier.read" && ev.Actor == "officer:"+reviewer.ID
		}) {
			t.Errorf("no eid.dossier.read audit event by the reviewer: %+v", events)
		}

		r := c.post("/console/dossiers/"+first.AppID+"/approve", url.Values{"csrf": {csrf(t, d)}})
		if r.Status != http.StatusSeeOther || r.Location != "/console/queue" {
			t.Fatalf("approve: %d → %q\n%s", r.Status, r.Location, excerpt(r.Body))
		}
		after := c.follow(r)
		if !shows(after.Body, "Đã phê duyệt hồ sơ "+first.AppID) || !shows(after.Body, "Dossier "+first.AppID+" approved") {
			t.Errorf("no flash message after approval\n%s", excerpt(after.Body))
		}
		if strings.Contains(after.Body, first.IDNumber) || !strings.Contains(after.Body, second.IDNumber) {
			t.Errorf("queue after approval still lists the dossier, or lost the other one")
		}
		if again := c.get("/console/queue"); shows(again.Body, "Đã phê duyệt hồ sơ") {
			t.Errorf("the flash message is shown twice")
		}

		a = e.application(t, first.AppID)
		if a.State != store.AppApproved || a.DecidedBy != "officer:"+reviewer.ID {
			t.Fatalf("application %s by %q, want approved by the reviewer", a.State, a.DecidedBy)
		}
		if s, err := e.st.AccountEID(ctx, first.AccountID); err != nil || s.State != store.EIDApproved {
			t.Fatalf("account e-ID %+v, %v; want approved", s, err)
		}
		sms, err := e.st.ListOutbox(ctx, store.OutboxFilter{Recipient: first.Phone})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(sms, func(m store.OutboxMessage) bool { return m.Channel == "sms" }) {
			t.Errorf("no SMS queued for %s: %+v", first.Phone, sms)
		}

		decided := c.get("/console/dossiers/" + first.AppID)
		if !strings.Contains(decided.Body, `id="decided"`) || strings.Contains(decided.Body, `id="approve"`) ||
			strings.Contains(decided.Body, `id="reject"`) || !shows(decided.Body, "Đã phê duyệt") {
			t.Errorf("a decided dossier should show the decision instead of the forms\n%s", excerpt(decided.Body))
		}
		r = c.post("/console/dossiers/"+first.AppID+"/approve", url.Values{"csrf": {csrf(t, decided)}})
		if r.Status != http.StatusConflict || !shows(r.Body, eid.ErrApplicationState.VI) {
			t.Errorf("approving twice: %d\n%s", r.Status, excerpt(r.Body))
		}
	})

	t.Run("reject", func(t *testing.T) {
		c := e.signIn(t, reviewer)
		d := c.get("/console/dossiers/" + second.AppID)
		token := csrf(t, d)
		for what, form := range map[string]url.Values{
			"no explanation": {"csrf": {token}, "reason_code": {"selfie_quality"}, "reason_text": {"   "}},
			"no reason":      {"csrf": {token}, "reason_code": {""}, "reason_text": {"Ảnh bị mờ"}},
			"unknown reason": {"csrf": {token}, "reason_code": {"bogus"}, "reason_text": {"Ảnh bị mờ"}},
		} {
			r := c.post("/console/dossiers/"+second.AppID+"/reject", form)
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="reject-error"`) ||
				!shows(r.Body, eid.ErrReasonRequired.VI) || !shows(r.Body, eid.ErrReasonRequired.EN) {
				t.Errorf("reject, %s: %d\n%s", what, r.Status, excerpt(r.Body))
			}
			if what == "no explanation" && !strings.Contains(r.Body, `value="selfie_quality" selected`) {
				t.Errorf("reject, %s: the chosen reason was not kept", what)
			}
		}
		pending(t, second)

		const explanation = "Ảnh chụp bị mờ, không nhận rõ khuôn mặt."
		r := c.post("/console/dossiers/"+second.AppID+"/reject", url.Values{"csrf": {token},
			"reason_code": {"selfie_quality"}, "reason_text": {explanation}})
		if r.Status != http.StatusSeeOther || r.Location != "/console/queue" {
			t.Fatalf("reject: %d → %q\n%s", r.Status, r.Location, excerpt(r.Body))
		}
		after := c.follow(r)
		if !shows(after.Body, "Đã từ chối hồ sơ "+second.AppID) || !strings.Contains(after.Body, `id="queue-empty"`) {
			t.Errorf("after rejection: no flash or the queue is not empty\n%s", excerpt(after.Body))
		}
		a := e.application(t, second.AppID)
		if a.State != store.AppRejected || a.ReasonCode != "selfie_quality" || a.ReasonText != explanation {
			t.Fatalf("application %+v, want rejected for selfie_quality with the explanation", a)
		}
		if s, err := e.st.AccountEID(ctx, second.AccountID); err != nil || s.State != store.EIDRejected {
			t.Fatalf("account e-ID %+v, %v; want rejected", s, err)
		}
		decided := c.get("/console/dossiers/" + second.AppID)
		if !shows(decided.Body, explanation) || !shows(decided.Body, "Đã từ chối") || strings.Contains(decided.Body, `id="reject"`) {
			t.Errorf("the rejected dossier does not show the decision\n%s", excerpt(decided.Body))
		}
	})

	t.Run("a forged flash message is not shown", func(t *testing.T) {
		c := e.signIn(t, reviewer)
		u, _ := url.Parse(e.srv.URL + "/console/")
		c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "vneid_console_flash", Path: "/console/",
			Value: "approved." + second.AppID + "." + strings.Repeat("A", 43)}})
		if q := c.get("/console/queue"); q.Status != http.StatusOK || strings.Contains(q.Body, `class="flash"`) {
			t.Fatalf("forged flash: %d\n%s", q.Status, excerpt(q.Body))
		}
	})

	t.Run("logout ends the session", func(t *testing.T) {
		c := e.signIn(t, reviewer)
		token := c.cookie("vneid_console")
		q := c.get("/console/queue")
		if r := c.post("/console/logout", url.Values{}); r.Status != http.StatusForbidden {
			t.Fatalf("logout without CSRF token: %d", r.Status)
		}
		if r := c.get("/console/queue"); r.Status != http.StatusOK {
			t.Fatalf("a refused logout ended the session: %d", r.Status)
		}
		r := c.post("/console/logout", url.Values{"csrf": {csrf(t, q)}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/console/login") {
			t.Fatalf("logout: %d → %q", r.Status, r.Location)
		}
		if out := c.follow(r); !shows(out.Body, "Bạn đã đăng xuất") {
			t.Errorf("no signed-out notice\n%s", excerpt(out.Body))
		}
		if r := c.get("/console/queue"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/console/login") {
			t.Fatalf("queue after logout: %d → %q", r.Status, r.Location)
		}
		// The old token is dead on the server, not only forgotten by the
		// browser.
		replay := e.client(t)
		u, _ := url.Parse(e.srv.URL + "/console/")
		replay.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "vneid_console", Value: token, Path: "/console/"}})
		if r := replay.get("/console/queue"); r.Status != http.StatusSeeOther || r.Location != "/console/login?note=expired" {
			t.Fatalf("replayed session after logout: %d → %q", r.Status, r.Location)
		}
	})

	t.Run("logs hold no personal data", func(t *testing.T) {
		logs := e.logs.String()
		for _, pd := range []string{first.IDNumber, second.IDNumber, first.FullName, second.FullName, first.Phone} {
			if strings.Contains(logs, pd) {
				t.Errorf("the console log holds personal data %q:\n%s", pd, logs)
			}
		}
	})
}

func TestNewChecksOptions(t *testing.T) {
	if _, err := console.New(console.Options{}); err == nil {
		t.Error("New without services succeeded")
	}
	e := newEnv(t, storetest.OpenSQLite(t), nil)
	if _, err := console.New(console.Options{Officers: e.officers, EID: e.eid, CSRFKey: []byte("short")}); err == nil {
		t.Error("New with a 5-byte CSRF key succeeded")
	}
	if _, err := console.New(console.Options{Officers: e.officers, EID: e.eid, CSRFKey: make([]byte, 32)}); err != nil {
		t.Errorf("New with a 32-byte CSRF key: %v", err)
	}
}
