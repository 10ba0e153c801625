package store

import (
	"context"
	"time"

	"github.com/vneid/vneid/internal/adminunit"
)

// PoliceUnitLevel is the tier of a police unit.
type PoliceUnitLevel string

// Police unit tiers, from the top.
const (
	PoliceMinistry PoliceUnitLevel = "ministry" // Bộ Công an (C06): nationwide
	PoliceProvince PoliceUnitLevel = "province" // Công an tỉnh, thành phố
	PoliceDistrict PoliceUnitLevel = "district" // Công an quận, huyện (until 2025)
	PoliceCommune  PoliceUnitLevel = "commune"  // Công an xã, phường, thị trấn
)

// PoliceUnit is a police office, attached to the administrative unit whose
// area it serves. Its officers act within that area.
type PoliceUnit struct {
	ID    string // e.g. "CA-01", "CA-01-001"
	Name  string // "Công an quận Ba Đình"
	Level PoliceUnitLevel
	// Area is the administrative unit code the unit serves; "" for the
	// ministry (nationwide).
	Area string
	// Parent is the police unit above ("" for the ministry).
	Parent    string
	State     string // "active" or "closed"
	CreatedAt time.Time
	UpdatedAt time.Time
}

// UnitQueries keeps the administrative hierarchy and the police units.
type UnitQueries interface {
	// PutAdminUnits inserts or replaces administrative units by code.
	PutAdminUnits(ctx context.Context, units []adminunit.Unit) error
	// ListAdminUnits returns every administrative unit, higher tiers (shorter
	// codes) first, then by code.
	ListAdminUnits(ctx context.Context) ([]adminunit.Unit, error)
	// PutPoliceUnit inserts or replaces a police unit.
	PutPoliceUnit(ctx context.Context, u PoliceUnit) error
	// PoliceUnit returns a police unit by ID.
	PoliceUnit(ctx context.Context, id string) (PoliceUnit, error)
	// ListPoliceUnits returns every police unit, by ID.
	ListPoliceUnits(ctx context.Context) ([]PoliceUnit, error)
}

// FingerprintTemplate is one finger's minutiae template in the ID-card
// database, sealed at rest.
type FingerprintTemplate struct {
	IDNumber  string
	Position  int    // ISO/IEC 19794-2 finger position (1–10)
	Format    string // "iso19794-2:2005", "iso19794-2:2011"
	Data      []byte // sealed
	UpdatedAt time.Time
}

// FingerprintQueries keeps the ID-card database's fingerprint templates.
type FingerprintQueries interface {
	// PutFingerprintTemplate stores (or replaces) one finger's template.
	PutFingerprintTemplate(ctx context.Context, t FingerprintTemplate) error
	// FingerprintTemplates returns a citizen's templates by position.
	FingerprintTemplates(ctx context.Context, idNumber string) ([]FingerprintTemplate, error)
}
