package identity

import (
	"fmt"
	"unicode/utf8"
)

// PersonalIDLength is the number of digits in a personal ID number.
const PersonalIDLength = 12

// Warnings returned by CheckPersonalID. They are stable machine codes that
// reviewers' tools may match on.
const (
	// WarnPersonalIDInvalid: the number is not 12 ASCII digits.
	WarnPersonalIDInvalid = "personal_id_invalid"
	// WarnProvinceCodeUnknown: the first three digits are not one of the 63
	// province codes.
	WarnProvinceCodeUnknown = "province_code_unknown"
	// WarnGenderDigitMismatch: the fourth digit's parity (even male, odd
	// female) disagrees with the recorded gender.
	WarnGenderDigitMismatch = "gender_digit_mismatch"
	// WarnBirthYearMismatch: the century digit and the two year digits
	// disagree with the year of the recorded date of birth.
	WarnBirthYearMismatch = "birth_year_mismatch"
)

// PersonalIDInfo is what the structure of a personal ID number says about its
// holder under the 2021 rule. The rule is informative: the law guarantees
// only that the number has 12 digits.
type PersonalIDInfo struct {
	// ProvinceCode is the first three digits: the province where the birth
	// was registered.
	ProvinceCode string
	// Province is the province named by ProvinceCode, when KnownProvince.
	Province Province
	// KnownProvince reports whether ProvinceCode is one of the 63 codes.
	KnownProvince bool
	// Gender comes from the parity of the fourth digit.
	Gender Gender
	// Century is the first year of the century of birth, such as 1900 or
	// 2000, from the fourth digit.
	Century int
	// BirthYear is Century plus the fifth and sixth digits.
	BirthYear int
}

// ValidatePersonalID checks that s is exactly 12 ASCII digits. It does not
// check the structure described in DecodePersonalID, which not every number
// follows; use CheckPersonalID for that.
func ValidatePersonalID(s string) error {
	if s == "" {
		return fmt.Errorf("personal ID number: empty")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				return fmt.Errorf("personal ID number: invalid UTF-8 at byte %d", i)
			}
			return fmt.Errorf("personal ID number: character %q at byte %d is not an ASCII digit", r, i)
		}
	}
	if len(s) != PersonalIDLength {
		return fmt.Errorf("personal ID number: %d digits, want %d", len(s), PersonalIDLength)
	}
	return nil
}

// DecodePersonalID validates s with ValidatePersonalID and decodes it by the
// 2021 rule: a 3-digit province code of birth registration; one digit for
// century and sex (0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s,
// 6/7 = 2200s, 8/9 = 1800s); two digits of the birth year; six random digits.
// An unknown province code is not an error: KnownProvince is false.
func DecodePersonalID(s string) (PersonalIDInfo, error) {
	if err := ValidatePersonalID(s); err != nil {
		return PersonalIDInfo{}, fmt.Errorf("decode: %w", err)
	}
	d := int(s[3] - '0')
	info := PersonalIDInfo{
		ProvinceCode: s[:3],
		Gender:       Male,
		Century:      centuryOfDigit(d),
	}
	if d%2 == 1 {
		info.Gender = Female
	}
	info.BirthYear = info.Century + int(s[4]-'0')*10 + int(s[5]-'0')
	info.Province, info.KnownProvince = ProvinceByCode(info.ProvinceCode)
	return info, nil
}

// centuryOfDigit maps the century-and-sex digit 0..9 to the first year of the
// century.
func centuryOfDigit(d int) int {
	if d >= 8 {
		return 1800
	}
	return 1900 + 100*(d/2)
}

// centuryDigit returns the even (male) century digit for year, and whether
// the rule can encode it (1800..2299).
func centuryDigit(year int) (int, bool) {
	switch {
	case year >= 1800 && year < 1900:
		return 8, true
	case year >= 1900 && year < 2300:
		return 2 * (year/100 - 19), true
	}
	return 0, false
}

// CheckPersonalID compares id with a recorded date of birth and gender and
// returns warnings for a reviewer (the Warn* codes), or nil when they are
// consistent. A zero dob or an invalid g skips the corresponding check. The
// warnings are informative: numbers that break the rule exist and are valid.
func CheckPersonalID(id string, dob Date, g Gender) []string {
	info, err := DecodePersonalID(id)
	if err != nil {
		return []string{WarnPersonalIDInvalid}
	}
	var warnings []string
	if !info.KnownProvince {
		warnings = append(warnings, WarnProvinceCodeUnknown)
	}
	if g.Valid() && g != info.Gender {
		warnings = append(warnings, WarnGenderDigitMismatch)
	}
	if !dob.IsZero() && dob.Year != info.BirthYear {
		warnings = append(warnings, WarnBirthYearMismatch)
	}
	return warnings
}

// MakePersonalID builds a personal ID number that follows the 2021 rule for
// someone whose birth was registered in provinceCode (3 digits; it need not
// be a known province), born on dob (year 1800..2299) with gender g, using
// serial (0..999999) as the six final digits. It is meant for synthetic test
// data: real numbers are assigned by the population database.
func MakePersonalID(provinceCode string, dob Date, g Gender, serial int) (string, error) {
	if !isDigits(provinceCode, 3) {
		return "", fmt.Errorf("make personal ID: province code %q: want 3 digits", provinceCode)
	}
	if dob.IsZero() {
		return "", fmt.Errorf("make personal ID: date of birth unknown")
	}
	d, ok := centuryDigit(dob.Year)
	if !ok {
		return "", fmt.Errorf("make personal ID: birth year %d: want 1800..2299", dob.Year)
	}
	switch g {
	case Male:
	case Female:
		d++
	default:
		return "", fmt.Errorf("make personal ID: gender %q: want male or female", string(g))
	}
	if serial < 0 || serial > 999999 {
		return "", fmt.Errorf("make personal ID: serial %d: want 0..999999", serial)
	}
	return fmt.Sprintf("%s%d%02d%06d", provinceCode, d, dob.Year%100, serial), nil
}
