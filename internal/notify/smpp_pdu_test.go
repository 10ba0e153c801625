package notify

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// header returns a PDU header; length 0 means "the length of the whole
// PDU", filled in by raw.
func header(length, id, status, seq uint32) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint32(b, length)
	binary.BigEndian.PutUint32(b[4:], id)
	binary.BigEndian.PutUint32(b[8:], status)
	binary.BigEndian.PutUint32(b[12:], seq)
	return b
}

// raw returns a PDU with the given body and a command_length that fits.
func raw(id, status, seq uint32, body ...[]byte) []byte {
	b := header(0, id, status, seq)
	for _, part := range body {
		b = append(b, part...)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

func cs(s string) []byte { return append([]byte(s), 0) }

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// submitBody returns the mandatory fields of a submit_sm up to sm_length,
// then sm.
func submitBody(validity string, smLen byte, sm []byte) []byte {
	var b []byte
	b = append(b, cs("")...)                     // service_type
	b = append(b, 5, 0)                          // source TON, NPI
	b = append(b, cs("VNeID")...)                // source_addr
	b = append(b, 1, 1)                          // dest TON, NPI
	b = append(b, cs("84912345678")...)          // destination_addr
	b = append(b, 0, 0, 0)                       // esm_class, protocol_id, priority_flag
	b = append(b, cs("")...)                     // schedule_delivery_time
	b = append(b, cs(validity)...)               // validity_period
	b = append(b, 0, 0, codingDefault, 0, smLen) // registered_delivery … sm_length
	return append(b, sm...)
}

func TestDecodePDUMalformed(t *testing.T) {
	big := make([]byte, maxPDULen+1)
	copy(big, header(maxPDULen+1, cmdSubmitSMResp, 0, 1))
	tests := []struct {
		name   string
		b      []byte
		status uint32
	}{
		{"empty", nil, statusInvalidCmdLen},
		{"shorter than a header", header(16, cmdEnquireLink, 0, 1)[:15], statusInvalidCmdLen},
		{"command_length under 16", header(8, cmdEnquireLink, 0, 1), statusInvalidCmdLen},
		{"command_length over the octets", header(20, cmdEnquireLink, 0, 1), statusInvalidCmdLen},
		{"command_length under the octets", append(header(16, cmdEnquireLink, 0, 1), 0), statusInvalidCmdLen},
		{"command_length over the 64 KiB cap", header(maxPDULen+1, cmdSubmitSMResp, 0, 1), statusInvalidCmdLen},
		{"whole PDU over the 64 KiB cap", big, statusInvalidCmdLen},
		{"command_length 0xFFFFFFFF", header(0xFFFFFFFF, cmdEnquireLink, 0, 1), statusInvalidCmdLen},
		{"unknown command", raw(0x00000099, 0, 7), statusInvalidCmdID},
		{"unknown response", raw(0x80000099, 0, 7), statusInvalidCmdID},
		{"enquire_link with a body", raw(cmdEnquireLink, 0, 1, []byte{0}), statusInvalidCmdLen},
		{"unbind_resp with a body", raw(cmdUnbindResp, 0, 1, []byte("x")), statusInvalidCmdLen},
		{"bind: system_id without NUL", raw(cmdBindTransmitter, 0, 1, []byte("vneid")), statusInvalidCmdLen},
		{"bind: password without NUL", raw(cmdBindTransmitter, 0, 1, cs("vneid"), []byte("secret")), statusInvalidCmdLen},
		{"bind: system_id over 15", raw(cmdBindTransmitter, 0, 1, cs("0123456789abcdef"), cs("p"), cs(""), []byte{0x34, 0, 0}, cs("")), statusInvalidCmdLen},
		{"bind: password over 8", raw(cmdBindTransmitter, 0, 1, cs("vneid"), cs("123456789"), cs(""), []byte{0x34, 0, 0}, cs("")), statusInvalidCmdLen},
		{"bind: truncated after system_type", raw(cmdBindTransmitter, 0, 1, cs("vneid"), cs("p"), cs(""), []byte{0x34}), statusInvalidCmdLen},
		{"bind: address_range without NUL", raw(cmdBindTransmitter, 0, 1, cs("vneid"), cs("p"), cs(""), []byte{0x34, 0, 0}, []byte("8491")), statusInvalidCmdLen},
		{"bind: octets after the last field", raw(cmdBindTransmitter, 0, 1, cs("vneid"), cs("p"), cs(""), []byte{0x34, 0, 0}, cs(""), []byte{1}), statusInvalidCmdLen},
		{"bind_resp: system_id without NUL", raw(cmdBindTransmitterResp, 0, 1, []byte("smsc")), statusInvalidCmdLen},
		{"bind_resp: half a TLV", raw(cmdBindTransmitterResp, 0, 1, cs("smsc"), []byte{0x02, 0x10, 0x00}), statusInvalidCmdLen},
		{"bind_resp: TLV longer than the PDU", raw(cmdBindTransmitterResp, 0, 1, cs("smsc"), []byte{0x02, 0x10, 0x00, 0x02, 0x34}), statusInvalidCmdLen},
		{"submit_sm_resp: message_id without NUL", raw(cmdSubmitSMResp, 0, 1, []byte("abc")), statusInvalidCmdLen},
		{"submit_sm_resp: message_id over 64", raw(cmdSubmitSMResp, 0, 1, cs(strings.Repeat("9", 65))), statusInvalidCmdLen},
		{"submit_sm: empty body", raw(cmdSubmitSM, 0, 1), statusInvalidCmdLen},
		{"submit_sm: source_addr without NUL", raw(cmdSubmitSM, 0, 1, cs(""), []byte{5, 0}, []byte("VNeID")), statusInvalidCmdLen},
		{"submit_sm: source_addr over 20", raw(cmdSubmitSM, 0, 1, cs(""), []byte{5, 0}, cs(strings.Repeat("x", 21))), statusInvalidCmdLen},
		{"submit_sm: validity of 5 octets", raw(cmdSubmitSM, 0, 1, submitBody("00001", 0, nil)), statusInvalidCmdLen},
		{"submit_sm: sm_length past the end", raw(cmdSubmitSM, 0, 1, submitBody("", 10, []byte("short"))), statusInvalidCmdLen},
		{"submit_sm: sm_length 255", raw(cmdSubmitSM, 0, 1, submitBody("", 255, bytes.Repeat([]byte("a"), 255))), statusInvalidCmdLen},
		{"submit_sm: no sm_length", raw(cmdSubmitSM, 0, 1, submitBody("", 0, nil)[:len(submitBody("", 0, nil))-1]), statusInvalidCmdLen},
		{"deliver_sm: half a TLV", raw(cmdDeliverSM, 0, 1, submitBody("", 2, []byte("ok")), []byte{0x04}), statusInvalidCmdLen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := decodePDU(tc.b)
			var perr *pduError
			if !errors.As(err, &perr) {
				t.Fatalf("decodePDU = %+v, %v; want a *pduError", p, err)
			}
			if perr.status != tc.status {
				t.Errorf("status 0x%02X, want 0x%02X (%v)", perr.status, tc.status, err)
			}
			if p.Body != nil {
				t.Errorf("body %+v decoded from a malformed PDU", p.Body)
			}
		})
	}

	// The header of an unknown command is kept, to answer it.
	p, _ := decodePDU(raw(0x00000099, 0, 4242))
	if p.ID != 0x00000099 || p.Seq != 4242 {
		t.Errorf("unknown command decoded as %+v, want its ID and sequence", p)
	}
}

func TestDecodePDU(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want pdu
	}{
		{"enquire_link", raw(cmdEnquireLink, 0, 9), pdu{ID: cmdEnquireLink, Seq: 9}},
		{"generic_nack", raw(cmdGenericNack, statusInvalidCmdLen, 3), pdu{ID: cmdGenericNack, Status: statusInvalidCmdLen, Seq: 3}},
		{"bind_transmitter", raw(cmdBindTransmitter, 0, 1, cs("vneid"), cs("secret"), cs("OTP"), []byte{0x34, 1, 1}, cs("")),
			pdu{ID: cmdBindTransmitter, Seq: 1, Body: &bindBody{SystemID: "vneid", Password: "secret", SystemType: "OTP",
				InterfaceVersion: 0x34, AddrTON: 1, AddrNPI: 1}}},
		{"bind_transmitter_resp with sc_interface_version", raw(cmdBindTransmitterResp, 0, 1, cs("SMSC"), []byte{0x02, 0x10, 0x00, 0x01, 0x34}),
			pdu{ID: cmdBindTransmitterResp, Seq: 1, Body: &bindRespBody{SystemID: "SMSC", TLVs: []tlv{{Tag: 0x0210, Value: []byte{0x34}}}}}},
		{"failed bind_transmitter_resp without a body", raw(cmdBindTransmitterResp, statusInvalidPassword, 1),
			pdu{ID: cmdBindTransmitterResp, Status: statusInvalidPassword, Seq: 1}},
		{"failed submit_sm_resp with a body anyway", raw(cmdSubmitSMResp, statusThrottled, 5, []byte("junk")),
			pdu{ID: cmdSubmitSMResp, Status: statusThrottled, Seq: 5}},
		{"submit_sm_resp without a body", raw(cmdSubmitSMResp, 0, 5), pdu{ID: cmdSubmitSMResp, Seq: 5}},
		{"submit_sm_resp", raw(cmdSubmitSMResp, 0, 0x7FFFFFFF, cs("1a2b3c")),
			pdu{ID: cmdSubmitSMResp, Seq: 0x7FFFFFFF, Body: &smRespBody{MessageID: "1a2b3c"}}},
		{"submit_sm", raw(cmdSubmitSM, 0, 2, submitBody("000000001000000R", 5, []byte("hello"))),
			pdu{ID: cmdSubmitSM, Seq: 2, Body: &smBody{SourceTON: 5, SourceAddr: "VNeID", DestTON: 1, DestNPI: 1, DestAddr: "84912345678",
				ValidityPeriod: "000000001000000R", ShortMessage: []byte("hello")}}},
		{"deliver_sm with a TLV", raw(cmdDeliverSM, 0, 2, submitBody("", 0, nil), []byte{0x04, 0x27, 0x00, 0x01, 0x02}),
			pdu{ID: cmdDeliverSM, Seq: 2, Body: &smBody{SourceTON: 5, SourceAddr: "VNeID", DestTON: 1, DestNPI: 1, DestAddr: "84912345678",
				ShortMessage: []byte{}, TLVs: []tlv{{Tag: 0x0427, Value: []byte{2}}}}}},
		{"query_sm kept raw", raw(cmdQuerySM, 0, 2, []byte{1, 2, 3}), pdu{ID: cmdQuerySM, Seq: 2, Body: rawBody{1, 2, 3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodePDU(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("decoded %+v (body %+v)\nwant %+v (body %+v)", got, got.Body, tc.want, tc.want.Body)
			}
			if !strings.Contains(tc.name, "anyway") && !bytes.Equal(got.encode(), tc.b) {
				t.Errorf("encode\n got % x\nwant % x", got.encode(), tc.b)
			}
		})
	}
}

// The octets of a bind_transmitter and a submit_sm, written out by hand from
// the SMPP v3.4 specification.
func TestEncodePDU(t *testing.T) {
	bind := &pdu{ID: cmdBindTransmitter, Seq: 1, Body: &bindBody{SystemID: "vneid", Password: "secret", InterfaceVersion: 0x34}}
	want := unhex(t, "0000 0022 00000002 00000000 00000001"+
		"766e656964 00"+ // system_id "vneid"
		"736563726574 00"+ // password "secret"
		"00"+ // system_type ""
		"34 00 00"+ // interface_version, addr_ton, addr_npi
		"00") // address_range ""
	if got := bind.encode(); !bytes.Equal(got, want) {
		t.Errorf("bind_transmitter\n got % x\nwant % x", got, want)
	}
	sm := &pdu{ID: cmdSubmitSM, Seq: 0x0102, Body: &smBody{SourceTON: 5, SourceAddr: "VNeID", DestTON: 1, DestNPI: 1,
		DestAddr: "84912345678", ESMClass: 0x40, DataCoding: 0x08, ShortMessage: []byte{0x05, 0x00, 0x03, 0xAB, 0x02, 0x01, 0x00, 0x43}}}
	want = unhex(t, "0000 0039 00000004 00000000 00000102"+
		"00"+ // service_type
		"05 00 564e654944 00"+ // source
		"01 01 3834393132333435363738 00"+ // destination
		"40 00 00"+ // esm_class, protocol_id, priority_flag
		"00 00"+ // schedule_delivery_time, validity_period
		"00 00 08 00"+ // registered_delivery, replace_if_present, data_coding, sm_default_msg_id
		"08 050003ab0201 0043") // sm_length, UDH, "C" in UCS-2
	if got := sm.encode(); !bytes.Equal(got, want) {
		t.Errorf("submit_sm\n got % x\nwant % x", got, want)
	}
}

func TestReadPDU(t *testing.T) {
	stream := append(raw(cmdEnquireLink, 0, 1), raw(cmdSubmitSMResp, 0, 2, cs("id-2"))...)
	r := bytes.NewReader(stream)
	for _, want := range []pdu{{ID: cmdEnquireLink, Seq: 1}, {ID: cmdSubmitSMResp, Seq: 2, Body: &smRespBody{MessageID: "id-2"}}} {
		got, err := readPDU(r)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("readPDU = %+v, %v; want %+v", got, err, want)
		}
	}
	if _, err := readPDU(r); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}

	// A bad length loses the PDU boundary: not a *pduError.
	for _, b := range [][]byte{header(maxPDULen+1, cmdSubmitSM, 0, 1), header(4, cmdEnquireLink, 0, 1)} {
		_, err := readPDU(bytes.NewReader(b))
		var perr *pduError
		if err == nil || errors.As(err, &perr) {
			t.Errorf("length %d: %v, want an error that ends the session", binary.BigEndian.Uint32(b), err)
		}
	}
	// Cut short.
	if _, err := readPDU(bytes.NewReader(raw(cmdSubmitSMResp, 0, 2, cs("id"))[:18])); err != io.ErrUnexpectedEOF {
		t.Errorf("cut short: %v, want io.ErrUnexpectedEOF", err)
	}
	// A whole PDU of an unknown command leaves the stream in step.
	r = bytes.NewReader(append(raw(0x00000099, 0, 1, []byte("xyz")), raw(cmdEnquireLink, 0, 2)...))
	if _, err := readPDU(r); err == nil {
		t.Fatal("unknown command decoded")
	}
	if p, err := readPDU(r); err != nil || p.ID != cmdEnquireLink || p.Seq != 2 {
		t.Fatalf("after an unknown command: %+v, %v", p, err)
	}
}

func FuzzDecodePDU(f *testing.F) {
	f.Add(raw(cmdEnquireLink, 0, 1))
	f.Add(raw(cmdGenericNack, statusInvalidCmdID, 1))
	f.Add(raw(cmdBindTransmitter, 0, 1, cs("vneid"), cs("secret"), cs(""), []byte{0x34, 0, 0}, cs("")))
	f.Add(raw(cmdBindTransmitterResp, 0, 1, cs("SMSC"), []byte{0x02, 0x10, 0x00, 0x01, 0x34}))
	f.Add(raw(cmdSubmitSMResp, 0, 1, cs("abc")))
	f.Add(raw(cmdSubmitSMResp, statusThrottled, 1))
	f.Add(raw(cmdSubmitSM, 0, 1, submitBody("000000001000000R", 5, []byte("hello"))))
	f.Add(raw(cmdDeliverSM, 0, 1, submitBody("", 2, []byte("ok")), []byte{0x04, 0x27, 0x00, 0x01, 0x02}))
	f.Add(raw(cmdDataSM, 0, 1, []byte{1, 2, 3}))
	f.Add(header(maxPDULen+1, cmdSubmitSM, 0, 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePDU(b)
		if err != nil {
			var perr *pduError
			if !errors.As(err, &perr) {
				t.Fatalf("error %v is not a *pduError", err)
			}
			return
		}
		// What decodes encodes to something that decodes the same.
		enc := p.encode()
		if len(enc) > len(b) {
			t.Fatalf("re-encoded to %d octets from %d", len(enc), len(b))
		}
		again, err := decodePDU(enc)
		if err != nil {
			t.Fatalf("re-encoded PDU does not decode: %v\n% x", err, enc)
		}
		if !reflect.DeepEqual(p, again) {
			t.Fatalf("decode(encode(p)) = %+v, want %+v", again, p)
		}
		// And readPDU agrees with decodePDU.
		if q, err := readPDU(bytes.NewReader(b)); err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("readPDU = %+v, %v; decodePDU = %+v", q, err, p)
		}
	})
}

func TestSplitSMS(t *testing.T) {
	approval := "Cục Cảnh sát QLHC về TTXH thông báo: Hồ sơ đăng ký tài khoản định danh điện tử của công dân NGUYEN VAN AN đã được phê duyệt. Để nghị truy cập ứng dụng VNNeID hoặc địa chỉ https://vneid.gov.vn để kích hoạt tài khoản."
	tests := []struct {
		name    string
		text    string
		coding  byte
		lengths []int // characters (septets or UTF-16 units) per part
	}{
		{"short ASCII", "Your VNeID code is 048213.", codingDefault, []int{26}},
		{"160 ASCII", strings.Repeat("a", 160), codingDefault, []int{160}},
		{"161 ASCII", strings.Repeat("a", 161), codingDefault, []int{153, 8}},
		{"306 ASCII", strings.Repeat("b", 306), codingDefault, []int{153, 153}},
		{"ASCII punctuation that GSM encodes alike", "Hi! \"#%&'()*+,-./:;<=>?\r\n", codingDefault, []int{25}},
		{"@ differs in GSM", "a@b.vn", codingUCS2, []int{6}},
		{"$ differs in GSM", "5$", codingUCS2, []int{2}},
		{"_ differs in GSM", "a_b", codingUCS2, []int{3}},
		{"Vietnamese", "Mã xác thực", codingUCS2, []int{11}},
		{"70 UCS-2", strings.Repeat("ư", 70), codingUCS2, []int{70}},
		{"71 UCS-2", strings.Repeat("ư", 71), codingUCS2, []int{67, 4}},
		{"approval notice", approval, codingUCS2, []int{67, 67, 67, 14}},
		// 66 + two surrogate pairs + 1 = 71 units; the first pair is
		// not cut after its 67th unit.
		{"surrogate pair at a part boundary", strings.Repeat("a", 66) + "🇻🇳" + "ư", codingUCS2, []int{66, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			coding, parts, err := splitSMS(tc.text, 0xAB, 10)
			if err != nil {
				t.Fatal(err)
			}
			if coding != tc.coding {
				t.Errorf("data_coding 0x%02X, want 0x%02X", coding, tc.coding)
			}
			if len(parts) != len(tc.lengths) {
				t.Fatalf("%d parts, want %d", len(parts), len(tc.lengths))
			}
			var units []uint16
			for i, p := range parts {
				if len(parts) > 1 {
					udh := []byte{0x05, 0x00, 0x03, 0xAB, byte(len(parts)), byte(i + 1)}
					if !bytes.HasPrefix(p, udh) {
						t.Fatalf("part %d starts % x, want UDH % x", i+1, p[:min(6, len(p))], udh)
					}
					p = p[6:]
				}
				if len(p) > 140 && coding == codingUCS2 || len(p) > 160 {
					t.Errorf("part %d: %d octets of text", i+1, len(p))
				}
				n := len(p)
				if coding == codingUCS2 {
					n /= 2
					for j := 0; j+1 < len(p); j += 2 {
						units = append(units, uint16(p[j])<<8|uint16(p[j+1]))
					}
				} else {
					for _, c := range p {
						units = append(units, uint16(c))
					}
				}
				if n != tc.lengths[i] {
					t.Errorf("part %d: %d characters, want %d", i+1, n, tc.lengths[i])
				}
			}
			if got := string(utf16.Decode(units)); got != tc.text {
				t.Errorf("reassembled %q, want %q", got, tc.text)
			}
		})
	}

	// NFD input goes out in NFC: one UCS-2 character per letter.
	if _, parts, _ := splitSMS("ê\u0301", 0, 10); !bytes.Equal(parts[0], []byte{0x1E, 0xBF}) { // ế
		t.Errorf("NFD text encoded as % x, want 1e bf", parts[0])
	}
	if _, _, err := splitSMS("", 0, 10); err == nil {
		t.Error("empty text accepted")
	}
	if _, _, err := splitSMS(strings.Repeat("ư", 67*3+1), 0, 3); err == nil {
		t.Error("4 parts accepted with max 3")
	}
	if _, parts, err := splitSMS(strings.Repeat("ư", 67*3), 0, 3); err != nil || len(parts) != 3 {
		t.Errorf("3 parts with max 3: %d, %v", len(parts), err)
	}
}

func TestSMPPDestination(t *testing.T) {
	for _, in := range []string{"0912345678", "84912345678", "+84912345678", "+84 91 234 5678", "0912.345.678"} {
		if got, err := smppDestination(in); err != nil || got != "84912345678" {
			t.Errorf("smppDestination(%q) = %q, %v; want 84912345678", in, got, err)
		}
	}
	for _, in := range []string{"", "091234567", "09123456789", "0212345678", "+1 202 555 0100", "an@example.vn"} {
		if got, err := smppDestination(in); err == nil {
			t.Errorf("smppDestination(%q) = %q, want an error", in, got)
		} else if in != "" && strings.Contains(err.Error(), in) {
			t.Errorf("error %q repeats the number", err)
		}
	}
}

func TestSMPPRelativeTime(t *testing.T) {
	for _, tc := range []struct {
		d    string
		want string
	}{
		{"1s", "000000000001000R"},
		{"5m", "000000000500000R"},
		{"10m30s", "000000001030000R"},
		{"25h", "000001010000000R"},
		{"2399h59m59s", "000099235959000R"},
	} {
		d, _ := time.ParseDuration(tc.d)
		if got := smppRelativeTime(d); got != tc.want || len(got) != 16 {
			t.Errorf("smppRelativeTime(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestSMPPStatusError(t *testing.T) {
	for status, temporary := range map[uint32]bool{
		statusThrottled: true, statusMsgQueueFull: true, statusSystemError: true, statusTempAppError: true, statusInvalidBindStat: true,
		statusInvalidDstAddr: false, statusInvalidPassword: false, statusInvalidSystemID: false, statusBindFailed: false,
		statusSubmitFailed: false, statusInvalidCmdID: false, statusUnknownError: false, 0x1234: false,
	} {
		err := error(&SMPPStatusError{Command: "submit_sm", Status: status})
		if errors.Is(err, ErrPermanent) == temporary {
			t.Errorf("status 0x%02X: permanent %t, want %t (%v)", status, !temporary, !temporary, err)
		}
	}
	err := &SMPPStatusError{Command: "submit_sm", Status: statusThrottled}
	if got := err.Error(); got != "smpp: submit_sm: status 0x58 (ESME_RTHROTTLED)" {
		t.Errorf("Error() = %q", got)
	}
	err = &SMPPStatusError{Command: "submit_sm", Status: statusInvalidCmdID, Nack: true}
	if got := err.Error(); got != "smpp: submit_sm: generic_nack 0x03 (ESME_RINVCMDID)" {
		t.Errorf("Error() = %q", got)
	}
}
