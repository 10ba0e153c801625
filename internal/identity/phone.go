package identity

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NormalizePhone returns the Vietnamese mobile number s in E.164 form,
// "+84" followed by 9 digits. It accepts the local form with a leading 0
// (10 digits) and the international forms "84…" and "+84…", with spaces,
// dots, hyphens or parentheses between digits: "0912345678", "84912345678",
// "+84 91 234 5678", "0912.345.678" and "0912-345-678" all give
// "+84912345678". The first digit after the 0 must be a mobile prefix: 3, 5,
// 7, 8 or 9. Errors do not repeat the number, which is personal data.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("phone number: empty")
	}
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	digits := make([]byte, 0, 12)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '.' || c == '-' || c == '(' || c == ')':
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				return "", fmt.Errorf("phone number: invalid UTF-8")
			}
			if unicode.IsSpace(r) {
				i += size - 1
				continue
			}
			return "", fmt.Errorf("phone number: unexpected character %q (want ASCII digits, optionally separated by spaces, dots or hyphens)", r)
		}
		if len(digits) > 15 {
			return "", fmt.Errorf("phone number: too many digits")
		}
	}
	var national []byte
	switch {
	case plus:
		if len(digits) < 2 || digits[0] != '8' || digits[1] != '4' {
			return "", fmt.Errorf("phone number: country code is not +84")
		}
		national = digits[2:]
	case len(digits) == 10 && digits[0] == '0':
		national = digits[1:]
	case len(digits) == 11 && digits[0] == '8' && digits[1] == '4':
		national = digits[2:]
	default:
		return "", fmt.Errorf("phone number: %d digits, want 10 starting with 0, or 84 and 9 digits", len(digits))
	}
	if len(national) != 9 {
		return "", fmt.Errorf("phone number: %d digits after the country code, want 9", len(national))
	}
	switch national[0] {
	case '3', '5', '7', '8', '9':
	default:
		return "", fmt.Errorf("phone number: prefix 0%c is not a mobile prefix (want 03, 05, 07, 08 or 09)", national[0])
	}
	return "+84" + string(national), nil
}

// MaskPhone returns a Vietnamese mobile number in local form with its middle
// digits hidden, for showing to the user which number a code was sent to:
// "+84912345678" gives "091****678". Any form NormalizePhone accepts is
// masked the same way; anything else gives "".
func MaskPhone(e164 string) string {
	n, err := NormalizePhone(e164)
	if err != nil {
		return ""
	}
	local := "0" + n[3:]
	return local[:3] + "****" + local[7:]
}
