package console_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/console"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/enrolment"
	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/synth"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/testkit"
)

const wantDeskCSP = "default-src 'none'; img-src data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'"

// cardKind is the ID card a desk citizen holds.
type cardKind int

const (
	validChipCard cardKind = iota // a chip card valid today: any office may take them
	expiredCard                   // a chip card that expired: only their residence's police may
)

// deskCitizen is a citizen of Hà Nội in the registry with a database
// portrait and fingerprint templates.
type deskCitizen struct {
	IDNumber, FullName string
	Citizen            registry.Citizen
	Card               registry.IDCard
	// Seed draws their synthetic fingers.
	Seed uint64
}

// putDeskCitizen puts a citizen in the registry with the portrait and the
// templates of fingers in the ID-card database; they have no app account.
func (e *env) putDeskCitizen(t testing.TB, serial int, name string, kind cardKind, fingers ...fingerprint.FingerPosition) deskCitizen {
	t.Helper()
	ctx := context.Background()
	dob, _ := identity.NewDate(1992, 7, 20)
	id, err := identity.MakePersonalID("001", dob, identity.Female, serial)
	if err != nil {
		t.Fatal(err)
	}
	card := registry.IDCard{Number: id, Chip: true, Status: registry.CardValid}
	switch kind {
	case validChipCard:
		card.IssueDate, _ = identity.NewDate(2021, 6, 10)
		card.ExpiryDate, _ = identity.NewDate(2032, 7, 20)
	case expiredCard:
		card.IssueDate, _ = identity.NewDate(2012, 5, 4)
		card.ExpiryDate, _ = identity.NewDate(2017, 7, 20)
	}
	cit := registry.Citizen{ID: id, FullName: name, DateOfBirth: dob, Gender: identity.Female,
		Nationality: "Việt Nam", Ethnicity: "Kinh", PlaceOfOrigin: "Xã Đông Ngạc, Huyện Từ Liêm, Thành phố Hà Nội",
		PermanentAddress: registry.Address{HouseNumber: "Số 5", Street: "Phố Lý Thường Kiệt", Commune: "Phường Trần Hưng Đạo",
			District: "Quận Hoàn Kiếm", Province: "Thành phố Hà Nội"},
		LifeStatus: registry.Alive, Cards: []registry.IDCard{card}}
	if err := e.st.UpsertCitizens(ctx, []registry.Citizen{cit}); err != nil {
		t.Fatal(err)
	}
	img, err := testkit.SyntheticPortrait("registry:" + id)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.eid.PutPortrait(ctx, id, "jpeg", img); err != nil {
		t.Fatal(err)
	}
	dc := deskCitizen{IDNumber: id, FullName: name, Citizen: cit, Card: card, Seed: uint64(1000 + serial)}
	for _, pos := range fingers {
		if err := e.eid.PutFingerprintTemplate(ctx, id, dc.finger(t, pos)); err != nil {
			t.Fatalf("template of finger %d: %v", pos, err)
		}
	}
	return dc
}

// finger returns the citizen's template of a finger as the ID-card
// database holds it.
//
// The desk sends the same template back as "the capture that matches":
// the matcher's calibration is still being tuned, and these tests are about
// the console, not about how well two impressions of one finger compare.
func (d deskCitizen) finger(t testing.TB, pos fingerprint.FingerPosition) []byte {
	t.Helper()
	return fingerRecord(t, d.Seed, pos)
}

// fingerRecord is a one-view ISO/IEC 19794-2:2005 record of an impression
// of a synthetic finger on a 500 ppi scanner, at the scanner's image size.
func fingerRecord(t testing.TB, seed uint64, pos fingerprint.FingerPosition) []byte {
	t.Helper()
	v := synth.NewMaster(seed, pos).Impression(seed*31+uint64(pos), synth.Typical())
	v.Position = pos
	rec := fingerprint.Record{Width: v.Width, Height: v.Height, ResolutionX: 197, ResolutionY: 197, Views: []fingerprint.View{v}}
	raw, err := rec.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// upload is one file of a multipart form.
type upload struct {
	Field, Name string
	Data        []byte
}

// postMultipart posts a multipart/form-data form with files.
func (c *client) postMultipart(path string, fields url.Values, files ...upload) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				c.t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.Field, f.Name)
		if err != nil {
			c.t.Fatal(err)
		}
		if _, err := w.Write(f.Data); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// search looks a citizen up at the desk.
func (c *client) search(token, query string) response {
	c.t.Helper()
	return c.post("/console/desk/search", url.Values{"csrf": {token}, "query": {query}})
}

var deskAppLocation = regexp.MustCompile(`^/console/desk/applications/([0-9a-f]+)(#.*)?$`)

// openApplication searches the citizen, opens an application and returns
// its ID and page.
func (c *client) openApplication(d deskCitizen, cardRequest, phone string) (string, response) {
	c.t.Helper()
	token := csrf(c.t, c.get("/console/desk"))
	found := c.search(token, d.IDNumber)
	if found.Status != http.StatusOK || !shows(found.Body, d.FullName) {
		c.t.Fatalf("search %s: %d\n%s", d.IDNumber, found.Status, excerpt(found.Body))
	}
	r := c.post("/console/desk/applications", url.Values{"csrf": {token}, "id_number": {d.IDNumber},
		"card_request": {cardRequest}, "phone": {phone}, "email": {"nhung.pham@example.vn"}})
	m := deskAppLocation.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		c.t.Fatalf("open: %d → %q\n%s", r.Status, r.Location, excerpt(r.Body))
	}
	return m[1], c.follow(r)
}

// stepError finds the text of a desk step's error paragraph.
var stepError = regexp.MustCompile(`(?s)id="step-error" data-code="([^"]*)">(.*?)</p>`)

// wantStepError asserts a desk step was refused with a failure shown on
// the application page.
func wantStepError(t *testing.T, what string, r response, status int, vi string) {
	t.Helper()
	m := stepError.FindStringSubmatch(r.Body)
	if r.Status != status || m == nil || !shows(m[2], vi) {
		t.Fatalf("%s: status %d (want %d), step error %q (want %q)\n%s", what, r.Status, status, m, vi, excerpt(r.Body))
	}
	if r.Header.Get("Content-Security-Policy") != wantDeskCSP {
		t.Errorf("%s: the application page has CSP %q", what, r.Header.Get("Content-Security-Policy"))
	}
}

// smsCode reads the newest one-time code sent to a phone from the outbox.
func (e *env) smsCode(t testing.TB, phone string) string {
	t.Helper()
	n, err := identity.NormalizePhone(phone)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{Recipient: n})
	if err != nil {
		t.Fatal(err)
	}
	six := regexp.MustCompile(`\b(\d{6})\b`)
	for i := len(msgs) - 1; i >= 0; i-- {
		if m := six.FindStringSubmatch(msgs[i].Body); msgs[i].Channel == "sms" && m != nil {
			return m[1]
		}
	}
	t.Fatalf("no code sent to %s: %+v", n, msgs)
	return ""
}

// TestDesk runs the enrolment desk over HTTP on every store backend.
func TestDesk(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testDesk(t, b.Open(t))
		})
	}
}

func testDesk(t *testing.T, st *sqlstore.DB) {
	ctx := context.Background()
	e := newEnv(t, st, &clock{t: time.Now()})
	right, left := fingerprint.RightIndex, fingerprint.LeftIndex
	nhung := e.putDeskCitizen(t, 11, "Phạm Thị Hồng Nhung", validChipCard, right, left, fingerprint.RightThumb)
	lan := e.putDeskCitizen(t, 12, "Đỗ Thị Ngọc Lan", expiredCard, right, left)
	thu := e.putDeskCitizen(t, 13, "Hoàng Thị Thu", validChipCard, right, left)
	desk := e.officer(t, "desk.hn", []string{officer.RoleDesk}, "CA-01")
	deskHCM := e.officer(t, "desk.hcm", []string{officer.RoleDesk}, "CA-79")
	deskC06 := e.officer(t, "desk.c06", []string{officer.RoleDesk}, "C06")
	reviewer := e.officer(t, "reviewer.hn", []string{officer.RoleReviewer}, "CA-01")
	portrait, err := testkit.SyntheticPortrait("desk:" + nhung.IDNumber)
	if err != nil {
		t.Fatal(err)
	}

	var nhungApp string // the application of the full OTP run, for the reviewer

	t.Run("officers without the desk role are refused", func(t *testing.T) {
		c := e.signIn(t, reviewer)
		token := csrf(t, c.get("/console/queue"))
		for what, r := range map[string]response{
			"search page":  c.get("/console/desk"),
			"search":       c.search(token, nhung.IDNumber),
			"open":         c.post("/console/desk/applications", url.Values{"csrf": {token}, "id_number": {nhung.IDNumber}, "phone": {"0912000011"}}),
			"application":  c.get("/console/desk/applications/0123456789abcdef0123456789abcdef"),
			"portrait":     c.postMultipart("/console/desk/applications/0123456789abcdef0123456789abcdef/portrait", url.Values{"csrf": {token}}, upload{"portrait", "p.jpg", portrait}),
			"consent code": c.post("/console/desk/applications/0123456789abcdef0123456789abcdef/consent-code", url.Values{"csrf": {token}}),
		} {
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "console_not_desk") ||
				!shows(r.Body, "không có quyền tiếp nhận hồ sơ") || strings.Contains(r.Body, nhung.IDNumber) {
				t.Errorf("%s by a reviewer: %d\n%s", what, r.Status, excerpt(r.Body))
			}
		}
		events, err := e.st.AuditBySubject(ctx, nhung.IDNumber, 100)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(events, func(ev store.AuditEvent) bool { return ev.Action == "desk.citizen.read" }) {
			t.Errorf("a refused search read the citizen: %+v", events)
		}
	})

	t.Run("a desk officer lands on the desk", func(t *testing.T) {
		c := e.signIn(t, desk)
		if r := c.get("/console/"); r.Status != http.StatusSeeOther || r.Location != "/console/desk" {
			t.Fatalf("root: %d → %q", r.Status, r.Location)
		}
		page := c.get("/console/desk")
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="query"`) || !strings.Contains(page.Body, `id="nav-desk"`) ||
			strings.Contains(page.Body, `href="/console/queue"`) || !shows(page.Body, "Công an Thành phố Hà Nội") {
			t.Fatalf("desk page: %d\n%s", page.Status, excerpt(page.Body))
		}
		checkHeaders(t, "desk search page", page)
		if strings.Contains(page.Body, "<script") {
			t.Errorf("the search page loads a script; it needs none")
		}
		js := c.get("/console/static/desk.js")
		if js.Status != http.StatusOK || !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") ||
			!strings.Contains(js.Body, "getUserMedia") || strings.Contains(js.Body, "http") {
			t.Fatalf("desk.js: %d %q", js.Status, js.Header.Get("Content-Type"))
		}
	})

	t.Run("search", func(t *testing.T) {
		c := e.signIn(t, desk)
		page := c.get("/console/desk")
		token := csrf(t, page)
		if r := c.post("/console/desk/search", url.Values{"query": {nhung.IDNumber}}); r.Status != http.StatusForbidden ||
			!strings.Contains(r.Body, "console_csrf") || strings.Contains(r.Body, nhung.IDNumber) {
			t.Fatalf("search without CSRF token: %d\n%s", r.Status, excerpt(r.Body))
		}
		for what, tc := range map[string]struct {
			query  string
			status int
			vi     string
		}{
			"short number":  {"12345", http.StatusBadRequest, eid.ErrDeskQuery.VI},
			"empty":         {"  ", http.StatusBadRequest, eid.ErrDeskQuery.VI},
			"bad QR":        {"abc|def|ghi", http.StatusBadRequest, eid.ErrDeskQuery.VI},
			"not on record": {mustID(t, 99), http.StatusNotFound, eid.ErrDeskCitizenNotFound.VI},
		} {
			r := c.search(token, tc.query)
			if r.Status != tc.status || !strings.Contains(r.Body, `id="search-error"`) || !shows(r.Body, tc.vi) {
				t.Errorf("search, %s: %d\n%s", what, r.Status, excerpt(r.Body))
			}
		}

		byID := c.search(token, nhung.IDNumber)
		if byID.Status != http.StatusOK {
			t.Fatalf("search: %d\n%s", byID.Status, excerpt(byID.Body))
		}
		checkHeaders(t, "search result", byID)
		for _, want := range []string{
			nhung.FullName, nhung.IDNumber, "20/07/1992", "Nữ", "Xã Đông Ngạc, Huyện Từ Liêm, Thành phố Hà Nội",
			"Số 5, Phố Lý Thường Kiệt, Phường Trần Hưng Đạo, Quận Hoàn Kiếm, Thành phố Hà Nội",
			"Thẻ gắn chip", "10/06/2021", "20/07/2032", "Còn giá trị", "Có thẻ Căn cước gắn chip còn giá trị",
			"Chưa có tài khoản VNeID", "Có ảnh trong CSDL căn cước",
			"3 ngón: Ngón cái phải, Ngón trỏ phải, Ngón trỏ trái",
			"Được tiếp nhận: công dân có thẻ gắn chip còn giá trị",
			`name="card_request"`, `name="phone"`, `name="email"`, `value="` + nhung.IDNumber + `"`,
		} {
			if !shows(byID.Body, want) {
				t.Errorf("search result lacks %q", want)
			}
		}
		for _, cr := range eid.CardRequests() {
			if !shows(byID.Body, cr[1]) {
				t.Errorf("the card request select lacks %q", cr[1])
			}
		}
		if !strings.Contains(byID.Body, `<option value="" selected>`) {
			t.Errorf("a citizen with a valid chip card should default to no card request")
		}

		byQR := c.search(token, cccd.FromCard(nhung.Citizen, nhung.Card).String())
		if byQR.Status != http.StatusOK || !shows(byQR.Body, nhung.FullName) || !strings.Contains(byQR.Body, `id="citizen-id">`+nhung.IDNumber) {
			t.Fatalf("search by QR: %d\n%s", byQR.Status, excerpt(byQR.Body))
		}

		// Lan's card expired: the desk proposes a renewal, which her
		// residence's police may take.
		expired := c.search(token, lan.IDNumber)
		for _, want := range []string{"Hết hạn", "Không có thẻ Căn cước còn giá trị", "Được tiếp nhận kèm thủ tục cấp, đổi thẻ"} {
			if !shows(expired.Body, want) {
				t.Errorf("expired card search lacks %q", want)
			}
		}
		if !strings.Contains(expired.Body, `<option value="renewal" selected>`) {
			t.Errorf("an expired card should default to a renewal")
		}

		events, err := e.st.AuditBySubject(ctx, nhung.IDNumber, 100)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(events, func(ev store.AuditEvent) bool {
			return ev.Action == "desk.citizen.read" && ev.Actor == "officer:"+desk.ID
		}) {
			t.Errorf("no desk.citizen.read audit event by the desk officer")
		}
	})

	t.Run("the place rule at another office", func(t *testing.T) {
		c := e.signIn(t, deskHCM)
		token := csrf(t, c.get("/console/desk"))
		found := c.search(token, lan.IDNumber)
		if found.Status != http.StatusOK || !shows(found.Body, "Không được tiếp nhận tại đơn vị này") {
			t.Fatalf("search at another office: %d\n%s", found.Status, excerpt(found.Body))
		}
		r := c.post("/console/desk/applications", url.Values{"csrf": {token}, "id_number": {lan.IDNumber},
			"card_request": {"renewal"}, "phone": {"0912000012"}})
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, `id="open-error"`) ||
			!shows(r.Body, enrolment.ErrWrongPlace.VI) || !shows(r.Body, lan.FullName) {
			t.Fatalf("open at another office: %d\n%s", r.Status, excerpt(r.Body))
		}
		if _, err := e.st.AccountByIDNumber(ctx, lan.IDNumber); err == nil {
			t.Errorf("a refused application created an account")
		}
		// With a valid chip card any office may take the citizen.
		found = c.search(token, nhung.IDNumber)
		if !shows(found.Body, "Được tiếp nhận vì công dân có thẻ gắn chip còn giá trị") {
			t.Errorf("a valid chip card should be accepted anywhere\n%s", excerpt(found.Body))
		}
	})

	t.Run("open refusals", func(t *testing.T) {
		c := e.signIn(t, desk)
		token := csrf(t, c.get("/console/desk"))
		for what, tc := range map[string]struct {
			form   url.Values
			status int
			vi     string
		}{
			"bad phone":              {url.Values{"card_request": {""}, "phone": {"12"}}, http.StatusBadRequest, eid.ErrDeskContact.VI},
			"bad email":              {url.Values{"card_request": {""}, "phone": {"0912000013"}, "email": {"not an email"}}, http.StatusBadRequest, eid.ErrDeskContact.VI},
			"unknown card request":   {url.Values{"card_request": {"gold"}, "phone": {"0912000013"}}, http.StatusBadRequest, eid.ErrDeskCardRequestInvalid.VI},
			"no card request needed": {url.Values{"card_request": {""}, "phone": {"0912000013"}, "id_number": {lan.IDNumber}}, http.StatusConflict, eid.ErrDeskCardRequestNeeded.VI},
		} {
			tc.form.Set("csrf", token)
			if tc.form.Get("id_number") == "" {
				tc.form.Set("id_number", nhung.IDNumber)
			}
			r := c.post("/console/desk/applications", tc.form)
			if r.Status != tc.status || !strings.Contains(r.Body, `id="open-error"`) || !shows(r.Body, tc.vi) {
				t.Errorf("open, %s: %d\n%s", what, r.Status, excerpt(r.Body))
			}
		}
		if r := c.post("/console/desk/applications", url.Values{"id_number": {nhung.IDNumber}, "phone": {"0912000013"}}); r.Status != http.StatusForbidden ||
			!strings.Contains(r.Body, "console_csrf") {
			t.Errorf("open without CSRF token: %d", r.Status)
		}
	})

	t.Run("code consent from search to review", func(t *testing.T) {
		const phone = "0912 000 011"
		c := e.signIn(t, desk)
		id, page := c.openApplication(nhung, "", phone)
		nhungApp = id
		path := "/console/desk/applications/" + id
		if page.Status != http.StatusOK || !shows(page.Body, "Đã mở hồ sơ "+id) || !shows(page.Body, nhung.FullName) {
			t.Fatalf("application page: %d\n%s", page.Status, excerpt(page.Body))
		}
		if got := page.Header.Get("Content-Security-Policy"); got != wantDeskCSP {
			t.Errorf("application page CSP %q, want %q", got, wantDeskCSP)
		}
		if got := page.Header.Get("Permissions-Policy"); !strings.Contains(got, "camera=(self)") {
			t.Errorf("application page Permissions-Policy %q", got)
		}
		for _, want := range []string{`<script src="/console/static/desk.js" defer></script>`, `enctype="multipart/form-data"`,
			`name="portrait" accept="image/jpeg,image/png"`, `id="webcam" hidden`, `name="finger1_position"`, `name="finger2_file"`,
			"Ngón trỏ phải", "Right index finger", "Ngón út trái", "ISO/IEC 19794-2", "WSQ", "PNG", `id="send-code"`, "Gửi mã xác nhận",
			`id="signature-canvas"`, `name="signature" accept="image/png"`, `name="documents" value="health_insurance"`,
			"Thẻ bảo hiểm y tế", "Giấy phép lái xe", "Công an Thành phố Hà Nội", "Cán bộ desk.hn", "84912000011"} {
			if !shows(page.Body, want) {
				t.Errorf("application page lacks %q", want)
			}
		}
		for _, bad := range []string{" style=", "onclick", "<script>"} {
			if strings.Contains(page.Body, bad) {
				t.Errorf("the application page has inline %q, which the CSP forbids", bad)
			}
		}
		token := csrf(t, page)
		if a := e.application(t, id); a.Channel != "desk" || a.Level != 2 || a.Office != "CA-01" || a.State != store.AppAwaitingEvidence {
			t.Fatalf("application %+v", a)
		}
		// Searching the citizen again offers to continue it.
		if again := c.search(token, nhung.IDNumber); !strings.Contains(again.Body, `href="/console/desk/applications/`+id+`" id="continue"`) {
			t.Errorf("a second search does not offer the open application\n%s", excerpt(again.Body))
		}

		// The portrait: refusals first.
		r := c.postMultipart(path+"/portrait", url.Values{}, upload{"portrait", "p.jpg", portrait})
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "console_csrf") {
			t.Errorf("portrait without CSRF token: %d", r.Status)
		}
		r = c.post(path+"/portrait", url.Values{"csrf": {token}})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "console_bad_form") {
			t.Errorf("url-encoded portrait: %d\n%s", r.Status, excerpt(r.Body))
		}
		big := bytes.Repeat([]byte{0xFF}, 11<<20)
		r = c.postMultipart(path+"/portrait", url.Values{"csrf": {token}}, upload{"portrait", "big.jpg", big})
		if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "console_upload_too_large") ||
			!shows(r.Body, "Tệp gửi lên quá lớn") {
			t.Errorf("11 MiB portrait: %d\n%s", r.Status, excerpt(r.Body))
		}
		wantStepError(t, "portrait that is not an image",
			c.postMultipart(path+"/portrait", url.Values{"csrf": {token}}, upload{"portrait", "p.jpg", []byte("GIF89a not a portrait")}),
			http.StatusBadRequest, eid.ErrDeskPortrait.VI)
		wantStepError(t, "no portrait", c.postMultipart(path+"/portrait", url.Values{"csrf": {token}}),
			http.StatusBadRequest, "Chưa chọn tệp")
		wantStepError(t, "a capture that is not a data: URL",
			c.postMultipart(path+"/portrait", url.Values{"csrf": {token}, "portrait_data": {"javascript:alert(1)"}}),
			http.StatusBadRequest, "Ảnh chụp từ trình duyệt không hợp lệ")
		// The webcam's capture, as desk.js sends it.
		r = c.postMultipart(path+"/portrait", url.Values{"csrf": {token},
			"portrait_data": {"data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(portrait)}})
		if r.Status != http.StatusSeeOther || r.Location != path+"#fingerprints" {
			t.Fatalf("webcam portrait: %d → %q\n%s", r.Status, r.Location, excerpt(r.Body))
		}
		// A file replaces it.
		r = c.postMultipart(path+"/portrait", url.Values{"csrf": {token}}, upload{"portrait", "p.jpg", portrait})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("portrait file: %d\n%s", r.Status, excerpt(r.Body))
		}
		page = c.follow(r)
		if !strings.Contains(page.Body, `id="portrait-done"`) || !shows(page.Body, "Đã lưu ảnh chân dung") ||
			!shows(page.Body, "cán bộ xét duyệt so sánh bằng mắt") {
			t.Errorf("after the portrait\n%s", excerpt(page.Body))
		}

		// Fingerprints: refusals, then a mismatch, then a match.
		fingers := func(rows ...[3]any) url.Values {
			v := url.Values{"csrf": {token}}
			for i, row := range rows {
				n := string(rune('1' + i))
				v.Set("finger"+n+"_position", row[0].(string))
				v.Set("finger"+n+"_format", row[1].(string))
			}
			return v
		}
		wantStepError(t, "one finger", c.postMultipart(path+"/fingerprints", fingers([3]any{"2", "iso19794-2"}),
			upload{"finger1_file", "r.iso", nhung.finger(t, right)}), http.StatusBadRequest, enrolment.ErrFingers.VI)
		wantStepError(t, "a template that is not one", c.postMultipart(path+"/fingerprints",
			fingers([3]any{"2", "iso19794-2"}, [3]any{"7", "iso19794-2"}),
			upload{"finger1_file", "r.iso", []byte("FMR\x00 but not really")}, upload{"finger2_file", "l.iso", nhung.finger(t, left)}),
			http.StatusBadRequest, eid.ErrDeskFingerprintFormat.VI)
		wantStepError(t, "a WSQ image without an extractor", c.postMultipart(path+"/fingerprints",
			fingers([3]any{"2", "wsq"}, [3]any{"7", "iso19794-2"}),
			upload{"finger1_file", "r.wsq", []byte{0xFF, 0xA0, 0xFF, 0xA8}}, upload{"finger2_file", "l.iso", nhung.finger(t, left)}),
			http.StatusServiceUnavailable, eid.ErrDeskImageCapture.VI)
		wantStepError(t, "a file without its finger", c.postMultipart(path+"/fingerprints",
			fingers([3]any{"", "iso19794-2"}, [3]any{"7", "iso19794-2"}),
			upload{"finger1_file", "r.iso", nhung.finger(t, right)}, upload{"finger2_file", "l.iso", nhung.finger(t, left)}),
			http.StatusBadRequest, enrolment.ErrFingers.VI)
		r = c.postMultipart(path+"/fingerprints", fingers([3]any{"2", "iso19794-2"}, [3]any{"7", "iso19794-2"}),
			upload{"finger1_file", "r.iso", fingerRecord(t, 7777, right)}, upload{"finger2_file", "l.iso", nhung.finger(t, left)})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("someone else's right index: %d\n%s", r.Status, excerpt(r.Body))
		}
		page = c.follow(r)
		if !strings.Contains(page.Body, `id="fingers-not-verified"`) || !strings.Contains(page.Body, `<tr class="fail" id="finger-2">`) ||
			!strings.Contains(page.Body, `<tr class="pass" id="finger-7">`) || !shows(page.Body, "Không khớp") {
			t.Errorf("after a mismatch\n%s", excerpt(page.Body))
		}
		wantStepError(t, "submit before the fingers match and consent",
			c.post(path+"/submit", url.Values{"csrf": {token}}), http.StatusConflict, eid.ErrDeskIncomplete.VI)
		r = c.postMultipart(path+"/fingerprints", fingers([3]any{"2", "iso19794-2"}, [3]any{"7", "iso19794-2"}, [3]any{"", "iso19794-2"}),
			upload{"finger1_file", "r.iso", nhung.finger(t, right)}, upload{"finger2_file", "l.iso", nhung.finger(t, left)})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("matching fingers: %d\n%s", r.Status, excerpt(r.Body))
		}
		page = c.follow(r)
		if !strings.Contains(page.Body, `id="fingers-verified"`) || !strings.Contains(page.Body, `<tr class="pass" id="finger-2">`) ||
			!strings.Contains(page.Body, `<tr class="pass" id="finger-7">`) || strings.Contains(page.Body, `id="finger-1"`) {
			t.Errorf("after matching fingers\n%s", excerpt(page.Body))
		}

		// Consent by code.
		wantStepError(t, "consent without a code", c.postMultipart(path+"/consent", url.Values{"csrf": {token}, "method": {"otp"}}),
			http.StatusBadRequest, eid.ErrDeskConsentMethod.VI)
		r = c.post(path+"/consent-code", url.Values{"csrf": {token}})
		if r.Status != http.StatusSeeOther || r.Location != path+"#consent" {
			t.Fatalf("send the code: %d → %q\n%s", r.Status, r.Location, excerpt(r.Body))
		}
		page = c.follow(r)
		if !shows(page.Body, "Đã gửi mã xác nhận tới điện thoại của công dân. Mã có hiệu lực đến") ||
			!strings.Contains(page.Body, `id="code-sent"`) || !shows(page.Body, "091****011") {
			t.Errorf("after sending the code\n%s", excerpt(page.Body))
		}
		code := e.smsCode(t, phone)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		wantStepError(t, "a wrong code", c.postMultipart(path+"/consent", url.Values{"csrf": {token}, "method": {"otp"}, "code": {wrong}}),
			http.StatusBadRequest, account.ErrOTPInvalid.VI)
		r = c.postMultipart(path+"/consent", url.Values{"csrf": {token}, "method": {"otp"}, "code": {code}})
		if r.Status != http.StatusSeeOther || r.Location != path+"#submit" {
			t.Fatalf("consent: %d → %q\n%s", r.Status, r.Location, excerpt(r.Body))
		}
		page = c.follow(r)
		if !strings.Contains(page.Body, `id="consent-done"`) || !shows(page.Body, "Mã xác nhận gửi qua tin nhắn SMS") ||
			strings.Contains(page.Body, `id="send-code"`) {
			t.Errorf("after consent\n%s", excerpt(page.Body))
		}

		// Documents and submission.
		wantStepError(t, "an unknown document", c.post(path+"/submit", url.Values{"csrf": {token}, "documents": {"passport"}}),
			http.StatusBadRequest, eid.ErrDeskDocuments.VI)
		r = c.post(path+"/submit", url.Values{"csrf": {token}, "documents": {"tax_code", "health_insurance"}})
		if r.Status != http.StatusSeeOther || r.Location != path {
			t.Fatalf("submit: %d → %q\n%s", r.Status, r.Location, excerpt(r.Body))
		}
		page = c.follow(r)
		a := e.application(t, id)
		deadline := a.DeadlineAt.In(time.FixedZone("ICT", 7*3600)).Format("02/01/2006 15:04")
		if a.State != store.AppPendingReview || !sameSecond(a.DeadlineAt, e.cal.AddWorkingDays(a.SubmittedAt, 3)) {
			t.Fatalf("submitted application %s, deadline %v (submitted %v)", a.State, a.DeadlineAt, a.SubmittedAt)
		}
		for _, want := range []string{`id="submitted"`, "Đã nộp hồ sơ " + id, `id="deadline">` + deadline, "3 ngày làm việc",
			"Thẻ bảo hiểm y tế", "Mã số thuế", `id="back-to-search" class="button"`, `href="/console/desk"`} {
			if !shows(page.Body, want) {
				t.Errorf("submitted page lacks %q", want)
			}
		}
		if strings.Contains(page.Body, `id="portrait-form"`) || strings.Contains(page.Body, `id="submit-application"`) {
			t.Errorf("a submitted application still shows the step forms")
		}
		wantStepError(t, "a step after submission",
			c.postMultipart(path+"/portrait", url.Values{"csrf": {token}}, upload{"portrait", "p.jpg", portrait}),
			http.StatusConflict, eid.ErrApplicationState.VI)
		acc, err := e.st.AccountByIDNumber(ctx, nhung.IDNumber)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := e.st.AccountEID(ctx, acc.ID); err != nil || s.State != store.EIDPending || s.PendingLevel != 2 {
			t.Fatalf("account e-ID %+v, %v; want pending level 2", s, err)
		}
	})

	t.Run("an expired desk session", func(t *testing.T) {
		c := e.signIn(t, desk)
		id, page := c.openApplication(thu, "", "0912000014")
		if !strings.Contains(page.Body, `id="portrait-form"`) {
			t.Fatalf("a new application shows no steps\n%s", excerpt(page.Body))
		}
		// The same console five hours later (a desk session lasts four).
		later, err := eid.New(eid.DefaultConfig(), eid.Options{Store: e.st, Population: e.st, Box: e.box, Calendar: e.cal,
			Places: e.units, Codes: e.accounts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Now: func() time.Time { return time.Now().Add(5 * time.Hour) }})
		if err != nil {
			t.Fatal(err)
		}
		h, err := console.New(console.Options{Officers: e.officers, EID: later, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Now: func() time.Time { return time.Now().Add(5 * time.Hour) }})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		c.base = srv.URL // the session cookie is the same: cookies ignore the port
		page = c.get("/console/desk/applications/" + id)
		token := csrf(t, page)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="expired"`) || strings.Contains(page.Body, `id="portrait-form"`) {
			t.Fatalf("expired application: %d\n%s", page.Status, excerpt(page.Body))
		}
		wantStepError(t, "a step after the session expired",
			c.postMultipart("/console/desk/applications/"+id+"/portrait", url.Values{"csrf": {token}}, upload{"portrait", "p.jpg", portrait}),
			http.StatusGone, eid.ErrApplicationExpired.VI)
	})

	t.Run("another office cannot touch the application", func(t *testing.T) {
		if nhungApp == "" {
			t.Skip("the code consent run did not open an application")
		}
		path := "/console/desk/applications/" + nhungApp
		c := e.signIn(t, deskHCM)
		if r := c.get(path); r.Status != http.StatusNotFound || !shows(r.Body, eid.ErrApplicationNotFound.VI) || strings.Contains(r.Body, nhung.IDNumber) {
			t.Errorf("application of another province: %d\n%s", r.Status, excerpt(r.Body))
		}
		c = e.signIn(t, deskC06)
		r := c.get(path)
		if r.Status != http.StatusForbidden || !shows(r.Body, eid.ErrDeskNotYourDesk.VI) || strings.Contains(r.Body, nhung.IDNumber) {
			t.Errorf("application of another office, seen by the ministry: %d\n%s", r.Status, excerpt(r.Body))
		}
		if r := c.post(path+"/consent-code", url.Values{"csrf": {csrf(t, r)}}); r.Status != http.StatusForbidden {
			t.Errorf("consent code from another office: %d", r.Status)
		}
	})

	t.Run("signature consent with a card renewal", func(t *testing.T) {
		const phone = "0912000012"
		c := e.signIn(t, desk)
		id, page := c.openApplication(lan, "renewal", phone)
		path := "/console/desk/applications/" + id
		token := csrf(t, page)
		if !shows(page.Body, "Đổi thẻ (hết hạn, đến tuổi đổi)") {
			t.Errorf("the page does not show the card request")
		}
		steps := []struct {
			what  string
			route string
			files []upload
			form  url.Values
		}{
			{"portrait", "/portrait", []upload{{"portrait", "p.png", pngPortrait(t, "desk:"+lan.IDNumber)}}, nil},
			{"fingerprints", "/fingerprints", []upload{{"finger1_file", "a", lan.finger(t, left)}, {"finger2_file", "b", lan.finger(t, right)}},
				url.Values{"finger1_position": {"7"}, "finger1_format": {"iso19794-2"}, "finger2_position": {"2"}, "finger2_format": {"iso19794-2"}}},
		}
		for _, s := range steps {
			form := url.Values{"csrf": {token}}
			for k, v := range s.form {
				form[k] = v
			}
			if r := c.postMultipart(path+s.route, form, s.files...); r.Status != http.StatusSeeOther {
				t.Fatalf("%s: %d\n%s", s.what, r.Status, excerpt(r.Body))
			}
		}
		jpegSig, err := testkit.SyntheticPortrait("not a signature")
		if err != nil {
			t.Fatal(err)
		}
		wantStepError(t, "a JPEG signature", c.postMultipart(path+"/consent", url.Values{"csrf": {token}, "method": {"signature"}},
			upload{"signature", "sig.jpg", jpegSig}), http.StatusBadRequest, eid.ErrDeskConsentMethod.VI)
		wantStepError(t, "no signature", c.postMultipart(path+"/consent", url.Values{"csrf": {token}, "method": {"signature"}}),
			http.StatusBadRequest, "Chưa chọn tệp")
		wantStepError(t, "an unknown method", c.postMultipart(path+"/consent", url.Values{"csrf": {token}, "method": {"telepathy"}}),
			http.StatusBadRequest, eid.ErrDeskConsentMethod.VI)
		// The signature as a PNG file from a signature tablet: no script.
		sig := pngPortrait(t, "signature:"+lan.IDNumber)
		r := c.postMultipart(path+"/consent", url.Values{"csrf": {token}, "method": {"signature"}}, upload{"signature", "sig.png", sig})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("signature: %d\n%s", r.Status, excerpt(r.Body))
		}
		if page := c.follow(r); !shows(page.Body, "Chữ ký của công dân") || !strings.Contains(page.Body, `id="consent-done"`) {
			t.Errorf("after the signature\n%s", excerpt(page.Body))
		}
		r = c.post(path+"/submit", url.Values{"csrf": {token}, "documents": {"driving_licence"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("submit: %d\n%s", r.Status, excerpt(r.Body))
		}
		page = c.follow(r)
		a := e.application(t, id)
		if !sameSecond(a.DeadlineAt, e.cal.AddWorkingDays(a.SubmittedAt, 7)) || !shows(page.Body, "7 ngày làm việc") {
			t.Errorf("a card renewal should be reviewed within 7 working days: deadline %v, submitted %v", a.DeadlineAt, a.SubmittedAt)
		}

		// The reviewer sees the signature and the card request, and the
		// approval issues the card.
		rc := e.signIn(t, reviewer)
		d := rc.get("/console/dossiers/" + id)
		for _, want := range []string{`id="signature" src="data:image/png;base64,iVBORw0KGgo`, "Đổi thẻ (hết hạn, đến tuổi đổi)",
			"Giấy phép lái xe", "Chữ ký của công dân", "84912000012", "nhung.pham@example.vn", "Mức 2 · tại quầy"} {
			if !shows(d.Body, want) {
				t.Errorf("dossier lacks %q", want)
			}
		}
		if r := rc.post("/console/dossiers/"+id+"/approve", url.Values{"csrf": {csrf(t, d)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%s", r.Status, excerpt(r.Body))
		}
		cit, err := e.st.Citizen(ctx, lan.IDNumber)
		if err != nil {
			t.Fatal(err)
		}
		if card, ok := cit.CurrentCard(identity.DateOf(time.Now().In(time.FixedZone("ICT", 7*3600)))); !ok || !card.Chip {
			t.Errorf("the approval did not issue a chip card: %+v", cit.Cards)
		}
		if d := rc.get("/console/dossiers/" + id); !shows(d.Body, "Thẻ đã cấp khi phê duyệt") {
			t.Errorf("the decided dossier does not show the card issued")
		}
	})

	t.Run("the reviewer sees the desk evidence", func(t *testing.T) {
		if nhungApp == "" {
			t.Skip("the code consent run did not open an application")
		}
		c := e.signIn(t, reviewer)
		q := c.get("/console/queue")
		if !strings.Contains(q.Body, "/console/dossiers/"+nhungApp) || !shows(q.Body, "Mức 2 · tại quầy") {
			t.Fatalf("queue lacks the desk dossier\n%s", excerpt(q.Body))
		}
		d := c.get("/console/dossiers/" + nhungApp)
		if d.Status != http.StatusOK {
			t.Fatalf("dossier: %d\n%s", d.Status, excerpt(d.Body))
		}
		a := e.application(t, nhungApp)
		deadline := a.DeadlineAt.In(time.FixedZone("ICT", 7*3600)).Format("02/01/2006 15:04")
		for _, want := range []string{
			`id="desk-portrait" src="data:image/jpeg;base64,/9j/`, `id="registry-portrait" src="data:image/jpeg;base64,/9j/`,
			`<tr class="pass" id="finger-2">`, `<tr class="pass" id="finger-7">`, "Ngón trỏ phải", "Left index finger", "Khớp",
			"Vân tay ngón trỏ phải khớp CSDL căn cước", "Right index finger matches the ID-card database",
			"Ảnh chụp tại quầy khớp ảnh trong CSDL căn cước", "Công dân xác nhận đồng ý", "finger_02", "finger_07",
			"desk_portrait_vs_registry", "citizen_consent", "Hồ sơ mức 2 luôn do cán bộ xét duyệt",
			"Mã xác nhận gửi qua tin nhắn SMS", "091****011", "84912000011", "nhung.pham@example.vn",
			"Thẻ bảo hiểm y tế", "Mã số thuế", "Không (đã có thẻ gắn chip còn giá trị)", "Cán bộ desk.hn (" + desk.ID + ")",
			"Công an Thành phố Hà Nội", deadline, "Đã xác thực", `id="approve"`,
		} {
			if !shows(d.Body, want) {
				t.Errorf("desk dossier lacks %q", want)
			}
		}
		if strings.Contains(d.Body, `id="chip-portrait"`) || strings.Contains(d.Body, `id="selfie"`) {
			t.Errorf("a desk dossier shows the online channel's images")
		}
		score := regexp.MustCompile(`id="finger-2">.*?<td class="mono">([0-9.]+)</td>`).FindStringSubmatch(strings.ReplaceAll(d.Body, "\n", " "))
		if score == nil || score[1] == "0.000" {
			t.Errorf("no score for the right index: %v", score)
		}
	})

	t.Run("logs hold no personal data", func(t *testing.T) {
		logs := e.logs.String()
		for _, pd := range []string{nhung.IDNumber, lan.IDNumber, nhung.FullName, lan.FullName, "0912000011", "84912000011"} {
			if strings.Contains(logs, pd) {
				t.Errorf("the console log holds personal data %q", pd)
			}
		}
	})
}

// sameSecond compares instants as the stores keep them (to the
// microsecond at best).
func sameSecond(a, b time.Time) bool { return a.Truncate(time.Second).Equal(b.Truncate(time.Second)) }

// mustID is a valid personal ID number of Hà Nội that no test citizen has.
func mustID(t testing.TB, serial int) string {
	t.Helper()
	dob, _ := identity.NewDate(1970, 1, 1)
	id, err := identity.MakePersonalID("001", dob, identity.Male, serial)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
