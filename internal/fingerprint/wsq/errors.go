package wsq

import (
	"errors"
	"fmt"
)

// ErrFormat is wrapped by every error that reports a malformed WSQ file.
var ErrFormat = errors.New("wsq: invalid format")

// ErrUnsupported is wrapped by errors that report a valid but unsupported
// WSQ feature (restart intervals, even-length filter banks).
var ErrUnsupported = errors.New("wsq: unsupported feature")

// ErrImage is wrapped by errors that report an image or option the encoder
// cannot encode (empty or oversized image, bad bit rate, coefficient
// overflow).
var ErrImage = errors.New("wsq: image cannot be encoded")

// FormatError describes where a WSQ file is malformed or unsupported. It
// unwraps to [ErrFormat] or [ErrUnsupported], and to the underlying cause
// when there is one (io.ErrUnexpectedEOF for truncated data).
type FormatError struct {
	// Segment names the part of the file being read: "SOI", "SOF", "DTT",
	// "DQT", "DHT", "COM", "SOB", "marker", or "block N data".
	Segment string
	// Offset is the byte offset in the input at which the problem was found.
	Offset int64
	// Reason says what is wrong.
	Reason string

	unsupported bool
	cause       error
}

// Error implements error.
func (e *FormatError) Error() string {
	return fmt.Sprintf("wsq: %s at offset %d: %s", e.Segment, e.Offset, e.Reason)
}

// Unwrap returns the sentinel ([ErrFormat] or [ErrUnsupported]) and the
// cause, if any.
func (e *FormatError) Unwrap() []error {
	sentinel := ErrFormat
	if e.unsupported {
		sentinel = ErrUnsupported
	}
	if e.cause != nil {
		return []error{sentinel, e.cause}
	}
	return []error{sentinel}
}

func formatErr(segment string, off int64, format string, args ...any) error {
	return &FormatError{Segment: segment, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

func unsupportedErr(segment string, off int64, format string, args ...any) error {
	return &FormatError{Segment: segment, Offset: off, Reason: fmt.Sprintf(format, args...), unsupported: true}
}
