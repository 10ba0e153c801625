package sso

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/store"
)

// Pending is an authorization request as the sign-in pages show it.
type Pending struct {
	ID     string
	Client *Client
	// Scopes asking for personal data, and the claims they release.
	Scopes []string
	Claims []string
	Level  int
	Prompt []string
	// NeedsLogin: no sign-in yet.
	NeedsLogin bool
	LoginHint  string
}

// Pending returns a request waiting for the citizen.
func (s *Service) Pending(ctx context.Context, id string) (Pending, error) {
	a, _, err := s.request(ctx, id)
	if err != nil {
		return Pending{}, err
	}
	if a.Finished {
		return Pending{}, ErrRequestNotFound
	}
	c, err := s.activeClient(ctx, a.ClientID)
	if err != nil {
		return Pending{}, ErrRequestNotFound
	}
	return Pending{ID: a.ID, Client: c, Scopes: dataScopes(a.Scopes), Claims: claimNames(a.Scopes), Level: a.Level,
		Prompt: a.Prompt, NeedsLogin: a.AccountID == "", LoginHint: a.LoginHint}, nil
}

// Session is a citizen's sign-in at the provider's pages.
type Session struct {
	ID        string
	AccountID string
	AMR       []string
	AuthTime  time.Time
	ExpiresAt time.Time
}

// NewSession is a session just opened: Token goes in the browser's cookie.
type NewSession struct {
	Session
	Token string
}

func (s *Service) openSession(ctx context.Context, q store.Queries, accountID string, amr []string) (NewSession, error) {
	now := s.now()
	tok := newToken()
	ns := NewSession{Session: Session{ID: newID(), AccountID: accountID, AMR: amr, AuthTime: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}, Token: tok}
	b, err := json.Marshal(sessionData{AMR: amr, AuthTime: now})
	if err != nil {
		return ns, err
	}
	err = q.PutSSOSession(ctx, store.SSOSession{ID: ns.ID, TokenHash: hashToken("session", tok), AccountID: accountID, Data: b,
		CreatedAt: now, ExpiresAt: ns.ExpiresAt})
	return ns, err
}

// SessionByToken returns the live session of a cookie, or nil.
func (s *Service) SessionByToken(ctx context.Context, token string) (*Session, error) {
	if token == "" || len(token) > 100 {
		return nil, nil
	}
	row, err := s.st.SSOSessionByHash(ctx, hashToken("session", token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	if !row.EndedAt.IsZero() || !s.now().Before(row.ExpiresAt) {
		return nil, nil
	}
	var d sessionData
	if err := json.Unmarshal(row.Data, &d); err != nil {
		return nil, failure.Unexpected(err)
	}
	return &Session{ID: row.ID, AccountID: row.AccountID, AMR: d.AMR, AuthTime: d.AuthTime, ExpiresAt: row.ExpiresAt}, nil
}

// StartPassword checks the ID number and password and sends a code to the
// account's phone (the account service's web sign-in, with its rate
// limits).
func (s *Service) StartPassword(ctx context.Context, c account.Caller, reqID, idNumber, password string) (account.WebSignIn, error) {
	if _, _, err := s.request(ctx, reqID); err != nil {
		return account.WebSignIn{}, err
	}
	return s.acc.StartWebSignIn(ctx, c, idNumber, password)
}

// FinishPassword checks the SMS code and opens a session.
func (s *Service) FinishPassword(ctx context.Context, c account.Caller, reqID, ticket, code string) (NewSession, error) {
	if _, _, err := s.request(ctx, reqID); err != nil {
		return NewSession{}, err
	}
	a, err := s.acc.FinishWebSignIn(ctx, c, ticket, code)
	if err != nil {
		return NewSession{}, err
	}
	var ns NewSession
	err = s.st.InTx(ctx, func(q store.Queries) error {
		var err error
		ns, err = s.openSession(ctx, q, a.ID, []string{amrPassword, amrSMS, amrMFA})
		return err
	})
	return ns, failure.Unexpected(err)
}

// QRPrefix starts the payload of a sign-in QR code.
const QRPrefix = "VNEID-LOGIN:"

// QRCode returns the QR payload the sign-in page shows for a request (the
// app scans it): the same on every poll of the page, a new one with renew
// (the old one then stops working).
func (s *Service) QRCode(ctx context.Context, reqID string, renew bool) (string, error) {
	a, row, err := s.request(ctx, reqID)
	if err != nil {
		return "", err
	}
	if a.QRNonce == "" || renew {
		a.QRNonce, a.QRAccount, a.QRAMR = newID(), "", nil
		if err := s.putRequest(ctx, s.st, a, row.CodeHash, row.ExpiresAt); err != nil {
			return "", failure.Unexpected(err)
		}
	}
	return QRPrefix + a.ID + "." + s.qrSecret(a), nil
}

func (s *Service) qrSecret(a *authRequest) string {
	m := hmac.New(sha256.New, s.subKey)
	m.Write([]byte("sso-qr\x00" + a.ID + "\x00" + a.QRNonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// QRApproval is what the app shows before and after the citizen confirms.
type QRApproval struct {
	Client  *Client
	Claims  []string
	Level   int
	Expires time.Time
}

// ApproveQR is the app's side of a QR sign-in: the logged-in citizen
// scanned the code and confirmed with their password. The browser's page
// then continues as this account.
func (s *Service) ApproveQR(ctx context.Context, c account.Caller, p account.Principal, payload, password string) (QRApproval, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(payload), QRPrefix)
	id, secret, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		return QRApproval{}, ErrQRInvalid.WithFields("payload")
	}
	a, row, err := s.request(ctx, id)
	if err != nil {
		return QRApproval{}, ErrQRInvalid.WithFields("payload")
	}
	if a.QRNonce == "" || subtle.ConstantTimeCompare([]byte(s.qrSecret(a)), []byte(secret)) != 1 || a.QRAccount != "" || a.AccountID != "" {
		return QRApproval{}, ErrQRInvalid.WithFields("payload")
	}
	if err := s.acc.ConfirmPassword(ctx, c, p, password); err != nil {
		return QRApproval{}, err
	}
	cl, err := s.activeClient(ctx, a.ClientID)
	if err != nil {
		return QRApproval{}, ErrQRInvalid.WithFields("payload")
	}
	// One approval per code, even when two arrive at once on different
	// instances.
	if n, err := s.st.Hit(ctx, "sso-qr:"+a.ID+":"+a.QRNonce, a.CreatedAt, row.ExpiresAt); err != nil {
		return QRApproval{}, failure.Unexpected(err)
	} else if n > 1 {
		return QRApproval{}, ErrQRInvalid.WithFields("payload")
	}
	a.QRAccount, a.QRAMR, a.QRAt = p.Account.ID, []string{amrSoftKey, amrPassword, amrMFA}, s.now()
	err = s.st.InTx(ctx, func(q store.Queries) error {
		if err := s.putRequest(ctx, q, a, row.CodeHash, row.ExpiresAt); err != nil {
			return err
		}
		return s.audit(ctx, q, "account:"+p.Account.ID, "sso.qr_approved", p.Account.IDNumber, "sso_login",
			map[string]any{"client": a.ClientID})
	})
	if err != nil {
		return QRApproval{}, failure.Unexpected(err)
	}
	return QRApproval{Client: cl, Claims: claimNames(a.Scopes), Level: a.Level, Expires: row.ExpiresAt}, nil
}

// PollQR opens a session once the app approved the request's QR code; nil
// while it has not.
func (s *Service) PollQR(ctx context.Context, reqID string) (*NewSession, error) {
	a, row, err := s.request(ctx, reqID)
	if err != nil {
		return nil, err
	}
	if a.QRAccount == "" {
		return nil, nil
	}
	var ns NewSession
	err = s.st.InTx(ctx, func(q store.Queries) error {
		var err error
		if ns, err = s.openSession(ctx, q, a.QRAccount, a.QRAMR); err != nil {
			return err
		}
		a.QRNonce, a.QRAccount = "", ""
		return s.putRequest(ctx, q, a, row.CodeHash, row.ExpiresAt)
	})
	if err != nil {
		return nil, failure.Unexpected(err)
	}
	return &ns, nil
}

// Step is what the pages do after sign-in.
type Step int

// Steps.
const (
	StepDone    Step = iota // the request is complete: go to the callback
	StepConsent             // ask the citizen to share the data
	StepLogin               // the session does not satisfy the request: sign in (again)
)

// SessionSatisfies reports whether a session may serve a request without
// signing in again (prompt=login and max_age).
func (s *Service) SessionSatisfies(ctx context.Context, reqID string, se *Session) (bool, error) {
	a, _, err := s.request(ctx, reqID)
	if err != nil {
		return false, err
	}
	if se == nil {
		return false, nil
	}
	// A sign-in made for this request satisfies prompt=login and max_age
	// (the library turns prompt=login into max_age=0, which no session
	// could meet a moment later).
	if !se.AuthTime.Before(a.CreatedAt) {
		return true, nil
	}
	if slices.Contains(a.Prompt, oidc.PromptLogin) {
		return false, nil
	}
	if a.MaxAge != nil && s.now().Sub(se.AuthTime) > time.Duration(*a.MaxAge)*time.Second {
		return false, nil
	}
	return true, nil
}

// Continue takes a signed-in session to the next step of a request: it
// checks the account (state, e-ID level) and whether the citizen already
// consented to everything asked.
func (s *Service) Continue(ctx context.Context, c account.Caller, reqID string, se *Session) (Step, error) {
	ok, err := s.SessionSatisfies(ctx, reqID, se)
	if err != nil {
		return 0, err
	}
	if !ok {
		return StepLogin, nil
	}
	a, _, err := s.request(ctx, reqID)
	if err != nil {
		return 0, err
	}
	acc, err := s.st.Account(ctx, se.AccountID)
	if err != nil {
		return 0, failure.Unexpected(err)
	}
	if acc.State != store.AccountActive {
		return 0, ErrLocked
	}
	if acc.Level < 1 {
		return 0, ErrNoEID
	}
	if acc.Level < a.Level {
		return 0, ErrLevelTooLow.WithDetail(fmt.Sprintf("(Tài khoản của bạn đang ở mức %d.)", acc.Level),
			fmt.Sprintf("(Your account is at level %d.)", acc.Level))
	}
	want := dataScopes(a.Scopes)
	if len(want) > 0 && !slices.Contains(a.Prompt, oidc.PromptConsent) {
		con, err := s.st.Consent(ctx, acc.ID, a.ClientID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, failure.Unexpected(err)
		}
		if err != nil || !containsAll(con.Scopes, want) {
			return StepConsent, nil
		}
	} else if len(want) > 0 {
		return StepConsent, nil
	}
	return StepDone, s.finish(ctx, c, a, acc, se, false)
}

// Decide records the citizen's answer on the consent screen. Approving
// stores the consent (remembered for the relying party until withdrawn)
// and completes the request; refusing returns ErrConsentRefused.
func (s *Service) Decide(ctx context.Context, c account.Caller, reqID string, se *Session, approve bool) error {
	step, err := s.Continue(ctx, c, reqID, se)
	if err != nil || step == StepDone {
		return err
	}
	if step == StepLogin {
		return ErrRequestNotFound
	}
	a, _, err := s.request(ctx, reqID)
	if err != nil {
		return err
	}
	acc, err := s.st.Account(ctx, se.AccountID)
	if err != nil {
		return failure.Unexpected(err)
	}
	if !approve {
		err := s.st.InTx(ctx, func(q store.Queries) error {
			return s.usage(ctx, q, acc.ID, a.ClientID, "consent_refused", c.IP, map[string]any{"claims": claimNames(a.Scopes)})
		})
		if err != nil {
			return failure.Unexpected(err)
		}
		return ErrConsentRefused
	}
	return s.finish(ctx, c, a, acc, se, true)
}

// ErrConsentRefused: the citizen declined to share the data.
var ErrConsentRefused = errors.New("sso: consent refused")

// finish completes a request for a session: subject, acr, amr, the consent
// if given now, and the login's usage record.
func (s *Service) finish(ctx context.Context, c account.Caller, a *authRequest, acc store.Account, se *Session, consented bool) error {
	cl, err := s.activeClient(ctx, a.ClientID)
	if err != nil {
		return ErrRequestNotFound
	}
	row, err := s.st.SSORequest(ctx, a.ID, s.now())
	if err != nil {
		return ErrRequestNotFound
	}
	a.AccountID, a.Subject, a.SessionID = acc.ID, s.Subject(cl, acc.ID), se.ID
	a.AuthTime, a.AMR, a.ACR, a.Finished = se.AuthTime, se.AMR, ACR(acc.Level), true
	if a.HintSubject != "" && a.HintSubject != a.Subject {
		return ErrRequestNotFound.WithDetail("(Tài khoản đăng nhập khác tài khoản dịch vụ yêu cầu.)",
			"(The account signed in is not the one the service asked for.)")
	}
	err = s.st.InTx(ctx, func(q store.Queries) error {
		if consented {
			want := dataScopes(a.Scopes)
			if old, err := q.Consent(ctx, acc.ID, a.ClientID); err == nil {
				want = append(want, old.Scopes...)
				slices.Sort(want)
				want = slices.Compact(want)
			}
			if err := q.PutConsent(ctx, store.Consent{AccountID: acc.ID, ClientID: a.ClientID, Scopes: want, GrantedAt: s.now()}); err != nil {
				return err
			}
			if err := s.usage(ctx, q, acc.ID, a.ClientID, "consent", c.IP, map[string]any{"claims": claimNames(a.Scopes)}); err != nil {
				return err
			}
		}
		if err := s.usage(ctx, q, acc.ID, a.ClientID, "login", c.IP, map[string]any{"acr": a.ACR, "amr": a.AMR}); err != nil {
			return err
		}
		if err := s.audit(ctx, q, "account:"+acc.ID, "sso.login", acc.IDNumber, "sso_login",
			map[string]any{"client": a.ClientID, "acr": a.ACR}); err != nil {
			return err
		}
		return s.putRequest(ctx, q, a, row.CodeHash, row.ExpiresAt)
	})
	return failure.Unexpected(err)
}

// EndSession signs the browser's session out: its tokens are revoked and
// every relying party that received tokens in it and registered a
// back-channel logout URI gets a logout token, through the outbox.
func (s *Service) EndSession(ctx context.Context, c account.Caller, sessionID string) error {
	se, err := s.st.SSOSession(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return failure.Unexpected(err)
	}
	clients, err := s.st.SSOSessionClients(ctx, sessionID)
	if err != nil {
		return failure.Unexpected(err)
	}
	type logout struct{ uri, token string }
	var logouts []logout
	for _, id := range clients {
		cl, err := s.Client(ctx, id)
		if err != nil || cl.BackChannelLogoutURI == "" {
			continue
		}
		tok, err := s.logoutToken(ctx, cl, se.AccountID, sessionID)
		if err != nil {
			return failure.Unexpected(err)
		}
		logouts = append(logouts, logout{cl.BackChannelLogoutURI, tok})
	}
	err = s.st.InTx(ctx, func(q store.Queries) error {
		if err := q.EndSSOSession(ctx, sessionID, s.now()); errors.Is(err, store.ErrNotFound) {
			return nil // already over
		} else if err != nil {
			return err
		}
		if _, err := q.RevokeSSOTokens(ctx, store.SSOTokenFilter{SessionID: sessionID}, s.now()); err != nil {
			return err
		}
		for _, l := range logouts {
			if _, err := q.EnqueueOutbox(ctx, store.OutboxMessage{Channel: notify.BackChannel, Recipient: l.uri,
				Template: "backchannel_logout", Body: l.token, CreatedAt: s.now(), NextAttemptAt: s.now()}); err != nil {
				return err
			}
		}
		for _, id := range clients {
			if err := s.usage(ctx, q, se.AccountID, id, "logout", c.IP, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return failure.Unexpected(err)
	}
	if len(logouts) > 0 {
		s.notify()
	}
	return nil
}

// TerminateSession ends the browser's session (from the request's
// exchange) when the library asks.
func (st *Storage) TerminateSession(ctx context.Context, _, _ string) error {
	e := exchangeFrom(ctx)
	if e.SessionID == "" {
		return nil
	}
	return st.s.EndSession(ctx, account.Caller{IP: e.IP}, e.SessionID)
}

// TerminateSessionFromRequest ends the browser's session, or the one the
// id_token_hint names, and returns where to send the browser.
func (st *Storage) TerminateSessionFromRequest(ctx context.Context, r *op.EndSessionRequest) (string, error) {
	e := exchangeFrom(ctx)
	sid := e.SessionID
	if sid == "" && r.IDTokenHintClaims != nil {
		if v, ok := r.IDTokenHintClaims.Claims["sid"].(string); ok {
			sid = v
		}
	}
	if sid != "" {
		if err := st.s.EndSession(ctx, account.Caller{IP: e.IP}, sid); err != nil {
			return "", err
		}
	}
	return r.RedirectURI, nil
}
