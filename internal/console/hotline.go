package console

import (
	"net/http"
	"strconv"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/store"
)

// hotlinePage is the hotline-assisted unlock (Decree 59 Art 19): the
// officer finds the account by ID number, asks the holder the verification
// questions and enters the answers; the holder's own locks are lifted when
// enough are right.
type hotlinePage struct {
	layout
	IDNumber string
	// Found: the account was found and the questions are shown.
	Found     bool
	State     text
	Locks     []hotlineLock
	Questions []locking.Question
	Reason    string
	// Result is the outcome of an unlock that succeeded.
	Result *text
}

type hotlineLock struct {
	Ground        text
	Self          bool
	Since, Reason string
}

// hotline shows the form for the ID number.
func (h *Handler) hotline(w http.ResponseWriter, r *http.Request, s session) {
	h.render(w, r, http.StatusOK, "hotline", h.newHotlinePage(s))
}

func (h *Handler) newHotlinePage(s session) hotlinePage {
	return hotlinePage{layout: h.layout(s, text{"Mở khóa qua tổng đài", "Hotline-assisted unlock"})}
}

// showHotline renders the account's state, its active locks and the
// questions; a failure that concerns the entry is shown on the page.
func (h *Handler) showHotline(w http.ResponseWriter, r *http.Request, s session, status int, idNumber string, problem *text, result *text) {
	page := h.newHotlinePage(s)
	page.IDNumber = idNumber
	page.Error, page.Result = problem, result
	fail := func(err error) {
		if fl := failure.As(err); fl != nil && (fl.Kind == failure.NotFound || fl.Kind == failure.Invalid) {
			page.Error = &text{fl.VI, fl.EN}
			h.render(w, r, statusOf(fl.Kind), "hotline", page)
			return
		}
		h.fail(w, r, &s, err)
	}
	acc, err := h.locking.AccountByIDNumber(r.Context(), idNumber)
	if err != nil {
		fail(err)
		return
	}
	qs, err := h.locking.HotlineQuestions(r.Context(), idNumber)
	if err != nil {
		fail(err)
		return
	}
	locks, err := h.locking.Locks(r.Context(), h.lockCaller(r), "officer:"+s.ID, acc.ID)
	if err != nil {
		h.fail(w, r, &s, err)
		return
	}
	page.Found, page.Questions, page.IDNumber = true, qs, acc.IDNumber
	page.State = text{"Đang hoạt động", "Active"}
	if acc.State == store.AccountLocked {
		page.State = text{"Đang bị khóa", "Locked"}
	} else if acc.State != store.AccountActive {
		page.State = text{string(acc.State), string(acc.State)}
	}
	for _, l := range locks {
		if l.State != store.LockActive {
			continue
		}
		vi, en, _ := locking.GroundLabel(l.Ground)
		page.Locks = append(page.Locks, hotlineLock{Ground: text{vi, en}, Self: l.Ground == store.LockSelf,
			Since: h.when(l.CreatedAt), Reason: l.Reason})
	}
	h.render(w, r, status, "hotline", page)
}

// hotlineQuestions shows the account and the questions to ask.
func (h *Handler) hotlineQuestions(w http.ResponseWriter, r *http.Request, s session) {
	h.showHotline(w, r, s, http.StatusOK, r.PostForm.Get("id_number"), nil, nil)
}

// hotlineUnlock checks the answers and lifts the holder's own locks.
func (h *Handler) hotlineUnlock(w http.ResponseWriter, r *http.Request, s session) {
	f := r.PostForm
	idNumber := f.Get("id_number")
	answers := map[string]string{}
	for _, q := range []string{locking.QuestionDateOfBirth, locking.QuestionPlaceOfOrigin, locking.QuestionCommune, locking.QuestionCardIssued} {
		answers[q] = f.Get("answer_" + q)
	}
	n, err := h.locking.HotlineUnlock(r.Context(), h.lockCaller(r), lockOfficer(s), idNumber, answers, f.Get("reason"))
	if fl := failure.As(err); fl != nil && fl.Kind != failure.Internal {
		h.showHotline(w, r, s, statusOfFailure(fl), idNumber, &text{fl.VI, fl.EN}, nil)
		return
	}
	if err != nil {
		h.fail(w, r, &s, err)
		return
	}
	h.showHotline(w, r, s, http.StatusOK, idNumber, nil, &text{
		"Đã xác minh và gỡ " + strconv.Itoa(n) + " khóa theo yêu cầu của chủ tài khoản. Khóa tự động, khóa do vi phạm hoặc theo yêu cầu của cơ quan có thẩm quyền (nếu có) vẫn giữ nguyên.",
		"Verified: " + strconv.Itoa(n) + " lock(s) made at the holder's request lifted. Automatic locks, and locks for a violation or at an authority's request, if any, stay."})
}
