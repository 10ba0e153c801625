package api

import (
	"net/http"

	"github.com/vneid/vneid/internal/account"
)

// startPasswordReset: a forgotten password; a code (valid 3 minutes) goes
// to the account's phone.
func (s *Server) startPasswordReset(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDNumber string `json:"id_number"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	sent, err := s.accounts.StartPasswordReset(r.Context(), s.caller(r), req.IDNumber)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"phone_masked": sent.MaskedPhone, "expires_at": sent.ExpiresAt.UTC()})
}

// confirmPasswordReset sets the new password with the code; every session
// of the account ends.
func (s *Server) confirmPasswordReset(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDNumber    string `json:"id_number"`
		Code        string `json:"code"`
		NewPassword string `json:"new_password"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.accounts.ConfirmPasswordReset(r.Context(), s.caller(r), req.IDNumber, req.Code, req.NewPassword); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// startPasscodeReset: a forgotten wallet passcode; a code (valid 3
// minutes) goes to the logged-in holder's phone.
func (s *Server) startPasscodeReset(w http.ResponseWriter, r *http.Request, p account.Principal) {
	masked, exp, err := s.wallet.StartPasscodeReset(r.Context(), s.caller(r), p)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"phone_masked": masked, "expires_at": exp.UTC()})
}

// confirmPasscodeReset sets the new wallet passcode with the code.
func (s *Server) confirmPasscodeReset(w http.ResponseWriter, r *http.Request, p account.Principal) {
	var req struct {
		Code     string `json:"code"`
		Passcode string `json:"passcode"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.wallet.ConfirmPasscodeReset(r.Context(), s.caller(r), p, req.Code, req.Passcode); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
