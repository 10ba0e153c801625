package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vneid/vneid/internal/store"
)

// SMTPTLSMode says how an EmailSender protects its connection to the mail
// server.
type SMTPTLSMode string

// TLS modes of an EmailSender.
const (
	// SMTPStartTLS connects in plain text and upgrades with STARTTLS before
	// anything else is sent; a server that does not offer STARTTLS is an
	// error. This is the default (port 587).
	SMTPStartTLS SMTPTLSMode = "starttls"
	// SMTPImplicitTLS speaks TLS from the first byte (port 465).
	SMTPImplicitTLS SMTPTLSMode = "tls"
	// SMTPPlaintext sends everything, message bodies included, in clear
	// text. It is accepted only for a mail server on the loopback interface
	// (a local relay or a test server), never with a password.
	SMTPPlaintext SMTPTLSMode = "none"
)

// DefaultSubject is the subject of every email whose template has no subject
// of its own.
func DefaultSubject(string) string { return "Thông báo từ VNeID / VNeID notice" }

// SMTPConfig configures an EmailSender.
type SMTPConfig struct {
	// Host is the mail server's name or IP address; with TLS it is also
	// the name the server's certificate must carry, unless TLSConfig sets
	// ServerName.
	Host string
	// Port is the mail server's port; 0 means 587 for SMTPStartTLS, 465
	// for SMTPImplicitTLS and 25 for SMTPPlaintext.
	Port int
	// Username and Password, if set, authenticate with AUTH PLAIN, which
	// is only ever sent over TLS.
	Username, Password string
	// From is the sender's address, e.g. "no-reply@vneid.gov.vn". Its
	// domain also names the Message-ID.
	From string
	// FromName is the sender's display name; "" means "VNeID".
	FromName string
	// TLSMode is SMTPStartTLS (the default when empty), SMTPImplicitTLS or
	// SMTPPlaintext.
	TLSMode SMTPTLSMode
	// TLSConfig, if set, is used for TLS (e.g. with RootCAs for a private
	// CA); it is cloned, and ServerName defaults to Host. At least TLS 1.2
	// is required.
	TLSConfig *tls.Config
	// HelloName is the name sent with EHLO; "" means "localhost".
	HelloName string
	// DialTimeout bounds connecting (and, for SMTPImplicitTLS, the TLS
	// handshake); 0 means 10 s.
	DialTimeout time.Duration
	// Timeout bounds the whole conversation with the server for one
	// message, within the deadline of the context given to Send; 0 means
	// 30 s.
	Timeout time.Duration
	// Subject returns the subject line for a template; nil means
	// DefaultSubject. Line breaks in what it returns become spaces.
	Subject func(template string) string
	// Now is the clock for the Date header; nil means time.Now.
	Now func() time.Time
}

// EmailSender delivers outbox messages of the Email channel through an SMTP
// server, one connection per message. Message.Recipient is the address to
// write to and Message.Body the plain-text body. A reply of 5xx from the
// server is a permanent failure (it wraps ErrPermanent); 4xx replies,
// network and TLS failures may be retried.
type EmailSender struct {
	cfg  SMTPConfig
	addr string
	from mail.Address
}

// NewEmailSender checks cfg and returns a sender; it does not connect.
func NewEmailSender(cfg SMTPConfig) (*EmailSender, error) {
	if cfg.Host == "" {
		return nil, errors.New("email sender: no SMTP host")
	}
	if cfg.TLSMode == "" {
		cfg.TLSMode = SMTPStartTLS
	}
	switch cfg.TLSMode {
	case SMTPStartTLS, SMTPImplicitTLS:
	case SMTPPlaintext:
		if !isLoopbackHost(cfg.Host) {
			return nil, fmt.Errorf("email sender: TLS mode %q is only allowed for a server on the loopback interface, not %q", cfg.TLSMode, cfg.Host)
		}
		if cfg.Username != "" || cfg.Password != "" {
			return nil, fmt.Errorf("email sender: a password is never sent without TLS (TLS mode %q)", cfg.TLSMode)
		}
	default:
		return nil, fmt.Errorf("email sender: unknown TLS mode %q (want %q, %q or %q)", cfg.TLSMode, SMTPStartTLS, SMTPImplicitTLS, SMTPPlaintext)
	}
	if cfg.Port == 0 {
		cfg.Port = map[SMTPTLSMode]int{SMTPStartTLS: 587, SMTPImplicitTLS: 465, SMTPPlaintext: 25}[cfg.TLSMode]
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("email sender: port %d out of range", cfg.Port)
	}
	from, err := parseMailbox(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email sender: from address: %w", err)
	}
	if cfg.FromName == "" {
		cfg.FromName = "VNeID"
	}
	if strings.ContainsAny(cfg.FromName, "\r\n") || strings.ContainsAny(cfg.HelloName, "\r\n ") {
		return nil, errors.New("email sender: line break in the display name or hello name")
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Subject == nil {
		cfg.Subject = DefaultSubject
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &EmailSender{
		cfg:  cfg,
		addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		from: mail.Address{Name: cfg.FromName, Address: from},
	}, nil
}

// Send delivers m to m.Recipient. A malformed recipient address is a
// permanent failure.
func (s *EmailSender) Send(ctx context.Context, m store.OutboxMessage) error {
	to, err := parseMailbox(m.Recipient)
	if err != nil {
		return fmt.Errorf("email: recipient: %w: %w", ErrPermanent, err)
	}
	msg, err := s.compose(to, m)
	if err != nil {
		return fmt.Errorf("email: %w", err)
	}
	if err := s.deliver(ctx, to, msg); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	return nil
}

// compose returns the RFC 5322 message for m, addressed to the mailbox to.
func (s *EmailSender) compose(to string, m store.OutboxMessage) ([]byte, error) {
	id, err := s.messageID()
	if err != nil {
		return nil, err
	}
	subject := strings.Join(strings.Fields(s.cfg.Subject(m.Template)), " ")
	if subject == "" {
		subject = DefaultSubject(m.Template)
	}
	if !utf8.ValidString(subject) || !utf8.ValidString(m.Body) {
		return nil, fmt.Errorf("%w: subject or body is not valid UTF-8", ErrPermanent)
	}
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(foldHeader(name+": "+value, 76)) // RFC 2047 section 2
		b.WriteString("\r\n")
	}
	header("From", s.from.String())
	header("To", to)
	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	header("Date", s.cfg.Now().Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(m.Body)); err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// messageID returns a new globally unique Message-ID in the From domain.
func (s *EmailSender) messageID() (string, error) {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("message ID: %w", err)
	}
	domain := s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">", nil
}

// deliver runs one SMTP conversation that hands msg to the server for to.
func (s *EmailSender) deliver(ctx context.Context, to string, msg []byte) (err error) {
	conn, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline := time.Now().Add(s.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("set deadline: %w", err)
	}
	// Cancelling ctx ends the conversation at once.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
	}()

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return smtpError("greeting", to, err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return smtpError("EHLO", to, err)
	}
	if s.cfg.TLSMode == SMTPStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("STARTTLS: the server does not offer it and TLS mode is starttls")
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return smtpError("STARTTLS", to, err)
		}
	}
	if s.cfg.Username != "" || s.cfg.Password != "" {
		if state, ok := c.TLSConnectionState(); !ok || !state.HandshakeComplete {
			return errors.New("AUTH: refusing to send a password without TLS")
		}
		ok, mechs := c.Extension("AUTH")
		if !ok || !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
			return errors.New("AUTH: the server does not offer AUTH PLAIN")
		}
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return smtpError("AUTH", to, err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return smtpError("MAIL FROM", to, err)
	}
	if err := c.Rcpt(to); err != nil {
		return smtpError("RCPT TO", to, err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpError("DATA", to, err)
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return smtpError("DATA", to, err)
	}
	if err := w.Close(); err != nil {
		return smtpError("end of DATA", to, err)
	}
	// The message is accepted; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// dial connects to the server, with TLS from the start in SMTPImplicitTLS
// mode.
func (s *EmailSender) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{Timeout: s.cfg.DialTimeout}
	if s.cfg.TLSMode == SMTPImplicitTLS {
		td := &tls.Dialer{NetDialer: d, Config: s.tlsConfig()}
		dctx, cancel := context.WithTimeout(ctx, s.cfg.DialTimeout)
		defer cancel()
		conn, err := td.DialContext(dctx, "tcp", s.addr)
		if err != nil {
			return nil, fmt.Errorf("connect with TLS to %s: %w", s.addr, err)
		}
		return conn, nil
	}
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s.addr, err)
	}
	return conn, nil
}

func (s *EmailSender) tlsConfig() *tls.Config {
	var c *tls.Config
	if s.cfg.TLSConfig != nil {
		c = s.cfg.TLSConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = s.cfg.Host
	}
	if c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// smtpError wraps err from step, marking 5xx replies permanent. A server's
// reply often quotes the recipient's address, which is personal data and
// must not reach logs, so it is masked in the reply text.
func smtpError(step, to string, err error) error {
	var te *textproto.Error
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %w", step, err)
	}
	msg := te.Msg
	if to != "" {
		msg = replaceFold(msg, to, "<recipient>")
	}
	if te.Code >= 500 && te.Code <= 599 {
		return fmt.Errorf("%s: %w: %03d %s", step, ErrPermanent, te.Code, msg)
	}
	return fmt.Errorf("%s: %03d %s", step, te.Code, msg)
}

// replaceFold replaces every occurrence of old in s, ignoring ASCII case,
// with new.
func replaceFold(s, old, new string) string {
	var b strings.Builder
	for {
		i := indexFold(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(new)
		s = s[i+len(old):]
	}
}

func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// parseMailbox returns the bare address s, which must be an ASCII addr-spec
// (local@domain) and nothing else: no display name, no line breaks, no
// whitespace. Errors do not repeat the address, which is personal data.
func parseMailbox(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty address")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return "", errors.New("address has whitespace, control or non-ASCII characters")
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", errors.New("not a plain address of the form local@domain")
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > 254 {
		return "", errors.New("not a plain address of the form local@domain")
	}
	return s, nil
}

// foldHeader folds an unstructured header field line at spaces so that its
// lines are at most width bytes where a space allows it (RFC 5322 2.2.3).
func foldHeader(line string, width int) string {
	if len(line) <= width {
		return line
	}
	var b strings.Builder
	n := 0
	for i, word := range strings.Split(line, " ") {
		if i > 0 {
			if n+1+len(word) > width {
				b.WriteString("\r\n")
				n = 0
			}
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}

// isLoopbackHost reports whether host names the loopback interface.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
