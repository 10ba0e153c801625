package account

import (
	"context"
	"errors"
	"strings"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/store"
)

// WebSessionPrefix starts the SessionID of a Principal made from a web
// single sign-on session (the portal), so it never equals an app
// session's.
const WebSessionPrefix = "web:"

// ErrSessionNotFound: the holder has no such live session.
var ErrSessionNotFound = failure.New("session_not_found", failure.NotFound,
	"Không tìm thấy phiên đăng nhập này.", "There is no such session.")

// WebPrincipal returns the principal of a citizen signed in on the web
// (a live single sign-on session of accountID): the account must be
// active.
func (s *Service) WebPrincipal(ctx context.Context, accountID, sessionID string) (Principal, error) {
	a, err := s.store.Account(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, failure.Unexpected(err)
	}
	if a.State != store.AccountActive {
		return Principal{}, ErrAccountLocked
	}
	return Principal{Account: view(a), SessionID: WebSessionPrefix + sessionID}, nil
}

// Sessions lists the holder's live sessions, app and web, newest first.
func (s *Service) Sessions(ctx context.Context, p Principal) ([]store.LiveSession, error) {
	l, err := s.store.LiveSessions(ctx, p.Account.ID, s.now())
	return l, failure.Unexpected(err)
}

// EndAppSession signs the holder's app session id out (from the portal,
// for a lost or lent phone). Web sessions end through the single sign-on
// service, which also tells relying parties.
func (s *Service) EndAppSession(ctx context.Context, c Caller, p Principal, id string) error {
	live, err := s.Sessions(ctx, p)
	if err != nil {
		return err
	}
	found := false
	for _, l := range live {
		found = found || (l.Kind == store.SessionApp && l.ID == id)
	}
	if !found {
		return ErrSessionNotFound
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.RevokeSession(ctx, id, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "account.session_ended", p.Account.IDNumber, "own_sessions",
			map[string]any{"kind": store.SessionApp})
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrSessionNotFound
	}
	return failure.Unexpected(err)
}

// ChangePassword replaces a signed-in holder's password: the current one
// is checked with the login limits and the new one against the policy.
// As after a reset, every session ends and relying-party tokens and
// presentations are revoked (whoever knew the old password may hold
// them); the holder is told by SMS.
func (s *Service) ChangePassword(ctx context.Context, c Caller, p Principal, current, newPassword string) error {
	if err := CheckPasswordPolicy(newPassword, p.Account.IDNumber); err != nil {
		return err
	}
	if current == newPassword {
		return ErrPasswordUnchanged.WithFields("new_password")
	}
	if err := s.ConfirmPassword(ctx, c, p, current); err != nil {
		return err
	}
	hash, err := HashPassword(newPassword, s.cfg.Argon2)
	if err != nil {
		return failure.Unexpected(err)
	}
	now := s.now()
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.UpdatePasswordHash(ctx, p.Account.ID, hash, now); err != nil {
			return err
		}
		n, err := q.RevokeAccountSessions(ctx, p.Account.ID, now)
		if err != nil {
			return err
		}
		if _, err := q.RevokeSSOTokens(ctx, store.SSOTokenFilter{AccountID: p.Account.ID}, now); err != nil {
			return err
		}
		if _, err := q.RevokePresentations(ctx, p.Account.ID, ""); err != nil {
			return err
		}
		if _, err := q.EnqueueOutbox(ctx, notify.PasswordChangedMessage(p.Account.Phone, now)); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+p.Account.ID, "account.password_changed", p.Account.IDNumber, "own_account",
			map[string]any{"sessions_ended": n, "channel": channelOf(p)})
	})
	if err != nil {
		return failure.Unexpected(err)
	}
	s.notify()
	return nil
}

// ErrPasswordUnchanged: the new password is the current one.
var ErrPasswordUnchanged = failure.New("password_unchanged", failure.Invalid,
	"Mật khẩu mới phải khác mật khẩu hiện tại.", "The new password must differ from the current one.")

func channelOf(p Principal) string {
	if strings.HasPrefix(p.SessionID, WebSessionPrefix) {
		return "web"
	}
	return "app"
}
