package icao

import (
	"encoding/asn1"
	"errors"
	"testing"

	"github.com/vneid/vneid/internal/identity"
)

type dg13Field struct {
	Num   int
	Value asn1.RawValue
}

func utf8s(s string) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagUTF8String, Bytes: []byte(s)}
}

func printable(s string) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagPrintableString, Bytes: []byte(s)}
}

func seqOf(vs ...asn1.RawValue) asn1.RawValue {
	var b []byte
	for _, v := range vs {
		enc, _ := asn1.Marshal(v)
		b = append(b, enc...)
	}
	return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: b}
}

// buildDG13 encodes fields as a chip does: 6D { 30 { 02 version, 06 OID, 31 { 30 { 02 n, value } … } } }.
func buildDG13(fields ...dg13Field) []byte {
	var set []byte
	for _, f := range fields {
		n, _ := asn1.Marshal(f.Num)
		v, _ := asn1.Marshal(f.Value)
		seq, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: append(n, v...)})
		set = append(set, seq...)
	}
	ver, _ := asn1.Marshal(1)
	oid, _ := asn1.Marshal(asn1.ObjectIdentifier{1, 0, 10646, 1, 0, 8})
	setEnc, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: set})
	body := append(append(ver, oid...), setEnc...)
	seq, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
	out, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 13, IsCompound: true, Bytes: seq})
	return out
}

func fullDG13() []byte {
	return buildDG13(
		dg13Field{1, printable("001088012345")}, dg13Field{2, utf8s("Nguyễn Văn An")}, dg13Field{3, printable("15/03/1988")},
		dg13Field{4, utf8s("Nam")}, dg13Field{5, utf8s("Việt Nam")}, dg13Field{6, utf8s("Kinh")}, dg13Field{7, utf8s("Không")},
		dg13Field{8, utf8s("Hoàn Kiếm, Hà Nội")}, dg13Field{9, utf8s("Số 12, Phố Hàng Bạc, Hà Nội")},
		dg13Field{10, utf8s("Nốt ruồi C:1cm trên trước cánh mũi phải")}, dg13Field{11, printable("10/06/2021")},
		dg13Field{12, printable("15/03/2028")}, dg13Field{13, seqOf(utf8s("Nguyễn Văn Bình"), utf8s("Trần Thị Cúc"))},
		dg13Field{14, seqOf(utf8s("Lê Thị Dung"))}, dg13Field{15, printable("012345678")}, dg13Field{16, printable("ABCDEF0123456789")},
		dg13Field{40, utf8s("later field")},
	)
}

func TestParseDG13(t *testing.T) {
	d, err := ParseDG13(fullDG13())
	if err != nil {
		t.Fatal(err)
	}
	want := DG13{Version: 1, IDNumber: "001088012345", FullName: "Nguyễn Văn An", DateOfBirthRaw: "15/03/1988",
		DateOfBirth: identity.Date{Year: 1988, Month: 3, Day: 15}, Sex: "Nam", Nationality: "Việt Nam", Ethnicity: "Kinh",
		Religion: "Không", PlaceOfOrigin: "Hoàn Kiếm, Hà Nội", PermanentResidence: "Số 12, Phố Hàng Bạc, Hà Nội",
		IdentifyingMarks: "Nốt ruồi C:1cm trên trước cánh mũi phải", IssueDateRaw: "10/06/2021",
		IssueDate: identity.Date{Year: 2021, Month: 6, Day: 10}, ExpiryDateRaw: "15/03/2028",
		ExpiryDate: identity.Date{Year: 2028, Month: 3, Day: 15}, FatherName: "Nguyễn Văn Bình", MotherName: "Trần Thị Cúc",
		SpouseName: "Lê Thị Dung", OldIDNumber: "012345678", Field16: "ABCDEF0123456789",
		Unknown: map[int][]string{40: {"later field"}}}
	if d.FullName != want.FullName || d.DateOfBirth != want.DateOfBirth || d.FatherName != want.FatherName ||
		d.MotherName != want.MotherName || d.SpouseName != want.SpouseName || d.ExpiryDate != want.ExpiryDate ||
		d.IdentifyingMarks != want.IdentifyingMarks || d.Unknown[40][0] != "later field" || d.Version != 1 || d.Field16 != want.Field16 {
		t.Errorf("got %+v\nwant %+v", d, want)
	}
	// Fields missing, out of order, a text expiry and a decomposed name.
	d, err = ParseDG13(buildDG13(dg13Field{12, utf8s("Không thời hạn")}, dg13Field{2, utf8s("Nguye\u0302\u0303n Thi\u0323 Ánh")}, dg13Field{1, printable("001150000333")}))
	if err != nil || d.FullName != "Nguyễn Thị Ánh" || !d.ExpiryDate.IsZero() || d.ExpiryDateRaw != "Không thời hạn" || d.SpouseName != "" {
		t.Errorf("partial = %+v, %v", d, err)
	}
}

func TestParseDG13Errors(t *testing.T) {
	good := fullDG13()
	cases := map[string][]byte{
		"empty":          nil,
		"wrong tag":      append([]byte{0x6E}, good[1:]...),
		"trailing":       append(append([]byte{}, good...), 0),
		"truncated":      good[:len(good)-3],
		"duplicate":      buildDG13(dg13Field{1, printable("001088012345")}, dg13Field{1, printable("001088012346")}),
		"integer value":  buildDG13(dg13Field{2, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagInteger, Bytes: []byte{1}}}),
		"bad utf8":       buildDG13(dg13Field{2, utf8s("\xff\xfe")}),
		"control char":   buildDG13(dg13Field{2, utf8s("An\x00")}),
		"field number 0": buildDG13(dg13Field{0, utf8s("x")}),
	}
	for name, b := range cases {
		if _, err := ParseDG13(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzParseDG13(f *testing.F) {
	f.Add(fullDG13())
	f.Add(buildDG13(dg13Field{1, printable("001088012345")}))
	f.Add([]byte{0x6d, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := ParseDG13(b); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error does not wrap ErrMalformed: %v", err)
		}
	})
}
