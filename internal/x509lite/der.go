package x509lite

import (
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// ASN.1 universal tags used here (encoding/asn1 exports only some of them).
const (
	tagBoolean         = 1
	tagInteger         = 2
	tagBitString       = 3
	tagOctetString     = 4
	tagNull            = 5
	tagOID             = 6
	tagUTF8String      = 12
	tagSequence        = 16
	tagSet             = 17
	tagNumericString   = 18
	tagPrintableString = 19
	tagT61String       = 20
	tagIA5String       = 22
	tagUTCTime         = 23
	tagGeneralizedTime = 24
	tagVisibleString   = 26
	tagUniversalString = 28
	tagBMPString       = 30
)

const (
	classUniversal = asn1.ClassUniversal
	classContext   = asn1.ClassContextSpecific
)

// malformed returns an error wrapping ErrMalformed.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// readElement reads one DER element from b. encoding/asn1 rejects
// indefinite lengths, non-minimal lengths and truncated contents.
func readElement(b []byte) (asn1.RawValue, []byte, error) {
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(b, &v)
	if err != nil {
		return asn1.RawValue{}, nil, malformed("%v", err)
	}
	return v, rest, nil
}

func tagName(v asn1.RawValue) string {
	cls := [...]string{"universal", "application", "context", "private"}[v.Class&3]
	form := "primitive"
	if v.IsCompound {
		form = "constructed"
	}
	return fmt.Sprintf("%s %s tag %d", form, cls, v.Tag)
}

// cursor walks the elements inside a constructed value, in order.
type cursor struct {
	b    []byte
	what string
}

func (c *cursor) empty() bool { return len(c.b) == 0 }

// next reads the next element, whatever its tag.
func (c *cursor) next(what string) (asn1.RawValue, error) {
	if len(c.b) == 0 {
		return asn1.RawValue{}, malformed("%s: missing %s", c.what, what)
	}
	v, rest, err := readElement(c.b)
	if err != nil {
		return v, fmt.Errorf("%s: %s: %w", c.what, what, err)
	}
	c.b = rest
	return v, nil
}

// expect reads the next element and checks its class, tag and form.
func (c *cursor) expect(what string, class, tag int, compound bool) (asn1.RawValue, error) {
	v, err := c.next(what)
	if err != nil {
		return v, err
	}
	if v.Class != class || v.Tag != tag || v.IsCompound != compound {
		return v, malformed("%s: %s: unexpected %s", c.what, what, tagName(v))
	}
	return v, nil
}

// peek reports whether the next element has the given class and tag.
func (c *cursor) peek(class, tag int) bool {
	if len(c.b) == 0 {
		return false
	}
	v, _, err := readElement(c.b)
	return err == nil && v.Class == class && v.Tag == tag
}

// optional reads the next element if it has the given class and tag.
func (c *cursor) optional(what string, class, tag int, compound bool) (asn1.RawValue, bool, error) {
	if !c.peek(class, tag) {
		return asn1.RawValue{}, false, nil
	}
	v, err := c.expect(what, class, tag, compound)
	return v, err == nil, err
}

// end checks that every element has been read.
func (c *cursor) end() error {
	if len(c.b) != 0 {
		return malformed("%s: %d bytes of unexpected data at the end", c.what, len(c.b))
	}
	return nil
}

// inside returns a cursor over the contents of a constructed value.
func inside(v asn1.RawValue, what string) *cursor { return &cursor{b: v.Bytes, what: what} }

// single reads exactly one element of the given tag from der, refusing
// trailing data.
func single(der []byte, what string, class, tag int, compound bool) (asn1.RawValue, error) {
	c := &cursor{b: der, what: what}
	v, err := c.expect("value", class, tag, compound)
	if err != nil {
		return v, err
	}
	if !c.empty() {
		return v, malformed("%s: %d bytes of trailing data", what, len(c.b))
	}
	return v, nil
}

// sequence reads exactly one SEQUENCE from der and returns a cursor over
// its contents.
func sequence(der []byte, what string) (asn1.RawValue, *cursor, error) {
	v, err := single(der, what, classUniversal, tagSequence, true)
	if err != nil {
		return v, nil, err
	}
	return v, inside(v, what), nil
}

// decodeInteger decodes the contents of a DER INTEGER (two's complement,
// minimally encoded).
func decodeInteger(b []byte) (*big.Int, error) {
	if len(b) == 0 {
		return nil, malformed("empty INTEGER")
	}
	if len(b) > 1 && ((b[0] == 0 && b[1]&0x80 == 0) || (b[0] == 0xff && b[1]&0x80 != 0)) {
		return nil, malformed("INTEGER not minimally encoded")
	}
	n := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return n, nil
}

func (c *cursor) integer(what string) (*big.Int, error) {
	v, err := c.expect(what, classUniversal, tagInteger, false)
	if err != nil {
		return nil, err
	}
	n, err := decodeInteger(v.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", c.what, what, err)
	}
	return n, nil
}

// smallInt reads an INTEGER that must lie in [lo, hi].
func (c *cursor) smallInt(what string, lo, hi int64) (int, error) {
	n, err := c.integer(what)
	if err != nil {
		return 0, err
	}
	if !n.IsInt64() || n.Int64() < lo || n.Int64() > hi {
		return 0, malformed("%s: %s %v out of range [%d, %d]", c.what, what, n, lo, hi)
	}
	return int(n.Int64()), nil
}

func (c *cursor) oid(what string) (asn1.ObjectIdentifier, error) {
	v, err := c.expect(what, classUniversal, tagOID, false)
	if err != nil {
		return nil, err
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(v.FullBytes, &oid); err != nil {
		return nil, malformed("%s: %s: %v", c.what, what, err)
	}
	return oid, nil
}

func (c *cursor) octetString(what string) ([]byte, error) {
	v, err := c.expect(what, classUniversal, tagOctetString, false)
	if err != nil {
		return nil, err
	}
	return v.Bytes, nil
}

func decodeBoolean(b []byte) (bool, error) {
	if len(b) != 1 || (b[0] != 0 && b[0] != 0xff) {
		return false, malformed("invalid DER BOOLEAN")
	}
	return b[0] == 0xff, nil
}

// decodeBitString decodes the contents of a DER BIT STRING: unused bits
// in [0, 7], zero when empty, and set to zero.
func decodeBitString(b []byte) (asn1.BitString, error) {
	if len(b) == 0 {
		return asn1.BitString{}, malformed("empty BIT STRING")
	}
	pad := int(b[0])
	if pad > 7 || (len(b) == 1 && pad != 0) || (len(b) > 1 && b[len(b)-1]&(1<<pad-1) != 0) {
		return asn1.BitString{}, malformed("invalid BIT STRING padding")
	}
	return asn1.BitString{Bytes: b[1:], BitLength: 8*(len(b)-1) - pad}, nil
}

func (c *cursor) bitString(what string) (asn1.BitString, error) {
	v, err := c.expect(what, classUniversal, tagBitString, false)
	if err != nil {
		return asn1.BitString{}, err
	}
	bs, err := decodeBitString(v.Bytes)
	if err != nil {
		return bs, fmt.Errorf("%s: %s: %w", c.what, what, err)
	}
	return bs, nil
}

// octetBits reads a BIT STRING that must hold whole octets (keys and
// signatures).
func (c *cursor) octetBits(what string) ([]byte, error) {
	bs, err := c.bitString(what)
	if err != nil {
		return nil, err
	}
	if bs.BitLength%8 != 0 {
		return nil, malformed("%s: %s is not a whole number of octets", c.what, what)
	}
	return bs.Bytes, nil
}

// time reads a UTCTime or GeneralizedTime.
func (c *cursor) time(what string) (time.Time, error) {
	v, err := c.next(what)
	if err != nil {
		return time.Time{}, err
	}
	t, err := decodeTime(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %s: %w", c.what, what, err)
	}
	return t, nil
}

func isTime(v asn1.RawValue) bool {
	return v.Class == classUniversal && !v.IsCompound && (v.Tag == tagUTCTime || v.Tag == tagGeneralizedTime)
}

func decodeTime(v asn1.RawValue) (time.Time, error) {
	if v.Class != classUniversal || v.IsCompound {
		return time.Time{}, malformed("unexpected %s for a time", tagName(v))
	}
	switch v.Tag {
	case tagUTCTime:
		return decodeUTCTime(v.Bytes)
	case tagGeneralizedTime:
		return decodeGeneralizedTime(v.Bytes)
	}
	return time.Time{}, malformed("unexpected %s for a time", tagName(v))
}

// digits parses a run of ASCII decimal digits.
func digits(s []byte) (int, bool) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// dateTime builds a UTC time from "YYYYMMDDHHMMSS" fields, refusing
// out-of-range fields (which time.Date would silently normalise).
func dateTime(year int, s []byte) (time.Time, error) {
	var f [5]int
	for i := range f {
		v, ok := digits(s[2*i : 2*i+2])
		if !ok {
			return time.Time{}, malformed("non-digit in time %q", s)
		}
		f[i] = v
	}
	t := time.Date(year, time.Month(f[0]), f[1], f[2], f[3], f[4], 0, time.UTC)
	if t.Month() != time.Month(f[0]) || t.Day() != f[1] || t.Hour() != f[2] || t.Minute() != f[3] || t.Second() != f[4] {
		return time.Time{}, malformed("invalid date or time %q", s)
	}
	return t, nil
}

// decodeUTCTime parses the DER form YYMMDDHHMMSSZ (RFC 5280 4.1.2.5.1);
// years 50–99 are 19xx, 00–49 are 20xx.
func decodeUTCTime(b []byte) (time.Time, error) {
	if len(b) != 13 || b[12] != 'Z' {
		return time.Time{}, malformed("UTCTime %q is not YYMMDDHHMMSSZ", b)
	}
	yy, ok := digits(b[:2])
	if !ok {
		return time.Time{}, malformed("non-digit in UTCTime %q", b)
	}
	year := 1900 + yy
	if yy < 50 {
		year = 2000 + yy
	}
	return dateTime(year, b[2:12])
}

// decodeGeneralizedTime parses the DER form YYYYMMDDHHMMSSZ (no fractional
// seconds, RFC 5280 4.1.2.5.2).
func decodeGeneralizedTime(b []byte) (time.Time, error) {
	if len(b) != 15 || b[14] != 'Z' {
		return time.Time{}, malformed("GeneralizedTime %q is not YYYYMMDDHHMMSSZ", b)
	}
	year, ok := digits(b[:4])
	if !ok {
		return time.Time{}, malformed("non-digit in GeneralizedTime %q", b)
	}
	return dateTime(year, b[4:14])
}

// ---- encoding ----

// tlv encodes one DER element with the concatenated parts as contents.
func tlv(class, tag int, compound bool, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n+6)
	id := byte(class<<6) | byte(tag)
	if compound {
		id |= 0x20
	}
	out = append(out, id)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	default:
		var l []byte
		for v := n; v > 0; v >>= 8 {
			l = append([]byte{byte(v)}, l...)
		}
		out = append(out, 0x80|byte(len(l)))
		out = append(out, l...)
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func derSequence(parts ...[]byte) []byte { return tlv(classUniversal, tagSequence, true, parts...) }
func derSet(parts ...[]byte) []byte      { return tlv(classUniversal, tagSet, true, parts...) }
func derOctetString(b []byte) []byte     { return tlv(classUniversal, tagOctetString, false, b) }
func derNull() []byte                    { return []byte{tagNull, 0} }

func derBoolean(v bool) []byte {
	if v {
		return []byte{tagBoolean, 1, 0xff}
	}
	return []byte{tagBoolean, 1, 0}
}

// derBitString encodes whole octets as a BIT STRING with no unused bits.
func derBitString(b []byte) []byte {
	return tlv(classUniversal, tagBitString, false, []byte{0}, b)
}

// derInteger encodes n in minimal two's complement.
func derInteger(n *big.Int) []byte {
	switch {
	case n == nil || n.Sign() == 0:
		return []byte{tagInteger, 1, 0}
	case n.Sign() > 0:
		b := n.Bytes()
		if b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return tlv(classUniversal, tagInteger, false, b)
	default:
		// -n encoded as 2^(8k) - |n| with k the smallest length that keeps
		// the sign bit set.
		k := (new(big.Int).Sub(new(big.Int).Neg(n), big.NewInt(1)).BitLen())/8 + 1
		v := new(big.Int).Lsh(big.NewInt(1), uint(8*k))
		v.Add(v, n)
		return tlv(classUniversal, tagInteger, false, v.FillBytes(make([]byte, k)))
	}
}

func derSmallInt(n int64) []byte { return derInteger(big.NewInt(n)) }

func derOID(oid asn1.ObjectIdentifier) ([]byte, error) {
	b, err := asn1.Marshal(oid)
	if err != nil {
		return nil, fmt.Errorf("%w: OID %v: %v", ErrInvalidTemplate, oid, err)
	}
	return b, nil
}

// derTime encodes t as UTCTime for 1950–2049 and GeneralizedTime
// otherwise (RFC 5280 4.1.2.5), truncated to the second.
func derTime(t time.Time) ([]byte, error) {
	t = t.UTC()
	switch y := t.Year(); {
	case y >= 1950 && y < 2050:
		return tlv(classUniversal, tagUTCTime, false, []byte(t.Format("060102150405Z"))), nil
	case y >= 0 && y <= 9999:
		return derGeneralizedTime(t), nil
	}
	return nil, fmt.Errorf("%w: time %v cannot be encoded", ErrInvalidTemplate, t)
}

const generalizedTimeLayout = "20060102150405Z"

func derGeneralizedTime(t time.Time) []byte {
	return tlv(classUniversal, tagGeneralizedTime, false, []byte(t.UTC().Format(generalizedTimeLayout)))
}
