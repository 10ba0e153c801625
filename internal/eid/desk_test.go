package eid_test

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/adminunit"
	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/synth"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/jurisdiction"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/testkit"
	"github.com/vneid/vneid/internal/workday"
)

// desk is an enrolment desk at the district police of Hoàn Kiếm (the
// fixture citizen's residence), with the ID-card database's templates of
// the citizen's two index fingers.
type desk struct {
	*fixture
	svc      *eid.Service
	dir      *jurisdiction.Directory
	cal      *workday.Calendar
	officer  eid.Reviewer // desk officer, Hoàn Kiếm district police
	far      eid.Reviewer // desk officer of a district in Hồ Chí Minh City
	reviewer eid.Reviewer // reviewing officer, Hà Nội city police
	masters  map[fingerprint.FingerPosition]synth.Master
}

var deskFingers = []fingerprint.FingerPosition{fingerprint.RightIndex, fingerprint.LeftIndex}

func newDesk(t *testing.T, st store.Store) *desk {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, st, nil, eid.DefaultConfig())
	dir, err := jurisdiction.New(ctx, st, f.clock.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	codes, err := account.New(ctx, account.DefaultConfig(), account.Options{Store: st, Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workday.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := eid.New(eid.DefaultConfig(), eid.Options{Store: st, Population: st, Box: f.box, Calendar: cal,
		Places: dir, Codes: codes, Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	h := dir.Hierarchy()
	scope := func(province, district string) jurisdiction.Scope {
		p, ok := h.Find(province, adminunit.Province, "", identity.Date{})
		if !ok {
			t.Fatalf("no %s", province)
		}
		code := p.Code
		if district != "" {
			d, ok := h.Find(district, adminunit.District, p.Code, identity.Date{})
			if !ok {
				t.Fatalf("no %s", district)
			}
			code = d.Code
		}
		s, err := dir.Scope(ctx, jurisdiction.PoliceUnitID(h, code))
		if err != nil || s.UnitID == "" {
			t.Fatalf("scope of %s: %+v, %v", code, s, err)
		}
		return s
	}
	d := &desk{fixture: f, svc: svc, dir: dir, cal: cal, masters: map[fingerprint.FingerPosition]synth.Master{},
		officer:  eid.Reviewer{ID: "desk-1", FullName: "Thượng úy Trần Thu Hà", Roles: []string{"desk"}, Scope: scope("Thành phố Hà Nội", "Quận Hoàn Kiếm")},
		far:      eid.Reviewer{ID: "desk-2", FullName: "Trung úy Lê Văn Tám", Roles: []string{"desk"}, Scope: scope("Thành phố Hồ Chí Minh", "Quận 1")},
		reviewer: eid.Reviewer{ID: "rev-1", FullName: "Đại úy Phạm Minh", Roles: []string{"reviewer"}, Scope: scope("Thành phố Hà Nội", "")},
	}
	if err := svc.PutPortrait(ctx, f.citizen.ID, "jpeg", mustPortrait(t, "registry")); err != nil {
		t.Fatal(err)
	}
	for i, pos := range deskFingers {
		m := synth.NewMaster(uint64(100+i), pos)
		d.masters[pos] = m
		if err := svc.PutFingerprintTemplate(ctx, f.citizen.ID, record(t, m.Impression(1, synth.Typical()), pos)); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func mustPortrait(t *testing.T, seed string) []byte {
	t.Helper()
	b, err := testkit.SyntheticPortrait(seed)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func record(t *testing.T, v fingerprint.View, pos fingerprint.FingerPosition) []byte {
	t.Helper()
	v.Position = pos
	w, h := cmp.Or(v.Width, 400), cmp.Or(v.Height, 500)
	b, err := fingerprint.Record{Width: w, Height: h, ResolutionX: cmp.Or(v.ResolutionX, 197), ResolutionY: cmp.Or(v.ResolutionY, 197),
		Views: []fingerprint.View{v}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// captures are fresh impressions of the citizen's fingers, as the desk's
// scanner gives them.
func (d *desk) captures(t *testing.T, seed uint64) []eid.FingerCapture {
	var out []eid.FingerCapture
	for _, pos := range deskFingers {
		out = append(out, eid.FingerCapture{Position: pos, Format: "iso19794-2",
			Data: record(t, d.masters[pos].Impression(seed, synth.Typical()), pos)})
	}
	return out
}

var codeRe = regexp.MustCompile(`\b\d{6}\b`)

// lastCode reads the newest code SMS sent to phone from the outbox.
func lastCode(t *testing.T, st store.Store, phone string) string {
	t.Helper()
	l, err := st.ListOutbox(context.Background(), store.OutboxFilter{Recipient: phone, Limit: 1})
	if err != nil || len(l) == 0 {
		t.Fatalf("no SMS to %s: %v", phone, err)
	}
	m := codeRe.FindString(l[0].Body)
	if m == "" {
		t.Fatalf("no code in %q", l[0].Body)
	}
	return m
}

// TestDeskLevel2: the desk finds the citizen by ID number and by QR, takes
// portrait, fingers and the consent code, and submits; a reviewer of the
// city police approves and the account is approved for level 2, with the
// notice going to the phone given at the desk.
func TestDeskLevel2(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		d := newDesk(t, st)
		c := eid.Caller{IP: "10.1.2.3"}
		found, err := d.svc.DeskLookup(ctx, c, d.officer, d.citizen.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !found.ChipCardValid || !found.PlaceOK || !found.PortraitOnFile || len(found.FingersOnFile) != 2 || found.Account == nil {
			t.Fatalf("lookup = %+v", found)
		}
		qr := cccd.FromCard(d.citizen, d.card).String()
		if byQR, err := d.svc.DeskLookup(ctx, c, d.officer, qr); err != nil || byQR.Citizen.ID != d.citizen.ID {
			t.Fatalf("lookup by QR = %v, %v", byQR.Citizen.ID, err)
		}
		if ev, _ := st.AuditBySubject(ctx, d.citizen.ID, 10); !slices.ContainsFunc(ev, func(e store.AuditEvent) bool {
			return e.Action == "desk.citizen.read" && e.Actor == "officer:desk-1"
		}) {
			t.Error("the desk's read is not audited")
		}

		const phone = "+84987654321"
		app, err := d.svc.DeskOpenApplication(ctx, c, d.officer, eid.DeskOpen{IDNumber: d.citizen.ID, Phone: "0987 654 321",
			Email: "an.nguyen@example.vn"})
		if err != nil {
			t.Fatal(err)
		}
		if app.Level != 2 || app.Channel != "desk" || app.Office != d.officer.Scope.UnitID || app.Unit != d.officer.Scope.Area {
			t.Fatalf("application = %+v", app)
		}
		if _, err := d.svc.DeskSubmit(ctx, c, d.officer, app.ID, nil); code(err) != "desk_incomplete" {
			t.Fatalf("submit with nothing: %v", err)
		}
		if _, err := d.svc.DeskPortrait(ctx, c, d.officer, app.ID, mustPortrait(t, "desk")); err != nil {
			t.Fatal(err)
		}
		res, err := d.svc.DeskFingerprints(ctx, c, d.officer, app.ID, d.captures(t, 2))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Verified || len(res.Fingers) != 2 || !res.Fingers[0].OnFile || !res.Fingers[0].Matched {
			t.Fatalf("fingerprints = %+v", res)
		}
		if _, err := d.svc.DeskSubmit(ctx, c, d.officer, app.ID, nil); code(err) != "desk_incomplete" {
			t.Fatalf("submit without consent: %v", err)
		}
		masked, _, err := d.svc.DeskConsentCode(ctx, c, d.officer, app.ID)
		if err != nil || !strings.HasSuffix(masked, "321") || strings.Contains(masked, "987654") {
			t.Fatalf("consent code = %q, %v", masked, err)
		}
		if err := d.svc.DeskConsent(ctx, c, d.officer, app.ID, "otp", "000000", nil); code(err) != "otp_invalid" {
			t.Fatalf("wrong code: %v", err)
		}
		if err := d.svc.DeskConsent(ctx, c, d.officer, app.ID, "otp", lastCode(t, st, phone), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.DeskSubmit(ctx, c, d.officer, app.ID, []string{"bank_card"}); code(err) != "desk_documents_invalid" {
			t.Fatalf("unknown document: %v", err)
		}
		sub, err := d.svc.DeskSubmit(ctx, c, d.officer, app.ID, []string{"driving_licence", "health_insurance"})
		if err != nil {
			t.Fatal(err)
		}
		if want := d.cal.AddWorkingDays(d.clock.t, 3); !sub.DeadlineAt.Equal(want) {
			t.Errorf("deadline %v, want 3 working days: %v", sub.DeadlineAt, want)
		}
		if st, _ := st.AccountEID(ctx, d.acc.ID); st.State != store.EIDPending || st.PendingLevel != 2 {
			t.Errorf("account e-ID = %+v", st)
		}

		// The desk officer of another city cannot see it; the city police reviewer can.
		if _, err := d.svc.DeskApplication(ctx, c, d.far, app.ID); code(err) != "eid_application_not_found" {
			t.Errorf("far desk: %v", err)
		}
		q, err := d.svc.Queue(ctx, c, d.reviewer, 10)
		if err != nil || len(q) != 1 || q[0].Application.ID != app.ID {
			t.Fatalf("queue = %+v, %v", q, err)
		}
		v, err := d.svc.Dossier(ctx, c, d.reviewer, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Desk == nil || v.Desk.Consent == nil || v.Desk.Consent.Method != "otp" || len(v.Desk.Fingers) != 2 ||
			v.Desk.Officer.FullName != d.officer.FullName || v.DeskPortrait == nil || !slices.Equal(v.Desk.Documents, []string{"driving_licence", "health_insurance"}) {
			t.Fatalf("dossier desk part = %+v", v.Desk)
		}
		if err := d.svc.Approve(ctx, c, d.reviewer, app.ID); err != nil {
			t.Fatal(err)
		}
		if st, _ := st.AccountEID(ctx, d.acc.ID); st.State != store.EIDApproved || st.PendingLevel != 2 {
			t.Errorf("after approval = %+v", st)
		}
		l, _ := st.ListOutbox(ctx, store.OutboxFilter{Recipient: phone, Limit: 5})
		if len(l) == 0 || l[0].Template != "eid_approved" {
			t.Errorf("approval SMS to the desk phone: %+v", l)
		}
		// The documents asked for at the desk wait for the wallet to check
		// them at their sources.
		reqs, _ := st.ListIntegrationRequests(ctx, d.acc.ID, 10)
		var kinds []string
		for _, r := range reqs {
			if r.Channel != "desk" || r.ApplicationID != app.ID || r.State != store.IntegrationPending || r.Number != "" {
				t.Errorf("desk integration request = %+v", r)
			}
			kinds = append(kinds, string(r.Kind))
		}
		slices.Sort(kinds)
		if !slices.Equal(kinds, []string{"driving_licence", "health_insurance"}) {
			t.Errorf("integration requests for %v, want the licence and the health insurance", kinds)
		}
		if level, err := d.svc.Activate(ctx, c, d.acc.ID); err != nil || level != 2 {
			t.Errorf("Activate = %d, %v", level, err)
		}
	})
}

// TestDeskRefusals: every refusal of the desk.
func TestDeskRefusals(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		d := newDesk(t, st)
		c := eid.Caller{}
		open := eid.DeskOpen{IDNumber: d.citizen.ID, Phone: "0912345678"}

		notDesk := d.officer
		notDesk.Roles = []string{"reviewer"}
		if _, err := d.svc.DeskLookup(ctx, c, notDesk, d.citizen.ID); code(err) != "forbidden" {
			t.Errorf("reviewer at the desk: %v", err)
		}
		noUnit := d.officer
		noUnit.Scope = jurisdiction.Scope{}
		if _, err := d.svc.DeskOpenApplication(ctx, c, noUnit, open); code(err) != "forbidden" {
			t.Errorf("officer with no unit: %v", err)
		}
		for _, q := range []string{"12345", "001|bad|qr"} {
			if _, err := d.svc.DeskLookup(ctx, c, d.officer, q); code(err) != "desk_query_invalid" {
				t.Errorf("query %q: %v", q, err)
			}
		}
		// Place rule: with a valid chip card any office may enrol; asking
		// for a new card, only the residence's police.
		farOpen := open
		farOpen.CardRequest = eid.CardRequestLost
		if _, err := d.svc.DeskOpenApplication(ctx, c, d.far, farOpen); code(err) != "enrolment_wrong_place" {
			t.Errorf("lost card at a far office: %v", err)
		}
		if found, _ := d.svc.DeskLookup(ctx, c, d.far, d.citizen.ID); found.PlaceOK {
			t.Error("lookup says the far office may enrol without a card")
		}
		if _, err := d.svc.DeskOpenApplication(ctx, c, d.officer, eid.DeskOpen{IDNumber: d.citizen.ID, Phone: "12"}); code(err) != "desk_contact_invalid" {
			t.Errorf("bad phone: %v", err)
		}
		if _, err := d.svc.DeskOpenApplication(ctx, c, d.officer, eid.DeskOpen{IDNumber: d.citizen.ID, Phone: "0912345678", CardRequest: "gold"}); code(err) != "desk_card_request_invalid" {
			t.Errorf("bad card request: %v", err)
		}
		app, err := d.svc.DeskOpenApplication(ctx, c, d.far, open)
		if err != nil {
			t.Fatalf("valid chip card at a far office: %v", err)
		}
		if _, err := d.svc.DeskOpenApplication(ctx, c, d.officer, open); code(err) != "desk_application_open" {
			t.Errorf("second open application: %v", err)
		}
		// The far office took it; the citizen's own district may not touch it.
		if _, err := d.svc.DeskPortrait(ctx, c, d.officer, app.ID, mustPortrait(t, "x")); code(err) != "eid_application_not_found" {
			t.Errorf("another office's application: %v", err)
		}
		if _, err := d.svc.DeskPortrait(ctx, c, d.far, app.ID, []byte("not an image")); code(err) != "desk_portrait_invalid" {
			t.Errorf("bad portrait: %v", err)
		}
		caps := d.captures(t, 3)
		if _, err := d.svc.DeskFingerprints(ctx, c, d.far, app.ID, caps[:1]); code(err) != "enrolment_fingers" {
			t.Errorf("one finger: %v", err)
		}
		bad := append([]eid.FingerCapture{}, caps...)
		bad[1] = eid.FingerCapture{Position: bad[1].Position, Format: "iso19794-2", Data: []byte("FMR\x00 20\x00junk")}
		if _, err := d.svc.DeskFingerprints(ctx, c, d.far, app.ID, bad); code(err) != "desk_fingerprint_invalid" {
			t.Errorf("bad template: %v", err)
		}
		bad[1] = eid.FingerCapture{Position: bad[1].Position, Format: "wsq", Data: []byte{0xff, 0xa0}}
		if _, err := d.svc.DeskFingerprints(ctx, c, d.far, app.ID, bad); code(err) != "desk_image_capture_unavailable" {
			t.Errorf("image with no extractor: %v", err)
		}
		// Someone else's fingers: scored, recorded, and the dossier cannot go.
		var impostor []eid.FingerCapture
		for i, pos := range deskFingers {
			impostor = append(impostor, eid.FingerCapture{Position: pos, Format: "iso19794-2",
				Data: record(t, synth.NewMaster(uint64(900+i), pos).Impression(5, synth.Typical()), pos)})
		}
		res, err := d.svc.DeskFingerprints(ctx, c, d.far, app.ID, impostor)
		if err != nil || res.Verified || res.Fingers[0].Matched || res.Fingers[1].Matched {
			t.Fatalf("impostor fingers = %+v, %v", res, err)
		}
		if _, err := d.svc.DeskPortrait(ctx, c, d.far, app.ID, mustPortrait(t, "desk")); err != nil {
			t.Fatal(err)
		}
		if err := d.svc.DeskConsent(ctx, c, d.far, app.ID, "signature", "", []byte("not a png")); code(err) != "desk_consent_invalid" {
			t.Errorf("bad signature: %v", err)
		}
		if err := d.svc.DeskConsent(ctx, c, d.far, app.ID, "nod", "", nil); code(err) != "desk_consent_invalid" {
			t.Errorf("unknown consent method: %v", err)
		}
		if err := d.svc.DeskConsent(ctx, c, d.far, app.ID, "signature", "", signature(t)); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.DeskSubmit(ctx, c, d.far, app.ID, nil); code(err) != "desk_fingerprints_not_verified" {
			t.Errorf("submit with unmatched fingers: %v", err)
		}
		// Taken again, they match, and it goes.
		if res, err := d.svc.DeskFingerprints(ctx, c, d.far, app.ID, d.captures(t, 4)); err != nil || !res.Verified {
			t.Fatalf("second capture = %+v, %v", res, err)
		}
		if _, err := d.svc.DeskSubmit(ctx, c, d.far, app.ID, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.DeskSubmit(ctx, c, d.far, app.ID, nil); code(err) != "eid_application_wrong_step" {
			t.Errorf("second submit: %v", err)
		}
		if _, err := d.svc.DeskOpenApplication(ctx, c, d.officer, open); code(err) != "eid_application_pending" {
			t.Errorf("second application while one is pending: %v", err)
		}

		// An expired card needs a card application; an open desk
		// application expires.
		d.clock.t = d.clock.t.AddDate(2, 0, 0)
		if _, err := d.svc.DeskOpenApplication(ctx, c, d.officer, eid.DeskOpen{IDNumber: d.citizen.ID, Phone: "0912345678"}); code(err) != "desk_card_request_needed" &&
			code(err) != "eid_application_pending" {
			t.Errorf("expired card: %v", err)
		}
	})
}

// TestDeskNewCard: level 2 together with a renewed card (letter 1): the
// citizen's card has expired, the desk files a renewal at the residence's
// police with a signature for consent, the deadline is 7 working days, and
// the approval issues the new chip card in the registry.
func TestDeskNewCard(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		d := newDesk(t, st)
		c := eid.Caller{}
		// Two years on, the card (valid to 2028-03-15) has expired.
		d.clock.t = time.Date(2028, 6, 5, 2, 0, 0, 0, time.UTC)
		if _, err := d.svc.DeskOpenApplication(ctx, c, d.officer, eid.DeskOpen{IDNumber: d.citizen.ID, Phone: "0912345678"}); code(err) != "desk_card_request_needed" {
			t.Fatalf("expired card without a request: %v", err)
		}
		if _, err := d.svc.DeskOpenApplication(ctx, c, d.far, eid.DeskOpen{IDNumber: d.citizen.ID, Phone: "0912345678",
			CardRequest: eid.CardRequestRenewal}); code(err) != "enrolment_wrong_place" {
			t.Fatalf("renewal away from the residence: %v", err)
		}
		app, err := d.svc.DeskOpenApplication(ctx, c, d.officer, eid.DeskOpen{IDNumber: d.citizen.ID, Phone: "0912345678",
			CardRequest: eid.CardRequestRenewal})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.DeskPortrait(ctx, c, d.officer, app.ID, mustPortrait(t, "desk")); err != nil {
			t.Fatal(err)
		}
		if res, err := d.svc.DeskFingerprints(ctx, c, d.officer, app.ID, d.captures(t, 6)); err != nil || !res.Verified {
			t.Fatalf("fingers = %+v, %v", res, err)
		}
		if err := d.svc.DeskConsent(ctx, c, d.officer, app.ID, "signature", "", signature(t)); err != nil {
			t.Fatal(err)
		}
		sub, err := d.svc.DeskSubmit(ctx, c, d.officer, app.ID, []string{"tax_code"})
		if err != nil {
			t.Fatal(err)
		}
		if want := d.cal.AddWorkingDays(d.clock.t, 7); !sub.DeadlineAt.Equal(want) {
			t.Errorf("deadline %v, want 7 working days: %v", sub.DeadlineAt, want)
		}
		if err := d.svc.Approve(ctx, c, d.reviewer, app.ID); err != nil {
			t.Fatal(err)
		}
		cit, err := st.Citizen(ctx, d.citizen.ID)
		if err != nil {
			t.Fatal(err)
		}
		today := identity.DateOf(d.clock.t.In(time.FixedZone("ICT", 7*3600)))
		card, ok := cit.CurrentCard(today)
		if !ok || !card.Chip || card.IssueDate != today || card.ExpiryDate != registry.CardExpiry(cit.DateOfBirth, today) {
			t.Fatalf("new card = %+v, %v (cards %+v)", card, ok, cit.Cards)
		}
		for _, old := range cit.Cards {
			if old.IssueDate != today && old.Status != registry.CardReplaced {
				t.Errorf("old card left %s", old.Status)
			}
		}
		v, _ := d.svc.Dossier(ctx, c, d.reviewer, app.ID)
		if v.Desk == nil || v.Desk.NewCard == nil || v.Signature == nil {
			t.Errorf("dossier after approval: %+v", v.Desk)
		}
	})
}

// TestDeskUnclaimedAccount: a citizen without the app gets an account at
// the desk with no password; no password logs in to it until the app's
// registration claims it with the same phone.
func TestDeskUnclaimedAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		d := newDesk(t, st)
		other := d.citizen
		id, err := identity.MakePersonalID("001", other.DateOfBirth, other.Gender, 54321)
		if err != nil {
			t.Fatal(err)
		}
		other.ID = id
		other.Cards = []registry.IDCard{{Number: other.ID, Chip: true, IssueDate: d.card.IssueDate, ExpiryDate: d.card.ExpiryDate, Status: registry.CardValid}}
		if err := st.UpsertCitizens(ctx, []registry.Citizen{other}); err != nil {
			t.Fatal(err)
		}
		app, err := d.svc.DeskOpenApplication(ctx, eid.Caller{}, d.officer, eid.DeskOpen{IDNumber: other.ID, Phone: "0977000111"})
		if err != nil {
			t.Fatal(err)
		}
		acc, err := st.AccountByIDNumber(ctx, other.ID)
		if err != nil || acc.PasswordHash != "" || acc.Phone != "+84977000111" || acc.ID != app.AccountID {
			t.Fatalf("desk account = %+v, %v", acc, err)
		}
	})
}

func signature(t *testing.T) []byte {
	t.Helper()
	b, err := testkit.SyntheticSignature()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
