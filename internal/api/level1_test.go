package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/activation"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/face"
	"github.com/vneid/vneid/internal/jurisdiction"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/telemetry"
	"github.com/vneid/vneid/internal/testkit"
	"github.com/vneid/vneid/internal/totp"
	"github.com/vneid/vneid/internal/trustlist"
	"github.com/vneid/vneid/internal/workday"
)

// eidEnv is a server with the e-ID, officer and admin routes.
type eidEnv struct {
	*env
	eid      *eid.Service
	officers *officer.Service
	pki      *testkit.PKI
}

func newEIDEnv(t *testing.T, open func(testing.TB) store.Store, faces eid.FaceVerifier) *eidEnv {
	t.Helper()
	ctx := context.Background()
	st := open(t)
	clk := &clock{}
	log := slog.New(slog.DiscardHandler)
	acc, err := account.New(ctx, testConfig(), account.Options{Store: st, Now: clk.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, _ := seal.New(seal.Key{ID: 1, Bytes: key})
	cal, err := workday.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := eid.New(eid.DefaultConfig(), eid.Options{Store: st, Population: st, Box: box, Faces: faces, Calendar: cal,
		Logger: log, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	units, err := jurisdiction.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	provinces, err := jurisdiction.ProvinceUnits()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := units.Seed(ctx, provinces); err != nil {
		t.Fatal(err)
	}
	off, err := officer.New(officer.Options{Units: units, Store: st, Box: box, Argon2: account.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, Logger: log, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	trust := &trustlist.Manager{Store: st, Changed: e.InvalidateTrust}
	lk, err := locking.New(locking.Options{Store: st, Codes: acc, Calendar: cal, Now: clk.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	apiServer := api.New(api.Options{Accounts: acc, EID: e, Officers: off, Trust: trust, Store: st, Locking: lk,
		Ready: st, Logger: log, Metrics: telemetry.New(st), Version: "test"})
	mux := http.NewServeMux()
	act := activation.New(activation.Options{Accounts: acc, EID: e, Logger: log, ClientIP: apiServer.ClientIP})
	mux.Handle(activation.Path, act)
	mux.Handle(activation.Path+"/", act)
	mux.Handle("/", apiServer)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if err := st.UpsertCitizens(ctx, population()); err != nil {
		t.Fatal(err)
	}
	pki, err := testkit.NewPKI(testkit.BrainpoolP512, "VN", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trust.AddCertificate(ctx, "test", "test", pki.CSCA.Raw); err != nil {
		t.Fatal(err)
	}
	return &eidEnv{env: &env{t: t, store: st, url: srv.URL, clock: clk}, eid: e, officers: off, pki: pki}
}

// faceImages cuts a chip portrait, a database portrait and a selfie of one
// person, and a portrait of another, out of the sample photos that ship
// with @vladmandic/face-api.
func faceImages(t *testing.T) (chip, registry, selfie, stranger []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(faceWorkerDir, "node_modules/@vladmandic/face-api/demo/sample6.jpg"))
	if err != nil {
		t.Fatalf("face-api samples missing (run `npm ci --prefix tools/faceapi`): %v", err)
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	right := image.Rect(1487, 260, 1697, 557)
	left := image.Rect(250, 468, 460, 758)
	return crop(t, img, right, 80, 1), crop(t, img, right, 100, 0.8), crop(t, img, right, 140, 0.6), crop(t, img, left, 80, 1)
}

const faceWorkerDir = "../../tools/faceapi"

func crop(t *testing.T, img image.Image, r image.Rectangle, margin int, scale float64) []byte {
	t.Helper()
	r = image.Rect(r.Min.X-margin, r.Min.Y-margin, r.Max.X+margin, r.Max.Y+margin).Intersect(img.Bounds())
	w, h := int(float64(r.Dx())*scale), int(float64(r.Dy())*scale)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			out.Set(x, y, img.At(r.Min.X+int(float64(x)/scale), r.Min.Y+int(float64(y)/scale)))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func startFaceEngine(t *testing.T) *face.Engine {
	t.Helper()
	if os.Getenv("VNEID_SKIP_NODE") == "1" {
		t.Skip("VNEID_SKIP_NODE=1: the face engine is not installed here")
	}
	e := face.NewEngine(face.EngineConfig{WorkerDir: faceWorkerDir})
	if err := e.Start(context.Background()); err != nil {
		t.Fatalf("face engine: %v (install it with `npm ci --prefix tools/faceapi`)", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestLevel1AutoApproval is the whole online level-1 path over HTTP on
// both stores: register, log in, start, the software chip answers the
// challenge, the dossier passes every check with the real face engine and
// is approved by the rules, the approval SMS of letter 2 is in the
// outbox word for word, the citizen activates and is at level 1.
func TestLevel1AutoApproval(t *testing.T) {
	faces := startFaceEngine(t)
	chipPortrait, dbPortrait, selfie, stranger := faceImages(t)
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		e := newEIDEnv(t, open, faces)
		if err := e.eid.PutPortrait(ctx, adultID, "jpeg", dbPortrait); err != nil {
			t.Fatal(err)
		}
		c := e.register(adultID, "0912345678")
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		st, err := c.EIDStatus(ctx)
		if err != nil || st.State != "none" || st.Level != 0 {
			t.Fatalf("status before = %+v, %v", st, err)
		}
		cit, _ := e.store.Citizen(ctx, adultID)
		chip, err := e.pki.IssueChip(cit, cit.Cards[0], testkit.ChipOptions{Portrait: chipPortrait})
		if err != nil {
			t.Fatal(err)
		}
		app, err := c.StartLevel1(ctx)
		if err != nil || len(app.Challenge) != 8 || len(app.Notes["vi"]) == 0 {
			t.Fatalf("StartLevel1 = %+v, %v", app, err)
		}
		answer, _ := chip.AnswerChallenge(app.Challenge)
		res, err := c.SubmitLevel1(ctx, app.ApplicationID, chip.Files(), answer, selfie, e.qr(adultID))
		if err != nil {
			t.Fatalf("SubmitLevel1: %v", err)
		}
		if res.State != "approved" || res.NextStep != "activate" {
			t.Fatalf("dossier %s, checks %+v", res.State, res.Checks)
		}
		for _, ch := range res.Checks {
			// The app sees outcomes only; scores are for reviewers.
			if (ch.Name == "face_chip" || ch.Name == "face_registry" || ch.Name == "selfie_not_copy") && (ch.Status != "pass" || ch.Score != nil) {
				t.Errorf("%s = %+v", ch.Name, ch)
			}
		}
		view, err := e.eid.Dossier(ctx, eid.Caller{}, eid.Reviewer{ID: "o1", Roles: []string{"reviewer"}, Scope: jurisdiction.Scope{Nationwide: true}}, app.ApplicationID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range view.Report.Checks {
			if ch.Name == "face_chip" && (ch.Score == nil || *ch.Score < eid.DefaultConfig().FaceThreshold) {
				t.Errorf("reviewer's face_chip = %+v", ch)
			}
		}
		msgs, _ := e.store.ListOutbox(ctx, store.OutboxFilter{Recipient: "+84912345678"})
		want := "Cục Cảnh sát QLHC về TTXH thông báo: Hồ sơ đăng ký tài khoản định danh điện tử của công dân NGUYEN THI ANH DAO đã được phê duyệt. Để nghị truy cập ứng dụng VNNeID hoặc địa chỉ https://vneid.gov.vn để kích hoạt tài khoản."
		if len(msgs) == 0 || msgs[0].Body != want || msgs[0].Template != "eid_approved" {
			t.Fatalf("newest SMS = %+v\nwant %q", msgs[0], want)
		}
		st, _ = c.EIDStatus(ctx)
		if st.State != "approved" || st.PendingLevel != 1 || st.ActivationDue == nil {
			t.Errorf("status after approval = %+v", st)
		}
		if level, err := c.Activate(ctx); err != nil || level != 1 {
			t.Fatalf("Activate = %d, %v", level, err)
		}
		acc, _, err := c.Me(ctx)
		if err != nil || acc.Level != 1 {
			t.Errorf("me after activation = %+v, %v", acc, err)
		}
		notes, err := c.Notifications(ctx)
		if err != nil || len(notes) != 2 || notes[0].Kind != "eid_activated" || notes[1].Kind != "eid_approved" || notes[1].Title["en"] == "" {
			t.Errorf("notifications = %+v, %v", notes, err)
		}

		// Someone else's face in the selfie: the dossier waits for an officer.
		c2 := e.register(adult2ID, "0987654321")
		if _, err := c2.Login(ctx, adult2ID, password); err != nil {
			t.Fatal(err)
		}
		cit2, _ := e.store.Citizen(ctx, adult2ID)
		chip2, _ := e.pki.IssueChip(cit2, cit2.Cards[0], testkit.ChipOptions{Portrait: chipPortrait})
		app2, err := c2.StartLevel1(ctx)
		if err != nil {
			t.Fatal(err)
		}
		answer2, _ := chip2.AnswerChallenge(app2.Challenge)
		res2, err := c2.SubmitLevel1(ctx, app2.ApplicationID, chip2.Files(), answer2, stranger, e.qr(adult2ID))
		if err != nil {
			t.Fatal(err)
		}
		if res2.State != "pending_review" {
			t.Errorf("a stranger's selfie: %s", res2.State)
		}
		for _, ch := range res2.Checks {
			if ch.Name == "face_chip" && ch.Status != "fail" {
				t.Errorf("face_chip with a stranger = %+v", ch)
			}
		}
	})
}

// TestLevel1Refusals checks refusals over HTTP: problem codes with a
// reason, and the wrong step.
func TestLevel1Refusals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		e := newEIDEnv(t, open, nil)
		c := e.register(adultID, "0912345678")
		if _, err := c.StartLevel1(ctx); err == nil {
			t.Fatal("start without a session accepted")
		} else {
			wantProblem(t, err, "unauthenticated", 401)
		}
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		cit, _ := e.store.Citizen(ctx, adultID)
		chip, _ := e.pki.IssueChip(cit, cit.Cards[0], testkit.ChipOptions{})
		app, err := c.StartLevel1(ctx)
		if err != nil {
			t.Fatal(err)
		}
		files := chip.Files()
		files["dg2"] = append([]byte{}, files["dg2"]...)
		files["dg2"][len(files["dg2"])-20] ^= 0x55
		answer, _ := chip.AnswerChallenge(app.Challenge)
		selfie, _ := testkit.SyntheticPortrait("selfie")
		_, err = c.SubmitLevel1(ctx, app.ApplicationID, files, answer, selfie, e.qr(adultID))
		p := wantProblem(t, err, "chip_refused", 400)
		if p.Reason != "dg_hash_mismatch" {
			t.Errorf("reason = %q", p.Reason)
		}
		_, err = c.SubmitLevel1(ctx, app.ApplicationID, chip.Files(), answer, selfie, e.qr(adultID))
		wantProblem(t, err, "eid_application_wrong_step", 409)
		app, _ = c.StartLevel1(ctx)
		_, err = c.SubmitLevel1(ctx, app.ApplicationID, chip.Files(), []byte("not a signature"), []byte("not a picture"), e.qr(adultID))
		wantProblem(t, err, "eid_evidence_invalid", 400, "selfie")
		_, err = c.SubmitLevel1(ctx, "nope", chip.Files(), answer, selfie, e.qr(adultID))
		wantProblem(t, err, "eid_application_not_found", 404)
		if _, err := c.Activate(ctx); err == nil {
			t.Error("activation without approval accepted")
		} else {
			wantProblem(t, err, "eid_not_approved", 409)
		}
		// The admin API needs an officer with the admin role.
		enr, err := e.officers.Create(ctx, "test", officer.NewOfficer{Username: "admin.test", FullName: "Quản trị", Password: "mat-khau-rat-dai-1",
			Roles: []string{officer.RoleAdmin}, Unit: "C06"})
		if err != nil {
			t.Fatal(err)
		}
		_ = enr
		admin := &appclient.Client{BaseURL: e.url, Token: "garbage"}
		if err := adminCall(ctx, admin, "GET", "/api/v1/admin/trust"); err == nil {
			t.Error("admin route with a bad token accepted")
		}
		if err := adminCall(ctx, c, "GET", "/api/v1/admin/trust"); err == nil {
			t.Error("admin route with a citizen's token accepted")
		}
	})
}

func adminCall(ctx context.Context, c *appclient.Client, method, path string) error {
	return c.Raw(ctx, method, path, nil, nil)
}

// TestAdminAPI: an administrator signs in with password and TOTP, manages
// the trust list, sees dead messages and replays one, and reopens an
// expired activation; others are refused.
func TestAdminAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		e := newEIDEnv(t, open, nil)
		enr, err := e.officers.Create(ctx, "test", officer.NewOfficer{Username: "admin.hn", FullName: "Quản trị Hà Nội",
			Password: "mat-khau-rat-dai-1", Roles: []string{officer.RoleAdmin}, Unit: "C06"})
		if err != nil {
			t.Fatal(err)
		}
		anon := &appclient.Client{BaseURL: e.url}
		var login struct {
			Token string `json:"access_token"`
		}
		err = anon.Raw(ctx, "POST", "/api/v1/officer/login", map[string]string{"username": "admin.hn", "password": "wrong-password-1", "code": totp.Code(enr.TOTPSecret, time.Now(), totp.Options{})}, &login)
		wantProblem(t, err, "officer_bad_credentials", 401)
		code := totp.Code(enr.TOTPSecret, time.Now(), totp.Options{})
		if err := anon.Raw(ctx, "POST", "/api/v1/officer/login", map[string]string{"username": "admin.hn", "password": "mat-khau-rat-dai-1", "code": code}, &login); err != nil {
			t.Fatal(err)
		}
		// The same code a second time is refused.
		err = anon.Raw(ctx, "POST", "/api/v1/officer/login", map[string]string{"username": "admin.hn", "password": "mat-khau-rat-dai-1", "code": code}, nil)
		wantProblem(t, err, "officer_bad_credentials", 401)
		admin := &appclient.Client{BaseURL: e.url, Token: login.Token}

		// Trust list: add a second CSCA, see it, remove it.
		other, _ := testkit.NewPKI(testkit.P256, "VN", time.Now())
		var added struct {
			Added   int `json:"added"`
			Entries []struct {
				ID string `json:"id"`
			} `json:"entries"`
		}
		if err := admin.Raw(ctx, "POST", "/api/v1/admin/trust", map[string]string{"kind": "csca", "der": base64.StdEncoding.EncodeToString(other.CSCA.Raw), "source": "test"}, &added); err != nil || added.Added != 1 {
			t.Fatalf("add CSCA = %+v, %v", added, err)
		}
		err = admin.Raw(ctx, "POST", "/api/v1/admin/trust", map[string]string{"kind": "csca", "der": base64.StdEncoding.EncodeToString(other.DS.Raw)}, nil)
		wantProblem(t, err, "trust_invalid", 400)
		var list struct {
			Entries []map[string]any `json:"entries"`
		}
		if err := admin.Raw(ctx, "GET", "/api/v1/admin/trust", nil, &list); err != nil || len(list.Entries) != 2 {
			t.Fatalf("trust list = %+v, %v", list, err)
		}
		if err := admin.Raw(ctx, "DELETE", "/api/v1/admin/trust/"+added.Entries[0].ID, nil, nil); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, admin.Raw(ctx, "DELETE", "/api/v1/admin/trust/"+added.Entries[0].ID, nil, nil), "trust_not_found", 404)

		// A dead message is listed without its recipient and replayed.
		id, _ := e.store.EnqueueOutbox(ctx, store.OutboxMessage{Channel: "sms", Recipient: "+84912345678", Template: "t", Body: "b", CreatedAt: time.Now()})
		if _, err := e.store.ClaimOutbox(ctx, "w", time.Now(), time.Minute, 10); err != nil {
			t.Fatal(err)
		}
		_ = e.store.RetryOutbox(ctx, id, "w", "smsc down", time.Now(), true)
		var dead struct {
			Messages []map[string]any `json:"messages"`
		}
		if err := admin.Raw(ctx, "GET", "/api/v1/admin/outbox?status=dead", nil, &dead); err != nil || len(dead.Messages) != 1 || dead.Messages[0]["recipient"] != nil {
			t.Fatalf("dead messages = %+v, %v", dead, err)
		}
		path := "/api/v1/admin/outbox/" + strconv.FormatInt(id, 10) + "/replay"
		if err := admin.Raw(ctx, "POST", path, nil, nil); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, admin.Raw(ctx, "POST", path, nil, nil), "outbox_message_not_dead", 409)
		m, _ := e.store.OutboxMessage(ctx, id)
		if m.Status != store.OutboxPending || m.Attempts != 0 {
			t.Errorf("replayed message = %+v", m)
		}

		// Reopen refuses an account whose activation has not expired.
		e.register(adultID, "0912345678")
		wantProblem(t, admin.Raw(ctx, "POST", "/api/v1/admin/eid/reopen", map[string]string{"id_number": adultID}, nil), "eid_not_activation_expired", 409)

		// A reviewer without the admin role is refused.
		rev, _ := e.officers.Create(ctx, "test", officer.NewOfficer{Username: "reviewer.hn", FullName: "Thẩm định", Password: "mat-khau-rat-dai-2",
			Roles: []string{officer.RoleReviewer}, Unit: "CA-01"})
		var rl struct {
			Token string `json:"access_token"`
		}
		if err := anon.Raw(ctx, "POST", "/api/v1/officer/login", map[string]string{"username": "reviewer.hn", "password": "mat-khau-rat-dai-2", "code": totp.Code(rev.TOTPSecret, time.Now(), totp.Options{})}, &rl); err != nil {
			t.Fatal(err)
		}
		reviewerClient := &appclient.Client{BaseURL: e.url, Token: rl.Token}
		wantProblem(t, reviewerClient.Raw(ctx, "GET", "/api/v1/admin/trust", nil, nil), "forbidden", 403)

		// An administrator of a province's police is refused too: these
		// routes act nationwide.
		prov, _ := e.officers.Create(ctx, "test", officer.NewOfficer{Username: "admin.hcm", FullName: "Quản trị TP.HCM", Password: "mat-khau-rat-dai-3",
			Roles: []string{officer.RoleAdmin}, Unit: "CA-79"})
		var pl struct {
			Token string `json:"access_token"`
		}
		if err := anon.Raw(ctx, "POST", "/api/v1/officer/login", map[string]string{"username": "admin.hcm", "password": "mat-khau-rat-dai-3", "code": totp.Code(prov.TOTPSecret, time.Now(), totp.Options{})}, &pl); err != nil {
			t.Fatal(err)
		}
		provClient := &appclient.Client{BaseURL: e.url, Token: pl.Token}
		wantProblem(t, provClient.Raw(ctx, "POST", "/api/v1/admin/eid/reopen", map[string]string{"id_number": adultID}, nil), "forbidden", 403)
	})
}

// TestActivationWebPage: a citizen approved after review activates from
// the web page with password and SMS code, without the app.
func TestActivationWebPage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		e := newEIDEnv(t, open, nil)
		c := e.register(adultID, "0912345678")
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		cit, _ := e.store.Citizen(ctx, adultID)
		chip, _ := e.pki.IssueChip(cit, cit.Cards[0], testkit.ChipOptions{})
		app, err := c.StartLevel1(ctx)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := chip.AnswerChallenge(app.Challenge)
		selfie, _ := testkit.SyntheticPortrait("selfie")
		res, err := c.SubmitLevel1(ctx, app.ApplicationID, chip.Files(), answer, selfie, e.qr(adultID))
		if err != nil || res.State != "pending_review" {
			t.Fatalf("dossier = %+v, %v", res, err)
		}
		// The citizen adds an email address for notices.
		wantProblem(t, c.Raw(ctx, "PUT", "/api/v1/app/me/email", map[string]string{"email": "not an address"}, nil), "invalid_email", 400, "email")
		if err := c.Raw(ctx, "PUT", "/api/v1/app/me/email", map[string]string{"email": "dao.nguyen@example.vn"}, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.eid.Approve(ctx, eid.Caller{}, eid.Reviewer{ID: "o1", Roles: []string{"reviewer"}, Scope: jurisdiction.Scope{Nationwide: true}}, app.ApplicationID); err != nil {
			t.Fatal(err)
		}
		mails, _ := e.store.ListOutbox(ctx, store.OutboxFilter{Recipient: "dao.nguyen@example.vn"})
		if len(mails) != 1 || mails[0].Template != "eid_approved" || !strings.Contains(mails[0].Body, "NGUYEN THI ANH DAO đã được phê duyệt") {
			t.Errorf("approval email = %+v", mails)
		}

		jar, _ := cookiejar.New(nil)
		web := &http.Client{Jar: jar}
		csrfRe := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
		ticketRe := regexp.MustCompile(`name="ticket" value="([^"]+)"`)
		get := func(resp *http.Response, err error) (int, string) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		status, page := get(web.Get(e.url + "/activate"))
		m := csrfRe.FindStringSubmatch(page)
		if status != 200 || m == nil || !strings.Contains(page, "Kích hoạt tài khoản định danh điện tử") {
			t.Fatalf("form: %d\n%s", status, page)
		}
		post := func(path string, v url.Values) (int, string) {
			req, _ := http.NewRequest("POST", e.url+path, strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", e.url)
			return get(web.Do(req))
		}
		// Without the form token: refused.
		if status, _ := post("/activate", url.Values{"id_number": {adultID}, "password": {password}}); status != 403 {
			t.Errorf("no csrf: %d", status)
		}
		if status, page := post("/activate", url.Values{"csrf": {m[1]}, "id_number": {adultID}, "password": {"Sai@12345"}}); status != 401 || !strings.Contains(page, "class=\"err\"") {
			t.Errorf("wrong password: %d", status)
		}
		status, page = post("/activate", url.Values{"csrf": {m[1]}, "id_number": {adultID}, "password": {password}})
		tk := ticketRe.FindStringSubmatch(page)
		if status != 200 || tk == nil || !strings.Contains(page, "091****678") {
			t.Fatalf("code page: %d\n%s", status, page)
		}
		code := e.otp("0912345678")
		if status, _ := post("/activate/confirm", url.Values{"csrf": {m[1]}, "ticket": {tk[1]}, "code": {"000000"}}); status != 400 {
			t.Errorf("wrong code: %d", status)
		}
		status, page = post("/activate/confirm", url.Values{"csrf": {m[1]}, "ticket": {tk[1]}, "code": {code}})
		if status != 200 || !strings.Contains(page, "mức 1") {
			t.Fatalf("confirm: %d\n%s", status, page)
		}
		a, _ := e.store.AccountByIDNumber(ctx, adultID)
		if a.Level != 1 {
			t.Errorf("level after web activation = %d", a.Level)
		}
		// The code works once.
		if status, _ := post("/activate/confirm", url.Values{"csrf": {m[1]}, "ticket": {tk[1]}, "code": {code}}); status == 200 {
			t.Error("the code worked twice")
		}
	})
}
