package registry

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/vneid/vneid/internal/identity"
)

// testToday is the day the tests generate populations for.
var testToday = identity.Date{Year: 2026, Month: time.March, Day: 1}

func generate(t testing.TB, seed uint64, n int) []Citizen {
	t.Helper()
	out := make([]Citizen, 0, n)
	g := Generator{Seed: seed, Today: testToday}
	if err := g.Generate(context.Background(), n, func(c Citizen) error {
		out = append(out, c)
		return nil
	}); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return out
}

func TestGenerateDeterministic(t *testing.T) {
	a := generate(t, 42, 3000)
	b := generate(t, 42, 3000)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs with the same seed differ")
	}
	if prefix := generate(t, 42, 1000); !reflect.DeepEqual(prefix, a[:1000]) {
		t.Error("a shorter run is not a prefix of a longer one")
	}
	c := generate(t, 43, 3000)
	same := 0
	for i := range a {
		if a[i].ID == c[i].ID {
			same++
		}
	}
	if same > 10 {
		t.Errorf("seeds 42 and 43 share %d of 3000 ID numbers", same)
	}
}

func TestGenerateStopsOnEmitErrorAndCancel(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Generator{Seed: 1, Today: testToday}.Generate(context.Background(), 100, func(Citizen) error {
		n++
		if n == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 5 {
		t.Errorf("emit error: got %v after %d citizens, want stop after 5", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = Generator{Seed: 1, Today: testToday}.Generate(ctx, 100_000, func(Citizen) error {
		n++
		if n == 300 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n >= 1000 {
		t.Errorf("cancel: got %v after %d citizens", err, n)
	}
}

// populationStats are counted over a generated population.
type populationStats struct {
	total, nguyen, under14, under14Card, deceased, adults, adultsChipValid int
	temporary, minority, replaced, lostOrRevoked, nonChip, expiredOnly     int
	cmnd, twoMiddle                                                        int
	provinces                                                              map[string]int
}

// TestGeneratedPopulation checks, on a large population, that ID numbers are
// unique and consistent, that every citizen is in Normalize's canonical form,
// that cards follow the expiry rule, and that the distributions are sane.
func TestGeneratedPopulation(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	seen := make(map[string]struct{}, n)
	st := populationStats{provinces: make(map[string]int)}
	g := Generator{Seed: 2026, Today: testToday}
	failures := 0
	fail := func(format string, args ...any) {
		t.Helper()
		if failures++; failures <= 20 {
			t.Errorf(format, args...)
		}
	}
	err := g.Generate(context.Background(), n, func(c Citizen) error {
		if _, dup := seen[c.ID]; dup {
			fail("duplicate ID %s", c.ID)
		}
		seen[c.ID] = struct{}{}
		if w := identity.CheckPersonalID(c.ID, c.DateOfBirth, c.Gender); len(w) > 0 {
			fail("%s: CheckPersonalID warnings %v", c.ID, w)
		}
		norm := c
		norm.Cards = slices.Clone(c.Cards)
		if err := Normalize(&norm, testToday); err != nil {
			fail("%s: Normalize: %v", c.ID, err)
		} else if !reflect.DeepEqual(norm, c) {
			fail("%s: Normalize changed the citizen:\n%+v\n%+v", c.ID, c, norm)
		}
		checkTexts(t, c, fail)
		checkCards(c, fail)
		st.count(c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	share := func(k, of int) float64 { return float64(k) / float64(of) }
	checks := []struct {
		name     string
		got      float64
		min, max float64
	}{
		{"Nguyễn among all", share(st.nguyen, st.total), 0.30, 0.46},
		{"under 14 among all", share(st.under14, st.total), 0.15, 0.30},
		{"cards among under 14", share(st.under14Card, st.under14), 0, 0.10},
		{"deceased among all", share(st.deceased, st.total), 0.002, 0.015},
		{"valid chip card among living adults", share(st.adultsChipValid, st.adults), 0.80, 0.95},
		{"temporary address among all", share(st.temporary, st.total), 0.10, 0.20},
		{"ethnic minorities among all", share(st.minority, st.total), 0.08, 0.22},
		{"CMND numbers among adults", share(st.cmnd, st.adults), 0.40, 0.90},
		{"two middle names among all", share(st.twoMiddle, st.total), 0.05, 0.25},
		{"lost or revoked cards among adults", share(st.lostOrRevoked, st.adults), 0.01, 0.10},
		{"non-chip cards among adults", share(st.nonChip, st.adults), 0.01, 0.20},
		{"only an expired card among adults", share(st.expiredOnly, st.adults), 0.01, 0.08},
		{"replaced cards among adults", share(st.replaced, st.adults), 0.10, 0.60},
	}
	for _, c := range checks {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s: %.3f, want %.2f..%.2f", c.name, c.got, c.min, c.max)
		} else {
			t.Logf("%s: %.3f", c.name, c.got)
		}
	}
	if len(st.provinces) != len(identity.Provinces()) {
		t.Errorf("%d birth provinces in use, want all %d", len(st.provinces), len(identity.Provinces()))
	}
	if st.provinces["079"] <= st.provinces["006"]*5 {
		t.Errorf("Hồ Chí Minh City (%d births) should far outweigh Bắc Kạn (%d)", st.provinces["079"], st.provinces["006"])
	}
}

func (st *populationStats) count(c Citizen) {
	st.total++
	st.provinces[c.ID[:3]]++
	if strings.HasPrefix(c.FullName, "Nguyễn ") {
		st.nguyen++
	}
	if len(strings.Fields(c.FullName)) >= 4 {
		st.twoMiddle++
	}
	if !c.TemporaryAddress.IsZero() {
		st.temporary++
	}
	if c.Ethnicity != "Kinh" {
		st.minority++
	}
	if c.LifeStatus == Deceased {
		st.deceased++
	}
	age := c.DateOfBirth.AgeOn(testToday)
	if age < 14 {
		st.under14++
		if len(c.Cards) > 0 {
			st.under14Card++
		}
		return
	}
	if c.LifeStatus != Alive {
		return
	}
	st.adults++
	if c.OldIDNumber != "" {
		st.cmnd++
	}
	if card, ok := c.CurrentCard(testToday); ok && card.Chip {
		st.adultsChipValid++
	}
	latest, ok := c.LatestCard()
	if !ok {
		return
	}
	switch {
	case latest.Status == CardLost || latest.Status == CardRevoked:
		st.lostOrRevoked++
	case !latest.Chip:
		st.nonChip++
	case !latest.ValidOn(testToday):
		st.expiredOnly++
	}
	for _, card := range c.Cards {
		if card.Status == CardReplaced {
			st.replaced++
			break
		}
	}
}

// checkTexts checks that every text of c is NFC and has no stray spaces, and
// that the name fits the gender.
func checkTexts(t *testing.T, c Citizen, fail func(string, ...any)) {
	texts := []string{c.FullName, c.Nationality, c.Ethnicity, c.Religion, c.PlaceOfOrigin}
	for _, a := range []Address{c.PermanentAddress, c.TemporaryAddress} {
		texts = append(texts, a.HouseNumber, a.Street, a.Hamlet, a.Commune, a.District, a.Province)
	}
	for _, s := range texts {
		if !norm.NFC.IsNormalString(s) || strings.TrimSpace(s) != s || strings.Contains(s, "  ") {
			fail("%s: text %q is not canonical", c.ID, s)
		}
	}
	words := strings.Fields(c.FullName)
	if len(words) < 3 || len(words) > 5 {
		fail("%s: full name %q should have 3 to 5 words", c.ID, c.FullName)
	}
	if c.Gender == identity.Male && slices.Contains(words[1:], "Thị") ||
		c.Gender == identity.Female && slices.Contains(words[1:], "Văn") {
		fail("%s: %q does not fit gender %s", c.ID, c.FullName, c.Gender)
	}
	if c.PermanentAddress.Province == "" || c.PermanentAddress.Commune == "" || c.PermanentAddress.District == "" {
		fail("%s: incomplete permanent address %+v", c.ID, c.PermanentAddress)
	}
	if c.Nationality != "Việt Nam" {
		fail("%s: nationality %q", c.ID, c.Nationality)
	}
	if !strings.HasPrefix(c.PlaceOfOrigin, "Xã ") && !strings.HasPrefix(c.PlaceOfOrigin, "Thị trấn ") {
		fail("%s: place of origin %q should start with the commune", c.ID, c.PlaceOfOrigin)
	}
}

// checkCards checks the card history of a generated citizen.
func checkCards(c Citizen, fail func(string, ...any)) {
	valid := 0
	for i, card := range c.Cards {
		if i > 0 && !card.IssueDate.After(c.Cards[i-1].IssueDate) {
			fail("%s: cards not in issue order", c.ID)
		}
		switch len(card.Number) {
		case 12:
			if card.Number != c.ID {
				fail("%s: card number %s is not the ID number", c.ID, card.Number)
			}
			if want := CardExpiry(c.DateOfBirth, card.IssueDate); card.ExpiryDate != want {
				fail("%s: card issued %s expires %q, want %q", c.ID, card.IssueDate, card.ExpiryDate, want)
			}
			if card.Chip && card.IssueDate.Before(identity.Date{Year: 2021, Month: 1, Day: 1}) {
				fail("%s: chip card issued %s, before 2021", c.ID, card.IssueDate)
			}
			if age := c.DateOfBirth.AgeOn(card.IssueDate); age < 6 || age < 14 && card.IssueDate.Year < 2024 {
				fail("%s: card issued at age %d in %d", c.ID, age, card.IssueDate.Year)
			}
		case 9:
			if card.Number != c.OldIDNumber || card.Chip || card.Status != CardReplaced {
				fail("%s: unexpected CMND card %+v", c.ID, card)
			}
			if card.ExpiryDate != card.IssueDate.AddYears(15) {
				fail("%s: CMND card issued %s expires %s, want 15 years later", c.ID, card.IssueDate, card.ExpiryDate)
			}
		default:
			fail("%s: card number %q", c.ID, card.Number)
		}
		if card.Status == CardValid {
			valid++
			if i != len(c.Cards)-1 {
				fail("%s: a valid card is followed by a newer one", c.ID)
			}
		}
		if card.IssueDate.After(testToday) {
			fail("%s: card issued in the future", c.ID)
		}
	}
	if c.LifeStatus == Deceased && valid > 0 {
		fail("%s: deceased citizen with a valid card", c.ID)
	}
}

func TestCardExpiry(t *testing.T) {
	d := func(y, m, day int) identity.Date { return identity.Date{Year: y, Month: time.Month(m), Day: day} }
	dob := d(1990, 5, 10)
	tests := []struct {
		name        string
		dob, issued identity.Date
		want        identity.Date
	}{
		{"child at 10 until 14", d(2014, 1, 2), d(2024, 8, 1), d(2028, 1, 2)},
		{"child at 12 until 25", d(2012, 6, 1), d(2024, 8, 1), d(2037, 6, 1)},
		{"at 20 until 25", dob, d(2010, 5, 10), d(2015, 5, 10)},
		{"a day before turning 23 until 25", dob, d(2013, 5, 9), d(2015, 5, 10)},
		{"at 23 until 40", dob, d(2013, 5, 10), d(2030, 5, 10)},
		{"on the 25th birthday until 40", dob, d(2015, 5, 10), d(2030, 5, 10)},
		{"at 31 until 40", dob, d(2021, 3, 1), d(2030, 5, 10)},
		{"at 38 until 60", dob, d(2028, 6, 1), d(2050, 5, 10)},
		{"at 57 until 60", dob, d(2047, 6, 1), d(2050, 5, 10)},
		{"at 58 never", dob, d(2048, 5, 10), identity.Date{}},
		{"at 70 never", dob, d(2060, 1, 1), identity.Date{}},
		{"29 February", d(2004, 2, 29), d(2021, 4, 1), d(2029, 3, 1)},
	}
	for _, tt := range tests {
		if got := CardExpiry(tt.dob, tt.issued); got != tt.want {
			t.Errorf("%s: CardExpiry(%s, %s) = %q, want %q", tt.name, tt.dob, tt.issued, got, tt.want)
		}
	}
}

func TestPermuteSerialIsABijection(t *testing.T) {
	seen := make([]bool, serialSpace)
	for i := range uint32(serialSpace) {
		v := permuteSerial(0x1234_5678_9abc_def0, i)
		if v >= serialSpace || seen[v] {
			t.Fatalf("permuteSerial(%d) = %d: out of range or repeated", i, v)
		}
		seen[v] = true
	}
}

func BenchmarkGenerate(b *testing.B) {
	g := Generator{Seed: 7, Today: testToday}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := g.Generate(context.Background(), 10_000, func(Citizen) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*10_000), "ns/citizen")
}
