package conformance

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/store"
)

func eidAccount(t *testing.T, s store.Store, id, idNumber string) store.Account {
	t.Helper()
	a := store.Account{ID: id, IDNumber: idNumber, Phone: "+84912345678", PasswordHash: "h",
		State: store.AccountActive, CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}
	if err := s.CreateAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func testEIDState(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := eidAccount(t, s, "acc-e", "001190012301")
	st, err := s.AccountEID(ctx, a.ID)
	if err != nil || st.State != store.EIDNone || st.Level != 0 {
		t.Fatalf("new account e-ID = %+v, %v; want none, level 0", st, err)
	}
	if _, err := s.AccountEID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing account: %v", err)
	}
	up := store.EIDUpdate{From: store.EIDNone, To: store.EIDPending, Level: -1, PendingLevel: 1, At: base}
	if err := s.UpdateEID(ctx, a.ID, up); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateEID(ctx, a.ID, up); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second move from none: %v, want ErrConflict", err)
	}
	due := base.Add(7 * 24 * time.Hour)
	if err := s.UpdateEID(ctx, a.ID, store.EIDUpdate{From: store.EIDPending, To: store.EIDApproved, Level: -1,
		PendingLevel: 1, ActivationDue: due, At: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	st, _ = s.AccountEID(ctx, a.ID)
	want := store.EIDStatus{State: store.EIDApproved, Level: 0, PendingLevel: 1, ActivationDue: due, UpdatedAt: base.Add(time.Hour)}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("approved = %+v, want %+v", st, want)
	}
	// A second approved account whose deadline is later stays approved.
	b := eidAccount(t, s, "acc-f", "001190012302")
	for _, u := range []store.EIDUpdate{
		{From: store.EIDNone, To: store.EIDPending, Level: -1, PendingLevel: 1, At: base},
		{From: store.EIDPending, To: store.EIDApproved, Level: -1, PendingLevel: 1, ActivationDue: due.Add(48 * time.Hour), At: base},
	} {
		if err := s.UpdateEID(ctx, b.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := s.ExpireActivations(ctx, due.Add(time.Second))
	if err != nil || !reflect.DeepEqual(ids, []string{a.ID}) {
		t.Fatalf("ExpireActivations = %v, %v; want [%s]", ids, err, a.ID)
	}
	st, _ = s.AccountEID(ctx, a.ID)
	if st.State != store.EIDActivationExpired {
		t.Errorf("after expiry: %+v", st)
	}
	// Activation of b sets the level in force.
	if err := s.UpdateEID(ctx, b.ID, store.EIDUpdate{From: store.EIDApproved, To: store.EIDActive, Level: 1, At: base}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Account(ctx, b.ID)
	if got.Level != 1 {
		t.Errorf("level after activation = %d", got.Level)
	}
	st, _ = s.AccountEID(ctx, b.ID)
	if st.State != store.EIDActive || st.PendingLevel != 0 || !st.ActivationDue.IsZero() {
		t.Errorf("active = %+v", st)
	}
}

func testApplications(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := eidAccount(t, s, "acc-a", "001190012303")
	mk := func(id, unit string, deadline time.Time, state store.ApplicationState) store.Application {
		return store.Application{ID: id, AccountID: a.ID, IDNumber: a.IDNumber, Level: 1, Channel: "app", State: state,
			Unit: unit, Challenge: []byte{1, 2, 3, 4, 5, 6, 7, 8}, CreatedAt: base, ExpiresAt: base.Add(time.Hour),
			SubmittedAt: deadline.Add(-24 * time.Hour), DeadlineAt: deadline, UpdatedAt: base}
	}
	apps := []store.Application{
		mk("app-3", "01", base.Add(72*time.Hour), store.AppPendingReview),
		mk("app-1", "79", base.Add(24*time.Hour), store.AppPendingReview),
		mk("app-2", "01", base.Add(48*time.Hour), store.AppPendingReview),
		mk("app-4", "01", base.Add(12*time.Hour), store.AppApproved),
	}
	draft := store.Application{ID: "app-0", AccountID: a.ID, IDNumber: a.IDNumber, Level: 2, Channel: "desk",
		Office: "CA-01-001", Details: `{"contact":{"phone":"+84912345678"}}`, State: store.AppAwaitingEvidence, Challenge: []byte{8, 7, 6, 5, 4, 3, 2, 1}, CreatedAt: base, ExpiresAt: base.Add(time.Hour), UpdatedAt: base}
	apps = append(apps, draft)
	for _, x := range apps {
		if err := s.CreateApplication(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateApplication(ctx, draft); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate application ID: %v", err)
	}
	got, err := s.Application(ctx, "app-0")
	if err != nil || !reflect.DeepEqual(got, draft) {
		t.Fatalf("Application = %+v, %v\nwant %+v", got, err, draft)
	}
	if _, err := s.Application(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing application: %v", err)
	}
	ids := func(f store.ApplicationFilter) []string {
		t.Helper()
		l, err := s.ListApplications(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range l {
			out = append(out, x.ID)
		}
		return out
	}
	queue := store.ApplicationFilter{States: []store.ApplicationState{store.AppPendingReview}}
	if got := ids(queue); !reflect.DeepEqual(got, []string{"app-1", "app-2", "app-3"}) {
		t.Errorf("queue by deadline = %v", got)
	}
	queue.Units = []string{"01"}
	if got := ids(queue); !reflect.DeepEqual(got, []string{"app-2", "app-3"}) {
		t.Errorf("queue of unit 01 = %v", got)
	}
	queue.Units = []string{}
	if got := ids(queue); len(got) != 0 {
		t.Errorf("queue of no unit = %v", got)
	}
	if got := ids(store.ApplicationFilter{AccountID: a.ID, Limit: 2}); len(got) != 2 {
		t.Errorf("limit 2 = %v", got)
	}
	if got := ids(store.ApplicationFilter{AccountID: "other"}); len(got) != 0 {
		t.Errorf("other account = %v", got)
	}

	// Submission and decision by compare-and-set.
	sub := draft
	sub.State, sub.SubmittedAt, sub.DeadlineAt, sub.Unit, sub.Checks, sub.UpdatedAt =
		store.AppPendingReview, base.Add(time.Minute), base.Add(30*time.Hour), "01", `{"ok":true}`, base.Add(time.Minute)
	sub.Details = `{"contact":{"phone":"+84912345678"},"consent":"otp"}`
	if err := s.UpdateApplication(ctx, sub, store.AppAwaitingEvidence); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Application(ctx, sub.ID); !reflect.DeepEqual(got, sub) {
		t.Errorf("after submission = %+v\nwant %+v", got, sub)
	}
	if err := s.UpdateApplication(ctx, sub, store.AppAwaitingEvidence); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second submission: %v, want ErrConflict", err)
	}
	// Two officers decide at once: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := sub
			d.State, d.DecidedAt, d.DecidedBy, d.UpdatedAt = store.AppApproved, base.Add(2*time.Hour), "officer:"+string(rune('a'+i)), base.Add(2*time.Hour)
			if err := s.UpdateApplication(ctx, d, store.AppPendingReview); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, store.ErrConflict) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d officers decided the same dossier, want 1", wins)
	}
	got, _ = s.Application(ctx, "app-0")
	if got.State != store.AppApproved || got.Checks != `{"ok":true}` || got.Unit != "01" || !got.SubmittedAt.Equal(sub.SubmittedAt) {
		t.Errorf("after decision: %+v", got)
	}

	// Evidence.
	for _, e := range []store.Evidence{
		{ApplicationID: "app-0", Kind: "dg1", Data: []byte("one"), CreatedAt: base},
		{ApplicationID: "app-0", Kind: "selfie", Data: []byte("face"), CreatedAt: base},
		{ApplicationID: "app-0", Kind: "dg1", Data: []byte("again"), CreatedAt: base.Add(time.Second)},
	} {
		if err := s.PutEvidence(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := s.ApplicationEvidence(ctx, "app-0")
	if err != nil || len(ev) != 2 || !bytes.Equal(ev["dg1"].Data, []byte("again")) || !bytes.Equal(ev["selfie"].Data, []byte("face")) {
		t.Errorf("evidence = %+v, %v", ev, err)
	}
	if ev, _ := s.ApplicationEvidence(ctx, "app-1"); len(ev) != 0 {
		t.Errorf("evidence of app-1 = %v", ev)
	}
}

func testInbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := eidAccount(t, s, "acc-i", "001190012304")
	b := eidAccount(t, s, "acc-j", "001190012305")
	var ids []int64
	for i, acc := range []string{a.ID, a.ID, b.ID} {
		id, err := s.AddInbox(ctx, store.InboxMessage{AccountID: acc, Kind: "eid_approved", TitleVI: "Hồ sơ đã được phê duyệt",
			TitleEN: "Application approved", BodyVI: "Nội dung", BodyEN: "Body", CreatedAt: base.Add(time.Duration(i) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	l, err := s.ListInbox(ctx, a.ID, 10)
	if err != nil || len(l) != 2 || l[0].ID != ids[1] || l[1].TitleVI != "Hồ sơ đã được phê duyệt" || !l[0].ReadAt.IsZero() {
		t.Fatalf("ListInbox = %+v, %v", l, err)
	}
	if err := s.MarkInboxRead(ctx, b.ID, ids[0], base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("marking another account's message: %v", err)
	}
	if err := s.MarkInboxRead(ctx, a.ID, ids[0], base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkInboxRead(ctx, a.ID, ids[0], base.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	l, _ = s.ListInbox(ctx, a.ID, 10)
	if !l[1].ReadAt.Equal(base.Add(time.Hour)) {
		t.Errorf("read at = %v, want the first read", l[1].ReadAt)
	}
}

func testPortraitsAndTrust(t *testing.T, s store.Store) {
	ctx := context.Background()
	p := store.Portrait{IDNumber: "001190012345", Format: "jpeg", Data: []byte{0xff, 0xd8}, UpdatedAt: base}
	if err := s.PutPortrait(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Data = []byte{0xff, 0xd8, 0xff}
	if err := s.PutPortrait(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := s.Portrait(ctx, p.IDNumber)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("Portrait = %+v, %v", got, err)
	}
	if _, err := s.Portrait(ctx, "000000000000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing portrait: %v", err)
	}
	e := store.TrustEntry{ID: "aa", Kind: store.TrustCSCA, Country: "VN", Subject: "CN=CSCA Vietnam", Serial: "01",
		NotBefore: base, NotAfter: base.Add(time.Hour), DER: []byte{0x30}, Source: "demo", AddedAt: base}
	added, err := s.PutTrust(ctx, e)
	if err != nil || !added {
		t.Fatalf("PutTrust = %v, %v", added, err)
	}
	if added, err := s.PutTrust(ctx, e); err != nil || added {
		t.Errorf("PutTrust again = %v, %v; want false", added, err)
	}
	crl := store.TrustEntry{ID: "bb", Kind: store.TrustCRL, Country: "VN", Subject: "CN=CSCA Vietnam", DER: []byte{0x30, 0}, AddedAt: base}
	if _, err := s.PutTrust(ctx, crl); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListTrust(ctx, store.TrustCSCA); len(l) != 1 || !reflect.DeepEqual(l[0], e) {
		t.Errorf("ListTrust(csca) = %+v", l)
	}
	if l, _ := s.ListTrust(ctx, ""); len(l) != 2 {
		t.Errorf("ListTrust(all) = %d entries", len(l))
	}
	if err := s.RemoveTrust(ctx, "aa"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveTrust(ctx, "aa"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
}

func testOfficers(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := store.Officer{ID: "off-1", Username: "reviewer.hn", FullName: "Đại úy Lê Văn Hùng", PasswordHash: "h",
		TOTPSecret: []byte("sealed"), Roles: []string{"reviewer"}, UnitID: "CA-01", State: store.OfficerActive,
		CreatedAt: base, UpdatedAt: base}
	if err := s.CreateOfficer(ctx, o); err != nil {
		t.Fatal(err)
	}
	dup := o
	dup.ID = "off-2"
	if err := s.CreateOfficer(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate username: %v", err)
	}
	got, err := s.OfficerByUsername(ctx, "reviewer.hn")
	if err != nil || !reflect.DeepEqual(got, o) {
		t.Fatalf("OfficerByUsername = %+v, %v\nwant %+v", got, err, o)
	}
	if _, err := s.Officer(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing officer: %v", err)
	}
	if err := s.UseTOTPStep(ctx, o.ID, 100); err != nil {
		t.Fatal(err)
	}
	for _, step := range []int64{100, 99} {
		if err := s.UseTOTPStep(ctx, o.ID, step); !errors.Is(err, store.ErrConflict) {
			t.Errorf("step %d again: %v, want ErrConflict", step, err)
		}
	}
	o.Roles, o.UnitID, o.State, o.UpdatedAt = []string{"reviewer", "admin"}, "C06", store.OfficerDisabled, base.Add(time.Hour)
	if err := s.UpdateOfficer(ctx, o); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Officer(ctx, o.ID)
	o.TOTPLastStep = 100
	if !reflect.DeepEqual(got, o) {
		t.Errorf("after update = %+v\nwant %+v", got, o)
	}
	if l, err := s.ListOfficers(ctx); err != nil || len(l) != 1 {
		t.Errorf("ListOfficers = %v, %v", l, err)
	}
	sess := store.OfficerSession{ID: "os-1", TokenHash: []byte{1, 2, 3}, OfficerID: o.ID, CreatedAt: base,
		ExpiresAt: base.Add(8 * time.Hour), LastSeenAt: base}
	if err := s.CreateOfficerSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	gs, err := s.OfficerSessionByTokenHash(ctx, []byte{1, 2, 3})
	if err != nil || !reflect.DeepEqual(gs, sess) {
		t.Errorf("OfficerSessionByTokenHash = %+v, %v", gs, err)
	}
	if err := s.TouchOfficerSession(ctx, sess.ID, base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeOfficerSession(ctx, sess.ID, base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeOfficerSession(ctx, sess.ID, base.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second revoke: %v", err)
	}
}

func testOutboxReplay(t *testing.T, s store.Store) {
	ctx := context.Background()
	id, err := s.EnqueueOutbox(ctx, store.OutboxMessage{Channel: "sms", Recipient: "+84912345678", Template: "t", Body: "b", CreatedAt: base})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ReplayOutbox(ctx, id, base); !errors.Is(err, store.ErrConflict) {
		t.Errorf("replaying a pending message: %v, want ErrConflict", err)
	}
	if _, err := s.ClaimOutbox(ctx, "w", base, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if err := s.RetryOutbox(ctx, id, "w", "smsc refused", base.Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	m, err := s.OutboxMessage(ctx, id)
	if err != nil || m.Status != store.OutboxDead || m.Attempts != 1 || m.LastError != "smsc refused" {
		t.Fatalf("dead message = %+v, %v", m, err)
	}
	if err := s.ReplayOutbox(ctx, id, base.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	m, _ = s.OutboxMessage(ctx, id)
	if m.Status != store.OutboxPending || m.Attempts != 0 || !m.NextAttemptAt.Equal(base.Add(2*time.Hour)) || m.LeaseOwner != "" {
		t.Errorf("replayed = %+v", m)
	}
	claimed, err := s.ClaimOutbox(ctx, "w2", base.Add(2*time.Hour), time.Minute, 10)
	if err != nil || len(claimed) != 1 || claimed[0].ID != id {
		t.Errorf("claim after replay = %+v, %v", claimed, err)
	}
	if _, err := s.OutboxMessage(ctx, id+1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing message: %v", err)
	}
}
