// Package locking provides account locking and unlocking on the grounds
// Decree 59/2022/NĐ-CP Art 19 names: the holder's own request (from the
// app, also from another device after an SMS code), a violation of the terms
// of use recorded by an administrator, the ID card's revocation and the
// holder's death (applied automatically from the population database, and
// lifted automatically when the ground ends), and the request of an
// authority. An account is locked while one of its locks is active; the
// state lives in the store, so a lock takes effect at once on every server
// instance: logins, presentations and releases to relying parties check it
// on every request. It knows nothing of HTTP or SQL.
package locking

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// Failures of the locking flows. Their codes are part of the API.
var (
	ErrGround = failure.New("lock_ground_invalid", failure.Invalid,
		"Căn cứ khóa tài khoản không hợp lệ.", "The ground for locking the account is not valid.")
	ErrReasonRequired = failure.New("lock_reason_required", failure.Invalid,
		"Cần ghi rõ lý do (và căn cứ, tài liệu chứng minh với vi phạm điều khoản sử dụng).",
		"A written reason is required (and the evidence, for a violation of the terms of use).")
	ErrLockNotFound = failure.New("lock_not_found", failure.NotFound,
		"Không tìm thấy yêu cầu khóa này.", "No such lock.")
	ErrLockLifted = failure.New("lock_already_lifted", failure.Conflict,
		"Khóa này đã được gỡ trước đó.", "This lock was already lifted.")
	ErrAutomatic = failure.New("lock_automatic", failure.Conflict,
		"Khóa theo căn cứ tự động (thẻ bị thu hồi, công dân đã mất) chỉ được gỡ khi căn cứ chấm dứt trong Cơ sở dữ liệu quốc gia về dân cư.",
		"An automatic lock (card revoked, holder deceased) is lifted only when its ground ends in the population database.")
	ErrAutomaticGround = failure.New("lock_ground_automatic", failure.Invalid,
		"Căn cứ thẻ bị thu hồi hoặc công dân đã mất được áp dụng tự động từ Cơ sở dữ liệu quốc gia về dân cư, không khóa bằng tay.",
		"The card-revoked and deceased grounds are applied from the population database, not by hand.")
	ErrAccountNotFound = failure.New("lock_account_not_found", failure.NotFound,
		"Không tìm thấy tài khoản định danh điện tử của số định danh cá nhân này.",
		"There is no e-ID account for this personal ID number.")
)

// Grounds returns every lock ground with its Vietnamese and English label.
func Grounds() [][3]string {
	return [][3]string{
		{store.LockSelf, "Theo yêu cầu của chủ tài khoản", "At the holder's request"},
		{store.LockViolation, "Vi phạm điều khoản sử dụng", "Violation of the terms of use"},
		{store.LockCardRevoked, "Thẻ căn cước bị thu hồi", "ID card revoked"},
		{store.LockDeceased, "Chủ tài khoản đã chết", "The holder has died"},
		{store.LockAuthority, "Theo yêu cầu của cơ quan tiến hành tố tụng, cơ quan có thẩm quyền hoặc bên sử dụng",
			"At the request of a prosecuting body, a competent authority or a relying party"},
	}
}

// GroundLabel returns the labels of a ground; ok is false for an unknown one.
func GroundLabel(ground string) (vi, en string, ok bool) {
	for _, g := range Grounds() {
		if g[0] == ground {
			return g[1], g[2], true
		}
	}
	return "", "", false
}

func automatic(ground string) bool {
	return ground == store.LockCardRevoked || ground == store.LockDeceased
}

// Codes sends and checks SMS codes (package account).
type Codes interface {
	SendCode(ctx context.Context, purpose, subject, phone, auditSubject string) (string, time.Time, error)
	CheckCode(ctx context.Context, purpose, subject, code string) error
}

// Options are the Service's collaborators.
type Options struct {
	Store store.Store
	// Population is the population database and Feed its change feed;
	// both default to Store (the built-in registry).
	Population registry.Population
	Feed       registry.ChangeFeed
	Codes      Codes
	Now        func() time.Time
	Logger     *slog.Logger
	// OutboxWritten is called after a commit that enqueued notifications.
	OutboxWritten func()
	// Location is the zone of the calendar day (UTC+7).
	Location *time.Location
	// Calendar turns working days into the deadline of authorities'
	// requests (*workday.Calendar is one); nil counts calendar days.
	Calendar Calendar
}

// Calendar turns working days into deadlines.
type Calendar interface {
	AddWorkingDays(from time.Time, n int) time.Time
}

// Service locks and unlocks accounts.
type Service struct {
	store      store.Store
	population registry.Population
	feed       registry.ChangeFeed
	codes      Codes
	now        func() time.Time
	log        *slog.Logger
	wake       func()
	loc        *time.Location
	cal        Calendar
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Codes == nil {
		return nil, errors.New("locking: store and codes are required")
	}
	if o.Population == nil {
		o.Population = o.Store
	}
	if o.Feed == nil {
		o.Feed = o.Store
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.OutboxWritten == nil {
		o.OutboxWritten = func() {}
	}
	if o.Location == nil {
		o.Location = time.FixedZone("ICT", 7*3600)
	}
	return &Service{store: o.Store, population: o.Population, feed: o.Feed, codes: o.Codes, now: o.Now, log: o.Logger,
		wake: o.OutboxWritten, loc: o.Location, cal: o.Calendar}, nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func audit(ctx context.Context, q store.Queries, c account.Caller, at time.Time, actor, action, subject string, detail map[string]any) error {
	b, _ := json.Marshal(detail)
	return q.AppendAudit(ctx, store.AuditEvent{At: at, Actor: actor, Action: action, Subject: subject, Purpose: "account_lock",
		RequestID: c.RequestID, Detail: string(b)})
}

// Lock locks an account on a ground, recorded with who asked and why. The
// account stops working at once: its state changes in the same transaction,
// its presentations and relying-party tokens are revoked, and the holder is
// told by SMS and in the app's inbox.
func (s *Service) Lock(ctx context.Context, c account.Caller, by, accountID, ground, reason, evidence string) (store.AccountLock, error) {
	if _, _, ok := GroundLabel(ground); !ok {
		return store.AccountLock{}, ErrGround.WithFields("ground")
	}
	if automatic(ground) {
		return store.AccountLock{}, ErrAutomaticGround.WithFields("ground")
	}
	reason, evidence = strings.TrimSpace(reason), strings.TrimSpace(evidence)
	if len(reason) > 2000 || len(evidence) > 2000 || !utf8.ValidString(reason) || !utf8.ValidString(evidence) || (ground == store.LockViolation || ground == store.LockAuthority) && (reason == "" || evidence == "") {
		return store.AccountLock{}, ErrReasonRequired.WithFields("reason", "evidence")
	}
	var l store.AccountLock
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		l, err = s.lock(ctx, q, c, by, accountID, ground, reason, evidence)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.AccountLock{}, ErrAccountNotFound
	}
	if err != nil {
		return store.AccountLock{}, failure.Unexpected(err)
	}
	s.wake()
	return l, nil
}

func (s *Service) lock(ctx context.Context, q store.Queries, c account.Caller, by, accountID, ground, reason, evidence string) (store.AccountLock, error) {
	now := s.now()
	acc, err := q.Account(ctx, accountID)
	if err != nil {
		return store.AccountLock{}, err
	}
	l := store.AccountLock{ID: newID(), AccountID: accountID, Ground: ground, State: store.LockActive, By: by, Reason: reason,
		Evidence: evidence, CreatedAt: now}
	// The account row is written first: its row lock orders this
	// transaction with a concurrent lift, which could otherwise read the
	// active locks before this one commits and mark the account active.
	if err := q.SetAccountState(ctx, accountID, store.AccountLocked, now); err != nil {
		return store.AccountLock{}, err
	}
	if err := q.AddLock(ctx, l); err != nil {
		return store.AccountLock{}, err
	}
	// Sessions end for good: unlocking later must not bring back a session
	// of a stolen phone.
	if _, err := q.RevokeAccountSessions(ctx, accountID, now); err != nil {
		return store.AccountLock{}, err
	}
	if _, err := q.RevokePresentations(ctx, accountID, ""); err != nil {
		return store.AccountLock{}, err
	}
	if _, err := q.RevokeSSOTokens(ctx, store.SSOTokenFilter{AccountID: accountID}, now); err != nil {
		return store.AccountLock{}, err
	}
	vi, en, _ := GroundLabel(ground)
	if ground != store.LockDeceased {
		if _, err := q.EnqueueOutbox(ctx, notify.AccountLockedMessage(acc.Phone, vi, now)); err != nil {
			return store.AccountLock{}, err
		}
		if _, err := q.AddInbox(ctx, store.InboxMessage{AccountID: accountID, Kind: "account_locked", CreatedAt: now,
			TitleVI: "Tài khoản đã bị khóa", TitleEN: "Account locked",
			BodyVI: "Tài khoản định danh điện tử của bạn đã bị khóa. Lý do: " + vi + ".",
			BodyEN: "Your e-ID account was locked. Ground: " + en + "."}); err != nil {
			return store.AccountLock{}, err
		}
	}
	return l, audit(ctx, q, c, now, by, "account.locked", acc.IDNumber, map[string]any{"lock": l.ID, "ground": ground})
}

// Unlock lifts one lock with a written reason. The account works again when
// no other lock stands. Automatic locks are lifted only by Reconcile, when
// their ground ends.
func (s *Service) Unlock(ctx context.Context, c account.Caller, by, accountID, lockID, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		return ErrReasonRequired.WithFields("reason")
	}
	locks, err := s.store.AccountLocks(ctx, accountID, false)
	if err != nil {
		return failure.Unexpected(err)
	}
	var target *store.AccountLock
	for i := range locks {
		if locks[i].ID == lockID {
			target = &locks[i]
		}
	}
	switch {
	case target == nil:
		return ErrLockNotFound
	case target.State != store.LockActive:
		return ErrLockLifted
	case automatic(target.Ground):
		return ErrAutomatic
	}
	err = s.store.InTx(ctx, func(q store.Queries) error { return s.lift(ctx, q, c, by, *target, reason) })
	if errors.Is(err, store.ErrConflict) {
		return ErrLockLifted
	}
	if err != nil {
		return failure.Unexpected(err)
	}
	s.wake()
	return nil
}

func (s *Service) lift(ctx context.Context, q store.Queries, c account.Caller, by string, l store.AccountLock, reason string) error {
	now := s.now()
	// Take the account row's lock before reading the active locks (see
	// lock): the account is still locked at this point.
	if err := q.SetAccountState(ctx, l.AccountID, store.AccountLocked, now); err != nil {
		return err
	}
	if err := q.LiftLock(ctx, l.ID, by, reason, now); err != nil {
		return err
	}
	acc, err := q.Account(ctx, l.AccountID)
	if err != nil {
		return err
	}
	left, err := q.AccountLocks(ctx, l.AccountID, true)
	if err != nil {
		return err
	}
	if len(left) == 0 {
		if err := q.SetAccountState(ctx, l.AccountID, store.AccountActive, now); err != nil {
			return err
		}
		if _, err := q.EnqueueOutbox(ctx, notify.AccountUnlockedMessage(acc.Phone, now)); err != nil {
			return err
		}
		if _, err := q.AddInbox(ctx, store.InboxMessage{AccountID: l.AccountID, Kind: "account_unlocked", CreatedAt: now,
			TitleVI: "Tài khoản đã được mở khóa", TitleEN: "Account unlocked",
			BodyVI: "Tài khoản định danh điện tử của bạn đã được mở khóa.", BodyEN: "Your e-ID account was unlocked."}); err != nil {
			return err
		}
	}
	return audit(ctx, q, c, now, by, "account.unlocked", acc.IDNumber, map[string]any{"lock": l.ID, "ground": l.Ground,
		"still_locked": len(left) > 0})
}

// Locks lists an account's locks, newest first, for actor; the read is
// audited (the reasons and evidence are personal data).
func (s *Service) Locks(ctx context.Context, c account.Caller, actor, accountID string) ([]store.AccountLock, error) {
	acc, err := s.store.Account(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrAccountNotFound
	}
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	l, err := s.store.AccountLocks(ctx, accountID, false)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		return audit(ctx, q, c, s.now(), actor, "account.locks.read", acc.IDNumber, map[string]any{"locks": len(l)})
	})
	return l, failure.Unexpected(err)
}

// SelfLock is the holder locking their own account from the logged-in app.
func (s *Service) SelfLock(ctx context.Context, c account.Caller, p account.Principal, reason string) (store.AccountLock, error) {
	return s.Lock(ctx, c, "account:"+p.Account.ID, p.Account.ID, store.LockSelf, reason, "")
}

// codePurpose is the SMS-code purpose of a lock asked from another device.
const codePurpose = "account_lock"

// StartRemoteLock is the first step of locking from another device (the
// holder's phone is lost or stolen): a code goes to the account's phone
// number. It returns the masked number and the code's expiry.
func (s *Service) StartRemoteLock(ctx context.Context, idNumber string) (string, time.Time, error) {
	acc, err := s.store.AccountByIDNumber(ctx, strings.TrimSpace(idNumber))
	if errors.Is(err, store.ErrNotFound) {
		return "", time.Time{}, ErrAccountNotFound
	}
	if err != nil {
		return "", time.Time{}, failure.Unexpected(err)
	}
	return s.codes.SendCode(ctx, codePurpose, acc.ID, acc.Phone, acc.IDNumber)
}

// ConfirmRemoteLock locks the account once the code sent by StartRemoteLock
// is right.
func (s *Service) ConfirmRemoteLock(ctx context.Context, c account.Caller, idNumber, code string) (store.AccountLock, error) {
	acc, err := s.store.AccountByIDNumber(ctx, strings.TrimSpace(idNumber))
	if errors.Is(err, store.ErrNotFound) {
		return store.AccountLock{}, ErrAccountNotFound
	}
	if err != nil {
		return store.AccountLock{}, failure.Unexpected(err)
	}
	if err := s.codes.CheckCode(ctx, codePurpose, acc.ID, code); err != nil {
		return store.AccountLock{}, err
	}
	return s.Lock(ctx, c, "account:"+acc.ID, acc.ID, store.LockSelf, "Khóa từ thiết bị khác / locked from another device", "")
}

// Reconcile applies the automatic grounds from the population database to
// one account: a deceased holder or a revoked ID card with no valid card
// locks it; the lock is lifted automatically when the ground ends (a new
// card, a corrected record). It returns whether anything changed.
func (s *Service) Reconcile(ctx context.Context, accountID string) (bool, error) {
	acc, err := s.store.Account(ctx, accountID)
	if err != nil {
		return false, failure.Unexpected(err)
	}
	cit, err := s.population.Citizen(ctx, acc.IDNumber)
	if errors.Is(err, registry.ErrNotFound) {
		s.log.Warn("account without a population record; no automatic ground applied", "account", accountID)
		return false, nil
	}
	if err != nil {
		return false, failure.Unexpected(err)
	}
	today := identity.DateOf(s.now().In(s.loc))
	want := map[string]bool{store.LockDeceased: cit.LifeStatus == registry.Deceased}
	_, valid := cit.CurrentCard(today)
	latest, hasCard := cit.LatestCard()
	want[store.LockCardRevoked] = !valid && hasCard && latest.Status == registry.CardRevoked && !want[store.LockDeceased]
	locks, err := s.store.AccountLocks(ctx, accountID, true)
	if err != nil {
		return false, failure.Unexpected(err)
	}
	active := map[string]store.AccountLock{}
	for _, l := range locks {
		if automatic(l.Ground) {
			active[l.Ground] = l
		}
	}
	changed := false
	for _, ground := range []string{store.LockDeceased, store.LockCardRevoked} {
		l, has := active[ground]
		switch {
		case want[ground] && !has:
			err = s.store.InTx(ctx, func(q store.Queries) error {
				_, err := s.lock(ctx, q, account.Caller{}, "system", accountID, ground, "Cơ sở dữ liệu quốc gia về dân cư", "")
				return err
			})
		case !want[ground] && has:
			err = s.store.InTx(ctx, func(q store.Queries) error {
				return s.lift(ctx, q, account.Caller{}, "system", l, "Căn cứ khóa đã chấm dứt / the ground ended")
			})
		default:
			continue
		}
		if errors.Is(err, store.ErrConflict) {
			continue // another instance did it
		}
		if err != nil {
			return changed, failure.Unexpected(err)
		}
		changed = true
	}
	if changed {
		s.wake()
	}
	return changed, nil
}

// SyncCursor names the stored cursor of the population feed's consumer.
const SyncCursor = "population-accounts"

// SyncPopulation applies the population database's changes since the last
// run to the accounts of the citizens concerned (Decree 59 Art 10): a
// revoked card or a death locks, a new card or a corrected record unlocks.
// It returns how many accounts changed. Several instances may run it: the
// cursor never moves back, and Reconcile is idempotent.
func (s *Service) SyncPopulation(ctx context.Context) (int, error) {
	after, err := s.store.SyncCursor(ctx, SyncCursor)
	if err != nil {
		return 0, fmt.Errorf("population sync: %w", err)
	}
	changed := 0
	for {
		batch, err := s.feed.CitizenChanges(ctx, after, 500)
		if err != nil {
			return changed, fmt.Errorf("population sync: %w", err)
		}
		if len(batch) == 0 {
			return changed, nil
		}
		for _, c := range batch {
			n, err := s.ReconcileCitizen(ctx, c.ID)
			if err != nil {
				return changed, err
			}
			if n {
				changed++
			}
			after = c.Seq
		}
		if err := s.store.SetSyncCursor(ctx, SyncCursor, after); err != nil {
			return changed, fmt.Errorf("population sync: %w", err)
		}
	}
}

// ReconcileCitizen reconciles the account of a personal ID number, if it has
// one.
func (s *Service) ReconcileCitizen(ctx context.Context, idNumber string) (bool, error) {
	acc, err := s.store.AccountByIDNumber(ctx, idNumber)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, failure.Unexpected(err)
	}
	return s.Reconcile(ctx, acc.ID)
}
