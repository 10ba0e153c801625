package wallet

import (
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sources"
)

// ClaimLabels names, in Vietnamese and English, every attribute a
// presentation can disclose, for verifiers' screens: "kind" and
// "kind.claim" keys name a document and one of its attributes, a bare
// "claim" key the attribute wherever it appears (and the fields inside
// composite values: a licence class, a clinic).
func ClaimLabels() map[string][2]string {
	out := map[string][2]string{
		KindEID: {"Thẻ căn cước điện tử", "Electronic identity card"},
		"class": {"Hạng", "Class"}, "code": {"Mã", "Code"}, "name": {"Tên", "Name"},
		"issued_on": {"Ngày cấp", "Issued on"}, "valid_until": {"Có giá trị đến", "Valid until"},
	}
	add := func(kind string, claims []Claim) {
		for _, c := range claims {
			l := [2]string{c.LabelVI, c.LabelEN}
			out[kind+"."+c.Name] = l
			if _, ok := out[c.Name]; !ok {
				out[c.Name] = l
			}
		}
	}
	d := func(s string) identity.Date { v, _ := identity.ParseDate(s); return v }
	cit := registry.Citizen{ID: "001190000001", FullName: "x", DateOfBirth: d("1990-01-01"), Gender: identity.Female,
		Nationality: "x", PlaceOfOrigin: "x", PermanentAddress: registry.Address{Province: "x"}}
	add(KindEID, eidClaims(cit, 2))
	add(KindEID, []Claim{
		{"card_number", "", "Số thẻ căn cước", "Card number"},
		{"card_issued_on", "", "Ngày cấp", "Date of issue"},
		{"card_valid_until", "", "Có giá trị đến", "Valid until"},
	})
	points := 12
	samples := []sources.Document{
		{Kind: sources.HealthInsurance, HealthInsurance: &sources.HealthInsuranceCard{BeneficiaryGroup: "x", BenefitLevel: 1,
			BHXHCode: "x", Clinic: sources.Clinic{Code: "x", Name: "x"}, ValidFrom: d("2020-01-01"), FiveYearsFrom: d("2020-01-01"), Area: "x"}},
		{Kind: sources.DrivingLicence, DrivingLicence: &sources.Licence{Points: &points}},
		{Kind: sources.VehicleRegistration, Vehicle: &sources.Vehicle{Type: "x", Brand: "x", Model: "x", Colour: "x", VIN: "x",
			EngineNumber: "x", Seats: 1, EngineCapacityCC: 1, ManufactureYear: 1, RegisteredOn: d("2020-01-01")}},
		{Kind: sources.TaxCode, Tax: &sources.TaxRegistration{Office: "x", RegisteredOn: d("2020-01-01")}},
	}
	for _, s := range samples {
		s.DateOfBirth, s.IssuedOn, s.ValidUntil, s.Issuer = d("2000-01-01"), d("2020-01-01"), d("2030-01-01"), "x"
		vi, en := s.Kind.Label()
		out[string(s.Kind)] = [2]string{vi, en}
		var claims []Claim
		for _, c := range s.Claims() {
			claims = append(claims, Claim{Name: c.Name, LabelVI: c.LabelVI, LabelEN: c.LabelEN})
		}
		add(string(s.Kind), claims)
	}
	return out
}
