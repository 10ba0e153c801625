package sources

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
)

// testToday is the day tests generate for.
var testToday = identity.Date{Year: 2026, Month: time.March, Day: 1}

// population returns n synthetic citizens.
func population(t testing.TB, seed uint64, n int) []registry.Citizen {
	t.Helper()
	var out []registry.Citizen
	g := registry.Generator{Seed: seed, Today: testToday}
	if err := g.Generate(context.Background(), n, func(c registry.Citizen) error {
		out = append(out, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGeneratorValidAndDeterministic(t *testing.T) {
	citizens := population(t, 7, 6000)
	g := Generator{Seed: 42, Today: testToday}
	keys := make(map[Key]string)
	var first [][]Document
	for _, c := range citizens {
		docs := g.ForCitizen(c)
		first = append(first, docs)
		for _, d := range docs {
			if err := d.Validate(); err != nil {
				t.Fatalf("citizen %s: %s %s: %v\n%+v", c.ID, d.Kind, d.Number, err, d)
			}
			if d.HolderID != c.ID || d.HolderName != c.FullName || d.DateOfBirth != c.DateOfBirth {
				t.Fatalf("citizen %s: holder fields not the citizen's: %+v", c.ID, d)
			}
			if holder, dup := keys[d.Key()]; dup {
				t.Errorf("%s %s drawn for %s and %s", d.Kind, d.Number, holder, c.ID)
			}
			keys[d.Key()] = c.ID
		}
	}
	// Same output in reverse order, independent of what came before.
	for i := len(citizens) - 1; i >= 0; i-- {
		if got := g.ForCitizen(citizens[i]); !reflect.DeepEqual(got, first[i]) {
			t.Fatalf("citizen %s: second run differs:\n%+v\n%+v", citizens[i].ID, got, first[i])
		}
	}
	// Another seed gives other documents.
	other := Generator{Seed: 43, Today: testToday}
	same := 0
	for i, c := range citizens[:200] {
		if reflect.DeepEqual(other.ForCitizen(c), first[i]) {
			same++
		}
	}
	if same > 40 {
		t.Errorf("%d of 200 citizens got the same documents with another seed", same)
	}
}

func TestGeneratorShares(t *testing.T) {
	citizens := population(t, 11, 8000)
	g := Generator{Seed: 5, Today: testToday}
	var living, adults, withBHYT, withLicence, withVehicle, withTax, withCar, licences, docs, notValid, twoVehicles int
	kinds := map[Kind]int{}
	for _, c := range citizens {
		ds := g.ForCitizen(c)
		if c.LifeStatus == registry.Deceased {
			for _, d := range ds {
				if d.Status == StatusValid {
					t.Errorf("deceased %s has a valid %s", c.ID, d.Kind)
				}
			}
			continue
		}
		living++
		adult := c.DateOfBirth.AgeOn(testToday) >= 18
		if adult {
			adults++
		}
		seen := map[Kind]int{}
		for _, d := range ds {
			docs++
			seen[d.Kind]++
			kinds[d.Kind]++
			if d.Status != StatusValid {
				notValid++
			}
			if d.Kind == DrivingLicence {
				licences++
				if slices.ContainsFunc(d.DrivingLicence.Classes, func(c LicenceClass) bool {
					return c.Class == "B2" || c.Class == "B" || c.Class == "B1"
				}) {
					withCar++
				}
			}
			if !adult && d.Kind != HealthInsurance {
				t.Errorf("minor %s has a %s", c.ID, d.Kind)
			}
		}
		if seen[HealthInsurance] > 0 {
			withBHYT++
		}
		if seen[DrivingLicence] > 0 {
			withLicence++
		}
		if seen[VehicleRegistration] > 0 {
			withVehicle++
		}
		if seen[VehicleRegistration] > 1 {
			twoVehicles++
		}
		if seen[TaxCode] > 0 {
			withTax++
		}
	}
	share := func(n, of int) float64 { return float64(n) / float64(of) }
	checks := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"BHYT among the living", share(withBHYT, living), 0.89, 0.95},
		{"licence among adults", share(withLicence, adults), 0.41, 0.49},
		{"car class among licences", share(withCar, licences), 0.16, 0.24},
		{"vehicle among adults", share(withVehicle, adults), 0.51, 0.59},
		{"two vehicles among owners", share(twoVehicles, withVehicle), 0.10, 0.20},
		{"tax code among adults", share(withTax, adults), 0.56, 0.64},
		{"documents not valid", share(notValid, docs), 0.01, 0.04},
	}
	for _, c := range checks {
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s: %.3f, want %.2f to %.2f", c.name, c.got, c.lo, c.hi)
		} else {
			t.Logf("%s: %.3f", c.name, c.got)
		}
	}
}

func TestGeneratorProvinces(t *testing.T) {
	c := population(t, 3, 1)[0]
	c.DateOfBirth = identity.Date{Year: 1980, Month: time.May, Day: 5}
	c.LifeStatus = registry.Alive
	c.PermanentAddress = registry.Address{District: "Quận 1", Commune: "Phường Bến Nghé", Province: "Thành phố Hồ Chí Minh"}
	for seed := range uint64(200) {
		for _, d := range (Generator{Seed: seed, Today: testToday}).ForCitizen(c) {
			switch d.Kind {
			case VehicleRegistration:
				p, err := ParsePlate(d.Number)
				if err != nil || !slices.Contains(platesOf("079"), p.Code) {
					t.Errorf("plate %s: not a Hồ Chí Minh City plate (%v)", d.Number, err)
				}
			case DrivingLicence:
				if d.Number[:2] != "79" {
					t.Errorf("licence %s: not issued in Hồ Chí Minh City", d.Number)
				}
			}
		}
	}
	// A post-2025 name resolves too.
	if p, ok := provinceByName("Thành phố Huế"); !ok || p.code != "46" {
		t.Errorf("Thành phố Huế: %+v %v", p, ok)
	}
	if p, ok := provinceByName("tỉnh  nam định"); !ok || p.code != "36" {
		t.Errorf("tỉnh nam định: %+v %v", p, ok)
	}
}

func TestGeneratorBornAfterToday(t *testing.T) {
	c := population(t, 3, 1)[0]
	c.DateOfBirth = testToday.AddYears(1)
	if docs := (Generator{Seed: 1, Today: testToday}).ForCitizen(c); docs != nil {
		t.Errorf("got %d documents for someone not yet born", len(docs))
	}
}

func BenchmarkGeneratorForCitizen(b *testing.B) {
	citizens := population(b, 1, 1000)
	g := Generator{Seed: 1, Today: testToday}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		g.ForCitizen(citizens[i%len(citizens)])
	}
}
