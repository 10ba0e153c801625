package icao

import (
	"cmp"
	"encoding/asn1"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/vneid/vneid/internal/identity"
)

// EncodeTD1 writes the TD1 MRZ of t as three 30-character lines separated by
// "\n", with every check digit, the TD1 composite one included (Doc 9303
// Part 5). Empty fields take the Vietnamese layout: document code "ID",
// issuing state "VNM", nationality the issuing state, and, when PersonalID is
// set, the document number its last 9 digits and the line-1 optional data
// the 12-digit number, which ParseTD1 reads back into PersonalID (Optional1,
// if set, must then start with it). A document number of more than 9
// characters continues in the optional data (Doc 9303 Part 5, 4.2.4).
//
// PrimaryName and SecondaryName are transliterated as in identity.ASCIIName
// ("Đặng" → "DANG"); spaces and hyphens become '<', other characters that are
// not A–Z are dropped, and the name zone, primary "<<" secondary, is cut to
// 30 characters. DateOfBirth and DateOfExpiry are written YYMMDD and must be
// set; Sex is "M", "F", "<" or empty. The other fields must hold only A–Z,
// 0–9 and '<' and fit their zones.
func EncodeTD1(t TD1) (string, error) {
	fail := func(field, format string, a ...any) (string, error) {
		return "", fmt.Errorf("encode mrz: %s: %s", field, fmt.Sprintf(format, a...))
	}
	code := cmp.Or(t.DocumentCode, "ID")
	if len(code) > 2 || !mrzChars(code) || code[0] != 'I' && code[0] != 'A' && code[0] != 'C' {
		return fail("document_code", "%q is not an ID card code of 1 or 2 characters", code)
	}
	state := cmp.Or(t.IssuingState, "VNM")
	if len(state) > 3 || !mrzChars(state) {
		return fail("issuing_state", "%q is not a code of up to 3 letters", state)
	}
	nationality := cmp.Or(t.Nationality, state)
	if len(nationality) > 3 || !mrzChars(nationality) {
		return fail("nationality", "%q is not a code of up to 3 letters", nationality)
	}
	docNum, opt1 := t.DocumentNumber, t.Optional1
	if t.PersonalID != "" {
		if err := identity.ValidatePersonalID(t.PersonalID); err != nil {
			return fail("personal_id", "%v", err)
		}
		if docNum == "" {
			docNum = t.PersonalID[3:]
		}
		switch {
		case opt1 == "":
			opt1 = t.PersonalID
		case !strings.HasPrefix(opt1, t.PersonalID):
			return fail("optional_data", "%q does not start with the personal ID number", opt1)
		}
	}
	if docNum == "" || !alnum(docNum) {
		return fail("document_number", "%q is not 1 or more letters and digits", docNum)
	}
	if !mrzChars(opt1) || !mrzChars(t.Optional2) {
		return fail("optional_data", "characters other than A-Z, 0-9 and <")
	}
	docCheck, _ := CheckDigit(docNum)
	var l1 string
	if len(docNum) <= 9 {
		if len(opt1) > 15 {
			return fail("optional_data", "%d characters, at most 15 fit", len(opt1))
		}
		l1 = fill(code, 2) + fill(state, 3) + fill(docNum, 9) + string(docCheck) + fill(opt1, 15)
	} else {
		long := docNum[9:] + string(docCheck) + "<" + opt1
		if len(long) > 15 {
			return fail("document_number", "%d characters with %d of optional data do not fit", len(docNum), len(opt1))
		}
		l1 = fill(code, 2) + fill(state, 3) + docNum[:9] + "<" + fill(long, 15)
	}
	if t.DateOfBirth.IsZero() || t.DateOfExpiry.IsZero() {
		return fail("dates", "date of birth and date of expiry are required")
	}
	dob, exp := yymmddOf(t.DateOfBirth), yymmddOf(t.DateOfExpiry)
	sex := cmp.Or(t.Sex, "<")
	if sex != "M" && sex != "F" && sex != "<" {
		return fail("sex", "%q, want M, F, < or empty", t.Sex)
	}
	if len(t.Optional2) > 11 {
		return fail("optional_data_2", "%d characters, at most 11 fit", len(t.Optional2))
	}
	l2 := dob + check(dob) + sex + exp + check(exp) + fill(nationality, 3) + fill(t.Optional2, 11)
	l2 += check(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
	primary, secondary := mrzName(t.PrimaryName), mrzName(t.SecondaryName)
	if primary == "" {
		return fail("name", "primary identifier %q has no letter A-Z once transliterated", t.PrimaryName)
	}
	name := primary
	if secondary != "" {
		name += "<<" + secondary
	}
	if len(name) > 30 {
		name = name[:30]
	}
	return l1 + "\n" + l2 + "\n" + fill(name, 30), nil
}

// BuildDG1 encodes EF.DG1: 0x61 { 0x5F1F MRZ }, the MRZ without its line
// breaks.
func BuildDG1(mrz string) []byte {
	mrz = strings.NewReplacer("\r", "", "\n", "").Replace(mrz)
	return encode(0x61, encode(0x5F1F, []byte(mrz)))
}

// BuildDG13 encodes EF.DG13 as ParseDG13 reads it: 0x6D { SEQUENCE { INTEGER
// version, OID 1.0.10646.1.0.8, SET OF SEQUENCE { INTEGER field, value } } },
// fields in ascending order. Fields 1, 3, 11, 12, 15 and 16 are
// PrintableStrings when their text allows it, every other text a UTF8String;
// field 13 is SEQUENCE { father, mother }, written when either is set, and
// field 14 SEQUENCE { spouse }. Empty fields are left out. The dates are the
// Raw strings when set, otherwise the Date fields written dd/MM/yyyy. A zero
// Version is written 1. Unknown fields must have numbers 17–255. Text must be
// valid UTF-8 without control characters.
func BuildDG13(d DG13) ([]byte, error) {
	var fields [][]byte
	add := func(num int, values ...[]byte) {
		fields = append(fields, encode(0x30, append([][]byte{encode(0x02, uintBytes(num))}, values...)...))
	}
	str := func(num int, s string, printable bool) error {
		if s == "" {
			return nil
		}
		v, err := dg13String(s, printable)
		if err != nil {
			return fmt.Errorf("build dg13: field %d: %v", num, err)
		}
		add(num, v)
		return nil
	}
	date := func(raw string, dt identity.Date) string {
		if raw != "" {
			return raw
		}
		return dt.DMY()
	}
	for _, f := range []struct {
		num       int
		s         string
		printable bool
	}{
		{1, d.IDNumber, true}, {2, d.FullName, false}, {3, date(d.DateOfBirthRaw, d.DateOfBirth), true},
		{4, d.Sex, false}, {5, d.Nationality, false}, {6, d.Ethnicity, false}, {7, d.Religion, false},
		{8, d.PlaceOfOrigin, false}, {9, d.PermanentResidence, false}, {10, d.IdentifyingMarks, false},
		{11, date(d.IssueDateRaw, d.IssueDate), true}, {12, date(d.ExpiryDateRaw, d.ExpiryDate), true},
	} {
		if err := str(f.num, f.s, f.printable); err != nil {
			return nil, err
		}
	}
	if d.FatherName != "" || d.MotherName != "" {
		father, err := dg13String(d.FatherName, false)
		if err != nil {
			return nil, fmt.Errorf("build dg13: field 13: %v", err)
		}
		mother, err := dg13String(d.MotherName, false)
		if err != nil {
			return nil, fmt.Errorf("build dg13: field 13: %v", err)
		}
		add(13, encode(0x30, father, mother))
	}
	if d.SpouseName != "" {
		spouse, err := dg13String(d.SpouseName, false)
		if err != nil {
			return nil, fmt.Errorf("build dg13: field 14: %v", err)
		}
		add(14, encode(0x30, spouse))
	}
	if err := str(15, d.OldIDNumber, true); err != nil {
		return nil, err
	}
	if err := str(16, d.Field16, true); err != nil {
		return nil, err
	}
	nums := make([]int, 0, len(d.Unknown))
	for n := range d.Unknown {
		if n < 17 || n > 255 {
			return nil, fmt.Errorf("build dg13: unknown field number %d, want 17-255", n)
		}
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		if len(d.Unknown[n]) == 0 {
			continue
		}
		values := make([][]byte, len(d.Unknown[n]))
		for i, s := range d.Unknown[n] {
			v, err := dg13String(s, false)
			if err != nil {
				return nil, fmt.Errorf("build dg13: field %d: %v", n, err)
			}
			values[i] = v
		}
		add(n, values...)
	}
	version := d.Version
	if version == 0 {
		version = 1
	}
	if version < 0 {
		return nil, fmt.Errorf("build dg13: version %d", version)
	}
	charset, err := asn1.Marshal(oidOf("1.0.10646.1.0.8"))
	if err != nil {
		return nil, fmt.Errorf("build dg13: %v", err)
	}
	return encode(0x6D, encode(0x30, encode(0x02, uintBytes(version)), charset, encode(0x31, fields...))), nil
}

// dg13String encodes s as a PrintableString if printable is asked for and s
// allows it, otherwise as a UTF8String; it refuses what ParseDG13 refuses.
func dg13String(s string, printable bool) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("text is not UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return nil, fmt.Errorf("text holds a control character")
		}
	}
	if printable && isPrintableString(s) {
		return encode(0x13, []byte(s)), nil
	}
	return encode(0x0C, []byte(s)), nil
}

// isPrintableString reports whether s fits the ASN.1 PrintableString set.
func isPrintableString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte(" '()+,-./:=?", c) >= 0) {
			return false
		}
	}
	return true
}

// mrzName transliterates a name for the MRZ: A–Z with '<' between words.
// Ð and ð (U+00D0, U+00F0), which legacy Vietnamese encodings leave in place
// of Đ and đ, become D as Doc 9303 Part 3 transliterates them.
func mrzName(s string) string {
	var b strings.Builder
	filler := false
	s = strings.NewReplacer("\u00D0", "D", "\u00F0", "D").Replace(s)
	for _, r := range identity.ASCIIName(s) {
		switch {
		case r >= 'A' && r <= 'Z':
			if filler && b.Len() > 0 {
				b.WriteByte('<')
			}
			filler = false
			b.WriteRune(r)
		case r == ' ' || r == '-':
			filler = true
		}
	}
	return b.String()
}

// fill pads s with '<' to n characters.
func fill(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat("<", n-len(s))
}

// check returns the check digit of s, which holds only MRZ characters.
func check(s string) string {
	c, _ := CheckDigit(s)
	return string(c)
}

// yymmddOf writes d as the MRZ does.
func yymmddOf(d identity.Date) string {
	return fmt.Sprintf("%02d%02d%02d", d.Year%100, int(d.Month), d.Day)
}

// mrzChars reports whether s holds only A–Z, 0–9 and '<'.
func mrzChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '<') {
			return false
		}
	}
	return true
}

// alnum reports whether s holds only A–Z and 0–9.
func alnum(s string) bool { return mrzChars(s) && !strings.Contains(s, "<") }
