package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/store"
)

// maxDossier bounds a level-1 dossier: chip files, a selfie, base64.
const maxDossier = 8 << 20

func (s *Server) eidCaller(r *http.Request) eid.Caller {
	return eid.Caller{IP: s.clientIP(r), RequestID: requestID(r.Context())}
}

// NFC reading notes shown before "Tôi đã hiểu".
func nfcNotes() map[string][]string {
	return map[string][]string{
		"vi": {
			"Tháo ốp lưng điện thoại nếu ốp dày hoặc có kim loại.",
			"Đặt thẻ Căn cước công dân gắn chip vào vị trí ăng-ten NFC của điện thoại và giữ yên đến khi đọc xong.",
			"Chuẩn bị chụp ảnh chân dung: đủ sáng, không đeo kính, không đội mũ.",
		},
		"en": {
			"Remove a thick or metal phone case.",
			"Hold the chip ID card against the phone's NFC antenna and keep it still until reading ends.",
			"Get ready for the portrait: good light, no glasses, no hat.",
		},
	}
}

func (s *Server) startLevel1(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, err := s.eid.StartLevel1(r.Context(), s.eidCaller(r), p)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"application_id": st.ApplicationID,
		"challenge": base64.StdEncoding.EncodeToString(st.Challenge), "expires_at": st.ExpiresAt.UTC(),
		"notes": nfcNotes(), "next_step": "read_chip"})
}

type dossierJSON struct {
	QR          string            `json:"qr"`
	Files       map[string]string `json:"files"`
	AASignature string            `json:"aa_signature"`
	Selfie      string            `json:"selfie"`
}

func b64(field, s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, eid.ErrEvidenceInvalid.WithFields(field)
	}
	return b, nil
}

func (s *Server) submitLevel1(w http.ResponseWriter, r *http.Request, p account.Principal) {
	var req dossierJSON
	if err := decodeLimit(w, r, &req, maxDossier); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	d := eid.Dossier{QR: req.QR, Files: map[string][]byte{}}
	var err error
	for name, v := range req.Files {
		if d.Files[name], err = b64("files."+name, v); err != nil {
			writeError(w, r, s.log, err)
			return
		}
	}
	if d.AASignature, err = b64("aa_signature", req.AASignature); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if d.Selfie, err = b64("selfie", req.Selfie); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	res, err := s.eid.SubmitLevel1(r.Context(), s.eidCaller(r), p, r.PathValue("id"), d)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	next := "wait_for_review"
	if res.State == store.AppApproved {
		next = "activate"
	}
	// The app learns each check's outcome, not scores or details, which
	// would help tune a fake face; reviewers see everything.
	checks := make([]map[string]any, 0, len(res.Report.Checks))
	for _, c := range res.Report.Checks {
		item := map[string]any{"name": c.Name, "status": string(c.Status)}
		if len(c.Fields) > 0 {
			item["fields"] = c.Fields
		}
		checks = append(checks, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"application_id": res.ApplicationID, "state": string(res.State),
		"deadline_at": res.DeadlineAt.UTC(), "checks": checks, "next_step": next})
}

func applicationView(a *store.Application) map[string]any {
	if a == nil {
		return nil
	}
	out := map[string]any{"id": a.ID, "level": a.Level, "channel": a.Channel, "state": string(a.State),
		"submitted_at": a.SubmittedAt.UTC(), "deadline_at": a.DeadlineAt.UTC()}
	if !a.DecidedAt.IsZero() {
		out["decided_at"] = a.DecidedAt.UTC()
	}
	if a.State == store.AppRejected {
		out["reason_code"] = a.ReasonCode
		out["reason_text"] = a.ReasonText
	}
	return out
}

func (s *Server) eidStatus(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, err := s.eid.AccountStatus(r.Context(), p.Account.ID)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := map[string]any{"state": string(st.EID.State), "level": st.EID.Level, "pending_level": st.EID.PendingLevel,
		"application": applicationView(st.Application)}
	if !st.EID.ActivationDue.IsZero() {
		out["activation_due"] = st.EID.ActivationDue.UTC()
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) activate(w http.ResponseWriter, r *http.Request, p account.Principal) {
	level, err := s.eid.Activate(r.Context(), s.eidCaller(r), p.Account.ID)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"state": string(store.EIDActive), "level": level})
}

func (s *Server) notifications(w http.ResponseWriter, r *http.Request, p account.Principal) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	l, err := s.eid.Inbox(r.Context(), p.Account.ID, limit)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	items := make([]map[string]any, 0, len(l))
	for _, m := range l {
		item := map[string]any{"id": m.ID, "kind": m.Kind, "title": map[string]string{"vi": m.TitleVI, "en": m.TitleEN},
			"body": map[string]string{"vi": m.BodyVI, "en": m.BodyEN}, "created_at": m.CreatedAt.UTC(), "read": !m.ReadAt.IsZero()}
		items = append(items, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": items})
}

func (s *Server) readNotification(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, r, s.log, eid.ErrNoticeNotFound)
		return
	}
	if err := s.eid.MarkRead(r.Context(), p.Account.ID, id); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// --- officers and administration ---

func (s *Server) officerLogin(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Code     string `json:"code"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.limiter.Allow(r.Context(), officerLoginRule(), s.clientIP(r)); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	sess, err := s.officers.Login(r.Context(), req.Username, req.Password, req.Code)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": sess.Token, "token_type": "Bearer",
		"expires_at": sess.ExpiresAt.UTC(), "roles": sess.Principal.Roles, "unit": sess.Principal.Scope.UnitID,
		"area": sess.Principal.Scope.Area, "nationwide": sess.Principal.Scope.Nationwide})
}

// officerPrincipal authenticates the officer bearer token of a request, or
// answers the failure and reports false.
func (s *Server) officerPrincipal(w http.ResponseWriter, r *http.Request) (officer.Principal, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || s.officers == nil {
		writeError(w, r, s.log, officer.ErrUnauthenticated)
		return officer.Principal{}, false
	}
	p, err := s.officers.Authenticate(r.Context(), strings.TrimSpace(token))
	if err != nil {
		writeError(w, r, s.log, err)
		return officer.Principal{}, false
	}
	return p, true
}

// admin requires an officer bearer token with the admin role, of the
// ministry's unit (nationwide).
func (s *Server) admin(h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.officerPrincipal(w, r)
		if !ok {
			return
		}
		// The admin routes act on the whole country (the trust list, the
		// outbox, any citizen's activation): a ministry-level administrator.
		if !p.Has("admin") || !p.Scope.Nationwide {
			writeError(w, r, s.log, eid.ErrForbidden)
			return
		}
		h(w, r, "officer:"+p.ID)
	}
}

func trustView(e store.TrustEntry) map[string]any {
	return map[string]any{"id": e.ID, "kind": string(e.Kind), "country": e.Country, "subject": e.Subject,
		"serial": e.Serial, "not_before": e.NotBefore.UTC(), "not_after": e.NotAfter.UTC(), "source": e.Source,
		"added_at": e.AddedAt.UTC()}
}

func (s *Server) listTrust(w http.ResponseWriter, r *http.Request, actor string) {
	l, err := s.trust.List(r.Context())
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := make([]map[string]any, 0, len(l))
	for _, e := range l {
		out = append(out, trustView(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

func (s *Server) addTrust(w http.ResponseWriter, r *http.Request, actor string) {
	var req struct {
		Kind   string `json:"kind"` // "csca", "crl", "master_list"
		DER    string `json:"der"`  // base64
		Source string `json:"source"`
		// SignerCA (base64 DER), for a master list: the CSCA that issued
		// the list's signer; without it the signer must chain to a CSCA
		// already trusted.
		SignerCA string `json:"signer_ca"`
	}
	if err := decodeLimit(w, r, &req, maxDossier); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	der, err := base64.StdEncoding.DecodeString(req.DER)
	if err != nil {
		writeError(w, r, s.log, errBadJSON.WithFields("der"))
		return
	}
	source := "api:" + req.Source
	var res struct {
		Added, Known int
		Entries      []store.TrustEntry
	}
	switch req.Kind {
	case "csca":
		x, e := s.trust.AddCertificate(r.Context(), actor, source, der)
		res.Added, res.Known, res.Entries, err = x.Added, x.Known, x.Entries, e
	case "crl":
		x, e := s.trust.AddCRL(r.Context(), actor, source, der)
		res.Added, res.Known, res.Entries, err = x.Added, x.Known, x.Entries, e
	case "master_list":
		var ca []byte
		if req.SignerCA != "" {
			if ca, err = base64.StdEncoding.DecodeString(req.SignerCA); err != nil {
				writeError(w, r, s.log, errBadJSON.WithFields("signer_ca"))
				return
			}
		}
		x, e := s.trust.ImportMasterList(r.Context(), actor, source, der, ca)
		res.Added, res.Known, res.Entries, err = x.Added, x.Known, x.Entries, e
	default:
		err = errBadJSON.WithFields("kind")
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := make([]map[string]any, 0, len(res.Entries))
	for _, e := range res.Entries {
		out = append(out, trustView(e))
	}
	writeJSON(w, http.StatusCreated, map[string]any{"added": res.Added, "known": res.Known, "entries": out})
}

func (s *Server) removeTrust(w http.ResponseWriter, r *http.Request, actor string) {
	if err := s.trust.Remove(r.Context(), actor, r.PathValue("id")); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func outboxView(m store.OutboxMessage) map[string]any {
	out := map[string]any{"id": m.ID, "channel": m.Channel, "template": m.Template, "status": string(m.Status),
		"attempts": m.Attempts, "created_at": m.CreatedAt.UTC(), "next_attempt_at": m.NextAttemptAt.UTC(),
		"last_error": m.LastError}
	if !m.DeliveredAt.IsZero() {
		out["delivered_at"] = m.DeliveredAt.UTC()
	}
	return out
}

var errOutboxNotFound = failure.New("outbox_message_not_found", failure.NotFound, "Không tìm thấy tin nhắn.", "The message does not exist.")
var errOutboxNotDead = failure.New("outbox_message_not_dead", failure.Conflict,
	"Chỉ gửi lại được tin nhắn đã thất bại hẳn.", "Only messages that failed for good can be replayed.")

// listOutbox shows delivery state per message, without recipients or
// bodies.
func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request, actor string) {
	f := store.OutboxFilter{Status: store.OutboxStatus(r.URL.Query().Get("status")), Limit: 200}
	switch f.Status {
	case "", store.OutboxPending, store.OutboxDelivered, store.OutboxDead:
	default:
		writeError(w, r, s.log, errBadJSON.WithFields("status"))
		return
	}
	l, err := s.store.ListOutbox(r.Context(), f)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := make([]map[string]any, 0, len(l))
	for _, m := range l {
		out = append(out, outboxView(m))
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out})
}

func (s *Server) replayOutbox(w http.ResponseWriter, r *http.Request, actor string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, r, s.log, errOutboxNotFound)
		return
	}
	if _, err := s.store.OutboxMessage(r.Context(), id); errors.Is(err, store.ErrNotFound) {
		writeError(w, r, s.log, errOutboxNotFound)
		return
	} else if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	err = notify.Replay(r.Context(), s.store, id, actor, requestID(r.Context()), time.Now())
	if errors.Is(err, store.ErrConflict) {
		writeError(w, r, s.log, errOutboxNotDead)
		return
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if s.wake != nil {
		s.wake()
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) reopenActivation(w http.ResponseWriter, r *http.Request, actor string) {
	var req struct {
		IDNumber string `json:"id_number"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	due, err := s.eid.Reopen(r.Context(), s.eidCaller(r), actor, strings.TrimSpace(req.IDNumber))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"state": string(store.EIDApproved), "activation_due": due.UTC()})
}

// officerLoginRule limits console sign-in attempts per client address.
func officerLoginRule() ratelimit.Rule {
	return ratelimit.Rule{Name: "officer-login-ip", Limit: 20, Window: 15 * time.Minute}
}
