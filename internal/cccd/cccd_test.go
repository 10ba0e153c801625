package cccd

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vneid/vneid/internal/identity"
	"golang.org/x/text/unicode/norm"
)

const (
	exampleAddress = "Số 12, Phố Hàng Bạc, Phường Hàng Đào, Quận Hoàn Kiếm, Hà Nội"
	example        = "001088012345|012345678|Nguyễn Văn An|15031988|Nam|" + exampleAddress + "|10062021"
)

func date(y int, m time.Month, d int) identity.Date {
	return identity.Date{Year: y, Month: m, Day: d}
}

func exampleQR(v Variant) QR {
	return QR{
		IDNumber:    "001088012345",
		OldIDNumber: "012345678",
		FullName:    "Nguyễn Văn An",
		DateOfBirth: date(1988, time.March, 15),
		Gender:      identity.Male,
		Address:     exampleAddress,
		IssueDate:   date(2021, time.June, 10),
		Variant:     v,
	}
}

func TestParse(t *testing.T) {
	noOld := exampleQR(VariantNoOldID)
	noOld.OldIDNumber = ""
	emptyOld := exampleQR(VariantStandard)
	emptyOld.OldIDNumber = ""
	extra2 := exampleQR(VariantExtraFields)
	extra2.Extra = []string{"", ""}
	extra1 := exampleQR(VariantExtraFields)
	extra1.Extra = []string{""}
	extraText := exampleQR(VariantExtraFields)
	extraText.Extra = []string{"", "ABC123"}
	old12 := exampleQR(VariantStandard)
	old12.OldIDNumber = "001088012399"
	female := exampleQR(VariantStandard)
	female.IDNumber, female.FullName, female.Gender = "001188012345", "Nguyễn Thị Ánh Đào", identity.Female
	leap := exampleQR(VariantStandard)
	leap.IDNumber, leap.DateOfBirth = "001200012345", date(2000, time.February, 29)
	sameDay := exampleQR(VariantStandard)
	sameDay.IssueDate = sameDay.DateOfBirth

	tests := []struct {
		name    string
		payload string
		want    QR
	}{
		{"standard", example, exampleQR(VariantStandard)},
		{"empty old ID", "001088012345||Nguyễn Văn An|15031988|Nam|" + exampleAddress + "|10062021", emptyOld},
		{"12-digit old ID", "001088012345|001088012399|Nguyễn Văn An|15031988|Nam|" + exampleAddress + "|10062021", old12},
		{"slash dates in 7-field form", "001088012345|012345678|Nguyễn Văn An|15/03/1988|Nam|" + exampleAddress + "|10/06/2021", exampleQR(VariantStandard)},
		{"6-field form", "001088012345|Nguyễn Văn An|15/03/1988|Nam|" + exampleAddress + "|10/06/2021", noOld},
		{"6-field form compact dates", "001088012345|Nguyễn Văn An|15031988|Nam|" + exampleAddress + "|10062021", noOld},
		{"one trailing empty field", example + "|", extra1},
		{"two trailing empty fields", example + "||", extra2},
		{"trailing text field", example + "||ABC123", extraText},
		{"BOM", "\uFEFF" + example, exampleQR(VariantStandard)},
		{"BOM and CRLF", "\uFEFF" + example + "\r\n", exampleQR(VariantStandard)},
		{"whitespace around BOM", " \n\uFEFF " + example + " \t\r\n", exampleQR(VariantStandard)},
		{"NFD", norm.NFD.String(example), exampleQR(VariantStandard)},
		{"extra spaces in name and address", "001088012345|012345678|  Nguyễn   Văn\u00A0An |15031988|Nam| Số 12,  Phố Hàng Bạc, Phường Hàng Đào, Quận Hoàn Kiếm,   Hà Nội |10062021", exampleQR(VariantStandard)},
		{"female", "001188012345|012345678|Nguyễn Thị Ánh Đào|15031988|Nữ|" + exampleAddress + "|10062021", female},
		{"female NFD", norm.NFD.String("001188012345|012345678|Nguyễn Thị Ánh Đào|15031988|Nữ|" + exampleAddress + "|10062021"), female},
		{"gender upper case", "001188012345|012345678|Nguyễn Thị Ánh Đào|15031988|NỮ|" + exampleAddress + "|10062021", female},
		{"29 February", "001200012345|012345678|Nguyễn Văn An|29022000|Nam|" + exampleAddress + "|10062021", leap},
		{"issued on the day of birth", "001088012345|012345678|Nguyễn Văn An|15031988|Nam|" + exampleAddress + "|15031988", sameDay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.payload)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	// fields replaces field i (0-based, 7-field form) of the example.
	with := func(i int, v string) string {
		f := strings.Split(example, "|")
		f[i] = v
		return strings.Join(f, "|")
	}
	tests := []struct {
		name    string
		payload string
		field   string
	}{
		{"empty", "", FieldPayload},
		{"only BOM and spaces", "\uFEFF \r\n", FieldPayload},
		{"too long", example + "|" + strings.Repeat(" ", MaxPayloadLen), FieldPayload},
		{"invalid UTF-8", example[:40] + "\xff" + example[41:], FieldPayload},
		{"one field", "001088012345", FieldPayload},
		{"five fields", "001088012345|Nguyễn Văn An|15031988|Nam|" + exampleAddress, FieldPayload},
		{"control char in extra field", example + "|\x00", FieldPayload},
		{"empty ID", with(0, ""), FieldIDNumber},
		{"short ID", with(0, "00108801234"), FieldIDNumber},
		{"long ID", with(0, "0010880123456"), FieldIDNumber},
		{"letter in ID", with(0, "00108801234O"), FieldIDNumber},
		{"full-width ID", with(0, "００１０８８０１２３４５"), FieldIDNumber},
		{"space after ID", with(0, "001088012345 "), FieldIDNumber},
		{"space inside ID", with(0, "001088 012345"), FieldIDNumber},
		{"8-digit old ID", with(1, "01234567"), FieldOldIDNumber},
		{"10-digit old ID", with(1, "0123456789"), FieldOldIDNumber},
		{"letter in old ID", with(1, "01234567X"), FieldOldIDNumber},
		{"empty name", with(2, ""), FieldFullName},
		{"blank name", with(2, "  \u00A0 "), FieldFullName},
		{"tab in name", with(2, "Nguyễn\tVăn An"), FieldFullName},
		{"NUL in name", with(2, "Nguyễn\x00Văn An"), FieldFullName},
		{"newline in name", with(2, "Nguyễn\nVăn An"), FieldFullName},
		{"bidi override in name", with(2, "Nguyễn \u202EVăn An"), FieldFullName},
		{"BOM in name", with(2, "\uFEFFNguyễn Văn An"), FieldFullName},
		{"empty DOB", with(3, ""), FieldDateOfBirth},
		{"ISO DOB", with(3, "1988-03-15"), FieldDateOfBirth},
		{"no such DOB", with(3, "29021989"), FieldDateOfBirth},
		{"month 13", with(3, "15131988"), FieldDateOfBirth},
		{"full-width DOB", with(3, "１５０３１９８８"), FieldDateOfBirth},
		{"empty gender", with(4, ""), FieldGender},
		{"English gender", with(4, "Male"), FieldGender},
		{"gender without diacritics", with(4, "Nu"), FieldGender},
		{"gender letter", with(4, "M"), FieldGender},
		{"gender with spaces", with(4, " Nam"), FieldGender},
		{"empty address", with(5, ""), FieldPermanentAddress},
		{"blank address", with(5, "   "), FieldPermanentAddress},
		{"CR in address", with(5, "Số 12\rHà Nội"), FieldPermanentAddress},
		{"empty issue date", with(6, ""), FieldIssueDate},
		{"bad issue date", with(6, "31062021"), FieldIssueDate},
		{"issue before birth", with(6, "14031988"), FieldIssueDate},
		{"6-field form bad date", "001088012345|Nguyễn Văn An|15/03/1988|Nam|" + exampleAddress + "|10/13/2021", FieldIssueDate},
		{"6-field form bad gender", "001088012345|Nguyễn Văn An|15/03/1988|X|" + exampleAddress + "|10/06/2021", FieldGender},
		{"6-field form with CMND instead of name", "001088012345|012345678|15/03/1988|Nam|" + exampleAddress + "|10/06/2021", FieldFullName},
		{"digits in name", with(2, "Nguyễn Văn An 2"), FieldFullName},
		{"name without letters", with(2, "- ' -"), FieldFullName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.payload)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", q)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("errors.Is(%v, ErrMalformed) = false", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FieldError", err, err)
			}
			if fe.Field != tt.field {
				t.Errorf("Field = %q, want %q (error: %v)", fe.Field, tt.field, err)
			}
			if !strings.HasPrefix(err.Error(), "cccd qr: "+tt.field+": ") {
				t.Errorf("Error() = %q", err.Error())
			}
			if !reflect.DeepEqual(q, QR{}) {
				t.Errorf("Parse returned %+v with an error", q)
			}
			// Errors must not repeat the name or the address.
			for _, pii := range []string{"Nguyễn", "Hàng Bạc"} {
				if strings.Contains(err.Error(), pii) {
					t.Errorf("error %q repeats personal data", err)
				}
			}
		})
	}
}

func TestFieldErrorUnwrap(t *testing.T) {
	_, err := Parse(strings.Replace(example, "15031988", "15131988", 1))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Err == nil {
		t.Fatalf("Parse error %v: want a *FieldError with a cause", err)
	}
	if !errors.Is(err, fe.Err) || !errors.Is(err, ErrMalformed) {
		t.Errorf("error %v does not match both ErrMalformed and its cause", err)
	}
	if (&FieldError{Field: FieldGender, Reason: "want Nam or Nữ"}).Error() != "cccd qr: gender: want Nam or Nữ" {
		t.Error("FieldError.Error without a cause")
	}
}

func TestString(t *testing.T) {
	if got := exampleQR(VariantStandard).String(); got != example {
		t.Errorf("String() = %q, want %q", got, example)
	}
	q, err := Parse("\uFEFF001088012345|Nguyễn Thị  Ánh Đào|15/03/1988|nữ|" + exampleAddress + "|10/06/2021\r\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "001088012345||Nguyễn Thị Ánh Đào|15031988|Nữ|" + exampleAddress + "|10062021"
	if got := q.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := (QR{}).String(); got != "||||||" {
		t.Errorf("zero QR String() = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		example,
		"001088012345||Nguyễn Văn An|15031988|Nam|" + exampleAddress + "|10062021",
		"001088012345|Nguyễn Văn An|15/03/1988|Nam|" + exampleAddress + "|10/06/2021",
		example + "||",
		"\uFEFF" + example + "\r\n",
		norm.NFD.String("001188012345|012345678|Nguyễn Thị Ánh Đào|29022000|Nữ|" + exampleAddress + "|10062021"),
		"001088012345|001088012399|A|01010001|nam|B|31129999",
		"", "|", "||||||", "\uFEFF", "\xff",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		q, err := Parse(payload)
		if err != nil {
			var fe *FieldError
			if !errors.Is(err, ErrMalformed) || !errors.As(err, &fe) {
				t.Fatalf("Parse(%q) error %v is not a *FieldError matching ErrMalformed", payload, err)
			}
			return
		}
		if len(payload) > MaxPayloadLen || !utf8.ValidString(payload) {
			t.Fatalf("Parse(%q) accepted an oversized or invalid payload", payload)
		}
		if identity.ValidatePersonalID(q.IDNumber) != nil || q.FullName == "" || q.Address == "" ||
			!q.Gender.Valid() || q.DateOfBirth.IsZero() || q.IssueDate.Before(q.DateOfBirth) {
			t.Fatalf("Parse(%q) = %+v: invalid result", payload, q)
		}
		if q.FullName != identity.NormalizeName(q.FullName) || q.Address != identity.NormalizeName(q.Address) {
			t.Fatalf("Parse(%q) = %+v: name or address not normalised", payload, q)
		}
		s := q.String()
		again, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v; Parse(String() = %q) = %v", payload, q, s, err)
		}
		if again.Variant != VariantStandard || again.Extra != nil {
			t.Fatalf("Parse(String() = %q) variant %q, extra %q", s, again.Variant, again.Extra)
		}
		again.Variant, again.Extra = q.Variant, q.Extra
		if !reflect.DeepEqual(again, q) {
			t.Fatalf("round trip of %q:\n%+v\n%+v", payload, q, again)
		}
	})
}
