package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/eid"
)

func deviceView(d account.BoundDevice) map[string]any {
	return map[string]any{"id": d.ID, "name": d.Name, "platform": d.Platform, "bound_at": d.BoundAt.UTC()}
}

// listDevices: the device bound to the logged-in account (one at most).
func (s *Server) listDevices(w http.ResponseWriter, r *http.Request, p account.Principal) {
	d, err := s.accounts.Device(r.Context(), p)
	if errors.Is(err, account.ErrDeviceNotFound) {
		writeJSON(w, http.StatusOK, map[string]any{"devices": []any{}})
		return
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": []any{deviceView(d)}})
}

// unlinkDevice: the holder unlinks the bound device with their password.
func (s *Server) unlinkDevice(w http.ResponseWriter, r *http.Request, p account.Principal) {
	var req struct {
		Password string `json:"password"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.accounts.UnlinkDevice(r.Context(), s.caller(r), p, r.PathValue("id"), req.Password); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// startDeviceChange: a new device asks to take the account's place.
func (s *Server) startDeviceChange(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDNumber string     `json:"id_number"`
		Password string     `json:"password"`
		Device   deviceJSON `json:"device"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	st, err := s.accounts.StartDeviceChange(r.Context(), s.caller(r), strings.TrimSpace(req.IDNumber), req.Password,
		account.DeviceInfo{ID: req.Device.ID, PublicKey: req.Device.PublicKey, Name: req.Device.Name, Platform: req.Device.Platform})
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	v := map[string]any{"id": st.ID, "expires_at": st.ExpiresAt.UTC(), "code_to": st.CodeTo}
	if st.MaskedPhone != "" {
		v["phone_masked"] = st.MaskedPhone
	}
	writeJSON(w, http.StatusAccepted, v)
}

// pendingDeviceChange: the bound device shows the code of a pending change.
func (s *Server) pendingDeviceChange(w http.ResponseWriter, r *http.Request, p account.Principal) {
	ch, err := s.accounts.PendingDeviceChange(r.Context(), s.caller(r), p)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"id": ch.ID, "code": ch.Code, "device_name": ch.DeviceName,
		"device_platform": ch.DevicePlatform, "created_at": ch.CreatedAt.UTC(), "expires_at": ch.ExpiresAt.UTC()})
}

// confirmDeviceChange: the new device sends the code and its signature.
func (s *Server) confirmDeviceChange(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code            string `json:"code"`
		Challenge       string `json:"challenge"`
		DeviceSignature string `json:"device_signature"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	d, err := s.accounts.ConfirmDeviceChange(r.Context(), s.caller(r), r.PathValue("id"), req.Code, req.Challenge, req.DeviceSignature)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"device": deviceView(d)})
}

// maxDeviceChip bounds a completion by the chip: the chip files (a
// portrait may come along) and the answer, base64.
const maxDeviceChip = 1 << 20

// withEID serves a route only when the e-ID service is configured.
func (s *Server) withEID(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.eid == nil {
			writeError(w, r, s.log, errNotFound)
			return
		}
		h(w, r)
	}
}

// startDeviceChangeByChip: a new device asks to take the account's place
// (the old one is lost) and gets the challenge for the card's chip; the
// code goes by SMS.
func (s *Server) startDeviceChangeByChip(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDNumber string     `json:"id_number"`
		Password string     `json:"password"`
		Device   deviceJSON `json:"device"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	st, err := s.accounts.StartDeviceChangeByChip(r.Context(), s.caller(r), strings.TrimSpace(req.IDNumber), req.Password,
		account.DeviceInfo{ID: req.Device.ID, PublicKey: req.Device.PublicKey, Name: req.Device.Name, Platform: req.Device.Platform})
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusAccepted, map[string]any{"id": st.ID, "expires_at": st.ExpiresAt.UTC(), "code_to": "sms",
		"phone_masked": st.MaskedPhone, "chip_challenge": base64.StdEncoding.EncodeToString(st.ChipChallenge),
		"notes": nfcNotes(), "next_step": "read_chip"})
}

// completeDeviceChangeByChip: the new device sends the SMS code, its
// signature and the chip read with its answer.
func (s *Server) completeDeviceChangeByChip(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code            string            `json:"code"`
		Challenge       string            `json:"challenge"`
		DeviceSignature string            `json:"device_signature"`
		Files           map[string]string `json:"files"`
		AASignature     string            `json:"aa_signature"`
	}
	if err := decodeLimit(w, r, &req, maxDeviceChip); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	chip := eid.DeviceChip{Files: map[string][]byte{}}
	for name, v := range req.Files {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			writeError(w, r, s.log, eid.ErrChipFilesInvalid.WithFields("files."+name))
			return
		}
		chip.Files[name] = b
	}
	var err error
	if chip.AASignature, err = base64.StdEncoding.DecodeString(req.AASignature); err != nil {
		writeError(w, r, s.log, eid.ErrChipFilesInvalid.WithFields("aa_signature"))
		return
	}
	if err := s.eid.CheckDeviceChipFiles(chip); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	d, err := s.accounts.CompleteDeviceChangeByChip(r.Context(), s.caller(r), account.ChipDeviceChangeConfirm{
		ChangeID: r.PathValue("id"), Code: req.Code, Challenge: req.Challenge, Signature: req.DeviceSignature},
		s.eid.DeviceChipChecker(s.eidCaller(r), chip))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"device": deviceView(d)})
}
