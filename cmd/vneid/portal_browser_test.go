package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vneid/vneid/internal/browsertest"
	"github.com/vneid/vneid/internal/verifyweb"
)

// TestPortalInBrowser drives the citizen portal in headless Chromium
// against the whole server: activation on the web, sign-in with password
// and SMS code, the wallet behind the passcode, the usage history's
// filters, a consent given to a relying party and withdrawn, sign-in by
// the app scanning the page's QR code, error pages, and the account
// locked by its holder. Every portal page is photographed in Vietnamese
// and English into $VNEID_ARTIFACTS/portal (CI keeps them).
func TestPortalInBrowser(t *testing.T) {
	browsertest.Need(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	base := startServerAt(t, dir, addr, "-demo-citizens", "300", "-public-url", "http://"+addr)
	shots := os.Getenv("VNEID_ARTIFACTS")
	if shots == "" {
		shots = filepath.Join("..", "..", "artifacts") // the repository's artifacts/ (CI keeps it)
	}
	shots = filepath.Join(shots, "portal")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	const phone, password = "0912000111", "Matkhau@2024"

	// An approved level-1 dossier, not yet activated.
	id, device, _ := registerInApp(t, base, dir, phone, password)
	applyLevel1(t, base, dir, id, device, password)
	approveInConsole(t, base, filepath.Join(dir, "demo-officer.txt"), time.Now())

	_, bctx, fail := browsertest.Start(t, 4*time.Minute)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			fail("read "+sel, err)
		}
		return s
	}
	shoot := func(name string) {
		t.Helper()
		shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			fail("screenshot "+name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// both photographs the current page in Vietnamese and in English and
	// checks the English page is English.
	both := func(name, path, en string) {
		t.Helper()
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		if err := chromedp.Do(bctx, chromedp.Navigate(base+path+sep+"lang=vi"), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			fail("open "+path, err)
		}
		shoot(name + "-vi")
		if err := chromedp.Do(bctx, chromedp.Navigate(base+path+sep+"lang=en"), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			fail("open "+path+" in English", err)
		}
		if h := text("main h1"); !strings.Contains(h, en) {
			t.Errorf("%s in English: h1 %q, want %q", path, h, en)
		}
		lang, _ := chromedp.Run(bctx, chromedp.Evaluate[string]("document.documentElement.lang"))
		if lang != "en" {
			t.Errorf("%s in English: <html lang=%q>", path, lang)
		}
		shoot(name + "-en")
		if err := chromedp.Do(bctx, chromedp.Navigate(base+path+sep+"lang=vi"), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			fail("back to Vietnamese", err)
		}
	}

	// The landing page, and activation from the notice (ID number,
	// password, SMS code).
	both("landing", "/portal/", "e-ID portal")
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`a[href="/activate"]`)),
		chromedp.WaitVisible(chromedp.ID("id")),
		chromedp.SendKeys(chromedp.ID("id"), id),
		chromedp.SendKeys(chromedp.ID("pw"), password),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("code")),
	); err != nil {
		fail("activation: credentials", err)
	}
	// A wrong code first: the page says so and keeps the form.
	if err := chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.ID("code"), "000000"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("p.err")),
	); err != nil {
		fail("activation: wrong code", err)
	}
	shoot("activation-wrong-code")
	if err := chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.ID("code"), lastCode(t, dir, phone, 0)),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("p.ok")),
	); err != nil {
		fail("activation: code", err)
	}
	if s := text("p.ok"); !strings.Contains(s, "mức 1") {
		t.Errorf("activation result %q", s)
	}
	shoot("activation-done")

	// Sign in with password and SMS code.
	signIn := func() {
		t.Helper()
		n := codesSent(t, dir, phone)
		if err := chromedp.Do(bctx,
			chromedp.Navigate(base+"/portal/"),
			chromedp.Click(chromedp.CSS(`a[href="/portal/login"]`)),
			chromedp.WaitVisible(chromedp.ID("id_number")),
			chromedp.SendKeys(chromedp.ID("id_number"), id),
			chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.CSS("button[type=submit]")),
			chromedp.WaitVisible(chromedp.ID("code")),
		); err != nil {
			fail("sign-in: password", err)
		}
		if err := chromedp.Do(bctx,
			chromedp.SendKeys(chromedp.ID("code"), lastCode(t, dir, phone, n)),
			chromedp.Click(chromedp.CSS("button[type=submit]")),
			chromedp.WaitVisible(chromedp.ID("id-h")),
		); err != nil {
			fail("sign-in: code", err)
		}
	}
	signIn()
	if s := text("dl.facts"); !strings.Contains(s, id) {
		t.Errorf("overview lacks the ID number:\n%s", s)
	}
	both("overview", "/portal/", "Overview")

	// The wallet: set the passcode (with the password), open the wallet.
	both("wallet-closed", "/portal/wallet", "Document wallet")
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/portal/security"),
		chromedp.WaitVisible(chromedp.ID("pc-pw")),
		chromedp.SendKeys(chromedp.ID("pc-pw"), password),
		chromedp.SendKeys(chromedp.ID("pc-new"), "135792"),
		chromedp.SendKeys(chromedp.ID("pc-again"), "135792"),
		chromedp.Click(chromedp.CSS(`form[action="/portal/security/passcode"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
	); err != nil {
		fail("set the passcode", err)
	}
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/portal/wallet"),
		chromedp.WaitVisible(chromedp.ID("passcode")),
		chromedp.SendKeys(chromedp.ID("passcode"), "111111"),
		chromedp.Click(chromedp.CSS(`form[action="/portal/wallet/unlock"] button`)),
		chromedp.WaitVisible(chromedp.CSS("div.problem")),
	); err != nil {
		fail("wrong passcode", err)
	}
	if s := text("div.problem"); !strings.Contains(s, "passcode") && !strings.Contains(s, "mã bảo vệ") {
		t.Errorf("wrong passcode page says %q", s)
	}
	shoot("error-wrong-passcode-vi")
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/portal/wallet"),
		chromedp.WaitVisible(chromedp.ID("passcode")),
		chromedp.SendKeys(chromedp.ID("passcode"), "135792"),
		chromedp.Click(chromedp.CSS(`form[action="/portal/wallet/unlock"] button`)),
		chromedp.WaitVisible(chromedp.ID("eid-h")),
	); err != nil {
		fail("open the wallet", err)
	}
	if s := text("section.doc"); !strings.Contains(s, id) {
		t.Errorf("the e-ID card lacks the ID number:\n%s", s)
	}
	both("wallet-open", "/portal/wallet", "Document wallet")

	// A relying party asks for the profile: the citizen, signed in
	// already, consents; the portal lists the consent and withdraws it.
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>RP</title><h1 id="rp">Dịch vụ thử nghiệm: đã nhận mã</h1>`))
	}))
	defer rp.Close()
	if out, err := vneid(t, nil, "admin", "rp", "create", "-data-dir", dir, "-id", "test-rp", "-name", "Cổng dịch vụ thử nghiệm",
		"-name-en", "Test service", "-purpose", "Xác thực người nộp hồ sơ", "-redirect", rp.URL+"/cb", "-scopes", "profile"); err != nil {
		t.Fatalf("admin rp create: %v\n%s", err, out)
	}
	sum := sha256.Sum256([]byte("verifier-verifier-verifier-verifier-verifier"))
	auth := base + "/oidc/authorize?" + url.Values{"client_id": {"test-rp"}, "response_type": {"code"}, "scope": {"openid profile"},
		"redirect_uri": {rp.URL + "/cb"}, "state": {"st"}, "nonce": {"nn"}, "code_challenge_method": {"S256"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}}.Encode()
	if err := chromedp.Do(bctx,
		chromedp.Navigate(auth),
		chromedp.WaitVisible(chromedp.CSS(`button[value="approve"]`)),
		chromedp.Click(chromedp.CSS(`button[value="approve"]`)),
		chromedp.WaitVisible(chromedp.ID("rp")),
	); err != nil {
		fail("consent at the relying party", err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(base+"/portal/services"), chromedp.WaitVisible(chromedp.CSS("section.card"))); err != nil {
		fail("services page", err)
	}
	if s := text("main"); !strings.Contains(s, "Cổng dịch vụ thử nghiệm") || !strings.Contains(s, "name") {
		t.Errorf("services page lacks the consent:\n%s", s)
	}
	both("services", "/portal/services", "Linked services")
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`form[action="/portal/services/revoke"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
	); err != nil {
		fail("withdraw the consent", err)
	}
	if s := text("main"); strings.Contains(s, "Cổng dịch vụ thử nghiệm") {
		t.Errorf("the consent is still listed:\n%s", s)
	}
	shoot("services-withdrawn-vi")

	// The usage history, filtered by service and by activity.
	both("history", "/portal/history", "Usage history")
	if s := text("table.usage"); !strings.Contains(s, "Cổng dịch vụ thử nghiệm") || !strings.Contains(s, "Thu hồi đồng ý") {
		t.Errorf("history lacks the relying party's entries:\n%s", s)
	}
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/portal/history?client=test-rp&kind=consent_revoked"),
		chromedp.WaitVisible(chromedp.CSS("table.usage")),
	); err != nil {
		fail("filtered history", err)
	}
	rows, _ := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("table.usage tbody tr").length`))
	if rows != 1 {
		t.Errorf("history filtered to the withdrawal: %d rows, want 1", rows)
	}
	shoot("history-filtered-vi")
	// A bad filter is a clear error page, not a stack trace.
	if err := chromedp.Do(bctx, chromedp.Navigate(base+"/portal/history?from=yesterday"), chromedp.WaitVisible(chromedp.CSS("div.problem"))); err != nil {
		fail("bad filter", err)
	}
	if s := text("div.problem"); !strings.Contains(s, "usage_filter_invalid") {
		t.Errorf("bad filter page: %q", s)
	}
	both("error-bad-filter", "/portal/history?from=yesterday", "Could not be done")
	both("security", "/portal/security", "Account security")
	both("notifications", "/portal/notifications", "Notifications")
	if s := text("main"); !strings.Contains(s, "phê duyệt") && !strings.Contains(s, "approved") {
		t.Errorf("the inbox lacks the approval notice:\n%s", s)
	}

	// Sign out, then sign in again by QR code: the app approves the code
	// the page shows.
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/portal/"),
		chromedp.Click(chromedp.CSS(`form[action="/portal/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/portal/login"]`)),
	); err != nil {
		fail("sign out", err)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`a[href="/portal/login"]`)),
		chromedp.WaitVisible(chromedp.ID("id_number")),
		chromedp.Click(chromedp.CSS(`a[href^="/oidc/login/qr"]`)),
		chromedp.WaitVisible(chromedp.CSS("img.qr")),
	); err != nil {
		fail("QR page", err)
	}
	shoot("signin-qr")
	// The app scans the picture: decode the QR code the page shows.
	src, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("img.qr").src`))
	if err != nil {
		fail("read the QR picture", err)
	}
	png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
	if err != nil {
		t.Fatalf("QR picture: %v", err)
	}
	payload, err := verifyweb.DecodeQR(bytes.NewReader(png))
	if err != nil || !strings.HasPrefix(payload, "VNEID-LOGIN:") {
		t.Fatalf("QR code: %q, %v", payload, err)
	}
	if out, err := vneid(t, nil, "app", "approve", "-server", base, "-device", device, "-id", id, "-password", password,
		"-qr-login", payload); err != nil {
		t.Fatalf("app approve: %v\n%s", err, out)
	}
	if err := chromedp.Do(bctx, chromedp.WaitVisible(chromedp.ID("id-h"))); err != nil { // the page refreshes itself
		fail("signed in by QR code", err)
	}

	// Lock the account: the holder's own lock ends every session.
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/portal/security"),
		chromedp.WaitVisible(chromedp.ID("lock-pw")),
		chromedp.SendKeys(chromedp.ID("lock-reason"), "Mất điện thoại"),
		chromedp.SendKeys(chromedp.ID("lock-pw"), password),
		chromedp.Click(chromedp.ID("lock-yes")),
		chromedp.Click(chromedp.CSS(`form[action="/portal/security/lock"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
	); err != nil {
		fail("lock the account", err)
	}
	if loc, _ := chromedp.Run(bctx, chromedp.Location()); !strings.HasSuffix(loc, "/portal/locked") {
		t.Errorf("after the lock: %s", loc)
	}
	both("locked", "/portal/locked", "The account is locked")
	if out, err := vneid(t, nil, "app", "login", "-server", base, "-device", device, "-id", id, "-password", password); err == nil ||
		!strings.Contains(err.Error(), "account_locked") {
		t.Errorf("app login after the lock: %v\n%s", err, out)
	}
	// Signing in again is refused with the reason.
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/portal/security"),
		chromedp.WaitVisible(chromedp.ID("id_number")),
		chromedp.SendKeys(chromedp.ID("id_number"), id),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("div.err")),
	); err != nil {
		fail("sign in while locked", err)
	}
	if s := text("div.err"); !strings.Contains(s, "khóa") {
		t.Errorf("sign-in while locked says %q", s)
	}
	shoot("signin-locked")
}
