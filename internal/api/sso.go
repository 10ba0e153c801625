package api

import (
	"net/http"
	"strconv"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/sso"
)

// withSSO answers not_found when the server runs without the provider.
func (s *Server) withSSO(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.sso == nil {
			writeError(w, r, s.log, errNotFound)
			return
		}
		h(w, r)
	}
}

// --- the citizen's side of "log in with VNeID" ---

// approveQR: the app scanned a web sign-in QR code and the citizen
// confirmed with the password.
func (s *Server) approveQR(w http.ResponseWriter, r *http.Request, p account.Principal) {
	var req struct {
		Payload  string `json:"payload"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	a, err := s.sso.ApproveQR(r.Context(), s.caller(r), p, req.Payload, req.Password)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"approved": true, "client_id": a.Client.ID,
		"client_name": map[string]string{"vi": a.Client.Name, "en": a.Client.NameEN}, "claims": a.Claims, "level": a.Level})
}

func (s *Server) usage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	l, err := s.sso.ListUsage(r.Context(), p.Account.ID, before, limit)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"records": l})
}

func (s *Server) consents(w http.ResponseWriter, r *http.Request, p account.Principal) {
	l, err := s.sso.ListConsents(r.Context(), p.Account.ID)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"consents": l})
}

func (s *Server) revokeConsent(w http.ResponseWriter, r *http.Request, p account.Principal) {
	if err := s.sso.RevokeConsent(r.Context(), s.clientIP(r), p.Account.ID, r.PathValue("client")); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// --- relying-party administration ---

func rpView(c *sso.Client) map[string]any {
	return map[string]any{"client_id": c.ID, "registration": c.Registration, "disabled": c.Disabled,
		"has_secret": len(c.SecretHash) > 0, "created_at": c.CreatedAt.UTC(), "updated_at": c.UpdatedAt.UTC()}
}

func registeredView(reg sso.Registered) map[string]any {
	v := rpView(reg.Client)
	if reg.Secret != "" {
		v["client_secret"] = reg.Secret
	}
	return v
}

func (s *Server) listRPs(w http.ResponseWriter, r *http.Request, actor string) {
	l, err := s.sso.ListClients(r.Context())
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := make([]map[string]any, 0, len(l))
	for _, c := range l {
		out = append(out, rpView(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"relying_parties": out})
}

func (s *Server) createRP(w http.ResponseWriter, r *http.Request, actor string) {
	var req struct {
		ClientID string `json:"client_id"`
		sso.Registration
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	reg, err := s.sso.RegisterClient(r.Context(), actor, req.ClientID, req.Registration)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, registeredView(reg))
}

func (s *Server) getRP(w http.ResponseWriter, r *http.Request, actor string) {
	c, err := s.sso.Client(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, rpView(c))
}

func (s *Server) updateRP(w http.ResponseWriter, r *http.Request, actor string) {
	var req sso.Registration
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	reg, err := s.sso.UpdateClient(r.Context(), actor, r.PathValue("id"), req)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, registeredView(reg))
}

func (s *Server) rotateRPSecret(w http.ResponseWriter, r *http.Request, actor string) {
	reg, err := s.sso.RotateSecret(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, registeredView(reg))
}

func (s *Server) disableRP(w http.ResponseWriter, r *http.Request, actor string) {
	s.setRPDisabled(w, r, actor, true)
}

func (s *Server) enableRP(w http.ResponseWriter, r *http.Request, actor string) {
	s.setRPDisabled(w, r, actor, false)
}

func (s *Server) setRPDisabled(w http.ResponseWriter, r *http.Request, actor string, disabled bool) {
	c, err := s.sso.SetClientDisabled(r.Context(), actor, r.PathValue("id"), disabled)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, rpView(c))
}
