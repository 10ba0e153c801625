package x509lite

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Attribute is one AttributeTypeAndValue of a distinguished name, with the
// value decoded to text.
type Attribute struct {
	Type  asn1.ObjectIdentifier
	Value string
}

// Name is a parsed X.501 distinguished name. Raw holds its exact DER
// encoding, which is what issuer/subject matching compares first.
type Name struct {
	Raw []byte
	// The most common attributes, from their last occurrence (the most
	// specific RDN). Empty when absent.
	Country, Organization, OrganizationalUnit, CommonName, SerialNumber string
	// Attributes lists every attribute in encoding order (multi-valued RDNs
	// flattened).
	Attributes []Attribute
}

func oidAttr(n int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier{2, 5, 4, n} }

// attributeShortName returns the RFC 4514 short name of an attribute type.
func attributeShortName(oid asn1.ObjectIdentifier) string {
	if len(oid) == 4 && oid[0] == 2 && oid[1] == 5 && oid[2] == 4 {
		switch oid[3] {
		case 3:
			return "CN"
		case 5:
			return "serialNumber"
		case 6:
			return "C"
		case 7:
			return "L"
		case 8:
			return "ST"
		case 9:
			return "STREET"
		case 10:
			return "O"
		case 11:
			return "OU"
		}
	}
	switch oid.String() {
	case "1.2.840.113549.1.9.1":
		return "emailAddress"
	case "0.9.2342.19200300.100.1.25":
		return "DC"
	}
	return oid.String()
}

// String formats the name as "C=VN, O=…, CN=…" in encoding order.
func (n Name) String() string {
	parts := make([]string, 0, len(n.Attributes))
	for _, a := range n.Attributes {
		v := strings.NewReplacer(`\`, `\\`, ",", `\,`, "+", `\+`).Replace(a.Value)
		parts = append(parts, attributeShortName(a.Type)+"="+v)
	}
	return strings.Join(parts, ", ")
}

// Equal reports whether n and o are the same name: byte-identical
// encodings, or else the same attribute types in the same order with values
// equal after case folding and collapsing of white space (a simplification
// of RFC 5280 section 7.1). An empty name equals only an empty name.
func (n Name) Equal(o Name) bool {
	if len(n.Raw) != 0 && bytes.Equal(n.Raw, o.Raw) {
		return true
	}
	if len(n.Attributes) != len(o.Attributes) {
		return false
	}
	for i, a := range n.Attributes {
		b := o.Attributes[i]
		if !a.Type.Equal(b.Type) || canonicalValue(a.Value) != canonicalValue(b.Value) {
			return false
		}
	}
	return true
}

func canonicalValue(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// parseName decodes Name ::= SEQUENCE OF SET OF AttributeTypeAndValue.
func parseName(v asn1.RawValue, what string) (Name, error) {
	if v.Class != classUniversal || v.Tag != tagSequence || !v.IsCompound {
		return Name{}, malformed("%s: unexpected %s", what, tagName(v))
	}
	n := Name{Raw: v.FullBytes}
	rdns := inside(v, what)
	for !rdns.empty() {
		set, err := rdns.expect("RelativeDistinguishedName", classUniversal, tagSet, true)
		if err != nil {
			return Name{}, err
		}
		atvs := inside(set, what+" RDN")
		if atvs.empty() {
			return Name{}, malformed("%s: empty RelativeDistinguishedName", what)
		}
		for !atvs.empty() {
			atv, err := atvs.expect("AttributeTypeAndValue", classUniversal, tagSequence, true)
			if err != nil {
				return Name{}, err
			}
			c := inside(atv, what+" attribute")
			typ, err := c.oid("type")
			if err != nil {
				return Name{}, err
			}
			val, err := c.next("value")
			if err != nil {
				return Name{}, err
			}
			if err := c.end(); err != nil {
				return Name{}, err
			}
			text, err := decodeString(val)
			if err != nil {
				return Name{}, fmt.Errorf("%s: %s: %w", what, attributeShortName(typ), err)
			}
			n.Attributes = append(n.Attributes, Attribute{Type: typ, Value: text})
			switch {
			case typ.Equal(oidAttr(6)):
				n.Country = text
			case typ.Equal(oidAttr(10)):
				n.Organization = text
			case typ.Equal(oidAttr(11)):
				n.OrganizationalUnit = text
			case typ.Equal(oidAttr(3)):
				n.CommonName = text
			case typ.Equal(oidAttr(5)):
				n.SerialNumber = text
			}
		}
	}
	return n, nil
}

// decodeString returns the text of a directory string. Values of other
// types are returned as "#" and the hex of their DER encoding (RFC 4514).
func decodeString(v asn1.RawValue) (string, error) {
	if v.Class != classUniversal || v.IsCompound {
		return "#" + hex.EncodeToString(v.FullBytes), nil
	}
	b := v.Bytes
	switch v.Tag {
	case tagUTF8String:
		if !utf8.Valid(b) {
			return "", malformed("invalid UTF8String")
		}
		return string(b), nil
	case tagPrintableString, tagIA5String, tagNumericString, tagVisibleString:
		for _, c := range b {
			if c >= 0x80 {
				return "", malformed("non-ASCII byte in an ASCII string type")
			}
		}
		return string(b), nil
	case tagT61String: // in practice Latin-1
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r), nil
	case tagBMPString:
		if len(b)%2 != 0 {
			return "", malformed("BMPString of odd length")
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return string(utf16.Decode(u)), nil
	case tagUniversalString:
		if len(b)%4 != 0 {
			return "", malformed("UniversalString length not a multiple of 4")
		}
		var sb strings.Builder
		for i := 0; i < len(b); i += 4 {
			r := rune(uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3]))
			if !utf8.ValidRune(r) {
				return "", malformed("invalid character in UniversalString")
			}
			sb.WriteRune(r)
		}
		return sb.String(), nil
	}
	return "#" + hex.EncodeToString(v.FullBytes), nil
}

// DistinguishedName describes a name to encode in a certificate or CRL.
// Each non-empty field becomes one RDN, in the order Country, Organization,
// OrganizationalUnit, CommonName, SerialNumber, then Extra. Country and
// SerialNumber are PrintableStrings (X.520); the others UTF8Strings.
type DistinguishedName struct {
	Country, Organization, OrganizationalUnit, CommonName, SerialNumber string
	// Extra attributes, appended as UTF8Strings.
	Extra []Attribute
}

func isPrintable(s string) bool {
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(" '()+,-./:=?", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Marshal returns the DER encoding of the name.
func (d DistinguishedName) Marshal() ([]byte, error) {
	der, err := d.marshal()
	if err != nil {
		return nil, fmt.Errorf("x509lite: encode name: %w", err)
	}
	return der, nil
}

func (d DistinguishedName) marshal() ([]byte, error) {
	var rdns [][]byte
	add := func(oid asn1.ObjectIdentifier, value string, printable bool) error {
		if value == "" {
			return nil
		}
		o, err := derOID(oid)
		if err != nil {
			return err
		}
		var v []byte
		if printable {
			if !isPrintable(value) {
				return fmt.Errorf("%w: %s %q is not a PrintableString", ErrInvalidTemplate, attributeShortName(oid), value)
			}
			v = tlv(classUniversal, tagPrintableString, false, []byte(value))
		} else {
			if !utf8.ValidString(value) {
				return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidTemplate, attributeShortName(oid))
			}
			v = tlv(classUniversal, tagUTF8String, false, []byte(value))
		}
		rdns = append(rdns, derSet(derSequence(o, v)))
		return nil
	}
	for _, f := range []struct {
		n         int
		v         string
		printable bool
	}{
		{6, d.Country, true}, {10, d.Organization, false}, {11, d.OrganizationalUnit, false},
		{3, d.CommonName, false}, {5, d.SerialNumber, true},
	} {
		if err := add(oidAttr(f.n), f.v, f.printable); err != nil {
			return nil, err
		}
	}
	for _, a := range d.Extra {
		if err := add(a.Type, a.Value, false); err != nil {
			return nil, err
		}
	}
	return derSequence(rdns...), nil
}
