package icao

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// tlv is one BER-TLV data object as the LDS uses them (Doc 9303 Part 10):
// a tag of one to three bytes, a definite length and the value.
type tlv struct {
	tag         uint32 // the tag bytes, big-endian: 0x61, 0x5F1F, 0x7F61
	constructed bool
	value       []byte
	raw         []byte // tag, length and value
}

// maxTagBytes is the longest tag ISO/IEC 7816-4 allows; the LDS itself
// uses one and two (0x5F1F, 0x7F61).
const maxTagBytes = 3

// readTLV reads the data object at the start of b and returns it with the
// bytes after it. It accepts the length forms real chips write (short, 0x81,
// 0x82, 0x83 and 0x84, minimal or not) and refuses indefinite lengths, which
// the LDS does not allow, and every length that overruns b.
func readTLV(b []byte) (tlv, []byte, error) {
	if len(b) == 0 {
		return tlv{}, nil, errors.New("truncated: no data object")
	}
	first := b[0]
	if first == 0x00 || first == 0xFF {
		return tlv{}, nil, fmt.Errorf("tag %02X is padding, not a tag", first)
	}
	tag := uint32(first)
	i := 1
	if first&0x1F == 0x1F {
		for {
			if i >= len(b) {
				return tlv{}, nil, errors.New("truncated in the tag")
			}
			if i >= maxTagBytes {
				return tlv{}, nil, fmt.Errorf("tag %X… longer than %d bytes", tag, maxTagBytes)
			}
			c := b[i]
			if i == 1 && c == 0x80 {
				// A tag number with a leading zero group. (Numbers below
				// 31 in the long form, such as EF.COM's 0x5F01, are how
				// the LDS writes them and are accepted.)
				return tlv{}, nil, fmt.Errorf("tag %02X%02X… is not minimally encoded", first, c)
			}
			tag = tag<<8 | uint32(c)
			i++
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return tlv{}, nil, fmt.Errorf("tag %X: truncated before the length", tag)
	}
	l := uint64(b[i])
	i++
	switch {
	case l < 0x80:
	case l == 0x80:
		return tlv{}, nil, fmt.Errorf("tag %X: indefinite length", tag)
	case l <= 0x84:
		n := int(l & 0x7F)
		if len(b)-i < n {
			return tlv{}, nil, fmt.Errorf("tag %X: truncated in the length", tag)
		}
		l = 0
		for k := 0; k < n; k++ {
			l = l<<8 | uint64(b[i+k])
		}
		i += n
	default:
		return tlv{}, nil, fmt.Errorf("tag %X: length of %d bytes", tag, l&0x7F)
	}
	if l > uint64(len(b)-i) {
		return tlv{}, nil, fmt.Errorf("tag %X: length %d, only %d bytes present", tag, l, len(b)-i)
	}
	end := i + int(l)
	return tlv{tag: tag, constructed: first&0x20 != 0, value: b[i:end:end], raw: b[:end:end]}, b[end:], nil
}

// readAll splits b into its data objects.
func readAll(b []byte) ([]tlv, error) {
	var out []tlv
	for len(b) > 0 {
		t, rest, err := readTLV(b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		b = rest
	}
	return out, nil
}

// readOnly reads exactly one data object that fills b.
func readOnly(b []byte) (tlv, error) {
	t, rest, err := readTLV(b)
	if err != nil {
		return tlv{}, err
	}
	if len(rest) != 0 {
		return tlv{}, fmt.Errorf("%d bytes after tag %X", len(rest), t.tag)
	}
	return t, nil
}

// find returns the first object with the tag.
func find(objs []tlv, tag uint32) (tlv, bool) {
	for _, o := range objs {
		if o.tag == tag {
			return o, true
		}
	}
	return tlv{}, false
}

// appendTLV appends tag, the shortest length form and value to dst.
func appendTLV(dst []byte, tag uint32, value []byte) []byte {
	switch {
	case tag > 0xFFFFFF:
		dst = append(dst, byte(tag>>24), byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFFFF:
		dst = append(dst, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFF:
		dst = append(dst, byte(tag>>8), byte(tag))
	default:
		dst = append(dst, byte(tag))
	}
	return append(appendLength(dst, len(value)), value...)
}

// appendLength appends the shortest definite form of length n.
func appendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n))
	case n <= 0xFFFFFF:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		return append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// encode returns one data object whose value is the parts concatenated.
func encode(tag uint32, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	value := make([]byte, 0, n)
	for _, p := range parts {
		value = append(value, p...)
	}
	return appendTLV(make([]byte, 0, n+8), tag, value)
}

// parseUint decodes the value of a non-negative DER INTEGER that fits in 31
// bits.
func parseUint(v []byte) (int, error) {
	switch {
	case len(v) == 0:
		return 0, errors.New("empty INTEGER")
	case v[0]&0x80 != 0:
		return 0, errors.New("negative INTEGER")
	case len(v) > 1 && v[0] == 0 && v[1]&0x80 == 0:
		return 0, errors.New("INTEGER not minimally encoded")
	case len(v) > 5 || len(v) == 5 && v[0] != 0:
		return 0, errors.New("INTEGER too large")
	}
	var n uint64
	for _, c := range v {
		n = n<<8 | uint64(c)
	}
	if n > 0x7FFFFFFF {
		return 0, errors.New("INTEGER too large")
	}
	return int(n), nil
}

// uintBytes is the DER INTEGER value of n ≥ 0.
func uintBytes(n int) []byte {
	var b []byte
	for {
		b = append([]byte{byte(n)}, b...)
		n >>= 8
		if n == 0 {
			break
		}
	}
	if b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// parseOID decodes the value of an OBJECT IDENTIFIER.
func parseOID(v []byte) (asn1.ObjectIdentifier, error) {
	der, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagOID, Bytes: v})
	if err != nil {
		return nil, err
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(der, &oid); err != nil {
		return nil, fmt.Errorf("OBJECT IDENTIFIER: %v", err)
	}
	return oid, nil
}

// oidOf returns the OBJECT IDENTIFIER written in dotted form s, a constant of
// this package.
func oidOf(s string) asn1.ObjectIdentifier {
	parts := strings.Split(s, ".")
	out := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		out[i], _ = strconv.Atoi(p)
	}
	return out
}

// malformed returns an error naming the file at fault that wraps
// ErrMalformed.
func malformed(file, format string, a ...any) error {
	return fmt.Errorf("%s: %w: %s", file, ErrMalformed, fmt.Sprintf(format, a...))
}
