package icao

import (
	"encoding/asn1"
	"errors"
	"strings"
	"testing"

	"github.com/vneid/vneid/internal/identity"
)

var today = identity.Date{Year: 2026, Month: 11, Day: 23}

// The TD1 specimen of ICAO Doc 9303 Part 5.
const specimen = "I<UTOD231458907<<<<<<<<<<<<<<<" + "7408122F1204159UTO<<<<<<<<<<<6" + "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"

func cd(s string) string {
	c, ok := CheckDigit(s)
	if !ok {
		panic(s)
	}
	return string(c)
}

func pad(s string, n int) string { return s + strings.Repeat("<", n-len(s)) }

// vnMRZ builds the MRZ of a Vietnamese CCCD for a 12-digit ID number.
func vnMRZ(id, dob, expiry, sex, name string) string {
	doc := id[3:]
	l1 := "IDVNM" + doc + cd(doc) + pad(id, 15)
	l2 := dob + cd(dob) + sex + expiry + cd(expiry) + "VNM" + strings.Repeat("<", 11)
	l2 += cd(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
	return l1 + "\n" + l2 + "\n" + pad(name, 30)
}

func TestCheckDigit(t *testing.T) {
	for s, want := range map[string]byte{"D23145890": '7', "740812": '2', "120415": '9', "": '0', "<<<": '0', "AB2134<<<": '5'} {
		if got, ok := CheckDigit(s); !ok || got != want {
			t.Errorf("CheckDigit(%q) = %c, %v; want %c", s, got, ok, want)
		}
	}
	if _, ok := CheckDigit("a1"); ok {
		t.Error("lower case accepted")
	}
}

func TestParseTD1(t *testing.T) {
	got, err := ParseTD1(specimen, today)
	if err != nil {
		t.Fatal(err)
	}
	if got.DocumentCode != "I" || got.IssuingState != "UTO" || got.DocumentNumber != "D23145890" || got.Sex != "F" ||
		got.DateOfBirth != (identity.Date{Year: 1974, Month: 8, Day: 12}) || got.DateOfExpiry != (identity.Date{Year: 2012, Month: 4, Day: 15}) ||
		got.PrimaryName != "ERIKSSON" || got.SecondaryName != "ANNA MARIA" || got.Nationality != "UTO" || got.PersonalID != "" {
		t.Errorf("specimen = %+v", got)
	}
	vn := vnMRZ("001088012345", "880315", "280315", "M", "NGUYEN<<VAN<AN")
	got, err = ParseTD1(vn, today)
	if err != nil {
		t.Fatal(err)
	}
	if got.DocumentNumber != "088012345" || got.PersonalID != "001088012345" || got.IssuingState != "VNM" ||
		got.DateOfBirth != (identity.Date{Year: 1988, Month: 3, Day: 15}) || got.DateOfExpiry != (identity.Date{Year: 2028, Month: 3, Day: 15}) ||
		got.PrimaryName != "NGUYEN" || got.SecondaryName != "VAN AN" {
		t.Errorf("vn = %+v", got)
	}
	// Born in 2010, card expiring in 2035.
	got, err = ParseTD1(vnMRZ("001210012345", "100101", "350101", "F", "LE<<THI<HOA"), today)
	if err != nil || got.DateOfBirth.Year != 2010 || got.DateOfExpiry.Year != 2035 {
		t.Errorf("2010 birth: %+v %v", got, err)
	}
}

func TestParseTD1Errors(t *testing.T) {
	good := strings.ReplaceAll(vnMRZ("001088012345", "880315", "280315", "M", "NGUYEN<<VAN<AN"), "\n", "")
	flip := func(i int) string {
		b := []byte(good)
		if b[i] == '0' {
			b[i] = '1'
		} else {
			b[i] = '0'
		}
		return string(b)
	}
	for name, tc := range map[string]struct{ mrz, field string }{
		"short":            {good[:89], "mrz"},
		"lower case":       {strings.Replace(good, "NGUYEN", "nguyen", 1), "mrz"},
		"document check":   {flip(14), "document_number"},
		"document number":  {flip(6), "document_number"},
		"birth check":      {flip(36), "date_of_birth"},
		"expiry check":     {flip(44), "date_of_expiry"},
		"composite":        {flip(59), "composite"},
		"optional changed": {flip(16), "composite"},
		"sex":              {good[:37] + "X" + good[38:], "sex"},
		"not an ID":        {"P" + good[1:], "document_code"},
		"no name":          {good[:60] + strings.Repeat("<", 30), "name"},
	} {
		_, err := ParseTD1(tc.mrz, today)
		var me *MRZError
		if !errors.As(err, &me) || me.Field != tc.field || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want field %s", name, err, tc.field)
		}
	}
	// An impossible date with a right check digit.
	bad := vnMRZ("001088012345", "881315", "280315", "M", "A<<B")
	if _, err := ParseTD1(bad, today); err == nil || !strings.Contains(err.Error(), "date_of_birth") {
		t.Errorf("month 13: %v", err)
	}
}

func dg1(mrz string) []byte {
	inner, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 31, Bytes: []byte(mrz)})
	outer, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 1, IsCompound: true, Bytes: inner})
	return outer
}

func TestParseDG1(t *testing.T) {
	mrz := strings.ReplaceAll(vnMRZ("079095000001", "950101", "350101", "F", "TRAN<<THI<BINH"), "\n", "")
	b := dg1(mrz)
	if b[0] != 0x61 || b[2] != 0x5F || b[3] != 0x1F {
		t.Fatalf("encoding = % x", b[:4])
	}
	got, err := ParseDG1(b, today)
	if err != nil || got.PersonalID != "079095000001" {
		t.Fatalf("ParseDG1 = %+v, %v", got, err)
	}
	inner, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 31, Bytes: []byte(mrz)})
	wrongOuter, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 2, IsCompound: true, Bytes: inner})
	for name, in := range map[string][]byte{
		"empty": nil, "garbage": {0xff, 0x00}, "trailing": append(dg1(mrz), 0), "wrong tag": wrongOuter,
		"truncated": b[:len(b)-1], "bad mrz": dg1(mrz[:89]),
	} {
		if _, err := ParseDG1(in, today); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzParseDG1(f *testing.F) {
	f.Add(dg1(strings.ReplaceAll(specimen, "\n", "")))
	f.Add(dg1(strings.ReplaceAll(vnMRZ("001088012345", "880315", "280315", "M", "NGUYEN<<VAN<AN"), "\n", "")))
	f.Add([]byte{0x61, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseDG1(b, today)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if got.PrimaryName == "" || got.DateOfBirth.IsZero() {
			t.Fatalf("accepted without a name or birth date: %+v", got)
		}
	})
}

func FuzzParseTD1(f *testing.F) {
	f.Add(specimen)
	f.Add(vnMRZ("001088012345", "880315", "280315", "M", "NGUYEN<<VAN<AN"))
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ParseTD1(s, today); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error does not wrap ErrMalformed: %v", err)
		}
	})
}
