package console_test

import (
	"context"
	"errors"
	"github.com/vneid/vneid/internal/browsertest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

// TestConsoleInChromium signs in, opens a dossier and approves it in a
// headless Chromium, as an officer at a desk PC would. It runs on SQLite
// only: the HTTP tests cover both stores.
func TestConsoleInChromium(t *testing.T) {
	browsertest.Need(t)
	st := storetest.OpenSQLite(t)
	e := newEnv(t, st, nil) // the officer service on the real clock: the code is typed now
	d := e.submitDossier(t, 7, "Lê Văn Cường")
	reviewer := e.officer(t, "reviewer.browser", []string{officer.RoleReviewer}, "CA-01")

	ctx, bctx, fail := browsertest.Start(t, 45*time.Second)

	// Sign in.
	base := e.srv.URL
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/console/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), reviewer.Username),
		chromedp.SendKeys(chromedp.ID("password"), reviewer.Password),
		chromedp.SendKeys(chromedp.ID("code"), e.code(reviewer)),
		chromedp.Click(chromedp.ID("login-button")),
		chromedp.WaitVisible(chromedp.CSS("table.queue")),
	); err != nil {
		fail("sign in", err)
	}
	row, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("table.queue tbody tr")))
	if err != nil {
		fail("read the queue", err)
	}
	if !strings.Contains(row, d.IDNumber) || !strings.Contains(row, d.FullName) {
		t.Fatalf("queue row %q lacks the dossier %s (%s)", row, d.IDNumber, d.FullName)
	}

	// Open the dossier.
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS("a.open-dossier")),
		chromedp.WaitVisible(chromedp.ID("approve")),
	); err != nil {
		fail("open the dossier", err)
	}
	// The portraits are decoded (the CSP allows data: images) and the
	// stylesheet applies (the CSP allows 'self' styles).
	for _, id := range []string{"chip-portrait", "selfie", "registry-portrait"} {
		w, err := chromedp.Run(bctx, chromedp.Evaluate[int]("document.getElementById('"+id+"').naturalWidth"))
		if err != nil {
			fail("image "+id, err)
		}
		if w == 0 {
			t.Errorf("image %s did not load", id)
		}
	}
	columns, err := chromedp.Run(bctx, chromedp.Evaluate[string](
		"getComputedStyle(document.querySelector('.evidence')).display"))
	if err != nil {
		fail("stylesheet", err)
	}
	if columns != "grid" {
		t.Errorf("the stylesheet did not apply: .evidence display is %q", columns)
	}
	checks, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("table.checks")))
	if err != nil {
		fail("read the checks", err)
	}
	for _, name := range []string{"face_chip", "face_registry", "chip_passive_auth", "chip_active_auth"} {
		if !strings.Contains(checks, name) {
			t.Errorf("the checks table does not list %s", name)
		}
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		fail("screenshot", err)
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "dossier.png"), shot, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("/tmp/console-dossier.png", shot, 0o644); err != nil {
		t.Logf("could not copy the screenshot to /tmp: %v", err)
	}

	// Approve: back on the queue with the message and no dossier left.
	label, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("approve")))
	if err != nil {
		fail("read the approve button", err)
	}
	if !strings.HasPrefix(label, "Đạt") {
		t.Errorf("approve button says %q, want Đạt", label)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.ID("approve")),
		chromedp.WaitVisible(chromedp.ID("queue-empty")),
	); err != nil {
		fail("approve", err)
	}
	flash, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("p.flash")))
	if err != nil {
		fail("read the flash message", err)
	}
	if !strings.Contains(flash, "Đã phê duyệt hồ sơ "+d.AppID) {
		t.Errorf("flash message %q", flash)
	}
	if a := e.application(t, d.AppID); a.State != store.AppApproved || a.DecidedBy != "officer:"+reviewer.ID {
		t.Fatalf("application %s decided by %q, want approved by the reviewer", a.State, a.DecidedBy)
	}
	if err := ctx.Err(); errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the browser test ran out of time")
	}
}
