package locking_test

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

const (
	holderID = "001190000123"
	phone    = "+84912000001"
)

type env struct {
	t   *testing.T
	st  store.Store
	svc *locking.Service
	acc *account.Service
	now time.Time
	p   account.Principal
}

func d(s string) identity.Date {
	v, err := identity.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func citizen(life registry.LifeStatus, cards ...registry.IDCard) registry.Citizen {
	return registry.Citizen{ID: holderID, FullName: "Nguyễn Thị Thanh Hương", DateOfBirth: d("1990-05-17"), Gender: identity.Female,
		LifeStatus: life, Cards: cards}
}

func card(issued string, status registry.CardStatus) registry.IDCard {
	return registry.IDCard{Number: holderID, Chip: true, IssueDate: d(issued), ExpiryDate: d("2030-05-17"), Status: status}
}

func newEnv(t *testing.T, b storetest.Backend) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, st: b.Open(t), now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := account.DefaultConfig()
	cfg.Argon2 = account.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}
	var err error
	if e.acc, err = account.New(ctx, cfg, account.Options{Store: e.st, Now: clock, Logger: log}); err != nil {
		t.Fatal(err)
	}
	if e.svc, err = locking.New(locking.Options{Store: e.st, Codes: e.acc, Now: clock, Logger: log}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.UpsertCitizens(ctx, []registry.Citizen{citizen(registry.Alive, card("2021-06-10", registry.CardValid))}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateAccount(ctx, store.Account{ID: "acc", IDNumber: holderID, Phone: phone, PasswordHash: "x",
		State: store.AccountActive, Level: 2, CreatedAt: e.now, UpdatedAt: e.now, PasswordChangedAt: e.now}); err != nil {
		t.Fatal(err)
	}
	e.p = account.Principal{Account: account.Account{ID: "acc", IDNumber: holderID, Level: 2}, SessionID: "s"}
	return e
}

func code(err error) string {
	if f := failure.As(err); f != nil {
		return f.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func (e *env) state() store.AccountState {
	e.t.Helper()
	a, err := e.st.Account(context.Background(), "acc")
	if err != nil {
		e.t.Fatal(err)
	}
	return a.State
}

// TestGroundsAndUnlock: every ground an officer or the holder can use locks
// the account at once; each lock is lifted with a reason, and the account
// works again only when none is left.
func TestGroundsAndUnlock(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			ctx := context.Background()
			c := account.Caller{RequestID: "r1"}
			if _, err := e.svc.Lock(ctx, c, "officer:o1", "acc", "bored", "x", "y"); code(err) != "lock_ground_invalid" {
				t.Errorf("unknown ground: %v", err)
			}
			if _, err := e.svc.Lock(ctx, c, "officer:o1", "acc", store.LockDeceased, "x", "y"); code(err) != "lock_ground_automatic" {
				t.Errorf("automatic ground by hand: %v", err)
			}
			now := e.now
			for _, id := range []string{"s1", "s2"} {
				if err := e.st.CreateSession(ctx, store.Session{ID: id, TokenHash: []byte(id), AccountID: "acc", CreatedAt: now,
					ExpiresAt: now.Add(time.Hour), LastSeenAt: now}); err != nil {
					t.Fatal(err)
				}
			}
			for _, g := range []string{store.LockViolation, store.LockAuthority} {
				if _, err := e.svc.Lock(ctx, c, "officer:o1", "acc", g, "lý do", ""); code(err) != "lock_reason_required" {
					t.Errorf("%s without evidence: %v", g, err)
				}
			}
			if _, err := e.svc.Lock(ctx, c, "officer:o1", "nobody", store.LockSelf, "", ""); code(err) != "lock_account_not_found" {
				t.Errorf("missing account: %v", err)
			}
			self, err := e.svc.SelfLock(ctx, c, e.p, "mất điện thoại")
			if err != nil || e.state() != store.AccountLocked {
				t.Fatalf("self lock: %v, state %s", err, e.state())
			}
			viol, err := e.svc.Lock(ctx, c, "officer:admin", "acc", store.LockViolation, "Giao dịch trái phép", "Biên bản số 12/BB-C06")
			if err != nil {
				t.Fatal(err)
			}
			auth, err := e.svc.Lock(ctx, c, "officer:head", "acc", store.LockAuthority, "Yêu cầu của Cơ quan CSĐT", "Công văn 345/CSĐT")
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"s1", "s2"} {
				if se, _ := e.st.SessionByTokenHash(ctx, []byte(id)); se.RevokedAt.IsZero() {
					t.Errorf("session %s outlived the lock", id)
				}
			}
			if err := e.svc.Unlock(ctx, c, "officer:o1", "acc", self.ID, ""); code(err) != "lock_reason_required" {
				t.Errorf("unlock without a reason: %v", err)
			}
			for i, l := range []store.AccountLock{self, viol, auth} {
				if err := e.svc.Unlock(ctx, c, "officer:o1", "acc", l.ID, "đã xác minh"); err != nil {
					t.Fatalf("unlock %s: %v", l.Ground, err)
				}
				want := store.AccountLocked
				if i == 2 {
					want = store.AccountActive
				}
				if got := e.state(); got != want {
					t.Errorf("after lifting %s: state %s, want %s", l.Ground, got, want)
				}
			}
			if err := e.svc.Unlock(ctx, c, "officer:o1", "acc", self.ID, "again"); code(err) != "lock_already_lifted" {
				t.Errorf("lifting twice: %v", err)
			}
			if err := e.svc.Unlock(ctx, c, "officer:o1", "acc", "nope", "x"); code(err) != "lock_not_found" {
				t.Errorf("unknown lock: %v", err)
			}
			locks, _ := e.svc.Locks(ctx, account.Caller{}, "officer:o1", "acc")
			if ev, _ := e.st.AuditBySubject(ctx, holderID, 50); !hasAction(ev, "account.locks.read") {
				t.Error("reading the locks is not audited")
			}
			if len(locks) != 3 {
				t.Errorf("%d locks kept, want 3 (history)", len(locks))
			}
			out, _ := e.st.ListOutbox(ctx, store.OutboxFilter{Recipient: phone, Limit: 10})
			n := map[string]int{}
			for _, m := range out {
				n[m.Template]++
			}
			if n["account_locked"] != 3 || n["account_unlocked"] != 1 {
				t.Errorf("notices = %v; want 3 locked, 1 unlocked", n)
			}
			events, _ := e.st.AuditBySubject(ctx, holderID, 20)
			if len(events) < 6 {
				t.Errorf("%d audit events, want every lock and unlock", len(events))
			}
		})
	}
}

// TestRemoteLock: from another device, the holder locks with a code sent to
// the account's phone.
func TestRemoteLock(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	ctx := context.Background()
	if _, _, err := e.svc.StartRemoteLock(ctx, "079085000456"); code(err) != "lock_account_not_found" {
		t.Errorf("unknown ID: %v", err)
	}
	masked, _, err := e.svc.StartRemoteLock(ctx, holderID)
	if err != nil || masked == phone {
		t.Fatalf("start = %q, %v", masked, err)
	}
	out, _ := e.st.ListOutbox(ctx, store.OutboxFilter{Recipient: phone, Limit: 1})
	m := regexp.MustCompile(`\b\d{6}\b`).FindString(out[0].Body)
	if m == "" {
		t.Fatalf("no code in %q", out[0].Body)
	}
	wrong := "000000"
	if m == wrong {
		wrong = "111111"
	}
	if _, err := e.svc.ConfirmRemoteLock(ctx, account.Caller{}, holderID, wrong); code(err) != "otp_invalid" {
		t.Errorf("wrong code: %v", err)
	}
	if e.state() != store.AccountActive {
		t.Fatal("locked by a wrong code")
	}
	l, err := e.svc.ConfirmRemoteLock(ctx, account.Caller{}, holderID, m)
	if err != nil || l.Ground != store.LockSelf || e.state() != store.AccountLocked {
		t.Fatalf("confirm = %+v, %v", l, err)
	}
	if _, err := e.svc.ConfirmRemoteLock(ctx, account.Caller{}, holderID, m); code(err) != "otp_invalid" && code(err) != "otp_attempts_exceeded" {
		t.Errorf("code used twice: %v", err)
	}
}

// TestAutomaticGrounds: the population database's death and card
// revocation lock the account; the lock ends by itself with its ground and
// cannot be lifted by hand.
func TestAutomaticGrounds(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			ctx := context.Background()
			set := func(c registry.Citizen) {
				t.Helper()
				if err := e.st.UpsertCitizens(ctx, []registry.Citizen{c}); err != nil {
					t.Fatal(err)
				}
			}
			if changed, err := e.svc.Reconcile(ctx, "acc"); err != nil || changed {
				t.Fatalf("nothing to do: %v %v", changed, err)
			}
			set(citizen(registry.Alive, card("2021-06-10", registry.CardRevoked)))
			if changed, err := e.svc.Reconcile(ctx, "acc"); err != nil || !changed || e.state() != store.AccountLocked {
				t.Fatalf("card revoked: %v %v %s", changed, err, e.state())
			}
			if changed, _ := e.svc.Reconcile(ctx, "acc"); changed {
				t.Error("second reconcile changed something")
			}
			locks, _ := e.st.AccountLocks(ctx, "acc", true)
			if len(locks) != 1 || locks[0].Ground != store.LockCardRevoked || locks[0].By != "system" {
				t.Fatalf("locks = %+v", locks)
			}
			if err := e.svc.Unlock(ctx, account.Caller{}, "officer:o1", "acc", locks[0].ID, "xin mở"); code(err) != "lock_automatic" {
				t.Errorf("lifting an automatic lock by hand: %v", err)
			}
			// A new card ends the ground.
			set(citizen(registry.Alive, card("2021-06-10", registry.CardRevoked), card("2026-11-20", registry.CardValid)))
			if changed, err := e.svc.Reconcile(ctx, "acc"); err != nil || !changed || e.state() != store.AccountActive {
				t.Fatalf("new card: %v %v %s", changed, err, e.state())
			}
			// Death locks; a corrected record lifts it.
			set(citizen(registry.Deceased, card("2026-11-20", registry.CardValid)))
			if _, err := e.svc.Reconcile(ctx, "acc"); err != nil || e.state() != store.AccountLocked {
				t.Fatalf("deceased: %v %s", err, e.state())
			}
			// A holder's own lock stays when the automatic ground ends.
			if _, err := e.svc.Lock(ctx, account.Caller{}, "officer:o1", "acc", store.LockSelf, "", ""); err != nil {
				t.Fatal(err)
			}
			set(citizen(registry.Alive, card("2026-11-20", registry.CardValid)))
			if _, err := e.svc.Reconcile(ctx, "acc"); err != nil || e.state() != store.AccountLocked {
				t.Errorf("record corrected, self lock standing: %v %s", err, e.state())
			}
			if active, _ := e.st.AccountLocks(ctx, "acc", true); len(active) != 1 || active[0].Ground != store.LockSelf {
				t.Errorf("active locks = %+v", active)
			}
		})
	}
}

// TestSyncPopulation: changes in the population database reach the
// accounts through the change feed, from a stored cursor.
func TestSyncPopulation(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			ctx := context.Background()
			if n, err := e.svc.SyncPopulation(ctx); err != nil || n != 0 {
				t.Fatalf("first sync = %d, %v", n, err)
			}
			other := citizen(registry.Alive, card("2021-06-10", registry.CardRevoked))
			other.ID = "079085000456" // no account: skipped
			if err := e.st.UpsertCitizens(ctx, []registry.Citizen{other, citizen(registry.Deceased, card("2021-06-10", registry.CardValid))}); err != nil {
				t.Fatal(err)
			}
			if n, err := e.svc.SyncPopulation(ctx); err != nil || n != 1 || e.state() != store.AccountLocked {
				t.Fatalf("sync after a death = %d, %v, %s", n, err, e.state())
			}
			if n, _ := e.svc.SyncPopulation(ctx); n != 0 {
				t.Errorf("second sync changed %d accounts", n)
			}
			if err := e.st.UpsertCitizens(ctx, []registry.Citizen{citizen(registry.Alive, card("2021-06-10", registry.CardValid))}); err != nil {
				t.Fatal(err)
			}
			if n, err := e.svc.SyncPopulation(ctx); err != nil || n != 1 || e.state() != store.AccountActive {
				t.Errorf("sync after a correction = %d, %v, %s", n, err, e.state())
			}
		})
	}
}

// TestConcurrentLockAndLift: a new lock racing the lift of the last one
// never leaves the account active with a lock standing.
func TestConcurrentLockAndLift(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			ctx := context.Background()
			for round := range 10 {
				first, err := e.svc.Lock(ctx, account.Caller{}, "officer:o1", "acc", store.LockSelf, "", "")
				if err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				wg.Add(2)
				var second store.AccountLock
				go func() {
					defer wg.Done()
					if err := e.svc.Unlock(ctx, account.Caller{}, "officer:o1", "acc", first.ID, "xong"); err != nil {
						t.Error(err)
					}
				}()
				go func() {
					defer wg.Done()
					var err error
					if second, err = e.svc.Lock(ctx, account.Caller{}, "officer:o2", "acc", store.LockSelf, "", ""); err != nil {
						t.Error(err)
					}
				}()
				wg.Wait()
				if got := e.state(); got != store.AccountLocked {
					t.Fatalf("round %d: account %s with a lock standing", round, got)
				}
				if err := e.svc.Unlock(ctx, account.Caller{}, "officer:o1", "acc", second.ID, "xong"); err != nil {
					t.Fatal(err)
				}
				if got := e.state(); got != store.AccountActive {
					t.Fatalf("round %d: account %s with no lock", round, got)
				}
			}
		})
	}
}
