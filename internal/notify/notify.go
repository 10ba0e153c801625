// Package notify delivers notifications (SMS, email, push) from the
// transactional outbox: messages are written in the same transaction as the
// change that causes them, and a Worker delivers them with retries and
// exponential backoff through pluggable Senders.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// Channels.
const (
	SMS   = "sms"
	Email = "email"
	Push  = "push"
	// BackChannel delivers OpenID Connect back-channel logout tokens to
	// relying parties.
	BackChannel = "backchannel"
)

// Templates.
const (
	TemplateOTP       = "otp"
	TemplateActivated = "account_activated"
	// TemplateLogout is a back-channel logout token (its body is the token).
	TemplateLogout = "backchannel_logout"
)

// OTPMessage returns the SMS for a one-time code.
func OTPMessage(phone, code string, ttl time.Duration, now time.Time) store.OutboxMessage {
	return store.OutboxMessage{
		Channel: SMS, Recipient: phone, Template: TemplateOTP, CreatedAt: now,
		Body: fmt.Sprintf("Mã xác thực VNeID của bạn là %s, có hiệu lực trong %d phút. Tuyệt đối không cung cấp mã này cho bất kỳ ai.",
			code, int(ttl.Minutes())),
	}
}

// ActivatedMessage returns the SMS that confirms a new app account.
func ActivatedMessage(phone, asciiName string, now time.Time) store.OutboxMessage {
	return store.OutboxMessage{
		Channel: SMS, Recipient: phone, Template: TemplateActivated, CreatedAt: now,
		Body: fmt.Sprintf("Tài khoản VNeID của công dân %s đã được kích hoạt. Nếu không phải bạn thực hiện, hãy liên hệ ngay cơ quan Công an.", asciiName),
	}
}

var secretDigits = regexp.MustCompile(`\d{4,}`)

// Redact returns the body to keep after delivery: codes in secret templates
// are masked.
func Redact(template, body string) string {
	if template == TemplateLogout {
		return "(logout token delivered)"
	}
	if template != TemplateOTP {
		return body
	}
	return secretDigits.ReplaceAllStringFunc(body, func(s string) string { return strings.Repeat("*", len(s)) })
}

// Sender delivers one message over one channel. A returned error means the
// message was not delivered and may be retried; wrap ErrPermanent for
// failures that retrying cannot fix.
type Sender interface {
	Send(ctx context.Context, m store.OutboxMessage) error
}

// ErrPermanent marks a delivery failure that retrying cannot fix.
var ErrPermanent = errors.New("permanent delivery failure")

// FileSender is the built-in sender: it appends each message as a JSON line
// to a file, standing in for an SMS or email gateway in development and demo
// deployments. The file holds message bodies, so keep it private.
type FileSender struct {
	mu   sync.Mutex
	path string
}

// NewFileSender returns a sender appending to path (its directory is made).
func NewFileSender(path string) (*FileSender, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("file sender: %w", err)
	}
	return &FileSender{path: path}, nil
}

// Send appends m to the file.
func (s *FileSender) Send(_ context.Context, m store.OutboxMessage) error {
	line, err := json.Marshal(map[string]any{
		"id": m.ID, "channel": m.Channel, "to": m.Recipient, "template": m.Template, "body": m.Body,
		"sent_at": time.Now().UTC().Format(time.RFC3339Nano),
	})
	if err != nil {
		return fmt.Errorf("file sender: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("file sender: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("file sender: %w", err)
	}
	return f.Close()
}

// Metrics receives delivery outcomes; nil means none are recorded.
type Metrics interface {
	Delivered(channel string)
	Failed(channel string, dead bool)
}

// Worker delivers due outbox messages.
type Worker struct {
	Store       store.Store
	Senders     map[string]Sender // by channel
	Owner       string            // unique per instance, for leases
	Batch       int               // messages claimed at once (default 20)
	Lease       time.Duration     // how long a claim is held (default 1 min)
	Poll        time.Duration     // idle polling interval (default 1 s)
	MaxAttempts int               // attempts before a message is dead (default 10)
	KeepBodies  bool              // keep bodies unredacted after delivery (demo only)
	Logger      *slog.Logger
	Metrics     Metrics
	Now         func() time.Time
	// Wake, if set, makes the worker look for work at once when signalled.
	Wake <-chan struct{}
}

func (w *Worker) defaults() {
	if w.Batch <= 0 {
		w.Batch = 20
	}
	if w.Lease <= 0 {
		w.Lease = time.Minute
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 10
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Logger == nil {
		w.Logger = slog.Default()
	}
}

// Run delivers messages until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		for {
			n, err := w.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				w.Logger.Warn("outbox pass failed", "err", err)
			}
			if err != nil || n < w.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-w.Wake:
		}
	}
}

// Backoff returns the delay before attempt n+1 after n failed attempts:
// 2^n seconds, at most 15 minutes.
func Backoff(n int) time.Duration {
	if n > 10 {
		n = 10
	}
	d := time.Duration(1<<n) * time.Second
	if d > 15*time.Minute {
		d = 15 * time.Minute
	}
	return d
}

// RunOnce claims one batch and tries to deliver it; it returns how many
// messages it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	msgs, err := w.Store.ClaimOutbox(ctx, w.Owner, w.Now(), w.Lease, w.Batch)
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	for _, m := range msgs {
		if err := w.deliver(ctx, m); err != nil {
			return len(msgs), err
		}
	}
	return len(msgs), nil
}

func (w *Worker) deliver(ctx context.Context, m store.OutboxMessage) error {
	sender, ok := w.Senders[m.Channel]
	var err error
	if !ok {
		err = fmt.Errorf("%w: no sender for channel %q", ErrPermanent, m.Channel)
	} else {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = sender.Send(sctx, m)
		cancel()
	}
	now := w.Now()
	if err == nil {
		body := m.Body
		if !w.KeepBodies {
			body = Redact(m.Template, m.Body)
		}
		if err := w.Store.CompleteOutbox(ctx, m.ID, w.Owner, now, body); err != nil {
			return fmt.Errorf("complete %d: %w", m.ID, err)
		}
		if w.Metrics != nil {
			w.Metrics.Delivered(m.Channel)
		}
		return nil
	}
	dead := errors.Is(err, ErrPermanent) || m.Attempts+1 >= w.MaxAttempts
	w.Logger.Warn("outbox delivery failed", "message_id", m.ID, "channel", m.Channel, "attempt", m.Attempts+1,
		"dead", dead, "err", err.Error())
	if w.Metrics != nil {
		w.Metrics.Failed(m.Channel, dead)
	}
	if err := w.Store.RetryOutbox(ctx, m.ID, w.Owner, truncate(err.Error(), 500), now.Add(Backoff(m.Attempts)), dead); err != nil {
		return fmt.Errorf("retry %d: %w", m.ID, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Replay queues a dead message again (an operator's action after fixing
// the cause), with an audit entry naming the actor, in one transaction.
// store.ErrConflict means the message is not dead.
func Replay(ctx context.Context, st store.Store, id int64, actor, requestID string, at time.Time) error {
	return st.InTx(ctx, func(q store.Queries) error {
		if err := q.ReplayOutbox(ctx, id, at); err != nil {
			return err
		}
		return q.AppendAudit(ctx, store.AuditEvent{At: at, Actor: actor, Action: "outbox.replayed", RequestID: requestID,
			Detail: fmt.Sprintf(`{"id":%d}`, id)})
	})
}
