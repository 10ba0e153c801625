package cccd

import "github.com/vneid/vneid/internal/registry"

// FromCard returns the QR code printed on card, as the card-issuing system
// would print it from the citizen's record (the standard 7-field form). The
// test kit, the demo tools and tests use it; it is no proof of anything.
func FromCard(c registry.Citizen, card registry.IDCard) QR {
	return QR{
		IDNumber: c.ID, OldIDNumber: c.OldIDNumber, FullName: c.FullName, DateOfBirth: c.DateOfBirth,
		Gender: c.Gender, Address: c.PermanentAddress.String(), IssueDate: card.IssueDate, Variant: VariantStandard,
	}
}
