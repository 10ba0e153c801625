package notify_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/store"
)

// The SMPP tests run against tools/smpp-peer, an SMSC built on the npm
// package "smpp". Install it from the repository root with
//
//	npm ci --prefix tools/smpp-peer
//
// or set VNEID_SKIP_NODE=1 to skip these tests.

const approvalNotice = "Cục Cảnh sát QLHC về TTXH thông báo: Hồ sơ đăng ký tài khoản định danh điện tử của công dân NGUYEN VAN AN đã được phê duyệt. Để nghị truy cập ứng dụng VNNeID hoặc địa chỉ https://vneid.gov.vn để kích hoạt tài khoản."

// peerWait bounds every wait for the peer, so that a broken peer fails the
// test instead of hanging it; nothing is asserted about how long anything
// takes.
const peerWait = 15 * time.Second

var peerDir = filepath.Join("..", "..", "tools", "smpp-peer")

// requireNode fails the test, or skips it when VNEID_SKIP_NODE=1, if node or
// the peer's packages are missing.
func requireNode(t *testing.T) string {
	t.Helper()
	const how = "the SMPP tests need Node.js and the npm packages of tools/smpp-peer; " +
		"install them from the repository root with `npm ci --prefix tools/smpp-peer`, " +
		"or set VNEID_SKIP_NODE=1 to skip these tests"
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(peerDir, "node_modules", "smpp", "package.json"))
	}
	if err != nil {
		if os.Getenv("VNEID_SKIP_NODE") == "1" {
			t.Skipf("VNEID_SKIP_NODE=1: %v", err)
		}
		t.Fatalf("%s (%v)", how, err)
	}
	return node
}

// peerEvent is one JSON line of the peer's output.
type peerEvent struct {
	Event              string `json:"event"`
	Port               int    `json:"port"`
	Session            int    `json:"session"`
	OK                 bool   `json:"ok"`
	SystemID           string `json:"system_id"`
	SystemType         string `json:"system_type"`
	InterfaceVersion   int    `json:"interface_version"`
	Sequence           uint32 `json:"sequence"`
	ServiceType        string `json:"service_type"`
	SourceAddrTON      int    `json:"source_addr_ton"`
	SourceAddrNPI      int    `json:"source_addr_npi"`
	SourceAddr         string `json:"source_addr"`
	DestAddrTON        int    `json:"dest_addr_ton"`
	DestAddrNPI        int    `json:"dest_addr_npi"`
	DestinationAddr    string `json:"destination_addr"`
	ESMClass           int    `json:"esm_class"`
	RegisteredDelivery int    `json:"registered_delivery"`
	DataCoding         int    `json:"data_coding"`
	ValidityPeriod     string `json:"validity_period"`
	ShortMessage       string `json:"short_message"` // hex
	UDH                string `json:"udh"`           // hex
	Text               string `json:"text"`          // as the peer decoded it
	MessageID          string `json:"message_id"`
	Status             int    `json:"status"`
	Nack               bool   `json:"nack"`
}

// smppPeer is a running tools/smpp-peer/server.js.
type smppPeer struct {
	port   int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan peerEvent
	exited chan struct{}
	stderr lockedBuffer
}

// startPeer starts the peer on port (0: any) with extra environment
// variables; it is stopped when the test ends.
func startPeer(t *testing.T, port int, env ...string) *smppPeer {
	t.Helper()
	node := requireNode(t)
	p := &smppPeer{events: make(chan peerEvent, 1000), exited: make(chan struct{})}
	p.cmd = exec.Command(node, filepath.Join(peerDir, "server.js"), fmt.Sprint(port))
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &p.stderr
	var err error
	// The peer exits when its stdin closes, so it cannot outlive the test
	// binary.
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start the SMPP peer: %v", err)
	}
	go func() {
		defer close(p.exited)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var ev peerEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				ev = peerEvent{Event: "bad line: " + sc.Text()}
			}
			p.events <- ev
		}
		io.Copy(io.Discard, stdout)
		p.cmd.Wait()
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("SMPP peer stderr:\n%s", p.stderr.String())
		}
	})
	ev := p.next(t, "listening")
	p.port = ev.Port
	return p
}

// stop ends the peer, closing its stdin first and killing it if that is not
// enough.
func (p *smppPeer) stop() {
	p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(peerWait):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// kill ends the peer abruptly, like a crash.
func (p *smppPeer) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// next returns the next event of the given kind, skipping others.
func (p *smppPeer) next(t *testing.T, kind string) peerEvent {
	t.Helper()
	timeout := time.After(peerWait)
	for {
		select {
		case ev := <-p.events:
			if strings.HasPrefix(ev.Event, "bad line") {
				t.Fatalf("SMPP peer: %s", ev.Event)
			}
			if ev.Event == kind {
				return ev
			}
		case <-p.exited:
			t.Fatalf("SMPP peer exited while waiting for %s; stderr:\n%s", kind, p.stderr.String())
		case <-timeout:
			t.Fatalf("no %s from the SMPP peer", kind)
		}
	}
}

// collect returns every event up to and including the n-th of the given
// kind.
func (p *smppPeer) collect(t *testing.T, kind string, n int) []peerEvent {
	t.Helper()
	var evs []peerEvent
	timeout := time.After(peerWait)
	for n > 0 {
		select {
		case ev := <-p.events:
			if strings.HasPrefix(ev.Event, "bad line") {
				t.Fatalf("SMPP peer: %s", ev.Event)
			}
			evs = append(evs, ev)
			if ev.Event == kind {
				n--
			}
		case <-p.exited:
			t.Fatalf("SMPP peer exited while waiting for %s; stderr:\n%s", kind, p.stderr.String())
		case <-timeout:
			t.Fatalf("too few %s from the SMPP peer", kind)
		}
	}
	return evs
}

// count counts the events of a kind.
func count(evs []peerEvent, kind string) int {
	n := 0
	for _, ev := range evs {
		if ev.Event == kind {
			n++
		}
	}
	return n
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newSMSSender(t *testing.T, port int, edit func(*notify.SMPPConfig)) *notify.SMSSender {
	t.Helper()
	cfg := notify.SMPPConfig{
		Addr:     net.JoinHostPort("127.0.0.1", fmt.Sprint(port)),
		SystemID: "vneid", Password: "secret", SystemType: "VNEID",
		DialTimeout: peerWait, ResponseTimeout: peerWait,
		Logger: quiet,
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := notify.NewSMSSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func smsMessage(to, body string) store.OutboxMessage {
	return store.OutboxMessage{ID: 42, Channel: notify.SMS, Recipient: to, Template: "dossier_approved", Body: body}
}

func TestSMSSenderBind(t *testing.T) {
	peer := startPeer(t, 0)

	bad := newSMSSender(t, peer.port, func(c *notify.SMPPConfig) { c.Password = "wrong" })
	err := bad.Send(context.Background(), smsMessage("0912345678", "hello"))
	var se *notify.SMPPStatusError
	if !errors.Is(err, notify.ErrPermanent) || !errors.As(err, &se) || se.Status != 0x0E || se.Command != "bind_transmitter" {
		t.Fatalf("wrong password: %v, want a permanent ESME_RINVPASWD", err)
	}
	if ev := peer.next(t, "bind_transmitter"); ev.OK || ev.SystemID != "vneid" {
		t.Errorf("peer saw %+v", ev)
	}

	good := newSMSSender(t, peer.port, nil)
	if err := good.Send(context.Background(), smsMessage("0912345678", "hello")); err != nil {
		t.Fatal(err)
	}
	ev := peer.next(t, "bind_transmitter")
	if !ev.OK || ev.SystemID != "vneid" || ev.SystemType != "VNEID" || ev.InterfaceVersion != 0x34 {
		t.Errorf("bind_transmitter as the peer saw it: %+v; want system_id vneid, system_type VNEID, interface_version 0x34", ev)
	}
}

func TestSMSSenderShortASCII(t *testing.T) {
	peer := startPeer(t, 0)
	s := newSMSSender(t, peer.port, func(c *notify.SMPPConfig) {
		c.RegisteredDelivery = 1
		c.ValidityPeriod = 5 * time.Minute
	})
	const text = "Your VNeID code is 048213. Valid 5 minutes!"
	ids, err := s.Submit(context.Background(), "+84 912 345 678", text)
	if err != nil {
		t.Fatal(err)
	}
	ev := peer.next(t, "submit_sm")
	want := peerEvent{
		Event: "submit_sm", Session: ev.Session, Sequence: ev.Sequence,
		SourceAddrTON: 5, SourceAddrNPI: 0, SourceAddr: "VNeID",
		DestAddrTON: 1, DestAddrNPI: 1, DestinationAddr: "84912345678",
		ESMClass: 0, RegisteredDelivery: 1, DataCoding: 0, ValidityPeriod: "000000000500000R",
		ShortMessage: hex.EncodeToString([]byte(text)), Text: text, MessageID: ev.MessageID,
	}
	if ev != want {
		t.Errorf("submit_sm as the peer saw it:\n %+v\nwant\n %+v", ev, want)
	}
	if len(ids) != 1 || ids[0] != ev.MessageID || ev.MessageID == "" {
		t.Errorf("message IDs %q, want [%q]", ids, ev.MessageID)
	}
}

func TestSMSSenderLongVietnamese(t *testing.T) {
	peer := startPeer(t, 0)
	var logs lockedBuffer
	s := newSMSSender(t, peer.port, func(c *notify.SMPPConfig) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	// The approval notice as the e-ID service writes it to the outbox.
	m := notify.EIDApprovedMessage("0912345678", "NGUYEN VAN AN", "", time.Now())
	if m.Body != approvalNotice {
		t.Fatalf("approval notice %q, want %q", m.Body, approvalNotice)
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var units []uint16
	var peerText strings.Builder
	var ids []string
	ref := ""
	for i := range 4 {
		ev := peer.next(t, "submit_sm")
		if ev.DataCoding != 0x08 || ev.ESMClass&0x40 == 0 || ev.DestinationAddr != "84912345678" || ev.DestAddrTON != 1 || ev.DestAddrNPI != 1 {
			t.Errorf("part %d: %+v; want UCS-2 with a UDH to 84912345678", i+1, ev)
		}
		sm, err := hex.DecodeString(ev.ShortMessage)
		if err != nil || len(sm) < 6 {
			t.Fatalf("part %d: short_message %q", i+1, ev.ShortMessage)
		}
		udh := sm[:6]
		if ref == "" {
			ref = fmt.Sprintf("%02x", udh[3])
		}
		if wantUDH := fmt.Sprintf("050003%s04%02x", ref, i+1); hex.EncodeToString(udh) != wantUDH || ev.UDH != wantUDH[2:] {
			t.Errorf("part %d: UDH %x (peer: %s), want %s", i+1, udh, ev.UDH, wantUDH)
		}
		body := sm[6:]
		if len(body) > 134 || len(body)%2 != 0 {
			t.Errorf("part %d: %d octets of UCS-2", i+1, len(body))
		}
		for j := 0; j+1 < len(body); j += 2 {
			units = append(units, uint16(body[j])<<8|uint16(body[j+1]))
		}
		peerText.WriteString(ev.Text)
		ids = append(ids, ev.MessageID)
	}
	if got := string(utf16.Decode(units)); got != approvalNotice {
		t.Errorf("reassembled text\n got %q\nwant %q", got, approvalNotice)
	}
	if peerText.String() != approvalNotice {
		t.Errorf("the peer decoded\n %q\nwant %q", peerText.String(), approvalNotice)
	}
	// The debug log has the SMSC's message IDs and nothing personal.
	log := logs.String()
	for _, id := range ids {
		if !strings.Contains(log, id) {
			t.Errorf("message ID %s not logged:\n%s", id, log)
		}
	}
	for _, secret := range []string{"912345678", "NGUYEN", "Hồ sơ", "Cục", "vneid.gov.vn"} {
		if strings.Contains(log, secret) {
			t.Errorf("log has %q:\n%s", secret, log)
		}
	}
}

func TestSMSSenderStatuses(t *testing.T) {
	tests := []struct {
		name      string
		env       []string
		status    uint32
		permanent bool
		nack      bool
	}{
		{"throttled", []string{"SMPP_FAIL=0x58", "SMPP_FAIL_COUNT=1"}, 0x58, false, false},
		{"message queue full", []string{"SMPP_FAIL=0x14", "SMPP_FAIL_COUNT=1"}, 0x14, false, false},
		{"system error", []string{"SMPP_FAIL=0x08", "SMPP_FAIL_COUNT=1"}, 0x08, false, false},
		{"invalid destination", []string{"SMPP_INVALID_DEST=84912345678"}, 0x0B, true, false},
		{"submit failed", []string{"SMPP_FAIL=0x45", "SMPP_FAIL_COUNT=1"}, 0x45, true, false},
		{"generic_nack", []string{"SMPP_NACK=0x03"}, 0x03, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			peer := startPeer(t, 0, tc.env...)
			s := newSMSSender(t, peer.port, nil)
			err := s.Send(context.Background(), smsMessage("0912345678", "Xin chào"))
			var se *notify.SMPPStatusError
			if !errors.As(err, &se) || se.Status != tc.status || se.Nack != tc.nack || se.Command != "submit_sm" {
				t.Fatalf("Send: %v; want status 0x%02X (nack %t)", err, tc.status, tc.nack)
			}
			if errors.Is(err, notify.ErrPermanent) != tc.permanent {
				t.Fatalf("Send: %v; permanent %t, want %t", err, !tc.permanent, tc.permanent)
			}
			if tc.permanent {
				return
			}
			// The SMSC takes it now, on the same session.
			if err := s.Send(context.Background(), smsMessage("0912345678", "Xin chào")); err != nil {
				t.Fatalf("second Send: %v", err)
			}
			evs := peer.collect(t, "submit_sm", 2)
			if ev := evs[len(evs)-1]; ev.Status != 0 || ev.Session != 1 || count(evs, "bind_transmitter") != 1 {
				t.Errorf("events %+v; want the second submit_sm accepted on the one session", evs)
			}
		})
	}
}

// Many messages, some at once, go over one session.
func TestSMSSenderSessionReuse(t *testing.T) {
	peer := startPeer(t, 0)
	s := newSMSSender(t, peer.port, func(c *notify.SMPPConfig) { c.Window = 4 })
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text := fmt.Sprintf("Tin nhan so %d", i)
			if i%3 == 0 {
				text = fmt.Sprintf("Tin nhắn số %d: %s", i, approvalNotice) // 4 parts
			}
			errs <- s.Send(context.Background(), smsMessage(fmt.Sprintf("09%08d", 12345600+i), text))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := n/3*4 + n - n/3
	evs := peer.collect(t, "submit_sm", want)
	if n := count(evs, "bind_transmitter"); n != 1 {
		t.Errorf("%d binds, want 1", n)
	}
	seqs := map[uint32]bool{}
	ids := map[string]bool{}
	for _, ev := range evs {
		if ev.Event != "submit_sm" {
			continue
		}
		if ev.Session != 1 || seqs[ev.Sequence] || ids[ev.MessageID] || ev.Status != 0 {
			t.Errorf("submit_sm %+v: want it accepted on session 1 with a new sequence number and message ID", ev)
		}
		seqs[ev.Sequence], ids[ev.MessageID] = true, true
	}
}

func TestSMSSenderReconnect(t *testing.T) {
	peer := startPeer(t, 0)
	s := newSMSSender(t, peer.port, nil)
	if err := s.Send(context.Background(), smsMessage("0912345678", "before")); err != nil {
		t.Fatal(err)
	}
	peer.next(t, "submit_sm")

	// The SMSC dies; while it is down, sending fails and may be retried.
	port := peer.port
	peer.kill()
	err := s.Send(context.Background(), smsMessage("0912345678", "while down"))
	if err == nil || errors.Is(err, notify.ErrPermanent) {
		t.Fatalf("Send to a dead SMSC: %v, want a retryable error", err)
	}

	// It comes back on the same port: the next sends bind again.
	peer = startPeer(t, port)
	if err := s.Send(context.Background(), smsMessage("0912345678", "after")); err != nil {
		t.Fatalf("Send after the restart: %v", err)
	}
	if ev := peer.next(t, "bind_transmitter"); !ev.OK {
		t.Errorf("bind after restart: %+v", ev)
	}
	if ev := peer.next(t, "submit_sm"); ev.Text != "after" {
		t.Errorf("submit_sm after restart: %+v", ev)
	}

	// It dies again while the session is idle: the first send after its
	// return may fail (retryably) on the dead session; the next one binds
	// again and succeeds.
	peer.kill()
	peer = startPeer(t, port)
	var errs []error
	for range 2 {
		err := s.Send(context.Background(), smsMessage("0912345678", "again"))
		if err == nil {
			break
		}
		errs = append(errs, err)
	}
	if len(errs) == 2 || slices.ContainsFunc(errs, func(err error) bool { return errors.Is(err, notify.ErrPermanent) }) {
		t.Fatalf("Send after the second restart: %v", errs)
	}
	if ev := peer.next(t, "submit_sm"); ev.Text != "again" {
		t.Errorf("submit_sm after the second restart: %+v", ev)
	}
}

func TestSMSSenderEnquireLink(t *testing.T) {
	// The peer asks every 20 ms; the sender answers.
	peer := startPeer(t, 0, "SMPP_ENQUIRE_LINK_MS=20")
	s := newSMSSender(t, peer.port, func(c *notify.SMPPConfig) { c.EnquireLinkInterval = -1 })
	if err := s.Send(context.Background(), smsMessage("0912345678", "ping")); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if ev := peer.next(t, "enquire_link_resp"); ev.Status != 0 {
			t.Errorf("enquire_link answered with status %d", ev.Status)
		}
	}

	// The sender asks; the peer answers, and the session stays up.
	peer = startPeer(t, 0)
	s = newSMSSender(t, peer.port, func(c *notify.SMPPConfig) { c.EnquireLinkInterval = 20 * time.Millisecond })
	if err := s.Send(context.Background(), smsMessage("0912345678", "ping")); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		peer.next(t, "enquire_link")
	}
	if err := s.Send(context.Background(), smsMessage("0912345678", "pong")); err != nil {
		t.Fatal(err)
	}
	if ev := peer.next(t, "submit_sm"); ev.Session != 1 || ev.Text != "pong" {
		t.Errorf("submit_sm after keep-alives: %+v; want it on session 1", ev)
	}
}

func TestSMSSenderClose(t *testing.T) {
	peer := startPeer(t, 0)
	s := newSMSSender(t, peer.port, nil)
	if err := s.Send(context.Background(), smsMessage("0912345678", "hello")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	peer.next(t, "unbind")
	peer.next(t, "close")
	err := s.Send(context.Background(), smsMessage("0912345678", "hello"))
	if !errors.Is(err, notify.ErrSenderClosed) || errors.Is(err, notify.ErrPermanent) {
		t.Errorf("Send after Close: %v, want ErrSenderClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// These need no SMSC: the sender fails before connecting, or cannot connect.
func TestSMSSenderWithoutSMSC(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := newSMSSender(t, port, func(c *notify.SMPPConfig) { c.MaxParts = 2 })

	for _, tc := range []struct{ to, body string }{
		{"", "hello"},
		{"091234567", "hello"},
		{"+1 202 555 0100", "hello"},
		{"an@example.vn", "hello"},
		{"0912345678", ""},
		{"0912345678", approvalNotice}, // 4 parts
	} {
		err := s.Send(context.Background(), smsMessage(tc.to, tc.body))
		if !errors.Is(err, notify.ErrPermanent) {
			t.Errorf("Send to %q of %d characters: %v, want a permanent error", tc.to, len(tc.body), err)
		}
		if err != nil && tc.to != "" && strings.Contains(err.Error(), tc.to) {
			t.Errorf("error %q repeats the number", err)
		}
	}
	// The SMSC is down: retryable.
	if err := s.Send(context.Background(), smsMessage("0912345678", "hello")); err == nil || errors.Is(err, notify.ErrPermanent) {
		t.Errorf("SMSC down: %v, want a retryable error", err)
	}
	// A cancelled context: retryable.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, smsMessage("0912345678", "hello")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

func TestNewSMSSender(t *testing.T) {
	ok := notify.SMPPConfig{Addr: "smsc.example.vn:2775", SystemID: "vneid", Password: "secret"}
	tests := []struct {
		name string
		edit func(*notify.SMPPConfig)
	}{
		{"no address", func(c *notify.SMPPConfig) { c.Addr = "" }},
		{"system ID over 15", func(c *notify.SMPPConfig) { c.SystemID = strings.Repeat("x", 16) }},
		{"password over 8", func(c *notify.SMPPConfig) { c.Password = "123456789" }},
		{"system type over 12", func(c *notify.SMPPConfig) { c.SystemType = strings.Repeat("x", 13) }},
		{"service type over 5", func(c *notify.SMPPConfig) { c.ServiceType = "CMTXXX" }},
		{"NUL in the password", func(c *notify.SMPPConfig) { c.Password = "a\x00b" }},
		{"non-ASCII source", func(c *notify.SMPPConfig) { c.Source = notify.SMPPAddress{TON: 5, Addr: "VNeÍD"} }},
		{"alphanumeric source over 11", func(c *notify.SMPPConfig) { c.Source = notify.SMPPAddress{TON: 5, Addr: "VNeID-Bo-CA-1"} }},
		{"max parts over 255", func(c *notify.SMPPConfig) { c.MaxParts = 256 }},
		{"negative max parts", func(c *notify.SMPPConfig) { c.MaxParts = -1 }},
		{"validity under a second", func(c *notify.SMPPConfig) { c.ValidityPeriod = time.Millisecond }},
		{"validity of 100 days", func(c *notify.SMPPConfig) { c.ValidityPeriod = 100 * 24 * time.Hour }},
	}
	for _, tc := range tests {
		c := ok
		tc.edit(&c)
		if _, err := notify.NewSMSSender(c); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	c := ok
	c.Source = notify.SMPPAddress{TON: 1, NPI: 1, Addr: "84912000000"}
	c.ValidityPeriod = 5 * time.Minute
	if _, err := notify.NewSMSSender(c); err != nil {
		t.Errorf("numeric source: %v", err)
	}
}

func ExampleNewSMSSender() {
	s, err := notify.NewSMSSender(notify.SMPPConfig{
		Addr:           "smsc.operator.example:2775",
		SystemID:       "vneid",
		Password:       "secret",
		ValidityPeriod: 5 * time.Minute, // as long as a one-time code lasts
	})
	if err != nil {
		panic(err)
	}
	defer s.Close() // unbind
	w := &notify.Worker{Senders: map[string]notify.Sender{notify.SMS: s}}
	_ = w
}
