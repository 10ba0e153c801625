package failure_test

import (
	"errors"
	"testing"

	"github.com/vneid/vneid/internal/failure"
)

func TestUnexpected(t *testing.T) {
	if failure.Unexpected(nil) != nil {
		t.Error("Unexpected(nil) is not nil")
	}
	known := failure.New("otp_invalid", failure.Invalid, "Mã OTP không đúng.", "The one-time code is wrong.")
	if got := failure.Unexpected(known); got != known {
		t.Errorf("a failure was rewrapped: %v", got)
	}
	cause := errors.New("disk full")
	f := failure.As(failure.Unexpected(cause))
	if f == nil || f.Code != "internal" || f.Kind != failure.Internal || f.VI == "" || f.EN == "" || !errors.Is(f, cause) {
		t.Errorf("Unexpected(cause) = %+v", f)
	}
}
