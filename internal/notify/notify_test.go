package notify_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

// t0 is a fixed instant on whole microseconds, which both stores keep.
var t0 = time.Date(2026, 3, 15, 8, 30, 0, 0, time.UTC)

// clock is a settable time source for Worker.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// recorder is a Sender that records what it is given and fails while err is
// set.
type recorder struct {
	mu   sync.Mutex
	sent []store.OutboxMessage
	byID map[int64]int
	err  error
}

func (r *recorder) Send(_ context.Context, m store.OutboxMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = map[int64]int{}
	}
	r.sent = append(r.sent, m)
	r.byID[m.ID]++
	return r.err
}

func (r *recorder) setErr(err error) { r.mu.Lock(); r.err = err; r.mu.Unlock() }

func (r *recorder) calls() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.sent) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func enqueue(t *testing.T, s store.Store, m store.OutboxMessage) int64 {
	t.Helper()
	id, err := s.EnqueueOutbox(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func message(t *testing.T, s store.Store, id int64) store.OutboxMessage {
	t.Helper()
	all, err := s.ListOutbox(context.Background(), store.OutboxFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("outbox message %d not found", id)
	return store.OutboxMessage{}
}

func runOnce(t *testing.T, w *notify.Worker) int {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

func TestWorkerDelivers(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("KeepBodies=%t", keep), func(t *testing.T) {
			s := storetest.OpenSQLite(t)
			clk := &clock{t: t0}
			sms := &recorder{}
			otp := notify.OTPMessage("0912345678", "048213", 5*time.Minute, t0)
			activated := notify.ActivatedMessage("0912345678", "NGUYEN VAN AN 2024", t0)
			otpID, actID := enqueue(t, s, otp), enqueue(t, s, activated)
			w := &notify.Worker{Store: s, Senders: map[string]notify.Sender{notify.SMS: sms}, Owner: "w1",
				KeepBodies: keep, Now: clk.Now, Logger: quiet}

			clk.Set(t0.Add(3 * time.Second))
			if n := runOnce(t, w); n != 2 {
				t.Fatalf("RunOnce claimed %d, want 2", n)
			}
			if n := runOnce(t, w); n != 0 {
				t.Fatalf("second RunOnce claimed %d, want 0", n)
			}
			if len(sms.sent) != 2 || sms.sent[0].Body != otp.Body || sms.sent[1].Body != activated.Body {
				t.Fatalf("sender got %+v, want the two unredacted messages in order", sms.sent)
			}
			if sms.sent[0].Recipient != "0912345678" || sms.sent[0].Template != notify.TemplateOTP {
				t.Errorf("sender got %+v", sms.sent[0])
			}

			for _, id := range []int64{otpID, actID} {
				m := message(t, s, id)
				if m.Status != store.OutboxDelivered || !m.DeliveredAt.Equal(t0.Add(3*time.Second)) || m.Attempts != 1 {
					t.Errorf("message %d: status %s, delivered %v, attempts %d; want delivered at t0+3s after 1 attempt",
						id, m.Status, m.DeliveredAt, m.Attempts)
				}
			}
			gotOTP := message(t, s, otpID).Body
			if keep {
				if gotOTP != otp.Body {
					t.Errorf("kept body = %q, want %q", gotOTP, otp.Body)
				}
			} else {
				if strings.Contains(gotOTP, "048213") || !strings.Contains(gotOTP, "******") {
					t.Errorf("stored OTP body = %q, want the code masked", gotOTP)
				}
				if gotOTP != notify.Redact(notify.TemplateOTP, otp.Body) {
					t.Errorf("stored OTP body = %q, want Redact of it", gotOTP)
				}
			}
			if got := message(t, s, actID).Body; got != activated.Body {
				t.Errorf("activation body = %q, want it unchanged %q", got, activated.Body)
			}
		})
	}
}

func TestWorkerRetriesWithBackoff(t *testing.T) {
	s := storetest.OpenSQLite(t)
	clk := &clock{t: t0}
	sms := &recorder{err: errors.New("gateway timeout")}
	id := enqueue(t, s, notify.OTPMessage("0912345678", "123456", 5*time.Minute, t0))
	w := &notify.Worker{Store: s, Senders: map[string]notify.Sender{notify.SMS: sms}, Owner: "w1",
		MaxAttempts: 10, Now: clk.Now, Logger: quiet}

	at := t0
	for attempt := 0; attempt < 4; attempt++ {
		clk.Set(at)
		if n := runOnce(t, w); n != 1 {
			t.Fatalf("attempt %d at %v: claimed %d, want 1", attempt+1, at, n)
		}
		m := message(t, s, id)
		next := at.Add(notify.Backoff(attempt))
		if m.Status != store.OutboxPending || m.Attempts != attempt+1 || !m.NextAttemptAt.Equal(next) {
			t.Fatalf("after attempt %d: status %s, attempts %d, next %v; want pending, %d, %v",
				attempt+1, m.Status, m.Attempts, m.NextAttemptAt, attempt+1, next)
		}
		if !strings.Contains(m.LastError, "gateway timeout") {
			t.Errorf("last error = %q", m.LastError)
		}
		if m.Body != notify.OTPMessage("0912345678", "123456", 5*time.Minute, t0).Body {
			t.Errorf("undelivered body changed to %q", m.Body)
		}
		// Not due yet: nothing is claimed, nothing is sent.
		calls := sms.calls()
		for _, early := range []time.Time{at, next.Add(-time.Microsecond)} {
			clk.Set(early)
			if n := runOnce(t, w); n != 0 {
				t.Fatalf("claimed %d at %v, before the next attempt at %v", n, early, next)
			}
		}
		if sms.calls() != calls {
			t.Fatalf("sender called before the next attempt")
		}
		at = next
	}

	// The gateway recovers: the next due attempt delivers.
	sms.setErr(nil)
	clk.Set(at)
	if n := runOnce(t, w); n != 1 {
		t.Fatalf("claimed %d, want 1", n)
	}
	if m := message(t, s, id); m.Status != store.OutboxDelivered || m.Attempts != 5 {
		t.Fatalf("status %s after %d attempts, want delivered after 5", m.Status, m.Attempts)
	}
	if sms.calls() != 5 {
		t.Fatalf("sender called %d times, want 5", sms.calls())
	}
}

func TestWorkerDeadAtOnce(t *testing.T) {
	tests := []struct {
		name    string
		channel string
		err     error
	}{
		{"permanent error", notify.SMS, fmt.Errorf("gateway: number unreachable: %w", notify.ErrPermanent)},
		{"permanent error wrapped twice", notify.SMS, fmt.Errorf("a: %w", fmt.Errorf("b: %w", notify.ErrPermanent))},
		{"no sender for channel", notify.Email, nil},
		{"unknown channel", "pigeon", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := storetest.OpenSQLite(t)
			clk := &clock{t: t0}
			sms := &recorder{err: tc.err}
			m := notify.ActivatedMessage("0912345678", "NGUYEN VAN AN", t0)
			m.Channel = tc.channel
			id := enqueue(t, s, m)
			w := &notify.Worker{Store: s, Senders: map[string]notify.Sender{notify.SMS: sms}, Owner: "w1",
				MaxAttempts: 10, Now: clk.Now, Logger: quiet}
			if n := runOnce(t, w); n != 1 {
				t.Fatalf("claimed %d, want 1", n)
			}
			got := message(t, s, id)
			if got.Status != store.OutboxDead || got.Attempts != 1 || got.LastError == "" {
				t.Fatalf("status %s, attempts %d, error %q; want dead after 1 attempt with an error", got.Status, got.Attempts, got.LastError)
			}
			clk.Set(t0.Add(24 * time.Hour))
			if n := runOnce(t, w); n != 0 {
				t.Fatalf("dead message claimed again")
			}
		})
	}
}

func TestWorkerMaxAttempts(t *testing.T) {
	for _, max := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			s := storetest.OpenSQLite(t)
			clk := &clock{t: t0}
			sms := &recorder{err: errors.New("try later")}
			id := enqueue(t, s, notify.ActivatedMessage("0912345678", "NGUYEN VAN AN", t0))
			w := &notify.Worker{Store: s, Senders: map[string]notify.Sender{notify.SMS: sms}, Owner: "w1",
				MaxAttempts: max, Now: clk.Now, Logger: quiet}
			for i := 1; i <= max; i++ {
				clk.Set(message(t, s, id).NextAttemptAt)
				if n := runOnce(t, w); n != 1 {
					t.Fatalf("attempt %d: claimed %d", i, n)
				}
				want := store.OutboxPending
				if i == max {
					want = store.OutboxDead
				}
				if m := message(t, s, id); m.Status != want || m.Attempts != i {
					t.Fatalf("after attempt %d: %s with %d attempts, want %s", i, m.Status, m.Attempts, want)
				}
			}
			clk.Set(t0.Add(24 * time.Hour))
			if n := runOnce(t, w); n != 0 || sms.calls() != max {
				t.Fatalf("claimed %d more; sender called %d times, want %d", n, sms.calls(), max)
			}
		})
	}
}

// metrics counts outcomes.
type metrics struct {
	delivered, failed, dead int
}

func (m *metrics) Delivered(string) { m.delivered++ }
func (m *metrics) Failed(_ string, dead bool) {
	m.failed++
	if dead {
		m.dead++
	}
}

func TestWorkerMetrics(t *testing.T) {
	s := storetest.OpenSQLite(t)
	enqueue(t, s, notify.ActivatedMessage("0912345678", "A", t0))
	e := notify.ActivatedMessage("a@example.vn", "B", t0)
	e.Channel = notify.Email
	enqueue(t, s, e)
	mt := &metrics{}
	w := &notify.Worker{Store: s, Senders: map[string]notify.Sender{notify.SMS: &recorder{}}, Owner: "w1",
		Now: func() time.Time { return t0 }, Logger: quiet, Metrics: mt}
	runOnce(t, w)
	if *mt != (metrics{delivered: 1, failed: 1, dead: 1}) {
		t.Fatalf("metrics = %+v", *mt)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n    int
		want time.Duration
	}{
		{0, time.Second},
		{1, 2 * time.Second},
		{2, 4 * time.Second},
		{3, 8 * time.Second},
		{4, 16 * time.Second},
		{5, 32 * time.Second},
		{6, 64 * time.Second},
		{7, 128 * time.Second},
		{8, 256 * time.Second},
		{9, 512 * time.Second},
		{10, 15 * time.Minute},
		{11, 15 * time.Minute},
		{64, 15 * time.Minute},
		{math.MaxInt, 15 * time.Minute},
	}
	for _, tc := range tests {
		if got := notify.Backoff(tc.n); got != tc.want {
			t.Errorf("Backoff(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		template, body, want string
	}{
		{notify.TemplateOTP, "Mã xác thực VNeID của bạn là 048213, có hiệu lực trong 5 phút.",
			"Mã xác thực VNeID của bạn là ******, có hiệu lực trong 5 phút."},
		{notify.TemplateOTP, "code 1234", "code ****"},
		{notify.TemplateOTP, "code 1234567890", "code **********"},
		{notify.TemplateOTP, "code 123 and 12 stay", "code 123 and 12 stay"},
		{notify.TemplateOTP, "two 111111 222222", "two ****** ******"},
		{notify.TemplateOTP, "", ""},
		{notify.TemplateActivated, "Tài khoản 001099012345 code 123456", "Tài khoản 001099012345 code 123456"},
		{"", "code 123456", "code 123456"},
		{"OTP", "code 123456", "code 123456"},
	}
	for _, tc := range tests {
		if got := notify.Redact(tc.template, tc.body); got != tc.want {
			t.Errorf("Redact(%q, %q) = %q, want %q", tc.template, tc.body, got, tc.want)
		}
	}
	// The real OTP message keeps nothing of the code.
	for _, code := range []string{"0000", "048213", "9999999999"} {
		m := notify.OTPMessage("0912345678", code, 5*time.Minute, t0)
		if got := notify.Redact(m.Template, m.Body); strings.Contains(got, code) || !strings.Contains(got, "5 phút") {
			t.Errorf("redacted OTP message %q", got)
		}
	}
}

func TestFileSender(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "dir")
	path := filepath.Join(dir, "outbox.log")
	fs, err := notify.NewFileSender(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("directory: %v, %v; want mode 0700", fi, err)
	}
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := notify.OTPMessage("0912345678", fmt.Sprintf("%06d", i), 5*time.Minute, t0)
			m.ID = int64(i + 1)
			if err := fs.Send(context.Background(), m); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, want 0600", fi.Mode().Perm())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[int64]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			ID       int64  `json:"id"`
			Channel  string `json:"channel"`
			To       string `json:"to"`
			Template string `json:"template"`
			Body     string `json:"body"`
			SentAt   string `json:"sent_at"`
		}
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if _, err := time.Parse(time.RFC3339Nano, line.SentAt); err != nil {
			t.Errorf("sent_at %q: %v", line.SentAt, err)
		}
		if line.Channel != notify.SMS || line.To != "0912345678" || line.Template != notify.TemplateOTP ||
			!strings.Contains(line.Body, fmt.Sprintf("%06d", line.ID-1)) || seen[line.ID] {
			t.Errorf("line %+v", line)
		}
		seen[line.ID] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("%d lines, want %d", len(seen), n)
	}

	// A second sender on the same file appends.
	fs2, err := notify.NewFileSender(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := fs2.Send(context.Background(), store.OutboxMessage{ID: 99, Channel: notify.Email}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(b), "\n"); lines != n+1 || !strings.HasSuffix(string(b), "\n") {
		t.Fatalf("%d lines after a second sender, want %d", lines, n+1)
	}
}

// Two instances sharing a database deliver every message exactly once.
func TestWorkersDeliverOnce(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			const total = 200
			ids := map[int64]bool{}
			for i := range total {
				ids[enqueue(t, s, notify.OTPMessage(fmt.Sprintf("09%08d", i), "123456", 5*time.Minute, t0))] = true
			}
			sms := &recorder{}
			slow := senderFunc(func(ctx context.Context, m store.OutboxMessage) error {
				runtime.Gosched()
				return sms.Send(ctx, m)
			})
			owners := []string{"instance-a", "instance-b"}
			claimed := make([]int, len(owners))
			var wg sync.WaitGroup
			for i, owner := range owners {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w := &notify.Worker{Store: s, Senders: map[string]notify.Sender{notify.SMS: slow}, Owner: owner,
						Batch: 7, Logger: quiet, Now: func() time.Time { return t0.Add(time.Hour) }}
					for {
						n, err := w.RunOnce(context.Background())
						if err != nil {
							t.Errorf("%s: %v", owner, err)
							return
						}
						if n == 0 {
							return
						}
						claimed[i] += n
					}
				}()
			}
			wg.Wait()
			t.Logf("claimed per owner: %v", claimed)

			if len(sms.byID) != total {
				t.Errorf("%d distinct messages sent, want %d", len(sms.byID), total)
			}
			for id, c := range sms.byID {
				if c != 1 || !ids[id] {
					t.Errorf("message %d sent %d times", id, c)
				}
			}
			depth, err := s.OutboxDepth(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if depth[store.OutboxDelivered] != total || depth[store.OutboxPending] != 0 || depth[store.OutboxDead] != 0 {
				t.Errorf("outbox depth %v, want %d delivered", depth, total)
			}
		})
	}
}

type senderFunc func(context.Context, store.OutboxMessage) error

func (f senderFunc) Send(ctx context.Context, m store.OutboxMessage) error { return f(ctx, m) }
