// Package sources provides the source registries of the documents a level-2
// citizen can integrate into their VNeID wallet — health insurance cards
// (BHYT), driving licences (GPLX), vehicle registrations and tax codes
// (MST): the document types and their number formats, the small interface
// the wallet reads a registry through, an in-memory registry, an HTTP
// adapter for a remote registry with the handler that serves the same
// protocol, a deterministic generator of realistic documents and a
// streaming importer and exporter.
package sources

import (
	"context"
	"errors"
	"time"

	"github.com/vneid/vneid/internal/identity"
)

// Errors callers tell apart with errors.Is.
var (
	// ErrNotFound: the registry holds no such document.
	ErrNotFound = errors.New("sources: document not found")
	// ErrUnavailable: the registry could not be reached or did not answer
	// (network error, time-out, 5xx, 429). Callers retry later.
	ErrUnavailable = errors.New("sources: registry unavailable")
	// ErrInvalid: a document, a number, a request parameter or a response
	// is malformed or inconsistent.
	ErrInvalid = errors.New("sources: invalid")
)

// Kind is the type of a document held by a source registry.
type Kind string

// The document kinds.
const (
	// HealthInsurance is the health insurance card (thẻ bảo hiểm y tế,
	// BHYT) held by Vietnam Social Security (Bảo hiểm xã hội Việt Nam).
	HealthInsurance Kind = "health_insurance"
	// DrivingLicence is the driving licence (giấy phép lái xe, GPLX).
	DrivingLicence Kind = "driving_licence"
	// VehicleRegistration is the vehicle registration certificate (giấy
	// chứng nhận đăng ký xe) held by the traffic police.
	VehicleRegistration Kind = "vehicle_registration"
	// TaxCode is an individual's tax registration (mã số thuế, MST).
	TaxCode Kind = "tax_code"
)

// Kinds returns every kind in a fixed order: health insurance, driving
// licence, vehicle registration, tax code.
func Kinds() []Kind {
	return []Kind{HealthInsurance, DrivingLicence, VehicleRegistration, TaxCode}
}

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool {
	switch k {
	case HealthInsurance, DrivingLicence, VehicleRegistration, TaxCode:
		return true
	}
	return false
}

// Label returns the name of the kind in Vietnamese and English, or two empty
// strings for an unknown kind.
func (k Kind) Label() (vi, en string) {
	switch k {
	case HealthInsurance:
		return "Thẻ bảo hiểm y tế", "Health insurance card"
	case DrivingLicence:
		return "Giấy phép lái xe", "Driving licence"
	case VehicleRegistration:
		return "Giấy đăng ký xe", "Vehicle registration"
	case TaxCode:
		return "Mã số thuế", "Tax code"
	}
	return "", ""
}

// Status is the state of a document at its source.
type Status string

// The statuses a source reports.
const (
	// StatusValid: the document is in force (it may still have passed its
	// ValidUntil date; see Document.ValidOn).
	StatusValid Status = "valid"
	// StatusExpired: the document has passed its validity and was not
	// renewed.
	StatusExpired Status = "expired"
	// StatusSuspended: the document is temporarily not in force, such as a
	// driving licence whose use is withdrawn (tước quyền sử dụng).
	StatusSuspended Status = "suspended"
	// StatusRevoked: the document was withdrawn for good (thu hồi), such as
	// at the holder's death or when a vehicle is sold.
	StatusRevoked Status = "revoked"
	// StatusReplaced: a newer document replaces this one.
	StatusReplaced Status = "replaced"
)

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusValid, StatusExpired, StatusSuspended, StatusRevoked, StatusReplaced:
		return true
	}
	return false
}

// Label returns the status in Vietnamese and English, or two empty strings
// for an unknown status.
func (s Status) Label() (vi, en string) {
	switch s {
	case StatusValid:
		return "Còn hiệu lực", "Valid"
	case StatusExpired:
		return "Hết hạn", "Expired"
	case StatusSuspended:
		return "Tạm đình chỉ", "Suspended"
	case StatusRevoked:
		return "Đã thu hồi", "Revoked"
	case StatusReplaced:
		return "Đã được thay thế", "Replaced"
	}
	return "", ""
}

// Document is one document as its source registry holds it. The common
// fields identify the document and its holder; exactly one of the per-kind
// fields, the one of Kind, holds what is particular to the kind.
//
// Documents are compared and stored in the canonical form Normalize gives
// them; Validate checks that form and the consistency of every field.
type Document struct {
	// Kind says which registry holds the document.
	Kind Kind `json:"kind"`
	// Number identifies the document within its kind: the 15-character
	// BHYT card code, the 12-digit GPLX number, the plate number or the
	// tax code. The registry keys documents by kind and number.
	Number string `json:"number"`
	// HolderID is the holder's 12-digit personal ID number. A vehicle is
	// registered to its holder, its owner.
	HolderID string `json:"holder_id"`
	// HolderName is the holder's full name as the source holds it, NFC,
	// with diacritics.
	HolderName string `json:"holder_name"`
	// DateOfBirth is the holder's date of birth as the source holds it.
	DateOfBirth identity.Date `json:"date_of_birth"`
	// Status is the document's state at its source.
	Status Status `json:"status"`
	// IssuedOn is the day the document was issued (ngày cấp).
	IssuedOn identity.Date `json:"issued_on"`
	// ValidUntil is the last day the document is valid; zero means it does
	// not expire. For a health insurance card it is the end of the card's
	// validity (giá trị sử dụng đến ngày); for a driving licence the latest
	// expiry of its classes, zero when one of them never expires.
	ValidUntil identity.Date `json:"valid_until,omitzero"`
	// Issuer is the issuing body, in Vietnamese.
	Issuer string `json:"issuer"`

	// HealthInsurance is set for Kind HealthInsurance only.
	HealthInsurance *HealthInsuranceCard `json:"health_insurance,omitempty"`
	// DrivingLicence is set for Kind DrivingLicence only.
	DrivingLicence *Licence `json:"driving_licence,omitempty"`
	// Vehicle is set for Kind VehicleRegistration only.
	Vehicle *Vehicle `json:"vehicle,omitempty"`
	// Tax is set for Kind TaxCode only.
	Tax *TaxRegistration `json:"tax,omitempty"`

	// UpdatedAt is when the source last changed the document; zero if
	// unknown.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// ValidOn reports whether the document may be relied on on day: its status
// is valid, it was issued (and a health insurance card's validity began) by
// then, and day is not after ValidUntil.
func (d Document) ValidOn(day identity.Date) bool {
	if d.Status != StatusValid || day.Before(d.IssuedOn) {
		return false
	}
	if h := d.HealthInsurance; h != nil && day.Before(h.ValidFrom) {
		return false
	}
	return d.ValidUntil.IsZero() || !day.After(d.ValidUntil)
}

// Key identifies a document within a registry: its kind and number.
type Key struct {
	Kind   Kind   // the document's kind
	Number string // its number in canonical form
}

// Key returns the key of d.
func (d Document) Key() Key { return Key{d.Kind, d.Number} }

// Source is what the wallet needs from a document registry. The built-in
// store, Memory and the HTTP adapter implement it.
type Source interface {
	// Documents returns the holder's documents of kind (any status),
	// newest first; an empty slice if there are none.
	Documents(ctx context.Context, kind Kind, holderID string) ([]Document, error)
	// Document returns one document by kind and number, or an error
	// wrapping ErrNotFound.
	Document(ctx context.Context, kind Kind, number string) (Document, error)
	// Changes returns up to limit documents changed after the cursor,
	// in cursor order, each with its cursor. A document changed several
	// times appears once, with its latest cursor.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
}

// Change is one entry of a registry's change feed.
type Change struct {
	// Seq is the change cursor: strictly increasing in the feed.
	Seq int64 `json:"seq"`
	// Document is the document as it is after the change.
	Document Document `json:"document"`
}

// Sink receives documents from the generator and the importer. Upserting
// the same documents twice leaves the same state as once; documents are
// keyed by kind and number.
type Sink interface {
	// UpsertDocuments inserts or replaces each document.
	UpsertDocuments(ctx context.Context, docs []Document) error
}

// FieldError says which field of a document is wrong and why. It wraps
// ErrInvalid. Field uses the JSON names with a path for nested values:
// "holder_id", "health_insurance.clinic.code",
// "driving_licence.classes[1].valid_until".
type FieldError struct {
	Field string
	Err   error
}

// Error returns "field: reason".
func (e *FieldError) Error() string {
	msg := "invalid"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Field == "" {
		return msg
	}
	return e.Field + ": " + msg
}

// Unwrap returns ErrInvalid and the reason.
func (e *FieldError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInvalid}
	}
	return []error{ErrInvalid, e.Err}
}

// fieldErr returns a *FieldError for field with reason.
func fieldErr(field string, reason string) *FieldError {
	return &FieldError{Field: field, Err: errors.New(reason)}
}

// prefixed returns err with its field put under prefix.
func prefixed(prefix string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		f := prefix
		if fe.Field != "" {
			f = prefix + "." + fe.Field
		}
		return &FieldError{Field: f, Err: fe.Err}
	}
	return &FieldError{Field: prefix, Err: err}
}
