package console_test

import (
	"context"
	"errors"
	"github.com/vneid/vneid/internal/browsertest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/jurisdiction"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/testkit"
)

// TestDeskInChromium takes a level-2 application at the enrolment desk in a
// headless Chromium (portrait and fingerprint files, the consent code read
// from the outbox, a document, submission), then has a reviewer open and
// approve it. A second application checks the script: the webcam capture
// (Chromium's fake camera) and a signature drawn on the pad.
func TestDeskInChromium(t *testing.T) {
	browsertest.Need(t)
	st := storetest.OpenSQLite(t)
	e := newEnv(t, st, nil) // the officer service on the real clock: the codes are typed now
	ctx := context.Background()
	right, left := fingerprint.RightIndex, fingerprint.LeftIndex
	hoa := e.putDeskCitizen(t, 21, "Vũ Thị Thanh Hoà", validChipCard, right, left)
	mai := e.putDeskCitizen(t, 22, "Trần Thị Mai", validChipCard, right, left)
	desk := e.officer(t, "desk.browser", []string{officer.RoleDesk}, "CA-01")
	reviewer := e.officer(t, "reviewer.browser", []string{officer.RoleReviewer}, "CA-01")
	const phone = "0987 654 321"

	dir := t.TempDir()
	write := func(name string, b []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	img, err := testkit.SyntheticPortrait("desk:" + hoa.IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	portraitFile := write("chan-dung.jpg", img)
	rightFile := write("ngon-tro-phai.iso", hoa.finger(t, right))
	leftFile := write("ngon-tro-trai.iso", hoa.finger(t, left))

	tctx, bctx, fail := browsertest.Start(t, 120*time.Second,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true))
	base := e.srv.URL
	text := func(step, sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			fail(step, err)
		}
		return s
	}
	signIn := func(o enrolled, landing string) {
		t.Helper()
		if err := chromedp.Do(bctx,
			chromedp.Navigate(base+"/console/login"),
			chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), o.Username),
			chromedp.SendKeys(chromedp.ID("password"), o.Password),
			chromedp.SendKeys(chromedp.ID("code"), e.code(o)),
			chromedp.Click(chromedp.ID("login-button")),
			chromedp.WaitVisible(chromedp.CSS(landing)),
		); err != nil {
			fail("sign in as "+o.Username, err)
		}
	}
	// open searches a citizen (typed as a USB QR scanner types, ending
	// with Enter) and opens an application.
	open := func(d deskCitizen) string {
		t.Helper()
		if err := chromedp.Do(bctx,
			chromedp.Navigate(base+"/console/desk"),
			chromedp.WaitVisible(chromedp.ID("query")),
			chromedp.SendKeys(chromedp.ID("query"), d.IDNumber+"\r"),
			chromedp.WaitVisible(chromedp.ID("open-application")),
		); err != nil {
			fail("search "+d.IDNumber, err)
		}
		if shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile("/tmp/console-desk-search.png", shot, 0o644)
		}
		if got := text("citizen name", "#citizen-name"); got != d.FullName {
			t.Errorf("the search shows %q, want %q", got, d.FullName)
		}
		if got := text("place rule", "#place-rule"); !strings.HasPrefix(got, "Được tiếp nhận") {
			t.Errorf("place rule %q", got)
		}
		if err := chromedp.Do(bctx,
			chromedp.SendKeys(chromedp.ID("phone"), phone),
			chromedp.Click(chromedp.ID("open-application")),
			chromedp.WaitVisible(chromedp.ID("portrait-form")),
		); err != nil {
			fail("open an application", err)
		}
		id, err := chromedp.Run(bctx, chromedp.Evaluate[string]("location.pathname.split('/').pop()"))
		if err != nil {
			fail("application ID", err)
		}
		return id
	}

	signIn(desk, "#query")
	id := open(hoa)

	// The script runs under the page's CSP: the webcam panel and the
	// signature pad are shown.
	shown, err := chromedp.Run(bctx, chromedp.Evaluate[bool](
		"!document.getElementById('webcam').hidden && !document.getElementById('signature-pad').hidden"))
	if err != nil {
		fail("desk.js", err)
	}
	if !shown {
		t.Errorf("desk.js did not run: the webcam panel or the signature pad is still hidden")
	}

	// Portrait and fingerprints from files, as with the script off.
	if err := chromedp.Do(bctx,
		chromedp.SetUploadFiles(chromedp.ID("portrait-file"), []string{portraitFile}),
		chromedp.Click(chromedp.ID("portrait-submit")),
		chromedp.WaitVisible(chromedp.ID("portrait-done")),
		chromedp.SetUploadFiles(chromedp.ID("finger1-file"), []string{rightFile}),
		chromedp.SetUploadFiles(chromedp.ID("finger2-file"), []string{leftFile}),
		chromedp.Click(chromedp.ID("fingerprint-submit")),
		chromedp.WaitVisible(chromedp.ID("fingers-verified")),
	); err != nil {
		fail("portrait and fingerprints", err)
	}
	if shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile("/tmp/console-desk-application.png", shot, 0o644)
	}
	results := text("finger results", "#finger-results")
	for _, want := range []string{"Ngón trỏ phải", "Ngón trỏ trái", "Khớp"} {
		if !strings.Contains(results, want) {
			t.Errorf("finger results %q lack %q", results, want)
		}
	}

	// The consent code, read from the outbox as the citizen reads the SMS.
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.ID("send-code")),
		chromedp.WaitVisible(chromedp.ID("code-sent")),
	); err != nil {
		fail("send the code", err)
	}
	if err := chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.ID("consent-code"), e.smsCode(t, phone)),
		chromedp.Click(chromedp.ID("confirm-code")),
		chromedp.WaitVisible(chromedp.ID("consent-done")),
		chromedp.Click(chromedp.ID("doc-health_insurance")),
		chromedp.Click(chromedp.ID("submit-application")),
		chromedp.WaitVisible(chromedp.ID("submitted")),
	); err != nil {
		fail("consent and submit", err)
	}
	a := e.application(t, id)
	if a.State != store.AppPendingReview {
		t.Fatalf("application %s is %s after submission", id, a.State)
	}
	if got, want := text("deadline", "#deadline"), a.DeadlineAt.In(time.FixedZone("ICT", 7*3600)).Format("02/01/2006 15:04"); got != want {
		t.Errorf("the page shows the deadline %q, want %q", got, want)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err == nil {
		_ = os.WriteFile(filepath.Join(dir, "desk-submitted.png"), shot, 0o600)
		_ = os.WriteFile("/tmp/console-desk-submitted.png", shot, 0o644)
	}

	// The script's own paths on a second application: the webcam and the
	// signature pad.
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.ID("back-to-search")), chromedp.WaitVisible(chromedp.ID("query"))); err != nil {
		fail("back to the search", err)
	}
	maiApp := open(mai)
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.ID("webcam-start")),
		chromedp.WaitEnabled(chromedp.ID("webcam-capture")),
	); err != nil {
		fail("start the webcam", err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool]("document.getElementById('webcam-video').videoWidth > 0",
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		fail("webcam frames", err)
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.ID("webcam-capture"))); err != nil {
		fail("capture", err)
	}
	captured, err := chromedp.Run(bctx, chromedp.Value(chromedp.ID("portrait-data")))
	if err != nil {
		fail("read the capture", err)
	}
	if !strings.HasPrefix(captured, "data:image/jpeg;base64,/9j/") {
		t.Fatalf("the webcam capture is %.40q…, want a JPEG data: URL", captured)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.ID("portrait-submit")),
		chromedp.WaitVisible(chromedp.ID("portrait-done")),
	); err != nil {
		fail("save the webcam portrait", err)
	}
	box, err := chromedp.Run(bctx, chromedp.Evaluate[[]float64](`(() => {
		const c = document.getElementById('signature-canvas');
		c.scrollIntoView({block: 'center'});
		const r = c.getBoundingClientRect();
		return [r.left, r.top, r.width, r.height];
	})()`))
	if err != nil || len(box) != 4 {
		fail("find the signature pad", errors.Join(err, errors.New("no box")))
	}
	x, y, w, h := box[0], box[1], box[2], box[3]
	if err := chromedp.Do(bctx,
		chromedp.DragAndDropXY(x+w*0.1, y+h*0.7, x+w*0.4, y+h*0.2, 12),
		chromedp.DragAndDropXY(x+w*0.4, y+h*0.2, x+w*0.8, y+h*0.6, 12),
		chromedp.Click(chromedp.ID("save-signature")),
		chromedp.WaitVisible(chromedp.ID("consent-done")),
	); err != nil {
		fail("sign on the pad", err)
	}
	v, err := e.eid.DeskApplication(ctx, eid.Caller{}, eid.Reviewer{ID: desk.ID, Roles: desk.Roles, Scope: deskScope(t, e, "CA-01")}, maiApp)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Details.PortraitTaken || v.Details.Consent == nil || v.Details.Consent.Method != "signature" {
		t.Errorf("the webcam portrait or the drawn signature was not recorded: %+v", v.Details)
	}

	// The reviewer opens the first dossier from the queue and approves it.
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("username"))); err != nil {
		fail("sign out", err)
	}
	signIn(reviewer, "table.queue")
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS("a.open-dossier")),
		chromedp.WaitVisible(chromedp.ID("approve")),
	); err != nil {
		fail("open the dossier", err)
	}
	scores := text("finger scores", "#finger-scores")
	for _, want := range []string{"Ngón trỏ phải", "Ngón trỏ trái", "Khớp"} {
		if !strings.Contains(scores, want) {
			t.Errorf("finger scores %q lack %q", scores, want)
		}
	}
	consent := text("consent", "#desk-consent")
	if !strings.Contains(consent, "Mã xác nhận gửi qua tin nhắn SMS") || !strings.Contains(consent, identity.MaskPhone("+84987654321")) {
		t.Errorf("consent %q", consent)
	}
	for _, img := range []string{"desk-portrait", "registry-portrait"} {
		w, err := chromedp.Run(bctx, chromedp.Evaluate[int]("document.getElementById('"+img+"').naturalWidth"))
		if err != nil {
			fail("image "+img, err)
		}
		if w == 0 {
			t.Errorf("image %s did not load", img)
		}
	}
	if shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile("/tmp/console-desk-dossier.png", shot, 0o644)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.ID("approve")),
		chromedp.WaitVisible(chromedp.ID("queue-empty")),
	); err != nil {
		fail("approve", err)
	}
	if a := e.application(t, id); a.State != store.AppApproved || a.DecidedBy != "officer:"+reviewer.ID {
		t.Fatalf("application %s decided by %q, want approved by the reviewer", a.State, a.DecidedBy)
	}
	acc, err := e.st.AccountByIDNumber(ctx, hoa.IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := e.st.AccountEID(ctx, acc.ID); err != nil || s.State != store.EIDApproved || s.PendingLevel != 2 {
		t.Fatalf("account e-ID %+v, %v; want approved at level 2", s, err)
	}
	sms, err := e.st.ListOutbox(ctx, store.OutboxFilter{Recipient: "+84987654321"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(sms, func(m store.OutboxMessage) bool {
		return m.Channel == "sms" && m.Template == notify.TemplateEIDApproved
	}) {
		t.Errorf("no approval SMS queued: %+v", sms)
	}
	if err := tctx.Err(); errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the browser test ran out of time")
	}
}

// deskScope is the scope of a police unit, for calling the desk service
// directly in a test.
func deskScope(t *testing.T, e *env, unit string) jurisdiction.Scope {
	t.Helper()
	s, err := e.units.Scope(context.Background(), unit)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
