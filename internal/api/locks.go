package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/store"
)

// lockRemoteRule limits remote-lock codes asked from one address.
func lockRemoteRule() ratelimit.Rule {
	return ratelimit.Rule{Name: "lock-remote-ip", Limit: 20, Window: time.Hour}
}

// lockRemotePerIDRule limits remote-lock codes asked for one personal ID
// number, from any address (the daily cap of codes per phone applies too).
func lockRemotePerIDRule() ratelimit.Rule {
	return ratelimit.Rule{Name: "lock-remote-id", Limit: 5, Window: time.Hour}
}

// lockRemoteConfirmRule limits remote-lock codes tried from one address;
// wrong codes count against the ID number under the account service's
// otp-fail-id.
func lockRemoteConfirmRule() ratelimit.Rule {
	return ratelimit.Rule{Name: "lock-remote-confirm-ip", Limit: 60, Window: time.Hour}
}

// withLocking answers not_found when the server runs without locking.
func (s *Server) withLocking(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.locking == nil {
			writeError(w, r, s.log, errNotFound)
			return
		}
		h(w, r)
	}
}

func lockView(l store.AccountLock) map[string]any {
	vi, en, _ := locking.GroundLabel(l.Ground)
	v := map[string]any{"id": l.ID, "ground": l.Ground, "ground_vi": vi, "ground_en": en, "state": l.State,
		"locked_by": l.By, "reason": l.Reason, "evidence": l.Evidence, "created_at": l.CreatedAt.UTC()}
	if !l.LiftedAt.IsZero() {
		v["lifted_at"], v["lifted_by"], v["lift_reason"] = l.LiftedAt.UTC(), l.LiftedBy, l.LiftReason
	}
	return v
}

// selfLock: the holder locks their own account from the logged-in app.
func (s *Server) selfLock(w http.ResponseWriter, r *http.Request, p account.Principal) {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	l, err := s.locking.SelfLock(r.Context(), s.caller(r), p, req.Reason)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, lockView(l))
}

// remoteLock: from another device, a code goes to the account's phone.
func (s *Server) remoteLock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDNumber string `json:"id_number"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.limiter.Allow(r.Context(), lockRemoteRule(), s.clientIP(r)); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	id := strings.TrimSpace(req.IDNumber)
	if err := s.limiter.Allow(r.Context(), lockRemotePerIDRule(), id); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	masked, exp, err := s.locking.StartRemoteLock(r.Context(), id)
	if errors.Is(err, locking.ErrAccountNotFound) && s.accounts != nil {
		// No account enumeration: an unknown ID number is answered as a
		// known one, and nothing is sent.
		var sent account.CodeSent
		sent, err = s.accounts.DecoyCodeSent(r.Context(), "account_lock", id, "", s.accounts.Config().OTPTTL)
		masked, exp = sent.MaskedPhone, sent.ExpiresAt
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if s.wake != nil {
		s.wake()
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"phone_masked": masked, "expires_at": exp.UTC()})
}

func (s *Server) confirmRemoteLock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDNumber string `json:"id_number"`
		Code     string `json:"code"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.limiter.Allow(r.Context(), lockRemoteConfirmRule(), s.clientIP(r)); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	id := strings.TrimSpace(req.IDNumber)
	var fail ratelimit.Rule
	if s.accounts != nil {
		fail = s.accounts.Config().OTPFailPerID
	}
	if err := s.limiter.Blocked(r.Context(), fail, id); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	l, err := s.locking.ConfirmRemoteLock(r.Context(), s.caller(r), id, req.Code)
	if errors.Is(err, locking.ErrAccountNotFound) {
		// As a known number that was sent no code.
		err = account.ErrOTPInvalid.WithFields("code")
	}
	if f := failure.As(err); f != nil && (f.Code == account.ErrOTPInvalid.Code || f.Code == account.ErrOTPAttempts.Code) {
		if ferr := s.limiter.Fail(r.Context(), fail, id); ferr != nil {
			s.log.Warn("counting a wrong remote-lock code failed", "err", ferr)
		}
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, lockView(l))
}

// adminAccount resolves the account of the personal ID number in the path.
func (s *Server) adminAccount(w http.ResponseWriter, r *http.Request) (store.Account, bool) {
	a, err := s.store.AccountByIDNumber(r.Context(), r.PathValue("id_number"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, r, s.log, locking.ErrAccountNotFound)
		return a, false
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return a, false
	}
	return a, true
}

func (s *Server) listLocks(w http.ResponseWriter, r *http.Request, actor string) {
	a, ok := s.adminAccount(w, r)
	if !ok {
		return
	}
	l, err := s.locking.Locks(r.Context(), s.caller(r), actor, a.ID)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := make([]map[string]any, 0, len(l))
	for _, x := range l {
		out = append(out, lockView(x))
	}
	writeJSON(w, http.StatusOK, map[string]any{"state": a.State, "locks": out})
}

func (s *Server) addLock(w http.ResponseWriter, r *http.Request, actor string) {
	var req struct {
		Ground   string `json:"ground"`
		Reason   string `json:"reason"`
		Evidence string `json:"evidence"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	a, ok := s.adminAccount(w, r)
	if !ok {
		return
	}
	l, err := s.locking.Lock(r.Context(), s.caller(r), actor, a.ID, req.Ground, req.Reason, req.Evidence)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, lockView(l))
}

func (s *Server) liftLock(w http.ResponseWriter, r *http.Request, actor string) {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	a, ok := s.adminAccount(w, r)
	if !ok {
		return
	}
	if err := s.locking.Unlock(r.Context(), s.caller(r), actor, a.ID, r.PathValue("lock"), req.Reason); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) reconcileLocks(w http.ResponseWriter, r *http.Request, actor string) {
	a, ok := s.adminAccount(w, r)
	if !ok {
		return
	}
	changed, err := s.locking.Reconcile(r.Context(), a.ID)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"changed": changed})
}
