package api

import (
	"net/http"

	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/store"
)

// unitOfficer requires an officer bearer token with one of the roles and
// passes the officer as the locking service sees them: their unit, and
// whether they head it.
func (s *Server) unitOfficer(h func(http.ResponseWriter, *http.Request, locking.Officer), roles ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.officerPrincipal(w, r)
		if !ok {
			return
		}
		allowed := false
		for _, role := range roles {
			allowed = allowed || p.Has(role)
		}
		if !allowed || p.Scope.UnitID == "" {
			writeError(w, r, s.log, locking.ErrNotUnitHead)
			return
		}
		h(w, r, locking.Officer{ID: p.ID, Unit: p.Scope.UnitID, Head: p.Has(officer.RoleUnitHead)})
	}
}

func lockRequestView(q store.LockRequest) map[string]any {
	v := map[string]any{"id": q.ID, "id_number": q.IDNumber, "kind": q.Kind, "requester": q.Requester, "reference": q.Reference,
		"contact": q.Contact, "reason": q.Reason, "unit": q.Unit, "received_by": q.ReceivedBy, "state": q.State,
		"created_at": q.CreatedAt.UTC(), "deadline_at": q.DeadlineAt.UTC()}
	if !q.DecidedAt.IsZero() {
		v["decided_at"], v["decided_by"], v["decision"], v["lock_id"] = q.DecidedAt.UTC(), q.DecidedBy, q.Decision, q.LockID
	}
	return v
}

// receiveLockRequest: a desk officer or the unit head records an
// authority's request at their unit.
func (s *Server) receiveLockRequest(w http.ResponseWriter, r *http.Request, o locking.Officer) {
	var req struct {
		IDNumber  string `json:"id_number"`
		Kind      string `json:"kind"`
		Requester string `json:"requester"`
		Reference string `json:"reference"`
		Contact   string `json:"contact"`
		Reason    string `json:"reason"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	q, err := s.locking.ReceiveRequest(r.Context(), s.caller(r), o, locking.NewRequest{IDNumber: req.IDNumber, Kind: req.Kind,
		Requester: req.Requester, Reference: req.Reference, Contact: req.Contact, Reason: req.Reason})
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, lockRequestView(q))
}

func (s *Server) listLockRequests(w http.ResponseWriter, r *http.Request, o locking.Officer) {
	l, err := s.locking.Requests(r.Context(), s.caller(r), o, r.URL.Query().Get("state"))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := make([]map[string]any, 0, len(l))
	for _, q := range l {
		out = append(out, lockRequestView(q))
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": out})
}

// decideLockRequest: the unit head approves or refuses (with a reason).
func (s *Server) decideLockRequest(w http.ResponseWriter, r *http.Request, o locking.Officer) {
	var req struct {
		Approve  bool   `json:"approve"`
		Decision string `json:"decision"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	q, err := s.locking.DecideRequest(r.Context(), s.caller(r), o, r.PathValue("id"), req.Approve, req.Decision)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, lockRequestView(q))
}
