package identity

import (
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Gender is a person's sex as recorded in the population database.
type Gender string

// The genders the population database records.
const (
	Male   Gender = "male"
	Female Gender = "female"
)

// Valid reports whether g is one of the recorded genders.
func (g Gender) Valid() bool { return g == Male || g == Female }

// VI returns the Vietnamese word printed on ID cards: "Nam" or "Nữ".
func (g Gender) VI() string {
	switch g {
	case Male:
		return "Nam"
	case Female:
		return "Nữ"
	}
	return ""
}

// ParseGender accepts the Vietnamese card forms ("Nam", "Nữ", in any case,
// composed or decomposed, with or without diacritics) and the English codes
// ("male", "female", "M", "F").
func ParseGender(s string) (Gender, error) {
	v := strings.ToLower(strings.TrimSpace(norm.NFC.String(s)))
	switch v {
	case "nam", "male", "m":
		return Male, nil
	case "nữ", "nu", "female", "f":
		return Female, nil
	}
	return "", fmt.Errorf("gender %q: want Nam or Nữ", s)
}
