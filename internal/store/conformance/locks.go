package conformance

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

func testLocks(t *testing.T, s store.Store) {
	ctx := context.Background()
	add := func(id, ground string, at time.Time) store.AccountLock {
		t.Helper()
		l := store.AccountLock{ID: id, AccountID: "acc", Ground: ground, State: store.LockActive, By: "officer:o1",
			Reason: "lý do", Evidence: "Công văn 1/CV", CreatedAt: at}
		if err := s.AddLock(ctx, l); err != nil {
			t.Fatalf("AddLock %s: %v", id, err)
		}
		return l
	}
	add("l1", store.LockSelf, base)
	add("l2", store.LockSelf, base.Add(time.Minute)) // two requests of the holder may stand
	add("l3", store.LockDeceased, base.Add(2*time.Minute))
	if err := s.AddLock(ctx, store.AccountLock{ID: "l4", AccountID: "acc", Ground: store.LockDeceased, By: "system", CreatedAt: base}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second active automatic lock of one ground: %v, want ErrConflict", err)
	}
	l, err := s.AccountLocks(ctx, "acc", true)
	if err != nil || len(l) != 3 || l[0].ID != "l3" || l[2].ID != "l1" || l[2].Evidence != "Công văn 1/CV" || !l[2].CreatedAt.Equal(base) {
		t.Fatalf("AccountLocks = %+v, %v", l, err)
	}
	if err := s.LiftLock(ctx, "l3", "system", "đính chính", base.Add(time.Hour)); err != nil {
		t.Fatalf("LiftLock: %v", err)
	}
	if err := s.LiftLock(ctx, "l3", "system", "again", base.Add(time.Hour)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("lifting twice: %v, want ErrConflict", err)
	}
	if err := s.LiftLock(ctx, "nope", "system", "x", base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("lifting a missing lock: %v, want ErrNotFound", err)
	}
	// Once lifted, the automatic ground may lock again.
	add("l5", store.LockDeceased, base.Add(2*time.Hour))
	if l, _ := s.AccountLocks(ctx, "acc", true); len(l) != 3 {
		t.Errorf("active locks = %d, want 3", len(l))
	}
	all, _ := s.AccountLocks(ctx, "acc", false)
	if len(all) != 4 {
		t.Fatalf("all locks = %d, want 4", len(all))
	}
	for _, x := range all {
		if x.ID == "l3" && (x.State != store.LockLifted || x.LiftedBy != "system" || x.LiftReason != "đính chính" || !x.LiftedAt.Equal(base.Add(time.Hour))) {
			t.Errorf("lifted lock = %+v", x)
		}
	}
	if l, _ := s.AccountLocks(ctx, "other", false); len(l) != 0 {
		t.Errorf("another account's locks: %+v", l)
	}
	for _, a := range []string{"acc", "other"} {
		if err := s.CreateAccount(ctx, store.Account{ID: a, IDNumber: map[string]string{"acc": "001190000001", "other": "001190000002"}[a],
			Phone: "+84912345678", PasswordHash: "h", State: store.AccountActive, CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}); err != nil {
			t.Fatal(err)
		}
	}
	for _, se := range []store.Session{{ID: "s1", TokenHash: []byte("h1"), AccountID: "acc"}, {ID: "s2", TokenHash: []byte("h2"), AccountID: "acc"},
		{ID: "s3", TokenHash: []byte("h3"), AccountID: "other"}} {
		se.CreatedAt, se.ExpiresAt, se.LastSeenAt = base, base.Add(time.Hour), base
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RevokeSession(ctx, "s2", base); err != nil {
		t.Fatal(err)
	}
	if err := s.SerializeAccount(ctx, "acc"); err != nil {
		t.Errorf("SerializeAccount: %v", err)
	}
	if err := s.SerializeAccount(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SerializeAccount of a missing account: %v", err)
	}
	if n, err := s.RevokeAccountSessions(ctx, "acc", base.Add(time.Minute)); err != nil || n != 1 {
		t.Errorf("RevokeAccountSessions = %d, %v; want 1 (s2 was already ended)", n, err)
	}
	if se, _ := s.SessionByTokenHash(ctx, []byte("h1")); !se.RevokedAt.Equal(base.Add(time.Minute)) {
		t.Errorf("s1 = %+v", se)
	}
	if se, _ := s.SessionByTokenHash(ctx, []byte("h3")); !se.RevokedAt.IsZero() {
		t.Errorf("another account's session was ended: %+v", se)
	}
}

func testCitizenChanges(t *testing.T, s store.Store) {
	ctx := context.Background()
	if l, err := s.CitizenChanges(ctx, 0, 10); err != nil || len(l) != 0 {
		t.Fatalf("CitizenChanges of an empty registry = %+v, %v", l, err)
	}
	mk := func(id, name string) registry.Citizen {
		return registry.Citizen{ID: id, FullName: name, DateOfBirth: date("1990-01-02"), Gender: identity.Male, LifeStatus: registry.Alive,
			UpdatedAt: base}
	}
	if err := s.UpsertCitizens(ctx, []registry.Citizen{mk("001090000001", "Trần Văn An"), mk("001090000002", "Lê Văn Bình"), mk("001090000003", "Phạm Văn Cường")}); err != nil {
		t.Fatal(err)
	}
	l, err := s.CitizenChanges(ctx, 0, 10)
	if err != nil || len(l) != 3 || l[0].ID != "001090000001" || l[2].ID != "001090000003" || l[0].Seq >= l[1].Seq || !l[0].UpdatedAt.Equal(base) {
		t.Fatalf("CitizenChanges = %+v, %v", l, err)
	}
	last := l[2].Seq
	// A death recorded later is a new change; the citizen appears once.
	dead := mk("001090000001", "Trần Văn An")
	dead.LifeStatus = registry.Deceased
	if err := s.UpsertCitizens(ctx, []registry.Citizen{dead}); err != nil {
		t.Fatal(err)
	}
	more, err := s.CitizenChanges(ctx, last, 10)
	if err != nil || len(more) != 1 || more[0].ID != "001090000001" || more[0].Seq <= last {
		t.Fatalf("changes after the death = %+v, %v", more, err)
	}
	if all, _ := s.CitizenChanges(ctx, 0, 10); len(all) != 3 {
		t.Errorf("all changes = %d, want 3 (one per citizen)", len(all))
	}
	if page, _ := s.CitizenChanges(ctx, 0, 2); len(page) != 2 {
		t.Errorf("page of 2 = %d", len(page))
	}
}

func testLockRequests(t *testing.T, s store.Store) {
	ctx := context.Background()
	mk := func(id, unit string, deadline time.Time) store.LockRequest {
		return store.LockRequest{ID: id, AccountID: "acc", IDNumber: "001190000001", Kind: store.LockRequestLock, Requester: "Cơ quan CSĐT",
			Reference: "CV 1/2026", Contact: "a@b.vn", Reason: "Điều tra", Unit: unit, ReceivedBy: "officer:o1", CreatedAt: base, DeadlineAt: deadline}
	}
	for _, r := range []store.LockRequest{mk("r1", "U1", base.Add(48*time.Hour)), mk("r2", "U1", base.Add(24*time.Hour)), mk("r3", "U2", base)} {
		if err := s.CreateLockRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LockRequest(ctx, "r1")
	if err != nil || got.State != store.LockRequestPending || got.Requester != "Cơ quan CSĐT" || !got.DeadlineAt.Equal(base.Add(48*time.Hour)) || !got.DecidedAt.IsZero() {
		t.Fatalf("LockRequest = %+v, %v", got, err)
	}
	if l, _ := s.ListLockRequests(ctx, "U1", store.LockRequestPending, 10); len(l) != 2 || l[0].ID != "r2" {
		t.Errorf("U1 pending = %+v; want r2 (earlier deadline) first", l)
	}
	if l, _ := s.ListLockRequests(ctx, "", "", 10); len(l) != 3 {
		t.Errorf("all = %d", len(l))
	}
	if err := s.DecideLockRequest(ctx, "r1", store.LockRequestRefused, "officer:h", "Chưa đủ căn cứ", "", base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DecideLockRequest(ctx, "r1", store.LockRequestApproved, "officer:h", "", "l1", base); !errors.Is(err, store.ErrConflict) {
		t.Errorf("deciding twice: %v", err)
	}
	got, _ = s.LockRequest(ctx, "r1")
	if got.State != store.LockRequestRefused || got.Decision != "Chưa đủ căn cứ" || !got.DecidedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("decided = %+v", got)
	}
	if l, _ := s.ListLockRequests(ctx, "U1", store.LockRequestPending, 10); len(l) != 1 {
		t.Errorf("U1 pending after a decision = %d", len(l))
	}
	if _, err := s.LockRequest(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
}
