// Package cccd parses the QR code printed on the back of Vietnamese chip ID
// cards.
//
// The QR code is UTF-8 text with fields separated by "|":
//
//	ID(12)|old CMND (9, may be empty)|full name|date of birth|Nam or Nữ|permanent address|issue date
//
// It is not signed: it is a convenience for filling forms and a cross-check
// against the chip and the population database, never proof of identity.
package cccd

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vneid/vneid/internal/identity"
	"golang.org/x/text/unicode/norm"
)

// MaxPayloadLen is the largest payload, in bytes, that Parse accepts.
const MaxPayloadLen = 1024

// Variant is the layout a QR payload was found in.
type Variant string

// The layouts seen in the wild. Dates may be ddMMyyyy or dd/MM/yyyy in any of
// them.
const (
	// VariantStandard is the 7-field form with the old CMND number (possibly
	// empty) and ddMMyyyy dates.
	VariantStandard Variant = "standard"
	// VariantExtraFields is the 7-field form followed by more fields, usually
	// empty, printed on newer cards; their meaning is unconfirmed and they are
	// kept in QR.Extra.
	VariantExtraFields Variant = "extra_fields"
	// VariantNoOldID is the 6-field form without the old CMND field, with
	// dd/MM/yyyy dates, exported by some apps.
	VariantNoOldID Variant = "no_old_id"
)

// Field names used in FieldError.Field. They are stable and may be shown to
// API clients.
const (
	FieldPayload          = "payload"
	FieldIDNumber         = "id_number"
	FieldOldIDNumber      = "old_id_number"
	FieldFullName         = "full_name"
	FieldDateOfBirth      = "date_of_birth"
	FieldGender           = "gender"
	FieldPermanentAddress = "permanent_address"
	FieldIssueDate        = "issue_date"
)

// ErrMalformed is matched (with errors.Is) by every error Parse returns.
var ErrMalformed = errors.New("malformed CCCD QR payload")

// FieldError reports which field of a QR payload is wrong and why.
type FieldError struct {
	// Field is one of the Field* names.
	Field string
	// Reason says what is wrong, without repeating the personal data.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

// Error returns "cccd qr: <field>: <reason>[: <underlying error>]".
func (e *FieldError) Error() string {
	msg := "cccd qr: " + e.Field + ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns ErrMalformed and the underlying error, so that both
// errors.Is(err, ErrMalformed) and matches on the cause work.
func (e *FieldError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrMalformed}
	}
	return []error{ErrMalformed, e.Err}
}

func fieldErr(field, reason string, err error) error {
	return &FieldError{Field: field, Reason: reason, Err: err}
}

// QR is the content of a CCCD QR code.
type QR struct {
	// IDNumber is the 12-digit personal ID number.
	IDNumber string
	// OldIDNumber is the number of the holder's previous card (CMND, 9 digits,
	// or 12 digits on some cards), or "".
	OldIDNumber string
	// FullName is NFC with whitespace collapsed.
	FullName string
	// DateOfBirth is the holder's date of birth.
	DateOfBirth identity.Date
	// Gender is the holder's sex.
	Gender identity.Gender
	// Address is the permanent address, NFC with whitespace collapsed.
	Address string
	// IssueDate is the card's issue date, not before DateOfBirth.
	IssueDate identity.Date
	// Variant is the layout the payload was in.
	Variant Variant
	// Extra holds the fields after the seventh in VariantExtraFields.
	Extra []string
}

// Parse parses and validates a QR payload of at most MaxPayloadLen bytes of
// UTF-8. A leading byte-order mark and surrounding whitespace are ignored.
// Fields must not contain control or invisible format characters; the ID
// number must be 12 digits, the old ID number empty or 9 (or 12) digits, the
// name non-empty with letters and no digits, the dates ddMMyyyy or
// dd/MM/yyyy with the date of birth not after the issue date, the gender Nam
// or Nữ and the address non-empty. Every error is a *FieldError that matches
// ErrMalformed.
func Parse(payload string) (QR, error) {
	if len(payload) > MaxPayloadLen {
		return QR{}, fieldErr(FieldPayload, fmt.Sprintf("%d bytes, want at most %d", len(payload), MaxPayloadLen), nil)
	}
	if !utf8.ValidString(payload) {
		return QR{}, fieldErr(FieldPayload, "not valid UTF-8", nil)
	}
	payload = strings.TrimSpace(payload)
	payload = strings.TrimPrefix(payload, "\uFEFF")
	payload = strings.TrimSpace(payload)
	if payload == "" {
		return QR{}, fieldErr(FieldPayload, "empty", nil)
	}
	fields := strings.Split(payload, "|")

	var q QR
	switch n := len(fields); {
	case n == 6:
		q.Variant = VariantNoOldID
		fields = []string{fields[0], "", fields[1], fields[2], fields[3], fields[4], fields[5]}
	case n == 7:
		q.Variant = VariantStandard
	case n > 7:
		q.Variant = VariantExtraFields
		q.Extra = fields[7:]
		fields = fields[:7]
	default:
		return QR{}, fieldErr(FieldPayload, fmt.Sprintf("%d fields separated by |, want 6 or at least 7", n), nil)
	}
	names := [7]string{FieldIDNumber, FieldOldIDNumber, FieldFullName, FieldDateOfBirth, FieldGender, FieldPermanentAddress, FieldIssueDate}
	for i, f := range fields {
		if hasControl(f) {
			return QR{}, fieldErr(names[i], "contains a control character", nil)
		}
	}
	for i, f := range q.Extra {
		if hasControl(f) {
			return QR{}, fieldErr(FieldPayload, fmt.Sprintf("extra field %d contains a control character", 8+i), nil)
		}
	}

	q.IDNumber = fields[0]
	if err := identity.ValidatePersonalID(q.IDNumber); err != nil {
		return QR{}, fieldErr(FieldIDNumber, "invalid personal ID number", err)
	}

	q.OldIDNumber = fields[1]
	if q.OldIDNumber != "" && !isDigits(q.OldIDNumber, 9) && !isDigits(q.OldIDNumber, 12) {
		return QR{}, fieldErr(FieldOldIDNumber, "want empty, 9 or 12 ASCII digits", nil)
	}

	q.FullName = identity.NormalizeName(fields[2])
	if q.FullName == "" {
		return QR{}, fieldErr(FieldFullName, "empty", nil)
	}
	if reason := checkName(q.FullName); reason != "" {
		return QR{}, fieldErr(FieldFullName, reason, nil)
	}

	dob, err := identity.ParseDateDMY(fields[3])
	if err != nil {
		return QR{}, fieldErr(FieldDateOfBirth, "invalid date", err)
	}
	q.DateOfBirth = dob

	switch strings.ToLower(norm.NFC.String(fields[4])) {
	case "nam":
		q.Gender = identity.Male
	case "nữ":
		q.Gender = identity.Female
	default:
		return QR{}, fieldErr(FieldGender, "want Nam or Nữ", nil)
	}

	q.Address = identity.NormalizeName(fields[5])
	if q.Address == "" {
		return QR{}, fieldErr(FieldPermanentAddress, "empty", nil)
	}

	issued, err := identity.ParseDateDMY(fields[6])
	if err != nil {
		return QR{}, fieldErr(FieldIssueDate, "invalid date", err)
	}
	if issued.Before(dob) {
		return QR{}, fieldErr(FieldIssueDate, "before the date of birth", nil)
	}
	q.IssueDate = issued
	return q, nil
}

// String renders q in the canonical 7-field form with ddMMyyyy dates, as
// printed on cards. Variant and Extra are not rendered.
func (q QR) String() string {
	return strings.Join([]string{
		q.IDNumber,
		q.OldIDNumber,
		q.FullName,
		formatDate(q.DateOfBirth),
		q.Gender.VI(),
		q.Address,
		formatDate(q.IssueDate),
	}, "|")
}

// formatDate formats d as ddMMyyyy, or "" for the zero date.
func formatDate(d identity.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d%02d%04d", d.Day, int(d.Month), d.Year)
}

// hasControl reports whether s contains a control (Cc) or invisible format
// (Cf: byte-order marks, bidirectional overrides, zero-width characters)
// character.
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return true
		}
	}
	return false
}

// checkName returns why name cannot be a person's name, or "". Names on
// cards contain letters and never digits; a digit usually means the fields
// are shifted (an old ID number where the name should be).
func checkName(name string) string {
	letter := false
	for _, r := range name {
		switch {
		case unicode.IsNumber(r):
			return "contains a digit"
		case unicode.IsLetter(r):
			letter = true
		}
	}
	if !letter {
		return "contains no letter"
	}
	return ""
}

// isDigits reports whether s is exactly n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
