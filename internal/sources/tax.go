package sources

import (
	"fmt"

	"github.com/vneid/vneid/internal/identity"
)

// TaxRegistration is what is particular to an individual's tax
// registration. Document.Number is the tax code (mã số thuế):
//
//   - a 10-digit code: two digits the tax authority allots (a province code
//     for codes issued by a province; individuals' codes issued centrally
//     begin with 8), seven serial digits (not all zero) and a check digit
//     (see TaxCheckDigit);
//   - or, since 1 July 2025 (Law on Tax Administration 2019 and Circular
//     86/2024/TT-BTC), the holder's 12-digit personal ID number, which
//     serves as the tax code of individuals.
//
// The 13-digit codes of dependent units ("0100109106-001") belong to
// organisations and are not accepted here.
type TaxRegistration struct {
	// Office is the tax office that manages the taxpayer (cơ quan thuế
	// quản lý).
	Office string `json:"tax_office"`
	// RegisteredOn is the day of tax registration.
	RegisteredOn identity.Date `json:"registered_on"`
}

// TaxCheckDigit returns the check digit of a 10-digit tax code from its
// first nine digits, and false when first9 is not nine digits or no digit
// fits. The reading used here, from the General Department of Taxation's
// rule as implemented by tax software: with weights 31, 29, 23, 19, 17,
// 13, 7, 5, 3 on the nine digits, the check digit is 10 − (sum mod 11); a
// remainder of 0 would give 10, which no digit writes, and such nine-digit
// prefixes are not allotted.
func TaxCheckDigit(first9 string) (byte, bool) {
	if !isDigits(first9, 9) {
		return 0, false
	}
	weights := [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}
	sum := 0
	for i, w := range weights {
		sum += int(first9[i]-'0') * w
	}
	check := 10 - sum%11
	if check == 10 {
		return 0, false
	}
	return byte('0' + check), true
}

// ValidateTaxCode checks a 10-digit tax code: digits, a serial part that
// is not all zeros, and the check digit.
func ValidateTaxCode(code string) error {
	if !isDigits(code, 10) {
		return fmt.Errorf("tax code %q: want 10 digits (or the 12-digit personal ID number)", code)
	}
	if code[2:9] == "0000000" {
		return fmt.Errorf("tax code %q: the serial digits are all zero", code)
	}
	want, ok := TaxCheckDigit(code[:9])
	if !ok {
		return fmt.Errorf("tax code %q: no check digit exists for %s, such codes are not issued", code, code[:9])
	}
	if code[9] != want {
		return fmt.Errorf("tax code %q: check digit %c, want %c", code, code[9], want)
	}
	return nil
}

// validate checks the tax registration against the document it belongs
// to.
func (t *TaxRegistration) validate(d *Document) error {
	switch len(d.Number) {
	case 12:
		if d.Number != d.HolderID {
			return fieldErr("number", "a 12-digit tax code is the holder's personal ID number")
		}
	default:
		if err := ValidateTaxCode(d.Number); err != nil {
			return &FieldError{Field: "number", Err: err}
		}
	}
	if err := checkText("tax.tax_office", t.Office, true); err != nil {
		return err
	}
	if err := checkDate("tax.registered_on", t.RegisteredOn, true); err != nil {
		return err
	}
	if t.RegisteredOn.Before(d.DateOfBirth) {
		return fieldErr("tax.registered_on", fmt.Sprintf("%s is before the date of birth", t.RegisteredOn))
	}
	return nil
}
