package jurisdiction_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/jurisdiction"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

func code(err error) string {
	if f := failure.As(err); f != nil {
		return f.Code
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestDirectory(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			d, err := jurisdiction.New(ctx, st, nil)
			if err != nil {
				t.Fatal(err)
			}
			if did, err := d.SeedDemo(ctx); err != nil || !did {
				t.Fatalf("SeedDemo = %v, %v", did, err)
			}
			if did, err := d.SeedDemo(ctx); err != nil || did {
				t.Fatalf("second SeedDemo = %v, %v", did, err)
			}
			h := d.Hierarchy()
			if h.Len() < 63+63 {
				t.Fatalf("demo hierarchy has %d units", h.Len())
			}
			// Every generated address resolves to a district.
			g := registry.Generator{Seed: 7, Today: identity.DateOf(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))}
			err = g.Generate(ctx, 200, func(c registry.Citizen) error {
				area := d.ResolveAddress(c.PermanentAddress, identity.Date{})
				if u, ok := h.Unit(area); !ok || u.Level != "district" {
					t.Fatalf("address %v resolves to %q", c.PermanentAddress, area)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			hanoi, _ := h.Find("Thành phố Hà Nội", "province", "", identity.Date{})
			badinh, ok := h.Find("Quận Ba Đình", "district", hanoi.Code, identity.Date{})
			if !ok {
				t.Fatal("no Quận Ba Đình in the demo units")
			}
			hcm, _ := h.Find("Thành phố Hồ Chí Minh", "province", "", identity.Date{})

			prov, err := d.Scope(ctx, jurisdiction.PoliceUnitID(h, hanoi.Code))
			if err != nil || prov.Nationwide || prov.Area != hanoi.Code {
				t.Fatalf("Hà Nội scope = %+v, %v", prov, err)
			}
			if !prov.Covers(badinh.Code) || !prov.Covers(hanoi.Code) || prov.Covers(hcm.Code) {
				t.Error("province scope covers the wrong areas")
			}
			dist, _ := d.Scope(ctx, jurisdiction.PoliceUnitID(h, badinh.Code))
			if !dist.Covers(badinh.Code) || dist.Covers(hanoi.Code) {
				t.Error("district scope covers the wrong areas")
			}
			if areas := prov.Areas(); len(areas) < 2 || areas[0] != hanoi.Code {
				t.Errorf("Areas = %v", areas)
			}
			nat, _ := d.Scope(ctx, "C06")
			if !nat.Nationwide || !nat.Covers(hcm.Code) || nat.Areas() != nil {
				t.Errorf("C06 scope = %+v", nat)
			}
			for _, id := range []string{"", "NOPE"} {
				s, err := d.Scope(ctx, id)
				if err != nil || s.Covers(hanoi.Code) || s.Areas() == nil || len(s.Areas()) != 0 {
					t.Errorf("scope of %q = %+v, %v", id, s, err)
				}
			}

			// Refusals.
			for name, u := range map[string]store.PoliceUnit{
				"bad id":             {ID: "ca 1", Name: "X", Level: store.PoliceProvince, Area: hanoi.Code, Parent: "C06"},
				"no name":            {ID: "CA-X", Level: store.PoliceProvince, Area: hanoi.Code, Parent: "C06"},
				"tier mismatch":      {ID: "CA-X", Name: "X", Level: store.PoliceDistrict, Area: hanoi.Code, Parent: "C06"},
				"unknown area":       {ID: "CA-X", Name: "X", Level: store.PoliceProvince, Area: "99", Parent: "C06"},
				"unknown parent":     {ID: "CA-X", Name: "X", Level: store.PoliceDistrict, Area: badinh.Code, Parent: "CA-NONE"},
				"parent elsewhere":   {ID: "CA-X", Name: "X", Level: store.PoliceDistrict, Area: badinh.Code, Parent: jurisdiction.PoliceUnitID(h, hcm.Code)},
				"ministry with area": {ID: "C07", Name: "X", Level: store.PoliceMinistry, Area: hanoi.Code},
				"bad state":          {ID: "CA-X", Name: "X", Level: store.PoliceProvince, Area: hanoi.Code, Parent: "C06", State: "gone"},
			} {
				if err := d.PutPoliceUnit(ctx, "test", u); code(err) != "police_unit_invalid" {
					t.Errorf("%s: %v", name, err)
				}
			}
			// A closed unit gives no scope.
			pu, _ := d.PoliceUnit(ctx, dist.UnitID)
			pu.State = "closed"
			if err := d.PutPoliceUnit(ctx, "test", pu); err != nil {
				t.Fatal(err)
			}
			if s, _ := d.Scope(ctx, dist.UnitID); s.Covers(badinh.Code) {
				t.Error("a closed unit still has a scope")
			}

			// The 2025 reform as data: the district closes, a new ward
			// sits directly under the province.
			csv := "code,name,level,parent,valid_from,valid_to\n" +
				badinh.Code + "," + badinh.Name + ",district," + hanoi.Code + ",,2025-06-30\n" +
				"00004,Phường Ba Đình,commune," + hanoi.Code + ",2025-07-01,\n"
			if n, err := d.ImportUnits(ctx, "test", strings.NewReader(csv)); err != nil || n != 2 {
				t.Fatalf("ImportUnits = %d, %v", n, err)
			}
			after := identity.DateOf(time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC))
			a := registry.Address{Commune: "Phường Ba Đình", Province: "Thành phố Hà Nội"}
			if got := d.ResolveAddress(a, after); got != "00004" {
				t.Errorf("after the reform the ward resolves to %q", got)
			}
			if !prov.Covers("00004") {
				// prov holds the snapshot it was made with; a new scope sees the reform.
				s, _ := d.Scope(ctx, prov.UnitID)
				if !s.Covers("00004") {
					t.Error("the province does not cover its new ward")
				}
			}
			for name, bad := range map[string]string{
				"orphan":     "code,name,level,parent,valid_from,valid_to\n00005,Phường X,commune,999,,\n",
				"bad header": "code,name\n01,X\n",
			} {
				if _, err := d.ImportUnits(ctx, "test", strings.NewReader(bad)); code(err) != "admin_units_invalid" {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
}
