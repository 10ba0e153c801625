package locking

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/store"
)

// Failures of authorities' requests.
var (
	ErrRequestInvalid = failure.New("lock_request_invalid", failure.Invalid,
		"Yêu cầu khóa, mở khóa phải ghi rõ loại yêu cầu, cơ quan yêu cầu, số văn bản và lý do.",
		"A lock or unlock request needs its kind, the requesting body, its document reference and the reason.")
	ErrRequestNotFound = failure.New("lock_request_not_found", failure.NotFound,
		"Không tìm thấy yêu cầu khóa, mở khóa.", "No such lock or unlock request.")
	ErrRequestDecided = failure.New("lock_request_decided", failure.Conflict,
		"Yêu cầu này đã được quyết định.", "This request was already decided.")
	ErrNotUnitHead = failure.New("lock_request_not_unit_head", failure.Forbidden,
		"Chỉ thủ trưởng đơn vị tiếp nhận yêu cầu được quyết định.", "Only the head of the unit that received the request decides it.")
	ErrRefusalReason = failure.New("lock_request_refusal_reason", failure.Invalid,
		"Từ chối yêu cầu phải nêu rõ lý do bằng văn bản.", "A refusal must give the reason in writing.")
	ErrNoAuthorityLock = failure.New("lock_request_nothing_to_unlock", failure.Conflict,
		"Tài khoản không bị khóa theo yêu cầu của cơ quan có thẩm quyền.", "The account has no lock made at an authority's request.")
)

// Officer is the police officer acting on a request: their unit and
// whether they head it.
type Officer struct {
	ID   string
	Unit string
	Head bool
}

// NewRequest is an authority's request as the receiving officer records it.
type NewRequest struct {
	IDNumber string
	Kind     string // store.LockRequestLock or store.LockRequestUnlock
	// Requester names the body; Reference its document; Contact an email
	// address for the answer (optional).
	Requester, Reference, Contact, Reason string
}

// ReceiveRequest records an authority's request at the officer's unit. The
// head of the unit decides it within RequestDeadline working days.
func (s *Service) ReceiveRequest(ctx context.Context, c account.Caller, o Officer, r NewRequest) (store.LockRequest, error) {
	r.Requester, r.Reference, r.Reason = strings.TrimSpace(r.Requester), strings.TrimSpace(r.Reference), strings.TrimSpace(r.Reason)
	r.Contact = strings.TrimSpace(r.Contact)
	if (r.Kind != store.LockRequestLock && r.Kind != store.LockRequestUnlock) || r.Requester == "" || r.Reference == "" ||
		r.Reason == "" || len(r.Requester)+len(r.Reference)+len(r.Reason) > 4000 || o.Unit == "" {
		return store.LockRequest{}, ErrRequestInvalid
	}
	if r.Contact != "" {
		if _, err := mail.ParseAddress(r.Contact); err != nil || len(r.Contact) > 254 {
			return store.LockRequest{}, ErrRequestInvalid.WithFields("contact")
		}
	}
	acc, err := s.store.AccountByIDNumber(ctx, strings.TrimSpace(r.IDNumber))
	if errors.Is(err, store.ErrNotFound) {
		return store.LockRequest{}, ErrAccountNotFound
	}
	if err != nil {
		return store.LockRequest{}, failure.Unexpected(err)
	}
	now := s.now()
	req := store.LockRequest{ID: newID(), AccountID: acc.ID, IDNumber: acc.IDNumber, Kind: r.Kind, Requester: r.Requester,
		Reference: r.Reference, Contact: r.Contact, Reason: r.Reason, Unit: o.Unit, ReceivedBy: "officer:" + o.ID,
		State: store.LockRequestPending, CreatedAt: now, DeadlineAt: s.deadline(now)}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateLockRequest(ctx, req); err != nil {
			return err
		}
		return audit(ctx, q, c, now, "officer:"+o.ID, "account.lock_request.received", acc.IDNumber,
			map[string]any{"request": req.ID, "kind": req.Kind, "requester": req.Requester})
	})
	return req, failure.Unexpected(err)
}

// deadline is RequestDeadline working days after t.
func (s *Service) deadline(t time.Time) time.Time {
	if s.cal == nil {
		return t.Add(2 * 24 * time.Hour)
	}
	return s.cal.AddWorkingDays(t, RequestDeadline)
}

// RequestDeadline is how many working days the head of the unit has to
// decide an authority's request.
const RequestDeadline = 2

// Requests lists the requests received by the officer's unit in a state
// ("" for every state), earliest deadline first; the read is audited.
func (s *Service) Requests(ctx context.Context, c account.Caller, o Officer, state string) ([]store.LockRequest, error) {
	if o.Unit == "" {
		return nil, ErrNotUnitHead
	}
	l, err := s.store.ListLockRequests(ctx, o.Unit, state, 200)
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	// The list names citizens: every read is audited, one event per citizen.
	err = s.store.InTx(ctx, func(q store.Queries) error {
		for _, r := range l {
			if err := audit(ctx, q, c, s.now(), "officer:"+o.ID, "account.lock_request.read", r.IDNumber,
				map[string]any{"request": r.ID, "unit": o.Unit}); err != nil {
				return err
			}
		}
		return nil
	})
	return l, failure.Unexpected(err)
}

// DecideRequest is the unit head's decision. Approving a lock request locks
// the account on the authority ground; approving an unlock request lifts
// the account's authority locks; a refusal needs a written reason. The
// holder is told in the app (and by SMS when locked), the requester by email
// when it gave an address.
func (s *Service) DecideRequest(ctx context.Context, c account.Caller, o Officer, id string, approve bool, decision string) (store.LockRequest, error) {
	decision = strings.TrimSpace(decision)
	if !approve && decision == "" || len(decision) > 2000 {
		return store.LockRequest{}, ErrRefusalReason.WithFields("decision")
	}
	r, err := s.store.LockRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && r.Unit != o.Unit {
		return store.LockRequest{}, ErrRequestNotFound
	}
	if err != nil {
		return store.LockRequest{}, failure.Unexpected(err)
	}
	if !o.Head {
		return store.LockRequest{}, ErrNotUnitHead
	}
	if r.State != store.LockRequestPending {
		return store.LockRequest{}, ErrRequestDecided
	}
	by := "officer:" + o.ID
	now := s.now()
	err = s.store.InTx(ctx, func(q store.Queries) error {
		state, lockID := store.LockRequestRefused, ""
		if approve {
			state = store.LockRequestApproved
			switch r.Kind {
			case store.LockRequestLock:
				l, err := s.lock(ctx, q, c, by, r.AccountID, store.LockAuthority, r.Reason, r.Requester+" — "+r.Reference)
				if err != nil {
					return err
				}
				lockID = l.ID
			case store.LockRequestUnlock:
				locks, err := q.AccountLocks(ctx, r.AccountID, true)
				if err != nil {
					return err
				}
				var ids []string
				for _, l := range locks {
					if l.Ground == store.LockAuthority {
						if err := s.lift(ctx, q, c, by, l, "Theo yêu cầu "+r.Requester+" — "+r.Reference); err != nil {
							return err
						}
						ids = append(ids, l.ID)
					}
				}
				if len(ids) == 0 {
					return ErrNoAuthorityLock
				}
				lockID = strings.Join(ids, ",")
			}
		}
		if err := q.DecideLockRequest(ctx, r.ID, state, by, decision, lockID, now); err != nil {
			return err
		}
		r.State, r.DecidedBy, r.Decision, r.LockID, r.DecidedAt = state, by, decision, lockID, now
		kindVI, kindEN := "khóa", "lock"
		if r.Kind == store.LockRequestUnlock {
			kindVI, kindEN = "mở khóa", "unlock"
		}
		outcomeVI, outcomeEN := "được chấp thuận", "was approved"
		if !approve {
			outcomeVI, outcomeEN = "bị từ chối. Lý do: "+decision, "was refused. Reason: "+decision
		}
		if _, err := q.AddInbox(ctx, store.InboxMessage{AccountID: r.AccountID, Kind: "lock_request_decided", CreatedAt: now,
			TitleVI: "Yêu cầu " + kindVI + " tài khoản của cơ quan có thẩm quyền", TitleEN: "An authority's request to " + kindEN + " your account",
			BodyVI: "Yêu cầu " + kindVI + " tài khoản của " + r.Requester + " (" + r.Reference + ") " + outcomeVI + ".",
			BodyEN: "The request of " + r.Requester + " (" + r.Reference + ") to " + kindEN + " your account " + outcomeEN + "."}); err != nil {
			return err
		}
		if r.Contact != "" {
			m := store.OutboxMessage{Channel: notify.Email, Recipient: r.Contact, Template: "lock_request_decided", CreatedAt: now,
				Body: "Yêu cầu " + kindVI + " tài khoản định danh điện tử theo văn bản " + r.Reference + " " + outcomeVI + ".\n\n---\n" +
					"The request to " + kindEN + " an e-ID account (" + r.Reference + ") " + outcomeEN + "."}
			if _, err := q.EnqueueOutbox(ctx, m); err != nil {
				return err
			}
		}
		return audit(ctx, q, c, now, by, "account.lock_request.decided", r.IDNumber,
			map[string]any{"request": r.ID, "kind": r.Kind, "state": state, "overdue": now.After(r.DeadlineAt)})
	})
	if errors.Is(err, store.ErrConflict) {
		return store.LockRequest{}, ErrRequestDecided
	}
	if err != nil {
		return store.LockRequest{}, failure.Unexpected(err)
	}
	s.wake()
	return r, nil
}
