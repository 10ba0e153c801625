package sources

import (
	"fmt"

	"github.com/vneid/vneid/internal/identity"
)

// Licence is what is particular to a driving licence (giấy phép lái xe).
//
// Document.Number is the 12-digit licence number of the PET card licences
// issued since 2013; its first two digits are the administrative code of
// the issuing province (01 Hà Nội, 79 Hồ Chí Minh City). The structure of
// the other ten digits is not published as a rule and is not checked.
//
// Document.ValidUntil is the latest expiry of the classes, zero when one of
// them never expires.
type Licence struct {
	// Classes are the classes (hạng) the licence carries, each with its
	// own dates, at least one and no class twice.
	Classes []LicenceClass `json:"classes"`
	// Points is the number of points the licence has left (0 to 12) under
	// the 12-point system of the 2024 Law on Road Traffic Order and Safety,
	// in force since 1 January 2025; nil if the source does not say.
	Points *int `json:"points,omitempty"`
}

// MaxLicencePoints is the number of points every licence starts with.
const MaxLicencePoints = 12

// LicenceClass is one class of a driving licence.
type LicenceClass struct {
	// Class is the class code: one of the classes of Circular
	// 12/2017/TT-BGTVT (A1, A2, A3, A4, B1, B2, C, D, E, FB2, FC, FD, FE)
	// or of the 2024 Law on Road Traffic Order and Safety, Art. 57 (A1, A,
	// B1, B, C1, C, D1, D2, D, BE, C1E, CE, D1E, D2E, DE). Licences of
	// both systems are in use.
	Class string `json:"class"`
	// IssuedOn is the day the class was granted.
	IssuedOn identity.Date `json:"issued_on"`
	// ValidUntil is the class's expiry, zero for classes that never expire.
	ValidUntil identity.Date `json:"valid_until,omitzero"`
}

// classRule is how long a class is valid.
type classRule int

const (
	classUnknown  classRule = iota
	classLifetime           // no expiry
	classB1                 // either system's B1: no expiry (2024 law) or until 55/60 (Circular 12/2017)
	class10Years            // expires at most 10 years after issue
	class5Years             // expires at most 5 years after issue
)

// licenceClassRule returns the validity rule of a class code:
//   - A1, A2, A3 (2017) and A1, A (2024) never expire; B1 never expires
//     under the 2024 law and expires when the holder turns 55 (women) or 60
//     (men), or 10 years after issue if issued past 45 or 50, under the
//     2017 rule;
//   - A4, B2 (2017) and B, C1 (2024) are valid 10 years;
//   - C, D, E, FB2, FC, FD, FE (2017) and C, D1, D2, D, BE, C1E, CE, D1E,
//     D2E, DE (2024) are valid 5 years.
func licenceClassRule(class string) classRule {
	switch class {
	case "A1", "A2", "A3", "A":
		return classLifetime
	case "B1":
		return classB1
	case "A4", "B2", "B", "C1":
		return class10Years
	case "C", "D", "E", "FB2", "FC", "FD", "FE", "D1", "D2", "BE", "C1E", "CE", "D1E", "D2E", "DE":
		return class5Years
	}
	return classUnknown
}

// IsLicenceClass reports whether class is a driving licence class of either
// system.
func IsLicenceClass(class string) bool { return licenceClassRule(class) != classUnknown }

// minimumDrivingAge is the youngest age at which any class is granted.
const minimumDrivingAge = 18

// latestExpiry returns the day the last of the classes expires, or the
// zero Date if one of them never does.
func (l Licence) latestExpiry() identity.Date {
	var last identity.Date
	for _, c := range l.Classes {
		if c.ValidUntil.IsZero() {
			return identity.Date{}
		}
		if c.ValidUntil.After(last) {
			last = c.ValidUntil
		}
	}
	return last
}

// ValidClassesOn returns the classes valid on day: granted by then and not
// expired.
func (l Licence) ValidClassesOn(day identity.Date) []LicenceClass {
	var out []LicenceClass
	for _, c := range l.Classes {
		if !day.Before(c.IssuedOn) && (c.ValidUntil.IsZero() || !day.After(c.ValidUntil)) {
			out = append(out, c)
		}
	}
	return out
}

// validateLicenceNumber checks a 12-digit licence number and its province
// code.
func validateLicenceNumber(s string) error {
	if !isDigits(s, 12) {
		return fmt.Errorf("driving licence number %q: want 12 digits", s)
	}
	if _, ok := provinceByCode(s[:2]); !ok {
		return fmt.Errorf("driving licence number %q: unknown province code %q", s, s[:2])
	}
	return nil
}

// validate checks the licence against the document it belongs to.
func (l *Licence) validate(d *Document) error {
	if err := validateLicenceNumber(d.Number); err != nil {
		return &FieldError{Field: "number", Err: err}
	}
	if len(l.Classes) == 0 {
		return fieldErr("driving_licence.classes", "at least one class is required")
	}
	if len(l.Classes) > 32 {
		return fieldErr("driving_licence.classes", fmt.Sprintf("%d classes, at most 32", len(l.Classes)))
	}
	adult := d.DateOfBirth.AddYears(minimumDrivingAge)
	for i, c := range l.Classes {
		f := fmt.Sprintf("driving_licence.classes[%d]", i)
		rule := licenceClassRule(c.Class)
		if rule == classUnknown {
			return fieldErr(f+".class", fmt.Sprintf("%q is not a licence class", c.Class))
		}
		for j := range i {
			if l.Classes[j].Class == c.Class {
				return fieldErr(f+".class", fmt.Sprintf("%s appears twice", c.Class))
			}
		}
		if err := checkDate(f+".issued_on", c.IssuedOn, true); err != nil {
			return err
		}
		if c.IssuedOn.Before(adult) {
			return fieldErr(f+".issued_on", fmt.Sprintf("%s is before the holder turned %d", c.IssuedOn, minimumDrivingAge))
		}
		if c.IssuedOn.After(d.IssuedOn) {
			return fieldErr(f+".issued_on", fmt.Sprintf("%s is after the licence was issued on %s", c.IssuedOn, d.IssuedOn))
		}
		if err := checkDate(f+".valid_until", c.ValidUntil, false); err != nil {
			return err
		}
		if !c.ValidUntil.IsZero() && !c.ValidUntil.After(c.IssuedOn) {
			return fieldErr(f+".valid_until", fmt.Sprintf("%s is not after the issue date", c.ValidUntil))
		}
		switch rule {
		case classLifetime:
			if !c.ValidUntil.IsZero() {
				return fieldErr(f+".valid_until", fmt.Sprintf("class %s does not expire", c.Class))
			}
		case classB1:
			// The 2017 rule: until 60 at the latest, or 10 years when
			// issued late in life.
			limit := d.DateOfBirth.AddYears(60)
			if ten := c.IssuedOn.AddYears(10); ten.After(limit) {
				limit = ten
			}
			if c.ValidUntil.After(limit) {
				return fieldErr(f+".valid_until", fmt.Sprintf("%s is later than class B1 allows", c.ValidUntil))
			}
		case class10Years, class5Years:
			years := 10
			if rule == class5Years {
				years = 5
			}
			if c.ValidUntil.IsZero() {
				return fieldErr(f+".valid_until", fmt.Sprintf("class %s expires: required", c.Class))
			}
			if c.ValidUntil.After(c.IssuedOn.AddYears(years)) {
				return fieldErr(f+".valid_until", fmt.Sprintf("%s is more than %d years after issue, the validity of class %s", c.ValidUntil, years, c.Class))
			}
		}
	}
	if want := l.latestExpiry(); d.ValidUntil != want {
		if want.IsZero() {
			return fieldErr("valid_until", fmt.Sprintf("%s, but a class never expires: want none", d.ValidUntil))
		}
		return fieldErr("valid_until", fmt.Sprintf("%s, want %s, the latest expiry of the classes", showDate(d.ValidUntil), want))
	}
	if l.Points != nil && (*l.Points < 0 || *l.Points > MaxLicencePoints) {
		return fieldErr("driving_licence.points", fmt.Sprintf("%d: want 0 to %d", *l.Points, MaxLicencePoints))
	}
	return nil
}
