package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/vneid/vneid/internal/failure"
)

// Argon2Params are the argon2id cost parameters for password hashes.
type Argon2Params struct {
	MemoryKiB uint32 // memory in KiB
	Time      uint32 // passes
	Threads   uint8
}

// DefaultArgon2 returns parameters that follow the OWASP minimum for argon2id (19 MiB, 2 passes, 1
// lane), which keeps a login near 30 ms of one core.
func DefaultArgon2() Argon2Params { return Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1} }

const (
	saltLen = 16
	keyLen  = 32
)

// Limits on argon2id parameters, for configuration and for stored hashes
// alike: above them a single login could take too much memory or time.
const (
	MaxArgon2MemoryKiB = 1 << 20 // 1 GiB
	MaxArgon2Time      = 20
	MaxArgon2Threads   = 16
)

// Validate reports whether the parameters are within the limits every
// stored hash must respect, so that hashes made with them can be verified.
func (p Argon2Params) Validate() error {
	if p.Threads < 1 || p.Threads > MaxArgon2Threads || p.Time < 1 || p.Time > MaxArgon2Time ||
		p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > MaxArgon2MemoryKiB {
		return fmt.Errorf("argon2id parameters m=%d,t=%d,p=%d out of range (m ≤ %d KiB, t ≤ %d, p ≤ %d, m ≥ 8p)",
			p.MemoryKiB, p.Time, p.Threads, MaxArgon2MemoryKiB, MaxArgon2Time, MaxArgon2Threads)
	}
	return nil
}

// NormalizePassword puts a password in Unicode NFC, so that the same
// Vietnamese password typed on keyboards that compose or decompose accents
// hashes the same.
func NormalizePassword(pw string) string { return norm.NFC.String(pw) }

// HashPassword hashes a password with argon2id and returns the PHC string
// "$argon2id$v=19$m=…,t=…,p=…$salt$hash".
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(NormalizePassword(password)), salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC hash, and whether
// the hash was made with parameters other than want (so it should be
// rehashed).
func VerifyPassword(hash, password string, want Argon2Params) (ok, stale bool, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, fmt.Errorf("verify password: not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, fmt.Errorf("verify password: unsupported version %q", parts[2])
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, false, fmt.Errorf("verify password: parameters %q: %w", parts[3], err)
	}
	if fmt.Sprintf("v=%d", version) != parts[2] || fmt.Sprintf("m=%d,t=%d,p=%d", p.MemoryKiB, p.Time, p.Threads) != parts[3] {
		return false, false, fmt.Errorf("verify password: malformed PHC string")
	}
	if err := p.Validate(); err != nil {
		return false, false, fmt.Errorf("verify password: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, false, fmt.Errorf("verify password: salt: %w", err)
	}
	want64, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want64) == 0 {
		return false, false, fmt.Errorf("verify password: key: bad encoding")
	}
	if len(salt) < 8 || len(salt) > 64 || len(want64) < 16 || len(want64) > 64 {
		return false, false, fmt.Errorf("verify password: salt or key length out of range")
	}
	key := argon2.IDKey([]byte(NormalizePassword(password)), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want64)))
	ok = subtle.ConstantTimeCompare(key, want64) == 1
	return ok, p != want, nil
}

// ErrPasswordWeak is returned for a password outside the policy.
var ErrPasswordWeak = failure.New("password_weak", failure.Invalid,
	"Mật khẩu phải dài 8–20 ký tự, có chữ hoa, chữ thường, chữ số và ký tự đặc biệt.",
	"The password must be 8–20 characters long with an upper-case letter, a lower-case letter, a digit and a special character.")

// CheckPasswordPolicy applies the VNeID password rule: 8–20 characters with
// upper case, lower case, a digit and a special character, no control
// characters, and not containing the personal ID number.
func CheckPasswordPolicy(password, idNumber string) error {
	if !utf8.ValidString(password) {
		return ErrPasswordWeak.WithFields("password")
	}
	password = NormalizePassword(password)
	n := utf8.RuneCountInString(password)
	var upper, lower, digit, special bool
	for _, r := range password {
		switch {
		case unicode.IsControl(r):
			return ErrPasswordWeak.WithFields("password")
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsSpace(r), unicode.Is(unicode.Mn, r):
			// spaces and combining marks are allowed but are not special
		default:
			special = true
		}
	}
	if n < 8 || n > 20 || !upper || !lower || !digit || !special {
		return ErrPasswordWeak.WithFields("password")
	}
	if idNumber != "" && strings.Contains(password, idNumber) {
		return ErrPasswordWeak.WithFields("password").WithDetail("Không dùng số định danh trong mật khẩu.",
			"Do not use the personal ID number in the password.")
	}
	return nil
}
