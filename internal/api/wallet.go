package api

import (
	"encoding/base64"
	"net/http"
	"time"

	"rsc.io/qr"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/wallet"
)

// walletHeader carries the token Unlock returns.
const walletHeader = "X-Wallet-Token"

// withWallet answers not_found when the server runs without the wallet.
func (s *Server) withWallet(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.wallet == nil {
			writeError(w, r, s.log, errNotFound)
			return
		}
		h(w, r)
	}
}

func (s *Server) setPasscode(w http.ResponseWriter, r *http.Request, p account.Principal) {
	var req struct {
		Password string `json:"password"`
		Passcode string `json:"passcode"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.wallet.SetPasscode(r.Context(), s.caller(r), p, req.Password, req.Passcode); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) unlockWallet(w http.ResponseWriter, r *http.Request, p account.Principal) {
	var req struct {
		Passcode string `json:"passcode"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	u, err := s.wallet.Unlock(r.Context(), s.caller(r), p, req.Passcode)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"wallet_token": u.Token, "expires_at": u.ExpiresAt.UTC()})
}

func (s *Server) getWallet(w http.ResponseWriter, r *http.Request, p account.Principal) {
	v, err := s.wallet.Wallet(r.Context(), s.caller(r), p, r.Header.Get(walletHeader))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) getWalletDocument(w http.ResponseWriter, r *http.Request, p account.Principal) {
	d, err := s.wallet.Document(r.Context(), s.caller(r), p, r.Header.Get(walletHeader),
		sources.Kind(r.PathValue("kind")), r.PathValue("number"))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) requestIntegration(w http.ResponseWriter, r *http.Request, p account.Principal) {
	var req struct {
		Kind    string `json:"kind"`
		Number  string `json:"number"`
		Consent bool   `json:"consent"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out, err := s.wallet.RequestIntegration(r.Context(), s.caller(r), p, sources.Kind(req.Kind), req.Number, req.Consent)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listIntegrations(w http.ResponseWriter, r *http.Request, p account.Principal) {
	l, err := s.wallet.ListRequests(r.Context(), p)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": l})
}

func (s *Server) present(w http.ResponseWriter, r *http.Request, p account.Principal) {
	var req struct {
		Items      []wallet.Item `json:"items"`
		TTLSeconds int           `json:"ttl_seconds"`
		Nonce      string        `json:"nonce"`
		Audience   string        `json:"audience"`
		QR         bool          `json:"qr"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out, err := s.wallet.Present(r.Context(), s.caller(r), p, r.Header.Get(walletHeader), wallet.PresentRequest{
		Items: req.Items, TTL: time.Duration(req.TTLSeconds) * time.Second, Nonce: req.Nonce, Audience: req.Audience})
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	body := map[string]any{"id": out.ID, "presentation": out.Token, "issued_at": out.IssuedAt, "expires_at": out.ExpiresAt,
		"size": out.Size}
	if req.QR {
		code, err := qr.Encode(out.Token, qr.M)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		body["qr_png"] = base64.StdEncoding.EncodeToString(code.PNG())
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, body)
}

func (s *Server) listPresentations(w http.ResponseWriter, r *http.Request, p account.Principal) {
	l, err := s.wallet.ListPresentations(r.Context(), p)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"presentations": l})
}

func (s *Server) revokePresentation(w http.ResponseWriter, r *http.Request, p account.Principal) {
	if _, err := s.wallet.RevokePresentation(r.Context(), s.caller(r), p, r.PathValue("id")); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) revokePresentations(w http.ResponseWriter, r *http.Request, p account.Principal) {
	n, err := s.wallet.RevokePresentation(r.Context(), s.caller(r), p, "")
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"revoked": n})
}

// --- verifiers ---

// verifier authenticates a relying party with HTTP Basic (its client ID and
// secret), as at the token endpoint. Secrets are 256-bit random values
// compared by hash, so guessing is not a threat worth a per-request counter
// on this hot path.
func (s *Server) verifier(h func(http.ResponseWriter, *http.Request, wallet.Verifier)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.wallet == nil || s.sso == nil {
			writeError(w, r, s.log, errNotFound)
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="vneid-verify"`)
			writeError(w, r, s.log, sso.ErrClientAuth)
			return
		}
		c, err := s.sso.AuthenticateClient(r.Context(), s.clientIP(r), id, secret)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="vneid-verify"`)
			writeError(w, r, s.log, err)
			return
		}
		h(w, r, wallet.Verifier{ID: c.ID, Name: c.Name, StateBody: c.Kind == sso.KindState})
	}
}

func (s *Server) verifierNonce(w http.ResponseWriter, r *http.Request, v wallet.Verifier) {
	n, err := s.wallet.NewNonce(r.Context(), v)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, n)
}

func (s *Server) verifyPresentation(w http.ResponseWriter, r *http.Request, v wallet.Verifier) {
	var req struct {
		Presentation string `json:"presentation"`
		Nonce        string `json:"nonce"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out, err := s.wallet.VerifyOnline(r.Context(), s.caller(r), v, req.Presentation, req.Nonce)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}
