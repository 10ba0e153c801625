package identity

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidatePersonalID(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string // substring; "" means valid
	}{
		{"001088012345", ""},
		{"000000000000", ""},
		{"999999999999", ""}, // structure is not checked
		{"", "empty"},
		{"00108801234", "11 digits"},
		{"0010880123456", "13 digits"},
		{"00108801234a", `'a'`},
		{" 001088012345", `' '`},
		{"001088012345\n", `'\n'`},
		{"001-088-012345", `'-'`},
		{"００１０８８０１２３４５", "not an ASCII digit"}, // full-width digits
		{"٠٠١٠٨٨٠١٢٣٤٥", "not an ASCII digit"}, // Arabic-Indic digits
		{"00108801234\xff", "invalid UTF-8"},
		{"+01088012345", `'+'`},
	}
	for _, tt := range tests {
		err := ValidatePersonalID(tt.in)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ValidatePersonalID(%q) = %v, want nil", tt.in, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ValidatePersonalID(%q) = %v, want an error containing %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestDecodePersonalID(t *testing.T) {
	hanoi, _ := ProvinceByCode("001")
	hcm, _ := ProvinceByCode("079")
	tests := []struct {
		in   string
		want PersonalIDInfo
	}{
		{"001088012345", PersonalIDInfo{"001", hanoi, true, Male, 1900, 1988}},
		{"001188012345", PersonalIDInfo{"001", hanoi, true, Female, 1900, 1988}},
		{"079200000001", PersonalIDInfo{"079", hcm, true, Male, 2000, 2000}},
		{"079305999999", PersonalIDInfo{"079", hcm, true, Female, 2000, 2005}},
		{"079499000000", PersonalIDInfo{"079", hcm, true, Male, 2100, 2199}},
		{"079501000000", PersonalIDInfo{"079", hcm, true, Female, 2100, 2101}},
		{"079600000000", PersonalIDInfo{"079", hcm, true, Male, 2200, 2200}},
		{"079799000000", PersonalIDInfo{"079", hcm, true, Female, 2200, 2299}},
		{"079899000000", PersonalIDInfo{"079", hcm, true, Male, 1800, 1899}},
		{"079900000000", PersonalIDInfo{"079", hcm, true, Female, 1800, 1800}},
		{"003088012345", PersonalIDInfo{"003", Province{}, false, Male, 1900, 1988}},
		{"999188012345", PersonalIDInfo{"999", Province{}, false, Female, 1900, 1988}},
	}
	for _, tt := range tests {
		got, err := DecodePersonalID(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("DecodePersonalID(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "00108801234", "0010880123456", "00108801234x", "００１０８８０１２３４５"} {
		if got, err := DecodePersonalID(bad); err == nil || got != (PersonalIDInfo{}) {
			t.Errorf("DecodePersonalID(%q) = %+v, %v; want zero info and an error", bad, got, err)
		}
	}
}

func mustDate(t testing.TB, y int, m time.Month, d int) Date {
	t.Helper()
	date, err := NewDate(y, m, d)
	if err != nil {
		t.Fatal(err)
	}
	return date
}

func TestCheckPersonalID(t *testing.T) {
	dob := mustDate(t, 1988, time.March, 15)
	tests := []struct {
		id   string
		dob  Date
		g    Gender
		want []string
	}{
		{"001088012345", dob, Male, nil},
		{"001088012345", Date{}, "", nil}, // nothing to compare with
		{"001188012345", dob, Female, nil},
		{"001188012345", dob, Male, []string{WarnGenderDigitMismatch}},
		{"001088012345", dob, Female, []string{WarnGenderDigitMismatch}},
		{"001089012345", dob, Male, []string{WarnBirthYearMismatch}},
		{"001288012345", dob, Male, []string{WarnBirthYearMismatch}}, // 2088
		{"003088012345", dob, Male, []string{WarnProvinceCodeUnknown}},
		{"999389012345", dob, Male, []string{WarnProvinceCodeUnknown, WarnGenderDigitMismatch, WarnBirthYearMismatch}},
		{"001200012345", mustDate(t, 2000, time.February, 29), Male, nil},
		{"00108801234", dob, Male, []string{WarnPersonalIDInvalid}},
		{"", dob, Male, []string{WarnPersonalIDInvalid}},
	}
	for _, tt := range tests {
		got := CheckPersonalID(tt.id, tt.dob, tt.g)
		if !slices.Equal(got, tt.want) {
			t.Errorf("CheckPersonalID(%q, %v, %q) = %q, want %q", tt.id, tt.dob, tt.g, got, tt.want)
		}
	}
}

func TestMakePersonalID(t *testing.T) {
	tests := []struct {
		province string
		dob      Date
		g        Gender
		serial   int
		want     string
	}{
		{"001", mustDate(t, 1988, time.March, 15), Male, 12345, "001088012345"},
		{"001", mustDate(t, 1988, time.March, 15), Female, 12345, "001188012345"},
		{"079", mustDate(t, 2004, time.February, 29), Female, 999999, "079304999999"},
		{"096", mustDate(t, 2100, time.January, 1), Male, 0, "096400000000"},
		{"096", mustDate(t, 2299, time.December, 31), Female, 1, "096799000001"},
		{"096", mustDate(t, 1800, time.January, 1), Male, 1, "096800000001"},
		{"096", mustDate(t, 1899, time.December, 31), Female, 1, "096999000001"},
		{"999", mustDate(t, 1999, time.December, 31), Male, 7, "999099000007"},
	}
	for _, tt := range tests {
		got, err := MakePersonalID(tt.province, tt.dob, tt.g, tt.serial)
		if err != nil || got != tt.want {
			t.Errorf("MakePersonalID(%q, %v, %q, %d) = %q, %v; want %q", tt.province, tt.dob, tt.g, tt.serial, got, err, tt.want)
			continue
		}
		if w := CheckPersonalID(got, tt.dob, tt.g); tt.province != "999" && w != nil {
			t.Errorf("CheckPersonalID(MakePersonalID(...) = %q) = %q, want none", got, w)
		}
	}
	dob := mustDate(t, 1988, time.March, 15)
	bad := []struct {
		province string
		dob      Date
		g        Gender
		serial   int
	}{
		{"01", dob, Male, 0},
		{"0001", dob, Male, 0},
		{"0a1", dob, Male, 0},
		{"001", Date{}, Male, 0},
		{"001", mustDate(t, 1799, time.December, 31), Male, 0},
		{"001", mustDate(t, 2300, time.January, 1), Male, 0},
		{"001", dob, "", 0},
		{"001", dob, "M", 0},
		{"001", dob, Male, -1},
		{"001", dob, Male, 1000000},
	}
	for _, tt := range bad {
		if got, err := MakePersonalID(tt.province, tt.dob, tt.g, tt.serial); err == nil {
			t.Errorf("MakePersonalID(%q, %v, %q, %d) = %q, want an error", tt.province, tt.dob, tt.g, tt.serial, got)
		}
	}
}

func FuzzValidatePersonalID(f *testing.F) {
	for _, s := range []string{"001088012345", "", "00108801234", "0010880123456", "00108801234a", "００１０８８０１２３４５", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidatePersonalID(s)
		if (err == nil) != isDigits(s, 12) {
			t.Fatalf("ValidatePersonalID(%q) = %v, disagrees with the definition", s, err)
		}
	})
}

func FuzzDecodePersonalID(f *testing.F) {
	for _, s := range []string{"001088012345", "079305999999", "003999999999", "999899000000", "", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := DecodePersonalID(s)
		if err != nil {
			if ValidatePersonalID(s) == nil {
				t.Fatalf("DecodePersonalID(%q) = %v for a valid number", s, err)
			}
			if info != (PersonalIDInfo{}) {
				t.Fatalf("DecodePersonalID(%q) returned info %+v with an error", s, info)
			}
			return
		}
		if info.BirthYear < 1800 || info.BirthYear > 2299 || info.BirthYear-info.Century > 99 || !info.Gender.Valid() {
			t.Fatalf("DecodePersonalID(%q) = %+v: out of range", s, info)
		}
		_, known := ProvinceByCode(s[:3])
		if info.ProvinceCode != s[:3] || info.KnownProvince != known {
			t.Fatalf("DecodePersonalID(%q) = %+v: wrong province", s, info)
		}
		// Rebuilding the number from what was decoded gives it back.
		dob := Date{Year: info.BirthYear, Month: time.January, Day: 1}
		serial := 0
		for _, c := range s[6:] {
			serial = serial*10 + int(c-'0')
		}
		again, err := MakePersonalID(info.ProvinceCode, dob, info.Gender, serial)
		if err != nil || again != s {
			t.Fatalf("MakePersonalID(decoded %q) = %q, %v", s, again, err)
		}
		if w := CheckPersonalID(s, dob, info.Gender); len(w) > 1 || len(w) == 1 && w[0] != WarnProvinceCodeUnknown {
			t.Fatalf("CheckPersonalID(%q, decoded) = %q", s, w)
		}
	})
}
