package locking_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

// hotlineCitizen gives the holder a full population record.
func (e *env) hotlineCitizen() {
	e.t.Helper()
	c := citizen(registry.Alive, card("2021-06-10", registry.CardValid))
	c.PlaceOfOrigin = "Xã Đông Sơn, Huyện Thủy Nguyên, Hải Phòng"
	c.PermanentAddress = registry.Address{HouseNumber: "12", Street: "Hàng Bạc", Commune: "Phường Hoàn Kiếm", Province: "Hà Nội"}
	if err := e.st.UpsertCitizens(context.Background(), []registry.Citizen{c}); err != nil {
		e.t.Fatal(err)
	}
}

func rightAnswers() map[string]string {
	return map[string]string{
		locking.QuestionDateOfBirth:   "17/05/1990",
		locking.QuestionPlaceOfOrigin: "  xã đông sơn, huyện  THỦY NGUYÊN, hải phòng ",
		locking.QuestionCommune:       "hoàn kiếm",
		locking.QuestionCardIssued:    "2021-06-10",
	}
}

func TestHotlineUnlock(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			e.hotlineCitizen()
			ctx := context.Background()
			c := account.Caller{RequestID: "r1"}
			o := locking.Officer{ID: "o-hotline", Unit: "CA-01-001"}

			qs, err := e.svc.HotlineQuestions(ctx, holderID)
			if err != nil || len(qs) != 4 {
				t.Fatalf("questions %v, %v", qs, err)
			}
			for _, q := range qs {
				if q.Key == "" || q.LabelVI == "" || q.LabelEN == "" {
					t.Errorf("question %+v", q)
				}
			}
			if _, err := e.svc.HotlineQuestions(ctx, "001190009999"); code(err) != "lock_account_not_found" {
				t.Errorf("questions for no account: %v", err)
			}

			// Nothing to unlock on an active account.
			if _, err := e.svc.HotlineUnlock(ctx, c, o, holderID, rightAnswers(), "gọi tổng đài"); code(err) != "lock_hotline_nothing_to_unlock" {
				t.Errorf("unlock an active account: %v", err)
			}

			if _, err := e.svc.SelfLock(ctx, c, e.p, "mất điện thoại"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.HotlineUnlock(ctx, c, o, holderID, rightAnswers(), " "); code(err) != "lock_reason_required" {
				t.Errorf("no reason: %v", err)
			}
			// 2 of 4 right is refused.
			two := rightAnswers()
			two[locking.QuestionCommune] = "Phường Ba Đình"
			two[locking.QuestionCardIssued] = "11/06/2021"
			if _, err := e.svc.HotlineUnlock(ctx, c, o, holderID, two, "gọi tổng đài"); code(err) != "lock_hotline_verification_failed" {
				t.Errorf("2 of 4: %v", err)
			}
			if e.state() != store.AccountLocked {
				t.Fatal("unlocked with 2 of 4")
			}
			// 3 of 4 right unlocks the self lock.
			three := rightAnswers()
			three[locking.QuestionCardIssued] = "sai"
			n, err := e.svc.HotlineUnlock(ctx, c, o, holderID, three, "Chủ tài khoản gọi 1900 0368")
			if err != nil || n != 1 || e.state() != store.AccountActive {
				t.Fatalf("3 of 4: %d, %v, state %s", n, err, e.state())
			}
			locks, _ := e.svc.Locks(ctx, account.Caller{}, "officer:o1", "acc")
			if len(locks) != 1 || locks[0].State == store.LockActive || locks[0].LiftReason == "" {
				t.Errorf("locks after the hotline: %+v", locks)
			}

			// A violation lock stays; the self lock beside it is lifted.
			if _, err := e.svc.Lock(ctx, c, "officer:admin", "acc", store.LockViolation, "lừa đảo", "biên bản 12"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.HotlineUnlock(ctx, c, o, holderID, rightAnswers(), "gọi tổng đài"); code(err) != "lock_hotline_nothing_to_unlock" {
				t.Errorf("violation lock only: %v", err)
			}
			if _, err := e.svc.SelfLock(ctx, c, e.p, "mất điện thoại"); err != nil {
				t.Fatal(err)
			}
			if n, err := e.svc.HotlineUnlock(ctx, c, o, holderID, rightAnswers(), "gọi tổng đài"); err != nil || n != 1 {
				t.Fatalf("self and violation: %d, %v", n, err)
			}
			if e.state() != store.AccountLocked {
				t.Errorf("violation lock lifted by the hotline: %s", e.state())
			}
			events, err := e.st.AuditBySubject(ctx, holderID, 100)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, ev := range events {
				seen[ev.Action]++
				for _, secret := range []string{"1990", "2021", "Sơn", "Kiếm", "Ba Đình"} {
					if strings.Contains(ev.Detail, secret) {
						t.Errorf("audit %s holds an answer: %s", ev.Action, ev.Detail)
					}
				}
			}
			if seen["account.hotline_unlock.failed"] != 1 || seen["account.hotline_unlock.verified"] != 2 ||
				seen["account.hotline_unlock.nothing"] != 2 {
				t.Errorf("audited attempts %v", seen)
			}
			active, _ := e.st.AccountLocks(ctx, "acc", true)
			if len(active) != 1 || active[0].Ground != store.LockViolation {
				t.Errorf("active locks %+v", active)
			}
		})
	}
}

func TestHotlineLimit(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			e.hotlineCitizen()
			ctx := context.Background()
			c := account.Caller{RequestID: "r1"}
			o := locking.Officer{ID: "o-hotline", Unit: "CA-01-001"}
			if _, err := e.svc.SelfLock(ctx, c, e.p, "mất điện thoại"); err != nil {
				t.Fatal(err)
			}
			wrong := map[string]string{locking.QuestionDateOfBirth: "1990-05-17"}
			for i := 0; i < 5; i++ {
				if _, err := e.svc.HotlineUnlock(ctx, c, o, holderID, wrong, "gọi"); code(err) != "lock_hotline_verification_failed" {
					t.Fatalf("attempt %d: %v", i+1, err)
				}
			}
			// Refused now, even with the right answers.
			if _, err := e.svc.HotlineUnlock(ctx, c, o, holderID, rightAnswers(), "gọi"); code(err) != "rate_limited" {
				t.Fatalf("after 5 failures: %v", err)
			}
			if e.state() != store.AccountLocked {
				t.Fatal("unlocked past the limit")
			}
			// After the hour the right answers work.
			e.now = e.now.Add(time.Hour)
			if n, err := e.svc.HotlineUnlock(ctx, c, o, holderID, rightAnswers(), "gọi"); err != nil || n != 1 {
				t.Fatalf("after the hour: %d, %v", n, err)
			}
		})
	}
}
