package notify

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/store"
)

// SMPPAddress is an SMPP address: a type of number (TON), a numbering plan
// indicator (NPI) and the address itself.
type SMPPAddress struct {
	// TON is the type of number: 0 unknown, 1 international, 2 national,
	// 3 network specific, 5 alphanumeric.
	TON byte
	// NPI is the numbering plan: 0 unknown, 1 ISDN (E.164).
	NPI byte
	// Addr is the number or, with TON 5, the name; at most 20 ASCII
	// characters (11 for a name, which is what handsets show).
	Addr string
}

// SMPPConfig configures an SMSSender.
type SMPPConfig struct {
	// Addr is the SMSC's host:port.
	Addr string
	// SystemID, Password and SystemType identify this client in
	// bind_transmitter (at most 15, 8 and 12 ASCII characters).
	SystemID, Password, SystemType string
	// Source is the sender shown on the phone. The zero value means the
	// alphanumeric name "VNeID" (TON 5, NPI 0); when Addr is set, TON and
	// NPI are used as given.
	Source SMPPAddress
	// ServiceType is submit_sm's service_type; "" is the SMSC default.
	ServiceType string
	// RegisteredDelivery is submit_sm's registered_delivery (0: no
	// delivery receipt, 1: a receipt on final outcome). Receipts arrive on
	// a receiver bind, which this sender does not open.
	RegisteredDelivery byte
	// ValidityPeriod, if not zero, is how long the SMSC keeps trying to
	// deliver (sent as a relative time, at most 99 days); a one-time code
	// is useless once it has expired.
	ValidityPeriod time.Duration
	// MaxParts caps how many concatenated parts a message may take; a
	// longer message is a permanent failure. 0 means 10; at most 255.
	MaxParts int
	// Window caps the submit_sm requests awaiting their responses at once;
	// 0 means 10.
	Window int
	// TLSConfig, if set, makes the connection TLS (SMPP over TLS, as some
	// operators offer); nil means plain TCP, for links that are private
	// lines or VPNs.
	TLSConfig *tls.Config
	// DialTimeout bounds connecting and binding; 0 means 10 s.
	DialTimeout time.Duration
	// ResponseTimeout bounds the wait for each response and each write;
	// 0 means 10 s. A request left unanswered that long ends the session,
	// since the SMSC is not keeping up with it.
	ResponseTimeout time.Duration
	// EnquireLinkInterval is how often an enquire_link checks an idle
	// session; 0 means 30 s, a negative value never.
	EnquireLinkInterval time.Duration
	// Logger receives session events and, at debug level, the message IDs
	// the SMSC assigns; never phone numbers or message text. nil means
	// slog.Default().
	Logger *slog.Logger
}

// SMSSender delivers outbox messages of the SMS channel to an operator's
// SMS centre over SMPP v3.4, bound as a transmitter. It keeps one session,
// made on first use and made again after it fails, and is safe for
// concurrent use; requests are matched to responses by sequence number, so
// concurrent Sends share the session.
//
// Message.Recipient is a Vietnamese mobile number in any form
// identity.NormalizePhone accepts ("0912345678", "+84912345678"); it is sent
// as the international number "84912345678" with TON 1, NPI 1. Text made only
// of characters that are the same in ASCII and the GSM 03.38 default
// alphabet (letters, digits, space, line breaks and !"#%&'()*+,-./:;<=>?) is
// sent with data_coding 0 (SMSC default alphabet), one octet per character,
// up to 160 characters a part; anything else, Vietnamese text included, as
// UCS-2 (UTF-16BE, data_coding 8) up to 70 characters a part. Longer text is
// split into parts of 153 or 67 characters joined by a concatenation UDH
// (esm_class 0x40, IEI 0x00 with an 8-bit reference).
//
// Delivery is at least once: a message whose response is lost, or whose
// later part fails after earlier ones were accepted, is sent again (whole)
// when it is retried.
type SMSSender struct {
	cfg      SMPPConfig
	log      *slog.Logger
	idle     time.Duration // read deadline of a session, 0 for none
	window   chan struct{}
	ref      atomic.Uint32 // concatenation reference
	lock     chan struct{} // held to look at or change sess and closed
	sess     *smppSession
	closed   bool
	closeErr error
}

// ErrSenderClosed is returned by Send after Close.
var ErrSenderClosed = errors.New("sender closed")

// NewSMSSender checks cfg and returns a sender; it connects on the first
// Send.
func NewSMSSender(cfg SMPPConfig) (*SMSSender, error) {
	if cfg.Addr == "" {
		return nil, errors.New("sms sender: no SMSC address")
	}
	if cfg.Source.Addr == "" {
		cfg.Source = SMPPAddress{TON: 5, NPI: 0, Addr: "VNeID"}
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"system ID", cfg.SystemID, 15},
		{"password", cfg.Password, 8},
		{"system type", cfg.SystemType, 12},
		{"service type", cfg.ServiceType, 5},
		{"source address", cfg.Source.Addr, 20},
	} {
		if len(f.value) > f.max {
			return nil, fmt.Errorf("sms sender: %s longer than %d characters", f.name, f.max)
		}
		if !printableASCII(f.value) {
			return nil, fmt.Errorf("sms sender: %s has characters other than printable ASCII", f.name)
		}
	}
	if cfg.Source.TON == 5 && len(cfg.Source.Addr) > 11 {
		return nil, errors.New("sms sender: alphanumeric source address longer than 11 characters")
	}
	if cfg.ValidityPeriod != 0 && (cfg.ValidityPeriod < time.Second || cfg.ValidityPeriod >= 100*24*time.Hour) {
		return nil, fmt.Errorf("sms sender: validity period %v outside [1 s, 100 days)", cfg.ValidityPeriod)
	}
	switch {
	case cfg.MaxParts == 0:
		cfg.MaxParts = 10
	case cfg.MaxParts < 0 || cfg.MaxParts > 255:
		return nil, fmt.Errorf("sms sender: max parts %d outside [1, 255]", cfg.MaxParts)
	}
	if cfg.Window <= 0 {
		cfg.Window = 10
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.ResponseTimeout <= 0 {
		cfg.ResponseTimeout = 10 * time.Second
	}
	if cfg.EnquireLinkInterval == 0 {
		cfg.EnquireLinkInterval = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &SMSSender{
		cfg:    cfg,
		log:    cfg.Logger.With("smsc", cfg.Addr),
		window: make(chan struct{}, cfg.Window),
		lock:   make(chan struct{}, 1),
	}
	if cfg.EnquireLinkInterval > 0 {
		// Traffic or an enquire_link answer comes at least this often on
		// a healthy session.
		s.idle = 2*cfg.EnquireLinkInterval + cfg.ResponseTimeout
	}
	s.ref.Store(rand.Uint32())
	return s, nil
}

// Send submits m.Body to m.Recipient and logs the SMSC's message IDs at
// debug level.
func (s *SMSSender) Send(ctx context.Context, m store.OutboxMessage) error {
	ids, err := s.Submit(ctx, m.Recipient, m.Body)
	if err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	s.log.DebugContext(ctx, "sms submitted", "outbox_id", m.ID, "template", m.Template,
		"parts", len(ids), "smsc_message_ids", ids)
	return nil
}

// Submit sends text to the mobile number phone and returns the message ID
// the SMSC gave each part (on error, those of the parts it accepted). An error wraps ErrPermanent when retrying cannot
// help: a malformed number, text too long, or a status such as
// ESME_RINVDSTADR (see SMPPStatusError). Failures of the connection, and
// ESME_RTHROTTLED and ESME_RMSGQFUL, may be retried.
func (s *SMSSender) Submit(ctx context.Context, phone, text string) ([]string, error) {
	dest, err := smppDestination(phone)
	if err != nil {
		return nil, fmt.Errorf("%w: destination: %w", ErrPermanent, err)
	}
	coding, parts, err := splitSMS(text, byte(s.ref.Add(1)), s.cfg.MaxParts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	var esm byte
	if len(parts) > 1 {
		esm = esmUDHI
	}
	var validity string
	if s.cfg.ValidityPeriod > 0 {
		validity = smppRelativeTime(s.cfg.ValidityPeriod)
	}
	sess, err := s.session(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(parts))
	for i, sm := range parts {
		body := &smBody{
			ServiceType: s.cfg.ServiceType,
			SourceTON:   s.cfg.Source.TON, SourceNPI: s.cfg.Source.NPI, SourceAddr: s.cfg.Source.Addr,
			DestTON: 1, DestNPI: 1, DestAddr: dest,
			ESMClass:           esm,
			ValidityPeriod:     validity,
			RegisteredDelivery: s.cfg.RegisteredDelivery,
			DataCoding:         coding,
			ShortMessage:       sm,
		}
		resp, err := s.submit(ctx, sess, body)
		if err != nil {
			return ids, fmt.Errorf("submit_sm part %d of %d: %w", i+1, len(parts), err)
		}
		var id string
		if b, ok := resp.Body.(*smRespBody); ok {
			id = b.MessageID
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// submit sends one submit_sm within the window.
func (s *SMSSender) submit(ctx context.Context, sess *smppSession, body *smBody) (pdu, error) {
	select {
	case s.window <- struct{}{}:
	case <-ctx.Done():
		return pdu{}, ctx.Err()
	}
	defer func() { <-s.window }()
	resp, err := sess.request(ctx, cmdSubmitSM, body)
	var se *SMPPStatusError
	if errors.As(err, &se) && se.Status == statusInvalidBindStat {
		// The SMSC no longer takes this session as bound: bind again
		// next time.
		sess.fail(err)
	}
	return resp, err
}

// session returns the live session, connecting and binding if there is
// none.
func (s *SMSSender) session(ctx context.Context) (*smppSession, error) {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.lock }()
	if s.closed {
		return nil, ErrSenderClosed
	}
	if s.sess != nil {
		if s.sess.alive() {
			return s.sess, nil
		}
		s.sess.wait()
		s.sess = nil
	}
	sess, err := s.bind(ctx)
	if err != nil {
		return nil, err
	}
	s.sess = sess
	return sess, nil
}

// bind connects to the SMSC and binds as a transmitter.
func (s *SMSSender) bind(ctx context.Context) (*smppSession, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.DialTimeout)
	defer cancel()
	var conn net.Conn
	var err error
	d := &net.Dialer{}
	if s.cfg.TLSConfig != nil {
		conn, err = (&tls.Dialer{NetDialer: d, Config: s.cfg.TLSConfig}).DialContext(ctx, "tcp", s.cfg.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.cfg.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to SMSC: %w", err)
	}
	sess := newSMPPSession(conn, s.cfg.ResponseTimeout, s.idle, s.log)
	resp, err := sess.request(ctx, cmdBindTransmitter, &bindBody{
		SystemID:         s.cfg.SystemID,
		Password:         s.cfg.Password,
		SystemType:       s.cfg.SystemType,
		InterfaceVersion: 0x34,
	})
	if err != nil {
		sess.fail(err)
		sess.wait()
		return nil, fmt.Errorf("bind_transmitter as %q: %w", s.cfg.SystemID, err)
	}
	peer := ""
	if b, ok := resp.Body.(*bindRespBody); ok {
		peer = b.SystemID
	}
	s.log.Debug("smpp session bound", "system_id", s.cfg.SystemID, "smsc_system_id", peer)
	if s.cfg.EnquireLinkInterval > 0 {
		sess.keepAlive(s.cfg.EnquireLinkInterval)
	}
	return sess, nil
}

// Close unbinds the session, if there is one, and closes its connection.
// Send fails with ErrSenderClosed afterwards.
func (s *SMSSender) Close() error {
	s.lock <- struct{}{}
	defer func() { <-s.lock }()
	if s.closed {
		return s.closeErr
	}
	s.closed = true
	if s.sess != nil {
		s.closeErr = s.sess.unbind()
		s.sess = nil
	}
	return s.closeErr
}

// SMPPStatusError is a request the SMSC answered with a command_status
// other than ESME_ROK. It wraps ErrPermanent unless Temporary.
type SMPPStatusError struct {
	Command string // the request, e.g. "submit_sm"
	Status  uint32 // command_status
	Nack    bool   // the answer was a generic_nack
}

func (e *SMPPStatusError) Error() string {
	how := "status"
	if e.Nack {
		how = "generic_nack"
	}
	if name := statusName(e.Status); name != "" {
		return fmt.Sprintf("smpp: %s: %s 0x%02X (%s)", e.Command, how, e.Status, name)
	}
	return fmt.Sprintf("smpp: %s: %s 0x%02X", e.Command, how, e.Status)
}

// Temporary reports whether the status says to try again later:
// ESME_RTHROTTLED, ESME_RMSGQFUL, ESME_RSYSERR, ESME_RX_T_APPN and
// ESME_RINVBNDSTS (after which the sender binds again).
func (e *SMPPStatusError) Temporary() bool {
	switch e.Status {
	case statusThrottled, statusMsgQueueFull, statusSystemError, statusTempAppError, statusInvalidBindStat:
		return true
	}
	return false
}

// Unwrap returns ErrPermanent for a status that is not temporary.
func (e *SMPPStatusError) Unwrap() error {
	if e.Temporary() {
		return nil
	}
	return ErrPermanent
}

// errUnbound ends a session the SMSC unbound.
var errUnbound = errors.New("smpp: the SMSC unbound the session")

// errSessionClosed ends a session this client unbound.
var errSessionClosed = errors.New("smpp: session closed")

// result is what a pending request receives.
type result struct {
	p   pdu
	err error // the response could not be decoded
}

// smppSession is one bound connection. Its reader goroutine matches
// responses to requests by sequence number and answers the SMSC's requests;
// its optional keep-alive goroutine sends enquire_link. Both stop when the
// session fails; wait waits for them.
type smppSession struct {
	conn    net.Conn
	timeout time.Duration // for each response and each write
	idle    time.Duration // read deadline, 0 for none
	log     *slog.Logger

	wmu     sync.Mutex  // serializes writes
	closing atomic.Bool // this client sent unbind

	mu      sync.Mutex
	seq     uint32
	pending map[uint32]chan result
	err     error         // why the session ended
	done    chan struct{} // closed when it ends

	wg sync.WaitGroup
}

func newSMPPSession(conn net.Conn, timeout, idle time.Duration, log *slog.Logger) *smppSession {
	s := &smppSession{
		conn: conn, timeout: timeout, idle: idle, log: log,
		pending: map[uint32]chan result{},
		done:    make(chan struct{}),
	}
	s.wg.Add(1)
	go s.readLoop()
	return s
}

// alive reports whether the session has not failed.
func (s *smppSession) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// fail ends the session with err, if it has not ended yet.
func (s *smppSession) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	s.err = err
	close(s.done)
	s.conn.Close()
	if !errors.Is(err, errSessionClosed) {
		s.log.Warn("smpp session ended", "err", err.Error())
	}
}

// cause returns why the session ended.
func (s *smppSession) cause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// wait waits for the session's goroutines, once it has failed.
func (s *smppSession) wait() { s.wg.Wait() }

// request sends a request and waits for its response. A response with a
// non-zero status, or a generic_nack, is a *SMPPStatusError.
func (s *smppSession) request(ctx context.Context, id uint32, body pduBody) (pdu, error) {
	ch := make(chan result, 1)
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return pdu{}, s.err
	}
	s.seq = s.seq%0x7FFFFFFF + 1 // 1 to 0x7FFFFFFF
	seq := s.seq
	s.pending[seq] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, seq)
		s.mu.Unlock()
	}()

	name := cmdName(id)
	if err := s.write(&pdu{ID: id, Seq: seq, Body: body}); err != nil {
		return pdu{}, err
	}
	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	var r result
	select {
	case r = <-ch:
	case <-s.done:
		// The response may have come just before the end (an SMSC
		// that answers a failed bind and hangs up at once).
		select {
		case r = <-ch:
		default:
			return pdu{}, s.cause()
		}
	case <-ctx.Done():
		return pdu{}, ctx.Err()
	case <-timer.C:
		err := fmt.Errorf("smpp: no response to %s within %v", name, s.timeout)
		s.fail(err)
		return pdu{}, err
	}
	if r.err != nil {
		return pdu{}, fmt.Errorf("%s response: %w", name, r.err)
	}
	p := r.p
	switch {
	case p.ID == cmdGenericNack:
		return p, &SMPPStatusError{Command: name, Status: p.Status, Nack: true}
	case p.ID != id|0x80000000:
		err := fmt.Errorf("smpp: %s answered with %s", name, cmdName(p.ID))
		s.fail(err)
		return pdu{}, err
	case p.Status != statusOK:
		return p, &SMPPStatusError{Command: name, Status: p.Status}
	}
	return p, nil
}

// write sends p, ending the session if that fails.
func (s *smppSession) write(p *pdu) error {
	b := p.encode()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if !s.alive() {
		return s.cause()
	}
	if err := s.conn.SetWriteDeadline(time.Now().Add(s.timeout)); err != nil {
		s.fail(fmt.Errorf("smpp: write %s: %w", cmdName(p.ID), err))
		return s.cause()
	}
	if _, err := s.conn.Write(b); err != nil {
		s.fail(fmt.Errorf("smpp: write %s: %w", cmdName(p.ID), err))
		return s.cause()
	}
	return nil
}

// readLoop reads PDUs until the session ends.
func (s *smppSession) readLoop() {
	defer s.wg.Done()
	br := bufio.NewReader(s.conn)
	for {
		if s.idle > 0 {
			if err := s.conn.SetReadDeadline(time.Now().Add(s.idle)); err != nil {
				s.fail(fmt.Errorf("smpp: read: %w", err))
				return
			}
		}
		p, err := readPDU(br)
		var perr *pduError
		switch {
		case errors.As(err, &perr):
			// The PDU was whole, so the stream is still in step.
			s.undecodable(p, perr)
		case err != nil:
			if s.closing.Load() {
				s.fail(errSessionClosed) // the SMSC hung up after unbind_resp
			} else {
				s.fail(fmt.Errorf("smpp: read: %w", err))
			}
			return
		default:
			s.handle(p)
		}
	}
}

// undecodable deals with a whole PDU that could not be decoded: a request
// gets a generic_nack; a response fails its request.
func (s *smppSession) undecodable(p pdu, perr *pduError) {
	s.log.Warn("smpp: undecodable PDU from the SMSC", "command_id", fmt.Sprintf("0x%08X", p.ID), "err", perr.Error())
	if !isResponse(p.ID) {
		s.write(&pdu{ID: cmdGenericNack, Status: perr.status, Seq: p.Seq})
		return
	}
	s.deliver(p.Seq, result{err: perr})
}

// deliver hands a response to the request waiting for it.
func (s *smppSession) deliver(seq uint32, r result) bool {
	s.mu.Lock()
	ch, ok := s.pending[seq]
	delete(s.pending, seq)
	s.mu.Unlock()
	if ok {
		ch <- r // buffered, and only one response is delivered per request
	}
	return ok
}

// handle acts on one PDU from the SMSC.
func (s *smppSession) handle(p pdu) {
	switch {
	case isResponse(p.ID):
		if !s.deliver(p.Seq, result{p: p}) {
			s.log.Debug("smpp: response to no pending request", "command", cmdName(p.ID), "sequence", p.Seq)
		}
	case p.ID == cmdEnquireLink:
		s.write(&pdu{ID: cmdEnquireLinkResp, Seq: p.Seq})
	case p.ID == cmdUnbind:
		s.write(&pdu{ID: cmdUnbindResp, Seq: p.Seq})
		s.fail(errUnbound)
	case p.ID == cmdDeliverSM:
		// Not expected on a transmitter bind; acknowledged so that the
		// SMSC does not send it again.
		s.write(&pdu{ID: cmdDeliverSMResp, Seq: p.Seq, Body: &smRespBody{}})
	default:
		s.write(&pdu{ID: cmdGenericNack, Status: statusInvalidCmdID, Seq: p.Seq})
	}
}

// keepAlive starts sending enquire_link every interval; an unanswered one
// ends the session.
func (s *smppSession) keepAlive(interval time.Duration) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				if _, err := s.request(context.Background(), cmdEnquireLink, nil); err != nil {
					s.fail(fmt.Errorf("smpp: enquire_link: %w", err))
					return
				}
			}
		}
	}()
}

// unbind ends the session politely: unbind, wait for unbind_resp, close.
func (s *smppSession) unbind() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	s.closing.Store(true)
	_, err := s.request(ctx, cmdUnbind, nil)
	s.fail(errSessionClosed)
	s.wait()
	if err != nil && !errors.Is(err, errUnbound) {
		return fmt.Errorf("smpp: unbind: %w", err)
	}
	return nil
}

// SMS encoding.
const (
	codingDefault byte = 0x00 // SMSC default alphabet
	codingUCS2    byte = 0x08 // UCS-2 (UTF-16BE)
	esmUDHI       byte = 0x40 // short_message starts with a user data header
)

// gsmSafe reports whether every character of s is one that ASCII and the GSM
// 03.38 default alphabet encode alike, so that its ASCII octets mean the
// same to an SMSC whichever of the two it takes data_coding 0 to be.
func gsmSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte(" \n\r!\"#%&'()*+,-./:;<=>?", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// splitSMS encodes text for submit_sm: the data_coding and the
// short_message of each part, with a concatenation UDH carrying ref when
// there is more than one part. The text is first put in Unicode NFC, which
// is how Vietnamese letters fit in one UCS-2 character each.
func splitSMS(text string, ref byte, maxParts int) (byte, [][]byte, error) {
	if text == "" {
		return 0, nil, errors.New("empty message")
	}
	text = norm.NFC.String(text)
	var coding byte
	var units []uint16 // characters, as septets or UTF-16 code units
	var single, per int
	if gsmSafe(text) {
		coding, single, per = codingDefault, 160, 153
		units = make([]uint16, len(text))
		for i := 0; i < len(text); i++ {
			units[i] = uint16(text[i])
		}
	} else {
		coding, single, per = codingUCS2, 70, 67
		units = utf16.Encode([]rune(text))
	}
	if len(units) <= single {
		return coding, [][]byte{encodeUnits(nil, coding, units)}, nil
	}
	var chunks [][]uint16
	for rest := units; len(rest) > 0; {
		n := min(per, len(rest))
		if n < len(rest) && utf16.IsSurrogate(rune(rest[n-1])) && rest[n-1] < 0xDC00 {
			n-- // keep a surrogate pair in one part
		}
		chunks = append(chunks, rest[:n])
		rest = rest[n:]
	}
	if len(chunks) > maxParts {
		return 0, nil, fmt.Errorf("message needs %d parts, more than the %d allowed", len(chunks), maxParts)
	}
	parts := make([][]byte, len(chunks))
	for i, c := range chunks {
		udh := []byte{0x05, 0x00, 0x03, ref, byte(len(chunks)), byte(i + 1)}
		parts[i] = encodeUnits(udh, coding, c)
	}
	return coding, parts, nil
}

func encodeUnits(b []byte, coding byte, units []uint16) []byte {
	for _, u := range units {
		if coding == codingUCS2 {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u))
		}
	}
	return b
}

// smppDestination returns a Vietnamese mobile number as SMPP wants it with
// TON 1 (international), NPI 1 (E.164): "84912345678".
func smppDestination(phone string) (string, error) {
	e164, err := identity.NormalizePhone(phone)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(e164, "+"), nil
}

// smppRelativeTime returns d in SMPP's relative time format,
// "YYMMDDhhmmss000R", counting whole seconds and at most 99 days.
func smppRelativeTime(d time.Duration) string {
	sec := int64(d / time.Second)
	days, sec := sec/86400, sec%86400
	return fmt.Sprintf("0000%02d%02d%02d%02d000R", days, sec/3600, sec%3600/60, sec%60)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
