package registry

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vneid/vneid/internal/identity"
)

// FieldError says which field of a citizen record is wrong and why. Field
// uses the JSON names of Citizen, with a path for nested values:
// "id_number", "permanent_address.street", "cards[0].issue_date".
type FieldError struct {
	Field  string
	Reason string
}

// Error returns "field: reason".
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// maxTextLen is the longest text field accepted, in characters. Real
// names and address parts are far shorter.
const maxTextLen = 200

// earliestBirthYear is the first year of birth the registry accepts: personal
// ID numbers encode years from 1900.
const earliestBirthYear = 1900

// Normalize puts c into the canonical form the registry stores and checks
// it, returning a *FieldError for the first problem found. It
//   - converts every text field to Unicode NFC, trims it and collapses runs
//     of whitespace to one space;
//   - requires a 12-digit personal ID number, a full name, a date of birth
//     from 1900 that is not after today, and a gender ("Nam"/"Nữ" and other
//     forms ParseGender accepts are turned into the canonical codes);
//   - defaults an empty life status to alive and an empty card status to
//     valid, and rejects unknown ones;
//   - requires an old ID number (CMND), when given, to have 9 or 12 digits;
//   - requires each card to have a 12-digit number (9 for old CMND cards), an
//     issue date not before birth nor after today, an expiry date after the
//     issue date if any, and an issue date no other card of c has, since the
//     store keys cards by citizen and issue date.
//
// A zero today means the current date in Vietnam. Normalize does not check
// that the ID number's structure agrees with the date of birth and gender;
// identity.CheckPersonalID reports that as a warning for reviewers.
func Normalize(c *Citizen, today identity.Date) error {
	today = todayOr(today)

	c.ID = strings.TrimSpace(c.ID)
	if err := identity.ValidatePersonalID(c.ID); err != nil {
		return &FieldError{"id_number", err.Error()}
	}
	texts := []struct {
		field string
		value *string
	}{
		{"full_name", &c.FullName},
		{"nationality", &c.Nationality},
		{"ethnicity", &c.Ethnicity},
		{"religion", &c.Religion},
		{"place_of_origin", &c.PlaceOfOrigin},
	}
	for _, t := range texts {
		if err := cleanText(t.field, t.value); err != nil {
			return err
		}
	}
	if c.FullName == "" {
		return &FieldError{"full_name", "required"}
	}
	if strings.ContainsFunc(c.FullName, unicode.IsDigit) {
		return &FieldError{"full_name", "contains a digit"}
	}

	switch {
	case c.DateOfBirth.IsZero():
		return &FieldError{"date_of_birth", "required"}
	case c.DateOfBirth.Year < earliestBirthYear:
		return &FieldError{"date_of_birth", fmt.Sprintf("%s is before %d", c.DateOfBirth, earliestBirthYear)}
	case c.DateOfBirth.After(today):
		return &FieldError{"date_of_birth", fmt.Sprintf("%s is in the future", c.DateOfBirth)}
	}

	if !c.Gender.Valid() {
		g, err := identity.ParseGender(string(c.Gender))
		if err != nil {
			return &FieldError{"gender", err.Error()}
		}
		c.Gender = g
	}

	if err := cleanAddress("permanent_address", &c.PermanentAddress); err != nil {
		return err
	}
	if err := cleanAddress("temporary_address", &c.TemporaryAddress); err != nil {
		return err
	}

	c.LifeStatus = LifeStatus(strings.ToLower(strings.TrimSpace(string(c.LifeStatus))))
	if c.LifeStatus == "" {
		c.LifeStatus = Alive
	}
	if !c.LifeStatus.Valid() {
		return &FieldError{"life_status", fmt.Sprintf("%q: want alive or deceased", string(c.LifeStatus))}
	}

	c.OldIDNumber = strings.TrimSpace(c.OldIDNumber)
	if c.OldIDNumber != "" && !digitsOfLength(c.OldIDNumber, 9, 12) {
		return &FieldError{"old_id_number", "want 9 or 12 digits"}
	}

	for i := range c.Cards {
		if err := normalizeCard(&c.Cards[i], c.DateOfBirth, today); err != nil {
			err.Field = fmt.Sprintf("cards[%d].%s", i, err.Field)
			return err
		}
		for j := range i {
			if c.Cards[j].IssueDate == c.Cards[i].IssueDate {
				return &FieldError{
					fmt.Sprintf("cards[%d].issue_date", i),
					fmt.Sprintf("%s is also the issue date of cards[%d]", c.Cards[i].IssueDate, j),
				}
			}
		}
	}
	return nil
}

// normalizeCard normalises and checks one card; the returned error's Field
// is relative to the card.
func normalizeCard(card *IDCard, dob, today identity.Date) *FieldError {
	card.Number = strings.TrimSpace(card.Number)
	if !digitsOfLength(card.Number, 12, 9) {
		return &FieldError{"number", "want 12 digits (9 for an old CMND card)"}
	}
	switch {
	case card.IssueDate.IsZero():
		return &FieldError{"issue_date", "required"}
	case card.IssueDate.Before(dob):
		return &FieldError{"issue_date", fmt.Sprintf("%s is before the date of birth", card.IssueDate)}
	case card.IssueDate.After(today):
		return &FieldError{"issue_date", fmt.Sprintf("%s is in the future", card.IssueDate)}
	}
	if !card.ExpiryDate.IsZero() && !card.ExpiryDate.After(card.IssueDate) {
		return &FieldError{"expiry_date", fmt.Sprintf("%s is not after the issue date", card.ExpiryDate)}
	}
	card.Status = CardStatus(strings.ToLower(strings.TrimSpace(string(card.Status))))
	if card.Status == "" {
		card.Status = CardValid
	}
	if !card.Status.Valid() {
		return &FieldError{"status", fmt.Sprintf("%q: want valid, lost, revoked or replaced", string(card.Status))}
	}
	return nil
}

// cleanAddress normalises every part of a.
func cleanAddress(prefix string, a *Address) error {
	parts := []struct {
		field string
		value *string
	}{
		{"house_number", &a.HouseNumber},
		{"street", &a.Street},
		{"hamlet", &a.Hamlet},
		{"commune", &a.Commune},
		{"district", &a.District},
		{"province", &a.Province},
	}
	for _, p := range parts {
		if err := cleanText(prefix+"."+p.field, p.value); err != nil {
			return err
		}
	}
	return nil
}

// cleanText rewrites *s in NFC with whitespace collapsed, and rejects text
// that is not UTF-8, holds control or invisible format characters, or is
// too long.
func cleanText(field string, s *string) error {
	if !utf8.ValidString(*s) {
		return &FieldError{field, "not valid UTF-8"}
	}
	if strings.ContainsFunc(*s, func(r rune) bool {
		return (unicode.IsControl(r) && !unicode.IsSpace(r)) || unicode.Is(unicode.Cf, r)
	}) {
		return &FieldError{field, "contains a control character"}
	}
	*s = identity.NormalizeName(*s)
	if n := utf8.RuneCountInString(*s); n > maxTextLen {
		return &FieldError{field, fmt.Sprintf("%d characters, at most %d", n, maxTextLen)}
	}
	return nil
}

// digitsOfLength reports whether s is all ASCII digits with one of the
// lengths.
func digitsOfLength(s string, lengths ...int) bool {
	ok := false
	for _, n := range lengths {
		ok = ok || len(s) == n
	}
	if !ok {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
