// Package failure provides the errors that users see: each has a stable
// machine code, a kind that says what went wrong (which the HTTP layer maps
// to a status), and a message in Vietnamese and English. Domain packages
// return them; only the HTTP layer turns them into RFC 9457 problems.
package failure

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a failure independently of any transport.
type Kind int

// The kinds of failure.
const (
	Internal        Kind = iota // something broke on our side
	Invalid                     // the request is malformed or a value is not acceptable
	NotFound                    // the thing asked for does not exist
	Conflict                    // the request clashes with the current state
	Unauthenticated             // who is asking could not be established
	Forbidden                   // the caller may not do this
	RateLimited                 // too many attempts; try again later
	Gone                        // the thing existed but has expired
	Unavailable                 // a dependency is down; try again later
	Unsupported                 // the operation does not exist on this resource
)

// Error is a user-facing failure.
type Error struct {
	Code string // stable, snake_case, documented in api/openapi.yaml
	Kind Kind
	VI   string // Vietnamese message
	EN   string // English message
	// Fields names the input fields at fault, if any.
	Fields []string
	// Reason, if set, is a stable sub-code saying which check failed
	// (e.g. "dg_hash_mismatch" under "chip_refused").
	Reason string
	// RetryAfter, when positive, tells the client when trying again can succeed.
	RetryAfter time.Duration
	// Cause is the underlying error, never shown to the user.
	Cause error
}

// New returns a failure with a code, kind and the two messages.
func New(code string, kind Kind, vi, en string) *Error {
	return &Error{Code: code, Kind: kind, VI: vi, EN: en}
}

// Error returns the English message with the code.
func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.EN, e.Cause)
	}
	return e.Code + ": " + e.EN
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is matches any *Error with the same code, so that errors.Is(err, ErrX)
// works on copies made by With methods.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// WithFields returns a copy naming the fields at fault.
func (e *Error) WithFields(fields ...string) *Error {
	c := *e
	c.Fields = append([]string(nil), fields...)
	return &c
}

// WithCause returns a copy carrying the underlying cause.
func (e *Error) WithCause(err error) *Error {
	c := *e
	c.Cause = err
	return &c
}

// WithReason returns a copy carrying a stable sub-code.
func (e *Error) WithReason(reason string) *Error {
	c := *e
	c.Reason = reason
	return &c
}

// WithRetryAfter returns a copy that tells the client when to retry.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// WithDetail returns a copy whose messages carry an extra detail in each
// language.
func (e *Error) WithDetail(vi, en string) *Error {
	c := *e
	c.VI = e.VI + " " + vi
	c.EN = e.EN + " " + en
	return &c
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Unexpected wraps an error no user can act on as the "internal" failure,
// keeping it as the cause for the logs; a *Error (or nil) is returned as it
// is.
func Unexpected(err error) error {
	if err == nil || As(err) != nil {
		return err
	}
	return New("internal", Internal, "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.",
		"Something went wrong on our side. Please try again later.").WithCause(err)
}
