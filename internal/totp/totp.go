// Package totp implements time-based one-time passwords (RFC 6238, built on
// HOTP, RFC 4226) for officer login: secret generation, codes, verification
// with a clock-skew window and replay information, and otpauth:// URIs for
// authenticator apps.
package totp

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	_ "crypto/sha1" // register the hash functions that Options allows
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Defaults used when Options fields are zero.
const (
	DefaultDigits = 6
	DefaultPeriod = 30 * time.Second
	DefaultSkew   = 1  // steps accepted on either side of the current one
	MaxSkew       = 10 // larger skew values passed to Verify are reduced to this
	SecretSize    = 20 // bytes of a generated secret (160 bits, as RFC 4226 recommends)
)

// ErrInvalidOptions reports Options that Code, Verify and URI do not accept.
var ErrInvalidOptions = errors.New("totp: invalid options")

// Options selects the code parameters. The zero value means 6 digits, a
// 30-second period and HMAC-SHA1, which is what every authenticator app
// supports.
type Options struct {
	// Digits is 6 (default when 0) or 8.
	Digits int
	// Period is the time step; 0 means 30 s. It must be a whole number of
	// seconds.
	Period time.Duration
	// Algorithm is crypto.SHA1 (default when 0), crypto.SHA256 or
	// crypto.SHA512.
	Algorithm crypto.Hash
}

// normalize fills in defaults and checks the options.
func (o Options) normalize() (Options, error) {
	if o.Digits == 0 {
		o.Digits = DefaultDigits
	}
	if o.Period == 0 {
		o.Period = DefaultPeriod
	}
	if o.Algorithm == 0 {
		o.Algorithm = crypto.SHA1
	}
	switch {
	case o.Digits != 6 && o.Digits != 8:
		return o, fmt.Errorf("%w: %d digits, want 6 or 8", ErrInvalidOptions, o.Digits)
	case o.Period < time.Second || o.Period%time.Second != 0:
		return o, fmt.Errorf("%w: period %v is not a positive whole number of seconds", ErrInvalidOptions, o.Period)
	case algorithmName(o.Algorithm) == "":
		return o, fmt.Errorf("%w: algorithm %v, want SHA1, SHA256 or SHA512", ErrInvalidOptions, o.Algorithm)
	}
	return o, nil
}

// Validate reports whether Code, Verify and URI accept the options; the
// error wraps ErrInvalidOptions.
func (o Options) Validate() error {
	_, err := o.normalize()
	return err
}

func algorithmName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "SHA1"
	case crypto.SHA256:
		return "SHA256"
	case crypto.SHA512:
		return "SHA512"
	}
	return ""
}

// GenerateSecret returns SecretSize random bytes read from r, or from
// crypto/rand when r is nil.
func GenerateSecret(r io.Reader) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	secret := make([]byte, SecretSize)
	if _, err := io.ReadFull(r, secret); err != nil {
		return nil, fmt.Errorf("totp: generate secret: %w", err)
	}
	return secret, nil
}

// Step returns the RFC 6238 time step number of t: the whole number of
// periods since the Unix epoch (floored for times before it). A period that
// is not at least one second is replaced by DefaultPeriod; fractions of a
// second are ignored.
func Step(t time.Time, period time.Duration) int64 {
	p := int64(period / time.Second)
	if p <= 0 {
		p = int64(DefaultPeriod / time.Second)
	}
	s := t.Unix()
	q := s / p
	if s%p != 0 && s < 0 {
		q--
	}
	return q
}

// HOTP returns the RFC 4226 one-time password for a counter value, with the
// digits and algorithm of opts (the period is not used). It returns "" if
// secret is empty or opts are invalid.
func HOTP(secret []byte, counter uint64, opts Options) string {
	o, err := opts.normalize()
	if err != nil || len(secret) == 0 {
		return ""
	}
	return hotp(secret, counter, o)
}

// hotp computes the code; o must be normalised.
func hotp(secret []byte, counter uint64, o Options) string {
	mac := hmac.New(o.Algorithm.New, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	// Dynamic truncation (RFC 4226 section 5.3).
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	var out [8]byte
	for i := o.Digits - 1; i >= 0; i-- {
		out[i] = '0' + byte(v%10)
		v /= 10
	}
	return string(out[:o.Digits])
}

// Code returns the TOTP code for time t. It returns "" if secret is empty,
// opts are invalid or t is before the Unix epoch.
func Code(secret []byte, t time.Time, opts Options) string {
	o, err := opts.normalize()
	if err != nil || len(secret) == 0 {
		return ""
	}
	step := Step(t, o.Period)
	if step < 0 {
		return ""
	}
	return hotp(secret, uint64(step), o)
}

// Verify checks a code against the steps from skew steps before to skew
// steps after the step of t (a negative skew means DefaultSkew; skew is at
// most MaxSkew). It returns the matching step, preferring the one nearest to
// t (then the earlier one), and true; or 0 and false.
//
// A code is valid only once: the caller must store the returned step and
// refuse any later code whose step is not greater than the stored one.
//
// Codes of the wrong length or with characters other than ASCII digits are
// rejected before any HMAC is computed. Otherwise every candidate in the
// window is computed and compared in constant time, so the time taken does
// not depend on how much of the code is right.
func Verify(secret []byte, code string, t time.Time, opts Options, skew int) (step int64, ok bool) {
	o, err := opts.normalize()
	if err != nil || len(secret) == 0 || len(code) != o.Digits {
		return 0, false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0, false
		}
	}
	switch {
	case skew < 0:
		skew = DefaultSkew
	case skew > MaxSkew:
		skew = MaxSkew
	}
	now := Step(t, o.Period)
	// Offsets 0, -1, +1, -2, +2, ...; the first match wins, but the loop
	// does not stop early.
	for i := 0; i <= 2*skew; i++ {
		off := int64((i + 1) / 2)
		if i%2 == 1 {
			off = -off
		}
		s := now + off
		if s < 0 {
			continue
		}
		want := hotp(secret, uint64(s), o)
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !ok {
			step, ok = s, true
		}
	}
	return step, ok
}

// URI returns the otpauth:// key URI that authenticator apps read from a QR
// code:
//
//	otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
//
// Issuer and account are percent-encoded as UTF-8 (spaces as %20), so
// Vietnamese names survive; pass them NFC-normalised, and without colons.
// The secret is base32 without padding. An empty issuer is left out. URI
// returns "" if opts are invalid or secret is empty.
func URI(secret []byte, issuer, account string, opts Options) string {
	o, err := opts.normalize()
	if err != nil || len(secret) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	if issuer != "" {
		b.WriteString(escape(issuer))
		b.WriteByte(':')
	}
	b.WriteString(escape(account))
	b.WriteString("?secret=")
	b.WriteString(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret))
	if issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(escape(issuer))
	}
	b.WriteString("&algorithm=")
	b.WriteString(algorithmName(o.Algorithm))
	b.WriteString("&digits=")
	b.WriteString(strconv.Itoa(o.Digits))
	b.WriteString("&period=")
	b.WriteString(strconv.FormatInt(int64(o.Period/time.Second), 10))
	return b.String()
}

// escape percent-encodes everything except RFC 3986 unreserved characters.
// It is stricter than url.PathEscape (which keeps ':' and '@') and, unlike
// url.QueryEscape, writes a space as %20, which every authenticator reads.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
