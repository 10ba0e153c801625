package sources

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/vneid/vneid/internal/identity"
)

// maxTextLen is the longest text field accepted, in characters.
const maxTextLen = 200

// maxNumberLen is the longest document number accepted, in bytes.
const maxNumberLen = 32

// earliestBirthYear is the first year of birth accepted, as in the
// population registry.
const earliestBirthYear = 1900

// NormalizeNumber returns a document number in the canonical form of its
// kind: NFC, upper case and trimmed; without inner spaces, except for plate
// numbers, which are rewritten as Plate.String does when they parse
// ("30a12345" becomes "30A-123.45") and otherwise keep single spaces.
func NormalizeNumber(kind Kind, number string) string {
	s := strings.ToUpper(strings.TrimSpace(norm.NFC.String(number)))
	if kind != VehicleRegistration {
		return strings.Join(strings.Fields(s), "")
	}
	s = strings.Join(strings.Fields(s), " ")
	if p, err := ParsePlate(s); err == nil {
		return p.String()
	}
	return s
}

// ValidateNumber checks that number is a document number of kind in
// canonical form (see NormalizeNumber): a 15-character health insurance
// card code, a 12-digit driving licence number, a plate number, or a
// 10-digit tax code or 12-digit personal ID number. It checks what the
// number says by itself; Validate also checks it against the other fields.
// The error wraps ErrInvalid.
func ValidateNumber(kind Kind, number string) error {
	if NormalizeNumber(kind, number) != number {
		return fieldErr("number", fmt.Sprintf("%q: write it %q", number, NormalizeNumber(kind, number)))
	}
	var err error
	switch kind {
	case HealthInsurance:
		_, err = ParseHealthInsuranceNumber(number)
	case DrivingLicence:
		err = validateLicenceNumber(number)
	case VehicleRegistration:
		_, err = ParsePlate(number)
	case TaxCode:
		if len(number) == 12 {
			err = identity.ValidatePersonalID(number)
		} else {
			err = ValidateTaxCode(number)
		}
	default:
		return fieldErr("kind", fmt.Sprintf("%q is not a document kind", string(kind)))
	}
	if err != nil {
		return &FieldError{Field: "number", Err: err}
	}
	return nil
}

// Normalize puts d into canonical form without checking it: the kind and
// status in lower case; the number as NormalizeNumber writes it; text in
// NFC with whitespace trimmed and collapsed; codes in upper case; UpdatedAt
// in UTC. A health insurance card whose group, level, province and social
// insurance number are all empty takes them from the card code.
func (d *Document) Normalize() {
	d.Kind = Kind(strings.ToLower(strings.TrimSpace(string(d.Kind))))
	d.Number = NormalizeNumber(d.Kind, d.Number)
	d.HolderID = strings.TrimSpace(d.HolderID)
	d.HolderName = identity.NormalizeName(d.HolderName)
	d.Status = Status(strings.ToLower(strings.TrimSpace(string(d.Status))))
	d.Issuer = identity.NormalizeName(d.Issuer)
	if !d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.UpdatedAt.UTC()
	}
	if h := d.HealthInsurance; h != nil {
		h.BeneficiaryGroup = code(h.BeneficiaryGroup)
		h.ProvinceCode = strings.TrimSpace(h.ProvinceCode)
		h.BHXHCode = strings.TrimSpace(h.BHXHCode)
		h.Clinic.Code = strings.TrimSpace(h.Clinic.Code)
		h.Clinic.Name = identity.NormalizeName(h.Clinic.Name)
		h.Area = code(h.Area)
		if h.BeneficiaryGroup == "" && h.BenefitLevel == 0 && h.ProvinceCode == "" && h.BHXHCode == "" {
			if n, err := ParseHealthInsuranceNumber(d.Number); err == nil {
				h.BeneficiaryGroup, h.BenefitLevel, h.ProvinceCode, h.BHXHCode = n.Group, n.Level, n.Province, n.BHXH
			}
		}
	}
	if l := d.DrivingLicence; l != nil {
		for i := range l.Classes {
			l.Classes[i].Class = code(l.Classes[i].Class)
		}
	}
	if v := d.Vehicle; v != nil {
		v.Type = VehicleType(strings.ToLower(strings.TrimSpace(string(v.Type))))
		v.Brand = identity.NormalizeName(v.Brand)
		v.Model = identity.NormalizeName(v.Model)
		v.Colour = identity.NormalizeName(v.Colour)
		v.VIN = strings.Join(strings.Fields(code(v.VIN)), "")
		v.EngineNumber = strings.Join(strings.Fields(code(v.EngineNumber)), "")
	}
	if t := d.Tax; t != nil {
		t.Office = identity.NormalizeName(t.Office)
	}
}

// code upper-cases and trims a code.
func code(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// Validate checks that every field of d is present where required, in range,
// in canonical form (see Normalize) and consistent with the others: the
// number has the format of its kind and agrees with the per-kind fields,
// dates are real days in order (nothing issued before birth, nothing
// expiring before issue), and exactly the per-kind field of d's kind is
// set. It returns the first problem as a *FieldError, which wraps
// ErrInvalid.
func (d Document) Validate() error {
	if !d.Kind.Valid() {
		return fieldErr("kind", fmt.Sprintf("%q: want health_insurance, driving_licence, vehicle_registration or tax_code", string(d.Kind)))
	}
	switch {
	case d.Number == "":
		return fieldErr("number", "required")
	case len(d.Number) > maxNumberLen:
		return fieldErr("number", fmt.Sprintf("%d bytes, at most %d", len(d.Number), maxNumberLen))
	case !utf8.ValidString(d.Number):
		return fieldErr("number", "not valid UTF-8")
	case NormalizeNumber(d.Kind, d.Number) != d.Number:
		return fieldErr("number", fmt.Sprintf("%q: write it %q", d.Number, NormalizeNumber(d.Kind, d.Number)))
	}
	if err := identity.ValidatePersonalID(d.HolderID); err != nil {
		return &FieldError{Field: "holder_id", Err: err}
	}
	if err := checkText("holder_name", d.HolderName, true); err != nil {
		return err
	}
	if strings.ContainsFunc(d.HolderName, unicode.IsDigit) {
		return fieldErr("holder_name", "contains a digit")
	}
	if err := checkDate("date_of_birth", d.DateOfBirth, true); err != nil {
		return err
	}
	if d.DateOfBirth.Year < earliestBirthYear {
		return fieldErr("date_of_birth", fmt.Sprintf("%s is before %d", d.DateOfBirth, earliestBirthYear))
	}
	if !d.Status.Valid() {
		return fieldErr("status", fmt.Sprintf("%q: want valid, expired, suspended, revoked or replaced", string(d.Status)))
	}
	if err := checkDate("issued_on", d.IssuedOn, true); err != nil {
		return err
	}
	if d.IssuedOn.Before(d.DateOfBirth) {
		return fieldErr("issued_on", fmt.Sprintf("%s is before the date of birth", d.IssuedOn))
	}
	if err := checkDate("valid_until", d.ValidUntil, false); err != nil {
		return err
	}
	if !d.ValidUntil.IsZero() && d.ValidUntil.Before(d.IssuedOn) {
		return fieldErr("valid_until", fmt.Sprintf("%s is before the issue date", d.ValidUntil))
	}
	if err := checkText("issuer", d.Issuer, true); err != nil {
		return err
	}
	if err := d.checkKindFields(); err != nil {
		return err
	}
	switch d.Kind {
	case HealthInsurance:
		return d.HealthInsurance.validate(&d)
	case DrivingLicence:
		return d.DrivingLicence.validate(&d)
	case VehicleRegistration:
		return d.Vehicle.validate(&d)
	default:
		return d.Tax.validate(&d)
	}
}

// checkKindFields checks that the per-kind field of d's kind, and no other,
// is set.
func (d *Document) checkKindFields() error {
	fields := []struct {
		kind  Kind
		set   bool
		field string
	}{
		{HealthInsurance, d.HealthInsurance != nil, "health_insurance"},
		{DrivingLicence, d.DrivingLicence != nil, "driving_licence"},
		{VehicleRegistration, d.Vehicle != nil, "vehicle"},
		{TaxCode, d.Tax != nil, "tax"},
	}
	for _, f := range fields {
		switch {
		case f.kind == d.Kind && !f.set:
			return fieldErr(f.field, fmt.Sprintf("required for kind %s", d.Kind))
		case f.kind != d.Kind && f.set:
			return fieldErr(f.field, fmt.Sprintf("not allowed for kind %s", d.Kind))
		}
	}
	return nil
}

// checkText checks a text field: valid UTF-8 in canonical form (NFC,
// trimmed, single spaces), without control or invisible format characters
// or replacement characters, at most maxTextLen characters, and present if
// required.
func checkText(field, s string, required bool) error {
	switch {
	case s == "":
		if required {
			return fieldErr(field, "required")
		}
		return nil
	case !utf8.ValidString(s):
		return fieldErr(field, "not valid UTF-8")
	case strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
	}):
		return fieldErr(field, "contains a control, format or replacement character")
	case identity.NormalizeName(s) != s:
		return fieldErr(field, "not in canonical form: want NFC, trimmed, with single spaces")
	}
	if n := utf8.RuneCountInString(s); n > maxTextLen {
		return fieldErr(field, fmt.Sprintf("%d characters, at most %d", n, maxTextLen))
	}
	return nil
}

// checkDate checks that a date is a real day (or zero when not required).
func checkDate(field string, d identity.Date, required bool) error {
	if d.IsZero() {
		if required {
			return fieldErr(field, "required")
		}
		return nil
	}
	if _, err := identity.NewDate(d.Year, d.Month, d.Day); err != nil {
		return &FieldError{Field: field, Err: err}
	}
	return nil
}

// isDigits reports whether s is exactly n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// showDate writes a date for messages, "none" for the zero date.
func showDate(d identity.Date) string {
	if d.IsZero() {
		return "none"
	}
	return d.String()
}

// addDays moves d by n days.
func addDays(d identity.Date, n int) identity.Date {
	return identity.DateOf(d.Time(time.UTC).AddDate(0, 0, n))
}
