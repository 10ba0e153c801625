package console

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/officer"
)

// session is a signed-in officer with the CSRF token of their session.
type session struct {
	officer.Principal
	CSRF string
}

// reviewer is the officer as the e-ID rules see them (reviewing or at the
// desk).
func (s session) reviewer() eid.Reviewer {
	return eid.Reviewer{ID: s.ID, FullName: s.FullName, Roles: s.Roles, Scope: s.Scope}
}

// home is the first page of an officer: the review queue for reviewers,
// the desk for desk officers. Officers with neither role land on the queue,
// which tells them what they lack.
func home(p officer.Principal) string {
	if !p.Has(officer.RoleReviewer) && p.Has(officer.RoleDesk) {
		return Prefix + "desk"
	}
	return Prefix + "queue"
}

// roleFailure is the refusal shown to an officer who lacks role.
func roleFailure(role string) error {
	if role == officer.RoleDesk {
		return errNotDesk
	}
	return errNotReviewer
}

// caller identifies the request for the audit log.
func (h *Handler) caller(r *http.Request) eid.Caller {
	return eid.Caller{IP: h.clientIP(r)}
}

// officerPage handles a request of a signed-in officer.
type officerPage func(w http.ResponseWriter, r *http.Request, s session)

// signedIn resolves the session cookie, refuses officers without role (when
// role is set) and POSTs that are cross-site or lack the session's CSRF
// token in a url-encoded body, then calls next. A missing or ended session
// goes to the login page.
func (h *Handler) signedIn(role string, next officerPage) http.HandlerFunc {
	return h.guard(role, parseForm, next)
}

// uploading is signedIn for forms that send files: the body must be
// multipart/form-data of at most maxUploadBytes, and the CSRF token is one
// of its fields. Nothing is read from the body of an officer without role.
func (h *Handler) uploading(role string, next officerPage) http.HandlerFunc {
	return h.guard(role, parseUpload, func(w http.ResponseWriter, r *http.Request, s session) {
		defer func() {
			if r.MultipartForm != nil {
				_ = r.MultipartForm.RemoveAll()
			}
		}()
		next(w, r, s)
	})
}

// guard is signedIn with the body parser of the route.
func (h *Handler) guard(role string, parse func(http.ResponseWriter, *http.Request) error, next officerPage) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			h.toLogin(w, r, "")
			return
		}
		p, err := h.officers.Authenticate(r.Context(), c.Value)
		if err != nil {
			if f := failure.As(err); f != nil && f.Kind == failure.Unauthenticated {
				h.setCookie(w, sessionCookie, "", -1)
				h.toLogin(w, r, "expired")
				return
			}
			h.fail(w, r, nil, err)
			return
		}
		s := session{Principal: p, CSRF: h.csrfToken(p.SessionID)}
		if role != "" && !p.Has(role) {
			h.fail(w, r, &s, roleFailure(role))
			return
		}
		if r.Method == http.MethodPost {
			if err := h.origin.Check(r); err != nil {
				h.fail(w, r, &s, errCSRF.WithCause(err))
				return
			}
			if err := parse(w, r); err != nil {
				h.fail(w, r, &s, err)
				return
			}
			if !sameMAC(s.CSRF, r.PostForm.Get("csrf")) {
				h.fail(w, r, &s, errCSRF)
				return
			}
		}
		next(w, r, s)
	}
}

// toLogin redirects to the login page, saying why when note is set.
func (h *Handler) toLogin(w http.ResponseWriter, r *http.Request, note string) {
	target := Prefix + "login"
	if note != "" {
		target += "?note=" + url.QueryEscape(note)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// root sends a signed-in officer to their first page and anyone else to
// the login page.
func (h *Handler) root(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if p, err := h.officers.Authenticate(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, home(p), http.StatusSeeOther)
			return
		}
	}
	h.toLogin(w, r, "")
}

// loginForm shows the sign-in form, or sends an officer who is already
// signed in to their first page.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if p, err := h.officers.Authenticate(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, home(p), http.StatusSeeOther)
			return
		}
	}
	var notice *text
	switch r.URL.Query().Get("note") {
	case "expired":
		notice = &text{officer.ErrUnauthenticated.VI, officer.ErrUnauthenticated.EN}
	case "signed_out":
		notice = &text{"Bạn đã đăng xuất.", "You have signed out."}
	}
	h.renderLogin(w, r, http.StatusOK, "", notice, nil)
}

// renderLogin shows the login form with a fresh nonce and CSRF token.
func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, username string, notice, problem *text) {
	nonce, err := randomToken(18)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	h.setCookie(w, loginCookie, nonce, int(loginTTL.Seconds()))
	h.render(w, r, status, "login", loginPage{
		layout:   layout{Title: text{"Đăng nhập", "Sign in"}, CSRF: h.loginToken(nonce), Flash: notice, Error: problem},
		Username: username,
	})
}

// login signs an officer in with username, password and TOTP code.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if err := h.origin.Check(r); err != nil {
		h.loginFailed(w, r, "", errCSRF.WithCause(err))
		return
	}
	if err := parseForm(w, r); err != nil {
		h.loginFailed(w, r, "", err)
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	if len(username) > 64 {
		username = ""
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" || !sameMAC(h.loginToken(c.Value), r.PostForm.Get("csrf")) {
		h.loginFailed(w, r, username, errCSRF)
		return
	}
	if h.allowLogin != nil {
		if err := h.allowLogin(r.Context(), h.clientIP(r)); err != nil {
			h.loginFailed(w, r, username, err)
			return
		}
	}
	sess, err := h.officers.Login(r.Context(), username, r.PostForm.Get("password"), r.PostForm.Get("code"))
	if err != nil {
		h.loginFailed(w, r, username, err)
		return
	}
	h.setCookie(w, loginCookie, "", -1)
	h.setCookie(w, sessionCookie, sess.Token, 0)
	http.Redirect(w, r, home(sess.Principal), http.StatusSeeOther)
}

// loginFailed shows the login form again with the failure's message; an
// unexpected error is logged and shown as an internal failure.
func (h *Handler) loginFailed(w http.ResponseWriter, r *http.Request, username string, err error) {
	f := h.failureOf(r, nil, err)
	h.renderLogin(w, r, statusOfFailure(f), username, nil, &text{f.VI, f.EN})
}

// logout ends the session.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s session) {
	if err := h.officers.Logout(r.Context(), s.Principal); err != nil {
		h.fail(w, r, &s, err)
		return
	}
	h.setCookie(w, sessionCookie, "", -1)
	h.setCookie(w, flashCookie, "", -1)
	h.toLogin(w, r, "signed_out")
}

// queue lists the dossiers waiting in the officer's units.
func (h *Handler) queue(w http.ResponseWriter, r *http.Request, s session) {
	items, err := h.eid.Queue(r.Context(), h.caller(r), s.reviewer(), queueLimit)
	if err != nil {
		h.fail(w, r, &s, err)
		return
	}
	page := queuePage{layout: h.layout(s, text{"Hồ sơ chờ xét duyệt", "Dossiers waiting for review"})}
	page.Flash = h.takeFlash(w, r, s)
	for _, it := range items {
		a := it.Application
		page.Rows = append(page.Rows, queueRow{ID: a.ID, IDNumber: a.IDNumber, FullName: it.FullName,
			Kind: applicationKind(a), Submitted: h.when(a.SubmittedAt), Deadline: h.when(a.DeadlineAt), Overdue: it.Overdue})
	}
	h.render(w, r, http.StatusOK, "queue", page)
}

// dossierID returns the dossier ID of the path, or false when it cannot be
// one.
func dossierID(r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if id == "" || len(id) > 64 {
		return "", false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return "", false
		}
	}
	return id, true
}

// dossier shows one dossier's evidence (an audited read).
func (h *Handler) dossier(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := dossierID(r)
	if !ok {
		h.fail(w, r, &s, eid.ErrApplicationNotFound)
		return
	}
	h.showDossier(w, r, s, id, http.StatusOK, rejectForm{})
}

// showDossier opens a dossier and renders it with the reject form's state.
func (h *Handler) showDossier(w http.ResponseWriter, r *http.Request, s session, id string, status int, form rejectForm) {
	v, err := h.eid.Dossier(r.Context(), h.caller(r), s.reviewer(), id)
	if err != nil {
		h.fail(w, r, &s, err)
		return
	}
	page := h.dossierPage(s, v)
	page.Reject = form
	h.render(w, r, status, "dossier", page)
}

// approve records "Đạt" on a dossier.
func (h *Handler) approve(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := dossierID(r)
	if !ok {
		h.fail(w, r, &s, eid.ErrApplicationNotFound)
		return
	}
	if err := h.eid.Approve(r.Context(), h.caller(r), s.reviewer(), id); err != nil {
		h.fail(w, r, &s, err)
		return
	}
	h.setFlash(w, s, flashApproved, id)
	http.Redirect(w, r, Prefix+"queue", http.StatusSeeOther)
}

// reject refuses a dossier with a reason code and an explanation; a
// missing reason shows the dossier again with the message.
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := dossierID(r)
	if !ok {
		h.fail(w, r, &s, eid.ErrApplicationNotFound)
		return
	}
	code, explanation := r.PostForm.Get("reason_code"), r.PostForm.Get("reason_text")
	err := h.eid.Reject(r.Context(), h.caller(r), s.reviewer(), id, code, explanation)
	if errors.Is(err, eid.ErrReasonRequired) {
		f := failure.As(err)
		h.showDossier(w, r, s, id, http.StatusBadRequest,
			rejectForm{Code: code, Text: explanation, Error: &text{f.VI, f.EN}})
		return
	}
	if err != nil {
		h.fail(w, r, &s, err)
		return
	}
	h.setFlash(w, s, flashRejected, id)
	http.Redirect(w, r, Prefix+"queue", http.StatusSeeOther)
}

// Flash outcomes.
const (
	flashApproved = "approved"
	flashRejected = "rejected"
	// The desk's steps.
	flashOpened    = "opened"
	flashPortrait  = "portrait"
	flashFingers   = "fingers"
	flashCodeSent  = "codesent" // followed by "-" and the code's expiry (Unix seconds)
	flashConsent   = "consent"
	flashSubmitted = "submitted"
)

// setFlash remembers a decision's outcome for the next page, bound to the
// session so that it cannot be planted from elsewhere.
func (h *Handler) setFlash(w http.ResponseWriter, s session, outcome, id string) {
	h.setCookie(w, flashCookie, outcome+"."+id+"."+h.mac("flash", s.SessionID, outcome, id), 0)
}

// takeFlash returns the remembered outcome, if any, and forgets it.
func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request, s session) *text {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	h.setCookie(w, flashCookie, "", -1)
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 || !sameMAC(h.mac("flash", s.SessionID, parts[0], parts[1]), parts[2]) {
		return nil
	}
	outcome, arg, _ := strings.Cut(parts[0], "-")
	switch id := parts[1]; outcome {
	case flashApproved:
		return &text{"Đã phê duyệt hồ sơ " + id + ".", "Dossier " + id + " approved."}
	case flashRejected:
		return &text{"Đã từ chối hồ sơ " + id + ".", "Dossier " + id + " rejected."}
	case flashOpened:
		return &text{"Đã mở hồ sơ " + id + ". Thực hiện lần lượt các bước dưới đây.",
			"Application " + id + " opened. Take the steps below in turn."}
	case flashPortrait:
		return &text{"Đã lưu ảnh chân dung.", "The portrait is saved."}
	case flashFingers:
		return &text{"Đã lưu và đối chiếu vân tay.", "The fingerprints are saved and compared."}
	case flashCodeSent:
		t := text{"Đã gửi mã xác nhận tới điện thoại của công dân.", "The confirmation code was sent to the citizen's phone."}
		if sec, err := strconv.ParseInt(arg, 10, 64); err == nil {
			at := time.Unix(sec, 0).In(h.loc).Format("15:04")
			t.VI += " Mã có hiệu lực đến " + at + "."
			t.EN += " It is valid until " + at + "."
		}
		return &t
	case flashConsent:
		return &text{"Đã ghi nhận xác nhận đồng ý của công dân.", "The citizen's consent is recorded."}
	case flashSubmitted:
		return &text{"Đã nộp hồ sơ " + id + " để xét duyệt.", "Application " + id + " submitted for review."}
	}
	return lockFlash(outcome, parts[1])
}

// failureOf returns err as a user-facing failure, logging what an operator
// must see. Internal error text is logged, never shown.
func (h *Handler) failureOf(r *http.Request, s *session, err error) *failure.Error {
	f := failure.As(err)
	if f == nil {
		f = errInternal.WithCause(err)
	}
	attrs := []any{"route", r.Pattern, "code", f.Code}
	if s != nil {
		attrs = append(attrs, "officer", s.ID)
	}
	switch f.Kind {
	case failure.Internal, failure.Unavailable:
		if f.Cause != nil {
			attrs = append(attrs, "err", f.Cause.Error())
		}
		h.log.ErrorContext(r.Context(), "console request failed", attrs...)
	case failure.Forbidden:
		h.log.WarnContext(r.Context(), "console request refused", attrs...)
	}
	return f
}

// fail shows a failure as a page with its status; an ended session goes
// to the login page instead.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	h.showFailure(w, r, s, h.failureOf(r, s, err))
}

// showFailure shows a failure already logged by failureOf.
func (h *Handler) showFailure(w http.ResponseWriter, r *http.Request, s *session, f *failure.Error) {
	if f.Kind == failure.Unauthenticated {
		h.setCookie(w, sessionCookie, "", -1)
		h.toLogin(w, r, "expired")
		return
	}
	page := errorPage{layout: layout{Title: text{"Không thực hiện được", "Something went wrong"}},
		Status: statusOfFailure(f), Code: f.Code, Message: text{f.VI, f.EN}}
	if s != nil {
		page.layout = h.layout(*s, page.Title)
		page.Reviewer = s.Has(officer.RoleReviewer)
		page.Desk = s.Has(officer.RoleDesk)
		page.Locks = h.locking != nil && mayLock(*s)
	}
	h.render(w, r, page.Status, "error", page)
}

// render executes a page into a buffer, so that a template error never
// sends half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		h.log.ErrorContext(r.Context(), "console render failed", "page", name, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(errInternal.VI + "\n" + errInternal.EN + "\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
