package icao

import (
	"encoding/asn1"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/vneid/vneid/internal/identity"
)

// DG13 holds the Vietnamese details of a CCCD chip's EF.DG13. Any field may
// be missing. Dates are kept as written and parsed where they are dates.
type DG13 struct {
	Version            int
	IDNumber           string // field 1
	FullName           string // 2
	DateOfBirthRaw     string // 3
	DateOfBirth        identity.Date
	Sex                string // 4, "Nam" or "Nữ"
	Nationality        string // 5
	Ethnicity          string // 6
	Religion           string // 7
	PlaceOfOrigin      string // 8
	PermanentResidence string // 9
	IdentifyingMarks   string // 10
	IssueDateRaw       string // 11
	IssueDate          identity.Date
	ExpiryDateRaw      string // 12 (may be text such as "Không thời hạn")
	ExpiryDate         identity.Date
	FatherName         string // 13, first
	MotherName         string // 13, second
	SpouseName         string // 14
	OldIDNumber        string // 15
	Field16            string // 16, meaning unconfirmed
	// Unknown keeps fields with other numbers, as found.
	Unknown map[int][]string
}

// ParseDG13 parses EF.DG13: [APPLICATION 13] { SEQUENCE { INTEGER version,
// OID, SET OF SEQUENCE { INTEGER field, value… } } }, keyed by field number,
// never by byte offsets. It also accepts the three elements without the
// wrapping SEQUENCE and the fields in a SEQUENCE instead of a SET.
func ParseDG13(b []byte) (DG13, error) {
	fail := func(format string, a ...any) (DG13, error) {
		return DG13{}, fmt.Errorf("dg13: %w: %s", ErrMalformed, fmt.Sprintf(format, a...))
	}
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(b, &outer)
	if err != nil {
		return fail("%v", err)
	}
	if len(rest) != 0 {
		return fail("%d bytes after the data group", len(rest))
	}
	if outer.Class != asn1.ClassApplication || outer.Tag != 13 || !outer.IsCompound {
		return fail("tag is not 0x6D")
	}
	body := outer.Bytes
	elems, err := children(body)
	if err != nil {
		return fail("%v", err)
	}
	if len(elems) == 1 && elems[0].Class == asn1.ClassUniversal && elems[0].Tag == asn1.TagSequence {
		if elems, err = children(elems[0].Bytes); err != nil {
			return fail("%v", err)
		}
	}
	if len(elems) != 3 {
		return fail("want version, OID and fields, found %d elements", len(elems))
	}
	var d DG13
	if _, err := asn1.Unmarshal(elems[0].FullBytes, &d.Version); err != nil {
		return fail("version: %v", err)
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(elems[1].FullBytes, &oid); err != nil {
		return fail("character set OID: %v", err)
	}
	if elems[2].Class != asn1.ClassUniversal || elems[2].Tag != asn1.TagSet && elems[2].Tag != asn1.TagSequence {
		return fail("fields are not a SET")
	}
	fields, err := children(elems[2].Bytes)
	if err != nil {
		return fail("fields: %v", err)
	}
	seen := map[int]bool{}
	for i, f := range fields {
		if f.Class != asn1.ClassUniversal || f.Tag != asn1.TagSequence {
			return fail("field %d is not a SEQUENCE", i)
		}
		parts, err := children(f.Bytes)
		if err != nil || len(parts) == 0 {
			return fail("field %d: %v", i, err)
		}
		var num int
		if _, err := asn1.Unmarshal(parts[0].FullBytes, &num); err != nil || num < 1 || num > 255 {
			return fail("field %d: number: not an INTEGER from 1 to 255", i)
		}
		if seen[num] {
			return fail("field %d appears twice", num)
		}
		seen[num] = true
		values, err := texts(parts[1:])
		if err != nil {
			return fail("field %d: %v", num, err)
		}
		d.set(num, values)
	}
	return d, nil
}

func (d *DG13) set(num int, v []string) {
	first := func(i int) string {
		if i < len(v) {
			return v[i]
		}
		return ""
	}
	date := func(s string) identity.Date {
		dt, err := identity.ParseDateDMY(s)
		if err != nil {
			return identity.Date{}
		}
		return dt
	}
	switch num {
	case 1:
		d.IDNumber = first(0)
	case 2:
		d.FullName = identity.NormalizeName(first(0))
	case 3:
		d.DateOfBirthRaw = first(0)
		d.DateOfBirth = date(d.DateOfBirthRaw)
	case 4:
		d.Sex = first(0)
	case 5:
		d.Nationality = first(0)
	case 6:
		d.Ethnicity = first(0)
	case 7:
		d.Religion = first(0)
	case 8:
		d.PlaceOfOrigin = first(0)
	case 9:
		d.PermanentResidence = first(0)
	case 10:
		d.IdentifyingMarks = first(0)
	case 11:
		d.IssueDateRaw = first(0)
		d.IssueDate = date(d.IssueDateRaw)
	case 12:
		d.ExpiryDateRaw = first(0)
		d.ExpiryDate = date(d.ExpiryDateRaw)
	case 13:
		d.FatherName, d.MotherName = identity.NormalizeName(first(0)), identity.NormalizeName(first(1))
	case 14:
		d.SpouseName = identity.NormalizeName(first(0))
	case 15:
		d.OldIDNumber = first(0)
	case 16:
		d.Field16 = first(0)
	default:
		if d.Unknown == nil {
			d.Unknown = map[int][]string{}
		}
		d.Unknown[num] = v
	}
}

// children splits DER content into its elements.
func children(b []byte) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for len(b) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		b = rest
	}
	return out, nil
}

// texts collects the text of string elements, descending into SEQUENCEs
// (fields 13 and 14 hold their names in one).
func texts(elems []asn1.RawValue) ([]string, error) {
	var out []string
	for _, e := range elems {
		if e.Class != asn1.ClassUniversal {
			return nil, fmt.Errorf("value has a non-universal tag")
		}
		switch e.Tag {
		case asn1.TagSequence:
			inner, err := children(e.Bytes)
			if err != nil {
				return nil, err
			}
			vs, err := texts(inner)
			if err != nil {
				return nil, err
			}
			out = append(out, vs...)
		case asn1.TagUTF8String, asn1.TagPrintableString, asn1.TagIA5String:
			if !utf8.Valid(e.Bytes) {
				return nil, fmt.Errorf("value is not UTF-8")
			}
			for _, r := range string(e.Bytes) {
				if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
					return nil, fmt.Errorf("value holds a control character")
				}
			}
			out = append(out, norm.NFC.String(string(e.Bytes)))
		default:
			return nil, fmt.Errorf("value has tag %d, want a string", e.Tag)
		}
	}
	return out, nil
}
