package api

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/telemetry"
	"github.com/vneid/vneid/internal/trustlist"
	"github.com/vneid/vneid/internal/wallet"
)

// Pinger checks a dependency for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server is the HTTP API.
type Server struct {
	accounts       *account.Service
	eid            *eid.Service
	officers       *officer.Service
	trust          *trustlist.Manager
	sso            *sso.Service
	wallet         *wallet.Service
	locking        *locking.Service
	store          store.Store
	limiter        ratelimit.Limiter
	wake           func()
	ready          Pinger
	log            *slog.Logger
	metrics        *telemetry.Metrics
	trustedProxies []*net.IPNet
	version        string
	handler        http.Handler
}

// Options configure a Server.
type Options struct {
	Accounts *account.Service
	// EID, Officers, Trust and Store serve the e-ID, officer and
	// administration routes.
	EID      *eid.Service
	Officers *officer.Service
	Trust    *trustlist.Manager
	Store    store.Store
	// SSO serves the app's side of "log in with VNeID" and the
	// relying-party administration.
	SSO *sso.Service
	// Wallet serves the document wallet, presentations and their
	// verification API.
	Wallet *wallet.Service
	// Locking serves account locks (the app's own and remote lock, the
	// administrators' locks and unlocks).
	Locking *locking.Service
	// OutboxWritten, if set, wakes the outbox worker after a replay.
	OutboxWritten  func()
	Ready          Pinger
	Logger         *slog.Logger
	Metrics        *telemetry.Metrics
	TrustedProxies []*net.IPNet
	Version        string
}

// New returns the API server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Server{accounts: o.Accounts, eid: o.EID, officers: o.Officers, trust: o.Trust, sso: o.SSO, wallet: o.Wallet, locking: o.Locking, store: o.Store,
		limiter: ratelimit.Limiter{Counters: o.Store, Now: time.Now}, wake: o.OutboxWritten,
		ready: o.Ready, log: o.Logger, metrics: o.Metrics, trustedProxies: o.TrustedProxies, version: o.Version}
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.HandleFunc(rt.pattern, rt.handler)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// A known path asked with another method is 405 with Allow.
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, r, s.log, errMethod)
			return
		}
		writeError(w, r, s.log, errNotFound)
	})
	s.handler = wrap(mux, s.log, s.metrics)
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

type route struct {
	pattern string
	handler http.HandlerFunc
}

// Routes lists the method and path patterns the server serves, for checking
// them against the OpenAPI description.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.routes() {
		out = append(out, rt.pattern)
	}
	return out
}

func (s *Server) routes() []route {
	return []route{
		{"GET /healthz", s.healthz},
		{"GET /readyz", s.readyz},
		{"GET /metrics", s.metricsHandler},
		{"POST /api/v1/app/registrations", s.startRegistration},
		{"POST /api/v1/app/registrations/{id}/qr", s.submitQR},
		{"POST /api/v1/app/registrations/{id}/confirm", s.confirm},
		{"POST /api/v1/app/registrations/{id}/otp/resend", s.resendOTP},
		{"POST /api/v1/app/registrations/{id}/otp/verify", s.verifyOTP},
		{"POST /api/v1/app/registrations/{id}/password", s.setPassword},
		{"POST /api/v1/app/login/challenge", s.loginChallenge},
		{"POST /api/v1/app/password/reset", s.startPasswordReset},
		{"POST /api/v1/app/password/reset/confirm", s.confirmPasswordReset},
		{"POST /api/v1/app/login", s.login},
		{"POST /api/v1/app/logout", s.authed(s.logout)},
		{"GET /api/v1/app/me", s.authed(s.me)},
		{"GET /api/v1/app/devices", s.authed(s.listDevices)},
		{"DELETE /api/v1/app/devices/{id}", s.authed(s.unlinkDevice)},
		{"POST /api/v1/app/devices/change", s.startDeviceChange},
		{"GET /api/v1/app/devices/change/pending", s.authed(s.pendingDeviceChange)},
		{"POST /api/v1/app/devices/change/{id}/confirm", s.confirmDeviceChange},
		{"POST /api/v1/app/devices/change/chip", s.withEID(s.startDeviceChangeByChip)},
		{"POST /api/v1/app/devices/change/chip/{id}/complete", s.withEID(s.completeDeviceChangeByChip)},
		{"PUT /api/v1/app/me/email", s.authed(s.setEmail)},
		{"GET /api/v1/app/eid", s.authed(s.eidStatus)},
		{"POST /api/v1/app/eid/level1", s.authed(s.startLevel1)},
		{"POST /api/v1/app/eid/applications/{id}/dossier", s.authed(s.submitLevel1)},
		{"POST /api/v1/app/eid/activate", s.authed(s.activate)},
		{"GET /api/v1/app/notifications", s.authed(s.notifications)},
		{"POST /api/v1/app/notifications/{id}/read", s.authed(s.readNotification)},
		{"POST /api/v1/app/sso/qr/approve", s.withSSO(s.authed(s.approveQR))},
		{"GET /api/v1/app/sso/usage", s.withSSO(s.authed(s.usage))},
		{"GET /api/v1/app/sso/consents", s.withSSO(s.authed(s.consents))},
		{"DELETE /api/v1/app/sso/consents/{client}", s.withSSO(s.authed(s.revokeConsent))},
		{"PUT /api/v1/app/wallet/passcode", s.withWallet(s.authed(s.setPasscode))},
		{"POST /api/v1/app/wallet/passcode/reset", s.withWallet(s.authed(s.startPasscodeReset))},
		{"POST /api/v1/app/wallet/passcode/reset/confirm", s.withWallet(s.authed(s.confirmPasscodeReset))},
		{"POST /api/v1/app/wallet/unlock", s.withWallet(s.authed(s.unlockWallet))},
		{"GET /api/v1/app/wallet", s.withWallet(s.authed(s.getWallet))},
		{"GET /api/v1/app/wallet/documents/{kind}/{number}", s.withWallet(s.authed(s.getWalletDocument))},
		{"POST /api/v1/app/wallet/requests", s.withWallet(s.authed(s.requestIntegration))},
		{"GET /api/v1/app/wallet/requests", s.withWallet(s.authed(s.listIntegrations))},
		{"POST /api/v1/app/wallet/presentations", s.withWallet(s.authed(s.present))},
		{"GET /api/v1/app/wallet/presentations", s.withWallet(s.authed(s.listPresentations))},
		{"DELETE /api/v1/app/wallet/presentations", s.withWallet(s.authed(s.revokePresentations))},
		{"DELETE /api/v1/app/wallet/presentations/{id}", s.withWallet(s.authed(s.revokePresentation))},
		{"POST /api/v1/app/lock", s.withLocking(s.authed(s.selfLock))},
		{"POST /api/v1/app/lock/remote", s.withLocking(s.remoteLock)},
		{"POST /api/v1/app/lock/remote/confirm", s.withLocking(s.confirmRemoteLock)},
		{"GET /api/v1/admin/accounts/{id_number}/locks", s.withLocking(s.admin(s.listLocks))},
		{"POST /api/v1/admin/accounts/{id_number}/locks", s.withLocking(s.admin(s.addLock))},
		{"POST /api/v1/admin/accounts/{id_number}/locks/{lock}/lift", s.withLocking(s.admin(s.liftLock))},
		{"POST /api/v1/admin/accounts/{id_number}/reconcile", s.withLocking(s.admin(s.reconcileLocks))},
		{"POST /api/v1/officer/lock-requests", s.withLocking(s.unitOfficer(s.receiveLockRequest, officer.RoleDesk, officer.RoleUnitHead))},
		{"GET /api/v1/officer/lock-requests", s.withLocking(s.unitOfficer(s.listLockRequests, officer.RoleDesk, officer.RoleUnitHead))},
		{"POST /api/v1/officer/lock-requests/{id}/decide", s.withLocking(s.unitOfficer(s.decideLockRequest, officer.RoleUnitHead))},
		{"POST /api/v1/verify/nonces", s.verifier(s.verifierNonce)},
		{"POST /api/v1/verify/presentations", s.verifier(s.verifyPresentation)},
		{"POST /api/v1/officer/login", s.officerLogin},
		{"GET /api/v1/admin/trust", s.admin(s.listTrust)},
		{"POST /api/v1/admin/trust", s.admin(s.addTrust)},
		{"DELETE /api/v1/admin/trust/{id}", s.admin(s.removeTrust)},
		{"GET /api/v1/admin/outbox", s.admin(s.listOutbox)},
		{"POST /api/v1/admin/outbox/{id}/replay", s.admin(s.replayOutbox)},
		{"POST /api/v1/admin/eid/reopen", s.admin(s.reopenActivation)},
		{"GET /api/v1/admin/rps", s.withSSO(s.admin(s.listRPs))},
		{"POST /api/v1/admin/rps", s.withSSO(s.admin(s.createRP))},
		{"GET /api/v1/admin/rps/{id}", s.withSSO(s.admin(s.getRP))},
		{"PUT /api/v1/admin/rps/{id}", s.withSSO(s.admin(s.updateRP))},
		{"POST /api/v1/admin/rps/{id}/secret", s.withSSO(s.admin(s.rotateRPSecret))},
		{"POST /api/v1/admin/rps/{id}/disable", s.withSSO(s.admin(s.disableRP))},
		{"POST /api/v1/admin/rps/{id}/enable", s.withSSO(s.admin(s.enableRP))},
	}
}

func (s *Server) caller(r *http.Request) account.Caller {
	return account.Caller{IP: s.clientIP(r), RequestID: requestID(r.Context())}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.ready != nil {
		if err := s.ready.Ping(ctx); err != nil {
			writeError(w, r, s.log, errUnavailable.WithCause(err))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) {
	if s.metrics == nil {
		writeError(w, r, s.log, errNotFound)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.metrics.Handler().ServeHTTP(w, r)
}

// --- JSON shapes ---

type deviceJSON struct {
	ID        string `json:"id"`
	PublicKey string `json:"public_key"`
	Name      string `json:"name,omitempty"`
	Platform  string `json:"platform,omitempty"`
}

type addressJSON struct {
	registry.Address
	Full string `json:"full"`
}

type cardJSON struct {
	Number     string        `json:"number"`
	Chip       bool          `json:"chip"`
	IssueDate  identity.Date `json:"issue_date"`
	ExpiryDate identity.Date `json:"expiry_date"`
}

type citizenJSON struct {
	IDNumber         string        `json:"id_number"`
	Phone            string        `json:"phone"`
	FullName         string        `json:"full_name"`
	Gender           string        `json:"gender"`
	GenderVI         string        `json:"gender_vi"`
	DateOfBirth      identity.Date `json:"date_of_birth"`
	PermanentAddress addressJSON   `json:"permanent_address"`
	Card             *cardJSON     `json:"card,omitempty"`
}

func citizenView(c account.Confirmation) citizenJSON {
	out := citizenJSON{IDNumber: c.IDNumber, Phone: c.Phone, FullName: c.FullName, Gender: string(c.Gender),
		GenderVI: c.Gender.VI(), DateOfBirth: c.DateOfBirth,
		PermanentAddress: addressJSON{Address: c.PermanentAddress, Full: c.PermanentAddress.String()}}
	if c.Card.Number != "" {
		out.Card = &cardJSON{Number: c.Card.Number, Chip: c.Card.Chip, IssueDate: c.Card.IssueDate, ExpiryDate: c.Card.ExpiryDate}
	}
	return out
}

type accountJSON struct {
	Email       string     `json:"email,omitempty"`
	ID          string     `json:"id"`
	IDNumber    string     `json:"id_number"`
	Phone       string     `json:"phone"`
	State       string     `json:"state"`
	Level       int        `json:"level"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
}

func accountView(a account.Account) accountJSON {
	out := accountJSON{Email: a.Email, ID: a.ID, IDNumber: a.IDNumber, Phone: a.Phone, State: string(a.State), Level: a.Level, CreatedAt: a.CreatedAt.UTC()}
	if !a.LastLoginAt.IsZero() {
		t := a.LastLoginAt.UTC()
		out.LastLoginAt = &t
	}
	return out
}

// --- registration ---

func (s *Server) startRegistration(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDNumber string     `json:"id_number"`
		Phone    string     `json:"phone"`
		Device   deviceJSON `json:"device"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	res, err := s.accounts.Start(r.Context(), s.caller(r), account.StartRequest{IDNumber: strings.TrimSpace(req.IDNumber),
		Phone: req.Phone, Device: account.Device{ID: req.Device.ID, PublicKey: req.Device.PublicKey,
			Name: req.Device.Name, Platform: req.Device.Platform}})
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/app/registrations/"+res.RegistrationID)
	writeJSON(w, http.StatusCreated, map[string]any{"registration_id": res.RegistrationID,
		"expires_at": res.ExpiresAt.UTC(), "next_step": "scan_qr"})
}

func (s *Server) submitQR(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Payload string `json:"payload"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	c, err := s.accounts.SubmitQR(r.Context(), s.caller(r), r.PathValue("id"), req.Payload)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"registration_id": r.PathValue("id"), "confirmation": citizenView(c),
		"qr_variant": string(c.QRVariant), "next_step": "confirm"})
}

func otpSentView(o account.OTPSent) map[string]any {
	return map[string]any{"phone_masked": o.MaskedPhone, "otp_expires_at": o.ExpiresAt.UTC(),
		"resend_at": o.ResendAt.UTC(), "next_step": "verify_otp"}
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	o, err := s.accounts.Confirm(r.Context(), s.caller(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusAccepted, otpSentView(o))
}

func (s *Server) resendOTP(w http.ResponseWriter, r *http.Request) {
	o, err := s.accounts.ResendOTP(r.Context(), s.caller(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusAccepted, otpSentView(o))
}

func (s *Server) verifyOTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OTP string `json:"otp"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.accounts.VerifyOTP(r.Context(), s.caller(r), r.PathValue("id"), strings.TrimSpace(req.OTP)); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"next_step": "set_password"})
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Password        string `json:"password"`
		DeviceSignature string `json:"device_signature"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	a, err := s.accounts.SetPassword(r.Context(), s.caller(r), r.PathValue("id"), req.Password, req.DeviceSignature)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"account": accountView(a), "next_step": "login"})
}

// --- login ---

func (s *Server) loginChallenge(w http.ResponseWriter, r *http.Request) {
	var req struct {
		DeviceID string `json:"device_id"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	ch, err := s.accounts.LoginChallenge(req.DeviceID)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"challenge": ch.Challenge, "expires_at": ch.ExpiresAt.UTC()})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDNumber  string `json:"id_number"`
		Password  string `json:"password"`
		DeviceID  string `json:"device_id"`
		Challenge string `json:"challenge"`
		Signature string `json:"signature"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	se, err := s.accounts.Login(r.Context(), s.caller(r), account.LoginRequest{IDNumber: strings.TrimSpace(req.IDNumber),
		Password: req.Password, DeviceID: req.DeviceID, Challenge: req.Challenge, Signature: req.Signature})
	if s.metrics != nil {
		outcome := "ok"
		if f := failure.As(err); f != nil {
			outcome = f.Code
		} else if err != nil {
			outcome = "internal"
		}
		s.metrics.Logins.WithLabelValues(outcome).Inc()
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": se.Token, "token_type": "Bearer",
		"expires_at": se.ExpiresAt.UTC(), "expires_in": int(time.Until(se.ExpiresAt).Seconds()), "account": accountView(se.Account)})
}

// authed requires a valid bearer token.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, account.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			writeError(w, r, s.log, account.ErrUnauthenticated)
			return
		}
		p, err := s.accounts.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		h(w, r, p)
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, p account.Principal) {
	if err := s.accounts.Logout(r.Context(), s.caller(r), p); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, p account.Principal) {
	prof, err := s.accounts.Profile(r.Context(), s.caller(r), p)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": accountView(prof.Account), "citizen": citizenView(prof.Citizen)})
}

func (s *Server) setEmail(w http.ResponseWriter, r *http.Request, p account.Principal) {
	var req struct {
		Email string `json:"email"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.accounts.SetEmail(r.Context(), s.caller(r), p, req.Email); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
