package console

import (
	"errors"
	"net/http"
	"sort"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/store"
)

// errNotLockDesk refuses the authorities' lock requests to an officer who
// neither receives them (desk) nor decides them (unit head).
var errNotLockDesk = failure.New("console_not_lock_desk", failure.Forbidden,
	"Tài khoản của bạn không có quyền tiếp nhận hoặc quyết định yêu cầu khóa, mở khóa tài khoản.",
	"Your account may neither receive nor decide requests to lock or unlock accounts.")

// Flash outcomes of the lock requests' page.
const (
	flashLockReceived = "lockreceived"
	flashLockApproved = "lockapproved"
	flashLockRefused  = "lockrefused"
)

// mayLock reports whether the officer may use the lock requests' page.
func mayLock(s session) bool {
	return s.Has(officer.RoleDesk) || s.Has(officer.RoleUnitHead)
}

// lockPage serves a lock requests' route: not found when the console has no
// locking service, refused to officers who are neither desk officers nor
// unit heads.
func (h *Handler) lockPage(next officerPage) http.HandlerFunc {
	guarded := h.signedIn("", func(w http.ResponseWriter, r *http.Request, s session) {
		if !mayLock(s) {
			h.fail(w, r, &s, errNotLockDesk)
			return
		}
		next(w, r, s)
	})
	return func(w http.ResponseWriter, r *http.Request) {
		if h.locking == nil {
			h.fail(w, r, nil, errPageNotFound)
			return
		}
		guarded(w, r)
	}
}

// lockOfficer is the officer as the locking rules see them.
func lockOfficer(s session) locking.Officer {
	return locking.Officer{ID: s.ID, Unit: s.Scope.UnitID, Head: s.Has(officer.RoleUnitHead)}
}

func (h *Handler) lockCaller(r *http.Request) account.Caller {
	return account.Caller{IP: h.clientIP(r)}
}

// locks lists the unit's lock and unlock requests with the form to record
// a new one.
func (h *Handler) locks(w http.ResponseWriter, r *http.Request, s session) {
	h.showLocks(w, r, s, http.StatusOK, lockForm{Kind: store.LockRequestLock}, nil)
}

// showLocks renders the lock requests' page with the new request form's
// state and an error, if any.
func (h *Handler) showLocks(w http.ResponseWriter, r *http.Request, s session, status int, form lockForm, problem *text) {
	list, err := h.locking.Requests(r.Context(), h.lockCaller(r), lockOfficer(s), "")
	if err != nil {
		h.fail(w, r, &s, err)
		return
	}
	// Pending first, by deadline (the service's order); decided after.
	sort.SliceStable(list, func(i, j int) bool {
		return list[i].State == store.LockRequestPending && list[j].State != store.LockRequestPending
	})
	now := h.now()
	page := locksPage{layout: h.layout(s, text{"Yêu cầu khóa, mở khóa tài khoản", "Requests to lock or unlock accounts"}),
		Head: s.Has(officer.RoleUnitHead), Form: form}
	page.Flash = h.takeFlash(w, r, s)
	page.Error = problem
	for _, q := range list {
		row := lockRow{ID: q.ID, IDNumber: q.IDNumber, Kind: lockKind(q.Kind), Requester: q.Requester, Reference: q.Reference,
			Contact: q.Contact, Reason: q.Reason, Received: h.when(q.CreatedAt), Deadline: h.when(q.DeadlineAt),
			Pending: q.State == store.LockRequestPending, State: lockState(q.State), Decision: q.Decision}
		row.Overdue = row.Pending && now.After(q.DeadlineAt)
		if !row.Pending {
			row.Decided = h.when(q.DecidedAt)
		}
		page.Rows = append(page.Rows, row)
	}
	h.render(w, r, status, "locks", page)
}

// receiveLock records an authority's request at the officer's unit; an
// invalid request or an unknown ID number shows the page again with the
// message and what was entered.
func (h *Handler) receiveLock(w http.ResponseWriter, r *http.Request, s session) {
	f := r.PostForm
	form := lockForm{IDNumber: f.Get("id_number"), Kind: f.Get("kind"), Requester: f.Get("requester"),
		Reference: f.Get("reference"), Contact: f.Get("contact"), Reason: f.Get("reason")}
	req, err := h.locking.ReceiveRequest(r.Context(), h.lockCaller(r), lockOfficer(s), locking.NewRequest{IDNumber: form.IDNumber,
		Kind: form.Kind, Requester: form.Requester, Reference: form.Reference, Contact: form.Contact, Reason: form.Reason})
	if fl := failure.As(err); fl != nil && (fl.Kind == failure.Invalid || fl.Kind == failure.NotFound) {
		h.showLocks(w, r, s, statusOf(fl.Kind), form, &text{fl.VI, fl.EN})
		return
	}
	if err != nil {
		h.fail(w, r, &s, err)
		return
	}
	h.setFlash(w, s, flashLockReceived, req.ID)
	http.Redirect(w, r, Prefix+"locks", http.StatusSeeOther)
}

// decideLock is the unit head's decision on a request; a refusal without a
// reason shows the page again with the message.
func (h *Handler) decideLock(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := dossierID(r)
	if !ok {
		h.fail(w, r, &s, locking.ErrRequestNotFound)
		return
	}
	var approve bool
	switch r.PostForm.Get("action") {
	case "approve":
		approve = true
	case "refuse":
	default:
		h.fail(w, r, &s, errBadForm)
		return
	}
	got, err := h.locking.DecideRequest(r.Context(), h.lockCaller(r), lockOfficer(s), id, approve, r.PostForm.Get("decision"))
	if errors.Is(err, locking.ErrRefusalReason) {
		fl := failure.As(err)
		h.showLocks(w, r, s, statusOf(fl.Kind), lockForm{Kind: store.LockRequestLock}, &text{fl.VI, fl.EN})
		return
	}
	if err != nil {
		h.fail(w, r, &s, err)
		return
	}
	outcome := flashLockApproved
	if got.State == store.LockRequestRefused {
		outcome = flashLockRefused
	}
	h.setFlash(w, s, outcome, got.ID)
	http.Redirect(w, r, Prefix+"locks", http.StatusSeeOther)
}

// lockFlash is the text of a lock requests' flash outcome, or nil.
func lockFlash(outcome, id string) *text {
	switch outcome {
	case flashLockReceived:
		return &text{"Đã tiếp nhận yêu cầu " + id + ". Thủ trưởng đơn vị quyết định trong 2 ngày làm việc.",
			"Request " + id + " recorded. The head of the unit decides it within 2 working days."}
	case flashLockApproved:
		return &text{"Đã chấp thuận yêu cầu " + id + ".", "Request " + id + " approved."}
	case flashLockRefused:
		return &text{"Đã từ chối yêu cầu " + id + ".", "Request " + id + " refused."}
	}
	return nil
}

type locksPage struct {
	layout
	// Head says whether the officer decides the unit's requests.
	Head bool
	Rows []lockRow
	Form lockForm
}

// lockForm is what the officer entered in the new request form.
type lockForm struct {
	IDNumber, Kind, Requester, Reference, Contact, Reason string
}

type lockRow struct {
	ID, IDNumber                          string
	Kind, State                           text
	Requester, Reference, Contact, Reason string
	Received, Deadline, Decided, Decision string
	Pending, Overdue                      bool
}

func lockKind(kind string) text {
	if kind == store.LockRequestUnlock {
		return text{"Mở khóa", "Unlock"}
	}
	return text{"Khóa", "Lock"}
}

func lockState(state string) text {
	switch state {
	case store.LockRequestPending:
		return text{"Chờ quyết định", "Pending"}
	case store.LockRequestApproved:
		return text{"Đã chấp thuận", "Approved"}
	case store.LockRequestRefused:
		return text{"Đã từ chối", "Refused"}
	}
	return text{state, state}
}
