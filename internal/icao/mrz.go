// Package icao reads the data groups of an ICAO Doc 9303 eMRTD chip, starting
// with DG1 (the machine-readable zone) of the TD1 Vietnamese ID card.
package icao

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"

	"github.com/vneid/vneid/internal/identity"
)

// ErrMalformed is wrapped by every parse error of outside chip data.
var ErrMalformed = errors.New("malformed chip data")

// MRZError names the MRZ field at fault.
type MRZError struct {
	Field  string
	Reason string
}

// Error returns "mrz: FIELD: REASON".
func (e *MRZError) Error() string { return "mrz: " + e.Field + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrMalformed) true.
func (e *MRZError) Unwrap() error { return ErrMalformed }

// CheckDigit computes the Doc 9303 check digit of s (weights 7, 3, 1; digits
// are their value, A–Z are 10–35, '<' is 0). It reports false for any other
// character.
func CheckDigit(s string) (byte, bool) {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		case c == '<':
			v = 0
		default:
			return 0, false
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10), true
}

// TD1 is the three-line, 30-character MRZ of an ID card.
type TD1 struct {
	DocumentCode   string // "ID" (also "I<", "IC" …)
	IssuingState   string // "VNM"
	DocumentNumber string // on Vietnamese cards: the last 9 digits of the personal ID number
	Optional1      string // line 1 optional data, fillers removed
	DateOfBirth    identity.Date
	Sex            string // "M", "F" or "<"
	DateOfExpiry   identity.Date
	Nationality    string
	Optional2      string
	PrimaryName    string // surname, fillers turned into spaces
	SecondaryName  string // given names
	// PersonalID is the 12-digit personal ID number Vietnamese cards carry at
	// the start of the line-1 optional data, or "" if absent.
	PersonalID string
}

// ParseTD1 parses a TD1 MRZ: three lines of 30 characters, given with or
// without line breaks. Every check digit is verified. Two-digit years are
// resolved against today: a birth year is never in the future, an expiry is
// taken within the next 80 years.
func ParseTD1(mrz string, today identity.Date) (TD1, error) {
	s := strings.NewReplacer("\r", "", "\n", "").Replace(mrz)
	if len(s) != 90 {
		return TD1{}, &MRZError{"mrz", fmt.Sprintf("%d characters, want 90 (3 lines of 30)", len(s))}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '<') {
			return TD1{}, &MRZError{"mrz", fmt.Sprintf("character %d is not 0-9, A-Z or <", i)}
		}
	}
	l1, l2, l3 := s[0:30], s[30:60], s[60:90]
	var t TD1
	t.DocumentCode = strings.TrimRight(l1[0:2], "<")
	t.IssuingState = strings.TrimRight(l1[2:5], "<")
	if t.DocumentCode == "" || t.DocumentCode[0] != 'I' && t.DocumentCode[0] != 'A' && t.DocumentCode[0] != 'C' {
		return TD1{}, &MRZError{"document_code", "not an ID card (I, A or C)"}
	}
	docNum, docCheck := l1[5:14], l1[14]
	opt1 := l1[15:30]
	// A document number longer than 9 characters continues in the optional
	// data, with the check digit after it and '<' in place of the check.
	if docCheck == '<' {
		end := strings.IndexByte(opt1, '<')
		if end < 1 {
			return TD1{}, &MRZError{"document_number", "long number without its check digit"}
		}
		docNum, docCheck, opt1 = docNum+opt1[:end-1], opt1[end-1], opt1[end:]
	}
	if err := verify("document_number", docNum, docCheck); err != nil {
		return TD1{}, err
	}
	t.DocumentNumber = strings.TrimRight(docNum, "<")
	t.Optional1 = strings.Trim(opt1, "<")
	var err error
	if err = verify("date_of_birth", l2[0:6], l2[6]); err != nil {
		return TD1{}, err
	}
	if t.DateOfBirth, err = yymmdd(l2[0:6], today, false); err != nil {
		return TD1{}, &MRZError{"date_of_birth", err.Error()}
	}
	switch t.Sex = l2[7:8]; t.Sex {
	case "M", "F", "<":
	default:
		return TD1{}, &MRZError{"sex", "want M, F or <"}
	}
	if err = verify("date_of_expiry", l2[8:14], l2[14]); err != nil {
		return TD1{}, err
	}
	if t.DateOfExpiry, err = yymmdd(l2[8:14], today, true); err != nil {
		return TD1{}, &MRZError{"date_of_expiry", err.Error()}
	}
	t.Nationality = strings.TrimRight(l2[15:18], "<")
	t.Optional2 = strings.Trim(l2[18:29], "<")
	if err = verify("composite", l1[5:30]+l2[0:7]+l2[8:15]+l2[18:29], l2[29]); err != nil {
		return TD1{}, err
	}
	primary, secondary, _ := strings.Cut(l3, "<<")
	t.PrimaryName = strings.TrimSpace(strings.ReplaceAll(primary, "<", " "))
	t.SecondaryName = strings.TrimSpace(strings.Join(strings.Fields(strings.ReplaceAll(secondary, "<", " ")), " "))
	if t.PrimaryName == "" {
		return TD1{}, &MRZError{"name", "empty primary identifier"}
	}
	if len(t.Optional1) >= 12 && identity.ValidatePersonalID(t.Optional1[:12]) == nil {
		t.PersonalID = t.Optional1[:12]
	}
	return t, nil
}

func verify(field, data string, check byte) error {
	want, ok := CheckDigit(data)
	if !ok {
		return &MRZError{field, "bad character"}
	}
	if check == '<' && strings.Trim(data, "<") == "" {
		return nil // an absent optional field may have no check digit
	}
	if check != want {
		return &MRZError{field, fmt.Sprintf("check digit %c, computed %c", check, want)}
	}
	return nil
}

// yymmdd resolves a two-digit year against today.
func yymmdd(s string, today identity.Date, future bool) (identity.Date, error) {
	for i := 0; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return identity.Date{}, errors.New("not all digits")
		}
	}
	yy := int(s[0]-'0')*10 + int(s[1]-'0')
	century := today.Year / 100 * 100
	year := century + yy
	if future {
		if year < today.Year-20 {
			year += 100
		}
	} else if year > today.Year {
		year -= 100
	}
	d, err := identity.ParseDateDMY(s[4:6] + s[2:4] + fmt.Sprintf("%04d", year))
	if err != nil {
		return identity.Date{}, errors.New("no such date")
	}
	return d, nil
}

// ParseDG1 parses EF.DG1: [APPLICATION 1] { [APPLICATION 31] MRZ } holding a
// TD1 MRZ, and checks that nothing follows it.
func ParseDG1(b []byte, today identity.Date) (TD1, error) {
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(b, &outer)
	if err != nil {
		return TD1{}, fmt.Errorf("dg1: %w: %v", ErrMalformed, err)
	}
	if len(rest) != 0 {
		return TD1{}, fmt.Errorf("dg1: %w: %d bytes after the data group", ErrMalformed, len(rest))
	}
	if outer.Class != asn1.ClassApplication || outer.Tag != 1 || !outer.IsCompound {
		return TD1{}, fmt.Errorf("dg1: %w: tag is not 0x61", ErrMalformed)
	}
	var inner asn1.RawValue
	rest, err = asn1.Unmarshal(outer.Bytes, &inner)
	if err != nil {
		return TD1{}, fmt.Errorf("dg1: %w: %v", ErrMalformed, err)
	}
	if len(rest) != 0 || inner.Class != asn1.ClassApplication || inner.Tag != 31 || inner.IsCompound {
		return TD1{}, fmt.Errorf("dg1: %w: want one MRZ element 0x5F1F", ErrMalformed)
	}
	t, err := ParseTD1(string(inner.Bytes), today)
	if err != nil {
		return TD1{}, fmt.Errorf("dg1: %w", err)
	}
	return t, nil
}
