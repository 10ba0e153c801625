package notify

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// This file is the SMPP v3.4 wire format: PDUs as the SMPP v3.4
// specification (issue 1.2) lays them out, for the commands an ESME bound as
// a transmitter sends or may receive. Decoding is strict about lengths and
// C-octet strings, since the bytes come from outside.

// SMPP command IDs.
const (
	cmdGenericNack         uint32 = 0x80000000
	cmdBindReceiver        uint32 = 0x00000001
	cmdBindReceiverResp    uint32 = 0x80000001
	cmdBindTransmitter     uint32 = 0x00000002
	cmdBindTransmitterResp uint32 = 0x80000002
	cmdQuerySM             uint32 = 0x00000003
	cmdQuerySMResp         uint32 = 0x80000003
	cmdSubmitSM            uint32 = 0x00000004
	cmdSubmitSMResp        uint32 = 0x80000004
	cmdDeliverSM           uint32 = 0x00000005
	cmdDeliverSMResp       uint32 = 0x80000005
	cmdUnbind              uint32 = 0x00000006
	cmdUnbindResp          uint32 = 0x80000006
	cmdReplaceSM           uint32 = 0x00000007
	cmdReplaceSMResp       uint32 = 0x80000007
	cmdCancelSM            uint32 = 0x00000008
	cmdCancelSMResp        uint32 = 0x80000008
	cmdBindTransceiver     uint32 = 0x00000009
	cmdBindTransceiverResp uint32 = 0x80000009
	cmdOutbind             uint32 = 0x0000000B
	cmdEnquireLink         uint32 = 0x00000015
	cmdEnquireLinkResp     uint32 = 0x80000015
	cmdSubmitMulti         uint32 = 0x00000021
	cmdSubmitMultiResp     uint32 = 0x80000021
	cmdAlertNotification   uint32 = 0x00000102
	cmdDataSM              uint32 = 0x00000103
	cmdDataSMResp          uint32 = 0x80000103
)

// commandName names a command ID; ok is false for IDs this client does not
// know, which decodePDU rejects.
func commandName(id uint32) (name string, ok bool) {
	switch id {
	case cmdGenericNack:
		return "generic_nack", true
	case cmdBindReceiver:
		return "bind_receiver", true
	case cmdBindReceiverResp:
		return "bind_receiver_resp", true
	case cmdBindTransmitter:
		return "bind_transmitter", true
	case cmdBindTransmitterResp:
		return "bind_transmitter_resp", true
	case cmdQuerySM:
		return "query_sm", true
	case cmdQuerySMResp:
		return "query_sm_resp", true
	case cmdSubmitSM:
		return "submit_sm", true
	case cmdSubmitSMResp:
		return "submit_sm_resp", true
	case cmdDeliverSM:
		return "deliver_sm", true
	case cmdDeliverSMResp:
		return "deliver_sm_resp", true
	case cmdUnbind:
		return "unbind", true
	case cmdUnbindResp:
		return "unbind_resp", true
	case cmdReplaceSM:
		return "replace_sm", true
	case cmdReplaceSMResp:
		return "replace_sm_resp", true
	case cmdCancelSM:
		return "cancel_sm", true
	case cmdCancelSMResp:
		return "cancel_sm_resp", true
	case cmdBindTransceiver:
		return "bind_transceiver", true
	case cmdBindTransceiverResp:
		return "bind_transceiver_resp", true
	case cmdOutbind:
		return "outbind", true
	case cmdEnquireLink:
		return "enquire_link", true
	case cmdEnquireLinkResp:
		return "enquire_link_resp", true
	case cmdSubmitMulti:
		return "submit_multi", true
	case cmdSubmitMultiResp:
		return "submit_multi_resp", true
	case cmdAlertNotification:
		return "alert_notification", true
	case cmdDataSM:
		return "data_sm", true
	case cmdDataSMResp:
		return "data_sm_resp", true
	}
	return fmt.Sprintf("command 0x%08X", id), false
}

// isResponse reports whether id is a response (or generic_nack).
func isResponse(id uint32) bool { return id&0x80000000 != 0 }

// SMPP command_status values (SMPP v3.4 5.1.3).
const (
	statusOK              uint32 = 0x00 // ESME_ROK
	statusInvalidMsgLen   uint32 = 0x01 // ESME_RINVMSGLEN
	statusInvalidCmdLen   uint32 = 0x02 // ESME_RINVCMDLEN
	statusInvalidCmdID    uint32 = 0x03 // ESME_RINVCMDID
	statusInvalidBindStat uint32 = 0x04 // ESME_RINVBNDSTS
	statusAlreadyBound    uint32 = 0x05 // ESME_RALYBND
	statusSystemError     uint32 = 0x08 // ESME_RSYSERR
	statusInvalidSrcAddr  uint32 = 0x0A // ESME_RINVSRCADR
	statusInvalidDstAddr  uint32 = 0x0B // ESME_RINVDSTADR
	statusBindFailed      uint32 = 0x0D // ESME_RBINDFAIL
	statusInvalidPassword uint32 = 0x0E // ESME_RINVPASWD
	statusInvalidSystemID uint32 = 0x0F // ESME_RINVSYSID
	statusMsgQueueFull    uint32 = 0x14 // ESME_RMSGQFUL
	statusSubmitFailed    uint32 = 0x45 // ESME_RSUBMITFAIL
	statusThrottled       uint32 = 0x58 // ESME_RTHROTTLED
	statusTempAppError    uint32 = 0x64 // ESME_RX_T_APPN
	statusUnknownError    uint32 = 0xFF // ESME_RUNKNOWNERR
)

// statusName returns the specification's name for a command_status, or ""
// for one it does not name.
func statusName(status uint32) string {
	switch status {
	case statusOK:
		return "ESME_ROK"
	case statusInvalidMsgLen:
		return "ESME_RINVMSGLEN"
	case statusInvalidCmdLen:
		return "ESME_RINVCMDLEN"
	case statusInvalidCmdID:
		return "ESME_RINVCMDID"
	case statusInvalidBindStat:
		return "ESME_RINVBNDSTS"
	case statusAlreadyBound:
		return "ESME_RALYBND"
	case 0x06:
		return "ESME_RINVPRTFLG"
	case 0x07:
		return "ESME_RINVREGDLVFLG"
	case statusSystemError:
		return "ESME_RSYSERR"
	case statusInvalidSrcAddr:
		return "ESME_RINVSRCADR"
	case statusInvalidDstAddr:
		return "ESME_RINVDSTADR"
	case 0x0C:
		return "ESME_RINVMSGID"
	case statusBindFailed:
		return "ESME_RBINDFAIL"
	case statusInvalidPassword:
		return "ESME_RINVPASWD"
	case statusInvalidSystemID:
		return "ESME_RINVSYSID"
	case statusMsgQueueFull:
		return "ESME_RMSGQFUL"
	case 0x15:
		return "ESME_RINVSERTYP"
	case 0x43:
		return "ESME_RINVESMCLASS"
	case statusSubmitFailed:
		return "ESME_RSUBMITFAIL"
	case 0x48:
		return "ESME_RINVSRCTON"
	case 0x49:
		return "ESME_RINVSRCNPI"
	case 0x50:
		return "ESME_RINVDSTTON"
	case 0x51:
		return "ESME_RINVDSTNPI"
	case 0x53:
		return "ESME_RINVSYSTYP"
	case statusThrottled:
		return "ESME_RTHROTTLED"
	case 0x62:
		return "ESME_RINVEXPIRY"
	case statusTempAppError:
		return "ESME_RX_T_APPN"
	case 0x65:
		return "ESME_RX_P_APPN"
	case 0x66:
		return "ESME_RX_R_APPN"
	case 0xC0:
		return "ESME_RINVOPTPARSTREAM"
	case 0xC1:
		return "ESME_ROPTPARNOTALLWD"
	case 0xC2:
		return "ESME_RINVPARLEN"
	case 0xC3:
		return "ESME_RMISSINGOPTPARAM"
	case 0xC4:
		return "ESME_RINVOPTPARAMVAL"
	case 0xFE:
		return "ESME_RDELIVERYFAILURE"
	case statusUnknownError:
		return "ESME_RUNKNOWNERR"
	}
	return ""
}

// Limits of the wire format.
const (
	pduHeaderLen = 16
	// maxPDULen caps command_length: the largest legitimate PDU (a
	// submit_sm with a 64 KiB message_payload TLV) is just over 64 KiB,
	// and nothing this client receives comes near it.
	maxPDULen = 64 << 10
	// maxShortMessage is the most octets short_message may hold.
	maxShortMessage = 254
)

// pduError is a PDU that cannot be decoded; status is the command_status to
// answer it with.
type pduError struct {
	status uint32
	msg    string
}

func (e *pduError) Error() string { return "smpp: " + e.msg }

func pduErrorf(status uint32, format string, args ...any) error {
	return &pduError{status: status, msg: fmt.Sprintf(format, args...)}
}

// pdu is one SMPP PDU. Body is one of the *Body types below for the commands
// that have a body, and nil for those that do not (generic_nack,
// enquire_link, unbind and their responses, and any response with a
// non-zero command_status).
type pdu struct {
	ID     uint32
	Status uint32
	Seq    uint32
	Body   pduBody
}

// pduBody is the body of a PDU.
type pduBody interface {
	appendTo(b []byte) []byte
}

// tlv is an optional parameter.
type tlv struct {
	Tag   uint16
	Value []byte
}

func appendTLVs(b []byte, tlvs []tlv) []byte {
	for _, t := range tlvs {
		b = binary.BigEndian.AppendUint16(b, t.Tag)
		b = binary.BigEndian.AppendUint16(b, uint16(len(t.Value)))
		b = append(b, t.Value...)
	}
	return b
}

// bindBody is the body of bind_transmitter (and bind_receiver,
// bind_transceiver).
type bindBody struct {
	SystemID         string // ≤ 15 octets
	Password         string // ≤ 8 octets
	SystemType       string // ≤ 12 octets
	InterfaceVersion byte
	AddrTON, AddrNPI byte
	AddressRange     string // ≤ 40 octets
}

func (b *bindBody) appendTo(p []byte) []byte {
	p = appendCString(p, b.SystemID)
	p = appendCString(p, b.Password)
	p = appendCString(p, b.SystemType)
	p = append(p, b.InterfaceVersion, b.AddrTON, b.AddrNPI)
	return appendCString(p, b.AddressRange)
}

// bindRespBody is the body of a bind_*_resp.
type bindRespBody struct {
	SystemID string
	TLVs     []tlv // e.g. sc_interface_version
}

func (b *bindRespBody) appendTo(p []byte) []byte {
	return appendTLVs(appendCString(p, b.SystemID), b.TLVs)
}

// smBody is the body of submit_sm and deliver_sm.
type smBody struct {
	ServiceType          string // ≤ 5 octets
	SourceTON, SourceNPI byte
	SourceAddr           string // ≤ 20 octets
	DestTON, DestNPI     byte
	DestAddr             string // ≤ 20 octets
	ESMClass             byte
	ProtocolID           byte
	PriorityFlag         byte
	ScheduleDelivery     string // "" or 16 octets
	ValidityPeriod       string // "" or 16 octets
	RegisteredDelivery   byte
	ReplaceIfPresent     byte
	DataCoding           byte
	SMDefaultMsgID       byte
	ShortMessage         []byte // ≤ 254 octets
	TLVs                 []tlv
}

func (b *smBody) appendTo(p []byte) []byte {
	p = appendCString(p, b.ServiceType)
	p = append(p, b.SourceTON, b.SourceNPI)
	p = appendCString(p, b.SourceAddr)
	p = append(p, b.DestTON, b.DestNPI)
	p = appendCString(p, b.DestAddr)
	p = append(p, b.ESMClass, b.ProtocolID, b.PriorityFlag)
	p = appendCString(p, b.ScheduleDelivery)
	p = appendCString(p, b.ValidityPeriod)
	p = append(p, b.RegisteredDelivery, b.ReplaceIfPresent, b.DataCoding, b.SMDefaultMsgID, byte(len(b.ShortMessage)))
	p = append(p, b.ShortMessage...)
	return appendTLVs(p, b.TLVs)
}

// smRespBody is the body of submit_sm_resp, deliver_sm_resp and
// data_sm_resp.
type smRespBody struct {
	MessageID string // ≤ 64 octets
	TLVs      []tlv
}

func (b *smRespBody) appendTo(p []byte) []byte {
	return appendTLVs(appendCString(p, b.MessageID), b.TLVs)
}

// rawBody keeps the body of a command this client does not interpret
// (query_sm, replace_sm, cancel_sm, submit_multi, data_sm, alert_notification
// and their responses, outbind) as it came.
type rawBody []byte

func (b rawBody) appendTo(p []byte) []byte { return append(p, b...) }

func appendCString(p []byte, s string) []byte {
	return append(append(p, s...), 0)
}

// encode returns p on the wire.
func (p *pdu) encode() []byte {
	b := make([]byte, pduHeaderLen, 64)
	if p.Body != nil {
		b = p.Body.appendTo(b)
	}
	binary.BigEndian.PutUint32(b[0:], uint32(len(b)))
	binary.BigEndian.PutUint32(b[4:], p.ID)
	binary.BigEndian.PutUint32(b[8:], p.Status)
	binary.BigEndian.PutUint32(b[12:], p.Seq)
	return b
}

// readPDU reads one PDU from r. An error means the stream cannot be trusted
// any further (a PDU boundary is lost), except for a *pduError, which
// leaves the stream at the next PDU.
func readPDU(r io.Reader) (pdu, error) {
	var head [pduHeaderLen]byte
	if _, err := io.ReadFull(r, head[:4]); err != nil {
		return pdu{}, err
	}
	n := binary.BigEndian.Uint32(head[:4])
	if n < pduHeaderLen || n > maxPDULen {
		return pdu{}, fmt.Errorf("smpp: command_length %d outside [%d, %d]", n, pduHeaderLen, maxPDULen)
	}
	b := make([]byte, n)
	copy(b, head[:4])
	if _, err := io.ReadFull(r, b[4:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return pdu{}, err
	}
	return decodePDU(b)
}

// decodePDU decodes one whole PDU. On a *pduError the returned pdu still
// carries the header when it could be read, so that the PDU can be
// answered.
func decodePDU(b []byte) (pdu, error) {
	if len(b) < pduHeaderLen {
		return pdu{}, pduErrorf(statusInvalidCmdLen, "PDU of %d octets, shorter than its header", len(b))
	}
	n := binary.BigEndian.Uint32(b[0:])
	p := pdu{
		ID:     binary.BigEndian.Uint32(b[4:]),
		Status: binary.BigEndian.Uint32(b[8:]),
		Seq:    binary.BigEndian.Uint32(b[12:]),
	}
	if n > maxPDULen {
		return p, pduErrorf(statusInvalidCmdLen, "command_length %d over the %d cap", n, maxPDULen)
	}
	if int(n) != len(b) {
		return p, pduErrorf(statusInvalidCmdLen, "command_length %d but %d octets", n, len(b))
	}
	if _, ok := commandName(p.ID); !ok {
		return p, pduErrorf(statusInvalidCmdID, "unknown command_id 0x%08X", p.ID)
	}
	r := &fieldReader{b: b[pduHeaderLen:]}
	body, err := decodeBody(p.ID, p.Status, r)
	if err != nil {
		return p, pduErrorf(statusInvalidCmdLen, "%s: %v", cmdName(p.ID), err)
	}
	p.Body = body
	return p, nil
}

func decodeBody(id, status uint32, r *fieldReader) (pduBody, error) {
	if isResponse(id) && (status != statusOK || len(r.b) == 0) {
		// A failed response carries no body (SMPP v3.4 4.1.2 and
		// 4.4.2), though some message centres send one anyway; an empty
		// body is taken as absent fields.
		return nil, nil
	}
	switch id {
	case cmdGenericNack, cmdEnquireLink, cmdEnquireLinkResp, cmdUnbind, cmdUnbindResp:
		if len(r.b) != 0 {
			return nil, fmt.Errorf("%d octets of body where none is allowed", len(r.b))
		}
		return nil, nil
	case cmdBindTransmitter, cmdBindReceiver, cmdBindTransceiver:
		var b bindBody
		b.SystemID = r.cstring(16)
		b.Password = r.cstring(9)
		b.SystemType = r.cstring(13)
		b.InterfaceVersion = r.byte()
		b.AddrTON = r.byte()
		b.AddrNPI = r.byte()
		b.AddressRange = r.cstring(41)
		if err := r.end(); err != nil {
			return nil, err
		}
		return &b, nil
	case cmdBindTransmitterResp, cmdBindReceiverResp, cmdBindTransceiverResp:
		var b bindRespBody
		b.SystemID = r.cstring(16)
		b.TLVs = r.tlvs()
		return &b, r.err
	case cmdSubmitSM, cmdDeliverSM:
		var b smBody
		b.ServiceType = r.cstring(6)
		b.SourceTON = r.byte()
		b.SourceNPI = r.byte()
		b.SourceAddr = r.cstring(21)
		b.DestTON = r.byte()
		b.DestNPI = r.byte()
		b.DestAddr = r.cstring(21)
		b.ESMClass = r.byte()
		b.ProtocolID = r.byte()
		b.PriorityFlag = r.byte()
		b.ScheduleDelivery = r.timeString()
		b.ValidityPeriod = r.timeString()
		b.RegisteredDelivery = r.byte()
		b.ReplaceIfPresent = r.byte()
		b.DataCoding = r.byte()
		b.SMDefaultMsgID = r.byte()
		smLen := int(r.byte())
		if r.err == nil && smLen > maxShortMessage {
			return nil, fmt.Errorf("sm_length %d over %d", smLen, maxShortMessage)
		}
		b.ShortMessage = r.bytes(smLen)
		b.TLVs = r.tlvs()
		return &b, r.err
	case cmdSubmitSMResp, cmdDeliverSMResp, cmdDataSMResp:
		var b smRespBody
		b.MessageID = r.cstring(65)
		b.TLVs = r.tlvs()
		return &b, r.err
	default:
		return rawBody(bytes.Clone(r.b)), nil
	}
}

// fieldReader reads the fields of a PDU body; the first error sticks and
// makes every later read return zero values.
type fieldReader struct {
	b   []byte
	err error
}

func (r *fieldReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *fieldReader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 1 {
		r.fail(io.ErrUnexpectedEOF)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fieldReader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.fail(fmt.Errorf("%d octets wanted, %d left: %w", n, len(r.b), io.ErrUnexpectedEOF))
		return nil
	}
	v := bytes.Clone(r.b[:n])
	r.b = r.b[n:]
	return v
}

// cstring reads a C-octet string of at most max octets, its NUL included.
func (r *fieldReader) cstring(max int) string {
	if r.err != nil {
		return ""
	}
	i := bytes.IndexByte(r.b, 0)
	if i < 0 {
		r.fail(errors.New("C-octet string without its NUL terminator"))
		return ""
	}
	if i+1 > max {
		r.fail(fmt.Errorf("C-octet string of %d octets, over %d", i+1, max))
		return ""
	}
	s := string(r.b[:i])
	r.b = r.b[i+1:]
	return s
}

// timeString reads an SMPP time (schedule_delivery_time, validity_period):
// empty, or 16 octets.
func (r *fieldReader) timeString() string {
	s := r.cstring(17)
	if r.err == nil && s != "" && len(s) != 16 {
		r.fail(fmt.Errorf("time field of %d octets, want 0 or 16", len(s)))
	}
	return s
}

// tlvs reads the optional parameters that fill the rest of the body.
func (r *fieldReader) tlvs() []tlv {
	var out []tlv
	for r.err == nil && len(r.b) > 0 {
		if len(r.b) < 4 {
			r.fail(fmt.Errorf("%d octets left, too few for a TLV", len(r.b)))
			break
		}
		tag := binary.BigEndian.Uint16(r.b)
		n := int(binary.BigEndian.Uint16(r.b[2:]))
		r.b = r.b[4:]
		v := r.bytes(n)
		if r.err == nil {
			out = append(out, tlv{Tag: tag, Value: v})
		}
	}
	return out
}

// end fails if octets are left over.
func (r *fieldReader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail(fmt.Errorf("%d octets after the last field", len(r.b)))
	}
	return r.err
}

// cmdName names a command ID, known or not.
func cmdName(id uint32) string {
	n, _ := commandName(id)
	return n
}
