package registry

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/identity"
)

// validCitizen returns a citizen that passes Normalize on testToday.
func validCitizen() Citizen {
	return Citizen{
		ID:          "001088012345",
		FullName:    "Nguyễn Văn An",
		DateOfBirth: identity.Date{Year: 1988, Month: time.March, Day: 15},
		Gender:      identity.Male,
		Nationality: "Việt Nam",
		PermanentAddress: Address{
			HouseNumber: "Số 12", Street: "Phố Hàng Bạc", Commune: "Phường Hàng Đào",
			District: "Quận Hoàn Kiếm", Province: "Thành phố Hà Nội",
		},
		LifeStatus: Alive,
		Cards: []IDCard{{
			Number: "001088012345", Chip: true,
			IssueDate:  identity.Date{Year: 2021, Month: time.June, Day: 10},
			ExpiryDate: identity.Date{Year: 2028, Month: time.March, Day: 15},
			Status:     CardValid,
		}},
	}
}

func TestNormalizeCleansText(t *testing.T) {
	c := validCitizen()
	c.ID = " 001088012345 "
	c.FullName = "  Nguye\u0302\u0303n   Va\u0306n\tAn " // decomposed, as some phones send it
	c.PermanentAddress.Street = "Phố  Hàng\u00a0Bạc"
	c.Gender = "Nam"
	c.LifeStatus = ""
	c.Cards[0].Status = " VALID"
	if err := Normalize(&c, testToday); err != nil {
		t.Fatal(err)
	}
	want := validCitizen()
	if c.ID != want.ID || c.FullName != want.FullName || c.PermanentAddress != want.PermanentAddress ||
		c.Gender != identity.Male || c.LifeStatus != Alive || c.Cards[0].Status != CardValid {
		t.Errorf("Normalize gave %+v", c)
	}
}

func TestNormalizeRejects(t *testing.T) {
	d := func(y, m, day int) identity.Date { return identity.Date{Year: y, Month: time.Month(m), Day: day} }
	tests := []struct {
		field  string
		mutate func(c *Citizen)
	}{
		{"id_number", func(c *Citizen) { c.ID = "" }},
		{"id_number", func(c *Citizen) { c.ID = "00108801234" }},
		{"id_number", func(c *Citizen) { c.ID = "00108801234x" }},
		{"full_name", func(c *Citizen) { c.FullName = " \t " }},
		{"full_name", func(c *Citizen) { c.FullName = "Nguyễn Văn 4n" }},
		{"full_name", func(c *Citizen) { c.FullName = "Nguyễn\x00Văn An" }},
		{"full_name", func(c *Citizen) { c.FullName = "Nguy\xffn" }},
		{"full_name", func(c *Citizen) { c.FullName = strings.Repeat("A", 201) }},
		{"date_of_birth", func(c *Citizen) { c.DateOfBirth = identity.Date{} }},
		{"date_of_birth", func(c *Citizen) { c.DateOfBirth = d(2026, 3, 2) }},
		{"date_of_birth", func(c *Citizen) { c.DateOfBirth = d(1899, 12, 31) }},
		{"gender", func(c *Citizen) { c.Gender = "" }},
		{"gender", func(c *Citizen) { c.Gender = "x" }},
		{"life_status", func(c *Citizen) { c.LifeStatus = "missing" }},
		{"old_id_number", func(c *Citizen) { c.OldIDNumber = "12345" }},
		{"permanent_address.street", func(c *Citizen) { c.PermanentAddress.Street = "a\u200bb" }},
		{"temporary_address.province", func(c *Citizen) { c.TemporaryAddress.Province = "\x1b[31m" }},
		{"cards[0].number", func(c *Citizen) { c.Cards[0].Number = "1234" }},
		{"cards[0].issue_date", func(c *Citizen) { c.Cards[0].IssueDate = identity.Date{} }},
		{"cards[0].issue_date", func(c *Citizen) { c.Cards[0].IssueDate = d(1980, 1, 1) }},
		{"cards[0].issue_date", func(c *Citizen) { c.Cards[0].IssueDate = d(2027, 1, 1) }},
		{"cards[0].expiry_date", func(c *Citizen) { c.Cards[0].ExpiryDate = c.Cards[0].IssueDate }},
		{"cards[0].status", func(c *Citizen) { c.Cards[0].Status = "stolen" }},
		{"cards[1].issue_date", func(c *Citizen) { c.Cards = append(c.Cards, c.Cards[0]) }},
	}
	for _, tt := range tests {
		c := validCitizen()
		tt.mutate(&c)
		err := Normalize(&c, testToday)
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: got %v, want a *FieldError", tt.field, err)
			continue
		}
		if fe.Field != tt.field || fe.Reason == "" {
			t.Errorf("got field %q (%q), want %q", fe.Field, fe.Reason, tt.field)
		}
	}
}

func TestNormalizeAccepts(t *testing.T) {
	tests := map[string]func(c *Citizen){
		"no cards":           func(c *Citizen) { c.Cards = nil },
		"no expiry":          func(c *Citizen) { c.Cards[0].ExpiryDate = identity.Date{} },
		"CMND card":          func(c *Citizen) { c.Cards[0].Number = "012345678"; c.Cards[0].Chip = false },
		"12-digit CMND":      func(c *Citizen) { c.OldIDNumber = "012345678901" },
		"born today":         func(c *Citizen) { c.DateOfBirth = testToday; c.Cards = nil },
		"female in Vietnam":  func(c *Citizen) { c.Gender = "Nữ" },
		"apostrophe in name": func(c *Citizen) { c.FullName = "Ksor H'Nhi" },
	}
	for name, mutate := range tests {
		c := validCitizen()
		mutate(&c)
		if err := Normalize(&c, testToday); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
