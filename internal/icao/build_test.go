package icao

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/identity"
)

func date(y, m, d int) identity.Date {
	dt, err := identity.NewDate(y, time.Month(m), d)
	if err != nil {
		panic(err)
	}
	return dt
}

func TestEncodeTD1(t *testing.T) {
	// The Doc 9303 Part 5 specimen.
	got, err := EncodeTD1(TD1{DocumentCode: "I", IssuingState: "UTO", DocumentNumber: "D23145890", DateOfBirth: date(1974, 8, 12),
		Sex: "F", DateOfExpiry: date(2012, 4, 15), Nationality: "UTO", PrimaryName: "Eriksson", SecondaryName: "Anna Maria"})
	if err != nil || got != specimen[:30]+"\n"+specimen[30:60]+"\n"+specimen[60:] {
		t.Errorf("specimen = %q, %v", got, err)
	}
	// The Doc 9303 example of a document number longer than 9 characters.
	got, err = EncodeTD1(TD1{DocumentCode: "I", IssuingState: "UTO", DocumentNumber: "D23145890734", DateOfBirth: date(1974, 8, 12),
		Sex: "F", DateOfExpiry: date(2012, 4, 15), Nationality: "UTO", PrimaryName: "Eriksson", SecondaryName: "Anna Maria"})
	if err != nil || !strings.HasPrefix(got, "I<UTOD23145890<7349<<<<<<<<<<<\n") {
		t.Errorf("long number = %q, %v", got, err)
	}
	if td, err := ParseTD1(got, today); err != nil || td.DocumentNumber != "D23145890734" || td.Optional1 != "" {
		t.Errorf("long number read back = %+v, %v", td, err)
	}
	// A Vietnamese card, as the test helper of mrz_test.go writes it.
	got, err = EncodeTD1(TD1{PersonalID: "001088012345", DateOfBirth: date(1988, 3, 15), Sex: "M", DateOfExpiry: date(2028, 3, 15),
		PrimaryName: "Nguyễn", SecondaryName: "Văn An"})
	if want := vnMRZ("001088012345", "880315", "280315", "M", "NGUYEN<<VAN<AN"); err != nil || got != want {
		t.Errorf("vn = %q, %v\nwant %q", got, err, want)
	}
	for name, tc := range map[string]struct {
		primary, secondary, line3 string
	}{
		"diacritics":   {"Đặng", "Thị Ngọc Ánh", "DANG<<THI<NGOC<ANH"},
		"decomposed":   {"Đa\u0306\u0323ng", "Thi\u0323  Ngo\u0323c", "DANG<<THI<NGOC"},
		"eth for Đ":    {"\u00D0ặng", "", "DANG"},
		"hyphen":       {"Nguyễn - Trần", "Anne-Marie", "NGUYEN<TRAN<<ANNE<MARIE"},
		"apostrophe":   {"O'Brien", "Ơn", "OBRIEN<<ON"},
		"no secondary": {"Nguyễn", "", "NGUYEN"},
		"truncated":    {"Tôn Nữ Hoàng Phương", "Công Tằng Tôn Nữ Thị", "TON<NU<HOANG<PHUONG<<CONG<TANG"},
	} {
		got, err := EncodeTD1(TD1{PersonalID: "001188012345", DateOfBirth: date(1988, 3, 15), Sex: "F", DateOfExpiry: date(2028, 3, 15),
			PrimaryName: tc.primary, SecondaryName: tc.secondary})
		if err != nil || got[62:] != fill(tc.line3, 30) {
			t.Errorf("%s: line 3 = %q, %v; want %q", name, got[62:], err, tc.line3)
		}
		if _, err := ParseTD1(got, today); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestEncodeTD1Errors(t *testing.T) {
	good := TD1{PersonalID: "001188012345", DateOfBirth: date(1988, 3, 15), Sex: "F", DateOfExpiry: date(2028, 3, 15), PrimaryName: "Đặng"}
	if _, err := EncodeTD1(good); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*TD1){
		"personal ID":       func(t *TD1) { t.PersonalID = "00118801234" },
		"optional mismatch": func(t *TD1) { t.Optional1 = "001188012346" },
		"no document":       func(t *TD1) { t.PersonalID = "" },
		"document lower":    func(t *TD1) { t.DocumentNumber = "ab1234" },
		"document filler":   func(t *TD1) { t.DocumentNumber = "AB<1234" },
		"document too long": func(t *TD1) { t.DocumentNumber = "1234567890123" },
		"optional too long": func(t *TD1) { t.Optional1 = "0011880123451234" },
		"optional chars":    func(t *TD1) { t.Optional2 = "a" },
		"optional 2 long":   func(t *TD1) { t.Optional2 = "123456789012" },
		"no birth":          func(t *TD1) { t.DateOfBirth = identity.Date{} },
		"no expiry":         func(t *TD1) { t.DateOfExpiry = identity.Date{} },
		"sex":               func(t *TD1) { t.Sex = "Nữ" },
		"no name":           func(t *TD1) { t.PrimaryName = "" },
		"name not latin":    func(t *TD1) { t.PrimaryName = "李 123" },
		"passport code":     func(t *TD1) { t.DocumentCode = "P" },
		"code too long":     func(t *TD1) { t.DocumentCode = "IDX" },
		"state":             func(t *TD1) { t.IssuingState = "Vnm" },
		"nationality":       func(t *TD1) { t.Nationality = "VNMX" },
	} {
		td := good
		edit(&td)
		if got, err := EncodeTD1(td); err == nil {
			t.Errorf("%s: encoded %q", name, got)
		}
	}
}

func TestBuildDG1(t *testing.T) {
	in := TD1{PersonalID: "001188012345", DateOfBirth: date(1988, 3, 15), Sex: "F", DateOfExpiry: date(2028, 3, 15),
		PrimaryName: "Đặng", SecondaryName: "Thị Ngọc Ánh"}
	mrz, err := EncodeTD1(in)
	if err != nil {
		t.Fatal(err)
	}
	b := BuildDG1(mrz)
	if !bytes.Equal(b, dg1(strings.ReplaceAll(mrz, "\n", ""))) {
		t.Errorf("BuildDG1 = % X", b)
	}
	got, err := ParseDG1(b, today)
	if err != nil {
		t.Fatal(err)
	}
	want := TD1{DocumentCode: "ID", IssuingState: "VNM", DocumentNumber: "188012345", Optional1: "001188012345",
		DateOfBirth: in.DateOfBirth, Sex: "F", DateOfExpiry: in.DateOfExpiry, Nationality: "VNM",
		PrimaryName: "DANG", SecondaryName: "THI NGOC ANH", PersonalID: "001188012345"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseDG1 = %+v\nwant %+v", got, want)
	}
	// What ParseDG1 returns encodes to the same MRZ.
	again, err := EncodeTD1(got)
	if err != nil || again != mrz {
		t.Errorf("re-encoded = %q, %v", again, err)
	}
}

// fullDG13Value is what fullDG13 of dg13_test.go encodes.
func fullDG13Value() DG13 {
	return DG13{Version: 1, IDNumber: "001088012345", FullName: "Nguyễn Văn An", DateOfBirthRaw: "15/03/1988",
		DateOfBirth: date(1988, 3, 15), Sex: "Nam", Nationality: "Việt Nam", Ethnicity: "Kinh",
		Religion: "Không", PlaceOfOrigin: "Hoàn Kiếm, Hà Nội", PermanentResidence: "Số 12, Phố Hàng Bạc, Hà Nội",
		IdentifyingMarks: "Nốt ruồi C:1cm trên trước cánh mũi phải", IssueDateRaw: "10/06/2021",
		IssueDate: date(2021, 6, 10), ExpiryDateRaw: "15/03/2028", ExpiryDate: date(2028, 3, 15),
		FatherName: "Nguyễn Văn Bình", MotherName: "Trần Thị Cúc", SpouseName: "Lê Thị Dung", OldIDNumber: "012345678",
		Field16: "ABCDEF0123456789", Unknown: map[int][]string{40: {"later field"}}}
}

func TestBuildDG13(t *testing.T) {
	full := fullDG13Value()
	b, err := BuildDG13(full)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, fullDG13()) {
		t.Errorf("BuildDG13 differs from the hand-built sample:\n% X\n% X", b, fullDG13())
	}
	for name, d := range map[string]DG13{
		"full":    full,
		"minimal": {Version: 1, IDNumber: "001088012345"},
		"text expiry, no spouse, mother only": {Version: 2, FullName: "Đặng Thị Ngọc Ánh", Sex: "Nữ", ExpiryDateRaw: "Không thời hạn",
			MotherName: "Phạm Thị Hoa", Unknown: map[int][]string{17: {"a", "b"}, 200: {"c"}}},
	} {
		b, err := BuildDG13(d)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got, err := ParseDG13(b)
		if err != nil || !reflect.DeepEqual(got, d) {
			t.Errorf("%s: round trip = %+v, %v\nwant %+v", name, got, err, d)
		}
	}
	// Dates from the Date fields; version 0 written 1; a text date in a UTF8String.
	b, err = BuildDG13(DG13{DateOfBirth: date(2001, 2, 3), ExpiryDateRaw: "Không thời hạn"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseDG13(b)
	if err != nil || got.Version != 1 || got.DateOfBirthRaw != "03/02/2001" || got.DateOfBirth != date(2001, 2, 3) {
		t.Errorf("from dates = %+v, %v", got, err)
	}
	if !bytes.Contains(b, append([]byte{0x13, 10}, "03/02/2001"...)) || !bytes.Contains(b, append([]byte{0x0C, byte(len("Không thời hạn"))}, "Không thời hạn"...)) {
		t.Errorf("string types: % X", b)
	}
}

func TestBuildDG13Errors(t *testing.T) {
	for name, d := range map[string]DG13{
		"control":         {FullName: "An\x00"},
		"bad utf8":        {Religion: "\xff"},
		"bad father":      {FatherName: "\x07"},
		"bad spouse":      {SpouseName: "\u0085"},
		"bad unknown":     {Unknown: map[int][]string{20: {"\x1b"}}},
		"unknown 5":       {Unknown: map[int][]string{5: {"x"}}},
		"unknown 256":     {Unknown: map[int][]string{256: {"x"}}},
		"negative":        {Version: -1},
		"bad printable":   {IDNumber: "\x01"},
		"bad old ID":      {OldIDNumber: "\x7f"},
		"bad field 16":    {Field16: "\n"},
		"bad issue date":  {IssueDateRaw: "\t"},
		"bad expiry date": {ExpiryDateRaw: "\r"},
	} {
		if _, err := BuildDG13(d); err == nil {
			t.Errorf("%s: built", name)
		}
	}
}

func ExampleEncodeTD1() {
	mrz, err := EncodeTD1(TD1{
		PersonalID:    "001188012345",
		DateOfBirth:   identity.Date{Year: 1988, Month: 3, Day: 15},
		Sex:           "F",
		DateOfExpiry:  identity.Date{Year: 2028, Month: 3, Day: 15},
		PrimaryName:   "Đặng",
		SecondaryName: "Thị Ngọc Ánh",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(mrz)
	td, err := ParseDG1(BuildDG1(mrz), identity.Date{Year: 2026, Month: 1, Day: 1})
	fmt.Println(td.PersonalID, td.PrimaryName+",", td.SecondaryName, errors.Is(err, ErrMalformed))
	// Output:
	// IDVNM1880123452001188012345<<<
	// 8803159F2803157VNM<<<<<<<<<<<7
	// DANG<<THI<NGOC<ANH<<<<<<<<<<<<
	// 001188012345 DANG, THI NGOC ANH false
}
