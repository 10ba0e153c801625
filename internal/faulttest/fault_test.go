//go:build faulttest

package faulttest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store/sqlstore"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/testkit"
)

const (
	population    = 300             // citizens generated
	registrations = 160             // registrations attempted (eligible citizens without an account)
	workers       = 8               // concurrent app clients
	loadBudget    = 4 * time.Minute // the load stops here whatever happens
	killAfter     = 40              // completed registrations before instance B is killed
	stepPatience  = 100 * time.Second
	otpPatience   = 150 * time.Second // an OTP leased by the killed instance waits for its lease (1 min)
	drainPatience = 150 * time.Second
	password      = "Fault-test-pw-2026!"
)

// config relaxes the per-IP, per-ID and per-phone limits: all the load
// comes from 127.0.0.1. The face engine is not used by registration.
const config = `face: {engine: none}
log_level: warn
account:
  otp_daily_limit: 1000000
  otp_resend_after: 0s
  limits: {register-ip: "0/1m", register-id: "0/1m", register-phone: "0/1m", qr-check-ip: "0/1m", otp-send-ip: "0/1m",
    otp-verify-ip: "0/1m", login-ip: "0/1m", login-id: "0/1m"}
`

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

func TestKillInstanceAndRestartPostgres(t *testing.T) {
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		t.Fatalf("pg_ctlcluster not found: the fault test restarts the local PostgreSQL cluster with it")
	}
	t0 := time.Now()
	// Whatever happens, leave PostgreSQL running: the rest of CI uses it.
	t.Cleanup(func() { ensurePostgres(t) })

	work := t.TempDir()
	bin := filepath.Join(work, "vneid")
	run(t, 5*time.Minute, "go", "build", "-o", bin, "github.com/vneid/vneid/cmd/vneid")

	dsn, admin := freshSchema(t)
	cfgPath := filepath.Join(work, "fault.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, 2*time.Minute, bin, "registry", "generate", "-config", cfgPath, "-db", dsn, "-citizens", fmt.Sprint(population))
	// A document-signing PKI of the test's own, trusted by the servers,
	// for the level-1 dossiers each new account sends.
	pki, err := testkit.NewPKI(testkit.P256, "VN", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.Save(filepath.Join(work, "pki")); err != nil {
		t.Fatal(err)
	}
	run(t, time.Minute, bin, "trust", "add", "-config", cfgPath, "-db", dsn, filepath.Join(work, "pki", "csca.pem"))
	cits := eligibleCitizens(t, dsn, registrations, pki)
	t.Logf("setup: %d citizens generated, %d to register (%.1fs)", population, len(cits), time.Since(t0).Seconds())

	a := &instance{name: "A", bin: bin, cfg: cfgPath, dsn: dsn, dir: filepath.Join(work, "a"), addr: freeAddr(t)}
	b := &instance{name: "B", bin: bin, cfg: cfgPath, dsn: dsn, dir: filepath.Join(work, "b"), addr: freeAddr(t)}
	for _, in := range []*instance{a, b} {
		if err := in.start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { in.stop() })
	}
	defer func() {
		if t.Failed() {
			for _, in := range []*instance{a, b} {
				t.Logf("instance %s log (tail):\n%s", in.name, tail(filepath.Join(in.dir, "serve.log"), 40))
			}
		}
	}()

	selfie, err := testkit.SyntheticPortrait("fault-test selfie")
	if err != nil {
		t.Fatal(err)
	}
	l := &load{t: t, selfie: selfie, urls: []string{a.url(), b.url()}, logs: []string{a.smsLog(), b.smsLog()},
		hc: &http.Client{Timeout: 20 * time.Second}}
	ctx, cancel := context.WithTimeout(context.Background(), loadBudget)
	defer cancel()

	// The faults: once killAfter registrations are through, SIGKILL B,
	// restart PostgreSQL under A, then start B again on the same data
	// directory (and SMS log).
	faultDone := make(chan string, 1)
	go func() {
		var report strings.Builder
		defer func() { faultDone <- report.String() }()
		for l.completed.Load() < killAfter && ctx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
		}
		if ctx.Err() != nil {
			report.WriteString("load ended before the faults")
			return
		}
		at := time.Since(t0)
		b.kill()
		time.Sleep(500 * time.Millisecond)
		r0 := time.Now()
		if err := restartPostgres(); err != nil {
			fmt.Fprintf(&report, "restart PostgreSQL: %v; ", err)
		}
		restart := time.Since(r0)
		time.Sleep(time.Second)
		b0 := time.Now()
		if err := b.start(); err != nil {
			fmt.Fprintf(&report, "restart B: %v; ", err)
		}
		fmt.Fprintf(&report, "B killed at %.1fs (after %d registrations), PostgreSQL restarted in %.1fs, B serving again after %.1fs",
			at.Seconds(), killAfter, restart.Seconds(), time.Since(b0).Seconds())
	}()

	loadStart := time.Now()
	outcomes := l.run(ctx, cits)
	loadTime := time.Since(loadStart)
	cancel()
	t.Logf("faults: %s", <-faultDone)

	completed, failed := map[string]outcome{}, map[string]outcome{}
	retries, restarts, submitted := 0, 0, 0
	for _, o := range outcomes {
		retries += o.retries
		restarts += o.attempts - 1
		if o.err == nil {
			completed[o.idNumber] = o
		} else {
			failed[o.idNumber] = o
		}
		if o.dossierErr == nil && o.dossierState != "" {
			submitted++
		}
	}
	t.Logf("load: %d registrations+logins completed, %d failed, in %.1fs; %d level-1 dossiers submitted; "+
		"%d step retries, %d flows restarted", len(completed), len(failed), loadTime.Seconds(), submitted, retries, restarts)
	for _, o := range failed {
		t.Logf("  failed %s after %d attempts: %v", o.idNumber, o.attempts, o.err)
	}
	for _, o := range completed {
		if o.dossierErr != nil {
			t.Errorf("  dossier of %s failed: %v", o.idNumber, o.dossierErr)
		}
	}
	if len(completed) < len(cits)*9/10 {
		t.Errorf("only %d of %d registrations completed", len(completed), len(cits))
	}

	// Outbox: wait until nothing is pending (a message leased by the killed
	// instance is taken over when its lease ends).
	d0 := time.Now()
	var undelivered int
	for {
		if err := admin.QueryRow(`SELECT count(*) FROM outbox WHERE status <> 'delivered'`).Scan(&undelivered); err != nil {
			t.Fatalf("count outbox: %v", err)
		}
		if undelivered == 0 || time.Since(d0) > drainPatience {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("outbox drained in %.1fs after the load (%d not delivered)", time.Since(d0).Seconds(), undelivered)
	for _, in := range []*instance{a, b} {
		in.stop()
	}

	checkAccounts(t, admin, completed, failed)
	checkDossiers(t, admin, completed)
	checkOutbox(t, admin, []string{a.smsLog(), b.smsLog()})

	run(t, time.Minute, bin, "audit", "seal", "-config", cfgPath, "-db", dsn)
	out := run(t, 2*time.Minute, bin, "audit", "verify", "-config", cfgPath, "-db", dsn)
	t.Logf("audit verify: %s", strings.TrimSpace(out))
	t.Logf("total %.1fs", time.Since(t0).Seconds())
}

// checkAccounts proves that every registration the client saw complete has
// exactly one account, with the ID the client was given, and that no
// account appeared that the client did not ask for.
func checkAccounts(t *testing.T, db *sql.DB, completed, failed map[string]outcome) {
	t.Helper()
	rows, err := db.Query(`SELECT id, id_number FROM accounts`)
	if err != nil {
		t.Fatalf("accounts: %v", err)
	}
	defer rows.Close()
	byNumber := map[string][]string{}
	n := 0
	for rows.Next() {
		var id, num string
		if err := rows.Scan(&id, &num); err != nil {
			t.Fatal(err)
		}
		byNumber[num] = append(byNumber[num], id)
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	dups, lost, strays, failedWithAccount := 0, 0, 0, 0
	for num, ids := range byNumber {
		if len(ids) > 1 {
			dups++
			t.Errorf("ID number %s has %d accounts", num, len(ids))
		}
		if _, ok := completed[num]; ok {
			continue
		}
		if _, ok := failed[num]; ok {
			failedWithAccount++
			continue
		}
		strays++
		t.Errorf("account %v for %s, which the load never registered", ids, num)
	}
	for num, o := range completed {
		ids := byNumber[num]
		if len(ids) == 0 {
			lost++
			t.Errorf("registration of %s completed (account %s) but no account exists", num, o.accountID)
		} else if ids[0] != o.accountID {
			t.Errorf("registration of %s: client saw account %s, store has %v", num, o.accountID, ids)
		}
	}
	t.Logf("accounts: %d in the store, %d completed registrations; %d lost, %d duplicated, %d unexpected; "+
		"%d of %d failed registrations nevertheless have an account", n, len(completed), lost, dups, strays,
		failedWithAccount, len(failed))
}

// checkDossiers proves that every dossier the client saw accepted was
// submitted exactly once, and that no account has two submitted dossiers.
func checkDossiers(t *testing.T, db *sql.DB, completed map[string]outcome) {
	t.Helper()
	rows, err := db.Query(`SELECT id_number, state, submitted_at IS NOT NULL FROM applications WHERE level = 1`)
	if err != nil {
		t.Fatalf("applications: %v", err)
	}
	defer rows.Close()
	sub, states := map[string]int{}, map[string]int{}
	drafts := 0
	for rows.Next() {
		var num, state string
		var isSub bool
		if err := rows.Scan(&num, &state, &isSub); err != nil {
			t.Fatal(err)
		}
		states[state]++
		if isSub {
			sub[num]++
		} else {
			drafts++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	lost, dups, seen := 0, 0, 0
	for num, n := range sub {
		if n > 1 {
			dups++
			t.Errorf("ID number %s has %d submitted level-1 dossiers", num, n)
		}
	}
	for num, o := range completed {
		if o.dossierErr != nil || o.dossierState == "" {
			continue
		}
		seen++
		if sub[num] == 0 {
			lost++
			t.Errorf("dossier of %s was accepted (%s) but none is stored as submitted", num, o.dossierState)
		}
	}
	t.Logf("dossiers: %d accepted by the client, %d submitted in the store %v, %d never submitted (drafts); "+
		"%d lost, %d duplicated", seen, len(sub), states, drafts, lost, dups)
}

// checkOutbox proves that every outbox message was delivered, and counts
// how often each was written to the SMS logs of the two instances: once is
// exactly-once, more is a redelivery.
func checkOutbox(t *testing.T, db *sql.DB, logs []string) {
	t.Helper()
	type row struct {
		id                        int64
		template, recipient, stat string
		attempts                  int
	}
	rows, err := db.Query(`SELECT id, template, recipient, status, attempts FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	defer rows.Close()
	var msgs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.template, &r.recipient, &r.stat, &r.attempts); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sent, torn := map[int64]int{}, 0
	perLog := make([]int, len(logs))
	for i, p := range logs {
		for _, e := range readSMSLog(p, &torn) {
			sent[e.ID]++
			perLog[i]++
		}
	}
	byStatus, byTemplate, attempts := map[string]int{}, map[string]int{}, map[int]int{}
	otpPerPhone := map[string]int{}
	lost, redelivered, extraSends := 0, 0, 0
	for _, m := range msgs {
		byStatus[m.stat]++
		byTemplate[m.template]++
		attempts[m.attempts]++
		if m.template == notify.TemplateOTP {
			otpPerPhone[m.recipient]++
		}
		switch n := sent[m.id]; {
		case n == 0:
			lost++
			t.Errorf("outbox message %d (%s to %s, %s) is in no SMS log", m.id, m.template, m.recipient, m.stat)
		case n > 1:
			redelivered++
			extraSends += n - 1
			t.Logf("outbox message %d (%s) was sent %d times", m.id, m.template, n)
		}
		if m.stat != "delivered" {
			t.Errorf("outbox message %d is %s after the drain", m.id, m.stat)
		}
		delete(sent, m.id)
	}
	for id, n := range sent {
		t.Errorf("SMS log holds message %d (%d times) that the outbox does not", id, n)
	}
	multiOTP := 0
	for _, n := range otpPerPhone {
		if n > 1 {
			multiOTP++
		}
	}
	t.Logf("outbox: %d messages %v by template %v, attempts %v; SMS log lines per instance %v, %d torn; "+
		"%d lost, %d sent more than once (%d extra sends); %d phones with more than one OTP",
		len(msgs), byStatus, byTemplate, attempts, perLog, torn, lost, redelivered, extraSends, multiOTP)
	if torn > 0 {
		t.Errorf("%d torn lines in the SMS logs", torn)
	}
	// Delivery is at least once: a message sent just before its instance
	// died, or before PostgreSQL went away, and not yet marked delivered,
	// is sent again when its lease ends (each line carries the outbox ID, so
	// a receiver can drop the repeat). That can only happen at a fault: at
	// most one message in flight per fault (one kill, one restart) is
	// allowed; more is a bug.
	if extraSends > faults {
		t.Errorf("%d extra sends for %d faults: more than a delivery in flight at each fault can explain", extraSends, faults)
	}
}

// faults is how many faults the test injects (B killed, PostgreSQL
// restarted).
const faults = 2

// outcome is what the client saw of one citizen's registration.
type outcome struct {
	idNumber  string
	accountID string
	attempts  int // registration flows begun (a new one after an unrecoverable step)
	retries   int // steps sent again after a transport error or a 5xx/429
	err       error

	dossierState string // the state the server gave the level-1 dossier
	dossierErr   error
}

type citizen struct {
	idNumber, qr string
	chip         *testkit.Chip
}

type load struct {
	t         *testing.T
	selfie    []byte
	urls      []string
	logs      []string
	hc        *http.Client
	completed atomic.Int64
	phone     atomic.Int64
}

func (l *load) run(ctx context.Context, cits []citizen) []outcome {
	out := make([]outcome, len(cits))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			turn := w
			for {
				i := int(next.Add(1)) - 1
				if i >= len(cits) {
					return
				}
				out[i] = l.register(ctx, cits[i], &turn)
				if out[i].err == nil {
					l.completed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// register runs one citizen's registration and first login, each step on
// the other instance than the step before it.
func (l *load) register(ctx context.Context, c citizen, turn *int) outcome {
	o := outcome{idNumber: c.idNumber}
	dev, err := appclient.NewDevice("Fault test phone", "android")
	if err != nil {
		o.err = err
		return o
	}
	// call sends one step, alternating instances, and sends it again (to
	// the other instance) after a transport error, a 5xx or a 429. It
	// reports whether an earlier try may have taken effect.
	call := func(step func(c *appclient.Client) error) (ambiguous bool, err error) {
		deadline := time.Now().Add(stepPatience)
		for {
			*turn++
			cl := &appclient.Client{BaseURL: l.urls[*turn%len(l.urls)], HTTP: l.hc, Device: dev}
			err = step(cl)
			if err == nil || ctx.Err() != nil || time.Now().After(deadline) {
				return ambiguous, err
			}
			var p *appclient.Problem
			if errors.As(err, &p) && p.Status < 500 && p.Status != http.StatusTooManyRequests {
				return ambiguous, err
			}
			ambiguous = true
			o.retries++
			time.Sleep(200 * time.Millisecond)
		}
	}
	login := func() bool {
		_, err := call(func(cl *appclient.Client) error {
			acc, err := cl.Login(ctx, c.idNumber, password)
			if err != nil {
				return err
			}
			o.accountID = acc.ID
			// The session made on one instance works on the other.
			*turn++
			other := &appclient.Client{BaseURL: l.urls[*turn%len(l.urls)], HTTP: l.hc, Device: dev, Token: cl.Token}
			me, _, err := other.Me(ctx)
			if err != nil {
				return fmt.Errorf("me on the other instance: %w", err)
			}
			if me.ID != acc.ID {
				return fmt.Errorf("me on the other instance: account %s, want %s", me.ID, acc.ID)
			}
			return nil
		})
		if err != nil {
			o.err = fmt.Errorf("login: %w", err)
		}
		return err == nil
	}
	for o.attempts = 1; o.attempts <= 4 && ctx.Err() == nil; o.attempts++ {
		phone := fmt.Sprintf("091%07d", l.phone.Add(1))
		var regID string
		if _, err := call(func(cl *appclient.Client) (err error) { regID, err = cl.Start(ctx, c.idNumber, phone); return err }); err != nil {
			// An earlier flow may have made the account after all.
			if o.attempts > 1 && login() {
				o.err = nil
				return o
			}
			o.err = fmt.Errorf("start: %w", err)
			continue
		}
		if _, err := call(func(cl *appclient.Client) error { _, err := cl.SubmitQR(ctx, regID, c.qr); return err }); err != nil {
			o.err = fmt.Errorf("qr: %w", err)
			continue
		}
		if _, err := call(func(cl *appclient.Client) error { _, err := cl.Confirm(ctx, regID); return err }); err != nil {
			o.err = fmt.Errorf("confirm: %w", err)
			continue
		}
		code, err := l.waitOTP(ctx, phone)
		if err != nil {
			o.err = err
			continue
		}
		amb, err := call(func(cl *appclient.Client) error { return cl.VerifyOTP(ctx, regID, code) })
		if err != nil && !amb {
			o.err = fmt.Errorf("verify OTP: %w", err)
			continue
		}
		amb, err = call(func(cl *appclient.Client) error { _, err := cl.SetPassword(ctx, regID, password); return err })
		if err != nil && !(amb && login()) {
			o.err = fmt.Errorf("set password: %w", err)
			continue
		}
		if o.accountID != "" || login() {
			o.err = nil
			l.dossier(ctx, c, &o, call)
			return o
		}
	}
	if o.err == nil {
		o.err = ctx.Err()
	}
	return o
}

// dossier sends the new account's level-1 dossier: log in, start the
// application on one instance, answer the chip's challenge and send the
// dossier on the other.
func (l *load) dossier(ctx context.Context, c citizen, o *outcome, call func(func(*appclient.Client) error) (bool, error)) {
	var token string
	if _, err := call(func(cl *appclient.Client) error {
		_, err := cl.Login(ctx, c.idNumber, password)
		token = cl.Token
		return err
	}); err != nil {
		o.dossierErr = fmt.Errorf("login: %w", err)
		return
	}
	var app appclient.Level1
	if _, err := call(func(cl *appclient.Client) (err error) {
		cl.Token = token
		app, err = cl.StartLevel1(ctx)
		return err
	}); err != nil {
		o.dossierErr = fmt.Errorf("start level 1: %w", err)
		return
	}
	answer, err := c.chip.AnswerChallenge(app.Challenge)
	if err != nil {
		o.dossierErr = err
		return
	}
	amb, err := call(func(cl *appclient.Client) error {
		cl.Token = token
		res, err := cl.SubmitLevel1(ctx, app.ApplicationID, c.chip.Files(), answer, l.selfie, c.qr)
		o.dossierState = res.State
		return err
	})
	if err != nil && amb {
		// The first try may have gone through: the account then waits
		// for level 1.
		_, err = call(func(cl *appclient.Client) error {
			cl.Token = token
			st, err := cl.EIDStatus(ctx)
			if err == nil && st.PendingLevel != 1 && st.Level != 1 {
				return fmt.Errorf("dossier not submitted (e-ID state %+v)", st)
			}
			o.dossierState = "submitted (" + st.State + ")"
			return err
		})
	}
	if err != nil {
		o.dossierErr = fmt.Errorf("submit level 1: %w", err)
		o.dossierState = ""
	}
}

// waitOTP reads the code sent to phone from the SMS logs of both
// instances: demo mode is off, so the outbox keeps only redacted bodies.
func (l *load) waitOTP(ctx context.Context, phone string) (string, error) {
	norm, err := identity.NormalizePhone(phone)
	if err != nil {
		return "", err
	}
	deadline := time.Now().Add(otpPatience)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		var torn int
		for _, p := range l.logs {
			for _, e := range readSMSLog(p, &torn) {
				if e.To == norm && e.Template == notify.TemplateOTP {
					if code := sixDigits.FindString(e.Body); code != "" {
						return code, nil
					}
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return "", fmt.Errorf("no OTP for %s in the SMS logs after %s", phone, otpPatience)
}

type smsEntry struct {
	ID       int64  `json:"id"`
	To       string `json:"to"`
	Template string `json:"template"`
	Body     string `json:"body"`
}

// readSMSLog reads a file sender's log; a line that does not parse (a
// write cut by SIGKILL) counts in torn, except a last line still being
// written.
func readSMSLog(path string, torn *int) []smsEntry {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []smsEntry
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var e smsEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			*torn++
			continue
		}
		out = append(out, e)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' && *torn > 0 {
		*torn-- // the last line is still being written
	}
	return out
}

// instance is one `vneid serve` process.
type instance struct {
	name, bin, cfg, dsn, dir, addr string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func (in *instance) url() string    { return "http://" + in.addr }
func (in *instance) smsLog() string { return filepath.Join(in.dir, "outbox.log") }

func (in *instance) start() error {
	if err := os.MkdirAll(in.dir, 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(in.dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(in.bin, "serve", "-config", in.cfg, "-db", in.dsn, "-listen", in.addr,
		"-data-dir", in.dir, "-demo=false")
	// Both instances share one master key (PostgreSQL refuses to start
	// without one); a fixed test key.
	cmd.Env = append(os.Environ(), masterKeyEnv)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", in.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	in.mu.Lock()
	in.cmd, in.done = cmd, done
	in.mu.Unlock()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("instance %s exited while starting:\n%s", in.name, tail(filepath.Join(in.dir, "serve.log"), 30))
		default:
		}
		resp, err := http.Get(in.url() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("instance %s not ready after 60s", in.name)
}

// kill sends SIGKILL and waits for the process to go.
func (in *instance) kill() {
	in.mu.Lock()
	cmd, done := in.cmd, in.done
	in.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// stop asks the process to shut down (SIGTERM), killing it after 15s.
func (in *instance) stop() {
	in.mu.Lock()
	cmd, done := in.cmd, in.done
	in.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// freshSchema makes a schema of its own on the test server and returns a
// DSN that uses it and an admin connection to it; the schema is dropped at
// the end.
func freshSchema(t *testing.T) (string, *sql.DB) {
	t.Helper()
	base := storetest.PostgresDSN()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "fault_" + hex.EncodeToString(b[:])
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dsn := u.String()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("PostgreSQL at %s: create schema: %v", base, err)
	}
	admin.Close()
	t.Cleanup(func() {
		ensurePostgres(t) // the drop needs the server the test restarted
		c, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return dsn, db
}

// eligibleCitizens picks up to n citizens who may register: alive, 14 or
// older, holding a valid chip card.
func eligibleCitizens(t *testing.T, dsn string, n int, pki *testkit.PKI) []citizen {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	today := identity.DateOf(time.Now().In(time.FixedZone("ICT", 7*3600)))
	var out []citizen
	after := ""
	for len(out) < n {
		page, err := st.ListCitizens(ctx, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			card, ok := c.CurrentCard(today)
			if !ok || !card.Chip || c.LifeStatus != registry.Alive || c.DateOfBirth.AgeOn(today) < 15 || len(out) >= n {
				continue
			}
			chip, err := pki.IssueChip(c, card, testkit.ChipOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, citizen{idNumber: c.ID, qr: cccd.FromCard(c, card).String(), chip: chip})
		}
		after = page[len(page)-1].ID
	}
	if len(out) < n/2 {
		t.Fatalf("only %d eligible citizens in a population of %d", len(out), population)
	}
	return out
}

func restartPostgres() error {
	ver, err := clusterVersion()
	if err != nil {
		return err
	}
	out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", ver, "main", "restart").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctlcluster restart: %v: %s", err, out)
	}
	return waitPostgres(60 * time.Second)
}

// ensurePostgres starts the cluster if it is not answering.
func ensurePostgres(t *testing.T) {
	if waitPostgres(2*time.Second) == nil {
		return
	}
	ver, err := clusterVersion()
	if err == nil {
		var out []byte
		out, err = exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", ver, "main", "start").CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%v: %s", err, out)
		}
	}
	if err == nil {
		err = waitPostgres(60 * time.Second)
	}
	if err != nil {
		t.Errorf("PostgreSQL is not running after the fault test: %v", err)
	}
}

func clusterVersion() (string, error) {
	ents, err := os.ReadDir("/etc/postgresql")
	if err != nil || len(ents) == 0 {
		return "", fmt.Errorf("no cluster under /etc/postgresql: %v", err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names[0], nil
}

func waitPostgres(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		db, err := sql.Open("pgx", storetest.PostgresDSN())
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err = db.PingContext(ctx)
			cancel()
			db.Close()
		}
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("PostgreSQL not answering: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// run runs a command and fails the test if it fails; it returns stdout.
// masterKeyEnv gives every instance and command the same master key (the
// instances have their own data directories, and PostgreSQL needs one).
const masterKeyEnv = "VNEID_MASTER_KEY=6661756c742d746573742d6d61737465722d6b65792d33322d62797465732121"

func run(t *testing.T, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), masterKeyEnv)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
