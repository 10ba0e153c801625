package locking_test

import (
	"context"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/workday"
)

// TestAuthorityRequests: a police unit receives an authority's request; only
// its head decides it, within 2 working days; approval locks (or unlocks),
// a refusal needs a written reason; the holder and the requester are told.
func TestAuthorityRequests(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			ctx := context.Background()
			cal, err := workday.Default()
			if err != nil {
				t.Fatal(err)
			}
			e.now = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC) // a Friday in Vietnam
			svc, err := locking.New(locking.Options{Store: e.st, Codes: e.acc, Calendar: cal, Now: func() time.Time { return e.now }})
			if err != nil {
				t.Fatal(err)
			}
			c := account.Caller{}
			desk := locking.Officer{ID: "o-desk", Unit: "CA-01-001"}
			head := locking.Officer{ID: "o-head", Unit: "CA-01-001", Head: true}
			otherHead := locking.Officer{ID: "o-far", Unit: "CA-79-001", Head: true}
			lockReq := locking.NewRequest{IDNumber: holderID, Kind: store.LockRequestLock, Requester: "Cơ quan Cảnh sát điều tra Công an TP Hà Nội",
				Reference: "Công văn 345/CSĐT-PC02 ngày 26/11/2026", Contact: "pc02@congan.hanoi.gov.vn", Reason: "Phục vụ điều tra vụ án lừa đảo."}
			for _, bad := range []locking.NewRequest{{IDNumber: holderID, Kind: "lock"}, {IDNumber: holderID, Kind: "freeze", Requester: "x", Reference: "y", Reason: "z"},
				{IDNumber: holderID, Kind: "lock", Requester: "x", Reference: "y", Reason: "z", Contact: "not an address"}} {
				if _, err := svc.ReceiveRequest(ctx, c, desk, bad); code(err) != "lock_request_invalid" {
					t.Errorf("ReceiveRequest(%+v) = %v", bad, err)
				}
			}
			r, err := svc.ReceiveRequest(ctx, c, desk, lockReq)
			if err != nil {
				t.Fatal(err)
			}
			// Friday 10:00 + 2 working days = Tuesday (Saturday and Sunday skipped).
			if wd := r.DeadlineAt.In(workday.Zone()).Weekday(); wd != time.Tuesday {
				t.Errorf("deadline %s is a %s, want Tuesday", r.DeadlineAt, wd)
			}
			if l, _ := svc.Requests(ctx, c, head, store.LockRequestPending); len(l) != 1 {
				t.Errorf("the unit's pending requests = %d", len(l))
			}
			if l, _ := svc.Requests(ctx, c, otherHead, ""); len(l) != 0 {
				t.Errorf("another unit sees %d requests", len(l))
			}
			if ev, _ := e.st.AuditBySubject(ctx, holderID, 50); !hasAction(ev, "account.lock_request.read") {
				t.Error("reading the unit's requests is not audited")
			}
			if _, err := svc.DecideRequest(ctx, c, desk, r.ID, true, ""); code(err) != "lock_request_not_unit_head" {
				t.Errorf("a desk officer decides: %v", err)
			}
			if _, err := svc.DecideRequest(ctx, c, otherHead, r.ID, true, ""); code(err) != "lock_request_not_found" {
				t.Errorf("another unit's head decides: %v", err)
			}
			if _, err := svc.DecideRequest(ctx, c, head, r.ID, false, ""); code(err) != "lock_request_refusal_reason" {
				t.Errorf("refusal without a reason: %v", err)
			}
			got, err := svc.DecideRequest(ctx, c, head, r.ID, true, "")
			if err != nil || got.State != store.LockRequestApproved || got.LockID == "" || e.state() != store.AccountLocked {
				t.Fatalf("approve = %+v, %v, %s", got, err, e.state())
			}
			if _, err := svc.DecideRequest(ctx, c, head, r.ID, false, "x"); code(err) != "lock_request_decided" {
				t.Errorf("deciding twice: %v", err)
			}
			mails, _ := e.st.ListOutbox(ctx, store.OutboxFilter{Recipient: "pc02@congan.hanoi.gov.vn", Limit: 5})
			if len(mails) != 1 {
				t.Errorf("requester answered %d times, want 1", len(mails))
			}
			// An unlock request, refused in writing, then approved.
			unlock := lockReq
			unlock.Kind = store.LockRequestUnlock
			u1, err := svc.ReceiveRequest(ctx, c, desk, unlock)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := svc.DecideRequest(ctx, c, head, u1.ID, false, "Vụ án chưa kết thúc."); err != nil || got.State != store.LockRequestRefused {
				t.Fatalf("refuse = %+v, %v", got, err)
			}
			if e.state() != store.AccountLocked {
				t.Error("a refused unlock unlocked the account")
			}
			u2, _ := svc.ReceiveRequest(ctx, c, desk, unlock)
			if got, err := svc.DecideRequest(ctx, c, head, u2.ID, true, ""); err != nil || got.LockID == "" || e.state() != store.AccountActive {
				t.Fatalf("approve unlock = %+v, %v, %s", got, err, e.state())
			}
			u3, _ := svc.ReceiveRequest(ctx, c, desk, unlock)
			if _, err := svc.DecideRequest(ctx, c, head, u3.ID, true, ""); code(err) != "lock_request_nothing_to_unlock" {
				t.Errorf("unlock with no authority lock: %v", err)
			}
			inbox, _ := e.st.ListInbox(ctx, "acc", 20)
			n := 0
			for _, m := range inbox {
				if m.Kind == "lock_request_decided" {
					n++
				}
			}
			if n != 3 {
				t.Errorf("holder told of %d decisions, want 3", n)
			}
		})
	}
}

func hasAction(events []store.AuditEvent, action string) bool {
	for _, e := range events {
		if e.Action == action {
			return true
		}
	}
	return false
}
