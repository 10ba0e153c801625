package identity

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeName returns s in Unicode NFC with leading and trailing
// whitespace removed and every run of Unicode whitespace replaced by one
// space. Diacritics are kept: it is the form in which names and addresses are
// stored and displayed.
func NormalizeName(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// ASCIIName returns the "full name without diacritics" form of s used in SMS
// messages and machine-readable zones: upper case, every tone and vowel mark
// removed, Đ and đ written D, whitespace collapsed. Composed (NFC) and
// decomposed (NFD) input give the same result:
//
//	ASCIIName("Nguyễn Thị Ánh Đào") == "NGUYEN THI ANH DAO"
//
// Other scripts lose their combining marks after canonical decomposition;
// what is then not an ASCII letter, digit, space, hyphen or apostrophe is
// dropped. The typographic apostrophes U+2019 and U+02BC become "'".
func ASCIIName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is pending before the next kept character
	for _, r := range norm.NFD.String(s) {
		switch {
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '\'':
		case r == 'đ' || r == 'Đ':
			r = 'D'
		case r == '\u2019' || r == '\u02BC':
			r = '\''
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		default:
			// Combining marks (tones, breve, circumflex, horn, ...) and
			// everything that has no ASCII form.
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MatchKey returns a key for comparing names and addresses that come from
// different sources: NFC, Unicode lower case, punctuation and symbols
// (, . ; : - / # and the like) and control characters turned into spaces,
// whitespace collapsed and trimmed. Diacritics are kept, because Vietnamese
// names that differ only by a tone belong to different people.
func MatchKey(s string) string {
	s = strings.ToLower(norm.NFC.String(s))
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return norm.NFC.String(strings.Join(strings.Fields(s), " "))
}
