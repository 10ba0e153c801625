// Package registry provides the national population and ID-card database
// (CSDLQG về dân cư) as the source of truth for identities: its record types,
// the small interface the rest of the system reads it through, a synthetic
// population generator, and a streaming importer.
package registry

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/identity"
)

// ErrNotFound is returned when the registry holds no record for a personal ID
// number.
var ErrNotFound = errors.New("registry: citizen not found")

// Population is what the rest of the system needs from the population
// database: the current record of one citizen with their ID cards. The
// built-in store implements it; an adapter for a remote registry can too.
type Population interface {
	// Citizen returns the citizen with the 12-digit personal ID number id,
	// with all their ID cards, or an error wrapping ErrNotFound.
	Citizen(ctx context.Context, id string) (Citizen, error)
}

// Change is one entry of the population database's change feed: a citizen
// whose record changed (a new or revoked card, a death, a new name or
// address), with the cursor of the change.
type Change struct {
	Seq       int64     `json:"seq"`
	ID        string    `json:"id_number"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ChangeFeed is the population database's change feed (Decree 59 Art 10:
// changes flow into e-ID accounts).
type ChangeFeed interface {
	// CitizenChanges returns up to limit citizens changed after the cursor,
	// in cursor order; a citizen changed twice appears once, with the
	// latest cursor.
	CitizenChanges(ctx context.Context, after int64, limit int) ([]Change, error)
}

// Sink receives citizens from the generator and the importer. Upserting the
// same citizen twice leaves the same state as once.
type Sink interface {
	// UpsertCitizens inserts or replaces each citizen and upserts their
	// cards (keyed by citizen and issue date), all in one transaction.
	UpsertCitizens(ctx context.Context, citizens []Citizen) error
}

// LifeStatus says whether the citizen is alive.
type LifeStatus string

// The life statuses the registry records.
const (
	Alive    LifeStatus = "alive"
	Deceased LifeStatus = "deceased"
)

// Valid reports whether s is a known life status.
func (s LifeStatus) Valid() bool { return s == Alive || s == Deceased }

// CardStatus is the state of one ID card.
type CardStatus string

// The card statuses the registry records.
const (
	CardValid    CardStatus = "valid"
	CardLost     CardStatus = "lost"
	CardRevoked  CardStatus = "revoked"
	CardReplaced CardStatus = "replaced"
)

// Valid reports whether s is a known card status.
func (s CardStatus) Valid() bool {
	switch s {
	case CardValid, CardLost, CardRevoked, CardReplaced:
		return true
	}
	return false
}

// Address is a structured Vietnamese address. Commune, district and province
// are today's administrative units as written by the registry.
type Address struct {
	HouseNumber string `json:"house_number,omitempty"` // số nhà
	Street      string `json:"street,omitempty"`       // đường, phố
	Hamlet      string `json:"hamlet,omitempty"`       // thôn, ấp, tổ dân phố
	Commune     string `json:"commune,omitempty"`      // xã, phường, thị trấn
	District    string `json:"district,omitempty"`     // quận, huyện (absent after the 2025 reform)
	Province    string `json:"province,omitempty"`     // tỉnh, thành phố
}

// IsZero reports whether no part of the address is known.
func (a Address) IsZero() bool { return a == Address{} }

// String joins the known parts from the most to the least specific with ", ",
// the way the address is printed on a card.
func (a Address) String() string {
	parts := make([]string, 0, 6)
	for _, p := range []string{a.HouseNumber, a.Street, a.Hamlet, a.Commune, a.District, a.Province} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Citizen is one person's record in the population database.
type Citizen struct {
	ID               string          `json:"id_number"` // 12-digit personal ID number
	FullName         string          `json:"full_name"` // with diacritics, NFC
	DateOfBirth      identity.Date   `json:"date_of_birth"`
	Gender           identity.Gender `json:"gender"`
	Nationality      string          `json:"nationality,omitempty"`
	Ethnicity        string          `json:"ethnicity,omitempty"`
	Religion         string          `json:"religion,omitempty"`
	PlaceOfOrigin    string          `json:"place_of_origin,omitempty"` // quê quán
	PermanentAddress Address         `json:"permanent_address"`
	TemporaryAddress Address         `json:"temporary_address,omitzero"`
	LifeStatus       LifeStatus      `json:"life_status"`
	OldIDNumber      string          `json:"old_id_number,omitempty"` // 9-digit CMND
	Cards            []IDCard        `json:"cards,omitempty"`
	UpdatedAt        time.Time       `json:"updated_at,omitzero"`
}

// IDCard is one citizen identity card (CCCD) issued to a citizen.
type IDCard struct {
	Number     string        `json:"number"` // the card number: the personal ID number on a CCCD
	Chip       bool          `json:"chip"`
	IssueDate  identity.Date `json:"issue_date"`
	ExpiryDate identity.Date `json:"expiry_date,omitzero"` // zero: no expiry (issued at 60 or later)
	Status     CardStatus    `json:"status"`
}

// ValidOn reports whether the card may be used on day: its status is valid,
// it was issued by then and it has not expired.
func (c IDCard) ValidOn(day identity.Date) bool {
	if c.Status != CardValid || day.Before(c.IssueDate) {
		return false
	}
	return c.ExpiryDate.IsZero() || !day.After(c.ExpiryDate)
}

// CurrentCard returns the most recently issued card that is valid on day.
func (c Citizen) CurrentCard(day identity.Date) (IDCard, bool) {
	var best IDCard
	found := false
	for _, card := range c.Cards {
		if card.ValidOn(day) && (!found || card.IssueDate.After(best.IssueDate)) {
			best, found = card, true
		}
	}
	return best, found
}

// LatestCard returns the most recently issued card whatever its status.
func (c Citizen) LatestCard() (IDCard, bool) {
	var best IDCard
	found := false
	for _, card := range c.Cards {
		if !found || card.IssueDate.After(best.IssueDate) {
			best, found = card, true
		}
	}
	return best, found
}
