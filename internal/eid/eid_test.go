package eid_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"image"
	"image/jpeg"
	"log/slog"

	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/adminunit"
	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/chipauth"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/jurisdiction"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/testkit"
	"github.com/vneid/vneid/internal/workday"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// fixture is a store with one citizen, their app account, a trusted PKI and
// the e-ID service.
type fixture struct {
	st      store.Store
	svc     *eid.Service
	clock   *clock
	pki     *testkit.PKI
	citizen registry.Citizen
	card    registry.IDCard
	acc     store.Account
	box     *seal.Box
}

func (f *fixture) principal() account.Principal {
	return account.Principal{Account: account.Account{ID: f.acc.ID, IDNumber: f.acc.IDNumber, Phone: f.acc.Phone}}
}

type eidPrincipal = account.Principal

func principalOf(a store.Account) account.Principal {
	return account.Principal{Account: account.Account{ID: a.ID, IDNumber: a.IDNumber, Phone: a.Phone}}
}

func newFixtureB(b *testing.B, st store.Store) *fixture {
	return newFixture(b, st, nil, eid.DefaultConfig())
}

func newFixture(t testing.TB, st store.Store, faces eid.FaceVerifier, cfg eid.Config) *fixture {
	t.Helper()
	ctx := context.Background()
	// Monday 23 November 2026, 09:00 in Hà Nội.
	clk := &clock{t: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	dob, _ := identity.NewDate(1988, 3, 15)
	issued, _ := identity.NewDate(2021, 6, 10)
	expiry, _ := identity.NewDate(2028, 3, 15)
	id, err := identity.MakePersonalID("001", dob, identity.Male, 12345)
	if err != nil {
		t.Fatal(err)
	}
	card := registry.IDCard{Number: id, Chip: true, IssueDate: issued, ExpiryDate: expiry, Status: registry.CardValid}
	cit := registry.Citizen{ID: id, FullName: "Nguyễn Văn An", DateOfBirth: dob, Gender: identity.Male,
		Nationality: "Việt Nam", Ethnicity: "Kinh", Religion: "Không", LifeStatus: registry.Alive, OldIDNumber: "012345678",
		PermanentAddress: registry.Address{HouseNumber: "Số 12", Street: "Phố Hàng Bạc", Commune: "Phường Hàng Đào",
			District: "Quận Hoàn Kiếm", Province: "Thành phố Hà Nội"}, Cards: []registry.IDCard{card}, UpdatedAt: clk.t}
	if err := st.UpsertCitizens(ctx, []registry.Citizen{cit}); err != nil {
		t.Fatal(err)
	}
	acc := store.Account{ID: "acc-" + id, IDNumber: id, Phone: "+84912345678", PasswordHash: "x", State: store.AccountActive,
		CreatedAt: clk.t, UpdatedAt: clk.t, PasswordChangedAt: clk.t}
	if err := st.CreateAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	pki, err := testkit.NewPKI(testkit.P256, "VN", clk.t)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutTrust(ctx, store.TrustEntry{ID: chipauth.Fingerprint(pki.CSCA.Raw), Kind: store.TrustCSCA, Country: "VN",
		DER: pki.CSCA.Raw, AddedAt: clk.t}); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := seal.New(seal.Key{ID: 1, Bytes: key})
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workday.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := eid.New(cfg, eid.Options{Store: st, Population: st, Box: box, Faces: faces, Calendar: cal, Now: clk.now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, svc: svc, clock: clk, pki: pki, citizen: cit, card: card, acc: acc, box: box}
}

// submit runs a level-1 application with a fresh software chip.
func (f *fixture) submit(t *testing.T, o testkit.ChipOptions, selfie []byte) (eid.Submitted, error) {
	t.Helper()
	ctx := context.Background()
	chip, err := f.pki.IssueChip(f.citizen, f.card, o)
	if err != nil {
		t.Fatal(err)
	}
	started, err := f.svc.StartLevel1(ctx, eid.Caller{}, f.principal())
	if err != nil {
		t.Fatalf("StartLevel1: %v", err)
	}
	answer, err := chip.AnswerChallenge(started.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	if selfie == nil {
		selfie, _ = testkit.SyntheticPortrait("selfie")
	}
	return f.svc.SubmitLevel1(ctx, eid.Caller{}, f.principal(), started.ApplicationID, eid.Dossier{Files: chip.Files(),
		AASignature: answer, Selfie: selfie, QR: cccd.FromCard(f.citizen, f.card).String()})
}

func code(err error) string {
	if fe := failure.As(err); fe != nil {
		if fe.Reason != "" {
			return fe.Code + "/" + fe.Reason
		}
		return fe.Code
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func eachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

// reviewer is a reviewing officer of the police of a province (a
// statistics code), or of the ministry ("*").
func reviewer(area string) eid.Reviewer {
	if area == "*" {
		return eid.Reviewer{ID: "off-1", Roles: []string{"reviewer"}, Scope: jurisdiction.Scope{Nationwide: true}}
	}
	h, err := adminunit.Provinces2016()
	if err != nil {
		panic(err)
	}
	return eid.Reviewer{ID: "off-1", Roles: []string{"reviewer"},
		Scope: jurisdiction.NewScope(h, store.PoliceUnit{ID: "CA-" + area, Level: store.PoliceProvince, Area: area})}
}

// TestManualReviewAndActivation: without a face engine the dossier waits
// for an officer, who approves it; the SMS of letter 2 goes out; the
// citizen activates within 7 days and the account is level 1.
func TestManualReviewAndActivation(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, nil, eid.DefaultConfig())
		res, err := f.submit(t, testkit.ChipOptions{}, nil)
		if err != nil {
			t.Fatalf("SubmitLevel1: %v", err)
		}
		if res.State != store.AppPendingReview || res.Report.Auto {
			t.Fatalf("state %s auto %v, want pending_review", res.State, res.Report.Auto)
		}
		// Monday 09:00 + 1 working day = end of Tuesday 24 Nov, ICT.
		wantDeadline := time.Date(2026, 11, 24, 23, 59, 59, 999999999, workday.Zone())
		if !res.DeadlineAt.Equal(wantDeadline) {
			t.Errorf("deadline %v, want %v", res.DeadlineAt, wantDeadline)
		}
		statuses := map[string]eid.CheckStatus{}
		for _, c := range res.Report.Checks {
			statuses[c.Name] = c.Status
		}
		for name, want := range map[string]eid.CheckStatus{"chip_passive_auth": eid.CheckPass, "chip_active_auth": eid.CheckPass,
			"chip_dg1_dg13": eid.CheckPass, "registry_match": eid.CheckPass, "qr_match": eid.CheckPass, "card_valid": eid.CheckPass,
			"id_number_rule": eid.CheckPass, "face_chip": eid.CheckUnavailable, "face_registry": eid.CheckUnavailable,
			"selfie_not_copy": eid.CheckPass} {
			if statuses[name] != want {
				t.Errorf("check %s = %q, want %q (%+v)", name, statuses[name], want, res.Report.Checks)
			}
		}
		if st, _ := f.st.AccountEID(ctx, f.acc.ID); st.State != store.EIDPending {
			t.Errorf("account e-ID state %s, want pending", st.State)
		}
		// A second application while one is pending is refused.
		if _, err := f.svc.StartLevel1(ctx, eid.Caller{}, f.principal()); code(err) != "eid_application_pending" {
			t.Errorf("second start: %v", err)
		}
		// Evidence is sealed at rest: the selfie is not stored in clear.
		ev, _ := f.st.ApplicationEvidence(ctx, res.ApplicationID)
		selfie, _ := testkit.SyntheticPortrait("selfie")
		if len(ev) < 8 || strings.Contains(string(ev["selfie"].Data), string(selfie[:64])) {
			t.Errorf("evidence: %d kinds, selfie in clear?", len(ev))
		}

		// The queue: officers of Hà Nội (001) see it, of HCMC (079) not.
		if q, _ := f.svc.Queue(ctx, eid.Caller{}, reviewer("79"), 10); len(q) != 0 {
			t.Errorf("HCMC officer sees %d dossiers", len(q))
		}
		if _, err := f.svc.Dossier(ctx, eid.Caller{}, reviewer("79"), res.ApplicationID); code(err) != "eid_application_not_found" {
			t.Errorf("HCMC officer opens the dossier: %v", err)
		}
		if err := f.svc.Approve(ctx, eid.Caller{}, reviewer("79"), res.ApplicationID); code(err) != "eid_application_not_found" {
			t.Errorf("HCMC officer approves: %v", err)
		}
		if _, err := f.svc.Queue(ctx, eid.Caller{}, eid.Reviewer{ID: "x", Roles: []string{"desk"}, Scope: jurisdiction.Scope{Nationwide: true}}, 10); code(err) != "forbidden" {
			t.Errorf("desk officer reads the queue: %v", err)
		}
		q, err := f.svc.Queue(ctx, eid.Caller{}, reviewer("01"), 10)
		if err != nil || len(q) != 1 || q[0].FullName != "Nguyễn Văn An" {
			t.Fatalf("queue = %+v, %v", q, err)
		}
		v, err := f.svc.Dossier(ctx, eid.Caller{}, reviewer("01"), res.ApplicationID)
		if err != nil || v.ChipPortrait == nil || v.Selfie == nil || v.RegistryPortrait != nil || len(v.Report.Checks) != 10 {
			t.Fatalf("dossier view: %v (portrait %d bytes, selfie %d)", err, len(v.ChipPortrait), len(v.Selfie))
		}
		audit, _ := f.st.AuditBySubject(ctx, f.citizen.ID, 50)
		if !hasAction(audit, "eid.dossier.read") || !hasAction(audit, "registry.citizen.read") {
			t.Errorf("audit log lacks the dossier view: %+v", audit)
		}
		if err := f.svc.Reject(ctx, eid.Caller{}, reviewer("01"), res.ApplicationID, "other", " "); code(err) != "eid_reason_required" {
			t.Errorf("reject without text: %v", err)
		}
		if err := f.svc.Approve(ctx, eid.Caller{}, reviewer("01"), res.ApplicationID); err != nil {
			t.Fatalf("Approve: %v", err)
		}
		if err := f.svc.Approve(ctx, eid.Caller{}, reviewer("01"), res.ApplicationID); code(err) != "eid_application_wrong_step" {
			t.Errorf("second approval: %v", err)
		}
		msgs, _ := f.st.ListOutbox(ctx, store.OutboxFilter{Recipient: f.acc.Phone})
		want := "Cục Cảnh sát QLHC về TTXH thông báo: Hồ sơ đăng ký tài khoản định danh điện tử của công dân NGUYEN VAN AN đã được phê duyệt. Để nghị truy cập ứng dụng VNNeID hoặc địa chỉ https://vneid.gov.vn để kích hoạt tài khoản."
		if len(msgs) != 1 || msgs[0].Body != want {
			t.Fatalf("outbox = %+v\nwant body %q", msgs, want)
		}
		inbox, _ := f.st.ListInbox(ctx, f.acc.ID, 10)
		if len(inbox) != 1 || inbox[0].Kind != "eid_approved" {
			t.Errorf("inbox = %+v", inbox)
		}
		// Activation on day 6 works; the account is level 1.
		f.clock.t = f.clock.t.Add(6 * 24 * time.Hour)
		level, err := f.svc.Activate(ctx, eid.Caller{}, f.acc.ID)
		if err != nil || level != 1 {
			t.Fatalf("Activate = %d, %v", level, err)
		}
		acc, _ := f.st.Account(ctx, f.acc.ID)
		if acc.Level != 1 {
			t.Errorf("account level %d after activation", acc.Level)
		}
		if _, err := f.svc.Activate(ctx, eid.Caller{}, f.acc.ID); code(err) != "eid_not_approved" {
			t.Errorf("second activation: %v", err)
		}
		if _, err := f.svc.StartLevel1(ctx, eid.Caller{}, f.principal()); code(err) != "eid_level_reached" {
			t.Errorf("start after level 1: %v", err)
		}
	})
}

func hasAction(events []store.AuditEvent, action string) bool {
	for _, e := range events {
		if e.Action == action {
			return true
		}
	}
	return false
}

// TestRejectionAndExpiredActivation: a rejection notifies by SMS and
// inbox and lets the citizen apply again; an approval not activated in 7
// days expires and only an officer reopens it.
func TestRejectionAndExpiredActivation(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, nil, eid.DefaultConfig())
		if err := f.st.SetAccountEmail(ctx, f.acc.ID, "an.nguyen@example.vn", f.clock.t); err != nil {
			t.Fatal(err)
		}
		res, err := f.submit(t, testkit.ChipOptions{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Reject(ctx, eid.Caller{}, reviewer("*"), res.ApplicationID, "selfie_quality", "Ảnh bị mờ, đề nghị chụp lại."); err != nil {
			t.Fatal(err)
		}
		mails, _ := f.st.ListOutbox(ctx, store.OutboxFilter{Recipient: "an.nguyen@example.vn"})
		if len(mails) != 1 || mails[0].Channel != "email" || !strings.Contains(mails[0].Body, "đề nghị chụp lại") || !strings.Contains(mails[0].Body, "not approved") {
			t.Errorf("rejection email = %+v", mails)
		}
		msgs, _ := f.st.ListOutbox(ctx, store.OutboxFilter{Recipient: f.acc.Phone})
		if len(msgs) != 1 || !strings.Contains(msgs[0].Body, "chưa được phê duyệt") || strings.Contains(msgs[0].Body, "chụp lại") {
			t.Errorf("rejection SMS = %+v", msgs)
		}
		status, _ := f.svc.AccountStatus(ctx, f.acc.ID)
		if status.EID.State != store.EIDRejected || status.Application == nil || status.Application.ReasonCode != "selfie_quality" {
			t.Errorf("status after rejection = %+v", status)
		}
		// Apply again, approved, then 7 days pass.
		res, err = f.submit(t, testkit.ChipOptions{}, nil)
		if err != nil {
			t.Fatalf("second application: %v", err)
		}
		if err := f.svc.Approve(ctx, eid.Caller{}, reviewer("*"), res.ApplicationID); err != nil {
			t.Fatal(err)
		}
		f.clock.t = f.clock.t.Add(7*24*time.Hour + time.Minute)
		if _, err := f.svc.Activate(ctx, eid.Caller{}, f.acc.ID); code(err) != "eid_activation_expired" {
			t.Fatalf("late activation: %v", err)
		}
		if _, err := f.svc.Activate(ctx, eid.Caller{}, f.acc.ID); code(err) != "eid_activation_expired" {
			t.Errorf("late activation again: %v", err)
		}
		if _, err := f.svc.StartLevel1(ctx, eid.Caller{}, f.principal()); code(err) != "eid_activation_expired" {
			t.Errorf("new application after expiry: %v", err)
		}
		due, err := f.svc.Reopen(ctx, eid.Caller{}, "officer:hotline", f.citizen.ID)
		if err != nil || !due.After(f.clock.t) {
			t.Fatalf("Reopen = %v, %v", due, err)
		}
		if _, err := f.svc.Reopen(ctx, eid.Caller{}, "officer:hotline", f.citizen.ID); code(err) != "eid_not_activation_expired" {
			t.Errorf("second reopen: %v", err)
		}
		if level, err := f.svc.Activate(ctx, eid.Caller{}, f.acc.ID); err != nil || level != 1 {
			t.Errorf("activation after reopen = %d, %v", level, err)
		}
	})
}

// TestExpireActivationsJob: the periodic job closes passed windows.
func TestExpireActivationsJob(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t), nil, eid.DefaultConfig())
	ctx := context.Background()
	res, err := f.submit(t, testkit.ChipOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Approve(ctx, eid.Caller{}, reviewer("*"), res.ApplicationID); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.svc.ExpireActivations(ctx); n != 0 {
		t.Errorf("expired %d before the deadline", n)
	}
	f.clock.t = f.clock.t.Add(8 * 24 * time.Hour)
	if n, err := f.svc.ExpireActivations(ctx); n != 1 || err != nil {
		t.Errorf("ExpireActivations = %d, %v", n, err)
	}
	st, _ := f.st.AccountEID(ctx, f.acc.ID)
	if st.State != store.EIDActivationExpired {
		t.Errorf("state %s", st.State)
	}
}

// TestChipRefusals: each way a dossier's chip can fail is refused with
// its own reason, and burns the application.
func TestChipRefusals(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, nil, eid.DefaultConfig())
		selfie, _ := testkit.SyntheticPortrait("selfie")
		qr := cccd.FromCard(f.citizen, f.card).String()
		start := func() eid.Started {
			s, err := f.svc.StartLevel1(ctx, eid.Caller{}, f.principal())
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		chip, err := f.pki.IssueChip(f.citizen, f.card, testkit.ChipOptions{})
		if err != nil {
			t.Fatal(err)
		}

		// Wrong challenge: the chip answers another one.
		s := start()
		wrong, _ := chip.AnswerChallenge([]byte("AAAAAAAA"))
		_, err = f.svc.SubmitLevel1(ctx, eid.Caller{}, f.principal(), s.ApplicationID, eid.Dossier{Files: chip.Files(), AASignature: wrong, Selfie: selfie, QR: qr})
		if code(err) != "chip_refused/aa_signature_invalid" {
			t.Errorf("wrong challenge: %v", code(err))
		}
		// The application is spent.
		_, err = f.svc.SubmitLevel1(ctx, eid.Caller{}, f.principal(), s.ApplicationID, eid.Dossier{Files: chip.Files(), AASignature: wrong, Selfie: selfie, QR: qr})
		if code(err) != "eid_application_wrong_step" {
			t.Errorf("resubmission after refusal: %v", code(err))
		}

		// A good answer, then the same answer replayed on a new challenge.
		s = start()
		good, _ := chip.AnswerChallenge(s.Challenge)
		tampered := chip.Files()
		tampered["dg13"] = append([]byte{}, tampered["dg13"]...)
		tampered["dg13"][len(tampered["dg13"])-1] ^= 1
		_, err = f.svc.SubmitLevel1(ctx, eid.Caller{}, f.principal(), s.ApplicationID, eid.Dossier{Files: tampered, AASignature: good, Selfie: selfie, QR: qr})
		if code(err) != "chip_refused/dg_hash_mismatch" {
			t.Errorf("tampered DG13: %v", code(err))
		}
		s = start()
		_, err = f.svc.SubmitLevel1(ctx, eid.Caller{}, f.principal(), s.ApplicationID, eid.Dossier{Files: chip.Files(), AASignature: good, Selfie: selfie, QR: qr})
		if code(err) != "chip_refused/aa_replayed" {
			t.Errorf("replayed AA answer: %v", code(err))
		}

		// Copied files without the chip: another chip's key answers.
		s = start()
		other, _ := f.pki.IssueChip(f.citizen, f.card, testkit.ChipOptions{})
		forged, _ := other.AnswerChallenge(s.Challenge)
		_, err = f.svc.SubmitLevel1(ctx, eid.Caller{}, f.principal(), s.ApplicationID, eid.Dossier{Files: chip.Files(), AASignature: forged, Selfie: selfie, QR: qr})
		if code(err) != "chip_refused/aa_signature_invalid" {
			t.Errorf("copied files: %v", code(err))
		}

		// Someone else's card.
		dob, _ := identity.NewDate(1990, 1, 2)
		otherID, _ := identity.MakePersonalID("079", dob, identity.Female, 111)
		stranger := f.citizen
		stranger.ID, stranger.FullName, stranger.Gender, stranger.DateOfBirth = otherID, "Trần Thị Bình", identity.Female, dob
		card := f.card
		card.Number = otherID
		theirs, _ := f.pki.IssueChip(stranger, card, testkit.ChipOptions{})
		s = start()
		ans, _ := theirs.AnswerChallenge(s.Challenge)
		_, err = f.svc.SubmitLevel1(ctx, eid.Caller{}, f.principal(), s.ApplicationID, eid.Dossier{Files: theirs.Files(), AASignature: ans, Selfie: selfie, QR: qr})
		if code(err) != "chip_not_yours" {
			t.Errorf("another citizen's card: %v", code(err))
		}

		// Evidence problems are invalid input, not chip refusals.
		s = start()
		ans, _ = chip.AnswerChallenge(s.Challenge)
		noDG13 := chip.Files()
		delete(noDG13, "dg13")
		for name, d := range map[string]eid.Dossier{
			"no dg13":      {Files: noDG13, AASignature: ans, Selfie: selfie, QR: qr},
			"unknown file": {Files: map[string][]byte{"dg99": {1}}, AASignature: ans, Selfie: selfie, QR: qr},
			"bad selfie":   {Files: chip.Files(), AASignature: ans, Selfie: []byte("not an image"), QR: qr},
			"no qr":        {Files: chip.Files(), AASignature: ans, Selfie: selfie},
			"no answer":    {Files: chip.Files(), Selfie: selfie, QR: qr},
		} {
			if _, err := f.svc.SubmitLevel1(ctx, eid.Caller{}, f.principal(), s.ApplicationID, d); code(err) != "eid_evidence_invalid" {
				t.Errorf("%s: %v", name, code(err))
			}
		}
		// Another account cannot submit to this application.
		intruder := account.Principal{Account: account.Account{ID: "acc-x", IDNumber: otherID}}
		if _, err := f.svc.SubmitLevel1(ctx, eid.Caller{}, intruder, s.ApplicationID, eid.Dossier{Files: chip.Files(), AASignature: ans, Selfie: selfie, QR: qr}); code(err) != "eid_application_not_found" {
			t.Errorf("another account's submission: %v", code(err))
		}
		// Too late.
		f.clock.t = f.clock.t.Add(time.Hour)
		if _, err := f.svc.SubmitLevel1(ctx, eid.Caller{}, f.principal(), s.ApplicationID, eid.Dossier{Files: chip.Files(), AASignature: ans, Selfie: selfie, QR: qr}); code(err) != "eid_application_expired" {
			t.Errorf("late dossier: %v", code(err))
		}
		// Every refusal is in the audit log with its reason.
		audit, _ := f.st.AuditBySubject(ctx, f.citizen.ID, 100)
		reasons := map[string]bool{}
		for _, e := range audit {
			if e.Action == "eid.level1.chip_refused" {
				var d struct{ Reason string }
				_ = json.Unmarshal([]byte(e.Detail), &d)
				reasons[d.Reason] = true
			}
		}
		for _, r := range []string{"aa_signature_invalid", "dg_hash_mismatch", "aa_replayed"} {
			if !reasons[r] {
				t.Errorf("audit lacks refusal %s: %v", r, reasons)
			}
		}
	})
}

// TestMismatchesGoToAnOfficer: a QR that differs from the chip is not
// refused but flagged for the reviewer.
func TestMismatchesGoToAnOfficer(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t), nil, eid.DefaultConfig())
	ctx := context.Background()
	chip, _ := f.pki.IssueChip(f.citizen, f.card, testkit.ChipOptions{})
	s, err := f.svc.StartLevel1(ctx, eid.Caller{}, f.principal())
	if err != nil {
		t.Fatal(err)
	}
	ans, _ := chip.AnswerChallenge(s.Challenge)
	qr := cccd.FromCard(f.citizen, f.card)
	qr.FullName = "Nguyễn Văn Anh"
	selfie, _ := testkit.SyntheticPortrait("selfie")
	res, err := f.svc.SubmitLevel1(ctx, eid.Caller{}, f.principal(), s.ApplicationID, eid.Dossier{Files: chip.Files(), AASignature: ans, Selfie: selfie, QR: qr.String()})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Report.Checks {
		if c.Name == "qr_match" && (c.Status != eid.CheckFail || len(c.Fields) != 1 || c.Fields[0] != "full_name") {
			t.Errorf("qr_match = %+v", c)
		}
	}
	if res.State != store.AppPendingReview {
		t.Errorf("state %s", res.State)
	}

}

// TestSelfieCopiesGoToAnOfficer: the chip's own portrait sent as the
// selfie, as it is or re-encoded and rescaled, is caught, so a card holder
// cannot pass the face checks with the card's photo.
func TestSelfieCopiesGoToAnOfficer(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t), nil, eid.DefaultConfig())
	portrait, _ := testkit.SyntheticPortrait("chip")
	img, _, err := image.Decode(bytes.NewReader(portrait))
	if err != nil {
		t.Fatal(err)
	}
	small := image.NewRGBA(image.Rect(0, 0, 180, 240))
	for y := range 240 {
		for x := range 180 {
			small.Set(x, y, img.At(x*240/180, y*320/240))
		}
	}
	var reencoded bytes.Buffer
	_ = jpeg.Encode(&reencoded, small, &jpeg.Options{Quality: 60})
	other, _ := testkit.SyntheticPortrait("someone else")
	for name, tc := range map[string]struct {
		selfie []byte
		want   eid.CheckStatus
	}{
		"the portrait itself":     {portrait, eid.CheckFail},
		"re-encoded and rescaled": {reencoded.Bytes(), eid.CheckFail},
		"another picture":         {other, eid.CheckPass},
	} {
		res, err := f.submit(t, testkit.ChipOptions{Portrait: portrait}, tc.selfie)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, c := range res.Report.Checks {
			if c.Name == "selfie_not_copy" && c.Status != tc.want {
				t.Errorf("%s: selfie_not_copy = %s (%s), want %s", name, c.Status, c.Detail, tc.want)
			}
		}
		// Let the next submission start: reject this one.
		if err := f.svc.Reject(context.Background(), eid.Caller{}, reviewer("*"), res.ApplicationID, "other", "test"); err != nil {
			t.Fatal(err)
		}
	}
}
