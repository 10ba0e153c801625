package notify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/store"
)

// testCert returns a self-signed certificate for 127.0.0.1 and localhost, and
// a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtp test server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// received is a message an smtpBackend accepted.
type received struct {
	from string
	to   []string
	data []byte
	tls  bool   // the message came over TLS
	user string // who authenticated, if anyone
}

// smtpBackend is a go-smtp backend that records what it accepts. Recipients
// whose local part is "reject" get 550, "later" 451.
type smtpBackend struct {
	user, password string // accepted AUTH PLAIN credentials

	mu       sync.Mutex
	sessions int
	authTry  int
	msgs     []received
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.mu.Lock()
	b.sessions++
	b.mu.Unlock()
	return &smtpSession{b: b, c: c}, nil
}

func (b *smtpBackend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

func (b *smtpBackend) counts() (sessions, authTries int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sessions, b.authTry
}

type smtpSession struct {
	b    *smtpBackend
	c    *smtp.Conn
	user string
	msg  received
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		s.b.mu.Lock()
		s.b.authTry++
		s.b.mu.Unlock()
		if identity != "" && identity != username || username != s.b.user || password != s.b.password {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.msg = received{from: from, user: s.user}
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "reject@"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + strings.ToUpper(to) + ">: No such user"}
	case strings.HasPrefix(to, "later@"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	s.msg.to = append(s.msg.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = data
	_, s.msg.tls = s.c.TLSConnectionState()
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.msg)
	s.b.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.msg = received{} }
func (s *smtpSession) Logout() error { return nil }

type smtpServerMode int

const (
	plainServer    smtpServerMode = iota // no TLS at all
	starttlsServer                       // offers STARTTLS
	implicitServer                       // TLS from the first byte
)

// startSMTP starts a go-smtp server on 127.0.0.1 and returns its port.
func startSMTP(t *testing.T, be *smtpBackend, mode smtpServerMode, cert tls.Certificate) int {
	t.Helper()
	srv := smtp.NewServer(be)
	srv.Domain = "mx.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	switch mode {
	case starttlsServer:
		srv.TLSConfig = tlsConfig
	case implicitServer:
		l = tls.NewListener(l, tlsConfig)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		l.Close() // in case Close came before Serve saw l
		<-done
	})
	return port
}

const (
	vnSubject = "Hồ sơ định danh điện tử của bạn đã được phê duyệt — Cục Cảnh sát QLHC về TTXH"
	vnBody    = "Kính gửi công dân NGUYỄN VĂN AN,\n\nHồ sơ đăng ký tài khoản định danh điện tử mức độ 2 của bạn đã được phê duyệt. " +
		"Để nghị truy cập ứng dụng VNeID hoặc địa chỉ https://vneid.gov.vn để kích hoạt tài khoản.\n" +
		".Dòng này bắt đầu bằng dấu chấm; dòng sau chỉ có một dấu chấm:\n.\n" +
		"Một dòng rất dài để kiểm tra việc ngắt dòng của quoted-printable: ẩ ẫ ậ ắ ằ ẳ ẵ ặ ẹ ẻ ẽ ế ề ể ễ ệ ỉ ị ọ ỏ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ụ ủ ứ ừ ử ữ ự ỳ ỵ ỷ ỹ =?utf-8?q?không-phải?= 100% =3D\n"
)

var ict = time.FixedZone("ICT", 7*3600)

func emailMessage(to string) store.OutboxMessage {
	return store.OutboxMessage{ID: 7, Channel: notify.Email, Recipient: to, Template: "dossier_approved", Body: vnBody}
}

func newEmailSender(t *testing.T, cfg notify.SMTPConfig) *notify.EmailSender {
	t.Helper()
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.From == "" {
		cfg.From = "no-reply@vneid.gov.vn"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	s, err := notify.NewEmailSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkEmail parses a received message and checks its headers, subject and
// body against what was sent.
func checkEmail(t *testing.T, got received, to, subject, body string) {
	t.Helper()
	if got.from != "no-reply@vneid.gov.vn" || len(got.to) != 1 || got.to[0] != to {
		t.Errorf("envelope from %q to %q, want no-reply@vneid.gov.vn to %q", got.from, got.to, to)
	}
	head, _, _ := bytes.Cut(got.data, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		if len(line) > 76 {
			t.Errorf("header line of %d bytes: %q", len(line), line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 {
				t.Errorf("header line with 8-bit data: %q", line)
				break
			}
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, got.data)
	}
	h := msg.Header
	wantHeaders := map[string]string{
		"From":                      `"VNeID" <no-reply@vneid.gov.vn>`,
		"To":                        to,
		"Date":                      "Sun, 15 Mar 2026 15:30:00 +0700",
		"Mime-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted":            "auto-generated",
	}
	for k, v := range wantHeaders {
		if h.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, h.Get(k), v)
		}
	}
	if d, err := h.Date(); err != nil || !d.Equal(time.Date(2026, 3, 15, 15, 30, 0, 0, ict)) {
		t.Errorf("Date parses as %v, %v", d, err)
	}
	if id := h.Get("Message-Id"); !regexp.MustCompile(`^<[0-9a-f]{32}@vneid\.gov\.vn>$`).MatchString(id) {
		t.Errorf("Message-ID %q", id)
	}
	if a, err := mail.ParseAddress(h.Get("From")); err != nil || a.Name != "VNeID" || a.Address != "no-reply@vneid.gov.vn" {
		t.Errorf("From parses as %v, %v", a, err)
	}
	rawSubject := h.Get("Subject")
	if !strings.HasPrefix(rawSubject, "=?utf-8?q?") {
		t.Errorf("Subject %q is not an RFC 2047 encoded-word", rawSubject)
	}
	gotSubject, err := new(mime.WordDecoder).DecodeHeader(rawSubject)
	if err != nil {
		t.Fatalf("decode subject %q: %v", rawSubject, err)
	}
	if gotSubject != subject {
		t.Errorf("subject\n got %q\nwant %q", gotSubject, subject)
	}
	gotBody, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	// Text lines end in CRLF on the wire.
	if want := strings.ReplaceAll(body, "\n", "\r\n"); !bytes.Equal(gotBody, []byte(want)) {
		t.Errorf("body\n got %q\nwant %q", gotBody, want)
	}
}

func TestEmailSenderPlaintext(t *testing.T) {
	be := &smtpBackend{}
	port := startSMTP(t, be, plainServer, tls.Certificate{})
	s := newEmailSender(t, notify.SMTPConfig{Port: port, TLSMode: notify.SMTPPlaintext,
		Subject: func(template string) string {
			if template == "dossier_approved" {
				return vnSubject
			}
			return "wrong template " + template
		},
		Now: func() time.Time { return time.Date(2026, 3, 15, 8, 30, 0, 0, time.UTC).In(ict) }})
	if err := s.Send(context.Background(), emailMessage("an.nguyen@example.vn")); err != nil {
		t.Fatal(err)
	}
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages received, want 1", len(msgs))
	}
	if msgs[0].tls || msgs[0].user != "" {
		t.Errorf("tls %t, user %q; want neither", msgs[0].tls, msgs[0].user)
	}
	checkEmail(t, msgs[0], "an.nguyen@example.vn", vnSubject, vnBody)
}

func TestEmailSenderSTARTTLSAndAuth(t *testing.T) {
	cert, pool := testCert(t)
	be := &smtpBackend{user: "vneid-mailer", password: "mật khẩu đúng"}
	port := startSMTP(t, be, starttlsServer, cert)
	now := func() time.Time { return time.Date(2026, 3, 15, 15, 30, 0, 0, ict) }
	s := newEmailSender(t, notify.SMTPConfig{Port: port, TLSMode: notify.SMTPStartTLS,
		Username: "vneid-mailer", Password: "mật khẩu đúng", TLSConfig: &tls.Config{RootCAs: pool}, Now: now})
	if err := s.Send(context.Background(), emailMessage("an.nguyen@example.vn")); err != nil {
		t.Fatal(err)
	}
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages received, want 1", len(msgs))
	}
	if !msgs[0].tls || msgs[0].user != "vneid-mailer" {
		t.Errorf("tls %t, user %q; want TLS and vneid-mailer", msgs[0].tls, msgs[0].user)
	}
	checkEmail(t, msgs[0], "an.nguyen@example.vn", notify.DefaultSubject(""), vnBody)

	// A wrong password is a 535 reply: permanent.
	bad := newEmailSender(t, notify.SMTPConfig{Port: port, Username: "vneid-mailer", Password: "sai",
		TLSConfig: &tls.Config{RootCAs: pool}, Now: now})
	err := bad.Send(context.Background(), emailMessage("an.nguyen@example.vn"))
	if !errors.Is(err, notify.ErrPermanent) || !strings.Contains(err.Error(), "535") {
		t.Errorf("wrong password: %v, want a permanent 535", err)
	}
	// A certificate nobody trusts: not sent, and may be retried once the
	// configuration is fixed.
	untrusted := newEmailSender(t, notify.SMTPConfig{Port: port, Username: "vneid-mailer", Password: "mật khẩu đúng", Now: now})
	err = untrusted.Send(context.Background(), emailMessage("an.nguyen@example.vn"))
	if err == nil || errors.Is(err, notify.ErrPermanent) {
		t.Errorf("untrusted certificate: %v, want a retryable error", err)
	}
	if _, tries := be.counts(); tries != 2 {
		t.Errorf("%d AUTH attempts, want 2 (none over the untrusted connection)", tries)
	}
	if n := len(be.messages()); n != 1 {
		t.Errorf("%d messages received, want still 1", n)
	}
}

func TestEmailSenderImplicitTLS(t *testing.T) {
	cert, pool := testCert(t)
	be := &smtpBackend{user: "u", password: "p"}
	port := startSMTP(t, be, implicitServer, cert)
	s := newEmailSender(t, notify.SMTPConfig{Host: "localhost", Port: port, TLSMode: notify.SMTPImplicitTLS,
		Username: "u", Password: "p", TLSConfig: &tls.Config{RootCAs: pool},
		Subject: func(string) string { return vnSubject }, Now: func() time.Time { return time.Date(2026, 3, 15, 15, 30, 0, 0, ict) }})
	if err := s.Send(context.Background(), emailMessage("an.nguyen@example.vn")); err != nil {
		t.Fatal(err)
	}
	msgs := be.messages()
	if len(msgs) != 1 || !msgs[0].tls || msgs[0].user != "u" {
		t.Fatalf("received %+v, want one message over TLS from u", msgs)
	}
	checkEmail(t, msgs[0], "an.nguyen@example.vn", vnSubject, vnBody)
}

// A server that does not offer STARTTLS gets neither the password nor the
// message.
func TestEmailSenderRequiresSTARTTLS(t *testing.T) {
	be := &smtpBackend{user: "u", password: "p"}
	port := startSMTP(t, be, plainServer, tls.Certificate{})
	s := newEmailSender(t, notify.SMTPConfig{Host: "127.0.0.1", Port: port, Username: "u", Password: "p"})
	err := s.Send(context.Background(), emailMessage("an.nguyen@example.vn"))
	if err == nil || errors.Is(err, notify.ErrPermanent) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send: %v, want a retryable STARTTLS error", err)
	}
	if sessions, tries := be.counts(); sessions != 1 || tries != 0 || len(be.messages()) != 0 {
		t.Fatalf("%d sessions, %d AUTH attempts, %d messages; want 1, 0, 0", sessions, tries, len(be.messages()))
	}
}

func TestEmailSenderFailures(t *testing.T) {
	cert, pool := testCert(t)
	be := &smtpBackend{}
	port := startSMTP(t, be, starttlsServer, cert)
	s := newEmailSender(t, notify.SMTPConfig{Port: port, TLSConfig: &tls.Config{RootCAs: pool}})

	err := s.Send(context.Background(), emailMessage("reject@example.vn"))
	if !errors.Is(err, notify.ErrPermanent) || !strings.Contains(err.Error(), "550") {
		t.Errorf("550: %v, want a permanent error", err)
	}
	// The reply quotes the address; the error, which is logged, does not.
	if msg := strings.ToLower(err.Error()); strings.Contains(msg, "reject@example.vn") || !strings.Contains(msg, "<recipient>") {
		t.Errorf("550: %q, want the address masked", err)
	}
	err = s.Send(context.Background(), emailMessage("later@example.vn"))
	if err == nil || errors.Is(err, notify.ErrPermanent) || !strings.Contains(err.Error(), "451") {
		t.Errorf("451: %v, want a retryable error", err)
	}
	if n := len(be.messages()); n != 0 {
		t.Errorf("%d messages received, want 0", n)
	}

	// Nothing listens on the port any more.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s = newEmailSender(t, notify.SMTPConfig{Port: down, TLSConfig: &tls.Config{RootCAs: pool}})
	if err := s.Send(context.Background(), emailMessage("an.nguyen@example.vn")); err == nil || errors.Is(err, notify.ErrPermanent) {
		t.Errorf("server down: %v, want a retryable error", err)
	}

	// A cancelled context ends the attempt; it may be retried.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s = newEmailSender(t, notify.SMTPConfig{Port: port, TLSConfig: &tls.Config{RootCAs: pool}})
	if err := s.Send(ctx, emailMessage("an.nguyen@example.vn")); !errors.Is(err, context.Canceled) || errors.Is(err, notify.ErrPermanent) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

func TestEmailSenderBadRecipient(t *testing.T) {
	be := &smtpBackend{}
	port := startSMTP(t, be, plainServer, tls.Certificate{})
	s := newEmailSender(t, notify.SMTPConfig{Port: port, TLSMode: notify.SMTPPlaintext})
	for _, to := range []string{
		"",
		"an.nguyen",
		"an.nguyen@",
		"@example.vn",
		"an nguyen@example.vn",
		"Nguyễn Văn An <an@example.vn>",
		"<an@example.vn>",
		"an@example.vn, b@example.vn",
		"an@example.vn\r\nBcc: spy@example.com",
		"an@example.vn\n",
		"nguyễn@example.vn",
		"an@ví-dụ.vn",
		"0912345678",
		strings.Repeat("a", 250) + "@example.vn",
	} {
		err := s.Send(context.Background(), emailMessage(to))
		if !errors.Is(err, notify.ErrPermanent) {
			t.Errorf("recipient %q: %v, want a permanent error", to, err)
		}
		if err != nil && to != "" && strings.Contains(err.Error(), to) {
			t.Errorf("error %q repeats the address", err)
		}
	}
	if sessions, _ := be.counts(); sessions != 0 {
		t.Errorf("%d SMTP sessions for malformed recipients, want 0", sessions)
	}
}

func TestNewEmailSender(t *testing.T) {
	ok := notify.SMTPConfig{Host: "smtp.vneid.gov.vn", From: "no-reply@vneid.gov.vn"}
	tests := []struct {
		name string
		edit func(*notify.SMTPConfig)
	}{
		{"no host", func(c *notify.SMTPConfig) { c.Host = "" }},
		{"no from", func(c *notify.SMTPConfig) { c.From = "" }},
		{"bad from", func(c *notify.SMTPConfig) { c.From = "VNeID <no-reply@vneid.gov.vn>" }},
		{"unknown TLS mode", func(c *notify.SMTPConfig) { c.TLSMode = "ssl" }},
		{"plaintext to a remote host", func(c *notify.SMTPConfig) { c.TLSMode = notify.SMTPPlaintext }},
		{"plaintext with a password", func(c *notify.SMTPConfig) {
			c.Host, c.TLSMode, c.Username, c.Password = "localhost", notify.SMTPPlaintext, "u", "p"
		}},
		{"port out of range", func(c *notify.SMTPConfig) { c.Port = 70000 }},
		{"line break in the name", func(c *notify.SMTPConfig) { c.FromName = "VNeID\r\nBcc: x@y.z" }},
	}
	for _, tc := range tests {
		c := ok
		tc.edit(&c)
		if _, err := notify.NewEmailSender(c); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	for _, c := range []notify.SMTPConfig{
		ok,
		{Host: "localhost", From: ok.From, TLSMode: notify.SMTPPlaintext},
		{Host: "127.0.0.1", From: ok.From, TLSMode: notify.SMTPPlaintext},
		{Host: "::1", From: ok.From, TLSMode: notify.SMTPPlaintext},
		{Host: ok.Host, From: ok.From, TLSMode: notify.SMTPImplicitTLS, Port: 465, Username: "u", Password: "p"},
	} {
		if _, err := notify.NewEmailSender(c); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// A subject the Subject function returns with line breaks cannot add
// headers.
func TestEmailSenderSubjectInjection(t *testing.T) {
	be := &smtpBackend{}
	port := startSMTP(t, be, plainServer, tls.Certificate{})
	s := newEmailSender(t, notify.SMTPConfig{Port: port, TLSMode: notify.SMTPPlaintext,
		Subject: func(string) string { return "Xin chào\r\nBcc: spy@example.com" }})
	if err := s.Send(context.Background(), emailMessage("an.nguyen@example.vn")); err != nil {
		t.Fatal(err)
	}
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(msgs[0].data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" {
		t.Errorf("Bcc header injected")
	}
	if got, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); got != "Xin chào Bcc: spy@example.com" {
		t.Errorf("subject %q", got)
	}
}

func ExampleNewEmailSender() {
	s, err := notify.NewEmailSender(notify.SMTPConfig{
		Host:     "smtp.vneid.gov.vn",
		Port:     587,
		TLSMode:  notify.SMTPStartTLS,
		Username: "vneid-mailer",
		Password: "secret from the vault",
		From:     "no-reply@vneid.gov.vn",
		Subject: func(template string) string {
			if template == notify.TemplateActivated {
				return "Tài khoản VNeID đã được kích hoạt"
			}
			return notify.DefaultSubject(template)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	w := &notify.Worker{Senders: map[string]notify.Sender{notify.Email: s}}
	_ = w
}
